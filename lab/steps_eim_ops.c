/* sgp32lab: scenario steps of the eIM's operator (eim/eim.h, eim/api.c)
 *
 *   eim psmo @N OP [iccid=ICCID] [rollback=yes] [address=FQDN] [immediate=yes]
 *       one eUICC package with one PSMO, OP: enable, disable, delete,
 *       listProfileInfo, getRAT, configureImmediateEnable,
 *       setFallbackAttribute, unsetFallbackAttribute, setDefaultDpAddress
 *   eim eco @N addEim|deleteEim|updateEim|listEim [id=EIMID] [fqdn=FQDN] [counter=N]
 *       one eUICC package with one eCO (addEim / updateEim carry this eIM's key)
 *   eim data @N [tags=HEX]
 *       an IpaEuiccDataRequest (default tags: 'BF22' euiccInfo2, 'A8'
 *       IpaCapabilities)
 *   eim download @N mid=MATCHINGID | ac=CODE | default | smds[=ADDRESS]
 *       (mid=: an activation code for the lab SM-DP+)
 *       a ProfileDownloadTriggerRequest
 *   eim api
 *       starts the eIM's operator API (HTTPS JSON) and prints its URL
 *   expect eim @N packages [count=N] [results=N]
 *   expect eim @N package last|ID [state=queued|delivered|result-received]
 *       [result=ok|error|none] [error=CODE] [iccid=ICCID]
 *   expect eim @N profile ICCID state=enabled|disabled|absent [fallback=yes|no]
 *   expect eim @N device [cert=yes|no] [contacted=yes|no] [notify=yes|no]
 *       [cause=N] [notifications=N] [ipa-capabilities=yes|no] [euicc-info2=yes|no]
 *       [refusal=none|TEXT]  (the eIM's last refusal of a result of the device,
 *       which must contain TEXT)
 */
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_euicc.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/err.h"
#include "eim/eim.h"
#include "sim/euicc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES LAB_MAX_DEVICES

/* The eIM and the EID of device @N (argv[2]). */
static struct eim_server *eim_and_eid(struct lab *lab, const struct scn_step *st,
				      const char **eid, struct step_ctx *ctx)
{
	char err[256] = "";
	unsigned dev = (unsigned)step_device(st->argv[2], MAX_DEVICES);
	struct eim_server *s = lab_eim_server(lab, err, sizeof(err));
	struct euicc *e = s ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;

	if (!e) {
		step_msg(ctx, "%s", err);
		return NULL;
	}
	*eid = euicc_eid(e);
	return s;
}

static int need_device(const struct scn_step *st, const char *usage, char *err, size_t errlen)
{
	if (st->argc < 3 || step_device(st->argv[2], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "expected: %s", usage);
		return -1;
	}
	return 0;
}

/* id is read after the queueing call has set it (an argument evaluated
 * beside the call would be read before it). */
static enum step_result queued(struct step_ctx *ctx, int rc, const int64_t *id)
{
	if (rc < 0) {
		step_msg(ctx, "the eIM cannot queue the package: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	step_msg(ctx, "package %lld queued", (long long)*id);
	return STEP_OK;
}

/* --- eim psmo --- */

#define PSMO_USAGE "eim psmo @N OP [iccid=ICCID] [rollback=yes] [address=FQDN] [immediate=yes]"

static int psmo_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "iccid", "rollback", "address", "immediate", NULL };
	enum eim_psmo_op op;

	if (need_device(st, PSMO_USAGE, err, errlen) < 0)
		return -1;
	if (st->argc < 4 || eim_psmo_op_from_name(st->argv[3], &op) < 0) {
		snprintf(err, errlen, "unknown PSMO; expected: %s", PSMO_USAGE);
		return -1;
	}
	return step_check_keys(st, 4, keys, err, errlen);
}

static enum step_result psmo_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *eid = NULL, *rb = step_arg(st, "rollback"), *im = step_arg(st, "immediate");
	struct eim_server *s = eim_and_eid(lab, st, &eid, ctx);
	struct eim_psmo o = {
		.iccid = step_arg(st, "iccid"), .address = step_arg(st, "address"),
		.rollback = rb && !strcmp(rb, "yes"), .immediate_enable = im && !strcmp(im, "yes"),
	};
	int64_t id = 0;

	if (!s)
		return STEP_FAIL;
	eim_psmo_op_from_name(st->argv[3], &o.op);
	return queued(ctx, eim_queue_psmo(s, eid, &o, 1, &id), &id);
}

/* --- eim eco --- */

#define ECO_USAGE "eim eco @N addEim|deleteEim|updateEim|listEim [id=EIMID] [fqdn=FQDN] [counter=N]"

