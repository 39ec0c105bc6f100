/*
 * test_jsonl_fields.c - the JSONL importer's direct reader
 * (store/import/jsonl_fields.c) against jansson: every line it reads must
 * give exactly the fields jansson gives (type, bytes, length, number,
 * array elements), and every line it is not sure of must be left to
 * jansson.  Table-driven, then a few hundred thousand mutations of good
 * lines (a byte replaced, inserted or removed; cut short): a reader that
 * accepted what jansson refuses, or read a value differently, fails here.
 */
#include "tests/unit/testutil.h"
#include "store/import/jsonl_fields.h"

#include <stdio.h>
#include <string.h>

static const int flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;

/* The fields of the direct reader `d` are those of jansson's tree of the
 * same line. */
static void
same_fields(const struct jf_reader *d, json_t *tree, const char *line)
{
	struct jf_reader t = { 0 };
	const char *key;
	json_t *v;

	assert_int_equal(json_object_size(tree), d->n_fields);
	jf_take_tree(&t, json_incref(tree));
	json_object_foreach(tree, key, v)
	{
		struct jf_field a, b;

		(void)v;
		if (!jf_get(d, key, &a) || !jf_get(&t, key, &b))
			fail_msg("key \"%s\" of %s: not read the same", key, line);
		if (a.type != b.type)
			fail_msg("key \"%s\" of %s: type %d, jansson %d", key, line, a.type,
				 b.type);
		if (a.type == JF_STRING && (a.len != b.len || memcmp(a.str, b.str, a.len + 1) != 0))
			fail_msg("key \"%s\" of %s: string differs", key, line);
		if (a.type == JF_INTEGER && a.num != b.num)
			fail_msg("key \"%s\" of %s: %lld, jansson %lld", key, line,
				 (long long)a.num, (long long)b.num);
		if (a.type == JF_ARRAY) {
			if (a.n != b.n)
				fail_msg("key \"%s\" of %s: %zu elements, jansson %zu", key, line,
					 a.n, b.n);
			for (size_t i = 0; i < a.n; i++) {
				const char *sa, *sb;
				size_t la, lb;

				if (!jf_element(d, &a, i, &sa, &la) ||
				    !jf_element(&t, &b, i, &sb, &lb) || la != lb ||
				    memcmp(sa, sb, la + 1) != 0)
					fail_msg("key \"%s\"[%zu] of %s differs", key, i, line);
			}
		}
	}
	jf_free(&t);
}

/* 1 when the direct reader read `line`; either way, checked against
 * jansson. */
static int
check_line(struct jf_reader *d, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *tree = json_loadb(line, len, flags, &jerr);
	int read = jf_read(d, line, len);

	if (read) {
		if (tree == NULL || !json_is_object(tree))
			fail_msg("read what jansson refuses (%s): %.*s",
				 tree ? "not an object" : jerr.text, (int)len, line);
		same_fields(d, tree, line);
	}
	json_decref(tree);
	return read;
}

static void
test_table(void **state)
{
	/* clang-format off */
	static const struct { const char *line; int read; } cases[] = {
		{ "{\"type\":\"attempt\",\"smtp_code\":250,\"x\":null,\"r\":[\"a@b\",\"c@d\"]}", 1 },
		{ "  {}  ", 1 },
		{ "{ \"a\" : \"\" , \"b\" : [ ] , \"c\" : -0 , \"d\" : 0 }\r", 1 },
		{ "{\"t\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", 1 },
		{ "{\"t\":\"\\u0041\\u00e9\\u20ac\\u0000z\"}", 1 },
		{ "{\"n\":123456789012345678,\"m\":-123456789012345678}", 1 },
		{ "{\"b\":true,\"c\":false}", 1 },
		/* left to jansson */
		{ "{\"n\":1234567890123456789}", 0 },
		/* 19 digits over INT64_MAX: the reader once read all 19 and
		 * overflowed (fuzz_import_jsonl, a UBSan report) */
		{ "{\"n\":9223372036854775808}", 0 },
		{ "{\"n\":-9999999999999999999}", 0 },
		{ "{\"n\":1.5}", 0 },
		{ "{\"n\":1e3}", 0 },
		{ "{\"n\":01}", 0 },
		{ "{\"n\":-}", 0 },
		{ "{\"n\":+1}", 0 },
		{ "{\"a\":1,\"a\":2}", 0 },
		{ "{\"a\":{}}", 0 },
		{ "{\"a\":[1]}", 0 },
		{ "{\"a\":[\"x\",1]}", 0 },
		{ "{\"a\":[\"x\",]}", 0 },
		{ "{\"a\":1,}", 0 },
		{ "{\"a\":\"caf\xc3\xa9\"}", 0 },
		{ "{\"a\":\"\xff\"}", 0 },
		{ "{\"a\":\"tab\there\"}", 0 },
		{ "{\"a\":\"\\ud83d\\ude00\"}", 0 },
		{ "{\"a\":\"\\ud800\"}", 0 },
		{ "{\"a\":\"\\x41\"}", 0 },
		{ "{\"a\":\"\\u12\"}", 0 },
		{ "{\"a\\u0041\":1}", 0 },
		{ "{\"a\":1} x", 0 },
		{ "{\"a\":1}}", 0 },
		{ "{\"a\":nul}", 0 },
		{ "{\"a\":nullx}", 0 },
		{ "{\"a\" 1}", 0 },
		{ "{a:1}", 0 },
		{ "[\"a\"]", 0 },
		{ "\"a\"", 0 },
		{ "{\"a\":\"unterminated", 0 },
		{ "{\"a\":1", 0 },
		{ "", 0 },
		{ "\v{}", 0 },
	};
	/* clang-format on */
	struct jf_reader d = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = check_line(&d, cases[i].line, strlen(cases[i].line));

		if (got != cases[i].read)
			fail_msg("%s: read %d, want %d", cases[i].line, got, cases[i].read);
	}
	/* a NUL byte inside the line (not an escape) */
	assert_int_equal(check_line(&d, "{\"a\":\"x\0y\"}", 11), 0);
	assert_int_equal(check_line(&d, "{\"a\":1}\0", 8), 0);
	jf_free(&d);
}

