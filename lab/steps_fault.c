/* sgp32lab: scenario steps for negative cases on the profile download path,
 * done on the wire: the lab's SM-DP+ behind a fault-injecting HTTPS proxy
 * (lab/proxy.c) that changes one ES9+ message on its way.
 *
 *   smdp proxy
 *       starts the lab's SM-DP+ behind the proxy (before any other step
 *       starts the SM-DP+); every ES9+ and ES2+ exchange then crosses it
 *   smdp fault FUNCTION what=WHAT [direction=request|response] [cert=ROLE] [eid=@N]
 *       the next FUNCTION message (request by default) gets the fault:
 *       bad-signature, wrong-transaction-id, malformed-der, unknown-ci,
 *       wrong-role-cert (the certificate replaced by the lab PKI's cert=ROLE,
 *       default dptls), expired-cert (the eUICC certificate in
 *       authenticateServerResponse replaced by one for device eid=@N, default
 *       @1, that expired a day before the lab clock), replay (the request sent
 *       twice, the client gets the second answer), drop (the request
 *       forwarded, the client's connection closed unanswered)
 *   expect proxy [applied=N] [armed=yes|no] [forwarded=N] [euicc-error=NAME|none]
 *                [function=NAME executed=N failed=N]
 *       faults applied so far; whether a rule still waits; the last eUICC
 *       error (AuthenticateErrorCode / DownloadErrorCode) the IPA passed on
 *       to the SM-DP+; how often the SM-DP+ answered an ES9+ function with
 *       Executed-Success and with Failed */
#include "lab/lab.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/proxy.h"
#include "lab/step_ctx.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/pki/pki.h"
#include "smdp/smdp_server.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

/* The step's fault names: the proxy's edits, plus the two ways of swapping
 * a certificate. */
static const char *const step_whats[] = { "bad-signature", "wrong-transaction-id",
	"malformed-der", "unknown-ci", "wrong-role-cert", "expired-cert", "replay", "drop", NULL };

/* FUNCTION: an ES9+ function's name (core/es9) */
static bool es9_function_word(const char *v)
{
	return v && !strchr(v, '/') && es9_function_from_name(v) >= 0;
}

static bool in_list(const char *const *list, const char *v)
{
	for (; v && *list; list++)
		if (!strcmp(*list, v))
			return true;
	return false;
}

/* --- smdp proxy --- */

static int proxy_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 2) {
		snprintf(err, errlen, "expected: smdp proxy");
		return -1;
	}
	return 0;
}

/* The SM-DP+ as lab_smdp() (steps_smdp.c) starts it, but with the proxy's
 * address as its serverAddress. */
static enum step_result proxy_run(struct lab *lab, const struct scn_step *st,
				  struct step_ctx *ctx)
{
	struct lab_rsp *r = lab_rsp_state(lab);
	struct http_tls_cfg tls = { 0 };
	char err[256], upstream[64];
	const char *dir;
	int rc;

