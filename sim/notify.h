/* sgp32lab: the eUICC model — profile metadata and NotificationEvent
 * helpers shared by notify.c, profile_ops.c and es10_profiles.c.
 * Private to sim/. */
#ifndef SGP_SIM_NOTIFY_H
#define SGP_SIM_NOTIFY_H

#include "sim/euicc_int.h"

#include "BIT_STRING.h"
#include "SGP32-StoreMetadataRequest.h"

/* NotificationEvent bits (the named bits of SGP.22 NotificationEvent) */
enum notification_event {
	NOTIF_EVENT_INSTALL = 0,
	NOTIF_EVENT_ENABLE = 1,
	NOTIF_EVENT_DISABLE = 2,
	NOTIF_EVENT_DELETE = 3,
};

/* PprIds bits as kept in euicc_profile.ppr (SGP.22 section 2.9.1) */
#define PPR_UPDATE_CONTROL	(1u << 0)
#define PPR1_DISABLE_NOT_ALLOWED (1u << 1)
#define PPR2_DELETE_NOT_ALLOWED	(1u << 2)

/* The profile's metadata as installed: its StoreMetadataRequest (SGP.22
 * 5.5.3) or SGP32-StoreMetadataRequest (SGP.32 adds ecallIndication and
 * fallbackAllowed at the end; the SGP.32 type reads both forms).  Stored
 * data is read leniently (BER, unknown extensions skipped): it was checked
 * when it was installed.  *out is NULL when the profile has no metadata.
 * 0, or SGP_ERR_STORE if the stored bytes do not decode. */
int euicc_profile_metadata(struct euicc *e, const struct euicc_profile *p,
			   SGP32_StoreMetadataRequest_t **out);

/* Is bit set in a BIT STRING (NotificationEvent, PprIds, resetOptions)? */
bool bit_string_has(const BIT_STRING_t *bs, int bit);
/* Set bs to exactly one named bit (DER form: trailing zero bits dropped);
 * bs's previous buffer is freed. */
int bit_string_set_one(BIT_STRING_t *bs, int bit);

#endif
