/* sgp32lab: ECKA, elliptic curve key agreement (ECDH, BSI TR-03111 ECKA-DH),
 * as used for the profile download session keys (SGP.22 §2.6.4, §3.1.3).
 *
 * Each side generates a one-time key pair with sgp_key_generate() on the
 * curve of the eUICC's / SM-DP+'s certificates (otSK/otPK.EUICC.ECKA,
 * otSK/otPK.DP.ECKA), sends otPK as an uncompressed point
 * (sgp_key_export_point()) and imports the peer's (sgp_key_import_point()).
 * The shared secret ShS is the X coordinate of otSK * peer otPK. */
#ifndef SGP_CRYPTO_ECKA_H
#define SGP_CRYPTO_ECKA_H

#include "core/crypto/key.h"

#include <stdint.h>

#define SGP_ECKA_SHS_LEN 32

/* Generate a one-time key pair otSK/otPK on curve and export otPK as the
 * uncompressed point that goes on the wire (euiccOtpk / smdpOtpk, tag 5F49). */
int sgp_ecka_generate_otk(enum sgp_curve curve, struct sgp_key **otk,
			  uint8_t otpk[SGP_CURVE_POINT_LEN]);

/* own: a key pair; peer: a public key on the same curve.  SGP_ERR_INVAL if
 * own has no private key or the curves differ; SGP_ERR_CRYPTO if OpenSSL
 * refuses the peer key.  shs is wiped on failure. */
int sgp_ecka_shared_secret(const struct sgp_key *own, const struct sgp_key *peer,
			   uint8_t shs[SGP_ECKA_SHS_LEN]);

#endif
