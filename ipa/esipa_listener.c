/* sgp32lab: the IPA's ESipa listener — ESipa.TransferEimPackage, the eIM's
 * push (SGP.32 v1.2 6.3.2, IpaCapabilities ipaInjectHttps), as a table FSM
 * of one push at a time */
#include "ipa/esipa_listener.h"
#include "ipa/es10_client.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/http/http.h"
#include "core/log.h"

#include "EsipaMessageFromEimToIpa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_ASN1 "application/x-gsma-rsp-asn1"
#define DEFAULT_TIMEOUT_MS 30000
#define MAX_ACKS 32

/* TransferEimPackageResponse choices without a value of their own
 * (6.3.2.x): eimPackageReceived NULL, eimPackageError INTEGER */
#define TAG_TRANSFER 0xBF4Eu
#define ERR_INVALID_PACKAGE_FORMAT 1
#define ERR_UNKNOWN_PACKAGE 2
#define ERR_UNDEFINED 127

enum listener_state { ST_IDLE, ST_WAIT_EUICC, ST_WAIT_DATA, ST_WAIT_REMOVE };
enum listener_event { EV_ES10 };

struct ipa_listener {
	struct http_server *http;
	struct sgp_clock *clock;
	struct ipa_es10 *es10;
	const struct ipa_capabilities *caps;
	char id[24];
	unsigned timeout_ms;
	bool (*busy)(void *arg);
	int (*trigger)(void *arg, const uint8_t *der, size_t len);
	void (*lost)(void *arg);
	void *arg;
	struct ipa_listener_stats stats;

	/* the running push */
	struct sgp_fsm_inst *fi;
	struct http_request *req;	/* NULL once answered or dead */
	bool answered;			/* the answer went to the eIM */
	struct sgp_buf cmd;		/* the ES10b command sent (data request) */
	long acks[MAX_ACKS];
	size_t n_acks, next_ack;
	unsigned removed;
};

/* EsipaMessageFromIpaToEim transferEimPackageResponse: 'BF4E' around the
 * chosen alternative's TLV. */
static void reply_alternative(struct ipa_listener *l, const uint8_t *tlv, size_t len)
{
	struct sgp_buf out = SGP_BUF_INIT;
	int rc = sgp_der_put_tlv(&out, TAG_TRANSFER, tlv, len);

	if (!l->req)
		goto out;
	if (rc < 0)
		http_request_reply(l->req, 500, NULL, NULL, NULL, 0);
	else
		l->answered = http_request_reply(l->req, 200, CT_ASN1, NULL, out.data,
						 out.len) == SGP_OK;
	l->req = NULL;
	l->stats.pushes++;
out:
	sgp_buf_free(&out);
}

static void reply_received(struct ipa_listener *l)
{
	static const uint8_t received[] = { 0x05, 0x00 };	/* NULL */

	reply_alternative(l, received, sizeof(received));
}

static void reply_error(struct ipa_listener *l, struct http_request *req, long code)
{
	uint8_t err[] = { 0x02, 0x01, (uint8_t)code };	/* INTEGER, codes < 128 */

	l->req = req;
	l->stats.errors++;
	LOGP(DIPA, LOGL_NOTICE, "ipa-listener(%s): TransferEimPackage answered eimPackageError %ld",
	     l->id, code);
	reply_alternative(l, err, sizeof(err));
}

static void on_es10(void *arg, const struct ipa_es10_result *res)
{
	struct ipa_listener *l = arg;

	if (l->fi)
		sgp_fsm_dispatch(l->fi, EV_ES10, (void *)res);
}

static bool es10_failed(struct sgp_fsm_inst *fi, const struct ipa_es10_result *r, const char *what)
{
	struct ipa_listener *l = fi->priv;

	if (r->rc == SGP_OK)
		return false;
	LOGPFSM(fi, LOGL_NOTICE, "%s: %s at %s, SW %04X", what, sgp_strerror(r->rc),
		r->stage ? r->stage : "?", r->sw);
	if (l->req)
		reply_error(l, l->req, ERR_UNDEFINED);
	sgp_fsm_term(fi, SGP_FSM_TERM_ERROR);
	return true;
}

/* WAIT_EUICC: the eUICC's EuiccPackageResult ('BF51') is the answer */
static void wait_euicc_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_listener *l = fi->priv;
	const struct ipa_es10_result *r = data;

	(void)event;
	if (es10_failed(fi, r, "ES10b.LoadEuiccPackage"))
		return;
	reply_alternative(l, r->data, r->len);
	sgp_fsm_term(fi, SGP_FSM_TERM_REGULAR);
}

