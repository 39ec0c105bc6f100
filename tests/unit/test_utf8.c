/*
 * test_utf8.c - common/utf8: the decoder on every class of invalid
 * sequence, the validator, each cleaner's policy, caps, and input fed in
 * every chunk size.
 */
#include "tests/unit/testutil.h"
#include "common/utf8.h"

#include <string.h>

#define R UTF8_REPLACEMENT_STR

static void
test_decode(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		size_t len; /* 0: invalid */
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 1, 'A' },
		{ "", 1, 1, 0 }, /* NUL is a character */
		{ "\x7f", 1, 1, 0x7f },
		{ "\xc2\x80", 2, 2, 0x80 }, /* smallest 2 */
		{ "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },  /* smallest 3 */
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff }, /* below surrogates */
		{ "\xee\x80\x80", 3, 3, 0xe000 }, /* above them */
		{ "\xef\xbf\xbf", 3, 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },	/* smallest 4 */
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff }, /* largest */
		/* continuation bytes alone */
		{ "\x80", 1, 0, 0 },
		{ "\xbf", 1, 0, 0 },
		/* overlong forms */
		{ "\xc0\x80", 2, 0, 0 },
		{ "\xc1\xbf", 2, 0, 0 },
		{ "\xe0\x80\xaf", 3, 0, 0 },
		{ "\xe0\x9f\xbf", 3, 0, 0 },
		{ "\xf0\x80\x80\xaf", 4, 0, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0, 0 },
		/* surrogates */
		{ "\xed\xa0\x80", 3, 0, 0 },
		{ "\xed\xbf\xbf", 3, 0, 0 },
		/* above U+10FFFF, and leads that can only start such */
		{ "\xf4\x90\x80\x80", 4, 0, 0 },
		{ "\xf5\x80\x80\x80", 4, 0, 0 },
		{ "\xf7\xbf\xbf\xbf", 4, 0, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, 0, 0 },
		{ "\xfc\x84\x80\x80\x80\x80", 6, 0, 0 },
		{ "\xfe", 1, 0, 0 },
		{ "\xff", 1, 0, 0 },
		/* truncated by the end of input */
		{ "\xc3", 1, 0, 0 },
		{ "\xe2\x82", 2, 0, 0 },
		{ "\xf0\x9f\x98", 3, 0, 0 },
		/* truncated by another byte */
		{ "\xc3"
		  "A",
		  2, 0, 0 },
		{ "\xe2\x82"
		  "A",
		  3, 0, 0 },
		{ "\xf0\x9f\x98"
		  "A",
		  4, 0, 0 },
		{ "\xe2\xc3\xa9", 3, 0, 0 },
		/* n limits the read even when more bytes follow */
		{ "\xc3\xa9", 1, 0, 0 },
		{ "\xc3\xa9", 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 1;
		size_t k = utf8_decode(cases[i].in, cases[i].n, &cp);

		if (k != cases[i].len)
			fail_msg("case %zu: length %zu, want %zu", i, k, cases[i].len);
		assert_int_equal(cp, cases[i].len ? cases[i].cp : UTF8_REPLACEMENT);
	}
}

static void
test_every_code_point(void **state)
{
	(void)state;
	/* Encode every scalar value by hand; decode must give it back. */
	for (uint32_t c = 0; c <= 0x10ffff; c++) {
		unsigned char b[4];
		size_t n;
		uint32_t cp;

		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		if (c < 0x80) {
			b[0] = (unsigned char)c, n = 1;
		} else if (c < 0x800) {
			b[0] = (unsigned char)(0xc0 | (c >> 6));
			b[1] = (unsigned char)(0x80 | (c & 0x3f)), n = 2;
		} else if (c < 0x10000) {
			b[0] = (unsigned char)(0xe0 | (c >> 12));
			b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			b[2] = (unsigned char)(0x80 | (c & 0x3f)), n = 3;
		} else {
			b[0] = (unsigned char)(0xf0 | (c >> 18));
			b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
			b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
			b[3] = (unsigned char)(0x80 | (c & 0x3f)), n = 4;
		}
		if (utf8_decode((const char *)b, n, &cp) != n || cp != c)
			fail_msg("U+%04X does not round-trip", (unsigned)c);
		/* one byte short is always invalid */
		if (n > 1 && utf8_decode((const char *)b, n - 1, &cp) != 0)
			fail_msg("U+%04X truncated decodes", (unsigned)c);
	}
}

