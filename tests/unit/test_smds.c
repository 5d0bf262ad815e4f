/* sgp32lab: the SM-DS over real HTTPS on 127.0.0.1 — ES12 from a plain
 * HTTP client playing the SM-DP+, ES11 with the eUICC model answering ES10
 * in-process (the test plays the IPA), and hostile requests that must get
 * the SGP.22 status codes and change nothing. */
#include "euicc_testbed.h"
#include "testutil.h"
#include "smds/smds.h"
#include "ipa/es10_requests.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/store/store.h"

#include <check.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OTHER_EID "89049032123451234512345678901235"
#define SMDP "smdp.sgp32lab.test"
#define TIMEOUT_MS 60000

struct lab {
	struct testbed tb;
	struct event_base *base;
	struct sgp_store *store;
	struct smds *smds;
	struct http_client *cli;
	char dir[64];
	char url[64];
};

static struct lab L;

static void setup(void)
{
	struct http_tls_cfg stls = { 0 }, ctls = { 0 };
	char cert[128], key[128], ca[128], err[128];
	struct smds_cfg cfg = { 0 };
	struct http_client_cfg cc = { .name = "test" };
	int rc;

	memset(&L, 0, sizeof(L));
	testbed_init(&L.tb, "nist", false);
	snprintf(L.dir, sizeof(L.dir), "/tmp/sgp32lab-smds-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(L.dir));
	ck_assert_int_eq(sgp_pki_save(L.tb.pki, L.dir, true), SGP_OK);
	snprintf(cert, sizeof(cert), "%s/dstls.pem", L.dir);
	snprintf(key, sizeof(key), "%s/dstls.key", L.dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", L.dir);
	stls.cert_file = cert;
	stls.key_file = key;
	ctls.ca_file = ca;
	L.base = event_base_new();
	ck_assert_ptr_nonnull(L.base);
	ck_assert_int_eq(sgp_store_open(&L.store, SGP_STORE_MEMORY, NULL, err, sizeof(err)),
			 SGP_OK);
	cfg.base = L.base;
	cfg.clock = L.tb.clock;
	cfg.store = L.store;
	cfg.pki = L.tb.pki;
	cfg.tls = &stls;
	cfg.session_timeout_ms = TIMEOUT_MS;
	ck_assert_int_eq(smds_new(&cfg, &L.smds), SGP_OK);
	snprintf(L.url, sizeof(L.url), "https://127.0.0.1:%u", smds_port(L.smds));
	cc.tls = &ctls;
	L.cli = http_client_new(L.base, &cc, &rc);
	ck_assert_ptr_nonnull(L.cli);
}

static void teardown(void)
{
	static const char *const files[] = { "ci", "eum", "dpauth", "dppb", "dptls", "dsauth",
					     "dstls", "eim", "eimtls", "ipatls" };
	char p[160];

	http_client_free(L.cli);
	smds_free(L.smds);
	sgp_store_close(L.store);
	event_base_free(L.base);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s.pem", L.dir, files[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s.key", L.dir, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/euicc-%s.pem", L.dir, L.tb.eid);
	unlink(p);
	snprintf(p, sizeof(p), "%s/euicc-%s.key", L.dir, L.tb.eid);
	unlink(p);
	ck_assert_int_eq(rmdir(L.dir), 0);
	testbed_free(&L.tb);
}

/* --- a plain HTTP client --- */

struct answer {
	bool done;
	int status;
	json_t *json;
};

static void on_answer(const struct http_result *res, void *arg)
{
	struct answer *a = arg;

	a->done = true;
	a->status = res->status;
	ck_assert_int_eq(res->rc, SGP_OK);
	if (res->status == 200 || res->status == 400) {
		ck_assert_str_eq(http_result_header(res, "Content-Type"), "application/json");
		a->json = json_loadb((const char *)res->body, res->body_len, 0, NULL);
		ck_assert_ptr_nonnull(a->json);
	}
}

static json_t *post_raw(const char *path, const char *body, size_t len, int want_status)
{
	struct answer a = { 0 };
	char url[160];
	int err;

	snprintf(url, sizeof(url), "%s%s", L.url, path);
	ck_assert_ptr_nonnull(http_client_post(L.cli, url, "application/json",
					       (const uint8_t *)body, len, NULL, 0, on_answer, &a,
					       &err));
	while (!a.done)
		event_base_loop(L.base, EVLOOP_ONCE);
	ck_assert_msg(a.status == want_status, "%s: HTTP %d", path, a.status);
	return a.json;
}

/* POST a JSON value (consumed); returns the answer. */
static json_t *post(const char *path, json_t *req, int want_status)
{
	char *text = json_dumps(req, JSON_COMPACT);
	json_t *r;

	json_decref(req);
	r = post_raw(path, text, strlen(text), want_status);
	free(text);
	return r;
}

static const char *status_of(json_t *r)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(r, "header"), "functionExecutionStatus"),
		"status"));
}

