/* sgp32lab: ESipa.ProvideEimPackageResult on the eIM (SGP.32 v1.2 6.3.2.7)
 *
 * Every EimPackageResult choice is matched to a package this eIM delivered
 * to that device, and recorded in one store transaction with what it
 * teaches the eIM:
 *   euiccPackageResult / ePRAndNotifications: verified with the eUICC's
 *     certificate and association token (package.c), matched by eimId,
 *     counterValue and eimTransactionId; the results update the eIM's view
 *     of the profiles; the notifications are recorded by seqNumber.
 *   ipaEuiccDataResponse: matched by eimTransactionId to a data request;
 *     the eUICC certificate (verified against the lab PKI with the EUM
 *     certificate, the EID checked) completes a bootstrap registration;
 *     euiccInfo2, IpaCapabilities, notifications and the EuiccPackageResults
 *     it carries are recorded as above.
 *   profileDownloadTriggerResult: matched by eimTransactionId to a trigger;
 *     the ProfileInstallationResult (success with its ICCID, or error) or
 *     the profileDownloadError is recorded.
 *   eimPackageResultResponseError: the IPA could not run the package; by
 *     eimTransactionId, or the one package waiting for a result.
 * The answer lists the seqNumbers recorded (eimAcknowledgements: results
 * and notifications), else emptyResponse.  Anything unmatched, replayed,
 * wrongly signed or for another EID rolls the transaction back and is
 * answered provideEimPackageResultError (the spec's codes: missingEid,
 * invalidEid, eidNotFound, undefinedError). */
#include "eim/esipa_server_int.h"
#include "eim/package.h"
#include "core/crypto/ecdsa.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include "Certificate.h"
#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"
#include "EuiccPackageRequest.h"
#include "EuiccPackageResult.h"
#include "IpaCapabilities.h"
#include "ProfileDownloadTriggerResult.h"
#include "SGP32-EUICCInfo2.h"
#include "SGP32-PendingNotification.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most seqNumbers one answer acknowledges. */
#define MAX_ACKS 64

struct provide_ctx {
	struct eim_server *s;
	struct eim_device *d;
	long acks[MAX_ACKS];
	size_t n_acks;
};

/* The answer to a refused ProvideEimPackageResult and why, kept for the
 * device (replacing its earlier one, else the next of the EIM_REFUSALS
 * slots in turn). */
