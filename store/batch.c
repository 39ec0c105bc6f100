/*
 * batch.c - record writes whose results may come a little later
 * (store.h, store_batch_*), so that PostgreSQL gets a batch of records
 * in one COPY and one set-based merge instead of a call each.
 *
 * SQLite writes each record at once (it has no round trip to save) and
 * reports its result before store_batch_message/_attempt returns.
 * PostgreSQL checks the record as store_put_* does (records.c), appends
 * it as a row of the staging table to the batch, and at the flush sends
 * the rows in one COPY and merges them with one call
 * (store/pg/pg_stage.c), which gives each record's result; a record
 * refused before it was staged keeps its place in the order of the
 * results.
 *
 * The merge works set by set, so a record must not depend on a later
 * one of its set: each row carries a segment number, and a new segment
 * starts at a message record whose queue ID an earlier record of the
 * segment named (pg_stage.c says why that is enough).  Segments run in
 * their order, so the store ends as the records written one by one
 * would leave it.
 *
 * A batch that holds its own transactions (store_batch_begin, the JSON
 * Lines importer) makes each merge on PostgreSQL a transaction of its
 * own, so that one PostgreSQL aborts for a deadlock (two imports taking
 * the queue-ID locks of the same messages in opposite orders) or a
 * serialization failure can be sent again whole: the rollback took all
 * of it back, and the staged rows are still here.
 */
#include "store/store_int.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Staged rows are sent once they pass this many bytes (a record is never
 * split; the buffer's cap, BUF_DEFAULT_MAX, leaves room for the largest
 * record the importers accept on top). */
#define STAGE_FLUSH_BYTES ((size_t)8 * 1024 * 1024)
/* Slots of the queue-ID set: a power of two, at least twice the records
 * of a batch, so the set is never more than half full. */
#define QID_SLOTS 16384
/* A merge PostgreSQL aborted for a deadlock or a serialization failure is
 * sent this many times in all, after a random pause of up to
 * RETRY_PAUSE_MS times the tries so far. */
#define MERGE_TRIES 6
#define RETRY_PAUSE_MS 200

struct batch_entry {
	long tag;
	int kind;   /* STORE_BATCH_MESSAGE, STORE_BATCH_ATTEMPT */
	int staged; /* 1: its result comes from the merge */
	/* not staged: the result (STORE_EINVAL, STORE_BATCH_SKIPPED); staged:
	 * the merge's 1, 0, or a refusal (merge_result) */
	int result;
	char *text;	   /* owned: staged, the queue ID; not staged, the reason */
	int64_t reuse_at;  /* the option, for the reason of a refusal */
	int64_t stored_at; /* a reused queue ID's stored submitted_at */
};

/* The merge's refusals (store/pg/pg_stage.c) besides -1 (refused:
 * another account's queue ID, an unknown one). */
enum { MERGE_SKIPPED = -2, MERGE_REUSED = -3, MERGE_NOACCOUNT = -4 };

/* The queue IDs named in the current segment. */
struct qid_slot {
	const char *qid; /* borrowed: an entry's text */
	unsigned gen;	 /* the slot is in the set when gen == the batch's */
};

struct store_batch {
	struct store *st; /* borrowed */
	store_batch_done_fn *done;
	void *ctx;
	struct batch_entry *v; /* owned: STORE_BATCH_MAX entries */
	size_t n, staged;
	struct buf rows; /* the staged records, COPY text rows */
	int seg;
	struct qid_slot *qids; /* owned: QID_SLOTS; PostgreSQL only */
	unsigned gen;
	int own_tx; /* store_batch_begin: the batch holds the transactions */
};

_Static_assert(QID_SLOTS >= 2 * STORE_BATCH_MAX, "the queue-ID set must stay half empty");

struct store_batch *
store_batch_new(struct store *st, store_batch_done_fn *done, void *ctx)
{
	struct store_batch *b = xcalloc(1, sizeof(*b));

	b->st = st;
	b->done = done;
	b->ctx = ctx;
	b->v = xcalloc(STORE_BATCH_MAX, sizeof(*b->v));
	buf_init(&b->rows, 0);
	if (store_is_pg(st))
		b->qids = xcalloc(QID_SLOTS, sizeof(*b->qids));
	b->gen = 1;
	return b;
}

/* A new segment: the set is emptied by moving to a new generation. */
static void
new_segment(struct store_batch *b)
{
	b->seg++;
	if (++b->gen == 0) { /* wrapped: slots of an old generation 0 would count */
		memset(b->qids, 0, QID_SLOTS * sizeof(*b->qids));
		b->gen = 1;
	}
}

