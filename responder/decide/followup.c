/*
 * followup.c - a reply to one of our replies continues its request (see
 * followup.h): finding the request, cutting the quote off, reading the
 * requester's choice, and deciding what to answer.
 *
 * SECURITY: the follow-up is anyone's mail.  Only the From address that
 * policy.c checked may continue a conversation, and only its own (same
 * address or same account); the text is read after the quote is cut off,
 * every scan is bounded by the text's length, and nothing from it reaches
 * the log unless cleaned by the caller (set_why).
 */
#include "responder/decide/followup.h"
#include "responder/forward/forward.h"
#include "responder/lang/lang.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CHOICE_LINES 3 /* a number counts only in the first lines written */

static const char *
our_host(const struct settings *s)
{
	return s->hostname && *s->hostname ? s->hostname : addr_domain(s->address);
}

/* 1 when the id was made by us (policy.c says how). */
static int
id_is_ours(const char *id, const char *host)
{
	return policy_id_is_ours(id, host);
}

/* ---- the quote ---------------------------------------------------------- */

char *
followup_strip(const char *text)
{
	struct fwd_original fw;
	struct buf b;
	size_t len, end, pos = 0;

	if (!text)
		return xstrdup("");
	len = strlen(text);
	end = len;
	/* An inline header block ("From: Relay Support ... Subject: Re: ...",
	 * as Outlook quotes) ends what the requester wrote. */
	if (forward_parse(text, NULL, &fw) == 1) {
		if (fw.block_start < end)
			end = fw.block_start;
		forward_free(&fw);
	}
	buf_init(&b, len + 1);
	buf_puts(&b, "");
	while (pos < end) {
		const char *line = text + pos, *nl = memchr(line, '\n', end - pos);
		size_t n = nl ? (size_t)(nl - line) : end - pos;
		size_t k = 0;

		pos += n + (nl ? 1 : 0);
		while (k < n && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k < n && line[k] == '>')
			continue; /* quoted */
		if ((n == 3 && memcmp(line, "-- ", 3) == 0) ||
		    (n == 4 && memcmp(line, "-- \r", 4) == 0) ||
		    (n == 2 && memcmp(line, "--", 2) == 0))
			break; /* signature */
		if (lang_is_quote_intro(line, n))
			break;
		buf_append(&b, line, n);
		buf_putc(&b, '\n');
	}
	return buf_steal(&b, NULL);
}

/* ---- the choice --------------------------------------------------------- */

/* 1 when `needle` occurs in `hay` as a whole token (not inside a longer
 * run of id characters). */
static int
has_token(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	const char *p = hay;

	if (nl < 4)
		return 0;
	while ((p = strstr(p, needle)) != NULL) {
		int before = p > hay && (isalnum((unsigned char)p[-1]) || p[-1] == '.');
		int after = isalnum((unsigned char)p[nl]);

		if (!before && !after)
			return 1;
		p++;
	}
	return 0;
}

/* A number 1..n written as "2", "#2", "(2)", "2.", "nr. 2": digits not
 * part of a longer number, a date or a time.  Returns it or 0. */