void eim_refusal_keep(struct eim_server *s, const char *eid, const char *fmt, ...)
{
	struct eim_refusal *r = NULL;
	va_list ap;

	for (size_t i = 0; i < EIM_REFUSALS && !r; i++)
		if (!strcmp(s->refusals[i].eid, eid))
			r = &s->refusals[i];
	if (!r)
		r = &s->refusals[s->next_refusal++ % EIM_REFUSALS];
	snprintf(r->eid, sizeof(r->eid), "%s", eid);
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

static int ack(struct provide_ctx *c, long seq)
{
	if (c->n_acks >= MAX_ACKS)
		return SGP_ERR_TOOBIG;
	c->acks[c->n_acks++] = seq;
	return 0;
}

static bool same_tid(const OCTET_STRING_t *got, const struct eim_pkg *p)
{
	return got && (size_t)got->size == p->transaction_id_len &&
	       !memcmp(got->buf, p->transaction_id, p->transaction_id_len);
}

/* The delivered package of kind k named by tid, or (tid NULL, any_ok) the
 * only package waiting for a result. */
static int delivered_pkg(struct provide_ctx *c, const OCTET_STRING_t *tid, int k, bool any_ok,
			 struct eim_pkg *p)
{
	int rc;

	if (tid)
		rc = eim_registry_find_tid(c->s->store, c->d->eid, tid->buf, (size_t)tid->size, p);
	else
		rc = any_ok ? eim_registry_only_delivered(c->s->store, c->d->eid, p) :
			      SGP_ERR_NOTFOUND;
	if (rc == SGP_ERR_NOTFOUND)
		eim_why(c->s, c->d->eid, tid ? "no package with this eimTransactionId was sent to "
			"the device" : "no eimTransactionId, and no single package waits for a result");
	if (rc)
		return rc;
	if ((k >= 0 && (int)p->kind != k) || p->state != EIM_PKG_DELIVERED) {
		eim_why(c->s, c->d->eid, "the result names package %lld (%s), which is %s, not "
			"delivered and waiting for a result of that kind", (long long)p->id,
			eim_pkg_kind_name(p->kind), eim_pkg_state_name(p->state));
		return SGP_ERR_STATE;
	}
	return 0;
}

static void iccid_text(const OCTET_STRING_t *v, char out[21])
{
	out[0] = 0;
	if (v && sgp_iccid_from_bcd(v->buf, (size_t)v->size, out))
		out[0] = 0;
}

static int profiles_from_list(struct provide_ctx *c, const SGP32_ProfileInfoListResponse_t *l)
{
	struct eim_profile *v;
	size_t n = 0;
	int rc;

	if (l->present != SGP32_ProfileInfoListResponse_PR_profileInfoListOk)
		return 0;
	v = calloc((size_t)l->choice.profileInfoListOk.list.count + 1, sizeof(*v));
	if (!v)
		return SGP_ERR_NOMEM;
	for (int i = 0; i < l->choice.profileInfoListOk.list.count; i++) {
		const SGP32_ProfileInfo_t *pi = l->choice.profileInfoListOk.list.array[i];

		iccid_text(pi->iccid, v[n].iccid);
		if (!v[n].iccid[0])
			continue;
		v[n].state = pi->profileState ? (int)*pi->profileState : 0;
		v[n].profile_class = pi->profileClass ? (int)*pi->profileClass : -1;
		if (pi->profileNickname && pi->profileNickname->size < (int)sizeof(v[n].nickname))
			memcpy(v[n].nickname, pi->profileNickname->buf, (size_t)pi->profileNickname->size);
		v[n].fallback = pi->fallbackAttribute && *pi->fallbackAttribute;
		n++;
	}
	rc = eim_registry_profiles_replace(c->s->store, c->d->eid, v, n);
	free(v);
	return rc;
}

/* What the eUICC did, as its results say, applied to the eIM's view of its
 * profiles: result i answers PSMO i of the package (SGP.32 2.11.1.1). */
static int apply_results(struct provide_ctx *c, const struct eim_pkg *p, const EuiccPackageResult_t *r)
{
	const struct EuiccPackageResultDataSigned__euiccResult *res =
		&r->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult;
	EuiccPackageRequest_t *req = NULL;
	struct der_error de;
	int rc = sgp_der_decode(&asn_DEF_EuiccPackageRequest, p->der.data, p->der.len,
				(void **)&req, &de);

	if (rc)
		return rc;
	for (int i = 0; !rc && i < res->list.count; i++) {
		const EuiccResultData_t *e = res->list.array[i];
		const Psmo_t *op = NULL;
		char iccid[21] = "";

		if (req->euiccPackageSigned.euiccPackage.present == EuiccPackage_PR_psmoList &&
		    i < req->euiccPackageSigned.euiccPackage.choice.psmoList.list.count)
			op = req->euiccPackageSigned.euiccPackage.choice.psmoList.list.array[i];
		if (op && op->present == Psmo_PR_enable)
			iccid_text(&op->choice.enable.iccid, iccid);
		else if (op && op->present == Psmo_PR_disable)
			iccid_text(&op->choice.disable.iccid, iccid);
		else if (op && op->present == Psmo_PR_delete)
			iccid_text(&op->choice.delete.iccid, iccid);
		else if (op && op->present == Psmo_PR_setFallbackAttribute)
			iccid_text(&op->choice.setFallbackAttribute.iccid, iccid);
		switch (e->present) {
		case EuiccResultData_PR_enableResult:
			if (e->choice.enableResult == 0 && iccid[0] && op->present == Psmo_PR_enable)
				rc = eim_registry_profile_enabled(c->s->store, c->d->eid, iccid);
			break;
		case EuiccResultData_PR_disableResult:
			if (e->choice.disableResult == 0 && iccid[0] && op->present == Psmo_PR_disable)
				rc = eim_registry_profile_disabled(c->s->store, c->d->eid, iccid);
			break;
		case EuiccResultData_PR_deleteResult:
			if (e->choice.deleteResult == 0 && iccid[0] && op->present == Psmo_PR_delete)
				rc = eim_registry_profile_deleted(c->s->store, c->d->eid, iccid);
			break;
		case EuiccResultData_PR_listProfileInfoResult:
			rc = profiles_from_list(c, &e->choice.listProfileInfoResult);
			break;
		case EuiccResultData_PR_setFallbackAttributeResult:
			if (e->choice.setFallbackAttributeResult == 0 && iccid[0] &&
			    op->present == Psmo_PR_setFallbackAttribute)
				rc = eim_registry_profile_fallback(c->s->store, c->d->eid, iccid);
			break;
		case EuiccResultData_PR_unsetFallbackAttributeResult:
			if (e->choice.unsetFallbackAttributeResult == 0)
				rc = eim_registry_profile_fallback(c->s->store, c->d->eid, NULL);
			break;
		default:
			break;
		}
	}
	sgp_der_free(&asn_DEF_EuiccPackageRequest, req);
	return rc;
}

/* One EuiccPackageResult: verify, match, record, acknowledge.  A result
 * already recorded byte for byte is acknowledged again when
 * again_ok (the eUICC still holds it, IpaEuiccData), refused otherwise. */
static int handle_epr(struct provide_ctx *c, const EuiccPackageResult_t *epr, bool again_ok)
{
	struct eim_server *s = c->s;
	struct sgp_buf der = SGP_BUF_INIT;
	struct eim_result r = { 0 };
	struct eim_pkg p = { 0 };
	struct der_error de;
	const OCTET_STRING_t *tid;
	X509 *cert = NULL;
	bool have = false;
	int rc;

	if (eim_device_bootstrap(c->d)) {
		eim_why(s, c->d->eid, "the eUICC certificate is not known yet (bootstrap): the "
			"result cannot be verified");
		return SGP_ERR_STATE;
	}
	rc = sgp_der_encode(&asn_DEF_EuiccPackageResult, epr, &der, &de);
	if (!rc)
		rc = sgp_pki_cert_from_der(c->d->euicc_cert.data, c->d->euicc_cert.len, &cert);
	if (!rc)
		rc = eim_result_verify(der.data, der.len, cert, c->d->association_token, &r);
	if (rc) {
		eim_why(s, c->d->eid, "the EuiccPackageResult did not verify with the device's eUICC "
			"certificate and association token: %s", sgp_strerror(rc));
		goto out;
	}
	have = true;
	if (r.kind == EIM_RESULT_ERROR_UNSIGNED) {
		/* nothing proves it comes from the eUICC: not recorded */
		eim_why(s, c->d->eid, "euiccPackageErrorUnsigned: nothing proves it comes from the "
			"eUICC, not recorded");
		rc = SGP_ERR_VERIFY;
		goto out;
	}
	if (strcmp(r.eim_id, s->eim_id)) {
		eim_why(s, c->d->eid, "the result is for eIM '%s', not this one", r.eim_id);
		rc = SGP_ERR_VERIFY;
		goto out;
	}
	tid = r.kind == EIM_RESULT_SIGNED ?
		r.value->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.eimTransactionId :
		r.value->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned.eimTransactionId;
	rc = eim_registry_find_counter(s->store, c->d->eid, r.counter, &p);
	if (rc == SGP_ERR_NOTFOUND)
		eim_why(s, c->d->eid, "no package with counterValue %ld was sent to the device",
			r.counter);
	if (!rc && !same_tid(tid, &p)) {
		eim_why(s, c->d->eid, "the eimTransactionId is not that of package %lld (counterValue "
			"%ld)", (long long)p.id, r.counter);
		rc = SGP_ERR_VERIFY;
	}
	if (!rc && again_ok && p.state == EIM_PKG_RESULT_RECEIVED && p.result.len == der.len &&
	    !memcmp(p.result.data, der.data, der.len)) {
		if (r.kind == EIM_RESULT_SIGNED)
			rc = ack(c, r.seq_number);
		goto out;
	}
	if (!rc && p.state != EIM_PKG_DELIVERED) {
		eim_why(s, c->d->eid, "package %lld (counterValue %ld) is %s: %s", (long long)p.id,
			r.counter, eim_pkg_state_name(p.state),
			p.state == EIM_PKG_RESULT_RECEIVED ? "it has its result already" :
			"it was not delivered");
		rc = SGP_ERR_STATE;
	}
	if (!rc) {
		struct eim_pkg_result pr = {
			.der = der.data, .len = der.len, .kind = (int)r.kind, .verified = true,
			.seq_number = r.kind == EIM_RESULT_SIGNED ? r.seq_number : -1,
			.error_code = r.kind == EIM_RESULT_SIGNED ? -1 : r.error_code,
		};
		rc = eim_registry_record_result(s->store, p.id, &pr);
	}
	if (!rc && r.kind == EIM_RESULT_SIGNED)
		rc = apply_results(c, &p, r.value);
	if (!rc && r.kind == EIM_RESULT_SIGNED)
		rc = ack(c, r.seq_number);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim(%s): result of package counter %ld from %s recorded",
		     s->eim_id, r.counter, c->d->eid);
out:
	if (have)
		eim_result_free(&r);
	eim_pkg_release(&p);
	X509_free(cert);
	sgp_buf_free(&der);
	return rc;
}

