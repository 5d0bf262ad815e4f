/* sgp32lab: unit tests for core/der (strict DER over asn1c) and asn1/ */
#include "core/buf.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"
#include "testutil.h"

#include "Certificate.h"
#include "EnableProfileRequest.h"
#include "EsipaMessageFromIpaToEim.h"
#include "GetEimPackageResponse.h"
#include "GetEuiccChallengeResponse.h"
#include "ListNotificationRequest.h"
#include "Psmo.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#define CHALLENGE_HEX "BF2E1280100102030405060708090A0B0C0D0E0F10"

static void hex(const char *h, struct sgp_buf *b)
{
	ck_assert_int_eq(sgp_hex_decode(h, b), 0);
}

/* Decode with type td and expect failure with the given code. */
static void expect_bad(const struct asn_TYPE_descriptor_s *td, const uint8_t *p,
		       size_t len, int code)
{
	struct der_error err;
	void *v = (void *)1;

	ck_assert_int_eq(sgp_der_decode(td, p, len, &v, &err), code);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(err.code, code);
	ck_assert_uint_gt(strlen(err.msg), 0);
}

static void expect_bad_hex(const struct asn_TYPE_descriptor_s *td, const char *h)
{
	struct sgp_buf b = SGP_BUF_INIT;

	hex(h, &b);
	expect_bad(td, b.data, b.len, SGP_ERR_PARSE);
	sgp_buf_free(&b);
}

/* Encode, decode, re-encode: same bytes. */
static void roundtrip(const struct asn_TYPE_descriptor_s *td, const void *value,
		      struct sgp_buf *enc)
{
	struct sgp_buf again = SGP_BUF_INIT;
	struct der_error err;
	void *back = NULL;

