/* sgp32lab: unit tests for core/store (SQLite layer) */
#include "core/err.h"
#include "core/log.h"
#include "core/store/store.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- fixture: a fresh temp directory per test, under one base directory
 * that the runner removes after the test case even when a test failed
 * (a failing test exits before its checked teardown) --- */

static char basedir[200];
static char tdir[256];
static char last_log[1024];

static void capture_log(enum log_cat cat, enum log_level level, const char *line, void *arg)
{
	if (cat == DSTORE && level >= LOGL_NOTICE)
		snprintf(last_log, sizeof(last_log), "%s", line);
}

static int chmod_dirs(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	if (type == FTW_D)
		chmod(p, 0700);
	return 0;
}

static int remove_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	return remove(p);
}

static int remove_tree(const char *dir)
{
	nftw(dir, chmod_dirs, 16, FTW_PHYS);
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void base_setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(basedir, sizeof(basedir), "%s/sgpstore-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(basedir));
}

static void base_teardown(void)
{
	ck_assert_int_eq(remove_tree(basedir), 0);
}

static void setup(void)
{
	snprintf(tdir, sizeof(tdir), "%s/t-XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	log_set_deterministic(true);
	log_set_level(DSTORE, LOGL_NOTICE);
	log_set_sink(capture_log, NULL);
	last_log[0] = '\0';
}

static void teardown(void)
{
	log_set_sink(NULL, NULL);
	ck_assert_int_eq(remove_tree(tdir), 0);
}

static const char *tpath(const char *name)
{
	static char p[4][512];
	static int n;

	n = (n + 1) % 4;
	snprintf(p[n], sizeof(p[n]), "%s/%s", tdir, name);
	return p[n];
}

static struct sgp_store *open_ok(const char *path, unsigned timeout_ms)
{
	struct sgp_store_opts o = { .busy_timeout_ms = timeout_ms };
	struct sgp_store *st = NULL;
	char e[256];
	int err = sgp_store_open(&st, path, &o, e, sizeof(e));

	ck_assert_msg(err == SGP_OK, "open %s: %d %s", path, err, e);
	ck_assert_ptr_nonnull(st);
	return st;
}

/* First column of the first row of sql as an integer. */
static int64_t q_int(struct sgp_store *st, const char *sql)
{
	struct sgp_stmt *s;
	int64_t v;

	ck_assert_int_eq(sgp_store_prepare(st, sql, &s), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(s), SGP_STORE_ROW);
	v = sgp_stmt_column_int64(s, 0);
	ck_assert_int_eq(sgp_stmt_reset(s), SGP_OK);
	return v;
}

static void q_text(struct sgp_store *st, const char *sql, char *out, size_t outlen)
{
	struct sgp_stmt *s;
	const char *v;

	ck_assert_int_eq(sgp_store_prepare(st, sql, &s), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(s), SGP_STORE_ROW);
	v = sgp_stmt_column_text(s, 0);
	snprintf(out, outlen, "%s", v ? v : "(null)");
	sgp_stmt_reset(s);
}

static int insert_kv(struct sgp_store *st, int64_t k, const char *v)
{
	struct sgp_stmt *s;
	int err;

	if ((err = sgp_store_prepare(st, "INSERT INTO kv (k, v) VALUES (?1, ?2)", &s)) < 0 ||
	    (err = sgp_stmt_bind_int64(s, 1, k)) < 0 || (err = sgp_stmt_bind_text(s, 2, v)) < 0)
		return err;
	err = sgp_stmt_step(s);
	return err < 0 ? err : SGP_OK;
}

static const char *const kv_steps[] = {
	"CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)",
};
static const struct sgp_store_schema kv_schema = { "test", kv_steps, 1 };

/* --- open and connection settings --- */

START_TEST(test_open_memory)
{
	struct sgp_store *st = NULL;
	char v[32];

	ck_assert_int_eq(sgp_store_open(NULL, ":memory:", NULL, NULL, 0), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_store_open(&st, NULL, NULL, NULL, 0), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_store_open(&st, "", NULL, NULL, 0), SGP_ERR_INVAL);
	st = open_ok(SGP_STORE_MEMORY, 0);
	ck_assert_str_eq(sgp_store_errmsg(st), "");
	q_text(st, "PRAGMA journal_mode", v, sizeof(v));
	ck_assert_str_eq(v, "memory");
	ck_assert_int_eq(q_int(st, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(q_int(st, "PRAGMA busy_timeout"), SGP_STORE_BUSY_TIMEOUT_DEFAULT_MS);
	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	ck_assert_int_eq(insert_kv(st, 1, "one"), SGP_OK);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 1);
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_OK);
	sgp_store_close(st);
	sgp_store_close(NULL);

	/* Every ":memory:" open is its own empty database. */
	st = open_ok(SGP_STORE_MEMORY, 0);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM sqlite_master"), 0);
	sgp_store_close(st);
}
END_TEST

START_TEST(test_open_file_settings)
{
	const char *path = tpath("lab.db");
	struct sgp_store *st = open_ok(path, 1234);
	char v[32];
	int err;

	q_text(st, "PRAGMA journal_mode", v, sizeof(v));
	ck_assert_str_eq(v, "wal");
	ck_assert_int_eq(q_int(st, "PRAGMA synchronous"), 2);	/* FULL */
	ck_assert_int_eq(q_int(st, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(q_int(st, "PRAGMA busy_timeout"), 1234);

	/* Foreign keys are enforced. */
	ck_assert_int_eq(sgp_store_exec(st, "CREATE TABLE p (id INTEGER PRIMARY KEY);"
				       "CREATE TABLE c (pid INTEGER NOT NULL REFERENCES p(id))"),
			 SGP_OK);
	err = sgp_store_exec(st, "INSERT INTO c VALUES (42)");
	ck_assert_int_eq(err, SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "FOREIGN KEY constraint failed"));
	ck_assert_ptr_nonnull(strstr(last_log, "FOREIGN KEY constraint failed"));
	ck_assert_ptr_nonnull(strstr(last_log, "DSTORE ERROR"));
	ck_assert_int_eq(sgp_store_exec(st, "INSERT INTO p VALUES (42); INSERT INTO c VALUES (42)"),
			 SGP_OK);
	ck_assert_int_eq(sgp_store_exec(st, "this is not SQL"), SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "syntax error"));
	sgp_store_close(st);

	/* Data and WAL mode persist. */
	st = open_ok(path, 0);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM c"), 1);
	q_text(st, "PRAGMA journal_mode", v, sizeof(v));
	ck_assert_str_eq(v, "wal");
	sgp_store_close(st);
}
END_TEST

/* --- prepared statements --- */

START_TEST(test_stmt_binds)
{
	static const uint8_t blob[] = { 0x00, 0xbf, 0x2e, 0x00, 0xff };
	struct sgp_store *st = open_ok(SGP_STORE_MEMORY, 0);
	struct sgp_buf b = SGP_BUF_INIT;
	struct sgp_stmt *ins, *ins2, *sel;
	const char *sql_ins = "INSERT INTO t (id, i, s, b) VALUES (?1, ?2, ?3, ?4)";
	const void *p;
	size_t len;

	ck_assert_int_eq(sgp_store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER,"
				       " s TEXT, b BLOB)"), SGP_OK);
	ck_assert_int_eq(sgp_store_prepare(st, sql_ins, &ins), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 1, 1), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 2, INT64_MIN), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_text(ins, 3, "eUICC \xc3\xa9t\xc3\xa9"), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_blob(ins, 4, blob, sizeof(blob)), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(ins), SGP_STORE_DONE);
	ck_assert_int_eq(sgp_store_changes(st), 1);
	ck_assert_int_eq(sgp_store_last_insert_rowid(st), 1);

	/* Same SQL text: the cached statement, bindings cleared. */
	ck_assert_int_eq(sgp_store_prepare(st, sql_ins, &ins2), SGP_OK);
	ck_assert_ptr_eq(ins, ins2);
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 1, 2), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 2, INT64_MAX), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_blob(ins, 4, NULL, 0), SGP_OK);	/* empty, not NULL */
	ck_assert_int_eq(sgp_stmt_step(ins), SGP_STORE_DONE);
	ck_assert_int_eq(sgp_store_prepare(st, sql_ins, &ins), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 1, 3), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_text(ins, 3, NULL), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_null(ins, 4), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(ins), SGP_STORE_DONE);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM t WHERE i IS NULL AND s IS NULL"
			       " AND b IS NULL AND id = 3"), 1);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM t WHERE typeof(b) = 'blob'"
			       " AND length(b) = 0 AND s IS NULL AND id = 2"), 1);

	ck_assert_int_eq(sgp_store_prepare(st, "SELECT i, s, b FROM t WHERE id = ?1", &sel), SGP_OK);
	ck_assert_ptr_ne(sel, ins);
	ck_assert_int_eq(sgp_stmt_bind_int64(sel, 1, 1), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(sel), SGP_STORE_ROW);
	ck_assert(sgp_stmt_column_int64(sel, 0) == INT64_MIN);
	ck_assert_str_eq(sgp_stmt_column_text(sel, 1), "eUICC \xc3\xa9t\xc3\xa9");
	p = sgp_stmt_column_blob(sel, 2, &len);
	ck_assert_uint_eq(len, sizeof(blob));
	ck_assert_mem_eq(p, blob, sizeof(blob));
	ck_assert_int_eq(sgp_stmt_column_buf(sel, 2, &b), SGP_OK);
	ck_assert_uint_eq(b.len, sizeof(blob));
	ck_assert_mem_eq(b.data, blob, sizeof(blob));
	ck_assert(!sgp_stmt_column_is_null(sel, 2));
	ck_assert_int_eq(sgp_stmt_step(sel), SGP_STORE_DONE);
	/* After DONE the statement was reset: stepping runs it again. */
	ck_assert_int_eq(sgp_stmt_step(sel), SGP_STORE_ROW);
	ck_assert_int_eq(sgp_stmt_reset(sel), SGP_OK);

	ck_assert_int_eq(sgp_stmt_bind_int64(sel, 1, 2), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(sel), SGP_STORE_ROW);
	ck_assert(sgp_stmt_column_int64(sel, 0) == INT64_MAX);
	ck_assert_ptr_null(sgp_stmt_column_text(sel, 1));
	ck_assert(sgp_stmt_column_is_null(sel, 1));
	ck_assert(!sgp_stmt_column_is_null(sel, 2));
	ck_assert_int_eq(sgp_stmt_column_buf(sel, 2, &b), SGP_OK);
	ck_assert_uint_eq(b.len, 0);
	sgp_stmt_column_blob(sel, 2, &len);
	ck_assert_uint_eq(len, 0);
	sgp_stmt_reset(sel);

	/* No row for an unknown id. */
	ck_assert_int_eq(sgp_stmt_bind_int64(sel, 1, 99), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(sel), SGP_STORE_DONE);

	/* Errors: clear codes and messages, no crash. */
	ck_assert_int_eq(sgp_stmt_bind_int64(sel, 2, 1), SGP_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "column index out of range"));
	ck_assert_int_eq(sgp_stmt_bind_int64(sel, 0, 1), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_stmt_bind_blob(sel, 1, NULL, 3), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_store_prepare(st, "SELEC 1", &sel), SGP_ERR_STORE);
	ck_assert_ptr_null(sel);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "syntax error"));
	ck_assert_ptr_nonnull(strstr(last_log, "syntax error"));
	ck_assert_int_eq(sgp_store_prepare(st, "SELECT * FROM nosuchtable", &sel), SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "no such table"));
	ck_assert_int_eq(sgp_store_prepare(st, "SELECT 1; SELECT 2", &sel), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_store_prepare(st, "SELECT 1;  \n", &sel), SGP_OK);
	ck_assert_int_eq(sgp_store_prepare(st, "  -- nothing", &sel), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_store_prepare(st, "", &sel), SGP_ERR_INVAL);

	/* Duplicate key: SGP_ERR_EXISTS, the statement is usable again. */
	ck_assert_int_eq(sgp_store_prepare(st, sql_ins, &ins), SGP_OK);
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 1, 1), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(ins), SGP_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "UNIQUE constraint failed: t.id"));
	ck_assert_int_eq(sgp_stmt_bind_int64(ins, 1, 4), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(ins), SGP_STORE_DONE);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM t"), 4);

	sgp_buf_free(&b);
	sgp_store_close(st);	/* finalizes every cached statement (ASan checks) */
}
END_TEST

