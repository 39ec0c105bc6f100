/*
 * sqlite_db.c - the SQLite driver of the store (store_int.h): one database
 * file in WAL mode, statements prepared once and kept (db.c's cache), the
 * bind/step/column calls passed straight to SQLite.  The schema and its
 * migrations are sqlite_schema.c's.
 */
#include "store/sqlite/sqlite_int.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

struct lite_stmt {
	struct store_stmt base; /* first: a struct store_stmt * is one of these */
	sqlite3_stmt *s;
};

#define LS(p) ((struct lite_stmt *)(void *)(p))

/* Copies SQLite's message into st->err; returns STORE_EDB. */
static int
lite_fail(struct store *st)
{
	snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(lite_db(st)));
	return STORE_EDB;
}

/* A failure while opening: "store PATH: what: what to do". */
static int
lite_open_fail(struct store *st, const char *path)
{
	char why[sizeof(st->err)];
	int r = lite_classify(st), n;

	if (r == STORE_EDB)
		snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(lite_db(st)));
	memcpy(why, st->err, sizeof(why));
	n = snprintf(st->err, sizeof(st->err),
		     r == STORE_EDB ? "cannot open store %s: " : "store %s: ", path);
	if (n > 0 && (size_t)n < sizeof(st->err))
		str_copy(st->err + n, why, sizeof(st->err) - (size_t)n);
	return r;
}

static int
lite_open(struct store *st, const char *path, const struct store_options *o, int readonly)
{
	sqlite3 *db = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	(void)o;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (db != NULL) {
			st->conn = db;
			return lite_open_fail(st, path);
		}
		snprintf(st->err, sizeof(st->err), "cannot open store %s: out of memory", path);
		return STORE_EDB;
	}
	st->conn = db;
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 10000);
	/* WAL lets the daemon, an importer and admin commands work at once;
	 * synchronous=NORMAL in WAL mode is durable across process crashes
	 * (only an OS crash can lose the last transactions). */
	if (!readonly && store_exec(st, "PRAGMA journal_mode=WAL;"
					"PRAGMA synchronous=NORMAL;") < 0)
		return lite_open_fail(st, path);
	if (store_exec(st, "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;"
			   "PRAGMA temp_store=MEMORY;") < 0)
		return lite_open_fail(st, path);
	return STORE_OK;
}

static void
lite_close(struct store *st)
{
	if (st->conn != NULL)
		sqlite3_close(lite_db(st));
	st->conn = NULL;
}

static int
lite_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(lite_db(st), sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s", msg ? msg : sqlite3_errmsg(lite_db(st)));
		sqlite3_free(msg);
		return STORE_EDB;
	}
	return STORE_OK;
}

