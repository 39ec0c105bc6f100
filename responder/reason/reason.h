/*
 * reason.h - what an SMTP reply means: one reason of the DESIGN.md list,
 * the receiving provider (from the MX host, else the reply text), and the
 * remote queue ID of a final 250 reply ("receipt acknowledgement").
 *
 * Classification uses the enhanced status code first (RFC 3463 / IANA
 * registry), then patterns of real server texts kept as data tables in
 * reason_tables.c, never as a chain of ifs.  docs/reasons.md explains the
 * rules and the weights.
 *
 * Nothing here allocates; every returned string is static.
 */
#ifndef RESPONDER_REASON_H
#define RESPONDER_REASON_H

#include <stddef.h>

enum reason {
	REASON_DELIVERED,
	REASON_DEFERRED,
	REASON_GREYLISTED,
	REASON_USER_UNKNOWN,
	REASON_HOST_UNKNOWN,
	REASON_MAILBOX_FULL,
	REASON_MESSAGE_TOO_LARGE,
	REASON_BLOCKLISTED,
	REASON_SPAM_DETECTED,
	REASON_AUTH_FAILURE,
	REASON_POLICY_REJECTED,
	REASON_RATE_LIMITED,
	REASON_SUSPENDED,
	REASON_RELAY_DENIED,
	REASON_NETWORK_ERROR,
	REASON_TLS_FAILURE,
	REASON_EXPIRED,
	REASON_OTHER,
	REASON_COUNT
};

struct classification {
	enum reason reason;
	const char *provider;	   /* static key ("google", "microsoft", "yahoo",
	                            * "apple", "zoho", "proton", "gmx", "yandex",
	                            * "mimecast", "proofpoint", "barracuda") or NULL */
	const char *provider_name; /* static display name ("Google Workspace /
	                            * Gmail", ...) or NULL */
	char remote_queue_id[128]; /* "" when none was found */
};

/* Only this many bytes of a reply text are looked at (a reply is a few
 * lines; anything longer is a multi-reply bounce paragraph or garbage). */
#define REASON_TEXT_MAX 8192

/* The contract name ("user_unknown", ...). */
const char *reason_name(enum reason r);
/* Name -> reason; -1 when unknown. */
int reason_from_name(const char *name);

/* Classifies one attempt.  status: "delivered", "deferred", "bounced" or
 * NULL (unknown: decided from the code/text alone).  smtp_code 0 and
 * enhanced/text/mx_host NULL when unknown; when they are unknown the codes
 * written in the text ("550 5.1.1 ...") are used.  Never fails.
 *
 * delivered -> REASON_DELIVERED.  deferred -> greylisted, a specific reason
 * when one is clear, else REASON_DEFERRED (never expired or other).
 * bounced -> the specific reason, expired, or REASON_OTHER.
 * The remote queue ID is filled for delivered attempts only. */
void reason_classify(const char *status, int smtp_code, const char *enhanced, const char *text,
		     const char *mx_host, struct classification *out);

/* Provider key from an MX host name, or NULL. */
const char *reason_provider_of_mx(const char *mx_host);
/* Provider key from markers in a reply text ("gsmtp",
 * "protection.outlook.com", ...), or NULL. */
const char *reason_provider_of_text(const char *text);
/* The same for a text already lower-cased (len bytes), as reason_classify()
 * has it. */
const char *reason_provider_of_lowered(const char *lower, size_t len);
/* Display name of a provider key, or NULL for an unknown key. */
const char *reason_provider_name(const char *key);

/* Remote queue ID of a 2xx reply text ("queued as ABC", "id=...",
 * "[InternalId=...]", Google's "... <id> - gsmtp", ...), copied into out
 * (NUL-terminated, only [A-Za-z0-9._:@+=/-] characters - and the single
 * spaces of qmail's "1763630045 qp 12345" -, truncated to outlen-1).  Returns 1 when one was found,
 * else 0 with out = "". */
int reason_remote_queue_id(const char *text, char *out, size_t outlen);

/* The SMTP reply code (0 when none) and the enhanced status code ("" when
 * none; needs enhanced_len >= 12) written in a reply text.  When both are
 * there, the enhanced code of the same class as the reply code is taken. */
void reason_parse_codes(const char *text, int *smtp_code_r, char *enhanced_r, size_t enhanced_len);

/*
 * The tables (reason_tables.c).  Every matching rule casts a vote with its
 * weight; the heaviest vote wins, and of equal weights the rule found first
 * (code rules, then text rules in table order).  So a specific phrase
 * ("mailbox full") beats a clear enhanced code, which beats a general
 * phrase ("access denied"), which beats a vague code (5.7.1), which beats a
 * hint ("try again later").
 */
enum reason_weight {
	REASON_W_HINT = 5,	   /* text that only hints ("temporarily") */
	REASON_W_BASIC = 8,	   /* a basic SMTP reply code (552, 521, ...) */
	REASON_W_CODE_WEAK = 10,   /* an enhanced code servers use loosely (x.7.1) */
	REASON_W_GENERAL = 20,	   /* a general phrase ("access denied") */
	REASON_W_CODE_STRONG = 30, /* an enhanced code with one meaning (x.2.2) */
	REASON_W_SPECIFIC = 40,	   /* a phrase with one meaning ("over quota") */
};

/* code: "5.7.26" (exact), "x.1.1" (class 4 or 5), "4.7.*" (any detail). */
struct reason_code_rule {
	const char *code;
	enum reason reason;
	int weight;
};

/* pattern: lower case; '*' stands for a gap of at most REASON_GAP_MAX
 * characters.  Patterns are matched against the text with host names,
 * addresses and URLs taken out (so "antispam.example.net said: 550 5.1.1
 * User unknown" is not spam), unless flags has REASON_F_NAMES (DNSBL names,
 * Exchange's "RESOLVER.ADR.RecipNotFound").  code: NULL, or an
 * enhanced-code prefix the reply must carry for the rule to apply. */
#define REASON_F_NAMES 1u
struct reason_text_rule {
	const char *pattern;
	enum reason reason;
	int weight;
	const char *code;
	unsigned flags;
};

/* Basic SMTP reply codes, used with weight REASON_W_BASIC. */
struct reason_smtp_rule {
	int code;
	enum reason reason;
};

#define REASON_GAP_MAX 64

extern const struct reason_code_rule reason_code_rules[];
extern const size_t reason_n_code_rules;
extern const struct reason_text_rule reason_text_rules[];
extern const size_t reason_n_text_rules;
extern const struct reason_smtp_rule reason_smtp_rules[];
extern const size_t reason_n_smtp_rules;

#endif
