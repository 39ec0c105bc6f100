/*
 * test_rfc2047.c - common/rfc2047: B and Q words in several charsets,
 * white space between words, words kept literally, the Latin-1 fallback
 * (strict UTF-8 now), a failed conversion rolled back, the output cap,
 * every prefix of a value, and garbage full of "=?".
 */
#include "tests/unit/testutil.h"
#include "common/rfc2047.h"
#include "common/utf8.h"

#include <stdio.h>
#include <string.h>

static void
test_decode(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain text", "plain text" },
		{ "", "" },
		{ "=?UTF-8?Q?Gr=C3=BC=c3=9fe_aus_Berlin?=", "Gr\xc3\xbc\xc3\x9f"
							    "e aus Berlin" },
		{ "=?utf-8?b?w7xiZXI=?=", "\xc3\xbc"
					  "ber" },
		{ "=?ISO-8859-1?Q?caf=E9?= =?ISO-8859-1?Q?_au_lait?=", "caf\xc3\xa9 au lait" },
		{ "=?iso-8859-15?q?=A4?=", "\xe2\x82\xac" }, /* the euro sign */
		{ "=?utf-8*de?Q?Hallo?=", "Hallo" },	     /* RFC 2231 tag */
		{ "a =?utf-8?Q?b?= c", "a b c" },	     /* space kept */
		{ "=?utf-8?Q?a?=\t \t=?utf-8?Q?b?=", "ab" }, /* dropped */
		{ "=?utf-8?Q?a?= x =?utf-8?Q?b?=", "a x b" },
		{ "=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?=" },
		{ "=?UTF-8?Q?broken", "=?UTF-8?Q?broken" },
		{ "=?"
		  "?Q?x?=",
		  "=?"
		  "?Q?x?=" },				  /* no charset */
		{ "=?utf-8?X?abc?=", "=?utf-8?X?abc?=" }, /* no such encoding */
		{ "=?utf-8?Q?"
		  "?=",
		  "" },			    /* empty word */
		{ "=?utf-8?Q?a=?=", "a=" }, /* lone '=' */
		{ "=?utf-8?B?Zm9v?==?utf-8?B?YmFy?=", "foobar" },
		/* raw 8-bit: read as Latin-1 */
		{ "caf\xe9", "caf\xc3\xa9" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" }, /* already UTF-8 */
		/* fix: overlong forms, surrogates and > U+10FFFF were taken as
		 * UTF-8 and stored as they were; now they are not UTF-8 */
		{ "over\xc0\xaf", "over\xc3\x80\xc2\xaf" },
		{ "surr\xed\xa0\x80", "surr\xc3\xad\xc2\xa0\xc2\x80" },
		{ "big\xf5\x80\x80\x80", "big\xc3\xb5\xc2\x80\xc2\x80\xc2\x80" },
		/* fix: a word iconv refuses half-way was written twice (the
		 * converted part, then the literal word) */
		{ "=?utf-8?Q?caf=C3?=", "=?utf-8?Q?caf=C3?=" },
		{ "=?utf-8?Q?ab=FFcd?= x", "=?utf-8?Q?ab=FFcd?= x" },
		/* controls are the caller's to clean */
		{ "=?utf-8?Q?a=0Db?=", "a\rb" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = rfc2047_decode(cases[i].in, 4096);

		if (strcmp(d, cases[i].out) != 0)
			fail_msg("case %zu (%s): got \"%s\"", i, cases[i].in, d);
		free(d);
	}
}

static void
test_q_decode(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(rfc2047_q_decode("a_b=3D=3d=", 10, out, sizeof(out)), 6);
	assert_memory_equal(out, "a b===", 6);
	assert_int_equal(rfc2047_q_decode("=4", 2, out, sizeof(out)), 2); /* cut hex */
	assert_memory_equal(out, "=4", 2);
	assert_int_equal(rfc2047_q_decode("=zz", 3, out, sizeof(out)), 3);
	memset(out, 'x', sizeof(out));
	assert_int_equal(rfc2047_q_decode("abcdef", 6, out, 3), 3); /* bounded */
	assert_memory_equal(out, "abcxxx", 6);
	assert_int_equal(rfc2047_q_decode("=41", 3, out, 0), 0);
}

static void
test_cap(void **state)
{
	char *d;

	(void)state;
	d = rfc2047_decode("=?utf-8?Q?abcdef?= tail", 3);
	assert_true(strlen(d) <= 3);
	free(d);
	d = rfc2047_decode("0123456789", 4);
	assert_string_equal(d, "0123");
	free(d);
	d = rfc2047_decode("abc", 0); /* 0: the default cap */
	assert_string_equal(d, "abc");
	free(d);
}

/* Every prefix of a value (a log line cut anywhere): bounded, and valid
 * UTF-8 whenever the cut leaves no raw bytes (they are Latin-1 then). */
static void
test_prefixes(void **state)
{
	static const char v[] =
	    "Re: =?UTF-8?B?R3LDvMOfZQ==?= =?ISO-8859-1?Q?caf=E9_?= \xc3\xa9 =?x?Q?y?= end";
	char buf[sizeof(v)];

	(void)state;
	for (size_t n = 0; n < sizeof(v); n++) {
		char *d;

		memcpy(buf, v, n);
		buf[n] = '\0';
		d = rfc2047_decode(buf, 64);
		assert_true(strlen(d) <= 64);
		assert_int_equal(utf8_valid(d, strlen(d), NULL), 1);
		free(d);
	}
}

/* Garbage full of encoded-word starts, with and without a closing "?=". */
static void
test_garbage(void **state)
{
	static const char *const units[] = { "=?x?B?", "=?", "=?utf-8?Q?", "=?a?" };
	size_t reps = 20000;

	(void)state;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		for (int close = 0; close < 2; close++) {
			size_t ul = strlen(units[u]), n = ul * reps;
			char *s = malloc(n + 3), *d;

			assert_non_null(s);
			for (size_t i = 0; i < reps; i++)
				memcpy(s + i * ul, units[u], ul);
			memcpy(s + n, close ? "?=" : "", close ? 3 : 1);
			d = rfc2047_decode(s, 4096);
			assert_true(strlen(d) <= 4096);
			assert_int_equal(utf8_valid(d, strlen(d), NULL), 1);
			free(d);
			free(s);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),	cmocka_unit_test(test_q_decode),
		cmocka_unit_test(test_cap),	cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
