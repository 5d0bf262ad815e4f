/* sgp32lab: ISO/IEC 7816-4 command and response APDUs (short length only).
 *
 * A command APDU is CLA INS P1 P2 [Lc data] [Le] (ISO/IEC 7816-3 section
 * 12.1.3 tells the four cases apart by length alone).  The eUICC, like the
 * ATR of sim/card.c says, supports short Lc/Le only: an extended-length
 * APDU is recognised and refused with its own reason, so the card can
 * answer 6700 instead of misreading it.
 *
 * Status words: the constants below carry the names of ISO/IEC 7816-4
 * section 5.6 (table 5-6 of the 2013 edition) and ETSI TS 102 221 section
 * 10.2.1; sim/card.c says which one it uses where. */
#ifndef SGP_CORE_APDU_H
#define SGP_CORE_APDU_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APDU_HEADER_LEN		4
#define APDU_MAX_LC		255	/* short Lc */
#define APDU_MAX_NE		256	/* short Le '00' means 256 */
/* The longest short command APDU: header, Lc, 255 bytes, Le. */
#define APDU_MAX_SHORT_LEN	(APDU_HEADER_LEN + 1 + APDU_MAX_LC + 1)

enum apdu_sw {
	SW_OK				= 0x9000,
	SW_BYTES_REMAINING		= 0x6100,	/* 61xx: xx more bytes (GET RESPONSE) */
	SW_WRONG_LENGTH			= 0x6700,
	SW_LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881,
	SW_SECURE_MESSAGING_NOT_SUPPORTED = 0x6882,
	SW_CONDITIONS_NOT_SATISFIED	= 0x6985,
	SW_WRONG_DATA			= 0x6A80,	/* incorrect parameters in the data field */
	SW_FUNC_NOT_SUPPORTED		= 0x6A81,
	SW_FILE_NOT_FOUND		= 0x6A82,	/* file or application not found */
	SW_NOT_ENOUGH_MEMORY		= 0x6A84,
	SW_INCORRECT_P1P2		= 0x6A86,
	SW_INS_NOT_SUPPORTED		= 0x6D00,
	SW_CLA_NOT_SUPPORTED		= 0x6E00,
	SW_UNKNOWN			= 0x6F00,	/* no precise diagnosis */
};

/* Why a command APDU was not understood. */
enum apdu_parse_result {
	APDU_PARSE_OK = 0,
	APDU_PARSE_TOO_SHORT,	/* fewer than 4 bytes */
	APDU_PARSE_BAD_LENGTH,	/* Lc does not match the bytes that follow */
	APDU_PARSE_EXTENDED,	/* extended Lc/Le: not supported */
};
const char *apdu_parse_str(enum apdu_parse_result r);

struct apdu_cmd {
	uint8_t cla, ins, p1, p2;
	int apdu_case;		/* 1..4 (ISO/IEC 7816-3 12.1.3) */
	const uint8_t *data;	/* Lc bytes (points into the parsed buffer), or NULL */
	size_t lc;
	bool has_le;
	size_t ne;		/* expected response length, 1..256; 0 without Le */
};

/* Parse a short command APDU; cmd->data borrows buf. */
enum apdu_parse_result apdu_parse(const uint8_t *buf, size_t len, struct apdu_cmd *cmd);

/* Encode a short command APDU into out (replacing its content): lc bytes of
 * data (0..255) and, with has_le, Le for ne (1..256).  SGP_ERR_TOOBIG beyond
 * the short limits, SGP_ERR_INVAL for ne 0 with has_le. */
int apdu_build(const struct apdu_cmd *cmd, struct sgp_buf *out);

/* Build a response APDU: data then SW1 SW2 (out is replaced). */
int apdu_response(struct sgp_buf *out, const uint8_t *data, size_t len, uint16_t sw);

/* Split a response APDU: *sw gets SW1SW2, *data_len the length of the data
 * in front of it.  SGP_ERR_PARSE when shorter than two bytes. */
int apdu_response_split(const uint8_t *rapdu, size_t len, uint16_t *sw, size_t *data_len);

#endif
