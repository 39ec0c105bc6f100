/*
 * forward_text.c - the line view of a complaint body that the forward
 * parser works on: splitting into lines (LF or CRLF), the "view" of a line
 * without quote marks and blanks, header field lines ("Label: value",
 * also "*Label:* value" and full-width colons), and turning a range of
 * lines back into text (the forwarder's message, the original's body)
 * with quote marks, a common indent, BOMs and trailing blanks removed.
 *
 * SECURITY: the text is the complaint's.  At most FWD_MAX_LINES lines are
 * kept, quote depth is capped, and the output is at most the input size.
 */
#include "responder/forward/forward_text.h"
#include "common/buf.h"
#include "common/xalloc.h"

#include <string.h>

#define MAX_DEPTH 32
#define LABEL_SEARCH 64 /* bytes searched for the label's colon */

void
fwd_text_init(struct fwd_text *t, const char *s, size_t n)
{
	size_t i = 0, cap = 0;

	t->s = s;
	t->n = n;
	t->lines = NULL;
	t->nlines = 0;
	while (i < n && t->nlines < FWD_MAX_LINES) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, len = end - i;

		if (len > 0 && s[end - 1] == '\r')
			len--;
		if (t->nlines == cap) {
			cap = cap ? cap * 2 : 64;
			t->lines = xreallocarray(t->lines, cap, sizeof(*t->lines));
		}
		t->lines[t->nlines].off = i;
		t->lines[t->nlines].len = len;
		t->nlines++;
		i = nl ? end + 1 : n;
	}
	t->end = i;
}

void
fwd_text_free(struct fwd_text *t)
{
	free(t->lines);
	t->lines = NULL;
	t->nlines = 0;
}

size_t
fwd_line_end(const struct fwd_text *t, size_t i)
{
	return i + 1 < t->nlines ? t->lines[i + 1].off : t->end;
}

void
fwd_view(const struct fwd_text *t, size_t i, const char **v_r, size_t *n_r, int *depth_r)
{
	const char *v = t->s + t->lines[i].off;
	size_t n = t->lines[i].len, k;
	int depth = 0;

	while (n > 0 && fwd_is_space_at(v, n, &k)) {
		v += k;
		n -= k;
	}
	while (n > 0 && *v == '>' && depth < MAX_DEPTH) {
		depth++;
		v++;
		n--;
		while (n > 0 && fwd_is_space_at(v, n, &k)) {
			v += k;
			n -= k;
		}
	}
	fwd_trim(&v, &n);
	*v_r = v;
	*n_r = n;
	*depth_r = depth;
}

enum fwd_field
fwd_field_line(const char *v, size_t n, const char **lang_r, const char **val_r, size_t *valn_r)
{
	size_t i, clen = 0, lim = n < LABEL_SEARCH ? n : LABEL_SEARCH;
	const char *label, *val;
	size_t ln, vn;
	enum fwd_field f;

	while (n > 0 && *v == '*') {
		v++;
		n--;
	}
	for (i = 0; i < lim && i < n; i++) {
		if (v[i] == ':') {
			clen = 1;
			break;
		}
		if (i + 3 <= n && memcmp(v + i, "\xEF\xBC\x9A", 3) == 0) {
			clen = 3;
			break;
		}
	}
	if (clen == 0)
		return FF_NONE;
	label = v;
	ln = i;
	fwd_trim(&label, &ln);
	while (ln > 0 && label[ln - 1] == '*')
		ln--;
	fwd_trim(&label, &ln);
	if (ln == 0)
		return FF_NONE;
	f = fwd_label_lookup(label, ln, lang_r);
	if (f == FF_NONE)
		return FF_NONE;
	val = v + i + clen;
	vn = n - i - clen;
	for (;;) {
		fwd_trim(&val, &vn);
		if (vn > 0 && *val == '*') {
			val++;
			vn--;
			continue;
		}
		break;
	}
	*val_r = val;
	*valn_r = vn;
	return f;
}

/* Removes BOMs and blanks at the end of a line while appending it. */
static void
put_line(struct buf *out, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		size_t found = 0;

		for (size_t j = 1; j <= 3 && j <= n; j++) {
			if (fwd_is_space_at(p + n - j, j, &k) && k == j) {
				found = j;
				break;
			}
		}
		if (found == 0)
			break;
		n -= found;
	}
	while (n > 0) {
		const char *bom = memmem(p, n, "\xEF\xBB\xBF", 3);
		size_t run = bom ? (size_t)(bom - p) : n;

		buf_append(out, p, run);
		if (bom == NULL)
			break;
		p += run + 3;
		n -= run + 3;
	}
}

/* Strips `levels` quote marks ('>' and one blank after each). */
static void
unquote(const char **p, size_t *n, int levels)
{
	for (int l = 0; l<levels && * n> 0 && **p == '>'; l++) {
		(*p)++;
		(*n)--;
		if (*n > 0 && (**p == ' ' || **p == '\t')) {
			(*p)++;
			(*n)--;
		}
	}
}

static int
blank(const char *p, size_t n)
{
	fwd_trim(&p, &n);
	return n == 0;
}

char *
fwd_text_range(const struct fwd_text *t, size_t from, size_t to, int depth, int unquote_all)
{
	struct buf out;
	size_t indent = (size_t)-1, first = to, last = from;
	int levels = depth;

	if (to > t->nlines)
		to = t->nlines;
	if (levels == 0 && unquote_all) {
		/* Missive quotes the whole original body without quoting the
		 * header: strip one level when every non-blank line has it. */
		int all = 0;

		for (size_t i = from; i < to; i++) {
			const char *p = t->s + t->lines[i].off;
			size_t n = t->lines[i].len;

			if (blank(p, n))
				continue;
			if (*p != '>') {
				all = 0;
				break;
			}
			all = 1;
		}
		levels = all;
	}
	for (size_t i = from; i < to; i++) {
		const char *p = t->s + t->lines[i].off;
		size_t n = t->lines[i].len, sp = 0;

		unquote(&p, &n, levels);
		if (blank(p, n))
			continue;
		if (i < first)
			first = i;
		last = i;
		while (sp < n && p[sp] == ' ')
			sp++;
		if (sp < indent)
			indent = sp;
	}
	if (first >= to)
		return NULL;
	buf_init(&out, t->n + 1);
	for (size_t i = first; i <= last; i++) {
		const char *p = t->s + t->lines[i].off;
		size_t n = t->lines[i].len, k;

		unquote(&p, &n, levels);
		if (!blank(p, n)) {
			p += indent;
			n -= indent;
			/* the text starts at its first non-blank character
			 * (Yahoo puts a space before the body) */
			while (i == first && n > 0 && fwd_is_space_at(p, n, &k)) {
				p += k;
				n -= k;
			}
			put_line(&out, p, n);
		}
		if (i < last)
			buf_putc(&out, '\n');
	}
	return buf_steal(&out, NULL);
}
