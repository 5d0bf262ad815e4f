/* sgp32lab: the IPA's download engine — the ES10 client against a real
 * eUICC card over the vpcd socket on 127.0.0.1 (port 0), and the download
 * procedure against a small ES9+ server built from the SM-DP+'s signing and
 * BPP code. */
#include "testutil.h"
#include "ipa_testbed.h"
#include "ipa/apdu_transport.h"
#include "ipa/download.h"
#include "ipa/download_notify.h"
#include "ipa/download_int.h"
#include "ipa/es10_client.h"
#include "core/es9/client.h"
#include "core/der/der.h"
#include "core/der/bpp_split.h"
#include "core/crypto/key.h"
#include "sim/card.h"
#include "sim/euicc.h"
#include "core/apdu/vpcd.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------- the card over vpcd */

struct bed {
	struct testbed tb;
	struct event_base *base;
	struct testbed_card tc;	/* the card */
	struct ipa_apdu_transport *t;
	struct ipa_es10 *es10;
	int raw_fd;		/* a silent "card" (raw listener), or -1 */
};

#define RUN_UNTIL(b, cond) do { \
	while (!(cond)) \
		ck_assert_int_ge(event_base_loop((b)->base, EVLOOP_ONCE), 0); \
} while (0)

static void bed_init(struct bed *b, const char *curve)
{
	memset(b, 0, sizeof(*b));
	b->raw_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	testbed_init(&b->tb, curve, false);
	b->base = event_base_new();
	ck_assert_ptr_nonnull(b->base);
	testbed_ipa_reader(&b->tb, b->base, &b->tc, &b->t, &b->es10);
}

static void bed_free(struct bed *b)
{
	ipa_es10_free(b->es10);
	ipa_transport_free(b->t);
	testbed_card_free(&b->tc);
	if (b->raw_fd >= 0)
		close(b->raw_fd);
	event_base_free(b->base);
	testbed_free(&b->tb);
}

struct answer {
	bool done;
	int rc;
	uint16_t sw;
	char stage[32];
	struct sgp_buf data;
	unsigned order;
};

static unsigned answer_seq;

static void answer_cb(void *arg, const struct ipa_es10_result *res)
{
	struct answer *a = arg;

	ck_assert(!a->done);	/* exactly once */
	a->done = true;
	a->rc = res->rc;
	a->sw = res->sw;
	a->order = ++answer_seq;
	snprintf(a->stage, sizeof(a->stage), "%s", res->stage);
	ck_assert_int_eq(sgp_buf_set(&a->data, res->data, res->len), SGP_OK);
}

static void es10_hex(struct bed *b, const char *hex, struct answer *a)
{
	struct sgp_buf cmd = SGP_BUF_INIT, keep = a->data;

	memset(a, 0, sizeof(*a));
	a->data = keep;		/* reused by answer_cb */
	ck_assert_int_eq(sgp_hex_decode(hex, &cmd), SGP_OK);
	ck_assert_int_eq(ipa_es10_call(b->es10, cmd.data, cmd.len, answer_cb, a), SGP_OK);
	sgp_buf_free(&cmd);
}

