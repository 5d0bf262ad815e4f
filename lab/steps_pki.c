/* sgp32lab: scenario steps for the lab PKI (core/pki)
 *
 *   pki init [curve=nist|brp] [eids=EID,...]
 *   pki load dir=DIR [curve=nist|brp]
 *   pki issue name=NAME role=ROLE [eid=EID] [not-before=TIME] [not-after=TIME]
 *   pki verify cert=NAME|file=PATH role=ROLE [eum=NAME|eum-file=PATH] [eid=EID]
 *              [at=TIME] [result=REASON]
 *
 * The lab's PKI is generated on first use (curve from the `lab` line) and
 * saved in the run's work folder under pki/, where TLS endpoints read it. */
#include "lab/lab.h"
#include "lab/lab_pki.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"

#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ISSUED 32

struct lab_pki {
	struct sgp_pki *pki;
	char dir[4096];			/* where the PKI's PEM files are */
	struct {
		char name[64];
		X509 *cert;
	} issued[MAX_ISSUED];		/* certificates made by `pki issue` */
	unsigned n_issued;
};

/* Scenario keywords for the verification results. */
static const char *const result_keys[SGP_PKI_RESULT_COUNT] = {
	[SGP_PKI_OK] = "ok",
	[SGP_PKI_MALFORMED] = "malformed",
	[SGP_PKI_UNKNOWN_CI] = "unknown-ci",
	[SGP_PKI_UNKNOWN_ISSUER] = "unknown-issuer",
	[SGP_PKI_BAD_SIGNATURE] = "bad-signature",
	[SGP_PKI_ISSUER_MISMATCH] = "issuer-mismatch",
	[SGP_PKI_EXPIRED] = "expired",
	[SGP_PKI_NOT_YET_VALID] = "not-yet-valid",
	[SGP_PKI_WRONG_ROLE] = "wrong-role",
	[SGP_PKI_BAD_KEY_USAGE] = "bad-key-usage",
	[SGP_PKI_BAD_BASIC_CONSTRAINTS] = "bad-basic-constraints",
	[SGP_PKI_BAD_KEY] = "bad-key",
	[SGP_PKI_EID_INVALID] = "eid-invalid",
	[SGP_PKI_EID_OUTSIDE_EUM] = "eid-outside-eum",
	[SGP_PKI_EID_MISMATCH] = "eid-mismatch",
	[SGP_PKI_NO_EUM] = "no-eum",
};

static int result_parse(const char *key)
{
	for (int i = 0; i < SGP_PKI_RESULT_COUNT; i++)
		if (result_keys[i] && !strcmp(result_keys[i], key))
			return i;
	return -1;
}

static void lab_pki_clear(struct lab_pki *lp)
{
	sgp_pki_free(lp->pki);
	lp->pki = NULL;
	for (unsigned i = 0; i < lp->n_issued; i++)
		X509_free(lp->issued[i].cert);
	lp->n_issued = 0;
}

static struct lab_pki *lab_pki_state(struct lab *lab)
{
	if (!lab->pki)
		lab->pki = calloc(1, sizeof(*lab->pki));
	return lab->pki;
}

time_t lab_pki_not_before(void)
{
	time_t epoch = (time_t)(LAB_EPOCH_MS / 1000), now = time(NULL);

	return (now < epoch ? now : epoch) - 86400;
}

void lab_device_eid(unsigned device, char eid[SGP_EID_LEN + 1])
{
	char digits[31];

	/* stable EIDs, so scenarios can name them: the EUM prefix, the device
	 * number, the check digits */
	snprintf(digits, sizeof(digits), "89001012%022u", device);
	sgp_eid_complete(digits, eid);
}

