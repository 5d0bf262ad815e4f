/* sgp32lab: ANSI X9.63 key derivation function with SHA-256 (SGP.22 §2.6.4,
 * BSI TR-03111 §4.3.3; the KDF of the BSP session keys). */
#ifndef SGP_CRYPTO_KDF_H
#define SGP_CRYPTO_KDF_H

#include <stddef.h>
#include <stdint.h>

/* Derive out_len (>= 1) bytes from the shared secret z and the shared
 * info; info may be empty.  out is wiped on failure. */
int sgp_x963_kdf_sha256(const uint8_t *z, size_t z_len, const uint8_t *info,
			size_t info_len, uint8_t *out, size_t out_len);

#endif
