/* sgp32lab: certificate chain verification the SGP.22 way.
 *
 * SGP.22 v2.5 section 4.5.2 (profiles) and the verifications of
 * ES10b.AuthenticateServer / ES9+.AuthenticateClient (sections 3.1.3,
 * 5.6.13, 5.7.13): the CI is found by its key identifier (the CI PKID, the
 * CI's SubjectKeyIdentifier, is matched against the certificate's
 * AuthorityKeyIdentifier), then signature, validity at the lab's (possibly
 * simulated) time, role through the certificate policy, key usage and
 * basic constraints are checked.  The EUM -> eUICC step applies the GSMA
 * name-constraint rule instead of the generic RFC 5280 one (which the
 * SGP.26 eUICC certificate does not satisfy): the eUICC subject's O equals
 * the permitted O of the EUM and its serialNumber (the EID) starts with the
 * permitted serialNumber.  No OpenSSL X509_verify_cert() is involved, so
 * OpenSSL's own name-constraint check never runs on this chain.
 *
 * The checks of one certificate run in a fixed order and the first failure
 * is the result: well-formedness, issuer key identifier, signature, issuer
 * name, validity, policy, key usage, basic constraints, EID. */
#include "core/pki/pki_internal.h"
#include "core/err.h"
#include "core/log.h"

#include <stdarg.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

struct vctx {
	const struct sgp_pki *pki;
	time_t now;
	struct sgp_pki_verify_info *info;
};

__attribute__((format(printf, 4, 5)))
static enum sgp_pki_result fail(struct vctx *v, int depth, enum sgp_pki_result r,
				const char *fmt, ...)
{
	va_list ap;

	ERR_clear_error();
	if (v->info) {
		v->info->depth = depth;
		va_start(ap, fmt);
		vsnprintf(v->info->detail, sizeof(v->info->detail), fmt, ap);
		va_end(ap);
	}
	LOGP(DPKI, LOGL_INFO, "certificate at depth %d rejected: %s", depth, sgp_pki_result_str(r));
	return r;
}

static bool same_octets(const ASN1_OCTET_STRING *a, const ASN1_OCTET_STRING *b)
{
	return a && b && ASN1_STRING_length(a) == ASN1_STRING_length(b) &&
	       memcmp(ASN1_STRING_get0_data(a), ASN1_STRING_get0_data(b),
		      (size_t)ASN1_STRING_length(a)) == 0;
}

/* Version 3, decodable extensions, no critical extension we do not know,
 * ecdsa-with-SHA256, an EC key on one of the two RSP curves. */
static enum sgp_pki_result check_form(struct vctx *v, X509 *c, int depth)
{
	uint32_t flags = X509_get_extension_flags(c);

	if (X509_get_version(c) != X509_VERSION_3)
		return fail(v, depth, SGP_PKI_MALFORMED, "not an X.509 v3 certificate");
	if (flags & EXFLAG_INVALID)
		return fail(v, depth, SGP_PKI_MALFORMED, "invalid or duplicate extension");
	if (flags & EXFLAG_CRITICAL)
		return fail(v, depth, SGP_PKI_MALFORMED, "unsupported critical extension");
	if (X509_get_signature_nid(c) != NID_ecdsa_with_SHA256)
		return fail(v, depth, SGP_PKI_MALFORMED, "signature algorithm is not ecdsa-with-SHA256");
	if (sgp_pki_pubkey_point(X509_get0_pubkey(c), NULL, NULL))
		return fail(v, depth, SGP_PKI_BAD_KEY, "public key is not EC P-256 or brainpoolP256r1");
	return SGP_PKI_OK;
}

static enum sgp_pki_result check_time(struct vctx *v, X509 *c, int depth)
{
	time_t now = v->now;
	int nb = X509_cmp_time(X509_get0_notBefore(c), &now);
	int na = X509_cmp_time(X509_get0_notAfter(c), &now);

	if (nb == 0 || na == 0)
		return fail(v, depth, SGP_PKI_MALFORMED, "unreadable validity time");
	if (nb > 0)
		return fail(v, depth, SGP_PKI_NOT_YET_VALID, "notBefore is after the verification time");
	if (na < 0)
		return fail(v, depth, SGP_PKI_EXPIRED, "notAfter is before the verification time");
	return SGP_PKI_OK;
}

static bool has_policy(X509 *c, const char *oid)
{
	CERTIFICATEPOLICIES *cp = X509_get_ext_d2i(c, NID_certificate_policies, NULL, NULL);
	ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
	bool found = false;

	for (int i = 0; cp && want && i < sk_POLICYINFO_num(cp); i++)
		if (OBJ_cmp(sk_POLICYINFO_value(cp, i)->policyid, want) == 0)
			found = true;
	ASN1_OBJECT_free(want);
	CERTIFICATEPOLICIES_free(cp);
	return found;
}

