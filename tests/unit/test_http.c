/* sgp32lab: unit tests for core/http (server, client, TLS, URLs).
 *
 * Everything runs on 127.0.0.1 port 0 in one event loop; the tests drive
 * the loop until the callbacks under test have fired.  A guard timer only
 * stops a hung test, it is never part of an assertion. */
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"
#include "http_testcerts.h"
#include "testutil.h"

#include <event2/event.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char tmpdir[256];
static struct tc_pki pki_p256, pki_bp, pki_evil, pki_wrongname;
static struct event_base *base;
static bool guard_fired;
static struct event *guard;

/* ---- event loop driving ---- */

static void guard_cb(evutil_socket_t fd, short what, void *arg)
{
	guard_fired = true;
	event_base_loopbreak(base);
}

static void run_until(const bool *flag)
{
	struct timeval tv = { 20, 0 };	/* hang guard only */

	guard_fired = false;
	evtimer_add(guard, &tv);
	while (!*flag && !guard_fired)
		event_base_loop(base, EVLOOP_ONCE);
	evtimer_del(guard);
	ck_assert_msg(*flag, "event never happened");
}

static void setup(void)
{
	log_set_deterministic(true);
	log_set_level_all(LOGL_ERROR);
	base = event_base_new();
	guard = evtimer_new(base, guard_cb, NULL);
}

static void teardown(void)
{
	event_free(guard);
	event_base_free(base);
}

/* ---- client result capture ---- */

struct got {
	bool done;
	int rc;
	enum http_xfer_err xfer;
	int status;
	char ctype[64];
	char body[4096];
	size_t len;
	char detail[256];
	char admin[64];
	char req_ctype[64];
};

static void client_cb(const struct http_result *res, void *arg)
{
	struct got *g = arg;
	const char *h;

	g->done = true;
	g->rc = res->rc;
	g->xfer = res->xfer;
	g->status = res->status;
	snprintf(g->detail, sizeof(g->detail), "%s", res->detail ? res->detail : "");
	snprintf(g->ctype, sizeof(g->ctype), "%s", res->content_type ? res->content_type : "");
	g->len = res->body_len;
	ck_assert(res->rc == 0 || (res->body == NULL && res->body_len == 0));
	if (res->body && res->body_len < sizeof(g->body)) {
		memcpy(g->body, res->body, res->body_len);
		g->body[res->body_len] = '\0';
	}
	h = http_result_header(res, "X-Admin-Protocol");
	snprintf(g->admin, sizeof(g->admin), "%s", h ? h : "");
	h = http_result_header(res, "X-Req-Type");
	snprintf(g->req_ctype, sizeof(g->req_ctype), "%s", h ? h : "");
}

static struct got post(struct http_client *cli, const char *url, const char *body,
		       unsigned timeout_ms)
{
	struct got g = { 0 };
	static const struct http_header hdr[] = {
		{ "X-Admin-Protocol", "gsma/rsp/v2.5.0" }, { NULL, NULL }
	};
	int err;

	ck_assert_ptr_nonnull(http_client_post(cli, url, "application/json",
					       (const uint8_t *)body, strlen(body), hdr,
					       timeout_ms, client_cb, &g, &err));
	run_until(&g.done);
	return g;
}

/* ---- server handlers ---- */

/* Echo: body "echo:<body>", the request's Content-Type in X-Req-Type, the
 * request's X-Admin-Protocol back. */
static void echo_handler(struct http_request *req, void *arg)
{
	size_t len;
	const uint8_t *b = http_request_body(req, &len);
	char out[4096];
	int n = snprintf(out, sizeof(out), "echo:%.*s", (int)len, (const char *)b);
	const char *ct = http_request_header(req, "Content-Type");
	const char *ap = http_request_header(req, "x-admin-protocol");
	struct http_header extra[] = {
		{ "X-Req-Type", ct ? ct : "none" },
		{ "X-Admin-Protocol", ap ? ap : "none" },
		{ NULL, NULL },
	};

	ck_assert_str_eq(http_request_method(req), "POST");
	http_request_reply(req, 200, "application/json", extra, (const uint8_t *)out,
			   (size_t)n);
}

/* Mirror: answers with the request's own body and Content-Type, without
 * copying them: http_request_reply() must take them before the request is
 * released (a use-after-free once, found by the scenario echo server). */
