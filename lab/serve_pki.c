/* sgp32lab: the PKI of a role served on its own (`sgp32lab serve --role
 * eim|ipa`): DIR/pki, generated on first start so that a scenario can load
 * it too (`pki load dir=DIR/pki`), loaded on the next. */
#include "lab/serve_roles.h"
#include "lab/lab_pki.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The index of eid's certificate in pki, added (and the PKI saved) when
 * missing. */
static int ensure_euicc(struct sgp_pki *pki, const char *path, const char *eid, size_t *idx)
{
	size_t n = sgp_pki_euicc_count(pki), i;
	const char *e;
	int rc;

	for (i = 0; i < n; i++)
		if (sgp_pki_euicc_get(pki, i, &e, NULL, NULL) == SGP_OK && !strcmp(e, eid))
			break;
	*idx = i;
	if (i < n)
		return SGP_OK;
	rc = sgp_pki_add_euicc(pki, eid);
	if (rc == SGP_OK)
		rc = sgp_pki_save(pki, path, true);
	if (rc < 0)
		fprintf(stderr, "sgp32lab serve: cannot add an eUICC certificate for %s: %s\n", eid,
			sgp_strerror(rc));
	else
		printf("  eUICC certificate for %s added to %s\n", eid, path);
	return rc;
}

int serve_pki_open(const char *path, enum sgp_pki_curve curve, unsigned devices,
		   const char *eid, size_t *eid_idx, struct sgp_pki **out)
{
	char ci[4200];
	char (*eids)[SGP_EID_LEN + 1] = NULL;
	const char **list = NULL;
	int rc;

	snprintf(ci, sizeof(ci), "%s/ci.pem", path);
	if (access(ci, F_OK) == 0) {
		rc = sgp_pki_load(path, curve, out);
		if (rc < 0)
			fprintf(stderr, "sgp32lab serve: cannot load the lab PKI in %s: %s\n", path,
				sgp_strerror(rc));
		goto euicc;
	}
	eids = calloc(devices ? devices : 1, sizeof(*eids));
	list = calloc(devices ? devices : 1, sizeof(*list));
	if (!eids || !list) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	for (unsigned i = 0; i < devices; i++) {
		lab_device_eid(i + 1, eids[i]);
		list[i] = eids[i];
	}
	{
		struct sgp_pki_gen_opts o = {
			.curve = curve, .eids = list, .n_eids = devices,
			.not_before = lab_pki_not_before(),
		};

		rc = sgp_pki_generate(&o, out);
	}
	if (rc == SGP_OK)
		rc = sgp_pki_save(*out, path, false);
	if (rc == SGP_OK && devices)
		printf("  new lab PKI (%s, eUICC certificates of devices 1..%u) in %s\n",
		       sgp_pki_curve_name(curve), devices, path);
	else if (rc == SGP_OK)
		printf("  new lab PKI (%s) in %s\n", sgp_pki_curve_name(curve), path);
out:
	if (rc < 0)
		fprintf(stderr, "sgp32lab serve: cannot create the lab PKI in %s: %s\n", path,
			sgp_strerror(rc));
	free(eids);
	free(list);
euicc:
	if (rc == SGP_OK && eid)
		rc = ensure_euicc(*out, path, eid, eid_idx);
	return rc;
}
