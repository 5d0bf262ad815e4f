/* sgp32lab: unit tests for the SGP.32 ES10b functions of the eUICC model —
 * the test plays the eIM with eim/package.c and the lab PKI's eIM key */
#include "euicc_testbed.h"
#include "eim/package.h"
#include "sim/euicc.h"
#include "sim/euicc_int.h"	/* white-box: store accessors */
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "testutil.h"

#include "AddInitialEimRequest.h"
#include "AddInitialEimResponse.h"
#include "EimConfigurationData.h"
#include "EuiccPackageResult.h"
#include "ExecuteFallbackMechanismResponse.h"
#include "GetCertsResponse.h"
#include "IpaEuiccDataResponse.h"
#include "ProfileRollbackResponse.h"
#include "ReturnFromFallbackResponse.h"

#include <stdlib.h>
#include <string.h>

#define EIM_ID "eim.sgp32lab.test"
#define ICCID_A "89440000000000000011"
#define ICCID_B "89440000000000000029"
#define ICCID_C "89440000000000000037"

struct lab {
	struct testbed tb;
	struct sgp_key *eim_key;
	X509 *euicc_cert;
	long token;
	long counter;
};

static void hex_es10(struct lab *l, const char *hex, struct sgp_buf *resp, int want)
{
	struct sgp_buf cmd = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_hex_decode(hex, &cmd), SGP_OK);
	ck_assert_int_eq(testbed_es10(&l->tb, cmd.data, cmd.len, resp), want);
	sgp_buf_free(&cmd);
}

/* AddInitialEim with the configurations (DER each); returns the response. */
static AddInitialEimResponse_t *add_initial(struct lab *l, struct sgp_buf *cfgs, size_t n)
{
	AddInitialEimRequest_t req = { 0 };
	AddInitialEimResponse_t *rsp = NULL;
	struct der_error err;

	for (size_t i = 0; i < n; i++) {
		EimConfigurationData_t *c = NULL;
		ck_assert_int_eq(sgp_der_decode(&asn_DEF_EimConfigurationData, cfgs[i].data, cfgs[i].len,
						(void **)&c, &err), SGP_OK);
		ck_assert_int_eq(ASN_SEQUENCE_ADD(&req.eimConfigurationDataList.list, c), 0);
	}
	testbed_call(&l->tb, &asn_DEF_AddInitialEimRequest, &req, &asn_DEF_AddInitialEimResponse,
		     (void **)&rsp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_AddInitialEimRequest, &req);
	return rsp;
}

static void eim_cfg(struct lab *l, const char *id, bool token, struct sgp_buf *out)
{
	struct eim_config c = { .eim_id = id, .eim_fqdn = id, .has_counter = true, .counter = 0,
				.request_association_token = token, .public_key = l->eim_key };

	ck_assert_int_eq(eim_config_encode(&c, out), SGP_OK);
}

/* A test bed with one eIM (EIM_ID, the lab PKI's eIM key, token asked for)
 * and profiles A (enabled) and B (disabled). */
static void lab_init(struct lab *l, bool persistent)
{
	struct sgp_buf cfg = SGP_BUF_INIT;
	AddInitialEimResponse_t *rsp;

	memset(l, 0, sizeof(*l));
	testbed_init(&l->tb, "nist", persistent);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(l->tb.pki, SGP_PKI_ROLE_EIM), &l->eim_key), SGP_OK);
	ck_assert_int_eq(sgp_pki_euicc_get(l->tb.pki, 0, NULL, &l->euicc_cert, NULL), SGP_OK);
	eim_cfg(l, EIM_ID, true, &cfg);
	rsp = add_initial(l, &cfg, 1);
	ck_assert_int_eq(rsp->present, AddInitialEimResponse_PR_addInitialEimOk);
	ck_assert_int_eq(rsp->choice.addInitialEimOk.list.count, 1);
	ck_assert_int_eq(rsp->choice.addInitialEimOk.list.array[0]->present,
			 AddInitialEimResponse__addInitialEimOk__Member_PR_associationToken);
	l->token = rsp->choice.addInitialEimOk.list.array[0]->choice.associationToken;
	ck_assert_int_gt(l->token, 0);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	sgp_buf_free(&cfg);
	testbed_put_profile(&l->tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1);
	testbed_put_profile(&l->tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 2);
}

static void lab_free(struct lab *l)
{
	sgp_key_free(l->eim_key);
	testbed_free(&l->tb);
}

static void pkg_new(struct lab *l, struct eim_package *p, enum eim_package_kind kind)
{
	ck_assert_int_eq(eim_package_init(p, kind, EIM_ID, l->tb.euicc->eid_bcd, ++l->counter), SGP_OK);
	p->association_token = l->token;
	ck_assert_int_eq(eim_package_set_transaction_id(p, (const uint8_t *)"\x01\x02\x03\x04", 4), SGP_OK);
}