START_TEST(test_es10_get_eid_and_profiles)
{
	struct bed b;
	struct answer a = { 0 }, p = { 0 }, c = { 0 };
	const struct card_terminal_caps *tc;
	char *hex;

	bed_init(&b, "nist");
	es10_hex(&b, "BF3E035C015A", &a);
	ck_assert(!a.done);	/* never from inside the call */
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	/* GetEuiccDataResponse: BF3E 12 5A 10 <EID> */
	ck_assert_uint_eq(a.data.len, 21);
	ck_assert_uint_eq(a.data.data[0], 0xBF);
	ck_assert_uint_eq(a.data.data[3], 0x5A);
	hex = sgp_hex_encode(a.data.data + 5, 16, true);
	ck_assert_str_eq(hex, b.tb.eid);
	free(hex);
	/* the start-up a device does: terminal capability, a channel, ISD-R */
	tc = card_terminal_caps(b.tc.card);
	ck_assert(tc->received && tc->extended_channels && tc->has_euicc);
	ck_assert_uint_ne(ipa_es10_channel(b.es10), 0);
	ck_assert(card_channel_open(b.tc.card, ipa_es10_channel(b.es10)));
	ck_assert_int_eq(card_channel_app(b.tc.card, ipa_es10_channel(b.es10)), CARD_APP_ISDR);
	/* ProfileInfoList, then close: queued behind it */
	es10_hex(&b, "BF2D00", &p);
	ck_assert_int_eq(ipa_es10_close(b.es10, answer_cb, &c), SGP_OK);
	ck_assert_uint_eq(ipa_es10_pending(b.es10), 2);
	RUN_UNTIL(&b, c.done);
	ck_assert(p.done && p.order < c.order);
	ck_assert_int_eq(p.rc, SGP_OK);
	ck_assert_uint_ge(p.data.len, 3);
	ck_assert(!memcmp(p.data.data, "\xBF\x2D", 2));
	ck_assert_int_eq(c.rc, SGP_OK);
	ck_assert_uint_eq(ipa_es10_channel(b.es10), 0);
	for (unsigned ch = 1; ch < CARD_CHANNELS; ch++)
		ck_assert(!card_channel_open(b.tc.card, ch));
	/* nothing open: nothing to close */
	ck_assert_int_eq(ipa_es10_close(b.es10, answer_cb, &c), SGP_ERR_STATE);
	/* the next command opens a channel again */
	es10_hex(&b, "BF3E035C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	sgp_buf_free(&a.data);
	sgp_buf_free(&p.data);
	sgp_buf_free(&c.data);
	bed_free(&b);
}
END_TEST

START_TEST(test_es10_long_answer_and_queue)
{
	struct bed b;
	struct answer a[3] = { { 0 } };
	unsigned before;

	bed_init(&b, "nist");
	/* three commands at once, answered in order */
	es10_hex(&b, "BF2000", &a[0]);		/* GetEUICCInfo1 */
	es10_hex(&b, "BF5600", &a[1]);		/* GetCerts (SGP.32): two certificates */
	es10_hex(&b, "BF2E00", &a[2]);		/* GetEUICCChallenge */
	RUN_UNTIL(&b, a[2].done);
	for (int i = 0; i < 3; i++) {
		ck_assert(a[i].done);
		ck_assert_int_eq(a[i].rc, SGP_OK);
		ck_assert_uint_eq(a[i].order, a[0].order + (unsigned)i);
	}
	ck_assert(!memcmp(a[0].data.data, "\xBF\x20", 2));
	ck_assert(!memcmp(a[1].data.data, "\xBF\x56", 2));
	ck_assert_uint_gt(a[1].data.len, 256);	/* came through GET RESPONSE */
	ck_assert_uint_eq(a[2].data.len, 21);
	/* the long answer took more than one APDU after the STORE DATA */
	before = b.tc.apdus;
	for (int i = 0; i < 3; i++)
		sgp_buf_free(&a[i].data);
	es10_hex(&b, "BF5600", &a[1]);
	RUN_UNTIL(&b, a[1].done);
	ck_assert_int_eq(a[1].rc, SGP_OK);
	ck_assert_uint_ge(b.tc.apdus - before, 2);
	sgp_buf_free(&a[1].data);
	bed_free(&b);
}
END_TEST

START_TEST(test_es10_refused)
{
	struct bed b;
	struct answer a = { 0 };

	bed_init(&b, "nist");
	/* a command whose length lies: the eUICC cannot parse it */
	es10_hex(&b, "BF3E055C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_ERR_PEER);
	ck_assert_uint_eq(a.sw, 0x6A80);
	ck_assert_str_eq(a.stage, "STORE DATA");
	/* the channel stays usable */
	es10_hex(&b, "BF3E035C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	ck_assert_int_eq(ipa_es10_call(b.es10, (const uint8_t *)"\xBF", 1, answer_cb, &a),
			 SGP_ERR_INVAL);
	sgp_buf_free(&a.data);
	bed_free(&b);
}
END_TEST

START_TEST(test_es10_card_disconnects)
{
	struct bed b;
	struct answer a = { 0 }, q = { 0 };

	bed_init(&b, "nist");
	/* the link drops at the STORE DATA (TC, MANAGE CHANNEL, SELECT first) */
	b.tc.drop_at = 4;
	es10_hex(&b, "BF3E035C015A", &a);
	es10_hex(&b, "BF2D00", &q);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_ERR_IO);
	ck_assert_str_eq(a.stage, "STORE DATA");
	/* the queued command finds no card: reported, not stuck */
	RUN_UNTIL(&b, q.done);
	ck_assert_int_eq(q.rc, SGP_ERR_IO);
	ck_assert_uint_eq(ipa_es10_channel(b.es10), 0);
	/* the reader reconnects to the listening card: a fresh start-up */
	RUN_UNTIL(&b, b.t->ops->ready(b.t->impl) && vpcd_card_linked(b.tc.vc));
	es10_hex(&b, "BF3E035C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	sgp_buf_free(&a.data);
	sgp_buf_free(&q.data);
	bed_free(&b);
}
END_TEST

/* A "card" that accepts the connection and never answers. */
START_TEST(test_es10_timeout)
{
	struct bed b;
	struct answer a = { 0 }, q = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct ipa_es10_cfg cfg = { .apdu_timeout_ms = 2000 };

	bed_init(&b, "nist");
	ipa_es10_free(b.es10);
	ipa_transport_free(b.t);
	b.raw_fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(b.raw_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(b.raw_fd, 4), 0);
	ck_assert_int_eq(getsockname(b.raw_fd, (struct sockaddr *)&sa, &sl), 0);
	/* no vpcd_card at the other end: wait for the reader only */
	testbed_ipa_connect(&b.tb, b.base, ntohs(sa.sin_port), NULL, &cfg, &b.t, &b.es10);
	es10_hex(&b, "BF3E035C015A", &a);
	es10_hex(&b, "BF2D00", &q);
	/* let the APDU go out; nothing comes back */
	for (int i = 0; i < 5; i++)
		event_base_loop(b.base, EVLOOP_NONBLOCK);
	ck_assert(!a.done);
	ck_assert_int_gt(sgp_clock_advance(b.tb.clock, 2000), 0);
	ck_assert(a.done && q.done);
	ck_assert_int_eq(a.rc, SGP_ERR_TIMEOUT);
	ck_assert_str_eq(a.stage, "TERMINAL CAPABILITY");
	ck_assert_int_eq(q.rc, SGP_ERR_IO);
	/* unusable from now on */
	ck_assert_int_eq(ipa_es10_call(b.es10, (const uint8_t *)"\xBF\x2D\x00", 3, answer_cb, &a),
			 SGP_ERR_IO);
	sgp_buf_free(&a.data);
	sgp_buf_free(&q.data);
	bed_free(&b);
}
END_TEST


/* ------------------------------------- a small ES9+ server (the SM-DP+) */

#include "http_testcerts.h"
#include "smdp/auth.h"
#include "smdp/bpp.h"
#include "smdp/metadata.h"
#include "smdp/upp.h"
#include "core/crypto/random.h"
#include <jansson.h>

enum fault { F_NONE, F_BAD_SIGNATURE1, F_BPP_ERROR, F_DEAD_AT_BPP, F_CC, F_NOTIFY_REFUSED };

struct fake {
	struct bed *b;
	struct http_server *srv;
	struct sgp_key *dpauth, *dppb;
	enum fault fault;
	char address[64];
	uint8_t tid[16], sch[16], sig2[64];
	struct smdp_euicc euicc;
	bool cc_required;
	unsigned notifications, cancels;
	long cancel_reason_seen;
};

static void reply_json(struct http_request *req, json_t *o, const char *status,
		       const char *subject, const char *reason)
{
	json_t *st = json_pack("{s:s}", "status", status);
	char *txt;

	if (subject)
		json_object_set_new(st, "statusCodeData",
				    json_pack("{s:s,s:s,s:s}", "subjectCode", subject,
					      "reasonCode", reason, "message", "test"));
	json_object_set_new(o, "header", json_pack("{s:o}", "functionExecutionStatus", st));
	txt = json_dumps(o, JSON_COMPACT);
	http_request_reply(req, 200, "application/json", NULL, (const uint8_t *)txt, strlen(txt));
	free(txt);
	json_decref(o);
}

/* The fake's own JSON helpers (jansson): an independent reading of the
 * IPA's wire format, not the binding the IPA uses. */
static int fk_set_b64(json_t *o, const char *name, const uint8_t *d, size_t n)
{
	char *t = sgp_base64_encode(d, n);
	int rc = t && !json_object_set_new(o, name, json_string(t)) ? SGP_OK : SGP_ERR_NOMEM;

	free(t);
	return rc;
}

static void fk_set_hex(json_t *o, const char *name, const uint8_t *d, size_t n)
{
	char *t = sgp_hex_encode(d, n, true);

	ck_assert_ptr_nonnull(t);
	json_object_set_new(o, name, json_string(t));
	free(t);
}

static int fk_get_b64(const json_t *o, const char *name, struct sgp_buf *out)
{
	const json_t *v = json_object_get(o, name);

	sgp_buf_reset(out);
	if (!json_is_string(v) || !json_string_length(v))
		return SGP_ERR_PARSE;
	return sgp_base64_decode(json_string_value(v), json_string_length(v), out) < 0 ?
	       SGP_ERR_PARSE : SGP_OK;
}

static void set_b64(json_t *o, const char *name, const uint8_t *d, size_t n)
{
	ck_assert_int_eq(fk_set_b64(o, name, d, n), SGP_OK);
}

static void set_tlv_b64(json_t *o, const char *name, uint32_t tag, const uint8_t *d, size_t n)
{
	struct sgp_buf t = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_der_put_tlv(&t, tag, d, n), SGP_OK);
	set_b64(o, name, t.data, t.len);
	sgp_buf_free(&t);
}

static void fk_initiate(struct fake *f, json_t *in, struct http_request *req)
{
	struct sgp_buf ch = SGP_BUF_INIT, ss1 = SGP_BUF_INIT, der = SGP_BUF_INIT;
	json_t *o = json_object();
	uint8_t sig[64];

	ck_assert_int_eq(fk_get_b64(in, "euiccChallenge", &ch), SGP_OK);
	ck_assert_uint_eq(ch.len, 16);
	ck_assert_str_eq(json_string_value(json_object_get(in, "smdpAddress")), f->address);
	ck_assert_int_eq(sgp_random_bytes(f->tid, 16), SGP_OK);
	ck_assert_int_eq(sgp_random_bytes(f->sch, 16), SGP_OK);
	ck_assert_int_eq(smdp_auth_sign_server1(f->dpauth, f->tid, 16, ch.data, f->address, f->sch,
						&ss1, sig), SGP_OK);
	if (f->fault == F_BAD_SIGNATURE1)
		sig[10] ^= 1;
	fk_set_hex(o, "transactionId", f->tid, 16);
	set_b64(o, "serverSigned1", ss1.data, ss1.len);
	set_tlv_b64(o, "serverSignature1", 0x5F37, sig, 64);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(f->b->tb.pki, SGP_PKI_ROLE_CI), &der), SGP_OK);
	set_tlv_b64(o, "euiccCiPKIdToBeUsed", 0x04, der.data, der.len);
	ck_assert_int_eq(sgp_pki_cert_der(sgp_pki_cert(f->b->tb.pki, SGP_PKI_ROLE_DPAUTH), &der),
			 SGP_OK);
	set_b64(o, "serverCertificate", der.data, der.len);
	reply_json(req, o, "Executed-Success", NULL, NULL);
	sgp_buf_free(&ch);
	sgp_buf_free(&ss1);
	sgp_buf_free(&der);
}

