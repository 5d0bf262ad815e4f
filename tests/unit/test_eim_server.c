/* sgp32lab: unit tests for the eIM's ESipa server (eim/esipa_server.c,
 * eim/registry.c) — a real HTTPS eIM on 127.0.0.1, the test plays the IPA
 * over HTTP and hands the packages to the eUICC model in-process */
#include "eim_testbed.h"
#include "eim/esipa_server.h"
#include "eim/package.h"
#include "eim/registry.h"
#include "sim/euicc.h"
#include "sim/euicc_int.h"	/* white-box: euicc_profile_put, eid_bcd */
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/esipa/esipa_json.h"
#include "core/ids.h"
#include "testutil.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"
#include "EuiccPackageRequest.h"
#include "EuiccPackageResult.h"
#include "Certificate.h"
#include "core/store/store.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define EIM_ID "eim.sgp32lab.test"
#define ICCID_A "89440000000000000011"
#define ICCID_B "89440000000000000029"

struct lab {
	struct testbed tb;
	struct event_base *base;
	struct eim_server *eim;
	struct http_client *cli;
	struct sgp_key *eim_key;
	X509 *euicc_cert;
	long token;
	char eid[SGP_EID_LEN + 1];	/* tb.eid moves when the PKI grows */
	char dir[64];
	char url[128];
};

struct reply {
	bool done;
	int status;
	struct sgp_buf body;
};

static void lab_init(struct lab *l)
{
	char cert[128], key[128], ca[128];
	struct http_tls_cfg stls = { .cert_file = cert, .key_file = key };
	struct http_tls_cfg ctls = { .ca_file = ca };
	struct http_client_cfg ccfg = { .name = "ipa", .tls = &ctls };
	struct eim_server_cfg cfg = { .eim_id = EIM_ID,
				      .http = { .name = "eim", .tls = &stls } };
	int err;

	memset(l, 0, sizeof(*l));
	testbed_init(&l->tb, "nist", false);
	snprintf(l->eid, sizeof(l->eid), "%s", l->tb.eid);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(l->tb.pki, SGP_PKI_ROLE_EIM), &l->eim_key), SGP_OK);
	ck_assert_int_eq(sgp_pki_euicc_get(l->tb.pki, 0, NULL, &l->euicc_cert, NULL), SGP_OK);
	/* the eUICC trusts the lab's eIM key and gives a token */
	l->token = testbed_add_initial_eim(&l->tb, EIM_ID, "127.0.0.1", l->eim_key);
	testbed_put_profile(&l->tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1);
	testbed_put_profile(&l->tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 2);

	snprintf(l->dir, sizeof(l->dir), "/tmp/sgp32lab-eim-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(l->dir));
	ck_assert_int_eq(sgp_pki_save(l->tb.pki, l->dir, false), SGP_OK);
	snprintf(cert, sizeof(cert), "%s/eimtls.pem", l->dir);
	snprintf(key, sizeof(key), "%s/eimtls.key", l->dir);
	snprintf(ca, sizeof(ca), "%s/ci.pem", l->dir);
	l->base = event_base_new();
	ck_assert_ptr_nonnull(l->base);
	cfg.store = l->tb.store;
	cfg.clock = l->tb.clock;
	cfg.sk_eim = l->eim_key;
	cfg.pki = l->tb.pki;
	l->eim = eim_server_new(l->base, &cfg, &err);
	ck_assert_msg(l->eim != NULL, "eim_server_new: %s", sgp_strerror(err));
	l->cli = http_client_new(l->base, &ccfg, &err);
	ck_assert_ptr_nonnull(l->cli);
	snprintf(l->url, sizeof(l->url), "https://127.0.0.1:%u" ESIPA_PATH, eim_server_port(l->eim));
	ck_assert_int_eq(eim_register_device(l->eim, l->eid, l->euicc_cert, l->token, 1), SGP_OK);
}

static void lab_free(struct lab *l)
{
	char cmd[128];

	http_client_free(l->cli);
	eim_server_free(l->eim);
	event_base_free(l->base);
	sgp_key_free(l->eim_key);
	testbed_free(&l->tb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->dir);
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

/* POST body as the IPA and run the loop until the answer is there. */
static void post(struct lab *l, const char *ctype, const uint8_t *body, size_t len, struct reply *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(http_client_post(l->cli, l->url, ctype, body, len, NULL, 0, on_reply, r,
					       &err));
	while (!r->done)
		ck_assert_int_ge(event_base_loop(l->base, EVLOOP_ONCE), 0);
}

/* Send msg (freed) and decode the answer (HTTP 200 expected). */
static EsipaMessageFromEimToIpa_t *exchange_der(struct lab *l, const struct sgp_buf *body)
{
	EsipaMessageFromEimToIpa_t *a = NULL;
	struct der_error err;
	struct reply r;

	post(l, ESIPA_CONTENT_TYPE, body->data, body->len, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_EsipaMessageFromEimToIpa, r.body.data, r.body.len,
					(void **)&a, &err), SGP_OK);
	sgp_buf_free(&r.body);
	return a;
}

static EsipaMessageFromEimToIpa_t *exchange(struct lab *l, EsipaMessageFromIpaToEim_t *msg)
{
	EsipaMessageFromEimToIpa_t *a;
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;

	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EsipaMessageFromIpaToEim, msg, &der, &err), SGP_OK);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, msg);
	a = exchange_der(l, &der);
	sgp_buf_free(&der);
	return a;
}

