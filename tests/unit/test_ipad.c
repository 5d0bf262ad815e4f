/* sgp32lab: unit tests for the IPA daemon (ipa/ipad.c, ipa/eim_poll*.c)
 * against the real eIM (eim/) over HTTPS on 127.0.0.1 and the eUICC model
 * as a sim/card on the vpcd socket, on the simulated clock: a data request
 * round trip, acknowledgements, a result lost on the way, fallback and the
 * return from it, and eIMs that misbehave. */
#include "testutil.h"
#include "eim_testbed.h"
#include "ipa_testbed.h"
#include "eim/esipa_push.h"
#include "eim/esipa_server.h"
#include "eim/package.h"
#include "eim/registry.h"
#include "ipa/apdu_transport.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_messages.h"
#include "ipa/ipad.h"
#include "sim/euicc.h"
#include "sim/euicc_int.h"	/* white-box: eid_bcd */
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/ids.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define EIM_ID "eim.sgp32lab.test"
#define ICCID_A "89440000000000000011"
#define ICCID_B "89440000000000000029"

/* a fake eIM for the answers the real one never gives */
enum fake_mode { F_GARBAGE, F_DROP };

struct bed {
	struct testbed tb;
	char eid[SGP_EID_LEN + 1];
	struct event_base *base;
	struct testbed_card tc;	/* the card */
	struct ipa_apdu_transport *t;
	struct ipa_es10 *es10;
	/* the eIM */
	struct eim_server *eim;
	struct sgp_key *eim_key;	/* the key the eUICC trusts */
	struct sgp_key *sign_key;	/* the key the eIM signs with */
	X509 *euicc_cert;
	long token;
	char dir[64];
	/* a fake eIM */
	struct http_server *fake;
	enum fake_mode fake_mode;
	unsigned fake_requests;
	/* the device */
	struct http_client *http;
	struct ipad *ipad;
	char url[128];
	unsigned runs;
	struct ipad_result res;
};

#define RUN_UNTIL(b, cond) do { \
	while (!(cond)) \
		ck_assert_int_ge(event_base_loop((b)->base, EVLOOP_ONCE), 0); \
} while (0)

/* ------------------------------------------------------------------ set up */

static void ipad_start(struct bed *b);

static void run_done(void *arg, const struct ipad_result *res)
{
	struct bed *b = arg;

	b->runs++;
	b->res = *res;
}

/* The bed: eUICC with A enabled and B disabled, the eIM signing with the
 * key of role sign_role (SGP_PKI_ROLE_EIM: the one the eUICC trusts), the
 * device registered, the IPAd polling the eIM. */
