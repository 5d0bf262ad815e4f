/* sgp32lab: the IPA's ESipa side — the eIM poll cycle against a fake eIM
 * (core/http over TLS on 127.0.0.1, the ASN.1 binding, packages built and
 * signed with eim/package.c and the lab PKI's eIM key), the eUICC a real
 * sim/card on the vpcd socket. */
#include "testutil.h"
#include "eim_testbed.h"
#include "ipa_testbed.h"
#include "http_testcerts.h"
#include "eim/package.h"
#include "ipa/apdu_transport.h"
#include "ipa/eim_poll.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"
#include "ipa/esipa_messages.h"
#include "sim/euicc.h"
#include "sim/euicc_int.h"	/* white-box: profiles put into the store */
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/http/http.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"
#include "EuiccPackageResult.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define EIM_ID "eim.sgp32lab.test"
#define ICCID_A "89440000000000000011"
#define ICCID_B "89440000000000000029"

enum eim_mode { M_PACKAGE, M_BADSIG, M_NONE, M_MALFORMED, M_SILENT, M_HTTP500 };

struct bed {
	struct testbed tb;
	struct event_base *base;
	struct testbed_card tc;	/* the card */
	struct ipa_apdu_transport *t;
	struct ipa_es10 *es10;
	/* the fake eIM */
	struct http_server *srv;
	struct tc_pki tls;
	char dir[64];
	enum eim_mode mode;
	struct sgp_key *eim_key;
	X509 *euicc_cert;
	long token, counter;
	unsigned gets, provides;
	long owed_error;		/* an eimPackageResultResponseError received */
	bool result_ok;
	struct eim_result result;
	struct http_request *held;
	/* the IPA */
	struct http_client *http;
	struct ipa_eim_poll *poll;
	char url[128];
	unsigned done;
	struct ipa_eim_poll_result res;
	char reason[256];
	char stage[32];
};

#define RUN_UNTIL(b, cond) do { \
	while (!(cond)) \
		ck_assert_int_ge(event_base_loop((b)->base, EVLOOP_ONCE), 0); \
} while (0)

/* ------------------------------------------------------------ the fake eIM */

static void reply_msg(struct http_request *req, const EsipaMessageFromEimToIpa_t *m)
{
	struct sgp_buf out = SGP_BUF_INIT;
	struct der_error err;

	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EsipaMessageFromEimToIpa, m, &out, &err), SGP_OK);
	http_request_reply(req, 200, IPA_ESIPA_CONTENT_TYPE, NULL, out.data, out.len);
	sgp_buf_free(&out);
}

/* GetEimPackageResponse with an enable PSMO for ICCID_B, signed */
static void reply_package(struct bed *b, struct http_request *req)
{
	struct eim_package p;
	struct sgp_buf pkg = SGP_BUF_INIT;
	struct EsipaMessageFromEimToIpa *check = NULL;
	struct der_error err;
	uint8_t iccid[10];

	ck_assert_int_eq(eim_package_init(&p, EIM_PACKAGE_PSMO, EIM_ID, b->tb.euicc->eid_bcd,
					  ++b->counter), SGP_OK);
	p.association_token = b->token;
	ck_assert_int_eq(eim_package_set_transaction_id(&p, (const uint8_t *)"\x0A\x0B\x0C", 3),
			 SGP_OK);
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_B, iccid), SGP_OK);
	ck_assert_int_eq(eim_psmo_enable(&p, iccid, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, b->eim_key, &pkg), SGP_OK);
	eim_package_free(&p);
	if (b->mode == M_BADSIG)
		pkg.data[pkg.len - 1] ^= 0x01;	/* one bit of eimSignature */
	/* [79] CHOICE is explicitly tagged: 'BF4F' around the 'BF51' */
	ck_assert_int_eq(sgp_der_wrap(&pkg, 0xBF4F), SGP_OK);
	ck_assert_int_eq(ipa_esipa_decode(pkg.data, pkg.len, &check, &err), SGP_OK);
	ck_assert_int_eq(check->present, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
	ck_assert_int_eq(check->choice.getEimPackageResponse.present,
			 GetEimPackageResponse_PR_euiccPackageRequest);
	ipa_esipa_msg_free(check);
	http_request_reply(req, 200, IPA_ESIPA_CONTENT_TYPE, NULL, pkg.data, pkg.len);
	sgp_buf_free(&pkg);
}

