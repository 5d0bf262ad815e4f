/* sgp32lab: SM-DP+ — the signatures of the ES9+ download exchanges and
 * their checks (see auth.h). */
#include "smdp/auth.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "PrepareDownloadResponse.h"
#include "ProfileInstallationResult.h"
#include "SmdpSigned2.h"

#include <openssl/evp.h>
#include <string.h>

const char *smdp_auth_reason_str(enum smdp_auth_reason r)
{
	switch (r) {
	case SMDP_AUTH_OK: return "ok";
	case SMDP_AUTH_MALFORMED: return "malformed message";
	case SMDP_AUTH_EUICC_ERROR: return "the eUICC answered with an error";
	case SMDP_AUTH_BAD_CERTIFICATE: return "eUICC certificate chain rejected";
	case SMDP_AUTH_BAD_SIGNATURE: return "eUICC signature does not verify";
	case SMDP_AUTH_TID_MISMATCH: return "transactionId mismatch";
	case SMDP_AUTH_CHALLENGE_MISMATCH: return "serverChallenge mismatch";
	case SMDP_AUTH_ADDRESS_MISMATCH: return "serverAddress mismatch";
	case SMDP_AUTH_HASHCC_MISMATCH: return "hashCc mismatch";
	case SMDP_AUTH_BAD_OTPK: return "euiccOtpk is not a valid point";
	}
	return "?";
}

static int fail(struct smdp_auth_status *st, enum smdp_auth_reason r, const char *what)
{
	st->reason = r;
	LOGP(DSMDP, LOGL_NOTICE, "%s: %s", what, smdp_auth_reason_str(r));
	switch (r) {
	case SMDP_AUTH_MALFORMED: return SGP_ERR_PARSE;
	case SMDP_AUTH_EUICC_ERROR: return SGP_ERR_PEER;
	default: return SGP_ERR_VERIFY;
	}
}

static bool same(const OCTET_STRING_t *s, const uint8_t *p, size_t len)
{
	return s->size >= 0 && (size_t)s->size == len && (!len || !memcmp(s->buf, p, len));
}

/* Re-encode a decoded part (the strict decoder guarantees the same bytes
 * as received) and append a signature TLV '5F37' 40 if sig is given. */
static int signed_data(const struct asn_TYPE_descriptor_s *td, const void *part,
		       const uint8_t *sig, struct sgp_buf *out)
{
	static const uint8_t hdr[] = { 0x5F, 0x37, SGP_ECDSA_RAW_LEN };
	struct der_error err;
	int rc = sgp_der_encode(td, part, out, &err);

	if (!rc && sig) {
		rc = sgp_buf_append(out, hdr, sizeof(hdr));
		if (!rc)
			rc = sgp_buf_append(out, sig, SGP_ECDSA_RAW_LEN);
	}
	return rc;
}

/* SGP.22 5.6.1: shared with the SM-DS (core/rsp/auth.c) */
int smdp_auth_sign_server1(const struct sgp_key *dpauth, const uint8_t *tid, size_t tid_len,
			   const uint8_t euicc_challenge[SMDP_CHALLENGE_LEN],
			   const char *server_address,
			   const uint8_t server_challenge[SMDP_CHALLENGE_LEN],
			   struct sgp_buf *server_signed1, uint8_t sig[SGP_ECDSA_RAW_LEN])
{
	return rsp_auth_sign_server1(dpauth, tid, tid_len, euicc_challenge, server_address,
				     server_challenge, server_signed1, sig);
}

void smdp_euicc_release(struct smdp_euicc *e)
{
	if (!e)
		return;
	X509_free(e->cert);
	X509_free(e->eum);
	sgp_key_free(e->pk);
	memset(e, 0, sizeof(*e));
}

static enum smdp_auth_reason reason_of(enum rsp_auth_reason r)
{
	switch (r) {
	case RSP_AUTH_OK: return SMDP_AUTH_OK;
	case RSP_AUTH_MALFORMED: return SMDP_AUTH_MALFORMED;
	case RSP_AUTH_EUICC_ERROR: return SMDP_AUTH_EUICC_ERROR;
	case RSP_AUTH_BAD_CERTIFICATE: return SMDP_AUTH_BAD_CERTIFICATE;
	case RSP_AUTH_BAD_SIGNATURE: return SMDP_AUTH_BAD_SIGNATURE;
	case RSP_AUTH_TID_MISMATCH: return SMDP_AUTH_TID_MISMATCH;
	case RSP_AUTH_CHALLENGE_MISMATCH: return SMDP_AUTH_CHALLENGE_MISMATCH;
	case RSP_AUTH_ADDRESS_MISMATCH: return SMDP_AUTH_ADDRESS_MISMATCH;
	}
	return SMDP_AUTH_MALFORMED;
}

