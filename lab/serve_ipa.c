/* sgp32lab: `sgp32lab serve --role ipa` — the lab's IPA on its own (GSMA
 * issue 6, external roles): one device's IPAd with a card reader on the
 * vpcd APDU socket.  A scenario's eUICC connects to it (`lab ...
 * ipa=HOST:PORT`), or the IPA connects to a card that listens (`serve
 * --role euicc --listen`); the IPA then finds its eIM as a device does, in
 * the eUICC's eIM configuration (SGP.32 v1.2 5.9.18, eimFqdn), and polls it
 * on the real-time clock.
 *
 * A card that goes (a scenario ended) takes the ES10 client and the IPAd
 * with it; the next card that links gets new ones.  Link changes are acted
 * on from an event of their own, never inside the transport's callbacks. */
#include "lab/serve_roles.h"
#include "lab/lab.h"
#include "core/err.h"
#include "core/http/http.h"
#include "ipa/apdu_transport.h"
#include "ipa/eim_config.h"
#include "ipa/es10_client.h"
#include "ipa/ipad.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct serve_ipa {
	struct lab *lab;
	struct sgp_pki *pki;
	char ca[4200];
	struct http_tls_cfg tls;
	struct http_client *http;
	struct ipa_apdu_transport *t;
	struct ipa_es10 *es10;		/* while a card is linked */
	struct ipad *ipad;		/* ... and its eIM is known */
	struct event *relink;		/* acts on a link change */
	struct event *retry;		/* reads the eIM address again */
	bool linked;
	unsigned drops, drops_seen;	/* link losses, and those acted on */
	bool fixed_url;			/* --eim given */
	char eim_url[300];
	uint64_t interval_ms;
	unsigned cards;			/* cards linked since start */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ipa ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static const char *const kind_names[] = {
	[IPA_EIM_PKG_NONE] = "nothing",
	[IPA_EIM_PKG_EUICC_PACKAGE] = "an eUICC package",
	[IPA_EIM_PKG_IPA_EUICC_DATA] = "an eUICC data request",
	[IPA_EIM_PKG_DOWNLOAD_TRIGGER] = "a profile download trigger",
};

static void run_done(void *arg, const struct ipad_result *res)
{
	const struct ipa_eim_poll_result *p = &res->poll;

	(void)arg;
	if (res->rc < 0) {
		say("run failed: %s", res->reason[0] ? res->reason : sgp_strerror(res->rc));
		return;
	}
	if (p->outcome == IPA_EIM_POLL_NO_PACKAGE) {
		say("run: no package%s", p->acknowledgements ? " (acknowledgements taken)" : "");
		return;
	}
	say("run: ran %s, result delivered%s%s%s",
	    (unsigned)p->kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[p->kind] : "?",
	    p->download_installed ? ", profile installed" : "",
	    res->rolled_back ? ", rolled back" : "", res->fell_back ? ", fell back" : "");
}

static void ipad_start(struct serve_ipa *si)
{
	struct ipad_cfg cfg = {
		.clock = si->lab->clock, .es10 = si->es10, .http = si->http,
		.eim_url = si->eim_url, .auto_return = true, .done = run_done, .arg = si,
	};
	int rc = ipad_new(&cfg, &si->ipad);

	if (rc == SGP_OK)
		rc = ipad_set_interval(si->ipad, si->interval_ms);
	if (rc == SGP_OK)
		rc = ipad_poll(si->ipad);
	if (rc < 0) {
		const struct timeval again = { (time_t)(si->interval_ms / 1000),
					       (suseconds_t)(si->interval_ms % 1000) * 1000 };

		say("cannot start the IPAd: %s; trying again in %llu s", sgp_strerror(rc),
		    (unsigned long long)(si->interval_ms / 1000));
		ipad_free(si->ipad);
		si->ipad = NULL;
		event_add(si->retry, &again);
	}
}

static void address_done(void *arg, const struct ipa_es10_result *res)
{
	struct serve_ipa *si = arg;
	struct ipa_eim_address a;
	const struct timeval again = { (time_t)(si->interval_ms / 1000),
				       (suseconds_t)(si->interval_ms % 1000) * 1000 };

	if (ipa_eim_address_from_es10(res, &a) < 0) {
		say("no eIM to poll yet: %s; asking the eUICC again in %llu s", a.reason,
		    (unsigned long long)(si->interval_ms / 1000));
		event_add(si->retry, &again);
		return;
	}
	if (ipa_eim_url_from_fqdn(a.eim_fqdn, si->eim_url, sizeof(si->eim_url)) < 0) {
		say("the eUICC's eIM %s has an unusable eimFqdn '%s'; asking again in %llu s",
		    a.eim_id, a.eim_fqdn, (unsigned long long)(si->interval_ms / 1000));
		event_add(si->retry, &again);
		return;
	}
	say("eim %s (eIM %s, from the eUICC's eIM configuration)", si->eim_url, a.eim_id);
	ipad_start(si);
}

