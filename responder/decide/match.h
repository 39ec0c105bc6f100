/*
 * match.h - which of the requester's relayed messages the complaint means.
 *
 * Exact first: any extracted Message-ID that belongs to the requester's
 * account.  Otherwise candidates by recipient (the extracted recipients,
 * within match_window_days before the complaint's Date) and by subject,
 * ranked by normalised subject similarity, date proximity to any extracted
 * date, and whether an extracted recipient is among theirs.  One clear
 * winner -> found; several close -> ambiguous (at most MATCH_MAX_AMBIGUOUS,
 * best first); none -> not_found.
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

#include "responder/decide/extract.h"
#include "responder/reply/outcome.h"
#include "store/store.h"

#define MATCH_MAX_AMBIGUOUS 5
#define MATCH_MAX_CANDIDATES 200
#define MATCH_WHY_MAX 768

struct match_query {
	int64_t account_id; /* required (> 0) */
	const struct extracted *x;
	const char *complaint_subject; /* decoded, or NULL */
	int64_t complaint_date;	       /* 0 when unknown: `now` is used */
	int64_t now;
	int window_days; /* [policy] match_window_days */
	int store_flags; /* STORE_WITH_ATTEMPTS / _TRANSCRIPTS */
};

struct match_scored {
	double score, subject, date, recipient; /* total and parts, [0,1] */
	const char *via;			/* static: "message-id", "recipient", "subject" */
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