static void
drop_entries(struct store_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].text);
	b->n = b->staged = 0;
	buf_reset(&b->rows);
	if (b->qids != NULL) {
		new_segment(b);
		b->seg = 0;
	}
}

void
store_batch_free(struct store_batch **bp)
{
	if (*bp == NULL)
		return;
	drop_entries(*bp);
	buf_free(&(*bp)->rows);
	free((*bp)->qids);
	free((*bp)->v);
	free(*bp);
	*bp = NULL;
}

/* The slot of `qid` in the set, or the free slot where it would go. */
static struct qid_slot *
qid_slot(struct store_batch *b, const char *qid)
{
	size_t i = (size_t)fnv1a(FNV1A_INIT, qid, strlen(qid)) & (QID_SLOTS - 1);

	while (b->qids[i].gen == b->gen && strcmp(b->qids[i].qid, qid) != 0)
		i = (i + 1) & (QID_SLOTS - 1);
	return &b->qids[i];
}

static void
qid_add(struct store_batch *b, const char *qid)
{
	struct qid_slot *q = qid_slot(b, qid);

	q->qid = qid;
	q->gen = b->gen;
}

/* A result known now (`why`: the reason of a refusal): reported at once
 * when nothing is waiting ahead of it, else queued behind what is. */
static int
result_now_why(struct store_batch *b, long tag, int kind, int r, const char *why)
{
	struct batch_entry *e;

	if (r == STORE_EDB)
		return r;
	if (b->n == 0) {
		b->done(b->ctx, tag, kind, r,
			r == STORE_EINVAL || r == STORE_BATCH_REUSED ? why : NULL);
		return STORE_OK;
	}
	e = &b->v[b->n++];
	e->tag = tag;
	e->kind = kind;
	e->staged = 0;
	e->result = r;
	e->text = why != NULL ? xstrdup(why) : NULL;
	return b->n == STORE_BATCH_MAX ? store_batch_flush(b) : STORE_OK;
}

/* The same, the reason being the store's last error. */
static int
result_now(struct store_batch *b, long tag, int kind, int r)
{
	return result_now_why(b, tag, kind, r, store_errmsg(b->st));
}

int
store_batch_refuse(struct store_batch *b, long tag, const char *why)
{
	return result_now_why(b, tag, 0, STORE_EINVAL, why);
}

static void
rows_cut(struct buf *rows, size_t len)
{
	rows->len = len;
	if (rows->data != NULL)
		rows->data[len] = '\0';
}

/* The entry of the record tagged `tag` still waiting in the batch, or
 * NULL.  From the end: the record a line depends on is a recent one. */
static struct batch_entry *
waiting_entry(struct store_batch *b, long tag)
{
	for (size_t i = b->n; i-- > 0;)
		if (b->v[i].tag == tag)
			return &b->v[i];
	return NULL;
}

/* PostgreSQL: the record checked and staged (records.c), its queue ID
 * noted for the segments; or its refusal. */
static int
stage(struct store_batch *b, long tag, int kind, const void *rec, const char *qid,
      const struct store_batch_opts *o)
{
	size_t mark = b->rows.len;
	/* A message record must be the first of its segment to name its
	 * queue ID. */
	int cut = kind == STORE_BATCH_MESSAGE && qid != NULL && *qid != '\0' &&
		  qid_slot(b, qid)->gen == b->gen;
	int64_t after = -1, reuse_at = o != NULL ? o->reuse_at : 0;
	int r;
	struct batch_entry *e;

	if (o != NULL && o->after != 0) {
		if ((e = waiting_entry(b, o->after)) == NULL)
			return store_fail(b->st, STORE_EDB,
					  "internal error: record %ld is not waiting in the batch",
					  o->after);
		if (!e->staged) /* refused already */
			return result_now_why(b, tag, kind, STORE_BATCH_SKIPPED, NULL);
		after = e - b->v;
	}
	for (int tries = 0;; tries++) {
		if (store_copy_int64(&b->rows, (int64_t)b->n, 0) < 0 ||
		    store_copy_int64(&b->rows, b->seg + cut, 0) < 0 ||
		    store_copy_int64(&b->rows, kind, 0) < 0 ||
		    (after < 0 ? store_copy_field(&b->rows, NULL, 0) :
				 store_copy_int64(&b->rows, after, 0)) < 0 ||
		    store_copy_int64(&b->rows, reuse_at, 0) < 0)
			r = STORE_EFULL;
		else if (kind == STORE_BATCH_MESSAGE)
			r = store_message_stage(b->st, rec, &b->rows);
		else
			r = store_attempt_stage(b->st, rec, &b->rows);
		if (r == STORE_OK)
			break;
		rows_cut(&b->rows, mark);
		if (r != STORE_EFULL)
			return result_now(b, tag, kind, r);
		/* The batch is full of bytes: send what waits, then again (a
		 * record that depends on one waiting is sent with it). */
		if (tries > 0 || b->n == 0 || after >= 0)
			return result_now(
			    b, tag, kind,
			    store_fail(b->st, STORE_EINVAL, "record too long for a batch"));
		if (store_batch_flush(b) < 0)
			return STORE_EDB;
		mark = 0;
		cut = 0;
	}
	if (cut)
		new_segment(b);
	e = &b->v[b->n++];
	e->tag = tag;
	e->kind = kind;
	e->staged = 1;
	e->text = xstrdup(qid);
	e->reuse_at = reuse_at;
	qid_add(b, e->text);
	b->staged++;
	return b->n == STORE_BATCH_MAX || b->rows.len >= STAGE_FLUSH_BYTES ? store_batch_flush(b) :
									     STORE_OK;
}

