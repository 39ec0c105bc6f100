/*
 * forward_text.h - lines of a complaint body as the forward parser sees
 * them (forward_text.c).  Internal to responder/forward*.c.
 *
 * A fwd_text borrows the caller's string; the line array is owned and
 * freed by fwd_text_free().
 */
#ifndef RESPONDER_FORWARD_TEXT_H
#define RESPONDER_FORWARD_TEXT_H

#include "responder/forward/forward_int.h"

#include <stddef.h>

struct fwd_line {
	size_t off; /* byte offset of the line in the text */
	size_t len; /* without the LF and a CR before it */
};

struct fwd_text {
	const char *s; /* borrowed */
	size_t n;
	size_t end;		/* bytes covered by the kept lines */
	struct fwd_line *lines; /* owned */
	size_t nlines;
};

/* Splits s[0..n) into at most FWD_MAX_LINES lines. */
void fwd_text_init(struct fwd_text *t, const char *s, size_t n);
void fwd_text_free(struct fwd_text *t);
/* Offset just after line i (its line end included). */
size_t fwd_line_end(const struct fwd_text *t, size_t i);
/* Line i without leading blanks, quote marks ("> > "), BOMs and trailing
 * blanks; *depth_r = number of quote marks. */
void fwd_view(const struct fwd_text *t, size_t i, const char **v_r, size_t *n_r, int *depth_r);
/* When the view is a header field line ("Von: x", "*From:* x", "件名：x"),
 * its field (and label language) and the value span; else FF_NONE. */
enum fwd_field fwd_field_line(const char *v, size_t n, const char **lang_r, const char **val_r,
			      size_t *valn_r);
/* Lines [from, to) as text: `depth` quote marks removed from each line (or,
 * with depth 0 and unquote_all, one mark when every non-blank line has
 * one), the common indent of non-blank lines removed, BOMs and trailing
 * blanks dropped, blank lines at both ends dropped.  NULL when nothing
 * is left; else malloc'd (caller frees). */
char *fwd_text_range(const struct fwd_text *t, size_t from, size_t to, int depth, int unquote_all);

#endif
