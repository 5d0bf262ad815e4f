/* sgp32lab: the eUICC model — ES10c profile management and the
 * notification functions (SGP.22 section 5.7.14 and following) */
#include "sim/euicc_int.h"
#include "core/err.h"

#include "GetEuiccDataRequest.h"
#include "GetEuiccDataResponse.h"

#include <string.h>

/* ES10c.GetEID (SGP.22 5.7.20): tagList must ask for the EID ('5A'). */
static int get_eid(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	GetEuiccDataRequest_t *req = NULL;
	GetEuiccDataResponse_t rsp;
	int rc = es10_decode(e, &asn_DEF_GetEuiccDataRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	if (req->tagList.size != 1 || req->tagList.buf[0] != 0x5A) {
		LOGPE(e, LOGL_NOTICE, "GetEID: tagList is not '5A'");
		rc = SGP_ERR_PARSE;
		goto out;
	}
	memset(&rsp, 0, sizeof(rsp));
	rsp.eidValue.buf = e->eid_bcd;
	rsp.eidValue.size = sizeof(e->eid_bcd);
	rc = es10_encode(e, &asn_DEF_GetEuiccDataResponse, &rsp, resp);
out:
	ASN_STRUCT_FREE(asn_DEF_GetEuiccDataRequest, req);
	return rc;
}

static const struct es10_function profile_fns[] = {
	{ 0xBF3E, "GetEID", get_eid },
};

const struct es10_table es10_profiles = {
	.fns = profile_fns,
	.count = sizeof(profile_fns) / sizeof(profile_fns[0]),
};
