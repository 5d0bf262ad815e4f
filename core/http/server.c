/* sgp32lab: HTTP(S) server on libevent's evhttp.
 *
 * evhttp parses requests (keep-alive, body and header limits, 400 for
 * malformed input, 413 for oversized bodies); this file adds TLS through
 * evhttp_set_bevcb(), a POST route table, the per-request timeout and the
 * asynchronous-answer ownership rules described in http.h.  The SGP.22
 * section 6.1 HTTP bindings (ES9+, ES11, ESipa) only ever POST. */
#include "core/http/http_int.h"
#include "core/http_reason.h"
#include "core/err.h"
#include "core/log.h"
#include "core/trace/trace.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct route {
	struct route *next;
	char *path;
	size_t len;
	bool prefix;
	http_handler_fn fn;
	void *arg;
	bool any_method;	/* the handler checks the method itself */
};

struct http_request {
	struct http_request *next, *prev;	/* srv->pending */
	struct http_server *srv;
	struct evhttp_request *ereq;
	struct evhttp_connection *evcon;
	struct event *timer;
	char *path;
	char *query;
	const char *method;
	uint8_t *body;
	size_t body_len;
	char peer[64];
	long trace_req;		/* the request's trace event, -1 if none */
	http_abort_fn abort_fn;
	void *abort_arg;
};

struct http_server {
	struct event_base *base;
	struct evhttp *http;
	SSL_CTX *ssl_ctx;
	char *name;
	uint16_t port;
	char local[64];		/* "addr:port" listened on, for traces */
	unsigned request_timeout_ms;
	struct route *routes;
	struct http_request *pending;
	struct http_server_stats stats;
	bool freeing;
	bool dispatching;	/* inside a handler, called from evhttp */
	bool free_requested;	/* http_server_free() from inside a handler */
};

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "?";
	}
}

/* Unlink and free the wrapper; the evhttp request is not touched. */
static void request_destroy(struct http_request *r)
{
	struct http_server *srv = r->srv;

	if (r->prev)
		r->prev->next = r->next;
	else
		srv->pending = r->next;
	if (r->next)
		r->next->prev = r->prev;
	if (r->timer)
		event_free(r->timer);
	free(r->path);
	free(r->query);
	free(r->body);
	free(r);
}

static void request_abort(struct http_request *r)
{
	http_abort_fn fn = r->abort_fn;

	r->abort_fn = NULL;
	if (fn)
		fn(r, r->abort_arg);
}

static void send_simple(struct evhttp_request *ereq, int status, const char *text,
			const char *allow)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(ereq);

	evhttp_add_header(h, "Content-Type", "text/plain");
	if (allow)
		evhttp_add_header(h, "Allow", allow);
	if (b)
		evbuffer_add_printf(b, "%d %s\n", status, text);
	evhttp_send_reply(ereq, status, sgp_http_reason_phrase(status), b);
	if (b)
		evbuffer_free(b);
}

static void request_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_request *r = arg;
	struct http_server *srv = r->srv;
	struct evhttp_request *ereq = r->ereq;

	LOGP(DHTTP, LOGL_ERROR, "%s: %s %s from %s: handler did not answer within %u ms",
	     srv->name, r->method, r->path, r->peer, srv->request_timeout_ms);
	srv->stats.timeouts++;
	if (trace_enabled())
		trace_http(TRACE_HTTP_SERVER, r->trace_req, srv->name, srv->local, r->peer,
			   NULL, NULL, 503, "text/plain", NULL, 0, "handler timeout");
	request_abort(r);
	request_destroy(r);
	send_simple(ereq, 503, "request timeout", NULL);
}

/* evhttp calls this when a connection goes away: the client closed it or
 * evhttp gave up on it.  A request still held by a handler then dies. */
