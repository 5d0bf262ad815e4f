/* sgp32lab: the IPA's SM-DS discovery (ES11) against a real SM-DS, then the
 * download of the event's profile from a real SM-DP+, with the simulated
 * eUICC behind a vpcd socket — all over real sockets on 127.0.0.1. */
#include "testutil.h"
#include "ipa_testbed.h"
#include "ipa/apdu_transport.h"
#include "ipa/discovery.h"
#include "ipa/download.h"
#include "ipa/es10_client.h"
#include "smdp/orders.h"
#include "smdp/smdp_server.h"
#include "smds/smds.h"
#include "sim/card.h"
#include "core/apdu/vpcd.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"
#include "core/pki/pki.h"

#include <check.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ICCID "89440000000000000011"
#define IMSI "001010123456789"
#define SMDS_TIMEOUT_MS 5000

struct lab {
	struct testbed tb;
	struct card *card;
	struct event_base *base;
	struct vpcd_card *vc;
	struct ipa_apdu_transport *t;
	struct ipa_es10 *es10;
	struct smds *smds;
	struct smdp_server *smdp;
	struct http_client *http;
	char dir[64];
	char smds_addr[64];
	bool expire_at_auth_server;	/* age the SM-DS sessions when the card authenticates */
	/* results */
	bool ds_done, dl_done;
	int ds_rc;
	struct ipa_discover_result ds;
	char ev_id[8][256], ev_addr[8][256];
	size_t n_ev;
	struct ipa_download_result dl;
};

static struct lab L;

#define RUN_UNTIL(cond) do { \
	while (!(cond)) \
		ck_assert_int_ge(event_base_loop(L.base, EVLOOP_ONCE), 0); \
} while (0)

static int vc_apdu(void *arg, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	(void)arg;
	/* STORE DATA carrying AuthenticateServerRequest 'BF38': the SM-DS's
	 * ES11 session runs out while the card works */
	if (L.expire_at_auth_server && len > 7 && apdu[1] == 0xE2 && apdu[5] == 0xBF &&
	    apdu[6] == 0x38) {
		L.expire_at_auth_server = false;
		ck_assert_int_ge(sgp_clock_advance(L.tb.clock, SMDS_TIMEOUT_MS + 1000), 0);
	}
	return card_apdu(L.card, apdu, len, rapdu);
}

static void vc_ctrl(void *arg, uint8_t ctrl)
{
	(void)arg;
	if (ctrl != VPCD_CTRL_ON)
		card_reset(L.card);
}

static const uint8_t *vc_atr(void *arg, size_t *len)
{
	(void)arg;
	return card_atr(len);
}

static void vc_link(void *arg, bool up)
{
	(void)arg;
	if (!up)
		card_reset(L.card);
}

static const struct vpcd_card_ops vc_ops = {
	.apdu = vc_apdu, .ctrl = vc_ctrl, .atr = vc_atr, .link = vc_link,
};

