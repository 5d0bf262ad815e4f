/* sgp32lab: the eUICC model — eIM configurations and the eIM Configuration
 * Operations (SGP.32 v1.2 sections 2.11.1.1.1-2: addEim, deleteEim,
 * updateEim, listEim), shared with ES10b.AddInitialEim (5.9.4).
 *
 * The eIM's key (eimPublicKeyData) is an EC public key as a
 * SubjectPublicKeyInfo, or an eIM certificate whose key is used.  SGP.32
 * does not give the eIM certificate a chain to the GSMA CI, so the eUICC
 * checks only that the certificate decodes and carries a usable key on
 * one of the RSP curves; it does not verify a chain. */
#include "sim/sgp32_int.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/pki/pki.h"

#include "Eco.h"
#include "EimConfigurationData.h"
#include "EuiccResultData.h"

#include <stdlib.h>
#include <string.h>

static void eim_id_text(const UTF8String_t *s, char out[129])
{
	size_t n = s->size < 128 ? (size_t)s->size : 128;

	memcpy(out, s->buf, n);
	out[n] = '\0';
}

int euicc_eim_key(struct euicc *e, const EimConfigurationData_t *c, struct sgp_key **key)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;
	X509 *cert = NULL;
	int rc;

	*key = NULL;
	if (!c->eimPublicKeyData)
		return SGP_ERR_NOTFOUND;
	switch (c->eimPublicKeyData->present) {
	case EimConfigurationData__eimPublicKeyData_PR_eimPublicKey:
		rc = sgp_der_encode(&asn_DEF_SubjectPublicKeyInfo,
				    &c->eimPublicKeyData->choice.eimPublicKey, &der, &err);
		if (rc == SGP_OK)
			rc = sgp_key_import_spki(der.data, der.len, key);
		break;
	case EimConfigurationData__eimPublicKeyData_PR_eimCertificate:
		rc = sgp_der_encode(&asn_DEF_Certificate, &c->eimPublicKeyData->choice.eimCertificate,
				    &der, &err);
		if (rc == SGP_OK)
			rc = sgp_pki_cert_from_der(der.data, der.len, &cert);
		if (rc == SGP_OK)
			rc = sgp_key_from_evp(X509_get0_pubkey(cert), key);
		break;
	default:
		rc = SGP_ERR_PARSE;
	}
	X509_free(cert);
	sgp_buf_free(&der);
	if (rc < 0)
		LOGPE(e, LOGL_NOTICE, "eIM key unusable: %s", sgp_strerror(rc));
	return rc;
}

long euicc_eim_token(const EimConfigurationData_t *c)
{
	return c->associationToken ? *c->associationToken : 0;
}

enum eim_cfg_check euicc_eim_config_check(struct euicc *e, const EimConfigurationData_t *c,
					  bool require_key)
{
	struct sgp_key *key = NULL;

	if (c->counterValue && (*c->counterValue < 0 || *c->counterValue > EUICC_EIM_COUNTER_MAX))
		return EIM_CFG_COUNTER_RANGE;
	/* the eIM asks for a token with -1; any other value cannot come from
	 * the eUICC (tokens are its own) */
	if (c->associationToken && *c->associationToken != -1)
		return EIM_CFG_INVALID_TOKEN;
	if (c->euiccCiPKId) {
		bool known = false;

		for (size_t i = 0; i < e->n_ci && !known; i++) {
			struct sgp_buf ski = SGP_BUF_INIT;
			known = sgp_pki_cert_ski(e->ci[i], &ski) == SGP_OK &&
				ski.len == (size_t)c->euiccCiPKId->size &&
				!memcmp(ski.data, c->euiccCiPKId->buf, ski.len);
			sgp_buf_free(&ski);
		}
		if (!known)
			return EIM_CFG_CI_UNKNOWN;
	}
	if (!c->eimPublicKeyData)
		return require_key ? EIM_CFG_COMMAND_ERROR : EIM_CFG_OK;
	if (euicc_eim_key(e, c, &key) < 0)
		return EIM_CFG_COMMAND_ERROR;
	sgp_key_free(key);
	return EIM_CFG_OK;
}

int euicc_eim_count(struct euicc *e, size_t *n)
{
	struct euicc_eim *v = NULL;
	int rc = euicc_eim_list(e, &v, n);

	for (size_t i = 0; rc == SGP_OK && i < *n; i++)
		euicc_eim_release(&v[i]);
	free(v);
	return rc;
}

