/* sgp32lab: the IPA's eIM poll cycle (SGP.32 v1.2 3.5 "eIM package
 * retrieval", 6.3.2.6 GetEimPackage, 6.3.2.7 ProvideEimPackageResult,
 * 5.9.1 ES10b.LoadEuiccPackage) as a table FSM, and the poll interval */
#include "ipa/eim_poll_int.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EuiccPackageResult.h"
#include "GetEuiccDataResponse.h"
#include "ProfileDownloadTriggerRequest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GetEuiccDataRequest, tagList '5A' (SGP.22 5.7.20 ES10c.GetEID) */
static const uint8_t get_eid_cmd[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };


void poll_finish(struct sgp_fsm_inst *fi, enum ipa_eim_poll_outcome outcome)
{
	struct ipa_eim_poll *p = fi->priv;

	p->res.outcome = p->res.rc < 0 ? IPA_EIM_POLL_FAILED : outcome;
	sgp_fsm_term(fi, p->res.rc < 0 ? SGP_FSM_TERM_ERROR : SGP_FSM_TERM_REGULAR);
}

void poll_fail(struct sgp_fsm_inst *fi, int rc, const char *fmt, ...)
{
	struct ipa_eim_poll *p = fi->priv;
	va_list ap;

	p->res.rc = rc < 0 ? rc : SGP_ERR_STATE;
	va_start(ap, fmt);
	vsnprintf(p->res.reason, sizeof(p->res.reason), fmt, ap);
	va_end(ap);
	poll_finish(fi, IPA_EIM_POLL_FAILED);
}

static void on_es10(void *arg, const struct ipa_es10_result *res)
{
	struct ipa_eim_poll *p = arg;

	if (p->fi)
		sgp_fsm_dispatch(p->fi, EV_ES10, (void *)res);
}

static void on_esipa(void *arg, const struct ipa_esipa_answer *ans)
{
	struct ipa_eim_poll *p = arg;

	p->call = NULL;
	if (p->fi)
		sgp_fsm_dispatch(p->fi, EV_ESIPA, (void *)ans);
}

int poll_es10(struct ipa_eim_poll *p, const uint8_t *cmd, size_t len)
{
	return ipa_es10_call(p->es10, cmd, len, on_es10, p);
}

static int esipa_post(struct ipa_eim_poll *p, const struct sgp_buf *der)
{
	int rc;

	p->call = ipa_esipa_post_binding(p->http, p->binding, p->url, der->data, der->len,
					 p->timeout_ms, false, on_esipa, p, &rc);
	return p->call ? SGP_OK : rc;
}

bool poll_es10_failed(struct sgp_fsm_inst *fi, const struct ipa_es10_result *r, const char *what)
{
	struct ipa_eim_poll *p = fi->priv;

	if (r->rc == SGP_OK)
		return false;
	p->res.sw = r->sw;
	poll_fail(fi, r->rc, "%s: %s at %s%s%04X", what, sgp_strerror(r->rc),
		  r->stage ? r->stage : "?", r->sw ? ", SW " : "", r->sw);
	return true;
}

/* A failed ESipa exchange or an answer of another function. */
bool poll_esipa_failed(struct sgp_fsm_inst *fi, const struct ipa_esipa_answer *a,
			 const char *function, int want)
{
	struct ipa_eim_poll *p = fi->priv;

	p->res.http_status = a->http_status;
	if (a->rc < 0) {
		poll_fail(fi, a->rc, "%s: %s", function, a->message);
		return true;
	}
	if (!a->msg) {
		poll_fail(fi, SGP_ERR_PEER, "%s: the eIM answered no content", function);
		return true;
	}
	if ((int)a->msg->present != want) {
		poll_fail(fi, SGP_ERR_PEER, "%s: the eIM answered another function (choice %d)",
			  function, (int)a->msg->present);
		return true;
	}
	return false;
}

