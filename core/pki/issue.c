/* sgp32lab: issuing certificates after the SGP.22 v2.5 section 4.5.2.1
 * profiles (see profile.c), and generating a complete lab PKI. */
#include "core/pki/pki_internal.h"
#include "core/err.h"
#include "core/log.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define EUICC_NOT_AFTER "99991231235959Z"	/* RFC 5280 4.1.2.5: no expiry */

static EVP_PKEY *gen_key(enum sgp_pki_curve curve)
{
	return EVP_EC_gen(curve == SGP_PKI_CURVE_BRP ? "brainpoolP256r1" : "P-256");
}

static int name_add(X509_NAME *n, int nid, const char *v)
{
	int type = (nid == NID_countryName || nid == NID_serialNumber) ?
		   MBSTRING_ASC : MBSTRING_UTF8;

	/* C and serialNumber are PrintableString (RFC 5280 appendix A). */
	if (type == MBSTRING_ASC)
		return X509_NAME_add_entry_by_NID(n, nid, V_ASN1_PRINTABLESTRING,
						  (const unsigned char *)v, -1, -1, 0) ? 0 : -1;
	return X509_NAME_add_entry_by_NID(n, nid, type, (const unsigned char *)v, -1, -1, 0) ? 0 : -1;
}

/* Subject names after SGP.26: CI "CN, OU, O, C"; EUM "C, O, CN"; eUICC
 * "C, O, serialNumber=EID, CN"; servers "O, CN". */
static X509_NAME *make_subject(const struct sgp_pki *pki, enum sgp_pki_role role,
			       const char *eid, const char *eum_org)
{
	const struct pki_profile *p = &pki_profiles[role];
	X509_NAME *n = X509_NAME_new();
	char buf[128];
	int rc = 0;

	if (!n)
		return NULL;
	switch (role) {
	case SGP_PKI_ROLE_CI:
		snprintf(buf, sizeof(buf), "%s %s", pki->org, p->cn);
		rc |= name_add(n, NID_commonName, buf);
		rc |= name_add(n, NID_organizationalUnitName, "TESTCERT");
		rc |= name_add(n, NID_organizationName, pki->org);
		rc |= name_add(n, NID_countryName, "ZZ");
		break;
	case SGP_PKI_ROLE_EUM:
		rc |= name_add(n, NID_countryName, "ZZ");
		rc |= name_add(n, NID_organizationName, eum_org);
		rc |= name_add(n, NID_commonName, p->cn);
		break;
	case SGP_PKI_ROLE_EUICC:
		rc |= name_add(n, NID_countryName, "ZZ");
		rc |= name_add(n, NID_organizationName, eum_org);
		rc |= name_add(n, NID_serialNumber, eid);
		rc |= name_add(n, NID_commonName, p->cn);
		break;
	default:
		rc |= name_add(n, NID_organizationName, pki->org);
		rc |= name_add(n, NID_commonName, p->cn);
		break;
	}
	if (rc) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (!ext) {
		LOGP(DPKI, LOGL_ERROR, "cannot build extension %s=%s", OBJ_nid2sn(nid), value);
		return SGP_ERR_CRYPTO;
	}
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? SGP_OK : SGP_ERR_NOMEM;
}

/* certificatePolicies with one PolicyInformation, no qualifiers. */
static int add_policy(X509 *cert, const char *oid, bool critical)
{
	CERTIFICATEPOLICIES *cp = CERTIFICATEPOLICIES_new();
	POLICYINFO *pi = POLICYINFO_new();
	int rc = SGP_ERR_NOMEM;

	if (!cp || !pi)
		goto out;
	ASN1_OBJECT_free(pi->policyid);
	pi->policyid = OBJ_txt2obj(oid, 1);
	if (!pi->policyid) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	if (!sk_POLICYINFO_push(cp, pi))
		goto out;
	pi = NULL;
	rc = X509_add1_ext_i2d(cert, NID_certificate_policies, cp, critical, 0) == 1 ?
	     SGP_OK : SGP_ERR_CRYPTO;
out:
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cp);
	return rc;
}

/* EUM nameConstraints: permittedSubtrees = directoryName { O, serialNumber
 * = EID prefix } (SGP.22 4.5.2.1.0.3, the GSMA reading of RFC 5280). */
static int add_eum_constraints(X509 *cert, const char *org, const char *prefix)
{
	NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
	GENERAL_SUBTREE *st = GENERAL_SUBTREE_new();
	X509_NAME *dn = X509_NAME_new();
	int rc = SGP_ERR_NOMEM;

	if (!nc || !st || !dn)
		goto out;
	if (name_add(dn, NID_organizationName, org) || name_add(dn, NID_serialNumber, prefix))
		goto out;
	nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
	if (!nc->permittedSubtrees)
		goto out;
	st->base->type = GEN_DIRNAME;
	st->base->d.directoryName = dn;
	dn = NULL;
	if (!sk_GENERAL_SUBTREE_push(nc->permittedSubtrees, st))
		goto out;
	st = NULL;
	rc = X509_add1_ext_i2d(cert, NID_name_constraints, nc, 1, 0) == 1 ? SGP_OK : SGP_ERR_CRYPTO;
out:
	X509_NAME_free(dn);
	GENERAL_SUBTREE_free(st);
	NAME_CONSTRAINTS_free(nc);
	return rc;
}

