/* sgp32lab: operation counters of the crypto module.
 *
 * Every ECDSA, ECDH, KDF, CMAC and AES operation done through core/crypto is
 * counted here, so benchmarks and the lab's reports can say how much crypto
 * a scenario cost.  The counters are process-wide; the lab runs one event
 * loop thread, so they are plain integers (not atomic). */
#ifndef SGP_CRYPTO_COUNTERS_H
#define SGP_CRYPTO_COUNTERS_H

#include <stdint.h>

struct sgp_crypto_counters {
	uint64_t keygens;	/* EC key pairs generated (one-time keys, PKI) */
	uint64_t signs;		/* ECDSA signatures made */
	uint64_t verifies;	/* ECDSA verifications attempted */
	uint64_t ecdh;		/* ECKA shared secrets derived */
	uint64_t kdf;		/* X9.63 KDF runs */
	uint64_t cmac;		/* AES-CMAC computations finished */
	uint64_t aes_enc_bytes;	/* bytes encrypted with AES (CBC and ECB) */
	uint64_t aes_dec_bytes;	/* bytes decrypted with AES */
};

/* Copy the current values. */
void sgp_crypto_counters_get(struct sgp_crypto_counters *out);
/* Set every counter back to 0. */
void sgp_crypto_counters_reset(void);

#endif
