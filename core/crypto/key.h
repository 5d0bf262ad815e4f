/* sgp32lab: EC keys on the RSP curves (SGP.22 §2.6.5).
 *
 * A struct sgp_key holds a public key, or a key pair, on NIST P-256 or
 * brainpoolP256r1.  It is created by one of the functions below and owned
 * by the caller, who releases it with sgp_key_free().  Keys on any other
 * curve, or non-EC keys, are refused with SGP_ERR_UNSUPPORTED. */
#ifndef SGP_CRYPTO_KEY_H
#define SGP_CRYPTO_KEY_H

#include "core/buf.h"
#include "core/crypto/curve.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgp_key;

/* Generate a key pair, e.g. the one-time key pairs otSK/otPK of ECKA
 * (SGP.22 §3.1.3.2 for the eUICC, §3.1.3.1 for the SM-DP+). */
int sgp_key_generate(enum sgp_curve curve, struct sgp_key **out);

/* PEM: "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (RFC 5915), an "EC
 * PARAMETERS" block in front is skipped; encrypted PEM is refused.  Public
 * keys: "PUBLIC KEY" (SubjectPublicKeyInfo).  SGP_ERR_PARSE on malformed
 * input, SGP_ERR_IO if the file cannot be read. */
int sgp_key_load_private_pem(const void *pem, size_t len, struct sgp_key **out);
int sgp_key_load_private_pem_file(const char *path, struct sgp_key **out);
int sgp_key_load_public_pem(const void *pem, size_t len, struct sgp_key **out);
int sgp_key_load_public_pem_file(const char *path, struct sgp_key **out);
/* Write the private key as unencrypted PKCS#8 PEM (for the lab's store). */
int sgp_key_export_private_pem(const struct sgp_key *key, struct sgp_buf *out);

/* Public key as an uncompressed point 04 || X || Y (65 bytes), the form of
 * otPK.EUICC.ECKA / otPK.DP.ECKA (tag 5F49) and of the eIM public key. */
int sgp_key_export_point(const struct sgp_key *key, uint8_t out[SGP_CURVE_POINT_LEN]);
/* Import such a point on the given curve; the point must be uncompressed,
 * 65 bytes and on the curve (SGP_ERR_PARSE otherwise). */
int sgp_key_import_point(enum sgp_curve curve, const uint8_t *point, size_t len,
			 struct sgp_key **out);

/* SubjectPublicKeyInfo DER (RFC 5480).  Import is strict: no trailing
 * bytes, named curve only, point on the curve. */
int sgp_key_export_spki(const struct sgp_key *key, struct sgp_buf *out);
int sgp_key_import_spki(const uint8_t *der, size_t len, struct sgp_key **out);

enum sgp_curve sgp_key_curve(const struct sgp_key *key);
bool sgp_key_has_private(const struct sgp_key *key);
/* True if both keys hold the same public point on the same curve. */
bool sgp_key_public_eq(const struct sgp_key *a, const struct sgp_key *b);

/* Bridge to OpenSSL for core/pki and the TLS layer: borrow the EVP_PKEY
 * (still owned by key), or wrap an EVP_PKEY (takes one new reference). */
EVP_PKEY *sgp_key_evp(const struct sgp_key *key);
int sgp_key_from_evp(EVP_PKEY *pkey, struct sgp_key **out);

void sgp_key_free(struct sgp_key *key);

#endif
