/*
 * test_mustache_conformance.c - the Mustache engine (responder/mustache/)
 * over every case of the official spec's core modules,
 * $RESPONDER_CONFORMANCE/mustache/ (*.json), 136 tests; all must pass.
 * Without the data: skipped, or failed under CI=true (tu_skip_or_fail).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/testutil.h"

#include "responder/mustache/mustache.h"

/* Renders `tmpl` with `data` and the partials object, HTML escaping on.
 * Returns the output (caller frees) or NULL with err filled. */
static char *
render_case(const char *tmpl, json_t *data, json_t *partials, char *err, size_t errlen)
{
	struct mustache_set *set = mustache_set_new();
	const char *pname;
	json_t *pval;
	char *res = NULL;

	json_object_foreach(partials, pname, pval)
	{
		const char *s = json_string_value(pval);
		if (mustache_set_add(set, pname, NULL, s, strlen(s), err, errlen) < 0)
			goto out;
	}
	if (mustache_set_add(set, "(template)", NULL, tmpl, strlen(tmpl), err, errlen) < 0)
		goto out;
	struct buf b;
	buf_init(&b, 1 << 20);
	json_t *ctx[1] = { data };
	if (mustache_render(set, "(template)", ctx, 1, MUSTACHE_ESCAPE_HTML, &b, err, errlen) < 0) {
		buf_free(&b);
		goto out;
	}
	res = buf_steal(&b, NULL);
out:
	mustache_set_free(&set);
	return res;
}

static void
test_spec(void **state)
{
	const char *dir = *state;
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	int total = 0, passed = 0;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		json_error_t jerr;
		json_t *spec = json_load_file(path, JSON_DECODE_ANY, &jerr);
		assert_non_null(spec);
		size_t i;
		json_t *tc;
		json_array_foreach(json_object_get(spec, "tests"), i, tc)
		{
			const char *name = json_string_value(json_object_get(tc, "name"));
			const char *tmpl = json_string_value(json_object_get(tc, "template"));
			const char *want = json_string_value(json_object_get(tc, "expected"));
			json_t *partials = json_object_get(tc, "partials");
			json_t *empty = json_object();
			char err[512] = "";
			char *got = render_case(tmpl, json_object_get(tc, "data"),
						partials ? partials : empty, err, sizeof(err));
			json_decref(empty);
			total++;
			if (got && strcmp(got, want) == 0) {
				passed++;
			} else {
				printf("FAIL %s / %s: %s\n  want [%s]\n  got  [%s]\n", de->d_name,
				       name, err, want, got ? got : "(error)");
			}
			free(got);
		}
		json_decref(spec);
	}
	closedir(d);
	printf("mustache spec: %d/%d passed\n", passed, total);
	assert_int_equal(total, 136);
	assert_int_equal(passed, total);
}

int
main(void)
{
	char *dir = tu_conformance_need("mustache");
	const struct CMUnitTest spec[] = {
		cmocka_unit_test_prestate(test_spec, dir),
	};
	int rc = cmocka_run_group_tests_name("mustache spec", spec, NULL, NULL);

	free(dir);
	return rc;
}
