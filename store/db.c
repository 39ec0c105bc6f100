/*
 * db.c - the SQLite helpers every store file uses (store_int.h): the error
 * text, running SQL, the cache of prepared statements, stepping, binding
 * and reading columns.  The bottom of store/: it calls nothing else of the
 * store, so store.c -> schema.c -> db.c and every other file -> db.c.
 */
#include "store/store_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
store_fail_db(struct store *st, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s: %s", what, sqlite3_errmsg(st->db));
	return STORE_EDB;
}

int
store_fail(struct store *st, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	str_sanitize_line(st->err);
	return code;
}

const char *
store_errmsg(const struct store *st)
{
	return st->err;
}

int
store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s", msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return STORE_EDB;
	}
	return STORE_OK;
}

sqlite3_stmt *
store_stmt(struct store *st, int slot, const char *sql)
{
	sqlite3_stmt *s = st->stmts[slot];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s, NULL) != SQLITE_OK) {
			store_fail_db(st, "preparing a statement");
			return NULL;
		}
		st->stmts[slot] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

void
store_reset_statements(struct store *st)
{
	for (int i = 0; i < STORE_MAX_STMTS; i++)
		if (st->stmts[i] != NULL)
			sqlite3_reset(st->stmts[i]);
}

void
store_finalize_statements(struct store *st)
{
	for (int i = 0; i < STORE_MAX_STMTS; i++) {
		sqlite3_finalize(st->stmts[i]);
		st->stmts[i] = NULL;
	}
}

int
store_step_int64(struct store *st, sqlite3_stmt *s, int64_t *v_r, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW && v_r != NULL)
		*v_r = sqlite3_column_int64(s, 0);
	/* A statement left on a row holds a read snapshot open, and the WAL
	 * cannot be checkpointed past it: every reader resets when done. */
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_ENOTFOUND : store_fail_db(st, what);
}

int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

char *
store_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i)) : NULL;
}