static int eco_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "fqdn", "counter", NULL };
	enum eim_eco_op op;
	unsigned n;

	if (need_device(st, ECO_USAGE, err, errlen) < 0)
		return -1;
	if (st->argc < 4 || eim_eco_op_from_name(st->argv[3], &op) < 0) {
		snprintf(err, errlen, "unknown eCO; expected: %s", ECO_USAGE);
		return -1;
	}
	if (step_arg(st, "counter") && step_parse_uint(step_arg(st, "counter"), 0x7FFFFF, &n) < 0) {
		snprintf(err, errlen, "counter= is 1..8388607");
		return -1;
	}
	return step_check_keys(st, 4, keys, err, errlen);
}

static enum step_result eco_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *eid = NULL;
	struct eim_server *s = eim_and_eid(lab, st, &eid, ctx);
	struct eim_eco o = { .eim_id = step_arg(st, "id"), .eim_fqdn = step_arg(st, "fqdn") };
	unsigned n = 0;
	int64_t id = 0;

	if (!s)
		return STEP_FAIL;
	eim_eco_op_from_name(st->argv[3], &o.op);
	if (step_arg(st, "counter"))
		step_parse_uint(step_arg(st, "counter"), 0x7FFFFF, &n);
	o.counter = (long)n;
	return queued(ctx, eim_queue_eco(s, eid, &o, 1, &id), &id);
}

/* --- eim data --- */

static int hex_tags(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = hex ? strlen(hex) : 0;

	if (!n || n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

static int data_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "tags", NULL };
	uint8_t tags[32];
	size_t n;

	if (need_device(st, "eim data @N [tags=HEX]", err, errlen) < 0 ||
	    step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (step_arg(st, "tags") && hex_tags(step_arg(st, "tags"), tags, sizeof(tags), &n) < 0) {
		snprintf(err, errlen, "tags= is 1..32 bytes in hex, e.g. tags=A5A6");
		return -1;
	}
	return 0;
}

static enum step_result data_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	static const uint8_t def[] = { 0xBF, 0x22, 0xA8 };
	const char *eid = NULL;
	struct eim_server *s = eim_and_eid(lab, st, &eid, ctx);
	uint8_t tags[32];
	struct eim_data_request r = { def, sizeof(def), -1, -1 };
	int64_t id = 0;

	if (!s)
		return STEP_FAIL;
	if (step_arg(st, "tags")) {
		hex_tags(step_arg(st, "tags"), tags, sizeof(tags), &r.tags_len);
		r.tags = tags;
	}
	return queued(ctx, eim_queue_data_request(s, eid, &r, &id), &id);
}

/* --- eim download --- */

#define DL_USAGE "eim download @N mid=MATCHINGID | ac=CODE | default | smds[=ADDRESS]"

static int download_check(const struct scn_step *st, char *err, size_t errlen)
{
	const char *w = st->argc == 4 ? st->argv[3] : "";

	if (need_device(st, DL_USAGE, err, errlen) < 0)
		return -1;
	if (strncmp(w, "ac=", 3) && strncmp(w, "mid=", 4) && strcmp(w, "default") &&
	    strcmp(w, "smds") &&
	    strncmp(w, "smds=", 5)) {
		snprintf(err, errlen, "expected: %s", DL_USAGE);
		return -1;
	}
	return 0;
}

static enum step_result download_run(struct lab *lab, const struct scn_step *st,
				     struct step_ctx *ctx)
{
	const char *eid = NULL, *w = st->argv[3];
	struct eim_server *s = eim_and_eid(lab, st, &eid, ctx);
	int64_t id = 0;
	int rc;

	if (!s)
		return STEP_FAIL;
	if (!strncmp(w, "mid=", 4)) {
		char err[256] = "", ac[400];
		const char *addr = lab_smdp_address(lab, err, sizeof(err));

		if (!addr) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
		snprintf(ac, sizeof(ac), "LPA:1$%s$%s", addr, w + 4);
		rc = eim_queue_download_trigger(s, eid, EIM_DOWNLOAD_ACTIVATION_CODE, ac, &id);
	} else if (!strncmp(w, "ac=", 3))
		rc = eim_queue_download_trigger(s, eid, EIM_DOWNLOAD_ACTIVATION_CODE, w + 3, &id);
	else if (!strcmp(w, "default"))
		rc = eim_queue_download_trigger(s, eid, EIM_DOWNLOAD_DEFAULT_SMDP, NULL, &id);
	else
		rc = eim_queue_download_trigger(s, eid, EIM_DOWNLOAD_SMDS, w[4] ? w + 5 : NULL, &id);
	return queued(ctx, rc, &id);
}

/* --- eim api --- */

static int api_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 2) {
		snprintf(err, errlen, "expected: eim api");
		return -1;
	}
	return 0;
}

