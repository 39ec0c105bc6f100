/*
 * forward.h - finding forwarded originals inside a complaint's text body.
 *
 * Mail clients forward a message inline by writing a header block
 * ("---------- Forwarded message ---------", "From: ... Sent: ... To: ...
 * Subject: ...", "Von:/Gesendet:/An:/Betreff:", "De :/Envoyé :/À :/Objet :",
 * "On <date>, <name> <addr> wrote:", ...) in the user's language.  This
 * module recognises those blocks for the common clients (Gmail, Outlook
 * desktop/web/2013/2019/365/New Outlook, Apple Mail, Thunderbird, Yahoo,
 * IONOS, Missive, HubSpot, MailMate, a generic form) in the 23 languages of
 * shared/conformance/forwards, and returns the original's fields.
 *
 * SECURITY: the text is the complaint's, i.e. anyone's.  Work is linear in
 * the input, every field is capped, and nothing here allocates without a
 * bound (limits in forward_int.h; the implementation is split into
 * forward.c (block finding), forward_text.c (lines), forward_labels.c
 * (the localized words, as data), forward_addr.c, forward_date.c and
 * forward_wrote.c).  See docs/forwards.md.
 */
#ifndef RESPONDER_FORWARD_H
#define RESPONDER_FORWARD_H

#include <stddef.h>
#include <stdint.h>

struct fwd_address {
	char *name;    /* display name or NULL (bare address) */
	char *address; /* lower-cased addr-spec, or NULL when none */
};

struct fwd_original {
	char *message; /* text the forwarder wrote above the block, or NULL */
	struct fwd_address from;
	struct fwd_address *to;
	size_t n_to;
	struct fwd_address *cc;
	size_t n_cc;
	char *subject;	    /* NULL when the block has none */
	char *date_text;    /* the date as written, or NULL */
	int64_t date;	    /* parsed (UTC epoch), 0 when it could not be */
	char *body;	    /* the original's text below the block */
	const char *lang;   /* the labels' language ("de"; static), when one
			     * label belongs to one language only, else NULL */
	size_t block_start; /* byte offsets of the header block in the input */
	size_t block_end;
};

/* Finds the first (outermost) forward block in the UTF-8 text `body`.
 * `subject` is the forwarding mail's subject or NULL (some clients are
 * recognised only with it): a separator line ("Forwarded message",
 * "Weitergeleitete Nachricht", "Original Message" ...) counts whatever the
 * subject; an Outlook rule or a bare header block counts when the subject
 * is NULL or a forward ("Fw:", "WG:", "TR:" ...); an "On ..., X <x@y>
 * wrote:" line only with a forward subject (then `subject` is that subject
 * without its prefix).  Returns 1 and fills *out when a forward was found,
 * 0 when none (out zeroed).  Every string in *out is malloc'd and owned by
 * it; free with forward_free().  message and body are cleaned: LF line
 * ends, the block's quote marks and a common indent removed, BOMs and
 * trailing blanks dropped, blank lines at both ends trimmed.  block_start
 * and block_end are byte offsets into `body` (the separator line or first
 * header line, and the start of the line after the block).  A NULL body
 * gives 0. */
int forward_parse(const char *body, const char *subject, struct fwd_original *out);

/* Every forward block, outermost first, up to `max`: the body of each is
 * searched again (its subject is passed on when it is a forward, else
 * NULL).  Returns how many were filled into out[]; free each with
 * forward_free().  Offsets of out[i > 0] refer to out[i - 1].body. */
size_t forward_parse_all(const char *body, const char *subject, struct fwd_original *out,
			 size_t max);

void forward_free(struct fwd_original *f);

/* Parses a date as mail clients write it in forward headers, in any of the
 * supported languages ("Thu, Nov 20, 2026 at 9:14 AM", "Donnerstag, 20.
 * November 2026 09:14", "20 нояб. 2026 г., в 9:14", "2026年11月20日 9:14" ...).
 * Times without a zone are taken as UTC; a date without a time is
 * midnight.  "a/b/c" is day/month/year unless the text has AM/PM
 * (month/day/year).  0 on success, -1 otherwise (*t_r = 0).  Reads at most
 * 256 bytes of `text`. */
int forward_parse_date(const char *text, int64_t *t_r);

#endif
