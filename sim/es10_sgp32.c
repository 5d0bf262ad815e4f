/* sgp32lab: the eUICC model — the ES10b functions SGP.32 v1.2 adds
 * (section 5.9): the function table, eIM configuration (AddInitialEim,
 * GetEimConfigurationData), GetCerts, ConfigureImmediateProfileEnabling,
 * SetDefaultDpAddress, eUICCMemoryReset and GetConnectivityParameters.
 * The others live in euicc_package.c (LoadEuiccPackage),
 * es10_sgp32_state.c (rollback, immediate enable, fallback, emergency) and
 * ipa_euicc_data.c. */
#include "sim/sgp32_int.h"
#include "sim/profile_ops.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/pki/pki.h"

#include "AddInitialEimRequest.h"
#include "AddInitialEimResponse.h"
#include "ConfigureImmediateProfileEnablingRequest.h"
#include "ConfigureImmediateProfileEnablingResponse.h"
#include "GetCertsRequest.h"
#include "GetCertsResponse.h"
#include "GetConnectivityParametersRequest.h"
#include "GetConnectivityParametersResponse.h"
#include "GetEimConfigurationDataRequest.h"
#include "GetEimConfigurationDataResponse.h"
#include "SGP32-EuiccMemoryResetRequest.h"
#include "SGP32-EuiccMemoryResetResponse.h"
#include "SGP32-SetDefaultDpAddressRequest.h"
#include "SGP32-SetDefaultDpAddressResponse.h"

#include <stdlib.h>
#include <string.h>

/* ES10b.GetEimConfigurationData (SGP.32 5.9.18): the eIM configurations,
 * all of them or the one whose eimId is asked for. */
static int get_eim_configuration_data(struct euicc *e, const uint8_t *cmd, size_t len,
				      struct sgp_buf *resp)
{
	GetEimConfigurationDataRequest_t *req = NULL;
	GetEimConfigurationDataResponse_t rsp;
	struct euicc_eim *eims = NULL;
	size_t n = 0;
	int rc = es10_decode(e, &asn_DEF_GetEimConfigurationDataRequest, cmd, len, (void **)&req);

	memset(&rsp, 0, sizeof(rsp));
	if (rc < 0)
		return rc;
	rc = euicc_eim_list(e, &eims, &n);
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		EimConfigurationData_t *cfg = NULL;
		struct der_error derr;

		if (req->searchCriteria &&
		    ((size_t)req->searchCriteria->choice.eimId.size != strlen(eims[i].eim_id) ||
		     memcmp(req->searchCriteria->choice.eimId.buf, eims[i].eim_id,
			    req->searchCriteria->choice.eimId.size)))
			continue;
		rc = sgp_der_decode(&asn_DEF_EimConfigurationData, eims[i].config.data,
				    eims[i].config.len, (void **)&cfg, &derr);
		if (rc < 0) {
			LOGPE(e, LOGL_ERROR, "stored eIM configuration of %s: %s", eims[i].eim_id, derr.msg);
			rc = SGP_ERR_STORE;
			break;
		}
		if (ASN_SEQUENCE_ADD(&rsp.eimConfigurationDataList.list, cfg) != 0) {
			ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, cfg);
			rc = SGP_ERR_NOMEM;
		}
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_GetEimConfigurationDataResponse, &rsp, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_GetEimConfigurationDataResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_GetEimConfigurationDataRequest, req);
	for (size_t i = 0; i < n; i++)
		euicc_eim_release(&eims[i]);
	free(eims);
	return rc;
}

/* ES10b.AddInitialEim (SGP.32 5.9.4): the first eIM configurations, only
 * while the eUICC has none (else associatedEimAlreadyExists).  All or
 * nothing: one bad entry refuses the whole list.  An entry's
 * associationToken -1 asks for a token, which the answer carries. */
