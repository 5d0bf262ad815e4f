/* sgp32lab: core/esipa — ES9+ <-> ESipa mapping: requests and answers of
 * the five functions both ways, every error code of the SGP.32 6.3.2
 * tables, malformed and compact ESipa input. */
#include "euicc_testbed.h"
#include "testutil.h"
#include "smdp/bpp.h"
#include "smdp/metadata.h"
#include "smdp/upp.h"
#include "core/crypto/ecka.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/esipa/esipa_map.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t TID[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

static struct testbed tb;
static struct sgp_buf cert;	/* a real certificate (CERT.DPauth) */

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

/* ServerSigned1 { [0] tid, [1] challenge, [3] address, [4] serverChallenge } */
static void server_signed1(struct sgp_buf *out)
{
	uint8_t c[16] = { 0xC1 };

	sgp_buf_reset(out);
	put(out, 0x80, TID, sizeof(TID));
	put(out, 0x81, c, 16);
	put(out, 0x83, "smdp.test", 9);
	put(out, 0x84, c, 16);
	ck_assert_int_eq(sgp_der_wrap(out, 0x30), SGP_OK);
}

static void sig(struct sgp_buf *out)
{
	uint8_t s[64];

	memset(s, 0x5A, sizeof(s));
	sgp_buf_reset(out);
	put(out, 0x5F37, s, 64);
}

static bool buf_eq(const struct sgp_buf *a, const struct sgp_buf *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* ---- InitiateAuthentication ---- */

START_TEST(test_initiate_authentication)
{
	struct sgp_buf info1 = SGP_BUF_INIT, der = SGP_BUF_INIT, back = SGP_BUF_INIT;
	struct es9_initiate_authentication_req q = { 0 };
	struct es9_initiate_authentication_resp r = { 0 }, got = { 0 };
	struct es9_answer ans = { .rc = 0, .resp = &r };
	struct esipa_req e;
	uint8_t chal[16] = { 1, 2, 3 };
	static const uint8_t eim_tid[] = { 0xE1, 0xE2 };
	long code;

	ck_assert_int_eq(testbed_es10(&tb, (const uint8_t *)"\xBF\x20\x00", 3, &info1), 0);
	q.euicc_challenge = (struct sgp_buf){ chal, 16, 0 };
	q.euicc_info1 = info1;
	q.smdp_address = "smdp.test";
	ck_assert_int_eq(esipa_req_from_es9(ES9_INITIATE_AUTHENTICATION, &q, eim_tid, 2, &der),
			 SGP_OK);
	ck_assert_uint_eq(der.data[0], 0xBF);
	ck_assert_uint_eq(der.data[1], 0x39);
	ck_assert_int_eq(esipa_req_to_es9(der.data, der.len, &e), SGP_OK);
	ck_assert_int_eq(e.fn, ES9_INITIATE_AUTHENTICATION);
	ck_assert_str_eq(e.u.ia.smdp_address, "smdp.test");
	ck_assert(buf_eq(&e.u.ia.euicc_info1, &info1));
	ck_assert(e.u.ia.euicc_challenge.len == 16 && !memcmp(e.u.ia.euicc_challenge.data, chal, 16));
	ck_assert(e.eim_tid_len == 2 && !memcmp(e.eim_tid, eim_tid, 2));
	esipa_req_free(&e);
	/* without the optional members */
	q.smdp_address = NULL;
	q.euicc_info1 = (struct sgp_buf)SGP_BUF_INIT;
	ck_assert_int_eq(esipa_req_from_es9(ES9_INITIATE_AUTHENTICATION, &q, NULL, 0, &der), SGP_OK);
	ck_assert_int_eq(esipa_req_to_es9(der.data, der.len, &e), SGP_OK);
	ck_assert_ptr_null(e.u.ia.smdp_address);
	ck_assert(!e.has_euicc_info1 && e.eim_tid_len == 0);
	esipa_req_free(&e);
	/* a challenge of the wrong size is refused before anything is built */
	q.euicc_challenge.len = 15;
	ck_assert_int_eq(esipa_req_from_es9(ES9_INITIATE_AUTHENTICATION, &q, NULL, 0, &der),
			 SGP_ERR_INVAL);

	/* the answer: ES9+ -> ESipa -> ES9+ */
	r.transaction_id = (struct sgp_buf){ (uint8_t *)TID, sizeof(TID), 0 };
	server_signed1(&r.server_signed1);
	sig(&r.server_signature1);
	put(&r.euicc_ci_pkid_to_be_used, 0x04, "12345678901234567890", 20);
	r.server_certificate = cert;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_INITIATE_AUTHENTICATION, &ans, &back), SGP_OK);
	ck_assert_int_eq(esipa_resp_to_es9(ES9_INITIATE_AUTHENTICATION, back.data, back.len, &got,
					   &code), SGP_OK);
	ck_assert_int_eq(code, -1);
	ck_assert_int_eq(got.header.status, ES_EXECUTED_SUCCESS);
	ck_assert(got.transaction_id.len == sizeof(TID) &&
		  !memcmp(got.transaction_id.data, TID, sizeof(TID)));
	ck_assert(buf_eq(&got.server_signed1, &r.server_signed1));
	ck_assert(buf_eq(&got.server_signature1, &r.server_signature1));
	ck_assert(buf_eq(&got.euicc_ci_pkid_to_be_used, &r.euicc_ci_pkid_to_be_used));
	ck_assert(buf_eq(&got.server_certificate, &cert));
	json_msg_free(&es9_initiate_authentication_resp_desc, &got);
	/* an SM-DP+ answer that does not fit (a certificate that is none):
	 * undefinedError, not a broken message */
	r.server_certificate = r.server_signed1;
	r.server_certificate.len--;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_INITIATE_AUTHENTICATION, &ans, &back), SGP_OK);
	ck_assert_int_eq(esipa_resp_to_es9(ES9_INITIATE_AUTHENTICATION, back.data, back.len, &got,
					   &code), SGP_OK);
	ck_assert_int_eq(code, ESIPA_UNDEFINED_ERROR);
	json_msg_free(&es9_status_resp_desc, &got);
	sgp_buf_free(&r.server_signed1);
	sgp_buf_free(&r.server_signature1);
	sgp_buf_free(&r.euicc_ci_pkid_to_be_used);
	sgp_buf_free(&info1);
	sgp_buf_free(&der);
	sgp_buf_free(&back);
}
END_TEST

