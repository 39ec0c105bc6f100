/*
 * forward.c - finding the forwarded original in a complaint's text body.
 *
 * The body is read as lines (forward_text.c).  Top-down, the first line
 * that starts a forward wins:
 *   - a separator line: "---------- Forwarded message ---------",
 *     "Begin forwarded message:", "-----Original Message-----" and their
 *     translations (forward_labels.c), followed by a header block; Yahoo
 *     writes the whole block on the separator's line;
 *   - an Outlook rule line "______" or an unknown dashed line, followed by
 *     a header block;
 *   - a header block on its own (New Outlook, Outlook 2013): at least
 *     From and two more fields;
 *   - an "On <date>, <name> <addr> wrote:" line (forward_wrote.c), which
 *     Outlook 2019 writes instead of a block.
 * The first kind is a forward whatever the subject says.  The middle two
 * are also what replies quote, so they count only when the forwarding
 * subject is absent or a forward ("Fw:", "WG:", "TR:" ...); the last only
 * with a forward subject.
 *
 * A header block is consecutive "Label: value" lines (localized labels,
 * any order, optionally quoted with '>' or bold with '*'), after at most
 * two blank lines; To/Cc lines ending in ',' or ';' may continue on the
 * next line.  The original's body is everything after the block, with the
 * block's quote marks and a common indent removed; the forwarder's
 * message is everything above it.
 *
 * SECURITY: the body is anyone's text.  At most FWD_MAX_INPUT bytes and
 * FWD_SCAN_LINES lines are searched; each candidate looks at no more than
 * FWD_MAX_BLOCK lines, and a failed run of field lines is skipped as a
 * whole, so the work is linear.  Values are capped at FWD_MAX_FIELD bytes
 * and lists at FWD_MAX_ADDRS entries.  No regular expressions.
 */
#include "responder/forward/forward.h"
#include "responder/forward/forward_int.h"
#include "responder/forward/forward_text.h"
#include "responder/forward/forward_wrote.h"
#include "common/buf.h"
#include "common/xalloc.h"

#include <string.h>

enum block_kind { BK_STRONG, BK_WEAK, BK_WROTE };

struct block {
	enum block_kind kind;
	size_t start;	     /* first line of the block */
	size_t body;	     /* first line after it */
	int depth;	     /* quote marks on the header lines */
	char *val[FF_COUNT]; /* owned; first value of each field */
	const char *lang;    /* language of the labels, when one says */
	int nfields;
	struct fwd_wrote wrote; /* BK_WROTE */
};

static void
block_clear(struct block *b)
{
	for (int f = 0; f < FF_COUNT; f++)
		free(b->val[f]);
	free(b->wrote.from.name);
	free(b->wrote.from.address);
	free(b->wrote.date_text);
	memset(b, 0, sizeof(*b));
}

static void
block_set(struct block *b, enum fwd_field f, const char *v, size_t n, const char *lang)
{
	if (f == FF_NONE || f == FF_OTHER || b->val[f] != NULL)
		return;
	fwd_trim(&v, &n);
	if (n > FWD_MAX_FIELD)
		n = FWD_MAX_FIELD;
	b->val[f] = xstrndup(v, n);
	b->nfields++;
	/* the language of a non-English label settles shared month names */
	if (lang != NULL && (b->lang == NULL || strcmp(b->lang, "en") == 0))
		b->lang = lang;
}

/* A block is usable with a From and `need` fields in all. */
static int
block_ok(const struct block *b, int need)
{
	return b->val[FF_FROM] != NULL && b->val[FF_FROM][0] != '\0' && b->nfields >= need;
}

/* The line after at most two blank lines from j on, when it is a field
 * the block has not got yet (so the block goes on there); else j. */
static size_t
resumes(const struct fwd_text *t, size_t j, const struct block *b)
{
	for (size_t k = j + 1; k < t->nlines && k <= j + 2; k++) {
		const char *v, *val, *lang;
		size_t n, vn;
		int depth;
		enum fwd_field f;

		fwd_view(t, k, &v, &n, &depth);
		if (n == 0)
			continue;
		f = fwd_field_line(v, n, &lang, &val, &vn);
		return f != FF_NONE && f != FF_OTHER && b->val[f] == NULL ? k : j;
	}
	return j;
}

