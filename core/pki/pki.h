/* sgp32lab: the lab PKI — GSMA certificate profiles, generation, storage
 * and SGP.22-style chain verification.
 *
 * Certificate hierarchy (SGP.22 v2.5 section 4.5.2, SGP.32 v1.2):
 *
 *   CI (self-signed root, the "CI PKID" is its SubjectKeyIdentifier)
 *    +-- EUM ---- eUICC (one per EID; EID in subject serialNumber)
 *    +-- DPauth, DPpb, DPtls   (SM-DP+)
 *    +-- DSauth, DStls         (SM-DS)
 *    +-- eIM signing, eIM TLS  (SGP.32 defines no issuer nor role OID for
 *                               these; the lab has the CI sign them and marks
 *                               them with lab policy OIDs under 2.999)
 *    +-- IPA TLS               (the listener an eIM pushes packages to, SGP.32
 *                               6.3.2 injectHttps; a lab role, OID 2.999.32.3)
 *
 * Directory layout written by sgp_pki_save() (PEM, keys mode 0600):
 *   ci.pem ci.key  eum.pem eum.key  euicc-<EID>.pem euicc-<EID>.key
 *   dpauth.* dppb.* dptls.* dsauth.* dstls.* eim.* eimtls.* ipatls.*
 * sgp_pki_load() also reads the GSMA SGP.26 layout (CertificateIssuer/,
 * EUM/, eUICC/, DPauth/, DPpb/, DPtls/ with CERT_*_{NIST,BRP}.der and
 * SK_*.pem).
 *
 * All functions return 0 or a negative enum sgp_err; verification returns
 * the finer enum sgp_pki_result. */
#ifndef SGP_CORE_PKI_H
#define SGP_CORE_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/buf.h"

enum sgp_pki_curve {
	SGP_PKI_CURVE_NIST,	/* NIST P-256 (prime256v1) */
	SGP_PKI_CURVE_BRP,	/* brainpoolP256r1 */
};

enum sgp_pki_role {
	SGP_PKI_ROLE_CI,
	SGP_PKI_ROLE_EUM,
	SGP_PKI_ROLE_EUICC,
	SGP_PKI_ROLE_DPAUTH,
	SGP_PKI_ROLE_DPPB,
	SGP_PKI_ROLE_DPTLS,
	SGP_PKI_ROLE_DSAUTH,
	SGP_PKI_ROLE_DSTLS,
	SGP_PKI_ROLE_EIM,	/* eIM signing (eUICC packages, SGP.32 ESep) */
	SGP_PKI_ROLE_EIMTLS,	/* eIM TLS server (ESipa) */
	SGP_PKI_ROLE_IPATLS,	/* IPA TLS server (ESipa.TransferEimPackage push) */
	SGP_PKI_ROLE_COUNT
};

/* Why a certificate was rejected (most specific first hit wins). */
enum sgp_pki_result {
	SGP_PKI_OK = 0,
	SGP_PKI_MALFORMED,		/* undecodable, bad extension, unknown critical extension */
	SGP_PKI_UNKNOWN_CI,		/* AKI matches no trusted CI SKI */
	SGP_PKI_UNKNOWN_ISSUER,		/* AKI does not match the given issuer (EUM) */
	SGP_PKI_BAD_SIGNATURE,		/* signature does not verify with the issuer key */
	SGP_PKI_ISSUER_MISMATCH,	/* issuer name differs from the issuer's subject */
	SGP_PKI_EXPIRED,		/* now > notAfter */
	SGP_PKI_NOT_YET_VALID,		/* now < notBefore */
	SGP_PKI_WRONG_ROLE,		/* certificatePolicies lack the role's OID */
	SGP_PKI_BAD_KEY_USAGE,		/* keyUsage / extKeyUsage do not fit the role */
	SGP_PKI_BAD_BASIC_CONSTRAINTS,	/* CA flag / path length do not fit the role */
	SGP_PKI_BAD_KEY,		/* not an EC key on P-256 / brainpoolP256r1 */
	SGP_PKI_EID_INVALID,		/* EID not 32 digits or check digits wrong */
	SGP_PKI_EID_OUTSIDE_EUM,	/* O / EID prefix outside the EUM's nameConstraints */
	SGP_PKI_EID_MISMATCH,		/* EID differs from the expected EID */
	SGP_PKI_NO_EUM,			/* eUICC certificate given without an EUM certificate */
	SGP_PKI_RESULT_COUNT
};

