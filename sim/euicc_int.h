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
