/* sgp32lab: the IPA's ESipa listener — ESipa.TransferEimPackage (SGP.32
 * v1.2 6.3.2.x, IpaCapabilities ipaSupportedProtocols ipaInjectHttps): the
 * eIM pushes an eIM package to the IPA instead of waiting for its
 * GetEimPackage.  An HTTPS server (core/http) on POST /gsma/rsp2/asn1,
 * Content-Type application/x-gsma-rsp-asn1, body EsipaMessageFromEimToIpa
 * transferEimPackageRequest ('BF4E'); the answer is EsipaMessageFromIpaToEim
 * transferEimPackageResponse ('BF4E'):
 *
 *   euiccPackageRequest           -> WAIT_EUICC: ES10b LoadEuiccPackage,
 *                                    answer euiccPackageResult
 *   ipaEuiccDataRequest           -> WAIT_DATA: ES10b IpaEuiccDataRequest,
 *                                    answer ipaEuiccDataResponse (completed
 *                                    with ipaCapabilities / deviceInfo)
 *   eimAcknowledgements           -> WAIT_REMOVE: ES10b RemoveNotificationFromList
 *                                    per sequence number, answer eimPackageReceived
 *   profileDownloadTriggerRequest -> answer eimPackageReceived at once; the
 *                                    owner runs the download (cfg.trigger) and
 *                                    reports its result with ProvideEimPackageResult
 *   malformed DER                 -> eimPackageError invalidPackageFormat(1)
 *   another ESipa function        -> eimPackageError unknownPackage(2)
 *   busy (a push runs, or the owner says so: a poll) -> HTTP 503
 *   no eUICC answer in time       -> eimPackageError undefinedError(127)
 *
 * One push at a time, as a table FSM; nothing blocks: the HTTP answer
 * goes when the eUICC answered.  A push whose HTTP request died before
 * the answer (the eIM went away) tells the owner (cfg.lost): a result the
 * eUICC keeps is then delivered by the next poll.
 *
 * Ownership: the listener borrows the clock, the ES10 client and the
 * capabilities (all must outlive it); it owns its HTTP server. */
#ifndef SGP_IPA_ESIPA_LISTENER_H
#define SGP_IPA_ESIPA_LISTENER_H

#include "ipa/esipa_messages.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sgp_clock;
struct ipa_es10;
struct http_tls_cfg;
struct ipa_listener;

#define IPA_LISTENER_PATH "/gsma/rsp2/asn1"

struct ipa_listener_cfg {
	struct event_base *base;
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	const struct http_tls_cfg *tls;	/* NULL: plain HTTP (tests only) */
	const char *addr;		/* NULL: 127.0.0.1 */
	uint16_t port;			/* 0: ephemeral */
	const char *id;			/* log prefix; NULL: "1" */
	unsigned timeout_ms;		/* per eUICC answer; 0: 30 s */
	const struct ipa_capabilities *caps;	/* borrowed: the IPA's IpaCapabilities */
	/* The owner is busy (a poll runs): answer 503.  NULL: never. */
	bool (*busy)(void *arg);
	/* Run a pushed ProfileDownloadTriggerRequest ('BF54', the DER is
	 * borrowed): 0 if it started.  NULL: unknownPackage. */
	int (*trigger)(void *arg, const uint8_t *der, size_t len);
	/* A push ended without its answer reaching the eIM. */
	void (*lost)(void *arg);
	void *arg;
};

struct ipa_listener_stats {
	unsigned long pushes;		/* TransferEimPackageRequests answered */
	unsigned long busy;		/* answered 503 */
	unsigned long errors;		/* answered eimPackageError */
};

int ipa_listener_new(const struct ipa_listener_cfg *cfg, struct ipa_listener **out);
/* A running push is dropped (its request closed by the server). */
void ipa_listener_free(struct ipa_listener *l);
uint16_t ipa_listener_port(const struct ipa_listener *l);
bool ipa_listener_busy(const struct ipa_listener *l);
void ipa_listener_get_stats(const struct ipa_listener *l, struct ipa_listener_stats *st);

#endif