static void get_request(const uint8_t eid[16], struct sgp_buf *der)
{
	EsipaMessageFromIpaToEim_t m;
	struct der_error err;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_getEimPackageRequest;
	ck_assert_int_eq(OCTET_STRING_fromBuf(&m.choice.getEimPackageRequest.eidValue,
					      (const char *)eid, 16), 0);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EsipaMessageFromIpaToEim, &m, der, &err), SGP_OK);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
}

/* ESipa.GetEimPackage for eid: the answer. */
static GetEimPackageResponse_t *get_package(struct lab *l, const uint8_t eid[16],
					    EsipaMessageFromEimToIpa_t **holder)
{
	struct sgp_buf der = SGP_BUF_INIT;

	get_request(eid, &der);
	*holder = exchange_der(l, &der);
	sgp_buf_free(&der);
	ck_assert_int_eq((*holder)->present, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
	return &(*holder)->choice.getEimPackageResponse;
}

static long get_error(struct lab *l, const uint8_t eid[16])
{
	EsipaMessageFromEimToIpa_t *a;
	GetEimPackageResponse_t *g = get_package(l, eid, &a);
	long code;

	ck_assert_int_eq(g->present, GetEimPackageResponse_PR_eimPackageError);
	code = g->choice.eimPackageError;
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	return code;
}

/* GetEimPackage, then the euiccPackageRequest as the ES10b command. */
static void get_package_der(struct lab *l, struct sgp_buf *cmd)
{
	EsipaMessageFromEimToIpa_t *a;
	GetEimPackageResponse_t *g = get_package(l, l->tb.euicc->eid_bcd, &a);
	struct der_error err;

	ck_assert_int_eq(g->present, GetEimPackageResponse_PR_euiccPackageRequest);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EuiccPackageRequest, &g->choice.euiccPackageRequest,
					cmd, &err), SGP_OK);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
}

/* ESipa.ProvideEimPackageResult with result (EuiccPackageResult DER). */
static ProvideEimPackageResultResponse_t *provide(struct lab *l, const uint8_t *eid,
						  const struct sgp_buf *result,
						  EsipaMessageFromEimToIpa_t **holder)
{
	EsipaMessageFromIpaToEim_t m;
	ProvideEimPackageResult_t *p = &m.choice.provideEimPackageResult;
	EuiccPackageResult_t *r = NULL;
	struct der_error err;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_provideEimPackageResult;
	if (eid) {
		p->eidValue = OCTET_STRING_new_fromBuf(&asn_DEF_Octet16, (const char *)eid, 16);
		ck_assert_ptr_nonnull(p->eidValue);
	}
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_EuiccPackageResult, result->data, result->len,
					(void **)&r, &err), SGP_OK);
	p->eimPackageResult.present = EimPackageResult_PR_euiccPackageResult;
	p->eimPackageResult.choice.euiccPackageResult = *r;
	free(r);
	*holder = exchange(l, &m);
	ck_assert_int_eq((*holder)->present, EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse);
	return &(*holder)->choice.provideEimPackageResultResponse;
}

static long provide_error(struct lab *l, const uint8_t *eid, const struct sgp_buf *result)
{
	EsipaMessageFromEimToIpa_t *a;
	ProvideEimPackageResultResponse_t *p = provide(l, eid, result, &a);
	long code;

	ck_assert_int_eq(p->present, ProvideEimPackageResultResponse_PR_provideEimPackageResultError);
	code = p->choice.provideEimPackageResultError;
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	return code;
}

/* The i-th package of the device (asserts it exists). */
static void pkg_at(struct lab *l, size_t i, struct eim_pkg *out)
{
	struct eim_pkg *v;
	size_t n;

	ck_assert_int_eq(eim_server_packages(l->eim, l->eid, &v, &n), SGP_OK);
	ck_assert_uint_gt(n, i);
	*out = v[i];
	memset(&v[i], 0, sizeof(v[i]));
	eim_pkg_list_free(v, n);
}

static void es10(struct lab *l, const struct sgp_buf *cmd, struct sgp_buf *resp)
{
	ck_assert_int_eq(testbed_es10(&l->tb, cmd->data, cmd->len, resp), SGP_OK);
}

#define UNDEF ProvideEimPackageResultResponse__provideEimPackageResultError_undefinedError

/* A valid EID that no device has. */
static void unknown_eid(char eid[SGP_EID_LEN + 1])
{
	ck_assert_int_eq(sgp_eid_complete("890010120123412340123456789013", eid), SGP_OK);
}

/* The main flow: queue an enable PSMO, the IPA fetches it, the
 * eUICC runs it, its result is verified, recorded and acknowledged. */