/* WAIT_DATA: IpaEuiccDataResponse, completed by the IPA (2.11.2.2) */
static void wait_data_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_listener *l = fi->priv;
	const struct ipa_es10_result *r = data;
	struct sgp_buf out = SGP_BUF_INIT;
	int rc;

	(void)event;
	if (es10_failed(fi, r, "ES10b.IpaEuiccDataRequest"))
		return;
	rc = ipa_msg_complete_euicc_data(l->cmd.data, l->cmd.len, r->data, r->len, l->caps, &out);
	if (rc < 0) {
		LOGPFSM(fi, LOGL_NOTICE, "IpaEuiccDataResponse unusable: %s", sgp_strerror(rc));
		if (l->req)
			reply_error(l, l->req, ERR_UNDEFINED);
		sgp_fsm_term(fi, SGP_FSM_TERM_ERROR);
	} else {
		reply_alternative(l, out.data, out.len);
		sgp_fsm_term(fi, SGP_FSM_TERM_REGULAR);
	}
	sgp_buf_free(&out);
}

/* The next acknowledged sequence number -> RemoveNotificationFromList */
static void remove_next(struct sgp_fsm_inst *fi)
{
	struct ipa_listener *l = fi->priv;
	int rc;

	if (l->next_ack >= l->n_acks) {
		LOGPFSM(fi, LOGL_INFO, "%u acknowledged result%s removed from the eUICC", l->removed,
			l->removed == 1 ? "" : "s");
		reply_received(l);
		sgp_fsm_term(fi, SGP_FSM_TERM_REGULAR);
		return;
	}
	sgp_buf_reset(&l->cmd);
	rc = ipa_msg_notification_sent(l->acks[l->next_ack++], &l->cmd);
	if (rc == SGP_OK)
		rc = ipa_es10_call(l->es10, l->cmd.data, l->cmd.len, on_es10, l);
	if (rc == SGP_OK)
		rc = sgp_fsm_state_chg(fi, ST_WAIT_REMOVE, l->timeout_ms, 3);
	if (rc < 0) {
		LOGPFSM(fi, LOGL_NOTICE, "RemoveNotificationFromList not sent: %s", sgp_strerror(rc));
		if (l->req)
			reply_error(l, l->req, ERR_UNDEFINED);
		sgp_fsm_term(fi, SGP_FSM_TERM_ERROR);
	}
}

/* WAIT_REMOVE: NotificationSentResponse (ok or nothingToDelete) */
static void wait_remove_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_listener *l = fi->priv;

	(void)event;
	if (es10_failed(fi, data, "ES10b.RemoveNotificationFromList"))
		return;
	l->removed++;
	remove_next(fi);
}

static const struct sgp_fsm_state listener_states[] = {
	[ST_IDLE] = { .name = "IDLE", .out_state_mask = SGP_FSM_BIT(ST_WAIT_EUICC) |
			SGP_FSM_BIT(ST_WAIT_DATA) | SGP_FSM_BIT(ST_WAIT_REMOVE) },
	[ST_WAIT_EUICC] = { .name = "WAIT_EUICC", .in_event_mask = SGP_FSM_BIT(EV_ES10),
			    .action = wait_euicc_action },
	[ST_WAIT_DATA] = { .name = "WAIT_DATA", .in_event_mask = SGP_FSM_BIT(EV_ES10),
			   .action = wait_data_action },
	[ST_WAIT_REMOVE] = { .name = "WAIT_REMOVE", .in_event_mask = SGP_FSM_BIT(EV_ES10),
			     .out_state_mask = SGP_FSM_BIT(ST_WAIT_REMOVE),
			     .action = wait_remove_action },
};

static const char *const listener_event_names[] = { [EV_ES10] = "ES10_ANSWER" };

static bool listener_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipa_listener *l = fi->priv;

	LOGPFSM(fi, LOGL_NOTICE, "the eUICC did not answer within %u ms (T%d)", l->timeout_ms, T);
	if (l->req)
		reply_error(l, l->req, ERR_UNDEFINED);
	return true;
}

