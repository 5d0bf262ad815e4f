/* sgp32lab: the eIM's ESipa server, ASN.1 binding (SGP.32 v1.2 6.1, 6.3) */
#include "eim/esipa_server.h"
#include "eim/esipa_relay.h"
#include "eim/package.h"
#include "core/esipa/esipa_map.h"
#include "core/clock.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"
#include "EuiccPackageRequest.h"
#include "EuiccPackageResult.h"

#include <stdlib.h>
#include <string.h>

struct eim_server {
	struct http_server *http;
	struct sgp_store *store;
	struct sgp_clock *clock;
	const struct sgp_key *sk_eim;
	const struct sgp_pki *pki;
	char eim_id[129];
	struct eim_server_stats stats;
	struct http_client *es9;	/* the relay's ES9+ client */
	struct eim_relay *relay;
};

static void handle_esipa(struct http_request *req, void *arg);

struct eim_server *eim_server_new(struct event_base *base, const struct eim_server_cfg *cfg,
				  int *err)
{
	struct eim_server *s = NULL;
	int rc = 0;

	if (!base || !cfg || !cfg->store || !cfg->sk_eim || !cfg->eim_id || !cfg->eim_id[0] ||
	    strlen(cfg->eim_id) > 128) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	s->store = cfg->store;
	s->clock = cfg->clock;
	s->sk_eim = cfg->sk_eim;
	s->pki = cfg->pki;
	snprintf(s->eim_id, sizeof(s->eim_id), "%s", cfg->eim_id);
	rc = eim_registry_migrate(s->store);
	if (rc)
		goto out;
	s->http = http_server_new(base, &cfg->http, &rc);
	if (!s->http)
		goto out;
	rc = http_server_add_route(s->http, ESIPA_PATH, false, handle_esipa, s);
	if (rc)
		goto out;
	if (s->clock) {
		struct http_tls_cfg tls = { .ca_file = cfg->es9_ca_file };
		struct http_client_cfg hc = { .name = "eim-es9", .tls = &tls };
		struct eim_relay_cfg rc_cfg = {
			.store = s->store, .clock = s->clock, .timeout_ms = cfg->relay_timeout_ms,
			.smdp_addresses = cfg->relay_smdp_addresses,
		};

		s->es9 = http_client_new(base, &hc, &rc);
		if (!s->es9)
			goto out;
		rc_cfg.http = s->es9;
		s->relay = eim_relay_new(&rc_cfg, &rc);
		if (!s->relay)
			goto out;
	}
	LOGP(DEIM, LOGL_INFO, "eim(%s): ESipa on port %u", s->eim_id, http_server_port(s->http));
out:
	if (rc) {
		eim_server_free(s);
		s = NULL;
	}
	if (err)
		*err = rc;
	return s;
}

void eim_server_free(struct eim_server *s)
{
	if (!s)
		return;
	eim_relay_free(s->relay);
	http_server_free(s->http);
	http_client_free(s->es9);
	free(s);
}

uint16_t eim_server_port(const struct eim_server *s)
{
	return http_server_port(s->http);
}

struct eim_relay *eim_server_relay(struct eim_server *s)
{
	return s->relay;
}

void eim_server_get_stats(const struct eim_server *s, struct eim_server_stats *st)
{
	*st = s->stats;
}

/* ---- operator side: registry and queue ---- */

