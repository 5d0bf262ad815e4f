/* sgp32lab: the IPA daemon of one device — eIM polling with rollback and
 * fallback (SGP.32 v1.2 3.5, 5.9.16, 5.9.20, 5.9.21) */
#include "ipa/ipad.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_listener.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ipad_state { ST_IDLE, ST_POLLING, ST_WAIT_ROLLBACK, ST_WAIT_FALLBACK, ST_WAIT_RETURN };
enum ipad_event { EV_POLL_DONE, EV_ES10 };

struct ipad {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	struct ipa_eim_poll *poll;
	struct ipa_listener *push;	/* ESipa.TransferEimPackage, when enabled */
	unsigned timeout_ms;
	struct ipa_capabilities caps;
	char id[24];
	bool auto_return;
	ipad_done_fn done;
	void *arg;
	struct sgp_timer interval_timer;
	uint64_t interval_ms;

	char no_coverage[IPAD_MAX_NO_COVERAGE][SGP_ICCID_MAX_DIGITS + 1];
	struct ipa_profiles_state seen;	/* as the last cycle saw the eUICC */
	bool rollback_armed;		/* an enable with rollbackFlag not yet confirmed */
	char fallback_from[SGP_ICCID_MAX_DIGITS + 1];

	struct sgp_fsm_inst *fi;
	struct ipad_result res;
	struct sgp_buf last_result;	/* the run's last EuiccPackageResult */
};

static void finish(struct sgp_fsm_inst *fi, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish(struct sgp_fsm_inst *fi, int rc, const char *fmt, ...)
{
	struct ipad *d = fi->priv;
	va_list ap;

	d->res.rc = rc;
	d->res.poll.euicc_result = d->last_result.len ? d->last_result.data : NULL;
	d->res.poll.euicc_result_len = d->last_result.len;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(d->res.reason, sizeof(d->res.reason), fmt, ap);
		va_end(ap);
	}
	sgp_fsm_term(fi, rc < 0 ? SGP_FSM_TERM_ERROR : SGP_FSM_TERM_REGULAR);
}

static void on_es10(void *arg, const struct ipa_es10_result *r)
{
	struct ipad *d = arg;

	if (d->fi)
		sgp_fsm_dispatch(d->fi, EV_ES10, (void *)r);
}

/* The ES10b commands of the WAIT_* states (SGP.32 v1.2 5.9.16, 5.9.20,
 * 5.9.21).  Once one has worked, the next GetEimPackage tells the eIM of the
 * state change; after a rollback or a fallback the eUICC may also keep a
 * result for it. */
static const struct ipad_es10b {
	const uint8_t *cmd;
	const char *name;
	int cause;		/* the StateChangeCause then notified */
	bool check_pending;
} ipad_es10b[] = {
	/* StateChangeCause of v1.2 has no rollback value: undefined(127); the
	 * rollback EPR goes to the eIM as a kept result */
	[ST_WAIT_ROLLBACK] = { ipa_cmd_profile_rollback, "ProfileRollback",
			       IPA_STATE_CHANGE_UNDEFINED, true },
	[ST_WAIT_FALLBACK] = { ipa_cmd_execute_fallback, "ExecuteFallbackMechanism",
			       IPA_STATE_CHANGE_FALLBACK, true },
	/* a change the eIM did not order, following the fallback */
	[ST_WAIT_RETURN] = { ipa_cmd_return_from_fallback, "ReturnFromFallback",
			     IPA_STATE_CHANGE_FALLBACK, false },
};

/* Send the ES10b command of a WAIT_* state and wait for its answer there. */
static int es10b(struct sgp_fsm_inst *fi, uint32_t state)
{
	struct ipad *d = fi->priv;
	int rc = ipa_es10_call(d->es10, ipad_es10b[state].cmd, 6, on_es10, d);

	if (rc == SGP_OK)
		rc = sgp_fsm_state_chg(fi, state, d->timeout_ms ? d->timeout_ms :
					   IPA_EIM_POLL_DEFAULT_TIMEOUT_MS, (int)state);
	return rc;
}

static bool can_fall_back(const struct ipad *d)
{
	return !d->seen.enabled_is_fallback && d->seen.has_fallback;
}

/* Another poll cycle, if the run has cycles left. */
static void poll_again(struct sgp_fsm_inst *fi)
{
	struct ipad *d = fi->priv;
	int rc;

	if (d->res.polls >= IPAD_MAX_POLLS) {
		finish(fi, d->res.rc < 0 ? d->res.rc : SGP_OK, NULL);
		return;
	}
	rc = ipa_eim_poll_start(d->poll);
	if (rc < 0) {
		finish(fi, rc, "poll not started: %s", sgp_strerror(rc));
		return;
	}
	d->res.polls++;
	sgp_fsm_state_chg(fi, ST_POLLING, 0, 0);
}

