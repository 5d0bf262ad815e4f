/* sgp32lab: the lab clock and its timers.
 *
 * Every protocol timer (session timeouts, polling intervals, fallback
 * delays) runs on a struct sgp_clock rather than on wall time, so tests
 * and scenarios are deterministic: a simulated clock only moves when
 * sgp_clock_advance() is called, and then fires the due timers in order,
 * each one seeing "now" equal to its own expiry.  A clock attached to an
 * event_base instead follows real time (the `serve` sandbox).
 *
 * Times are milliseconds since the Unix epoch. */
#ifndef SGP_CORE_CLOCK_H
#define SGP_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct sgp_clock;

typedef void (*sgp_timer_cb)(void *arg);

struct sgp_timer {
	struct sgp_clock *clock;
	uint64_t expires;	/* absolute ms: simulated time, or CLOCK_MONOTONIC */
	uint64_t seq;		/* order among equal expiry times */
	sgp_timer_cb cb;
	void *arg;
	int heap_idx;		/* -1 when not armed */
};

/* A simulated clock starting at start_ms (e.g. 2026-01-01T00:00:00Z). */
struct sgp_clock *sgp_clock_new_simulated(uint64_t start_ms);
/* A clock that follows real time, firing timers from the event loop. */
struct sgp_clock *sgp_clock_new_realtime(struct event_base *base);
void sgp_clock_free(struct sgp_clock *clock);

bool sgp_clock_is_simulated(const struct sgp_clock *clock);
uint64_t sgp_clock_now_ms(const struct sgp_clock *clock);
time_t sgp_clock_now(const struct sgp_clock *clock);	/* seconds */

/* Simulated clocks only: move time forward by delta_ms, firing every timer
 * that falls due on the way (timers armed by those callbacks included).
 * Returns the number of timers fired, or a negative sgp_err. */
int sgp_clock_advance(struct sgp_clock *clock, uint64_t delta_ms);

void sgp_timer_init(struct sgp_timer *t, struct sgp_clock *clock,
		    sgp_timer_cb cb, void *arg);
/* (Re)arm to fire delay_ms from now. */
int sgp_timer_schedule(struct sgp_timer *t, uint64_t delay_ms);
void sgp_timer_cancel(struct sgp_timer *t);
bool sgp_timer_pending(const struct sgp_timer *t);

/* Parse a duration such as "250ms", "10s", "5m", "2h", "1d" (a bare number
 * is seconds).  Returns 0 and the value in ms, or SGP_ERR_PARSE. */
int sgp_duration_parse(const char *text, uint64_t *ms);

#endif
