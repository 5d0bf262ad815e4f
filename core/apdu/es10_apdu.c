/* sgp32lab: one ES10 command as APDUs (SGP.22 5.7.1) */
#include "core/apdu/es10_apdu.h"
#include "core/apdu/apdu.h"
#include "core/err.h"

#include <string.h>

#define INS_STORE_DATA 0xE2
#define INS_GET_RESPONSE 0xC0

uint8_t es10_cla(unsigned channel, bool proprietary)
{
	uint8_t cla = channel < 4 ? (uint8_t)channel : (uint8_t)(0x40 | (channel - 4));

	return proprietary ? (uint8_t)(cla | 0x80) : cla;
}

void es10_apdu_writer_init(struct es10_apdu_writer *w, const uint8_t *cmd, size_t len,
			   unsigned channel)
{
	memset(w, 0, sizeof(*w));
	w->cmd = cmd;
	w->len = len;
	w->channel = channel;
}

bool es10_apdu_writer_done(const struct es10_apdu_writer *w)
{
	return w->off >= w->len && w->block > 0;
}

bool es10_apdu_writer_next(struct es10_apdu_writer *w, struct sgp_buf *apdu)
{
	size_t n = w->len - w->off;
	bool last;
	struct apdu_cmd c = { 0 };

	if (es10_apdu_writer_done(w) || w->block > 255)
		return false;
	if (n > ES10_BLOCK_MAX)
		n = ES10_BLOCK_MAX;
	last = w->off + n >= w->len;
	c.cla = es10_cla(w->channel, true);
	c.ins = INS_STORE_DATA;
	c.p1 = last ? 0x91 : 0x11;
	c.p2 = (uint8_t)w->block;
	c.data = w->cmd + w->off;
	c.lc = n;
	c.apdu_case = last ? 4 : 3;	/* the answer comes with the last block */
	c.has_le = last;
	c.ne = last ? 256 : 0;
	if (apdu_build(&c, apdu) < 0)
		return false;
	w->off += n;
	w->block++;
	return true;
}

void es10_rsp_init(struct es10_rsp *r, unsigned channel)
{
	memset(r, 0, sizeof(*r));
	r->channel = channel;
}

void es10_rsp_free(struct es10_rsp *r)
{
	sgp_buf_free(&r->data);
}

enum es10_rsp_step es10_rsp_feed(struct es10_rsp *r, const uint8_t *rapdu, size_t len,
				 bool last_block, struct sgp_buf *next_apdu, uint16_t *sw)
{
	size_t dlen;
	struct apdu_cmd gr = { 0 };

	*sw = 0;
	if (apdu_response_split(rapdu, len, sw, &dlen) < 0)
		return ES10_RSP_ERROR;
	if (dlen > ES10_RESPONSE_MAX - r->data.len ||
	    sgp_buf_append(&r->data, rapdu, dlen) < 0) {
		*sw = 0;
		return ES10_RSP_ERROR;
	}
	if ((*sw & 0xff00) == 0x6100) {
		gr.cla = es10_cla(r->channel, false);
		gr.ins = INS_GET_RESPONSE;
		gr.apdu_case = 2;
		gr.has_le = true;
		gr.ne = (*sw & 0xff) ? (*sw & 0xff) : 256;
		return apdu_build(&gr, next_apdu) < 0 ? ES10_RSP_ERROR : ES10_RSP_GET_RESPONSE;
	}
	if (*sw != 0x9000)
		return ES10_RSP_ERROR;
	return last_block ? ES10_RSP_DONE : ES10_RSP_NEXT_BLOCK;
}
