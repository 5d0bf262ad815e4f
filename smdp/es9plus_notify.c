/* sgp32lab: SM-DP+ — ES9+ HandleNotification (SGP.22 v2.5 5.6.4) and
 * CancelSession (5.6.5), the two functions that end a session.
 *
 * handleNotification answers 204 (6.5.2.9: no response data) once the
 * notification is verified; a refused one gets a Failed status instead
 * (8.10.1/3.9 no session for the ProfileInstallationResult, 8.1/6.1 bad
 * signature, 8.1.3/6.1 bad certificate of an OtherSignedNotification) and
 * changes nothing.
 *
 * cancelSession: EuiccCancelSessionSigned verified with the session's
 * PK.EUICC.ECDSA, its transactionId and smdpOid (the registeredID of
 * CERT.DPauth) checked; the reason must be a CancelSessionReason.  The
 * order: postponed(1) and timeout(2) leave it released so the device can
 * try again; every other reason ends it in state error (SGP.22 3.1.3:
 * the SM-DP+ terminates the order). */
#include "smdp/server_int.h"
#include "smdp/auth.h"
#include "core/crypto/ecdsa.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/es9/es9.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include "CancelSessionResponse.h"
#include "PendingNotification.h"

#include <string.h>

static int finish_order(struct smdp_call *c, const char *iccid, enum smdp_profile_state to,
			const char *point, bool success)
{
	struct smdp_profile p;
	int rc = smdp_profile_set_state(c->s->store, iccid, to);

	if (!rc && !smdp_profile_get(c->s->store, iccid, &p)) {
		smdp_order_event(c->s, &p, point, success);
		smdp_profile_release(&p);
	}
	return rc;
}

static int handle_pir(struct smdp_call *c, const ProfileInstallationResult_t *pir_v,
		      const uint8_t *der, size_t len)
{
	const TransactionId_t *t = &pir_v->profileInstallationResultData.transactionId;
	struct sgp_buf tid = SGP_BUF_INIT;
	struct smdp_euicc eu = { 0 };
	struct smdp_auth_status ast;
	struct smdp_session ss;
	struct smdp_pir pir;
	int rc;

	rc = sgp_buf_set(&tid, t->buf, (size_t)t->size);
	if (rc)
		return rc;
	rc = smdp_session_load(c, &tid, ES9_HANDLE_NOTIFICATION, &ss);
	sgp_buf_free(&tid);
	if (rc)
		return rc;
	rc = smdp_session_euicc(&ss, &eu);
	if (!rc)
		rc = smdp_auth_check_pir(eu.pk, ss.tid, ss.tid_len, der, len, &pir, &ast);
	if (rc == SGP_ERR_VERIFY || rc == SGP_ERR_PARSE) {
		rc = smdp_refuse(c, "8.1", "6.1", "ProfileInstallationResult verification failed");
		goto out;
	}
	if (rc)
		goto out;
	rc = smdp_session_delete(c, ss.tid, ss.tid_len);
	if (!rc)
		rc = finish_order(c, ss.iccid, pir.success ? SMDP_PROFILE_INSTALLED : SMDP_PROFILE_ERROR,
				  "profile installation", pir.success);
	if (!rc && pir.success)
		c->s->stats.installed++;
	if (!rc)
		LOGP(DSMDP, LOGL_INFO, "smdp: %s on %s: installation %s", ss.iccid, ss.eid,
		     pir.success ? "succeeded" : "failed");
out:
	smdp_euicc_release(&eu);
	smdp_session_free(&ss);
	return rc;
}

static int handle_other(struct smdp_call *c, const OtherSignedNotification_t *n)
{
	struct sgp_buf tbs = SGP_BUF_INIT, der = SGP_BUF_INIT;
	struct der_error derr;
	X509 *cert = NULL, *eum = NULL;
	int rc;

	rc = sgp_der_encode(&asn_DEF_Certificate, &n->euiccCertificate, &der, &derr);
	if (!rc)
		rc = sgp_pki_cert_from_der(der.data, der.len, &cert);
	if (!rc)
		rc = sgp_der_encode(&asn_DEF_Certificate, &n->eumCertificate, &der, &derr);
	if (!rc)
		rc = sgp_pki_cert_from_der(der.data, der.len, &eum);
	if (rc == SGP_ERR_NOMEM)
		goto out;
	if (rc || sgp_pki_verify(c->s->pki, eum, SGP_PKI_ROLE_EUM, NULL, sgp_clock_now(c->s->clock),
				 NULL, NULL) != SGP_PKI_OK ||
	    sgp_pki_verify(c->s->pki, cert, SGP_PKI_ROLE_EUICC, eum, sgp_clock_now(c->s->clock),
			   NULL, NULL) != SGP_PKI_OK) {
		rc = smdp_refuse(c, "8.1.3", "6.1", "eUICC certificate verification failed");
		goto out;
	}
	/* euiccNotificationSignature over the tbsOtherNotification DER */
	rc = sgp_der_encode(&asn_DEF_NotificationMetadata, &n->tbsOtherNotification, &tbs, &derr);
	if (rc)
		goto out;
	if (sgp_ecdsa_verify_cert(cert, tbs.data, tbs.len, n->euiccNotificationSignature.buf,
				  (size_t)n->euiccNotificationSignature.size)) {
		rc = smdp_refuse(c, "8.1", "6.1", "eUICC signature invalid");
		goto out;
	}
	LOGP(DSMDP, LOGL_INFO, "smdp: notification %ld (operation %zu bytes) verified",
	     n->tbsOtherNotification.seqNumber, (size_t)n->tbsOtherNotification.profileManagementOperation.size);
out:
	X509_free(cert);
	X509_free(eum);
	sgp_buf_free(&tbs);
	sgp_buf_free(&der);
	return rc;
}