START_TEST(test_enable_end_to_end)
{
	struct lab l;
	struct sgp_buf cmd = SGP_BUF_INIT, res = SGP_BUF_INIT;
	EsipaMessageFromEimToIpa_t *a;
	ProvideEimPackageResultResponse_t *p;
	struct eim_result r;
	struct eim_pkg k;
	int64_t id = 0;

	lab_init(&l);
	ck_assert_int_eq(get_error(&l, l.tb.euicc->eid_bcd),
			 GetEimPackageResponse__eimPackageError_noEimPackageAvailable);
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, l.eid, ICCID_B, false, &id), SGP_OK);
	ck_assert_int_gt(id, 0);
	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_QUEUED);
	ck_assert_int_eq(k.counter, 1);
	eim_pkg_release(&k);

	get_package_der(&l, &cmd);
	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_DELIVERED);
	ck_assert_mem_eq(cmd.data, k.der.data, k.der.len);	/* as signed */
	eim_pkg_release(&k);
	/* one package at a time: nothing else queued */
	ck_assert_int_eq(get_error(&l, l.tb.euicc->eid_bcd),
			 GetEimPackageResponse__eimPackageError_noEimPackageAvailable);

	es10(&l, &cmd, &res);	/* LoadEuiccPackage */
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(eim_result_verify(res.data, res.len, l.euicc_cert, l.token, &r), SGP_OK);
	ck_assert_int_eq(r.kind, EIM_RESULT_SIGNED);

	p = provide(&l, l.tb.euicc->eid_bcd, &res, &a);
	ck_assert_int_eq(p->present, ProvideEimPackageResultResponse_PR_eimAcknowledgements);
	ck_assert_int_eq(p->choice.eimAcknowledgements.list.count, 1);
	ck_assert_int_eq(*p->choice.eimAcknowledgements.list.array[0], r.seq_number);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);

	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_RESULT_RECEIVED);
	ck_assert(k.result_verified);
	ck_assert_int_eq(k.result_kind, EIM_RESULT_SIGNED);
	ck_assert_int_eq(k.seq_number, r.seq_number);
	ck_assert_uint_eq(k.result.len, res.len);
	ck_assert_mem_eq(k.result.data, res.data, res.len);
	eim_pkg_release(&k);
	eim_result_free(&r);

	/* replayed: refused, the record stays as it was */
	ck_assert_int_eq(provide_error(&l, l.tb.euicc->eid_bcd, &res), UNDEF);
	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_RESULT_RECEIVED);
	eim_pkg_release(&k);

	/* the next package takes the next counter value */
	ck_assert_int_eq(eim_queue_psmo_disable(l.eim, l.eid, ICCID_B, NULL), SGP_OK);
	pkg_at(&l, 1, &k);
	ck_assert_int_eq(k.counter, 2);
	eim_pkg_release(&k);

	sgp_buf_free(&cmd);
	sgp_buf_free(&res);
	lab_free(&l);
}
END_TEST

/* Registry and queue arguments refused. */
START_TEST(test_register_refused)
{
	struct lab l;
	const char *eid2;
	char gen[SGP_EID_LEN + 1], other[SGP_EID_LEN + 1];
	X509 *cert2;

	lab_init(&l);
	unknown_eid(other);
	ck_assert_int_eq(eim_register_device(l.eim, l.eid, l.euicc_cert, 0, 1), SGP_ERR_EXISTS);
	ck_assert_int_eq(eim_register_device(l.eim, "1234", l.euicc_cert, 0, 1), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_eid_generate("89001012", gen), SGP_OK);
	ck_assert_int_eq(sgp_pki_add_euicc(l.tb.pki, gen), SGP_OK);
	ck_assert_int_eq(sgp_pki_euicc_get(l.tb.pki, 1, &eid2, &cert2, NULL), SGP_OK);
	/* the certificate of another EID */
	ck_assert_int_eq(eim_register_device(l.eim, eid2, l.euicc_cert, 0, 1), SGP_ERR_VERIFY);
	ck_assert_int_eq(eim_register_device(l.eim, eid2, cert2, 0, 1), SGP_OK);
	/* unknown device, bad ICCID */
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, other, ICCID_B, false, NULL), SGP_ERR_NOTFOUND);
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, l.eid, "89x4", false, NULL), SGP_ERR_INVAL);
	lab_free(&l);
}
END_TEST

/* GetEimPackage: unknown and invalid EIDs, malformed bodies. */
START_TEST(test_get_refused)
{
	static const uint8_t garbage[] = { 0x30, 0x03, 0x01, 0x01 };
	struct lab l;
	uint8_t eid[16];
	char other[SGP_EID_LEN + 1];
	struct sgp_buf der = SGP_BUF_INIT;
	EsipaMessageFromEimToIpa_t *a;
	struct reply r;

	lab_init(&l);
	unknown_eid(other);
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, l.eid, ICCID_B, false, NULL), SGP_OK);

	ck_assert_int_eq(sgp_eid_to_bcd(other, eid), SGP_OK);
	ck_assert_int_eq(get_error(&l, eid), GetEimPackageResponse__eimPackageError_eidNotFound);
	memcpy(eid, l.tb.euicc->eid_bcd, 16);
	eid[15] ^= 0x11;	/* check digits wrong */
	ck_assert_int_eq(get_error(&l, eid), GetEimPackageResponse__eimPackageError_invalidEid);

	/* truncated: the function's own error */
	get_request(l.tb.euicc->eid_bcd, &der);
	der.len--;
	a = exchange_der(&l, &der);
	ck_assert_int_eq(a->present, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
	ck_assert_int_eq(a->choice.getEimPackageResponse.choice.eimPackageError,
			 GetEimPackageResponse__eimPackageError_undefinedError);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	/* trailing byte */
	get_request(l.tb.euicc->eid_bcd, &der);
	ck_assert_int_eq(sgp_buf_append(&der, (const uint8_t *)"", 1), SGP_OK);
	a = exchange_der(&l, &der);
	ck_assert_int_eq(a->choice.getEimPackageResponse.choice.eimPackageError,
			 GetEimPackageResponse__eimPackageError_undefinedError);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	/* not an ESipa message, empty, wrong content type */
	post(&l, ESIPA_CONTENT_TYPE, garbage, sizeof(garbage), &r);
	ck_assert_int_eq(r.status, 400);
	sgp_buf_free(&r.body);
	post(&l, ESIPA_CONTENT_TYPE, garbage, 0, &r);
	ck_assert_int_eq(r.status, 400);
	sgp_buf_free(&r.body);
	get_request(l.tb.euicc->eid_bcd, &der);
	post(&l, "application/json", der.data, der.len, &r);
	ck_assert_int_eq(r.status, 415);
	sgp_buf_free(&r.body);

	/* none of it delivered the package */
	{
		struct eim_pkg k;

		pkg_at(&l, 0, &k);
		ck_assert_int_eq(k.state, EIM_PKG_QUEUED);
		eim_pkg_release(&k);
	}
	sgp_buf_free(&der);
	lab_free(&l);
}
END_TEST

