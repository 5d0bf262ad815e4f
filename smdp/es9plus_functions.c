/* sgp32lab: SM-DP+ — the ES9+ functions (SGP.22 v2.5 section 5.6) on the
 * sessions of the store.
 *
 * A session is one row of smdp_session, keyed by the transactionId; its
 * state says which function it waits for (a table FSM: session_accepts[]):
 *
 *   WAIT_AUTHENTICATE_CLIENT --authenticateClient--> WAIT_GET_BPP
 *   WAIT_GET_BPP --getBoundProfilePackage--> WAIT_NOTIFICATION
 *   WAIT_NOTIFICATION --handleNotification (PIR)--> (deleted)
 *   WAIT_GET_BPP | WAIT_NOTIFICATION --cancelSession--> (deleted)
 *   any --timeout on the lab clock--> (deleted, es9plus_server.c)
 * A function for a session in another state, or for no session, is
 * "TransactionId - Unknown" (8.10.1/3.9), as an unknown id is.
 *
 * Status codes (subject/reason; SGP.22 5.6.1-5.6.5, as pySim's osmo-smdpp
 * also uses them):
 *   initiateAuthentication  8.8.1/3.8 invalid SM-DP+ address; 8.8.3/3.1
 *     unsupported specification version (EUICCInfo1.svn major not 2/3);
 *     8.8.2/3.1 no CI PKID for signing in common; 8.8.4/3.7 no CERT.DPauth
 *     chaining to a CI the eUICC can verify (euiccCiPKIdListForVerification)
 *   authenticateClient  8.10.1/3.9 unknown transactionId; 8.1.3/6.1 eUICC
 *     or EUM certificate invalid, 8.1.3/6.3 expired; 8.11.1/3.9 CI unknown;
 *     8.1/6.1 eUICC signature or challenge wrong; 8.1.1/3.8 EID refused
 *     (differs from the order's); 8.2.6/3.8 matchingId refused (unknown,
 *     order not released or already downloaded); 8.8.5/6.4 order failed
 *     after too many confirmation codes
 *   getBoundProfilePackage  8.10.1/3.9; 8.1/6.1 euiccSignature2;
 *     8.2.7/3.8 confirmation code refused; 8.2.7/6.4 retries exceeded
 *   cancelSession  8.10.1/3.9; 8.1/6.1 signature; 8.8/3.10 smdpOid not
 *     ours (osmo-smdpp); the reason must be a CancelSessionReason value
 *   an eUICC error answer (authenticateResponseError, downloadResponseError)
 *     8.1/4.2 with the eUICC's code in the message (lab choice: SGP.22 has
 *     the LPA cancel instead)
 *   malformed ASN.1 in a member: 1.1/2.1 (lab choice, as malformed JSON). */
#include "smdp/server_int.h"
#include "smdp/auth.h"
#include "smdp/bpp.h"
#include "smdp/metadata.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/random.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/es9/es9.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include "CancelSessionResponse.h"
#include "EUICCInfo1.h"
#include "PendingNotification.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const unsigned session_accepts[ES9_FUNCTION_COUNT] = {
	[ES9_AUTHENTICATE_CLIENT] = 1u << WAIT_AUTHENTICATE_CLIENT,
	[ES9_GET_BOUND_PROFILE_PACKAGE] = 1u << WAIT_GET_BPP,
	[ES9_HANDLE_NOTIFICATION] = 1u << WAIT_NOTIFICATION,
	[ES9_CANCEL_SESSION] = (1u << WAIT_GET_BPP) | (1u << WAIT_NOTIFICATION),
};

void smdp_session_free(struct smdp_session *ss)
{
	sgp_buf_free(&ss->euicc_cert);
	sgp_buf_free(&ss->eum_cert);
	sgp_buf_free(&ss->euicc_sig1);
	sgp_buf_free(&ss->smdp_sig2);
}

int smdp_refuse(struct smdp_call *c, const char *subject, const char *reason, const char *msg)
{
	c->sc.subject_code = subject;
	c->sc.reason_code = reason;
	c->sc.message = msg;
	return SGP_ERR_STATE;
}

