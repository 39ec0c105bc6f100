/*
 * utf8.c - the UTF-8 decoder, validator and cleaners (see utf8.h).
 *
 * SECURITY: the input is peer text of any shape.  The decoder checks the
 * length left before it reads a continuation byte; the cleaners write into
 * one allocation sized before the loop (3 bytes per input byte at most,
 * overflow-checked, or the caller's cap) and check the room before every
 * write, so no input can make them write out of bounds or grow without a
 * limit.
 */
#include "common/utf8.h"
#include "common/xalloc.h"

#include <stdint.h>
#include <string.h>

/* ---- decoding ------------------------------------------------------------ */

size_t
utf8_decode(const char *s, size_t n, uint32_t *cp_r)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp, min;
	size_t need;

	*cp_r = UTF8_REPLACEMENT;
	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2, cp = p[0] & 0x1fu, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3, cp = p[0] & 0x0fu, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4, cp = p[0] & 0x07u, min = 0x10000;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, F5..FF */
	}
	if (n < need)
		return 0; /* truncated by the end of input */
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* truncated by another byte */
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, too large, surrogate */
	*cp_r = cp;
	return need;
}

uint32_t
utf8_next(const char **pp, const char *end)
{
	uint32_t cp;
	size_t k = utf8_decode(*pp, (size_t)(end - *pp), &cp);

	*pp += k ? k : 1;
	return cp;
}

int
utf8_valid(const char *s, size_t n, size_t *bad_r)
{
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		size_t k;

		/* ASCII, eight bytes at a time where none has its top bit (a
		 * reply, a transcript: nearly all of it) */
		while (n - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		while (i < n && (unsigned char)s[i] < 0x80)
			i++;
		if (i >= n)
			break;
		k = utf8_decode(s + i, n - i, &cp);

		if (k == 0) {
			if (bad_r != NULL)
				*bad_r = i;
			return 0;
		}
		i += k;
	}
	return 1;
}

/* ---- cleaning ------------------------------------------------------------ */

/* The output of a cleaner: one allocation of room + 1 bytes. */
struct out {
	char *data; /* owned until handed to the caller */
	size_t len;
	size_t room; /* the cap: len never exceeds it */
	int full;    /* something did not fit: stop */
};

static void
out_init(struct out *o, size_t n, size_t per_byte, size_t cap)
{
	size_t room = n > (SIZE_MAX - 1) / per_byte ? SIZE_MAX - 1 : n * per_byte;

	if (cap != 0 && cap < room)
		room = cap;
	o->data = xmalloc(room + 1);
	o->len = 0;
	o->room = room;
	o->full = 0;
}

static void
put(struct out *o, const void *p, size_t k)
{
	if (o->full || k > o->room - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->data + o->len, p, k);
	o->len += k;
}

/* put() of bytes that are each a character of their own (ASCII): as many
 * as fit, as put() one at a time would have kept. */
static void
put_run(struct out *o, const void *p, size_t k)
{
	size_t fit = o->full ? 0 : o->room - o->len;

	if (k > fit) {
		k = fit;
		o->full = 1;
	}
	memcpy(o->data + o->len, p, k);
	o->len += k;
}

static void
put_bad(struct out *o, unsigned flags)
{
	if (flags & UTF8_QMARK)
		put(o, "?", 1);
	else
		put(o, UTF8_REPLACEMENT_STR, 3);
}

static char *
out_finish(struct out *o, size_t *len_r)
{
	/* the room was sized for the worst case (3 bytes a byte): give the
	 * rest back when it is worth it */
	if (o->room - o->len > 4096)
		o->data = xrealloc(o->data, o->len + 1);
	o->data[o->len] = '\0';
	if (len_r != NULL)
		*len_r = o->len;
	return o->data;
}

static int
is_bidi(uint32_t cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

int
utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Bytes at p[0..n) that an escape sequence started by `intro` (ESC, or a
 * C1 introducer as a code point) still covers after its introducer. */
static size_t
escape_len(uint32_t intro, const unsigned char *p, size_t n)
{
	size_t i = 0;
	int string = 0;

	if (intro == 0x1b) {
		if (n == 0)
			return 0;
		switch (p[0]) {
		case '[':
			intro = 0x9b;
			i = 1;
			break;
		case ']':
		case 'P':
		case 'X':
		case '^':
		case '_':
			string = 1;
			i = 1;
			break;
		default:
			/* ESC, intermediates 0x20..0x2f, one final 0x30..0x7e */
			while (i < n && p[i] >= 0x20 && p[i] <= 0x2f)
				i++;
			if (i < n && p[i] >= 0x30 && p[i] <= 0x7e)
				return i + 1;
			return i;
		}
	} else if (intro != 0x9b) {
		string = 1; /* DCS, SOS, OSC, PM, APC */
	}
	if (!string) {
		/* CSI: parameters and intermediates, then one final byte */
		while (i < n && p[i] >= 0x20 && p[i] <= 0x3f)
			i++;
		if (i < n && p[i] >= 0x40 && p[i] <= 0x7e)
			i++;
		return i;
	}
	/* a string ends at BEL, ST (ESC \ or U+009C) or, so that a missing
	 * terminator costs no more than the rest of the line, any other C0
	 * control (not removed) */
	for (; i < n; i++) {
		if (p[i] == 0x07)
			return i + 1;
		if (p[i] == 0x1b)
			return i + 1 < n && p[i + 1] == '\\' ? i + 2 : i;
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] == 0x9c)
			return i + 2;
		if (p[i] < 0x20)
			return i;
	}
	return i;
}