	(void)st;
	if (!r) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	if (r->smdp || lab->proxy) {
		step_msg(ctx, "the SM-DP+ already runs: `smdp proxy` comes before the steps that "
			 "use it");
		return STEP_FAIL;
	}
	if (!(lab->roles & (1u << LAB_ROLE_SMDP))) {
		step_msg(ctx, "no simulated SM-DP+ in this lab (lab roles=smdp,...)");
		return STEP_FAIL;
	}
	if (!lab_pki_get(lab, &dir, err, sizeof(err)) || !lab_http(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	/* the proxy shows the SM-DP+'s TLS certificate: the devices trust it as is */
	snprintf(r->cert, sizeof(r->cert), "%s/dptls.pem", dir);
	snprintf(r->key, sizeof(r->key), "%s/dptls.key", dir);
	tls.cert_file = r->cert;
	tls.key_file = r->key;
	rc = lab_proxy_new(lab->base, &tls, &r->tls_client, &lab->proxy);
	if (rc < 0) {
		step_msg(ctx, "cannot start the proxy: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	/* the SM-DP+ names the proxy as its address (serverAddress) */
	snprintf(r->smdp_front, sizeof(r->smdp_front), "127.0.0.1:%u",
		 (unsigned)lab_proxy_port(lab->proxy));
	if (!lab_smdp(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	snprintf(upstream, sizeof(upstream), "127.0.0.1:%u", (unsigned)smdp_server_port(r->smdp));
	lab_proxy_set_upstream(lab->proxy, upstream);
	step_msg(ctx, "proxy %s, SM-DP+ %s", r->smdp_address, upstream);
	return STEP_OK;
}

/* --- smdp fault FUNCTION what=WHAT ... --- */

static int fault_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "what", "direction", "cert", "eid", NULL };
	const char *what = step_arg(st, "what"), *dir = step_arg(st, "direction"), *v;

	if (st->argc < 4 || !es9_function_word(st->argv[2])) {
		snprintf(err, errlen, "expected: smdp fault FUNCTION what=WHAT (FUNCTION: an ES9+ "
			 "function such as initiateAuthentication)");
		return -1;
	}
	if (step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (!in_list(step_whats, what)) {
		snprintf(err, errlen, "what= is bad-signature, wrong-transaction-id, malformed-der, "
			 "unknown-ci, wrong-role-cert, expired-cert, replay or drop");
		return -1;
	}
	if (dir && strcmp(dir, "request") && strcmp(dir, "response")) {
		snprintf(err, errlen, "direction= is request or response");
		return -1;
	}
	if ((v = step_arg(st, "cert")) && (strcmp(what, "wrong-role-cert") ||
					   sgp_pki_role_parse(v) < 0)) {
		snprintf(err, errlen, "cert= names a lab PKI role (dptls, dppb, ...) for "
			 "what=wrong-role-cert");
		return -1;
	}
	if ((v = step_arg(st, "eid")) && (strcmp(what, "expired-cert") ||
					  step_device(v, LAB_MAX_DEVICES) < 0)) {
		snprintf(err, errlen, "eid=@N goes with what=expired-cert");
		return -1;
	}
	return 0;
}

/* The certificate a swap puts in: the lab PKI's certificate of a role, or
 * a new eUICC certificate whose validity ended before the lab clock. */
static int swap_cert(struct lab *lab, const struct scn_step *st, struct sgp_buf *der, char *err,
		     size_t errlen)
{
	struct sgp_pki *pki = lab_pki_get(lab, NULL, err, errlen);
	time_t now = sgp_clock_now(lab->clock);
	struct sgp_pki_issue_opts o = { .not_before = now - 2 * 86400, .not_after = now - 86400 };
	char eid[33];
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	if (!pki)
		return SGP_ERR_STATE;
	if (!strcmp(step_arg(st, "what"), "wrong-role-cert")) {
		const char *role = step_arg(st, "cert") ? step_arg(st, "cert") : "dptls";
		X509 *c = sgp_pki_cert(pki, sgp_pki_role_parse(role));

		rc = c ? sgp_pki_cert_der(c, der) : SGP_ERR_NOTFOUND;
		if (rc < 0)
			snprintf(err, errlen, "the lab PKI has no %s certificate", role);
		return rc;
	}
	lab_device_eid(step_arg(st, "eid") ? (unsigned)step_device(step_arg(st, "eid"),
								   LAB_MAX_DEVICES) : 1, eid);
	o.eid = eid;
	rc = sgp_pki_issue(pki, SGP_PKI_ROLE_EUICC, &o, &cert, &key);
	if (rc == SGP_OK)
		rc = sgp_pki_cert_der(cert, der);
	else
		snprintf(err, errlen, "cannot issue the expired certificate: %s", sgp_strerror(rc));
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

static enum step_result fault_run(struct lab *lab, const struct scn_step *st,
				  struct step_ctx *ctx)
{
	const char *what = step_arg(st, "what"), *dir = step_arg(st, "direction");
	struct lab_fault_edit e = { 0 };
	struct sgp_buf der = SGP_BUF_INIT;
	char err[256] = "";
	int rc = 0;

	if (!lab->proxy) {
		step_msg(ctx, "no proxy in front of the SM-DP+ (a `smdp proxy` step first)");
		return STEP_FAIL;
	}
	if (!strcmp(what, "wrong-role-cert") || !strcmp(what, "expired-cert")) {
		e.what = LAB_FAULT_SWAP_CERT;
		rc = swap_cert(lab, st, &der, err, sizeof(err));
		e.cert = der.data;
		e.cert_len = der.len;
	} else {
		e.what = (enum lab_fault_what)lab_fault_what_parse(what);
	}
	if (rc >= 0)
		rc = lab_proxy_arm(lab->proxy, st->argv[2], dir && !strcmp(dir, "response"), &e);
	sgp_buf_free(&der);
	if (rc < 0) {
		step_msg(ctx, "%s", err[0] ? err : sgp_strerror(rc));
		return STEP_FAIL;
	}
	return STEP_OK;
}

/* --- expect proxy ... --- */

static int expect_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "applied", "armed", "euicc-error", "function",
					    "executed", "failed", "forwarded", NULL };
	static const char *const counts[] = { "applied", "executed", "failed", "forwarded" };
	const char *v;
	unsigned n;

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if (st->argc < 3) {
		snprintf(err, errlen, "expected: expect proxy applied=N|armed=|euicc-error=|"
			 "function=NAME ... (something to check)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if ((v = step_arg(st, counts[i])) && step_parse_uint(v, 1000, &n) < 0) {
			snprintf(err, errlen, "%s= is a number", counts[i]);
			return -1;
		}
	}
	if ((v = step_arg(st, "function")) && !es9_function_word(v)) {
		snprintf(err, errlen, "function= names an ES9+ function");
		return -1;
	}
	if (!step_arg(st, "function") != (!step_arg(st, "executed") && !step_arg(st, "failed"))) {
		snprintf(err, errlen, "executed= and failed= go with function=NAME");
		return -1;
	}
	if ((v = step_arg(st, "armed")) && strcmp(v, "yes") && strcmp(v, "no")) {
		snprintf(err, errlen, "armed= is yes or no");
		return -1;
	}
	return 0;
}

/* function=NAME executed=N failed=N: the SM-DP+'s verdicts on the wire */
static enum step_result function_answers(const struct lab_proxy_stats *s,
					 const struct scn_step *st, struct step_ctx *ctx)
{
	const char *fn = step_arg(st, "function");
	const char *want_ok = step_arg(st, "executed"), *want_failed = step_arg(st, "failed");
	unsigned ok = 0, failed = 0, n;

	if (!fn)
		return STEP_OK;
	for (int i = 0; i < LAB_PROXY_FUNCTIONS; i++) {
		if (!strcmp(s->answers[i].function, fn)) {
			ok = s->answers[i].executed;
			failed = s->answers[i].failed;
		}
	}
	step_msg(ctx, "%s: %u executed, %u failed", fn, ok, failed);
	if (want_ok && (step_parse_uint(want_ok, 1000, &n) < 0 || n != ok))
		return STEP_FAIL;
	if (want_failed && (step_parse_uint(want_failed, 1000, &n) < 0 || n != failed))
		return STEP_FAIL;
	return STEP_OK;
}

static enum step_result expect_run(struct lab *lab, const struct scn_step *st,
				   struct step_ctx *ctx)
{
	const char *want_n = step_arg(st, "applied"), *want_armed = step_arg(st, "armed");
	const char *want_err = step_arg(st, "euicc-error"), *want_fwd = step_arg(st, "forwarded");
	struct lab_proxy_stats s;
	char got_err[40];
	const char *name;
	unsigned n = 0, fwd = 0;

	if (!lab->proxy) {
		step_msg(ctx, "no proxy in front of the SM-DP+ (a `smdp proxy` step first)");
		return STEP_FAIL;
	}
	lab_proxy_get_stats(lab->proxy, &s);
	name = s.euicc_error < 0 ? "none" :
	       lab_fault_euicc_error_name(s.euicc_error, s.euicc_error_download);
	if (name)
		snprintf(got_err, sizeof(got_err), "%s", name);
	else
		snprintf(got_err, sizeof(got_err), "%ld", s.euicc_error);
	if (want_n)
		step_parse_uint(want_n, 1000, &n);
	if (want_fwd)
		step_parse_uint(want_fwd, 1000, &fwd);
	step_msg(ctx, "%u applied%s, %lu forwarded, eUICC error %s; last: %s", s.applied,
		 s.armed ? ", one armed" : "", s.forwarded, got_err,
		 s.last_note[0] ? s.last_note : "-");
	if ((want_n && n != s.applied) || (want_armed && s.armed != !strcmp(want_armed, "yes")) ||
	    (want_err && strcmp(want_err, got_err)) || (want_fwd && fwd != s.forwarded))
		return STEP_FAIL;
	return function_answers(&s, st, ctx);
}

static void fault_teardown(struct lab *lab)
{
	lab_proxy_free(lab->proxy);
	lab->proxy = NULL;
}

static const struct step_def fault_defs[] = {
	{
		.keyword = "smdp", .object = "proxy",
		.usage = "smdp proxy",
		.help = "Start the lab's SM-DP+ behind a fault-injecting HTTPS proxy (its DPtls certificate); ES9+ and ES2+ then cross it.",
		.check = proxy_check, .run = proxy_run,
	},
	{
		.keyword = "smdp", .object = "fault",
		.usage = "smdp fault FUNCTION what=bad-signature|wrong-transaction-id|malformed-der|unknown-ci|wrong-role-cert|expired-cert|replay|drop [direction=request|response] [cert=ROLE] [eid=@N]",
		.help = "The proxy changes the next message of an ES9+ function: one fault, once.",
		.check = fault_check, .run = fault_run,
	},
	{
		.keyword = "expect", .object = "proxy",
		.usage = "expect proxy [applied=N] [armed=yes|no] [forwarded=N] [euicc-error=NAME|none] [function=NAME executed=N failed=N]",
		.help = "Check the faults the proxy applied, the last eUICC error it saw passed to the SM-DP+, and the SM-DP+'s verdicts per ES9+ function.",
		.check = expect_check, .run = expect_run,
	},
};

const struct step_table steps_fault = {
	.defs = fault_defs,
	.count = sizeof(fault_defs) / sizeof(fault_defs[0]),
	.teardown = fault_teardown,
};