/* ---- AuthenticateClient, GetBoundProfilePackage, CancelSession, HandleNotification ---- */

static void check_req(enum es9_function f, const void *req, struct esipa_req *e)
{
	struct sgp_buf der = SGP_BUF_INIT;

	ck_assert_int_eq(esipa_req_from_es9(f, req, NULL, 0, &der), SGP_OK);
	ck_assert_int_eq(esipa_req_to_es9(der.data, der.len, e), SGP_OK);
	ck_assert_int_eq(e->fn, f);
	sgp_buf_free(&der);
}

START_TEST(test_session_requests)
{
	struct sgp_buf asr = SGP_BUF_INIT, pdr = SGP_BUF_INIT, csr = SGP_BUF_INIT;
	struct sgp_buf pn = SGP_BUF_INIT, der = SGP_BUF_INIT, x = SGP_BUF_INIT;
	struct sgp_buf tid = { (uint8_t *)TID, sizeof(TID), 0 };
	struct esipa_req e;

	/* AuthenticateServerResponse / PrepareDownloadResponse, error forms */
	put(&x, 0x80, TID, sizeof(TID));
	put(&x, 0x02, "\x03", 1);
	ck_assert_int_eq(sgp_der_wrap(&x, 0xA1), SGP_OK);
	sgp_buf_set(&asr, x.data, x.len);
	ck_assert_int_eq(sgp_der_wrap(&asr, 0xBF38), SGP_OK);
	sgp_buf_set(&pdr, x.data, x.len);
	ck_assert_int_eq(sgp_der_wrap(&pdr, 0xBF21), SGP_OK);
	put(&csr, 0xBF41, "\x81\x01\x05", 3);	/* cancelSessionResponseError 5 */

	struct es9_authenticate_client_req ac = { .transaction_id = tid,
						  .authenticate_server_response = asr };
	check_req(ES9_AUTHENTICATE_CLIENT, &ac, &e);
	ck_assert(buf_eq(&e.u.ac.transaction_id, &tid));
	ck_assert(buf_eq(&e.u.ac.authenticate_server_response, &asr));
	esipa_req_free(&e);

	struct es9_get_bound_profile_package_req gb = { .transaction_id = tid,
							.prepare_download_response = pdr };
	check_req(ES9_GET_BOUND_PROFILE_PACKAGE, &gb, &e);
	ck_assert(buf_eq(&e.u.gbpp.prepare_download_response, &pdr));
	esipa_req_free(&e);

	struct es9_cancel_session_req cs = { .transaction_id = tid,
					     .cancel_session_response = csr };
	check_req(ES9_CANCEL_SESSION, &cs, &e);
	ck_assert(buf_eq(&e.u.cs.transaction_id, &tid));
	ck_assert(buf_eq(&e.u.cs.cancel_session_response, &csr));
	esipa_req_free(&e);

	/* an OtherSignedNotification { NotificationMetadata, sig, 2 certs } */
	put(&pn, 0x80, "\x07", 1);
	put(&pn, 0x81, "\x04\x10", 2);
	put(&pn, 0x0C, "smdp.test", 9);
	ck_assert_int_eq(sgp_der_wrap(&pn, 0xBF2F), SGP_OK);
	sig(&x);
	sgp_buf_append(&pn, x.data, x.len);
	sgp_buf_append(&pn, cert.data, cert.len);
	sgp_buf_append(&pn, cert.data, cert.len);
	ck_assert_int_eq(sgp_der_wrap(&pn, 0x30), SGP_OK);
	struct es9_handle_notification_req hn = { .pending_notification = pn };
	check_req(ES9_HANDLE_NOTIFICATION, &hn, &e);
	ck_assert(buf_eq(&e.u.hn.pending_notification, &pn));
	esipa_req_free(&e);

	/* members that are not what their tag says: refused */
	ac.authenticate_server_response = pdr;
	ck_assert_int_eq(esipa_req_from_es9(ES9_AUTHENTICATE_CLIENT, &ac, NULL, 0, &der),
			 SGP_ERR_INVAL);
	ac.authenticate_server_response = asr;
	ac.transaction_id.len = 0;
	ck_assert_int_eq(esipa_req_from_es9(ES9_AUTHENTICATE_CLIENT, &ac, NULL, 0, &der),
			 SGP_ERR_INVAL);
	hn.pending_notification.len--;	/* truncated */
	ck_assert_int_eq(esipa_req_from_es9(ES9_HANDLE_NOTIFICATION, &hn, NULL, 0, &der),
			 SGP_ERR_PARSE);
	sgp_buf_free(&asr);
	sgp_buf_free(&pdr);
	sgp_buf_free(&csr);
	sgp_buf_free(&pn);
	sgp_buf_free(&x);
	sgp_buf_free(&der);
}
END_TEST

