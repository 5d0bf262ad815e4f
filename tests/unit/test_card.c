/* sgp32lab: unit tests of core/apdu (APDU codec, vpcd socket) and sim/card
 * (the eUICC's APDU front end) */
#include "testutil.h"
#include "euicc_testbed.h"
#include "core/apdu/apdu.h"
#include "core/apdu/vpcd.h"
#include "core/err.h"
#include "core/ids.h"
#include "sim/card.h"
#include "sim/card_vpcd.h"
#include "sim/euicc_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ISDR "A0000005591010FFFFFFFF8900000100"
#define ECASD "A0000005591010FFFFFFFF8900000200"

/* ------------------------------------------------------------ APDU codec */

static void parse_hex(const char *hex, struct sgp_buf *b, struct apdu_cmd *cmd,
		      enum apdu_parse_result want)
{
	sgp_buf_reset(b);
	ck_assert_int_eq(sgp_hex_decode(hex, b), SGP_OK);
	ck_assert_msg(apdu_parse(b->data, b->len, cmd) == want, "%s", hex);
}

START_TEST(test_apdu_cases)
{
	struct sgp_buf b = SGP_BUF_INIT, out = SGP_BUF_INIT;
	struct apdu_cmd cmd;
	uint16_t sw;
	size_t n;

	parse_hex("00700000", &b, &cmd, APDU_PARSE_OK);
	ck_assert_int_eq(cmd.apdu_case, 1);
	ck_assert(!cmd.has_le && !cmd.lc);
	parse_hex("0070000001", &b, &cmd, APDU_PARSE_OK);
	ck_assert_int_eq(cmd.apdu_case, 2);
	ck_assert_uint_eq(cmd.ne, 1);
	parse_hex("00C0000000", &b, &cmd, APDU_PARSE_OK);
	ck_assert_uint_eq(cmd.ne, 256);
	parse_hex("80E2910003BF3E03", &b, &cmd, APDU_PARSE_OK);
	ck_assert_int_eq(cmd.apdu_case, 3);
	ck_assert_uint_eq(cmd.lc, 3);
	ck_assert_int_eq(cmd.data[0], 0xBF);
	parse_hex("80E2910003BF3E0300", &b, &cmd, APDU_PARSE_OK);
	ck_assert_int_eq(cmd.apdu_case, 4);
	ck_assert_uint_eq(cmd.ne, 256);
	/* rebuild what was parsed */
	ck_assert_int_eq(apdu_build(&cmd, &out), SGP_OK);
	ck_assert_uint_eq(out.len, b.len);
	ck_assert(!memcmp(out.data, b.data, b.len));

	parse_hex("", &b, &cmd, APDU_PARSE_TOO_SHORT);
	parse_hex("00A404", &b, &cmd, APDU_PARSE_TOO_SHORT);
	parse_hex("00A4040010A000", &b, &cmd, APDU_PARSE_BAD_LENGTH);	/* Lc beyond data */
	parse_hex("00A4040002A0000000", &b, &cmd, APDU_PARSE_BAD_LENGTH);	/* data beyond Lc+Le */
	parse_hex("00A404000000", &b, &cmd, APDU_PARSE_BAD_LENGTH);	/* Lc 0 */
	parse_hex("00C00000000100", &b, &cmd, APDU_PARSE_EXTENDED);	/* case 2E */
	parse_hex("80E29100000003BF3E03", &b, &cmd, APDU_PARSE_EXTENDED);	/* case 3E */

	cmd = (struct apdu_cmd){ .cla = 0x80, .ins = 0xE2, .lc = 256, .data = b.data };
	ck_assert_int_eq(apdu_build(&cmd, &out), SGP_ERR_TOOBIG);
	cmd = (struct apdu_cmd){ .cla = 0x00, .ins = 0xC0, .has_le = true, .ne = 257 };
	ck_assert_int_eq(apdu_build(&cmd, &out), SGP_ERR_TOOBIG);
	cmd.ne = 0;
	ck_assert_int_eq(apdu_build(&cmd, &out), SGP_ERR_INVAL);

	ck_assert_int_eq(apdu_response(&out, (const uint8_t *)"\x01\x02", 2, SW_OK), SGP_OK);
	ck_assert_int_eq(apdu_response_split(out.data, out.len, &sw, &n), SGP_OK);
	ck_assert_uint_eq(sw, 0x9000);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(apdu_response_split(out.data, 1, &sw, &n), SGP_ERR_PARSE);
	sgp_buf_free(&b);
	sgp_buf_free(&out);
}
END_TEST

/* ------------------------------------------------------------ the card */

struct bed {
	struct testbed tb;
	struct card *card;
	struct sgp_buf data;	/* response data of the last APDU */
};

static void bed_init(struct bed *b)
{
	memset(b, 0, sizeof(*b));
	testbed_init(&b->tb, "nist", false);
	ck_assert_int_eq(card_new(b->tb.euicc, &b->card), SGP_OK);
}

static void bed_free(struct bed *b)
{
	card_free(b->card);
	testbed_free(&b->tb);
	sgp_buf_free(&b->data);
}

