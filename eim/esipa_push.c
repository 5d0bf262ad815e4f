/* sgp32lab: the eIM's push of eIM packages, ESipa.TransferEimPackage
 * (SGP.32 v1.2 6.3.2; see esipa_push.h) */
#include "eim/esipa_push.h"
#include "eim/esipa_server_int.h"
#include "core/clock.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"
#include "core/store/store.h"

#include "EimPackageResult.h"
#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_TRANSFER 0xBF4Eu
#define MAX_ACKS 64

/* One device's push: the package (or the acknowledgements) on its way. */
struct push_dev {
	struct eim_push *owner;
	char eid[EIM_EID_DIGITS + 1];
	struct http_call *call;
	struct sgp_timer retry;
	unsigned tries;
	int64_t pkg_id;			/* 0: the call carries acknowledgements */
	uint8_t tid[16];		/* eim_pkg.transaction_id */
	size_t tid_len;
	long acks[MAX_ACKS];		/* recorded, to acknowledge next */
	size_t n_acks;
	struct push_dev *next;
};

struct eim_push {
	struct eim_server *s;
	struct http_client *http;
	unsigned timeout_ms, max_tries;
	uint64_t retry_ms;
	struct eim_push_stats stats;
	struct push_dev *devs;
	eim_push_idle_fn idle;
	void *idle_arg;
};

static void push_next(struct push_dev *d);

static void on_retry(void *arg)
{
	push_next(arg);
}

static struct push_dev *dev_get(struct eim_push *p, const char *eid, bool create)
{
	struct push_dev *d;

