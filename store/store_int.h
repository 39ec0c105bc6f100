/*
 * store_int.h - what the store's own files share: the handle, a cache of
 * prepared statements, and error helpers (db.c).  Not for use outside
 * store/.
 */
#ifndef STORE_STORE_INT_H
#define STORE_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

/* One cached statement (db.c). */
struct store_stmt_entry {
	const char *sql;    /* borrowed: the caller's string literal; NULL = free */
	sqlite3_stmt *stmt; /* owned: finalized by store_finalize_statements */
};

struct store {
	sqlite3 *db;
	char path[1024];
	char err[512];
	int in_tx;
	long syncs; /* store_sync() fsyncs, for the figures */
	/* Prepared on first use, keyed by the SQL text's address (db.c):
	 * stmts_cap entries (0 or a power of two), nstmts of them used. */
	struct store_stmt_entry *stmts; /* owned */
	size_t stmts_cap, nstmts;
};

/* Records a database error ("what: sqlite message") and returns STORE_EDB. */
int store_fail_db(struct store *st, const char *what);
/* Records a refusal and returns STORE_EINVAL. */
int store_fail(struct store *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The cached statement for `sql`, reset and with bindings cleared; it
 * stays owned by the cache (never finalize it).  `sql` must be a string
 * literal (or other static text that never changes): the cache is keyed
 * by its address, and a changed text at a known address is a panic.  NULL
 * (and errmsg set) when it does not prepare. */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);
/* Finalizes every cached statement (store_close, before sqlite3_close). */
void store_finalize_statements(struct store *st);
/* Runs SQL with no result rows; STORE_OK or STORE_EDB. */
int store_exec(struct store *st, const char *sql);

/* Steps a statement that returns no rows and resets it: STORE_OK, or
 * STORE_EDB ("what: ...") unless it ran to completion. */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what);
/* Steps a bound single-row query: STORE_OK with column 0 in *v_r (may be
 * NULL), STORE_ENOTFOUND when no row, STORE_EDB ("what: ...") on error.
 * The statement is reset either way, so it holds no read snapshot. */
int store_step_int64(struct store *st, sqlite3_stmt *s, int64_t *v_r, const char *what);

/* Binds a C string or NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* malloc'd copy of a text column, NULL for SQL NULL. */
char *store_col_dup(sqlite3_stmt *s, int i);

/* Migrations (schema.c): brings the database to STORE_SCHEMA_VERSION inside
 * one transaction.  STORE_OK; STORE_ENEWER for a newer schema, STORE_EINVAL
 * when a read-only store needs upgrading, STORE_EDB. */
int store_migrate(struct store *st, int readonly);

#endif
