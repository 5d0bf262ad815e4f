/* sgp32lab: the IPA's SM-DS event retrieval FSM (SGP.22 v2.5 3.6.2/3.6.3,
 * ES11 5.8 / 6.6.2) */
#include "ipa/discovery.h"
#include "ipa/es10_requests.h"
#include "core/es9/client.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ds_state {
	DS_INIT,
	DS_WAIT_ADDRESSES,	/* ES10a GetEuiccConfiguredAddresses */
	DS_WAIT_EUICC_INFO1,	/* ES10b GetEUICCInfo1 */
	DS_WAIT_CHALLENGE,	/* ES10b GetEUICCChallenge */
	DS_WAIT_INITIATE_AUTH,	/* ES11 initiateAuthentication */
	DS_WAIT_AUTH_SERVER,	/* ES10b AuthenticateServer */
	DS_WAIT_AUTH_CLIENT,	/* ES11 authenticateClient */
	DS_WAIT_CANCEL_EUICC,	/* ES10b CancelSession */
	DS_DONE,
	DS_NUM_STATES,
};

enum ds_event { DS_EV_START, DS_EV_ES10, DS_EV_ES11, DS_NUM_EVENTS };

struct ipa_discovery {
	struct sgp_fsm_inst *fi;
	struct ipa_es10 *es10;
	struct http_client *http;
	struct es9_call *call;
	ipa_discover_done_fn done;
	void *done_arg;
	unsigned es10_timeout_ms, es11_timeout_ms;
	uint8_t tac[4];
	uint8_t challenge[16];
	uint8_t tid[16];
	size_t tid_len;
	struct sgp_buf euicc_info1;
	struct ipa_discover_event *events;
	size_t n_events;
	bool session_open, forward_error, finished, starting, cancelling;
	int fail_rc;
	struct ipa_discover_result res;
};

#define S(x) SGP_FSM_BIT(x)
#define CANCELS (S(DS_WAIT_CANCEL_EUICC) | S(DS_DONE))

static void start_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
static void es10_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
static void es11_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);

#define ES10_STATE(n, out) { .name = n, .in_event_mask = S(DS_EV_ES10), \
	.out_state_mask = (out), .action = es10_action }
#define ES11_STATE(n, out) { .name = n, .in_event_mask = S(DS_EV_ES11), \
	.out_state_mask = (out), .action = es11_action }

static const struct sgp_fsm_state ds_states[DS_NUM_STATES] = {
	[DS_INIT] = { .name = "INIT", .in_event_mask = S(DS_EV_START),
		      .out_state_mask = S(DS_WAIT_ADDRESSES) | S(DS_WAIT_EUICC_INFO1) | S(DS_DONE),
		      .action = start_action },
	[DS_WAIT_ADDRESSES] = ES10_STATE("WAIT_ADDRESSES", S(DS_WAIT_EUICC_INFO1) | S(DS_DONE)),
	[DS_WAIT_EUICC_INFO1] = ES10_STATE("WAIT_EUICC_INFO1", S(DS_WAIT_CHALLENGE) | S(DS_DONE)),
	[DS_WAIT_CHALLENGE] = ES10_STATE("WAIT_CHALLENGE", S(DS_WAIT_INITIATE_AUTH) | S(DS_DONE)),
	[DS_WAIT_INITIATE_AUTH] = ES11_STATE("WAIT_INITIATE_AUTH",
					     S(DS_WAIT_AUTH_SERVER) | S(DS_DONE)),
	[DS_WAIT_AUTH_SERVER] = ES10_STATE("WAIT_AUTH_SERVER", S(DS_WAIT_AUTH_CLIENT) | CANCELS),
	[DS_WAIT_AUTH_CLIENT] = ES11_STATE("WAIT_AUTH_CLIENT", CANCELS),
	[DS_WAIT_CANCEL_EUICC] = ES10_STATE("WAIT_CANCEL_EUICC", S(DS_DONE)),
	[DS_DONE] = { .name = "DONE" },
};

static const char *const ds_event_names[DS_NUM_EVENTS] = {
	[DS_EV_START] = "START", [DS_EV_ES10] = "ES10_ANSWER", [DS_EV_ES11] = "ES11_ANSWER",
};

