/* sgp32lab: SQLite store: per-role schema migrations
 *
 * The table sgp_schema_version holds one row per schema (role) with the
 * number of its migration steps applied.  Each step runs in one IMMEDIATE
 * transaction with its version bump, so a process killed during a
 * migration restarts at a step boundary, and two processes migrating the
 * same file at once apply each step exactly once. */
#include "core/store/store_int.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"

#define SCHEMA_NAME_MAX	32

static const char sql_version_table[] =
	"CREATE TABLE IF NOT EXISTS sgp_schema_version ("
	" schema TEXT PRIMARY KEY NOT NULL,"
	" version INTEGER NOT NULL CHECK (version >= 0))";
static const char sql_version_table_exists[] =
	"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sgp_schema_version'";
static const char sql_version_get[] =
	"SELECT version FROM sgp_schema_version WHERE schema = ?1";
static const char sql_version_set[] =
	"INSERT OR REPLACE INTO sgp_schema_version (schema, version) VALUES (?1, ?2)";

static bool schema_name_ok(const char *name)
{
	size_t n = 0;

	if (!name || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (; name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
		      name[n] == '_'))
			return false;
	return n <= SCHEMA_NAME_MAX;
}

/* Version of one schema, 0 when absent; the version table must exist. */
static int version_read(struct sgp_store *st, const char *name, int *version)
{
	struct sgp_stmt *s;
	int err;

	err = sgp_store_prepare(st, sql_version_get, &s);
	if (err < 0)
		return err;
	err = sgp_stmt_bind_text(s, 1, name);
	if (err < 0)
		return err;
	err = sgp_stmt_step(s);
	if (err < 0)
		return err;
	*version = 0;
	if (err == SGP_STORE_ROW) {
		int64_t v = sgp_stmt_column_int64(s, 0);
		sgp_stmt_reset(s);
		if (v < 0 || v > 1000000)
			return sgp_store_refuse(st, SGP_ERR_STORE,
						"schema %s: impossible version %lld", name,
						(long long)v);
		*version = (int)v;
	}
	return SGP_OK;
}

int sgp_store_schema_version(struct sgp_store *st, const char *name, int *version)
{
	struct sgp_stmt *s;
	int err;

	if (!st || !version || !schema_name_ok(name))
		return SGP_ERR_INVAL;
	*version = 0;
	/* Read-only stores and fresh files have no version table yet. */
	err = sgp_store_prepare(st, sql_version_table_exists, &s);
	if (err < 0)
		return err;
	err = sgp_stmt_step(s);
	if (err < 0)
		return err;
	if (err == SGP_STORE_DONE)
		return SGP_OK;
	sgp_stmt_reset(s);
	return version_read(st, name, version);
}

static int version_write(struct sgp_store *st, const char *name, int version)
{
	struct sgp_stmt *s;
	int err;

	err = sgp_store_prepare(st, sql_version_set, &s);
	if (err < 0)
		return err;
	if ((err = sgp_stmt_bind_text(s, 1, name)) < 0 ||
	    (err = sgp_stmt_bind_int64(s, 2, version)) < 0)
		return err;
	err = sgp_stmt_step(s);
	return err < 0 ? err : SGP_OK;
}

/* One transaction: read the version under the write lock and apply the
 * next step if there is one.  *done tells the caller to stop. */
static int migrate_one(struct sgp_store *st, const struct sgp_store_schema *schema, bool *done)
{
	char ctx[96];
	int version, err;

	*done = false;
	err = sgp_store_begin(st);
	if (err < 0)
		return err;
	err = sgp_store_exec_ctx(st, sql_version_table, "create sgp_schema_version");
	if (err < 0)
		goto out;
	err = version_read(st, schema->name, &version);
	if (err < 0)
		goto out;
	if ((size_t)version > schema->n_steps) {
		err = sgp_store_refuse(st, SGP_ERR_UNSUPPORTED,
				       "schema %s is at version %d but this build knows %zu "
				       "steps: the database was written by a newer sgp32lab",
				       schema->name, version, schema->n_steps);
		goto out;
	}
	if ((size_t)version == schema->n_steps) {
		*done = true;
		goto out;
	}
	snprintf(ctx, sizeof(ctx), "schema %s: migration step %d of %zu failed",
		 schema->name, version + 1, schema->n_steps);
	if (!schema->steps[version]) {
		err = sgp_store_refuse(st, SGP_ERR_INVAL, "%s: no SQL", ctx);
		goto out;
	}
	err = sgp_store_exec_ctx(st, schema->steps[version], ctx);
	if (err < 0)
		goto out;
	if (sqlite3_get_autocommit(st->db)) {
		/* The step ran COMMIT/ROLLBACK itself: whatever it did is now
		 * outside our control, and the version was not bumped. */
		st->in_tx = false;
		return sgp_store_refuse(st, SGP_ERR_STATE,
					"%s: the step ended the transaction itself", ctx);
	}
	err = version_write(st, schema->name, version + 1);
	if (err < 0)
		goto out;
	err = sgp_store_commit(st);
	if (err == SGP_OK)
		LOGP(DSTORE, LOGL_INFO, "%s: schema %s migrated to version %d",
		     st->path, schema->name, version + 1);
	return err;
out:
	if (err < 0) {
		sgp_store_rollback(st);
		return err;
	}
	/* Up to date: commit, the version table may just have been created. */
	return sgp_store_commit(st);
}

int sgp_store_migrate(struct sgp_store *st, const struct sgp_store_schema *schema)
{
	bool done = false;
	int err = SGP_OK;

	if (!st || !schema || (!schema->steps && schema->n_steps))
		return SGP_ERR_INVAL;
	if (!schema_name_ok(schema->name))
		return sgp_store_refuse(st, SGP_ERR_INVAL,
					"migrate: bad schema name \"%s\" (want [a-z][a-z0-9_]*, "
					"at most %d characters)",
					schema->name ? schema->name : "(null)", SCHEMA_NAME_MAX);
	if (st->in_tx)
		return sgp_store_refuse(st, SGP_ERR_STATE,
					"programming error: migrate inside a transaction");
	while (!done && err == SGP_OK)
		err = migrate_one(st, schema, &done);
	return err;
}
