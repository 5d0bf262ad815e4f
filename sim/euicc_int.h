/* sgp32lab: the eUICC model — what its ES10 function files share.
 * Private to sim/. */
#ifndef SGP_SIM_EUICC_INT_H
#define SGP_SIM_EUICC_INT_H

#include "sim/euicc.h"
#include "core/crypto/key.h"
#include "core/log.h"

struct download_session;	/* es10_download.c: the profile download in progress */
struct asn_TYPE_descriptor_s;

struct euicc {
	char eid[33];
	uint8_t eid_bcd[16];
	struct sgp_store *store;
	struct sgp_clock *clock;
	struct sgp_key *sk;		/* SK.EUICC.ECDSA */
	X509 *cert;			/* CERT.EUICC.ECDSA */
	X509 *eum;			/* CERT.EUM.ECDSA */
	X509 **ci;			/* trusted CIs */
	size_t n_ci;
	struct sgp_buf cert_der, eum_der;	/* the two certificates in DER */

	/* volatile state: gone at reset */
	struct download_session *dl;
};

#define LOGPE(e, level, fmt, ...) \
	LOGP(DEUICC, level, "euicc(%s): " fmt, (e)->eid + 24, ##__VA_ARGS__)

/* --- ES10 functions --- */

/* One ES10 function: decode the command (the whole TLV, tag included),
 * act, and encode the response into resp.  Runs inside the command's
 * transaction; returning a negative value rolls everything back (and the
 * front end answers a status word instead of resp).  Refusals the spec
 * defines as responses (e.g. EnableProfileResponse with profileNotInDisabledState)
 * return 0: the handler must then leave the store untouched itself. */
typedef int (*es10_fn)(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);

struct es10_function {
	uint32_t tag;		/* e.g. 0xBF2E */
	const char *name;	/* e.g. "GetEuiccChallenge" */
	es10_fn fn;
};

struct es10_table {
	const struct es10_function *fns;
	size_t count;
};

/* Each function file lists its functions (SGP.22 section 5.7, SGP.32 5.9). */
extern const struct es10_table es10_download;	/* es10_download.c: ES10b download, ES10a addresses */
extern const struct es10_table es10_profiles;	/* es10_profiles.c: ES10c, notifications */
extern const struct es10_table es10_sgp32;	/* es10_sgp32.c: SGP.32 ES10b */

/* Drop a download session (es10_download.c); NULL is fine. */
void download_session_free(struct download_session *s);

/* Decode cmd as td (strict DER), logging why it fails; 0 or SGP_ERR_PARSE. */
int es10_decode(struct euicc *e, const struct asn_TYPE_descriptor_s *td,
		const uint8_t *cmd, size_t len, void **out);
/* Encode value as td into resp (replacing its content). */
int es10_encode(struct euicc *e, const struct asn_TYPE_descriptor_s *td,
		const void *value, struct sgp_buf *resp);

/* Sign data with SK.EUICC.ECDSA: 64-byte raw r||s (SGP.22 tag 5F37). */
int euicc_sign(struct euicc *e, const uint8_t *data, size_t len, uint8_t sig[64]);

/* --- profile operations (profile_ops.c), shared by ES10c (SGP.22 5.7.16-18)
 * and the SGP.32 PSMOs (5.9.x): one set of rules, two encodings --- */

/* The common result codes of EnableProfileResponse / EnableProfileResult,
 * DisableProfile..., DeleteProfile... (values as in the ASN.1). */
enum profile_op_result {
	PROFILE_OP_OK = 0,
	PROFILE_OP_NOT_FOUND = 1,		/* iccidOrAidNotFound */
	PROFILE_OP_WRONG_STATE = 2,		/* profileNotIn{Disabled,Enabled}State */
	PROFILE_OP_DISALLOWED_BY_POLICY = 3,	/* disallowedByPolicy (PPR, class rules) */
	PROFILE_OP_WRONG_REENABLING = 4,	/* wrongProfileReenabling (ES10c only) */
	PROFILE_OP_CAT_BUSY = 5,		/* catBusy */
	PROFILE_OP_ROLLBACK_NOT_AVAILABLE = 20,	/* SGP.32 rollbackNotAvailable */
	PROFILE_OP_RETURN_FALLBACK = 21,	/* SGP.32 returnFallbackProfile */
	PROFILE_OP_UNDEFINED = 127,		/* undefinedError */
};

/* A profile named by ICCID (10-byte Iccid) or by ISD-P AID. */
struct profile_ref {
	const uint8_t *iccid;		/* NULL when named by AID */
	const uint8_t *aid;
	size_t aid_len;
};

/* Enable ref, disabling the enabled profile first; the notifications the
 * profiles' notificationConfigurationInfo asks for are queued (signed).
 * Returns 0 and *result (a refusal changes nothing), or a negative
 * sgp_err for internal failures.  rollback (SGP.32 enable with
 * rollbackFlag) records the previously enabled profile for ProfileRollback. */
int profile_op_enable(struct euicc *e, const struct profile_ref *ref, bool rollback,
		      enum profile_op_result *result);
int profile_op_disable(struct euicc *e, const struct profile_ref *ref,
		       enum profile_op_result *result);
int profile_op_delete(struct euicc *e, const struct profile_ref *ref,
		      enum profile_op_result *result);

/* Queue a signed profile management notification (OtherSignedNotification,
 * SGP.22 5.7.9/5.7.10) for event (NotificationEvent bit: 0 install, 1
 * enable, 2 disable, 3 delete) of the profile p, to the address its
 * notificationConfigurationInfo names for that event — nothing when it asks
 * for none.  Used by profile_ops.c and the SGP.32 functions. */
int euicc_notify_profile_event(struct euicc *e, const struct euicc_profile *p, int event);

/* --- persistent state (euicc_store.c) --- */

struct euicc_card {
	char default_smdp[256];
	char root_smds[256];
	int64_t next_seq;		/* next notification seqNumber */
	int64_t next_isdp;		/* suffix of the next ISD-P AID */
	uint8_t fallback_iccid[10];	/* SGP.32: the profile to return to */
	bool has_fallback;
	uint8_t rollback_iccid[10];	/* SGP.32: enable with rollback pending */
	bool has_rollback;
	bool immediate_enable;		/* ConfigureImmediateProfileEnabling */
	char immediate_smdp[256];
};

int euicc_store_migrate(struct sgp_store *st);
int euicc_card_create(struct euicc *e, const char *default_smdp, const char *root_smds);
int euicc_card_get(struct euicc *e, struct euicc_card *c);
int euicc_card_put(struct euicc *e, const struct euicc_card *c);
/* Take the next notification seqNumber (and advance it). */
int euicc_card_next_seq(struct euicc *e, uint32_t *seq);
/* Build the next ISD-P AID (A0000005591010FFFFFFFF89000010nn...). */
int euicc_card_next_isdp_aid(struct euicc *e, uint8_t aid[16], size_t *len);

int euicc_profile_get(struct euicc *e, const uint8_t iccid[10], struct euicc_profile *out);
int euicc_profile_get_by_aid(struct euicc *e, const uint8_t *aid, size_t len,
			     struct euicc_profile *out);
int euicc_profile_get_enabled(struct euicc *e, struct euicc_profile *out);
int euicc_profile_put(struct euicc *e, const struct euicc_profile *p);	/* insert or replace */
int euicc_profile_set_state(struct euicc *e, const uint8_t iccid[10], int state);
int euicc_profile_delete(struct euicc *e, const uint8_t iccid[10]);

int euicc_notification_add(struct euicc *e, int kind, int event, const char *address,
			   const uint8_t *iccid, const uint8_t *data, size_t len, uint32_t seq);
int euicc_notification_remove(struct euicc *e, uint32_t seq);

int euicc_eim_get(struct euicc *e, const char *eim_id, struct euicc_eim *out);
int euicc_eim_put(struct euicc *e, const struct euicc_eim *m);
int euicc_eim_delete(struct euicc *e, const char *eim_id);

/* Everything of this eUICC goes (eUICCMemoryReset of all, tests). */
int euicc_store_wipe_profiles(struct euicc *e);

#endif
