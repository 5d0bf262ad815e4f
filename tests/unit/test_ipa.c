/* sgp32lab: the IPA's download engine — the ES10 client against a real
 * eUICC card over the vpcd socket on 127.0.0.1 (port 0), and the download
 * procedure against a small ES9+ server built from the SM-DP+'s signing and
 * BPP code. */
#include "testutil.h"
#include "euicc_testbed.h"
#include "ipa/apdu_transport.h"
#include "ipa/download.h"
#include "ipa/es10_client.h"
#include "sim/card.h"
#include "sim/euicc.h"
#include "core/apdu/vpcd.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------- the card over vpcd */

struct bed {
	struct testbed tb;
	struct card *card;
	struct event_base *base;
	struct vpcd_card *vc;
	struct ipa_apdu_transport *t;
	struct ipa_es10 *es10;
	unsigned apdus;		/* APDUs the card got */
	unsigned drop_at;	/* end the link at this APDU (1-based), 0: never */
	int raw_fd;		/* a silent "card" (raw listener), or -1 */
};

static int vc_apdu(void *arg, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	struct bed *b = arg;

	if (++b->apdus == b->drop_at)
		return SGP_ERR_IO;	/* the card goes away mid-exchange */
	return card_apdu(b->card, apdu, len, rapdu);
}

static void vc_ctrl(void *arg, uint8_t ctrl)
{
	struct bed *b = arg;

	if (ctrl != VPCD_CTRL_ON)
		card_reset(b->card);
}

static const uint8_t *vc_atr(void *arg, size_t *len)
{
	(void)arg;
	return card_atr(len);
}

static void vc_link(void *arg, bool up)
{
	struct bed *b = arg;

	if (!up)
		card_reset(b->card);
}

static const struct vpcd_card_ops vc_ops = {
	.apdu = vc_apdu, .ctrl = vc_ctrl, .atr = vc_atr, .link = vc_link,
};

#define RUN_UNTIL(b, cond) do { \
	while (!(cond)) \
		ck_assert_int_ge(event_base_loop((b)->base, EVLOOP_ONCE), 0); \
} while (0)

static void bed_init(struct bed *b, const char *curve)
{
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DEUICC };
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .cat = DIPA, .reconnect_ms = 5 };
	struct ipa_es10_cfg cfg = { 0 };

	memset(b, 0, sizeof(*b));
	b->raw_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	testbed_init(&b->tb, curve, false);
	ck_assert_int_eq(card_new(b->tb.euicc, &b->card), SGP_OK);
	b->base = event_base_new();
	ck_assert_ptr_nonnull(b->base);
	ck_assert_int_eq(vpcd_card_new(b->base, &ep, &vc_ops, b, &b->vc), SGP_OK);
	rep.port = vpcd_card_port(b->vc);
	ck_assert_int_eq(ipa_transport_vpcd_new(b->base, &rep, &b->t), SGP_OK);
	RUN_UNTIL(b, b->t->ops->ready(b->t->impl) && vpcd_card_linked(b->vc));
	cfg.clock = b->tb.clock;
	ck_assert_int_eq(ipa_es10_new(b->t, &cfg, &b->es10), SGP_OK);
}

static void bed_free(struct bed *b)
{
	ipa_es10_free(b->es10);
	ipa_transport_free(b->t);
	vpcd_card_free(b->vc);
	if (b->raw_fd >= 0)
		close(b->raw_fd);
	event_base_free(b->base);
	card_free(b->card);
	testbed_free(&b->tb);
}

struct answer {
	bool done;
	int rc;
	uint16_t sw;
	char stage[32];
	struct sgp_buf data;
	unsigned order;
};

static unsigned answer_seq;

static void answer_cb(void *arg, const struct ipa_es10_result *res)
{
	struct answer *a = arg;

	ck_assert(!a->done);	/* exactly once */
	a->done = true;
	a->rc = res->rc;
	a->sw = res->sw;
	a->order = ++answer_seq;
	snprintf(a->stage, sizeof(a->stage), "%s", res->stage);
	ck_assert_int_eq(sgp_buf_set(&a->data, res->data, res->len), SGP_OK);
}

static void es10_hex(struct bed *b, const char *hex, struct answer *a)
{
	struct sgp_buf cmd = SGP_BUF_INIT;

	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(sgp_hex_decode(hex, &cmd), SGP_OK);
	ck_assert_int_eq(ipa_es10_call(b->es10, cmd.data, cmd.len, answer_cb, a), SGP_OK);
	sgp_buf_free(&cmd);
}

