/* sgp32lab: the eIM registry's push addresses — where the eIM sends a
 * device's packages with ESipa.TransferEimPackage (SGP.32 v1.2 6.3.2,
 * the IPA's ipaInjectHttps) */
#include "eim/registry.h"
#include "eim/registry_int.h"
#include "core/err.h"
#include "core/store/store.h"

#include <stdio.h>
#include <string.h>

int eim_registry_set_push_url(struct sgp_store *st, const char *eid, const char *url)
{
	struct sgp_stmt *s;
	int rc;

	if (!eid || (url && (!*url || strlen(url) >= EIM_PUSH_URL_MAX)))
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, "UPDATE eim_device SET push_url = ? WHERE eid = ?", &s);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 1, url);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, eid);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_NOTFOUND);
}

int eim_registry_get_push_url(struct sgp_store *st, const char *eid, char *url, size_t size)
{
	struct sgp_stmt *s;
	const char *t;
	int rc;

	if (!eid || !url || !size)
		return SGP_ERR_INVAL;
	url[0] = '\0';
	rc = eim_reg_prepare_eid(st, "SELECT push_url FROM eim_device WHERE eid = ?", eid, &s);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc == SGP_STORE_DONE)
		return SGP_ERR_NOTFOUND;
	if (rc < 0)
		return rc;
	t = sgp_stmt_column_text(s, 0);
	if (t && strlen(t) >= size)
		rc = SGP_ERR_TOOBIG;
	else
		snprintf(url, size, "%s", t ? t : "");
	sgp_stmt_reset(s);
	return rc < 0 ? rc : 0;
}