/* No link with the enabled profile: roll back, else fall back, else fail. */
static void lost_link(struct sgp_fsm_inst *fi)
{
	struct ipad *d = fi->priv;
	int rc;

	if (d->rollback_armed) {
		LOGPFSM(fi, LOGL_NOTICE, "no connectivity after an enable with rollback: ProfileRollback");
		rc = es10b(fi, ST_WAIT_ROLLBACK);
	} else if (can_fall_back(d)) {
		LOGPFSM(fi, LOGL_NOTICE, "no connectivity: ExecuteFallbackMechanism");
		rc = es10b(fi, ST_WAIT_FALLBACK);
	} else {
		finish(fi, d->res.rc, NULL);
		return;
	}
	if (rc < 0)
		finish(fi, rc, "ES10b not sent: %s", sgp_strerror(rc));
}

/* POLLING: a poll cycle ended */
static void polling_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipad *d = fi->priv;
	const struct ipa_eim_poll_result *r = data;

	(void)event;
	d->res.poll = *r;
	d->res.poll.euicc_result = NULL;
	d->res.poll.euicc_result_len = 0;
	if (r->euicc_result && r->euicc_result_len &&
	    sgp_buf_set(&d->last_result, r->euicc_result, r->euicc_result_len) < 0)
		sgp_buf_reset(&d->last_result);	/* only the report loses it */
	d->res.rc = r->rc;
	snprintf(d->res.reason, sizeof(d->res.reason), "%s", r->reason);
	if (r->kind == IPA_EIM_PKG_EUICC_PACKAGE && r->rollback_flag)
		d->rollback_armed = true;
	if (!r->no_connectivity) {
		/* the eIM was reached (or refused) through the enabled profile */
		if (r->rc == SGP_OK || r->http_status)
			d->rollback_armed = false;
		finish(fi, r->rc, NULL);
		return;
	}
	lost_link(fi);
}

/* WAIT_ROLLBACK, WAIT_FALLBACK, WAIT_RETURN: the ES10b command answered */
static void wait_es10b_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipad *d = fi->priv;
	const struct ipa_es10_result *r = data;
	const struct ipad_es10b *c = &ipad_es10b[fi->state];
	long code = -1;

	(void)event;
	if (r->rc < 0) {
		finish(fi, r->rc, "ES10b.%s: %s (SW %04X)", c->name, sgp_strerror(r->rc), r->sw);
		return;
	}
	if (ipa_msg_es10_result_code(c->cmd, r->data, r->len, &code) < 0) {
		finish(fi, SGP_ERR_PARSE, "ES10b.%s: malformed answer", c->name);
		return;
	}
	if (fi->state == ST_WAIT_ROLLBACK)
		d->rollback_armed = false;
	if (code != 0) {
		LOGPFSM(fi, LOGL_NOTICE, "%s refused: result %ld", c->name, code);
		if (fi->state == ST_WAIT_ROLLBACK && can_fall_back(d)) {
			if (es10b(fi, ST_WAIT_FALLBACK) < 0)
				finish(fi, SGP_ERR_IO, "ES10b not sent");
			return;
		}
		finish(fi, SGP_ERR_PEER, "%s%s refused (%ld)",
		       fi->state == ST_WAIT_RETURN ? "" : "no connectivity; ", c->name, code);
		return;
	}
	switch (fi->state) {
	case ST_WAIT_ROLLBACK:
		d->res.rolled_back = true;
		break;
	case ST_WAIT_FALLBACK:
		snprintf(d->fallback_from, sizeof(d->fallback_from), "%s", d->seen.enabled);
		d->res.fell_back = true;
		break;
	default:
		d->res.returned = true;
		d->fallback_from[0] = '\0';
	}
	ipa_eim_poll_notify_state_change(d->poll, c->cause);
	if (c->check_pending)
		ipa_eim_poll_check_pending(d->poll);
	poll_again(fi);
}

