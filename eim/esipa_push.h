/* sgp32lab: the eIM's push — ESipa.TransferEimPackage (SGP.32 v1.2 6.3.2,
 * an IPA that advertises ipaInjectHttps and listens): instead of waiting
 * for the device's GetEimPackage, the eIM POSTs a queued package to the
 * device's push address (eim_set_push_url) as EsipaMessageFromEimToIpa
 * transferEimPackageRequest ('BF4E'), oldest first, one at a time per
 * device.  The IPA's TransferEimPackageResponse is handled as a
 * ProvideEimPackageResult would be (eim_record_result_tx):
 *   euiccPackageResult / ePRAndNotifications / ipaEuiccDataResponse: the
 *     package is delivered and its result recorded in one transaction;
 *     the sequence numbers recorded go back to the IPA as a push of
 *     eimAcknowledgements, so that the eUICC can drop them;
 *   eimPackageReceived: delivered; the result comes later with
 *     ESipa.ProvideEimPackageResult (a download trigger);
 *   eimPackageError: delivered, recorded as the IPA's error.
 * A transport failure or an HTTP error (503: the IPA is busy) leaves the
 * package queued: tried again after retry_ms * try on the lab clock, at
 * most max_tries times, then left for the device's next GetEimPackage.
 * Each new queued package starts the tries anew.
 *
 * Ownership: enabled on an eim_server, which owns it (freed with it). */
#ifndef SGP_EIM_ESIPA_PUSH_H
#define SGP_EIM_ESIPA_PUSH_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct eim_server;

#define EIM_PUSH_DEFAULT_TIMEOUT_MS 30000
#define EIM_PUSH_DEFAULT_TRIES 3
#define EIM_PUSH_DEFAULT_RETRY_MS 10000

struct eim_push_cfg {
	const char *ca_file;		/* the IPAs' TLS trust (the lab CI); NULL: system */
	unsigned timeout_ms;		/* per push; 0: EIM_PUSH_DEFAULT_TIMEOUT_MS */
	unsigned max_tries;		/* 0: EIM_PUSH_DEFAULT_TRIES */
	uint64_t retry_ms;		/* 0: EIM_PUSH_DEFAULT_RETRY_MS */
};

/* Start pushing (SGP_ERR_EXISTS when on).  Devices with a push address
 * get what is queued for them now. */
int eim_push_enable(struct eim_server *s, struct event_base *base,
		    const struct eim_push_cfg *cfg);

struct eim_push_stats {
	unsigned long pushes;		/* requests sent */
	unsigned long delivered;	/* packages the IPA took */
	unsigned long results;		/* results recorded from an answer */
	unsigned long acknowledgements;	/* eimAcknowledgements pushes answered */
	unsigned long failures;		/* transport / HTTP failures */
	unsigned long refused;		/* answers not usable, or not recorded */
};
void eim_push_get_stats(const struct eim_server *s, struct eim_push_stats *st);

/* A push to eid (eid NULL: to any device) is on its way (a retry armed
 * on the lab clock does not count). */
bool eim_push_pending(const struct eim_server *s, const char *eid);

/* Called when the pushes to a device stop (nothing on its way; a retry
 * may still be armed): for a scenario step waiting for them. */
typedef void (*eim_push_idle_fn)(void *arg, const char *eid);
void eim_push_set_idle_cb(struct eim_server *s, eim_push_idle_fn fn, void *arg);

#endif