/* Post now, or first learn the enabled profile (WAIT_PROFILES). */
void poll_esipa_send(struct sgp_fsm_inst *fi, struct sgp_buf *der, uint32_t state,
		     const char *what)
{
	struct ipa_eim_poll *p = fi->priv;
	int rc;

	if (p->link && p->profiles_stale) {
		sgp_buf_reset(&p->out);
		rc = sgp_buf_set(&p->out, der->data, der->len);
		p->out_state = state;
		if (rc == SGP_OK)
			rc = poll_es10(p, ipa_cmd_get_profiles_info, sizeof(ipa_cmd_get_profiles_info));
		if (rc < 0) {
			poll_fail(fi, rc, "ES10c.GetProfilesInfo: not sent: %s", sgp_strerror(rc));
			return;
		}
		sgp_fsm_state_chg(fi, ST_WAIT_PROFILES, p->timeout_ms, 9);
		return;
	}
	rc = esipa_post(p, der);
	if (rc < 0) {
		poll_fail(fi, rc, "%s: not sent: %s", what, sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, state, p->timeout_ms, (int)state);
}

/* WAIT_PROFILES: GetProfilesInfo -> coverage of the enabled profile */
static void wait_profiles_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	struct ipa_profiles_state st;
	struct sgp_buf der = SGP_BUF_INIT;
	int rc;

	(void)event;
	if (poll_es10_failed(fi, r, "ES10c.GetProfilesInfo"))
		return;
	rc = ipa_msg_profiles_state(r->data, r->len, &st);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10c.GetProfilesInfo: answer unusable: %s", sgp_strerror(rc));
		return;
	}
	p->profiles_stale = false;
	if (!p->link(p->link_arg, &st)) {
		p->res.no_connectivity = true;
		poll_fail(fi, SGP_ERR_IO, "no connectivity: %s%s has no coverage",
			  st.enabled[0] ? "profile " : "", st.enabled[0] ? st.enabled : "no profile enabled,");
		return;
	}
	der = p->out;
	memset(&p->out, 0, sizeof(p->out));
	poll_esipa_send(fi, &der, p->out_state, "ESipa");
	sgp_buf_free(&der);
}

/* WAIT_EID: GetEuiccDataResponse -> kept results, or GetEimPackage */
static void wait_eid_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	GetEuiccDataResponse_t *g = NULL;
	struct der_error err;
	int rc;

	(void)event;
	if (poll_es10_failed(fi, r, "ES10c.GetEID"))
		return;
	rc = sgp_der_decode(&asn_DEF_GetEuiccDataResponse, r->data, r->len, (void **)&g, &err);
	if (rc < 0) {
		poll_fail(fi, SGP_ERR_PARSE, "ES10c.GetEID: malformed answer: %s", err.msg);
		return;
	}
	memcpy(p->eid, g->eidValue.buf, sizeof(p->eid));	/* Octet16: size checked */
	sgp_der_free(&asn_DEF_GetEuiccDataResponse, g);
	if (!p->check_pending) {
		poll_deliver_next(fi);
		return;
	}
	rc = poll_es10(p, ipa_cmd_pending_results, sizeof(ipa_cmd_pending_results));
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.IpaEuiccDataRequest: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_PENDING, p->timeout_ms, 2);
}

/* A pushed trigger (ipa_eim_poll_start_pushed) runs as if GetEimPackage
 * had returned it. */
static void run_pushed(struct sgp_fsm_inst *fi)
{
	struct ipa_eim_poll *p = fi->priv;
	ProfileDownloadTriggerRequest_t *t = NULL;
	struct der_error err;
	int rc;

	rc = sgp_der_decode(&asn_DEF_ProfileDownloadTriggerRequest, p->pushed.data, p->pushed.len,
			    (void **)&t, &err);
	sgp_buf_reset(&p->pushed);
	if (rc < 0) {
		poll_fail(fi, SGP_ERR_PARSE, "pushed trigger: %s", err.msg);
		return;
	}
	p->res.kind = IPA_EIM_PKG_DOWNLOAD_TRIGGER;
	poll_run_download_trigger(fi, t);	/* copies what it keeps */
	sgp_der_free(&asn_DEF_ProfileDownloadTriggerRequest, t);
}

void poll_begin_get(struct sgp_fsm_inst *fi)
{
	struct ipa_eim_poll *p = fi->priv;
	struct sgp_buf req = SGP_BUF_INIT;
	int rc;

	p->check_pending = false;	/* all kept results went */
	if (p->pushed.len) {
		run_pushed(fi);
		return;
	}
	p->res.state_change_sent = p->cause != IPA_STATE_CHANGE_NONE;
	rc = ipa_msg_get_eim_package(p->eid, p->cause, &req);
	if (rc < 0) {
		poll_fail(fi, rc, "GetEimPackage: %s", sgp_strerror(rc));
		return;
	}
	poll_esipa_send(fi, &req, ST_WAIT_PACKAGE, "GetEimPackage");
	sgp_buf_free(&req);
}

/* A PSMO enable with rollbackFlag in the package (SGP.32 5.9.16: the IPA
 * may roll back if it cannot reach the eIM with the new profile). */
