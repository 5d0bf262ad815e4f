/* sgp32lab: throw-away test PKI for the HTTP tests. */
#include "http_testcerts.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdio.h>
#include <string.h>

static EVP_PKEY *gen_key(const char *curve)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		       long serial, const char *san)
{
	X509 *c = X509_new();
	X509_NAME *name = X509_NAME_new();
	if (!c || !name)
		goto fail;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600L * 24 * 30);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
				   -1, 0);
	X509_set_subject_name(c, name);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_set_pubkey(c, key);
	if (!issuer) {
		if (add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
		    add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign") ||
		    add_ext(c, c, NID_subject_key_identifier, "hash"))
			goto fail;
	} else {
		if (add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE") ||
		    add_ext(c, issuer, NID_key_usage, "critical,digitalSignature") ||
		    add_ext(c, issuer, NID_ext_key_usage, "serverAuth,clientAuth") ||
		    add_ext(c, issuer, NID_subject_key_identifier, "hash") ||
		    add_ext(c, issuer, NID_authority_key_identifier, "keyid") ||
		    add_ext(c, issuer, NID_subject_alt_name, san))
			goto fail;
	}
	if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()))
		goto fail;
	X509_NAME_free(name);
	return c;
fail:
	X509_NAME_free(name);
	X509_free(c);
	return NULL;
}

static int write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = cert ? PEM_write_X509(f, cert)
		  : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return ok ? 0 : -1;
}

int tc_make_pki(const char *dir, const char *prefix, const char *curve, const char *san,
		struct tc_pki *out)
{
	EVP_PKEY *cakey = gen_key(curve), *key = gen_key(curve);
	X509 *ca = NULL, *cert = NULL;
	int rc = -1;

	if (!cakey || !key)
		goto out;
	ca = make_cert(cakey, "sgp32lab test CA", NULL, NULL, 1, NULL);
	if (!ca)
		goto out;
	cert = make_cert(key, "sgp32lab test server", ca, cakey, 2, san);
	if (!cert)
		goto out;
	snprintf(out->ca, sizeof(out->ca), "%s/%s-ca.pem", dir, prefix);
	snprintf(out->cert, sizeof(out->cert), "%s/%s-srv.pem", dir, prefix);
	snprintf(out->key, sizeof(out->key), "%s/%s-srv.key", dir, prefix);
	if (write_pem(out->ca, ca, NULL) || write_pem(out->cert, cert, NULL) ||
	    write_pem(out->key, NULL, key))
		goto out;
	rc = 0;
out:
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	return rc;
}