static void fk_auth_client(struct fake *f, json_t *in, struct http_request *req)
{
	struct sgp_buf asr = SGP_BUF_INIT, ss2 = SGP_BUF_INIT, der = SGP_BUF_INIT, md = SGP_BUF_INIT;
	struct smdp_auth_status st;
	struct smdp_profile_metadata m = { .iccid = "8944000000000000011", .profile_name = "lab",
					   .service_provider_name = "sgp32lab", .profile_class = 2 };
	json_t *o = json_object();

	ck_assert_int_eq(fk_get_b64(in, "authenticateServerResponse", &asr), SGP_OK);
	if (smdp_auth_check_authenticate_server_response(f->b->tb.pki, sgp_clock_now(f->b->tb.clock),
			f->tid, 16, f->sch, f->address, asr.data, asr.len, &f->euicc, &st) < 0) {
		/* SGP.22 6.5.2.7: 8.1/6.1 eUICC verification failed */
		reply_json(req, o, "Failed", "8.1", "6.1");
		goto out;
	}
	ck_assert_int_eq(smdp_auth_sign_smdp2(f->dppb, f->tid, 16, f->cc_required, NULL, 0,
					      f->euicc.euicc_signature1, &ss2, f->sig2), SGP_OK);
	ck_assert_int_eq(smdp_metadata_encode(&m, &md), SGP_OK);
	fk_set_hex(o, "transactionId", f->tid, 16);
	set_b64(o, "profileMetadata", md.data, md.len);
	set_b64(o, "smdpSigned2", ss2.data, ss2.len);
	set_tlv_b64(o, "smdpSignature2", 0x5F37, f->sig2, 64);
	ck_assert_int_eq(sgp_pki_cert_der(sgp_pki_cert(f->b->tb.pki, SGP_PKI_ROLE_DPPB), &der),
			 SGP_OK);
	set_b64(o, "smdpCertificate", der.data, der.len);
	reply_json(req, o, "Executed-Success", NULL, NULL);
out:
	sgp_buf_free(&asr);
	sgp_buf_free(&ss2);
	sgp_buf_free(&der);
	sgp_buf_free(&md);
}

