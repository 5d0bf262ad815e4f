/* sgp32lab: scenario steps for each device's IPA (ipa/): profile download
 * over ES9+ and SM-DS discovery over ES11 into the device's eUICC, which the
 * IPA reaches over a vpcd APDU socket (the card listens, the IPA connects).
 *
 *   ipa @N download mid=MATCHINGID | ac=ACTIVATIONCODE | default [cc=CODE]
 *       [result=installed|cancelled|failed] [cancel=REASON] [status=SUBJECT/REASON]
 *       [consent=accept|endUserRejection|postponed|pprNotAllowed|metadataMismatch]
 *       [via=eim] [cancel-after=STEP cancel=REASON] [confirmed=yes|no]
 *   ipa @N discover [events=N] [download=yes] [result=ok|failed] [status=SUBJECT/REASON]
 *   ipa @N notifications [via=eim] [found=N] [delivered=N] [removed=N] [kept=N]
 *       [result=ok|failed] [status=SUBJECT/REASON]
 *
 * status= is the SM-DP+'s (or SM-DS's) statusCodeData of a refusal.
 * via=eim: an indirect download (SGP.32 3.2.3.2), the ES9+ functions go as
 * ESipa to the lab's eIM, which relays them; status= is then what the
 * eIM's ESipa error maps back to.
 * cancel-after= (fault injection): the IPA cancels the session with the
 * CancelSessionReason cancel= right after STEP (authenticateServer,
 * authenticateClient, prepareDownload, getBoundProfilePackage; SGP.22
 * 3.1.3, ES10b.CancelSession 5.7.14, ES9+.CancelSession 5.6.5); result=
 * is then cancelled unless given.  confirmed= checks whether the SM-DP+
 * (through the eIM with via=eim) accepted the cancelSession.  deliver=no
 * (fault injection): the link drops once the eUICC gave its installation
 * result, which stays on the eUICC.
 * notifications: the eUICC's pending notifications go to their
 * notificationAddress (ES9+ HandleNotification; via=eim: ESipa to the
 * lab's eIM), each removed from the eUICC once delivered (SGP.22 3.5). */
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_euicc.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/err.h"
#include "ipa/apdu_transport.h"
#include "ipa/discovery.h"
#include "ipa/download.h"
#include "ipa/download_notify.h"
#include "ipa/es10_client.h"
#include "sim/card_vpcd.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES LAB_MAX_DEVICES

/* --- the IPA of a device --- */

static void ipa_dev_free(struct lab_ipa_dev *d)
{
	if (!d)
		return;
	ipa_download_free(d->dl);
	ipa_notify_free(d->nt);
	ipa_discover_free(d->ds);
	if (d->wait_link)
		event_free(d->wait_link);
	ipa_es10_free(d->es10);
	ipa_transport_free(d->t);
	card_vpcd_free(d->cv);
	free(d);
}

/* The reader's link came up: a pending lab_ipa_dev_when_linked() looks now
 * rather than at its next tick. */
static void dev_link(void *arg, bool up)
{
	struct lab_ipa_dev *d = arg;

	if (up && d->link_waiting)
		event_active(d->wait_link, EV_TIMEOUT, 1);
}

/* The reader and ES10 client of a new link to the card. */
static int dev_connect(struct lab_ipa_dev *d)
{
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .port = card_vpcd_port(d->cv),
				     .cat = DIPA, .reconnect_ms = 5 };
	struct ipa_es10_cfg ecfg = { .clock = d->lab->clock };
	int rc = ipa_transport_vpcd_new(d->lab->base, &rep, &d->t);

	if (rc == SGP_OK) {
		ipa_transport_vpcd_on_link(d->t, dev_link, d);
		rc = ipa_es10_new(d->t, &ecfg, &d->es10);
	}
	return rc;
}

/* Device N's IPA: its card listens on a vpcd socket, the IPA's reader
 * connects to it, as in a device with a modem between them. */