static void conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_server *srv = arg;
	struct http_request *r, *next;

	for (r = srv->pending; r; r = next) {
		next = r->next;
		if (r->evcon != evcon)
			continue;
		struct evhttp_request *ereq = r->ereq;

		LOGP(DHTTP, LOGL_INFO, "%s: %s %s: client %s went away before the answer",
		     srv->name, r->method, r->path, r->peer);
		srv->stats.aborted++;
		request_abort(r);
		request_destroy(r);
		/* evhttp detached the request from the dying connection; an
		 * answer is how evhttp frees a detached request.  While the
		 * server itself is being freed, evhttp frees it instead. */
		if (!srv->freeing && evhttp_request_get_connection(ereq) == NULL)
			evhttp_send_reply(ereq, 503, "Service Unavailable", NULL);
	}
}

static const struct route *route_find(const struct http_server *srv, const char *path)
{
	const struct route *best = NULL;

	for (const struct route *rt = srv->routes; rt; rt = rt->next) {
		if (!rt->prefix) {
			if (strcmp(rt->path, path) == 0)
				return rt;
		} else if (strncmp(rt->path, path, rt->len) == 0 &&
			   (!best || best->len < rt->len)) {
			best = rt;
		}
	}
	return best;
}

static void peer_string(struct evhttp_connection *evcon, char *buf, size_t len)
{
	char *addr = NULL;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(buf, len, "%s:%u", addr ? addr : "?", (unsigned)port);
}

static void deferred_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *srv = arg;

	(void)fd; (void)what;
	srv->free_requested = false;
	http_server_free(srv);
}

static void gen_cb(struct evhttp_request *ereq, void *arg)
{
	struct http_server *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ereq);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(ereq);
	struct evbuffer *in = evhttp_request_get_input_buffer(ereq);
	const struct route *rt;
	struct http_request *r;
	size_t blen;

	if (!path || !*path)
		path = "/";
	http_bev_nodelay(evhttp_connection_get_bufferevent(evhttp_request_get_connection(ereq)));
	rt = route_find(srv, path);
	if (!rt) {
		LOGP(DHTTP, LOGL_INFO, "%s: %s %s: no route (404)", srv->name,
		     method_name(cmd), path);
		send_simple(ereq, 404, "no such path", NULL);
		return;
	}
	if (cmd != EVHTTP_REQ_POST && !rt->any_method) {
		LOGP(DHTTP, LOGL_INFO, "%s: %s %s: method not allowed (405)", srv->name,
		     method_name(cmd), path);
		send_simple(ereq, 405, "POST only", "POST");
		return;
	}

	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->srv = srv;
	r->ereq = ereq;
	r->evcon = evhttp_request_get_connection(ereq);
	r->method = method_name(cmd);
	r->path = strdup(path);
	r->query = query ? strdup(query) : NULL;
	blen = evbuffer_get_length(in);
	r->body = malloc(blen ? blen : 1);
	r->timer = evtimer_new(srv->base, request_timeout_cb, r);
	if (!r->path || (query && !r->query) || !r->body || !r->timer) {
		event_free(r->timer);
		free(r->path);
		free(r->query);
		free(r->body);
		free(r);
		goto nomem;
	}
	r->body_len = blen;
	evbuffer_remove(in, r->body, blen);
	peer_string(r->evcon, r->peer, sizeof(r->peer));

	r->next = srv->pending;
	if (srv->pending)
		srv->pending->prev = r;
	srv->pending = r;
	evhttp_connection_set_closecb(r->evcon, conn_close_cb, srv);
	{
		struct timeval tv = {
			.tv_sec = srv->request_timeout_ms / 1000,
			.tv_usec = (srv->request_timeout_ms % 1000) * 1000,
		};
		evtimer_add(r->timer, &tv);
	}
	srv->stats.requests++;
	r->trace_req = -1;
	if (trace_enabled())
		r->trace_req = trace_http(TRACE_HTTP_SERVER, -1, srv->name, srv->local, r->peer,
					  r->method, path, 0,
					  http_request_header(r, "Content-Type"), r->body,
					  r->body_len, NULL);
	LOGP(DHTTP, LOGL_DEBUG, "%s: POST %s from %s, %zu bytes", srv->name, path, r->peer,
	     blen);
	srv->dispatching = true;
	rt->fn(r, rt->arg);
	srv->dispatching = false;
	if (srv->free_requested) {
		/* evhttp is still on the stack: free from the next loop turn */
		static const struct timeval now = { 0, 0 };
		if (event_base_once(srv->base, -1, EV_TIMEOUT, deferred_free_cb, srv, &now) < 0)
			LOGP(DHTTP, LOGL_ERROR, "%s: cannot defer the free; the server leaks", srv->name);
	}
	return;
