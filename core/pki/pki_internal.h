/* sgp32lab: internals shared by the core/pki files */
#ifndef SGP_CORE_PKI_INTERNAL_H
#define SGP_CORE_PKI_INTERNAL_H

#include "core/pki/pki.h"

/* Certificate profile of a role (SGP.22 v2.5 section 4.5.2.1). */
struct pki_profile {
	const char *name;	/* file base name and CLI name */
	const char *policy;	/* certificatePolicies OID */
	bool policy_critical;
	bool ca;		/* basicConstraints cA */
	int pathlen;		/* pathLenConstraint, -1: absent */
	const char *ku;		/* keyUsage (openssl conf syntax) */
	bool tls;		/* extKeyUsage serverAuth+clientAuth, DNS/IP SAN */
	const char *rid;	/* subjectAltName registeredID, NULL: none */
	const char *cn;		/* subject commonName */
	const char *dns;	/* TLS: lab DNS name (besides localhost) */
	int days;		/* validity; 0: no well-defined expiry (99991231235959Z) */
};

extern const struct pki_profile pki_profiles[SGP_PKI_ROLE_COUNT];

struct pki_euicc {
	char eid[SGP_EID_LEN + 1];
	X509 *cert;
	EVP_PKEY *key;
};

struct sgp_pki {
	enum sgp_pki_curve curve;
	char org[64];				/* subject O of the lab entities */
	char eum_prefix[SGP_EID_LEN + 1];	/* EID prefix the EUM may issue */
	time_t not_before;			/* default notBefore of new certificates, 0: now */
	X509 *cert[SGP_PKI_ROLE_COUNT];		/* EUICC slot unused */
	EVP_PKEY *key[SGP_PKI_ROLE_COUNT];
	struct pki_euicc *euicc;
	size_t n_euicc;
	X509 **ci;				/* trusted CIs (own CI first) */
	size_t n_ci;
};

struct sgp_pki *pki_alloc(enum sgp_pki_curve curve);
/* Take ownership of cert/key for a role (replacing what was there). */
void pki_set(struct sgp_pki *pki, enum sgp_pki_role role, X509 *cert, EVP_PKEY *key);
/* Take ownership of an eUICC certificate/key. */
int pki_add_euicc_owned(struct sgp_pki *pki, const char *eid, X509 *cert, EVP_PKEY *key);
/* Read a file of at most SGP_PKI_MAX_FILE bytes. */
int pki_read_file(const char *path, struct sgp_buf *out);
/* EUM nameConstraints: permitted O and EID prefix (GSMA rule); SGP_ERR_NOTFOUND if absent. */
int pki_eum_constraints(X509 *eum, char *org, size_t org_len, char *prefix, size_t prefix_len);
/* Text of the first entry of nid in name, SGP_ERR_NOTFOUND if absent. */
int pki_name_entry(const X509_NAME *name, int nid, char *out, size_t out_len);

#endif