struct lab_ipa_dev *lab_ipa_dev(struct lab *lab, unsigned device, char *err, size_t errlen)
{
	struct lab_rsp *r = lab_rsp_state(lab);
	struct vpcd_endpoint ep = { .host = "127.0.0.1", .listen = true, .cat = DEUICC };
	struct lab_ipa_dev *d;
	struct card *card;
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (lab->ipa_host[0]) {
		snprintf(err, errlen, "the IPA is external (ipa=%s:%u): it acts on its own; queue "
			 "work at the lab eIM and wait with `eim @N wait-results`", lab->ipa_host,
			 lab->ipa_port);
		return NULL;
	}
	if (!(lab->roles & (1u << LAB_ROLE_IPA))) {
		snprintf(err, errlen, "no simulated IPA in this lab (lab roles=ipa,...)");
		return NULL;
	}
	if (device <= r->n_ipa && r->ipa[device - 1])
		return r->ipa[device - 1];
	card = lab_card_get(lab, device, err, errlen);
	if (!card || !lab_http(lab, err, errlen))
		return NULL;
	if (device > r->n_ipa) {
		struct lab_ipa_dev **v = realloc(r->ipa, device * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		memset(v + r->n_ipa, 0, (device - r->n_ipa) * sizeof(*v));
		r->ipa = v;
		r->n_ipa = device;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->lab = lab;
	d->device = device;
	rc = card_vpcd_new(card, lab->base, &ep, NULL, NULL, &d->cv);
	if (rc == SGP_OK)
		rc = dev_connect(d);
	if (rc < 0) {
		snprintf(err, errlen, "cannot connect the IPA to its card: %s", sgp_strerror(rc));
		ipa_dev_free(d);
		return NULL;
	}
	r->ipa[device - 1] = d;
	return d;
}

/* A modem reset: the reader's connection to the card goes (for the card a
 * power loss), the ES10 client with it.  The new reader connects once the
 * card has seen the old link go (lab_ipa_dev_when_linked): the card takes
 * one link at a time, and a connection that raced the old one's close
 * would be accepted, then dropped. */
int lab_ipa_dev_reconnect(struct lab_ipa_dev *d)
{
	if (d->dl)
		return SGP_ERR_STATE;
	ipa_es10_free(d->es10);
	d->es10 = NULL;
	ipa_transport_free(d->t);
	d->t = NULL;
	return SGP_OK;
}

static const char *const results[] = { "installed", "cancelled", "failed", NULL };

/* consent=: the end user's (or the device policy's) answer on the profile
 * metadata (SGP.22 3.1.3.2): IPA_CONSENT_ACCEPT, a CancelSessionReason, or
 * -2 for a word that is neither. */
static int consent_reason(const char *v)
{
	int r = ipa_cancel_reason_parse(v);

	if (!strcmp(v, "accept"))
		return IPA_CONSENT_ACCEPT;
	return r == IPA_CANCEL_END_USER_REJECTION || r == IPA_CANCEL_POSTPONED ||
	       r == IPA_CANCEL_PPR_NOT_ALLOWED || r == IPA_CANCEL_METADATA_MISMATCH ? r : -2;
}

static int consent_cb(void *arg, const uint8_t *metadata, size_t len)
{
	const struct lab_ipa_dev *d = arg;
	const char *v = step_arg(d->st, "consent");

	(void)metadata; (void)len;
	return v ? consent_reason(v) : IPA_CONSENT_ACCEPT;
}

static int download_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "mid", "ac", "cc", "result", "cancel", "status", "via",
					    "consent", "cancel-after", "confirmed", "deliver", NULL };
	const char *v;
	bool known = false;
	int sources;

