/*
 * sqlite_bulk.c - bulk transactions on SQLite (store_begin_bulk): the
 * subject-word index of the messages a transaction adds, written once at
 * its commit instead of by the trigger row by row.
 *
 * Why: messages_fts_ai makes every INSERT INTO messages a statement with
 * a statement journal, and at each such statement's start and end SQLite
 * asks every virtual table written in the transaction to take a
 * savepoint; FTS5 answers by writing its pending terms out as a new index
 * segment.  A row-by-row import therefore wrote one segment per message
 * and kept merging them: 43 % of the JSONL importer's CPU time
 * (docs/performance.md).
 *
 * How: inside the transaction the trigger is dropped (its text kept from
 * sqlite_master); the messages added since have ids above `indexed_to`
 * (INTEGER PRIMARY KEY: a new row's id is above every id of the table);
 * one INSERT ... SELECT gives the index their rows, and the trigger is
 * created again from its own text, before COMMIT.  DDL is transactional
 * in SQLite: a crash or a ROLLBACK takes the drop back with the rows, and
 * every committed state has the trigger and an index that matches the
 * table.  The update and delete triggers stay: an UPDATE of a message not
 * indexed yet would delete index entries it never had, so records.c
 * settles (store_bulk_settle) before updating one.
 */
#include "store/sqlite/sqlite_int.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* A connection that loads in bulk checkpoints the WAL every this many
 * pages (40 MiB) instead of SQLite's 1 000: the index pages a load
 * rewrites in batch after batch are copied into the database once per
 * checkpoint, not once per batch. */
#define BULK_CHECKPOINT_PAGES "10000"

struct lite_bulk {
	char *trigger;	    /* owned: CREATE TRIGGER messages_fts_ai ..., as stored */
	int64_t indexed_to; /* messages with a larger id are not in messages_fts yet */
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
	s = store_stmt(st, "SELECT coalesce(max(id), 0) FROM messages");
	if (s == NULL || store_step_int64(st, s, &b->indexed_to, "reading the last message") < 0 ||
	    store_exec(st, "DROP TRIGGER messages_fts_ai") < 0 ||
	    store_exec(st, "PRAGMA wal_autocheckpoint=" BULK_CHECKPOINT_PAGES) < 0) {
		bulk_free(st);
		return STORE_EDB;
	}
	return STORE_OK;
}

/* Gives messages_fts the rows of every message added since the last
 * catch-up, as the trigger would have one by one. */
static int
catch_up(struct store *st, struct lite_bulk *b)
{
	struct store_stmt *s;
	int64_t last;

	s = store_stmt(st, "SELECT coalesce(max(id), 0) FROM messages");
	if (s == NULL || store_step_int64(st, s, &last, "reading the last message") < 0)
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