static uint16_t xmit_bin(struct bed *b, const uint8_t *apdu, size_t len)
{
	struct sgp_buf r = SGP_BUF_INIT;
	uint16_t sw;
	size_t n;

	ck_assert_int_eq(card_apdu(b->card, apdu, len, &r), SGP_OK);
	ck_assert_int_eq(apdu_response_split(r.data, r.len, &sw, &n), SGP_OK);
	ck_assert_int_eq(sgp_buf_set(&b->data, r.data, n), SGP_OK);
	sgp_buf_free(&r);
	return sw;
}

static uint16_t xmit(struct bed *b, const char *hex)
{
	struct sgp_buf a = SGP_BUF_INIT;
	uint16_t sw;

	ck_assert_int_eq(sgp_hex_decode(hex, &a), SGP_OK);
	sw = xmit_bin(b, a.data, a.len);
	sgp_buf_free(&a);
	return sw;
}

#define XMIT(b, hex, want) do { uint16_t sw_ = xmit(b, hex); \
	ck_assert_msg(sw_ == (want), "%s: %04X, expected %04X", hex, sw_, (unsigned)(want)); } while (0)

static void data_is(struct bed *b, const char *hex)
{
	char *got = sgp_hex_encode(b->data.data, b->data.len, true);
	ck_assert_str_eq(got, hex);
	free(got);
}

/* The GetEID answer: BF3E 12 5A 10 <EID in BCD> */
static void check_eid_answer(struct bed *b)
{
	uint8_t bcd[16];

	ck_assert_int_eq(sgp_eid_to_bcd(b->tb.eid, bcd), SGP_OK);
	ck_assert_uint_eq(b->data.len, 21);
	ck_assert(!memcmp(b->data.data, "\xBF\x3E\x12\x5A\x10", 5));
	ck_assert(!memcmp(b->data.data + 5, bcd, 16));
}

START_TEST(test_atr)
{
	size_t len, i;
	const uint8_t *a = card_atr(&len);
	uint8_t x = 0;

	ck_assert_uint_ge(len, 2);
	ck_assert_int_eq(a[0], 0x3B);
	for (i = 1; i < len; i++)	/* TCK: T0 .. TCK exclusive-or to zero */
		x ^= a[i];
	ck_assert_int_eq(x, 0);
	ck_assert_uint_eq(len, 2 + 5 + (a[1] & 0x0F) + 1);
	ck_assert_int_eq(a[4] & 0x0F, 0x0F);	/* TD2: T=15 */
	ck_assert_int_eq(a[6] & 0x82, 0x82);	/* TB3: eUICC */
}
END_TEST

/* A device's start-up (DESIGN.md): MANAGE CHANNEL, SELECT ISD-R, STORE DATA
 * on the channel, GET RESPONSE, MANAGE CHANNEL close. */
START_TEST(test_channel_select_store_data)
{
	struct bed b;

	bed_init(&b);
	XMIT(&b, "0070000001", SW_OK);
	data_is(&b, "01");
	ck_assert(card_channel_open(b.card, 1));
	XMIT(&b, "01A4040010" ISDR, 0x611A);		/* Le absent: 61xx (T=0) */
	XMIT(&b, "01C000001A", SW_OK);
	data_is(&b, "6F188410" ISDR "A5049F6501FF");
	ck_assert_int_eq(card_channel_app(b.card, 1), CARD_APP_ISDR);
	XMIT(&b, "81E2910006BF3E035C015A00", SW_OK);	/* Le '00' */
	check_eid_answer(&b);
	XMIT(&b, "81E2910006BF3E035C015A", 0x6115);	/* no Le */
	XMIT(&b, "01C0000000", SW_OK);
	check_eid_answer(&b);
	XMIT(&b, "01C0000000", SW_CONDITIONS_NOT_SATISFIED);	/* nothing left */
	/* short Le: the rest follows in parts */
	XMIT(&b, "81E2910006BF3E035C015A05", 0x6110);
	data_is(&b, "BF3E125A10");
	XMIT(&b, "01C0000005", 0x610B);
	XMIT(&b, "01C000000B", SW_OK);
	ck_assert_uint_eq(b.data.len, 11);
	/* the ECASD is there, with no STORE DATA */
	XMIT(&b, "01A4040C10" ECASD, SW_OK);
	ck_assert_uint_eq(b.data.len, 0);
	XMIT(&b, "81E2910006BF3E035C015A00", SW_CONDITIONS_NOT_SATISFIED);
	XMIT(&b, "0070800100", SW_OK);
	ck_assert(!card_channel_open(b.card, 1));
	XMIT(&b, "81E2910006BF3E035C015A00", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	bed_free(&b);
}
END_TEST

START_TEST(test_store_data_chaining)
{
	struct bed b;
	char apdu[700];
	int i;

	bed_init(&b);
	XMIT(&b, "00A4040C10" ISDR, SW_OK);
	/* GetEID in two blocks */
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	ck_assert_uint_eq(b.data.len, 0);
	XMIT(&b, "80E29101035C015A00", SW_OK);
	check_eid_answer(&b);
	/* three blocks of a long command: the whole reaches the eUICC, whose
	 * DER check refuses it (6A80) */
	snprintf(apdu, sizeof(apdu), "80E21100FFBF3E820254");	/* claims 596 bytes */
	for (i = 0; i < 250; i++)
		strcat(apdu, "00");
	XMIT(&b, apdu, SW_OK);
	XMIT(&b, "80E2110103" "000000", SW_OK);
	XMIT(&b, "80E2910203" "000000", SW_WRONG_DATA);
	/* a wrong block number breaks the sequence; its continuation too */
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "80E29102035C015A00", SW_INCORRECT_P1P2);
	XMIT(&b, "80E29101035C015A00", SW_INCORRECT_P1P2);
	/* a first block that is not block 0 */
	XMIT(&b, "80E2910106BF3E035C015A00", SW_INCORRECT_P1P2);
	/* P1 other than '11'/'91' */
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "80E20101035C015A00", SW_INCORRECT_P1P2);
	XMIT(&b, "80E29101035C015A00", SW_INCORRECT_P1P2);
	XMIT(&b, "80E2810006BF3E035C015A00", SW_INCORRECT_P1P2);
	/* another command on the channel breaks it */
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "00A4040C10" ISDR, SW_OK);
	XMIT(&b, "80E29101035C015A00", SW_INCORRECT_P1P2);
	/* a block without data, a block with the wrong class */
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "80E2910100", SW_WRONG_LENGTH);
	XMIT(&b, "80E29101035C015A00", SW_INCORRECT_P1P2);
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "00E29101035C015A00", SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "80E29101035C015A00", SW_INCORRECT_P1P2);
	/* block 0 again starts afresh */
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "80E2110003BF3E03", SW_OK);
	XMIT(&b, "80E29101035C015A00", SW_OK);
	check_eid_answer(&b);
	/* a sequence on channel 1 survives commands on channel 0 */
	XMIT(&b, "0070000001", SW_OK);
	XMIT(&b, "01A4040C10" ISDR, SW_OK);
	XMIT(&b, "81E2110003BF3E03", SW_OK);
	XMIT(&b, "00A4040C10" ECASD, SW_OK);
	XMIT(&b, "80E2910006BF3E035C015A00", SW_CONDITIONS_NOT_SATISFIED);
	XMIT(&b, "81E29101035C015A00", SW_OK);
	check_eid_answer(&b);
	bed_free(&b);
}
END_TEST

