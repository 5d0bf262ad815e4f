/* sgp32lab: Activation Codes (core/ac.c, SGP.22 v2.5 section 4.1) — valid
 * codes in both forms, round trips, and hostile input */
#include "testutil.h"
#include "core/ac.h"
#include "core/err.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *s, struct sgp_ac *ac, enum sgp_ac_err *why)
{
	char msg[200];
	int rc = sgp_ac_parse(s, strlen(s), ac, why, msg, sizeof(msg));

	/* every refusal comes with a message that names the reason */
	if (rc)
		ck_assert_msg(strstr(msg, sgp_ac_err_str(*why)) == msg, "%s: '%s'", s, msg);
	return rc;
}

static void refused(const char *s, enum sgp_ac_err want)
{
	struct sgp_ac ac;
	enum sgp_ac_err why;

	ck_assert_msg(parse(s, &ac, &why) == SGP_ERR_PARSE, "accepted: %s", s);
	ck_assert_msg(why == want, "%s: %s, expected %s", s, sgp_ac_err_str(why),
		      sgp_ac_err_str(want));
	ck_assert_str_eq(ac.smdp_address, "");	/* nothing half-filled */
}

START_TEST(test_ac_valid)
{
	struct sgp_ac ac;
	enum sgp_ac_err why;

	ck_assert_int_eq(parse("LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815", &ac, &why),
			 SGP_OK);
	ck_assert_str_eq(ac.smdp_address, "smdp.example.com");
	ck_assert_str_eq(ac.matching_id, "04386-AGYFT-A74Y8-3F815");
	ck_assert_str_eq(ac.smdp_oid, "");
	ck_assert(!ac.cc_required);
	/* without the QR prefix, with OID and CC flag */
	ck_assert_int_eq(parse("1$rsp.truphone.com$QRF-SPEEDTEST$1.3.6.1.4.1.31746$1", &ac, &why),
			 SGP_OK);
	ck_assert_str_eq(ac.smdp_oid, "1.3.6.1.4.1.31746");
	ck_assert(ac.cc_required);
	/* empty OID before the flag; empty matching ID; trailing empty fields */
	ck_assert_int_eq(parse("LPA:1$smdp.example.com$ABC$$1", &ac, &why), SGP_OK);
	ck_assert(ac.cc_required);
	ck_assert_str_eq(ac.smdp_oid, "");
	ck_assert_int_eq(parse("LPA:1$smdp.example.com$", &ac, &why), SGP_OK);
	ck_assert_str_eq(ac.matching_id, "");
	ck_assert_int_eq(parse("LPA:1$smdp.example.com$X$$", &ac, &why), SGP_OK);
	ck_assert(!ac.cc_required);
	ck_assert_int_eq(parse("LPA:1$smdp.example.com$X$2.999$", &ac, &why), SGP_OK);
	/* the lab's host:port and an IPv4 literal */
	ck_assert_int_eq(parse("LPA:1$127.0.0.1:44321$MID-1", &ac, &why), SGP_OK);
	ck_assert_str_eq(ac.smdp_address, "127.0.0.1:44321");
	ck_assert_int_eq(parse("LPA:1$a$B", &ac, &why), SGP_OK);
}
END_TEST

