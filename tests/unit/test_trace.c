/* sgp32lab: the trace sink and its HTML page (core/trace) — recording,
 * the body cap, one copy of an exchange both ends reported, interface and
 * function names, escaping of hostile bodies, malformed APDUs */
#include "testutil.h"
#include "core/trace/trace.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The page as a string (free it). */
static char *page(void)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(trace_html_write(f, "test <run>"), 0);
	ck_assert_int_eq(fclose(f), 0);
	return s;
}

/* The machine-readable block of the page, parsed. */
static json_t *page_json(const char *html)
{
	static const char open[] = "<script type=\"application/json\" id=\"sgp32lab-trace\">";
	const char *a = strstr(html, open), *b;
	json_error_t err;
	json_t *j;

	ck_assert_ptr_nonnull(a);
	a += strlen(open);
	b = strstr(a, "</script>");
	ck_assert_ptr_nonnull(b);
	j = json_loadb(a, (size_t)(b - a), 0, &err);
	ck_assert_msg(j != NULL, "JSON block: %s", err.text);
	return j;
}

static const char *msg_str(json_t *j, size_t i, const char *key)
{
	json_t *m = json_array_get(json_object_get(j, "messages"), i);

	ck_assert_ptr_nonnull(m);
	return json_string_value(json_object_get(m, key));
}

START_TEST(test_off_by_default)
{
	static const uint8_t b[] = { 1, 2, 3 };

	ck_assert(!trace_enabled());
	ck_assert_int_eq(trace_http(TRACE_HTTP_CLIENT, -1, "a", NULL, "b", "POST", "/", 0, NULL,
				    b, sizeof(b), NULL), -1);
	ck_assert_int_eq(trace_apdu(-1, "ipa", "euicc", b, sizeof(b)), -1);
	trace_mark("x");
	ck_assert_uint_eq(trace_event_count(), 0);
}
END_TEST

START_TEST(test_body_cap)
{
	uint8_t big[100];

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(trace_start(16), 0);
	ck_assert(trace_enabled());
	ck_assert_int_eq(trace_http(TRACE_HTTP_CLIENT, -1, "ipa", NULL, "h:1", "POST", "/p", 0,
				    "text/plain", big, sizeof(big), NULL), 0);
	ck_assert_uint_eq(trace_event_at(0)->body_len, 16);
	ck_assert_uint_eq(trace_event_at(0)->full_len, 100);
	/* an answer naming a request that does not exist is not paired */
	ck_assert_int_eq(trace_http(TRACE_HTTP_CLIENT, 99, "ipa", NULL, "h:1", NULL, NULL, 200,
				    NULL, NULL, 0, NULL), 1);
	ck_assert_int_eq(trace_event_at(1)->req, -1);
	trace_stop();
	ck_assert(!trace_enabled());
	ck_assert_uint_eq(trace_event_count(), 0);
	ck_assert_ptr_null(trace_event_at(0));
}
END_TEST

START_TEST(test_escaping)
{
	static const char hostile[] = "{\"x\":\"</script><script>alert('1')</script>\"}";
	static const char text[] = "<b onclick=\"x\">'&</b>";
	char *buf = NULL, *html;
	size_t len = 0;
	FILE *f;
	json_t *j;
	long rq;

	f = open_memstream(&buf, &len);
	trace_html_escape(f, text, strlen(text));
	fclose(f);
	ck_assert_str_eq(buf, "&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;&lt;/b&gt;");
	free(buf);
	f = open_memstream(&buf, &len);
	trace_json_escape(f, "</script>\"\\\n", 12);
	fclose(f);
	ck_assert_str_eq(buf, "\\u003c/script\\u003e\\\"\\\\\\u000a");
	free(buf);
	/* bytes that are not UTF-8 text (a stray continuation byte, an
	 * overlong form, a surrogate, a cut sequence, a control character)
	 * are replaced; well-formed text stays */
	f = open_memstream(&buf, &len);
	trace_html_escape(f, "a" "\x80" "b" "\xC0\xAF" "c" "\xED\xA0\x80" "d" "\x01" "\xC3\xA9"
			  "\xE2\x82", 15);
	fclose(f);
	ck_assert_str_eq(buf, "a&#xFFFD;b&#xFFFD;&#xFFFD;c&#xFFFD;&#xFFFD;&#xFFFD;d&#xFFFD;\xC3\xA9"
			 "&#xFFFD;&#xFFFD;");
	free(buf);
	f = open_memstream(&buf, &len);
	trace_json_escape(f, "\xFF\xC3\xA9", 3);
	fclose(f);
	ck_assert_str_eq(buf, "\\ufffd\xC3\xA9");
	free(buf);

	trace_start(0);
	trace_mark("scenario \"<one>\"");
	rq = trace_http(TRACE_HTTP_CLIENT, -1, "op<er>ator", "127.0.0.1:5000", "127.0.0.1:443",
			"POST", "/gsma/rsp2/es2plus/downloadOrder", 0, "application/json",
			(const uint8_t *)hostile, strlen(hostile), NULL);
	ck_assert_int_ge(rq, 0);
	trace_http(TRACE_HTTP_CLIENT, rq, "op<er>ator", "127.0.0.1:5000", "127.0.0.1:443", NULL,
		   NULL, 200, "text/html", (const uint8_t *)"<script>x</script>", 18, NULL);
	html = page();
	/* the only <script> elements are the JSON block */
	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_null(strstr(html, "<b onclick"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "op&lt;er&gt;ator"));
	ck_assert_ptr_nonnull(strstr(html, "<title>test &lt;run&gt;</title>"));
	ck_assert_ptr_null(strstr(html, "src="));
	ck_assert_ptr_null(strstr(html, "http://"));
	j = page_json(html);
	ck_assert_str_eq(msg_str(j, 0, "from"), "op<er>ator");
	ck_assert_str_eq(msg_str(j, 0, "interface"), "ES2+");
	ck_assert_str_eq(msg_str(j, 0, "function"), "downloadOrder");
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "scenarios"), 0), "name")), "scenario \"<one>\"");
	json_decref(j);
	free(html);
	trace_stop();
}
END_TEST

