/* sgp32lab: scenario steps for an external IPA (GSMA issue 6, external
 * roles) — `lab roles=euicc,eim,... ipa=HOST:PORT`: the simulated IPA is
 * replaced by the user's (or `sgp32lab serve --role ipa`), whose card
 * reader listens on HOST:PORT in vpcd framing, as pcscd's vpcd driver does
 * (127.0.0.1:35963 is its reader "Virtual PCD 00 00").  Device N's eUICC
 * connects to HOST:PORT+N-1 (lab/steps_euicc.c) and is driven only by that
 * IPA; the lab's eIM and SM-DP+ serve it.  The external IPA acts on its
 * own clock, so the scenario waits for it in real time:
 *
 *   eim @N wait-results [timeout=DURATION]
 *       until every package the lab eIM queued for device N has its result
 *       (default 20s of real time); then `expect eim ...` and
 *       `expect euicc ...` check what the IPA did.
 *
 * The simulated IPA's steps (ipa @N ...) are refused in such a lab
 * (lab/steps_ipa.c). */
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_euicc.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/clock.h"
#include "core/err.h"
#include "eim/eim.h"
#include "eim/registry.h"
#include "sim/euicc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_TICK_MS 20
#define WAIT_DEFAULT_MS 20000

/* one pending `eim @N wait-results` at a time */
struct lab_ext_ipa {
	struct event *tick;
	struct step_ctx *ctx;
	struct lab *lab;
	char eid[EIM_EID_DIGITS + 1];
	unsigned dev;
	uint64_t start_ms, waited_ms, timeout_ms;	/* real time (monotonic) */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether every package of eid has its result; what is still open in why. */
static bool all_answered(struct eim_server *s, const char *eid, size_t *n_out, char *why,
			 size_t whylen)
{
	struct eim_pkg *v = NULL;
	size_t n = 0;
	bool done;
	int rc = eim_server_packages(s, eid, &v, &n);

	*n_out = n;
	if (rc < 0) {
		snprintf(why, whylen, "the eIM's registry: %s", sgp_strerror(rc));
		return false;
	}
	done = n > 0;
	if (!n)
		snprintf(why, whylen, "the eIM has no package for %s", eid);
	for (size_t i = 0; i < n && done; i++) {
		if (v[i].state == EIM_PKG_RESULT_RECEIVED)
			continue;
		done = false;
		snprintf(why, whylen, "package %lld (%s) is still %s: %s", (long long)v[i].id,
			 eim_pkg_kind_name(v[i].kind), eim_pkg_state_name(v[i].state),
			 v[i].state == EIM_PKG_QUEUED ? "the IPA has not fetched it"
						      : "the IPA fetched it but sent no result");
	}
	eim_pkg_list_free(v, n);
	return done;
}

static void wait_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lab_ext_ipa *x = arg;
	struct step_ctx *ctx = x->ctx;
	static const struct timeval tv = { 0, WAIT_TICK_MS * 1000 };
	char why[300] = "", err[256] = "";
	struct eim_server *s = lab_eim_server(x->lab, err, sizeof(err));
	size_t n = 0;

	(void)fd; (void)what;
	if (!ctx)
		return;
	if (s && all_answered(s, x->eid, &n, why, sizeof(why))) {
		x->ctx = NULL;
		step_done(ctx, true, "%zu package%s, each with its result (after %llu ms)", n,
			  n == 1 ? "" : "s", (unsigned long long)x->waited_ms);
		return;
	}
	x->waited_ms = mono_ms() - x->start_ms;
	if (!s) {
		x->ctx = NULL;
		step_done(ctx, false, "%s", err);
		return;
	}
	if (x->waited_ms >= x->timeout_ms) {
		char refusal[400] = "";

		if (eim_server_last_refusal(s, x->eid, refusal + 2, sizeof(refusal) - 2) == SGP_OK)
			memcpy(refusal, "; ", 2);
		x->ctx = NULL;
		step_done(ctx, false, "%s%s (waited %llu ms of real time%s)", why, refusal,
			  (unsigned long long)x->timeout_ms,
			  !x->lab->ipa_host[0] ? "" :
			  lab_euicc_ipa_linked(x->lab, x->dev) ? "; the eUICC is linked to the IPA's reader"
			  : "; the eUICC is not linked to the IPA's reader");
		return;
	}
	event_add(x->tick, &tv);
}

static int wait_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "timeout", NULL };
	const char *v = step_arg(st, "timeout");
	uint64_t ms;

	if (st->argc < 3 || step_device(st->argv[1], LAB_MAX_DEVICES) < 0 ||
	    strcmp(st->argv[2], "wait-results")) {
		snprintf(err, errlen, "expected: eim @N wait-results [timeout=DURATION]");
		return -1;
	}
	if (step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (v && (sgp_duration_parse(v, &ms) < 0 || ms == 0 || ms > 600000)) {
		snprintf(err, errlen, "timeout= is a duration up to 10m, e.g. 20s");
		return -1;
	}
	return 0;
}

static enum step_result wait_run(struct lab *lab, const struct scn_step *st,
				 struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[1], LAB_MAX_DEVICES);
	struct lab_ext_ipa *x = lab->ext_ipa;
	const char *v = step_arg(st, "timeout");
	char err[256] = "";
	struct euicc *e = lab_eim_server(lab, err, sizeof(err)) ?
			  lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;

	if (!e) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!x && !(x = lab->ext_ipa = calloc(1, sizeof(*x)))) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	if (!x->tick && !(x->tick = evtimer_new(lab->base, wait_tick, x))) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	x->lab = lab;
	x->dev = dev;
	x->ctx = ctx;
	x->start_ms = mono_ms();
	x->waited_ms = 0;
	x->timeout_ms = WAIT_DEFAULT_MS;
	if (v)
		sgp_duration_parse(v, &x->timeout_ms);
	snprintf(x->eid, sizeof(x->eid), "%s", euicc_eid(e));
	event_active(x->tick, EV_TIMEOUT, 0);
	return STEP_PENDING;
}

static void ext_ipa_teardown(struct lab *lab)
{
	struct lab_ext_ipa *x = lab->ext_ipa;

	if (!x)
		return;
	if (x->tick)
		event_free(x->tick);
	free(x);
	lab->ext_ipa = NULL;
}

static const struct step_def ext_ipa_defs[] = {
	{ .keyword = "eim", .object = "wait-results",
	  .usage = "eim @N wait-results [timeout=DURATION]",
	  .help = "Wait (real time, default 20s; run --step-timeout bounds it too) until every package "
		  "the lab eIM queued for device N has its result: for an external IPA (lab ... "
		  "ipa=HOST:PORT) that polls on its own.",
	  .check = wait_check, .run = wait_run },
};

const struct step_table steps_external_ipa = {
	.defs = ext_ipa_defs,
	.count = sizeof(ext_ipa_defs) / sizeof(ext_ipa_defs[0]),
	.teardown = ext_ipa_teardown,
};
