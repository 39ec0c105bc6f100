/*
 * mustache_int.h - the parsed template tree, shared by mustache.c (parsing,
 * the set) and mustache_render.c.  Not for other modules.
 */
#ifndef RESPONDER_MUSTACHE_INT_H
#define RESPONDER_MUSTACHE_INT_H

#include <stddef.h>

#include "responder/mustache/mustache.h"

enum node_type { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_type type;
	int line;
	char *text;   /* N_TEXT: the text; else the tag name */
	size_t len;   /* N_TEXT: its length */
	char **parts; /* variables and sections: the dotted name split;
				 * NULL for "." (the implicit iterator) */
	size_t n_parts;
	char *indent;	   /* N_PARTIAL: standalone indentation, or NULL */
	struct node *kids; /* sections */
	size_t n_kids, cap_kids;
};

struct template
{
	char *name;
	char *file;
	struct node root; /* an N_SECTION holding the top level */
};

struct mustache_set {
	struct template *v;
	size_t n, cap;
};

/* The template called `name`, or NULL. */
const struct template *mustache_find(const struct mustache_set *set, const char *name);

#endif
