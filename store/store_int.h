/*
 * store_int.h - what the store's own files share: the handle, the
 * statement calls every store file uses whichever database is behind it
 * (db.c), and the driver each backend fills in (store/sqlite/, store/pg/).
 * Not for use outside store/.
 *
 * SQL is written once where the two databases agree: numbered parameters
 * ?1..?N (the PostgreSQL driver rewrites them to $1..$N), INSERT ... ON
 * CONFLICT DO NOTHING, coalesce, CASE.  Where they do not (full-text
 * search, dates, JSON), store_stmt_for() picks the text of the backend.
 */
#ifndef STORE_STORE_INT_H
#define STORE_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct buf;

/* What store_step() returns besides a negative STORE_E* code. */
enum {
	STORE_ROW = 100, /* a row is ready: read it with store_col_*() */
	STORE_DONE = 101 /* the statement ran to completion */
};

/* A prepared statement.  Each driver's own statement begins with this. */
struct store_stmt {
	struct store *st;
	char *sql; /* owned: a copy of the text it was prepared from (db.c) */
};

/* One backend.  Every function pointer is set; the statement calls below
 * go through them. */
struct store_driver {
	const char *name; /* "sqlite" or "postgresql" */
	/* Connects st->conn to `target` (a path or a URL); STORE_EDB with
	 * st->err set on failure. */
	int (*open)(struct store *st, const char *target, const struct store_options *o,
		    int readonly);
	void (*close)(struct store *st);
	/* Brings the schema to STORE_SCHEMA_VERSION in one transaction:
	 * STORE_OK, STORE_ENEWER, STORE_EINVAL (read-only and too old),
	 * STORE_EDB. */
	int (*migrate)(struct store *st, int readonly);
	int (*schema_version)(struct store *st);
	int (*exec)(struct store *st, const char *sql);
	struct store_stmt *(*prepare)(struct store *st, const char *sql);
	void (*finalize)(struct store_stmt *s);
	void (*reset)(struct store_stmt *s); /* ends stepping, clears bindings */
	int (*busy)(struct store_stmt *s);   /* stepped and not reset */
	int (*bind_int64)(struct store_stmt *s, int i, int64_t v);
	int (*bind_text)(struct store_stmt *s, int i, const char *v); /* NULL: SQL NULL */
	int (*bind_blob)(struct store_stmt *s, int i, const void *p, size_t n);
	int (*bind_null)(struct store_stmt *s, int i); /* of any type */
	int (*step)(struct store_stmt *s);
	int (*col_null)(struct store_stmt *s, int i);
	int64_t (*col_int64)(struct store_stmt *s, int i);
	const char *(*col_text)(struct store_stmt *s, int i);
	const void *(*col_blob)(struct store_stmt *s, int i);
	size_t (*col_bytes)(struct store_stmt *s, int i);
	int64_t (*changes)(struct store *st); /* rows of the last statement */
	int64_t (*last_id)(struct store *st); /* id of the last inserted row */
	int (*set_cache_mb)(struct store *st, int mb);
	/* Makes every commit so far durable across a power cut (store_sync);
	 * NULL when each commit is durable already (PostgreSQL with
	 * synchronous_commit on). */
	int (*sync)(struct store *st);
	/* Bulk rows (PostgreSQL; NULL on SQLite), for batches of record
	 * writes (batch.c): runs `sql`, a COPY ... FROM STDIN, with the len
	 * bytes of `data`, rows in COPY's text format.  STORE_OK, or
	 * STORE_EDB (inside a transaction: it is then aborted). */
	int (*copy_in)(struct store *st, const char *sql, const char *data, size_t len);
	/* Bulk transactions (store_begin_bulk; NULL on PostgreSQL, whose
	 * indexes cost nothing more row by row): bulk_begin runs right after
	 * BEGIN and may set st->bulk; bulk_added is told of each message
	 * added (its id); bulk_settle brings what it deferred up
	 * to date for message `id` before a write that needs it (an UPDATE of
	 * a message added in the transaction); bulk_end writes everything
	 * deferred, right before COMMIT; bulk_drop forgets it after a
	 * ROLLBACK.  Each clears st->bulk when it is done with it. */
	int (*bulk_begin)(struct store *st);
	int (*bulk_settle)(struct store *st, int64_t id);
	int (*bulk_added)(struct store *st, int64_t id);
	int (*bulk_end)(struct store *st);
	void (*bulk_drop)(struct store *st);
	/* store_defer_indexes / store_build_indexes (NULL on PostgreSQL):
	 * each in a transaction of its own. */
	int (*defer_indexes)(struct store *st);
	int (*build_indexes)(struct store *st);
	/* store_finish_load */
	int (*finish_load)(struct store *st);
	/* store_merge_search (NULL on PostgreSQL) */
	int (*merge_search)(struct store *st, int ms);
};