static void listener_cleanup(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause)
{
	struct ipa_listener *l = fi->priv;
	bool lost = !l->answered && !l->req;

	ipa_es10_forget(l->es10, l);
	l->fi = NULL;
	if (l->req) {
		/* our own bug or a free: answer rather than leave it hanging */
		http_request_reply(l->req, 500, NULL, NULL, NULL, 0);
		l->req = NULL;
	}
	sgp_buf_reset(&l->cmd);
	if (lost && cause != SGP_FSM_TERM_REQUEST && l->lost)
		l->lost(l->arg);
}

static const struct sgp_fsm listener_fsm = {
	.name = "ipa-listener",
	.log_cat = DIPA,
	.states = listener_states,
	.num_states = sizeof(listener_states) / sizeof(listener_states[0]),
	.event_names = listener_event_names,
	.num_events = sizeof(listener_event_names) / sizeof(listener_event_names[0]),
	.timer_cb = listener_timer_cb,
	.cleanup = listener_cleanup,
};

/* The request died before its answer (the eIM went away, or the server's
 * timeout): the eUICC may still answer; a result it keeps goes with the
 * next poll. */
static void on_abort(struct http_request *req, void *arg)
{
	struct ipa_listener *l = arg;

	(void)req;
	l->req = NULL;
	LOGP(DIPA, LOGL_NOTICE, "ipa-listener(%s): the push's request died before its answer", l->id);
}

/* The ES10b command for the eUICC, then wait in state */
static int send_es10(struct ipa_listener *l, const asn_TYPE_descriptor_t *td, const void *v,
		     uint32_t state)
{
	struct der_error err;
	int rc;

	sgp_buf_reset(&l->cmd);
	rc = sgp_der_encode(td, v, &l->cmd, &err);	/* strictly decoded: the bytes received */
	if (rc == SGP_OK)
		rc = ipa_es10_call(l->es10, l->cmd.data, l->cmd.len, on_es10, l);
	if (rc == SGP_OK)
		rc = sgp_fsm_state_chg(l->fi, state, l->timeout_ms, (int)state);
	return rc;
}

static int take_acks(struct ipa_listener *l, const EimAcknowledgements_t *a)
{
	if (a->list.count > MAX_ACKS)
		return SGP_ERR_TOOBIG;
	l->n_acks = l->next_ack = 0;
	l->removed = 0;
	for (int i = 0; i < a->list.count; i++)
		l->acks[l->n_acks++] = *a->list.array[i];
	return SGP_OK;
}

/* A decoded TransferEimPackageRequest: start the push's exchange */
static int start_push(struct ipa_listener *l, const TransferEimPackageRequest_t *t)
{
	struct der_error err;
	struct sgp_buf der = SGP_BUF_INIT;
	int rc;

	switch (t->present) {
	case TransferEimPackageRequest_PR_euiccPackageRequest:
		return send_es10(l, &asn_DEF_EuiccPackageRequest, &t->choice.euiccPackageRequest,
				 ST_WAIT_EUICC);
	case TransferEimPackageRequest_PR_ipaEuiccDataRequest:
		return send_es10(l, &asn_DEF_IpaEuiccDataRequest, &t->choice.ipaEuiccDataRequest,
				 ST_WAIT_DATA);
	case TransferEimPackageRequest_PR_eimAcknowledgements:
		rc = take_acks(l, &t->choice.eimAcknowledgements);
		if (rc == SGP_OK)
			remove_next(l->fi);
		return rc;
	case TransferEimPackageRequest_PR_profileDownloadTriggerRequest:
		if (!l->trigger)
			return SGP_ERR_UNSUPPORTED;
		rc = sgp_der_encode(&asn_DEF_ProfileDownloadTriggerRequest,
				    &t->choice.profileDownloadTriggerRequest, &der, &err);
		if (rc == SGP_OK)
			rc = l->trigger(l->arg, der.data, der.len);
		sgp_buf_free(&der);
		if (rc == SGP_OK) {
			/* the result goes later, with ProvideEimPackageResult */
			reply_received(l);
			sgp_fsm_term(l->fi, SGP_FSM_TERM_REGULAR);
		}
		return rc;
	default:
		return SGP_ERR_UNSUPPORTED;
	}
}

