/* sgp32lab: the eUICC model — the profile list (ES10c.GetProfilesInfo,
 * SGP.22 5.7.15; SGP.32 listProfileInfo PSMO) and the Rules
 * Authorisation Table (ES10b.GetRAT, SGP.22 5.7.21 / 2.9.2)
 *
 * The answer is the SGP.32 form (SGP32-ProfileInfo adds ecallIndication,
 * fallbackAttribute and fallbackAllowed).  Fields come from the profile
 * record (ICCID, AID, state, class, nickname, names, PPRs, fallback) and
 * from the StoreMetadataRequest installed with it (icon, iconType,
 * notificationConfigurationInfo, profileOwner, serviceSpecificData,
 * ecallIndication, fallbackAllowed).
 *
 * tagList (SGP.22 5.7.15): the tags of the ProfileInfo fields wanted.
 * Absent, every field we hold is returned.  Tags that name no ProfileInfo
 * field are ignored; a tagList that is empty or ends inside a tag is
 * incorrectInputValues (our reading: the text only says the eUICC returns
 * the fields asked for). */
#include "sim/profile_ops.h"
#include "core/err.h"

#include "OperatorId.h"
#include "ProfilePolicyAuthorisationRule.h"
#include "SGP32-ProfileInfo.h"
#include "VendorSpecificExtension.h"

#include <stdlib.h>
#include <string.h>

enum pi_field {
	PI_ICCID, PI_AID, PI_STATE, PI_NICKNAME, PI_SPN, PI_NAME, PI_ICON_TYPE, PI_ICON,
	PI_CLASS, PI_NCI, PI_OWNER, PI_DP_DATA, PI_PPR, PI_SSD, PI_ECALL, PI_FALLBACK,
	PI_FALLBACK_ALLOWED,
};

static const struct {
	uint32_t tag;
	enum pi_field field;
} pi_tags[] = {
	{ 0x5A, PI_ICCID }, { 0x4F, PI_AID }, { 0x9F70, PI_STATE }, { 0x90, PI_NICKNAME },
	{ 0x91, PI_SPN }, { 0x92, PI_NAME }, { 0x93, PI_ICON_TYPE }, { 0x94, PI_ICON },
	{ 0x95, PI_CLASS }, { 0xB6, PI_NCI }, { 0xB7, PI_OWNER }, { 0xB8, PI_DP_DATA },
	{ 0x99, PI_PPR }, { 0xBF22, PI_SSD }, { 0x9F7B, PI_ECALL }, { 0x9F26, PI_FALLBACK },
	{ 0x9F67, PI_FALLBACK_ALLOWED },
};

#define PI_ALL 0xffffffffu
#define WANT(mask, f) ((mask) & (1u << (f)))

/* The fields a tagList asks for; -1 if it is malformed. */
static int64_t parse_tag_list(const uint8_t *p, size_t len)
{
	uint32_t mask = 0;
	size_t i = 0;

	if (!len)
		return -1;
	while (i < len) {
		uint32_t tag = p[i++];

		if ((tag & 0x1f) == 0x1f) {
			size_t n = 0;
			do {
				if (i >= len || ++n > 2)
					return -1;	/* cut short, or longer than any ES10 tag */
				tag = tag << 8 | p[i];
			} while (p[i++] & 0x80);
		}
		for (size_t k = 0; k < sizeof(pi_tags) / sizeof(pi_tags[0]); k++)
			if (pi_tags[k].tag == tag)
				mask |= 1u << pi_tags[k].field;
	}
	return mask;
}

static OCTET_STRING_t *ostr(asn_TYPE_descriptor_t *td, const void *buf, size_t len)
{
	return OCTET_STRING_new_fromBuf(td, (const char *)buf, (int)len);
}

static long *new_long(long v)
{
	long *p = malloc(sizeof(*p));

	if (p)
		*p = v;
	return p;
}

static BOOLEAN_t *new_true(void)
{
	BOOLEAN_t *p = malloc(sizeof(*p));

	if (p)
		*p = 1;
	return p;
}

/* PprIds from the record's bits (bit 0 pprUpdateControl .. bit 2 ppr2). */
static PprIds_t *ppr_bits(uint32_t ppr)
{
	PprIds_t *b = calloc(1, sizeof(*b));
	int top = -1;

	if (!b)
		return NULL;
	for (int i = 0; i < 8; i++)
		if (ppr & (1u << i))
			top = i;
	b->buf = calloc(1, 1);	/* asn1c wants a buffer even for no bit */
	if (!b->buf) {
		free(b);
		return NULL;
	}
	if (top < 0)
		return b;	/* no rule: an empty BIT STRING */
	/* named bit i is the i-th bit from the left */
	for (int i = 0; i <= top; i++)
		if (ppr & (1u << i))
			b->buf[0] |= (uint8_t)(0x80 >> i);
	b->size = 1;
	b->bits_unused = 7 - top;
	return b;
}

