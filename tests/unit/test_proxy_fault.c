/* sgp32lab: unit tests for the ES9+ message edits of the lab's fault proxy
 * (lab/proxy_fault.c): each edit changes exactly its target, and hostile
 * bodies are answered with an error. */
#include "lab/proxy_fault.h"
#include "core/buf.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A TLV of tag around the bytes of *in (which it consumes). */
static void wrap(struct sgp_buf *b, uint32_t tag)
{
	ck_assert_int_eq(sgp_der_wrap(b, tag), 0);
}

static void put(struct sgp_buf *b, uint32_t tag, uint8_t fill, size_t len)
{
	uint8_t v[200];

	ck_assert_uint_le(len, sizeof(v));
	memset(v, fill, len);
	ck_assert_int_eq(sgp_der_put_tlv(b, tag, v, len), 0);
}

/* A fake Certificate: SEQUENCE of one OCTET STRING of fill bytes. */
static void cert(struct sgp_buf *b, uint8_t fill, size_t len)
{
	struct sgp_buf c = SGP_BUF_INIT;

	put(&c, 0x04, fill, len);
	wrap(&c, 0x30);
	ck_assert_int_eq(sgp_buf_append(b, c.data, c.len), 0);
	sgp_buf_free(&c);
}

/* AuthenticateServerResponse 'BF38' { 'A0' { euiccSigned1, 5F37, eUICC
 * certificate, EUM certificate } } */
static void auth_server_response(struct sgp_buf *b)
{
	struct sgp_buf signed1 = SGP_BUF_INIT;

	put(&signed1, 0x80, 0x11, 16);
	wrap(&signed1, 0x30);
	ck_assert_int_eq(sgp_buf_append(b, signed1.data, signed1.len), 0);
	put(b, 0x5F37, 0x22, 64);
	cert(b, 0x33, 40);
	cert(b, 0x44, 40);
	wrap(b, 0xA0);
	wrap(b, 0xBF38);
	sgp_buf_free(&signed1);
}

/* A JSON body {"transactionId": tid, member: base64(der)} */
static char *body_with(const char *member, const struct sgp_buf *der)
{
	char *b64 = sgp_base64_encode(der->data, der->len);
	json_t *o = json_pack("{s:s, s:s}", "transactionId", "0123ABCD", member, b64);
	char *text = json_dumps(o, JSON_COMPACT);

	free(b64);
	json_decref(o);
	return text;
}

/* The DER of member in a JSON body. */
static void member_der(const struct sgp_buf *body, const char *member, struct sgp_buf *der)
{
	json_t *o = json_loadb((const char *)body->data, body->len, 0, NULL);
	const char *s = json_string_value(json_object_get(o, member));

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sgp_base64_decode(s, strlen(s), der), 0);
	json_decref(o);
}

static int mutate(enum lab_fault_what w, const char *body, struct sgp_buf *out)
{
	struct lab_fault_edit e = { .what = w };

	return lab_fault_mutate(&e, (const uint8_t *)body, strlen(body), out, NULL, 0);
}

START_TEST(test_bad_signature_flips_one_bit)
{
	struct sgp_buf der = SGP_BUF_INIT, out = SGP_BUF_INIT, got = SGP_BUF_INIT;
	char *body, note[160];
	struct lab_fault_edit e = { .what = LAB_FAULT_BAD_SIGNATURE };
	unsigned diff = 0;

	auth_server_response(&der);
	body = body_with("authenticateServerResponse", &der);
	ck_assert_int_eq(lab_fault_mutate(&e, (const uint8_t *)body, strlen(body), &out, note,
					  sizeof(note)), 0);
	ck_assert_ptr_nonnull(strstr(note, "authenticateServerResponse"));
	member_der(&out, "authenticateServerResponse", &got);
	ck_assert_uint_eq(got.len, der.len);
	for (size_t i = 0; i < der.len; i++)
		if (got.data[i] != der.data[i]) {
			diff++;
			ck_assert_uint_eq(got.data[i] ^ der.data[i], 0x01);
			ck_assert_uint_eq(der.data[i], 0x22);	/* inside the signature */
		}
	ck_assert_uint_eq(diff, 1);
	free(body);
	sgp_buf_free(&der);
	sgp_buf_free(&out);
	sgp_buf_free(&got);

	/* a bare '5F37' member (serverSignature1) */
	put(&der, 0x5F37, 0x55, 64);
	body = body_with("serverSignature1", &der);
	ck_assert_int_eq(mutate(LAB_FAULT_BAD_SIGNATURE, body, &out), 0);
	member_der(&out, "serverSignature1", &got);
	ck_assert_uint_eq(got.data[got.len - 1], 0x54);
	free(body);
	sgp_buf_free(&der);
	sgp_buf_free(&out);
	sgp_buf_free(&got);
}
END_TEST

