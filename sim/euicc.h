/* sgp32lab: the eUICC model — public interface.
 *
 * The eUICC is a card: its only entry point for the outside world is
 * euicc_es10(), which takes one complete ES10a/b/c command (the data of a
 * STORE DATA sequence, SGP.22 section 5.7.1) and answers it.  The APDU front
 * end (sim/card.c) and the socket in front of it never interpret ES10 data.
 *
 * State (profiles, notifications, eIM configurations, counters) lives in the
 * lab's SQLite store under the schema "euicc", keyed by EID, so several
 * eUICCs can share one database and a power cycle or a process restart
 * keeps everything.  Each ES10 command runs in one transaction: a command
 * that fails (malformed data, a refused operation) changes nothing.
 *
 * Ownership: the eUICC takes references to the key and certificates it is
 * given and borrows the store and the clock, which must outlive it. */
#ifndef SGP_SIM_EUICC_H
#define SGP_SIM_EUICC_H

#include "core/buf.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgp_clock;
struct sgp_store;
struct euicc;

struct euicc_cfg {
	const char *eid;		/* 32 digits */
	struct sgp_store *store;	/* borrowed */
	struct sgp_clock *clock;	/* borrowed */
	EVP_PKEY *sk_euicc;		/* SK.EUICC.ECDSA (reference taken) */
	X509 *cert_euicc;		/* CERT.EUICC.ECDSA (reference taken) */
	X509 *cert_eum;			/* CERT.EUM.ECDSA (reference taken) */
	X509 *const *ci;		/* trusted CI certificates (references taken) */
	size_t n_ci;
	/* Only used when the card is created in the store (first start). */
	const char *default_smdp;	/* default SM-DP+ address, may be NULL */
	const char *root_smds;		/* root SM-DS address, may be NULL */
};

/* Open the eUICC with this EID: create its record on first use, else load
 * it.  Migrates the "euicc" schema.  Returns 0 or a negative sgp_err. */
int euicc_open(const struct euicc_cfg *cfg, struct euicc **out);
void euicc_free(struct euicc *e);

const char *euicc_eid(const struct euicc *e);

/* Process one ES10 command (DER, tag 'BFxx') and write the DER response into
 * resp.  Returns 0 with a response; SGP_ERR_PARSE for a command that cannot
 * be processed at all (unknown function, malformed TLV: the front end
 * answers status word 6A80); other negative values are internal errors.
 * A refused operation is a response with the function's own error code. */
int euicc_es10(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);

/* Power cycle / card reset: volatile state (an open download session, the
 * last challenge) is dropped; everything persistent stays. */
void euicc_reset(struct euicc *e);

/* --- inspection, for scenario expectations and the operator API --- */

enum euicc_profile_state { EUICC_PROFILE_DISABLED = 0, EUICC_PROFILE_ENABLED = 1 };
enum euicc_profile_class { EUICC_CLASS_TEST = 0, EUICC_CLASS_PROVISIONING = 1,
			   EUICC_CLASS_OPERATIONAL = 2 };

struct euicc_profile {
	uint8_t iccid[10];		/* Iccid: swapped BCD */
	char iccid_text[21];
	uint8_t isdp_aid[16];
	size_t isdp_aid_len;
	int state;			/* enum euicc_profile_state */
	int profile_class;		/* enum euicc_profile_class */
	char nickname[65];
	char service_provider_name[33];
	char profile_name[65];
	uint32_t ppr;			/* PprIds bits: bit 1 ppr1, bit 2 ppr2 */
	bool fallback;			/* SGP.32 fallbackAttribute */
	struct sgp_buf metadata;	/* StoreMetadataRequest as installed (DER) */
	struct sgp_buf package;		/* the installed profile elements */
};

void euicc_profile_release(struct euicc_profile *p);	/* frees the buffers */
/* All profiles of this eUICC, in installation order (free each with
 * euicc_profile_release, then the array). */
int euicc_profile_list(struct euicc *e, struct euicc_profile **out, size_t *n);
/* One profile by ICCID text; SGP_ERR_NOTFOUND if absent. */
int euicc_profile_find(struct euicc *e, const char *iccid_text, struct euicc_profile *out);

struct euicc_notification {
	uint32_t seq;			/* seqNumber */
	int kind;			/* EUICC_NOTIF_* */
	int event;			/* NotificationEvent bit (install 0 .. delete 3) */
	char address[256];		/* notificationAddress */
	uint8_t iccid[10];
	bool has_iccid;
	struct sgp_buf data;		/* PendingNotification / EuiccPackageResult DER */
};
enum { EUICC_NOTIF_PROFILE = 0, EUICC_NOTIF_PACKAGE_RESULT = 1 };

void euicc_notification_release(struct euicc_notification *n);
int euicc_notification_list(struct euicc *e, struct euicc_notification **out, size_t *n);

/* The eIM associations (SGP.32 EimConfigurationData) and their counters. */
struct euicc_eim {
	char eim_id[129];
	int64_t counter;		/* last counterValue accepted */
	struct sgp_buf config;		/* EimConfigurationData DER */
};
void euicc_eim_release(struct euicc_eim *m);
int euicc_eim_list(struct euicc *e, struct euicc_eim **out, size_t *n);

#endif
