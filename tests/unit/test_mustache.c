/*
 * test_mustache.c - the Mustache engine, our own additions to the spec:
 * errors with file:line, unknown partials, name checks, escaping modes,
 * caps, nested indentation.  The official spec cases are
 * test_mustache_conformance.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/testutil.h"

#include "responder/mustache/mustache.h"

/* Errors: "file:line: why" at parse time, for each kind of mistake. */
static void
test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *src, *want;
	} cases[] = {
		{ "a\nb {{#x}}\nc\n", "t.mustache:2: section is never closed: 'x'" },
		{ "a\n{{#x}}\n{{/y}}\n",
		  "t.mustache:3: closing tag does not match section 'x' opened on line 2: 'y'" },
		{ "{{/y}}", "t.mustache:1: closing tag without an open section: 'y'" },
		{ "ok\n\nthen {{name\n", "t.mustache:3: unclosed tag, missing '}}'" },
		{ "x\n{{{raw}}\n", "t.mustache:2: unclosed tag, missing '}}}'" },
		{ "{{= | =}}", "t.mustache:1: bad set-delimiter tag" },
		{ "\n\n{{}}", "t.mustache:3: empty tag name" },
		{ "{{a..b}}", "t.mustache:1: bad name 'a..b'" },
		{ "{{=<% %>=}}\n<%#s%>\n", "t.mustache:2: section is never closed: 's'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mustache_set *set = mustache_set_new();
		char err[512] = "";
		assert_int_equal(mustache_set_add(set, "t", "t.mustache", cases[i].src,
						  strlen(cases[i].src), err, sizeof(err)),
				 -1);
		assert_string_equal(err, cases[i].want);
		assert_false(mustache_set_has(set, "t"));
		mustache_set_free(&set);
	}
	/* A NUL byte is refused with its line. */
	struct mustache_set *set = mustache_set_new();
	char err[256] = "";
	assert_int_equal(mustache_set_add(set, "t", "f", "a\nb\0c", 5, err, sizeof(err)), -1);
	assert_string_equal(err, "f:2: NUL byte in template");
	mustache_set_free(&set);
}

static void
test_unknown_partial(void **state)
{
	(void)state;
	struct mustache_set *set = mustache_set_new();
	char err[256] = "";
	const char *a = "line 1\n{{#x}}\n  {{> known}}\n{{/x}}\n{{> nope}}\n";
	assert_int_equal(
	    mustache_set_add(set, "a", "dir/a.mustache", a, strlen(a), err, sizeof(err)), 0);
	assert_int_equal(mustache_set_add(set, "known", NULL, "k", 1, err, sizeof(err)), 0);
	assert_int_equal(mustache_set_check_partials(set, err, sizeof(err)), -1);
	assert_string_equal(err, "dir/a.mustache:5: unknown partial 'nope'");
	assert_int_equal(mustache_set_add(set, "nope", NULL, "", 0, err, sizeof(err)), 0);
	assert_int_equal(mustache_set_check_partials(set, err, sizeof(err)), 0);
	mustache_set_free(&set);
}

static int
known_ab(const char *name, void *arg)
{
	(void)arg;
	return strcmp(name, "a") == 0 || strcmp(name, "b") == 0;
}

