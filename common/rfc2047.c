/*
 * rfc2047.c - RFC 2047 encoded words to UTF-8 (see rfc2047.h).  Moved from
 * the Postfix importer, which was its only user.
 *
 * SECURITY: the input is a sender's header text.  A word's decoded bytes
 * go into one allocation of the word's encoded size (B and Q never grow),
 * iconv writes through a fixed 1 KB window into the capped output buffer,
 * and a failed conversion is rolled back before the word is copied
 * literally.  Once the rest of the value holds no '?' (or no "?="), no
 * later word can be complete and the scan stops looking, so garbage full
 * of "=?" costs linear time; the literal fallback stops at the cap.
 */
#include "common/rfc2047.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/utf8.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <iconv.h>
#include <string.h>

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = toupper(c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

size_t
rfc2047_q_decode(const char *in, size_t n, char *out, size_t outsize)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < outsize; i++) {
		if (in[i] == '_') {
			out[o++] = ' ';
		} else if (in[i] == '=' && i + 2 < n && hexval((unsigned char)in[i + 1]) >= 0 &&
			   hexval((unsigned char)in[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)in[i + 1]) * 16 +
					  hexval((unsigned char)in[i + 2]));
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

/* Appends raw[0..n) converted from `charset` to UTF-8 to b (cut at b's
 * cap).  -1, with b as it was, when iconv does not know the charset or
 * refuses the bytes. */
static int
to_utf8(struct buf *b, const char *charset, char *raw, size_t n)
{
	char outb[1024], *in = raw, *o;
	size_t inl = n, ol, start = b->len;
	iconv_t cd;
	char cs[64];
	char *star;

	str_copy(cs, charset, sizeof(cs));
	if ((star = strchr(cs, '*')) != NULL) /* RFC 2231 language tag */
		*star = '\0';
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return -1;
	while (inl > 0) {
		o = outb;
		ol = sizeof(outb);
		if (iconv(cd, &in, &inl, &o, &ol) == (size_t)-1 && o == outb) {
			/* invalid or truncated input: drop what this word
			 * already wrote, the caller copies it literally */
			b->len = start;
			if (b->data != NULL)
				b->data[start] = '\0';
			iconv_close(cd);
			return -1;
		}
		if (buf_append(b, outb, (size_t)(o - outb)) < 0)
			break;
	}
	iconv_close(cd);
	return 0;
}

char *
rfc2047_decode(const char *s, size_t maxlen)
{
	struct buf b;
	const char *p = s;
	int last_was_word = 0, words_possible = 1;

	buf_init(&b, maxlen);
	while (*p) {
		const char *q1 = NULL, *q2, *q3 = NULL, *end;

		if (words_possible && p[0] == '=' && p[1] == '?') {
			q1 = strchr(p + 2, '?');
			if (q1 != NULL && q1[1] != '\0' && q1[2] == '?') {
				q3 = strstr(q1 + 3, "?=");
				if (q3 == NULL)
					words_possible = 0; /* none later either */
			} else if (q1 == NULL) {
				words_possible = 0;
			}
		}
		if (q3 != NULL && (toupper((unsigned char)q1[1]) == 'B' ||
				   toupper((unsigned char)q1[1]) == 'Q')) {
			char charset[64], *raw;
			size_t n, cl = (size_t)(q1 - (p + 2)), tl;

			q2 = q1 + 2;
			end = q3 + 2;
			if (cl == 0 || cl >= sizeof(charset))
				goto literal;
			memcpy(charset, p + 2, cl);
			charset[cl] = '\0';
			tl = (size_t)(q3 - q2 - 1);
			raw = xmalloc(tl + 1);
			n = toupper((unsigned char)q1[1]) == 'B' ?
				base64_decode(q2 + 1, tl, raw, tl, BASE64_PAD_ENDS) :
				rfc2047_q_decode(q2 + 1, tl, raw, tl);
			if (to_utf8(&b, charset, raw, n) < 0) {
				free(raw);
				goto literal;
			}
			free(raw);
			p = end;
			last_was_word = 1;
			continue;
		}
		if (last_was_word && (*p == ' ' || *p == '\t')) {
			/* white space between two encoded words is dropped */
			const char *w = p + strspn(p, " \t");

			if (w[0] == '=' && w[1] == '?') {
				p = w;
				continue;
			}
		}
	literal:
		last_was_word = 0;
		if (buf_putc(&b, *p) < 0)
			break;
		p++;
	}
	if (!utf8_valid(buf_cstr(&b), b.len, NULL)) {
		/* A raw 8-bit value: read it as Latin-1. */
		struct buf l;
		char *raw = buf_steal(&b, NULL);

		buf_init(&l, maxlen);
		if (to_utf8(&l, "ISO-8859-1", raw, strlen(raw)) < 0)
			buf_puts(&l, "?");
		free(raw);
		b = l;
	}
	return buf_steal(&b, NULL);
}
