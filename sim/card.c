/* sgp32lab: the eUICC's card front end (APDUs in front of struct euicc)
 *
 * Status words used, and where they come from (ISO/IEC 7816-4:2013 section
 * 5.6 table 6, the same values as ETSI TS 102 221 section 10.2.1):
 *   9000  normal processing
 *   61xx  xx more response bytes, fetch them with GET RESPONSE (00 = 256
 *         or more); used when the answer is longer than Le or Le is absent
 *         (T=0 style, ETSI TS 102 221 7.3.1.1.4; the ATR offers T=0)
 *   6700  wrong length: Lc not matching the APDU, extended length (not
 *         offered in the ATR), data missing or not allowed
 *   6881  logical channel not supported: channel closed or beyond 19, or
 *         4..19 without the terminal's consent
 *   6882  secure messaging not supported (CLA SM bits set)
 *   6884  command chaining not supported (CLA chaining bit, ISO 7816-4
 *         5.4.1; the ATR says no command chaining)
 *   6985  conditions of use not satisfied: STORE DATA without the ISD-R
 *         selected on the channel, GET RESPONSE with nothing pending,
 *         MANAGE CHANNEL opening a channel that is already open
 *   6A80  incorrect data: euicc_es10() returned SGP_ERR_PARSE (SGP.22
 *         5.7.1 leaves such data to GlobalPlatform STORE DATA, GPC 11.11.3),
 *         malformed TERMINAL CAPABILITY template
 *   6A81  function not supported: no free logical channel (ETSI TS 102 221
 *         11.1.17 MANAGE CHANNEL, as remembered: not checked against the text)
 *   6A82  file or application not found (SELECT)
 *   6A84  not enough memory: STORE DATA sequence over CARD_MAX_COMMAND
 *         (GPC 11.11.3)
 *   6A86  incorrect P1-P2: STORE DATA P1 other than '11'/'91', a block
 *         number out of sequence, MANAGE CHANNEL / SELECT / GET RESPONSE /
 *         TERMINAL CAPABILITY parameters
 *   6D00  instruction not supported
 *   6E00  class not supported: CLA 'FF', the RFU range '20'-'3F', 'A0'-'BF'
 *         (the GSM class of 3GPP TS 51.011), or an instruction sent with
 *         the wrong class (interindustry vs. proprietary)
 *   6F00  no precise diagnosis: the eUICC failed internally
 *
 * ATR (ISO/IEC 7816-3 section 8, ETSI TS 102 221 section 6.3):
 *   3B          TS: direct convention
 *   97          T0: TA1 and TD1 follow, 7 historical bytes
 *   96          TA1: Fi=512, Di=32 (a common eUICC/UICC speed)
 *   80          TD1: TD2 follows; protocol T=0
 *   3F          TD2: TA3 and TB3 follow; T=15 (global interface bytes)
 *   C7          TA3: clock stop, no preference; classes A, B and C
 *   82          TB3: first TB for T=15, b8 and b2 set: eUICC-related
 *               functions supported (ETSI TS 102 221 table 6.7)
 *   80          historical: category indicator (COMPACT-TLV follows)
 *   31 80       card service data: selection by full DF name (AID)
 *   73 80 21 1F card capabilities: selection by full DF name; data coding
 *               byte 21; no command chaining, no extended Lc/Le, channel
 *               numbers assigned by the card and by the terminal, 8 or
 *               more logical channels
 *   07          TCK: exclusive-or of T0 .. the last historical byte */
#include "sim/card.h"
#include "sim/euicc.h"
#include "core/apdu/apdu.h"
#include "core/err.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t atr[] = {
	0x3B, 0x97, 0x96, 0x80, 0x3F, 0xC7, 0x82,
	0x80, 0x31, 0x80, 0x73, 0x80, 0x21, 0x1F,
	0x07,
};

const uint8_t card_aid_isdr[16] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
};
const uint8_t card_aid_ecasd[16] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00,
};

