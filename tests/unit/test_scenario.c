/* sgp32lab: unit tests for the scenario parser, the runner and JUnit output */
#include "lab/lab.h"
#include "lab/runner.h"
#include "lab/scenario.h"
#include "core/log.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct scenario *parse(const char *text, char *err, size_t errlen)
{
	return scenario_parse("t.scn", text, strlen(text), err, errlen);
}

START_TEST(test_split_words)
{
	char **argv, err[128];
	int argc = scenario_split_line("  expect  euicc @1 name=\"a b \\\" c\" # comment", &argv,
				       err, sizeof(err));
	ck_assert_int_eq(argc, 4);
	ck_assert_str_eq(argv[0], "expect");
	ck_assert_str_eq(argv[2], "@1");
	ck_assert_str_eq(argv[3], "name=a b \" c");
	scenario_free_words(argc, argv);

	ck_assert_int_eq(scenario_split_line("   # only a comment", &argv, err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_split_line("a \"open", &argv, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unterminated quote");
	ck_assert_int_eq(scenario_split_line("a \"bad \\n escape\"", &argv, err, sizeof(err)), -1);
	ck_assert_int_eq(scenario_split_line("a\x01b", &argv, err, sizeof(err)), -1);
	ck_assert_int_eq(scenario_split_line("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
					     "21 22 23 24 25 26 27 28 29 30 31 32 33", &argv,
					     err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_parse_errors_name_the_line)
{
	char err[256];
	char big[SCN_MAX_LINE + 10];
	struct scenario *s;

	ck_assert_ptr_null(parse("lab\nwait \"5m\n", err, sizeof(err)));
	ck_assert_str_eq(err, "t.scn:2: unterminated quote");

	unsetenv("SGP_TEST_UNSET_VAR");
	ck_assert_ptr_null(parse("# x\n\npki load dir=${SGP_TEST_UNSET_VAR}\n", err, sizeof(err)));
	ck_assert(strstr(err, "t.scn:3: ${SGP_TEST_UNSET_VAR} is not set") == err);

	ck_assert_ptr_null(parse("wait ${\n", err, sizeof(err)));
	ck_assert(strncmp(err, "t.scn:1: malformed", 18) == 0);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(parse(big, err, sizeof(err)));
	ck_assert(strstr(err, "t.scn:1: line longer") == err);

	ck_assert_ptr_null(scenario_parse("t.scn", "lab\n\0wait 1s\n", 12, err, sizeof(err)));
	ck_assert_str_eq(err, "t.scn:2: NUL byte in line");

	ck_assert_ptr_null(parse("require\n", err, sizeof(err)));
	ck_assert_ptr_null(parse("require os=linux\n", err, sizeof(err)));

	s = parse("", err, sizeof(err));	/* empty is a valid (empty) scenario */
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->num_steps, 0);
	scenario_free(s);
}
END_TEST

START_TEST(test_parse_steps_and_require)
{
	char err[256];
	struct scenario *s;

	setenv("SGP_TEST_SET_VAR", "/some/dir", 1);
	s = parse("# Checks the clock.\nlab curve=brp   # trailing\n\nwait 10m\nexpect x dir=${SGP_TEST_SET_VAR}\n",
		  err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "t");
	ck_assert_str_eq(s->description, "Checks the clock.");
	ck_assert_uint_eq(s->num_steps, 3);
	ck_assert_uint_eq(s->steps[0].line, 2);
	ck_assert_str_eq(s->steps[0].text, "lab curve=brp");
	ck_assert_str_eq(step_arg(&s->steps[0], "curve"), "brp");
	ck_assert_ptr_null(step_arg(&s->steps[0], "curv"));
	ck_assert_uint_eq(s->steps[1].line, 4);
	ck_assert_str_eq(step_arg(&s->steps[2], "dir"), "/some/dir");
	ck_assert_str_eq(step_positional(&s->steps[2], 1, 0), "x");
	scenario_free(s);

	/* a variable's value stays one word; a comment is not expanded */
	setenv("SGP_TEST_SET_VAR", "two words \"quoted\"", 1);
	unsetenv("SGP_TEST_UNSET_VAR");
	s = parse("expect x dir=${SGP_TEST_SET_VAR}/z   # not ${SGP_TEST_UNSET_VAR}\n", err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(s->steps[0].argc, 3);
	ck_assert_str_eq(step_arg(&s->steps[0], "dir"), "two words \"quoted\"/z");
	ck_assert_str_eq(s->steps[0].text, "expect x dir=${SGP_TEST_SET_VAR}/z");
	scenario_free(s);

	s = parse("require env=SGP_TEST_UNSET_VAR\npki load dir=${SGP_TEST_UNSET_VAR}\n", err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->skip_reason);
	ck_assert_uint_eq(s->num_steps, 0);
	scenario_free(s);
}
END_TEST

START_TEST(test_check_unknown_and_bad_args)
{
	static const struct { const char *text, *err; } cases[] = {
		{ "lab\nfrobnicate now\n", "t.scn:2: unknown step 'frobnicate now'" },
		{ "wait soon\n", "t.scn:1: wait takes one duration" },
		{ "lab curve=p384\n", "t.scn:1: curve must be nist or brp" },
		{ "lab devices=0\n", "t.scn:1: devices must be a number" },
		{ "lab colour=blue\n", "t.scn:1: unknown argument 'colour'" },
		{ "lab roles=hss\n", "t.scn:1: unknown role 'hss'" },
		{ "expect clock at=yesterday\n", "t.scn:1: at= must be a UTC time" },
		{ "expect clock at=2026-02-31T00:00:00Z\n", "t.scn:1: at= must be a UTC time" },
		{ "lab curve=nist curve=brp\n", "t.scn:1: argument 'curve' given twice" },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scenario *s = parse(cases[i].text, err, sizeof(err));
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(runner_check(s, err, sizeof(err)), -1);
		ck_assert_msg(strncmp(err, cases[i].err, strlen(cases[i].err)) == 0,
			      "case %zu: got '%s'", i, err);
		scenario_free(s);
	}
}
END_TEST

static struct scn_result run_text(const char *text, char *out, size_t outlen)
{
	char err[512];
	struct scenario *s = parse(text, err, sizeof(err));
	FILE *f = fmemopen(out, outlen, "w");
	struct runner_opts o = { .step_timeout_ms = 5000, .out = f };
	struct scn_result res;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(runner_check(s, err, sizeof(err)), 0);
	runner_run(&o, s, &res);
	fclose(f);
	res.scn = NULL;	/* the scenario is freed here */
	scenario_free(s);
	return res;
}

START_TEST(test_run_clock_scenario)
{
	char out[4096];
	struct scn_result res;

	log_set_level_all(LOGL_NONE);
	res = run_text("lab curve=nist\nwait 10m\nexpect clock at=2026-01-01T00:10:00Z\n"
		       "wait 1d\nexpect clock at=2026-01-02T00:10:00Z\n", out, sizeof(out));
	ck_assert_int_eq(res.outcome, SCN_PASSED);
	ck_assert_uint_eq(res.steps_run, 5);
	ck_assert_ptr_nonnull(strstr(out, "  ok       2  wait 10m"));
	runner_result_free(&res);

	/* the first failing step ends the scenario and names its line */
	res = run_text("lab\nwait 5m\nexpect clock at=2026-01-01T00:10:00Z\nwait 1s\n", out, sizeof(out));
	ck_assert_int_eq(res.outcome, SCN_FAILED);
	ck_assert_uint_eq(res.steps_run, 3);
	ck_assert_uint_eq(res.fail_line, 3);
	ck_assert_str_eq(res.message, "t.scn:3: expect clock at=2026-01-01T00:10:00Z: "
			 "the lab clock shows 2026-01-01T00:05:00Z");
	runner_result_free(&res);

	res = run_text("lab\nlab\n", out, sizeof(out));
	ck_assert_int_eq(res.outcome, SCN_FAILED);
	ck_assert_uint_eq(res.fail_line, 2);
	runner_result_free(&res);
}
END_TEST

START_TEST(test_junit_report)
{
	char path[] = "/tmp/sgp32lab-junit-XXXXXX";
	struct scenario scn_ok = { .path = (char *)"scenarios/core/a.scn", .name = (char *)"a" };
	struct scenario scn_bad = { .path = (char *)"scenarios/core/b.scn", .name = (char *)"b<&>" };
	struct scn_result res[2] = {
		{ .scn = &scn_ok, .outcome = SCN_PASSED, .seconds = 0.5 },
		{ .scn = &scn_bad, .outcome = SCN_FAILED, .message = (char *)"b.scn:3: \"x\" < y",
		  .output = (char *)"  FAIL \x01 caf\xc3\xa9 \xff\xc3(\xed\xa0\x80\n" },
	};
	char err[256], buf[4096];
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(junit_write(path, res, 2, err, sizeof(err)), 0);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	ck_assert_ptr_nonnull(strstr(buf, "<testsuites name=\"sgp32lab\" tests=\"2\" failures=\"1\""));
	ck_assert_ptr_nonnull(strstr(buf, "<testcase classname=\"scenarios.core\" name=\"a\""));
	ck_assert_ptr_nonnull(strstr(buf, "name=\"b&lt;&amp;&gt;\""));
	ck_assert_ptr_nonnull(strstr(buf, "<failure message=\"b.scn:3: &quot;x&quot; &lt; y\""));
	ck_assert_ptr_null(strchr(buf, '\x01'));
	/* valid UTF-8 stays, invalid bytes (lone 0xff, cut sequence, surrogate) become ? */
	ck_assert_ptr_nonnull(strstr(buf, "  FAIL ? caf\xc3\xa9 ?\?(?\?\?\n"));
	ck_assert_int_eq(junit_write("/nonexistent-dir/x.xml", res, 2, err, sizeof(err)), -1);
}
END_TEST

static Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("scenario");

	tcase_add_test(tc, test_split_words);
	tcase_add_test(tc, test_parse_errors_name_the_line);
	tcase_add_test(tc, test_parse_steps_and_require);
	tcase_add_test(tc, test_check_unknown_and_bad_args);
	tcase_add_test(tc, test_run_clock_scenario);
	tcase_add_test(tc, test_junit_report);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(scenario_suite());
}