START_TEST(test_store_data_limits)
{
	struct bed b;
	uint8_t apdu[5 + 255 + 1];
	unsigned blk, total = 0;
	uint16_t sw = SW_OK;

	bed_init(&b);
	XMIT(&b, "00A4040C10" ISDR, SW_OK);
	/* malformed DER in one block: 6A80, and the card is as before */
	XMIT(&b, "80E2910005BF3E035C0100", SW_WRONG_DATA);
	XMIT(&b, "80E2910002BF3E00", SW_WRONG_DATA);
	XMIT(&b, "80E2910003FFFFFF00", SW_WRONG_DATA);
	ck_assert_int_eq(card_channel_app(b.card, 0), CARD_APP_ISDR);
	XMIT(&b, "80E2910006BF3E035C015A00", SW_OK);
	check_eid_answer(&b);
	/* CARD_MAX_COMMAND: full blocks until the sequence is too long */
	memset(apdu, 0x00, sizeof(apdu));
	apdu[0] = 0x80;
	apdu[1] = 0xE2;
	apdu[2] = 0x11;
	apdu[4] = 255;
	for (blk = 0; sw == SW_OK && blk < 256; blk++) {
		apdu[3] = (uint8_t)blk;
		sw = xmit_bin(&b, apdu, 5 + 255);
		if (sw == SW_OK)
			total += 255;
	}
	ck_assert_uint_eq(sw, SW_NOT_ENOUGH_MEMORY);
	ck_assert_uint_le(total, CARD_MAX_COMMAND);
	ck_assert_uint_gt(total + 255, CARD_MAX_COMMAND);
	/* the sequence is gone */
	apdu[3] = (uint8_t)blk;
	ck_assert_uint_eq(xmit_bin(&b, apdu, 5 + 255), SW_INCORRECT_P1P2);
	XMIT(&b, "80E2910006BF3E035C015A00", SW_OK);
	bed_free(&b);
}
END_TEST

