/* sgp32lab: the common mutual authentication of the RSP servers — the
 * ServerSigned1 signature and the AuthenticateServerResponse checks (see
 * auth.h) */
#include "core/rsp/auth.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"

#include "AuthenticateServerResponse.h"
#include "SGP32-AuthenticateServerResponse.h"
#include "ServerSigned1.h"

#include <string.h>

const char *rsp_auth_reason_str(enum rsp_auth_reason r)
{
	switch (r) {
	case RSP_AUTH_OK: return "ok";
	case RSP_AUTH_MALFORMED: return "malformed message";
	case RSP_AUTH_EUICC_ERROR: return "the eUICC answered with an error";
	case RSP_AUTH_BAD_CERTIFICATE: return "eUICC certificate chain rejected";
	case RSP_AUTH_BAD_SIGNATURE: return "eUICC signature does not verify";
	case RSP_AUTH_TID_MISMATCH: return "transactionId mismatch";
	case RSP_AUTH_CHALLENGE_MISMATCH: return "serverChallenge mismatch";
	case RSP_AUTH_ADDRESS_MISMATCH: return "serverAddress mismatch";
	}
	return "?";
}

static int fail(enum log_cat cat, struct rsp_auth_status *st, enum rsp_auth_reason r,
		const char *what)
{
	st->reason = r;
	LOGP(cat, LOGL_NOTICE, "%s: %s", what, rsp_auth_reason_str(r));
	switch (r) {
	case RSP_AUTH_MALFORMED: return SGP_ERR_PARSE;
	case RSP_AUTH_EUICC_ERROR: return SGP_ERR_PEER;
	default: return SGP_ERR_VERIFY;
	}
}

static bool same(const OCTET_STRING_t *s, const uint8_t *p, size_t len)
{
	return s->size >= 0 && (size_t)s->size == len && (!len || !memcmp(s->buf, p, len));
}

int rsp_auth_sign_server1(const struct sgp_key *auth_key, const uint8_t *tid, size_t tid_len,
			  const uint8_t euicc_challenge[RSP_CHALLENGE_LEN],
			  const char *server_address,
			  const uint8_t server_challenge[RSP_CHALLENGE_LEN],
			  struct sgp_buf *server_signed1, uint8_t sig[SGP_ECDSA_RAW_LEN])
{
	ServerSigned1_t ss1;
	struct der_error err;
	int rc;

	if (!auth_key || !tid || !tid_len || tid_len > 16 || !euicc_challenge ||
	    !server_address || !server_challenge || !server_signed1 || !sig)
		return SGP_ERR_INVAL;
	memset(&ss1, 0, sizeof(ss1));
	ss1.transactionId.buf = (uint8_t *)(uintptr_t)tid;
	ss1.transactionId.size = tid_len;
	ss1.euiccChallenge.buf = (uint8_t *)(uintptr_t)euicc_challenge;
	ss1.euiccChallenge.size = RSP_CHALLENGE_LEN;
	ss1.serverAddress.buf = (uint8_t *)(uintptr_t)server_address;
	ss1.serverAddress.size = strlen(server_address);
	ss1.serverChallenge.buf = (uint8_t *)(uintptr_t)server_challenge;
	ss1.serverChallenge.size = RSP_CHALLENGE_LEN;
	rc = sgp_der_encode(&asn_DEF_ServerSigned1, &ss1, server_signed1, &err);
	if (rc)
		return rc;
	/* SGP.22 5.6.1 / 5.8.1: serverSignature1 over the serverSigned1 DER */
	return sgp_ecdsa_sign(auth_key, server_signed1->data, server_signed1->len, sig);
}

void rsp_euicc_release(struct rsp_euicc *e)
{
	if (!e)
		return;
	X509_free(e->cert);
	X509_free(e->eum);
	sgp_key_free(e->pk);
	memset(e, 0, sizeof(*e));
}

static int cert_from(const Certificate_t *c, X509 **out)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;
	int rc = sgp_der_encode(&asn_DEF_Certificate, c, &der, &err);

	if (!rc)
		rc = sgp_pki_cert_from_der(der.data, der.len, out);
	sgp_buf_free(&der);
	return rc;
}