enum {
	INS_MANAGE_CHANNEL = 0x70,
	INS_SELECT = 0xA4,
	INS_TERMINAL_CAPABILITY = 0xAA,
	INS_GET_RESPONSE = 0xC0,
	INS_STORE_DATA = 0xE2,
	SW_CHAINING_NOT_SUPPORTED = 0x6884,
	/* STORE DATA P1 (GPC 11.11.2.1, SGP.22 5.7.1): b8 last block,
	 * b5-b4 '10' BER-TLV structure, b1 case 4 */
	STORE_DATA_MORE = 0x11,
	STORE_DATA_LAST = 0x91,
};

struct card_channel {
	bool open;
	enum card_app app;
	bool chaining;			/* a STORE DATA sequence is under way */
	unsigned next_block;		/* P2 expected next */
	struct sgp_buf cmd;		/* the blocks so far */
	struct sgp_buf out;		/* answer waiting for GET RESPONSE */
	size_t out_off;
};

struct card {
	struct euicc *euicc;
	struct card_channel ch[CARD_CHANNELS];
	struct card_terminal_caps tc;
	struct sgp_buf es10_resp;
};

/* the answer being built for the current APDU */
struct reply {
	const uint8_t *data;
	size_t len;
	uint16_t sw;
};

const uint8_t *card_atr(size_t *len)
{
	*len = sizeof(atr);
	return atr;
}

static void chain_drop(struct card_channel *ch)
{
	ch->chaining = false;
	ch->next_block = 0;
	sgp_buf_free(&ch->cmd);
}

static void out_drop(struct card_channel *ch)
{
	sgp_buf_free(&ch->out);
	ch->out_off = 0;
}

static void channel_close(struct card_channel *ch)
{
	chain_drop(ch);
	out_drop(ch);
	ch->open = false;
	ch->app = CARD_APP_NONE;
}

void card_reset(struct card *c)
{
	for (unsigned i = 0; i < CARD_CHANNELS; i++)
		channel_close(&c->ch[i]);
	c->ch[0].open = true;		/* the basic channel is always open */
	memset(&c->tc, 0, sizeof(c->tc));
	euicc_reset(c->euicc);
}

int card_new(struct euicc *e, struct card **out)
{
	struct card *c;

	*out = NULL;
	if (!e)
		return SGP_ERR_INVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return SGP_ERR_NOMEM;
	c->euicc = e;
	card_reset(c);
	*out = c;
	return SGP_OK;
}

void card_free(struct card *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < CARD_CHANNELS; i++)
		channel_close(&c->ch[i]);
	sgp_buf_free(&c->es10_resp);
	free(c);
}

bool card_channel_open(const struct card *c, unsigned ch)
{
	return ch < CARD_CHANNELS && c->ch[ch].open;
}

enum card_app card_channel_app(const struct card *c, unsigned ch)
{
	return card_channel_open(c, ch) ? c->ch[ch].app : CARD_APP_NONE;
}

const struct card_terminal_caps *card_terminal_caps(const struct card *c)
{
	return &c->tc;
}

/* ISO/IEC 7816-4 5.4.1: first interindustry class '0X' (and its
 * proprietary twin '8X': b4-b3 secure messaging, b2-b1 channel 0..3),
 * further interindustry class '4X'-'7X' (and 'CX'-'FX': b6 secure
 * messaging, b4-b1 channel minus 4).  b5 is command chaining. */
static uint16_t cla_decode(uint8_t cla, unsigned *channel, bool *proprietary)
{
	bool sm, chaining;

	if (cla == 0xFF)
		return SW_CLA_NOT_SUPPORTED;
	if (!(cla & 0x40)) {
		if (cla & 0x20)
			return SW_CLA_NOT_SUPPORTED;
		sm = cla & 0x0C;
		*channel = cla & 0x03;
	} else {
		sm = cla & 0x20;
		*channel = 4 + (cla & 0x0F);
	}
	chaining = cla & 0x10;
	*proprietary = cla & 0x80;
	if (sm)
		return SW_SECURE_MESSAGING_NOT_SUPPORTED;
	if (chaining)
		return SW_CHAINING_NOT_SUPPORTED;
	return SW_OK;
}