static void handle_push(struct http_request *req, void *arg)
{
	struct ipa_listener *l = arg;
	EsipaMessageFromEimToIpa_t *m = NULL;
	const char *ct = http_request_header(req, "Content-Type");
	const uint8_t *body;
	struct der_error err;
	size_t len;
	int rc;

	if (!ct || strncmp(ct, CT_ASN1, strlen(CT_ASN1))) {
		http_request_reply(req, 415, NULL, NULL, NULL, 0);
		return;
	}
	if (l->fi || (l->busy && l->busy(l->arg))) {
		/* one thing at a time with the eUICC: the eIM retries later */
		l->stats.busy++;
		LOGP(DIPA, LOGL_INFO, "ipa-listener(%s): busy: push answered 503", l->id);
		http_request_reply(req, 503, NULL, NULL, NULL, 0);
		return;
	}
	body = http_request_body(req, &len);
	rc = sgp_der_decode(&asn_DEF_EsipaMessageFromEimToIpa, body, len, (void **)&m, &err);
	if (rc < 0) {
		LOGP(DIPA, LOGL_NOTICE, "ipa-listener(%s): push does not decode: %s", l->id, err.msg);
		reply_error(l, req, ERR_INVALID_PACKAGE_FORMAT);
		return;
	}
	if (m->present != EsipaMessageFromEimToIpa_PR_transferEimPackageRequest) {
		reply_error(l, req, ERR_UNKNOWN_PACKAGE);
		goto out;
	}
	l->fi = sgp_fsm_inst_alloc(&listener_fsm, l->clock, l->id, l);
	if (!l->fi) {
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
		goto out;
	}
	l->req = req;
	l->answered = false;
	http_request_set_abort_cb(req, on_abort, l);
	LOGPFSM(l->fi, LOGL_INFO, "TransferEimPackageRequest (choice %d)",
		(int)m->choice.transferEimPackageRequest.present);
	rc = start_push(l, &m->choice.transferEimPackageRequest);
	if (rc < 0) {
		LOGPFSM(l->fi, LOGL_NOTICE, "push not run: %s", sgp_strerror(rc));
		if (l->req)
			reply_error(l, l->req, rc == SGP_ERR_UNSUPPORTED ? ERR_UNKNOWN_PACKAGE :
					       rc == SGP_ERR_TOOBIG ? ERR_INVALID_PACKAGE_FORMAT :
								      ERR_UNDEFINED);
		sgp_fsm_term(l->fi, SGP_FSM_TERM_REQUEST);
	}
out:
	sgp_der_free(&asn_DEF_EsipaMessageFromEimToIpa, m);
}

int ipa_listener_new(const struct ipa_listener_cfg *cfg, struct ipa_listener **out)
{
	struct http_server_cfg hc = { 0 };
	struct ipa_listener *l;
	int rc = SGP_OK;

	*out = NULL;
	if (!cfg || !cfg->base || !cfg->clock || !cfg->es10 || !cfg->caps)
		return SGP_ERR_INVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return SGP_ERR_NOMEM;
	l->clock = cfg->clock;
	l->es10 = cfg->es10;
	l->caps = cfg->caps;
	l->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	l->busy = cfg->busy;
	l->trigger = cfg->trigger;
	l->lost = cfg->lost;
	l->arg = cfg->arg;
	snprintf(l->id, sizeof(l->id), "%s", cfg->id ? cfg->id : "1");
	hc.name = "ipa-listener";
	hc.addr = cfg->addr;
	hc.port = cfg->port;
	hc.tls = cfg->tls;
	l->http = http_server_new(cfg->base, &hc, &rc);
	if (!l->http)
		goto fail;
	rc = http_server_add_route(l->http, IPA_LISTENER_PATH, false, handle_push, l);
	if (rc < 0)
		goto fail;
	*out = l;
	return SGP_OK;
fail:
	ipa_listener_free(l);
	return rc < 0 ? rc : SGP_ERR_IO;
}

void ipa_listener_free(struct ipa_listener *l)
{
	if (!l)
		return;
	if (l->fi)
		sgp_fsm_term(l->fi, SGP_FSM_TERM_REQUEST);
	l->lost = NULL;		/* no callbacks while going */
	http_server_free(l->http);
	sgp_buf_free(&l->cmd);
	free(l);
}

uint16_t ipa_listener_port(const struct ipa_listener *l)
{
	return l ? http_server_port(l->http) : 0;
}

bool ipa_listener_busy(const struct ipa_listener *l)
{
	return l && l->fi;
}

void ipa_listener_get_stats(const struct ipa_listener *l, struct ipa_listener_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (l)
		*st = l->stats;
}
