/*
 * xalloc.c - allocation that aborts on out-of-memory.
 *
 * The bottom of common/: it calls nothing else of the tree, so that the
 * logger (and the UTF-8 code it cleans lines with) may allocate through
 * it without a circle.  Out of memory is reported with one write(2) and
 * abort(), which needs no memory either.
 */
#include "common/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
oom(size_t n)
{
	char msg[96];
	int len =
	    snprintf(msg, sizeof(msg), "responder: fatal: out of memory allocating %zu bytes\n", n);

	if (len > 0)
		(void)!write(2, msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

void *
xreallocarray(void *p, size_t need, size_t size)
{
	if (size != 0 && need > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, need * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}
