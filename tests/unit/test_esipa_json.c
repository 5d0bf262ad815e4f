/* sgp32lab: core/esipa/esipa_json — the JSON binding of ESipa (SGP.32 v1.2
 * 6.4): every request and answer kind DER -> JSON -> DER unchanged, the
 * JSON forms of the conventions, and malformed JSON / DER refused. */
#include "euicc_testbed.h"
#include "testutil.h"
#include "smdp/bpp.h"
#include "smdp/metadata.h"
#include "smdp/upp.h"
#include "core/crypto/ecka.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/esipa/esipa_json.h"
#include "core/esipa/esipa_map.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t TID[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xAB };
static const uint8_t EID[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x56, 0x78,
				 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34 };

static struct testbed tb;
static struct sgp_buf cert;

static void setup(void)
{
	testbed_init(&tb, "nist", false);
	cert = (struct sgp_buf)SGP_BUF_INIT;
	ck_assert_int_eq(sgp_pki_cert_der(sgp_pki_cert(tb.pki, SGP_PKI_ROLE_DPAUTH), &cert),
			 SGP_OK);
}

static void teardown(void)
{
	sgp_buf_free(&cert);
	testbed_free(&tb);
}

static void put(struct sgp_buf *b, uint32_t tag, const void *v, size_t n)
{
	ck_assert_int_eq(sgp_der_put_tlv(b, tag, v, n), SGP_OK);
}

/* der -> JSON -> der, unchanged; returns the JSON text (free()) */
static char *round_trip(bool request, const struct sgp_buf *der, enum esipa_json_fn want)
{
	struct esipa_json_error e = { "" };
	struct sgp_buf back = SGP_BUF_INIT;
	enum esipa_json_fn f;
	char *json = NULL;
	int rc;

	rc = request ? esipa_json_req_from_der(der->data, der->len, &f, &json, &e)
		     : esipa_json_resp_from_der(der->data, der->len, &f, &json, &e);
	ck_assert_msg(rc == SGP_OK, "to JSON: %s", e.msg);
	ck_assert_int_eq(f, want);
	rc = request ? esipa_json_req_to_der(f, json, strlen(json), &back, &e)
		     : esipa_json_resp_to_der(f, json, strlen(json), &back, &e);
	ck_assert_msg(rc == SGP_OK, "to DER: %s (%s)", e.msg, json);
	ck_assert_msg(back.len == der->len && !memcmp(back.data, der->data, der->len),
		      "changed: %s", json);
	sgp_buf_free(&back);
	return json;
}

static void expect_json(bool request, const struct sgp_buf *der, enum esipa_json_fn f,
			const char *text)
{
	char *json = round_trip(request, der, f);

	ck_assert_str_eq(json, text);
	free(json);
}

static void wrap(struct sgp_buf *b, uint32_t tag)
{
	ck_assert_int_eq(sgp_der_wrap(b, tag), SGP_OK);
}

START_TEST(test_names)
{
	enum esipa_json_fn f;

	ck_assert_int_eq(esipa_json_fn_from_path("/gsma/rsp2/esipa/getEimPackage", &f), SGP_OK);
	ck_assert_int_eq(f, ESIPA_JSON_GET_EIM_PACKAGE);
	ck_assert_int_eq(esipa_json_fn_from_path("/gsma/rsp2/esipa/cancelSession", &f), SGP_OK);
	ck_assert_int_eq(f, ESIPA_JSON_CANCEL_SESSION);
	ck_assert_int_eq(esipa_json_fn_from_path("/gsma/rsp2/esipa/getEimPackageX", &f),
			 SGP_ERR_NOTFOUND);
	ck_assert_int_eq(esipa_json_fn_from_path("/gsma/rsp2/asn1", &f), SGP_ERR_NOTFOUND);
	for (int i = 0; i < ESIPA_JSON_FN_COUNT; i++)
		ck_assert_ptr_nonnull(esipa_json_fn_name((enum esipa_json_fn)i));
	ck_assert_ptr_null(esipa_json_fn_name(ESIPA_JSON_FN_COUNT));
}
END_TEST