static const struct sgp_fsm_state ipad_states[] = {
	[ST_IDLE] = { .name = "IDLE",
		      .out_state_mask = SGP_FSM_BIT(ST_POLLING) | SGP_FSM_BIT(ST_WAIT_RETURN) },
	[ST_POLLING] = { .name = "POLLING", .in_event_mask = SGP_FSM_BIT(EV_POLL_DONE),
			 .out_state_mask = SGP_FSM_BIT(ST_WAIT_ROLLBACK) | SGP_FSM_BIT(ST_WAIT_FALLBACK),
			 .action = polling_action },
	[ST_WAIT_ROLLBACK] = { .name = "WAIT_ROLLBACK", .in_event_mask = SGP_FSM_BIT(EV_ES10),
			       .out_state_mask = SGP_FSM_BIT(ST_POLLING) | SGP_FSM_BIT(ST_WAIT_FALLBACK),
			       .action = wait_es10b_action },
	[ST_WAIT_FALLBACK] = { .name = "WAIT_FALLBACK", .in_event_mask = SGP_FSM_BIT(EV_ES10),
			       .out_state_mask = SGP_FSM_BIT(ST_POLLING),
			       .action = wait_es10b_action },
	[ST_WAIT_RETURN] = { .name = "WAIT_RETURN", .in_event_mask = SGP_FSM_BIT(EV_ES10),
			     .out_state_mask = SGP_FSM_BIT(ST_POLLING), .action = wait_es10b_action },
};

static const char *const ipad_event_names[] = {
	[EV_POLL_DONE] = "POLL_DONE", [EV_ES10] = "ES10_ANSWER",
};

static bool ipad_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipad *d = fi->priv;

	d->res.rc = SGP_ERR_TIMEOUT;
	snprintf(d->res.reason, sizeof(d->res.reason), "the eUICC did not answer in %s (T%d)",
		 sgp_fsm_state_name(fi), T);
	return true;
}

static void ipad_cleanup(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause)
{
	struct ipad *d = fi->priv;
	struct ipad_result res = d->res;

	ipa_es10_forget(d->es10, d);
	d->fi = NULL;
	if (cause == SGP_FSM_TERM_REQUEST)
		return;
	if (d->done)
		d->done(d->arg, &res);	/* may free d */
}

static const struct sgp_fsm ipad_fsm = {
	.name = "ipad",
	.log_cat = DIPA,
	.states = ipad_states,
	.num_states = sizeof(ipad_states) / sizeof(ipad_states[0]),
	.event_names = ipad_event_names,
	.num_events = sizeof(ipad_event_names) / sizeof(ipad_event_names[0]),
	.timer_cb = ipad_timer_cb,
	.cleanup = ipad_cleanup,
};

static void on_poll(void *arg, const struct ipa_eim_poll_result *res)
{
	struct ipad *d = arg;

	if (d->fi)
		sgp_fsm_dispatch(d->fi, EV_POLL_DONE, (void *)res);
}

/* The poller's hook: what the eUICC has enabled, and its coverage. */
static bool on_link(void *arg, const struct ipa_profiles_state *st)
{
	struct ipad *d = arg;

	d->seen = *st;
	/* no profile enabled: the lab device's other link (a lab model
	 * choice; a cellular-only device would have none) */
	return !st->enabled[0] || ipad_has_coverage(d, st->enabled);
}

/* A fresh run; not while one is on. */
static int run_start(struct ipad *d)
{
	if (d->fi)
		return SGP_ERR_STATE;
	memset(&d->res, 0, sizeof(d->res));
	sgp_buf_reset(&d->last_result);
	d->fi = sgp_fsm_inst_alloc(&ipad_fsm, d->clock, d->id, d);
	return d->fi ? SGP_OK : SGP_ERR_NOMEM;
}

/* A run from a poll cycle: of the eIM (pushed NULL) or of a pushed
 * package. */
static int run_poll(struct ipad *d, const uint8_t *pushed, size_t len)
{
	int rc = run_start(d);

	if (rc < 0)
		return rc;
	rc = pushed ? ipa_eim_poll_start_pushed(d->poll, pushed, len) : ipa_eim_poll_start(d->poll);
	if (rc == SGP_OK) {
		d->res.polls = 1;
		rc = sgp_fsm_state_chg(d->fi, ST_POLLING, 0, 0);
	}
	if (rc < 0)
		sgp_fsm_term(d->fi, SGP_FSM_TERM_REQUEST);
	return rc;
}

int ipad_poll(struct ipad *d)
{
	if (!d)
		return SGP_ERR_INVAL;
	if (ipa_listener_busy(d->push))
		return SGP_ERR_STATE;
	return run_poll(d, NULL, 0);
}

