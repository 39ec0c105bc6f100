/*
 * mustache.c - the Mustache engine's parser and template set: parse once
 * into a tree (mustache_int.h), render many times (mustache_render.c); see
 * mustache.h for the contract.
 *
 * Parsing walks the source once, with the current delimiters, and builds a
 * node tree per template: text, variable, raw variable, section, inverted
 * section, partial.  Comments and set-delimiter tags leave no node.  The
 * standalone-line rule (a line holding only white space and one section,
 * inverted, closing, comment, partial or delimiter tag disappears whole)
 * is applied while parsing, so rendering never looks at line structure
 * except to indent the lines of a standalone partial.
 *
 * SECURITY: template text comes from the admin, and a broken template is
 * refused with "file:line: why".  Data is never parsed as template text.
 * Section nesting is capped at parse time (MAX_NESTING) and partial
 * nesting at render time (MUSTACHE_MAX_DEPTH); the output is capped by
 * the caller's buffer.
 */
#include "responder/mustache/mustache_int.h"

#include <stdio.h>
#include <string.h>

#include "common/strutil.h"
#include "common/xalloc.h"

#define MAX_NESTING 50
#define MAX_DELIM 16

/* ---- the tree ----------------------------------------------------------- */

static void
node_free(struct node *nd)
{
	for (size_t i = 0; i < nd->n_kids; i++)
		node_free(&nd->kids[i]);
	free(nd->kids);
	for (size_t i = 0; i < nd->n_parts; i++)
		free(nd->parts[i]);
	free(nd->parts);
	free(nd->text);
	free(nd->indent);
}

static struct node *
node_add(struct node *parent, enum node_type type, int line)
{
	if (parent->n_kids == parent->cap_kids) {
		parent->cap_kids = parent->cap_kids ? parent->cap_kids * 2 : 8;
		parent->kids = xreallocarray(parent->kids, parent->cap_kids, sizeof(*parent->kids));
	}
	struct node *nd = &parent->kids[parent->n_kids++];
	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->line = line;
	return nd;
}

static void
add_text(struct node *parent, const char *s, size_t n, int line)
{
	if (n == 0)
		return;
	struct node *nd = node_add(parent, N_TEXT, line);
	nd->text = xstrndup(s, n);
	nd->len = n;
}

/* Splits "a.b.c" into parts; "." stays unsplit (parts NULL).  -1 when a
 * part is empty ("a..b", ".a"). */
static int
set_name(struct node *nd, const char *name, size_t n)
{
	nd->text = xstrndup(name, n);
	if (n == 1 && name[0] == '.')
		return 0;
	size_t count = 1;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '.')
			count++;
	nd->parts = xcalloc(count, sizeof(*nd->parts));
	const char *p = name, *end = name + n;
	while (p <= end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *stop = dot ? dot : end;
		if (stop == p)
			return -1;
		nd->parts[nd->n_parts++] = xstrndup(p, (size_t)(stop - p));
		p = stop + 1;
	}
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

struct parser {
	const char *src, *file;
	size_t len;
	size_t line_pos; /* src[0..line_pos) has been counted */
	int line;
	char *err;
	size_t errlen;
};

static int
line_at(struct parser *p, size_t pos)
{
	for (; p->line_pos < pos; p->line_pos++)
		if (p->src[p->line_pos] == '\n')
			p->line++;
	return p->line;
}

static int
fail(struct parser *p, int line, const char *why, const char *name)
{
	if (name)
		snprintf(p->err, p->errlen, "%s:%d: %s '%s'", p->file, line, why, name);
	else
		snprintf(p->err, p->errlen, "%s:%d: %s", p->file, line, why);
	str_sanitize_line(p->err); /* the name may hold a line break: one line */
	return -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, const char **e)
{
	while (*s < *e && (is_blank(**s) || **s == '\r' || **s == '\n'))
		(*s)++;
	while (*e > *s && (is_blank((*e)[-1]) || (*e)[-1] == '\r' || (*e)[-1] == '\n'))
		(*e)--;
}

static const char *
find(const char *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle));
}

