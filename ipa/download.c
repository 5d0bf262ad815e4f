/* sgp32lab: the IPA's profile download FSM (SGP.22 v2.5 3.1.3) */
#include "ipa/download.h"
#include "core/ac.h"
#include "ipa/download_int.h"
#include "core/err.h"
#include "core/esipa/esipa_map.h"
#include "core/fsm.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) SGP_FSM_BIT(x)
#define CANCELS (S(DL_WAIT_CANCEL_EUICC) | S(DL_DONE))

static void es10_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
static void es9_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
static void start_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);

#define ES10_STATE(n, out) { .name = n, .in_event_mask = S(DL_EV_ES10), \
	.out_state_mask = (out), .action = es10_action }
#define ES9_STATE(n, out) { .name = n, .in_event_mask = S(DL_EV_ES9), \
	.out_state_mask = (out), .action = es9_action }

/* States are named after what they wait for; each accepts the answer of
 * the interface it waits on. */
static const struct sgp_fsm_state dl_states[DL_NUM_STATES] = {
	[DL_INIT] = { .name = "INIT", .in_event_mask = S(DL_EV_START),
		      .out_state_mask = S(DL_WAIT_ADDRESSES) | S(DL_WAIT_EUICC_INFO1) | S(DL_DONE),
		      .action = start_action },
	[DL_WAIT_ADDRESSES] = ES10_STATE("WAIT_ADDRESSES", S(DL_WAIT_EUICC_INFO1) | S(DL_DONE)),
	[DL_WAIT_EUICC_INFO1] = ES10_STATE("WAIT_EUICC_INFO1", S(DL_WAIT_CHALLENGE) | S(DL_DONE)),
	[DL_WAIT_CHALLENGE] = ES10_STATE("WAIT_CHALLENGE", S(DL_WAIT_INITIATE_AUTH) | S(DL_DONE)),
	[DL_WAIT_INITIATE_AUTH] = ES9_STATE("WAIT_INITIATE_AUTH",
					    S(DL_WAIT_AUTH_SERVER) | S(DL_DONE)),
	[DL_WAIT_AUTH_SERVER] = ES10_STATE("WAIT_AUTH_SERVER",
					   S(DL_WAIT_AUTH_CLIENT) | CANCELS),
	[DL_WAIT_AUTH_CLIENT] = ES9_STATE("WAIT_AUTH_CLIENT", S(DL_WAIT_PREPARE) | CANCELS),
	[DL_WAIT_PREPARE] = ES10_STATE("WAIT_PREPARE", S(DL_WAIT_GET_BPP) | CANCELS),
	[DL_WAIT_GET_BPP] = ES9_STATE("WAIT_GET_BPP", S(DL_WAIT_LOAD) | CANCELS),
	[DL_WAIT_LOAD] = ES10_STATE("WAIT_LOAD", S(DL_WAIT_LOAD) | S(DL_WAIT_HANDLE_NOTIF) | CANCELS),
	[DL_WAIT_HANDLE_NOTIF] = ES9_STATE("WAIT_HANDLE_NOTIF",
					   S(DL_WAIT_REMOVE_NOTIF) | S(DL_DONE)),
	[DL_WAIT_REMOVE_NOTIF] = ES10_STATE("WAIT_REMOVE_NOTIF", S(DL_DONE)),
	[DL_WAIT_CANCEL_EUICC] = ES10_STATE("WAIT_CANCEL_EUICC",
					    S(DL_WAIT_CANCEL_SERVER) | S(DL_DONE)),
	[DL_WAIT_CANCEL_SERVER] = ES9_STATE("WAIT_CANCEL_SERVER", S(DL_DONE)),
	[DL_DONE] = { .name = "DONE" },
};

static const char *const dl_event_names[DL_NUM_EVENTS] = {
	[DL_EV_START] = "START", [DL_EV_ES10] = "ES10_ANSWER", [DL_EV_ES9] = "ES9_ANSWER",
};

static bool dl_timer_cb(struct sgp_fsm_inst *fi, int T);

static const struct sgp_fsm dl_fsm = {
	.name = "ipa-download",
	.log_cat = DIPA,
	.states = dl_states,
	.num_states = DL_NUM_STATES,
	.event_names = dl_event_names,
	.num_events = DL_NUM_EVENTS,
	.timer_cb = dl_timer_cb,
};

const struct sgp_fsm *ipa_download_fsm(void)
{
	return &dl_fsm;
}

const char *ipa_cancel_reason_str(int reason)
{
	switch (reason) {
	case IPA_CANCEL_END_USER_REJECTION: return "endUserRejection";
	case IPA_CANCEL_POSTPONED: return "postponed";
	case IPA_CANCEL_TIMEOUT: return "timeout";
	case IPA_CANCEL_PPR_NOT_ALLOWED: return "pprNotAllowed";
	case IPA_CANCEL_METADATA_MISMATCH: return "metadataMismatch";
	case IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR: return "loadBppExecutionError";
	case IPA_CANCEL_UNDEFINED_REASON: return "undefinedReason";
	case IPA_CANCEL_NONE: return "none";
	default: return "?";
	}
}

