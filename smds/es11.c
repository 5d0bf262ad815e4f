/* sgp32lab: the SM-DS's ES11 server — the LPA/IPA authenticates with the
 * SM-DS as with an SM-DP+ and gets the Event Records of its EID (SGP.22
 * v2.5 sections 3.6.2 event retrieval, 5.8.1 ES11.InitiateAuthentication,
 * 5.8.2 ES11.AuthenticateClient; JSON binding as ES9+, 6.5).  Sessions are
 * rows of smds_session, removed when used or when they expire on the lab
 * clock. */
#include "smds/smds_int.h"
#include "core/crypto/random.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/rsp/auth.h"
#include "core/store/store.h"

#include "EUICCInfo1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TID_LEN 16

struct session {
	uint8_t tid[TID_LEN];
	uint8_t server_challenge[RSP_CHALLENGE_LEN];
	uint8_t ci_pkid[64];
	size_t ci_pkid_len;
};

/* --- sessions --- */

static void arm_sweep(struct smds *s)
{
	struct sgp_stmt *q;
	uint64_t now = sgp_clock_now_ms(s->cfg.clock), next;

	if (sgp_store_prepare(s->cfg.store, "SELECT min(expires_ms) FROM smds_session", &q) ||
	    sgp_stmt_step(q) != SGP_STORE_ROW)
		return;
	if (!sgp_stmt_column_is_null(q, 0)) {
		next = (uint64_t)sgp_stmt_column_int64(q, 0);
		sgp_timer_schedule(&s->sweep, next > now ? next - now : 0);
	}
	sgp_stmt_reset(q);
}

/* Timer: a device that went away leaves nothing behind. */
void smds_sessions_sweep(void *arg)
{
	struct smds *s = arg;
	struct sgp_stmt *q;
	int rc;

	rc = sgp_store_prepare(s->cfg.store, "DELETE FROM smds_session WHERE expires_ms <= ?", &q);
	if (!rc)
		rc = sgp_stmt_bind_int64(q, 1, (int64_t)sgp_clock_now_ms(s->cfg.clock));
	if (!rc)
		rc = sgp_stmt_step(q);
	if (rc < 0)
		LOGP(DSMDS, LOGL_ERROR, "session sweep: %s", sgp_strerror(rc));
	else if (sgp_store_changes(s->cfg.store))
		LOGP(DSMDS, LOGL_INFO, "%lld ES11 session(s) expired",
		     (long long)sgp_store_changes(s->cfg.store));
	arm_sweep(s);
}

static int session_store(struct smds *s, const struct session *ss)
{
	struct sgp_stmt *q;
	int rc;

	rc = sgp_store_prepare(s->cfg.store,
			       "INSERT INTO smds_session (transaction_id, server_challenge, ci_pkid,"
			       " expires_ms) VALUES (?, ?, ?, ?)", &q);
	if (!rc)
		rc = sgp_stmt_bind_blob(q, 1, ss->tid, TID_LEN);
	if (!rc)
		rc = sgp_stmt_bind_blob(q, 2, ss->server_challenge, RSP_CHALLENGE_LEN);
	if (!rc)
		rc = sgp_stmt_bind_blob(q, 3, ss->ci_pkid, ss->ci_pkid_len);
	if (!rc)
		rc = sgp_stmt_bind_int64(q, 4, (int64_t)(sgp_clock_now_ms(s->cfg.clock) +
							 s->cfg.session_timeout_ms));
	if (!rc)
		rc = sgp_stmt_step(q);
	if (!rc && !sgp_timer_pending(&s->sweep))
		sgp_timer_schedule(&s->sweep, s->cfg.session_timeout_ms);
	return rc;
}

/* Take a live session out of the store (a session serves one
 * AuthenticateClient); SGP_ERR_NOTFOUND if unknown or expired. */