static void mirror_handler(struct http_request *req, void *arg)
{
	size_t len;
	const uint8_t *b = http_request_body(req, &len);

	http_request_reply(req, 200, http_request_header(req, "Content-Type"), NULL, b, len);
}

/* Answers with the request's path and peer as header values (strings the
 * request owns), then with a header name that is no token when asked. */
static void header_handler(struct http_request *req, void *arg)
{
	struct http_header good[] = {
		{ "X-Path", http_request_path(req) },
		{ "X-Peer", http_request_peer(req) },
		{ NULL, NULL },
	};
	struct http_header bad[] = { { "X Bad:", "v" }, { NULL, NULL } };
	bool want_bad = strcmp(http_request_path(req), "/headers/bad") == 0;

	(void)arg;
	if (want_bad)
		ck_assert_int_eq(http_request_reply(req, 200, "text/plain", bad, NULL, 0), SGP_ERR_INVAL);
	else
		ck_assert_int_eq(http_request_reply(req, 200, "text/plain", good, NULL, 0), SGP_OK);
}

/* Answers, then frees its own server (arg) from inside the handler. */
static void suicide_handler(struct http_request *req, void *arg)
{
	struct http_server **srv = arg;

	http_request_reply(req, 200, "text/plain", NULL, (const uint8_t *)"bye", 3);
	http_server_free(*srv);
	*srv = NULL;
}

static void big_handler(struct http_request *req, void *arg)
{
	static uint8_t big[2000];

	memset(big, 'x', sizeof(big));
	http_request_reply(req, 200, "application/octet-stream", NULL, big, sizeof(big));
}

/* Keeps the request; a test answers it later (or never). */
struct held {
	struct http_request *req;
	bool arrived;
	bool aborted;
	bool answered;
};

static void held_abort(struct http_request *req, void *arg)
{
	struct held *h = arg;

	ck_assert_ptr_eq(req, h->req);
	h->aborted = true;
	h->req = NULL;
}

static void hold_handler(struct http_request *req, void *arg)
{
	struct held *h = arg;

	h->req = req;
	h->arrived = true;
	http_request_set_abort_cb(req, held_abort, h);
}

static void held_answer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct held *h = arg;

	if (h->req)
		http_request_reply(h->req, 200, "text/plain", NULL, (const uint8_t *)"late", 4);
	h->req = NULL;
	h->answered = true;
}

static struct http_server *server(const struct http_tls_cfg *tls, struct held *held,
				  unsigned req_timeout_ms)
{
	struct http_server_cfg cfg = {
		.name = "test-srv",
		.tls = tls,
		.max_body = 1024,
		.max_headers = 4096,
		.request_timeout_ms = req_timeout_ms,
	};
	struct http_server *srv;
	int err;

	srv = http_server_new(base, &cfg, &err);
	ck_assert_msg(srv != NULL, "server: %s", sgp_strerror(err));
	ck_assert_uint_ne(http_server_port(srv), 0);
	ck_assert_int_eq(http_server_add_route(srv, "/gsma/rsp2/es9plus/", true, echo_handler,
					       NULL), SGP_OK);
	ck_assert_int_eq(http_server_add_route(srv, "/echo", false, echo_handler, NULL), 0);
	ck_assert_int_eq(http_server_add_route(srv, "/echo", false, echo_handler, NULL),
			 SGP_ERR_EXISTS);
	ck_assert_int_eq(http_server_add_route(srv, "/big", false, big_handler, NULL), 0);
	ck_assert_int_eq(http_server_add_route(srv, "/mirror", false, mirror_handler, NULL), 0);
	ck_assert_int_eq(http_server_add_route(srv, "/headers/", true, header_handler, NULL), 0);
	if (held)
		ck_assert_int_eq(http_server_add_route(srv, "/hold", false, hold_handler, held),
				 0);
	return srv;
}

static struct http_client *client(const struct http_tls_cfg *tls, size_t max_body)
{
	struct http_client_cfg cfg = { .name = "test-cli", .tls = tls, .max_body = max_body };
	struct http_client *cli;
	int err;

	cli = http_client_new(base, &cfg, &err);
	ck_assert_msg(cli != NULL, "client: %s", sgp_strerror(err));
	return cli;
}

static void url_of(char *buf, size_t len, bool tls, const struct http_server *srv,
		   const char *path)
{
	snprintf(buf, len, "%s://127.0.0.1:%u%s", tls ? "https" : "http",
		 (unsigned)http_server_port(srv), path);
}

/* ---- raw sockets, for what a well-behaved client never sends ---- */