/* Move what the metadata holds into pi (m's fields are cleared). */
static int take_metadata(SGP32_StoreMetadataRequest_t *m, uint32_t want, SGP32_ProfileInfo_t *pi)
{
	if (WANT(want, PI_ICON_TYPE)) {
		pi->iconType = m->iconType;
		m->iconType = NULL;
	}
	if (WANT(want, PI_ICON)) {
		pi->icon = m->icon;
		m->icon = NULL;
	}
	if (WANT(want, PI_OWNER)) {
		pi->profileOwner = m->profileOwner;
		m->profileOwner = NULL;
	}
	if (WANT(want, PI_SSD)) {
		pi->serviceSpecificDataStoredInEuicc = m->serviceSpecificDataStoredInEuicc;
		m->serviceSpecificDataStoredInEuicc = NULL;
	}
	if (WANT(want, PI_ECALL)) {
		pi->ecallIndication = m->ecallIndication;
		m->ecallIndication = NULL;
	}
	if (WANT(want, PI_FALLBACK_ALLOWED)) {
		pi->fallbackAllowed = m->fallbackAllowed;
		m->fallbackAllowed = NULL;
	}
	if (WANT(want, PI_NCI) && m->notificationConfigurationInfo) {
		pi->notificationConfigurationInfo = calloc(1, sizeof(*pi->notificationConfigurationInfo));
		if (!pi->notificationConfigurationInfo)
			return SGP_ERR_NOMEM;
		for (int i = 0; i < m->notificationConfigurationInfo->list.count; i++) {
			if (ASN_SEQUENCE_ADD(&pi->notificationConfigurationInfo->list,
					     m->notificationConfigurationInfo->list.array[i]) != 0)
				return SGP_ERR_NOMEM;	/* elements from i on stay with m */
			m->notificationConfigurationInfo->list.array[i] = NULL;
		}
		m->notificationConfigurationInfo->list.count = 0;
	}
	return SGP_OK;
}

static int fill_info(struct euicc *e, const struct euicc_profile *p, uint32_t want,
		     SGP32_ProfileInfo_t *pi)
{
	SGP32_StoreMetadataRequest_t *m = NULL;
	int rc = SGP_OK;

#define SET(cond, field, expr) do { \
		if (rc == SGP_OK && (cond) && !(pi->field = (expr))) \
			rc = SGP_ERR_NOMEM; \
	} while (0)
	SET(WANT(want, PI_ICCID), iccid, ostr(&asn_DEF_Iccid, p->iccid, 10));
	SET(WANT(want, PI_AID), isdpAid, ostr(&asn_DEF_OctetTo16, p->isdp_aid, p->isdp_aid_len));
	SET(WANT(want, PI_STATE), profileState, new_long(p->state));
	SET(WANT(want, PI_NICKNAME) && p->nickname[0], profileNickname,
	    ostr(&asn_DEF_UTF8String, p->nickname, strlen(p->nickname)));
	SET(WANT(want, PI_SPN), serviceProviderName,
	    ostr(&asn_DEF_UTF8String, p->service_provider_name, strlen(p->service_provider_name)));
	SET(WANT(want, PI_NAME), profileName,
	    ostr(&asn_DEF_UTF8String, p->profile_name, strlen(p->profile_name)));
	SET(WANT(want, PI_CLASS), profileClass, new_long(p->profile_class));
	/* PPRs: when asked for explicitly even if none is set */
	SET(WANT(want, PI_PPR) && (p->ppr || want != PI_ALL), profilePolicyRules, ppr_bits(p->ppr));
	/* fallbackAttribute is DEFAULT FALSE: present only when set */
	SET(WANT(want, PI_FALLBACK) && p->fallback, fallbackAttribute, new_true());
#undef SET
	if (rc < 0)
		return rc;
	rc = euicc_profile_metadata(e, p, &m);
	if (rc == SGP_OK && m)
		rc = take_metadata(m, want, pi);
	ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, m);
	return rc;
}

static bool matches(const ProfileInfoListRequest_t *req, const struct euicc_profile *p)
{
	const struct ProfileInfoListRequest__searchCriteria *sc = req->searchCriteria;

	if (!sc)
		return true;
	switch (sc->present) {
	case ProfileInfoListRequest__searchCriteria_PR_isdpAid:
		return (size_t)sc->choice.isdpAid.size == p->isdp_aid_len &&
		       !memcmp(sc->choice.isdpAid.buf, p->isdp_aid, p->isdp_aid_len);
	case ProfileInfoListRequest__searchCriteria_PR_iccid:
		return sc->choice.iccid.size == 10 && !memcmp(sc->choice.iccid.buf, p->iccid, 10);
	case ProfileInfoListRequest__searchCriteria_PR_profileClass:
		return sc->choice.profileClass == p->profile_class;
	default:
		return false;
	}
}

static void answer_error(SGP32_ProfileInfoListResponse_t *rsp, long code)
{
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	memset(rsp, 0, sizeof(*rsp));
	rsp->present = SGP32_ProfileInfoListResponse_PR_profileInfoListError;
	rsp->choice.profileInfoListError = code;
}

