/* sgp32lab: the eUICC model — SGP.32 v1.2 ES10b functions that switch
 * profiles on the device's own initiative: ProfileRollback (5.9.16),
 * ImmediateEnable (5.9.15), ExecuteFallbackMechanism (5.9.20),
 * ReturnFromFallback (5.9.21), EnableEmergencyProfile (5.9.22),
 * DisableEmergencyProfile (5.9.23).
 *
 * Each one switches through profile_ops.c (the same rules and notifications
 * as every enable/disable) and records what it must undo only after the
 * switch succeeded.  refreshFlag TRUE in ImmediateEnable and the emergency
 * functions ends a pending rollback authorisation (SGP.32 v1.2, CR111007). */
#include "sim/sgp32_int.h"
#include "core/der/der.h"
#include "core/err.h"

#include "DisableEmergencyProfileRequest.h"
#include "DisableEmergencyProfileResponse.h"
#include "EnableEmergencyProfileRequest.h"
#include "EnableEmergencyProfileResponse.h"
#include "EuiccPackageResult.h"
#include "ExecuteFallbackMechanismRequest.h"
#include "ExecuteFallbackMechanismResponse.h"
#include "ImmediateEnableRequest.h"
#include "ImmediateEnableResponse.h"
#include "ProfileRollbackRequest.h"
#include "ProfileRollbackResponse.h"
#include "ReturnFromFallbackRequest.h"
#include "ReturnFromFallbackResponse.h"

#include <stdlib.h>
#include <string.h>

/* The refreshFlag of the one-field requests (all SEQUENCE { BOOLEAN }). */
static int decode_refresh(struct euicc *e, const struct asn_TYPE_descriptor_s *td,
			  const uint8_t *cmd, size_t len, bool *refresh)
{
	void *req = NULL;
	int rc = es10_decode(e, td, cmd, len, &req);

	if (rc < 0)
		return rc;
	*refresh = *(const BOOLEAN_t *)req != 0;	/* refreshFlag is the first member */
	sgp_der_free(td, req);
	return SGP_OK;
}

static int clear_rollback(struct euicc *e)
{
	struct euicc_card card;
	struct sgp32_state st;
	int rc = euicc_card_get(e, &card);

	if (rc == SGP_OK && card.has_rollback) {
		card.has_rollback = false;
		rc = euicc_card_put(e, &card);
	}
	if (rc == SGP_OK)
		rc = sgp32_state_get(e, &st);
	if (rc == SGP_OK) {
		sgp_buf_free(&st.rollback_epr);
		rc = sgp32_state_put(e, &st);
		sgp32_state_release(&st);
	}
	return rc;
}

static long switch_result(enum profile_op_result r)
{
	return r == PROFILE_OP_OK ? 0 : r == PROFILE_OP_CAT_BUSY ? 5 : 127;
}

/* Enable the profile iccid (no rollback). */
static int enable_iccid(struct euicc *e, const uint8_t iccid[10], enum profile_op_result *r)
{
	struct profile_ref ref = { .iccid = iccid };

	return profile_op_enable(e, &ref, false, r);
}

/* Switch to the profile iccid (fallback, emergency), noting the profile
 * enabled before it in prev (*has_prev false: none), the one to return to. */
static int switch_to(struct euicc *e, const uint8_t iccid[10], uint8_t prev[10], bool *has_prev,
		     enum profile_op_result *r)
{
	struct euicc_profile p;
	int rc = euicc_profile_get_enabled(e, &p);

	*has_prev = rc == SGP_OK;
	if (rc == SGP_OK) {
		memcpy(prev, p.iccid, 10);
		euicc_profile_release(&p);
	}
	if (rc == SGP_OK || rc == SGP_ERR_NOTFOUND)
		rc = enable_iccid(e, iccid, r);
	return rc;
}

/* Leave the profile iccid that switch_to() enabled: back to prev, or with
 * none noted, disable iccid. */
