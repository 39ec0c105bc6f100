/*
 * store.h - the delivery-record store: the only place that speaks SQL.
 *
 * One database holds, SQLite (one file: WAL mode, foreign keys on, busy
 * timeout; the default) or PostgreSQL (shared by several responders and
 * importers; store_open_opts with a postgresql:// URL):
 *   accounts and their addresses (exact "a@b" or "@domain"),
 *   messages (one per relay queue ID) with their recipients,
 *   delivery attempts per recipient (status, MX, reply, transcript),
 *   and the tables the daemon uses: request log, outbox, IMAP state,
 *   import positions (see store/sqlite/sqlite_schema.c and
 *   store/pg/pg_schema.c for the schema and its reasons).
 *
 * Errors travel as values: functions return a negative STORE_E* code and
 * leave a one-line description in store_errmsg().  Everything a lookup
 * returns is owned by the result list and freed with its _free function.
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum {
	STORE_ADDED = 1,   /* a new row was written */
	STORE_OK = 0,	   /* nothing to do / already there */
	STORE_EDB = -1,	   /* database failure (disk, lock, corruption) */
	STORE_EINVAL = -2, /* the data was refused; errmsg says why */
	STORE_ENOTFOUND = -3,
	STORE_ENEWER = -4, /* written by a newer responder (store_open_flags) */
	/* Why a store could not be opened (store_open_flags' reason), where
	 * the admin must act; the message names the file and what to do. */
	STORE_EDATA = -5, /* not an SQLite file, damaged, truncated, foreign WAL */
	STORE_EPERM = -6, /* read-only: file, directory or mount */
	STORE_EFULL = -7, /* no space or no inodes left */
	/* Several responders: the complaint's claim passed to another
	 * responder after this one's lease ran out; nothing was recorded. */
	STORE_ELOST = -8,
	STORE_EUNAVAIL = -9, /* PostgreSQL: no server answers at the URL */
};

#define STORE_SCHEMA_VERSION 7

/* Opens (creating if needed) and migrates the store at `path`.  On failure
 * returns NULL and writes a one-line reason into err[errlen]. */
struct store *store_open(const char *path, char *err, size_t errlen);
/* Read-only open; never creates or migrates (a store that needs upgrading is
 * refused).  For tools that only look. */
struct store *store_open_readonly(const char *path, char *err, size_t errlen);

enum { STORE_OPEN_READONLY = 1 << 0 };
/* store_open, or with STORE_OPEN_READONLY store_open_readonly, that also
 * says why it failed as a value: on NULL, *reason_r (may be NULL) is
 * STORE_ENEWER when the store's schema is newer than this responder's
 * (upgrade the responder), STORE_EINVAL when a read-only open finds a store
 * that needs upgrading, and STORE_EDB otherwise (cannot open, disk, lock,
 * corruption).  Unchanged on success.  err[errlen] as for store_open. */
struct store *store_open_flags(const char *path, int flags, int *reason_r, char *err,
			       size_t errlen);
/* How to reach a PostgreSQL store ([store] in the config); ignored for
 * SQLite.  Every field may be NULL/0. */
struct store_options {
	const char *password;  /* read from [store] password_file; borrowed */
	const char *ca_file;   /* TLS: sslmode=verify-full against this CA */
	const char *node_name; /* this responder in the shared store */
	int lease_seconds;     /* claims expire after this (0: 60) */
};
/* 1 when `target` is a postgresql:// or postgres:// URL. */
int store_target_is_pg(const char *target);
/* store_open_flags for a target that is a SQLite path ("sqlite:PATH" too)
 * or a PostgreSQL URL, with the options to reach it (`o` may be NULL). */
struct store *store_open_opts(const char *target, const struct store_options *o, int flags,
			      int *reason_r, char *err, size_t errlen);
void store_close(struct store **st);
/* [store] node_name as opened ("" when none was given). */
const char *store_node(const struct store *st);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *st);
/* The path, or the URL without its password, for messages. */
const char *store_display_name(const struct store *st);
/* `target` without a password ("postgresql://u@h/db" for
 * "postgresql://u:secret@h/db") in out[outlen]; returns out. */
const char *store_display_name_of(const char *target, char *out, size_t outlen);
const char *store_errmsg(const struct store *st);
int store_schema_version(struct store *st);

/* Resets every cached statement, releasing any read snapshot one left open
 * (commit and rollback do it too).  Long-running users call it between units
 * of work, outside a transaction, so the WAL can be checkpointed.  Returns
 * how many were still stepping (each is logged at debug level). */
int store_reset_statements(struct store *st);
/* The page cache: 8 MiB by default; importers raise it (64) so index pages
 * of a big import stay in memory instead of spilling to the WAL. */
int store_set_cache_mb(struct store *st, int mb);

