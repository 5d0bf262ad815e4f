/* sgp32lab: unit tests for core/ (buffers, encodings, clock, FSM, log) */
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fsm.h"
#include "core/ids.h"
#include "core/log.h"
#include "testutil.h"

#include <string.h>

START_TEST(test_hex_roundtrip)
{
	struct sgp_buf b = SGP_BUF_INIT;
	char *s;

	ck_assert_int_eq(sgp_hex_decode("BF2E 12\n80", &b), SGP_OK);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_uint_eq(b.data[0], 0xbf);
	ck_assert_uint_eq(b.data[3], 0x80);
	s = sgp_hex_encode(b.data, b.len, true);
	ck_assert_str_eq(s, "BF2E1280");
	free(s);
	ck_assert_int_eq(sgp_hex_decode("ABC", &b), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_hex_decode("0G", &b), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_hex_decode("", &b), SGP_OK);
	ck_assert_uint_eq(b.len, 0);
	sgp_buf_free(&b);
}
END_TEST

START_TEST(test_base64)
{
	static const struct { const char *plain, *b64; } v[] = {
		/* RFC 4648 section 10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *bad[] = { "Zg=", "Zg", "Z===", "Zm9v=", "Zm9vYg==Zg==", "Zh==",
				     "Zm9*", "=Zm9", "Zm8==" };
	struct sgp_buf b = SGP_BUF_INIT;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *e = sgp_base64_encode((const uint8_t *)v[i].plain, strlen(v[i].plain));
		ck_assert_str_eq(e, v[i].b64);
		free(e);
		ck_assert_int_eq(sgp_base64_decode(v[i].b64, strlen(v[i].b64), &b), SGP_OK);
		ck_assert_uint_eq(b.len, strlen(v[i].plain));
		ck_assert(b.len == 0 || memcmp(b.data, v[i].plain, b.len) == 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sgp_base64_decode(bad[i], strlen(bad[i]), &b) == SGP_ERR_PARSE,
			      "accepted %s", bad[i]);
	sgp_buf_free(&b);
}
END_TEST

static char fired_order[16];
static size_t fired_n;
static uint64_t fired_at[16];
static struct sgp_clock *tclock;

static void record_cb(void *arg)
{
	fired_at[fired_n] = sgp_clock_now_ms(tclock);
	fired_order[fired_n++] = *(const char *)arg;
}

START_TEST(test_clock_order)
{
	struct sgp_timer a, b, c;
	static const char na = 'a', nb = 'b', nc = 'c';

	tclock = sgp_clock_new_simulated(1000);
	fired_n = 0;
	sgp_timer_init(&a, tclock, record_cb, (void *)&na);
	sgp_timer_init(&b, tclock, record_cb, (void *)&nb);
	sgp_timer_init(&c, tclock, record_cb, (void *)&nc);
	sgp_timer_schedule(&a, 300);
	sgp_timer_schedule(&b, 100);
	sgp_timer_schedule(&c, 100);	/* same expiry as b: fires after b */
	ck_assert_int_eq(sgp_clock_advance(tclock, 99), 0);
	ck_assert_int_eq(sgp_clock_advance(tclock, 1), 2);
	ck_assert_int_eq(sgp_clock_advance(tclock, 1000), 1);
	ck_assert_uint_eq(fired_n, 3);
	ck_assert(memcmp(fired_order, "bca", 3) == 0);
	ck_assert_uint_eq(fired_at[0], 1100);
	ck_assert_uint_eq(fired_at[2], 1300);	/* fired at its own time, not at the end */
	ck_assert_uint_eq(sgp_clock_now_ms(tclock), 2100);
	sgp_timer_schedule(&a, 10);
	sgp_timer_cancel(&a);
	ck_assert(!sgp_timer_pending(&a));
	ck_assert_int_eq(sgp_clock_advance(tclock, 100), 0);
	sgp_clock_free(tclock);
}
END_TEST

START_TEST(test_duration)
{
	uint64_t ms;
	ck_assert_int_eq(sgp_duration_parse("10m", &ms), SGP_OK);
	ck_assert_uint_eq(ms, 600000);
	ck_assert_int_eq(sgp_duration_parse("250ms", &ms), SGP_OK);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(sgp_duration_parse("3", &ms), SGP_OK);
	ck_assert_uint_eq(ms, 3000);
	ck_assert_int_eq(sgp_duration_parse("3x", &ms), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_duration_parse("-3s", &ms), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_duration_parse("99999999999999999999d", &ms), SGP_ERR_PARSE);
}
END_TEST

/* A small procedure: IDLE -(start)-> WAIT_RESPONSE -(response)-> DONE, with a
 * timeout in WAIT_RESPONSE. */
enum { ST_IDLE, ST_WAIT_RESPONSE, ST_DONE };
enum { EV_START, EV_RESPONSE };
static const char *const ev_names[] = { "START", "RESPONSE" };
static int actions_run, cleanups;
static enum sgp_fsm_term_cause last_cause;

static void idle_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	actions_run++;
	sgp_fsm_state_chg(fi, ST_WAIT_RESPONSE, 5000, 1);
}