/* "{{=<% %>=}}": the content between the '=' signs holds two delimiters. */
static int
set_delimiters(const char *s, const char *e, char *otag, char *ctag)
{
	trim(&s, &e);
	const char *a = s;
	while (s < e && !is_blank(*s))
		s++;
	size_t alen = (size_t)(s - a);
	while (s < e && is_blank(*s))
		s++;
	const char *b = s;
	while (s < e && !is_blank(*s))
		s++;
	size_t blen = (size_t)(s - b);
	if (s != e || alen == 0 || blen == 0 || alen >= MAX_DELIM || blen >= MAX_DELIM ||
	    memchr(a, '=', alen) || memchr(b, '=', blen))
		return -1;
	memcpy(otag, a, alen);
	otag[alen] = '\0';
	memcpy(ctag, b, blen);
	ctag[blen] = '\0';
	return 0;
}

static int
parse(struct parser *p, struct node *root)
{
	char otag[MAX_DELIM] = "{{", ctag[MAX_DELIM] = "}}";
	struct node *stack[MAX_NESTING + 1];
	size_t depth = 0;
	const char *src = p->src;
	size_t pos = 0;

	stack[0] = root;
	for (;;) {
		struct node *cur = stack[depth];
		const char *t = find(src + pos, p->len - pos, otag);
		if (!t) {
			add_text(cur, src + pos, p->len - pos, line_at(p, pos));
			break;
		}
		size_t tpos = (size_t)(t - src);
		int line = line_at(p, tpos);
		size_t cstart = tpos + strlen(otag);
		char type = cstart < p->len ? src[cstart] : '\0';
		const char *close = ctag;
		char triple_close[MAX_DELIM + 1];
		if (type == '{') {
			triple_close[0] = '}';
			memcpy(triple_close + 1, ctag, strlen(ctag) + 1);
			close = triple_close;
		}
		if (strchr("!#^/>&{=", type) && type != '\0')
			cstart++;
		const char *ce = find(src + cstart, p->len - cstart, close);
		if (!ce)
			return fail(p, line, "unclosed tag, missing", close);
		size_t cend = (size_t)(ce - src);
		size_t tag_end = cend + strlen(close);
		const char *ns = src + cstart, *ne = src + cend;
		if (type == '=') {
			if (ne == ns || ne[-1] != '=')
				return fail(p, line, "bad set-delimiter tag", NULL);
			ne--;
		}
		trim(&ns, &ne);

		/* The standalone rule: only white space around the tag on its line. */
		size_t text_end = tpos, next = tag_end;
		char *indent = NULL;
		if (strchr("#^/!>=", type) && type != '\0') {
			size_t ls = tpos;
			while (ls > pos && is_blank(src[ls - 1]))
				ls--;
			size_t re = tag_end;
			while (re < p->len && is_blank(src[re]))
				re++;
			int left = ls == 0 || src[ls - 1] == '\n';
			int right = 0;
			if (re == p->len) {
				right = 1;
			} else if (src[re] == '\n') {
				right = 1;
				re++;
			} else if (src[re] == '\r' && re + 1 < p->len && src[re + 1] == '\n') {
				right = 1;
				re += 2;
			}
			if (left && right) {
				text_end = ls;
				next = re;
				if (type == '>' && tpos > ls)
					indent = xstrndup(src + ls, tpos - ls);
			}
		}
		add_text(cur, src + pos, text_end - pos, line_at(p, pos));
		pos = next;

		size_t nlen = (size_t)(ne - ns);
		if (type != '!' && type != '=' && nlen == 0) {
			free(indent);
			return fail(p, line, "empty tag name", NULL);
		}
		switch (type) {
		case '!':
			break;
		case '=':
			if (set_delimiters(ns, ne, otag, ctag) < 0)
				return fail(p, line, "bad set-delimiter tag", NULL);
			break;
		case '#':
		case '^': {
			if (depth == MAX_NESTING)
				return fail(p, line, "sections nested too deeply at", NULL);
			struct node *nd = node_add(cur, type == '#' ? N_SECTION : N_INVERTED, line);
			if (set_name(nd, ns, nlen) < 0)
				return fail(p, line, "bad name", nd->text);
			stack[++depth] = nd;
			break;
		}
		case '/': {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)nlen, ns);
			if (depth == 0)
				return fail(p, line, "closing tag without an open section:", name);
			if (strlen(cur->text) != nlen || memcmp(cur->text, ns, nlen) != 0) {
				char why[512];
				snprintf(
				    why, sizeof(why),
				    "closing tag does not match section '%s' opened on line %d:",
				    cur->text, cur->line);
				return fail(p, line, why, name);
			}
			depth--;
			break;
		}
		case '>': {
			struct node *nd = node_add(cur, N_PARTIAL, line);
			nd->text = xstrndup(ns, nlen);
			nd->indent = indent;
			indent = NULL;
			break;
		}
		default: {
			struct node *nd =
			    node_add(cur, type == '&' || type == '{' ? N_RAW : N_VAR, line);
			if (set_name(nd, ns, nlen) < 0)
				return fail(p, line, "bad name", nd->text);
			break;
		}
		}
		free(indent);
	}
	if (depth > 0) {
		struct node *open = stack[depth];
		return fail(p, open->line, "section is never closed:", open->text);
	}
	return 0;
}

