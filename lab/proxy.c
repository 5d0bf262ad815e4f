/* sgp32lab: the fault-injecting HTTPS proxy in front of the lab's SM-DP+
 * (see proxy.h).  One exchange = one struct fwd: the client's request
 * (held until answered), the call to the SM-DP+, what the armed rule does
 * with it. */
#include "lab/proxy.h"
#include "core/err.h"
#include "core/log.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ES9_PREFIX "/gsma/rsp2/es9plus/"

enum fwd_action { ACT_NONE, ACT_REPLAY, ACT_DROP };

struct fwd {
	struct fwd *next, *prev;
	struct lab_proxy *p;
	struct http_request *req;	/* NULL once the client is gone */
	struct http_call *call;		/* the call to the SM-DP+ under way */
	char url[2300];
	char content_type[128], admin[64], agent[64];
	uint8_t *body;
	size_t len;
	enum fwd_action action;
	bool replayed;
};

struct lab_proxy {
	struct event_base *base;
	struct http_server *srv;
	struct http_client *cli;
	char cert[4200], key[4200];
	struct http_tls_cfg tls;
	uint16_t port;
	char upstream[128];
	/* the armed rule */
	bool armed;
	char function[64];
	bool response;
	struct lab_fault_edit edit;
	uint8_t *cert_der;
	struct fwd *fwds;
	struct lab_proxy_stats stats;
};

static void fwd_free(struct fwd *f)
{
	struct lab_proxy *p = f->p;

	if (f->prev)
		f->prev->next = f->next;
	else
		p->fwds = f->next;
	if (f->next)
		f->next->prev = f->prev;
	if (f->call)
		http_call_cancel(f->call);
	free(f->body);
	free(f);
}

static void fwd_abort(struct http_request *req, void *arg)
{
	struct fwd *f = arg;

	(void)req;
	f->req = NULL;	/* the answer, when it comes, goes nowhere */
}

static void applied(struct lab_proxy *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void applied(struct lab_proxy *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->stats.last_note, sizeof(p->stats.last_note), fmt, ap);
	va_end(ap);
	p->stats.applied++;
	LOGP(DLAB, LOGL_NOTICE, "proxy: fault: %s", p->stats.last_note);
}

/* Count the SM-DP+'s verdict in an ES9+ answer. */
static void count_answer(struct lab_proxy *p, const char *function, const uint8_t *body,
			 size_t len)
{
	int i = strchr(function, '/') ? -1 : es9_function_from_name(function);
	json_t *root;
	const char *status;

	if (i < 0)
		return;
	snprintf(p->stats.answers[i].function, sizeof(p->stats.answers[i].function), "%s",
		 es9_function_name((enum es9_function)i));
	if (!len) {		/* handleNotification: 204, no body */
		p->stats.answers[i].executed++;
		return;
	}
	root = json_loadb((const char *)body, len, 0, NULL);
	status = json_string_value(json_object_get(json_object_get(json_object_get(root,
		 "header"), "functionExecutionStatus"), "status"));
	if (status && !strncmp(status, "Executed-", 9))
		p->stats.answers[i].executed++;
	else
		p->stats.answers[i].failed++;
	json_decref(root);
}

static void on_request(struct http_request *req, void *arg);
static void on_answer(const struct http_result *res, void *arg);

static int listen_on(struct lab_proxy *p, uint16_t port)
{
	struct http_server_cfg cfg = { .name = "proxy", .addr = "127.0.0.1", .port = port,
				       .tls = &p->tls };
	int rc = 0;

	p->srv = http_server_new(p->base, &cfg, &rc);
	if (!p->srv)
		return rc ? rc : SGP_ERR_IO;
	p->port = http_server_port(p->srv);
	return http_server_add_route_any(p->srv, "/", true, on_request, p);
}

/* drop: every connection of the proxy closes unanswered, as when a front
 * end dies; it listens again on the same port at once (SO_REUSEADDR). */
static void drop_connections(struct lab_proxy *p)
{
	int rc;

	http_server_free(p->srv);	/* aborts the requests held: fwd_abort */
	p->srv = NULL;
	rc = listen_on(p, p->port);
	if (rc < 0)
		LOGP(DLAB, LOGL_ERROR, "proxy: cannot listen again on port %u: %s",
		     (unsigned)p->port, sgp_strerror(rc));
}

static int post(struct fwd *f)
{
	struct http_header h[3] = { { NULL, NULL } };
	int n = 0, rc = 0;

	if (f->admin[0])
		h[n++] = (struct http_header){ "X-Admin-Protocol", f->admin };
	if (f->agent[0])
		h[n++] = (struct http_header){ "User-Agent", f->agent };
	f->call = http_client_post(f->p->cli, f->url, f->content_type[0] ? f->content_type : NULL,
				   f->body, f->len, h, 0, on_answer, f, &rc);
	return f->call ? SGP_OK : rc;
}