static int notification_seq(const SGP32_PendingNotification_t *n, long *seq)
{
	switch (n->present) {
	case SGP32_PendingNotification_PR_profileInstallationResult:
		*seq = n->choice.profileInstallationResult.profileInstallationResultData
			.notificationMetadata.seqNumber;
		return 0;
	case SGP32_PendingNotification_PR_otherSignedNotification:
		*seq = n->choice.otherSignedNotification.tbsOtherNotification.seqNumber;
		return 0;
	case SGP32_PendingNotification_PR_compactProfileInstallationResult:
		*seq = n->choice.compactProfileInstallationResult.compactProfileInstallationResultData
			.seqNumber;
		return 0;
	case SGP32_PendingNotification_PR_compactOtherSignedNotification:
		*seq = n->choice.compactOtherSignedNotification.tbsOtherNotification.seqNumber;
		return 0;
	default:
		return SGP_ERR_PARSE;
	}
}

/* Pending notifications handed to the eIM: recorded by seqNumber and
 * acknowledged (one already recorded is acknowledged again, unchanged). */
static int handle_notifications(struct provide_ctx *c, const PendingNotificationList_t *l)
{
	int rc = 0;

	for (int i = 0; !rc && i < l->list.count; i++) {
		struct sgp_buf der = SGP_BUF_INIT;
		struct der_error de;
		long seq = -1;

		rc = notification_seq(l->list.array[i], &seq);
		if (!rc && seq < 0)
			rc = SGP_ERR_PARSE;
		if (!rc)
			rc = sgp_der_encode(&asn_DEF_SGP32_PendingNotification, l->list.array[i], &der, &de);
		if (!rc)
			rc = eim_registry_add_notification(c->s->store, c->d->eid, seq, der.data, der.len,
							   eim_server_now(c->s));
		if (rc == SGP_ERR_EXISTS)
			rc = 0;
		if (!rc)
			rc = ack(c, seq);
		sgp_buf_free(&der);
	}
	return rc;
}

