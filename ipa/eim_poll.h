/* sgp32lab: the IPA's eIM polling (SGP.32 v1.2 3.5, 6.3.2.6/6.3.2.7) —
 * one poll cycle as a table FSM:
 *
 *   WAIT_EID       ES10c GetEuiccData (tag '5A') to learn the EID
 *   WAIT_PACKAGE   ESipa.GetEimPackage to the eIM
 *     eimPackageError noEimPackageAvailable -> done (nothing to do)
 *     euiccPackageRequest ('BF51')          -> WAIT_EUICC
 *   WAIT_EUICC     ES10b LoadEuiccPackage: the EuiccPackageRequest DER as
 *                  received is the ES10 command; the eUICC checks the eIM's
 *                  signature and answers an EuiccPackageResult
 *   WAIT_RESULT    ESipa.ProvideEimPackageResult with that result
 *     eimAcknowledgements / emptyResponse    -> done
 *
 * Every wait has a timeout on the lab clock.  A failure ends the cycle
 * with a reason; nothing reaches the eUICC before the eIM's answer decoded
 * strictly.  ipaEuiccDataRequest and profileDownloadTriggerRequest are not
 * run yet: the cycle ends with SGP_ERR_UNSUPPORTED.
 *
 * The poll interval (ipa_eim_poll_schedule) starts a cycle every interval
 * on the lab clock; a cycle still running when the timer fires is left
 * alone (that tick is skipped).
 *
 * Ownership: struct ipa_eim_poll borrows the clock, the ES10 client and
 * the http_client (all must outlive it); it owns its cycle.  The done
 * callback may free the poller. */
#ifndef SGP_IPA_EIM_POLL_H
#define SGP_IPA_EIM_POLL_H

#include "core/buf.h"

#include <stdbool.h>
#include <stdint.h>

struct sgp_clock;
struct ipa_es10;
struct http_client;
struct ipa_eim_poll;

#define IPA_EIM_POLL_DEFAULT_TIMEOUT_MS 30000

enum ipa_eim_poll_outcome {
	IPA_EIM_POLL_FAILED,		/* rc < 0, see stage and reason */
	IPA_EIM_POLL_NO_PACKAGE,	/* the eIM had nothing */
	IPA_EIM_POLL_PACKAGE_DONE,	/* an eUICC package ran, its result delivered */
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
};

typedef void (*ipa_eim_poll_cb)(void *arg, const struct ipa_eim_poll_result *res);

struct ipa_eim_poll_cfg {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	struct http_client *http;
	const char *eim_url;		/* e.g. "https://eim:8443/gsma/rsp2/asn1" (copied) */
	unsigned timeout_ms;		/* per wait; 0: IPA_EIM_POLL_DEFAULT_TIMEOUT_MS */
	ipa_eim_poll_cb done;		/* after each cycle */
	void *arg;
};

int ipa_eim_poll_new(const struct ipa_eim_poll_cfg *cfg, struct ipa_eim_poll **out);
/* A running cycle is dropped without its callback. */
void ipa_eim_poll_free(struct ipa_eim_poll *p);

/* Start one cycle now (on demand).  SGP_ERR_STATE while one runs. */
int ipa_eim_poll_start(struct ipa_eim_poll *p);
/* Start a cycle every interval_ms on the lab clock, the first one interval_ms
 * from now; 0 stops polling. */
int ipa_eim_poll_schedule(struct ipa_eim_poll *p, uint64_t interval_ms);

bool ipa_eim_poll_running(const struct ipa_eim_poll *p);
/* Cycles started so far (on demand and by the interval). */
unsigned ipa_eim_poll_cycles(const struct ipa_eim_poll *p);

#endif