static bool has_rollback_flag(const EuiccPackageRequest_t *r)
{
	const EuiccPackage_t *pk = &r->euiccPackageSigned.euiccPackage;

	if (pk->present != EuiccPackage_PR_psmoList)
		return false;
	for (int i = 0; i < pk->choice.psmoList.list.count; i++) {
		const Psmo_t *m = pk->choice.psmoList.list.array[i];
		if (m->present == Psmo_PR_enable && m->choice.enable.rollbackFlag)
			return true;
	}
	return false;
}

/* WAIT_PACKAGE: GetEimPackageResponse -> the package kind, or done */
static void wait_package_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_esipa_answer *a = data;
	const GetEimPackageResponse_t *g;
	struct sgp_buf cmd = SGP_BUF_INIT;
	struct der_error err;
	int rc;

	(void)event;
	if (a->rc == SGP_ERR_PARSE)	/* owed: 6.3.2.7 eimPackageResultResponseError */
		p->owed_error = 1;	/* invalidPackageFormat */
	if (poll_esipa_failed(fi, a, "GetEimPackage",
			 EsipaMessageFromEimToIpa_PR_getEimPackageResponse))
		return;
	p->cause = IPA_STATE_CHANGE_NONE;	/* the eIM heard it */
	g = &a->msg->choice.getEimPackageResponse;
	switch (g->present) {
	case GetEimPackageResponse_PR_eimPackageError:
		p->res.eim_error = g->choice.eimPackageError;
		if (g->choice.eimPackageError ==
		    GetEimPackageResponse__eimPackageError_noEimPackageAvailable) {
			LOGPFSM(fi, LOGL_INFO, "no eIM package available");
			poll_finish(fi, IPA_EIM_POLL_NO_PACKAGE);
			return;
		}
		poll_fail(fi, SGP_ERR_PEER, "GetEimPackage: eimPackageError %ld",
			  g->choice.eimPackageError);
		return;
	case GetEimPackageResponse_PR_euiccPackageRequest:
		break;
	case GetEimPackageResponse_PR_ipaEuiccDataRequest:
		p->res.kind = IPA_EIM_PKG_IPA_EUICC_DATA;
		poll_run_data_request(fi, &g->choice.ipaEuiccDataRequest);
		return;
	case GetEimPackageResponse_PR_profileDownloadTriggerRequest:
		p->res.kind = IPA_EIM_PKG_DOWNLOAD_TRIGGER;
		poll_run_download_trigger(fi, &g->choice.profileDownloadTriggerRequest);
		return;
	default:
		p->owed_error = 2;	/* unknownPackage */
		poll_fail(fi, SGP_ERR_PEER, "GetEimPackage: unknown package");
		return;
	}
	p->res.kind = IPA_EIM_PKG_EUICC_PACKAGE;
	p->res.rollback_flag = has_rollback_flag(&g->choice.euiccPackageRequest);
	/* The EuiccPackageRequest ('BF51') is the ES10b command as it is: the
	 * strict decode guarantees that re-encoding gives the received bytes. */
	rc = sgp_der_encode(&asn_DEF_EuiccPackageRequest, &g->choice.euiccPackageRequest, &cmd,
			    &err);
	if (rc == SGP_OK)
		rc = poll_es10(p, cmd.data, cmd.len);
	sgp_buf_free(&cmd);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.LoadEuiccPackage: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_EUICC, p->timeout_ms, 3);
}

void poll_provide(struct sgp_fsm_inst *fi, enum ipa_eim_result_kind kind)
{
	struct ipa_eim_poll *p = fi->priv;
	struct sgp_buf req = SGP_BUF_INIT;
	int rc = ipa_msg_provide_result(p->eid, kind, p->epr.data, p->epr.len, &req);

	if (rc < 0) {
		poll_fail(fi, rc, "ProvideEimPackageResult: result unusable: %s", sgp_strerror(rc));
		return;
	}
	/* the profile may have changed: ask before sending (rollback) */
	p->profiles_stale = true;
	poll_esipa_send(fi, &req, ST_WAIT_RESULT, "ProvideEimPackageResult");
	sgp_buf_free(&req);
}

/* How the eUICC refused a package (SGP.32 5.9.1): euiccPackageErrorSigned
 * with its euiccPackageErrorCode, or euiccPackageErrorUnsigned (the eIM
 * signature or identity not verified) — for the reason of a failed run. */