/* Client and server both report an exchange: one copy is shown, with the
 * server's name for the far end; an external client keeps its own. */
START_TEST(test_one_copy)
{
	static const uint8_t get_eim_pkg[] = { 0xBF, 0x4F, 0x03, 0x5A, 0x01, 0x89 };
	json_t *j, *parts;
	char *html;
	long c, s, x;

	trace_start(0);
	c = trace_http(TRACE_HTTP_CLIENT, -1, "ipa", "", "127.0.0.1:7000", "POST",
		       "/gsma/rsp2/asn1", 0, "application/x-gsma-rsp-asn1", get_eim_pkg,
		       sizeof(get_eim_pkg), NULL);
	s = trace_http(TRACE_HTTP_SERVER, -1, "eim", "127.0.0.1:7000", "127.0.0.1:40001", "POST",
		       "/gsma/rsp2/asn1", 0, "application/x-gsma-rsp-asn1", get_eim_pkg,
		       sizeof(get_eim_pkg), NULL);
	trace_http(TRACE_HTTP_SERVER, s, "eim", "127.0.0.1:7000", "127.0.0.1:40001", NULL, NULL,
		   204, NULL, NULL, 0, NULL);
	/* the client learns its address with the answer */
	trace_set_local(c, "127.0.0.1:40001");
	trace_http(TRACE_HTTP_CLIENT, c, "ipa", "127.0.0.1:40001", "127.0.0.1:7000", NULL, NULL,
		   204, NULL, NULL, 0, NULL);
	/* a client of another process */
	x = trace_http(TRACE_HTTP_SERVER, -1, "eim", "127.0.0.1:7000", "10.0.0.9:5555", "POST",
		       "/gsma/rsp2/asn1", 0, NULL, (const uint8_t *)"\xBF", 1, NULL);
	trace_http(TRACE_HTTP_SERVER, x, "eim", "127.0.0.1:7000", "10.0.0.9:5555", NULL, NULL,
		   400, NULL, NULL, 0, NULL);
	/* a call that got no answer */
	x = trace_http(TRACE_HTTP_CLIENT, -1, "ipa", "", "192.0.2.1:443", "POST",
		       "/gsma/rsp2/es9plus/initiateAuthentication", 0, NULL, NULL, 0, NULL);
	trace_http(TRACE_HTTP_CLIENT, x, "ipa", "", "192.0.2.1:443", NULL, NULL, 0, NULL, NULL, 0,
		   "connect failed");
	html = page();
	j = page_json(html);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "messages")), 6);
	ck_assert_str_eq(msg_str(j, 0, "from"), "ipa");
	ck_assert_str_eq(msg_str(j, 0, "to"), "eim");
	ck_assert_str_eq(msg_str(j, 0, "interface"), "ESipa");
	ck_assert_str_eq(msg_str(j, 0, "function"), "getEimPackage");
	ck_assert_str_eq(msg_str(j, 1, "from"), "eim");
	ck_assert_str_eq(msg_str(j, 1, "function"), "getEimPackage");
	ck_assert_str_eq(msg_str(j, 2, "from"), "10.0.0.9");
	ck_assert_str_eq(msg_str(j, 2, "to"), "eim");
	ck_assert_str_eq(msg_str(j, 2, "function"), "(unknown message)");
	ck_assert_str_eq(msg_str(j, 3, "from"), "eim");
	ck_assert_str_eq(msg_str(j, 3, "to"), "10.0.0.9");
	ck_assert_str_eq(msg_str(j, 4, "to"), "192.0.2.1:443");
	ck_assert_str_eq(msg_str(j, 4, "interface"), "ES9+");
	ck_assert_ptr_nonnull(strstr(html, "connect failed"));
	parts = json_object_get(j, "participants");
	ck_assert_uint_eq(json_array_size(parts), 4);
	ck_assert_str_eq(json_string_value(json_array_get(parts, 0)), "ipa");
	ck_assert_str_eq(json_string_value(json_array_get(parts, 1)), "eim");
	json_decref(j);
	free(html);
	trace_stop();
}
END_TEST

