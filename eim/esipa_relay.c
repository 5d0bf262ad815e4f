/* sgp32lab: the eIM's relay of the indirect profile download (SGP.32 v1.2
 * 3.2.3.2, 6.3.2.1 - 6.3.2.5) */
#include "eim/esipa_relay.h"
#include "eim/esipa_server.h"
#include "eim/esipa_binding.h"
#include "core/clock.h"
#include "core/der/bpp_split.h"
#include "core/err.h"
#include "core/es9/client.h"
#include "core/esipa/esipa_map.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_MAX 256

static const char *const schema_steps[] = {
	"CREATE TABLE eim_relay_session ("
	" transaction_id BLOB PRIMARY KEY, smdp_address TEXT NOT NULL,"
	" eid TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL);",
};

static const struct sgp_store_schema schema = {
	"eim_relay", schema_steps, sizeof(schema_steps) / sizeof(schema_steps[0]),
};

struct relay_call;

struct eim_relay {
	struct sgp_store *store;
	struct sgp_clock *clock;
	struct http_client *http;
	unsigned timeout_ms;
	char **allowed;			/* NULL: any */
	eim_relay_trigger_fn trigger;
	void *trigger_arg;
	struct relay_call *calls;	/* pending, a list */
	struct eim_relay_stats stats;
};

/* One ESipa request waiting for the SM-DP+. */
struct relay_call {
	struct relay_call *next;
	struct eim_relay *r;
	struct http_request *req;
	struct es9_call *call;
	struct sgp_timer timer;
	struct esipa_req q;
	char addr[ADDR_MAX];
	char eid[SGP_EID_LEN + 1];
};

/* ---------------------------------------------------------- sessions */

static int session_put(struct eim_relay *r, const struct sgp_buf *tid, const char *addr)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(r->store, "INSERT OR REPLACE INTO eim_relay_session"
				   "(transaction_id, smdp_address, created_ms) VALUES(?, ?, ?)", &s);

	if (!rc)
		rc = sgp_stmt_bind_blob(s, 1, tid->data, tid->len);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, addr);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 3, (int64_t)sgp_clock_now_ms(r->clock));
	if (!rc)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : 0;
}

static int session_set_eid(struct eim_relay *r, const struct sgp_buf *tid, const char *eid)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(r->store, "UPDATE eim_relay_session SET eid = ?"
				   " WHERE transaction_id = ?", &s);

	if (!rc)
		rc = sgp_stmt_bind_text(s, 1, eid);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 2, tid->data, tid->len);
	if (!rc)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : 0;
}

static int session_end(struct eim_relay *r, const struct sgp_buf *tid)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(r->store, "DELETE FROM eim_relay_session"
				   " WHERE transaction_id = ?", &s);

	if (!rc)
		rc = sgp_stmt_bind_blob(s, 1, tid->data, tid->len);
	if (!rc)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int eim_relay_session(struct eim_relay *r, const uint8_t *tid, size_t len, char *addr,
		      size_t addr_size, char *eid, size_t eid_size)
{
	struct sgp_stmt *s;
	int rc;

	if (!r || !tid || !len || !addr || !addr_size)
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(r->store, "SELECT smdp_address, eid FROM eim_relay_session"
			       " WHERE transaction_id = ?", &s);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 1, tid, len);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc == SGP_STORE_DONE)
		return SGP_ERR_NOTFOUND;
	if (rc < 0)
		return rc;
	snprintf(addr, addr_size, "%s", sgp_stmt_column_text(s, 0));
	if (eid && eid_size)
		snprintf(eid, eid_size, "%s", sgp_stmt_column_text(s, 1));
	sgp_stmt_reset(s);
	return SGP_OK;
}

/* ---------------------------------------------------------- answers */

