/* sgp32lab: TLS contexts for the HTTP transport (OpenSSL 3).
 *
 * SGP.22 section 2.6.6 (TLS for ES9+/ES11) asks for TLS 1.2 with ECDSA
 * certificates on NIST P-256 or brainpoolP256r1; SGP.32 allows TLS 1.3 as
 * well.  OpenSSL 3.0 offers neither brainpool group nor the RFC 8734 TLS 1.3
 * brainpool signature schemes by default, so groups and signature
 * algorithms are always set explicitly, on both sides. */
#include "core/http/http_int.h"
#include "core/err.h"
#include "core/log.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <event2/bufferevent.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_GROUPS "P-256:brainpoolP256r1:P-384:X25519"
/* TLS 1.2 ECDSA with SHA-256/384 (any curve), TLS 1.3 P-256/P-384, then
 * RSA for interop with peers outside the GSMA PKI. */
#define BASE_SIGALGS "ECDSA+SHA256:ECDSA+SHA384:rsa_pss_rsae_sha256:rsa_pss_pss_sha256:RSA+SHA256"
/* RFC 8734 TLS 1.3 brainpool scheme (OpenSSL 3.2+ names). */
#define BP_SIGALG "ecdsa_brainpoolP256r1tls13_sha256"

static void ssl_log_errors(const char *who, const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		LOGP(DHTTP, LOGL_ERROR, "%s: %s: %s", who, what, buf);
	}
}

bool http_tls_brainpool_tls13_supported(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	bool ok;

	if (!ctx)
		return false;
	ok = SSL_CTX_set1_sigalgs_list(ctx, BP_SIGALG) == 1;
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* NSS key log format; Wireshark reads it through (Pre)-Master-Secret log
 * filename.  The file is opened per line in append mode so that several
 * contexts (and processes) can share it. */
static void keylog_cb(const SSL *ssl, const char *line)
{
	const char *path = getenv("SSLKEYLOGFILE");
	size_t n = strlen(line);
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		LOGP(DHTTP, LOGL_ERROR, "SSLKEYLOGFILE %s: %s", path, strerror(errno));
		return;
	}
	/* One write() per line keeps concurrent writers' lines whole. */
	{
		char *l = malloc(n + 1);

		if (l) {
			memcpy(l, line, n);
			l[n] = '\n';
			if (write(fd, l, n + 1) != (ssize_t)(n + 1))
				LOGP(DHTTP, LOGL_ERROR, "SSLKEYLOGFILE %s: short write", path);
			free(l);
		}
	}
	close(fd);
}

static int tls_version(enum http_tls_version v, int dflt)
{
	switch (v) {
	case HTTP_TLS_1_2:
		return TLS1_2_VERSION;
	case HTTP_TLS_1_3:
		return TLS1_3_VERSION;
	case HTTP_TLS_DEFAULT:
	default:
		return dflt;
	}
}

static int set_sigalgs(SSL_CTX *ctx, const struct http_tls_cfg *cfg)
{
	if (cfg && cfg->sigalgs)
		return SSL_CTX_set1_sigalgs_list(ctx, cfg->sigalgs) == 1 ? 0 : -1;
	/* OpenSSL 3.0 does not know the brainpool TLS 1.3 scheme: then
	 * brainpool certificates are usable with TLS 1.2 only. */
	if (SSL_CTX_set1_sigalgs_list(ctx, BASE_SIGALGS ":" BP_SIGALG) == 1)
		return 0;
	ERR_clear_error();
	return SSL_CTX_set1_sigalgs_list(ctx, BASE_SIGALGS) == 1 ? 0 : -1;
}