/* AuthenticateResponseOk of SGP.22 and of SGP.32 (whose euiccSigned1
 * carries the SGP.32 EUICCInfo2) seen alike. */
struct ok_view {
	const struct asn_TYPE_descriptor_s *td;	/* of euiccSigned1 */
	const void *signed1;
	const OCTET_STRING_t *tid, *address, *challenge, *sig;
	const CtxParams1_t *ctx;
	const Certificate_t *cert, *eum;
};

static int check_ok(enum log_cat cat, const struct sgp_pki *pki, time_t now,
		    const uint8_t *tid, size_t tid_len,
		    const uint8_t server_challenge[RSP_CHALLENGE_LEN],
		    const char *server_address, const struct ok_view *ok,
		    struct rsp_euicc *out, struct rsp_auth_status *st)
{
	static const char what[] = "AuthenticateServerResponse";
	const CtxParamsForCommonAuthentication_t *ctx;
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct der_error err;
	EVP_PKEY *pub;
	int rc;

	if (ok->sig->size != SGP_ECDSA_RAW_LEN)
		return fail(cat, st, RSP_AUTH_MALFORMED, what);
	if (cert_from(ok->cert, &out->cert) || cert_from(ok->eum, &out->eum))
		return fail(cat, st, RSP_AUTH_MALFORMED, what);
	/* SGP.22 5.6.3 / 5.8.2: CERT.EUM, then CERT.EUICC with it, against our CIs */
	st->pki_depth = 1;
	st->pki_result = sgp_pki_verify(pki, out->eum, SGP_PKI_ROLE_EUM, NULL, now, NULL, NULL);
	if (st->pki_result == SGP_PKI_OK) {
		st->pki_depth = 0;
		st->pki_result = sgp_pki_verify(pki, out->cert, SGP_PKI_ROLE_EUICC, out->eum, now,
						NULL, NULL);
	}
	if (st->pki_result != SGP_PKI_OK) {
		LOGP(cat, LOGL_NOTICE, "%s: %s: %s", what, st->pki_depth ? "CERT.EUM" : "CERT.EUICC",
		     sgp_pki_result_str(st->pki_result));
		return fail(cat, st, RSP_AUTH_BAD_CERTIFICATE, what);
	}
	pub = sgp_pki_cert_pubkey(out->cert);
	if (!pub || sgp_key_from_evp(pub, &out->pk) ||
	    sgp_pki_cert_eid(out->cert, out->eid) || sgp_eid_to_bcd(out->eid, out->eid_bcd))
		return fail(cat, st, RSP_AUTH_BAD_CERTIFICATE, what);
	rc = sgp_der_encode(ok->td, ok->signed1, &tbs, &err);
	if (rc)
		return rc;
	rc = sgp_ecdsa_verify(out->pk, tbs.data, tbs.len, ok->sig->buf, (size_t)ok->sig->size);
	sgp_buf_free(&tbs);
	if (rc)
		return fail(cat, st, RSP_AUTH_BAD_SIGNATURE, what);
	if (!same(ok->tid, tid, tid_len))
		return fail(cat, st, RSP_AUTH_TID_MISMATCH, what);
	if (!same(ok->challenge, server_challenge, RSP_CHALLENGE_LEN))
		return fail(cat, st, RSP_AUTH_CHALLENGE_MISMATCH, what);
	if (server_address &&
	    !same(ok->address, (const uint8_t *)server_address, strlen(server_address)))
		return fail(cat, st, RSP_AUTH_ADDRESS_MISMATCH, what);
	memcpy(out->euicc_signature1, ok->sig->buf, SGP_ECDSA_RAW_LEN);
	ctx = &ok->ctx->choice.ctxParamsForCommonAuthentication;
	if (ok->ctx->present == CtxParams1_PR_ctxParamsForCommonAuthentication && ctx->matchingId) {
		if ((size_t)ctx->matchingId->size >= sizeof(out->matching_id) ||
		    memchr(ctx->matchingId->buf, 0, (size_t)ctx->matchingId->size))
			return fail(cat, st, RSP_AUTH_MALFORMED, what);
		memcpy(out->matching_id, ctx->matchingId->buf, (size_t)ctx->matchingId->size);
		out->matching_id[ctx->matchingId->size] = '\0';
		out->has_matching_id = true;
	}
	return SGP_OK;
}

