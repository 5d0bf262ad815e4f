/* sgp32lab: the IPA's eIM polling (SGP.32 v1.2 3.5, 6.3.2.6/6.3.2.7) —
 * one poll cycle as a table FSM:
 *
 *   WAIT_EID        ES10c GetEuiccData (tag '5A') to learn the EID
 *   [WAIT_PENDING]  first cycle, and after a failed one: IpaEuiccDataRequest
 *                   'A2' — the eUICC Package Results the eUICC still keeps
 *                   (a result lost with a dead connection) —
 *   [WAIT_DELIVERED] each delivered with ProvideEimPackageResult, and an
 *                   error the IPA owes the eIM (eimPackageResultResponseError
 *                   for the package it could not run last time)
 *   WAIT_PACKAGE    ESipa.GetEimPackage (notifyStateChange + stateChangeCause
 *                   when the IPAd reported a change the eIM did not order)
 *     eimPackageError noEimPackageAvailable  -> done
 *     euiccPackageRequest ('BF51')           -> WAIT_EUICC: ES10b LoadEuiccPackage
 *     ipaEuiccDataRequest ('BF52')           -> WAIT_DATA: ES10b IpaEuiccDataRequest,
 *                                               ipaCapabilities/deviceInfo added
 *     profileDownloadTriggerRequest ('BF54') -> [WAIT_DISCOVERY] WAIT_DOWNLOAD:
 *                                               ipa/download.h in direct mode
 *   WAIT_RESULT     ESipa.ProvideEimPackageResult with the result
 *   WAIT_REMOVE     eimAcknowledgements: ES10b RemoveNotificationFromList per
 *                   sequence number (the eUICC keeps results until then)
 *   WAIT_PROFILES   (with a connectivity hook) GetProfilesInfo before an
 *                   ESipa exchange when the enabled profile may have changed:
 *                   the hook says whether that profile has coverage; without
 *                   it the cycle fails "no connectivity", no socket opened
 *
 * Every wait has a timeout on the lab clock.  A failure ends the cycle
 * with a reason; an eIM answer that does not decode strictly never reaches
 * the eUICC, and is owed to the eIM as eimPackageResultResponseError on
 * the next cycle.  Pending deliveries are tried IPA_EIM_POLL_MAX_DELIVERY
 * times, then left in the eUICC (logged).
 *
 * The poll interval (ipa_eim_poll_schedule) starts a cycle every interval
 * on the lab clock; a cycle still running when the timer fires is left
 * alone (that tick is skipped).
 *
 * Ownership: struct ipa_eim_poll borrows the clock, the ES10 client and
 * the http_client (all must outlive it); it owns its cycle and the
 * download it runs.  The done callback may free the poller. */
#ifndef SGP_IPA_EIM_POLL_H
#define SGP_IPA_EIM_POLL_H

#include "core/buf.h"
#include "ipa/esipa_client.h"
#include "ipa/esipa_messages.h"

#include <stdbool.h>
#include <stdint.h>

struct sgp_clock;
struct ipa_es10;
struct http_client;
struct ipa_eim_poll;

#define IPA_EIM_POLL_DEFAULT_TIMEOUT_MS 30000
#define IPA_EIM_POLL_MAX_DELIVERY 3	/* tries for one kept result */
#define IPA_EIM_POLL_MAX_ACKS 32

enum ipa_eim_poll_outcome {
	IPA_EIM_POLL_FAILED,		/* rc < 0, see stage and reason */
	IPA_EIM_POLL_NO_PACKAGE,	/* the eIM had nothing */
	IPA_EIM_POLL_PACKAGE_DONE,	/* an eIM package ran, its result delivered */
};

/* The eIM package kind a cycle ran. */
enum ipa_eim_package_kind {
	IPA_EIM_PKG_NONE,
	IPA_EIM_PKG_EUICC_PACKAGE,
	IPA_EIM_PKG_IPA_EUICC_DATA,
	IPA_EIM_PKG_DOWNLOAD_TRIGGER,
};

