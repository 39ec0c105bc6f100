/*
 * match.c - from extracted identifiers to the requester's relayed
 * message(s): exact Message-ID first, then ranked candidates by recipient
 * and subject (see match.h).
 *
 * SECURITY: the account id is required and passed to every store call
 * (account 0 would mean "any account" there, so it is refused here); why
 * and searched[] only ever name what the complaint itself contained or
 * what belongs to the requester's account.
 */
#include "responder/decide/match.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/subject.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define W_SUBJECT 0.5
#define W_DATE 0.3
#define W_RECIPIENT 0.2
#define W_NOTICE 0.3	     /* only with a delivery notice in the complaint */
#define SLACK 3600	     /* clock skew allowed after the complaint's Date */
#define DAY_SKEW (14 * 3600) /* time zones around a day written without one */
/* A notice comes after its message: a candidate sent more than
 * NOTICE_SKEW after a notice's date (14 h more when the date had no zone)
 * is not the one it is about, and one sent up to NOTICE_REACH before it
 * agrees on the date (a deferral gives up after days). */
#define NOTICE_SKEW 300
#define NOTICE_REACH (7 * 86400)
#define FAR_AWAY ((int64_t)365 * 86400)

void
match_thresholds_default(struct match_thresholds *th)
{
	th->found_min = 0.5;
	th->margin = 0.15;
	th->subject_agree = 0.8;
	th->date_agree = 72 * 3600;
	th->candidate_min = 0.3;
}

void
match_thresholds_from(const struct settings *s, struct match_thresholds *th)
{
	th->found_min = s->match_found_min / 100.0;
	th->margin = s->match_margin / 100.0;
	th->subject_agree = s->match_subject_agree / 100.0;
	th->date_agree = (int64_t)s->match_date_agree_hours * 3600;
	th->candidate_min = s->match_candidate_min / 100.0;
}

struct subjects {
	char *v[EXT_MAX_IDS + 1];
	size_t n;
};

static void
subjects_of(const struct match_query *q, struct subjects *s)
{
	s->n = 0;
	for (size_t i = 0; i < q->x->n_originals && s->n < EXT_MAX_IDS; i++) {
		if (q->x->originals[i].is_bounce)
			continue; /* a notice's subject is not the original's */
		char *n = q->x->originals[i].subject ?
			      subject_normalize(q->x->originals[i].subject) :
			      NULL;
		if (n && *n)
			s->v[s->n++] = n;
		else
			free(n);
	}
	if (q->complaint_subject && q->x->n_bounces == 0) {
		char *n = subject_normalize(q->complaint_subject);

		if (n && *n)
			s->v[s->n++] = n;
		else
			free(n);
	}
}

static void
subjects_free(struct subjects *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static int
has_recipient(const struct store_message *m, const struct extracted *x)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		for (size_t k = 0; k < x->n_recipients; k++)
			if (m->rcpts[i].address && !strcmp(m->rcpts[i].address, x->recipients[k]))
				return 1;
	return 0;
}

/* How far m fits the delivery notices of the complaint: its records do
 * not show a delivery to a recipient the notice says failed, and it was
 * sent by the address the notice went to.  0 when there is nothing to
 * compare (no notice). */
static int
notice_score(const struct store_message *m, const struct extracted *x, double *out)
{
	int parts = 0, named = 0, undelivered = 0, to_known = 0, sender = 0;

	for (size_t b = 0; b < x->n_bounces; b++)
		for (size_t r = 0; r < x->bounces[b].b.n_rcpts; r++)
			for (size_t k = 0; k < m->n_rcpts; k++) {
				if (!m->rcpts[k].address ||
				    strcmp(m->rcpts[k].address, x->bounces[b].b.rcpts[r].address))
					continue;
				named = 1;
				undelivered |= !m->rcpts[k].status ||
					       strcmp(m->rcpts[k].status, "delivered") != 0;
			}
	for (size_t i = 0; i < x->n_originals; i++) {
		const struct ext_original *o = &x->originals[i];

		if (!o->is_bounce)
			continue;
		for (size_t t = 0; t < o->n_to; t++) {
			to_known = 1;
			sender |= m->from && strcasecmp(m->from, o->to[t]) == 0;
		}
	}
	*out = 0;
	if (x->n_bounces == 0)
		return 0;
	if (named) {
		parts++;
		*out += undelivered;
	}
	if (to_known) {
		parts++;
		*out += sender;
	}
	if (parts == 0)
		return 0;
	*out /= parts;
	return 1;
}