/* Generate the lab's PKI (one eUICC certificate per device) and save it. */
static int lab_pki_generate(struct lab *lab, const char *curve, const char *const *eids,
			    size_t n_eids, char *err, size_t errlen)
{
	struct lab_pki *lp = lab_pki_state(lab);
	struct sgp_pki_gen_opts o = { 0 };
	char **gen = NULL;
	int rc;

	if (!lp)
		return SGP_ERR_NOMEM;
	o.curve = sgp_pki_curve_parse(curve) == SGP_PKI_CURVE_BRP ? SGP_PKI_CURVE_BRP
								   : SGP_PKI_CURVE_NIST;
	/* certificates valid from the day before the simulated clock's start,
	 * also in the sandbox (real time): a scenario can load its PKI */
	o.not_before = lab_pki_not_before();
	if (n_eids) {
		o.eids = eids;
		o.n_eids = n_eids;
	} else {
		gen = calloc(lab->devices, sizeof(*gen));
		if (!gen)
			return SGP_ERR_NOMEM;
		for (unsigned i = 0; i < lab->devices; i++) {
			gen[i] = malloc(SGP_EID_LEN + 1);
			if (!gen[i]) {
				rc = SGP_ERR_NOMEM;
				goto out;
			}
			lab_device_eid(i + 1, gen[i]);
		}
		o.eids = (const char *const *)gen;
		o.n_eids = lab->devices;
	}
	lab_pki_clear(lp);
	rc = sgp_pki_generate(&o, &lp->pki);
	if (rc < 0) {
		snprintf(err, errlen, "generating the PKI failed: %s", sgp_strerror(rc));
		goto out;
	}
	snprintf(lp->dir, sizeof(lp->dir), "%s/pki", lab->workdir);
	rc = sgp_pki_save(lp->pki, lp->dir, true);
	if (rc < 0)
		snprintf(err, errlen, "saving the PKI in %s failed: %s", lp->dir, sgp_strerror(rc));
out:
	for (unsigned i = 0; gen && i < lab->devices; i++)
		free(gen[i]);
	free(gen);
	return rc;
}

/* The sandbox (real-time clock) keeps its PKI in DIR/pki across restarts:
 * load it when it is there, with an eUICC certificate for every device
 * (device N's is the N-th; a missing one is added and saved).  1 when
 * loaded, 0 when there is none to load, -1 with err. */
static int lab_pki_reload(struct lab *lab, struct lab_pki *lp, char *err, size_t errlen)
{
	char ci[4200];
	int rc;

	if (sgp_clock_is_simulated(lab->clock))
		return 0;
	snprintf(lp->dir, sizeof(lp->dir), "%s/pki", lab->workdir);
	snprintf(ci, sizeof(ci), "%s/ci.pem", lp->dir);
	if (access(ci, F_OK) < 0)
		return 0;
	rc = sgp_pki_load(lp->dir, sgp_pki_curve_parse(lab->curve) == SGP_PKI_CURVE_BRP ?
			  SGP_PKI_CURVE_BRP : SGP_PKI_CURVE_NIST, &lp->pki);
	for (size_t i = sgp_pki_euicc_count(lp->pki); rc == SGP_OK && i < lab->devices; i++) {
		char eid[SGP_EID_LEN + 1];

		lab_device_eid((unsigned)i + 1, eid);
		rc = sgp_pki_add_euicc(lp->pki, eid);
		if (rc == SGP_OK)
			rc = sgp_pki_save(lp->pki, lp->dir, true);
	}
	if (rc < 0) {
		snprintf(err, errlen, "the lab PKI in %s: %s", lp->dir, sgp_strerror(rc));
		return -1;
	}
	LOGP(DLAB, LOGL_NOTICE, "lab PKI loaded from %s", lp->dir);
	return 1;
}

struct sgp_pki *lab_pki_get(struct lab *lab, const char **dir, char *err, size_t errlen)
{
	struct lab_pki *lp = lab_pki_state(lab);

