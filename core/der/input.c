/* sgp32lab: a message as people hand it over — hex, base64, or a file
 * holding binary DER or either text form */
#include "core/der/der.h"
#include "core/err.h"

#include <ctype.h>
#include <string.h>

static bool is_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isprint(p[i]) && !isspace(p[i]))
			return false;
	return true;
}

static bool is_hex_text(const char *s, size_t len)
{
	size_t digits = 0;

	for (size_t i = 0; i < len; i++) {
		if (isxdigit((unsigned char)s[i]))
			digits++;
		else if (!isspace((unsigned char)s[i]))
			return false;
	}
	return digits && digits % 2 == 0;
}

int sgp_der_from_text(const char *text, size_t len, enum der_text_enc enc, struct sgp_buf *der)
{
	struct sgp_buf z = SGP_BUF_INIT;
	int rc;

	if (enc == DER_TEXT_AUTO)
		enc = is_hex_text(text, len) ? DER_TEXT_HEX : DER_TEXT_BASE64;
	if (enc == DER_TEXT_BASE64)
		return sgp_base64_decode(text, len, der);
	/* the hex decoder wants a NUL-terminated string */
	rc = sgp_buf_append(&z, text, len);
	if (rc == SGP_OK)
		rc = sgp_buf_append_byte(&z, 0);
	if (rc == SGP_OK)
		rc = memchr(text, '\0', len) ? SGP_ERR_PARSE : sgp_hex_decode((const char *)z.data, der);
	sgp_buf_free(&z);
	return rc;
}

int sgp_der_from_file(const char *path, size_t max, enum der_text_enc enc, struct sgp_buf *der)
{
	struct sgp_buf raw = SGP_BUF_INIT;
	int rc = sgp_buf_read_file(path, max, &raw);

	if (rc == SGP_OK) {
		if (enc == DER_TEXT_AUTO && !is_text(raw.data, raw.len))
			rc = sgp_buf_set(der, raw.data, raw.len);	/* binary DER */
		else
			rc = sgp_der_from_text((const char *)raw.data, raw.len, enc, der);
	}
	sgp_buf_free(&raw);
	return rc;
}
