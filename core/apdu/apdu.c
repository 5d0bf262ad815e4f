/* sgp32lab: ISO/IEC 7816-4 command and response APDUs */
#include "core/apdu/apdu.h"
#include "core/err.h"

#include <string.h>

const char *apdu_parse_str(enum apdu_parse_result r)
{
	switch (r) {
	case APDU_PARSE_OK: return "ok";
	case APDU_PARSE_TOO_SHORT: return "shorter than the 4-byte header";
	case APDU_PARSE_BAD_LENGTH: return "Lc does not match the data that follows";
	case APDU_PARSE_EXTENDED: return "extended length is not supported";
	}
	return "unknown";
}

/* ISO/IEC 7816-3 section 12.1.3: after the header, the body length alone
 * tells the case.  B1 is the first body byte. */
enum apdu_parse_result apdu_parse(const uint8_t *buf, size_t len, struct apdu_cmd *cmd)
{
	size_t body, b1;

	memset(cmd, 0, sizeof(*cmd));
	if (len < APDU_HEADER_LEN)
		return APDU_PARSE_TOO_SHORT;
	cmd->cla = buf[0];
	cmd->ins = buf[1];
	cmd->p1 = buf[2];
	cmd->p2 = buf[3];
	body = len - APDU_HEADER_LEN;
	if (body == 0) {
		cmd->apdu_case = 1;
		return APDU_PARSE_OK;
	}
	b1 = buf[4];
	if (body == 1) {			/* case 2S: Le only */
		cmd->apdu_case = 2;
		cmd->has_le = true;
		cmd->ne = b1 ? b1 : APDU_MAX_NE;
		return APDU_PARSE_OK;
	}
	if (b1 == 0)				/* '00' then more bytes: extended */
		return body >= 3 ? APDU_PARSE_EXTENDED : APDU_PARSE_BAD_LENGTH;
	if (body == 1 + b1) {			/* case 3S */
		cmd->apdu_case = 3;
	} else if (body == 2 + b1) {		/* case 4S */
		cmd->apdu_case = 4;
		cmd->has_le = true;
		cmd->ne = buf[len - 1] ? buf[len - 1] : APDU_MAX_NE;
	} else {
		return APDU_PARSE_BAD_LENGTH;
	}
	cmd->data = buf + 5;
	cmd->lc = b1;
	return APDU_PARSE_OK;
}

int apdu_build(const struct apdu_cmd *cmd, struct sgp_buf *out)
{
	uint8_t hdr[5] = { cmd->cla, cmd->ins, cmd->p1, cmd->p2, 0 };
	int rc;

	if (cmd->lc > APDU_MAX_LC || (cmd->has_le && cmd->ne > APDU_MAX_NE))
		return SGP_ERR_TOOBIG;
	if ((cmd->has_le && cmd->ne == 0) || (cmd->lc && !cmd->data))
		return SGP_ERR_INVAL;
	sgp_buf_reset(out);
	rc = sgp_buf_append(out, hdr, APDU_HEADER_LEN);
	if (rc == SGP_OK && cmd->lc) {
		rc = sgp_buf_append_byte(out, (uint8_t)cmd->lc);
		if (rc == SGP_OK)
			rc = sgp_buf_append(out, cmd->data, cmd->lc);
	}
	if (rc == SGP_OK && cmd->has_le)
		rc = sgp_buf_append_byte(out, (uint8_t)(cmd->ne & 0xff));	/* 256 -> '00' */
	return rc;
}

int apdu_response(struct sgp_buf *out, const uint8_t *data, size_t len, uint16_t sw)
{
	uint8_t swb[2] = { sw >> 8, sw & 0xff };
	int rc;

	sgp_buf_reset(out);
	rc = len ? sgp_buf_append(out, data, len) : SGP_OK;
	if (rc == SGP_OK)
		rc = sgp_buf_append(out, swb, 2);
	return rc;
}

int apdu_response_split(const uint8_t *rapdu, size_t len, uint16_t *sw, size_t *data_len)
{
	if (len < 2)
		return SGP_ERR_PARSE;
	*sw = (uint16_t)(rapdu[len - 2] << 8 | rapdu[len - 1]);
	*data_len = len - 2;
	return SGP_OK;
}
