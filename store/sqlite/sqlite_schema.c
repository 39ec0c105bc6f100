/*
 * sqlite_schema.c - the SQLite store's schema and its migrations.
 *
 * schema_version holds one row.  Opening a store runs every migration above
 * its version in one transaction; a store written by a newer responder is
 * refused rather than guessed at.  Add a migration by appending to
 * `migrations` and raising STORE_SCHEMA_VERSION; never edit an old one.
 *
 * Design notes (sized for 10 million attempts):
 * - messages.queue_id is UNIQUE: the relay's id of one submission; import is
 *   an upsert on it.  message_id is indexed but not unique (RFC 5322 ids
 *   repeat across resends and careless clients).
 * - recipients copy account_id and submitted_at from their message so that
 *   one index (address, account_id, submitted_at) answers "messages from
 *   account A to B in the last 30 days" without touching messages; status and
 *   last_attempt_at cache the latest attempt so lookups need no aggregate.
 * - attempts are deduplicated by (recipient_id, fingerprint), a 64-bit hash
 *   of the attempt's time, status, MX IP, code and reply computed on import;
 *   that one index also serves "attempts of a recipient".
 * - Subject search: FTS5 over a normalised subject column (prefixes such as
 *   Re:/Fwd:/WG:/TR: stripped, lower-cased, punctuation removed; see
 *   common/subject.c).  We chose FTS5 over a LIKE scan of the normalised
 *   column because a subject-only lookup ("the invoice I sent last week")
 *   has no recipient to narrow by, and a big account sends hundreds of
 *   thousands of messages a month; the FTS index answers a token query
 *   without scanning them.  It is external-content (no second copy of the
 *   text) and kept in step by triggers.
 * - requests / outbox / imap_state / in_progress / import_positions are the
 *   daemon's: the request log (every decision), the durable outbox of
 *   replies, the IMAP position per folder, crash-loop accounting per
 *   complaint, and follow-mode positions of log files.
 */
#include "store/sqlite/sqlite_int.h"

#include <stdio.h>

