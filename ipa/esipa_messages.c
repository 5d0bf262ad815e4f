/* sgp32lab: the IPA's remote management messages (SGP.32 v1.2 6.3.2.6,
 * 6.3.2.7, 2.11.2.2, 5.9 ES10b) */
#include "ipa/esipa_messages.h"
#include "ipa/esipa_client.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "EsipaMessageFromIpaToEim.h"
#include "EuiccPackageResult.h"
#include "ExecuteFallbackMechanismResponse.h"
#include "IpaEuiccDataRequest.h"
#include "IpaEuiccDataResponse.h"
#include "NotificationSentRequest.h"
#include "ProfileDownloadTriggerResult.h"
#include "ProfileRollbackResponse.h"
#include "ProvideEimPackageResultResponse.h"
#include "ReturnFromFallbackResponse.h"
#include "SGP32-ProfileInfoListResponse.h"

#include <stdlib.h>
#include <string.h>

/* refreshFlag TRUE ([0] under AUTOMATIC TAGS) */
const uint8_t ipa_cmd_profile_rollback[6] = { 0xBF, 0x58, 0x03, 0x80, 0x01, 0xFF };
const uint8_t ipa_cmd_execute_fallback[6] = { 0xBF, 0x5D, 0x03, 0x80, 0x01, 0xFF };
const uint8_t ipa_cmd_return_from_fallback[6] = { 0xBF, 0x5E, 0x03, 0x80, 0x01, 0xFF };
const uint8_t ipa_cmd_get_profiles_info[3] = { 0xBF, 0x2D, 0x00 };
/* tagList 'A2': euiccPackageResultList */
const uint8_t ipa_cmd_pending_results[6] = { 0xBF, 0x52, 0x03, 0x5C, 0x01, 0xA2 };

static int encode_msg(EsipaMessageFromIpaToEim_t *m, struct sgp_buf *out)
{
	struct der_error err;
	int rc = ipa_esipa_encode(m, out, &err);

	if (rc < 0)
		LOGP(DIPA, LOGL_ERROR, "esipa: %s", err.msg);
	return rc;
}

static int set_octets(OCTET_STRING_t *o, const uint8_t *d, size_t n)
{
	return OCTET_STRING_fromBuf(o, (const char *)d, (int)n) ? SGP_ERR_NOMEM : SGP_OK;
}

int ipa_msg_get_eim_package(const uint8_t eid[16], int cause, struct sgp_buf *out)
{
	EsipaMessageFromIpaToEim_t m;
	GetEimPackageRequest_t *g = &m.choice.getEimPackageRequest;
	int rc;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_getEimPackageRequest;
	rc = set_octets(&g->eidValue, eid, 16);
	if (rc == SGP_OK && cause != IPA_STATE_CHANGE_NONE) {
		g->notifyStateChange = calloc(1, sizeof(*g->notifyStateChange));
		g->stateChangeCause = calloc(1, sizeof(*g->stateChangeCause));
		if (!g->notifyStateChange || !g->stateChangeCause)
			rc = SGP_ERR_NOMEM;
		else
			*g->stateChangeCause = cause;
	}
	if (rc == SGP_OK)
		rc = encode_msg(&m, out);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
	return rc;
}

int ipa_msg_provide_result(const uint8_t eid[16], enum ipa_eim_result_kind kind,
			   const uint8_t *der, size_t len, struct sgp_buf *out)
{
	EsipaMessageFromIpaToEim_t m;
	ProvideEimPackageResult_t *p = &m.choice.provideEimPackageResult;
	const struct asn_TYPE_descriptor_s *td;
	void *member, *v = NULL;
	size_t size;
	struct der_error err;
	int rc;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_provideEimPackageResult;
	switch (kind) {
	case IPA_EIM_RESULT_EUICC_PACKAGE:
		p->eimPackageResult.present = EimPackageResult_PR_euiccPackageResult;
		td = &asn_DEF_EuiccPackageResult;
		member = &p->eimPackageResult.choice.euiccPackageResult;
		size = sizeof(EuiccPackageResult_t);
		break;
	case IPA_EIM_RESULT_IPA_EUICC_DATA:
		p->eimPackageResult.present = EimPackageResult_PR_ipaEuiccDataResponse;
		td = &asn_DEF_IpaEuiccDataResponse;
		member = &p->eimPackageResult.choice.ipaEuiccDataResponse;
		size = sizeof(IpaEuiccDataResponse_t);
		break;
	case IPA_EIM_RESULT_DOWNLOAD_TRIGGER:
		p->eimPackageResult.present = EimPackageResult_PR_profileDownloadTriggerResult;
		td = &asn_DEF_ProfileDownloadTriggerResult;
		member = &p->eimPackageResult.choice.profileDownloadTriggerResult;
		size = sizeof(ProfileDownloadTriggerResult_t);
		break;
	default:
		return SGP_ERR_INVAL;
	}
	rc = sgp_der_decode(td, der, len, &v, &err);
	if (rc < 0) {
		LOGP(DIPA, LOGL_NOTICE, "esipa: %s refused: %s", sgp_der_type_name(td), err.msg);
		goto out;
	}
	/* the decoded value moves into the message; its shell is freed */
	memcpy(member, v, size);
	free(v);
	p->eidValue = OCTET_STRING_new_fromBuf(&asn_DEF_Octet16, (const char *)eid, 16);
	rc = p->eidValue ? encode_msg(&m, out) : SGP_ERR_NOMEM;
out:
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
	return rc;
}

