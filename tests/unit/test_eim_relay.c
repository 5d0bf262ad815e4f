/* sgp32lab: the eIM's relay of the indirect download (eim/esipa_relay.c) —
 * a real HTTPS eIM on 127.0.0.1, a fake SM-DP+ over HTTPS (the lab PKI's
 * DPtls certificate, the eIM trusting the lab CI), the test playing the
 * IPA with ESipa DER built by core/esipa.  The whole indirect download
 * with the real SM-DP+ and eUICC runs in scenarios/eim/indirect-download.scn. */
#include "euicc_testbed.h"
#include "testutil.h"
#include "eim/esipa_relay.h"
#include "eim/esipa_server.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/esipa/esipa_map.h"
#include "core/http/http.h"

#include "AuthenticateClientResponseEsipa.h"
#include "InitiateAuthenticationResponseEsipa.h"

#include <event2/event.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EIM_ID "eim.sgp32lab.test"

enum dp_mode { DP_ANSWER, DP_SILENT };

struct bed {
	struct testbed tb;
	struct event_base *base;
	struct eim_server *eim;
	struct http_client *cli;
	struct http_server *dp;		/* the fake SM-DP+ */
	enum dp_mode mode;
	unsigned dp_calls;
	struct http_request *held;
	struct sgp_key *eim_key;
	char dir[64], url[128], dp_addr[64];
	const char *allowed[3];
};

struct reply {
	bool done;
	int status;
	struct sgp_buf body;
};

/* The fake SM-DP+: initiateAuthentication answers a fixed session. */
static void dp_handler(struct http_request *req, void *arg)
{
	struct bed *b = arg;
	static const char ok[] =
		"{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
		"\"statusCodeData\":{\"subjectCode\":\"8.8.2\",\"reasonCode\":\"3.1\"}}}}";

	b->dp_calls++;
	if (b->mode == DP_SILENT) {
		b->held = req;
		return;
	}
	http_request_reply(req, 200, ES9_CONTENT_TYPE, NULL, (const uint8_t *)ok, strlen(ok));
}