static void note_refusal(struct ipa_eim_poll *p)
{
	EuiccPackageResult_t *r = NULL;
	struct der_error err;

	p->refusal[0] = '\0';
	if (sgp_der_decode(&asn_DEF_EuiccPackageResult, p->epr.data, p->epr.len, (void **)&r,
			   &err) < 0) {
		snprintf(p->refusal, sizeof(p->refusal), "; the eUICC's result does not decode");
		return;
	}
	if (r->present == EuiccPackageResult_PR_euiccPackageErrorSigned)
		snprintf(p->refusal, sizeof(p->refusal),
			 "; the eUICC refused the package: euiccPackageErrorCode %ld",
			 r->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned
				 .euiccPackageErrorCode);
	else if (r->present == EuiccPackageResult_PR_euiccPackageErrorUnsigned)
		snprintf(p->refusal, sizeof(p->refusal),
			 "; the eUICC refused the package: euiccPackageErrorUnsigned "
			 "(eIM signature or identity not verified)");
	if (p->refusal[0])
		LOGP(DIPA, LOGL_NOTICE, "eim-poll: %s", p->refusal + 2);
	sgp_der_free(&asn_DEF_EuiccPackageResult, r);
}

/* WAIT_EUICC: EuiccPackageResult -> ProvideEimPackageResult */
static void wait_euicc_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	int rc;

	(void)event;
	if (poll_es10_failed(fi, r, "ES10b.LoadEuiccPackage"))
		return;
	rc = sgp_buf_set(&p->epr, r->data, r->len);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.LoadEuiccPackage: %s", sgp_strerror(rc));
		return;
	}
	note_refusal(p);
	poll_provide(fi, IPA_EIM_RESULT_EUICC_PACKAGE);
}

/* WAIT_RESULT: ProvideEimPackageResultResponse -> remove what was acknowledged */
static void wait_result_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_esipa_answer *a = data;
	const ProvideEimPackageResultResponse_t *r;

	(void)event;
	if (poll_esipa_failed(fi, a, "ProvideEimPackageResult",
			 EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse))
		return;
	r = &a->msg->choice.provideEimPackageResultResponse;
	switch (r->present) {
	case ProvideEimPackageResultResponse_PR_eimAcknowledgements:
	case ProvideEimPackageResultResponse_PR_emptyResponse:
		if (poll_take_acks(fi, r) < 0)
			return;
		p->finish_after_remove = true;
		poll_remove_next(fi);
		return;
	case ProvideEimPackageResultResponse_PR_provideEimPackageResultError:
		p->res.eim_error = r->choice.provideEimPackageResultError;
		poll_fail(fi, SGP_ERR_PEER, "ProvideEimPackageResult: provideEimPackageResultError %ld%s",
			  r->choice.provideEimPackageResultError, p->refusal);
		return;
	default:
		poll_fail(fi, SGP_ERR_PEER, "ProvideEimPackageResult: unknown answer");
		return;
	}
}

#define ANY_STATE 0x0FFEu	/* every state but IDLE */
#define ES10 SGP_FSM_BIT(EV_ES10)
#define ESIPA SGP_FSM_BIT(EV_ESIPA)

static const struct sgp_fsm_state poll_states[] = {
	[ST_IDLE] = { .name = "IDLE", .out_state_mask = SGP_FSM_BIT(ST_WAIT_EID) },
	[ST_WAIT_EID] = { .name = "WAIT_EID", .in_event_mask = ES10,
			  .out_state_mask = ANY_STATE, .action = wait_eid_action },
	[ST_WAIT_PENDING] = { .name = "WAIT_PENDING", .in_event_mask = ES10,
			      .out_state_mask = ANY_STATE, .action = poll_wait_pending_action },
	[ST_WAIT_DELIVERED] = { .name = "WAIT_DELIVERED", .in_event_mask = ESIPA,
				.out_state_mask = ANY_STATE, .action = poll_wait_delivered_action },
	[ST_WAIT_PACKAGE] = { .name = "WAIT_PACKAGE", .in_event_mask = ESIPA,
			      .out_state_mask = ANY_STATE, .action = wait_package_action },
	[ST_WAIT_EUICC] = { .name = "WAIT_EUICC", .in_event_mask = ES10,
			    .out_state_mask = ANY_STATE, .action = wait_euicc_action },
	[ST_WAIT_DATA] = { .name = "WAIT_DATA", .in_event_mask = ES10,
			   .out_state_mask = ANY_STATE, .action = poll_wait_data_action },
	[ST_WAIT_DISCOVERY] = { .name = "WAIT_DISCOVERY",
				.in_event_mask = SGP_FSM_BIT(EV_DISCOVERY),
				.out_state_mask = ANY_STATE, .action = poll_wait_discovery_action },
	[ST_WAIT_DOWNLOAD] = { .name = "WAIT_DOWNLOAD", .in_event_mask = SGP_FSM_BIT(EV_DOWNLOAD),
			       .out_state_mask = ANY_STATE, .action = poll_wait_download_action },
	[ST_WAIT_RESULT] = { .name = "WAIT_RESULT", .in_event_mask = ESIPA,
			     .out_state_mask = ANY_STATE, .action = wait_result_action },
	[ST_WAIT_REMOVE] = { .name = "WAIT_REMOVE", .in_event_mask = ES10,
			     .out_state_mask = ANY_STATE, .action = poll_wait_remove_action },
	[ST_WAIT_PROFILES] = { .name = "WAIT_PROFILES", .in_event_mask = ES10,
			       .out_state_mask = ANY_STATE, .action = wait_profiles_action },
};