int eim_register_device(struct eim_server *s, const char *eid, X509 *euicc_cert,
			long association_token, long first_counter)
{
	char cert_eid[SGP_EID_LEN + 1];
	struct sgp_buf der = SGP_BUF_INIT;
	int rc;

	if (!eid || !euicc_cert || sgp_eid_check(eid))
		return SGP_ERR_INVAL;
	rc = sgp_pki_cert_eid(euicc_cert, cert_eid);
	if (rc)
		goto out;
	if (strcmp(cert_eid, eid)) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): certificate of EID %s given for %s", s->eim_id,
		     cert_eid, eid);
		rc = SGP_ERR_VERIFY;
		goto out;
	}
	if (s->pki) {
		struct sgp_pki_verify_info info;
		enum sgp_pki_result pr = sgp_pki_verify(s->pki, euicc_cert, SGP_PKI_ROLE_EUICC, NULL,
							s->clock ? sgp_clock_now(s->clock) : time(NULL),
							eid, &info);
		if (pr != SGP_PKI_OK) {
			LOGP(DEIM, LOGL_ERROR, "eim(%s): eUICC certificate of %s refused: %s (%s)",
			     s->eim_id, eid, sgp_pki_result_str(pr), info.detail);
			rc = SGP_ERR_VERIFY;
			goto out;
		}
	}
	rc = sgp_pki_cert_der(euicc_cert, &der);
	if (!rc)
		rc = eim_registry_add_device(s->store, eid, der.data, der.len, association_token,
					     first_counter > 0 ? first_counter : 1);
out:
	sgp_buf_free(&der);
	return rc;
}

int eim_queue_package(struct eim_server *s, const char *eid, int kind, eim_fill_fn fill,
		      void *arg, int64_t *id)
{
	struct eim_package p = { 0 };
	struct eim_device d = { 0 };
	struct sgp_buf der = SGP_BUF_INIT;
	uint8_t bcd[SGP_EID_BCD_LEN], tid[8];
	long counter = 0;
	bool init = false;
	int rc;

	if (!eid || !fill || (kind != EIM_PACKAGE_PSMO && kind != EIM_PACKAGE_ECO))
		return SGP_ERR_INVAL;
	rc = sgp_eid_to_bcd(eid, bcd);
	if (rc)
		return SGP_ERR_INVAL;
	rc = sgp_store_begin(s->store);
	if (rc)
		return rc;
	rc = eim_registry_get_device(s->store, eid, &d);
	if (!rc)
		rc = eim_registry_take_counter(s->store, eid, &counter);
	if (!rc && counter > EIM_COUNTER_MAX)
		rc = SGP_ERR_STATE;
	if (rc)
		goto out;
	rc = eim_package_init(&p, (enum eim_package_kind)kind, s->eim_id, bcd, counter);
	if (rc)
		goto out;
	init = true;
	p.association_token = d.association_token;
	/* eimTransactionId (SGP.32 2.11.1.1): unique per device and package;
	 * the counter value already is, so it is made from it. */
	memcpy(tid, "eIM\0", 4);
	for (int i = 0; i < 4; i++)
		tid[4 + i] = (uint8_t)(counter >> (24 - 8 * i));
	rc = eim_package_set_transaction_id(&p, tid, sizeof(tid));
	if (!rc)
		rc = fill(&p, arg);
	if (!rc)
		rc = eim_package_sign(&p, s->sk_eim, &der);
	if (!rc)
		rc = eim_registry_queue_add(s->store, eid, counter, tid, sizeof(tid), der.data, der.len,
					    id);
out:
	if (rc)
		sgp_store_rollback(s->store);
	else
		rc = sgp_store_commit(s->store);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim(%s): package counter %ld queued for %s", s->eim_id,
		     counter, eid);
	if (init)
		eim_package_free(&p);
	eim_device_release(&d);
	sgp_buf_free(&der);
	return rc;
}

struct psmo_arg {
	int op;			/* 0 enable, 1 disable, 2 delete, 3 listProfileInfo */
	uint8_t iccid[10];
	bool rollback;
};

static int fill_psmo(struct eim_package *p, void *arg)
{
	const struct psmo_arg *a = arg;

	switch (a->op) {
	case 0:
		return eim_psmo_enable(p, a->iccid, a->rollback);
	case 1:
		return eim_psmo_disable(p, a->iccid);
	case 2:
		return eim_psmo_delete(p, a->iccid);
	default:
		return eim_psmo_list_profile_info(p);
	}
}

static int queue_psmo(struct eim_server *s, const char *eid, int op, const char *iccid,
		      bool rollback, int64_t *id)
{
	struct psmo_arg a = { .op = op, .rollback = rollback };

	if (iccid && sgp_iccid_to_bcd(iccid, a.iccid))
		return SGP_ERR_INVAL;
	return eim_queue_package(s, eid, EIM_PACKAGE_PSMO, fill_psmo, &a, id);
}

