/* sgp32lab: SM-DP+ — the profile inventory and its download orders, kept
 * in the store (schema "smdp", table smdp_profile).
 *
 * One row per profile (ICCID); the order lives on the profile, as SGP.22
 * v2.5 section 5.3 (ES2+) describes it:
 *
 *   available --downloadOrder--> allocated (no EID) / linked (EID given)
 *   allocated|linked --confirmOrder--> confirmed (releaseFlag false)
 *                                      released  (releaseFlag true)
 *   confirmed --releaseProfile--> released
 *   released --ES9+ getBoundProfilePackage--> downloaded
 *   downloaded --ES9+ handleNotification (PIR)--> installed | error
 *   allocated|linked|confirmed|released --cancelOrder--> available or
 *       unavailable (finalProfileStatusIndicator "Available"/"Unavailable")
 *   released --too many wrong confirmation codes--> error
 *
 * Every function runs in its own store transaction (or in the caller's
 * when one is open) and reports a refusal with the SGP.22 ES2+ status
 * code in *sc (subject code, reason code, message: SGP.22 5.3.x; see
 * orders.c for the source of each). */
#ifndef SGP_SMDP_ORDERS_H
#define SGP_SMDP_ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct sgp_store;

enum smdp_profile_state {
	SMDP_PROFILE_AVAILABLE,
	SMDP_PROFILE_ALLOCATED,
	SMDP_PROFILE_LINKED,
	SMDP_PROFILE_CONFIRMED,
	SMDP_PROFILE_RELEASED,
	SMDP_PROFILE_DOWNLOADED,
	SMDP_PROFILE_INSTALLED,
	SMDP_PROFILE_ERROR,
	SMDP_PROFILE_UNAVAILABLE,
	SMDP_PROFILE_STATE_COUNT
};
const char *smdp_profile_state_name(enum smdp_profile_state s);	/* "released" */
int smdp_profile_state_parse(const char *name);			/* -1 if unknown */

/* A refusal, as ES2+/ES9+ statusCodeData (static strings). */
struct smdp_status {
	const char *subject_code;
	const char *reason_code;
	const char *message;
};

#define SMDP_MATCHING_ID_MAX 64
#define SMDP_CC_MAX 64

struct smdp_profile {
	char iccid[21];
	char imsi[16];
	char profile_type[65];
	enum smdp_profile_state state;
	char eid[33];			/* "" if none */
	char matching_id[SMDP_MATCHING_ID_MAX + 1];
	char cc[SMDP_CC_MAX + 1];	/* confirmation code, "" if none */
	int cc_attempts;
	char smds_address[256];		/* "" if none */
	struct sgp_buf upp;		/* the UPP (smdp_profile_release frees it) */
};
void smdp_profile_release(struct smdp_profile *p);

/* Bring the schema up to date (idempotent). */
int smdp_orders_migrate(struct sgp_store *st);

/* Inventory: a profile built by smdp/upp.c for iccid + imsi, or a UPP
 * (checked with smdp_upp_parse; its header's ICCID is used).
 * SGP_ERR_EXISTS if the ICCID is taken, SGP_ERR_INVAL for bad values. */
int smdp_profile_create(struct sgp_store *st, const char *iccid, const char *imsi,
			const char *profile_type);
int smdp_profile_import(struct sgp_store *st, const uint8_t *upp, size_t len,
			const char *profile_type, char iccid_out[21]);

/* Read one profile: by ICCID, or by matching id; SGP_ERR_NOTFOUND. */
int smdp_profile_get(struct sgp_store *st, const char *iccid, struct smdp_profile *out);
int smdp_profile_by_matching_id(struct sgp_store *st, const char *matching_id,
				struct smdp_profile *out);
/* The released order of an EID without matching id (default SM-DP+
 * address, SGP.22 3.1.2 / 3.1.3), SGP_ERR_NOTFOUND if none. */
int smdp_profile_released_for_eid(struct sgp_store *st, const char *eid,
				  struct smdp_profile *out);
int smdp_profile_set_state(struct sgp_store *st, const char *iccid,
			   enum smdp_profile_state s);
/* Bind the EID at download time (orders made without one). */
int smdp_profile_set_eid(struct sgp_store *st, const char *iccid, const char *eid);
/* Count one more wrong confirmation code; *attempts gets the new count. */
int smdp_profile_cc_failed(struct sgp_store *st, const char *iccid, int *attempts);

/* ---- ES2+ functions (SGP.22 5.3) ----
 * Each returns 0, SGP_ERR_STATE with *sc for a refusal, or another
 * negative sgp_err for an internal failure. */
int smdp_order_download(struct sgp_store *st, const char *eid, const char *iccid,
			const char *profile_type, char iccid_out[21], struct smdp_status *sc);
/* matching_id NULL or "": generated (stored into matching_id_out). */
int smdp_order_confirm(struct sgp_store *st, const char *iccid, const char *eid,
		       const char *matching_id, const char *cc, const char *smds_address,
		       bool release, char matching_id_out[SMDP_MATCHING_ID_MAX + 1],
		       struct smdp_status *sc);
/* final: "Available" or "Unavailable" (finalProfileStatusIndicator). */
int smdp_order_cancel(struct sgp_store *st, const char *iccid, const char *eid,
		      const char *matching_id, const char *final, struct smdp_status *sc);
int smdp_order_release(struct sgp_store *st, const char *iccid, struct smdp_status *sc);

#endif