/* 1 when line j (not a field) goes on with the value before it: that
 * value left a bracket open, or the next line is a field again and the
 * value is not an address list (those wrap on ',' or ';' only). */
static int
continues(const struct fwd_text *t, size_t j, const char *prev)
{
	const char *v, *val, *lang;
	size_t n, vn, pl = strlen(prev);
	int depth, open = 0;

	for (size_t i = 0; i < pl; i++)
		open += prev[i] == '[' || prev[i] == '<' || prev[i] == '(';
	for (size_t i = 0; i < pl; i++)
		open -= prev[i] == ']' || prev[i] == '>' || prev[i] == ')';
	if (open > 0)
		return 1;
	if (j + 1 >= t->nlines)
		return 0;
	fwd_view(t, j + 1, &v, &n, &depth);
	return n > 0 && fwd_field_line(v, n, &lang, &val, &vn) != FF_NONE;
}

/*
 * Header field lines from line i on.  Returns the index after the last
 * field line (b->body), or i when none.  *run_end_r gets the end of the
 * run of field lines for skipping.
 */
static size_t
parse_fields(const struct fwd_text *t, size_t i, struct block *b, size_t *run_end_r)
{
	size_t j = i, last = i, blanks = 0, lines = 0, k;
	enum fwd_field prev = FF_NONE;

	for (; j < t->nlines && lines < FWD_MAX_BLOCK; j++, lines++) {
		const char *v, *val, *lang;
		size_t n, vn;
		int depth;
		enum fwd_field f;

		fwd_view(t, j, &v, &n, &depth);
		if (n == 0) {
			if (b->nfields == 0 && blanks < 2) {
				blanks++;
				continue;
			}
			if (b->nfields > 0 && (k = resumes(t, j, b)) > j) {
				/* blank lines inside the block (BlackBerry and
				 * other mobile clients) */
				lines += k - j;
				j = k - 1;
				continue;
			}
			break;
		}
		f = fwd_field_line(v, n, &lang, &val, &vn);
		if (f == FF_NONE && prev != FF_NONE && b->val[prev] != NULL &&
		    continues(t, j, b->val[prev])) {
			/* a value wrapped onto the next line: a long Subject,
			 * "bob@x [mailto:\n bob@x]" */
			size_t pl = strlen(b->val[prev]);

			if (pl + n + 1 <= FWD_MAX_FIELD) {
				char *joined = xmalloc(pl + n + 2);

				memcpy(joined, b->val[prev], pl);
				joined[pl] = ' ';
				memcpy(joined + pl + 1, v, n);
				joined[pl + n + 1] = '\0';
				free(b->val[prev]);
				b->val[prev] = joined;
			}
			last = j + 1;
			continue;
		}
		if (f == FF_NONE) {
			/* a wrapped To/Cc list */
			if ((prev == FF_TO || prev == FF_CC) && b->val[prev] != NULL) {
				size_t pl = strlen(b->val[prev]);

				if (pl > 0 &&
				    (b->val[prev][pl - 1] == ',' || b->val[prev][pl - 1] == ';') &&
				    pl + n + 1 <= FWD_MAX_FIELD) {
					char *joined = xmalloc(pl + n + 2);

					memcpy(joined, b->val[prev], pl);
					joined[pl] = ' ';
					memcpy(joined + pl + 1, v, n);
					joined[pl + n + 1] = '\0';
					free(b->val[prev]);
					b->val[prev] = joined;
					last = j + 1;
					continue;
				}
			}
			break;
		}
		if (b->nfields == 0 && f != FF_OTHER)
			b->depth = depth;
		if (vn == 0 && f != FF_SUBJECT && f != FF_OTHER && j + 1 < t->nlines) {
			/* "From:" with the value on the next line, as HTML
			 * tables come out of the text conversion */
			const char *v2, *l2, *val2;
			size_t n2, vn2;
			int d2;

			fwd_view(t, j + 1, &v2, &n2, &d2);
			if (n2 > 0 && fwd_field_line(v2, n2, &l2, &val2, &vn2) == FF_NONE) {
				val = v2;
				vn = n2;
				j++;
				lines++;
			}
		}
		if (b->val[f] == NULL)
			block_set(b, f, val, vn, lang);
		prev = f;
		last = j + 1;
	}
	*run_end_r = last;
	b->body = last;
	return last;
}

