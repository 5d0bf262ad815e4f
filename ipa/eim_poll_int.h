/* sgp32lab: the IPA's eIM poll cycle — internals shared by eim_poll.c (the
 * FSM, the ESipa and ES10 plumbing) and eim_poll_kinds.c (what each eIM
 * package kind does). */
#ifndef SGP_IPA_EIM_POLL_INT_H
#define SGP_IPA_EIM_POLL_INT_H

#include "ipa/eim_poll.h"
#include "ipa/esipa_messages.h"
#include "core/fsm.h"
#include "core/clock.h"

struct ipa_es10_result;
struct ipa_esipa_answer;
struct ipa_download;
struct ipa_discovery;
struct http_client;

enum poll_state {
	ST_IDLE, ST_WAIT_EID, ST_WAIT_PENDING, ST_WAIT_DELIVERED, ST_WAIT_PACKAGE,
	ST_WAIT_EUICC, ST_WAIT_DATA, ST_WAIT_DISCOVERY, ST_WAIT_DOWNLOAD, ST_WAIT_RESULT,
	ST_WAIT_REMOVE, ST_WAIT_PROFILES,
};
enum poll_event { EV_ES10, EV_ESIPA, EV_DOWNLOAD, EV_DISCOVERY };

struct ipa_eim_poll {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	struct http_client *http;
	char *url;
	enum ipa_esipa_binding binding;
	unsigned timeout_ms;
	ipa_eim_poll_cb done;
	void *arg;
	struct ipa_capabilities caps;
	ipa_eim_poll_link_fn link;
	void *link_arg;

	struct sgp_timer interval_timer;
	uint64_t interval_ms;
	unsigned cycles;

	/* kept across cycles */
	bool check_pending;		/* look for kept results first */
	unsigned delivery_failures;	/* of kept results, in a row */
	long owed_error;		/* eimPackageResultResponseError to send, 0 none */
	int cause;			/* notifyStateChange, IPA_STATE_CHANGE_NONE */

	/* the running cycle */
	struct sgp_fsm_inst *fi;
	struct ipa_esipa_call *call;
	struct ipa_download *dl;
	struct ipa_discovery *ds;
	uint8_t eid[16];
	struct sgp_buf epr;		/* the result handed to the eIM */
	struct sgp_buf req;		/* the eIM's request (data request, trigger) */
	struct sgp_buf pushed;		/* a pushed trigger run instead of GetEimPackage */
	uint8_t tid[16];		/* its eimTransactionId */
	size_t tid_len;
	struct sgp_buf *pending;	/* kept results to deliver */
	size_t n_pending, next_pending;
	bool delivering_error;
	long acks[IPA_EIM_POLL_MAX_ACKS];
	size_t n_acks, next_ack;
	bool finish_after_remove;	/* else: on with the pending deliveries */
	bool profiles_stale;		/* re-read before the next ESipa exchange */
	struct sgp_buf out;		/* ESipa message held during WAIT_PROFILES */
	uint32_t out_state;		/* the state to enter once it is sent */
	char refusal[128];		/* the eUICC refused the package: how */
	struct ipa_eim_poll_result res;
};

void poll_fail(struct sgp_fsm_inst *fi, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void poll_finish(struct sgp_fsm_inst *fi, enum ipa_eim_poll_outcome outcome);
int poll_es10(struct ipa_eim_poll *p, const uint8_t *cmd, size_t len);
bool poll_es10_failed(struct sgp_fsm_inst *fi, const struct ipa_es10_result *r,
		      const char *what);
/* Send an ESipa message (after the connectivity check), then enter state. */
void poll_esipa_send(struct sgp_fsm_inst *fi, struct sgp_buf *der, uint32_t state,
		     const char *what);
/* Hand p->epr (of kind) to the eIM: ProvideEimPackageResult, WAIT_RESULT. */
void poll_provide(struct sgp_fsm_inst *fi, enum ipa_eim_result_kind kind);

/* A failed ESipa exchange or an answer of another function than want
 * (EsipaMessageFromEimToIpa_PR_...): the cycle failed. */
bool poll_esipa_failed(struct sgp_fsm_inst *fi, const struct ipa_esipa_answer *a,
		       const char *function, int want);
/* GetEimPackage (with notifyStateChange when owed), WAIT_PACKAGE. */
void poll_begin_get(struct sgp_fsm_inst *fi);

/* eim_poll_results.c: kept results, the owed error, acknowledgements */
void poll_deliver_next(struct sgp_fsm_inst *fi);	/* ... then poll_begin_get */
void poll_remove_next(struct sgp_fsm_inst *fi);
struct ProvideEimPackageResultResponse;
int poll_take_acks(struct sgp_fsm_inst *fi, const struct ProvideEimPackageResultResponse *r);
void poll_wait_pending_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
void poll_wait_delivered_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
void poll_wait_remove_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);

/* eim_poll_kinds.c: the package kinds */
void poll_run_data_request(struct sgp_fsm_inst *fi, const void *ipa_euicc_data_request);
void poll_run_download_trigger(struct sgp_fsm_inst *fi, const void *trigger);
void poll_kinds_cleanup(struct ipa_eim_poll *p);
void poll_wait_data_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
void poll_wait_discovery_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
void poll_wait_download_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);

#endif
