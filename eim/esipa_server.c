/* sgp32lab: the eIM's ESipa server, ASN.1 binding (SGP.32 v1.2 6.1, 6.3) */
#include "eim/esipa_server_int.h"
#include "eim/eim.h"
#include "eim/esipa_relay.h"
#include "eim/esipa_binding.h"
#include "eim/package.h"
#include "core/esipa/esipa_map.h"
#include "core/esipa/esipa_json.h"
#include "core/ac.h"
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
#include "IpaEuiccDataRequest.h"
#include "ProfileDownloadTriggerRequest.h"

#include <stdlib.h>
#include <string.h>

static void handle_esipa(struct http_request *req, void *arg);
static void handle_esipa_json(struct http_request *req, void *arg);

/* The relay's trigger hook: the SM-DP+ of the eIM's own
 * ProfileDownloadTrigger that carried this eimTransactionId (its
 * activation code's address).  A trigger for the default SM-DP+ or an
 * SM-DS names no address the eIM knows: SGP_ERR_NOTFOUND. */
static int trigger_address(void *arg, const uint8_t *tid, size_t len, char *addr, size_t size)
{
	struct eim_server *s = arg;
	ProfileDownloadTriggerRequest_t *t = NULL;
	struct eim_pkg p = { 0 };
	struct der_error de;
	struct sgp_ac ac;
	int rc = eim_registry_find_tid(s->store, NULL, tid, len, &p);

	if (!rc && p.kind != EIM_PKG_DOWNLOAD_TRIGGER)
		rc = SGP_ERR_NOTFOUND;
	if (!rc)
		rc = sgp_der_decode(&asn_DEF_ProfileDownloadTriggerRequest, p.der.data, p.der.len,
				    (void **)&t, &de);
	if (!rc && (!t->profileDownloadData ||
		    t->profileDownloadData->present != ProfileDownloadData_PR_activationCode))
		rc = SGP_ERR_NOTFOUND;
	if (!rc)
		rc = sgp_ac_parse((const char *)t->profileDownloadData->choice.activationCode.buf,
				  t->profileDownloadData->choice.activationCode.size, &ac, NULL,
				  NULL, 0);
	if (!rc && snprintf(addr, size, "%s", ac.smdp_address) >= (int)size)
		rc = SGP_ERR_TOOBIG;
	ASN_STRUCT_FREE(asn_DEF_ProfileDownloadTriggerRequest, t);
	eim_pkg_release(&p);
	return rc;
}

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
	if (rc == SGP_OK)	/* the JSON binding (6.4): /gsma/rsp2/esipa/<function> */
		rc = http_server_add_route(s->http, ESIPA_JSON_PATH_PREFIX, true,
					   handle_esipa_json, s);
	if (rc)
		goto out;
	if (s->clock) {
		struct http_tls_cfg tls = { .ca_file = cfg->es9_ca_file };
		struct http_client_cfg hc = { .name = "eim-es9", .tls = &tls };
		struct eim_relay_cfg rc_cfg = {
			.store = s->store, .clock = s->clock, .timeout_ms = cfg->relay_timeout_ms,
			.smdp_addresses = cfg->relay_smdp_addresses,
			.trigger = trigger_address, .trigger_arg = s,
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
	eim_push_free(s->push);
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

int64_t eim_server_now(const struct eim_server *s)
{
	return s->clock ? (int64_t)sgp_clock_now(s->clock) : (int64_t)time(NULL);
}

/* ---- ESipa ---- */

void eim_reply_msg(struct eim_server *s, struct http_request *req, EsipaMessageFromEimToIpa_t *msg)
{
	struct sgp_buf out = SGP_BUF_INIT;
	struct der_error de;
	int rc = sgp_der_encode(&asn_DEF_EsipaMessageFromEimToIpa, msg, &out, &de);

	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromEimToIpa, msg);
	if (rc) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): cannot encode answer: %s", s->eim_id, de.msg);
		eim_esipa_refuse(req, 500, "cannot encode the answer");
	} else {
		eim_esipa_reply(req, out.data, out.len);
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
	eim_reply_msg(s, req, &msg);
}

void eim_reply_provide_error(struct eim_server *s, struct http_request *req, long code)
{
	EsipaMessageFromEimToIpa_t msg;

	memset(&msg, 0, sizeof(msg));
	msg.present = EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse;
	msg.choice.provideEimPackageResultResponse.present =
		ProvideEimPackageResultResponse_PR_provideEimPackageResultError;
	msg.choice.provideEimPackageResultResponse.choice.provideEimPackageResultError = code;
	s->stats.refused++;
	eim_reply_msg(s, req, &msg);
}