/* Load the session of tid that accepts function f. */
int smdp_session_load(struct smdp_call *c, const struct sgp_buf *tid, int f,
			struct smdp_session *ss)
{
	struct sgp_stmt *st;
	size_t len;
	const void *p;
	int rc = sgp_store_prepare(c->s->store, "SELECT state, euicc_challenge, server_challenge,"
				   " iccid, eid, euicc_cert, eum_cert, euicc_sig1, smdp_sig2,"
				   " cc_required FROM smdp_session WHERE tid = ? AND expires_ms > ?",
				   &st);

	memset(ss, 0, sizeof(*ss));
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 1, tid->data, tid->len);
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 2, (int64_t)sgp_clock_now_ms(c->s->clock));
	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc < 0)
		return rc;
	if (rc != SGP_STORE_ROW)
		return smdp_refuse(c, "8.10.1", "3.9", "TransactionId unknown");
	memcpy(ss->tid, tid->data, tid->len);
	ss->tid_len = tid->len;
	ss->state = (int)sgp_stmt_column_int64(st, 0);
	p = sgp_stmt_column_blob(st, 1, &len);
	if (p && len == 16)
		memcpy(ss->euicc_challenge, p, 16);
	p = sgp_stmt_column_blob(st, 2, &len);
	if (p && len == 16)
		memcpy(ss->server_challenge, p, 16);
	snprintf(ss->iccid, sizeof(ss->iccid), "%s", sgp_stmt_column_text(st, 3) ?: "");
	snprintf(ss->eid, sizeof(ss->eid), "%s", sgp_stmt_column_text(st, 4) ?: "");
	rc = sgp_stmt_column_buf(st, 5, &ss->euicc_cert);
	if (!rc)
		rc = sgp_stmt_column_buf(st, 6, &ss->eum_cert);
	if (!rc)
		rc = sgp_stmt_column_buf(st, 7, &ss->euicc_sig1);
	if (!rc)
		rc = sgp_stmt_column_buf(st, 8, &ss->smdp_sig2);
	ss->cc_required = sgp_stmt_column_int64(st, 9) != 0;
	sgp_stmt_reset(st);
	if (rc) {
		smdp_session_free(ss);
		return rc;
	}
	if (!(session_accepts[f] & (1u << ss->state))) {
		smdp_session_free(ss);
		return smdp_refuse(c, "8.10.1", "3.9", "TransactionId unknown for this function");
	}
	return 0;
}

int smdp_session_delete(struct smdp_call *c, const uint8_t *tid, size_t len)
{
	struct sgp_stmt *st;
	int rc = sgp_store_prepare(c->s->store, "DELETE FROM smdp_session WHERE tid = ?", &st);

	if (!rc)
		rc = sgp_stmt_bind_blob(st, 1, tid, len);
	if (!rc)
		rc = sgp_stmt_step(st);
	return rc < 0 ? rc : 0;
}

static int64_t deadline(struct smdp_call *c)
{
	return (int64_t)(sgp_clock_now_ms(c->s->clock) + c->s->session_timeout_ms);
}

/* The profile metadata sent in authenticateClient and in the BPP. */
static int build_metadata(struct smdp_server *s, const struct smdp_profile *p,
			  struct sgp_buf *out)
{
	const struct smdp_notif_cfg notif[] = {
		{ SMDP_NOTIF_INSTALL, s->address },
		{ SMDP_NOTIF_DELETE, s->address },
	};
	struct smdp_profile_metadata m = {
		.iccid = p->iccid, .service_provider_name = "sgp32lab",
		.profile_name = p->profile_type[0] ? p->profile_type : p->iccid,
		.profile_class = 2, .notif = notif, .n_notif = 2,
	};

	return smdp_metadata_encode(&m, out);
}

static bool pkid_in(SubjectKeyIdentifier_t *const *array, int count, const struct sgp_buf *id)
{
	for (int i = 0; i < count; i++)
		if ((size_t)array[i]->size == id->len && !memcmp(array[i]->buf, id->data, id->len))
			return true;
	return false;
}