START_TEST(test_transaction_id_and_malformed_der)
{
	struct sgp_buf der = SGP_BUF_INIT, out = SGP_BUF_INIT, got = SGP_BUF_INIT;
	struct der_error derr;
	json_t *o;
	char *body;

	put(&der, 0x82, 0x02, 3);
	wrap(&der, 0xBF20);
	body = body_with("euiccInfo1", &der);
	ck_assert_int_eq(mutate(LAB_FAULT_WRONG_TRANSACTION_ID, body, &out), 0);
	o = json_loadb((const char *)out.data, out.len, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(o, "transactionId")), "0123ABC0");
	json_decref(o);
	sgp_buf_free(&out);

	ck_assert_int_eq(mutate(LAB_FAULT_MALFORMED_DER, body, &out), 0);
	member_der(&out, "euiccInfo1", &got);
	ck_assert_uint_eq(got.len, der.len - 1);
	ck_assert_int_ne(sgp_der_check_tlv(got.data, got.len, &derr), 0);
	free(body);
	sgp_buf_free(&der);
	sgp_buf_free(&out);
	sgp_buf_free(&got);
}
END_TEST

START_TEST(test_unknown_ci_alters_key_ids_only)
{
	struct sgp_buf der = SGP_BUF_INIT, list = SGP_BUF_INIT, out = SGP_BUF_INIT;
	struct sgp_buf got = SGP_BUF_INIT;
	char *body;
	size_t changed = 0;

	put(&der, 0x82, 0x02, 3);
	put(&list, 0x04, 0x66, 20);
	wrap(&list, 0xA9);
	sgp_buf_append(&der, list.data, list.len);
	sgp_buf_reset(&list);
	put(&list, 0x04, 0x66, 20);
	wrap(&list, 0xAA);
	sgp_buf_append(&der, list.data, list.len);
	wrap(&der, 0xBF20);
	body = body_with("euiccInfo1", &der);
	ck_assert_int_eq(mutate(LAB_FAULT_UNKNOWN_CI, body, &out), 0);
	member_der(&out, "euiccInfo1", &got);
	ck_assert_uint_eq(got.len, der.len);
	for (size_t i = 0; i < der.len; i++)
		changed += got.data[i] != der.data[i];
	ck_assert_uint_eq(changed, 2);	/* one byte of each key identifier */
	free(body);
	sgp_buf_free(&out);

	/* no CI lists: nothing to do */
	body = body_with("euiccInfo1", &list);
	ck_assert_int_eq(mutate(LAB_FAULT_UNKNOWN_CI, body, &out), SGP_ERR_NOTFOUND);
	free(body);
	sgp_buf_free(&der);
	sgp_buf_free(&list);
	sgp_buf_free(&got);
}
END_TEST

