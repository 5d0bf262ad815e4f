/* sgp32lab: unit tests for core/crypto: known answers (BSP/SCP03t vectors,
 * RFC 4493 AES-CMAC, NIST SP 800-38A AES, NIST CAVP ANSI X9.63 KDF),
 * ECDSA/ECKA round trips on both curves, strict parsing of signatures,
 * points and keys, BSP failure cases, the GSMA SGP.26 test PKI. */
#include "core/buf.h"
#include "core/crypto/aes.h"
#include "core/crypto/bsp.h"
#include "core/crypto/counters.h"
#include "core/crypto/curve.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/ecka.h"
#include "core/crypto/internal.h"
#include "core/crypto/kdf.h"
#include "core/crypto/key.h"
#include "core/err.h"
#include "core/log.h"
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const enum sgp_curve both_curves[] = { SGP_CURVE_NIST_P256, SGP_CURVE_BRAINPOOL_P256R1 };

/* Decode hex into a buffer the test owns. */
static struct sgp_buf hex(const char *h)
{
	struct sgp_buf b = SGP_BUF_INIT;

	ck_assert_int_eq(sgp_hex_decode(h, &b), SGP_OK);
	return b;
}

static void assert_hex_eq(const uint8_t *data, size_t len, const char *expect)
{
	char *got = sgp_hex_encode(data, len, false);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, expect);
	free(got);
}

/* ---- curves ---- */

START_TEST(test_curve_names)
{
	enum sgp_curve c;
	const uint8_t *oid;
	size_t len;

	ck_assert_int_eq(sgp_curve_parse("nist", &c), SGP_OK);
	ck_assert_int_eq(c, SGP_CURVE_NIST_P256);
	ck_assert_int_eq(sgp_curve_parse("brp", &c), SGP_OK);
	ck_assert_int_eq(c, SGP_CURVE_BRAINPOOL_P256R1);
	ck_assert_int_eq(sgp_curve_parse("1.2.840.10045.3.1.7", &c), SGP_OK);
	ck_assert_int_eq(c, SGP_CURVE_NIST_P256);
	ck_assert_int_eq(sgp_curve_parse("1.3.36.3.3.2.8.1.1.7", &c), SGP_OK);
	ck_assert_int_eq(c, SGP_CURVE_BRAINPOOL_P256R1);
	ck_assert_int_eq(sgp_curve_parse("prime256v1", &c), SGP_OK);
	ck_assert_int_eq(sgp_curve_parse("BrainpoolP256r1", &c), SGP_OK);
	ck_assert_int_eq(sgp_curve_parse("secp384r1", &c), SGP_ERR_NOTFOUND);
	ck_assert_int_eq(sgp_curve_parse("1.2.840.10045.3.1", &c), SGP_ERR_NOTFOUND);
	ck_assert_int_eq(sgp_curve_parse("", &c), SGP_ERR_NOTFOUND);
	ck_assert_int_eq(sgp_curve_parse(NULL, &c), SGP_ERR_INVAL);
	ck_assert_str_eq(sgp_curve_name(SGP_CURVE_BRAINPOOL_P256R1), "brp");
	ck_assert_str_eq(sgp_curve_name((enum sgp_curve)7), "?");

	for (size_t i = 0; i < 2; i++) {
		oid = sgp_curve_oid_der(both_curves[i], &len);
		ck_assert_int_eq(sgp_curve_from_oid_der(oid, len, &c), SGP_OK);
		ck_assert_int_eq(c, both_curves[i]);
		ck_assert_int_eq(sgp_curve_from_oid_der(oid, len - 1, &c), SGP_ERR_NOTFOUND);
	}
	/* the OID bytes of the SGP.26 "EC PARAMETERS" blocks */
	{
		struct sgp_buf b = hex("2a8648ce3d030107");

		ck_assert_int_eq(sgp_curve_from_oid_der(b.data, b.len, &c), SGP_OK);
		ck_assert_int_eq(c, SGP_CURVE_NIST_P256);
		sgp_buf_free(&b);
		b = hex("2b2403030208010107");
		ck_assert_int_eq(sgp_curve_from_oid_der(b.data, b.len, &c), SGP_OK);
		ck_assert_int_eq(c, SGP_CURVE_BRAINPOOL_P256R1);
		sgp_buf_free(&b);
	}
}
END_TEST

/* The hard-coded group orders used for the r,s range checks agree with
 * OpenSSL's curve parameters. */
START_TEST(test_curve_order)
{
	for (size_t i = 0; i < 2; i++) {
		struct sgp_key *k = NULL;
		BIGNUM *n = NULL;
		uint8_t nb[32];

		ck_assert_int_eq(sgp_key_generate(both_curves[i], &k), SGP_OK);
		ck_assert(EVP_PKEY_get_bn_param(sgp_key_evp(k), OSSL_PKEY_PARAM_EC_ORDER, &n));
		ck_assert_int_eq(BN_bn2binpad(n, nb, 32), 32);
		ck_assert_mem_eq(nb, sgp_curve_order(both_curves[i]), 32);
		BN_free(n);
		sgp_key_free(k);
	}
}
END_TEST

/* ---- symmetric known answers ---- */

/* NIST CAVP, ANS X9.63-2001 KDF component test vectors (ansx963_2001.rsp,
 * [SHA-256]): COUNT 0-3 of [SharedInfo length = 0][key data length = 128]
 * and COUNT 0-2 of [SharedInfo length = 128][key data length = 1024]. */
static const struct { const char *z, *info, *key; } x963_cavp[] = {
	{ "96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", "",
	  "443024c3dae66b95e6f5670601558f71" },
	{ "96f600b73ad6ac5629577eced51743dd2c24c21b1ac83ee4", "",
	  "b6295162a7804f5667ba9070f82fa522" },
	{ "de4ec3f6b2e9b7b5b6160acd5363c1b1f250e17ee731dbd6", "",
	  "c8df626d5caaabf8a1b2a3f9061d2420" },
	{ "d38bdbe5c4fc164cdd967f63c04fe07b60cde881c246438c", "",
	  "5e674db971bac20a80bad0d4514dc484" },
	{ "22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d", "75eef81aa3041e33b80971203d2c0c52",
	  "c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e"
	  "52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485"
	  "500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269"
	  "142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21" },
	{ "7e335afa4b31d772c0635c7b0e06f26fcd781df947d2990a", "d65a4812733f8cdbcdfb4b2f4c191d87",
	  "c0bd9e38a8f9de14c2acd35b2f3410c6988cf02400543631e0d6a4c1d030365a"
	  "cbf398115e51aaddebdc9590664210f9aa9fed770d4c57edeafa0b8c14f93300"
	  "865251218c262d63dadc47dfa0e0284826793985137e0a544ec80abf2fdf5ab9"
	  "0bdaea66204012efe34971dc431d625cd9a329b8217cc8fd0d9f02b13f2f6b0b" },
	{ "f148942fe6acdcd55d9196f9115b78f068da9b163a380fcf", "6d2748de2b48bb21fd9d1be67c0c68af",
	  "6f61dcc517aa6a563dcadeabe1741637d9a6b093b68f19eb4311e0e7cc5ce704"
	  "274331526ad3e3e0c8172ff2d92f7f07463bb4043e459ad4ed9ddffb9cc86905"
	  "36b07379ba4aa8204ca25ec68c0d3639362fddf6648bcd2ce9334f091bd0167b"
	  "7d38c771f632596599ef61ae0a93131b76c80d34e4926d26659ed57db7ba7555" },
};

