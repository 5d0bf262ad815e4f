/* sgp32lab: the SM-DP+ server over real HTTPS on 127.0.0.1 — the test
 * plays the operator (ES2+) and the IPA (ES9+ with core/http's client),
 * the eUICC model answers ES10 in-process (ipa/es10_requests.c and
 * core/der/bpp_split.c turn the ES9+ answers into ES10 commands). */
#include "euicc_testbed.h"
#include "testutil.h"
#include "smdp/auth.h"
#include "smdp/es2plus.h"
#include "smdp/orders.h"
#include "smdp/smdp_server.h"
#include "ipa/es10_requests.h"
#include "core/clock.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/es9/es9.h"
#include "core/http/http.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include <event2/event.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SERVER "smdp.sgp32lab.test"
#define ICCID "89440000000000000011"
#define ICCID2 "89440000000000000029"
#define IMSI "001010123456789"

struct es12_seen {
	int registered, deleted;
	char last_event[80];
};

struct lab {
	struct testbed tb;
	struct event_base *base;
	struct smdp_server *smdp;
	struct http_client *cli;
	char dir[64];
	char url[128];
	struct es12_seen es12;
};

struct reply {
	int status;
	char *body;
	size_t len;
	bool done;
};

static void es12_record(enum smdp_es12_op op, const char *smds, const char *eid,
			const char *event_id, const char *rsp, void *arg)
{
	struct es12_seen *s = arg;

	(void)smds;
	(void)eid;
	ck_assert_str_eq(rsp, SERVER);
	if (op == SMDP_ES12_REGISTER)
		s->registered++;
	else
		s->deleted++;
	snprintf(s->last_event, sizeof(s->last_event), "%s", event_id);
}

/* A peer that records what the SM-DP+ sends by itself: the operator's
 * handleDownloadProgressInfo and ES12 to the SM-DS. */
struct peer {
	struct http_server *srv;
	int progress, register_event, delete_event;
	char last[512];
};

static void peer_handler(struct http_request *req, void *arg)
{
	static const char ok[] = "{\"header\":{\"functionExecutionStatus\":"
				 "{\"status\":\"Executed-Success\"}}}";
	struct peer *p = arg;
	const char *path = http_request_path(req);
	size_t len;
	const uint8_t *body = http_request_body(req, &len);

	if (!strcmp(path, "/operator/progress"))
		p->progress++;
	else if (!strcmp(path, "/gsma/rsp2/es12/registerEvent"))
		p->register_event++;
	else if (!strcmp(path, "/gsma/rsp2/es12/deleteEvent"))
		p->delete_event++;
	snprintf(p->last, sizeof(p->last), "%.*s", (int)len, (const char *)body);
	http_request_reply(req, 200, ES9_CONTENT_TYPE, NULL, (const uint8_t *)ok, strlen(ok));
}

static struct peer *the_peer;	/* set: lab_init wires the SM-DP+ to it */

