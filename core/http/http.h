/* sgp32lab: HTTP(S) transport - server and client over libevent + OpenSSL.
 *
 * The one interface through which role code speaks HTTP (ES9+, ES11, ES12,
 * ES2+, ESipa HTTPS bindings).  Plain TCP and TLS sit behind the same calls;
 * role code never touches OpenSSL or libevent's socket API.
 *
 * Threading: everything runs on the single event loop (struct event_base)
 * given at creation; no function is thread-safe, callbacks are invoked from
 * that loop only.
 *
 * Ownership:
 * - http_server / http_client: owned by the caller, freed with *_free().
 *   The configuration structs (and the http_tls_cfg they point to) are
 *   copied; they need not outlive the *_new() call.
 * - struct http_request (server side): owned by the server.  A handler that
 *   does not answer at once may keep the pointer; it stays valid until the
 *   handler calls http_request_reply() exactly once, or until the abort
 *   callback (http_request_set_abort_cb) runs - the server's per-request
 *   timeout expired (the server then answers 503 itself), the server is
 *   being freed, or evhttp reported the connection gone.  After either
 *   event the pointer is dead.  A handler that keeps the pointer must set
 *   an abort callback.  Note: libevent 2.1 stops reading a connection
 *   while its request is with the handler, so a client that disconnects
 *   meanwhile is usually noticed only when the answer is written (the
 *   answer is then dropped; nothing leaks) or at the request timeout.
 * - struct http_call (client side): owned by the client.  It stays valid
 *   until its callback has returned or http_call_cancel() was called; a
 *   cancelled call's callback is never invoked.  http_client_free() cancels
 *   every pending call (no callbacks).  All pointers inside struct
 *   http_result are valid only during the callback.
 * - Freeing a server or client from inside one of its own callbacks is
 *   allowed; the libevent objects are then released from a later loop turn.
 *   A server freed from a handler closes its connections then: an answer
 *   the handler queued may not reach its client.
 */
#ifndef SGP_CORE_HTTP_H
#define SGP_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

/* An extra header; arrays of them end with { NULL, NULL }. */
struct http_header {
	const char *name;
	const char *value;
};

/* ---- TLS configuration (shared by server and client) ---- */

/* Versions for min_version / max_version. */
enum http_tls_version {
	HTTP_TLS_DEFAULT = 0,	/* min: TLS 1.2, max: TLS 1.3 */
	HTTP_TLS_1_2,
	HTTP_TLS_1_3,
};

struct http_tls_cfg {
	const char *cert_file;	/* PEM: own certificate, then intermediates */
	const char *key_file;	/* PEM private key */
	const char *ca_file;	/* PEM trust anchors for the peer's chain */
	/* Client: verification of the server certificate (chain against
	 * ca_file, host name or IP address against the URL) is on unless
	 * this is set; turning it off logs a warning. */
	bool no_verify;
	/* Server: request and verify a client certificate (mutual TLS). */
	bool verify_client;
	enum http_tls_version min_version;
	enum http_tls_version max_version;
	/* NULL: "P-256:brainpoolP256r1:P-384:X25519" (brainpool must be listed
	 * explicitly: OpenSSL 3.0 leaves it out of its defaults). */
	const char *groups;
	/* NULL: ECDSA+SHA256/384 (TLS 1.2 and 1.3), the TLS 1.3 brainpool
	 * scheme ecdsa_brainpoolP256r1tls13_sha256 when this OpenSSL knows it
	 * (3.2+), RSA-PSS and RSA+SHA256 for interop. */
	const char *sigalgs;
};

/* True if this OpenSSL can run TLS 1.3 with brainpoolP256r1 certificates
 * (RFC 8734, OpenSSL 3.2+).  With 3.0 brainpool certificates work over
 * TLS 1.2 only. */
bool http_tls_brainpool_tls13_supported(void);

/* The environment variable SSLKEYLOGFILE, when set at *_new() time, makes
 * every TLS session append NSS key log lines (CLIENT_RANDOM, TLS 1.3
 * secrets) to that file so that Wireshark can decrypt a capture. */

/* ---- Server ---- */

struct http_server;
struct http_request;

typedef void (*http_handler_fn)(struct http_request *req, void *arg);
typedef void (*http_abort_fn)(struct http_request *req, void *arg);

struct http_server_cfg {
	const char *name;		/* for log lines; NULL: "http" */
	const char *addr;		/* bind address; NULL: "127.0.0.1" */
	uint16_t port;			/* 0: ephemeral, see http_server_port() */
	const struct http_tls_cfg *tls;	/* NULL: plain HTTP */
	size_t max_body;		/* request body limit; 0: 1 MiB */
	size_t max_headers;		/* request header block limit; 0: 16 KiB */
	unsigned request_timeout_ms;	/* handler must answer within; 0: 30 s */
	unsigned idle_timeout_ms;	/* keep-alive / read timeout; 0: 60 s */
};

/* Binds and listens.  NULL on failure (logged; *err gets the sgp_err if
 * err is not NULL). */
struct http_server *http_server_new(struct event_base *base,
				    const struct http_server_cfg *cfg, int *err);
void http_server_free(struct http_server *srv);
uint16_t http_server_port(const struct http_server *srv);

/* POST routes: an exact path, or (prefix=true) every path starting with
 * path.  Exact routes win over prefix routes, longer prefixes over shorter
 * ones.  A path no route matches gets 404, another method on a routed path
 * 405, a body over max_body 413 (and the connection is closed). */