	ck_assert_msg(sgp_der_encode(td, value, enc, &err) == 0, "%s", err.msg);
	ck_assert_msg(sgp_der_decode(td, enc->data, enc->len, &back, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(sgp_der_encode(td, back, &again, &err), 0);
	ck_assert_uint_eq(again.len, enc->len);
	ck_assert_mem_eq(again.data, enc->data, enc->len);
	sgp_der_free(td, back);
	sgp_buf_free(&again);
}

START_TEST(test_challenge_guess)
{
	struct sgp_buf b = SGP_BUF_INIT;
	struct der_guess g;
	struct der_error err;
	GetEuiccChallengeResponse_t *r;
	size_t i;

	hex(CHALLENGE_HEX, &b);
	ck_assert_int_eq(sgp_der_guess(b.data, b.len, &g, &err), 0);
	ck_assert_int_ge(g.chosen, 0);
	ck_assert_uint_eq(g.n, 2);	/* the request shares the tag BF2E */
	ck_assert_uint_eq(g.n_ok, 1);
	ck_assert_str_eq(sgp_der_type_name(g.c[g.chosen].td), "GetEuiccChallengeResponse");
	r = g.c[g.chosen].value;
	ck_assert_int_eq(r->euiccChallenge.size, 16);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(r->euiccChallenge.buf[i], i + 1);
	sgp_der_guess_free(&g);

	/* unknown tag */
	hex("9F7F0100", &b);
	ck_assert_int_eq(sgp_der_guess(b.data, b.len, &g, &err), SGP_ERR_NOTFOUND);
	sgp_der_guess_free(&g);
	sgp_buf_free(&b);
}
END_TEST

static GetEimPackageResponse_t *build_enable_psmo(void)
{
	static const uint8_t eid[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
					 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35 };
	static const uint8_t iccid[10] = { 0x98, 0x44, 0x00, 0x00, 0x00, 0x00,
					   0x00, 0x00, 0x00, 0x11 };
	static const uint8_t tid[4] = { 0x01, 0x02, 0x03, 0x04 };
	GetEimPackageResponse_t *r = calloc(1, sizeof(*r));
	EuiccPackageSigned_t *s;
	Psmo_t *p = calloc(1, sizeof(*p));
	uint8_t sig[64];

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(p);
	memset(sig, 0xa5, sizeof(sig));
	r->present = GetEimPackageResponse_PR_euiccPackageRequest;
	s = &r->choice.euiccPackageRequest.euiccPackageSigned;
	ck_assert_int_eq(OCTET_STRING_fromString(&s->eimId, "eim-lab-1"), 0);
	ck_assert_int_eq(OCTET_STRING_fromBuf(&s->eidValue, (const char *)eid, 16), 0);
	s->counterValue = 1;
	s->eimTransactionId = OCTET_STRING_new_fromBuf(&asn_DEF_TransactionId,
						       (const char *)tid, 4);
	s->euiccPackage.present = EuiccPackage_PR_psmoList;
	p->present = Psmo_PR_enable;
	ck_assert_int_eq(OCTET_STRING_fromBuf(&p->choice.enable.iccid,
					      (const char *)iccid, 10), 0);
	ck_assert_int_eq(ASN_SEQUENCE_ADD(&s->euiccPackage.choice.psmoList.list, p), 0);
	ck_assert_int_eq(OCTET_STRING_fromBuf(&r->choice.euiccPackageRequest.eimSignature,
					      (const char *)sig, 64), 0);
	return r;
}

static int read_file(const char *path, struct sgp_buf *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[4096];
	size_t n;

	if (!f)
		return SGP_ERR_IO;
	sgp_buf_reset(out);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ck_assert_int_eq(sgp_buf_append(out, chunk, n), 0);
	fclose(f);
	return 0;
}

START_TEST(test_eim_package_enable)
{
	GetEimPackageResponse_t *r = build_enable_psmo();
	struct sgp_buf enc = SGP_BUF_INIT, file = SGP_BUF_INIT, fder = SGP_BUF_INIT;
	const char *data = getenv("SGP_TEST_DATA");
	struct der_guess g;
	struct der_error err;
	char path[512];
	GetEimPackageResponse_t *back;
	Psmo_t *p;

	roundtrip(&asn_DEF_GetEimPackageResponse, r, &enc);
	ck_assert_uint_eq(enc.data[0], 0xbf);
	ck_assert_uint_eq(enc.data[1], 0x4f);

	/* found from its tag, and the structure survives */
	ck_assert_int_eq(sgp_der_guess(enc.data, enc.len, &g, &err), 0);
	ck_assert_str_eq(sgp_der_type_name(g.c[g.chosen].td), "GetEimPackageResponse");
	back = g.c[g.chosen].value;
	ck_assert_int_eq(back->present, GetEimPackageResponse_PR_euiccPackageRequest);
	ck_assert_int_eq(back->choice.euiccPackageRequest.euiccPackageSigned.euiccPackage.present,
			 EuiccPackage_PR_psmoList);
	p = back->choice.euiccPackageRequest.euiccPackageSigned.euiccPackage.choice.psmoList.list.array[0];
	ck_assert_int_eq(p->present, Psmo_PR_enable);
	ck_assert_uint_eq(p->choice.enable.iccid.buf[9], 0x11);
	sgp_der_guess_free(&g);

	/* the same message is kept as test data for the CLI */
	ck_assert_ptr_nonnull(data);
	snprintf(path, sizeof(path), "%s/get-eim-package-response-enable.hex", data);
	ck_assert_int_eq(read_file(path, &file), 0);
	ck_assert_int_eq(sgp_buf_append_byte(&file, 0), 0);
	ck_assert_int_eq(sgp_hex_decode((const char *)file.data, &fder), 0);
	if (fder.len != enc.len || memcmp(fder.data, enc.data, enc.len)) {
		char *h = sgp_hex_encode(enc.data, enc.len, true);

		ck_abort_msg("%s differs from the encoder's %s", path, h);
	}

	sgp_der_free(&asn_DEF_GetEimPackageResponse, r);
	sgp_buf_free(&enc);
	sgp_buf_free(&file);
	sgp_buf_free(&fder);
}
END_TEST

START_TEST(test_roundtrips)
{
	static const uint8_t iccid[10] = { 0x98, 0x10, 0x32, 0x54, 0x76, 0x98,
					   0x10, 0x32, 0x54, 0xf6 };
	struct sgp_buf enc = SGP_BUF_INIT;
	EnableProfileRequest_t en;
	EsipaMessageFromIpaToEim_t m;
	GetEuiccChallengeResponse_t ch;
	uint8_t c16[16];

	/* SGP.22 ES10c.EnableProfile */
	memset(&en, 0, sizeof(en));
	en.profileIdentifier.present = EnableProfileRequest__profileIdentifier_PR_iccid;
	ck_assert_int_eq(OCTET_STRING_fromBuf(&en.profileIdentifier.choice.iccid,
					      (const char *)iccid, 10), 0);
	en.refreshFlag = 1;
	roundtrip(&asn_DEF_EnableProfileRequest, &en, &enc);
	ck_assert_uint_eq(enc.data[0], 0xbf);
	ck_assert_uint_eq(enc.data[1], 0x31);
	ck_assert_uint_eq(enc.data[enc.len - 1], 0xff);	/* BOOLEAN TRUE */
	/* TRUE as 01 is BER, not DER */
	enc.data[enc.len - 1] = 0x01;
	expect_bad(&asn_DEF_EnableProfileRequest, enc.data, enc.len, SGP_ERR_PARSE);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EnableProfileRequest, &en);

	/* SGP.22 ES10b.GetEUICCChallenge */
	memset(&ch, 0, sizeof(ch));
	memset(c16, 0x5c, sizeof(c16));
	ck_assert_int_eq(OCTET_STRING_fromBuf(&ch.euiccChallenge, (const char *)c16, 16), 0);
	roundtrip(&asn_DEF_GetEuiccChallengeResponse, &ch, &enc);
	ck_assert_uint_eq(enc.len, 21);
	/* encoding refuses a 15-byte Octet16 */
	ch.euiccChallenge.size = 15;
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_GetEuiccChallengeResponse, &ch, &enc, NULL),
			 SGP_ERR_INVAL);
	ch.euiccChallenge.size = 16;
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_GetEuiccChallengeResponse, &ch);

	/* SGP.32 ESipa.GetEimPackage request, with the ESipa wrapper */
	memset(&m, 0, sizeof(m));
	m.present = EsipaMessageFromIpaToEim_PR_getEimPackageRequest;
	ck_assert_int_eq(OCTET_STRING_fromBuf(&m.choice.getEimPackageRequest.eidValue,
					      (const char *)c16, 16), 0);
	m.choice.getEimPackageRequest.notifyStateChange = calloc(1, sizeof(NULL_t));
	ck_assert_ptr_nonnull(m.choice.getEimPackageRequest.notifyStateChange);
	roundtrip(&asn_DEF_EsipaMessageFromIpaToEim, &m, &enc);
	ck_assert_uint_eq(enc.data[0], 0xbf);
	ck_assert_uint_eq(enc.data[1], 0x4f);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EsipaMessageFromIpaToEim, &m);
	sgp_buf_free(&enc);
}
END_TEST

