/* sgp32lab: shared internals of core/crypto (not for use outside it). */
#ifndef SGP_CRYPTO_INTERNAL_H
#define SGP_CRYPTO_INTERNAL_H

#include "core/crypto/counters.h"
#include "core/crypto/curve.h"

#include <openssl/evp.h>

/* The live counters; only core/crypto increments them. */
extern struct sgp_crypto_counters sgp_crypto_ctr;

/* Algorithms fetched once from the default provider (NULL if missing). */
EVP_CIPHER *sgp_crypto_aes128_cbc(void);
EVP_CIPHER *sgp_crypto_aes128_ecb(void);
EVP_MAC *sgp_crypto_cmac(void);
EVP_KDF *sgp_crypto_x963kdf(void);

/* Group order n of the curve, 32 bytes big-endian. */
const uint8_t *sgp_curve_order(enum sgp_curve curve);

/* Log and clear OpenSSL's error queue after a failed call. */
void sgp_crypto_log_ossl(const char *what);

#endif