static bool ds_timer_cb(struct sgp_fsm_inst *fi, int T);

static const struct sgp_fsm ds_fsm = {
	.name = "ipa-discovery",
	.log_cat = DIPA,
	.states = ds_states,
	.num_states = DS_NUM_STATES,
	.event_names = ds_event_names,
	.num_events = DS_NUM_EVENTS,
	.timer_cb = ds_timer_cb,
};

/* ---------------------------------------------------------- TLV helpers */

static struct sgp_buf view(const uint8_t *p, size_t n)
{
	struct sgp_buf b = { .data = (uint8_t *)p, .len = n, .cap = 0 };

	return b;
}

/* ---------------------------------------------------------- plumbing */

static void es10_cb(void *arg, const struct ipa_es10_result *res)
{
	struct ipa_discovery *ds = arg;

	sgp_fsm_dispatch(ds->fi, DS_EV_ES10, (void *)res);
}

static void es11_cb(void *arg, const struct es9_answer *ans)
{
	struct ipa_discovery *ds = arg;

	ds->call = NULL;
	sgp_fsm_dispatch(ds->fi, DS_EV_ES11, (void *)ans);
}

static void ds_finish(struct ipa_discovery *ds, int rc)
{
	struct ipa_discover_result *r = &ds->res;

	if (ds->finished)
		return;
	ds->finished = true;
	r->rc = rc;
	r->step = rc == SGP_OK ? "DONE" : (r->step ? r->step : sgp_fsm_state_name(ds->fi));
	if (rc < 0 && !r->why[0])
		snprintf(r->why, sizeof(r->why), "%s", sgp_strerror(rc));
	r->events = rc == SGP_OK ? ds->events : NULL;
	r->n_events = rc == SGP_OK ? ds->n_events : 0;
	LOGPFSM(ds->fi, rc ? LOGL_NOTICE : LOGL_INFO, "discovery %s: %s", rc ? "failed" : "done",
		rc ? r->why : "event list received");
	sgp_fsm_state_chg(ds->fi, DS_DONE, 0, 0);
	ipa_es10_forget(ds->es10, ds);
	if (ipa_es10_channel(ds->es10) || ipa_es10_pending(ds->es10))
		ipa_es10_close(ds->es10, NULL, NULL);
	if (ds->done && !ds->starting)
		ds->done(ds->done_arg, r);
}

/* CancelSessionRequest 'BF41' { [0] transactionId, [1] reason } (5.7.14) */
static int cancel_session(struct ipa_discovery *ds, int reason)
{
	struct sgp_buf body = SGP_BUF_INIT, cmd = SGP_BUF_INIT;
	uint8_t r = (uint8_t)reason;
	int rc;

	ds->res.cancel_reason = reason;
	LOGPFSM(ds->fi, LOGL_NOTICE, "CancelSession(%s)", ipa_cancel_reason_str(reason));
	rc = sgp_der_put_tlv(&body, 0x80, ds->tid, ds->tid_len);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&body, 0x81, &r, 1);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&cmd, 0xBF41, body.data, body.len);
	if (rc == SGP_OK)
		rc = sgp_fsm_state_chg(ds->fi, DS_WAIT_CANCEL_EUICC, ds->es10_timeout_ms, 1);
	if (rc == SGP_OK)
		rc = ipa_es10_call(ds->es10, cmd.data, cmd.len, es10_cb, ds);
	sgp_buf_free(&body);
	sgp_buf_free(&cmd);
	return rc;
}

