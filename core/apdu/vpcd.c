/* sgp32lab: the two ends of a vpcd link — the card (answers control
 * messages and APDUs) and the reader (sends them, one at a time).
 *
 * Message meanings as vsmartcard defines them (src/vpcd/vpcd.h,
 * VPCD_CTRL_*): a 1-byte message is power off '00', power on '01', reset
 * '02' or get ATR '04'; anything longer is an APDU. */
#include "core/apdu/vpcd_int.h"
#include "core/err.h"
#include "core/trace/trace.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ card */

struct vpcd_card {
	struct vpcd_link link;
	const struct vpcd_card_ops *ops;
	void *arg;
	struct sgp_buf rapdu;
};

static bool card_msg(struct vpcd_link *l, const uint8_t *msg, size_t len)
{
	struct vpcd_card *c = l->owner;
	const uint8_t *atr;
	size_t atr_len = 0;
	int rc;

	if (len == 0) {
		vpcd_link_drop(l, "empty message (protocol error)");
		return false;
	}
	if (len == 1) {
		switch (msg[0]) {
		case VPCD_CTRL_OFF:
		case VPCD_CTRL_ON:
		case VPCD_CTRL_RESET:
			LOGP(l->cat, LOGL_DEBUG, "vpcd card: %s", msg[0] == VPCD_CTRL_OFF ? "power off" :
			     msg[0] == VPCD_CTRL_ON ? "power on" : "reset");
			c->ops->ctrl(c->arg, msg[0]);
			return true;
		case VPCD_CTRL_ATR:
			atr = c->ops->atr(c->arg, &atr_len);
			rc = vpcd_link_send(l, atr, atr_len);
			break;
		default:
			vpcd_link_drop(l, "unknown control message (protocol error)");
			return false;
		}
	} else {
		rc = c->ops->apdu(c->arg, msg, len, &c->rapdu);
		if (rc == SGP_OK && c->rapdu.len < 2)
			rc = SGP_ERR_INVAL;
		if (rc == SGP_OK)
			rc = vpcd_link_send(l, c->rapdu.data, c->rapdu.len);
	}
	if (rc < 0) {
		vpcd_link_drop(l, sgp_strerror(rc));
		return false;
	}
	return true;
}

static void card_up(struct vpcd_link *l)
{
	struct vpcd_card *c = l->owner;

	if (c->ops->link)
		c->ops->link(c->arg, true);
}

static void card_down(struct vpcd_link *l)
{
	struct vpcd_card *c = l->owner;

	/* the reader is gone: for the card this is a power loss */
	c->ops->ctrl(c->arg, VPCD_CTRL_OFF);
	if (c->ops->link)
		c->ops->link(c->arg, false);
}

int vpcd_card_new(struct event_base *base, const struct vpcd_endpoint *ep,
		  const struct vpcd_card_ops *ops, void *arg, struct vpcd_card **out)
{
	struct vpcd_card *c;
	int rc;

	*out = NULL;
	if (!base || !ep || !ops || !ops->apdu || !ops->ctrl || !ops->atr)
		return SGP_ERR_INVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return SGP_ERR_NOMEM;
	c->ops = ops;
	c->arg = arg;
	c->link.who = "card";
	c->link.owner = c;
	c->link.on_msg = card_msg;
	c->link.on_up = card_up;
	c->link.on_down = card_down;
	rc = vpcd_link_init(&c->link, base, ep);
	if (rc < 0) {
		vpcd_card_free(c);
		return rc;
	}
	*out = c;
	return SGP_OK;
}

void vpcd_card_free(struct vpcd_card *c)
{
	if (!c)
		return;
	vpcd_link_cleanup(&c->link);
	sgp_buf_free(&c->rapdu);
	free(c);
}

bool vpcd_card_linked(const struct vpcd_card *c)
{
	return c->link.up;
}

uint16_t vpcd_card_port(const struct vpcd_card *c)
{
	return c->link.port;
}

/* ---------------------------------------------------------------- reader */

struct vpcd_reader {
	struct vpcd_link link;
	void (*on_link)(void *arg, bool up);
	void *link_arg;
	vpcd_reader_cb cb;		/* the pending exchange, if any */
	void *cb_arg;
	unsigned in_cb;			/* callbacks running (free is deferred) */
	bool free_pending;
	long trace_req;			/* the pending exchange's trace event */
};

static void reader_destroy(struct vpcd_reader *r)
{
	vpcd_link_cleanup(&r->link);
	free(r);
}

/* Run the pending callback once.  Returns false when the reader was freed
 * inside it. */