static const char *const poll_event_names[] = {
	[EV_ES10] = "ES10_ANSWER", [EV_ESIPA] = "ESIPA_ANSWER",
	[EV_DOWNLOAD] = "DOWNLOAD_DONE", [EV_DISCOVERY] = "DISCOVERY_DONE",
};

static bool poll_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipa_eim_poll *p = fi->priv;

	p->res.rc = SGP_ERR_TIMEOUT;
	snprintf(p->res.reason, sizeof(p->res.reason), "no answer within %u ms in %s (T%d)",
		 p->timeout_ms, sgp_fsm_state_name(fi), T);
	p->res.outcome = IPA_EIM_POLL_FAILED;
	return true;
}

static void cycle_reset(struct ipa_eim_poll *p)
{
	for (size_t i = 0; i < p->n_pending; i++)
		sgp_buf_free(&p->pending[i]);
	free(p->pending);
	p->pending = NULL;
	p->n_pending = p->next_pending = 0;
	p->n_acks = p->next_ack = 0;
	sgp_buf_reset(&p->out);
	sgp_buf_reset(&p->req);
	p->tid_len = 0;
}

static void poll_cleanup(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause)
{
	struct ipa_eim_poll *p = fi->priv;
	struct ipa_eim_poll_result res;

	/* nothing of this cycle may call back any more */
	ipa_es10_forget(p->es10, p);
	ipa_esipa_cancel(p->call);
	p->call = NULL;
	poll_kinds_cleanup(p);
	p->fi = NULL;
	cycle_reset(p);
	if (cause != SGP_FSM_TERM_REGULAR)
		p->check_pending = true;	/* a result may be stuck in the eUICC */
	if (cause == SGP_FSM_TERM_REQUEST)
		return;
	res = p->res;
	if (res.rc < 0) {
		res.stage = sgp_fsm_state_name(fi);
		LOGPFSM(fi, LOGL_NOTICE, "poll failed: %s: %s", sgp_strerror(res.rc), res.reason);
	}
	res.euicc_result = p->epr.data;
	res.euicc_result_len = p->epr.len;
	if (p->done)
		p->done(p->arg, &res);	/* may free p */
}

static const struct sgp_fsm poll_fsm = {
	.name = "eim-poll",
	.log_cat = DIPA,
	.states = poll_states,
	.num_states = sizeof(poll_states) / sizeof(poll_states[0]),
	.event_names = poll_event_names,
	.num_events = sizeof(poll_event_names) / sizeof(poll_event_names[0]),
	.timer_cb = poll_timer_cb,
	.cleanup = poll_cleanup,
};

int ipa_eim_poll_start(struct ipa_eim_poll *p)
{
	char id[24];
	int rc;

	if (!p)
		return SGP_ERR_INVAL;
	if (p->fi)
		return SGP_ERR_STATE;
	memset(&p->res, 0, sizeof(p->res));
	p->refusal[0] = '\0';
	sgp_buf_reset(&p->epr);
	p->profiles_stale = true;
	snprintf(id, sizeof(id), "%u", p->cycles + 1);
	p->fi = sgp_fsm_inst_alloc(&poll_fsm, p->clock, id, p);
	if (!p->fi)
		return SGP_ERR_NOMEM;
	rc = poll_es10(p, get_eid_cmd, sizeof(get_eid_cmd));
	if (rc == SGP_OK)
		rc = sgp_fsm_state_chg(p->fi, ST_WAIT_EID, p->timeout_ms, 1);
	if (rc < 0) {
		sgp_fsm_term(p->fi, SGP_FSM_TERM_REQUEST);	/* no callback */
		return rc;
	}
	p->cycles++;
	return SGP_OK;
}

