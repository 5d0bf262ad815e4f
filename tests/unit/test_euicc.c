/* sgp32lab: unit tests for the eUICC model's core — dispatch, transactions,
 * persistence — and its first ES10 functions */
#include "euicc_testbed.h"
#include "sim/euicc.h"
#include "sim/euicc_int.h"	/* white-box: store accessors */
#include "core/buf.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "testutil.h"

#include "GetEimConfigurationDataRequest.h"
#include "GetEimConfigurationDataResponse.h"
#include "GetEuiccChallengeResponse.h"
#include "GetEuiccDataResponse.h"

#include <string.h>

static void hex_call(struct testbed *tb, const char *hex, struct sgp_buf *resp, int want_rc)
{
	struct sgp_buf cmd = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_hex_decode(hex, &cmd), SGP_OK);
	ck_assert_int_eq(testbed_es10(tb, cmd.data, cmd.len, resp), want_rc);
	sgp_buf_free(&cmd);
}

START_TEST(test_challenge_is_fresh)
{
	struct testbed tb;
	struct sgp_buf r1 = SGP_BUF_INIT, r2 = SGP_BUF_INIT;
	GetEuiccChallengeResponse_t *rsp = NULL;
	struct der_error err;

	testbed_init(&tb, "nist", false);
	hex_call(&tb, "BF2E00", &r1, SGP_OK);
	hex_call(&tb, "BF2E00", &r2, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_GetEuiccChallengeResponse, r1.data, r1.len,
					(void **)&rsp, &err), SGP_OK);
	ck_assert_uint_eq(rsp->euiccChallenge.size, 16);
	ck_assert(r1.len == r2.len && memcmp(r1.data, r2.data, r1.len) != 0);
	ASN_STRUCT_FREE(asn_DEF_GetEuiccChallengeResponse, rsp);
	sgp_buf_free(&r1);
	sgp_buf_free(&r2);
	testbed_free(&tb);
}
END_TEST

START_TEST(test_get_eid)
{
	struct testbed tb;
	struct sgp_buf r = SGP_BUF_INIT;
	GetEuiccDataResponse_t *rsp = NULL;
	struct der_error err;
	char eid[33];

	testbed_init(&tb, "nist", false);
	hex_call(&tb, "BF3E035C015A", &r, SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_GetEuiccDataResponse, r.data, r.len,
					(void **)&rsp, &err), SGP_OK);
	ck_assert_int_eq(sgp_eid_from_bcd(rsp->eidValue.buf, rsp->eidValue.size, eid), SGP_OK);
	ck_assert_str_eq(eid, tb.eid);
	ASN_STRUCT_FREE(asn_DEF_GetEuiccDataResponse, rsp);
	/* a tagList other than '5A' is not a GetEID */
	hex_call(&tb, "BF3E035C015B", &r, SGP_ERR_PARSE);
	ck_assert_uint_eq(r.len, 0);
	sgp_buf_free(&r);
	testbed_free(&tb);
}
END_TEST

START_TEST(test_malformed_commands)
{
	static const char *const bad[] = {
		"",			/* nothing */
		"BF",			/* a tag cut short */
		"BF2E",			/* no length */
		"BF2E01",		/* length beyond the data */
		"BF2E8100",		/* non-minimal length */
		"BF2E0000",		/* trailing byte */
		"BF7F00",		/* no ES10 function has this tag */
		"BFFFFFFF7F00",		/* an absurd tag */
		"BF3E055C015A0000",	/* GetEID with a wrong inner length */
		"BF550480020000",	/* GetEimConfigurationData, eimId empty (SIZE 1..128) */
	};
	struct testbed tb;
	struct sgp_buf r = SGP_BUF_INIT;

	testbed_init(&tb, "nist", false);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sgp_buf cmd = SGP_BUF_INIT;
		ck_assert_int_eq(sgp_hex_decode(bad[i], &cmd), SGP_OK);
		ck_assert_msg(testbed_es10(&tb, cmd.data, cmd.len, &r) == SGP_ERR_PARSE,
			      "accepted %s", bad[i]);
		ck_assert_uint_eq(r.len, 0);
		sgp_buf_free(&cmd);
	}
	sgp_buf_free(&r);
	testbed_free(&tb);
}
END_TEST

START_TEST(test_eim_configuration_persists)
{
	struct testbed tb;
	struct euicc_eim m = { .eim_id = "eim-lab-1", .counter = 7 };
	GetEimConfigurationDataRequest_t req = { 0 };
	GetEimConfigurationDataResponse_t *rsp = NULL;
	struct euicc_eim *list = NULL;
	size_t n = 0;

	testbed_init(&tb, "brp", true);
	/* an empty list first */
	testbed_call(&tb, &asn_DEF_GetEimConfigurationDataRequest, &req,
		     &asn_DEF_GetEimConfigurationDataResponse, (void **)&rsp);
	ck_assert_int_eq(rsp->eimConfigurationDataList.list.count, 0);
	ASN_STRUCT_FREE(asn_DEF_GetEimConfigurationDataResponse, rsp);

	/* EimConfigurationData { eimId "eim-lab-1", counterValue 7 } */
	ck_assert_int_eq(sgp_hex_decode("300E8009" "65696D2D6C61622D31" "830107", &m.config), SGP_OK);
	ck_assert_int_eq(euicc_eim_put(tb.euicc, &m), SGP_OK);	/* as AddInitialEim would */
	sgp_buf_free(&m.config);

	testbed_restart(&tb);
	ck_assert_int_eq(euicc_eim_list(tb.euicc, &list, &n), SGP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].eim_id, "eim-lab-1");
	ck_assert_int_eq(list[0].counter, 7);
	euicc_eim_release(&list[0]);
	free(list);
	testbed_call(&tb, &asn_DEF_GetEimConfigurationDataRequest, &req,
		     &asn_DEF_GetEimConfigurationDataResponse, (void **)&rsp);
	ck_assert_int_eq(rsp->eimConfigurationDataList.list.count, 1);
	ck_assert_int_eq(rsp->eimConfigurationDataList.list.array[0]->eimId.size, 9);
	ASN_STRUCT_FREE(asn_DEF_GetEimConfigurationDataResponse, rsp);
	testbed_free(&tb);
}
END_TEST

static Suite *euicc_suite(void)
{
	Suite *s = suite_create("euicc");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_challenge_is_fresh);
	tcase_add_test(tc, test_get_eid);
	tcase_add_test(tc, test_malformed_commands);
	tcase_add_test(tc, test_eim_configuration_persists);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(euicc_suite());
}