static int switch_back(struct euicc *e, const uint8_t iccid[10], bool has_prev,
		       const uint8_t prev[10], enum profile_op_result *r)
{
	struct profile_ref ref = { .iccid = iccid };

	return has_prev ? enable_iccid(e, prev, r) : profile_op_disable(e, &ref, r);
}

/* ProfileRollback: back to the profile enabled before the eIM's enable
 * with rollbackFlag; answered with a new signed eUICC Package Result of
 * that package: its results followed by rollbackResult ok.  (Our reading
 * of 5.9.16; the spec text is not at hand to check the result layout.) */
int es10b_profile_rollback(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ProfileRollbackResponse_t rsp;
	EuiccPackageResultDataSigned_t *d = NULL;
	struct sgp_buf der = SGP_BUF_INIT;
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct euicc_card card;
	struct sgp32_state st = { 0 };
	bool refresh;
	int rc = decode_refresh(e, &asn_DEF_ProfileRollbackRequest, cmd, len, &refresh);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	rc = euicc_card_get(e, &card);
	if (rc == SGP_OK)
		rc = sgp32_state_get(e, &st);
	if (rc < 0)
		goto out;
	if (!card.has_rollback || !st.rollback_epr.len) {
		rsp.cmdResult = ProfileRollbackResponse__cmdResult_rollbackNotAllowed;
		goto answer;
	}
	rc = enable_iccid(e, card.rollback_iccid, &r);
	if (rc < 0)
		goto out;
	if (r != PROFILE_OP_OK) {
		rsp.cmdResult = switch_result(r);
		goto answer;
	}
	rc = clear_rollback(e);
	if (rc == SGP_OK) {
		struct der_error err;
		EuiccResultData_t *res = calloc(1, sizeof(*res));

		rc = res ? sgp_der_decode(&asn_DEF_EuiccPackageResultDataSigned, st.rollback_epr.data,
					  st.rollback_epr.len, (void **)&d, &err) : SGP_ERR_NOMEM;
		if (rc == SGP_OK) {
			res->present = EuiccResultData_PR_rollbackResult;
			res->choice.rollbackResult = RollbackProfileResult_ok;
			if (ASN_SEQUENCE_ADD(&d->euiccResult.list, res) == 0)
				res = NULL;
			else
				rc = SGP_ERR_NOMEM;
		}
		free(res);
	}
	if (rc == SGP_OK)
		rc = sgp32_package_result_issue(e, d, &der);
	if (rc == SGP_OK) {
		struct der_error err;
		rc = sgp_der_decode(&asn_DEF_EuiccPackageResult, der.data, der.len,
				    (void **)&rsp.eUICCPackageResult, &err);
	}
	if (rc < 0)
		goto out;
answer:
	rc = es10_encode(e, &asn_DEF_ProfileRollbackResponse, &rsp, resp);
out:
	(void)refresh;
	if (d)
		ASN_STRUCT_FREE(asn_DEF_EuiccPackageResultDataSigned, d);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_ProfileRollbackResponse, &rsp);
	sgp32_state_release(&st);
	sgp_buf_free(&der);
	return rc;
}

/* ImmediateEnable: enable the profile just downloaded, when immediate
 * enabling is configured.  "Just downloaded" here: the most recently
 * installed profile, still disabled — after it has been enabled once, or
 * when another profile was installed after it, there is no session context. */
int es10b_immediate_enable(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ImmediateEnableResponse_t rsp = { 0 };
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct euicc_profile *v = NULL;
	struct euicc_card card;
	size_t n = 0;
	bool refresh;
	int rc = decode_refresh(e, &asn_DEF_ImmediateEnableRequest, cmd, len, &refresh);

	if (rc < 0)
		return rc;
	rc = euicc_card_get(e, &card);
	if (rc == SGP_OK)
		rc = euicc_profile_list(e, &v, &n);
	if (rc < 0)
		goto out;
	if (!card.immediate_enable) {
		rsp.immediateEnableResult = ImmediateEnableResponse__immediateEnableResult_immediateEnableNotAvailable;
	} else if (!n || v[n - 1].state != EUICC_PROFILE_DISABLED) {
		rsp.immediateEnableResult = ImmediateEnableResponse__immediateEnableResult_noSessionContext;
	} else {
		rc = enable_iccid(e, v[n - 1].iccid, &r);
		rsp.immediateEnableResult = switch_result(r);
		if (rc == SGP_OK && r == PROFILE_OP_OK && refresh)
			rc = clear_rollback(e);
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_ImmediateEnableResponse, &rsp, resp);
out:
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&v[i]);
	free(v);
	return rc;
}

