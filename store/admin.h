/*
 * admin.h - what the admin commands read from the store: the request log
 * (log, log show), the figures (stats, report), retention (purge) and the
 * two repairs (resend a failed reply).
 *
 * The request log and the outbox are written by the pipeline
 * (store/requests.c) and the sender (store/outbox.c); this module only
 * reads them, except for:
 *   - admin_resend(), which moves a request's failed outbox rows back to
 *     queued and notes it in the request's detail JSON;
 *   - admin_purge_step(), the retention deletes;
 *   - admin_put_request() / admin_put_outbox(), which write rows directly.
 *     They exist for tests and fixtures (and for importing an old log);
 *     the daemon never calls them.
 *
 * JSON columns (the shapes this module relies on):
 *   requests.matches   the candidates the pipeline scored (match.c), shown
 *                      by `log show`; not read by any query here.
 *   requests.detail    an object; admin_resend() appends
 *                      {"action":"resend","at":T,"rows":N} to its "admin"
 *                      array (created if missing).
 *
 * Errors: negative STORE_E* codes, message in store_errmsg().  Every string
 * in a returned struct is owned by it and freed by its _free function.
 */
#ifndef STORE_ADMIN_H
#define STORE_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- the request log ---------------------------------------------------- */

struct admin_filter {
	int64_t since;	       /* received_at >= since; 0 = all */
	const char *outcome;   /* NULL = any */
	const char *requester; /* NULL = any; compared lower-cased */
	const char *account;   /* NULL = any; account name */
	int64_t thread_id;     /* 0 = any; else the requests of one conversation */
	size_t limit;	       /* 0 = 100 */
	/* The console's filters (0/NULL = any): */
	int64_t until;		 /* received_at < until */
	const char *why;	 /* `why` contains this (case-insensitive) */
	const char *reply_state; /* sent | queued | failed | none */
	const char *search;	 /* in subject, Message-ID, queue ID, requester or
				  * the extracted identifiers (recipients) */
	size_t offset;		 /* rows to skip (paging) */
};

struct admin_request {
	int64_t id;
	int64_t received_at, decided_at;
	int64_t requeue_of;	    /* 0 when none */
	char *complaint_message_id; /* may be NULL */
	char *source;		    /* may be NULL */
	char *requester;	    /* may be NULL (unparseable From) */
	char *account;		    /* may be NULL */
	char *outcome;
	char *why;
	char *subject;		/* of the complaint; may be NULL */
	char *matched_queue_id; /* may be NULL */
	char *matched_subject;	/* subject of that message, if stored */
	char reply_state[8];	/* sent | queued | failed | none */
	int64_t thread_id;	/* the conversation's first request (own id if first) */
	int64_t follow_up_of;	/* 0 for a first request */
	char *language;		/* the reply's language, may be NULL */
	char *reply_message_id; /* our reply's Message-ID, may be NULL */
	char *node;		/* the responder that handled it ([store] node_name), may be NULL */
	/* Filled by admin_request_get() only (NULL in lists): */
	char *extracted, *matches, *detail; /* JSON text, may be NULL */
};

struct admin_request_list {
	struct admin_request *v;
	size_t n;
};

/* Requests matching `f`, newest first (received_at, then id). */
int admin_requests(struct store *st, const struct admin_filter *f, struct admin_request_list *out);
void admin_request_list_free(struct admin_request_list *l);

struct admin_outbox {
	int64_t id;
	int64_t created_at, next_try_at, sent_at; /* 0 when not */
	char *state;				  /* queued | sent | failed */
	char *envelope_from;			  /* "" = null sender */
	char *rcpt;
	char *last_error, *smtp_reply; /* may be NULL; remote text */
	int tries;
	char *message; /* the reply as queued, NUL-terminated */
	size_t message_len;
};

struct admin_outbox_list {
	struct admin_outbox *v;
	size_t n;
};

/* One request in full, and its outbox rows (oldest first) when `ob` is not
 * NULL.  STORE_ENOTFOUND when there is no such id. */
int admin_request_get(struct store *st, int64_t id, struct admin_request *r,
		      struct admin_outbox_list *ob);
void admin_request_free(struct admin_request *r);
void admin_outbox_list_free(struct admin_outbox_list *l);

/* ---- figures ------------------------------------------------------------ */

struct admin_count {
	char *name;
	int64_t n;
};

struct admin_day_count {
	char day[11]; /* "2026-11-20" (UTC) */
	char *outcome;
	int64_t n;
};

struct admin_stats {
	int64_t since;		      /* as asked; 0 = all */
	int64_t requests;	      /* complaints in the window */
	struct admin_count *outcomes; /* most frequent first */
	size_t n_outcomes;
	struct admin_count *reasons; /* per recipient; empty after admin_stats:
					 * the caller classifies (see below) */
	size_t n_reasons;
	int64_t replies_sent, replies_failed, replies_queued; /* outbox rows */
	int64_t median_reply_secs;    /* received_at -> sent_at; -1 = no reply sent */
	struct admin_day_count *days; /* oldest day first */
	size_t n_days;
};

/* Everything about requests received at or after `since` (0 = all). */
int admin_stats(struct store *st, int64_t since, struct admin_stats *out);
void admin_stats_free(struct admin_stats *s);

/* Reasons need the classifier (responder/reason.h), which the store does
 * not know: this calls fn with the latest attempt of every recipient of
 * the matched message of each "found" request received at or after
 * `since` (so the reason is as of now, not as of the reply), and the
 * caller counts with admin_stats_add_count(). */