START_TEST(test_stmt_cache_limit)
{
	struct sgp_store *st = open_ok(SGP_STORE_MEMORY, 0);
	struct sgp_stmt *s, *first = NULL;
	char sql[64];

	for (int i = 0; i < SGP_STORE_STMT_MAX; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		ck_assert_int_eq(sgp_store_prepare(st, sql, &s), SGP_OK);
		if (i == 0)
			first = s;
	}
	ck_assert_int_eq(sgp_store_prepare(st, "SELECT 'one too many'", &s), SGP_ERR_TOOBIG);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "statement cache full"));
	/* Cached texts still work. */
	ck_assert_int_eq(sgp_store_prepare(st, "SELECT 0", &s), SGP_OK);
	ck_assert_ptr_eq(s, first);
	ck_assert_int_eq(sgp_stmt_step(s), SGP_STORE_ROW);
	ck_assert_int_eq(sgp_stmt_column_int64(s, 0), 0);
	sgp_store_close(st);
}
END_TEST

/* --- transactions --- */

START_TEST(test_tx_basic)
{
	struct sgp_store *st = open_ok(tpath("tx.db"), 0);

	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(sgp_store_commit(st), SGP_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "programming error"));
	ck_assert_int_eq(sgp_store_rollback(st), SGP_ERR_STATE);

	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert(sgp_store_in_tx(st));
	ck_assert_int_eq(insert_kv(st, 1, "kept"), SGP_OK);
	/* Nested begin: refused, the open transaction goes on. */
	ck_assert_int_eq(sgp_store_begin(st), SGP_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "begin inside an open transaction"));
	ck_assert_ptr_nonnull(strstr(last_log, "programming error"));
	ck_assert(sgp_store_in_tx(st));
	ck_assert_int_eq(insert_kv(st, 2, "kept"), SGP_OK);
	ck_assert_int_eq(sgp_store_commit(st), SGP_OK);
	ck_assert(!sgp_store_in_tx(st));

	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert_int_eq(insert_kv(st, 3, "dropped"), SGP_OK);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 3);
	ck_assert_int_eq(sgp_store_rollback(st), SGP_OK);
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 2);

	/* A failing statement inside a transaction leaves it open. */
	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert_int_eq(insert_kv(st, 1, "dup"), SGP_ERR_EXISTS);
	ck_assert(sgp_store_in_tx(st));
	ck_assert_int_eq(insert_kv(st, 5, "after dup"), SGP_OK);
	ck_assert_int_eq(sgp_store_commit(st), SGP_OK);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 3);

	/* Closing with an open transaction rolls it back. */
	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert_int_eq(insert_kv(st, 6, "lost"), SGP_OK);
	sgp_store_close(st);
	st = open_ok(tpath("tx.db"), 0);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 3);
	sgp_store_close(st);
}
END_TEST

