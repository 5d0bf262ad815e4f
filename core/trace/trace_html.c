/* sgp32lab: the trace as one self-contained HTML page.
 *
 * Layout: the scenarios of the run, a sequence diagram (inline SVG: one
 * lifeline per participant in order of first appearance, one arrow per
 * message labelled "interface function", answers dashed, a band per
 * scenario), then every message with its time and decoded content
 * (<details id="mN">, the arrows link there), and the same data for
 * programs in <script type="application/json" id="sgp32lab-trace">.
 * No script runs, no resource is fetched: the page opens offline. */
#include "core/trace/trace_int.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARTICIPANTS 32
#define COL_W 170		/* lifeline spacing */
#define ROW_H 24
#define TOP 50
#define LEFT 110		/* the time column */

struct msg {
	const struct trace_event *ev;
	const struct trace_event *req;
	const char *from, *to;
	int pf, pt;		/* participant indexes */
	char iface[24];
	char fn[72];
	long scenario;		/* index into the marks, -1 before the first */
};

struct page {
	struct msg *m;
	size_t n;
	const char *part[MAX_PARTICIPANTS];
	int n_part;
	/* our client connections' addresses, and the server each one reached */
	struct link {
		const char *local;	/* the client's ip:port */
		unsigned port;		/* the port it called */
		const char *server;
	} *links;
	size_t n_links;
	char (*peer_ip)[64];	/* external clients' addresses without the port */
	size_t n_marks;
};

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n;
	unsigned min, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, min = 0x80, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, min = 0x800, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Bytes that are not text (malformed UTF-8, control characters) become
 * U+FFFD, so the page stays well-formed whatever a peer sent. */
void trace_html_escape(FILE *f, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		size_t n;

		switch (u[i]) {
		case '&': fputs("&amp;", f); continue;
		case '<': fputs("&lt;", f); continue;
		case '>': fputs("&gt;", f); continue;
		case '"': fputs("&quot;", f); continue;
		case '\'': fputs("&#39;", f); continue;
		case '\n': case '\t': case '\r': fputc(u[i], f); continue;
		}
		n = u[i] < 0x20 || u[i] == 0x7F ? 0 : utf8_seq(u + i, len - i);
		if (!n) {
			fputs("&#xFFFD;", f);
			continue;
		}
		fwrite(u + i, 1, n, f);
		i += n - 1;
	}
}

static void esc(FILE *f, const char *s)
{
	trace_html_escape(f, s, strlen(s));
}

void trace_json_escape(FILE *f, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = u[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c == '<' || c == '>' || c == '&' || c < 0x20 || c == 0x7F) {
			fprintf(f, "\\u%04x", c);
		} else if (!(n = utf8_seq(u + i, len - i))) {
			fputs("\\ufffd", f);	/* not UTF-8: JSON text must be */
		} else {
			fwrite(u + i, 1, n, f);
			i += n - 1;
		}
	}
}

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	trace_json_escape(f, s, strlen(s));
	fputc('"', f);
}

static int participant(struct page *p, const char *name)
{
	for (int i = 0; i < p->n_part; i++)
		if (!strcmp(p->part[i], name))
			return i;
	if (p->n_part == MAX_PARTICIPANTS)
		return MAX_PARTICIPANTS - 1;	/* the last column takes the rest */
	p->part[p->n_part] = name;
	return p->n_part++;
}

static unsigned port_of(const char *addr)
{
	const char *c = strrchr(addr, ':');

	return c ? (unsigned)strtoul(c + 1, NULL, 10) : 0;
}

/* The connection from local to port (an ephemeral port may come back
 * later in a long run, for another connection: the called port tells
 * them apart), NULL if none of our clients made it. */
static struct link *link_find(const struct page *p, const char *local, unsigned port)
{
	for (size_t i = 0; local[0] && i < p->n_links; i++)
		if (p->links[i].port == port && !strcmp(p->links[i].local, local))
			return &p->links[i];
	return NULL;
}

/* Name of the server a client event reached ("" if it is not ours), or
 * NULL for a server event whose client is not ours. */
static const char *link_server(const struct page *p, const struct trace_event *e)
{
	const struct link *l = e->kind == TRACE_HTTP_CLIENT ?
		link_find(p, e->local, port_of(e->peer)) :
		link_find(p, e->peer, port_of(e->local));

	return !l ? NULL : l->server ? l->server : "";
}