/* ES10 in APDUs: the function from the first block's tag, the command and
 * answer decoded; hostile APDUs are shown, never crash the writer. */
START_TEST(test_apdus)
{
	static const uint8_t challenge[] = { 0x81, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2E, 0x00 };
	static const uint8_t answer[] = { 0xBF, 0x2E, 0x12, 0x80, 0x10, 1, 2, 3, 4, 5, 6, 7, 8,
					  9, 10, 11, 12, 13, 14, 15, 16, 0x90, 0x00 };
	static const uint8_t *bad[] = {
		(const uint8_t *)"\x81\xE2\x91\x00\xFF\xBF",	/* Lc beyond the data */
		(const uint8_t *)"\x81\xE2\x91\x00\x01\xBF",	/* a tag cut short */
		(const uint8_t *)"\x81\xE2\x11\x05\x02\xA0\x00",	/* a block without a first */
		(const uint8_t *)"\x81\xC0\x00\x00\x00",	/* GET RESPONSE */
		(const uint8_t *)"\x00\x99",			/* two bytes */
	};
	static const size_t bad_len[] = { 6, 6, 7, 5, 2 };
	json_t *j;
	char *html;
	long rq;

	ck_assert_str_eq(trace_fn_by_tag(0xBF2E), "GetEUICCChallenge");
	ck_assert_ptr_null(trace_fn_by_tag(0x30));
	trace_start(0);
	rq = trace_apdu(-1, "ipa", "euicc", challenge, sizeof(challenge));
	trace_apdu(rq, "ipa", "euicc", answer, sizeof(answer));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rq = trace_apdu(-1, "ipa", "euicc", bad[i], bad_len[i]);
		trace_apdu(rq, "ipa", "euicc", (const uint8_t *)"\x6A", 1);	/* no SW */
	}
	rq = trace_apdu(-1, "ipa", "euicc", (const uint8_t *)"\x04", 1);	/* get ATR */
	trace_apdu(rq, "ipa", "euicc", NULL, 0);				/* link dropped */
	html = page();
	j = page_json(html);
	ck_assert_str_eq(msg_str(j, 0, "interface"), "ES10");
	ck_assert_str_eq(msg_str(j, 0, "function"), "GetEUICCChallenge");
	ck_assert_str_eq(msg_str(j, 0, "from"), "ipa");
	ck_assert_str_eq(msg_str(j, 1, "from"), "euicc");
	ck_assert_str_eq(msg_str(j, 1, "function"), "GetEUICCChallenge");
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_array_get(json_object_get(j, "messages"), 1), "status")), 0x9000);
	ck_assert_str_eq(msg_str(j, 8, "function"), "GET RESPONSE");
	ck_assert_str_eq(msg_str(j, 10, "function"), "(short APDU)");
	ck_assert_str_eq(msg_str(j, 12, "interface"), "vpcd");
	ck_assert_str_eq(msg_str(j, 12, "function"), "get ATR");
	/* both decoded as the spec's types */
	ck_assert_ptr_nonnull(strstr(html, ">GetEuiccChallengeRequest<"));
	ck_assert_ptr_nonnull(strstr(html, ">GetEuiccChallengeResponse<"));
	ck_assert_ptr_nonnull(strstr(html, "no answer"));
	json_decref(j);
	free(html);
	trace_stop();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");

	tcase_add_test(tc, test_off_by_default);
	tcase_add_test(tc, test_body_cap);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_one_copy);
	tcase_add_test(tc, test_apdus);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
