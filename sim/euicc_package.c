/* sgp32lab: the eUICC model — ES10b.LoadEuiccPackage (SGP.32 v1.2 5.9.1)
 *
 * Verification, in this order, before anything is written:
 *   1. the eimId names an associated eIM, and
 *   2. eimSignature verifies with that eIM's key over
 *      DER(euiccPackageSigned) || associationToken ('84', 0 when none):
 *      else EuiccPackageErrorUnsigned (eimId, eimTransactionId, and the
 *      eIM's associationToken when it has one) — the eUICC cannot sign an
 *      answer to someone it could not authenticate;
 *   3. the EID is this eUICC's                 else invalidEid (3),
 *   4. counterValue > the stored counter       else replayError (4),
 *   5. counterValue <= 2^23 - 1                else counterValueOutOfRange (6),
 *   6. no emergency profile is enabled         else ecallActive (104),
 *   3-6 answered as a signed EuiccPackageErrorSigned.
 * A refused package writes nothing.  An accepted one stores the new
 * counter, then runs its PSMOs or eCOs in order; an item that fails answers
 * its own result code and the remaining items still run (each result is in
 * the list, so the eIM sees every outcome).  The signed result
 * (EuiccPackageResultSigned, new seqNumber) is also kept for the IPA until
 * the eIM acknowledges it (RetrieveNotificationsList / RemoveNotification-
 * FromList).  Refusals are not kept: they carry no seqNumber to
 * acknowledge, and the IPA has them in the response. */
#include "sim/sgp32_int.h"
#include "core/crypto/ecdsa.h"
#include "core/der/der.h"
#include "core/err.h"

#include "EimConfigurationData.h"
#include "EuiccPackageRequest.h"
#include "EuiccPackageResult.h"

#include <stdlib.h>
#include <string.h>

int sgp32_signed_data(struct euicc *e, const struct asn_TYPE_descriptor_s *td, const void *value,
		      long token, struct sgp_buf *tbs)
{
	uint8_t v[9];
	size_t n = 0;
	unsigned long long u = (unsigned long long)(long long)token;
	int rc = es10_encode(e, td, value, tbs);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < 8; i++)
		v[i] = (uint8_t)(u >> (56 - 8 * i));
	/* minimal two's complement content (X.690 8.3.2) */
	while (n < 7 && ((v[n] == 0 && !(v[n + 1] & 0x80)) || (v[n] == 0xff && (v[n + 1] & 0x80))))
		n++;
	if (sgp_buf_append(tbs, (const uint8_t[]){ 0x84, (uint8_t)(8 - n) }, 2) < 0 ||
	    sgp_buf_append(tbs, v + n, 8 - n) < 0)
		return SGP_ERR_NOMEM;
	return SGP_OK;
}

static int set_sig(OCTET_STRING_t *dst, const uint8_t sig[64])
{
	return OCTET_STRING_fromBuf(dst, (const char *)sig, 64) < 0 ? SGP_ERR_NOMEM : SGP_OK;
}

static int copy_os(OCTET_STRING_t *dst, const OCTET_STRING_t *src)
{
	return OCTET_STRING_fromBuf(dst, (const char *)src->buf, src->size) < 0 ? SGP_ERR_NOMEM : SGP_OK;
}

static int copy_txid(TransactionId_t **dst, const TransactionId_t *src)
{
	if (!src)
		return SGP_OK;
	*dst = OCTET_STRING_new_fromBuf(&asn_DEF_TransactionId, (const char *)src->buf, src->size);
	return *dst ? SGP_OK : SGP_ERR_NOMEM;
}

/* The eIM's address for the stored result: eimFqdn, else the eimId. */
static void eim_address(const EimConfigurationData_t *c, char out[256])
{
	const UTF8String_t *s = c->eimFqdn ? c->eimFqdn : &c->eimId;
	size_t n = s->size < 255 ? (size_t)s->size : 255;

	memcpy(out, s->buf, n);
	out[n] = '\0';
}

/* Sign and encode a result, and keep it (see the top of this file). */
static int issue(struct euicc *e, EuiccPackageResult_t *r, const EimConfigurationData_t *cfg,
		 struct sgp_buf *der)
{
	EuiccPackageResultDataSigned_t *d = &r->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
	struct sgp_buf tbs = SGP_BUF_INIT;
	uint8_t sig[64];
	char addr[256];
	uint32_t seq;
	int rc = euicc_card_next_seq(e, &seq);

	if (rc < 0)
		return rc;
	d->seqNumber = seq;
	rc = sgp32_signed_data(e, &asn_DEF_EuiccPackageResultDataSigned, d, euicc_eim_token(cfg), &tbs);
	if (rc == SGP_OK)
		rc = euicc_sign(e, tbs.data, tbs.len, sig);
	if (rc == SGP_OK)
		rc = set_sig(&r->choice.euiccPackageResultSigned.euiccSignEPR, sig);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EuiccPackageResult, r, der);
	eim_address(cfg, addr);
	if (rc == SGP_OK)
		rc = euicc_notification_add(e, EUICC_NOTIF_PACKAGE_RESULT, -1, addr, NULL,
					    der->data, der->len, seq);
	sgp_buf_free(&tbs);
	return rc;
}