static void bed_init(struct bed *b, int sign_role)
{
	char cert[128], key[128], ca[128];
	struct http_tls_cfg stls = { .cert_file = cert, .key_file = key };
	struct http_tls_cfg ctls = { .ca_file = ca };
	struct http_client_cfg ccfg = { .name = "ipa", .tls = &ctls };
	struct eim_server_cfg cfg = { .eim_id = EIM_ID, .http = { .name = "eim", .tls = &stls } };
	int err;

	memset(b, 0, sizeof(*b));
	signal(SIGPIPE, SIG_IGN);
	testbed_init(&b->tb, "nist", false);
	snprintf(b->eid, sizeof(b->eid), "%s", b->tb.eid);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(b->tb.pki, SGP_PKI_ROLE_EIM), &b->eim_key),
			 SGP_OK);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(b->tb.pki, sign_role), &b->sign_key),
			 SGP_OK);
	ck_assert_int_eq(sgp_pki_euicc_get(b->tb.pki, 0, NULL, &b->euicc_cert, NULL), SGP_OK);
	b->token = testbed_add_initial_eim(&b->tb, EIM_ID, "127.0.0.1", b->eim_key);
	testbed_put_profile(&b->tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1);
	testbed_put_profile(&b->tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 2);

	b->base = event_base_new();
	ck_assert_ptr_nonnull(b->base);
	testbed_ipa_reader(&b->tb, b->base, &b->tc, &b->t, &b->es10);

	snprintf(b->dir, sizeof(b->dir), "/tmp/sgp32lab-ipad-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	ck_assert_int_eq(sgp_pki_save(b->tb.pki, b->dir, false), SGP_OK);
	snprintf(cert, sizeof(cert), "%s/eimtls.pem", b->dir);
	snprintf(key, sizeof(key), "%s/eimtls.key", b->dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", b->dir);
	cfg.store = b->tb.store;
	cfg.clock = b->tb.clock;
	cfg.sk_eim = b->sign_key;
	cfg.pki = b->tb.pki;
	b->eim = eim_server_new(b->base, &cfg, &err);
	ck_assert_msg(b->eim != NULL, "eim_server_new: %s", sgp_strerror(err));
	ck_assert_int_eq(eim_register_device(b->eim, b->eid, b->euicc_cert, b->token, 1), SGP_OK);
	b->http = http_client_new(b->base, &ccfg, &err);
	ck_assert_ptr_nonnull(b->http);
	snprintf(b->url, sizeof(b->url), "https://127.0.0.1:%u" ESIPA_PATH,
		 eim_server_port(b->eim));
	ipad_start(b);
}

/* (Re)create the IPAd, polling b->url. */
static void ipad_start(struct bed *b)
{
	struct ipad_cfg icfg = { 0 };

	ipad_free(b->ipad);
	b->ipad = NULL;
	icfg.clock = b->tb.clock;
	icfg.es10 = b->es10;
	icfg.http = b->http;
	icfg.eim_url = b->url;
	icfg.id = "t";
	icfg.timeout_ms = 20000;
	icfg.done = run_done;
	icfg.arg = b;
	ck_assert_int_eq(ipad_new(&icfg, &b->ipad), SGP_OK);
}

static void bed_free(struct bed *b)
{
	char cmd[128];

	ipad_free(b->ipad);
	http_client_free(b->http);
	http_server_free(b->fake);
	eim_server_free(b->eim);
	ipa_es10_free(b->es10);
	ipa_transport_free(b->t);
	testbed_card_free(&b->tc);
	event_base_free(b->base);
	sgp_key_free(b->eim_key);
	sgp_key_free(b->sign_key);
	testbed_free(&b->tb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* One IPAd run, to its end. */
static void run(struct bed *b)
{
	unsigned before = b->runs;

	ck_assert_int_eq(ipad_poll(b->ipad), SGP_OK);
	ck_assert(ipad_busy(b->ipad));
	ck_assert_int_eq(ipad_poll(b->ipad), SGP_ERR_STATE);
	RUN_UNTIL(b, b->runs > before);
	ck_assert(!ipad_busy(b->ipad));
}

/* The eIM's packages of the device (asserts there are n). */
static struct eim_pkg *packages(struct bed *b, size_t n)
{
	struct eim_pkg *v = NULL;
	size_t got;

	ck_assert_int_eq(eim_server_packages(b->eim, b->eid, &v, &got), SGP_OK);
	ck_assert_uint_eq(got, n);
	return v;
}

/* The eUICC Package Results the eUICC still keeps. */
static size_t kept_results(struct bed *b)
{
	struct sgp_buf resp = SGP_BUF_INIT, *v = NULL;
	size_t n = 0;

	ck_assert_int_eq(testbed_es10(&b->tb, ipa_cmd_pending_results,
				      sizeof(ipa_cmd_pending_results), &resp), SGP_OK);
	ck_assert_int_eq(ipa_msg_pending_results(resp.data, resp.len, &v, &n), SGP_OK);
	for (size_t i = 0; i < n; i++)
		sgp_buf_free(&v[i]);
	free(v);
	sgp_buf_free(&resp);
	return n;
}

static unsigned eim_results(struct bed *b)
{
	struct eim_server_stats st;

	eim_server_get_stats(b->eim, &st);
	return (unsigned)st.results;
}

/* ------------------------------------------------------------------- tests */

/* (a) IpaEuiccDataRequest for euiccInfo2 and ipaCapabilities: the IPAd
 * answers with the eUICC's data completed by its own; the eIM records both. */
START_TEST(test_data_request)
{
	static const uint8_t tags[] = { 0xBF, 0x22, 0xA8 };
	struct eim_data_request r = { .tags = tags, .tags_len = sizeof(tags),
				      .notification_seq = -1, .result_seq = -1 };
	struct eim_device dev;
	struct eim_pkg *v;
	struct bed b;
	int64_t id = 0;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	ck_assert_int_eq(eim_get_device(b.eim, b.eid, &dev), SGP_OK);
	ck_assert_uint_eq(dev.euicc_info2.len, 0);
	ck_assert_uint_eq(dev.ipa_capabilities.len, 0);
	eim_device_release(&dev);
	ck_assert_int_eq(eim_queue_data_request(b.eim, b.eid, &r, &id), SGP_OK);
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert_int_eq(b.res.poll.kind, IPA_EIM_PKG_IPA_EUICC_DATA);
	ck_assert_int_eq(b.res.poll.outcome, IPA_EIM_POLL_PACKAGE_DONE);
	v = packages(&b, 1);
	ck_assert_int_eq(v[0].id, id);
	ck_assert_int_eq(v[0].kind, EIM_PKG_DATA_REQUEST);
	ck_assert_int_eq(v[0].state, EIM_PKG_RESULT_RECEIVED);
	ck_assert_int_eq(v[0].result_kind, EIM_OUT_DATA);
	eim_pkg_list_free(v, 1);
	ck_assert_int_eq(eim_get_device(b.eim, b.eid, &dev), SGP_OK);
	ck_assert_uint_gt(dev.euicc_info2.len, 0);
	ck_assert_uint_eq(dev.euicc_info2.data[0], 0xBF);	/* SGP32-EUICCInfo2 'BF22' */
	ck_assert_uint_eq(dev.euicc_info2.data[1], 0x22);
	ck_assert_uint_gt(dev.ipa_capabilities.len, 0);
	eim_device_release(&dev);
	/* nothing more queued: the next run finds no package */
	run(&b);
	ck_assert_int_eq(b.res.poll.outcome, IPA_EIM_POLL_NO_PACKAGE);
	ck_assert_uint_eq(eim_results(&b), 1);
	bed_free(&b);
}
END_TEST

/* (b) An enable PSMO: its result reaches the eIM, which acknowledges it,
 * and the IPAd removes it from the eUICC. */
START_TEST(test_acknowledgements)
{
	struct eim_pkg *v;
	struct bed b;
	int64_t id = 0;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	ck_assert_int_eq(eim_queue_psmo_enable(b.eim, b.eid, ICCID_B, false, &id), SGP_OK);
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert_int_eq(b.res.poll.kind, IPA_EIM_PKG_EUICC_PACKAGE);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert_uint_ge(b.res.poll.acknowledgements, 1);
	ck_assert_uint_eq(b.res.poll.removed, b.res.poll.acknowledgements);
	v = packages(&b, 1);
	ck_assert_int_eq(v[0].state, EIM_PKG_RESULT_RECEIVED);
	ck_assert_int_eq(v[0].result_kind, EIM_OUT_EPR_SIGNED);
	ck_assert(v[0].result_verified);
	eim_pkg_list_free(v, 1);
	ck_assert_uint_eq(kept_results(&b), 0);
	ck_assert_str_eq(ipad_enabled(b.ipad), ICCID_B);
	bed_free(&b);
}
END_TEST

/* (c) The device cannot reach the eIM after LoadEuiccPackage (the newly
 * enabled profile has no coverage): the eUICC keeps the result, the next
 * run delivers it, the eIM records it once, then the eUICC lets it go. */
START_TEST(test_result_lost)
{
	struct eim_pkg *v;
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	ck_assert_int_eq(ipad_set_coverage(b.ipad, ICCID_B, false), SGP_OK);
	ck_assert_int_eq(eim_queue_psmo_enable(b.eim, b.eid, ICCID_B, false, NULL), SGP_OK);
	run(&b);
	ck_assert_int_lt(b.res.rc, 0);
	ck_assert(b.res.poll.no_connectivity);
	ck_assert_msg(strstr(b.res.reason, "no connectivity"), "%s", b.res.reason);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_uint_eq(kept_results(&b), 1);
	v = packages(&b, 1);
	ck_assert_int_eq(v[0].state, EIM_PKG_DELIVERED);
	eim_pkg_list_free(v, 1);
	ck_assert_uint_eq(eim_results(&b), 0);

	ck_assert_int_eq(ipad_set_coverage(b.ipad, ICCID_B, true), SGP_OK);
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert_uint_eq(b.res.poll.pending_delivered, 1);
	ck_assert_uint_ge(b.res.poll.removed, 1);
	v = packages(&b, 1);
	ck_assert_int_eq(v[0].state, EIM_PKG_RESULT_RECEIVED);
	ck_assert_int_eq(v[0].result_kind, EIM_OUT_EPR_SIGNED);
	eim_pkg_list_free(v, 1);
	ck_assert_uint_eq(eim_results(&b), 1);
	ck_assert_uint_eq(kept_results(&b), 0);
	/* nothing delivered twice */
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert_uint_eq(b.res.poll.pending_delivered, 0);
	ck_assert_uint_eq(eim_results(&b), 1);
	bed_free(&b);
}
END_TEST

/* (d) setFallbackAttribute on B; A loses coverage: ExecuteFallbackMechanism,
 * B enabled, the eIM hears notifyStateChange with cause fallback; then
 * ReturnFromFallback: A enabled again. */
START_TEST(test_fallback)
{
	struct eim_psmo m = { .op = EIM_PSMO_SET_FALLBACK_ATTRIBUTE, .iccid = ICCID_B };
	struct eim_device dev;
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	ck_assert_int_eq(eim_queue_psmo(b.eim, b.eid, &m, 1, NULL), SGP_OK);
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert(!ipad_in_fallback(b.ipad));

	ck_assert_int_eq(ipad_set_coverage(b.ipad, ICCID_A, false), SGP_OK);
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert(b.res.fell_back);
	ck_assert(b.res.poll.state_change_sent);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert(ipad_in_fallback(b.ipad));
	ck_assert_int_eq(eim_get_device(b.eim, b.eid, &dev), SGP_OK);
	ck_assert(dev.notify_state_change);
	ck_assert_int_eq(dev.state_change_cause, IPA_STATE_CHANGE_FALLBACK);
	eim_device_release(&dev);

	ck_assert_int_eq(ipad_set_coverage(b.ipad, ICCID_A, true), SGP_OK);
	ck_assert_int_eq(ipad_return_from_fallback(b.ipad), SGP_OK);
	RUN_UNTIL(&b, !ipad_busy(b.ipad));
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert(b.res.returned);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	ck_assert(!ipad_in_fallback(b.ipad));
	ck_assert_str_eq(ipad_enabled(b.ipad), ICCID_A);
	bed_free(&b);
}
END_TEST

/* (e) An eIM signing with a key the eUICC does not trust: the eUICC
 * refuses the package, nothing changes, the run fails with a reason. */
START_TEST(test_wrong_key)
{
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_DPAUTH);
	ck_assert_int_eq(eim_queue_psmo_enable(b.eim, b.eid, ICCID_B, false, NULL), SGP_OK);
	run(&b);
	ck_assert_int_lt(b.res.rc, 0);
	/* the eIM cannot verify an unsigned refusal and refuses it in turn */
	ck_assert_msg(strstr(b.res.reason, "euiccPackageErrorUnsigned"), "%s", b.res.reason);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	bed_free(&b);
}
END_TEST

static void fake_handler(struct http_request *req, void *arg)
{
	/* a GetEimPackageResponse whose euiccPackageRequest is cut short */
	static const uint8_t garbage[] = { 0xBF, 0x4F, 0x09, 0xBF, 0x51, 0x05, 0x30, 0x03 };
	struct bed *b = arg;

	b->fake_requests++;
	if (b->fake_mode == F_GARBAGE)
		http_request_reply(req, 200, ESIPA_CONTENT_TYPE, NULL, garbage, sizeof(garbage));
	/* F_DROP: held until the server goes */
}

/* The IPAd polls a fake eIM on the eIM's TLS certificate. */
static void use_fake(struct bed *b, enum fake_mode mode)
{
	char cert[128], key[128];
	struct http_tls_cfg tls = { .cert_file = cert, .key_file = key };
	struct http_server_cfg cfg = { .name = "fake-eim", .tls = &tls };
	int err;

	snprintf(cert, sizeof(cert), "%s/eimtls.pem", b->dir);
	snprintf(key, sizeof(key), "%s/eimtls.key", b->dir);
	b->fake_mode = mode;
	b->fake = http_server_new(b->base, &cfg, &err);
	ck_assert_ptr_nonnull(b->fake);
	ck_assert_int_eq(http_server_add_route(b->fake, ESIPA_PATH, false, fake_handler, b),
			 SGP_OK);
	snprintf(b->url, sizeof(b->url), "https://127.0.0.1:%u" ESIPA_PATH,
		 http_server_port(b->fake));
	ipad_start(b);
}

/* (e) An answer that is not DER: never reaches the eUICC, the run fails
 * with a reason. */
START_TEST(test_garbage_answer)
{
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	use_fake(&b, F_GARBAGE);
	run(&b);
	ck_assert_int_lt(b.res.rc, 0);
	ck_assert_msg(strstr(b.res.reason, "GetEimPackage"), "%s", b.res.reason);
	ck_assert_uint_eq(b.fake_requests, 1);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	ck_assert_uint_eq(kept_results(&b), 0);
	bed_free(&b);
}
END_TEST

/* (e) The connection dropped while the IPAd waits for the answer. */
START_TEST(test_connection_dropped)
{
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	use_fake(&b, F_DROP);
	ck_assert_int_eq(ipad_poll(b.ipad), SGP_OK);
	RUN_UNTIL(&b, b.fake_requests == 1);
	http_server_free(b.fake);	/* closes the connection */
	b.fake = NULL;
	RUN_UNTIL(&b, b.runs == 1);
	ck_assert_int_lt(b.res.rc, 0);
	ck_assert_msg(b.res.reason[0], "no reason");
	ck_assert_msg(strstr(b.res.reason, "GetEimPackage"), "%s", b.res.reason);
	ck_assert_msg(strstr(b.res.reason, "transport"), "%s", b.res.reason);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	bed_free(&b);
}
END_TEST

/* ------------------------------------------------ ESipa.TransferEimPackage */

/* The IPAd listens with the PKI's IPATLS certificate; the eIM pushes to
 * it, trusting the CI; *url gets the listener's address. */
static void push_on(struct bed *b, char *url, size_t size)
{
	char cert[128], key[128], ca[128];
	struct http_tls_cfg tls = { .cert_file = cert, .key_file = key };
	struct ipad_push_cfg pc = { .base = b->base, .tls = &tls };
	struct eim_push_cfg ec = { .ca_file = ca, .retry_ms = 1000 };

	snprintf(cert, sizeof(cert), "%s/ipatls.pem", b->dir);
	snprintf(key, sizeof(key), "%s/ipatls.key", b->dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", b->dir);
	ck_assert_int_eq(ipad_push_start(b->ipad, &pc), SGP_OK);
	ck_assert(ipad_capabilities(b->ipad)->protocols & (1u << IPA_PROTOCOL_INJECT_HTTPS));
	ck_assert_int_eq(eim_push_enable(b->eim, b->base, &ec), SGP_OK);
	snprintf(url, size, "https://127.0.0.1:%u" ESIPA_PATH, ipad_push_port(b->ipad));
}

static struct eim_push_stats push_stats(struct bed *b)
{
	struct eim_push_stats st;

	eim_push_get_stats(b->eim, &st);
	return st;
}

/* (f) An enable PSMO and a data request reach the eUICC by push, without a
 * poll; the results are recorded, the eIM's acknowledgement push removes
 * the kept result from the eUICC. */
START_TEST(test_push_packages)
{
	static const uint8_t tags[] = { 0xBF, 0x22, 0xA8 };
	struct eim_data_request r = { .tags = tags, .tags_len = sizeof(tags),
				      .notification_seq = -1, .result_seq = -1 };
	struct eim_device dev;
	struct eim_pkg *v;
	char url[128];
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	push_on(&b, url, sizeof(url));
	ck_assert_int_eq(eim_set_push_url(b.eim, b.eid, url), SGP_OK);
	ck_assert_int_eq(eim_queue_psmo_enable(b.eim, b.eid, ICCID_B, false, NULL), SGP_OK);
	ck_assert(eim_push_pending(b.eim, b.eid));
	RUN_UNTIL(&b, push_stats(&b).acknowledgements == 1 && !eim_push_pending(b.eim, NULL));
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_uint_eq(kept_results(&b), 0);
	ck_assert_uint_eq(b.runs, 0);
	v = packages(&b, 1);
	ck_assert_int_eq(v[0].state, EIM_PKG_RESULT_RECEIVED);
	ck_assert(v[0].result_verified);
	eim_pkg_list_free(v, 1);
	ck_assert_int_eq(eim_queue_data_request(b.eim, b.eid, &r, NULL), SGP_OK);
	RUN_UNTIL(&b, push_stats(&b).results == 2 && !eim_push_pending(b.eim, NULL));
	ck_assert_int_eq(eim_get_device(b.eim, b.eid, &dev), SGP_OK);
	ck_assert_uint_gt(dev.ipa_capabilities.len, 0);
	ck_assert_uint_gt(dev.euicc_info2.len, 0);
	eim_device_release(&dev);
	ck_assert_uint_eq(b.runs, 0);
	bed_free(&b);
}
END_TEST

static void on_raw(const struct http_result *res, void *arg)
{
	struct sgp_buf *out = arg;

	ck_assert_int_eq(res->status, 200);
	ck_assert_int_eq(sgp_buf_set(out, res->body, res->body_len), SGP_OK);
}

/* (g) A push body that is not DER: eimPackageError invalidPackageFormat,
 * the eUICC untouched; another ESipa function: unknownPackage. */
START_TEST(test_push_malformed)
{
	static const uint8_t garbage[] = { 0xBF, 0x4E, 0x05, 0xBF, 0x51, 0x7F, 0x00, 0x00 };
	static const uint8_t invalid[] = { 0xBF, 0x4E, 0x03, 0x02, 0x01, 0x01 };
	static const uint8_t other[] = { 0xBF, 0x50, 0x02, 0x30, 0x00 };	/* emptyResponse */
	static const uint8_t unknown[] = { 0xBF, 0x4E, 0x03, 0x02, 0x01, 0x02 };
	struct sgp_buf out = SGP_BUF_INIT;
	char url[128];
	struct bed b;
	int err;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	push_on(&b, url, sizeof(url));
	ck_assert_ptr_nonnull(http_client_post(b.http, url, ESIPA_CONTENT_TYPE, garbage,
					       sizeof(garbage), NULL, 0, on_raw, &out, &err));
	RUN_UNTIL(&b, out.len > 0);
	ck_assert_mem_eq(out.data, invalid, sizeof(invalid));
	ck_assert_uint_eq(out.len, sizeof(invalid));
	sgp_buf_reset(&out);
	ck_assert_ptr_nonnull(http_client_post(b.http, url, ESIPA_CONTENT_TYPE, other,
					       sizeof(other), NULL, 0, on_raw, &out, &err));
	RUN_UNTIL(&b, out.len > 0);
	ck_assert_mem_eq(out.data, unknown, sizeof(unknown));
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	ck_assert_uint_eq(kept_results(&b), 0);
	sgp_buf_free(&out);
	bed_free(&b);
}
END_TEST

/* (h) A push to an IPA that does not listen: the package stays queued,
 * tried a bounded number of times on the lab clock, then delivered by the
 * device's next poll. */
START_TEST(test_push_dead_ipa)
{
	struct eim_pkg *v;
	char url[128];
	struct bed b;

	bed_init(&b, SGP_PKI_ROLE_EIM);
	push_on(&b, url, sizeof(url));
	ipad_push_stop(b.ipad);		/* nobody listens there any more */
	ck_assert(!(ipad_capabilities(b.ipad)->protocols & (1u << IPA_PROTOCOL_INJECT_HTTPS)));
	ck_assert_int_eq(eim_set_push_url(b.eim, b.eid, url), SGP_OK);
	ck_assert_int_eq(eim_queue_psmo_enable(b.eim, b.eid, ICCID_B, false, NULL), SGP_OK);
	RUN_UNTIL(&b, push_stats(&b).failures == 1);
	for (unsigned i = 2; i <= EIM_PUSH_DEFAULT_TRIES; i++) {
		ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 1000 * i), 0);
		RUN_UNTIL(&b, push_stats(&b).failures == i);
	}
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 60000), 0);
	ck_assert_uint_eq(push_stats(&b).pushes, EIM_PUSH_DEFAULT_TRIES);
	v = packages(&b, 1);
	ck_assert_int_eq(v[0].state, EIM_PKG_QUEUED);
	eim_pkg_list_free(v, 1);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	run(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s", b.res.reason);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	bed_free(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ipad");
	TCase *tc = tcase_create("ipad");

	tcase_add_test(tc, test_data_request);
	tcase_add_test(tc, test_acknowledgements);
	tcase_add_test(tc, test_result_lost);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_garbage_answer);
	tcase_add_test(tc, test_connection_dropped);
	tcase_add_test(tc, test_push_packages);
	tcase_add_test(tc, test_push_malformed);
	tcase_add_test(tc, test_push_dead_ipa);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
