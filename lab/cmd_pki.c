/* sgp32lab: "sgp32lab pki" — create, check and list the lab PKI.
 *
 *   sgp32lab pki init DIR [--curve nist|brp] [--eid EID]... [--force]
 *   sgp32lab pki verify DIR CERTFILE [--role ROLE] [--at TIME] [--eid EID] [--curve C]
 *   sgp32lab pki show DIR [--curve nist|brp]
 *
 * Exit status: 0 ok, 1 verification failed, 2 usage or file error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strptime(), timegm() */
#endif
#include "config.h"
#include "lab/commands.h"
#include "lab/lab_pki.h"
#include "core/err.h"
#include "core/pki/pki.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/x509v3.h>

#define EXIT_VERIFY 1
#define EXIT_USAGE 2
#define MAX_EIDS 1024

static const char roles_help[] = "ci|eum|euicc|dpauth|dppb|dptls|dsauth|dstls|eim|eimtls|ipatls";

static void usage_main(FILE *f)
{
	fprintf(f,
		"Usage: sgp32lab pki init DIR [--curve nist|brp] [--eid EID]... [--force]\n"
		"       sgp32lab pki verify DIR CERTFILE [--role ROLE] [--at TIME] [--eid EID] [--curve nist|brp]\n"
		"       sgp32lab pki show DIR [--curve nist|brp]\n"
		"Run 'sgp32lab pki SUBCOMMAND --help' for details.\n"
		"Exit status: 0 ok, 1 verification failed, 2 usage or file error.\n");
}

static void usage_init(FILE *f)
{
	fprintf(f,
		"Usage: sgp32lab pki init DIR [--curve nist|brp] [--eid EID]... [--force]\n"
		"Generate a lab PKI after the SGP.22 v2.5 certificate profiles and write it\n"
		"to DIR (created if missing) as PEM files, private keys with mode 0600:\n"
		"  ci.pem/.key      Certificate Issuer (self-signed root)\n"
		"  eum.pem/.key     EUM, nameConstraints O + EID prefix 89001012\n"
		"  euicc-EID.pem/.key  one eUICC per EID, signed by the EUM\n"
		"  dpauth dppb dptls   SM-DP+ certificates (.pem/.key), signed by the CI\n"
		"  dsauth dstls        SM-DS certificates, signed by the CI\n"
		"  eim eimtls          eIM signing and TLS certificates, signed by the CI\n"
		"  ipatls              the IPA push listener's TLS certificate, signed by the CI\n"
		"TLS certificates name localhost, <role>.sgp32lab.test and 127.0.0.1.\n"
		"  --curve nist|brp  NIST P-256 (default) or brainpoolP256r1\n"
		"  --eid EID         an eUICC with this EID (32 digits, valid check digits,\n"
		"                    starting with 89001012); repeatable; default: one\n"
		"                    generated EID\n"
		"  --force           replace a PKI already in DIR (old euicc-* files go)\n"
		"Exit status: 0 written, 2 usage error, DIR already holds a PKI, or I/O error.\n");
}

static void usage_verify(FILE *f)
{
	fprintf(f,
		"Usage: sgp32lab pki verify DIR CERTFILE [--role ROLE] [--at TIME] [--eid EID] [--curve nist|brp]\n"
		"Verify CERTFILE (PEM or DER) the SGP.22 way against the PKI in DIR (a lab PKI\n"
		"or the GSMA SGP.26 layout): CI found by key identifier, signature, validity,\n"
		"role policy, key usage; an eUICC certificate is checked against DIR's EUM\n"
		"with the GSMA name-constraint rule (O and EID prefix).\n"
		"  --role ROLE   %s\n"
		"                (default: the role named by the certificate's policy OID)\n"
		"  --at TIME     verification time: seconds since 1970, YYYY-MM-DD or\n"
		"                YYYY-MM-DDTHH:MM:SSZ (UTC); default: now\n"
		"  --eid EID     the EID the eUICC certificate must carry\n"
		"  --curve C     which SGP.26 files to use (default: the certificate's curve)\n"
		"Prints 'ok' or the reason of the failure.\n"
		"Exit status: 0 verified, 1 verification failed, 2 usage or file error.\n", roles_help);
}

static void usage_show(FILE *f)
{
	fprintf(f,
		"Usage: sgp32lab pki show DIR [--curve nist|brp]\n"
		"List the certificates of the PKI in DIR (lab or SGP.26 layout; --curve picks\n"
		"the SGP.26 set, default nist): role, subject, serial, key identifiers,\n"
		"validity, policy, EID, and whether the private key is present.\n"
		"Exit status: 0 listed, 2 usage or file error.\n");
}