nomem:
	LOGP(DHTTP, LOGL_ERROR, "%s: out of memory for a request", srv->name);
	send_simple(ereq, 500, "out of memory", NULL);
}

static struct bufferevent *bev_cb(struct event_base *base, void *arg)
{
	struct http_server *srv = arg;
	SSL *ssl;
	struct bufferevent *bev;

	srv->stats.connections++;
	if (!srv->ssl_ctx)
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	ssl = SSL_new(srv->ssl_ctx);
	if (!ssl)
		return NULL;
	/* evhttp sets the socket later (bufferevent_setfd). */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		SSL_free(ssl);
	return bev;
}

static struct timeval ms_tv(unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

struct http_server *http_server_new(struct event_base *base,
				    const struct http_server_cfg *cfg, int *err)
{
	struct http_server *srv = NULL;
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *addr;
	struct timeval tv;
	int rc = SGP_ERR_NOMEM;

	if (!base || !cfg) {
		rc = SGP_ERR_INVAL;
		goto fail;
	}
	http_libevent_log_init();
	addr = cfg->addr ? cfg->addr : "127.0.0.1";
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		goto fail;
	srv->base = base;
	srv->name = strdup(cfg->name ? cfg->name : "http");
	srv->request_timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms : 30000;
	srv->http = evhttp_new(base);
	if (!srv->name || !srv->http)
		goto fail;
	if (cfg->tls) {
		srv->ssl_ctx = http_tls_ctx_new(cfg->tls, true, srv->name);
		if (!srv->ssl_ctx) {
			rc = SGP_ERR_CRYPTO;
			goto fail;
		}
	}
	evhttp_set_bevcb(srv->http, bev_cb, srv);
	evhttp_set_gencb(srv->http, gen_cb, srv);
	evhttp_set_max_body_size(srv->http, cfg->max_body ? cfg->max_body : 1024 * 1024);
	evhttp_set_max_headers_size(srv->http, cfg->max_headers ? cfg->max_headers : 16384);
	tv = ms_tv(cfg->idle_timeout_ms ? cfg->idle_timeout_ms : 60000);
	evhttp_set_timeout_tv(srv->http, &tv);
	/* Every method reaches gen_cb so that a routed path answers 405
	 * (evhttp itself would say 501). */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);

	bs = evhttp_bind_socket_with_handle(srv->http, addr, cfg->port);
	if (!bs) {
		LOGP(DHTTP, LOGL_ERROR, "%s: cannot bind %s port %u", srv->name, addr,
		     (unsigned)cfg->port);
		rc = SGP_ERR_IO;
		goto fail;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) < 0) {
		rc = SGP_ERR_IO;
		goto fail;
	}
	if (ss.ss_family == AF_INET)
		srv->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		srv->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	snprintf(srv->local, sizeof(srv->local), "%s:%u", addr, (unsigned)srv->port);
	LOGP(DHTTP, LOGL_NOTICE, "%s: listening on %s port %u (%s)", srv->name, addr,
	     (unsigned)srv->port, srv->ssl_ctx ? "https" : "http");
	if (err)
		*err = SGP_OK;
	return srv;
fail:
	http_server_free(srv);
	if (err)
		*err = rc;
	return NULL;
}

void http_server_free(struct http_server *srv)
{
	if (!srv || srv->free_requested)
		return;
	if (srv->dispatching) {
		srv->free_requested = true;	/* see gen_cb() */
		return;
	}
	srv->freeing = true;
	/* Handlers holding requests learn that they are dead; evhttp_free()
	 * then frees the evhttp requests with their connections. */
	while (srv->pending) {
		request_abort(srv->pending);
		request_destroy(srv->pending);
	}
	if (srv->http)
		evhttp_free(srv->http);
	while (srv->routes) {
		struct route *rt = srv->routes;

		srv->routes = rt->next;
		free(rt->path);
		free(rt);
	}
	SSL_CTX_free(srv->ssl_ctx);
	free(srv->name);
	free(srv);
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv->port;
}