START_TEST(test_es10_get_eid_and_profiles)
{
	struct bed b;
	struct answer a, p, c;
	const struct card_terminal_caps *tc;
	char *hex;

	bed_init(&b, "nist");
	es10_hex(&b, "BF3E035C015A", &a);
	ck_assert(!a.done);	/* never from inside the call */
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	/* GetEuiccDataResponse: BF3E 12 5A 10 <EID> */
	ck_assert_uint_eq(a.data.len, 21);
	ck_assert_uint_eq(a.data.data[0], 0xBF);
	ck_assert_uint_eq(a.data.data[3], 0x5A);
	hex = sgp_hex_encode(a.data.data + 5, 16, true);
	ck_assert_str_eq(hex, b.tb.eid);
	free(hex);
	/* the start-up a device does: terminal capability, a channel, ISD-R */
	tc = card_terminal_caps(b.card);
	ck_assert(tc->received && tc->extended_channels && tc->has_euicc);
	ck_assert_uint_ne(ipa_es10_channel(b.es10), 0);
	ck_assert(card_channel_open(b.card, ipa_es10_channel(b.es10)));
	ck_assert_int_eq(card_channel_app(b.card, ipa_es10_channel(b.es10)), CARD_APP_ISDR);
	/* ProfileInfoList, then close: queued behind it */
	es10_hex(&b, "BF2D00", &p);
	ck_assert_int_eq(ipa_es10_close(b.es10, answer_cb, &c), SGP_OK);
	memset(&c, 0, sizeof(c));
	ck_assert_uint_eq(ipa_es10_pending(b.es10), 2);
	RUN_UNTIL(&b, c.done);
	ck_assert(p.done && p.order < c.order);
	ck_assert_int_eq(p.rc, SGP_OK);
	ck_assert_uint_ge(p.data.len, 3);
	ck_assert(!memcmp(p.data.data, "\xBF\x2D", 2));
	ck_assert_int_eq(c.rc, SGP_OK);
	ck_assert_uint_eq(ipa_es10_channel(b.es10), 0);
	for (unsigned ch = 1; ch < CARD_CHANNELS; ch++)
		ck_assert(!card_channel_open(b.card, ch));
	/* nothing open: nothing to close */
	ck_assert_int_eq(ipa_es10_close(b.es10, answer_cb, &c), SGP_ERR_STATE);
	/* the next command opens a channel again */
	es10_hex(&b, "BF3E035C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	sgp_buf_free(&a.data);
	sgp_buf_free(&p.data);
	sgp_buf_free(&c.data);
	bed_free(&b);
}
END_TEST

START_TEST(test_es10_long_answer_and_queue)
{
	struct bed b;
	struct answer a[3];
	unsigned before;

	bed_init(&b, "nist");
	/* three commands at once, answered in order */
	es10_hex(&b, "BF2000", &a[0]);		/* GetEUICCInfo1 */
	es10_hex(&b, "BF5600", &a[1]);		/* GetCerts (SGP.32): two certificates */
	es10_hex(&b, "BF2E00", &a[2]);		/* GetEUICCChallenge */
	RUN_UNTIL(&b, a[2].done);
	for (int i = 0; i < 3; i++) {
		ck_assert(a[i].done);
		ck_assert_int_eq(a[i].rc, SGP_OK);
		ck_assert_uint_eq(a[i].order, a[0].order + (unsigned)i);
	}
	ck_assert(!memcmp(a[0].data.data, "\xBF\x20", 2));
	ck_assert(!memcmp(a[1].data.data, "\xBF\x56", 2));
	ck_assert_uint_gt(a[1].data.len, 256);	/* came through GET RESPONSE */
	ck_assert_uint_eq(a[2].data.len, 21);
	/* the long answer took more than one APDU after the STORE DATA */
	before = b.apdus;
	for (int i = 0; i < 3; i++)
		sgp_buf_free(&a[i].data);
	es10_hex(&b, "BF5600", &a[1]);
	RUN_UNTIL(&b, a[1].done);
	ck_assert_int_eq(a[1].rc, SGP_OK);
	ck_assert_uint_ge(b.apdus - before, 2);
	sgp_buf_free(&a[1].data);
	bed_free(&b);
}
END_TEST

START_TEST(test_es10_refused)
{
	struct bed b;
	struct answer a;

	bed_init(&b, "nist");
	/* a command whose length lies: the eUICC cannot parse it */
	es10_hex(&b, "BF3E055C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_ERR_PEER);
	ck_assert_uint_eq(a.sw, 0x6A80);
	ck_assert_str_eq(a.stage, "STORE DATA");
	/* the channel stays usable */
	es10_hex(&b, "BF3E035C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	ck_assert_int_eq(ipa_es10_call(b.es10, (const uint8_t *)"\xBF", 1, answer_cb, &a),
			 SGP_ERR_INVAL);
	sgp_buf_free(&a.data);
	bed_free(&b);
}
END_TEST

START_TEST(test_es10_card_disconnects)
{
	struct bed b;
	struct answer a, q;

	bed_init(&b, "nist");
	/* the link drops at the STORE DATA (TC, MANAGE CHANNEL, SELECT first) */
	b.drop_at = 4;
	es10_hex(&b, "BF3E035C015A", &a);
	es10_hex(&b, "BF2D00", &q);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_ERR_IO);
	ck_assert_str_eq(a.stage, "STORE DATA");
	/* the queued command finds no card: reported, not stuck */
	RUN_UNTIL(&b, q.done);
	ck_assert_int_eq(q.rc, SGP_ERR_IO);
	ck_assert_uint_eq(ipa_es10_channel(b.es10), 0);
	/* the reader reconnects to the listening card: a fresh start-up */
	RUN_UNTIL(&b, b.t->ops->ready(b.t->impl) && vpcd_card_linked(b.vc));
	es10_hex(&b, "BF3E035C015A", &a);
	RUN_UNTIL(&b, a.done);
	ck_assert_int_eq(a.rc, SGP_OK);
	sgp_buf_free(&a.data);
	sgp_buf_free(&q.data);
	bed_free(&b);
}
END_TEST

/* A "card" that accepts the connection and never answers. */
START_TEST(test_es10_timeout)
{
	struct bed b;
	struct answer a, q;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .cat = DIPA, .reconnect_ms = 5 };
	struct ipa_es10_cfg cfg = { .apdu_timeout_ms = 2000 };

	bed_init(&b, "nist");
	ipa_es10_free(b.es10);
	ipa_transport_free(b.t);
	b.raw_fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(b.raw_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(b.raw_fd, 4), 0);
	ck_assert_int_eq(getsockname(b.raw_fd, (struct sockaddr *)&sa, &sl), 0);
	rep.port = ntohs(sa.sin_port);
	ck_assert_int_eq(ipa_transport_vpcd_new(b.base, &rep, &b.t), SGP_OK);
	RUN_UNTIL(&b, b.t->ops->ready(b.t->impl));
	cfg.clock = b.tb.clock;
	ck_assert_int_eq(ipa_es10_new(b.t, &cfg, &b.es10), SGP_OK);
	es10_hex(&b, "BF3E035C015A", &a);
	es10_hex(&b, "BF2D00", &q);
	/* let the APDU go out; nothing comes back */
	for (int i = 0; i < 5; i++)
		event_base_loop(b.base, EVLOOP_NONBLOCK);
	ck_assert(!a.done);
	ck_assert_int_gt(sgp_clock_advance(b.tb.clock, 2000), 0);
	ck_assert(a.done && q.done);
	ck_assert_int_eq(a.rc, SGP_ERR_TIMEOUT);
	ck_assert_str_eq(a.stage, "TERMINAL CAPABILITY");
	ck_assert_int_eq(q.rc, SGP_ERR_IO);
	/* unusable from now on */
	ck_assert_int_eq(ipa_es10_call(b.es10, (const uint8_t *)"\xBF\x2D\x00", 3, answer_cb, &a),
			 SGP_ERR_IO);
	sgp_buf_free(&a.data);
	sgp_buf_free(&q.data);
	bed_free(&b);
}
END_TEST

static Suite *ipa_suite(void)
{
	Suite *s = suite_create("ipa");
	TCase *tc = tcase_create("es10");

	tcase_add_test(tc, test_es10_get_eid_and_profiles);
	tcase_add_test(tc, test_es10_long_answer_and_queue);
	tcase_add_test(tc, test_es10_refused);
	tcase_add_test(tc, test_es10_card_disconnects);
	tcase_add_test(tc, test_es10_timeout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(ipa_suite());
}