	if (!lp) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!lp->pki) {
		int rc = lab_pki_reload(lab, lp, err, errlen);

		if (rc < 0 || (rc == 0 && lab_pki_generate(lab, lab->curve, NULL, 0, err, errlen) < 0))
			return NULL;
	}
	if (dir)
		*dir = lp->dir;
	return lp->pki;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int split_list(const char *list, char ***out, size_t *n)
{
	char *copy = strdup(list), *save = NULL;
	int rc = SGP_OK;

	*out = NULL;
	*n = 0;
	if (!copy)
		return SGP_ERR_NOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char **v = realloc(*out, (*n + 1) * sizeof(**out));
		if (!v || !(t = strdup(t))) {
			if (v)
				*out = v;
			rc = SGP_ERR_NOMEM;
			break;
		}
		*out = v;
		(*out)[(*n)++] = t;
	}
	free(copy);
	if (rc < 0) {
		free_list(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int init_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "curve", "eids", NULL };
	const char *v = step_arg(st, "curve");
	char **eids = NULL;
	size_t n = 0;
	int rc = 0;

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if (v && sgp_pki_curve_parse(v) < 0) {
		snprintf(err, errlen, "curve must be nist or brp");
		return -1;
	}
	if ((v = step_arg(st, "eids")) && split_list(v, &eids, &n) == SGP_OK) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (sgp_eid_check(eids[i]) < 0) {
				snprintf(err, errlen, "%s is no EID (32 digits, check digits mod 97)", eids[i]);
				rc = -1;
			}
		}
		free_list(eids, n);
	}
	return rc;
}

static enum step_result init_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *curve = step_arg(st, "curve");
	const char *eids = step_arg(st, "eids");
	char **list = NULL, err[256] = "";
	size_t n = 0;
	int rc;

	if (eids && split_list(eids, &list, &n) < 0) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	rc = lab_pki_generate(lab, curve ? curve : lab->curve, (const char *const *)list, n,
			      err, sizeof(err));
	free_list(list, n);
	if (rc < 0) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	step_msg(ctx, "%s PKI with %zu eUICC certificate%s in %s",
		 sgp_pki_curve_name(sgp_pki_get_curve(lab->pki->pki)),
		 sgp_pki_euicc_count(lab->pki->pki),
		 sgp_pki_euicc_count(lab->pki->pki) == 1 ? "" : "s", lab->pki->dir);
	return STEP_OK;
}

static int load_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "dir", "curve", NULL };
	const char *v = step_arg(st, "curve");

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if (!step_arg(st, "dir")) {
		snprintf(err, errlen, "dir= is required");
		return -1;
	}
	if (v && sgp_pki_curve_parse(v) < 0) {
		snprintf(err, errlen, "curve must be nist or brp");
		return -1;
	}
	return 0;
}

static enum step_result load_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct lab_pki *lp = lab_pki_state(lab);
	const char *dir = step_arg(st, "dir");
	const char *curve = step_arg(st, "curve");
	int rc;

	if (!lp) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	lab_pki_clear(lp);
	rc = sgp_pki_load(dir, sgp_pki_curve_parse(curve ? curve : lab->curve), &lp->pki);
	if (rc < 0) {
		step_msg(ctx, "cannot load a PKI from %s: %s", dir, sgp_strerror(rc));
		return STEP_FAIL;
	}
	snprintf(lp->dir, sizeof(lp->dir), "%s", dir);
	step_msg(ctx, "%zu trusted CI%s, %zu eUICC certificate%s", sgp_pki_ci_count(lp->pki),
		 sgp_pki_ci_count(lp->pki) == 1 ? "" : "s", sgp_pki_euicc_count(lp->pki),
		 sgp_pki_euicc_count(lp->pki) == 1 ? "" : "s");
	return STEP_OK;
}

static int time_arg_check(const struct scn_step *st, const char *key, char *err, size_t errlen)
{
	const char *v = step_arg(st, key);
	time_t t;

	if (v && step_parse_utc(v, &t) < 0) {
		snprintf(err, errlen, "%s= must be a UTC time such as 2026-01-01T00:00:00Z", key);
		return -1;
	}
	return 0;
}