START_TEST(test_ac_build_roundtrip)
{
	struct sgp_ac ac = { .smdp_address = "smdp.sgp32lab.test", .matching_id = "MID-42" };
	struct sgp_ac back;
	enum sgp_ac_err why;
	char out[SGP_AC_TEXT_MAX + 1], tiny[8];

	ck_assert_int_eq(sgp_ac_build(&ac, true, out, sizeof(out), &why), SGP_OK);
	ck_assert_str_eq(out, "LPA:1$smdp.sgp32lab.test$MID-42");
	ac.cc_required = true;
	ck_assert_int_eq(sgp_ac_build(&ac, false, out, sizeof(out), &why), SGP_OK);
	ck_assert_str_eq(out, "1$smdp.sgp32lab.test$MID-42$$1");
	strcpy(ac.smdp_oid, "2.999.1");
	ck_assert_int_eq(sgp_ac_build(&ac, true, out, sizeof(out), &why), SGP_OK);
	ck_assert_str_eq(out, "LPA:1$smdp.sgp32lab.test$MID-42$2.999.1$1");
	ck_assert_int_eq(parse(out, &back, &why), SGP_OK);
	ck_assert_mem_eq(&back, &ac, sizeof(ac));
	ck_assert_int_eq(sgp_ac_build(&ac, true, tiny, sizeof(tiny), &why), SGP_ERR_TOOBIG);
	ck_assert_str_eq(tiny, "");
	/* bad fields are refused when building, too */
	strcpy(ac.matching_id, "lower");
	ck_assert_int_eq(sgp_ac_build(&ac, true, out, sizeof(out), &why), SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_BAD_TOKEN);
	strcpy(ac.matching_id, "OK");
	strcpy(ac.smdp_oid, "3.1");
	ck_assert_int_eq(sgp_ac_build(&ac, true, out, sizeof(out), &why), SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_BAD_OID);
	ac.smdp_address[0] = '\0';
	ck_assert_int_eq(sgp_ac_build(&ac, true, out, sizeof(out), &why), SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_MISSING_ADDRESS);
	ck_assert_int_eq(sgp_ac_build(NULL, true, out, sizeof(out), &why), SGP_ERR_INVAL);
}
END_TEST

