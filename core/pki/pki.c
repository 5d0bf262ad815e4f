/* sgp32lab: the PKI object — who owns which certificate and key, and the
 * set of trusted CIs (SGP.22: an eUICC or server may trust several CIs,
 * each known by its CI PKID, the CI certificate's SubjectKeyIdentifier). */
#include "core/pki/pki_internal.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

struct sgp_pki *pki_alloc(enum sgp_pki_curve curve)
{
	struct sgp_pki *pki = calloc(1, sizeof(*pki));

	if (pki) {
		pki->curve = curve;
		strcpy(pki->org, "SGP32LAB");
		strcpy(pki->eum_prefix, "89001012");
	}
	return pki;
}

void pki_set(struct sgp_pki *pki, enum sgp_pki_role role, X509 *cert, EVP_PKEY *key)
{
	X509_free(pki->cert[role]);
	EVP_PKEY_free(pki->key[role]);
	pki->cert[role] = cert;
	pki->key[role] = key;
}

int pki_add_euicc_owned(struct sgp_pki *pki, const char *eid, X509 *cert, EVP_PKEY *key)
{
	struct pki_euicc *n;

	if (strlen(eid) > SGP_EID_LEN)
		return SGP_ERR_INVAL;
	n = realloc(pki->euicc, (pki->n_euicc + 1) * sizeof(*n));
	if (!n)
		return SGP_ERR_NOMEM;
	pki->euicc = n;
	n = &pki->euicc[pki->n_euicc++];
	memset(n, 0, sizeof(*n));
	strcpy(n->eid, eid);
	n->cert = cert;
	n->key = key;
	return SGP_OK;
}

void sgp_pki_free(struct sgp_pki *pki)
{
	if (!pki)
		return;
	for (int i = 0; i < SGP_PKI_ROLE_COUNT; i++)
		pki_set(pki, (enum sgp_pki_role)i, NULL, NULL);
	for (size_t i = 0; i < pki->n_euicc; i++) {
		X509_free(pki->euicc[i].cert);
		EVP_PKEY_free(pki->euicc[i].key);
	}
	free(pki->euicc);
	for (size_t i = 0; i < pki->n_ci; i++)
		X509_free(pki->ci[i]);
	free(pki->ci);
	free(pki);
}

enum sgp_pki_curve sgp_pki_get_curve(const struct sgp_pki *pki)
{
	return pki->curve;
}

X509 *sgp_pki_cert(const struct sgp_pki *pki, enum sgp_pki_role role)
{
	if ((unsigned)role >= SGP_PKI_ROLE_COUNT)
		return NULL;
	if (role == SGP_PKI_ROLE_EUICC)
		return pki->n_euicc ? pki->euicc[0].cert : NULL;
	return pki->cert[role];
}

EVP_PKEY *sgp_pki_key(const struct sgp_pki *pki, enum sgp_pki_role role)
{
	if ((unsigned)role >= SGP_PKI_ROLE_COUNT)
		return NULL;
	if (role == SGP_PKI_ROLE_EUICC)
		return pki->n_euicc ? pki->euicc[0].key : NULL;
	return pki->key[role];
}

size_t sgp_pki_euicc_count(const struct sgp_pki *pki)
{
	return pki->n_euicc;
}

int sgp_pki_euicc_get(const struct sgp_pki *pki, size_t i, const char **eid,
		      X509 **cert, EVP_PKEY **key)
{
	if (i >= pki->n_euicc)
		return SGP_ERR_NOTFOUND;
	if (eid)
		*eid = pki->euicc[i].eid;
	if (cert)
		*cert = pki->euicc[i].cert;
	if (key)
		*key = pki->euicc[i].key;
	return SGP_OK;
}

int sgp_pki_trust_ci(struct sgp_pki *pki, X509 *ci)
{
	X509 **n;

	for (size_t i = 0; i < pki->n_ci; i++)
		if (X509_cmp(pki->ci[i], ci) == 0)
			return SGP_OK;
	n = realloc(pki->ci, (pki->n_ci + 1) * sizeof(*n));
	if (!n)
		return SGP_ERR_NOMEM;
	pki->ci = n;
	if (!X509_up_ref(ci))
		return SGP_ERR_CRYPTO;
	pki->ci[pki->n_ci++] = ci;
	return SGP_OK;
}

int sgp_pki_new_trusting(enum sgp_pki_curve curve, X509 *const *ci, size_t n,
			 struct sgp_pki **out)
{
	struct sgp_pki *pki = pki_alloc(curve);
	int rc = pki ? SGP_OK : SGP_ERR_NOMEM;

	for (size_t i = 0; rc == SGP_OK && i < n; i++)
		rc = sgp_pki_trust_ci(pki, ci[i]);
	if (rc < 0) {
		sgp_pki_free(pki);
		pki = NULL;
	}
	*out = pki;
	return rc;
}

size_t sgp_pki_ci_count(const struct sgp_pki *pki)
{
	return pki->n_ci;
}

X509 *sgp_pki_ci_get(const struct sgp_pki *pki, size_t i)
{
	return i < pki->n_ci ? pki->ci[i] : NULL;
}

X509 *sgp_pki_find_ci(const struct sgp_pki *pki, const uint8_t *pkid, size_t len)
{
	for (size_t i = 0; i < pki->n_ci; i++) {
		const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(pki->ci[i]);

		if (ski && (size_t)ASN1_STRING_length(ski) == len &&
		    memcmp(ASN1_STRING_get0_data(ski), pkid, len) == 0)
			return pki->ci[i];
	}
	return NULL;
}