static int set_serial(X509 *cert)
{
	uint8_t rnd[8];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return SGP_ERR_CRYPTO;
	rnd[0] = (uint8_t)((rnd[0] & 0x7f) | 0x01);	/* positive, 8 bytes */
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	if (!bn)
		return SGP_ERR_NOMEM;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok ? SGP_OK : SGP_ERR_NOMEM;
}

static int set_validity(X509 *cert, const struct pki_profile *p, time_t nb, time_t na)
{
	if (!ASN1_TIME_set(X509_getm_notBefore(cert), nb))
		return SGP_ERR_INVAL;
	if (na)
		return ASN1_TIME_set(X509_getm_notAfter(cert), na) ? SGP_OK : SGP_ERR_INVAL;
	if (p->days == 0)
		return ASN1_TIME_set_string_X509(X509_getm_notAfter(cert), EUICC_NOT_AFTER) ?
		       SGP_OK : SGP_ERR_INVAL;
	return ASN1_TIME_set(X509_getm_notAfter(cert), nb + (time_t)p->days * 86400) ?
	       SGP_OK : SGP_ERR_INVAL;
}

static int add_extensions(X509 *cert, X509 *issuer, const struct pki_profile *p,
			  const char *policy, const char *eum_org, const char *eum_prefix)
{
	X509V3_CTX ctx;
	char buf[256];
	int rc;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if (issuer != cert) {
		rc = add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
		if (rc)
			return rc;
	}
	rc = add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
	if (!rc)
		rc = add_ext(cert, &ctx, NID_key_usage, p->ku);
	if (!rc && p->tls)
		rc = add_ext(cert, &ctx, NID_ext_key_usage, "critical,serverAuth,clientAuth");
	if (!rc)
		rc = add_policy(cert, policy, p->policy_critical);
	if (!rc && p->ca) {
		if (p->pathlen >= 0)
			snprintf(buf, sizeof(buf), "critical,CA:TRUE,pathlen:%d", p->pathlen);
		else
			snprintf(buf, sizeof(buf), "critical,CA:TRUE");
		rc = add_ext(cert, &ctx, NID_basic_constraints, buf);
	}
	if (!rc && (p->tls || p->rid)) {
		if (p->tls)
			snprintf(buf, sizeof(buf), "DNS:localhost,DNS:%s,IP:127.0.0.1%s%s",
				 p->dns, p->rid ? ",RID:" : "", p->rid ? p->rid : "");
		else
			snprintf(buf, sizeof(buf), "RID:%s", p->rid);
		rc = add_ext(cert, &ctx, NID_subject_alt_name, buf);
	}
	if (!rc && eum_prefix)
		rc = add_eum_constraints(cert, eum_org, eum_prefix);
	return rc;
}

int sgp_pki_issue(struct sgp_pki *pki, enum sgp_pki_role role,
		  const struct sgp_pki_issue_opts *opts, X509 **cert_out, EVP_PKEY **key_out)
{
	static const struct sgp_pki_issue_opts no_opts;
	const struct pki_profile *p;
	char org[65], prefix[SGP_EID_LEN + 1], eum_org[96];
	X509 *cert = NULL, *issuer;
	EVP_PKEY *key = NULL, *issuer_key;
	X509_NAME *subj = NULL;
	time_t nb;
	int rc = SGP_ERR_CRYPTO;

	*cert_out = NULL;
	*key_out = NULL;
	if ((unsigned)role >= SGP_PKI_ROLE_COUNT)
		return SGP_ERR_INVAL;
	opts = opts ? opts : &no_opts;
	p = &pki_profiles[role];
	issuer = role == SGP_PKI_ROLE_EUICC ? pki->cert[SGP_PKI_ROLE_EUM] : pki->cert[SGP_PKI_ROLE_CI];
	issuer_key = role == SGP_PKI_ROLE_EUICC ? pki->key[SGP_PKI_ROLE_EUM] : pki->key[SGP_PKI_ROLE_CI];
	if (role != SGP_PKI_ROLE_CI && (!issuer || !issuer_key))
		return SGP_ERR_STATE;
	snprintf(eum_org, sizeof(eum_org), "%s Test EUM", pki->org);
	if (role == SGP_PKI_ROLE_EUICC) {
		if (!opts->eid || strlen(opts->eid) != SGP_EID_LEN)
			return SGP_ERR_INVAL;
		/* The eUICC's O is the one the EUM's constraints permit. */
		rc = pki_eum_constraints(issuer, org, sizeof(org), prefix, sizeof(prefix));
		if (rc == SGP_OK)
			snprintf(eum_org, sizeof(eum_org), "%s", org);
		else if (pki_name_entry(X509_get_subject_name(issuer), NID_organizationName,
					eum_org, sizeof(eum_org)))
			return SGP_ERR_INVAL;
	}
	nb = opts->not_before ? opts->not_before : pki->not_before ? pki->not_before : time(NULL);

	key = gen_key(pki->curve);
	cert = X509_new();
	if (!key || !cert)
		goto out;
	subj = make_subject(pki, role, opts->eid, eum_org);
	if (!subj || !X509_set_version(cert, X509_VERSION_3) || !X509_set_subject_name(cert, subj) ||
	    !X509_set_issuer_name(cert, role == SGP_PKI_ROLE_CI ? subj : X509_get_subject_name(issuer)) ||
	    !X509_set_pubkey(cert, key))
		goto out;
	rc = set_serial(cert);
	if (!rc)
		rc = set_validity(cert, p, nb, opts->not_after);
	if (rc)
		goto out;
	if (role == SGP_PKI_ROLE_CI) {
		issuer = cert;
		issuer_key = key;
	}
	rc = add_extensions(cert, issuer, p, opts->policy_oid ? opts->policy_oid : p->policy,
			    eum_org, role == SGP_PKI_ROLE_EUM ? pki->eum_prefix : NULL);
	if (rc)
		goto out;
	rc = X509_sign(cert, issuer_key, EVP_sha256()) > 0 ? SGP_OK : SGP_ERR_CRYPTO;
out:
	if (rc) {
		LOGP(DPKI, LOGL_ERROR, "cannot issue a %s certificate: %s", p->name, sgp_strerror(rc));
		ERR_clear_error();
		X509_free(cert);
		EVP_PKEY_free(key);
	} else {
		*cert_out = cert;
		*key_out = key;
	}
	X509_NAME_free(subj);
	return rc;
}

