/* sgp32lab: AES-128 CBC/ECB and AES-CMAC through EVP_CIPHER / EVP_MAC. */
#include "core/crypto/aes.h"
#include "core/crypto/internal.h"
#include "core/err.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>

static int aes_run(EVP_CIPHER *cipher, int enc, const uint8_t *key, const uint8_t *iv,
		   const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0, rc = SGP_ERR_CRYPTO;

	if (!key || (!in && len) || (!out && len))
		return SGP_ERR_INVAL;
	if (len % SGP_AES_BLOCK || len > INT_MAX)
		return SGP_ERR_INVAL;
	if (!cipher)
		return SGP_ERR_UNSUPPORTED;
	if (!len)
		return SGP_OK;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return SGP_ERR_NOMEM;
	if (EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &fin) != 1 || (size_t)(n + fin) != len) {
		sgp_crypto_log_ossl("AES");
		goto out;
	}
	if (enc)
		sgp_crypto_ctr.aes_enc_bytes += len;
	else
		sgp_crypto_ctr.aes_dec_bytes += len;
	rc = SGP_OK;
out:
	EVP_CIPHER_CTX_free(ctx);	/* clears the key schedule */
	return rc;
}

int sgp_aes_cbc_encrypt(const uint8_t key[SGP_AES_KEY_LEN], const uint8_t iv[SGP_AES_BLOCK],
			const uint8_t *in, size_t len, uint8_t *out)
{
	if (!iv)
		return SGP_ERR_INVAL;
	return aes_run(sgp_crypto_aes128_cbc(), 1, key, iv, in, len, out);
}

int sgp_aes_cbc_decrypt(const uint8_t key[SGP_AES_KEY_LEN], const uint8_t iv[SGP_AES_BLOCK],
			const uint8_t *in, size_t len, uint8_t *out)
{
	if (!iv)
		return SGP_ERR_INVAL;
	return aes_run(sgp_crypto_aes128_cbc(), 0, key, iv, in, len, out);
}

int sgp_aes_ecb_encrypt_block(const uint8_t key[SGP_AES_KEY_LEN],
			      const uint8_t in[SGP_AES_BLOCK], uint8_t out[SGP_AES_BLOCK])
{
	return aes_run(sgp_crypto_aes128_ecb(), 1, key, NULL, in, SGP_AES_BLOCK, out);
}

int sgp_cmac_init(struct sgp_cmac *c, const uint8_t key[SGP_AES_KEY_LEN])
{
	EVP_MAC *mac = sgp_crypto_cmac();
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];

	if (!c || !key)
		return SGP_ERR_INVAL;
	c->ctx = NULL;
	if (!mac)
		return SGP_ERR_UNSUPPORTED;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		return SGP_ERR_NOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						     (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, SGP_AES_KEY_LEN, params) != 1) {
		sgp_crypto_log_ossl("CMAC init");
		EVP_MAC_CTX_free(ctx);
		return SGP_ERR_CRYPTO;
	}
	c->ctx = ctx;
	return SGP_OK;
}

int sgp_cmac_update(struct sgp_cmac *c, const uint8_t *data, size_t len)
{
	if (!c || !c->ctx || (!data && len))
		return SGP_ERR_INVAL;
	if (len && EVP_MAC_update(c->ctx, data, len) != 1) {
		sgp_crypto_log_ossl("CMAC update");
		return SGP_ERR_CRYPTO;
	}
	return SGP_OK;
}

int sgp_cmac_final(struct sgp_cmac *c, uint8_t mac[SGP_AES_BLOCK])
{
	size_t n = 0;
	int rc = SGP_OK;

	if (!c || !c->ctx || !mac)
		return SGP_ERR_INVAL;
	if (EVP_MAC_final(c->ctx, mac, &n, SGP_AES_BLOCK) != 1 || n != SGP_AES_BLOCK) {
		sgp_crypto_log_ossl("CMAC final");
		OPENSSL_cleanse(mac, SGP_AES_BLOCK);
		rc = SGP_ERR_CRYPTO;
	} else {
		sgp_crypto_ctr.cmac++;
	}
	sgp_cmac_free(c);
	return rc;
}

void sgp_cmac_free(struct sgp_cmac *c)
{
	if (!c)
		return;
	EVP_MAC_CTX_free(c->ctx);
	c->ctx = NULL;
}

int sgp_aes_cmac(const uint8_t key[SGP_AES_KEY_LEN], const uint8_t *data, size_t len,
		 uint8_t mac[SGP_AES_BLOCK])
{
	struct sgp_cmac c;
	int rc;

	rc = sgp_cmac_init(&c, key);
	if (rc)
		return rc;
	rc = sgp_cmac_update(&c, data, len);
	if (rc) {
		sgp_cmac_free(&c);
		return rc;
	}
	return sgp_cmac_final(&c, mac);
}
