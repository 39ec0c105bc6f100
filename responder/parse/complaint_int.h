/*
 * complaint_int.h - helpers the complaint files share (complaint.c,
 * complaint_json.c, html_text.c).  Not for other modules.
 */
#ifndef RESPONDER_COMPLAINT_INT_H
#define RESPONDER_COMPLAINT_INT_H

#include <stddef.h>

#include "responder/parse/complaint.h"

/* A malloc'd copy of n bytes of s as valid UTF-8 (bad bytes become U+FFFD),
 * control characters as spaces (with keep_newlines: LF kept, CR dropped),
 * at most `cap` bytes, never cutting a character: utf8_clean() with
 * CPL_CLEAN_TEXT or CPL_CLEAN_LINE (complaint.h).  Caller frees; never
 * NULL. */
char *cpl_clean(const char *s, size_t n, size_t cap, int keep_newlines);
/* Adds a note for the log (deduplicated, capped). */
void cpl_note(struct complaint *c, const char *note);

#endif
