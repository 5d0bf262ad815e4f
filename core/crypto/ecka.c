/* sgp32lab: ECKA-DH shared secret (SGP.22 §2.6.4, BSI TR-03111 §4.3.1). */
#include "core/crypto/ecka.h"
#include "core/crypto/internal.h"
#include "core/err.h"
#include "core/log.h"

#include <openssl/crypto.h>

int sgp_ecka_generate_otk(enum sgp_curve curve, struct sgp_key **otk,
			  uint8_t otpk[SGP_CURVE_POINT_LEN])
{
	struct sgp_key *k = NULL;
	int rc;

	if (!otk || !otpk)
		return SGP_ERR_INVAL;
	rc = sgp_key_generate(curve, &k);
	if (!rc)
		rc = sgp_key_export_point(k, otpk);
	if (rc) {
		sgp_key_free(k);
		return rc;
	}
	*otk = k;
	return SGP_OK;
}

int sgp_ecka_shared_secret(const struct sgp_key *own, const struct sgp_key *peer,
			   uint8_t shs[SGP_ECKA_SHS_LEN])
{
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = SGP_ECKA_SHS_LEN;
	int rc = SGP_ERR_CRYPTO;

	if (!own || !peer || !shs || !sgp_key_has_private(own))
		return SGP_ERR_INVAL;
	if (sgp_key_curve(own) != sgp_key_curve(peer)) {
		LOGP(DCRYPTO, LOGL_NOTICE, "ECKA: own key on %s, peer key on %s",
		     sgp_curve_name(sgp_key_curve(own)), sgp_curve_name(sgp_key_curve(peer)));
		return SGP_ERR_INVAL;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, sgp_key_evp(own), NULL);
	if (!ctx)
		return SGP_ERR_NOMEM;
	/* validate_peer = 1: OpenSSL checks the peer's public key again. */
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, sgp_key_evp(peer), 1) != 1 ||
	    EVP_PKEY_derive(ctx, shs, &len) != 1 || len != SGP_ECKA_SHS_LEN) {
		sgp_crypto_log_ossl("ECKA derive");
		OPENSSL_cleanse(shs, SGP_ECKA_SHS_LEN);
		goto out;
	}
	sgp_crypto_ctr.ecdh++;
	rc = SGP_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}
