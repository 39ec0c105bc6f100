/*
 * test_json_line.c - the direct JSON writer of `process --json`
 * (responder/cli/json_line.c) against jansson's json_dumps(JSON_COMPACT):
 * a table of strings that need every kind of escape and every kind of
 * UTF-8 (good and bad), then trees generated at random (nested objects and
 * arrays, keys with escapes and NUL, integers, reals, long strings of
 * random bytes).  A byte that differs, a string jansson refuses that the
 * writer accepts, or the reverse, fails here.
 */
#include "tests/unit/testutil.h"
#include "responder/cli/json_line.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Both writers on j: the same text, or both refuse. */
static void
same_text(json_t *j)
{
	char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	struct buf b;
	int rc;

	buf_init(&b, 0);
	buf_puts(&b, "x");
	rc = json_line_append(&b, j);
	if (!want) {
		assert_int_equal(rc, -1);
		assert_int_equal(b.len, 1); /* left as it was */
		assert_string_equal(b.data, "x");
	} else {
		if (rc != 0)
			fail_msg("writer refused what jansson wrote: %s", want);
		if (strcmp(b.data + 1, want) != 0 || b.len != 1 + strlen(want))
			fail_msg("differs:\n  jansson %s\n  writer  %s", want, b.data + 1);
	}
	free(want);
	buf_free(&b);
}

/* A string of n bytes put into jansson without its check, so that the
 * dumper's check is what is compared. */
static void
same_string(const char *s, size_t n)
{
	json_t *a = json_array();

	json_array_append_new(a, json_stringn_nocheck(s, n));
	same_text(a);
	json_decref(a);
}

static void
test_table(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} t[] = {
		{ "", 0 },
		{ "plain text / with slash", 23 },
		{ "quote \" backslash \\ end", 23 },
		{ "\b\f\n\r\t", 5 },
		{ "\x01\x02\x1b[31m\x1f\x7f", 8 },
		{ "nul\0inside", 10 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14 },
		{ "\xc3", 1 },		   /* cut short */
		{ "\xc0\xaf", 2 },	   /* overlong '/' */
		{ "\xe0\x80\xaf", 3 },	   /* overlong, three bytes */
		{ "\xed\xa0\x80", 3 },	   /* a surrogate */
		{ "\xf4\x90\x80\x80", 4 }, /* above U+10FFFF */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\x80", 1 },
		{ "ok\xff", 3 },
		{ "\xef\xbf\xbd\xef\xbb\xbf", 6 }, /* U+FFFD, BOM */
		{ "\xf0\x90\x80\x80", 4 },	   /* U+10000 */
		{ "\xf4\x8f\xbf\xbf", 4 },	   /* U+10FFFF */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		same_string(t[i].s, t[i].n);
}

static unsigned long long rng = 42;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng >> 33) % n);
}

/* Random bytes, mostly text-like: ASCII, escapes, valid and broken UTF-8. */
static size_t
rnd_bytes(char *s, size_t max, int clean)
{
	static const char *const pieces[] = { "a",
					      "Z",
					      " ",
					      "\"",
					      "\\",
					      "/",
					      "\r\n",
					      "\t",
					      "\x01",
					      "\x1f",
					      "\x7f",
					      "\0",
					      "\xc3\xa9",
					      "\xe2\x82\xac",
					      "\xf0\x9f\x98\x80",
					      "\xc3",
					      "\xed\xa0\x80",
					      "\xff",
					      "\x80",
					      "=3D" };
	static const size_t lens[] = { 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 2, 3, 4, 1, 3, 1, 1, 3 };
	size_t n = 0, want = rnd(4) ? rnd(12) : rnd((unsigned)max);

	while (n < want) {
		unsigned k = rnd(sizeof(lens) / sizeof(lens[0]));

		if (clean && (k == 15 || k == 16 || k == 17 || k == 18))
			continue;
		if (n + lens[k] > max)
			break;
		memcpy(s + n, pieces[k], lens[k]);
		n += lens[k];
	}
	return n;
}

static json_t *
rnd_value(int depth)
{
	char s[2048];
	size_t n;
	unsigned kind = depth > 3 ? 2 + rnd(6) : rnd(8);

	switch (kind) {
	case 0: {
		json_t *o = json_object();

		for (unsigned i = rnd(5); i > 0; i--) {
			/* keys valid, as jansson's setters make them (its
			 * dumper writes a broken key instead of failing) */
			n = rnd_bytes(s, 24, 1);
			json_object_setn_new_nocheck(o, s, n, rnd_value(depth + 1));
		}
		return o;
	}
	case 1: {
		json_t *a = json_array();

		for (unsigned i = rnd(5); i > 0; i--)
			json_array_append_new(a, rnd_value(depth + 1));
		return a;
	}
	case 2:
	case 3:
		n = rnd_bytes(s, sizeof(s), rnd(2)); /* half of them valid UTF-8 */
		return json_stringn_nocheck(s, n);
	case 4:
		return json_integer((json_int_t)rnd(1u << 31) * (rnd(2) ? 1 : -1) *
				    (rnd(2) ? 1 : 4294967296LL));
	case 5:
		return json_real((double)rnd(100000) / (1 + rnd(1000)));
	case 6:
		return rnd(2) ? json_true() : json_false();
	default:
		return json_null();
	}
}

static void
test_random_trees(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		json_t *o = json_object();

		for (unsigned k = rnd(8); k > 0; k--) {
			char key[16];

			snprintf(key, sizeof(key), "k%u", k);
			json_object_set_new(o, key, rnd_value(1));
		}
		same_text(o);
		json_decref(o);
	}
}

/* The cap: a string that does not fit leaves the buffer as it was. */
static void
test_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 16);
	buf_puts(&b, "ab");
	assert_int_equal(json_line_string(&b, "0123456789abcdef", 16), -1);
	assert_int_equal(b.len, 2);
	assert_string_equal(b.data, "ab");
	assert_int_equal(json_line_string(&b, "\n\n", 2), 0);
	assert_string_equal(b.data, "ab\"\\n\\n\"");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_random_trees),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