static int parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;
	char *e;

	if (strspn(s, "0123456789") == strlen(s) && *s) {
		long long v = strtoll(s, &e, 10);

		*out = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static void print_hex(const char *label, const struct sgp_buf *b)
{
	printf("  %-10s", label);
	for (size_t i = 0; i < b->len; i++)
		printf("%02X", b->data[i]);
	printf("\n");
}

static void print_time(const char *label, const ASN1_TIME *t)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	if (!bio)
		return;
	ASN1_TIME_print(bio, t);
	len = BIO_get_mem_data(bio, &data);
	printf("  %-10s%.*s\n", label, (int)len, data);
	BIO_free(bio);
}

static void print_name(const char *label, const X509_NAME *n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	if (!bio)
		return;
	X509_NAME_print_ex(bio, n, 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_SPC_EQ | XN_FLAG_FN_SN |
			   ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL);
	len = BIO_get_mem_data(bio, &data);
	printf("  %-10s%.*s\n", label, (int)len, data);
	BIO_free(bio);
}

static void show_cert(const char *what, X509 *c, EVP_PKEY *key)
{
	struct sgp_buf b = SGP_BUF_INIT;
	char eid[SGP_EID_LEN + 1];
	int role = sgp_pki_cert_role(c);

	printf("%s\n", what);
	print_name("subject", X509_get_subject_name(c));
	print_name("issuer", X509_get_issuer_name(c));
	if (sgp_pki_cert_ski(c, &b) == SGP_OK)
		print_hex("SKI", &b);
	if (sgp_pki_cert_aki(c, &b) == SGP_OK)
		print_hex("AKI", &b);
	print_time("notBefore", X509_get0_notBefore(c));
	print_time("notAfter", X509_get0_notAfter(c));
	printf("  %-10s%s (%s)\n", "policy", role >= 0 ? sgp_pki_role_policy_oid(role) : "none known",
	       role >= 0 ? sgp_pki_role_name(role) : "-");
	if (sgp_pki_cert_eid(c, eid) == SGP_OK)
		printf("  %-10s%s%s\n", "EID", eid, sgp_eid_check(eid) ? " (check digits wrong)" : "");
	printf("  %-10s%s\n", "key", key ? "private key present" : "certificate only");
	sgp_buf_free(&b);
}

static int do_init(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "curve", required_argument, NULL, 'c' }, { "eid", required_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, { 0 } };
	struct sgp_pki_gen_opts go = { .curve = SGP_PKI_CURVE_NIST };
	const char **eids = NULL;
	struct sgp_pki *pki = NULL;
	bool force = false;
	int opt, rc = EXIT_USAGE, c;

	eids = calloc(MAX_EIDS, sizeof(*eids));
	if (!eids)
		return EXIT_USAGE;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c = sgp_pki_curve_parse(optarg);
			if (c < 0) {
				fprintf(stderr, "pki init: unknown curve '%s' (nist or brp)\n", optarg);
				goto out;
			}
			go.curve = (enum sgp_pki_curve)c;
			break;
		case 'e':
			if (go.n_eids == MAX_EIDS) {
				fprintf(stderr, "pki init: at most %d EIDs\n", MAX_EIDS);
				goto out;
			}
			if (sgp_eid_check(optarg)) {
				fprintf(stderr, "pki init: EID '%s' is not 32 digits with valid check digits\n",
					optarg);
				goto out;
			}
			eids[go.n_eids++] = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage_init(stdout);
			rc = 0;
			goto out;
		default:
			usage_init(stderr);
			goto out;
		}
	}
	if (argc - optind != 1) {
		usage_init(stderr);
		goto out;
	}
	go.eids = eids;
	go.not_before = lab_pki_not_before();	/* scenarios that `pki load` it, too */
	c = sgp_pki_generate(&go, &pki);
	if (c) {
		fprintf(stderr, "pki init: cannot generate the PKI: %s%s\n", sgp_strerror(c),
			c == SGP_ERR_INVAL ? " (EIDs must start with 89001012)" : "");
		goto out;
	}
	c = sgp_pki_save(pki, argv[optind], force);
	if (c) {
		fprintf(stderr, "pki init: %s: %s%s\n", argv[optind], sgp_strerror(c),
			c == SGP_ERR_EXISTS ? " (a PKI is already there; --force replaces it)" : "");
		goto out;
	}
	printf("PKI (%s) written to %s\n", sgp_pki_curve_name(go.curve), argv[optind]);
	for (size_t i = 0; i < sgp_pki_euicc_count(pki); i++) {
		const char *eid;

		sgp_pki_euicc_get(pki, i, &eid, NULL, NULL);
		printf("eUICC %s\n", eid);
	}
	rc = 0;
out:
	sgp_pki_free(pki);
	free(eids);
	return rc;
}

