/* sgp32lab: the eUICC model — the notification functions
 * ES10b.ListNotification (SGP.22 5.7.9), ES10b.RetrieveNotificationsList
 * (SGP.22 5.7.10 in the SGP.32 form, SGP.32 5.9.x: it also returns the
 * stored eUICC Package Results) and ES10b.RemoveNotificationFromList
 * (SGP.22 5.7.11).
 *
 * Stored notifications (euicc_store.c) are of two kinds: profile
 * management notifications (PendingNotification DER: a
 * ProfileInstallationResult for an installation, else an
 * OtherSignedNotification) and eUICC Package Results (EuiccPackageResult
 * DER, SGP.32).  Both take their seqNumber from the card's one counter, so
 * RemoveNotificationFromList removes either. */
#include "sim/profile_ops.h"
#include "core/der/der.h"
#include "core/err.h"

#include "EuiccPackageResult.h"
#include "ListNotificationRequest.h"
#include "ListNotificationResponse.h"
#include "NotificationSentRequest.h"
#include "NotificationSentResponse.h"
#include "SGP32-PendingNotification.h"
#include "SGP32-RetrieveNotificationsListRequest.h"
#include "SGP32-RetrieveNotificationsListResponse.h"

#include <stdlib.h>
#include <string.h>

static void release_all(struct euicc_notification *ns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&ns[i]);
	free(ns);
}

/* The NotificationMetadata of a stored profile notification, from its
 * record (seqNumber, operation, address, ICCID). */
static int metadata_of(const struct euicc_notification *n, NotificationMetadata_t **out)
{
	NotificationMetadata_t *md = calloc(1, sizeof(*md));
	size_t alen = strlen(n->address);
	int rc = SGP_ERR_NOMEM;

	*out = NULL;
	if (!md)
		return rc;
	md->seqNumber = (long)n->seq;
	rc = bit_string_set_one(&md->profileManagementOperation, n->event);
	if (rc == SGP_OK && OCTET_STRING_fromBuf(&md->notificationAddress, n->address, (int)alen) < 0)
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && n->has_iccid &&
	    !(md->iccid = OCTET_STRING_new_fromBuf(&asn_DEF_Iccid, (const char *)n->iccid, 10)))
		rc = SGP_ERR_NOMEM;
	if (rc < 0) {
		ASN_STRUCT_FREE(asn_DEF_NotificationMetadata, md);
		return rc;
	}
	*out = md;
	return SGP_OK;
}

/* ES10b.ListNotification: the metadata of the pending profile
 * notifications, all or those of the operations in the filter. */
int es10_list_notification(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ListNotificationRequest_t *req = NULL;
	ListNotificationResponse_t rsp;
	struct euicc_notification *ns = NULL;
	size_t n = 0;
	int rc = es10_decode(e, &asn_DEF_ListNotificationRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = ListNotificationResponse_PR_notificationMetadataList;
	rc = euicc_notification_list(e, &ns, &n);
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		NotificationMetadata_t *md;

		if (ns[i].kind != EUICC_NOTIF_PROFILE)
			continue;
		if (req->profileManagementOperation &&
		    !bit_string_has(req->profileManagementOperation, ns[i].event))
			continue;
		rc = metadata_of(&ns[i], &md);
		if (rc == SGP_OK &&
		    ASN_SEQUENCE_ADD(&rsp.choice.notificationMetadataList.list, md) != 0) {
			ASN_STRUCT_FREE(asn_DEF_NotificationMetadata, md);
			rc = SGP_ERR_NOMEM;
		}
	}
	if (rc < 0 && rc != SGP_ERR_NOMEM) {
		LOGPE(e, LOGL_ERROR, "ListNotification: %s", sgp_strerror(rc));
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_ListNotificationResponse, &rsp);
		memset(&rsp, 0, sizeof(rsp));
		rsp.present = ListNotificationResponse_PR_listNotificationsResultError;
		rsp.choice.listNotificationsResultError =
			ListNotificationResponse__listNotificationsResultError_undefinedError;
		rc = SGP_OK;
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_ListNotificationResponse, &rsp, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_ListNotificationResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_ListNotificationRequest, req);
	release_all(ns, n);
	return rc;
}

/* Decode a stored item as td and append it to list; SGP_ERR_STORE if the
 * stored bytes are not what they should be. */
static int add_stored(struct euicc *e, const struct asn_TYPE_descriptor_s *td,
		      const struct euicc_notification *n, void *list)
{
	struct der_error err = { 0 };
	void *v = NULL;
	int rc = sgp_der_decode(td, n->data.data, n->data.len, &v, &err);

	if (rc < 0) {
		LOGPE(e, LOGL_ERROR, "stored notification %u: %s", n->seq, err.msg);
		return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_STORE;
	}
	if (asn_sequence_add(list, v) != 0) {
		sgp_der_free(td, v);
		return SGP_ERR_NOMEM;
	}
	return SGP_OK;
}