START_TEST(test_ambiguous)
{
	/* BF39 with euiccChallenge, smdpAddress, euiccInfo1: both the SGP.22
	 * InitiateAuthenticationRequest and the ESipa one (and the ESipa
	 * envelope); the SGP.32 type is chosen. */
	struct sgp_buf b = SGP_BUF_INIT;
	struct der_guess g;
	struct der_error err;

	hex("BF3923" "8110000102030405060708090A0B0C0D0E0F" "8303612E62"
	    "BF2009" "8203020500" "A900" "AA00", &b);
	ck_assert_int_eq(sgp_der_guess(b.data, b.len, &g, &err), 0);
	ck_assert_uint_eq(g.n_ok, 3);	/* and EsipaMessageFromIpaToEim */
	ck_assert_str_eq(sgp_der_type_name(g.c[g.chosen].td),
			 "InitiateAuthenticationRequestEsipa");
	sgp_der_guess_free(&g);
	sgp_buf_free(&b);
}
END_TEST

START_TEST(test_type_by_name)
{
	ck_assert_ptr_eq(sgp_der_type_by_name("SGP32-EUICCInfo2"), &asn_DEF_SGP32_EUICCInfo2);
	ck_assert_ptr_eq(sgp_der_type_by_name("SGP32_EUICCInfo2"), &asn_DEF_SGP32_EUICCInfo2);
	ck_assert_ptr_eq(sgp_der_type_by_name("Certificate"), &asn_DEF_Certificate);
	ck_assert_ptr_null(sgp_der_type_by_name("NoSuchType"));
	ck_assert_ptr_null(sgp_der_type_by_name("Certificat"));
	ck_assert_ptr_nonnull(sgp_der_type_at(0));
}
END_TEST

