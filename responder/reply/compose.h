/*
 * compose.h - the reply: templates rendered into an RFC 5322 / MIME message.
 *
 * The reply is multipart/mixed { multipart/alternative { text/plain,
 * text/html }, one text/plain transcript attachment per matched recipient
 * }, UTF-8, quoted-printable where needed, CRLF line ends, headers folded
 * and RFC 2047-encoded where needed; everything that came from a remote
 * server or the complaint is sanitised (no CR/LF or controls in headers,
 * HTML-escaped in the HTML part).  Dot-stuffing is the SMTP layer's.
 *
 * SECURITY: every string in reply_input except settings may come from a
 * complaint or a remote server.
 */
#ifndef RESPONDER_COMPOSE_H
#define RESPONDER_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "responder/config/config.h"
#include "responder/reply/outcome.h"
#include "store/store.h"

/* One recipient named by a delivery notice the complaint forwarded (a
 * bounce or delay warning: responder/forward/bounce.h). */
struct reply_notice {
	const char *address;	   /* the recipient */
	const char *status;	   /* "5.1.1" or NULL */
	const char *action;	   /* "failed", "delayed" or "delivered" */
	const char *diagnostic;	   /* the server's words, or NULL */
	const char *reporting_mta; /* who wrote the notice, or NULL */
};

struct reply_input {
	enum outcome outcome;	    /* found, ambiguous, not_found, or
					 * unauthorized (only if configured) */
	const char *requester;	    /* checked address: the reply's To */
	const char *requester_name; /* display name or NULL */
	const char *account;	    /* the requester's account or NULL */

	const char *complaint_subject;		 /* decoded UTF-8, or NULL */
	const char *complaint_message_id;	 /* "<...>" or NULL */
	const char *const *complaint_references; /* "<...>", oldest first */
	size_t n_references;

	/* found: the matched message(s); ambiguous: candidates best first
	 * (at most 5).  Loaded with STORE_WITH_TRANSCRIPTS. */
	const struct store_message *matches;
	size_t n_matches;
	/* found: only these recipients of the match are reported (the ones the
	 * complaint is about); NULL/0 = all recipients. */
	const char *const *focus_recipients;
	size_t n_focus;

	/* not_found: what was searched, one short line each
	 * ("Message-ID <x@y>", "recipient bob@x.example since 2026-10-30"). */
	const char *const *searched;
	size_t n_searched;

	const struct settings *settings; /* address, name, hostname */
	int64_t now;			 /* the reply's Date */
	const char *seed;		 /* NULL: random Message-ID and boundaries;
					 * else derived from it (golden tests) */
	const char *message_id;		 /* the reply's "<...>" (compose_message_id),
					 * or NULL: made here from seed */
	const char *language;		 /* "de" ...; NULL or unknown: English */
	int next_step;			 /* found: the follow-up's next step
					 * (template next_step) */
	/* found, ambiguous, not_found: what the forwarded notices say, to be
	 * shown next to our records (template notice_forwarded) */
	const struct reply_notice *notices;
	size_t n_notices;
	int only_candidate; /* found: picked as the only message to the
			     * recipient (template only_candidate) */
};

struct templates;

/* Loads and checks every template in `dir` (syntax, partials), and, for
 * each reply language but English, `dir`/<code>/ (de, fr, ...): a part a
 * language lacks is taken from `dir` (English).  Errors are
 * "file:line: why".  0 on success; -1 with err filled. */
int templates_load(const char *dir, struct templates **t_r, char *err, size_t errlen);

/* The template names of language `code` that fall back to English (sorted;
 * borrowed from t).  Returns 1 when the language has its folder, 0 when
 * it has none (everything falls back), -1 for an unknown code. */
int templates_missing(const struct templates *t, const char *code, const char *const **names_r,
		      size_t *n_r);
void templates_free(struct templates **t);

/* Builds the whole reply.  0 with *msg_r (malloc'd, caller frees) and
 * *len_r; -1 with err filled (never for bad input data: that is
 * sanitised, not refused). */
int compose_reply(const struct templates *t, const struct reply_input *in, char **msg_r,
		  size_t *len_r, char *err, size_t errlen);

/* A new Message-ID for a reply, "<24 hex digits@our.domain>" (the domain
 * of compose_hostname), random, or derived from `seed` when not NULL.
 * The caller keeps it in the request log, so that a reply to our reply
 * finds its conversation.  out needs 300 bytes. */
void compose_message_id(const struct settings *s, const char *seed, char *out, size_t size);

#endif
