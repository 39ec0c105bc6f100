/*
 * daemon_pass.c - one pass of the daemon (see daemon.h): the complaints
 * found in the mailbox, in UID order, fetched in chunks of FETCH_CHUNK;
 * each chunk recorded in one transaction (group commit), made durable,
 * moved, and then its replies sent (smtp/outbox_send.c).
 *
 * Exactly once, step by step, for a chunk:
 *   1. a marker row says "a chunk is in hand" (store_chunk_begin, its own
 *      short commit), for the crash-loop accounting below;
 *   2. one transaction holds the chunk: per complaint, inside a savepoint,
 *      the request row and its outbox row (pipeline_handle); then the IMAP
 *      position and the marker's removal.  A complaint that fails is undone
 *      alone (its savepoint) and the pass stops after the chunk;
 *   3. the commit, then store_sync(): one fsync of the write-ahead log, so
 *      the records survive a power cut and not only a crash of the process;
 *   4. only then are the chunk's messages marked $Responded and moved: a
 *      crash before 3 leaves them in the folder and they are handled again;
 *      a crash between 3 and 4 leaves them there too, but their complaint
 *      keys are in the request log, so they are only moved;
 *   5. the outbox is sent (outbox_send.c: a row is marked sent after the
 *      server's 250; the marks are made durable once per batch).  A crash
 *      after the server accepted (250) and before the mark sends it again:
 *      the one window that cannot be closed without the SMTP server's help;
 *      it is a few milliseconds of SQLite commit (docs/daemon.md).
 *
 * Crash loops: with one transaction per chunk no complaint has its own
 * in_progress row while it is handled.  If the process dies inside a chunk,
 * the marker survives and the next pass is "careful": one complaint at a
 * time, each with its own in_progress row committed before it is handled,
 * as the daemon did before group commit, so a complaint that kills the
 * process is the only one whose restarts are counted (and it is
 * quarantined after IN_PROGRESS_MAX_RESTARTS).  A careful pass that
 * finishes drops the marker and the next one groups again.
 *
 * SECURITY: message bytes go only to pipeline_handle (which parses them in
 * a sandboxed child) and pipeline_complaint_key (a bounded scan); nothing
 * here interprets them.  Server text is sanitised by the modules below.
 */
#include "responder/daemon/daemon_int.h"
#include "responder/metrics/metrics.h"
#include "responder/daemon/sdnotify.h"
#include "responder/daemon/signals.h"
#include "responder/imap/imap_source.h"
#include "responder/decide/pipeline.h"
#include "responder/smtp/outbox_send.h"
#include "store/daemon_state.h"
#include "store/requests.h"
#include "common/log.h"
#include "common/strutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FETCH_CHUNK 100
/* A pass that stopped early (the store or the server failed) is tried
 * again after this, whole folder, without waiting for new mail. */
#define RESCAN_AFTER_FAILURE_SECONDS 10

/* Records outcome error for a complaint the pipeline is not given (too
 * large, crash loop).  STORE_ADDED or an error. */
static int
record_error(struct daemon *d, const char *key, const char *source, int64_t received_at,
	     const char *why)
{
	int64_t now = time(NULL), rid = 0;
	struct request_in r = {
		.complaint_key = key,
		.source = source,
		.received_at = received_at ? received_at : now,
		.decided_at = now,
		.outcome = "error",
		.why = why,
	};

	return store_record_request(d->st, &r, NULL, &rid, NULL);
}

/* A store failure, written at most once a minute while it repeats (a full
 * disk fails every pass the same way; common/log.h log_repeat). */
static struct log_repeat store_error_log;

static void
store_error(struct daemon *d)
{
	log_repeat(&store_error_log, LOG_LVL_ERROR, "store: %s", store_errmsg(d->st));
}

/* The complaint is recorded: it is no longer "in progress" (a crash from
 * here on is covered by its key in the request log); queue its keyword and
 * move for the end of the chunk (one STORE and one MOVE per chunk, after
 * the chunk's commit is durable). */
static int
finish(struct daemon *d, uint32_t uid, const char *key, int quarantine)
{
	int q = quarantine ? 1 : 0;

	if (key != NULL && store_in_progress_end(d->st, key) < 0)
		store_error(d);
	if (d->done_n[q] == d->done_cap[q]) {
		d->done_cap[q] = d->done_cap[q] ? d->done_cap[q] * 2 : 64;
		d->done_uids[q] = xreallocarray(d->done_uids[q], d->done_cap[q], sizeof(uint32_t));
	}
	d->done_uids[q][d->done_n[q]++] = uid;
	return 0;
}