int sgp_pki_cert_role(X509 *cert)
{
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++)
		if (has_policy(cert, pki_profiles[r].policy))
			return r;
	ERR_clear_error();
	return -1;
}

/* Policy, keyUsage, extKeyUsage and basicConstraints of a role. */
static enum sgp_pki_result check_role(struct vctx *v, X509 *c, enum sgp_pki_role role, int depth)
{
	const struct pki_profile *p = &pki_profiles[role];
	uint32_t ku = X509_get_key_usage(c), flags = X509_get_extension_flags(c);

	if (!has_policy(c, p->policy))
		return fail(v, depth, SGP_PKI_WRONG_ROLE, "no certificate policy %s (%s)",
			    p->policy, p->name);
	if (!(flags & EXFLAG_KUSAGE))
		return fail(v, depth, SGP_PKI_BAD_KEY_USAGE, "no keyUsage extension");
	if (p->ca) {
		if (!(ku & KU_KEY_CERT_SIGN))
			return fail(v, depth, SGP_PKI_BAD_KEY_USAGE, "keyCertSign missing");
		if (!(flags & EXFLAG_CA))
			return fail(v, depth, SGP_PKI_BAD_BASIC_CONSTRAINTS, "not a CA certificate");
		if (p->pathlen >= 0 && X509_get_pathlen(c) > p->pathlen)
			return fail(v, depth, SGP_PKI_BAD_BASIC_CONSTRAINTS,
				    "pathLenConstraint above %d", p->pathlen);
		return SGP_PKI_OK;
	}
	if (!(ku & KU_DIGITAL_SIGNATURE) || (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)))
		return fail(v, depth, SGP_PKI_BAD_KEY_USAGE,
			    "keyUsage must be digitalSignature without certificate signing");
	if (p->tls && !(X509_get_extended_key_usage(c) & XKU_SSL_SERVER))
		return fail(v, depth, SGP_PKI_BAD_KEY_USAGE, "extKeyUsage lacks serverAuth");
	if ((flags & EXFLAG_BCONS) && (flags & EXFLAG_CA))
		return fail(v, depth, SGP_PKI_BAD_BASIC_CONSTRAINTS, "end-entity certificate is a CA");
	return SGP_PKI_OK;
}

/* One step issuer -> c: key identifier, signature, issuer name. */
static enum sgp_pki_result check_issued(struct vctx *v, X509 *c, X509 *issuer, int depth,
					enum sgp_pki_result unknown)
{
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(c);
	int ok;

	if (aki && !same_octets(aki, X509_get0_subject_key_id(issuer)))
		return fail(v, depth, unknown, "authorityKeyIdentifier matches no issuer key");
	ok = X509_verify(c, X509_get0_pubkey(issuer));
	if (ok != 1)
		return fail(v, depth, SGP_PKI_BAD_SIGNATURE, "signature does not verify with the issuer key");
	if (X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(issuer)) != 0)
		return fail(v, depth, SGP_PKI_ISSUER_MISMATCH, "issuer name differs from the issuer's subject");
	return SGP_PKI_OK;
}

/* The trusted CI that issued c: by AKI = CI PKID, or without an AKI the
 * CI whose key verifies the signature. */
static enum sgp_pki_result find_ci(struct vctx *v, X509 *c, int depth, X509 **ci)
{
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(c);

	*ci = NULL;
	if (v->pki->n_ci == 0)
		return fail(v, depth, SGP_PKI_UNKNOWN_CI, "no trusted CI");
	if (aki) {
		*ci = sgp_pki_find_ci(v->pki, ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki));
		if (!*ci)
			return fail(v, depth, SGP_PKI_UNKNOWN_CI, "authorityKeyIdentifier is no trusted CI PKID");
		return SGP_PKI_OK;
	}
	for (size_t i = 0; i < v->pki->n_ci; i++) {
		if (X509_verify(c, X509_get0_pubkey(v->pki->ci[i])) == 1) {
			*ci = v->pki->ci[i];
			return SGP_PKI_OK;
		}
	}
	return fail(v, depth, SGP_PKI_BAD_SIGNATURE, "no trusted CI key verifies the signature");
}

/* A trusted CI itself: still must be valid now and fit the CI profile. */
static enum sgp_pki_result check_ci(struct vctx *v, X509 *ci, int depth)
{
	enum sgp_pki_result r;

	if (v->info)
		v->info->ci = ci;
	r = check_form(v, ci, depth);
	if (!r)
		r = check_time(v, ci, depth);
	if (!r)
		r = check_role(v, ci, SGP_PKI_ROLE_CI, depth);
	return r;
}

/* cert issued directly by a CI (everything but the eUICC). */
static enum sgp_pki_result verify_ci_issued(struct vctx *v, X509 *c, enum sgp_pki_role role, int depth)
{
	enum sgp_pki_result r;
	X509 *ci;