static int tx_insert(struct sgp_store *st, void *arg)
{
	int err = insert_kv(st, 10, "from tx");

	return err < 0 ? err : *(int *)arg;
}

static int tx_nested(struct sgp_store *st, void *arg)
{
	int err = insert_kv(st, 11, "nested");

	if (err < 0)
		return err;
	return sgp_store_tx(st, tx_insert, arg);	/* must be refused */
}

START_TEST(test_tx_helper)
{
	struct sgp_store *st = open_ok(SGP_STORE_MEMORY, 0);
	int ret;

	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	ck_assert_int_eq(sgp_store_tx(st, NULL, NULL), SGP_ERR_INVAL);

	ret = SGP_ERR_PEER;
	ck_assert_int_eq(sgp_store_tx(st, tx_insert, &ret), SGP_ERR_PEER);
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 0);

	ret = SGP_OK;
	ck_assert_int_eq(sgp_store_tx(st, tx_nested, &ret), SGP_ERR_STATE);
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 0);

	ck_assert_int_eq(sgp_store_tx(st, tx_insert, &ret), SGP_OK);
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv WHERE k = 10"), 1);
	/* Second time: duplicate key inside the callback, rolled back. */
	ck_assert_int_eq(sgp_store_tx(st, tx_insert, &ret), SGP_ERR_EXISTS);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 1);
	sgp_store_close(st);
}
END_TEST