int
daemon_flush_done(struct daemon *d)
{
	char err[512];
	int ret = 0;

	for (int q = 0; q < 2; q++) {
		const char *folder = q ? d->s->imap_quarantine_folder : d->s->imap_processed_folder;
		int r;

		if (d->done_n[q] == 0)
			continue;
		r = imap_mark_done_many(d->imap, d->done_uids[q], d->done_n[q], folder, err,
					sizeof(err));
		if (r != IMAP_OK) {
			/* Recorded already: the next pass finds their keys and
			 * only moves them. */
			log_warn("imap: %zu recorded complaint(s) not moved: %s", d->done_n[q],
				 err);
			ret = -1;
		}
		d->done_n[q] = 0;
	}
	return ret;
}

void
daemon_pass_free(struct daemon *d)
{
	for (int q = 0; q < 2; q++) {
		free(d->done_uids[q]);
		d->done_uids[q] = NULL;
		d->done_n[q] = d->done_cap[q] = 0;
	}
}

/* A message this pass leaves in the folder for someone else (another
 * responder's claim) or for later (a failure): the UID range the next
 * search starts from can be past it (the IMAP position is the store's,
 * shared by every responder on it), so the next pass searches the whole
 * folder, and it comes after at most `seconds` (a claim's lease: if the
 * node that holds it died, the claim is free by then) even when no new
 * mail wakes the daemon up. */
static void
left_behind(struct daemon *d, int seconds)
{
	time_t at = time(NULL) + seconds + 1;

	d->full_scan = 1;
	if (d->rescan_at == 0 || at < d->rescan_at)
		d->rescan_at = at;
}

/* Handles one fetched message.  0: done, go on; -1: stop this pass (store
 * failure or a lost connection; the message stays for the next one). */
static int
handle_one(struct daemon *d, const struct imap_msg *m)
{
	const struct settings *s = d->s;
	char source[512], why[512], err[1024];
	struct pipeline_result res;
	char *key;
	int64_t rid;
	int restarts = 0, pf = 0, rc, r, quarantine;

	snprintf(source, sizeof(source), "imap:%s:%u:%u", s->imap_folder, d->uidvalidity, m->uid);
	if (m->data == NULL) {
		/* Over [limits] max_message_size: never fetched whole. */
		snprintf(why, sizeof(why),
			 "too large: %u bytes, over [limits] max_message_size %ld", m->size,
			 s->max_message_size);
		key = xstrdup(source);
		if (store_request_by_key(d->st, key, &rid) == STORE_ENOTFOUND) {
			if (record_error(d, key, source, m->internal_date, why) < 0) {
				store_error(d);
				rc = -1;
				goto out;
			}
			metrics_complaint("error");
		}
		log_info("complaint %s: error: %s", source, why);
		d->handled++;
		rc = finish(d, m->uid, NULL, 1);
		goto out;
	}
	key = pipeline_complaint_key(m->data, m->len);
	/* Several responders on one store: the one that claims it handles
	 * it; the others leave it (and move it once it is recorded).  The
	 * claim comes before the look in the request log: a claim another
	 * node holds inside its transaction makes this one wait until that
	 * transaction ends, and only a look taken after the wait sees the
	 * request row it committed (looking first answered it twice). */
	if ((r = store_claim_complaint(d->st, key, time(NULL))) <= 0) {
		if (r < 0)
			log_error("store: %s", store_errmsg(d->st));
		else
			log_debug("complaint %s: handled by another responder", source);
		if (r == 0)
			left_behind(d, d->s->store_lease_seconds);
		rc = r < 0 ? -1 : 0;
		goto out;
	}
	if ((r = store_request_by_key(d->st, key, &rid)) != STORE_ENOTFOUND) {
		if (r < 0 || store_claim_release(d->st, key) < 0) {
			store_error(d);
			rc = -1;
			goto out;
		}
		log_info("complaint %s already recorded (request %lld): moving it", source,
			 (long long)rid);
		rc = finish(d, m->uid, key, 0);
		goto out;
	}
	if (d->careful)
		r = store_in_progress_begin(d->st, key, source, time(NULL), &restarts, &pf);
	else
		r = store_in_progress_restarts(d->st, key, &restarts);
	if (r < 0 && r != STORE_ENOTFOUND) {
		store_error(d);
		rc = -1;
		goto out;
	}
	if (restarts >= IN_PROGRESS_MAX_RESTARTS) {
		snprintf(why, sizeof(why),
			 "quarantined: the daemon died %d times while "
			 "handling this complaint",
			 restarts);
		if (record_error(d, key, source, m->internal_date, why) < 0) {
			store_error(d);
			rc = -1;
			goto out;
		}
		metrics_complaint("error");
		log_warn("complaint %s: %s", source, why);
		d->handled++;
		rc = finish(d, m->uid, key, 1);
		goto out;
	}
	r = pipeline_handle(d->pl, m->data, m->len, source, m->internal_date, 0, &res, err,
			    sizeof(err));
	if (r == PIPELINE_ELSEWHERE) {
		/* Stalled past the lease: another node claimed it and answers
		 * it; this one records nothing and leaves the message. */
		log_warn("complaint %s: %s", source, err);
		pipeline_result_free(&res);
		left_behind(d, d->s->store_lease_seconds);
		rc = 0;
		goto out;
	}
	if (r < 0) {
		/* Nothing recorded: handled again on the next pass. */
		log_error("complaint %s not recorded: %s", source, err);
		pipeline_result_free(&res);
		rc = -1;
		goto out;
	}
	d->handled++;
	metrics_complaint(outcome_name(res.outcome));
	log_info("complaint %s: %s: %s%s", source, outcome_name(res.outcome),
		 res.why ? res.why : "", res.reply_queued ? " (reply queued)" : "");
	quarantine = 0;
	if (res.parse_failure != PARSE_FAIL_NONE) {
		/* Recorded with outcome error; keep the message apart for the
		 * admin (a poison message never stalls the folder). */
		metrics_parse_failure();
		if (res.parse_failure != PARSE_FAIL_REJECTED)
			store_in_progress_parse_failed(d->st, key, NULL);
		quarantine = 1;
	}
	pipeline_result_free(&res);
	/* Logs (debug) any statement the pipeline left on a row. */
	store_release_snapshots(d->st);
	rc = finish(d, m->uid, key, quarantine);
	store_claim_release(d->st, key);
out:
	free(key);
	return rc;
}