/* Sign p, send it, check the signature of the answer; the DER request
 * stays in req when given. */
static void pkg_send(struct lab *l, struct eim_package *p, struct eim_result *r, struct sgp_buf *req)
{
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;

	ck_assert_int_eq(eim_package_sign(p, l->eim_key, &cmd), SGP_OK);
	ck_assert_int_eq(testbed_es10(&l->tb, cmd.data, cmd.len, &resp), SGP_OK);
	ck_assert_int_eq(eim_result_verify(resp.data, resp.len, l->euicc_cert, l->token, r), SGP_OK);
	if (req)
		sgp_buf_set(req, cmd.data, cmd.len);
	eim_package_free(p);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
}

static const EuiccResultData_t *result_at(const struct eim_result *r, int i)
{
	const EuiccPackageResultDataSigned_t *d =
		&r->value->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
	ck_assert_int_eq(r->kind, EIM_RESULT_SIGNED);
	ck_assert_int_gt(d->euiccResult.list.count, i);
	return d->euiccResult.list.array[i];
}

static size_t count_notifications(struct lab *l)
{
	struct euicc_notification *v = NULL;
	size_t n = 0;

	ck_assert_int_eq(euicc_notification_list(l->tb.euicc, &v, &n), SGP_OK);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&v[i]);
	free(v);
	return n;
}

static int64_t eim_counter(struct lab *l, const char *id)
{
	struct euicc_eim m;
	int64_t c;

	ck_assert_int_eq(euicc_eim_get(l->tb.euicc, id, &m), SGP_OK);
	c = m.counter;
	euicc_eim_release(&m);
	return c;
}

static void iccid(const char *text, uint8_t out[10])
{
	ck_assert_int_eq(sgp_iccid_to_bcd(text, out), SGP_OK);
}

/* The done-when: a signed enable PSMO works; the same package
 * replayed is refused with replayError. */
START_TEST(test_enable_then_replay)
{
	struct lab l;
	struct eim_package p;
	struct eim_result r;
	struct sgp_buf req = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	uint8_t b[10];
	size_t n;

	lab_init(&l, false);
	iccid(ICCID_B, b);
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	pkg_send(&l, &p, &r, &req);
	ck_assert_str_eq(r.eim_id, EIM_ID);
	ck_assert_int_eq(r.counter, 1);
	ck_assert_int_eq(result_at(&r, 0)->present, EuiccResultData_PR_enableResult);
	ck_assert_int_eq(result_at(&r, 0)->choice.enableResult, 0);
	eim_result_free(&r);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(eim_counter(&l, EIM_ID), 1);
	n = count_notifications(&l);
	ck_assert_uint_eq(n, 1);	/* the kept package result */

	/* the same bytes again */
	ck_assert_int_eq(testbed_es10(&l.tb, req.data, req.len, &resp), SGP_OK);
	ck_assert_int_eq(eim_result_verify(resp.data, resp.len, l.euicc_cert, l.token, &r), SGP_OK);
	ck_assert_int_eq(r.kind, EIM_RESULT_ERROR_SIGNED);
	ck_assert_int_eq(r.error_code, 4);	/* replayError */
	eim_result_free(&r);
	ck_assert_int_eq(eim_counter(&l, EIM_ID), 1);
	ck_assert_uint_eq(count_notifications(&l), n);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	sgp_buf_free(&req);
	sgp_buf_free(&resp);
	lab_free(&l);
}
END_TEST