static int
is_escape_intro(uint32_t cp)
{
	return cp == 0x1b || cp == 0x90 || cp == 0x98 || cp == 0x9b || cp == 0x9d || cp == 0x9e ||
	       cp == 0x9f;
}

char *
utf8_clean(const char *s, size_t n, size_t cap, unsigned flags, size_t *len_r)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int lines = (flags & UTF8_LINES) != 0;
	struct out o;

	if (s == NULL)
		n = 0;
	out_init(&o, n, (flags & UTF8_QMARK) ? 1 : 3, cap);
	for (size_t i = 0; i < n && !o.full;) {
		uint32_t cp;
		size_t k;

		/* printable ASCII is kept as it is under every policy: a run
		 * of it is copied at once (most text is such runs) */
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			size_t r = i + 1;

			while (r < n && p[r] >= 0x20 && p[r] < 0x7f)
				r++;
			put_run(&o, p + i, r - i);
			i = r;
			continue;
		}
		k = utf8_decode((const char *)p + i, n - i, &cp);
		if (k == 0) {
			put_bad(&o, flags);
			i++;
			continue;
		}
		if ((flags & UTF8_ESCAPES) && is_escape_intro(cp)) {
			i += k;
			i += escape_len(cp, p + i, n - i);
			continue;
		}
		if ((flags & UTF8_C1_INVALID) && cp >= 0x80 && cp <= 0x9f) {
			put_bad(&o, flags); /* the lead byte; the next is */
			i++;		    /* a lone continuation byte */
			continue;
		}
		if (cp == '\n') {
			put(&o, lines ? "\n" : " ", 1);
		} else if (cp == '\r') {
			if (!lines)
				put(&o, " ", 1);
			else if ((flags & UTF8_CR_ENDS_LINE) && !(i + 1 < n && p[i + 1] == '\n'))
				put(&o, "\n", 1);
			/* else dropped: CR LF is one line end, a lone CR nothing */
		} else if (cp == '\t') {
			put(&o, lines || (flags & UTF8_KEEP_TAB) ? "\t" : " ", 1);
		} else if ((cp == 0x2028 || cp == 0x2029) && (flags & UTF8_LS_PS_ENDS_LINE)) {
			put(&o, lines ? "\n" : " ", 1);
		} else if (utf8_is_control(cp)) {
			if (!(flags & UTF8_DROP_CONTROLS))
				put(&o, " ", 1);
		} else if (!((flags & UTF8_DROP_BIDI) && is_bidi(cp))) {
			put(&o, p + i, k);
		}
		i += k;
	}
	if ((flags & UTF8_TRIM) && !lines) {
		size_t a = 0, b = o.len;

		while (a < b && o.data[a] == ' ')
			a++;
		while (b > a && o.data[b - 1] == ' ')
			b--;
		memmove(o.data, o.data + a, b - a);
		o.len = b - a;
	}
	return out_finish(&o, len_r);
}

char *
utf8_clean_line(const char *s, size_t n, size_t cap, unsigned flags)
{
	return utf8_clean(s, n, cap, flags & ~(unsigned)UTF8_LINES, NULL);
}

char *
utf8_clean_lines(const char *s, size_t n, size_t cap, unsigned flags)
{
	return utf8_clean(s, n, cap, flags | UTF8_LINES, NULL);
}

char *
utf8_clean_terminal(const char *s, size_t n, int multiline)
{
	return utf8_clean(s, n, 0, UTF8_TERMINAL | (multiline ? UTF8_LINES : 0), NULL);
}

char *
utf8_make_valid(const char *s, size_t n, unsigned flags, size_t *len_r)
{
	const char *p = s ? s : "";
	struct out o;

	if (s == NULL)
		n = 0;
	out_init(&o, n, (flags & UTF8_QMARK) ? 1 : 3, 0);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);

		if (k == 0) {
			put_bad(&o, flags);
			i++;
		} else {
			put(&o, p + i, k);
			i += k;
		}
	}
	return out_finish(&o, len_r);
}