static void call_free(struct relay_call *c)
{
	struct relay_call **pp;

	for (pp = &c->r->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	sgp_timer_cancel(&c->timer);
	if (c->call)
		es9_client_cancel(c->call);
	esipa_req_free(&c->q);
	free(c);
}

static void reply_der(struct http_request *req, const struct sgp_buf *der)
{
	eim_esipa_reply(req, der->data, der->len);
}

/* Answer the function's error code without calling the SM-DP+. */
static void refuse(struct eim_relay *r, struct http_request *req, enum es9_function f, long code)
{
	struct sgp_buf der = SGP_BUF_INIT;

	r->stats.refused++;
	LOGP(DEIM, LOGL_NOTICE, "eim relay: %s refused: %s(%ld)", es9_function_name(f),
	     esipa_error_name(f, code), code);
	if (f == ES9_HANDLE_NOTIFICATION || esipa_resp_error(f, code, &der) < 0)
		eim_esipa_refuse(req, 400, esipa_error_name(f, code));
	else
		reply_der(req, &der);
	sgp_buf_free(&der);
}

/* The transactionId of a ProfileInstallationResult BF37 { BF27 { [0]
 * transactionId, ... } } (SGP.22 5.7.6), as a borrowed view. */
static int pir_transaction_id(const struct sgp_buf *pn, struct sgp_buf *tid)
{
	struct sgp_tlv o, d, t;
	const uint8_t *p = pn->data;
	size_t n = pn->len;

	if (sgp_der_next_tlv(&p, &n, &o) < 0 || o.tag != 0xBF37 ||
	    sgp_der_find_tlv(o.v, o.vl, 0xBF27, &d) < 0 || sgp_der_find_tlv(d.v, d.vl, 0x80, &t) < 0 ||
	    !t.vl)
		return SGP_ERR_NOTFOUND;
	tid->data = (uint8_t *)t.v;
	tid->len = t.vl;
	tid->cap = 0;
	return SGP_OK;
}

/* The session bookkeeping of a successful answer.  A session lives from
 * initiateAuthentication until the SM-DP+ takes its cancelSession or its
 * ProfileInstallationResult: the IPA may still cancel after
 * getBoundProfilePackage (SGP.22 3.1.3: metadataMismatch, a failed
 * LoadBoundProfilePackage), and that cancel must reach the SM-DP+. */
static void track(struct relay_call *c, const struct es9_answer *ans)
{
	struct eim_relay *r = c->r;
	const struct es9_initiate_authentication_resp *ia = ans->resp;
	struct sgp_buf tid = SGP_BUF_INIT;	/* a borrowed view */
	int rc = SGP_OK;

	switch (c->q.fn) {
	case ES9_INITIATE_AUTHENTICATION:
		rc = ia && ia->transaction_id.len ? session_put(r, &ia->transaction_id, c->addr) :
		     SGP_ERR_PARSE;
		break;
	case ES9_AUTHENTICATE_CLIENT:
		if (c->eid[0])
			rc = session_set_eid(r, &c->q.u.ac.transaction_id, c->eid);
		break;
	case ES9_HANDLE_NOTIFICATION:	/* a ProfileInstallationResult ends its session */
		if (pir_transaction_id(&c->q.u.hn.pending_notification, &tid) == SGP_OK)
			rc = session_end(r, &tid);
		break;
	case ES9_CANCEL_SESSION:
		rc = session_end(r, &c->q.u.cs.transaction_id);
		break;
	default:
		break;
	}
	if (rc < 0)
		LOGP(DEIM, LOGL_ERROR, "eim relay: session of %s not recorded: %s",
		     es9_function_name(c->q.fn), sgp_strerror(rc));
}

static void on_es9(void *arg, const struct es9_answer *ans)
{
	struct relay_call *c = arg;
	struct sgp_buf der = SGP_BUF_INIT;
	int rc;

	c->call = NULL;
	if (ans->rc == SGP_OK)
		track(c, ans);
	else if (ans->rc != SGP_ERR_PEER)
		c->r->stats.failed++;
	else if (c->q.fn == ES9_CANCEL_SESSION)	/* refused: the SM-DP+ has no session */
		session_end(c->r, &c->q.u.cs.transaction_id);
	LOGP(DEIM, LOGL_INFO, "eim relay: %s at %s: %s%s%s%s%s", es9_function_name(c->q.fn),
	     c->addr, sgp_strerror(ans->rc), ans->subject_code[0] ? " " : "", ans->subject_code,
	     ans->reason_code[0] ? "/" : "", ans->reason_code);
	if (c->q.fn == ES9_HANDLE_NOTIFICATION) {
		if (ans->rc == SGP_OK)
			eim_esipa_reply(c->req, NULL, 0);
		else
			eim_esipa_refuse(c->req, 502, "the SM-DP+ did not accept the notification");
	} else {
		rc = esipa_resp_from_es9(c->q.fn, ans, &der);
		if (rc < 0)
			eim_esipa_refuse(c->req, 500, "cannot map the SM-DP+ answer");
		else
			reply_der(c->req, &der);
	}
	sgp_buf_free(&der);
	call_free(c);
}

/* No answer within the timeout on the lab clock: undefinedError. */
static void on_timeout(void *arg)
{
	struct relay_call *c = arg;
	struct es9_answer a = { .rc = SGP_ERR_TIMEOUT };

	es9_client_cancel(c->call);
	c->call = NULL;
	snprintf(a.message, sizeof(a.message), "no answer in time");
	on_es9(c, &a);
}

static void on_abort(struct http_request *req, void *arg)
{
	struct relay_call *c = arg;

	(void)req;
	LOGP(DEIM, LOGL_NOTICE, "eim relay: the IPA left before the %s answer",
	     es9_function_name(c->q.fn));
	call_free(c);
}

/* ---------------------------------------------------------- requests */

/* notificationAddress of a PendingNotification (SGP.22 5.7.16 / 2.4.4):
 * ProfileInstallationResult BF37 { BF27 { ..., BF2F metadata } } or
 * OtherSignedNotification 30 { BF2F metadata, ... }; metadata { ...,
 * notificationAddress UTF8String '0C' } */
static int notification_address(const struct sgp_buf *pn, char *addr, size_t size)
{
	struct sgp_tlv o, d, md, a;
	const uint8_t *p = pn->data;
	size_t n = pn->len;

	if (sgp_der_next_tlv(&p, &n, &o) < 0)
		return SGP_ERR_PARSE;
	if (o.tag == 0xBF37) {
		if (sgp_der_find_tlv(o.v, o.vl, 0xBF27, &d) < 0 ||
		    sgp_der_find_tlv(d.v, d.vl, 0xBF2F, &md) < 0)
			return SGP_ERR_PARSE;
	} else if (o.tag != 0x30 || sgp_der_find_tlv(o.v, o.vl, 0xBF2F, &md) < 0) {
		return SGP_ERR_PARSE;
	}
	if (sgp_der_find_tlv(md.v, md.vl, 0x0C, &a) < 0 || !a.vl || a.vl >= size || memchr(a.v, 0, a.vl))
		return SGP_ERR_PARSE;
	memcpy(addr, a.v, a.vl);
	addr[a.vl] = 0;
	return SGP_OK;
}

/* The EID of the eUICC certificate in AuthenticateServerResponse
 * BF38 { A0 { euiccSigned1, 5F37, euiccCertificate, eumCertificate } } */
static void eid_of(const struct sgp_buf *asr, char eid[SGP_EID_LEN + 1])
{
	struct sgp_tlv o, ok, t;
	const uint8_t *p = asr->data;
	size_t n = asr->len;
	X509 *cert = NULL;

	eid[0] = 0;
	if (sgp_der_next_tlv(&p, &n, &o) < 0 || sgp_der_find_tlv(o.v, o.vl, 0xA0, &ok) < 0)
		return;
	p = ok.v;
	n = ok.vl;
	for (int i = 0; i < 3; i++)
		if (sgp_der_next_tlv(&p, &n, &t) < 0)
			return;
	if (t.tag == 0x30 && sgp_pki_cert_from_der(t.whole, t.wl, &cert) == SGP_OK &&
	    sgp_pki_cert_eid(cert, eid) < 0)
		eid[0] = 0;
	X509_free(cert);
}

static bool allowed(const struct eim_relay *r, const char *addr)
{
	if (!r->allowed)
		return true;
	for (char *const *a = r->allowed; *a; a++)
		if (!strcasecmp(*a, addr))
			return true;
	return false;
}

/* Where the request goes: 0 with c->addr, or the ESipa error code. */
static long destination(struct relay_call *c)
{
	struct eim_relay *r = c->r;
	const struct sgp_buf *tid = NULL;

	switch (c->q.fn) {
	case ES9_INITIATE_AUTHENTICATION:
		if (!c->q.has_euicc_info1)	/* kept by the eIM: not in this lab */
			return ESIPA_UNDEFINED_ERROR;
		if (c->q.u.ia.smdp_address) {
			if (strlen(c->q.u.ia.smdp_address) >= sizeof(c->addr))
				return ESIPA_IA_INVALID_DP_ADDRESS;
			strcpy(c->addr, c->q.u.ia.smdp_address);
		} else if (!c->q.eim_tid_len) {
			return ESIPA_IA_INVALID_DP_ADDRESS;
		} else if (!r->trigger || r->trigger(r->trigger_arg, c->q.eim_tid, c->q.eim_tid_len,
						    c->addr, sizeof(c->addr)) < 0 || !c->addr[0]) {
			return ESIPA_IA_INVALID_EIM_TRANSACTION_ID;
		} else if (!(c->q.u.ia.smdp_address = strdup(c->addr))) {
			return ESIPA_UNDEFINED_ERROR;
		}
		return allowed(r, c->addr) ? 0 : ESIPA_IA_INVALID_DP_ADDRESS;
	case ES9_AUTHENTICATE_CLIENT:
		tid = &c->q.u.ac.transaction_id;
		eid_of(&c->q.u.ac.authenticate_server_response, c->eid);
		break;
	case ES9_GET_BOUND_PROFILE_PACKAGE:
		tid = &c->q.u.gbpp.transaction_id;
		break;
	case ES9_CANCEL_SESSION:
		tid = &c->q.u.cs.transaction_id;
		break;
	default:
		if (notification_address(&c->q.u.hn.pending_notification, c->addr,
					 sizeof(c->addr)) < 0 || !allowed(r, c->addr))
			return ESIPA_UNDEFINED_ERROR;
		return 0;
	}
	if (eim_relay_session(r, tid->data, tid->len, c->addr, sizeof(c->addr), NULL, 0) < 0) {
		switch (c->q.fn) {
		case ES9_AUTHENTICATE_CLIENT: return 10;		/* invalidTransactionId */
		case ES9_GET_BOUND_PROFILE_PACKAGE: return 95;	/* invalidTransactionId */
		default: return 1;				/* invalidTransactionId */
		}
	}
	return 0;
}

void eim_relay_handle(struct eim_relay *r, struct http_request *req, const uint8_t *der,
		      size_t len)
{
	struct relay_call *c = calloc(1, sizeof(*c));
	enum es9_function f;
	long code;
	int rc;

	if (!c) {
		eim_esipa_refuse(req, 500, "out of memory");
		return;
	}
	c->r = r;
	c->req = req;
	rc = esipa_req_to_es9(der, len, &c->q);
	f = c->q.fn;
	if (rc < 0) {
		LOGP(DEIM, LOGL_ERROR, "eim relay: request refused: %s", sgp_strerror(rc));
		free(c);
		if (rc == SGP_ERR_UNSUPPORTED && esipa_function_of(der, len, &f) == SGP_OK)
			refuse(r, req, f, ESIPA_UNDEFINED_ERROR);
		else {
			r->stats.refused++;
			eim_esipa_refuse(req, 400, "malformed ESipa message");
		}
		return;
	}
	code = destination(c);
	if (code) {
		esipa_req_free(&c->q);
		free(c);
		refuse(r, req, f, code);
		return;
	}
	c->call = es9_client_post(r->http, c->addr, es9_function_name(f), esipa_es9_req_desc(f),
				  &c->q.u, esipa_es9_resp_desc(f), r->timeout_ms + 1000, on_es9, c,
				  &rc);
	if (!c->call) {
		LOGP(DEIM, LOGL_ERROR, "eim relay: %s to %s: %s", es9_function_name(f), c->addr,
		     sgp_strerror(rc));
		esipa_req_free(&c->q);
		free(c);
		refuse(r, req, f, ESIPA_UNDEFINED_ERROR);
		return;
	}
	r->stats.relayed++;
	LOGP(DEIM, LOGL_INFO, "eim relay: %s -> %s", es9_function_name(f), c->addr);
	c->next = r->calls;
	r->calls = c;
	sgp_timer_init(&c->timer, r->clock, on_timeout, c);
	sgp_timer_schedule(&c->timer, r->timeout_ms);
	http_request_set_abort_cb(req, on_abort, c);
}

/* ---------------------------------------------------------- life */

struct eim_relay *eim_relay_new(const struct eim_relay_cfg *cfg, int *err)
{
	struct eim_relay *r = NULL;
	size_t n = 0;
	int rc = SGP_OK;

	if (!cfg || !cfg->store || !cfg->clock || !cfg->http) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	r->store = cfg->store;
	r->clock = cfg->clock;
	r->http = cfg->http;
	r->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	r->trigger = cfg->trigger;
	r->trigger_arg = cfg->trigger_arg;
	if (cfg->smdp_addresses) {
		while (cfg->smdp_addresses[n])
			n++;
		r->allowed = calloc(n + 1, sizeof(*r->allowed));
		for (size_t i = 0; r->allowed && i < n; i++)
			if (!(r->allowed[i] = strdup(cfg->smdp_addresses[i])))
				rc = SGP_ERR_NOMEM;
		if (!r->allowed)
			rc = SGP_ERR_NOMEM;
	}
	if (rc == SGP_OK)
		rc = sgp_store_migrate(r->store, &schema);
out:
	if (rc < 0) {
		eim_relay_free(r);
		r = NULL;
	}
	if (err)
		*err = rc;
	return r;
}

void eim_relay_free(struct eim_relay *r)
{
	if (!r)
		return;
	while (r->calls) {
		struct relay_call *c = r->calls;

		http_request_set_abort_cb(c->req, NULL, NULL);
		call_free(c);
	}
	for (char **a = r->allowed; a && *a; a++)
		free(*a);
	free(r->allowed);
	free(r);
}

void eim_relay_get_stats(struct eim_relay *r, struct eim_relay_stats *st)
{
	struct sgp_stmt *s;

	*st = r->stats;
	st->sessions = 0;
	if (sgp_store_prepare(r->store, "SELECT count(*) FROM eim_relay_session", &s) == SGP_OK &&
	    sgp_stmt_step(s) == SGP_STORE_ROW) {
		st->sessions = (unsigned long)sgp_stmt_column_int64(s, 0);
		sgp_stmt_reset(s);
	}
}