/* --- migrations --- */

static const char *const eim_steps[] = {
	"CREATE TABLE eim_package (id INTEGER PRIMARY KEY, eid TEXT NOT NULL)",
	"ALTER TABLE eim_package ADD COLUMN counter INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX eim_package_eid ON eim_package (eid)",
	"CREATE TABLE eim_log (id INTEGER PRIMARY KEY REFERENCES eim_package(id))",
	"INSERT INTO eim_package (eid, counter) VALUES ('89049032123451234512345678901235', 7)",
};

START_TEST(test_migrate)
{
	struct sgp_store_schema eim = { "eim", eim_steps, 2 };
	static const char *const smdp_steps[] = { "CREATE TABLE smdp_order (iccid TEXT)" };
	struct sgp_store_schema smdp = { "smdp", smdp_steps, 1 };
	const char *path = tpath("mig.db");
	struct sgp_store *st = open_ok(path, 0);
	int v = -1;

	ck_assert_int_eq(sgp_store_schema_version(st, "eim", &v), SGP_OK);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(sgp_store_migrate(st, &eim), SGP_OK);
	ck_assert_int_eq(sgp_store_schema_version(st, "eim", &v), SGP_OK);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(sgp_store_exec(st, "INSERT INTO eim_package (eid) VALUES ('x')"), SGP_OK);
	/* Idempotent: nothing re-run (a re-run of step 1 would fail). */
	ck_assert_int_eq(sgp_store_migrate(st, &eim), SGP_OK);
	ck_assert_int_eq(sgp_store_schema_version(st, "eim", &v), SGP_OK);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM eim_package"), 1);

	/* Schemas are independent. */
	ck_assert_int_eq(sgp_store_migrate(st, &smdp), SGP_OK);
	ck_assert_int_eq(sgp_store_schema_version(st, "smdp", &v), SGP_OK);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(sgp_store_schema_version(st, "smds", &v), SGP_OK);
	ck_assert_int_eq(v, 0);
	sgp_store_close(st);

	/* A later build adds steps: only the new ones run. */
	st = open_ok(path, 0);
	eim.n_steps = 4;
	ck_assert_int_eq(sgp_store_migrate(st, &eim), SGP_OK);
	ck_assert_int_eq(sgp_store_schema_version(st, "eim", &v), SGP_OK);
	ck_assert_int_eq(v, 4);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM eim_package"), 2);
	ck_assert_int_eq(q_int(st, "SELECT counter FROM eim_package WHERE eid = 'x'"), 0);
	ck_assert_int_eq(sgp_store_migrate(st, &eim), SGP_OK);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM eim_package"), 2);
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_OK);

	/* An older build meets this database: refused, nothing changed. */
	eim.n_steps = 3;
	ck_assert_int_eq(sgp_store_migrate(st, &eim), SGP_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "schema eim is at version 4"));
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "newer"));
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(sgp_store_schema_version(st, "eim", &v), SGP_OK);
	ck_assert_int_eq(v, 4);
	sgp_store_close(st);
}
END_TEST