/* The certificates of IpaEuiccData: the eUICC certificate must carry the
 * device's EID and chain to the CI through the EUM certificate given. */
static int handle_certs(struct provide_ctx *c, const IpaEuiccData_t *v)
{
	struct eim_server *s = c->s;
	struct sgp_buf euicc = SGP_BUF_INIT, eum = SGP_BUF_INIT;
	struct der_error de;
	X509 *cert = NULL, *eum_cert = NULL;
	char eid[SGP_EID_LEN + 1];
	int rc;

	if (!v->euiccCertificate)
		return 0;
	rc = sgp_der_encode(&asn_DEF_Certificate, v->euiccCertificate, &euicc, &de);
	if (!rc && v->eumCertificate)
		rc = sgp_der_encode(&asn_DEF_Certificate, v->eumCertificate, &eum, &de);
	if (!rc)
		rc = sgp_pki_cert_from_der(euicc.data, euicc.len, &cert);
	if (!rc && eum.len)
		rc = sgp_pki_cert_from_der(eum.data, eum.len, &eum_cert);
	if (!rc)
		rc = sgp_pki_cert_eid(cert, eid);
	if (!rc && strcmp(eid, c->d->eid)) {
		eim_why(s, c->d->eid, "the device sent the eUICC certificate of %s", eid);
		rc = SGP_ERR_VERIFY;
	}
	if (!rc && s->pki) {
		struct sgp_pki_verify_info info;
		enum sgp_pki_result pr = sgp_pki_verify(s->pki, cert, SGP_PKI_ROLE_EUICC, eum_cert,
							(time_t)eim_server_now(s), eid, &info);
		if (pr != SGP_PKI_OK) {
			eim_why(s, c->d->eid, "its eUICC certificate is refused: %s (%s)",
				sgp_pki_result_str(pr), info.detail);
			rc = SGP_ERR_VERIFY;
		}
	}
	if (!rc && !eim_device_bootstrap(c->d) &&
	    (euicc.len != c->d->euicc_cert.len || memcmp(euicc.data, c->d->euicc_cert.data, euicc.len))) {
		eim_why(s, c->d->eid, "the device sent another eUICC certificate than the registered "
			"one");
		rc = SGP_ERR_VERIFY;
	}
	if (!rc && eim_device_bootstrap(c->d)) {
		rc = eim_registry_set_certs(s->store, eid, &euicc, &eum);
		if (!rc) {
			/* later results of this exchange verify with it */
			rc = sgp_buf_set(&c->d->euicc_cert, euicc.data, euicc.len);
			LOGP(DEIM, LOGL_NOTICE, "eim(%s): %s: eUICC certificate learned and verified",
			     s->eim_id, eid);
		}
	}
	X509_free(cert);
	X509_free(eum_cert);
	sgp_buf_free(&euicc);
	sgp_buf_free(&eum);
	return rc;
}