	if (st->argc < 3 || step_device(st->argv[1], MAX_DEVICES) < 0 ||
	    strcmp(st->argv[2], "download")) {
		snprintf(err, errlen, "expected: ipa @N download mid=MATCHINGID|ac=CODE ...");
		return -1;
	}
	if (step_check_keys(st, st->argc > 3 && !strcmp(st->argv[3], "default") ? 4 : 3, keys,
			    err, errlen) < 0)
		return -1;
	sources = !!step_arg(st, "mid") + !!step_arg(st, "ac") +
		  (st->argc > 3 && !strcmp(st->argv[3], "default"));
	if (sources != 1) {
		snprintf(err, errlen, "give one of mid= (the lab SM-DP+), ac= (an activation code) "
			 "or default (the eUICC's default SM-DP+ address)");
		return -1;
	}
	if ((v = step_arg(st, "via")) && strcmp(v, "eim")) {
		snprintf(err, errlen, "via= is eim (an indirect download through the lab's eIM)");
		return -1;
	}
	if ((v = step_arg(st, "consent")) && consent_reason(v) == -2) {
		snprintf(err, errlen, "consent= is accept, endUserRejection, postponed, "
			 "pprNotAllowed or metadataMismatch");
		return -1;
	}
	if ((v = step_arg(st, "cancel-after")) && ipa_download_step_from_name(v) < 0) {
		snprintf(err, errlen, "cancel-after= is authenticateServer, authenticateClient, "
			 "prepareDownload or getBoundProfilePackage");
		return -1;
	}
	if (v && ipa_cancel_reason_parse(step_arg(st, "cancel")) == IPA_CANCEL_NONE) {
		snprintf(err, errlen, "cancel-after= needs cancel=REASON, a CancelSessionReason "
			 "(endUserRejection, postponed, timeout, pprNotAllowed, metadataMismatch, "
			 "loadBppExecutionError, undefinedReason)");
		return -1;
	}
	if ((v = step_arg(st, "confirmed")) && strcmp(v, "yes") && strcmp(v, "no")) {
		snprintf(err, errlen, "confirmed= is yes or no");
		return -1;
	}
	if ((v = step_arg(st, "deliver")) && strcmp(v, "no")) {
		snprintf(err, errlen, "deliver= is no (the installation result stays on the eUICC)");
		return -1;
	}
	if ((v = step_arg(st, "result"))) {
		for (const char *const *r = results; *r; r++)
			known |= !strcmp(v, *r);
		if (!known) {
			snprintf(err, errlen, "result= is installed, cancelled or failed");
			return -1;
		}
	}
	return 0;
}

/* The step's verdict, given once the eUICC session is closed: the
 * download leaves its MANAGE CHANNEL close in flight, and a step that
 * ended before its answer came would let a later `wait` jump the lab clock
 * past the ES10 client's APDU timeout. */
