/*
 * store.c - opening (and migrating, schema.c) the store, closing it,
 * transactions and counts.  The SQLite helpers are db.c's.
 */
#include "store/store_int.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

struct store *
store_open_flags(const char *path, int oflags, int *reason_r, char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int readonly = (oflags & STORE_OPEN_READONLY) != 0;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int reason = STORE_EDB;

	str_copy(st->path, path, sizeof(st->path));
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open store %s: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	/* WAL lets the daemon, an importer and admin commands work at once;
	 * synchronous=NORMAL in WAL mode is durable across process crashes
	 * (only an OS crash can lose the last transactions). */
	if (!readonly && store_exec(st, "PRAGMA journal_mode=WAL;"
					"PRAGMA synchronous=NORMAL;") < 0)
		goto fail_msg;
	if (store_exec(st, "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;"
			   "PRAGMA temp_store=MEMORY;") < 0)
		goto fail_msg;
	if ((reason = store_migrate(st, readonly)) < 0)
		goto fail_msg;
	return st;
fail_msg:
	snprintf(err, errlen, "store %s: %s", path, st->err);
fail:
	if (reason_r != NULL)
		*reason_r = reason;
	store_close(&st);
	return NULL;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_open_flags(path, 0, NULL, err, errlen);
}

struct store *
store_open_readonly(const char *path, char *err, size_t errlen)
{
	return store_open_flags(path, STORE_OPEN_READONLY, NULL, err, errlen);
}

void
store_close(struct store **stp)
{
	struct store *st = *stp;

	if (st == NULL)
		return;
	store_finalize_statements(st);
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st);
	*stp = NULL;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT max(version) FROM schema_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int
store_begin(struct store *st)
{
	if (st->in_tx)
		return store_fail(st, STORE_EDB, "transaction already open");
	if (store_exec(st, "BEGIN IMMEDIATE") < 0)
		return STORE_EDB;
	st->in_tx = 1;
	return STORE_OK;
}

int
store_commit(struct store *st)
{
	if (!st->in_tx)
		return STORE_OK;
	store_reset_statements(st);
	if (store_exec(st, "COMMIT") < 0)
		return STORE_EDB;
	st->in_tx = 0;
	return STORE_OK;
}

int
store_rollback(struct store *st)
{
	if (!st->in_tx)
		return STORE_OK;
	st->in_tx = 0;
	/* A statement that failed mid-way still holds its locks until reset. */
	store_reset_statements(st);
	return store_exec(st, "ROLLBACK");
}

int
store_savepoint(struct store *st)
{
	return store_exec(st, "SAVEPOINT one");
}

int
store_savepoint_release(struct store *st)
{
	return store_exec(st, "RELEASE one");
}

int
store_savepoint_rollback(struct store *st)
{
	store_reset_statements(st);
	if (store_exec(st, "ROLLBACK TO one") < 0)
		return STORE_EDB;
	return store_exec(st, "RELEASE one");
}

int
store_sync(struct store *st)
{
	sqlite3_file *wal = NULL;
	int rc;

	if (st->in_tx)
		return store_fail(st, STORE_EDB, "store_sync inside a transaction");
	/* In WAL mode the journal is the write-ahead log; a commit with
	 * synchronous=NORMAL has written its frames there without an fsync.
	 * One fsync of that file makes every commit so far durable: what
	 * synchronous=FULL does at each commit, paid here once per batch. */
	rc = sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
	if (rc != SQLITE_OK)
		return store_fail_db(st, "finding the write-ahead log");
	if (wal == NULL || wal->pMethods == NULL)
		return STORE_OK; /* nothing written since the log was reset */
	rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	st->syncs++;
	if (rc != SQLITE_OK)
		return store_fail(st, STORE_EDB,
				  "fsync of %s-wal failed (error %d): the last "
				  "commits may not survive a power cut",
				  st->path, rc);
	log_debug("store: commits made durable (fsync of %s-wal)", st->path);
	return STORE_OK;
}

long
store_sync_count(const struct store *st)
{
	return st->syncs;
}

int
store_set_cache_mb(struct store *st, int mb)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size=%d", -1024 * mb);
	return store_exec(st, sql);
}

int
store_count(struct store *st, const char *what, int64_t *n_r)
{
	static const char *const tables[] = {
		"accounts", "account_addresses", "messages", "recipients",
		"attempts", "requests",		 "outbox",
	};
	char sql[96];
	sqlite3_stmt *s;
	int rc;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (strcmp(what, tables[i]) != 0)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
			return store_fail_db(st, "counting");
		rc = sqlite3_step(s);
		*n_r = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		return rc == SQLITE_ROW ? STORE_OK : store_fail_db(st, "counting");
	}
	return store_fail(st, STORE_EINVAL, "cannot count '%s'", what);
}