static int add_initial_eim(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	AddInitialEimRequest_t *req = NULL;
	AddInitialEimResponse_t rsp;
	long err = 0;
	size_t n = 0;
	int count, rc = es10_decode(e, &asn_DEF_AddInitialEimRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	count = req->eimConfigurationDataList.list.count;
	rc = euicc_eim_count(e, &n);
	if (rc < 0)
		goto out;
	if (n > 0)
		err = AddInitialEimResponse__addInitialEimError_associatedEimAlreadyExists;
	else if (count == 0)
		err = AddInitialEimResponse__addInitialEimError_commandError;
	else if (count > EUICC_MAX_EIMS)
		err = AddInitialEimResponse__addInitialEimError_insufficientMemory;
	/* every check before the first write */
	for (int i = 0; !err && i < count; i++) {
		const EimConfigurationData_t *c = req->eimConfigurationDataList.list.array[i];

		err = (long)euicc_eim_config_check(e, c, true);
		for (int j = 0; !err && j < i; j++) {
			const UTF8String_t *a = &req->eimConfigurationDataList.list.array[j]->eimId;
			if (a->size == c->eimId.size && !memcmp(a->buf, c->eimId.buf, a->size))
				err = AddInitialEimResponse__addInitialEimError_associatedEimAlreadyExists;
		}
	}
	if (err) {
		LOGPE(e, LOGL_NOTICE, "AddInitialEim refused: %ld", err);
		rsp.present = AddInitialEimResponse_PR_addInitialEimError;
		rsp.choice.addInitialEimError = err;
	} else {
		rsp.present = AddInitialEimResponse_PR_addInitialEimOk;
	}
	for (int i = 0; !err && rc == SGP_OK && i < count; i++) {
		struct AddInitialEimResponse__addInitialEimOk__Member *item = calloc(1, sizeof(*item));
		bool has_token = false;
		long token = 0;

		rc = item ? euicc_eim_add(e, req->eimConfigurationDataList.list.array[i], &token, &has_token)
			  : SGP_ERR_NOMEM;
		if (rc == SGP_OK) {
			item->present = has_token ? AddInitialEimResponse__addInitialEimOk__Member_PR_associationToken
						  : AddInitialEimResponse__addInitialEimOk__Member_PR_addOk;
			item->choice.associationToken = has_token ? token : 0;
			if (ASN_SEQUENCE_ADD(&rsp.choice.addInitialEimOk.list, item) == 0)
				item = NULL;
			else
				rc = SGP_ERR_NOMEM;
		}
		free(item);
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_AddInitialEimResponse, &rsp, resp);
out:
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_AddInitialEimResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimRequest, req);
	return rc;
}

/* ES10b.GetCerts (SGP.32 5.9.3): CERT.EUM and CERT.EUICC.  With a CI PKID
 * it must be the CI the EUM certificate chains to (the eUICC holds one
 * certificate chain), else invalidCiPKId. */
static int get_certs(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	GetCertsRequest_t *req = NULL;
	GetCertsResponse_t rsp;
	struct sgp_buf aki = SGP_BUF_INIT;
	struct der_error err;
	void *c = NULL;
	int rc = es10_decode(e, &asn_DEF_GetCertsRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	if (req->euiccCiPKId) {
		rc = sgp_pki_cert_aki(e->eum, &aki);
		if (rc < 0)
			goto out;
		if (aki.len != (size_t)req->euiccCiPKId->size ||
		    memcmp(aki.data, req->euiccCiPKId->buf, aki.len)) {
			rsp.present = GetCertsResponse_PR_getCertsError;
			rsp.choice.getCertsError = GetCertsResponse__getCertsError_invalidCiPKId;
			rc = es10_encode(e, &asn_DEF_GetCertsResponse, &rsp, resp);
			goto out;
		}
	}
	rsp.present = GetCertsResponse_PR_certs;
	rc = sgp_der_decode(&asn_DEF_Certificate, e->eum_der.data, e->eum_der.len, &c, &err);
	if (rc == SGP_OK) {
		memcpy(&rsp.choice.certs.eumCertificate, c, sizeof(Certificate_t));
		free(c);
		rc = sgp_der_decode(&asn_DEF_Certificate, e->cert_der.data, e->cert_der.len, &c, &err);
	}
	if (rc == SGP_OK) {
		memcpy(&rsp.choice.certs.euiccCertificate, c, sizeof(Certificate_t));
		free(c);
		rc = es10_encode(e, &asn_DEF_GetCertsResponse, &rsp, resp);
	}
out:
	sgp_buf_free(&aki);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_GetCertsResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_GetCertsRequest, req);
	return rc;
}