/* Expect a failed function with this subject and reason code. */
static void expect_failed(json_t *r, const char *subject, const char *reason)
{
	json_t *scd = json_object_get(
		json_object_get(json_object_get(r, "header"), "functionExecutionStatus"),
		"statusCodeData");

	ck_assert_str_eq(status_of(r), "Failed");
	ck_assert_msg(!strcmp(json_string_value(json_object_get(scd, "subjectCode")), subject) &&
		      !strcmp(json_string_value(json_object_get(scd, "reasonCode")), reason),
		      "got %s/%s (%s), expected %s/%s",
		      json_string_value(json_object_get(scd, "subjectCode")),
		      json_string_value(json_object_get(scd, "reasonCode")),
		      json_string_value(json_object_get(scd, "message")), subject, reason);
	json_decref(r);
}

static void expect_ok(json_t *r)
{
	ck_assert_str_eq(status_of(r), "Executed-Success");
	json_decref(r);
}

static json_t *register_req(const char *eid, const char *event_id, const char *addr)
{
	return json_pack("{s:{s:s,s:s},s:s,s:s,s:s,s:b}", "header",
			 "functionRequesterIdentifier", "smdp", "functionCallIdentifier", "1",
			 "eid", eid, "eventId", event_id, "rspServerAddress", addr,
			 "forwardingIndicator", 0);
}

