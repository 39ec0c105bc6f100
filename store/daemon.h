/*
 * daemon.h - the store as the daemon uses it between complaints: the
 * sending side of the outbox, the IMAP position per folder, and the
 * in_progress bookkeeping that tells a crash loop from a one-off restart.
 *
 * The writing side of the outbox (a reply committed with its request row)
 * is requests.h.  Tables from schema.c.  Errors as in store.h: negative
 * STORE_E* and store_errmsg().
 */
#ifndef STORE_DAEMON_H
#define STORE_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- outbox, sending side ---------------------------------------------- */

/* After this many temporary failures a reply is marked failed. */
#define OUTBOX_MAX_TRIES 12

struct outbox_row {
	int64_t id;
	int64_t request_id;
	char *envelope_from;		/* "" = the null sender */
	char *rcpt;
	char *message;			/* NUL-terminated; len is authoritative */
	size_t len;
	int tries;
};

/* Up to `limit` queued rows with next_try_at <= now, oldest first.
 * *rows_r is malloc'd (free with store_outbox_rows_free). */
int store_outbox_due(struct store *st, int64_t now, size_t limit,
		     struct outbox_row **rows_r, size_t *n_r);
void store_outbox_rows_free(struct outbox_row *rows, size_t n);
/* The earliest next_try_at of a queued row: STORE_OK with *at_r, or
 * STORE_ENOTFOUND when nothing is queued. */
int store_outbox_next_due(struct store *st, int64_t *at_r);

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

/* ---- IMAP position ------------------------------------------------------ */

/* STORE_OK with the stored pair, or STORE_ENOTFOUND. */
int store_imap_state_get(struct store *st, const char *folder, uint32_t *uidvalidity_r,
			 uint32_t *last_uid_r);
int store_imap_state_set(struct store *st, const char *folder, uint32_t uidvalidity,
			 uint32_t last_uid);

/* ---- crash-loop accounting ---------------------------------------------- */

/* After this many daemon restarts with the same complaint in progress, it
 * is quarantined instead of handled again. */
#define IN_PROGRESS_MAX_RESTARTS 5

/* At daemon start: forgets rows of complaints already in the request log;
 * every other complaint still in progress was in hand when the previous
 * process died: count one restart against each.  *n_r (may be
 * NULL) gets how many. */
int store_in_progress_startup(struct store *st, int64_t *n_r);
/* Marks `key` in progress (kept if already there) and returns its
 * counters (either pointer may be NULL). */
int store_in_progress_begin(struct store *st, const char *key, const char *source,
			    int64_t now, int *restarts_r, int *parse_failures_r);
/* One more parser failure (crash, timeout, limit); *n_r gets the total. */
int store_in_progress_parse_failed(struct store *st, const char *key, int *n_r);
/* The complaint was recorded (or quarantined): forget it. */
int store_in_progress_end(struct store *st, const char *key);

/* ---- long-running use ----------------------------------------------------- */

/* Resets every cached statement still stepping (one left on a row holds a
 * read snapshot that stops WAL checkpoints, so the WAL would grow without
 * bound in a daemon).  Call between complaints, outside a transaction.
 * Returns how many were left busy. */
int store_release_snapshots(struct store *st);

#endif
