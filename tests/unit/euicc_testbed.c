/* sgp32lab: a test bed for the eUICC model */
#include "euicc_testbed.h"
#include "sim/card.h"
#include "sim/euicc_int.h"	/* euicc_profile_put */
#include "core/apdu/vpcd.h"
#include "core/clock.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/store/store.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void open_euicc(struct testbed *tb)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	X509 *ci = sgp_pki_cert(tb->pki, SGP_PKI_ROLE_CI);
	char err[256];
	struct euicc_cfg cfg = { 0 };
	int rc;

	rc = sgp_store_open(&tb->store, tb->dbpath[0] ? tb->dbpath : ":memory:", NULL, err, sizeof(err));
	ck_assert_msg(rc == SGP_OK, "store: %s", err);
	ck_assert_int_eq(sgp_pki_euicc_get(tb->pki, 0, &tb->eid, &cert, &key), SGP_OK);
	cfg.eid = tb->eid;
	cfg.store = tb->store;
	cfg.clock = tb->clock;
	cfg.sk_euicc = key;
	cfg.cert_euicc = cert;
	cfg.cert_eum = sgp_pki_cert(tb->pki, SGP_PKI_ROLE_EUM);
	cfg.ci = &ci;
	cfg.n_ci = 1;
	cfg.default_smdp = "smdp.sgp32lab.test";
	cfg.root_smds = "smds.sgp32lab.test";
	rc = euicc_open(&cfg, &tb->euicc);
	ck_assert_msg(rc == SGP_OK, "euicc_open: %s", sgp_strerror(rc));
}

void testbed_init(struct testbed *tb, const char *curve, bool persistent)
{
	struct sgp_pki_gen_opts o = { .curve = sgp_pki_curve_parse(curve) };

	memset(tb, 0, sizeof(*tb));
	log_set_level_all(getenv("SGP_TEST_LOG") ? LOGL_DEBUG : LOGL_NONE);
	log_set_deterministic(true);
	o.not_before = 1767225600 - 86400;	/* the lab epoch, 2026-01-01, minus a day */
	ck_assert_int_eq(sgp_pki_generate(&o, &tb->pki), SGP_OK);
	tb->clock = sgp_clock_new_simulated(UINT64_C(1767225600000));
	if (persistent) {
		snprintf(tb->dir, sizeof(tb->dir), "/tmp/sgp32lab-euicc-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tb->dir));
		snprintf(tb->dbpath, sizeof(tb->dbpath), "%s/lab.db", tb->dir);
	}
	open_euicc(tb);
}

void testbed_restart(struct testbed *tb)
{
	euicc_free(tb->euicc);
	sgp_store_close(tb->store);
	tb->euicc = NULL;
	tb->store = NULL;
	open_euicc(tb);
}

void testbed_free(struct testbed *tb)
{
	euicc_free(tb->euicc);
	sgp_store_close(tb->store);
	sgp_clock_free(tb->clock);
	sgp_pki_free(tb->pki);
	if (tb->dir[0]) {
		char p[300];
		static const char *const files[] = { "lab.db", "lab.db-wal", "lab.db-shm" };
		for (size_t i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s/%s", tb->dir, files[i]);
			unlink(p);
		}
		rmdir(tb->dir);
	}
	memset(tb, 0, sizeof(*tb));
}

int testbed_es10(struct testbed *tb, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	return euicc_es10(tb->euicc, cmd, len, resp);
}

void testbed_call(struct testbed *tb, const struct asn_TYPE_descriptor_s *td, const void *value,
		  const struct asn_TYPE_descriptor_s *rtd, void **out)
{
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	struct der_error err = { 0 };
	int rc;

	ck_assert_int_eq(sgp_der_encode(td, value, &cmd, &err), SGP_OK);
	rc = euicc_es10(tb->euicc, cmd.data, cmd.len, &resp);
	ck_assert_msg(rc == SGP_OK, "%s: %s", sgp_der_type_name(td), sgp_strerror(rc));
	rc = sgp_der_decode(rtd, resp.data, resp.len, out, &err);
	ck_assert_msg(rc == SGP_OK, "%s: %s", sgp_der_type_name(rtd), err.msg);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
}

void testbed_put_profile(struct testbed *tb, const char *iccid, int state, int profile_class,
			 uint8_t n)
{
	struct euicc_profile p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(sgp_iccid_to_bcd(iccid, p.iccid), SGP_OK);
	memcpy(p.isdp_aid, (const uint8_t[]){ 0xA0, 0, 0, 5, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF,
					      0x89, 0, 0, 0x10, n }, 16);
	p.isdp_aid_len = 16;
	p.state = state;
	p.profile_class = profile_class;
	snprintf(p.profile_name, sizeof(p.profile_name), "profile %u", n);
	ck_assert_int_eq(euicc_profile_put(tb->euicc, &p), SGP_OK);
}

int testbed_profile_state(struct testbed *tb, const char *iccid)
{
	struct euicc_profile p;
	int s;

	ck_assert_int_eq(euicc_profile_find(tb->euicc, iccid, &p), SGP_OK);
	s = p.state;
	euicc_profile_release(&p);
	return s;
}

/* ------------------------------------------------------- the card on vpcd */

static int tc_apdu(void *arg, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	struct testbed_card *c = arg;

	if (++c->apdus == c->drop_at)
		return SGP_ERR_IO;	/* the card goes away mid-exchange */
	return card_apdu(c->card, apdu, len, rapdu);
}

static void tc_ctrl(void *arg, uint8_t ctrl)
{
	struct testbed_card *c = arg;

	if (ctrl != VPCD_CTRL_ON)
		card_reset(c->card);
}

static const uint8_t *tc_atr(void *arg, size_t *len)
{
	(void)arg;
	return card_atr(len);
}

static void tc_link(void *arg, bool up)
{
	struct testbed_card *c = arg;

	if (!up)
		card_reset(c->card);
}

static const struct vpcd_card_ops tc_ops = {
	.apdu = tc_apdu, .ctrl = tc_ctrl, .atr = tc_atr, .link = tc_link,
};

void testbed_card_listen(struct testbed *tb, struct event_base *base, struct testbed_card *c)
{
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DEUICC };

	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(card_new(tb->euicc, &c->card), SGP_OK);
	ck_assert_int_eq(vpcd_card_new(base, &ep, &tc_ops, c, &c->vc), SGP_OK);
}

void testbed_card_free(struct testbed_card *c)
{
	vpcd_card_free(c->vc);
	card_free(c->card);
	memset(c, 0, sizeof(*c));
}