static int session_take(struct smds *s, const uint8_t *tid, size_t tid_len, struct session *ss)
{
	struct sgp_stmt *q;
	const void *p;
	size_t n = 0;
	int rc;

	rc = sgp_store_prepare(s->cfg.store,
			       "SELECT server_challenge, ci_pkid FROM smds_session"
			       " WHERE transaction_id = ? AND expires_ms > ?", &q);
	if (!rc)
		rc = sgp_stmt_bind_blob(q, 1, tid, tid_len);
	if (!rc)
		rc = sgp_stmt_bind_int64(q, 2, (int64_t)sgp_clock_now_ms(s->cfg.clock));
	if (!rc)
		rc = sgp_stmt_step(q);
	if (rc == SGP_STORE_DONE)
		return SGP_ERR_NOTFOUND;
	if (rc != SGP_STORE_ROW)
		return rc < 0 ? rc : SGP_ERR_STORE;
	memcpy(ss->tid, tid, TID_LEN);
	p = sgp_stmt_column_blob(q, 0, &n);
	if (n == RSP_CHALLENGE_LEN)
		memcpy(ss->server_challenge, p, n);
	p = sgp_stmt_column_blob(q, 1, &ss->ci_pkid_len);
	if (n != RSP_CHALLENGE_LEN || ss->ci_pkid_len > sizeof(ss->ci_pkid)) {
		sgp_stmt_reset(q);
		return SGP_ERR_STORE;
	}
	memcpy(ss->ci_pkid, p, ss->ci_pkid_len);
	sgp_stmt_reset(q);
	rc = sgp_store_prepare(s->cfg.store, "DELETE FROM smds_session WHERE transaction_id = ?",
			       &q);
	if (!rc)
		rc = sgp_stmt_bind_blob(q, 1, tid, tid_len);
	if (!rc)
		rc = sgp_stmt_step(q);
	return rc;
}

/* --- helpers --- */

static int get_base64(json_t *obj, const char *name, const char *subject, struct sgp_buf *out,
		      struct smds_status *st)
{
	const char *text;
	int rc = smds_get_string(obj, name, 48 * 1024, subject, &text, st);

	if (!rc && (sgp_base64_decode(text, strlen(text), out) || !out->len))
		rc = smds_fail(st, subject, "2.1", "%s is not base64", name);
	return rc;
}

static int put_base64(json_t *obj, const char *name, const uint8_t *p, size_t len)
{
	char *b64 = sgp_base64_encode(p, len);
	int rc = b64 && !json_object_set_new(obj, name, json_string(b64)) ? SGP_OK :
								       SGP_ERR_NOMEM;

	free(b64);
	return rc;
}

/* The DER TLV of an element (tag, length, value), as the JSON binding
 * carries serverSignature1 ('5F37') and euiccCiPKIdToBeUsed ('04'). */
static int put_tlv64(json_t *obj, const char *name, uint32_t tag, const uint8_t *p, size_t len)
{
	struct sgp_buf b = SGP_BUF_INIT;
	int rc = sgp_der_put_tlv(&b, tag, p, len);

	if (!rc)
		rc = put_base64(obj, name, b.data, b.len);
	sgp_buf_free(&b);
	return rc;
}

static bool list_has(const struct EUICCInfo1__euiccCiPKIdListForVerification *l,
		     const uint8_t *p, size_t len)
{
	for (int i = 0; i < l->list.count; i++)
		if ((size_t)l->list.array[i]->size == len && !memcmp(l->list.array[i]->buf, p, len))
			return true;
	return false;
}

/* --- ES11.InitiateAuthentication (5.8.1) --- */