typedef void (*admin_attempt_fn)(void *arg, const char *status, int smtp_code,
				 const char *enhanced_status, const char *response,
				 const char *mx_host);
int admin_found_attempts(struct store *st, int64_t since, admin_attempt_fn fn, void *arg);
/* Adds n to the reason `name` in s->reasons (kept most frequent first). */
void admin_stats_add_count(struct admin_stats *s, const char *name, int64_t n);

/* ---- repairs ------------------------------------------------------------ */

/* Moves every failed outbox row of request `request_id` back to queued,
 * due now (tries reset), and notes it in the request's detail.  *n_r gets
 * the number of rows moved.  STORE_ENOTFOUND when the request does not
 * exist; STORE_EINVAL (errmsg says why) when it has no failed reply. */
int admin_resend(struct store *st, int64_t request_id, int64_t now, int64_t *n_r);
/* admin_resend, with the admin's name in the note ("by", may be NULL) and,
 * with ADMIN_RESEND_SENT, when no reply failed, a copy of the latest sent
 * reply queued as a new outbox row (the console's "resend"). */
enum { ADMIN_RESEND_SENT = 1 << 0 };
int admin_resend_as(struct store *st, int64_t request_id, int64_t now, const char *by, int flags,
		    int64_t *n_r);
/* Appends {"action":action,"at":now,"rows":0,"by":by,"request":ref} to
 * the request's detail.admin (ref 0: no "request"), e.g. a requeue done
 * from the console, with the new request's id. */
int admin_note(struct store *st, int64_t request_id, const char *action, const char *by,
	       int64_t now, int64_t ref);

/* ---- quarantine release ------------------------------------------------- */

/* A complaint the daemon moved to [imap] quarantine_folder (the parser
 * failed on it twice or refused it, or the daemon died on it again and
 * again) can be released: admin_release() marks the request "pending" (a
 * kv row "release:ID") and notes {"action":"release","by":by} in its
 * detail.  The daemon, which owns the IMAP session, takes the pending
 * releases at the start of its next pass, moves their messages back to
 * the watched folder and marks each "moved" (admin_release_moved).  From
 * "pending" on, store_request_by_key() no longer counts the released row,
 * so the message is handled once more as new; a new failure makes a new,
 * unreleased row and quarantines it again (never a loop).
 *
 * admin_release: STORE_ENOTFOUND (no such request); STORE_EINVAL (errmsg
 * says why) when the request is not a quarantined complaint, a later
 * request handled the same complaint, or it is released already. */
int admin_release(struct store *st, int64_t request_id, int64_t now, const char *by);
/* "pending" or "moved" into state (STORE_OK), or STORE_ENOTFOUND. */
int admin_release_state(struct store *st, int64_t request_id, char *state, size_t len);

struct admin_release {
	int64_t request_id;
	char *complaint_key;
};

/* The releases still "pending", oldest request first. */
int admin_releases_pending(struct store *st, struct admin_release **v_r, size_t *n_r);
void admin_releases_free(struct admin_release *v, size_t n);
int admin_release_moved(struct store *st, int64_t request_id);

/* ---- retention ---------------------------------------------------------- */

struct admin_purge_counts {
	int64_t attempts;   /* delivery attempts (with transcripts) */
	int64_t messages;   /* messages left with no attempt */
	int64_t requests;   /* request-log rows (their outbox rows go too) */
	int64_t complaints; /* kept complaint bytes (for requeue) */
};

/* Deletes at most `batch` rows of each kind older than `cutoff` (seconds
 * since the epoch), each kind in its own short transaction so that the
 * daemon is never blocked for long, and adds what it deleted to *c.
 * Returns 1 while there may be more to delete (call again), 0 when done.
 * Requests with a reply still queued are kept. */
int admin_purge_step(struct store *st, int64_t cutoff, int batch, struct admin_purge_counts *c);

/* ---- direct writes (tests, fixtures) ------------------------------------ */

struct admin_request_in {
	const char *complaint_key; /* required */
	const char *complaint_message_id, *source;
	int64_t received_at, decided_at;
	const char *requester, *account; /* account is looked up by name */
	const char *outcome, *why;	 /* required */
	const char *subject, *matched_queue_id;
	const char *extracted, *matches, *detail; /* JSON text or NULL */
	int64_t requeue_of;			  /* 0 = none */
};

/* Inserts a request row; *id_r gets its id. */
int admin_put_request(struct store *st, const struct admin_request_in *r, int64_t *id_r);

struct admin_outbox_in {
	int64_t request_id;
	int64_t created_at;
	const char *envelope_from, *rcpt, *message;
	const char *state; /* queued | sent | failed */
	int tries;
	const char *last_error, *smtp_reply;
	int64_t sent_at; /* 0 = NULL */
};

int admin_put_outbox(struct store *st, const struct admin_outbox_in *o, int64_t *id_r);

/* ---- copying ------------------------------------------------------------ */

/* Called after each batch: rows of `table` just copied. */
typedef void (*store_copy_fn)(void *arg, const char *table, int64_t n);
/* Copies every row of `from` into `to` (either backend; both at the same
 * schema version), `batch` rows per transaction (0: 2000), keeping ids;
 * resumes after what `to` already holds.  Then counts every table on
 * both: STORE_EINVAL with the table in err when they differ.  STORE_OK,
 * or STORE_EDB with err set. */
int store_copy(struct store *from, struct store *to, int batch, store_copy_fn progress, void *arg,
	       char *err, size_t errlen);

#endif
