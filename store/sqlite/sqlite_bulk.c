/*
 * sqlite_bulk.c - bulk transactions on SQLite (store_begin_bulk): the
 * subject-word index of the messages a transaction adds, written once at
 * its commit instead of by the trigger row by row.
 *
 * The second half: a load into an empty store builds its secondary
 * indexes at its end (lite_defer_indexes, below).  The third: at the end
 * of a load, the subject index's segments are merged into one
 * (lite_finish_load).
 *
 * Why: messages_fts_ai makes every INSERT INTO messages a statement with
 * a statement journal, and at each such statement's start and end SQLite
 * asks every virtual table written in the transaction to take a
 * savepoint; FTS5 answers by writing its pending terms out as a new index
 * segment.  A row-by-row import therefore wrote one segment per message
 * and kept merging them: 43 % of the JSONL importer's CPU time
 * (docs/performance.md).
 *
 * How: inside the transaction, right after its first message is added
 * (which the trigger indexes), the trigger is dropped (its text kept from
 * sqlite_master); the messages added since have ids above `indexed_to`
 * (INTEGER PRIMARY KEY: a new row's id is above every id of the table);
 * one INSERT ... SELECT gives the index their rows, and the trigger is
 * created again from its own text, before COMMIT.  A transaction that adds
 * no message (a re-import, a batch of refused lines) keeps the trigger:
 * the drop and the creation are schema changes, after which every cached
 * statement is prepared again.  DDL is transactional
 * in SQLite: a crash or a ROLLBACK takes the drop back with the rows, and
 * every committed state has the trigger and an index that matches the
 * table.  The update and delete triggers stay: an UPDATE of a message not
 * indexed yet would delete index entries it never had, so records.c
 * settles (store_bulk_settle) before updating one.
 */
#include "store/sqlite/sqlite_int.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A connection that loads in bulk checkpoints the WAL every this many
 * pages (40 MiB) instead of SQLite's 1 000: the index pages a load
 * rewrites in batch after batch are copied into the database once per
 * checkpoint, not once per batch. */
#define BULK_CHECKPOINT_PAGES "10000"

struct lite_bulk {
	char *trigger;	    /* owned: CREATE TRIGGER messages_fts_ai ..., as stored */
	int dropped;	    /* the trigger is dropped (lite_bulk_added) */
	int64_t indexed_to; /* with dropped: messages with a larger id are not
			     * in messages_fts yet */
};

static void
bulk_free(struct store *st)
{
	struct lite_bulk *b = st->bulk;

	if (b == NULL)
		return;
	free(b->trigger);
	free(b);
	st->bulk = NULL;
}

int
lite_bulk_begin(struct store *st)
{
	struct store_stmt *s;
	struct lite_bulk *b;
	int rc;

	s = store_stmt(st, "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
			   " AND name = 'messages_fts_ai'");
	if (s == NULL)
		return STORE_EDB;
	rc = store_step(s);
	if (rc == STORE_DONE) { /* no trigger to defer: an ordinary transaction */
		store_reset(s);
		return STORE_OK;
	}
	if (rc != STORE_ROW)
		return store_fail_db(st, "reading the subject index trigger");
	b = xcalloc(1, sizeof(*b));
	b->trigger = store_col_dup(s, 0);
	store_reset(s);
	st->bulk = b;
	if (b->trigger == NULL) {
		bulk_free(st);
		return STORE_OK;
	}
	if (store_exec(st, "PRAGMA wal_autocheckpoint=" BULK_CHECKPOINT_PAGES) < 0) {
		bulk_free(st);
		return STORE_EDB;
	}
	return STORE_OK;
}

/* Message `id` was just added, its index row written by the trigger: the
 * first of the transaction drops the trigger, and the index is from then
 * on written at the end (catch_up). */
int
lite_bulk_added(struct store *st, int64_t id)
{
	struct lite_bulk *b = st->bulk;

	if (b->dropped)
		return STORE_OK;
	if (store_exec(st, "DROP TRIGGER messages_fts_ai") < 0)
		return store_fail_db(st, "dropping the subject index trigger");
	b->dropped = 1;
	b->indexed_to = id;
	st->load_indexed++;
	return STORE_OK;
}

/* The largest message id into *id_r (0 when none): INTEGER PRIMARY KEY,
 * so every message added later has a larger one. */
static int
last_message(struct store *st, int64_t *id_r)
{
	struct store_stmt *s = store_stmt(st, "SELECT coalesce(max(id), 0) FROM messages");

	if (s == NULL || store_step_int64(st, s, id_r, "reading the last message") < 0)
		return STORE_EDB;
	return STORE_OK;
}

/* Gives messages_fts the rows of every message added since the last
 * catch-up, as the trigger would have one by one. */
