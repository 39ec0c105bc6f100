/*
 * mustache.h - a small Mustache engine (the spec's core modules: variables,
 * sections, inverted sections, comments, partials, set delimiters, the
 * standalone-line rules), written for the reply templates.
 *
 * A template is parsed once into a tree, at load time, so that a syntax
 * error is reported as "name:line: why" when the templates are loaded and
 * never while a reply is being written.  Templates live in a set, keyed by
 * name; partials are looked up in the same set.  The data handed to a
 * template is a jansson json_t: objects, arrays, strings, numbers,
 * booleans and null.
 *
 * Truthiness (sections): null, false, an empty array, an empty string and
 * a missing name are falsey; everything else is truthy.  An array renders
 * the section once per element; any other truthy value renders it once
 * with the value pushed on the context stack.
 *
 * Escaping is a parameter of the render: MUSTACHE_ESCAPE_HTML turns
 * & < > " ' into entities in {{name}} (the HTML part of a reply);
 * MUSTACHE_ESCAPE_NONE leaves text alone (text parts, the subject line).
 * {{{name}}} and {{&name}} are never escaped.
 *
 * SECURITY: templates come from the admin, data from complaints and remote
 * servers.  Rendering never fails on data: values are only copied, never
 * interpreted as template text.  Output is capped (the caller's struct buf
 * max) and partial nesting is capped (MUSTACHE_MAX_DEPTH), so a recursive
 * partial cannot loop forever.
 */
#ifndef RESPONDER_MUSTACHE_H
#define RESPONDER_MUSTACHE_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

#define MUSTACHE_MAX_DEPTH 64

enum mustache_escape {
	MUSTACHE_ESCAPE_NONE = 0,
	MUSTACHE_ESCAPE_HTML = 1,
};

struct mustache_set;

/* An empty set.  Never NULL.  Free with mustache_set_free(). */
struct mustache_set *mustache_set_new(void);
void mustache_set_free(struct mustache_set **set);

/* Parses `src` (len bytes; NUL bytes are refused) and adds it under `name`
 * (copied), replacing a template of the same name.  `file` names the
 * source in errors (NULL: the name).  0 on success; -1 with
 * "file:line: why" in err. */
int mustache_set_add(struct mustache_set *set, const char *name, const char *file, const char *src,
		     size_t len, char *err, size_t errlen);

/* 1 when the set holds `name`. */
int mustache_set_has(const struct mustache_set *set, const char *name);

/* Checks that every partial referenced by every template of the set is in
 * the set.  0 when all are; -1 with "file:line: unknown partial 'x'" for
 * the first one missing. */
int mustache_set_check_partials(const struct mustache_set *set, char *err, size_t errlen);

/* Checks the first part of every variable and section name ("a" of
 * "a.b"; "." is always fine) with known(); 0 when all are known; -1 with
 * "file:line: unknown name 'x'" for the first one that is not, so a typo
 * in a template is found at load time instead of printing nothing. */
int mustache_set_check_names(const struct mustache_set *set,
			     int (*known)(const char *name, void *arg), void *arg, char *err,
			     size_t errlen);

/* Renders template `name` with the context stack ctx[0..n-1] (ctx[n-1] is
 * the innermost; names are looked up from it outwards) and appends the
 * output to `out`.  A partial missing from the set renders as nothing
 * (as the spec requires; templates_load refuses such sets beforehand).
 * 0 on success; -1 with err filled when `name` is unknown, the output
 * would pass out->max, or partials nest deeper than MUSTACHE_MAX_DEPTH.
 * The data is borrowed. */
int mustache_render(const struct mustache_set *set, const char *name, json_t *const *ctx, size_t n,
		    enum mustache_escape esc, struct buf *out, char *err, size_t errlen);

#endif