static void
test_next_and_valid(void **state)
{
	const char s[] = "a\xc3\xa9\xff\xe2\x82\xac";
	const char *p = s, *end = s + sizeof(s) - 1;
	static const uint32_t want[] = { 'a', 0xe9, UTF8_REPLACEMENT, 0x20ac };
	size_t bad = 99;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(utf8_next(&p, end), want[i]);
	assert_ptr_equal(p, end);
	/* a truncated sequence at the end advances by one byte, not past end */
	p = s + 4;
	assert_int_equal(utf8_next(&p, s + 6), UTF8_REPLACEMENT);
	assert_ptr_equal(p, s + 5);

	assert_int_equal(utf8_valid("", 0, &bad), 1);
	assert_int_equal(utf8_valid(s, 3, NULL), 1);
	assert_int_equal(utf8_valid(s, sizeof(s) - 1, &bad), 0);
	assert_int_equal(bad, 3);
	assert_int_equal(utf8_valid("ab\xed\xa0\x80", 5, &bad), 0);
	assert_int_equal(bad, 2);
	assert_int_equal(utf8_valid("ab\xc0\xaf", 4, &bad), 0);
	assert_int_equal(bad, 2);
	assert_int_equal(utf8_valid("a\0b", 3, NULL), 1);
	/* the ASCII runs read eight bytes at a time: a bad or a good
	 * sequence at every offset of a long line, and a line cut inside a
	 * sequence at every length */
	for (size_t k = 0; k < 40; k++) {
		char line[48];

		memset(line, 'x', sizeof(line));
		line[k] = (char)0xff;
		assert_int_equal(utf8_valid(line, sizeof(line), &bad), 0);
		assert_int_equal(bad, k);
		line[k] = (char)0xc3;
		line[k + 1] = (char)0xa9;
		assert_int_equal(utf8_valid(line, sizeof(line), NULL), 1);
		assert_int_equal(utf8_valid(line, k + 1, &bad), 0);
		assert_int_equal(bad, k);
	}
}

struct clean_case {
	const char *in;
	unsigned flags;
	size_t cap;
	const char *want;
};

/* The policies the modules use, written out once for the table. */
#define MIME_LINE (UTF8_DROP_CONTROLS | UTF8_DROP_BIDI | UTF8_LS_PS_ENDS_LINE | UTF8_TRIM)
#define MIME_TEXT                                                               \
	(UTF8_LINES | UTF8_CR_ENDS_LINE | UTF8_DROP_CONTROLS | UTF8_DROP_BIDI | \
	 UTF8_LS_PS_ENDS_LINE)
#define CPL_LINE (UTF8_KEEP_TAB | UTF8_C1_INVALID)
#define CPL_TEXT (UTF8_LINES | UTF8_C1_INVALID)
#define TERM_LINE UTF8_TERMINAL
#define TERM_TEXT (UTF8_TERMINAL | UTF8_LINES)