static void fk_get_bpp(struct fake *f, json_t *in, struct http_request *req)
{
	struct sgp_buf pdr = SGP_BUF_INIT, upp = SGP_BUF_INIT, md = SGP_BUF_INIT, bpp = SGP_BUF_INIT;
	struct smdp_auth_status st;
	struct smdp_profile_metadata m = { .iccid = "8944000000000000011", .profile_name = "lab",
					   .service_provider_name = "sgp32lab", .profile_class = 2 };
	struct smdp_upp_params up = { .iccid = "8944000000000000011", .imsi = "001010000000011" };
	uint8_t otpk[SGP_CURVE_POINT_LEN], hcc[32];
	json_t *o = json_object();

	ck_assert_int_eq(fk_get_b64(in, "prepareDownloadResponse", &pdr), SGP_OK);
	if (f->cc_required)
		ck_assert_int_eq(smdp_hash_cc("4711", f->tid, 16, hcc), SGP_OK);
	if (f->fault == F_BPP_ERROR ||
	    smdp_auth_check_prepare_download_response(&f->euicc, f->tid, 16, f->sig2,
			f->cc_required ? hcc : NULL, pdr.data, pdr.len, otpk, &st) < 0) {
		/* SGP.22 6.5.2.8: 8.2.7/3.8 confirmation code refused, here
		 * for any refusal of the test */
		reply_json(req, o, "Failed", "8.2.7", "3.8");
		goto out;
	}
	ck_assert_int_eq(smdp_upp_build(&up, &upp), SGP_OK);
	ck_assert_int_eq(smdp_metadata_encode(&m, &md), SGP_OK);
	{
		struct smdp_bpp_params bp = {
			.transaction_id = f->tid, .transaction_id_len = 16,
			.euicc_otpk = otpk, .euicc_otpk_len = sizeof(otpk),
			.eid = f->euicc.eid_bcd, .dppb = f->dppb,
			.metadata = md.data, .metadata_len = md.len, .upp = upp.data,
			.upp_len = upp.len,
		};
		ck_assert_int_eq(smdp_bpp_build(&bp, &bpp), SGP_OK);
	}
	fk_set_hex(o, "transactionId", f->tid, 16);
	set_b64(o, "boundProfilePackage", bpp.data, bpp.len);
	reply_json(req, o, "Executed-Success", NULL, NULL);
out:
	sgp_buf_free(&pdr);
	sgp_buf_free(&upp);
	sgp_buf_free(&md);
	sgp_buf_free(&bpp);
}

/* CancelSessionResponse BF41 { A0 { 30 { 80 tid, 81 smdpOid, 82 reason },
 * 5F37 sig } }: the reason, -1 when it is not there (SGP.22 5.7.14) */
static long fk_cancel_reason(const struct sgp_buf *csr)
{
	const uint8_t *v, *ok, *sd, *r;
	size_t vl, okl, sdl, rl;

	if (sgp_der_outer_value(csr->data, csr->len, 0xBF41, &v, &vl) < 0 ||
	    sgp_der_find_value(v, vl, 0xA0, &ok, &okl, NULL) < 0 ||
	    sgp_der_find_value(ok, okl, 0x30, &sd, &sdl, NULL) < 0 ||
	    sgp_der_find_value(sd, sdl, 0x82, &r, &rl, NULL) < 0 || rl != 1)
		return -1;
	return r[0];
}