static const char *const step_names[] = {
	[IPA_DL_STEP_AUTHENTICATE_SERVER] = "authenticateServer",
	[IPA_DL_STEP_AUTHENTICATE_CLIENT] = "authenticateClient",
	[IPA_DL_STEP_PREPARE_DOWNLOAD] = "prepareDownload",
	[IPA_DL_STEP_GET_BPP] = "getBoundProfilePackage",
};

const char *ipa_download_step_name(enum ipa_download_step step)
{
	return step > IPA_DL_STEP_NONE && step <= IPA_DL_STEP_GET_BPP ? step_names[step] : NULL;
}

int ipa_download_step_from_name(const char *name)
{
	for (int i = IPA_DL_STEP_AUTHENTICATE_SERVER; name && i <= IPA_DL_STEP_GET_BPP; i++)
		if (!strcmp(name, step_names[i]))
			return i;
	return -1;
}

int ipa_cancel_reason_parse(const char *name)
{
	static const int reasons[] = {
		IPA_CANCEL_END_USER_REJECTION, IPA_CANCEL_POSTPONED, IPA_CANCEL_TIMEOUT,
		IPA_CANCEL_PPR_NOT_ALLOWED, IPA_CANCEL_METADATA_MISMATCH,
		IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR, IPA_CANCEL_UNDEFINED_REASON,
	};

	for (size_t i = 0; name && i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(name, ipa_cancel_reason_str(reasons[i])))
			return reasons[i];
	return IPA_CANCEL_NONE;
}

/* A CancelSessionReason value (SGP.22 5.7.14) */
static bool cancel_reason_valid(int reason)
{
	return reason != IPA_CANCEL_NONE &&
	       ipa_cancel_reason_parse(ipa_cancel_reason_str(reason)) == reason;
}

/* ---------------------------------------------------------- plumbing */

static void es10_cb(void *arg, const struct ipa_es10_result *res)
{
	struct ipa_download *d = arg;

	sgp_fsm_dispatch(d->fi, DL_EV_ES10, (void *)res);
}

static void es9_cb(void *arg, const struct es9_answer *ans)
{
	struct ipa_download *d = arg;

	d->call = NULL;
	sgp_fsm_dispatch(d->fi, DL_EV_ES9, (void *)ans);
}

/* Move to st and send an ES10 command. */
int dl_es10(struct ipa_download *d, uint32_t st, const uint8_t *cmd, size_t len)
{
	int rc = sgp_fsm_state_chg(d->fi, st, d->es10_timeout_ms, 1);

	if (rc == SGP_OK)
		rc = ipa_es10_call(d->es10, cmd, len, es10_cb, d);
	return rc;
}

/* Indirect mode: the eIM's ESipa answer as the ES9+ answer the FSM
 * expects (core/esipa maps an ESipa error to its ES9+ status codes). */
static void esipa_cb(void *arg, const struct ipa_esipa_answer *ea)
{
	struct ipa_download *d = arg;
	const struct json_msg_desc *desc = esipa_es9_resp_desc(d->esipa_fn);
	struct es9_answer a = { .rc = ea->rc, .http_status = ea->http_status };
	void *resp = NULL;
	long code = -1;

	d->esipa_call = NULL;
	snprintf(a.message, sizeof(a.message), "%.159s", ea->message);
	if (a.rc == SGP_OK && d->esipa_fn == ES9_HANDLE_NOTIFICATION && ea->der_len) {
		a.rc = SGP_ERR_PARSE;	/* handleNotification has no answer: 204 */
		snprintf(a.message, sizeof(a.message), "an answer to handleNotification");
	} else if (a.rc == SGP_OK && d->esipa_fn != ES9_HANDLE_NOTIFICATION) {
		resp = calloc(1, desc->size);
		a.rc = !resp ? SGP_ERR_NOMEM : !ea->der_len ? SGP_ERR_PARSE :
		       esipa_resp_to_es9(d->esipa_fn, ea->der, ea->der_len, resp, &code);
		if (a.rc == SGP_OK) {
			es9_answer_read_status(&a, resp);
			if (a.rc < 0)
				LOGPFSM(d->fi, LOGL_NOTICE, "eIM: %s", a.message);
		} else {
			snprintf(a.message, sizeof(a.message), "not a valid ESipa answer");
		}
		if (a.rc == SGP_OK)
			a.resp = resp;
	}
	sgp_fsm_dispatch(d->fi, DL_EV_ES9, &a);
	if (resp) {
		json_msg_free(desc, resp);
		free(resp);
	}
}

