/* sgp32lab: ECDSA-SHA256 sign/verify and raw r||s <-> DER conversion. */
#include "core/crypto/ecdsa.h"
#include "core/crypto/internal.h"
#include "core/err.h"
#include "core/log.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdbool.h>
#include <string.h>

#define N SGP_CURVE_FIELD_LEN
/* SEQUENCE { INTEGER (<= 33 bytes), INTEGER } always fits a short length. */
#define DER_MAX_LEN (2 + 2 * (2 + N + 1))

/* 1 <= v <= n-1, v being 32 bytes big-endian. */
static bool scalar_in_range(enum sgp_curve curve, const uint8_t v[N])
{
	const uint8_t *n = sgp_curve_order(curve);
	bool nonzero = false;

	for (size_t i = 0; i < N; i++)
		nonzero |= v[i] != 0;
	return nonzero && memcmp(v, n, N) < 0;
}

static size_t put_integer(uint8_t *p, const uint8_t v[N])
{
	size_t skip = 0, len;

	while (skip < N - 1 && v[skip] == 0)
		skip++;
	len = N - skip;
	p[0] = 0x02;
	if (v[skip] & 0x80) {
		p[1] = (uint8_t)(len + 1);
		p[2] = 0x00;
		memcpy(p + 3, v + skip, len);
		return len + 3;
	}
	p[1] = (uint8_t)len;
	memcpy(p + 2, v + skip, len);
	return len + 2;
}

int sgp_ecdsa_raw_to_der(enum sgp_curve curve, const uint8_t raw[SGP_ECDSA_RAW_LEN],
			 struct sgp_buf *out)
{
	uint8_t der[DER_MAX_LEN];
	size_t len;

	if (!raw || !out || !sgp_curve_order(curve))
		return SGP_ERR_INVAL;
	if (!scalar_in_range(curve, raw) || !scalar_in_range(curve, raw + N))
		return SGP_ERR_VERIFY;
	len = 2;
	len += put_integer(der + len, raw);
	len += put_integer(der + len, raw + N);
	der[0] = 0x30;
	der[1] = (uint8_t)(len - 2);
	return sgp_buf_set(out, der, len);
}

/* One minimal, positive DER INTEGER of at most 32 significant bytes,
 * right-aligned into v. */
static int get_integer(const uint8_t **p, const uint8_t *end, uint8_t v[N])
{
	const uint8_t *q = *p;
	size_t len;

	if (end - q < 2 || q[0] != 0x02)
		return SGP_ERR_PARSE;
	len = q[1];
	q += 2;
	if (len & 0x80 || len == 0 || len > (size_t)(end - q))
		return SGP_ERR_PARSE;		/* long form, empty or truncated */
	if (q[0] & 0x80)
		return SGP_ERR_PARSE;		/* negative */
	if (len > 1 && q[0] == 0x00 && !(q[1] & 0x80))
		return SGP_ERR_PARSE;		/* not minimal */
	if (q[0] == 0x00 && len > 1) {
		q++;
		len--;
	}
	if (len > N)
		return SGP_ERR_PARSE;		/* oversized */
	memset(v, 0, N);
	memcpy(v + N - len, q, len);
	*p = q + len;
	return SGP_OK;
}

int sgp_ecdsa_der_to_raw(enum sgp_curve curve, const uint8_t *der, size_t len,
			 uint8_t raw[SGP_ECDSA_RAW_LEN])
{
	const uint8_t *p, *end;
	int rc;

	if (!der || !raw || !sgp_curve_order(curve))
		return SGP_ERR_INVAL;
	if (len < 2 || len > DER_MAX_LEN || der[0] != 0x30 || der[1] != len - 2) {
		LOGP(DCRYPTO, LOGL_NOTICE, "ECDSA-Sig-Value: bad SEQUENCE header or length");
		return SGP_ERR_PARSE;
	}
	p = der + 2;
	end = der + len;
	rc = get_integer(&p, end, raw);
	if (!rc)
		rc = get_integer(&p, end, raw + N);
	if (!rc && p != end)
		rc = SGP_ERR_PARSE;
	if (rc) {
		LOGP(DCRYPTO, LOGL_NOTICE, "ECDSA-Sig-Value: malformed INTEGER or trailing data");
		return rc;
	}
	if (!scalar_in_range(curve, raw) || !scalar_in_range(curve, raw + N))
		return SGP_ERR_VERIFY;
	return SGP_OK;
}

