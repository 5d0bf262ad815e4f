/* sgp32lab: X9.63 KDF through OpenSSL's "X963KDF" EVP_KDF. */
#include "core/crypto/kdf.h"
#include "core/crypto/internal.h"
#include "core/err.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

int sgp_x963_kdf_sha256(const uint8_t *z, size_t z_len, const uint8_t *info,
			size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = sgp_crypto_x963kdf();
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[4], *p = params;
	int rc = SGP_OK;

	if (!z || !z_len || (!info && info_len) || !out || !out_len)
		return SGP_ERR_INVAL;
	if (!kdf)
		return SGP_ERR_UNSUPPORTED;
	ctx = EVP_KDF_CTX_new(kdf);
	if (!ctx)
		return SGP_ERR_NOMEM;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, z_len);
	if (info_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, out_len, params) != 1) {
		sgp_crypto_log_ossl("X9.63 KDF");
		OPENSSL_cleanse(out, out_len);
		rc = SGP_ERR_CRYPTO;
	} else {
		sgp_crypto_ctr.kdf++;
	}
	EVP_KDF_CTX_free(ctx);
	return rc;
}