/* Pass 1: our clients' connections; then the servers they reached. */
static int collect_links(struct page *p, size_t n)
{
	p->links = calloc(n ? n : 1, sizeof(*p->links));
	if (!p->links)
		return SGP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct trace_event *e = trace_event_at(i);

		if (e->kind == TRACE_HTTP_CLIENT && e->local[0] &&
		    !link_find(p, e->local, port_of(e->peer))) {
			p->links[p->n_links].local = e->local;
			p->links[p->n_links++].port = port_of(e->peer);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct trace_event *e = trace_event_at(i);
		struct link *l;

		if (e->kind == TRACE_HTTP_SERVER &&
		    (l = link_find(p, e->peer, port_of(e->local))))
			l->server = e->name;
	}
	return SGP_OK;
}

/* Pass 2: the messages to show, with both ends named. */
static int build(struct page *p)
{
	size_t n = trace_event_count();
	long scenario = -1;
	struct trace_es10_ctx ctx = { { 0 } };
	int rc = collect_links(p, n);

	if (rc < 0)
		return rc;
	p->m = calloc(n ? n : 1, sizeof(*p->m));
	p->peer_ip = calloc(n ? n : 1, sizeof(*p->peer_ip));
	if (!p->m || !p->peer_ip)
		return SGP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct trace_event *e = trace_event_at(i);
		struct msg *m = &p->m[p->n];
		const char *self = e->name, *other = e->peer;

		if (e->kind == TRACE_HTTP_SERVER && link_server(p, e))
			continue;	/* the client's record of it is kept */
		m->ev = e;
		m->req = e->response ? trace_event_at((size_t)e->req) : NULL;
		if (e->kind == TRACE_MARK) {
			scenario = (long)p->n_marks++;
			m->scenario = scenario;
			p->n++;
			continue;
		}
		m->scenario = scenario;
		if (e->kind == TRACE_HTTP_CLIENT) {
			const char *srv = link_server(p, e);

			if (srv && *srv)
				other = srv;
		} else if (e->kind == TRACE_HTTP_SERVER) {
			/* an external client: its address without the port,
			 * which changes with every connection */
			char *ip = p->peer_ip[p->n];
			char *colon;

			snprintf(ip, 64, "%s", e->peer);
			colon = strrchr(ip, ':');
			if (colon)
				*colon = '\0';
			other = ip;
		}
		/* a server receives requests and sends answers */
		if ((e->kind == TRACE_HTTP_SERVER) != e->response) {
			m->from = other;
			m->to = self;
		} else {
			m->from = self;
			m->to = other;
		}
		trace_classify(e, m->req, &ctx, m->iface, sizeof(m->iface), m->fn, sizeof(m->fn));
		p->n++;
	}
	/* lifelines in order of first appearance */
	for (size_t i = 0; i < p->n; i++) {
		if (p->m[i].ev->kind == TRACE_MARK)
			continue;
		p->m[i].pf = participant(p, p->m[i].from);
		p->m[i].pt = participant(p, p->m[i].to);
	}
	return SGP_OK;
}

static void page_free(struct page *p)
{
	free(p->m);
	free(p->links);
	free(p->peer_ip);
}

static void fmt_time(char *buf, size_t len, uint64_t t_ms)
{
	time_t s = (time_t)(t_ms / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "?");
	else
		snprintf(buf + strlen(buf), len - strlen(buf), ".%03u", (unsigned)(t_ms % 1000));
}

