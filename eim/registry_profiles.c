/* sgp32lab: the eIM's view of each device's profiles and the notifications
 * it received (schema "eim", see registry.c for the tables).
 *
 * The profiles are what the eIM last learned: a listProfileInfo result
 * replaces them all, a successful enable / disable / delete /
 * setFallbackAttribute / unsetFallbackAttribute result changes them as the
 * eUICC did (SGP.32 v1.2 2.11.1.1.3, 3.4). */
#include "eim/registry.h"
#include "eim/registry_int.h"
#include "core/err.h"
#include "core/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(struct sgp_store *st, const char *sql, const char *eid, const char *iccid)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, sql, eid, &s);

	if (!rc && iccid)
		rc = sgp_stmt_bind_text(s, 2, iccid);
	if (!rc)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : 0;
}

static int put(struct sgp_store *st, const char *eid, const struct eim_profile *p)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "INSERT OR REPLACE INTO eim_profile(eid, iccid, state,"
				     " class, nickname, fallback) VALUES(?, ?, ?, ?, ?, ?)", eid, &s);

	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, p->iccid);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 3, p->state);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 4, p->profile_class);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 5, p->nickname[0] ? p->nickname : NULL);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 6, p->fallback ? 1 : 0);
	if (!rc)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int eim_registry_profiles_replace(struct sgp_store *st, const char *eid,
				  const struct eim_profile *v, size_t n)
{
	int rc = run(st, "DELETE FROM eim_profile WHERE eid = ?", eid, NULL);

	for (size_t i = 0; !rc && i < n; i++)
		rc = put(st, eid, &v[i]);
	return rc;
}

int eim_registry_profile_enabled(struct sgp_store *st, const char *eid, const char *iccid)
{
	int rc = run(st, "UPDATE eim_profile SET state = 0 WHERE eid = ?", eid, NULL);

	if (!rc)
		rc = run(st, "INSERT INTO eim_profile(eid, iccid, state) VALUES(?, ?, 1)"
			 " ON CONFLICT(eid, iccid) DO UPDATE SET state = 1", eid, iccid);
	return rc;
}

int eim_registry_profile_disabled(struct sgp_store *st, const char *eid, const char *iccid)
{
	return run(st, "INSERT INTO eim_profile(eid, iccid, state) VALUES(?, ?, 0)"
		   " ON CONFLICT(eid, iccid) DO UPDATE SET state = 0", eid, iccid);
}

int eim_registry_profile_deleted(struct sgp_store *st, const char *eid, const char *iccid)
{
	return run(st, "DELETE FROM eim_profile WHERE eid = ? AND iccid = ?", eid, iccid);
}

int eim_registry_profile_fallback(struct sgp_store *st, const char *eid, const char *iccid)
{
	/* one profile at most carries the Fallback Attribute (SGP.32 3.4.2) */
	int rc = run(st, "UPDATE eim_profile SET fallback = 0 WHERE eid = ?", eid, NULL);

	if (!rc && iccid)
		rc = run(st, "INSERT INTO eim_profile(eid, iccid, state, fallback) VALUES(?, ?, 0, 1)"
			 " ON CONFLICT(eid, iccid) DO UPDATE SET fallback = 1", eid, iccid);
	return rc;
}

int eim_registry_profiles(struct sgp_store *st, const char *eid, struct eim_profile **v,
			  size_t *n)
{
	struct eim_profile *arr = NULL, *tmp;
	struct sgp_stmt *s;
	size_t cnt = 0;
	int rc = eim_reg_prepare_eid(st, "SELECT iccid, state, class, nickname, fallback"
				     " FROM eim_profile WHERE eid = ? ORDER BY iccid", eid, &s);

	*v = NULL;
	*n = 0;
	while (!rc && (rc = sgp_stmt_step(s)) == SGP_STORE_ROW) {
		const char *iccid = sgp_stmt_column_text(s, 0), *nick = sgp_stmt_column_text(s, 3);

		tmp = realloc(arr, (cnt + 1) * sizeof(*arr));
		if (!tmp) {
			sgp_stmt_reset(s);
			rc = SGP_ERR_NOMEM;
			break;
		}
		arr = tmp;
		memset(&arr[cnt], 0, sizeof(arr[cnt]));
		snprintf(arr[cnt].iccid, sizeof(arr[cnt].iccid), "%s", iccid ? iccid : "");
		arr[cnt].state = (int)sgp_stmt_column_int64(s, 1);
		arr[cnt].profile_class = (int)sgp_stmt_column_int64(s, 2);
		snprintf(arr[cnt].nickname, sizeof(arr[cnt].nickname), "%s", nick ? nick : "");
		arr[cnt].fallback = sgp_stmt_column_int64(s, 4) != 0;
		cnt++;
		rc = 0;
	}
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*v = arr;
	*n = cnt;
	return 0;
}

int eim_registry_add_notification(struct sgp_store *st, const char *eid, long seq_number,
				  const uint8_t *der, size_t len, int64_t now)
{
	struct sgp_stmt *s;
	int rc;

	if (!der || !len || seq_number < 0)
		return SGP_ERR_INVAL;
	rc = eim_reg_prepare_eid(st, "INSERT OR IGNORE INTO eim_notification(eid, seq_number, der,"
				 " received) VALUES(?, ?, ?, ?)", eid, &s);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, seq_number);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 3, der, len);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 4, now);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_EXISTS);
}

int eim_registry_count_notifications(struct sgp_store *st, const char *eid, size_t *n)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "SELECT COUNT(*) FROM eim_notification WHERE eid = ?",
				     eid, &s);

	return eim_reg_count(s, rc, n);
}
