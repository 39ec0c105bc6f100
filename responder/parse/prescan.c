/*
 * prescan.c - a cheap, linear look at raw complaint bytes before libetpan
 * sees them: size cap, length of the top header block's lines, number of
 * Content-Type fields, a bound on MIME nesting, and boundary sanity.
 *
 * SECURITY: libetpan 1.9.4 overflows the heap on boundary="\"" (also when
 * written as an RFC 2047 word, because it decodes the whole Content-Type
 * value first), recurses without bound on deep nesting and is quadratic on
 * nested multiparts (notes 2.9).  This scan refuses those shapes; the
 * sandbox child catches what it misses.  Nothing here allocates more than
 * one capped field buffer.
 *
 * Only header blocks libetpan parses as MIME need a safe boundary: the top
 * block, the block after a delimiter line of a boundary declared so far,
 * and the block that starts the body of an unencoded message/ part.  A
 * Content-Type quoted in a text body (pasted headers, a bounce that copies
 * the original's, "boundary=3D" in quoted-printable) is only text there.
 * The scan errs on the side of a header: a line that starts with "--" and
 * a declared boundary opens a header block even if libetpan would not take
 * it for a delimiter, and a shape it cannot follow (a multipart without a
 * boundary it can read, multipart/digest whose parts default to messages,
 * more boundaries than it keeps) makes it check every Content-Type line of
 * the rest, as if all were headers.
 */
#include "responder/parse/prescan.h"
#include "common/base64.h"
#include "common/rfc2047.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CT_VALUE_MAX 8192
#define BOUNDARY_MAX 200 /* longer ones are refused (boundary_ok) */

/* Where the scan is in the MIME structure, as far as it can follow it.
 * The open composites form a stack: a multipart pushes its boundary, an
 * unencoded message/ part pushes a marker (""), a delimiter line of a
 * boundary on the stack pops what lies above it (those parts ended) and a
 * close delimiter pops the boundary too.  The stack's height is the
 * nesting depth libetpan will recurse to; 900 sibling parts keep it at 2. */
struct mime_pos {
	char bnd[PRESCAN_MAX_COMPOSITES][BOUNDARY_MAX + 1];
	unsigned n_bnd; /* height of the stack */
	int too_deep;	/* a push above PRESCAN_MAX_COMPOSITES */
	int strict;	/* lost track: every Content-Type line is checked */
	int in_hdr;	/* in a header block libetpan parses */
	int blk_msg;	/* this block says message/: its body starts with headers */
	int blk_enc;	/* this block names a transfer encoding other than 7/8bit */
};

/* Decodes RFC 2047 words (Q and B; the charset is irrelevant for the ASCII
 * bytes we look for) of in[0..n) into out; returns the output length. */