const char *sgp_pki_result_str(enum sgp_pki_result r);
const char *sgp_pki_role_name(enum sgp_pki_role role);	/* "dpauth", ... */
/* Parse a role name as printed by sgp_pki_role_name(); -1 if unknown. */
int sgp_pki_role_parse(const char *name);
const char *sgp_pki_curve_name(enum sgp_pki_curve curve);	/* "nist" / "brp" */
int sgp_pki_curve_parse(const char *name);			/* -1 if unknown */
/* Dotted policy OID of a role (SGP.22 id-rspRole-*, lab OIDs for the eIM). */
const char *sgp_pki_role_policy_oid(enum sgp_pki_role role);

/* --- EID (SGP.29: 32 digits, check digits as in ISO 7064 mod 97-10) --- */
#define SGP_EID_LEN 32
/* 0 if eid is 32 decimal digits whose value mod 97 is 1, else SGP_ERR_PARSE. */
int sgp_eid_check(const char *eid);
/* Build a valid EID from prefix (up to 30 digits) and random digits. */
int sgp_eid_generate(const char *prefix, char eid[SGP_EID_LEN + 1]);
/* Complete 30 digits with the two check digits. */
int sgp_eid_complete(const char *digits30, char eid[SGP_EID_LEN + 1]);

/* --- the PKI object --- */
struct sgp_pki;

struct sgp_pki_gen_opts {
	enum sgp_pki_curve curve;
	const char *const *eids;	/* EIDs for eUICC certificates ... */
	size_t n_eids;			/* ... 0: one generated EID */
	const char *eum_eid_prefix;	/* NULL: "89001012" */
	time_t not_before;		/* 0: time(NULL) */
	const char *org;		/* NULL: "SGP32LAB" (subject O prefix) */
};

/* Generate a complete lab PKI in memory (CI, EUM, eUICCs, DP, DS, eIM). */
int sgp_pki_generate(const struct sgp_pki_gen_opts *opts, struct sgp_pki **out);

/* Fine control for the lab (fault injection: expired or foreign
 * certificates): issue one certificate of a role with the PKI's CI (or the
 * EUM for an eUICC).  Zero fields take the role's defaults.  The EID of an
 * eUICC is not checked against the EUM prefix here, so out-of-range
 * certificates can be made deliberately. */
struct sgp_pki_issue_opts {
	const char *eid;		/* eUICC only */
	time_t not_before, not_after;	/* 0: defaults of the role profile */
	const char *policy_oid;		/* NULL: the role's policy */
};
int sgp_pki_issue(struct sgp_pki *pki, enum sgp_pki_role role,
		  const struct sgp_pki_issue_opts *opts, X509 **cert_out, EVP_PKEY **key_out);
/* Add an eUICC (new key, certificate from the EUM) to the PKI. */
int sgp_pki_add_euicc(struct sgp_pki *pki, const char *eid);

/* Write the PKI to dir in the layout above; SGP_ERR_EXISTS if dir already
 * holds a PKI and force is false.  With force, old files are replaced and
 * stale euicc-*.pem/.key removed. */
int sgp_pki_save(const struct sgp_pki *pki, const char *dir, bool force);
/* Load a PKI from dir: the project layout (curve then comes from the
 * files), else the SGP.26 layout with the given curve's files (both of its
 * CIs are trusted).  Roles without files stay empty, a certificate without
 * its key is loaded public only; a CI certificate is required.  A key that
 * does not match its certificate is SGP_ERR_CRYPTO. */
int sgp_pki_load(const char *dir, enum sgp_pki_curve curve, struct sgp_pki **out);
void sgp_pki_free(struct sgp_pki *pki);

