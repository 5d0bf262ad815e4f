/* sgp32lab: the eUICC model — ES10c profile management and the
 * notification functions (SGP.22 section 5.7.14 and following)
 *
 * The rules of enable / disable / delete live in profile_ops.c, the
 * profile list in profile_info.c, the notification functions in
 * es10_notifications.c; this file decodes the ES10c commands and encodes
 * their answers.  SGP.32 result codes that the SGP.22 responses do not
 * have (rollbackNotAvailable, returnFallbackProfile) are answered as
 * disallowedByPolicy there. */
#include "sim/profile_ops.h"
#include "core/err.h"

#include "DeleteProfileRequest.h"
#include "DeleteProfileResponse.h"
#include "DisableProfileRequest.h"
#include "DisableProfileResponse.h"
#include "EnableProfileRequest.h"
#include "EnableProfileResponse.h"
#include "EuiccMemoryResetRequest.h"
#include "EuiccMemoryResetResponse.h"
#include "GetEuiccDataRequest.h"
#include "GetEuiccDataResponse.h"
#include "GetRatRequest.h"
#include "GetRatResponse.h"
#include "SetNicknameRequest.h"
#include "SetNicknameResponse.h"

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

/* ES10c.GetProfilesInfo (SGP.22 5.7.15), answered in the SGP.32 form. */
static int get_profiles_info(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ProfileInfoListRequest_t *req = NULL;
	SGP32_ProfileInfoListResponse_t rsp;
	int rc = es10_decode(e, &asn_DEF_ProfileInfoListRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	rc = profile_info_list(e, req, &rsp);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_SGP32_ProfileInfoListResponse, &rsp, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SGP32_ProfileInfoListResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_ProfileInfoListRequest, req);
	return rc;
}

/* The profileIdentifier CHOICE of Enable/Disable/Delete. */
static void ref_from(struct profile_ref *ref, bool by_aid, const OCTET_STRING_t *id)
{
	memset(ref, 0, sizeof(*ref));
	if (by_aid) {
		ref->aid = id->buf;
		ref->aid_len = (size_t)id->size;
	} else {
		ref->iccid = id->buf;	/* Iccid: SIZE(10), checked by the decoder */
	}
}

/* The SGP.22 responses know no SGP.32-only code. */
static long es10c_result(enum profile_op_result r)
{
	if (r == PROFILE_OP_ROLLBACK_NOT_AVAILABLE || r == PROFILE_OP_RETURN_FALLBACK)
		return PROFILE_OP_DISALLOWED_BY_POLICY;
	return r;
}

/* ES10c.EnableProfile (SGP.22 5.7.16).  refreshFlag is accepted either
 * way: the model has no terminal to send a REFRESH to. */
static int enable_profile(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	EnableProfileRequest_t *req = NULL;
	EnableProfileResponse_t rsp;
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct profile_ref ref;
	int rc = es10_decode(e, &asn_DEF_EnableProfileRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ref_from(&ref, req->profileIdentifier.present == EnableProfileRequest__profileIdentifier_PR_isdpAid,
		 req->profileIdentifier.present == EnableProfileRequest__profileIdentifier_PR_isdpAid ?
		 &req->profileIdentifier.choice.isdpAid : &req->profileIdentifier.choice.iccid);
	rc = profile_op_enable(e, &ref, false, &r);
	memset(&rsp, 0, sizeof(rsp));
	rsp.enableResult = es10c_result(r);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EnableProfileResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_EnableProfileRequest, req);
	return rc;
}

/* ES10c.DisableProfile (SGP.22 5.7.17). */
static int disable_profile(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	DisableProfileRequest_t *req = NULL;
	DisableProfileResponse_t rsp;
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct profile_ref ref;
	int rc = es10_decode(e, &asn_DEF_DisableProfileRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ref_from(&ref, req->profileIdentifier.present == DisableProfileRequest__profileIdentifier_PR_isdpAid,
		 req->profileIdentifier.present == DisableProfileRequest__profileIdentifier_PR_isdpAid ?
		 &req->profileIdentifier.choice.isdpAid : &req->profileIdentifier.choice.iccid);
	rc = profile_op_disable(e, &ref, &r);
	memset(&rsp, 0, sizeof(rsp));
	rsp.disableResult = es10c_result(r);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_DisableProfileResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_DisableProfileRequest, req);
	return rc;
}

