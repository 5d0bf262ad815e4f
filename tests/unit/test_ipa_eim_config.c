/* sgp32lab: unit tests for the IPA's reading of its eIM's address
 * (ipa/eim_config.c, ES10b.GetEimConfigurationData): the first entry with
 * an eimFqdn is used; entries without one, malformed and truncated
 * answers, strings with a NUL, and host names no URL can carry are
 * refused with a reason. */
#include "testutil.h"
#include "ipa/eim_config.h"
#include "core/buf.h"
#include "core/err.h"

#include <string.h>

static struct ipa_eim_address parse_hex(const char *hex, int want)
{
	struct sgp_buf b = SGP_BUF_INIT;
	struct ipa_eim_address a;

	ck_assert_int_eq(sgp_hex_decode(hex, &b), SGP_OK);
	ck_assert_int_eq(ipa_eim_address_parse(b.data, b.len, &a), want);
	ck_assert_int_eq(a.rc, want);
	if (want < 0)
		ck_assert_str_ne(a.reason, "");
	sgp_buf_free(&b);
	return a;
}

/* BF55 { [0] { SEQUENCE { [0] "eim-1" } SEQUENCE { [0] "eim-2" [1] "127.0.0.1:8443" } } } */
START_TEST(first_entry_with_fqdn)
{
	struct ipa_eim_address a = parse_hex(
		"BF5524" "A022"
		"3007" "8005" "65696d2d31"
		"3017" "8005" "65696d2d32" "810e" "3132372e302e302e313a38343433",
		SGP_OK);

	ck_assert_str_eq(a.eim_id, "eim-2");
	ck_assert_str_eq(a.eim_fqdn, "127.0.0.1:8443");
	ck_assert_uint_eq(a.entries, 2);
}
END_TEST

START_TEST(no_entry_with_fqdn)
{
	struct ipa_eim_address a = parse_hex("BF5502A000", SGP_ERR_NOTFOUND);

	ck_assert_uint_eq(a.entries, 0);
	ck_assert_ptr_nonnull(strstr(a.reason, "0 eIM configuration entries"));
	a = parse_hex("BF5509A0073005" "8003" "65696d", SGP_ERR_NOTFOUND);
	ck_assert_uint_eq(a.entries, 1);
}
END_TEST

START_TEST(malformed_answers)
{
	/* truncated, wrong tag, trailing bytes, empty */
	parse_hex("BF5525A023300780", SGP_ERR_PARSE);
	parse_hex("BF5402A000", SGP_ERR_PARSE);
	parse_hex("BF5502A00000", SGP_ERR_PARSE);
	/* a NUL inside the eimFqdn */
	parse_hex("BF550FA00D300B" "8003" "65696d" "8104" "68006f73", SGP_ERR_PARSE);
}
END_TEST

START_TEST(url_from_fqdn)
{
	char url[64], tiny[16];

	ck_assert_int_eq(ipa_eim_url_from_fqdn("eim.example.com:8443", url, sizeof(url)), SGP_OK);
	ck_assert_str_eq(url, "https://eim.example.com:8443/gsma/rsp2/asn1");
	ck_assert_int_eq(ipa_eim_url_from_fqdn("[::1]:8443", url, sizeof(url)), SGP_OK);
	ck_assert_int_eq(ipa_eim_url_from_fqdn("", url, sizeof(url)), SGP_ERR_INVAL);
	ck_assert_int_eq(ipa_eim_url_from_fqdn("eim/../x", url, sizeof(url)), SGP_ERR_INVAL);
	ck_assert_int_eq(ipa_eim_url_from_fqdn("eim x", url, sizeof(url)), SGP_ERR_INVAL);
	ck_assert_int_eq(ipa_eim_url_from_fqdn("user@eim", url, sizeof(url)), SGP_ERR_INVAL);
	ck_assert_int_eq(ipa_eim_url_from_fqdn("eim.example.com", tiny, sizeof(tiny)),
			 SGP_ERR_INVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipa_eim_config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, first_entry_with_fqdn);
	tcase_add_test(tc, no_entry_with_fqdn);
	tcase_add_test(tc, malformed_answers);
	tcase_add_test(tc, url_from_fqdn);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