static int
number_at(const char *s, size_t i, size_t len, size_t n)
{
	size_t j = i;
	long v = 0;

	if (i > 0 &&
	    (isalnum((unsigned char)s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '/' ||
	     s[i - 1] == '-' || (s[i - 1] == '.' && i > 1 && isdigit((unsigned char)s[i - 2]))))
		return 0;
	while (j < len && isdigit((unsigned char)s[j]) && j - i < 3)
		v = v * 10 + (s[j++] - '0');
	if (j == i || (j < len && (isalnum((unsigned char)s[j]) || s[j] == ':' || s[j] == '/' ||
				   s[j] == '-' || s[j] == '@')))
		return 0;
	/* "2.5", "20.11.": a decimal or a date, not a choice */
	if (j + 1 < len && (s[j] == '.' || s[j] == ',') && isdigit((unsigned char)s[j + 1]))
		return 0;
	return v >= 1 && (size_t)v <= n ? (int)v : 0;
}

static void
note(int *chosen, int v)
{
	if (v <= 0)
		return;
	if (*chosen == 0)
		*chosen = v;
	else if (*chosen != v)
		*chosen = -1;
}

int
followup_choice(const char *stripped, const json_t *candidates, size_t n)
{
	int chosen = 0, lines = 0;
	size_t len, i = 0;

	if (!stripped || n == 0)
		return 0;
	/* A queue ID or Message-ID of the list, anywhere in what was written. */
	for (size_t k = 0; k < n && k < json_array_size(candidates); k++) {
		const json_t *c = json_array_get(candidates, k);
		const char *q = json_string_value(json_object_get(c, "queue_id"));
		const char *mid = json_string_value(json_object_get(c, "message_id"));
		char bare[1000];

		if (q && has_token(stripped, q))
			note(&chosen, (int)k + 1);
		if (mid && strlen(mid) > 2 && strlen(mid) < sizeof(bare)) {
			/* with or without its angle brackets */
			snprintf(bare, sizeof(bare), "%.*s", (int)strlen(mid) - 2, mid + 1);
			if (strstr(stripped, bare))
				note(&chosen, (int)k + 1);
		}
	}
	if (chosen != 0)
		return chosen;
	/* A number or an ordinal in the first lines written. */
	len = strlen(stripped);
	while (i < len && lines < CHOICE_LINES) {
		size_t eol = i;
		int blank = 1;

		while (eol < len && stripped[eol] != '\n')
			eol++;
		for (size_t k = i; k < eol; k++) {
			unsigned char ch = (unsigned char)stripped[k];
			size_t w = k, d = k;

			if (ch != ' ' && ch != '\t' && ch != '\r')
				blank = 0;
			if (!isalnum(ch) && ch < 0x80)
				continue;
			/* one token: digits ("2"), an ordinal ("second", "3rd") */
			while (w < eol && (isalnum((unsigned char)stripped[w]) ||
					   (unsigned char)stripped[w] >= 0x80))
				w++;
			while (d < w && isdigit((unsigned char)stripped[d]))
				d++;
			if (d == w)
				note(&chosen, number_at(stripped, k, eol, n));
			else if (k == i || !(isalnum((unsigned char)stripped[k - 1]) ||
					     (unsigned char)stripped[k - 1] >= 0x80)) {
				int o = lang_ordinal(stripped + k, w - k);

				if (o > 0 && (size_t)o <= n)
					note(&chosen, o);
			}
			k = w - 1;
		}
		lines += !blank;
		i = eol + 1;
	}
	return chosen;
}

/* ---- the earlier complaint's identifiers -------------------------------- */

static enum ext_source
source_named(const char *name)
{
	static const enum ext_source all[] = { EXT_ATTACHED, EXT_INLINE, EXT_REFERENCES,
					       EXT_SUBJECT, EXT_BODY };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (name && strcmp(name, ext_source_name(all[i])) == 0)
			return all[i];
	return EXT_REFERENCES;
}

static char **
str_list(const json_t *a, size_t *n_r)
{
	size_t i, n = 0;
	const json_t *v;
	char **out = xcalloc(json_array_size(a) + 1, sizeof(char *));

	json_array_foreach(a, i, v)
	{
		if (json_is_string(v))
			out[n++] = xstrdup(json_string_value(v));
	}
	*n_r = n;
	return out;
}

/* Adds the identifiers of the request log's "extracted" JSON to x (the
 * follow-up's own first), without ids of our own replies. */
static void
merge_extracted(struct extracted *x, const char *json_text, const char *host)
{
	json_t *j = json_text ? json_loads(json_text, 0, NULL) : NULL;
	const json_t *v;
	size_t i;

	if (!j)
		return;
	json_array_foreach(json_object_get(j, "message_ids"), i, v)
	{
		const char *id = json_string_value(json_object_get(v, "id"));
		int dup = 0;

		if (!id || id_is_ours(id, host) || x->n_ids >= EXT_MAX_IDS)
			continue;
		for (size_t k = 0; k < x->n_ids; k++)
			dup |= strcmp(x->ids[k].id, id) == 0;
		if (dup)
			continue;
		x->ids = xreallocarray(x->ids, x->n_ids + 1, sizeof(*x->ids));
		x->ids[x->n_ids].id = xstrdup(id);
		x->ids[x->n_ids++].source =
		    source_named(json_string_value(json_object_get(v, "source")));
	}
	json_array_foreach(json_object_get(j, "originals"), i, v)
	{
		struct ext_original *o;
		const char *t;

		if (x->n_originals >= EXT_MAX_IDS)
			break;
		x->originals =
		    xreallocarray(x->originals, x->n_originals + 1, sizeof(*x->originals));
		o = &x->originals[x->n_originals++];
		memset(o, 0, sizeof(*o));
		o->source = source_named(json_string_value(json_object_get(v, "source")));
		o->from = xstrdup_or_null(json_string_value(json_object_get(v, "from")));
		o->subject = xstrdup_or_null(json_string_value(json_object_get(v, "subject")));
		o->to = str_list(json_object_get(v, "to"), &o->n_to);
		o->cc = str_list(json_object_get(v, "cc"), &o->n_cc);
		t = json_string_value(json_object_get(v, "date"));
		o->has_date = t && time_parse_rfc3339(t, &o->date) == 0;
	}
	json_array_foreach(json_object_get(j, "recipients"), i, v)
	{
		const char *r = json_string_value(v);
		int dup = 0;

		if (!r || x->n_recipients >= EXT_MAX_RECIPIENTS)
			continue;
		for (size_t k = 0; k < x->n_recipients; k++)
			dup |= strcasecmp(x->recipients[k], r) == 0;
		if (dup)
			continue;
		x->recipients =
		    xreallocarray(x->recipients, x->n_recipients + 1, sizeof(*x->recipients));
		x->recipients[x->n_recipients++] = xstrdup(r);
	}
	json_decref(j);
}

/* Drops the ids that name our own replies: they are no relayed message,
 * and a not_found reply would list them as searched. */
static void
drop_our_ids(struct extracted *x, const char *host)
{
	size_t k = 0;

	for (size_t i = 0; i < x->n_ids; i++) {
		if (id_is_ours(x->ids[i].id, host))
			free(x->ids[i].id);
		else
			x->ids[k++] = x->ids[i];
	}
	x->n_ids = k;
}

static int
addr_char(unsigned char c, int right)
{
	return isalnum(c) || c == '.' || c == '-' || (!right && (c == '_' || c == '+' || c == '%'));
}

/* Addresses the requester wrote in the follow-up ("it went to
 * bob@northwind.example") become recipients to search by, except the
 * requester's own (its account's) and ours. */
static void
add_text_recipients(struct store *st, const struct settings *s, const struct policy_decision *d,
		    const char *text, struct extracted *x)
{
	const char *p = text, *at;

	while (p && (at = strchr(p, '@')) != NULL && x->n_recipients < EXT_MAX_RECIPIENTS) {
		const char *a = at, *b = at + 1;
		char cand[320], *norm;
		int64_t id = 0;
		int dup = 0;

		while (a > text && addr_char((unsigned char)a[-1], 0))
			a--;
		while (*b && addr_char((unsigned char)*b, 1))
			b++;
		while (b > at + 1 && b[-1] == '.')
			b--; /* the sentence's full stop */
		p = b > at ? b : at + 1;
		if (a == at || b == at + 1 || (size_t)(b - a) >= sizeof(cand))
			continue;
		snprintf(cand, sizeof(cand), "%.*s", (int)(b - a), a);
		norm = addr_normalize(cand);
		if (!norm || !addr_valid(norm) ||
		    (d->requester && !strcasecmp(norm, d->requester)) ||
		    (s->address && !strcasecmp(norm, s->address)) ||
		    policy_domain_within(addr_domain(norm), our_host(s)) ||
		    (store_account_of_address(st, norm, &id, NULL) == STORE_OK &&
		     id == d->account_id)) {
			free(norm);
			continue;
		}
		for (size_t k = 0; k < x->n_recipients; k++)
			dup |= strcasecmp(x->recipients[k], norm) == 0;
		if (dup) {
			free(norm);
			continue;
		}
		x->recipients =
		    xreallocarray(x->recipients, x->n_recipients + 1, sizeof(*x->recipients));
		x->recipients[x->n_recipients++] = norm;
	}
}

/* ---- dates written in the follow-up ------------------------------------ */

#define DATE_SCAN_MAX 4	    /* dates taken from one follow-up */
#define DATE_WORDS_BEFORE 2 /* "20 November", "November 20," before a year */

static int
is_word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Start of the `words`-th word before `at` on its line (month names and
 * day numbers written before a year), never before `line`. */
static size_t
words_before(const char *s, size_t line, size_t at, int words)
{
	size_t p = at;

	while (words-- > 0) {
		size_t q = p;

		while (q > line && !is_word_byte((unsigned char)s[q - 1]) && s[q - 1] != '\n')
			q--;
		if (q == line || s[q - 1] == '\n')
			break;
		while (q > line && is_word_byte((unsigned char)s[q - 1]))
			q--;
		p = q;
	}
	return p;
}

/* Adds one date the requester wrote as a date-only original, the hint
 * match.c weighs a forwarded original's date with.  A date more than a
 * day after `now` is no sending date; a repeated one counts once. */
static void
add_date(struct extracted *x, const char *s, size_t from, size_t to, int64_t now, int *n_added)
{
	char cand[128];
	struct ext_original *o;
	int64_t t;

	if (to <= from || to - from >= sizeof(cand))
		return;
	snprintf(cand, sizeof(cand), "%.*s", (int)(to - from), s + from);
	if (forward_parse_date(cand, &t) != 0 || t > now + 86400)
		return;
	for (size_t i = 0; i < x->n_originals; i++)
		if (x->originals[i].source == EXT_BODY && x->originals[i].has_date &&
		    x->originals[i].date == t)
			return;
	x->originals = xreallocarray(x->originals, x->n_originals + 1, sizeof(*x->originals));
	o = &x->originals[x->n_originals++];
	memset(o, 0, sizeof(*o));
	o->source = EXT_BODY;
	o->date = t;
	o->has_date = 1;
	o->date_day = 1; /* the tokens read never hold a time */
	(*n_added)++;
}

/* Dates the requester wrote in the follow-up ("sent on 20 November
 * 2026", "am 20.11.2026", "le 20/11/2026", "2026-11-20"): a scan for
 * date-looking tokens (a numeric d.m.y / d/m/y / y-m-d group with a
 * four-digit year, or a
 * four-digit year with the two words before it) whose candidates the
 * forward header date parser reads.  Returns how many were added. */
int
followup_add_dates(const char *text, int64_t now, struct extracted *x)
{
	size_t len, i = 0, line = 0;
	int added = 0;

	if (!text)
		return 0;
	len = strlen(text);
	while (i < len && added < DATE_SCAN_MAX && x->n_originals < EXT_MAX_IDS) {
		size_t j = i, parts = 0, digits = 0, first = 0;
		char sep = 0;

		if (text[i] == '\n') {
			line = ++i;
			continue;
		}
		if (!isdigit((unsigned char)text[i]) ||
		    (i > 0 && (is_word_byte((unsigned char)text[i - 1]) || text[i - 1] == '.' ||
			       text[i - 1] == '/' || text[i - 1] == '-' || text[i - 1] == ':' ||
			       text[i - 1] == '@' || text[i - 1] == '<'))) {
			i++;
			continue;
		}
		/* one token of digits and one kind of separator */
		for (;;) {
			size_t d = j;

			while (j < len && isdigit((unsigned char)text[j]) && j - d < 5)
				j++;
			parts++;
			digits = j - d;
			if (parts == 1)
				first = digits;
			if (parts < 3 && j + 1 < len &&
			    (text[j] == '.' || text[j] == '/' || text[j] == '-') &&
			    (sep == 0 || text[j] == sep) && isdigit((unsigned char)text[j + 1])) {
				sep = text[j++];
				continue;
			}
			break;
		}
		if (j < len &&
		    (is_word_byte((unsigned char)text[j]) || text[j] == '@' || text[j] == '>' ||
		     ((text[j] == '.' || text[j] == '/' || text[j] == '-') && j + 1 < len &&
		      isdigit((unsigned char)text[j + 1])))) {
			i = j; /* part of an id, a version, a longer number */
			continue;
		}
		if (parts == 3 && (first == 4 || digits == 4)) /* not "1.2.3" */
			add_date(x, text, i, j, now, &added);
		else if (parts == 1 && digits == 4)
			add_date(x, text, words_before(text, line, i, DATE_WORDS_BEFORE), j, now,
				 &added);
		i = j;
	}
	return added;
}

/* ---- deciding ----------------------------------------------------------- */

/* The message with queue ID `qid` of the account as the only match, with
 * the extracted recipients as focus.  1 when found, 0 when gone. */
static int
load_message(struct store *st, const char *qid, int64_t account_id, const struct extracted *x,
	     struct match_result *m, char *err, size_t errlen)
{
	if (!qid)
		return 0;
	if (store_find_by_queue_id(st, qid, account_id, STORE_WITH_TRANSCRIPTS, &m->msgs) < 0) {
		snprintf(err, errlen, "lookup: %s", store_errmsg(st));
		return -1;
	}
	if (m->msgs.n == 0) /* purged, or not the account's (queue IDs are unique) */
		return 0;
	m->scores = xcalloc(m->msgs.n, sizeof(*m->scores));
	for (size_t i = 0; i < m->msgs.n; i++) {
		m->scores[i].score = 1.0;
		m->scores[i].via = "follow-up";
	}
	m->focus = xcalloc(x->n_recipients + 1, sizeof(char *));
	for (size_t i = 0; i < x->n_recipients; i++)
		m->focus[m->n_focus++] = xstrdup(x->recipients[i]);
	m->candidates = json_array();
	m->outcome = OUTCOME_FOUND;
	return 1;
}

/* 1 when the follow-up brings a message of its own (an attached or
 * forwarded original, a Message-ID written in its text): it asks about
 * that one, not for the next step of the earlier answer.  The ids of its
 * References header do not count: they are the conversation's. */
static int
names_another(const struct extracted *x)
{
	if (x->n_originals > 0)
		return 1;
	for (size_t i = 0; i < x->n_ids; i++)
		if (x->ids[i].source == EXT_ATTACHED || x->ids[i].source == EXT_INLINE ||
		    x->ids[i].source == EXT_BODY)
			return 1;
	return 0;
}

/* Runs the matching again with the follow-up's and the earlier
 * complaint's identifiers together. */
static int
rematch(struct store *st, const struct settings *s, const struct complaint *c, const char *stripped,
	const struct policy_decision *d, struct extracted *x, const struct request_ref *ref,
	int64_t now, const char *note_text, struct match_result *m, enum outcome *outcome,
	char *why, size_t whylen, char *err, size_t errlen)
{
	struct match_query q = {
		.account_id = d->account_id,
		.x = x,
		.complaint_subject = c->subject,
		.complaint_date = c->has_date ? c->date : 0,
		.now = now,
		.window_days = s->match_window_days > 0 ? s->match_window_days : 30,
		.store_flags = STORE_WITH_TRANSCRIPTS,
	};

	add_text_recipients(st, s, d, stripped, x);
	followup_add_dates(stripped, now, x);
	merge_extracted(x, ref->extracted, our_host(s));
	if (match_find(st, &q, m, err, errlen) != 0)
		return -1;
	*outcome = m->outcome;
	snprintf(why, whylen, "follow-up to request %lld%s, matched again with its identifiers: %s",
		 (long long)ref->id, note_text, m->why);
	return 0;
}

static int
find_ref(struct store *st, const struct complaint *c, const char *host, struct request_ref *ref,
	 char *err, size_t errlen)
{
	const struct cpl_strings *lists[2] = { &c->in_reply_to, &c->references };
	int rc;

	for (int l = 0; l < 2; l++) {
		/* In-Reply-To first; then References, the newest (last) first */
		for (size_t k = lists[l]->n; k-- > 0;) {
			const char *id = lists[l]->v[k];

			if (!id_is_ours(id, host))
				continue;
			rc = store_request_by_reply_id(st, id, ref);
			if (rc == STORE_OK)
				return 1;
			if (rc != STORE_ENOTFOUND) {
				snprintf(err, errlen, "request log: %s", store_errmsg(st));
				return -1;
			}
		}
	}
	return 0;
}

int
followup_decide(struct store *st, const struct settings *s, const struct complaint *c,
		const char *stripped, const struct policy_decision *d, struct extracted *x,
		int64_t now, struct followup *f, struct match_result *m, enum outcome *outcome,
		char *why, size_t whylen, char *err, size_t errlen)
{
	struct request_ref ref;
	const char *host = our_host(s);
	int rc, same, k = 0;

	memset(f, 0, sizeof(*f));
	memset(m, 0, sizeof(*m));
	memset(&ref, 0, sizeof(ref));
	drop_our_ids(x, host);
	rc = find_ref(st, c, host, &ref, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*outcome = OUTCOME_IGNORED;
		f->no_reply = 1;
		snprintf(why, whylen,
			 "reply to a reply of ours that the request log does not hold"
			 " (purged, or not ours): not answered again");
		return 0;
	}
	f->of = ref.id;
	f->thread_id = ref.thread_id;
	f->language = xstrdup_or_null(ref.language);
	same = (ref.requester && d->requester && strcasecmp(ref.requester, d->requester) == 0) ||
	       (ref.account_id > 0 && ref.account_id == d->account_id);
	if (!same) {
		*outcome = OUTCOME_UNAUTHORIZED;
		f->no_reply = 1;
		snprintf(why, whylen,
			 "follow-up from %.200s to request %lld of another requester: nothing said",
			 d->requester ? d->requester : "?", (long long)ref.id);
		goto out;
	}
	if (s->follow_up_days <= 0 || now - ref.decided_at > (int64_t)s->follow_up_days * 86400) {
		*outcome = OUTCOME_IGNORED;
		f->no_reply = 1;
		snprintf(why, whylen,
			 "follow-up to request %lld came after the follow-up window (%d days):"
			 " not answered again",
			 (long long)ref.id, s->follow_up_days);
		goto out;
	}
	if (ref.outcome && strcmp(ref.outcome, "ambiguous") == 0) {
		json_t *cands = ref.matches ? json_loads(ref.matches, 0, NULL) : NULL;
		size_t n = json_array_size(cands);
		const char *qid;

		if (n > MATCH_MAX_AMBIGUOUS)
			n = MATCH_MAX_AMBIGUOUS;
		k = followup_choice(stripped, cands, n);
		qid = k > 0 ? json_string_value(json_object_get(
				  json_array_get(cands, (size_t)k - 1), "queue_id")) :
			      NULL;
		rc = k > 0 ? load_message(st, qid, d->account_id, x, m, err, errlen) : 0;
		if (rc == 1)
			snprintf(why, whylen,
				 "follow-up to request %lld: the requester chose candidate %d"
				 " (queue %.100s)",
				 (long long)ref.id, k, qid);
		json_decref(cands);
		if (rc < 0)
			goto fail;
		if (rc == 1) {
			*outcome = OUTCOME_FOUND;
			goto out;
		}
		match_result_free(m);
		rc = rematch(st, s, c, stripped, d, x, &ref, now,
			     k < 0 ? " (it named several candidates)" : " (it named no candidate)",
			     m, outcome, why, whylen, err, errlen);
		if (rc < 0)
			goto fail;
		goto out;
	}
	if (ref.outcome && strcmp(ref.outcome, "found") == 0 && !names_another(x)) {
		if (lang_is_thanks_only(stripped)) {
			*outcome = OUTCOME_IGNORED;
			f->no_reply = 1;
			snprintf(why, whylen, "follow-up to request %lld is a thank-you",
				 (long long)ref.id);
			goto out;
		}
		rc = load_message(st, ref.matched_queue_id, d->account_id, x, m, err, errlen);
		if (rc < 0)
			goto fail;
		if (rc == 1) {
			*outcome = OUTCOME_FOUND;
			f->next_step = 1;
			snprintf(why, whylen,
				 "follow-up to request %lld%s: the next step for queue %.100s",
				 (long long)ref.id,
				 lang_says_still_missing(stripped) ? " (still missing)" : "",
				 ref.matched_queue_id);
			goto out;
		}
		match_result_free(m);
	}
	if (rematch(st, s, c, stripped, d, x, &ref, now, "", m, outcome, why, whylen, err, errlen) <
	    0)
		goto fail;
out:
	request_ref_free(&ref);
	return 0;
fail:
	request_ref_free(&ref);
	return -1;
}

void
followup_free(struct followup *f)
{
	if (!f)
		return;
	free(f->language);
	memset(f, 0, sizeof(*f));
}