extern const struct store_driver store_driver_sqlite;
extern const struct store_driver store_driver_pg;

/* One cached statement (db.c). */
struct store_stmt_entry {
	const char *sql;	 /* borrowed: the caller's string literal; NULL = free */
	struct store_stmt *stmt; /* owned: finalized by store_finalize_statements */
};

struct store {
	const struct store_driver *drv;
	void *conn; /* the driver's connection */
	char path[1024];
	char node[128];	   /* [store] node_name; "" when not given */
	int lease_seconds; /* claims expire after this */
	/* The complaint this handle claimed last (store_claim_complaint),
	 * until released; its request is recorded only while the claim holds. */
	char *claimed_key; /* owned; NULL when none */
	char err[512];
	/* PostgreSQL: the SQLSTATE of the last failure with a result, "" if
	 * none (store_retryable). */
	char sqlstate[6];
	int in_tx;
	/* The driver's state of a bulk transaction (store_begin_bulk): owned
	 * by the driver, NULL outside one. */
	void *bulk;
	/* Inside a bulk transaction on SQLite: what it wrote and read of
	 * accounts, messages and recipients (bulk_cache.c), cleared at its
	 * end; NULL outside one.  The table itself is kept in `cache`. */
	struct bulk_cache *bulk_cache; /* borrowed from `cache` */
	struct bulk_cache *cache;      /* owned; NULL until the first */
	/* SQLite: messages the bulk transactions since the last
	 * store_finish_load() gave the subject index (sqlite_bulk.c). */
	int64_t load_indexed;
	long syncs; /* store_sync() fsyncs, for the figures */
	/* Prepared on first use, keyed by the SQL text's address (db.c):
	 * stmts_cap entries (0 or a power of two), nstmts of them used. */
	struct store_stmt_entry *stmts; /* owned */
	size_t stmts_cap, nstmts;
};

/* Records a database error ("what: driver message") and returns STORE_EDB.
 * The driver leaves its message in st->err first (or store_fail_db keeps
 * what is there). */
int store_fail_db(struct store *st, const char *what);
/* 1 when the last failure was PostgreSQL aborting the transaction for a
 * deadlock or a serialization failure (SQLSTATE 40P01, 40001): nothing of
 * the transaction was written, and running it again may succeed. */
