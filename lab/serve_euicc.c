/* sgp32lab: `sgp32lab serve --role euicc` — one eUICC as a card on the vpcd
 * APDU socket (core/apdu): connected to pcscd's vpcd driver, so any PC/SC
 * tool sees it in reader "Virtual PCD 00 00", or listening for a reader
 * (the lab's IPA, `serve --role ipa --vpcd`).  Its PKI lives in DIR/pki,
 * its state in DIR/lab.db. */
#include "lab/serve_roles.h"
#include "lab/lab.h"
#include "core/apdu/vpcd.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"
#include "sim/card.h"
#include "sim/card_vpcd.h"
#include "sim/euicc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* PKI, store, eUICC, its card front end, its socket */
struct serve_euicc {
	struct sgp_pki *pki;
	struct sgp_store *store;
	struct euicc *euicc;
	struct card *card;
	struct card_vpcd *vpcd;
};

static void euicc_link(void *arg, bool up)
{
	(void)arg;
	printf("euicc: reader %s\n", up ? "connected" : "gone");
	fflush(stdout);
}

void serve_euicc_stop(struct serve_euicc *se)
{
	if (!se)
		return;
	card_vpcd_free(se->vpcd);
	card_free(se->card);
	euicc_free(se->euicc);
	sgp_store_close(se->store);
	sgp_pki_free(se->pki);
	free(se);
}

int serve_euicc_start(struct lab *lab, const char *dir, const char *eid, enum sgp_pki_curve curve,
		      const char *hostport, bool listen, struct serve_euicc **out)
{
	struct serve_euicc *se = calloc(1, sizeof(*se));
	struct euicc_cfg cfg = { .eid = eid, .clock = lab->clock };
	struct vpcd_endpoint ep = { .listen = listen, .cat = DEUICC };
	char host[256], path[PATH_MAX + 16], err[256];
	X509 *ci = NULL;
	size_t idx = 0;
	int rc;

	if (!se)
		return SGP_ERR_NOMEM;
	if (lab_parse_hostport(hostport, host, sizeof(host), &ep.port) < 0) {
		fprintf(stderr, "sgp32lab serve: '%s' is not HOST:PORT\n", hostport);
		rc = SGP_ERR_INVAL;
		goto out;
	}
	ep.host = host;
	snprintf(path, sizeof(path), "%s/pki", dir);
	rc = serve_pki_open(path, curve, 0, eid, &idx, &se->pki);
	if (rc < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/lab.db", dir);
	rc = sgp_store_open(&se->store, path, NULL, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sgp32lab serve: cannot open %s: %s\n", path, err);
		goto out;
	}
	ci = sgp_pki_cert(se->pki, SGP_PKI_ROLE_CI);
	cfg.store = se->store;
	cfg.cert_eum = sgp_pki_cert(se->pki, SGP_PKI_ROLE_EUM);
	cfg.ci = &ci;
	cfg.n_ci = ci ? 1 : 0;
	sgp_pki_euicc_get(se->pki, idx, NULL, &cfg.cert_euicc, &cfg.sk_euicc);
	rc = euicc_open(&cfg, &se->euicc);
	if (rc == SGP_OK)
		rc = card_new(se->euicc, &se->card);
	if (rc < 0) {
		fprintf(stderr, "sgp32lab serve: cannot open the eUICC %s: %s\n", eid, sgp_strerror(rc));
		goto out;
	}
	rc = card_vpcd_new(se->card, lab->base, &ep, euicc_link, se, &se->vpcd);
	if (rc < 0) {
		fprintf(stderr, "sgp32lab serve: cannot %s %s: %s\n", listen ? "listen on" : "connect to",
			hostport, sgp_strerror(rc));
		goto out;
	}
	printf("  euicc %s: APDU socket (vpcd framing) %s %s:%u%s\n", eid,
	       listen ? "listening on" : "connecting to", host, card_vpcd_port(se->vpcd),
	       listen ? "" : ", reconnecting when the link drops");
	printf("  euicc state: %s\n", path);
	*out = se;
	return SGP_OK;
out:
	serve_euicc_stop(se);
	return rc;
}