/* ExecuteFallbackMechanism: enable the profile with the fallback attribute
 * and remember the profile to return to (card record fallback_iccid). */
int es10b_execute_fallback(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ExecuteFallbackMechanismResponse_t rsp = { 0 };
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct euicc_profile fb;
	struct euicc_card card;
	uint8_t cur[10];
	bool refresh, has_cur = false, ecall = false, have_fb = false;
	int rc = decode_refresh(e, &asn_DEF_ExecuteFallbackMechanismRequest, cmd, len, &refresh);

	if (rc < 0)
		return rc;
	rc = sgp32_ecall_active(e, &ecall);
	if (rc == SGP_OK && ecall) {
		rsp.executeFallbackMechanismResult = ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_ecallActive;
		goto answer;
	}
	if (rc == SGP_OK)
		rc = sgp32_find_fallback(e, &fb);
	have_fb = rc == SGP_OK;
	if (rc == SGP_ERR_NOTFOUND) {
		rsp.executeFallbackMechanismResult = ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_fallbackNotAvailable;
		rc = SGP_OK;
		goto answer;
	}
	if (rc < 0)
		return rc;
	if (fb.state == EUICC_PROFILE_ENABLED) {
		rsp.executeFallbackMechanismResult = ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_profileNotInDisabledState;
		goto answer;
	}
	rc = switch_to(e, fb.iccid, cur, &has_cur, &r);
	if (rc == SGP_OK) {
		rsp.executeFallbackMechanismResult = switch_result(r);
		if (r == PROFILE_OP_OK)
			rc = euicc_card_get(e, &card);
		if (r == PROFILE_OP_OK && rc == SGP_OK) {
			card.has_fallback = has_cur;
			if (has_cur)
				memcpy(card.fallback_iccid, cur, 10);
			rc = euicc_card_put(e, &card);
		}
	}
answer:
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_ExecuteFallbackMechanismResponse, &rsp, resp);
	if (have_fb)
		euicc_profile_release(&fb);
	return rc;
}

/* ReturnFromFallback: back to the profile enabled before the fallback (or
 * none: the fallback profile is disabled).  commandError when the fallback
 * profile is not the enabled one. */
int es10b_return_from_fallback(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ReturnFromFallbackResponse_t rsp = { 0 };
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct euicc_profile fb;
	struct euicc_card card;
	bool refresh;
	int rc = decode_refresh(e, &asn_DEF_ReturnFromFallbackRequest, cmd, len, &refresh);

	if (rc < 0)
		return rc;
	rc = sgp32_find_fallback(e, &fb);
	if (rc == SGP_ERR_NOTFOUND) {
		rsp.returnFromFallbackResult = ReturnFromFallbackResponse__returnFromFallbackResult_fallbackNotAvailable;
		return es10_encode(e, &asn_DEF_ReturnFromFallbackResponse, &rsp, resp);
	}
	if (rc < 0)
		return rc;
	rc = euicc_card_get(e, &card);
	if (rc == SGP_OK && fb.state != EUICC_PROFILE_ENABLED) {
		rsp.returnFromFallbackResult = ReturnFromFallbackResponse__returnFromFallbackResult_commandError;
	} else if (rc == SGP_OK) {
		rc = switch_back(e, fb.iccid, card.has_fallback, card.fallback_iccid, &r);
		rsp.returnFromFallbackResult = switch_result(r);
		if (rc == SGP_OK && r == PROFILE_OP_OK)
			rc = euicc_card_get(e, &card);
		if (rc == SGP_OK && r == PROFILE_OP_OK) {
			card.has_fallback = false;
			rc = euicc_card_put(e, &card);
		}
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_ReturnFromFallbackResponse, &rsp, resp);
	euicc_profile_release(&fb);
	return rc;
}

