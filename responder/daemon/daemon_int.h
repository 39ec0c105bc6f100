/*
 * daemon_int.h - what daemon.c (loop, reload) and daemon_pass.c (one pass:
 * complaints, then the outbox) share.  Not for other files.
 */
#ifndef RESPONDER_DAEMON_INT_H
#define RESPONDER_DAEMON_INT_H

#include <stdint.h>
#include <time.h>

#include "responder/config/config.h"
#include "responder/smtp/outbox_send.h"
#include "store/store.h"

struct imap_source;
struct metrics_server;
struct pipeline;
struct web;

struct daemon {
	const struct settings *s; /* the settings in effect (borrowed) */
	struct store *st;	  /* borrowed */
	struct pipeline *pl;	  /* owned; remade on reload */
	struct imap_source *imap; /* owned; NULL while disconnected */
	uint32_t uidvalidity;
	int full_scan;	  /* next search ignores the UID range */
	time_t rescan_at; /* a pass left messages behind: the next one
			   * by then, new mail or not (0: none due) */
	int careful;	  /* one transaction per complaint (daemon_pass.c: the
			* last process died inside a group-committed chunk) */
	int done_flushed; /* the last chunk was durable and moved */
	long handled;	  /* complaints, for the log */
	/* Recorded complaints waiting for their keyword + move, batched per
	 * chunk: [0] to processed_folder, [1] to quarantine_folder. */
	uint32_t *done_uids[2];
	size_t done_n[2], done_cap[2];
	struct outbox_sender outbox;	/* the SMTP side: connection, backoff,
					 * replies sent */
	time_t next_purge_at;		/* retention: the next daily purge */
	time_t next_merge_at;		/* the next daily merge of the subject index */
	struct metrics_server *metrics; /* [metrics] listen; NULL when off */
	struct web *web;		/* [web] listen; NULL when off */
	int imap_connects;		/* for responder_imap_reconnects_total */
};

/* Search, fetch and handle every new complaint.  0, or -1 when the pass
 * stopped early (connection lost, store failure, stop signal). */
int daemon_fetch_and_handle(struct daemon *d);
/* Moves complaints released from quarantine (store/admin.h) back to the
 * watched folder; called at the start of a pass (daemon_release.c). */
void daemon_release_quarantined(struct daemon *d);
/* Marks and moves the recorded complaints still pending (see done_uids).
 * 0, or -1 when IMAP failed (they are recorded: the next pass moves them). */
int daemon_flush_done(struct daemon *d);
/* Frees what daemon_pass.c keeps in *d. */
void daemon_pass_free(struct daemon *d);

/* daemon_http.c: the [metrics] and [web] listeners.  Start: 0, or -1 when
 * one is configured but cannot run (logged; the daemon does not start).
 * After a pass: the gauges and the textfile.  Stop: both closed. */
int daemon_http_start(struct daemon *d, const char *config_path);
void daemon_http_after_pass(struct daemon *d);
void daemon_http_stop(struct daemon *d);

#endif