static enum step_result api_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	char err[256] = "";
	uint16_t port = 0;

	(void)st;
	if (lab_eim_api_port(lab, &port, err, sizeof(err)) < 0) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	step_msg(ctx, "https://127.0.0.1:%u/api/v1", port);
	return STEP_OK;
}

/* --- expect eim @N ... --- */

#define EXPECT_USAGE "expect eim @N packages|package|profile|device ..."

static int expect_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const pkgs[] = { "count", "results", NULL };
	static const char *const pkg[] = { "state", "result", "error", "iccid", NULL };
	static const char *const prof[] = { "state", "fallback", NULL };
	static const char *const dev[] = { "cert", "contacted", "notify", "cause", "notifications",
					   "ipa-capabilities", "euicc-info2", "refusal", NULL };
	const char *what = st->argc > 3 ? st->argv[3] : "";

	if (need_device(st, EXPECT_USAGE, err, errlen) < 0)
		return -1;
	if (!strcmp(what, "packages"))
		return step_check_keys(st, 4, pkgs, err, errlen);
	if (!strcmp(what, "package") || !strcmp(what, "profile")) {
		if (st->argc < 5 || strchr(st->argv[4], '=')) {
			snprintf(err, errlen, "expected: expect eim @N %s %s ...", what,
				 what[1] == 'a' ? "last|ID" : "ICCID");
			return -1;
		}
		return step_check_keys(st, 5, what[1] == 'a' ? pkg : prof, err, errlen);
	}
	if (!strcmp(what, "device"))
		return step_check_keys(st, 4, dev, err, errlen);
	snprintf(err, errlen, "expected: %s", EXPECT_USAGE);
	return -1;
}

/* want is "yes"/"no" (or absent: true) */
static bool yes_no(const char *want, bool got)
{
	return !want || (!strcmp(want, "yes") ? got : !strcmp(want, "no") && !got);
}

static bool num_is(const char *want, long got)
{
	return !want || strtol(want, NULL, 10) == got;
}

static enum step_result expect_packages(struct eim_server *s, const char *eid,
					const struct scn_step *st, struct step_ctx *ctx)
{
	struct eim_pkg *v = NULL;
	size_t n = 0, verified = 0;
	int rc = eim_server_packages(s, eid, &v, &n);

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		verified += v[i].state == EIM_PKG_RESULT_RECEIVED && v[i].result_verified;
	eim_pkg_list_free(v, n);
	step_msg(ctx, "%zu package%s, %zu verified result%s", n, n == 1 ? "" : "s", verified,
		 verified == 1 ? "" : "s");
	return num_is(step_arg(st, "count"), (long)n) && num_is(step_arg(st, "results"), (long)verified)
		       ? STEP_OK : STEP_FAIL;
}

static enum step_result expect_package(struct eim_server *s, const char *eid,
				       const struct scn_step *st, struct step_ctx *ctx)
{
	const char *which = st->argv[4], *want = step_arg(st, "result");
	struct eim_pkg *v = NULL, *p = NULL;
	size_t n = 0;
	const char *outcome;
	bool ok;
	int rc = eim_server_packages(s, eid, &v, &n);

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if ((!strcmp(which, "last") && i == n - 1) || strtoll(which, NULL, 10) == v[i].id)
			p = &v[i];
	if (!p) {
		step_msg(ctx, "no package %s", which);
		eim_pkg_list_free(v, n);
		return STEP_FAIL;
	}
	outcome = eim_pkg_outcome_name(p->result_kind);
	ok = (!step_arg(st, "state") || !strcmp(step_arg(st, "state"), eim_pkg_state_name(p->state))) &&
	     (!want || !strcmp(want, outcome[0] ? outcome : "none")) &&
	     num_is(step_arg(st, "error"), p->error_code) &&
	     (!step_arg(st, "iccid") || !strcmp(step_arg(st, "iccid"), p->iccid));
	step_msg(ctx, "package %lld %s %s%s%s%s", (long long)p->id, eim_pkg_kind_name(p->kind),
		 eim_pkg_state_name(p->state), outcome[0] ? " " : "", outcome,
		 p->error_code >= 0 ? " (error code)" : "");
	eim_pkg_list_free(v, n);
	return ok ? STEP_OK : STEP_FAIL;
}

static enum step_result expect_profile(struct eim_server *s, const char *eid,
				       const struct scn_step *st, struct step_ctx *ctx)
{
	const char *want = step_arg(st, "state");
	struct eim_profile *v = NULL, *p = NULL;
	size_t n = 0;
	bool ok;
	int rc = eim_get_profiles(s, eid, &v, &n);

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].iccid, st->argv[4]))
			p = &v[i];
	if (!p) {
		step_msg(ctx, "the eIM knows no profile %s", st->argv[4]);
		free(v);
		return want && !strcmp(want, "absent") ? STEP_OK : STEP_FAIL;
	}
	ok = (!want || !strcmp(want, p->state ? "enabled" : "disabled")) &&
	     yes_no(step_arg(st, "fallback"), p->fallback);
	step_msg(ctx, "%s %s%s", p->iccid, p->state ? "enabled" : "disabled",
		 p->fallback ? ", fallback attribute" : "");
	free(v);
	return ok ? STEP_OK : STEP_FAIL;
}