int store_retryable(const struct store *st);
/* Records a refusal and returns STORE_EINVAL. */
int store_fail(struct store *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The cached statement for `sql`, reset and with bindings cleared; it
 * stays owned by the cache (never finalize it).  `sql` must be a string
 * literal (or other static text that never changes): the cache is keyed
 * by its address, and a changed text at a known address is a panic.  NULL
 * (and errmsg set) when it does not prepare. */
struct store_stmt *store_stmt(struct store *st, const char *sql);
/* store_stmt() of `sqlite` or of `pg`, whichever backend `st` is. */
#define store_stmt_for(st, sqlite, pg) store_stmt((st), store_is_pg(st) ? (pg) : (sqlite))
int store_is_pg(const struct store *st);
/* Finalizes every cached statement (store_close, before the driver closes). */
void store_finalize_statements(struct store *st);
/* Inside the transaction that records the request of `key`: when this
 * handle claimed it (store_claim_complaint, PostgreSQL), renews the claim
 * if it is still this node's, else STORE_ELOST (another node took it over
 * after the lease ran out, and records it itself).  STORE_OK otherwise. */
int store_claim_fence(struct store *st, const char *key, int64_t now);
/* Inside a bulk transaction (store_begin_bulk), before a write that needs
 * the indexes the driver defers to be up to date for message `id` (an
 * UPDATE of the messages row: its subject-index trigger reads the row's
 * old entry).  STORE_OK at once outside one. */
int store_bulk_settle(struct store *st, int64_t id);
/* Inside a bulk transaction, right after message `id` was added (the
 * driver may start deferring from it).  STORE_OK at once outside one. */
int store_bulk_added(struct store *st, int64_t id);
/* bulk_cache.c: answers a bulk transaction already had (st->bulk_cache),
 * by text key; every lookup is 0 (a miss: ask SQLite) with a NULL cache.
 * Valid only while the transaction holds the write lock; records.c puts
 * what it writes or reads, and forgets a message it updates. */
struct bulk_cache;
struct bulk_cache *bulk_cache_new(void);
void bulk_cache_clear(struct bulk_cache *c);
void bulk_cache_free(struct bulk_cache **c);
int bulk_cache_account(struct bulk_cache *c, const char *name, int64_t *id_r);
void bulk_cache_put_account(struct bulk_cache *c, const char *name, int64_t id);
int bulk_cache_message(struct bulk_cache *c, const char *queue_id, int64_t *id_r,
		       int64_t *account_r, int64_t *submitted_r);
void bulk_cache_put_message(struct bulk_cache *c, const char *queue_id, int64_t id, int64_t account,
			    int64_t submitted);
void bulk_cache_forget_message(struct bulk_cache *c, const char *queue_id);
int bulk_cache_recipient(struct bulk_cache *c, int64_t msg, const char *addr, int64_t *rid_r);
void bulk_cache_put_recipient(struct bulk_cache *c, int64_t msg, const char *addr, int64_t rid);
/* Runs SQL with no result rows; STORE_OK or STORE_EDB. */
int store_exec(struct store *st, const char *sql);
/* A reply's bytes (outbox_messages, apart from the outbox row: outbox.c):
 * stored for a new row, or copied from one row to another. */
int store_outbox_message_put(struct store *st, int64_t outbox_id, const void *message, size_t len);
int store_outbox_message_copy(struct store *st, int64_t from_id, int64_t to_id);
/* store_exec() for cleanup after a failure (ROLLBACK, an unlock): the
 * error already in st->err is the one kept, whatever `sql` does. */
void store_exec_keep_error(struct store *st, const char *sql);

/* The statement calls: bind (1-based), step, read columns (0-based). */
int store_bind_int64(struct store_stmt *s, int i, int64_t v);
/* Binds a C string or NULL. */
int store_bind_text(struct store_stmt *s, int i, const char *v);
int store_bind_null(struct store_stmt *s, int i);
int store_bind_blob(struct store_stmt *s, int i, const void *p, size_t n);
/* STORE_ROW, STORE_DONE or STORE_EDB (the driver's message in st->err). */
int store_step(struct store_stmt *s);
void store_reset(struct store_stmt *s);
int store_col_null(struct store_stmt *s, int i);
int64_t store_col_int64(struct store_stmt *s, int i);
int store_col_int(struct store_stmt *s, int i);
/* Valid until the next step or reset; NULL for SQL NULL. */
const char *store_col_text(struct store_stmt *s, int i);
const void *store_col_blob(struct store_stmt *s, int i);
size_t store_col_bytes(struct store_stmt *s, int i);
/* malloc'd copy of a text column, NULL for SQL NULL. */
char *store_col_dup(struct store_stmt *s, int i);
/* records.c for batch.c (PostgreSQL): store_put_message/_attempt's checks
 * (STORE_EINVAL, nothing added), then the record as one row of the
 * staging table (store/pg/pg_stage.c) appended to `rows` with
 * store_copy_field (STORE_OK; STORE_EFULL, errmsg untouched, when
 * `rows` is full: the caller cuts `rows` back and sends what it holds
 * first); and the result of such a row (the merge's 1, 0 or -1) as
 * store_put_* would have returned it. */
int store_message_stage(struct store *st, const struct store_message_in *m, struct buf *rows);
int store_attempt_stage(struct store *st, const struct store_attempt_in *a, struct buf *rows);
int store_message_result(struct store *st, const char *queue_id, int64_t v);
int store_attempt_result(struct store *st, const char *queue_id, int64_t v);
/* db.c, for records.c and batch.c: one field of a COPY text row: `v` (NULL: SQL NULL; invalid
 * UTF-8 made valid, U+FFFD, as the driver binds text) escaped, then a tab,
 * or with `last` a newline.  -1 when `rows` is full. */
int store_copy_field(struct buf *rows, const char *v, int last);
int store_copy_int64(struct buf *rows, int64_t v, int last);

/* The driver's copy_in (PostgreSQL only). */
int store_copy_in(struct store *st, const char *sql, const char *data, size_t len);
/* Rows changed by the last statement; id of the last row inserted. */
int64_t store_changes(struct store *st);
int64_t store_last_id(struct store *st);

/* Steps a statement that returns no rows and resets it: STORE_OK, or
 * STORE_EDB ("what: ...") unless it ran to completion. */
int store_step_done(struct store *st, struct store_stmt *s, const char *what);
/* Steps a bound single-row query: STORE_OK with column 0 in *v_r (may be
 * NULL), STORE_ENOTFOUND when no row, STORE_EDB ("what: ...") on error.
 * The statement is reset either way, so it holds no read snapshot. */
int store_step_int64(struct store *st, struct store_stmt *s, int64_t *v_r, const char *what);

#endif
