/* sgp32lab: message traces — what crossed a socket during a run.
 *
 * A process-wide sink, off by default.  While it is on, core/http (server
 * and client side of every request and answer) and core/apdu (the reader
 * side of the vpcd APDU socket) hand it each message: who sent it, to
 * which address, the path or APDU, the status and the body (capped).  The
 * sink only keeps raw facts; naming the interface and function and
 * decoding the bodies is the writer's job (trace_html.c), after the run.
 *
 * Both ends of an HTTP exchange inside the process report it (the client
 * and the server).  The writer keeps one copy: a server-side record whose
 * peer address is the local address of one of our client connections is
 * the same message seen from the other end.
 *
 * Cost when off: one test of a global flag per message (trace_enabled()).
 * Threading: the event loop's thread only, like everything else.
 * Ownership: the sink owns the events; pointers from trace_event_at() stay
 * valid until trace_stop(). */
#ifndef SGP_CORE_TRACE_H
#define SGP_CORE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sgp_clock;

/* Bytes of each body kept (the rest is counted, not stored). */
#define TRACE_BODY_CAP_DEFAULT (64u * 1024)

enum trace_kind {
	TRACE_HTTP_CLIENT,	/* name: our client; peer: the URL's host:port */
	TRACE_HTTP_SERVER,	/* name: our server; peer: the client's ip:port */
	TRACE_APDU,		/* name: the reader ("ipa"); peer: the card ("euicc") */
	TRACE_MARK,		/* a scenario starts: name is its title */
};

struct trace_event {
	uint64_t t_ms;		/* lab clock when recorded (0 without a clock) */
	unsigned long seq;	/* order of recording, from 0 */
	enum trace_kind kind;
	bool response;		/* an answer; req is the index of its request */
	long req;		/* -1 for requests */
	char *name;		/* our end's role name */
	char *peer;		/* the other end (address or role name) */
	char local[64];		/* HTTP: our end's ip:port when known, else "" */
	char *method;		/* HTTP method; NULL for APDUs */
	char *path;		/* HTTP path; NULL for APDUs */
	int status;		/* HTTP status of an answer, 0 if none (transport error) */
	char *content_type;	/* may be NULL */
	uint8_t *body;		/* first body_len bytes */
	size_t body_len;
	size_t full_len;	/* the whole body's length */
	char *note;		/* TRACE_MARK: the outcome; else a transport error or NULL */
};

extern bool trace_active;

static inline bool trace_enabled(void)
{
	return trace_active;
}

/* Turn the sink on (events from an earlier start are dropped).  body_cap 0:
 * TRACE_BODY_CAP_DEFAULT. */
int trace_start(size_t body_cap);
/* Turn it off and free every event. */
void trace_stop(void);

/* The clock that stamps events (the lab's); NULL: time 0.  The owner of a
 * clock calls trace_clock_gone() before freeing it. */
void trace_set_clock(const struct sgp_clock *clock);
void trace_clock_gone(const struct sgp_clock *clock);

/* A scenario separator titled title; trace_mark_outcome() sets the outcome
 * ("PASS", "FAIL: why") of the last mark. */
void trace_mark(const char *title);
void trace_mark_outcome(const char *outcome);

/* One HTTP message.  For a request, req is -1; for an answer, the index
 * the request's record returned.  status 0 with note: no answer came (the
 * transport error in note).  Returns the event's index, or -1 when the
 * sink is off or out of memory (tracing never fails the caller). */
long trace_http(enum trace_kind kind, long req, const char *name, const char *local,
		const char *peer, const char *method, const char *path, int status,
		const char *content_type, const uint8_t *body, size_t len,
		const char *note);
/* Our end's address became known after the request was recorded. */
void trace_set_local(long ev, const char *local);

/* One APDU (or vpcd control message, 1 byte) from reader to card, req -1;
 * or the card's answer to request req (data NULL: none came). */
long trace_apdu(long req, const char *reader, const char *card, const uint8_t *data,
		size_t len);

size_t trace_event_count(void);
const struct trace_event *trace_event_at(size_t i);

/* --- the HTML page (trace_html.c) --- */

/* Write the events as one self-contained HTML page (inline CSS and SVG, no
 * scripts, no external resources) with a sequence diagram, every message
 * decoded, and a machine-readable copy in
 * <script type="application/json" id="sgp32lab-trace">. */
int trace_html_write(FILE *f, const char *title);
int trace_html_write_file(const char *path, const char *title);

/* Text escaped for HTML content and attribute values (& < > " '). */
void trace_html_escape(FILE *f, const char *s, size_t len);
/* Text escaped for a JSON string inside a <script> element: besides JSON's
 * own escapes, < > & become \u003c \u003e \u0026, so no "</script>" can
 * appear. */
void trace_json_escape(FILE *f, const char *s, size_t len);

/* --- the capture (trace_pcap.c, packets by pcap.c) --- */

/* Write the events as a classic libpcap file (link type IPv4) for
 * Wireshark: synthetic TCP connections (the real IPv4 addresses and ports
 * where the trace knows them, else 127.0.0.1 and made-up ports) carrying
 * the plaintext HTTP messages as the endpoints saw them (request or status
 * line, Host, Content-Type, Content-Length, body; not the TLS records) and
 * the vpcd APDU frames on port 35963, timed by the lab clock.  marks_end_flows: each mark starts
 * a new lab (`sgp32lab run`), so the connections before it end there.
 * SGP_ERR_IO when writing fails. */
int trace_pcap_write(FILE *f, bool marks_end_flows);
int trace_pcap_write_file(const char *path, bool marks_end_flows);

/* Interface and function of an event (trace_classify.c): e.g. "ES9+" and
 * "initiateAuthentication" for POST /gsma/rsp2/es9plus/initiateAuthentication.
 * ctx carries what an APDU needs from the messages before it. */
struct trace_es10_ctx {
	char last_fn[48];	/* function of the last STORE DATA command */
};
void trace_classify(const struct trace_event *ev, const struct trace_event *req,
		    struct trace_es10_ctx *ctx, char *iface, size_t ilen, char *fn,
		    size_t flen);
/* ES10 / ESipa function name for an outermost tag ('BF2E' -> 0xBF2E), or
 * NULL. */
const char *trace_fn_by_tag(uint32_t tag);

#endif
