/* sgp32lab: splitting a Bound Profile Package into the
 * ES10b.LoadBoundProfilePackage commands (SGP.22 v2.5 section 2.5.5; the
 * rule is stated in bpp_split.h). */
#include "core/der/bpp_split.h"
#include "core/err.h"
#include "core/log.h"

#include <stdbool.h>
#include <stdlib.h>

const char *sgp_bpp_piece_name(enum sgp_bpp_piece piece)
{
	switch (piece) {
	case SGP_BPP_ISC: return "BF36+initialiseSecureChannelRequest";
	case SGP_BPP_FIRST87_HDR: return "firstSequenceOf87+87";
	case SGP_BPP_FIRST87: return "87 (first sequence)";
	case SGP_BPP_SEQ88_HDR: return "sequenceOf88";
	case SGP_BPP_SEG88: return "88";
	case SGP_BPP_SECOND87_HDR: return "secondSequenceOf87+87";
	case SGP_BPP_SECOND87: return "87 (second sequence)";
	case SGP_BPP_SEQ86_HDR: return "sequenceOf86";
	case SGP_BPP_SEG86: return "86";
	}
	return "?";
}

int sgp_der_tlv_header(const uint8_t *p, size_t len, uint32_t *tag, size_t *hdr_len,
		       size_t *vlen)
{
	size_t i = 1, n, v = 0;
	uint32_t t;

	if (!p || len < 2)
		return SGP_ERR_PARSE;
	t = p[0];
	if ((p[0] & 0x1f) == 0x1f) {
		/* high tag number: at most two more bytes, minimal */
		if (p[1] < 0x1f || p[1] == 0x80)
			return SGP_ERR_PARSE;
		do {
			if (i >= len || i > 2)
				return SGP_ERR_PARSE;
			t = t << 8 | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= len)
		return SGP_ERR_PARSE;
	if (p[i] < 0x80) {
		v = p[i++];
	} else {
		n = p[i] & 0x7f;
		if (n == 0 || n > 4 || len - i - 1 < n || p[i + 1] == 0)
			return SGP_ERR_PARSE;
		for (size_t k = 1; k <= n; k++)
			v = v << 8 | p[i + k];
		if (v < 0x80)
			return SGP_ERR_PARSE;
		i += 1 + n;
	}
	if (v > len - i)
		return SGP_ERR_PARSE;
	*tag = t;
	*hdr_len = i;
	*vlen = v;
	return SGP_OK;
}

struct splitter {
	const uint8_t *bpp;
	struct sgp_bpp_cmd *cmds;
	size_t n;
};

static int add(struct splitter *s, enum sgp_bpp_piece piece, size_t off, size_t len)
{
	if (s->n >= SGP_BPP_MAX_CMDS) {
		LOGP(DDER, LOGL_NOTICE, "BPP: more than %d commands", SGP_BPP_MAX_CMDS);
		return SGP_ERR_TOOBIG;
	}
	s->cmds[s->n].piece = piece;
	s->cmds[s->n].off = off;
	s->cmds[s->n].len = len;
	s->n++;
	return SGP_OK;
}

/* One sequenceOfXX at off (its whole TLV is [off, off + tlv_len)): the
 * header, with the first child when first_joined, then each child. */
static int split_sequence(struct splitter *s, size_t off, size_t hdr_len, size_t vlen,
			  uint32_t child_tag, bool first_joined, enum sgp_bpp_piece hdr_piece,
			  enum sgp_bpp_piece child_piece)
{
	size_t pos = off + hdr_len, end = pos + vlen;
	bool first = true;
	int rc;

	if (!vlen) {
		LOGP(DDER, LOGL_NOTICE, "BPP: empty sequence at offset %zu", off);
		return SGP_ERR_PARSE;
	}
	if (!first_joined) {
		rc = add(s, hdr_piece, off, hdr_len);
		if (rc)
			return rc;
	}
	while (pos < end) {
		uint32_t tag;
		size_t h, v;

		rc = sgp_der_tlv_header(s->bpp + pos, end - pos, &tag, &h, &v);
		if (rc || tag != child_tag) {
			LOGP(DDER, LOGL_NOTICE, "BPP: expected a %X TLV at offset %zu",
			     child_tag, pos);
			return SGP_ERR_PARSE;
		}
		if (first && first_joined)
			rc = add(s, hdr_piece, off, hdr_len + h + v);
		else
			rc = add(s, child_piece, pos, h + v);
		if (rc)
			return rc;
		first = false;
		pos += h + v;
	}
	return SGP_OK;
}

int sgp_bpp_split(const uint8_t *bpp, size_t len, struct sgp_bpp_cmd **cmds, size_t *n)
{
	struct splitter s = { .bpp = bpp };
	size_t h, v, pos, end;
	uint32_t tag;
	int rc;

	if (!bpp || !cmds || !n)
		return SGP_ERR_INVAL;
	*cmds = NULL;
	*n = 0;
	rc = sgp_der_tlv_header(bpp, len, &tag, &h, &v);
	if (rc || tag != 0xBF36 || h + v != len) {
		LOGP(DDER, LOGL_NOTICE, "BPP: not one BoundProfilePackage TLV ('BF36')");
		return SGP_ERR_PARSE;
	}
	s.cmds = calloc(SGP_BPP_MAX_CMDS, sizeof(*s.cmds));
	if (!s.cmds)
		return SGP_ERR_NOMEM;
	pos = h;
	end = len;

	/* 1. BF36 header + BF23 */
	rc = sgp_der_tlv_header(bpp + pos, end - pos, &tag, &h, &v);
	if (rc || tag != 0xBF23) {
		LOGP(DDER, LOGL_NOTICE, "BPP: initialiseSecureChannelRequest ('BF23') missing");
		rc = SGP_ERR_PARSE;
		goto out;
	}
	rc = add(&s, SGP_BPP_ISC, 0, pos + h + v);
	if (rc)
		goto out;
	pos += h + v;

	/* 2.-5. the sequences, A2 optional */
	for (uint32_t want = 0xA0; want <= 0xA3; want++) {
		if (pos >= end) {
			rc = SGP_ERR_PARSE;
			LOGP(DDER, LOGL_NOTICE, "BPP: sequence %X missing", want);
			goto out;
		}
		rc = sgp_der_tlv_header(bpp + pos, end - pos, &tag, &h, &v);
		if (!rc && want == 0xA2 && tag == 0xA3)
			want = 0xA3;
		if (rc || tag != want) {
			rc = SGP_ERR_PARSE;
			LOGP(DDER, LOGL_NOTICE, "BPP: expected sequence %X at offset %zu", want, pos);
			goto out;
		}
		switch (want) {
		case 0xA0:
			rc = split_sequence(&s, pos, h, v, 0x87, true, SGP_BPP_FIRST87_HDR,
					    SGP_BPP_FIRST87);
			break;
		case 0xA1:
			rc = split_sequence(&s, pos, h, v, 0x88, false, SGP_BPP_SEQ88_HDR,
					    SGP_BPP_SEG88);
			break;
		case 0xA2:
			rc = split_sequence(&s, pos, h, v, 0x87, true, SGP_BPP_SECOND87_HDR,
					    SGP_BPP_SECOND87);
			break;
		default:
			rc = split_sequence(&s, pos, h, v, 0x86, false, SGP_BPP_SEQ86_HDR,
					    SGP_BPP_SEG86);
			break;
		}
		if (rc)
			goto out;
		pos += h + v;
	}
	if (pos != end) {
		rc = SGP_ERR_PARSE;
		LOGP(DDER, LOGL_NOTICE, "BPP: %zu bytes after sequenceOf86", end - pos);
		goto out;
	}
	*cmds = s.cmds;
	*n = s.n;
	s.cmds = NULL;
out:
	free(s.cmds);
	return rc;
}

int sgp_der_next_tlv(const uint8_t **p, size_t *len, struct sgp_tlv *t)
{
	size_t h;

	if (!*len)
		return SGP_ERR_NOTFOUND;
	if (sgp_der_tlv_header(*p, *len, &t->tag, &h, &t->vl) < 0)
		return SGP_ERR_PARSE;
	t->whole = *p;
	t->v = *p + h;
	t->wl = h + t->vl;
	*p += t->wl;
	*len -= t->wl;
	return SGP_OK;
}

int sgp_der_find_tlv(const uint8_t *p, size_t len, uint32_t tag, struct sgp_tlv *t)
{
	int rc;

	while ((rc = sgp_der_next_tlv(&p, &len, t)) == SGP_OK)
		if (t->tag == tag)
			return SGP_OK;
	return rc;
}

int sgp_der_find_value(const uint8_t *p, size_t len, uint32_t tag, const uint8_t **val,
		       size_t *vlen, size_t *whole)
{
	struct sgp_tlv t;
	int rc = sgp_der_find_tlv(p, len, tag, &t);

	if (rc)
		return rc;
	*val = t.v;
	*vlen = t.vl;
	if (whole)
		*whole = t.wl;
	return SGP_OK;
}

int sgp_der_outer_value(const uint8_t *p, size_t len, uint32_t tag, const uint8_t **val,
			size_t *vlen)
{
	struct sgp_tlv t;

	if (!p || sgp_der_next_tlv(&p, &len, &t) < 0 || len || t.tag != tag)
		return SGP_ERR_PARSE;
	*val = t.v;
	*vlen = t.vl;
	return SGP_OK;
}