/* EnableEmergencyProfile: the profile whose metadata has ecallIndication
 * TRUE; the profile enabled before is kept to come back to. */
int es10b_enable_emergency(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	EnableEmergencyProfileResponse_t rsp = { 0 };
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct euicc_profile em;
	struct sgp32_state st;
	uint8_t cur[10];
	bool refresh, has_cur = false;
	int rc = decode_refresh(e, &asn_DEF_EnableEmergencyProfileRequest, cmd, len, &refresh);

	if (rc < 0)
		return rc;
	rc = sgp32_find_emergency(e, &em);
	if (rc == SGP_ERR_NOTFOUND) {
		rsp.enableEmergencyProfileResult = EnableEmergencyProfileResponse__enableEmergencyProfileResult_ecallNotAvailable;
		return es10_encode(e, &asn_DEF_EnableEmergencyProfileResponse, &rsp, resp);
	}
	if (rc < 0)
		return rc;
	if (em.state == EUICC_PROFILE_ENABLED) {
		rsp.enableEmergencyProfileResult = EnableEmergencyProfileResponse__enableEmergencyProfileResult_profileNotInDisabledState;
		goto answer;
	}
	rc = switch_to(e, em.iccid, cur, &has_cur, &r);
	if (rc == SGP_OK) {
		rsp.enableEmergencyProfileResult = switch_result(r);
		if (r == PROFILE_OP_OK && (rc = sgp32_state_get(e, &st)) == SGP_OK) {
			st.has_emergency_return = has_cur;
			if (has_cur)
				memcpy(st.emergency_return, cur, 10);
			rc = sgp32_state_put(e, &st);
			sgp32_state_release(&st);
		}
		if (rc == SGP_OK && r == PROFILE_OP_OK && refresh)
			rc = clear_rollback(e);
	}
answer:
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EnableEmergencyProfileResponse, &rsp, resp);
	euicc_profile_release(&em);
	return rc;
}

/* DisableEmergencyProfile: back to the profile enabled before (or none). */
int es10b_disable_emergency(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	DisableEmergencyProfileResponse_t rsp = { 0 };
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct euicc_profile em;
	struct sgp32_state st;
	bool refresh, have_em;
	int rc = decode_refresh(e, &asn_DEF_DisableEmergencyProfileRequest, cmd, len, &refresh);

	if (rc < 0)
		return rc;
	rc = sgp32_find_emergency(e, &em);
	have_em = rc == SGP_OK;
	if (rc < 0 && rc != SGP_ERR_NOTFOUND)
		return rc;
	if (!have_em || em.state != EUICC_PROFILE_ENABLED) {
		rsp.disableEmergencyProfileResult = DisableEmergencyProfileResponse__disableEmergencyProfileResult_profileNotInEnabledState;
		rc = SGP_OK;
		goto answer;
	}
	rc = sgp32_state_get(e, &st);
	if (rc < 0)
		goto answer;
	rc = switch_back(e, em.iccid, st.has_emergency_return, st.emergency_return, &r);
	rsp.disableEmergencyProfileResult = switch_result(r);
	if (rc == SGP_OK && r == PROFILE_OP_OK) {
		st.has_emergency_return = false;
		rc = sgp32_state_put(e, &st);
		if (rc == SGP_OK && refresh)
			rc = clear_rollback(e);
	}
	sgp32_state_release(&st);
answer:
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_DisableEmergencyProfileResponse, &rsp, resp);
	if (have_em)
		euicc_profile_release(&em);
	return rc;
}