static struct store_stmt *
lite_prepare(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	struct lite_stmt *ls;

	if (sqlite3_prepare_v3(lite_db(st), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
	    SQLITE_OK) {
		lite_fail(st);
		return NULL;
	}
	if (s == NULL) { /* only white space or a comment */
		snprintf(st->err, sizeof(st->err), "no SQL in it");
		return NULL;
	}
	ls = xcalloc(1, sizeof(*ls));
	ls->s = s;
	return &ls->base;
}

static void
lite_finalize(struct store_stmt *s)
{
	sqlite3_finalize(LS(s)->s);
	free(LS(s));
}

static void
lite_reset(struct store_stmt *s)
{
	sqlite3_reset(LS(s)->s);
	sqlite3_clear_bindings(LS(s)->s);
}

static int
lite_busy(struct store_stmt *s)
{
	return sqlite3_stmt_busy(LS(s)->s);
}

static int
lite_bind_int64(struct store_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(LS(s)->s, i, v) == SQLITE_OK ? STORE_OK : STORE_EDB;
}

static int
lite_bind_text(struct store_stmt *s, int i, const char *v)
{
	int rc = v == NULL ? sqlite3_bind_null(LS(s)->s, i) :
			     sqlite3_bind_text(LS(s)->s, i, v, -1, SQLITE_TRANSIENT);

	return rc == SQLITE_OK ? STORE_OK : STORE_EDB;
}

static int
lite_bind_blob(struct store_stmt *s, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(LS(s)->s, i, p, n, SQLITE_TRANSIENT) == SQLITE_OK ? STORE_OK :
										       STORE_EDB;
}

static int
lite_bind_null(struct store_stmt *s, int i)
{
	return sqlite3_bind_null(LS(s)->s, i) == SQLITE_OK ? STORE_OK : STORE_EDB;
}

static int
lite_step(struct store_stmt *s)
{
	switch (sqlite3_step(LS(s)->s)) {
	case SQLITE_ROW:
		return STORE_ROW;
	case SQLITE_DONE:
		return STORE_DONE;
	default:
		return lite_fail(s->st);
	}
}

static int
lite_col_null(struct store_stmt *s, int i)
{
	return sqlite3_column_type(LS(s)->s, i) == SQLITE_NULL;
}

static int64_t
lite_col_int64(struct store_stmt *s, int i)
{
	return sqlite3_column_int64(LS(s)->s, i);
}

static const char *
lite_col_text(struct store_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(LS(s)->s, i);
}

static const void *
lite_col_blob(struct store_stmt *s, int i)
{
	return sqlite3_column_blob(LS(s)->s, i);
}

static size_t
lite_col_bytes(struct store_stmt *s, int i)
{
	return (size_t)sqlite3_column_bytes(LS(s)->s, i);
}

static int64_t
lite_changes(struct store *st)
{
	return sqlite3_changes64(lite_db(st));
}

static int64_t
lite_last_id(struct store *st)
{
	return sqlite3_last_insert_rowid(lite_db(st));
}

static int
lite_set_cache_mb(struct store *st, int mb)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d", -1024 * mb);
	return lite_exec(st, sql);
}

/* In WAL mode the journal is the write-ahead log; a commit with
 * synchronous=NORMAL has written its frames there without an fsync.  One
 * fsync of that file makes every commit so far durable: what
 * synchronous=FULL does at each commit, paid here once per batch. */
static int
lite_sync(struct store *st)
{
	sqlite3_file *wal = NULL;
	int rc;

	rc = sqlite3_file_control(lite_db(st), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
	if (rc != SQLITE_OK)
		return store_fail(st, STORE_EDB, "finding the write-ahead log of %s: %s", st->path,
				  sqlite3_errmsg(lite_db(st)));
	if (wal == NULL || wal->pMethods == NULL)
		return STORE_OK; /* nothing written since the log was reset */
	rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK)
		return store_fail(st, STORE_EDB,
				  "fsync of %s-wal failed (error %d): the last commits may not "
				  "survive a power cut",
				  st->path, rc);
	return STORE_OK;
}

const struct store_driver store_driver_sqlite = {
	.name = "sqlite",
	.open = lite_open,
	.close = lite_close,
	.migrate = lite_migrate,
	.schema_version = lite_schema_version,
	.exec = lite_exec,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.reset = lite_reset,
	.busy = lite_busy,
	.bind_int64 = lite_bind_int64,
	.bind_text = lite_bind_text,
	.bind_blob = lite_bind_blob,
	.bind_null = lite_bind_null,
	.step = lite_step,
	.col_null = lite_col_null,
	.col_int64 = lite_col_int64,
	.col_text = lite_col_text,
	.col_blob = lite_col_blob,
	.col_bytes = lite_col_bytes,
	.changes = lite_changes,
	.last_id = lite_last_id,
	.set_cache_mb = lite_set_cache_mb,
	.sync = lite_sync,
	.bulk_begin = lite_bulk_begin,
	.bulk_settle = lite_bulk_settle,
	.bulk_added = lite_bulk_added,
	.bulk_end = lite_bulk_end,
	.bulk_drop = lite_bulk_drop,
	.defer_indexes = lite_defer_indexes,
	.build_indexes = lite_build_indexes,
	.finish_load = lite_finish_load,
	.merge_search = lite_merge_search,
};