START_TEST(test_x963_kdf_cavp)
{
	for (size_t i = 0; i < sizeof(x963_cavp) / sizeof(x963_cavp[0]); i++) {
		struct sgp_buf z = hex(x963_cavp[i].z), info = hex(x963_cavp[i].info);
		uint8_t out[128];
		size_t n = strlen(x963_cavp[i].key) / 2;

		ck_assert_int_eq(sgp_x963_kdf_sha256(z.data, z.len, info.data, info.len, out, n),
				 SGP_OK);
		assert_hex_eq(out, n, x963_cavp[i].key);
		sgp_buf_free(&z);
		sgp_buf_free(&info);
	}
	/* arbitrary lengths: a prefix of a longer output */
	{
		struct sgp_buf z = hex(x963_cavp[4].z), info = hex(x963_cavp[4].info);
		uint8_t out[33];

		ck_assert_int_eq(sgp_x963_kdf_sha256(z.data, z.len, info.data, info.len, out, 33),
				 SGP_OK);
		assert_hex_eq(out, 33, "c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e52");
		ck_assert_int_eq(sgp_x963_kdf_sha256(z.data, 0, NULL, 0, out, 16), SGP_ERR_INVAL);
		ck_assert_int_eq(sgp_x963_kdf_sha256(z.data, z.len, NULL, 0, out, 0), SGP_ERR_INVAL);
		sgp_buf_free(&z);
		sgp_buf_free(&info);
	}
}
END_TEST

