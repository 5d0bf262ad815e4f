/* sgp32lab: unit tests for core/pki (generation, storage, SGP.26 loading,
 * SGP.22-style chain verification with exact reasons, malformed input) */
#define _XOPEN_SOURCE 700
#include "core/err.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "testutil.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#define T_GEN 1748736000	/* 2025-06-01: notBefore of generated PKIs */
#define T_NOW (T_GEN + 86400)
#define T_SGP26 1785542400	/* 2026-08-01: inside every valid SGP.26 certificate */
#define DAY ((time_t)86400)
#define SGP26_EID "89049032123451234512345678901235"

static const char *const lab_eids[] = {
	"89001012012345678901234567890157", "89001012999999999999999999999978",
};

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/test_pki.XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

static struct sgp_pki *gen(enum sgp_pki_curve curve, const char *const *eids, size_t n)
{
	struct sgp_pki_gen_opts o = { .curve = curve, .eids = eids, .n_eids = n,
				      .not_before = T_GEN };
	struct sgp_pki *pki;

	ck_assert_int_eq(sgp_pki_generate(&o, &pki), SGP_OK);
	return pki;
}

static enum sgp_pki_result ver(const struct sgp_pki *pki, X509 *c, enum sgp_pki_role role,
			       X509 *eum, time_t now, const char *eid)
{
	struct sgp_pki_verify_info info;
	enum sgp_pki_result r = sgp_pki_verify(pki, c, role, eum, now, eid, &info);

	ck_assert(info.detail[0] != '\0');
	return r;
}

#define ck_result(got, want) \
	ck_assert_msg((got) == (want), "got \"%s\", expected \"%s\"", \
		      sgp_pki_result_str(got), sgp_pki_result_str(want))

START_TEST(test_eid)
{
	char eid[SGP_EID_LEN + 1];

	ck_assert_int_eq(sgp_eid_check(SGP26_EID), SGP_OK);
	ck_assert_int_eq(sgp_eid_check(lab_eids[0]), SGP_OK);
	ck_assert_int_eq(sgp_eid_check("89049032123451234512345678901234"), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_eid_check("8904903212345123451234567890123"), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_eid_check("890490321234512345123456789012355"), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_eid_check("8904903212345123451234567890123A"), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_eid_check(""), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_eid_check(NULL), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_eid_complete("890490321234512345123456789012", eid), SGP_OK);
	ck_assert_str_eq(eid, SGP26_EID);
	ck_assert_int_eq(sgp_eid_complete("8904903212345123451234567890", eid), SGP_ERR_INVAL);
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(sgp_eid_generate("89001012", eid), SGP_OK);
		ck_assert_int_eq(sgp_eid_check(eid), SGP_OK);
		ck_assert(strncmp(eid, "89001012", 8) == 0);
	}
	ck_assert_int_eq(sgp_eid_generate("8900X", eid), SGP_ERR_INVAL);
}
END_TEST