/* ES10b.ConfigureImmediateProfileEnabling (SGP.32 5.9.17): by the IPA only
 * while no eIM is associated (then the eIM owns it: PSMO
 * configureImmediateEnable). */
static int configure_immediate_profile_enabling(struct euicc *e, const uint8_t *cmd, size_t len,
						struct sgp_buf *resp)
{
	ConfigureImmediateProfileEnablingRequest_t *req = NULL;
	ConfigureImmediateProfileEnablingResponse_t rsp = { 0 };
	struct euicc_card card;
	size_t n = 0;
	int rc = es10_decode(e, &asn_DEF_ConfigureImmediateProfileEnablingRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	rc = euicc_eim_count(e, &n);
	if (rc == SGP_OK)
		rc = euicc_card_get(e, &card);
	if (rc < 0)
		goto out;
	if (n > 0) {
		rsp.configImmediateEnableResult =
			ConfigureImmediateProfileEnablingResponse__configImmediateEnableResult_associatedEimAlreadyExists;
	} else if (req->defaultSmdpAddress &&
		   (size_t)req->defaultSmdpAddress->size >= sizeof(card.immediate_smdp)) {
		rsp.configImmediateEnableResult =
			ConfigureImmediateProfileEnablingResponse__configImmediateEnableResult_undefinedError;
	} else {
		card.immediate_enable = req->immediateEnableFlag != NULL;
		if (req->defaultSmdpAddress) {
			memcpy(card.immediate_smdp, req->defaultSmdpAddress->buf, req->defaultSmdpAddress->size);
			card.immediate_smdp[req->defaultSmdpAddress->size] = '\0';
		}
		rc = euicc_card_put(e, &card);
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_ConfigureImmediateProfileEnablingResponse, &rsp, resp);
out:
	ASN_STRUCT_FREE(asn_DEF_ConfigureImmediateProfileEnablingRequest, req);
	return rc;
}

/* ES10a.SetDefaultDpAddress, SGP.32 form (5.9.25, 'BF65'). */
static int set_default_dp_address(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	SGP32_SetDefaultDpAddressRequest_t *req = NULL;
	SGP32_SetDefaultDpAddressResponse_t rsp = { 0 };
	struct euicc_card card;
	int rc = es10_decode(e, &asn_DEF_SGP32_SetDefaultDpAddressRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	rc = euicc_card_get(e, &card);
	if (rc == SGP_OK && (size_t)req->defaultDpAddress.size >= sizeof(card.default_smdp)) {
		rsp.setDefaultDpAddressResult = 127;	/* undefinedError: no room */
	} else if (rc == SGP_OK) {
		memcpy(card.default_smdp, req->defaultDpAddress.buf, req->defaultDpAddress.size);
		card.default_smdp[req->defaultDpAddress.size] = '\0';
		rc = euicc_card_put(e, &card);
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_SGP32_SetDefaultDpAddressResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_SGP32_SetDefaultDpAddressRequest, req);
	return rc;
}

static int dup_result(long **dst, long v)
{
	*dst = calloc(1, sizeof(long));
	if (!*dst)
		return SGP_ERR_NOMEM;
	**dst = v;
	return SGP_OK;
}

/* ES10c.eUICCMemoryReset, SGP.32 form (5.9.5, 'BF64').  The lab does not
 * tell pre-loaded from field-loaded test profiles: either bit deletes the
 * test profiles.  Deleted profiles leave no notification (SGP.22 5.7.19);
 * records that name them (fallback return, rollback) go too. */
static int euicc_memory_reset(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	SGP32_EuiccMemoryResetRequest_t *req = NULL;
	SGP32_EuiccMemoryResetResponse_t rsp;
	const BIT_STRING_t *o;
	struct euicc_profile *v = NULL;
	struct euicc_card card;
	size_t n = 0;
	bool did = false;
	int rc = es10_decode(e, &asn_DEF_SGP32_EuiccMemoryResetRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	o = &req->resetOptions;
	rc = euicc_profile_list(e, &v, &n);
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		int c = v[i].profile_class;
		if ((c == EUICC_CLASS_OPERATIONAL && bit_string_has(o, 0)) ||
		    (c == EUICC_CLASS_TEST && (bit_string_has(o, 1) || bit_string_has(o, 3))) ||
		    (c == EUICC_CLASS_PROVISIONING && bit_string_has(o, 4))) {
			rc = euicc_profile_delete(e, v[i].iccid);
			did = true;
		}
	}
	if (rc == SGP_OK)
		rc = euicc_card_get(e, &card);
	if (rc == SGP_OK && did) {
		card.has_fallback = false;
		card.has_rollback = false;
	}
	if (rc == SGP_OK && bit_string_has(o, 2)) {
		card.default_smdp[0] = '\0';
		did = true;
	}
	if (rc == SGP_OK && bit_string_has(o, 5)) {
		struct euicc_eim *eims = NULL;
		size_t ne = 0;

		rc = euicc_eim_list(e, &eims, &ne);
		for (size_t i = 0; i < ne; i++) {
			if (rc == SGP_OK)
				rc = euicc_eim_delete(e, eims[i].eim_id);
			euicc_eim_release(&eims[i]);
		}
		free(eims);
		if (rc == SGP_OK)
			rc = dup_result(&rsp.resetEimResult, ne ? 0 : 1);
	}
	if (rc == SGP_OK && bit_string_has(o, 6)) {
		card.immediate_enable = false;
		card.immediate_smdp[0] = '\0';
		rc = dup_result(&rsp.resetImmediateEnableConfigResult, 0);
	}
	if (rc == SGP_OK)
		rc = euicc_card_put(e, &card);
	rsp.resetResult = did ? SGP32_EuiccMemoryResetResponse__resetResult_ok
			      : SGP32_EuiccMemoryResetResponse__resetResult_nothingToDelete;
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_SGP32_EuiccMemoryResetResponse, &rsp, resp);
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&v[i]);
	free(v);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SGP32_EuiccMemoryResetResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_SGP32_EuiccMemoryResetRequest, req);
	return rc;
}

