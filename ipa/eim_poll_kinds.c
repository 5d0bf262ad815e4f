/* sgp32lab: the eIM package kinds an IPA runs besides eUICC packages
 * (SGP.32 v1.2 6.3.2.6): ipaEuiccDataRequest (2.11.2.2: the eUICC answers
 * ES10b IpaEuiccDataRequest 'BF52', the IPA adds its own ipaCapabilities
 * and deviceInfo) and profileDownloadTriggerRequest (3.2: the IPA runs the
 * profile download and reports a ProfileDownloadTriggerResult). */
#include "ipa/eim_poll_int.h"
#include "ipa/discovery.h"
#include "ipa/download.h"
#include "ipa/es10_client.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "IpaEuiccDataRequest.h"
#include "ProfileDownloadTriggerRequest.h"

#include <stdlib.h>
#include <string.h>

/* profileDownloadErrorReason undefinedError (6.3.2.7) */
#define DOWNLOAD_UNDEFINED_ERROR 127

void poll_run_data_request(struct sgp_fsm_inst *fi, const void *request)
{
	struct ipa_eim_poll *p = fi->priv;
	struct der_error err;
	int rc;

	/* the request as received is the ES10b command ('BF52') */
	sgp_buf_reset(&p->req);
	rc = sgp_der_encode(&asn_DEF_IpaEuiccDataRequest, request, &p->req, &err);
	if (rc == SGP_OK)
		rc = poll_es10(p, p->req.data, p->req.len);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.IpaEuiccDataRequest: not sent: %s", sgp_strerror(rc));
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_DATA, p->timeout_ms, 5);
}

/* WAIT_DATA: IpaEuiccDataResponse -> ProvideEimPackageResult */
void poll_wait_data_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_es10_result *r = data;
	int rc;

	(void)event;
	if (poll_es10_failed(fi, r, "ES10b.IpaEuiccDataRequest"))
		return;
	sgp_buf_reset(&p->epr);
	rc = ipa_msg_complete_euicc_data(p->req.data, p->req.len, r->data, r->len, &p->caps,
					 &p->epr);
	if (rc < 0) {
		poll_fail(fi, rc, "ES10b.IpaEuiccDataRequest: answer unusable: %s", sgp_strerror(rc));
		return;
	}
	poll_provide(fi, IPA_EIM_RESULT_IPA_EUICC_DATA);
}

/* The trigger's result (pir NULL: profileDownloadError) -> the eIM */
static void trigger_done(struct sgp_fsm_inst *fi, const uint8_t *pir, size_t pir_len)
{
	struct ipa_eim_poll *p = fi->priv;
	int rc;

	sgp_buf_reset(&p->epr);
	rc = ipa_msg_download_trigger_result(p->tid, p->tid_len, pir, pir_len,
					     DOWNLOAD_UNDEFINED_ERROR, &p->epr);
	if (rc < 0) {
		poll_fail(fi, rc, "ProfileDownloadTriggerResult: %s", sgp_strerror(rc));
		return;
	}
	poll_provide(fi, IPA_EIM_RESULT_DOWNLOAD_TRIGGER);
}

static void on_download(void *arg, const struct ipa_download_result *res)
{
	struct ipa_eim_poll *p = arg;

	struct ipa_download *dl = p->dl;

	p->dl = NULL;	/* the dispatch may end the cycle, or free p */
	if (p->fi)
		sgp_fsm_dispatch(p->fi, EV_DOWNLOAD, (void *)res);
	ipa_download_free(dl);	/* allowed from its callback */
}

/* WAIT_DOWNLOAD: the download ended -> ProfileDownloadTriggerResult */
void poll_wait_download_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_download_result *r = data;

	(void)event;
	p->profiles_stale = true;
	p->res.download_installed = r->installed;
	if (!r->installed)
		LOGPFSM(fi, LOGL_NOTICE, "triggered download failed at %s: %s", r->step, r->why);
	/* The PIR says success or the error; only a download that never got
	 * one is a profileDownloadError. */
	trigger_done(fi, r->pir, r->pir_len);
}

static void download_cfg(struct ipa_eim_poll *p, struct ipa_download_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->clock = p->clock;
	c->es10 = p->es10;
	c->http = p->http;
	memcpy(c->tac, p->caps.tac, sizeof(c->tac));
	c->es10_timeout_ms = p->timeout_ms;
	c->done = on_download;
	c->arg = p;
	c->id = "eim-trigger";
}

static void on_discovery(void *arg, const struct ipa_discover_result *res)
{
	struct ipa_eim_poll *p = arg;

	struct ipa_discovery *ds = p->ds;

	p->ds = NULL;	/* the dispatch may end the cycle, or free p */
	if (p->fi)
		sgp_fsm_dispatch(p->fi, EV_DISCOVERY, (void *)res);
	ipa_discover_free(ds);	/* its callback is the last thing it does */
}

