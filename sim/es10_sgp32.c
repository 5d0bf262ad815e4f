/* sgp32lab: the eUICC model — the ES10b functions SGP.32 v1.2 adds
 * (section 5.9: eIM configuration, eUICC packages, IPA data requests,
 * immediate enable, rollback, fallback, emergency profile) */
#include "sim/euicc_int.h"
#include "core/der/der.h"
#include "core/err.h"

#include "GetEimConfigurationDataRequest.h"
#include "GetEimConfigurationDataResponse.h"

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

static const struct es10_function sgp32_fns[] = {
	{ 0xBF55, "GetEimConfigurationData", get_eim_configuration_data },
};

const struct es10_table es10_sgp32 = {
	.fns = sgp32_fns,
	.count = sizeof(sgp32_fns) / sizeof(sgp32_fns[0]),
};
