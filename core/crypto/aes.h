/* sgp32lab: AES-128 primitives of SCP03t / BSP (SGP.22 §2.6.4, GlobalPlatform
 * Amendment D): CBC without padding, single-block ECB (for the ICV), and
 * AES-CMAC (NIST SP 800-38B, RFC 4493). */
#ifndef SGP_CRYPTO_AES_H
#define SGP_CRYPTO_AES_H

#include <stddef.h>
#include <stdint.h>

#define SGP_AES_BLOCK 16
#define SGP_AES_KEY_LEN 16

/* CBC, no padding: len must be a multiple of 16 (SGP_ERR_INVAL otherwise);
 * in and out may be the same buffer. */
int sgp_aes_cbc_encrypt(const uint8_t key[SGP_AES_KEY_LEN], const uint8_t iv[SGP_AES_BLOCK],
			const uint8_t *in, size_t len, uint8_t *out);
int sgp_aes_cbc_decrypt(const uint8_t key[SGP_AES_KEY_LEN], const uint8_t iv[SGP_AES_BLOCK],
			const uint8_t *in, size_t len, uint8_t *out);
/* One block in ECB mode. */
int sgp_aes_ecb_encrypt_block(const uint8_t key[SGP_AES_KEY_LEN],
			      const uint8_t in[SGP_AES_BLOCK], uint8_t out[SGP_AES_BLOCK]);

/* One-shot AES-CMAC, full 16-byte result. */
int sgp_aes_cmac(const uint8_t key[SGP_AES_KEY_LEN], const uint8_t *data, size_t len,
		 uint8_t mac[SGP_AES_BLOCK]);

/* Incremental AES-CMAC, for MACs over data that sits in several places
 * (MAC chaining value || tag || length || data). */
struct sgp_cmac {
	void *ctx;	/* EVP_MAC_CTX */
};
int sgp_cmac_init(struct sgp_cmac *c, const uint8_t key[SGP_AES_KEY_LEN]);
int sgp_cmac_update(struct sgp_cmac *c, const uint8_t *data, size_t len);
/* Writes the 16-byte MAC and releases the context (also on failure). */
int sgp_cmac_final(struct sgp_cmac *c, uint8_t mac[SGP_AES_BLOCK]);
/* Release a context that will not be finished; NULL ctx is fine. */
void sgp_cmac_free(struct sgp_cmac *c);

#endif
