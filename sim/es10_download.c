/* sgp32lab: the eUICC model — ES10b functions of the profile download
 * (SGP.22 v2.5 section 5.7: GetEUICCChallenge, GetEUICCInfo1/2,
 * AuthenticateServer, PrepareDownload, CancelSession; LoadBoundProfilePackage
 * is in es10_bpp.c) and the ES10a addresses (5.7.3, 5.7.4), with the
 * SGP.32 v1.2 EUICCInfo2.
 *
 * The download session is volatile: a reset drops it, as on a real card.
 *
 * Behaviour an SM-DP+ / IPA can rely on (checked against SGP.22 where the
 * text is known, "lab choice" where it is not):
 * - A refused AuthenticateServer or PrepareDownload answers the function's
 *   error response and leaves the session as it was (the challenge, or the
 *   authenticated session, stays usable).
 * - AuthenticateServer verifies, in this order: the CI named by
 *   euiccCiPKIdToBeUsed is trusted (ciPKUnknown); the serverCertificate key
 *   is on a supported curve (unsupportedCurve); the certificate chains to
 *   that CI, is valid now and well formed (invalidCertificate); it carries
 *   the DPauth or DSauth policy OID (invalidOid); serverSignature1 over the
 *   DER of serverSigned1 (invalidSignature); euiccChallenge equals the last
 *   GetEUICCChallenge (euiccChallengeMismatch); serverAddress is a
 *   hostname (undefinedError, lab choice).  Without a challenge since the
 *   last reset: noSessionContext.  matchingId is not checked by the eUICC
 *   in SGP.22 v2.5 (the SM-DP+ does); it is echoed in euiccSigned1.
 * - euiccSignature1 is over the DER of euiccSigned1 (SGP32-EuiccSigned1).
 * - PrepareDownload: no authenticated session: noSessionContext; smdpCertificate
 *   must be a DPpb certificate of the same CI (invalidCertificate,
 *   unsupportedCurve); smdpSignature2 over smdpSigned2 || 5F37 40
 *   euiccSignature1 (invalidSignature); transactionId of the session
 *   (invalidTransactionId); ccRequiredFlag without hashCc: undefinedError
 *   (SGP.22 has no dedicated code).  hashCc is echoed in euiccSigned2 only
 *   when ccRequiredFlag is set: the eUICC cannot check it, the SM-DP+ does.
 *   euiccSignature2 is over euiccSigned2 || 5F37 40 smdpSignature2.  With
 *   bppEuiccOtpk equal to the otPK of this session the key pair is reused.
 * - CancelSession: a session with this transactionId (after
 *   AuthenticateServer) is required, else invalidTransactionId; smdpOid is
 *   the one of CERT.DPauth; the session is dropped.
 */
#include "sim/download_int.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/ecka.h"
#include "core/crypto/random.h"
#include "core/der/der.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/pki/pki.h"

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "AuthenticateServerRequest.h"
#include "CancelSessionRequest.h"
#include "CancelSessionResponse.h"
#include "EuiccConfiguredAddressesRequest.h"
#include "EuiccConfiguredAddressesResponse.h"
#include "GetEuiccChallengeRequest.h"
#include "GetEuiccChallengeResponse.h"
#include "PrepareDownloadRequest.h"
#include "PrepareDownloadResponse.h"
#include "SGP32-AuthenticateServerResponse.h"
#include "SGP32-EUICCInfo2.h"
#include "SetDefaultDpAddressRequest.h"
#include "SetDefaultDpAddressResponse.h"

#include <stdlib.h>
#include <string.h>

static void session_clear_prepare(struct download_session *s)
{
	sgp_key_free(s->otk);
	s->otk = NULL;
	sgp_key_free(s->dppb);
	s->dppb = NULL;
	sgp_buf_free(&s->smdp_oid_pb);
}