/*
 * Yahoo's one-line block: "From: A <a@x>To: b@y ...Sent: <date>Subject: S".
 * Labels are found where they start (a capital letter followed by a
 * colon); each value runs to the next label, the subject to the end.
 */
static void
parse_inline(const char *s, size_t n, struct block *b)
{
	size_t i = 0, vstart = 0;
	enum fwd_field cur = FF_NONE;
	const char *cur_lang = NULL;

	if (n > FWD_MAX_FIELD * 2)
		n = FWD_MAX_FIELD * 2;
	while (i < n) {
		enum fwd_field f;
		const char *lang;
		size_t k = cur == FF_SUBJECT ? 0 : fwd_label_inline(s + i, n - i, &f, &lang);

		if (k == 0 || (cur != FF_NONE && i == vstart)) {
			i++;
			continue;
		}
		if (cur != FF_NONE)
			block_set(b, cur, s + vstart, i - vstart, cur_lang);
		cur = f;
		cur_lang = lang;
		i += k;
		vstart = i;
	}
	if (cur != FF_NONE)
		block_set(b, cur, s + vstart, n - vstart, cur_lang);
}

/* Separator kinds of a line view. */
enum sep { SEP_NONE, SEP_STRONG, SEP_RULE };

static enum sep
separator(const char *v, size_t n, const char **rest_r, size_t *restn_r)
{
	size_t i = 0, dashes = 0, p0, p1;

	*rest_r = NULL;
	*restn_r = 0;
	if (n >= 8) {
		size_t u = 0;

		while (u < n && v[u] == '_')
			u++;
		if (u == n)
			return SEP_RULE;
	}
	while (i < n && (v[i] == '-' || v[i] == ' ')) {
		dashes += v[i] == '-';
		i++;
	}
	if (dashes < 2) {
		/* "Begin forwarded message:", "Forwarded message:" */
		size_t m = n;

		if (n > 80)
			return SEP_NONE;
		while (m > 0 && (v[m - 1] == ':' || v[m - 1] == ' '))
			m--;
		return fwd_separator_phrase(v, m, 1) ? SEP_STRONG : SEP_NONE;
	}
	p0 = i;
	p1 = p0;
	while (p1 < n && !(v[p1] == '-' && p1 + 1 < n && v[p1 + 1] == '-'))
		p1++;
	if (p1 >= n && p1 - p0 > 80)
		return SEP_NONE;
	{
		size_t m = p1, r = p1;

		while (m > p0 && (v[m - 1] == ' ' || v[m - 1] == ':'))
			m--;
		while (r < n && (v[r] == '-' || v[r] == ' '))
			r++;
		if (r < n && p1 < n) {
			/* "Preposlaná správa --- Forwarded Message ---": a second
			 * phrase, not Yahoo's fields */
			size_t e = r;

			while (e < n && !(v[e] == '-' && e + 1 < n && v[e + 1] == '-'))
				e++;
			if (e == n || !fwd_separator_phrase(v + r, e - r, 0)) {
				*rest_r = v + r;
				*restn_r = n - r;
			}
		}
		if (m > p0 && fwd_separator_phrase(v + p0, m - p0, 0))
			return SEP_STRONG;
		/* an unknown phrase between dashes: like Outlook's rule */
		return p1 < n && *restn_r == 0 ? SEP_RULE : SEP_NONE;
	}
}