/* Migration 1: the initial schema, one statement per string. */
/* clang-format off */
static const char *const migration_1[] = {
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL DEFAULT (unixepoch()));",
	"CREATE TABLE account_addresses ("
	"  address TEXT PRIMARY KEY,"		/* lower-case; '@domain' for a domain */
	"  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE"
	") WITHOUT ROWID;",
	"CREATE INDEX account_addresses_account ON account_addresses(account_id);",
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  queue_id TEXT NOT NULL UNIQUE,"
	"  message_id TEXT,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id),"
	"  sender TEXT,"
	"  subject TEXT,"
	"  subject_norm TEXT,"
	"  submitted_at INTEGER NOT NULL DEFAULT 0);",
	"CREATE INDEX messages_message_id ON messages(message_id);",
	"CREATE INDEX messages_account_time ON messages(account_id, submitted_at);",
	"CREATE TABLE recipients ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
	"  address TEXT NOT NULL,"
	"  account_id INTEGER NOT NULL,"
	"  submitted_at INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  last_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(message_id, address));",
	"CREATE INDEX recipients_lookup ON recipients(address, account_id, submitted_at);",
	"CREATE TABLE attempts ("
	"  id INTEGER PRIMARY KEY,"
	"  recipient_id INTEGER NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,"
	"  fingerprint INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('delivered','deferred','bounced')),"
	"  mx_host TEXT, mx_ip TEXT,"
	"  smtp_code INTEGER,"
	"  enhanced_status TEXT,"
	"  response TEXT,"
	"  transcript TEXT,"
	"  transcript_kind TEXT NOT NULL DEFAULT 'full'"
	"    CHECK (transcript_kind IN ('full','summary')),"
	"  UNIQUE(recipient_id, fingerprint));",
	"CREATE VIRTUAL TABLE messages_fts USING fts5("
	"  subject_norm, content='messages', content_rowid='id',"
	"  tokenize='unicode61 remove_diacritics 2');",
	"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN"
	"  INSERT INTO messages_fts(rowid, subject_norm) VALUES (new.id, new.subject_norm);"
	"END;",
	"CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, subject_norm)"
	"    VALUES ('delete', old.id, old.subject_norm);"
	"END;",
	"CREATE TRIGGER messages_fts_au AFTER UPDATE OF subject_norm ON messages BEGIN"
	"  INSERT INTO messages_fts(messages_fts, rowid, subject_norm)"
	"    VALUES ('delete', old.id, old.subject_norm);"
	"  INSERT INTO messages_fts(rowid, subject_norm) VALUES (new.id, new.subject_norm);"
	"END;",
	/* The request log: one row per complaint handled (a requeue adds a row
	 * pointing at the first). */
	"CREATE TABLE requests ("
	"  id INTEGER PRIMARY KEY,"
	"  complaint_key TEXT NOT NULL,"	/* Message-ID + SHA-256 of the bytes */
	"  complaint_message_id TEXT,"
	"  source TEXT,"			/* imap:FOLDER:UIDVALIDITY:UID or file:NAME */
	"  received_at INTEGER NOT NULL,"
	"  decided_at INTEGER NOT NULL,"
	"  requester TEXT,"
	"  account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,"
	"  account TEXT,"
	"  outcome TEXT NOT NULL CHECK (outcome IN"
	"    ('found','ambiguous','not_found','unauthorized','ignored','error')),"
	"  why TEXT NOT NULL,"
	"  subject TEXT,"
	"  matched_queue_id TEXT,"
	"  extracted TEXT,"			/* JSON, as in process --json */
	"  matches TEXT,"			/* JSON: candidates with scores */
	"  detail TEXT,"			/* JSON: headers, timings, policy steps */
	"  requeue_of INTEGER REFERENCES requests(id) ON DELETE SET NULL);",
	"CREATE INDEX requests_key ON requests(complaint_key);",
	"CREATE INDEX requests_time ON requests(received_at);",
	"CREATE INDEX requests_requester ON requests(requester, received_at);",
	"CREATE INDEX requests_mid ON requests(complaint_message_id);",
	/* The outbox: a reply is committed here with its request row, then
	 * sent; state moves queued -> sent | failed. */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  envelope_from TEXT NOT NULL,"	/* '' for the null sender */
	"  rcpt TEXT NOT NULL,"
	"  message BLOB NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sent','failed')),"
	"  tries INTEGER NOT NULL DEFAULT 0,"
	"  next_try_at INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  smtp_reply TEXT,"
	"  sent_at INTEGER);",
	"CREATE INDEX outbox_due ON outbox(state, next_try_at);",
	"CREATE INDEX outbox_request ON outbox(request_id);",
	"CREATE TABLE imap_state ("
	"  folder TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL);",
	"CREATE TABLE in_progress ("
	"  complaint_key TEXT PRIMARY KEY,"
	"  source TEXT,"
	"  started_at INTEGER NOT NULL,"
	"  restarts INTEGER NOT NULL DEFAULT 0,"
	"  parse_failures INTEGER NOT NULL DEFAULT 0);",
	"CREATE TABLE import_positions ("
	"  path TEXT PRIMARY KEY,"
	"  inode INTEGER, offset INTEGER NOT NULL DEFAULT 0,"
	"  head TEXT,"				/* hash of the first line: detects truncation/rotation */
	"  state TEXT,"				/* importer's own carry-over (JSON) */
	"  updated_at INTEGER NOT NULL);",
	"CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;",
	NULL,
};
/* clang-format on */

/* Migration 2: the bytes of each complaint, once per complaint key, so
 * that `responder requeue` can handle it again (e.g. after a template fix)
 * even when the IMAP copy was moved or expunged; purged with retention,
 * and the indexes retention needs. */
static const char *const migration_2[] = {
	"CREATE TABLE complaints ("
	"  complaint_key TEXT PRIMARY KEY,"
	"  received_at INTEGER NOT NULL,"
	"  raw BLOB NOT NULL"
	") WITHOUT ROWID;",
	"CREATE INDEX complaints_time ON complaints(received_at);",
	/* Retention deletes by age; without these a daily purge would scan
	 * every attempt and message of a 10-million-attempt store. */
	"CREATE INDEX attempts_at ON attempts(at);",
	"CREATE INDEX messages_time ON messages(submitted_at);",
	NULL,
};

/* Migration 3: conversations and languages.  A reply's own Message-ID is
 * kept with its request, so that a reply to our reply (In-Reply-To /
 * References) finds the request it continues; thread_id is the first
 * request of the conversation (its own id for a first request) and
 * follow_up_of the request answered just before; language is the reply's
 * (en de fr es it nl pt pl), and an account may fix its own.  The two
 * links are plain integers (no foreign key): retention may purge the
 * first request of a thread before its follow-ups, and a link to a purged
 * row only means "the earlier request is no longer kept". */