SSL_CTX *http_tls_ctx_new(const struct http_tls_cfg *cfg, bool server, const char *who)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	int minv, maxv;

	if (!ctx) {
		ssl_log_errors(who, "SSL_CTX_new");
		return NULL;
	}
	minv = tls_version(cfg ? cfg->min_version : HTTP_TLS_DEFAULT, TLS1_2_VERSION);
	maxv = tls_version(cfg ? cfg->max_version : HTTP_TLS_DEFAULT, TLS1_3_VERSION);
	if (maxv < minv) {
		LOGP(DHTTP, LOGL_ERROR, "%s: TLS max version below min version", who);
		goto fail;
	}
	if (SSL_CTX_set_min_proto_version(ctx, minv) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, maxv) != 1) {
		ssl_log_errors(who, "protocol version");
		goto fail;
	}
	if (SSL_CTX_set1_groups_list(ctx, cfg && cfg->groups ? cfg->groups : DEFAULT_GROUPS) != 1) {
		ssl_log_errors(who, "groups");
		goto fail;
	}
	if (set_sigalgs(ctx, cfg) < 0) {
		ssl_log_errors(who, "signature algorithms");
		goto fail;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* libevent writes from its own buffers, which may move. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	if (cfg && cfg->cert_file) {
		if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
			LOGP(DHTTP, LOGL_ERROR, "%s: cannot load certificate chain %s",
			     who, cfg->cert_file);
			ssl_log_errors(who, "certificate");
			goto fail;
		}
		if (!cfg->key_file ||
		    SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			LOGP(DHTTP, LOGL_ERROR, "%s: cannot load key %s (or it does not match)",
			     who, cfg->key_file ? cfg->key_file : "(none)");
			ssl_log_errors(who, "key");
			goto fail;
		}
	} else if (server) {
		LOGP(DHTTP, LOGL_ERROR, "%s: TLS server needs cert_file and key_file", who);
		goto fail;
	}

	if (cfg && cfg->ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1) {
			LOGP(DHTTP, LOGL_ERROR, "%s: cannot load CA file %s", who, cfg->ca_file);
			ssl_log_errors(who, "CA");
			goto fail;
		}
		if (server) {
			STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);

			if (names)
				SSL_CTX_set_client_CA_list(ctx, names);
		}
	} else if (!server && !(cfg && cfg->no_verify)) {
		if (SSL_CTX_set_default_verify_paths(ctx) != 1)
			ssl_log_errors(who, "default verify paths");
	}

	if (server) {
		if (cfg && cfg->verify_client) {
			if (!cfg->ca_file) {
				LOGP(DHTTP, LOGL_ERROR, "%s: verify_client needs ca_file", who);
				goto fail;
			}
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
					   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		} else {
			SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		}
	} else if (cfg && cfg->no_verify) {
		LOGP(DHTTP, LOGL_NOTICE, "%s: WARNING: server certificate verification is OFF",
		     who);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}

	if (getenv("SSLKEYLOGFILE") && *getenv("SSLKEYLOGFILE")) {
		LOGP(DHTTP, LOGL_NOTICE, "%s: writing TLS key log to %s", who,
		     getenv("SSLKEYLOGFILE"));
		SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int client_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct http_tls_status *st = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!ok && st && st->verify_err == X509_V_OK) {
		st->verify_err = X509_STORE_CTX_get_error(x);
		st->verify_depth = X509_STORE_CTX_get_error_depth(x);
	}
	return ok;
}

SSL *http_tls_client_ssl(SSL_CTX *ctx, const struct http_url *u, bool verify,
			 struct http_tls_status *st)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return NULL;
	st->verify_err = X509_V_OK;
	st->verify_depth = 0;
	SSL_set_app_data(ssl, st);
	/* SNI carries names only (RFC 6066 section 3). */
	if (!u->host_is_ip && SSL_set_tlsext_host_name(ssl, u->host) != 1)
		goto fail;
	if (verify) {
		SSL_set_verify(ssl, SSL_VERIFY_PEER, client_verify_cb);
		if (u->host_is_ip) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), u->host) != 1)
				goto fail;
		} else {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (SSL_set1_host(ssl, u->host) != 1)
				goto fail;
		}
	}
	return ssl;
fail:
	ssl_log_errors("http-client", "SSL setup");
	SSL_free(ssl);
	return NULL;
}

void http_bev_nodelay(struct bufferevent *bev)
{
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int on = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}