/* Explicit transactions for batching (importers).  Nested begin is an error. */
int store_begin(struct store *st);
/* A transaction for reading only: one snapshot for a batch of reads,
 * without the write lock store_begin takes (SQLite: a deferred BEGIN; a
 * write inside it would take the lock then).  End it with store_rollback
 * (or store_commit). */
int store_begin_read(struct store *st);
/* store_begin() for a bulk load (the importers reading files).  On SQLite the
 * subject-word index (FTS5) of the messages added inside the transaction
 * is written in one statement at store_commit() instead of by its trigger
 * row by row: FTS5 writes out its pending terms at every statement that
 * opens a statement journal, and each INSERT of a message with a trigger
 * does, so a row-by-row load wrote one index segment per message.  The
 * trigger is dropped inside the transaction, once it has added its first
 * message (a transaction that adds none changes no schema), and created
 * again from its own text before COMMIT, so every committed state has it and an index
 * that matches the rows; a crash or store_rollback() takes the drop back
 * with the rows.  Until the commit, a subject search on this handle does
 * not see the messages it added.  PostgreSQL: store_begin(). */
int store_begin_bulk(struct store *st);
/* Before a load into an empty store (no messages), outside a transaction:
 * on SQLite drops the secondary indexes of messages, recipients and
 * attempts (none UNIQUE: every check of the load keeps its index) and
 * keeps their SQL in the store, in one transaction, and returns 1: call
 * store_build_indexes() when the load ends, however it ends.  A CREATE
 * INDEX over the loaded rows sorts once where the load kept each index row
 * by row.  If the process dies before, the first open of the store for
 * writing builds them (so does the next import); until then lookups work,
 * only slower.  0 when nothing was deferred (not empty, PostgreSQL);
 * STORE_EDB. */
int store_defer_indexes(struct store *st);
/* Builds the indexes store_defer_indexes() left out, in one transaction.
 * STORE_OK or STORE_EDB (then the next open for writing tries again). */
int store_build_indexes(struct store *st);
/* At the end of an import (a file, not a follower's step), outside a
 * transaction: PostgreSQL merges the entries its subject index kept aside
 * for fast inserts (GIN's pending list), which searches otherwise read one
 * by one; SQLite merges the subject index's segments into one when the
 * load's bulk transactions added at least a sixteenth of the messages
 * (FTS5 'optimize': a search reads each segment).  STORE_OK, or STORE_EDB (the load itself is
 * committed: report it and go on; VACUUM merges them later). */
int store_finish_load(struct store *st);
/* Merges the subject index's segments a bounded step at a time, for about
 * `ms` milliseconds, outside a transaction: a store fed one message at a
 * time (the follower) keeps a dozen segments under FTS5's automerge, and a
 * search looks its words up in each.  The daemon calls it once a day until
 * it says done.  1 when there is more to merge, 0 when the index is one
 * segment (and always on PostgreSQL, whose GIN index autovacuum keeps),
 * STORE_EDB. */
int store_merge_search(struct store *st, int ms);
int store_commit(struct store *st);
int store_rollback(struct store *st);
/* One named savepoint inside a transaction (the daemon's group commit: one
 * complaint's rows kept or undone as a unit inside its chunk's
 * transaction).  Not nested. */
int store_savepoint(struct store *st);
int store_savepoint_release(struct store *st);
int store_savepoint_rollback(struct store *st);
/* Makes every transaction committed so far durable across a power cut:
 * one fsync of the write-ahead log (the store runs synchronous=NORMAL, so
 * a commit survives a crash of the process but not of the machine until
 * this).  The daemon calls it once per chunk, before the steps that
 * cannot be undone outside the store (IMAP MOVE, SMTP send) and after the
 * marks that follow a send.  Outside a transaction.  STORE_OK, or STORE_EDB
 * when the fsync failed (then nothing may be taken as durable). */
int store_sync(struct store *st);
/* How many times store_sync() ran an fsync in this process (figures). */
long store_sync_count(const struct store *st);

/* ---- accounts ---------------------------------------------------------- */

/* Creates the account if new; adds each address (exact or "@domain",
 * lower-cased).  An invalid address, or one already owned by another
 * account, is refused with STORE_EINVAL, and the others are still added.
 * *new_account_r (0/1) and *new_addresses_r count what was written; either
 * may be NULL. */
int store_put_account(struct store *st, const char *name, const char *const *addresses, size_t n,
		      int *new_account_r, int *new_addresses_r);
/* Finds the account owning `addr`: the exact address first, then
 * "@domain".  Returns STORE_OK with *id_r (and *name_r, caller frees, may
 * be NULL), or STORE_ENOTFOUND. */
