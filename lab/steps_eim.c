/* sgp32lab: scenario steps for the eIM (eim/) and the IPA's ESipa side
 * (ipa/eim_poll.c) — SGP.32 remote management over real sockets
 *
 *   eim register @N
 *       ES10b AddInitialEim into device N's eUICC (the lab eIM's key and
 *       address), and the device in the eIM's registry
 *   eim psmo @N enable|disable|delete iccid=ICCID [rollback=yes]
 *       a signed eUICC package queued for device N
 *   expect eim @N packages [count=N] [results=N]
 *       the eIM's record of the device's packages and verified results
 *
 * The eIM listens on 127.0.0.1 (ephemeral port) with the lab PKI's eIM TLS
 * certificate and signs with its eIM key; the IPAs (lab/steps_device.c)
 * reach it over HTTPS (the ASN.1 binding). */
#include "lab/lab.h"
#include "lab/lab_card.h"
#include "lab/lab_eim.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/pki/pki.h"
#include "eim/esipa_server.h"
#include "eim/package.h"
#include "eim/registry.h"
#include "sim/euicc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES LAB_MAX_DEVICES
#define LAB_EIM_ID "eim-lab-1"

struct lab_eim {
	struct eim_server *srv;
	struct sgp_key *sk;
	char address[64];
	char cert[4200], key[4200];
};

static struct lab_eim *lab_eim(struct lab *lab, char *err, size_t errlen)
{
	struct lab_eim *m = lab->eim;
	struct http_tls_cfg tls = { 0 };
	struct eim_server_cfg cfg = { .eim_id = LAB_EIM_ID };
	struct sgp_pki *pki;
	const char *dir;
	int rc = 0;

	if (m)
		return m;
	if (!(lab->roles & (1u << LAB_ROLE_EIM))) {
		snprintf(err, errlen, "no simulated eIM in this lab (lab roles=eim,...)");
		return NULL;
	}
	pki = lab_pki_get(lab, &dir, err, errlen);
	if (!pki || !lab_store(lab, err, errlen) || !(m = calloc(1, sizeof(*m)))) {
		if (pki && !err[0])
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lab->eim = m;
	if (sgp_key_from_evp(sgp_pki_key(pki, SGP_PKI_ROLE_EIM), &m->sk) < 0) {
		snprintf(err, errlen, "the lab PKI has no eIM key");
		return NULL;
	}
	snprintf(m->cert, sizeof(m->cert), "%s/eimtls.pem", dir);
	snprintf(m->key, sizeof(m->key), "%s/eimtls.key", dir);
	tls.cert_file = m->cert;
	tls.key_file = m->key;
	cfg.store = lab->store;
	cfg.clock = lab->clock;
	cfg.sk_eim = m->sk;
	cfg.pki = pki;
	cfg.http.name = "eim";
	cfg.http.addr = "127.0.0.1";
	cfg.http.tls = &tls;
	m->srv = eim_server_new(lab->base, &cfg, &rc);
	if (!m->srv) {
		snprintf(err, errlen, "cannot start the eIM: %s", sgp_strerror(rc));
		return NULL;
	}
	snprintf(m->address, sizeof(m->address), "127.0.0.1:%u", eim_server_port(m->srv));
	return m;
}

static int device_at(const struct scn_step *st, int pos, char *err, size_t errlen)
{
	if (st->argc <= pos || step_device(st->argv[pos], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "name the device as @N");
		return -1;
	}
	return 0;
}

/* --- eim register @N --- */

static int register_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 3 || device_at(st, 2, err, errlen) < 0) {
		snprintf(err, errlen, "expected: eim register @N");
		return -1;
	}
	return 0;
}

static enum step_result register_run(struct lab *lab, const struct scn_step *st,
				     struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[2], MAX_DEVICES);
	struct sgp_buf cfg = SGP_BUF_INIT, cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	enum step_result sr = STEP_FAIL;
	char err[256] = "";
	struct lab_eim *m = lab_eim(lab, err, sizeof(err));
	struct card *card = m ? lab_card_get(lab, dev, err, sizeof(err)) : NULL;
	struct euicc *e = card ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;
	struct sgp_pki *pki = e ? lab_pki_get(lab, NULL, err, sizeof(err)) : NULL;
	struct eim_config c = { .eim_id = LAB_EIM_ID };
	X509 *cert = NULL;
	uint16_t sw = 0;
	int rc;

	if (!pki) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	c.eim_fqdn = m->address;
	c.public_key = m->sk;
	/* AddInitialEimRequest ::= [87] { eimConfigurationDataList [0] } */
	rc = eim_config_encode(&c, &cfg);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&cmd, 0xA0, cfg.data, cfg.len);
	if (rc == SGP_OK)
		rc = sgp_der_wrap(&cmd, 0xBF57);
	if (rc == SGP_OK)
		rc = lab_card_es10(card, cmd.data, cmd.len, &resp, &sw);
	if (rc < 0) {
		step_msg(ctx, "AddInitialEim: %s (SW %04X)", sgp_strerror(rc), sw);
		goto out;
	}
	sgp_pki_euicc_get(pki, dev - 1, NULL, &cert, NULL);
	rc = eim_register_device(m->srv, euicc_eid(e), cert, 0, 1);
	if (rc < 0) {
		step_msg(ctx, "the eIM refused the device: %s", sgp_strerror(rc));
		goto out;
	}
	step_msg(ctx, "%s at %s", LAB_EIM_ID, m->address);
	sr = STEP_OK;