enum sgp_pki_curve sgp_pki_get_curve(const struct sgp_pki *pki);
/* Borrowed pointers (owned by the PKI), NULL if absent.  For the eUICC
 * role these return the first eUICC. */
X509 *sgp_pki_cert(const struct sgp_pki *pki, enum sgp_pki_role role);
EVP_PKEY *sgp_pki_key(const struct sgp_pki *pki, enum sgp_pki_role role);
size_t sgp_pki_euicc_count(const struct sgp_pki *pki);
/* i-th eUICC; any out pointer may be NULL. */
int sgp_pki_euicc_get(const struct sgp_pki *pki, size_t i, const char **eid,
		      X509 **cert, EVP_PKEY **key);
/* Trust another CI certificate (copied), e.g. SGP.26's next to the lab's. */
int sgp_pki_trust_ci(struct sgp_pki *pki, X509 *ci);
size_t sgp_pki_ci_count(const struct sgp_pki *pki);
X509 *sgp_pki_ci_get(const struct sgp_pki *pki, size_t i);
/* A PKI object that holds only trusted CIs (references taken), for a
 * verifier that owns no PKI but a CI list, e.g. the eUICC checking an
 * SM-DP+ chain against the CI it was told to use (SGP.22 5.7.13). */
int sgp_pki_new_trusting(enum sgp_pki_curve curve, X509 *const *ci, size_t n,
			 struct sgp_pki **out);
/* Trusted CI whose SKI (CI PKID) equals pkid, or NULL. */
X509 *sgp_pki_find_ci(const struct sgp_pki *pki, const uint8_t *pkid, size_t len);

/* --- verification (SGP.22 section 4.5.2 profiles, 5.x chain checks) --- */
struct sgp_pki_verify_info {
	X509 *ci;		/* the CI the chain ends in (borrowed), if found */
	int depth;		/* certificate that failed: 0 leaf, 1 EUM, 2 CI */
	char detail[160];	/* human-readable detail */
};

/* Verify cert for role at time now against the PKI's trusted CIs.  For an
 * eUICC certificate pass its EUM certificate (eum, else the PKI's own EUM is
 * used); expected_eid (may be NULL) must then equal the certificate's EID.
 * info may be NULL. */
enum sgp_pki_result sgp_pki_verify(const struct sgp_pki *pki, X509 *cert,
				   enum sgp_pki_role role, X509 *eum, time_t now,
				   const char *expected_eid, struct sgp_pki_verify_info *info);
/* Role whose policy OID the certificate carries, or -1. */
int sgp_pki_cert_role(X509 *cert);

/* --- certificate helpers --- */
#define SGP_PKI_MAX_FILE (256 * 1024)
/* Strict DER: the whole input must be one certificate. */
int sgp_pki_cert_from_der(const uint8_t *der, size_t len, X509 **out);
/* PEM or DER file (detected), at most SGP_PKI_MAX_FILE bytes. */
int sgp_pki_cert_read_file(const char *path, X509 **out);
int sgp_pki_key_read_file(const char *path, EVP_PKEY **out);
int sgp_pki_cert_der(X509 *cert, struct sgp_buf *out);
int sgp_pki_cert_ski(X509 *cert, struct sgp_buf *out);	/* SGP_ERR_NOTFOUND if absent */
int sgp_pki_cert_aki(X509 *cert, struct sgp_buf *out);	/* keyIdentifier of the AKI */
/* EID from the subject serialNumber (not checked); SGP_ERR_NOTFOUND if absent. */
int sgp_pki_cert_eid(X509 *cert, char eid[SGP_EID_LEN + 1]);
/* Borrowed public key of the certificate. */
EVP_PKEY *sgp_pki_cert_pubkey(X509 *cert);
/* Uncompressed EC point (04||X||Y, 65 bytes) and the curve of a key. */
int sgp_pki_pubkey_point(EVP_PKEY *pkey, struct sgp_buf *out, enum sgp_pki_curve *curve);

#endif
