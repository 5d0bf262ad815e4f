/* sgp32lab: HTTP(S) client on libevent's evhttp.
 *
 * One struct http_conn wraps one evhttp_connection to one (scheme, host,
 * port) and carries at most one call at a time; an idle connection is
 * reused by the next call to the same origin (keep-alive, RFC 9112 section
 * 9.3).  A connection that closed is never reconnected by evhttp (an SSL
 * object cannot be reused for a second handshake): it is retired and freed
 * from a later loop turn, never from inside evhttp's own callbacks.
 *
 * Results are copied out of evhttp and delivered from the call's own event,
 * so user callbacks never run inside evhttp and may freely start, cancel
 * or free anything, the client included. */
#include "core/http/http_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/trace/trace.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct http_conn {
	struct http_conn *next;		/* cli->conns or cli->graveyard */
	struct http_client *cli;
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	SSL *ssl;			/* owned by bev */
	struct http_tls_status tls_st;
	bool tls;
	char host[256];
	uint16_t port;
	struct http_call *call;		/* NULL when idle */
	unsigned uses;
	char local[64];			/* our "ip:port", for traces; "" until known */
	bool closed;			/* evhttp saw the connection go down */
	bool retired;			/* in the graveyard or being freed */
};

struct http_call {
	struct http_call *next, *prev;	/* cli->calls */
	struct http_client *cli;
	struct http_conn *conn;
	struct event *ev;		/* timeout, then delivery */
	http_client_cb cb;
	void *arg;
	struct http_url url;
	char *content_type;
	struct http_header *headers;	/* copies, { NULL } terminated */
	uint8_t *body;
	size_t len;
	bool done;
	bool connect_failed;
	long trace_req;			/* the request's trace event, -1 if none */
	char trace_local[64];
	/* what evhttp reported */
	int ereq_err;			/* enum evhttp_request_error + 1, 0: none */
	int sys_err;
	unsigned long ssl_err;
	/* the result */
	struct http_result res;
	char detail[256];
	char *res_ctype;
	uint8_t *res_body;
	struct evkeyvalq res_headers;
};

struct http_client {
	struct event_base *base;
	struct evdns_base *dns;
	SSL_CTX *ssl_ctx;
	char *name;
	bool no_verify;
	size_t max_body;
	unsigned timeout_ms;
	unsigned max_idle;
	struct http_conn *conns;
	struct http_conn *graveyard;
	struct event *reaper;
	struct http_call *calls;
	struct http_client_stats stats;
};

const char *http_xfer_err_str(enum http_xfer_err e)
{
	switch (e) {
	case HTTP_XFER_OK: return "ok";
	case HTTP_XFER_CONNECT: return "connect failed";
	case HTTP_XFER_TLS: return "TLS handshake failed";
	case HTTP_XFER_TLS_VERIFY: return "server certificate rejected";
	case HTTP_XFER_TIMEOUT: return "timeout";
	case HTTP_XFER_TOOBIG: return "response too big";
	case HTTP_XFER_PROTOCOL: return "bad response or connection closed";
	}
	return "?";
}

static int xfer_to_sgp(enum http_xfer_err e)
{
	switch (e) {
	case HTTP_XFER_OK: return SGP_OK;
	case HTTP_XFER_CONNECT: return SGP_ERR_IO;
	case HTTP_XFER_TLS: return SGP_ERR_CRYPTO;
	case HTTP_XFER_TLS_VERIFY: return SGP_ERR_VERIFY;
	case HTTP_XFER_TIMEOUT: return SGP_ERR_TIMEOUT;
	case HTTP_XFER_TOOBIG: return SGP_ERR_TOOBIG;
	case HTTP_XFER_PROTOCOL: return SGP_ERR_PEER;
	}
	return SGP_ERR_PEER;
}

const char *http_result_header(const struct http_result *res, const char *name)
{
	if (!res->priv_headers)
		return NULL;
	return evhttp_find_header((struct evkeyvalq *)(uintptr_t)res->priv_headers, name);
}

/* ---- connections ---- */

