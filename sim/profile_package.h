/* sgp32lab: the eUICC model — reading an Unprotected Profile Package, the
 * stream of profile elements of the TCA "eUICC Profile Package:
 * Interoperable Format Technical Specification" (SGP.22 v2.5 section 2.5.2),
 * as far as the eUICC model needs it: each element's TLV is checked, the
 * first one must be the ProfileHeader ([0], 'A0') with its ICCID
 * (iccid [3], tag '83': the ICCID's digits in plain order, not swapped as in EF.ICCID), the last one the End
 * element ([10], 'AA'); nothing may follow End.  The elements in between
 * are kept as they are (the model runs no file system or applets).
 *
 * The parser is incremental: the stream arrives in BSP segments (sequenceOf86)
 * that cut elements anywhere, so pe_parse() takes the whole stream received
 * so far and consumes the complete elements it has not seen yet. */
#ifndef SGP_SIM_PROFILE_PACKAGE_H
#define SGP_SIM_PROFILE_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PE_TAG_HEADER	0	/* ProfileElement header [0] */
#define PE_TAG_END	10	/* ProfileElement end [10] */

struct pe_parser {
	size_t offset;		/* bytes of complete elements consumed */
	unsigned count;		/* elements seen */
	bool have_header;
	bool have_end;
	uint8_t iccid[10];	/* from the ProfileHeader */
	uint8_t major, minor;	/* ProfileHeader major-version / minor-version */
	char error[120];	/* why SGP_ERR_PARSE was returned */
};

void pe_parser_init(struct pe_parser *p);

/* Consume the complete elements of data[p->offset .. len).  SGP_OK if all
 * complete elements are well formed (an incomplete one at the end waits for
 * more data); SGP_ERR_PARSE with p->error set otherwise.  Once SGP_ERR_PARSE
 * has been returned the parser stays failed. */
int pe_parse(struct pe_parser *p, const uint8_t *data, size_t len);

/* True when the stream is complete: header and End seen, nothing after. */
bool pe_complete(const struct pe_parser *p, size_t len);

/* One BER-TLV header (DER: definite, minimal length).  Returns 1 and fills
 * tag (up to 3 bytes, as on the wire, e.g. 0xBF36), hdr_len and val_len;
 * 0 if data ends inside the header; -1 if the header is malformed. */
int tlv_header(const uint8_t *data, size_t len, uint32_t *tag, size_t *hdr_len, size_t *val_len);

#endif