static int add_route(struct http_server *srv, const char *path, bool prefix, bool any_method,
		     http_handler_fn fn, void *arg)
{
	struct route *rt;

	if (!srv || !path || path[0] != '/' || !fn)
		return SGP_ERR_INVAL;
	for (rt = srv->routes; rt; rt = rt->next)
		if (rt->prefix == prefix && strcmp(rt->path, path) == 0)
			return SGP_ERR_EXISTS;
	rt = calloc(1, sizeof(*rt));
	if (!rt || !(rt->path = strdup(path))) {
		free(rt);
		return SGP_ERR_NOMEM;
	}
	rt->len = strlen(path);
	rt->prefix = prefix;
	rt->any_method = any_method;
	rt->fn = fn;
	rt->arg = arg;
	rt->next = srv->routes;
	srv->routes = rt;
	return SGP_OK;
}

int http_server_add_route(struct http_server *srv, const char *path, bool prefix,
			  http_handler_fn fn, void *arg)
{
	return add_route(srv, path, prefix, false, fn, arg);
}

int http_server_add_route_any(struct http_server *srv, const char *path, bool prefix,
			      http_handler_fn fn, void *arg)
{
	return add_route(srv, path, prefix, true, fn, arg);
}

void http_server_get_stats(const struct http_server *srv, struct http_server_stats *st)
{
	*st = srv->stats;
}

const char *http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *http_request_query(const struct http_request *req)
{
	return req->query;
}

const char *http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(req->ereq), name);
}

const uint8_t *http_request_body(const struct http_request *req, size_t *len)
{
	*len = req->body_len;
	return req->body;
}

const char *http_request_peer(const struct http_request *req)
{
	return req->peer;
}

void http_request_set_abort_cb(struct http_request *req, http_abort_fn fn, void *arg)
{
	req->abort_fn = fn;
	req->abort_arg = arg;
}

int http_request_reply(struct http_request *req, int status, const char *content_type,
		       const struct http_header *extra, const uint8_t *body, size_t len)
{
	struct evhttp_request *ereq = req->ereq;
	struct evkeyvalq *h = evhttp_request_get_output_headers(ereq);
	struct evbuffer *b = evbuffer_new();
	int rc = SGP_OK;

	/* Take everything the answer needs before the request dies: a handler
	 * may answer with bytes that belong to the request (an echo of its
	 * body, its path or a header as a header value). */
	if (!b || (len && evbuffer_add(b, body, len) < 0))
		rc = SGP_ERR_NOMEM;
	else if (status < 100 || status > 599)
		rc = SGP_ERR_INVAL;
	else if (content_type && (!http_header_value_ok(content_type) ||
				  evhttp_add_header(h, "Content-Type", content_type) < 0))
		rc = SGP_ERR_INVAL;
	for (; rc == SGP_OK && extra && extra->name; extra++) {
		if (!http_header_name_ok(extra->name) || !http_header_value_ok(extra->value) ||
		    evhttp_add_header(h, extra->name, extra->value) < 0)
			rc = SGP_ERR_INVAL;
	}
	if (trace_enabled())
		trace_http(TRACE_HTTP_SERVER, req->trace_req, req->srv->name, req->srv->local,
			   req->peer, NULL, NULL, rc < 0 ? 500 : status,
			   rc < 0 ? "text/plain" : content_type, rc < 0 ? NULL : body,
			   rc < 0 ? 0 : len, NULL);
	request_destroy(req);
	if (rc < 0) {
		/* The request must still be answered, or evhttp would keep it. */
		LOGP(DHTTP, LOGL_ERROR, "handler answer rejected: %s", sgp_strerror(rc));
		if (b)
			evbuffer_free(b);
		evhttp_clear_headers(h);
		send_simple(ereq, 500, "bad answer from handler", NULL);
		return rc;
	}
	evhttp_send_reply(ereq, status, sgp_http_reason_phrase(status), b);
	evbuffer_free(b);
	return SGP_OK;
}