static void
score_with(const struct store_message *m, const struct match_query *q, const struct subjects *subj,
	   struct match_scored *out)
{
	double wsum = 0, total = 0;
	int64_t best = -1;

	memset(out, 0, sizeof(*out));
	out->date_diff = -1;
	if (subj->n) {
		char *mn = subject_normalize(m->subject ? m->subject : "");

		for (size_t i = 0; i < subj->n; i++) {
			double s = subject_similarity(mn, subj->v[i]);

			if (s > out->subject)
				out->subject = s;
		}
		free(mn);
		wsum += W_SUBJECT;
		total += W_SUBJECT * out->subject;
	}
	for (size_t i = 0; i < q->x->n_originals; i++) {
		const struct ext_original *o = &q->x->originals[i];
		int64_t d;

		if (!o->has_date)
			continue;
		d = m->submitted_at - o->date;
		if (o->date_day) {
			/* the distance to the day, not to its midnight */
			if (d >= -DAY_SKEW && d < 86400 + DAY_SKEW)
				d = 0;
			else if (d > 0)
				d -= 86400 + DAY_SKEW;
			else
				d += DAY_SKEW;
		}
		if (o->is_bounce) {
			int64_t after = NOTICE_SKEW + (o->date_exact ? 0 : 14 * 3600);

			if (d > after)
				d = FAR_AWAY;
			else if (d >= -NOTICE_REACH)
				out->notice_window = 1;
		}
		d = llabs(d);
		if (best < 0 || d < best)
			best = d;
	}
	if (best >= 0) {
		out->date_diff = best;
		out->date = best <= 3600 ? 1.0 : 1.0 / (1.0 + (double)(best - 3600) / 86400.0);
		wsum += W_DATE;
		total += W_DATE * out->date;
	}
	if (q->x->n_recipients) {
		out->recipient = has_recipient(m, q->x) ? 1.0 : 0.0;
		wsum += W_RECIPIENT;
		total += W_RECIPIENT * out->recipient;
	}
	if (notice_score(m, q->x, &out->notice)) {
		wsum += W_NOTICE;
		total += W_NOTICE * out->notice;
	}
	out->score = wsum > 0 ? total / wsum : 0.0;
}

void
match_score(const struct store_message *m, const struct match_query *q, struct match_scored *out)
{
	struct subjects s;

	subjects_of(q, &s);
	score_with(m, q, &s, out);
	subjects_free(&s);
}

__attribute__((format(printf, 2, 3))) static void
add_searched(struct match_result *r, const char *fmt, ...)
{
	struct buf line;
	va_list ap;

	if (r->n_searched >= 16)
		return;
	buf_init(&line, 512);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	r->searched = xreallocarray(r->searched, r->n_searched + 1, sizeof(char *));
	r->searched[r->n_searched++] = buf_steal(&line, NULL);
}

/* Moves the messages of `from` not yet in r->msgs into it. */
static void
merge(struct match_result *r, struct store_message_list *from, const char *via)
{
	for (size_t i = 0; i < from->n && r->msgs.n < MATCH_MAX_CANDIDATES; i++) {
		size_t k;

		for (k = 0; k < r->msgs.n; k++)
			if (r->msgs.v[k].id == from->v[i].id)
				break;
		if (k < r->msgs.n)
			continue;
		r->msgs.v = xreallocarray(r->msgs.v, r->msgs.n + 1, sizeof(*r->msgs.v));
		r->scores = xreallocarray(r->scores, r->msgs.n + 1, sizeof(*r->scores));
		r->msgs.v[r->msgs.n] = from->v[i];
		memset(&r->scores[r->msgs.n], 0, sizeof(*r->scores));
		r->scores[r->msgs.n].via = via;
		r->msgs.n++;
		memset(&from->v[i], 0, sizeof(from->v[i]));
	}
	store_message_list_free(from);
}

/* 1 when addr is a recipient a delivery notice in the complaint names. */
static int
notice_names(const struct extracted *x, const char *addr)
{
	for (size_t b = 0; b < x->n_bounces; b++)
		for (size_t k = 0; k < x->bounces[b].b.n_rcpts; k++)
			if (strcmp(x->bounces[b].b.rcpts[k].address, addr) == 0)
				return 1;
	return 0;
}

/* The recipients the reply reports on: those the complaint names that the
 * message went to; with a delivery notice, only the ones it names (when
 * the message went to any of them). */