	for (d = p->devs; d; d = d->next)
		if (!strcmp(d->eid, eid))
			return d;
	if (!create || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->owner = p;
	snprintf(d->eid, sizeof(d->eid), "%s", eid);
	if (p->s->clock)
		sgp_timer_init(&d->retry, p->s->clock, on_retry, d);
	d->next = p->devs;
	p->devs = d;
	return d;
}

static bool dev_waiting(const struct push_dev *d)
{
	return d->call || (d->owner->s->clock && sgp_timer_pending(&d->retry));
}

/* Transport or HTTP failure: the package stays queued; try again later. */
static void failed(struct push_dev *d, const char *why)
{
	struct eim_push *p = d->owner;

	p->stats.failures++;
	if (++d->tries < p->max_tries && p->s->clock) {
		LOGP(DEIM, LOGL_NOTICE, "eim(%s): push to %s failed (%s): again in %llu ms",
		     p->s->eim_id, d->eid, why, (unsigned long long)(p->retry_ms * d->tries));
		sgp_timer_schedule(&d->retry, p->retry_ms * d->tries);
		return;
	}
	LOGP(DEIM, LOGL_NOTICE, "eim(%s): push to %s failed (%s) %u times: %s", p->s->eim_id,
	     d->eid, why, d->tries, d->pkg_id ? "the package waits for the device's poll" :
						 "acknowledgements dropped");
	d->tries = 0;
	if (!d->pkg_id)
		d->n_acks = 0;
}

/* The answer's alternative as EimPackageResult (same tags: 'BF51', the
 * ePRAndNotifications SEQUENCE, 'BF52'), or eimPackageError as the IPA's
 * eimPackageResultResponseError; recorded with the package delivered. */
static int record_answer(struct push_dev *d, const TransferEimPackageResponse_t *r,
			 const uint8_t *body, size_t len)
{
	struct eim_server *s = d->owner->s;
	EimPackageResult_t *v = NULL, err_v;
	OCTET_STRING_t tid = { .buf = d->tid, .size = (int)d->tid_len };
	struct der_error de;
	size_t hdr;
	int rc;

	memset(&err_v, 0, sizeof(err_v));
	s->why[0] = '\0';	/* a refusal keeps no reason of an earlier exchange */
	/* the strict decode checked the outer 'BF4E': 2 tag bytes, a length */
	hdr = 3 + (body[2] & 0x80 ? (body[2] & 0x7F) : 0);
	rc = sgp_store_begin(s->store);
	if (rc)
		return rc;
	rc = eim_registry_mark_delivered(s->store, d->pkg_id);
	if (rc)
		goto out;
	d->n_acks = 0;
	switch (r->present) {
	case TransferEimPackageResponse_PR_eimPackageReceived:
		break;
	case TransferEimPackageResponse_PR_eimPackageError:
		err_v.present = EimPackageResult_PR_eimPackageResultResponseError;
		err_v.choice.eimPackageResultResponseError.eimTransactionId = &tid;
		err_v.choice.eimPackageResultResponseError.eimPackageResultErrorCode =
			r->choice.eimPackageError;
		rc = eim_record_result_tx(s, d->eid, &err_v, d->acks, MAX_ACKS, &d->n_acks, NULL);
		break;
	default:
		rc = sgp_der_decode(&asn_DEF_EimPackageResult, body + hdr, len - hdr, (void **)&v, &de);
		if (!rc)
			rc = eim_record_result_tx(s, d->eid, v, d->acks, MAX_ACKS, &d->n_acks, NULL);
		break;
	}
out:
	sgp_der_free(&asn_DEF_EimPackageResult, v);
	if (rc) {
		sgp_store_rollback(s->store);
		d->n_acks = 0;
		eim_refusal_keep(s, d->eid, "the result in TransferEimPackage's answer was refused: %s",
				 s->why[0] ? s->why : sgp_strerror(rc));
		return rc;
	}
	return sgp_store_commit(s->store);
}

static void on_answer(const struct http_result *res, void *arg)
{
	struct push_dev *d = arg;
	struct eim_push *p = d->owner;
	EsipaMessageFromIpaToEim_t *m = NULL;
	const TransferEimPackageResponse_t *r;
	struct der_error de;
	char why[64];
	int rc;

	d->call = NULL;
	if (res->rc < 0 || res->status != 200) {
		if (res->rc < 0)
			snprintf(why, sizeof(why), "%s", http_xfer_err_str(res->xfer));
		else
			snprintf(why, sizeof(why), "HTTP %d", res->status);
		failed(d, why);
		if (p->idle)
			p->idle(p->idle_arg, d->eid);
		return;
	}
	d->tries = 0;
	rc = sgp_der_decode(&asn_DEF_EsipaMessageFromIpaToEim, res->body, res->body_len,
			    (void **)&m, &de);
	if (!rc && m->present != EsipaMessageFromIpaToEim_PR_transferEimPackageResponse)
		rc = SGP_ERR_PEER;
	if (rc) {
		p->stats.refused++;
		LOGP(DEIM, LOGL_ERROR, "eim(%s): push answer of %s unusable: %s", p->s->eim_id,
		     d->eid, sgp_strerror(rc));
		goto out;
	}
	r = &m->choice.transferEimPackageResponse;
	if (!d->pkg_id) {
		p->stats.acknowledgements++;
		if (r->present != TransferEimPackageResponse_PR_eimPackageReceived)
			LOGP(DEIM, LOGL_NOTICE, "eim(%s): acknowledgements to %s: answer choice %d",
			     p->s->eim_id, d->eid, (int)r->present);
		d->n_acks = 0;
		goto out;
	}
	rc = record_answer(d, r, res->body, res->body_len);
	if (rc) {
		p->stats.refused++;
		LOGP(DEIM, LOGL_ERROR, "eim(%s): push answer of %s for package %lld not recorded: %s",
		     p->s->eim_id, d->eid, (long long)d->pkg_id, sgp_strerror(rc));
		goto out;
	}
	p->stats.delivered++;
	if (r->present != TransferEimPackageResponse_PR_eimPackageReceived)
		p->stats.results++;
	LOGP(DEIM, LOGL_INFO, "eim(%s): package %lld pushed to %s (answer choice %d, %zu to "
	     "acknowledge)", p->s->eim_id, (long long)d->pkg_id, d->eid, (int)r->present, d->n_acks);
out:
	sgp_der_free(&asn_DEF_EsipaMessageFromIpaToEim, m);
	push_next(d);
	if (!d->call && p->idle)
		p->idle(p->idle_arg, d->eid);
}

/* EsipaMessageFromEimToIpa transferEimPackageRequest eimAcknowledgements */
static int acks_body(const struct push_dev *d, struct sgp_buf *out)
{
	EsipaMessageFromEimToIpa_t m;
	EimAcknowledgements_t *a = &m.choice.transferEimPackageRequest.choice.eimAcknowledgements;
	struct der_error de;
	int rc = SGP_OK;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromEimToIpa_PR_transferEimPackageRequest;
	m.choice.transferEimPackageRequest.present = TransferEimPackageRequest_PR_eimAcknowledgements;
	for (size_t i = 0; i < d->n_acks && rc == SGP_OK; i++) {
		long *seq = malloc(sizeof(*seq));

		if (!seq || ASN_SEQUENCE_ADD(&a->list, seq)) {
			free(seq);
			rc = SGP_ERR_NOMEM;
			break;
		}
		*seq = d->acks[i];
	}
	if (rc == SGP_OK)
		rc = sgp_der_encode(&asn_DEF_EsipaMessageFromEimToIpa, &m, out, &de);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromEimToIpa, &m);
	return rc;
}