/* Send cmd and expect a refusal of kind with code; nothing changes. */
static void expect_refusal(struct lab *l, const struct sgp_buf *cmd, enum eim_result_kind kind, long code)
{
	struct sgp_buf resp = SGP_BUF_INIT;
	struct eim_result r;
	size_t n = count_notifications(l);
	int64_t c = eim_counter(l, EIM_ID);

	ck_assert_int_eq(testbed_es10(&l->tb, cmd->data, cmd->len, &resp), SGP_OK);
	ck_assert_int_eq(eim_result_verify(resp.data, resp.len, l->euicc_cert, l->token, &r), SGP_OK);
	ck_assert_int_eq(r.kind, kind);
	if (kind == EIM_RESULT_ERROR_SIGNED)
		ck_assert_int_eq(r.error_code, code);
	if (kind == EIM_RESULT_ERROR_UNSIGNED) {
		const EuiccPackageErrorUnsigned_t *u = &r.value->choice.euiccPackageErrorUnsigned;
		ck_assert_ptr_nonnull(u->eimTransactionId);
		ck_assert_int_eq(u->eimTransactionId->size, 4);
	}
	eim_result_free(&r);
	ck_assert_uint_eq(count_notifications(l), n);
	ck_assert_int_eq(eim_counter(l, EIM_ID), c);
	ck_assert_int_eq(testbed_profile_state(&l->tb, ICCID_A), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(testbed_profile_state(&l->tb, ICCID_B), EUICC_PROFILE_DISABLED);
	sgp_buf_free(&resp);
}

START_TEST(test_refused_packages)
{
	struct lab l;
	struct eim_package p;
	struct sgp_buf cmd = SGP_BUF_INIT;
	uint8_t b[10], other_eid[16];
	struct sgp_key *wrong = NULL;

	lab_init(&l, false);
	iccid(ICCID_B, b);

	/* bad signature: one bit of eimSignature flipped */
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, l.eim_key, &cmd), SGP_OK);
	cmd.data[cmd.len - 1] ^= 0x01;
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_UNSIGNED, 0);
	eim_package_free(&p);

	/* signed with another key */
	ck_assert_int_eq(sgp_key_generate(SGP_CURVE_NIST_P256, &wrong), SGP_OK);
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, wrong, &cmd), SGP_OK);
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_UNSIGNED, 0);
	eim_package_free(&p);
	sgp_key_free(wrong);

	/* signed without the association token: the signature does not cover it */
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	p.association_token = 0;
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, l.eim_key, &cmd), SGP_OK);
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_UNSIGNED, 0);
	eim_package_free(&p);

	/* unknown eimId */
	ck_assert_int_eq(eim_package_init(&p, EIM_PACKAGE_PSMO, "nobody", l.tb.euicc->eid_bcd, 99), SGP_OK);
	ck_assert_int_eq(eim_package_set_transaction_id(&p, (const uint8_t *)"abcd", 4), SGP_OK);
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, l.eim_key, &cmd), SGP_OK);
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_UNSIGNED, 0);
	eim_package_free(&p);

	/* another EID */
	memcpy(other_eid, l.tb.euicc->eid_bcd, 16);
	other_eid[15] ^= 0x11;
	ck_assert_int_eq(eim_package_init(&p, EIM_PACKAGE_PSMO, EIM_ID, other_eid, 50), SGP_OK);
	p.association_token = l.token;
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, l.eim_key, &cmd), SGP_OK);
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_SIGNED, 3);
	eim_package_free(&p);

	/* counter beyond 2^23 - 1 */
	ck_assert_int_eq(eim_package_init(&p, EIM_PACKAGE_PSMO, EIM_ID, l.tb.euicc->eid_bcd,
					  EIM_COUNTER_MAX + 1), SGP_OK);
	p.association_token = l.token;
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, l.eim_key, &cmd), SGP_OK);
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_SIGNED, 6);
	eim_package_free(&p);

	/* counter 0: not above the stored 0 */
	ck_assert_int_eq(eim_package_init(&p, EIM_PACKAGE_PSMO, EIM_ID, l.tb.euicc->eid_bcd, 0), SGP_OK);
	p.association_token = l.token;
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_package_sign(&p, l.eim_key, &cmd), SGP_OK);
	expect_refusal(&l, &cmd, EIM_RESULT_ERROR_SIGNED, 4);
	eim_package_free(&p);

	sgp_buf_free(&cmd);
	lab_free(&l);
}
END_TEST

START_TEST(test_malformed_packages)
{
	static const char *const bad[] = {
		"BF5100",					/* empty */
		"BF510330010000",				/* wrong inner length */
		"BF5106300480000000",				/* eimId empty, rest missing */
		"BF5703A00100",					/* AddInitialEim: list truncated */
		"BF5203",					/* IpaEuiccDataRequest cut */
	};
	struct lab l;
	struct sgp_buf r = SGP_BUF_INIT;

	lab_init(&l, false);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		hex_es10(&l, bad[i], &r, SGP_ERR_PARSE);
	ck_assert_int_eq(eim_counter(&l, EIM_ID), 0);
	sgp_buf_free(&r);
	lab_free(&l);
}
END_TEST