/* ---- 5.6.1 InitiateAuthentication ---- */

int smdp_es9_initiate_authentication(struct smdp_call *c, const void *rqv, void *rsv)
{
	const struct es9_initiate_authentication_req *rq = rqv;
	struct es9_initiate_authentication_resp *rs = rsv;
	struct smdp_server *s = c->s;
	EUICCInfo1_t *info = NULL;
	struct der_error derr;
	uint8_t tid[16], sch[16], sig[SGP_ECDSA_RAW_LEN];
	struct sgp_stmt *st;
	int rc;

	if (strcasecmp(rq->smdp_address, s->address))
		return smdp_refuse(c, "8.8.1", "3.8", "Invalid SM-DP+ Address");
	if (sgp_der_decode(&asn_DEF_EUICCInfo1, rq->euicc_info1.data, rq->euicc_info1.len,
			   (void **)&info, &derr))
		return smdp_refuse(c, "1.1", "2.1", "euiccInfo1 is not an EUICCInfo1");
	rc = SGP_ERR_STATE;
	if (info->svn.size != 3 || (info->svn.buf[0] != 2 && info->svn.buf[0] != 3)) {
		smdp_refuse(c, "8.8.3", "3.1", "Specification version number unsupported");
		goto out;
	}
	if (!pkid_in(info->euiccCiPKIdListForSigning.list.array,
		     info->euiccCiPKIdListForSigning.list.count, &s->ci_pkid)) {
		smdp_refuse(c, "8.8.2", "3.1",
		       "None of the proposed Public Key Identifiers is supported by the SM-DP+");
		goto out;
	}
	if (!pkid_in(info->euiccCiPKIdListForVerification.list.array,
		     info->euiccCiPKIdListForVerification.list.count, &s->ci_pkid)) {
		smdp_refuse(c, "8.8.4", "3.7", "No CERT.DPauth chaining to a CI the eUICC verifies");
		goto out;
	}
	rc = sgp_random_bytes(tid, sizeof(tid));
	if (!rc)
		rc = sgp_random_bytes(sch, sizeof(sch));
	if (!rc)
		rc = smdp_auth_sign_server1(s->dpauth, tid, sizeof(tid), rq->euicc_challenge.data,
					    s->address, sch, &rs->server_signed1, sig);
	if (rc)
		goto out;
	/* serverSignature1 travels as its TLV '5F37' 40 r||s (SGP.22 6.5.2.6) */
	rc = sgp_der_put_tlv(&rs->server_signature1, 0x5F37, sig, sizeof(sig));
	if (!rc)
		rc = sgp_der_put_tlv(&rs->euicc_ci_pkid_to_be_used, 0x04, s->ci_pkid.data,
				     s->ci_pkid.len);
	if (!rc)
		rc = sgp_buf_set(&rs->server_certificate, s->dpauth_cert.data, s->dpauth_cert.len);
	if (!rc)
		rc = sgp_buf_set(&rs->transaction_id, tid, sizeof(tid));
	if (!rc)
		rc = sgp_store_prepare(s->store, "INSERT INTO smdp_session(tid, state, expires_ms,"
				       " euicc_challenge, server_challenge, ci_pkid)"
				       " VALUES(?, ?, ?, ?, ?, ?)", &st);
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 1, tid, sizeof(tid));
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 2, WAIT_AUTHENTICATE_CLIENT);
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 3, deadline(c));
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 4, rq->euicc_challenge.data, 16);
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 5, sch, sizeof(sch));
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 6, s->ci_pkid.data, s->ci_pkid.len);
	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc < 0)
		goto out;
	rc = 0;
	s->stats.sessions_started++;
	LOGP(DSMDP, LOGL_INFO, "smdp: session %02X%02X%02X%02X.. started", tid[0], tid[1],
	     tid[2], tid[3]);
out:
	sgp_der_free(&asn_DEF_EUICCInfo1, info);
	return rc;
}

/* ---- 5.6.3 AuthenticateClient ---- */

