/*
 * xalloc.h - allocation that cannot fail.
 *
 * Out of memory is an environment failure (Postfix's msg_fatal class): these
 * print one line and abort instead of returning NULL, so callers need no
 * error path for it.  Input-driven sizes must be capped before they get here.
 */
#ifndef COMMON_XALLOC_H
#define COMMON_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of `size`-byte items to at least `need` items. */
void *xreallocarray(void *p, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* NULL stays NULL. */
char *xstrdup_or_null(const char *s);

#endif