static size_t
decode_words(const char *in, size_t n, char *out, size_t outmax)
{
	size_t i = 0, o = 0;

	while (i < n && o + 1 < outmax) {
		const char *q1, *q2, *end;

		if (in[i] == '=' && i + 1 < n && in[i + 1] == '?' &&
		    (q1 = memchr(in + i + 2, '?', n - i - 2)) && q1 + 2 < in + n && q1[2] == '?' &&
		    (end = strstr(q1 + 3, "?=")) && end < in + n) {
			char enc = (char)toupper((unsigned char)q1[1]);

			q2 = q1 + 3;
			if (enc == 'Q')
				o += rfc2047_q_decode(q2, (size_t)(end - q2), out + o,
						      outmax - 1 - o);
			else /* B, or anything: as lenient as a MIME parser may
				 * be, '=' and garbage skipped */
				o += base64_decode(q2, (size_t)(end - q2), out + o, outmax - 1 - o,
						   BASE64_PAD_SKIPPED);
			i = (size_t)(end - in) + 2;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
	return o;
}

/* Opens a composite: a multipart's boundary (the scan looks for its
 * delimiter lines), or "" for a message/ part. */
static void
keep_boundary(struct mime_pos *mp, const char *b, size_t blen)
{
	if (mp == NULL)
		return;
	if (mp->n_bnd >= PRESCAN_MAX_COMPOSITES) {
		mp->too_deep = 1;
		return;
	}
	memcpy(mp->bnd[mp->n_bnd], b, blen);
	mp->bnd[mp->n_bnd++][blen] = '\0';
}

/* 0 when the boundary parameter of a multipart value is safe; each safe
 * boundary goes into mp (when not NULL), and a value without one it can
 * read makes mp strict. */
static int
boundary_ok(const char *v, struct mime_pos *mp, char *why, size_t whylen)
{
	const char *p = v;
	unsigned kept = 0;

	while ((p = strcasestr(p, "boundary")) != NULL) {
		const char *q = p + 8, *start;
		size_t blen;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '*') { /* RFC 2231 form: libetpan takes it literally */
			p = q;
			continue;
		}
		if (*q != '=') {
			p = q;
			continue;
		}
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '"') {
			start = ++q;
			while (*q && *q != '"') {
				if (*q == '\\') {
					snprintf(
					    why, whylen,
					    "unsafe MIME boundary (backslash in a quoted boundary)");
					return -1;
				}
				q++;
			}
			if (!*q) {
				snprintf(why, whylen,
					 "unsafe MIME boundary (unterminated quoted boundary)");
				return -1;
			}
			blen = (size_t)(q - start);
		} else {
			start = q;
			while (*q && *q != ';' && *q != ' ' && *q != '\t' && *q != '\r' &&
			       *q != '\n') {
				if (*q == '"' || *q == '\\') {
					snprintf(why, whylen,
						 "unsafe MIME boundary (quote or backslash)");
					return -1;
				}
				q++;
			}
			blen = (size_t)(q - start);
		}
		if (blen == 0 || blen > BOUNDARY_MAX) {
			snprintf(why, whylen, "unsafe MIME boundary (length %zu)", blen);
			return -1;
		}
		keep_boundary(mp, start, blen);
		kept++;
		p = q;
	}
	if (kept == 0 && mp != NULL)
		mp->strict = 1;
	return 0;
}

/* Checks one Content-Type value.  In a text body (mp->in_hdr clear, not
 * strict) it only counts; in a header block it checks the boundary and
 * notes what the block's body holds. */
static int
check_content_type(const char *value, size_t n, unsigned *composites, struct mime_pos *mp,
		   char *why, size_t whylen)
{
	char dec[CT_VALUE_MAX + 1];
	const char *v = value;

	if (memmem(value, n, "=?", 2)) {
		decode_words(value, n, dec, sizeof(dec));
		v = dec;
	}
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, "multipart", 9) == 0 || strncasecmp(v, "message", 7) == 0)
		(*composites)++;
	if (!mp->in_hdr && !mp->strict)
		return 0;
	if (strncasecmp(v, "message", 7) == 0)
		mp->blk_msg = 1;
	if (strncasecmp(v, "multipart/digest", 16) == 0)
		mp->strict = 1;
	if (strcasestr(v, "multipart"))
		return boundary_ok(v, mp, why, whylen);
	return 0;
}

/* A Content-Transfer-Encoding value: a message/ part sent in base64 or
 * quoted-printable is a single part to libetpan (complaint.c decodes it and
 * scans it again).  Anything else, even a near miss, leaves the block's
 * body a header block. */