/* An answer over 256 bytes: GetEimConfigurationData with long eIM ids. */
START_TEST(test_long_answer)
{
	struct bed b;
	struct sgp_buf all = SGP_BUF_INIT;
	uint16_t sw;
	int i;

	bed_init(&b);
	for (i = 0; i < 5; i++) {
		struct euicc_eim m = { .counter = 1 };
		char hex[300];

		memset(m.eim_id, 'a' + i, 100);
		m.eim_id[100] = 0;
		snprintf(hex, sizeof(hex), "30698064");
		for (int k = 0; k < 100; k++)
			snprintf(hex + 8 + 2 * k, 3, "%02X", 'a' + i);
		strcat(hex, "830101");
		ck_assert_int_eq(sgp_hex_decode(hex, &m.config), SGP_OK);
		ck_assert_int_eq(euicc_eim_put(b.tb.euicc, &m), SGP_OK);
		sgp_buf_free(&m.config);
	}
	XMIT(&b, "00A4040C10" ISDR, SW_OK);
	sw = xmit(&b, "80E2910003BF550000");
	ck_assert_msg(b.data.len == 256, "SW %04X, %zu bytes", sw, b.data.len);
	ck_assert_uint_eq(sw, 0x6100);		/* 288 left: '00' says 256 or more */
	sgp_buf_append(&all, b.data.data, b.data.len);
	sw = xmit(&b, "00C0000000");
	ck_assert_uint_eq(b.data.len, 256);
	ck_assert_uint_eq(sw, 0x6120);		/* 32 left */
	sgp_buf_append(&all, b.data.data, b.data.len);
	while (sw != SW_OK) {
		ck_assert_uint_eq(sw & 0xFF00, 0x6100);
		sw = xmit(&b, "00C0000000");
		sgp_buf_append(&all, b.data.data, b.data.len);
	}
	/* BF55 82 xxxx, A0 82 xxxx, 5 x 107 */
	ck_assert_uint_eq(all.len, 5 + 4 + 5 * 107);
	ck_assert(!memcmp(all.data, "\xBF\x55\x82", 3));
	sgp_buf_free(&all);
	/* a GET RESPONSE with nothing pending, with wrong P1-P2, as case 1/3 */
	XMIT(&b, "00C0000000", SW_CONDITIONS_NOT_SATISFIED);
	XMIT(&b, "80E2910003BF550000", 0x6100);
	XMIT(&b, "00C0010000", SW_INCORRECT_P1P2);
	XMIT(&b, "00C00000", SW_WRONG_LENGTH);
	XMIT(&b, "00C00000", SW_WRONG_LENGTH);
	/* any other command forgets the answer */
	XMIT(&b, "00A4040C10" ISDR, SW_OK);
	XMIT(&b, "00C0000000", SW_CONDITIONS_NOT_SATISFIED);
	bed_free(&b);
}
END_TEST

