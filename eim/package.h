/* sgp32lab: the eIM's eUICC packages (SGP.32 v1.2 section 2.11, ESep)
 *
 * Builds an EuiccPackageRequest ('BF51') holding a list of Profile State
 * Management Operations (PSMOs) or of eIM Configuration Operations (eCOs),
 * signs it with the eIM's key (eimSignature, raw r||s, SGP.22 2.6.5), and
 * checks the EuiccPackageResult the eUICC answers with its certificate.
 *
 * Signed data (SGP.32 v1.1 and later, section 2.11.1.1 / 2.11.2.1): the
 * eIM signs DER(euiccPackageSigned) || associationToken, the eUICC signs
 * DER(euiccPackageResultDataSigned) (or ...ErrorDataSigned) ||
 * associationToken, where associationToken is the data object '84' with
 * the token the eUICC gave this eIM, or the value 0 when it gave none.
 * (v1.0 had the eUICC sign over "data || eimSignature"; v1.2 wins.)
 *
 * Ownership: a struct eim_package owns the ASN.1 value it builds; free it
 * with eim_package_free().  A struct eim_result owns its decoded value. */
#ifndef SGP_EIM_PACKAGE_H
#define SGP_EIM_PACKAGE_H

#include "core/buf.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgp_key;
struct EuiccPackageRequest;
struct EuiccPackageResult;

/* The largest counterValue an eUICC accepts (SGP.32: 2^23 - 1). */
#define EIM_COUNTER_MAX 0x7FFFFFL

enum eim_package_kind { EIM_PACKAGE_PSMO, EIM_PACKAGE_ECO };

struct eim_package {
	enum eim_package_kind kind;
	long association_token;		/* 0: none given by the eUICC */
	struct EuiccPackageRequest *req;
};

/* Start a package of eim_id for the eUICC eid (16 bytes, as in '5A') with
 * this counterValue; the package has no item yet. */
int eim_package_init(struct eim_package *p, enum eim_package_kind kind, const char *eim_id,
		     const uint8_t eid[16], long counter);
/* eimTransactionId (1..16 bytes), optional. */
int eim_package_set_transaction_id(struct eim_package *p, const uint8_t *id, size_t len);
void eim_package_free(struct eim_package *p);
/* Number of items so far. */
size_t eim_package_count(const struct eim_package *p);

/* PSMOs (SGP.32 2.11.1.1.3), appended in order; SGP_ERR_INVAL on an ECO
 * package.  iccid is the 10-byte Iccid. */
int eim_psmo_enable(struct eim_package *p, const uint8_t iccid[10], bool rollback);
int eim_psmo_disable(struct eim_package *p, const uint8_t iccid[10]);
int eim_psmo_delete(struct eim_package *p, const uint8_t iccid[10]);
int eim_psmo_list_profile_info(struct eim_package *p);	/* all profiles, all tags */
int eim_psmo_get_rat(struct eim_package *p);
int eim_psmo_configure_immediate_enable(struct eim_package *p, bool enable, const char *smdp_address);
int eim_psmo_set_fallback_attribute(struct eim_package *p, const uint8_t iccid[10]);
int eim_psmo_unset_fallback_attribute(struct eim_package *p);
int eim_psmo_set_default_dp_address(struct eim_package *p, const char *address);

/* eCOs (SGP.32 2.11.1.1.2); cfg is an EimConfigurationData in DER. */
int eim_eco_add_eim(struct eim_package *p, const uint8_t *cfg, size_t len);
int eim_eco_update_eim(struct eim_package *p, const uint8_t *cfg, size_t len);
int eim_eco_delete_eim(struct eim_package *p, const char *eim_id);
int eim_eco_list_eim(struct eim_package *p);

/* Sign with the eIM's private key and encode the EuiccPackageRequest DER
 * into out.  A package without items is SGP_ERR_INVAL. */
int eim_package_sign(struct eim_package *p, const struct sgp_key *sk_eim, struct sgp_buf *out);

/* An EimConfigurationData (SGP.32 2.11.1.1.1) for AddInitialEim / addEim /
 * updateEim.  Exactly one of public_key (sent as eimPublicKey, a
 * SubjectPublicKeyInfo) and certificate (eimCertificate) may be set. */
struct eim_config {
	const char *eim_id;
	const char *eim_fqdn;			/* NULL: absent */
	int eim_id_type;			/* 0: absent, else EimIdType */
	bool has_counter;
	long counter;				/* initial counterValue */
	bool request_association_token;	/* associationToken -1: let the eUICC pick */
	const struct sgp_key *public_key;
	X509 *certificate;
	const uint8_t *euicc_ci_pkid;		/* NULL: absent */
	size_t euicc_ci_pkid_len;
};
int eim_config_encode(const struct eim_config *c, struct sgp_buf *out);

/* An EuiccPackageResult from the eUICC, decoded and checked. */
enum eim_result_kind {
	EIM_RESULT_SIGNED,		/* euiccPackageResultSigned */
	EIM_RESULT_ERROR_SIGNED,	/* euiccPackageErrorSigned */
	EIM_RESULT_ERROR_UNSIGNED,	/* euiccPackageErrorUnsigned (nothing to verify) */
};
struct eim_result {
	enum eim_result_kind kind;
	char eim_id[129];
	long counter;			/* signed kinds */
	long seq_number;		/* EIM_RESULT_SIGNED */
	long error_code;		/* EIM_RESULT_ERROR_SIGNED: EuiccPackageErrorCode */
	struct EuiccPackageResult *value;
};
/* Decode der (strict DER) and verify the eUICC's signature with the key of
 * euicc_cert and the association token the eIM holds (0: none).  Returns 0,
 * SGP_ERR_PARSE for a malformed result, SGP_ERR_VERIFY for a wrong
 * signature.  The chain of euicc_cert is the caller's business (core/pki). */
int eim_result_verify(const uint8_t *der, size_t len, X509 *euicc_cert, long association_token,
		      struct eim_result *out);
void eim_result_free(struct eim_result *r);

/* The signed-data suffix: associationToken as the data object '84'. */
int eim_association_token_tlv(long token, struct sgp_buf *out);

#endif