/* ES10b.RetrieveNotificationsList, SGP.32 form: searchCriteria selects by
 * seqNumber, by operation, or asks for the eUICC Package Results instead
 * of the notifications.  Nothing found is an empty list (SGP.22 5.7.10:
 * the list may be empty; the ASN.1 has no "no result" code). */
int es10_retrieve_notifications_list(struct euicc *e, const uint8_t *cmd, size_t len,
				     struct sgp_buf *resp)
{
	SGP32_RetrieveNotificationsListRequest_t *req = NULL;
	SGP32_RetrieveNotificationsListResponse_t rsp;
	struct euicc_notification *ns = NULL;
	const struct SGP32_RetrieveNotificationsListRequest__searchCriteria *sc;
	bool results;
	size_t n = 0;
	int rc = es10_decode(e, &asn_DEF_SGP32_RetrieveNotificationsListRequest, cmd, len,
			     (void **)&req);

	if (rc < 0)
		return rc;
	sc = req->searchCriteria;
	results = sc && sc->present ==
		SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_euiccPackageResults;
	memset(&rsp, 0, sizeof(rsp));
	rsp.present = results ? SGP32_RetrieveNotificationsListResponse_PR_euiccPackageResultList :
				SGP32_RetrieveNotificationsListResponse_PR_notificationList;
	rc = euicc_notification_list(e, &ns, &n);
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		const struct euicc_notification *x = &ns[i];

		if (results) {
			if (x->kind == EUICC_NOTIF_PACKAGE_RESULT)
				rc = add_stored(e, &asn_DEF_EuiccPackageResult, x,
						&rsp.choice.euiccPackageResultList.list);
			continue;
		}
		if (x->kind != EUICC_NOTIF_PROFILE)
			continue;
		if (sc && sc->present == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber &&
		    (long)x->seq != sc->choice.seqNumber)
			continue;
		if (sc && sc->present ==
			  SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_profileManagementOperation &&
		    !bit_string_has(&sc->choice.profileManagementOperation, x->event))
			continue;
		rc = add_stored(e, &asn_DEF_SGP32_PendingNotification, x,
				&rsp.choice.notificationList.list);
	}
	if (rc < 0 && rc != SGP_ERR_NOMEM) {
		LOGPE(e, LOGL_ERROR, "RetrieveNotificationsList: %s", sgp_strerror(rc));
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SGP32_RetrieveNotificationsListResponse, &rsp);
		memset(&rsp, 0, sizeof(rsp));
		rsp.present = SGP32_RetrieveNotificationsListResponse_PR_notificationsListResultError;
		rsp.choice.notificationsListResultError =
			SGP32_RetrieveNotificationsListResponse__notificationsListResultError_undefinedError;
		rc = SGP_OK;
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_SGP32_RetrieveNotificationsListResponse, &rsp, resp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SGP32_RetrieveNotificationsListResponse, &rsp);
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListRequest, req);
	release_all(ns, n);
	return rc;
}

/* ES10b.RemoveNotificationFromList (NotificationSentRequest): the
 * notification or eUICC Package Result with this seqNumber goes. */
int es10_remove_notification_from_list(struct euicc *e, const uint8_t *cmd, size_t len,
				       struct sgp_buf *resp)
{
	NotificationSentRequest_t *req = NULL;
	NotificationSentResponse_t rsp;
	int rc = es10_decode(e, &asn_DEF_NotificationSentRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	memset(&rsp, 0, sizeof(rsp));
	if (req->seqNumber < 0 || req->seqNumber > INT32_MAX) {
		rc = SGP_ERR_NOTFOUND;	/* no seqNumber we ever gave out */
	} else {
		rc = euicc_notification_remove(e, (uint32_t)req->seqNumber);
	}
	if (rc == SGP_OK) {
		LOGPE(e, LOGL_INFO, "notification %ld delivered, removed", req->seqNumber);
		rsp.deleteNotificationStatus = NotificationSentResponse__deleteNotificationStatus_ok;
	} else if (rc == SGP_ERR_NOTFOUND) {
		rsp.deleteNotificationStatus = NotificationSentResponse__deleteNotificationStatus_nothingToDelete;
		rc = SGP_OK;
	}
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_NotificationSentResponse, &rsp, resp);
	ASN_STRUCT_FREE(asn_DEF_NotificationSentRequest, req);
	return rc;
}
