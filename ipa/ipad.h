/* sgp32lab: the IPA daemon (IPAd) of one device (SGP.32 v1.2 2.3.2, 3.5):
 * the one object that owns what a device's IPA needs to be managed
 * remotely — the eIM poller (eim_poll.h) with its eIM URL, the poll
 * interval on the lab clock, the IpaCapabilities it advertises, and the
 * device's connectivity — and that reacts when the device loses its link:
 *
 *   ProfileRollback ('BF58', 5.9.16): after an eIM enable with rollbackFlag
 *     the IPA must reach the eIM through the new profile; when it cannot,
 *     it rolls back and delivers the rollback result through the old one.
 *   ExecuteFallbackMechanism ('BF5D', 5.9.20): the enabled profile has no
 *     coverage and a profile has the fallback attribute: switch to it, then
 *     GetEimPackage with notifyStateChange, stateChangeCause fallback.
 *   ReturnFromFallback ('BF5E', 5.9.21): on request (ipad_return_from_
 *     fallback), and by policy (cfg.auto_return) when the profile the
 *     device fell back from has coverage again.  SGP.32 v1.2 has no ESipa
 *     message by which the eIM orders the return: it is a device decision.
 *
 * Connectivity model: the lab says which profiles (ICCIDs) have coverage
 * (all by default); an ESipa exchange is attempted only when the enabled
 * profile has it, else the cycle fails "no connectivity" without opening a
 * socket.
 *
 * One run (ipad_poll, or each interval tick) is one table FSM:
 *   POLLING -> [WAIT_ROLLBACK | WAIT_FALLBACK] -> POLLING ... -> done
 *   WAIT_RETURN -> [POLLING] -> done
 * with at most IPAD_MAX_POLLS poll cycles per run.
 *
 * Ownership: the IPAd borrows the clock, the ES10 client and the HTTP
 * client; it owns its poller.  Freeing it drops a running run without
 * callback (a device power cycle); everything it must know again is read
 * back from the eUICC. */
#ifndef SGP_IPA_IPAD_H
#define SGP_IPA_IPAD_H

#include "ipa/eim_poll.h"
#include "ipa/esipa_messages.h"

#include <stdbool.h>
#include <stdint.h>

struct sgp_clock;
struct ipa_es10;
struct http_client;
struct http_tls_cfg;
struct event_base;
struct ipad;

#define IPAD_MAX_POLLS 3
#define IPAD_MAX_NO_COVERAGE 16

struct ipad_result {
	int rc;				/* 0, or the last poll's / step's error */
	char reason[300];
	/* the last poll cycle; its euicc_result is the run's last
	 * EuiccPackageResult (NULL if none), valid during the callback */
	struct ipa_eim_poll_result poll;
	unsigned polls;			/* cycles in this run */
	bool rolled_back, fell_back, returned;
};

typedef void (*ipad_done_fn)(void *arg, const struct ipad_result *res);

/* How the IPA reaches an SM-DP+ (IpaCapabilities.ipaFeatures): both
 * advertised by default, direct mode then preferred for a download
 * trigger. */
enum ipad_rsp_mode {
	IPAD_RSP_BOTH = 0,
	IPAD_RSP_DIRECT,		/* directRspServerCommunication only */
	IPAD_RSP_INDIRECT,		/* indirectRspServerCommunication only */
};

struct ipad_cfg {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	struct http_client *http;
	const char *eim_url;		/* copied */
	const char *id;			/* log prefix; NULL: "1" */
	unsigned timeout_ms;		/* per wait; 0: the poller's default */
	uint8_t tac[4];
	bool auto_return;		/* return from fallback when coverage is back */
	enum ipad_rsp_mode rsp_mode;
	enum ipa_esipa_binding binding;	/* ESipa: ASN.1 (default) or JSON (SGP.32 6.4) */
	ipad_done_fn done;		/* after each run; may be NULL */
	void *arg;
};

int ipad_new(const struct ipad_cfg *cfg, struct ipad **out);
void ipad_free(struct ipad *d);

/* One run now.  SGP_ERR_STATE while one runs. */
int ipad_poll(struct ipad *d);
/* A run every interval_ms on the lab clock (0: stop). */
int ipad_set_interval(struct ipad *d, uint64_t interval_ms);
/* Which of direct / indirect mode the IPA advertises (and uses). */
void ipad_set_rsp_mode(struct ipad *d, enum ipad_rsp_mode mode);
/* The ESipa binding of the next calls (ASN.1 or JSON). */
void ipad_set_binding(struct ipad *d, enum ipa_esipa_binding binding);
/* ES10b ReturnFromFallback, then a poll with notifyStateChange. */
int ipad_return_from_fallback(struct ipad *d);
/* Coverage of a profile (iccid NULL: the enabled one as last seen). */
int ipad_set_coverage(struct ipad *d, const char *iccid, bool covered);
bool ipad_has_coverage(const struct ipad *d, const char *iccid);

bool ipad_busy(const struct ipad *d);
const char *ipad_state(const struct ipad *d);	/* the run's state, "IDLE" */
const char *ipad_enabled(const struct ipad *d);	/* last seen enabled ICCID, "" */
bool ipad_in_fallback(const struct ipad *d);	/* the fallback profile is enabled */
unsigned ipad_cycles(const struct ipad *d);	/* poll cycles since start */
const struct ipa_capabilities *ipad_capabilities(const struct ipad *d);

/* ESipa.TransferEimPackage (SGP.32 v1.2 6.3.2, ipa/esipa_listener.h): the
 * IPAd listens for the eIM's pushes, and advertises ipaInjectHttps in its
 * IpaCapabilities while it does.  A push while a run is on is answered
 * 503; a run does not start while a push runs (SGP_ERR_STATE). */
struct ipad_push_cfg {
	struct event_base *base;
	const struct http_tls_cfg *tls;	/* the IPA's TLS certificate (lab PKI IPATLS) */
	const char *addr;		/* NULL: 127.0.0.1 */
	uint16_t port;			/* 0: ephemeral, see ipad_push_port */
};
int ipad_push_start(struct ipad *d, const struct ipad_push_cfg *cfg);	/* SGP_ERR_EXISTS if on */
void ipad_push_stop(struct ipad *d);
uint16_t ipad_push_port(const struct ipad *d);	/* 0 when off */
bool ipad_push_busy(const struct ipad *d);	/* a push is being run */

#endif
