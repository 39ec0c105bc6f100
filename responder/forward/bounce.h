/*
 * bounce.h - a delivery notice (bounce, delay warning) read as text: the
 * failed recipients with their status, and the headers of the original
 * that the notice quotes.  A customer forwards the bounce they got and asks
 * what it means; this is what it says.
 *
 * Three inputs, each optional, for one notice: the fields of a
 * message/delivery-status part (RFC 3464: Reporting-MTA, Final-Recipient,
 * Original-Recipient, Action, Status, Diagnostic-Code), an
 * X-Failed-Recipients value (Exim), and the human-readable text (Exim,
 * qmail, Postfix, Sendmail, Exchange, Gmail, Yahoo ... as a customer
 * forwards, attaches or pastes it).  From the text: the recipients the
 * notice names outside the quoted original (by the address shapes notices
 * write: "<a@b>: host ... said: 550 ...", "  a@b", "RCPT TO:<a@b>",
 * "Addressed To: a@b", "rfc822;a@b"), each with the first status code near
 * it; and the quoted header blocks ("------ This is a copy of the
 * message, including all the headers", "Original message headers:", ...)
 * with Message-ID, From, To, Subject and Date.
 *
 * SECURITY: the text is anyone's.  The work is linear in its length (at
 * most BOUNCE_MAX_INPUT bytes are looked at), every list is capped, every
 * string is capped and comes out as a copy of (already cleaned) input.
 * Ownership: struct bounce owns every string; bounce_free().
 */
#ifndef RESPONDER_BOUNCE_H
#define RESPONDER_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#define BOUNCE_MAX_INPUT ((size_t)1024 * 1024)
#define BOUNCE_MAX_RCPTS 16
#define BOUNCE_MAX_QUOTED 4
#define BOUNCE_MAX_TO 16

enum bounce_action { BOUNCE_FAILED, BOUNCE_DELAYED, BOUNCE_DELIVERED };

struct bounce_rcpt {
	char *address;		   /* lower case, addr_valid() */
	char *status;		   /* "5.1.1", or NULL */
	enum bounce_action action; /* from the report, else from the text */
	char *diagnostic;	   /* one line, or NULL */
};

/* A header block of the original quoted in the notice. */
struct bounce_quoted {
	char *message_id; /* "<...>" or NULL */
	char *from;	  /* address or NULL */
	char *to[BOUNCE_MAX_TO];
	size_t n_to;
	char *subject; /* or NULL */
	int64_t date;  /* 0 when none could be read */
};

struct bounce {
	int delayed;	     /* a delay warning: nothing failed for good */
	char *reporting_mta; /* host, or NULL */
	struct bounce_rcpt rcpts[BOUNCE_MAX_RCPTS];
	size_t n_rcpts;
	struct bounce_quoted quoted[BOUNCE_MAX_QUOTED];
	size_t n_quoted;
};

/* 1 when the subject (without forward prefixes) or the text reads as a
 * delivery notice or a delay warning in one of the families we know. */
int bounce_looks_like(const char *subject, const char *text);

/* 1 when the address's local part is a robot's (mailer-daemon,
 * postmaster, post_master, ...). */
int bounce_robot_address(const char *addr);

/* Each adds to *b (zero it first): the fields of a delivery-status body;
 * an X-Failed-Recipients list; the notice text (recipients near failure
 * words or codes, and quoted header blocks; `self` is the notice's own
 * Message-ID or NULL, never taken as the original's).  A recipient already
 * in b is completed, not repeated.  NULL input adds nothing. */
void bounce_read_dsn(struct bounce *b, const char *dsn);
void bounce_read_failed(struct bounce *b, const char *list);
void bounce_read_text(struct bounce *b, const char *text, const char *self);

/* "failed", "delayed", "delivered". */
const char *bounce_action_name(enum bounce_action a);

void bounce_free(struct bounce *b);

#endif
