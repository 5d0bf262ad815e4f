/* sgp32lab: byte buffers and their text encodings (hex, base64) */
#include "core/buf.h"
#include "core/err.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int sgp_buf_reserve(struct sgp_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (extra > SIZE_MAX - b->len)
		return SGP_ERR_TOOBIG;
	need = b->len + extra;
	if (need <= b->cap)
		return SGP_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return SGP_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return SGP_OK;
}

int sgp_buf_append(struct sgp_buf *b, const void *data, size_t len)
{
	int rc;

	if (len == 0)
		return SGP_OK;
	rc = sgp_buf_reserve(b, len);
	if (rc < 0)
		return rc;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return SGP_OK;
}

int sgp_buf_append_byte(struct sgp_buf *b, uint8_t byte)
{
	return sgp_buf_append(b, &byte, 1);
}

int sgp_buf_set(struct sgp_buf *b, const void *data, size_t len)
{
	sgp_buf_reset(b);
	return sgp_buf_append(b, data, len);
}

void sgp_buf_reset(struct sgp_buf *b)
{
	b->len = 0;
}

void sgp_buf_free(struct sgp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void sgp_buf_free_secure(struct sgp_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	sgp_buf_free(b);
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sgp_hex_decode(const char *hex, struct sgp_buf *out)
{
	int hi = -1, rc;

	sgp_buf_reset(out);
	for (const char *p = hex; *p; p++) {
		int v;
		if (is_space(*p))
			continue;
		v = hex_nibble(*p);
		if (v < 0)
			return SGP_ERR_PARSE;
		if (hi < 0) {
			hi = v;
			continue;
		}
		rc = sgp_buf_append_byte(out, (uint8_t)(hi << 4 | v));
		if (rc < 0)
			return rc;
		hi = -1;
	}
	return hi < 0 ? SGP_OK : SGP_ERR_PARSE;
}

int sgp_hex_decode_fixed(const char *hex, uint8_t *out, size_t out_len)
{
	struct sgp_buf b = SGP_BUF_INIT;
	int rc = sgp_hex_decode(hex, &b);

	if (rc == SGP_OK && b.len != out_len)
		rc = SGP_ERR_PARSE;
	if (rc == SGP_OK)
		memcpy(out, b.data, out_len);
	sgp_buf_free(&b);
	return rc;
}

void sgp_hex_encode_to(char *dst, const uint8_t *data, size_t len, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		dst[2 * i] = digits[data[i] >> 4];
		dst[2 * i + 1] = digits[data[i] & 0xf];
	}
	dst[2 * len] = '\0';
}

char *sgp_hex_encode(const uint8_t *data, size_t len, bool upper)
{
	char *s;

	if (len > (SIZE_MAX - 1) / 2)
		return NULL;
	s = malloc(2 * len + 1);
	if (s)
		sgp_hex_encode_to(s, data, len, upper);
	return s;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p ? (int)(p - b64_alphabet) : -1;
}

int sgp_base64_decode(const char *text, size_t text_len, struct sgp_buf *out)
{
	uint32_t acc = 0;
	unsigned n = 0, pad = 0;
	int rc;

	sgp_buf_reset(out);
	for (size_t i = 0; i < text_len; i++) {
		char c = text[i];
		int v;

		if (is_space(c))
			continue;
		if (c == '=') {
			pad++;
			/* padding only completes a quantum of 2 or 3 characters */
			if (pad > 2 || n % 4 < 2)
				return SGP_ERR_PARSE;
			continue;
		}
		if (pad)
			return SGP_ERR_PARSE;	/* data after padding */
		v = b64_value(c);
		if (v < 0)
			return SGP_ERR_PARSE;
		acc = acc << 6 | (uint32_t)v;
		n++;
		if (n % 4 == 0) {
			uint8_t b[3] = { (uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc };
			rc = sgp_buf_append(out, b, 3);
			if (rc < 0)
				return rc;
			acc = 0;
		}
	}
	switch (n % 4) {
	case 0:
		return pad == 0 ? SGP_OK : SGP_ERR_PARSE;
	case 2:
		if (pad != 2 || (acc & 0xf))
			return SGP_ERR_PARSE;
		return sgp_buf_append_byte(out, (uint8_t)(acc >> 4));
	case 3: {
		uint8_t b[2] = { (uint8_t)(acc >> 10), (uint8_t)(acc >> 2) };
		if (pad != 1 || (acc & 0x3))
			return SGP_ERR_PARSE;
		return sgp_buf_append(out, b, 2);
	}
	default:
		return SGP_ERR_PARSE;
	}
}

char *sgp_base64_encode(const uint8_t *data, size_t len)
{
	size_t olen, o = 0;
	char *s;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	olen = (len + 2) / 3 * 4;
	s = malloc(olen + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		size_t rem = len - i;
		if (rem > 1)
			v |= (uint32_t)data[i + 1] << 8;
		if (rem > 2)
			v |= data[i + 2];
		s[o++] = b64_alphabet[v >> 18 & 63];
		s[o++] = b64_alphabet[v >> 12 & 63];
		s[o++] = rem > 1 ? b64_alphabet[v >> 6 & 63] : '=';
		s[o++] = rem > 2 ? b64_alphabet[v & 63] : '=';
	}
	s[o] = '\0';
	return s;
}

int sgp_buf_read_file(const char *path, size_t max, struct sgp_buf *out)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	uint8_t chunk[4096];
	struct stat st;
	size_t n;
	int rc = SGP_OK;

	sgp_buf_reset(out);
	if (!f)
		return errno == ENOENT ? SGP_ERR_NOTFOUND : SGP_ERR_IO;
	if (!is_stdin && (fstat(fileno(f), &st) < 0 || S_ISDIR(st.st_mode))) {
		rc = SGP_ERR_IO;
		goto out;
	}
	/* read past the limit by one chunk at most, so growth is caught too */
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (n > max - out->len) {
			rc = SGP_ERR_TOOBIG;
			goto out;
		}
		rc = sgp_buf_append(out, chunk, n);
		if (rc < 0)
			goto out;
	}
	if (ferror(f))
		rc = SGP_ERR_IO;
out:
	if (!is_stdin)
		fclose(f);
	if (rc < 0)
		sgp_buf_reset(out);
	return rc;
}

bool sgp_memeq_ct(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
