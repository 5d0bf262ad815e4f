/* sgp32lab: the eUICC model — IpaEuiccDataRequest ('BF52', SGP.32 v1.2
 * 2.11.1.2 / 2.11.2.2): the eUICC data an eIM asks for.
 *
 * SGP.32 has an IPAd assemble IpaEuiccData from ES10 functions itself
 * (GetEUICCInfo, RetrieveNotificationsList, GetCerts, ...); an IPAe does it
 * inside the eUICC.  The lab card answers the request as the IPAe would, so
 * both IPA modes can be played.  Tags of the tagList and their data:
 *   'A0' notificationsList (pending profile notifications, searchCriteriaNotification)
 *   '81' defaultSmdpAddress        '83' rootSmdsAddress
 *   'A2' euiccPackageResultList (kept results, searchCriteriaEuiccPackageResult)
 *   'BF20' euiccInfo1, 'BF22' euiccInfo2 (the card's GetEUICCInfo1/2 answers)
 *   '84' associationToken (only when exactly one eIM is associated: the
 *        request does not name the eIM)
 *   'A5' eumCertificate, 'A6' euiccCertificate (for euiccCiPKIdentifierToBeUsed,
 *        which may be truncated: a prefix of the CI PKID; else euiccCiPKIdNotFound)
 *   'A8' ipaCapabilities, 'A9' deviceInfo: the IPA's own, not the card's;
 *        skipped here.
 * Any other tag, or an empty tagList, is incorrectTagList.  eimTransactionId
 * is echoed. */
#include "sim/sgp32_int.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/pki/pki.h"

#include "EUICCInfo1.h"
#include "EimConfigurationData.h"
#include "EuiccPackageResult.h"
#include "EuiccPackageResultList.h"
#include "IpaEuiccDataRequest.h"
#include "IpaEuiccDataResponse.h"
#include "PendingNotificationList.h"
#include "SGP32-EUICCInfo2.h"
#include "SGP32-PendingNotification.h"

#include <stdlib.h>
#include <string.h>

/* Decode DER into a new value of td. */
static int dec(struct euicc *e, const struct asn_TYPE_descriptor_s *td, const uint8_t *d, size_t n,
	       void **out)
{
	struct der_error err;
	int rc = sgp_der_decode(td, d, n, out, &err);

	if (rc < 0)
		LOGPE(e, LOGL_ERROR, "%s: %s", sgp_der_type_name(td), err.msg);
	return rc < 0 ? SGP_ERR_STORE : SGP_OK;
}

/* The card's own answer to GetEUICCInfo1/2 (found in the ES10 tables). */
static int euicc_info(struct euicc *e, uint32_t tag, const struct asn_TYPE_descriptor_s *td, void **out)
{
	const uint8_t cmd[] = { (uint8_t)(tag >> 8), (uint8_t)tag, 0x00 };
	struct sgp_buf r = SGP_BUF_INIT;
	int rc = SGP_ERR_UNSUPPORTED;

	for (size_t i = 0; i < es10_download.count; i++)
		if (es10_download.fns[i].tag == tag)
			rc = es10_download.fns[i].fn(e, cmd, sizeof(cmd), &r);
	if (rc == SGP_OK)
		rc = dec(e, td, r.data, r.len, out);
	sgp_buf_free(&r);
	return rc;
}

static bool event_bit(const BIT_STRING_t *b, int ev)
{
	return ev >= 0 && ev / 8 < b->size && (b->buf[ev / 8] & (0x80 >> (ev % 8)));
}

static int lists(struct euicc *e, const IpaEuiccDataRequest_t *req, IpaEuiccData_t *d, bool notifs,
		 bool results)
{
	struct euicc_notification *v = NULL;
	size_t n = 0;
	int rc = euicc_notification_list(e, &v, &n);

	if (rc == SGP_OK && notifs && !(d->notificationsList = calloc(1, sizeof(*d->notificationsList))))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && results &&
	    !(d->euiccPackageResultList = calloc(1, sizeof(*d->euiccPackageResultList))))
		rc = SGP_ERR_NOMEM;
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		const struct euicc_notification *x = &v[i];
		void *item = NULL;

		if (x->kind == EUICC_NOTIF_PROFILE && notifs) {
			const struct IpaEuiccDataRequest__searchCriteriaNotification *c =
				req->searchCriteriaNotification;
			if (c && c->present == IpaEuiccDataRequest__searchCriteriaNotification_PR_seqNumber &&
			    c->choice.seqNumber != (long)x->seq)
				continue;
			if (c && c->present == IpaEuiccDataRequest__searchCriteriaNotification_PR_profileManagementOperation &&
			    !event_bit(&c->choice.profileManagementOperation, x->event))
				continue;
			rc = dec(e, &asn_DEF_SGP32_PendingNotification, x->data.data, x->data.len, &item);
			if (rc == SGP_OK && ASN_SEQUENCE_ADD(&d->notificationsList->list, item) != 0)
				rc = SGP_ERR_NOMEM;
		} else if (x->kind == EUICC_NOTIF_PACKAGE_RESULT && results) {
			const struct IpaEuiccDataRequest__searchCriteriaEuiccPackageResult *c =
				req->searchCriteriaEuiccPackageResult;
			if (c && c->choice.seqNumber != (long)x->seq)
				continue;
			rc = dec(e, &asn_DEF_EuiccPackageResult, x->data.data, x->data.len, &item);
			if (rc == SGP_OK && ASN_SEQUENCE_ADD(&d->euiccPackageResultList->list, item) != 0)
				rc = SGP_ERR_NOMEM;
		}
	}
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&v[i]);
	free(v);
	return rc;
}

