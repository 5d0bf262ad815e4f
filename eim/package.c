/* sgp32lab: the eIM's eUICC packages — building, signing, checking results
 * (SGP.32 v1.2 sections 2.11.1 and 2.11.2) */
#include "eim/package.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "EimConfigurationData.h"
#include "EuiccPackageRequest.h"
#include "EuiccPackageResult.h"

#include <stdlib.h>
#include <string.h>

int eim_association_token_tlv(long token, struct sgp_buf *out)
{
	uint8_t v[sizeof(long) + 1];
	size_t n = 0;
	unsigned long u = (unsigned long)token;

	/* minimal two's complement, big endian (X.690 8.3) */
	for (size_t i = 0; i < sizeof(long); i++)
		v[i] = (uint8_t)(u >> (8 * (sizeof(long) - 1 - i)));
	while (n < sizeof(long) - 1 &&
	       ((v[n] == 0x00 && !(v[n + 1] & 0x80)) || (v[n] == 0xff && (v[n + 1] & 0x80))))
		n++;
	sgp_buf_reset(out);
	if (sgp_buf_append(out, (const uint8_t[]){ 0x84, (uint8_t)(sizeof(long) - n) }, 2) < 0 ||
	    sgp_buf_append(out, v + n, sizeof(long) - n) < 0)
		return SGP_ERR_NOMEM;
	return SGP_OK;
}

int eim_package_init(struct eim_package *p, enum eim_package_kind kind, const char *eim_id,
		     const uint8_t eid[16], long counter)
{
	EuiccPackageSigned_t *s;
	size_t idlen = eim_id ? strlen(eim_id) : 0;

	memset(p, 0, sizeof(*p));
	if (idlen < 1 || idlen > 128)
		return SGP_ERR_INVAL;
	p->kind = kind;
	p->req = calloc(1, sizeof(*p->req));
	if (!p->req)
		return SGP_ERR_NOMEM;
	s = &p->req->euiccPackageSigned;
	s->counterValue = counter;
	s->euiccPackage.present = kind == EIM_PACKAGE_PSMO ? EuiccPackage_PR_psmoList
							   : EuiccPackage_PR_ecoList;
	if (OCTET_STRING_fromBuf(&s->eimId, eim_id, (int)idlen) < 0 ||
	    OCTET_STRING_fromBuf(&s->eidValue, (const char *)eid, 16) < 0) {
		eim_package_free(p);
		return SGP_ERR_NOMEM;
	}
	return SGP_OK;
}

int eim_package_set_transaction_id(struct eim_package *p, const uint8_t *id, size_t len)
{
	EuiccPackageSigned_t *s = &p->req->euiccPackageSigned;

	if (len < 1 || len > 16)
		return SGP_ERR_INVAL;
	if (!s->eimTransactionId)
		s->eimTransactionId = calloc(1, sizeof(*s->eimTransactionId));
	if (!s->eimTransactionId ||
	    OCTET_STRING_fromBuf(s->eimTransactionId, (const char *)id, (int)len) < 0)
		return SGP_ERR_NOMEM;
	return SGP_OK;
}

void eim_package_free(struct eim_package *p)
{
	if (p->req)
		ASN_STRUCT_FREE(asn_DEF_EuiccPackageRequest, p->req);
	p->req = NULL;
}

size_t eim_package_count(const struct eim_package *p)
{
	const EuiccPackage_t *pk = &p->req->euiccPackageSigned.euiccPackage;

	return (size_t)(pk->present == EuiccPackage_PR_psmoList ? pk->choice.psmoList.list.count
								 : pk->choice.ecoList.list.count);
}