static void lab_init(struct lab *l, const char *curve)
{
	char cert[128], key[128], ca[128];
	struct http_tls_cfg stls = { .cert_file = cert, .key_file = key };
	struct http_tls_cfg ctls = { .ca_file = ca };
	struct http_client_cfg ccfg = { .name = "ipa", .tls = &ctls, .max_body = 4u << 20 };
	struct smdp_server_cfg cfg = {
		.address = SERVER,
		.http = { .name = "smdp", .tls = &stls, .max_body = 256 * 1024 },
		.session_timeout_ms = 60000, .cc_max_attempts = 3,
		.es12 = es12_record,
	};
	int err;

	memset(l, 0, sizeof(*l));
	testbed_init(&l->tb, curve, false);
	snprintf(l->dir, sizeof(l->dir), "/tmp/sgp32lab-smdp-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(l->dir));
	ck_assert_int_eq(sgp_pki_save(l->tb.pki, l->dir, false), SGP_OK);
	snprintf(cert, sizeof(cert), "%s/dptls.pem", l->dir);
	snprintf(key, sizeof(key), "%s/dptls.key", l->dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", l->dir);
	l->base = event_base_new();
	cfg.store = l->tb.store;
	cfg.clock = l->tb.clock;
	cfg.pki = l->tb.pki;
	cfg.es12_arg = &l->es12;
	if (the_peer) {
		struct http_server_cfg pc = { .name = "peer", .tls = &stls };
		static char op_url[128];

		the_peer->srv = http_server_new(l->base, &pc, &err);
		ck_assert_ptr_nonnull(the_peer->srv);
		ck_assert_int_eq(http_server_add_route(the_peer->srv, "/", true, peer_handler,
						       the_peer), SGP_OK);
		snprintf(op_url, sizeof(op_url), "https://127.0.0.1:%u/operator/progress",
			 http_server_port(the_peer->srv));
		cfg.operator_url = op_url;
		cfg.es12 = NULL;
		cfg.es12_port = http_server_port(the_peer->srv);
		cfg.client_tls = &ctls;
	}
	l->smdp = smdp_server_new(l->base, &cfg, &err);
	ck_assert_msg(l->smdp != NULL, "smdp_server_new: %s", sgp_strerror(err));
	l->cli = http_client_new(l->base, &ccfg, &err);
	ck_assert_ptr_nonnull(l->cli);
	snprintf(l->url, sizeof(l->url), "https://127.0.0.1:%u", smdp_server_port(l->smdp));
	ck_assert_int_eq(smdp_profile_create(l->tb.store, ICCID, IMSI, "lab-a"), SGP_OK);
	ck_assert_int_eq(smdp_profile_create(l->tb.store, ICCID2, IMSI, "lab-b"), SGP_OK);
}

static void lab_free(struct lab *l)
{
	char cmd[128];

	http_client_free(l->cli);
	smdp_server_free(l->smdp);
	if (the_peer)
		http_server_free(the_peer->srv);
	event_base_free(l->base);
	testbed_free(&l->tb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void on_reply(const struct http_result *res, void *arg)
{
	struct reply *r = arg;

	r->done = true;
	r->status = res->status;
	r->body = calloc(1, res->body_len + 1);
	if (res->body_len)
		memcpy(r->body, res->body, res->body_len);
	r->len = res->body_len;
}

/* POST and run the loop until the answer is there. */
static void post_raw(struct lab *l, const char *path, const char *ctype, const char *admin,
		     const char *body, size_t len, struct reply *r)
{
	struct http_header hdr[] = { { "X-Admin-Protocol", admin }, { NULL, NULL } };
	char url[256];
	int err;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", l->url, path);
	ck_assert_ptr_nonnull(http_client_post(l->cli, url, ctype, (const uint8_t *)body, len,
					       admin ? hdr : NULL, 0, on_reply, r, &err));
	while (!r->done)
		ck_assert_int_ge(event_base_loop(l->base, EVLOOP_ONCE), 0);
}

static void post_msg(struct lab *l, const char *path, const struct json_msg_desc *d,
		     const void *msg, struct reply *r)
{
	char *text;
	size_t len;

	ck_assert_int_eq(json_msg_encode(d, msg, &text, &len), SGP_OK);
	post_raw(l, path, ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, text, len, r);
	free(text);
}

static void reply_free(struct reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* The answer must be Failed with subject/reason (and the HTTP status). */
static void expect_failed(struct reply *r, int http, const char *subject, const char *reason)
{
	struct es9_status_resp s = { 0 };
	struct json_msg_error err;

	ck_assert_msg(r->status == http, "HTTP %d, want %d: %s", r->status, http, r->body);
	ck_assert_msg(json_msg_decode(&es9_status_resp_desc, r->body, r->len, 0,
				      JSON_MSG_ALLOW_UNKNOWN, &s, &err) == SGP_OK, "%s", err.text);
	ck_assert_int_eq(s.header.status, ES_FAILED);
	ck_assert(s.header.has_status_code_data);
	ck_assert_msg(!strcmp(s.header.scd.subject_code, subject) &&
		      !strcmp(s.header.scd.reason_code, reason), "got %s/%s (%s), want %s/%s",
		      s.header.scd.subject_code, s.header.scd.reason_code,
		      s.header.scd.message ? s.header.scd.message : "", subject, reason);
	json_msg_free(&es9_status_resp_desc, &s);
	reply_free(r);
}

static void expect_ok(struct reply *r, const struct json_msg_desc *d, void *out)
{
	struct json_msg_error err;

	ck_assert_msg(r->status == 200, "HTTP %d: %s", r->status, r->body);
	memset(out, 0, d->size);
	ck_assert_msg(json_msg_decode(d, r->body, r->len, 0, 0, out, &err) == SGP_OK, "%s: %s",
		      err.text, r->body);
	ck_assert_msg(((struct es_resp_header *)out)->status == ES_EXECUTED_SUCCESS, "%s", r->body);
	reply_free(r);
}

static enum smdp_profile_state order_state(struct lab *l, const char *iccid)
{
	struct smdp_profile p;
	enum smdp_profile_state s;

	ck_assert_int_eq(smdp_profile_get(l->tb.store, iccid, &p), SGP_OK);
	s = p.state;
	smdp_profile_release(&p);
	return s;
}

static int sessions(struct lab *l)
{
	int n = -1;

	ck_assert_int_eq(smdp_server_session_count(l->smdp, &n), SGP_OK);
	return n;
}

static void es10(struct lab *l, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	int rc = testbed_es10(&l->tb, cmd, len, resp);

	ck_assert_msg(rc == SGP_OK, "ES10 %02X%02X: %s", cmd[0], cmd[1], sgp_strerror(rc));
}

/* ---- ES2+ as the operator ---- */

static struct es_req_header op_header(void)
{
	return (struct es_req_header){ "operator", "call-1" };
}

static void order(struct lab *l, const char *iccid, const char *eid, const char *mid,
		  const char *cc, const char *smds)
{
	struct es2_download_order_req d = { op_header(), (char *)eid, (char *)iccid, NULL };
	struct es2_download_order_resp dr;
	struct es2_confirm_order_req c = { op_header(), (char *)iccid, (char *)eid, (char *)mid,
					   (char *)cc, (char *)smds, true, true };
	struct es2_confirm_order_resp cr;
	struct reply r;

	post_msg(l, "/gsma/rsp2/es2plus/downloadOrder", &es2_download_order_req_desc, &d, &r);
	expect_ok(&r, &es2_download_order_resp_desc, &dr);
	ck_assert_str_eq(dr.iccid, iccid);
	json_msg_free(&es2_download_order_resp_desc, &dr);
	ck_assert_int_eq(order_state(l, iccid), eid ? SMDP_PROFILE_LINKED : SMDP_PROFILE_ALLOCATED);
	post_msg(l, "/gsma/rsp2/es2plus/confirmOrder", &es2_confirm_order_req_desc, &c, &r);
	expect_ok(&r, &es2_confirm_order_resp_desc, &cr);
	ck_assert_str_eq(cr.matching_id, mid);
	ck_assert_str_eq(cr.smdp_address, SERVER);
	json_msg_free(&es2_confirm_order_resp_desc, &cr);
	ck_assert_int_eq(order_state(l, iccid), SMDP_PROFILE_RELEASED);
}

/* ---- ES9+ as the IPA ---- */

struct dl {
	struct sgp_buf tid;
	struct sgp_buf pdr;		/* PrepareDownloadResponse */
	struct sgp_buf asr;		/* AuthenticateServerResponse */
};

static void dl_free(struct dl *d)
{
	sgp_buf_free(&d->tid);
	sgp_buf_free(&d->pdr);
	sgp_buf_free(&d->asr);
}

/* initiateAuthentication; returns the decoded answer in ia */
static void initiate(struct lab *l, struct es9_initiate_authentication_resp *ia)
{
	struct es9_initiate_authentication_req rq = { 0 };
	struct sgp_buf resp = SGP_BUF_INIT;
	struct reply r;

	es10(l, (const uint8_t *)"\xBF\x20\x00", 3, &rq.euicc_info1);
	es10(l, (const uint8_t *)"\xBF\x2E\x00", 3, &resp);
	ck_assert_uint_eq(resp.len, 21);
	sgp_buf_set(&rq.euicc_challenge, resp.data + 5, 16);
	rq.smdp_address = strdup(SERVER);
	post_msg(l, ES9_PATH_PREFIX "initiateAuthentication", &es9_initiate_authentication_req_desc,
		 &rq, &r);
	expect_ok(&r, &es9_initiate_authentication_resp_desc, ia);
	ck_assert_uint_eq(ia->transaction_id.len, 16);
	ck_assert_uint_eq(ia->server_signature1.len, 67);
	json_msg_free(&es9_initiate_authentication_req_desc, &rq);
	sgp_buf_free(&resp);
}

/* up to the AuthenticateServerResponse of the eUICC */
static void authenticate_server(struct lab *l, const char *mid, struct dl *d)
{
	struct es9_initiate_authentication_resp ia;
	struct ipa_ctx_params ctx = { .matching_id = mid, .tac = { 0x35, 0x29, 0x06, 0x11 } };
	struct sgp_buf cmd = SGP_BUF_INIT;

	initiate(l, &ia);
	ck_assert_int_eq(ipa_build_authenticate_server(ia.server_signed1.data, ia.server_signed1.len,
						       ia.server_signature1.data + 3,
						       ia.euicc_ci_pkid_to_be_used.data + 2,
						       ia.euicc_ci_pkid_to_be_used.len - 2,
						       ia.server_certificate.data,
						       ia.server_certificate.len, &ctx, &cmd), SGP_OK);
	es10(l, cmd.data, cmd.len, &d->asr);
	sgp_buf_set(&d->tid, ia.transaction_id.data, ia.transaction_id.len);
	json_msg_free(&es9_initiate_authentication_resp_desc, &ia);
	sgp_buf_free(&cmd);
}

static void authenticate_client(struct lab *l, struct dl *d, struct reply *r)
{
	struct es9_authenticate_client_req rq = { 0 };

	sgp_buf_set(&rq.transaction_id, d->tid.data, d->tid.len);
	sgp_buf_set(&rq.authenticate_server_response, d->asr.data, d->asr.len);
	post_msg(l, ES9_PATH_PREFIX "authenticateClient", &es9_authenticate_client_req_desc, &rq, r);
	json_msg_free(&es9_authenticate_client_req_desc, &rq);
}

/* authenticateClient + PrepareDownload on the eUICC (cc: the code the
 * user types, NULL: none) */
static void prepare(struct lab *l, struct dl *d, const char *cc)
{
	struct es9_authenticate_client_resp ac;
	struct sgp_buf cmd = SGP_BUF_INIT;
	uint8_t hash[32];
	struct reply r;

	authenticate_client(l, d, &r);
	expect_ok(&r, &es9_authenticate_client_resp_desc, &ac);
	ck_assert_mem_eq(ac.transaction_id.data, d->tid.data, 16);
	ck_assert_uint_ge(ac.profile_metadata.len, 10);
	if (cc)
		ck_assert_int_eq(smdp_hash_cc(cc, d->tid.data, d->tid.len, hash), SGP_OK);
	ck_assert_int_eq(ipa_build_prepare_download(ac.smdp_signed2.data, ac.smdp_signed2.len,
						    ac.smdp_signature2.data + 3, cc ? hash : NULL,
						    ac.smdp_certificate.data,
						    ac.smdp_certificate.len, &cmd), SGP_OK);
	es10(l, cmd.data, cmd.len, &d->pdr);
	json_msg_free(&es9_authenticate_client_resp_desc, &ac);
	sgp_buf_free(&cmd);
}

static void get_bpp(struct lab *l, struct dl *d, struct reply *r)
{
	struct es9_get_bound_profile_package_req rq = { 0 };

	sgp_buf_set(&rq.transaction_id, d->tid.data, d->tid.len);
	sgp_buf_set(&rq.prepare_download_response, d->pdr.data, d->pdr.len);
	post_msg(l, ES9_PATH_PREFIX "getBoundProfilePackage",
		 &es9_get_bound_profile_package_req_desc, &rq, r);
	json_msg_free(&es9_get_bound_profile_package_req_desc, &rq);
}

/* load the BPP into the eUICC; pir gets the ProfileInstallationResult */
static void load_bpp(struct lab *l, const struct sgp_buf *bpp, struct sgp_buf *pir)
{
	struct sgp_bpp_cmd *cmds = NULL;
	struct sgp_buf resp = SGP_BUF_INIT;
	size_t n = 0;

	ck_assert_int_eq(sgp_bpp_split(bpp->data, bpp->len, &cmds, &n), SGP_OK);
	for (size_t i = 0; i < n && !pir->len; i++) {
		es10(l, bpp->data + cmds[i].off, cmds[i].len, &resp);
		if (resp.len)
			sgp_buf_set(pir, resp.data, resp.len);
	}
	ck_assert_uint_ge(pir->len, 3);
	ck_assert_int_eq(pir->data[1], 0x37);
	free(cmds);
	sgp_buf_free(&resp);
}

static void notify(struct lab *l, const struct sgp_buf *pir, struct reply *r)
{
	struct es9_handle_notification_req rq = { 0 };

	sgp_buf_set(&rq.pending_notification, pir->data, pir->len);
	post_msg(l, ES9_PATH_PREFIX "handleNotification", &es9_handle_notification_req_desc, &rq, r);
	json_msg_free(&es9_handle_notification_req_desc, &rq);
}

static bool euicc_has(struct lab *l, const char *iccid)
{
	struct euicc_profile p;

	if (euicc_profile_find(l->tb.euicc, iccid, &p) != SGP_OK)
		return false;
	euicc_profile_release(&p);
	return true;
}

/* the whole download; cc: the code typed */
static void download(struct lab *l, const char *mid, const char *cc)
{
	struct es9_get_bound_profile_package_resp gb;
	struct sgp_buf pir = SGP_BUF_INIT;
	struct dl d = { 0 };
	struct reply r;

	authenticate_server(l, mid, &d);
	prepare(l, &d, cc);
	get_bpp(l, &d, &r);
	expect_ok(&r, &es9_get_bound_profile_package_resp_desc, &gb);
	ck_assert_int_eq(order_state(l, ICCID), SMDP_PROFILE_DOWNLOADED);
	load_bpp(l, &gb.bound_profile_package, &pir);
	notify(l, &pir, &r);
	ck_assert_msg(r.status == 204, "handleNotification: HTTP %d %s", r.status, r.body);
	reply_free(&r);
	json_msg_free(&es9_get_bound_profile_package_resp_desc, &gb);
	sgp_buf_free(&pir);
	dl_free(&d);
}

START_TEST(test_download_end_to_end)
{
	const char *curve = _i ? "brp" : "nist";
	struct lab l;
	struct reply r;
	struct dl d = { 0 };

	lab_init(&l, curve);
	order(&l, ICCID, l.tb.eid, "MID-1", NULL, "smds.sgp32lab.test");
	ck_assert_int_eq(l.es12.registered, 1);
	ck_assert_str_eq(l.es12.last_event, "MID-1");
	download(&l, "MID-1", NULL);
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_INSTALLED);
	ck_assert(euicc_has(&l, ICCID));
	ck_assert_int_eq(sessions(&l), 0);
	ck_assert_int_eq(l.es12.deleted, 1);

	/* the same matchingId again: the order is done */
	authenticate_server(&l, "MID-1", &d);
	authenticate_client(&l, &d, &r);
	expect_failed(&r, 200, "8.2.6", "3.8");
	ck_assert_int_eq(sessions(&l), 1);	/* only the unauthenticated session */
	dl_free(&d);
	lab_free(&l);
}
END_TEST

START_TEST(test_confirmation_code)
{
	struct lab l;
	struct reply r;

	lab_init(&l, "nist");
	/* right code */
	order(&l, ICCID, NULL, "MID-CC", "1234", NULL);
	download(&l, "MID-CC", "1234");
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_INSTALLED);
	ck_assert_int_eq(l.es12.registered, 0);

	/* wrong codes on the second profile: refused twice, then the limit */
	order(&l, ICCID2, l.tb.eid, "MID-CC2", "9999", NULL);
	for (int i = 1; i <= 3; i++) {
		struct dl d = { 0 };
		struct smdp_profile p;

		authenticate_server(&l, "MID-CC2", &d);
		prepare(&l, &d, "0000");
		get_bpp(&l, &d, &r);
		expect_failed(&r, 200, "8.2.7", i < 3 ? "3.8" : "6.4");
		ck_assert_int_eq(sessions(&l), 0);
		ck_assert_int_eq(smdp_profile_get(l.tb.store, ICCID2, &p), SGP_OK);
		ck_assert_int_eq(p.cc_attempts, i);
		ck_assert_int_eq(p.state, i < 3 ? SMDP_PROFILE_RELEASED : SMDP_PROFILE_ERROR);
		smdp_profile_release(&p);
		dl_free(&d);
	}
	ck_assert(!euicc_has(&l, ICCID2));
	/* and the order stays failed */
	{
		struct dl d = { 0 };

		authenticate_server(&l, "MID-CC2", &d);
		authenticate_client(&l, &d, &r);
		expect_failed(&r, 200, "8.8.5", "6.4");
		dl_free(&d);
	}
	lab_free(&l);
}
END_TEST

/* ---- hostile requests: the status, and nothing stored ---- */

START_TEST(test_negative_es9)
{
	struct lab l;
	struct reply r;
	struct dl d = { 0 };
	const char *ia = ES9_PATH_PREFIX "initiateAuthentication";
	char *big;

	lab_init(&l, "nist");
	order(&l, ICCID, l.tb.eid, "MID-N", NULL, NULL);

	/* transport-level refusals */
	post_raw(&l, ia, ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, "{", 1, &r);
	expect_failed(&r, 400, "1.1", "2.1");
	post_raw(&l, ia, "text/plain", ES9_ADMIN_PROTOCOL, "{}", 2, &r);
	expect_failed(&r, 400, "1.1", "2.1");
	post_raw(&l, ia, ES9_CONTENT_TYPE, NULL, "{}", 2, &r);
	expect_failed(&r, 400, "1.1", "2.1");
	post_raw(&l, ia, ES9_CONTENT_TYPE, "gsma/rsp/v1.0.0", "{}", 2, &r);
	expect_failed(&r, 400, "1.1", "3.1");
	big = malloc(300 * 1024);
	memset(big, ' ', 300 * 1024);
	post_raw(&l, ia, ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, big, 300 * 1024, &r);
	ck_assert_int_eq(r.status, 413);
	reply_free(&r);
	free(big);
	post_raw(&l, ES9_PATH_PREFIX "nosuchFunction", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL,
		 "{}", 2, &r);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	post_raw(&l, "/gsma/rsp2/es11/initiateAuthentication", ES9_CONTENT_TYPE,
		 ES9_ADMIN_PROTOCOL, "{}", 2, &r);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);

	/* members */
	post_raw(&l, ia, ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL,
		 "{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw==\",\"smdpAddress\":\"" SERVER "\"}",
		 strlen("{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw==\",\"smdpAddress\":\"" SERVER "\"}"),
		 &r);
	expect_failed(&r, 200, "1.1", "2.2");
	{
		const char *t = "{\"euiccChallenge\":\"AAEC*wQFBgcICQoLDA0ODw==\",\"euiccInfo1\":\"AA==\","
				"\"smdpAddress\":\"" SERVER "\"}";

		post_raw(&l, ia, ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t, strlen(t), &r);
		expect_failed(&r, 200, "1.1", "2.1");
	}
	{
		const char *t = "{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw==\",\"euiccInfo1\":\"AAA=\","
				"\"smdpAddress\":\"" SERVER "\",\"extra\":1}";

		post_raw(&l, ia, ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t, strlen(t), &r);
		expect_failed(&r, 200, "1.1", "2.1");
	}
	/* a real EUICCInfo1 but another address; a broken EUICCInfo1 */
	{
		struct es9_initiate_authentication_req rq = { 0 };

		es10(&l, (const uint8_t *)"\xBF\x20\x00", 3, &rq.euicc_info1);
		sgp_buf_set(&rq.euicc_challenge, "0123456789abcdef", 16);
		rq.smdp_address = strdup("other.example.com");
		post_msg(&l, ia, &es9_initiate_authentication_req_desc, &rq, &r);
		expect_failed(&r, 200, "8.8.1", "3.8");
		free(rq.smdp_address);
		rq.smdp_address = strdup("SMDP.sgp32lab.TEST");	/* case-insensitive */
		rq.euicc_info1.len--;
		post_msg(&l, ia, &es9_initiate_authentication_req_desc, &rq, &r);
		expect_failed(&r, 200, "1.1", "2.1");
		json_msg_free(&es9_initiate_authentication_req_desc, &rq);
	}
	ck_assert_int_eq(sessions(&l), 0);

	/* unknown transactionId; out of order (getBPP before authenticateClient) */
	authenticate_server(&l, "MID-N", &d);
	ck_assert_int_eq(sessions(&l), 1);
	sgp_buf_set(&d.pdr, "\xBF\x21\x00", 3);
	get_bpp(&l, &d, &r);
	expect_failed(&r, 200, "8.10.1", "3.9");
	d.tid.data[0] ^= 0xFF;
	authenticate_client(&l, &d, &r);
	expect_failed(&r, 200, "8.10.1", "3.9");
	d.tid.data[0] ^= 0xFF;
	/* a broken certificate (the EUM's, last in the answer) */
	d.asr.data[d.asr.len - 1] ^= 0x01;
	authenticate_client(&l, &d, &r);
	expect_failed(&r, 200, "8.1.3", "6.1");
	d.asr.data[d.asr.len - 1] ^= 0x01;
	/* a wrong eUICC signature: a byte of euiccSignature1 ('5F37' 40) */
	{
		size_t at = 0;

		for (size_t i = 0; i + 3 < d.asr.len && !at; i++)
			if (d.asr.data[i] == 0x5F && d.asr.data[i + 1] == 0x37 &&
			    d.asr.data[i + 2] == 0x40)
				at = i + 3 + 20;
		ck_assert_uint_ne(at, 0);
		d.asr.data[at] ^= 0x01;
		authenticate_client(&l, &d, &r);
		expect_failed(&r, 200, "8.1", "6.1");
		d.asr.data[at] ^= 0x01;
	}
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_RELEASED);
	/* nothing stored by the refusals: the session still waits, and works */
	prepare(&l, &d, NULL);
	/* a PrepareDownloadResponse with a broken signature */
	d.pdr.data[d.pdr.len - 1] ^= 0x01;
	get_bpp(&l, &d, &r);
	expect_failed(&r, 200, "8.1", "6.1");
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_RELEASED);
	d.pdr.data[d.pdr.len - 1] ^= 0x01;
	{
		struct es9_get_bound_profile_package_resp gb;
		struct sgp_buf pir = SGP_BUF_INIT, bad = SGP_BUF_INIT;

		get_bpp(&l, &d, &r);
		expect_ok(&r, &es9_get_bound_profile_package_resp_desc, &gb);
		/* the same again: that step is over */
		get_bpp(&l, &d, &r);
		expect_failed(&r, 200, "8.10.1", "3.9");
		load_bpp(&l, &gb.bound_profile_package, &pir);
		/* a notification with a broken signature changes nothing */
		sgp_buf_set(&bad, pir.data, pir.len);
		bad.data[bad.len - 1] ^= 0x01;
		notify(&l, &bad, &r);
		expect_failed(&r, 200, "8.1", "6.1");
		ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_DOWNLOADED);
		notify(&l, &pir, &r);
		ck_assert_int_eq(r.status, 204);
		reply_free(&r);
		ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_INSTALLED);
		/* reused transactionId after completion */
		notify(&l, &pir, &r);
		expect_failed(&r, 200, "8.10.1", "3.9");
		authenticate_client(&l, &d, &r);
		expect_failed(&r, 200, "8.10.1", "3.9");
		json_msg_free(&es9_get_bound_profile_package_resp_desc, &gb);
		sgp_buf_free(&pir);
		sgp_buf_free(&bad);
	}
	ck_assert_int_eq(sessions(&l), 0);
	dl_free(&d);
	lab_free(&l);
}
END_TEST

