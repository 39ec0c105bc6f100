/*
 * extract.h - the identifiers a complaint carries, each with where it came
 * from: Message-IDs (attached original, inline forward, the complaint's
 * In-Reply-To/References, its subject, its body text), the forwarded
 * originals (attached message/rfc822 parts and inline forward blocks) with
 * From/To/Cc/Subject/Date, and the recipient addresses to search by.
 *
 * A delivery notice in the complaint (an attached bounce, one forwarded
 * inline, or its text pasted) is read with responder/forward/bounce.h: its
 * failed recipients become the recipients, the original's headers quoted
 * in it become originals (their Message-ID an id), and the notice's own
 * sender, recipients, subject and Message-ID are never taken for the
 * original's (is_bounce).
 *
 * The result is process --json's "extracted" object (DESIGN.md contract),
 * outermost first, plus "recipients" (an extension) and "bounces" (second
 * wave contract).
 *
 * Ownership: struct extracted owns every string; extracted_free().
 */
#ifndef RESPONDER_EXTRACT_H
#define RESPONDER_EXTRACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "responder/parse/complaint.h"
#include "responder/forward/bounce.h"
#include "responder/forward/forward.h"
#include "responder/reply/compose.h"

#define EXT_MAX_IDS 32
#define EXT_MAX_RECIPIENTS 32
#define EXT_MAX_BOUNCES 4

enum ext_source { EXT_ATTACHED, EXT_INLINE, EXT_REFERENCES, EXT_SUBJECT, EXT_BODY };

struct ext_id {
	char *id; /* "<local@domain>" */
	enum ext_source source;
};

struct ext_original {
	enum ext_source source; /* EXT_ATTACHED or EXT_INLINE */
	char *message_id;	/* attached only; "<...>" or NULL */
	char *from;		/* address or NULL */
	char **to, **cc;
	size_t n_to, n_cc;
	char *subject; /* decoded, or NULL */
	int64_t date;  /* valid when has_date */
	int has_date;
	int is_bounce;	/* the notice itself: its fields are not the original's */
	int date_exact; /* the date had a time zone (an inline one may not) */
	int date_day;	/* a day without a time (date is its midnight, UTC):
			 * any time that day, in any time zone, fits */
};

enum ext_bounce_source { EXT_BOUNCE_ATTACHED, EXT_BOUNCE_INLINE, EXT_BOUNCE_PASTED };

/* One delivery notice found in the complaint. */
struct ext_bounce {
	enum ext_bounce_source source;
	char *original_message_id; /* the bounced message's, or NULL */
	struct bounce b;	   /* recipients: never the requester's side */
};

struct extracted {
	struct ext_id *ids;
	size_t n_ids;
	struct ext_original *originals;
	size_t n_originals;
	char **recipients; /* whom the complaint is about */
	size_t n_recipients;
	struct ext_bounce *bounces;
	size_t n_bounces;
};

/* 1 when `addr` must never be taken as a recipient: the requester's own
 * account addresses, our support address. */
typedef int (*ext_own_fn)(const char *addr, void *ctx);

/* Collects everything from the parsed complaint and the inline forward
 * blocks found in c->text (fwds may be NULL/0).  `own` may be NULL.
 * Never fails; *out is filled (extracted_free it). */
void extract_identifiers(const struct complaint *c, const struct fwd_original *fwds, size_t n_fwds,
			 ext_own_fn own, void *own_ctx, struct extracted *out);
void extracted_free(struct extracted *x);

/* "attached", "inline", "references", "subject", "body". */
const char *ext_source_name(enum ext_source s);
/* "attached", "inline", "pasted". */
const char *ext_bounce_source_name(enum ext_bounce_source s);
/* The recipients of the notices in x as the reply shows them, at most
 * `max` into out[] (pointers borrowed from x).  Returns the count. */
size_t extract_reply_notices(const struct extracted *x, struct reply_notice *out, size_t max);

/* Message-IDs written in free text ("<a@b>", "Message-ID: a@b"), in order,
 * at most `max`, each malloc'd "<...>" into ids[] with its byte offset
 * into offs[] (may be NULL).  Returns the count. */
size_t extract_ids_in_text(const char *text, char **ids, size_t *offs, size_t max);

/* The "extracted" object: {"message_ids":[{"id","source"}],
 * "originals":[{"source","from","to","cc","subject","date"}],
 * "recipients":[...], "bounces":[{"source","reporting_mta",
 * "original_message_id","recipients":[{"address","status","action",
 * "diagnostic"}]}]}.  New reference. */
json_t *extracted_json(const struct extracted *x);

#endif