int store_account_of_address(struct store *st, const char *addr, int64_t *id_r, char **name_r);
/* Account id by name, or STORE_ENOTFOUND. */
int store_account_id(struct store *st, const char *name, int64_t *id_r);

/* ---- delivery records -------------------------------------------------- */

struct store_message_in {
	const char *account;	/* required; created if unknown */
	const char *queue_id;	/* required, unique per relay */
	const char *message_id; /* may be NULL; stored with <> */
	const char *from;
	const char *subject;  /* UTF-8, as sent */
	int64_t submitted_at; /* 0 when unknown */
	const char *const *recipients;
	size_t n_recipients;
};

/* Adds a message, or completes an existing one with the same queue_id
 * (empty fields filled, new recipients added; nothing overwritten).
 * Returns STORE_ADDED, STORE_OK or an error.  STORE_EINVAL (a bad
 * recipient, the queue ID owned by another account) is found before
 * anything is written: a refused message leaves nothing behind, so an
 * importer needs no savepoint around it.  On PostgreSQL it is one round
 * trip (store/pg/pg_records.c); store_batch_message writes many at once. */
int store_put_message(struct store *st, const struct store_message_in *m);

struct store_attempt_in {
	const char *queue_id;	     /* required; the message must exist */
	const char *recipient;	     /* required; added to the message if new */
	int64_t at;		     /* required */
	const char *status;	     /* delivered | deferred | bounced */
	const char *mx_host, *mx_ip; /* may be NULL */
	int smtp_code;		     /* 0 when unknown */
	const char *enhanced_status;
	const char *response;
	const char *transcript;
	const char *transcript_kind; /* "full" (default) or "summary" */
};

/* Adds an attempt unless the same one (recipient, time, status, MX IP, code,
 * reply) is already stored.  Updates the recipient's current status when
 * this attempt is its latest.  STORE_EINVAL when the queue ID is unknown or
 * the status is not one of the three, with nothing written (as for
 * store_put_message). */
int store_put_attempt(struct store *st, const struct store_attempt_in *a);

/* ---- batched record writes (importers) ---------------------------------
 *
 * store_put_message / store_put_attempt whose results may arrive later:
 * on PostgreSQL up to STORE_BATCH_MAX records go to the server in one
 * COPY and are merged set by set in one call (store/pg/pg_stage.c); on
 * SQLite each record is written, and answered, at once.  Either way the
 * store ends as if each record had been written by store_put_* in the
 * order given, and `done` gets each one's result in that order:
 * STORE_ADDED, STORE_OK or STORE_EINVAL with the reason (borrowed, valid
 * during the call).
 *
 * Inside a transaction.  Between the first record and store_batch_flush
 * no other write may run on the store (it would come before the records
 * still waiting): flush before another write, a lookup of what the
 * batch writes, or a commit. */
enum { STORE_BATCH_MESSAGE = 1, STORE_BATCH_ATTEMPT = 2 };
#define STORE_BATCH_MAX 5000

struct store_batch;
/* `tag` is the caller's (a line number); `kind` a STORE_BATCH_*. */
typedef void store_batch_done_fn(void *ctx, long tag, int kind, int result, const char *why);

/* Free with store_batch_free.  `st` is borrowed. */
struct store_batch *store_batch_new(struct store *st, store_batch_done_fn *done, void *ctx);
/* STORE_OK (the result reported now or at a later call), or STORE_EDB:
 * then the transaction is to be rolled back, and the results of the
 * records still waiting are never reported. */
int store_batch_message(struct store_batch *b, long tag, const struct store_message_in *m);
int store_batch_attempt(struct store_batch *b, long tag, const struct store_attempt_in *a);
/* A record the caller refused itself (a line that does not parse): `done`
 * gets STORE_EINVAL, kind 0 and `why` (copied) in the record's place
 * among the results, without waiting for those before it to be written.
 * Returns as store_batch_message. */
int store_batch_refuse(struct store_batch *b, long tag, const char *why);
/* The log importers' records (store/import/log_msgs.c), whose outcome
 * decides what they do with the lines after: store_batch_message /
 * _attempt with options.  More results than store_put_* has:
 *   STORE_BATCH_REUSED     a message record with reuse_at: its queue ID
 *                          is stored with a submitted_at neither 0 nor
 *                          reuse_at (a queue ID used again for another
 *                          message); `why` says so; nothing written.
 *   STORE_BATCH_NOACCOUNT  a message record without account (NULL: the
 *                          account of the message stored under its queue
 *                          ID) when none is stored; nothing written.
 *   STORE_BATCH_SKIPPED    a record with `after` whose earlier record was
 *                          not stored (any negative result); nothing
 *                          written.
 * The checks come in this order (reuse, account, owner), each against
 * the store as the records before left it, as one record at a time. */
