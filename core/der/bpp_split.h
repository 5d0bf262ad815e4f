/* sgp32lab: the Bound Profile Package as the LPA / IPA hands it to the
 * eUICC — one ES10b.LoadBoundProfilePackage command per piece (SGP.22 v2.5
 * section 2.5.5 and 5.7.6), shared by the SM-DP+ (tests, fault injection)
 * and the IPA.
 *
 * The rule (SGP.22 2.5.5, and what lpac's es10b_load_bound_profile_package
 * sends):
 *   1. the tag and length of BoundProfilePackage ('BF36') together with the
 *      whole initialiseSecureChannelRequest TLV ('BF23');
 *   2. the tag and length of firstSequenceOf87 ('A0') together with its
 *      first '87' TLV; any further '87' TLV of it, one per command;
 *   3. the tag and length of sequenceOf88 ('A1') alone; then each '88' TLV;
 *   4. if present, the tag and length of secondSequenceOf87 ('A2') together
 *      with its first '87' TLV; any further '87' TLV, one per command;
 *   5. the tag and length of sequenceOf86 ('A3') alone; then each '86' TLV.
 * Every command is therefore a contiguous slice of the BPP, and the slices
 * in order cover the BPP exactly; only these slices are described, nothing
 * is copied. */
#ifndef SGP_CORE_DER_BPP_SPLIT_H
#define SGP_CORE_DER_BPP_SPLIT_H

#include <stddef.h>
#include <stdint.h>

enum sgp_bpp_piece {
	SGP_BPP_ISC,		/* BF36 header + BF23 */
	SGP_BPP_FIRST87_HDR,	/* A0 header + first 87 */
	SGP_BPP_FIRST87,	/* a further 87 of firstSequenceOf87 */
	SGP_BPP_SEQ88_HDR,	/* A1 header */
	SGP_BPP_SEG88,		/* one 88 */
	SGP_BPP_SECOND87_HDR,	/* A2 header + first 87 */
	SGP_BPP_SECOND87,	/* a further 87 of secondSequenceOf87 */
	SGP_BPP_SEQ86_HDR,	/* A3 header */
	SGP_BPP_SEG86,		/* one 86 */
};

struct sgp_bpp_cmd {
	enum sgp_bpp_piece piece;
	size_t off;		/* offset in the BPP */
	size_t len;		/* length of the command */
};

/* Largest number of commands accepted (a BPP of DER_MAX_INPUT bytes in
 * 1020-byte segments stays below). */
#define SGP_BPP_MAX_CMDS 2048

const char *sgp_bpp_piece_name(enum sgp_bpp_piece piece);

/* Split a BoundProfilePackage (DER, exactly len bytes) into its commands.
 * The structure is checked (tags BF36, BF23, A0, A1, [A2], A3 in this
 * order, children 87 / 88 / 86, minimal lengths, nothing after the end,
 * no sequence empty), not the content of the segments.  *cmds is allocated (free() it) and holds *n commands.
 * SGP_ERR_PARSE on a malformed BPP, SGP_ERR_TOOBIG over the limits. */
int sgp_bpp_split(const uint8_t *bpp, size_t len, struct sgp_bpp_cmd **cmds, size_t *n);

/* One TLV header: tag (1 to 3 bytes, returned as a number, e.g. 0xBF36)
 * and a minimal definite length (up to 4 length bytes).  *hdr_len gets the
 * size of tag + length, *vlen the length of the value, which must fit in
 * len.  SGP_ERR_PARSE otherwise. */
int sgp_der_tlv_header(const uint8_t *p, size_t len, uint32_t *tag, size_t *hdr_len,
		       size_t *vlen);

/* One TLV inside a buffer: its tag, its value, the whole TLV. */
struct sgp_tlv {
	uint32_t tag;
	const uint8_t *v, *whole;
	size_t vl, wl;
};
/* The next TLV of [*p, *p + *len), which advances past it: 0,
 * SGP_ERR_NOTFOUND at the end, SGP_ERR_PARSE. */
int sgp_der_next_tlv(const uint8_t **p, size_t *len, struct sgp_tlv *t);
/* The first TLV of tag among the siblings in [p, p + len): 0,
 * SGP_ERR_NOTFOUND, SGP_ERR_PARSE. */
int sgp_der_find_tlv(const uint8_t *p, size_t len, uint32_t tag, struct sgp_tlv *t);
/* The same, giving its value (and, when whole is not NULL, the size of the
 * whole TLV). */
int sgp_der_find_value(const uint8_t *p, size_t len, uint32_t tag, const uint8_t **val,
		       size_t *vlen, size_t *whole);
/* The value of the one TLV that fills [p, p + len) exactly and has tag:
 * 0 or SGP_ERR_PARSE. */
int sgp_der_outer_value(const uint8_t *p, size_t len, uint32_t tag, const uint8_t **val,
			size_t *vlen);

#endif