START_TEST(test_swap_cert_rebuilds_lengths)
{
	struct sgp_buf der = SGP_BUF_INIT, repl = SGP_BUF_INIT, out = SGP_BUF_INIT;
	struct sgp_buf got = SGP_BUF_INIT;
	struct lab_fault_edit e = { .what = LAB_FAULT_SWAP_CERT };
	const uint8_t *v, *a0, *p;
	size_t vl, a0l, pl;
	struct sgp_tlv t;
	struct der_error derr;
	char *body;
	int i = 0;

	auth_server_response(&der);
	cert(&repl, 0x77, 180);	/* longer: every enclosing length grows */
	e.cert = repl.data;
	e.cert_len = repl.len;
	body = body_with("authenticateServerResponse", &der);
	ck_assert_int_eq(lab_fault_mutate(&e, (const uint8_t *)body, strlen(body), &out, NULL, 0),
			 0);
	member_der(&out, "authenticateServerResponse", &got);
	ck_assert_int_eq(sgp_der_check_tlv(got.data, got.len, &derr), 0);
	ck_assert_int_eq(sgp_der_outer_value(got.data, got.len, 0xBF38, &v, &vl), 0);
	ck_assert_int_eq(sgp_der_outer_value(v, vl, 0xA0, &a0, &a0l), 0);
	p = a0;
	pl = a0l;
	while (sgp_der_next_tlv(&p, &pl, &t) == SGP_OK) {
		if (i == 2) {
			ck_assert_uint_eq(t.wl, repl.len);
			ck_assert_int_eq(memcmp(t.whole, repl.data, repl.len), 0);
		}
		i++;
	}
	ck_assert_int_eq(i, 4);
	free(body);
	sgp_buf_free(&out);
	sgp_buf_free(&got);

	/* the eUICC's error alternative carries no certificate */
	sgp_buf_reset(&der);
	put(&der, 0x02, 0x02, 1);
	wrap(&der, 0xA1);
	wrap(&der, 0xBF38);
	body = body_with("authenticateServerResponse", &der);
	ck_assert_int_eq(lab_fault_mutate(&e, (const uint8_t *)body, strlen(body), &out, NULL, 0),
			 SGP_ERR_NOTFOUND);
	free(body);
	sgp_buf_free(&der);
	sgp_buf_free(&repl);
	sgp_buf_free(&out);
}
END_TEST

START_TEST(test_hostile_bodies)
{
	static const char *const bodies[] = {
		"", "garbage", "[]", "{\"transactionId\":", "{\"transactionId\":5}",
		"{\"euiccInfo1\":\"@@@\"}", "{\"euiccInfo1\":\"vyA=\"}",
		"{\"authenticateServerResponse\":\"vzgBoA==\"}",
		"{\"serverSignature1\":\"XzeBAA==\"}",
		"{\"a\":1,\"a\":2}",
	};
	struct sgp_buf out = SGP_BUF_INIT, deep = SGP_BUF_INIT;
	long code;
	bool dl;
	char *body;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		for (int w = 0; w <= LAB_FAULT_SWAP_CERT; w++) {
			struct lab_fault_edit e = { .what = (enum lab_fault_what)w,
						    .cert = (const uint8_t *)"\x30\x00",
						    .cert_len = 2 };
			int rc = lab_fault_mutate(&e, (const uint8_t *)bodies[i], strlen(bodies[i]),
						  &out, NULL, 0);
			ck_assert_int_lt(rc, 0);
		}
		ck_assert_int_eq(lab_fault_euicc_error((const uint8_t *)bodies[i],
						       strlen(bodies[i]), &code, &dl),
				 SGP_ERR_NOTFOUND);
	}
	/* nesting far deeper than any message: no signature found, no crash */
	put(&deep, 0x04, 0, 1);
	for (int i = 0; i < 200; i++)
		wrap(&deep, 0x30);
	body = body_with("serverSignature1", &deep);
	ck_assert_int_eq(mutate(LAB_FAULT_BAD_SIGNATURE, body, &out), SGP_ERR_NOTFOUND);
	free(body);
	/* replay and drop are no edits */
	ck_assert_int_eq(mutate(LAB_FAULT_REPLAY, "{}", &out), SGP_ERR_INVAL);
	sgp_buf_free(&deep);
	sgp_buf_free(&out);
}
END_TEST

