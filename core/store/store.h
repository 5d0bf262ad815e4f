/* sgp32lab: the SQLite store every role keeps its state in.
 *
 * One database per lab (a file, or ":memory:" for a scenario run); each
 * role owns a schema: its tables carry the role's name as a prefix
 * ("eim_package", "smdp_order") and it brings them up to date with its own
 * list of migration steps, registered under that name (sgp_store_migrate).
 * One transaction per protocol step: a process killed at any moment
 * restarts with only committed state (DESIGN.md "State lives in SQLite").
 *
 * Ownership: a struct sgp_store owns its SQLite connection and every
 * statement prepared through it; sgp_store_close() finalizes them all.
 * Statement pointers are never freed by the caller.
 *
 * Errors: every function returns 0 (or a documented positive value) or a
 * negative sgp_err.  SQLite results map to
 *   SGP_ERR_STATE     database locked by another connection (after the busy
 *                     timeout), nested/missing transaction (a caller bug)
 *   SGP_ERR_IO        cannot open (missing directory, permissions), file or
 *                     directory read-only, disk I/O error, disk full
 *   SGP_ERR_STORE     corrupt file, not a database, SQL error, other failures
 *   SGP_ERR_EXISTS    UNIQUE / PRIMARY KEY constraint violated
 *   SGP_ERR_INVAL     bad argument, bind index out of range
 *   SGP_ERR_NOMEM, SGP_ERR_TOOBIG   as SQLite reports them
 *   SGP_ERR_UNSUPPORTED  the database's schema is newer than this build
 * The SQLite message is logged on DSTORE and kept: sgp_store_errmsg().
 *
 * Not thread-safe: a store is used from the event loop that owns it.  Never
 * carry an open store across fork(); open a new one in the child. */
#ifndef SGP_CORE_STORE_H
#define SGP_CORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct sgp_store;
struct sgp_stmt;

#define SGP_STORE_MEMORY	":memory:"
#define SGP_STORE_BUSY_TIMEOUT_DEFAULT_MS	5000
/* Distinct SQL texts one store caches; SQL is constant text, values are
 * bound, so a role needs a few dozen. */
#define SGP_STORE_STMT_MAX	128

struct sgp_store_opts {
	/* How long a write waits for another connection's lock before it
	 * fails with SGP_ERR_STATE; 0 selects the default. */
	unsigned busy_timeout_ms;
	/* Open for reading only (inspection); writes fail with SGP_ERR_IO. */
	bool read_only;
};

/* Open (creating if needed) the database at path, or an empty in-memory one
 * for SGP_STORE_MEMORY.  opts may be NULL.  Files are put in WAL mode with
 * synchronous=FULL, foreign keys are on.  A file that is not a database, a
 * missing directory, a read-only file or directory (unless opts->read_only)
 * are refused.  On failure *out is NULL and, when errbuf is given, it
 * receives the reason (also logged). */
int sgp_store_open(struct sgp_store **out, const char *path,
		   const struct sgp_store_opts *opts, char *errbuf, size_t errlen);
/* Finalize every statement, roll back an open transaction, close. NULL ok. */
void sgp_store_close(struct sgp_store *st);

/* The message of the last failure on this store (SQLite's text with
 * context), "" if none yet.  Valid until the next failing call. */
const char *sgp_store_errmsg(const struct sgp_store *st);

/* Run SQL text without results (one or more statements; DDL, PRAGMA).
 * Never BEGIN/COMMIT/ROLLBACK through it: use the transaction helpers. */
int sgp_store_exec(struct sgp_store *st, const char *sql);
/* PRAGMA integrity_check: 0 when "ok", else SGP_ERR_STORE with the first
 * problem in sgp_store_errmsg(). */
int sgp_store_integrity_check(struct sgp_store *st);
/* Rows changed by the last INSERT/UPDATE/DELETE, and the last rowid. */
int64_t sgp_store_changes(const struct sgp_store *st);
int64_t sgp_store_last_insert_rowid(const struct sgp_store *st);

