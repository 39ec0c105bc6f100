/*
 * batch.c - record writes whose results may come a little later
 * (store.h, store_batch_*), so that PostgreSQL gets them in one round
 * trip per STORE_BATCH_MAX instead of one each.
 *
 * SQLite writes each record at once (it has no round trip to save) and
 * reports its result before store_batch_message/_attempt returns.
 * PostgreSQL checks the record as store_put_* does, sends the one call
 * that writes it (pg_records.c) into libpq's pipeline and reads the
 * answers of the whole batch at the flush.  The calls run in the order
 * they were sent, each as it would have run alone, so the store ends the
 * same either way; a record refused before it was sent keeps its place
 * in the order of the results.
 */
#include "store/store_int.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

struct batch_entry {
	long tag;
	int kind;   /* STORE_BATCH_MESSAGE, STORE_BATCH_ATTEMPT */
	int sent;   /* 1: its result comes from the pipeline */
	int result; /* when not sent: STORE_EINVAL */
	char *text; /* owned: sent, the queue ID; not sent, the reason */
};

struct store_batch {
	struct store *st; /* borrowed */
	store_batch_done_fn *done;
	void *ctx;
	struct batch_entry v[STORE_BATCH_MAX];
	size_t n, sent;
};

struct store_batch *
store_batch_new(struct store *st, store_batch_done_fn *done, void *ctx)
{
	struct store_batch *b = xcalloc(1, sizeof(*b));

	b->st = st;
	b->done = done;
	b->ctx = ctx;
	return b;
}

static void
drop_entries(struct store_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].text);
	b->n = b->sent = 0;
}

void
store_batch_free(struct store_batch **bp)
{
	if (*bp == NULL)
		return;
	drop_entries(*bp);
	free(*bp);
	*bp = NULL;
}

/* A result known now: reported at once when nothing is waiting ahead of
 * it, else queued behind what is. */
static int
result_now(struct store_batch *b, long tag, int kind, int r)
{
	struct batch_entry *e;

	if (r == STORE_EDB)
		return r;
	if (b->n == 0) {
		b->done(b->ctx, tag, kind, r, r == STORE_EINVAL ? store_errmsg(b->st) : NULL);
		return STORE_OK;
	}
	e = &b->v[b->n++];
	e->tag = tag;
	e->kind = kind;
	e->sent = 0;
	e->result = r;
	e->text = xstrdup(store_errmsg(b->st));
	return b->n == STORE_BATCH_MAX ? store_batch_flush(b) : STORE_OK;
}

static int
queued(struct store_batch *b, long tag, int kind, const char *queue_id)
{
	struct batch_entry *e = &b->v[b->n++];

	e->tag = tag;
	e->kind = kind;
	e->sent = 1;
	e->text = xstrdup(queue_id);
	b->sent++;
	return b->n == STORE_BATCH_MAX ? store_batch_flush(b) : STORE_OK;
}

int
store_batch_message(struct store_batch *b, long tag, const struct store_message_in *m)
{
	int r;

	if (!store_is_pg(b->st))
		return result_now(b, tag, STORE_BATCH_MESSAGE, store_put_message(b->st, m));
	if ((r = store_message_send_pg(b->st, m)) != STORE_OK)
		return result_now(b, tag, STORE_BATCH_MESSAGE, r);
	return queued(b, tag, STORE_BATCH_MESSAGE, m->queue_id);
}

int
store_batch_attempt(struct store_batch *b, long tag, const struct store_attempt_in *a)
{
	int r;

	if (!store_is_pg(b->st))
		return result_now(b, tag, STORE_BATCH_ATTEMPT, store_put_attempt(b->st, a));
	if ((r = store_attempt_send_pg(b->st, a)) != STORE_OK)
		return result_now(b, tag, STORE_BATCH_ATTEMPT, r);
	return queued(b, tag, STORE_BATCH_ATTEMPT, a->queue_id);
}

int
store_batch_flush(struct store_batch *b)
{
	int64_t v[STORE_BATCH_MAX];
	size_t j = 0;
	int r;

	if (b->sent > 0 && store_pipe_collect(b->st, v, b->sent) < 0) {
		drop_entries(b);
		return STORE_EDB;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct batch_entry *e = &b->v[i];
		const char *why = e->text;

		if (e->sent) {
			r = e->kind == STORE_BATCH_MESSAGE ?
				store_message_result(b->st, e->text, v[j]) :
				store_attempt_result(b->st, e->text, v[j]);
			j++;
			why = store_errmsg(b->st);
		} else {
			r = e->result;
		}
		b->done(b->ctx, e->tag, e->kind, r, r == STORE_EINVAL ? why : NULL);
	}
	drop_entries(b);
	return STORE_OK;
}