static int set_info(struct provide_ctx *c, enum eim_device_info what,
		    const asn_TYPE_descriptor_t *td, const void *v)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error de;
	int rc;

	if (!v)
		return 0;
	rc = sgp_der_encode(td, v, &der, &de);
	if (!rc)
		rc = eim_registry_set_info(c->s->store, c->d->eid, what, der.data, der.len);
	sgp_buf_free(&der);
	return rc;
}

static int record(struct provide_ctx *c, const struct eim_pkg *p, const asn_TYPE_descriptor_t *td,
		  const void *v, struct eim_pkg_result *r)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error de;
	int rc = sgp_der_encode(td, v, &der, &de);

	r->der = der.data;
	r->len = der.len;
	if (!rc)
		rc = eim_registry_record_result(c->s->store, p->id, r);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim(%s): %s result (%s) of package %lld from %s recorded",
		     c->s->eim_id, eim_pkg_kind_name(p->kind), eim_pkg_outcome_name(r->kind),
		     (long long)p->id, c->d->eid);
	sgp_buf_free(&der);
	return rc;
}

static int handle_data(struct provide_ctx *c, const IpaEuiccDataResponse_t *v)
{
	struct eim_pkg_result r = { .seq_number = -1, .error_code = -1 };
	struct eim_pkg p = { 0 };
	const IpaEuiccData_t *d = &v->choice.ipaEuiccData;
	int rc;

	if (v->present == IpaEuiccDataResponse_PR_ipaEuiccDataResponseError) {
		rc = delivered_pkg(c, v->choice.ipaEuiccDataResponseError.eimTransactionId,
				   EIM_PKG_DATA_REQUEST, false, &p);
		r.kind = EIM_OUT_DATA_ERROR;
		r.error_code = v->choice.ipaEuiccDataResponseError.ipaEuiccDataErrorCode;
		if (!rc)
			rc = record(c, &p, &asn_DEF_IpaEuiccDataResponse, v, &r);
		eim_pkg_release(&p);
		return rc;
	}
	if (v->present != IpaEuiccDataResponse_PR_ipaEuiccData)
		return SGP_ERR_PARSE;
	rc = delivered_pkg(c, d->eimTransactionId, EIM_PKG_DATA_REQUEST, false, &p);
	if (!rc)
		rc = handle_certs(c, d);
	if (!rc)
		rc = set_info(c, EIM_INFO_EUICC_INFO2, &asn_DEF_SGP32_EUICCInfo2, d->euiccInfo2);
	if (!rc)
		rc = set_info(c, EIM_INFO_IPA_CAPABILITIES, &asn_DEF_IpaCapabilities, d->ipaCapabilities);
	if (!rc && d->notificationsList)
		rc = handle_notifications(c, d->notificationsList);
	for (int i = 0; !rc && d->euiccPackageResultList && i < d->euiccPackageResultList->list.count;
	     i++)
		rc = handle_epr(c, d->euiccPackageResultList->list.array[i], true);
	r.kind = EIM_OUT_DATA;
	if (!rc)
		rc = record(c, &p, &asn_DEF_IpaEuiccDataResponse, v, &r);
	eim_pkg_release(&p);
	return rc;
}

