/*
 * match.h - which of the requester's relayed messages the complaint means.
 *
 * Exact first: any extracted Message-ID that belongs to the requester's
 * account.  Otherwise candidates by recipient (the extracted recipients,
 * within match_window_days before the complaint's Date) and by subject,
 * ranked by normalised subject similarity, date proximity to any extracted
 * date, and whether an extracted recipient is among theirs.  A found
 * without a Message-ID needs a clear winner (score and margin) that agrees
 * on the recipient (when one was extracted) and on the subject or the
 * date; or else the only message of the account to the named recipient in
 * the window, when nothing contradicts it (only_candidate).  Otherwise two
 * or more plausible candidates -> ambiguous (at most MATCH_MAX_AMBIGUOUS,
 * best first); one weak candidate or none -> not_found (the why says what
 * the weak one lacked).  The thresholds are [policy] keys
 * (match_thresholds_from()); docs/complaints.md gives the reasoning.
 *
 * Every store call passes the requester's account id, so another account's
 * message is never returned, and a not_found says nothing about other
 * accounts.  Everything used goes into why, searched[] and the scores.
 */
#ifndef RESPONDER_MATCH_H
#define RESPONDER_MATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "responder/config/config.h"
#include "responder/decide/extract.h"
#include "responder/reply/outcome.h"
#include "store/store.h"

#define MATCH_MAX_AMBIGUOUS 5
#define MATCH_MAX_CANDIDATES 200
#define MATCH_WHY_MAX 768

/* The thresholds, as fractions (the config keys are percent and hours). */
struct match_thresholds {
	double found_min;     /* lowest score of a found without Message-ID */
	double margin;	      /* lead over the next candidate */
	double subject_agree; /* subject similarity that counts as agreeing */
	int64_t date_agree;   /* seconds apart that count as agreeing */
	double candidate_min; /* lowest score worth listing as ambiguous */
};

/* The defaults (0.5, 0.15, 0.8, 72 h, 0.3). */
void match_thresholds_default(struct match_thresholds *th);
/* From the [policy] match_* keys (percent and hours). */
void match_thresholds_from(const struct settings *s, struct match_thresholds *th);

struct match_query {
	int64_t account_id; /* required (> 0) */
	const struct extracted *x;
	const char *complaint_subject; /* decoded, or NULL */
	int64_t complaint_date;	       /* 0 when unknown: `now` is used */
	int64_t now;
	int window_days;		   /* [policy] match_window_days */
	int store_flags;		   /* STORE_WITH_ATTEMPTS / _TRANSCRIPTS */
	const struct match_thresholds *th; /* NULL: the defaults */
};

struct match_scored {
	double score, subject, date, recipient; /* total and parts, [0,1] */
	double notice;	   /* agreement with a forwarded delivery notice, [0,1] */
	int64_t date_diff; /* seconds to the nearest extracted date, -1: none */
	int notice_window; /* sent in the days before a notice's date */
	const char *via;   /* static: "message-id", "recipient", "subject" */
};

struct match_result {
	enum outcome outcome; /* found, ambiguous or not_found */
	char why[MATCH_WHY_MAX];
	struct store_message_list msgs; /* found: the match(es); ambiguous: the
					 * candidates best first; owned */
	struct match_scored *scores;	/* parallel to msgs.v */
	char **searched;		/* what was looked for, one line each */
	size_t n_searched;
	char **focus; /* extracted recipients that are among the
					 * found message's recipients */
	size_t n_focus;
	json_t *candidates; /* every candidate with its scores, for the
					 * request log; owned */
	int only_candidate; /* found as the only message to the recipient */
};

/* 0 with *out filled (match_result_free it), -1 with err on a store
 * failure. */
int match_find(struct store *st, const struct match_query *q, struct match_result *out, char *err,
	       size_t errlen);
void match_result_free(struct match_result *r);

/* The ranking of one message against the query (pure; for tests). */
void match_score(const struct store_message *m, const struct match_query *q,
		 struct match_scored *out);

#endif