START_TEST(test_session_answers)
{
	struct sgp_buf md = SGP_BUF_INIT, ss2 = SGP_BUF_INIT, s = SGP_BUF_INIT, der = SGP_BUF_INIT;
	struct sgp_buf upp = SGP_BUF_INIT, bpp = SGP_BUF_INIT;
	struct smdp_profile_metadata m = { .iccid = "89440000000000000011",
					   .service_provider_name = "Lab", .profile_name = "p",
					   .profile_class = 2 };
	struct smdp_upp_params up = { .iccid = "89440000000000000011", .imsi = "001010123456789" };
	struct es9_authenticate_client_resp ac = { 0 }, ac2 = { 0 };
	struct es9_get_bound_profile_package_resp gb = { 0 }, gb2 = { 0 };
	struct es9_status_resp st = { 0 };
	struct es9_answer ans = { .rc = 0 };
	uint8_t otpk[SGP_CURVE_POINT_LEN], eid[16] = { 0x89 };
	struct sgp_key *otk = NULL, *dppb = NULL;
	long code;

	ck_assert_int_eq(smdp_metadata_encode(&m, &md), SGP_OK);
	put(&ss2, 0x80, TID, sizeof(TID));
	put(&ss2, 0x01, "\x00", 1);
	ck_assert_int_eq(sgp_der_wrap(&ss2, 0x30), SGP_OK);
	sig(&s);
	ac = (struct es9_authenticate_client_resp){
		.transaction_id = { (uint8_t *)TID, sizeof(TID), 0 }, .profile_metadata = md,
		.smdp_signed2 = ss2, .smdp_signature2 = s, .smdp_certificate = cert };
	ans.resp = &ac;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_AUTHENTICATE_CLIENT, &ans, &der), SGP_OK);
	ck_assert_int_eq(esipa_resp_to_es9(ES9_AUTHENTICATE_CLIENT, der.data, der.len, &ac2, &code),
			 SGP_OK);
	ck_assert_int_eq(code, -1);
	ck_assert(buf_eq(&ac2.profile_metadata, &md) && buf_eq(&ac2.smdp_signed2, &ss2) &&
		  buf_eq(&ac2.smdp_signature2, &s) && buf_eq(&ac2.smdp_certificate, &cert));
	json_msg_free(&es9_authenticate_client_resp_desc, &ac2);
	/* the answer of another function is no answer */
	ck_assert_int_eq(esipa_resp_to_es9(ES9_GET_BOUND_PROFILE_PACKAGE, der.data, der.len, &gb2,
					   &code), SGP_ERR_PARSE);

	/* a real Bound Profile Package */
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(tb.pki, SGP_PKI_ROLE_DPPB), &dppb), SGP_OK);
	ck_assert_int_eq(sgp_ecka_generate_otk(sgp_key_curve(dppb), &otk, otpk), SGP_OK);
	ck_assert_int_eq(smdp_upp_build(&up, &upp), SGP_OK);
	struct smdp_bpp_params bp = { .transaction_id = TID, .transaction_id_len = sizeof(TID),
				      .euicc_otpk = otpk, .euicc_otpk_len = sizeof(otpk),
				      .eid = eid, .dppb = dppb, .metadata = md.data,
				      .metadata_len = md.len, .upp = upp.data, .upp_len = upp.len };
	ck_assert_int_eq(smdp_bpp_build(&bp, &bpp), SGP_OK);
	gb.transaction_id = ac.transaction_id;
	gb.bound_profile_package = bpp;
	ans.resp = &gb;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_GET_BOUND_PROFILE_PACKAGE, &ans, &der), SGP_OK);
	ck_assert_int_eq(esipa_resp_to_es9(ES9_GET_BOUND_PROFILE_PACKAGE, der.data, der.len, &gb2,
					   &code), SGP_OK);
	ck_assert_int_eq(code, -1);
	ck_assert(buf_eq(&gb2.bound_profile_package, &bpp));
	json_msg_free(&es9_get_bound_profile_package_resp_desc, &gb2);

	/* cancelSession: no body; handleNotification: no ESipa answer at all */
	ans.resp = &st;
	ck_assert_int_eq(esipa_resp_from_es9(ES9_CANCEL_SESSION, &ans, &der), SGP_OK);
	ck_assert_int_eq(esipa_resp_to_es9(ES9_CANCEL_SESSION, der.data, der.len, &st, &code),
			 SGP_OK);
	ck_assert_int_eq(st.header.status, ES_EXECUTED_SUCCESS);
	ck_assert_int_eq(esipa_resp_from_es9(ES9_HANDLE_NOTIFICATION, &ans, &der), SGP_OK);
	ck_assert_uint_eq(der.len, 0);

	sgp_key_free(otk);
	sgp_key_free(dppb);
	sgp_buf_free(&md);
	sgp_buf_free(&ss2);
	sgp_buf_free(&s);
	sgp_buf_free(&upp);
	sgp_buf_free(&bpp);
	sgp_buf_free(&der);
}
END_TEST

