/* sgp32lab: the eUICC model — the Profile State Management Operations of
 * an eUICC package (SGP.32 v1.2 section 2.11.1.1.3 and 5.9.1).
 *
 * enable/disable/delete go through profile_ops.c, the rules ES10c uses too.
 * getRAT: the lab eUICC holds no Rules Authorisation Table (it accepts no
 * PPR), so the table is empty. */
#include "sim/sgp32_int.h"
#include "core/err.h"

#include "EuiccResultData.h"
#include "Psmo.h"
#include "SGP32-StoreMetadataRequest.h"

#include <stdlib.h>
#include <string.h>

/* The profile_op result as the PSMO result: the values are the ASN.1 ones;
 * what a PSMO result lacks is undefinedError. */
static long op_result(enum profile_op_result r, const long *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (allowed[i] == (long)r)
			return (long)r;
	return 127;
}

static int psmo_state_op(struct euicc *e, const Psmo_t *m, long *res, bool *rollback)
{
	static const long enable_ok[] = { 0, 1, 2, 3, 5, 20 };
	static const long disable_ok[] = { 0, 1, 2, 3, 5 };
	static const long delete_ok[] = { 0, 1, 2, 3, 20, 21 };
	enum profile_op_result r = PROFILE_OP_UNDEFINED;
	struct profile_ref ref = { 0 };
	const Iccid_t *iccid;
	int rc;

	iccid = m->present == Psmo_PR_enable ? &m->choice.enable.iccid :
		m->present == Psmo_PR_disable ? &m->choice.disable.iccid : &m->choice.delete.iccid;
	if (iccid->size != 10) {
		*res = 1;	/* no profile has such an ICCID */
		return SGP_OK;
	}
	ref.iccid = iccid->buf;
	switch (m->present) {
	case Psmo_PR_enable:
		rc = profile_op_enable(e, &ref, m->choice.enable.rollbackFlag != NULL, &r);
		*res = op_result(r, enable_ok, sizeof(enable_ok) / sizeof(enable_ok[0]));
		*rollback = rc == SGP_OK && r == PROFILE_OP_OK && m->choice.enable.rollbackFlag;
		return rc;
	case Psmo_PR_disable:
		rc = profile_op_disable(e, &ref, &r);
		*res = op_result(r, disable_ok, sizeof(disable_ok) / sizeof(disable_ok[0]));
		return rc;
	default:
		rc = profile_op_delete(e, &ref, &r);
		*res = op_result(r, delete_ok, sizeof(delete_ok) / sizeof(delete_ok[0]));
		return rc;
	}
}

/* Is tag (1 or 2 bytes) in the tagList?  No tagList: every tag. */
static bool wanted(const OCTET_STRING_t *tags, unsigned tag)
{
	if (!tags)
		return true;
	for (int i = 0; i < tags->size; i++) {
		unsigned t = tags->buf[i];
		if ((t & 0x1f) == 0x1f && i + 1 < tags->size)
			t = t << 8 | tags->buf[++i];
		if (t == tag)
			return true;
	}
	return false;
}

static int dup_str(UTF8String_t **dst, const char *s)
{
	*dst = OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, s, -1);
	return *dst ? SGP_OK : SGP_ERR_NOMEM;
}

static int dup_long(long **dst, long v)
{
	*dst = calloc(1, sizeof(long));
	if (!*dst)
		return SGP_ERR_NOMEM;
	**dst = v;
	return SGP_OK;
}

static int dup_bool(BOOLEAN_t **dst, int v)
{
	*dst = calloc(1, sizeof(BOOLEAN_t));
	if (!*dst)
		return SGP_ERR_NOMEM;
	**dst = v;
	return SGP_OK;
}