/* A new PSMO of this kind, appended; NULL on failure. */
static Psmo_t *psmo_add(struct eim_package *p, Psmo_PR kind)
{
	Psmo_t *m;

	if (p->kind != EIM_PACKAGE_PSMO)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->present = kind;
	if (ASN_SEQUENCE_ADD(&p->req->euiccPackageSigned.euiccPackage.choice.psmoList.list, m) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

static Eco_t *eco_add(struct eim_package *p, Eco_PR kind)
{
	Eco_t *m;

	if (p->kind != EIM_PACKAGE_ECO)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->present = kind;
	if (ASN_SEQUENCE_ADD(&p->req->euiccPackageSigned.euiccPackage.choice.ecoList.list, m) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

static int set_iccid(Iccid_t *dst, const uint8_t iccid[10])
{
	return OCTET_STRING_fromBuf(dst, (const char *)iccid, 10) < 0 ? SGP_ERR_NOMEM : SGP_OK;
}

/* The item just appended could not be filled: it stays in the list, freed
 * with the package; the package is then unusable (the caller frees it). */
#define PSMO_OR_FAIL(m, p, k) do { (m) = psmo_add((p), (k)); \
	if (!(m)) return (p)->kind == EIM_PACKAGE_PSMO ? SGP_ERR_NOMEM : SGP_ERR_INVAL; } while (0)
#define ECO_OR_FAIL(m, p, k) do { (m) = eco_add((p), (k)); \
	if (!(m)) return (p)->kind == EIM_PACKAGE_ECO ? SGP_ERR_NOMEM : SGP_ERR_INVAL; } while (0)

int eim_psmo_enable(struct eim_package *p, const uint8_t iccid[10], bool rollback)
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_enable);
	if (rollback) {
		m->choice.enable.rollbackFlag = calloc(1, sizeof(NULL_t));
		if (!m->choice.enable.rollbackFlag)
			return SGP_ERR_NOMEM;
	}
	return set_iccid(&m->choice.enable.iccid, iccid);
}

int eim_psmo_disable(struct eim_package *p, const uint8_t iccid[10])
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_disable);
	return set_iccid(&m->choice.disable.iccid, iccid);
}

int eim_psmo_delete(struct eim_package *p, const uint8_t iccid[10])
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_delete);
	return set_iccid(&m->choice.delete.iccid, iccid);
}

int eim_psmo_list_profile_info(struct eim_package *p)
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_listProfileInfo);
	return SGP_OK;
}

int eim_psmo_get_rat(struct eim_package *p)
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_getRAT);
	return SGP_OK;
}

int eim_psmo_configure_immediate_enable(struct eim_package *p, bool enable, const char *smdp_address)
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_configureImmediateEnable);
	if (enable) {
		m->choice.configureImmediateEnable.immediateEnableFlag = calloc(1, sizeof(NULL_t));
		if (!m->choice.configureImmediateEnable.immediateEnableFlag)
			return SGP_ERR_NOMEM;
	}
	if (smdp_address) {
		m->choice.configureImmediateEnable.defaultSmdpAddress =
			OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, smdp_address, -1);
		if (!m->choice.configureImmediateEnable.defaultSmdpAddress)
			return SGP_ERR_NOMEM;
	}
	return SGP_OK;
}

int eim_psmo_set_fallback_attribute(struct eim_package *p, const uint8_t iccid[10])
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_setFallbackAttribute);
	return set_iccid(&m->choice.setFallbackAttribute.iccid, iccid);
}

int eim_psmo_unset_fallback_attribute(struct eim_package *p)
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_unsetFallbackAttribute);
	return SGP_OK;
}

int eim_psmo_set_default_dp_address(struct eim_package *p, const char *address)
{
	Psmo_t *m;

	PSMO_OR_FAIL(m, p, Psmo_PR_setDefaultDpAddress);
	return OCTET_STRING_fromBuf(&m->choice.setDefaultDpAddress.defaultDpAddress, address, -1) < 0
		       ? SGP_ERR_NOMEM : SGP_OK;
}

/* Decode an EimConfigurationData into dst (a member of an Eco). */
static int eco_config(EimConfigurationData_t *dst, const uint8_t *cfg, size_t len)
{
	EimConfigurationData_t *c = NULL;
	struct der_error err;
	int rc = sgp_der_decode(&asn_DEF_EimConfigurationData, cfg, len, (void **)&c, &err);

	if (rc < 0) {
		LOGP(DEIM, LOGL_ERROR, "EimConfigurationData: %s", err.msg);
		return rc;
	}
	memcpy(dst, c, sizeof(*dst));	/* move the content, drop the shell */
	free(c);
	return SGP_OK;
}

