/*
 * mustache_render.c - renders a parsed template (mustache_int.h) with a
 * jansson context stack: name lookup through the stack, sections over
 * values and lists, HTML escaping as the caller asks, and the indentation
 * of standalone partials.
 *
 * SECURITY: data is copied into the output, never parsed; partial nesting
 * is capped (MUSTACHE_MAX_DEPTH) and the output is capped by the caller's
 * buffer, so a recursive partial or a huge value ends in an error, not a
 * crash.
 */
#include "responder/mustache/mustache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* ---- rendering ---------------------------------------------------------- */

struct render {
	const struct mustache_set *set;
	enum mustache_escape esc;
	struct buf *out;
	json_t **stack;
	size_t n, cap;
	int at_line_start; /* the last template text written ended a line */
	int depth;
	char *err;
	size_t errlen;
};

static int
overflow(struct render *r)
{
	snprintf(r->err, r->errlen, "rendered output exceeds %zu bytes", r->out->max);
	return -1;
}

static int
put(struct render *r, const char *s, size_t n)
{
	return buf_append(r->out, s, n) < 0 ? overflow(r) : 0;
}

static int
put_indent(struct render *r, const char *indent)
{
	if (r->at_line_start && indent) {
		r->at_line_start = 0;
		return put(r, indent, strlen(indent));
	}
	r->at_line_start = 0;
	return 0;
}

/* Template text: each of its lines gets the partial indentation. */
static int
put_text(struct render *r, const char *s, size_t n, const char *indent)
{
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t chunk = nl ? (size_t)(nl - s) + 1 : n;
		if (put_indent(r, indent) < 0 || put(r, s, chunk) < 0)
			return -1;
		r->at_line_start = nl != NULL;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

static int
put_escaped(struct render *r, const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		const char *ent = NULL;
		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		if (put(r, s + from, i - from) < 0 || put(r, ent, strlen(ent)) < 0)
			return -1;
		from = i + 1;
	}
	return put(r, s + from, n - from);
}

/* The shortest "%.*g" text that reads back as the same double, so 1.21
 * prints as "1.21" and not "1.2099999999999999". */
static void
format_real(double d, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static json_t *
lookup(const struct render *r, const struct node *nd)
{
	if (!nd->parts)
		return r->n ? r->stack[r->n - 1] : NULL;
	json_t *v = NULL;
	for (size_t i = r->n; i-- > 0;) {
		if (json_is_object(r->stack[i]) &&
		    (v = json_object_get(r->stack[i], nd->parts[0])) != NULL)
			break;
	}
	for (size_t i = 1; v && i < nd->n_parts; i++)
		v = json_is_object(v) ? json_object_get(v, nd->parts[i]) : NULL;
	return v;
}

static int
falsey(const json_t *v)
{
	return !v || json_is_null(v) || json_is_false(v) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_string(v) && json_string_length(v) == 0);
}

static int
put_value(struct render *r, const json_t *v, int escape, const char *indent)
{
	char num[64];
	const char *s = NULL;
	size_t n = 0;

	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
	} else if (json_is_real(v)) {
		format_real(json_real_value(v), num, sizeof(num));
		s = num;
	} else if (json_is_true(v)) {
		s = "true";
	} else if (json_is_false(v)) {
		s = "false";
	}
	if (!s)
		return 0;
	if (n == 0)
		n = strlen(s);
	if (n > 0 && put_indent(r, indent) < 0)
		return -1;
	return escape ? put_escaped(r, s, n) : put(r, s, n);
}

static int render_nodes(struct render *r, const struct node *parent, const char *indent);

static int
push(struct render *r, json_t *v)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->stack = xreallocarray(r->stack, r->cap, sizeof(*r->stack));
	}
	r->stack[r->n++] = v;
	return 0;
}

static int
render_section(struct render *r, const struct node *nd, const char *indent)
{
	json_t *v = lookup(r, nd);
	if (nd->type == N_INVERTED)
		return falsey(v) ? render_nodes(r, nd, indent) : 0;
	if (falsey(v))
		return 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *el;
		json_array_foreach(v, i, el)
		{
			push(r, el);
			int rc = render_nodes(r, nd, indent);
			r->n--;
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	push(r, v);
	int rc = render_nodes(r, nd, indent);
	r->n--;
	return rc;
}

static int
render_partial(struct render *r, const struct node *nd, const char *indent)
{
	const struct template *t = mustache_find(r->set, nd->text);
	if (!t)
		return 0;
	if (r->depth >= MUSTACHE_MAX_DEPTH) {
		snprintf(r->err, r->errlen, "partials nested deeper than %d at '%s'",
			 MUSTACHE_MAX_DEPTH, nd->text);
		return -1;
	}
	char *full = NULL;
	const char *use = indent;
	if (nd->indent) {
		size_t a = indent ? strlen(indent) : 0, b = strlen(nd->indent);
		full = xmalloc(a + b + 1);
		if (a)
			memcpy(full, indent, a);
		memcpy(full + a, nd->indent, b + 1);
		use = full;
	}
	r->depth++;
	int rc = render_nodes(r, &t->root, use);
	r->depth--;
	free(full);
	return rc;
}

static int
render_nodes(struct render *r, const struct node *parent, const char *indent)
{
	for (size_t i = 0; i < parent->n_kids; i++) {
		const struct node *nd = &parent->kids[i];
		int rc = 0;
		switch (nd->type) {
		case N_TEXT:
			rc = put_text(r, nd->text, nd->len, indent);
			break;
		case N_VAR:
		case N_RAW:
			rc = put_value(r, lookup(r, nd),
				       nd->type == N_VAR && r->esc == MUSTACHE_ESCAPE_HTML, indent);
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(r, nd, indent);
			break;
		case N_PARTIAL:
			rc = render_partial(r, nd, indent);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
mustache_render(const struct mustache_set *set, const char *name, json_t *const *ctx, size_t n,
		enum mustache_escape esc, struct buf *out, char *err, size_t errlen)
{
	const struct template *t = mustache_find(set, name);
	if (!t) {
		snprintf(err, errlen, "no template '%s'", name);
		return -1;
	}
	struct render r = {
		.set = set, .esc = esc, .out = out, .at_line_start = 1, .err = err, .errlen = errlen
	};
	for (size_t i = 0; i < n; i++)
		push(&r, ctx[i]);
	size_t before = out->len;
	int rc = render_nodes(&r, &t->root, NULL);
	free(r.stack);
	if (rc < 0 && out->data) {
		out->len = before;
		out->data[before] = '\0';
	}
	return rc;
}