void download_session_free(struct download_session *s)
{
	if (!s)
		return;
	bpp_load_free(s->bpp);
	session_clear_prepare(s);
	sgp_buf_free(&s->smdp_oid_auth);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void download_session_end(struct euicc *e)
{
	download_session_free(e->dl);
	e->dl = NULL;
}

/* ES10b.GetEUICCChallenge (SGP.22 5.7.7): a fresh 16-byte challenge; a new
 * one replaces any session in progress. */
static int get_euicc_challenge(struct euicc *e, const uint8_t *cmd, size_t len,
			       struct sgp_buf *resp)
{
	GetEuiccChallengeRequest_t *req = NULL;
	GetEuiccChallengeResponse_t rsp;
	struct download_session *s;
	int rc = es10_decode(e, &asn_DEF_GetEuiccChallengeRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_GetEuiccChallengeRequest, req);
	download_session_end(e);
	s = calloc(1, sizeof(*s));
	if (!s)
		return SGP_ERR_NOMEM;
	rc = sgp_random_bytes(s->euicc_challenge, sizeof(s->euicc_challenge));
	if (rc < 0) {
		download_session_free(s);
		return rc;
	}
	s->state = DL_CHALLENGED;
	e->dl = s;
	memset(&rsp, 0, sizeof(rsp));
	rsp.euiccChallenge.buf = s->euicc_challenge;
	rsp.euiccChallenge.size = sizeof(s->euicc_challenge);
	return es10_encode(e, &asn_DEF_GetEuiccChallengeResponse, &rsp, resp);
}

static time_t euicc_now(struct euicc *e)
{
	return e->clock ? sgp_clock_now(e->clock) : time(NULL);
}

/* The CI of e->ci whose SKI is pkid, or NULL. */
static X509 *find_ci(struct euicc *e, const uint8_t *pkid, size_t len)
{
	for (size_t i = 0; i < e->n_ci; i++) {
		const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(e->ci[i]);

		if (ski && (size_t)ASN1_STRING_length(ski) == len &&
		    memcmp(ASN1_STRING_get0_data(ski), pkid, len) == 0)
			return e->ci[i];
	}
	return NULL;
}

/* Why a server certificate is refused, in the terms of SGP.22. */
enum cert_check {
	CERT_OK,
	CERT_UNSUPPORTED_CURVE,
	CERT_INVALID,
	CERT_WRONG_ROLE,
	CERT_FAILED,		/* internal error */
};

/* Decode cert (Certificate_t), check it for one of the roles against ci,
 * and return its certificate and public key. */
static enum cert_check check_server_cert(struct euicc *e, const Certificate_t *cert, X509 *ci,
					 const enum sgp_pki_role *roles, size_t n_roles,
					 X509 **x509_out, struct sgp_key **key_out)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err = { 0 };
	struct sgp_pki *pki = NULL;
	struct sgp_pki_verify_info vi;
	enum sgp_pki_result r = SGP_PKI_MALFORMED;
	enum cert_check res = CERT_FAILED;
	X509 *x = NULL;
	int rc;

	*x509_out = NULL;
	*key_out = NULL;
	if (sgp_der_encode(&asn_DEF_Certificate, cert, &der, &err) < 0)
		goto out;
	if (sgp_pki_cert_from_der(der.data, der.len, &x) < 0) {
		res = CERT_INVALID;
		goto out;
	}
	rc = sgp_key_from_evp(sgp_pki_cert_pubkey(x), key_out);
	if (rc == SGP_ERR_UNSUPPORTED) {
		res = CERT_UNSUPPORTED_CURVE;
		goto out;
	} else if (rc < 0) {
		res = CERT_INVALID;
		goto out;
	}
	if (sgp_pki_new_trusting(SGP_PKI_CURVE_NIST, &ci, 1, &pki) < 0)
		goto out;
	for (size_t i = 0; i < n_roles; i++) {
		r = sgp_pki_verify(pki, x, roles[i], NULL, euicc_now(e), NULL, &vi);
		if (r != SGP_PKI_WRONG_ROLE)
			break;
	}
	if (r == SGP_PKI_OK)
		res = CERT_OK;
	else if (r == SGP_PKI_WRONG_ROLE)
		res = CERT_WRONG_ROLE;
	else if (r == SGP_PKI_BAD_KEY)
		res = CERT_UNSUPPORTED_CURVE;
	else
		res = CERT_INVALID;
	if (r != SGP_PKI_OK)
		LOGPE(e, LOGL_NOTICE, "server certificate refused: %s (%s)", sgp_pki_result_str(r),
		      vi.detail);
out:
	sgp_pki_free(pki);
	sgp_buf_free(&der);
	if (res != CERT_OK) {
		X509_free(x);
		sgp_key_free(*key_out);
		*key_out = NULL;
	} else {
		*x509_out = x;
	}
	return res;
}

