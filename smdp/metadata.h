/* sgp32lab: SM-DP+ — the profile metadata as the SM-DP+ sends it in the
 * Bound Profile Package: ES8+.StoreMetadata (SGP.22 v2.5 section 5.5.3,
 * StoreMetadataRequest 'BF25'), and the same value as ES9+ profileMetadata
 * (AuthenticateClient). */
#ifndef SGP_SMDP_METADATA_H
#define SGP_SMDP_METADATA_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

#define SMDP_MAX_NOTIF_CFG 8

/* NotificationEvent bits (SGP.22 5.7.8: notificationInstall(0) ..) */
enum smdp_notif_event {
	SMDP_NOTIF_INSTALL = 0,
	SMDP_NOTIF_ENABLE = 1,
	SMDP_NOTIF_DISABLE = 2,
	SMDP_NOTIF_DELETE = 3,
};

/* One NotificationConfigurationInformation: where the eUICC sends the
 * notification of one operation. */
struct smdp_notif_cfg {
	enum smdp_notif_event event;
	const char *address;		/* FQDN */
};

struct smdp_profile_metadata {
	const char *iccid;			/* 18 to 20 digits */
	const char *service_provider_name;	/* at most 32 bytes */
	const char *profile_name;		/* at most 64 bytes */
	int profile_class;			/* ProfileClass: 0 test, 1 provisioning,
						 * 2 operational (the default, not encoded) */
	const uint8_t *icon;			/* NULL: none; at most 1024 bytes */
	size_t icon_len;
	int icon_type;				/* IconType: 0 jpg, 1 png */
	const struct smdp_notif_cfg *notif;	/* notificationConfigurationInfo */
	size_t n_notif;				/* at most SMDP_MAX_NOTIF_CFG */
	unsigned ppr;				/* PprIds bits: 1 << 1 ppr1, 1 << 2 ppr2 */
};

/* Encode the StoreMetadataRequest (DER) into out (replaced).
 * SGP_ERR_INVAL on a value outside its type (bad ICCID, name too long, ...). */
int smdp_metadata_encode(const struct smdp_profile_metadata *m, struct sgp_buf *out);

#endif