START_TEST(test_migrate_failing_step)
{
	static const char *const bad[] = {
		"CREATE TABLE ipa_a (x)",
		"CREATE TABLE ipa_b (x); INSERT INTO ipa_nosuch VALUES (1)",
		"CREATE TABLE ipa_c (x)",
	};
	static const char *const fixed[] = {
		"CREATE TABLE ipa_a (x)",
		"CREATE TABLE ipa_b (x)",
		"CREATE TABLE ipa_c (x)",
	};
	struct sgp_store_schema ipa = { "ipa", bad, 3 };
	struct sgp_store *st = open_ok(tpath("fail.db"), 0);
	int v;

	ck_assert_int_eq(sgp_store_migrate(st, &ipa), SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "schema ipa: migration step 2 of 3 failed"));
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "no such table: ipa_nosuch"));
	ck_assert_ptr_nonnull(strstr(last_log, "step 2 of 3"));
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(sgp_store_schema_version(st, "ipa", &v), SGP_OK);
	ck_assert_int_eq(v, 1);
	/* Step 2 rolled back as a whole; step 1 stays. */
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'ipa_a'"), 1);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'ipa_b'"), 0);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'ipa_c'"), 0);

	ipa.steps = fixed;
	ck_assert_int_eq(sgp_store_migrate(st, &ipa), SGP_OK);
	ck_assert_int_eq(sgp_store_schema_version(st, "ipa", &v), SGP_OK);
	ck_assert_int_eq(v, 3);
	sgp_store_close(st);
}
END_TEST

START_TEST(test_migrate_misuse)
{
	static const char *const steps[] = { "CREATE TABLE euicc_x (a)" };
	static const char *const commits[] = { "CREATE TABLE euicc_y (a); COMMIT" };
	static const char *const bad_names[] = { "", "Eim", "1eim", "eim-x", "eim x",
		"abcdefghijklmnopqrstuvwxyz0123456" };
	struct sgp_store_schema s = { "euicc", steps, 1 };
	struct sgp_store *st = open_ok(SGP_STORE_MEMORY, 0);
	int v;

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		struct sgp_store_schema b = { bad_names[i], steps, 1 };
		ck_assert_msg(sgp_store_migrate(st, &b) == SGP_ERR_INVAL, "accepted \"%s\"",
			      bad_names[i]);
		ck_assert_int_eq(sgp_store_schema_version(st, bad_names[i], &v), SGP_ERR_INVAL);
	}
	s.name = NULL;
	ck_assert_int_eq(sgp_store_migrate(st, &s), SGP_ERR_INVAL);
	s.name = "euicc";
	ck_assert_int_eq(sgp_store_migrate(NULL, &s), SGP_ERR_INVAL);
	ck_assert_int_eq(sgp_store_migrate(st, NULL), SGP_ERR_INVAL);

	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert_int_eq(sgp_store_migrate(st, &s), SGP_ERR_STATE);
	ck_assert_int_eq(sgp_store_rollback(st), SGP_OK);

	/* A step that commits by itself breaks atomicity: reported. */
	s.steps = commits;
	ck_assert_int_eq(sgp_store_migrate(st, &s), SGP_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "ended the transaction"));
	ck_assert(!sgp_store_in_tx(st));
	ck_assert_int_eq(sgp_store_schema_version(st, "euicc", &v), SGP_OK);
	ck_assert_int_eq(v, 0);
	/* The store is still usable. */
	s.steps = steps;
	ck_assert_int_eq(sgp_store_migrate(st, &s), SGP_OK);
	sgp_store_close(st);
}
END_TEST

/* --- locks --- */

START_TEST(test_locked_same_process)
{
	const char *path = tpath("lock.db");
	struct sgp_store *a = open_ok(path, 0);
	struct sgp_store *b;

	ck_assert_int_eq(sgp_store_migrate(a, &kv_schema), SGP_OK);
	ck_assert_int_eq(insert_kv(a, 1, "committed"), SGP_OK);
	b = open_ok(path, 20);	/* short busy timeout: the lock is not released */

	ck_assert_int_eq(sgp_store_begin(a), SGP_OK);
	ck_assert_int_eq(insert_kv(a, 2, "pending"), SGP_OK);
	ck_assert_int_eq(sgp_store_begin(b), SGP_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(b), "database is locked"));
	ck_assert_ptr_nonnull(strstr(last_log, "database is locked"));
	ck_assert(!sgp_store_in_tx(b));
	ck_assert_int_eq(insert_kv(b, 3, "autocommit"), SGP_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(b), "database is locked"));
	/* WAL: readers go on and see only committed rows. */
	ck_assert_int_eq(q_int(b, "SELECT count(*) FROM kv"), 1);
	ck_assert_int_eq(sgp_store_commit(a), SGP_OK);

	ck_assert_int_eq(q_int(b, "SELECT count(*) FROM kv"), 2);
	ck_assert_int_eq(sgp_store_begin(b), SGP_OK);
	ck_assert_int_eq(insert_kv(b, 3, "now"), SGP_OK);
	ck_assert_int_eq(sgp_store_commit(b), SGP_OK);
	ck_assert_int_eq(q_int(a, "SELECT count(*) FROM kv"), 3);
	sgp_store_close(b);
	sgp_store_close(a);
}
END_TEST