static void setup(void)
{
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DEUICC };
	static char ds_cert[128], ds_key[128], dp_cert[128], dp_key[128], ca[128];
	struct http_tls_cfg ds_tls = { .cert_file = ds_cert, .key_file = ds_key };
	struct http_tls_cfg dp_tls = { .cert_file = dp_cert, .key_file = dp_key };
	struct http_tls_cfg ctls = { .ca_file = ca };
	struct http_client_cfg ccfg = { .name = "ipa", .tls = &ctls, .max_body = 4u << 20 };
	struct smds_cfg dscfg = { 0 };
	struct smdp_server_cfg dpcfg = {
		.http = { .name = "smdp", .tls = &dp_tls, .max_body = 256 * 1024 },
		.session_timeout_ms = 600000,
	};
	int err;

	memset(&L, 0, sizeof(L));
	signal(SIGPIPE, SIG_IGN);
	testbed_init(&L.tb, "nist", false);
	snprintf(L.dir, sizeof(L.dir), "/tmp/sgp32lab-ipads-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(L.dir));
	ck_assert_int_eq(sgp_pki_save(L.tb.pki, L.dir, true), SGP_OK);
	snprintf(ds_cert, sizeof(ds_cert), "%s/dstls.pem", L.dir);
	snprintf(ds_key, sizeof(ds_key), "%s/dstls.key", L.dir);
	snprintf(dp_cert, sizeof(dp_cert), "%s/dptls.pem", L.dir);
	snprintf(dp_key, sizeof(dp_key), "%s/dptls.key", L.dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", L.dir);
	L.base = event_base_new();
	ck_assert_ptr_nonnull(L.base);
	/* the card */
	ck_assert_int_eq(card_new(L.tb.euicc, &L.card), SGP_OK);
	ck_assert_int_eq(vpcd_card_new(L.base, &ep, &vc_ops, NULL, &L.vc), SGP_OK);
	testbed_ipa_connect(&L.tb, L.base, vpcd_card_port(L.vc), L.vc, NULL, &L.t, &L.es10);
	/* the SM-DS */
	dscfg.base = L.base;
	dscfg.clock = L.tb.clock;
	dscfg.store = L.tb.store;
	dscfg.pki = L.tb.pki;
	dscfg.tls = &ds_tls;
	dscfg.session_timeout_ms = SMDS_TIMEOUT_MS;
	ck_assert_int_eq(smds_new(&dscfg, &L.smds), SGP_OK);
	snprintf(L.smds_addr, sizeof(L.smds_addr), "%s", smds_address(L.smds));
	/* the SM-DP+ */
	dpcfg.store = L.tb.store;
	dpcfg.clock = L.tb.clock;
	dpcfg.pki = L.tb.pki;
	L.smdp = smdp_server_new(L.base, &dpcfg, &err);
	ck_assert_msg(L.smdp != NULL, "smdp_server_new: %s", sgp_strerror(err));
	L.http = http_client_new(L.base, &ccfg, &err);
	ck_assert_ptr_nonnull(L.http);
}

static void teardown(void)
{
	char cmd[128];

	http_client_free(L.http);
	smdp_server_free(L.smdp);
	smds_free(L.smds);
	ipa_es10_free(L.es10);
	ipa_transport_free(L.t);
	vpcd_card_free(L.vc);
	event_base_free(L.base);
	card_free(L.card);
	testbed_free(&L.tb);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", L.dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* --- ES12 registerEvent with a plain HTTP client (the SM-DP+'s part) --- */

struct answer {
	bool done;
	int status;
	char body[512];
};

static void on_answer(const struct http_result *res, void *arg)
{
	struct answer *a = arg;

	a->done = true;
	ck_assert_int_eq(res->rc, SGP_OK);
	a->status = res->status;
	snprintf(a->body, sizeof(a->body), "%.*s", (int)res->body_len, (const char *)res->body);
}

static void register_event(const char *event_id, const char *rsp_server_address)
{
	struct answer a = { 0 };
	char url[128], body[512];
	int err;

	snprintf(url, sizeof(url), "https://%s/gsma/rsp2/es12/registerEvent", L.smds_addr);
	snprintf(body, sizeof(body), "{\"eid\":\"%s\",\"rspServerAddress\":\"%s\",\"eventId\":\"%s\"}",
		 L.tb.eid, rsp_server_address, event_id);
	ck_assert_ptr_nonnull(http_client_post(L.http, url, "application/json",
					       (const uint8_t *)body, strlen(body), NULL, 0,
					       on_answer, &a, &err));
	RUN_UNTIL(a.done);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.body, "Executed-Success"), "registerEvent: %s", a.body);
}

/* --- the IPA --- */

static void ds_done(void *arg, const struct ipa_discover_result *res)
{
	(void)arg;
	ck_assert(!L.ds_done);
	L.ds_done = true;
	L.ds = *res;
	L.ds.events = NULL;	/* valid during the callback only: copied below */
	L.n_ev = res->n_events;
	ck_assert_uint_le(L.n_ev, 8);
	for (size_t i = 0; i < res->n_events; i++) {
		snprintf(L.ev_id[i], sizeof(L.ev_id[i]), "%s", res->events[i].event_id);
		snprintf(L.ev_addr[i], sizeof(L.ev_addr[i]), "%s",
			 res->events[i].rsp_server_address);
	}
}

static void discover(const char *address)
{
	struct ipa_discovery *ds;
	struct ipa_discover_cfg cfg = {
		.clock = L.tb.clock, .es10 = L.es10, .http = L.http, .smds_address = address,
		.tac = { 0x35, 0x29, 0x06, 0x11 }, .es10_timeout_ms = 600000,
		.es11_timeout_ms = 600000, .done = ds_done,
	};

	L.ds_done = false;
	ck_assert_int_eq(ipa_discover_start(&cfg, &ds), SGP_OK);
	RUN_UNTIL(L.ds_done);
	ipa_discover_free(ds);
}

static void dl_done(void *arg, const struct ipa_download_result *res)
{
	(void)arg;
	L.dl_done = true;
	L.dl = *res;
}

static int64_t smds_sessions(void)
{
	int64_t n = -1;

	ck_assert_int_eq(smds_session_count(L.tb.store, &n), SGP_OK);
	return n;
}