/* Generate, save, load back: every role verifies; keys are 0600. */
START_TEST(test_generate_save_load_verify)
{
	enum sgp_pki_curve curve = _i ? SGP_PKI_CURVE_BRP : SGP_PKI_CURVE_NIST;
	struct sgp_pki *pki = gen(curve, lab_eids, 2), *ld;
	struct sgp_buf a = SGP_BUF_INIT, b = SGP_BUF_INIT;
	char *dir = make_tmpdir(), path[512];
	enum sgp_pki_curve kc;
	struct stat st;
	const char *eid;
	X509 *cert;

	ck_assert_int_eq(sgp_pki_save(pki, dir, false), SGP_OK);
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++) {
		if (r == SGP_PKI_ROLE_EUICC)
			continue;
		snprintf(path, sizeof(path), "%s/%s.key", dir, sgp_pki_role_name(r));
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
		snprintf(path, sizeof(path), "%s/%s.pem", dir, sgp_pki_role_name(r));
		ck_assert_int_eq(stat(path, &st), 0);
	}
	snprintf(path, sizeof(path), "%s/euicc-%s.key", dir, lab_eids[1]);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(sgp_pki_load(dir, SGP_PKI_CURVE_NIST, &ld), SGP_OK);
	ck_assert_int_eq(sgp_pki_get_curve(ld), curve);
	ck_assert_uint_eq(sgp_pki_euicc_count(ld), 2);
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++) {
		ck_assert_ptr_nonnull(sgp_pki_cert(ld, r));
		ck_assert_ptr_nonnull(sgp_pki_key(ld, r));
		ck_assert_int_eq(sgp_pki_cert_der(sgp_pki_cert(pki, r), &a), SGP_OK);
		ck_assert_int_eq(sgp_pki_cert_der(sgp_pki_cert(ld, r), &b), SGP_OK);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert(memcmp(a.data, b.data, a.len) == 0);
		ck_result(ver(ld, sgp_pki_cert(ld, r), r, NULL, T_NOW, NULL), SGP_PKI_OK);
		ck_assert_int_eq(sgp_pki_cert_role(sgp_pki_cert(ld, r)), r);
		ck_assert_int_eq(sgp_pki_pubkey_point(sgp_pki_cert_pubkey(sgp_pki_cert(ld, r)), &a, &kc),
				 SGP_OK);
		ck_assert_uint_eq(a.len, 65);
		ck_assert_int_eq(kc, curve);
	}
	for (size_t i = 0; i < 2; i++) {
		char got[SGP_EID_LEN + 1];

		ck_assert_int_eq(sgp_pki_euicc_get(ld, i, &eid, &cert, NULL), SGP_OK);
		ck_assert_int_eq(sgp_pki_cert_eid(cert, got), SGP_OK);
		ck_assert_str_eq(got, eid);
		ck_result(ver(ld, cert, SGP_PKI_ROLE_EUICC, NULL, T_NOW, eid), SGP_PKI_OK);
		ck_result(ver(ld, cert, SGP_PKI_ROLE_EUICC, NULL, T_NOW,
			      strcmp(eid, lab_eids[0]) ? lab_eids[0] : lab_eids[1]), SGP_PKI_EID_MISMATCH);
		/* The eUICC's AKI is the EUM's SKI, the EUM's AKI the CI PKID. */
		ck_assert_int_eq(sgp_pki_cert_aki(cert, &a), SGP_OK);
		ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(ld, SGP_PKI_ROLE_EUM), &b), SGP_OK);
		ck_assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	}
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(ld, SGP_PKI_ROLE_CI), &a), SGP_OK);
	ck_assert_ptr_eq(sgp_pki_find_ci(ld, a.data, a.len), sgp_pki_ci_get(ld, 0));
	ck_assert_int_eq(sgp_pki_cert_aki(sgp_pki_cert(ld, SGP_PKI_ROLE_CI), &a), SGP_ERR_NOTFOUND);

	sgp_buf_free(&a);
	sgp_buf_free(&b);
	sgp_pki_free(ld);
	sgp_pki_free(pki);
	rm_tree(dir);
	free(dir);
}
END_TEST

