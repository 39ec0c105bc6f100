/*
 * mime_out.c - writing headers, multipart structure and bodies of outgoing
 * mail (see mime_out.h).
 *
 * SECURITY: every value that reaches a header here is either checked
 * (addresses, message-ids) by the caller or goes through
 * mime_clean_text() and then RFC 2047 encoding, so no CR/LF from a
 * complaint or a remote server can start a new header line.  A boundary,
 * name or filename goes into a quoted parameter only without any
 * character that could end the quote or the line (param_ok()).
 */
#include "responder/reply/mime_out.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/base64.h"
#include "common/utf8.h"
#include "common/xalloc.h"

/* ---- cleaning ----------------------------------------------------------- */

/* The MIME writer's policy: controls and bidi formatting removed, U+2028
 * and U+2029 end a line like CR and LF; one line is trimmed. */
#define MIME_CLEAN_FLAGS (UTF8_DROP_CONTROLS | UTF8_DROP_BIDI | UTF8_LS_PS_ENDS_LINE)

char *
mime_clean_text(const char *s, size_t n, int multiline)
{
	if (multiline)
		return utf8_clean_lines(s, n, 0, MIME_CLEAN_FLAGS | UTF8_CR_ENDS_LINE);
	return utf8_clean_line(s, n, 0, MIME_CLEAN_FLAGS | UTF8_TRIM);
}

char *
mime_clean(const char *s, int multiline)
{
	return mime_clean_text(s, s ? strlen(s) : 0, multiline);
}

int
mime_utf8_valid(const char *s, size_t n, size_t *bad_r)
{
	return utf8_valid(s, n, bad_r);
}

int
mime_utf8_truncate(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return 0;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
	return 1;
}

/* ---- headers ------------------------------------------------------------ */

/* Writes tokens separated by single spaces after "Name:", starting a new
 * folded line before a token that would pass MIME_LINE_MAX. */
struct folder {
	struct buf *b;
	size_t col;
	int rc;
};

static void
fold_start(struct folder *f, struct buf *b, const char *name)
{
	f->b = b;
	f->rc = buf_printf(b, "%s:", name);
	f->col = strlen(name) + 1;
}

static void
fold_token(struct folder *f, const char *tok, size_t n)
{
	if (f->col > 1 && f->col + 1 + n > MIME_LINE_MAX) {
		f->rc |= buf_puts(f->b, "\r\n");
		f->col = 0;
	}
	f->rc |= buf_putc(f->b, ' ');
	f->rc |= buf_append(f->b, tok, n);
	f->col += 1 + n;
}

static int
fold_end(struct folder *f)
{
	f->rc |= buf_puts(f->b, "\r\n");
	return f->rc ? -1 : 0;
}

/* Splits an ASCII value on spaces (runs collapse) into folded tokens. */
static void
fold_words(struct folder *f, const char *v)
{
	const char *w;

	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
			v++;
		w = v;
		while (*v && *v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
			v++;
		if (v > w)
			fold_token(f, w, (size_t)(v - w));
	}
}

int
mime_put_header(struct buf *b, const char *name, const char *value)
{
	struct folder f;
	fold_start(&f, b, name);
	fold_words(&f, value);
	return fold_end(&f);
}

static int
plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return strstr(s, "=?") == NULL;
}

/* Plain ASCII that folds at its spaces into lines of at most 78: no word
 * longer than a line can hold after a header name. */
static int
plain_foldable(const char *s, size_t max_word)
{
	size_t run = 0;

	if (!plain_ascii(s))
		return 0;
	for (; *s; s++) {
		run = *s == ' ' ? 0 : run + 1;
		if (run > max_word)
			return 0;
	}
	return 1;
}

/* RFC 2047 "Q" encoded words, each at most 66 characters so that even the
 * first one fits after a header name, split between UTF-8 characters. */
#define EW_MAX 66
static void
fold_encoded(struct folder *f, const char *utf8)
{
	static const char pre[] = "=?UTF-8?Q?", hex[] = "0123456789ABCDEF";
	char word[EW_MAX + 8], enc[16];
	size_t wl = 0, clen, el;
	uint32_t cp;
	const unsigned char *p = (const unsigned char *)utf8;

	while (*p) {
		clen = utf8_decode((const char *)p, strlen((const char *)p), &cp);
		if (clen == 0)
			clen = 1;
		el = 0;
		for (size_t i = 0; i < clen; i++) {
			unsigned char c = p[i];
			if (c == ' ')
				enc[el++] = '_';
			else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || strchr("!*+-/", c))
				enc[el++] = (char)c;
			else {
				enc[el++] = '=';
				enc[el++] = hex[c >> 4];
				enc[el++] = hex[c & 15];
			}
		}
		if (wl > 0 && wl + el + 2 > EW_MAX) {
			word[wl++] = '?';
			word[wl++] = '=';
			fold_token(f, word, wl);
			wl = 0;
		}
		if (wl == 0) {
			memcpy(word, pre, sizeof(pre) - 1);
			wl = sizeof(pre) - 1;
		}
		memcpy(word + wl, enc, el);
		wl += el;
		p += clen;
	}
	if (wl > 0) {
		word[wl++] = '?';
		word[wl++] = '=';
		fold_token(f, word, wl);
	}
}

