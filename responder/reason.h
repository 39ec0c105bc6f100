/*
 * reason.h - what an SMTP reply means: one reason of the DESIGN.md list,
 * the receiving provider (from the MX host, else the reply text), and the
 * remote queue ID of a final 250 reply ("receipt acknowledgement").
 *
 * Classification uses the enhanced status code first (RFC 3463 / IANA
 * registry), then patterns of real server texts kept as data tables in
 * reason.c, never as a chain of ifs.
 */
#ifndef RESPONDER_REASON_H
#define RESPONDER_REASON_H

#include <stddef.h>

enum reason {
	REASON_DELIVERED, REASON_DEFERRED, REASON_GREYLISTED, REASON_USER_UNKNOWN,
	REASON_HOST_UNKNOWN, REASON_MAILBOX_FULL, REASON_MESSAGE_TOO_LARGE,
	REASON_BLOCKLISTED, REASON_SPAM_DETECTED, REASON_AUTH_FAILURE,
	REASON_POLICY_REJECTED, REASON_RATE_LIMITED, REASON_SUSPENDED,
	REASON_RELAY_DENIED, REASON_NETWORK_ERROR, REASON_TLS_FAILURE,
	REASON_EXPIRED, REASON_OTHER,
	REASON_COUNT
};

struct classification {
	enum reason reason;
	const char *provider;		/* static key ("google", "microsoft", "yahoo",
					 * "apple", "zoho", "proton", "gmx", "yandex",
					 * "mimecast", "proofpoint", "barracuda") or NULL */
	const char *provider_name;	/* static display name ("Google Workspace /
					 * Gmail", ...) or NULL */
	char remote_queue_id[128];	/* "" when none was found */
};

/* The contract name ("user_unknown", ...). */
const char *reason_name(enum reason r);
/* Name -> reason; -1 when unknown. */
int reason_from_name(const char *name);

/* Classifies one attempt.  status: "delivered", "deferred", "bounced" or
 * NULL (unknown: decided from the code/text alone).  smtp_code 0 and
 * enhanced/text/mx_host NULL when unknown.  Never fails. */
void reason_classify(const char *status, int smtp_code, const char *enhanced,
		     const char *text, const char *mx_host, struct classification *out);

/* Provider key from an MX host name, or NULL. */
const char *reason_provider_of_mx(const char *mx_host);

#endif
