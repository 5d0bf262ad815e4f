/* sgp32lab: the IPA's APDU transport over the vpcd socket */
#include "ipa/apdu_transport.h"
#include "core/err.h"
#include "core/log.h"

#include <stdlib.h>

struct tvpcd {
	struct ipa_apdu_transport t;
	struct vpcd_reader *reader;
	ipa_apdu_cb cb;			/* the pending exchange */
	void *cb_arg;
	bool busy;			/* the reader still has an exchange out */
};

static void tvpcd_done(void *arg, int rc, const uint8_t *data, size_t len)
{
	struct tvpcd *v = arg;
	ipa_apdu_cb cb = v->cb;

	v->busy = false;
	v->cb = NULL;
	if (!cb)
		return;		/* cancelled */
	if (rc < 0 || len < 2) {
		LOGP(DIPA, LOGL_NOTICE, "vpcd: no answer from the card (%s)",
		     rc < 0 ? sgp_strerror(rc) : "response shorter than a status word");
		cb(v->cb_arg, SGP_ERR_IO, NULL, 0);
		return;
	}
	cb(v->cb_arg, SGP_OK, data, len);
}

static int tvpcd_transmit(void *impl, const uint8_t *apdu, size_t len, ipa_apdu_cb cb, void *arg)
{
	struct tvpcd *v = impl;
	int rc;

	if (v->busy || !vpcd_reader_linked(v->reader))
		return SGP_ERR_IO;
	rc = vpcd_reader_transmit(v->reader, apdu, len, tvpcd_done, v);
	if (rc < 0)
		return rc == SGP_ERR_STATE ? SGP_ERR_IO : rc;
	v->busy = true;
	v->cb = cb;
	v->cb_arg = arg;
	return SGP_OK;
}

static void tvpcd_cancel(void *impl)
{
	struct tvpcd *v = impl;

	v->cb = NULL;
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
	rc = vpcd_reader_new(base, ep, NULL, NULL, &v->reader);
	if (rc < 0) {
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

void ipa_transport_free(struct ipa_apdu_transport *t)
{
	if (t)
		t->ops->free(t->impl);
}
