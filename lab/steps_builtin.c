/* sgp32lab: steps every scenario may use — the lab declaration and the
 * simulated clock */
#include "lab/lab.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/http/http.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Roles whose models this build contains; `lab roles=` may name only these.
 * Each role's issue adds its bit when its model and steps land. */
static const uint32_t roles_available = 1u << LAB_ROLE_EUICC | 1u << LAB_ROLE_IPA |
					1u << LAB_ROLE_SMDP | 1u << LAB_ROLE_SMDS |
					1u << LAB_ROLE_EIM;

static int parse_roles(const char *list, uint32_t *mask, char *err, size_t errlen)
{
	char buf[256];
	char *save = NULL;

	*mask = 0;
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "roles= list too long");
		return -1;
	}
	strcpy(buf, list);
	for (char *r = strtok_r(buf, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		int found = -1;
		for (int i = 0; i < LAB_ROLE_COUNT; i++)
			if (strcmp(r, lab_role_name(i)) == 0)
				found = i;
		if (found < 0) {
			snprintf(err, errlen, "unknown role '%s' (roles: euicc, ipa, eim, smdp, smds)", r);
			return -1;
		}
		if (!(roles_available & (1u << found))) {
			snprintf(err, errlen, "role '%s' is not part of this build yet", r);
			return -1;
		}
		*mask |= 1u << found;
	}
	return 0;
}

int lab_parse_hostport(const char *arg, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strrchr(arg, ':');
	const char *h = arg;
	size_t hl;
	unsigned n;

	if (!colon || colon == arg)
		return -1;
	hl = (size_t)(colon - arg);
	if (arg[0] == '[') {
		if (hl < 3 || arg[hl - 1] != ']')
			return -1;
		h = arg + 1;
		hl -= 2;
	}
	if (hl >= hostlen || step_parse_uint(colon + 1, 65535, &n) < 0)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)n;
	return 0;
}

/* ipa=, smdp=: an external role's HOST:PORT (a port, not 0) */
static int parse_reader(const char *v, char *host, size_t hostlen, uint16_t *port)
{
	return lab_parse_hostport(v, host, hostlen, port) < 0 || !*port ? -1 : 0;
}

static int lab_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "roles", "curve", "devices", "eim", "eim-id", "ipa",
					    "smdp", NULL };
	char host[sizeof(((struct lab *)0)->ipa_host)];
	uint16_t port;
	const char *v, *id = step_arg(st, "eim-id");
	struct http_url u;
	uint32_t mask = 0;
	unsigned n;

	if (step_check_keys(st, 1, keys, err, errlen) < 0)
		return -1;
	if ((v = step_arg(st, "curve")) && strcmp(v, "nist") && strcmp(v, "brp")) {
		snprintf(err, errlen, "curve must be nist or brp, not '%s'", v);
		return -1;
	}
	if ((v = step_arg(st, "devices")) && (step_parse_uint(v, 10000, &n) < 0 || n == 0)) {
		snprintf(err, errlen, "devices must be a number from 1 to 10000");
		return -1;
	}
	if ((v = step_arg(st, "roles")) && parse_roles(v, &mask, err, errlen) < 0)
		return -1;
	/* an external eIM (issue 6): the user's implementation at URL */
	v = step_arg(st, "eim");
	if (!v != !id) {
		snprintf(err, errlen, "eim=URL and eim-id=ID go together (the external eIM)");
		return -1;
	}
	if (v && (http_url_parse(v, &u) < 0 || strlen(v) >= sizeof(((struct lab *)0)->eim_url))) {
		snprintf(err, errlen, "eim= must be the eIM's ESipa URL, e.g. "
			 "https://127.0.0.1:8443/gsma/rsp2/asn1");
		return -1;
	}
	if (id && (!id[0] || strlen(id) > 128)) {
		snprintf(err, errlen, "eim-id= is the eIM's eimId, 1 to 128 characters");
		return -1;
	}
	if (v && (mask & (1u << LAB_ROLE_EIM))) {
		snprintf(err, errlen, "roles=...eim and eim=URL exclude each other: the eIM is "
			 "either simulated or external");
		return -1;
	}
	/* an external IPA: its card reader listens at HOST:PORT */
	if ((v = step_arg(st, "ipa"))) {
		if (parse_reader(v, host, sizeof(host), &port) < 0) {
			snprintf(err, errlen, "ipa= is where the external IPA's card reader listens, "
				 "HOST:PORT (e.g. 127.0.0.1:35963, pcscd's vpcd reader)");
			return -1;
		}
		if (mask & (1u << LAB_ROLE_IPA)) {
			snprintf(err, errlen, "roles=...ipa and ipa=HOST:PORT exclude each other: "
				 "the IPA is either simulated or external");
			return -1;
		}
	}
	/* an external SM-DP+: its address as activation codes carry it */
	if ((v = step_arg(st, "smdp"))) {
		if (parse_reader(v, host, sizeof(host), &port) < 0 ||
		    strlen(v) >= sizeof(((struct lab *)0)->smdp_addr)) {
			snprintf(err, errlen, "smdp= is the external SM-DP+'s address HOST:PORT, as "
				 "in an activation code (e.g. smdp.example.com:443)");
			return -1;
		}
		if (mask & (1u << LAB_ROLE_SMDP)) {
			snprintf(err, errlen, "roles=...smdp and smdp=HOST:PORT exclude each other: "
				 "the SM-DP+ is either simulated or external");
			return -1;
		}
	}
	return 0;
}