static void bed_init(struct bed *b)
{
	char cert[128], key[128], ca[128], dcert[128], dkey[128];
	struct http_tls_cfg stls = { .cert_file = cert, .key_file = key };
	struct http_tls_cfg dtls = { .cert_file = dcert, .key_file = dkey };
	struct http_tls_cfg ctls = { .ca_file = ca };
	struct http_client_cfg ccfg = { .name = "ipa", .tls = &ctls };
	struct http_server_cfg dcfg = { .name = "smdp", .tls = &dtls };
	struct eim_server_cfg cfg = { .eim_id = EIM_ID, .http = { .name = "eim", .tls = &stls },
				      .es9_ca_file = ca, .relay_timeout_ms = 5000 };
	int err;

	memset(b, 0, sizeof(*b));
	testbed_init(&b->tb, "nist", false);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(b->tb.pki, SGP_PKI_ROLE_EIM), &b->eim_key),
			 SGP_OK);
	snprintf(b->dir, sizeof(b->dir), "/tmp/sgp32lab-relay-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	ck_assert_int_eq(sgp_pki_save(b->tb.pki, b->dir, false), SGP_OK);
	snprintf(cert, sizeof(cert), "%s/eimtls.pem", b->dir);
	snprintf(key, sizeof(key), "%s/eimtls.key", b->dir);
	snprintf(dcert, sizeof(dcert), "%s/dptls.pem", b->dir);
	snprintf(dkey, sizeof(dkey), "%s/dptls.key", b->dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", b->dir);
	b->base = event_base_new();
	b->dp = http_server_new(b->base, &dcfg, &err);
	ck_assert_ptr_nonnull(b->dp);
	ck_assert_int_eq(http_server_add_route(b->dp, "/gsma/rsp2/es9plus/", true, dp_handler, b),
			 SGP_OK);
	snprintf(b->dp_addr, sizeof(b->dp_addr), "127.0.0.1:%u", http_server_port(b->dp));
	b->allowed[0] = b->dp_addr;
	b->allowed[1] = "127.0.0.1:1";	/* nobody listens there */
	cfg.relay_smdp_addresses = b->allowed;
	cfg.store = b->tb.store;
	cfg.clock = b->tb.clock;
	cfg.sk_eim = b->eim_key;
	cfg.pki = b->tb.pki;
	b->eim = eim_server_new(b->base, &cfg, &err);
	ck_assert_msg(b->eim != NULL, "eim_server_new: %s", sgp_strerror(err));
	b->cli = http_client_new(b->base, &ccfg, &err);
	ck_assert_ptr_nonnull(b->cli);
	snprintf(b->url, sizeof(b->url), "https://127.0.0.1:%u" ESIPA_PATH, eim_server_port(b->eim));
}

static void bed_free(struct bed *b)
{
	char cmd[128];

	http_client_free(b->cli);
	eim_server_free(b->eim);
	http_server_free(b->dp);
	event_base_free(b->base);
	sgp_key_free(b->eim_key);
	testbed_free(&b->tb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void on_reply(const struct http_result *res, void *arg)
{
	struct reply *r = arg;

	r->done = true;
	r->status = res->status;
	if (res->body_len)
		ck_assert_int_eq(sgp_buf_set(&r->body, res->body, res->body_len), SGP_OK);
}

/* POST der to the eIM; run the loop until the answer (or until the fake
 * SM-DP+ holds a request, when hold is set). */
static void post(struct bed *b, const struct sgp_buf *der, struct reply *r, bool hold)
{
	int err;

	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(http_client_post(b->cli, b->url, ESIPA_CONTENT_TYPE, der->data,
					       der->len, NULL, 0, on_reply, r, &err));
	for (int i = 0; i < 2000 && !r->done && !(hold && b->held); i++)
		event_base_loop(b->base, EVLOOP_ONCE);
}

/* The ESipa error code in an answer of f (asserts it is one). */
static long answer_code(enum es9_function f, const struct reply *r)
{
	const struct json_msg_desc *d = esipa_es9_resp_desc(f);
	void *resp = calloc(1, d->size);
	long code = -1;

	ck_assert_int_eq(r->status, 200);
	ck_assert_int_eq(esipa_resp_to_es9(f, r->body.data, r->body.len, resp, &code), SGP_OK);
	json_msg_free(d, resp);
	free(resp);
	return code;
}

static void ia_request(struct bed *b, const char *addr, struct sgp_buf *der)
{
	struct sgp_buf info1 = SGP_BUF_INIT;
	uint8_t chal[16] = { 7 };
	struct es9_initiate_authentication_req q = { .smdp_address = (char *)addr };

	ck_assert_int_eq(testbed_es10(&b->tb, (const uint8_t *)"\xBF\x20\x00", 3, &info1), 0);
	q.euicc_challenge = (struct sgp_buf){ chal, 16, 0 };
	q.euicc_info1 = info1;
	ck_assert_int_eq(esipa_req_from_es9(ES9_INITIATE_AUTHENTICATION, &q, NULL, 0, der), SGP_OK);
	sgp_buf_free(&info1);
}

START_TEST(test_relay_maps_refusal)
{
	struct bed b;
	struct sgp_buf der = SGP_BUF_INIT;
	struct reply r;

	bed_init(&b);
	ia_request(&b, b.dp_addr, &der);
	post(&b, &der, &r, false);
	ck_assert_uint_eq(b.dp_calls, 1);
	/* 8.8.2/3.1 -> initiateAuthenticationErrorEsipa ciPKIdNotSupported(3) */
	ck_assert_int_eq(answer_code(ES9_INITIATE_AUTHENTICATION, &r),
			 InitiateAuthenticationResponseEsipa__initiateAuthenticationErrorEsipa_ciPKIdNotSupported);
	sgp_buf_free(&r.body);
	/* an address the eIM has no reason to relay to: no ES9+ call */
	ia_request(&b, "smdp.elsewhere.example", &der);
	post(&b, &der, &r, false);
	ck_assert_int_eq(answer_code(ES9_INITIATE_AUTHENTICATION, &r), ESIPA_IA_INVALID_DP_ADDRESS);
	ck_assert_uint_eq(b.dp_calls, 1);
	sgp_buf_free(&r.body);
	sgp_buf_free(&der);
	bed_free(&b);
}
END_TEST

START_TEST(test_relay_unknown_transaction)
{
	struct bed b;
	struct sgp_buf der = SGP_BUF_INIT, asr = SGP_BUF_INIT;
	struct reply r;
	struct eim_relay_stats st;
	struct es9_authenticate_client_req ac = {
		.transaction_id = { (uint8_t *)"\x01\x02\x03\x04", 4, 0 } };

	bed_init(&b);
	sgp_der_put_tlv(&asr, 0xBF38, "\xA1\x07\x80\x01\x01\x02\x02\x00\x80", 9);
	ac.authenticate_server_response = asr;
	ck_assert_int_eq(esipa_req_from_es9(ES9_AUTHENTICATE_CLIENT, &ac, NULL, 0, &der), SGP_OK);
	post(&b, &der, &r, false);
	ck_assert_int_eq(answer_code(ES9_AUTHENTICATE_CLIENT, &r),
			 AuthenticateClientResponseEsipa__authenticateClientErrorEsipa_invalidTransactionId);
	ck_assert_uint_eq(b.dp_calls, 0);
	eim_relay_get_stats(eim_server_relay(b.eim), &st);
	ck_assert_uint_eq(st.relayed, 0);
	ck_assert_uint_eq(st.refused, 1);
	sgp_buf_free(&r.body);
	sgp_buf_free(&asr);
	sgp_buf_free(&der);
	bed_free(&b);
}
END_TEST

START_TEST(test_relay_dead_and_silent_smdp)
{
	struct bed b;
	struct sgp_buf der = SGP_BUF_INIT;
	struct reply r;
	struct eim_relay_stats st;

	bed_init(&b);
	/* nobody listens: undefinedError */
	ia_request(&b, "127.0.0.1:1", &der);
	post(&b, &der, &r, false);
	ck_assert_int_eq(answer_code(ES9_INITIATE_AUTHENTICATION, &r), ESIPA_UNDEFINED_ERROR);
	sgp_buf_free(&r.body);
	/* the SM-DP+ takes the call and never answers: undefinedError once
	 * the lab clock passes the relay's timeout */
	b.mode = DP_SILENT;
	ia_request(&b, b.dp_addr, &der);
	post(&b, &der, &r, true);
	ck_assert_ptr_nonnull(b.held);
	ck_assert(!r.done);
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 5000), 1);
	for (int i = 0; i < 2000 && !r.done; i++)
		event_base_loop(b.base, EVLOOP_ONCE);
	ck_assert_int_eq(answer_code(ES9_INITIATE_AUTHENTICATION, &r), ESIPA_UNDEFINED_ERROR);
	eim_relay_get_stats(eim_server_relay(b.eim), &st);
	ck_assert_uint_eq(st.failed, 2);
	ck_assert_uint_eq(st.sessions, 0);
	http_request_reply(b.held, 500, NULL, NULL, NULL, 0);
	sgp_buf_free(&r.body);
	sgp_buf_free(&der);
	bed_free(&b);
}
END_TEST

START_TEST(test_relay_malformed)
{
	struct bed b;
	struct sgp_buf der = SGP_BUF_INIT;
	struct reply r;
	struct eim_relay_stats st;

	bed_init(&b);
	ia_request(&b, b.dp_addr, &der);
	der.len -= 3;	/* truncated: the function is known, its undefinedError */
	post(&b, &der, &r, false);
	ck_assert_int_eq(answer_code(ES9_INITIATE_AUTHENTICATION, &r), ESIPA_UNDEFINED_ERROR);
	sgp_buf_free(&r.body);
	sgp_buf_reset(&der);
	sgp_buf_append(&der, "\x30\x03\x02\x01\x01", 5);	/* no ESipa message */
	post(&b, &der, &r, false);
	ck_assert_int_eq(r.status, 400);
	eim_relay_get_stats(eim_server_relay(b.eim), &st);
	ck_assert_uint_eq(st.relayed, 0);
	ck_assert_uint_eq(st.sessions, 0);
	ck_assert_uint_eq(b.dp_calls, 0);
	sgp_buf_free(&r.body);
	sgp_buf_free(&der);
	bed_free(&b);
}
END_TEST

static Suite *relay_suite(void)
{
	Suite *s = suite_create("eim_relay");
	TCase *tc = tcase_create("relay");

	tcase_add_test(tc, test_relay_maps_refusal);
	tcase_add_test(tc, test_relay_unknown_transaction);
	tcase_add_test(tc, test_relay_dead_and_silent_smdp);
	tcase_add_test(tc, test_relay_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(relay_suite());
}