static int dl_esipa(struct ipa_download *d, const char *function,
		    const struct json_msg_desc *req_desc, const void *req)
{
	struct sgp_buf der = SGP_BUF_INIT;
	int f = es9_function_from_name(function);
	int rc;

	if (f < 0 || esipa_es9_req_desc((enum es9_function)f) != req_desc)
		return SGP_ERR_INVAL;
	d->esipa_fn = (enum es9_function)f;
	rc = esipa_req_from_es9(d->esipa_fn, req, d->eim_tid, d->eim_tid_len, &der);
	if (rc == SGP_OK)
		d->esipa_call = ipa_esipa_post_binding(d->http, d->esipa_binding, d->eim_url,
						       der.data, der.len, d->es9_timeout_ms, true,
						       esipa_cb, d, &rc);
	sgp_buf_free(&der);
	return rc;
}

void dl_cancel_call(struct ipa_download *d)
{
	if (d->call)
		es9_client_cancel(d->call);
	if (d->esipa_call)
		ipa_esipa_cancel(d->esipa_call);
	d->call = NULL;
	d->esipa_call = NULL;
}

/* Move to st and send req (a struct of req_desc) to the SM-DP+: over ES9+,
 * or in indirect mode as ESipa to the eIM. */
int dl_es9(struct ipa_download *d, uint32_t st, const char *function,
	   const struct json_msg_desc *req_desc, const void *req,
	   const struct json_msg_desc *resp_desc)
{
	int rc = sgp_fsm_state_chg(d->fi, st, d->es9_timeout_ms, 2);

	if (rc < 0)
		return rc;
	if (d->eim_url)
		return dl_esipa(d, function, req_desc, req);
	d->call = es9_client_post(d->http, d->address, function, req_desc, req, resp_desc,
			       d->es9_timeout_ms, es9_cb, d, &rc);
	return rc;
}

/* The end: report once, close the channel (DESIGN.md), stop. */
void dl_finish(struct ipa_download *d, int rc)
{
	struct ipa_download_result *r = &d->res;

	if (d->finished)
		return;
	d->finished = true;
	r->rc = rc;
	r->installed = rc == SGP_OK;
	if (!r->step)
		r->step = sgp_fsm_state_name(d->fi);
	if (rc == SGP_OK)
		r->step = "DONE";
	r->pir = d->pir.len ? d->pir.data : NULL;
	r->pir_len = d->pir.len;
	if (rc < 0 && !r->why[0])
		snprintf(r->why, sizeof(r->why), "%s", sgp_strerror(rc));
	LOGPFSM(d->fi, rc ? LOGL_NOTICE : LOGL_INFO, "download %s: %s", rc ? "failed" : "done",
		rc ? r->why : "profile installed");
	sgp_fsm_state_chg(d->fi, DL_DONE, 0, 0);
	ipa_es10_forget(d->es10, d);
	if (ipa_es10_channel(d->es10) || ipa_es10_pending(d->es10))
		ipa_es10_close(d->es10, NULL, NULL);
	if (d->done && !d->starting)
		d->done(d->done_arg, r);
}

/* A failure: with an eUICC session open, cancel it first (reason), else
 * finish at once.  The first failure's reason is what the caller gets. */
void dl_fail(struct ipa_download *d, int rc, int reason, const char *fmt, ...)
{
	va_list ap;

	if (!d->res.why[0]) {
		va_start(ap, fmt);
		vsnprintf(d->res.why, sizeof(d->res.why), fmt, ap);
		va_end(ap);
		d->res.step = sgp_fsm_state_name(d->fi);
		d->fail_rc = rc;
	}
	if (d->session_open && reason != IPA_CANCEL_NONE && !d->cancelling) {
		d->cancelling = true;
		if (dl_cancel_session(d, reason) == SGP_OK)
			return;
	}
	dl_finish(d, d->fail_rc ? d->fail_rc : rc);
}

static bool dl_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipa_download *d = fi->priv;

	(void)T;
	dl_cancel_call(d);
	ipa_es10_forget(d->es10, d);
	LOGPFSM(fi, LOGL_NOTICE, "no answer in time");
	if (d->cancelling)	/* the cancel itself got stuck: give up */
		dl_finish(d, d->fail_rc ? d->fail_rc : SGP_ERR_TIMEOUT);
	else
		dl_fail(d, SGP_ERR_TIMEOUT, IPA_CANCEL_TIMEOUT, "%s: no answer in time",
			sgp_fsm_state_name(fi));
	return false;
}

static void start_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	(void)event;
	(void)data;
	dl_begin(fi->priv);
}

static void es10_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	(void)event;
	dl_on_es10(fi->priv, data);
}

static void es9_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	(void)event;
	dl_on_es9(fi->priv, data);
}

/* ---------------------------------------------------------- public */

