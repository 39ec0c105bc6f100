/*
 * store_int.h - what the store's own files share: the handle, a cache of
 * prepared statements, and error helpers (db.c).  Not for use outside
 * store/.
 */
#ifndef STORE_STORE_INT_H
#define STORE_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

#define STORE_MAX_STMTS 128

struct store {
	sqlite3 *db;
	char path[1024];
	char err[512];
	int in_tx;
	sqlite3_stmt *stmts[STORE_MAX_STMTS];	/* prepared on first use */
};

/* Records a database error ("what: sqlite message") and returns STORE_EDB. */
int store_fail_db(struct store *st, const char *what);
/* Records a refusal and returns STORE_EINVAL. */
int store_fail(struct store *st, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The cached statement `slot` for `sql`, reset and with bindings cleared.
 * NULL (and errmsg set) when it does not prepare. */
sqlite3_stmt *store_stmt(struct store *st, int slot, const char *sql);
/* Finalizes every cached statement (store_close, before sqlite3_close). */
void store_finalize_statements(struct store *st);
/* Runs SQL with no result rows; STORE_OK or STORE_EDB. */
int store_exec(struct store *st, const char *sql);

/* Steps a bound single-row query: STORE_OK with column 0 in *v_r (may be
 * NULL), STORE_ENOTFOUND when no row, STORE_EDB ("what: ...") on error.
 * The statement is reset either way, so it holds no read snapshot. */
int store_step_int64(struct store *st, sqlite3_stmt *s, int64_t *v_r, const char *what);

/* Binds a C string or NULL. */
int store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* malloc'd copy of a text column, NULL for SQL NULL. */
char *store_col_dup(sqlite3_stmt *s, int i);

/* Migrations (schema.c): brings the database to STORE_SCHEMA_VERSION inside
 * one transaction; refuses a newer schema. */
int store_migrate(struct store *st, int readonly);

/* Statement slots, one per distinct SQL text. */
enum store_slot {
	SLOT_ACCOUNT_INSERT, SLOT_ACCOUNT_ID, SLOT_ADDR_INSERT, SLOT_ADDR_OWNER,
	SLOT_ADDR_LOOKUP,
	SLOT_MSG_INSERT, SLOT_MSG_FILL, SLOT_MSG_ID_BY_QID, SLOT_RCPT_INSERT,
	SLOT_RCPT_ID, SLOT_ATT_INSERT, SLOT_RCPT_STATUS, SLOT_RCPT_SUBMITTED,
	SLOT_FIND_MID, SLOT_FIND_QID, SLOT_FIND_RCPT, SLOT_FIND_SUBJ,
	SLOT_LOAD_MSG, SLOT_LOAD_RCPTS, SLOT_LOAD_ATTS,
	SLOT_STORE_FIRST_FREE,

	/* Each further module of store/ owns a range of slots, so modules can
	 * be added without touching each other's numbers. */
	SLOT_REQUESTS_BASE = 32,	/* requests.c: 32..47 */
	SLOT_OUTBOX_BASE = 48,		/* outbox.c, daemon_state.c: 48..71 */
	SLOT_POSTFIX_BASE = 72,		/* import_postfix.c, follow: 72..95 */
	SLOT_ADMIN_BASE = 96,		/* log/stats/purge queries: 96..127 */
};

#endif