static unsigned channel_limit(const struct card *c)
{
	return c->tc.extended_channels ? CARD_CHANNELS : CARD_BASIC_CHANNELS;
}

/* MANAGE CHANNEL (ISO/IEC 7816-4 11.1.2, ETSI TS 102 221 11.1.17): P1 '00'
 * opens (P2 '00': the card picks the number and answers it; P2 n: the
 * terminal picks n), P1 '80' closes channel P2.  A new channel opened from
 * channel n > 0 starts with n's application selected; from the basic
 * channel with none (no MF is modelled). */
static void manage_channel(struct card *c, unsigned origin, const struct apdu_cmd *cmd,
			   struct reply *r, uint8_t *nbuf)
{
	unsigned n;

	if (cmd->lc) {
		r->sw = SW_WRONG_LENGTH;
		return;
	}
	if (cmd->p1 == 0x00) {
		if (cmd->p2 == 0) {
			for (n = 1; n < channel_limit(c) && c->ch[n].open; n++)
				;
			if (n >= channel_limit(c)) {
				r->sw = SW_FUNC_NOT_SUPPORTED;
				return;
			}
			*nbuf = (uint8_t)n;
			r->data = nbuf;
			r->len = 1;
		} else {
			n = cmd->p2;
			if (n >= channel_limit(c)) {
				r->sw = SW_LOGICAL_CHANNEL_NOT_SUPPORTED;
				return;
			}
			if (c->ch[n].open) {
				r->sw = SW_CONDITIONS_NOT_SATISFIED;
				return;
			}
		}
		c->ch[n].open = true;
		c->ch[n].app = origin ? c->ch[origin].app : CARD_APP_NONE;
		LOGP(DEUICC, LOGL_DEBUG, "card: channel %u opened", n);
		r->sw = SW_OK;
		return;
	}
	if (cmd->p1 == 0x80) {
		n = cmd->p2;
		if (n == 0) {
			r->sw = SW_INCORRECT_P1P2;	/* the basic channel never closes */
			return;
		}
		if (n >= CARD_CHANNELS || !c->ch[n].open) {
			r->sw = SW_LOGICAL_CHANNEL_NOT_SUPPORTED;
			return;
		}
		channel_close(&c->ch[n]);
		LOGP(DEUICC, LOGL_DEBUG, "card: channel %u closed", n);
		r->sw = SW_OK;
		return;
	}
	r->sw = SW_INCORRECT_P1P2;
}

/* SELECT by DF name (ISO/IEC 7816-4 11.2.2, GPC 11.9): P1 '04'; P2 b2-b1
 * '00' first occurrence, b4-b3 what to answer: '00' FCI, '04' FCP, '0C'
 * nothing.  Only the full AIDs of the ISD-R and the ECASD exist; the other
 * selection methods (file identifier, path) find nothing since no file
 * system is modelled. */
static void select_app(struct card *c, unsigned chn, const struct apdu_cmd *cmd,
		       struct reply *r, uint8_t *fci, size_t fci_size)
{
	enum card_app app = CARD_APP_NONE;
	const uint8_t *aid;
	size_t n = 0;

