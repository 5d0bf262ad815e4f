/* sgp32lab: EC key objects: generation, PEM, uncompressed points, SPKI.
 *
 * Only OpenSSL 3 EVP / OSSL_PARAM interfaces are used (no EC_KEY). */
#include "core/crypto/key.h"
#include "core/crypto/internal.h"
#include "core/err.h"
#include "core/log.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* Anything larger is not a single EC key. */
#define PEM_MAX_LEN	(64 * 1024)
#define SPKI_MAX_LEN	1024

struct sgp_key {
	EVP_PKEY *pkey;
	enum sgp_curve curve;
	bool has_private;
};

/* Never prompt for a pass phrase: encrypted PEM is refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static int curve_of(const EVP_PKEY *pkey, enum sgp_curve *curve)
{
	char group[64];

	if (!EVP_PKEY_is_a(pkey, "EC")) {
		LOGP(DCRYPTO, LOGL_NOTICE, "key is not an EC key");
		return SGP_ERR_UNSUPPORTED;
	}
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), NULL)) {
		ERR_clear_error();
		LOGP(DCRYPTO, LOGL_NOTICE, "EC key without a named curve");
		return SGP_ERR_UNSUPPORTED;
	}
	if (sgp_curve_parse(group, curve) != SGP_OK) {
		LOGP(DCRYPTO, LOGL_NOTICE, "EC key on unsupported curve %s", group);
		return SGP_ERR_UNSUPPORTED;
	}
	return SGP_OK;
}

int sgp_key_from_evp(EVP_PKEY *pkey, struct sgp_key **out)
{
	struct sgp_key *k;
	enum sgp_curve curve;
	BIGNUM *priv = NULL;
	int rc;

	if (!pkey || !out)
		return SGP_ERR_INVAL;
	rc = curve_of(pkey, &curve);
	if (rc)
		return rc;
	k = calloc(1, sizeof(*k));
	if (!k)
		return SGP_ERR_NOMEM;
	if (!EVP_PKEY_up_ref(pkey)) {
		free(k);
		return SGP_ERR_CRYPTO;
	}
	k->pkey = pkey;
	k->curve = curve;
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv)) {
		k->has_private = true;
		BN_clear_free(priv);
	}
	ERR_clear_error();
	*out = k;
	return SGP_OK;
}

/* Wrap a freshly made EVP_PKEY and drop the caller's reference. */
static int adopt(EVP_PKEY *pkey, struct sgp_key **out)
{
	int rc = sgp_key_from_evp(pkey, out);

	EVP_PKEY_free(pkey);
	return rc;
}

static int check_public(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok;

	if (!ctx)
		return SGP_ERR_NOMEM;
	ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		sgp_crypto_log_ossl("public key check");
		return SGP_ERR_PARSE;
	}
	return SGP_OK;
}

int sgp_key_generate(enum sgp_curve curve, struct sgp_key **out)
{
	const char *group = sgp_curve_ossl_name(curve);
	EVP_PKEY *pkey;

	if (!group || !out)
		return SGP_ERR_INVAL;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
	if (!pkey) {
		sgp_crypto_log_ossl("EC key generation");
		return SGP_ERR_CRYPTO;
	}
	sgp_crypto_ctr.keygens++;
	return adopt(pkey, out);
}

static int load_pem(BIO *bio, bool private, struct sgp_key **out)
{
	EVP_PKEY *pkey;

	if (private)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	else
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (!pkey) {
		sgp_crypto_log_ossl(private ? "PEM private key" : "PEM public key");
		return SGP_ERR_PARSE;
	}
	if (!private && check_public(pkey) != SGP_OK) {
		EVP_PKEY_free(pkey);
		return SGP_ERR_PARSE;
	}
	return adopt(pkey, out);
}

static int load_pem_mem(const void *pem, size_t len, bool private, struct sgp_key **out)
{
	BIO *bio;
	int rc;

	if (!pem || !out)
		return SGP_ERR_INVAL;
	if (len > PEM_MAX_LEN)
		return SGP_ERR_TOOBIG;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return SGP_ERR_NOMEM;
	rc = load_pem(bio, private, out);
	BIO_free(bio);
	return rc;
}

static int load_pem_file(const char *path, bool private, struct sgp_key **out)
{
	BIO *bio;
	int rc;

	if (!path || !out)
		return SGP_ERR_INVAL;
	bio = BIO_new_file(path, "r");
	if (!bio) {
		ERR_clear_error();
		LOGP(DCRYPTO, LOGL_NOTICE, "cannot open %s", path);
		return SGP_ERR_IO;
	}
	rc = load_pem(bio, private, out);
	BIO_free(bio);
	if (rc)
		LOGP(DCRYPTO, LOGL_NOTICE, "%s: %s", path, sgp_strerror(rc));
	return rc;
}

int sgp_key_load_private_pem(const void *pem, size_t len, struct sgp_key **out)
{
	return load_pem_mem(pem, len, true, out);
}