/* WAIT_DISCOVERY: the SM-DS answered -> download from the first event */
void poll_wait_discovery_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_eim_poll *p = fi->priv;
	const struct ipa_discover_result *r = data;
	struct ipa_download_cfg c;
	int rc;

	(void)event;
	if (r->rc < 0 || !r->n_events) {
		LOGPFSM(fi, LOGL_NOTICE, "contactSmds: %s", r->rc < 0 ? r->why : "no event");
		trigger_done(fi, NULL, 0);
		return;
	}
	download_cfg(p, &c);
	rc = ipa_download_from_event(&c, &r->events[0], &p->dl);
	if (rc < 0) {
		LOGPFSM(fi, LOGL_NOTICE, "download not started: %s", sgp_strerror(rc));
		trigger_done(fi, NULL, 0);
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_DOWNLOAD, 0, 0);	/* the download has its own timers */
}

void poll_run_download_trigger(struct sgp_fsm_inst *fi, const void *request)
{
	struct ipa_eim_poll *p = fi->priv;
	const ProfileDownloadTriggerRequest_t *t = request;
	const ProfileDownloadData_t *pd = t->profileDownloadData;
	struct ipa_download_cfg c;
	char ac[256], smds[256];
	int rc;

	p->tid_len = 0;
	if (t->eimTransactionId && (size_t)t->eimTransactionId->size <= sizeof(p->tid)) {
		memcpy(p->tid, t->eimTransactionId->buf, (size_t)t->eimTransactionId->size);
		p->tid_len = (size_t)t->eimTransactionId->size;
	}
	/* IpaCapabilities decide how the IPA reaches the SM-DP+ (SGP.32
	 * 3.2.3): directly over ES9+ when it advertises
	 * directRspServerCommunication, else through the eIM, which relays
	 * ES9+ over ESipa (indirectRspServerCommunication, 3.2.3.2). */
	download_cfg(p, &c);
	if (!(p->caps.features & (1u << IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION))) {
		if (!(p->caps.features & (1u << IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION))) {
			LOGPFSM(fi, LOGL_NOTICE, "profileDownloadTrigger: no way to an SM-DP+");
			trigger_done(fi, NULL, 0);
			return;
		}
		if (pd && pd->present == ProfileDownloadData_PR_contactSmds) {
			/* the eIM relays ES9+ only, not ES11 */
			LOGPFSM(fi, LOGL_NOTICE, "contactSmds needs direct mode");
			trigger_done(fi, NULL, 0);
			return;
		}
		c.eim_url = p->url;
		c.esipa_binding = p->binding;
		c.eim_transaction_id = p->tid;
		c.eim_transaction_id_len = p->tid_len;
	}
	if (!pd) {
		trigger_done(fi, NULL, 0);
		return;
	}
	switch (pd->present) {
	case ProfileDownloadData_PR_activationCode:
		snprintf(ac, sizeof(ac), "%.*s", (int)pd->choice.activationCode.size,
			 (const char *)pd->choice.activationCode.buf);
		c.activation_code = ac;
		break;
	case ProfileDownloadData_PR_contactDefaultSmdp:
		break;	/* neither: the eUICC's default SM-DP+ address */
	case ProfileDownloadData_PR_contactSmds: {
		struct ipa_discover_cfg dc = {
			.clock = p->clock, .es10 = p->es10, .http = p->http,
			.es10_timeout_ms = p->timeout_ms, .done = on_discovery, .arg = p,
			.id = "eim-trigger",
		};
		const UTF8String_t *a = pd->choice.contactSmds.smdsAddress;

		if (a) {
			snprintf(smds, sizeof(smds), "%.*s", (int)a->size, (const char *)a->buf);
			dc.smds_address = smds;
		}
		memcpy(dc.tac, p->caps.tac, sizeof(dc.tac));
		rc = ipa_discover_start(&dc, &p->ds);
		if (rc < 0) {
			LOGPFSM(fi, LOGL_NOTICE, "contactSmds: %s", sgp_strerror(rc));
			trigger_done(fi, NULL, 0);
			return;
		}
		sgp_fsm_state_chg(fi, ST_WAIT_DISCOVERY, 0, 0);
		return;
	}
	default:
		trigger_done(fi, NULL, 0);
		return;
	}
	rc = ipa_download_start(&c, &p->dl);
	if (rc < 0) {
		LOGPFSM(fi, LOGL_NOTICE, "download not started: %s", sgp_strerror(rc));
		trigger_done(fi, NULL, 0);
		return;
	}
	sgp_fsm_state_chg(fi, ST_WAIT_DOWNLOAD, 0, 0);
}

void poll_kinds_cleanup(struct ipa_eim_poll *p)
{
	ipa_download_free(p->dl);
	p->dl = NULL;
	ipa_discover_free(p->ds);
	p->ds = NULL;
}
