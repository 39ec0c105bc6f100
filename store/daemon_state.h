/*
 * daemon_state.h - what the daemon keeps in the store between complaints
 * apart from the outbox (outbox.h): the IMAP position per folder, and the
 * in_progress bookkeeping that tells a crash loop from a one-off restart.
 *
 * Tables from schema.c.  Errors as in store.h: negative STORE_E* and
 * store_errmsg().
 */
#ifndef STORE_DAEMON_STATE_H
#define STORE_DAEMON_STATE_H

#include <stdint.h>

#include "store/store.h"

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
int store_in_progress_begin(struct store *st, const char *key, const char *source, int64_t now,
			    int *restarts_r, int *parse_failures_r);
/* One more parser failure (crash, timeout, limit); *n_r gets the total. */
int store_in_progress_parse_failed(struct store *st, const char *key, int *n_r);
/* The complaint was recorded (or quarantined): forget it. */
int store_in_progress_end(struct store *st, const char *key);

/* Several responders on one (PostgreSQL) store: a complaint is worked on
 * by the node that claims it, for [store] lease_seconds; a claim whose
 * lease ran out (its node died) goes to the next one that asks.  1: it is
 * this node's; 0: another node's; <0: STORE_E*.  Always 1 on SQLite. */
int store_claim_complaint(struct store *st, const char *key, int64_t now);
/* Drops this node's claim on `key` (its request is recorded). */
int store_claim_release(struct store *st, const char *key);

/* The complaint's restart count when it has an in_progress row
 * (STORE_OK), or STORE_ENOTFOUND.  Reads only. */
int store_in_progress_restarts(struct store *st, const char *key, int *restarts_r);

/* Group commit (daemon_pass.c) records a whole chunk of complaints in one
 * transaction, so no single complaint has its own in_progress row while it
 * is handled.  Instead one marker row stands for the chunk: committed
 * before the chunk's transaction starts, deleted inside it.  When the
 * marker survives a restart (store_in_progress_startup counted one against
 * it), the daemon died inside a chunk and cannot tell which complaint it
 * was on: it handles the next pass one complaint at a time, each with its
 * own in_progress row, as before group commit, so the restart counts the
 * culprit and nobody else.  *suspect_r is 1 when that is the case. */
int store_chunk_begin(struct store *st, int64_t now);
int store_chunk_end(struct store *st);
int store_chunk_suspect(struct store *st, int *suspect_r);

/* ---- long-running use ----------------------------------------------------- */

/* store_reset_statements (store.h) under the daemon's name: resets every
 * cached statement (one left on a row holds a read snapshot that stops WAL
 * checkpoints, so the WAL would grow without bound in a daemon).  Call
 * between complaints, outside a transaction.  Returns how many were left
 * busy. */
int store_release_snapshots(struct store *st);

#endif