/* ProvideEimPackageResult: every refusal leaves the registry as it was. */
START_TEST(test_provide_refused)
{
	struct lab l;
	struct sgp_buf cmd = SGP_BUF_INIT, res = SGP_BUF_INIT, bad = SGP_BUF_INIT;
	struct sgp_buf cmd2 = SGP_BUF_INIT, res2 = SGP_BUF_INIT;
	EsipaMessageFromEimToIpa_t *a;
	ProvideEimPackageResultResponse_t *p;
	struct eim_pkg k;
	uint8_t eid[16];
	char other[SGP_EID_LEN + 1];

	lab_init(&l);
	unknown_eid(other);
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, l.eid, ICCID_B, false, NULL), SGP_OK);
	get_package_der(&l, &cmd);
	es10(&l, &cmd, &res);

	/* a wrong signature: last byte of euiccSignEPR flipped */
	ck_assert_int_eq(sgp_buf_set(&bad, res.data, res.len), SGP_OK);
	bad.data[bad.len - 1] ^= 0x01;
	ck_assert_int_eq(provide_error(&l, l.tb.euicc->eid_bcd, &bad), UNDEF);
	/* no EID, an unknown EID, an invalid EID */
	ck_assert_int_eq(provide_error(&l, NULL, &res),
			 ProvideEimPackageResultResponse__provideEimPackageResultError_missingEid);
	ck_assert_int_eq(sgp_eid_to_bcd(other, eid), SGP_OK);
	ck_assert_int_eq(provide_error(&l, eid, &res),
			 ProvideEimPackageResultResponse__provideEimPackageResultError_eidNotFound);
	eid[15] ^= 0x11;
	ck_assert_int_eq(provide_error(&l, eid, &res),
			 ProvideEimPackageResultResponse__provideEimPackageResultError_invalidEid);
	/* malformed: a truncated body with the function's tag */
	{
		EsipaMessageFromIpaToEim_t m;
		struct sgp_buf der = SGP_BUF_INIT;
		struct der_error err;
		EuiccPackageResult_t *r = NULL;

		memset(&m, 0, sizeof(m));
		m.present = EsipaMessageFromIpaToEim_PR_provideEimPackageResult;
		ck_assert_int_eq(sgp_der_decode(&asn_DEF_EuiccPackageResult, res.data, res.len,
						(void **)&r, &err), SGP_OK);
		m.choice.provideEimPackageResult.eimPackageResult.present =
			EimPackageResult_PR_euiccPackageResult;
		m.choice.provideEimPackageResult.eimPackageResult.choice.euiccPackageResult = *r;
		free(r);
		ck_assert_int_eq(sgp_der_encode(&asn_DEF_EsipaMessageFromIpaToEim, &m, &der, &err),
				 SGP_OK);
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
		ck_assert_uint_gt(der.len, 10);
		der.len -= 10;
		a = exchange_der(&l, &der);
		ck_assert_int_eq(a->present,
				 EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse);
		ck_assert_int_eq(a->choice.provideEimPackageResultResponse.choice
				 .provideEimPackageResultError, UNDEF);
		ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
		sgp_buf_free(&der);
	}
	/* another registered device's EID: its certificate does not verify
	 * this eUICC's signature */
	{
		char gen[SGP_EID_LEN + 1];
		const char *eid2;
		X509 *cert2;
		uint8_t bcd2[16];

		ck_assert_int_eq(sgp_eid_generate("89001012", gen), SGP_OK);
		ck_assert_int_eq(sgp_pki_add_euicc(l.tb.pki, gen), SGP_OK);
		ck_assert_int_eq(sgp_pki_euicc_get(l.tb.pki, 1, &eid2, &cert2, NULL), SGP_OK);
		ck_assert_int_eq(eim_register_device(l.eim, eid2, cert2, l.token, 1), SGP_OK);
		ck_assert_int_eq(sgp_eid_to_bcd(eid2, bcd2), SGP_OK);
		ck_assert_int_eq(provide_error(&l, bcd2, &res), UNDEF);
		ck_assert_int_eq(get_error(&l, bcd2),
				 GetEimPackageResponse__eimPackageError_noEimPackageAvailable);
	}
	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_DELIVERED);
	ck_assert_uint_eq(k.result.len, 0);
	eim_pkg_release(&k);

	/* the genuine result is still taken */
	p = provide(&l, l.tb.euicc->eid_bcd, &res, &a);
	ck_assert_int_eq(p->present, ProvideEimPackageResultResponse_PR_eimAcknowledgements);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);

	/* a result for a package never delivered: the queued DER reaches the
	 * eUICC by another way, its genuine result is refused */
	ck_assert_int_eq(eim_queue_psmo_disable(l.eim, l.eid, ICCID_B, NULL), SGP_OK);
	pkg_at(&l, 1, &k);
	ck_assert_int_eq(k.state, EIM_PKG_QUEUED);
	ck_assert_int_eq(sgp_buf_set(&cmd2, k.der.data, k.der.len), SGP_OK);
	eim_pkg_release(&k);
	es10(&l, &cmd2, &res2);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(provide_error(&l, l.tb.euicc->eid_bcd, &res2), UNDEF);
	pkg_at(&l, 1, &k);
	ck_assert_int_eq(k.state, EIM_PKG_QUEUED);
	ck_assert_uint_eq(k.result.len, 0);
	eim_pkg_release(&k);

	sgp_buf_free(&cmd);
	sgp_buf_free(&res);
	sgp_buf_free(&bad);
	sgp_buf_free(&cmd2);
	sgp_buf_free(&res2);
	lab_free(&l);
}
END_TEST