/* Verify a raw signature over the concatenation a || b. */
static int verify2(const struct sgp_key *key, const uint8_t *a, size_t alen,
		   const uint8_t *b, size_t blen, const OCTET_STRING_t *sig)
{
	struct sgp_buf m = SGP_BUF_INIT;
	int rc = sgp_buf_append(&m, a, alen);

	if (rc == SGP_OK)
		rc = sgp_buf_append(&m, b, blen);
	if (rc == SGP_OK)
		rc = sgp_ecdsa_verify(key, m.data, m.len, sig->buf, sig->size);
	sgp_buf_free(&m);
	return rc;
}

static int sign2(struct euicc *e, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		 uint8_t sig[64])
{
	struct sgp_buf m = SGP_BUF_INIT;
	int rc = sgp_buf_append(&m, a, alen);

	if (rc == SGP_OK)
		rc = sgp_buf_append(&m, b, blen);
	if (rc == SGP_OK)
		rc = euicc_sign(e, m.data, m.len, sig);
	sgp_buf_free(&m);
	return rc;
}

/* A hostname as an FQDN with an optional :port: letters, digits, '-', '.', ':',
 * 1..255 characters. */
static bool is_hostname(const UTF8String_t *s)
{
	if (s->size < 1 || s->size > 255)
		return false;
	for (size_t i = 0; i < (size_t)s->size; i++) {
		uint8_t c = s->buf[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == ':'))
			return false;
	}
	return true;
}

static int auth_error(struct euicc *e, const TransactionId_t *tid, long code, struct sgp_buf *resp)
{
	SGP32_AuthenticateServerResponse_t rsp;

	LOGPE(e, LOGL_NOTICE, "AuthenticateServer refused: authenticateErrorCode %ld", code);
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = SGP32_AuthenticateServerResponse_PR_authenticateResponseError;
	rsp.choice.authenticateResponseError.transactionId = *tid;
	rsp.choice.authenticateResponseError.authenticateErrorCode = code;
	return es10_encode(e, &asn_DEF_SGP32_AuthenticateServerResponse, &rsp, resp);
}

/* The OK answer of AuthenticateServer; fills the session on success. */
static int auth_ok(struct euicc *e, AuthenticateServerRequest_t *req, struct sgp_buf *resp,
		   uint8_t sig[64])
{
	SGP32_AuthenticateServerResponse_t rsp;
	SGP32_AuthenticateResponseOk_t *ok = &rsp.choice.authenticateResponseOk;
	SGP32_EUICCInfo2_t *info = NULL;
	Certificate_t *cert = NULL, *eum = NULL;
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err = { 0 };
	int rc;

	memset(&rsp, 0, sizeof(rsp));
	rc = euicc_info2_build(e, &der);
	if (rc == SGP_OK)
		rc = sgp_der_decode(&asn_DEF_SGP32_EUICCInfo2, der.data, der.len, (void **)&info, &err);
	if (rc == SGP_OK)
		rc = sgp_der_decode(&asn_DEF_Certificate, e->cert_der.data, e->cert_der.len,
				    (void **)&cert, &err);
	if (rc == SGP_OK)
		rc = sgp_der_decode(&asn_DEF_Certificate, e->eum_der.data, e->eum_der.len,
				    (void **)&eum, &err);
	if (rc < 0)
		goto out;
	rsp.present = SGP32_AuthenticateServerResponse_PR_authenticateResponseOk;
	ok->euiccSigned1.transactionId = req->serverSigned1.transactionId;
	ok->euiccSigned1.serverAddress = req->serverSigned1.serverAddress;
	ok->euiccSigned1.serverChallenge = req->serverSigned1.serverChallenge;
	ok->euiccSigned1.euiccInfo2 = *info;
	ok->euiccSigned1.ctxParams1 = req->ctxParams1;
	rc = sgp_der_encode(&asn_DEF_SGP32_EuiccSigned1, &ok->euiccSigned1, &der, &err);
	if (rc == SGP_OK)
		rc = euicc_sign(e, der.data, der.len, sig);
	if (rc < 0)
		goto out;
	ok->euiccSignature1.buf = sig;
	ok->euiccSignature1.size = 64;
	ok->euiccCertificate = *cert;
	ok->eumCertificate = *eum;
	rc = es10_encode(e, &asn_DEF_SGP32_AuthenticateServerResponse, &rsp, resp);
out:
	if (rc < 0 && err.msg[0])
		LOGPE(e, LOGL_ERROR, "AuthenticateServer response: %s", err.msg);
	ASN_STRUCT_FREE(asn_DEF_SGP32_EUICCInfo2, info);
	ASN_STRUCT_FREE(asn_DEF_Certificate, cert);
	ASN_STRUCT_FREE(asn_DEF_Certificate, eum);
	sgp_buf_free(&der);
	return rc;
}

