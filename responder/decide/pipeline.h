/*
 * pipeline.h - one complaint, start to end: pre-scan, parse (in a sandboxed
 * child), extract identifiers, policy, match, compose, and record the
 * decision (request row + outbox row in one transaction).
 *
 * Used by `responder process` (cmd_process.c) and by the daemon for every
 * message it fetches.  The daemon sends what lands in the outbox; this
 * module never talks to a network.
 *
 * SECURITY: `raw` is a message from the internet.  It is parsed only in a
 * forked child under resource limits (sandbox.h); the caller never dies on
 * it.  Everything that reaches the result has been capped and sanitised.
 */
#ifndef RESPONDER_PIPELINE_H
#define RESPONDER_PIPELINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "responder/config/config.h"
#include "responder/reply/outcome.h"
#include "store/store.h"

struct pipeline;

enum {
	PIPELINE_DRY_RUN = 1 << 0, /* decide everything, record and queue nothing */
	PIPELINE_REQUEUE = 1 << 2, /* an admin's requeue: skip the "already
					 * answered" check; the new request row's
					 * requeue_of is the latest row with the
					 * same complaint key */
};

/* Why the parser produced nothing (outcome "error").  The daemon counts
 * CRASH/TIMEOUT/LIMIT per complaint for quarantine; REJECTED (the pre-scan
 * refused it: size, nesting, boundary, part count) is final at once. */
enum parse_failure {
	PARSE_FAIL_NONE = 0,
	PARSE_FAIL_REJECTED, /* refused before parsing; deterministic */
	PARSE_FAIL_CRASH,    /* the child died from a signal */
	PARSE_FAIL_TIMEOUT,  /* wall-clock timeout, killed */
	PARSE_FAIL_LIMIT,    /* CPU seconds or memory limit hit */
};

struct pipeline_result {
	enum outcome outcome;
	char *why;		    /* one sanitised line; never NULL after success */
	int64_t request_id;	    /* the requests row; 0 in a dry run */
	char *complaint_key;	    /* "<message-id> sha256hex" ("- sha256hex"
					 * when the complaint has no Message-ID) */
	char *complaint_message_id; /* "<...>" or NULL */
	char *requester;	    /* the From address, or NULL */
	char *account;		    /* the requester's account, or NULL */
	int reply_queued;	    /* 1: an outbox row was committed */
	int64_t outbox_id;	    /* that row, else 0 */
	char *reply;		    /* the composed reply (also in a dry run), or NULL */
	char *reply_message_id;	    /* its Message-ID (kept in the request log), or NULL */
	char *language;		    /* the reply's language ("de"), or NULL when none
					 * was decided (robots, errors) */
	size_t reply_len;
	enum parse_failure parse_failure;
	/* The `process --json` object without "file": outcome, why, requester,
	 * account, extracted, matches, reply.  Owned by the result. */
	json_t *json;
};

/* Creates a pipeline over settings and store (both borrowed; they must
 * outlive it).  Loads the reply templates.  NULL with err filled when the
 * parser program cannot be found (sandbox_check) or the templates do not
 * load.  On SIGHUP the daemon frees it and makes a new
 * one with the new settings. */
struct pipeline *pipeline_new(const struct settings *s, struct store *st, char *err, size_t errlen);
void pipeline_free(struct pipeline **p);

/* Fixed "now" for tests (0 = the real clock): used for the rate-limit
 * window, decided_at and the reply's Date. */
void pipeline_set_now(struct pipeline *p, int64_t now);

/* Handles one complaint.  `raw`/`len`: the whole message (may contain NUL).
 * `source`: "imap:FOLDER:UIDVALIDITY:UID" or "file:NAME" (stored as is).
 * `received_at`: when it arrived (epoch).  Fills *out (free with
 * pipeline_result_free, also after failure).
 *
 * Returns 0 when the complaint was decided (any outcome, including "error"
 * for unparseable input) and, unless PIPELINE_DRY_RUN, recorded with its
 * reply in one transaction.  Returns -1 with err filled when the store
 * failed (nothing recorded: handle it again later), PIPELINE_ELSEWHERE when
 * the daemon's claim on it passed to another responder while it was being
 * handled (nothing recorded here: that responder records and answers it). */
#define PIPELINE_ELSEWHERE (-2)
int pipeline_handle(struct pipeline *p, const char *raw, size_t len, const char *source,
		    int64_t received_at, int flags, struct pipeline_result *out, char *err,
		    size_t errlen);
void pipeline_result_free(struct pipeline_result *r);

/* Names the complaint the caller will hand to pipeline_handle() after the
 * next one, so that the parser works on it while the pipeline decides and
 * records the next (sandbox_parse_next: the bytes stay where they are
 * until that next pipeline_handle() returns; NULL forgets it).  Only a
 * matter of speed: the answer to each complaint is that of its own bytes. */
void pipeline_parse_next(struct pipeline *p, const char *raw, size_t len);

/* The complaint key of raw bytes, computed without parsing MIME (a bounded
 * scan of the header block for Message-ID, and SHA-256 of all bytes):
 * the daemon uses it for its in_progress accounting before handing the
 * message over.  Caller frees. */
char *pipeline_complaint_key(const char *raw, size_t len);

#endif
