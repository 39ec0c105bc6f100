/*
 * lines.h - reading text files line by line with a cap on line length.
 *
 * Plain and gzip-compressed files are read the same way (zlib reads plain
 * files transparently), "-" is standard input.  A line longer than the cap
 * is skipped whole and reported, never buffered, so memory stays flat
 * whatever the input.  Line ends (LF or CRLF) are removed.
 */
#ifndef STORE_LINES_H
#define STORE_LINES_H

#include <stddef.h>
#include <stdint.h>

#define LINES_DEFAULT_MAX ((size_t)16 * 1024 * 1024)

enum {
	LINES_OK = 1, /* *line_r holds a line */
	LINES_EOF = 0,
	LINES_EREAD = -1,    /* I/O or decompression error; see lines_error() */
	LINES_ETOOLONG = -2, /* the line was longer than the cap and skipped */
};

struct lines;

/* Opens `path` ("-" = stdin).  max_line 0 means LINES_DEFAULT_MAX.
 * NULL on failure with the reason (strerror) in err. */
struct lines *lines_open(const char *path, size_t max_line, char *err, size_t errlen);
/* The next line: borrowed, NUL-terminated, valid until the next call. */
int lines_next(struct lines *lr, const char **line_r, size_t *len_r);
/* 1-based number of the line last returned (or skipped). */
long lines_number(const struct lines *lr);
/* Uncompressed byte offset just after the line last returned. */
uint64_t lines_offset(const struct lines *lr);
/* Positions a plain (uncompressed) file at `offset` and line `lineno`;
 * 0 on success, -1 when the file is shorter or cannot seek. */
int lines_seek(struct lines *lr, uint64_t offset, long lineno);
/* How far into the file itself reading has got: the compressed offset of
 * a .gz file, the plain offset otherwise (for a progress meter against the
 * file's size). */
uint64_t lines_raw_offset(const struct lines *lr);
const char *lines_error(const struct lines *lr);
void lines_close(struct lines **lr);

#endif
