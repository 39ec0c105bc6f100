/*
 * outbox_send.c - sends the due outbox rows (see outbox_send.h).
 *
 * SECURITY: row contents go to smtp_send() only, which checks the envelope
 * addresses; the server's reply is sanitised there before it is logged or
 * stored here.
 */
#include "responder/smtp/outbox_send.h"
#include "responder/metrics/metrics.h"
#include "responder/smtp/smtp_send.h"
#include "store/outbox.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <string.h>
#include <unistd.h>

#define SEND_BATCH 100
#define MARK_TRIES 3

void
outbox_sender_init(struct outbox_sender *o, const struct settings *s, struct store *st)
{
	memset(o, 0, sizeof(*o));
	o->s = s;
	o->st = st;
}

void
outbox_sender_close(struct outbox_sender *o)
{
	smtp_sender_free(&o->smtp);
	smtp_pool_free(&o->pool);
}

/* The marks of the replies sent so far, durable with one fsync: after
 * this a power cut never sends them again.  The marks themselves are
 * ordinary commits, so a crash of the process after one does not either. */
static int
sync_marks(struct outbox_sender *o)
{
	if (store_sync(o->st) < 0) {
		log_error("store: %s", store_errmsg(o->st));
		return -1;
	}
	return 0;
}

/* The mark after a 250.  A mark that cannot be written means the reply
 * goes out again later, so a failure (an I/O error, a full disk) is tried
 * again a few times, 0.1, 0.2 and 0.4 s apart, before giving up. */
static int
mark_sent(struct outbox_sender *o, int64_t id, const char *reply, int64_t now)
{
	int r = store_outbox_mark_sent(o->st, id, reply, now);

	for (int t = 0; r < 0 && t < MARK_TRIES; t++) {
		log_warn("store: %s; marking reply %lld sent again", store_errmsg(o->st),
			 (long long)id);
		usleep(100000u << t);
		r = store_outbox_mark_sent(o->st, id, reply, now);
	}
	return r;
}

/* What to do after one answer. */
enum answer_next {
	ANSWER_OK,	    /* recorded; go on */
	ANSWER_UNAVAILABLE, /* the server cannot be reached: stop the batch */
	ANSWER_STORE_ERROR, /* not recorded: stop (never re-send what cannot be marked) */
};

/* Records the server's answer for one row: the sent mark right away after
 * a 2xx, the retry or failure otherwise. */
static enum answer_next
record_answer(struct outbox_sender *o, struct outbox_row *row, enum smtp_result sr,
	      const char *reply, const char *err)
{
	int64_t now = time(NULL);
	int failed = 0, r = 0;

	store_outbox_row_release(row);
	switch (sr) {
	case SMTP_SENT:
		r = mark_sent(o, row->id, reply, now);
		o->sent++;
		metrics_reply(METRICS_REPLY_SENT,
			      row->received_at > 0 ? now - row->received_at : -1);
		log_info("reply %lld to %s sent: %s", (long long)row->id, row->rcpt, reply);
		break;
	case SMTP_TEMPFAIL:
		r = store_outbox_mark_retry(o->st, row->id, err, now, &failed);
		metrics_reply(failed ? METRICS_REPLY_FAILED : METRICS_REPLY_DEFERRED, -1);
		log_warn("reply %lld to %s %s: %s", (long long)row->id, row->rcpt,
			 failed ? "failed after too many tries" : "deferred", err);
		break;
	case SMTP_PERMFAIL:
		r = store_outbox_mark_failed(o->st, row->id, err);
		metrics_reply(METRICS_REPLY_FAILED, -1);
		log_warn("reply %lld to %s failed: %s", (long long)row->id, row->rcpt, err);
		break;
	case SMTP_UNAVAIL:
		store_outbox_note_error(o->st, row->id, err);
		metrics_smtp_error();
		log_warn("smtp unavailable, replies stay queued: %s", err);
		return ANSWER_UNAVAILABLE;
	}
	if (r < 0) {
		log_error("store: %s", store_errmsg(o->st));
		return ANSWER_STORE_ERROR;
	}
	return ANSWER_OK;
}

/* The server could not be reached: wait before the next try. */
static void
back_off(struct outbox_sender *o)
{
	o->unavailable = 1;
	o->backoff = time_backoff_next(o->backoff, SMTP_RETRY_MAX_SECONDS);
	o->retry_at = time(NULL) + o->backoff;
}

/* Several responders: a row whose lease ran out while the rows before it
 * were sent may have been taken by another node; only the holder sends
 * it.  Then its message is read (one at a time, not the whole batch).
 * 1 send, 0 skip, -1 store failure (logged). */
