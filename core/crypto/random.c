/* sgp32lab: random bytes for challenges, transaction ids and keys */
#include "core/crypto/random.h"
#include "core/err.h"

#include <limits.h>
#include <openssl/rand.h>

int sgp_random_bytes(uint8_t *buf, size_t len)
{
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;
		if (RAND_bytes(buf, n) != 1)
			return SGP_ERR_CRYPTO;
		buf += n;
		len -= (size_t)n;
	}
	return SGP_OK;
}
