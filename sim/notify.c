/* sgp32lab: the eUICC model — profile management notifications
 *
 * After an installation, enable, disable or delete, the eUICC queues a
 * notification for each address the profile's
 * notificationConfigurationInfo names for that operation (SGP.22 section
 * 3.5, 5.7.9 ListNotification, 5.7.10 RetrieveNotificationsList): a
 * NotificationMetadata with the next seqNumber, signed with SK.EUICC.ECDSA
 * and sent along with CERT.EUICC.ECDSA and CERT.EUM.ECDSA
 * (OtherSignedNotification, SGP.22 section 2.6.x / 4.x).  The notification
 * stays in the store until the LPA / IPA reports it as delivered
 * (RemoveNotificationFromList). */
#include "sim/profile_ops.h"
#include "core/der/der.h"
#include "core/err.h"

#include "asn_application.h"
#include "ber_decoder.h"
#include "Certificate.h"
#include "NotificationMetadata.h"
#include "OtherSignedNotification.h"
#include "PendingNotification.h"

#include <stdlib.h>
#include <string.h>

bool bit_string_has(const BIT_STRING_t *bs, int bit)
{
	int byte = bit / 8;

	if (!bs || bit < 0 || byte >= bs->size || !bs->buf)
		return false;
	if (byte == bs->size - 1 && (7 - bit % 8) < bs->bits_unused)
		return false;	/* one of the unused (padding) bits */
	return (bs->buf[byte] & (0x80 >> (bit % 8))) != 0;
}

int bit_string_set_one(BIT_STRING_t *bs, int bit)
{
	uint8_t *buf;
	int size = bit / 8 + 1;

	if (bit < 0 || bit > 31)
		return SGP_ERR_INVAL;
	buf = calloc(1, (size_t)size);
	if (!buf)
		return SGP_ERR_NOMEM;
	buf[size - 1] = (uint8_t)(0x80 >> (bit % 8));
	free(bs->buf);
	bs->buf = buf;
	bs->size = size;
	bs->bits_unused = 7 - bit % 8;
	return SGP_OK;
}

int euicc_profile_metadata(struct euicc *e, const struct euicc_profile *p,
			   SGP32_StoreMetadataRequest_t **out)
{
	SGP32_StoreMetadataRequest_t *m = NULL;
	asn_dec_rval_t dr;

	*out = NULL;
	if (!p->metadata.len)
		return SGP_OK;
	dr = ber_decode(NULL, &asn_DEF_SGP32_StoreMetadataRequest, (void **)&m,
			p->metadata.data, p->metadata.len);
	if (dr.code != RC_OK || dr.consumed != p->metadata.len) {
		LOGPE(e, LOGL_ERROR, "profile %s: stored metadata does not decode (at %zu of %zu)",
		      p->iccid_text, dr.consumed, p->metadata.len);
		ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, m);
		return SGP_ERR_STORE;
	}
	*out = m;
	return SGP_OK;
}

/* Decode one of our own certificates (DER) into a Certificate held by
 * value in the notification. */
static int cert_into(struct euicc *e, Certificate_t *dst, const struct sgp_buf *der)
{
	struct der_error err = { 0 };
	Certificate_t *c = NULL;
	int rc = sgp_der_decode(&asn_DEF_Certificate, der->data, der->len, (void **)&c, &err);

	if (rc < 0) {
		LOGPE(e, LOGL_ERROR, "own certificate does not decode: %s", err.msg);
		return SGP_ERR_CRYPTO;
	}
	memcpy(dst, c, sizeof(*dst));
	free(c);	/* the shell only: its contents now belong to dst */
	return SGP_OK;
}