static const char *const migration_3[] = {
	"ALTER TABLE requests ADD COLUMN reply_message_id TEXT;",
	"ALTER TABLE requests ADD COLUMN language TEXT;",
	"ALTER TABLE requests ADD COLUMN thread_id INTEGER;",
	"ALTER TABLE requests ADD COLUMN follow_up_of INTEGER;",
	"CREATE INDEX requests_reply_mid ON requests(reply_message_id);",
	"CREATE INDEX requests_thread ON requests(thread_id);",
	"ALTER TABLE accounts ADD COLUMN language TEXT;",
	NULL,
};

/* Migration 4: several responders on one store (PostgreSQL; the same
 * columns here so that both schemas match): the node that handled a
 * request, claims on complaints with a lease, and claims on outbox rows. */
static const char *const migration_4[] = {
	"ALTER TABLE requests ADD COLUMN node TEXT;",
	"CREATE TABLE claims ("
	"  complaint_key TEXT PRIMARY KEY,"
	"  node TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL"
	") WITHOUT ROWID;",
	"ALTER TABLE outbox ADD COLUMN claimed_by TEXT;",
	"ALTER TABLE outbox ADD COLUMN claim_expires INTEGER NOT NULL DEFAULT 0;",
	NULL,
};

/* The rate limits' key of a requester address, in SQL: lower case (ASCII,
 * as SQLite's lower() and the C locale's tolower), the plus-tag ("+..."
 * up to the '@') removed.  The same as policy_mailbox_key()
 * (responder/decide/policy.c) for every address addr_valid() accepts (one
 * '@'); test_policy checks that the two agree. */
#define MAILBOX_KEY_SQL(a)                                             \
	"CASE WHEN instr(" a ", '@') > 0"                              \
	" AND instr(substr(" a ", 1, instr(" a ", '@') - 1), '+') > 0" \
	" THEN lower(substr(" a ", 1, instr(" a ", '+') - 1)"          \
	" || substr(" a ", instr(" a ", '@')))"                        \
	" ELSE lower(" a ") END"

/* Migration 5: what the hourly rate limits count (policy.c), indexed.
 * One small row per outbox row (any state), written by a trigger whatever
 * writes the outbox (the pipeline, resend, migrate-store, the admin API),
 * so each limit is an index range count: per requester mailbox, per
 * account, in all.  The counts used to walk every reply of the last hour
 * for each complaint (quadratic over a burst from one requester); now a
 * check costs at most its limit's worth of index entries (store
 * store_count_replies_since).  account_id follows the request's (SET NULL
 * when the account is deleted, as requests.account_id does). */
/* clang-format off */
static const char *const migration_5[] = {
	"CREATE TABLE outbox_rate ("
	"  outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,"
	"  requester_key TEXT);",
	"CREATE INDEX outbox_rate_time ON outbox_rate(created_at);",
	"CREATE INDEX outbox_rate_requester ON outbox_rate(requester_key, created_at);",
	"CREATE INDEX outbox_rate_account ON outbox_rate(account_id, created_at);",
	"CREATE TRIGGER outbox_rate_add AFTER INSERT ON outbox BEGIN"
	"  INSERT INTO outbox_rate(outbox_id, created_at, account_id, requester_key)"
	"    SELECT new.id, new.created_at, r.account_id, " MAILBOX_KEY_SQL("r.requester")
	"    FROM requests r WHERE r.id = new.request_id;"
	"END;",
	"INSERT INTO outbox_rate(outbox_id, created_at, account_id, requester_key)"
	"  SELECT o.id, o.created_at, r.account_id, " MAILBOX_KEY_SQL("r.requester")
	"  FROM outbox o JOIN requests r ON r.id = o.request_id;",
	NULL,
};
/* clang-format on */

static int schema_fail(struct store *st, const char *what);

/* Migration 6: no new table or column; the CHECK constraints that list
 * three or more values are rewritten as comparisons joined by OR (see
 * checks_as_comparisons below).  Nothing here for SQL to run. */
static const char *const migration_6[] = {
	NULL,
};