int ipad_return_from_fallback(struct ipad *d)
{
	int rc;

	if (!d)
		return SGP_ERR_INVAL;
	if (ipa_listener_busy(d->push))
		return SGP_ERR_STATE;
	rc = run_start(d);
	if (rc < 0)
		return rc;
	rc = es10b(d->fi, ST_WAIT_RETURN);
	if (rc < 0)
		sgp_fsm_term(d->fi, SGP_FSM_TERM_REQUEST);
	return rc;
}

static void on_interval(void *arg)
{
	struct ipad *d = arg;
	int rc;

	sgp_timer_schedule(&d->interval_timer, d->interval_ms);
	if (d->fi) {
		LOGP(DIPA, LOGL_INFO, "ipad(%s): interval tick while a run is on: skipped", d->id);
		return;
	}
	rc = ipad_poll(d);
	if (rc < 0)
		LOGP(DIPA, LOGL_NOTICE, "ipad(%s): poll not started: %s", d->id, sgp_strerror(rc));
}

int ipad_set_interval(struct ipad *d, uint64_t interval_ms)
{
	if (!d)
		return SGP_ERR_INVAL;
	d->interval_ms = interval_ms;
	if (!interval_ms) {
		sgp_timer_cancel(&d->interval_timer);
		return SGP_OK;
	}
	return sgp_timer_schedule(&d->interval_timer, interval_ms);
}

bool ipad_has_coverage(const struct ipad *d, const char *iccid)
{
	for (size_t i = 0; i < IPAD_MAX_NO_COVERAGE; i++)
		if (d->no_coverage[i][0] && !strcmp(d->no_coverage[i], iccid))
			return false;
	return true;
}

int ipad_set_coverage(struct ipad *d, const char *iccid, bool covered)
{
	size_t free_slot = IPAD_MAX_NO_COVERAGE;

	if (!d)
		return SGP_ERR_INVAL;
	if (!iccid)
		iccid = d->seen.enabled;
	if (!iccid[0] || strlen(iccid) > SGP_ICCID_MAX_DIGITS)
		return SGP_ERR_INVAL;
	for (size_t i = 0; i < IPAD_MAX_NO_COVERAGE; i++) {
		if (!strcmp(d->no_coverage[i], iccid)) {
			if (covered)
				d->no_coverage[i][0] = '\0';
			covered = true;	/* nothing more to do */
		} else if (!d->no_coverage[i][0] && free_slot == IPAD_MAX_NO_COVERAGE) {
			free_slot = i;
		}
	}
	if (!covered) {
		if (free_slot == IPAD_MAX_NO_COVERAGE)
			return SGP_ERR_TOOBIG;
		snprintf(d->no_coverage[free_slot], sizeof(d->no_coverage[0]), "%s", iccid);
		return SGP_OK;
	}
	/* policy: back from the fallback once the original profile has coverage */
	if (d->auto_return && d->seen.enabled_is_fallback && !strcmp(d->fallback_from, iccid) &&
	    !d->fi) {
		LOGP(DIPA, LOGL_INFO, "ipad(%s): %s has coverage again: ReturnFromFallback", d->id,
		     iccid);
		return ipad_return_from_fallback(d);
	}
	return SGP_OK;
}

int ipad_new(const struct ipad_cfg *cfg, struct ipad **out)
{
	struct ipa_eim_poll_cfg pc = { 0 };
	struct ipad *d;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->clock || !cfg->es10 || !cfg->http || !cfg->eim_url)
		return SGP_ERR_INVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return SGP_ERR_NOMEM;
	d->clock = cfg->clock;
	d->es10 = cfg->es10;
	d->timeout_ms = cfg->timeout_ms;
	d->auto_return = cfg->auto_return;
	d->done = cfg->done;
	d->arg = cfg->arg;
	snprintf(d->id, sizeof(d->id), "%s", cfg->id ? cfg->id : "1");
	/* IpaCapabilities, as this IPA is: ESipa over HTTPS (retrieve); ES9+
	 * and ES11 straight to the servers (direct mode) and ES9+ relayed by
	 * the eIM (indirect mode), unless the configuration narrows it. */
	ipad_set_rsp_mode(d, cfg->rsp_mode);
	d->caps.protocols = 1u << IPA_PROTOCOL_RETRIEVE_HTTPS;
	memcpy(d->caps.tac, cfg->tac, sizeof(d->caps.tac));
	pc.clock = cfg->clock;
	pc.es10 = cfg->es10;
	pc.http = cfg->http;
	pc.eim_url = cfg->eim_url;
	pc.binding = cfg->binding;
	pc.timeout_ms = cfg->timeout_ms;
	pc.done = on_poll;
	pc.arg = d;
	pc.caps = &d->caps;
	pc.link = on_link;
	pc.link_arg = d;
	rc = ipa_eim_poll_new(&pc, &d->poll);
	if (rc < 0) {
		free(d);
		return rc;
	}
	sgp_timer_init(&d->interval_timer, d->clock, on_interval, d);
	*out = d;
	return SGP_OK;
}