int http_server_add_route(struct http_server *srv, const char *path, bool prefix,
			  http_handler_fn fn, void *arg);
/* The same for a route whose handler takes every method (GET, POST, ...)
 * and checks http_request_method() itself (a REST-style operator API). */
int http_server_add_route_any(struct http_server *srv, const char *path, bool prefix,
			      http_handler_fn fn, void *arg);

struct http_server_stats {
	unsigned long connections;	/* accepted connections */
	unsigned long requests;		/* requests handed to handlers */
	unsigned long timeouts;		/* requests answered 503 by the timeout */
	unsigned long aborted;		/* requests whose client went away */
};
void http_server_get_stats(const struct http_server *srv, struct http_server_stats *st);

const char *http_request_path(const struct http_request *req);	/* no query */
const char *http_request_query(const struct http_request *req);	/* NULL if none */
const char *http_request_method(const struct http_request *req);
/* Case-insensitive header lookup; NULL if absent. */
const char *http_request_header(const struct http_request *req, const char *name);
const uint8_t *http_request_body(const struct http_request *req, size_t *len);
/* "ip:port" of the peer. */
const char *http_request_peer(const struct http_request *req);

/* Answer (exactly once).  content_type and extra may be NULL; the body is
 * copied.  After this call req is dead.  Returns 0 or a negative sgp_err
 * (the request is gone in either case). */
int http_request_reply(struct http_request *req, int status, const char *content_type,
		       const struct http_header *extra, const uint8_t *body, size_t len);

/* Called at most once, if the request dies before the handler answered.
 * The handler must drop its pointer and must not reply. */
void http_request_set_abort_cb(struct http_request *req, http_abort_fn fn, void *arg);

/* ---- Client ---- */

struct http_client;
struct http_call;

/* Why a call failed; see http_xfer_err_str(). */
enum http_xfer_err {
	HTTP_XFER_OK = 0,	/* an HTTP response arrived (any status) */
	HTTP_XFER_CONNECT,	/* TCP connect failed (refused, unreachable, DNS) */
	HTTP_XFER_TLS,		/* TLS handshake failed */
	HTTP_XFER_TLS_VERIFY,	/* server certificate rejected (see detail) */
	HTTP_XFER_TIMEOUT,	/* no complete answer within the timeout */
	HTTP_XFER_TOOBIG,	/* response body over the limit */
	HTTP_XFER_PROTOCOL,	/* malformed response or connection closed early */
};
const char *http_xfer_err_str(enum http_xfer_err e);

struct http_result {
	int rc;			/* 0, or a negative sgp_err for a transport error */
	enum http_xfer_err xfer;
	const char *detail;	/* human-readable reason, e.g. the verify error */
	int status;		/* HTTP status, 0 on transport error */
	const char *content_type; /* NULL if absent */
	const uint8_t *body;	/* NULL on transport error */
	size_t body_len;
	const void *priv_headers; /* for http_result_header() */
};
/* Response header lookup (case-insensitive); NULL if absent. */
const char *http_result_header(const struct http_result *res, const char *name);

typedef void (*http_client_cb)(const struct http_result *res, void *arg);

struct http_client_cfg {
	const char *name;		/* for log lines; NULL: "http-client" */
	const struct http_tls_cfg *tls;	/* for https:// URLs; NULL: defaults,
					 * system trust store */
	size_t max_body;		/* response body limit; 0: 1 MiB */
	unsigned timeout_ms;		/* default per-call timeout; 0: 30 s */
	unsigned max_idle_per_host;	/* kept-alive connections; 0: 4 */
};

struct http_client *http_client_new(struct event_base *base,
				    const struct http_client_cfg *cfg, int *err);
/* Cancels all pending calls (their callbacks are not invoked). */
void http_client_free(struct http_client *cli);

/* POST body to url (http:// or https://).  headers may be NULL;
 * timeout_ms 0 uses the configured default.  Returns the pending call, or
 * NULL with *err set (SGP_ERR_PARSE for a malformed URL, SGP_ERR_INVAL,
 * SGP_ERR_NOMEM); the callback is then never invoked.  On success the
 * callback runs exactly once, from a later loop turn, unless cancelled. */
struct http_call *http_client_post(struct http_client *cli, const char *url,
				   const char *content_type, const uint8_t *body,
				   size_t len, const struct http_header *headers,
				   unsigned timeout_ms, http_client_cb cb, void *arg,
				   int *err);
/* Cancel a pending call: its callback will not run. */
void http_call_cancel(struct http_call *call);

struct http_client_stats {
	unsigned long connections;	/* connections opened */
	unsigned long calls;		/* calls started */
};
void http_client_get_stats(const struct http_client *cli, struct http_client_stats *st);
/* Calls started whose callback has not run yet. */
unsigned http_client_active(const struct http_client *cli);

/* ---- URLs ---- */

struct http_url {
	bool tls;		/* https */
	char host[256];		/* name or IP literal, IPv6 without brackets */
	uint16_t port;		/* explicit or 80 / 443 */
	char path[2048];	/* path and query, at least "/" */
	bool host_is_ip;
};
/* Strict parse of an absolute http:// or https:// URL: no user info, no
 * fragment, a valid port 1..65535.  SGP_ERR_PARSE on anything else,
 * SGP_ERR_TOOBIG if a part does not fit. */
int http_url_parse(const char *url, struct http_url *out);

#endif
