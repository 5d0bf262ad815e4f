/* sgp32lab: SQLite store: prepared statement cache, binds, steps, columns */
#include "core/store/store_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"

/* FNV-1a: a quick filter before the strcmp of the cache lookup. */
static uint32_t sql_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

static bool only_space(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s) && *s != ';')
			return false;
	return true;
}

int sgp_store_prepare(struct sgp_store *st, const char *sql, struct sgp_stmt **out)
{
	sqlite3_stmt *stmt = NULL;
	struct sgp_stmt *s;
	const char *tail = NULL;
	uint32_t h;
	int rc;

	if (!st || !sql || !out)
		return SGP_ERR_INVAL;
	*out = NULL;
	h = sql_hash(sql);
	for (size_t i = 0; i < st->n_stmts; i++) {
		s = st->stmts[i];
		if (s->hash == h && strcmp(s->sql, sql) == 0) {
			sqlite3_reset(s->stmt);	/* its last step's result is not ours */
			sqlite3_clear_bindings(s->stmt);
			*out = s;
			return SGP_OK;
		}
	}
	if (st->n_stmts == SGP_STORE_STMT_MAX)
		return sgp_store_refuse(st, SGP_ERR_TOOBIG,
					"prepare \"%.60s\": statement cache full (%d SQL texts): "
					"SQL must be constant text, values bound",
					sql, SGP_STORE_STMT_MAX);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &stmt, &tail);
	if (rc != SQLITE_OK)
		return sgp_store_fail(st, sqlite3_extended_errcode(st->db), NULL,
				      "prepare \"%.60s\"", sql);
	if (!stmt)
		return sgp_store_refuse(st, SGP_ERR_INVAL, "prepare: no SQL statement in \"%.60s\"",
					sql);
	if (tail && !only_space(tail)) {
		sqlite3_finalize(stmt);
		return sgp_store_refuse(st, SGP_ERR_INVAL,
					"prepare \"%.60s\": more than one statement", sql);
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->sql = strdup(sql))) {
		free(s);
		sqlite3_finalize(stmt);
		return SGP_ERR_NOMEM;
	}
	s->st = st;
	s->stmt = stmt;
	s->hash = h;
	st->stmts[st->n_stmts++] = s;
	*out = s;
	return SGP_OK;
}

void sgp_store_stmts_reset(struct sgp_store *st)
{
	for (size_t i = 0; i < st->n_stmts; i++)
		sqlite3_reset(st->stmts[i]->stmt);
}

void sgp_store_stmts_finalize(struct sgp_store *st)
{
	for (size_t i = 0; i < st->n_stmts; i++) {
		sqlite3_finalize(st->stmts[i]->stmt);
		free(st->stmts[i]->sql);
		free(st->stmts[i]);
		st->stmts[i] = NULL;
	}
	st->n_stmts = 0;
}

static int bind_result(struct sgp_stmt *s, int rc, int idx)
{
	if (rc == SQLITE_OK)
		return SGP_OK;
	return sgp_store_fail(s->st, rc, NULL, "bind %d of \"%.60s\"", idx, s->sql);
}

int sgp_stmt_bind_int64(struct sgp_stmt *s, int idx, int64_t v)
{
	if (!s)
		return SGP_ERR_INVAL;
	return bind_result(s, sqlite3_bind_int64(s->stmt, idx, (sqlite3_int64)v), idx);
}

int sgp_stmt_bind_text(struct sgp_stmt *s, int idx, const char *v)
{
	if (!s)
		return SGP_ERR_INVAL;
	if (!v)
		return sgp_stmt_bind_null(s, idx);
	return bind_result(s, sqlite3_bind_text(s->stmt, idx, v, -1, SQLITE_TRANSIENT), idx);
}

int sgp_stmt_bind_blob(struct sgp_stmt *s, int idx, const void *p, size_t len)
{
	if (!s || (!p && len))
		return SGP_ERR_INVAL;
	/* SQLite binds NULL for a NULL pointer: an empty BLOB is a zeroblob. */
	if (len == 0)
		return bind_result(s, sqlite3_bind_zeroblob(s->stmt, idx, 0), idx);
	return bind_result(s, sqlite3_bind_blob64(s->stmt, idx, p, (sqlite3_uint64)len,
						  SQLITE_TRANSIENT), idx);
}

int sgp_stmt_bind_null(struct sgp_stmt *s, int idx)
{
	if (!s)
		return SGP_ERR_INVAL;
	return bind_result(s, sqlite3_bind_null(s->stmt, idx), idx);
}

int sgp_stmt_step(struct sgp_stmt *s)
{
	int rc, err;

	if (!s)
		return SGP_ERR_INVAL;
	rc = sqlite3_step(s->stmt);
	if (rc == SQLITE_ROW)
		return SGP_STORE_ROW;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s->stmt);
		return SGP_STORE_DONE;
	}
	err = sgp_store_fail(s->st, sqlite3_extended_errcode(s->st->db), NULL,
			     "step \"%.60s\"", s->sql);
	sqlite3_reset(s->stmt);
	return err;
}

int sgp_stmt_reset(struct sgp_stmt *s)
{
	if (!s)
		return SGP_ERR_INVAL;
	/* sqlite3_reset() repeats the last step's error, already reported. */
	sqlite3_reset(s->stmt);
	return SGP_OK;
}

int64_t sgp_stmt_column_int64(struct sgp_stmt *s, int col)
{
	return s ? (int64_t)sqlite3_column_int64(s->stmt, col) : 0;
}

const char *sgp_stmt_column_text(struct sgp_stmt *s, int col)
{
	return s ? (const char *)sqlite3_column_text(s->stmt, col) : NULL;
}

const void *sgp_stmt_column_blob(struct sgp_stmt *s, int col, size_t *len)
{
	const void *p;
	int n;

	if (!s) {
		if (len)
			*len = 0;
		return NULL;
	}
	/* blob before bytes: SQLite's documented order. */
	p = sqlite3_column_blob(s->stmt, col);
	n = sqlite3_column_bytes(s->stmt, col);
	if (len)
		*len = n > 0 ? (size_t)n : 0;
	return p;
}

bool sgp_stmt_column_is_null(struct sgp_stmt *s, int col)
{
	return !s || sqlite3_column_type(s->stmt, col) == SQLITE_NULL;
}

int sgp_stmt_column_buf(struct sgp_stmt *s, int col, struct sgp_buf *out)
{
	const void *p;
	size_t len;

	if (!s || !out)
		return SGP_ERR_INVAL;
	p = sgp_stmt_column_blob(s, col, &len);
	if (!p && len == 0) {
		/* NULL, an empty value, or out of memory: ask SQLite which. */
		if (sqlite3_errcode(s->st->db) == SQLITE_NOMEM)
			return SGP_ERR_NOMEM;
		sgp_buf_reset(out);
		return SGP_OK;
	}
	return sgp_buf_set(out, p, len);
}