int sgp32_package_result_issue(struct euicc *e, EuiccPackageResultDataSigned_t *data,
			       struct sgp_buf *der)
{
	EuiccPackageResult_t r;
	EimConfigurationData_t *cfg = NULL;
	struct euicc_eim m;
	char id[129];
	size_t n = data->eimId.size < 128 ? (size_t)data->eimId.size : 128;
	int rc;

	memcpy(id, data->eimId.buf, n);
	id[n] = '\0';
	rc = euicc_eim_get(e, id, &m);
	if (rc < 0)
		return rc;	/* the eIM is gone: nobody to answer */
	rc = euicc_eim_decode(e, &m, &cfg);
	euicc_eim_release(&m);
	if (rc < 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.present = EuiccPackageResult_PR_euiccPackageResultSigned;
	r.choice.euiccPackageResultSigned.euiccPackageResultDataSigned = *data;
	rc = issue(e, &r, cfg, der);
	*data = r.choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
	memset(&r.choice.euiccPackageResultSigned.euiccPackageResultDataSigned, 0, sizeof(*data));
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EuiccPackageResult, &r);
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, cfg);
	return rc;
}

/* EuiccPackageErrorUnsigned: nothing verified, nothing signed. */
static int answer_unsigned(struct euicc *e, const EuiccPackageSigned_t *s,
			   const EimConfigurationData_t *cfg, struct sgp_buf *resp)
{
	EuiccPackageResult_t r;
	EuiccPackageErrorUnsigned_t *u = &r.choice.euiccPackageErrorUnsigned;
	int rc;

	memset(&r, 0, sizeof(r));
	r.present = EuiccPackageResult_PR_euiccPackageErrorUnsigned;
	rc = copy_os(&u->eimId, &s->eimId);
	if (rc == SGP_OK)
		rc = copy_txid(&u->eimTransactionId, s->eimTransactionId);
	if (rc == SGP_OK && cfg && cfg->associationToken) {
		u->associationToken = calloc(1, sizeof(long));
		if (u->associationToken)
			*u->associationToken = *cfg->associationToken;
		else
			rc = SGP_ERR_NOMEM;
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EuiccPackageResult, &r, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EuiccPackageResult, &r);
	return rc;
}

/* EuiccPackageErrorSigned with code; signed, not kept. */
static int answer_error(struct euicc *e, const EuiccPackageSigned_t *s,
			const EimConfigurationData_t *cfg, long code, struct sgp_buf *resp)
{
	EuiccPackageResult_t r;
	EuiccPackageErrorDataSigned_t *d = &r.choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned;
	struct sgp_buf tbs = SGP_BUF_INIT;
	uint8_t sig[64];
	int rc;

	LOGPE(e, LOGL_NOTICE, "eUICC package refused: EuiccPackageErrorCode %ld", code);
	memset(&r, 0, sizeof(r));
	r.present = EuiccPackageResult_PR_euiccPackageErrorSigned;
	rc = copy_os(&d->eimId, &s->eimId);
	d->counterValue = s->counterValue;
	d->euiccPackageErrorCode = code;
	if (rc == SGP_OK)
		rc = copy_txid(&d->eimTransactionId, s->eimTransactionId);
	if (rc == SGP_OK)
		rc = sgp32_signed_data(e, &asn_DEF_EuiccPackageErrorDataSigned, d, euicc_eim_token(cfg), &tbs);
	if (rc == SGP_OK)
		rc = euicc_sign(e, tbs.data, tbs.len, sig);
	if (rc == SGP_OK)
		rc = set_sig(&r.choice.euiccPackageErrorSigned.euiccSignEPE, sig);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EuiccPackageResult, &r, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EuiccPackageResult, &r);
	sgp_buf_free(&tbs);
	return rc;
}

/* Steps 1-2: 0 when the signature verifies, SGP_ERR_VERIFY when not. */
static int verify_signature(struct euicc *e, const EuiccPackageRequest_t *req,
			    const EimConfigurationData_t *cfg)
{
	struct sgp_key *key = NULL;
	struct sgp_buf tbs = SGP_BUF_INIT;
	int rc = euicc_eim_key(e, cfg, &key);

	if (rc < 0)
		return SGP_ERR_VERIFY;	/* no usable key: nothing can verify */
	rc = sgp32_signed_data(e, &asn_DEF_EuiccPackageSigned, &req->euiccPackageSigned,
			       euicc_eim_token(cfg), &tbs);
	if (rc == SGP_OK)
		rc = sgp_ecdsa_verify(key, tbs.data, tbs.len, req->eimSignature.buf,
				      (size_t)req->eimSignature.size);
	if (rc == SGP_ERR_PARSE)
		rc = SGP_ERR_VERIFY;	/* not 64 bytes */
	sgp_key_free(key);
	sgp_buf_free(&tbs);
	return rc;
}

