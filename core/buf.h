/* sgp32lab: byte buffers and their text encodings (hex, base64).
 *
 * A struct sgp_buf owns its bytes; sgp_buf_free() releases them.  The
 * decoders are strict: they reject odd lengths, stray characters and bad
 * padding with SGP_ERR_PARSE rather than guessing. */
#ifndef SGP_CORE_BUF_H
#define SGP_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

#define SGP_BUF_INIT { NULL, 0, 0 }

int sgp_buf_reserve(struct sgp_buf *b, size_t extra);
int sgp_buf_append(struct sgp_buf *b, const void *data, size_t len);
int sgp_buf_append_byte(struct sgp_buf *b, uint8_t byte);
/* Replace the content with a copy of data. */
int sgp_buf_set(struct sgp_buf *b, const void *data, size_t len);
void sgp_buf_reset(struct sgp_buf *b);	/* length 0, keeps the memory */
void sgp_buf_free(struct sgp_buf *b);	/* releases the memory */
/* Wipe (for key material) and release. */
void sgp_buf_free_secure(struct sgp_buf *b);

/* Hex: decoding ignores ASCII white space and accepts both cases; an odd
 * number of digits or any other character is SGP_ERR_PARSE. */
int sgp_hex_decode(const char *hex, struct sgp_buf *out);
/* Decode exactly out_len bytes into a fixed array. */
int sgp_hex_decode_fixed(const char *hex, uint8_t *out, size_t out_len);
/* Returns a newly allocated NUL-terminated string, or NULL on ENOMEM. */
char *sgp_hex_encode(const uint8_t *data, size_t len, bool upper);
/* Writes into a caller buffer of at least 2*len+1 bytes. */
void sgp_hex_encode_to(char *dst, const uint8_t *data, size_t len, bool upper);

/* Base64 (RFC 4648, standard alphabet, padding required); white space is
 * ignored when decoding. */
int sgp_base64_decode(const char *text, size_t text_len, struct sgp_buf *out);
char *sgp_base64_encode(const uint8_t *data, size_t len);

/* Read a whole file (path "-": standard input) of at most max bytes.
 * SGP_ERR_NOTFOUND if it does not exist, SGP_ERR_TOOBIG past max,
 * SGP_ERR_IO for anything else (a folder, a read error). */
int sgp_buf_read_file(const char *path, size_t max, struct sgp_buf *out);

/* Constant-time comparison of two equally long byte strings. */
bool sgp_memeq_ct(const void *a, const void *b, size_t len);

#endif