/* The eUICC's signature on a ProfileInstallationResult (SGP.22 5.7.7,
 * euiccSignPIR over the DER of profileInstallationResultData): 0 verified,
 * SGP_ERR_VERIFY a wrong one, SGP_ERR_NOTFOUND while the eIM does not know
 * the eUICC certificate yet (bootstrap). */
static int verify_pir(struct provide_ctx *c, const SGP32_ProfileInstallationResult_t *pir)
{
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct der_error de;
	X509 *cert = NULL;
	int rc;

	if (!c->d->euicc_cert.len)
		return SGP_ERR_NOTFOUND;
	rc = sgp_pki_cert_from_der(c->d->euicc_cert.data, c->d->euicc_cert.len, &cert);
	if (!rc)
		rc = sgp_der_encode(&asn_DEF_ProfileInstallationResultData,
				    &pir->profileInstallationResultData, &tbs, &de);
	if (!rc)
		rc = sgp_ecdsa_verify_cert(cert, tbs.data, tbs.len, pir->euiccSignPIR.buf,
					   (size_t)pir->euiccSignPIR.size);
	sgp_buf_free(&tbs);
	X509_free(cert);
	return rc;
}

static int handle_download(struct provide_ctx *c, const ProfileDownloadTriggerResult_t *v)
{
	const struct ProfileDownloadTriggerResult__profileDownloadTriggerResultData *d =
		&v->profileDownloadTriggerResultData;
	struct eim_pkg_result r = { .seq_number = -1, .error_code = -1 };
	struct eim_pkg p = { 0 };
	char iccid[21] = "";
	int rc = delivered_pkg(c, v->eimTransactionId, EIM_PKG_DOWNLOAD_TRIGGER, false, &p);

	if (rc)
		goto out;
	if (d->present == ProfileDownloadTriggerResult__profileDownloadTriggerResultData_PR_profileInstallationResult) {
		const ProfileInstallationResultData_t *pir =
			&d->choice.profileInstallationResult.profileInstallationResultData;

		rc = verify_pir(c, &d->choice.profileInstallationResult);
		if (rc == SGP_ERR_VERIFY) {
			eim_why(c->s, c->d->eid, "the ProfileInstallationResult's euiccSignPIR did "
				"not verify");
			goto out;
		}
		r.verified = rc == SGP_OK;
		rc = SGP_OK;

		/* SGP.22 5.7.7: the ProfileInstallationResult names its
		 * ICCID in the notification metadata */
		iccid_text(pir->notificationMetadata.iccid, iccid);
		if (pir->finalResult.present == ProfileInstallationResultData__finalResult_PR_successResult) {
			r.kind = EIM_OUT_DOWNLOAD_OK;
			r.iccid = iccid[0] ? iccid : NULL;
			if (iccid[0])
				rc = eim_registry_profile_disabled(c->s->store, c->d->eid, iccid);
		} else if (pir->finalResult.present == ProfileInstallationResultData__finalResult_PR_errorResult) {
			r.kind = EIM_OUT_DOWNLOAD_ERROR;
			r.error_code = pir->finalResult.choice.errorResult.errorReason;
		} else {
			rc = SGP_ERR_PARSE;
		}
	} else if (d->present == ProfileDownloadTriggerResult__profileDownloadTriggerResultData_PR_profileDownloadError) {
		r.kind = EIM_OUT_DOWNLOAD_ERROR;
		r.error_code = d->choice.profileDownloadError.profileDownloadErrorReason;
	} else {
		rc = SGP_ERR_PARSE;
	}
	if (!rc)
		rc = record(c, &p, &asn_DEF_ProfileDownloadTriggerResult, v, &r);
out:
	eim_pkg_release(&p);
	return rc;
}

