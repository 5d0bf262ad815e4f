/* sgp32lab: the two elliptic curves of GSMA RSP (SGP.22 §2.6.5, §4.5).
 *
 * NIST P-256 (secp256r1, OID 1.2.840.10045.3.1.7) and brainpoolP256r1
 * (RFC 5639, OID 1.3.36.3.3.2.8.1.1.7).  The lab's configuration names them
 * "nist" and "brp". */
#ifndef SGP_CRYPTO_CURVE_H
#define SGP_CRYPTO_CURVE_H

#include <stddef.h>
#include <stdint.h>

enum sgp_curve {
	SGP_CURVE_NIST_P256 = 1,
	SGP_CURVE_BRAINPOOL_P256R1 = 2,
};

/* Both curves have 32-byte coordinates and scalars. */
#define SGP_CURVE_FIELD_LEN 32
/* Uncompressed point 04 || X || Y. */
#define SGP_CURVE_POINT_LEN 65

/* Parse "nist" / "brp", OpenSSL's names ("prime256v1", "P-256",
 * "secp256r1", "brainpoolP256r1", any case) or a dotted OID.
 * SGP_ERR_NOTFOUND for any other curve, SGP_ERR_INVAL for NULL. */
int sgp_curve_parse(const char *name, enum sgp_curve *out);
/* Parse the content octets of a DER OBJECT IDENTIFIER (no tag, no length),
 * as found in the parameters of an id-ecPublicKey AlgorithmIdentifier. */
int sgp_curve_from_oid_der(const uint8_t *oid, size_t len, enum sgp_curve *out);
/* Content octets of the curve's OID; *len receives its length. */
const uint8_t *sgp_curve_oid_der(enum sgp_curve curve, size_t *len);

/* "nist" / "brp"; "?" for an invalid value. */
const char *sgp_curve_name(enum sgp_curve curve);
/* OpenSSL group name: "prime256v1" / "brainpoolP256r1"; NULL if invalid. */
const char *sgp_curve_ossl_name(enum sgp_curve curve);
/* Dotted OID text; NULL if invalid. */
const char *sgp_curve_oid(enum sgp_curve curve);

#endif
