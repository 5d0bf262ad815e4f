/* sgp32lab: the IPA's APDU transport over the vpcd socket */
#include "ipa/apdu_transport.h"
#include "core/err.h"
#include "core/log.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

/* How long a command sent during start-up waits for the first link to the
 * card (real time: the link is a socket on this machine, the card may not
 * have accepted it yet).  Once the link has been up, a lost link fails
 * commands at once: the card is gone. */
#define TVPCD_LINK_WAIT_MS 2000

struct tvpcd {
	struct ipa_apdu_transport t;
	struct vpcd_reader *reader;
	ipa_apdu_cb cb;			/* the pending exchange */
	void *cb_arg;
	bool busy;			/* the reader still has an exchange out */
	bool was_linked;		/* the link has been up once */
	/* a command sent before the first link came up, held until it does */
	struct event *link_timer;
	uint8_t *held;
	size_t held_len;
	/* the owner's observer of the link (ipa_transport_vpcd_on_link) */
	void (*link_cb)(void *arg, bool up);
	void *link_arg;
};

static void held_drop(struct tvpcd *v)
{
	free(v->held);
	v->held = NULL;
	v->held_len = 0;
	if (v->link_timer)
		event_del(v->link_timer);
}

/* The pending exchange is over: its callback (unless cancelled) gets rc. */
static void exchange_end(struct tvpcd *v, int rc, const uint8_t *data, size_t len)
{
	ipa_apdu_cb cb = v->cb;

	v->busy = false;
	v->cb = NULL;
	if (cb)
		cb(v->cb_arg, rc, data, len);
}

static void tvpcd_done(void *arg, int rc, const uint8_t *data, size_t len)
{
	struct tvpcd *v = arg;

	if (v->cb && (rc < 0 || len < 2))
		LOGP(DIPA, LOGL_NOTICE, "vpcd: no answer from the card (%s)",
		     rc < 0 ? sgp_strerror(rc) : "response shorter than a status word");
	if (rc < 0 || len < 2)
		exchange_end(v, SGP_ERR_IO, NULL, 0);
	else
		exchange_end(v, SGP_OK, data, len);
}

/* The held command found no link in time. */
static void link_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct tvpcd *v = arg;

	(void)fd; (void)what;
	held_drop(v);
	LOGP(DIPA, LOGL_NOTICE, "vpcd: no link to the card within %d ms", TVPCD_LINK_WAIT_MS);
	exchange_end(v, SGP_ERR_IO, NULL, 0);
}

static void tvpcd_link(void *arg, bool up)
{
	struct tvpcd *v = arg;
	int rc;

	if (up)
		v->was_linked = true;
	if (up && v->held) {
		rc = vpcd_reader_transmit(v->reader, v->held, v->held_len, tvpcd_done, v);
		held_drop(v);
		if (rc < 0)
			exchange_end(v, SGP_ERR_IO, NULL, 0);
	}
	if (v->link_cb)
		v->link_cb(v->link_arg, up);
}

static int tvpcd_transmit(void *impl, const uint8_t *apdu, size_t len, ipa_apdu_cb cb, void *arg)
{
	struct tvpcd *v = impl;
	static const struct timeval wait = { TVPCD_LINK_WAIT_MS / 1000,
					     (TVPCD_LINK_WAIT_MS % 1000) * 1000 };
	int rc;

	if (v->busy)
		return SGP_ERR_IO;
	if (vpcd_reader_linked(v->reader)) {
		rc = vpcd_reader_transmit(v->reader, apdu, len, tvpcd_done, v);
		if (rc < 0)
			return rc == SGP_ERR_STATE ? SGP_ERR_IO : rc;
	} else if (v->was_linked) {
		return SGP_ERR_IO;	/* a link that dropped is a card gone: say so at once */
	} else {
		/* not linked yet (start-up): hold the command until it is */
		if (!len)
			return SGP_ERR_INVAL;
		v->held = malloc(len);
		if (!v->held)
			return SGP_ERR_NOMEM;
		memcpy(v->held, apdu, len);
		v->held_len = len;
		event_add(v->link_timer, &wait);
	}
	v->busy = true;
	v->cb = cb;
	v->cb_arg = arg;
	return SGP_OK;
}

static void tvpcd_cancel(void *impl)
{
	struct tvpcd *v = impl;

	v->cb = NULL;
	if (v->held) {		/* nothing went out yet */
		held_drop(v);
		v->busy = false;
	}
}

static bool tvpcd_ready(const void *impl)
{
	const struct tvpcd *v = impl;

	return vpcd_reader_linked(v->reader) && !v->busy;
}

static void tvpcd_free(void *impl)
{
	struct tvpcd *v = impl;

	vpcd_reader_free(v->reader);
	held_drop(v);
	if (v->link_timer)
		event_free(v->link_timer);
	free(v);
}

static const struct ipa_apdu_transport_ops tvpcd_ops = {
	.name = "vpcd",
	.transmit = tvpcd_transmit,
	.cancel = tvpcd_cancel,
	.ready = tvpcd_ready,
	.free = tvpcd_free,
};

int ipa_transport_vpcd_new(struct event_base *base, const struct vpcd_endpoint *ep,
			   struct ipa_apdu_transport **out)
{
	struct tvpcd *v = calloc(1, sizeof(*v));
	int rc;

	*out = NULL;
	if (!v)
		return SGP_ERR_NOMEM;
	v->link_timer = evtimer_new(base, link_timeout, v);
	if (!v->link_timer) {
		free(v);
		return SGP_ERR_NOMEM;
	}
	rc = vpcd_reader_new(base, ep, tvpcd_link, v, &v->reader);
	if (rc < 0) {
		event_free(v->link_timer);
		free(v);
		return rc;
	}
	v->t.ops = &tvpcd_ops;
	v->t.impl = v;
	*out = &v->t;
	return SGP_OK;
}

uint16_t ipa_transport_vpcd_port(const struct ipa_apdu_transport *t)
{
	const struct tvpcd *v = t->impl;

	return t->ops == &tvpcd_ops ? vpcd_reader_port(v->reader) : 0;
}

void ipa_transport_vpcd_on_link(struct ipa_apdu_transport *t, void (*cb)(void *arg, bool up),
				void *arg)
{
	struct tvpcd *v = t->impl;

	if (t->ops != &tvpcd_ops)
		return;
	v->link_cb = cb;
	v->link_arg = arg;
}

void ipa_transport_free(struct ipa_apdu_transport *t)
{
	if (t)
		t->ops->free(t->impl);
}