START_TEST(test_manage_channel)
{
	struct bed b;

	bed_init(&b);
	XMIT(&b, "0070000001", SW_OK);
	data_is(&b, "01");
	XMIT(&b, "0070000300", SW_OK);		/* the terminal picks 3 */
	ck_assert_uint_eq(b.data.len, 0);
	XMIT(&b, "0070000001", SW_OK);
	data_is(&b, "02");
	XMIT(&b, "0070000001", SW_FUNC_NOT_SUPPORTED);	/* 1..3 taken */
	XMIT(&b, "00700003", SW_CONDITIONS_NOT_SATISFIED);	/* already open */
	XMIT(&b, "00700004", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);	/* no extended channels */
	XMIT(&b, "40A4040C10" ISDR, SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	XMIT(&b, "0070800000", SW_INCORRECT_P1P2);	/* the basic channel */
	XMIT(&b, "0070010000", SW_INCORRECT_P1P2);
	XMIT(&b, "0070000101AA", SW_WRONG_LENGTH);
	XMIT(&b, "8070000001", SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "0070800200", SW_OK);
	XMIT(&b, "0070800200", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	XMIT(&b, "02A4040C10" ISDR, SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	XMIT(&b, "0070801400", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	/* extended logical channels after TERMINAL CAPABILITY '81' */
	XMIT(&b, "80AA000004A9028100", SW_OK);
	ck_assert(card_terminal_caps(b.card)->extended_channels);
	XMIT(&b, "0070000001", SW_OK);
	data_is(&b, "02");
	XMIT(&b, "0070000001", SW_OK);
	data_is(&b, "04");
	XMIT(&b, "00700013", SW_OK);			/* 19, the last */
	XMIT(&b, "00700014", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	XMIT(&b, "4FA4040C10" ISDR, SW_OK);		/* CLA '4F': channel 19 */
	ck_assert_int_eq(card_channel_app(b.card, 19), CARD_APP_ISDR);
	XMIT(&b, "CFE2910006BF3E035C015A00", SW_OK);
	check_eid_answer(&b);
	/* a channel opened from 19 starts with 19's selection */
	XMIT(&b, "4F70000001", SW_OK);
	data_is(&b, "05");
	ck_assert_int_eq(card_channel_app(b.card, 5), CARD_APP_ISDR);
	XMIT(&b, "41E2910006BF3E035C015A00", SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "C1E2910006BF3E035C015A00", SW_OK);
	/* power cycle: only the basic channel, nothing selected */
	card_reset(b.card);
	ck_assert(!card_channel_open(b.card, 1));
	ck_assert(!card_channel_open(b.card, 19));
	ck_assert(card_channel_open(b.card, 0));
	ck_assert(!card_terminal_caps(b.card)->received);
	XMIT(&b, "80E2910006BF3E035C015A00", SW_CONDITIONS_NOT_SATISFIED);
	bed_free(&b);
}
END_TEST

START_TEST(test_hostile_apdus)
{
	struct bed b;

	bed_init(&b);
	XMIT(&b, "", SW_WRONG_LENGTH);
	XMIT(&b, "00A4", SW_WRONG_LENGTH);
	XMIT(&b, "00A4040010A000000559", SW_WRONG_LENGTH);	/* Lc beyond data */
	XMIT(&b, "00A40400000010" ISDR, SW_WRONG_LENGTH);	/* extended */
	XMIT(&b, "FFA4040C10" ISDR, SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "20A4040C10" ISDR, SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "A0A4040C10" ISDR, SW_CLA_NOT_SUPPORTED);	/* GSM class */
	XMIT(&b, "84E2910006BF3E035C015A00", SW_SECURE_MESSAGING_NOT_SUPPORTED);
	XMIT(&b, "60A4040C10" ISDR, SW_SECURE_MESSAGING_NOT_SUPPORTED);
	XMIT(&b, "10A4040C10" ISDR, 0x6884);		/* command chaining */
	XMIT(&b, "00B0000000", SW_INS_NOT_SUPPORTED);
	XMIT(&b, "80CA005A00", SW_INS_NOT_SUPPORTED);
	XMIT(&b, "80A4040C10" ISDR, SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "00AA000004A9028100", SW_CLA_NOT_SUPPORTED);
	XMIT(&b, "00A4050C10" ISDR, SW_INCORRECT_P1P2);
	XMIT(&b, "00A4041010" ISDR, SW_INCORRECT_P1P2);
	XMIT(&b, "00A4000C023F00", SW_FILE_NOT_FOUND);
	XMIT(&b, "00A4040C10A0000005591010FFFFFFFF8900000300", SW_FILE_NOT_FOUND);
	XMIT(&b, "00A4040C0FA0000005591010FFFFFFFF89000001", SW_FILE_NOT_FOUND);
	XMIT(&b, "00A4040C", SW_FILE_NOT_FOUND);
	ck_assert_int_eq(card_channel_app(b.card, 0), CARD_APP_NONE);
	XMIT(&b, "80E2910006BF3E035C015A00", SW_CONDITIONS_NOT_SATISFIED);
	XMIT(&b, "01A4040C10" ISDR, SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	XMIT(&b, "43A4040C10" ISDR, SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	/* a failed SELECT keeps the selection */
	XMIT(&b, "00A4040C10" ISDR, SW_OK);
	XMIT(&b, "00A4040C10A0000005591010FFFFFFFF8900000300", SW_FILE_NOT_FOUND);
	ck_assert_int_eq(card_channel_app(b.card, 0), CARD_APP_ISDR);
	/* FCP */
	XMIT(&b, "00A4040410" ISDR "00", SW_OK);
	data_is(&b, "62128410" ISDR);
	bed_free(&b);
}
END_TEST

START_TEST(test_terminal_capability)
{
	struct bed b;
	const struct card_terminal_caps *tc;

	bed_init(&b);
	tc = card_terminal_caps(b.card);
	ck_assert(!tc->received);
	/* power class B (3V) 60 mA no clock; eUICC byte; a private tag */
	XMIT(&b, "80AA00000DA90B8003023CFF830107DF0101", SW_OK);
	ck_assert(tc->received && tc->has_power && tc->has_euicc && !tc->extended_channels);
	ck_assert_int_eq(tc->power_class, 0x02);
	ck_assert_int_eq(tc->power_max_ma, 0x3C);
	ck_assert_int_eq(tc->power_clock, 0xFF);
	ck_assert_uint_eq(tc->euicc_len, 1);
	ck_assert_int_eq(tc->euicc[0], 0x07);
	/* refused: nothing changes */
	XMIT(&b, "80AA000004A8028100", SW_WRONG_DATA);		/* not 'A9' */
	XMIT(&b, "80AA000004A9038100", SW_WRONG_DATA);		/* length */
	XMIT(&b, "80AA000005A9038001FF", SW_WRONG_DATA);	/* '80' of 1 byte */
	XMIT(&b, "80AA000004A90281", SW_WRONG_LENGTH);		/* Lc beyond data */
	XMIT(&b, "80AA000003A90181", SW_WRONG_DATA);		/* no length */
	XMIT(&b, "80AA000005A9038181FF", SW_WRONG_DATA);	/* long form */
	XMIT(&b, "80AA0100", SW_INCORRECT_P1P2);
	XMIT(&b, "80AA0000", SW_WRONG_LENGTH);
	ck_assert(tc->has_power && tc->power_max_ma == 0x3C && !tc->extended_channels);
	bed_free(&b);
}
END_TEST

/* ------------------------------------------------------------ vpcd socket */

struct vbed {
	struct bed card;
	struct event_base *base;
	struct vpcd_card *vc;
	unsigned up, down, apdus, ctrls;
	/* reader-side results */
	int rc;
	bool answered;
	struct sgp_buf answer;
};

static int vb_apdu(void *arg, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	struct vbed *v = arg;

	v->apdus++;
	return card_apdu(v->card.card, apdu, len, rapdu);
}

static void vb_ctrl(void *arg, uint8_t ctrl)
{
	struct vbed *v = arg;

	v->ctrls++;
	if (ctrl != VPCD_CTRL_ON)
		card_reset(v->card.card);
}

static const uint8_t *vb_atr(void *arg, size_t *len)
{
	(void)arg;
	return card_atr(len);
}

static void vb_link(void *arg, bool up)
{
	struct vbed *v = arg;

	if (up)
		v->up++;
	else
		v->down++;
}

static const struct vpcd_card_ops vb_ops = {
	.apdu = vb_apdu, .ctrl = vb_ctrl, .atr = vb_atr, .link = vb_link,
};

static void vb_init(struct vbed *v)
{
	memset(v, 0, sizeof(*v));
	signal(SIGPIPE, SIG_IGN);
	bed_init(&v->card);
	v->base = event_base_new();
	ck_assert_ptr_nonnull(v->base);
}

static void vb_free(struct vbed *v)
{
	vpcd_card_free(v->vc);
	event_base_free(v->base);
	bed_free(&v->card);
	sgp_buf_free(&v->answer);
}

/* Run the loop until cond holds; a hang is caught by Check's timeout. */
#define RUN_UNTIL(v, cond) do { \
	while (!(cond)) \
		ck_assert_int_ge(event_base_loop((v)->base, EVLOOP_ONCE), 0); \
} while (0)

static void reader_cb(void *arg, int rc, const uint8_t *data, size_t len)
{
	struct vbed *v = arg;

	v->rc = rc;
	v->answered = true;
	sgp_buf_set(&v->answer, data, len);
}

static void reader_xmit(struct vbed *v, struct vpcd_reader *r, const char *hex, uint16_t want)
{
	struct sgp_buf a = SGP_BUF_INIT;
	uint16_t sw;
	size_t n;

	ck_assert_int_eq(sgp_hex_decode(hex, &a), SGP_OK);
	v->answered = false;
	ck_assert_int_eq(vpcd_reader_transmit(r, a.data, a.len, reader_cb, v), SGP_OK);
	RUN_UNTIL(v, v->answered);
	ck_assert_int_eq(v->rc, SGP_OK);
	ck_assert_int_eq(apdu_response_split(v->answer.data, v->answer.len, &sw, &n), SGP_OK);
	ck_assert_msg(sw == want, "%s: %04X", hex, sw);
	sgp_buf_free(&a);
}

static void reader_session(struct vbed *v, struct vpcd_reader *r)
{
	size_t atr_len;
	const uint8_t *atr = card_atr(&atr_len);
	uint8_t big[VPCD_MAX_MSG + 1];

	v->answered = false;
	ck_assert_int_eq(vpcd_reader_get_atr(r, reader_cb, v), SGP_OK);
	ck_assert_int_eq(vpcd_reader_get_atr(r, reader_cb, v), SGP_ERR_STATE);	/* one at a time */
	RUN_UNTIL(v, v->answered);
	ck_assert_uint_eq(v->answer.len, atr_len);
	ck_assert(!memcmp(v->answer.data, atr, atr_len));
	ck_assert_int_eq(vpcd_reader_ctrl(r, VPCD_CTRL_ON), SGP_OK);
	ck_assert_int_eq(vpcd_reader_ctrl(r, VPCD_CTRL_ATR), SGP_ERR_INVAL);
	reader_xmit(v, r, "0070000001", SW_OK);
	reader_xmit(v, r, "01A4040C10" ISDR, SW_OK);
	reader_xmit(v, r, "81E2910006BF3E035C015A00", SW_OK);
	ck_assert_uint_eq(v->answer.len, 23);
	/* reset drops the channel */
	ck_assert_int_eq(vpcd_reader_ctrl(r, VPCD_CTRL_RESET), SGP_OK);
	reader_xmit(v, r, "81E2910006BF3E035C015A00", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	ck_assert_uint_eq(v->ctrls, 2);
	/* the largest message that can be framed: an APDU far too long */
	memset(big, 0, sizeof(big));
	v->answered = false;
	ck_assert_int_eq(vpcd_reader_transmit(r, big, sizeof(big), reader_cb, v), SGP_ERR_TOOBIG);
	ck_assert_int_eq(vpcd_reader_transmit(r, big, 1, reader_cb, v), SGP_ERR_INVAL);
	ck_assert_int_eq(vpcd_reader_transmit(r, big, VPCD_MAX_MSG, reader_cb, v), SGP_OK);
	RUN_UNTIL(v, v->answered);
	ck_assert_int_eq(v->rc, SGP_OK);
	ck_assert_uint_eq(v->answer.len, 2);
	ck_assert(!memcmp(v->answer.data, "\x67\x00", 2));
}

START_TEST(test_vpcd_card_listens)
{
	struct vbed v;
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DEUICC };
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .cat = DIPA, .reconnect_ms = 5 };
	struct vpcd_reader *r = NULL;

	vb_init(&v);
	ck_assert_int_eq(vpcd_card_new(v.base, &ep, &vb_ops, &v, &v.vc), SGP_OK);
	ck_assert_uint_ne(vpcd_card_port(v.vc), 0);
	rep.port = vpcd_card_port(v.vc);
	ck_assert_int_eq(vpcd_reader_new(v.base, &rep, NULL, NULL, &r), SGP_OK);
	RUN_UNTIL(&v, v.up == 1 && vpcd_reader_linked(r));
	reader_session(&v, r);
	/* the reader goes: the card sees a power loss */
	vpcd_reader_free(r);
	RUN_UNTIL(&v, v.down == 1);
	ck_assert(!vpcd_card_linked(v.vc));
	vb_free(&v);
}
END_TEST

/* sim/card_vpcd: a reader that vanishes without powering the card off is a
 * power loss (core/apdu reports it as power off) — the next reader finds no
 * channel left open. */
START_TEST(test_card_vpcd_reader_gone)
{
	struct vbed v;
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DEUICC };
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .cat = DIPA, .reconnect_ms = 5 };
	struct vpcd_reader *r = NULL;
	struct card_vpcd *cv = NULL;

	vb_init(&v);
	ck_assert_int_eq(card_vpcd_new(v.card.card, v.base, &ep, vb_link, &v, &cv), SGP_OK);
	rep.port = card_vpcd_port(cv);
	ck_assert_int_eq(vpcd_reader_new(v.base, &rep, NULL, NULL, &r), SGP_OK);
	RUN_UNTIL(&v, v.up == 1 && vpcd_reader_linked(r));
	reader_xmit(&v, r, "0070000001", SW_OK);
	reader_xmit(&v, r, "01A4040C10" ISDR, SW_OK);
	reader_xmit(&v, r, "81E2910006BF3E035C015A00", SW_OK);
	vpcd_reader_free(r);			/* gone, no power off */
	RUN_UNTIL(&v, v.down == 1);
	ck_assert_int_eq(vpcd_reader_new(v.base, &rep, NULL, NULL, &r), SGP_OK);
	RUN_UNTIL(&v, v.up == 2 && vpcd_reader_linked(r));
	reader_xmit(&v, r, "81E2910006BF3E035C015A00", SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
	vpcd_reader_free(r);
	card_vpcd_free(cv);
	vb_free(&v);
}
END_TEST

START_TEST(test_vpcd_card_connects)
{
	struct vbed v;
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DIPA };
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .cat = DEUICC, .reconnect_ms = 5 };
	struct vpcd_reader *r = NULL;

	vb_init(&v);
	ck_assert_int_eq(vpcd_reader_new(v.base, &rep, NULL, NULL, &r), SGP_OK);
	ep.port = vpcd_reader_port(r);
	ck_assert_int_eq(vpcd_card_new(v.base, &ep, &vb_ops, &v, &v.vc), SGP_OK);
	RUN_UNTIL(&v, v.up == 1 && vpcd_reader_linked(r));
	reader_session(&v, r);
	/* the reader (pcscd) restarts on the same port: the card comes back */
	vpcd_reader_free(r);
	RUN_UNTIL(&v, v.down == 1);
	rep.port = ep.port;
	ck_assert_int_eq(vpcd_reader_new(v.base, &rep, NULL, NULL, &r), SGP_OK);
	RUN_UNTIL(&v, v.up == 2 && vpcd_reader_linked(r));
	reader_xmit(&v, r, "0070000001", SW_OK);
	vpcd_reader_free(r);
	vb_free(&v);
}
END_TEST

/* --- hostile peers, as raw sockets --- */

static int raw_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int raw_listen(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void raw_send_hex(int fd, const char *hex)
{
	struct sgp_buf b = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_hex_decode(hex, &b), SGP_OK);
	ck_assert_int_eq(send(fd, b.data, b.len, 0), (ssize_t)b.len);
	sgp_buf_free(&b);
}

/* Non-blocking read of whatever has arrived, appended to acc. */
static bool raw_poll(int fd, struct sgp_buf *acc, size_t want)
{
	uint8_t tmp[512];
	ssize_t n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);

	if (n > 0)
		sgp_buf_append(acc, tmp, (size_t)n);
	return acc->len >= want;
}

static bool raw_closed(int fd)
{
	uint8_t tmp[4];

	return recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT) == 0;
}

