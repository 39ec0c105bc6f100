/*
 * policy.h - may this complaint be answered, and for whom?  One module, one
 * place for every such decision (STYLE.md "validate, then act"); each
 * check returns a reason string for the request log.
 *
 * Order of policy_check(): robot signs (RFC 3834, lists, bounces, reports,
 * loops, our own mail, X-Autoreply/X-Autorespond, Precedence: auto_reply,
 * and in a reply to our reply a text bounce without Return-Path or an
 * out-of-office subject) -> ignored; the requester (the From address only,
 * never Reply-To, Sender or the body) and its account -> unauthorized when
 * none; Authentication-Results from policy.trusted_authserv_id when set ->
 * unauthorized when missing/failing; already answered (complaint key or
 * Message-ID) -> ignored; hourly rate limits -> ignored: per requester
 * mailbox (policy_mailbox_key: a plus-tag and case do not make another
 * requester), per account, and in all (max_replies_per_requester_per_hour,
 * max_replies_per_account_per_hour, max_replies_total_per_hour; 0 = none),
 * so the responder cannot be used to mail-bomb one customer or anyone.
 *
 * SECURITY: every header looked at is the sender's claim; only the From
 * address (after addr_valid) and, when configured, our own MTA's
 * Authentication-Results are trusted, and only as far as stated above.
 */
#ifndef RESPONDER_POLICY_H
#define RESPONDER_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "responder/parse/complaint.h"
#include "responder/config/config.h"
#include "responder/reply/outcome.h"
#include "store/store.h"

#define POLICY_WHY_MAX 512

struct policy_decision {
	int proceed;		  /* 1: go on to matching */
	enum outcome outcome;	  /* when !proceed: ignored or unauthorized */
	char why[POLICY_WHY_MAX]; /* the reason (also when proceeding:
					 * "requester x of account y") */
	char *requester;	  /* checked From address or NULL (owned) */
	char *requester_name;	  /* decoded display name or NULL (owned) */
	int64_t account_id;	  /* 0 when none */
	char *account;		  /* owned, or NULL */
};

/* 1 with why filled when the complaint is automatic mail or our own (a
 * loop); 0 otherwise.  Pure: headers and settings only. */
int policy_robot(const struct complaint *c, const struct settings *s, char *why, size_t whylen);

/* 1 when some Authentication-Results field of `authserv_id` says
 * dmarc=pass, or dkim=pass/spf=pass with a domain aligned with
 * `from_domain` (same domain or one a subdomain of the other); 0 with why
 * filled otherwise.  Pure. */
int policy_authenticated(const struct complaint *c, const char *authserv_id,
			 const char *from_domain, char *why, size_t whylen);

/* 1 when one of the complaint's In-Reply-To/References ids was made by us
 * (its domain is `host` or below it): a reply to one of our replies. */
int policy_names_us(const struct complaint *c, const char *host);
/* 1 when the Message-ID "<local@domain>" was made by us (as above). */
int policy_id_is_ours(const char *id, const char *host);

/* 1 when host is `domain` or a subdomain of it (case-insensitive). */
int policy_domain_within(const char *host, const char *domain);
/* The key the per-requester rate limit counts by: the address lower-cased
 * (ASCII), with a plus-tag ("+..." up to the '@') removed.  Pure; `out`
 * always terminated (cut at outlen - 1).  The store computes the same key
 * in SQL for the replies it counts (schema migration 5 of both backends);
 * change both together (test_policy test_rate_counts compares them). */
void policy_mailbox_key(const char *addr, char *out, size_t outlen);

enum {
	POLICY_SKIP_ANSWERED = 1 << 0, /* an admin's requeue: answer again */
};

/* Runs every check in the order above.  `st` is read only (dry runs check
 * the log too).  `opts`: POLICY_* flags.  Returns 0 with *d filled
 * (policy_decision_free it), or -1 with err filled on a store failure. */
int policy_check(const struct complaint *c, const char *complaint_key, const struct settings *s,
		 struct store *st, int64_t now, unsigned opts, struct policy_decision *d, char *err,
		 size_t errlen);
void policy_decision_free(struct policy_decision *d);

#endif
