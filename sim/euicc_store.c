/* sgp32lab: the eUICC model — persistent state in the lab store
 *
 * Schema "euicc".  Every row carries the EID, so one database holds a
 * fleet.  ICCIDs are stored as their 10-byte Iccid encoding. */
#include "sim/euicc_int.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/store/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const euicc_schema_steps[] = {
	/* v1 */
	"CREATE TABLE euicc_card ("
	"  eid TEXT PRIMARY KEY,"
	"  default_smdp TEXT NOT NULL DEFAULT '',"
	"  root_smds TEXT NOT NULL DEFAULT '',"
	"  next_seq INTEGER NOT NULL DEFAULT 1,"
	"  next_isdp INTEGER NOT NULL DEFAULT 1,"
	"  fallback_iccid BLOB,"
	"  rollback_iccid BLOB,"
	"  immediate_enable INTEGER NOT NULL DEFAULT 0,"
	"  immediate_smdp TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE euicc_profile ("
	"  eid TEXT NOT NULL REFERENCES euicc_card(eid) ON DELETE CASCADE,"
	"  iccid BLOB NOT NULL,"
	"  isdp_aid BLOB NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  class INTEGER NOT NULL DEFAULT 2,"
	"  nickname TEXT NOT NULL DEFAULT '',"
	"  spn TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL DEFAULT '',"
	"  ppr INTEGER NOT NULL DEFAULT 0,"
	"  fallback INTEGER NOT NULL DEFAULT 0,"
	"  metadata BLOB NOT NULL,"
	"  package BLOB NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  PRIMARY KEY (eid, iccid));"
	"CREATE UNIQUE INDEX euicc_profile_aid ON euicc_profile(eid, isdp_aid);"
	"CREATE TABLE euicc_notification ("
	"  eid TEXT NOT NULL REFERENCES euicc_card(eid) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  event INTEGER NOT NULL,"
	"  address TEXT NOT NULL,"
	"  iccid BLOB,"
	"  data BLOB NOT NULL,"
	"  PRIMARY KEY (eid, seq));"
	"CREATE TABLE euicc_eim ("
	"  eid TEXT NOT NULL REFERENCES euicc_card(eid) ON DELETE CASCADE,"
	"  eim_id TEXT NOT NULL,"
	"  counter INTEGER NOT NULL DEFAULT 0,"
	"  config BLOB NOT NULL,"
	"  PRIMARY KEY (eid, eim_id));",
	/* v2: SGP.32 state beside the card record (sgp32_state.c) */
	"CREATE TABLE euicc_sgp32 ("
	"  eid TEXT PRIMARY KEY REFERENCES euicc_card(eid) ON DELETE CASCADE,"
	"  next_token INTEGER NOT NULL DEFAULT 1,"
	"  rollback_epr BLOB,"
	"  emergency_return BLOB);",
};

int euicc_store_migrate(struct sgp_store *st)
{
	static const struct sgp_store_schema schema = {
		.name = "euicc",
		.steps = euicc_schema_steps,
		.n_steps = sizeof(euicc_schema_steps) / sizeof(euicc_schema_steps[0]),
	};
	return sgp_store_migrate(st, &schema);
}