START_TEST(test_psmos)
{
	struct lab l;
	struct eim_package p;
	struct eim_result r;
	struct euicc_card card;
	uint8_t a[10], b[10], c[10], x[10];
	const EuiccResultData_t *d;

	lab_init(&l, false);
	iccid(ICCID_A, a);
	iccid(ICCID_B, b);
	iccid(ICCID_C, c);
	iccid("89440000000000000045", x);
	testbed_put_profile(&l.tb, ICCID_C, EUICC_PROFILE_DISABLED, EUICC_CLASS_TEST, 3);

	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_enable(&p, x, false), SGP_OK);	/* 0: not found */
	ck_assert_int_eq(eim_psmo_disable(&p, b), SGP_OK);		/* 1: not enabled */
	ck_assert_int_eq(eim_psmo_delete(&p, a), SGP_OK);		/* 2: enabled */
	ck_assert_int_eq(eim_psmo_delete(&p, c), SGP_OK);		/* 3: ok */
	ck_assert_int_eq(eim_psmo_set_fallback_attribute(&p, b), SGP_OK);	/* 4: ok */
	ck_assert_int_eq(eim_psmo_set_fallback_attribute(&p, x), SGP_OK);	/* 5: not found */
	ck_assert_int_eq(eim_psmo_configure_immediate_enable(&p, true, "dp.example"), SGP_OK); /* 6 */
	ck_assert_int_eq(eim_psmo_set_default_dp_address(&p, "smdp2.example"), SGP_OK);	/* 7 */
	ck_assert_int_eq(eim_psmo_get_rat(&p), SGP_OK);				/* 8 */
	ck_assert_int_eq(eim_psmo_list_profile_info(&p), SGP_OK);		/* 9 */
	ck_assert_int_eq(eim_psmo_disable(&p, a), SGP_OK);			/* 10: ok */
	pkg_send(&l, &p, &r, NULL);
	ck_assert_int_eq(result_at(&r, 0)->choice.enableResult, 1);
	ck_assert_int_eq(result_at(&r, 1)->choice.disableResult, 2);
	ck_assert_int_eq(result_at(&r, 2)->choice.deleteResult, 2);
	ck_assert_int_eq(result_at(&r, 3)->choice.deleteResult, 0);
	ck_assert_int_eq(result_at(&r, 4)->choice.setFallbackAttributeResult, 0);
	ck_assert_int_eq(result_at(&r, 5)->choice.setFallbackAttributeResult, 1);
	ck_assert_int_eq(result_at(&r, 6)->choice.configureImmediateEnableResult, 0);
	ck_assert_int_eq(result_at(&r, 7)->choice.setDefaultDpAddressResult.setDefaultDpAddressResult, 0);
	ck_assert_int_eq(result_at(&r, 8)->present, EuiccResultData_PR_getRATResult);
	d = result_at(&r, 9);
	ck_assert_int_eq(d->present, EuiccResultData_PR_listProfileInfoResult);
	ck_assert_int_eq(d->choice.listProfileInfoResult.choice.profileInfoListOk.list.count, 2);
	ck_assert_ptr_nonnull(d->choice.listProfileInfoResult.choice.profileInfoListOk.list.array[1]->fallbackAttribute);
	ck_assert_int_eq(result_at(&r, 10)->choice.disableResult, 0);
	eim_result_free(&r);
	ck_assert_int_eq(euicc_card_get(l.tb.euicc, &card), SGP_OK);
	ck_assert(card.immediate_enable);
	ck_assert_str_eq(card.immediate_smdp, "dp.example");
	ck_assert_str_eq(card.default_smdp, "smdp2.example");
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_A), EUICC_PROFILE_DISABLED);

	/* the fallback profile enabled: its attribute stays */
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_enable(&p, b, false), SGP_OK);
	ck_assert_int_eq(eim_psmo_set_fallback_attribute(&p, a), SGP_OK);
	ck_assert_int_eq(eim_psmo_unset_fallback_attribute(&p), SGP_OK);
	ck_assert_int_eq(eim_psmo_disable(&p, b), SGP_OK);
	ck_assert_int_eq(eim_psmo_set_fallback_attribute(&p, a), SGP_OK);	/* moves */
	ck_assert_int_eq(eim_psmo_unset_fallback_attribute(&p), SGP_OK);
	ck_assert_int_eq(eim_psmo_unset_fallback_attribute(&p), SGP_OK);
	pkg_send(&l, &p, &r, NULL);
	ck_assert_int_eq(result_at(&r, 0)->choice.enableResult, 0);
	ck_assert_int_eq(result_at(&r, 1)->choice.setFallbackAttributeResult, 3);
	ck_assert_int_eq(result_at(&r, 2)->choice.unsetFallbackAttributeResult, 3);
	ck_assert_int_eq(result_at(&r, 3)->choice.disableResult, 0);
	ck_assert_int_eq(result_at(&r, 4)->choice.setFallbackAttributeResult, 0);
	ck_assert_int_eq(result_at(&r, 5)->choice.unsetFallbackAttributeResult, 0);
	ck_assert_int_eq(result_at(&r, 6)->choice.unsetFallbackAttributeResult, 2);
	eim_result_free(&r);
	lab_free(&l);
}
END_TEST

static long add_eim_code(const struct eim_result *r, int i)
{
	const EuiccResultData_t *d = result_at(r, i);

	ck_assert_int_eq(d->present, EuiccResultData_PR_addEimResult);
	return d->choice.addEimResult.present == AddEimResult_PR_associationToken
		       ? -1000 : d->choice.addEimResult.choice.addEimResultCode;
}