START_TEST(test_malformed)
{
	const struct asn_TYPE_descriptor_s *td = &asn_DEF_GetEuiccChallengeResponse;
	struct sgp_buf b = SGP_BUF_INIT;
	uint8_t *big;
	size_t n;

	hex(CHALLENGE_HEX, &b);
	/* truncated at every length */
	for (n = 0; n < b.len; n++)
		expect_bad(td, b.data, n, SGP_ERR_PARSE);
	sgp_buf_free(&b);

	/* wrong outer tag, wrong inner tag */
	expect_bad_hex(td, "BF2F1280100102030405060708090A0B0C0D0E0F10");
	expect_bad_hex(td, "BF2E1281100102030405060708090A0B0C0D0E0F10");
	/* indefinite length */
	expect_bad_hex(td, "BF2E80" "80100102030405060708090A0B0C0D0E0F10" "0000");
	/* non-minimal lengths */
	expect_bad_hex(td, "BF2E8112" "80100102030405060708090A0B0C0D0E0F10");
	expect_bad_hex(td, "BF2E820012" "80100102030405060708090A0B0C0D0E0F10");
	expect_bad_hex(td, "BF2E13" "8081100102030405060708090A0B0C0D0E0F10");
	/* non-minimal tag number */
	expect_bad_hex(td, "BF802E1280100102030405060708090A0B0C0D0E0F10");
	/* trailing garbage */
	expect_bad_hex(td, CHALLENGE_HEX "00");
	expect_bad_hex(td, CHALLENGE_HEX "BF2E00");
	/* oversized lengths */
	expect_bad_hex(td, "BF2E847FFFFFFF80100102030405060708090A0B0C0D0E0F10");
	expect_bad_hex(td, "BF2E88FFFFFFFFFFFFFFFF");
	expect_bad_hex(td, "BF2E1280FF0102030405060708090A0B0C0D0E0F10");
	/* SIZE constraint: an Octet16 of 15 and of 17 bytes */
	expect_bad_hex(td, "BF2E11800F0102030405060708090A0B0C0D0E0F");
	expect_bad_hex(td, "BF2E1380110102030405060708090A0B0C0D0E0F1011");
	/* unknown extension field: BER-valid, not what we would encode */
	expect_bad_hex(td, "BF2E15" "80100102030405060708090A0B0C0D0E0F10" "810100");
	/* BIT STRING with 8 unused bits, and with non-zero padding */
	expect_bad_hex(&asn_DEF_ListNotificationRequest, "BF2804" "81020800");
	expect_bad_hex(&asn_DEF_ListNotificationRequest, "BF2804" "81020741");
	expect_bad_hex(&asn_DEF_ListNotificationRequest, "BF2803" "810108");
	/* ... while a proper one decodes */
	ck_assert_int_eq(sgp_hex_decode("BF2804" "81020780", &b), 0);
	{
		void *v = NULL;

		ck_assert_int_eq(sgp_der_decode(&asn_DEF_ListNotificationRequest, b.data,
						b.len, &v, NULL), 0);
		sgp_der_free(&asn_DEF_ListNotificationRequest, v);
	}
	sgp_buf_free(&b);
	/* empty and oversized input */
	expect_bad(td, (const uint8_t *)"", 0, SGP_ERR_PARSE);
	big = calloc(1, DER_MAX_INPUT + 1);
	ck_assert_ptr_nonnull(big);
	expect_bad(td, big, DER_MAX_INPUT + 1, SGP_ERR_TOOBIG);
	free(big);
	/* deep nesting */
	{
		uint8_t deep[2 * 100];

		for (n = 0; n < 100; n++) {
			deep[2 * n] = 0x30;
			deep[2 * n + 1] = (uint8_t)(2 * (99 - n));
		}
		expect_bad(td, deep, sizeof(deep), SGP_ERR_PARSE);
	}
}
END_TEST

