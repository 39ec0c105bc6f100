/*
 * outbox_send.h - the SMTP stage of the daemon: sends the outbox rows that
 * are due (store/outbox.h) through one smtp_send.h sender and records each
 * answer on its row.
 *
 * Per row: 2xx -> sent (with the server's reply); 4xx -> retried later
 * with the store's per-row backoff, failed after too many tries; 5xx or a
 * bad address -> failed.  When the server cannot be reached at all, the
 * whole outbox waits: the sender is closed and nothing is tried before
 * `retry_at`, a backoff that doubles from 1 s up to
 * SMTP_RETRY_MAX_SECONDS and is reset by the next batch that goes
 * through.
 *
 * A row is marked only after the server answered: a crash between the 250
 * and the mark sends it again (daemon_pass.c explains that window).  With
 * [smtp] connections = N > 1, up to N replies are in flight at once over
 * N connections (smtp_pool); each is still marked as soon as its own
 * answer is read, but N of them can be inside that window together, so a
 * crash can send up to N again (docs/daemon.md).
 *
 * SECURITY: the rows were composed by this program; smtp_send() checks
 * both envelope addresses again and sanitises the server's text.
 */
#ifndef RESPONDER_OUTBOX_SEND_H
#define RESPONDER_OUTBOX_SEND_H

#include <time.h>

#include "responder/config/config.h"
#include "store/store.h"

/* The cap of the backoff while the SMTP server is unavailable, like the
 * IMAP reconnect's RECONNECT_MAX_SECONDS (daemon.c). */
#define SMTP_RETRY_MAX_SECONDS 300

struct smtp_sender;

struct outbox_sender {
	const struct settings *s; /* borrowed; the sender's credentials */
	struct store *st;	  /* borrowed */
	struct smtp_sender *smtp; /* owned; NULL until something is due,
					 * and again after the server was
					 * unavailable */
	struct smtp_pool *pool;	  /* owned; the same, with [smtp]
				   * connections > 1 (then smtp stays NULL) */
	int unavailable;	  /* the last attempt could not connect */
	int backoff;		  /* seconds; 0 after a batch went through */
	time_t retry_at;	  /* no attempt before (0: none pending) */
	long sent;		  /* replies sent, for the log */
};

/* Zeroes *o and borrows `s` and `st` (both must outlive it). */
void outbox_sender_init(struct outbox_sender *o, const struct settings *s, struct store *st);
/* Sends every due row, in batches.  0 when the due rows were handled (or
 * none was due); -1 when sending stopped: the server unavailable (then
 * o->unavailable is 1, also while backing off) or a store failure
 * (logged). */
int outbox_send_due(struct outbox_sender *o);
/* Closes the SMTP connection (QUIT), keeping the backoff state.  Before
 * the settings it borrows change, and at the end. */
void outbox_sender_close(struct outbox_sender *o);

#endif