static int raw_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void raw_send(int fd, const char *data, size_t len)
{
	/* The server reads on the same loop: never block, drop what does not
	 * fit (the server is expected to have given up by then anyway). */
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

struct raw_rd {
	int fd;
	char buf[8192];
	size_t len;
	bool eof;
};

static void raw_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct raw_rd *r = arg;
	ssize_t n;

	n = recv(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len, 0);
	if (n > 0) {
		r->len += (size_t)n;
		r->buf[r->len] = '\0';
		if (r->len + 1 < sizeof(r->buf))
			return;
	} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	r->eof = true;		/* EOF, reset, or buffer full */
}

/* Read until the server closes the connection. */
static void raw_read_all(struct raw_rd *r)
{
	struct event *ev = event_new(base, r->fd, EV_READ | EV_PERSIST, raw_read_cb, r);

	event_add(ev, NULL);
	run_until(&r->eof);
	event_free(ev);
	close(r->fd);
}

static int raw_status(const struct raw_rd *r)
{
	int st = 0;

	if (sscanf(r->buf, "HTTP/1.%*d %d", &st) != 1)
		return 0;	/* closed without an answer */
	return st;
}

/* ---- tests ---- */

START_TEST(test_url_parse)
{
	static const char *bad[] = {
		"", "ftp://a/", "http//a/", "http://", "http:///x", "http://a:0/",
		"http://a:65536/", "http://a:/", "http://a:12x/", "http://u@a/",
		"http://a/#frag", "http://a/ b", "http://::1/", "http://[::1/",
		"http://[1.2.3.4]/", "http://[::1]x/", "http://1.2.3/", "http://256.1.1.1/",
		"http://-a.example/", "http://a..b/", "http://a_b/", "http://a/%zz",
		"http://a/\x01", "http://a/\xc3\xa9", "https://a:123456/",
	};
	struct http_url u;

	ck_assert_int_eq(http_url_parse("https://smdp.example.com/gsma/rsp2/es9plus/x", &u), 0);
	ck_assert(u.tls);
	ck_assert_str_eq(u.host, "smdp.example.com");
	ck_assert_uint_eq(u.port, 443);
	ck_assert(!u.host_is_ip);
	ck_assert_str_eq(u.path, "/gsma/rsp2/es9plus/x");
	ck_assert_int_eq(http_url_parse("HTTP://127.0.0.1:8080", &u), 0);
	ck_assert(!u.tls);
	ck_assert(u.host_is_ip);
	ck_assert_uint_eq(u.port, 8080);
	ck_assert_str_eq(u.path, "/");
	ck_assert_int_eq(http_url_parse("http://[::1]:9/a?b=c%20d", &u), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert(u.host_is_ip);
	ck_assert_uint_eq(u.port, 9);
	ck_assert_str_eq(u.path, "/a?b=c%20d");
	ck_assert_int_eq(http_url_parse("https://EIM.Example?x=1", &u), 0);
	ck_assert_str_eq(u.host, "eim.example");
	ck_assert_str_eq(u.path, "/?x=1");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(http_url_parse(bad[i], &u) < 0, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_plain_roundtrip)
{
	struct http_server *srv = server(NULL, NULL, 0);
	struct http_client *cli = client(NULL, 0);
	char url[128];
	struct got g;
	int err;

	url_of(url, sizeof(url), false, srv, "/echo");
	g = post(cli, url, "{\"a\":1}", 0);
	ck_assert_msg(g.rc == 0, "rc %d: %s", g.rc, g.detail);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(g.ctype, "application/json");
	ck_assert_str_eq(g.body, "echo:{\"a\":1}");
	ck_assert_str_eq(g.admin, "gsma/rsp/v2.5.0");
	ck_assert_str_eq(g.req_ctype, "application/json");
	/* prefix route */
	url_of(url, sizeof(url), false, srv, "/gsma/rsp2/es9plus/initiateAuthentication");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(g.body, "echo:x");
	/* an answer made of the request's own bytes */
	url_of(url, sizeof(url), false, srv, "/mirror");
	g = post(cli, url, "mirror me", 0);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(g.body, "mirror me");
	ck_assert_str_eq(g.ctype, "application/json");
	/* malformed URL: synchronous error, no callback */
	ck_assert_ptr_null(http_client_post(cli, "http://127.0.0.1:99999/", NULL, NULL, 0,
					    NULL, 0, client_cb, &g, &err));
	ck_assert_int_eq(err, SGP_ERR_PARSE);
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

static void tls_roundtrip(const struct tc_pki *pki, enum http_tls_version srv_max,
			  enum http_tls_version cli_min)
{
	struct http_tls_cfg stls = { .cert_file = pki->cert, .key_file = pki->key,
				     .max_version = srv_max };
	struct http_tls_cfg ctls = { .ca_file = pki->ca, .min_version = cli_min };
	struct http_server *srv = server(&stls, NULL, 0);
	struct http_client *cli = client(&ctls, 0);
	char url[128];
	struct got g;

	url_of(url, sizeof(url), true, srv, "/echo");
	g = post(cli, url, "hello", 0);
	ck_assert_msg(g.rc == 0, "rc %d (%s): %s", g.rc, http_xfer_err_str(g.xfer), g.detail);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(g.body, "echo:hello");
	http_client_free(cli);

	/* The versions really are enforced: a TLS 1.3-only client cannot
	 * talk to a TLS 1.2-only server. */
	if (srv_max == HTTP_TLS_1_2) {
		ctls.min_version = HTTP_TLS_1_3;
		cli = client(&ctls, 0);
		g = post(cli, url, "hello", 0);
		ck_assert_int_eq(g.xfer, HTTP_XFER_TLS);
		ck_assert_int_eq(g.rc, SGP_ERR_CRYPTO);
		http_client_free(cli);
	}
	http_server_free(srv);
}

START_TEST(test_https_p256_tls12)
{
	tls_roundtrip(&pki_p256, HTTP_TLS_1_2, HTTP_TLS_DEFAULT);
}
END_TEST

START_TEST(test_https_p256_tls13)
{
	tls_roundtrip(&pki_p256, HTTP_TLS_DEFAULT, HTTP_TLS_1_3);
}
END_TEST

START_TEST(test_https_brainpool_tls12)
{
	tls_roundtrip(&pki_bp, HTTP_TLS_1_2, HTTP_TLS_DEFAULT);
}
END_TEST

START_TEST(test_https_brainpool_tls13)
{
	if (!http_tls_brainpool_tls13_supported()) {
		fprintf(stderr, "skipped: this OpenSSL has no TLS 1.3 brainpool (RFC 8734)\n");
		return;
	}
	tls_roundtrip(&pki_bp, HTTP_TLS_DEFAULT, HTTP_TLS_1_3);
}
END_TEST

START_TEST(test_https_untrusted_server)
{
	struct http_tls_cfg stls = { .cert_file = pki_evil.cert, .key_file = pki_evil.key };
	struct http_tls_cfg ctls = { .ca_file = pki_p256.ca };
	struct http_server *srv = server(&stls, NULL, 0);
	struct http_client *cli = client(&ctls, 0);
	char url[128];
	struct got g;

	url_of(url, sizeof(url), true, srv, "/echo");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.xfer, HTTP_XFER_TLS_VERIFY);
	ck_assert_int_eq(g.rc, SGP_ERR_VERIFY);
	ck_assert_msg(strstr(g.detail, "local issuer") != NULL, "detail: %s", g.detail);
	http_client_free(cli);

	/* verification explicitly off: accepted */
	ctls.no_verify = true;
	cli = client(&ctls, 0);
	g = post(cli, url, "x", 0);
	ck_assert_msg(g.rc == 0, "rc %d: %s", g.rc, g.detail);
	ck_assert_int_eq(g.status, 200);
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

START_TEST(test_https_name_mismatch)
{
	struct http_tls_cfg stls = { .cert_file = pki_wrongname.cert,
				     .key_file = pki_wrongname.key };
	struct http_tls_cfg ctls = { .ca_file = pki_wrongname.ca };
	struct http_server *srv = server(&stls, NULL, 0);
	struct http_client *cli = client(&ctls, 0);
	char url[128];
	struct got g;

	url_of(url, sizeof(url), true, srv, "/echo");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.xfer, HTTP_XFER_TLS_VERIFY);
	ck_assert_msg(strstr(g.detail, "mismatch") != NULL, "detail: %s", g.detail);
	/* by name: the certificate is for wrong.example, not localhost */
	snprintf(url, sizeof(url), "https://localhost:%u/echo", (unsigned)http_server_port(srv));
	g = post(cli, url, "x", 0);
	ck_assert_msg(g.xfer == HTTP_XFER_TLS_VERIFY || g.xfer == HTTP_XFER_CONNECT,
		      "xfer %d: %s", g.xfer, g.detail);
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

START_TEST(test_status_404_405_413)
{
	struct http_server *srv = server(NULL, NULL, 0);
	struct http_client *cli = client(NULL, 0);
	char url[128], big[2000];
	struct raw_rd r = { 0 };
	struct got g;
	static const char get[] = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";

	url_of(url, sizeof(url), false, srv, "/nope");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_int_eq(g.status, 404);

	r.fd = raw_connect(http_server_port(srv));
	raw_send(r.fd, get, sizeof(get) - 1);
	shutdown(r.fd, SHUT_WR);
	raw_read_all(&r);
	ck_assert_int_eq(raw_status(&r), 405);
	ck_assert_msg(strstr(r.buf, "Allow: POST") != NULL, "%s", r.buf);

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	url_of(url, sizeof(url), false, srv, "/echo");
	g = post(cli, url, big, 0);
	ck_assert_msg(g.rc == 0, "rc %d: %s", g.rc, g.detail);
	ck_assert_int_eq(g.status, 413);

	/* the server keeps serving */
	g = post(cli, url, "ok", 0);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(g.body, "echo:ok");
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

START_TEST(test_keepalive_reuse)
{
	struct http_tls_cfg stls = { .cert_file = pki_p256.cert, .key_file = pki_p256.key };
	struct http_tls_cfg ctls = { .ca_file = pki_p256.ca };
	struct http_server *srv = server(NULL, NULL, 0), *tsrv = server(&stls, NULL, 0);
	struct http_client *cli = client(&ctls, 0);
	struct http_server_stats st;
	struct http_client_stats cst;
	char url[128];
	struct got g;

	url_of(url, sizeof(url), false, srv, "/echo");
	for (int i = 0; i < 3; i++) {
		g = post(cli, url, "k", 0);
		ck_assert_int_eq(g.status, 200);
	}
	http_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.connections, 1);
	ck_assert_uint_eq(st.requests, 3);

	url_of(url, sizeof(url), true, tsrv, "/echo");
	for (int i = 0; i < 2; i++) {
		g = post(cli, url, "k", 0);
		ck_assert_int_eq(g.status, 200);
	}
	http_server_get_stats(tsrv, &st);
	ck_assert_uint_eq(st.connections, 1);
	ck_assert_uint_eq(st.requests, 2);
	http_client_get_stats(cli, &cst);
	ck_assert_uint_eq(cst.connections, 2);	/* one per origin */
	ck_assert_uint_eq(cst.calls, 5);
	http_client_free(cli);
	http_server_free(tsrv);
	http_server_free(srv);
}
END_TEST

START_TEST(test_async_answer)
{
	struct held h = { 0 };
	struct http_server *srv = server(NULL, &h, 0);
	struct http_client *cli = client(NULL, 0);
	struct event *later = evtimer_new(base, held_answer_cb, &h);
	struct timeval tv = { 0, 1000 };
	char url[128];
	struct got g = { 0 };
	int err;

	url_of(url, sizeof(url), false, srv, "/hold");
	ck_assert_ptr_nonnull(http_client_post(cli, url, "text/plain", (const uint8_t *)"a", 1,
					       NULL, 0, client_cb, &g, &err));
	run_until(&h.arrived);
	ck_assert(!g.done);
	evtimer_add(later, &tv);
	run_until(&g.done);
	ck_assert(h.answered);
	ck_assert(!h.aborted);
	ck_assert_int_eq(g.status, 200);
	ck_assert_str_eq(g.body, "late");
	event_free(later);
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

START_TEST(test_client_gone_before_async_answer)
{
	struct held h = { 0 };
	struct http_server *srv = server(NULL, &h, 0);
	struct http_client *cli = client(NULL, 0);
	struct event *later = evtimer_new(base, held_answer_cb, &h);
	struct timeval tv = { 0, 1000 };
	static const char req[] = "POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
	char url[128];
	struct got g;
	int fd;

	fd = raw_connect(http_server_port(srv));
	raw_send(fd, req, sizeof(req) - 1);
	run_until(&h.arrived);
	close(fd);
	/* Whether the server notices the close first (abort callback) or the
	 * answer goes to a dead socket, nothing may crash or leak. */
	evtimer_add(later, &tv);
	run_until(&h.answered);
	url_of(url, sizeof(url), false, srv, "/echo");
	g = post(cli, url, "still", 0);
	ck_assert_int_eq(g.status, 200);

	/* A request still held when the server is freed is aborted. */
	h.arrived = h.answered = h.aborted = false;
	fd = raw_connect(http_server_port(srv));
	raw_send(fd, req, sizeof(req) - 1);
	run_until(&h.arrived);
	http_server_free(srv);
	ck_assert(h.aborted);
	ck_assert_ptr_null(h.req);
	close(fd);
	event_free(later);
	http_client_free(cli);
}
END_TEST

START_TEST(test_malformed_requests)
{
	struct http_server *srv = server(NULL, NULL, 0);
	struct http_client *cli = client(NULL, 0);
	static const char *reqs[] = {
		"GARBAGE\r\n\r\n",
		"\x16\x03\x01\x02\xff\x01\xff\x01\xfc\x03\x03\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\nhi",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhi",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"POST /echo HTTP/1.1\r\nno colon header\r\n\r\n",
	};
	char url[128], flood[32768];
	struct raw_rd r;
	size_t n = 0;
	struct got g;

	url_of(url, sizeof(url), false, srv, "/echo");
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		int st;

		memset(&r, 0, sizeof(r));
		r.fd = raw_connect(http_server_port(srv));
		raw_send(r.fd, reqs[i], strlen(reqs[i]));
		raw_read_all(&r);
		st = raw_status(&r);
		ck_assert_msg(st == 0 || st == 400 || st == 413, "request %zu: status %d", i, st);
		g = post(cli, url, "alive", 0);
		ck_assert_int_eq(g.status, 200);
	}

	/* header flood: far beyond max_headers */
	n = (size_t)snprintf(flood, sizeof(flood), "POST /echo HTTP/1.1\r\nHost: x\r\n");
	while (n + 32 < sizeof(flood))
		n += (size_t)snprintf(flood + n, sizeof(flood) - n, "X-Flood-%zu: yyyy\r\n", n);
	memset(&r, 0, sizeof(r));
	r.fd = raw_connect(http_server_port(srv));
	raw_send(r.fd, flood, n);
	raw_read_all(&r);
	ck_assert_msg(raw_status(&r) == 0 || raw_status(&r) == 400 || raw_status(&r) == 413,
		      "flood: %d", raw_status(&r));
	g = post(cli, url, "alive", 0);
	ck_assert_int_eq(g.status, 200);

	/* truncated body, then close */
	memset(&r, 0, sizeof(r));
	r.fd = raw_connect(http_server_port(srv));
	raw_send(r.fd, "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort", 48);
	shutdown(r.fd, SHUT_WR);
	raw_read_all(&r);
	ck_assert_int_eq(raw_status(&r), 0);
	g = post(cli, url, "alive", 0);
	ck_assert_int_eq(g.status, 200);
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

START_TEST(test_ipv6)
{
	struct http_server_cfg cfg = { .addr = "::1" };
	struct http_client *cli;
	struct http_server *srv;
	char url[128];
	struct got g;
	int err;

	srv = http_server_new(base, &cfg, &err);
	if (!srv) {
		fprintf(stderr, "skipped: no IPv6 loopback\n");
		return;
	}
	ck_assert_int_eq(http_server_add_route(srv, "/echo", false, echo_handler, NULL), 0);
	cli = client(NULL, 0);
	snprintf(url, sizeof(url), "http://[::1]:%u/echo", (unsigned)http_server_port(srv));
	g = post(cli, url, "six", 0);
	ck_assert_msg(g.rc == 0, "rc %d: %s", g.rc, g.detail);
	ck_assert_str_eq(g.body, "echo:six");
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

/* A client that stops in the middle of its request line is dropped after
 * the idle timeout (no slow-client exhaustion). */
START_TEST(test_stalled_request)
{
	struct http_server_cfg cfg = { .idle_timeout_ms = 200 };
	struct http_server *srv;
	struct raw_rd r = { 0 };
	int err;

	srv = http_server_new(base, &cfg, &err);
	ck_assert_ptr_nonnull(srv);
	r.fd = raw_connect(http_server_port(srv));
	raw_send(r.fd, "POST /ec", 8);
	raw_read_all(&r);
	ck_assert_int_eq(raw_status(&r), 0);
	http_server_free(srv);
}
END_TEST

START_TEST(test_timeouts)
{
	struct held h = { 0 };
	struct http_server *srv = server(NULL, &h, 200);
	struct http_client *cli = client(NULL, 0);
	struct http_server_stats st;
	char url[128];
	struct got g;

	/* The handler never answers; the client gives up first. */
	url_of(url, sizeof(url), false, srv, "/hold");
	g = post(cli, url, "x", 100);
	ck_assert_int_eq(g.xfer, HTTP_XFER_TIMEOUT);
	ck_assert_int_eq(g.rc, SGP_ERR_TIMEOUT);
	ck_assert_int_eq(g.status, 0);
	/* ... the server's own request timeout then fires. */
	run_until(&h.aborted);

	/* A patient client gets the server's 503. */
	h.arrived = h.aborted = false;
	g = post(cli, url, "x", 10000);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_int_eq(g.status, 503);
	ck_assert(h.aborted);
	http_server_get_stats(srv, &st);
	ck_assert_uint_eq(st.timeouts, 2);
	http_client_free(cli);
	http_server_free(srv);
}
END_TEST

START_TEST(test_transport_errors)
{
	struct http_server *srv = server(NULL, NULL, 0);
	struct http_client *cli = client(NULL, 100), *cli2 = client(NULL, 0);
	struct held h = { 0 };
	char url[128];
	struct got g, never = { 0 };
	struct http_call *call;
	uint16_t port;
	int err;

	/* response over the client's limit */
	url_of(url, sizeof(url), false, srv, "/big");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.xfer, HTTP_XFER_TOOBIG);
	ck_assert_int_eq(g.rc, SGP_ERR_TOOBIG);
	port = http_server_port(srv);
	http_server_free(srv);

	/* nothing listens there any more */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/echo", (unsigned)port);
	g = post(cli, url, "x", 0);
	ck_assert_msg(g.xfer == HTTP_XFER_CONNECT, "xfer %d: %s", g.xfer, g.detail);
	ck_assert_int_eq(g.rc, SGP_ERR_IO);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/echo", (unsigned)port);
	g = post(cli, url, "x", 0);
	ck_assert_msg(g.xfer == HTTP_XFER_CONNECT, "xfer %d: %s", g.xfer, g.detail);

	/* a cancelled call never calls back; the held request ends with the
	 * server's request timeout */
	srv = server(NULL, &h, 200);
	url_of(url, sizeof(url), false, srv, "/hold");
	call = http_client_post(cli2, url, NULL, NULL, 0, NULL, 0, client_cb, &never, &err);
	ck_assert_ptr_nonnull(call);
	run_until(&h.arrived);
	http_call_cancel(call);
	run_until(&h.aborted);
	url_of(url, sizeof(url), false, srv, "/echo");
	g = post(cli2, url, "x", 0);
	ck_assert_int_eq(g.status, 200);
	ck_assert(!never.done);

	/* pending calls die with their client, silently */
	url_of(url, sizeof(url), false, srv, "/hold");
	h.arrived = false;
	ck_assert_ptr_nonnull(http_client_post(cli2, url, NULL, NULL, 0, NULL, 0, client_cb,
					       &never, &err));
	run_until(&h.arrived);
	http_client_free(cli2);
	http_client_free(cli);
	run_until(&h.aborted);
	ck_assert(!never.done);
	http_server_free(srv);
}
END_TEST

static size_t count_lines(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	fclose(f);
	return n;
}

START_TEST(test_sslkeylogfile)
{
	char path[512], url[128];
	struct http_tls_cfg stls12 = { .cert_file = pki_p256.cert, .key_file = pki_p256.key,
				       .max_version = HTTP_TLS_1_2 };
	struct http_tls_cfg stls13 = { .cert_file = pki_p256.cert, .key_file = pki_p256.key };
	struct http_tls_cfg ctls = { .ca_file = pki_p256.ca };
	struct http_server *s12, *s13;
	struct http_client *cli;
	struct got g;

	snprintf(path, sizeof(path), "%s/keylog.txt", tmpdir);
	unlink(path);
	setenv("SSLKEYLOGFILE", path, 1);
	s12 = server(&stls12, NULL, 0);
	s13 = server(&stls13, NULL, 0);
	cli = client(&ctls, 0);
	url_of(url, sizeof(url), true, s12, "/echo");
	g = post(cli, url, "k", 0);
	ck_assert_int_eq(g.status, 200);
	url_of(url, sizeof(url), true, s13, "/echo");
	g = post(cli, url, "k", 0);
	ck_assert_int_eq(g.status, 200);
	/* TLS 1.2: one CLIENT_RANDOM line from each side */
	ck_assert_uint_eq(count_lines(path, "CLIENT_RANDOM "), 2);
	ck_assert_uint_ge(count_lines(path, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "), 1);
	ck_assert_uint_ge(count_lines(path, "CLIENT_TRAFFIC_SECRET_0 "), 1);
	unsetenv("SSLKEYLOGFILE");
	http_client_free(cli);
	http_server_free(s13);
	http_server_free(s12);
	unlink(path);
}
END_TEST

START_TEST(test_bad_tls_config)
{
	struct http_tls_cfg bad = { .cert_file = "/nonexistent.pem", .key_file = "/x.key" };
	struct http_tls_cfg mismatch = { .cert_file = pki_p256.cert, .key_file = pki_bp.key };
	struct http_server_cfg cfg = { .tls = &bad };
	int err;

	ck_assert_ptr_null(http_server_new(base, &cfg, &err));
	ck_assert_int_eq(err, SGP_ERR_CRYPTO);
	cfg.tls = &mismatch;
	ck_assert_ptr_null(http_server_new(base, &cfg, &err));
	ck_assert_int_eq(err, SGP_ERR_CRYPTO);
	cfg.tls = NULL;
	cfg.addr = "not-an-address";
	ck_assert_ptr_null(http_server_new(base, &cfg, &err));
	ck_assert_int_eq(err, SGP_ERR_IO);
}
END_TEST

START_TEST(test_reply_headers_and_self_free)
{
	struct http_server *srv = server(NULL, NULL, 0);
	struct http_client *cli = client(NULL, 0);
	char url[128];
	struct got g;

	/* header values that the request owns survive the reply */
	url_of(url, sizeof(url), false, srv, "/headers/ok");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.status, 200);
	/* a header name that is no RFC 9110 token is refused: 500 */
	url_of(url, sizeof(url), false, srv, "/headers/bad");
	g = post(cli, url, "x", 0);
	ck_assert_int_eq(g.status, 500);
	/* a server freed from its own handler: no crash, no leak (ASan) */
	ck_assert_int_eq(http_server_add_route(srv, "/bye", false, suicide_handler, &srv), 0);
	url_of(url, sizeof(url), false, srv, "/bye");
	g = post(cli, url, "x", 0);
	ck_assert_ptr_null(srv);
	ck_assert(g.done);
	http_client_free(cli);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_url_parse);
	tcase_add_test(tc, test_plain_roundtrip);
	tcase_add_test(tc, test_reply_headers_and_self_free);
	tcase_add_test(tc, test_https_p256_tls12);
	tcase_add_test(tc, test_https_p256_tls13);
	tcase_add_test(tc, test_https_brainpool_tls12);
	tcase_add_test(tc, test_https_brainpool_tls13);
	tcase_add_test(tc, test_https_untrusted_server);
	tcase_add_test(tc, test_https_name_mismatch);
	tcase_add_test(tc, test_status_404_405_413);
	tcase_add_test(tc, test_keepalive_reuse);
	tcase_add_test(tc, test_async_answer);
	tcase_add_test(tc, test_client_gone_before_async_answer);
	tcase_add_test(tc, test_malformed_requests);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_stalled_request);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_transport_errors);
	tcase_add_test(tc, test_sslkeylogfile);
	tcase_add_test(tc, test_bad_tls_config);
	suite_add_tcase(s, tc);
	return s;
}

static void rm_tmpdir(void)
{
	static const char *files[] = { "p256", "bp", "evil", "wrong" };
	char p[512];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s-ca.pem", tmpdir, files[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s-srv.pem", tmpdir, files[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s-srv.key", tmpdir, files[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_http.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir) ||
	    tc_make_pki(tmpdir, "p256", "prime256v1", "IP:127.0.0.1,DNS:localhost", &pki_p256) ||
	    tc_make_pki(tmpdir, "bp", "brainpoolP256r1", "IP:127.0.0.1,DNS:localhost", &pki_bp) ||
	    tc_make_pki(tmpdir, "evil", "prime256v1", "IP:127.0.0.1", &pki_evil) ||
	    tc_make_pki(tmpdir, "wrong", "prime256v1", "DNS:wrong.example", &pki_wrongname)) {
		fprintf(stderr, "cannot create the test PKI in %s\n", tmpdir);
		return EXIT_FAILURE;
	}
	rc = test_run_suite(http_suite());
	rm_tmpdir();
	return rc;
}