START_TEST(test_session_timeout)
{
	struct lab l;
	struct reply r;
	struct dl d = { 0 };
	struct smdp_server_stats st;

	lab_init(&l, "nist");
	order(&l, ICCID, l.tb.eid, "MID-T", NULL, NULL);
	authenticate_server(&l, "MID-T", &d);
	ck_assert_int_eq(sessions(&l), 1);
	ck_assert_int_eq(sgp_clock_advance(l.tb.clock, 59999), 0);
	ck_assert_int_eq(sessions(&l), 1);
	ck_assert_int_ge(sgp_clock_advance(l.tb.clock, 1), 1);
	ck_assert_int_eq(sessions(&l), 0);
	smdp_server_get_stats(l.smdp, &st);
	ck_assert_uint_eq(st.sessions_expired, 1);
	authenticate_client(&l, &d, &r);
	expect_failed(&r, 200, "8.10.1", "3.9");
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_RELEASED);
	/* a new session goes through */
	dl_free(&d);
	download(&l, "MID-T", NULL);
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_INSTALLED);
	lab_free(&l);
}
END_TEST

START_TEST(test_negative_es2)
{
	struct lab l;
	struct reply r;
	const char *t;

	lab_init(&l, "nist");
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"89440000000000000997\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/downloadOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	expect_failed(&r, 200, "8.2.1", "3.9");
	t = "{\"iccid\":\"" ICCID "\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/downloadOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	expect_failed(&r, 200, "1.1", "2.2");
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"profileType\":\"nope\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/downloadOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	expect_failed(&r, 200, "8.2.5", "3.9");
	/* confirm before download order; release before confirm */
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"" ICCID "\",\"releaseFlag\":true}";
	post_raw(&l, "/gsma/rsp2/es2plus/confirmOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	expect_failed(&r, 200, "8.2.1", "3.8");
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"" ICCID "\",\"releaseFlag\":\"yes\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/confirmOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	expect_failed(&r, 200, "1.1", "2.1");
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_AVAILABLE);
	/* by profile type, a generated matching id, release later, cancel */
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"profileType\":\"lab-b\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/downloadOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	ck_assert_ptr_nonnull(strstr(r.body, ICCID2));
	reply_free(&r);
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"" ICCID2 "\",\"releaseFlag\":false,\"smdsAddress\":\"smds.x\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/confirmOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"matchingId\":\""));
	reply_free(&r);
	ck_assert_int_eq(order_state(&l, ICCID2), SMDP_PROFILE_CONFIRMED);
	ck_assert_int_eq(l.es12.registered, 0);
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"" ICCID2 "\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/releaseProfile", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	ck_assert_int_eq(order_state(&l, ICCID2), SMDP_PROFILE_RELEASED);
	ck_assert_int_eq(l.es12.registered, 1);
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"" ICCID2 "\",\"finalProfileStatusIndicator\":\"Maybe\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/cancelOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	expect_failed(&r, 200, "8.2.1", "2.1");
	t = "{\"header\":{\"functionRequesterIdentifier\":\"op\",\"functionCallIdentifier\":\"1\"},"
	    "\"iccid\":\"" ICCID2 "\",\"finalProfileStatusIndicator\":\"Available\"}";
	post_raw(&l, "/gsma/rsp2/es2plus/cancelOrder", ES9_CONTENT_TYPE, ES9_ADMIN_PROTOCOL, t,
		 strlen(t), &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "Executed-Success"));
	reply_free(&r);
	ck_assert_int_eq(order_state(&l, ICCID2), SMDP_PROFILE_AVAILABLE);
	ck_assert_int_eq(l.es12.deleted, 1);
	lab_free(&l);
}
END_TEST