int euicc_eim_decode(struct euicc *e, const struct euicc_eim *m, EimConfigurationData_t **out)
{
	struct der_error err;
	int rc = sgp_der_decode(&asn_DEF_EimConfigurationData, m->config.data, m->config.len,
				(void **)out, &err);

	if (rc < 0) {
		LOGPE(e, LOGL_ERROR, "stored eIM configuration of %s: %s", m->eim_id, err.msg);
		return SGP_ERR_STORE;
	}
	return SGP_OK;
}

/* Store c for its eimId with this counter (config as given). */
static int eim_store(struct euicc *e, const EimConfigurationData_t *c, int64_t counter)
{
	struct euicc_eim m = { .counter = counter };
	struct der_error err;
	int rc;

	eim_id_text(&c->eimId, m.eim_id);
	rc = sgp_der_encode(&asn_DEF_EimConfigurationData, c, &m.config, &err);
	if (rc == SGP_OK)
		rc = euicc_eim_put(e, &m);
	euicc_eim_release(&m);
	return rc;
}

int euicc_eim_add(struct euicc *e, EimConfigurationData_t *c, long *token, bool *has_token)
{
	int rc = SGP_OK;

	*has_token = false;
	if (c->associationToken) {
		struct sgp32_state st;

		rc = sgp32_state_get(e, &st);
		if (rc < 0)
			return rc;
		*c->associationToken = (long)st.next_token++;
		*token = *c->associationToken;
		*has_token = true;
		rc = sgp32_state_put(e, &st);
		sgp32_state_release(&st);
	}
	if (rc == SGP_OK)
		rc = eim_store(e, c, c->counterValue ? *c->counterValue : 0);
	return rc;
}

/* A deep copy of a decoded configuration. */
static int eim_config_copy(const EimConfigurationData_t *c, EimConfigurationData_t **out)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;
	int rc = sgp_der_encode(&asn_DEF_EimConfigurationData, c, &der, &err);

	if (rc == SGP_OK)
		rc = sgp_der_decode(&asn_DEF_EimConfigurationData, der.data, der.len, (void **)out, &err);
	sgp_buf_free(&der);
	return rc;
}

static int eco_add_eim(struct euicc *e, const EimConfigurationData_t *req, AddEimResult_t *res)
{
	EimConfigurationData_t *c = NULL;
	struct euicc_eim old;
	char id[129];
	size_t n = 0;
	bool has_token;
	long token = 0;
	int rc;

	res->present = AddEimResult_PR_addEimResultCode;
	eim_id_text(&req->eimId, id);
	rc = euicc_eim_get(e, id, &old);
	if (rc == SGP_OK) {
		euicc_eim_release(&old);
		res->choice.addEimResultCode = AddEimResult__addEimResultCode_associatedEimAlreadyExists;
		return SGP_OK;
	}
	if (rc != SGP_ERR_NOTFOUND)
		return rc;
	rc = euicc_eim_count(e, &n);
	if (rc < 0)
		return rc;
	if (n >= EUICC_MAX_EIMS) {
		res->choice.addEimResultCode = AddEimResult__addEimResultCode_insufficientMemory;
		return SGP_OK;
	}
	res->choice.addEimResultCode = (long)euicc_eim_config_check(e, req, true);
	if (res->choice.addEimResultCode != EIM_CFG_OK)
		return SGP_OK;
	/* a private copy: the token is filled in */
	rc = eim_config_copy(req, &c);
	if (rc == SGP_OK)
		rc = euicc_eim_add(e, c, &token, &has_token);
	if (rc == SGP_OK && has_token) {
		res->present = AddEimResult_PR_associationToken;
		res->choice.associationToken = token;
	}
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, c);
	return rc;
}

static int eco_delete_eim(struct euicc *e, const UTF8String_t *eim_id, long *res)
{
	char id[129];
	size_t n = 0;
	int rc;

	eim_id_text(eim_id, id);
	rc = euicc_eim_delete(e, id);
	if (rc == SGP_ERR_NOTFOUND) {
		*res = DeleteEimResult_eimNotFound;
		return SGP_OK;
	}
	if (rc == SGP_OK)
		rc = euicc_eim_count(e, &n);
	if (rc < 0)
		return rc;
	/* The eIM may delete itself.  lastEimDeleted: done, and no eIM
	 * Configuration Data is left (the IPA may then AddInitialEim again). */
	*res = n == 0 ? DeleteEimResult_lastEimDeleted : DeleteEimResult_ok;
	return SGP_OK;
}

/* Swap a present optional member of upd into cur (absent ones keep the
 * stored value: SGP.32 v1.2, CR12010). */
#define TAKE(cur, upd, f) do { if ((upd)->f) { void *t_ = (cur)->f; (cur)->f = (upd)->f; \
	(upd)->f = t_; } } while (0)