int sgp_ecdsa_sign_der(const struct sgp_key *key, const uint8_t *msg, size_t len,
		       struct sgp_buf *out)
{
	EVP_MD_CTX *md = NULL;
	uint8_t der[DER_MAX_LEN + 8];
	size_t der_len = sizeof(der);
	int rc = SGP_ERR_CRYPTO;

	if (!key || (!msg && len) || !out)
		return SGP_ERR_INVAL;
	if (!sgp_key_has_private(key))
		return SGP_ERR_INVAL;
	md = EVP_MD_CTX_new();
	if (!md)
		return SGP_ERR_NOMEM;
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, sgp_key_evp(key), NULL) != 1 ||
	    EVP_DigestSign(md, der, &der_len, msg, len) != 1) {
		sgp_crypto_log_ossl("ECDSA sign");
		goto out;
	}
	sgp_crypto_ctr.signs++;
	rc = sgp_buf_set(out, der, der_len);
out:
	EVP_MD_CTX_free(md);
	return rc;
}

int sgp_ecdsa_sign(const struct sgp_key *key, const uint8_t *msg, size_t len,
		   uint8_t sig[SGP_ECDSA_RAW_LEN])
{
	struct sgp_buf der = SGP_BUF_INIT;
	int rc;

	if (!sig)
		return SGP_ERR_INVAL;
	rc = sgp_ecdsa_sign_der(key, msg, len, &der);
	if (!rc && sgp_ecdsa_der_to_raw(sgp_key_curve(key), der.data, der.len, sig))
		rc = SGP_ERR_CRYPTO;	/* OpenSSL produced something we refuse */
	sgp_buf_free(&der);
	return rc;
}

int sgp_ecdsa_verify_der(const struct sgp_key *key, const uint8_t *msg, size_t len,
			 const uint8_t *der, size_t der_len)
{
	uint8_t raw[SGP_ECDSA_RAW_LEN];
	EVP_MD_CTX *md;
	int rc, v;

	if (!key || (!msg && len) || !der)
		return SGP_ERR_INVAL;
	/* Refuse non-minimal or out-of-range encodings before OpenSSL sees them. */
	rc = sgp_ecdsa_der_to_raw(sgp_key_curve(key), der, der_len, raw);
	if (rc == SGP_ERR_PARSE)
		rc = SGP_ERR_VERIFY;
	sgp_crypto_ctr.verifies++;
	if (rc)
		return rc;
	md = EVP_MD_CTX_new();
	if (!md)
		return SGP_ERR_NOMEM;
	if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, sgp_key_evp(key),
				    NULL) != 1) {
		sgp_crypto_log_ossl("ECDSA verify init");
		rc = SGP_ERR_CRYPTO;
		goto out;
	}
	v = EVP_DigestVerify(md, der, der_len, msg, len);
	if (v != 1) {
		ERR_clear_error();
		rc = SGP_ERR_VERIFY;
	}
out:
	EVP_MD_CTX_free(md);
	return rc;
}

int sgp_ecdsa_verify(const struct sgp_key *key, const uint8_t *msg, size_t len,
		     const uint8_t *sig, size_t sig_len)
{
	struct sgp_buf der = SGP_BUF_INIT;
	int rc;

	if (!key || !sig)
		return SGP_ERR_INVAL;
	if (sig_len != SGP_ECDSA_RAW_LEN) {
		LOGP(DCRYPTO, LOGL_NOTICE, "raw ECDSA signature of %zu bytes, expected 64",
		     sig_len);
		return SGP_ERR_PARSE;
	}
	rc = sgp_ecdsa_raw_to_der(sgp_key_curve(key), sig, &der);
	if (rc == SGP_ERR_VERIFY)
		sgp_crypto_ctr.verifies++;
	if (!rc)
		rc = sgp_ecdsa_verify_der(key, msg, len, der.data, der.len);
	sgp_buf_free(&der);
	return rc;
}

int sgp_ecdsa_verify_cert(X509 *cert, const uint8_t *msg, size_t len, const uint8_t *sig,
			  size_t sig_len)
{
	EVP_PKEY *pk = cert ? X509_get0_pubkey(cert) : NULL;
	struct sgp_key *key = NULL;
	int rc = pk ? sgp_key_from_evp(pk, &key) : SGP_ERR_CRYPTO;

	if (rc == SGP_OK)
		rc = sgp_ecdsa_verify(key, msg, len, sig, sig_len);
	if (rc == SGP_ERR_PARSE)
		rc = SGP_ERR_VERIFY;	/* a signature of the wrong length */
	sgp_key_free(key);
	return rc;
}