START_TEST(test_locked_other_process)
{
	const char *path = tpath("lock2.db");
	struct sgp_store *st = open_ok(path, 0);
	int ready[2], release[2], status;
	char c;
	pid_t pid;

	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	sgp_store_close(st);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(release), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sgp_store *cst = NULL;
		int ok = sgp_store_open(&cst, path, NULL, NULL, 0) == SGP_OK &&
			 sgp_store_begin(cst) == SGP_OK && insert_kv(cst, 1, "child") == SGP_OK;

		c = ok ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(release[0], &c, 1) != 1)
			_exit(3);
		ok = ok && sgp_store_commit(cst) == SGP_OK;
		sgp_store_close(cst);
		_exit(ok ? 0 : 2);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	st = open_ok(path, 20);
	ck_assert_int_eq(sgp_store_begin(st), SGP_ERR_STATE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "database is locked"));
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 0);
	ck_assert_int_eq(write(release[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 1);
	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert_int_eq(sgp_store_commit(st), SGP_OK);
	sgp_store_close(st);
	close(ready[0]);
	close(ready[1]);
	close(release[0]);
	close(release[1]);
}
END_TEST

/* --- bad files --- */

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_not_a_database)
{
	static const char text[] = "this is a text file, not an SQLite database\n";
	struct sgp_store_opts ro = { .read_only = true };
	struct sgp_store *st = (struct sgp_store *)&st;	/* must be cleared */
	uint8_t garbage[8192];
	char e[256];

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)(i * 131 + 7);
	write_file(tpath("garbage.db"), garbage, sizeof(garbage), 0644);
	write_file(tpath("text.db"), text, sizeof(text) - 1, 0644);

	ck_assert_int_eq(sgp_store_open(&st, tpath("garbage.db"), NULL, e, sizeof(e)),
			 SGP_ERR_STORE);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(e, "file is not a database"));
	ck_assert_ptr_nonnull(strstr(e, "garbage.db"));
	ck_assert_ptr_nonnull(strstr(last_log, "file is not a database"));
	ck_assert_int_eq(sgp_store_open(&st, tpath("text.db"), NULL, e, sizeof(e)), SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(e, "file is not a database"));
	ck_assert_int_eq(sgp_store_open(&st, tpath("garbage.db"), &ro, e, sizeof(e)),
			 SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(e, "file is not a database"));
	/* Without an errbuf: still refused. */
	ck_assert_int_eq(sgp_store_open(&st, tpath("garbage.db"), NULL, NULL, 0), SGP_ERR_STORE);
}
END_TEST

START_TEST(test_corrupt_page)
{
	const char *path = tpath("corrupt.db");
	struct sgp_store *st = open_ok(path, 0);
	struct sgp_stmt *s;
	int64_t page_size, root;
	uint8_t bad = 0x00;	/* not a b-tree page type */
	int fd;

	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(insert_kv(st, i, "row"), SGP_OK);
	page_size = q_int(st, "PRAGMA page_size");
	root = q_int(st, "SELECT rootpage FROM sqlite_master WHERE name = 'kv'");
	ck_assert_int_gt(root, 1);
	sgp_store_close(st);	/* last connection: WAL checkpointed into the file */

	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, &bad, 1, (off_t)((root - 1) * page_size)), 1);
	close(fd);

	/* Page 1 (the schema) is intact: the open succeeds, reading kv fails
	 * cleanly and integrity_check reports it. */
	st = open_ok(path, 0);
	ck_assert_int_eq(sgp_store_prepare(st, "SELECT count(*), max(v) FROM kv", &s), SGP_OK);
	ck_assert_int_eq(sgp_stmt_step(s), SGP_ERR_STORE);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "malformed"));
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_ERR_STORE);
	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);
	ck_assert_int_eq(insert_kv(st, 100, "x"), SGP_ERR_STORE);
	ck_assert_int_eq(sgp_store_rollback(st), SGP_OK);
	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);	/* version table intact */
	sgp_store_close(st);
}
END_TEST

START_TEST(test_missing_directory)
{
	struct sgp_store *st = NULL;
	char e[256];

	ck_assert_int_eq(sgp_store_open(&st, tpath("nosuchdir/lab.db"), NULL, e, sizeof(e)),
			 SGP_ERR_IO);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(e, "unable to open database file"));
	ck_assert_ptr_nonnull(strstr(e, "nosuchdir/lab.db"));
	ck_assert_ptr_nonnull(strstr(e, "the directory does not exist"));
	ck_assert_int_eq(access(tpath("nosuchdir"), F_OK), -1);	/* nothing created */
}
END_TEST

START_TEST(test_read_only_option)
{
	const char *path = tpath("ro.db");
	struct sgp_store_opts ro = { .read_only = true };
	struct sgp_store *st = open_ok(path, 0);
	int v;

	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	ck_assert_int_eq(insert_kv(st, 1, "one"), SGP_OK);
	sgp_store_close(st);
	st = NULL;
	ck_assert_int_eq(sgp_store_open(&st, path, &ro, NULL, 0), SGP_OK);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 1);
	ck_assert_int_eq(sgp_store_schema_version(st, "test", &v), SGP_OK);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(insert_kv(st, 2, "two"), SGP_ERR_IO);
	ck_assert_ptr_nonnull(strstr(sgp_store_errmsg(st), "readonly database"));
	ck_assert_int_eq(sgp_store_begin(st), SGP_OK);	/* BEGIN IMMEDIATE on read-only */
	ck_assert_int_eq(insert_kv(st, 2, "two"), SGP_ERR_IO);
	ck_assert_int_eq(sgp_store_rollback(st), SGP_OK);
	sgp_store_close(st);
	/* A read-only open does not create a file. */
	ck_assert_int_eq(sgp_store_open(&st, tpath("absent.db"), &ro, NULL, 0), SGP_ERR_IO);
	ck_assert_int_eq(access(tpath("absent.db"), F_OK), -1);
}
END_TEST