static int initiate(struct smds *s, json_t *req, json_t *rsp, struct smds_status *st)
{
	struct sgp_buf chal = SGP_BUF_INIT, info = SGP_BUF_INIT, ss1 = SGP_BUF_INIT;
	struct sgp_buf aki = SGP_BUF_INIT, cert = SGP_BUF_INIT;
	const struct sgp_pki *pki = s->cfg.pki;
	EUICCInfo1_t *ei1 = NULL;
	struct sgp_key *key = NULL;
	X509 *dsauth = sgp_pki_cert(pki, SGP_PKI_ROLE_DSAUTH);
	EVP_PKEY *dskey = sgp_pki_key(pki, SGP_PKI_ROLE_DSAUTH);
	const char *addr = NULL;
	struct der_error err;
	struct session ss;
	uint8_t sig[SGP_ECDSA_RAW_LEN];
	char tid_hex[2 * TID_LEN + 1];
	int rc;

	memset(&ss, 0, sizeof(ss));
	rc = get_base64(req, "euiccChallenge", "8.1", &chal, st);
	if (!rc && chal.len != RSP_CHALLENGE_LEN)
		rc = smds_fail(st, "8.1", "2.1", "euiccChallenge is not 16 bytes");
	if (!rc)
		rc = get_base64(req, "euiccInfo1", "8.1", &info, st);
	if (!rc && sgp_der_decode(&asn_DEF_EUICCInfo1, info.data, info.len, (void **)&ei1, &err))
		rc = smds_fail(st, "8.1", "2.1", "euiccInfo1: %s", err.msg);
	/* ES11 names the field smdsAddress; clients that reuse their ES9+
	 * code send smdpAddress */
	if (!rc)
		rc = smds_get_string(req, json_object_get(req, "smdsAddress") ? "smdsAddress" :
				     "smdpAddress", 255, "8.9.1", &addr, st);
	if (rc)
		goto out;
	/* 5.8.1: the address compared case-insensitively; 8.9.1 / 3.8 */
	if (strcasecmp(addr, s->address)) {
		rc = smds_fail(st, "8.9.1", "3.8", "SM-DS address refused: %s", addr);
		goto out;
	}
	/* specification version: this SM-DS speaks v2 (8.9.3 / 3.1) */
	if (ei1->svn.size != 3 || ei1->svn.buf[0] != 2) {
		rc = smds_fail(st, "8.9.3", "3.1", "specification version not supported");
		goto out;
	}
	/* a CI the eUICC signs with and this SM-DS trusts (8.9.2 / 3.1) */
	for (int i = 0; i < ei1->euiccCiPKIdListForSigning.list.count && !ss.ci_pkid_len; i++) {
		const SubjectKeyIdentifier_t *k = ei1->euiccCiPKIdListForSigning.list.array[i];

		if (sgp_pki_find_ci(pki, k->buf, (size_t)k->size) &&
		    (size_t)k->size <= sizeof(ss.ci_pkid)) {
			memcpy(ss.ci_pkid, k->buf, (size_t)k->size);
			ss.ci_pkid_len = (size_t)k->size;
		}
	}
	if (!ss.ci_pkid_len) {
		rc = smds_fail(st, "8.9.2", "3.1", "none of the CI PKIDs is supported");
		goto out;
	}
	/* CERT.DSauth must chain to a CI the eUICC verifies with (8.9.4 / 3.7) */
	if (!dsauth || !dskey || sgp_pki_cert_aki(dsauth, &aki) ||
	    !list_has((const void *)&ei1->euiccCiPKIdListForVerification, aki.data, aki.len)) {
		rc = smds_fail(st, "8.9.4", "3.7", "no CERT.DSauth for the eUICC's CIs");
		goto out;
	}
	rc = sgp_key_from_evp(dskey, &key);
	if (!rc)
		rc = sgp_random_bytes(ss.tid, TID_LEN);
	if (!rc)
		rc = sgp_random_bytes(ss.server_challenge, RSP_CHALLENGE_LEN);
	if (!rc)
		rc = rsp_auth_sign_server1(key, ss.tid, TID_LEN, chal.data, s->address,
					   ss.server_challenge, &ss1, sig);
	if (!rc)
		rc = sgp_pki_cert_der(dsauth, &cert);
	if (!rc)
		rc = session_store(s, &ss);
	if (rc)
		goto out;
	sgp_hex_encode_to(tid_hex, ss.tid, TID_LEN, true);
	if (json_object_set_new(rsp, "transactionId", json_string(tid_hex)) ||
	    put_base64(rsp, "serverSigned1", ss1.data, ss1.len) ||
	    put_tlv64(rsp, "serverSignature1", 0x5F37, sig, sizeof(sig)) ||
	    put_tlv64(rsp, "euiccCiPKIdToBeUsed", 0x04, ss.ci_pkid, ss.ci_pkid_len) ||
	    put_base64(rsp, "serverCertificate", cert.data, cert.len))
		rc = SGP_ERR_NOMEM;
	else
		LOGP(DSMDS, LOGL_INFO, "ES11 session %s opened", tid_hex);
out:
	sgp_der_free(&asn_DEF_EUICCInfo1, ei1);
	sgp_key_free(key);
	sgp_buf_free(&chal);
	sgp_buf_free(&info);
	sgp_buf_free(&ss1);
	sgp_buf_free(&aki);
	sgp_buf_free(&cert);
	return rc;
}

