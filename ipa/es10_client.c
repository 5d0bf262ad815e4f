/* sgp32lab: the IPA's ES10 client (SGP.22 5.7.1 over an APDU transport) */
#include "ipa/es10_client.h"
#include "core/apdu/apdu.h"
#include "core/apdu/es10_apdu.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

/* TERMINAL CAPABILITY template 'A9' (ETSI TS 102 221 11.1.19.2):
 *   '81' 00  extended logical channels supported (11.1.19.2.2), so the
 *            card may hand out channels 4..19;
 *   '83' 01 02  eUICC-related terminal capabilities (11.1.19.2.4), byte 1
 *            b2 "LPD in the device supported": the IPAd downloads
 *            profiles; b1 (LUId) and b3 (LDSd) stay clear, an IoT device
 *            has no user interface.  The bit positions are those of the
 *            TS 102 221 table as remembered (consumer devices send '07' for
 *            LUId+LPDd+LDSd); the IoT-specific bits of later releases are
 *            not checked against the text and are left clear.  The lab can
 *            give its own template (ipa_es10_cfg.terminal_capability). */
static const uint8_t default_tc[] = { 0xA9, 0x05, 0x81, 0x00, 0x83, 0x01, 0x02 };

static const uint8_t isd_r_aid[16] = {
	0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
	0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00,
};

enum op_kind { OP_ES10, OP_CLOSE };
enum phase { PH_NONE, PH_TC, PH_OPEN, PH_SELECT, PH_STORE, PH_CLOSE };
enum ch_state { CH_CLOSED, CH_OPEN, CH_BROKEN };

static const char *const phase_stage[] = {
	[PH_NONE] = "-", [PH_TC] = "TERMINAL CAPABILITY", [PH_OPEN] = "MANAGE CHANNEL",
	[PH_SELECT] = "SELECT ISD-R", [PH_STORE] = "STORE DATA", [PH_CLOSE] = "MANAGE CHANNEL",
};

struct op {
	enum op_kind kind;
	struct sgp_buf cmd;
	ipa_es10_cb cb;
	void *arg;
	struct op *next;
};

struct ipa_es10 {
	struct ipa_apdu_transport *t;
	unsigned timeout_ms;
	struct sgp_buf tc;
	struct sgp_timer timer;
	enum ch_state ch;
	unsigned channel;
	struct op *head, *tail;
	unsigned n_ops;
	/* the running op */
	enum phase phase;
	struct es10_apdu_writer w;
	struct es10_rsp rsp;
	struct sgp_buf apdu;
	bool last_block, waiting, get_response;
	unsigned in_cb;
	bool free_pending;
};

static void destroy(struct ipa_es10 *c)
{
	struct op *o, *n;

	if (c->waiting)
		c->t->ops->cancel(c->t->impl);
	sgp_timer_cancel(&c->timer);
	for (o = c->head; o; o = n) {
		n = o->next;
		sgp_buf_free(&o->cmd);
		free(o);
	}
	es10_rsp_free(&c->rsp);
	sgp_buf_free(&c->apdu);
	sgp_buf_free(&c->tc);
	free(c);
}

static int run(struct ipa_es10 *c, bool sync);

/* Finish the head op with res; false when the client was freed. */
static bool complete(struct ipa_es10 *c, struct ipa_es10_result *res)
{
	struct op *o = c->head;

	c->head = o->next;
	if (!c->head)
		c->tail = NULL;
	c->n_ops--;
	c->phase = PH_NONE;
	if (res->rc < 0)
		LOGP(DIPA, LOGL_NOTICE, "es10: %s failed: %s%s%04X", res->stage,
		     sgp_strerror(res->rc), res->sw ? ", SW " : "", res->sw);
	c->in_cb++;
	if (o->cb)
		o->cb(o->arg, res);
	c->in_cb--;
	sgp_buf_free(&o->cmd);
	free(o);
	if (c->free_pending && !c->in_cb) {
		destroy(c);
		return false;
	}
	return true;
}