static void fk_handler(struct http_request *req, void *arg)
{
	struct fake *f = arg;
	const char *path = http_request_path(req), *fn = strrchr(path, '/') + 1;
	size_t len;
	const uint8_t *body = http_request_body(req, &len);
	json_t *in = json_loadb((const char *)body, len, 0, NULL);
	struct sgp_buf x = SGP_BUF_INIT;
	struct smdp_pir pir;
	struct smdp_auth_status st;

	ck_assert_ptr_nonnull(in);
	ck_assert_str_eq(http_request_header(req, "X-Admin-Protocol"), "gsma/rsp/v2.5.0");
	if (!strcmp(fn, "initiateAuthentication")) {
		fk_initiate(f, in, req);
	} else if (!strcmp(fn, "authenticateClient")) {
		fk_auth_client(f, in, req);
	} else if (!strcmp(fn, "getBoundProfilePackage")) {
		if (f->fault == F_DEAD_AT_BPP) {
			/* the server goes away: no answer, ever */
			http_server_free(f->srv);
			f->srv = NULL;
		} else {
			fk_get_bpp(f, in, req);
		}
	} else if (!strcmp(fn, "handleNotification") && f->fault == F_NOTIFY_REFUSED) {
		/* SGP.22 6.5.2.9 / 5.6.4: 8.10.1/3.9 (no session for it) */
		reply_json(req, json_object(), "Failed", "8.10.1", "3.9");
	} else if (!strcmp(fn, "handleNotification")) {
		ck_assert_int_eq(fk_get_b64(in, "pendingNotification", &x), SGP_OK);
		ck_assert_int_eq(smdp_auth_check_pir(f->euicc.pk, f->tid, 16, x.data, x.len, &pir,
						     &st), SGP_OK);
		f->notifications++;
		http_request_reply(req, 204, NULL, NULL, NULL, 0);
	} else if (!strcmp(fn, "cancelSession")) {
		ck_assert_int_eq(fk_get_b64(in, "cancelSessionResponse", &x), SGP_OK);
		ck_assert_uint_eq(x.data[0], 0xBF);
		f->cancels++;
		f->cancel_reason_seen = fk_cancel_reason(&x);
		reply_json(req, json_object(), "Executed-Success", NULL, NULL);
	} else {
		http_request_reply(req, 404, NULL, NULL, NULL, 0);
	}
	sgp_buf_free(&x);
	json_decref(in);
}

struct dl_bed {
	struct bed b;
	struct fake f;
	struct tc_pki tls;
	char dir[64];
	struct http_client *http;
	struct ipa_download *dl;
	bool done;
	struct ipa_download_result res;
	struct ipa_notify *nt;
	bool nt_done;
	struct ipa_notify_result nres;
};

static void dl_done(void *arg, const struct ipa_download_result *res)
{
	struct dl_bed *x = arg;

	ck_assert(!x->done);
	x->done = true;
	x->res = *res;
}

static void dl_bed_init(struct dl_bed *x, const char *curve, enum fault fault)
{
	struct http_tls_cfg stls = { 0 }, ctls = { 0 };
	struct http_server_cfg scfg = { .name = "fake-smdp", .tls = &stls };
	struct http_client_cfg ccfg = { .name = "ipa-es9", .tls = &ctls };
	int err;

	memset(x, 0, sizeof(*x));
	bed_init(&x->b, curve);
	x->f.b = &x->b;
	x->f.fault = fault;
	x->f.cc_required = fault == F_CC;
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_ipa.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(x->dir));
	ck_assert_int_eq(tc_make_pki(x->dir, "smdp", "prime256v1", "IP:127.0.0.1", &x->tls), 0);
	stls.cert_file = x->tls.cert;
	stls.key_file = x->tls.key;
	ctls.ca_file = x->tls.ca;
	x->f.srv = http_server_new(x->b.base, &scfg, &err);
	ck_assert_ptr_nonnull(x->f.srv);
	ck_assert_int_eq(http_server_add_route(x->f.srv, "/gsma/rsp2/es9plus/", true, fk_handler,
					       &x->f), SGP_OK);
	snprintf(x->f.address, sizeof(x->f.address), "127.0.0.1:%u", http_server_port(x->f.srv));
	x->http = http_client_new(x->b.base, &ccfg, &err);
	ck_assert_ptr_nonnull(x->http);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(x->b.tb.pki, SGP_PKI_ROLE_DPAUTH),
					  &x->f.dpauth), SGP_OK);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(x->b.tb.pki, SGP_PKI_ROLE_DPPB), &x->f.dppb),
			 SGP_OK);
}