static const char style[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
	"svg text{font-family:sans-serif;font-size:12px}"
	".life{stroke:#999;stroke-dasharray:2 3}"
	".box{fill:#eef3fb;stroke:#4a6fa5}"
	".req{stroke:#1f4e9c;stroke-width:1.3}"
	".rsp{stroke:#2b8a3e;stroke-width:1.3;stroke-dasharray:5 3}"
	".err{stroke:#c92a2a}"
	".band{fill:#f4f4f4;stroke:#ccc}"
	"a text:hover{text-decoration:underline}"
	"details{border-bottom:1px solid #ddd;padding:2px 0}"
	"summary{cursor:pointer;font-family:monospace}"
	"pre{background:#f8f8f8;padding:6px;overflow-x:auto;font-size:12px}"
	".type{color:#1f4e9c;font-weight:bold}"
	".meta{color:#666;font-size:12px}"
	"h3.scn{font-size:1em;background:#f4f4f4;padding:4px}";

/* SW1 SW2 of an APDU answer, -1 if none. */
static int apdu_sw(const struct trace_event *e)
{
	if (e->kind != TRACE_APDU || !e->response || e->body_len < 2 ||
	    e->body_len < e->full_len || (e->req >= 0 && trace_event_at((size_t)e->req) &&
					  trace_event_at((size_t)e->req)->full_len == 1))
		return -1;
	return e->body[e->body_len - 2] << 8 | e->body[e->body_len - 1];
}

static void arrow_label(FILE *f, const struct msg *m)
{
	int sw = apdu_sw(m->ev);

	esc(f, m->iface);
	fputc(' ', f);
	esc(f, m->fn);
	if (sw >= 0 && sw != 0x9000)
		fprintf(f, " %04X", (unsigned)sw);
	if (m->ev->response && m->ev->kind != TRACE_APDU) {
		if (m->ev->status)
			fprintf(f, " %d", m->ev->status);
		else
			fputs(" (no answer)", f);
	}
}

static void diagram(FILE *f, const struct page *p)
{
	int width = LEFT + (p->n_part ? p->n_part : 1) * COL_W;
	int height = TOP + (int)p->n * ROW_H + 20;
	int y = TOP;

	fprintf(f, "<svg width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"sequence diagram\">\n",
		width, height, width, height);
	fputs("<defs><marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
	      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
	      "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/></marker></defs>\n", f);
	for (int i = 0; i < p->n_part; i++) {
		int x = LEFT + i * COL_W + COL_W / 2;

		fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"30\" x2=\"%d\" y2=\"%d\"/>\n",
			x, x, height);
		fprintf(f, "<rect class=\"box\" x=\"%d\" y=\"6\" width=\"%d\" height=\"24\" rx=\"4\"/>",
			x - COL_W / 2 + 8, COL_W - 16);
		fprintf(f, "<text x=\"%d\" y=\"23\" text-anchor=\"middle\">", x);
		esc(f, p->part[i]);
		fputs("</text>\n", f);
	}
	for (size_t i = 0; i < p->n; i++, y += ROW_H) {
		const struct msg *m = &p->m[i];
		char t[40];
		int x1, x2;

		if (m->ev->kind == TRACE_MARK) {
			fprintf(f, "<a href=\"#s%ld\"><rect class=\"band\" x=\"0\" y=\"%d\" width=\"%d\" "
				"height=\"%d\"/><text x=\"6\" y=\"%d\" font-weight=\"bold\">",
				m->scenario, y + 2, width, ROW_H - 4, y + 17);
			esc(f, m->ev->name);
			fputs("</text></a>\n", f);
			continue;
		}
		fmt_time(t, sizeof(t), m->ev->t_ms);
		x1 = LEFT + m->pf * COL_W + COL_W / 2;
		x2 = LEFT + m->pt * COL_W + COL_W / 2;
		if (x1 == x2)
			x2 = x1 + COL_W / 3;	/* a message to itself */
		fprintf(f, "<a href=\"#m%zu\"><text x=\"4\" y=\"%d\" fill=\"#888\">%s</text>",
			i, y + 18, t + 11);
		fprintf(f, "<line class=\"%s%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"marker-end=\"url(#ah)\"/>",
			m->ev->response ? "rsp" : "req",
			m->ev->response && (m->ev->status >= 400 || m->ev->note) ? " err" : "",
			x1, y + 20, x2, y + 20);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
			(x1 + x2) / 2, y + 16);
		arrow_label(f, m);
		fputs("</text></a>\n", f);
	}
	fputs("</svg>\n", f);
}

static void details(FILE *f, const struct page *p)
{
	struct trace_decode_ctx dc = { SGP_BUF_INIT, 0, SGP_BUF_INIT, false };

	for (size_t i = 0; i < p->n; i++) {
		const struct msg *m = &p->m[i];
		const struct trace_event *e = m->ev;
		char t[40];

		if (e->kind == TRACE_MARK) {
			fprintf(f, "<h3 class=\"scn\" id=\"s%ld\">Scenario ", m->scenario);
			esc(f, e->name);
			if (e->note) {
				fputs(" &mdash; ", f);
				esc(f, e->note);
			}
			fputs("</h3>\n", f);
			continue;
		}
		fmt_time(t, sizeof(t), e->t_ms);
		fprintf(f, "<details id=\"m%zu\"><summary>%s ", i, t);
		esc(f, m->from);
		fputs(" &rarr; ", f);
		esc(f, m->to);
		fputs(": ", f);
		arrow_label(f, m);
		fprintf(f, " (%zu bytes)</summary>\n<div class=\"meta\">", e->full_len);
		if (e->method || e->path) {
			esc(f, e->method ? e->method : "");
			fputc(' ', f);
			esc(f, e->path ? e->path : "");
			fputs("; ", f);
		}
		if (e->content_type) {
			esc(f, e->content_type);
			fputs("; ", f);
		}
		fputs(e->kind == TRACE_HTTP_SERVER ? "seen by " : "sent or received by ", f);
		esc(f, e->name);
		if (e->local[0]) {
			fputs(" at ", f);
			esc(f, e->local);
		}
		fputs(", peer ", f);
		esc(f, e->peer);
		fputs("</div>\n<pre>", f);
		trace_decode_body(f, e, m->req, &dc);
		fputs("</pre></details>\n", f);
	}
	trace_decode_ctx_free(&dc);
}