int smdp_es9_handle_notification(struct smdp_call *c, const void *rqv, void *rsv)
{
	const struct es9_handle_notification_req *rq = rqv;
	PendingNotification_t *pn = NULL;
	struct der_error derr;
	int rc;

	(void)rsv;
	if (sgp_der_decode(&asn_DEF_PendingNotification, rq->pending_notification.data,
			   rq->pending_notification.len, (void **)&pn, &derr))
		return smdp_refuse(c, "1.1", "2.1", "pendingNotification is not a PendingNotification");
	if (pn->present == PendingNotification_PR_profileInstallationResult)
		rc = handle_pir(c, &pn->choice.profileInstallationResult,
				rq->pending_notification.data, rq->pending_notification.len);
	else if (pn->present == PendingNotification_PR_otherSignedNotification)
		rc = handle_other(c, &pn->choice.otherSignedNotification);
	else
		rc = smdp_refuse(c, "1.1", "2.1", "pendingNotification: unknown choice");
	sgp_der_free(&asn_DEF_PendingNotification, pn);
	return rc;
}

static bool same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

int smdp_es9_cancel_session(struct smdp_call *c, const void *rqv, void *rsv)
{
	const struct es9_cancel_session_req *rq = rqv;
	CancelSessionResponse_t *r = NULL;
	const EuiccCancelSessionSigned_t *sd;
	const OCTET_STRING_t *sig;
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct smdp_euicc eu = { 0 };
	struct der_error derr;
	struct smdp_session ss;
	long reason;
	int rc;

	(void)rsv;
	rc = smdp_session_load(c, &rq->transaction_id, ES9_CANCEL_SESSION, &ss);
	if (rc)
		return rc;
	if (sgp_der_decode(&asn_DEF_CancelSessionResponse, rq->cancel_session_response.data,
			   rq->cancel_session_response.len, (void **)&r, &derr)) {
		rc = smdp_refuse(c, "1.1", "2.1", "cancelSessionResponse is not a CancelSessionResponse");
		goto out;
	}
	if (r->present != CancelSessionResponse_PR_cancelSessionResponseOk) {
		rc = smdp_refuse(c, "8.1", "4.2", "eUICC answered cancelSessionResponseError");
		goto out;
	}
	sd = &r->choice.cancelSessionResponseOk.euiccCancelSessionSigned;
	sig = &r->choice.cancelSessionResponseOk.euiccCancelSessionSignature;
	rc = smdp_session_euicc(&ss, &eu);
	if (!rc)
		rc = sgp_der_encode(&asn_DEF_EuiccCancelSessionSigned, sd, &tbs, &derr);
	if (rc)
		goto out;
	if (sgp_ecdsa_verify(eu.pk, tbs.data, tbs.len, sig->buf, (size_t)sig->size)) {
		rc = smdp_refuse(c, "8.1", "6.1", "eUICC signature is invalid");
		goto out;
	}
	if (!same(sd->transactionId.buf, (size_t)sd->transactionId.size, ss.tid, ss.tid_len)) {
		rc = smdp_refuse(c, "8.10.1", "3.9", "signed transactionId differs");
		goto out;
	}
	if (!same(sd->smdpOid.buf, (size_t)sd->smdpOid.size, c->s->smdp_oid.data,
		  c->s->smdp_oid.len)) {
		rc = smdp_refuse(c, "8.8", "3.10", "The provided SM-DP+ OID is invalid");
		goto out;
	}
	reason = sd->reason;
	if (reason < 0 || (reason > 5 && reason != 127)) {
		rc = smdp_refuse(c, "1.1", "2.1", "CancelSessionReason invalid");
		goto out;
	}
	rc = smdp_session_delete(c, ss.tid, ss.tid_len);
	if (!rc && ss.iccid[0]) {
		if (reason == 1 || reason == 2)
			rc = smdp_profile_set_state(c->s->store, ss.iccid, SMDP_PROFILE_RELEASED);
		else
			rc = finish_order(c, ss.iccid, SMDP_PROFILE_ERROR, "session cancelled", false);
	}
	if (!rc)
		LOGP(DSMDP, LOGL_INFO, "smdp: session of %s cancelled, reason %ld", ss.iccid, reason);
out:
	sgp_der_free(&asn_DEF_CancelSessionResponse, r);
	smdp_euicc_release(&eu);
	sgp_buf_free(&tbs);
	smdp_session_free(&ss);
	return rc;
}
