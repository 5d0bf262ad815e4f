/* sgp32lab: scenario steps for the eUICC model (sim/)
 *
 *   lab roles=euicc[,...] [devices=N]      one eUICC per device, EIDs from the lab PKI
 *   euicc @N power-cycle                   drop volatile state (a card reset)
 *   euicc restart                          reopen every eUICC from the database
 *   expect euicc @N profile ICCID [state=enabled|disabled|absent] [class=CLASS]
 *                  [nickname=TEXT] [name=TEXT] [fallback=yes|no]
 *   expect euicc @N profiles count=N
 *   expect euicc @N notifications [count=N] [events=install,enable,...]
 *   expect euicc @N eim ID [counter=N|absent]
 *
 * The eUICCs are created when the first eUICC step runs; their state lives
 * in the lab database, so `euicc restart` shows what a process restart
 * keeps. */
#include "lab/lab.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "core/err.h"
#include "core/pki/pki.h"
#include "sim/card.h"
#include "sim/card_vpcd.h"
#include "sim/euicc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 10000

struct lab_euicc {
	struct euicc **euiccs;
	struct card **cards;	/* the APDU front end of each */
	struct card_vpcd **links; /* `lab ipa=HOST:PORT`: each card's socket to the
				   * external IPA's reader */
	size_t n;
};

static void close_cards(struct lab_euicc *le)
{
	for (size_t i = 0; i < le->n; i++) {
		if (le->links)
			card_vpcd_free(le->links[i]);
		card_free(le->cards[i]);
		euicc_free(le->euiccs[i]);
	}
	free(le->links);
	free(le->cards);
	free(le->euiccs);
	le->links = NULL;
	le->cards = NULL;
	le->euiccs = NULL;
	le->n = 0;
}

/* `lab ipa=HOST:PORT`: card i connects to the external IPA's reader at
 * PORT+i (vpcd framing), reconnecting whenever the link drops, as a card
 * behind pcscd's vpcd driver does. */
static int link_external_ipa(struct lab *lab, struct lab_euicc *le, size_t i, char *err,
			     size_t errlen)
{
	struct vpcd_endpoint ep = { .host = lab->ipa_host, .port = (uint16_t)(lab->ipa_port + i),
				    .reconnect_ms = 100, .cat = DEUICC };
	int rc;

	/* lab ipa= checked the ports of `devices`; a loaded PKI may hold more */
	if (lab->ipa_port + i > 65535) {
		snprintf(err, errlen, "device %zu's eUICC: the external IPA's port %u+%zu is past "
			 "65535", i + 1, lab->ipa_port, i);
		return SGP_ERR_INVAL;
	}
	rc = card_vpcd_new(le->cards[i], lab->base, &ep, NULL, NULL, &le->links[i]);
	if (rc < 0)
		snprintf(err, errlen, "cannot connect device %zu's eUICC to the external IPA at "
			 "%s:%u: %s", i + 1, ep.host, ep.port, sgp_strerror(rc));
	return rc;
}

/* Open one eUICC per eUICC certificate of the lab PKI. */
static int open_cards(struct lab *lab, struct lab_euicc *le, char *err, size_t errlen)
{
	struct sgp_pki *pki = lab_pki_get(lab, NULL, err, errlen);
	struct sgp_store *store = pki ? lab_store(lab, err, errlen) : NULL;
	size_t n;
	X509 **ci;
	int rc = SGP_OK;

	if (!store)
		return SGP_ERR_STATE;
	n = sgp_pki_euicc_count(pki);
	ci = calloc(sgp_pki_ci_count(pki), sizeof(*ci));
	le->euiccs = calloc(n ? n : 1, sizeof(*le->euiccs));
	le->cards = calloc(n ? n : 1, sizeof(*le->cards));
	if (lab->ipa_host[0])
		le->links = calloc(n ? n : 1, sizeof(*le->links));
	if (!ci || !le->euiccs || !le->cards || (lab->ipa_host[0] && !le->links)) {
		free(ci);
		snprintf(err, errlen, "out of memory");
		return SGP_ERR_NOMEM;
	}
	for (size_t i = 0; i < sgp_pki_ci_count(pki); i++)
		ci[i] = sgp_pki_ci_get(pki, i);
	for (size_t i = 0; i < n && rc == SGP_OK; i++) {
		struct euicc_cfg cfg = {
			.store = store, .clock = lab->clock,
			.cert_eum = sgp_pki_cert(pki, SGP_PKI_ROLE_EUM),
			.ci = ci, .n_ci = sgp_pki_ci_count(pki),
			.default_smdp = "smdp.sgp32lab.test", .root_smds = "smds.sgp32lab.test",
		};
		EVP_PKEY *key = NULL;

		sgp_pki_euicc_get(pki, i, &cfg.eid, &cfg.cert_euicc, &key);
		cfg.sk_euicc = key;
		rc = euicc_open(&cfg, &le->euiccs[le->n]);
		if (rc == SGP_OK) {
			rc = card_new(le->euiccs[le->n], &le->cards[le->n]);
			if (rc < 0)
				euicc_free(le->euiccs[le->n]);
		}
		if (rc == SGP_OK)
			le->n++;
		else
			snprintf(err, errlen, "cannot open the eUICC %s: %s", cfg.eid, sgp_strerror(rc));
		if (rc == SGP_OK && le->links)
			rc = link_external_ipa(lab, le, le->n - 1, err, errlen);
	}
	free(ci);
	return rc;
}