/* File permissions, tested in a child that is not root (root ignores
 * them): as root the child drops to "nobody".  Exit status: a bit per
 * failed case, so the parent names it. */
static int ro_case(const char *path, int want, const char *want_msg)
{
	struct sgp_store *st = NULL;
	char e[256];
	int err = sgp_store_open(&st, path, NULL, e, sizeof(e));

	fprintf(stderr, "read-only case %s: %d %s\n", path, err, e);
	sgp_store_close(st);
	return err == want && st == NULL && strstr(e, want_msg) != NULL;
}

START_TEST(test_read_only_permissions)
{
	const char *rw_dir = tpath("rw"), *ro_dir = tpath("ro");
	char ro_file[1024], in_ro_dir[1024], in_ro_dir_w[1024], new_in_ro[1024];
	struct sgp_store *st;
	int status;
	pid_t pid;

	snprintf(ro_file, sizeof(ro_file), "%s/file.db", rw_dir);
	snprintf(in_ro_dir, sizeof(in_ro_dir), "%s/root.db", ro_dir);
	snprintf(in_ro_dir_w, sizeof(in_ro_dir_w), "%s/writable.db", ro_dir);
	snprintf(new_in_ro, sizeof(new_in_ro), "%s/new.db", ro_dir);
	ck_assert_int_eq(mkdir(rw_dir, 0777), 0);
	ck_assert_int_eq(mkdir(ro_dir, 0755), 0);
	ck_assert_int_eq(chmod(rw_dir, 0777), 0);	/* past the umask */
	ck_assert_int_eq(chmod(tdir, 0755), 0);	/* "nobody" must reach the files */
	ck_assert_int_eq(chmod(basedir, 0755), 0);
	/* Databases in WAL mode, cleanly closed (no -wal/-shm left). */
	st = open_ok(ro_file, 0);
	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	sgp_store_close(st);
	st = open_ok(in_ro_dir, 0);
	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	sgp_store_close(st);
	st = open_ok(in_ro_dir_w, 0);
	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	sgp_store_close(st);
	ck_assert_int_eq(chmod(ro_file, 0444), 0);
	ck_assert_int_eq(chmod(in_ro_dir, 0644), 0);
	ck_assert_int_eq(chmod(in_ro_dir_w, 0666), 0);
	ck_assert_int_eq(chmod(ro_dir, 0555), 0);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fails = 0;

		if (geteuid() == 0) {
			struct passwd *pw = getpwnam("nobody");
			uid_t uid = pw ? pw->pw_uid : 65534;
			gid_t gid = pw ? pw->pw_gid : 65534;

			if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
				_exit(100);
		}
		/* A read-only file in a writable directory. */
		if (!ro_case(ro_file, SGP_ERR_IO, "database file is read-only"))
			fails |= 1;
		/* A file we cannot write in a read-only directory. */
		if (!ro_case(in_ro_dir, SGP_ERR_IO, "database file is read-only"))
			fails |= 2;
		/* A writable file whose directory is read-only: no WAL file. */
		if (!ro_case(in_ro_dir_w, SGP_ERR_IO, "directory is read-only"))
			fails |= 4;
		/* A new file in a read-only directory. */
		if (!ro_case(new_in_ro, SGP_ERR_IO, "the directory is not writable"))
			fails |= 8;
		_exit(fails);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died");
	ck_assert_msg(WEXITSTATUS(status) != 100, "cannot drop root privileges");
	ck_assert_msg(WEXITSTATUS(status) == 0, "read-only cases failed: mask %d",
		      WEXITSTATUS(status));
	ck_assert_int_eq(access(new_in_ro, F_OK), -1);
	/* Back to writable: the databases are intact. */
	ck_assert_int_eq(chmod(ro_dir, 0755), 0);
	ck_assert_int_eq(chmod(ro_file, 0644), 0);
	st = open_ok(ro_file, 0);
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_OK);
	sgp_store_close(st);
	st = open_ok(in_ro_dir_w, 0);
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_OK);
	sgp_store_close(st);
}
END_TEST

/* --- crash consistency --- */