int eim_queue_psmo_enable(struct eim_server *s, const char *eid, const char *iccid,
			  bool rollback, int64_t *id)
{
	return iccid ? queue_psmo(s, eid, 0, iccid, rollback, id) : SGP_ERR_INVAL;
}

int eim_queue_psmo_disable(struct eim_server *s, const char *eid, const char *iccid, int64_t *id)
{
	return iccid ? queue_psmo(s, eid, 1, iccid, false, id) : SGP_ERR_INVAL;
}

int eim_queue_psmo_delete(struct eim_server *s, const char *eid, const char *iccid, int64_t *id)
{
	return iccid ? queue_psmo(s, eid, 2, iccid, false, id) : SGP_ERR_INVAL;
}

int eim_queue_psmo_list_profile_info(struct eim_server *s, const char *eid, int64_t *id)
{
	return queue_psmo(s, eid, 3, NULL, false, id);
}

int eim_server_packages(struct eim_server *s, const char *eid, struct eim_pkg **v, size_t *n)
{
	return eim_registry_list(s->store, eid, v, n);
}

/* ---- ESipa ---- */

/* Encode msg and answer it; msg's contents are freed. */
static void reply_msg(struct eim_server *s, struct http_request *req, EsipaMessageFromEimToIpa_t *msg)
{
	struct sgp_buf out = SGP_BUF_INIT;
	struct der_error de;
	int rc = sgp_der_encode(&asn_DEF_EsipaMessageFromEimToIpa, msg, &out, &de);

	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromEimToIpa, msg);
	if (rc) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): cannot encode answer: %s", s->eim_id, de.msg);
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
	} else {
		http_request_reply(req, 200, ESIPA_CONTENT_TYPE, NULL, out.data, out.len);
	}
	sgp_buf_free(&out);
}

static void reply_get_error(struct eim_server *s, struct http_request *req, long code)
{
	EsipaMessageFromEimToIpa_t msg;

	memset(&msg, 0, sizeof(msg));
	msg.present = EsipaMessageFromEimToIpa_PR_getEimPackageResponse;
	msg.choice.getEimPackageResponse.present = GetEimPackageResponse_PR_eimPackageError;
	msg.choice.getEimPackageResponse.choice.eimPackageError = code;
	if (code != GetEimPackageResponse__eimPackageError_noEimPackageAvailable)
		s->stats.refused++;
	reply_msg(s, req, &msg);
}

static void reply_provide_error(struct eim_server *s, struct http_request *req, long code)
{
	EsipaMessageFromEimToIpa_t msg;

	memset(&msg, 0, sizeof(msg));
	msg.present = EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse;
	msg.choice.provideEimPackageResultResponse.present =
		ProvideEimPackageResultResponse_PR_provideEimPackageResultError;
	msg.choice.provideEimPackageResultResponse.choice.provideEimPackageResultError = code;
	s->stats.refused++;
	reply_msg(s, req, &msg);
}

/* The EID of an Octet16 '5A' as 32 digits. */
static int eid_text(const OCTET_STRING_t *v, char eid[SGP_EID_LEN + 1])
{
	if (sgp_eid_from_bcd(v->buf, (size_t)v->size, eid) || sgp_eid_check(eid))
		return SGP_ERR_PARSE;
	return 0;
}