static void finish(struct lab_ipa_dev *d, struct step_ctx *ctx, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finish(struct lab_ipa_dev *d, struct step_ctx *ctx, bool ok, const char *fmt, ...)
{
	va_list ap;

	d->settle_ctx = ctx;
	d->settle_ok = ok;
	va_start(ap, fmt);
	vsnprintf(d->settle_msg, sizeof(d->settle_msg), fmt, ap);
	va_end(ap);
}

static void settled(void *arg, const struct ipa_es10_result *r)
{
	struct lab_ipa_dev *d = arg;
	struct step_ctx *ctx = d->settle_ctx;

	(void)r;	/* a failed close is the next session's business */
	d->settle_ctx = NULL;
	if (ctx)
		step_done(ctx, d->settle_ok, "%s", d->settle_msg);
}

/* Give the verdict after the ES10 operations still queued (the close). */
static void settle(struct lab_ipa_dev *d)
{
	if (!ipa_es10_pending(d->es10) || ipa_es10_close(d->es10, settled, d) < 0)
		settled(d, NULL);
}

static void download_done(void *arg, const struct ipa_download_result *res)
{
	struct lab_ipa_dev *d = arg;
	const struct scn_step *st = d->st;
	const char *want = step_arg(st, "result") && strcmp(st->argv[2], "discover") ?
			   step_arg(st, "result") : step_arg(st, "cancel-after") ? "cancelled" :
			   "installed";
	const char *want_cancel = step_arg(st, "cancel");
	const char *want_confirmed = step_arg(st, "confirmed");
	const char *want_status = step_arg(st, "status");
	char status[40];
	const char *got = res->installed ? "installed" :
			  res->cancel_reason != IPA_CANCEL_NONE ? "cancelled" : "failed";
	struct step_ctx *ctx = d->ctx;

	d->ctx = NULL;
	snprintf(status, sizeof(status), "%s/%s", res->subject_code, res->reason_code);
	if (strcmp(want, got)) {
		finish(d, ctx, false, "%s at %s: %s", got, res->step, res->why);
	} else if (want_cancel && strcmp(want_cancel, ipa_cancel_reason_str(res->cancel_reason))) {
		finish(d, ctx, false, "cancelled with %s, not %s",
			  ipa_cancel_reason_str(res->cancel_reason), want_cancel);
	} else if (want_confirmed && res->cancel_confirmed != !strcmp(want_confirmed, "yes")) {
		finish(d, ctx, false, "the SM-DP+ %s the cancelSession (%s/%s)",
		       res->cancel_confirmed ? "accepted" : "did not accept", res->subject_code,
		       res->reason_code);
	} else if (want_status && strcmp(want_status, status)) {
		finish(d, ctx, false, "the SM-DP+ answered %s, not %s (%s)",
			  res->subject_code[0] ? status : "no error status", want_status, res->why);
	} else if (res->installed) {
		finish(d, ctx, true, "installed; notification %s%s", res->notification_sent ?
			  "delivered" : "NOT delivered", res->notification_removed ?
			  " and removed from the eUICC" : res->seq_number >= 0 ?
			  ", kept on the eUICC" : "");
	} else {
		finish(d, ctx, true, "%s at %s: %s", got, res->step, res->why);
	}
	/* res belongs to the download: free it only now (allowed from done) */
	ipa_download_free(d->dl);
	d->dl = NULL;
	settle(d);
}

static void download_start(struct lab_ipa_dev *d)
{
	struct lab_rsp *r = d->lab->rsp;
	const struct scn_step *st = d->st;
	char ac[400], id[16], url[200], err[256] = "";
	struct ipa_download_cfg cfg = {
		.clock = d->lab->clock, .es10 = d->es10, .http = r->ipa_http,
		.confirmation_code = step_arg(st, "cc"),
		.tac = { 0x35, 0x29, 0x06, 0x11 },
		.done = download_done, .arg = d, .id = id,
		.consent = consent_cb, .consent_arg = d,
	};
	int rc;

	snprintf(id, sizeof(id), "%u", d->device);
	if (!strcmp(st->argv[2], "discover")) {
		cfg.smdp_address = d->event_addr;	/* the event found by discovery */
		cfg.matching_id = d->event_mid;
	} else if (step_arg(st, "ac")) {
		cfg.activation_code = step_arg(st, "ac");
	} else if (step_arg(st, "mid")) {
		snprintf(ac, sizeof(ac), "LPA:1$%s$%s", r->smdp_address, step_arg(st, "mid"));
		cfg.activation_code = ac;
	}	/* else: the eUICC's default SM-DP+ address, no matching ID */
	if (strcmp(st->argv[2], "discover") && step_arg(st, "deliver"))
		cfg.keep_notification = true;
	if (strcmp(st->argv[2], "discover") && step_arg(st, "cancel-after")) {
		cfg.cancel_after = ipa_download_step_from_name(step_arg(st, "cancel-after"));
		cfg.cancel_reason = ipa_cancel_reason_parse(step_arg(st, "cancel"));
	}
	if (strcmp(st->argv[2], "discover") && step_arg(st, "via")) {
		if (lab_eim_url(d->lab, url, sizeof(url), err, sizeof(err)) < 0) {
			struct step_ctx *ctx = d->ctx;

			d->ctx = NULL;
			step_done(ctx, false, "%s", err);
			return;
		}
		cfg.eim_url = url;
	}
	rc = ipa_download_start(&cfg, &d->dl);
	if (rc < 0) {
		struct step_ctx *ctx = d->ctx;
		d->ctx = NULL;
		step_done(ctx, false, "the download cannot start: %s", sgp_strerror(rc));
	}
}

/* --- ipa @N discover --- */

static int discover_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "events", "download", "result", "status", NULL };
	const char *v;
	unsigned n;

	if (st->argc < 3 || step_device(st->argv[1], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "expected: ipa @N discover [events=N] [download=yes]");
		return -1;
	}
	if (step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if ((v = step_arg(st, "events")) && step_parse_uint(v, 1000, &n) < 0) {
		snprintf(err, errlen, "events= is a number");
		return -1;
	}
	if ((v = step_arg(st, "result")) && strcmp(v, "ok") && strcmp(v, "failed")) {
		snprintf(err, errlen, "result= is ok or failed");
		return -1;
	}
	return 0;
}