static void
set_focus(struct match_result *r, const struct extracted *x)
{
	int only_notice = 0;

	for (size_t i = 0; i < x->n_recipients && !only_notice; i++)
		for (size_t m = 0; m < r->msgs.n && !only_notice; m++)
			only_notice =
			    notice_names(x, x->recipients[i]) &&
			    has_recipient(&r->msgs.v[m],
					  &(struct extracted){ .recipients = &x->recipients[i],
							       .n_recipients = 1 });
	for (size_t i = 0; i < x->n_recipients; i++) {
		if (only_notice && !notice_names(x, x->recipients[i]))
			continue;
		for (size_t m = 0; m < r->msgs.n; m++)
			if (has_recipient(&r->msgs.v[m],
					  &(struct extracted){ .recipients = &x->recipients[i],
							       .n_recipients = 1 })) {
				r->focus = xreallocarray(r->focus, r->n_focus + 1, sizeof(char *));
				r->focus[r->n_focus++] = xstrdup(x->recipients[i]);
				break;
			}
	}
}

/* Drops msgs[keep..] (and their scores). */
static void
truncate_to(struct match_result *r, size_t keep)
{
	struct store_message_list rest = { r->msgs.v + keep, r->msgs.n - keep };

	if (keep >= r->msgs.n)
		return;
	for (size_t i = 0; i < rest.n; i++) {
		struct store_message_list one = { xmalloc(sizeof(struct store_message)), 1 };

		one.v[0] = rest.v[i];
		store_message_list_free(&one);
	}
	r->msgs.n = keep;
}

static int
by_score(const void *a, const void *b, void *arg)
{
	const struct match_result *r = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (r->scores[i].score != r->scores[j].score)
		return r->scores[i].score < r->scores[j].score ? 1 : -1;
	if (r->msgs.v[i].submitted_at != r->msgs.v[j].submitted_at)
		return r->msgs.v[i].submitted_at < r->msgs.v[j].submitted_at ? 1 : -1;
	return i < j ? -1 : (i > j);
}

static void
sort_candidates(struct match_result *r)
{
	size_t n = r->msgs.n, *idx = xcalloc(n ? n : 1, sizeof(size_t));
	struct store_message *mv = xcalloc(n ? n : 1, sizeof(*mv));
	struct match_scored *sv = xcalloc(n ? n : 1, sizeof(*sv));

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(size_t), by_score, r);
	for (size_t i = 0; i < n; i++) {
		mv[i] = r->msgs.v[idx[i]];
		sv[i] = r->scores[idx[i]];
	}
	free(r->msgs.v);
	free(r->scores);
	r->msgs.v = mv;
	r->scores = sv;
	free(idx);
}

/* Three decimals, for readable logs. */
static double
r3(double v)
{
	return (double)(long long)(v * 1000.0 + 0.5) / 1000.0;
}

static json_t *
candidates_json(const struct match_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->msgs.n; i++) {
		const struct store_message *m = &r->msgs.v[i];
		const struct match_scored *s = &r->scores[i];
		char t[TIME_RFC3339_LEN];

		json_array_append_new(
		    a, json_pack("{s:s?,s:s?,s:s?,s:s,s:f,s:f,s:f,s:f,s:s}", "queue_id",
				 m->queue_id, "message_id", m->message_id, "subject", m->subject,
				 "submitted_at", time_format_rfc3339(m->submitted_at, t), "score",
				 r3(s->score), "subject_score", r3(s->subject), "date_score",
				 r3(s->date), "recipient_score", s->recipient, "via", s->via));
	}
	return a;
}

/* 1 when candidate i agrees with what the complaint says: on the
 * recipient when one was extracted, and on the subject or the date. */
static int
agrees(const struct match_result *r, size_t i, const struct match_query *q,
       const struct match_thresholds *th)
{
	const struct match_scored *s = &r->scores[i];
	int date_ok = (s->date_diff >= 0 && s->date_diff <= th->date_agree) || s->notice_window;

	if (q->x->n_recipients > 0 && s->recipient < 1.0)
		return 0;
	return s->subject >= th->subject_agree || date_ok;
}

/* 1 when the original is a copy of a message to one of m's recipients
 * (it names one in To/Cc) whose subject or date says it is not m. */
static int
contradicts(const struct ext_original *o, const struct store_message *m,
	    const struct match_thresholds *th)
{
	struct extracted one = { 0 };
	int names = 0;

	for (size_t k = 0; k < o->n_to + o->n_cc && !names; k++) {
		one.recipients = k < o->n_to ? &o->to[k] : &o->cc[k - o->n_to];
		one.n_recipients = 1;
		names = has_recipient(m, &one);
	}
	if (!names)
		return 0;
	if (o->subject != NULL) {
		char *a = subject_normalize(o->subject),
		     *b = subject_normalize(m->subject ? m->subject : "");
		int differ = a && *a && subject_similarity(a, b) < th->subject_agree;

		free(a);
		free(b);
		if (differ)
			return 1;
	}
	return o->has_date && llabs(m->submitted_at - o->date) > th->date_agree;
}