/* The device's next push: acknowledgements owed, else its oldest queued
 * package (a device known by its EID only waits for its poll: its
 * certificates come first, eim/esipa_server.c). */
static void push_next(struct push_dev *d)
{
	struct eim_push *p = d->owner;
	struct eim_server *s = p->s;
	struct eim_device dev = { 0 };
	struct eim_pkg pkg = { 0 };
	struct sgp_buf body = SGP_BUF_INIT;
	char url[EIM_PUSH_URL_MAX];
	int rc;

	if (dev_waiting(d))
		return;
	rc = eim_registry_get_push_url(s->store, d->eid, url, sizeof(url));
	if (rc || !url[0])
		goto out;
	if (d->n_acks) {
		d->pkg_id = 0;
		rc = acks_body(d, &body);
	} else {
		rc = eim_registry_get_device(s->store, d->eid, &dev);
		if (!rc && eim_device_bootstrap(&dev))
			rc = SGP_ERR_NOTFOUND;
		if (!rc)
			rc = eim_registry_next_queued(s->store, d->eid, -1, &pkg);
		if (!rc) {
			d->pkg_id = pkg.id;
			memcpy(d->tid, pkg.transaction_id, pkg.transaction_id_len);
			d->tid_len = pkg.transaction_id_len;
			/* the alternatives carry the GetEimPackage choices' tags */
			rc = sgp_der_put_tlv(&body, TAG_TRANSFER, pkg.der.data, pkg.der.len);
		}
	}
	if (rc)
		goto out;
	d->call = http_client_post(p->http, url, ESIPA_CONTENT_TYPE, body.data, body.len, NULL,
				   p->timeout_ms, on_answer, d, &rc);
	if (!d->call) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): push to %s not sent: %s", s->eim_id, d->eid,
		     sgp_strerror(rc));
		goto out;
	}
	p->stats.pushes++;
	LOGP(DEIM, LOGL_INFO, "eim(%s): TransferEimPackageRequest to %s: %s", s->eim_id, d->eid,
	     d->pkg_id ? eim_pkg_kind_name(pkg.kind) : "eimAcknowledgements");
out:
	if (rc && rc != SGP_ERR_NOTFOUND && !d->call)
		LOGP(DEIM, LOGL_ERROR, "eim(%s): push to %s: %s", s->eim_id, d->eid, sgp_strerror(rc));
	eim_pkg_release(&pkg);
	eim_device_release(&dev);
	sgp_buf_free(&body);
}

