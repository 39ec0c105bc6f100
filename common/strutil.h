/*
 * strutil.h - small string helpers: bounded copies, case, trimming,
 * address checks, sanitising text that came from a peer.
 */
#ifndef COMMON_STRUTIL_H
#define COMMON_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Copies at most size-1 bytes and always terminates.  Returns strlen(src);
 * a result >= size means the copy was truncated. */
size_t str_copy(char *dst, const char *src, size_t size);
/* ASCII lower-casing in place; returns s. */
char *str_lower(char *s);
/* Strips ASCII white space at both ends in place; returns s (moved). */
char *str_trim(char *s);
int str_starts_with(const char *s, const char *prefix);
int str_starts_with_nocase(const char *s, const char *prefix);
int str_ends_with_nocase(const char *s, const char *suffix);
/* Replaces CR, LF and other ASCII control characters (but TAB) and DEL by
 * a space, in place, so peer text can go into one log line or one header.
 * Bytes >= 0x80 are left alone (invalid UTF-8 and C1 controls pass): not
 * for a terminal, which wants utf8_clean_terminal() (common/utf8.h). */
char *str_sanitize_line(char *s);

/* 64-bit FNV-1a of `n` bytes, going on from `h` (FNV1A_INIT to start): the
 * one hash of the tree's hash tables, fingerprints and stable ids. */
#define FNV1A_INIT 0xcbf29ce484222325ULL
uint64_t fnv1a(uint64_t h, const void *data, size_t n);

/* 1 when `s` is an RFC 3463 enhanced status code: class 2, 4 or 5, then
 * subject and detail of 1 to 3 digits each ("5.1.1", "4.7.509"). */
int enhanced_status_valid(const char *s);

/* 1 when `addr` is a plain mailbox we may put in an SMTP envelope or a
 * header: local@domain, exactly one '@', no white space, quotes, angle
 * brackets, control characters or CR/LF, local part <= 64 and whole <= 254
 * bytes, domain made of dot-separated labels.  0 otherwise. */
int addr_valid(const char *addr);
/* Lower-cased copy of an address with surrounding white space and one pair
 * of angle brackets removed.  Caller frees.  NULL if nothing is left. */
char *addr_normalize(const char *addr);
/* Pointer to the domain part (after the last '@'), or NULL. */
const char *addr_domain(const char *addr);

#endif