static int do_verify(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "role", required_argument, NULL, 'r' }, { "at", required_argument, NULL, 'a' },
		{ "eid", required_argument, NULL, 'e' }, { "curve", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { 0 } };
	struct sgp_pki_verify_info info;
	struct sgp_pki *pki = NULL;
	const char *eid = NULL;
	enum sgp_pki_curve curve;
	enum sgp_pki_result r;
	X509 *cert = NULL;
	time_t now = time(NULL);
	int opt, rc = EXIT_USAGE, role = -1, c = -1, err;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			role = sgp_pki_role_parse(optarg);
			if (role < 0) {
				fprintf(stderr, "pki verify: unknown role '%s' (%s)\n", optarg, roles_help);
				goto out;
			}
			break;
		case 'a':
			if (parse_time(optarg, &now)) {
				fprintf(stderr, "pki verify: bad time '%s'\n", optarg);
				goto out;
			}
			break;
		case 'e':
			eid = optarg;
			break;
		case 'c':
			c = sgp_pki_curve_parse(optarg);
			if (c < 0) {
				fprintf(stderr, "pki verify: unknown curve '%s' (nist or brp)\n", optarg);
				goto out;
			}
			break;
		case 'h':
			usage_verify(stdout);
			rc = 0;
			goto out;
		default:
			usage_verify(stderr);
			goto out;
		}
	}
	if (argc - optind != 2) {
		usage_verify(stderr);
		goto out;
	}
	err = sgp_pki_cert_read_file(argv[optind + 1], &cert);
	if (err) {
		fprintf(stderr, "pki verify: %s: %s\n", argv[optind + 1], sgp_strerror(err));
		goto out;
	}
	if (c >= 0)
		curve = (enum sgp_pki_curve)c;
	else if (sgp_pki_pubkey_point(X509_get0_pubkey(cert), NULL, &curve))
		curve = SGP_PKI_CURVE_NIST;
	err = sgp_pki_load(argv[optind], curve, &pki);
	if (err) {
		fprintf(stderr, "pki verify: %s: cannot load the PKI: %s\n", argv[optind], sgp_strerror(err));
		goto out;
	}
	if (role < 0)
		role = sgp_pki_cert_role(cert);
	if (role < 0) {
		fprintf(stderr, "pki verify: %s carries no known role policy; give --role\n",
			argv[optind + 1]);
		goto out;
	}
	r = sgp_pki_verify(pki, cert, (enum sgp_pki_role)role, NULL, now, eid, &info);
	if (r == SGP_PKI_OK) {
		printf("%s: ok (%s)\n", argv[optind + 1], sgp_pki_role_name(role));
		rc = 0;
	} else {
		printf("%s: FAILED as %s: %s (depth %d: %s)\n", argv[optind + 1], sgp_pki_role_name(role),
		       sgp_pki_result_str(r), info.depth, info.detail);
		rc = EXIT_VERIFY;
	}
out:
	X509_free(cert);
	sgp_pki_free(pki);
	return rc;
}

static int do_show(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "curve", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' }, { 0 } };
	struct sgp_pki *pki = NULL;
	int opt, c = SGP_PKI_CURVE_NIST, err;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c = sgp_pki_curve_parse(optarg);
			if (c < 0) {
				fprintf(stderr, "pki show: unknown curve '%s' (nist or brp)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage_show(stdout);
			return 0;
		default:
			usage_show(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage_show(stderr);
		return EXIT_USAGE;
	}
	err = sgp_pki_load(argv[optind], (enum sgp_pki_curve)c, &pki);
	if (err) {
		fprintf(stderr, "pki show: %s: cannot load the PKI: %s\n", argv[optind], sgp_strerror(err));
		return EXIT_USAGE;
	}
	printf("PKI in %s, curve %s, %zu trusted CI(s)\n", argv[optind],
	       sgp_pki_curve_name(sgp_pki_get_curve(pki)), sgp_pki_ci_count(pki));
	for (int r = 0; r < SGP_PKI_ROLE_COUNT; r++) {
		if (r == SGP_PKI_ROLE_EUICC || !sgp_pki_cert(pki, (enum sgp_pki_role)r))
			continue;
		show_cert(sgp_pki_role_name((enum sgp_pki_role)r), sgp_pki_cert(pki, (enum sgp_pki_role)r),
			  sgp_pki_key(pki, (enum sgp_pki_role)r));
	}
	for (size_t i = 0; i < sgp_pki_euicc_count(pki); i++) {
		X509 *cert;
		EVP_PKEY *key;

		sgp_pki_euicc_get(pki, i, NULL, &cert, &key);
		show_cert("euicc", cert, key);
	}
	sgp_pki_free(pki);
	return 0;
}

int cmd_pki(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	optind = 0;	/* glibc: full re-initialisation of getopt */
	if (!strcmp(argv[1], "init"))
		return do_init(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return do_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return do_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage_main(stdout);
		return 0;
	}
	fprintf(stderr, "pki: unknown subcommand '%s'\n", argv[1]);
	usage_main(stderr);
	return EXIT_USAGE;
}