START_TEST(test_ecos)
{
	struct lab l;
	struct eim_package p;
	struct eim_result r;
	struct sgp_buf cfg2 = SGP_BUF_INIT, cfg3 = SGP_BUF_INIT, nokey = SGP_BUF_INIT, upd = SGP_BUF_INIT,
		       badci = SGP_BUF_INIT;
	struct eim_config c = { .eim_id = "eim3", .has_counter = true, .counter = 5 };
	const EuiccResultData_t *d;

	lab_init(&l, false);
	eim_cfg(&l, "eim2", false, &cfg2);
	eim_cfg(&l, "eim3", true, &cfg3);
	ck_assert_int_eq(eim_config_encode(&c, &nokey), SGP_OK);
	c.public_key = l.eim_key;
	c.euicc_ci_pkid = (const uint8_t *)"\x01\x02\x03";
	c.euicc_ci_pkid_len = 3;
	ck_assert_int_eq(eim_config_encode(&c, &badci), SGP_OK);
	c = (struct eim_config){ .eim_id = "eim2", .has_counter = true, .counter = 100 };
	ck_assert_int_eq(eim_config_encode(&c, &upd), SGP_OK);

	pkg_new(&l, &p, EIM_PACKAGE_ECO);
	ck_assert_int_eq(eim_eco_add_eim(&p, cfg2.data, cfg2.len), SGP_OK);	/* 0 ok */
	ck_assert_int_eq(eim_eco_add_eim(&p, cfg2.data, cfg2.len), SGP_OK);	/* 1 exists */
	ck_assert_int_eq(eim_eco_add_eim(&p, nokey.data, nokey.len), SGP_OK);	/* 2 no key */
	ck_assert_int_eq(eim_eco_add_eim(&p, badci.data, badci.len), SGP_OK);	/* 3 CI unknown */
	ck_assert_int_eq(eim_eco_add_eim(&p, cfg3.data, cfg3.len), SGP_OK);	/* 4 token */
	ck_assert_int_eq(eim_eco_list_eim(&p), SGP_OK);				/* 5 */
	ck_assert_int_eq(eim_eco_update_eim(&p, upd.data, upd.len), SGP_OK);	/* 6 ok */
	ck_assert_int_eq(eim_eco_delete_eim(&p, "eim3"), SGP_OK);		/* 7 ok */
	ck_assert_int_eq(eim_eco_delete_eim(&p, "eim3"), SGP_OK);		/* 8 not found */
	pkg_send(&l, &p, &r, NULL);
	ck_assert_int_eq(add_eim_code(&r, 0), 0);
	ck_assert_int_eq(add_eim_code(&r, 1), 2);
	ck_assert_int_eq(add_eim_code(&r, 2), 7);
	ck_assert_int_eq(add_eim_code(&r, 3), 3);
	ck_assert_int_eq(add_eim_code(&r, 4), -1000);
	ck_assert_int_gt(result_at(&r, 4)->choice.addEimResult.choice.associationToken, l.token);
	d = result_at(&r, 5);
	ck_assert_int_eq(d->choice.listEimResult.choice.eimIdList.list.count, 3);
	ck_assert_int_eq(result_at(&r, 6)->choice.updateEimResult, 0);
	ck_assert_int_eq(result_at(&r, 7)->choice.deleteEimResult, 0);
	ck_assert_int_eq(result_at(&r, 8)->choice.deleteEimResult, 1);
	eim_result_free(&r);
	ck_assert_int_eq(eim_counter(&l, "eim2"), 100);

	/* the eIM deletes eim2, then itself: the last one */
	pkg_new(&l, &p, EIM_PACKAGE_ECO);
	ck_assert_int_eq(eim_eco_delete_eim(&p, "eim2"), SGP_OK);
	ck_assert_int_eq(eim_eco_delete_eim(&p, EIM_ID), SGP_OK);
	pkg_send(&l, &p, &r, NULL);
	ck_assert_int_eq(result_at(&r, 0)->choice.deleteEimResult, 0);
	ck_assert_int_eq(result_at(&r, 1)->choice.deleteEimResult, 2);	/* lastEimDeleted */
	eim_result_free(&r);
	{
		struct euicc_eim *v = NULL;
		size_t n = 9;
		ck_assert_int_eq(euicc_eim_list(l.tb.euicc, &v, &n), SGP_OK);
		ck_assert_uint_eq(n, 0);
		free(v);
	}
	sgp_buf_free(&cfg2);
	sgp_buf_free(&cfg3);
	sgp_buf_free(&nokey);
	sgp_buf_free(&badci);
	sgp_buf_free(&upd);
	lab_free(&l);
}
END_TEST