static void copy_header(struct http_request *req, const char *name, char *dst, size_t n)
{
	const char *v = http_request_header(req, name);

	snprintf(dst, n, "%s", v && strlen(v) < n ? v : "");
}

/* The armed rule, for a request of this function: edit the request now,
 * or note what to do with the exchange.  A response edit waits for an
 * answer it applies to (on_answer). */
static void apply_to_request(struct lab_proxy *p, struct fwd *f, const char *function)
{
	struct sgp_buf out = SGP_BUF_INIT;
	char note[160] = "";
	int rc;

	if (!p->armed || strcmp(p->function, function))
		return;
	if (p->edit.what == LAB_FAULT_REPLAY || p->edit.what == LAB_FAULT_DROP) {
		f->action = p->edit.what == LAB_FAULT_REPLAY ? ACT_REPLAY : ACT_DROP;
		p->armed = false;
		return;
	}
	if (p->response)
		return;
	rc = lab_fault_mutate(&p->edit, f->body, f->len, &out, note, sizeof(note));
	if (rc < 0) {
		LOGP(DLAB, LOGL_NOTICE, "proxy: %s request: %s does not apply (%s); sent as it is",
		     function, lab_fault_what_name(p->edit.what), sgp_strerror(rc));
		sgp_buf_free(&out);
		return;
	}
	free(f->body);
	f->body = out.data;	/* the buffer moves to the fwd */
	f->len = out.len;
	p->armed = false;
	applied(p, "%.40s request: %s", function, note);
}

static void on_request(struct http_request *req, void *arg)
{
	struct lab_proxy *p = arg;
	const char *path = http_request_path(req);
	const char *function = strncmp(path, ES9_PREFIX, strlen(ES9_PREFIX)) ? "" :
			       path + strlen(ES9_PREFIX);
	const uint8_t *body;
	size_t len;
	struct fwd *f = calloc(1, sizeof(*f));
	long code;
	bool download;
	int rc = SGP_ERR_NOMEM;

	body = http_request_body(req, &len);
	if (!f || !(f->body = malloc(len ? len : 1)))
		goto fail;
	f->p = p;
	f->req = req;
	f->next = p->fwds;
	if (p->fwds)
		p->fwds->prev = f;
	p->fwds = f;
	memcpy(f->body, body, len);
	f->len = len;
	copy_header(req, "Content-Type", f->content_type, sizeof(f->content_type));
	copy_header(req, "X-Admin-Protocol", f->admin, sizeof(f->admin));
	copy_header(req, "User-Agent", f->agent, sizeof(f->agent));
	if (snprintf(f->url, sizeof(f->url), "https://%s%s", p->upstream, path) >=
	    (int)sizeof(f->url)) {
		rc = SGP_ERR_TOOBIG;
		goto fail;
	}
	/* what the eUICC answered, as the IPA passes it on (SGP.22 3.1.3) */
	if (lab_fault_euicc_error(f->body, f->len, &code, &download) == SGP_OK) {
		p->stats.euicc_error = code;
		p->stats.euicc_error_download = download;
	}
	apply_to_request(p, f, function);
	http_request_set_abort_cb(req, fwd_abort, f);
	rc = post(f);
	if (rc < 0)
		goto fail;
	p->stats.forwarded++;
	return;
fail:
	LOGP(DLAB, LOGL_ERROR, "proxy: %s: cannot forward: %s", path, sgp_strerror(rc));
	if (f && f->p)
		fwd_free(f);
	else if (f)
		free(f);
	http_request_reply(req, 502, "text/plain", NULL, (const uint8_t *)"proxy error\n", 12);
}