/* Send an EimPackageResult (its contents moved, freed) for eid. */
static ProvideEimPackageResultResponse_t *provide_any(struct lab *l, const uint8_t *eid,
						      EimPackageResult_t *res,
						      EsipaMessageFromEimToIpa_t **holder)
{
	EsipaMessageFromIpaToEim_t m;
	ProvideEimPackageResult_t *p = &m.choice.provideEimPackageResult;

	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_provideEimPackageResult;
	p->eidValue = OCTET_STRING_new_fromBuf(&asn_DEF_Octet16, (const char *)eid, 16);
	ck_assert_ptr_nonnull(p->eidValue);
	p->eimPackageResult = *res;
	memset(res, 0, sizeof(*res));
	*holder = exchange(l, &m);
	ck_assert_int_eq((*holder)->present, EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse);
	return &(*holder)->choice.provideEimPackageResultResponse;
}

static Certificate_t *cert_value(X509 *x)
{
	struct sgp_buf der = SGP_BUF_INIT;
	Certificate_t *c = NULL;
	struct der_error err;

	ck_assert_int_eq(sgp_pki_cert_der(x, &der), SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_Certificate, der.data, der.len, (void **)&c, &err),
			 SGP_OK);
	sgp_buf_free(&der);
	return c;
}

/* An ipaEuiccData with the certificates (or not) and this transaction id. */
static void data_result(EimPackageResult_t *res, const OCTET_STRING_t *tid, X509 *euicc, X509 *eum)
{
	IpaEuiccData_t *d = &res->choice.ipaEuiccDataResponse.choice.ipaEuiccData;

	memset(res, 0, sizeof(*res));
	res->present = EimPackageResult_PR_ipaEuiccDataResponse;
	res->choice.ipaEuiccDataResponse.present = IpaEuiccDataResponse_PR_ipaEuiccData;
	if (tid)
		d->eimTransactionId = OCTET_STRING_new_fromBuf(&asn_DEF_TransactionId,
							       (const char *)tid->buf, tid->size);
	if (euicc)
		d->euiccCertificate = cert_value(euicc);
	if (eum)
		d->eumCertificate = cert_value(eum);
}

static long provide_any_error(struct lab *l, const uint8_t *eid, EimPackageResult_t *res)
{
	EsipaMessageFromEimToIpa_t *a;
	ProvideEimPackageResultResponse_t *p = provide_any(l, eid, res, &a);
	long code = p->present == ProvideEimPackageResultResponse_PR_provideEimPackageResultError ?
		    p->choice.provideEimPackageResultError : -1;

	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	return code;
}

/* Bootstrap: a device registered by its EID only first gets the data
 * request for its certificates; the answer completes its record; only
 * then do its eUICC packages go out.  Wrong certificate, wrong
 * transaction id, replay: refused, nothing recorded. */
START_TEST(test_bootstrap)
{
	struct lab l;
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	EsipaMessageFromEimToIpa_t *a, *a2;
	GetEimPackageResponse_t *g;
	EimPackageResult_t res;
	struct eim_device d;
	OCTET_STRING_t bad_tid = { .buf = (uint8_t *)"nope", .size = 4 };

	lab_init(&l);
	/* a fresh registry row for the same eUICC, EID only */
	ck_assert_int_eq(sgp_store_exec(l.tb.store, "DELETE FROM eim_package; DELETE FROM eim_device;"),
			 SGP_OK);
	ck_assert_int_eq(eim_register_device(l.eim, l.eid, NULL, l.token, 1), SGP_OK);
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, l.eid, ICCID_B, false, NULL), SGP_OK);
	g = get_package(&l, l.tb.euicc->eid_bcd, &a);
	ck_assert_int_eq(g->present, GetEimPackageResponse_PR_ipaEuiccDataRequest);
	ck_assert_int_eq(g->choice.ipaEuiccDataRequest.tagList.size, 2);
	ck_assert_int_eq(g->choice.ipaEuiccDataRequest.tagList.buf[0], 0xA5);
	/* nothing else while the certificate is unknown */
	ck_assert_int_eq(get_error(&l, l.tb.euicc->eid_bcd),
			 GetEimPackageResponse__eimPackageError_noEimPackageAvailable);
	/* wrong transaction id, no certificate at all: refused */
	data_result(&res, &bad_tid, l.euicc_cert, sgp_pki_cert(l.tb.pki, SGP_PKI_ROLE_EUM));
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), UNDEF);
	/* a certificate of the wrong role (the EUM's as the eUICC's): refused */
	data_result(&res, g->choice.ipaEuiccDataRequest.eimTransactionId,
		    sgp_pki_cert(l.tb.pki, SGP_PKI_ROLE_EUM), NULL);
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), UNDEF);
	ck_assert_int_eq(eim_get_device(l.eim, l.eid, &d), SGP_OK);
	ck_assert(eim_device_bootstrap(&d));
	eim_device_release(&d);
	/* the right answer */
	data_result(&res, g->choice.ipaEuiccDataRequest.eimTransactionId, l.euicc_cert,
		    sgp_pki_cert(l.tb.pki, SGP_PKI_ROLE_EUM));
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), -1);
	ck_assert_int_eq(eim_get_device(l.eim, l.eid, &d), SGP_OK);
	ck_assert(!eim_device_bootstrap(&d));
	ck_assert_uint_gt(d.eum_cert.len, 0);
	eim_device_release(&d);
	/* the same answer again: a replay */
	data_result(&res, g->choice.ipaEuiccDataRequest.eimTransactionId, l.euicc_cert,
		    sgp_pki_cert(l.tb.pki, SGP_PKI_ROLE_EUM));
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), UNDEF);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	/* now the PSMO goes out and its result verifies */
	get_package_der(&l, &cmd);
	es10(&l, &cmd, &resp);
	{
		ProvideEimPackageResultResponse_t *p = provide(&l, l.tb.euicc->eid_bcd, &resp, &a2);
		ck_assert_int_eq(p->present, ProvideEimPackageResultResponse_PR_eimAcknowledgements);
		ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a2);
	}
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	lab_free(&l);
}
END_TEST

