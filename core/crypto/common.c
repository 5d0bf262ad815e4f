/* sgp32lab: crypto module plumbing: operation counters, algorithms fetched
 * once from OpenSSL's default provider, OpenSSL error logging. */
#include "core/crypto/counters.h"
#include "core/crypto/internal.h"
#include "core/log.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <string.h>

struct sgp_crypto_counters sgp_crypto_ctr;

void sgp_crypto_counters_get(struct sgp_crypto_counters *out)
{
	*out = sgp_crypto_ctr;
}

void sgp_crypto_counters_reset(void)
{
	memset(&sgp_crypto_ctr, 0, sizeof(sgp_crypto_ctr));
}

/* Explicit fetches avoid OpenSSL's per-call implicit fetch; the objects live
 * until process exit. */
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_CIPHER *aes_cbc, *aes_ecb;
static EVP_MAC *cmac;
static EVP_KDF *x963;

static void fetch_all(void)
{
	aes_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	aes_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	x963 = EVP_KDF_fetch(NULL, "X963KDF", NULL);
	if (!aes_cbc || !aes_ecb || !cmac || !x963)
		sgp_crypto_log_ossl("fetching AES-128-CBC/ECB, CMAC, X963KDF");
}

static void fetch(void)
{
	if (!CRYPTO_THREAD_run_once(&fetch_once, fetch_all))
		LOGP(DCRYPTO, LOGL_ERROR, "algorithm fetch failed");
}

EVP_CIPHER *sgp_crypto_aes128_cbc(void)
{
	fetch();
	return aes_cbc;
}

EVP_CIPHER *sgp_crypto_aes128_ecb(void)
{
	fetch();
	return aes_ecb;
}

EVP_MAC *sgp_crypto_cmac(void)
{
	fetch();
	return cmac;
}

EVP_KDF *sgp_crypto_x963kdf(void)
{
	fetch();
	return x963;
}

void sgp_crypto_log_ossl(const char *what)
{
	unsigned long e;
	char text[256];

	e = ERR_get_error();
	if (e) {
		ERR_error_string_n(e, text, sizeof(text));
		LOGP(DCRYPTO, LOGL_NOTICE, "%s: %s", what, text);
	} else {
		LOGP(DCRYPTO, LOGL_NOTICE, "%s failed", what);
	}
	ERR_clear_error();
}