static bool fail(struct ipa_es10 *c, int rc, uint16_t sw)
{
	struct ipa_es10_result res = {
		.rc = rc, .sw = sw,
		.stage = c->get_response ? "GET RESPONSE" : phase_stage[c->phase],
	};

	return complete(c, &res);
}

static void on_timeout(void *arg);
static void on_rapdu(void *arg, int rc, const uint8_t *rapdu, size_t len);

static int send_apdu(struct ipa_es10 *c)
{
	int rc = c->t->ops->transmit(c->t->impl, c->apdu.data, c->apdu.len, on_rapdu, c);

	if (rc < 0)
		return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_IO;
	c->waiting = true;
	sgp_timer_schedule(&c->timer, c->timeout_ms);
	return SGP_OK;
}

/* Start phase ph of the head op: build its first APDU and send it. */
static int start_phase(struct ipa_es10 *c, enum phase ph)
{
	struct apdu_cmd a = { 0 };
	unsigned resp_ch = 0;
	int rc = SGP_OK;

	c->phase = ph;
	c->get_response = false;
	c->last_block = true;
	switch (ph) {
	case PH_TC:
		a = (struct apdu_cmd){ .cla = 0x80, .ins = 0xAA, .apdu_case = 3,
				       .data = c->tc.data, .lc = c->tc.len };
		rc = apdu_build(&a, &c->apdu);
		break;
	case PH_OPEN:
		a = (struct apdu_cmd){ .cla = 0x00, .ins = 0x70, .apdu_case = 2,
				       .has_le = true, .ne = 1 };
		rc = apdu_build(&a, &c->apdu);
		break;
	case PH_SELECT:
		a = (struct apdu_cmd){ .cla = es10_cla(c->channel, false), .ins = 0xA4, .p1 = 0x04,
				       .apdu_case = 4, .data = isd_r_aid, .lc = sizeof(isd_r_aid),
				       .has_le = true, .ne = 256 };
		rc = apdu_build(&a, &c->apdu);
		resp_ch = c->channel;
		break;
	case PH_STORE:
		es10_apdu_writer_init(&c->w, c->head->cmd.data, c->head->cmd.len, c->channel);
		if (!es10_apdu_writer_next(&c->w, &c->apdu))
			rc = SGP_ERR_TOOBIG;
		c->last_block = es10_apdu_writer_done(&c->w);
		resp_ch = c->channel;
		break;
	case PH_CLOSE:
		a = (struct apdu_cmd){ .cla = 0x00, .ins = 0x70, .p1 = 0x80,
				       .p2 = (uint8_t)c->channel, .apdu_case = 1 };
		rc = apdu_build(&a, &c->apdu);
		break;
	default:
		rc = SGP_ERR_STATE;
	}
	es10_rsp_free(&c->rsp);
	es10_rsp_init(&c->rsp, resp_ch);
	return rc < 0 ? rc : send_apdu(c);
}

/* The first phase of the head op. */
static enum phase first_phase(const struct ipa_es10 *c)
{
	if (c->head->kind == OP_CLOSE)
		return c->ch == CH_OPEN ? PH_CLOSE : PH_NONE;
	return c->ch == CH_OPEN ? PH_STORE : PH_TC;
}

/* Start queued ops until one is under way.  sync: called from
 * ipa_es10_call (its op is the only one: a failure is returned, not
 * reported).  Returns false when the client was freed. */
static int run(struct ipa_es10 *c, bool sync)
{
	while (c->head && !c->waiting) {
		enum phase ph;
		int rc;

		if (c->ch == CH_BROKEN) {
			if (sync)
				return SGP_ERR_IO;
			c->phase = PH_NONE;
			if (!fail(c, SGP_ERR_IO, 0))
				return 1;
			continue;
		}
		ph = first_phase(c);
		if (ph == PH_NONE) {
			struct ipa_es10_result res = { .stage = phase_stage[PH_CLOSE] };

			if (!complete(c, &res))
				return 1;
			continue;
		}
		rc = start_phase(c, ph);
		if (rc == SGP_OK)
			break;
		if (sync)
			return rc;
		if (!fail(c, rc, 0))
			return 1;
	}
	return SGP_OK;
}