/* A download trigger and an IPA error, each matched by eimTransactionId;
 * notifyStateChange with nothing queued brings a listProfileInfo. */
START_TEST(test_trigger_error_notify)
{
	struct lab l;
	EsipaMessageFromEimToIpa_t *a, *a2;
	GetEimPackageResponse_t *g;
	EimPackageResult_t res;
	struct eim_pkg p;
	struct eim_device d;
	struct sgp_buf der = SGP_BUF_INIT;
	EsipaMessageFromIpaToEim_t m;
	struct der_error err;
	long cause = 1;

	lab_init(&l);
	ck_assert_int_eq(eim_queue_download_trigger(l.eim, l.eid, EIM_DOWNLOAD_ACTIVATION_CODE,
						    "1$smdp.example$MID", NULL), SGP_OK);
	ck_assert_int_eq(eim_queue_download_trigger(l.eim, l.eid, EIM_DOWNLOAD_ACTIVATION_CODE, "",
						    NULL), SGP_ERR_INVAL);
	g = get_package(&l, l.tb.euicc->eid_bcd, &a);
	ck_assert_int_eq(g->present, GetEimPackageResponse_PR_profileDownloadTriggerRequest);
	memset(&res, 0, sizeof(res));
	res.present = EimPackageResult_PR_profileDownloadTriggerResult;
	res.choice.profileDownloadTriggerResult.eimTransactionId = OCTET_STRING_new_fromBuf(
		&asn_DEF_TransactionId,
		(const char *)g->choice.profileDownloadTriggerRequest.eimTransactionId->buf,
		g->choice.profileDownloadTriggerRequest.eimTransactionId->size);
	res.choice.profileDownloadTriggerResult.profileDownloadTriggerResultData.present =
		ProfileDownloadTriggerResult__profileDownloadTriggerResultData_PR_profileDownloadError;
	res.choice.profileDownloadTriggerResult.profileDownloadTriggerResultData.choice
		.profileDownloadError.profileDownloadErrorReason = 127;
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), -1);
	pkg_at(&l, 0, &p);
	ck_assert_int_eq(p.state, EIM_PKG_RESULT_RECEIVED);
	ck_assert_int_eq(p.result_kind, EIM_OUT_DOWNLOAD_ERROR);
	ck_assert_int_eq(p.error_code, 127);
	eim_pkg_release(&p);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);

	/* eimPackageResultResponseError without a transaction id: the one
	 * package waiting; with none waiting: refused */
	ck_assert_int_eq(eim_queue_psmo_list_profile_info(l.eim, l.eid, NULL), SGP_OK);
	g = get_package(&l, l.tb.euicc->eid_bcd, &a);
	ck_assert_int_eq(g->present, GetEimPackageResponse_PR_euiccPackageRequest);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a);
	memset(&res, 0, sizeof(res));
	res.present = EimPackageResult_PR_eimPackageResultResponseError;
	res.choice.eimPackageResultResponseError.eimPackageResultErrorCode = 1;
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), -1);
	pkg_at(&l, 1, &p);
	ck_assert_int_eq(p.result_kind, EIM_OUT_IPA_ERROR);
	eim_pkg_release(&p);
	memset(&res, 0, sizeof(res));
	res.present = EimPackageResult_PR_eimPackageResultResponseError;
	res.choice.eimPackageResultResponseError.eimPackageResultErrorCode = 2;
	ck_assert_int_eq(provide_any_error(&l, l.tb.euicc->eid_bcd, &res), UNDEF);

	/* notifyStateChange, nothing queued: a listProfileInfo package */
	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_getEimPackageRequest;
	ck_assert_int_eq(OCTET_STRING_fromBuf(&m.choice.getEimPackageRequest.eidValue,
					      (const char *)l.tb.euicc->eid_bcd, 16), 0);
	m.choice.getEimPackageRequest.notifyStateChange = calloc(1, sizeof(NULL_t));
	m.choice.getEimPackageRequest.stateChangeCause = malloc(sizeof(long));
	*m.choice.getEimPackageRequest.stateChangeCause = cause;
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EsipaMessageFromIpaToEim, &m, &der, &err), SGP_OK);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
	a2 = exchange_der(&l, &der);
	ck_assert_int_eq(a2->choice.getEimPackageResponse.present,
			 GetEimPackageResponse_PR_euiccPackageRequest);
	ck_assert_int_eq(a2->choice.getEimPackageResponse.choice.euiccPackageRequest
			 .euiccPackageSigned.euiccPackage.choice.psmoList.list.array[0]->present,
			 Psmo_PR_listProfileInfo);
	ASN_STRUCT_FREE(asn_DEF_EsipaMessageFromEimToIpa, a2);
	ck_assert_int_eq(eim_get_device(l.eim, l.eid, &d), SGP_OK);
	ck_assert(d.notify_state_change);
	ck_assert_int_eq(d.state_change_cause, 1);
	ck_assert_int_ne(d.last_contact, 0);
	eim_device_release(&d);
	sgp_buf_free(&der);
	lab_free(&l);
}
END_TEST

