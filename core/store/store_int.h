/* sgp32lab: internals shared by the files of core/store (not for roles) */
#ifndef SGP_CORE_STORE_INT_H
#define SGP_CORE_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store/store.h"

/* One cached prepared statement; owned by its store. */
struct sgp_stmt {
	struct sgp_store *st;
	sqlite3_stmt *stmt;
	char *sql;
	uint32_t hash;
};

struct sgp_store {
	sqlite3 *db;
	char *path;
	bool in_tx;		/* between sgp_store_begin and commit/rollback */
	size_t n_stmts;
	struct sgp_stmt *stmts[SGP_STORE_STMT_MAX];
	char errmsg[512];
};

/* Record and log a failure SQLite reported (rc, with sqlite3_errmsg() or
 * sqlmsg when given) under a context; returns the mapped sgp_err. */
int sgp_store_fail(struct sgp_store *st, int rc, const char *sqlmsg,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Record and log a failure of our own (misuse, policy); returns err. */
int sgp_store_refuse(struct sgp_store *st, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* sqlite3_exec() with the failure recorded under ctx. */
int sgp_store_exec_ctx(struct sgp_store *st, const char *sql, const char *ctx);
/* Map an SQLite (extended) result code to an sgp_err. */
int sgp_store_map_rc(int rc);

void sgp_store_stmts_reset(struct sgp_store *st);
void sgp_store_stmts_finalize(struct sgp_store *st);

#endif
