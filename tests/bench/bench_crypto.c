/* sgp32lab: core/crypto benchmark.  Prints operations per second for ECDSA,
 * ECKA and the BSP on both curves, and the crypto module's counters.  Not
 * run by make check (figures, no assertions): `make -C tests/unit
 * bench_crypto && tests/unit/bench_crypto [scale]`. */
#include "core/buf.h"
#include "core/crypto/bsp.h"
#include "core/crypto/counters.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/ecka.h"
#include "core/crypto/key.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, const char *curve, unsigned n, double t0)
{
	double dt = now() - t0;

	printf("%-22s %-5s %8u ops %9.3f s %10.0f ops/s\n", what, curve, n, dt,
	       dt > 0 ? n / dt : 0.0);
}

static int bench_curve(enum sgp_curve curve, unsigned n)
{
	static const uint8_t msg[256] = { 1 };
	const char *name = sgp_curve_name(curve);
	struct sgp_key *a = NULL, *b = NULL;
	uint8_t sig[64], shs[32];
	double t0;
	int rc = SGP_OK;

	t0 = now();
	for (unsigned i = 0; i < n && !rc; i++) {
		sgp_key_free(a);
		a = NULL;
		rc = sgp_key_generate(curve, &a);
	}
	report("keygen", name, n, t0);
	if (!rc)
		rc = sgp_key_generate(curve, &b);
	t0 = now();
	for (unsigned i = 0; i < n && !rc; i++)
		rc = sgp_ecdsa_sign(a, msg, sizeof(msg), sig);
	report("ecdsa sign (raw)", name, n, t0);
	t0 = now();
	for (unsigned i = 0; i < n && !rc; i++)
		rc = sgp_ecdsa_verify(a, msg, sizeof(msg), sig, sizeof(sig));
	report("ecdsa verify (raw)", name, n, t0);
	t0 = now();
	for (unsigned i = 0; i < n && !rc; i++)
		rc = sgp_ecka_shared_secret(a, b, shs);
	report("ecka", name, n, t0);
	sgp_key_free(a);
	sgp_key_free(b);
	return rc;
}

/* A 64 KiB profile through sequenceOf86 and back, repeated. */
static int bench_bsp(unsigned rounds)
{
	static uint8_t upp[64 * 1024];
	struct sgp_bsp_keys keys;
	struct sgp_buf seq = SGP_BUF_INIT, plain = SGP_BUF_INIT;
	uint8_t shs[32] = { 0x42 }, eid[16] = { 0x89 }, host[8] = { 0x80 };
	double t0, dt;
	int rc;

	rc = sgp_bsp_derive_keys(shs, 32, SGP_BSP_KEY_TYPE_AES, SGP_BSP_KEY_LEN, host, 8,
				 eid, 16, &keys);
	t0 = now();
	for (unsigned r = 0; r < rounds && !rc; r++) {
		struct sgp_bsp tx, rx;
		size_t off = 0, len;

		sgp_bsp_init(&tx, &keys);
		sgp_bsp_init(&rx, &keys);
		sgp_buf_reset(&seq);
		sgp_buf_reset(&plain);
		rc = sgp_bsp_wrap_all(&tx, SGP_BSP_TAG_PROFILE, upp, sizeof(upp), &seq);
		while (!rc && off < seq.len) {
			rc = sgp_bsp_segment_len(seq.data + off, seq.len - off, &len);
			if (!rc)
				rc = sgp_bsp_unwrap(&rx, SGP_BSP_TAG_PROFILE, seq.data + off, len,
						    &plain);
			off += len;
		}
		sgp_bsp_wipe(&tx);
		sgp_bsp_wipe(&rx);
	}
	dt = now() - t0;
	printf("%-22s %-5s %8u x 64 KiB %7.3f s %9.1f MiB/s (wrap+unwrap)\n", "bsp 0x86", "aes",
	       rounds, dt, dt > 0 ? rounds / 16.0 / dt : 0.0);
	sgp_buf_free(&seq);
	sgp_buf_free(&plain);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned scale = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1;
	struct sgp_crypto_counters c;
	int rc;

	if (!scale)
		scale = 1;
	sgp_crypto_counters_reset();
	rc = bench_curve(SGP_CURVE_NIST_P256, 1000 * scale);
	if (!rc)
		rc = bench_curve(SGP_CURVE_BRAINPOOL_P256R1, 200 * scale);
	if (!rc)
		rc = bench_bsp(16 * scale);
	sgp_crypto_counters_get(&c);
	printf("counters: keygens %llu signs %llu verifies %llu ecdh %llu kdf %llu cmac %llu "
	       "aes-enc %llu B aes-dec %llu B\n",
	       (unsigned long long)c.keygens, (unsigned long long)c.signs,
	       (unsigned long long)c.verifies, (unsigned long long)c.ecdh,
	       (unsigned long long)c.kdf, (unsigned long long)c.cmac,
	       (unsigned long long)c.aes_enc_bytes, (unsigned long long)c.aes_dec_bytes);
	if (rc)
		fprintf(stderr, "bench_crypto: %s\n", sgp_strerror(rc));
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