static void
test_clean(void **state)
{
	static const struct clean_case cases[] = {
		/* no flags: controls become spaces, invalid bytes U+FFFD */
		{ "plain", 0, 0, "plain" },
		{ "a\r\nb\tc\x01"
		  "d\x7f"
		  "e",
		  0, 0, "a  b c d e" },
		{ "C1 \xc2\x9b"
		  "x",
		  0, 0, "C1  x" },
		{ "bad \xff!", 0, 0, "bad " R "!" },
		{ "trunc \xe2\x82", 0, 0, "trunc " R R },
		{ "over \xc0\xaf", 0, 0, "over " R R },
		{ "surr \xed\xa0\x80", 0, 0, "surr " R R R },
		{ "big \xf4\x90\x80\x80", 0, 0, "big " R R R R },
		{ "bidi \xe2\x80\xae"
		  "x",
		  0, 0,
		  "bidi \xe2\x80\xae"
		  "x" },
		{ "nul\0x", 0, 0, "nul x" }, /* n counts past the NUL below */
		/* one line, the MIME writer's policy */
		{ "  a\r\nBcc: x\r\n  ", MIME_LINE, 0, "a  Bcc: x" },
		{ "bell\x07 esc\x1b[31m del\x7f", MIME_LINE, 0, "bell esc[31m del" },
		{ "C1 \xc2\x85 next", MIME_LINE, 0, "C1  next" },
		{ "bidi \xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8f\xef\xbb\xbf"
		  "evil",
		  MIME_LINE, 0, "bidi evil" },
		{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", MIME_LINE, 0, "ls ps" },
		/* several lines, the MIME writer's */
		{ "a\r\nb\rc\nd\te", MIME_TEXT, 0, "a\nb\nc\nd\te" },
		{ "ls\xe2\x80\xa8ps", MIME_TEXT, 0, "ls\nps" },
		{ "  keep  ", MIME_TEXT, 0, "  keep  " },
		/* the complaint parser's: TAB kept, C1 invalid */
		{ "a\tb\r\nc", CPL_LINE, 0, "a\tb  c" },
		{ "C1 \xc2\x85!", CPL_LINE, 0, "C1 " R R "!" },
		{ "a\r\nb\rc\x01", CPL_TEXT, 0, "a\nbc " },
		{ "nbsp \xc2\xa0", CPL_LINE, 0, "nbsp \xc2\xa0" },
		/* caps never cut a character */
		{ "abc\xc3\xa9", 0, 4, "abc" },
		{ "abc\xc3\xa9", 0, 5, "abc\xc3\xa9" },
		{ "ab\xff", 0, 4, "ab" },
		{ "ab\xff", UTF8_QMARK, 3, "ab?" },
		{ "abc", 0, 1, "a" },
		/* the terminal: sequences removed whole, '?' for bad bytes */
		{ "red \x1b[1;31mX\x1b[0m.", TERM_LINE, 0, "red X." },
		{ "clip \x1b]52;c;ZXZpbA==\x07!", TERM_LINE, 0, "clip !" },
		{ "title \x1b]0;pwned\x1b\\!", TERM_LINE, 0, "title !" },
		{ "osc \x1b]8;;http://x\xc2\x9c"
		  "link",
		  TERM_LINE, 0, "osc link" },
		{ "unterminated \x1b]0;t\nnext", TERM_TEXT, 0, "unterminated \nnext" },
		{ "dcs \x1bPq#0\x1b\\ok", TERM_LINE, 0, "dcs ok" },
		{ "charset \x1b(B ok", TERM_LINE, 0, "charset  ok" },
		{ "keypad \x1b=ok", TERM_LINE, 0, "keypad ok" },
		{ "lone \x1b", TERM_LINE, 0, "lone " },
		{ "esc \x1b\xc3\xa9", TERM_LINE, 0, "esc \xc3\xa9" },
		{ "c1 csi \xc2\x9b"
		  "2J!",
		  TERM_LINE, 0, "c1 csi !" },
		{ "c1 osc \xc2\x9d"
		  "0;t\x07!",
		  TERM_LINE, 0, "c1 osc !" },
		{ "c1 nel \xc2\x85!", TERM_LINE, 0, "c1 nel  !" },
		{ "raw c1 \x9b"
		  "2J",
		  TERM_LINE, 0, "raw c1 ?2J" },
		{ "cr\rover", TERM_LINE, 0, "cr over" },
		{ "bell\x07 bs\x08 del\x7f", TERM_LINE, 0, "bell  bs  del " },
		{ "bidi \xe2\x80\xae"
		  "txt",
		  TERM_LINE, 0, "bidi txt" },
		{ "bad \xff\xc0\xaf", TERM_LINE, 0, "bad ???" },
		{ "a\r\nb\tc\rd", TERM_TEXT, 0, "a\nb\tcd" },
		{ "a\tb", TERM_LINE, 0, "a b" },
		{ "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x9c\x93 \xf0\x9f\x98\x80",
		  TERM_LINE, 0,
		  "Gr\xc3\xbc\xc3\x9f"
		  "e \xe2\x9c\x93 \xf0\x9f\x98\x80" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].in), len;
		char *c;

		if (strcmp(cases[i].in, "nul") == 0)
			n = 5;
		c = utf8_clean(cases[i].in, n, cases[i].cap, cases[i].flags, &len);
		if (strcmp(c, cases[i].want) != 0)
			fail_msg("case %zu (%s): got \"%s\", want \"%s\"", i, cases[i].in, c,
				 cases[i].want);
		assert_int_equal(len, strlen(c));
		if (cases[i].cap)
			assert_true(len <= cases[i].cap);
		free(c);
	}
}