static int eco_update_eim(struct euicc *e, const EimConfigurationData_t *req, long *res)
{
	EimConfigurationData_t *cur = NULL, *upd = NULL;
	struct euicc_eim m;
	int64_t counter;
	char id[129];
	int rc;

	eim_id_text(&req->eimId, id);
	rc = euicc_eim_get(e, id, &m);
	if (rc == SGP_ERR_NOTFOUND) {
		*res = UpdateEimResult_eimNotFound;
		return SGP_OK;
	}
	if (rc < 0)
		return rc;
	counter = m.counter;
	*res = (long)euicc_eim_config_check(e, req, false);
	/* a token is the eUICC's: an update cannot set one */
	if (*res == EIM_CFG_INVALID_TOKEN || (*res == EIM_CFG_OK && req->associationToken))
		*res = UpdateEimResult_commandError;
	if (*res != EIM_CFG_OK)
		goto out;
	rc = euicc_eim_decode(e, &m, &cur);
	if (rc == SGP_OK)
		rc = eim_config_copy(req, &upd);
	if (rc < 0)
		goto out;
	TAKE(cur, upd, eimFqdn);
	TAKE(cur, upd, eimIdType);
	TAKE(cur, upd, counterValue);
	TAKE(cur, upd, eimPublicKeyData);
	TAKE(cur, upd, trustedPublicKeyDataTls);
	TAKE(cur, upd, eimSupportedProtocol);
	TAKE(cur, upd, euiccCiPKId);
	TAKE(cur, upd, indirectProfileDownload);
	/* a counterValue given resets the replay counter (SGP.32 2.11.1.1.2:
	 * the way out of a counter near its maximum) */
	if (upd->counterValue)
		counter = *cur->counterValue;
	rc = eim_store(e, cur, counter);
out:
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, cur);
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, upd);
	euicc_eim_release(&m);
	return rc;
}

static int eco_list_eim(struct euicc *e, ListEimResult_t *res)
{
	struct euicc_eim *v = NULL;
	size_t n = 0;
	int rc = euicc_eim_list(e, &v, &n);

	res->present = ListEimResult_PR_eimIdList;
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		EimConfigurationData_t *c = NULL;
		EimIdInfo_t *info = calloc(1, sizeof(*info));

		rc = info ? euicc_eim_decode(e, &v[i], &c) : SGP_ERR_NOMEM;
		if (rc == SGP_OK && OCTET_STRING_fromBuf(&info->eimId, v[i].eim_id, -1) < 0)
			rc = SGP_ERR_NOMEM;
		/* eimIdType only for the OID and FQDN types (SGP.32 2.11.2.1) */
		if (rc == SGP_OK && c->eimIdType &&
		    (*c->eimIdType == EimIdType_eimIdTypeOid || *c->eimIdType == EimIdType_eimIdTypeFqdn)) {
			info->eimIdType = calloc(1, sizeof(*info->eimIdType));
			if (info->eimIdType)
				*info->eimIdType = *c->eimIdType;
			else
				rc = SGP_ERR_NOMEM;
		}
		if (rc == SGP_OK && ASN_SEQUENCE_ADD(&res->choice.eimIdList.list, info) == 0)
			info = NULL;
		else if (rc == SGP_OK)
			rc = SGP_ERR_NOMEM;
		if (info)
			ASN_STRUCT_FREE(asn_DEF_EimIdInfo, info);
		ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, c);
	}
	for (size_t i = 0; i < n; i++)
		euicc_eim_release(&v[i]);
	free(v);
	return rc;
}

int euicc_eco_run(struct euicc *e, const Eco_t *eco, EuiccResultData_t *out)
{
	switch (eco->present) {
	case Eco_PR_addEim:
		out->present = EuiccResultData_PR_addEimResult;
		return eco_add_eim(e, &eco->choice.addEim, &out->choice.addEimResult);
	case Eco_PR_deleteEim:
		out->present = EuiccResultData_PR_deleteEimResult;
		return eco_delete_eim(e, &eco->choice.deleteEim.eimId, &out->choice.deleteEimResult);
	case Eco_PR_updateEim:
		out->present = EuiccResultData_PR_updateEimResult;
		return eco_update_eim(e, &eco->choice.updateEim, &out->choice.updateEimResult);
	case Eco_PR_listEim:
		out->present = EuiccResultData_PR_listEimResult;
		return eco_list_eim(e, &out->choice.listEimResult);
	default:
		out->present = EuiccResultData_PR_processingTerminated;
		out->choice.processingTerminated = EuiccResultData__processingTerminated_unknownOrDamagedCommand;
		return SGP_OK;
	}
}
