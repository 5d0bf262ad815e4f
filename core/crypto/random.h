/* sgp32lab: random bytes for challenges, transaction ids and keys */
#ifndef SGP_CORE_CRYPTO_RANDOM_H
#define SGP_CORE_CRYPTO_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf from OpenSSL's CSPRNG; SGP_ERR_CRYPTO if it fails. */
int sgp_random_bytes(uint8_t *buf, size_t len);

#endif
