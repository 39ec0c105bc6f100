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

int
outbox_send_due(struct outbox_sender *o)
{
	struct outbox_row *rows = NULL;
	size_t n = 0;
	char err[1024], reply[SMTP_REPLY_MAX];
	int64_t now = time(NULL);

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
		if (o->smtp == NULL && smtp_sender_new(o->s, &o->smtp, err, sizeof(err)) < 0) {
			log_error("smtp: %s", err);
			metrics_smtp_error();
			o->unavailable = 1;
			store_outbox_rows_free(rows, n);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			enum smtp_result sr;
			int failed = 0, r = 0;

			/* Several responders: a row whose lease ran out while
			 * the rows before it were sent may have been taken by
			 * another node; only the holder sends it. */
			r = store_outbox_hold(o->st, rows[i].id, time(NULL));
			if (r < 0) {
				log_error("store: %s; not sending", store_errmsg(o->st));
				store_outbox_rows_free(rows, n);
				sync_marks(o);
				return -1;
			}
			if (r == 0) {
				log_info(
				    "reply %lld to %s: taken over by another responder, not sent here",
				    (long long)rows[i].id, rows[i].rcpt);
				continue;
			}
			log_debug("reply %lld to %s: sending", (long long)rows[i].id, rows[i].rcpt);
			sr = smtp_send(o->smtp, rows[i].envelope_from, rows[i].rcpt,
				       rows[i].message, rows[i].len, reply, err, sizeof(err));

			now = time(NULL);
			switch (sr) {
			case SMTP_SENT:
				r = mark_sent(o, rows[i].id, reply, now);
				o->sent++;
				metrics_reply(METRICS_REPLY_SENT, rows[i].received_at > 0 ?
								      now - rows[i].received_at :
								      -1);
				log_info("reply %lld to %s sent: %s", (long long)rows[i].id,
					 rows[i].rcpt, reply);
				break;
			case SMTP_TEMPFAIL:
				r = store_outbox_mark_retry(o->st, rows[i].id, err, now, &failed);
				metrics_reply(
				    failed ? METRICS_REPLY_FAILED : METRICS_REPLY_DEFERRED, -1);
				log_warn("reply %lld to %s %s: %s", (long long)rows[i].id,
					 rows[i].rcpt,
					 failed ? "failed after too many tries" : "deferred", err);
				break;
			case SMTP_PERMFAIL:
				r = store_outbox_mark_failed(o->st, rows[i].id, err);
				metrics_reply(METRICS_REPLY_FAILED, -1);
				log_warn("reply %lld to %s failed: %s", (long long)rows[i].id,
					 rows[i].rcpt, err);
				break;
			case SMTP_UNAVAIL:
				store_outbox_note_error(o->st, rows[i].id, err);
				metrics_smtp_error();
				log_warn("smtp unavailable, replies stay queued: %s", err);
				smtp_sender_free(&o->smtp);
				o->unavailable = 1;
				o->backoff = time_backoff_next(o->backoff, SMTP_RETRY_MAX_SECONDS);
				o->retry_at = now + o->backoff;
				store_outbox_rows_free(rows, n);
				sync_marks(o);
				return -1;
			}
			if (r < 0) {
				/* Never loop re-sending a row we cannot mark. */
				log_error("store: %s", store_errmsg(o->st));
				store_outbox_rows_free(rows, n);
				sync_marks(o);
				return -1;
			}
		}
		o->backoff = 0;
		o->retry_at = 0;
		store_outbox_rows_free(rows, n);
		if (sync_marks(o) < 0)
			return -1;
		rows = NULL;
		if (n < SEND_BATCH)
			break;
	}
	store_outbox_rows_free(rows, 0);
	return 0;
}
