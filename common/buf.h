/*
 * buf.h - growable byte buffers with a hard maximum.
 *
 * Every buffer that grows from input has a cap (STYLE.md): appending past
 * `max` fails with -1 and leaves the buffer as it was.  The data is always
 * NUL-terminated so it can be used as a C string when it holds text, and
 * `len` is authoritative when it holds bytes (which may contain NUL).
 */
#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len */
};

/* max == 0 means BUF_DEFAULT_MAX. */
void buf_init(struct buf *b, size_t max);
/* 0 on success, -1 when the result would exceed b->max.
 * Aborts on out-of-memory, like Postfix's mymalloc. */
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Never NULL: "" for an empty buffer.  Borrowed: valid until the next change. */
const char *buf_cstr(const struct buf *b);
/* Hands the data to the caller (free() it) and empties the buffer.
 * Never NULL. */
char *buf_steal(struct buf *b, size_t *len_r);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