int eim_eco_add_eim(struct eim_package *p, const uint8_t *cfg, size_t len)
{
	Eco_t *m;

	ECO_OR_FAIL(m, p, Eco_PR_addEim);
	return eco_config(&m->choice.addEim, cfg, len);
}

int eim_eco_update_eim(struct eim_package *p, const uint8_t *cfg, size_t len)
{
	Eco_t *m;

	ECO_OR_FAIL(m, p, Eco_PR_updateEim);
	return eco_config(&m->choice.updateEim, cfg, len);
}

int eim_eco_delete_eim(struct eim_package *p, const char *eim_id)
{
	Eco_t *m;

	ECO_OR_FAIL(m, p, Eco_PR_deleteEim);
	return OCTET_STRING_fromBuf(&m->choice.deleteEim.eimId, eim_id, -1) < 0 ? SGP_ERR_NOMEM : SGP_OK;
}

int eim_eco_list_eim(struct eim_package *p)
{
	Eco_t *m;

	ECO_OR_FAIL(m, p, Eco_PR_listEim);
	return SGP_OK;
}

/* DER(value) || '84' associationToken */
static int signed_data(const struct asn_TYPE_descriptor_s *td, const void *value, long token,
		       struct sgp_buf *tbs)
{
	struct sgp_buf t = SGP_BUF_INIT;
	struct der_error err;
	int rc = sgp_der_encode(td, value, tbs, &err);

	if (rc < 0) {
		LOGP(DEIM, LOGL_ERROR, "cannot encode %s: %s", sgp_der_type_name(td), err.msg);
		return rc;
	}
	rc = eim_association_token_tlv(token, &t);
	if (rc == SGP_OK)
		rc = sgp_buf_append(tbs, t.data, t.len);
	sgp_buf_free(&t);
	return rc;
}

int eim_package_sign(struct eim_package *p, const struct sgp_key *sk_eim, struct sgp_buf *out)
{
	struct sgp_buf tbs = SGP_BUF_INIT;
	uint8_t sig[SGP_ECDSA_RAW_LEN];
	struct der_error err;
	int rc;

	if (!p->req || eim_package_count(p) == 0)
		return SGP_ERR_INVAL;
	rc = signed_data(&asn_DEF_EuiccPackageSigned, &p->req->euiccPackageSigned,
			 p->association_token, &tbs);
	if (rc == SGP_OK)
		rc = sgp_ecdsa_sign(sk_eim, tbs.data, tbs.len, sig);
	if (rc == SGP_OK && OCTET_STRING_fromBuf(&p->req->eimSignature, (const char *)sig, sizeof(sig)) < 0)
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK)
		rc = sgp_der_encode(&asn_DEF_EuiccPackageRequest, p->req, out, &err);
	sgp_buf_free(&tbs);
	return rc;
}

int eim_config_encode(const struct eim_config *c, struct sgp_buf *out)
{
	EimConfigurationData_t *d = calloc(1, sizeof(*d));
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;
	int rc = SGP_ERR_NOMEM;

	if (!d)
		return SGP_ERR_NOMEM;
	if ((c->public_key && c->certificate) || !c->eim_id) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	if (OCTET_STRING_fromBuf(&d->eimId, c->eim_id, -1) < 0)
		goto out;
	if (c->eim_fqdn && !(d->eimFqdn = OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, c->eim_fqdn, -1)))
		goto out;
	if (c->eim_id_type) {
		if (!(d->eimIdType = calloc(1, sizeof(*d->eimIdType))))
			goto out;
		*d->eimIdType = c->eim_id_type;
	}
	if (c->has_counter) {
		if (!(d->counterValue = calloc(1, sizeof(long))))
			goto out;
		*d->counterValue = c->counter;
	}
	if (c->request_association_token) {
		if (!(d->associationToken = calloc(1, sizeof(long))))
			goto out;
		*d->associationToken = -1;
	}
	if (c->public_key || c->certificate) {
		const struct asn_TYPE_descriptor_s *td;
		void *v = NULL;

		if (!(d->eimPublicKeyData = calloc(1, sizeof(*d->eimPublicKeyData))))
			goto out;
		if (c->public_key) {
			rc = sgp_key_export_spki(c->public_key, &der);
			td = &asn_DEF_SubjectPublicKeyInfo;
			d->eimPublicKeyData->present = EimConfigurationData__eimPublicKeyData_PR_eimPublicKey;
		} else {
			unsigned char *p = NULL;
			int n = i2d_X509(c->certificate, &p);

			rc = n > 0 ? sgp_buf_set(&der, p, (size_t)n) : SGP_ERR_CRYPTO;
			OPENSSL_free(p);
			td = &asn_DEF_Certificate;
			d->eimPublicKeyData->present = EimConfigurationData__eimPublicKeyData_PR_eimCertificate;
		}
		if (rc == SGP_OK)
			rc = sgp_der_decode(td, der.data, der.len, &v, &err);
		if (rc < 0)
			goto out;
		/* both alternatives start the union: move the decoded value in */
		memcpy(&d->eimPublicKeyData->choice, v, c->public_key ? sizeof(SubjectPublicKeyInfo_t)
								      : sizeof(Certificate_t));
		free(v);
		rc = SGP_ERR_NOMEM;
	}
	if (c->euicc_ci_pkid &&
	    !(d->euiccCiPKId = OCTET_STRING_new_fromBuf(&asn_DEF_SubjectKeyIdentifier,
							(const char *)c->euicc_ci_pkid,
							(int)c->euicc_ci_pkid_len)))
		goto out;
	rc = sgp_der_encode(&asn_DEF_EimConfigurationData, d, out, &err);