/* ES10b.AuthenticateServer (SGP.22 5.7.13). */
static int authenticate_server(struct euicc *e, const uint8_t *cmd, size_t len,
			       struct sgp_buf *resp)
{
	static const enum sgp_pki_role roles[] = { SGP_PKI_ROLE_DPAUTH, SGP_PKI_ROLE_DSAUTH };
	AuthenticateServerRequest_t *req = NULL;
	ServerSigned1_t *ss1;
	struct download_session *s = e->dl;
	struct sgp_buf der = SGP_BUF_INIT, oid = SGP_BUF_INIT;
	struct der_error err = { 0 };
	struct sgp_key *key = NULL;
	X509 *ci, *cert = NULL;
	uint8_t sig[64];
	long code = -1;
	int rc = es10_decode(e, &asn_DEF_AuthenticateServerRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ss1 = &req->serverSigned1;
	ci = find_ci(e, req->euiccCiPKIdToBeUsed.buf, req->euiccCiPKIdToBeUsed.size);
	if (!s || s->state != DL_CHALLENGED) {
		code = AuthenticateErrorCode_noSessionContext;
		goto refuse;
	}
	if (!ci) {
		code = AuthenticateErrorCode_ciPKUnknown;
		goto refuse;
	}
	switch (check_server_cert(e, &req->serverCertificate, ci, roles, 2, &cert, &key)) {
	case CERT_OK:
		break;
	case CERT_UNSUPPORTED_CURVE:
		code = AuthenticateErrorCode_unsupportedCurve;
		goto refuse;
	case CERT_INVALID:
		code = AuthenticateErrorCode_invalidCertificate;
		goto refuse;
	case CERT_WRONG_ROLE:
		code = AuthenticateErrorCode_invalidOid;
		goto refuse;
	case CERT_FAILED:
		rc = SGP_ERR_CRYPTO;
		goto out;
	}
	rc = sgp_der_encode(&asn_DEF_ServerSigned1, ss1, &der, &err);
	if (rc < 0)
		goto out;
	if (sgp_ecdsa_verify(key, der.data, der.len, req->serverSignature1.buf,
			     req->serverSignature1.size) != SGP_OK) {
		code = AuthenticateErrorCode_invalidSignature;
		goto refuse;
	}
	if (!sgp_memeq_ct(ss1->euiccChallenge.buf, s->euicc_challenge, 16)) {
		code = AuthenticateErrorCode_euiccChallengeMismatch;
		goto refuse;
	}
	if (!is_hostname(&ss1->serverAddress) ||
	    (size_t)ss1->transactionId.size > sizeof(s->transaction_id)) {
		code = AuthenticateErrorCode_undefinedError;
		goto refuse;
	}
	rc = smdp_oid_of_cert(cert, &oid);
	if (rc == SGP_ERR_NOTFOUND) {
		code = AuthenticateErrorCode_invalidCertificate;	/* no SM-DP+/SM-DS OID */
		goto refuse;
	}
	if (rc == SGP_OK)
		rc = auth_ok(e, req, resp, sig);
	if (rc < 0)
		goto out;
	/* accepted: the session now belongs to this transaction */
	memcpy(s->transaction_id, ss1->transactionId.buf, ss1->transactionId.size);
	s->transaction_id_len = ss1->transactionId.size;
	memcpy(s->server_address, ss1->serverAddress.buf, ss1->serverAddress.size);
	s->server_address[ss1->serverAddress.size] = '\0';
	s->ci = ci;
	sgp_buf_free(&s->smdp_oid_auth);
	s->smdp_oid_auth = oid;
	oid = (struct sgp_buf)SGP_BUF_INIT;
	memcpy(s->euicc_signature1, sig, 64);
	s->state = DL_AUTHENTICATED;
	goto out;
refuse:
	rc = auth_error(e, &ss1->transactionId, code, resp);
out:
	X509_free(cert);
	sgp_key_free(key);
	sgp_buf_free(&der);
	sgp_buf_free(&oid);
	ASN_STRUCT_FREE(asn_DEF_AuthenticateServerRequest, req);
	return rc;
}

static int prepare_error(struct euicc *e, const TransactionId_t *tid, long code,
			 struct sgp_buf *resp)
{
	PrepareDownloadResponse_t rsp;

