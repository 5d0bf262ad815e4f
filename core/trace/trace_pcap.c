/* sgp32lab: the trace as a libpcap capture for Wireshark.
 *
 * Each recorded message becomes TCP segments of a synthetic IPv4 packet
 * stream (pcap.c), one TCP connection per real connection:
 *
 * - HTTP: the client's and the server's real addresses when the trace
 *   knows them (a client whose own address is not known gets a stable
 *   made-up port, PORT_SYNTH_FIRST and up, per client/server pair).  The
 *   payload is the plaintext the endpoints saw, rebuilt as HTTP/1.1: the
 *   request or status line, then Host, Content-Type and Content-Length
 *   only (the trace keeps no other header), then the body.  A body the
 *   trace capped is cut there, and the message says so in an
 *   X-Sgp32lab-Truncated header.  The TLS around it is not re-created.
 * - APDUs: a vpcd link (vsmartcard's framing: a 2-byte big-endian length,
 *   then the message), the reader on 127.0.0.1:35963 and the card on a
 *   made-up port; Wireshark shows it as TCP data.
 *
 * An exchange both ends recorded (our client calling our server) is
 * written once, as the HTML page does.  A request that got no answer (a
 * transport error) has no answer packets.  Addresses that are not IPv4
 * (IPv6, host names) become 127.0.0.1 with their port. */
#include "core/trace/trace.h"
#include "core/trace/pcap.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/http_reason.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define LOOPBACK 0x7f000001u
#define VPCD_PORT 35963		/* vsmartcard's vpcd reader port */
#define PORT_SYNTH_FIRST 61000	/* above Linux's ephemeral range (32768-60999) */

struct conn {
	char client[128], server[128];	/* what identifies the connection */
	struct pcap_flow fl;
	bool retired;			/* its lab is gone (a scenario ended) */
};

struct cap {
	struct pcap_out out;
	struct conn *c;
	size_t n;
	long *ev_conn;		/* per event: the connection it went over, -1 */
	unsigned next_synth;
};

static int buf_printf(struct sgp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	int rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SGP_ERR_INVAL;
	if ((rc = sgp_buf_reserve(b, (size_t)n + 1)) < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return SGP_OK;
}

/* Text from a peer in a header line: control characters (CR and LF
 * above all) become '?', so a hostile path cannot add lines; spaces too
 * when the field may not hold one. */
static int buf_clean(struct sgp_buf *b, const char *s, bool spaces)
{
	int rc = SGP_OK;

	for (; *s && rc == SGP_OK; s++) {
		unsigned char ch = (unsigned char)*s;

		rc = sgp_buf_append_byte(b, ch < 0x20 || ch == 0x7f || (ch == ' ' && !spaces) ?
					 '?' : ch);
	}
	return rc;
}

/* "a.b.c.d:port" (or any host with a port) to an IPv4 address and port;
 * false without a usable port. */
static bool endpoint_parse(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	struct in_addr in;
	unsigned long p;

	if (!colon || !colon[1])
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p == 0 || p > 65535)
		return false;
	*port = (uint16_t)p;
	*addr = LOOPBACK;
	if ((size_t)(colon - s) < sizeof(host)) {
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		if (inet_pton(AF_INET, host, &in) == 1)
			*addr = ntohl(in.s_addr);
	}
	return true;
}

static uint16_t synth_port(struct cap *c)
{
	uint16_t p = (uint16_t)(PORT_SYNTH_FIRST + c->next_synth);

	c->next_synth = (c->next_synth + 1) % (65536 - PORT_SYNTH_FIRST);
	return p;
}

/* The connection between client and server (made-up ports for ends whose
 * string has none; server_port instead when it is not 0). */