int sgp_key_load_private_pem_file(const char *path, struct sgp_key **out)
{
	return load_pem_file(path, true, out);
}

int sgp_key_load_public_pem(const void *pem, size_t len, struct sgp_key **out)
{
	return load_pem_mem(pem, len, false, out);
}

int sgp_key_load_public_pem_file(const char *path, struct sgp_key **out)
{
	return load_pem_file(path, false, out);
}

int sgp_key_export_private_pem(const struct sgp_key *key, struct sgp_buf *out)
{
	BIO *bio;
	char *data;
	long n;
	int rc = SGP_ERR_CRYPTO;

	if (!key || !out || !key->has_private)
		return SGP_ERR_INVAL;
	/* The secure-memory BIO wipes its buffer when freed. */
	bio = BIO_new(BIO_s_secmem());
	if (!bio)
		return SGP_ERR_NOMEM;
	if (!PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL)) {
		sgp_crypto_log_ossl("PEM private key export");
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		goto out;
	rc = sgp_buf_set(out, data, (size_t)n);
out:
	BIO_free(bio);
	return rc;
}

int sgp_key_export_point(const struct sgp_key *key, uint8_t out[SGP_CURVE_POINT_LEN])
{
	BIGNUM *x = NULL, *y = NULL;
	int rc = SGP_ERR_CRYPTO;

	if (!key || !out)
		return SGP_ERR_INVAL;
	if (!EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y)) {
		sgp_crypto_log_ossl("public point export");
		goto out;
	}
	out[0] = 0x04;
	if (BN_bn2binpad(x, out + 1, SGP_CURVE_FIELD_LEN) != SGP_CURVE_FIELD_LEN ||
	    BN_bn2binpad(y, out + 1 + SGP_CURVE_FIELD_LEN, SGP_CURVE_FIELD_LEN) !=
		    SGP_CURVE_FIELD_LEN)
		goto out;
	rc = SGP_OK;
out:
	BN_free(x);
	BN_free(y);
	return rc;
}

int sgp_key_import_point(enum sgp_curve curve, const uint8_t *point, size_t len,
			 struct sgp_key **out)
{
	const char *group = sgp_curve_ossl_name(curve);
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[3];
	int rc = SGP_ERR_PARSE;

	if (!group || !point || !out)
		return SGP_ERR_INVAL;
	if (len != SGP_CURVE_POINT_LEN || point[0] != 0x04) {
		LOGP(DCRYPTO, LOGL_NOTICE, "EC point: %zu bytes, first 0x%02x; "
		     "expected 65 bytes, uncompressed (04)", len, len ? point[0] : 0);
		return SGP_ERR_PARSE;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      (void *)point, len);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	/* Decoding the point already rejects points off the curve. */
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		sgp_crypto_log_ossl("EC point import");
		goto out;
	}
	rc = check_public(pkey);
	if (rc)
		goto out;
	rc = adopt(pkey, out);
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int sgp_key_export_spki(const struct sgp_key *key, struct sgp_buf *out)
{
	unsigned char *der = NULL;
	int n, rc;

	if (!key || !out)
		return SGP_ERR_INVAL;
	n = i2d_PUBKEY(key->pkey, &der);
	if (n <= 0) {
		sgp_crypto_log_ossl("SubjectPublicKeyInfo export");
		return SGP_ERR_CRYPTO;
	}
	rc = sgp_buf_set(out, der, (size_t)n);
	OPENSSL_free(der);
	return rc;
}

int sgp_key_import_spki(const uint8_t *der, size_t len, struct sgp_key **out)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey;
	int rc;

	if (!der || !out)
		return SGP_ERR_INVAL;
	if (len > SPKI_MAX_LEN)
		return SGP_ERR_TOOBIG;
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (!pkey) {
		sgp_crypto_log_ossl("SubjectPublicKeyInfo import");
		return SGP_ERR_PARSE;
	}
	if (p != der + len) {
		LOGP(DCRYPTO, LOGL_NOTICE, "SubjectPublicKeyInfo: %zu trailing bytes",
		     (size_t)(der + len - p));
		EVP_PKEY_free(pkey);
		return SGP_ERR_PARSE;
	}
	rc = check_public(pkey);
	if (rc) {
		EVP_PKEY_free(pkey);
		return rc;
	}
	return adopt(pkey, out);
}

enum sgp_curve sgp_key_curve(const struct sgp_key *key)
{
	return key->curve;
}

bool sgp_key_has_private(const struct sgp_key *key)
{
	return key && key->has_private;
}

bool sgp_key_public_eq(const struct sgp_key *a, const struct sgp_key *b)
{
	return a && b && a->curve == b->curve && EVP_PKEY_eq(a->pkey, b->pkey) == 1;
}

EVP_PKEY *sgp_key_evp(const struct sgp_key *key)
{
	return key ? key->pkey : NULL;
}

void sgp_key_free(struct sgp_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);	/* OpenSSL clears the private scalar */
	free(key);
}