static int str(UTF8String_t **dst, const char *s)
{
	*dst = OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, s, -1);
	return *dst ? SGP_OK : SGP_ERR_NOMEM;
}

/* '84': the token of the one associated eIM, if it has one. */
static int association_token(struct euicc *e, long **out)
{
	struct euicc_eim *v = NULL;
	EimConfigurationData_t *c = NULL;
	size_t n = 0;
	int rc = euicc_eim_list(e, &v, &n);

	if (rc == SGP_OK && n == 1)
		rc = euicc_eim_decode(e, &v[0], &c);
	if (rc == SGP_OK && c && c->associationToken) {
		*out = calloc(1, sizeof(long));
		if (*out)
			**out = *c->associationToken;
		else
			rc = SGP_ERR_NOMEM;
	}
	ASN_STRUCT_FREE(asn_DEF_EimConfigurationData, c);
	for (size_t i = 0; i < n; i++)
		euicc_eim_release(&v[i]);
	free(v);
	return rc;
}

/* Fill d for the tags; *error set to an IpaEuiccDataErrorCode on refusal. */
static int fill(struct euicc *e, const IpaEuiccDataRequest_t *req, IpaEuiccData_t *d, long *error)
{
	const OCTET_STRING_t *t = &req->tagList;
	bool notifs = false, results = false;
	struct euicc_card card;
	int rc = euicc_card_get(e, &card);

	if (t->size == 0)
		*error = IpaEuiccDataErrorCode_incorrectTagList;
	for (int i = 0; rc == SGP_OK && !*error && i < t->size; i++) {
		unsigned tag = t->buf[i];
		if ((tag & 0x1f) == 0x1f)
			tag = i + 1 < t->size ? tag << 8 | t->buf[++i] : 0;
		switch (tag) {
		case 0xA0: notifs = true; break;
		case 0xA2: results = true; break;
		case 0x81:
			if (!d->defaultSmdpAddress)
				rc = str(&d->defaultSmdpAddress, card.default_smdp);
			break;
		case 0x83:
			if (!d->rootSmdsAddress)
				rc = str(&d->rootSmdsAddress, card.root_smds);
			break;
		case 0xBF20:
			if (!d->euiccInfo1)
				rc = euicc_info(e, 0xBF20, &asn_DEF_EUICCInfo1, (void **)&d->euiccInfo1);
			break;
		case 0xBF22:
			if (!d->euiccInfo2)
				rc = euicc_info(e, 0xBF22, &asn_DEF_SGP32_EUICCInfo2, (void **)&d->euiccInfo2);
			break;
		case 0x84:
			if (!d->associationToken)
				rc = association_token(e, &d->associationToken);
			break;
		case 0xA5:
		case 0xA6: {
			struct sgp_buf aki = SGP_BUF_INIT;
			const OCTET_STRING_t *want = req->euiccCiPKIdentifierToBeUsed;

			rc = sgp_pki_cert_aki(e->eum, &aki);
			if (rc == SGP_OK && want &&
			    ((size_t)want->size > aki.len || memcmp(aki.data, want->buf, want->size)))
				*error = IpaEuiccDataErrorCode_euiccCiPKIdNotFound;
			sgp_buf_free(&aki);
			if (rc == SGP_OK && !*error && tag == 0xA5 && !d->eumCertificate)
				rc = dec(e, &asn_DEF_Certificate, e->eum_der.data, e->eum_der.len,
					 (void **)&d->eumCertificate);
			if (rc == SGP_OK && !*error && tag == 0xA6 && !d->euiccCertificate)
				rc = dec(e, &asn_DEF_Certificate, e->cert_der.data, e->cert_der.len,
					 (void **)&d->euiccCertificate);
			break;
		}
		case 0xA8:
		case 0xA9:
			break;	/* the IPA adds its own */
		default:
			*error = IpaEuiccDataErrorCode_incorrectTagList;
		}
	}
	if (rc == SGP_ERR_UNSUPPORTED) {
		*error = IpaEuiccDataErrorCode_undefinedError;	/* no GetEUICCInfo on this card */
		rc = SGP_OK;
	}
	if (rc == SGP_OK && !*error && (notifs || results))
		rc = lists(e, req, d, notifs, results);
	return rc;
}

int es10b_ipa_euicc_data(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	IpaEuiccDataRequest_t *req = NULL;
	IpaEuiccDataResponse_t rsp;
	TransactionId_t **txid;
	long error = 0;
	int rc = es10_decode(e, &asn_DEF_IpaEuiccDataRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = IpaEuiccDataResponse_PR_ipaEuiccData;
	rc = fill(e, req, &rsp.choice.ipaEuiccData, &error);
	if (rc == SGP_OK && error) {
		LOGPE(e, LOGL_NOTICE, "IpaEuiccDataRequest refused: %ld", error);
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_IpaEuiccDataResponse, &rsp);
		memset(&rsp, 0, sizeof(rsp));
		rsp.present = IpaEuiccDataResponse_PR_ipaEuiccDataResponseError;
		rsp.choice.ipaEuiccDataResponseError.ipaEuiccDataErrorCode = error;
	}
	txid = rsp.present == IpaEuiccDataResponse_PR_ipaEuiccData
		       ? &rsp.choice.ipaEuiccData.eimTransactionId
		       : &rsp.choice.ipaEuiccDataResponseError.eimTransactionId;
	if (rc == SGP_OK && req->eimTransactionId &&
	    !(*txid = OCTET_STRING_new_fromBuf(&asn_DEF_TransactionId,
					       (const char *)req->eimTransactionId->buf,
					       req->eimTransactionId->size)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_IpaEuiccDataResponse, &rsp, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_IpaEuiccDataResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_IpaEuiccDataRequest, req);
	return rc;
}