START_TEST(test_wrong_role_and_time)
{
	struct sgp_pki *pki = gen(SGP_PKI_CURVE_NIST, NULL, 0);
	struct sgp_pki_issue_opts o = { 0 };
	X509 *c, *ci = sgp_pki_cert(pki, SGP_PKI_ROLE_CI);
	EVP_PKEY *k;

	ck_assert_uint_eq(sgp_pki_euicc_count(pki), 1);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPAUTH), SGP_PKI_ROLE_DPPB, NULL, T_NOW, NULL),
		  SGP_PKI_WRONG_ROLE);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPTLS), SGP_PKI_ROLE_DSTLS, NULL, T_NOW, NULL),
		  SGP_PKI_WRONG_ROLE);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_EUM), SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL),
		  SGP_PKI_WRONG_ROLE);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_EIM), SGP_PKI_ROLE_DSAUTH, NULL, T_NOW, NULL),
		  SGP_PKI_WRONG_ROLE);
	/* An EUM-issued certificate is not issued by a CI. */
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL),
		  SGP_PKI_UNKNOWN_CI);
	/* A non-CI certificate is no trusted CI. */
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPAUTH), SGP_PKI_ROLE_CI, NULL, T_NOW, NULL),
		  SGP_PKI_UNKNOWN_CI);

	/* Validity: TLS 398 days, DPauth 10 years, eUICC no expiry, CI 35 years. */
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPTLS), SGP_PKI_ROLE_DPTLS, NULL,
		      T_GEN + 397 * DAY, NULL), SGP_PKI_OK);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPTLS), SGP_PKI_ROLE_DPTLS, NULL,
		      T_GEN + 399 * DAY, NULL), SGP_PKI_EXPIRED);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPAUTH), SGP_PKI_ROLE_DPAUTH, NULL,
		      T_GEN + 3651 * DAY, NULL), SGP_PKI_EXPIRED);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_DPAUTH), SGP_PKI_ROLE_DPAUTH, NULL,
		      T_GEN - 1, NULL), SGP_PKI_NOT_YET_VALID);
	ck_result(ver(pki, ci, SGP_PKI_ROLE_CI, NULL, T_GEN + 36 * 366 * DAY, NULL), SGP_PKI_EXPIRED);
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC, NULL,
		      T_GEN + 30 * 365 * DAY, NULL), SGP_PKI_OK);

	/* Certificates issued on purpose with a wrong policy or a past validity. */
	o.policy_oid = sgp_pki_role_policy_oid(SGP_PKI_ROLE_DPPB);
	ck_assert_int_eq(sgp_pki_issue(pki, SGP_PKI_ROLE_DPAUTH, &o, &c, &k), SGP_OK);
	ck_result(ver(pki, c, SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL), SGP_PKI_WRONG_ROLE);
	ck_result(ver(pki, c, SGP_PKI_ROLE_DPPB, NULL, T_NOW, NULL), SGP_PKI_OK);
	X509_free(c);
	EVP_PKEY_free(k);
	o.policy_oid = NULL;
	o.not_before = T_GEN - 20 * DAY;
	o.not_after = T_GEN - 10 * DAY;
	ck_assert_int_eq(sgp_pki_issue(pki, SGP_PKI_ROLE_DSAUTH, &o, &c, &k), SGP_OK);
	ck_result(ver(pki, c, SGP_PKI_ROLE_DSAUTH, NULL, T_NOW, NULL), SGP_PKI_EXPIRED);
	ck_result(ver(pki, c, SGP_PKI_ROLE_DSAUTH, NULL, T_GEN - 15 * DAY, NULL), SGP_PKI_NOT_YET_VALID);
	X509_free(c);
	EVP_PKEY_free(k);
	sgp_pki_free(pki);
}
END_TEST