static int handle_ipa_error(struct provide_ctx *c, const EimPackageResultResponseError_t *v)
{
	struct eim_pkg_result r = { .kind = EIM_OUT_IPA_ERROR, .seq_number = -1,
				    .error_code = v->eimPackageResultErrorCode };
	struct eim_pkg p = { 0 };
	int rc = delivered_pkg(c, v->eimTransactionId, -1, true, &p);

	if (!rc)
		rc = record(c, &p, &asn_DEF_EimPackageResultResponseError, v, &r);
	eim_pkg_release(&p);
	return rc;
}

static int handle(struct provide_ctx *c, const EimPackageResult_t *v)
{
	int rc;

	switch (v->present) {
	case EimPackageResult_PR_euiccPackageResult:
		return handle_epr(c, &v->choice.euiccPackageResult, false);
	case EimPackageResult_PR_ePRAndNotifications:
		rc = handle_epr(c, &v->choice.ePRAndNotifications.euiccPackageResult, false);
		return rc ? rc : handle_notifications(c, &v->choice.ePRAndNotifications.notificationList);
	case EimPackageResult_PR_ipaEuiccDataResponse:
		return handle_data(c, &v->choice.ipaEuiccDataResponse);
	case EimPackageResult_PR_profileDownloadTriggerResult:
		return handle_download(c, &v->choice.profileDownloadTriggerResult);
	case EimPackageResult_PR_eimPackageResultResponseError:
		return handle_ipa_error(c, &v->choice.eimPackageResultResponseError);
	default:
		return SGP_ERR_PARSE;
	}
}