/* Prepare sql and bind the EID as parameter 1. */
static int prep(struct euicc *e, const char *sql, struct sgp_stmt **s)
{
	int rc = sgp_store_prepare(e->store, sql, s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(*s, 1, e->eid);
	return rc;
}

/* Run a statement that returns no rows. */
static int run(struct sgp_stmt *s)
{
	int rc = sgp_stmt_step(s);
	return rc < 0 ? rc : SGP_OK;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void copy_iccid(struct sgp_stmt *s, int col, uint8_t dst[10], bool *has)
{
	size_t len = 0;
	const void *p = sgp_stmt_column_blob(s, col, &len);

	*has = p && len == 10;
	if (*has)
		memcpy(dst, p, 10);
}

int euicc_card_create(struct euicc *e, const char *default_smdp, const char *root_smds)
{
	struct sgp_stmt *s;
	int rc = prep(e, "INSERT INTO euicc_card (eid, default_smdp, root_smds) VALUES (?1, ?2, ?3)", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 2, default_smdp ? default_smdp : "");
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 3, root_smds ? root_smds : "");
	return rc == SGP_OK ? run(s) : rc;
}

int euicc_card_get(struct euicc *e, struct euicc_card *c)
{
	struct sgp_stmt *s;
	int rc = prep(e, "SELECT default_smdp, root_smds, next_seq, next_isdp, fallback_iccid, "
		      "rollback_iccid, immediate_enable, immediate_smdp FROM euicc_card WHERE eid = ?1", &s);

	if (rc < 0)
		return rc;
	rc = sgp_stmt_step(s);
	if (rc <= 0)
		return rc == 0 ? SGP_ERR_NOTFOUND : rc;
	memset(c, 0, sizeof(*c));
	copy_text(c->default_smdp, sizeof(c->default_smdp), sgp_stmt_column_text(s, 0));
	copy_text(c->root_smds, sizeof(c->root_smds), sgp_stmt_column_text(s, 1));
	c->next_seq = sgp_stmt_column_int64(s, 2);
	c->next_isdp = sgp_stmt_column_int64(s, 3);
	copy_iccid(s, 4, c->fallback_iccid, &c->has_fallback);
	copy_iccid(s, 5, c->rollback_iccid, &c->has_rollback);
	c->immediate_enable = sgp_stmt_column_int64(s, 6) != 0;
	copy_text(c->immediate_smdp, sizeof(c->immediate_smdp), sgp_stmt_column_text(s, 7));
	sgp_stmt_reset(s);
	return SGP_OK;
}

static int bind_opt_iccid(struct sgp_stmt *s, int idx, bool has, const uint8_t *iccid)
{
	return has ? sgp_stmt_bind_blob(s, idx, iccid, 10) : sgp_stmt_bind_null(s, idx);
}

int euicc_card_put(struct euicc *e, const struct euicc_card *c)
{
	struct sgp_stmt *s;
	int rc = prep(e, "UPDATE euicc_card SET default_smdp = ?2, root_smds = ?3, next_seq = ?4, "
		      "next_isdp = ?5, fallback_iccid = ?6, rollback_iccid = ?7, immediate_enable = ?8, "
		      "immediate_smdp = ?9 WHERE eid = ?1", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 2, c->default_smdp);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 3, c->root_smds);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 4, c->next_seq);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 5, c->next_isdp);
	if (rc == SGP_OK)
		rc = bind_opt_iccid(s, 6, c->has_fallback, c->fallback_iccid);
	if (rc == SGP_OK)
		rc = bind_opt_iccid(s, 7, c->has_rollback, c->rollback_iccid);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 8, c->immediate_enable);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 9, c->immediate_smdp);
	return rc == SGP_OK ? run(s) : rc;
}

int euicc_card_next_seq(struct euicc *e, uint32_t *seq)
{
	struct euicc_card c;
	int rc = euicc_card_get(e, &c);

	if (rc < 0)
		return rc;
	if (c.next_seq < 1 || c.next_seq > INT32_MAX)
		return SGP_ERR_STATE;
	*seq = (uint32_t)c.next_seq;
	c.next_seq++;
	return euicc_card_put(e, &c);
}

int euicc_card_next_isdp_aid(struct euicc *e, uint8_t aid[16], size_t *len)
{
	/* ISD-P AIDs as in SGP.02 / SGP.22 examples: A0000005591010FFFFFFFF8900001N00 */
	static const uint8_t prefix[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					  0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00 };
	struct euicc_card c;
	int rc = euicc_card_get(e, &c);

	if (rc < 0)
		return rc;
	if (c.next_isdp < 1 || c.next_isdp > 0xfff)
		return SGP_ERR_STATE;	/* the ISD-P number space is spent */
	memcpy(aid, prefix, sizeof(prefix));
	aid[14] = (uint8_t)(0x10 + (c.next_isdp >> 8));
	aid[15] = (uint8_t)c.next_isdp;
	*len = 16;
	c.next_isdp++;
	return euicc_card_put(e, &c);
}

/* --- profiles --- */

#define PROFILE_COLS "iccid, isdp_aid, state, class, nickname, spn, name, ppr, fallback, metadata, package"