	LOGPE(e, LOGL_NOTICE, "PrepareDownload refused: downloadErrorCode %ld", code);
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = PrepareDownloadResponse_PR_downloadResponseError;
	rsp.choice.downloadResponseError.transactionId = *tid;
	rsp.choice.downloadResponseError.downloadErrorCode = code;
	return es10_encode(e, &asn_DEF_PrepareDownloadResponse, &rsp, resp);
}

/* ES10b.PrepareDownload (SGP.22 5.7.5). */
static int prepare_download(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	static const enum sgp_pki_role roles[] = { SGP_PKI_ROLE_DPPB };
	static const uint8_t sig_do[3] = { 0x5F, 0x37, 0x40 };
	PrepareDownloadRequest_t *req = NULL;
	SmdpSigned2_t *sd2;
	PrepareDownloadResponse_t rsp;
	EUICCSigned2_t *es2 = &rsp.choice.downloadResponseOk.euiccSigned2;
	struct download_session *s = e->dl;
	struct sgp_buf der = SGP_BUF_INIT, oid = SGP_BUF_INIT, tmp = SGP_BUF_INIT;
	struct der_error err = { 0 };
	struct sgp_key *key = NULL, *otk = NULL;
	uint8_t otpk[SGP_CURVE_POINT_LEN], sig[64], smdp_sig_do[67];
	X509 *cert = NULL;
	long code = -1;
	int rc = es10_decode(e, &asn_DEF_PrepareDownloadRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	sd2 = &req->smdpSigned2;
	if (!s || (s->state != DL_AUTHENTICATED && s->state != DL_PREPARED) || s->bpp) {
		code = DownloadErrorCode_noSessionContext;
		goto refuse;
	}
	switch (check_server_cert(e, &req->smdpCertificate, s->ci, roles, 1, &cert, &key)) {
	case CERT_OK:
		break;
	case CERT_UNSUPPORTED_CURVE:
		code = DownloadErrorCode_unsupportedCurve;
		goto refuse;
	case CERT_INVALID:
	case CERT_WRONG_ROLE:
		code = DownloadErrorCode_invalidCertificate;
		goto refuse;
	case CERT_FAILED:
		rc = SGP_ERR_CRYPTO;
		goto out;
	}
	if (smdp_oid_of_cert(cert, &oid) != SGP_OK) {
		code = DownloadErrorCode_invalidCertificate;
		goto refuse;
	}
	rc = sgp_der_encode(&asn_DEF_SmdpSigned2, sd2, &der, &err);
	if (rc == SGP_OK)
		rc = sgp_buf_append(&tmp, sig_do, 3);
	if (rc == SGP_OK)
		rc = sgp_buf_append(&tmp, s->euicc_signature1, 64);
	if (rc < 0)
		goto out;
	if (verify2(key, der.data, der.len, tmp.data, tmp.len, &req->smdpSignature2) != SGP_OK) {
		code = DownloadErrorCode_invalidSignature;
		goto refuse;
	}
	if ((size_t)sd2->transactionId.size != s->transaction_id_len ||
	    memcmp(sd2->transactionId.buf, s->transaction_id, s->transaction_id_len) != 0) {
		code = DownloadErrorCode_invalidTransactionId;
		goto refuse;
	}
	if (sd2->ccRequiredFlag && !req->hashCc) {
		code = DownloadErrorCode_undefinedError;
		goto refuse;
	}
	/* otPK.EUICC.ECKA: reuse the session's when the SM-DP+ names it. */
	if (sd2->bppEuiccOtpk && s->otk && sd2->bppEuiccOtpk->size == sizeof(s->otpk) &&
	    memcmp(sd2->bppEuiccOtpk->buf, s->otpk, sizeof(s->otpk)) == 0 &&
	    sgp_key_curve(s->otk) == sgp_key_curve(key)) {
		otk = s->otk;
		s->otk = NULL;
		memcpy(otpk, s->otpk, sizeof(otpk));
	} else {
		rc = sgp_ecka_generate_otk(sgp_key_curve(key), &otk, otpk);
		if (rc < 0)
			goto out;
	}
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = PrepareDownloadResponse_PR_downloadResponseOk;
	es2->transactionId = sd2->transactionId;
	es2->euiccOtpk.buf = otpk;
	es2->euiccOtpk.size = sizeof(otpk);
	if (sd2->ccRequiredFlag)
		es2->hashCc = req->hashCc;
	if (req->smdpSignature2.size != 64) {	/* verified, so cannot happen */
		rc = SGP_ERR_VERIFY;
		goto out;
	}
	memcpy(smdp_sig_do, sig_do, 3);
	memcpy(smdp_sig_do + 3, req->smdpSignature2.buf, 64);
	rc = sgp_der_encode(&asn_DEF_EUICCSigned2, es2, &der, &err);
	if (rc == SGP_OK)
		rc = sign2(e, der.data, der.len, smdp_sig_do, sizeof(smdp_sig_do), sig);
	if (rc < 0)
		goto out;
	rsp.choice.downloadResponseOk.euiccSignature2.buf = sig;
	rsp.choice.downloadResponseOk.euiccSignature2.size = 64;
	rc = es10_encode(e, &asn_DEF_PrepareDownloadResponse, &rsp, resp);
	if (rc < 0)
		goto out;
	session_clear_prepare(s);
	s->curve = sgp_key_curve(key);
	s->otk = otk;
	otk = NULL;
	memcpy(s->otpk, otpk, sizeof(otpk));
	s->dppb = key;
	key = NULL;
	s->smdp_oid_pb = oid;
	oid = (struct sgp_buf)SGP_BUF_INIT;
	memcpy(s->euicc_signature2, sig, 64);
	s->state = DL_PREPARED;
	goto out;
refuse:
	rc = prepare_error(e, &sd2->transactionId, code, resp);
out:
	if (rc < 0 && err.msg[0])
		LOGPE(e, LOGL_ERROR, "PrepareDownload: %s", err.msg);
	X509_free(cert);
	sgp_key_free(key);
	sgp_key_free(otk);
	sgp_buf_free(&der);
	sgp_buf_free(&oid);
	sgp_buf_free(&tmp);
	ASN_STRUCT_FREE(asn_DEF_PrepareDownloadRequest, req);
	return rc;
}

/* ES10b.CancelSession (SGP.22 5.7.14). */
static int cancel_session(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	CancelSessionRequest_t *req = NULL;
	CancelSessionResponse_t rsp;
	CancelSessionResponseOk_t *ok = &rsp.choice.cancelSessionResponseOk;
	struct download_session *s = e->dl;
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err = { 0 };
	uint8_t sig[64];
	int rc = es10_decode(e, &asn_DEF_CancelSessionRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	if (!s || s->state == DL_CHALLENGED || (size_t)req->transactionId.size != s->transaction_id_len ||
	    memcmp(req->transactionId.buf, s->transaction_id, s->transaction_id_len) != 0) {
		LOGPE(e, LOGL_NOTICE, "CancelSession: no session with this transactionId");
		rsp.present = CancelSessionResponse_PR_cancelSessionResponseError;
		rsp.choice.cancelSessionResponseError =
			CancelSessionResponse__cancelSessionResponseError_invalidTransactionId;
		rc = es10_encode(e, &asn_DEF_CancelSessionResponse, &rsp, resp);
		goto out;
	}
	rsp.present = CancelSessionResponse_PR_cancelSessionResponseOk;
	ok->euiccCancelSessionSigned.transactionId = req->transactionId;
	ok->euiccCancelSessionSigned.smdpOid.buf = s->smdp_oid_auth.data;
	ok->euiccCancelSessionSigned.smdpOid.size = s->smdp_oid_auth.len;
	ok->euiccCancelSessionSigned.reason = req->reason;
	rc = sgp_der_encode(&asn_DEF_EuiccCancelSessionSigned, &ok->euiccCancelSessionSigned, &der, &err);
	if (rc == SGP_OK)
		rc = euicc_sign(e, der.data, der.len, sig);
	if (rc < 0)
		goto out;
	ok->euiccCancelSessionSignature.buf = sig;
	ok->euiccCancelSessionSignature.size = 64;
	rc = es10_encode(e, &asn_DEF_CancelSessionResponse, &rsp, resp);
	if (rc == SGP_OK) {
		LOGPE(e, LOGL_INFO, "download session cancelled, reason %ld", req->reason);
		download_session_end(e);
	}
out:
	sgp_buf_free(&der);
	ASN_STRUCT_FREE(asn_DEF_CancelSessionRequest, req);
	return rc;
}

/* ES10a.GetEuiccConfiguredAddresses (SGP.22 5.7.3). */
static int get_configured_addresses(struct euicc *e, const uint8_t *cmd, size_t len,
				    struct sgp_buf *resp)
{
	EuiccConfiguredAddressesRequest_t *req = NULL;
	EuiccConfiguredAddressesResponse_t rsp;
	UTF8String_t dp;
	struct euicc_card c;
	int rc = es10_decode(e, &asn_DEF_EuiccConfiguredAddressesRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_EuiccConfiguredAddressesRequest, req);
	rc = euicc_card_get(e, &c);
	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	if (c.default_smdp[0]) {
		dp.buf = (uint8_t *)c.default_smdp;
		dp.size = strlen(c.default_smdp);
		rsp.defaultDpAddress = &dp;
	}
	rsp.rootDsAddress.buf = (uint8_t *)c.root_smds;
	rsp.rootDsAddress.size = strlen(c.root_smds);
	return es10_encode(e, &asn_DEF_EuiccConfiguredAddressesResponse, &rsp, resp);
}

/* ES10a.SetDefaultDpAddress (SGP.22 5.7.4): an empty address removes it. */
static int set_default_dp_address(struct euicc *e, const uint8_t *cmd, size_t len,
				  struct sgp_buf *resp)
{
	SetDefaultDpAddressRequest_t *req = NULL;
	SetDefaultDpAddressResponse_t rsp = { 0 };
	struct euicc_card c;
	int rc = es10_decode(e, &asn_DEF_SetDefaultDpAddressRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	rc = euicc_card_get(e, &c);
	if (rc < 0)
		goto out;
	if ((size_t)req->defaultDpAddress.size >= sizeof(c.default_smdp) ||
	    (req->defaultDpAddress.size && !is_hostname(&req->defaultDpAddress))) {
		rsp.setDefaultDpAddressResult = SetDefaultDpAddressResponse__setDefaultDpAddressResult_undefinedError;
	} else {
		memcpy(c.default_smdp, req->defaultDpAddress.buf, req->defaultDpAddress.size);
		c.default_smdp[req->defaultDpAddress.size] = '\0';
		rc = euicc_card_put(e, &c);
		if (rc < 0)
			goto out;
		rsp.setDefaultDpAddressResult = SetDefaultDpAddressResponse__setDefaultDpAddressResult_ok;
	}
	rc = es10_encode(e, &asn_DEF_SetDefaultDpAddressResponse, &rsp, resp);
out:
	ASN_STRUCT_FREE(asn_DEF_SetDefaultDpAddressRequest, req);
	return rc;
}

static const struct es10_function download_fns[] = {
	{ 0xBF2E, "GetEUICCChallenge", get_euicc_challenge },
	{ 0xBF20, "GetEUICCInfo1", es10b_get_euicc_info1 },
	{ 0xBF22, "GetEUICCInfo2", es10b_get_euicc_info2 },
	{ 0xBF38, "AuthenticateServer", authenticate_server },
	{ 0xBF21, "PrepareDownload", prepare_download },
	{ 0xBF41, "CancelSession", cancel_session },
	{ 0xBF3C, "GetEuiccConfiguredAddresses", get_configured_addresses },
	{ 0xBF3F, "SetDefaultDpAddress", set_default_dp_address },
	/* ES10b.LoadBoundProfilePackage: each STORE DATA sequence of the BPP
	 * (SGP.22 2.5.5) starts with one of these tags (es10_bpp.c) */
	{ 0xBF36, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0xA0, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0xA1, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0xA2, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0xA3, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0x86, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0x87, "LoadBoundProfilePackage", es10b_load_bpp },
	{ 0x88, "LoadBoundProfilePackage", es10b_load_bpp },
};

const struct es10_table es10_download = {
	.fns = download_fns,
	.count = sizeof(download_fns) / sizeof(download_fns[0]),
};