int profile_info_list(struct euicc *e, const ProfileInfoListRequest_t *req,
		      SGP32_ProfileInfoListResponse_t *rsp)
{
	struct euicc_profile *ps = NULL;
	size_t n = 0;
	uint32_t want = PI_ALL;
	int rc;

	rsp->present = SGP32_ProfileInfoListResponse_PR_profileInfoListOk;
	if (req->tagList) {
		int64_t m = parse_tag_list(req->tagList->buf, (size_t)req->tagList->size);
		if (m < 0) {
			LOGPE(e, LOGL_NOTICE, "ProfileInfoList: malformed tagList");
			answer_error(rsp, SGP32_ProfileInfoListError_incorrectInputValues);
			return SGP_OK;
		}
		want = (uint32_t)m;
	}
	if (req->searchCriteria &&
	    req->searchCriteria->present == ProfileInfoListRequest__searchCriteria_PR_profileClass &&
	    (req->searchCriteria->choice.profileClass < EUICC_CLASS_TEST ||
	     req->searchCriteria->choice.profileClass > EUICC_CLASS_OPERATIONAL)) {
		LOGPE(e, LOGL_NOTICE, "ProfileInfoList: no profileClass %ld",
		      req->searchCriteria->choice.profileClass);
		answer_error(rsp, SGP32_ProfileInfoListError_incorrectInputValues);
		return SGP_OK;
	}
	rc = euicc_profile_list(e, &ps, &n);
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		SGP32_ProfileInfo_t *pi;

		if (!matches(req, &ps[i]))
			continue;
		pi = calloc(1, sizeof(*pi));
		if (!pi) {
			rc = SGP_ERR_NOMEM;
			break;
		}
		rc = fill_info(e, &ps[i], want, pi);
		if (rc == SGP_OK && ASN_SEQUENCE_ADD(&rsp->choice.profileInfoListOk.list, pi) != 0)
			rc = SGP_ERR_NOMEM;
		if (rc < 0)
			ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfo, pi);
	}
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&ps[i]);
	free(ps);
	if (rc < 0 && rc != SGP_ERR_NOMEM) {
		LOGPE(e, LOGL_ERROR, "ProfileInfoList: %s", sgp_strerror(rc));
		answer_error(rsp, SGP32_ProfileInfoListError_undefinedError);
		rc = SGP_OK;
	}
	return rc;
}

/* --- Rules Authorisation Table --- */

/* The lab's RAT (SGP.22 2.9.2.2), fixed at "manufacture":
 *  1. the lab's own test network, MCC 001 MNC 01 (mccMnc '00F110', 3GPP
 *     TS 24.008 coding), may set PPR1 and PPR2 without End User consent;
 *  2. any other operator (mccMnc 'EEEEEE', every digit the wildcard 'E')
 *     may set them with the End User's consent.
 * So every profile with PPRs installs, and the consent path is exercised
 * for all but the lab operator. */
static int rat_rule(RulesAuthorisationTable_t *rat, const uint8_t mcc_mnc[3], bool consent)
{
	ProfilePolicyAuthorisationRule_t *r = calloc(1, sizeof(*r));
	OperatorId_t *op = calloc(1, sizeof(*op));
	int rc = SGP_ERR_NOMEM;

	if (!r || !op)
		goto fail;
	r->pprIds.buf = calloc(1, 1);
	if (!r->pprIds.buf)
		goto fail;
	r->pprIds.buf[0] = 0x60;	/* ppr1(1), ppr2(2) */
	r->pprIds.size = 1;
	r->pprIds.bits_unused = 5;
	r->pprFlags.buf = calloc(1, 1);	/* empty when no flag is set */
	if (!r->pprFlags.buf)
		goto fail;
	if (consent) {
		r->pprFlags.buf[0] = 0x80;	/* consentRequired(0) */
		r->pprFlags.size = 1;
		r->pprFlags.bits_unused = 7;
	}
	if (OCTET_STRING_fromBuf(&op->mccMnc, (const char *)mcc_mnc, 3) < 0)
		goto fail;
	if (ASN_SEQUENCE_ADD(&r->allowedOperators.list, op) != 0)
		goto fail;
	op = NULL;
	if (ASN_SEQUENCE_ADD(&rat->list, r) != 0)
		goto fail;
	return SGP_OK;
fail:
	ASN_STRUCT_FREE(asn_DEF_OperatorId, op);
	ASN_STRUCT_FREE(asn_DEF_ProfilePolicyAuthorisationRule, r);
	return rc;
}

int euicc_rat_build(RulesAuthorisationTable_t *rat)
{
	static const uint8_t lab_operator[3] = { 0x00, 0xF1, 0x10 };
	static const uint8_t any_operator[3] = { 0xEE, 0xEE, 0xEE };
	int rc = rat_rule(rat, lab_operator, false);

	if (rc == SGP_OK)
		rc = rat_rule(rat, any_operator, true);
	return rc;
}