/* Migration 7: a reply's bytes in their own table.  The sender marks a
 * row sent right after the server's 250, and on SQLite an UPDATE writes
 * the whole row again: with the reply (13 KB, overflow pages) in it each
 * mark wrote four pages more, 300 us a mark against 100 us without
 * (measured on this machine, WAL, synchronous=NORMAL).  DROP COLUMN
 * rewrites the outbox once, here. */
static const char *const migration_7[] = {
	"CREATE TABLE outbox_messages ("
	"  outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,"
	"  message BLOB NOT NULL);",
	"INSERT INTO outbox_messages(outbox_id, message) SELECT id, message FROM outbox;",
	"ALTER TABLE outbox DROP COLUMN message;",
	NULL,
};

/* Each migration is a NULL-terminated list of statements; append only. */
static const char *const *const migrations[] = {
	migration_1, migration_2, migration_3, migration_4, migration_5, migration_6, migration_7,
};

/* clang-format off */
/* The CHECK constraints of migration 1 that list three or more values,
 * and the same constraint written as comparisons.  SQLite 3.40 evaluates
 * `x IN ('a','b','c')` in a CHECK by building a temporary b-tree of the
 * list for every row it writes (a list of one or two values is compared
 * directly): 2.7 us per inserted attempt, measured on this machine with
 * one million INSERTs (3.85 s with the list, 1.19 s with the comparisons,
 * 1.08 s with no CHECK), and every sent mark pays it for `state`. */
static const struct check_rewrite {
	const char *table, *from, *to;
} check_rewrites[] = {
	{ "attempts",
	  "CHECK (status IN ('delivered','deferred','bounced'))",
	  "CHECK (status = 'delivered' OR status = 'deferred' OR status = 'bounced')" },
	{ "requests",
	  "CHECK (outcome IN    ('found','ambiguous','not_found','unauthorized','ignored','error'))",
	  "CHECK (outcome = 'found' OR outcome = 'ambiguous' OR outcome = 'not_found'"
	  " OR outcome = 'unauthorized' OR outcome = 'ignored' OR outcome = 'error')" },
	{ "outbox",
	  "CHECK (state IN ('queued','sent','failed'))",
	  "CHECK (state = 'queued' OR state = 'sent' OR state = 'failed')" },
};
/* clang-format on */

/* Migration 6's step: each constraint above replaced in its table's
 * CREATE TABLE text, in place.  SQLite has no ALTER for a CHECK; its
 * documented way to change one that every row already satisfies (the
 * ALTER TABLE page, "making other kinds of table schema changes") is to
 * edit sqlite_schema under writable_schema and raise the schema cookie,
 * so that every connection reads the schema again.  No row is rewritten:
 * it costs the same on a store of ten million attempts as on an empty
 * one, inside the migration's transaction.  The two forms accept exactly
 * the same values (test_store, test_upgrade_5_to_6).  A table whose text
 * is not the one migration 1 wrote keeps its constraint (equivalent, only
 * slower). */
static int
checks_as_comparisons(struct store *st)
{
	sqlite3 *db = lite_db(st);
	sqlite3_stmt *s = NULL;
	char sql[64];
	int cookie = 0, rc;

	if (store_exec(st, "PRAGMA writable_schema = ON") < 0)
		return STORE_EDB;
	rc = sqlite3_prepare_v2(db,
				"UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3)"
				" WHERE type = 'table' AND name = ?1 AND instr(sql, ?2) > 0",
				-1, &s, NULL);
	for (size_t i = 0;
	     rc == SQLITE_OK && i < sizeof(check_rewrites) / sizeof(check_rewrites[0]); i++) {
		const struct check_rewrite *c = &check_rewrites[i];

		sqlite3_bind_text(s, 1, c->table, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, c->from, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, c->to, -1, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &s, NULL);
		if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
			cookie = sqlite3_column_int(s, 0);
		else
			rc = SQLITE_ERROR;
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_OK)
		schema_fail(st, "rewriting the CHECK constraints");
	snprintf(sql, sizeof(sql), "PRAGMA schema_version = %d", cookie + 1);
	if (rc == SQLITE_OK && store_exec(st, sql) < 0)
		rc = SQLITE_ERROR;
	/* Off again whatever happened (the rollback undoes the text). */
	sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL);
	return rc == SQLITE_OK ? STORE_OK : STORE_EDB;
}

/* What a migration does beyond its statements, run after them (NULL for
 * most), in the same transaction. */