static enum step_result expect_device(struct eim_server *s, const char *eid,
				      const struct scn_step *st, struct step_ctx *ctx)
{
	struct eim_device d;
	size_t notifs = 0;
	char refusal[400] = "";
	const char *want_refusal = step_arg(st, "refusal");
	bool ok, refused;
	int rc = eim_get_device(s, eid, &d);

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	rc = eim_get_notification_count(s, eid, &notifs);
	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		eim_device_release(&d);
		return STEP_FAIL;
	}
	refused = eim_server_last_refusal(s, eid, refusal, sizeof(refusal)) == SGP_OK;
	ok = yes_no(step_arg(st, "cert"), !eim_device_bootstrap(&d)) &&
	     yes_no(step_arg(st, "contacted"), d.last_contact != 0) &&
	     yes_no(step_arg(st, "notify"), d.notify_state_change) &&
	     num_is(step_arg(st, "cause"), d.state_change_cause) &&
	     num_is(step_arg(st, "notifications"), (long)notifs) &&
	     yes_no(step_arg(st, "ipa-capabilities"), d.ipa_capabilities.len > 0) &&
	     yes_no(step_arg(st, "euicc-info2"), d.euicc_info2.len > 0) &&
	     (!want_refusal || (!strcmp(want_refusal, "none") ? !refused :
				refused && strstr(refusal, want_refusal)));
	step_msg(ctx, "certificate %s, %s, notifyStateChange %s (cause %ld), %zu notifications%s%s",
		 eim_device_bootstrap(&d) ? "unknown" : "known",
		 d.last_contact ? "contacted" : "never contacted",
		 d.notify_state_change ? "yes" : "no", d.state_change_cause, notifs,
		 refused ? "; last refusal: " : "", refusal);
	eim_device_release(&d);
	return ok ? STEP_OK : STEP_FAIL;
}

static enum step_result expect_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *eid = NULL, *what = st->argv[3];
	struct eim_server *s = eim_and_eid(lab, st, &eid, ctx);

	if (!s)
		return STEP_FAIL;
	if (!strcmp(what, "packages"))
		return expect_packages(s, eid, st, ctx);
	if (!strcmp(what, "package"))
		return expect_package(s, eid, st, ctx);
	if (!strcmp(what, "profile"))
		return expect_profile(s, eid, st, ctx);
	return expect_device(s, eid, st, ctx);
}

static const struct step_def eim_ops_defs[] = {
	{ .keyword = "eim", .object = "psmo", .usage = PSMO_USAGE,
	  .help = "Queue a signed eUICC package with one PSMO for device N at the lab eIM.",
	  .check = psmo_check, .run = psmo_run },
	{ .keyword = "eim", .object = "eco", .usage = ECO_USAGE,
	  .help = "Queue a signed eUICC package with one eCO for device N at the lab eIM.",
	  .check = eco_check, .run = eco_run },
	{ .keyword = "eim", .object = "data", .usage = "eim data @N [tags=HEX]",
	  .help = "Queue an IpaEuiccDataRequest for device N.",
	  .check = data_check, .run = data_run },
	{ .keyword = "eim", .object = "download", .usage = DL_USAGE,
	  .help = "Queue a ProfileDownloadTriggerRequest for device N.",
	  .check = download_check, .run = download_run },
	{ .keyword = "eim", .object = "api", .usage = "eim api",
	  .help = "Start the eIM's operator API (HTTPS JSON, doc/eim-api.md) and print its URL.",
	  .check = api_check, .run = api_run },
	{ .keyword = "expect", .object = "eim",
	  .usage = "expect eim @N packages [count=N] [results=N] | package last|ID [state=S] "
		   "[result=ok|error|none] [error=CODE] [iccid=ICCID] | profile ICCID "
		   "[state=enabled|disabled|absent] [fallback=yes|no] | device [cert=yes|no] "
		   "[contacted=yes|no] [notify=yes|no] [cause=N] [notifications=N] "
		   "[ipa-capabilities=yes|no] [euicc-info2=yes|no] [refusal=none|TEXT]",
	  .help = "The eIM's record of device N: its packages and results, profiles, contact.",
	  .check = expect_check, .run = expect_run },
};

const struct step_table steps_eim_ops = {
	.defs = eim_ops_defs,
	.count = sizeof(eim_ops_defs) / sizeof(eim_ops_defs[0]),
};