/* ES10 CancelSession on the eUICC, its answer to ES9+ cancelSession */
static void cancel(struct lab *l, struct dl *d, uint8_t reason, bool corrupt, struct reply *r)
{
	struct es9_cancel_session_req rq = { 0 };
	struct sgp_buf cmd = SGP_BUF_INIT, body = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_der_put_tlv(&body, 0x80, d->tid.data, d->tid.len), SGP_OK);
	ck_assert_int_eq(sgp_der_put_tlv(&body, 0x81, &reason, 1), SGP_OK);
	ck_assert_int_eq(sgp_der_put_tlv(&cmd, 0xBF41, body.data, body.len), SGP_OK);
	es10(l, cmd.data, cmd.len, &rq.cancel_session_response);
	if (corrupt)
		rq.cancel_session_response.data[rq.cancel_session_response.len - 1] ^= 0x01;
	sgp_buf_set(&rq.transaction_id, d->tid.data, d->tid.len);
	post_msg(l, ES9_PATH_PREFIX "cancelSession", &es9_cancel_session_req_desc, &rq, r);
	json_msg_free(&es9_cancel_session_req_desc, &rq);
	sgp_buf_free(&cmd);
	sgp_buf_free(&body);
}

START_TEST(test_cancel_session)
{
	struct lab l;
	struct reply r;
	struct dl d = { 0 };
	struct es9_status_resp ok;

	lab_init(&l, "nist");
	order(&l, ICCID, l.tb.eid, "MID-X", NULL, "smds.sgp32lab.test");
	authenticate_server(&l, "MID-X", &d);
	prepare(&l, &d, NULL);
	/* a broken signature: refused, the session stays */
	cancel(&l, &d, 1, true, &r);
	expect_failed(&r, 200, "8.1", "6.1");
	ck_assert_int_eq(sessions(&l), 1);
	dl_free(&d);
	/* postponed (1): the session ends, the order stays released */
	authenticate_server(&l, "MID-X", &d);
	prepare(&l, &d, NULL);
	ck_assert_int_eq(sessions(&l), 2);
	cancel(&l, &d, 1, false, &r);
	expect_ok(&r, &es9_status_resp_desc, &ok);
	json_msg_free(&es9_status_resp_desc, &ok);
	ck_assert_int_eq(sessions(&l), 1);
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_RELEASED);
	/* the cancelled session is gone for good */
	get_bpp(&l, &d, &r);
	expect_failed(&r, 200, "8.10.1", "3.9");
	dl_free(&d);
	/* endUserRejection (0): the order ends in error, its event is deleted */
	authenticate_server(&l, "MID-X", &d);
	prepare(&l, &d, NULL);
	cancel(&l, &d, 0, false, &r);
	expect_ok(&r, &es9_status_resp_desc, &ok);
	json_msg_free(&es9_status_resp_desc, &ok);
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_ERROR);
	ck_assert_int_eq(l.es12.deleted, 1);
	dl_free(&d);
	lab_free(&l);
}
END_TEST