static int
catch_up(struct store *st, struct lite_bulk *b)
{
	struct store_stmt *s;
	int64_t last;

	if (!b->dropped)
		return STORE_OK;
	if (last_message(st, &last) < 0)
		return STORE_EDB;
	if (last <= b->indexed_to)
		return STORE_OK;
	s = store_stmt(st, "INSERT INTO messages_fts(rowid, subject_norm)"
			   " SELECT id, subject_norm FROM messages WHERE id > ?1 ORDER BY id");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, b->indexed_to);
	if (store_step_done(st, s, "writing the subject index") < 0)
		return STORE_EDB;
	st->load_indexed += last - b->indexed_to;
	b->indexed_to = last;
	return STORE_OK;
}

int
lite_bulk_settle(struct store *st, int64_t id)
{
	struct lite_bulk *b = st->bulk;

	return id > b->indexed_to ? catch_up(st, b) : STORE_OK;
}

int
lite_bulk_end(struct store *st)
{
	struct lite_bulk *b = st->bulk;

	if (!b->dropped) {
		bulk_free(st);
		return STORE_OK;
	}
	if (catch_up(st, b) < 0)
		return STORE_EDB;
	/* the statements read above hold nothing: DDL needs none stepping */
	store_reset_statements(st);
	if (store_exec(st, b->trigger) < 0)
		return store_fail_db(st, "creating the subject index trigger again");
	bulk_free(st);
	return STORE_OK;
}

void
lite_bulk_drop(struct store *st)
{
	bulk_free(st);
}

/* ---- secondary indexes built after a load into an empty store ----------
 *
 * The indexes no statement of a load needs (none is UNIQUE: the importer's
 * ON CONFLICT checks use the UNIQUE ones, which stay), each maintained row
 * by row at a random place (recipients_lookup by address) or not: a
 * CREATE INDEX afterwards sorts once.  Each dropped index's SQL is kept in
 * kv under DEFERRED_KEY + its name, in the transaction that drops it, so
 * every committed state either has the index or says how to make it;
 * lite_build_indexes() makes what is missing and clears the rows, at the
 * end of the load or, after a load that died, at the next open for
 * writing (lite_migrate). */
static const char *const deferrable[] = {
	"messages_message_id", "messages_account_time", "messages_time",
	"recipients_lookup",   "attempts_at",
};

#define DEFERRED_KEY "deferred_index:"

/* A transaction of its own (store.c's calls would make the files call
 * each other: the store calls the driver). */
static int
tx_begin(struct store *st)
{
	if (store_exec(st, "BEGIN IMMEDIATE") < 0)
		return STORE_EDB;
	st->in_tx = 1;
	return STORE_OK;
}

static int
tx_commit(struct store *st)
{
	store_reset_statements(st);
	if (store_exec(st, "COMMIT") < 0)
		return STORE_EDB;
	st->in_tx = 0;
	return STORE_OK;
}

static void
tx_rollback(struct store *st)
{
	st->in_tx = 0;
	store_reset_statements(st);
	store_exec_keep_error(st, "ROLLBACK");
}

int
lite_defer_indexes(struct store *st)
{
	struct store_stmt *s;
	int64_t v;
	int deferred = 0;

	if (tx_begin(st) < 0)
		return STORE_EDB;
	s = store_stmt(st, "SELECT EXISTS (SELECT 1 FROM messages) OR EXISTS (SELECT 1 FROM kv"
			   " WHERE key >= '" DEFERRED_KEY "' AND key < 'deferred_index;')");
	if (s == NULL || store_step_int64(st, s, &v, "looking for messages") < 0)
		goto fail;
	if (v != 0) { /* not empty, or deferred already (another load) */
		if (tx_commit(st) < 0)
			goto fail;
		return 0;
	}
	for (size_t i = 0; i < sizeof(deferrable) / sizeof(deferrable[0]); i++) {
		char drop[128];
		char *sql;
		int rc;

		s = store_stmt(st,
			       "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1");
		if (s == NULL)
			goto fail;
		store_bind_text(s, 1, deferrable[i]);
		rc = store_step(s);
		if (rc == STORE_DONE) {
			store_reset(s);
			continue; /* not there: nothing to build either */
		}
		if (rc != STORE_ROW)
			goto fail;
		sql = store_col_dup(s, 0);
		store_reset(s);
		s = store_stmt(st,
			       "INSERT INTO kv(key, value) VALUES ('" DEFERRED_KEY "' || ?1, ?2)");
		if (sql == NULL || s == NULL) {
			free(sql);
			goto fail;
		}
		store_bind_text(s, 1, deferrable[i]);
		store_bind_text(s, 2, sql);
		free(sql);
		if (store_step_done(st, s, "keeping an index to build") < 0)
			goto fail;
		/* a name from the table above, never from the store */
		snprintf(drop, sizeof(drop), "DROP INDEX %s", deferrable[i]);
		if (store_exec(st, drop) < 0)
			goto fail;
		deferred++;
	}
	if (tx_commit(st) < 0)
		goto fail;
	return deferred > 0;
fail:
	tx_rollback(st);
	return STORE_EDB;
}