static void answer(struct http_request *req, const char *function, int rc, json_t *rsp,
		   const struct smds_status *st)
{
	if (rc == SGP_OK || rc == SGP_ERR_PEER) {
		smds_reply(req, rsp, rc ? st : NULL);
		return;
	}
	json_decref(rsp);
	LOGP(DSMDS, LOGL_ERROR, "%s: %s", function, sgp_strerror(rc));
	http_request_reply(req, 500, NULL, NULL, NULL, 0);
}

void smds_es11_initiate_authentication(struct http_request *req, void *arg)
{
	struct smds_status st;
	json_t *root = smds_request_json(req, "initiateAuthentication"), *rsp;
	int rc;

	if (!root)
		return;
	rsp = json_object();
	rc = rsp ? initiate(arg, root, rsp, &st) : SGP_ERR_NOMEM;
	json_decref(root);
	answer(req, "initiateAuthentication", rc, rsp, &st);
}

/* --- ES11.AuthenticateClient (5.8.2) --- */

/* Why the eUICC's answer was refused, as the status of 5.8.2. */
static int auth_status(const struct rsp_auth_status *a, struct smds_status *st)
{
	const char *what = rsp_auth_reason_str(a->reason);
	bool expired = a->pki_result == SGP_PKI_EXPIRED || a->pki_result == SGP_PKI_NOT_YET_VALID;

	switch (a->reason) {
	case RSP_AUTH_BAD_CERTIFICATE:
		if (a->pki_result == SGP_PKI_UNKNOWN_CI)
			return smds_fail(st, "8.11.1", "3.9", "CI public key unknown");
		return smds_fail(st, a->pki_depth ? "8.1.2" : "8.1.3", expired ? "6.3" : "6.1",
				 "%s: %s", a->pki_depth ? "EUM certificate" : "eUICC certificate",
				 sgp_pki_result_str(a->pki_result));
	case RSP_AUTH_TID_MISMATCH:
		return smds_fail(st, "8.10.1", "3.9", "%s", what);
	case RSP_AUTH_EUICC_ERROR:
		return smds_fail(st, "8.1", "3.8", "the eUICC refused: authenticateErrorCode %ld",
				 a->error_code);
	case RSP_AUTH_MALFORMED:
		return smds_fail(st, "8.1", "2.1", "authenticateServerResponse: %s", what);
	default:	/* signature, serverChallenge, serverAddress */
		return smds_fail(st, "8.1", "6.1", "eUICC verification failed: %s", what);
	}
}

struct entries {
	json_t *list;
	size_t n;
};

static int add_entry(const struct smds_event *ev, void *arg)
{
	struct entries *e = arg;

	e->n++;
	return json_array_append_new(e->list, json_pack("{s:s,s:s}", "eventId", ev->event_id,
						       "rspServerAddress",
						       ev->rsp_server_address)) ? SGP_ERR_NOMEM : 0;
}

static int find_entry(const struct smds_event *ev, void *arg)
{
	struct entries *e = arg;
	const char *want = json_string_value(json_array_get(e->list, 0));

	if (strcmp(ev->event_id, want))
		return 0;
	json_array_clear(e->list);
	return add_entry(ev, e) ? SGP_ERR_NOMEM : 1;
}