/* ESipa.GetEimPackage (SGP.32 6.3.2.6) */
static void get_eim_package(struct eim_server *s, struct http_request *req,
			    const GetEimPackageRequest_t *g)
{
	EsipaMessageFromEimToIpa_t msg;
	EuiccPackageRequest_t *pr = NULL;
	struct eim_device d = { 0 };
	struct eim_pkg p = { 0 };
	struct der_error de;
	char eid[SGP_EID_LEN + 1];
	long code = GetEimPackageResponse__eimPackageError_undefinedError;
	int rc;

	if (eid_text(&g->eidValue, eid)) {
		reply_get_error(s, req, GetEimPackageResponse__eimPackageError_invalidEid);
		return;
	}
	if (g->notifyStateChange)
		LOGP(DEIM, LOGL_NOTICE, "eim(%s): %s notifies a state change (cause %ld)", s->eim_id,
		     eid, g->stateChangeCause ? *g->stateChangeCause : -1L);
	rc = sgp_store_begin(s->store);
	if (rc)
		goto fail;
	rc = eim_registry_get_device(s->store, eid, &d);
	if (rc == SGP_ERR_NOTFOUND)
		code = GetEimPackageResponse__eimPackageError_eidNotFound;
	if (!rc)
		rc = eim_registry_next_queued(s->store, eid, &p);
	if (rc == SGP_ERR_NOTFOUND && code != GetEimPackageResponse__eimPackageError_eidNotFound)
		code = GetEimPackageResponse__eimPackageError_noEimPackageAvailable;
	if (!rc)
		rc = sgp_der_decode(&asn_DEF_EuiccPackageRequest, p.der.data, p.der.len, (void **)&pr,
				    &de);
	if (!rc)
		rc = eim_registry_mark_delivered(s->store, p.id);
	if (rc) {
		sgp_store_rollback(s->store);
		goto fail;
	}
	rc = sgp_store_commit(s->store);
	if (rc)
		goto fail;
	LOGP(DEIM, LOGL_INFO, "eim(%s): package counter %ld delivered to %s", s->eim_id, p.counter,
	     eid);
	s->stats.delivered++;
	memset(&msg, 0, sizeof(msg));
	msg.present = EsipaMessageFromEimToIpa_PR_getEimPackageResponse;
	msg.choice.getEimPackageResponse.present = GetEimPackageResponse_PR_euiccPackageRequest;
	/* move the decoded value into the answer; its shell is freed */
	msg.choice.getEimPackageResponse.choice.euiccPackageRequest = *pr;
	free(pr);
	eim_pkg_release(&p);
	eim_device_release(&d);
	reply_msg(s, req, &msg);
	return;
fail:
	sgp_der_free(&asn_DEF_EuiccPackageRequest, pr);
	eim_pkg_release(&p);
	eim_device_release(&d);
	reply_get_error(s, req, code);
}

static bool same_tid(const OCTET_STRING_t *got, const struct eim_pkg *p)
{
	if (!got)
		return p->transaction_id_len == 0;
	return (size_t)got->size == p->transaction_id_len &&
	       !memcmp(got->buf, p->transaction_id, p->transaction_id_len);
}

/* Check the result r against the delivered package of eid and record it;
 * SGP_ERR_VERIFY / _NOTFOUND / _STATE when it does not belong there. */
static int record_result(struct eim_server *s, const char *eid, const struct sgp_buf *der,
			 const struct eim_result *r)
{
	const OCTET_STRING_t *tid;
	struct eim_pkg p = { 0 };
	long seq = -1, code = -1;
	int rc;

	if (r->kind == EIM_RESULT_SIGNED) {
		tid = r->value->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.eimTransactionId;
		seq = r->seq_number;
	} else {
		tid = r->value->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned.eimTransactionId;
		code = r->error_code;
	}
	if (strcmp(r->eim_id, s->eim_id))
		return SGP_ERR_VERIFY;
	rc = sgp_store_begin(s->store);
	if (rc)
		return rc;
	rc = eim_registry_find_counter(s->store, eid, r->counter, &p);
	if (!rc && p.state != EIM_PKG_DELIVERED) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): result for package counter %ld of %s in state %s",
		     s->eim_id, r->counter, eid, eim_pkg_state_name(p.state));
		rc = SGP_ERR_STATE;
	}
	if (!rc && !same_tid(tid, &p))
		rc = SGP_ERR_VERIFY;
	if (!rc)
		rc = eim_registry_record_result(s->store, p.id, der->data, der->len, (int)r->kind, true,
						seq, code);
	if (rc)
		sgp_store_rollback(s->store);
	else
		rc = sgp_store_commit(s->store);
	eim_pkg_release(&p);
	return rc;
}

