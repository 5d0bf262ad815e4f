/* sgp32lab: the eUICC model — what the profile functions share beyond
 * euicc_int.h: stored metadata, BIT STRING helpers, the profile listing,
 * the Rules Authorisation Table and eUICC memory reset, usable by ES10c
 * (es10_profiles.c) and the SGP.32 PSMOs alike.  Private to sim/. */
#ifndef SGP_SIM_PROFILE_OPS_H
#define SGP_SIM_PROFILE_OPS_H

#include "sim/euicc_int.h"

#include "BIT_STRING.h"
#include "ProfileInfoListRequest.h"
#include "RulesAuthorisationTable.h"
#include "SGP32-ProfileInfoListResponse.h"
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

/* --- profile_info.c --- */

/* The profile list as ES10c.GetProfilesInfo (SGP.22 5.7.15) and the
 * SGP.32 listProfileInfo PSMO answer it: searchCriteria (isdpAid, iccid,
 * profileClass) select, tagList says which fields each ProfileInfo
 * carries.  rsp (caller-owned, zeroed) gets profileInfoListOk or
 * profileInfoListError; returns 0, or a negative sgp_err for internal
 * failures that the caller cannot express (SGP_ERR_NOMEM). */
int profile_info_list(struct euicc *e, const ProfileInfoListRequest_t *req,
		      SGP32_ProfileInfoListResponse_t *rsp);

/* The lab's Rules Authorisation Table (SGP.22 2.9.2) into rat (zeroed,
 * caller-owned: free its contents with ASN_STRUCT_FREE_CONTENTS_ONLY). */
int euicc_rat_build(RulesAuthorisationTable_t *rat);

/* --- profile_ops.c --- */

/* eUICC Memory Reset (SGP.22 5.7.19 / 3.3.3) of the profiles: options are
 * the resetOptions bits (MEMORY_RESET_*).  Deletes the selected profiles
 * regardless of their state and PPRs, queueing their delete
 * notifications; *done tells whether anything was deleted or reset
 * (otherwise the answer is nothingToDelete). */
enum {
	MEMORY_RESET_OPERATIONAL = 1u << 0,	/* deleteOperationalProfiles */
	MEMORY_RESET_FIELD_TEST = 1u << 1,	/* deleteFieldLoadedTestProfiles */
	MEMORY_RESET_DEFAULT_SMDP = 1u << 2,	/* resetDefaultSmdpAddress */
};
int profile_op_memory_reset(struct euicc *e, unsigned options, bool *done);

/* --- es10_notifications.c: the notification functions, listed in the
 * es10_profiles table --- */
int es10_list_notification(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10_retrieve_notifications_list(struct euicc *e, const uint8_t *cmd, size_t len,
				     struct sgp_buf *resp);
int es10_remove_notification_from_list(struct euicc *e, const uint8_t *cmd, size_t len,
				       struct sgp_buf *resp);

#endif