static enum step_result lab_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *v;
	char err[256];

	if (lab->declared) {
		step_msg(ctx, "the lab is already declared (one `lab` line per scenario)");
		return STEP_FAIL;
	}
	lab->declared = true;
	if ((v = step_arg(st, "curve")))
		snprintf(lab->curve, sizeof(lab->curve), "%s", v);
	if ((v = step_arg(st, "devices")))
		step_parse_uint(v, 10000, &lab->devices);
	if ((v = step_arg(st, "roles")) && parse_roles(v, &lab->roles, err, sizeof(err)) < 0) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if ((v = step_arg(st, "eim"))) {
		snprintf(lab->eim_url, sizeof(lab->eim_url), "%s", v);
		snprintf(lab->eim_id, sizeof(lab->eim_id), "%s", step_arg(st, "eim-id"));
		step_msg(ctx, "external eIM %s at %s", lab->eim_id, lab->eim_url);
	}
	if ((v = step_arg(st, "ipa"))) {
		parse_reader(v, lab->ipa_host, sizeof(lab->ipa_host), &lab->ipa_port);
		if ((unsigned)lab->ipa_port + (lab->devices ? lab->devices : 1) - 1 > 65535) {
			step_msg(ctx, "ipa=%s: device %u's port would be past 65535", v, lab->devices);
			return STEP_FAIL;
		}
		step_msg(ctx, "external IPA: device N's eUICC connects to its reader at %s:%u+N-1",
			 lab->ipa_host, lab->ipa_port);
	}
	if ((v = step_arg(st, "smdp"))) {
		snprintf(lab->smdp_addr, sizeof(lab->smdp_addr), "%s", v);
		step_msg(ctx, "external SM-DP+ at %s", v);
	}
	return STEP_OK;
}

static int wait_check(const struct scn_step *st, char *err, size_t errlen)
{
	uint64_t ms;

	if (st->argc != 2 || sgp_duration_parse(st->argv[1], &ms) < 0) {
		snprintf(err, errlen, "wait takes one duration such as 500ms, 30s, 10m, 2h or 1d");
		return -1;
	}
	return 0;
}

static enum step_result wait_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	uint64_t ms = 0;
	int fired;

	if (!sgp_clock_is_simulated(lab->clock)) {
		step_msg(ctx, "wait needs the simulated clock of a scenario run; the sandbox runs in real time");
		return STEP_FAIL;
	}
	sgp_duration_parse(st->argv[1], &ms);
	fired = sgp_clock_advance(lab->clock, ms);
	if (fired < 0) {
		step_msg(ctx, "the clock cannot be advanced: %s", sgp_strerror(fired));
		return STEP_FAIL;
	}
	step_msg(ctx, "%d timer%s fired", fired, fired == 1 ? "" : "s");
	return STEP_OK;
}

static int clock_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "at", NULL };
	const char *v = step_arg(st, "at");
	time_t t;

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if (!v || step_parse_utc(v, &t) < 0) {
		snprintf(err, errlen, "at= must be a UTC time such as 2026-01-01T00:10:00Z");
		return -1;
	}
	return 0;
}

static enum step_result clock_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	time_t want = 0, now = sgp_clock_now(lab->clock);
	struct tm tm;
	char buf[32];

	step_parse_utc(step_arg(st, "at"), &want);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (now != want) {
		step_msg(ctx, "the lab clock shows %s", buf);
		return STEP_FAIL;
	}
	return STEP_OK;
}

static const struct step_def builtin_defs[] = {
	{
		.keyword = "lab",
		.usage = "lab [roles=ROLE,...] [curve=nist|brp] [devices=N] [eim=URL eim-id=ID] "
			 "[ipa=HOST:PORT] [smdp=HOST:PORT]",
		.help = "Declare the lab: simulated roles, the PKI's curve, the number of devices; "
			"eim=: the IPAs poll an external eIM (yours) instead of the simulated one; "
			"ipa=: an external IPA (yours) whose card reader listens at HOST:PORT drives "
			"the eUICCs (device N's connects to PORT+N-1); smdp=: downloads and orders go to an "
			"external SM-DP+ (yours) at that address.",
		.check = lab_check, .run = lab_run,
	},
	{
		.keyword = "wait",
		.usage = "wait DURATION",
		.help = "Advance the simulated clock (500ms, 30s, 10m, 2h, 1d), firing due timers.",
		.check = wait_check, .run = wait_run,
	},
	{
		.keyword = "expect", .object = "clock",
		.usage = "expect clock at=YYYY-MM-DDTHH:MM:SSZ",
		.help = "Check the simulated clock (every run starts at 2026-01-01T00:00:00Z).",
		.check = clock_check, .run = clock_run,
	},
};

const struct step_table steps_builtin = {
	.defs = builtin_defs,
	.count = sizeof(builtin_defs) / sizeof(builtin_defs[0]),
};