/* RFC 4493 §4 test vectors (AES-128 key 2b7e1516...). */
START_TEST(test_cmac_rfc4493)
{
	static const char *msg =
		"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
		"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
	static const struct { size_t len; const char *mac; } v[] = {
		{ 0, "bb1d6929e95937287fa37d129b756746" },
		{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 40, "dfa66747de9ae63030ca32611497c827" },
		{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	struct sgp_buf key = hex("2b7e151628aed2a6abf7158809cf4f3c"), m = hex(msg);
	uint8_t mac[16];

	for (size_t i = 0; i < 4; i++) {
		struct sgp_cmac c;

		ck_assert_int_eq(sgp_aes_cmac(key.data, m.data, v[i].len, mac), SGP_OK);
		assert_hex_eq(mac, 16, v[i].mac);
		/* incremental, split at an odd place */
		ck_assert_int_eq(sgp_cmac_init(&c, key.data), SGP_OK);
		ck_assert_int_eq(sgp_cmac_update(&c, m.data, v[i].len / 3), SGP_OK);
		ck_assert_int_eq(sgp_cmac_update(&c, m.data + v[i].len / 3,
						 v[i].len - v[i].len / 3), SGP_OK);
		ck_assert_int_eq(sgp_cmac_final(&c, mac), SGP_OK);
		assert_hex_eq(mac, 16, v[i].mac);
	}
	sgp_buf_free(&key);
	sgp_buf_free(&m);
}
END_TEST

/* NIST SP 800-38A F.1.1 (ECB-AES128) and F.2.1/F.2.2 (CBC-AES128). */
START_TEST(test_aes_sp800_38a)
{
	struct sgp_buf key = hex("2b7e151628aed2a6abf7158809cf4f3c");
	struct sgp_buf iv = hex("000102030405060708090a0b0c0d0e0f");
	struct sgp_buf pt = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
	uint8_t out[32], back[32];

	ck_assert_int_eq(sgp_aes_ecb_encrypt_block(key.data, pt.data, out), SGP_OK);
	assert_hex_eq(out, 16, "3ad77bb40d7a3660a89ecaf32466ef97");
	ck_assert_int_eq(sgp_aes_cbc_encrypt(key.data, iv.data, pt.data, 32, out), SGP_OK);
	assert_hex_eq(out, 32, "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
	ck_assert_int_eq(sgp_aes_cbc_decrypt(key.data, iv.data, out, 32, back), SGP_OK);
	ck_assert_mem_eq(back, pt.data, 32);
	/* in place */
	ck_assert_int_eq(sgp_aes_cbc_decrypt(key.data, iv.data, out, 32, out), SGP_OK);
	ck_assert_mem_eq(out, pt.data, 32);
	/* no padding: partial blocks are refused */
	ck_assert_int_eq(sgp_aes_cbc_encrypt(key.data, iv.data, pt.data, 17, out), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_aes_cbc_decrypt(key.data, iv.data, pt.data, 15, out), SGP_ERR_INVAL);
	sgp_buf_free(&key);
	sgp_buf_free(&iv);
	sgp_buf_free(&pt);
}
END_TEST

/* ---- BSP: every value of reference/vectors/bsp-scp03t.txt ---- */

static const uint8_t host_id[8] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 };

static const struct {
	const char *shs, *eid, *s_enc, *s_mac, *mcv0;
} bsp_kdf_vectors[] = {
	{ /* kdf-1 */
		"8902dca391bbb22570fe60c176076246f568b1941265dff1d729e63039658089",
		"89049032123451234512345678901335",
		"d782d575b22a38334556a3d9a1e2ae6b", "a35addc192ae8f934e2932116c7e89e7",
		"734bc93ddb10c71c5ad13d420dc08b5b" },
	{ /* kdf-2 */
		"c9a993dd4879a8f7161f2085410edd4f9652f1df37be097ba96ba2ca6be528fe",
		"89049032123451234512345678901235",
		"472f5bfadd97f21d34f3ce9b51b92751", "9ec07f5b36a13e12a991d66e294e6242",
		"406d507b448a699e7a36a38494debbde" },
};

static const struct { uint8_t tag; const char *in, *out; } bsp_seg_vectors[] = {
	{ 0x87, "bf2400", "8718f6fe031e4b9cfe87c8e1e62f3fde85c49412d7722a6a2d89" },
	{ 0x88,
	  "bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f"
	  "50524f46494c45950100",
	  "8838bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553"
	  "545f50524f46494c459501008a62cc9adbb5ccbc" },
	{ 0x87,
	  "bf26368010000102030405060708090a0b0c0d0e0f8110010102030405060708090a0b0c0d0e"
	  "0f8210020102030405060708090a0b0c0d0e0f",
	  "8748a14c800a001992351cd46ad2945654674369701d82b7b46567652bc8fbed234939fc57fb"
	  "a748015525fd6c651e9d3d1330652d42a0cfad950e912122af4ec5362d3c0bc535729c40" },
};

static void derive_vector_keys(size_t i, struct sgp_bsp_keys *keys)
{
	struct sgp_buf shs = hex(bsp_kdf_vectors[i].shs), eid = hex(bsp_kdf_vectors[i].eid);

	ck_assert_int_eq(sgp_bsp_derive_keys(shs.data, shs.len, SGP_BSP_KEY_TYPE_AES,
					     SGP_BSP_KEY_LEN, host_id, sizeof(host_id),
					     eid.data, eid.len, keys), SGP_OK);
	sgp_buf_free(&shs);
	sgp_buf_free(&eid);
}

START_TEST(test_bsp_kdf_vectors)
{
	struct sgp_bsp_keys keys;

	for (size_t i = 0; i < 2; i++) {
		derive_vector_keys(i, &keys);
		assert_hex_eq(keys.s_enc, 16, bsp_kdf_vectors[i].s_enc);
		assert_hex_eq(keys.s_mac, 16, bsp_kdf_vectors[i].s_mac);
		assert_hex_eq(keys.mcv, 16, bsp_kdf_vectors[i].mcv0);
	}
	/* only AES-128 (keyType 0x88, keyLength 16) exists in SGP.22 */
	ck_assert_int_eq(sgp_bsp_derive_keys(host_id, 8, 0x80, 16, host_id, 8, host_id, 8, &keys),
			 SGP_ERR_UNSUPPORTED);
	ck_assert_int_eq(sgp_bsp_derive_keys(host_id, 8, 0x88, 32, host_id, 8, host_id, 8, &keys),
			 SGP_ERR_UNSUPPORTED);
}
END_TEST

/* Sender side: the three segments in order on one instance. */
static void wrap_vectors(struct sgp_bsp *tx, struct sgp_buf *segs)
{
	for (size_t i = 0; i < 3; i++) {
		struct sgp_buf in = hex(bsp_seg_vectors[i].in);
		char *got;

		sgp_buf_reset(&segs[i]);
		if (bsp_seg_vectors[i].tag == SGP_BSP_TAG_MAC_ONLY)
			ck_assert_int_eq(sgp_bsp_mac_only(tx, in.data, in.len, &segs[i]), SGP_OK);
		else
			ck_assert_int_eq(sgp_bsp_encrypt_and_mac(tx, bsp_seg_vectors[i].tag,
								 in.data, in.len, &segs[i]), SGP_OK);
		got = sgp_hex_encode(segs[i].data, segs[i].len, false);
		ck_assert_msg(!strcmp(got, bsp_seg_vectors[i].out), "seg-%zu: got %s", i + 1, got);
		free(got);
		sgp_buf_free(&in);
	}
}

START_TEST(test_bsp_segment_vectors)
{
	struct sgp_bsp_keys keys;
	struct sgp_bsp tx, rx;
	struct sgp_buf segs[3] = { SGP_BUF_INIT, SGP_BUF_INIT, SGP_BUF_INIT };
	struct sgp_buf plain = SGP_BUF_INIT;

	derive_vector_keys(1, &keys);
	sgp_bsp_init(&tx, &keys);
	sgp_bsp_init(&rx, &keys);
	sgp_bsp_keys_wipe(&keys);
	ck_assert_uint_eq(keys.s_enc[0] | keys.s_mac[0] | keys.mcv[0], 0);
	wrap_vectors(&tx, segs);
	ck_assert_uint_eq(tx.block_counter, 4);

	/* receiving side unwraps them back, in the same order */
	for (size_t i = 0; i < 3; i++) {
		sgp_buf_reset(&plain);
		ck_assert_int_eq(sgp_bsp_unwrap(&rx, bsp_seg_vectors[i].tag, segs[i].data,
						segs[i].len, &plain), SGP_OK);
		ck_assert_int_eq(rx.last_reason, SGP_BSP_OK);
		assert_hex_eq(plain.data, plain.len, bsp_seg_vectors[i].in);
	}
	ck_assert_mem_eq(rx.mcv, tx.mcv, 16);
	ck_assert_uint_eq(rx.block_counter, tx.block_counter);
	for (size_t i = 0; i < 3; i++)
		sgp_buf_free(&segs[i]);
	sgp_buf_free(&plain);
	sgp_bsp_wipe(&tx);
	sgp_bsp_wipe(&rx);
}
END_TEST

/* Build a 0x87 segment whose MAC is right but whose padding is not. */
static void make_bad_padding_segment(const struct sgp_bsp *st, struct sgp_buf *seg)
{
	uint8_t block[16], ctr[16] = { 0 }, icv[16], mac[16];
	struct sgp_cmac c;

	memset(block, 0x41, sizeof(block));	/* no 80 00.. at the end */
	ctr[15] = (uint8_t)st->block_counter;
	ck_assert_int_eq(sgp_aes_ecb_encrypt_block(st->s_enc, ctr, icv), SGP_OK);
	ck_assert_int_eq(sgp_aes_cbc_encrypt(st->s_enc, icv, block, 16, block), SGP_OK);
	sgp_buf_reset(seg);
	ck_assert_int_eq(sgp_buf_append(seg, "\x87\x18", 2), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(seg, block, 16), SGP_OK);
	ck_assert_int_eq(sgp_cmac_init(&c, st->s_mac), SGP_OK);
	ck_assert_int_eq(sgp_cmac_update(&c, st->mcv, 16), SGP_OK);
	ck_assert_int_eq(sgp_cmac_update(&c, seg->data, seg->len), SGP_OK);
	ck_assert_int_eq(sgp_cmac_final(&c, mac), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(seg, mac, 8), SGP_OK);
}

START_TEST(test_bsp_negative)
{
	struct sgp_bsp_keys keys;
	struct sgp_bsp tx, rx, saved;
	struct sgp_buf segs[3] = { SGP_BUF_INIT, SGP_BUF_INIT, SGP_BUF_INIT };
	struct sgp_buf plain = SGP_BUF_INIT, bad = SGP_BUF_INIT;

	derive_vector_keys(1, &keys);
	sgp_bsp_init(&tx, &keys);
	sgp_bsp_init(&rx, &keys);
	wrap_vectors(&tx, segs);
	saved = rx;

	/* flipped MAC byte */
	sgp_buf_set(&bad, segs[0].data, segs[0].len);
	bad.data[bad.len - 1] ^= 0x01;
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, bad.data, bad.len, &plain), SGP_ERR_VERIFY);
	ck_assert_int_eq(rx.last_reason, SGP_BSP_BAD_MAC);
	/* flipped ciphertext byte: also caught by the MAC, before decryption */
	sgp_buf_set(&bad, segs[0].data, segs[0].len);
	bad.data[5] ^= 0x80;
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, bad.data, bad.len, &plain), SGP_ERR_VERIFY);
	/* out of order: seg-3 where seg-1 is due (wrong counter and chain) */
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, segs[2].data, segs[2].len, &plain),
			 SGP_ERR_VERIFY);
	ck_assert_int_eq(rx.last_reason, SGP_BSP_BAD_MAC);
	/* wrong tag */
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x88, segs[0].data, segs[0].len, &plain),
			 SGP_ERR_PARSE);
	ck_assert_int_eq(rx.last_reason, SGP_BSP_BAD_TAG);
	/* truncated at every length */
	for (size_t n = 0; n < segs[0].len; n++) {
		ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, segs[0].data, n, &plain),
				 SGP_ERR_PARSE);
		ck_assert_int_eq(rx.last_reason, SGP_BSP_TRUNCATED);
	}
	/* trailing byte */
	sgp_buf_set(&bad, segs[0].data, segs[0].len);
	sgp_buf_append_byte(&bad, 0x00);
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, bad.data, bad.len, &plain), SGP_ERR_PARSE);
	ck_assert_int_eq(rx.last_reason, SGP_BSP_BAD_LENGTH);
	/* non-minimal and unsupported length forms */
	{
		static const char *bad_hdr[] = {
			"87811800", "87820018", "8783000018", "8780", "8708" "0102030405060708",
			"8710" "000102030405060708090a0b0c0d0e0f",	/* no room for a block + MAC */
		};
		for (size_t i = 0; i < sizeof(bad_hdr) / sizeof(bad_hdr[0]); i++) {
			struct sgp_buf b = hex(bad_hdr[i]);

			ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, b.data, b.len, &plain),
					 SGP_ERR_PARSE);
			sgp_buf_free(&b);
		}
	}
	/* bad padding under a valid MAC */
	make_bad_padding_segment(&rx, &bad);
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, bad.data, bad.len, &plain), SGP_ERR_PARSE);
	ck_assert_int_eq(rx.last_reason, SGP_BSP_BAD_PADDING);

	/* none of the failures moved the state: the real sequence still works */
	ck_assert_mem_eq(&rx, &saved, offsetof(struct sgp_bsp, last_reason));
	ck_assert_uint_eq(plain.len, 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(sgp_bsp_unwrap(&rx, bsp_seg_vectors[i].tag, segs[i].data,
						segs[i].len, &plain), SGP_OK);
	/* replay of the last segment */
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, segs[2].data, segs[2].len, &plain),
			 SGP_ERR_VERIFY);
	/* a segment over 1020 bytes */
	sgp_buf_reset(&bad);
	for (size_t i = 0; i < 1021; i++)
		sgp_buf_append_byte(&bad, 0x87);
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, bad.data, bad.len, &plain), SGP_ERR_PARSE);
	ck_assert_int_eq(rx.last_reason, SGP_BSP_TOO_LONG);
	/* sender refuses what does not fit a segment, and invalid tags */
	ck_assert_int_eq(sgp_bsp_mac_only(&tx, bad.data, 1009, &plain), SGP_ERR_TOOBIG);
	ck_assert_int_eq(sgp_bsp_encrypt_and_mac(&tx, 0x87, bad.data, 1008, &plain), SGP_ERR_TOOBIG);
	ck_assert_int_eq(sgp_bsp_encrypt_and_mac(&tx, 0x88, bad.data, 4, &plain), SGP_ERR_INVAL);

	for (size_t i = 0; i < 3; i++)
		sgp_buf_free(&segs[i]);
	sgp_buf_free(&plain);
	sgp_buf_free(&bad);
	sgp_bsp_wipe(&tx);
	sgp_bsp_wipe(&rx);
}
END_TEST