static void reply_no_package(struct http_request *req)
{
	EsipaMessageFromEimToIpa_t m;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromEimToIpa_PR_getEimPackageResponse;
	m.choice.getEimPackageResponse.present = GetEimPackageResponse_PR_eimPackageError;
	m.choice.getEimPackageResponse.choice.eimPackageError =
		GetEimPackageResponse__eimPackageError_noEimPackageAvailable;
	reply_msg(req, &m);
}

/* ProvideEimPackageResult: verify the eUICC's signed result, acknowledge it */
static void on_result(struct bed *b, struct http_request *req, ProvideEimPackageResult_t *r)
{
	EsipaMessageFromEimToIpa_t m;
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;
	long *seq;

	ck_assert_ptr_nonnull(r->eidValue);
	if (r->eimPackageResult.present == EimPackageResult_PR_eimPackageResultResponseError) {
		b->owed_error = r->eimPackageResult.choice.eimPackageResultResponseError
					.eimPackageResultErrorCode;
		memset(&m, 0, sizeof(m));
		m.present = EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse;
		m.choice.provideEimPackageResultResponse.present =
			ProvideEimPackageResultResponse_PR_emptyResponse;
		reply_msg(req, &m);
		return;
	}
	b->provides++;
	ck_assert_int_eq(r->eidValue->size, 16);
	ck_assert(!memcmp(r->eidValue->buf, b->tb.euicc->eid_bcd, 16));
	ck_assert_int_eq(r->eimPackageResult.present, EimPackageResult_PR_euiccPackageResult);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EuiccPackageResult,
					&r->eimPackageResult.choice.euiccPackageResult, &der, &err),
			 SGP_OK);
	b->result_ok = eim_result_verify(der.data, der.len, b->euicc_cert, b->token,
					 &b->result) == SGP_OK;
	sgp_buf_free(&der);
	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse;
	m.choice.provideEimPackageResultResponse.present =
		ProvideEimPackageResultResponse_PR_eimAcknowledgements;
	seq = calloc(1, sizeof(*seq));
	ck_assert_ptr_nonnull(seq);
	*seq = b->result_ok ? b->result.seq_number : 0;
	ck_assert_int_eq(ASN_SEQUENCE_ADD(
		&m.choice.provideEimPackageResultResponse.choice.eimAcknowledgements.list, seq), 0);
	reply_msg(req, &m);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromEimToIpa, &m);
}

static void on_held_abort(struct http_request *req, void *arg)
{
	struct bed *b = arg;

	(void)req;
	b->held = NULL;
}

static void eim_handler(struct http_request *req, void *arg)
{
	static const uint8_t garbage[] = { 0xBF, 0x4F, 0x09, 0xBF, 0x51, 0x05, 0x30, 0x03 };
	struct bed *b = arg;
	EsipaMessageFromIpaToEim_t *m = NULL;
	struct der_error err;
	const uint8_t *body;
	size_t len;
	const char *ct = http_request_header(req, "Content-Type");

	body = http_request_body(req, &len);
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, IPA_ESIPA_CONTENT_TYPE);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_EsipaMessageFromIpaToEim, body, len, (void **)&m,
					&err), SGP_OK);
	if (m->present == EsipaMessageFromIpaToEim_PR_provideEimPackageResult) {
		on_result(b, req, &m->choice.provideEimPackageResult);
		goto out;
	}
	ck_assert_int_eq(m->present, EsipaMessageFromIpaToEim_PR_getEimPackageRequest);
	ck_assert_int_eq(m->choice.getEimPackageRequest.eidValue.size, 16);
	ck_assert(!memcmp(m->choice.getEimPackageRequest.eidValue.buf, b->tb.euicc->eid_bcd, 16));
	b->gets++;
	switch (b->mode) {
	case M_PACKAGE:
	case M_BADSIG:
		reply_package(b, req);
		break;
	case M_NONE:
		reply_no_package(req);
		break;
	case M_MALFORMED:
		http_request_reply(req, 200, IPA_ESIPA_CONTENT_TYPE, NULL, garbage, sizeof(garbage));
		break;
	case M_HTTP500:
		http_request_reply(req, 500, "text/plain", NULL, (const uint8_t *)"oops", 4);
		break;
	case M_SILENT:
		b->held = req;
		http_request_set_abort_cb(req, on_held_abort, b);
		break;
	}
out:
	sgp_der_free(&asn_DEF_EsipaMessageFromIpaToEim, m);
}

/* ------------------------------------------------------------------ set up */