/* The EID of an Octet16 '5A' as 32 digits. */
int eim_eid_text(const uint8_t *bcd, size_t len, char eid[SGP_EID_DIGITS + 1])
{
	if (sgp_eid_from_bcd(bcd, len, eid) || sgp_eid_check(eid))
		return SGP_ERR_PARSE;
	return 0;
}

/* The package p (delivered now) as the GetEimPackageResponse choice. */
static int package_answer(const struct eim_pkg *p, GetEimPackageResponse_t *a)
{
	const asn_TYPE_descriptor_t *td;
	struct der_error de;
	void *v = NULL;
	size_t size;
	void *dst;
	int rc;

	switch (p->kind) {
	case EIM_PKG_EUICC_PACKAGE:
		td = &asn_DEF_EuiccPackageRequest;
		a->present = GetEimPackageResponse_PR_euiccPackageRequest;
		dst = &a->choice.euiccPackageRequest;
		size = sizeof(a->choice.euiccPackageRequest);
		break;
	case EIM_PKG_DATA_REQUEST:
		td = &asn_DEF_IpaEuiccDataRequest;
		a->present = GetEimPackageResponse_PR_ipaEuiccDataRequest;
		dst = &a->choice.ipaEuiccDataRequest;
		size = sizeof(a->choice.ipaEuiccDataRequest);
		break;
	case EIM_PKG_DOWNLOAD_TRIGGER:
		td = &asn_DEF_ProfileDownloadTriggerRequest;
		a->present = GetEimPackageResponse_PR_profileDownloadTriggerRequest;
		dst = &a->choice.profileDownloadTriggerRequest;
		size = sizeof(a->choice.profileDownloadTriggerRequest);
		break;
	default:
		return SGP_ERR_STATE;
	}
	rc = sgp_der_decode(td, p->der.data, p->der.len, &v, &de);
	if (rc)
		return rc;
	/* move the decoded value into the answer; its shell is freed */
	memcpy(dst, v, size);
	free(v);
	return 0;
}

/* The package to deliver to d now.  A device known by its EID only first
 * gets the data request for its certificates (queued here on its first
 * contact) and nothing else until its certificate is known: its eUICC's
 * results could not be verified. */
static int next_package(struct eim_server *s, const struct eim_device *d, struct eim_pkg *p)
{
	bool open = false;
	int rc;

	if (!eim_device_bootstrap(d))
		return eim_registry_next_queued(s->store, d->eid, -1, p);
	rc = eim_registry_data_request_open(s->store, d->eid, &open);
	if (!rc && !open) {
		LOGP(DEIM, LOGL_NOTICE, "eim(%s): first contact of %s: asking for its certificates",
		     s->eim_id, d->eid);
		rc = eim_queue_cert_request_tx(s, d->eid);
	}
	return rc ? rc : eim_registry_next_queued(s->store, d->eid, EIM_PKG_DATA_REQUEST, p);
}

/* ESipa.GetEimPackage (SGP.32 6.3.2.6) */
static void get_eim_package(struct eim_server *s, struct http_request *req,
			    const GetEimPackageRequest_t *g)
{
	EsipaMessageFromEimToIpa_t msg;
	struct eim_device d = { 0 };
	struct eim_pkg p = { 0 };
	char eid[SGP_EID_LEN + 1];
	long code = GetEimPackageResponse__eimPackageError_undefinedError;
	long cause = g->stateChangeCause ? *g->stateChangeCause : -1L;
	bool notify = g->notifyStateChange != NULL;
	int rc;

	memset(&msg, 0, sizeof(msg));
	if (eim_eid_text(g->eidValue.buf, (size_t)g->eidValue.size, eid)) {
		reply_get_error(s, req, GetEimPackageResponse__eimPackageError_invalidEid);
		return;
	}
	if (notify)
		LOGP(DEIM, LOGL_NOTICE, "eim(%s): %s notifies a state change (cause %ld)", s->eim_id,
		     eid, cause);
	rc = sgp_store_begin(s->store);
	if (rc)
		goto fail;
	rc = eim_registry_get_device(s->store, eid, &d);
	if (rc == SGP_ERR_NOTFOUND)
		code = GetEimPackageResponse__eimPackageError_eidNotFound;
	if (!rc)
		rc = eim_registry_touch(s->store, eid, eim_server_now(s), notify, cause);
	if (!rc)
		rc = next_package(s, &d, &p);
	if (rc == SGP_ERR_NOTFOUND && notify && !eim_device_bootstrap(&d)) {
		/* nothing queued: refresh the eIM's view of the profiles
		 * the device says have changed (SGP.32 3.5.1.2) */
		rc = sgp_store_commit(s->store);
		if (!rc)
			rc = eim_queue_psmo_list_profile_info(s, eid, NULL);
		if (!rc)
			rc = sgp_store_begin(s->store);
		if (!rc)
			rc = eim_registry_next_queued(s->store, eid, -1, &p);
	}
	if (rc == SGP_ERR_NOTFOUND && code != GetEimPackageResponse__eimPackageError_eidNotFound)
		code = GetEimPackageResponse__eimPackageError_noEimPackageAvailable;
	msg.present = EsipaMessageFromEimToIpa_PR_getEimPackageResponse;
	if (!rc)
		rc = package_answer(&p, &msg.choice.getEimPackageResponse);
	if (!rc)
		rc = eim_registry_mark_delivered(s->store, p.id);
	if (rc) {
		if (sgp_store_in_tx(s->store))
			sgp_store_rollback(s->store);
		/* the device's contact counts even when nothing is delivered */
		if (code == GetEimPackageResponse__eimPackageError_noEimPackageAvailable)
			eim_registry_touch(s->store, eid, eim_server_now(s), notify, cause);
		goto fail;
	}
	rc = sgp_store_commit(s->store);
	if (rc)
		goto fail;
	LOGP(DEIM, LOGL_INFO, "eim(%s): %s (package %lld) delivered to %s", s->eim_id,
	     eim_pkg_kind_name(p.kind), (long long)p.id, eid);
	s->stats.delivered++;
	eim_pkg_release(&p);
	eim_device_release(&d);
	eim_reply_msg(s, req, &msg);
	return;
fail:
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromEimToIpa, &msg);
	eim_pkg_release(&p);
	eim_device_release(&d);
	reply_get_error(s, req, code);
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
		eim_esipa_reply(req, der.data, der.len);
		done = true;
	}
	sgp_buf_free(&der);
	return done;
}