START_TEST(test_ac_malformed)
{
	refused("", SGP_AC_EMPTY);
	refused("LPA:", SGP_AC_EMPTY);
	refused("$$$", SGP_AC_BAD_VERSION);
	refused("LPA:$$$", SGP_AC_BAD_VERSION);
	refused("LPA:2$smdp.example.com$X", SGP_AC_BAD_VERSION);
	refused("LPA:11$smdp.example.com$X", SGP_AC_BAD_VERSION);
	refused("lpa:1$smdp.example.com$X", SGP_AC_BAD_VERSION);	/* prefix is "LPA:" */
	refused("LPA:1", SGP_AC_MISSING_ADDRESS);
	refused("LPA:1$", SGP_AC_MISSING_ADDRESS);
	refused("LPA:1$$X", SGP_AC_MISSING_ADDRESS);
	refused("LPA:1$smdp.example.com", SGP_AC_MISSING_DELIMITER);
	refused("LPA:1$smdp.example.com$X$2.999$1$extra", SGP_AC_TOO_MANY_FIELDS);
	refused("LPA:1$a$b$$$$", SGP_AC_TOO_MANY_FIELDS);
	/* addresses */
	refused("LPA:1$smdp_example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$-smdp.example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp-.example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp..example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$.example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$example.com.$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$https://smdp.example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp.example.com/path$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp.example.com:$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp.example.com:0$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp.example.com:65536$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp.example.com:12a$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$user@smdp.example.com$X", SGP_AC_BAD_ADDRESS);
	refused("LPA:1$smdp example.com$X", SGP_AC_BAD_ADDRESS);
	/* matching IDs: upper-case letters, digits and '-' only */
	refused("LPA:1$smdp.example.com$abc", SGP_AC_BAD_TOKEN);
	refused("LPA:1$smdp.example.com$A B", SGP_AC_BAD_TOKEN);
	refused("LPA:1$smdp.example.com$A_B", SGP_AC_BAD_TOKEN);
	refused("LPA:1$smdp.example.com$A'--", SGP_AC_BAD_TOKEN);
	/* OIDs */
	refused("LPA:1$smdp.example.com$X$abc", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$3.1", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1.40", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1.3..6", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1.3.", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$.1.3", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1.03", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1.3.-6", SGP_AC_BAD_OID);
	refused("LPA:1$smdp.example.com$X$1.3.123456789012345678901", SGP_AC_BAD_OID);
	/* confirmation code required flag */
	refused("LPA:1$smdp.example.com$X$$0", SGP_AC_BAD_CC_FLAG);
	refused("LPA:1$smdp.example.com$X$$11", SGP_AC_BAD_CC_FLAG);
	refused("LPA:1$smdp.example.com$X$$true", SGP_AC_BAD_CC_FLAG);
	refused("LPA:1$smdp.example.com$X$2.999$Y", SGP_AC_BAD_CC_FLAG);
	/* bytes outside printable ASCII */
	refused("LPA:1$smdp.example.com$X\n", SGP_AC_NOT_ASCII);
	refused("LPA:1$smdp.example.com$X\t", SGP_AC_NOT_ASCII);
	refused("LPA:1$sm\x7f" "dp.example.com$X", SGP_AC_NOT_ASCII);
	refused("LPA:1$sm\xc3\xa9" "dp.example.com$X", SGP_AC_NOT_ASCII);
	refused("\xef\xbb\xbf" "LPA:1$smdp.example.com$X", SGP_AC_NOT_ASCII);
}
END_TEST

START_TEST(test_ac_hostile)
{
	struct sgp_ac ac;
	enum sgp_ac_err why;
	char msg[200];
	static const char nul[] = "LPA:1$smdp.example.com\0evil$X";
	size_t big = 1 << 20;
	char *huge = malloc(big + 1);

	/* an embedded NUL is a byte like any other, not an end */
	ck_assert_int_eq(sgp_ac_parse(nul, sizeof(nul) - 1, &ac, &why, msg, sizeof(msg)),
			 SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_NOT_ASCII);
	ck_assert_ptr_nonnull(strstr(msg, "offset 22"));
	/* huge inputs are refused before being looked at */
	ck_assert_ptr_nonnull(huge);
	memset(huge, '$', big);
	huge[big] = '\0';
	ck_assert_int_eq(sgp_ac_parse(huge, big, &ac, &why, msg, sizeof(msg)), SGP_ERR_TOOBIG);
	ck_assert_int_eq(why, SGP_AC_TOO_LONG);
	/* just above the limit, every field as long as allowed plus one */
	memcpy(huge, "LPA:1$", 6);
	memset(huge + 6, 'a', 300);
	memcpy(huge + 306, "$X", 3);
	ck_assert_int_eq(sgp_ac_parse(huge, strlen(huge), &ac, &why, msg, sizeof(msg)),
			 SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_ADDRESS_TOO_LONG);
	memcpy(huge, "LPA:1$a$", 8);
	memset(huge + 8, 'A', 256);
	huge[264] = '\0';
	ck_assert_int_eq(sgp_ac_parse(huge, strlen(huge), &ac, &why, msg, sizeof(msg)),
			 SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_TOKEN_TOO_LONG);
	huge[263] = '\0';	/* 255 characters: the longest matching ID */
	ck_assert_int_eq(sgp_ac_parse(huge, strlen(huge), &ac, &why, msg, sizeof(msg)), SGP_OK);
	ck_assert_uint_eq(strlen(ac.matching_id), 255);
	/* a label of 64 characters */
	memcpy(huge, "LPA:1$", 6);
	memset(huge + 6, 'b', 64);
	memcpy(huge + 70, "$X", 3);
	ck_assert_int_eq(sgp_ac_parse(huge, strlen(huge), &ac, &why, msg, sizeof(msg)),
			 SGP_ERR_PARSE);
	ck_assert_int_eq(why, SGP_AC_BAD_ADDRESS);
	free(huge);
	/* arguments; no error buffer is fine */
	ck_assert_int_eq(sgp_ac_parse(NULL, 3, &ac, NULL, NULL, 0), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_ac_parse("1$a$B", 5, NULL, NULL, NULL, 0), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_ac_parse(NULL, 0, &ac, NULL, NULL, 0), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_ac_parse("$$$$$$$$", 8, &ac, NULL, msg, 4), SGP_ERR_PARSE);
	ck_assert_uint_eq(strlen(msg), 3);	/* truncated, terminated */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ac");
	TCase *tc = tcase_create("ac");

	tcase_add_test(tc, test_ac_valid);
	tcase_add_test(tc, test_ac_build_roundtrip);
	tcase_add_test(tc, test_ac_malformed);
	tcase_add_test(tc, test_ac_hostile);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
