/* sgp32lab: the lab clock and its timers (a binary min-heap) */
#include "core/clock.h"
#include "core/err.h"

#include <event2/event.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct sgp_clock {
	bool simulated;
	uint64_t sim_now;		/* simulated: the current time */
	struct event_base *base;	/* realtime: the loop that fires timers */
	struct event *ev;		/* realtime: set for the earliest timer */
	struct sgp_timer **heap;
	int n, cap;
	uint64_t next_seq;
};

static uint64_t wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* Real-time timers run on the monotonic clock, so a step of the wall clock
 * (NTP, a user) neither stalls nor fires them early; "now" is wall time. */
static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool earlier(const struct sgp_timer *a, const struct sgp_timer *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

static void heap_swap(struct sgp_clock *c, int i, int j)
{
	struct sgp_timer *t = c->heap[i];
	c->heap[i] = c->heap[j];
	c->heap[j] = t;
	c->heap[i]->heap_idx = i;
	c->heap[j]->heap_idx = j;
}

static void heap_up(struct sgp_clock *c, int i)
{
	while (i > 0 && earlier(c->heap[i], c->heap[(i - 1) / 2])) {
		heap_swap(c, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct sgp_clock *c, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < c->n && earlier(c->heap[l], c->heap[m]))
			m = l;
		if (r < c->n && earlier(c->heap[r], c->heap[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(c, i, m);
		i = m;
	}
}

static void heap_remove(struct sgp_clock *c, int i)
{
	c->heap[i]->heap_idx = -1;
	c->n--;
	if (i == c->n)
		return;
	c->heap[i] = c->heap[c->n];
	c->heap[i]->heap_idx = i;
	heap_down(c, i);
	heap_up(c, i);
}

static void realtime_rearm(struct sgp_clock *c);

static void realtime_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sgp_clock *c = arg;
	uint64_t now = mono_ms();

	(void)fd; (void)what;
	while (c->n > 0 && c->heap[0]->expires <= now) {
		struct sgp_timer *t = c->heap[0];
		heap_remove(c, 0);
		t->cb(t->arg);
	}
	realtime_rearm(c);
}

static void realtime_rearm(struct sgp_clock *c)
{
	struct timeval tv;
	uint64_t now, delay;

	if (c->simulated)
		return;
	if (c->n == 0) {
		event_del(c->ev);
		return;
	}
	now = mono_ms();
	delay = c->heap[0]->expires > now ? c->heap[0]->expires - now : 0;
	tv.tv_sec = (time_t)(delay / 1000);
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	event_add(c->ev, &tv);
}

struct sgp_clock *sgp_clock_new_simulated(uint64_t start_ms)
{
	struct sgp_clock *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->simulated = true;
	c->sim_now = start_ms;
	return c;
}

struct sgp_clock *sgp_clock_new_realtime(struct event_base *base)
{
	struct sgp_clock *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->base = base;
	c->ev = evtimer_new(base, realtime_fire, c);
	if (!c->ev) {
		free(c);
		return NULL;
	}
	return c;
}

void sgp_clock_free(struct sgp_clock *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		c->heap[i]->heap_idx = -1;
	if (c->ev)
		event_free(c->ev);
	free(c->heap);
	free(c);
}

bool sgp_clock_is_simulated(const struct sgp_clock *c)
{
	return c->simulated;
}

uint64_t sgp_clock_now_ms(const struct sgp_clock *c)
{
	return c->simulated ? c->sim_now : wall_ms();
}

time_t sgp_clock_now(const struct sgp_clock *c)
{
	return (time_t)(sgp_clock_now_ms(c) / 1000);
}

int sgp_clock_advance(struct sgp_clock *c, uint64_t delta_ms)
{
	uint64_t target;
	int fired = 0;

	if (!c->simulated)
		return SGP_ERR_STATE;
	if (delta_ms > UINT64_MAX - c->sim_now)
		return SGP_ERR_INVAL;
	target = c->sim_now + delta_ms;
	while (c->n > 0 && c->heap[0]->expires <= target) {
		struct sgp_timer *t = c->heap[0];
		if (t->expires > c->sim_now)
			c->sim_now = t->expires;
		heap_remove(c, 0);
		t->cb(t->arg);
		fired++;
	}
	c->sim_now = target;
	return fired;
}

void sgp_timer_init(struct sgp_timer *t, struct sgp_clock *clock,
		    sgp_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->clock = clock;
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = -1;
}

int sgp_timer_schedule(struct sgp_timer *t, uint64_t delay_ms)
{
	struct sgp_clock *c = t->clock;
	uint64_t now = c->simulated ? c->sim_now : mono_ms();

	if (t->heap_idx >= 0)
		heap_remove(c, t->heap_idx);
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		struct sgp_timer **h = realloc(c->heap, (size_t)cap * sizeof(*h));
		if (!h)
			return SGP_ERR_NOMEM;
		c->heap = h;
		c->cap = cap;
	}
	t->expires = delay_ms > UINT64_MAX - now ? UINT64_MAX : now + delay_ms;
	t->seq = c->next_seq++;
	t->heap_idx = c->n;
	c->heap[c->n++] = t;
	heap_up(c, t->heap_idx);
	if (t->heap_idx == 0)
		realtime_rearm(c);
	return SGP_OK;
}

void sgp_timer_cancel(struct sgp_timer *t)
{
	if (t->clock && t->heap_idx >= 0)
		heap_remove(t->clock, t->heap_idx);
}

bool sgp_timer_pending(const struct sgp_timer *t)
{
	return t->heap_idx >= 0;
}

int sgp_duration_parse(const char *text, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "min", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	char *end;
	unsigned long long v;

	if (!text || *text < '0' || *text > '9')
		return SGP_ERR_PARSE;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return SGP_ERR_PARSE;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			if (v > UINT64_MAX / units[i].ms)
				return SGP_ERR_PARSE;
			*ms = v * units[i].ms;
			return SGP_OK;
		}
	}
	return SGP_ERR_PARSE;
}