/* Too many fields or elements for the reader's tables: left to jansson. */
static void
test_caps(void **state)
{
	struct jf_reader d = { 0 };
	char *line = malloc(200000), *p = line;

	(void)state;
	p += sprintf(p, "{");
	for (int i = 0; i < JF_MAX_FIELDS + 1; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	p += sprintf(p, "}");
	assert_int_equal(check_line(&d, line, strlen(line)), 0);
	line[0] = '\0';
	p = line;
	p += sprintf(p, "{\"r\":[");
	for (int i = 0; i < JF_MAX_ELEMENTS; i++)
		p += sprintf(p, "%s\"a\"", i ? "," : "");
	p += sprintf(p, "]}");
	assert_int_equal(check_line(&d, line, strlen(line)), 1);
	p[-2] = ',';
	p[-1] = '\0';
	p--;
	p += sprintf(p, "\"a\"]}");
	assert_int_equal(check_line(&d, line, strlen(line)), 0);
	free(line);
	jf_free(&d);
}

/* Good lines damaged every way a byte can be: whatever the direct reader
 * reads, jansson reads the same. */
static void
test_mutations(void **state)
{
	static const char *const good[] = {
		"{\"type\":\"attempt\",\"queue_id\":\"Q000000001\",\"recipient\":\"r1@d.example\","
		"\"at\":\"2026-11-20T09:14:03Z\",\"status\":\"delivered\",\"smtp_code\":250,"
		"\"response\":\"250 2.0.0 Ok \\\"q\\\" \\u00e9\",\"transcript\":\"< 220\\n> EHLO\\n\"}",
		"{\"type\":\"message\",\"account\":\"acme\",\"queue_id\":\"Q1\",\"subject\":null,"
		"\"recipients\":[\"a@b.example\", \"c@d.example\"],\"n\":-12}",
	};
	static const char bytes[] = "{}[]\",:\\/unlfrt0123456789-+.eE \t\r\n\x01\x7f\x80\xc3\xa9";
	struct jf_reader d = { 0 };
	char buf[1024];
	uint32_t seed = 12345;
	long read = 0, left = 0;

	(void)state;
	for (size_t g = 0; g < sizeof(good) / sizeof(good[0]); g++) {
		size_t n = strlen(good[g]);

		assert_int_equal(check_line(&d, good[g], n), 1);
		for (int k = 0; k < 150000; k++) {
			size_t len = n, at;
			int edits = 1 + (int)(k % 3);

			memcpy(buf, good[g], n);
			for (int e = 0; e < edits; e++) {
				seed = seed * 1103515245u + 12345u;
				at = (seed >> 8) % (len + 1);
				seed = seed * 1103515245u + 12345u;
				char ch = bytes[(seed >> 8) % (sizeof(bytes) - 1)];
				switch ((seed >> 20) % 4) {
				case 0: /* replace */
					if (at < len)
						buf[at] = ch;
					break;
				case 1: /* insert */
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = ch;
					len++;
					break;
				case 2: /* remove */
					if (at < len) {
						memmove(buf + at, buf + at + 1, len - at - 1);
						len--;
					}
					break;
				default: /* cut short */
					len = at;
				}
			}
			if (check_line(&d, buf, len))
				read++;
			else
				left++;
		}
	}
	/* both kinds happened, or the test says little */
	assert_true(read > 1000 && left > 1000);
	jf_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