/* ES2+ order at the SM-DP+ with an SM-DS event, discovery, download */
START_TEST(test_discover_and_download)
{
	struct smdp_status sc;
	struct smdp_profile p;
	struct ipa_download *dl;
	char iccid[21], mid[SMDP_MATCHING_ID_MAX + 1];
	struct ipa_discover_event ev;
	struct ipa_download_cfg cfg = {
		.clock = L.tb.clock, .es10 = L.es10, .http = L.http,
		.tac = { 0x35, 0x29, 0x06, 0x11 }, .done = dl_done,
	};

	ck_assert_int_eq(smdp_profile_create(L.tb.store, ICCID, IMSI, "lab"), SGP_OK);
	ck_assert_int_eq(smdp_order_download(L.tb.store, L.tb.eid, ICCID, NULL, iccid, &sc),
			 SGP_OK);
	ck_assert_int_eq(smdp_order_confirm(L.tb.store, ICCID, L.tb.eid, NULL, NULL, L.smds_addr,
					    true, mid, &sc), SGP_OK);
	register_event(mid, smdp_server_address(L.smdp));

	discover(L.smds_addr);
	ck_assert_msg(L.ds.rc == SGP_OK, "discovery: %s (%s)", L.ds.why, L.ds.step);
	ck_assert_str_eq(L.ds.step, "DONE");
	ck_assert_uint_eq(L.n_ev, 1);
	ck_assert_str_eq(L.ev_id[0], mid);
	ck_assert_str_eq(L.ev_addr[0], smdp_server_address(L.smdp));
	ck_assert_int_eq(L.ds.cancel_reason, IPA_CANCEL_NONE);
	ck_assert_int_eq(smds_sessions(), 0);	/* authenticateClient ended it */

	ev.event_id = L.ev_id[0];
	ev.rsp_server_address = L.ev_addr[0];
	ck_assert_int_eq(ipa_download_from_event(&cfg, &ev, &dl), SGP_OK);
	RUN_UNTIL(L.dl_done);
	ipa_download_free(dl);
	ck_assert_msg(L.dl.rc == SGP_OK, "download: %s (%s)", L.dl.why, L.dl.step);
	ck_assert(L.dl.installed);
	ck_assert(L.dl.notification_sent);
	ck_assert(L.dl.notification_removed);
	ck_assert_int_eq(smdp_profile_get(L.tb.store, ICCID, &p), SGP_OK);
	ck_assert_str_eq(smdp_profile_state_name(p.state),
			 smdp_profile_state_name(SMDP_PROFILE_INSTALLED));
	smdp_profile_release(&p);
}
END_TEST

/* nothing registered for this EID: an empty list, no error */
START_TEST(test_discover_empty)
{
	struct ipa_discovery *ds = (void *)1;
	struct ipa_download *dl = (void *)1;
	struct ipa_discover_cfg bad = {
		.clock = L.tb.clock, .es10 = L.es10, .http = L.http, .smds_address = "",
		.done = ds_done,
	};
	struct ipa_download_cfg dcfg = { .clock = L.tb.clock };

	/* refused at once, no callback */
	ck_assert_int_eq(ipa_discover_start(&bad, &ds), SGP_ERR_INVAL);
	ck_assert_ptr_null(ds);
	bad.smds_address = NULL;
	bad.done = NULL;
	ck_assert_int_eq(ipa_discover_start(&bad, &ds), SGP_ERR_INVAL);
	ck_assert_int_eq(ipa_download_from_event(&dcfg, NULL, &dl), SGP_ERR_INVAL);
	ck_assert_ptr_null(dl);
	ck_assert(!L.ds_done);
	discover(L.smds_addr);
	ck_assert_msg(L.ds.rc == SGP_OK, "discovery: %s (%s)", L.ds.why, L.ds.step);
	ck_assert_uint_eq(L.n_ev, 0);
	ck_assert_int_eq(L.ds.n_events, 0);
	ck_assert_int_eq(L.ds.cancel_reason, IPA_CANCEL_NONE);
	ck_assert_str_eq(L.ds.smds_address, L.smds_addr);
}
END_TEST

/* the SM-DS refuses authenticateClient (its session ran out while the card
 * worked): reported with the SM-DS's codes, the eUICC session cancelled */
START_TEST(test_discover_smds_error)
{
	register_event("EVT-1", "smdp.example");
	L.expire_at_auth_server = true;
	discover(L.smds_addr);
	ck_assert_int_eq(L.ds.rc, SGP_ERR_PEER);
	ck_assert_str_eq(L.ds.step, "WAIT_AUTH_CLIENT");
	/* SGP.22 6.6.2.2 / 5.8: TransactionId (8.10.1) Unknown (3.9) */
	ck_assert_str_eq(L.ds.subject_code, "8.10.1");
	ck_assert_str_eq(L.ds.reason_code, "3.9");
	ck_assert_uint_eq(L.n_ev, 0);
	ck_assert_int_eq(L.ds.cancel_reason, IPA_CANCEL_UNDEFINED_REASON);
	ck_assert(L.ds.session_cancelled);
	/* the eUICC is usable at once: a new discovery gets the event */
	discover(L.smds_addr);
	ck_assert_msg(L.ds.rc == SGP_OK, "discovery: %s", L.ds.why);
	ck_assert_uint_eq(L.n_ev, 1);
	ck_assert_str_eq(L.ev_id[0], "EVT-1");
}
END_TEST

static Suite *discovery_suite(void)
{
	Suite *s = suite_create("ipa_discovery");
	TCase *tc = tcase_create("es11");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_discover_and_download);
	tcase_add_test(tc, test_discover_empty);
	tcase_add_test(tc, test_discover_smds_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(discovery_suite());
}