static void ds_fail(struct ipa_discovery *ds, int rc, int reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A failure: with an eUICC session open, close it first. */
static void ds_fail(struct ipa_discovery *ds, int rc, int reason, const char *fmt, ...)
{
	va_list ap;

	if (!ds->res.why[0]) {
		va_start(ap, fmt);
		vsnprintf(ds->res.why, sizeof(ds->res.why), fmt, ap);
		va_end(ap);
		ds->res.step = sgp_fsm_state_name(ds->fi);
		ds->fail_rc = rc;
	}
	if (ds->session_open && !ds->cancelling) {
		ds->cancelling = true;
		if (cancel_session(ds, reason) == SGP_OK)
			return;
	}
	ds_finish(ds, ds->fail_rc ? ds->fail_rc : rc);
}

static void es10_send(struct ipa_discovery *ds, uint32_t st, const uint8_t *cmd, size_t len)
{
	int rc = sgp_fsm_state_chg(ds->fi, st, ds->es10_timeout_ms, 1);

	if (rc == SGP_OK)
		rc = ipa_es10_call(ds->es10, cmd, len, es10_cb, ds);
	if (rc < 0)
		ds_fail(ds, rc, IPA_CANCEL_UNDEFINED_REASON, "%s: cannot reach the eUICC (%s)",
			sgp_fsm_state_name(ds->fi), sgp_strerror(rc));
}

static void es11_send(struct ipa_discovery *ds, uint32_t st, const char *fn,
		      const struct json_msg_desc *req_desc, const void *req,
		      const struct json_msg_desc *resp_desc)
{
	int rc = sgp_fsm_state_chg(ds->fi, st, ds->es11_timeout_ms, 2);

	if (rc == SGP_OK)
		ds->call = es11_client_post(ds->http, ds->res.smds_address, fn, req_desc, req,
					 resp_desc, ds->es11_timeout_ms, es11_cb, ds, &rc);
	if (rc < 0)
		ds_fail(ds, rc, IPA_CANCEL_UNDEFINED_REASON, "ES11 %s: %s", fn, sgp_strerror(rc));
}

static bool ds_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipa_discovery *ds = fi->priv;

	(void)T;
	if (ds->call) {
		es9_client_cancel(ds->call);
		ds->call = NULL;
	}
	ipa_es10_forget(ds->es10, ds);
	if (ds->cancelling)
		ds_finish(ds, ds->fail_rc ? ds->fail_rc : SGP_ERR_TIMEOUT);
	else
		ds_fail(ds, SGP_ERR_TIMEOUT, IPA_CANCEL_TIMEOUT, "%s: no answer in time",
			sgp_fsm_state_name(fi));
	return false;
}

/* ---------------------------------------------------------- the steps */

static const uint8_t get_addresses[] = { 0xBF, 0x3C, 0x00 };
static const uint8_t get_info1[] = { 0xBF, 0x20, 0x00 };
static const uint8_t get_challenge[] = { 0xBF, 0x2E, 0x00 };

static void start_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_discovery *ds = fi->priv;

	(void)event;
	(void)data;
	if (ds->res.smds_address[0])
		es10_send(ds, DS_WAIT_EUICC_INFO1, get_info1, sizeof(get_info1));
	else
		es10_send(ds, DS_WAIT_ADDRESSES, get_addresses, sizeof(get_addresses));
}

/* EuiccConfiguredAddressesResponse 'BF3C' { [0] defaultDpAddress OPTIONAL,
 * [1] rootDsAddress } (5.7.3) */
static void got_addresses(struct ipa_discovery *ds, const uint8_t *a, size_t n)
{
	const uint8_t *v, *x;
	size_t vl, xl;

	if (sgp_der_outer_value(a, n, 0xBF3C, &v, &vl) < 0 || sgp_der_find_value(v, vl, 0x81, &x, &xl, NULL) < 0 || !xl ||
	    xl >= sizeof(ds->res.smds_address)) {
		ds_fail(ds, SGP_ERR_NOTFOUND, IPA_CANCEL_NONE,
			"the eUICC has no root SM-DS address");
		return;
	}
	memcpy(ds->res.smds_address, x, xl);
	ds->res.smds_address[xl] = 0;
	es10_send(ds, DS_WAIT_EUICC_INFO1, get_info1, sizeof(get_info1));
}

static void got_challenge(struct ipa_discovery *ds, const uint8_t *a, size_t n)
{
	struct es9_initiate_authentication_req req = { 0 };
	const uint8_t *v, *c;
	size_t vl, cl;

	if (sgp_der_outer_value(a, n, 0xBF2E, &v, &vl) < 0 || sgp_der_find_value(v, vl, 0x80, &c, &cl, NULL) < 0 ||
	    cl != 16) {
		ds_fail(ds, SGP_ERR_PARSE, IPA_CANCEL_NONE, "GetEUICCChallenge: malformed answer");
		return;
	}
	memcpy(ds->challenge, c, 16);
	/* ES11.InitiateAuthentication (6.6.2.1) */
	req.euicc_challenge = view(ds->challenge, 16);
	req.euicc_info1 = ds->euicc_info1;
	req.smdp_address = ds->res.smds_address;
	es11_send(ds, DS_WAIT_INITIATE_AUTH, "initiateAuthentication",
		  &es11_initiate_authentication_req_desc, &req,
		  &es9_initiate_authentication_resp_desc);
}