struct ipa_eim_poll_result {
	enum ipa_eim_poll_outcome outcome;
	int rc;				/* 0 or a negative sgp_err */
	const char *stage;		/* the state the cycle failed in, e.g. "WAIT_PACKAGE" */
	char reason[256];
	int http_status;		/* of the last ESipa exchange, 0 if none */
	long eim_error;			/* eimPackageError / provideEimPackageResultError, 0 */
	uint16_t sw;			/* an ES10 refusal's status word, 0 */
	const uint8_t *euicc_result;	/* PACKAGE_DONE: the EuiccPackageResult DER, */
	size_t euicc_result_len;	/* borrowed during the callback */
	unsigned acknowledgements;	/* sequence numbers the eIM acknowledged */
	unsigned removed;		/* ... removed from the eUICC */
	unsigned pending_delivered;	/* kept results delivered first */
	enum ipa_eim_package_kind kind;
	bool no_connectivity;		/* failed: the enabled profile had no coverage */
	bool rollback_flag;		/* the package enabled a profile with rollbackFlag */
	bool download_installed;	/* a triggered download installed a profile */
	bool state_change_sent;		/* notifyStateChange went with GetEimPackage */
};

/* Whether the device can reach the eIM with this profile state (the
 * enabled profile's coverage).  Called before ESipa exchanges. */
typedef bool (*ipa_eim_poll_link_fn)(void *arg, const struct ipa_profiles_state *st);

typedef void (*ipa_eim_poll_cb)(void *arg, const struct ipa_eim_poll_result *res);

struct ipa_eim_poll_cfg {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	struct http_client *http;
	const char *eim_url;		/* e.g. "https://eim:8443/gsma/rsp2/asn1" (copied) */
	enum ipa_esipa_binding binding;	/* ASN.1 (default) or JSON (host:port of eim_url) */
	unsigned timeout_ms;		/* per wait; 0: IPA_EIM_POLL_DEFAULT_TIMEOUT_MS */
	ipa_eim_poll_cb done;		/* after each cycle */
	void *arg;
	/* what this IPA does (IpaCapabilities); NULL: direct RSP server
	 * communication over HTTPS */
	const struct ipa_capabilities *caps;
	ipa_eim_poll_link_fn link;	/* NULL: always connected */
	void *link_arg;
	/* the eIM the device's first cycle checks kept results for: set */
	bool no_pending_check;		/* true: skip the first check */
};

int ipa_eim_poll_new(const struct ipa_eim_poll_cfg *cfg, struct ipa_eim_poll **out);
/* A running cycle is dropped without its callback. */
void ipa_eim_poll_free(struct ipa_eim_poll *p);

/* Start one cycle now (on demand).  SGP_ERR_STATE while one runs. */
int ipa_eim_poll_start(struct ipa_eim_poll *p);
/* Start one cycle that runs a ProfileDownloadTriggerRequest ('BF54' DER,
 * copied) the eIM pushed (ESipa.TransferEimPackage, ipa/esipa_listener.h)
 * in place of GetEimPackage's package; its ProfileDownloadTriggerResult
 * goes to the eIM with ProvideEimPackageResult as a polled one's does.
 * SGP_ERR_STATE while a cycle runs. */
int ipa_eim_poll_start_pushed(struct ipa_eim_poll *p, const uint8_t *trigger, size_t len);
/* Start a cycle every interval_ms on the lab clock, the first one interval_ms
 * from now; 0 stops polling. */
int ipa_eim_poll_schedule(struct ipa_eim_poll *p, uint64_t interval_ms);

/* The next GetEimPackage carries notifyStateChange with this
 * StateChangeCause (until the eIM answered one). */
void ipa_eim_poll_notify_state_change(struct ipa_eim_poll *p, enum ipa_state_change_cause cause);
/* Check the eUICC for kept results at the start of the next cycle. */
void ipa_eim_poll_check_pending(struct ipa_eim_poll *p);

bool ipa_eim_poll_running(const struct ipa_eim_poll *p);
/* New IpaCapabilities (copied), from the next package on. */
void ipa_eim_poll_set_capabilities(struct ipa_eim_poll *p, const struct ipa_capabilities *caps);
/* The ESipa binding of the next calls (and of the downloads they start). */
void ipa_eim_poll_set_binding(struct ipa_eim_poll *p, enum ipa_esipa_binding binding);
/* Cycles started so far (on demand and by the interval). */
unsigned ipa_eim_poll_cycles(const struct ipa_eim_poll *p);

#endif