START_TEST(test_add_initial_eim_rules)
{
	struct lab l;
	struct sgp_buf cfg[10];
	AddInitialEimResponse_t *rsp;
	struct eim_config c = { .eim_id = "x", .has_counter = true, .counter = EIM_COUNTER_MAX + 1 };

	memset(cfg, 0, sizeof(cfg));
	lab_init(&l, false);
	/* an eIM exists already */
	eim_cfg(&l, "second", false, &cfg[0]);
	rsp = add_initial(&l, cfg, 1);
	ck_assert_int_eq(rsp->present, AddInitialEimResponse_PR_addInitialEimError);
	ck_assert_int_eq(rsp->choice.addInitialEimError, 2);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	testbed_free(&l.tb);

	/* on a fresh card: counter out of range, no key, duplicates, too many */
	testbed_init(&l.tb, "nist", false);
	c.public_key = l.eim_key;
	ck_assert_int_eq(eim_config_encode(&c, &cfg[1]), SGP_OK);
	rsp = add_initial(&l, &cfg[1], 1);
	ck_assert_int_eq(rsp->choice.addInitialEimError, 6);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	c = (struct eim_config){ .eim_id = "x" };
	ck_assert_int_eq(eim_config_encode(&c, &cfg[1]), SGP_OK);
	rsp = add_initial(&l, &cfg[1], 1);
	ck_assert_int_eq(rsp->choice.addInitialEimError, 7);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	eim_cfg(&l, "second", false, &cfg[1]);
	rsp = add_initial(&l, cfg, 2);
	ck_assert_int_eq(rsp->choice.addInitialEimError, 2);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	for (int i = 0; i < 10; i++) {
		char id[16];
		snprintf(id, sizeof(id), "eim%d", i);
		eim_cfg(&l, id, false, &cfg[i]);
	}
	rsp = add_initial(&l, cfg, 10);
	ck_assert_int_eq(rsp->choice.addInitialEimError, 1);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	{
		struct euicc_eim *v = NULL;
		size_t n = 9;
		ck_assert_int_eq(euicc_eim_list(l.tb.euicc, &v, &n), SGP_OK);
		ck_assert_uint_eq(n, 0);	/* every refusal left nothing */
		free(v);
	}
	/* two at once, no token: addOk each */
	rsp = add_initial(&l, cfg, 2);
	ck_assert_int_eq(rsp->present, AddInitialEimResponse_PR_addInitialEimOk);
	ck_assert_int_eq(rsp->choice.addInitialEimOk.list.count, 2);
	ck_assert_int_eq(rsp->choice.addInitialEimOk.list.array[1]->present,
			 AddInitialEimResponse__addInitialEimOk__Member_PR_addOk);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	for (int i = 0; i < 10; i++)
		sgp_buf_free(&cfg[i]);
	lab_free(&l);
}
END_TEST

/* Results are kept, listed through IpaEuiccDataRequest ('A2'), survive a
 * restart, and verify with the eUICC certificate. */
START_TEST(test_results_kept)
{
	struct lab l;
	struct eim_package p;
	struct eim_result r;
	struct sgp_buf resp = SGP_BUF_INIT;
	IpaEuiccDataResponse_t *d = NULL;
	struct der_error err;
	long seq1, seq2;

	lab_init(&l, true);
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_get_rat(&p), SGP_OK);
	pkg_send(&l, &p, &r, NULL);
	seq1 = r.seq_number;
	eim_result_free(&r);
	pkg_new(&l, &p, EIM_PACKAGE_ECO);
	ck_assert_int_eq(eim_eco_list_eim(&p), SGP_OK);
	pkg_send(&l, &p, &r, NULL);
	seq2 = r.seq_number;
	eim_result_free(&r);
	ck_assert_int_gt(seq2, seq1);

	testbed_restart(&l.tb);
	/* tagList A2 81 A5 A6 84, eimTransactionId 0102 */
	hex_es10(&l, "BF520B5C05A281A5A68483020102", &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_IpaEuiccDataResponse, resp.data, resp.len, (void **)&d,
					&err), SGP_OK);
	ck_assert_int_eq(d->present, IpaEuiccDataResponse_PR_ipaEuiccData);
	ck_assert_ptr_nonnull(d->choice.ipaEuiccData.euiccPackageResultList);
	ck_assert_int_eq(d->choice.ipaEuiccData.euiccPackageResultList->list.count, 2);
	ck_assert_ptr_nonnull(d->choice.ipaEuiccData.eumCertificate);
	ck_assert_ptr_nonnull(d->choice.ipaEuiccData.euiccCertificate);
	ck_assert_ptr_nonnull(d->choice.ipaEuiccData.associationToken);
	ck_assert_int_eq(*d->choice.ipaEuiccData.associationToken, l.token);
	ck_assert_ptr_nonnull(d->choice.ipaEuiccData.eimTransactionId);
	ASN_STRUCT_FREE(asn_DEF_IpaEuiccDataResponse, d);
	d = NULL;
	{	/* each stored result verifies */
		struct euicc_notification *v = NULL;
		size_t n = 0;
		ck_assert_int_eq(euicc_notification_list(l.tb.euicc, &v, &n), SGP_OK);
		ck_assert_uint_eq(n, 2);
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_eq(v[i].kind, EUICC_NOTIF_PACKAGE_RESULT);
			ck_assert_str_eq(v[i].address, EIM_ID);
			ck_assert_int_eq(eim_result_verify(v[i].data.data, v[i].data.len, l.euicc_cert,
							   l.token, &r), SGP_OK);
			eim_result_free(&r);
			euicc_notification_release(&v[i]);
		}
		free(v);
	}
	/* one by seqNumber: searchCriteriaEuiccPackageResult [2] { [0] seq } */
	{
		char hex[64];
		ck_assert_int_lt(seq2, 128);
		snprintf(hex, sizeof(hex), "BF52085C01A2A2038001%02lX", seq2);
		hex_es10(&l, hex, &resp, SGP_OK);
	}
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_IpaEuiccDataResponse, resp.data, resp.len, (void **)&d,
					&err), SGP_OK);
	ck_assert_int_eq(d->choice.ipaEuiccData.euiccPackageResultList->list.count, 1);
	ASN_STRUCT_FREE(asn_DEF_IpaEuiccDataResponse, d);
	d = NULL;
	/* an unknown tag */
	hex_es10(&l, "BF52035C0199", &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_IpaEuiccDataResponse, resp.data, resp.len, (void **)&d,
					&err), SGP_OK);
	ck_assert_int_eq(d->present, IpaEuiccDataResponse_PR_ipaEuiccDataResponseError);
	ck_assert_int_eq(d->choice.ipaEuiccDataResponseError.ipaEuiccDataErrorCode, 1);
	ASN_STRUCT_FREE(asn_DEF_IpaEuiccDataResponse, d);
	/* the counter survived the restart too */
	ck_assert_int_eq(eim_counter(&l, EIM_ID), 2);
	sgp_buf_free(&resp);
	lab_free(&l);
}
END_TEST