/* Deterministic mutations of valid messages through the type guesser:
 * every outcome is fine except a crash or a sanitizer report. */
START_TEST(test_mutations)
{
	GetEimPackageResponse_t *r = build_enable_psmo();
	struct sgp_buf enc = SGP_BUF_INIT, m = SGP_BUF_INIT;
	uint32_t x = 12345;
	struct der_guess *g = calloc(1, sizeof(*g));
	struct der_error err;
	int i, k;

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_GetEimPackageResponse, r, &enc, NULL), 0);
	for (i = 0; i < 1500; i++) {
		ck_assert_int_eq(sgp_buf_set(&m, enc.data, enc.len), 0);
		for (k = 0; k < 1 + i % 3; k++) {
			x = x * 1103515245u + 12345u;
			m.data[(x >> 8) % m.len] ^= (uint8_t)(1u << ((x >> 4) % 8));
		}
		if (i % 7 == 0)
			m.len = (x >> 3) % m.len + 1;
		sgp_der_guess(m.data, m.len, g, &err);
		sgp_der_guess_free(g);
	}
	free(g);
	sgp_der_free(&asn_DEF_GetEimPackageResponse, r);
	sgp_buf_free(&enc);
	sgp_buf_free(&m);
}
END_TEST

/* The SGP.26 test certificates decode as Certificate and re-encode
 * unchanged; the eUICC one has a 9-byte serial that a C long cannot hold. */
START_TEST(test_reference_certificates)
{
	static const char *const dirs[] = { "CertificateIssuer", "EUM", "eUICC",
					    "DPauth", "DPpb", "DPtls" };
	const char *ref = test_reference_dir();
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err;
	char path[1024];
	unsigned count = 0, d;

	if (!ref) {
		printf("skipped: no reference\n");
		return;
	}
	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		struct dirent *e;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/sgp26/%s", ref, dirs[d]);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			size_t l = strlen(e->d_name);
			Certificate_t *c = NULL;
			size_t n;

			if (l < 5 || strcmp(e->d_name + l - 4, ".der"))
				continue;
			snprintf(path, sizeof(path), "%s/sgp26/%s/%s", ref, dirs[d], e->d_name);
			ck_assert_int_eq(read_file(path, &der), 0);
			ck_assert_msg(sgp_der_decode(&asn_DEF_Certificate, der.data, der.len,
						     (void **)&c, &err) == 0,
				      "%s: %s", path, err.msg);
			/* truncations of a real certificate */
			for (n = der.len; n > 97; n -= 97)
				expect_bad(&asn_DEF_Certificate, der.data, n - 1, SGP_ERR_PARSE);
			if (!strcmp(e->d_name, "CERT_EUICC_ECDSA_NIST.der")) {
				ck_assert_uint_eq(c->tbsCertificate.serialNumber.size, 9);
				ck_assert_uint_eq(c->tbsCertificate.serialNumber.buf[0], 0x02);
				ck_assert_uint_eq(c->tbsCertificate.serialNumber.buf[8], 0x01);
			}
			sgp_der_free(&asn_DEF_Certificate, c);
			count++;
		}
		closedir(dir);
	}
	ck_assert_uint_ge(count, 10);
	sgp_buf_free(&der);
}
END_TEST