/* --- schema migrations (migrate.c) ---
 * steps[i] takes the schema from version i to i+1, so a schema's version
 * is the number of steps applied; a step may hold several statements but
 * must not BEGIN/COMMIT itself, nor change PRAGMAs that are refused inside
 * a transaction (journal_mode, foreign_keys).  Steps are append-only: never
 * edit a released one, add a new step. */
struct sgp_store_schema {
	const char *name;		/* [a-z][a-z0-9_]{0,31}: the role */
	const char *const *steps;
	size_t n_steps;
};

/* Apply the steps the database lacks, each in its own IMMEDIATE
 * transaction together with its version bump.  Idempotent.  A failing step
 * is rolled back (earlier steps stay), the result is its error and
 * sgp_store_errmsg() names the schema and step ("step N" is steps[N-1]).  A database whose
 * version of this schema is above n_steps is refused: SGP_ERR_UNSUPPORTED. */
int sgp_store_migrate(struct sgp_store *st, const struct sgp_store_schema *schema);
/* Current version of a schema (0 if never migrated). */
int sgp_store_schema_version(struct sgp_store *st, const char *name, int *version);

/* --- transactions (store.c) ---
 * One at a time per store: begin while a transaction is open, or
 * commit/rollback without one, is a programming error reported as
 * SGP_ERR_STATE (logged at ERROR); the open transaction is left as it was. */
int sgp_store_begin(struct sgp_store *st);	/* BEGIN IMMEDIATE */
int sgp_store_commit(struct sgp_store *st);	/* on failure: rolled back */
int sgp_store_rollback(struct sgp_store *st);
bool sgp_store_in_tx(const struct sgp_store *st);

typedef int (*sgp_store_tx_fn)(struct sgp_store *st, void *arg);
/* begin, fn, commit; fn returning non-zero rolls back and that value is
 * returned (so fn returns 0 or a negative sgp_err). */
int sgp_store_tx(struct sgp_store *st, sgp_store_tx_fn fn, void *arg);

/* --- statements (stmt.c) ---
 * sgp_store_prepare() returns the store's cached statement for that SQL
 * text (compiling it on first use), reset and with bindings cleared; it
 * stays valid until sgp_store_close().  Preparing the same text again
 * resets it, so don't interleave two uses of one SQL text.  A SELECT left
 * on a row holds its read snapshot: step it to DONE or reset it before the
 * next transaction.  Bind indexes and column numbers follow SQLite: binds
 * from 1, columns from 0. */
int sgp_store_prepare(struct sgp_store *st, const char *sql, struct sgp_stmt **out);

int sgp_stmt_bind_int64(struct sgp_stmt *s, int idx, int64_t v);
int sgp_stmt_bind_text(struct sgp_stmt *s, int idx, const char *v);	/* copied; NULL binds NULL */
int sgp_stmt_bind_blob(struct sgp_stmt *s, int idx, const void *p, size_t len); /* copied; len 0 is an empty blob */
int sgp_stmt_bind_null(struct sgp_stmt *s, int idx);

#define SGP_STORE_ROW	1
#define SGP_STORE_DONE	0
/* SGP_STORE_ROW: a row is ready to read; SGP_STORE_DONE: finished (the
 * statement is reset, bindings kept); <0: error (statement reset). */
int sgp_stmt_step(struct sgp_stmt *s);
/* Reset to run again (keeps bindings); ends a read early. */
int sgp_stmt_reset(struct sgp_stmt *s);

/* Column readers for the current row.  Pointers stay valid until the next
 * step/reset/prepare of this statement. */
int64_t sgp_stmt_column_int64(struct sgp_stmt *s, int col);
const char *sgp_stmt_column_text(struct sgp_stmt *s, int col);	/* NULL for NULL */
const void *sgp_stmt_column_blob(struct sgp_stmt *s, int col, size_t *len);
bool sgp_stmt_column_is_null(struct sgp_stmt *s, int col);
/* Copy a BLOB/TEXT column into out (replacing its content). */
int sgp_stmt_column_buf(struct sgp_stmt *s, int col, struct sgp_buf *out);

#endif