out:
	sgp_buf_free(&der);
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, d);
	return rc;
}

static void copy_id(char dst[129], const UTF8String_t *s)
{
	size_t n = s->size < 128 ? (size_t)s->size : 128;

	memcpy(dst, s->buf, n);
	dst[n] = '\0';
}

int eim_result_verify(const uint8_t *der, size_t len, X509 *euicc_cert, long association_token,
		      struct eim_result *out)
{
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct der_error err;
	const OCTET_STRING_t *sig = NULL;
	EuiccPackageResult_t *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sgp_der_decode(&asn_DEF_EuiccPackageResult, der, len, (void **)&r, &err);
	if (rc < 0) {
		LOGP(DEIM, LOGL_NOTICE, "EuiccPackageResult: %s", err.msg);
		return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_PARSE;
	}
	switch (r->present) {
	case EuiccPackageResult_PR_euiccPackageResultSigned: {
		EuiccPackageResultDataSigned_t *d =
			&r->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
		out->kind = EIM_RESULT_SIGNED;
		copy_id(out->eim_id, &d->eimId);
		out->counter = d->counterValue;
		out->seq_number = d->seqNumber;
		sig = &r->choice.euiccPackageResultSigned.euiccSignEPR;
		rc = signed_data(&asn_DEF_EuiccPackageResultDataSigned, d, association_token, &tbs);
		break;
	}
	case EuiccPackageResult_PR_euiccPackageErrorSigned: {
		EuiccPackageErrorDataSigned_t *d =
			&r->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned;
		out->kind = EIM_RESULT_ERROR_SIGNED;
		copy_id(out->eim_id, &d->eimId);
		out->counter = d->counterValue;
		out->error_code = d->euiccPackageErrorCode;
		sig = &r->choice.euiccPackageErrorSigned.euiccSignEPE;
		rc = signed_data(&asn_DEF_EuiccPackageErrorDataSigned, d, association_token, &tbs);
		break;
	}
	case EuiccPackageResult_PR_euiccPackageErrorUnsigned:
		out->kind = EIM_RESULT_ERROR_UNSIGNED;
		copy_id(out->eim_id, &r->choice.euiccPackageErrorUnsigned.eimId);
		break;
	default:
		rc = SGP_ERR_PARSE;
	}
	if (rc == SGP_OK && sig)
		rc = sgp_ecdsa_verify_cert(euicc_cert, tbs.data, tbs.len, sig->buf, (size_t)sig->size);
	sgp_buf_free(&tbs);
	if (rc < 0) {
		ASN_STRUCT_FREE(asn_DEF_EuiccPackageResult, r);
		return rc;
	}
	out->value = r;
	return SGP_OK;
}

void eim_result_free(struct eim_result *r)
{
	if (r->value)
		ASN_STRUCT_FREE(asn_DEF_EuiccPackageResult, r->value);
	r->value = NULL;
}