static void dl_bed_free(struct dl_bed *x)
{
	char cmd[128];

	ipa_download_free(x->dl);
	ipa_notify_free(x->nt);
	http_client_free(x->http);
	http_server_free(x->f.srv);
	smdp_euicc_release(&x->f.euicc);
	sgp_key_free(x->f.dpauth);
	sgp_key_free(x->f.dppb);
	bed_free(&x->b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Start with the activation code and run until the result; cancel_after
 * (fault injection) with reason. */
static void dl_run_cancel(struct dl_bed *x, const char *cc, enum ipa_download_step cancel_after,
			  int reason)
{
	char ac[128];
	struct ipa_download_cfg cfg = {
		.clock = x->b.tb.clock, .es10 = x->b.es10, .http = x->http,
		.activation_code = ac, .confirmation_code = cc,
		.tac = { 0x35, 0x29, 0x06, 0x11 }, .done = dl_done, .arg = x,
		.cancel_after = cancel_after, .cancel_reason = reason,
	};

	snprintf(ac, sizeof(ac), "LPA:1$%s$MATCHING-1", x->f.address);
	ck_assert_int_eq(ipa_download_start(&cfg, &x->dl), SGP_OK);
	RUN_UNTIL(&x->b, x->done);
	ipa_download_free(x->dl);
	x->dl = NULL;
}

static void dl_run(struct dl_bed *x, const char *cc)
{
	dl_run_cancel(x, cc, IPA_DL_STEP_NONE, IPA_CANCEL_NONE);
}

/* The number of bytes of the eUICC's ProfileInfoList answer. */
static size_t profile_list_len(struct bed *b)
{
	struct answer a = { 0 };
	size_t n;

	es10_hex(b, "BF2D00", &a);
	RUN_UNTIL(b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	n = a.data.len;
	sgp_buf_free(&a.data);
	return n;
}

static void download_ok(const char *curve)
{
	struct dl_bed x;
	size_t before;

	dl_bed_init(&x, curve, F_NONE);
	before = profile_list_len(&x.b);
	dl_run(&x, NULL);
	ck_assert_msg(x.res.rc == SGP_OK, "%s: %s", x.res.step, x.res.why);
	ck_assert(x.res.installed);
	ck_assert(x.res.notification_sent && x.res.notification_removed);
	ck_assert_int_eq(x.res.cancel_reason, IPA_CANCEL_NONE);
	ck_assert_uint_eq(x.f.notifications, 1);
	ck_assert_uint_gt(profile_list_len(&x.b), before);
	dl_bed_free(&x);
}

START_TEST(test_download_nist) { download_ok("nist"); }
END_TEST
START_TEST(test_download_brp) { download_ok("brp"); }
END_TEST

START_TEST(test_download_confirmation_code)
{
	struct dl_bed x;
	size_t before;

	dl_bed_init(&x, "nist", F_CC);
	before = profile_list_len(&x.b);
	/* none at hand: postponed, the session cancelled on both sides */
	dl_run(&x, NULL);
	ck_assert_int_lt(x.res.rc, 0);
	ck_assert_int_eq(x.res.cancel_reason, IPA_CANCEL_POSTPONED);
	ck_assert(x.res.cancel_confirmed);
	ck_assert_uint_eq(x.f.cancels, 1);
	x.done = false;
	smdp_euicc_release(&x.f.euicc);
	dl_run(&x, "4711");
	ck_assert_msg(x.res.rc == SGP_OK, "%s: %s", x.res.step, x.res.why);
	ck_assert_uint_gt(profile_list_len(&x.b), before);
	dl_bed_free(&x);
}
END_TEST

static void download_fails(enum fault fault, int want_reason, bool want_cancel_at_server)
{
	struct dl_bed x;
	size_t before;

	dl_bed_init(&x, "nist", fault);
	before = profile_list_len(&x.b);
	dl_run(&x, NULL);
	ck_assert_int_lt(x.res.rc, 0);
	ck_assert(!x.res.installed);
	ck_assert_msg(x.res.cancel_reason == want_reason, "%s: %s (cancel %d)", x.res.step,
		      x.res.why, x.res.cancel_reason);
	ck_assert_uint_eq(x.f.cancels, want_cancel_at_server ? 1 : 0);
	ck_assert_uint_eq(profile_list_len(&x.b), before);	/* nothing installed */
	dl_bed_free(&x);
}

/* the eUICC refuses serverSignature1: its error goes to the SM-DP+, no
 * session exists on the eUICC, nothing to cancel */
START_TEST(test_download_bad_signature)
{
	download_fails(F_BAD_SIGNATURE1, IPA_CANCEL_NONE, false);
}
END_TEST

/* getBoundProfilePackage answers Failed: CancelSession on both sides */
START_TEST(test_download_server_error)
{
	download_fails(F_BPP_ERROR, IPA_CANCEL_UNDEFINED_REASON, true);
}
END_TEST

/* the SM-DP+ dies at getBoundProfilePackage: the eUICC's session is
 * cancelled, ES9+ cancelSession finds nobody */
START_TEST(test_download_dead_server)
{
	download_fails(F_DEAD_AT_BPP, IPA_CANCEL_UNDEFINED_REASON, false);
}
END_TEST

/* cancel_after each step (SGP.22 3.1.3): CancelSession on the eUICC with
 * the reason given, its signed answer to the SM-DP+, nothing installed;
 * the eUICC keeps no session, so the next download installs. */
START_TEST(test_download_cancel_after)
{
	static const int reasons[] = { IPA_CANCEL_POSTPONED, IPA_CANCEL_END_USER_REJECTION,
				       IPA_CANCEL_UNDEFINED_REASON, IPA_CANCEL_METADATA_MISMATCH };
	enum ipa_download_step step = (enum ipa_download_step)(_i + 1);
	static const char *const states[] = { NULL, "WAIT_AUTH_SERVER", "WAIT_AUTH_CLIENT",
					      "WAIT_PREPARE", "WAIT_GET_BPP" };
	struct dl_bed x;
	size_t before;

	dl_bed_init(&x, "nist", F_NONE);
	before = profile_list_len(&x.b);
	dl_run_cancel(&x, NULL, step, reasons[_i]);
	ck_assert_int_eq(x.res.rc, SGP_ERR_STATE);
	ck_assert(!x.res.installed);
	ck_assert_str_eq(x.res.step, states[step]);
	ck_assert_int_eq(x.res.cancel_reason, reasons[_i]);
	ck_assert(x.res.cancel_confirmed);
	ck_assert_uint_eq(x.f.cancels, 1);
	ck_assert_int_eq(x.f.cancel_reason_seen, reasons[_i]);
	ck_assert_uint_eq(x.f.notifications, 0);
	ck_assert_uint_eq(profile_list_len(&x.b), before);
	x.done = false;
	smdp_euicc_release(&x.f.euicc);
	dl_run(&x, NULL);
	ck_assert_msg(x.res.rc == SGP_OK, "%s: %s", x.res.step, x.res.why);
	ck_assert_int_eq(x.res.cancel_reason, IPA_CANCEL_NONE);
	ck_assert_uint_eq(x.f.cancels, 1);
	ck_assert_uint_gt(profile_list_len(&x.b), before);
	dl_bed_free(&x);
}
END_TEST

static void nt_done(void *arg, const struct ipa_notify_result *res)
{
	struct dl_bed *x = arg;

	ck_assert(!x->nt_done);
	x->nt_done = true;
	x->nres = *res;
}

/* One notification delivery run, until its result. */
static void nt_run(struct dl_bed *x)
{
	struct ipa_notify_cfg cfg = {
		.clock = x->b.tb.clock, .es10 = x->b.es10, .http = x->http,
		.done = nt_done, .arg = x,
	};

	x->nt_done = false;
	ck_assert_int_eq(ipa_notify_start(&cfg, &x->nt), SGP_OK);
	RUN_UNTIL(&x->b, x->nt_done);
	ck_assert_msg(x->nres.rc == SGP_OK, "%s: %s", x->nres.step, x->nres.why);
	ipa_notify_free(x->nt);
	x->nt = NULL;
}

/* The link drops after loading (keep_notification): the installation
 * result stays on the eUICC.  A delivery the SM-DP+ refuses leaves it
 * there (SGP.22 3.5); the next one that it takes removes it, once. */
START_TEST(test_notifications_kept_until_delivered)
{
	char ac[128];
	struct dl_bed x;
	struct ipa_download_cfg cfg;

	ck_assert_int_eq(sgp_fsm_validate(ipa_notify_fsm()), SGP_OK);
	ck_assert_int_eq(sgp_fsm_validate(ipa_download_fsm()), SGP_OK);
	dl_bed_init(&x, "nist", F_NONE);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(ac, sizeof(ac), "LPA:1$%s$MATCHING-1", x.f.address);
	cfg.clock = x.b.tb.clock;
	cfg.es10 = x.b.es10;
	cfg.http = x.http;
	cfg.activation_code = ac;
	cfg.done = dl_done;
	cfg.arg = &x;
	cfg.keep_notification = true;
	ck_assert_int_eq(ipa_download_start(&cfg, &x.dl), SGP_OK);
	RUN_UNTIL(&x.b, x.done);
	ck_assert_msg(x.res.rc == SGP_OK, "%s: %s", x.res.step, x.res.why);
	ck_assert(x.res.installed && !x.res.notification_sent && !x.res.notification_removed);
	ck_assert_int_ge(x.res.seq_number, 0);
	ck_assert_uint_eq(x.f.notifications, 0);
	/* refused: kept, with the SM-DP+'s status */
	x.f.fault = F_NOTIFY_REFUSED;
	nt_run(&x);
	ck_assert_uint_eq(x.nres.found, 1);
	ck_assert_uint_eq(x.nres.delivered, 0);
	ck_assert_uint_eq(x.nres.removed, 0);
	ck_assert_uint_eq(x.nres.kept, 1);
	ck_assert_str_eq(x.nres.subject_code, "8.10.1");
	ck_assert_str_eq(x.nres.reason_code, "3.9");
	/* taken: removed from the eUICC */
	x.f.fault = F_NONE;
	nt_run(&x);
	ck_assert_uint_eq(x.nres.found, 1);
	ck_assert_uint_eq(x.nres.delivered, 1);
	ck_assert_uint_eq(x.nres.removed, 1);
	ck_assert_uint_eq(x.nres.kept, 0);
	ck_assert_uint_eq(x.f.notifications, 1);
	/* nothing left, nothing sent twice */
	nt_run(&x);
	ck_assert_uint_eq(x.nres.found, 0);
	ck_assert_uint_eq(x.f.notifications, 1);
	dl_bed_free(&x);
}
END_TEST

/* put_tlv for the hand-made answers below */
static void add_tlv(struct sgp_buf *b, uint32_t tag, const struct sgp_buf *v)
{
	ck_assert_int_eq(sgp_der_put_tlv(b, tag, v ? v->data : NULL, v ? v->len : 0), SGP_OK);
}

static void add_raw(struct sgp_buf *b, const char *hex)
{
	struct sgp_buf x = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_hex_decode(hex, &x), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(b, x.data, x.len), SGP_OK);
	sgp_buf_free(&x);
}

/* NotificationMetadata 'BF2F' { [0] seq, [1] operation, '0C' address } */
static void metadata(struct sgp_buf *out, const char *seq_hex, const char *addr)
{
	struct sgp_buf md = SGP_BUF_INIT, a = SGP_BUF_INIT;

	add_raw(&md, seq_hex);
	add_raw(&md, "81020780");
	if (addr) {
		ck_assert_int_eq(sgp_buf_append(&a, (const uint8_t *)addr, strlen(addr)), SGP_OK);
		add_tlv(&md, 0x0C, &a);
	}
	add_tlv(out, 0xBF2F, &md);
	sgp_buf_free(&md);
	sgp_buf_free(&a);
}

/* A RetrieveNotificationsListResponse with a PIR, an
 * OtherSignedNotification (seq_hex, addr) and a compact form. */
static void list_answer(struct sgp_buf *out, const char *seq_hex, const char *addr)
{
	struct sgp_buf pird = SGP_BUF_INIT, pir = SGP_BUF_INIT, other = SGP_BUF_INIT;
	struct sgp_buf lst = SGP_BUF_INIT, body = SGP_BUF_INIT;

	sgp_buf_reset(out);
	add_raw(&pird, "800101");
	metadata(&pird, "800107", "smdp.example:8443");
	add_tlv(&pir, 0xBF27, &pird);
	add_raw(&pir, "5F370100");
	add_tlv(&lst, 0xBF37, &pir);
	metadata(&other, seq_hex, addr);
	add_raw(&other, "5F370100");
	add_tlv(&lst, 0x30, &other);
	add_raw(&lst, "A003800101");		/* compactProfileInstallationResult */
	add_tlv(&body, 0xA0, &lst);
	add_tlv(out, 0xBF2B, &body);
	sgp_buf_free(&pird);
	sgp_buf_free(&pir);
	sgp_buf_free(&other);
	sgp_buf_free(&lst);
	sgp_buf_free(&body);
}

/* The list parser: good, refused, malformed, truncated at every length,
 * longer than the caller's room. */
START_TEST(test_notify_parse_list)
{
	struct ipa_notify_item it[4];
	struct sgp_buf a = SGP_BUF_INIT;
	size_t n;

	list_answer(&a, "800108", "127.0.0.1:1");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(it[0].seq, 7);
	ck_assert_str_eq(it[0].address, "smdp.example:8443");
	ck_assert_uint_eq(a.data[it[0].off], 0xBF);
	ck_assert_int_eq(it[1].seq, 8);
	ck_assert_str_eq(it[1].address, "127.0.0.1:1");
	ck_assert_uint_eq(a.data[it[1].off], 0x30);
	ck_assert_int_eq(it[2].seq, -1);	/* compact: no address, kept */
	ck_assert_str_eq(it[2].address, "");
	ck_assert_uint_eq(it[2].off + it[2].len, a.len);
	/* room for two: the third waits */
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 2, &n), SGP_OK);
	ck_assert_uint_eq(n, 2);
	/* every truncation is refused, none read past the end */
	for (size_t l = 0; l < a.len; l++)
		ck_assert_int_eq(ipa_notify_parse_list(a.data, l, it, 4, &n), SGP_ERR_PARSE);
	/* a trailing byte */
	ck_assert_int_eq(sgp_buf_append(&a, (const uint8_t *)"", 1), SGP_OK);
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	/* no address, a negative or oversized seqNumber */
	list_answer(&a, "800108", NULL);
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	list_answer(&a, "8001FF", "x");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	list_answer(&a, "80050100000000", "x");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	/* an address that does not fit */
	{
		char big[300];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		list_answer(&a, "800108", big);
		ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	}
	/* notificationsListResultError undefinedError; an empty list; others */
	sgp_buf_reset(&a);
	add_raw(&a, "BF2B0381017F");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PEER);
	sgp_buf_reset(&a);
	add_raw(&a, "BF2B02A000");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_OK);
	ck_assert_uint_eq(n, 0);
	sgp_buf_reset(&a);
	add_raw(&a, "BF2B02A200");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	sgp_buf_reset(&a);
	add_raw(&a, "BF2D02A000");
	ck_assert_int_eq(ipa_notify_parse_list(a.data, a.len, it, 4, &n), SGP_ERR_PARSE);
	ck_assert_int_eq(ipa_notify_parse_list(NULL, 0, it, 4, &n), SGP_ERR_PARSE);
	sgp_buf_free(&a);
}
END_TEST