/* The refusal of a reused queue ID, in st's errmsg. */
static int
reused(struct store *st, const char *qid, int64_t reuse_at, int64_t stored_at)
{
	return store_fail(st, STORE_BATCH_REUSED,
			  "queue ID %s is already stored for a message submitted %lld s earlier",
			  qid, (long long)(reuse_at - stored_at));
}

/* SQLite: the options' checks, then store_put_message. */
static int
put_message_opts(struct store *st, const struct store_message_in *m,
		 const struct store_batch_opts *o)
{
	struct store_message_in in = *m;
	struct store_stmt *s;
	char *acct = NULL;
	int r;

	if (o != NULL && o->reuse_at != 0) {
		s = store_stmt(st, "SELECT submitted_at FROM messages WHERE queue_id = ?1");
		if (s == NULL)
			return STORE_EDB;
		store_bind_text(s, 1, m->queue_id);
		r = store_step(s);
		if (r == STORE_ROW) {
			int64_t t = store_col_int64(s, 0);

			store_reset(s);
			if (t != 0 && t != o->reuse_at)
				return reused(st, m->queue_id, o->reuse_at, t);
		} else {
			store_reset(s);
			if (r != STORE_DONE)
				return store_fail_db(st, "checking a queue ID");
		}
	}
	if (m->account == NULL) {
		s = store_stmt(st, "SELECT a.name FROM messages m JOIN accounts a"
				   " ON a.id = m.account_id WHERE m.queue_id = ?1");
		if (s == NULL)
			return STORE_EDB;
		store_bind_text(s, 1, m->queue_id);
		r = store_step(s);
		if (r == STORE_ROW)
			acct = store_col_dup(s, 0);
		store_reset(s);
		if (r != STORE_ROW && r != STORE_DONE)
			return store_fail_db(st, "looking up a queue ID");
		if (acct == NULL)
			return STORE_BATCH_NOACCOUNT;
		in.account = acct;
	}
	r = store_put_message(st, &in);
	free(acct);
	return r;
}

int
store_batch_message_opts(struct store_batch *b, long tag, const struct store_message_in *m,
			 const struct store_batch_opts *o)
{
	if (!store_is_pg(b->st))
		return result_now(b, tag, STORE_BATCH_MESSAGE, put_message_opts(b->st, m, o));
	return stage(b, tag, STORE_BATCH_MESSAGE, m, m->queue_id, o);
}

int
store_batch_attempt_opts(struct store_batch *b, long tag, const struct store_attempt_in *a,
			 const struct store_batch_opts *o)
{
	if (o != NULL && o->after != 0 && !store_is_pg(b->st))
		return store_fail(b->st, STORE_EDB,
				  "internal error: record %ld is not waiting in the batch",
				  o->after);
	if (!store_is_pg(b->st))
		return result_now(b, tag, STORE_BATCH_ATTEMPT, store_put_attempt(b->st, a));
	return stage(b, tag, STORE_BATCH_ATTEMPT, a, a->queue_id, o);
}

int
store_batch_message(struct store_batch *b, long tag, const struct store_message_in *m)
{
	return store_batch_message_opts(b, tag, m, NULL);
}

int
store_batch_attempt(struct store_batch *b, long tag, const struct store_attempt_in *a)
{
	return store_batch_attempt_opts(b, tag, a, NULL);
}

int
store_batch_waiting(const struct store_batch *b)
{
	return b->n > 0;
}