/* serverSigned1 { [0] transactionId, [1] euiccChallenge, [3] serverAddress,
 * [4] serverChallenge }: our challenge, the SM-DS we called (3.1.2). */
static int check_server_signed1(struct ipa_discovery *ds, const struct sgp_buf *ss1)
{
	const uint8_t *v, *x;
	size_t vl, xl;

	if (sgp_der_outer_value(ss1->data, ss1->len, 0x30, &v, &vl) < 0 ||
	    sgp_der_find_value(v, vl, 0x80, &x, &xl, NULL) < 0 || !xl || xl > 16)
		return SGP_ERR_PARSE;
	memcpy(ds->tid, x, xl);
	ds->tid_len = xl;
	if (sgp_der_find_value(v, vl, 0x81, &x, &xl, NULL) < 0 || xl != 16 || memcmp(x, ds->challenge, 16))
		return SGP_ERR_VERIFY;
	if (sgp_der_find_value(v, vl, 0x83, &x, &xl, NULL) < 0 || xl != strlen(ds->res.smds_address) ||
	    memcmp(x, ds->res.smds_address, xl))
		return SGP_ERR_VERIFY;
	return SGP_OK;
}

static void got_initiate_auth(struct ipa_discovery *ds,
			      const struct es9_initiate_authentication_resp *o)
{
	struct ipa_ctx_params ctx = { .matching_id = NULL };
	struct sgp_buf cmd = SGP_BUF_INIT;
	const uint8_t *sv, *pv;
	size_t sl, pl;
	int rc;

	memcpy(ctx.tac, ds->tac, sizeof(ctx.tac));
	if (sgp_der_outer_value(o->server_signature1.data, o->server_signature1.len, 0x5F37, &sv, &sl) < 0 ||
	    sl != 64 ||
	    sgp_der_outer_value(o->euicc_ci_pkid_to_be_used.data, o->euicc_ci_pkid_to_be_used.len, 0x04,
		      &pv, &pl) < 0 || !pl) {
		ds_fail(ds, SGP_ERR_PARSE, IPA_CANCEL_NONE,
			"initiateAuthentication: a member is malformed");
		return;
	}
	rc = check_server_signed1(ds, &o->server_signed1);
	if (rc < 0) {
		ds_fail(ds, rc, IPA_CANCEL_NONE, "initiateAuthentication: serverSigned1 %s",
			rc == SGP_ERR_PARSE ? "is malformed" : "names another address or challenge");
		return;
	}
	rc = ipa_build_authenticate_server(o->server_signed1.data, o->server_signed1.len, sv, pv,
					   pl, o->server_certificate.data,
					   o->server_certificate.len, &ctx, &cmd);
	if (rc == SGP_OK)
		es10_send(ds, DS_WAIT_AUTH_SERVER, cmd.data, cmd.len);
	else
		ds_fail(ds, rc, IPA_CANCEL_NONE, "AuthenticateServer: %s", sgp_strerror(rc));
	sgp_buf_free(&cmd);
}

/* AuthenticateServerResponse 'BF38' { 'A0' ok | 'A1' { ..., INTEGER } }:
 * forwarded to the SM-DS either way. */
static void got_auth_server(struct ipa_discovery *ds, const uint8_t *a, size_t n)
{
	struct es9_authenticate_client_req req = {
		.transaction_id = view(ds->tid, ds->tid_len), .authenticate_server_response = view(a, n),
	};
	const uint8_t *v, *e, *code;
	size_t vl, el, cl;

	if (sgp_der_outer_value(a, n, 0xBF38, &v, &vl) == SGP_OK && vl && v[0] == 0xA0) {
		ds->session_open = true;
	} else {
		ds->forward_error = true;
		if (sgp_der_outer_value(a, n, 0xBF38, &v, &vl) == SGP_OK &&
		    sgp_der_find_value(v, vl, 0xA1, &e, &el, NULL) == SGP_OK &&
		    sgp_der_find_value(e, el, 0x02, &code, &cl, NULL) == SGP_OK && cl && cl <= 4) {
			long x = (code[0] & 0x80) ? -1 : 0;

			for (size_t i = 0; i < cl; i++)
				x = (long)((unsigned long)x << 8 | code[i]);
			ds->res.euicc_error = x;
		}
	}
	es11_send(ds, DS_WAIT_AUTH_CLIENT, "authenticateClient", &es9_authenticate_client_req_desc,
		  &req, &es11_authenticate_client_resp_desc);
}