START_TEST(test_requests)
{
	struct sgp_buf der = SGP_BUF_INIT, x = SGP_BUF_INIT, info1 = SGP_BUF_INIT;
	struct sgp_buf tid = { (uint8_t *)TID, sizeof(TID), 0 };
	uint8_t chal[16] = { 0xC1, 0xC2 };
	static const uint8_t eim_tid[] = { 0xE1, 0x02 };
	char *json;

	/* initiateAuthentication, with and without the optional members */
	ck_assert_int_eq(testbed_es10(&tb, (const uint8_t *)"\xBF\x20\x00", 3, &info1), 0);
	struct es9_initiate_authentication_req ia = { .euicc_challenge = { chal, 16, 0 },
						      .euicc_info1 = info1,
						      .smdp_address = "smdp.test" };
	ck_assert_int_eq(esipa_req_from_es9(ES9_INITIATE_AUTHENTICATION, &ia, eim_tid, 2, &der),
			 SGP_OK);
	json = round_trip(true, &der, ESIPA_JSON_INITIATE_AUTHENTICATION);
	ck_assert_ptr_nonnull(strstr(json, "\"smdpAddress\":\"smdp.test\""));
	ck_assert_ptr_nonnull(strstr(json, "\"eimTransactionId\":\"E102\""));
	ck_assert_ptr_nonnull(strstr(json, "\"euiccInfo1\":\"vyA"));	/* BF20 */
	free(json);
	ia.smdp_address = NULL;
	ia.euicc_info1 = (struct sgp_buf)SGP_BUF_INIT;
	ck_assert_int_eq(esipa_req_from_es9(ES9_INITIATE_AUTHENTICATION, &ia, NULL, 0, &der),
			 SGP_OK);
	expect_json(true, &der, ESIPA_JSON_INITIATE_AUTHENTICATION,
		    "{\"euiccChallenge\":\"wcIAAAAAAAAAAAAAAAAAAA==\"}");

	/* authenticateClient / getBoundProfilePackage: error forms of the
	 * eUICC's responses */
	put(&x, 0x80, TID, sizeof(TID));
	put(&x, 0x02, "\x03", 1);
	wrap(&x, 0xA1);
	struct sgp_buf asr = SGP_BUF_INIT, pdr = SGP_BUF_INIT, csr = SGP_BUF_INIT;
	sgp_buf_set(&asr, x.data, x.len);
	wrap(&asr, 0xBF38);
	sgp_buf_set(&pdr, x.data, x.len);
	wrap(&pdr, 0xBF21);
	struct es9_authenticate_client_req ac = { .transaction_id = tid,
						  .authenticate_server_response = asr };
	ck_assert_int_eq(esipa_req_from_es9(ES9_AUTHENTICATE_CLIENT, &ac, NULL, 0, &der), SGP_OK);
	json = round_trip(true, &der, ESIPA_JSON_AUTHENTICATE_CLIENT);
	ck_assert_ptr_nonnull(strstr(json, "\"transactionId\":\"01020304050607AB\""));
	free(json);
	struct es9_get_bound_profile_package_req gb = { .transaction_id = tid,
							.prepare_download_response = pdr };
	ck_assert_int_eq(esipa_req_from_es9(ES9_GET_BOUND_PROFILE_PACKAGE, &gb, NULL, 0, &der),
			 SGP_OK);
	free(round_trip(true, &der, ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE));

	/* cancelSession: the type's own tag BF41 in JSON, [1] in the message */
	put(&csr, 0xBF41, "\x81\x01\x05", 3);
	struct es9_cancel_session_req cs = { .transaction_id = tid, .cancel_session_response = csr };
	ck_assert_int_eq(esipa_req_from_es9(ES9_CANCEL_SESSION, &cs, NULL, 0, &der), SGP_OK);
	ck_assert_uint_eq(der.data[der.len - 5], 0xA1);
	expect_json(true, &der, ESIPA_JSON_CANCEL_SESSION,
		    "{\"transactionId\":\"01020304050607AB\",\"cancelSessionResponse\":\"v0EDgQEF\"}");

	/* handleNotification: an OtherSignedNotification, explicitly [0] */
	struct sgp_buf pn = SGP_BUF_INIT, sig = SGP_BUF_INIT;
	uint8_t s64[64];
	memset(s64, 0x5A, sizeof(s64));
	put(&pn, 0x80, "\x07", 1);
	put(&pn, 0x81, "\x04\x10", 2);
	put(&pn, 0x0C, "smdp.test", 9);
	wrap(&pn, 0xBF2F);
	put(&sig, 0x5F37, s64, 64);
	sgp_buf_append(&pn, sig.data, sig.len);
	sgp_buf_append(&pn, cert.data, cert.len);
	sgp_buf_append(&pn, cert.data, cert.len);
	wrap(&pn, 0x30);
	struct es9_handle_notification_req hn = { .pending_notification = pn };
	ck_assert_int_eq(esipa_req_from_es9(ES9_HANDLE_NOTIFICATION, &hn, NULL, 0, &der), SGP_OK);
	json = round_trip(true, &der, ESIPA_JSON_HANDLE_NOTIFICATION);
	ck_assert_ptr_nonnull(strstr(json, "{\"pendingNotification\":\"MI"));	/* 30 */
	free(json);

	/* provideEimPackageResult, alone and as a notification */
	sgp_buf_reset(&x);
	put(&x, 0x5A, EID, 16);
	put(&x, 0xA0, "\x02\x01\x02", 3);	/* eimPackageResultResponseError unknownPackage */
	wrap(&x, 0xBF50);
	expect_json(true, &x, ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT,
		    "{\"eidValue\":\"89049032123456789012345678901234\","
		    "\"eimPackageResult\":\"oAMCAQI=\"}");
	sgp_buf_set(&der, x.data, x.len);
	wrap(&der, 0xBF3D);
	expect_json(true, &der, ESIPA_JSON_HANDLE_NOTIFICATION,
		    "{\"provideEimPackageResult\":\"v1AXWhCJBJAyEjRWeJASNFZ4kBI0oAMCAQI=\"}");

	/* getEimPackage with every optional member */
	sgp_buf_reset(&der);
	put(&der, 0x5A, EID, 16);
	put(&der, 0x80, NULL, 0);
	put(&der, 0x81, "\x01", 1);
	put(&der, 0x82, "\x62\xF2\x10", 3);
	wrap(&der, 0xBF4F);
	expect_json(true, &der, ESIPA_JSON_GET_EIM_PACKAGE,
		    "{\"eidValue\":\"89049032123456789012345678901234\",\"notifyStateChange\":true,"
		    "\"stateChangeCause\":1,\"rPLMN\":\"62F210\"}");

	sgp_buf_free(&asr);
	sgp_buf_free(&pdr);
	sgp_buf_free(&csr);
	sgp_buf_free(&pn);
	sgp_buf_free(&sig);
	sgp_buf_free(&info1);
	sgp_buf_free(&x);
	sgp_buf_free(&der);
}
END_TEST