/* One SGP32-ProfileInfo of p with the tags asked for (SGP.32 4.4). */
static int profile_info(struct euicc *e, const struct euicc_profile *p, const OCTET_STRING_t *tags,
			SGP32_ProfileInfo_t *pi)
{
	SGP32_StoreMetadataRequest_t *md = NULL;
	int rc = sgp32_profile_metadata(e, p, &md);

	if (rc == SGP_OK && wanted(tags, 0x5A) &&
	    !(pi->iccid = OCTET_STRING_new_fromBuf(&asn_DEF_Iccid, (const char *)p->iccid, 10)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && wanted(tags, 0x4F) &&
	    !(pi->isdpAid = OCTET_STRING_new_fromBuf(&asn_DEF_OctetTo16, (const char *)p->isdp_aid,
						     (int)p->isdp_aid_len)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && wanted(tags, 0x9F70))
		rc = dup_long(&pi->profileState, p->state);
	if (rc == SGP_OK && wanted(tags, 0x90) && p->nickname[0])
		rc = dup_str(&pi->profileNickname, p->nickname);
	if (rc == SGP_OK && wanted(tags, 0x91))
		rc = dup_str(&pi->serviceProviderName, p->service_provider_name);
	if (rc == SGP_OK && wanted(tags, 0x92))
		rc = dup_str(&pi->profileName, p->profile_name);
	if (rc == SGP_OK && wanted(tags, 0x95))
		rc = dup_long(&pi->profileClass, p->profile_class);
	/* DEFAULT FALSE: encoded only when set */
	if (rc == SGP_OK && wanted(tags, 0x9F26) && p->fallback)
		rc = dup_bool(&pi->fallbackAttribute, 1);
	if (rc == SGP_OK && md) {
		/* the metadata's own values, moved over */
		if (wanted(tags, 0xB6)) {
			pi->notificationConfigurationInfo =
				(void *)md->notificationConfigurationInfo;
			md->notificationConfigurationInfo = NULL;
		}
		if (wanted(tags, 0xB7)) {
			pi->profileOwner = md->profileOwner;
			md->profileOwner = NULL;
		}
		if (wanted(tags, 0x99)) {
			pi->profilePolicyRules = md->profilePolicyRules;
			md->profilePolicyRules = NULL;
		}
		if (wanted(tags, 0x9F7B)) {
			pi->ecallIndication = md->ecallIndication;
			md->ecallIndication = NULL;
		}
		if (wanted(tags, 0x9F67)) {
			pi->fallbackAllowed = md->fallbackAllowed;
			md->fallbackAllowed = NULL;
		}
	}
	if (md)
		ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, md);
	return rc;
}

static bool matches(const ProfileInfoListRequest_t *req, const struct euicc_profile *p)
{
	const struct ProfileInfoListRequest__searchCriteria *c = req->searchCriteria;

	if (!c)
		return true;
	switch (c->present) {
	case ProfileInfoListRequest__searchCriteria_PR_isdpAid:
		return (size_t)c->choice.isdpAid.size == p->isdp_aid_len &&
		       !memcmp(c->choice.isdpAid.buf, p->isdp_aid, p->isdp_aid_len);
	case ProfileInfoListRequest__searchCriteria_PR_iccid:
		return c->choice.iccid.size == 10 && !memcmp(c->choice.iccid.buf, p->iccid, 10);
	case ProfileInfoListRequest__searchCriteria_PR_profileClass:
		return c->choice.profileClass == p->profile_class;
	default:
		return false;
	}
}

static int list_profile_info(struct euicc *e, const ProfileInfoListRequest_t *req,
			     SGP32_ProfileInfoListResponse_t *res)
{
	struct euicc_profile *v = NULL;
	size_t n = 0;
	int rc = euicc_profile_list(e, &v, &n);

	res->present = SGP32_ProfileInfoListResponse_PR_profileInfoListOk;
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		SGP32_ProfileInfo_t *pi;

		if (!matches(req, &v[i]))
			continue;
		pi = calloc(1, sizeof(*pi));
		rc = pi ? profile_info(e, &v[i], req->tagList, pi) : SGP_ERR_NOMEM;
		if (rc == SGP_OK && ASN_SEQUENCE_ADD(&res->choice.profileInfoListOk.list, pi) != 0)
			rc = SGP_ERR_NOMEM;
		if (rc < 0 && pi)
			ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfo, pi);
	}
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&v[i]);
	free(v);
	return rc;
}

/* setFallbackAttribute: at most one profile carries the attribute; it moves
 * from another profile unless that one is enabled (fallbackProfileEnabled).
 * fallbackNotAllowed: the profile owner's metadata says fallbackAllowed
 * FALSE (absent counts as allowed: our reading of SGP.32 5.5). */
static int set_fallback(struct euicc *e, const Iccid_t *iccid, long *res)
{
	SGP32_StoreMetadataRequest_t *md = NULL;
	struct euicc_profile p, cur;
	int rc;

	if (iccid->size != 10) {
		*res = SetFallbackAttributeResult_iccidOrAidNotFound;
		return SGP_OK;
	}
	rc = euicc_profile_get(e, iccid->buf, &p);
	if (rc == SGP_ERR_NOTFOUND) {
		*res = SetFallbackAttributeResult_iccidOrAidNotFound;
		return SGP_OK;
	}
	if (rc < 0)
		return rc;
	rc = sgp32_profile_metadata(e, &p, &md);
	if (rc == SGP_OK && md && md->fallbackAllowed && !*md->fallbackAllowed) {
		*res = SetFallbackAttributeResult_fallbackNotAllowed;
		goto out;
	}
	if (rc == SGP_OK)
		rc = sgp32_find_fallback(e, &cur);
	if (rc == SGP_OK) {
		bool same = !memcmp(cur.iccid, p.iccid, 10), enabled = cur.state == EUICC_PROFILE_ENABLED;

		if (!same && enabled) {
			*res = SetFallbackAttributeResult_fallbackProfileEnabled;
		} else if (!same) {
			cur.fallback = false;
			rc = euicc_profile_put(e, &cur);
		}
		euicc_profile_release(&cur);
		if (!same && enabled)
			goto out;
	} else if (rc == SGP_ERR_NOTFOUND) {
		rc = SGP_OK;
	}
	if (rc == SGP_OK) {
		p.fallback = true;
		rc = euicc_profile_put(e, &p);
		*res = SetFallbackAttributeResult_ok;
	}
out:
	if (md)
		ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, md);
	euicc_profile_release(&p);
	return rc;
}