static void conn_unlink(struct http_conn **list, struct http_conn *c)
{
	for (; *list; list = &(*list)->next) {
		if (*list == c) {
			*list = c->next;
			c->next = NULL;
			return;
		}
	}
}

static void conn_destroy(struct http_conn *c)
{
	c->retired = true;	/* evhttp_connection_free() calls conn_close_cb */
	if (c->evcon)
		evhttp_connection_free(c->evcon);	/* frees bev and SSL */
	else if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

/* Take c out of service; it is freed from the reaper event. */
static void conn_retire(struct http_conn *c)
{
	struct http_client *cli = c->cli;

	if (c->call)
		c->call->conn = NULL;
	c->call = NULL;
	if (c->retired)
		return;
	c->retired = true;
	conn_unlink(&cli->conns, c);
	c->next = cli->graveyard;
	cli->graveyard = c;
	event_active(cli->reaper, EV_TIMEOUT, 1);
}

static void reaper_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *cli = arg;

	while (cli->graveyard) {
		struct http_conn *c = cli->graveyard;

		cli->graveyard = c->next;
		conn_destroy(c);
	}
}

static void conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *c = arg;

	if (c->retired)
		return;
	LOGP(DHTTP, LOGL_DEBUG, "%s: connection to %s:%u closed", c->cli->name, c->host,
	     (unsigned)c->port);
	c->closed = true;
	/* A call still on it gets its failure from req_done_cb, which then
	 * retires the connection. */
	if (!c->call)
		conn_retire(c);
}

static struct http_conn *conn_new(struct http_client *cli, const struct http_url *u)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	struct evdns_base *dns = NULL;

	if (!c)
		return NULL;
	c->cli = cli;
	c->tls = u->tls;
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	c->port = u->port;
	if (!u->host_is_ip) {
		if (!cli->dns)
			cli->dns = evdns_base_new(cli->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
		dns = cli->dns;
		/* without it libevent would resolve with a blocking
		 * getaddrinfo() inside the event loop */
		if (!dns) {
			LOGP(DHTTP, LOGL_ERROR, "%s: no asynchronous resolver for %s",
			     cli->name, u->host);
			goto fail;
		}
	}
	if (u->tls) {
		c->ssl = http_tls_client_ssl(cli->ssl_ctx, u, !cli->no_verify, &c->tls_st);
		if (!c->ssl)
			goto fail;
		c->bev = bufferevent_openssl_socket_new(cli->base, -1, c->ssl,
							BUFFEREVENT_SSL_CONNECTING,
							BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev) {
			SSL_free(c->ssl);
			goto fail;
		}
		/* Peers that close without close_notify are common. */
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else {
		c->bev = bufferevent_socket_new(cli->base, -1, BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev)
			goto fail;
	}
	c->evcon = evhttp_connection_base_bufferevent_new(cli->base, dns, c->bev,
							  u->host, u->port);
	if (!c->evcon)
		goto fail;
	evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)cli->max_body);
	evhttp_connection_set_max_headers_size(c->evcon, 65536);
	evhttp_connection_set_retries(c->evcon, 0);
	evhttp_connection_set_closecb(c->evcon, conn_close_cb, c);
	c->next = cli->conns;
	cli->conns = c;
	cli->stats.connections++;
	LOGP(DHTTP, LOGL_DEBUG, "%s: new connection to %s://%s:%u", cli->name,
	     u->tls ? "https" : "http", u->host, (unsigned)u->port);
	return c;
fail:
	LOGP(DHTTP, LOGL_ERROR, "%s: cannot set up a connection to %s", cli->name, u->host);
	conn_destroy(c);
	return NULL;
}

static struct http_conn *conn_get(struct http_client *cli, const struct http_url *u)
{
	for (struct http_conn *c = cli->conns; c; c = c->next)
		if (!c->call && !c->closed && !c->retired && c->tls == u->tls && c->port == u->port &&
		    strcmp(c->host, u->host) == 0)
			return c;
	return conn_new(cli, u);
}

static void conn_trim_idle(struct http_client *cli, const struct http_conn *ref)
{
	unsigned n = 0;
	struct http_conn *c, *next;

	for (c = cli->conns; c; c = next) {
		next = c->next;
		if (c->call || c->tls != ref->tls || c->port != ref->port ||
		    strcmp(c->host, ref->host) != 0)
			continue;
		if (++n > cli->max_idle)
			conn_retire(c);
	}
}