/* Open the lab's eUICCs on first use; NULL with a message if there are none. */
static struct lab_euicc *lab_euiccs(struct lab *lab, unsigned device, char *err, size_t errlen)
{
	if (!(lab->roles & (1u << LAB_ROLE_EUICC))) {
		snprintf(err, errlen, "no simulated eUICC in this lab (lab roles=euicc,...)");
		return NULL;
	}
	if (!lab->euicc) {
		lab->euicc = calloc(1, sizeof(*lab->euicc));
		if (!lab->euicc) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		if (open_cards(lab, lab->euicc, err, errlen) < 0)
			return NULL;
	}
	if (device == 0 || device > lab->euicc->n) {
		snprintf(err, errlen, "no device @%u (the lab has %zu)", device, lab->euicc->n);
		return NULL;
	}
	return lab->euicc;
}

struct euicc *lab_euicc_get(struct lab *lab, unsigned device, char *err, size_t errlen)
{
	struct lab_euicc *le = lab_euiccs(lab, device, err, errlen);

	return le ? le->euiccs[device - 1] : NULL;
}

struct card *lab_card_get(struct lab *lab, unsigned device, char *err, size_t errlen)
{
	struct lab_euicc *le = lab_euiccs(lab, device, err, errlen);

	return le ? le->cards[device - 1] : NULL;
}

bool lab_euicc_ipa_linked(struct lab *lab, unsigned device)
{
	struct lab_euicc *le = lab->euicc;

	return le && le->links && device >= 1 && device <= le->n && le->links[device - 1] &&
	       card_vpcd_linked(le->links[device - 1]);
}

/* The @N word at argv[pos]; checks it exists. */
static int device_check(const struct scn_step *st, int pos, char *err, size_t errlen)
{
	if (pos >= st->argc || step_device(st->argv[pos], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "name the device as @N (e.g. @1)");
		return -1;
	}
	return 0;
}

static struct euicc *step_card(struct lab *lab, const struct scn_step *st, int pos,
			       struct step_ctx *ctx)
{
	char err[256];
	struct euicc *e = lab_euicc_get(lab, (unsigned)step_device(st->argv[pos], MAX_DEVICES),
					err, sizeof(err));
	if (!e)
		step_msg(ctx, "%s", err);
	return e;
}

/* --- euicc @N power-cycle, euicc restart --- */

static int power_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 3 || device_check(st, 1, err, errlen) < 0 || strcmp(st->argv[2], "power-cycle")) {
		snprintf(err, errlen, "expected: euicc @N power-cycle");
		return -1;
	}
	return 0;
}

static enum step_result power_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	char err[256];
	struct card *c = lab_card_get(lab, (unsigned)step_device(st->argv[1], MAX_DEVICES), err,
				      sizeof(err));

	if (!c) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	card_reset(c);	/* channels, chains and the eUICC's volatile state */
	return STEP_OK;
}

static int restart_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 2) {
		snprintf(err, errlen, "euicc restart takes no arguments");
		return -1;
	}
	return 0;
}

