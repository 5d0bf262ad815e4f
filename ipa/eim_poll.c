/* sgp32lab: the IPA's eIM poll cycle (SGP.32 v1.2 3.5 "eIM package
 * retrieval", 6.3.2.6 GetEimPackage, 6.3.2.7 ProvideEimPackageResult,
 * 5.9.1 ES10b.LoadEuiccPackage) as a table FSM, and the poll interval */
#include "ipa/eim_poll.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"
#include "core/clock.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/log.h"

#include "EsipaMessageFromEimToIpa.h"
#include "GetEuiccDataResponse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum poll_state { ST_IDLE, ST_WAIT_EID, ST_WAIT_PACKAGE, ST_WAIT_EUICC, ST_WAIT_RESULT };
enum poll_event { EV_ES10, EV_ESIPA };

struct ipa_eim_poll {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	struct http_client *http;
	char *url;
	unsigned timeout_ms;
	ipa_eim_poll_cb done;
	void *arg;

	struct sgp_timer interval_timer;
	uint64_t interval_ms;
	unsigned cycles;

	/* the running cycle */
	struct sgp_fsm_inst *fi;
	struct ipa_esipa_call *call;
	uint8_t eid[16];
	struct sgp_buf epr;		/* the eUICC's EuiccPackageResult */
	struct ipa_eim_poll_result res;
};

/* GetEuiccDataRequest, tagList '5A' (SGP.22 5.7.20 ES10c.GetEID) */
static const uint8_t get_eid_cmd[] = { 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A };

