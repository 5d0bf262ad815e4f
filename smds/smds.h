/* sgp32lab: the SM-DS (SGP.22 v2.5 sections 3.6, 5.8 ES11, 5.9 ES12; JSON
 * binding 6.5) — one HTTPS server with
 *
 *   ES12 (SM-DP+ -> SM-DS)   POST /gsma/rsp2/es12/registerEvent
 *                            POST /gsma/rsp2/es12/deleteEvent
 *   ES11 (LPA/IPA -> SM-DS)  POST /gsma/rsp2/es11/initiateAuthentication
 *                            POST /gsma/rsp2/es11/authenticateClient
 *                            (also under /gsma/rsp2/es9plus/: real clients
 *                            use either path)
 *
 * Event Records live in the lab's SQLite store (schema "smds", tables
 * smds_event and smds_session); ES11 sessions expire on the lab clock.
 *
 * ES12 request bodies (JSON, "header" optional):
 *   registerEvent  {"eid": "<32 digits>", "rspServerAddress": "<FQDN>",
 *                   "eventId": "<1..255 printable>", "forwardingIndicator": bool?}
 *   deleteEvent    {"eid": "<32 digits>", "eventId": "..."}
 * ES11 bodies as ES9+ (base64 ASN.1 values): initiateAuthentication
 * {"euiccChallenge", "euiccInfo1", "smdsAddress" (or "smdpAddress")},
 * authenticateClient {"transactionId" (hex), "authenticateServerResponse"};
 * the latter answers {"transactionId", "eventEntries": [{"eventId",
 * "rspServerAddress"}, ...]} (possibly empty).
 * Every answer carries header.functionExecutionStatus; the status codes
 * are listed in smds_int.h. */
#ifndef SGP_SMDS_SMDS_H
#define SGP_SMDS_SMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_tls_cfg;
struct sgp_clock;
struct sgp_pki;
struct sgp_store;
struct smds;

#define SMDS_SESSION_TIMEOUT_DEFAULT_MS (5 * 60 * 1000)

struct smds_cfg {
	struct event_base *base;
	struct sgp_clock *clock;	/* protocol time: sessions, certificate validity */
	struct sgp_store *store;	/* schema "smds" is migrated by smds_new */
	const struct sgp_pki *pki;	/* DSauth key + certificate, trusted CIs */
	const struct http_tls_cfg *tls;	/* DStls files; NULL: plain HTTP */
	const char *bind_addr;		/* NULL: 127.0.0.1 */
	uint16_t port;			/* 0: ephemeral */
	/* The SM-DS address as the eUICC sees it in serverSigned1 (FQDN, the
	 * lab allows ":port"); NULL: "<bind_addr>:<port>" once bound. */
	const char *address;
	unsigned session_timeout_ms;	/* 0: SMDS_SESSION_TIMEOUT_DEFAULT_MS */
};

/* Start an SM-DS: migrate the store, bind, listen.  The configuration is
 * copied; base, clock, store and pki must outlive the SM-DS. */
int smds_new(const struct smds_cfg *cfg, struct smds **out);
void smds_free(struct smds *s);
uint16_t smds_port(const struct smds *s);
const char *smds_address(const struct smds *s);

/* --- Event Records, also for the lab's expectations (events.c) --- */
struct smds_event {
	char eid[33];
	char event_id[256];
	char rsp_server_address[256];
	bool forwarding_indicator;
};
typedef int (*smds_event_fn)(const struct smds_event *ev, void *arg);
/* Call fn for every Event Record of eid (NULL: all), in registration
 * order; fn returning non-zero stops and that value is returned. */
int smds_events_foreach(struct sgp_store *st, const char *eid, smds_event_fn fn, void *arg);
/* Number of ES11 sessions still open (for tests and `expect`). */
int smds_session_count(struct sgp_store *st, int64_t *n);

#endif