/* The registry lives in the store: a file database closed and reopened
 * keeps devices, packages, profiles and notifications. */
START_TEST(test_registry_persists)
{
	char dir[] = "/tmp/sgp32lab-eimreg-XXXXXX", path[96], cmd[128];
	static const uint8_t tid[4] = { 1, 2, 3, 4 }, der[3] = { 0x30, 0x01, 0x00 };
	const char *eid = "89001012012341234012345678901224";
	struct eim_profile pr = { .iccid = ICCID_A, .state = 1, .profile_class = 2 };
	struct sgp_store *st;
	struct eim_device d;
	struct eim_pkg *v;
	struct eim_profile *pv;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lab.db", dir);
	ck_assert_int_eq(sgp_store_open(&st, path, NULL, NULL, 0), SGP_OK);
	ck_assert_int_eq(eim_registry_migrate(st), SGP_OK);
	ck_assert_int_eq(eim_registry_add_device(st, eid, NULL, 0, 0, 1), SGP_OK);
	ck_assert_int_eq(eim_registry_queue_add(st, eid, EIM_PKG_DATA_REQUEST, -1, tid, 4, der, 3, 7,
						NULL), SGP_OK);
	/* the same transaction id twice: refused */
	ck_assert_int_lt(eim_registry_queue_add(st, eid, EIM_PKG_DATA_REQUEST, -1, tid, 4, der, 3, 7,
						NULL), 0);
	ck_assert_int_eq(eim_registry_profiles_replace(st, eid, &pr, 1), SGP_OK);
	ck_assert_int_eq(eim_registry_add_notification(st, eid, 5, der, 3, 9), SGP_OK);
	ck_assert_int_eq(eim_registry_add_notification(st, eid, 5, der, 3, 9), SGP_ERR_EXISTS);
	ck_assert_int_eq(eim_registry_touch(st, eid, 11, true, 4), SGP_OK);
	sgp_store_close(st);

	ck_assert_int_eq(sgp_store_open(&st, path, NULL, NULL, 0), SGP_OK);
	ck_assert_int_eq(eim_registry_migrate(st), SGP_OK);
	ck_assert_int_eq(eim_registry_get_device(st, eid, &d), SGP_OK);
	ck_assert(eim_device_bootstrap(&d));
	ck_assert_int_eq(d.last_contact, 11);
	ck_assert_int_eq(d.state_change_cause, 4);
	eim_device_release(&d);
	ck_assert_int_eq(eim_registry_list(st, eid, &v, &n), SGP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].kind, EIM_PKG_DATA_REQUEST);
	ck_assert_int_eq(v[0].counter, -1);
	ck_assert_uint_eq(v[0].transaction_id_len, 4);
	eim_pkg_list_free(v, n);
	ck_assert_int_eq(eim_registry_profiles(st, eid, &pv, &n), SGP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(pv[0].state, 1);
	free(pv);
	ck_assert_int_eq(eim_registry_count_notifications(st, eid, &n), SGP_OK);
	ck_assert_uint_eq(n, 1);
	sgp_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- the JSON binding (SGP.32 6.4) on the same listener ---- */

/* POST text to /gsma/rsp2/esipa/<fn> with content type ctype. */
static void post_json(struct lab *l, const char *fn, const char *ctype, const char *text,
		      struct reply *r)
{
	char url[160];
	int err;

	snprintf(url, sizeof(url), "https://127.0.0.1:%u" ESIPA_JSON_PATH_PREFIX "%s",
		 eim_server_port(l->eim), fn);
	memset(r, 0, sizeof(*r));
	ck_assert_ptr_nonnull(http_client_post(l->cli, url, ctype, (const uint8_t *)text,
					       strlen(text), NULL, 0, on_reply, r, &err));
	while (!r->done)
		ck_assert_int_ge(event_base_loop(l->base, EVLOOP_ONCE), 0);
}

/* The JSON answer (HTTP status want) as text. */
static char *json_call(struct lab *l, const char *fn, const char *text, int want)
{
	struct reply r;
	char *out;

	post_json(l, fn, ESIPA_JSON_CONTENT_TYPE, text, &r);
	ck_assert_int_eq(r.status, want);
	out = strndup(r.body.data ? (const char *)r.body.data : "", r.body.len);
	ck_assert_ptr_nonnull(out);
	sgp_buf_free(&r.body);
	return out;
}

/* The base64 member name of the JSON object text, decoded. */
static void json_b64(const char *text, const char *name, struct sgp_buf *out)
{
	json_t *o = json_loads(text, 0, NULL);
	const char *v;

	ck_assert_ptr_nonnull(o);
	v = json_string_value(json_object_get(o, name));
	ck_assert_msg(v != NULL, "no %s in %s", name, text);
	sgp_buf_reset(out);
	ck_assert_int_eq(sgp_base64_decode(v, strlen(v), out), SGP_OK);
	json_decref(o);
}

START_TEST(test_json_binding)
{
	struct lab l;
	struct sgp_buf cmd = SGP_BUF_INIT, res = SGP_BUF_INIT, ack = SGP_BUF_INIT;
	char eid_hex[33], other[SGP_EID_LEN + 1], req[512], *b64, *ans;
	struct reply r;
	struct eim_pkg k;

	lab_init(&l);
	sgp_hex_encode_to(eid_hex, l.tb.euicc->eid_bcd, 16, true);
	unknown_eid(other);
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\"}", other);
	ans = json_call(&l, "getEimPackage", req, 200);
	ck_assert_str_eq(ans, "{\"eimPackageError\":2}");
	free(ans);
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\"}", eid_hex);
	ans = json_call(&l, "getEimPackage", req, 200);
	ck_assert_str_eq(ans, "{\"eimPackageError\":1}");
	free(ans);

	/* an enable PSMO: getEimPackage, the eUICC, provideEimPackageResult */
	ck_assert_int_eq(eim_queue_psmo_enable(l.eim, l.eid, ICCID_B, false, NULL), SGP_OK);
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\",\"notifyStateChange\":true,"
		 "\"stateChangeCause\":1}", eid_hex);
	ans = json_call(&l, "getEimPackage", req, 200);
	json_b64(ans, "euiccPackageRequest", &cmd);
	free(ans);
	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_DELIVERED);
	ck_assert_uint_eq(cmd.len, k.der.len);
	ck_assert_mem_eq(cmd.data, k.der.data, k.der.len);	/* as signed */
	eim_pkg_release(&k);
	es10(&l, &cmd, &res);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	b64 = sgp_base64_encode(res.data, res.len);
	ck_assert_ptr_nonnull(b64);
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\",\"eimPackageResult\":\"%.400s\"}",
		 eid_hex, b64);
	ck_assert_uint_lt(strlen(b64), 400);
	ans = json_call(&l, "provideEimPackageResult", req, 200);
	json_b64(ans, "eimAcknowledgements", &ack);
	ck_assert_uint_ge(ack.len, 5);
	ck_assert_uint_eq(ack.data[0], 0xBF);
	ck_assert_uint_eq(ack.data[1], 0x53);
	free(ans);
	pkg_at(&l, 0, &k);
	ck_assert_int_eq(k.state, EIM_PKG_RESULT_RECEIVED);
	ck_assert(k.result_verified);
	eim_pkg_release(&k);
	/* replayed as handleNotification: the same handler, its error in JSON */
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\",\"eimPackageResult\":\"%s\"}",
		 eid_hex, b64);
	sgp_buf_reset(&cmd);
	{
		struct esipa_json_error e;
		enum esipa_json_fn f;
		char *inner = NULL;
		struct sgp_buf d = SGP_BUF_INIT;

		ck_assert_int_eq(esipa_json_req_to_der(ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, req,
						       strlen(req), &d, &e), SGP_OK);
		ck_assert_int_eq(sgp_der_wrap(&d, 0xBF3D), SGP_OK);
		ck_assert_int_eq(esipa_json_req_from_der(d.data, d.len, &f, &inner, &e), SGP_OK);
		ck_assert_int_eq(f, ESIPA_JSON_HANDLE_NOTIFICATION);
		ans = json_call(&l, "handleNotification", inner, 200);
		ck_assert_str_eq(ans, "{\"provideEimPackageResultError\":127}");
		free(ans);
		free(inner);
		sgp_buf_free(&d);
	}
	free(b64);

	/* refusals: 400 with a JSON reason, 415, 404 */
	ans = json_call(&l, "getEimPackage", "{\"eidValue\":\"89\"}", 400);
	ck_assert_ptr_nonnull(strstr(ans, "\"error\""));
	free(ans);
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\",\"x\":1}", eid_hex);
	ans = json_call(&l, "getEimPackage", req, 400);
	ck_assert_ptr_nonnull(strstr(ans, "unknown member"));
	free(ans);
	ans = json_call(&l, "getEimPackage", "{\"eidValue\":", 400);
	free(ans);
	ans = json_call(&l, "transferEimPackage", "{}", 404);
	free(ans);
	ans = json_call(&l, "getSomething", "{}", 404);
	free(ans);
	snprintf(req, sizeof(req), "{\"eidValue\":\"%s\"}", eid_hex);
	post_json(&l, "getEimPackage", ESIPA_CONTENT_TYPE, req, &r);
	ck_assert_int_eq(r.status, 415);
	sgp_buf_free(&r.body);
	/* the ASN.1 binding is unchanged beside it */
	ck_assert_int_eq(get_error(&l, l.tb.euicc->eid_bcd),
			 GetEimPackageResponse__eimPackageError_noEimPackageAvailable);

	sgp_buf_free(&cmd);
	sgp_buf_free(&res);
	sgp_buf_free(&ack);
	lab_free(&l);
}
END_TEST

static Suite *eim_server_suite(void)
{
	Suite *s = suite_create("eim_server");
	TCase *tc = tcase_create("esipa");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_enable_end_to_end);
	tcase_add_test(tc, test_register_refused);
	tcase_add_test(tc, test_get_refused);
	tcase_add_test(tc, test_provide_refused);
	tcase_add_test(tc, test_bootstrap);
	tcase_add_test(tc, test_trigger_error_notify);
	tcase_add_test(tc, test_registry_persists);
	tcase_add_test(tc, test_json_binding);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(eim_server_suite());
}