/* ESipa.ProvideEimPackageResult (SGP.32 6.3.2.7) */
static void provide_eim_package_result(struct eim_server *s, struct http_request *req,
				       const ProvideEimPackageResult_t *pr)
{
	EsipaMessageFromEimToIpa_t msg;
	ProvideEimPackageResultResponse_t *a = &msg.choice.provideEimPackageResultResponse;
	const EuiccPackageResult_t *epr;
	struct eim_device d = { 0 };
	struct eim_result r = { 0 };
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error de;
	X509 *cert = NULL;
	char eid[SGP_EID_LEN + 1];
	bool have_result = false;
	long code = ProvideEimPackageResultResponse__provideEimPackageResultError_undefinedError;
	int rc;

	if (!pr->eidValue) {
		reply_provide_error(s, req, ProvideEimPackageResultResponse__provideEimPackageResultError_missingEid);
		return;
	}
	if (eid_text(pr->eidValue, eid)) {
		reply_provide_error(s, req, ProvideEimPackageResultResponse__provideEimPackageResultError_invalidEid);
		return;
	}
	rc = eim_registry_get_device(s->store, eid, &d);
	if (rc) {
		if (rc == SGP_ERR_NOTFOUND)
			code = ProvideEimPackageResultResponse__provideEimPackageResultError_eidNotFound;
		goto fail;
	}
	if (pr->eimPackageResult.present == EimPackageResult_PR_euiccPackageResult) {
		epr = &pr->eimPackageResult.choice.euiccPackageResult;
	} else if (pr->eimPackageResult.present == EimPackageResult_PR_ePRAndNotifications) {
		epr = &pr->eimPackageResult.choice.ePRAndNotifications.euiccPackageResult;
	} else {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): eimPackageResult %d from %s not handled", s->eim_id,
		     (int)pr->eimPackageResult.present, eid);
		rc = SGP_ERR_UNSUPPORTED;
		goto fail;
	}
	rc = sgp_der_encode(&asn_DEF_EuiccPackageResult, epr, &der, &de);
	if (!rc)
		rc = sgp_pki_cert_from_der(d.euicc_cert.data, d.euicc_cert.len, &cert);
	if (!rc)
		rc = eim_result_verify(der.data, der.len, cert, d.association_token, &r);
	if (rc)
		goto fail;
	have_result = true;
	if (r.kind == EIM_RESULT_ERROR_UNSIGNED) {
		/* nothing proves it comes from the eUICC: not recorded */
		LOGP(DEIM, LOGL_ERROR, "eim(%s): unsigned package error from %s", s->eim_id, eid);
		rc = SGP_ERR_VERIFY;
		goto fail;
	}
	rc = record_result(s, eid, &der, &r);
	if (rc)
		goto fail;
	LOGP(DEIM, LOGL_INFO, "eim(%s): result of package counter %ld from %s recorded", s->eim_id,
	     r.counter, eid);
	s->stats.results++;
	memset(&msg, 0, sizeof(msg));
	msg.present = EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse;
	if (r.kind == EIM_RESULT_SIGNED) {
		long *seq = malloc(sizeof(*seq));

		a->present = ProvideEimPackageResultResponse_PR_eimAcknowledgements;
		if (!seq || ASN_SEQUENCE_ADD(&a->choice.eimAcknowledgements.list, seq)) {
			free(seq);
			ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromEimToIpa, &msg);
			rc = SGP_ERR_NOMEM;
			goto fail;
		}
		*seq = r.seq_number;
	} else {
		a->present = ProvideEimPackageResultResponse_PR_emptyResponse;
	}
	reply_msg(s, req, &msg);
	goto out;
fail:
	LOGP(DEIM, LOGL_ERROR, "eim(%s): result from %s refused: %s", s->eim_id, eid,
	     sgp_strerror(rc));
	reply_provide_error(s, req, code);
out:
	if (have_result)
		eim_result_free(&r);
	X509_free(cert);
	sgp_buf_free(&der);
	eim_device_release(&d);
}