int sgp_pki_add_euicc(struct sgp_pki *pki, const char *eid)
{
	struct sgp_pki_issue_opts o = { .eid = eid };
	X509 *cert;
	EVP_PKEY *key;
	int rc;

	if (sgp_eid_check(eid)) {
		LOGP(DPKI, LOGL_ERROR, "EID %s: not 32 digits with valid check digits", eid);
		return SGP_ERR_INVAL;
	}
	if (strncmp(eid, pki->eum_prefix, strlen(pki->eum_prefix)) != 0) {
		LOGP(DPKI, LOGL_ERROR, "EID %s is outside the EUM's prefix %s", eid, pki->eum_prefix);
		return SGP_ERR_INVAL;
	}
	for (size_t i = 0; i < pki->n_euicc; i++)
		if (!strcmp(pki->euicc[i].eid, eid))
			return SGP_ERR_EXISTS;
	rc = sgp_pki_issue(pki, SGP_PKI_ROLE_EUICC, &o, &cert, &key);
	if (rc)
		return rc;
	rc = pki_add_euicc_owned(pki, eid, cert, key);
	if (rc) {
		X509_free(cert);
		EVP_PKEY_free(key);
	}
	return rc;
}

int sgp_pki_generate(const struct sgp_pki_gen_opts *opts, struct sgp_pki **out)
{
	struct sgp_pki_issue_opts io = { .not_before = opts->not_before };
	struct sgp_pki *pki;
	char eid[SGP_EID_LEN + 1];
	int rc = SGP_ERR_NOMEM;

	*out = NULL;
	if (opts->eum_eid_prefix && (strlen(opts->eum_eid_prefix) > SGP_EID_LEN - 2 ||
				     strspn(opts->eum_eid_prefix, "0123456789") !=
				     strlen(opts->eum_eid_prefix)))
		return SGP_ERR_INVAL;
	if (opts->org && (!*opts->org || strlen(opts->org) >= sizeof(pki->org)))
		return SGP_ERR_INVAL;
	pki = pki_alloc(opts->curve);
	if (!pki)
		return SGP_ERR_NOMEM;
	if (opts->eum_eid_prefix)
		strcpy(pki->eum_prefix, opts->eum_eid_prefix);
	if (opts->org)
		strcpy(pki->org, opts->org);
	pki->not_before = io.not_before ? io.not_before : time(NULL);
	io.not_before = pki->not_before;
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++) {
		X509 *cert;
		EVP_PKEY *key;

		if (r == SGP_PKI_ROLE_EUICC)
			continue;
		rc = sgp_pki_issue(pki, (enum sgp_pki_role)r, &io, &cert, &key);
		if (rc)
			goto out;
		pki_set(pki, (enum sgp_pki_role)r, cert, key);
		if (r == SGP_PKI_ROLE_CI) {
			rc = sgp_pki_trust_ci(pki, cert);
			if (rc)
				goto out;
		}
	}
	for (size_t i = 0; i < opts->n_eids; i++) {
		rc = sgp_pki_add_euicc(pki, opts->eids[i]);
		if (rc)
			goto out;
	}
	if (opts->n_eids == 0) {
		rc = sgp_eid_generate(pki->eum_prefix, eid);
		if (!rc)
			rc = sgp_pki_add_euicc(pki, eid);
	}
out:
	if (rc)
		sgp_pki_free(pki);
	else
		*out = pki;
	return rc;
}
