/* sgp32lab: writing BER-TLV by hand, where a message is assembled from
 * parts that must keep their exact bytes (signed data, BPP segments) */
#include "core/der/der.h"
#include "core/err.h"

int sgp_der_put_header(struct sgp_buf *out, uint32_t tag, size_t len)
{
	uint8_t h[8];
	size_t n = 0;

	if (tag > 0xFFFFFF || len > 0xFFFFFF)
		return SGP_ERR_TOOBIG;
	if (tag > 0xFFFF)
		h[n++] = (uint8_t)(tag >> 16);
	if (tag > 0xFF)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (len >= 0x10000) {
		h[n++] = 0x83;
		h[n++] = (uint8_t)(len >> 16);
		h[n++] = (uint8_t)(len >> 8);
	} else if (len >= 0x100) {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(len >> 8);
	} else if (len >= 0x80) {
		h[n++] = 0x81;
	}
	h[n++] = (uint8_t)len;
	return sgp_buf_append(out, h, n);
}

int sgp_der_put_tlv(struct sgp_buf *out, uint32_t tag, const void *value, size_t len)
{
	int rc = sgp_der_put_header(out, tag, len);

	return rc < 0 ? rc : sgp_buf_append(out, value, len);
}

int sgp_der_wrap(struct sgp_buf *buf, uint32_t tag)
{
	struct sgp_buf t = SGP_BUF_INIT;
	int rc = sgp_der_put_tlv(&t, tag, buf->data, buf->len);

	if (rc < 0) {
		sgp_buf_free(&t);
		return rc;
	}
	sgp_buf_free(buf);
	*buf = t;
	return SGP_OK;
}