static void dl_free_fields(struct ipa_download *d)
{
	sgp_buf_free(&d->euicc_info1);
	sgp_buf_free(&d->bpp);
	sgp_buf_free(&d->pir);
	free(d->bpp_cmds);
	free(d->cc);
	free(d->eim_url);
	free(d);
}

int ipa_download_start(const struct ipa_download_cfg *cfg, struct ipa_download **out)
{
	struct ipa_download *d;
	int rc = SGP_OK;

	*out = NULL;
	if (!cfg || !cfg->clock || !cfg->es10 || !cfg->http || !cfg->done)
		return SGP_ERR_INVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return SGP_ERR_NOMEM;
	d->es10 = cfg->es10;
	d->http = cfg->http;
	d->done = cfg->done;
	d->done_arg = cfg->arg;
	d->consent = cfg->consent;
	d->consent_arg = cfg->consent_arg;
	memcpy(d->tac, cfg->tac, sizeof(d->tac));
	d->es10_timeout_ms = cfg->es10_timeout_ms ? cfg->es10_timeout_ms : 30000;
	d->es9_timeout_ms = cfg->es9_timeout_ms ? cfg->es9_timeout_ms : 60000;
	d->res.cancel_reason = IPA_CANCEL_NONE;
	d->res.euicc_error = -1;
	d->res.bpp_error_reason = -1;
	d->res.seq_number = -1;
	if (cfg->activation_code) {
		/* SGP.22 4.1; the SM-DP+ OID and the CC-required flag are not
		 * needed: the SM-DP+ says itself whether it wants a code */
		struct sgp_ac ac;
		enum sgp_ac_err why;
		char err[160];

		rc = sgp_ac_parse(cfg->activation_code, strlen(cfg->activation_code), &ac, &why,
				  err, sizeof(err));
		if (rc == SGP_OK && (strlen(ac.smdp_address) >= sizeof(d->address) ||
				     strlen(ac.matching_id) >= sizeof(d->matching_id)))
			rc = SGP_ERR_TOOBIG;
		if (rc == SGP_OK) {
			strcpy(d->address, ac.smdp_address);
			strcpy(d->matching_id, ac.matching_id);
		} else {
			LOGP(DIPA, LOGL_NOTICE, "activation code refused: %s", err);
		}
	} else if (cfg->smdp_address) {
		if (strlen(cfg->smdp_address) >= sizeof(d->address) ||
		    (cfg->matching_id && strlen(cfg->matching_id) >= sizeof(d->matching_id)))
			rc = SGP_ERR_TOOBIG;
		else {
			strcpy(d->address, cfg->smdp_address);
			if (cfg->matching_id)
				strcpy(d->matching_id, cfg->matching_id);
		}
	}
	if (rc == SGP_OK && cfg->confirmation_code && !(d->cc = strdup(cfg->confirmation_code)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && cfg->eim_url && !(d->eim_url = strdup(cfg->eim_url)))
		rc = SGP_ERR_NOMEM;
	d->esipa_binding = cfg->esipa_binding;
	if (cfg->cancel_after != IPA_DL_STEP_NONE &&
	    (!ipa_download_step_name(cfg->cancel_after) || !cancel_reason_valid(cfg->cancel_reason)))
		rc = SGP_ERR_INVAL;
	d->cancel_after = cfg->cancel_after;
	d->cancel_after_reason = cfg->cancel_reason;
	d->keep_notification = cfg->keep_notification;
	if (rc == SGP_OK && cfg->eim_transaction_id_len) {
		if (!cfg->eim_transaction_id || cfg->eim_transaction_id_len > sizeof(d->eim_tid))
			rc = SGP_ERR_INVAL;
		else {
			memcpy(d->eim_tid, cfg->eim_transaction_id, cfg->eim_transaction_id_len);
			d->eim_tid_len = cfg->eim_transaction_id_len;
		}
	}
	if (rc == SGP_OK) {
		d->fi = sgp_fsm_inst_alloc(&dl_fsm, cfg->clock, cfg->id ? cfg->id : "1", d);
		if (!d->fi)
			rc = SGP_ERR_NOMEM;
	}
	if (rc < 0) {
		dl_free_fields(d);
		return rc;
	}
	d->starting = true;
	sgp_fsm_dispatch(d->fi, DL_EV_START, NULL);
	d->starting = false;
	if (d->finished) {	/* refused at once (no card): no callback */
		rc = d->res.rc;
		ipa_download_free(d);
		return rc;
	}
	*out = d;
	return SGP_OK;
}

void ipa_download_free(struct ipa_download *d)
{
	if (!d)
		return;
	dl_cancel_call(d);
	ipa_es10_forget(d->es10, d);
	d->fi->priv = NULL;
	sgp_fsm_term(d->fi, SGP_FSM_TERM_REQUEST);
	dl_free_fields(d);
}
