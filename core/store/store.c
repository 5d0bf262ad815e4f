/* sgp32lab: SQLite store: open/close, error mapping, exec, transactions */
#include "core/store/store_int.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"

int sgp_store_map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return SGP_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SGP_ERR_STATE;
	case SQLITE_NOMEM:
		return SGP_ERR_NOMEM;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_PERM:
	case SQLITE_FULL:
		return SGP_ERR_IO;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
		    rc == SQLITE_CONSTRAINT_ROWID)
			return SGP_ERR_EXISTS;
		return SGP_ERR_STORE;
	case SQLITE_TOOBIG:
		return SGP_ERR_TOOBIG;
	case SQLITE_RANGE:
	case SQLITE_MISUSE:
	case SQLITE_MISMATCH:
		return SGP_ERR_INVAL;
	default:	/* ERROR, CORRUPT, NOTADB, SCHEMA, ABORT, ... */
		return SGP_ERR_STORE;
	}
}

static void store_log(struct sgp_store *st, int err)
{
	/* A duplicate key is often an answer the caller expects. */
	LOGP(DSTORE, err == SGP_ERR_EXISTS ? LOGL_NOTICE : LOGL_ERROR, "%s: %s",
	     st->path ? st->path : "?", st->errmsg);
}

int sgp_store_fail(struct sgp_store *st, int rc, const char *sqlmsg, const char *fmt, ...)
{
	int err = sgp_store_map_rc(rc);
	size_t off;
	va_list ap;

	if (err == SGP_OK)	/* a caller passed a success code: still a failure */
		err = SGP_ERR_STORE;
	if (!sqlmsg)
		sqlmsg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	va_start(ap, fmt);
	off = (size_t)vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	if (off < sizeof(st->errmsg))
		off += (size_t)snprintf(st->errmsg + off, sizeof(st->errmsg) - off,
					": %s (SQLite code %d)", sqlmsg, rc);
	if (off < sizeof(st->errmsg) && rc == SQLITE_READONLY_DIRECTORY)
		off += (size_t)snprintf(st->errmsg + off, sizeof(st->errmsg) - off,
					": the directory is read-only (WAL files go beside the database)");
	/* The OS reason of an I/O error (cannot-open is diagnosed at open). */
	if (off < sizeof(st->errmsg) && st->db && sqlite3_system_errno(st->db) &&
	    ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL))
		snprintf(st->errmsg + off, sizeof(st->errmsg) - off, ": %s",
			 strerror(sqlite3_system_errno(st->db)));
	store_log(st, err);
	return err;
}

int sgp_store_refuse(struct sgp_store *st, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
	store_log(st, err);
	return err;
}

const char *sgp_store_errmsg(const struct sgp_store *st)
{
	return st ? st->errmsg : "no store";
}

int sgp_store_exec_ctx(struct sgp_store *st, const char *sql, const char *ctx)
{
	char *msg = NULL;
	int rc, err = SGP_OK;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		err = sgp_store_fail(st, sqlite3_extended_errcode(st->db), msg, "%s", ctx);
	sqlite3_free(msg);
	return err;
}

int sgp_store_exec(struct sgp_store *st, const char *sql)
{
	if (!st || !sql)
		return SGP_ERR_INVAL;
	return sgp_store_exec_ctx(st, sql, "exec");
}

/* Run a statement that answers one text value (PRAGMAs) into out. */
static int query_text(struct sgp_store *st, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *v;
	int rc, err = SGP_OK;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		err = sgp_store_fail(st, rc, NULL, "%s", sql);
		goto out;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err = sgp_store_refuse(st, SGP_ERR_STORE, "%s: no answer", sql);
		else
			err = sgp_store_fail(st, rc, NULL, "%s", sql);
		goto out;
	}
	v = sqlite3_column_text(stmt, 0);
	snprintf(out, outlen, "%s", v ? (const char *)v : "");
out:
	sqlite3_finalize(stmt);
	return err;
}