/* The built-in ES12 client and handleDownloadProgressInfo over HTTPS */
START_TEST(test_outgoing_calls)
{
	struct peer peer = { 0 };
	struct lab l;

	the_peer = &peer;
	lab_init(&l, "nist");
	order(&l, ICCID, l.tb.eid, "MID-O", NULL, "127.0.0.1");
	while (peer.register_event < 1)
		ck_assert_int_ge(event_base_loop(l.base, EVLOOP_ONCE), 0);
	ck_assert_ptr_nonnull(strstr(peer.last, "\"eventId\":\"MID-O\""));
	ck_assert_ptr_nonnull(strstr(peer.last, "\"rspServerAddress\":\"" SERVER "\""));
	download(&l, "MID-O", NULL);
	while (peer.delete_event < 1 || peer.progress < 1)
		ck_assert_int_ge(event_base_loop(l.base, EVLOOP_ONCE), 0);
	ck_assert_int_eq(order_state(&l, ICCID), SMDP_PROFILE_INSTALLED);
	lab_free(&l);
	the_peer = NULL;
}
END_TEST

static Suite *smdp_suite(void)
{
	Suite *s = suite_create("smdp_server");
	TCase *tc = tcase_create("server");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_download_end_to_end, 0, 2);
	tcase_add_test(tc, test_confirmation_code);
	tcase_add_test(tc, test_negative_es9);
	tcase_add_test(tc, test_session_timeout);
	tcase_add_test(tc, test_negative_es2);
	tcase_add_test(tc, test_cancel_session);
	tcase_add_test(tc, test_outgoing_calls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(smdp_suite());
}