static int auth_refusal(struct smdp_call *c, const struct smdp_auth_status *st)
{
	switch (st->reason) {
	case SMDP_AUTH_BAD_CERTIFICATE:
		if (st->pki_result == SGP_PKI_UNKNOWN_CI)
			return smdp_refuse(c, "8.11.1", "3.9", "CI Public Key unknown");
		if (st->pki_result == SGP_PKI_EXPIRED || st->pki_result == SGP_PKI_NOT_YET_VALID)
			return smdp_refuse(c, "8.1.3", "6.3", "eUICC certificate expired");
		return smdp_refuse(c, "8.1.3", "6.1", "eUICC certificate verification failed");
	case SMDP_AUTH_MALFORMED:
		return smdp_refuse(c, "1.1", "2.1", "malformed eUICC response");
	case SMDP_AUTH_EUICC_ERROR:
		snprintf(c->msgbuf, sizeof(c->msgbuf), "eUICC error %ld", st->error_code);
		return smdp_refuse(c, "8.1", "4.2", c->msgbuf);
	case SMDP_AUTH_TID_MISMATCH:
		return smdp_refuse(c, "8.10.1", "3.9", "signed transactionId differs");
	case SMDP_AUTH_HASHCC_MISMATCH:
		return smdp_refuse(c, "8.2.7", "3.8", "Confirmation code refused");
	default:
		return smdp_refuse(c, "8.1", "6.1", "eUICC verification failed");
	}
}

int smdp_es9_authenticate_client(struct smdp_call *c, const void *rqv, void *rsv)
{
	const struct es9_authenticate_client_req *rq = rqv;
	struct es9_authenticate_client_resp *rs = rsv;
	struct smdp_server *s = c->s;
	struct smdp_euicc eu = { 0 };
	struct smdp_auth_status ast;
	struct smdp_profile p = { 0 };
	struct sgp_buf cert = SGP_BUF_INIT, eum = SGP_BUF_INIT;
	struct smdp_session ss;
	uint8_t sig[SGP_ECDSA_RAW_LEN];
	struct sgp_stmt *st;
	int rc = smdp_session_load(c, &rq->transaction_id, ES9_AUTHENTICATE_CLIENT, &ss);

	if (rc)
		return rc;
	rc = smdp_auth_check_authenticate_server_response(
		s->pki, sgp_clock_now(s->clock), ss.tid, ss.tid_len, ss.server_challenge, s->address,
		rq->authenticate_server_response.data, rq->authenticate_server_response.len, &eu,
		&ast);
	if (rc == SGP_ERR_VERIFY || rc == SGP_ERR_PARSE || rc == SGP_ERR_PEER) {
		rc = auth_refusal(c, &ast);
		goto out;
	}
	if (rc)
		goto out;
	/* the order: by matchingId, else the EID's released order (3.1.2) */
	rc = eu.has_matching_id && eu.matching_id[0]
		     ? smdp_profile_by_matching_id(s->store, eu.matching_id, &p)
		     : smdp_profile_released_for_eid(s->store, eu.eid, &p);
	if (rc == SGP_ERR_NOTFOUND) {
		rc = smdp_refuse(c, "8.2.6", "3.8", "Matching ID refused");
		goto out;
	}
	if (rc)
		goto out;
	if (p.eid[0] && strcmp(p.eid, eu.eid)) {
		rc = smdp_refuse(c, "8.1.1", "3.8", "EID refused");
		goto out;
	}
	if (p.state == SMDP_PROFILE_ERROR && p.cc_attempts >= (int)s->cc_max_attempts) {
		rc = smdp_refuse(c, "8.8.5", "6.4", "Download order: maximum number of retries exceeded");
		goto out;
	}
	if (p.state != SMDP_PROFILE_RELEASED) {
		rc = smdp_refuse(c, "8.2.6", "3.8", "Matching ID refused: order not released");
		goto out;
	}
	if (!p.eid[0]) {
		rc = smdp_profile_set_eid(s->store, p.iccid, eu.eid);
		if (rc)
			goto out;
	}
	rc = build_metadata(s, &p, &rs->profile_metadata);
	if (!rc)
		rc = smdp_auth_sign_smdp2(s->dppb, ss.tid, ss.tid_len, p.cc[0] != '\0', NULL, 0,
					  eu.euicc_signature1, &rs->smdp_signed2, sig);
	if (!rc)
		rc = sgp_der_put_tlv(&rs->smdp_signature2, 0x5F37, sig, sizeof(sig));
	if (!rc)
		rc = sgp_buf_set(&rs->smdp_certificate, s->dppb_cert.data, s->dppb_cert.len);
	if (!rc)
		rc = sgp_buf_set(&rs->transaction_id, ss.tid, ss.tid_len);
	if (!rc)
		rc = sgp_pki_cert_der(eu.cert, &cert);
	if (!rc)
		rc = sgp_pki_cert_der(eu.eum, &eum);
	if (!rc)
		rc = sgp_store_prepare(s->store, "UPDATE smdp_session SET state = ?, expires_ms = ?,"
				       " iccid = ?, eid = ?, euicc_cert = ?, eum_cert = ?,"
				       " euicc_sig1 = ?, smdp_sig2 = ?, cc_required = ? WHERE tid = ?",
				       &st);
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 1, WAIT_GET_BPP);
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 2, deadline(c));
	if (!rc)
		rc = sgp_stmt_bind_text(st, 3, p.iccid);
	if (!rc)
		rc = sgp_stmt_bind_text(st, 4, eu.eid);
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 5, cert.data, cert.len);
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 6, eum.data, eum.len);
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 7, eu.euicc_signature1, SGP_ECDSA_RAW_LEN);
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 8, sig, sizeof(sig));
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 9, p.cc[0] != '\0');
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 10, ss.tid, ss.tid_len);
	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc > 0)
		rc = 0;
	if (!rc)
		LOGP(DSMDP, LOGL_INFO, "smdp: eUICC %s authenticated for order %s", eu.eid, p.iccid);
