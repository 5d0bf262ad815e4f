/* sgp32lab: scenario steps for a device as a whole — its IPAd (ipa/ipad.h)
 * polling the lab eIM, its network coverage and its power
 *
 *   ipa @N poll [result=package|none|failed] [rollback=yes] [fallback=yes] [async=yes] [kept=N]
 *       one IPAd run: ESipa cycles, with rollback/fallback when the enabled
 *       profile has no coverage; async=yes does not wait for the run;
 *       kept=N: N results the eUICC kept were delivered first
 *   ipa @N return-from-fallback [result=ok|failed]
 *   ipa @N [interval=SECONDS] [rsp=direct|indirect|both] [binding=asn1|json]
 *                                poll every SECONDS on the lab clock (0: stop);
 *                                the IpaCapabilities for a download trigger;
 *                                the ESipa binding (SGP.32 6.3 / 6.4)
 *   ipa @N idle                  until the running run (interval tick, async) ended
 *   ipa @N push on|off           the IPAd's ESipa listener (TransferEimPackage, TLS
 *                                with the lab PKI's IPATLS), its URL given to the lab eIM
 *   network lose @N [iccid=ICCID]       the enabled profile (or that one) loses coverage
 *   network restore @N [iccid=ICCID]    ... has coverage again (auto return from fallback)
 *   device power-cycle @N        modem reset: the IPAd and its in-flight run go, the
 *                                reader reconnects to the card (a power loss for it)
 *   expect ipa @N [state=IDLE|POLLING|...] [enabled=ICCID] [fallback=yes|no] [cycles=N] */
#include "lab/lab.h"
#include "lab/lab_card.h"
#include "lab/lab_eim.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/err.h"
#include "core/http/http.h"
#include "ipa/es10_client.h"
#include "ipa/ipad.h"
#include "sim/card.h"
#include "ipa/apdu_transport.h"

#include <event2/event.h>

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES LAB_MAX_DEVICES

struct lab_device {
	struct ipad *ipad;
	struct step_ctx *ctx;		/* the step waiting for the run */
	const struct scn_step *st;
	/* device power-cycle: waiting for the reader to reach the card */
	struct lab *lab;
	unsigned dev;
	struct step_ctx *power_ctx;
	bool dropped;			/* the power cycle dropped a run */
	struct step_ctx *idle_ctx;	/* ipa @N idle: waiting for the run to end */
};

struct lab_devices {
	struct lab_device **v;	/* each its own allocation: the IPAd and the
				 * power-cycle timer keep its address */
	size_t n;
};

static void run_done(void *arg, const struct ipad_result *res);