int
mime_put_header_text(struct buf *b, const char *name, const char *utf8)
{
	char *clean = mime_clean(utf8, 0);
	struct folder f;
	fold_start(&f, b, name);
	if (plain_foldable(clean, EW_MAX))
		fold_words(&f, clean);
	else
		fold_encoded(&f, clean);
	free(clean);
	return fold_end(&f);
}

int
mime_put_header_mailbox(struct buf *b, const char *name, const char *display, const char *addr)
{
	struct folder f;
	char *clean, *a;
	size_t al;

	clean = mime_clean(display, 0);
	mime_utf8_truncate(clean, 200);
	fold_start(&f, b, name);
	/* A quoted string is one token: only short ones go out quoted. */
	if (clean[0] && plain_ascii(clean) && strlen(clean) <= EW_MAX - 2) {
		struct buf q;
		buf_init(&q, 0);
		buf_putc(&q, '"');
		for (const char *p = clean; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		fold_token(&f, q.data, q.len);
		buf_free(&q);
	} else if (clean[0]) {
		fold_encoded(&f, clean);
	}
	free(clean);
	al = strlen(addr);
	a = xmalloc(al + 3);
	a[0] = '<';
	memcpy(a + 1, addr, al);
	a[al + 1] = '>';
	a[al + 2] = '\0';
	fold_token(&f, a, al + 2);
	free(a);
	return fold_end(&f);
}

/* ---- multipart ---------------------------------------------------------- */

/* ' filename="' and '"' leave 66 characters of a 78-character line. */
#define PARAM_VALUE_MAX 66

/* 1 when v may go into a quoted parameter (see mime_out.h): printable
 * ASCII but '"' and '\\'; a boundary only RFC 2046's bchars but space. */
static int
param_ok(const char *v, int boundary)
{
	size_t n;
	unsigned char c;

	if (!v)
		return 0;
	n = strlen(v);
	if (n == 0 || n > PARAM_VALUE_MAX)
		return 0;
	for (; *v; v++) {
		c = (unsigned char)*v;
		if (boundary && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || strchr("'()+_,-./:=?", c)))
			return 0;
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* "Name: value" and, when pval is set, ";" and param="pval" on a line of
 * its own, where a boundary or a file name is easy to find. */
static int
put_param_header(struct buf *b, const char *name, const char *value, const char *param,
		 const char *pval)
{
	struct folder f;

	fold_start(&f, b, name);
	fold_words(&f, value);
	if (pval) {
		f.rc |= buf_printf(b, ";\r\n %s=\"%s\"", param, pval);
		f.col = 1 + strlen(param) + 2 + strlen(pval) + 1;
	}
	return fold_end(&f);
}

int
mime_multipart_begin(struct buf *b, const char *subtype, const char *boundary, const char *preamble)
{
	struct buf type;
	int rc;

	if (!subtype || !param_ok(boundary, 1))
		return -1;
	buf_init(&type, 256);
	rc = buf_printf(&type, "multipart/%s", subtype);
	rc |= put_param_header(b, "Content-Type", buf_cstr(&type), "boundary", boundary);
	buf_free(&type);
	rc |= buf_puts(b, "\r\n");
	if (preamble)
		rc |= buf_printf(b, "%s\r\n\r\n", preamble);
	return rc ? -1 : 0;
}

int
mime_part_begin(struct buf *b, const char *boundary, const struct mime_part *p)
{
	struct buf type;
	int rc;

	if (!param_ok(boundary, 1))
		return -1;
	if (p && (!p->type || (p->name && !param_ok(p->name, 0)) ||
		  (p->filename && (!p->disposition || !param_ok(p->filename, 0)))))
		return -1;
	rc = buf_printf(b, "--%s\r\n", boundary);
	if (!p)
		return rc ? -1 : 0;
	buf_init(&type, 256);
	if (p->charset)
		rc |= buf_printf(&type, "%s; charset=%s", p->type, p->charset);
	else
		rc |= buf_puts(&type, p->type);
	rc |= put_param_header(b, "Content-Type", buf_cstr(&type), "name", p->name);
	buf_free(&type);
	if (p->disposition)
		rc |= put_param_header(b, "Content-Disposition", p->disposition, "filename",
				       p->filename);
	if (p->encoding)
		rc |= mime_put_header(b, "Content-Transfer-Encoding", p->encoding);
	rc |= buf_puts(b, "\r\n");
	return rc ? -1 : 0;
}

int
mime_multipart_end(struct buf *b, const char *boundary)
{
	if (!param_ok(boundary, 1))
		return -1;
	return buf_printf(b, "--%s--\r\n", boundary) ? -1 : 0;
}

/* ---- bodies ------------------------------------------------------------- */

int
mime_is_7bit_safe(const char *s, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (c == '\n') {
			if (col > 0 &&
			    (s[i - 1] == ' ' || s[i - 1] == '\t' ||
			     (s[i - 1] == '\r' && i >= 2 && (s[i - 2] == ' ' || s[i - 2] == '\t'))))
				return 0;
			col = 0;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c > 0x7e || c == '=')
			return 0;
		if (col == 0 && (c == '.' || (n - i >= 5 && memcmp(s + i, "From ", 5) == 0)))
			return 0;
		if (++col > 76)
			return 0;
	}
	return !(n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'));
}

int
mime_put_qp(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	/* The output goes through a small stage appended a few lines at a
	 * time: a byte at a time through buf_append was a fifth of the
	 * reply's composing (docs/performance.md). */
	char stage[1024];
	size_t o = 0;
	unsigned char c;
	size_t col = 0, w, need;
	int rc = 0, at_eol, encode;

	for (size_t i = 0; i < n; i++) {
		/* room for the longest step: "=\r\n" + "=XX" */
		if (o > sizeof(stage) - 8) {
			rc |= buf_append(b, stage, o);
			o = 0;
		}
		/* Printable ASCII other than '=' inside a line goes out as it
		 * is, and so does a space that another byte of its line
		 * follows: only a blank before a line end, '.' or "From " at a
		 * line's start, '=' and other bytes need the checks below. */
		while (col > 0 && col < 75 && o <= sizeof(stage) - 8 && i < n &&
		       (((unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f && s[i] != '=') ||
			/* a blank with more of its line after it */
			(s[i] == ' ' && i + 1 < n && s[i + 1] != '\n' && s[i + 1] != '\r'))) {
			stage[o++] = s[i++];
			col++;
		}
		if (i == n)
			break;
		c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (c == '\n') {
			stage[o++] = '\r';
			stage[o++] = '\n';
			col = 0;
			continue;
		}
		at_eol = i + 1 == n || s[i + 1] == '\n' ||
			 (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
		encode = c == '=' || c > 0x7e || (c < 0x20 && c != '\t') ||
			 ((c == ' ' || c == '\t') && at_eol) ||
			 (col == 0 && (c == '.' || (n - i >= 5 && memcmp(s + i, "From ", 5) == 0)));
		w = encode ? 3 : 1;
		/* A soft break leaves room for the '=' (76 in all).  Bytes of one
		 * UTF-8 character stay on one line. */
		need = w;
		if (c >= 0xc0) {
			size_t k = 1;
			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80 && k < 4)
				k++;
			need = 3 * k;
		}
		if (col + need > 75) {
			stage[o++] = '=';
			stage[o++] = '\r';
			stage[o++] = '\n';
			col = 0;
			if (c == '.' || (n - i >= 5 && memcmp(s + i, "From ", 5) == 0)) {
				encode = 1;
				w = 3;
			}
		}
		if (encode) {
			stage[o++] = '=';
			stage[o++] = hex[c >> 4];
			stage[o++] = hex[c & 15];
		} else {
			stage[o++] = (char)c;
		}
		col += w;
	}
	if (o > 0)
		rc |= buf_append(b, stage, o);
	return rc ? -1 : 0;
}

int
mime_put_crlf(struct buf *b, const char *s, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		rc |= s[i] == '\n' ? buf_puts(b, "\r\n") : buf_putc(b, s[i]);
	}
	return rc ? -1 : 0;
}

int
mime_put_base64(struct buf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	int rc = 0;
	/* 57 bytes are 76 characters: one line */
	for (size_t i = 0; i < n; i += 57) {
		rc |= base64_encode(b, p + i, n - i < 57 ? n - i : 57);
		rc |= buf_puts(b, "\r\n");
	}
	return rc ? -1 : 0;
}

/* ---- dates and ids ------------------------------------------------------ */

void
mime_date(int64_t t, char *out, size_t size)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, size, "Thu, 1 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(out, size, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
mime_human_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(out, size, "unknown time");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
mime_msgid_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 3 || n > 250 || id[0] != '<' || id[n - 1] != '>')
		return 0;
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c <= 0x20 || c > 0x7e || c == '<' || c == '>' || c == '"')
			return 0;
	}
	return 1;
}