static void find_eim(struct serve_ipa *si)
{
	int rc;

	if (si->fixed_url) {
		ipad_start(si);
		return;
	}
	rc = ipa_eim_address_read(si->es10, address_done, si);
	if (rc < 0)
		say("cannot ask the eUICC for its eIM: %s", sgp_strerror(rc));
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve_ipa *si = arg;

	(void)fd; (void)what;
	if (si->es10 && !si->ipad)
		find_eim(si);
}

static void card_gone(struct serve_ipa *si)
{
	event_del(si->retry);
	ipad_free(si->ipad);
	si->ipad = NULL;
	ipa_es10_free(si->es10);
	si->es10 = NULL;
	if (!si->fixed_url)
		si->eim_url[0] = '\0';
}

static void relink_cb(evutil_socket_t fd, short what, void *arg)
{
	struct serve_ipa *si = arg;
	struct ipa_es10_cfg ecfg = { .clock = si->lab->clock };
	int rc;

	(void)fd; (void)what;
	if (si->es10 && si->drops != si->drops_seen) {
		card_gone(si);
		say("card gone");
	}
	si->drops_seen = si->drops;
	if (!si->linked || si->es10)
		return;
	si->cards++;
	say("card linked (%u since start)", si->cards);
	rc = ipa_es10_new(si->t, &ecfg, &si->es10);
	if (rc < 0) {
		say("cannot talk to the card: %s", sgp_strerror(rc));
		return;
	}
	find_eim(si);
}

static void link_cb(void *arg, bool up)
{
	struct serve_ipa *si = arg;

	/* counted: a drop and a relink before relink_cb runs still start
	 * over with a new client (it may be another card) */
	if (!up)
		si->drops++;
	si->linked = up;
	event_active(si->relink, EV_TIMEOUT, 0);
}

int serve_ipa_start(struct lab *lab, const struct serve_ipa_cfg *cfg, struct serve_ipa **out)
{
	struct serve_ipa *si = calloc(1, sizeof(*si));
	struct vpcd_endpoint ep = { .host = cfg->vpcd_host, .port = cfg->vpcd_port,
				    .listen = !cfg->connect, .cat = DIPA };
	struct http_client_cfg hcfg = { .name = "ipa" };
	char path[4096];
	int rc;

	if (!si)
		return SGP_ERR_NOMEM;
	si->lab = lab;
	si->interval_ms = (uint64_t)(cfg->interval_s ? cfg->interval_s : 10) * 1000;
	if (cfg->eim_url) {
		si->fixed_url = true;
		snprintf(si->eim_url, sizeof(si->eim_url), "%s", cfg->eim_url);
	}
	snprintf(path, sizeof(path), "%s/pki", cfg->dir);
	rc = serve_pki_open(path, cfg->curve, 1, NULL, NULL, &si->pki);
	if (rc < 0)
		goto fail;
	snprintf(si->ca, sizeof(si->ca), "%s/ci.pem", path);
	si->tls.ca_file = si->ca;
	hcfg.tls = &si->tls;
	si->http = http_client_new(lab->base, &hcfg, &rc);
	si->relink = event_new(lab->base, -1, 0, relink_cb, si);
	si->retry = evtimer_new(lab->base, retry_cb, si);
	if (!si->http || !si->relink || !si->retry) {
		fprintf(stderr, "sgp32lab serve: cannot set up the IPA: %s\n",
			sgp_strerror(rc < 0 ? rc : SGP_ERR_NOMEM));
		rc = rc < 0 ? rc : SGP_ERR_NOMEM;
		goto fail;
	}
	rc = ipa_transport_vpcd_new(lab->base, &ep, &si->t);
	if (rc < 0) {
		fprintf(stderr, "sgp32lab serve: cannot %s %s:%u for the card: %s\n",
			cfg->connect ? "connect to" : "listen on", cfg->vpcd_host, cfg->vpcd_port,
			sgp_strerror(rc));
		goto fail;
	}
	ipa_transport_vpcd_on_link(si->t, link_cb, si);
	say("vpcd %s:%u", cfg->vpcd_host, ipa_transport_vpcd_port(si->t));
	say("pki %s", path);
	if (si->fixed_url)
		say("eim %s (given)", si->eim_url);
	printf("  ipa: %s the card's APDU socket (vpcd framing); polls the eIM every %llu s\n",
	       cfg->connect ? "connecting to" : "listening for",
	       (unsigned long long)(si->interval_ms / 1000));
	fflush(stdout);
	*out = si;
	return SGP_OK;
fail:
	serve_ipa_stop(si);
	return rc;
}

void serve_ipa_stop(struct serve_ipa *si)
{
	if (!si)
		return;
	card_gone(si);
	ipa_transport_free(si->t);
	if (si->relink)
		event_free(si->relink);
	if (si->retry)
		event_free(si->retry);
	http_client_free(si->http);
	sgp_pki_free(si->pki);
	free(si);
}