static int profile_row(struct sgp_stmt *s, struct euicc_profile *p)
{
	size_t len = 0;
	const void *b;
	int rc;

	memset(p, 0, sizeof(*p));
	b = sgp_stmt_column_blob(s, 0, &len);
	if (!b || len != 10)
		return SGP_ERR_STORE;
	memcpy(p->iccid, b, 10);
	if (sgp_iccid_from_bcd(p->iccid, 10, p->iccid_text) < 0)
		p->iccid_text[0] = '\0';
	b = sgp_stmt_column_blob(s, 1, &len);
	if (!b || len > sizeof(p->isdp_aid))
		return SGP_ERR_STORE;
	memcpy(p->isdp_aid, b, len);
	p->isdp_aid_len = len;
	p->state = (int)sgp_stmt_column_int64(s, 2);
	p->profile_class = (int)sgp_stmt_column_int64(s, 3);
	copy_text(p->nickname, sizeof(p->nickname), sgp_stmt_column_text(s, 4));
	copy_text(p->service_provider_name, sizeof(p->service_provider_name), sgp_stmt_column_text(s, 5));
	copy_text(p->profile_name, sizeof(p->profile_name), sgp_stmt_column_text(s, 6));
	p->ppr = (uint32_t)sgp_stmt_column_int64(s, 7);
	p->fallback = sgp_stmt_column_int64(s, 8) != 0;
	rc = sgp_stmt_column_buf(s, 9, &p->metadata);
	if (rc == SGP_OK)
		rc = sgp_stmt_column_buf(s, 10, &p->package);
	if (rc < 0)
		euicc_profile_release(p);
	return rc;
}

void euicc_profile_release(struct euicc_profile *p)
{
	sgp_buf_free(&p->metadata);
	sgp_buf_free(&p->package);
}

/* Run a query that yields at most one profile. */
static int profile_one(struct sgp_stmt *s, struct euicc_profile *out)
{
	int rc = sgp_stmt_step(s);

	if (rc <= 0)
		return rc == 0 ? SGP_ERR_NOTFOUND : rc;
	rc = profile_row(s, out);
	sgp_stmt_reset(s);
	return rc;
}

int euicc_profile_get(struct euicc *e, const uint8_t iccid[10], struct euicc_profile *out)
{
	struct sgp_stmt *s;
	int rc = prep(e, "SELECT " PROFILE_COLS " FROM euicc_profile WHERE eid = ?1 AND iccid = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 2, iccid, 10);
	return rc == SGP_OK ? profile_one(s, out) : rc;
}

int euicc_profile_get_by_aid(struct euicc *e, const uint8_t *aid, size_t len,
			     struct euicc_profile *out)
{
	struct sgp_stmt *s;
	int rc = prep(e, "SELECT " PROFILE_COLS " FROM euicc_profile WHERE eid = ?1 AND isdp_aid = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 2, aid, len);
	return rc == SGP_OK ? profile_one(s, out) : rc;
}

int euicc_profile_get_enabled(struct euicc *e, struct euicc_profile *out)
{
	struct sgp_stmt *s;
	int rc = prep(e, "SELECT " PROFILE_COLS " FROM euicc_profile WHERE eid = ?1 AND state = 1", &s);

	return rc == SGP_OK ? profile_one(s, out) : rc;
}

int euicc_profile_find(struct euicc *e, const char *iccid_text, struct euicc_profile *out)
{
	uint8_t iccid[10];

	if (sgp_iccid_to_bcd(iccid_text, iccid) < 0)
		return SGP_ERR_INVAL;
	return euicc_profile_get(e, iccid, out);
}

int euicc_profile_list(struct euicc *e, struct euicc_profile **out, size_t *n)
{
	struct euicc_profile *v = NULL;
	struct sgp_stmt *s;
	size_t count = 0;
	int rc = prep(e, "SELECT " PROFILE_COLS " FROM euicc_profile WHERE eid = ?1 ORDER BY seq", &s);

	*out = NULL;
	*n = 0;
	while (rc == SGP_OK && (rc = sgp_stmt_step(s)) == 1) {
		struct euicc_profile *nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			rc = SGP_ERR_NOMEM;
			break;
		}
		v = nv;
		rc = profile_row(s, &v[count]);
		if (rc == SGP_OK)
			count++;
	}
	sgp_stmt_reset(s);
	if (rc < 0) {
		for (size_t i = 0; i < count; i++)
			euicc_profile_release(&v[i]);
		free(v);
		return rc;
	}
	*out = v;
	*n = count;
	return SGP_OK;
}

int euicc_profile_put(struct euicc *e, const struct euicc_profile *p)
{
	struct sgp_stmt *s;
	int rc = prep(e, "INSERT INTO euicc_profile (eid, " PROFILE_COLS ", seq) VALUES "
		      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		      " COALESCE((SELECT seq FROM euicc_profile WHERE eid = ?1 AND iccid = ?2),"
		      "          (SELECT COALESCE(MAX(seq), 0) + 1 FROM euicc_profile WHERE eid = ?1))) "
		      "ON CONFLICT (eid, iccid) DO UPDATE SET isdp_aid = ?3, state = ?4, class = ?5, "
		      "nickname = ?6, spn = ?7, name = ?8, ppr = ?9, fallback = ?10, metadata = ?11, "
		      "package = ?12", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 2, p->iccid, 10);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 3, p->isdp_aid, p->isdp_aid_len);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 4, p->state);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 5, p->profile_class);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 6, p->nickname);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 7, p->service_provider_name);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 8, p->profile_name);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 9, p->ppr);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 10, p->fallback);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 11, p->metadata.data, p->metadata.len);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 12, p->package.data, p->package.len);
	return rc == SGP_OK ? run(s) : rc;
}