int ipa_eim_poll_start_pushed(struct ipa_eim_poll *p, const uint8_t *trigger, size_t len)
{
	int rc;

	if (!p || !trigger || !len)
		return SGP_ERR_INVAL;
	if (p->fi)
		return SGP_ERR_STATE;
	sgp_buf_reset(&p->pushed);
	rc = sgp_buf_set(&p->pushed, trigger, len);
	if (rc == SGP_OK)
		rc = ipa_eim_poll_start(p);
	if (rc < 0)
		sgp_buf_reset(&p->pushed);
	return rc;
}

static void on_interval(void *arg)
{
	struct ipa_eim_poll *p = arg;
	int rc;

	sgp_timer_schedule(&p->interval_timer, p->interval_ms);
	if (p->fi) {
		LOGP(DIPA, LOGL_INFO, "eim-poll: interval tick while a cycle runs: skipped");
		return;
	}
	rc = ipa_eim_poll_start(p);
	if (rc < 0)
		LOGP(DIPA, LOGL_NOTICE, "eim-poll: cycle not started: %s", sgp_strerror(rc));
}

int ipa_eim_poll_schedule(struct ipa_eim_poll *p, uint64_t interval_ms)
{
	if (!p)
		return SGP_ERR_INVAL;
	p->interval_ms = interval_ms;
	if (!interval_ms) {
		sgp_timer_cancel(&p->interval_timer);
		return SGP_OK;
	}
	return sgp_timer_schedule(&p->interval_timer, interval_ms);
}

int ipa_eim_poll_new(const struct ipa_eim_poll_cfg *cfg, struct ipa_eim_poll **out)
{
	struct ipa_eim_poll *p;

	*out = NULL;
	if (!cfg || !cfg->clock || !cfg->es10 || !cfg->http || !cfg->eim_url || !*cfg->eim_url)
		return SGP_ERR_INVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return SGP_ERR_NOMEM;
	p->url = strdup(cfg->eim_url);
	if (!p->url) {
		free(p);
		return SGP_ERR_NOMEM;
	}
	p->binding = cfg->binding;
	p->clock = cfg->clock;
	p->es10 = cfg->es10;
	p->http = cfg->http;
	p->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : IPA_EIM_POLL_DEFAULT_TIMEOUT_MS;
	p->done = cfg->done;
	p->arg = cfg->arg;
	if (cfg->caps) {
		p->caps = *cfg->caps;
	} else {
		p->caps.features = 1u << IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION;
		p->caps.protocols = 1u << IPA_PROTOCOL_RETRIEVE_HTTPS;
	}
	p->link = cfg->link;
	p->link_arg = cfg->link_arg;
	p->check_pending = !cfg->no_pending_check;
	p->cause = IPA_STATE_CHANGE_NONE;
	sgp_timer_init(&p->interval_timer, p->clock, on_interval, p);
	*out = p;
	return SGP_OK;
}

void ipa_eim_poll_free(struct ipa_eim_poll *p)
{
	if (!p)
		return;
	sgp_timer_cancel(&p->interval_timer);
	if (p->fi)
		sgp_fsm_term(p->fi, SGP_FSM_TERM_REQUEST);
	cycle_reset(p);
	sgp_buf_free(&p->epr);
	sgp_buf_free(&p->out);
	sgp_buf_free(&p->req);
	sgp_buf_free(&p->pushed);
	free(p->url);
	free(p);
}

void ipa_eim_poll_notify_state_change(struct ipa_eim_poll *p, enum ipa_state_change_cause cause)
{
	if (p)
		p->cause = cause;
}

void ipa_eim_poll_check_pending(struct ipa_eim_poll *p)
{
	if (p)
		p->check_pending = true;
}

bool ipa_eim_poll_running(const struct ipa_eim_poll *p)
{
	return p && p->fi;
}

unsigned ipa_eim_poll_cycles(const struct ipa_eim_poll *p)
{
	return p ? p->cycles : 0;
}

void ipa_eim_poll_set_binding(struct ipa_eim_poll *p, enum ipa_esipa_binding binding)
{
	p->binding = binding;
}

void ipa_eim_poll_set_capabilities(struct ipa_eim_poll *p, const struct ipa_capabilities *caps)
{
	p->caps = *caps;
}