static int count_cb(const struct smds_event *ev, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int n_events(const char *eid)
{
	int n = 0;

	ck_assert_int_eq(smds_events_foreach(L.store, eid, count_cb, &n), SGP_OK);
	return n;
}

/* --- the IPA side of ES11 --- */

static void es10(const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	ck_assert_int_eq(testbed_es10(&L.tb, cmd, len, resp), SGP_OK);
}

static char *b64(const uint8_t *p, size_t n)
{
	char *s = sgp_base64_encode(p, n);

	ck_assert_ptr_nonnull(s);
	return s;
}

static void unb64(json_t *obj, const char *name, struct sgp_buf *out)
{
	const char *t = json_string_value(json_object_get(obj, name));

	ck_assert_msg(t != NULL, "%s missing", name);
	ck_assert_int_eq(sgp_base64_decode(t, strlen(t), out), SGP_OK);
}

/* initiateAuthentication with the eUICC's challenge and info; on success
 * tid gets the transactionId and asr the eUICC's AuthenticateServerResponse
 * (with matching_id in ctxParams1 if given). */
static json_t *initiate(const char *path, const char *address)
{
	static const uint8_t get_challenge[] = { 0xBF, 0x2E, 0x00 };
	static const uint8_t get_info1[] = { 0xBF, 0x20, 0x00 };
	struct sgp_buf chal = SGP_BUF_INIT, info = SGP_BUF_INIT;
	char *c64, *i64;
	json_t *r;

	es10(get_challenge, sizeof(get_challenge), &chal);
	ck_assert_uint_eq(chal.len, 21);
	es10(get_info1, sizeof(get_info1), &info);
	c64 = b64(chal.data + 5, 16);
	i64 = b64(info.data, info.len);
	r = post(path, json_pack("{s:s,s:s,s:s}", "euiccChallenge", c64, "euiccInfo1", i64,
				 "smdsAddress", address ? address : smds_address(L.smds)), 200);
	free(c64);
	free(i64);
	sgp_buf_free(&chal);
	sgp_buf_free(&info);
	return r;
}

static void authenticate_server(json_t *ia, const char *matching_id, struct sgp_buf *asr)
{
	struct sgp_buf ss1 = SGP_BUF_INIT, sig = SGP_BUF_INIT, pkid = SGP_BUF_INIT;
	struct sgp_buf cert = SGP_BUF_INIT, req = SGP_BUF_INIT;
	struct ipa_ctx_params ctx = { .matching_id = matching_id, .tac = { 0x35, 0x29, 0x06, 0x11 } };

	expect_ok(json_incref(ia));
	unb64(ia, "serverSigned1", &ss1);
	unb64(ia, "serverSignature1", &sig);
	unb64(ia, "euiccCiPKIdToBeUsed", &pkid);
	unb64(ia, "serverCertificate", &cert);
	/* the JSON binding carries these two as whole TLVs */
	ck_assert_uint_eq(sig.len, 67);
	ck_assert_mem_eq(sig.data, "\x5F\x37\x40", 3);
	ck_assert_uint_eq(pkid.data[0], 0x04);
	ck_assert_uint_eq(pkid.data[1], pkid.len - 2);
	ck_assert_int_eq(ipa_build_authenticate_server(ss1.data, ss1.len, sig.data + 3,
						       pkid.data + 2, pkid.len - 2, cert.data,
						       cert.len, &ctx, &req), SGP_OK);
	es10(req.data, req.len, asr);
	ck_assert_uint_eq(asr->data[0], 0xBF);
	ck_assert_uint_eq(asr->data[1], 0x38);
	sgp_buf_free(&ss1);
	sgp_buf_free(&sig);
	sgp_buf_free(&pkid);
	sgp_buf_free(&cert);
	sgp_buf_free(&req);
}

static json_t *authenticate_client(const char *path, const char *tid, const struct sgp_buf *asr)
{
	char *a64 = b64(asr->data, asr->len);
	json_t *r = post(path, json_pack("{s:s,s:s}", "transactionId", tid,
					 "authenticateServerResponse", a64), 200);

	free(a64);
	return r;
}

/* The whole discovery; returns the eventEntries answer (a new reference). */
static json_t *discover(const char *es, const char *matching_id)
{
	struct sgp_buf asr = SGP_BUF_INIT;
	char p1[80], p2[80], tid[40];
	json_t *ia, *ac, *entries;

	snprintf(p1, sizeof(p1), "/gsma/rsp2/%s/initiateAuthentication", es);
	snprintf(p2, sizeof(p2), "/gsma/rsp2/%s/authenticateClient", es);
	ia = initiate(p1, NULL);
	snprintf(tid, sizeof(tid), "%s", json_string_value(json_object_get(ia, "transactionId")));
	ck_assert_uint_eq(strlen(tid), 32);
	authenticate_server(ia, matching_id, &asr);
	json_decref(ia);
	ac = authenticate_client(p2, tid, &asr);
	sgp_buf_free(&asr);
	ck_assert_str_eq(status_of(ac), "Executed-Success");
	ck_assert_str_eq(json_string_value(json_object_get(ac, "transactionId")), tid);
	entries = json_incref(json_object_get(ac, "eventEntries"));
	ck_assert(json_is_array(entries));
	json_decref(ac);
	return entries;
}

static void expect_entry(json_t *entries, size_t i, const char *event_id, const char *addr)
{
	json_t *e = json_array_get(entries, i);

	ck_assert_str_eq(json_string_value(json_object_get(e, "eventId")), event_id);
	ck_assert_str_eq(json_string_value(json_object_get(e, "rspServerAddress")), addr);
}

static int64_t n_sessions(void)
{
	int64_t n = -1;

	ck_assert_int_eq(smds_session_count(L.store, &n), SGP_OK);
	return n;
}

/* --- tests --- */

#define ES12_REGISTER "/gsma/rsp2/es12/registerEvent"
#define ES12_DELETE "/gsma/rsp2/es12/deleteEvent"

START_TEST(test_discovery_and_delete)
{
	json_t *e;

	/* nothing registered: an empty list, not an error */
	e = discover("es11", NULL);
	ck_assert_uint_eq(json_array_size(e), 0);
	json_decref(e);

	expect_ok(post(ES12_REGISTER, register_req(L.tb.eid, "EVT-1", SMDP), 200));
	expect_ok(post(ES12_REGISTER, register_req(L.tb.eid, "EVT-2", "127.0.0.1:4443"), 200));
	expect_ok(post(ES12_REGISTER, register_req(OTHER_EID, "EVT-9", SMDP), 200));
	ck_assert_int_eq(n_events(NULL), 3);

	/* the events of this EID only, in registration order */
	e = discover("es11", NULL);
	ck_assert_uint_eq(json_array_size(e), 2);
	expect_entry(e, 0, "EVT-1", SMDP);
	expect_entry(e, 1, "EVT-2", "127.0.0.1:4443");
	json_decref(e);
	/* the ES9+ path reaches the same functions */
	e = discover("es9plus", NULL);
	ck_assert_uint_eq(json_array_size(e), 2);
	json_decref(e);
	/* a Matching ID in ctxParams1 asks for that one event */
	e = discover("es11", "EVT-2");
	ck_assert_uint_eq(json_array_size(e), 1);
	expect_entry(e, 0, "EVT-2", "127.0.0.1:4443");
	json_decref(e);
	ck_assert_int_eq(n_sessions(), 0);	/* each session served once */

	/* deleteEvent removes it; the eUICC no longer sees it */
	expect_ok(post(ES12_DELETE, json_pack("{s:s,s:s}", "eid", L.tb.eid, "eventId", "EVT-1"),
		       200));
	e = discover("es11", NULL);
	ck_assert_uint_eq(json_array_size(e), 1);
	expect_entry(e, 0, "EVT-2", "127.0.0.1:4443");
	json_decref(e);
	/* a second delete: unknown Event Record */
	expect_failed(post(ES12_DELETE, json_pack("{s:s,s:s}", "eid", L.tb.eid, "eventId",
						  "EVT-1"), 200), "8.9.5", "3.9");
	ck_assert_int_eq(n_events(NULL), 2);
}
END_TEST

START_TEST(test_es12_bad_requests)
{
	static const char *const bad_json[] = { "", "{", "[]", "\"x\"", "{\"eid\":1,\"eid\":2}",
						"null", "{\"a\":\"\\ud800\"}" };

	expect_ok(post(ES12_REGISTER, register_req(L.tb.eid, "EVT-1", SMDP), 200));
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		json_t *r = post_raw(i % 2 ? ES12_REGISTER : ES12_DELETE, bad_json[i],
				     strlen(bad_json[i]), 400);

		expect_failed(r, "1.2", "2.1");
	}
	/* missing and invalid fields */
	expect_failed(post(ES12_REGISTER, json_pack("{s:s,s:s}", "eventId", "E", "rspServerAddress",
						    SMDP), 200), "8.1.1", "2.2");
	expect_failed(post(ES12_REGISTER, register_req("89049032123451234512345678901234", "E",
						       SMDP), 200), "8.1.1", "2.1");
	expect_failed(post(ES12_REGISTER, json_pack("{s:i,s:s,s:s}", "eid", 1, "eventId", "E",
						    "rspServerAddress", SMDP), 200), "8.1.1",
		      "2.1");
	expect_failed(post(ES12_REGISTER, json_pack("{s:s,s:s}", "eid", L.tb.eid,
						    "rspServerAddress", SMDP), 200), "8.9.5",
		      "2.2");
	expect_failed(post(ES12_REGISTER, register_req(L.tb.eid, "E V", SMDP), 200), "8.9.5",
		      "2.1");
	expect_failed(post(ES12_REGISTER, register_req(L.tb.eid, "", SMDP), 200), "8.9.5", "2.1");
	expect_failed(post(ES12_REGISTER, json_pack("{s:s,s:s}", "eid", L.tb.eid, "eventId", "E"),
			   200), "8.8.1", "2.2");
	expect_failed(post(ES12_REGISTER, register_req(L.tb.eid, "E", "https://x/"), 200), "8.8.1",
		      "2.1");
	expect_failed(post(ES12_REGISTER, json_pack("{s:s,s:s,s:s,s:s}", "eid", L.tb.eid,
						    "eventId", "E", "rspServerAddress", SMDP,
						    "forwardingIndicator", "yes"), 200), "8.9.5",
		      "2.1");
	expect_failed(post(ES12_REGISTER, json_pack("{s:i,s:s,s:s,s:s}", "header", 5, "eid",
						    L.tb.eid, "eventId", "E", "rspServerAddress",
						    SMDP), 200), "1.2", "2.1");
	/* a NUL inside a JSON string: not JSON the SM-DS accepts (no truncation) */
	{
		static const char nul[] = "{\"eid\":\"89049032123451234512345678901235\","
					  "\"eventId\":\"E\\u0000X\",\"rspServerAddress\":\"a\"}";

		expect_failed(post_raw(ES12_REGISTER, nul, sizeof(nul) - 1, 400), "1.2", "2.1");
	}
	/* duplicate Event Record */
	expect_failed(post(ES12_REGISTER, register_req(L.tb.eid, "EVT-1", "other.example"), 200),
		      "8.9.5", "3.3");
	/* delete: another EID's event, unknown event, bad EID */
	expect_failed(post(ES12_DELETE, json_pack("{s:s,s:s}", "eid", OTHER_EID, "eventId",
						  "EVT-1"), 200), "8.9.5", "3.9");
	expect_failed(post(ES12_DELETE, json_pack("{s:s,s:s}", "eid", L.tb.eid, "eventId", "NOPE"),
			   200), "8.9.5", "3.9");
	expect_failed(post(ES12_DELETE, json_pack("{s:s,s:s}", "eid", "123", "eventId", "EVT-1"),
			   200), "8.1.1", "2.1");
	/* oversized body: the transport refuses it */
	{
		size_t big = 100 * 1024;
		char *huge = malloc(big);

		memset(huge, ' ', big);
		huge[0] = '{';
		huge[big - 1] = '}';
		post_raw(ES12_REGISTER, huge, big, 413);
		free(huge);
	}
	/* nothing changed */
	ck_assert_int_eq(n_events(NULL), 1);
	ck_assert_int_eq(n_events(L.tb.eid), 1);
}
END_TEST