int
lite_build_indexes(struct store *st)
{
	struct store_stmt *s;
	char *sql[sizeof(deferrable) / sizeof(deferrable[0])];
	size_t n = 0;
	int rc = STORE_DONE, r = STORE_EDB;

	/* CREATE INDEX sorts the whole table; with the store's temp_store =
	 * MEMORY what does not fit in the sorter's share of the cache
	 * spilled into memory, so a load's peak grew with its size (186 MiB
	 * for 1.4 M attempts from an Exim log).  Temporary files keep it at
	 * the cache's size. */
	if (store_exec(st, "PRAGMA temp_store=FILE") < 0)
		return STORE_EDB;
	if (tx_begin(st) < 0)
		goto restore;
	/* only what a load of ours deferred: a kv row of another name, or
	 * SQL that is not an index of ours, is left alone */
	s = store_stmt(st, "SELECT k.value FROM kv k WHERE k.key >= '" DEFERRED_KEY "'"
			   " AND k.key < 'deferred_index;' AND k.value LIKE 'CREATE INDEX %'"
			   " AND NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index'"
			   "  AND '" DEFERRED_KEY "' || m.name = k.key)");
	if (s == NULL)
		goto out;
	while (n < sizeof(sql) / sizeof(sql[0]) && (rc = store_step(s)) == STORE_ROW)
		sql[n++] = store_col_dup(s, 0);
	store_reset(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (sql[i] == NULL || store_exec(st, sql[i]) < 0)
			goto out;
	s = store_stmt(st, "DELETE FROM kv WHERE key >= '" DEFERRED_KEY "'"
			   " AND key < 'deferred_index;'");
	if (s == NULL || store_step_done(st, s, "clearing the indexes to build") < 0)
		goto out;
	r = tx_commit(st);
out:
	if (r < 0)
		tx_rollback(st);
	for (size_t i = 0; i < n; i++)
		free(sql[i]);
restore:
	if (store_exec(st, "PRAGMA temp_store=MEMORY") < 0)
		r = STORE_EDB;
	return r;
}

int
lite_build_deferred_indexes(struct store *st)
{
	struct store_stmt *s;
	int r;

	s = store_stmt(st, "SELECT 1 FROM kv WHERE key >= '" DEFERRED_KEY "'"
			   " AND key < 'deferred_index;' LIMIT 1");
	if (s == NULL)
		return STORE_EDB;
	r = store_step_int64(st, s, NULL, "looking for indexes to build");
	if (r == STORE_ENOTFOUND)
		return STORE_OK;
	return r < 0 ? r : lite_build_indexes(st);
}

/* ---- the end of a load ---------------------------------------------------- */

/* store_finish_load: each bulk transaction gave the subject index its
 * messages as one more segment, and FTS5's automerge leaves a few per
 * level; a search looks its words up in every segment.  After a load of
 * 500 000 messages (1 M attempts) the subject lookups took p50 1.0 ms and
 * p99 9-12 ms; merged into one segment ('optimize', 0.7 s), p50 0.11 ms
 * and p99 2.3-3.1 ms (docs/performance.md, eighth round).  'optimize'
 * rewrites the whole index, so it runs only when this load added at least
 * a sixteenth of the store's messages: a small import into a large store
 * leaves the merging to automerge. */
int
lite_finish_load(struct store *st)
{
	int64_t added = st->load_indexed, total;

	st->load_indexed = 0;
	if (added <= 0)
		return STORE_OK;
	if (last_message(st, &total) < 0)
		return STORE_EDB;
	if (added * 16 < total)
		return STORE_OK;
	if (store_exec(st, "INSERT INTO messages_fts(messages_fts) VALUES('optimize')") < 0)
		return store_fail_db(st, "merging the subject index");
	return STORE_OK;
}

/* store_merge_search: FTS5's 'merge' with a negative page count merges
 * segments even when fewer than 'usermerge' share a level, writing about
 * that many pages per statement; a statement that found nothing to merge
 * adds less than two to total_changes() (FTS5's documentation).  Each
 * statement is its own short write transaction, so complaints and imports
 * wait at most one step behind it. */
#define MERGE_PAGES "-64"

int
lite_merge_search(struct store *st, int ms)
{
	int64_t until = time_mono_us() + (int64_t)ms * 1000, before, after;
	struct store_stmt *total;

	total = store_stmt(st, "SELECT total_changes()");
	if (total == NULL)
		return STORE_EDB;
	do {
		if (store_step_int64(st, total, &before, "counting changes") < 0 ||
		    store_exec(st, "INSERT INTO messages_fts(messages_fts, rank)"
				   " VALUES('merge', " MERGE_PAGES ")") < 0 ||
		    store_step_int64(st, total, &after, "counting changes") < 0)
			return store_fail_db(st, "merging the subject index");
		if (after - before < 2)
			return 0;
	} while (time_mono_us() < until);
	return 1;
}