void eim_push_kick(struct eim_server *s, const char *eid)
{
	struct push_dev *d;

	if (!s || !s->push || !eid)
		return;
	d = dev_get(s->push, eid, true);
	if (!d)
		return;
	if (!d->call && s->clock && sgp_timer_pending(&d->retry)) {
		/* a new package: its tries start now */
		sgp_timer_cancel(&d->retry);
		d->tries = 0;
	}
	push_next(d);
}

int eim_push_enable(struct eim_server *s, struct event_base *base,
		    const struct eim_push_cfg *cfg)
{
	struct http_tls_cfg tls = { 0 };
	struct http_client_cfg hc = { 0 };
	struct eim_push *p;
	char (*eids)[EIM_EID_DIGITS + 1] = NULL;
	size_t n = 0;
	int rc = SGP_OK;

	if (!s || !base || !cfg)
		return SGP_ERR_INVAL;
	if (s->push)
		return SGP_ERR_EXISTS;
	p = calloc(1, sizeof(*p));
	if (!p)
		return SGP_ERR_NOMEM;
	p->s = s;
	p->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : EIM_PUSH_DEFAULT_TIMEOUT_MS;
	p->max_tries = cfg->max_tries ? cfg->max_tries : EIM_PUSH_DEFAULT_TRIES;
	p->retry_ms = cfg->retry_ms ? cfg->retry_ms : EIM_PUSH_DEFAULT_RETRY_MS;
	tls.ca_file = cfg->ca_file;
	hc.name = "eim-push";
	hc.tls = &tls;
	hc.timeout_ms = p->timeout_ms;
	p->http = http_client_new(base, &hc, &rc);
	if (!p->http) {
		free(p);
		return rc < 0 ? rc : SGP_ERR_IO;
	}
	s->push = p;
	rc = eim_registry_eids(s->store, &eids, &n);
	for (size_t i = 0; !rc && i < n; i++)
		eim_push_kick(s, eids[i]);
	free(eids);
	return rc;
}

void eim_push_free(struct eim_push *p)
{
	struct push_dev *d, *next;

	if (!p)
		return;
	http_client_free(p->http);	/* cancels every call */
	for (d = p->devs; d; d = next) {
		next = d->next;
		if (p->s->clock)
			sgp_timer_cancel(&d->retry);
		free(d);
	}
	free(p);
}

void eim_push_get_stats(const struct eim_server *s, struct eim_push_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (s && s->push)
		*st = s->push->stats;
}

void eim_push_set_idle_cb(struct eim_server *s, eim_push_idle_fn fn, void *arg)
{
	if (s && s->push) {
		s->push->idle = fn;
		s->push->idle_arg = arg;
	}
}

bool eim_push_pending(const struct eim_server *s, const char *eid)
{
	if (!s || !s->push)
		return false;
	for (const struct push_dev *d = s->push->devs; d; d = d->next)
		if ((!eid || !strcmp(d->eid, eid)) && d->call)
			return true;
	return false;
}

/* ---- operator side (eim.h) ---- */

int eim_set_push_url(struct eim_server *s, const char *eid, const char *url)
{
	struct http_url u;
	struct push_dev *d;
	int rc;

	if (!s || !eid)
		return SGP_ERR_INVAL;
	if (url && (!*url || http_url_parse(url, &u) < 0))
		return SGP_ERR_INVAL;
	rc = sgp_store_begin(s->store);
	if (rc)
		return rc;
	rc = eim_registry_set_push_url(s->store, eid, url);
	if (rc) {
		sgp_store_rollback(s->store);
		return rc;
	}
	rc = sgp_store_commit(s->store);
	if (!rc) {
		LOGP(DEIM, LOGL_INFO, "eim(%s): %s %s%s", s->eim_id, eid,
		     url ? "listens for pushes at " : "polls only", url ? url : "");
		if (url)
			eim_push_kick(s, eid);
		else if (s->push && s->clock && (d = dev_get(s->push, eid, false)))
			sgp_timer_cancel(&d->retry);	/* a call on its way still ends */
	}
	return rc;
}
