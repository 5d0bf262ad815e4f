/* sgp32lab: certificate helpers — strict DER/PEM input, key identifiers,
 * the EID in an eUICC certificate (SGP.22 section 4.5.2.1.0.2: subject
 * serialNumber), public keys. */
#include "core/pki/pki_internal.h"
#include "core/err.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

int pki_read_file(const char *path, struct sgp_buf *out)
{
	int rc = sgp_buf_read_file(path, SGP_PKI_MAX_FILE, out);

	if (rc == SGP_ERR_TOOBIG)
		LOGP(DPKI, LOGL_ERROR, "%s: more than the limit of %d bytes", path, SGP_PKI_MAX_FILE);
	return rc;
}

int sgp_pki_cert_from_der(const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *x;

	*out = NULL;
	if (!der || len == 0)
		return SGP_ERR_PARSE;
	if (len > SGP_PKI_MAX_FILE)
		return SGP_ERR_TOOBIG;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		ERR_clear_error();
		return SGP_ERR_PARSE;
	}
	if ((size_t)(p - der) != len) {
		LOGP(DPKI, LOGL_ERROR, "certificate followed by %zu stray bytes",
		     len - (size_t)(p - der));
		X509_free(x);
		return SGP_ERR_PARSE;
	}
	*out = x;
	return SGP_OK;
}

static bool is_pem(const struct sgp_buf *b)
{
	static const char tag[] = "-----BEGIN ";

	for (size_t i = 0; i + sizeof(tag) - 1 <= b->len; i++)
		if (memcmp(b->data + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

int sgp_pki_cert_read_file(const char *path, X509 **out)
{
	struct sgp_buf b = SGP_BUF_INIT;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	rc = pki_read_file(path, &b);
	if (rc)
		goto out;
	if (!is_pem(&b)) {
		rc = sgp_pki_cert_from_der(b.data, b.len, out);
		goto out;
	}
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (!bio) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!*out)
		rc = SGP_ERR_PARSE;
out:
	if (rc && rc != SGP_ERR_NOTFOUND)
		LOGP(DPKI, LOGL_ERROR, "%s: cannot read certificate: %s", path, sgp_strerror(rc));
	ERR_clear_error();
	BIO_free(bio);
	sgp_buf_free(&b);
	return rc;
}

int sgp_pki_key_read_file(const char *path, EVP_PKEY **out)
{
	struct sgp_buf b = SGP_BUF_INIT;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	rc = pki_read_file(path, &b);
	if (rc)
		goto out;
	if (b.len == 0) {
		rc = SGP_ERR_PARSE;	/* an empty file holds no key */
		goto out;
	}
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (!bio) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	if (is_pem(&b))
		*out = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	else
		*out = d2i_PrivateKey_bio(bio, NULL);
	if (!*out)
		rc = SGP_ERR_PARSE;
out:
	if (rc && rc != SGP_ERR_NOTFOUND)
		LOGP(DPKI, LOGL_ERROR, "%s: cannot read private key: %s", path, sgp_strerror(rc));
	ERR_clear_error();
	BIO_free(bio);
	sgp_buf_free_secure(&b);
	return rc;
}

int sgp_pki_cert_der(X509 *cert, struct sgp_buf *out)
{
	unsigned char *der = NULL;
	int len, rc;

	len = i2d_X509(cert, &der);
	if (len <= 0)
		return SGP_ERR_PARSE;
	rc = sgp_buf_set(out, der, (size_t)len);
	OPENSSL_free(der);
	return rc;
}

int sgp_pki_cert_ski(X509 *cert, struct sgp_buf *out)
{
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);

	if (!ski || ASN1_STRING_length(ski) <= 0)
		return SGP_ERR_NOTFOUND;
	return sgp_buf_set(out, ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski));
}

int sgp_pki_cert_aki(X509 *cert, struct sgp_buf *out)
{
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cert);

	if (!aki || ASN1_STRING_length(aki) <= 0)
		return SGP_ERR_NOTFOUND;
	return sgp_buf_set(out, ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki));
}

int pki_name_entry(const X509_NAME *name, int nid, char *out, size_t out_len)
{
	const X509_NAME_ENTRY *e;
	const ASN1_STRING *s;
	int idx;

	idx = X509_NAME_get_index_by_NID(name, nid, -1);
	if (idx < 0)
		return SGP_ERR_NOTFOUND;
	e = X509_NAME_get_entry(name, idx);
	s = X509_NAME_ENTRY_get_data(e);
	if (!s || ASN1_STRING_length(s) < 0 || (size_t)ASN1_STRING_length(s) >= out_len)
		return SGP_ERR_PARSE;
	/* Printable/UTF8 strings only: no embedded NULs. */
	if (memchr(ASN1_STRING_get0_data(s), 0, (size_t)ASN1_STRING_length(s)))
		return SGP_ERR_PARSE;
	memcpy(out, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
	out[ASN1_STRING_length(s)] = '\0';
	return SGP_OK;
}

int sgp_pki_cert_eid(X509 *cert, char eid[SGP_EID_LEN + 1])
{
	return pki_name_entry(X509_get_subject_name(cert), NID_serialNumber, eid, SGP_EID_LEN + 1);
}

int pki_eum_constraints(X509 *eum, char *org, size_t org_len, char *prefix, size_t prefix_len)
{
	NAME_CONSTRAINTS *nc;
	int crit, rc = SGP_ERR_NOTFOUND;

	nc = X509_get_ext_d2i(eum, NID_name_constraints, &crit, NULL);
	if (!nc)
		return crit == -1 ? SGP_ERR_NOTFOUND : SGP_ERR_PARSE;
	for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
		GENERAL_SUBTREE *st = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i);

		if (st->base->type != GEN_DIRNAME)
			continue;
		rc = pki_name_entry(st->base->d.directoryName, NID_organizationName, org, org_len);
		if (!rc)
			rc = pki_name_entry(st->base->d.directoryName, NID_serialNumber,
					    prefix, prefix_len);
		if (rc != SGP_ERR_NOTFOUND)
			break;
	}
	NAME_CONSTRAINTS_free(nc);
	return rc;
}

EVP_PKEY *sgp_pki_cert_pubkey(X509 *cert)
{
	return X509_get0_pubkey(cert);
}

int sgp_pki_pubkey_point(EVP_PKEY *pkey, struct sgp_buf *out, enum sgp_pki_curve *curve)
{
	char group[64];
	uint8_t pt[133];
	size_t len = 0;

	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return SGP_ERR_UNSUPPORTED;
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
					    sizeof(group), NULL)) {
		ERR_clear_error();
		return SGP_ERR_UNSUPPORTED;
	}
	if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256")) {
		if (curve)
			*curve = SGP_PKI_CURVE_NIST;
	} else if (!strcmp(group, "brainpoolP256r1")) {
		if (curve)
			*curve = SGP_PKI_CURVE_BRP;
	} else {
		return SGP_ERR_UNSUPPORTED;
	}
	if (!out)
		return SGP_OK;
	if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     pt, sizeof(pt), &len) || len != 65 || pt[0] != 0x04) {
		ERR_clear_error();
		return SGP_ERR_CRYPTO;
	}
	return sgp_buf_set(out, pt, len);
}