/* Tries a "wrote:" line at i (or i and i+1 when "wrote:" is wrapped). */
static int
try_wrote(const struct fwd_text *t, size_t i, struct block *b)
{
	const char *v, *v2;
	size_t n, n2;
	int depth, d2;

	fwd_view(t, i, &v, &n, &depth);
	if (n == 0 || memchr(v, '@', n) == NULL)
		return 0;
	if (fwd_wrote_parse(v, n, NULL, &b->wrote) == 0) {
		b->body = i + 1;
	} else if (i + 1 < t->nlines) {
		struct buf j;
		int ok;

		fwd_view(t, i + 1, &v2, &n2, &d2);
		if (n2 == 0 || n2 > 40 || n + n2 > 500)
			return 0;
		buf_init(&j, 1024);
		buf_append(&j, v, n);
		buf_putc(&j, ' ');
		buf_append(&j, v2, n2);
		ok = fwd_wrote_parse(buf_cstr(&j), j.len, NULL, &b->wrote) == 0;
		buf_free(&j);
		if (!ok)
			return 0;
		b->body = i + 2;
	} else {
		return 0;
	}
	b->kind = BK_WROTE;
	b->start = i;
	b->depth = depth;
	return 1;
}

/* Cheap test before try_wrote(): an '@' and a colon at the end of this
 * line or of a short next line ("...<a@x>\nwrote:"). */
static int
wrote_candidate(const struct fwd_text *t, size_t i, const char *v, size_t n)
{
	const char *v2;
	size_t n2;
	int d2;

	if (memchr(v, '@', n) == NULL)
		return 0;
	if (v[n - 1] == ':')
		return 1;
	if (i + 1 >= t->nlines)
		return 0;
	fwd_view(t, i + 1, &v2, &n2, &d2);
	return n2 > 0 && n2 <= 40 && v2[n2 - 1] == ':';
}

/* The first acceptable block; 1 when found. */
static int
find_block(const struct fwd_text *t, enum fwd_subject_kind sk, struct block *b)
{
	size_t limit = t->nlines < FWD_SCAN_LINES ? t->nlines : FWD_SCAN_LINES;
	/* The costly candidates (a one-line block searched for labels at every
	 * byte, a "wrote:" line searched for verbs) get a few tries each, so
	 * text made of near-misses stays linear. */
	int inline_tries = FWD_MAX_TRIES, wrote_tries = FWD_MAX_TRIES;

	for (size_t i = 0; i < limit; i++) {
		const char *v, *rest, *val, *lang;
		size_t n, restn, vn, run_end;
		int depth;
		enum sep sp;

		fwd_view(t, i, &v, &n, &depth);
		if (n == 0)
			continue;
		sp = separator(v, n, &rest, &restn);
		if (sp == SEP_STRONG && restn > 0 && inline_tries-- > 0) {
			/* Yahoo: the fields follow on the separator's line (some
			 * of them may still come on the next lines) */
			parse_inline(rest, restn, b);
			b->depth = depth;
			b->body = i + 1;
			if (!block_ok(b, 2) && b->nfields > 0)
				parse_fields(t, i + 1, b, &run_end);
			if (block_ok(b, 2)) {
				b->kind = BK_STRONG;
				b->start = i;
				return 1;
			}
			block_clear(b);
			/* else: text after the separator, fields on the next lines */
		}
		if (sp != SEP_NONE) {
			parse_fields(t, i + 1, b, &run_end);
			if (block_ok(b, 2) && (sp == SEP_STRONG || sk != FWD_SUBJ_OTHER)) {
				b->kind = sp == SEP_STRONG ? BK_STRONG : BK_WEAK;
				b->start = i;
				return 1;
			}
			block_clear(b);
			continue;
		}
		if (fwd_field_line(v, n, &lang, &val, &vn) != FF_NONE) {
			parse_fields(t, i, b, &run_end);
			if (block_ok(b, 3) && sk != FWD_SUBJ_OTHER) {
				b->kind = BK_WEAK;
				b->start = i;
				return 1;
			}
			block_clear(b);
			if (run_end > i + 1)
				i = run_end - 1; /* no block starts inside a failed run */
			continue;
		}
		if (sk == FWD_SUBJ_FORWARD && wrote_tries > 0 && wrote_candidate(t, i, v, n)) {
			wrote_tries--;
			if (try_wrote(t, i, b))
				return 1;
		}
		block_clear(b);
	}
	return 0;
}

