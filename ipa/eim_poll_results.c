/* sgp32lab: the IPA's eIM poll cycle — the results the eUICC keeps
 * (SGP.32 v1.2 3.5, 5.9.1: an EuiccPackageResult stays in the eUICC until
 * the eIM acknowledged it) delivered with ProvideEimPackageResult before
 * GetEimPackage, the error the IPA owes the eIM (6.3.2.7
 * eimPackageResultResponseError), and the eimAcknowledgements: ES10b
 * RemoveNotificationFromList for each acknowledged sequence number. */
#include "ipa/eim_poll_int.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"
#include "core/err.h"
#include "core/log.h"

#include "EsipaMessageFromEimToIpa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* WAIT_PENDING: the results the eUICC keeps -> deliver them */
void poll_wait_pending_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	int rc;

	(void)event;
	if (poll_es10_failed(fi, r, "ES10b.IpaEuiccDataRequest"))
		return;
	rc = ipa_msg_pending_results(r->data, r->len, &p->pending, &p->n_pending);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.IpaEuiccDataRequest: answer unusable: %s",
			  sgp_strerror(rc));
		return;
	}
	if (p->n_pending)
		LOGPFSM(fi, LOGL_INFO, "%zu eUICC Package Result%s kept by the eUICC: delivering",
			p->n_pending, p->n_pending == 1 ? "" : "s");
	p->next_pending = 0;
	poll_deliver_next(fi);
}

/* The next kept result, the owed error, then GetEimPackage. */
void poll_deliver_next(struct sgp_fsm_inst *fi)
{
	struct ipa_eim_poll *p = fi->priv;
	struct sgp_buf req = SGP_BUF_INIT;
	int rc;

	p->delivering_error = false;
	if (p->next_pending < p->n_pending) {
		rc = ipa_msg_provide_result(p->eid, IPA_EIM_RESULT_EUICC_PACKAGE,
					    p->pending[p->next_pending].data,
					    p->pending[p->next_pending].len, &req);
	} else if (p->owed_error) {
		p->delivering_error = true;
		rc = ipa_msg_provide_error(p->eid, NULL, 0, p->owed_error, &req);
	} else {
		poll_begin_get(fi);
		return;
	}
	if (rc < 0) {
		poll_fail(fi, rc, "ProvideEimPackageResult: %s", sgp_strerror(rc));
		return;
	}
	poll_esipa_send(fi, &req, ST_WAIT_DELIVERED, "ProvideEimPackageResult");
	sgp_buf_free(&req);
}

/* Remove the acknowledged sequence numbers, then finish or go on. */
void poll_remove_next(struct sgp_fsm_inst *fi)
{
	struct ipa_eim_poll *p = fi->priv;
	struct sgp_buf cmd = SGP_BUF_INIT;
	int rc;

	if (p->next_ack >= p->n_acks) {
		if (p->finish_after_remove)
			poll_finish(fi, IPA_EIM_POLL_PACKAGE_DONE);
		else
			poll_deliver_next(fi);
		return;
	}
	rc = ipa_msg_notification_sent(p->acks[p->next_ack++], &cmd);
	if (rc == SGP_OK)
		rc = poll_es10(p, cmd.data, cmd.len);
	sgp_buf_free(&cmd);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.RemoveNotificationFromList: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_REMOVE, p->timeout_ms, 11);
}

/* eimAcknowledgements of a ProvideEimPackageResultResponse */
int poll_take_acks(struct sgp_fsm_inst *fi, const ProvideEimPackageResultResponse_t *r)
{
	struct ipa_eim_poll *p = fi->priv;
	int rc = ipa_msg_acknowledgements(r, p->acks, IPA_EIM_POLL_MAX_ACKS, &p->n_acks);

	p->next_ack = 0;
	if (rc < 0)
		poll_fail(fi, rc, "ProvideEimPackageResult: more than %d acknowledgements",
			  IPA_EIM_POLL_MAX_ACKS);
	else
		p->res.acknowledgements += (unsigned)p->n_acks;
	return rc;
}

/* WAIT_DELIVERED: a kept result or the owed error reached the eIM */
void poll_wait_delivered_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_esipa_answer *a = data;
	const ProvideEimPackageResultResponse_t *r;

	(void)event;
	if (poll_esipa_failed(fi, a, "ProvideEimPackageResult (kept result)",
			 EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse)) {
		if (!p->delivering_error && ++p->delivery_failures >= IPA_EIM_POLL_MAX_DELIVERY) {
			LOGPFSM(fi, LOGL_NOTICE, "kept results not delivered after %u tries: left "
				"in the eUICC", p->delivery_failures);
			p->res.rc = SGP_ERR_PEER;
			snprintf(p->res.reason + strlen(p->res.reason),
				 sizeof(p->res.reason) - strlen(p->res.reason),
				 " (given up after %u tries)", p->delivery_failures);
			p->check_pending = false;	/* a later state change asks again */
			p->delivery_failures = 0;
		}
		return;
	}
	r = &a->msg->choice.provideEimPackageResultResponse;
	if (p->delivering_error) {
		p->owed_error = 0;	/* delivered: whatever the eIM makes of it */
		p->n_acks = 0;
		p->next_ack = 0;
	} else {
		/* A refusal is the eIM's final word on that result: it stays in
		 * the eUICC (no acknowledgement), the cycle goes on. */
		if (r->present == ProvideEimPackageResultResponse_PR_provideEimPackageResultError)
			LOGPFSM(fi, LOGL_NOTICE, "kept result refused by the eIM: "
				"provideEimPackageResultError %ld",
				r->choice.provideEimPackageResultError);
		p->next_pending++;
		p->res.pending_delivered++;
		p->delivery_failures = 0;
		if (poll_take_acks(fi, r) < 0)
			return;
	}
	p->finish_after_remove = false;
	poll_remove_next(fi);
}

/* WAIT_REMOVE: NotificationSentResponse (ok or nothingToDelete) */
void poll_wait_remove_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;

	(void)event;
	if (poll_es10_failed(fi, r, "ES10b.RemoveNotificationFromList"))
		return;
	p->res.removed++;
	poll_remove_next(fi);
}