/* A step or reason that does not exist: refused at the start. */
START_TEST(test_download_cancel_after_invalid)
{
	struct dl_bed x;
	struct ipa_download_cfg cfg;

	dl_bed_init(&x, "nist", F_NONE);
	memset(&cfg, 0, sizeof(cfg));
	cfg.clock = x.b.tb.clock;
	cfg.es10 = x.b.es10;
	cfg.http = x.http;
	cfg.smdp_address = x.f.address;
	cfg.done = dl_done;
	cfg.arg = &x;
	cfg.cancel_after = IPA_DL_STEP_PREPARE_DOWNLOAD;
	cfg.cancel_reason = 6;		/* no CancelSessionReason */
	ck_assert_int_eq(ipa_download_start(&cfg, &x.dl), SGP_ERR_INVAL);
	cfg.cancel_reason = IPA_CANCEL_NONE;
	ck_assert_int_eq(ipa_download_start(&cfg, &x.dl), SGP_ERR_INVAL);
	cfg.cancel_after = (enum ipa_download_step)99;
	cfg.cancel_reason = IPA_CANCEL_POSTPONED;
	ck_assert_int_eq(ipa_download_start(&cfg, &x.dl), SGP_ERR_INVAL);
	ck_assert_ptr_null(x.dl);
	ck_assert(!x.done);
	ck_assert_int_eq(ipa_download_step_from_name("getBoundProfilePackage"),
			 IPA_DL_STEP_GET_BPP);
	ck_assert_int_eq(ipa_download_step_from_name("loadBoundProfilePackage"), -1);
	ck_assert_int_eq(ipa_download_step_from_name(NULL), -1);
	ck_assert_str_eq(ipa_download_step_name(IPA_DL_STEP_AUTHENTICATE_SERVER),
			 "authenticateServer");
	ck_assert_ptr_null(ipa_download_step_name(IPA_DL_STEP_NONE));
	dl_bed_free(&x);
}
END_TEST

static Suite *ipa_suite(void)
{
	Suite *s = suite_create("ipa");
	TCase *tc = tcase_create("es10");

	tcase_add_test(tc, test_es10_get_eid_and_profiles);
	tcase_add_test(tc, test_es10_long_answer_and_queue);
	tcase_add_test(tc, test_es10_refused);
	tcase_add_test(tc, test_es10_card_disconnects);
	tcase_add_test(tc, test_es10_timeout);
	tcase_add_test(tc, test_notify_parse_list);
	suite_add_tcase(s, tc);
	tc = tcase_create("download");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_download_nist);
	tcase_add_test(tc, test_download_brp);
	tcase_add_test(tc, test_download_confirmation_code);
	tcase_add_test(tc, test_download_bad_signature);
	tcase_add_test(tc, test_download_server_error);
	tcase_add_test(tc, test_download_dead_server);
	tcase_add_loop_test(tc, test_download_cancel_after, 0, 4);
	tcase_add_test(tc, test_download_cancel_after_invalid);
	tcase_add_test(tc, test_notifications_kept_until_delivered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(ipa_suite());
}