out:
	sgp_buf_free(&cfg);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	return sr;
}

/* --- eim psmo @N OP iccid= --- */

static int psmo_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "iccid", "rollback", NULL };
	const char *op = st->argc > 3 ? st->argv[3] : "";

	if (device_at(st, 2, err, errlen) < 0)
		return -1;
	if (strcmp(op, "enable") && strcmp(op, "disable") && strcmp(op, "delete")) {
		snprintf(err, errlen, "expected: eim psmo @N enable|disable|delete iccid=ICCID");
		return -1;
	}
	if (step_check_keys(st, 4, keys, err, errlen) < 0)
		return -1;
	if (!step_arg(st, "iccid")) {
		snprintf(err, errlen, "iccid= is required");
		return -1;
	}
	return 0;
}

static enum step_result psmo_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[2], MAX_DEVICES);
	const char *op = st->argv[3], *iccid = step_arg(st, "iccid");
	char err[256] = "";
	struct lab_eim *m = lab_eim(lab, err, sizeof(err));
	struct euicc *e = m ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;
	int64_t id = 0;
	int rc;

	if (!e) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!strcmp(op, "enable"))
		rc = eim_queue_psmo_enable(m->srv, euicc_eid(e), iccid, step_arg(st, "rollback") &&
					   !strcmp(step_arg(st, "rollback"), "yes"), &id);
	else if (!strcmp(op, "disable"))
		rc = eim_queue_psmo_disable(m->srv, euicc_eid(e), iccid, &id);
	else
		rc = eim_queue_psmo_delete(m->srv, euicc_eid(e), iccid, &id);
	if (rc < 0) {
		step_msg(ctx, "the eIM cannot queue the package: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	step_msg(ctx, "package %lld queued", (long long)id);
	return STEP_OK;
}

/* The lab eIM's ESipa URL (lab/lab_eim.h), the eIM started on first use. */
int lab_eim_url(struct lab *lab, char *url, size_t len, char *err, size_t errlen)
{
	struct lab_eim *m = lab_eim(lab, err, errlen);

	if (!m)
		return -1;
	snprintf(url, len, "https://%s/gsma/rsp2/asn1", m->address);
	return 0;
}

/* --- expect eim @N packages --- */

static int expect_eim_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "count", "results", NULL };

	if (device_at(st, 2, err, errlen) < 0 || st->argc < 4 || strcmp(st->argv[3], "packages")) {
		snprintf(err, errlen, "expected: expect eim @N packages [count=N] [results=N]");
		return -1;
	}
	return step_check_keys(st, 4, keys, err, errlen);
}

static enum step_result expect_eim_run(struct lab *lab, const struct scn_step *st,
				       struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[2], MAX_DEVICES), want;
	char err[256] = "";
	struct lab_eim *m = lab_eim(lab, err, sizeof(err));
	struct euicc *e = m ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;
	struct eim_pkg *v = NULL;
	size_t n = 0, verified = 0;
	enum step_result sr = STEP_OK;
	int rc;

	if (!e) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	rc = eim_server_packages(m->srv, euicc_eid(e), &v, &n);
	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		verified += v[i].state == EIM_PKG_RESULT_RECEIVED && v[i].result_verified;
	eim_pkg_list_free(v, n);
	if (step_arg(st, "count") && (step_parse_uint(step_arg(st, "count"), 100000, &want) < 0 ||
				      want != n))
		sr = STEP_FAIL;
	if (step_arg(st, "results") && (step_parse_uint(step_arg(st, "results"), 100000, &want) < 0 ||
					want != verified))
		sr = STEP_FAIL;
	step_msg(ctx, "%zu package%s, %zu verified result%s", n, n == 1 ? "" : "s", verified,
		 verified == 1 ? "" : "s");
	return sr;
}

static void eim_teardown(struct lab *lab)
{
	struct lab_eim *m = lab->eim;

	if (!m)
		return;
	eim_server_free(m->srv);
	sgp_key_free(m->sk);
	free(m);
	lab->eim = NULL;
}

static const struct step_def eim_defs[] = {
	{
		.keyword = "eim", .object = "register",
		.usage = "eim register @N",
		.help = "AddInitialEim into device N's eUICC with the lab eIM, and the device in its registry.",
		.check = register_check, .run = register_run,
	},
	{
		.keyword = "eim", .object = "psmo",
		.usage = "eim psmo @N enable|disable|delete iccid=ICCID [rollback=yes]",
		.help = "Queue a signed eUICC package (one PSMO) for device N at the lab eIM.",
		.check = psmo_check, .run = psmo_run,
	},
	{
		.keyword = "expect", .object = "eim",
		.usage = "expect eim @N packages [count=N] [results=N]",
		.help = "The eIM's record of device N's packages and verified results.",
		.check = expect_eim_check, .run = expect_eim_run,
	},
};

const struct step_table steps_eim = {
	.defs = eim_defs,
	.count = sizeof(eim_defs) / sizeof(eim_defs[0]),
	.teardown = eim_teardown,
};