START_TEST(test_vpcd_card_hostile_reader)
{
	struct vbed v;
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .port = 0, .listen = true, .cat = DEUICC };
	struct sgp_buf got = SGP_BUF_INIT;
	int fd, fd2;

	vb_init(&v);
	ck_assert_int_eq(vpcd_card_new(v.base, &ep, &vb_ops, &v, &v.vc), SGP_OK);
	/* a good exchange, in pieces: the length, then the APDU byte by byte */
	fd = raw_connect(vpcd_card_port(v.vc));
	RUN_UNTIL(&v, v.up == 1);
	fd2 = raw_connect(vpcd_card_port(v.vc));	/* a second reader is turned away */
	RUN_UNTIL(&v, raw_closed(fd2));
	close(fd2);
	raw_send_hex(fd, "00");
	raw_send_hex(fd, "05");
	raw_send_hex(fd, "0070");
	raw_send_hex(fd, "000001");
	RUN_UNTIL(&v, raw_poll(fd, &got, 5));
	ck_assert_uint_eq(got.len, 5);
	ck_assert(!memcmp(got.data, "\x00\x03\x01\x90\x00", 5));
	ck_assert_uint_eq(v.apdus, 1);
	/* closed in the middle of a message: nothing is delivered */
	raw_send_hex(fd, "000600A4040C");
	close(fd);
	RUN_UNTIL(&v, v.down == 1);
	ck_assert_uint_eq(v.apdus, 1);
	/* a zero-length message ends the link */
	fd = raw_connect(vpcd_card_port(v.vc));
	RUN_UNTIL(&v, v.up == 2);
	raw_send_hex(fd, "0000");
	RUN_UNTIL(&v, v.down == 2);
	close(fd);
	/* an unknown control byte too */
	fd = raw_connect(vpcd_card_port(v.vc));
	RUN_UNTIL(&v, v.up == 3);
	raw_send_hex(fd, "000107");
	RUN_UNTIL(&v, v.down == 3);
	close(fd);
	/* a whole 65535-byte message: answered 6700 */
	fd = raw_connect(vpcd_card_port(v.vc));
	RUN_UNTIL(&v, v.up == 4);
	{
		static uint8_t big[2 + VPCD_MAX_MSG];
		size_t off = 0;

		big[0] = 0xFF;
		big[1] = 0xFF;
		while (off < sizeof(big)) {
			ssize_t n = send(fd, big + off, sizeof(big) - off, MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
			else
				ck_assert_int_ge(event_base_loop(v.base, EVLOOP_ONCE), 0);
		}
	}
	sgp_buf_reset(&got);
	RUN_UNTIL(&v, raw_poll(fd, &got, 4));
	ck_assert(!memcmp(got.data, "\x00\x02\x67\x00", 4));
	close(fd);
	RUN_UNTIL(&v, v.down == 4);
	sgp_buf_free(&got);
	vb_free(&v);
}
END_TEST