static enum step_result restart_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	char err[256];

	(void)st;
	if (!lab->euicc && !lab_euicc_get(lab, 1, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	close_cards(lab->euicc);
	if (open_cards(lab, lab->euicc, err, sizeof(err)) < 0) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	step_msg(ctx, "%zu eUICC%s reopened from the database", lab->euicc->n,
		 lab->euicc->n == 1 ? "" : "s");
	return STEP_OK;
}

/* --- expectations --- */

static const char *const class_names[] = { "test", "provisioning", "operational" };
static const char *const event_names[] = { "install", "enable", "disable", "delete" };

static int expect_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const profile_keys[] = { "state", "class", "nickname", "name",
						    "fallback", NULL };
	static const char *const count_keys[] = { "count", NULL };
	static const char *const notif_keys[] = { "count", "events", NULL };
	static const char *const eim_keys[] = { "counter", NULL };
	const char *what = st->argc > 3 ? st->argv[3] : "";
	const char *v;

	if (device_check(st, 2, err, errlen) < 0)
		return -1;
	if (!strcmp(what, "profile")) {
		if (st->argc < 5 || strchr(st->argv[4], '=')) {
			snprintf(err, errlen, "name the profile by its ICCID");
			return -1;
		}
		if ((v = step_arg(st, "state")) && strcmp(v, "enabled") && strcmp(v, "disabled") &&
		    strcmp(v, "absent")) {
			snprintf(err, errlen, "state= must be enabled, disabled or absent");
			return -1;
		}
		return step_check_keys(st, 5, profile_keys, err, errlen);
	}
	if (!strcmp(what, "profiles"))
		return step_check_keys(st, 4, count_keys, err, errlen);
	if (!strcmp(what, "notifications"))
		return step_check_keys(st, 4, notif_keys, err, errlen);
	if (!strcmp(what, "eim")) {
		if (st->argc < 5 || strchr(st->argv[4], '=')) {
			snprintf(err, errlen, "name the eIM by its eimId");
			return -1;
		}
		return step_check_keys(st, 5, eim_keys, err, errlen);
	}
	snprintf(err, errlen, "expect euicc @N profile|profiles|notifications|eim ...");
	return -1;
}

static enum step_result expect_profile(struct euicc *e, const struct scn_step *st,
				       struct step_ctx *ctx)
{
	const char *iccid = st->argv[4], *v;
	struct euicc_profile p;
	enum step_result sr = STEP_FAIL;
	int rc = euicc_profile_find(e, iccid, &p);

	if (rc == SGP_ERR_INVAL) {
		step_msg(ctx, "'%s' is no ICCID (18 to 20 digits)", iccid);
		return STEP_FAIL;
	}
	if ((v = step_arg(st, "state")) && !strcmp(v, "absent")) {
		if (rc == SGP_ERR_NOTFOUND)
			return STEP_OK;
		step_msg(ctx, "profile %s is installed (%s)", iccid, p.state ? "enabled" : "disabled");
		goto out;
	}
	if (rc < 0) {
		step_msg(ctx, "profile %s: %s", iccid, rc == SGP_ERR_NOTFOUND ? "not installed" : sgp_strerror(rc));
		return STEP_FAIL;
	}
	if (v && strcmp(v, p.state == EUICC_PROFILE_ENABLED ? "enabled" : "disabled")) {
		step_msg(ctx, "profile %s is %s", iccid, p.state ? "enabled" : "disabled");
		goto out;
	}
	if ((v = step_arg(st, "class")) &&
	    ((unsigned)p.profile_class > 2 || strcmp(v, class_names[p.profile_class]))) {
		step_msg(ctx, "profile %s has the class %s", iccid,
			 (unsigned)p.profile_class <= 2 ? class_names[p.profile_class] : "?");
		goto out;
	}
	if ((v = step_arg(st, "nickname")) && strcmp(v, p.nickname)) {
		step_msg(ctx, "profile %s has the nickname '%s'", iccid, p.nickname);
		goto out;
	}
	if ((v = step_arg(st, "name")) && strcmp(v, p.profile_name)) {
		step_msg(ctx, "profile %s has the name '%s'", iccid, p.profile_name);
		goto out;
	}
	if ((v = step_arg(st, "fallback")) && strcmp(v, p.fallback ? "yes" : "no")) {
		step_msg(ctx, "profile %s %s the fallback attribute", iccid, p.fallback ? "has" : "lacks");
		goto out;
	}
	step_msg(ctx, "%s, %s", p.state ? "enabled" : "disabled",
		 (unsigned)p.profile_class <= 2 ? class_names[p.profile_class] : "?");
	sr = STEP_OK;
out:
	euicc_profile_release(&p);
	return sr;
}

static enum step_result expect_count(const char *what, size_t have, const struct scn_step *st,
				     struct step_ctx *ctx)
{
	unsigned want;
	const char *v = step_arg(st, "count");

