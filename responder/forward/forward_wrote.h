/*
 * forward_wrote.h - "On <date>, <name> <addr> wrote:" lines in the
 * supported languages (forward_wrote.c).  Internal to responder/forward*.c.
 */
#ifndef RESPONDER_FORWARD_WROTE_H
#define RESPONDER_FORWARD_WROTE_H

#include "responder/forward/forward_int.h"

struct fwd_wrote {
	struct fwd_address from; /* owned: name may be NULL, address set */
	char *date_text;	 /* owned or NULL */
	int64_t date;		 /* 0 when unparseable */
};

/* Parses one line (view without quote marks; a wrapped "...\nwrote:" is
 * joined by the caller).  The line must end with ':' and hold a "wrote"
 * verb and an address.  0 and *w filled (caller frees the members), or -1
 * and *w zeroed. */
int fwd_wrote_parse(const char *s, size_t n, const char *lang, struct fwd_wrote *w);

#endif