/* Connection settings.  synchronous=FULL: in WAL mode NORMAL already keeps
 * the database consistent when the process is killed at any moment (a
 * commit is in the WAL before COMMIT returns), but a commit can still be
 * lost to an OS crash or power cut.  Our commits leave the process right
 * after (a counter value sent to a peer, a profile reported installed), so
 * losing one would let a restarted role reuse a counter or contradict what
 * its peer saw: each commit is synced to disk before it returns. */
static int store_configure(struct sgp_store *st, bool mem, bool read_only)
{
	char v[32];
	int err;

	if (!mem && !read_only) {
		err = query_text(st, "PRAGMA journal_mode=WAL", v, sizeof(v));
		if (err < 0)
			return err;
		if (strcmp(v, "wal") != 0)
			return sgp_store_refuse(st, SGP_ERR_IO,
						"cannot switch to WAL mode (journal_mode is %s)", v);
		err = sgp_store_exec_ctx(st, "PRAGMA synchronous=FULL", "synchronous");
		if (err < 0)
			return err;
	}
	err = sgp_store_exec_ctx(st, "PRAGMA foreign_keys=ON", "foreign_keys");
	if (err < 0)
		return err;
	err = query_text(st, "PRAGMA foreign_keys", v, sizeof(v));
	if (err < 0)
		return err;
	if (strcmp(v, "1") != 0)
		return sgp_store_refuse(st, SGP_ERR_UNSUPPORTED,
					"this SQLite build cannot enforce foreign keys");
	/* Read the schema: refuses a file that is not a database (read-only
	 * opens and in-memory ones have not touched the file yet). */
	return query_text(st, "SELECT count(*) FROM sqlite_master", v, sizeof(v));
}

/* Why a file cannot be opened: SQLite says only "unable to open", and its
 * errno is that of its last fallback attempt, not of the real cause. */
static const char *cantopen_reason(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &sb) != 0)
		return errno == ENOENT ? "the directory does not exist"
				       : "the directory is not accessible";
	if (!S_ISDIR(sb.st_mode))
		return "the parent path is not a directory";
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return "the file is not accessible";
		return access(dir, W_OK | X_OK) != 0 ? "the directory is not writable"
						     : "the file does not exist";
	}
	if (S_ISDIR(sb.st_mode))
		return "the path is a directory";
	if (access(path, R_OK) != 0)
		return "the file is not readable";
	return "unknown reason";
}

int sgp_store_open(struct sgp_store **out, const char *path,
		   const struct sgp_store_opts *opts, char *errbuf, size_t errlen)
{
	struct sgp_store *st = NULL;
	bool mem, read_only = opts && opts->read_only;
	unsigned timeout = opts && opts->busy_timeout_ms ? opts->busy_timeout_ms
							  : SGP_STORE_BUSY_TIMEOUT_DEFAULT_MS;
	int flags, rc, err;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!out || !path || !*path)
		return SGP_ERR_INVAL;
	*out = NULL;
	mem = strcmp(path, SGP_STORE_MEMORY) == 0;
	st = calloc(1, sizeof(*st));
	if (!st)
		return SGP_ERR_NOMEM;
	st->path = strdup(path);
	if (!st->path) {
		err = SGP_ERR_NOMEM;
		goto out;
	}
	/* NOMUTEX: a store belongs to one event loop thread. */
	flags = SQLITE_OPEN_NOMUTEX |
		(read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_CANTOPEN)
			err = sgp_store_fail(st, rc, NULL, "cannot open (%s)",
					     cantopen_reason(path));
		else
			err = sgp_store_fail(st, rc, NULL, "cannot open");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* SQLite falls back to read-only when the file is not writable; a
	 * role that cannot commit must not start. */
	if (!read_only && sqlite3_db_readonly(st->db, "main") == 1) {
		err = sgp_store_refuse(st, SGP_ERR_IO, "database file is read-only");
		goto out;
	}
	sqlite3_busy_timeout(st->db, (int)(timeout > 0x7fffffffu ? 0x7fffffffu : timeout));
	err = store_configure(st, mem, read_only);
	if (err < 0)
		goto out;
	LOGP(DSTORE, LOGL_DEBUG, "%s: opened%s", path, read_only ? " read-only" : "");
	*out = st;
	st = NULL;