static struct lab_device *device_get(struct lab *lab, unsigned dev, bool make, char *err,
				     size_t errlen)
{
	struct lab_devices *ds = lab->ipads;
	struct lab_ipa_dev *d;
	struct lab_device *x;
	char url[200];
	int rc;

	if (!ds && !(ds = lab->ipads = calloc(1, sizeof(*ds)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (dev > ds->n) {
		struct lab_device **v = realloc(ds->v, dev * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		memset(v + ds->n, 0, (dev - ds->n) * sizeof(*v));
		ds->v = v;
		ds->n = dev;
	}
	if (!ds->v[dev - 1] && !(ds->v[dev - 1] = calloc(1, sizeof(*x)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x = ds->v[dev - 1];
	if (x->ipad || !make)
		return x;
	if (lab_eim_url(lab, url, sizeof(url), err, errlen) < 0 ||
	    !(d = lab_ipa_dev(lab, dev, err, errlen)))
		return NULL;
	{
		struct ipad_cfg cfg = {
			.clock = lab->clock, .es10 = d->es10, .http = lab_rsp_state(lab)->ipa_http,
			.eim_url = url, .auto_return = true, .done = run_done, .arg = x,
		};
		char id[16];

		snprintf(id, sizeof(id), "%u", dev);
		cfg.id = id;
		rc = ipad_new(&cfg, &x->ipad);
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the IPAd: %s", sgp_strerror(rc));
		return NULL;
	}
	return x;
}

static int device_word(const struct scn_step *st, int pos, char *err, size_t errlen)
{
	if (st->argc <= pos || step_device(st->argv[pos], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "name the device as @N");
		return -1;
	}
	return 0;
}

static bool yes(const struct scn_step *st, const char *key)
{
	const char *v = step_arg(st, key);

	return v && !strcmp(v, "yes");
}

/* --- ipa @N poll / return-from-fallback --- */

static int poll_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "result", "rollback", "fallback", "async", "kept",
					    NULL };
	const char *v = step_arg(st, "result"), *k = step_arg(st, "kept");
	unsigned n;

	if (device_word(st, 1, err, errlen) < 0 || step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (k && step_parse_uint(k, 1000, &n) < 0) {
		snprintf(err, errlen, "kept= is a number");
		return -1;
	}
	if (v && strcmp(v, "package") && strcmp(v, "none") && strcmp(v, "failed")) {
		snprintf(err, errlen, "result= is package, none or failed");
		return -1;
	}
	return 0;
}

static void run_done(void *arg, const struct ipad_result *res)
{
	struct lab_device *x = arg;
	struct step_ctx *ctx = x->ctx;
	const struct scn_step *st = x->st;
	const char *want, *got;
	char euicc[160] = "";
	bool ok;

	if (x->idle_ctx) {
		struct step_ctx *ictx = x->idle_ctx;

		x->idle_ctx = NULL;
		step_done(ictx, true, "the run ended: %s%s%s; %u cycle%s",
			  res->rc < 0 ? "failed" : res->poll.outcome == IPA_EIM_POLL_NO_PACKAGE ?
			  "none" : "package", res->reason[0] ? ": " : "", res->reason, res->polls,
			  res->polls == 1 ? "" : "s");
	}
	if (!ctx)
		return;		/* a run nobody waits for (interval, async) */
	x->ctx = NULL;
	if (!strcmp(st->argv[2], "return-from-fallback")) {
		want = step_arg(st, "result") ? step_arg(st, "result") : "ok";
		got = res->returned ? "ok" : "failed";
	} else {
		want = step_arg(st, "result") ? step_arg(st, "result") : "package";
		got = res->rc < 0 ? "failed" :
		      res->poll.outcome == IPA_EIM_POLL_NO_PACKAGE ? "none" : "package";
	}
	ok = !strcmp(want, got) && (!yes(st, "rollback") || res->rolled_back) &&
	     (!yes(st, "fallback") || res->fell_back);
	if (step_arg(st, "kept")) {
		unsigned kept = 0;

		step_parse_uint(step_arg(st, "kept"), 1000, &kept);
		ok = ok && kept == res->poll.pending_delivered;
	}
	/* what the eUICC answered the last package (borrowed: during this callback) */
	if (res->poll.kind == IPA_EIM_PKG_EUICC_PACKAGE && res->poll.euicc_result &&
	    res->poll.euicc_result_len) {
		euicc[0] = '(';
		lab_euicc_result_text(res->poll.euicc_result, res->poll.euicc_result_len, euicc + 1,
				      sizeof(euicc) - 3);
		strcat(euicc, ")");
	}
	step_done(ctx, ok, "%s%s%s%s%s%s%s%s; %u cycle%s, %u acknowledged, %u kept result%s delivered",
		  got, euicc[0] ? " " : "", euicc,
		  res->rolled_back ? " (rolled back)" : "", res->fell_back ? " (fell back)" : "",
		  res->returned ? " (returned)" : "", res->reason[0] ? ": " : "", res->reason,
		  res->polls, res->polls == 1 ? "" : "s", res->poll.acknowledgements,
		  res->poll.pending_delivered, res->poll.pending_delivered == 1 ? "" : "s");
}

static enum step_result poll_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[1], MAX_DEVICES);
	char err[256] = "";
	struct lab_device *x = device_get(lab, dev, true, err, sizeof(err));
	bool ret = !strcmp(st->argv[2], "return-from-fallback");
	int rc;

	if (!x) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	rc = ret ? ipad_return_from_fallback(x->ipad) : ipad_poll(x->ipad);
	if (rc < 0) {
		step_msg(ctx, "cannot start: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	if (yes(st, "async")) {
		step_msg(ctx, "run started");
		return STEP_OK;
	}
	x->ctx = ctx;
	x->st = st;
	return STEP_PENDING;
}

static int return_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "result", NULL };

	if (device_word(st, 1, err, errlen) < 0)
		return -1;
	return step_check_keys(st, 3, keys, err, errlen);
}

/* --- ipa @N [interval=SECONDS] [rsp=direct|indirect|both] [binding=asn1|json] (the keyword's
 * fallback): the IPAd's settings --- */

static int settings_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "interval", "rsp", "binding", NULL };
	const char *iv = step_arg(st, "interval"), *rsp = step_arg(st, "rsp");
	const char *b = step_arg(st, "binding");
	unsigned s;

	if (device_word(st, 1, err, errlen) < 0 || step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if ((!iv && !rsp && !b) || (iv && step_parse_uint(iv, 86400 * 365, &s) < 0) ||
	    (rsp && strcmp(rsp, "direct") && strcmp(rsp, "indirect") && strcmp(rsp, "both")) ||
	    (b && strcmp(b, "asn1") && strcmp(b, "json"))) {
		snprintf(err, errlen, "expected: ipa @N [interval=SECONDS] "
			 "[rsp=direct|indirect|both] [binding=asn1|json]");
		return -1;
	}
	return 0;
}

static enum step_result settings_run(struct lab *lab, const struct scn_step *st,
				     struct step_ctx *ctx)
{
	char err[256] = "";
	struct lab_device *x = device_get(lab, (unsigned)step_device(st->argv[1], MAX_DEVICES),
					  true, err, sizeof(err));
	const char *iv = step_arg(st, "interval"), *rsp = step_arg(st, "rsp");
	const char *b = step_arg(st, "binding");
	unsigned s = 0;

	if (!x) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (b)
		ipad_set_binding(x->ipad, !strcmp(b, "json") ? IPA_ESIPA_BINDING_JSON :
							       IPA_ESIPA_BINDING_ASN1);
	if (rsp)
		ipad_set_rsp_mode(x->ipad, !strcmp(rsp, "direct") ? IPAD_RSP_DIRECT :
					   !strcmp(rsp, "indirect") ? IPAD_RSP_INDIRECT : IPAD_RSP_BOTH);
	if (iv) {
		step_parse_uint(iv, 86400 * 365, &s);
		if (ipad_set_interval(x->ipad, (uint64_t)s * 1000) < 0) {
			step_msg(ctx, "cannot schedule");
			return STEP_FAIL;
		}
	}
	return STEP_OK;
}

/* --- network lose|restore @N [iccid=] --- */

static int network_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "iccid", NULL };

	if (device_word(st, 2, err, errlen) < 0)
		return -1;
	return step_check_keys(st, 3, keys, err, errlen);
}