void ipad_set_rsp_mode(struct ipad *d, enum ipad_rsp_mode mode)
{
	d->caps.features = (1u << IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION) |
			   (1u << IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION);
	if (mode == IPAD_RSP_DIRECT)
		d->caps.features &= ~(1u << IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION);
	else if (mode == IPAD_RSP_INDIRECT)
		d->caps.features &= ~(1u << IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION);
	if (d->poll)
		ipa_eim_poll_set_capabilities(d->poll, &d->caps);
}

void ipad_set_binding(struct ipad *d, enum ipa_esipa_binding binding)
{
	ipa_eim_poll_set_binding(d->poll, binding);
}

void ipad_free(struct ipad *d)
{
	if (!d)
		return;
	sgp_timer_cancel(&d->interval_timer);
	ipa_listener_free(d->push);
	if (d->fi)
		sgp_fsm_term(d->fi, SGP_FSM_TERM_REQUEST);
	ipa_eim_poll_free(d->poll);
	sgp_buf_free(&d->last_result);
	free(d);
}

bool ipad_busy(const struct ipad *d)
{
	return d && d->fi;
}

const char *ipad_state(const struct ipad *d)
{
	return d && d->fi ? sgp_fsm_state_name(d->fi) : "IDLE";
}

const char *ipad_enabled(const struct ipad *d)
{
	return d ? d->seen.enabled : "";
}

bool ipad_in_fallback(const struct ipad *d)
{
	return d && d->seen.enabled_is_fallback;
}

unsigned ipad_cycles(const struct ipad *d)
{
	return d ? ipa_eim_poll_cycles(d->poll) : 0;
}

const struct ipa_capabilities *ipad_capabilities(const struct ipad *d)
{
	return d ? &d->caps : NULL;
}

/* ---- ESipa.TransferEimPackage: the push listener (esipa_listener.h) ---- */

static bool push_busy(void *arg)
{
	struct ipad *d = arg;

	return d->fi || ipa_eim_poll_running(d->poll);
}

/* A pushed ProfileDownloadTriggerRequest: a run whose poll cycle runs it
 * and reports its result with ProvideEimPackageResult. */
static int push_trigger(void *arg, const uint8_t *der, size_t len)
{
	return run_poll(arg, der, len);
}

/* A pushed package's answer did not reach the eIM: the result the eUICC
 * keeps goes with the next poll. */
static void push_lost(void *arg)
{
	struct ipad *d = arg;

	ipa_eim_poll_check_pending(d->poll);
}

int ipad_push_start(struct ipad *d, const struct ipad_push_cfg *cfg)
{
	struct ipa_listener_cfg lc = { 0 };
	int rc;

	if (!d || !cfg || !cfg->base)
		return SGP_ERR_INVAL;
	if (d->push)
		return SGP_ERR_EXISTS;
	lc.base = cfg->base;
	lc.clock = d->clock;
	lc.es10 = d->es10;
	lc.tls = cfg->tls;
	lc.addr = cfg->addr;
	lc.port = cfg->port;
	lc.id = d->id;
	lc.timeout_ms = d->timeout_ms;
	lc.caps = &d->caps;
	lc.busy = push_busy;
	lc.trigger = push_trigger;
	lc.lost = push_lost;
	lc.arg = d;
	rc = ipa_listener_new(&lc, &d->push);
	if (rc < 0)
		return rc;
	/* IpaCapabilities: injectHttps only while the listener runs */
	d->caps.protocols |= 1u << IPA_PROTOCOL_INJECT_HTTPS;
	ipa_eim_poll_set_capabilities(d->poll, &d->caps);
	return SGP_OK;
}

void ipad_push_stop(struct ipad *d)
{
	if (!d || !d->push)
		return;
	ipa_listener_free(d->push);
	d->push = NULL;
	d->caps.protocols &= ~(1u << IPA_PROTOCOL_INJECT_HTTPS);
	ipa_eim_poll_set_capabilities(d->poll, &d->caps);
}

uint16_t ipad_push_port(const struct ipad *d)
{
	return d ? ipa_listener_port(d->push) : 0;
}

bool ipad_push_busy(const struct ipad *d)
{
	return d && ipa_listener_busy(d->push);
}