START_TEST(test_es11_bad_requests)
{
	struct sgp_buf asr = SGP_BUF_INIT;
	const char *ia_path = "/gsma/rsp2/es11/initiateAuthentication";
	const char *ac_path = "/gsma/rsp2/es11/authenticateClient";
	char tid[40];
	json_t *ia, *e;

	expect_ok(post(ES12_REGISTER, register_req(L.tb.eid, "EVT-1", SMDP), 200));
	/* initiateAuthentication: another SM-DS address, a bad challenge,
	 * euiccInfo1 that does not decode, malformed JSON */
	expect_failed(initiate(ia_path, "smds.elsewhere.test"), "8.9.1", "3.8");
	expect_failed(post(ia_path, json_pack("{s:s,s:s,s:s}", "euiccChallenge", "AAAA",
					      "euiccInfo1", "vyADggIA", "smdsAddress",
					      smds_address(L.smds)), 200), "8.1", "2.1");
	expect_failed(post(ia_path, json_pack("{s:s,s:s,s:s}", "euiccChallenge",
					      "AAAAAAAAAAAAAAAAAAAAAA==", "euiccInfo1", "vyADggIA",
					      "smdsAddress", smds_address(L.smds)), 200), "8.1",
		      "2.1");
	expect_failed(post(ia_path, json_pack("{s:s,s:s,s:s}", "euiccChallenge", "!!!",
					      "euiccInfo1", "vyADggIA", "smdsAddress",
					      smds_address(L.smds)), 200), "8.1", "2.1");
	expect_failed(post_raw(ia_path, "{\"euiccChallenge\":", 18, 400), "1.2", "2.1");
	ck_assert_int_eq(n_sessions(), 0);

	/* authenticateClient: unknown and malformed transaction ids */
	ia = initiate(ia_path, NULL);
	snprintf(tid, sizeof(tid), "%s", json_string_value(json_object_get(ia, "transactionId")));
	authenticate_server(ia, NULL, &asr);
	json_decref(ia);
	ck_assert_int_eq(n_sessions(), 1);
	expect_failed(authenticate_client(ac_path, "00112233445566778899AABBCCDDEEFF", &asr),
		      "8.10.1", "3.9");
	expect_failed(authenticate_client(ac_path, "not hex", &asr), "8.10.1", "2.1");
	expect_failed(post(ac_path, json_pack("{s:s}", "transactionId", tid), 200), "8.1", "2.2");
	ck_assert_int_eq(n_sessions(), 1);	/* the session is still there */
	/* a wrong eUICC signature: refused, and the session is over */
	asr.data[asr.len - 100] ^= 0x01;
	{
		json_t *r = authenticate_client(ac_path, tid, &asr);

		ck_assert_str_eq(status_of(r), "Failed");
		ck_assert_ptr_null(json_object_get(r, "eventEntries"));
		json_decref(r);
	}
	asr.data[asr.len - 100] ^= 0x01;
	expect_failed(authenticate_client(ac_path, tid, &asr), "8.10.1", "3.9");
	ck_assert_int_eq(n_sessions(), 0);
	sgp_buf_free(&asr);

	/* the answer of session A given to session B: its signed
	 * transactionId is A's */
	{
		struct sgp_buf a1 = SGP_BUF_INIT, a2 = SGP_BUF_INIT;
		char t1[40], t2[40];
		json_t *i1 = initiate(ia_path, NULL), *i2;

		snprintf(t1, sizeof(t1), "%s", json_string_value(json_object_get(i1, "transactionId")));
		authenticate_server(i1, NULL, &a1);
		i2 = initiate(ia_path, NULL);
		snprintf(t2, sizeof(t2), "%s", json_string_value(json_object_get(i2, "transactionId")));
		authenticate_server(i2, NULL, &a2);
		expect_failed(authenticate_client(ac_path, t2, &a1), "8.10.1", "3.9");
		/* and session A is still served */
		{
			json_t *r = authenticate_client(ac_path, t1, &a1);

			ck_assert_uint_eq(json_array_size(json_object_get(r, "eventEntries")), 1);
			expect_ok(r);
		}
		json_decref(i1);
		json_decref(i2);
		sgp_buf_free(&a1);
		sgp_buf_free(&a2);
	}
	/* an event the eUICC asks for by Matching ID that is not there */
	{
		json_t *i1 = initiate(ia_path, NULL);
		char t1[40];

		snprintf(t1, sizeof(t1), "%s", json_string_value(json_object_get(i1, "transactionId")));
		authenticate_server(i1, "NOPE", &asr);
		json_decref(i1);
		expect_failed(authenticate_client(ac_path, t1, &asr), "8.9.5", "3.9");
		sgp_buf_free(&asr);
	}
	/* nothing changed: the event is still served */
	ck_assert_int_eq(n_events(NULL), 1);
	e = discover("es11", NULL);
	ck_assert_uint_eq(json_array_size(e), 1);
	json_decref(e);
}
END_TEST

