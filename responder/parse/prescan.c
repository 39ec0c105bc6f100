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
 */
#include "responder/parse/prescan.h"
#include "common/base64.h"
#include "common/rfc2047.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CT_VALUE_MAX 8192

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

/* 0 when the boundary parameter of a multipart value is safe. */
static int
boundary_ok(const char *v, char *why, size_t whylen)
{
	const char *p = v;

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
		if (blen == 0 || blen > 200) {
			snprintf(why, whylen, "unsafe MIME boundary (length %zu)", blen);
			return -1;
		}
		p = q;
	}
	return 0;
}

static int
check_content_type(const char *value, size_t n, unsigned *composites, char *why, size_t whylen)
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
	if (strcasestr(v, "multipart"))
		return boundary_ok(v, why, whylen);
	return 0;
}

static int
scan(const char *raw, size_t len, long max_size, char *why, size_t whylen)
{
	char ct[CT_VALUE_MAX + 1];
	size_t pos = 0, ctlen = 0;
	unsigned n_ct = 0, composites = 0;
	int in_top = 1, in_ct = 0;

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
			if (check_content_type(ct, ctlen, &composites, why, whylen) != 0)
				return -1;
			in_ct = 0;
		}
		if (l >= 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
			if (++n_ct > PRESCAN_MAX_CONTENT_TYPES) {
				snprintf(why, whylen, "more than %d Content-Type fields",
					 PRESCAN_MAX_CONTENT_TYPES);
				return -1;
			}
			ctlen = l - 13 < CT_VALUE_MAX ? l - 13 : CT_VALUE_MAX;
			memcpy(ct, line + 13, ctlen);
			in_ct = 1;
		}
		if (composites > PRESCAN_MAX_COMPOSITES) {
			snprintf(why, whylen, "more than %d nested multipart/message parts",
				 PRESCAN_MAX_COMPOSITES);
			return -1;
		}
	}
	if (in_ct) {
		ct[ctlen] = '\0';
		if (check_content_type(ct, ctlen, &composites, why, whylen) != 0)
			return -1;
	}
	if (composites > PRESCAN_MAX_COMPOSITES) {
		snprintf(why, whylen, "more than %d nested multipart/message parts",
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