START_TEST(test_euicc_error_read)
{
	struct sgp_buf der = SGP_BUF_INIT;
	long code = 0;
	bool dl = true;
	char *body;

	put(&der, 0x80, 0x01, 8);
	ck_assert_int_eq(sgp_der_put_tlv(&der, 0x02, "\x02", 1), 0);
	wrap(&der, 0xA1);
	wrap(&der, 0xBF38);
	body = body_with("authenticateServerResponse", &der);
	ck_assert_int_eq(lab_fault_euicc_error((const uint8_t *)body, strlen(body), &code, &dl), 0);
	ck_assert_int_eq(code, 2);
	ck_assert(!dl);
	ck_assert_str_eq(lab_fault_euicc_error_name(code, dl), "invalidSignature");
	free(body);
	sgp_buf_reset(&der);
	ck_assert_int_eq(sgp_der_put_tlv(&der, 0x02, "\x05", 1), 0);
	wrap(&der, 0xA1);
	wrap(&der, 0xBF21);
	body = body_with("prepareDownloadResponse", &der);
	ck_assert_int_eq(lab_fault_euicc_error((const uint8_t *)body, strlen(body), &code, &dl), 0);
	ck_assert_int_eq(code, 5);
	ck_assert(dl);
	ck_assert_str_eq(lab_fault_euicc_error_name(code, dl), "invalidTransactionId");
	ck_assert_str_eq(lab_fault_euicc_error_name(5, false), "invalidOid");
	ck_assert_ptr_null(lab_fault_euicc_error_name(99, false));
	free(body);
	sgp_buf_free(&der);

	ck_assert_int_eq(lab_fault_what_parse("drop"), LAB_FAULT_DROP);
	ck_assert_int_eq(lab_fault_what_parse("nope"), -1);
	ck_assert_str_eq(lab_fault_what_name(LAB_FAULT_MALFORMED_DER), "malformed-der");
}
END_TEST

/* Every truncation and seeded byte changes of a valid message, through
 * every edit and the error reader: errors or edits, never a crash (the
 * sanitizer build checks the memory). */
START_TEST(test_truncated_and_mutated_messages)
{
	struct sgp_buf der = SGP_BUF_INIT, bad = SGP_BUF_INIT, out = SGP_BUF_INIT;
	uint8_t c[2] = { 0x30, 0x00 };
	uint32_t seed = 12345;
	long code;
	bool dl;

	auth_server_response(&der);
	for (size_t n = 0; n <= der.len + 200; n++) {
		char *body;

		sgp_buf_set(&bad, der.data, n < der.len ? n : der.len);
		if (n > der.len) {	/* a few bytes changed at seeded places */
			for (int k = 0; k < 3; k++) {
				seed = seed * 1103515245u + 12345u;
				bad.data[(seed >> 8) % bad.len] ^= (uint8_t)(seed >> 20) | 1;
			}
		}
		body = body_with("authenticateServerResponse", &bad);
		for (int w = 0; w <= LAB_FAULT_SWAP_CERT; w++) {
			struct lab_fault_edit e = { .what = (enum lab_fault_what)w, .cert = c,
						    .cert_len = sizeof(c) };

			sgp_buf_reset(&out);
			(void)lab_fault_mutate(&e, (const uint8_t *)body, strlen(body), &out, NULL, 0);
		}
		(void)lab_fault_euicc_error((const uint8_t *)body, strlen(body), &code, &dl);
		free(body);
	}
	sgp_buf_free(&der);
	sgp_buf_free(&bad);
	sgp_buf_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proxy_fault");
	TCase *tc = tcase_create("edits");

	tcase_add_test(tc, test_bad_signature_flips_one_bit);
	tcase_add_test(tc, test_transaction_id_and_malformed_der);
	tcase_add_test(tc, test_unknown_ci_alters_key_ids_only);
	tcase_add_test(tc, test_swap_cert_rebuilds_lengths);
	tcase_add_test(tc, test_hostile_bodies);
	tcase_add_test(tc, test_euicc_error_read);
	tcase_add_test(tc, test_truncated_and_mutated_messages);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