static int role_arg_check(const struct scn_step *st, char *err, size_t errlen)
{
	const char *v = step_arg(st, "role");

	if (!v || sgp_pki_role_parse(v) < 0) {
		snprintf(err, errlen, "role= must be one of ci, eum, euicc, dpauth, dppb, dptls, "
			 "dsauth, dstls, eim, eimtls, ipatls");
		return -1;
	}
	return 0;
}

static int issue_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "role", "eid", "not-before", "not-after", NULL };
	const char *name = step_arg(st, "name");

	if (step_check_keys(st, 2, keys, err, errlen) < 0 || role_arg_check(st, err, errlen) < 0 ||
	    time_arg_check(st, "not-before", err, errlen) < 0 ||
	    time_arg_check(st, "not-after", err, errlen) < 0)
		return -1;
	if (!name || !*name || strlen(name) >= 64) {
		snprintf(err, errlen, "name= (1 to 63 characters) is required");
		return -1;
	}
	return 0;
}

static enum step_result issue_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct sgp_pki_issue_opts o = { .eid = step_arg(st, "eid") };
	const char *v;
	char err[256];
	struct sgp_pki *pki = lab_pki_get(lab, NULL, err, sizeof(err));
	struct lab_pki *lp = lab->pki;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	if (!pki) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (lp->n_issued == MAX_ISSUED) {
		step_msg(ctx, "at most %d issued certificates per scenario", MAX_ISSUED);
		return STEP_FAIL;
	}
	if ((v = step_arg(st, "not-before")))
		step_parse_utc(v, &o.not_before);
	if ((v = step_arg(st, "not-after")))
		step_parse_utc(v, &o.not_after);
	rc = sgp_pki_issue(pki, sgp_pki_role_parse(step_arg(st, "role")), &o, &cert, &key);
	EVP_PKEY_free(key);
	if (rc < 0) {
		step_msg(ctx, "issuing failed: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	snprintf(lp->issued[lp->n_issued].name, sizeof(lp->issued[0].name), "%s",
		 step_arg(st, "name"));
	lp->issued[lp->n_issued++].cert = cert;
	return STEP_OK;
}

/* A certificate named in a step: one issued by `pki issue`, else the lab
 * PKI's certificate of that role (first eUICC for "euicc"). */
static X509 *find_cert(struct lab_pki *lp, const char *name, bool *owned)
{
	int role;

	*owned = false;
	for (unsigned i = 0; i < lp->n_issued; i++)
		if (!strcmp(lp->issued[i].name, name))
			return lp->issued[i].cert;
	role = sgp_pki_role_parse(name);
	return role >= 0 ? sgp_pki_cert(lp->pki, role) : NULL;
}

static int verify_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "cert", "file", "role", "eum", "eum-file", "eid",
					    "at", "result", NULL };
	const char *v = step_arg(st, "result");

	if (step_check_keys(st, 2, keys, err, errlen) < 0 || role_arg_check(st, err, errlen) < 0 ||
	    time_arg_check(st, "at", err, errlen) < 0)
		return -1;
	if (!step_arg(st, "cert") == !step_arg(st, "file")) {
		snprintf(err, errlen, "give one of cert=NAME or file=PATH");
		return -1;
	}
	if (step_arg(st, "eum") && step_arg(st, "eum-file")) {
		snprintf(err, errlen, "give at most one of eum=NAME or eum-file=PATH");
		return -1;
	}
	if (v && result_parse(v) < 0) {
		snprintf(err, errlen, "unknown result '%s' (ok, expired, not-yet-valid, bad-signature, "
			 "unknown-ci, wrong-role, eid-outside-eum, eid-invalid, eid-mismatch, ...)", v);
		return -1;
	}
	return 0;
}

