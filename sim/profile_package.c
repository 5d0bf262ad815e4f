/* sgp32lab: the eUICC model — reading the profile element stream of an
 * Unprotected Profile Package (see profile_package.h). */
#include "sim/profile_package.h"
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pe_parser_init(struct pe_parser *p)
{
	memset(p, 0, sizeof(*p));
}

int tlv_header(const uint8_t *d, size_t len, uint32_t *tag, size_t *hdr_len, size_t *val_len)
{
	size_t i = 1, n;

	if (len < 1)
		return 0;
	*tag = d[0];
	if ((d[0] & 0x1f) == 0x1f) {
		do {
			if (i >= len)
				return 0;
			if (i > 2)
				return -1;	/* tags of more than 3 bytes are not used */
			if (i == 1 && (d[i] & 0x7f) == 0)
				return -1;	/* non-minimal tag number */
			*tag = *tag << 8 | d[i];
		} while (d[i++] & 0x80);
		if (i == 2 && d[1] < 0x1f)
			return -1;	/* low tag numbers use the short form */
	}
	if (i >= len)
		return 0;
	if (d[i] < 0x80) {
		*val_len = d[i++];
	} else {
		n = d[i] & 0x7f;
		if (n == 0 || n > 3)
			return -1;	/* indefinite or absurd length */
		if (i + 1 + n > len)
			return 0;
		if (d[i + 1] == 0)
			return -1;	/* leading zero: not minimal */
		*val_len = 0;
		for (size_t k = 0; k < n; k++)
			*val_len = *val_len << 8 | d[i + 1 + k];
		if (*val_len < 0x80)
			return -1;	/* long form for a short length */
		i += 1 + n;
	}
	*hdr_len = i;
	return 1;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct pe_parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	return SGP_ERR_PARSE;
}

/* ProfileHeader ::= SEQUENCE { major-version [0] UInt8, minor-version [1]
 * UInt8, profileType [2] UTF8String OPTIONAL, iccid [3] OCTET STRING
 * (SIZE(10)), ... } with automatic tags. */
static int parse_header(struct pe_parser *p, const uint8_t *v, size_t len)
{
	bool major = false, minor = false, iccid = false;
	size_t off = 0;

	while (off < len) {
		uint32_t tag;
		size_t hl, vl;

		if (tlv_header(v + off, len - off, &tag, &hl, &vl) != 1 || vl > len - off - hl)
			return fail(p, "ProfileHeader: malformed field at %zu", off);
		if (tag == 0x80 && vl == 1) {
			p->major = v[off + hl];
			major = true;
		} else if (tag == 0x81 && vl == 1) {
			p->minor = v[off + hl];
			minor = true;
		} else if (tag == 0x83) {
			if (vl != 10)
				return fail(p, "ProfileHeader: iccid of %zu bytes", vl);
			memcpy(p->iccid, v + off + hl, 10);
			iccid = true;
		}
		off += hl + vl;
	}
	if (!major || !minor || !iccid)
		return fail(p, "ProfileHeader without %s", !iccid ? "iccid" : "version");
	return SGP_OK;
}

int pe_parse(struct pe_parser *p, const uint8_t *data, size_t len)
{
	if (p->error[0])
		return SGP_ERR_PARSE;
	while (p->offset < len) {
		const uint8_t *d = data + p->offset;
		size_t left = len - p->offset, hl, vl;
		uint32_t tag, number;
		int r = tlv_header(d, left, &tag, &hl, &vl);

		if (r < 0)
			return fail(p, "element %u: malformed TLV header", p->count);
		if (r == 0 || vl > left - hl)
			return SGP_OK;		/* incomplete: wait for more */
		if (p->have_end)
			return fail(p, "data after the End element");
		/* ProfileElement is a CHOICE of context-specific constructed alternatives */
		if ((d[0] & 0xe0) != 0xa0)
			return fail(p, "element %u: tag %X is not a ProfileElement", p->count, tag);
		number = (d[0] & 0x1f) == 0x1f ? (tag > 0xffff ? (tag >> 8 & 0x7f) << 7 | (tag & 0x7f)
						  : tag & 0x7f)
					       : (uint32_t)(d[0] & 0x1f);
		if (p->count == 0 && number != PE_TAG_HEADER)
			return fail(p, "first element is not the ProfileHeader (tag %X)", tag);
		if (p->count > 0 && number == PE_TAG_HEADER)
			return fail(p, "second ProfileHeader");
		if (number == PE_TAG_HEADER) {
			if (parse_header(p, d + hl, vl) < 0)
				return SGP_ERR_PARSE;
			p->have_header = true;
		} else if (number == PE_TAG_END) {
			p->have_end = true;
		}
		p->offset += hl + vl;
		p->count++;
	}
	return SGP_OK;
}

bool pe_complete(const struct pe_parser *p, size_t len)
{
	return !p->error[0] && p->have_header && p->have_end && p->offset == len;
}