START_TEST(test_answers)
{
	struct sgp_buf der = SGP_BUF_INIT, ss = SGP_BUF_INIT, s = SGP_BUF_INIT, pkid = SGP_BUF_INIT;
	struct sgp_buf md = SGP_BUF_INIT, upp = SGP_BUF_INIT, bpp = SGP_BUF_INIT;
	struct es9_answer ans = { .rc = 0 };
	uint8_t s64[64], c[16] = { 0xC1 }, otpk[SGP_CURVE_POINT_LEN];
	struct sgp_key *otk = NULL, *dppb = NULL;
	char *json;

	memset(s64, 0x5A, sizeof(s64));
	put(&ss, 0x80, TID, sizeof(TID));
	put(&ss, 0x81, c, 16);
	put(&ss, 0x83, "smdp.test", 9);
	put(&ss, 0x84, c, 16);
	wrap(&ss, 0x30);
	put(&s, 0x5F37, s64, 64);
	put(&pkid, 0x04, "12345678901234567890", 20);

	/* initiateAuthentication: ok, flattened; an error */
	struct es9_initiate_authentication_resp ia = {
		.transaction_id = { (uint8_t *)TID, sizeof(TID), 0 }, .server_signed1 = ss,
		.server_signature1 = s, .euicc_ci_pkid_to_be_used = pkid,
		.server_certificate = cert };
	ans.resp = &ia;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_INITIATE_AUTHENTICATION, &ans, &der), SGP_OK);
	json = round_trip(false, &der, ESIPA_JSON_INITIATE_AUTHENTICATION);
	ck_assert_ptr_nonnull(strstr(json, "\"serverSignature1\":\"WlpaWlpa"));	/* the value */
	ck_assert_ptr_nonnull(strstr(json, "\"euiccCiPKIdentifierToBeUsed\":\"MTIzNDU2"));
	ck_assert_ptr_nonnull(strstr(json, "\"serverCertificate\":\"MII"));
	free(json);
	ck_assert_int_eq(esipa_resp_error(ES9_INITIATE_AUTHENTICATION, 3, &der), SGP_OK);
	expect_json(false, &der, ESIPA_JSON_INITIATE_AUTHENTICATION,
		    "{\"initiateAuthenticationErrorEsipa\":3}");

	/* authenticateClient OkDP with metadata, OkDS, an error */
	struct smdp_profile_metadata m = { .iccid = "89440000000000000011",
					   .service_provider_name = "Lab", .profile_name = "p",
					   .profile_class = 2 };
	ck_assert_int_eq(smdp_metadata_encode(&m, &md), SGP_OK);
	struct sgp_buf ss2 = SGP_BUF_INIT;
	put(&ss2, 0x80, TID, sizeof(TID));
	put(&ss2, 0x01, "\x00", 1);
	wrap(&ss2, 0x30);
	struct es9_authenticate_client_resp ac = {
		.transaction_id = { (uint8_t *)TID, sizeof(TID), 0 }, .profile_metadata = md,
		.smdp_signed2 = ss2, .smdp_signature2 = s, .smdp_certificate = cert };
	ans.resp = &ac;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_AUTHENTICATE_CLIENT, &ans, &der), SGP_OK);
	json = round_trip(false, &der, ESIPA_JSON_AUTHENTICATE_CLIENT);
	ck_assert_msg(strstr(json, "\"profileMetaData\":\"vyU"), "%s", json);
	free(json);
	sgp_buf_free(&ss2);
	sgp_buf_reset(&der);
	put(&der, 0x80, TID, sizeof(TID));
	wrap(&der, 0xA1);
	wrap(&der, 0xBF3B);
	expect_json(false, &der, ESIPA_JSON_AUTHENTICATE_CLIENT,
		    "{\"transactionId\":\"01020304050607AB\"}");
	ck_assert_int_eq(esipa_resp_error(ES9_AUTHENTICATE_CLIENT, 10, &der), SGP_OK);
	expect_json(false, &der, ESIPA_JSON_AUTHENTICATE_CLIENT,
		    "{\"authenticateClientErrorEsipa\":10}");

	/* getBoundProfilePackage with a real Bound Profile Package */
	struct smdp_upp_params up = { .iccid = "89440000000000000011", .imsi = "001010123456789" };
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(tb.pki, SGP_PKI_ROLE_DPPB), &dppb), SGP_OK);
	ck_assert_int_eq(sgp_ecka_generate_otk(sgp_key_curve(dppb), &otk, otpk), SGP_OK);
	ck_assert_int_eq(smdp_upp_build(&up, &upp), SGP_OK);
	struct smdp_bpp_params bp = { .transaction_id = TID, .transaction_id_len = sizeof(TID),
				      .euicc_otpk = otpk, .euicc_otpk_len = sizeof(otpk),
				      .eid = EID, .dppb = dppb, .metadata = md.data,
				      .metadata_len = md.len, .upp = upp.data, .upp_len = upp.len };
	ck_assert_int_eq(smdp_bpp_build(&bp, &bpp), SGP_OK);
	struct es9_get_bound_profile_package_resp gb = {
		.transaction_id = { (uint8_t *)TID, sizeof(TID), 0 }, .bound_profile_package = bpp };
	ans.resp = &gb;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_GET_BOUND_PROFILE_PACKAGE, &ans, &der), SGP_OK);
	json = round_trip(false, &der, ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE);
	ck_assert_ptr_nonnull(strstr(json, "\"boundProfilePackage\":\"vz"));
	free(json);
	ck_assert_int_eq(esipa_resp_error(ES9_GET_BOUND_PROFILE_PACKAGE, 95, &der), SGP_OK);
	expect_json(false, &der, ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE,
		    "{\"getBoundProfilePackageErrorEsipa\":95}");

	/* cancelSession: {} or its error */
	struct es9_status_resp st = { 0 };
	ans.resp = &st;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_CANCEL_SESSION, &ans, &der), SGP_OK);
	expect_json(false, &der, ESIPA_JSON_CANCEL_SESSION, "{}");
	ck_assert_int_eq(esipa_resp_error(ES9_CANCEL_SESSION, 1, &der), SGP_OK);
	expect_json(false, &der, ESIPA_JSON_CANCEL_SESSION, "{\"cancelSessionError\":1}");

	/* getEimPackage: a package, or eimPackageError */
	sgp_buf_reset(&der);
	put(&der, 0x5C, "\x80\xBF\x20", 3);
	wrap(&der, 0xBF52);
	wrap(&der, 0xBF4F);
	expect_json(false, &der, ESIPA_JSON_GET_EIM_PACKAGE,
		    "{\"ipaEuiccDataRequest\":\"v1IFXAOAvyA=\"}");
	sgp_buf_reset(&der);
	put(&der, 0x02, "\x01", 1);
	wrap(&der, 0xBF4F);
	expect_json(false, &der, ESIPA_JSON_GET_EIM_PACKAGE, "{\"eimPackageError\":1}");

	/* provideEimPackageResult: acknowledgements, empty, error */
	sgp_buf_reset(&der);
	put(&der, 0x80, "\x07", 1);
	wrap(&der, 0xBF53);
	wrap(&der, 0xBF50);
	expect_json(false, &der, ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT,
		    "{\"eimAcknowledgements\":\"v1MDgAEH\"}");
	sgp_buf_reset(&der);
	put(&der, 0x30, NULL, 0);
	wrap(&der, 0xBF50);
	expect_json(false, &der, ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, "{}");
	sgp_buf_reset(&der);
	put(&der, 0x02, "\x02", 1);
	wrap(&der, 0xBF50);
	expect_json(false, &der, ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT,
		    "{\"provideEimPackageResultError\":2}");

	sgp_key_free(otk);
	sgp_key_free(dppb);
	sgp_buf_free(&ss);
	sgp_buf_free(&s);
	sgp_buf_free(&pkid);
	sgp_buf_free(&md);
	sgp_buf_free(&upp);
	sgp_buf_free(&bpp);
	sgp_buf_free(&der);
}
END_TEST

