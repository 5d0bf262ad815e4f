/* sgp32lab: the scenario runner
 *
 * A scenario runs in a fresh lab (own event loop, simulated clock, work
 * folder).  Steps run one after the other; a step that waits for the
 * network returns STEP_PENDING and the loop runs until it calls step_done().
 * Every step has a real-time limit so a silent peer fails the scenario
 * instead of hanging it.  The first failing step ends the scenario. */
#include "lab/runner.h"
#include "lab/lab.h"
#include "lab/step_ctx.h"
#include "core/err.h"
#include "core/log.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct run {
	const struct runner_opts *opts;
	const struct scenario *scn;
	struct scn_result *res;
	struct lab *lab;
	struct event_base *base;
	struct event *next_ev;		/* starts the next step from the loop */
	struct event *watchdog;
	size_t idx;			/* step being run */
	struct step_ctx *cur;
	struct step_ctx *owned;		/* every ctx of this run, freed at the end */
	bool failed;
	char *out;			/* accumulated step lines */
	size_t out_len;
};

static void out_append(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out_append(struct run *r, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t n;
	char *p;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fputs(line, r->opts->out);
	fflush(r->opts->out);
	n = strlen(line);
	p = realloc(r->out, r->out_len + n + 1);
	if (!p)
		return;
	memcpy(p + r->out_len, line, n + 1);
	r->out = p;
	r->out_len += n;
}

int runner_check(struct scenario *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->num_steps; i++) {
		struct scn_step *st = &s->steps[i];
		char msg[512] = "";

		st->def = step_lookup(st);
		if (!st->def) {
			snprintf(err, errlen, "%s:%u: unknown step '%s%s%s' (sgp32lab run --steps lists them)",
				 s->path, st->line, st->argv[0], st->argc > 1 ? " " : "",
				 st->argc > 1 ? st->argv[1] : "");
			return -1;
		}
		if (st->def->check && st->def->check(st, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%u: %s (usage: %s)", s->path, st->line, msg,
				 st->def->usage);
			return -1;
		}
	}
	return 0;
}

static void step_finished(struct step_ctx *ctx, bool ok)
{
	struct run *r = ctx->owner;
	const struct scn_step *st = &r->scn->steps[r->idx];

	event_del(r->watchdog);
	r->res->steps_run++;
	if (ok) {
		out_append(r, "  ok    %4u  %s%s%s\n", st->line, st->text,
			   ctx->msg[0] ? "  -- " : "", ctx->msg);
	} else {
		char m[1400];
		out_append(r, "  FAIL  %4u  %s\n          %s\n", st->line, st->text,
			   ctx->msg[0] ? ctx->msg : "failed");
		snprintf(m, sizeof(m), "%s:%u: %s: %s", r->scn->path, st->line, st->text,
			 ctx->msg[0] ? ctx->msg : "failed");
		r->res->message = strdup(m);
		r->res->fail_line = st->line;
		r->failed = true;
	}
	r->cur = NULL;
	r->idx++;
	event_active(r->next_ev, EV_TIMEOUT, 0);
}

static void watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	(void)fd; (void)what;
	if (r->cur)
		step_done(r->cur, false, "no answer within %u ms (step time limit)",
			  r->opts->step_timeout_ms);
}

static void next_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	const struct scn_step *st;
	struct timeval tv;

	(void)fd; (void)what;
	if (r->failed || r->idx >= r->scn->num_steps) {
		event_base_loopbreak(r->base);
		return;
	}
	st = &r->scn->steps[r->idx];
	r->cur = calloc(1, sizeof(*r->cur));
	if (!r->cur) {
		r->failed = true;
		event_base_loopbreak(r->base);
		return;
	}
	r->cur->next_owned = r->owned;
	r->owned = r->cur;
	r->cur->owner = r;
	r->cur->on_done = step_finished;
	tv.tv_sec = r->opts->step_timeout_ms / 1000;
	tv.tv_usec = (r->opts->step_timeout_ms % 1000) * 1000;
	event_add(r->watchdog, &tv);

	step_start(r->lab, st, r->cur);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void runner_run(const struct runner_opts *o, const struct scenario *s,
		struct scn_result *res)
{
	struct run r = { .opts = o, .scn = s, .res = res };
	double t0 = now_seconds();

	memset(res, 0, sizeof(*res));
	res->scn = s;
	out_append(&r, "%s (%s)\n", s->name, s->path);
	if (s->skip_reason) {
		out_append(&r, "  skip        %s\n", s->skip_reason);
		res->outcome = SCN_SKIPPED;
		res->message = strdup(s->skip_reason);
		goto out;
	}

	r.base = event_base_new();
	r.lab = r.base ? lab_new(r.base, true, NULL) : NULL;
	if (!r.lab) {
		res->message = strdup("could not set up the lab (event loop or work folder)");
		res->outcome = SCN_FAILED;
		if (r.base)
			event_base_free(r.base);
		goto out;
	}
	r.lab->keep_workdir = o->keep_workdir;
	r.next_ev = event_new(r.base, -1, 0, next_step_cb, &r);
	r.watchdog = evtimer_new(r.base, watchdog_cb, &r);
	event_active(r.next_ev, EV_TIMEOUT, 0);
	event_base_dispatch(r.base);

	if (r.cur) {	/* the loop ran dry while a step was pending */
		step_done(r.cur, false, "nothing left to wait for, yet the step did not finish");
		event_base_loop(r.base, EVLOOP_NONBLOCK);
	}
	res->outcome = r.failed ? SCN_FAILED : SCN_PASSED;
	step_tables_teardown(r.lab);
	if (r.lab->keep_workdir && r.lab->workdir)
		out_append(&r, "  note        work folder kept: %s\n", r.lab->workdir);
	lab_free(r.lab);
	while (r.owned) {
		struct step_ctx *next = r.owned->next_owned;
		free(r.owned);
		r.owned = next;
	}
	event_free(r.next_ev);
	event_free(r.watchdog);
	event_base_free(r.base);
out:
	res->seconds = now_seconds() - t0;
	res->output = r.out;
}

void runner_result_free(struct scn_result *res)
{
	free(res->message);
	free(res->output);
	memset(res, 0, sizeof(*res));
}