static long conn_get(struct cap *c, const char *client, const char *server,
		     uint16_t server_port)
{
	struct conn *v, *x;
	uint32_t a0, a1;
	uint16_t p0, p1;

	for (size_t i = 0; i < c->n; i++)
		if (!c->c[i].retired && !strcmp(c->c[i].client, client) &&
		    !strcmp(c->c[i].server, server))
			return (long)i;
	v = realloc(c->c, (c->n + 1) * sizeof(*v));
	if (!v)
		return SGP_ERR_NOMEM;
	c->c = v;
	x = &c->c[c->n];
	memset(x, 0, sizeof(*x));
	snprintf(x->client, sizeof(x->client), "%s", client);
	snprintf(x->server, sizeof(x->server), "%s", server);
	if (!endpoint_parse(client, &a0, &p0)) {
		a0 = LOOPBACK;
		p0 = synth_port(c);
	}
	if (server_port) {
		a1 = LOOPBACK;
		p1 = server_port;
	} else if (!endpoint_parse(server, &a1, &p1)) {
		a1 = LOOPBACK;
		p1 = synth_port(c);
	}
	pcap_flow_init(&x->fl, a0, p0, a1, p1);
	return (long)c->n++;
}

/* A server record of a message one of our clients recorded too. */
static bool seen_by_our_client(const struct trace_event *srv)
{
	const char *sp = strrchr(srv->local, ':');

	for (size_t i = 0; i < trace_event_count(); i++) {
		const struct trace_event *e = trace_event_at(i);
		const char *cp;

		if (e->kind != TRACE_HTTP_CLIENT || e->response || !e->local[0] ||
		    strcmp(e->local, srv->peer))
			continue;
		cp = strrchr(e->peer, ':');
		if (cp && sp && !strcmp(cp, sp))
			return true;
	}
	return false;
}


/* The message as HTTP/1.1 bytes; host: the server's host:port. */
static int http_bytes(const struct trace_event *e, const char *host, struct sgp_buf *b)
{
	bool len_header = true;
	int rc;

	if (!e->response) {
		rc = buf_clean(b, e->method ? e->method : "POST", false);
		if (!rc)
			rc = sgp_buf_append_byte(b, ' ');
		if (!rc)
			rc = buf_clean(b, e->path && e->path[0] ? e->path : "/", false);
		if (!rc)
			rc = buf_printf(b, " HTTP/1.1\r\nHost: ");
		if (!rc)
			rc = buf_clean(b, host, false);
		if (!rc)
			rc = buf_printf(b, "\r\n");
		len_header = e->body_len || !e->method ||
			     (strcmp(e->method, "GET") && strcmp(e->method, "HEAD"));
	} else {
		rc = buf_printf(b, "HTTP/1.1 %03d %s\r\n", e->status,
				sgp_http_reason_phrase(e->status));
		len_header = e->status != 204 && e->status != 304 && e->status >= 200;
	}
	if (!rc && e->content_type) {
		rc = buf_printf(b, "Content-Type: ");
		if (!rc)
			rc = buf_clean(b, e->content_type, true);
		if (!rc)
			rc = buf_printf(b, "\r\n");
	}
	if (!rc && len_header)
		rc = buf_printf(b, "Content-Length: %zu\r\n", e->body_len);
	if (!rc && e->body_len < e->full_len)
		rc = buf_printf(b, "X-Sgp32lab-Truncated: %zu of %zu bytes recorded\r\n",
				e->body_len, e->full_len);
	if (!rc)
		rc = buf_printf(b, "\r\n");
	if (!rc && e->body_len)
		rc = sgp_buf_append(b, e->body, e->body_len);
	return rc;
}

static int on_http(struct cap *c, size_t i, const struct trace_event *e)
{
	struct sgp_buf b = SGP_BUF_INIT;
	char client[128];
	const char *server, *host;
	long k;
	int rc = SGP_OK;

	if (e->response) {
		if (e->req < 0 || c->ev_conn[e->req] < 0 || !e->status)
			return SGP_OK;	/* not written, or no answer came */
		k = c->ev_conn[e->req];
		host = c->c[k].server;
	} else {
		if (e->kind == TRACE_HTTP_SERVER && seen_by_our_client(e))
			return SGP_OK;
		if (e->kind == TRACE_HTTP_CLIENT) {
			if (e->local[0])
				snprintf(client, sizeof(client), "%s", e->local);
			else	/* its own address unknown: one made-up port per pair */
				snprintf(client, sizeof(client), "~%s", e->name);
			server = e->peer;
		} else {
			snprintf(client, sizeof(client), "%s", e->peer);
			server = e->local[0] ? e->local : e->name;
		}
		k = conn_get(c, client, server, 0);
		if (k < 0)
			return (int)k;
		c->ev_conn[i] = k;
		host = server;
	}
	rc = http_bytes(e, host, &b);
	if (rc == SGP_OK)
		rc = pcap_flow_send(&c->out, &c->c[k].fl, e->response ? 1 : 0, b.data, b.len,
				    e->t_ms * 1000);
	sgp_buf_free(&b);
	return rc;
}