/* ES10c.DeleteProfile (SGP.22 5.7.18). */
static int delete_profile(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	DeleteProfileRequest_t *req = NULL;
	DeleteProfileResponse_t rsp;
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct profile_ref ref;
	int rc = es10_decode(e, &asn_DEF_DeleteProfileRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ref_from(&ref, req->present == DeleteProfileRequest_PR_isdpAid,
		 req->present == DeleteProfileRequest_PR_isdpAid ? &req->choice.isdpAid :
								   &req->choice.iccid);
	rc = profile_op_delete(e, &ref, &r);
	memset(&rsp, 0, sizeof(rsp));
	rsp.deleteResult = es10c_result(r);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_DeleteProfileResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_DeleteProfileRequest, req);
	return rc;
}

/* ES10c.eUICCMemoryReset (SGP.22 5.7.19), the SGP.22 form (BF34); bits
 * beyond resetDefaultSmdpAddress are not defined there and are ignored. */
static int euicc_memory_reset(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	EuiccMemoryResetRequest_t *req = NULL;
	EuiccMemoryResetResponse_t rsp;
	unsigned options = 0;
	bool done = false;
	int rc = es10_decode(e, &asn_DEF_EuiccMemoryResetRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	for (int bit = 0; bit <= 2; bit++)
		if (bit_string_has(&req->resetOptions, bit))
			options |= 1u << bit;
	rc = profile_op_memory_reset(e, options, &done);
	memset(&rsp, 0, sizeof(rsp));
	rsp.resetResult = done ? EuiccMemoryResetResponse__resetResult_ok :
				 EuiccMemoryResetResponse__resetResult_nothingToDelete;
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EuiccMemoryResetResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_EuiccMemoryResetRequest, req);
	return rc;
}

/* ES10c.SetNickname (SGP.22 5.7.21). */
static int set_nickname(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	SetNicknameRequest_t *req = NULL;
	SetNicknameResponse_t rsp;
	struct euicc_profile p;
	int rc = es10_decode(e, &asn_DEF_SetNicknameRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	rc = euicc_profile_get(e, req->iccid.buf, &p);
	if (rc == SGP_ERR_NOTFOUND) {
		rsp.setNicknameResult = SetNicknameResponse__setNicknameResult_iccidNotFound;
		rc = SGP_OK;
	} else if (rc == SGP_OK) {
		/* SIZE(0..64) counts characters; the record keeps 64 bytes */
		if ((size_t)req->profileNickname.size >= sizeof(p.nickname) ||
		    memchr(req->profileNickname.buf, 0, (size_t)req->profileNickname.size)) {
			LOGPE(e, LOGL_NOTICE, "SetNickname: nickname longer than 64 bytes");
			rsp.setNicknameResult = SetNicknameResponse__setNicknameResult_undefinedError;
		} else {
			memcpy(p.nickname, req->profileNickname.buf, (size_t)req->profileNickname.size);
			p.nickname[req->profileNickname.size] = '\0';
			rc = euicc_profile_put(e, &p);
			rsp.setNicknameResult = SetNicknameResponse__setNicknameResult_ok;
		}
		euicc_profile_release(&p);
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_SetNicknameResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_SetNicknameRequest, req);
	return rc;
}

/* ES10b.GetRAT (SGP.22 5.7.22): the lab's Rules Authorisation Table. */
static int get_rat(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	GetRatRequest_t *req = NULL;
	GetRatResponse_t rsp;
	int rc = es10_decode(e, &asn_DEF_GetRatRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_GetRatRequest, req);
	memset(&rsp, 0, sizeof(rsp));
	rc = euicc_rat_build(&rsp.rat);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_GetRatResponse, &rsp, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_GetRatResponse, &rsp);
	return rc;
}

static const struct es10_function profile_fns[] = {
	{ 0xBF3E, "GetEID", get_eid },
	{ 0xBF2D, "GetProfilesInfo", get_profiles_info },
	{ 0xBF31, "EnableProfile", enable_profile },
	{ 0xBF32, "DisableProfile", disable_profile },
	{ 0xBF33, "DeleteProfile", delete_profile },
	{ 0xBF34, "eUICCMemoryReset", euicc_memory_reset },
	{ 0xBF29, "SetNickname", set_nickname },
	{ 0xBF43, "GetRAT", get_rat },
	{ 0xBF28, "ListNotification", es10_list_notification },
	{ 0xBF2B, "RetrieveNotificationsList", es10_retrieve_notifications_list },
	{ 0xBF30, "RemoveNotificationFromList", es10_remove_notification_from_list },
};

const struct es10_table es10_profiles = {
	.fns = profile_fns,
	.count = sizeof(profile_fns) / sizeof(profile_fns[0]),
};