static void
test_check_names(void **state)
{
	(void)state;
	struct mustache_set *set = mustache_set_new();
	char err[256] = "";
	const char *ok = "{{a}}{{#b}}{{.}}{{c}}{{/b}}{{a.zz}}{{! x }}{{> p}}";
	assert_int_equal(mustache_set_add(set, "ok", "ok.m", ok, strlen(ok), err, sizeof(err)), 0);
	/* "c" inside the section is unknown too: names are checked everywhere. */
	assert_int_equal(mustache_set_check_names(set, known_ab, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "ok.m:1: unknown name 'c'");
	const char *fine = "{{a}}\n{{#b}}{{.}}{{/b}}\n{{^a.q}}{{/a.q}}";
	assert_int_equal(mustache_set_add(set, "ok", "ok.m", fine, strlen(fine), err, sizeof(err)),
			 0);
	assert_int_equal(mustache_set_check_names(set, known_ab, NULL, err, sizeof(err)), 0);
	const char *bad = "{{a}}\n\n{{^typo}}x{{/typo}}";
	assert_int_equal(mustache_set_add(set, "bad", "bad.m", bad, strlen(bad), err, sizeof(err)),
			 0);
	assert_int_equal(mustache_set_check_names(set, known_ab, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "bad.m:3: unknown name 'typo'");
	mustache_set_free(&set);
}

static char *
render1(const char *tmpl, const char *json, enum mustache_escape esc)
{
	struct mustache_set *set = mustache_set_new();
	char err[256];
	assert_int_equal(mustache_set_add(set, "t", NULL, tmpl, strlen(tmpl), err, sizeof(err)), 0);
	json_t *data = json_loads(json, JSON_DECODE_ANY, NULL);
	assert_non_null(data);
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(mustache_render(set, "t", &data, 1, esc, &b, err, sizeof(err)), 0);
	json_decref(data);
	mustache_set_free(&set);
	return buf_steal(&b, NULL);
}

static void
test_escaping_modes(void **state)
{
	(void)state;
	const char *tmpl = "{{v}}|{{{v}}}|{{&v}}";
	const char *data = "{\"v\":\"<a href='x'>&\\\"</a>\"}";
	char *html = render1(tmpl, data, MUSTACHE_ESCAPE_HTML);
	assert_string_equal(html, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;|"
				  "<a href='x'>&\"</a>|<a href='x'>&\"</a>");
	char *text = render1(tmpl, data, MUSTACHE_ESCAPE_NONE);
	assert_string_equal(text, "<a href='x'>&\"</a>|<a href='x'>&\"</a>|<a href='x'>&\"</a>");
	free(html);
	free(text);
	/* Data is never template text. */
	char *s = render1("{{v}}", "{\"v\":\"{{#x}}{{/y}}\"}", MUSTACHE_ESCAPE_NONE);
	assert_string_equal(s, "{{#x}}{{/y}}");
	free(s);
	/* Empty strings are falsey; numbers print as written. */
	s = render1("{{#e}}no{{/e}}{{^e}}yes{{/e}} {{n}} {{r}} {{t}}",
		    "{\"e\":\"\",\"n\":-42,\"r\":0.1,\"t\":true}", MUSTACHE_ESCAPE_NONE);
	assert_string_equal(s, "yes -42 0.1 true");
	free(s);
}

static void
test_caps(void **state)
{
	(void)state;
	struct mustache_set *set = mustache_set_new();
	char err[256] = "";
	/* A partial that always recurses is stopped, not followed forever. */
	assert_int_equal(mustache_set_add(set, "loop", NULL, "x{{>loop}}", 10, err, sizeof(err)),
			 0);
	struct buf b;
	buf_init(&b, 0);
	json_t *data = json_object();
	assert_int_equal(
	    mustache_render(set, "loop", &data, 1, MUSTACHE_ESCAPE_NONE, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nested deeper"));
	assert_int_equal(b.len, 0);
	buf_free(&b);
	/* Output past the buffer's cap fails cleanly. */
	buf_init(&b, 16);
	json_object_set_new(data, "v", json_string("0123456789abcdefghij"));
	assert_int_equal(mustache_set_add(set, "big", NULL, "{{v}}", 5, err, sizeof(err)), 0);
	assert_int_equal(
	    mustache_render(set, "big", &data, 1, MUSTACHE_ESCAPE_NONE, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exceeds 16 bytes"));
	buf_free(&b);
	assert_int_equal(
	    mustache_render(set, "absent", &data, 1, MUSTACHE_ESCAPE_NONE, &b, err, sizeof(err)),
	    -1);
	json_decref(data);
	mustache_set_free(&set);
}

/* Nested standalone partials add their indentation up. */
static void
test_nested_indent(void **state)
{
	(void)state;
	struct mustache_set *set = mustache_set_new();
	char err[256];
	const char *outer = "<\n  {{>mid}}\n>\n", *mid = "m1\n  {{>in}}\nm2\n", *in = "i1\ni2\n";
	assert_int_equal(
	    mustache_set_add(set, "outer", NULL, outer, strlen(outer), err, sizeof(err)), 0);
	assert_int_equal(mustache_set_add(set, "mid", NULL, mid, strlen(mid), err, sizeof(err)), 0);
	assert_int_equal(mustache_set_add(set, "in", NULL, in, strlen(in), err, sizeof(err)), 0);
	struct buf b;
	buf_init(&b, 0);
	json_t *data = json_object();
	assert_int_equal(
	    mustache_render(set, "outer", &data, 1, MUSTACHE_ESCAPE_NONE, &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "<\n  m1\n    i1\n    i2\n  m2\n>\n");
	buf_free(&b);
	json_decref(data);
	mustache_set_free(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),	    cmocka_unit_test(test_unknown_partial),
		cmocka_unit_test(test_check_names), cmocka_unit_test(test_escaping_modes),
		cmocka_unit_test(test_caps),	    cmocka_unit_test(test_nested_indent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
