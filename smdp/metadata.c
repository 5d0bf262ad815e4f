/* sgp32lab: SM-DP+ — StoreMetadataRequest (SGP.22 v2.5 section 5.5.3). */
#include "smdp/metadata.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"

#include "StoreMetadataRequest.h"
#include "NotificationConfigurationInformation.h"

#include <string.h>

/* A named-bit BIT STRING with the bits of mask (bit 0 first), minimal as
 * DER wants it (X.690 11.2.2: no trailing zero bits); buf holds 4 bytes. */
static void bits_set(BIT_STRING_t *bs, unsigned mask, uint8_t buf[4])
{
	int hi = -1;

	memset(buf, 0, 4);
	for (int i = 0; i < 32; i++) {
		if (mask & (1u << i)) {
			buf[i / 8] |= (uint8_t)(0x80 >> (i % 8));
			hi = i;
		}
	}
	bs->buf = buf;
	bs->size = hi < 0 ? 0 : (size_t)(hi / 8 + 1);
	bs->bits_unused = hi < 0 ? 0 : 7 - hi % 8;
}

static void str_set(OCTET_STRING_t *s, const char *text)
{
	s->buf = (uint8_t *)(uintptr_t)text;
	s->size = strlen(text);
}

int smdp_metadata_encode(const struct smdp_profile_metadata *m, struct sgp_buf *out)
{
	NotificationConfigurationInformation_t nci[SMDP_MAX_NOTIF_CFG];
	NotificationConfigurationInformation_t *nci_ptr[SMDP_MAX_NOTIF_CFG];
	uint8_t nci_bits[SMDP_MAX_NOTIF_CFG][4], ppr_bits[4], iccid[SGP_ICCID_BCD_LEN];
	struct StoreMetadataRequest__notificationConfigurationInfo list;
	StoreMetadataRequest_t smr;
	OCTET_STRING_t icon;
	PprIds_t ppr;
	long pclass, itype;
	struct der_error err;
	int rc;

	if (!m || !m->iccid || !m->service_provider_name || !m->profile_name || !out)
		return SGP_ERR_INVAL;
	if (sgp_iccid_to_bcd(m->iccid, iccid) || m->n_notif > SMDP_MAX_NOTIF_CFG ||
	    m->profile_class < 0 || m->profile_class > 2 || (m->icon && m->icon_len > 1024) ||
	    (m->ppr & ~6u)) {
		LOGP(DSMDP, LOGL_NOTICE, "metadata: invalid ICCID, profile class, icon or PPR");
		return SGP_ERR_INVAL;
	}
	memset(&smr, 0, sizeof(smr));
	smr.iccid.buf = iccid;
	smr.iccid.size = sizeof(iccid);
	str_set(&smr.serviceProviderName, m->service_provider_name);
	str_set(&smr.profileName, m->profile_name);
	if (m->icon) {
		memset(&icon, 0, sizeof(icon));
		icon.buf = (uint8_t *)(uintptr_t)m->icon;
		icon.size = m->icon_len;
		itype = m->icon_type;
		smr.icon = &icon;
		smr.iconType = &itype;
	}
	/* profileClass DEFAULT operational: DER leaves the default out */
	if (m->profile_class != 2) {
		pclass = m->profile_class;
		smr.profileClass = &pclass;
	}
	if (m->n_notif) {
		memset(&list, 0, sizeof(list));
		for (size_t i = 0; i < m->n_notif; i++) {
			if (!m->notif[i].address || m->notif[i].event > SMDP_NOTIF_DELETE)
				return SGP_ERR_INVAL;
			memset(&nci[i], 0, sizeof(nci[i]));
			bits_set(&nci[i].profileManagementOperation, 1u << m->notif[i].event,
				 nci_bits[i]);
			str_set(&nci[i].notificationAddress, m->notif[i].address);
			nci_ptr[i] = &nci[i];
		}
		list.list.array = nci_ptr;
		list.list.count = (int)m->n_notif;
		list.list.size = (int)m->n_notif;
		smr.notificationConfigurationInfo = &list;
	}
	if (m->ppr) {
		memset(&ppr, 0, sizeof(ppr));
		bits_set(&ppr, m->ppr, ppr_bits);
		smr.profilePolicyRules = &ppr;
	}
	/* nothing here was allocated by asn1c: no ASN_STRUCT_FREE */
	rc = sgp_der_encode(&asn_DEF_StoreMetadataRequest, &smr, out, &err);
	if (rc) {
		LOGP(DSMDP, LOGL_NOTICE, "metadata: %s", err.msg);
		return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_INVAL;
	}
	return SGP_OK;
}
