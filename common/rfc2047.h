/*
 * rfc2047.h - decoding RFC 2047 encoded words ("=?charset?B|Q?text?=") in
 * header values, to UTF-8 through glibc's iconv.
 *
 * This is our own decoder on purpose: the Postfix importer runs it outside
 * the sandbox on subjects that senders control, where libetpan's decoder
 * (which has crashed on such input, see the notes) must not run.
 *
 * SECURITY: the input is anyone's header text.  The output is capped
 * (maxlen), every decoded word is bounded by its encoded size, charset
 * names are capped at 63 bytes, and a word iconv refuses is kept as
 * literal text.  The decoder does not remove control characters: the
 * caller cleans the result for where it goes (common/utf8.h).
 */
#ifndef COMMON_RFC2047_H
#define COMMON_RFC2047_H

#include <stddef.h>

/* The header value s (NUL-terminated) with its encoded words decoded, as
 * a malloc'd UTF-8 string of at most maxlen bytes (what does not fit is
 * cut; maxlen 0 means the default cap of common/buf.h).
 *   - B and Q words (any case) in any charset iconv knows, RFC 2231
 *     language tags ("utf-8*de") ignored; white space between two encoded
 *     words is dropped; a word with an unknown charset, or bytes invalid
 *     in its charset, stays as it was written;
 *   - text outside words is copied; when the result is not valid UTF-8
 *     (a raw 8-bit header), the whole value is read as Latin-1 instead.
 * Caller frees; never NULL. */
char *rfc2047_decode(const char *s, size_t maxlen);

/* The bytes of a Q word's text in[0..n): "_" is a space, "=XX" (hex, any
 * case) one byte, anything else itself (a lone "=" included).  Writes at
 * most outsize bytes to out (no NUL) and returns how many.  Pure apart
 * from out. */
size_t rfc2047_q_decode(const char *in, size_t n, char *out, size_t outsize);

#endif