/* RFC 5280 allows 20-octet serials: build one with OpenSSL. */
START_TEST(test_certificate_20_byte_serial)
{
	uint8_t serial[20], *p = NULL;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	ASN1_INTEGER *sn;
	BIGNUM *bn;
	Certificate_t *c = NULL;
	struct der_error err;
	int len, i;

	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(x);
	for (i = 0; i < 20; i++)
		serial[i] = (uint8_t)(0x70 - i);
	bn = BN_bin2bn(serial, 20, NULL);
	sn = BN_to_ASN1_INTEGER(bn, NULL);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ck_assert_int_eq(X509_set_serialNumber(x, sn), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"test", -1, -1, 0);
	ck_assert_int_eq(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	len = i2d_X509(x, &p);
	ck_assert_int_gt(len, 0);

	ck_assert_msg(sgp_der_decode(&asn_DEF_Certificate, p, (size_t)len, (void **)&c,
				     &err) == 0, "%s", err.msg);
	ck_assert_int_eq(c->tbsCertificate.serialNumber.size, 20);
	ck_assert_mem_eq(c->tbsCertificate.serialNumber.buf, serial, 20);
	sgp_der_free(&asn_DEF_Certificate, c);

	OPENSSL_free(p);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(key);
}
END_TEST

/* The one TLV walk (core/der/bpp_split.h): siblings, a search by tag, the
 * outer TLV that must fill its buffer, and truncated input. */
START_TEST(test_tlv_walk)
{
	/* BF22 03 {81 01 07}  5A 02 {01 02} */
	static const uint8_t two[] = { 0xBF, 0x22, 0x03, 0x81, 0x01, 0x07, 0x5A, 0x02, 0x01, 0x02 };
	const uint8_t *p = two, *v;
	size_t len = sizeof(two), vl, whole;
	struct sgp_tlv t;

	ck_assert_int_eq(sgp_der_next_tlv(&p, &len, &t), SGP_OK);
	ck_assert_uint_eq(t.tag, 0xBF22);
	ck_assert_uint_eq(t.vl, 3);
	ck_assert_uint_eq(t.wl, 6);
	ck_assert_ptr_eq(t.whole, two);
	ck_assert_ptr_eq(t.v, two + 3);
	ck_assert_int_eq(sgp_der_next_tlv(&p, &len, &t), SGP_OK);
	ck_assert_uint_eq(t.tag, 0x5A);
	ck_assert_int_eq(sgp_der_next_tlv(&p, &len, &t), SGP_ERR_NOTFOUND);

	ck_assert_int_eq(sgp_der_find_value(two, sizeof(two), 0x5A, &v, &vl, &whole), SGP_OK);
	ck_assert_ptr_eq(v, two + 8);
	ck_assert_uint_eq(vl, 2);
	ck_assert_uint_eq(whole, 4);
	ck_assert_int_eq(sgp_der_find_tlv(two, sizeof(two), 0x4F, &t), SGP_ERR_NOTFOUND);
	/* the second TLV cut short: the walk stops with a parse error */
	ck_assert_int_eq(sgp_der_find_tlv(two, sizeof(two) - 1, 0x5A, &t), SGP_ERR_PARSE);

	ck_assert_int_eq(sgp_der_outer_value(two, 6, 0xBF22, &v, &vl), SGP_OK);
	ck_assert_uint_eq(vl, 3);
	/* not alone in its buffer, the wrong tag, nothing at all */
	ck_assert_int_eq(sgp_der_outer_value(two, sizeof(two), 0xBF22, &v, &vl), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_der_outer_value(two, 6, 0xBF23, &v, &vl), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_der_outer_value(NULL, 0, 0xBF22, &v, &vl), SGP_ERR_PARSE);
}
END_TEST

static Suite *der_suite(void)
{
	Suite *s = suite_create("der");
	TCase *tc = tcase_create("der");

	tcase_add_test(tc, test_challenge_guess);
	tcase_add_test(tc, test_eim_package_enable);
	tcase_add_test(tc, test_roundtrips);
	tcase_add_test(tc, test_ambiguous);
	tcase_add_test(tc, test_type_by_name);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_reference_certificates);
	tcase_add_test(tc, test_certificate_20_byte_serial);
	tcase_add_test(tc, test_tlv_walk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(der_suite());
}