static void on_timeout(void *arg)
{
	struct ipa_es10 *c = arg;

	if (!c->waiting)
		return;
	c->waiting = false;
	c->t->ops->cancel(c->t->impl);
	c->ch = CH_BROKEN;
	LOGP(DIPA, LOGL_ERROR, "es10: no answer from the card within %u ms", c->timeout_ms);
	if (fail(c, SGP_ERR_TIMEOUT, 0))
		run(c, false);
}

/* A phase got its whole answer (data in c->rsp.data). */
static void phase_done(struct ipa_es10 *c)
{
	struct ipa_es10_result res = { .stage = phase_stage[c->phase] };
	const struct sgp_buf *d = &c->rsp.data;
	int rc;

	switch (c->phase) {
	case PH_TC:
		rc = start_phase(c, PH_OPEN);
		break;
	case PH_OPEN:
		if (d->len != 1 || d->data[0] == 0 || d->data[0] > 19) {
			LOGP(DIPA, LOGL_ERROR, "es10: MANAGE CHANNEL gave no channel number");
			if (fail(c, SGP_ERR_PEER, 0))
				run(c, false);
			return;
		}
		c->channel = d->data[0];
		rc = start_phase(c, PH_SELECT);
		break;
	case PH_SELECT:
		c->ch = CH_OPEN;
		LOGP(DIPA, LOGL_DEBUG, "es10: ISD-R selected on channel %u", c->channel);
		rc = start_phase(c, PH_STORE);
		break;
	case PH_CLOSE:
		c->ch = CH_CLOSED;
		c->channel = 0;
		if (complete(c, &res))
			run(c, false);
		return;
	case PH_STORE:
	default:
		res.data = d->data;
		res.len = d->len;
		if (complete(c, &res))
			run(c, false);
		return;
	}
	if (rc < 0 && fail(c, rc == SGP_ERR_NOMEM ? rc : SGP_ERR_IO, 0))
		run(c, false);
}

static void on_rapdu(void *arg, int rc, const uint8_t *rapdu, size_t len)
{
	struct ipa_es10 *c = arg;
	enum es10_rsp_step step;
	uint16_t sw = 0;

	c->waiting = false;
	sgp_timer_cancel(&c->timer);
	if (rc < 0) {
		c->ch = CH_CLOSED;	/* the card lost power with the link */
		c->channel = 0;
		if (fail(c, SGP_ERR_IO, 0))
			run(c, false);
		return;
	}
	step = es10_rsp_feed(&c->rsp, rapdu, len, c->last_block, &c->apdu, &sw);
	switch (step) {
	case ES10_RSP_GET_RESPONSE:
		c->get_response = true;
		rc = send_apdu(c);
		break;
	case ES10_RSP_NEXT_BLOCK:
		c->get_response = false;
		if (!es10_apdu_writer_next(&c->w, &c->apdu)) {
			rc = SGP_ERR_STATE;
			break;
		}
		c->last_block = es10_apdu_writer_done(&c->w);
		rc = send_apdu(c);
		break;
	case ES10_RSP_DONE:
		phase_done(c);
		return;
	case ES10_RSP_ERROR:
	default:
		if (c->phase == PH_TC && sw) {
			/* TERMINAL CAPABILITY is optional for a card (ETSI TS
			 * 102 221 11.1.19): go on without it */
			LOGP(DIPA, LOGL_NOTICE, "es10: the card refused TERMINAL CAPABILITY (SW %04X)",
			     sw);
			rc = start_phase(c, PH_OPEN);
			break;
		}
		if (fail(c, SGP_ERR_PEER, sw))
			run(c, false);
		return;
	}
	if (rc < 0 && fail(c, rc == SGP_ERR_NOMEM ? rc : SGP_ERR_IO, 0))
		run(c, false);
}

