/*
 * mime_out.h - the pieces of an outgoing RFC 5322 / MIME message: folded
 * and RFC 2047-encoded headers, the headers and delimiters of a multipart
 * structure, quoted-printable and base64 bodies, the Date format, and
 * sanitising of text that came from a peer.
 *
 * Everything written here uses CRLF line ends and keeps header lines at
 * most 78 characters where there is white space (or an encoded word
 * boundary) to fold at.
 *
 * SECURITY: mime_clean_text() is where peer text becomes something safe to
 * put in mail: common/utf8.h's cleaner with the MIME writer's policy (valid
 * UTF-8 only, no control characters, no CR/LF at all in single-line mode,
 * no bidirectional overrides).  The header writers additionally never
 * emit a bare CR or LF from a value.
 */
#ifndef RESPONDER_MIME_OUT_H
#define RESPONDER_MIME_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define MIME_LINE_MAX 78

/* A cleaned copy of n bytes of `s` (NULL gives ""): invalid UTF-8 becomes
 * U+FFFD, C0/C1 controls and DEL are dropped, bidi embedding/override/
 * isolate controls are dropped.  multiline: LF, CRLF and lone CR become
 * "\n", TAB is kept; else every CR, LF and TAB becomes one space and the
 * result is trimmed.  Caller frees; never NULL. */
char *mime_clean_text(const char *s, size_t n, int multiline);
/* Same for a NUL-terminated string (NULL gives ""). */
char *mime_clean(const char *s, int multiline);

/* 1 when s[0..n) is valid UTF-8 (utf8_valid: shortest forms, no
 * surrogates, at most U+10FFFF); else 0 with *bad_r (may be NULL) the
 * offset of the first bad byte. */
int mime_utf8_valid(const char *s, size_t n, size_t *bad_r);

/* Cuts a UTF-8 string in place to at most `max` bytes, on a character
 * boundary.  Returns 1 when it cut. */
int mime_utf8_truncate(char *s, size_t max);

/* "Name: value" with value already in header syntax (ASCII), folded at
 * spaces to MIME_LINE_MAX, CRLF-terminated.  CR and LF in value become
 * spaces. */
int mime_put_header(struct buf *b, const char *name, const char *value);
/* An unstructured header (Subject): printable ASCII goes out as it is,
 * folded; anything else as RFC 2047 "Q" encoded words of UTF-8. */
int mime_put_header_text(struct buf *b, const char *name, const char *utf8);
/* An address header with one mailbox: `"Display" <addr>`, the display name
 * quoted or RFC 2047-encoded as needed (NULL or "" display: just addr).
 * `addr` must already have passed addr_valid(). */
int mime_put_header_mailbox(struct buf *b, const char *name, const char *display, const char *addr);

/*
 * Multipart assembly (RFC 2046).  Every header of the structure is written
 * here, folded like the others; the caller writes the bodies:
 *
 *   mime_multipart_begin(b, "mixed", M, preamble)   last of the headers
 *   mime_part_begin(b, M, &part)   "--M", the part's headers, blank line
 *   ...body...
 *   mime_part_begin(b, M, NULL)    "--M" only: a nested multipart follows,
 *   mime_multipart_begin(b, "alternative", A, NULL)   as its headers
 *   ...parts of A..., mime_multipart_end(b, A)
 *   mime_multipart_end(b, M)       "--M--"
 *
 * A body must end with CRLF before the next delimiter.  RFC 2046 counts
 * the CRLF before a delimiter as the delimiter's, so a reader drops a
 * body's last line break: write one more CRLF where that break matters.
 *
 * A boundary is 1 to 66 characters of RFC 2046's bchars without space
 * (letters, digits, '()+_,-./:=?) and must not occur in any body; the
 * caller makes it so (compose.c's start with "=_").  A name or filename
 * is at most 66 printable ASCII characters without '"' and '\\'; each
 * goes quoted on a line of its own.  Other arguments are the caller's
 * constants (a type, a charset), never peer text.
 *
 * Each returns 0, or -1 when a boundary, name or filename breaks the
 * rules above (nothing is written) or b's cap is reached (b may then hold
 * part of the output).  Strings are borrowed, read during the call only.
 */
struct mime_part {
	const char *type;	 /* "text/plain" */
	const char *charset;	 /* "utf-8" or NULL */
	const char *name;	 /* Content-Type name=, or NULL */
	const char *disposition; /* "attachment", "inline" or NULL */
	const char *filename;	 /* Content-Disposition filename=, or NULL */
	const char *encoding;	 /* Content-Transfer-Encoding, or NULL */
};

/* "Content-Type: multipart/<subtype>;" with the boundary on the next line,
 * the blank line that ends the headers, then `preamble` (NULL: none; text
 * for readers without MIME) as a line of its own and an empty line. */
int mime_multipart_begin(struct buf *b, const char *subtype, const char *boundary,
			 const char *preamble);
/* "--<boundary>" and, with p, Content-Type, Content-Disposition and
 * Content-Transfer-Encoding as set in p and the blank line after them. */
int mime_part_begin(struct buf *b, const char *boundary, const struct mime_part *p);
/* "--<boundary>--": the multipart ends. */
int mime_multipart_end(struct buf *b, const char *boundary);

/* 1 when text (with LF or CRLF line ends) can go out as 7bit: ASCII
 * without controls but TAB and without '=' (so a "=_" boundary can never
 * occur in it), lines <= 76, no trailing white space, no line
 * starting with "From " or ".". */
int mime_is_7bit_safe(const char *s, size_t n);
/* Text with LF or CRLF line ends -> quoted-printable with CRLF hard
 * breaks, soft breaks so no line passes 76; "From " and "." at a line
 * start are encoded so the text survives mbox and SMTP layers unchanged. */
int mime_put_qp(struct buf *b, const char *s, size_t n);
/* Text -> the same text with CRLF line ends (for 7bit parts). */
int mime_put_crlf(struct buf *b, const char *s, size_t n);
/* Bytes -> base64, 76 characters a line, CRLF. */
int mime_put_base64(struct buf *b, const void *data, size_t n);

/* RFC 5322 date of `t` in UTC: "Sun, 29 Nov 2026 15:04:54 +0000". */
void mime_date(int64_t t, char *out, size_t size);
/* "2026-11-20 09:14:03 UTC" (what people read). */
void mime_human_time(int64_t t, char *out, size_t size);

/* A message-id is kept only when it is "<...>" of printable ASCII without
 * white space, '<', '>' or '"' inside, at most 250 bytes.  1 when valid. */
int mime_msgid_valid(const char *id);

#endif