START_TEST(test_unknown_ci_and_eid_range)
{
	struct sgp_pki *a = gen(SGP_PKI_CURVE_NIST, lab_eids, 1), *b = gen(SGP_PKI_CURVE_NIST, NULL, 0);
	struct sgp_pki_issue_opts o = { .eid = "89049032123451234512345678901235" };
	X509 *c;
	EVP_PKEY *k;

	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++)
		if (r != SGP_PKI_ROLE_EUICC)
			ck_result(ver(a, sgp_pki_cert(b, r), r, NULL, T_NOW, NULL), SGP_PKI_UNKNOWN_CI);
	/* b's eUICC with b's EUM: the EUM is from an unknown CI. */
	ck_result(ver(a, sgp_pki_cert(b, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC,
		      sgp_pki_cert(b, SGP_PKI_ROLE_EUM), T_NOW, NULL), SGP_PKI_UNKNOWN_CI);
	/* b's eUICC presented with a's EUM: wrong issuer key identifier. */
	ck_result(ver(a, sgp_pki_cert(b, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC, NULL, T_NOW, NULL),
		  SGP_PKI_UNKNOWN_ISSUER);
	/* Once b's CI is trusted too, b's chain verifies. */
	ck_assert_int_eq(sgp_pki_trust_ci(a, sgp_pki_cert(b, SGP_PKI_ROLE_CI)), SGP_OK);
	ck_assert_uint_eq(sgp_pki_ci_count(a), 2);
	ck_result(ver(a, sgp_pki_cert(b, SGP_PKI_ROLE_DPAUTH), SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL),
		  SGP_PKI_OK);
	ck_result(ver(a, sgp_pki_cert(b, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC,
		      sgp_pki_cert(b, SGP_PKI_ROLE_EUM), T_NOW, NULL), SGP_PKI_OK);

	/* A valid EID outside the EUM's prefix 89001012. */
	ck_assert_int_eq(sgp_pki_add_euicc(a, o.eid), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_pki_add_euicc(a, "89001012012345678901234567890190"), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_pki_add_euicc(a, lab_eids[0]), SGP_ERR_EXISTS);
	ck_assert_int_eq(sgp_pki_add_euicc(a, lab_eids[1]), SGP_OK);
	ck_assert_uint_eq(sgp_pki_euicc_count(a), 2);
	ck_assert_int_eq(sgp_pki_issue(a, SGP_PKI_ROLE_EUICC, &o, &c, &k), SGP_OK);
	ck_result(ver(a, c, SGP_PKI_ROLE_EUICC, NULL, T_NOW, NULL), SGP_PKI_EID_OUTSIDE_EUM);
	ck_result(ver(a, c, SGP_PKI_ROLE_EUICC, NULL, T_NOW, lab_eids[0]), SGP_PKI_EID_MISMATCH);
	X509_free(c);
	EVP_PKEY_free(k);
	/* An eUICC certificate needs its EUM. */
	sgp_pki_free(b);
	b = gen(SGP_PKI_CURVE_NIST, NULL, 0);
	ck_result(ver(b, sgp_pki_cert(a, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC,
		      sgp_pki_cert(a, SGP_PKI_ROLE_DPAUTH), T_NOW, NULL), SGP_PKI_UNKNOWN_CI);
	sgp_pki_free(a);
	sgp_pki_free(b);
}
END_TEST

static X509 *read_ref(const char *ref, const char *name)
{
	char path[1024];
	X509 *c;

	snprintf(path, sizeof(path), "%s/%s", ref, name);
	ck_assert_msg(sgp_pki_cert_read_file(path, &c) == SGP_OK, "cannot read %s", path);
	return c;
}

START_TEST(test_sgp26)
{
	static const uint8_t ski[] = { 0xA5, 0x24, 0x76, 0xAF, 0x5D, 0x50, 0xAA, 0x37, 0x64, 0x37,
				       0xCC, 0xB1, 0xDA, 0x21, 0x72, 0xEF, 0x45, 0xF4, 0x84, 0xF0 };
	static const uint8_t ci_pkid[] = { 0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE,
					   0xB8, 0x8A, 0x38, 0xA1, 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3 };
	enum sgp_pki_curve curve = _i ? SGP_PKI_CURVE_BRP : SGP_PKI_CURVE_NIST;
	const char *ref = test_reference_dir();
	struct sgp_buf b = SGP_BUF_INIT;
	char dir[1024], eid[SGP_EID_LEN + 1];
	struct sgp_pki *pki;
	X509 *c;

	if (!ref) {
		printf("skipped: no reference\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/sgp26", ref);
	ck_assert_int_eq(sgp_pki_load(dir, curve, &pki), SGP_OK);
	ck_assert_int_eq(sgp_pki_get_curve(pki), curve);
	ck_assert_uint_eq(sgp_pki_ci_count(pki), 2);
	ck_assert_uint_eq(sgp_pki_euicc_count(pki), 1);
	for (int r = 0; r <= SGP_PKI_ROLE_DPTLS; r++) {
		ck_assert_msg(sgp_pki_cert(pki, r) && sgp_pki_key(pki, r), "%s missing",
			      sgp_pki_role_name(r));
		ck_result(ver(pki, sgp_pki_cert(pki, r), r, NULL, T_SGP26, NULL), SGP_PKI_OK);
	}
	ck_assert_ptr_null(sgp_pki_cert(pki, SGP_PKI_ROLE_EIM));
	c = sgp_pki_cert(pki, SGP_PKI_ROLE_EUICC);
	ck_result(ver(pki, c, SGP_PKI_ROLE_EUICC, NULL, T_SGP26, SGP26_EID), SGP_PKI_OK);
	ck_assert_int_eq(sgp_pki_cert_eid(c, eid), SGP_OK);
	ck_assert_str_eq(eid, SGP26_EID);
	if (curve == SGP_PKI_CURVE_NIST) {
		ck_assert_int_eq(sgp_pki_cert_ski(c, &b), SGP_OK);
		ck_assert(b.len == sizeof(ski) && memcmp(b.data, ski, sizeof(ski)) == 0);
		ck_assert_ptr_eq(sgp_pki_find_ci(pki, ci_pkid, sizeof(ci_pkid)),
				 sgp_pki_cert(pki, SGP_PKI_ROLE_CI));
		ck_assert_int_eq(sgp_pki_pubkey_point(sgp_pki_cert_pubkey(c), &b, NULL), SGP_OK);
		ck_assert_uint_eq(b.data[0], 0x04);
		ck_assert_uint_eq(b.data[1], 0x6d);
	}
	/* The other curve's SM-DP+ certificate verifies through the second CI. */
	c = read_ref(ref, curve == SGP_PKI_CURVE_NIST ? "sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der" :
						       "sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der");
	ck_result(ver(pki, c, SGP_PKI_ROLE_DPAUTH, NULL, T_SGP26, NULL), SGP_PKI_OK);
	X509_free(c);
	/* The expired SGP.26 TLS certificate. */
	if (curve == SGP_PKI_CURVE_NIST) {
		c = read_ref(ref, "sgp26/DPtls/CERT_S_SM_DP2_TLS.der");
		ck_result(ver(pki, c, SGP_PKI_ROLE_DPTLS, NULL, T_SGP26, NULL), SGP_PKI_EXPIRED);
		X509_free(c);
	}
	sgp_buf_free(&b);
	sgp_pki_free(pki);
}
END_TEST

/* Every file of sgp26-invalid, with what is wrong with it. */
static const struct {
	const char *file;
	enum sgp_pki_role role;
	const char *expected_eid;
	enum sgp_pki_result want;
} invalid[] = {
	/* notAfter 2015 */
	{ "CERT_EUICC_ECDSA_NIST_EXPIRED.der", SGP_PKI_ROLE_EUICC, NULL, SGP_PKI_EXPIRED },
	/* self-issued by "RSP Test eUICC", no AKI: the EUM's key does not verify it */
	{ "CERT_EUICC_ECDSA_NIST_INVALID.der", SGP_PKI_ROLE_EUICC, NULL, SGP_PKI_BAD_SIGNATURE },
	/* EID 89049033...1234: check digits wrong (and outside the EUM's 89049032) */
	{ "CERT_EUICC_ECDSA_NIST_INVALID_EID.der", SGP_PKI_ROLE_EUICC, NULL, SGP_PKI_EID_INVALID },
	{ "CERT_EUICC_ECDSA_NIST_INVALID_EID.pem", SGP_PKI_ROLE_EUICC, NULL, SGP_PKI_EID_INVALID },
	/* EID 89049032...1299 is not the eUICC's EID ...1235 (and its check digits are wrong) */
	{ "CERT_EUICC_ECDSA_NIST_UNMATCHED_EID.der", SGP_PKI_ROLE_EUICC, SGP26_EID, SGP_PKI_EID_MISMATCH },
	{ "CERT_EUICC_ECDSA_NIST_UNMATCHED_EID.pem", SGP_PKI_ROLE_EUICC, SGP26_EID, SGP_PKI_EID_MISMATCH },
	/* notAfter 2015 (its policy is even dp-auth) */
	{ "CERT_EUM_ECDSA_NIST_EXPIRED.der", SGP_PKI_ROLE_EUM, NULL, SGP_PKI_EXPIRED },
	/* self-issued, no AKI: no trusted CI key verifies it */
	{ "CERT_EUM_ECDSA_NIST_INVALID.der", SGP_PKI_ROLE_EUM, NULL, SGP_PKI_BAD_SIGNATURE },
	/* AKI 8466D9DC... is no trusted CI PKID */
	{ "CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der", SGP_PKI_ROLE_EUM, NULL, SGP_PKI_UNKNOWN_CI },
	/* a root CI that is not trusted */
	{ "CERT_UNKNOWN_CI_ECDSA_NIST.der", SGP_PKI_ROLE_CI, NULL, SGP_PKI_UNKNOWN_CI },
};

START_TEST(test_sgp26_invalid)
{
	const char *ref = test_reference_dir();
	char dir[1024], name[300];
	struct sgp_pki *pki;
	struct dirent *de;
	size_t seen = 0;
	DIR *d;
	X509 *c;

	if (!ref) {
		printf("skipped: no reference\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/sgp26", ref);
	ck_assert_int_eq(sgp_pki_load(dir, SGP_PKI_CURVE_NIST, &pki), SGP_OK);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		snprintf(name, sizeof(name), "sgp26-invalid/%s", invalid[i].file);
		c = read_ref(ref, name);
		ck_assert_msg(sgp_pki_verify(pki, c, invalid[i].role, NULL, T_SGP26,
					     invalid[i].expected_eid, NULL) == invalid[i].want,
			      "%s: got %s", invalid[i].file,
			      sgp_pki_result_str(sgp_pki_verify(pki, c, invalid[i].role, NULL, T_SGP26,
								invalid[i].expected_eid, NULL)));
		/* Without an expected EID the unmatched EID fails its check digits. */
		if (invalid[i].expected_eid)
			ck_result(ver(pki, c, invalid[i].role, NULL, T_SGP26, NULL), SGP_PKI_EID_INVALID);
		X509_free(c);
	}
	/* The broken EUMs also break the valid SGP.26 eUICC chain. */
	c = read_ref(ref, "sgp26-invalid/CERT_EUM_ECDSA_NIST_EXPIRED.der");
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC, c, T_SGP26, NULL),
		  SGP_PKI_EXPIRED);
	X509_free(c);
	c = read_ref(ref, "sgp26-invalid/CERT_EUM_ECDSA_NIST_UNKNOWN_CI.der");
	ck_result(ver(pki, sgp_pki_cert(pki, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC, c, T_SGP26, NULL),
		  SGP_PKI_UNKNOWN_CI);
	X509_free(c);

	/* No file of the folder is left out of the table above. */
	snprintf(dir, sizeof(dir), "%s/sgp26-invalid", ref);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		bool known = false;

		if (de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
			known |= !strcmp(de->d_name, invalid[i].file);
		ck_assert_msg(known, "%s is not tested", de->d_name);
		seen++;
	}
	closedir(d);
	ck_assert_uint_eq(seen, sizeof(invalid) / sizeof(invalid[0]));
	sgp_pki_free(pki);
}
END_TEST

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

START_TEST(test_malformed_input)
{
	struct sgp_pki *pki = gen(SGP_PKI_CURVE_NIST, NULL, 0), *ld;
	struct sgp_buf der = SGP_BUF_INIT;
	char *dir = make_tmpdir(), path[512], *pem;
	BIO *bio = BIO_new(BIO_s_mem());
	X509 *c, *dpauth = sgp_pki_cert(pki, SGP_PKI_ROLE_DPAUTH);
	EVP_PKEY *k;
	uint8_t *big;
	long pem_len;

	ck_assert_int_eq(sgp_pki_cert_der(dpauth, &der), SGP_OK);
	ck_assert_int_eq(PEM_write_bio_X509(bio, dpauth), 1);
	pem_len = BIO_get_mem_data(bio, &pem);

	/* from memory */
	ck_assert_int_eq(sgp_pki_cert_from_der(NULL, 0, &c), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_pki_cert_from_der(der.data, 0, &c), SGP_ERR_PARSE);
	for (size_t n = 1; n < der.len; n += 37)
		ck_assert_int_eq(sgp_pki_cert_from_der(der.data, n, &c), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_pki_cert_from_der(der.data, der.len, &c), SGP_OK);
	X509_free(c);
	ck_assert_int_eq(sgp_buf_append_byte(&der, 0x00), SGP_OK);
	ck_assert_int_eq(sgp_pki_cert_from_der(der.data, der.len, &c), SGP_ERR_PARSE);
	der.len--;

	/* from files */
	snprintf(path, sizeof(path), "%s/x.der", dir);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_NOTFOUND);
	write_bytes(path, "", 0);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_pki_key_read_file(path, &k), SGP_ERR_PARSE);
	write_bytes(path, "garbage\x01\x02\xff not a certificate", 28);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_pki_key_read_file(path, &k), SGP_ERR_PARSE);
	write_bytes(path, der.data, der.len / 2);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_PARSE);
	write_bytes(path, pem, (size_t)pem_len / 2);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_PARSE);
	write_bytes(path, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", 60);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_PARSE);
	big = calloc(1, SGP_PKI_MAX_FILE + 1);
	ck_assert_ptr_nonnull(big);
	memcpy(big, der.data, der.len);
	write_bytes(path, big, SGP_PKI_MAX_FILE + 1);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_ERR_TOOBIG);
	ck_assert_int_eq(sgp_pki_key_read_file(path, &k), SGP_ERR_TOOBIG);
	free(big);
	ck_assert_int_eq(sgp_pki_cert_read_file(dir, &c), SGP_ERR_IO);
	/* A flipped bit in the signature value: parses, does not verify. */
	der.data[der.len - 1] ^= 0x01;
	write_bytes(path, der.data, der.len);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_OK);
	ck_result(ver(pki, c, SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL), SGP_PKI_BAD_SIGNATURE);
	X509_free(c);
	/* A PEM file read through the same call. */
	write_bytes(path, pem, (size_t)pem_len);
	ck_assert_int_eq(sgp_pki_cert_read_file(path, &c), SGP_OK);
	ck_result(ver(pki, c, SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL), SGP_PKI_OK);
	X509_free(c);
	ck_result(sgp_pki_verify(pki, NULL, SGP_PKI_ROLE_DPAUTH, NULL, T_NOW, NULL, NULL),
		  SGP_PKI_MALFORMED);

	/* Broken PKI directories. */
	unlink(path);
	ck_assert_int_eq(sgp_pki_load(dir, SGP_PKI_CURVE_NIST, &ld), SGP_ERR_NOTFOUND);
	ck_assert_int_eq(sgp_pki_save(pki, dir, false), SGP_OK);
	snprintf(path, sizeof(path), "%s/dppb.key", dir);
	write_bytes(path, "junk", 4);
	ck_assert_int_eq(sgp_pki_load(dir, SGP_PKI_CURVE_NIST, &ld), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_pki_save(pki, dir, true), SGP_OK);
	/* The key of another role: does not belong to the certificate. */
	{
		char from[512];
		struct sgp_buf kb = SGP_BUF_INIT;
		FILE *f;

		snprintf(from, sizeof(from), "%s/dpauth.key", dir);
		f = fopen(from, "rb");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(sgp_buf_reserve(&kb, 4096), SGP_OK);
		kb.len = fread(kb.data, 1, 4096, f);
		fclose(f);
		write_bytes(path, kb.data, kb.len);
		sgp_buf_free(&kb);
	}
	ck_assert_int_eq(sgp_pki_load(dir, SGP_PKI_CURVE_NIST, &ld), SGP_ERR_CRYPTO);
	snprintf(path, sizeof(path), "%s/ci.pem", dir);
	write_bytes(path, pem, (size_t)pem_len / 3);
	ck_assert_int_eq(sgp_pki_load(dir, SGP_PKI_CURVE_NIST, &ld), SGP_ERR_PARSE);

	BIO_free(bio);
	sgp_buf_free(&der);
	sgp_pki_free(pki);
	rm_tree(dir);
	free(dir);
}
END_TEST