START_TEST(test_vpcd_card_reconnects)
{
	struct vbed v;
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .cat = DEUICC, .reconnect_ms = 5 };
	struct sgp_buf got = SGP_BUF_INIT;
	uint16_t port;
	int lfd = raw_listen(&port), fd = -1;

	vb_init(&v);
	ep.port = port;
	ck_assert_int_eq(vpcd_card_new(v.base, &ep, &vb_ops, &v, &v.vc), SGP_OK);
	RUN_UNTIL(&v, v.up == 1);
	fd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	raw_send_hex(fd, "000104");		/* get ATR */
	RUN_UNTIL(&v, raw_poll(fd, &got, 17));
	ck_assert_uint_eq(got.len, 17);
	ck_assert_int_eq(got.data[1], 15);
	ck_assert_int_eq(got.data[2], 0x3B);
	/* the reader closes mid-message; the card comes back */
	raw_send_hex(fd, "00");
	close(fd);
	RUN_UNTIL(&v, v.down == 1);
	RUN_UNTIL(&v, v.up == 2);
	fd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	raw_send_hex(fd, "000104");
	sgp_buf_reset(&got);
	RUN_UNTIL(&v, raw_poll(fd, &got, 17));
	close(fd);
	close(lfd);
	RUN_UNTIL(&v, v.down == 2);
	sgp_buf_free(&got);
	vb_free(&v);
}
END_TEST

