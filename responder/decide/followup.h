/*
 * followup.h - a reply to one of our replies: the conversation goes on.
 *
 * Our replies carry a Message-ID of our domain, kept in the request log
 * (requests.reply_message_id).  A complaint whose In-Reply-To/References
 * name one of them continues that request:
 *
 *   - to an `ambiguous` reply, "2", "#2", "number 2", "the second one" (in
 *     every reply language) or a queue ID / Message-ID of the list picks
 *     that candidate: the full `found` reply for it;
 *   - to a `not_found` reply (or one that picks nothing), the matching runs
 *     again with the earlier complaint's identifiers plus the new ones;
 *   - to a `found` reply, "still not there" / "they checked spam" gets the
 *     next step (template next_step): for a delivered recipient what to
 *     hand the recipient's IT (the transcript, the remote queue ID), for a
 *     deferred one the latest attempt; a bare thank-you gets nothing; a
 *     reply that brings another message (attached, forwarded, or its
 *     Message-ID written) is matched again, as a new question.
 *
 * Only the requester of the thread (or an address of the same account)
 * may continue it, within [policy] follow_up_days, and every follow-up is
 * counted by the ordinary rate limit (policy.c).  A reply to our reply
 * that the log does not know, or that came after the window, never starts
 * the full answer again: it is `ignored`.  Robots replying to our reply
 * are stopped earlier, in policy_robot().
 *
 * SECURITY: the follow-up's text is anyone's; it is only searched, after
 * the quoted part (our own reply, which holds every candidate's ids) is
 * cut off, so a quote can never choose for the requester.
 */
#ifndef RESPONDER_FOLLOWUP_H
#define RESPONDER_FOLLOWUP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "responder/config/config.h"
#include "responder/decide/extract.h"
#include "responder/decide/match.h"
#include "responder/decide/policy.h"
#include "responder/parse/complaint.h"
#include "store/requests.h"
#include "store/store.h"

struct followup {
	int64_t of;	   /* the request continued (0: not a follow-up) */
	int64_t thread_id; /* its conversation */
	char *language;	   /* the conversation's language, or NULL */
	int next_step;	   /* compose the next_step reply */
	int no_reply;	   /* decided, but nothing is sent (thank-you, stranger) */
};

/* The complaint's text without what it quotes: lines starting with '>',
 * everything from a quote introduction ("On ... wrote:", "-----Original
 * Message-----") or an inline header block (forward.h) on, and the
 * signature ("-- ").  Caller frees; never NULL. */
char *followup_strip(const char *text);

/* Which of the `n` candidates (the earlier reply's list, best first: the
 * request log's "matches" array) the stripped follow-up text names: by
 * number ("2", "#2", "nr. 2", "the second one") in its first lines, or by
 * a queue ID or Message-ID of the list anywhere.  Returns the 1-based
 * position, 0 when it names none, -1 when it names several. */
int followup_choice(const char *stripped, const json_t *candidates, size_t n);

/* Adds the dates written in the stripped follow-up text ("sent on 20
 * November 2026", "am 20.11.2026", "le 20/11/2026", "2026-11-20") to `x`
 * as date-only originals (source EXT_BODY, no subject or addresses): the
 * date hint the matching weighs a forwarded original's date with.  Each
 * date-looking token goes to forward_parse_date(); dates more than a day
 * after `now` are skipped; at most 4.  Returns how many were added. */
int followup_add_dates(const char *stripped, int64_t now, struct extracted *x);

/* Decides a complaint that names one of our replies (policy_names_us):
 * fills *f, *m (the message(s) to report; match_result_free it) and
 * *outcome / why.  `x` is the follow-up's own extraction, to which the
 * earlier complaint's identifiers are added.  `d` is the policy's
 * decision (the requester and account).  0, or -1 with err on a store
 * failure. */
int followup_decide(struct store *st, const struct settings *s, const struct complaint *c,
		    const char *stripped, const struct policy_decision *d, struct extracted *x,
		    int64_t now, struct followup *f, struct match_result *m, enum outcome *outcome,
		    char *why, size_t whylen, char *err, size_t errlen);
void followup_free(struct followup *f);

#endif