	switch (cmd->p1) {
	case 0x04:
		break;
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x08: case 0x09:
		r->sw = SW_FILE_NOT_FOUND;
		return;
	default:
		r->sw = SW_INCORRECT_P1P2;
		return;
	}
	if (cmd->p2 != 0x00 && cmd->p2 != 0x04 && cmd->p2 != 0x0C) {
		r->sw = SW_INCORRECT_P1P2;
		return;
	}
	if (cmd->lc == sizeof(card_aid_isdr) && !memcmp(cmd->data, card_aid_isdr, cmd->lc))
		app = CARD_APP_ISDR;
	else if (cmd->lc == sizeof(card_aid_ecasd) && !memcmp(cmd->data, card_aid_ecasd, cmd->lc))
		app = CARD_APP_ECASD;
	if (app == CARD_APP_NONE) {
		r->sw = SW_FILE_NOT_FOUND;
		return;
	}
	c->ch[chn].app = app;
	LOGP(DEUICC, LOGL_DEBUG, "card: channel %u selected the %s", chn,
	     app == CARD_APP_ISDR ? "ISD-R" : "ECASD");
	r->sw = SW_OK;
	if (cmd->p2 == 0x0C)
		return;
	/* FCI '6F' (or FCP '62') with the AID ('84') and, in the FCI, the
	 * GlobalPlatform proprietary data 'A5' giving the longest command
	 * data field, 9F65 (GPC 11.9.3.1) */
	aid = app == CARD_APP_ISDR ? card_aid_isdr : card_aid_ecasd;
	if (fci_size < 32)
		return;
	fci[n++] = cmd->p2 == 0x04 ? 0x62 : 0x6F;
	fci[n++] = 0;
	fci[n++] = 0x84;
	fci[n++] = 16;
	memcpy(fci + n, aid, 16);
	n += 16;
	if (cmd->p2 == 0x00) {
		static const uint8_t a5[] = { 0xA5, 0x04, 0x9F, 0x65, 0x01, 0xFF };
		memcpy(fci + n, a5, sizeof(a5));
		n += sizeof(a5);
	}
	fci[1] = (uint8_t)(n - 2);
	r->data = fci;
	r->len = n;
}

/* TERMINAL CAPABILITY (ETSI TS 102 221 11.1.19): one template 'A9' holding
 * '80' power supply (3 bytes), '81' extended logical channels (empty),
 * '82' additional interfaces, '83' eUICC-related capabilities (SGP.22,
 * SGP.32 IoT devices); other (private) tags are skipped. */
static void terminal_capability(struct card *c, const struct apdu_cmd *cmd, struct reply *r)
{
	struct card_terminal_caps tc = { .received = true };
	const uint8_t *p = cmd->data, *end;
	size_t len;

	if (cmd->p1 || cmd->p2) {
		r->sw = SW_INCORRECT_P1P2;
		return;
	}
	if (!cmd->lc) {
		r->sw = SW_WRONG_LENGTH;
		return;
	}
	r->sw = SW_WRONG_DATA;
	if (cmd->lc < 2 || p[0] != 0xA9 || p[1] != cmd->lc - 2)
		return;
	p += 2;
	end = cmd->data + cmd->lc;
	while (p < end) {
		uint8_t tag = *p++;

		if (p >= end || (*p & 0x80))
			return;		/* no length, or a long form this short APDU cannot need */
		len = *p++;
		if ((size_t)(end - p) < len)
			return;
		switch (tag) {
		case 0x80:
			if (len != 3)
				return;
			tc.has_power = true;
			tc.power_class = p[0];
			tc.power_max_ma = p[1];
			tc.power_clock = p[2];
			break;
		case 0x81:	/* any content is read as empty (11.1.19.2.2) */
			tc.extended_channels = true;
			break;
		case 0x82:
			if (len < 1)
				return;
			tc.has_interfaces = true;
			tc.interfaces = p[0];
			break;
		case 0x83:
			if (len < 1 || len > sizeof(tc.euicc))
				return;
			tc.has_euicc = true;
			memcpy(tc.euicc, p, len);
			tc.euicc_len = len;
			break;
		default:
			break;
		}
		p += len;
	}
	c->tc = tc;
	r->sw = SW_OK;
}

/* STORE DATA (GPC 11.11, SGP.22 5.7.1): the ES10 command in blocks of at
 * most 255 bytes, P1 '11' for each block but the last, '91' for the last,
 * P2 the block number from '00' on.  The last block hands the whole command
 * to the eUICC. */