static bool reader_finish(struct vpcd_reader *r, int rc, const uint8_t *data, size_t len)
{
	vpcd_reader_cb cb = r->cb;

	r->cb = NULL;
	if (!cb)
		return true;
	/* the IPA's side of ES10: the reader is "ipa", the card "euicc" */
	if (trace_enabled())
		trace_apdu(r->trace_req, "ipa", "euicc", rc == SGP_OK ? data : NULL, len);
	r->in_cb++;
	cb(r->cb_arg, rc, data, len);
	r->in_cb--;
	if (r->free_pending && !r->in_cb) {
		reader_destroy(r);
		return false;
	}
	return true;
}

static bool reader_msg(struct vpcd_link *l, const uint8_t *msg, size_t len)
{
	struct vpcd_reader *r = l->owner;

	if (!r->cb) {
		vpcd_link_drop(l, "message from the card that nobody asked for");
		return false;
	}
	if (len == 0) {
		/* vpcd takes an empty answer as a removed card */
		vpcd_link_drop(l, "empty answer from the card");
		return false;
	}
	return reader_finish(r, SGP_OK, msg, len) && l->bev != NULL;
}

static void reader_notify(struct vpcd_reader *r, bool up)
{
	if (!r->on_link)
		return;
	r->in_cb++;
	r->on_link(r->link_arg, up);
	r->in_cb--;
	if (r->free_pending && !r->in_cb)
		reader_destroy(r);
}

static void reader_up(struct vpcd_link *l)
{
	reader_notify(l->owner, true);
}

static void reader_down(struct vpcd_link *l)
{
	struct vpcd_reader *r = l->owner;

	/* the link callback is last: the reader may be gone after either */
	r->in_cb++;
	reader_finish(r, SGP_ERR_PEER, NULL, 0);
	r->in_cb--;
	if (r->free_pending && !r->in_cb) {
		reader_destroy(r);
		return;
	}
	reader_notify(r, false);
}

int vpcd_reader_new(struct event_base *base, const struct vpcd_endpoint *ep,
		    void (*link)(void *arg, bool up), void *link_arg, struct vpcd_reader **out)
{
	struct vpcd_reader *r;
	int rc;

	*out = NULL;
	if (!base || !ep)
		return SGP_ERR_INVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return SGP_ERR_NOMEM;
	r->on_link = link;
	r->link_arg = link_arg;
	r->trace_req = -1;
	r->link.who = "reader";
	r->link.owner = r;
	r->link.on_msg = reader_msg;
	r->link.on_up = reader_up;
	r->link.on_down = reader_down;
	rc = vpcd_link_init(&r->link, base, ep);
	if (rc < 0) {
		reader_destroy(r);
		return rc;
	}
	*out = r;
	return SGP_OK;
}

void vpcd_reader_free(struct vpcd_reader *r)
{
	if (!r)
		return;
	if (r->in_cb) {
		r->free_pending = true;
		r->cb = NULL;
		r->on_link = NULL;
		return;
	}
	reader_destroy(r);
}

bool vpcd_reader_linked(const struct vpcd_reader *r)
{
	return r->link.up;
}

uint16_t vpcd_reader_port(const struct vpcd_reader *r)
{
	return r->link.port;
}

static int reader_send(struct vpcd_reader *r, const uint8_t *msg, size_t len,
		       vpcd_reader_cb cb, void *arg)
{
	int rc;

	if (r->cb || r->free_pending)
		return SGP_ERR_STATE;
	rc = vpcd_link_send(&r->link, msg, len);
	r->trace_req = -1;
	if (rc == SGP_OK && trace_enabled())
		r->trace_req = trace_apdu(-1, "ipa", "euicc", msg, len);
	if (rc == SGP_OK && cb) {
		r->cb = cb;
		r->cb_arg = arg;
	}
	return rc;
}

int vpcd_reader_transmit(struct vpcd_reader *r, const uint8_t *apdu, size_t len,
			 vpcd_reader_cb cb, void *arg)
{
	/* a 1-byte message would be read as a control message */
	if (!cb || len < 2)
		return SGP_ERR_INVAL;
	return reader_send(r, apdu, len, cb, arg);
}

int vpcd_reader_get_atr(struct vpcd_reader *r, vpcd_reader_cb cb, void *arg)
{
	uint8_t m = VPCD_CTRL_ATR;

	if (!cb)
		return SGP_ERR_INVAL;
	return reader_send(r, &m, 1, cb, arg);
}

int vpcd_reader_ctrl(struct vpcd_reader *r, uint8_t ctrl)
{
	if (ctrl != VPCD_CTRL_OFF && ctrl != VPCD_CTRL_ON && ctrl != VPCD_CTRL_RESET)
		return SGP_ERR_INVAL;
	return reader_send(r, &ctrl, 1, NULL, NULL);
}