/* ---- every error code of every function, both ways ---- */

START_TEST(test_error_codes)
{
	static const enum es9_function fns[] = { ES9_INITIATE_AUTHENTICATION,
		ES9_AUTHENTICATE_CLIENT, ES9_GET_BOUND_PROFILE_PACKAGE, ES9_CANCEL_SESSION };
	unsigned mapped = 0, own = 0;

	for (size_t k = 0; k < sizeof(fns) / sizeof(fns[0]); k++) {
		enum es9_function f = fns[k];
		const struct json_msg_desc *d = esipa_es9_resp_desc(f);
		long code, back;
		size_t i;

		for (i = 0; esipa_error_at(f, i, &code) == SGP_OK; i++) {
			const char *subject = NULL, *reason = NULL;
			struct sgp_buf der = SGP_BUF_INIT;
			struct es9_answer ans = { .rc = SGP_ERR_PEER };
			void *r = calloc(1, d->size);
			int has = esipa_error_to_status(f, code, &subject, &reason);

			ck_assert_str_ne(esipa_error_name(f, code), "?");
			/* the eIM: ES9+ refusal -> ESipa error */
			if (has == SGP_OK) {
				mapped++;
				ck_assert_int_eq(esipa_error_from_status(f, subject, reason), code);
				snprintf(ans.subject_code, sizeof(ans.subject_code), "%s", subject);
				snprintf(ans.reason_code, sizeof(ans.reason_code), "%s", reason);
				ck_assert_int_eq(esipa_resp_from_es9(f, &ans, &der), SGP_OK);
			} else {
				own++;
				ck_assert_int_eq(esipa_resp_error(f, code, &der), SGP_OK);
			}
			/* the IPA: ESipa error -> ES9+ Failed with the same codes */
			ck_assert_int_eq(esipa_resp_to_es9(f, der.data, der.len, r, &back), SGP_OK);
			ck_assert_int_eq(back, code);
			struct es_resp_header *h = r;
			ck_assert_int_eq(h->status, ES_FAILED);
			ck_assert(h->has_status_code_data);
			if (has == SGP_OK) {
				ck_assert_str_eq(h->scd.subject_code, subject);
				ck_assert_str_eq(h->scd.reason_code, reason);
			} else {
				ck_assert_ptr_null(h->scd.subject_code);
				ck_assert_ptr_nonnull(strstr(h->scd.message,
							     esipa_error_name(f, code)));
			}
			json_msg_free(d, r);
			free(r);
			sgp_buf_free(&der);
		}
		ck_assert_uint_gt(i, 2);
		/* a pair no table lists, and a transport failure: undefinedError */
		ck_assert_int_eq(esipa_error_from_status(f, "9.9", "9.9"), ESIPA_UNDEFINED_ERROR);
		ck_assert_int_eq(esipa_error_from_status(f, NULL, NULL), ESIPA_UNDEFINED_ERROR);
		ck_assert_str_eq(esipa_error_name(f, 999), "?");
	}
	ck_assert_uint_eq(mapped, 3 + 10 + 6 + 2);
	ck_assert_uint_eq(own, 4 + 4 + 3 + 1);
	/* the example of SGP.32 6.3.2.2 */
	ck_assert_int_eq(esipa_error_from_status(ES9_AUTHENTICATE_CLIENT, "8.2.6", "3.8"), 6);
	{
		struct es9_answer dead = { .rc = SGP_ERR_TIMEOUT };
		struct sgp_buf der = SGP_BUF_INIT;
		struct es9_status_resp r = { 0 };
		long back;

		ck_assert_int_eq(esipa_resp_from_es9(ES9_CANCEL_SESSION, &dead, &der), SGP_OK);
		ck_assert_int_eq(esipa_resp_to_es9(ES9_CANCEL_SESSION, der.data, der.len, &r, &back),
				 SGP_OK);
		ck_assert_int_eq(back, ESIPA_UNDEFINED_ERROR);
		json_msg_free(&es9_status_resp_desc, &r);
		sgp_buf_free(&der);
	}
}
END_TEST

