/* sgp32lab: scenario steps for the eIM (eim/) and the IPA's ESipa side
 * (ipa/eim_poll.c) — SGP.32 remote management over real sockets
 *
 *   eim register @N [cert=no]
 *       ES10b AddInitialEim into device N's eUICC (the lab eIM's key and
 *       address), and the device in the eIM's registry (cert=no: by its
 *       EID only, the eIM learns the certificate on first contact)
 *   eim @N idle
 *       until no push (ESipa.TransferEimPackage) to device N is on its way
 * The operator's steps (eim psmo/eco/data/download, expect eim) are in
 * lab/steps_eim_ops.c; the IPAs' (ipa @N poll, ...) in lab/steps_device.c.
 *
 * The eIM listens on 127.0.0.1 (ephemeral port) with the lab PKI's eIM TLS
 * certificate and signs with its eIM key; the IPA reaches it over HTTPS
 * (the ASN.1 binding) and its eUICC over the vpcd socket. */
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_card.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/pki/pki.h"
#include "eim/esipa_push.h"
#include "eim/esipa_server.h"
#include "eim/package.h"
#include "eim/registry.h"
#include "sim/euicc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES LAB_MAX_DEVICES

struct lab_eim {
	struct eim_server *srv;
	struct sgp_key *sk;
	char address[64];
	char cert[4200], key[4200], ci[4200];
	bool push;			/* eim_push_enable done */
	struct step_ctx *idle_ctx[MAX_DEVICES];	/* eim @N idle */
	char idle_eid[MAX_DEVICES][EIM_EID_DIGITS + 1];
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
	snprintf(m->ci, sizeof(m->ci), "%s/ci.pem", dir);
	tls.cert_file = m->cert;
	tls.key_file = m->key;
	cfg.es9_ca_file = m->ci;	/* the relay's ES9+ client trusts the lab CI */
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

struct eim_server *lab_eim_server(struct lab *lab, char *err, size_t errlen)
{
	struct lab_eim *m = lab_eim(lab, err, errlen);

	return m ? m->srv : NULL;
}

const char *lab_eim_tls_cert(struct lab *lab)
{
	return lab->eim ? lab->eim->cert : NULL;
}

const char *lab_eim_tls_key(struct lab *lab)
{
	return lab->eim ? lab->eim->key : NULL;
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
	static const char *const keys[] = { "cert", NULL };
	const char *c = step_arg(st, "cert");

	if (device_at(st, 2, err, errlen) < 0 || step_check_keys(st, 3, keys, err, errlen) < 0 ||
	    (c && strcmp(c, "no") && strcmp(c, "yes"))) {
		snprintf(err, errlen, "expected: eim register @N [cert=no]");
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
	if (!step_arg(st, "cert") || strcmp(step_arg(st, "cert"), "no"))
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

/* --- eim @N idle: the pushes to device N ended --- */

static void on_push_idle(void *arg, const char *eid)
{
	struct lab_eim *m = arg;

	for (size_t i = 0; i < MAX_DEVICES; i++) {
		struct step_ctx *ctx = m->idle_ctx[i];

		if (ctx && !strcmp(m->idle_eid[i], eid) && !eim_push_pending(m->srv, eid)) {
			m->idle_ctx[i] = NULL;
			step_done(ctx, true, "no push on its way to %s", eid);
		}
	}
}

static int push_on(struct lab *lab, struct lab_eim *m, char *err, size_t errlen)
{
	struct eim_push_cfg pc = { 0 };
	int rc;

	if (m->push)
		return 0;
	pc.ca_file = m->ci;	/* the IPAs' listeners have lab PKI IPATLS certificates */
	rc = eim_push_enable(m->srv, lab->base, &pc);
	if (rc < 0) {
		snprintf(err, errlen, "the eIM cannot push: %s", sgp_strerror(rc));
		return -1;
	}
	eim_push_set_idle_cb(m->srv, on_push_idle, m);
	m->push = true;
	return 0;
}

int lab_eim_set_push_url(struct lab *lab, unsigned dev, const char *url, char *err,
			 size_t errlen)
{
	struct lab_eim *m = lab_eim(lab, err, errlen);
	struct euicc *e = m ? lab_euicc_get(lab, dev, err, errlen) : NULL;
	int rc;

	if (!e || push_on(lab, m, err, errlen) < 0)
		return -1;
	rc = eim_set_push_url(m->srv, euicc_eid(e), url);
	if (rc < 0) {
		snprintf(err, errlen, "the eIM did not take the push address: %s", sgp_strerror(rc));
		return -1;
	}
	return 0;
}

static int idle_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 3 || device_at(st, 1, err, errlen) < 0) {
		snprintf(err, errlen, "expected: eim @N idle");
		return -1;
	}
	return 0;
}

static enum step_result idle_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[1], MAX_DEVICES);
	char err[256] = "";
	struct lab_eim *m = lab_eim(lab, err, sizeof(err));
	struct euicc *e = m ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;

	if (!e) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!eim_push_pending(m->srv, euicc_eid(e))) {
		step_msg(ctx, "no push on its way");
		return STEP_OK;
	}
	snprintf(m->idle_eid[dev - 1], sizeof(m->idle_eid[0]), "%s", euicc_eid(e));
	m->idle_ctx[dev - 1] = ctx;
	return STEP_PENDING;
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
		.usage = "eim register @N [cert=no]",
		.help = "AddInitialEim into device N's eUICC with the lab eIM, and the device in its registry.",
		.check = register_check, .run = register_run,
	},
	{
		.keyword = "eim", .object = "idle",
		.usage = "eim @N idle",
		.help = "Wait until no push (ESipa.TransferEimPackage) of the lab eIM to device N is on its way.",
		.check = idle_check, .run = idle_run,
	},
};

const struct step_table steps_eim = {
	.defs = eim_defs,
	.count = sizeof(eim_defs) / sizeof(eim_defs[0]),
	.teardown = eim_teardown,
};

int lab_eim_url(struct lab *lab, char *url, size_t size, char *err, size_t errlen)
{
	struct lab_eim *m = lab_eim(lab, err, errlen);

	if (!m)
		return -1;
	snprintf(url, size, "https://%s/gsma/rsp2/asn1", m->address);
	return 0;
}