/* A device that goes away after initiateAuthentication leaves nothing once
 * its session times out on the lab clock. */
START_TEST(test_session_timeout)
{
	struct sgp_buf asr = SGP_BUF_INIT;
	char tid[40];
	json_t *ia = initiate("/gsma/rsp2/es11/initiateAuthentication", NULL);

	snprintf(tid, sizeof(tid), "%s", json_string_value(json_object_get(ia, "transactionId")));
	authenticate_server(ia, NULL, &asr);
	json_decref(ia);
	ck_assert_int_eq(n_sessions(), 1);
	ck_assert_int_ge(sgp_clock_advance(L.tb.clock, TIMEOUT_MS - 1), 0);
	ck_assert_int_eq(n_sessions(), 1);
	ck_assert_int_ge(sgp_clock_advance(L.tb.clock, 1), 1);
	ck_assert_int_eq(n_sessions(), 0);
	expect_failed(authenticate_client("/gsma/rsp2/es11/authenticateClient", tid, &asr),
		      "8.10.1", "3.9");
	sgp_buf_free(&asr);
}
END_TEST

START_TEST(test_api_args)
{
	struct smds_cfg cfg = { 0 };
	struct smds *s = (struct smds *)1;

	ck_assert_int_eq(smds_new(&cfg, &s), SGP_ERR_INVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(smds_new(NULL, NULL), SGP_ERR_INVAL);
	ck_assert_int_eq(smds_events_foreach(NULL, NULL, count_cb, NULL), SGP_ERR_INVAL);
	ck_assert_uint_eq(smds_port(NULL), 0);
	smds_free(NULL);
	ck_assert_str_eq(smds_address(L.smds), L.url + 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smds");
	TCase *tc = tcase_create("smds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_discovery_and_delete);
	tcase_add_test(tc, test_es12_bad_requests);
	tcase_add_test(tc, test_es11_bad_requests);
	tcase_add_test(tc, test_session_timeout);
	tcase_add_test(tc, test_api_args);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