static void discover_done(void *arg, const struct ipa_discover_result *res)
{
	struct lab_ipa_dev *d = arg;
	const struct scn_step *st = d->st;
	const char *want_n = step_arg(st, "events"), *want_status = step_arg(st, "status");
	bool want_ok = !step_arg(st, "result") || !strcmp(step_arg(st, "result"), "ok");
	bool download = step_arg(st, "download") && !strcmp(step_arg(st, "download"), "yes");
	struct step_ctx *ctx = d->ctx;
	char status[40];
	unsigned n = 0;

	snprintf(status, sizeof(status), "%s/%s", res->subject_code, res->reason_code);
	if (want_n)
		step_parse_uint(want_n, 1000, &n);
	if ((res->rc == SGP_OK) != want_ok) {
		d->ctx = NULL;
		step_done(ctx, false, "discovery %s at %s: %s", res->rc ? "failed" : "succeeded",
			  res->step, res->why);
	} else if (!want_ok) {
		d->ctx = NULL;
		if (want_status && strcmp(want_status, status))
			step_done(ctx, false, "the SM-DS answered %s, not %s", status, want_status);
		else
			step_done(ctx, true, "refused: %s", res->why);
	} else if (want_n && n != res->n_events) {
		d->ctx = NULL;
		step_done(ctx, false, "%zu event%s, not %u", res->n_events,
			  res->n_events == 1 ? "" : "s", n);
	} else if (download && res->n_events) {
		/* on to the SM-DP+ the first event names (SGP.22 3.6.3 -> 3.1.3) */
		snprintf(d->event_mid, sizeof(d->event_mid), "%s", res->events[0].event_id);
		snprintf(d->event_addr, sizeof(d->event_addr), "%s", res->events[0].rsp_server_address);
		download_start(d);
	} else {
		d->ctx = NULL;
		step_done(ctx, !download, "%zu event%s%s%s", res->n_events,
			  res->n_events == 1 ? "" : "s", res->n_events ? ", first at " : "",
			  res->n_events ? res->events[0].rsp_server_address : "");
	}
}

static void discover_start(struct lab_ipa_dev *d)
{
	struct lab_rsp *r = d->lab->rsp;
	char id[16];
	struct ipa_discover_cfg cfg = {
		.clock = d->lab->clock, .es10 = d->es10, .http = r->ipa_http,
		.smds_address = r->smds_address, .tac = { 0x35, 0x29, 0x06, 0x11 },
		.done = discover_done, .arg = d, .id = id,
	};
	int rc;

	snprintf(id, sizeof(id), "%u", d->device);
	ipa_discover_free(d->ds);
	d->ds = NULL;
	rc = ipa_discover_start(&cfg, &d->ds);
	if (rc < 0) {
		struct step_ctx *ctx = d->ctx;
		d->ctx = NULL;
		step_done(ctx, false, "the discovery cannot start: %s", sgp_strerror(rc));
	}
}

/* --- ipa @N notifications --- */

static const char *const notify_counts[] = { "found", "delivered", "removed", "kept", NULL };

static int notify_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "via", "found", "delivered", "removed", "kept",
					    "result", "status", NULL };
	const char *v;
	unsigned n;

	if (st->argc < 3 || step_device(st->argv[1], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "expected: ipa @N notifications [via=eim] [delivered=N] ...");
		return -1;
	}
	if (step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	for (const char *const *k = notify_counts; *k; k++)
		if ((v = step_arg(st, *k)) && step_parse_uint(v, IPA_NOTIFY_MAX, &n) < 0) {
			snprintf(err, errlen, "%s= is a number up to %u", *k, IPA_NOTIFY_MAX);
			return -1;
		}
	if ((v = step_arg(st, "via")) && strcmp(v, "eim")) {
		snprintf(err, errlen, "via= is eim (the notifications go to the lab's eIM)");
		return -1;
	}
	if ((v = step_arg(st, "result")) && strcmp(v, "ok") && strcmp(v, "failed")) {
		snprintf(err, errlen, "result= is ok or failed");
		return -1;
	}
	return 0;
}