/* 1 when candidate i is the only one sent to an extracted recipient and
 * nothing speaks against it: no quoted copy of a message to that recipient
 * with another subject or date (the recipient's own complaint, forwarded
 * with its own subject, names the recipient as its From, not its To). */
static int
only_to_recipient(const struct match_result *r, size_t i, const struct match_query *q,
		  const struct match_thresholds *th)
{
	size_t to_rcpt = 0;

	for (size_t k = 0; k < r->msgs.n; k++)
		if (r->scores[k].recipient >= 1.0)
			to_rcpt++;
	if (to_rcpt != 1 || r->scores[i].recipient < 1.0)
		return 0;
	for (size_t k = 0; k < q->x->n_originals; k++)
		if (contradicts(&q->x->originals[k], &r->msgs.v[i], th))
			return 0;
	return 1;
}

/* Sets the outcome of a ranked candidate list (match.h). */
static void
decide(struct match_result *r, const struct match_query *q, const struct match_thresholds *th)
{
	const struct match_scored *top = &r->scores[0];
	int clear = top->score >= th->found_min &&
		    (r->msgs.n == 1 || top->score - r->scores[1].score >= th->margin);
	size_t plausible = 0, only = r->msgs.n;

	if (clear && agrees(r, 0, q, th)) {
		r->outcome = OUTCOME_FOUND;
		snprintf(r->why, sizeof(r->why),
			 "best of %zu candidate(s) by %s: %.200s, score %.2f"
			 " (subject %.2f, date %.2f, recipient %.0f)%s",
			 r->msgs.n, top->via, r->msgs.v[0].queue_id, top->score, top->subject,
			 top->date, top->recipient,
			 r->msgs.n > 1 ? ", clearly ahead of the next" : "");
		truncate_to(r, 1);
		return;
	}
	for (size_t i = 0; i < r->msgs.n && only == r->msgs.n; i++)
		if (only_to_recipient(r, i, q, th))
			only = i;
	if (only < r->msgs.n) {
		struct store_message keep = r->msgs.v[only];
		struct match_scored ks = r->scores[only];

		/* the only one to the recipient goes first, the rest away */
		r->msgs.v[only] = r->msgs.v[0];
		r->scores[only] = r->scores[0];
		r->msgs.v[0] = keep;
		r->scores[0] = ks;
		r->outcome = OUTCOME_FOUND;
		r->only_candidate = 1;
		snprintf(r->why, sizeof(r->why),
			 "the only message to the named recipient in the window: %.200s,"
			 " score %.2f (subject %.2f, date %.2f, recipient 1)",
			 keep.queue_id, ks.score, ks.subject, ks.date);
		truncate_to(r, 1);
		return;
	}
	while (plausible < r->msgs.n && r->scores[plausible].score >= th->candidate_min)
		plausible++;
	if (plausible >= 2) {
		r->outcome = OUTCOME_AMBIGUOUS;
		snprintf(r->why, sizeof(r->why),
			 "%zu candidate(s), none clearly best (top score %.2f, %s)", plausible,
			 top->score,
			 clear ? "it does not agree on the recipient and the subject or date" :
				 "next within the margin");
		truncate_to(r, plausible < MATCH_MAX_AMBIGUOUS ? plausible : MATCH_MAX_AMBIGUOUS);
		return;
	}
	r->outcome = OUTCOME_NOT_FOUND;
	snprintf(r->why, sizeof(r->why),
		 "no message of the account matches well enough: the best of %zu candidate(s),"
		 " %.200s, scores %.2f (subject %.2f, date %.2f, recipient %.0f)%s",
		 r->msgs.n, r->msgs.v[0].queue_id, top->score, top->subject, top->date,
		 top->recipient,
		 q->x->n_recipients > 0 && top->recipient < 1.0 ? " and went to another recipient" :
								  ", too little in common");
	truncate_to(r, 0);
}