static void store_data(struct card *c, unsigned chn, const struct apdu_cmd *cmd, struct reply *r)
{
	struct card_channel *ch = &c->ch[chn];
	int rc;

	if (ch->app != CARD_APP_ISDR) {
		chain_drop(ch);
		r->sw = SW_CONDITIONS_NOT_SATISFIED;
		return;
	}
	if (cmd->p1 != STORE_DATA_MORE && cmd->p1 != STORE_DATA_LAST) {
		chain_drop(ch);
		r->sw = SW_INCORRECT_P1P2;
		return;
	}
	if (!cmd->lc) {
		chain_drop(ch);
		r->sw = SW_WRONG_LENGTH;
		return;
	}
	if (cmd->p2 == 0 && ch->chaining) {
		LOGP(DEUICC, LOGL_NOTICE, "card: channel %u: new STORE DATA sequence, the one "
		     "at block %u dropped", chn, ch->next_block);
		chain_drop(ch);
	}
	if (cmd->p2 != ch->next_block) {
		LOGP(DEUICC, LOGL_NOTICE, "card: channel %u: STORE DATA block %u, expected %u",
		     chn, cmd->p2, ch->next_block);
		chain_drop(ch);
		r->sw = SW_INCORRECT_P1P2;
		return;
	}
	if (ch->cmd.len + cmd->lc > CARD_MAX_COMMAND) {
		LOGP(DEUICC, LOGL_NOTICE, "card: channel %u: STORE DATA sequence over %u bytes",
		     chn, CARD_MAX_COMMAND);
		chain_drop(ch);
		r->sw = SW_NOT_ENOUGH_MEMORY;
		return;
	}
	if (sgp_buf_append(&ch->cmd, cmd->data, cmd->lc) < 0) {
		chain_drop(ch);
		r->sw = SW_UNKNOWN;
		return;
	}
	if (cmd->p1 == STORE_DATA_MORE) {
		ch->chaining = true;
		ch->next_block++;
		r->sw = SW_OK;
		return;
	}
	rc = euicc_es10(c->euicc, ch->cmd.data, ch->cmd.len, &c->es10_resp);
	chain_drop(ch);
	if (rc == SGP_ERR_PARSE) {
		r->sw = SW_WRONG_DATA;
	} else if (rc < 0) {
		LOGP(DEUICC, LOGL_ERROR, "card: the eUICC failed: %s", sgp_strerror(rc));
		r->sw = SW_UNKNOWN;
	} else {
		r->data = c->es10_resp.data;
		r->len = c->es10_resp.len;
		r->sw = SW_OK;
	}
}

/* 61xx: xx more bytes, '00' for 256 or more. */
static uint16_t sw_remaining(size_t n)
{
	return (uint16_t)(SW_BYTES_REMAINING | (n >= 256 ? 0 : n));
}

/* Hand out as much of ch->out as Ne allows (ISO/IEC 7816-4 5.3.4). */
static int emit_out(struct card_channel *ch, size_t ne, struct sgp_buf *rapdu)
{
	size_t left = ch->out.len - ch->out_off, n = ne < left ? ne : left;
	int rc = apdu_response(rapdu, ch->out.data + ch->out_off, n,
			       n < left ? sw_remaining(left - n) : SW_OK);

	ch->out_off += n;
	if (ch->out_off >= ch->out.len)
		out_drop(ch);
	return rc;
}

/* GET RESPONSE (ETSI TS 102 221 12.1.1, ISO/IEC 7816-4 GET RESPONSE;
 * section numbers as remembered, not checked against the text): case 2,
 * P1-P2 '0000'.  Le larger than what is left returns what is left (T=1
 * reading of Ne as a maximum) rather than 6Cxx. */
static int get_response(struct card *c, unsigned chn, const struct apdu_cmd *cmd,
			struct sgp_buf *rapdu)
{
	struct card_channel *ch = &c->ch[chn];