static void wait_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	actions_run++;
	sgp_fsm_state_chg(fi, ST_DONE, 0, 0);
	sgp_fsm_term(fi, SGP_FSM_TERM_REGULAR);	/* freed after the dispatch */
}

static void test_cleanup(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause)
{
	cleanups++;
	last_cause = cause;
}

static const struct sgp_fsm_state test_states[] = {
	[ST_IDLE] = {
		.name = "IDLE",
		.in_event_mask = SGP_FSM_BIT(EV_START),
		.out_state_mask = SGP_FSM_BIT(ST_WAIT_RESPONSE),
		.action = idle_action,
	},
	[ST_WAIT_RESPONSE] = {
		.name = "WAIT_RESPONSE",
		.in_event_mask = SGP_FSM_BIT(EV_RESPONSE),
		.out_state_mask = SGP_FSM_BIT(ST_DONE),
		.action = wait_action,
	},
	[ST_DONE] = { .name = "DONE" },
};
static const struct sgp_fsm test_fsm = {
	.name = "test", .log_cat = DFSM, .states = test_states, .num_states = 3,
	.event_names = ev_names, .num_events = 2, .cleanup = test_cleanup,
};

START_TEST(test_fsm_table)
{
	struct sgp_clock *clk = sgp_clock_new_simulated(0);
	struct sgp_fsm_inst *fi;

	log_set_level(DFSM, LOGL_NONE);
	ck_assert_int_eq(sgp_fsm_validate(&test_fsm), SGP_OK);
	actions_run = cleanups = 0;

	/* regular run */
	fi = sgp_fsm_inst_alloc(&test_fsm, clk, "1", NULL);
	ck_assert_int_eq(sgp_fsm_dispatch(fi, EV_RESPONSE, NULL), SGP_ERR_STATE);
	ck_assert_int_eq(actions_run, 0);
	ck_assert_int_eq(sgp_fsm_dispatch(fi, EV_START, NULL), SGP_OK);
	ck_assert_str_eq(sgp_fsm_state_name(fi), "WAIT_RESPONSE");
	ck_assert_int_eq(sgp_fsm_state_chg(fi, ST_IDLE, 0, 0), SGP_ERR_STATE);
	ck_assert_int_eq(sgp_fsm_dispatch(fi, EV_RESPONSE, NULL), SGP_OK);
	ck_assert_int_eq(cleanups, 1);
	ck_assert_int_eq(last_cause, SGP_FSM_TERM_REGULAR);

	/* timeout on the simulated clock */
	fi = sgp_fsm_inst_alloc(&test_fsm, clk, "2", NULL);
	sgp_fsm_dispatch(fi, EV_START, NULL);
	ck_assert_int_eq(sgp_clock_advance(clk, 4999), 0);
	ck_assert_int_eq(cleanups, 1);
	ck_assert_int_eq(sgp_clock_advance(clk, 1), 1);
	ck_assert_int_eq(cleanups, 2);
	ck_assert_int_eq(last_cause, SGP_FSM_TERM_TIMEOUT);
	sgp_clock_free(clk);
}
END_TEST

/* A timer callback that terminates the instance itself (and returns
 * true, as a careless one might): freed once, no leak under ASan. */
static bool self_term_timer(struct sgp_fsm_inst *fi, int T)
{
	sgp_fsm_term(fi, SGP_FSM_TERM_ERROR);
	return true;
}

START_TEST(test_fsm_timer_terminates_itself)
{
	struct sgp_fsm self_term = test_fsm;
	struct sgp_clock *clk = sgp_clock_new_simulated(0);
	struct sgp_fsm_inst *fi;

	log_set_level(DFSM, LOGL_NONE);
	self_term.timer_cb = self_term_timer;
	cleanups = 0;
	fi = sgp_fsm_inst_alloc(&self_term, clk, "3", NULL);
	sgp_fsm_dispatch(fi, EV_START, NULL);
	ck_assert_int_eq(sgp_clock_advance(clk, 5000), 1);
	ck_assert_int_eq(cleanups, 1);
	ck_assert_int_eq(last_cause, SGP_FSM_TERM_ERROR);
	sgp_clock_free(clk);
}
END_TEST

