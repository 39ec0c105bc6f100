/*
 * outbox.h - the sending side of the outbox: the replies due, and what the
 * SMTP server made of each (sent, retry with backoff, failed).
 *
 * The writing side of the outbox (a reply committed with its request row)
 * is requests.h; the daemon's other state is daemon_state.h.  Table from
 * schema.c.  Errors as in store.h: negative STORE_E* and store_errmsg().
 */
#ifndef STORE_OUTBOX_H
#define STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* After this many temporary failures a reply is marked failed. */
#define OUTBOX_MAX_TRIES 12

struct outbox_row {
	int64_t id;
	int64_t request_id;
	int64_t received_at; /* the request's complaint arrival (metrics) */
	char *envelope_from; /* "" = the null sender */
	char *rcpt;
	char *message; /* owned; NULL until store_outbox_message(); NUL-terminated,
			* len is authoritative */
	size_t len;
	int tries;
};

/* Up to `limit` queued rows with next_try_at <= now, oldest first, without
 * their messages (a batch of 100 replies held at once was a fifth of the
 * daemon's heap: each is read just before it is sent).  *rows_r is
 * malloc'd (free with store_outbox_rows_free). */
int store_outbox_due(struct store *st, int64_t now, size_t limit, struct outbox_row **rows_r,
		     size_t *n_r);
/* Reads row->message and row->len (replacing what it held): STORE_OK,
 * STORE_ENOTFOUND when the row is gone, or an error. */
int store_outbox_message(struct store *st, struct outbox_row *row);
/* Frees row->message (the row stays usable). */
void store_outbox_row_release(struct outbox_row *row);
void store_outbox_rows_free(struct outbox_row *rows, size_t n);
/* The earliest next_try_at of a queued row: STORE_OK with *at_r, or
 * STORE_ENOTFOUND when nothing is queued. */
int store_outbox_next_due(struct store *st, int64_t *at_r);

/* Just before a row taken by store_outbox_due() is sent: 1 when it is
 * still this responder's to send (its lease renewed from `now`), 0 when
 * it is not any more (another responder took it after this one's lease
 * ran out, or it left the queued state), <0 on a store error.  On SQLite
 * (one responder per store) always 1. */
int store_outbox_hold(struct store *st, int64_t id, int64_t now);
/* The server accepted it: state sent, smtp_reply, sent_at. */
int store_outbox_mark_sent(struct store *st, int64_t id, const char *smtp_reply, int64_t now);
/* A temporary failure: tries + 1, next_try_at = now + outbox_backoff(),
 * last_error; after OUTBOX_MAX_TRIES tries the row is failed instead
 * (*failed_r = 1; may be NULL). */
int store_outbox_mark_retry(struct store *st, int64_t id, const char *error, int64_t now,
			    int *failed_r);
/* A permanent failure: state failed, last_error. */
int store_outbox_mark_failed(struct store *st, int64_t id, const char *error);
/* The server could not be reached: only last_error changes (the reply is
 * not at fault; the daemon retries the whole outbox later). */
int store_outbox_note_error(struct store *st, int64_t id, const char *error);
/* Rows in `state` ("queued", "sent", "failed"). */
int store_outbox_count(struct store *st, const char *state, int64_t *n_r);

/* Seconds to wait after the tries-th temporary failure (tries >= 1):
 * 60 s doubling up to 6 h, plus up to 25 % jitter taken from `rnd`. */
int64_t outbox_backoff(int tries, uint32_t rnd);

#endif