out:
	smdp_profile_release(&p);
	smdp_euicc_release(&eu);
	sgp_buf_free(&cert);
	sgp_buf_free(&eum);
	smdp_session_free(&ss);
	return rc;
}

/* The eUICC of a session, rebuilt from its stored certificate. */
int smdp_session_euicc(const struct smdp_session *ss, struct smdp_euicc *eu)
{
	EVP_PKEY *pub;
	int rc;

	memset(eu, 0, sizeof(*eu));
	rc = sgp_pki_cert_from_der(ss->euicc_cert.data, ss->euicc_cert.len, &eu->cert);
	if (rc)
		return rc;
	pub = sgp_pki_cert_pubkey(eu->cert);
	rc = pub ? sgp_key_from_evp(pub, &eu->pk) : SGP_ERR_CRYPTO;
	if (!rc)
		rc = sgp_pki_cert_eid(eu->cert, eu->eid);
	if (!rc)
		rc = sgp_eid_to_bcd(eu->eid, eu->eid_bcd);
	if (!rc && ss->euicc_sig1.len == SGP_ECDSA_RAW_LEN)
		memcpy(eu->euicc_signature1, ss->euicc_sig1.data, SGP_ECDSA_RAW_LEN);
	if (rc)
		smdp_euicc_release(eu);
	return rc;
}

/* ---- 5.6.2 GetBoundProfilePackage ---- */