/* eventEntries (6.6.2.2): copied, each with an eventId and an address */
static void got_auth_client(struct ipa_discovery *ds,
			    const struct es11_authenticate_client_resp *o)
{
	const struct es_event_list *l = &o->event_entries;

	if (l->count) {
		ds->events = calloc(l->count, sizeof(*ds->events));
		if (!ds->events) {
			ds_fail(ds, SGP_ERR_NOMEM, IPA_CANCEL_UNDEFINED_REASON, "out of memory");
			return;
		}
	}
	for (size_t i = 0; i < l->count; i++) {
		const struct es_event_entry *e = &l->entries[i];
		struct ipa_discover_event *x = &ds->events[ds->n_events];

		if (!e->event_id || !*e->event_id || !e->rsp_server_address ||
		    !*e->rsp_server_address) {
			ds_fail(ds, SGP_ERR_PARSE, IPA_CANCEL_UNDEFINED_REASON,
				"authenticateClient: event entry %zu is incomplete", i);
			return;
		}
		x->event_id = strdup(e->event_id);
		x->rsp_server_address = strdup(e->rsp_server_address);
		ds->n_events++;
		if (!x->event_id || !x->rsp_server_address) {
			ds_fail(ds, SGP_ERR_NOMEM, IPA_CANCEL_UNDEFINED_REASON, "out of memory");
			return;
		}
	}
	ds_finish(ds, SGP_OK);
}

static void es10_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_discovery *ds = fi->priv;
	const struct ipa_es10_result *res = data;
	uint32_t st = fi->state;

	(void)event;
	if (res->rc < 0) {
		if (st == DS_WAIT_CANCEL_EUICC) {
			ds_finish(ds, ds->fail_rc);
			return;
		}
		if (res->sw)
			ds->res.euicc_error = res->sw;
		ds_fail(ds, res->rc, IPA_CANCEL_UNDEFINED_REASON, "%s: %s failed (%s)",
			sgp_fsm_state_name(fi), res->stage, sgp_strerror(res->rc));
		return;
	}
	switch (st) {
	case DS_WAIT_ADDRESSES:
		got_addresses(ds, res->data, res->len);
		break;
	case DS_WAIT_EUICC_INFO1:
		if (res->len < 2 || res->data[0] != 0xBF || res->data[1] != 0x20 ||
		    sgp_buf_set(&ds->euicc_info1, res->data, res->len) < 0)
			ds_fail(ds, SGP_ERR_PARSE, IPA_CANCEL_NONE, "GetEUICCInfo1: malformed answer");
		else
			es10_send(ds, DS_WAIT_CHALLENGE, get_challenge, sizeof(get_challenge));
		break;
	case DS_WAIT_CHALLENGE:
		got_challenge(ds, res->data, res->len);
		break;
	case DS_WAIT_AUTH_SERVER:
		got_auth_server(ds, res->data, res->len);
		break;
	case DS_WAIT_CANCEL_EUICC: {
		const uint8_t *v;
		size_t vl;

		ds->session_open = false;
		ds->res.session_cancelled = sgp_der_outer_value(res->data, res->len, 0xBF41, &v, &vl) ==
					    SGP_OK && vl && v[0] == 0xA0;
		ds_finish(ds, ds->fail_rc);
		break;
	}
	default:
		break;
	}
}

