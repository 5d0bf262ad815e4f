/* sgp32lab fuzz target: raw ES10 commands into an eUICC (sim/).  The card
 * keeps its state between inputs, as a real one would. */
#include "sim/euicc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* live as long as the process (static, so LeakSanitizer sees them reachable) */
static struct euicc *card;
static struct sgp_pki *pki;
static struct sgp_store *st;
static struct sgp_clock *clk;

static void setup(void)
{
	struct sgp_pki_gen_opts o = { .curve = SGP_PKI_CURVE_NIST, .not_before = 1767139200 };
	struct euicc_cfg cfg = { 0 };
	EVP_PKEY *key;
	X509 *ci;
	char err[256];

	log_set_level_all(LOGL_NONE);
	if (sgp_pki_generate(&o, &pki) || sgp_store_open(&st, ":memory:", NULL, err, sizeof(err)))
		abort();
	ci = sgp_pki_cert(pki, SGP_PKI_ROLE_CI);
	sgp_pki_euicc_get(pki, 0, &cfg.eid, &cfg.cert_euicc, &key);
	cfg.sk_euicc = key;
	cfg.cert_eum = sgp_pki_cert(pki, SGP_PKI_ROLE_EUM);
	cfg.ci = &ci;
	cfg.n_ci = 1;
	cfg.store = st;
	cfg.clock = clk = sgp_clock_new_simulated(UINT64_C(1767225600000));
	if (euicc_open(&cfg, &card))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgp_buf resp = SGP_BUF_INIT;

	if (!card)
		setup();
	euicc_es10(card, data, size, &resp);
	sgp_buf_free(&resp);
	return 0;
}
