/*
 * complaint.h - a parsed complaint as a plain struct: the headers policy and
 * extraction need, the decoded text (UTF-8), and the attached originals.
 *
 * complaint_parse() runs libetpan and must only be called inside the
 * sandbox child (sandbox.h) or a fuzzer; the parent gets the struct back
 * through complaint_encode()/complaint_decode() (the pipe's binary form).
 *
 * Ownership: every string and array in struct complaint is malloc'd and
 * owned by it; complaint_free() releases all of it.
 *
 * SECURITY: the input is anyone's mail.  Every string is capped
 * (CPL_MAX_FIELD, CPL_MAX_TEXT), lists are capped (CPL_MAX_LIST,
 * CPL_MAX_ORIGINALS), recursion is capped (CPL_MAX_DEPTH), strings are
 * valid UTF-8 without NUL, and header values have no CR/LF.
 */
#ifndef RESPONDER_COMPLAINT_H
#define RESPONDER_COMPLAINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/utf8.h"

#define CPL_MAX_FIELD 4096	   /* bytes of one header value we keep */
#define CPL_MAX_TEXT (1024 * 1024) /* bytes of decoded body text */
#define CPL_MAX_LIST 64		   /* addresses / ids per header */
#define CPL_MAX_ORIGINALS 16
#define CPL_MAX_DEPTH 32	   /* MIME nesting our walk follows */
#define CPL_MAX_NOTICE (64 * 1024) /* bytes of an attached message's text kept */
#define CPL_MAX_DSN (16 * 1024)	   /* bytes of a message/delivery-status kept */

/* How a complaint's strings are cleaned (common/utf8.h flags, applied by
 * cpl_clean): invalid UTF-8 and C1 controls become U+FFFD byte by byte,
 * other controls a space, TAB is kept.  CPL_CLEAN_LINE for one line (CR
 * and LF become spaces), CPL_CLEAN_TEXT for several (LF kept, CR
 * dropped).  Code that cleans text the complaint's way uses these. */
#define CPL_CLEAN_LINE (UTF8_C1_INVALID | UTF8_KEEP_TAB)
#define CPL_CLEAN_TEXT (UTF8_C1_INVALID | UTF8_LINES)

struct cpl_address {
	char *name;    /* decoded display name or NULL */
	char *address; /* lower-cased addr-spec (may be invalid: check) */
};

struct cpl_addresses {
	struct cpl_address *v;
	size_t n;
};

struct cpl_strings {
	char **v;
	size_t n;
};

/* An attached message/rfc822 (or base64-encoded one), or the header
 * block of a text/rfc822-headers part inside one (headers_only). */
struct cpl_original {
	int depth;		 /* 1: attached to the complaint; 2: inside one */
	char *message_id;	 /* "<...>" or NULL */
	struct cpl_address from; /* first From mailbox; fields NULL if none */
	struct cpl_addresses to, cc;
	char *subject; /* decoded, or NULL */
	int64_t date;  /* epoch UTC; valid when has_date */
	int has_date;
	/* what a delivery report attached to the complaint carries (depth 1
	 * only), read in the parent (responder/forward/bounce.h) */
	int headers_only;   /* from text/rfc822-headers: no body */
	int is_report;	    /* a multipart/report */
	char *text;	    /* its own text parts (the notice), or NULL */
	char *dsn;	    /* its message/delivery-status body, or NULL */
	char *failed_rcpts; /* its X-Failed-Recipients value, or NULL */
};

struct complaint {
	/* RFC 5322 headers of the complaint itself */
	struct cpl_address from; /* first From mailbox */
	size_t n_from;		 /* how many From mailboxes there were */
	struct cpl_address reply_to, sender;
	struct cpl_addresses to, cc;
	char *subject; /* RFC 2047 decoded */
	int64_t date;
	int has_date;
	char *message_id;		/* "<...>" or NULL */
	struct cpl_strings in_reply_to; /* "<...>" each */
	struct cpl_strings references;	/* "<...>" each, as written (oldest first) */
	char *return_path;		/* raw value ("<>" for null), or NULL when absent */
	char *auto_submitted;		/* raw values or NULL */
	char *precedence;
	char *x_auto_response_suppress;
	char *x_autoreply;	/* X-Autoreply or X-Autorespond (an auto-responder's mark) */
	char *content_language; /* Content-Language of the message, raw */
	struct cpl_strings x_loop;
	struct cpl_strings list_headers;  /* names of List-* fields present */
	struct cpl_strings auth_results;  /* Authentication-Results values */
	struct cpl_strings robot_headers; /* "Name: value" of the fields that
					   * mark robots without RFC 3834
					   * (X-Autoreply, X-Apple-Action,
					   * X-Amz-Sns-*, ...; complaint.c) */
	char *content_type;		  /* "type/subtype", lower case */
	int is_report;			  /* multipart/report at the top (or below it) */

	/* the complaint's own text, outside attached messages: text/plain parts,
	 * or the HTML parts turned to text when there is no plain text */
	char *text;
	int text_from_html;

	struct cpl_original *originals; /* outermost first */
	size_t n_originals;

	struct cpl_strings notes; /* what was odd ("unknown charset x-foo,
					 * read as windows-1252") for the log */
};

/* Parses raw RFC 5322 bytes (may contain NUL; LF or CRLF).  Never fails on
 * bad input: what cannot be read is left empty and noted.  Returns 0, or
 * -1 with err filled only when libetpan cannot build even an empty tree
 * (out of memory). */
int complaint_parse(const char *raw, size_t len, struct complaint *out, char *err, size_t errlen);
void complaint_free(struct complaint *c);

/* The sandbox pipe's form (complaint_wire.c): complaint_encode appends c to
 * b, 0 or -1 (b's cap reached; b as it was).  complaint_decode fills *out
 * from len bytes that anyone may have written (every read bounds-checked,
 * strings cleaned and capped, lists capped as complaint_from_json does)
 * and returns 0, or -1 (nothing to free) when they are not exactly one
 * encoded complaint. */
struct buf;
int complaint_encode(const struct complaint *c, struct buf *b);
int complaint_decode(const void *data, size_t len, struct complaint *out);

/* The same as JSON (the request log's tools, tests).  complaint_to_json returns a new
 * reference; complaint_from_json fills *out (validated again: lengths,
 * UTF-8) and returns 0, or -1 when the JSON is not a complaint. */
json_t *complaint_to_json(const struct complaint *c);
int complaint_from_json(const json_t *j, struct complaint *out);

/* Decodes an RFC 2047 phrase into capped, sanitised UTF-8 (caller frees). */
char *complaint_decode_header(const char *value, size_t len);

/* HTML (any charset already converted to UTF-8) to plain text, keeping
 * line breaks at br/div/p/tr/li/h1-6 and decoding entities.  Output capped
 * at CPL_MAX_TEXT.  Caller frees.  (html_text.c) */
char *html_to_text(const char *html, size_t len);

#endif