/* ReplaceSessionKeys: the PPKs and initial MCV take over and the block
 * counter restarts, so the kdf-2 keys given as PPKs reproduce seg-1. */
START_TEST(test_bsp_replace_session_keys)
{
	struct sgp_bsp_keys k1, k2;
	struct sgp_bsp tx, rx;
	struct sgp_buf seg = SGP_BUF_INIT, plain = SGP_BUF_INIT, in = hex(bsp_seg_vectors[0].in);

	derive_vector_keys(0, &k1);
	derive_vector_keys(1, &k2);
	sgp_bsp_init(&tx, &k1);
	sgp_bsp_init(&rx, &k1);
	ck_assert_int_eq(sgp_bsp_encrypt_and_mac(&tx, 0x87, in.data, in.len, &seg), SGP_OK);
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, seg.data, seg.len, &plain), SGP_OK);

	sgp_bsp_replace_session_keys(&tx, k2.s_enc, k2.s_mac, k2.mcv);
	sgp_bsp_replace_session_keys(&rx, k2.s_enc, k2.s_mac, k2.mcv);
	ck_assert_uint_eq(tx.block_counter, 1);
	sgp_buf_reset(&seg);
	ck_assert_int_eq(sgp_bsp_encrypt_and_mac(&tx, 0x87, in.data, in.len, &seg), SGP_OK);
	assert_hex_eq(seg.data, seg.len, bsp_seg_vectors[0].out);
	sgp_buf_reset(&plain);
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, seg.data, seg.len, &plain), SGP_OK);
	ck_assert_mem_eq(plain.data, in.data, in.len);

	/* a segment made with the old keys no longer verifies */
	sgp_bsp_init(&tx, &k1);
	sgp_buf_reset(&seg);
	ck_assert_int_eq(sgp_bsp_encrypt_and_mac(&tx, 0x87, in.data, in.len, &seg), SGP_OK);
	ck_assert_int_eq(sgp_bsp_unwrap(&rx, 0x87, seg.data, seg.len, &plain), SGP_ERR_VERIFY);

	sgp_buf_free(&seg);
	sgp_buf_free(&plain);
	sgp_buf_free(&in);
	sgp_bsp_wipe(&tx);
	sgp_bsp_wipe(&rx);
}
END_TEST

/* Long data split into segments (sequenceOf86 / 88) and put back together,
 * at the sizes around block and segment boundaries. */
START_TEST(test_bsp_wrap_all)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 127, 128, 1007, 1008, 1009, 3000 };
	static const uint8_t tags[] = { 0x86, 0x88 };
	struct sgp_bsp_keys keys;
	uint8_t data[3000];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	derive_vector_keys(0, &keys);
	for (size_t t = 0; t < 2; t++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct sgp_bsp tx, rx;
			struct sgp_buf seq = SGP_BUF_INIT, plain = SGP_BUF_INIT;
			size_t off = 0, nseg = 0, seg_len;

			sgp_bsp_init(&tx, &keys);
			sgp_bsp_init(&rx, &keys);
			ck_assert_int_eq(sgp_bsp_wrap_all(&tx, tags[t], data, sizes[s], &seq), SGP_OK);
			while (off < seq.len) {
				ck_assert_int_eq(sgp_bsp_segment_len(seq.data + off, seq.len - off,
								     &seg_len), SGP_OK);
				ck_assert_uint_le(seg_len, SGP_BSP_MAX_SEGMENT);
				ck_assert_int_eq(sgp_bsp_unwrap(&rx, tags[t], seq.data + off, seg_len,
								&plain), SGP_OK);
				off += seg_len;
				nseg++;
			}
			ck_assert_uint_eq(nseg, tx.block_counter - 1);
			ck_assert_uint_eq(plain.len, sizes[s]);
			ck_assert(sizes[s] == 0 || !memcmp(plain.data, data, sizes[s]));
			sgp_buf_free(&seq);
			sgp_buf_free(&plain);
		}
	}
}
END_TEST