int euicc_profile_set_state(struct euicc *e, const uint8_t iccid[10], int state)
{
	struct sgp_stmt *s;
	int rc = prep(e, "UPDATE euicc_profile SET state = ?3 WHERE eid = ?1 AND iccid = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 2, iccid, 10);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 3, state);
	if (rc == SGP_OK)
		rc = run(s);
	if (rc == SGP_OK && sgp_store_changes(e->store) != 1)
		rc = SGP_ERR_NOTFOUND;
	return rc;
}

int euicc_profile_delete(struct euicc *e, const uint8_t iccid[10])
{
	struct sgp_stmt *s;
	int rc = prep(e, "DELETE FROM euicc_profile WHERE eid = ?1 AND iccid = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 2, iccid, 10);
	if (rc == SGP_OK)
		rc = run(s);
	if (rc == SGP_OK && sgp_store_changes(e->store) != 1)
		rc = SGP_ERR_NOTFOUND;
	return rc;
}

int euicc_store_wipe_profiles(struct euicc *e)
{
	struct sgp_stmt *s;
	int rc = prep(e, "DELETE FROM euicc_profile WHERE eid = ?1", &s);

	return rc == SGP_OK ? run(s) : rc;
}

/* --- notifications --- */

void euicc_notification_release(struct euicc_notification *n)
{
	sgp_buf_free(&n->data);
}

int euicc_notification_add(struct euicc *e, int kind, int event, const char *address,
			   const uint8_t *iccid, const uint8_t *data, size_t len, uint32_t seq)
{
	struct sgp_stmt *s;
	int rc = prep(e, "INSERT INTO euicc_notification (eid, seq, kind, event, address, iccid, data) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 2, seq);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 3, kind);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 4, event);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 5, address ? address : "");
	if (rc == SGP_OK)
		rc = iccid ? sgp_stmt_bind_blob(s, 6, iccid, 10) : sgp_stmt_bind_null(s, 6);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 7, data, len);
	return rc == SGP_OK ? run(s) : rc;
}

int euicc_notification_remove(struct euicc *e, uint32_t seq)
{
	struct sgp_stmt *s;
	int rc = prep(e, "DELETE FROM euicc_notification WHERE eid = ?1 AND seq = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 2, seq);
	if (rc == SGP_OK)
		rc = run(s);
	if (rc == SGP_OK && sgp_store_changes(e->store) != 1)
		rc = SGP_ERR_NOTFOUND;
	return rc;
}

int euicc_notification_list(struct euicc *e, struct euicc_notification **out, size_t *n)
{
	struct euicc_notification *v = NULL;
	struct sgp_stmt *s;
	size_t count = 0;
	int rc = prep(e, "SELECT seq, kind, event, address, iccid, data FROM euicc_notification "
		      "WHERE eid = ?1 ORDER BY seq", &s);

	*out = NULL;
	*n = 0;
	while (rc == SGP_OK && (rc = sgp_stmt_step(s)) == 1) {
		struct euicc_notification *nv = realloc(v, (count + 1) * sizeof(*v)), *x;
		if (!nv) {
			rc = SGP_ERR_NOMEM;
			break;
		}
		v = nv;
		x = &v[count];
		memset(x, 0, sizeof(*x));
		x->seq = (uint32_t)sgp_stmt_column_int64(s, 0);
		x->kind = (int)sgp_stmt_column_int64(s, 1);
		x->event = (int)sgp_stmt_column_int64(s, 2);
		copy_text(x->address, sizeof(x->address), sgp_stmt_column_text(s, 3));
		copy_iccid(s, 4, x->iccid, &x->has_iccid);
		rc = sgp_stmt_column_buf(s, 5, &x->data);
		if (rc == SGP_OK)
			count++;
	}
	sgp_stmt_reset(s);
	if (rc < 0) {
		for (size_t i = 0; i < count; i++)
			euicc_notification_release(&v[i]);
		free(v);
		return rc;
	}
	*out = v;
	*n = count;
	return SGP_OK;
}

/* --- eIM associations --- */

void euicc_eim_release(struct euicc_eim *m)
{
	sgp_buf_free(&m->config);
}

int euicc_eim_get(struct euicc *e, const char *eim_id, struct euicc_eim *out)
{
	struct sgp_stmt *s;
	int rc = prep(e, "SELECT eim_id, counter, config FROM euicc_eim WHERE eid = ?1 AND eim_id = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 2, eim_id);
	if (rc < 0)
		return rc;
	rc = sgp_stmt_step(s);
	if (rc <= 0)
		return rc == 0 ? SGP_ERR_NOTFOUND : rc;
	memset(out, 0, sizeof(*out));
	copy_text(out->eim_id, sizeof(out->eim_id), sgp_stmt_column_text(s, 0));
	out->counter = sgp_stmt_column_int64(s, 1);
	rc = sgp_stmt_column_buf(s, 2, &out->config);
	sgp_stmt_reset(s);
	return rc;
}

int euicc_eim_put(struct euicc *e, const struct euicc_eim *m)
{
	struct sgp_stmt *s;
	int rc = prep(e, "INSERT INTO euicc_eim (eid, eim_id, counter, config) VALUES (?1, ?2, ?3, ?4) "
		      "ON CONFLICT (eid, eim_id) DO UPDATE SET counter = ?3, config = ?4", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 2, m->eim_id);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 3, m->counter);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_blob(s, 4, m->config.data, m->config.len);
	return rc == SGP_OK ? run(s) : rc;
}

int euicc_eim_delete(struct euicc *e, const char *eim_id)
{
	struct sgp_stmt *s;
	int rc = prep(e, "DELETE FROM euicc_eim WHERE eid = ?1 AND eim_id = ?2", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 2, eim_id);
	if (rc == SGP_OK)
		rc = run(s);
	if (rc == SGP_OK && sgp_store_changes(e->store) != 1)
		rc = SGP_ERR_NOTFOUND;
	return rc;
}

int euicc_eim_list(struct euicc *e, struct euicc_eim **out, size_t *n)
{
	struct euicc_eim *v = NULL;
	struct sgp_stmt *s;
	size_t count = 0;
	int rc = prep(e, "SELECT eim_id, counter, config FROM euicc_eim WHERE eid = ?1 ORDER BY eim_id", &s);

	*out = NULL;
	*n = 0;
	while (rc == SGP_OK && (rc = sgp_stmt_step(s)) == 1) {
		struct euicc_eim *nv = realloc(v, (count + 1) * sizeof(*v));
		if (!nv) {
			rc = SGP_ERR_NOMEM;
			break;
		}
		v = nv;
		memset(&v[count], 0, sizeof(v[count]));
		copy_text(v[count].eim_id, sizeof(v[count].eim_id), sgp_stmt_column_text(s, 0));
		v[count].counter = sgp_stmt_column_int64(s, 1);
		rc = sgp_stmt_column_buf(s, 2, &v[count].config);
		if (rc == SGP_OK)
			count++;
	}
	sgp_stmt_reset(s);
	if (rc < 0) {
		for (size_t i = 0; i < count; i++)
			euicc_eim_release(&v[i]);
		free(v);
		return rc;
	}
	*out = v;
	*n = count;
	return SGP_OK;
}