static int
hold(struct outbox_sender *o, struct outbox_row *row)
{
	int r = store_outbox_hold(o->st, row->id, time(NULL));

	if (r == 0) {
		log_info("reply %lld to %s: taken over by another responder, not sent here",
			 (long long)row->id, row->rcpt);
		return 0;
	}
	if (r > 0) {
		r = store_outbox_message(o->st, row);
		if (r == STORE_OK)
			return 1;
		if (r == STORE_ENOTFOUND) {
			/* gone since the batch was read (a purge, an admin) */
			log_info("reply %lld to %s: no longer in the outbox, not sent",
				 (long long)row->id, row->rcpt);
			return 0;
		}
	}
	log_error("store: %s; not sending", store_errmsg(o->st));
	return -1;
}

/* One batch over one connection, a reply after the other.  0, or -1 when
 * sending stopped (unavailable: backoff set; store failure). */
static int
send_one_by_one(struct outbox_sender *o, struct outbox_row *rows, size_t n)
{
	char err[1024], reply[SMTP_REPLY_MAX];

	for (size_t i = 0; i < n; i++) {
		enum smtp_result sr;
		int r = hold(o, &rows[i]);

		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		log_debug("reply %lld to %s: sending", (long long)rows[i].id, rows[i].rcpt);
		sr = smtp_send(o->smtp, rows[i].envelope_from, rows[i].rcpt, rows[i].message,
			       rows[i].len, reply, err, sizeof(err));
		switch (record_answer(o, &rows[i], sr, reply, err)) {
		case ANSWER_OK:
			break;
		case ANSWER_UNAVAILABLE:
			smtp_sender_free(&o->smtp);
			back_off(o);
			return -1;
		case ANSWER_STORE_ERROR:
			return -1;
		}
	}
	return 0;
}

/* One batch over the pool's connections, up to N replies in flight; each
 * answer recorded as soon as it is read.  After a stop (unavailable, a
 * store failure) nothing more is started and the replies in flight are
 * waited for and recorded.  0, or -1 when sending stopped. */
static int
send_in_parallel(struct outbox_sender *o, struct outbox_row *rows, size_t n)
{
	char err[1024], reply[SMTP_REPLY_MAX];
	size_t next = 0, tag;
	enum smtp_result sr;
	int stop = 0, unavailable = 0;

	for (;;) {
		while (!stop && next < n && smtp_pool_free_slots(o->pool) > 0) {
			int r = hold(o, &rows[next]);

			if (r < 0) {
				stop = 1;
				break;
			}
			if (r > 0) {
				log_debug("reply %lld to %s: sending", (long long)rows[next].id,
					  rows[next].rcpt);
				smtp_pool_start(o->pool, rows[next].envelope_from, rows[next].rcpt,
						rows[next].message, rows[next].len, next);
			}
			next++;
		}
		if (smtp_pool_next(o->pool, &tag, &sr, reply, err, sizeof(err)) == 0)
			break;
		switch (record_answer(o, &rows[tag], sr, reply, err)) {
		case ANSWER_OK:
			break;
		case ANSWER_UNAVAILABLE:
			stop = unavailable = 1;
			break;
		case ANSWER_STORE_ERROR:
			stop = 1;
			break;
		}
	}
	if (unavailable) {
		smtp_pool_free(&o->pool);
		back_off(o);
	}
	return stop ? -1 : 0;
}

int
outbox_send_due(struct outbox_sender *o)
{
	struct outbox_row *rows = NULL;
	size_t n = 0;
	char err[1024];
	int64_t now = time(NULL);
	int parallel = o->s->smtp_connections > 1, r;

	if (o->retry_at > now)
		return o->unavailable ? -1 : 0; /* still backing off */
	o->unavailable = 0;
	for (;;) {
		/* A row is sent only once its queueing is durable (the daemon
		 * syncs after each chunk; this covers any other writer). */
		if (store_sync(o->st) < 0) {
			log_error("store: %s; not sending", store_errmsg(o->st));
			return -1;
		}
		if (store_outbox_due(o->st, now, SEND_BATCH, &rows, &n) < 0) {
			log_error("store: %s", store_errmsg(o->st));
			return -1;
		}
		if (n == 0)
			break;
		if (parallel ? (o->pool == NULL && smtp_pool_new(o->s, o->s->smtp_connections,
								 &o->pool, err, sizeof(err)) < 0) :
			       (o->smtp == NULL &&
				smtp_sender_new(o->s, &o->smtp, err, sizeof(err)) < 0)) {
			log_error("smtp: %s", err);
			metrics_smtp_error();
			o->unavailable = 1;
			store_outbox_rows_free(rows, n);
			return -1;
		}
		r = parallel ? send_in_parallel(o, rows, n) : send_one_by_one(o, rows, n);
		store_outbox_rows_free(rows, n);
		rows = NULL;
		if (r < 0) {
			sync_marks(o);
			return -1;
		}
		o->backoff = 0;
		o->retry_at = 0;
		if (sync_marks(o) < 0)
			return -1;
		if (n < SEND_BATCH)
			break;
		now = time(NULL);
	}
	return 0;
}