/* ---- calls ---- */

static void call_free(struct http_call *call)
{
	if (call->ev)
		event_free(call->ev);
	free(call->content_type);
	if (call->headers) {
		for (struct http_header *h = call->headers; h->name; h++) {
			free((char *)h->name);
			free((char *)h->value);
		}
		free(call->headers);
	}
	free(call->body);
	free(call->res_ctype);
	free(call->res_body);
	evhttp_clear_headers(&call->res_headers);
	free(call);
}

static void call_unlink(struct http_call *call)
{
	struct http_client *cli = call->cli;

	if (call->prev)
		call->prev->next = call->next;
	else if (cli->calls == call)
		cli->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->next = call->prev = NULL;
}

static void call_fail(struct http_call *call, enum http_xfer_err x, const char *detail)
{
	call->res.xfer = x;
	call->res.rc = xfer_to_sgp(x);
	snprintf(call->detail, sizeof(call->detail), "%s", detail);
}

/* Our end of the connection, for traces: the server records the same
 * exchange with this as its peer (see core/trace/trace.h). */
static void conn_note_local(struct http_conn *c, struct http_call *call)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];
	evutil_socket_t fd = c->bev ? bufferevent_getfd(c->bev) : -1;

	if (!c->local[0] && fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET &&
		    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip)))
			snprintf(c->local, sizeof(c->local), "%s:%u", ip,
				 (unsigned)ntohs(((struct sockaddr_in *)&ss)->sin_port));
		else if (ss.ss_family == AF_INET6 &&
			 inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip)))
			snprintf(c->local, sizeof(c->local), "%s:%u", ip,
				 (unsigned)ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	}
	snprintf(call->trace_local, sizeof(call->trace_local), "%s", c->local);
	trace_set_local(call->trace_req, c->local);
}

static void call_trace_answer(struct http_call *call)
{
	char peer[300];

	snprintf(peer, sizeof(peer), "%s:%u", call->url.host, (unsigned)call->url.port);
	if (call->res.rc < 0)
		trace_http(TRACE_HTTP_CLIENT, call->trace_req, call->cli->name, call->trace_local,
			   peer, NULL, NULL, 0, NULL, NULL, 0, http_xfer_err_str(call->res.xfer));
	else
		trace_http(TRACE_HTTP_CLIENT, call->trace_req, call->cli->name, call->trace_local,
			   peer, NULL, NULL, call->res.status, call->res.content_type,
			   call->res.body, call->res.body_len, NULL);
}

/* Run the user callback and free the call (never inside evhttp). */
static void call_deliver(struct http_call *call)
{
	http_client_cb cb = call->cb;
	void *arg = call->arg;

	if (call->conn)
		conn_retire(call->conn);
	call_unlink(call);
	call->res.detail = call->detail;
	if (call->res.rc < 0)
		LOGP(DHTTP, LOGL_NOTICE, "%s: POST %s://%s:%u%s: %s (%s)", call->cli->name,
		     call->url.tls ? "https" : "http", call->url.host,
		     (unsigned)call->url.port, call->url.path,
		     http_xfer_err_str(call->res.xfer), call->detail);
	if (trace_enabled() && call->trace_req >= 0)
		call_trace_answer(call);
	/* The client may be gone after cb(); only the call is touched. */
	cb(&call->res, arg);
	call_free(call);
}

static void call_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_call *call = arg;

	if (!call->done)
		call_fail(call, HTTP_XFER_TIMEOUT, "no answer within the timeout");
	call_deliver(call);
}