static int (*const migration_steps[])(struct store *) = {
	NULL, NULL, NULL, NULL, NULL, checks_as_comparisons, NULL,
};

_Static_assert(sizeof(migration_steps) / sizeof(migration_steps[0]) ==
		   sizeof(migrations) / sizeof(migrations[0]),
	       "a step (or NULL) for each migration");
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "a migration for each schema version");

/* SQLite's message, then "what: message" (store_fail_db). */
static int
schema_fail(struct store *st, const char *what)
{
	snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(lite_db(st)));
	return store_fail_db(st, what);
}

static int
read_version(struct store *st, int *v_r)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(
	    lite_db(st), "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return schema_fail(st, "reading the schema");
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		/* No schema_version: a new, empty file is ours to set up; one
		 * that holds tables is another program's database, or a -wal
		 * file of another database lies beside ours and SQLite read
		 * its pages: never build a store on top of that. */
		rc = sqlite3_prepare_v2(lite_db(st), "SELECT count(*) FROM sqlite_master", -1, &s,
					NULL);
		if (rc != SQLITE_OK)
			return schema_fail(st, "reading the schema");
		rc = sqlite3_step(s);
		*v_r = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
		sqlite3_finalize(s);
		if (rc != SQLITE_ROW)
			return schema_fail(st, "reading the schema");
		if (*v_r > 0)
			return store_fail(st, STORE_EDATA,
					  "holds %d tables but no responder schema: another "
					  "program's database, or a -wal file of another store "
					  "beside it: point [store] path at the store, or move the "
					  "file (and its -wal, -shm) away",
					  *v_r);
		*v_r = 0;
		return STORE_OK;
	}
	if (rc != SQLITE_ROW)
		return schema_fail(st, "reading the schema");
	if (sqlite3_prepare_v2(lite_db(st), "SELECT max(version) FROM schema_version", -1, &s,
			       NULL) != SQLITE_OK)
		return schema_fail(st, "reading schema_version");
	rc = sqlite3_step(s);
	*v_r = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return schema_fail(st, "reading schema_version");
	return STORE_OK;
}

static int migrate(struct store *st, int readonly);

int
lite_migrate(struct store *st, int readonly)
{
	int r = migrate(st, readonly);

	/* a load into an empty store that died before building its indexes
	 * (sqlite_bulk.c): the first open for writing builds them */
	if (r == STORE_OK && !readonly)
		r = lite_build_deferred_indexes(st);
	return r == STORE_EDB ? lite_classify(st) : r;
}

static int
migrate(struct store *st, int readonly)
{
	int have, r;
	char sql[128];
	const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));

	if ((r = read_version(st, &have)) < 0)
		return r;
	if (have > latest)
		return store_fail(st, STORE_ENEWER,
				  "%s has schema version %d, newer than this responder's %d: "
				  "upgrade the responder",
				  st->path, have, latest);
	if (have == latest)
		return STORE_OK;
	if (readonly)
		return store_fail(st, STORE_EINVAL,
				  "%s has schema version %d and needs upgrading to %d: "
				  "open it once with a command that writes (e.g. import)",
				  st->path, have, latest);
	if (store_exec(st, "BEGIN IMMEDIATE") < 0)
		return STORE_EDB;
	/* Someone else may have migrated while we waited for the lock. */
	if ((r = read_version(st, &have)) < 0)
		goto fail;
	if (have == 0 && store_exec(st, "CREATE TABLE IF NOT EXISTS schema_version ("
					"version INTEGER NOT NULL)") < 0)
		goto fail;
	for (int v = have; v < latest; v++) {
		for (const char *const *q = migrations[v]; *q != NULL; q++)
			if (store_exec(st, *q) < 0)
				goto fail;
		if (migration_steps[v] != NULL && migration_steps[v](st) < 0)
			goto fail;
	}
	snprintf(sql, sizeof(sql),
		 "DELETE FROM schema_version;"
		 "INSERT INTO schema_version(version) VALUES (%d)",
		 latest);
	if (store_exec(st, sql) < 0 || store_exec(st, "COMMIT") < 0)
		goto fail;
	return STORE_OK;
fail:
	sqlite3_exec(lite_db(st), "ROLLBACK", NULL, NULL, NULL);
	return STORE_EDB;
}

int
lite_schema_version(struct store *st)
{
	int v;

	return read_version(st, &v) == STORE_OK ? v : -1;
}