	if (v && (step_parse_uint(v, 1000000, &want) < 0 || want != have)) {
		step_msg(ctx, "%zu %s, not %s", have, what, v);
		return STEP_FAIL;
	}
	step_msg(ctx, "%zu %s", have, what);
	return STEP_OK;
}

static enum step_result expect_profiles(struct euicc *e, const struct scn_step *st,
					struct step_ctx *ctx)
{
	struct euicc_profile *v = NULL;
	size_t n = 0;
	int rc = euicc_profile_list(e, &v, &n);

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&v[i]);
	free(v);
	return expect_count("profiles", n, st, ctx);
}

static enum step_result expect_notifications(struct euicc *e, const struct scn_step *st,
					     struct step_ctx *ctx)
{
	struct euicc_notification *v = NULL;
	const char *want = step_arg(st, "events");
	char have[512] = "";
	size_t n = 0, off = 0;
	enum step_result sr;
	int rc = euicc_notification_list(e, &v, &n);

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n && off < sizeof(have); i++)
		off += (size_t)snprintf(have + off, sizeof(have) - off, "%s%s", i ? "," : "",
					v[i].kind == EUICC_NOTIF_PACKAGE_RESULT ? "package-result" :
					(unsigned)v[i].event < 4 ? event_names[v[i].event] : "?");
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&v[i]);
	free(v);
	sr = expect_count("notifications", n, st, ctx);
	if (sr == STEP_OK && want && strcmp(want, have)) {
		step_msg(ctx, "pending notifications: %s", n ? have : "none");
		sr = STEP_FAIL;
	}
	return sr;
}

static enum step_result expect_eim(struct euicc *e, const struct scn_step *st, struct step_ctx *ctx)
{
	struct euicc_eim *v = NULL;
	const char *want = step_arg(st, "counter");
	size_t n = 0;
	int found = -1, rc = euicc_eim_list(e, &v, &n);
	enum step_result sr = STEP_FAIL;

	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].eim_id, st->argv[4]))
			found = (int)i;
	if (want && !strcmp(want, "absent")) {
		if (found < 0)
			sr = STEP_OK;
		else
			step_msg(ctx, "the eIM %s is configured", st->argv[4]);
	} else if (found < 0) {
		step_msg(ctx, "no eIM %s is configured", st->argv[4]);
	} else if (want && strtoll(want, NULL, 10) != v[found].counter) {
		step_msg(ctx, "the counter of %s is %lld", st->argv[4], (long long)v[found].counter);
	} else {
		step_msg(ctx, "counter %lld", (long long)v[found].counter);
		sr = STEP_OK;
	}
	for (size_t i = 0; i < n; i++)
		euicc_eim_release(&v[i]);
	free(v);
	return sr;
}

static enum step_result expect_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct euicc *e = step_card(lab, st, 2, ctx);
	const char *what = st->argv[3];

	if (!e)
		return STEP_FAIL;
	if (!strcmp(what, "profile"))
		return expect_profile(e, st, ctx);
	if (!strcmp(what, "profiles"))
		return expect_profiles(e, st, ctx);
	if (!strcmp(what, "notifications"))
		return expect_notifications(e, st, ctx);
	return expect_eim(e, st, ctx);
}

static void euicc_teardown(struct lab *lab)
{
	if (!lab->euicc)
		return;
	close_cards(lab->euicc);
	free(lab->euicc);
	lab->euicc = NULL;
}

static const struct step_def euicc_defs[] = {
	{
		.keyword = "euicc", .object = "restart",
		.usage = "euicc restart",
		.help = "Reopen every eUICC from the lab database, as after a process restart.",
		.check = restart_check, .run = restart_run,
	},
	{
		.keyword = "euicc", .object = "power-cycle",
		.usage = "euicc @N power-cycle",
		.help = "Reset the card: volatile state (an open download session) is dropped.",
		.check = power_check, .run = power_run,
	},
	{
		.keyword = "expect", .object = "euicc",
		.usage = "expect euicc @N profile ICCID [state=enabled|disabled|absent] [class=C] [nickname=T] [name=T] [fallback=yes|no] | profiles count=N | notifications [count=N] [events=E,...] | eim ID [counter=N|absent]",
		.help = "Check an eUICC's profiles, pending notifications and eIM associations.",
		.check = expect_check, .run = expect_run,
	},
};

const struct step_table steps_euicc = {
	.defs = euicc_defs,
	.count = sizeof(euicc_defs) / sizeof(euicc_defs[0]),
	.teardown = euicc_teardown,
};
