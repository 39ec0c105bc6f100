/*
 * utf8.h - the one UTF-8 decoder of the tree, a validator, and the
 * cleaners that make peer text safe for one line (a header, a log line),
 * several lines (a reply body, a stored text) or a terminal.
 *
 * Valid UTF-8 here is RFC 3629's: shortest form only, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.  A byte
 * that does not start a valid sequence is "invalid" on its own: decoding
 * resumes at the next byte, so one bad byte costs one replacement.
 *
 * The cleaners share one engine and differ by flags, because the modules
 * that use them had (and keep) different, deliberate policies: the MIME
 * writer drops controls and bidi formatting, the complaint parser keeps
 * TAB and treats C1 controls as invalid, the terminal replaces invalid
 * bytes by '?' and removes escape sequences.
 *
 * SECURITY: every function reads at most n bytes of its input (NUL is an
 * ordinary byte to them) and bounds its output: a cleaner writes at most
 * 3 bytes per input byte and never more than its cap.  The terminal
 * cleaner's output contains no C0 control but LF and TAB (multi-line
 * mode), no DEL, no C1 control, no ESC, no bidi formatting character and
 * no invalid UTF-8, so stored text cannot move the cursor, retitle the
 * window, write the clipboard (OSC 52) or reorder what the admin reads.
 */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu
#define UTF8_REPLACEMENT_STR "\xef\xbf\xbd"

/* ---- decoding ------------------------------------------------------------ */

/* Decodes the sequence at s[0..n) (n may be 0).  Returns its length (1..4)
 * with the code point in *cp_r, or 0 when s does not start with a valid
 * sequence (then *cp_r is UTF8_REPLACEMENT and the caller skips one byte).
 * Pure. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp_r);
/* The code point at *pp (< end) and advances *pp past it: by the sequence,
 * or by one byte and U+FFFD when it is invalid.  Never reads at or past
 * end; *pp < end is the caller's to check. */
uint32_t utf8_next(const char **pp, const char *end);
/* 1 when s[0..n) is valid UTF-8; else 0 with *bad_r (may be NULL) the
 * offset of the first invalid byte.  Pure. */
int utf8_valid(const char *s, size_t n, size_t *bad_r);
/* 1 when cp is a control character: C0 (TAB, LF and CR included), DEL or
 * C1 (U+0080..U+009F).  Pure. */
int utf8_is_control(uint32_t cp);

/* ---- cleaning ------------------------------------------------------------ */

/* Flags of the cleaners.  Without any flag: an invalid byte becomes U+FFFD;
 * CR, LF, TAB and every other C0 control, DEL and each C1 control become one
 * space; everything else is copied. */
enum utf8_clean_flag {
	/* several lines: LF and TAB are kept, CR LF becomes LF, a lone CR is
	 * dropped (see UTF8_CR_ENDS_LINE) */
	UTF8_LINES = 1 << 0,
	/* with UTF8_LINES: a lone CR becomes LF instead of being dropped */
	UTF8_CR_ENDS_LINE = 1 << 1,
	/* U+2028 and U+2029 are line ends (LF, or a space on one line) */
	UTF8_LS_PS_ENDS_LINE = 1 << 2,
	/* one line: TAB is kept */
	UTF8_KEEP_TAB = 1 << 3,
	/* other controls (C0 but the line ends and TAB, DEL, C1) are removed
	 * instead of becoming a space */
	UTF8_DROP_CONTROLS = 1 << 4,
	/* a C1 control (U+0080..U+009F) counts as invalid: each of its two
	 * bytes is replaced (the complaint parser's policy) */
	UTF8_C1_INVALID = 1 << 5,
	/* removes the invisible direction marks and overrides: LRM, RLM,
	 * U+202A..U+202E, U+2066..U+2069 and U+FEFF */
	UTF8_DROP_BIDI = 1 << 6,
	/* an invalid byte becomes '?' instead of U+FFFD */
	UTF8_QMARK = 1 << 7,
	/* one line: leading and trailing spaces are removed */
	UTF8_TRIM = 1 << 8,
	/* removes ESC and C1 escape sequences whole (CSI ... final, OSC/DCS/
	 * SOS/PM/APC ... BEL or ST, ESC + intermediates + final); a string
	 * sequence also ends at any other C0 control or the end of input */
	UTF8_ESCAPES = 1 << 9,
};

/* The terminal's policy: what utf8_clean_terminal() uses. */
#define UTF8_TERMINAL (UTF8_ESCAPES | UTF8_DROP_BIDI | UTF8_QMARK)

/* A malloc'd, NUL-terminated cleaned copy of n bytes of s (NULL is read as
 * "") under `flags`, at most `cap` bytes long (0: no cap but the natural
 * 3 * n), cut before the first character that does not fit, so never
 * inside a character.  *len_r (may be NULL) gets its length.  Caller
 * frees; never NULL (aborts on out-of-memory like xmalloc). */
char *utf8_clean(const char *s, size_t n, size_t cap, unsigned flags, size_t *len_r);
/* One line (a header value, a log line): utf8_clean without UTF8_LINES. */
char *utf8_clean_line(const char *s, size_t n, size_t cap, unsigned flags);
/* Several lines: utf8_clean with UTF8_LINES. */
char *utf8_clean_lines(const char *s, size_t n, size_t cap, unsigned flags);
/* Text for a terminal: UTF8_TERMINAL, with UTF8_LINES when `multiline`
 * (LF and TAB kept, CR dropped); on one line every control is a space.
 * Invalid bytes become '?'.  No cap: the output is at most n bytes.
 * Caller frees; never NULL. */
char *utf8_clean_terminal(const char *s, size_t n, int multiline);

/* A malloc'd copy of n bytes of s in which only the invalid bytes are
 * replaced (by '?' with UTF8_QMARK, else U+FFFD; other flags are
 * ignored): for JSON, which escapes controls itself.  *len_r may be NULL.
 * Caller frees; never NULL. */
char *utf8_make_valid(const char *s, size_t n, unsigned flags, size_t *len_r);

#endif
