/*
 * requests.h - the request log: one row per complaint handled (whatever
 * the outcome), and, when a reply was composed, its outbox row written in
 * the same transaction, so a crash either loses both (the complaint is
 * handled again) or keeps both (it is never answered twice).
 *
 * Uses the `requests` and `outbox` tables of schema.c.  Errors as in
 * store.h (negative STORE_E*, store_errmsg()).
 */
#ifndef STORE_REQUESTS_H
#define STORE_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct request_in {
	const char *complaint_key;	  /* required: "<mid> sha256hex" */
	const char *complaint_message_id; /* "<...>" or NULL */
	const char *source;		  /* "imap:F:V:U", "file:NAME" or NULL */
	int64_t received_at;		  /* required */
	int64_t decided_at;		  /* required */
	const char *requester;		  /* NULL when none could be read */
	int64_t account_id;		  /* 0 = none */
	const char *account;
	const char *outcome; /* contract name; required */
	const char *why;     /* required */
	const char *subject;
	const char *matched_queue_id; /* the found message, or NULL */
	const char *extracted;	      /* JSON text or NULL */
	const char *matches;	      /* JSON text or NULL */
	const char *detail;	      /* JSON text or NULL */
	int64_t requeue_of;	      /* 0 = none */
	const char *reply_message_id; /* our reply's "<...@our.domain>", or NULL */
	const char *language;	      /* the reply's language ("de"), or NULL */
	int64_t thread_id;	      /* the conversation's first request; 0 =
					 * this row starts one (its own id) */
	int64_t follow_up_of;	      /* the request this one continues; 0 = none */
	const char *raw;	      /* the complaint's bytes, kept once per key
					 * for requeue; NULL = not kept */
	size_t raw_len;
};

struct outbox_in {
	int64_t created_at;
	const char *envelope_from; /* "" for the null sender */
	const char *rcpt;	   /* one checked address */
	const char *message;	   /* whole RFC 5322 reply, CRLF */
	size_t len;
	int64_t next_try_at; /* 0 = at once */
};

/* Writes the request row and, when `o` is not NULL, its outbox row, in one
 * transaction (its own, or the caller's when one is open).  Fills
 * *request_id_r and *outbox_id_r (either may be NULL; outbox id 0 when no
 * reply).  STORE_ADDED, or an error with nothing written. */
int store_record_request(struct store *st, const struct request_in *r, const struct outbox_in *o,
			 int64_t *request_id_r, int64_t *outbox_id_r);

/* Was this complaint already answered (a request with an outbox row), by
 * complaint key or, when mid is not NULL, by complaint Message-ID?
 * STORE_OK with *request_id_r set, or STORE_ENOTFOUND. */
int store_request_answered(struct store *st, const char *complaint_key,
			   const char *complaint_message_id, int64_t *request_id_r);

/* The latest request row id with this complaint key (any outcome), or
 * STORE_ENOTFOUND; also STORE_ENOTFOUND when that row was released from
 * quarantine (admin.h: admin_release), so the daemon handles it again. */
int store_request_by_key(struct store *st, const char *complaint_key, int64_t *request_id_r);

/* The complaint key of request `id`: STORE_OK with *key_r (caller frees),
 * or STORE_ENOTFOUND. */
int store_request_key(struct store *st, int64_t id, char **key_r);

/* The kept bytes of a complaint (see request_in.raw): STORE_OK with
 * *raw_r (malloc'd, caller frees) and *len_r, or STORE_ENOTFOUND. */
int store_complaint_raw(struct store *st, const char *complaint_key, char **raw_r, size_t *len_r);

/* The request our reply with Message-ID `mid` answered (as found in a
 * follow-up's In-Reply-To/References), for conversations. */
struct request_ref {
	int64_t id, thread_id; /* thread_id is never 0 */
	int64_t decided_at;
	int64_t account_id; /* 0 = none */
	char *requester;    /* may be NULL */
	char *outcome;
	char *language;		/* may be NULL */
	char *complaint_key;	/* the earlier complaint's key */
	char *matched_queue_id; /* may be NULL */
	char *extracted;	/* JSON text or NULL */
	char *matches;		/* JSON text or NULL */
};

/* STORE_OK with *r filled (request_ref_free it), or STORE_ENOTFOUND. */
int store_request_by_reply_id(struct store *st, const char *mid, struct request_ref *r);
void request_ref_free(struct request_ref *r);

/* The language an account asked for (JSONL "language"): STORE_OK with
 * *lang_r (caller frees; NULL when none is set), or STORE_ENOTFOUND. */
int store_account_language(struct store *st, int64_t account_id, char **lang_r);
/* Sets (or with NULL clears) an account's language. */
int store_set_account_language(struct store *st, const char *account, const char *lang);

/* The replies (outbox rows, any state) created at or after `since`, as
 * the hourly rate limits count them: those to requester mailbox
 * `mailbox_key` (policy_mailbox_key: lower case, plus-tag removed) when it
 * is not NULL, else those of account `account_id` when it is > 0, else
 * all.  The count stops at `cap` when cap > 0: an index range
 * (outbox_rate, schema migration 5) read up to cap entries, so a check
 * against a limit costs at most the limit.  STORE_OK with *n_r, or an
 * error. */
int store_count_replies_since(struct store *st, const char *mailbox_key, int64_t account_id,
			      int64_t since, int64_t cap, int64_t *n_r);

#endif
