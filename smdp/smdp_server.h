/* sgp32lab: SM-DP+ — the server: ES9+ (SGP.22 v2.5 5.6, JSON binding 6.5.2)
 * and ES2+ (5.3, 6.5.2 operator side) on one HTTP(S) listener.
 *
 *   POST /gsma/rsp2/es9plus/{initiateAuthentication, authenticateClient,
 *        getBoundProfilePackage, handleNotification, cancelSession}
 *   POST /gsma/rsp2/es2plus/{downloadOrder, confirmOrder, cancelOrder,
 *        releaseProfile}
 *   POST /gsma/rsp2/es11/... -> 404 (that is the SM-DS's interface)
 *
 * State: the profiles and orders (smdp/orders.h) and one row per RSP
 * session (table smdp_session, keyed by the transactionId) in the store;
 * each step of a session runs in one store transaction, a refused request
 * is rolled back (nothing stored; the confirmation-code attempt counter is
 * the exception, by design).  A session expires session_timeout_ms after
 * its last step on the lab clock and is then deleted (SGP.22 5.6: the
 * SM-DP+ ends a session that does not progress).
 *
 * HTTP conventions: function results, including refusals, are HTTP 200
 * with header.functionExecutionStatus (SGP.22 6.5.1.4); handleNotification
 * answers 204 without body; a body that is not JSON, a Content-Type that
 * is not application/json, or an X-Admin-Protocol header that is missing
 * or names an unsupported version get HTTP 400 with a Failed status in the
 * body (subject 1.1 "Function Requester", reason 2.1 / 3.1); unknown paths
 * 404, other methods 405, oversized bodies 413 (core/http).
 *
 * Ownership: the server borrows the event base, store, clock and PKI (they
 * must outlive it) and copies the configuration strings. */
#ifndef SGP_SMDP_SMDP_SERVER_H
#define SGP_SMDP_SMDP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http/http.h"

struct event_base;
struct sgp_store;
struct sgp_clock;
struct sgp_pki;
struct smdp_server;

/* ES12 towards the SM-DS (SGP.22 5.8.1 RegisterEvent / 5.8.2
 * DeleteEvent): the SM-DP+ calls this when a confirmed order names an
 * SM-DS (register) and when the order completes or is cancelled (delete).
 * event_id is the order's matchingId.  The default (es12 NULL but
 * es12_http set) posts the JSON of SGP.22 6.5.2.x ES12 over HTTPS; a lab
 * may plug its own function.  Failures are logged, never fatal. */
enum smdp_es12_op { SMDP_ES12_REGISTER, SMDP_ES12_DELETE };
typedef void (*smdp_es12_fn)(enum smdp_es12_op op, const char *smds_address,
			     const char *eid, const char *event_id,
			     const char *rsp_server_address, void *arg);

struct smdp_server_cfg {
	const char *address;		/* our FQDN (serverAddress); NULL: "<http.addr>:<bound port>" */
	struct http_server_cfg http;	/* listener; http.tls with DPtls files */
	struct sgp_store *store;
	struct sgp_clock *clock;
	const struct sgp_pki *pki;	/* DPauth, DPpb (keys), trusted CIs */
	uint64_t session_timeout_ms;	/* 0: 5 minutes */
	unsigned cc_max_attempts;	/* wrong confirmation codes allowed; 0: 3 */
	bool allow_unknown_members;	/* JSON: ignore unknown members */
	/* ES2+ handleDownloadProgressInfo target, NULL: none */
	const char *operator_url;
	/* ES12: own function, or the built-in HTTPS client (es12 NULL):
	 * https://<smdsAddress>[:es12_port]/gsma/rsp2/es12/... */
	smdp_es12_fn es12;
	void *es12_arg;
	uint16_t es12_port;		/* 0: 443 */
	/* client for operator_url / ES12 (trust anchors for their TLS) */
	const struct http_tls_cfg *client_tls;
};

struct smdp_server *smdp_server_new(struct event_base *base, const struct smdp_server_cfg *cfg,
				    int *err);
void smdp_server_free(struct smdp_server *s);
uint16_t smdp_server_port(const struct smdp_server *s);
/* The serverAddress it answers to (ES9+ and activation codes). */
const char *smdp_server_address(const struct smdp_server *s);
/* An ES12 or ES2+ handleDownloadProgressInfo call of the SM-DP+ is still
 * on its way (they go after the function that caused them answered). */
bool smdp_server_calls_out(const struct smdp_server *s);

struct smdp_server_stats {
	unsigned long requests, refused, sessions_started, sessions_expired,
		bpp_delivered, installed;
};
void smdp_server_get_stats(const struct smdp_server *s, struct smdp_server_stats *st);
/* Sessions alive in the store (tests, `expect` steps). */
int smdp_server_session_count(struct smdp_server *s, int *count);

#endif