static enum step_result network_run(struct lab *lab, const struct scn_step *st,
				    struct step_ctx *ctx)
{
	char err[256] = "";
	struct lab_device *x = device_get(lab, (unsigned)step_device(st->argv[2], MAX_DEVICES),
					  true, err, sizeof(err));
	bool restore = !strcmp(st->argv[1], "restore");
	const char *iccid = step_arg(st, "iccid");
	int rc;

	if (!x) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!iccid && !ipad_enabled(x->ipad)[0]) {
		step_msg(ctx, "the IPAd has not seen an enabled profile yet: give iccid=");
		return STEP_FAIL;
	}
	rc = ipad_set_coverage(x->ipad, iccid, restore);
	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	step_msg(ctx, "%s %s", iccid ? iccid : ipad_enabled(x->ipad),
		 restore ? "has coverage" : "has no coverage");
	return STEP_OK;
}

/* --- device power-cycle @N --- */

static int power_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 3 || device_word(st, 2, err, errlen) < 0) {
		snprintf(err, errlen, "expected: device power-cycle @N");
		return -1;
	}
	return 0;
}

/* The new reader has reached the card (or not): start the IPAd again. */
static void power_linked(void *arg, bool up)
{
	struct lab_device *x = arg;
	struct step_ctx *ctx = x->power_ctx;
	char err[256] = "the IPA did not reach its card over vpcd again";

	x->power_ctx = NULL;
	if (!ctx)
		return;
	if (!up || !device_get(x->lab, x->dev, true, err, sizeof(err))) {
		step_done(ctx, false, "restart failed: %s", err);
		return;
	}
	step_done(ctx, true, "device %u restarted%s", x->dev,
		  x->dropped ? " (a run was dropped)" : "");
}

