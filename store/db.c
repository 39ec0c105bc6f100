/*
 * db.c - the SQLite helpers every store file uses (store_int.h): the error
 * text, running SQL, the cache of prepared statements, stepping, binding
 * and reading columns.  The bottom of store/: it calls nothing else of the
 * store, so store.c -> schema.c -> db.c and every other file -> db.c.
 */
#include "store/store_int.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The statement cache is an open-addressed table (linear probing) keyed by
 * the address of the SQL text: every caller passes a string literal, so
 * one address is one text for the life of the process.  It starts at
 * STMT_CACHE_FIRST entries and doubles when three quarters full.  The store
 * has well under a hundred texts: a table that would grow past
 * STMT_CACHE_MAX entries means a caller passes SQL that is not a literal,
 * and that bug is a panic rather than a cache that grows without end. */
#define STMT_CACHE_FIRST 128
#define STMT_CACHE_MAX 4096

static size_t
stmt_hash(const char *sql, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & mask;
}

/* The entry of `sql`, or the free entry where it would go. */
static struct store_stmt_entry *
stmt_find(struct store_stmt_entry *v, size_t cap, const char *sql)
{
	size_t i = stmt_hash(sql, cap - 1);

	while (v[i].sql != NULL && v[i].sql != sql)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static void
stmt_grow(struct store *st)
{
	size_t cap = st->stmts_cap ? st->stmts_cap * 2 : STMT_CACHE_FIRST;
	struct store_stmt_entry *v;

	if (cap > STMT_CACHE_MAX)
		panic("store: more than %d distinct SQL texts in the statement cache: "
		      "a caller passes SQL that is not a string literal",
		      STMT_CACHE_MAX / 4 * 3);
	v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; i < st->stmts_cap; i++)
		if (st->stmts[i].sql != NULL)
			*stmt_find(v, cap, st->stmts[i].sql) = st->stmts[i];
	free(st->stmts);
	st->stmts = v;
	st->stmts_cap = cap;
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	struct store_stmt_entry *e = NULL;
	sqlite3_stmt *s;
	const char *text;

	if (st->stmts_cap > 0)
		e = stmt_find(st->stmts, st->stmts_cap, sql);
	if (e != NULL && e->sql != NULL) {
		s = e->stmt;
		/* The key is the address: a buffer reused for another text
		 * would silently run the old statement. */
		text = sqlite3_sql(s);
		if (strncmp(text, sql, strlen(text)) != 0)
			panic("store: the SQL at %p changed since it was prepared: "
			      "store_stmt needs a string literal",
			      (const void *)sql);
	} else {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
		    SQLITE_OK) {
			store_fail_db(st, "preparing a statement");
			return NULL;
		}
		if (s == NULL) { /* only white space or a comment */
			store_fail(st, STORE_EDB, "preparing a statement: no SQL in it");
			return NULL;
		}
		if ((st->nstmts + 1) * 4 > st->stmts_cap * 3)
			stmt_grow(st);
		e = stmt_find(st->stmts, st->stmts_cap, sql);
		e->sql = sql;
		e->stmt = s;
		st->nstmts++;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

int
store_reset_statements(struct store *st)
{
	int busy = 0;

	/* A cached statement left on a row keeps a read snapshot open; while
	 * one is open no checkpoint can reset the WAL, which then grows for as
	 * long as the process writes.  Resetting one that is not busy is
	 * harmless. */
	for (size_t i = 0; i < st->stmts_cap; i++) {
		sqlite3_stmt *s = st->stmts[i].stmt;

		if (s == NULL)
			continue;
		if (sqlite3_stmt_busy(s)) {
			log_debug("store: statement left stepping: %.120s", sqlite3_sql(s));
			busy++;
		}
		sqlite3_reset(s);
	}
	return busy;
}

void
store_finalize_statements(struct store *st)
{
	for (size_t i = 0; i < st->stmts_cap; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	free(st->stmts);
	st->stmts = NULL;
	st->stmts_cap = 0;
	st->nstmts = 0;
}

int
store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? STORE_OK : store_fail_db(st, what);
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