static int
exact(struct store *st, const struct match_query *q, struct match_result *r, char *err,
      size_t errlen)
{
	for (size_t i = 0; i < q->x->n_ids; i++) {
		const struct ext_id *id = &q->x->ids[i];
		struct store_message_list l = { NULL, 0 };

		add_searched(r, "Message-ID %s (%s)", id->id, ext_source_name(id->source));
		if (store_find_by_message_id(st, id->id, q->account_id, q->store_flags, 10, &l) <
		    0) {
			snprintf(err, errlen, "lookup: %s", store_errmsg(st));
			return -1;
		}
		if (l.n) {
			merge(r, &l, "message-id");
			for (size_t k = 0; k < r->msgs.n; k++)
				r->scores[k].score = 1.0;
			r->outcome = OUTCOME_FOUND;
			snprintf(r->why, sizeof(r->why), "matched Message-ID %.300s (%s)", id->id,
				 ext_source_name(id->source));
			return 1;
		}
		store_message_list_free(&l);
	}
	return 0;
}

int
match_find(struct store *st, const struct match_query *q, struct match_result *r, char *err,
	   size_t errlen)
{
	int64_t until, since;
	char tsince[TIME_RFC3339_LEN];
	struct subjects subj;
	struct match_thresholds dflt;
	const struct match_thresholds *th = q->th;
	int rc;

	if (th == NULL) {
		match_thresholds_default(&dflt);
		th = &dflt;
	}
	memset(r, 0, sizeof(*r));
	r->outcome = OUTCOME_NOT_FOUND;
	if (q->account_id <= 0) {
		snprintf(err, errlen, "match without an account");
		return -1;
	}
	rc = exact(st, q, r, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		set_focus(r, q->x);
		r->candidates = candidates_json(r);
		return 0;
	}
	until = (q->complaint_date ? q->complaint_date : q->now) + SLACK;
	since = until - (int64_t)q->window_days * 86400 - SLACK;
	time_format_rfc3339(since, tsince);
	for (size_t i = 0; i < q->x->n_recipients; i++) {
		struct store_message_list l = { NULL, 0 };

		add_searched(r, "recipient %s since %s", q->x->recipients[i], tsince);
		if (store_find_by_recipient(st, q->x->recipients[i], q->account_id, since, until,
					    q->store_flags, 50, &l) < 0) {
			snprintf(err, errlen, "lookup: %s", store_errmsg(st));
			return -1;
		}
		merge(r, &l, "recipient");
	}
	subjects_of(q, &subj);
	for (size_t i = 0; i < q->x->n_originals; i++) {
		const char *s = q->x->originals[i].subject;
		struct store_message_list l = { NULL, 0 };

		if (!s || !*subject_strip_prefixes(s) || q->x->originals[i].is_bounce)
			continue;
		add_searched(r, "subject \"%s\" since %s", subject_strip_prefixes(s), tsince);
		if (store_find_by_subject(st, subject_strip_prefixes(s), q->account_id, since,
					  until, q->store_flags, 50, &l) < 0) {
			snprintf(err, errlen, "lookup: %s", store_errmsg(st));
			subjects_free(&subj);
			return -1;
		}
		merge(r, &l, "subject");
	}
	if (q->complaint_subject && *subject_strip_prefixes(q->complaint_subject) &&
	    q->x->n_bounces == 0) {
		struct store_message_list l = { NULL, 0 };
		const char *s = subject_strip_prefixes(q->complaint_subject);

		add_searched(r, "subject \"%s\" since %s", s, tsince);
		if (store_find_by_subject(st, s, q->account_id, since, until, q->store_flags, 50,
					  &l) < 0) {
			snprintf(err, errlen, "lookup: %s", store_errmsg(st));
			subjects_free(&subj);
			return -1;
		}
		merge(r, &l, "subject");
	}
	for (size_t i = 0; i < r->msgs.n; i++) {
		const char *via = r->scores[i].via;

		score_with(&r->msgs.v[i], q, &subj, &r->scores[i]);
		r->scores[i].via = via;
	}
	subjects_free(&subj);
	sort_candidates(r);
	r->candidates = candidates_json(r);
	if (r->msgs.n == 0) {
		snprintf(r->why, sizeof(r->why),
			 "no message of the account matches: %zu Message-ID(s),"
			 " %zu recipient(s), subjects searched since %s",
			 q->x->n_ids, q->x->n_recipients, tsince);
		return 0;
	}
	decide(r, q, th);
	set_focus(r, q->x);
	return 0;
}

void
match_result_free(struct match_result *r)
{
	if (!r)
		return;
	store_message_list_free(&r->msgs);
	free(r->scores);
	for (size_t i = 0; i < r->n_searched; i++)
		free(r->searched[i]);
	free(r->searched);
	for (size_t i = 0; i < r->n_focus; i++)
		free(r->focus[i]);
	free(r->focus);
	json_decref(r->candidates);
	memset(r, 0, sizeof(*r));
}