static void poll_done(void *arg, const struct ipa_eim_poll_result *res)
{
	struct bed *b = arg;

	b->done++;
	b->res = *res;
	b->res.euicc_result = NULL;	/* borrowed */
	snprintf(b->reason, sizeof(b->reason), "%s", res->reason);
	snprintf(b->stage, sizeof(b->stage), "%s", res->stage ? res->stage : "");
}

/* A port nothing listens on: bound, then closed. */
static uint16_t dead_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void bed_init(struct bed *b, enum eim_mode mode, bool reachable)
{
	struct http_tls_cfg stls = { 0 }, ctls = { 0 };
	struct http_server_cfg scfg = { .name = "fake-eim", .tls = &stls };
	struct http_client_cfg ccfg = { .name = "ipa-esipa", .tls = &ctls };
	struct ipa_eim_poll_cfg pcfg = { 0 };
	int err;

	memset(b, 0, sizeof(*b));
	b->mode = mode;
	signal(SIGPIPE, SIG_IGN);
	testbed_init(&b->tb, "nist", false);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(b->tb.pki, SGP_PKI_ROLE_EIM), &b->eim_key),
			 SGP_OK);
	ck_assert_int_eq(sgp_pki_euicc_get(b->tb.pki, 0, NULL, &b->euicc_cert, NULL), SGP_OK);
	/* the eUICC trusts the lab PKI's eIM key (SGP.32 5.9.18) */
	b->token = testbed_add_initial_eim(&b->tb, EIM_ID, EIM_ID, b->eim_key);
	testbed_put_profile(&b->tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1);
	testbed_put_profile(&b->tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 2);

	b->base = event_base_new();
	ck_assert_ptr_nonnull(b->base);
	testbed_ipa_reader(&b->tb, b->base, &b->tc, &b->t, &b->es10);

	snprintf(b->dir, sizeof(b->dir), "/tmp/test_ipa_esipa.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	ck_assert_int_eq(tc_make_pki(b->dir, "eim", "prime256v1", "IP:127.0.0.1", &b->tls), 0);
	stls.cert_file = b->tls.cert;
	stls.key_file = b->tls.key;
	ctls.ca_file = b->tls.ca;
	b->srv = http_server_new(b->base, &scfg, &err);
	ck_assert_ptr_nonnull(b->srv);
	ck_assert_int_eq(http_server_add_route(b->srv, IPA_ESIPA_PATH, false, eim_handler, b),
			 SGP_OK);
	b->http = http_client_new(b->base, &ccfg, &err);
	ck_assert_ptr_nonnull(b->http);
	snprintf(b->url, sizeof(b->url), "https://127.0.0.1:%u%s",
		 reachable ? http_server_port(b->srv) : dead_port(), IPA_ESIPA_PATH);
	pcfg.clock = b->tb.clock;
	pcfg.es10 = b->es10;
	pcfg.http = b->http;
	pcfg.eim_url = b->url;
	pcfg.timeout_ms = 20000;
	pcfg.done = poll_done;
	pcfg.arg = b;
	ck_assert_int_eq(ipa_eim_poll_new(&pcfg, &b->poll), SGP_OK);
}