/* ---- malformed ESipa input ---- */

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"",			/* empty */
		"BF39",			/* truncated header */
		"BF390581",		/* length beyond the end */
		"BF3911810F000000000000000000000000000000",	/* challenge of 15 */
		"BF3B03800101",		/* authenticateClient without the response */
		"BF3D0530038001",	/* handleNotification of nothing valid */
		"BF4F00",		/* getEimPackage without eid */
		"30030201",		/* no ESipa message */
		"BF3B058001010A00",	/* wrong inner tag */
	};
	struct esipa_req e;
	struct es9_status_resp r = { 0 };
	struct sgp_buf b = SGP_BUF_INIT;
	long code;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sgp_buf_reset(&b);
		if (*bad[i])
			ck_assert_int_eq(sgp_hex_decode(bad[i], &b), SGP_OK);
		ck_assert_msg(esipa_req_to_es9(b.data ? b.data : (const uint8_t *)"", b.len, &e) ==
			      SGP_ERR_PARSE, "input %zu accepted", i);
		ck_assert_int_eq(esipa_resp_to_es9(ES9_CANCEL_SESSION,
						   b.data ? b.data : (const uint8_t *)"", b.len,
						   &r, &code), SGP_ERR_PARSE);
	}
	/* a valid message of another function: not for the relay */
	sgp_buf_reset(&b);
	ck_assert_int_eq(sgp_hex_decode("BF4F125A10" "89049032123451234512345678901235", &b),
			 SGP_OK);
	ck_assert_int_eq(esipa_req_to_es9(b.data, b.len, &e), SGP_ERR_NOTFOUND);
	/* CancelSessionRequestEsipa with an error answer of the eUICC */
	sgp_buf_reset(&b);
	ck_assert_int_eq(sgp_hex_decode("BF41088001" "01A1038101" "05", &b), SGP_OK);
	ck_assert_int_eq(esipa_req_to_es9(b.data, b.len, &e), SGP_OK);
	ck_assert_uint_eq(e.u.cs.cancel_session_response.data[0], 0xBF);
	esipa_req_free(&e);
	/* compact forms (minimizeEsipaBytes) are not expanded:
	 * compactCancelSessionResponseOk A2 { 30 00, 5F37 sig } */
	{
		struct sgp_buf c = SGP_BUF_INIT, s64 = SGP_BUF_INIT;

		sig(&s64);
		put(&c, 0x30, NULL, 0);
		sgp_buf_append(&c, s64.data, s64.len);
		ck_assert_int_eq(sgp_der_wrap(&c, 0xA2), SGP_OK);
		ck_assert_int_eq(sgp_der_wrap(&c, 0xA1), SGP_OK);
		sgp_buf_reset(&b);
		put(&b, 0x80, "\x01", 1);
		sgp_buf_append(&b, c.data, c.len);
		ck_assert_int_eq(sgp_der_wrap(&b, 0xBF41), SGP_OK);
		ck_assert_int_eq(esipa_req_to_es9(b.data, b.len, &e), SGP_ERR_UNSUPPORTED);
		sgp_buf_free(&c);
		sgp_buf_free(&s64);
	}
	sgp_buf_free(&b);
}
END_TEST

static Suite *esipa_map_suite(void)
{
	Suite *s = suite_create("esipa_map");
	TCase *tc = tcase_create("map");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_initiate_authentication);
	tcase_add_test(tc, test_session_requests);
	tcase_add_test(tc, test_session_answers);
	tcase_add_test(tc, test_error_codes);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(esipa_map_suite());
}