static void on_answer(const struct http_result *res, void *arg)
{
	struct fwd *f = arg;
	struct lab_proxy *p = f->p;
	const char *function = strstr(f->url, ES9_PREFIX);
	const char *admin = http_result_header(res, "X-Admin-Protocol");
	struct http_header extra[2] = { { NULL, NULL }, { NULL, NULL } };
	struct sgp_buf out = SGP_BUF_INIT;
	const uint8_t *body = res->body;
	size_t len = res->body_len;
	char note[160] = "";

	f->call = NULL;
	function = function ? function + strlen(ES9_PREFIX) : f->url;
	if (res->rc < 0) {
		LOGP(DLAB, LOGL_ERROR, "proxy: %s: the SM-DP+ did not answer: %s", function,
		     res->detail ? res->detail : http_xfer_err_str(res->xfer));
		if (f->req)
			http_request_reply(f->req, 502, "text/plain", NULL,
					   (const uint8_t *)"bad gateway\n", 12);
		f->req = NULL;
		fwd_free(f);
		return;
	}
	count_answer(p, function, body, len);
	if (f->action == ACT_REPLAY && !f->replayed) {
		/* the SM-DP+ ran the request; now the very same bytes again */
		f->replayed = true;
		applied(p, "%.40s request replayed (the first answer, HTTP %d, dropped)", function,
			res->status);
		if (post(f) == SGP_OK)
			return;
	}
	if (f->action == ACT_DROP) {
		applied(p, "%.40s: the SM-DP+ answered, the client's connection dropped unanswered",
			function);
		drop_connections(p);	/* f->req dies first (fwd_abort) */
		fwd_free(f);
		return;
	}
	/* a response edit: armed until an answer it applies to (proxy.h) */
	if (p->armed && p->response && lab_fault_is_edit(p->edit.what) && len &&
	    !strcmp(p->function, function)) {
		if (lab_fault_mutate(&p->edit, body, len, &out, note, sizeof(note)) == SGP_OK) {
			body = out.data;
			len = out.len;
			p->armed = false;
			applied(p, "%.40s response: %s", function, note);
		} else {
			LOGP(DLAB, LOGL_NOTICE, "proxy: %s response: %s does not apply; sent as it is",
			     function, lab_fault_what_name(p->edit.what));
		}
	}
	if (admin && strlen(admin) < 64)
		extra[0] = (struct http_header){ "X-Admin-Protocol", admin };
	if (f->req)
		http_request_reply(f->req, res->status, res->content_type, extra, body, len);
	f->req = NULL;
	sgp_buf_free(&out);
	fwd_free(f);
}

int lab_proxy_new(struct event_base *base, const struct http_tls_cfg *server_tls,
		  const struct http_tls_cfg *client_tls, struct lab_proxy **out)
{
	struct http_client_cfg ccfg = { .name = "proxy", .tls = client_tls };
	struct lab_proxy *p;
	int rc = SGP_ERR_INVAL;

	*out = NULL;
	if (!base || !server_tls || !server_tls->cert_file || !server_tls->key_file ||
	    strlen(server_tls->cert_file) >= sizeof(p->cert) ||
	    strlen(server_tls->key_file) >= sizeof(p->key))
		return SGP_ERR_INVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return SGP_ERR_NOMEM;
	p->base = base;
	p->stats.euicc_error = -1;
	strcpy(p->cert, server_tls->cert_file);
	strcpy(p->key, server_tls->key_file);
	p->tls = *server_tls;
	p->tls.cert_file = p->cert;
	p->tls.key_file = p->key;
	p->cli = http_client_new(base, &ccfg, &rc);
	if (!p->cli)
		goto fail;
	rc = listen_on(p, 0);
	if (rc < 0)
		goto fail;
	*out = p;
	return SGP_OK;
fail:
	lab_proxy_free(p);
	return rc < 0 ? rc : SGP_ERR_IO;
}

void lab_proxy_free(struct lab_proxy *p)
{
	if (!p)
		return;
	http_server_free(p->srv);	/* the held requests: fwd_abort */
	while (p->fwds)
		fwd_free(p->fwds);
	http_client_free(p->cli);
	free(p->cert_der);
	free(p);
}

uint16_t lab_proxy_port(const struct lab_proxy *p)
{
	return p->port;
}

int lab_proxy_set_upstream(struct lab_proxy *p, const char *address)
{
	if (!address || strlen(address) >= sizeof(p->upstream))
		return SGP_ERR_INVAL;
	strcpy(p->upstream, address);
	return SGP_OK;
}

int lab_proxy_arm(struct lab_proxy *p, const char *function, bool response,
		  const struct lab_fault_edit *e)
{
	uint8_t *cert = NULL;

	if (!function || strlen(function) >= sizeof(p->function) || !e ||
	    (unsigned)e->what >= LAB_FAULT_COUNT || e->member)
		return SGP_ERR_INVAL;
	if (e->what == LAB_FAULT_SWAP_CERT) {
		if (!e->cert || !e->cert_len || !(cert = malloc(e->cert_len)))
			return e->cert ? SGP_ERR_NOMEM : SGP_ERR_INVAL;
		memcpy(cert, e->cert, e->cert_len);
	}
	free(p->cert_der);
	p->cert_der = cert;
	strcpy(p->function, function);
	p->response = response;
	p->edit = *e;
	p->edit.cert = cert;
	p->armed = true;
	return SGP_OK;
}

void lab_proxy_get_stats(const struct lab_proxy *p, struct lab_proxy_stats *st)
{
	*st = p->stats;
	st->armed = p->armed;
}