static void json_block(FILE *f, const struct page *p, const char *title)
{
	bool first = true;

	fputs("<script type=\"application/json\" id=\"sgp32lab-trace\">{\"title\":", f);
	jstr(f, title);
	fputs(",\"scenarios\":[", f);
	for (size_t i = 0; i < p->n; i++) {
		const struct trace_event *e = p->m[i].ev;

		if (e->kind != TRACE_MARK)
			continue;
		fputs(first ? "{\"name\":" : ",{\"name\":", f);
		first = false;
		jstr(f, e->name);
		fputs(",\"outcome\":", f);
		jstr(f, e->note ? e->note : "");
		fputc('}', f);
	}
	fputs("],\"participants\":[", f);
	for (int i = 0; i < p->n_part; i++) {
		if (i)
			fputc(',', f);
		jstr(f, p->part[i]);
	}
	fputs("],\"messages\":[", f);
	first = true;
	for (size_t i = 0; i < p->n; i++) {
		const struct msg *m = &p->m[i];

		if (m->ev->kind == TRACE_MARK)
			continue;
		fprintf(f, "%s{\"id\":\"m%zu\",\"t\":%llu,\"scenario\":%ld,\"from\":",
			first ? "" : ",\n", i, (unsigned long long)m->ev->t_ms, m->scenario);
		first = false;
		jstr(f, m->from);
		fputs(",\"to\":", f);
		jstr(f, m->to);
		fputs(",\"interface\":", f);
		jstr(f, m->iface);
		fputs(",\"function\":", f);
		jstr(f, m->fn);
		/* status: the HTTP status, or an APDU answer's SW1 SW2 */
		fprintf(f, ",\"response\":%s,\"status\":%d,\"bytes\":%zu}",
			m->ev->response ? "true" : "false",
			apdu_sw(m->ev) >= 0 ? apdu_sw(m->ev) : m->ev->status, m->ev->full_len);
	}
	fputs("]}</script>\n", f);
}

int trace_html_write(FILE *f, const char *title)
{
	struct page p = { 0 };
	size_t scn = 0;
	int rc = build(&p);

	if (rc < 0)
		goto out;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
	esc(f, title);
	fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n<h1>sgp32lab trace: ", style);
	esc(f, title);
	fprintf(f, "</h1>\n<p>%zu messages between %d participants. Click an arrow for the "
		"message's content.</p>\n", p.n - p.n_marks, p.n_part);
	if (p.n_marks) {
		fputs("<h2>Scenarios</h2>\n<ol>\n", f);
		for (size_t i = 0; i < p.n; i++) {
			const struct trace_event *e = p.m[i].ev;

			if (e->kind != TRACE_MARK)
				continue;
			fprintf(f, "<li><a href=\"#s%zu\">", scn++);
			esc(f, e->name);
			fputs("</a>", f);
			if (e->note) {
				fputs(" &mdash; ", f);
				esc(f, e->note);
			}
			fputs("</li>\n", f);
		}
		fputs("</ol>\n", f);
	}
	fputs("<h2>Sequence diagram</h2>\n<div style=\"overflow-x:auto\">\n", f);
	diagram(f, &p);
	fputs("</div>\n<h2>Messages</h2>\n", f);
	details(f, &p);
	json_block(f, &p, title);
	fputs("</body></html>\n", f);
	rc = ferror(f) ? SGP_ERR_IO : SGP_OK;
out:
	page_free(&p);
	return rc;
}

int trace_html_write_file(const char *path, const char *title)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return SGP_ERR_IO;
	rc = trace_html_write(f, title);
	if (fclose(f) != 0 && rc == SGP_OK)
		rc = SGP_ERR_IO;
	return rc;
}