/* A malformed request of a relayed function: its undefinedError. */
static bool relay_error(struct eim_server *s, struct http_request *req, const uint8_t *body,
			size_t len)
{
	struct sgp_buf der = SGP_BUF_INIT;
	enum es9_function f;
	bool done = false;

	if (esipa_function_of(body, len, &f) == SGP_OK && f != ES9_HANDLE_NOTIFICATION &&
	    esipa_resp_error(f, ESIPA_UNDEFINED_ERROR, &der) == SGP_OK) {
		s->stats.refused++;
		http_request_reply(req, 200, ESIPA_CONTENT_TYPE, NULL, der.data, der.len);
		done = true;
	}
	sgp_buf_free(&der);
	return done;
}

static void handle_esipa(struct http_request *req, void *arg)
{
	struct eim_server *s = arg;
	EsipaMessageFromIpaToEim_t *m = NULL;
	const char *ct = http_request_header(req, "Content-Type");
	struct der_error de;
	const uint8_t *body;
	size_t len;

	s->stats.requests++;
	body = http_request_body(req, &len);
	if (!ct || strncmp(ct, ESIPA_CONTENT_TYPE, strlen(ESIPA_CONTENT_TYPE))) {
		s->stats.refused++;
		http_request_reply(req, 415, NULL, NULL, NULL, 0);
		return;
	}
	if (sgp_der_decode(&asn_DEF_EsipaMessageFromIpaToEim, body, len, (void **)&m, &de)) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): malformed ESipa message from %s: %s", s->eim_id,
		     http_request_peer(req), de.msg);
		/* the function is known from the outer tag: its own error */
		if (len >= 2 && body[0] == 0xBF && body[1] == 0x4F)
			reply_get_error(s, req, GetEimPackageResponse__eimPackageError_undefinedError);
		else if (len >= 2 && body[0] == 0xBF && body[1] == 0x50)
			reply_provide_error(s, req,
					    ProvideEimPackageResultResponse__provideEimPackageResultError_undefinedError);
		else if (s->relay && relay_error(s, req, body, len))
			;	/* the relayed function's undefinedError */
		else {
			s->stats.refused++;
			http_request_reply(req, 400, NULL, NULL, NULL, 0);
		}
		return;
	}
	switch (m->present) {
	case EsipaMessageFromIpaToEim_PR_getEimPackageRequest:
		get_eim_package(s, req, &m->choice.getEimPackageRequest);
		break;
	case EsipaMessageFromIpaToEim_PR_provideEimPackageResult:
		provide_eim_package_result(s, req, &m->choice.provideEimPackageResult);
		break;
	case EsipaMessageFromIpaToEim_PR_handleNotificationEsipa:
		/* SGP.32 6.3.2.4: a result sent as notification */
		if (m->choice.handleNotificationEsipa.present ==
		    HandleNotificationEsipa_PR_provideEimPackageResult) {
			provide_eim_package_result(s, req,
						   &m->choice.handleNotificationEsipa.choice.provideEimPackageResult);
			break;
		}
		/* pendingNotification goes to the relay */
		__attribute__((fallthrough));
	case EsipaMessageFromIpaToEim_PR_initiateAuthenticationRequestEsipa:
	case EsipaMessageFromIpaToEim_PR_authenticateClientRequestEsipa:
	case EsipaMessageFromIpaToEim_PR_getBoundProfilePackageRequestEsipa:
	case EsipaMessageFromIpaToEim_PR_cancelSessionRequestEsipa:
		if (s->relay) {
			eim_relay_handle(s->relay, req, body, len);
			break;
		}
		__attribute__((fallthrough));
	default:
		LOGP(DEIM, LOGL_ERROR, "eim(%s): ESipa function %d not served yet", s->eim_id,
		     (int)m->present);
		s->stats.refused++;
		http_request_reply(req, 400, NULL, NULL, NULL, 0);
		break;
	}
	sgp_der_free(&asn_DEF_EsipaMessageFromIpaToEim, m);
}