/* ---- ECDSA ---- */

START_TEST(test_ecdsa_roundtrip)
{
	static const uint8_t msg[] = "euiccSigned1 || serverChallenge";
	enum sgp_curve curve = both_curves[_i];
	struct sgp_key *k = NULL, *other = NULL, *pub = NULL;
	struct sgp_buf der = SGP_BUF_INIT, der2 = SGP_BUF_INIT;
	uint8_t sig[64], raw[64], point[65];

	ck_assert_int_eq(sgp_key_generate(curve, &k), SGP_OK);
	ck_assert_int_eq(sgp_key_generate(curve, &other), SGP_OK);
	ck_assert(sgp_key_has_private(k));
	ck_assert_int_eq(sgp_key_curve(k), curve);
	ck_assert_int_eq(sgp_key_export_point(k, point), SGP_OK);
	ck_assert_int_eq(sgp_key_import_point(curve, point, 65, &pub), SGP_OK);
	ck_assert(!sgp_key_has_private(pub));

	ck_assert_int_eq(sgp_ecdsa_sign(k, msg, sizeof(msg), sig), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(pub, msg, sizeof(msg), sig, 64), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(k, msg, sizeof(msg), sig, 64), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(other, msg, sizeof(msg), sig, 64), SGP_ERR_VERIFY);
	ck_assert_int_eq(sgp_ecdsa_verify(pub, msg, sizeof(msg) - 1, sig, 64), SGP_ERR_VERIFY);
	ck_assert_int_eq(sgp_ecdsa_verify(pub, msg, sizeof(msg), sig, 63), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_ecdsa_verify(pub, msg, sizeof(msg), sig, 65), SGP_ERR_PARSE);
	/* every flipped bit of the signature and of the message is caught */
	for (size_t bit = 0; bit < 64 * 8; bit += 7) {
		uint8_t bad[64];

		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_int_eq(sgp_ecdsa_verify(pub, msg, sizeof(msg), bad, 64), SGP_ERR_VERIFY);
	}
	for (size_t bit = 0; bit < sizeof(msg) * 8; bit += 5) {
		uint8_t bad[sizeof(msg)];

		memcpy(bad, msg, sizeof(msg));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_int_eq(sgp_ecdsa_verify(pub, bad, sizeof(bad), sig, 64), SGP_ERR_VERIFY);
	}
	/* public keys cannot sign */
	ck_assert_int_eq(sgp_ecdsa_sign(pub, msg, sizeof(msg), raw), SGP_ERR_INVAL);

	/* DER form and the conversions both ways */
	ck_assert_int_eq(sgp_ecdsa_sign_der(k, msg, sizeof(msg), &der), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify_der(pub, msg, sizeof(msg), der.data, der.len), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_der_to_raw(curve, der.data, der.len, raw), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(pub, msg, sizeof(msg), raw, 64), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(curve, raw, &der2), SGP_OK);
	ck_assert_uint_eq(der2.len, der.len);
	ck_assert_mem_eq(der2.data, der.data, der.len);
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(curve, sig, &der2), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify_der(pub, msg, sizeof(msg), der2.data, der2.len), SGP_OK);
	der2.data[der2.len - 1] ^= 1;
	ck_assert_int_eq(sgp_ecdsa_verify_der(pub, msg, sizeof(msg), der2.data, der2.len),
			 SGP_ERR_VERIFY);

	sgp_buf_free(&der);
	sgp_buf_free(&der2);
	sgp_key_free(k);
	sgp_key_free(other);
	sgp_key_free(pub);
}
END_TEST

/* The key of a certificate verifies; another's does not, a certificate
 * without a key is a crypto error, a signature of the wrong length a
 * verification failure (an attacker's input, not a caller's mistake). */
START_TEST(test_ecdsa_verify_cert)
{
	static const uint8_t msg[] = "tbsOtherNotification";
	struct sgp_key *k = NULL, *other = NULL;
	X509 *cert = X509_new(), *empty = X509_new();
	uint8_t sig[64];

	ck_assert_ptr_nonnull(cert);
	ck_assert_ptr_nonnull(empty);
	ck_assert_int_eq(sgp_key_generate(both_curves[_i], &k), SGP_OK);
	ck_assert_int_eq(sgp_key_generate(both_curves[_i], &other), SGP_OK);
	ck_assert_int_eq(X509_set_pubkey(cert, sgp_key_evp(k)), 1);
	ck_assert_int_eq(sgp_ecdsa_sign(k, msg, sizeof(msg), sig), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify_cert(cert, msg, sizeof(msg), sig, 64), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify_cert(cert, msg, sizeof(msg) - 1, sig, 64), SGP_ERR_VERIFY);
	ck_assert_int_eq(sgp_ecdsa_verify_cert(cert, msg, sizeof(msg), sig, 63), SGP_ERR_VERIFY);
	ck_assert_int_eq(sgp_ecdsa_verify_cert(empty, msg, sizeof(msg), sig, 64), SGP_ERR_CRYPTO);
	ck_assert_int_eq(sgp_ecdsa_verify_cert(NULL, msg, sizeof(msg), sig, 64), SGP_ERR_CRYPTO);
	ck_assert_int_eq(X509_set_pubkey(cert, sgp_key_evp(other)), 1);
	ck_assert_int_eq(sgp_ecdsa_verify_cert(cert, msg, sizeof(msg), sig, 64), SGP_ERR_VERIFY);
	X509_free(cert);
	X509_free(empty);
	sgp_key_free(k);
	sgp_key_free(other);
}
END_TEST