enum {
	STORE_BATCH_REUSED = -20,
	STORE_BATCH_NOACCOUNT = -21,
	STORE_BATCH_SKIPPED = -22,
};
struct store_batch_opts {
	int64_t reuse_at; /* message records: 0, or the submission seen */
	/* 0, or the tag of an earlier record of the batch whose result is
	 * still due (not yet reported): this record is written only if that
	 * one was stored.  Tags given with `after` must grow. */
	long after;
};
/* `o` may be NULL (as store_batch_message / _attempt). */
int store_batch_message_opts(struct store_batch *b, long tag, const struct store_message_in *m,
			     const struct store_batch_opts *o);
int store_batch_attempt_opts(struct store_batch *b, long tag, const struct store_attempt_in *a,
			     const struct store_batch_opts *o);
/* 1 when some result is still due (PostgreSQL; never on SQLite). */
int store_batch_waiting(const struct store_batch *b);
/* Waits for and reports every result still due.  STORE_OK or STORE_EDB. */
int store_batch_flush(struct store_batch *b);
/* A batch that holds its own transactions (the JSON Lines importer),
 * used outside any transaction of the caller's: store_batch_begin()
 * before the records, store_batch_commit() to make what was sent
 * durable, then store_batch_begin() again for more.  On SQLite the
 * records between them are one bulk transaction (store_begin_bulk).  On
 * PostgreSQL each flush is a transaction of its own (BEGIN, COPY, merge,
 * COMMIT), and one that PostgreSQL aborts for a deadlock or a
 * serialization failure (SQLSTATE 40P01, 40001: two imports of the same
 * queue IDs in opposite orders) is rolled back and sent again from its
 * start after a short random pause, up to six times, before the flush
 * fails (the message then says how often it was sent); its results are
 * reported once, after its commit.  A write of the caller's between
 * them (an account line, after store_batch_flush) runs there outside a
 * transaction.  Both: STORE_OK or STORE_EDB (then what was not committed
 * is rolled back). */
int store_batch_begin(struct store_batch *b);
int store_batch_commit(struct store_batch *b);
/* Drops what was not flushed; *b becomes NULL. */
void store_batch_free(struct store_batch **b);

/* ---- lookups ----------------------------------------------------------- */

struct store_attempt {
	int64_t at;
	char *status;
	char *mx_host, *mx_ip; /* may be NULL */
	int smtp_code;	       /* 0 when unknown */
	char *enhanced_status; /* may be NULL */
	char *response;	       /* may be NULL */
	char *transcript;      /* NULL unless STORE_WITH_TRANSCRIPTS */
	char *transcript_kind; /* "full" or "summary" */
};

struct store_recipient {
	char *address;
	char *status;			/* of the latest attempt, or "pending" */
	int64_t last_attempt_at;	/* 0 when no attempt yet */
	struct store_attempt *attempts; /* oldest first */
	size_t n_attempts;
};

struct store_message {
	int64_t id;
	int64_t account_id;
	char *account;
	char *queue_id;
	char *message_id; /* may be NULL */
	char *from;	  /* may be NULL */
	char *subject;	  /* may be NULL */
	int64_t submitted_at;
	struct store_recipient *rcpts;
	size_t n_rcpts;
};

struct store_message_list {
	struct store_message *v;
	size_t n;
};

enum {
	STORE_WITH_ATTEMPTS = 1 << 0,
	STORE_WITH_TRANSCRIPTS = 1 << 1, /* implies attempts */
};

/* account_id 0 = any account (admin tools); the responder always passes the
 * requester's account, so another account's messages are never returned.
 * Results are newest first, at most `limit` (0 = 100). */
int store_find_by_message_id(struct store *st, const char *message_id, int64_t account_id,
			     int flags, size_t limit, struct store_message_list *out);
int store_find_by_queue_id(struct store *st, const char *queue_id, int64_t account_id, int flags,
			   struct store_message_list *out);
/* Messages to `recipient` submitted in [since, until] (0 = open end). */
int store_find_by_recipient(struct store *st, const char *recipient, int64_t account_id,
			    int64_t since, int64_t until, int flags, size_t limit,
			    struct store_message_list *out);
/* Messages whose normalised subject contains every word of `subject`
 * (normalised here), in [since, until]. */
int store_find_by_subject(struct store *st, const char *subject, int64_t account_id, int64_t since,
			  int64_t until, int flags, size_t limit, struct store_message_list *out);
void store_message_list_free(struct store_message_list *l);

/* "<id@host>" for "id@host" or "<id@host>" (white space trimmed); NULL for
 * NULL or empty.  Message-IDs are stored and compared in this form.
 * Caller frees. */
char *store_message_id_canonical(const char *mid);

/* Counts for summaries and tests. */
int store_count(struct store *st, const char *what, int64_t *n_r);

#endif
