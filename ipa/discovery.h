/* sgp32lab: the IPA's SM-DS event retrieval (SGP.22 v2.5 3.6.2 / 3.6.3,
 * ES11 5.8, binding 6.6), one table FSM per discovery:
 *
 *   [ES10a GetEuiccConfiguredAddresses]  no SM-DS given: the eUICC's
 *                                        rootDsAddress ([1], 5.7.3)
 *   ES10b GetEUICCInfo1, GetEUICCChallenge
 *   ES11 initiateAuthentication          serverSigned1: our challenge and
 *                                        the SM-DS address we called
 *   ES10b AuthenticateServer             ctxParams1 without matchingId
 *   ES11 authenticateClient              -> eventEntries (possibly none)
 * and MANAGE CHANNEL close at the end.
 *
 * ES11 has no cancelSession (5.8 lists only InitiateAuthentication and
 * AuthenticateClient): when anything fails once the eUICC holds a session
 * (AuthenticateServer succeeded), the IPA closes it on the eUICC alone
 * with ES10b CancelSession (5.7.14), reason undefinedReason (timeout when
 * the SM-DS did not answer).  An eUICC error to AuthenticateServer is
 * forwarded to the SM-DS (as 3.1.2 does for ES9+) and reported.
 *
 * The result reaches the done callback exactly once, unless the discovery
 * is freed first; its event list is valid during the callback only.
 *
 * Ownership: the discovery borrows the ES10 client, the HTTP client and
 * the clock; it copies the configuration's strings. */
#ifndef SGP_IPA_DISCOVERY_H
#define SGP_IPA_DISCOVERY_H

#include "core/http/http.h"
#include "ipa/download.h"
#include "ipa/es10_client.h"

#include <stdbool.h>
#include <stdint.h>

struct sgp_clock;
struct ipa_discovery;

/* One Event Record as ES11 hands it out (6.6.2.2 EventEntries). */
struct ipa_discover_event {
	const char *event_id;
	const char *rsp_server_address;	/* the SM-DP+ (or an alternative SM-DS) */
};

struct ipa_discover_result {
	int rc;				/* 0: the list below is the SM-DS's answer */
	const char *step;		/* the state where it failed ("DONE" on success) */
	char why[256];
	const struct ipa_discover_event *events;
	size_t n_events;
	char smds_address[256];		/* the SM-DS asked */
	int cancel_reason;		/* ES10b CancelSession sent, IPA_CANCEL_NONE if none */
	bool session_cancelled;		/* the eUICC accepted that CancelSession */
	long euicc_error;		/* an ES10 error the eUICC answered, or -1 */
	char subject_code[16];		/* the SM-DS's statusCodeData, when it refused */
	char reason_code[16];
};

typedef void (*ipa_discover_done_fn)(void *arg, const struct ipa_discover_result *res);

struct ipa_discover_cfg {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;			/* the eUICC */
	struct http_client *http;		/* ES11 (TLS trust of the lab CI) */
	const char *smds_address;		/* NULL: the eUICC's root SM-DS */
	uint8_t tac[4];				/* DeviceInfo.tac */
	unsigned es10_timeout_ms;		/* per ES10 step; 0: 30 s */
	unsigned es11_timeout_ms;		/* per ES11 call; 0: 60 s */
	ipa_discover_done_fn done;
	void *arg;
	const char *id;				/* for log lines; NULL: "1" */
};

/* Start a discovery.  0: done runs later, exactly once (unless freed); a
 * negative sgp_err when it cannot even start: no callback. */
int ipa_discover_start(const struct ipa_discover_cfg *cfg, struct ipa_discovery **out);
/* Abort without callback. */
void ipa_discover_free(struct ipa_discovery *ds);

/* Download the profile an event points at (SGP.22 3.1.3 from 3.6.3: the
 * event's rspServerAddress as SM-DP+ address, its eventId as matching id):
 * ipa_download_start with cfg's other settings. */
int ipa_download_from_event(const struct ipa_download_cfg *cfg,
			    const struct ipa_discover_event *ev, struct ipa_download **out);

#endif