/* ES10b.GetConnectivityParameters (SGP.32 5.9.24): the connectivity
 * parameters (httpParams) the enabled profile carries for the IPA.  The
 * lab's profiles carry none, so the answer is parametersNotAvailable. */
static int get_connectivity_parameters(struct euicc *e, const uint8_t *cmd, size_t len,
				       struct sgp_buf *resp)
{
	GetConnectivityParametersRequest_t *req = NULL;
	GetConnectivityParametersResponse_t rsp;
	int rc = es10_decode(e, &asn_DEF_GetConnectivityParametersRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_GetConnectivityParametersRequest, req);
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = GetConnectivityParametersResponse_PR_connectivityParametersError;
	rsp.choice.connectivityParametersError = ConnectivityParametersError_parametersNotAvailable;
	return es10_encode(e, &asn_DEF_GetConnectivityParametersResponse, &rsp, resp);
}

static const struct es10_function sgp32_fns[] = {
	{ 0xBF51, "LoadEuiccPackage", es10b_load_euicc_package },
	{ 0xBF52, "IpaEuiccDataRequest", es10b_ipa_euicc_data },
	{ 0xBF55, "GetEimConfigurationData", get_eim_configuration_data },
	{ 0xBF56, "GetCerts", get_certs },
	{ 0xBF57, "AddInitialEim", add_initial_eim },
	{ 0xBF58, "ProfileRollback", es10b_profile_rollback },
	{ 0xBF59, "ConfigureImmediateProfileEnabling", configure_immediate_profile_enabling },
	{ 0xBF5A, "ImmediateEnable", es10b_immediate_enable },
	{ 0xBF5B, "EnableEmergencyProfile", es10b_enable_emergency },
	{ 0xBF5C, "DisableEmergencyProfile", es10b_disable_emergency },
	{ 0xBF5D, "ExecuteFallbackMechanism", es10b_execute_fallback },
	{ 0xBF5E, "ReturnFromFallback", es10b_return_from_fallback },
	{ 0xBF5F, "GetConnectivityParameters", get_connectivity_parameters },
	{ 0xBF64, "eUICCMemoryReset", euicc_memory_reset },
	{ 0xBF65, "SetDefaultDpAddress", set_default_dp_address },
};

const struct es10_table es10_sgp32 = {
	.fns = sgp32_fns,
	.count = sizeof(sgp32_fns) / sizeof(sgp32_fns[0]),
};