static enum step_result power_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[2], MAX_DEVICES);
	char err[256] = "";
	struct lab_device *x = device_get(lab, dev, false, err, sizeof(err));
	struct lab_ipa_dev *d = lab_ipa_dev(lab, dev, err, sizeof(err));
	struct card *card = d ? lab_card_get(lab, dev, err, sizeof(err)) : NULL;
	int rc;

	if (!x || !card) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (d->dl) {
		step_msg(ctx, "a profile download runs on device %u: not supported mid-download", dev);
		return STEP_FAIL;
	}
	x->dropped = ipad_busy(x->ipad);
	if (x->ctx)
		step_done(x->ctx, false, "the device was power-cycled");
	x->ctx = NULL;
	/* The IPAd goes with its in-flight exchanges; the modem resets: its
	 * reader connection drops (the card loses power: card_vpcd resets it)
	 * and a new one is made, with a new ES10 client — an APDU of the old
	 * session can never answer into the new one.  What matters survives
	 * in the eUICC. */
	ipad_free(x->ipad);
	x->ipad = NULL;
	card_reset(card);
	rc = lab_ipa_dev_reconnect(d);
	if (rc < 0) {
		step_msg(ctx, "restart failed: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	x->lab = lab;
	x->dev = dev;
	x->power_ctx = ctx;
	if (lab_ipa_dev_when_linked(d, power_linked, x) < 0) {
		x->power_ctx = NULL;
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	return STEP_PENDING;
}

/* --- ipa @N idle --- */

static int idle_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 3 || device_word(st, 1, err, errlen) < 0) {
		snprintf(err, errlen, "expected: ipa @N idle");
		return -1;
	}
	return 0;
}

/* Until the IPAd's run (an interval tick's, an async poll's) has ended;
 * the runner's watchdog bounds the wait. */
static enum step_result idle_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	char err[256] = "";
	struct lab_device *x = device_get(lab, (unsigned)step_device(st->argv[1], MAX_DEVICES),
					  true, err, sizeof(err));

	if (!x) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!ipad_busy(x->ipad)) {
		step_msg(ctx, "idle; %u cycle%s so far", ipad_cycles(x->ipad),
			 ipad_cycles(x->ipad) == 1 ? "" : "s");
		return STEP_OK;
	}
	x->idle_ctx = ctx;
	return STEP_PENDING;
}

/* --- ipa @N push on|off --- */

static int push_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 4 || device_word(st, 1, err, errlen) < 0 ||
	    (strcmp(st->argv[3], "on") && strcmp(st->argv[3], "off"))) {
		snprintf(err, errlen, "expected: ipa @N push on|off");
		return -1;
	}
	return 0;
}

static enum step_result push_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[1], MAX_DEVICES);
	char err[256] = "", cert[4200], key[4200], url[200];
	struct lab_device *x = device_get(lab, dev, true, err, sizeof(err));
	const char *dir = NULL;
	int rc;

	if (!x) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!strcmp(st->argv[3], "off")) {
		ipad_push_stop(x->ipad);
		if (lab_eim_set_push_url(lab, dev, NULL, err, sizeof(err)) < 0) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
		step_msg(ctx, "device %u polls only", dev);
		return STEP_OK;
	}
	if (!ipad_push_port(x->ipad)) {
		struct http_tls_cfg tls = { 0 };
		struct ipad_push_cfg pc = { .base = lab->base, .tls = &tls };

		if (!lab_pki_get(lab, &dir, err, sizeof(err))) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
		snprintf(cert, sizeof(cert), "%s/ipatls.pem", dir);
		snprintf(key, sizeof(key), "%s/ipatls.key", dir);
		tls.cert_file = cert;
		tls.key_file = key;
		rc = ipad_push_start(x->ipad, &pc);
		if (rc < 0) {
			step_msg(ctx, "the IPAd cannot listen: %s", sgp_strerror(rc));
			return STEP_FAIL;
		}
	}
	snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", ipad_push_port(x->ipad),
		 "/gsma/rsp2/asn1");
	if (lab_eim_set_push_url(lab, dev, url, err, sizeof(err)) < 0) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	step_msg(ctx, "device %u listens at %s", dev, url);
	return STEP_OK;
}

/* --- expect ipa @N ... --- */

static int expect_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "state", "enabled", "fallback", "cycles", NULL };

	if (device_word(st, 2, err, errlen) < 0)
		return -1;
	return step_check_keys(st, 3, keys, err, errlen);
}