/* Classify a failure evhttp reported without a response. */
static void classify_failure(struct http_call *call, struct http_conn *c)
{
	char buf[200];
	int e = call->ereq_err - 1;

	if (call->ereq_err && e == EVREQ_HTTP_DATA_TOO_LONG) {
		call_fail(call, HTTP_XFER_TOOBIG, "response body or headers over the limit");
	} else if (call->ereq_err && e == EVREQ_HTTP_TIMEOUT) {
		call_fail(call, HTTP_XFER_TIMEOUT, "connection timed out");
	} else if (c && c->tls && c->tls_st.verify_err != X509_V_OK) {
		snprintf(buf, sizeof(buf), "certificate verify failed at depth %d: %s",
			 c->tls_st.verify_depth,
			 X509_verify_cert_error_string(c->tls_st.verify_err));
		call_fail(call, HTTP_XFER_TLS_VERIFY, buf);
	} else if (call->ssl_err) {
		ERR_error_string_n(call->ssl_err, buf, sizeof(buf));
		call_fail(call, HTTP_XFER_TLS, buf);
	} else if (call->connect_failed) {
		call_fail(call, HTTP_XFER_CONNECT, "connection refused or connect timeout");
	} else if (call->sys_err == ECONNREFUSED || call->sys_err == EHOSTUNREACH ||
		   call->sys_err == ENETUNREACH || call->sys_err == EADDRNOTAVAIL) {
		call_fail(call, HTTP_XFER_CONNECT, strerror(call->sys_err));
	} else if (c && c->bev && bufferevent_socket_get_dns_error(c->bev)) {
		call_fail(call, HTTP_XFER_CONNECT,
			  evutil_gai_strerror(bufferevent_socket_get_dns_error(c->bev)));
	} else if (c && c->tls && c->ssl && !SSL_is_init_finished(c->ssl)) {
		call_fail(call, HTTP_XFER_TLS, "connection closed during the handshake");
	} else {
		call_fail(call, HTTP_XFER_PROTOCOL, call->sys_err ? strerror(call->sys_err) :
			  "connection closed or malformed response");
	}
}

static void req_error_cb(enum evhttp_request_error err, void *arg)
{
	struct http_conn *c = arg;
	struct http_call *call = c->call;
	unsigned long e;

	if (!call)
		return;
	call->ereq_err = (int)err + 1;
	call->sys_err = errno;
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
		if (!call->ssl_err)
			call->ssl_err = e;
}

static int copy_response(struct http_call *call, struct evhttp_request *ereq)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(ereq);
	struct evkeyvalq *h = evhttp_request_get_input_headers(ereq);
	size_t n = evbuffer_get_length(in);
	const char *ct;

	for (struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next)
		if (evhttp_add_header(&call->res_headers, kv->key, kv->value) < 0)
			return SGP_ERR_NOMEM;
	ct = evhttp_find_header(h, "Content-Type");
	if (ct && !(call->res_ctype = strdup(ct)))
		return SGP_ERR_NOMEM;
	call->res_body = malloc(n ? n : 1);
	if (!call->res_body)
		return SGP_ERR_NOMEM;
	evbuffer_remove(in, call->res_body, n);
	call->res.status = evhttp_request_get_response_code(ereq);
	call->res.content_type = call->res_ctype;
	call->res.body = call->res_body;
	call->res.body_len = n;
	call->res.priv_headers = &call->res_headers;
	return SGP_OK;
}

static void req_done_cb(struct evhttp_request *ereq, void *arg)
{
	struct http_conn *c = arg;
	struct http_call *call = c->call;
	struct http_client *cli = c->cli;

	if (!call)
		return;		/* cancelled or timed out */
	c->call = NULL;
	call->conn = NULL;
	if (trace_enabled())
		conn_note_local(c, call);
	if (ereq && evhttp_request_get_response_code(ereq) > 0) {
		const char *conn_hdr = evhttp_find_header(evhttp_request_get_input_headers(ereq),
							  "Connection");

		if (copy_response(call, ereq) < 0)
			call_fail(call, HTTP_XFER_PROTOCOL, "out of memory");
		if (conn_hdr && strcasecmp(conn_hdr, "close") == 0)
			conn_retire(c);
	} else {
		/* evhttp reports a failed connect (refused, connect timeout)
		 * with the request but neither status nor error callback. */
		if (ereq && !call->ereq_err)
			call->connect_failed = true;
		classify_failure(call, c);
		conn_retire(c);
		/* No retry, not even on a reused connection: a POST that may
		 * have reached the server is never sent twice (RFC 9110
		 * 9.2.2); evhttp itself notices idle connections the server
		 * closed and opens a new one for the next call. */
	}
	if (c->closed)
		conn_retire(c);
	else if (!c->retired)
		conn_trim_idle(cli, c);
	/* Deliver from the call's event, outside evhttp. */
	call->done = true;
	event_del(call->ev);
	event_active(call->ev, EV_TIMEOUT, 1);
}