static void es11_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_discovery *ds = fi->priv;
	const struct es9_answer *ans = data;

	(void)event;
	if (ans->rc < 0) {
		snprintf(ds->res.subject_code, sizeof(ds->res.subject_code), "%s", ans->subject_code);
		snprintf(ds->res.reason_code, sizeof(ds->res.reason_code), "%s", ans->reason_code);
		ds_fail(ds, ans->rc, ans->rc == SGP_ERR_TIMEOUT ? IPA_CANCEL_TIMEOUT :
			IPA_CANCEL_UNDEFINED_REASON, "ES11 %s: %s%s%s%s%s%s%s",
			sgp_fsm_state_name(fi), sgp_strerror(ans->rc),
			ans->subject_code[0] ? " " : "", ans->subject_code,
			ans->reason_code[0] ? "/" : "", ans->reason_code,
			ans->message[0] ? " " : "", ans->message);
		return;
	}
	if (ds->forward_error) {
		ds_fail(ds, SGP_ERR_PEER, IPA_CANCEL_NONE, "the eUICC refused (error %ld)",
			ds->res.euicc_error);
		return;
	}
	if (fi->state == DS_WAIT_INITIATE_AUTH)
		got_initiate_auth(ds, ans->resp);
	else if (fi->state == DS_WAIT_AUTH_CLIENT)
		got_auth_client(ds, ans->resp);
}

/* ---------------------------------------------------------- public */

static void ds_free_fields(struct ipa_discovery *ds)
{
	for (size_t i = 0; i < ds->n_events; i++) {
		free((char *)ds->events[i].event_id);
		free((char *)ds->events[i].rsp_server_address);
	}
	free(ds->events);
	sgp_buf_free(&ds->euicc_info1);
	free(ds);
}

int ipa_discover_start(const struct ipa_discover_cfg *cfg, struct ipa_discovery **out)
{
	struct ipa_discovery *ds;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->clock || !cfg->es10 || !cfg->http || !cfg->done)
		return SGP_ERR_INVAL;
	ds = calloc(1, sizeof(*ds));
	if (!ds)
		return SGP_ERR_NOMEM;
	ds->es10 = cfg->es10;
	ds->http = cfg->http;
	ds->done = cfg->done;
	ds->done_arg = cfg->arg;
	memcpy(ds->tac, cfg->tac, sizeof(ds->tac));
	ds->es10_timeout_ms = cfg->es10_timeout_ms ? cfg->es10_timeout_ms : 30000;
	ds->es11_timeout_ms = cfg->es11_timeout_ms ? cfg->es11_timeout_ms : 60000;
	ds->res.cancel_reason = IPA_CANCEL_NONE;
	ds->res.euicc_error = -1;
	if (cfg->smds_address && (!*cfg->smds_address ||
				  strlen(cfg->smds_address) >= sizeof(ds->res.smds_address))) {
		ds_free_fields(ds);
		return SGP_ERR_INVAL;
	}
	if (cfg->smds_address)
		strcpy(ds->res.smds_address, cfg->smds_address);
	ds->fi = sgp_fsm_inst_alloc(&ds_fsm, cfg->clock, cfg->id ? cfg->id : "1", ds);
	if (!ds->fi) {
		ds_free_fields(ds);
		return SGP_ERR_NOMEM;
	}
	ds->starting = true;
	sgp_fsm_dispatch(ds->fi, DS_EV_START, NULL);
	ds->starting = false;
	if (ds->finished) {	/* refused at once: no callback */
		rc = ds->res.rc;
		ipa_discover_free(ds);
		return rc;
	}
	*out = ds;
	return SGP_OK;
}

void ipa_discover_free(struct ipa_discovery *ds)
{
	if (!ds)
		return;
	if (ds->call)
		es9_client_cancel(ds->call);
	ipa_es10_forget(ds->es10, ds);
	ds->fi->priv = NULL;
	sgp_fsm_term(ds->fi, SGP_FSM_TERM_REQUEST);
	ds_free_fields(ds);
}

int ipa_download_from_event(const struct ipa_download_cfg *cfg,
			    const struct ipa_discover_event *ev, struct ipa_download **out)
{
	struct ipa_download_cfg c;

	*out = NULL;
	if (!cfg || !ev || !ev->event_id || !ev->rsp_server_address)
		return SGP_ERR_INVAL;
	c = *cfg;
	c.activation_code = NULL;
	c.smdp_address = ev->rsp_server_address;
	c.matching_id = ev->event_id;
	return ipa_download_start(&c, out);
}