static void bed_free(struct bed *b)
{
	char cmd[128];

	ipa_eim_poll_free(b->poll);
	http_client_free(b->http);
	http_server_free(b->srv);
	ipa_es10_free(b->es10);
	ipa_transport_free(b->t);
	testbed_card_free(&b->tc);
	event_base_free(b->base);
	if (b->result_ok)
		eim_result_free(&b->result);
	sgp_key_free(b->eim_key);
	testbed_free(&b->tb);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", b->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void poll_once(struct bed *b)
{
	unsigned before = b->done;

	ck_assert_int_eq(ipa_eim_poll_start(b->poll), SGP_OK);
	ck_assert(ipa_eim_poll_running(b->poll));
	ck_assert_int_eq(ipa_eim_poll_start(b->poll), SGP_ERR_STATE);	/* one at a time */
	RUN_UNTIL(b, b->done > before);
	ck_assert_uint_eq(b->done, before + 1);
	ck_assert(!ipa_eim_poll_running(b->poll));
}

/* ------------------------------------------------------------------- tests */

/* A poll delivers an enable PSMO; the eUICC enables the profile; the eIM
 * gets a result whose eUICC signature verifies. */
START_TEST(test_poll_enable_psmo)
{
	struct bed b;

	bed_init(&b, M_PACKAGE, true);
	poll_once(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s: %s", b.stage, b.reason);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_PACKAGE_DONE);
	ck_assert_uint_eq(b.gets, 1);
	ck_assert_uint_eq(b.provides, 1);
	ck_assert(b.result_ok);
	ck_assert_int_eq(b.result.kind, EIM_RESULT_SIGNED);
	ck_assert_int_eq(b.result.counter, 1);
	ck_assert_str_eq(b.result.eim_id, EIM_ID);
	ck_assert_uint_eq(b.res.acknowledgements, 1);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_DISABLED);
	bed_free(&b);
}
END_TEST

/* A package with a broken eIM signature: the eUICC refuses it, the IPA
 * hands the refusal to the eIM, the profiles stay as they were. */
START_TEST(test_poll_bad_signature)
{
	struct bed b;

	bed_init(&b, M_BADSIG, true);
	poll_once(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s: %s", b.stage, b.reason);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_PACKAGE_DONE);
	ck_assert_uint_eq(b.provides, 1);
	ck_assert(b.result_ok);
	ck_assert_int_eq(b.result.kind, EIM_RESULT_ERROR_UNSIGNED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	bed_free(&b);
}
END_TEST

START_TEST(test_poll_no_package)
{
	struct bed b;
	unsigned apdus;

	bed_init(&b, M_NONE, true);
	poll_once(&b);
	ck_assert_msg(b.res.rc == SGP_OK, "%s: %s", b.stage, b.reason);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_NO_PACKAGE);
	ck_assert_int_eq(b.res.eim_error, 1);
	ck_assert_uint_eq(b.provides, 0);
	/* a second cycle works the same; only GetEID reaches the card */
	apdus = b.tc.apdus;
	poll_once(&b);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_NO_PACKAGE);
	ck_assert_uint_eq(b.tc.apdus, apdus + 1);
	ck_assert_uint_eq(b.gets, 2);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	bed_free(&b);
}
END_TEST

/* Malformed DER from the eIM: a clear error, nothing reaches the eUICC. */
START_TEST(test_poll_malformed_der)
{
	struct bed b;
	unsigned apdus;

	bed_init(&b, M_MALFORMED, true);
	ck_assert_int_eq(ipa_eim_poll_start(b.poll), SGP_OK);
	RUN_UNTIL(&b, b.done);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_FAILED);
	ck_assert_int_eq(b.res.rc, SGP_ERR_PARSE);
	ck_assert_str_eq(b.stage, "WAIT_PACKAGE");
	ck_assert_msg(strstr(b.reason, "malformed"), "%s", b.reason);
	ck_assert_int_eq(b.res.http_status, 200);
	apdus = b.tc.apdus;
	ck_assert_uint_eq(b.provides, 0);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	/* an HTTP error status is reported as such */
	b.mode = M_HTTP500;
	poll_once(&b);
	ck_assert_int_eq(b.res.rc, SGP_ERR_PEER);
	ck_assert_int_eq(b.res.http_status, 500);
	ck_assert_msg(strstr(b.reason, "HTTP status 500"), "%s", b.reason);
	/* GetEID and the check for kept results only: the eUICC is untouched */
	ck_assert_uint_eq(b.tc.apdus, apdus + 2);
	/* the malformed package was reported: invalidPackageFormat */
	ck_assert_int_eq(b.owed_error, 1);
	ck_assert_int_eq(testbed_profile_state(&b.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	bed_free(&b);
}
END_TEST

/* The eIM unreachable: a transport error, no hang. */
START_TEST(test_poll_unreachable)
{
	struct bed b;

	bed_init(&b, M_NONE, false);
	poll_once(&b);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_FAILED);
	ck_assert_int_eq(b.res.rc, SGP_ERR_IO);
	ck_assert_str_eq(b.stage, "WAIT_PACKAGE");
	ck_assert_int_eq(b.res.http_status, 0);
	ck_assert_msg(strstr(b.reason, "transport"), "%s", b.reason);
	ck_assert_uint_eq(b.gets, 0);
	bed_free(&b);
}
END_TEST

/* An eIM that never answers: the wait ends on the lab clock's timeout. */
START_TEST(test_poll_timeout)
{
	struct bed b;

	bed_init(&b, M_SILENT, true);
	ck_assert_int_eq(ipa_eim_poll_start(b.poll), SGP_OK);
	RUN_UNTIL(&b, b.held);
	ck_assert_uint_eq(b.done, 0);
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 19999), 0);
	ck_assert_uint_eq(b.done, 0);
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 1), 1);
	ck_assert_uint_eq(b.done, 1);
	ck_assert_int_eq(b.res.rc, SGP_ERR_TIMEOUT);
	ck_assert_str_eq(b.stage, "WAIT_PACKAGE");
	ck_assert(!ipa_eim_poll_running(b.poll));
	bed_free(&b);
}
END_TEST