static void
note_encoding(const char *line, size_t l, size_t i, struct mime_pos *mp)
{
	while (i < l && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (l > i && (line[l - 1] == ' ' || line[l - 1] == '\t'))
		l--;
	if ((l - i == 6 && strncasecmp(line + i, "base64", 6) == 0) ||
	    (l - i == 16 && strncasecmp(line + i, "quoted-printable", 16) == 0))
		mp->blk_enc = 1;
}

/* When the line starts with "--" and the boundary of an open multipart:
 * its place on the stack (the innermost that matches), *close_r set for a
 * close delimiter ("--b--").  -1 otherwise. */
static int
is_delimiter(const char *line, size_t l, const struct mime_pos *mp, int *close_r)
{
	if (l < 3 || line[0] != '-' || line[1] != '-')
		return -1;
	for (unsigned i = mp->n_bnd; i-- > 0;) {
		size_t bl = strlen(mp->bnd[i]);

		if (bl > 0 && l - 2 >= bl && memcmp(line + 2, mp->bnd[i], bl) == 0) {
			*close_r = l - 2 >= bl + 2 && line[2 + bl] == '-' && line[3 + bl] == '-';
			return (int)i;
		}
	}
	return -1;
}

/* The offset of the value when the line is the header field `name`
 * (any case, white space allowed before the colon, as libetpan allows
 * it: "Content-Type :"), else 0. */
static size_t
field_value(const char *line, size_t l, const char *name)
{
	size_t n = strlen(name), i;

	if (l <= n || strncasecmp(line, name, n) != 0)
		return 0;
	for (i = n; i < l && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	return i < l && line[i] == ':' ? i + 1 : 0;
}

static int
scan(const char *raw, size_t len, long max_size, char *why, size_t whylen)
{
	static const struct mime_pos mp0 = { .in_hdr = 1 };
	char ct[CT_VALUE_MAX + 1];
	struct mime_pos mp; /* 20 kB */
	size_t pos = 0, ctlen = 0, v;
	unsigned n_ct = 0, composites = 0;
	int in_top = 1, in_ct = 0, d, close = 0;

	mp = mp0;

	if (max_size > 0 && len > (size_t)max_size) {
		snprintf(why, whylen, "message of %zu bytes exceeds max_message_size %ld", len,
			 max_size);
		return -1;
	}
	while (pos < len) {
		const char *line = raw + pos, *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;

		pos += l + (nl ? 1 : 0);
		if (l && line[l - 1] == '\r')
			l--;
		if (in_top) {
			if (l == 0)
				in_top = 0;
			else if (l > PRESCAN_MAX_HEADER_LINE) {
				snprintf(why, whylen, "header line of %zu bytes (limit %d)", l,
					 PRESCAN_MAX_HEADER_LINE);
				return -1;
			}
		}
		if (in_ct && l > 0 && (line[0] == ' ' || line[0] == '\t')) {
			size_t take = l < CT_VALUE_MAX - ctlen ? l : CT_VALUE_MAX - ctlen;

			memcpy(ct + ctlen, line, take);
			ctlen += take;
			continue;
		}
		if (in_ct) {
			ct[ctlen] = '\0';
			if (check_content_type(ct, ctlen, &composites, &mp, why, whylen) != 0)
				return -1;
			in_ct = 0;
		}
		if (mp.in_hdr && l == 0) {
			/* an unencoded message/ body starts with its own headers */
			mp.in_hdr = mp.blk_msg && !mp.blk_enc;
			if (mp.in_hdr)
				keep_boundary(&mp, "", 0);
			mp.blk_msg = mp.blk_enc = 0;
		} else if (!mp.in_hdr && (d = is_delimiter(line, l, &mp, &close)) >= 0) {
			mp.n_bnd = close ? (unsigned)d : (unsigned)d + 1;
			mp.in_hdr = 1;
			continue;
		} else if (mp.in_hdr &&
			   (v = field_value(line, l, "Content-Transfer-Encoding")) > 0) {
			note_encoding(line, l, v, &mp);
		}
		if ((v = field_value(line, l, "Content-Type")) > 0) {
			if (++n_ct > PRESCAN_MAX_CONTENT_TYPES) {
				snprintf(why, whylen, "more than %d Content-Type fields",
					 PRESCAN_MAX_CONTENT_TYPES);
				return -1;
			}
			ctlen = l - v < CT_VALUE_MAX ? l - v : CT_VALUE_MAX;
			memcpy(ct, line + v, ctlen);
			in_ct = 1;
		}
		if (mp.too_deep || (mp.strict && composites > PRESCAN_MAX_COMPOSITES)) {
			snprintf(why, whylen, "multipart/message parts nested deeper than %d",
				 PRESCAN_MAX_COMPOSITES);
			return -1;
		}
	}
	if (in_ct) {
		ct[ctlen] = '\0';
		if (check_content_type(ct, ctlen, &composites, &mp, why, whylen) != 0)
			return -1;
	}
	if (mp.too_deep || (mp.strict && composites > PRESCAN_MAX_COMPOSITES)) {
		snprintf(why, whylen, "multipart/message parts nested deeper than %d",
			 PRESCAN_MAX_COMPOSITES);
		return -1;
	}
	return 0;
}

int
prescan(const char *raw, size_t len, long max_size, char *why, size_t whylen)
{
	return scan(raw, len, max_size, why, whylen);
}

int
prescan_nested(const char *raw, size_t len)
{
	char why[256];

	return scan(raw, len, 0, why, sizeof(why));
}
