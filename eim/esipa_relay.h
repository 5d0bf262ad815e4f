/* sgp32lab: the eIM's relay of the indirect profile download (SGP.32 v1.2
 * 3.2.3.2, ESipa functions 6.3.2.1 - 6.3.2.5): the IPA sends the ES9+
 * functions as ESipa to its eIM, the eIM calls the SM-DP+ over ES9+ (the
 * JSON binding, core/es9/client.h) and answers with the mapped ESipa
 * message (core/esipa).
 *
 *   initiateAuthentication: to the smdpAddress of the request; without
 *     one, to the address the trigger hook gives for its eimTransactionId
 *     (the eIM's own ProfileDownloadTrigger).  An address outside the
 *     configured list: invalidDpAddress; no address at all:
 *     invalidEimTransactionId (with one) or invalidDpAddress.  On success
 *     the session (transactionId -> SM-DP+ address) is stored.
 *   authenticateClient, getBoundProfilePackage, cancelSession: to the
 *     SM-DP+ of that transactionId; an unknown one is refused with the
 *     function's invalidTransactionId error and nothing is sent.  The EID
 *     (from the eUICC certificate in AuthenticateServerResponse) is kept
 *     with the session.  The session ends with getBoundProfilePackage or
 *     cancelSession answered.
 *   handleNotification (pendingNotification): to the notificationAddress
 *     of its NotificationMetadata; 204 once the SM-DP+ accepted it, 502 if
 *     it did not (the IPA keeps the notification for a retry).
 *
 * Never blocking: the HTTP request is answered when the SM-DP+ answers;
 * no answer within the timeout on the lab clock (or a transport error)
 * is the function's undefinedError.  Sessions live in the store (schema
 * "eim_relay").
 *
 * Ownership: store, clock and http are borrowed; the relay owns its
 * pending calls and answers (or drops, when freed) their requests. */
#ifndef SGP_EIM_ESIPA_RELAY_H
#define SGP_EIM_ESIPA_RELAY_H

#include "core/http/http.h"

#include <stddef.h>
#include <stdint.h>

struct sgp_store;
struct sgp_clock;
struct eim_relay;

/* The SM-DP+ address of the eIM's ProfileDownloadTrigger that carried
 * eim_tid: 0 with addr filled, or SGP_ERR_NOTFOUND. */
typedef int (*eim_relay_trigger_fn)(void *arg, const uint8_t *eim_tid, size_t len, char *addr,
				    size_t size);

struct eim_relay_cfg {
	struct sgp_store *store;
	struct sgp_clock *clock;
	struct http_client *http;		/* ES9+ (TLS trust: the lab CI) */
	unsigned timeout_ms;			/* per ES9+ call; 0: 30 s */
	const char *const *smdp_addresses;	/* NULL-terminated; NULL: relay to any */
	eim_relay_trigger_fn trigger;		/* NULL: none */
	void *trigger_arg;
};

struct eim_relay *eim_relay_new(const struct eim_relay_cfg *cfg, int *err);
/* Pending requests are dropped (their connections see no answer). */
void eim_relay_free(struct eim_relay *r);

/* Serve one ESipa request of the five functions (der: its body, already
 * checked by the ESipa server).  The request is answered exactly once. */
void eim_relay_handle(struct eim_relay *r, struct http_request *req, const uint8_t *der,
		      size_t len);

struct eim_relay_stats {
	unsigned long relayed;		/* ES9+ calls made */
	unsigned long refused;		/* answered without an ES9+ call */
	unsigned long failed;		/* ES9+ calls without an answer (timeout, transport) */
	unsigned long sessions;		/* sessions stored now */
};
void eim_relay_get_stats(struct eim_relay *r, struct eim_relay_stats *st);

/* The session of a transactionId: 0 with the SM-DP+ address and the EID
 * ("" until authenticateClient), or SGP_ERR_NOTFOUND. */
int eim_relay_session(struct eim_relay *r, const uint8_t *tid, size_t len, char *addr,
		      size_t addr_size, char *eid, size_t eid_size);

#endif