static void
fill_list(const char *v, struct fwd_address **list_r, size_t *n_r)
{
	if (v != NULL)
		fwd_addr_list(v, strlen(v), list_r, n_r, FWD_MAX_ADDRS);
}

static void
fill(const struct fwd_text *t, struct block *b, const char *subject, struct fwd_original *out)
{
	out->message = b->start > 0 ? fwd_text_range(t, 0, b->start, 0, 0) : NULL;
	out->body = fwd_text_range(t, b->body, t->nlines, b->depth, b->depth == 0);
	out->block_start = t->lines[b->start].off;
	out->block_end = b->body < t->nlines ? t->lines[b->body].off : t->end;
	if (b->kind == BK_WROTE) {
		out->from = b->wrote.from;
		b->wrote.from.name = b->wrote.from.address = NULL;
		out->date_text = b->wrote.date_text;
		b->wrote.date_text = NULL;
		out->date = b->wrote.date;
		if (subject != NULL) {
			const char *s = fwd_subject_strip(subject);
			size_t n = strlen(s);

			fwd_trim(&s, &n);
			out->subject =
			    n > 0 ? xstrndup(s, n < FWD_MAX_FIELD ? n : FWD_MAX_FIELD) : NULL;
		}
		return;
	}
	if (b->val[FF_FROM] != NULL) {
		struct fwd_address *list = NULL;
		size_t nl = 0;

		fill_list(b->val[FF_FROM], &list, &nl);
		if (nl > 0) {
			out->from = list[0];
			for (size_t i = 1; i < nl; i++) {
				free(list[i].name);
				free(list[i].address);
			}
		}
		free(list);
	}
	fill_list(b->val[FF_TO], &out->to, &out->n_to);
	fill_list(b->val[FF_CC], &out->cc, &out->n_cc);
	out->subject = b->val[FF_SUBJECT];
	b->val[FF_SUBJECT] = NULL;
	if (out->subject != NULL && out->subject[0] == '\0') {
		free(out->subject);
		out->subject = NULL;
	}
	out->date_text = b->val[FF_DATE];
	b->val[FF_DATE] = NULL;
	out->lang = b->lang;
	if (out->date_text != NULL &&
	    fwd_parse_date_lang(out->date_text, strlen(out->date_text), b->lang, &out->date) < 0)
		out->date = 0;
}

int
forward_parse(const char *body, const char *subject, struct fwd_original *out)
{
	struct fwd_text t;
	struct block b;
	int found;

	memset(out, 0, sizeof(*out));
	if (body == NULL)
		return 0;
	memset(&b, 0, sizeof(b));
	fwd_text_init(&t, body, strnlen(body, FWD_MAX_INPUT));
	found = find_block(&t, fwd_subject_kind(subject), &b);
	if (found)
		fill(&t, &b, subject, out);
	block_clear(&b);
	fwd_text_free(&t);
	return found;
}

size_t
forward_parse_all(const char *body, const char *subject, struct fwd_original *out, size_t max)
{
	size_t n = 0;
	const char *text = body, *subj = subject;

	while (n < max && text != NULL && forward_parse(text, subj, &out[n])) {
		text = out[n].body;
		/* an inner level counts as forwarded when its subject says so;
		 * otherwise only its separator and header blocks are taken */
		subj =
		    out[n].subject != NULL && fwd_subject_kind(out[n].subject) == FWD_SUBJ_FORWARD ?
			out[n].subject :
			NULL;
		n++;
	}
	return n;
}

void
forward_free(struct fwd_original *f)
{
	if (f == NULL)
		return;
	free(f->message);
	free(f->from.name);
	free(f->from.address);
	for (size_t i = 0; i < f->n_to; i++) {
		free(f->to[i].name);
		free(f->to[i].address);
	}
	free(f->to);
	for (size_t i = 0; i < f->n_cc; i++) {
		free(f->cc[i].name);
		free(f->cc[i].address);
	}
	free(f->cc);
	free(f->subject);
	free(f->date_text);
	free(f->body);
	memset(f, 0, sizeof(*f));
}