int smdp_es9_get_bound_profile_package(struct smdp_call *c, const void *rqv, void *rsv)
{
	const struct es9_get_bound_profile_package_req *rq = rqv;
	struct es9_get_bound_profile_package_resp *rs = rsv;
	struct smdp_server *s = c->s;
	struct smdp_euicc eu = { 0 };
	struct smdp_auth_status ast;
	struct smdp_profile p = { 0 };
	struct sgp_buf md = SGP_BUF_INIT;
	uint8_t otpk[SGP_CURVE_POINT_LEN], hash_cc[SMDP_HASH_CC_LEN];
	struct smdp_session ss;
	struct sgp_stmt *st;
	int rc = smdp_session_load(c, &rq->transaction_id, ES9_GET_BOUND_PROFILE_PACKAGE, &ss);

	if (rc)
		return rc;
	rc = smdp_session_euicc(&ss, &eu);
	if (!rc)
		rc = smdp_profile_get(s->store, ss.iccid, &p);
	if (rc)
		goto out;
	if (ss.cc_required) {
		rc = smdp_hash_cc(p.cc, ss.tid, ss.tid_len, hash_cc);
		if (rc)
			goto out;
	}
	if (ss.smdp_sig2.len != SGP_ECDSA_RAW_LEN) {
		rc = SGP_ERR_STORE;
		goto out;
	}
	rc = smdp_auth_check_prepare_download_response(&eu, ss.tid, ss.tid_len, ss.smdp_sig2.data,
						       ss.cc_required ? hash_cc : NULL,
						       rq->prepare_download_response.data,
						       rq->prepare_download_response.len, otpk, &ast);
	if (rc == SGP_ERR_VERIFY && ast.reason == SMDP_AUTH_HASHCC_MISMATCH && ss.cc_required) {
		int attempts = 0;

		/* SGP.22 5.6.2: count the wrong code; at the limit the order
		 * fails.  Either way this session ends, the attempt is kept. */
		rc = smdp_profile_cc_failed(s->store, p.iccid, &attempts);
		if (!rc)
			rc = smdp_session_delete(c, ss.tid, ss.tid_len);
		if (!rc && attempts >= (int)s->cc_max_attempts) {
			rc = smdp_profile_set_state(s->store, p.iccid, SMDP_PROFILE_ERROR);
			if (!rc)
				smdp_order_event(s, &p, "confirmation code retries exceeded", false);
			if (!rc)
				rc = smdp_refuse(c, "8.2.7", "6.4", "Maximum number of retries exceeded");
		} else if (!rc) {
			rc = smdp_refuse(c, "8.2.7", "3.8", "Confirmation code refused");
		}
		c->commit_on_refusal = true;
		goto out;
	}
	if (rc == SGP_ERR_VERIFY || rc == SGP_ERR_PARSE || rc == SGP_ERR_PEER) {
		rc = auth_refusal(c, &ast);
		goto out;
	}
	if (rc)
		goto out;
	rc = build_metadata(s, &p, &md);
	if (!rc) {
		struct smdp_bpp_params bp = {
			.transaction_id = ss.tid, .transaction_id_len = ss.tid_len,
			.euicc_otpk = otpk, .euicc_otpk_len = sizeof(otpk), .eid = eu.eid_bcd,
			.dppb = s->dppb, .metadata = md.data, .metadata_len = md.len,
			.upp = p.upp.data, .upp_len = p.upp.len,
		};

		rc = smdp_bpp_build(&bp, &rs->bound_profile_package);
	}
	if (!rc)
		rc = sgp_buf_set(&rs->transaction_id, ss.tid, ss.tid_len);
	if (!rc)
		rc = smdp_profile_set_state(s->store, p.iccid, SMDP_PROFILE_DOWNLOADED);
	if (!rc)
		rc = sgp_store_prepare(s->store, "UPDATE smdp_session SET state = ?, expires_ms = ?"
				       " WHERE tid = ?", &st);
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 1, WAIT_NOTIFICATION);
	if (!rc)
		rc = sgp_stmt_bind_int64(st, 2, deadline(c));
	if (!rc)
		rc = sgp_stmt_bind_blob(st, 3, ss.tid, ss.tid_len);
	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc > 0)
		rc = 0;
	if (!rc) {
		s->stats.bpp_delivered++;
		LOGP(DSMDP, LOGL_INFO, "smdp: BPP of %s (%zu bytes) for %s", p.iccid,
		     rs->bound_profile_package.len, eu.eid);
	}
out:
	smdp_profile_release(&p);
	smdp_euicc_release(&eu);
	sgp_buf_free(&md);
	smdp_session_free(&ss);
	return rc;
}
