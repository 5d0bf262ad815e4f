/* sgp32lab: scenario steps for the eIM (eim/) and the IPA's ESipa side
 * (ipa/eim_poll.c) — SGP.32 remote management over real sockets
 *
 *   eim register @N [cert=no]
 *       ES10b AddInitialEim into device N's eUICC (the lab eIM's key and
 *       address), and the device in the eIM's registry (cert=no: by its
 *       EID only, the eIM learns the certificate on first contact).  With an
 *       external eIM (`lab eim=URL eim-id=ID`) only the AddInitialEim, with
 *       the eIM key of the loaded PKI; the steps of the simulated eIM are
 *       then refused.
 *   eim @N idle
 *       until no push (ESipa.TransferEimPackage) to device N is on its way
 * The operator's steps (eim psmo/eco/data/download, expect eim) are in
 * lab/steps_eim_ops.c; the IPAs' (ipa @N poll, ...) in lab/steps_device.c.
 *
 * The eIM listens on 127.0.0.1 (ephemeral port) with the lab PKI's eIM TLS
 * certificate and signs with its eIM key; the IPA reaches it over HTTPS
 * (the ASN.1 binding) and its eUICC over the vpcd socket. */
#include "lab/lab.h"
#include "lab/eim_host.h"
#include "lab/lab_eim.h"
#include "lab/lab_card.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/http/http.h"
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
	struct lab_eim_host h;
	bool push;			/* eim_push_enable done */
	struct step_ctx *idle_ctx[MAX_DEVICES];	/* eim @N idle */
	char idle_eid[MAX_DEVICES][EIM_EID_DIGITS + 1];
};

/* With `lab eim=URL` the scenario tests the user's eIM: nothing of the
 * simulated one may run. */
static bool external(struct lab *lab, char *err, size_t errlen)
{
	if (!lab->eim_url[0])
		return false;
	snprintf(err, errlen, "the eIM is external (eim=%s): drive it through its own interface",
		 lab->eim_url);
	return true;
}

static struct lab_eim *lab_eim(struct lab *lab, char *err, size_t errlen)
{
	struct lab_eim *m = lab->eim;
	struct sgp_pki *pki;
	const char *dir;

	if (m)
		return m;
	if (external(lab, err, errlen))
		return NULL;
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
	if (lab_eim_host_start(&m->h, lab->base, lab->store, lab->clock, pki, dir, LAB_EIM_ID,
			       "127.0.0.1", 0, err, errlen) < 0) {
		free(m);
		return NULL;
	}
	lab->eim = m;
	return m;
}

struct eim_server *lab_eim_server(struct lab *lab, char *err, size_t errlen)
{
	struct lab_eim *m = lab_eim(lab, err, errlen);

	return m ? m->h.srv : NULL;
}