/* SGP.22 5.6.3: the checks are shared with the SM-DS (core/rsp/auth.c). */
int smdp_auth_check_authenticate_server_response(const struct sgp_pki *pki, time_t now,
						 const uint8_t *tid, size_t tid_len,
						 const uint8_t server_challenge[SMDP_CHALLENGE_LEN],
						 const char *server_address,
						 const uint8_t *der, size_t len,
						 struct smdp_euicc *out,
						 struct smdp_auth_status *st)
{
	struct smdp_auth_status dummy;
	struct rsp_auth_status rst;
	struct rsp_euicc e;
	int rc;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!out)
		return SGP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	rc = rsp_auth_check_authenticate_server_response(DSMDP, pki, now, tid, tid_len,
							 server_challenge, server_address, der,
							 len, &e, &rst);
	st->reason = reason_of(rst.reason);
	st->pki_result = rst.pki_result;
	st->error_code = rst.error_code;
	if (rc)
		return rc;
	/* the SM-DP+'s view takes over what the check allocated */
	out->cert = e.cert;
	out->eum = e.eum;
	out->pk = e.pk;
	memcpy(out->eid, e.eid, sizeof(out->eid));
	memcpy(out->eid_bcd, e.eid_bcd, sizeof(out->eid_bcd));
	memcpy(out->euicc_signature1, e.euicc_signature1, sizeof(out->euicc_signature1));
	memcpy(out->matching_id, e.matching_id, sizeof(out->matching_id));
	out->has_matching_id = e.has_matching_id;
	return SGP_OK;
}

int smdp_auth_sign_smdp2(const struct sgp_key *dppb, const uint8_t *tid, size_t tid_len,
			 bool cc_required, const uint8_t *bpp_euicc_otpk, size_t otpk_len,
			 const uint8_t euicc_signature1[SGP_ECDSA_RAW_LEN],
			 struct sgp_buf *smdp_signed2, uint8_t sig[SGP_ECDSA_RAW_LEN])
{
	struct sgp_buf tbs = SGP_BUF_INIT;
	OCTET_STRING_t otpk;
	SmdpSigned2_t s2;
	int rc;

	if (!dppb || !tid || !tid_len || tid_len > 16 || !euicc_signature1 || !smdp_signed2 || !sig)
		return SGP_ERR_INVAL;
	memset(&s2, 0, sizeof(s2));
	s2.transactionId.buf = (uint8_t *)(uintptr_t)tid;
	s2.transactionId.size = tid_len;
	s2.ccRequiredFlag = cc_required ? 0xFF : 0;
	if (bpp_euicc_otpk) {
		memset(&otpk, 0, sizeof(otpk));
		otpk.buf = (uint8_t *)(uintptr_t)bpp_euicc_otpk;
		otpk.size = otpk_len;
		s2.bppEuiccOtpk = &otpk;
	}
	rc = signed_data(&asn_DEF_SmdpSigned2, &s2, NULL, smdp_signed2);
	/* SGP.22 5.6.2: over smdpSigned2 || euiccSignature1 (tag 5F37 included) */
	if (!rc)
		rc = signed_data(&asn_DEF_SmdpSigned2, &s2, euicc_signature1, &tbs);
	if (!rc)
		rc = sgp_ecdsa_sign(dppb, tbs.data, tbs.len, sig);
	sgp_buf_free(&tbs);
	return rc;
}

int smdp_hash_cc(const char *cc, const uint8_t *tid, size_t tid_len,
		 uint8_t out[SMDP_HASH_CC_LEN])
{
	return rsp_hash_cc(cc, tid, tid_len, out);
}