/* Build, sign and queue one OtherSignedNotification to address. */
static int queue_one(struct euicc *e, const struct euicc_profile *p, int event,
		     const char *address, size_t alen)
{
	PendingNotification_t *pn = calloc(1, sizeof(*pn));
	struct sgp_buf tbs = SGP_BUF_INIT, der = SGP_BUF_INIT;
	struct der_error err = { 0 };
	OtherSignedNotification_t *osn;
	NotificationMetadata_t *md;
	uint8_t sig[64];
	uint32_t seq;
	int rc;

	if (!pn)
		return SGP_ERR_NOMEM;
	pn->present = PendingNotification_PR_otherSignedNotification;
	osn = &pn->choice.otherSignedNotification;
	md = &osn->tbsOtherNotification;
	rc = euicc_card_next_seq(e, &seq);
	if (rc < 0)
		goto out;
	md->seqNumber = (long)seq;
	rc = bit_string_set_one(&md->profileManagementOperation, event);
	if (rc < 0)
		goto out;
	md->iccid = OCTET_STRING_new_fromBuf(&asn_DEF_Iccid, (const char *)p->iccid, 10);
	if (!md->iccid || OCTET_STRING_fromBuf(&md->notificationAddress, address, (int)alen) < 0) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	/* euiccNotificationSignature: over the DER of tbsOtherNotification */
	rc = sgp_der_encode(&asn_DEF_NotificationMetadata, md, &tbs, &err);
	if (rc < 0)
		goto out;
	rc = euicc_sign(e, tbs.data, tbs.len, sig);
	if (rc < 0)
		goto out;
	if (OCTET_STRING_fromBuf(&osn->euiccNotificationSignature, (const char *)sig, sizeof(sig)) < 0) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	rc = cert_into(e, &osn->euiccCertificate, &e->cert_der);
	if (rc == SGP_OK)
		rc = cert_into(e, &osn->eumCertificate, &e->eum_der);
	if (rc == SGP_OK)
		rc = sgp_der_encode(&asn_DEF_PendingNotification, pn, &der, &err);
	if (rc < 0)
		goto out;
	rc = euicc_notification_add(e, EUICC_NOTIF_PROFILE, event, address, p->iccid,
				    der.data, der.len, seq);
	if (rc == SGP_OK)
		LOGPE(e, LOGL_INFO, "notification %u: event %d of %s to %s", seq, event,
		      p->iccid_text, address);
out:
	if (rc < 0 && err.msg[0])
		LOGPE(e, LOGL_ERROR, "notification of %s: %s", p->iccid_text, err.msg);
	ASN_STRUCT_FREE(asn_DEF_PendingNotification, pn);
	sgp_buf_free(&tbs);
	sgp_buf_free(&der);
	return rc;
}

int euicc_notify_profile_event(struct euicc *e, const struct euicc_profile *p, int event)
{
	SGP32_StoreMetadataRequest_t *m = NULL;
	int rc;

	if (event < NOTIF_EVENT_INSTALL || event > NOTIF_EVENT_DELETE)
		return SGP_ERR_INVAL;
	rc = euicc_profile_metadata(e, p, &m);
	if (rc < 0 || !m || !m->notificationConfigurationInfo)
		goto out;
	for (int i = 0; rc == SGP_OK && i < m->notificationConfigurationInfo->list.count; i++) {
		const NotificationConfigurationInformation_t *nci =
			m->notificationConfigurationInfo->list.array[i];
		char address[256];
		size_t alen;

		if (!bit_string_has(&nci->profileManagementOperation, event))
			continue;
		alen = (size_t)nci->notificationAddress.size;
		/* an FQDN: no NUL inside, and it has to fit the store's record */
		if (alen == 0 || alen >= sizeof(address) ||
		    memchr(nci->notificationAddress.buf, 0, alen)) {
			LOGPE(e, LOGL_NOTICE, "profile %s: unusable notificationAddress skipped",
			      p->iccid_text);
			continue;
		}
		memcpy(address, nci->notificationAddress.buf, alen);
		address[alen] = '\0';
		rc = queue_one(e, p, event, address, alen);
	}
out:
	ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, m);
	return rc;
}