static int call_start(struct http_call *call)
{
	struct http_client *cli = call->cli;
	struct http_conn *c = conn_get(cli, &call->url);
	struct evhttp_request *ereq;
	struct evkeyvalq *h;
	char host[300];
	bool dflt_port;

	if (!c)
		return SGP_ERR_IO;
	ereq = evhttp_request_new(req_done_cb, c);
	if (!ereq)
		return SGP_ERR_NOMEM;
	evhttp_request_set_error_cb(ereq, req_error_cb);
	h = evhttp_request_get_output_headers(ereq);
	dflt_port = call->url.port == (call->url.tls ? 443 : 80);
	if (strchr(call->url.host, ':'))
		snprintf(host, sizeof(host), dflt_port ? "[%s]" : "[%s]:%u", call->url.host,
			 (unsigned)call->url.port);
	else
		snprintf(host, sizeof(host), dflt_port ? "%s" : "%s:%u", call->url.host,
			 (unsigned)call->url.port);
	if (evhttp_add_header(h, "Host", host) < 0 ||
	    (call->content_type && evhttp_add_header(h, "Content-Type", call->content_type) < 0))
		goto fail;
	for (const struct http_header *x = call->headers; x && x->name; x++)
		if (evhttp_add_header(h, x->name, x->value) < 0)
			goto fail;
	if (evbuffer_add(evhttp_request_get_output_buffer(ereq), call->body, call->len) < 0)
		goto fail;
	c->call = call;
	c->uses++;
	call->conn = c;
	if (trace_enabled()) {
		snprintf(host, sizeof(host), "%s:%u", call->url.host, (unsigned)call->url.port);
		call->trace_req = trace_http(TRACE_HTTP_CLIENT, -1, cli->name, c->local, host,
					     "POST", call->url.path, 0, call->content_type,
					     call->body, call->len, NULL);
	}
	if (evhttp_make_request(c->evcon, ereq, EVHTTP_REQ_POST, call->url.path) < 0) {
		/* evhttp freed ereq. */
		c->call = NULL;
		call->conn = NULL;
		conn_retire(c);
		return SGP_ERR_IO;
	}
	/* a numeric host is connected by now (the resolver answers at once) */
	http_bev_nodelay(c->bev);
	return SGP_OK;
fail:
	evhttp_request_free(ereq);
	return SGP_ERR_INVAL;
}

static int copy_headers(struct http_call *call, const struct http_header *headers)
{
	size_t n = 0;

	while (headers && headers[n].name)
		n++;
	call->headers = calloc(n + 1, sizeof(*call->headers));
	if (!call->headers)
		return SGP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!http_header_name_ok(headers[i].name) || !headers[i].value ||
		    !http_header_value_ok(headers[i].value))
			return SGP_ERR_INVAL;
		call->headers[i].name = strdup(headers[i].name);
		call->headers[i].value = strdup(headers[i].value);
		if (!call->headers[i].name || !call->headers[i].value) {
			free((char *)call->headers[i].name);
			free((char *)call->headers[i].value);
			call->headers[i].name = call->headers[i].value = NULL;
			return SGP_ERR_NOMEM;
		}
	}
	return SGP_OK;
}