int smdp_auth_check_prepare_download_response(const struct smdp_euicc *euicc,
					      const uint8_t *tid, size_t tid_len,
					      const uint8_t smdp_signature2[SGP_ECDSA_RAW_LEN],
					      const uint8_t *hash_cc,
					      const uint8_t *der, size_t len,
					      uint8_t euicc_otpk[SGP_CURVE_POINT_LEN],
					      struct smdp_auth_status *st)
{
	static const char what[] = "PrepareDownloadResponse";
	PrepareDownloadResponse_t *rsp = NULL;
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct smdp_auth_status dummy;
	struct sgp_key *pt = NULL;
	const EUICCSigned2_t *s2;
	struct der_error err;
	int rc;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!euicc || !euicc->pk || !tid || !smdp_signature2 || !der || !euicc_otpk)
		return SGP_ERR_INVAL;
	rc = sgp_der_decode(&asn_DEF_PrepareDownloadResponse, der, len, (void **)&rsp, &err);
	if (rc) {
		LOGP(DSMDP, LOGL_NOTICE, "%s: %s", what, err.msg);
		return rc == SGP_ERR_NOMEM ? rc : fail(st, SMDP_AUTH_MALFORMED, what);
	}
	if (rsp->present == PrepareDownloadResponse_PR_downloadResponseError) {
		st->error_code = rsp->choice.downloadResponseError.downloadErrorCode;
		rc = fail(st, SMDP_AUTH_EUICC_ERROR, what);
		goto out;
	}
	s2 = &rsp->choice.downloadResponseOk.euiccSigned2;
	/* SGP.22 5.6.2: euiccSignature2 over euiccSigned2 || smdpSignature2 TLV */
	rc = signed_data(&asn_DEF_EUICCSigned2, s2, smdp_signature2, &tbs);
	if (rc)
		goto out;
	if (sgp_ecdsa_verify(euicc->pk, tbs.data, tbs.len,
			     rsp->choice.downloadResponseOk.euiccSignature2.buf,
			     rsp->choice.downloadResponseOk.euiccSignature2.size)) {
		rc = fail(st, SMDP_AUTH_BAD_SIGNATURE, what);
		goto out;
	}
	if (!same(&s2->transactionId, tid, tid_len)) {
		rc = fail(st, SMDP_AUTH_TID_MISMATCH, what);
		goto out;
	}
	if (hash_cc ? !s2->hashCc || !same(s2->hashCc, hash_cc, SMDP_HASH_CC_LEN) :
		      s2->hashCc != NULL) {
		rc = fail(st, SMDP_AUTH_HASHCC_MISMATCH, what);
		goto out;
	}
	if (sgp_key_import_point(sgp_key_curve(euicc->pk), s2->euiccOtpk.buf, s2->euiccOtpk.size,
				 &pt)) {
		rc = fail(st, SMDP_AUTH_BAD_OTPK, what);
		goto out;
	}
	memcpy(euicc_otpk, s2->euiccOtpk.buf, SGP_CURVE_POINT_LEN);
out:
	sgp_key_free(pt);
	sgp_buf_free(&tbs);
	ASN_STRUCT_FREE(asn_DEF_PrepareDownloadResponse, rsp);
	return rc;
}

int smdp_auth_check_pir(const struct sgp_key *euicc_pk, const uint8_t *tid, size_t tid_len,
			const uint8_t *der, size_t len, struct smdp_pir *out,
			struct smdp_auth_status *st)
{
	static const char what[] = "ProfileInstallationResult";
	ProfileInstallationResult_t *pir = NULL;
	const ProfileInstallationResultData_t *d;
	const NotificationMetadata_t *nm;
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct smdp_auth_status dummy;
	struct der_error err;
	int rc;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!euicc_pk || !der || !out)
		return SGP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	rc = sgp_der_decode(&asn_DEF_ProfileInstallationResult, der, len, (void **)&pir, &err);
	if (rc) {
		LOGP(DSMDP, LOGL_NOTICE, "%s: %s", what, err.msg);
		return rc == SGP_ERR_NOMEM ? rc : fail(st, SMDP_AUTH_MALFORMED, what);
	}
	d = &pir->profileInstallationResultData;
	rc = signed_data(&asn_DEF_ProfileInstallationResultData, d, NULL, &tbs);
	if (rc)
		goto out;
	if (sgp_ecdsa_verify(euicc_pk, tbs.data, tbs.len, pir->euiccSignPIR.buf,
			     pir->euiccSignPIR.size)) {
		rc = fail(st, SMDP_AUTH_BAD_SIGNATURE, what);
		goto out;
	}
	if (tid && !same(&d->transactionId, tid, tid_len)) {
		rc = fail(st, SMDP_AUTH_TID_MISMATCH, what);
		goto out;
	}
	nm = &d->notificationMetadata;
	out->seq_number = nm->seqNumber;
	if (nm->iccid && nm->iccid->size == sizeof(out->iccid)) {
		memcpy(out->iccid, nm->iccid->buf, sizeof(out->iccid));
		out->has_iccid = true;
	}
	if ((size_t)nm->notificationAddress.size < sizeof(out->notification_address))
		memcpy(out->notification_address, nm->notificationAddress.buf,
		       nm->notificationAddress.size);
	if (d->finalResult.present == ProfileInstallationResultData__finalResult_PR_successResult) {
		const SuccessResult_t *s = &d->finalResult.choice.successResult;

		out->success = true;
		out->aid_len = (size_t)s->aid.size <= sizeof(out->aid) ? (size_t)s->aid.size : 0;
		memcpy(out->aid, s->aid.buf, out->aid_len);
	} else {
		out->bpp_command_id = d->finalResult.choice.errorResult.bppCommandId;
		out->error_reason = d->finalResult.choice.errorResult.errorReason;
	}
out:
	sgp_buf_free(&tbs);
	ASN_STRUCT_FREE(asn_DEF_ProfileInstallationResult, pir);
	return rc;
}
