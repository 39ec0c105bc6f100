/*
 * json_line.c - compact JSON text of a jansson tree, byte for byte what
 * json_dumps(j, JSON_COMPACT) writes (json_line.h), for the long lines of
 * `process --json`: runs of plain bytes are copied in one piece instead of
 * jansson's one callback per character.
 *
 * SECURITY: strings are checked for valid UTF-8 here as jansson's dumper
 * checks them (a string that is not fails the whole line, as it does with
 * json_dumps), and every control character is escaped, so a line never
 * carries a raw CR, LF or escape sequence from a complaint.
 */
#include "responder/cli/json_line.h"
#include "common/utf8.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What each ASCII byte is in a JSON string: 0 copied as it is, else the
 * escape's second character ('u' for \u00XX).  Bytes from 0x80 start a
 * UTF-8 sequence, checked. */
static const unsigned char klass[128] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',	 ['\r'] = 'r', [0x00] = 'u',
	[0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',	 [0x05] = 'u', [0x06] = 'u',
	[0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u',	 [0x10] = 'u', [0x11] = 'u',
	[0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u',	 [0x16] = 'u', [0x17] = 'u',
	[0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u',	 [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\',
};

/* 1 when one of the eight bytes at p is not copied as it is (below 0x20,
 * '"', '\\', from 0x80); may say 1 for plain bytes too, never 0 for
 * others. */
static int
special8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, q, bs;

	memcpy(&w, p, 8);
	q = w ^ (ones * '"');
	bs = w ^ (ones * '\\');
	return ((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high) !=
	       0;
}

static void
restore(struct buf *b, size_t len)
{
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

int
json_line_string(struct buf *b, const char *str, size_t n)
{
	static const char hexd[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t start = b->len, i = 0, o = 0;
	char out[4096]; /* written to b when it fills up */

	out[o++] = '"';
	while (i < n) {
		unsigned char k;
		size_t seq;

		if (o > sizeof(out) - 8) {
			if (buf_append(b, out, o) != 0)
				goto fail;
			o = 0;
		}
		/* eight plain bytes at a time while there are */
		while (n - i >= 8 && o <= sizeof(out) - 8 && !special8(s + i)) {
			memcpy(out + o, s + i, 8);
			o += 8;
			i += 8;
		}
		if (o > sizeof(out) - 8)
			continue;
		if (i >= n)
			break;
		k = s[i] < 0x80 ? klass[s[i]] : 1;
		if (k == 0) {
			out[o++] = (char)s[i++];
		} else if (k == 1) {
			uint32_t cp;

			/* jansson's rules are utf8_decode()'s: no overlong form,
			 * no surrogate, nothing above U+10FFFF */
			if ((seq = utf8_decode((const char *)s + i, n - i, &cp)) == 0)
				goto fail;
			memcpy(out + o, s + i, seq);
			o += seq;
			i += seq;
		} else {
			out[o++] = '\\';
			out[o++] = (char)k;
			if (k == 'u') {
				out[o++] = '0';
				out[o++] = '0';
				out[o++] = hexd[s[i] >> 4];
				out[o++] = hexd[s[i] & 15];
			}
			i++;
		}
	}
	out[o++] = '"';
	if (buf_append(b, out, o) != 0)
		goto fail;
	return 0;
fail:
	restore(b, start);
	return -1;
}

static int
put_value(struct buf *b, json_t *j)
{
	char num[32];
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		void *it = json_object_iter(j);
		int first = 1;

		if (buf_putc(b, '{') != 0)
			return -1;
		for (; it; it = json_object_iter_next(j, it)) {
			if (!first && buf_putc(b, ',') != 0)
				return -1;
			first = 0;
			if (json_line_string(b, json_object_iter_key(it),
					     json_object_iter_key_len(it)) != 0 ||
			    buf_putc(b, ':') != 0 || put_value(b, json_object_iter_value(it)) != 0)
				return -1;
		}
		return buf_putc(b, '}');
	}
	case JSON_ARRAY:
		if (buf_putc(b, '[') != 0)
			return -1;
		for (i = 0; i < json_array_size(j); i++)
			if ((i && buf_putc(b, ',') != 0) || put_value(b, json_array_get(j, i)) != 0)
				return -1;
		return buf_putc(b, ']');
	case JSON_STRING:
		return json_line_string(b, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		return buf_puts(b, num);
	case JSON_REAL: {
		/* rare (a match's score): jansson's own %.17g rules */
		char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		int rc = s ? buf_puts(b, s) : -1;

		free(s);
		return rc;
	}
	case JSON_TRUE:
		return buf_puts(b, "true");
	case JSON_FALSE:
		return buf_puts(b, "false");
	case JSON_NULL:
		return buf_puts(b, "null");
	}
	return -1;
}

int
json_line_append(struct buf *b, json_t *j)
{
	size_t start = b->len;

	if (!j || put_value(b, j) != 0) {
		restore(b, start);
		return -1;
	}
	return 0;
}