int ipa_es10_new(struct ipa_apdu_transport *t, const struct ipa_es10_cfg *cfg,
		 struct ipa_es10 **out)
{
	struct ipa_es10 *c;
	int rc;

	*out = NULL;
	if (!t || !cfg || !cfg->clock)
		return SGP_ERR_INVAL;
	if (cfg->terminal_capability && (cfg->terminal_capability_len < 2 ||
					 cfg->terminal_capability_len > APDU_MAX_LC))
		return SGP_ERR_INVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return SGP_ERR_NOMEM;
	c->t = t;
	c->timeout_ms = cfg->apdu_timeout_ms ? cfg->apdu_timeout_ms : IPA_ES10_DEFAULT_TIMEOUT_MS;
	sgp_timer_init(&c->timer, cfg->clock, on_timeout, c);
	es10_rsp_init(&c->rsp, 0);
	if (cfg->terminal_capability)
		rc = sgp_buf_set(&c->tc, cfg->terminal_capability, cfg->terminal_capability_len);
	else
		rc = sgp_buf_set(&c->tc, default_tc, sizeof(default_tc));
	if (rc < 0) {
		destroy(c);
		return rc;
	}
	*out = c;
	return SGP_OK;
}

void ipa_es10_free(struct ipa_es10 *c)
{
	if (!c)
		return;
	if (c->in_cb) {
		c->free_pending = true;
		return;
	}
	destroy(c);
}

static int enqueue(struct ipa_es10 *c, enum op_kind kind, const uint8_t *cmd, size_t len,
		   ipa_es10_cb cb, void *arg)
{
	struct op *o;
	bool idle;
	int rc;

	if (c->free_pending)
		return SGP_ERR_STATE;
	if (c->ch == CH_BROKEN)
		return SGP_ERR_IO;
	if (kind == OP_CLOSE && !c->head && c->ch != CH_OPEN)
		return SGP_ERR_STATE;
	o = calloc(1, sizeof(*o));
	if (!o)
		return SGP_ERR_NOMEM;
	o->kind = kind;
	o->cb = cb;
	o->arg = arg;
	if (cmd && (rc = sgp_buf_set(&o->cmd, cmd, len)) < 0) {
		free(o);
		return rc;
	}
	idle = !c->head;
	if (c->tail)
		c->tail->next = o;
	else
		c->head = o;
	c->tail = o;
	c->n_ops++;
	if (!idle)
		return SGP_OK;
	rc = run(c, true);
	if (rc < 0) {		/* nothing was sent: take the op back */
		c->head = c->tail = NULL;
		c->n_ops = 0;
		c->phase = PH_NONE;
		sgp_buf_free(&o->cmd);
		free(o);
	}
	return rc;
}

int ipa_es10_call(struct ipa_es10 *c, const uint8_t *cmd, size_t len, ipa_es10_cb cb, void *arg)
{
	if (!c || !cmd || len < 2 || len > 0xFFFF)
		return SGP_ERR_INVAL;
	return enqueue(c, OP_ES10, cmd, len, cb, arg);
}

int ipa_es10_close(struct ipa_es10 *c, ipa_es10_cb cb, void *arg)
{
	if (!c)
		return SGP_ERR_INVAL;
	return enqueue(c, OP_CLOSE, NULL, 0, cb, arg);
}

void ipa_es10_forget(struct ipa_es10 *c, void *arg)
{
	for (struct op *o = c ? c->head : NULL; o; o = o->next)
		if (o->arg == arg)
			o->cb = NULL;
}

unsigned ipa_es10_channel(const struct ipa_es10 *c)
{
	return c->ch == CH_OPEN ? c->channel : 0;
}

unsigned ipa_es10_pending(const struct ipa_es10 *c)
{
	return c->n_ops;
}