static X509 *load_named(struct lab_pki *lp, const char *name, const char *file,
			bool *owned, struct step_ctx *ctx)
{
	X509 *cert = NULL;
	int rc;

	if (file) {
		rc = sgp_pki_cert_read_file(file, &cert);
		if (rc < 0) {
			step_msg(ctx, "cannot read the certificate %s: %s", file, sgp_strerror(rc));
			return NULL;
		}
		*owned = true;
		return cert;
	}
	cert = find_cert(lp, name, owned);
	if (!cert)
		step_msg(ctx, "no certificate named '%s' in the lab PKI", name);
	return cert;
}

static enum step_result verify_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *want_key = step_arg(st, "result") ? step_arg(st, "result") : "ok";
	const char *v;
	char err[256];
	struct sgp_pki *pki = lab_pki_get(lab, NULL, err, sizeof(err));
	struct sgp_pki_verify_info info = { 0 };
	enum sgp_pki_result got;
	X509 *cert = NULL, *eum = NULL;
	bool cert_owned = false, eum_owned = false;
	time_t at = sgp_clock_now(lab->clock);
	enum step_result sr = STEP_FAIL;

	if (!pki) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	cert = load_named(lab->pki, step_arg(st, "cert"), step_arg(st, "file"), &cert_owned, ctx);
	if (!cert)
		goto out;
	if ((step_arg(st, "eum") || step_arg(st, "eum-file")) &&
	    !(eum = load_named(lab->pki, step_arg(st, "eum"), step_arg(st, "eum-file"),
			       &eum_owned, ctx)))
		goto out;
	if ((v = step_arg(st, "at")))
		step_parse_utc(v, &at);
	got = sgp_pki_verify(pki, cert, sgp_pki_role_parse(step_arg(st, "role")), eum, at,
			     step_arg(st, "eid"), &info);
	if ((int)got == result_parse(want_key)) {
		step_msg(ctx, "%s%s%s", result_keys[got], info.detail[0] ? ": " : "", info.detail);
		sr = STEP_OK;
	} else {
		step_msg(ctx, "expected %s, got %s (%s%s%s)", want_key, result_keys[got],
			 sgp_pki_result_str(got), info.detail[0] ? ": " : "", info.detail);
	}
out:
	if (cert_owned)
		X509_free(cert);
	if (eum_owned)
		X509_free(eum);
	return sr;
}

static void pki_teardown(struct lab *lab)
{
	if (!lab->pki)
		return;
	lab_pki_clear(lab->pki);
	free(lab->pki);
	lab->pki = NULL;
}

static const struct step_def pki_defs[] = {
	{
		.keyword = "pki", .object = "init",
		.usage = "pki init [curve=nist|brp] [eids=EID,...]",
		.help = "Generate the lab PKI (CI, EUM, eUICCs, DP, DS, eIM) into the run's folder.",
		.check = init_check, .run = init_run,
	},
	{
		.keyword = "pki", .object = "load",
		.usage = "pki load dir=DIR [curve=nist|brp]",
		.help = "Use a PKI from a folder, in the lab's layout or the GSMA SGP.26 layout.",
		.check = load_check, .run = load_run,
	},
	{
		.keyword = "pki", .object = "issue",
		.usage = "pki issue name=NAME role=ROLE [eid=EID] [not-before=TIME] [not-after=TIME]",
		.help = "Issue an extra certificate (e.g. expired, or an EID outside the EUM's range).",
		.check = issue_check, .run = issue_run,
	},
	{
		.keyword = "pki", .object = "verify",
		.usage = "pki verify cert=NAME|file=PATH role=ROLE [eum=NAME|eum-file=PATH] [eid=EID] [at=TIME] [result=REASON]",
		.help = "Verify a certificate the SGP.22 way and expect a result (default ok).",
		.check = verify_check, .run = verify_run,
	},
};

const struct step_table steps_pki = {
	.defs = pki_defs,
	.count = sizeof(pki_defs) / sizeof(pki_defs[0]),
	.teardown = pki_teardown,
};
