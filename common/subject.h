/*
 * subject.h - subject normalisation for matching.
 *
 * A complaint's subject is the original's subject behind any number of
 * reply/forward prefixes in many languages ("Re:", "Fwd:", "WG:", "TR:",
 * "AW:", "SV:", "RV:", "Antw:", "Odp:", "ПЕР:" ...), with mail-client tags
 * ("[EXTERNAL]") and different case and punctuation.  subject_normalize()
 * maps both sides to the same key: prefixes and leading tags removed,
 * ASCII lower-cased, punctuation turned into single spaces.
 */
#ifndef COMMON_SUBJECT_H
#define COMMON_SUBJECT_H

#include <stddef.h>

/* Returns a malloc'd normalised copy of a UTF-8 subject (caller frees).
 * "Re: FW: Invoice #1042!" -> "invoice 1042". */
char *subject_normalize(const char *subject);
/* Pointer into `subject` past every reply/forward prefix and leading tag. */
const char *subject_strip_prefixes(const char *subject);
/* Similarity of two normalised subjects in [0,1]: Dice coefficient over
 * their word sets (1 = same words). */
double subject_similarity(const char *a_norm, const char *b_norm);

#endif