int lab_eim_api_port(struct lab *lab, uint16_t *port, char *err, size_t errlen)
{
	struct lab_eim *m = lab_eim(lab, err, errlen);

	if (!m || lab_eim_host_api(&m->h, lab, "127.0.0.1", 0, err, errlen) < 0)
		return -1;
	*port = lab_eim_host_api_port(&m->h);
	return 0;
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

/* The external eIM (`lab eim=URL eim-id=ID`): only the device side —
 * AddInitialEim with its eimId, FQDN (host:port of the URL) and the public
 * key of the eIM certificate of the loaded PKI (`pki load dir=...`).  The
 * user registers the device in their eIM through its own interface. */
static int external_config(struct lab *lab, struct eim_config *c, struct sgp_key **pub,
			   char *fqdn, size_t fqdnlen, char *err, size_t errlen)
{
	struct sgp_pki *pki = lab_pki_get(lab, NULL, err, errlen);
	X509 *cert = pki ? sgp_pki_cert(pki, SGP_PKI_ROLE_EIM) : NULL;
	EVP_PKEY *k = cert ? sgp_pki_cert_pubkey(cert) : pki ? sgp_pki_key(pki, SGP_PKI_ROLE_EIM) : NULL;
	struct http_url u;

	if (!pki)
		return SGP_ERR_STATE;
	if (!k || sgp_key_from_evp(k, pub) < 0) {
		snprintf(err, errlen, "the lab PKI has no eIM certificate (eim.pem) for the external "
			 "eIM: load its PKI first (pki load dir=...)");
		return SGP_ERR_NOTFOUND;
	}
	if (http_url_parse(lab->eim_url, &u) < 0) {
		snprintf(err, errlen, "eim= is no URL");
		return SGP_ERR_PARSE;
	}
	snprintf(fqdn, fqdnlen, "%s:%u", u.host, u.port);
	c->eim_id = lab->eim_id;
	c->eim_fqdn = fqdn;
	c->public_key = *pub;
	return SGP_OK;
}

static enum step_result register_run(struct lab *lab, const struct scn_step *st,
				     struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[2], MAX_DEVICES);
	struct sgp_buf cfg = SGP_BUF_INIT, cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	enum step_result sr = STEP_FAIL;
	char err[256] = "", fqdn[300];
	bool ext = lab->eim_url[0] != 0;
	struct lab_eim *m = ext ? NULL : lab_eim(lab, err, sizeof(err));
	struct card *card = m || ext ? lab_card_get(lab, dev, err, sizeof(err)) : NULL;
	struct euicc *e = card ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;
	struct sgp_pki *pki = e ? lab_pki_get(lab, NULL, err, sizeof(err)) : NULL;
	struct eim_config c = { .eim_id = LAB_EIM_ID };
	struct sgp_key *pub = NULL;
	X509 *cert = NULL;
	uint16_t sw = 0;
	int rc;

	if (!pki || (ext && external_config(lab, &c, &pub, fqdn, sizeof(fqdn), err,
					    sizeof(err)) < 0)) {
		step_msg(ctx, "%s", err);
		goto out;
	}
	if (!ext) {
		c.eim_fqdn = m->h.address;
		c.public_key = m->h.sk;
	}
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
	if (ext) {
		step_msg(ctx, "device side only: %s at %s in the eUICC %s; register the device in "
			 "the external eIM through its own interface", c.eim_id, c.eim_fqdn,
			 euicc_eid(e));
		sr = STEP_OK;
		goto out;
	}
	if (!step_arg(st, "cert") || strcmp(step_arg(st, "cert"), "no"))
		sgp_pki_euicc_get(pki, dev - 1, NULL, &cert, NULL);
	rc = eim_register_device(m->h.srv, euicc_eid(e), cert, 0, 1);
	if (rc < 0) {
		step_msg(ctx, "the eIM refused the device: %s", sgp_strerror(rc));
		goto out;
	}
	step_msg(ctx, "%s at %s", LAB_EIM_ID, m->h.address);
	sr = STEP_OK;
out:
	sgp_key_free(pub);
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

		if (ctx && !strcmp(m->idle_eid[i], eid) && !eim_push_pending(m->h.srv, eid)) {
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
	pc.ca_file = m->h.ci;	/* the IPAs' listeners have lab PKI IPATLS certificates */
	rc = eim_push_enable(m->h.srv, lab->base, &pc);
	if (rc < 0) {
		snprintf(err, errlen, "the eIM cannot push: %s", sgp_strerror(rc));
		return -1;
	}
	eim_push_set_idle_cb(m->h.srv, on_push_idle, m);
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
	rc = eim_set_push_url(m->h.srv, euicc_eid(e), url);
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
	if (!eim_push_pending(m->h.srv, euicc_eid(e))) {
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
	lab_eim_host_stop(&m->h);
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
	struct lab_eim *m;

	if (lab->eim_url[0]) {
		snprintf(url, size, "%s", lab->eim_url);
		return 0;
	}
	m = lab_eim(lab, err, errlen);
	if (!m)
		return -1;
	lab_eim_host_url(&m->h, url, size);
	return 0;
}
