/*
 * forward_int.h - what the forward_*.c files share: the label and
 * separator tables (forward_labels.c), UTF-8 case folding, address-list
 * parsing (forward_addr.c) and date parsing with a language hint
 * (forward_date.c).  Not for use outside responder/forward*.c.
 *
 * All functions take (pointer, length) spans into the caller's text and
 * never read past them; nothing here keeps a pointer after returning.
 */
#ifndef RESPONDER_FORWARD_INT_H
#define RESPONDER_FORWARD_INT_H

#include "responder/forward/forward.h"

#include <stddef.h>
#include <stdint.h>

#include "common/utf8.h"

/* Caps (SECURITY: the input is anyone's text). */
#define FWD_MAX_INPUT ((size_t)16 * 1024 * 1024) /* bytes looked at */
#define FWD_MAX_LINES 400000			 /* lines kept; the body is cut after them */
#define FWD_SCAN_LINES 20000			 /* lines searched for the start of a block */
#define FWD_MAX_FIELD 4096			 /* bytes of one header field value */
#define FWD_MAX_BLOCK 24			 /* header lines of one block */
#define FWD_MAX_ADDRS 100			 /* entries of one To/Cc list */
#define FWD_MAX_NAME 512			 /* bytes of one display name or address */
#define FWD_MAX_DATE 256			 /* bytes of a date text */
#define FWD_MAX_TRIES 8				 /* one-line blocks and "wrote:" lines tried */

enum fwd_field {
	FF_NONE = 0,
	FF_FROM,
	FF_TO,
	FF_CC,
	FF_BCC,
	FF_SUBJECT,
	FF_DATE,
	FF_REPLYTO,
	FF_OTHER, /* known but unused: Importance, Attachments ... */
	FF_COUNT
};

/* --- UTF-8 ------------------------------------------------------------ */

/* Characters are decoded with utf8_next() (common/utf8.h): a malformed
 * byte decodes as U+FFFD and moves by one. */
/* Simple case folding for Latin, Latin-1/Extended-A, Romanian and
 * Cyrillic letters (enough for the labels, months and zones we know). */
uint32_t fwd_fold(uint32_t c);
/* 1 when s[0..n) equals the NUL-terminated t under folding. */
int fwd_eq_fold(const char *s, size_t n, const char *t);
/* When t is a prefix of s[0..n) under folding, the bytes of s it covers;
 * 0 otherwise. */
size_t fwd_prefix_fold(const char *s, size_t n, const char *t);
/* 1 for white space we trim: ASCII space/TAB/CR/LF/VT/FF, NBSP, narrow
 * NBSP, BOM, zero-width space.  *len_r gets the byte length. */
int fwd_is_space_at(const char *s, size_t n, size_t *len_r);
/* Trims fwd_is_space_at() characters at both ends of a span. */
void fwd_trim(const char **s, size_t *n);

/* Cheap test before a folded comparison of table string t with text
 * starting with byte c: ASCII first letters must match without case; two
 * non-ASCII first bytes are left to the fold (İ is the one non-ASCII
 * letter folding to ASCII, and no table string starts with it). */
static inline int
fwd_first_may_match(const char *t, char c)
{
	unsigned char a = (unsigned char)t[0], b = (unsigned char)c;

	if (a >= 0x80 || b >= 0x80)
		return a >= 0x80 && b >= 0x80;
	return (a | 0x20) == (b | 0x20);
}

/* --- tables (forward_labels.c) ---------------------------------------- */

/* The field a header label names ("Von", "De", "Betreff", "送信者" ...),
 * FF_NONE when unknown.  *lang_r gets the label's language code when it
 * belongs to one language only, else NULL. */
enum fwd_field fwd_label_lookup(const char *s, size_t n, const char **lang_r);
/* For the one-line (Yahoo) layout: a known label starting at s[0], followed
 * by optional blanks and a colon (or, for the few labels Yahoo writes
 * without one, a blank).  Returns the bytes up to and including the colon,
 * 0 when none; *field_r and *lang_r as above. */
size_t fwd_label_inline(const char *s, size_t n, enum fwd_field *field_r, const char **lang_r);
/* 1 when the phrase (already stripped of dashes and a final colon) names
 * a forwarded or original message in one of the languages.  exact: the
 * whole phrase must match; else a match may be followed by more text. */
int fwd_separator_phrase(const char *s, size_t n, int exact);
/* 1 when the line contains a "wrote" verb ("wrote", "a écrit", "schrieb",
 * "napisał", "ezt írta", ...). */
int fwd_has_wrote_verb(const char *s, size_t n);

enum fwd_subject_kind {
	FWD_SUBJ_NONE,	  /* no subject given */
	FWD_SUBJ_FORWARD, /* starts with a forward prefix (Fw:, WG:, TR: ...) */
	FWD_SUBJ_OTHER
};
enum fwd_subject_kind fwd_subject_kind(const char *subject);
/* Pointer into subject past reply/forward prefixes and leading blanks. */
const char *fwd_subject_strip(const char *subject);

/* --- addresses (forward_addr.c) --------------------------------------- */

/* Parses an address-list value ("A <a@x>, \"B, b\" <b@y>; c@z",
 * "N [mailto:n@x]", "n@x<mailto:n@x>", "Name (n@x)") into at most `max`
 * entries appended to *list_r / *n_r (grown with xreallocarray; entries
 * owned by the list).  Returns the number added. */
size_t fwd_addr_list(const char *s, size_t n, struct fwd_address **list_r, size_t *n_r, size_t max);
/* Fills *a from a name span and an address span (either may be empty):
 * trims, drops quotes, lower-cases the address, and drops a name that only
 * repeats the address.  0 when something was set, -1 when both empty. */
int fwd_addr_make(const char *name, size_t nlen, const char *addr, size_t alen,
		  struct fwd_address *a);

/* --- dates (forward_date.c) ------------------------------------------- */

/* forward_parse_date() with a language hint ("hr", "pl" ... or NULL) that
 * settles month names several languages share ("listopad"). */
int fwd_parse_date_lang(const char *text, size_t n, const char *lang, int64_t *t_r);

#endif
