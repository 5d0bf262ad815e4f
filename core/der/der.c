/* sgp32lab: strict DER decode / encode over asn1c (see der.h for the
 * four steps of der_decode). */
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "asn_application.h"
#include "ber_decoder.h"
#include "constraints.h"
#include "der_encoder.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* asn1c's decoders recurse; bound the stack they may use. */
#define DER_MAX_STACK (64 * 1024)

__attribute__((format(printf, 4, 5)))
static int set_err(struct der_error *err, int code, size_t offset,
		   const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static void clear_err(struct der_error *err)
{
	if (err) {
		err->code = 0;
		err->offset = 0;
		err->msg[0] = '\0';
	}
}

static asn_TYPE_descriptor_t *td_rw(const struct asn_TYPE_descriptor_s *td)
{
	/* asn1c 0.9.28 takes non-const descriptors but does not modify them
	 * in the calls made here (typedef'd types fill their function
	 * pointers on first use, which is idempotent). */
	return (asn_TYPE_descriptor_t *)td;
}

/* X.690 8.1.2 identifier octets: returns the identifier length, 0 when
 * malformed; *constructed tells the form. */
static size_t parse_tag(const uint8_t *p, size_t len, bool *constructed,
			const char **why)
{
	size_t i;

	if (len < 1) {
		*why = "truncated: identifier missing";
		return 0;
	}
	*constructed = p[0] & 0x20;
	if ((p[0] & 0x1f) != 0x1f)
		return 1;
	/* high tag number form: base 128, minimal, at most 4 octets */
	if (len < 2) {
		*why = "truncated identifier";
		return 0;
	}
	if (p[1] == 0x80) {
		*why = "non-minimal tag number";
		return 0;
	}
	if (p[1] < 0x1f) {
		*why = "tag number below 31 in long form";
		return 0;
	}
	for (i = 1; i < len && i <= 4; i++)
		if (!(p[i] & 0x80))
			return i + 1;
	*why = i > 4 ? "tag number too large" : "truncated identifier";
	return 0;
}

/* X.690 10.1 length octets: definite and minimal.  Returns the length of
 * the length octets, 0 when malformed. */
static size_t parse_len(const uint8_t *p, size_t len, size_t *value,
			const char **why)
{
	size_t n, i, v = 0;

	if (len < 1) {
		*why = "truncated: length missing";
		return 0;
	}
	if (p[0] < 0x80) {
		*value = p[0];
		return 1;
	}
	if (p[0] == 0x80) {
		*why = "indefinite length (not DER)";
		return 0;
	}
	n = p[0] & 0x7f;
	if (n > 4 || p[0] == 0xff) {
		*why = "length field too large";
		return 0;
	}
	if (len < 1 + n) {
		*why = "truncated length";
		return 0;
	}
	if (p[1] == 0) {
		*why = "non-minimal length (leading zero octet)";
		return 0;
	}
	for (i = 1; i <= n; i++)
		v = (v << 8) | p[i];
	if (v < 0x80) {
		*why = "non-minimal length (long form for a value below 128)";
		return 0;
	}
	*value = v;
	return 1 + n;
}

/* Check the TLVs in [p, p+len) at nesting depth; base is the offset of p
 * in the whole input. */
static int check_tlvs(const uint8_t *p, size_t len, size_t base, int depth,
		      struct der_error *err)
{
	size_t off = 0;

	if (depth > DER_MAX_DEPTH)
		return set_err(err, SGP_ERR_PARSE, base,
			       "nesting deeper than %d levels", DER_MAX_DEPTH);
	while (off < len) {
		const char *why = NULL;
		bool cons;
		size_t tl, ll, vl = 0;
		int rc;

		tl = parse_tag(p + off, len - off, &cons, &why);
		if (!tl)
			return set_err(err, SGP_ERR_PARSE, base + off, "%s at offset %zu",
				       why, base + off);
		ll = parse_len(p + off + tl, len - off - tl, &vl, &why);
		if (!ll)
			return set_err(err, SGP_ERR_PARSE, base + off + tl,
				       "%s at offset %zu", why, base + off + tl);
		if (vl > len - off - tl - ll)
			return set_err(err, SGP_ERR_PARSE, base + off,
				       "truncated: TLV at offset %zu announces %zu bytes, %zu present",
				       base + off, vl, len - off - tl - ll);
		if (cons) {
			rc = check_tlvs(p + off + tl + ll, vl, base + off + tl + ll,
					depth + 1, err);
			if (rc)
				return rc;
		}
		off += tl + ll + vl;
	}
	return 0;
}

int sgp_der_check_tlv(const uint8_t *data, size_t len, struct der_error *err)
{
	const char *why = NULL;
	bool cons;
	size_t tl, ll, vl = 0, total;

	clear_err(err);
	if (!data || !len)
		return set_err(err, SGP_ERR_PARSE, 0, "empty input");
	if (len > DER_MAX_INPUT)
		return set_err(err, SGP_ERR_TOOBIG, 0,
			       "input of %zu bytes exceeds the limit of %d", len,
			       DER_MAX_INPUT);
	tl = parse_tag(data, len, &cons, &why);
	if (!tl)
		return set_err(err, SGP_ERR_PARSE, 0, "%s at offset 0", why);
	ll = parse_len(data + tl, len - tl, &vl, &why);
	if (!ll)
		return set_err(err, SGP_ERR_PARSE, tl, "%s at offset %zu", why, tl);
	total = tl + ll + vl;
	if (vl > len - tl - ll)
		return set_err(err, SGP_ERR_PARSE, 0,
			       "truncated: value announces %zu bytes, %zu present",
			       vl, len - tl - ll);
	if (total < len)
		return set_err(err, SGP_ERR_PARSE, total,
			       "%zu trailing bytes after the value (offset %zu)",
			       len - total, total);
	return cons ? check_tlvs(data + tl + ll, vl, tl + ll, 1, err) : 0;
}

int sgp_der_tag_text(const uint8_t *data, size_t len, char *text, size_t size)
{
	static const char *const cls[] = { "UNIVERSAL ", "APPLICATION ", "", "PRIVATE " };
	char hex[2 * 6 + 1] = "";
	ber_tlv_tag_t tag;
	ssize_t n, i;

	n = data ? ber_fetch_tag(data, len, &tag) : -1;
	if (n <= 0 || n > 6) {
		snprintf(text, size, "(no valid tag)");
		return SGP_ERR_PARSE;
	}
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02X", data[i]);
	snprintf(text, size, "[%s%lu] '%s'", cls[BER_TAG_CLASS(tag)],
		 (unsigned long)BER_TAG_VALUE(tag), hex);
	return 0;
}

struct enc_ctx {
	struct sgp_buf *out;
	int rc;
};

static int enc_append(const void *buf, size_t size, void *key)
{
	struct enc_ctx *c = key;

	if (c->rc)
		return -1;
	if (c->out->len + size > DER_MAX_INPUT) {
		c->rc = SGP_ERR_TOOBIG;
		return -1;
	}
	c->rc = sgp_buf_append(c->out, buf, size);
	return c->rc ? -1 : 0;
}

static int encode_raw(const struct asn_TYPE_descriptor_s *td, const void *value,
		      struct sgp_buf *out, struct der_error *err)
{
	struct enc_ctx c = { out, 0 };
	asn_enc_rval_t er;

	sgp_buf_reset(out);
	er = der_encode(td_rw(td), (void *)value, enc_append, &c);
	if (er.encoded < 0) {
		if (c.rc)
			return set_err(err, c.rc, 0, "%s: encoding: %s", td->name,
				       sgp_strerror(c.rc));
		return set_err(err, SGP_ERR_INVAL, 0, "%s: cannot encode %s",
			       td->name, er.failed_type && er.failed_type->name ?
			       er.failed_type->name : "value");
	}
	return 0;
}

static int check_constraints(const struct asn_TYPE_descriptor_s *td,
			     const void *value, struct der_error *err, int code)
{
	char cbuf[160];
	size_t clen = sizeof(cbuf);

	cbuf[0] = '\0';
	if (asn_check_constraints(td_rw(td), value, cbuf, &clen) == 0)
		return 0;
	return set_err(err, code, 0, "%s: constraint violated: %s", td->name, cbuf);
}

int sgp_der_encode(const struct asn_TYPE_descriptor_s *td, const void *value,
	       struct sgp_buf *out, struct der_error *err)
{
	int rc;

	clear_err(err);
	if (!td || !value || !out)
		return set_err(err, SGP_ERR_INVAL, 0, "der_encode: missing argument");
	rc = check_constraints(td, value, err, SGP_ERR_INVAL);
	if (rc)
		return rc;
	return encode_raw(td, value, out, err);
}

void sgp_der_free(const struct asn_TYPE_descriptor_s *td, void *value)
{
	if (td && value)
		ASN_STRUCT_FREE(*td_rw(td), value);
}

int sgp_der_decode(const struct asn_TYPE_descriptor_s *td, const uint8_t *data,
	       size_t len, void **out, struct der_error *err)
{
	asn_codec_ctx_t ctx = { DER_MAX_STACK };
	struct sgp_buf again = SGP_BUF_INIT;
	asn_dec_rval_t dr;
	void *value = NULL;
	size_t i;
	int rc;

	clear_err(err);
	if (!out || !td)
		return set_err(err, SGP_ERR_INVAL, 0, "der_decode: missing argument");
	*out = NULL;
	/* 1. DER structure */
	rc = sgp_der_check_tlv(data, len, err);
	if (rc)
		goto out;
	/* 2. asn1c decode */
	dr = ber_decode(&ctx, td_rw(td), &value, data, len);
	if (dr.code != RC_OK) {
		rc = set_err(err, SGP_ERR_PARSE, dr.consumed,
			     "%s: %s at offset %zu", td->name,
			     dr.code == RC_WMORE ? "value incomplete" :
			     "does not match the type", dr.consumed);
		goto out;
	}
	if (dr.consumed != len) {
		rc = set_err(err, SGP_ERR_PARSE, dr.consumed,
			     "%s: %zu trailing bytes after offset %zu", td->name,
			     len - dr.consumed, dr.consumed);
		goto out;
	}
	/* 3. constraints (SIZE, value ranges) */
	rc = check_constraints(td, value, err, SGP_ERR_PARSE);
	if (rc)
		goto out;
	/* 4. canonical: the DER encoding of the value is the input */
	rc = encode_raw(td, value, &again, err);
	if (rc) {
		if (rc != SGP_ERR_NOMEM)
			rc = SGP_ERR_PARSE;
		goto out;
	}
	if (again.len != len || memcmp(again.data, data, len)) {
		for (i = 0; i < len && i < again.len && again.data[i] == data[i]; i++)
			;
		rc = set_err(err, SGP_ERR_PARSE, i,
			     "%s: not canonical DER at offset %zu (e.g. BOOLEAN not FF, "
			     "INTEGER not minimal, BIT STRING padding, DEFAULT value "
			     "encoded, unknown extension)", td->name, i);
		goto out;
	}
	*out = value;
	value = NULL;
out:
	if (rc && err)
		LOGP(DDER, LOGL_DEBUG, "decode %s: %s", td ? td->name : "?", err->msg);
	sgp_buf_free(&again);
	sgp_der_free(td, value);
	return rc;
}

int sgp_der_print_xer(FILE *f, const struct asn_TYPE_descriptor_s *td,
		  const void *value)
{
	if (!f || !td || !value)
		return SGP_ERR_INVAL;
	return xer_fprint(f, td_rw(td), (void *)value) ? SGP_ERR_IO : 0;
}
