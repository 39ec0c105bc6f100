/*
 * fuzz_mustache.c - libFuzzer target for the Mustache engine
 * (responder/mustache/): parser and renderer on arbitrary templates and
 * data.
 *
 * The input is cut at NUL bytes into three fields: the template "t", a
 * partial "p" and the JSON data (when it does not parse, the third field
 * is rendered as a plain string value under "x").  The template set also
 * holds the template under the partial's name "t", so {{>t}} recurses.
 * Loading may refuse a template (a syntax error, with "name:line: why");
 * rendering may fail only on the output cap or the partial depth, and
 * then says so.  Whatever the input: output within the cap, and with HTML
 * escaping on, a template and partial with no '<', '&', '=' (no new
 * delimiters) and no "{{{" (no unescaped tags) give output with no '<'
 * (data never becomes markup).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "responder/mustache/mustache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX (64 * 1024)

/* 1 when the text can put no '<' of its own nor unescaped data in the
 * output. */
static int
plain(const char *s, size_t n)
{
	return memchr(s, '<', n) == NULL && memchr(s, '&', n) == NULL &&
	       memchr(s, '=', n) == NULL && memmem(s, n, "{{{", 3) == NULL;
}

static void
check_err(const char *err)
{
	if (*err == '\0' || strchr(err, '\n') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size + 1), err[512];
	const char *f[3] = { "", "", "" };
	size_t len[3] = { 0, 0, 0 }, n = 0;
	struct mustache_set *set;
	json_t *ctx[2], *j;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *p = copy; n < 3;) {
		char *z = memchr(p, '\0', (size_t)(copy + size - p));
		f[n] = p;
		len[n++] = z != NULL ? (size_t)(z - p) : (size_t)(copy + size - p);
		if (z == NULL || z == copy + size)
			break;
		p = z + 1;
	}

	set = mustache_set_new();
	err[0] = '\0';
	if (mustache_set_add(set, "t", "t.mustache", f[0], len[0], err, sizeof(err)) < 0) {
		check_err(err);
		goto out;
	}
	err[0] = '\0';
	if (mustache_set_add(set, "p", NULL, f[1], len[1], err, sizeof(err)) < 0) {
		check_err(err);
		goto out;
	}
	err[0] = '\0';
	if (mustache_set_check_partials(set, err, sizeof(err)) < 0)
		check_err(err);

	j = json_loadb(f[2], len[2], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	ctx[0] = json_pack("{s:s%}", "x", f[2], len[2]);
	if (ctx[0] == NULL)
		ctx[0] = json_object(); /* not UTF-8 */
	ctx[1] = j != NULL ? j : json_null();
	for (int esc = 0; esc < 2; esc++) {
		struct buf b;

		buf_init(&b, OUT_MAX);
		err[0] = '\0';
		if (mustache_render(set, "t", ctx, 2, (enum mustache_escape)esc, &b, err,
				    sizeof(err)) < 0) {
			check_err(err);
		} else {
			if (b.len > OUT_MAX || strlen(buf_cstr(&b)) > b.len)
				abort();
			if (esc == MUSTACHE_ESCAPE_HTML && plain(f[0], len[0]) &&
			    plain(f[1], len[1]) && b.len > 0 && memchr(b.data, '<', b.len) != NULL)
				abort();
		}
		buf_free(&b);
	}
	json_decref(ctx[0]);
	json_decref(ctx[1]);
out:
	mustache_set_free(&set);
	free(copy);
	return 0;
}
