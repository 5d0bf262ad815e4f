/* sgp32lab: the SM-DS's Event Records (SGP.22 v2.5 section 3.6.1: an
 * Event Record holds the EID, the EventID and the RSP Server address) and
 * its ES11 sessions, in the store's schema "smds". */
#include "smds/smds_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/store/store.h"

#include <stdio.h>
#include <string.h>

static const char *const steps[] = {
	/* 1: Event Records, one per (EID, EventID); sessions of ES11 */
	"CREATE TABLE smds_event ("
	" eid TEXT NOT NULL,"
	" event_id TEXT NOT NULL,"
	" rsp_server_address TEXT NOT NULL,"
	" forwarding_indicator INTEGER NOT NULL,"
	" registered_ms INTEGER NOT NULL,"
	" PRIMARY KEY (eid, event_id));"
	"CREATE TABLE smds_session ("
	" transaction_id BLOB PRIMARY KEY,"
	" server_challenge BLOB NOT NULL,"
	" ci_pkid BLOB NOT NULL,"
	" expires_ms INTEGER NOT NULL);",
};

int smds_events_migrate(struct sgp_store *st)
{
	static const struct sgp_store_schema schema = {
		.name = "smds", .steps = steps, .n_steps = sizeof(steps) / sizeof(steps[0]),
	};

	return sgp_store_migrate(st, &schema);
}

/* ES12.RegisterEvent (5.9.1): a second record for the same EID and EventID
 * is refused with 8.9.5 / 3.3 Already in use. */
int smds_event_register(struct smds *s, const struct smds_event *ev, struct smds_status *st)
{
	struct sgp_stmt *q;
	int rc;

	rc = sgp_store_prepare(s->cfg.store,
			       "INSERT INTO smds_event (eid, event_id, rsp_server_address,"
			       " forwarding_indicator, registered_ms) VALUES (?, ?, ?, ?, ?)", &q);
	if (!rc)
		rc = sgp_stmt_bind_text(q, 1, ev->eid);
	if (!rc)
		rc = sgp_stmt_bind_text(q, 2, ev->event_id);
	if (!rc)
		rc = sgp_stmt_bind_text(q, 3, ev->rsp_server_address);
	if (!rc)
		rc = sgp_stmt_bind_int64(q, 4, ev->forwarding_indicator);
	if (!rc)
		rc = sgp_stmt_bind_int64(q, 5, (int64_t)sgp_clock_now_ms(s->cfg.clock));
	if (!rc)
		rc = sgp_stmt_step(q);
	if (rc == SGP_ERR_EXISTS)
		return smds_fail(st, "8.9.5", "3.3", "Event Record already registered");
	if (rc < 0)
		return rc;
	LOGP(DSMDS, LOGL_INFO, "event %s registered for EID %s (%s)", ev->event_id, ev->eid,
	     ev->rsp_server_address);
	return SGP_OK;
}

/* ES12.DeleteEvent (5.9.2): an unknown (EID, EventID) is 8.9.5 / 3.9. */
int smds_event_delete(struct smds *s, const char *eid, const char *event_id,
		      struct smds_status *st)
{
	struct sgp_stmt *q;
	int rc;

	rc = sgp_store_prepare(s->cfg.store,
			       "DELETE FROM smds_event WHERE eid = ? AND event_id = ?", &q);
	if (!rc)
		rc = sgp_stmt_bind_text(q, 1, eid);
	if (!rc)
		rc = sgp_stmt_bind_text(q, 2, event_id);
	if (!rc)
		rc = sgp_stmt_step(q);
	if (rc < 0)
		return rc;
	if (sgp_store_changes(s->cfg.store) == 0)
		return smds_fail(st, "8.9.5", "3.9", "Event Record unknown");
	LOGP(DSMDS, LOGL_INFO, "event %s deleted for EID %s", event_id, eid);
	return SGP_OK;
}

int smds_events_foreach(struct sgp_store *st, const char *eid, smds_event_fn fn, void *arg)
{
	struct smds_event ev;
	struct sgp_stmt *q;
	int rc;

	if (!st || !fn)
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, eid ?
			       "SELECT eid, event_id, rsp_server_address, forwarding_indicator"
			       " FROM smds_event WHERE eid = ? ORDER BY rowid" :
			       "SELECT eid, event_id, rsp_server_address, forwarding_indicator"
			       " FROM smds_event ORDER BY rowid", &q);
	if (!rc && eid)
		rc = sgp_stmt_bind_text(q, 1, eid);
	while (!rc && (rc = sgp_stmt_step(q)) == SGP_STORE_ROW) {
		memset(&ev, 0, sizeof(ev));
		snprintf(ev.eid, sizeof(ev.eid), "%s", sgp_stmt_column_text(q, 0));
		snprintf(ev.event_id, sizeof(ev.event_id), "%s", sgp_stmt_column_text(q, 1));
		snprintf(ev.rsp_server_address, sizeof(ev.rsp_server_address), "%s",
			 sgp_stmt_column_text(q, 2));
		ev.forwarding_indicator = sgp_stmt_column_int64(q, 3) != 0;
		rc = fn(&ev, arg);
		if (rc) {
			sgp_stmt_reset(q);
			return rc;
		}
	}
	return rc;
}

int smds_session_count(struct sgp_store *st, int64_t *n)
{
	struct sgp_stmt *q;
	int rc;

	if (!st || !n)
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, "SELECT count(*) FROM smds_session", &q);
	if (!rc && (rc = sgp_stmt_step(q)) == SGP_STORE_ROW) {
		*n = sgp_stmt_column_int64(q, 0);
		rc = sgp_stmt_reset(q);
	} else if (rc == SGP_STORE_DONE) {
		rc = SGP_ERR_STORE;
	}
	return rc;
}