int ipa_msg_provide_error(const uint8_t eid[16], const uint8_t *tid, size_t tid_len, long code,
			  struct sgp_buf *out)
{
	EsipaMessageFromIpaToEim_t m;
	ProvideEimPackageResult_t *p = &m.choice.provideEimPackageResult;
	EimPackageResultResponseError_t *e = &p->eimPackageResult.choice.eimPackageResultResponseError;
	int rc = SGP_OK;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_provideEimPackageResult;
	p->eimPackageResult.present = EimPackageResult_PR_eimPackageResultResponseError;
	e->eimPackageResultErrorCode = code;
	if (tid_len && !(e->eimTransactionId = OCTET_STRING_new_fromBuf(
				 &asn_DEF_TransactionId, (const char *)tid, (int)tid_len)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && !(p->eidValue = OCTET_STRING_new_fromBuf(&asn_DEF_Octet16,
								      (const char *)eid, 16)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK)
		rc = encode_msg(&m, out);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
	return rc;
}

/* A BIT STRING of the bits in mask (0..7), trailing zero bits dropped. */
static int set_bits(BIT_STRING_t *b, unsigned mask)
{
	int last = -1;

	for (int i = 0; i < 8; i++)
		if (mask & (1u << i))
			last = i;
	free(b->buf);
	b->buf = calloc(1, 1);
	if (!b->buf)
		return SGP_ERR_NOMEM;
	b->size = last < 0 ? 0 : 1;
	for (int i = 0; i <= last; i++)
		if (mask & (1u << i))
			b->buf[0] |= (uint8_t)(0x80 >> i);
	b->bits_unused = last < 0 ? 0 : 7 - last;
	return SGP_OK;
}

static bool tag_listed(const OCTET_STRING_t *t, unsigned want)
{
	for (int i = 0; i < t->size; i++) {
		unsigned tag = t->buf[i];
		if ((tag & 0x1f) == 0x1f)
			tag = i + 1 < t->size ? tag << 8 | t->buf[++i] : 0;
		if (tag == want)
			return true;
	}
	return false;
}

int ipa_msg_complete_euicc_data(const uint8_t *request, size_t req_len, const uint8_t *response,
				size_t resp_len, const struct ipa_capabilities *caps,
				struct sgp_buf *out)
{
	IpaEuiccDataRequest_t *req = NULL;
	IpaEuiccDataResponse_t *rsp = NULL;
	IpaEuiccData_t *d;
	struct der_error err;
	int rc = sgp_der_decode(&asn_DEF_IpaEuiccDataRequest, request, req_len, (void **)&req, &err);

	if (rc == SGP_OK)
		rc = sgp_der_decode(&asn_DEF_IpaEuiccDataResponse, response, resp_len, (void **)&rsp,
				    &err);
	if (rc < 0) {
		LOGP(DIPA, LOGL_NOTICE, "IpaEuiccData: %s", err.msg);
		goto out;
	}
	d = &rsp->choice.ipaEuiccData;
	if (rsp->present == IpaEuiccDataResponse_PR_ipaEuiccData &&
	    tag_listed(&req->tagList, 0xA8) && !d->ipaCapabilities) {
		d->ipaCapabilities = calloc(1, sizeof(*d->ipaCapabilities));
		if (!d->ipaCapabilities)
			rc = SGP_ERR_NOMEM;
		if (rc == SGP_OK)
			rc = set_bits(&d->ipaCapabilities->ipaFeatures, caps->features);
		if (rc == SGP_OK && caps->protocols) {
			d->ipaCapabilities->ipaSupportedProtocols =
				calloc(1, sizeof(*d->ipaCapabilities->ipaSupportedProtocols));
			rc = d->ipaCapabilities->ipaSupportedProtocols
				     ? set_bits(d->ipaCapabilities->ipaSupportedProtocols,
						caps->protocols)
				     : SGP_ERR_NOMEM;
		}
	}
	if (rc == SGP_OK && rsp->present == IpaEuiccDataResponse_PR_ipaEuiccData &&
	    tag_listed(&req->tagList, 0xA9) && !d->deviceInfo) {
		/* DeviceInfo: the TAC; no radio release claimed (all optional) */
		d->deviceInfo = calloc(1, sizeof(*d->deviceInfo));
		rc = d->deviceInfo ? set_octets(&d->deviceInfo->tac, caps->tac, 4) : SGP_ERR_NOMEM;
	}
	if (rc == SGP_OK) {
		rc = sgp_der_encode(&asn_DEF_IpaEuiccDataResponse, rsp, out, &err);
		if (rc < 0)
			LOGP(DIPA, LOGL_ERROR, "IpaEuiccData: %s", err.msg);
	}
out:
	sgp_der_free(&asn_DEF_IpaEuiccDataRequest, req);
	sgp_der_free(&asn_DEF_IpaEuiccDataResponse, rsp);
	return rc;
}

int ipa_msg_download_trigger_result(const uint8_t *tid, size_t tid_len, const uint8_t *pir,
				    size_t pir_len, long error_reason, struct sgp_buf *out)
{
	ProfileDownloadTriggerResult_t r;
	struct ProfileDownloadTriggerResult__profileDownloadTriggerResultData *d =
		&r.profileDownloadTriggerResultData;
	void *v = NULL;
	struct der_error err;
	int rc = SGP_OK;

	memset(&r, 0, sizeof(r));
	if (tid_len && !(r.eimTransactionId = OCTET_STRING_new_fromBuf(
				 &asn_DEF_TransactionId, (const char *)tid, (int)tid_len)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && pir) {
		d->present = ProfileDownloadTriggerResult__profileDownloadTriggerResultData_PR_profileInstallationResult;
		rc = sgp_der_decode(&asn_DEF_SGP32_ProfileInstallationResult, pir, pir_len, &v, &err);
		if (rc == SGP_OK) {
			memcpy(&d->choice.profileInstallationResult, v,
			       sizeof(d->choice.profileInstallationResult));
			free(v);
		} else {
			LOGP(DIPA, LOGL_NOTICE, "ProfileInstallationResult refused: %s", err.msg);
		}
	} else if (rc == SGP_OK) {
		d->present = ProfileDownloadTriggerResult__profileDownloadTriggerResultData_PR_profileDownloadError;
		d->choice.profileDownloadError.profileDownloadErrorReason = error_reason;
	}
	if (rc == SGP_OK)
		rc = sgp_der_encode(&asn_DEF_ProfileDownloadTriggerResult, &r, out, &err);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_ProfileDownloadTriggerResult, &r);
	return rc;
}

int ipa_msg_acknowledgements(const struct ProvideEimPackageResultResponse *r, long *seq,
			     size_t max, size_t *n)
{
	*n = 0;
	if (r->present != ProvideEimPackageResultResponse_PR_eimAcknowledgements)
		return SGP_OK;
	if ((size_t)r->choice.eimAcknowledgements.list.count > max)
		return SGP_ERR_TOOBIG;
	for (int i = 0; i < r->choice.eimAcknowledgements.list.count; i++)
		seq[(*n)++] = *r->choice.eimAcknowledgements.list.array[i];
	return SGP_OK;
}

int ipa_msg_notification_sent(long seq, struct sgp_buf *out)
{
	NotificationSentRequest_t r = { .seqNumber = seq };
	struct der_error err;

	return sgp_der_encode(&asn_DEF_NotificationSentRequest, &r, out, &err);
}

/* The result of ProfileRollback, ExecuteFallbackMechanism or
 * ReturnFromFallback, decoded strictly as the command's answer type. */
int ipa_msg_es10_result_code(const uint8_t *cmd, const uint8_t *der, size_t len, long *code)
{
	struct der_error err;
	void *v = NULL;
	int rc;

	if (cmd == ipa_cmd_profile_rollback) {
		rc = sgp_der_decode(&asn_DEF_ProfileRollbackResponse, der, len, &v, &err);
		if (rc == SGP_OK)
			*code = ((ProfileRollbackResponse_t *)v)->cmdResult;
		sgp_der_free(&asn_DEF_ProfileRollbackResponse, v);
	} else if (cmd == ipa_cmd_execute_fallback) {
		rc = sgp_der_decode(&asn_DEF_ExecuteFallbackMechanismResponse, der, len, &v, &err);
		if (rc == SGP_OK)
			*code = ((ExecuteFallbackMechanismResponse_t *)v)->executeFallbackMechanismResult;
		sgp_der_free(&asn_DEF_ExecuteFallbackMechanismResponse, v);
	} else if (cmd == ipa_cmd_return_from_fallback) {
		rc = sgp_der_decode(&asn_DEF_ReturnFromFallbackResponse, der, len, &v, &err);
		if (rc == SGP_OK)
			*code = ((ReturnFromFallbackResponse_t *)v)->returnFromFallbackResult;
		sgp_der_free(&asn_DEF_ReturnFromFallbackResponse, v);
	} else {
		return SGP_ERR_INVAL;
	}
	if (rc < 0)
		LOGP(DIPA, LOGL_NOTICE, "ES10b answer refused: %s", err.msg);
	return rc;
}

int ipa_msg_profiles_state(const uint8_t *der, size_t len, struct ipa_profiles_state *st)
{
	SGP32_ProfileInfoListResponse_t *r = NULL;
	struct der_error err;
	int rc = sgp_der_decode(&asn_DEF_SGP32_ProfileInfoListResponse, der, len, (void **)&r, &err);

	memset(st, 0, sizeof(*st));
	if (rc < 0) {
		LOGP(DIPA, LOGL_NOTICE, "GetProfilesInfo: %s", err.msg);
		return rc;
	}
	if (r->present != SGP32_ProfileInfoListResponse_PR_profileInfoListOk) {
		rc = SGP_ERR_PEER;
		goto out;
	}
	for (int i = 0; i < r->choice.profileInfoListOk.list.count; i++) {
		const SGP32_ProfileInfo_t *p = r->choice.profileInfoListOk.list.array[i];
		bool fb = p->fallbackAttribute && *p->fallbackAttribute;

		st->has_fallback |= fb;
		if (!p->profileState || *p->profileState != ProfileState_enabled || !p->iccid)
			continue;
		rc = sgp_iccid_from_bcd(p->iccid->buf, (size_t)p->iccid->size, st->enabled);
		if (rc < 0)
			goto out;
		st->enabled_is_fallback = fb;
	}
out:
	sgp_der_free(&asn_DEF_SGP32_ProfileInfoListResponse, r);
	return rc;
}

int ipa_msg_pending_results(const uint8_t *der, size_t len, struct sgp_buf **out, size_t *n)
{
	IpaEuiccDataResponse_t *r = NULL;
	struct sgp_buf *v = NULL;
	struct der_error err;
	const EuiccPackageResultList_t *l;
	int rc = sgp_der_decode(&asn_DEF_IpaEuiccDataResponse, der, len, (void **)&r, &err);

	*out = NULL;
	*n = 0;
	if (rc < 0)
		return rc;
	if (r->present != IpaEuiccDataResponse_PR_ipaEuiccData) {
		rc = SGP_ERR_PEER;
		goto out;
	}
	l = r->choice.ipaEuiccData.euiccPackageResultList;
	if (!l || !l->list.count)
		goto out;
	v = calloc((size_t)l->list.count, sizeof(*v));
	if (!v) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; rc == SGP_OK && i < l->list.count; i++) {
		rc = sgp_der_encode(&asn_DEF_EuiccPackageResult, l->list.array[i], &v[i], &err);
		if (rc == SGP_OK)
			(*n)++;
	}
	if (rc < 0) {
		for (size_t i = 0; i < *n; i++)
			sgp_buf_free(&v[i]);
		free(v);
		*n = 0;
		v = NULL;
	}
	*out = v;
out:
	sgp_der_free(&asn_DEF_IpaEuiccDataResponse, r);
	return rc;
}