/* The poll interval on the simulated clock starts the cycles. */
START_TEST(test_poll_interval)
{
	struct bed b;

	bed_init(&b, M_NONE, true);
	ck_assert_int_eq(ipa_eim_poll_schedule(b.poll, 60000), SGP_OK);
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 59999), 0);
	ck_assert_uint_eq(ipa_eim_poll_cycles(b.poll), 0);
	ck_assert(!ipa_eim_poll_running(b.poll));
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 1), 1);
	ck_assert_uint_eq(ipa_eim_poll_cycles(b.poll), 1);
	ck_assert(ipa_eim_poll_running(b.poll));
	RUN_UNTIL(&b, b.done == 1);
	ck_assert_int_eq(b.res.outcome, IPA_EIM_POLL_NO_PACKAGE);
	ck_assert_uint_eq(b.gets, 1);
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 60000), 1);
	ck_assert_uint_eq(ipa_eim_poll_cycles(b.poll), 2);
	RUN_UNTIL(&b, b.done == 2);
	ck_assert_uint_eq(b.gets, 2);
	/* stopped: no more cycles */
	ck_assert_int_eq(ipa_eim_poll_schedule(b.poll, 0), SGP_OK);
	ck_assert_int_ge(sgp_clock_advance(b.tb.clock, 600000), 0);
	ck_assert_uint_eq(ipa_eim_poll_cycles(b.poll), 2);
	bed_free(&b);
}
END_TEST

/* The codec alone: requests as the spec's tags, hostile answers refused. */
START_TEST(test_esipa_codec)
{
	static const char *const bad[] = {
		"",				/* empty */
		"BF4F",				/* header cut */
		"BF4F030201",			/* value cut */
		"BF4F03020101FF",		/* trailing byte */
		"BF4F8103020101",		/* non-minimal length */
		"BF4F0402020001",		/* non-minimal INTEGER */
		"BF7F03020101",			/* unknown tag */
		"3003020101",			/* a SEQUENCE, no ESipa message */
	};
	uint8_t eid[16] = { 0x89, 0x04, 0x90, 0x32 };
	struct sgp_buf out = SGP_BUF_INIT, in = SGP_BUF_INIT;
	struct EsipaMessageFromEimToIpa *m = NULL;
	struct der_error err;

	ck_assert_int_eq(ipa_msg_get_eim_package(eid, IPA_STATE_CHANGE_NONE, &out), SGP_OK);
	ck_assert_uint_eq(out.len, 3 + 18);
	ck_assert(!memcmp(out.data, "\xBF\x4F\x12\x5A\x10", 5));
	/* a result that is not an EuiccPackageResult is refused */
	ck_assert_int_lt(ipa_msg_provide_result(eid, IPA_EIM_RESULT_EUICC_PACKAGE,
					       (const uint8_t *)"\xBF\x51\x00", 3, &out), 0);
	ck_assert_int_eq(sgp_hex_decode("BF4F03020101", &in), SGP_OK);
	ck_assert_int_eq(ipa_esipa_decode(in.data, in.len, &m, &err), SGP_OK);
	ck_assert_int_eq(m->present, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
	ck_assert_int_eq(m->choice.getEimPackageResponse.choice.eimPackageError, 1);
	ipa_esipa_msg_free(m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sgp_buf_reset(&in);
		if (sgp_hex_decode(bad[i], &in) < 0)
			continue;
		ck_assert_msg(ipa_esipa_decode(in.data, in.len, &m, &err) < 0, "accepted %s",
			      bad[i]);
		ck_assert_ptr_null(m);
	}
	sgp_buf_free(&in);
	sgp_buf_free(&out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ipa_esipa");
	TCase *tc = tcase_create("esipa");

	tcase_add_test(tc, test_esipa_codec);
	tcase_add_test(tc, test_poll_enable_psmo);
	tcase_add_test(tc, test_poll_bad_signature);
	tcase_add_test(tc, test_poll_no_package);
	tcase_add_test(tc, test_poll_malformed_der);
	tcase_add_test(tc, test_poll_unreachable);
	tcase_add_test(tc, test_poll_timeout);
	tcase_add_test(tc, test_poll_interval);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