START_TEST(test_ecdsa_der_strict)
{
	/* n of P-256 and n-1 */
	static const char *n_hex = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
	static const char *nm1_hex = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550";
	static const struct { const char *der; int rc; } v[] = {
		{ "3006020101020101", SGP_OK },				/* r = s = 1 */
		{ "3006020101020101" "00", SGP_ERR_PARSE },		/* trailing byte */
		{ "3007020101020101", SGP_ERR_PARSE },			/* SEQUENCE too long */
		{ "3005020101020101", SGP_ERR_PARSE },			/* SEQUENCE too short */
		{ "3106020101020101", SGP_ERR_PARSE },			/* not a SEQUENCE */
		{ "308106020101020101", SGP_ERR_PARSE },		/* long-form length */
		{ "3006020181020101", SGP_ERR_PARSE },			/* negative r */
		{ "300702020001020101", SGP_ERR_PARSE },		/* non-minimal r */
		{ "3006020100020101", SGP_ERR_VERIFY },			/* r = 0 */
		{ "3006020101020100", SGP_ERR_VERIFY },			/* s = 0 */
		{ "30050200020101", SGP_ERR_PARSE },			/* empty INTEGER */
		{ "3006030101020101", SGP_ERR_PARSE },			/* BIT STRING for r */
		{ "3006020101020201", SGP_ERR_PARSE },			/* s length past end */
		{ "3003020101", SGP_ERR_PARSE },			/* s missing */
		{ "3000", SGP_ERR_PARSE },
		{ "30", SGP_ERR_PARSE },
		{ "", SGP_ERR_PARSE },
		/* 33 significant bytes: oversized */
		{ "302602210101010101010101010101010101010101010101010101010101010101010101020101",
		  SGP_ERR_PARSE },
		/* r = n: out of range; r = n-1 is fine */
		{ "3026022100ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551020101",
		  SGP_ERR_VERIFY },
		{ "3026022100ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550020101",
		  SGP_OK },
	};
	struct sgp_buf der = SGP_BUF_INIT, out = SGP_BUF_INIT;
	uint8_t raw[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int rc;

		der = hex(v[i].der);
		rc = sgp_ecdsa_der_to_raw(SGP_CURVE_NIST_P256, der.data ? der.data : raw, der.len, raw);
		ck_assert_msg(rc == v[i].rc, "%s: %d, expected %d", v[i].der, rc, v[i].rc);
		if (rc == SGP_OK) {
			/* minimal DER survives the round trip unchanged */
			ck_assert_int_eq(sgp_ecdsa_raw_to_der(SGP_CURVE_NIST_P256, raw, &out), SGP_OK);
			ck_assert_uint_eq(out.len, der.len);
			ck_assert_mem_eq(out.data, der.data, der.len);
		}
		sgp_buf_free(&der);
	}
	/* n-1 is in range on P-256 but above the brainpool order */
	der = hex("3026022100ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550020101");
	ck_assert_int_eq(sgp_ecdsa_der_to_raw(SGP_CURVE_BRAINPOOL_P256R1, der.data, der.len, raw),
			 SGP_ERR_VERIFY);
	sgp_buf_free(&der);

	/* raw -> DER range checks */
	memset(raw, 0, 64);
	raw[63] = 1;
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(SGP_CURVE_NIST_P256, raw, &out), SGP_ERR_VERIFY);
	raw[31] = 1;
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(SGP_CURVE_NIST_P256, raw, &out), SGP_OK);
	assert_hex_eq(out.data, out.len, "3006020101020101");
	ck_assert_int_eq(sgp_hex_decode_fixed(n_hex, raw, 32), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(SGP_CURVE_NIST_P256, raw, &out), SGP_ERR_VERIFY);
	ck_assert_int_eq(sgp_hex_decode_fixed(nm1_hex, raw, 32), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(SGP_CURVE_NIST_P256, raw, &out), SGP_OK);
	ck_assert_uint_eq(out.data[3], 0x21);	/* high bit set: 00 prefix */
	ck_assert_int_eq(sgp_ecdsa_raw_to_der(SGP_CURVE_BRAINPOOL_P256R1, raw, &out),
			 SGP_ERR_VERIFY);
	/* a raw signature with r = 0 does not verify, and is no parse error */
	{
		struct sgp_key *k = NULL;

		ck_assert_int_eq(sgp_key_generate(SGP_CURVE_NIST_P256, &k), SGP_OK);
		memset(raw, 0, 32);
		ck_assert_int_eq(sgp_ecdsa_verify(k, raw, 8, raw, 64), SGP_ERR_VERIFY);
		sgp_key_free(k);
	}
	sgp_buf_free(&out);
}
END_TEST

/* ---- keys: points, SPKI, PEM ---- */

START_TEST(test_key_encodings)
{
	enum sgp_curve curve = both_curves[_i];
	enum sgp_curve wrong = both_curves[1 - _i];
	struct sgp_key *k = NULL, *k2 = NULL, *pub = NULL;
	struct sgp_buf spki = SGP_BUF_INIT, pem = SGP_BUF_INIT, bad = SGP_BUF_INIT;
	uint8_t point[65], point2[65];

	ck_assert_int_eq(sgp_key_generate(curve, &k), SGP_OK);
	ck_assert_int_eq(sgp_key_export_point(k, point), SGP_OK);
	ck_assert_uint_eq(point[0], 0x04);

	/* malformed points */
	ck_assert_int_eq(sgp_key_import_point(curve, point, 64, &pub), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_key_import_point(curve, point, 33, &pub), SGP_ERR_PARSE);
	memcpy(point2, point, 65);
	point2[0] = 0x02 | (point[64] & 1);	/* compressed form is refused */
	ck_assert_int_eq(sgp_key_import_point(curve, point2, 33, &pub), SGP_ERR_PARSE);
	memcpy(point2, point, 65);
	point2[64] ^= 0x01;			/* off the curve */
	ck_assert_int_eq(sgp_key_import_point(curve, point2, 65, &pub), SGP_ERR_PARSE);
	memset(point2 + 1, 0, 64);		/* (0,0) */
	ck_assert_int_eq(sgp_key_import_point(curve, point2, 65, &pub), SGP_ERR_PARSE);
	memset(point2 + 1, 0xff, 64);		/* coordinates >= p */
	ck_assert_int_eq(sgp_key_import_point(curve, point2, 65, &pub), SGP_ERR_PARSE);
	/* a point of one curve is not on the other */
	ck_assert_int_eq(sgp_key_import_point(wrong, point, 65, &pub), SGP_ERR_PARSE);
	ck_assert_ptr_null(pub);

	/* SubjectPublicKeyInfo round trip */
	ck_assert_int_eq(sgp_key_export_spki(k, &spki), SGP_OK);
	ck_assert_int_eq(sgp_key_import_spki(spki.data, spki.len, &pub), SGP_OK);
	ck_assert(sgp_key_public_eq(k, pub));
	ck_assert_int_eq(sgp_key_curve(pub), curve);
	ck_assert_int_eq(sgp_key_export_point(pub, point2), SGP_OK);
	ck_assert_mem_eq(point, point2, 65);
	sgp_key_free(pub);
	pub = NULL;
	sgp_buf_set(&bad, spki.data, spki.len);
	sgp_buf_append_byte(&bad, 0);
	ck_assert_int_eq(sgp_key_import_spki(bad.data, bad.len, &pub), SGP_ERR_PARSE);
	for (size_t n = 0; n < spki.len; n += 9)
		ck_assert_int_eq(sgp_key_import_spki(spki.data, n, &pub), SGP_ERR_PARSE);
	sgp_buf_set(&bad, spki.data, spki.len);
	bad.data[bad.len - 1] ^= 1;		/* point off the curve */
	ck_assert_int_eq(sgp_key_import_spki(bad.data, bad.len, &pub), SGP_ERR_PARSE);
	ck_assert_ptr_null(pub);

	/* private key PEM round trip */
	ck_assert_int_eq(sgp_key_export_private_pem(k, &pem), SGP_OK);
	ck_assert_int_eq(sgp_key_load_private_pem(pem.data, pem.len, &k2), SGP_OK);
	ck_assert(sgp_key_has_private(k2));
	ck_assert(sgp_key_public_eq(k, k2));
	sgp_key_free(k2);
	k2 = NULL;
	ck_assert_int_eq(sgp_key_load_private_pem(pem.data, pem.len / 2, &k2), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_key_load_public_pem(pem.data, pem.len, &k2), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_key_load_private_pem("garbage", 7, &k2), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_key_load_private_pem_file("/nonexistent/key.pem", &k2), SGP_ERR_IO);
	ck_assert_int_eq(sgp_key_export_private_pem(pub ? pub : k, &pem), SGP_OK);
	ck_assert_ptr_null(k2);

	sgp_buf_free(&spki);
	sgp_buf_free_secure(&pem);
	sgp_buf_free(&bad);
	sgp_key_free(k);
}
END_TEST