#define VIEW(v, t, o) do { \
	(v).td = &(t); (v).signed1 = &(o)->euiccSigned1; \
	(v).tid = &(o)->euiccSigned1.transactionId; \
	(v).address = &(o)->euiccSigned1.serverAddress; \
	(v).challenge = &(o)->euiccSigned1.serverChallenge; \
	(v).ctx = &(o)->euiccSigned1.ctxParams1; (v).sig = &(o)->euiccSignature1; \
	(v).cert = &(o)->euiccCertificate; (v).eum = &(o)->eumCertificate; \
} while (0)

/* The SGP.32 form (an IoT eUICC, SGP.32 5.9.x) first, then SGP.22's. */
int rsp_auth_check_authenticate_server_response(enum log_cat cat, const struct sgp_pki *pki,
						time_t now, const uint8_t *tid, size_t tid_len,
						const uint8_t server_challenge[RSP_CHALLENGE_LEN],
						const char *server_address,
						const uint8_t *der, size_t len,
						struct rsp_euicc *out, struct rsp_auth_status *st)
{
	SGP32_AuthenticateServerResponse_t *r32 = NULL;
	AuthenticateServerResponse_t *r22 = NULL;
	const AuthenticateResponseError_t *e = NULL;
	struct rsp_auth_status dummy;
	struct ok_view v;
	struct der_error err;
	bool have = false;
	int rc;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!pki || !tid || !server_challenge || !der || !out)
		return SGP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	rc = sgp_der_decode(&asn_DEF_SGP32_AuthenticateServerResponse, der, len, (void **)&r32,
			    &err);
	if (!rc) {
		if (r32->present == SGP32_AuthenticateServerResponse_PR_authenticateResponseOk) {
			VIEW(v, asn_DEF_SGP32_EuiccSigned1, &r32->choice.authenticateResponseOk);
			have = true;
		} else if (r32->present ==
			   SGP32_AuthenticateServerResponse_PR_authenticateResponseError) {
			e = &r32->choice.authenticateResponseError;
		}
	} else if (rc != SGP_ERR_NOMEM) {
		rc = sgp_der_decode(&asn_DEF_AuthenticateServerResponse, der, len, (void **)&r22,
				    &err);
		if (!rc && r22->present == AuthenticateServerResponse_PR_authenticateResponseOk) {
			VIEW(v, asn_DEF_EuiccSigned1, &r22->choice.authenticateResponseOk);
			have = true;
		} else if (!rc) {
			e = &r22->choice.authenticateResponseError;
		}
	}
	if (rc) {
		LOGP(cat, LOGL_NOTICE, "AuthenticateServerResponse: %s", err.msg);
		rc = rc == SGP_ERR_NOMEM ? rc : fail(cat, st, RSP_AUTH_MALFORMED, "decode");
	} else if (e) {
		st->error_code = e->authenticateErrorCode;
		rc = fail(cat, st, RSP_AUTH_EUICC_ERROR, "AuthenticateServerResponse");
	} else if (have) {
		rc = check_ok(cat, pki, now, tid, tid_len, server_challenge, server_address, &v, out,
			      st);
	} else {
		/* compactAuthenticateResponseOk: not for an RSP server */
		rc = fail(cat, st, RSP_AUTH_MALFORMED, "AuthenticateServerResponse (compact)");
	}
	if (rc)
		rsp_euicc_release(out);
	ASN_STRUCT_FREE(asn_DEF_SGP32_AuthenticateServerResponse, r32);
	ASN_STRUCT_FREE(asn_DEF_AuthenticateServerResponse, r22);
	return rc;
}