static int unset_fallback(struct euicc *e, long *res)
{
	struct euicc_profile cur;
	int rc = sgp32_find_fallback(e, &cur);

	if (rc == SGP_ERR_NOTFOUND) {
		*res = UnsetFallbackAttributeResult_noFallbackAttribute;
		return SGP_OK;
	}
	if (rc < 0)
		return rc;
	if (cur.state == EUICC_PROFILE_ENABLED) {
		*res = UnsetFallbackAttributeResult_fallbackProfileEnabled;
	} else {
		cur.fallback = false;
		rc = euicc_profile_put(e, &cur);
		*res = UnsetFallbackAttributeResult_ok;
	}
	euicc_profile_release(&cur);
	return rc;
}

/* configureImmediateEnable: the same record as ES10b.ConfigureImmediate-
 * ProfileEnabling.  defaultSmdpOid is accepted and not kept (the lab
 * identifies SM-DP+s by address only). */
static int configure_immediate_enable(struct euicc *e, const struct Psmo__configureImmediateEnable *c,
				      long *res)
{
	struct euicc_card card;
	int rc = euicc_card_get(e, &card);

	if (rc < 0)
		return rc;
	card.immediate_enable = c->immediateEnableFlag != NULL;
	if (c->defaultSmdpAddress) {
		if ((size_t)c->defaultSmdpAddress->size >= sizeof(card.immediate_smdp)) {
			*res = ConfigureImmediateEnableResult_commandError;
			return SGP_OK;
		}
		memcpy(card.immediate_smdp, c->defaultSmdpAddress->buf, c->defaultSmdpAddress->size);
		card.immediate_smdp[c->defaultSmdpAddress->size] = '\0';
	}
	*res = ConfigureImmediateEnableResult_ok;
	return euicc_card_put(e, &card);
}

static int set_default_dp(struct euicc *e, const UTF8String_t *addr, long *res)
{
	struct euicc_card card;
	int rc = euicc_card_get(e, &card);

	if (rc < 0)
		return rc;
	if ((size_t)addr->size >= sizeof(card.default_smdp)) {
		*res = 127;
		return SGP_OK;
	}
	memcpy(card.default_smdp, addr->buf, addr->size);
	card.default_smdp[addr->size] = '\0';
	*res = 0;
	return euicc_card_put(e, &card);
}

int euicc_psmo_run(struct euicc *e, const Psmo_t *m, EuiccResultData_t *out, bool *rollback)
{
	*rollback = false;
	switch (m->present) {
	case Psmo_PR_enable:
		out->present = EuiccResultData_PR_enableResult;
		return psmo_state_op(e, m, &out->choice.enableResult, rollback);
	case Psmo_PR_disable:
		out->present = EuiccResultData_PR_disableResult;
		return psmo_state_op(e, m, &out->choice.disableResult, rollback);
	case Psmo_PR_delete:
		out->present = EuiccResultData_PR_deleteResult;
		return psmo_state_op(e, m, &out->choice.deleteResult, rollback);
	case Psmo_PR_listProfileInfo:
		out->present = EuiccResultData_PR_listProfileInfoResult;
		return list_profile_info(e, &m->choice.listProfileInfo, &out->choice.listProfileInfoResult);
	case Psmo_PR_getRAT:
		out->present = EuiccResultData_PR_getRATResult;
		return SGP_OK;
	case Psmo_PR_configureImmediateEnable:
		out->present = EuiccResultData_PR_configureImmediateEnableResult;
		return configure_immediate_enable(e, &m->choice.configureImmediateEnable,
						  &out->choice.configureImmediateEnableResult);
	case Psmo_PR_setFallbackAttribute:
		out->present = EuiccResultData_PR_setFallbackAttributeResult;
		return set_fallback(e, &m->choice.setFallbackAttribute.iccid,
				    &out->choice.setFallbackAttributeResult);
	case Psmo_PR_unsetFallbackAttribute:
		out->present = EuiccResultData_PR_unsetFallbackAttributeResult;
		return unset_fallback(e, &out->choice.unsetFallbackAttributeResult);
	case Psmo_PR_setDefaultDpAddress:
		out->present = EuiccResultData_PR_setDefaultDpAddressResult;
		return set_default_dp(e, &m->choice.setDefaultDpAddress.defaultDpAddress,
				      &out->choice.setDefaultDpAddressResult.setDefaultDpAddressResult);
	default:
		out->present = EuiccResultData_PR_processingTerminated;
		out->choice.processingTerminated = EuiccResultData__processingTerminated_unknownOrDamagedCommand;
		return SGP_OK;
	}
}
