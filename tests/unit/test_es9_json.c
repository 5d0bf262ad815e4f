/* sgp32lab: tests of the ES9+ / ES11 JSON binding (core/es9) */
#include "core/buf.h"
#include "core/err.h"
#include "core/es9/es9.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static void fill(struct sgp_buf *b, size_t n, uint8_t seed)
{
	sgp_buf_reset(b);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(sgp_buf_append_byte(b, (uint8_t)(seed + i * 7)), 0);
}

static void assert_buf_eq(const struct sgp_buf *a, const struct sgp_buf *b)
{
	ck_assert_uint_eq(a->len, b->len);
	ck_assert(a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* decode text with desc into a fresh struct; returns rc, err filled */
static int dec(const struct json_msg_desc *d, const char *text, void *out,
	       struct json_msg_error *err)
{
	memset(out, 0, d->size);
	return json_msg_decode(d, text, strlen(text), 0, ES9_JSON_FLAGS, out, err);
}

START_TEST(test_initiate_authentication_roundtrip)
{
	struct es9_initiate_authentication_req a = { 0 }, b;
	struct es9_initiate_authentication_resp r = { 0 }, s;
	struct json_msg_error err;
	char *text;
	size_t len;

	fill(&a.euicc_challenge, 16, 1);
	fill(&a.euicc_info1, 40, 9);
	a.smdp_address = strdup("smdp.example.com");
	ck_assert_int_eq(json_msg_encode(&es9_initiate_authentication_req_desc, &a, &text, &len), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"smdpAddress\":\"smdp.example.com\""));
	ck_assert_ptr_null(strstr(text, "header"));	/* no header: LPA requests */
	ck_assert_int_eq(dec(&es9_initiate_authentication_req_desc, text, &b, &err), 0);
	assert_buf_eq(&a.euicc_challenge, &b.euicc_challenge);
	assert_buf_eq(&a.euicc_info1, &b.euicc_info1);
	ck_assert_str_eq(b.smdp_address, "smdp.example.com");
	free(text);
	json_msg_free(&es9_initiate_authentication_req_desc, &a);
	json_msg_free(&es9_initiate_authentication_req_desc, &b);
	ck_assert_ptr_null(a.smdp_address);

	fill(&r.transaction_id, 16, 0xA0);
	fill(&r.server_signed1, 80, 3);
	fill(&r.server_signature1, 67, 4);
	fill(&r.euicc_ci_pkid_to_be_used, 22, 5);
	fill(&r.server_certificate, 500, 6);
	ck_assert_int_eq(json_msg_encode(&es9_initiate_authentication_resp_desc, &r, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text,
		"{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"));
	/* transactionId travels as upper-case hex */
	ck_assert_ptr_nonnull(strstr(text, "\"transactionId\":\"A0A7AEB5"));
	ck_assert_int_eq(dec(&es9_initiate_authentication_resp_desc, text, &s, &err), 0);
	ck_assert_int_eq(s.header.status, ES_EXECUTED_SUCCESS);
	assert_buf_eq(&r.transaction_id, &s.transaction_id);
	assert_buf_eq(&r.server_signed1, &s.server_signed1);
	assert_buf_eq(&r.server_signature1, &s.server_signature1);
	assert_buf_eq(&r.euicc_ci_pkid_to_be_used, &s.euicc_ci_pkid_to_be_used);
	assert_buf_eq(&r.server_certificate, &s.server_certificate);
	free(text);
	json_msg_free(&es9_initiate_authentication_resp_desc, &s);

	/* a Failed answer carries only its header, and decodes without the
	 * success-only members */
	ck_assert_int_eq(es_resp_header_set_failed(&r.header, "8.8.1", "3.8", "Invalid SM-DP+ Address"), 0);
	ck_assert_int_eq(json_msg_encode(&es9_initiate_authentication_resp_desc, &r, &text, NULL), 0);
	ck_assert_str_eq(text, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
			 "\"statusCodeData\":{\"subjectCode\":\"8.8.1\",\"reasonCode\":\"3.8\","
			 "\"message\":\"Invalid SM-DP+ Address\"}}}}");
	ck_assert_int_eq(dec(&es9_initiate_authentication_resp_desc, text, &s, &err), 0);
	ck_assert_int_eq(s.header.status, ES_FAILED);
	ck_assert(s.header.has_status_code_data);
	ck_assert_str_eq(s.header.scd.subject_code, "8.8.1");
	ck_assert_str_eq(s.header.scd.reason_code, "3.8");
	ck_assert_uint_eq(s.transaction_id.len, 0);
	free(text);
	json_msg_free(&es9_initiate_authentication_resp_desc, &s);
	json_msg_free(&es9_initiate_authentication_resp_desc, &r);
}
END_TEST

START_TEST(test_other_messages_roundtrip)
{
	struct es9_authenticate_client_req acq = { 0 }, acq2;
	struct es9_authenticate_client_resp acr = { 0 }, acr2;
	struct es9_get_bound_profile_package_req gq = { 0 }, gq2;
	struct es9_get_bound_profile_package_resp gr = { 0 }, gr2;
	struct es9_handle_notification_req hn = { 0 }, hn2;
	struct es9_cancel_session_req cs = { 0 }, cs2;
	struct es9_status_resp st = { 0 }, st2;
	struct es11_authenticate_client_resp er = { 0 }, er2;
	struct json_msg_error err;
	char *text;

	fill(&acq.transaction_id, 16, 1);
	fill(&acq.authenticate_server_response, 1000, 2);
	acq.header.function_requester_identifier = strdup("lpa");
	acq.header.function_call_identifier = strdup("call-1");
	ck_assert_int_eq(json_msg_encode(&es9_authenticate_client_req_desc, &acq, &text, NULL), 0);
	ck_assert_int_eq(dec(&es9_authenticate_client_req_desc, text, &acq2, &err), 0);
	assert_buf_eq(&acq.transaction_id, &acq2.transaction_id);
	assert_buf_eq(&acq.authenticate_server_response, &acq2.authenticate_server_response);
	ck_assert_str_eq(acq2.header.function_call_identifier, "call-1");
	free(text);

	fill(&acr.transaction_id, 8, 3);
	fill(&acr.profile_metadata, 50, 4);
	fill(&acr.smdp_signed2, 30, 5);
	fill(&acr.smdp_signature2, 67, 6);
	fill(&acr.smdp_certificate, 400, 7);
	ck_assert_int_eq(json_msg_encode(&es9_authenticate_client_resp_desc, &acr, &text, NULL), 0);
	ck_assert_int_eq(dec(&es9_authenticate_client_resp_desc, text, &acr2, &err), 0);
	assert_buf_eq(&acr.profile_metadata, &acr2.profile_metadata);
	assert_buf_eq(&acr.smdp_signed2, &acr2.smdp_signed2);
	assert_buf_eq(&acr.smdp_signature2, &acr2.smdp_signature2);
	assert_buf_eq(&acr.smdp_certificate, &acr2.smdp_certificate);
	free(text);

	fill(&gq.transaction_id, 16, 8);
	fill(&gq.prepare_download_response, 200, 9);
	ck_assert_int_eq(json_msg_encode(&es9_get_bound_profile_package_req_desc, &gq, &text, NULL), 0);
	ck_assert_int_eq(dec(&es9_get_bound_profile_package_req_desc, text, &gq2, &err), 0);
	assert_buf_eq(&gq.prepare_download_response, &gq2.prepare_download_response);
	free(text);

	fill(&gr.transaction_id, 16, 10);
	fill(&gr.bound_profile_package, 70000, 11);
	ck_assert_int_eq(json_msg_encode(&es9_get_bound_profile_package_resp_desc, &gr, &text, NULL), 0);
	ck_assert_int_eq(dec(&es9_get_bound_profile_package_resp_desc, text, &gr2, &err), 0);
	assert_buf_eq(&gr.bound_profile_package, &gr2.bound_profile_package);
	free(text);

	fill(&hn.pending_notification, 120, 12);
	ck_assert_int_eq(json_msg_encode(&es9_handle_notification_req_desc, &hn, &text, NULL), 0);
	ck_assert_int_eq(dec(&es9_handle_notification_req_desc, text, &hn2, &err), 0);
	assert_buf_eq(&hn.pending_notification, &hn2.pending_notification);
	free(text);

	fill(&cs.transaction_id, 1, 13);
	fill(&cs.cancel_session_response, 100, 14);
	ck_assert_int_eq(json_msg_encode(&es9_cancel_session_req_desc, &cs, &text, NULL), 0);
	ck_assert_int_eq(dec(&es9_cancel_session_req_desc, text, &cs2, &err), 0);
	assert_buf_eq(&cs.transaction_id, &cs2.transaction_id);
	assert_buf_eq(&cs.cancel_session_response, &cs2.cancel_session_response);
	free(text);

	ck_assert_int_eq(json_msg_encode(&es9_status_resp_desc, &st, &text, NULL), 0);
	ck_assert_str_eq(text, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}");
	ck_assert_int_eq(dec(&es9_status_resp_desc, text, &st2, &err), 0);
	free(text);

	er.event_entries.entries = calloc(2, sizeof(*er.event_entries.entries));
	er.event_entries.count = 2;
	er.event_entries.entries[0].event_id = strdup("EV1");
	er.event_entries.entries[0].rsp_server_address = strdup("smdp.example.com");
	er.event_entries.entries[1].event_id = strdup("EV2");
	er.event_entries.entries[1].rsp_server_address = strdup("smdp2.example.com");
	ck_assert_int_eq(json_msg_encode(&es11_authenticate_client_resp_desc, &er, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"eventEntries\":[{\"eventId\":\"EV1\",\"rspServerAddress\":"));
	ck_assert_int_eq(dec(&es11_authenticate_client_resp_desc, text, &er2, &err), 0);
	ck_assert_uint_eq(er2.event_entries.count, 2);
	ck_assert_str_eq(er2.event_entries.entries[1].rsp_server_address, "smdp2.example.com");
	free(text);

	json_msg_free(&es9_authenticate_client_req_desc, &acq);
	json_msg_free(&es9_authenticate_client_req_desc, &acq2);
	json_msg_free(&es9_authenticate_client_resp_desc, &acr);
	json_msg_free(&es9_authenticate_client_resp_desc, &acr2);
	json_msg_free(&es9_get_bound_profile_package_req_desc, &gq);
	json_msg_free(&es9_get_bound_profile_package_req_desc, &gq2);
	json_msg_free(&es9_get_bound_profile_package_resp_desc, &gr);
	json_msg_free(&es9_get_bound_profile_package_resp_desc, &gr2);
	json_msg_free(&es9_handle_notification_req_desc, &hn);
	json_msg_free(&es9_handle_notification_req_desc, &hn2);
	json_msg_free(&es9_cancel_session_req_desc, &cs);
	json_msg_free(&es9_cancel_session_req_desc, &cs2);
	json_msg_free(&es9_status_resp_desc, &st2);
	json_msg_free(&es11_authenticate_client_resp_desc, &er);
	json_msg_free(&es11_authenticate_client_resp_desc, &er2);
}
END_TEST

/* An encoder refuses a message without its mandatory members. */
START_TEST(test_encode_refuses_incomplete)
{
	struct es9_authenticate_client_req a = { 0 };
	char *text = (char *)1;

	fill(&a.transaction_id, 16, 1);
	ck_assert_int_eq(json_msg_encode(&es9_authenticate_client_req_desc, &a, &text, NULL),
			 SGP_ERR_INVAL);
	ck_assert_ptr_null(text);
	json_msg_free(&es9_authenticate_client_req_desc, &a);
}
END_TEST

struct hostile {
	const char *text;
	enum json_msg_err kind;
	const char *field;
};

#define CH "\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw==\""
#define INFO "\"euiccInfo1\":\"vyBvggMCAgA=\""
#define ADDR "\"smdpAddress\":\"smdp.example.com\""

START_TEST(test_hostile_json)
{
	static const struct hostile cases[] = {
		{ "", JSON_MSG_E_SYNTAX, "" },
		{ "{", JSON_MSG_E_SYNTAX, "" },
		{ "[]", JSON_MSG_E_SYNTAX, "" },
		{ "\"x\"", JSON_MSG_E_SYNTAX, "" },
		{ "null", JSON_MSG_E_SYNTAX, "" },
		{ "{" CH "," INFO "," ADDR "} trailing", JSON_MSG_E_SYNTAX, "" },
		{ "{" CH "," INFO "," ADDR "," ADDR "}", JSON_MSG_E_SYNTAX, "" }, /* duplicate key */
		{ "{\"smdpAddress\":\"\xff\xfe\"}", JSON_MSG_E_SYNTAX, "" },	/* bad UTF-8 */
		{ "{" INFO "," ADDR "}", JSON_MSG_E_MISSING, "euiccChallenge" },
		{ "{" CH "," ADDR "}", JSON_MSG_E_MISSING, "euiccInfo1" },
		{ "{" CH "," INFO "}", JSON_MSG_E_MISSING, "smdpAddress" },
		{ "{" CH "," INFO ",\"smdpAddress\":42}", JSON_MSG_E_TYPE, "smdpAddress" },
		{ "{" CH "," INFO ",\"smdpAddress\":null}", JSON_MSG_E_TYPE, "smdpAddress" },
		{ "{" CH "," INFO ",\"smdpAddress\":\"\"}", JSON_MSG_E_VALUE, "smdpAddress" },
		{ "{" CH "," INFO ",\"smdpAddress\":\"a\\u0000b\"}", JSON_MSG_E_SYNTAX, "" },
		{ "{\"euiccChallenge\":[1,2]," INFO "," ADDR "}", JSON_MSG_E_TYPE, "euiccChallenge" },
		{ "{\"euiccChallenge\":\"AAECAwQ%BgcICQoLDA0ODw==\"," INFO "," ADDR "}",
		  JSON_MSG_E_BASE64, "euiccChallenge" },
		{ "{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw=\"," INFO "," ADDR "}",
		  JSON_MSG_E_BASE64, "euiccChallenge" },
		{ "{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0O\"," INFO "," ADDR "}",
		  JSON_MSG_E_VALUE, "euiccChallenge" },	/* 15 bytes */
		{ "{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX\"," INFO "," ADDR "}",
		  JSON_MSG_E_TOOBIG, "euiccChallenge" },	/* 24 bytes */
		{ "{" CH "," INFO "," ADDR ",\"lpaMode\":1}", JSON_MSG_E_UNKNOWN, "lpaMode" },
		{ "{\"header\":7," CH "," INFO "," ADDR "}", JSON_MSG_E_TYPE, "header" },
		{ "{\"header\":{\"x\":\"y\"}," CH "," INFO "," ADDR "}", JSON_MSG_E_UNKNOWN, "x" },
		{ "{\"header\":{\"functionCallIdentifier\":5}," CH "," INFO "," ADDR "}",
		  JSON_MSG_E_TYPE, "functionCallIdentifier" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct es9_initiate_authentication_req r;
		struct json_msg_error err;
		int rc = dec(&es9_initiate_authentication_req_desc, cases[i].text, &r, &err);

		ck_assert_msg(rc != 0, "case %zu accepted", i);
		ck_assert_msg(err.kind == cases[i].kind, "case %zu: kind %d (%s), want %d", i,
			      err.kind, err.text, cases[i].kind);
		ck_assert_msg(!strcmp(err.field, cases[i].field), "case %zu: field %s", i, err.field);
		ck_assert_ptr_null(r.smdp_address);	/* freed on failure */
		ck_assert_uint_eq(r.euicc_challenge.len, 0);
	}
}
END_TEST

START_TEST(test_hostile_transaction_id_and_status)
{
	struct es9_get_bound_profile_package_req q;
	struct es9_status_resp s;
	struct es11_authenticate_client_resp e;
	struct json_msg_error err;

	ck_assert_int_ne(dec(&es9_get_bound_profile_package_req_desc,
			     "{\"transactionId\":\"0G\",\"prepareDownloadResponse\":\"AAA=\"}", &q, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_HEX);
	ck_assert_int_ne(dec(&es9_get_bound_profile_package_req_desc,
			     "{\"transactionId\":\"ABC\",\"prepareDownloadResponse\":\"AAA=\"}", &q, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_HEX);
	ck_assert_int_ne(dec(&es9_get_bound_profile_package_req_desc,
			     "{\"transactionId\":\"\",\"prepareDownloadResponse\":\"AAA=\"}", &q, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_VALUE);
	ck_assert_int_ne(dec(&es9_get_bound_profile_package_req_desc,
			     "{\"transactionId\":\"00112233445566778899AABBCCDDEEFF00\","
			     "\"prepareDownloadResponse\":\"AAA=\"}", &q, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_TOOBIG);
	ck_assert_int_eq(dec(&es9_get_bound_profile_package_req_desc,
			     "{\"transactionId\":\"0a0B\",\"prepareDownloadResponse\":\"AAA=\"}", &q, &err), 0);
	ck_assert_uint_eq(q.transaction_id.len, 2);
	json_msg_free(&es9_get_bound_profile_package_req_desc, &q);

	/* response headers */
	ck_assert_int_ne(dec(&es9_status_resp_desc, "{}", &s, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_MISSING);
	ck_assert_int_ne(dec(&es9_status_resp_desc, "{\"header\":{}}", &s, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_MISSING);
	ck_assert_int_ne(dec(&es9_status_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Done\"}}}", &s, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_VALUE);
	ck_assert_int_ne(dec(&es9_status_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
			     "\"statusCodeData\":{\"subjectCode\":\"8.1\"}}}}", &s, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_MISSING);
	ck_assert_int_eq(dec(&es9_status_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Expired\"}}}", &s, &err), 0);
	ck_assert_int_eq(s.header.status, ES_EXPIRED);
	json_msg_free(&es9_status_resp_desc, &s);

	/* ES11 event entries */
	ck_assert_int_ne(dec(&es11_authenticate_client_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
			     "\"eventEntries\":[{\"eventId\":\"E\"}]}", &e, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_MISSING);
	ck_assert_int_ne(dec(&es11_authenticate_client_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
			     "\"eventEntries\":[1]}", &e, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_TYPE);
	ck_assert_int_ne(dec(&es11_authenticate_client_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
			     "\"eventEntries\":{}}", &e, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_TYPE);
	/* a success without eventEntries lacks a member */
	ck_assert_int_ne(dec(&es11_authenticate_client_resp_desc,
			     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}",
			     &e, &err), 0);
	ck_assert_int_eq(err.kind, JSON_MSG_E_MISSING);
}
END_TEST

START_TEST(test_oversized_and_lenient)
{
	struct es9_initiate_authentication_req r;
	struct json_msg_error err;
	const char *t = "{" CH "," INFO "," ADDR ",\"lpaRspCapability\":\"AA==\"}";
	size_t big = JSON_MSG_MAX_TEXT + 1;
	char *huge = malloc(big);

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(json_msg_decode(&es9_initiate_authentication_req_desc, t, strlen(t), 0,
					 JSON_MSG_ALLOW_UNKNOWN, &r, &err), 0);
	ck_assert_str_eq(r.smdp_address, "smdp.example.com");
	json_msg_free(&es9_initiate_authentication_req_desc, &r);

	/* the caller's limit, and the absolute one */
	ck_assert_int_eq(json_msg_decode(&es9_initiate_authentication_req_desc, t, strlen(t), 10,
					 0, &r, &err), SGP_ERR_TOOBIG);
	ck_assert_int_eq(err.kind, JSON_MSG_E_TOOBIG);
	memset(huge, ' ', big);
	ck_assert_int_eq(json_msg_decode(&es9_initiate_authentication_req_desc, huge, big, 0,
					 0, &r, &err), SGP_ERR_TOOBIG);
	/* deep nesting is no crash */
	memset(huge, '[', 100000);
	ck_assert_int_eq(json_msg_decode(&es9_initiate_authentication_req_desc, huge, 100000, 0,
					 0, &r, &err), SGP_ERR_PARSE);
	free(huge);
}
END_TEST

START_TEST(test_http_conventions)
{
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v2.5.0"), 0);
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v2.2.0"), 0);
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v3.0.0"), 0);
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v1.0.0"), SGP_ERR_UNSUPPORTED);
	ck_assert_int_eq(es9_check_admin_protocol(NULL), SGP_ERR_PARSE);
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v2"), SGP_ERR_PARSE);
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v2.5.0x"), SGP_ERR_PARSE);
	ck_assert_int_eq(es9_check_admin_protocol("gsma/rsp/v2..0"), SGP_ERR_PARSE);
	ck_assert_int_eq(es9_check_admin_protocol("http/1.1"), SGP_ERR_PARSE);
	ck_assert(es9_content_type_is_json("application/json"));
	ck_assert(es9_content_type_is_json("application/json;charset=UTF-8"));
	ck_assert(es9_content_type_is_json("Application/JSON; charset=utf-8"));
	ck_assert(!es9_content_type_is_json("application/json;charset=latin1"));
	ck_assert(!es9_content_type_is_json("application/jsonx"));
	ck_assert(!es9_content_type_is_json("text/plain"));
	ck_assert(!es9_content_type_is_json(NULL));
	ck_assert_int_eq(es9_function_from_name("/gsma/rsp2/es9plus/cancelSession"), ES9_CANCEL_SESSION);
	ck_assert_int_eq(es9_function_from_name("initiateAuthentication"), ES9_INITIATE_AUTHENTICATION);
	ck_assert_int_eq(es9_function_from_name("/gsma/rsp2/es9plus/"), -1);
	ck_assert_str_eq(es9_function_name(ES9_GET_BOUND_PROFILE_PACKAGE), "getBoundProfilePackage");
}
END_TEST

static Suite *es9_suite(void)
{
	Suite *s = suite_create("es9_json");
	TCase *tc = tcase_create("binding");

	tcase_add_test(tc, test_initiate_authentication_roundtrip);
	tcase_add_test(tc, test_other_messages_roundtrip);
	tcase_add_test(tc, test_encode_refuses_incomplete);
	tcase_add_test(tc, test_hostile_json);
	tcase_add_test(tc, test_hostile_transaction_id_and_status);
	tcase_add_test(tc, test_oversized_and_lenient);
	tcase_add_test(tc, test_http_conventions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(es9_suite());
}
