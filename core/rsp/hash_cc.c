/* sgp32lab: the confirmation code hash both ends compute (SGP.22 5.7.5:
 * hashCc = SHA256(SHA256(confirmation code) | transactionId)) */
#include "core/rsp/auth.h"
#include "core/err.h"

#include <openssl/evp.h>
#include <string.h>

int rsp_hash_cc(const char *cc, const uint8_t *tid, size_t tid_len, uint8_t out[32])
{
	uint8_t buf[32 + 16];
	unsigned int n;

	/* the transactionId comes from the peer: TransactionId is 1..16 bytes */
	if (!cc || !tid || !tid_len || tid_len > 16 || !out)
		return SGP_ERR_INVAL;
	if (!EVP_Digest(cc, strlen(cc), buf, &n, EVP_sha256(), NULL))
		return SGP_ERR_CRYPTO;
	memcpy(buf + 32, tid, tid_len);
	if (!EVP_Digest(buf, 32 + tid_len, out, &n, EVP_sha256(), NULL))
		return SGP_ERR_CRYPTO;
	return SGP_OK;
}