/* Messages marked $Responded but still here (a crash between the keyword
 * and the move), only with a processed folder: their UIDs merged into the
 * ascending uids[*n] (the union, ascending, no UID twice), so that they
 * are fetched and handled like new ones.  The request log, not the
 * server's keyword, says whether each was answered: a recorded one is only
 * moved ("already recorded"), one that is not is answered first.  A
 * server that ignores KEYWORD in UID SEARCH (it_hostile_imap,
 * search_no_keyword) returns every message here, and moving them as they
 * came moved complaints that had never been answered. */
static int
add_leftovers(struct daemon *d, uint32_t **uids, size_t *n)
{
	uint32_t *marked = NULL;
	size_t nm = 0;
	char err[1024];

	if (!*d->s->imap_processed_folder)
		return 0;
	if (imap_search_marked(d->imap, &marked, &nm, err, sizeof(err)) != IMAP_OK) {
		log_warn("%s", err);
		return -1;
	}
	if (nm > 0) {
		log_info("imap: %zu message(s) marked $Responded but not moved: checking them "
			 "against the request log",
			 nm);
		*uids = xreallocarray(*uids, *n + nm, sizeof(**uids));
		memcpy(*uids + *n, marked, nm * sizeof(*marked));
		*n = imap_sort_uids(*uids, *n + nm);
	}
	free(marked);
	return 0;
}

/* Forgets the chunk's pending moves: their records were not made durable,
 * so the messages stay in the folder for the next pass. */
static void
drop_done(struct daemon *d)
{
	d->done_n[0] = d->done_n[1] = 0;
}

/* Records a fetched chunk (steps 1-4 above); *last advances to the highest
 * UID handled.  0, or -1 when the pass must stop (the complaints recorded
 * before the failure are kept and moved). */
