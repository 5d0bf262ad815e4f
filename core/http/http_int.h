/* sgp32lab: internals shared by the files of core/http (not for role code). */
#ifndef SGP_CORE_HTTP_INT_H
#define SGP_CORE_HTTP_INT_H

#include "core/http/http.h"

#include <openssl/ssl.h>

struct bufferevent;

/* What the certificate verification of one TLS session saw first. */
struct http_tls_status {
	int verify_err;		/* X509_V_OK if nothing failed */
	int verify_depth;
};

/* Build an SSL_CTX from cfg (NULL: defaults).  who names the owner in log
 * lines.  NULL on failure (logged). */
SSL_CTX *http_tls_ctx_new(const struct http_tls_cfg *cfg, bool server, const char *who);

/* A client SSL for one connection to u: SNI, host name or IP check unless
 * verify is off.  st collects the verification result. */
SSL *http_tls_client_ssl(SSL_CTX *ctx, const struct http_url *u, bool verify,
			 struct http_tls_status *st);

/* Send libevent's own log messages to the DHTTP category (once). */
void http_libevent_log_init(void);

/* Reason phrase for a status code ("OK", "Not Found", ...). */

/* True if the string may go into a header line (no CR, LF or NUL). */
bool http_header_value_ok(const char *s);
bool http_header_name_ok(const char *s);	/* RFC 9110 token */

/* Send each write at once (TCP_NODELAY): evhttp hands a message to TLS in
 * several records, and Nagle's algorithm would hold all but the first
 * until the peer's delayed ACK, some 40 ms per request and per answer.
 * Best effort: a bufferevent without a socket yet is left alone. */
void http_bev_nodelay(struct bufferevent *bev);

#endif