out:
	if (st) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", path, st->errmsg);
		sgp_store_close(st);
	}
	return err;
}

void sgp_store_close(struct sgp_store *st)
{
	int rc;

	if (!st)
		return;
	sgp_store_stmts_finalize(st);
	if (st->db) {
		if (!sqlite3_get_autocommit(st->db)) {
			LOGP(DSTORE, LOGL_NOTICE, "%s: closing with an open transaction: rolled back",
			     st->path);
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		}
		rc = sqlite3_close(st->db);
		if (rc != SQLITE_OK)	/* only if a statement escaped the cache: a bug */
			LOGP(DSTORE, LOGL_ERROR, "%s: close: %s", st->path, sqlite3_errstr(rc));
	}
	free(st->path);
	free(st);
}

int64_t sgp_store_changes(const struct sgp_store *st)
{
	return st ? sqlite3_changes(st->db) : 0;
}

int64_t sgp_store_last_insert_rowid(const struct sgp_store *st)
{
	return st ? sqlite3_last_insert_rowid(st->db) : 0;
}

int sgp_store_integrity_check(struct sgp_store *st)
{
	char v[256];
	int err;

	if (!st)
		return SGP_ERR_INVAL;
	err = query_text(st, "PRAGMA integrity_check", v, sizeof(v));
	if (err < 0)
		return err;
	if (strcmp(v, "ok") != 0)
		return sgp_store_refuse(st, SGP_ERR_STORE, "integrity_check: %s", v);
	return SGP_OK;
}

/* --- transactions --- */

bool sgp_store_in_tx(const struct sgp_store *st)
{
	return st && st->in_tx;
}

int sgp_store_begin(struct sgp_store *st)
{
	int err;

	if (!st)
		return SGP_ERR_INVAL;
	if (st->in_tx || !sqlite3_get_autocommit(st->db))
		return sgp_store_refuse(st, SGP_ERR_STATE,
					"programming error: begin inside an open transaction");
	/* IMMEDIATE takes the write lock now: a protocol step either gets the
	 * database or fails here, never half-way on its first write. */
	err = sgp_store_exec_ctx(st, "BEGIN IMMEDIATE", "begin");
	if (err < 0)
		return err;
	st->in_tx = true;
	return SGP_OK;
}

int sgp_store_commit(struct sgp_store *st)
{
	int err;

	if (!st)
		return SGP_ERR_INVAL;
	if (!st->in_tx)
		return sgp_store_refuse(st, SGP_ERR_STATE,
					"programming error: commit without a transaction");
	st->in_tx = false;
	if (sqlite3_get_autocommit(st->db)) {
		/* SQLite ended it itself after an error (disk full, I/O, ...). */
		sgp_store_stmts_reset(st);
		return sgp_store_refuse(st, SGP_ERR_STORE,
					"commit: the transaction was already rolled back after an error");
	}
	err = sgp_store_exec_ctx(st, "COMMIT", "commit");
	if (err < 0 && !sqlite3_get_autocommit(st->db)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		sgp_store_stmts_reset(st);
	}
	return err;
}

int sgp_store_rollback(struct sgp_store *st)
{
	int err = SGP_OK;

	if (!st)
		return SGP_ERR_INVAL;
	if (!st->in_tx)
		return sgp_store_refuse(st, SGP_ERR_STATE,
					"programming error: rollback without a transaction");
	st->in_tx = false;
	if (!sqlite3_get_autocommit(st->db))
		err = sgp_store_exec_ctx(st, "ROLLBACK", "rollback");
	/* Reads that were open inside the transaction are aborted by it. */
	sgp_store_stmts_reset(st);
	return err;
}

int sgp_store_tx(struct sgp_store *st, sgp_store_tx_fn fn, void *arg)
{
	int err;

	if (!st || !fn)
		return SGP_ERR_INVAL;
	err = sgp_store_begin(st);
	if (err < 0)
		return err;
	err = fn(st, arg);
	if (err != 0) {
		if (st->in_tx)
			sgp_store_rollback(st);
		return err;
	}
	return sgp_store_commit(st);
}