static int authenticate(struct smds *s, json_t *req, json_t *rsp, struct smds_status *st)
{
	struct sgp_buf tid = SGP_BUF_INIT, asr = SGP_BUF_INIT;
	struct rsp_auth_status ast;
	struct rsp_euicc eu;
	struct sgp_buf aki = SGP_BUF_INIT;
	struct entries e = { NULL, 0 };
	struct session ss;
	const char *tid_text;
	int rc;

	memset(&eu, 0, sizeof(eu));
	rc = smds_get_string(req, "transactionId", 2 * TID_LEN, "8.10.1", &tid_text, st);
	if (!rc && (strspn(tid_text, "0123456789abcdefABCDEF") != strlen(tid_text) ||
		    sgp_hex_decode(tid_text, &tid) || !tid.len))
		rc = smds_fail(st, "8.10.1", "2.1", "transactionId is not hex");
	if (!rc)
		rc = get_base64(req, "authenticateServerResponse", "8.1", &asr, st);
	if (rc)
		goto out;
	rc = tid.len == TID_LEN ? session_take(s, tid.data, tid.len, &ss) : SGP_ERR_NOTFOUND;
	if (rc == SGP_ERR_NOTFOUND)
		rc = smds_fail(st, "8.10.1", "3.9", "transactionId unknown");
	if (rc)
		goto out;
	/* 5.8.2: the same checks as an SM-DP+'s (5.6.3), the session being
	 * gone whatever the outcome */
	rc = rsp_auth_check_authenticate_server_response(
		DSMDS, s->cfg.pki, sgp_clock_now(s->cfg.clock), ss.tid, TID_LEN,
		ss.server_challenge, s->address, asr.data, asr.len, &eu, &ast);
	if (rc == SGP_ERR_PARSE || rc == SGP_ERR_VERIFY || rc == SGP_ERR_PEER) {
		rc = auth_status(&ast, st);
		goto out;
	}
	if (rc)
		goto out;
	/* the eUICC's chain must end in the CI chosen for this session */
	if (sgp_pki_cert_aki(eu.eum, &aki) || aki.len != ss.ci_pkid_len ||
	    memcmp(aki.data, ss.ci_pkid, aki.len)) {
		rc = smds_fail(st, "8.11.1", "3.9", "the eUICC used another CI");
		goto out;
	}
	e.list = json_array();
	if (!e.list) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	if (eu.has_matching_id && eu.matching_id[0]) {
		/* the eUICC asks for one event (its Matching ID is the EventID) */
		json_array_append_new(e.list, json_string(eu.matching_id));
		rc = smds_events_foreach(s->cfg.store, eu.eid, find_entry, &e);
		if (rc == 0)
			rc = smds_fail(st, "8.9.5", "3.9", "Event Record unknown");
		else if (rc == 1)
			rc = SGP_OK;
	} else {
		rc = smds_events_foreach(s->cfg.store, eu.eid, add_entry, &e);
	}
	if (rc)
		goto out;
	if (json_object_set_new(rsp, "transactionId", json_string(tid_text)) ||
	    json_object_set(rsp, "eventEntries", e.list)) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	LOGP(DSMDS, LOGL_INFO, "ES11 session %s: EID %s, %zu event(s)", tid_text, eu.eid, e.n);
out:
	json_decref(e.list);
	rsp_euicc_release(&eu);
	sgp_buf_free(&tid);
	sgp_buf_free(&asr);
	sgp_buf_free(&aki);
	return rc;
}

void smds_es11_authenticate_client(struct http_request *req, void *arg)
{
	struct smds_status st;
	json_t *root = smds_request_json(req, "authenticateClient"), *rsp;
	int rc;

	if (!root)
		return;
	rsp = json_object();
	rc = rsp ? authenticate(arg, root, rsp, &st) : SGP_ERR_NOMEM;
	json_decref(root);
	answer(req, "authenticateClient", rc, rsp, &st);
}