START_TEST(test_overwrite_needs_force)
{
	struct sgp_pki *a = gen(SGP_PKI_CURVE_NIST, lab_eids, 2), *b = gen(SGP_PKI_CURVE_NIST, NULL, 0), *ld;
	struct sgp_buf x = SGP_BUF_INIT, y = SGP_BUF_INIT;
	char *dir = make_tmpdir(), sub[512];

	snprintf(sub, sizeof(sub), "%s/new", dir);
	ck_assert_int_eq(sgp_pki_save(a, sub, false), SGP_OK);
	ck_assert_int_eq(sgp_pki_save(b, sub, false), SGP_ERR_EXISTS);
	/* Nothing of a was replaced. */
	ck_assert_int_eq(sgp_pki_load(sub, SGP_PKI_CURVE_NIST, &ld), SGP_OK);
	ck_assert_uint_eq(sgp_pki_euicc_count(ld), 2);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(ld, SGP_PKI_ROLE_CI), &x), SGP_OK);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(a, SGP_PKI_ROLE_CI), &y), SGP_OK);
	ck_assert(x.len == y.len && !memcmp(x.data, y.data, x.len));
	sgp_pki_free(ld);
	/* With force: b replaces a, and a's eUICC files are gone. */
	ck_assert_int_eq(sgp_pki_save(b, sub, true), SGP_OK);
	ck_assert_int_eq(sgp_pki_load(sub, SGP_PKI_CURVE_NIST, &ld), SGP_OK);
	ck_assert_uint_eq(sgp_pki_euicc_count(ld), 1);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(ld, SGP_PKI_ROLE_CI), &x), SGP_OK);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(b, SGP_PKI_ROLE_CI), &y), SGP_OK);
	ck_assert(x.len == y.len && !memcmp(x.data, y.data, x.len));
	ck_result(ver(ld, sgp_pki_cert(ld, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC, NULL, T_NOW, NULL),
		  SGP_PKI_OK);
	sgp_pki_free(ld);
	/* Without its EUM an eUICC certificate cannot be verified. */
	snprintf(sub, sizeof(sub), "%s/new/eum.pem", dir);
	ck_assert_int_eq(unlink(sub), 0);
	snprintf(sub, sizeof(sub), "%s/new", dir);
	ck_assert_int_eq(sgp_pki_load(sub, SGP_PKI_CURVE_NIST, &ld), SGP_OK);
	ck_assert_ptr_null(sgp_pki_cert(ld, SGP_PKI_ROLE_EUM));
	ck_result(ver(ld, sgp_pki_cert(ld, SGP_PKI_ROLE_EUICC), SGP_PKI_ROLE_EUICC, NULL, T_NOW, NULL),
		  SGP_PKI_NO_EUM);
	sgp_pki_free(ld);
	/* A directory that merely holds other files is no PKI. */
	snprintf(sub, sizeof(sub), "%s/other", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/other/notes.txt", dir);
	write_bytes(sub, "x", 1);
	snprintf(sub, sizeof(sub), "%s/other", dir);
	ck_assert_int_eq(sgp_pki_save(a, sub, false), SGP_OK);
	sgp_buf_free(&x);
	sgp_buf_free(&y);
	sgp_pki_free(a);
	sgp_pki_free(b);
	rm_tree(dir);
	free(dir);
}
END_TEST

START_TEST(test_names)
{
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++)
		ck_assert_int_eq(sgp_pki_role_parse(sgp_pki_role_name(r)), r);
	ck_assert_int_eq(sgp_pki_role_parse("nope"), -1);
	ck_assert_str_eq(sgp_pki_role_policy_oid(SGP_PKI_ROLE_DPAUTH), "2.23.146.1.2.1.4");
	ck_assert_str_eq(sgp_pki_role_policy_oid(SGP_PKI_ROLE_EUICC), "2.23.146.1.2.1.1");
	ck_assert_int_eq(sgp_pki_curve_parse("brp"), SGP_PKI_CURVE_BRP);
	ck_assert_int_eq(sgp_pki_curve_parse("nist"), SGP_PKI_CURVE_NIST);
	ck_assert_int_eq(sgp_pki_curve_parse("x"), -1);
	for (int i = 0; i < SGP_PKI_RESULT_COUNT; i++)
		ck_assert(strcmp(sgp_pki_result_str(i), "unknown result") != 0);
	ck_assert_str_eq(sgp_pki_result_str(SGP_PKI_RESULT_COUNT), "unknown result");
}
END_TEST

static Suite *pki_suite(void)
{
	Suite *s = suite_create("pki");
	TCase *tc = tcase_create("pki");

	tcase_add_test(tc, test_eid);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_generate_save_load_verify, 0, 2);
	tcase_add_test(tc, test_wrong_role_and_time);
	tcase_add_test(tc, test_unknown_ci_and_eid_range);
	tcase_add_loop_test(tc, test_sgp26, 0, 2);
	tcase_add_test(tc, test_sgp26_invalid);
	tcase_add_test(tc, test_malformed_input);
	tcase_add_test(tc, test_overwrite_needs_force);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_set_level_all(LOGL_NONE);
	return test_run_suite(pki_suite());
}