static void notify_done(void *arg, const struct ipa_notify_result *res)
{
	struct lab_ipa_dev *d = arg;
	const struct scn_step *st = d->st;
	const unsigned got[] = { res->found, res->delivered, res->removed, res->kept };
	bool want_ok = !step_arg(st, "result") || !strcmp(step_arg(st, "result"), "ok");
	const char *want_status = step_arg(st, "status");
	struct step_ctx *ctx = d->ctx;
	char status[40];
	unsigned want;

	d->ctx = NULL;
	snprintf(status, sizeof(status), "%s/%s", res->subject_code, res->reason_code);
	if ((res->rc == SGP_OK) != want_ok) {
		finish(d, ctx, false, "the run %s at %s: %s", res->rc ? "failed" : "succeeded",
		       res->step, res->why);
		goto out;
	}
	for (size_t i = 0; notify_counts[i]; i++) {
		const char *v = step_arg(st, notify_counts[i]);

		if (v && step_parse_uint(v, IPA_NOTIFY_MAX, &want) == 0 && want != got[i]) {
			finish(d, ctx, false, "%s=%u, not %u (found %u, delivered %u, removed %u, "
			       "kept %u%s%s)", notify_counts[i], got[i], want, res->found,
			       res->delivered, res->removed, res->kept, res->why[0] ? "; " : "",
			       res->why);
			goto out;
		}
	}
	if (want_status && strcmp(want_status, status))
		finish(d, ctx, false, "the first refusal was %s, not %s (%s)", status, want_status,
		       res->why[0] ? res->why : "none");
	else
		finish(d, ctx, true, "found %u, delivered %u, removed %u, kept %u%s%s", res->found,
		       res->delivered, res->removed, res->kept, res->why[0] ? "; first failure: " : "",
		       res->why);
out:
	ipa_notify_free(d->nt);	/* res belongs to the run: free it only now */
	d->nt = NULL;
	settle(d);
}

static void notify_start(struct lab_ipa_dev *d)
{
	struct lab_rsp *r = d->lab->rsp;
	char id[16], url[200], err[256] = "";
	struct ipa_notify_cfg cfg = {
		.clock = d->lab->clock, .es10 = d->es10, .http = r->ipa_http,
		.done = notify_done, .arg = d, .id = id,
	};
	struct step_ctx *ctx;
	int rc;

	snprintf(id, sizeof(id), "%u", d->device);
	if (step_arg(d->st, "via")) {
		if (lab_eim_url(d->lab, url, sizeof(url), err, sizeof(err)) < 0) {
			ctx = d->ctx;
			d->ctx = NULL;
			step_done(ctx, false, "%s", err);
			return;
		}
		cfg.eim_url = url;
	}
	rc = ipa_notify_start(&cfg, &d->nt);
	if (rc < 0) {
		ctx = d->ctx;
		d->ctx = NULL;
		step_done(ctx, false, "the delivery cannot start: %s", sgp_strerror(rc));
	}
}

#define LINK_TICK_MS 5
#define LINK_WAIT_TICKS 400	/* 2 s */

static void wait_link_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lab_ipa_dev *d = arg;
	static const struct timeval tick = { 0, LINK_TICK_MS * 1000 };
	bool up;

	(void)fd; (void)what;
	/* after a reconnect: connect once the card has let the old link go */
	if (!d->t && !card_vpcd_linked(d->cv) && dev_connect(d) < 0) {
		ipa_es10_free(d->es10);
		d->es10 = NULL;
		ipa_transport_free(d->t);
		d->t = NULL;
		d->waited = LINK_WAIT_TICKS;	/* give up below */
	}
	up = d->t && d->t->ops->ready(d->t->impl);
	if (!up && ++d->waited <= LINK_WAIT_TICKS) {
		event_add(d->wait_link, &tick);
		return;
	}
	event_del(d->wait_link);
	d->link_waiting = false;
	if (d->linked)
		d->linked(d->linked_arg, up);
}