/* PostgreSQL: the staged rows sent and merged; each staged entry gets
 * the merge's result. */
static int
merge(struct store_batch *b)
{
	struct store *st = b->st;
	struct store_stmt *s;
	size_t got = 0;
	int rc;

	if (store_copy_in(
		st,
		"COPY pg_temp.responder_stage(seq, seg, kind, dep, reuse, account, qid, mid,"
		" sender, subject, norm, submitted, rcpts, rcpt, fp, at, status, mx_host,"
		" mx_ip, code, enh, resp, transcript, tkind) FROM STDIN",
		buf_cstr(&b->rows), b->rows.len) < 0)
		return store_fail_db(st, "staging records");
	s = store_stmt(st, "SELECT o_seq, o_result, o_info FROM pg_temp.responder_merge()");
	if (s == NULL)
		return STORE_EDB;
	while ((rc = store_step(s)) == STORE_ROW) {
		int64_t seq = store_col_int64(s, 0);

		if (seq < 0 || (size_t)seq >= b->n || !b->v[seq].staged || store_col_null(s, 1)) {
			store_reset(s);
			return store_fail(st, STORE_EDB, "internal error: merge result %" PRId64,
					  seq);
		}
		b->v[seq].result = store_col_int(s, 1);
		b->v[seq].stored_at = store_col_null(s, 2) ? 0 : store_col_int64(s, 2);
		got++;
	}
	store_reset(s);
	if (rc != STORE_DONE)
		return store_fail_db(st, "merging records");
	if (got != b->staged)
		return store_fail(st, STORE_EDB, "internal error: %zu merge results, not %zu", got,
				  b->staged);
	return STORE_OK;
}

/* Sleeps a random while before the next try: two imports that
 * deadlocked must not meet again at once. */
static void
retry_pause(int tries)
{
	unsigned r = 0;
	long ms;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned)time(NULL) ^ (unsigned)getpid() * 2654435761u;
	ms = 10 + (long)(r % (unsigned)(RETRY_PAUSE_MS * tries));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000L;
	nanosleep(&ts, NULL);
}

/* The merge as a transaction of its own, sent again after a deadlock or
 * a serialization failure (nothing of it was written). */
static int
merge_own_tx(struct store_batch *b)
{
	struct store *st = b->st;

	for (int tries = 1;; tries++) {
		int r = store_begin(st);

		if (r == STORE_OK)
			r = merge(b);
		if (r == STORE_OK)
			r = store_commit(st);
		if (r == STORE_OK)
			return STORE_OK;
		if (!store_retryable(st) || tries == MERGE_TRIES) {
			char why[sizeof(st->err)];

			memcpy(why, st->err, sizeof(why));
			store_rollback(st);
			if (store_retryable(st))
				store_fail(st, STORE_EDB, "%.400s (the batch was sent %d times)",
					   why, tries);
			else
				memcpy(st->err, why, sizeof(why));
			return STORE_EDB;
		}
		log_debug("store %s: %s; the batch is sent again", st->path, st->err);
		store_rollback(st);
		retry_pause(tries);
	}
}

int
store_batch_begin(struct store_batch *b)
{
	b->own_tx = 1;
	return store_is_pg(b->st) ? STORE_OK : store_begin_bulk(b->st);
}

int
store_batch_commit(struct store_batch *b)
{
	if (store_batch_flush(b) < 0)
		return STORE_EDB;
	return store_is_pg(b->st) ? STORE_OK : store_commit(b->st);
}

int
store_batch_flush(struct store_batch *b)
{
	int r;

	if (b->staged > 0 && (b->own_tx ? merge_own_tx(b) : merge(b)) < 0) {
		drop_entries(b);
		return STORE_EDB;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct batch_entry *e = &b->v[i];
		const char *why = e->text;

		if (!e->staged)
			r = e->result;
		else if (e->result == MERGE_SKIPPED)
			r = STORE_BATCH_SKIPPED;
		else if (e->result == MERGE_NOACCOUNT)
			r = STORE_BATCH_NOACCOUNT;
		else if (e->result == MERGE_REUSED)
			r = reused(b->st, e->text, e->reuse_at, e->stored_at);
		else if (e->kind == STORE_BATCH_MESSAGE)
			r = store_message_result(b->st, e->text, e->result);
		else
			r = store_attempt_result(b->st, e->text, e->result);
		if (e->staged)
			why = store_errmsg(b->st);
		b->done(b->ctx, e->tag, e->kind, r,
			r == STORE_EINVAL || r == STORE_BATCH_REUSED ? why : NULL);
	}
	drop_entries(b);
	return STORE_OK;
}
