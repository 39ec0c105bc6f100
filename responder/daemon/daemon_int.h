/*
 * daemon_int.h - what daemon.c (loop, reload) and daemon_pass.c (one pass:
 * complaints, then the outbox) share.  Not for other files.
 */
#ifndef RESPONDER_DAEMON_INT_H
#define RESPONDER_DAEMON_INT_H

#include <stdint.h>
#include <time.h>

#include "responder/config/config.h"
#include "store/store.h"

struct imap_source;
struct smtp_sender;
struct pipeline;

struct daemon {
	const struct settings *s;	/* the settings in effect (borrowed) */
	struct store *st;		/* borrowed */
	struct pipeline *pl;		/* owned; remade on reload */
	struct imap_source *imap;	/* owned; NULL while disconnected */
	struct smtp_sender *smtp;	/* owned; NULL until something is due */
	uint32_t uidvalidity;
	int full_scan;			/* next search ignores the UID range */
	long handled, sent;		/* counters for the log */
	/* Recorded complaints waiting for their keyword + move, batched per
	 * chunk: [0] to processed_folder, [1] to quarantine_folder. */
	uint32_t *done_uids[2];
	size_t done_n[2], done_cap[2];
	int smtp_unavailable;		/* the last send attempt could not connect */
	int smtp_backoff;		/* seconds */
	time_t smtp_retry_at;
	time_t next_purge_at;		/* retention: the next daily purge */
};

/* Search, fetch and handle every new complaint.  0, or -1 when the pass
 * stopped early (connection lost, store failure, stop signal). */
int daemon_fetch_and_handle(struct daemon *d);
/* Sends the due outbox rows.  0, or -1 (d->smtp_unavailable tells when
 * the server could not be reached). */
int daemon_send_due(struct daemon *d);
/* Marks and moves the recorded complaints still pending (see done_uids).
 * 0, or -1 when IMAP failed (they are recorded: the next pass moves them). */
int daemon_flush_done(struct daemon *d);
/* Frees what daemon_pass.c keeps in *d. */
void daemon_pass_free(struct daemon *d);

#endif
