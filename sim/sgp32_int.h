/* sgp32lab: the eUICC model — what the SGP.32 function files share
 * (es10_sgp32.c, es10_sgp32_state.c, euicc_package.c, euicc_eco.c,
 * euicc_psmo.c, ipa_euicc_data.c, sgp32_state.c).  Private to sim/. */
#ifndef SGP_SIM_SGP32_INT_H
#define SGP_SIM_SGP32_INT_H

#include "sim/euicc_int.h"

struct EimConfigurationData;
struct EuiccResultData;
struct EuiccPackageResultDataSigned;
struct Psmo;
struct Eco;
struct SGP32_StoreMetadataRequest;

/* Lab limit: how many eIMs one eUICC keeps (SGP.32 leaves it to the eUICC;
 * one more is insufficientMemory). */
#define EUICC_MAX_EIMS 8
/* Highest counterValue accepted (SGP.32 v1.2: counterValue is at most
 * 2^23 - 1; above it: counterValueOutOfRange). */
#define EUICC_EIM_COUNTER_MAX 0x7FFFFFL

/* --- sgp32_state.c: SGP.32 state kept beside the card record --- */
struct sgp32_state {
	int64_t next_token;		/* next associationToken handed out */
	struct sgp_buf rollback_epr;	/* EuiccPackageResultDataSigned of the
					   package whose enable allowed a rollback */
	uint8_t emergency_return[10];	/* profile to re-enable after the emergency profile */
	bool has_emergency_return;
};
int sgp32_state_get(struct euicc *e, struct sgp32_state *st);
int sgp32_state_put(struct euicc *e, const struct sgp32_state *st);
void sgp32_state_release(struct sgp32_state *st);

/* The metadata stored with a profile, decoded as SGP32-StoreMetadataRequest
 * (an SGP.22 StoreMetadataRequest decodes too); NULL when there is none. */
int sgp32_profile_metadata(struct euicc *e, const struct euicc_profile *p,
			   struct SGP32_StoreMetadataRequest **out);
/* The emergency profile (metadata ecallIndication TRUE), the fallback
 * profile (fallbackAttribute): 0, SGP_ERR_NOTFOUND or an error. */
int sgp32_find_emergency(struct euicc *e, struct euicc_profile *out);
int sgp32_find_fallback(struct euicc *e, struct euicc_profile *out);
/* Is an emergency profile enabled (eCall active)? */
int sgp32_ecall_active(struct euicc *e, bool *active);

/* --- euicc_eco.c: eIM configurations (SGP.32 2.11.1.1.1) --- */

/* The checks of a new or updated EimConfigurationData; the values are the
 * common codes of AddInitialEimResponse / AddEimResult / UpdateEimResult. */
enum eim_cfg_check {
	EIM_CFG_OK = 0,
	EIM_CFG_CI_UNKNOWN = 3,		/* ciPKUnknown */
	EIM_CFG_INVALID_TOKEN = 5,	/* invalidAssociationToken */
	EIM_CFG_COUNTER_RANGE = 6,	/* counterValueOutOfRange */
	EIM_CFG_COMMAND_ERROR = 7,	/* commandError: missing or unusable key */
};
enum eim_cfg_check euicc_eim_config_check(struct euicc *e, const struct EimConfigurationData *c,
					  bool require_key);
/* Store a new eIM: an associationToken of -1 is replaced by a fresh token
 * (*token, *has_token); the counter starts at counterValue (0 if absent). */
int euicc_eim_add(struct euicc *e, struct EimConfigurationData *c, long *token, bool *has_token);
int euicc_eim_count(struct euicc *e, size_t *n);
/* Decode a stored configuration; its eIM key (eimPublicKey or the key of
 * eimCertificate); its associationToken (0 when none). */
int euicc_eim_decode(struct euicc *e, const struct euicc_eim *m, struct EimConfigurationData **out);
int euicc_eim_key(struct euicc *e, const struct EimConfigurationData *c, struct sgp_key **key);
long euicc_eim_token(const struct EimConfigurationData *c);
/* Run one eCO of a verified package of signer. */
int euicc_eco_run(struct euicc *e, const struct Eco *eco, struct EuiccResultData *out);

/* --- euicc_psmo.c: PSMOs (SGP.32 2.11.1.1.3) --- */
/* Run one PSMO; *rollback set when an enable with rollbackFlag succeeded. */
int euicc_psmo_run(struct euicc *e, const struct Psmo *psmo, struct EuiccResultData *out,
		   bool *rollback);

/* --- euicc_package.c: ES10b.LoadEuiccPackage (SGP.32 5.9.1) --- */
int es10b_load_euicc_package(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
/* DER(value) || associationToken '84' (token 0 when none): the data that
 * eimSignature, euiccSignEPR and euiccSignEPE cover (SGP.32 2.11). */
int sgp32_signed_data(struct euicc *e, const struct asn_TYPE_descriptor_s *td, const void *value,
		      long token, struct sgp_buf *tbs);
/* Sign data (a decoded EuiccPackageResultDataSigned with a new seqNumber),
 * encode the EuiccPackageResult into der, and keep it for the IPA
 * (notification kind EUICC_NOTIF_PACKAGE_RESULT to the eIM's address). */
int sgp32_package_result_issue(struct euicc *e, struct EuiccPackageResultDataSigned *data,
			       struct sgp_buf *der);

/* --- es10_sgp32_state.c: rollback, immediate enable, fallback, emergency --- */
int es10b_profile_rollback(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_immediate_enable(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_execute_fallback(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_return_from_fallback(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_enable_emergency(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_disable_emergency(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
/* --- ipa_euicc_data.c --- */
int es10b_ipa_euicc_data(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);

#endif