static void
test_wrappers(void **state)
{
	char *c, *big;
	size_t len;

	(void)state;
	c = utf8_clean_line("a\nb", 3, 0, UTF8_LINES); /* LINES is ignored */
	assert_string_equal(c, "a b");
	free(c);
	c = utf8_clean_lines("a\nb", 3, 0, 0);
	assert_string_equal(c, "a\nb");
	free(c);
	c = utf8_clean_terminal("x\x1b[2Jy\r\n", 8, 0);
	assert_string_equal(c, "xy  ");
	free(c);
	c = utf8_clean_terminal("x\x1b[2Jy\r\n", 8, 1);
	assert_string_equal(c, "xy\n");
	free(c);
	c = utf8_clean(NULL, 5, 0, 0, NULL);
	assert_string_equal(c, "");
	free(c);
	c = utf8_make_valid("a\x01\xff\xc3\xa9", 5, UTF8_QMARK, NULL);
	assert_string_equal(c, "a\x01?\xc3\xa9");
	free(c);
	c = utf8_make_valid("\xed\xa0\x80", 3, 0, NULL);
	assert_string_equal(c, R R R);
	free(c);
	/* a long input: room for the worst case, the rest given back */
	big = malloc(100000);
	assert_non_null(big);
	memset(big, 'a', 100000);
	big[50000] = '\xff';
	c = utf8_clean(big, 100000, 0, 0, &len);
	assert_int_equal(len, 100002);
	assert_memory_equal(c + 50000, R "a", 4);
	assert_int_equal(c[len], '\0');
	free(c);
	free(big);
}

/* Nothing the terminal may act on survives, whatever the bytes. */
static void
check_terminal_safe(const char *c, size_t len, int multiline)
{
	assert_int_equal(utf8_valid(c, len, NULL), 1);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode(c + i, len - i, &cp);

		assert_true(k > 0);
		if (cp < 0x20)
			assert_true(multiline && (cp == '\n' || cp == '\t'));
		assert_false(cp >= 0x7f && cp <= 0x9f);
		assert_false((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069));
		i += k;
	}
}

/* Chunk boundaries: cleaning a text piece by piece, cut anywhere, must give
 * safe output for each piece (a sequence cut in two is invalid, never
 * half-passed), and cleaning the whole equals cleaning it at once. */
static void
test_chunks(void **state)
{
	static const char text[] = "Gr\xc3\xbc\xc3\x9f"
				   "e \xe2\x9c\x93 \xf0\x9f\x98\x80 \x1b]52;c;QUJD\x07"
				   "\x1b[2J\r\n\xc2\x9b"
				   "31m \xe2\x80\xae \xed\xa0\x80 \xc0\xaf\xff end\n";
	size_t n = sizeof(text) - 1;
	char *whole = utf8_clean_terminal(text, n, 1);

	(void)state;
	check_terminal_safe(whole, strlen(whole), 1);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		for (size_t off = 0; off < n; off += chunk) {
			size_t k = n - off < chunk ? n - off : chunk;
			char *c = utf8_clean_terminal(text + off, k, chunk & 1);
			char *m = utf8_clean(text + off, k, 0, CPL_TEXT, NULL);
			size_t ml;

			check_terminal_safe(c, strlen(c), chunk & 1);
			free(c);
			assert_int_equal(utf8_valid(m, strlen(m), NULL), 1);
			free(m);
			/* every cap */
			m = utf8_clean(text + off, k, chunk, MIME_TEXT, &ml);
			assert_true(ml <= chunk);
			assert_int_equal(utf8_valid(m, ml, NULL), 1);
			free(m);
		}
	}
	free(whole);
}

/* Every single byte and every byte pair, under every policy: valid output,
 * bounded length. */
static void
test_all_pairs(void **state)
{
	static const unsigned policies[] = { 0,	       MIME_LINE, MIME_TEXT, CPL_LINE,
					     CPL_TEXT, TERM_LINE, TERM_TEXT };

	(void)state;
	for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		for (unsigned a = 0; a < 256; a++) {
			for (unsigned b = 0; b < 256; b++) {
				char in[3] = { (char)a, (char)b, (char)0xa9 };
				size_t len;
				char *c = utf8_clean(in, 3, 0, policies[p], &len);

				assert_true(len <= 9);
				assert_int_equal(utf8_valid(c, len, NULL), 1);
				if (policies[p] & UTF8_ESCAPES)
					check_terminal_safe(c, len,
							    (policies[p] & UTF8_LINES) != 0);
				free(c);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),	       cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_next_and_valid), cmocka_unit_test(test_clean),
		cmocka_unit_test(test_wrappers),       cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_all_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