/* A reader facing a card that misbehaves. */
START_TEST(test_vpcd_reader_hostile_card)
{
	struct vbed v;
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .cat = DIPA, .reconnect_ms = 5 };
	struct vpcd_reader *r = NULL;
	struct sgp_buf got = SGP_BUF_INIT;
	uint16_t port;
	int lfd = raw_listen(&port), fd;
	unsigned links = 0;

	vb_init(&v);
	rep.port = port;
	ck_assert_int_eq(vpcd_reader_new(v.base, &rep, NULL, NULL, &r), SGP_OK);
	for (int round = 0; round < 3; round++) {
		RUN_UNTIL(&v, vpcd_reader_linked(r));
		fd = accept(lfd, NULL, NULL);
		ck_assert_int_ge(fd, 0);
		links++;
		v.answered = false;
		ck_assert_int_eq(vpcd_reader_transmit(r, (const uint8_t *)"\x00\x70\x00\x00\x01", 5,
						      reader_cb, &v), SGP_OK);
		sgp_buf_reset(&got);
		RUN_UNTIL(&v, raw_poll(fd, &got, 7));
		ck_assert(!memcmp(got.data, "\x00\x05\x00\x70\x00\x00\x01", 7));
		if (round == 0)
			raw_send_hex(fd, "0000");		/* an empty answer */
		else if (round == 1)
			raw_send_hex(fd, "00029000" "00029000");	/* one answer too many */
		else
			raw_send_hex(fd, "000301");		/* then closes mid-message */
		if (round != 1)
			close(fd);
		RUN_UNTIL(&v, v.answered);
		ck_assert_int_eq(v.rc, round == 1 ? SGP_OK : SGP_ERR_PEER);
		RUN_UNTIL(&v, !vpcd_reader_linked(r));
		if (round == 1)
			close(fd);
	}
	ck_assert_uint_eq(links, 3);
	ck_assert_int_eq(vpcd_reader_transmit(r, (const uint8_t *)"\x00\x70", 2, reader_cb, &v),
			 SGP_ERR_STATE);
	vpcd_reader_free(r);
	close(lfd);
	sgp_buf_free(&got);
	vb_free(&v);
}
END_TEST

static Suite *card_suite(void)
{
	Suite *s = suite_create("card");
	TCase *tc = tcase_create("apdu");

	tcase_add_test(tc, test_apdu_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("card");
	tcase_add_test(tc, test_atr);
	tcase_add_test(tc, test_channel_select_store_data);
	tcase_add_test(tc, test_store_data_chaining);
	tcase_add_test(tc, test_store_data_limits);
	tcase_add_test(tc, test_long_answer);
	tcase_add_test(tc, test_manage_channel);
	tcase_add_test(tc, test_hostile_apdus);
	tcase_add_test(tc, test_terminal_capability);
	suite_add_tcase(s, tc);
	tc = tcase_create("vpcd");
	tcase_add_test(tc, test_vpcd_card_listens);
	tcase_add_test(tc, test_vpcd_card_connects);
	tcase_add_test(tc, test_vpcd_card_hostile_reader);
	tcase_add_test(tc, test_vpcd_card_reconnects);
	tcase_add_test(tc, test_card_vpcd_reader_gone);
	tcase_add_test(tc, test_vpcd_reader_hostile_card);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(card_suite());
}
