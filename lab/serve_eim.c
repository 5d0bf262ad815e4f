/* sgp32lab: `sgp32lab serve --role eim` — the lab's eIM on its own
 * (GSMA issue 6, external roles): a user's IPA, or a test harness, talks
 * to it over ESipa and drives it through the operator API
 * (doc/eim-api.md).  Its state lives in the serve folder: the PKI in
 * DIR/pki (the layout of `sgp32lab pki init`), the registry and packages in
 * DIR/lab.db, both there again at the next start. */
#include "lab/serve_roles.h"
#include "lab/eim_host.h"
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_pki.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>

struct serve_eim {
	struct sgp_pki *pki;
	struct lab_eim_host h;
};

int serve_eim_start(struct lab *lab, const char *dir, enum sgp_pki_curve curve,
		    unsigned devices, const char *esipa_host, uint16_t esipa_port,
		    const char *api_host, uint16_t api_port, struct serve_eim **out)
{
	struct serve_eim *se = calloc(1, sizeof(*se));
	char path[4096], err[512] = "", url[400];
	struct sgp_store *store;
	int rc;

	if (!se)
		return SGP_ERR_NOMEM;
	snprintf(path, sizeof(path), "%s/pki", dir);
	rc = serve_pki_open(path, curve, devices, NULL, NULL, &se->pki);
	if (rc < 0)
		goto fail;
	store = lab_store(lab, err, sizeof(err));
	if (!store) {
		fprintf(stderr, "sgp32lab serve: cannot open %s/lab.db: %s\n", dir, err);
		rc = SGP_ERR_IO;
		goto fail;
	}
	rc = lab_eim_host_start(&se->h, lab->base, store, lab->clock, se->pki, path, LAB_EIM_ID,
				esipa_host, esipa_port, err, sizeof(err));
	if (rc == SGP_OK)
		rc = lab_eim_host_api(&se->h, lab, api_host, api_port, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sgp32lab serve: %s\n", err);
		goto fail;
	}
	lab_eim_host_url(&se->h, url, sizeof(url));
	printf("eim id %s\n", LAB_EIM_ID);
	printf("eim esipa %s\n", url);
	printf("eim api https://%s:%u/api/v1\n", api_host, lab_eim_host_api_port(&se->h));
	printf("eim pki %s\n", path);
	printf("  eim state: %s/lab.db\n", dir);
	fflush(stdout);
	*out = se;
	return SGP_OK;
fail:
	serve_eim_stop(se);
	return rc;
}

void serve_eim_stop(struct serve_eim *se)
{
	if (!se)
		return;
	lab_eim_host_stop(&se->h);
	sgp_pki_free(se->pki);
	free(se);
}