struct http_call *http_client_post(struct http_client *cli, const char *url,
				   const char *content_type, const uint8_t *body,
				   size_t len, const struct http_header *headers,
				   unsigned timeout_ms, http_client_cb cb, void *arg,
				   int *err)
{
	struct http_call *call = NULL;
	struct timeval tv;
	int rc;

	if (!cli || !url || !cb || (len && !body) ||
	    (content_type && !http_header_value_ok(content_type))) {
		rc = SGP_ERR_INVAL;
		goto fail;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		rc = SGP_ERR_NOMEM;
		goto fail;
	}
	call->res_headers.tqh_first = NULL;
	call->res_headers.tqh_last = &call->res_headers.tqh_first;
	call->cli = cli;
	call->cb = cb;
	call->arg = arg;
	call->trace_req = -1;
	rc = http_url_parse(url, &call->url);
	if (rc < 0) {
		LOGP(DHTTP, LOGL_ERROR, "%s: malformed URL '%s'", cli->name, url);
		goto fail;
	}
	if (call->url.tls && !cli->ssl_ctx) {
		rc = SGP_ERR_CRYPTO;
		goto fail;
	}
	rc = copy_headers(call, headers);
	if (rc < 0)
		goto fail;
	rc = SGP_ERR_NOMEM;
	if (content_type && !(call->content_type = strdup(content_type)))
		goto fail;
	call->body = malloc(len ? len : 1);
	call->ev = event_new(cli->base, -1, 0, call_event_cb, call);
	if (!call->body || !call->ev)
		goto fail;
	if (len)
		memcpy(call->body, body, len);
	call->len = len;
	rc = call_start(call);
	if (rc < 0)
		goto fail;
	if (!timeout_ms)
		timeout_ms = cli->timeout_ms;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	event_add(call->ev, &tv);
	call->next = cli->calls;
	if (cli->calls)
		cli->calls->prev = call;
	cli->calls = call;
	cli->stats.calls++;
	if (err)
		*err = SGP_OK;
	return call;
fail:
	if (call) {
		if (call->conn)
			conn_retire(call->conn);
		call_free(call);
	}
	if (err)
		*err = rc;
	return NULL;
}

void http_call_cancel(struct http_call *call)
{
	if (!call)
		return;
	if (call->conn)
		conn_retire(call->conn);	/* the request goes with it */
	call_unlink(call);
	call_free(call);
}

struct http_client *http_client_new(struct event_base *base,
				    const struct http_client_cfg *cfg, int *err)
{
	struct http_client *cli;
	int rc = SGP_ERR_NOMEM;

	if (!base || !cfg) {
		if (err)
			*err = SGP_ERR_INVAL;
		return NULL;
	}
	http_libevent_log_init();
	cli = calloc(1, sizeof(*cli));
	if (!cli)
		goto fail;
	cli->base = base;
	cli->name = strdup(cfg->name ? cfg->name : "http-client");
	cli->max_body = cfg->max_body ? cfg->max_body : 1024 * 1024;
	cli->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	cli->max_idle = cfg->max_idle_per_host ? cfg->max_idle_per_host : 4;
	cli->no_verify = cfg->tls && cfg->tls->no_verify;
	cli->reaper = event_new(base, -1, 0, reaper_cb, cli);
	if (!cli->name || !cli->reaper)
		goto fail;
	cli->ssl_ctx = http_tls_ctx_new(cfg->tls, false, cli->name);
	if (!cli->ssl_ctx) {
		rc = SGP_ERR_CRYPTO;
		goto fail;
	}
	if (err)
		*err = SGP_OK;
	return cli;
fail:
	http_client_free(cli);
	if (err)
		*err = rc;
	return NULL;
}

void http_client_free(struct http_client *cli)
{
	if (!cli)
		return;
	while (cli->calls)
		http_call_cancel(cli->calls);
	while (cli->conns) {
		struct http_conn *c = cli->conns;

		cli->conns = c->next;
		conn_destroy(c);
	}
	while (cli->graveyard) {
		struct http_conn *c = cli->graveyard;

		cli->graveyard = c->next;
		conn_destroy(c);
	}
	if (cli->reaper)
		event_free(cli->reaper);
	if (cli->dns)
		evdns_base_free(cli->dns, 0);
	SSL_CTX_free(cli->ssl_ctx);
	free(cli->name);
	free(cli);
}

void http_client_get_stats(const struct http_client *cli, struct http_client_stats *st)
{
	*st = cli->stats;
}

unsigned http_client_active(const struct http_client *cli)
{
	unsigned n = 0;

	for (const struct http_call *c = cli->calls; c; c = c->next)
		n++;
	return n;
}
