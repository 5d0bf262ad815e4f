/* sgp32lab: ECDSA with SHA-256 (SGP.22 §2.6.5).
 *
 * Signatures inside RSP messages (tag 5F37: euiccSignature1, serverSignature1,
 * smdpSignature2, the eIM's eUICC package signatures, ...) are the raw
 * concatenation r || s, 32 bytes each (SGP.22 §2.6.5, "the signature ...
 * shall be ... r and s ... concatenated"); X.509 and TLS use the DER
 * ECDSA-Sig-Value (RFC 3279 §2.2.3).  Both forms are offered and converted
 * strictly: r and s must be in [1, n-1] and the DER must be minimal. */
#ifndef SGP_CRYPTO_ECDSA_H
#define SGP_CRYPTO_ECDSA_H

#include "core/buf.h"
#include "core/crypto/curve.h"
#include "core/crypto/key.h"

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#define SGP_ECDSA_RAW_LEN 64

/* Sign msg (hashed with SHA-256) with a private key: raw r || s. */
int sgp_ecdsa_sign(const struct sgp_key *key, const uint8_t *msg, size_t len,
		   uint8_t sig[SGP_ECDSA_RAW_LEN]);
/* Verify a raw r || s signature.  SGP_OK if valid; SGP_ERR_VERIFY if the
 * signature is wrong (including r or s out of range); SGP_ERR_PARSE if it
 * is not 64 bytes long. */
/* The same with the public key of a certificate (an eUICC's, an EUM's):
 * SGP_OK, SGP_ERR_VERIFY for a wrong signature or one of the wrong length,
 * SGP_ERR_CRYPTO for a certificate without a usable EC key. */
int sgp_ecdsa_verify_cert(X509 *cert, const uint8_t *msg, size_t len, const uint8_t *sig,
			  size_t sig_len);
int sgp_ecdsa_verify(const struct sgp_key *key, const uint8_t *msg, size_t len,
		     const uint8_t *sig, size_t sig_len);

/* The same with DER ECDSA-Sig-Value signatures; out is replaced.  A DER
 * signature that is malformed or not minimal does not verify
 * (SGP_ERR_VERIFY). */
int sgp_ecdsa_sign_der(const struct sgp_key *key, const uint8_t *msg, size_t len,
		       struct sgp_buf *out);
int sgp_ecdsa_verify_der(const struct sgp_key *key, const uint8_t *msg, size_t len,
			 const uint8_t *der, size_t der_len);

/* Conversions.  raw -> DER: SGP_ERR_VERIFY if r or s is 0 or >= n.
 * DER -> raw: SGP_ERR_PARSE on anything that is not a minimal DER
 * SEQUENCE of two positive INTEGERs with nothing after it, SGP_ERR_VERIFY
 * if r or s is 0 or >= n. */
int sgp_ecdsa_raw_to_der(enum sgp_curve curve, const uint8_t raw[SGP_ECDSA_RAW_LEN],
			 struct sgp_buf *out);
int sgp_ecdsa_der_to_raw(enum sgp_curve curve, const uint8_t *der, size_t len,
			 uint8_t raw[SGP_ECDSA_RAW_LEN]);

#endif