/* An APDU or vpcd control message: the reader (server end) sends, the
 * card (client end) answers. */
static int on_apdu(struct cap *c, size_t i, const struct trace_event *e)
{
	struct sgp_buf b = SGP_BUF_INIT;
	char client[128], server[128];
	size_t len = e->body_len > 0xffff ? 0xffff : e->body_len;
	long k;
	int rc;

	if (e->response) {
		if (e->req < 0 || c->ev_conn[e->req] < 0 || (!e->body && e->note))
			return SGP_OK;	/* no answer: the link dropped */
		k = c->ev_conn[e->req];
	} else {
		snprintf(client, sizeof(client), "~card %s", e->peer);
		snprintf(server, sizeof(server), "~reader %s", e->name);
		k = conn_get(c, client, server, VPCD_PORT);
		if (k < 0)
			return (int)k;
		c->ev_conn[i] = k;
	}
	rc = sgp_buf_append_byte(&b, (uint8_t)(len >> 8));
	if (!rc)
		rc = sgp_buf_append_byte(&b, (uint8_t)len);
	if (!rc && len)
		rc = sgp_buf_append(&b, e->body, len);
	if (!rc)
		rc = pcap_flow_send(&c->out, &c->c[k].fl, e->response ? 0 : 1, b.data, b.len,
				    e->t_ms * 1000);
	sgp_buf_free(&b);
	return rc;
}

/* End every open connection (FIN exchange) and forget them. */
static int close_all(struct cap *c)
{
	int rc = SGP_OK;

	for (size_t i = 0; i < c->n; i++) {
		if (c->c[i].retired)
			continue;
		if (rc == SGP_OK)
			rc = pcap_flow_close(&c->out, &c->c[i].fl);
		c->c[i].retired = true;
	}
	return rc;
}

int trace_pcap_write(FILE *f, bool marks_end_flows)
{
	struct cap c = { .n = 0 };
	size_t n = trace_event_count();
	int rc = pcap_out_start(&c.out, f);

	c.ev_conn = malloc((n ? n : 1) * sizeof(*c.ev_conn));
	if (!c.ev_conn)
		rc = rc < 0 ? rc : SGP_ERR_NOMEM;
	for (size_t i = 0; i < n && c.ev_conn; i++)
		c.ev_conn[i] = -1;
	for (size_t i = 0; i < n && rc == SGP_OK; i++) {
		const struct trace_event *e = trace_event_at(i);

		switch (e->kind) {
		case TRACE_MARK:
			if (marks_end_flows)
				rc = close_all(&c);
			break;
		case TRACE_HTTP_CLIENT:
		case TRACE_HTTP_SERVER:
			rc = on_http(&c, i, e);
			break;
		case TRACE_APDU:
			rc = on_apdu(&c, i, e);
			break;
		}
	}
	if (rc == SGP_OK)
		rc = close_all(&c);
	if (rc == SGP_OK && (fflush(f) != 0 || ferror(f)))
		rc = SGP_ERR_IO;
	free(c.c);
	free(c.ev_conn);
	return rc;
}

int trace_pcap_write_file(const char *path, bool marks_end_flows)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (!f)
		return SGP_ERR_IO;
	rc = trace_pcap_write(f, marks_end_flows);
	if (fclose(f) != 0 && rc == SGP_OK)
		rc = SGP_ERR_IO;
	return rc;
}