START_TEST(test_get_certs)
{
	struct lab l;
	struct sgp_buf resp = SGP_BUF_INIT, aki = SGP_BUF_INIT;
	char *hexs;
	GetCertsResponse_t *g = NULL;
	struct der_error err;
	char cmd[128];

	lab_init(&l, false);
	hex_es10(&l, "BF5600", &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_GetCertsResponse, resp.data, resp.len, (void **)&g, &err),
			 SGP_OK);
	ck_assert_int_eq(g->present, GetCertsResponse_PR_certs);
	ASN_STRUCT_FREE(asn_DEF_GetCertsResponse, g);
	g = NULL;
	ck_assert_int_eq(sgp_pki_cert_aki(l.tb.euicc->eum, &aki), SGP_OK);
	hexs = sgp_hex_encode(aki.data, aki.len, true);
	ck_assert_ptr_nonnull(hexs);
	snprintf(cmd, sizeof(cmd), "BF56%02zX80%02zX%s", aki.len + 2, aki.len, hexs);
	hex_es10(&l, cmd, &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_GetCertsResponse, resp.data, resp.len, (void **)&g, &err),
			 SGP_OK);
	ck_assert_int_eq(g->present, GetCertsResponse_PR_certs);
	ASN_STRUCT_FREE(asn_DEF_GetCertsResponse, g);
	g = NULL;
	hex_es10(&l, "BF56058003010203", &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_GetCertsResponse, resp.data, resp.len, (void **)&g, &err),
			 SGP_OK);
	ck_assert_int_eq(g->present, GetCertsResponse_PR_getCertsError);
	ck_assert_int_eq(g->choice.getCertsError, 1);
	ASN_STRUCT_FREE(asn_DEF_GetCertsResponse, g);
	sgp_buf_free(&resp);
	sgp_buf_free(&aki);
	free(hexs);
	lab_free(&l);
}
END_TEST

/* Fallback: set the attribute by PSMO, execute, return; rollback after an
 * enable with rollbackFlag. */