	if (cmd->p1 || cmd->p2)
		return apdu_response(rapdu, NULL, 0, SW_INCORRECT_P1P2);
	if (cmd->apdu_case != 2)
		return apdu_response(rapdu, NULL, 0, SW_WRONG_LENGTH);
	if (!ch->out.len)
		return apdu_response(rapdu, NULL, 0, SW_CONDITIONS_NOT_SATISFIED);
	return emit_out(ch, cmd->ne, rapdu);
}

/* Send a reply: data that does not fit in Ne (or any data when Le is
 * absent) waits for GET RESPONSE behind 61xx. */
static int send_reply(struct card_channel *ch, const struct apdu_cmd *cmd, const struct reply *r,
		      struct sgp_buf *rapdu)
{
	if (r->sw != SW_OK || !r->len)
		return apdu_response(rapdu, NULL, 0, r->sw);
	if (sgp_buf_set(&ch->out, r->data, r->len) < 0)
		return apdu_response(rapdu, NULL, 0, SW_UNKNOWN);
	ch->out_off = 0;
	return emit_out(ch, cmd->has_le ? cmd->ne : 0, rapdu);
}

int card_apdu(struct card *c, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	struct apdu_cmd cmd;
	struct reply r = { .sw = SW_INS_NOT_SUPPORTED };
	struct card_channel *ch;
	enum apdu_parse_result pr = apdu_parse(apdu, len, &cmd);
	uint8_t small[40];
	bool proprietary = false;
	unsigned chn = 0;
	uint16_t sw;

	if (pr != APDU_PARSE_OK) {
		LOGP(DEUICC, LOGL_NOTICE, "card: APDU of %zu bytes refused: %s", len, apdu_parse_str(pr));
		return apdu_response(rapdu, NULL, 0, SW_WRONG_LENGTH);
	}
	sw = cla_decode(cmd.cla, &chn, &proprietary);
	if (sw == SW_OK && (chn >= CARD_CHANNELS || !c->ch[chn].open))
		sw = SW_LOGICAL_CHANNEL_NOT_SUPPORTED;
	if (sw != SW_OK) {
		LOGP(DEUICC, LOGL_NOTICE, "card: CLA %02X refused (%04X)", cmd.cla, sw);
		return apdu_response(rapdu, NULL, 0, sw);
	}
	ch = &c->ch[chn];
	/* any other command on the channel ends its STORE DATA sequence and
	 * forgets an answer not fetched */
	if (cmd.ins != INS_STORE_DATA && ch->chaining) {
		LOGP(DEUICC, LOGL_NOTICE, "card: channel %u: INS %02X breaks the STORE DATA sequence",
		     chn, cmd.ins);
		chain_drop(ch);
	}
	if (cmd.ins == INS_GET_RESPONSE)
		return get_response(c, chn, &cmd, rapdu);
	out_drop(ch);

	switch (cmd.ins) {
	case INS_MANAGE_CHANNEL:
		if (proprietary)
			r.sw = SW_CLA_NOT_SUPPORTED;
		else
			manage_channel(c, chn, &cmd, &r, small);
		break;
	case INS_SELECT:
		if (proprietary)
			r.sw = SW_CLA_NOT_SUPPORTED;
		else
			select_app(c, chn, &cmd, &r, small, sizeof(small));
		break;
	case INS_TERMINAL_CAPABILITY:
		if (!proprietary)
			r.sw = SW_CLA_NOT_SUPPORTED;
		else
			terminal_capability(c, &cmd, &r);
		break;
	case INS_STORE_DATA:
		if (!proprietary) {
			chain_drop(ch);		/* a broken block breaks the sequence */
			r.sw = SW_CLA_NOT_SUPPORTED;
		} else {
			store_data(c, chn, &cmd, &r);
		}
		break;
	default:
		break;
	}
	if (r.sw != SW_OK)
		LOGP(DEUICC, LOGL_INFO, "card: %02X %02X %02X %02X -> %04X", cmd.cla, cmd.ins,
		     cmd.p1, cmd.p2, r.sw);
	return send_reply(ch, &cmd, &r, rapdu);
}