int lab_ipa_dev_when_linked(struct lab_ipa_dev *d, void (*cb)(void *arg, bool up), void *arg)
{
	if (!d->wait_link && !(d->wait_link = evtimer_new(d->lab->base, wait_link_cb, d)))
		return SGP_ERR_NOMEM;
	d->linked = cb;
	d->linked_arg = arg;
	d->waited = 0;
	d->link_waiting = true;
	event_active(d->wait_link, EV_TIMEOUT, 1);
	return SGP_OK;
}

/* The card is reached (or not): the step starts its procedure. */
static void step_linked(void *arg, bool up)
{
	struct lab_ipa_dev *d = arg;
	struct step_ctx *ctx;

	if (!up) {
		ctx = d->ctx;
		d->ctx = NULL;
		step_done(ctx, false, "the IPA did not reach its card over vpcd");
	} else if (!strcmp(d->st->argv[2], "discover")) {
		discover_start(d);
	} else if (!strcmp(d->st->argv[2], "notifications")) {
		notify_start(d);
	} else {
		download_start(d);
	}
}

static enum step_result download_run(struct lab *lab, const struct scn_step *st,
				     struct step_ctx *ctx)
{
	char err[256];
	struct lab_ipa_dev *d;

	if (!strcmp(st->argv[2], "discover") && !lab_smds(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (step_arg(st, "mid") && !lab_smdp_address(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	d = lab_ipa_dev(lab, (unsigned)step_device(st->argv[1], MAX_DEVICES), err, sizeof(err));
	if (!d) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (d->ctx) {
		step_msg(ctx, "a download of this IPA is still running");
		return STEP_FAIL;
	}
	d->ctx = ctx;
	d->st = st;
	if (lab_ipa_dev_when_linked(d, step_linked, d) < 0) {
		d->ctx = NULL;
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	return STEP_PENDING;
}

static void ipa_teardown(struct lab *lab)
{
	struct lab_rsp *r = lab->rsp;

	if (!r)
		return;
	for (size_t i = 0; i < r->n_ipa; i++)
		ipa_dev_free(r->ipa[i]);
	r->n_ipa = 0;	/* the array itself goes with the servers' state */
}

static const struct step_def ipa_defs[] = {
	{
		.keyword = "ipa", .object = "download",
		.usage = "ipa @N download mid=MATCHINGID|ac=CODE|default [cc=CODE] [result=installed|cancelled|failed] [cancel=REASON] [status=SUBJECT/REASON] [via=eim] [consent=REASON] [cancel-after=STEP cancel=REASON] [confirmed=yes|no] [deliver=no]",
		.help = "Device N's IPA downloads a profile over ES9+ (via=eim: as ESipa through the lab's eIM) into its eUICC (reached over vpcd); cancel-after= cancels the session right after STEP.",
		.check = download_check, .run = download_run,
	},
	{
		.keyword = "ipa", .object = "discover",
		.usage = "ipa @N discover [events=N] [download=yes] [result=ok|failed] [status=SUBJECT/REASON]",
		.help = "Device N's IPA asks the lab SM-DS for its events (ES11); download=yes then downloads from the first one.",
		.check = discover_check, .run = download_run,
	},
	{
		.keyword = "ipa", .object = "notifications",
		.usage = "ipa @N notifications [via=eim] [found=N] [delivered=N] [removed=N] [kept=N] [result=ok|failed] [status=SUBJECT/REASON]",
		.help = "Device N's IPA delivers the eUICC's pending notifications (ES9+ HandleNotification to each one's address; via=eim: ESipa to the lab's eIM) and removes each delivered one (ES10b RemoveNotificationFromList).",
		.check = notify_check, .run = download_run,
	},
};

const struct step_table steps_ipa = {
	.defs = ipa_defs,
	.count = sizeof(ipa_defs) / sizeof(ipa_defs[0]),
	.teardown = ipa_teardown,
};