static void set_reason(struct ipa_eim_poll *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_reason(struct ipa_eim_poll *p, int rc, const char *fmt, ...)
{
	va_list ap;

	p->res.rc = rc;
	va_start(ap, fmt);
	vsnprintf(p->res.reason, sizeof(p->res.reason), fmt, ap);
	va_end(ap);
}

/* End the cycle: the outcome is in p->res, or rc < 0 a failure. */
static void finish(struct sgp_fsm_inst *fi, enum ipa_eim_poll_outcome outcome)
{
	struct ipa_eim_poll *p = fi->priv;

	p->res.outcome = p->res.rc < 0 ? IPA_EIM_POLL_FAILED : outcome;
	sgp_fsm_term(fi, p->res.rc < 0 ? SGP_FSM_TERM_ERROR : SGP_FSM_TERM_REGULAR);
}

static void fail(struct sgp_fsm_inst *fi, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct sgp_fsm_inst *fi, int rc, const char *fmt, ...)
{
	struct ipa_eim_poll *p = fi->priv;
	va_list ap;

	p->res.rc = rc < 0 ? rc : SGP_ERR_STATE;
	va_start(ap, fmt);
	vsnprintf(p->res.reason, sizeof(p->res.reason), fmt, ap);
	va_end(ap);
	finish(fi, IPA_EIM_POLL_FAILED);
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

static int es10(struct ipa_eim_poll *p, const uint8_t *cmd, size_t len)
{
	return ipa_es10_call(p->es10, cmd, len, on_es10, p);
}

static int esipa(struct ipa_eim_poll *p, const struct sgp_buf *der)
{
	int rc;

	p->call = ipa_esipa_post(p->http, p->url, der->data, der->len, p->timeout_ms, on_esipa,
				 p, &rc);
	return p->call ? SGP_OK : rc;
}

/* An ES10 answer that failed; false when it did not. */
static bool es10_failed(struct sgp_fsm_inst *fi, const struct ipa_es10_result *r,
			const char *what)
{
	struct ipa_eim_poll *p = fi->priv;

	if (r->rc == SGP_OK)
		return false;
	p->res.sw = r->sw;
	fail(fi, r->rc, "%s: %s at %s%s%04X", what, sgp_strerror(r->rc),
	     r->stage ? r->stage : "?", r->sw ? ", SW " : "", r->sw);
	return true;
}

/* A failed ESipa exchange or an answer of another function. */
static bool esipa_failed(struct sgp_fsm_inst *fi, const struct ipa_esipa_answer *a,
			 const char *function, int want)
{
	struct ipa_eim_poll *p = fi->priv;

	p->res.http_status = a->http_status;
	if (a->rc < 0) {
		fail(fi, a->rc, "%s: %s", function, a->message);
		return true;
	}
	if (!a->msg) {
		fail(fi, SGP_ERR_PEER, "%s: the eIM answered no content", function);
		return true;
	}
	if ((int)a->msg->present != want) {
		fail(fi, SGP_ERR_PEER, "%s: the eIM answered another function (choice %d)",
		     function, (int)a->msg->present);
		return true;
	}
	return false;
}

/* WAIT_EID: GetEuiccDataResponse -> GetEimPackage */
static void wait_eid_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	GetEuiccDataResponse_t *g = NULL;
	struct sgp_buf req = SGP_BUF_INIT;
	struct der_error err;
	int rc;

	(void)event;
	if (es10_failed(fi, r, "ES10c.GetEID"))
		return;
	rc = sgp_der_decode(&asn_DEF_GetEuiccDataResponse, r->data, r->len, (void **)&g, &err);
	if (rc < 0) {
		fail(fi, SGP_ERR_PARSE, "ES10c.GetEID: malformed answer: %s", err.msg);
		return;
	}
	memcpy(p->eid, g->eidValue.buf, sizeof(p->eid));	/* Octet16: size checked */
	sgp_der_free(&asn_DEF_GetEuiccDataResponse, g);
	rc = ipa_esipa_build_get_eim_package(p->eid, &req);
	if (rc == SGP_OK)
		rc = esipa(p, &req);
	sgp_buf_free(&req);
	if (rc < 0) {
		fail(fi, rc, "GetEimPackage: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_PACKAGE, p->timeout_ms, 2);
}

/* WAIT_PACKAGE: GetEimPackageResponse -> LoadEuiccPackage, or done */
static void wait_package_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_esipa_answer *a = data;
	const GetEimPackageResponse_t *g;
	struct sgp_buf cmd = SGP_BUF_INIT;
	struct der_error err;
	int rc;

	(void)event;
	if (esipa_failed(fi, a, "GetEimPackage",
			 EsipaMessageFromEimToIpa_PR_getEimPackageResponse))
		return;
	g = &a->msg->choice.getEimPackageResponse;
	switch (g->present) {
	case GetEimPackageResponse_PR_eimPackageError:
		p->res.eim_error = g->choice.eimPackageError;
		if (g->choice.eimPackageError ==
		    GetEimPackageResponse__eimPackageError_noEimPackageAvailable) {
			LOGPFSM(fi, LOGL_INFO, "no eIM package available");
			finish(fi, IPA_EIM_POLL_NO_PACKAGE);
			return;
		}
		fail(fi, SGP_ERR_PEER, "GetEimPackage: eimPackageError %ld",
		     g->choice.eimPackageError);
		return;
	case GetEimPackageResponse_PR_euiccPackageRequest:
		break;
	case GetEimPackageResponse_PR_ipaEuiccDataRequest:
		fail(fi, SGP_ERR_UNSUPPORTED, "GetEimPackage: ipaEuiccDataRequest not run yet");
		return;
	case GetEimPackageResponse_PR_profileDownloadTriggerRequest:
		fail(fi, SGP_ERR_UNSUPPORTED,
		     "GetEimPackage: profileDownloadTriggerRequest not run yet");
		return;
	default:
		fail(fi, SGP_ERR_PEER, "GetEimPackage: unknown answer");
		return;
	}
	/* The EuiccPackageRequest ('BF51') is the ES10b command as it is: the
	 * strict decode guarantees that re-encoding gives the received bytes. */
	rc = sgp_der_encode(&asn_DEF_EuiccPackageRequest, &g->choice.euiccPackageRequest, &cmd,
			    &err);
	if (rc == SGP_OK)
		rc = es10(p, cmd.data, cmd.len);
	sgp_buf_free(&cmd);
	if (rc < 0) {
		fail(fi, rc, "ES10b.LoadEuiccPackage: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_EUICC, p->timeout_ms, 3);
}

/* WAIT_EUICC: EuiccPackageResult -> ProvideEimPackageResult */
static void wait_euicc_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	struct sgp_buf req = SGP_BUF_INIT;
	int rc;

	(void)event;
	if (es10_failed(fi, r, "ES10b.LoadEuiccPackage"))
		return;
	rc = sgp_buf_set(&p->epr, r->data, r->len);
	if (rc == SGP_OK)
		rc = ipa_esipa_build_provide_result(p->eid, r->data, r->len, &req);
	if (rc < 0) {
		sgp_buf_free(&req);
		fail(fi, rc, "ES10b.LoadEuiccPackage: answer unusable: %s", sgp_strerror(rc));
		return;
	}
	rc = esipa(p, &req);
	sgp_buf_free(&req);
	if (rc < 0) {
		fail(fi, rc, "ProvideEimPackageResult: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_RESULT, p->timeout_ms, 4);
}

/* WAIT_RESULT: ProvideEimPackageResultResponse -> done */
static void wait_result_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_esipa_answer *a = data;
	const ProvideEimPackageResultResponse_t *r;

	(void)event;
	if (esipa_failed(fi, a, "ProvideEimPackageResult",
			 EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse))
		return;
	r = &a->msg->choice.provideEimPackageResultResponse;
	switch (r->present) {
	case ProvideEimPackageResultResponse_PR_eimAcknowledgements:
		p->res.acknowledgements = (unsigned)r->choice.eimAcknowledgements.list.count;
		/* fall through */
	case ProvideEimPackageResultResponse_PR_emptyResponse:
		finish(fi, IPA_EIM_POLL_PACKAGE_DONE);
		return;
	case ProvideEimPackageResultResponse_PR_provideEimPackageResultError:
		p->res.eim_error = r->choice.provideEimPackageResultError;
		fail(fi, SGP_ERR_PEER, "ProvideEimPackageResult: provideEimPackageResultError %ld",
		     r->choice.provideEimPackageResultError);
		return;
	default:
		fail(fi, SGP_ERR_PEER, "ProvideEimPackageResult: unknown answer");
		return;
	}
}

static const struct sgp_fsm_state poll_states[] = {
	[ST_IDLE] = {
		.name = "IDLE",
		.out_state_mask = SGP_FSM_BIT(ST_WAIT_EID),
	},
	[ST_WAIT_EID] = {
		.name = "WAIT_EID",
		.in_event_mask = SGP_FSM_BIT(EV_ES10),
		.out_state_mask = SGP_FSM_BIT(ST_WAIT_PACKAGE),
		.action = wait_eid_action,
	},
	[ST_WAIT_PACKAGE] = {
		.name = "WAIT_PACKAGE",
		.in_event_mask = SGP_FSM_BIT(EV_ESIPA),
		.out_state_mask = SGP_FSM_BIT(ST_WAIT_EUICC),
		.action = wait_package_action,
	},
	[ST_WAIT_EUICC] = {
		.name = "WAIT_EUICC",
		.in_event_mask = SGP_FSM_BIT(EV_ES10),
		.out_state_mask = SGP_FSM_BIT(ST_WAIT_RESULT),
		.action = wait_euicc_action,
	},
	[ST_WAIT_RESULT] = {
		.name = "WAIT_RESULT",
		.in_event_mask = SGP_FSM_BIT(EV_ESIPA),
		.action = wait_result_action,
	},
};

static const char *const poll_event_names[] = {
	[EV_ES10] = "ES10_ANSWER", [EV_ESIPA] = "ESIPA_ANSWER",
};

static bool poll_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipa_eim_poll *p = fi->priv;

	set_reason(p, SGP_ERR_TIMEOUT, "no answer within %u ms in %s (T%d)", p->timeout_ms,
		   sgp_fsm_state_name(fi), T);
	p->res.outcome = IPA_EIM_POLL_FAILED;
	return true;
}

static void poll_cleanup(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause)
{
	struct ipa_eim_poll *p = fi->priv;
	struct ipa_eim_poll_result res;

	/* nothing of this cycle may call back any more */
	ipa_es10_forget(p->es10, p);
	ipa_esipa_cancel(p->call);
	p->call = NULL;
	p->fi = NULL;
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
	sgp_buf_reset(&p->epr);
	snprintf(id, sizeof(id), "%u", p->cycles + 1);
	p->fi = sgp_fsm_inst_alloc(&poll_fsm, p->clock, id, p);
	if (!p->fi)
		return SGP_ERR_NOMEM;
	rc = es10(p, get_eid_cmd, sizeof(get_eid_cmd));
	if (rc == SGP_OK)
		rc = sgp_fsm_state_chg(p->fi, ST_WAIT_EID, p->timeout_ms, 1);
	if (rc < 0) {
		sgp_fsm_term(p->fi, SGP_FSM_TERM_REQUEST);	/* no callback */
		return rc;
	}
	p->cycles++;
	return SGP_OK;
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
	p->clock = cfg->clock;
	p->es10 = cfg->es10;
	p->http = cfg->http;
	p->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : IPA_EIM_POLL_DEFAULT_TIMEOUT_MS;
	p->done = cfg->done;
	p->arg = cfg->arg;
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
	sgp_buf_free(&p->epr);
	free(p->url);
	free(p);
}

bool ipa_eim_poll_running(const struct ipa_eim_poll *p)
{
	return p && p->fi;
}

unsigned ipa_eim_poll_cycles(const struct ipa_eim_poll *p)
{
	return p ? p->cycles : 0;
}