START_TEST(test_fallback_and_rollback)
{
	struct lab l;
	struct eim_package p;
	struct eim_result r;
	struct sgp_buf resp = SGP_BUF_INIT;
	struct euicc_card card;
	ProfileRollbackResponse_t *rb = NULL;
	struct der_error err;
	uint8_t a[10], b[10];

	lab_init(&l, true);
	iccid(ICCID_A, a);
	iccid(ICCID_B, b);
	hex_es10(&l, "BF5D038001FF", &resp, SGP_OK);	/* no fallback profile yet */
	ck_assert_uint_eq(resp.len, 6);
	ck_assert_int_eq(resp.data[5], 6);		/* fallbackNotAvailable */
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_set_fallback_attribute(&p, b), SGP_OK);
	pkg_send(&l, &p, &r, NULL);
	eim_result_free(&r);
	hex_es10(&l, "BF5D038001FF", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[5], 0);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(euicc_card_get(l.tb.euicc, &card), SGP_OK);
	ck_assert(card.has_fallback && !memcmp(card.fallback_iccid, a, 10));
	testbed_restart(&l.tb);
	hex_es10(&l, "BF5E038001FF", &resp, SGP_OK);	/* ReturnFromFallback */
	ck_assert_int_eq(resp.data[5], 0);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	hex_es10(&l, "BF5E038001FF", &resp, SGP_OK);	/* not in fallback */
	ck_assert_int_eq(resp.data[5], 7);

	/* rollback: none allowed yet, then enable B with rollbackFlag */
	hex_es10(&l, "BF58038001FF", &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_ProfileRollbackResponse, resp.data, resp.len,
					(void **)&rb, &err), SGP_OK);
	ck_assert_int_eq(rb->cmdResult, 1);
	ASN_STRUCT_FREE(asn_DEF_ProfileRollbackResponse, rb);
	rb = NULL;
	pkg_new(&l, &p, EIM_PACKAGE_PSMO);
	ck_assert_int_eq(eim_psmo_unset_fallback_attribute(&p), SGP_OK);
	ck_assert_int_eq(eim_psmo_enable(&p, b, true), SGP_OK);
	pkg_send(&l, &p, &r, NULL);
	ck_assert_int_eq(result_at(&r, 1)->choice.enableResult, 0);
	eim_result_free(&r);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_B), EUICC_PROFILE_ENABLED);
	hex_es10(&l, "BF58038001FF", &resp, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_ProfileRollbackResponse, resp.data, resp.len,
					(void **)&rb, &err), SGP_OK);
	ck_assert_int_eq(rb->cmdResult, 0);
	ck_assert_ptr_nonnull(rb->eUICCPackageResult);
	{
		struct sgp_buf der = SGP_BUF_INIT;
		const EuiccPackageResultDataSigned_t *d;
		ck_assert_int_eq(sgp_der_encode(&asn_DEF_EuiccPackageResult, rb->eUICCPackageResult, &der,
						&err), SGP_OK);
		ck_assert_int_eq(eim_result_verify(der.data, der.len, l.euicc_cert, l.token, &r), SGP_OK);
		d = &r.value->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
		ck_assert_int_eq(d->euiccResult.list.count, 3);
		ck_assert_int_eq(d->euiccResult.list.array[2]->present, EuiccResultData_PR_rollbackResult);
		eim_result_free(&r);
		sgp_buf_free(&der);
	}
	ASN_STRUCT_FREE(asn_DEF_ProfileRollbackResponse, rb);
	ck_assert_int_eq(testbed_profile_state(&l.tb, ICCID_A), EUICC_PROFILE_ENABLED);
	hex_es10(&l, "BF58038001FF", &resp, SGP_OK);	/* used up */
	ck_assert_int_eq(resp.data[5], 1);
	sgp_buf_free(&resp);
	lab_free(&l);
}
END_TEST

START_TEST(test_small_functions)
{
	struct lab l;
	struct sgp_buf resp = SGP_BUF_INIT;
	struct euicc_card card;

	lab_init(&l, false);
	/* ConfigureImmediateProfileEnabling: an eIM is associated */
	hex_es10(&l, "BF59028000", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[resp.len - 1], 2);
	/* ImmediateEnable: not configured */
	hex_es10(&l, "BF5A038001FF", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[resp.len - 1], 1);
	/* SetDefaultDpAddress */
	hex_es10(&l, "BF65058003612E62", &resp, SGP_OK);
	ck_assert_int_eq(euicc_card_get(l.tb.euicc, &card), SGP_OK);
	ck_assert_str_eq(card.default_smdp, "a.b");
	/* GetConnectivityParameters */
	hex_es10(&l, "BF5F00", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[resp.len - 1], 1);
	/* emergency: none */
	hex_es10(&l, "BF5B038001FF", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[resp.len - 1], 8);
	hex_es10(&l, "BF5C038001FF", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[resp.len - 1], 2);
	/* memory reset: operational profiles and eIM configuration */
	hex_es10(&l, "BF640482020284", &resp, SGP_OK);
	ck_assert_int_eq(euicc_profile_find(l.tb.euicc, ICCID_A, &(struct euicc_profile){ 0 }),
			 SGP_ERR_NOTFOUND);
	{
		struct euicc_eim *v = NULL;
		size_t n = 9;
		ck_assert_int_eq(euicc_eim_list(l.tb.euicc, &v, &n), SGP_OK);
		ck_assert_uint_eq(n, 0);
		free(v);
	}
	hex_es10(&l, "BF640482020284", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[5], 1);	/* nothingToDelete */
	/* now the IPA may configure immediate enabling */
	hex_es10(&l, "BF59028000", &resp, SGP_OK);
	ck_assert_int_eq(resp.data[resp.len - 1], 0);
	sgp_buf_free(&resp);
	lab_free(&l);
}
END_TEST

static Suite *sgp32_suite(void)
{
	Suite *s = suite_create("es10_sgp32");
	TCase *tc = tcase_create("sgp32");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_enable_then_replay);
	tcase_add_test(tc, test_refused_packages);
	tcase_add_test(tc, test_malformed_packages);
	tcase_add_test(tc, test_psmos);
	tcase_add_test(tc, test_ecos);
	tcase_add_test(tc, test_add_initial_eim_rules);
	tcase_add_test(tc, test_results_kept);
	tcase_add_test(tc, test_get_certs);
	tcase_add_test(tc, test_fallback_and_rollback);
	tcase_add_test(tc, test_small_functions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(sgp32_suite());
}