static void bad_req(enum esipa_json_fn f, const char *text, int want)
{
	struct esipa_json_error e = { "" };
	struct sgp_buf der = SGP_BUF_INIT;

	ck_assert_msg(esipa_json_req_to_der(f, text, strlen(text), &der, &e) == want,
		      "accepted: %s", text);
	ck_assert_uint_eq(der.len, 0);
	ck_assert_msg(want == SGP_ERR_UNSUPPORTED || e.msg[0], "no reason: %.80s", text);
}

static void bad_resp(enum esipa_json_fn f, const char *text)
{
	struct esipa_json_error e = { "" };
	struct sgp_buf der = SGP_BUF_INIT;

	ck_assert_msg(esipa_json_resp_to_der(f, text, strlen(text), &der, &e) == SGP_ERR_PARSE,
		      "accepted: %s", text);
	ck_assert_uint_eq(der.len, 0);
}

#define EIDS "\"eidValue\":\"89049032123456789012345678901234\""

START_TEST(test_malformed)
{
	const enum esipa_json_fn G = ESIPA_JSON_GET_EIM_PACKAGE;
	struct esipa_json_error e = { "" };
	struct sgp_buf der = SGP_BUF_INIT;
	enum esipa_json_fn f;
	char *json = NULL, *big;

	bad_req(G, "", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS, SGP_ERR_PARSE);				/* truncated */
	bad_req(G, "{" EIDS "}x", SGP_ERR_PARSE);			/* trailing garbage */
	bad_req(G, "[" "\"89049032123456789012345678901234\"]", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS "," EIDS "}", SGP_ERR_PARSE);		/* duplicate */
	bad_req(G, "{" EIDS ",\"colour\":1}", SGP_ERR_PARSE);		/* unknown member */
	bad_req(G, "{}", SGP_ERR_PARSE);				/* eidValue missing */
	bad_req(G, "{\"eidValue\":89049032}", SGP_ERR_PARSE);		/* wrong type */
	bad_req(G, "{\"eidValue\":\"8904903212345678901234567890123\"}", SGP_ERR_PARSE);
	bad_req(G, "{\"eidValue\":\"890490321234567890123456789012345\"}", SGP_ERR_PARSE);
	bad_req(G, "{\"eidValue\":\"8904903212345678901234567890123G\"}", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS ",\"notifyStateChange\":false}", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS ",\"stateChangeCause\":\"1\"}", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS ",\"stateChangeCause\":-1}", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS ",\"stateChangeCause\":1.5}", SGP_ERR_PARSE);
	bad_req(G, "{" EIDS ",\"rPLMN\":\"62F2\"}", SGP_ERR_PARSE);	/* 2 bytes, not 3 */
	bad_req(G, "{" EIDS ",\"rPLMN\":\"62 F2 10\"}", SGP_ERR_PARSE);	/* bad hex */
	bad_req(ESIPA_JSON_INITIATE_AUTHENTICATION, "{\"euiccChallenge\":\"AAAA\"}", SGP_ERR_PARSE);
	bad_req(ESIPA_JSON_INITIATE_AUTHENTICATION, "{\"euiccChallenge\":\"wcIAAAAAAAAAAAA*AAAAAA==\"}",
		SGP_ERR_PARSE);						/* bad base64 */
	bad_req(ESIPA_JSON_CANCEL_SESSION,
		"{\"transactionId\":\"01\",\"cancelSessionResponse\":\"v0EDgQE=\"}",
		SGP_ERR_PARSE);						/* truncated DER */
	bad_req(ESIPA_JSON_CANCEL_SESSION,
		"{\"transactionId\":\"01\",\"cancelSessionResponse\":\"vyEDgQEF\"}",
		SGP_ERR_PARSE);						/* wrong tag BF21 */
	bad_req(ESIPA_JSON_CANCEL_SESSION,
		"{\"transactionId\":\"\",\"cancelSessionResponse\":\"v0EDgQEF\"}",
		SGP_ERR_PARSE);						/* empty transactionId */
	bad_req(ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT, "{\"eimPackageResult\":\"oAA=\"}",
		SGP_ERR_PARSE);						/* not a valid result */
	bad_req(ESIPA_JSON_HANDLE_NOTIFICATION, "{}", SGP_ERR_PARSE);
	bad_req(ESIPA_JSON_TRANSFER_EIM_PACKAGE, "{}", SGP_ERR_UNSUPPORTED);
	/* oversized */
	big = malloc(ESIPA_JSON_MAX_TEXT + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', ESIPA_JSON_MAX_TEXT + 1);
	big[0] = '{';
	big[ESIPA_JSON_MAX_TEXT] = '}';
	big[ESIPA_JSON_MAX_TEXT + 1] = '\0';
	bad_req(G, big, SGP_ERR_TOOBIG);
	free(big);

	bad_resp(G, "{\"eimPackageError\":\"1\"}");
	bad_resp(G, "{\"eimPackageError\":1,\"ipaEuiccDataRequest\":\"v1IFXAOAvyA=\"}");
	bad_resp(G, "{}");
	bad_resp(ESIPA_JSON_CANCEL_SESSION, "{\"cancelSessionOk\":{}}");
	bad_resp(ESIPA_JSON_AUTHENTICATE_CLIENT, "{\"smdpSigned2\":\"MAA=\"}");

	/* DER that is no message, or has no JSON form */
	ck_assert_int_eq(esipa_json_req_from_der((const uint8_t *)"\xBF\x4F\x05\x5A", 4, &f, &json,
						 &e), SGP_ERR_PARSE);
	ck_assert_int_eq(esipa_json_req_from_der((const uint8_t *)"\x30\x00", 2, &f, &json, &e),
			 SGP_ERR_PARSE);
	put(&der, 0x5A, EID, 16);
	put(&der, 0x85, "\x01", 1);	/* an extension */
	wrap(&der, 0xBF4F);
	ck_assert_int_eq(esipa_json_req_from_der(der.data, der.len, &f, &json, &e),
			 SGP_ERR_UNSUPPORTED);
	ck_assert_ptr_null(json);
	sgp_buf_free(&der);
}
END_TEST

static Suite *esipa_json_suite(void)
{
	Suite *s = suite_create("esipa_json");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(esipa_json_suite());
}