int eim_record_result_tx(struct eim_server *s, const char *eid, const EimPackageResult_t *v,
			 long *acks, size_t max, size_t *n_acks, bool *no_device)
{
	struct eim_device d = { 0 };
	struct provide_ctx c = { .s = s, .d = &d };
	int rc = eim_registry_get_device(s->store, eid, &d);

	s->why[0] = '\0';
	*n_acks = 0;
	if (no_device)
		*no_device = rc == SGP_ERR_NOTFOUND;
	if (!rc)
		rc = handle(&c, v);
	if (!rc && c.n_acks > max)
		rc = SGP_ERR_TOOBIG;
	if (!rc) {
		memcpy(acks, c.acks, c.n_acks * sizeof(*acks));
		*n_acks = c.n_acks;
	}
	eim_device_release(&d);
	return rc;
}

void eim_provide_eim_package_result(struct eim_server *s, struct http_request *req,
				    const ProvideEimPackageResult_t *pr)
{
	EsipaMessageFromEimToIpa_t msg;
	ProvideEimPackageResultResponse_t *a = &msg.choice.provideEimPackageResultResponse;
	struct provide_ctx c = { .s = s };
	char eid[SGP_EID_LEN + 1] = "";
	bool no_device = false;
	long code = ProvideEimPackageResultResponse__provideEimPackageResultError_undefinedError;
	int rc;

	s->why[0] = '\0';	/* fail: keeps no reason of an earlier exchange */
	if (!pr->eidValue) {
		eim_reply_provide_error(s, req, ProvideEimPackageResultResponse__provideEimPackageResultError_missingEid);
		return;
	}
	if (eim_eid_text(pr->eidValue->buf, (size_t)pr->eidValue->size, eid)) {
		eim_reply_provide_error(s, req, ProvideEimPackageResultResponse__provideEimPackageResultError_invalidEid);
		return;
	}
	rc = sgp_store_begin(s->store);
	if (rc)
		goto fail;
	rc = eim_record_result_tx(s, eid, &pr->eimPackageResult, c.acks, MAX_ACKS, &c.n_acks,
				  &no_device);
	if (no_device)
		code = ProvideEimPackageResultResponse__provideEimPackageResultError_eidNotFound;
	if (rc) {
		sgp_store_rollback(s->store);
		goto fail;
	}
	rc = sgp_store_commit(s->store);
	if (rc)
		goto fail;
	s->stats.results++;
	memset(&msg, 0, sizeof(msg));
	msg.present = EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse;
	a->present = c.n_acks ? ProvideEimPackageResultResponse_PR_eimAcknowledgements :
				ProvideEimPackageResultResponse_PR_emptyResponse;
	for (size_t i = 0; i < c.n_acks; i++) {
		long *seq = malloc(sizeof(*seq));

		if (!seq || ASN_SEQUENCE_ADD(&a->choice.eimAcknowledgements.list, seq)) {
			/* recorded; the eUICC keeps what is not acknowledged */
			free(seq);
			break;
		}
		*seq = c.acks[i];
	}
	eim_reply_msg(s, req, &msg);
	return;
fail:
	LOGP(DEIM, LOGL_ERROR, "eim(%s): result from %s refused: %s", s->eim_id, eid,
	     sgp_strerror(rc));
	eim_refusal_keep(s, eid, "ProvideEimPackageResult answered "
			 "provideEimPackageResultError(%ld): %s", code,
			 no_device ? "the EID is not registered" : s->why[0] ? s->why : sgp_strerror(rc));
	eim_reply_provide_error(s, req, code);
}

void eim_why(struct eim_server *s, const char *eid, const char *fmt, ...)
{
	char text[sizeof(s->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	LOGP(DEIM, LOGL_ERROR, "eim(%s): result of %s refused: %s", s->eim_id, eid, text);
	if (!s->why[0])
		snprintf(s->why, sizeof(s->why), "%s", text);
}

int eim_server_last_refusal(const struct eim_server *s, const char *eid, char *out, size_t size)
{
	for (size_t i = 0; i < EIM_REFUSALS; i++) {
		if (strcmp(s->refusals[i].eid, eid))
			continue;
		snprintf(out, size, "%s", s->refusals[i].text);
		return SGP_OK;
	}
	return SGP_ERR_NOTFOUND;
}