static enum step_result expect_run(struct lab *lab, const struct scn_step *st,
				   struct step_ctx *ctx)
{
	char err[256] = "";
	struct lab_device *x = device_get(lab, (unsigned)step_device(st->argv[2], MAX_DEVICES),
					  true, err, sizeof(err));
	const char *v;
	unsigned n;
	bool ok = true;

	if (!x) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if ((v = step_arg(st, "state")) && strcmp(v, ipad_state(x->ipad)))
		ok = false;
	if ((v = step_arg(st, "enabled")) && strcmp(v, ipad_enabled(x->ipad)))
		ok = false;
	if ((v = step_arg(st, "fallback")) && (!strcmp(v, "yes")) != ipad_in_fallback(x->ipad))
		ok = false;
	if ((v = step_arg(st, "cycles")) &&
	    (step_parse_uint(v, 1000000, &n) < 0 || n != ipad_cycles(x->ipad)))
		ok = false;
	step_msg(ctx, "state=%s enabled=%s fallback=%s cycles=%u", ipad_state(x->ipad),
		 ipad_enabled(x->ipad)[0] ? ipad_enabled(x->ipad) : "-",
		 ipad_in_fallback(x->ipad) ? "yes" : "no", ipad_cycles(x->ipad));
	return ok ? STEP_OK : STEP_FAIL;
}

static void device_teardown(struct lab *lab)
{
	struct lab_devices *ds = lab->ipads;

	if (!ds)
		return;
	for (size_t i = 0; i < ds->n; i++) {
		if (!ds->v[i])
			continue;
		ipad_free(ds->v[i]->ipad);

		free(ds->v[i]);
	}
	free(ds->v);
	free(ds);
	lab->ipads = NULL;
}

static const struct step_def device_defs[] = {
	{ .keyword = "ipa", .object = "poll",
	  .usage = "ipa @N poll [result=package|none|failed] [rollback=yes] [fallback=yes] [async=yes] [kept=N]",
	  .help = "One IPAd run of device N: ESipa cycles with the lab eIM, rollback or fallback without coverage.",
	  .check = poll_check, .run = poll_run },
	{ .keyword = "ipa", .object = "return-from-fallback",
	  .usage = "ipa @N return-from-fallback [result=ok|failed]",
	  .help = "ES10b ReturnFromFallback on device N, then a poll telling the eIM.",
	  .check = return_check, .run = poll_run },
	{ .keyword = "ipa", .object = "idle",
	  .usage = "ipa @N idle",
	  .help = "Wait until device N's IPAd has no run (one an interval tick or async=yes started).",
	  .check = idle_check, .run = idle_run },
	{ .keyword = "ipa", .object = "push",
	  .usage = "ipa @N push on|off",
	  .help = "Device N's IPAd listens for the lab eIM's pushes (ESipa.TransferEimPackage, injectHttps) or polls only.",
	  .check = push_check, .run = push_run },
	{ .keyword = "ipa", .object = NULL,
	  .usage = "ipa @N [interval=SECONDS] [rsp=direct|indirect|both] [binding=asn1|json]",
	  .help = "Device N's IPAd: poll every SECONDS of lab time (0 stops); reach an SM-DP+ directly, through the eIM, or both (direct preferred); talk ESipa in the ASN.1 or the JSON binding.",
	  .check = settings_check, .run = settings_run },
	{ .keyword = "network", .object = "lose",
	  .usage = "network lose @N [iccid=ICCID]",
	  .help = "The enabled profile (or ICCID) of device N loses coverage.",
	  .check = network_check, .run = network_run },
	{ .keyword = "network", .object = "restore",
	  .usage = "network restore @N [iccid=ICCID]",
	  .help = "Coverage is back; the IPAd returns from fallback to that profile.",
	  .check = network_check, .run = network_run },
	{ .keyword = "device", .object = "power-cycle",
	  .usage = "device power-cycle @N",
	  .help = "eUICC power cycle and IPAd restart on device N; in-flight exchanges are dropped.",
	  .check = power_check, .run = power_run },
	{ .keyword = "expect", .object = "ipa",
	  .usage = "expect ipa @N [state=STATE] [enabled=ICCID] [fallback=yes|no] [cycles=N]",
	  .help = "Device N's IPAd as it last saw its eUICC.",
	  .check = expect_check, .run = expect_run },
};

const struct step_table steps_device = {
	.defs = device_defs,
	.count = sizeof(device_defs) / sizeof(device_defs[0]),
	.teardown = device_teardown,
};