/* ---- the set ------------------------------------------------------------ */

struct mustache_set *
mustache_set_new(void)
{
	return xcalloc(1, sizeof(struct mustache_set));
}

static void
template_free(struct template *t)
{
	node_free(&t->root);
	free(t->name);
	free(t->file);
}

void
mustache_set_free(struct mustache_set **set)
{
	if (!set || !*set)
		return;
	for (size_t i = 0; i < (*set)->n; i++)
		template_free(&(*set)->v[i]);
	free((*set)->v);
	free(*set);
	*set = NULL;
}

static struct template *
set_find(const struct mustache_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	return NULL;
}

const struct template *
mustache_find(const struct mustache_set *set, const char *name)
{
	return set_find(set, name);
}

int
mustache_set_has(const struct mustache_set *set, const char *name)
{
	return set_find(set, name) != NULL;
}

int
mustache_set_add(struct mustache_set *set, const char *name, const char *file, const char *src,
		 size_t len, char *err, size_t errlen)
{
	struct parser p = { .src = src,
			    .file = file ? file : name,
			    .len = len,
			    .line = 1,
			    .err = err,
			    .errlen = errlen };
	const char *nul = memchr(src, '\0', len);
	if (nul)
		return fail(&p, line_at(&p, (size_t)(nul - src)), "NUL byte in template", NULL);

	struct template t = { 0 };
	t.root.type = N_SECTION;
	if (parse(&p, &t.root) < 0) {
		node_free(&t.root);
		return -1;
	}
	t.name = xstrdup(name);
	t.file = xstrdup(p.file);
	struct template *old = set_find(set, name);
	if (old) {
		template_free(old);
		*old = t;
		return 0;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
	}
	set->v[set->n++] = t;
	return 0;
}

static const struct node *
missing_partial(const struct mustache_set *set, const struct node *nd)
{
	if (nd->type == N_PARTIAL && !set_find(set, nd->text))
		return nd;
	for (size_t i = 0; i < nd->n_kids; i++) {
		const struct node *m = missing_partial(set, &nd->kids[i]);
		if (m)
			return m;
	}
	return NULL;
}

int
mustache_set_check_partials(const struct mustache_set *set, char *err, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct node *m = missing_partial(set, &set->v[i].root);
		if (m) {
			snprintf(err, errlen, "%s:%d: unknown partial '%s'", set->v[i].file,
				 m->line, m->text);
			str_sanitize_line(err);
			return -1;
		}
	}
	return 0;
}

static const struct node *
unknown_name(const struct node *nd, int (*known)(const char *, void *), void *arg)
{
	if ((nd->type == N_VAR || nd->type == N_RAW || nd->type == N_SECTION ||
	     nd->type == N_INVERTED) &&
	    nd->parts && !known(nd->parts[0], arg))
		return nd;
	for (size_t i = 0; i < nd->n_kids; i++) {
		const struct node *m = unknown_name(&nd->kids[i], known, arg);
		if (m)
			return m;
	}
	return NULL;
}

int
mustache_set_check_names(const struct mustache_set *set, int (*known)(const char *name, void *arg),
			 void *arg, char *err, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct node *m = unknown_name(&set->v[i].root, known, arg);
		if (m) {
			snprintf(err, errlen, "%s:%d: unknown name '%s'", set->v[i].file, m->line,
				 m->text);
			str_sanitize_line(err);
			return -1;
		}
	}
	return 0;
}