/* Keys other than EC on the two RSP curves are refused. */
START_TEST(test_key_unsupported)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp384r1");
	struct sgp_key *k = NULL;
	unsigned char *der = NULL;
	int n;

	ck_assert_ptr_nonnull(ed);
	ck_assert_ptr_nonnull(p384);
	ck_assert_int_eq(sgp_key_from_evp(ed, &k), SGP_ERR_UNSUPPORTED);
	ck_assert_int_eq(sgp_key_from_evp(p384, &k), SGP_ERR_UNSUPPORTED);
	n = i2d_PUBKEY(p384, &der);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(sgp_key_import_spki(der, (size_t)n, &k), SGP_ERR_UNSUPPORTED);
	ck_assert_ptr_null(k);
	OPENSSL_free(der);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(p384);
}
END_TEST

/* ---- ECKA ---- */

START_TEST(test_ecka_agreement)
{
	enum sgp_curve curve = both_curves[_i];
	struct sgp_key *euicc = NULL, *smdp = NULL, *euicc_pub = NULL, *smdp_pub = NULL;
	struct sgp_key *other_curve = NULL;
	uint8_t pt[65], shs_e[32], shs_d[32], x[32];

	/* otSK/otPK.EUICC.ECKA and otSK/otPK.DP.ECKA, points exchanged on the wire */
	ck_assert_int_eq(sgp_ecka_generate_otk(curve, &euicc, pt), SGP_OK);
	ck_assert_int_eq(sgp_key_import_point(curve, pt, 65, &euicc_pub), SGP_OK);
	ck_assert_int_eq(sgp_ecka_generate_otk(curve, &smdp, pt), SGP_OK);
	ck_assert_int_eq(sgp_key_import_point(curve, pt, 65, &smdp_pub), SGP_OK);

	ck_assert_int_eq(sgp_ecka_shared_secret(euicc, smdp_pub, shs_e), SGP_OK);
	ck_assert_int_eq(sgp_ecka_shared_secret(smdp, euicc_pub, shs_d), SGP_OK);
	ck_assert_mem_eq(shs_e, shs_d, 32);
	/* ShS is not just the peer's X coordinate */
	memcpy(x, pt + 1, 32);
	ck_assert(memcmp(shs_e, x, 32) != 0);

	/* without a private key, or across curves: refused */
	ck_assert_int_eq(sgp_ecka_shared_secret(euicc_pub, smdp_pub, shs_e), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_key_generate(both_curves[1 - _i], &other_curve), SGP_OK);
	ck_assert_int_eq(sgp_ecka_shared_secret(euicc, other_curve, shs_e), SGP_ERR_INVAL);

	sgp_key_free(euicc);
	sgp_key_free(smdp);
	sgp_key_free(euicc_pub);
	sgp_key_free(smdp_pub);
	sgp_key_free(other_curve);
}
END_TEST

/* ---- counters ---- */

START_TEST(test_counters)
{
	struct sgp_crypto_counters c;
	struct sgp_key *a = NULL, *b = NULL;
	uint8_t sig[64], shs[32], mac[16], out[48];
	static const uint8_t key[16], data[32];

	sgp_crypto_counters_reset();
	sgp_crypto_counters_get(&c);
	ck_assert_uint_eq(c.signs + c.verifies + c.ecdh + c.kdf + c.cmac + c.keygens, 0);

	ck_assert_int_eq(sgp_key_generate(SGP_CURVE_NIST_P256, &a), SGP_OK);
	ck_assert_int_eq(sgp_key_generate(SGP_CURVE_NIST_P256, &b), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_sign(a, data, 32, sig), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(a, data, 32, sig, 64), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(b, data, 32, sig, 64), SGP_ERR_VERIFY);
	ck_assert_int_eq(sgp_ecka_shared_secret(a, b, shs), SGP_OK);
	ck_assert_int_eq(sgp_x963_kdf_sha256(shs, 32, NULL, 0, out, 48), SGP_OK);
	ck_assert_int_eq(sgp_aes_cmac(key, data, 32, mac), SGP_OK);
	ck_assert_int_eq(sgp_aes_cbc_encrypt(key, key, data, 32, out), SGP_OK);
	ck_assert_int_eq(sgp_aes_cbc_decrypt(key, key, out, 16, out), SGP_OK);

	sgp_crypto_counters_get(&c);
	ck_assert_uint_eq(c.keygens, 2);
	ck_assert_uint_eq(c.signs, 1);
	ck_assert_uint_eq(c.verifies, 2);
	ck_assert_uint_eq(c.ecdh, 1);
	ck_assert_uint_eq(c.kdf, 1);
	ck_assert_uint_eq(c.cmac, 1);
	ck_assert_uint_eq(c.aes_enc_bytes, 32);
	ck_assert_uint_eq(c.aes_dec_bytes, 16);
	sgp_crypto_counters_reset();
	sgp_crypto_counters_get(&c);
	ck_assert_uint_eq(c.signs + c.verifies + c.aes_enc_bytes, 0);
	sgp_key_free(a);
	sgp_key_free(b);
}
END_TEST

/* ---- GSMA SGP.26 test PKI ---- */

