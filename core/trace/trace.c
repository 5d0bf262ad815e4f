/* sgp32lab: the trace sink (see trace.h) */
#include "core/trace/trace.h"
#include "core/clock.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

bool trace_active;

static struct {
	struct trace_event *v;
	size_t n, cap;
	size_t body_cap;
	const struct sgp_clock *clock;
	long last_mark;
} sink = { .last_mark = -1 };

static void event_free(struct trace_event *e)
{
	free(e->name);
	free(e->peer);
	free(e->method);
	free(e->path);
	free(e->content_type);
	free(e->body);
	free(e->note);
}

int trace_start(size_t body_cap)
{
	trace_stop();
	sink.body_cap = body_cap ? body_cap : TRACE_BODY_CAP_DEFAULT;
	trace_active = true;
	return SGP_OK;
}

void trace_stop(void)
{
	for (size_t i = 0; i < sink.n; i++)
		event_free(&sink.v[i]);
	free(sink.v);
	sink.v = NULL;
	sink.n = sink.cap = 0;
	sink.last_mark = -1;
	trace_active = false;
}

void trace_set_clock(const struct sgp_clock *clock)
{
	sink.clock = clock;
}

void trace_clock_gone(const struct sgp_clock *clock)
{
	if (sink.clock == clock)
		sink.clock = NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A new zeroed event at the end, or NULL. */
static struct trace_event *event_add(enum trace_kind kind)
{
	struct trace_event *e;

	if (sink.n == sink.cap) {
		size_t cap = sink.cap ? 2 * sink.cap : 256;
		struct trace_event *v = realloc(sink.v, cap * sizeof(*v));

		if (!v)
			return NULL;
		sink.v = v;
		sink.cap = cap;
	}
	e = &sink.v[sink.n];
	memset(e, 0, sizeof(*e));
	e->seq = sink.n;
	e->kind = kind;
	e->req = -1;
	e->t_ms = sink.clock ? sgp_clock_now_ms(sink.clock) : 0;
	return e;
}

/* Copy the body (capped).  false when out of memory. */
static bool event_body(struct trace_event *e, const uint8_t *body, size_t len)
{
	size_t keep = len < sink.body_cap ? len : sink.body_cap;

	e->full_len = len;
	if (!body || !len)
		return true;
	e->body = malloc(keep);
	if (!e->body)
		return false;
	memcpy(e->body, body, keep);
	e->body_len = keep;
	return true;
}

/* Keep the event just filled in, or drop it when a copy failed. */
static long event_commit(struct trace_event *e, bool ok)
{
	if (!ok) {
		event_free(e);
		return -1;
	}
	sink.n++;
	return (long)e->seq;
}

void trace_mark(const char *title)
{
	struct trace_event *e;

	if (!trace_active || !(e = event_add(TRACE_MARK)))
		return;
	e->name = strdup(title ? title : "");
	if (event_commit(e, e->name != NULL) >= 0)
		sink.last_mark = (long)e->seq;
}

void trace_mark_outcome(const char *outcome)
{
	struct trace_event *e;
	char *s;

	if (!trace_active || sink.last_mark < 0 || !outcome)
		return;
	e = &sink.v[sink.last_mark];
	s = strdup(outcome);
	if (!s)
		return;
	free(e->note);
	e->note = s;
}

long trace_http(enum trace_kind kind, long req, const char *name, const char *local,
		const char *peer, const char *method, const char *path, int status,
		const char *content_type, const uint8_t *body, size_t len,
		const char *note)
{
	struct trace_event *e;
	bool ok;

	if (!trace_active || (kind != TRACE_HTTP_CLIENT && kind != TRACE_HTTP_SERVER))
		return -1;
	if (!(e = event_add(kind)))
		return -1;
	e->response = req >= 0;
	e->req = req >= 0 && (size_t)req < sink.n ? req : -1;
	e->name = strdup(name ? name : "?");
	e->peer = strdup(peer ? peer : "?");
	if (local)
		snprintf(e->local, sizeof(e->local), "%s", local);
	e->method = dup_or_null(method);
	e->path = dup_or_null(path);
	e->status = status;
	e->content_type = dup_or_null(content_type);
	e->note = dup_or_null(note);
	ok = e->name && e->peer && (!method || e->method) && (!path || e->path) &&
	     (!content_type || e->content_type) && (!note || e->note) &&
	     event_body(e, body, len);
	return event_commit(e, ok);
}

void trace_set_local(long ev, const char *local)
{
	if (!trace_active || ev < 0 || (size_t)ev >= sink.n || !local)
		return;
	snprintf(sink.v[ev].local, sizeof(sink.v[ev].local), "%s", local);
}

long trace_apdu(long req, const char *reader, const char *card, const uint8_t *data,
		size_t len)
{
	struct trace_event *e;
	bool ok;

	if (!trace_active || !(e = event_add(TRACE_APDU)))
		return -1;
	e->response = req >= 0;
	e->req = req >= 0 && (size_t)req < sink.n ? req : -1;
	e->name = strdup(reader ? reader : "reader");
	e->peer = strdup(card ? card : "card");
	if (e->response && !data)
		e->note = strdup("no answer: the link dropped");
	ok = e->name && e->peer && (!e->response || data || e->note) &&
	     event_body(e, data, len);
	return event_commit(e, ok);
}

size_t trace_event_count(void)
{
	return sink.n;
}

const struct trace_event *trace_event_at(size_t i)
{
	return i < sink.n ? &sink.v[i] : NULL;
}