	r = check_form(v, c, depth);
	if (!r)
		r = find_ci(v, c, depth, &ci);
	if (!r)
		r = check_ci(v, ci, depth + 1);
	if (!r)
		r = check_issued(v, c, ci, depth, SGP_PKI_UNKNOWN_CI);
	if (!r)
		r = check_time(v, c, depth);
	if (!r)
		r = check_role(v, c, role, depth);
	return r;
}

static enum sgp_pki_result verify_trusted_ci(struct vctx *v, X509 *c)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c);
	X509 *ci = ski ? sgp_pki_find_ci(v->pki, ASN1_STRING_get0_data(ski),
					 (size_t)ASN1_STRING_length(ski)) : NULL;
	enum sgp_pki_result r;

	if (!ci || X509_cmp(ci, c) != 0)
		return fail(v, 0, SGP_PKI_UNKNOWN_CI, "not one of the trusted CI certificates");
	r = check_ci(v, c, 0);
	if (!r && X509_verify(c, X509_get0_pubkey(c)) != 1)
		r = fail(v, 0, SGP_PKI_BAD_SIGNATURE, "CI self-signature does not verify");
	return r;
}

/* The EID checks of the EUM -> eUICC step. */
static enum sgp_pki_result check_eid(struct vctx *v, X509 *c, X509 *eum, const char *expected)
{
	char eid[SGP_EID_LEN + 1], org[128], eum_org[128], prefix[SGP_EID_LEN + 1];
	int rc;

	rc = sgp_pki_cert_eid(c, eid);
	if (rc)
		return fail(v, 0, SGP_PKI_EID_INVALID, "no EID (subject serialNumber) of 32 digits");
	if (expected && strcmp(expected, eid) != 0)
		return fail(v, 0, SGP_PKI_EID_MISMATCH, "EID %s, expected %s", eid, expected);
	if (sgp_eid_check(eid))
		return fail(v, 0, SGP_PKI_EID_INVALID, "EID %s: not 32 digits with valid check digits", eid);
	rc = pki_eum_constraints(eum, eum_org, sizeof(eum_org), prefix, sizeof(prefix));
	if (rc)
		return fail(v, 1, SGP_PKI_EID_OUTSIDE_EUM,
			    "EUM has no nameConstraints with O and serialNumber");
	if (pki_name_entry(X509_get_subject_name(c), NID_organizationName, org, sizeof(org)) ||
	    strcmp(org, eum_org) != 0)
		return fail(v, 0, SGP_PKI_EID_OUTSIDE_EUM, "subject O differs from the EUM's permitted O \"%s\"",
			    eum_org);
	if (strncmp(eid, prefix, strlen(prefix)) != 0)
		return fail(v, 0, SGP_PKI_EID_OUTSIDE_EUM, "EID %s outside the EUM's prefix %s", eid, prefix);
	return SGP_PKI_OK;
}

static enum sgp_pki_result verify_euicc(struct vctx *v, X509 *c, X509 *eum, const char *expected)
{
	enum sgp_pki_result r;

	r = check_form(v, c, 0);
	if (r)
		return r;
	if (!eum)
		return fail(v, 1, SGP_PKI_NO_EUM, "no EUM certificate");
	r = verify_ci_issued(v, eum, SGP_PKI_ROLE_EUM, 1);
	if (!r)
		r = check_issued(v, c, eum, 0, SGP_PKI_UNKNOWN_ISSUER);
	if (!r)
		r = check_time(v, c, 0);
	if (!r)
		r = check_role(v, c, SGP_PKI_ROLE_EUICC, 0);
	if (!r)
		r = check_eid(v, c, eum, expected);
	return r;
}

enum sgp_pki_result sgp_pki_verify(const struct sgp_pki *pki, X509 *cert,
				   enum sgp_pki_role role, X509 *eum, time_t now,
				   const char *expected_eid, struct sgp_pki_verify_info *info)
{
	struct vctx v = { .pki = pki, .now = now, .info = info };
	enum sgp_pki_result r;

	if (info)
		memset(info, 0, sizeof(*info));
	if (!pki || !cert || (unsigned)role >= SGP_PKI_ROLE_COUNT)
		return fail(&v, 0, SGP_PKI_MALFORMED, "no certificate or unknown role");
	switch (role) {
	case SGP_PKI_ROLE_CI:
		r = verify_trusted_ci(&v, cert);
		break;
	case SGP_PKI_ROLE_EUICC:
		r = verify_euicc(&v, cert, eum ? eum : pki->cert[SGP_PKI_ROLE_EUM], expected_eid);
		break;
	default:
		r = verify_ci_issued(&v, cert, role, 0);
		break;
	}
	if (r == SGP_PKI_OK && info)
		snprintf(info->detail, sizeof(info->detail), "%s certificate verified", pki_profiles[role].name);
	ERR_clear_error();
	return r;
}