START_TEST(test_fsm_validate_rejects)
{
	static const struct sgp_fsm_state bad_states[] = {
		{ .name = "A" },
		{ .name = "B" },	/* unreachable */
	};
	static const struct sgp_fsm bad = {
		.name = "bad", .log_cat = DFSM, .states = bad_states, .num_states = 2,
	};
	log_set_level(DFSM, LOGL_NONE);
	ck_assert_int_eq(sgp_fsm_validate(&bad), SGP_ERR_INVAL);
}
END_TEST

static char captured[256];
static void capture_sink(enum log_cat cat, enum log_level level, const char *line, void *arg)
{
	snprintf(captured, sizeof(captured), "%s", line);
}

START_TEST(test_log_deterministic)
{
	struct sgp_clock *clk = sgp_clock_new_simulated(0);
	struct sgp_fsm_inst *fi = sgp_fsm_inst_alloc(&test_fsm, clk, "7", NULL);

	log_set_deterministic(true);
	log_set_sink(capture_sink, NULL);
	log_set_level(DFSM, LOGL_DEBUG);
	LOGPFSM(fi, LOGL_NOTICE, "hello %d", 42);
	ck_assert_str_eq(captured, "DFSM NOTICE test(7){IDLE}: hello 42");
	captured[0] = 0;
	log_set_level(DFSM, LOGL_ERROR);
	LOGPFSM(fi, LOGL_NOTICE, "filtered");
	ck_assert_str_eq(captured, "");
	log_set_sink(NULL, NULL);
	sgp_fsm_term(fi, SGP_FSM_TERM_REQUEST);
	sgp_clock_free(clk);
}
END_TEST

START_TEST(test_iccid_eid)
{
	uint8_t bcd[16];
	char text[33];

	/* SGP.22 2.2.3: nibbles swapped, F padding */
	ck_assert_int_eq(sgp_iccid_to_bcd("8944000000000000011", bcd), SGP_OK);
	ck_assert(memcmp(bcd, "\x98\x44\x00\x00\x00\x00\x00\x00\x10\xf1", 10) == 0);
	ck_assert_int_eq(sgp_iccid_from_bcd(bcd, 10, text), SGP_OK);
	ck_assert_str_eq(text, "8944000000000000011");
	ck_assert_int_eq(sgp_iccid_to_bcd("89440000000000000011", bcd), SGP_OK);
	ck_assert_uint_eq(bcd[9], 0x11);
	ck_assert_int_eq(sgp_iccid_to_bcd("894400000000000001x", bcd), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_iccid_to_bcd("89440000", bcd), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_iccid_from_bcd((const uint8_t *)"\x98\x44\x00\x00\x00\x00\x00\x00\xf0\x11", 10, text),
			 SGP_ERR_PARSE);	/* a digit after the padding */
	ck_assert_int_eq(sgp_iccid_from_bcd((const uint8_t *)"\x98\x44\x00\x00\x00\x00\x00\x00\x1a\xff", 10, text),
			 SGP_ERR_PARSE);	/* nibble A */
	ck_assert_int_eq(sgp_eid_to_bcd("89049032123451234512345678901235", bcd), SGP_OK);
	ck_assert_uint_eq(bcd[0], 0x89);
	ck_assert_uint_eq(bcd[15], 0x35);
	ck_assert_int_eq(sgp_eid_from_bcd(bcd, 16, text), SGP_OK);
	ck_assert_str_eq(text, "89049032123451234512345678901235");
	ck_assert_int_eq(sgp_eid_to_bcd("8904903212345123451234567890123", bcd), SGP_ERR_PARSE);
	bcd[3] = 0x9a;
	ck_assert_int_eq(sgp_eid_from_bcd(bcd, 16, text), SGP_ERR_PARSE);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_hex_roundtrip);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_clock_order);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_fsm_table);
	tcase_add_test(tc, test_fsm_validate_rejects);
	tcase_add_test(tc, test_fsm_timer_terminates_itself);
	tcase_add_test(tc, test_log_deterministic);
	tcase_add_test(tc, test_iccid_eid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(core_suite());
}
