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

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes that end a plain run: '"', '\\', controls, and non-ASCII (checked
 * as UTF-8 before it is copied). */
static int
plain(unsigned char u)
{
	return u >= 0x20 && u < 0x80 && u != '"' && u != '\\';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when it is
 * not one: jansson's rules (no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	uint32_t v;
	size_t len;

	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		v = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		v = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		v = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (len == 3 && v < 0x800) ||
	    (len == 4 && v < 0x10000))
		return 0;
	return len;
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
	const unsigned char *s = (const unsigned char *)str;
	size_t start = b->len, i = 0;

	if (buf_putc(b, '"') != 0)
		return -1;
	while (i < n) {
		size_t run = i, k;
		char esc[8];
		const char *e = esc;
		size_t elen = 2;

		while (run < n && plain(s[run]))
			run++;
		/* non-ASCII: valid sequences join the run */
		while (run < n && s[run] >= 0x80 && (k = utf8_seq(s + run, n - run)) != 0) {
			run += k;
			while (run < n && plain(s[run]))
				run++;
		}
		if (run > i && buf_append(b, s + i, run - i) != 0)
			goto fail;
		i = run;
		if (i >= n)
			break;
		switch (s[i]) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			if (s[i] >= 0x20)
				goto fail; /* a byte >= 0x80 that starts no valid sequence */
			snprintf(esc, sizeof(esc), "\\u%04X", (unsigned)s[i]);
			elen = 6;
			break;
		}
		if (buf_append(b, e, elen) != 0)
			goto fail;
		i++;
	}
	if (buf_putc(b, '"') != 0)
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