static int
handle_chunk(struct daemon *d, const struct imap_msg *msgs, size_t nm, uint32_t *last)
{
	const struct settings *s = d->s;
	uint32_t last0 = *last;
	size_t handled = 0;
	int grouped = !d->careful, ret = 0;

	d->done_flushed = 0;
	if (grouped && (store_chunk_begin(d->st, time(NULL)) < 0 || store_begin(d->st) < 0)) {
		store_error(d);
		return -1;
	}
	for (size_t j = 0; j < nm; j++) {
		int r;

		if (daemon_stop_requested()) {
			ret = -1;
			break;
		}
		if (grouped && store_savepoint(d->st) < 0) {
			store_error(d);
			ret = -1;
			break;
		}
		/* The parser takes the next message while this one is decided
		 * and recorded (sandbox.h). */
		if (j + 1 < nm)
			pipeline_parse_next(d->pl, msgs[j + 1].data, msgs[j + 1].len);
		else
			pipeline_parse_next(d->pl, NULL, 0);
		r = handle_one(d, &msgs[j]);
		if (grouped) {
			/* One complaint's rows are kept or undone whole. */
			if ((r < 0 ? store_savepoint_rollback(d->st) :
				     store_savepoint_release(d->st)) < 0) {
				store_error(d);
				r = -1;
			}
		}
		if (r < 0) {
			ret = -1;
			break;
		}
		handled++;
		if (msgs[j].uid > *last) {
			*last = msgs[j].uid;
			/* Careful: per complaint, as each is committed alone. */
			if (!grouped &&
			    store_imap_state_set(d->st, s->imap_folder, d->uidvalidity, *last) < 0)
				store_error(d);
		}
		/* A long scan must not look like a hung daemon. */
		sdnotify_watchdog();
	}
	pipeline_parse_next(d->pl, NULL, 0); /* msgs are the caller's */
	if (grouped) {
		if ((*last != last0 &&
		     store_imap_state_set(d->st, s->imap_folder, d->uidvalidity, *last) < 0) ||
		    store_chunk_end(d->st) < 0 || store_commit(d->st) < 0) {
			log_error("store: %zu complaint(s) not recorded, they stay in the mailbox: "
				  "%s",
				  handled, store_errmsg(d->st));
			store_rollback(d->st);
			/* Not a death inside the chunk: no careful pass for it. */
			store_chunk_end(d->st);
			*last = last0;
			drop_done(d);
			return -1;
		}
	}
	/* Durable before anything outside the store depends on it. */
	if (store_sync(d->st) < 0) {
		log_error("store: %s; not moving the chunk's complaints", store_errmsg(d->st));
		drop_done(d);
		return -1;
	}
	d->done_flushed = 1;
	if (daemon_flush_done(d) < 0)
		ret = -1;
	return ret;
}

int
daemon_fetch_and_handle(struct daemon *d)
{
	const struct settings *s = d->s;
	uint32_t *uids = NULL, stored_v = 0, last = 0;
	size_t n = 0;
	char err[1024];
	int r, ret = 0;

	d->uidvalidity = imap_uidvalidity(d->imap);
	r = store_imap_state_get(d->st, s->imap_folder, &stored_v, &last);
	if (r == STORE_OK && stored_v != d->uidvalidity) {
		log_warn("imap: UIDVALIDITY of %s changed (%u -> %u): rescanning; complaints "
			 "already recorded are recognised by their key",
			 s->imap_folder, stored_v, d->uidvalidity);
		last = 0;
	} else if (r < 0 && r != STORE_ENOTFOUND) {
		store_error(d);
		return -1;
	}
	/* The first search of a session takes every unhandled message, so one
	 * left behind by a failed move is not skipped by the UID range. */
	r = imap_search_new(d->imap, d->full_scan ? 0 : last, &uids, &n, err, sizeof(err));
	if (r != IMAP_OK) {
		log_warn("%s", err);
		return -1;
	}
	if (d->full_scan && add_leftovers(d, &uids, &n) < 0) {
		free(uids);
		return -1;
	}
	d->full_scan = 0;
	d->rescan_at = 0;
	for (size_t i = 0; i < n && !daemon_stop_requested(); i += FETCH_CHUNK) {
		struct imap_msg *msgs = NULL;
		size_t nm = 0, k = n - i < FETCH_CHUNK ? n - i : FETCH_CHUNK;

		r = imap_fetch(d->imap, uids + i, k, s->max_message_size, &msgs, &nm, err,
			       sizeof(err));
		if (r != IMAP_OK) {
			log_warn("%s", err);
			ret = -1;
			break;
		}
		if (handle_chunk(d, msgs, nm, &last) < 0)
			ret = -1;
		imap_msgs_free(msgs, nm);
		/* The chunk's replies go out now, not after the whole scan. */
		if (ret == 0 || d->done_flushed)
			outbox_send_due(&d->outbox);
		if (ret < 0)
			break;
	}
	free(uids);
	if (ret < 0)
		left_behind(d, RESCAN_AFTER_FAILURE_SECONDS);
	if (ret == 0 && d->careful && !daemon_stop_requested()) {
		/* A careful pass went through: whatever killed the last process
		 * is quarantined or was passing trouble.  Group again. */
		if (store_chunk_end(d->st) < 0)
			store_error(d);
		else
			log_info("pass complete: recording complaints a chunk at a time again");
		d->careful = 0;
	}
	return ret;
}