/* Run the items, build and issue the signed result into resp. */
static int execute(struct euicc *e, const EuiccPackageSigned_t *s, const EimConfigurationData_t *cfg,
		   struct sgp_buf *resp)
{
	EuiccPackageResult_t r;
	EuiccPackageResultDataSigned_t *d = &r.choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
	const EuiccPackage_t *pk = &s->euiccPackage;
	bool psmo = pk->present == EuiccPackage_PR_psmoList, any_rollback = false;
	int count = psmo ? pk->choice.psmoList.list.count : pk->choice.ecoList.list.count;
	int rc;

	memset(&r, 0, sizeof(r));
	r.present = EuiccPackageResult_PR_euiccPackageResultSigned;
	rc = copy_os(&d->eimId, &s->eimId);
	d->counterValue = s->counterValue;
	if (rc == SGP_OK)
		rc = copy_txid(&d->eimTransactionId, s->eimTransactionId);
	for (int i = 0; rc == SGP_OK && i < count; i++) {
		EuiccResultData_t *res = calloc(1, sizeof(*res));
		bool rollback = false;

		if (!res) {
			rc = SGP_ERR_NOMEM;
			break;
		}
		if (psmo)
			rc = euicc_psmo_run(e, pk->choice.psmoList.list.array[i], res, &rollback);
		else
			rc = euicc_eco_run(e, pk->choice.ecoList.list.array[i], res);
		any_rollback |= rollback;
		if (rc < 0 || ASN_SEQUENCE_ADD(&d->euiccResult.list, res) != 0) {
			ASN_STRUCT_FREE(asn_DEF_EuiccResultData, res);
			rc = rc < 0 ? rc : SGP_ERR_NOMEM;
		}
	}
	if (rc == SGP_OK)
		rc = issue(e, &r, cfg, resp);
	if (rc == SGP_OK && any_rollback) {
		/* what ProfileRollback answers with (es10_sgp32_state.c) */
		struct sgp32_state st;

		rc = sgp32_state_get(e, &st);
		if (rc == SGP_OK)
			rc = es10_encode(e, &asn_DEF_EuiccPackageResultDataSigned, d, &st.rollback_epr);
		if (rc == SGP_OK)
			rc = sgp32_state_put(e, &st);
		sgp32_state_release(&st);
	}
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EuiccPackageResult, &r);
	return rc;
}

int es10b_load_euicc_package(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	EuiccPackageRequest_t *req = NULL;
	EimConfigurationData_t *cfg = NULL;
	const EuiccPackageSigned_t *s;
	struct euicc_eim m = { 0 };
	char id[129];
	bool ecall = false;
	int rc = es10_decode(e, &asn_DEF_EuiccPackageRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	s = &req->euiccPackageSigned;
	memcpy(id, s->eimId.buf, s->eimId.size);	/* SIZE(1..128) checked by the decoder */
	id[s->eimId.size] = '\0';
	rc = euicc_eim_get(e, id, &m);
	if (rc == SGP_ERR_NOTFOUND) {
		LOGPE(e, LOGL_NOTICE, "eUICC package of unknown eIM '%s'", id);
		rc = answer_unsigned(e, s, NULL, resp);
		goto out;
	}
	if (rc == SGP_OK)
		rc = euicc_eim_decode(e, &m, &cfg);
	if (rc < 0)
		goto out;
	rc = verify_signature(e, req, cfg);
	if (rc == SGP_ERR_VERIFY) {
		LOGPE(e, LOGL_NOTICE, "eUICC package of '%s': eimSignature does not verify", id);
		rc = answer_unsigned(e, s, cfg, resp);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (s->eidValue.size != 16 || memcmp(s->eidValue.buf, e->eid_bcd, 16)) {
		rc = answer_error(e, s, cfg, EuiccPackageErrorCode_invalidEid, resp);
		goto out;
	}
	if (s->counterValue <= m.counter) {
		rc = answer_error(e, s, cfg, EuiccPackageErrorCode_replayError, resp);
		goto out;
	}
	if (s->counterValue > EUICC_EIM_COUNTER_MAX) {
		rc = answer_error(e, s, cfg, EuiccPackageErrorCode_counterValueOutOfRange, resp);
		goto out;
	}
	rc = sgp32_ecall_active(e, &ecall);
	if (rc == SGP_OK && ecall) {
		rc = answer_error(e, s, cfg, EuiccPackageErrorCode_ecallActive, resp);
		goto out;
	}
	if (rc < 0)
		goto out;
	/* accepted: the counter first, so an eCO that updates or deletes this
	 * eIM sees (and may replace) the new value */
	m.counter = s->counterValue;
	rc = euicc_eim_put(e, &m);
	if (rc == SGP_OK)
		rc = execute(e, s, cfg, resp);
out:
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, cfg);
	ASN_STRUCT_FREE(asn_DEF_EuiccPackageRequest, req);
	euicc_eim_release(&m);
	return rc;
}