START_TEST(test_crash_uncommitted)
{
	const char *path = tpath("crash1.db");
	char wal[1024];
	struct sgp_store *st = open_ok(path, 0);
	struct stat sb;
	int status;
	pid_t pid;

	ck_assert_int_eq(sgp_store_migrate(st, &kv_schema), SGP_OK);
	sgp_store_close(st);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sgp_store *cst = NULL;
		char v[600];

		memset(v, 'x', sizeof(v) - 1);
		v[sizeof(v) - 1] = '\0';
		if (sgp_store_open(&cst, path, NULL, NULL, 0) != SGP_OK ||
		    sgp_store_begin(cst) != SGP_OK)
			_exit(2);
		for (int i = 0; i < 10; i++)
			if (insert_kv(cst, i, "committed") != SGP_OK)
				_exit(3);
		if (sgp_store_commit(cst) != SGP_OK)
			_exit(4);
		/* A small page cache: the uncommitted rows spill to the WAL. */
		if (sgp_store_exec(cst, "PRAGMA cache_size=10") != SGP_OK ||
		    sgp_store_begin(cst) != SGP_OK)
			_exit(5);
		for (int i = 100; i < 2100; i++)
			if (insert_kv(cst, i, v) != SGP_OK)
				_exit(6);
		_exit(0);	/* no commit, no close */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	/* The uncommitted pages did reach the disk, so recovery must skip them. */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_gt(sb.st_size, 500 * 1000);

	st = open_ok(path, 0);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv"), 10);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM kv WHERE k >= 100"), 0);
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_OK);
	/* And it takes new writes. */
	ck_assert_int_eq(insert_kv(st, 100, "after"), SGP_OK);
	sgp_store_close(st);
}
END_TEST

#define BATCH 5

START_TEST(test_crash_sigkill)
{
	static const char *const steps[] = {
		"CREATE TABLE lab_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);"
		"INSERT INTO lab_counter VALUES (1, 0);"
		"CREATE TABLE lab_row (batch INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (batch, n))",
	};
	static const struct sgp_store_schema lab = { "lab", steps, 1 };
	const char *path = tpath("crash2.db");
	struct sgp_store *st = open_ok(path, 0);
	int64_t acked = 0, counter;
	int progress[2], status;
	pid_t pid;

	ck_assert_int_eq(sgp_store_migrate(st, &lab), SGP_OK);
	sgp_store_close(st);
	ck_assert_int_eq(pipe(progress), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sgp_store *cst = NULL;
		struct sgp_stmt *s;

		close(progress[0]);
		if (sgp_store_open(&cst, path, NULL, NULL, 0) != SGP_OK)
			_exit(2);
		/* Forever: the parent kills us; a closed pipe ends us too. */
		for (int64_t batch = 1;; batch++) {
			if (sgp_store_begin(cst) != SGP_OK)
				_exit(3);
			for (int n = 0; n < BATCH; n++) {
				if (sgp_store_prepare(cst, "INSERT INTO lab_row VALUES (?1, ?2)", &s) ||
				    sgp_stmt_bind_int64(s, 1, batch) || sgp_stmt_bind_int64(s, 2, n) ||
				    sgp_stmt_step(s) != SGP_STORE_DONE)
					_exit(4);
			}
			if (sgp_store_prepare(cst, "UPDATE lab_counter SET value = ?1", &s) ||
			    sgp_stmt_bind_int64(s, 1, batch) || sgp_stmt_step(s) != SGP_STORE_DONE ||
			    sgp_store_commit(cst) != SGP_OK)
				_exit(5);
			if (write(progress[1], &batch, sizeof(batch)) != sizeof(batch))
				_exit(6);
		}
	}
	close(progress[1]);
	while (acked < 30)
		ck_assert_int_eq(read(progress[0], &acked, sizeof(acked)), sizeof(acked));
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "child ended early: status %d", status);
	close(progress[0]);

	st = open_ok(path, 0);
	ck_assert_int_eq(sgp_store_integrity_check(st), SGP_OK);
	counter = q_int(st, "SELECT value FROM lab_counter");
	/* Every commit the child reported survived; no batch is partial. */
	ck_assert_int_ge(counter, acked);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM lab_row"), counter * BATCH);
	ck_assert_int_eq(q_int(st, "SELECT max(batch) FROM lab_row"), counter);
	ck_assert_int_eq(q_int(st, "SELECT count(*) FROM (SELECT batch FROM lab_row"
			       " GROUP BY batch HAVING count(*) <> 5)"), 0);
	sgp_store_close(st);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_memory);
	tcase_add_test(tc, test_open_file_settings);
	tcase_add_test(tc, test_stmt_binds);
	tcase_add_test(tc, test_stmt_cache_limit);
	tcase_add_test(tc, test_tx_basic);
	tcase_add_test(tc, test_tx_helper);
	tcase_add_test(tc, test_migrate);
	tcase_add_test(tc, test_migrate_failing_step);
	tcase_add_test(tc, test_migrate_misuse);
	tcase_add_test(tc, test_locked_same_process);
	tcase_add_test(tc, test_locked_other_process);
	tcase_add_test(tc, test_not_a_database);
	tcase_add_test(tc, test_corrupt_page);
	tcase_add_test(tc, test_missing_directory);
	tcase_add_test(tc, test_read_only_option);
	tcase_add_test(tc, test_read_only_permissions);
	tcase_add_test(tc, test_crash_uncommitted);
	tcase_add_test(tc, test_crash_sigkill);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(store_suite());
}