/* One EsipaMessageFromIpaToEim, whatever its binding: answered through
 * eim/esipa_binding.h. */
static void handle_message(struct eim_server *s, struct http_request *req, const uint8_t *body,
			   size_t len)
{
	EsipaMessageFromIpaToEim_t *m = NULL;
	struct der_error de;

	if (sgp_der_decode(&asn_DEF_EsipaMessageFromIpaToEim, body, len, (void **)&m, &de)) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): malformed ESipa message from %s: %s", s->eim_id,
		     http_request_peer(req), de.msg);
		/* the function is known from the outer tag: its own error */
		if (len >= 2 && body[0] == 0xBF && body[1] == 0x4F)
			reply_get_error(s, req, GetEimPackageResponse__eimPackageError_undefinedError);
		else if (len >= 2 && body[0] == 0xBF && body[1] == 0x50)
			eim_reply_provide_error(s, req,
					    ProvideEimPackageResultResponse__provideEimPackageResultError_undefinedError);
		else if (s->relay && relay_error(s, req, body, len))
			;	/* the relayed function's undefinedError */
		else {
			s->stats.refused++;
			eim_esipa_refuse(req, 400, "malformed ESipa message");
		}
		return;
	}
	switch (m->present) {
	case EsipaMessageFromIpaToEim_PR_getEimPackageRequest:
		get_eim_package(s, req, &m->choice.getEimPackageRequest);
		break;
	case EsipaMessageFromIpaToEim_PR_provideEimPackageResult:
		eim_provide_eim_package_result(s, req, &m->choice.provideEimPackageResult);
		break;
	case EsipaMessageFromIpaToEim_PR_handleNotificationEsipa:
		/* SGP.32 6.3.2.4: a result sent as notification */
		if (m->choice.handleNotificationEsipa.present ==
		    HandleNotificationEsipa_PR_provideEimPackageResult) {
			eim_provide_eim_package_result(s, req,
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
		eim_esipa_refuse(req, 400, "ESipa function not served");
		break;
	}
	sgp_der_free(&asn_DEF_EsipaMessageFromIpaToEim, m);
}

/* ASN.1 binding (6.3): POST /gsma/rsp2/asn1 */
static void handle_esipa(struct http_request *req, void *arg)
{
	struct eim_server *s = arg;
	const char *ct = http_request_header(req, "Content-Type");
	const uint8_t *body;
	size_t len;

	s->stats.requests++;
	body = http_request_body(req, &len);
	if (!ct || strncmp(ct, ESIPA_CONTENT_TYPE, strlen(ESIPA_CONTENT_TYPE))) {
		s->stats.refused++;
		eim_esipa_refuse(req, 415, "wrong content type");
		return;
	}
	handle_message(s, req, body, len);
}

/* JSON binding (6.4): POST /gsma/rsp2/esipa/<function>, transcoded */
static void handle_esipa_json(struct http_request *req, void *arg)
{
	struct eim_server *s = arg;
	struct sgp_buf der = SGP_BUF_INIT;

	s->stats.requests++;
	if (eim_esipa_json_request(req, &der) < 0)
		s->stats.refused++;
	else
		handle_message(s, req, der.data, der.len);
	sgp_buf_free(&der);
}
