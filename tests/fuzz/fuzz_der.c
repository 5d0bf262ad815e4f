/* sgp32lab fuzz target: strict DER decoding with type guessing (core/der) */
#include "core/der/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct der_guess g;
	struct der_error err;

	if (sgp_der_guess(data, size, &g, &err) == 0 && g.chosen >= 0) {
		/* a value that decoded must encode again */
		struct sgp_buf out = SGP_BUF_INIT;
		struct der_error eerr;
		if (sgp_der_encode(g.c[g.chosen].td, g.c[g.chosen].value, &out, &eerr) != 0)
			__builtin_trap();
		sgp_buf_free(&out);
	}
	sgp_der_guess_free(&g);
	return 0;
}