static char *ref_path(const char *rel)
{
	static char path[1024];
	const char *dir = test_reference_dir();

	if (!dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

static X509 *load_cert_der(const char *rel)
{
	char *p = ref_path(rel);
	FILE *f = p ? fopen(p, "rb") : NULL;
	X509 *x;

	ck_assert_msg(f != NULL, "cannot open %s", p ? p : rel);
	x = d2i_X509_fp(f, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	return x;
}

/* Verify a certificate's signature with our ECDSA over its TBSCertificate. */
static int verify_cert(X509 *cert, const struct sgp_key *issuer)
{
	const ASN1_BIT_STRING *sig = NULL;
	unsigned char *tbs = NULL;
	uint8_t raw[64];
	int n, rc;

	X509_get0_signature(&sig, NULL, cert);
	n = i2d_re_X509_tbs(cert, &tbs);
	ck_assert_int_gt(n, 0);
	rc = sgp_ecdsa_verify_der(issuer, tbs, (size_t)n, ASN1_STRING_get0_data(sig),
				  (size_t)ASN1_STRING_length(sig));
	/* the same signature in SGP.22 raw form verifies too */
	if (rc == SGP_OK) {
		ck_assert_int_eq(sgp_ecdsa_der_to_raw(sgp_key_curve(issuer),
						      ASN1_STRING_get0_data(sig),
						      (size_t)ASN1_STRING_length(sig), raw), SGP_OK);
		ck_assert_int_eq(sgp_ecdsa_verify(issuer, tbs, (size_t)n, raw, 64), SGP_OK);
	}
	OPENSSL_free(tbs);
	return rc;
}

static struct sgp_key *key_of_cert(X509 *cert)
{
	struct sgp_key *k = NULL;

	ck_assert_int_eq(sgp_key_from_evp(X509_get0_pubkey(cert), &k), SGP_OK);
	return k;
}

START_TEST(test_sgp26_pki)
{
	static const char *variant[] = { "NIST", "BRP" };
	const char *v = variant[_i];
	char rel[128];
	struct sgp_key *ci, *eum_pub = NULL, *eum_sk = NULL, *euicc_pub = NULL, *euicc_sk = NULL;
	struct sgp_key *eum_from_cert;
	X509 *ci_cert, *eum_cert, *euicc_cert;
	uint8_t sig[64];
	static const uint8_t msg[] = "euiccSigned1";

	if (!test_reference_dir()) {
		printf("skipped: no reference\n");
		return;
	}
	snprintf(rel, sizeof(rel), "sgp26/CertificateIssuer/CERT_CI_ECDSA_%s.der", v);
	ci_cert = load_cert_der(rel);
	snprintf(rel, sizeof(rel), "sgp26/EUM/CERT_EUM_ECDSA_%s.der", v);
	eum_cert = load_cert_der(rel);
	snprintf(rel, sizeof(rel), "sgp26/eUICC/CERT_EUICC_ECDSA_%s.der", v);
	euicc_cert = load_cert_der(rel);
	ci = key_of_cert(ci_cert);
	eum_from_cert = key_of_cert(eum_cert);
	ck_assert_int_eq(sgp_key_curve(ci), _i ? SGP_CURVE_BRAINPOOL_P256R1 : SGP_CURVE_NIST_P256);

	snprintf(rel, sizeof(rel), "sgp26/EUM/PK_EUM_ECDSA_%s.pem", v);
	ck_assert_int_eq(sgp_key_load_public_pem_file(ref_path(rel), &eum_pub), SGP_OK);
	snprintf(rel, sizeof(rel), "sgp26/EUM/SK_EUM_ECDSA_%s.pem", v);
	ck_assert_int_eq(sgp_key_load_private_pem_file(ref_path(rel), &eum_sk), SGP_OK);
	snprintf(rel, sizeof(rel), "sgp26/eUICC/PK_EUICC_ECDSA_%s.pem", v);
	ck_assert_int_eq(sgp_key_load_public_pem_file(ref_path(rel), &euicc_pub), SGP_OK);
	snprintf(rel, sizeof(rel), "sgp26/eUICC/SK_EUICC_ECDSA_%s.pem", v);
	ck_assert_int_eq(sgp_key_load_private_pem_file(ref_path(rel), &euicc_sk), SGP_OK);
	ck_assert(sgp_key_has_private(euicc_sk));
	ck_assert(sgp_key_public_eq(eum_pub, eum_sk));
	ck_assert(sgp_key_public_eq(eum_pub, eum_from_cert));
	ck_assert(sgp_key_public_eq(euicc_pub, euicc_sk));

	/* chain: CI signs the EUM certificate, the EUM signs the eUICC's */
	ck_assert_int_eq(verify_cert(eum_cert, ci), SGP_OK);
	ck_assert_int_eq(verify_cert(euicc_cert, eum_pub), SGP_OK);
	ck_assert_int_eq(verify_cert(euicc_cert, ci), SGP_ERR_VERIFY);

	/* the eUICC's key signs, its certificate's key verifies */
	ck_assert_int_eq(sgp_ecdsa_sign(euicc_sk, msg, sizeof(msg), sig), SGP_OK);
	{
		struct sgp_key *from_cert = key_of_cert(euicc_cert);

		ck_assert_int_eq(sgp_ecdsa_verify(from_cert, msg, sizeof(msg), sig, 64), SGP_OK);
		sgp_key_free(from_cert);
	}

	/* a deliberately broken signature (sgp26-invalid, NIST only) */
	if (_i == 0) {
		X509 *broken = load_cert_der("sgp26-invalid/CERT_EUICC_ECDSA_NIST_INVALID.der");

		ck_assert_int_eq(verify_cert(broken, eum_pub), SGP_ERR_VERIFY);
		X509_free(broken);
	}

	X509_free(ci_cert);
	X509_free(eum_cert);
	X509_free(euicc_cert);
	sgp_key_free(ci);
	sgp_key_free(eum_from_cert);
	sgp_key_free(eum_pub);
	sgp_key_free(eum_sk);
	sgp_key_free(euicc_pub);
	sgp_key_free(euicc_sk);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("kat");

	tcase_add_test(tc, test_curve_names);
	tcase_add_test(tc, test_curve_order);
	tcase_add_test(tc, test_x963_kdf_cavp);
	tcase_add_test(tc, test_cmac_rfc4493);
	tcase_add_test(tc, test_aes_sp800_38a);
	tcase_add_test(tc, test_bsp_kdf_vectors);
	tcase_add_test(tc, test_bsp_segment_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("bsp");
	tcase_add_test(tc, test_bsp_negative);
	tcase_add_test(tc, test_bsp_replace_session_keys);
	tcase_add_test(tc, test_bsp_wrap_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("ec");
	tcase_add_loop_test(tc, test_ecdsa_roundtrip, 0, 2);
	tcase_add_test(tc, test_ecdsa_der_strict);
	tcase_add_loop_test(tc, test_ecdsa_verify_cert, 0, 2);
	tcase_add_loop_test(tc, test_key_encodings, 0, 2);
	tcase_add_test(tc, test_key_unsupported);
	tcase_add_loop_test(tc, test_ecka_agreement, 0, 2);
	tcase_add_test(tc, test_counters);
	tcase_add_loop_test(tc, test_sgp26_pki, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_set_deterministic(true);
	log_set_level_all(LOGL_NONE);
	return test_run_suite(crypto_suite());
}
