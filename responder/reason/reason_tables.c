/*
 * reason_tables.c - the data behind reason_classify(): enhanced status
 * codes (RFC 3463, the IANA "SMTP Enhanced Status Codes" registry, and the
 * codes Microsoft 365 documents), basic reply codes (RFC 5321, RFC 7504),
 * and phrases that real servers write (Postfix, Exim, Sendmail, qmail,
 * Exchange/Microsoft 365, Gmail, Yahoo, iCloud, DNSBL and greylisting
 * texts).  How the weights combine is in reason.h; docs/reasons.md has the
 * why.  Patterns are lower case; '*' is a short gap (REASON_GAP_MAX).
 * Within one weight, earlier rows win: keep the more telling reason first.
 */
#include "responder/reason/reason.h"

#define S REASON_W_SPECIFIC
#define G REASON_W_GENERAL
#define H REASON_W_HINT
#define CS REASON_W_CODE_STRONG
#define CW REASON_W_CODE_WEAK

/* First match wins: class-specific and exact rows before "x." rows. */
const struct reason_code_rule reason_code_rules[] = {
	/* Microsoft 365 / Exchange Online (learn.microsoft.com NDR list) */
	{ "5.1.351", REASON_USER_UNKNOWN, CS },
	{ "x.1.10", REASON_HOST_UNKNOWN, CS }, /* RFC 7505 null MX (Exchange also
                                          * uses it for "recipient not found";
                                          * its text says so and wins) */
	{ "5.4.300", REASON_EXPIRED, CS },
	{ "5.4.310", REASON_HOST_UNKNOWN, CS },	   /* DNS domain does not exist */
	{ "5.4.312", REASON_NETWORK_ERROR, CS },   /* DNS query failed */
	{ "5.4.316", REASON_EXPIRED, CS },	   /* expired, connection refused */
	{ "4.7.500", REASON_RATE_LIMITED, CS },	   /* server busy, throttled */
	{ "5.7.509", REASON_AUTH_FAILURE, CS },	   /* DMARC reject */
	{ "5.7.511", REASON_BLOCKLISTED, CS },	   /* banned sender */
	{ "5.7.512", REASON_POLICY_REJECTED, CS }, /* not RFC 5322 compliant */
	{ "5.7.515", REASON_AUTH_FAILURE, CS },	   /* required authentication level */
	{ "5.7.64", REASON_RELAY_DENIED, CS },	   /* TenantAttribution; relay denied */
	{ "5.7.6*", REASON_BLOCKLISTED, CS },	   /* 5.7.606-649 banned sending IP */
	{ "4.7.650", REASON_BLOCKLISTED, CS },	   /* rate limited due to IP reputation */
	{ "5.7.705", REASON_BLOCKLISTED, CS },	   /* tenant exceeded threshold */
	{ "5.7.708", REASON_BLOCKLISTED, CS },	   /* traffic not accepted from this IP */
	{ "5.7.750", REASON_BLOCKLISTED, CS },
	{ "5.7.124", REASON_POLICY_REJECTED, CS }, /* not in the group's allowed senders */

	/* RFC 3463 addressing status */
	{ "x.1.1", REASON_USER_UNKNOWN, CS },	 /* bad destination mailbox address */
	{ "x.1.2", REASON_HOST_UNKNOWN, CS },	 /* bad destination system address */
	{ "x.1.3", REASON_USER_UNKNOWN, CW },	 /* bad destination mailbox syntax */
	{ "x.1.4", REASON_USER_UNKNOWN, CW },	 /* ambiguous destination */
	{ "x.1.6", REASON_USER_UNKNOWN, CS },	 /* mailbox has moved */
	{ "x.1.7", REASON_POLICY_REJECTED, CW }, /* bad sender mailbox syntax */
	{ "x.1.8", REASON_POLICY_REJECTED, CS }, /* bad sender's system address */
	/* mailbox status */
	{ "4.2.1", REASON_DEFERRED, CW },  /* mailbox busy / try later */
	{ "5.2.1", REASON_SUSPENDED, CW }, /* mailbox disabled */
	{ "x.2.2", REASON_MAILBOX_FULL, CS },
	{ "x.2.3", REASON_MESSAGE_TOO_LARGE, CS },
	{ "x.2.4", REASON_OTHER, CW }, /* mailing list expansion problem */
	/* mail system status */
	{ "x.3.1", REASON_OTHER, CW }, /* mail system full: the server's, not the mailbox */
	{ "x.3.4", REASON_MESSAGE_TOO_LARGE, CS },
	{ "x.3.5", REASON_OTHER, CW }, /* system incorrectly configured */
	/* network and routing status */
	{ "x.4.0", REASON_NETWORK_ERROR, CW },
	{ "4.4.1", REASON_NETWORK_ERROR, CS }, /* no answer from host (Microsoft's
                                          * 5.4.1 is a recipient rejection) */
	{ "x.4.2", REASON_NETWORK_ERROR, CS }, /* bad connection */
	{ "x.4.3", REASON_NETWORK_ERROR, CW }, /* directory server failure */
	{ "x.4.4", REASON_HOST_UNKNOWN, CW },  /* unable to route */
	{ "x.4.5", REASON_DEFERRED, CW },      /* mail system congestion */
	{ "x.4.6", REASON_NETWORK_ERROR, CS }, /* routing loop */
	{ "x.4.7", REASON_EXPIRED, CS },       /* delivery time expired */
	/* protocol status */
	{ "x.5.1", REASON_OTHER, CW },
	{ "x.5.2", REASON_OTHER, CW },
	{ "x.5.3", REASON_RATE_LIMITED, CW }, /* too many recipients */
	{ "x.5.4", REASON_OTHER, CW },
	{ "x.5.5", REASON_OTHER, CW },
	/* message content status */
	{ "x.6.*", REASON_POLICY_REJECTED, CW },
	/* security or policy status */
	{ "4.7.0", REASON_DEFERRED, CW }, /* Gmail, Outlook.com: "try again later" */
	{ "5.7.0", REASON_POLICY_REJECTED, CW },
	{ "4.7.1", REASON_GREYLISTED, CW },	    /* Postfix policy servers, milter-greylist */
	{ "5.7.1", REASON_POLICY_REJECTED, CW },    /* delivery not authorized */
	{ "x.7.2", REASON_POLICY_REJECTED, CW },    /* list expansion prohibited */
	{ "x.7.4", REASON_TLS_FAILURE, CW },	    /* security features not supported */
	{ "x.7.5", REASON_TLS_FAILURE, CW },	    /* cryptographic failure */
	{ "x.7.6", REASON_TLS_FAILURE, CW },	    /* algorithm not supported */
	{ "x.7.7", REASON_POLICY_REJECTED, CW },    /* message integrity failure */
	{ "x.7.8", REASON_AUTH_FAILURE, CS },	    /* credentials invalid */
	{ "x.7.9", REASON_AUTH_FAILURE, CW },	    /* mechanism too weak (Yahoo: policy) */
	{ "x.7.10", REASON_TLS_FAILURE, CS },	    /* encryption needed */
	{ "x.7.11", REASON_TLS_FAILURE, CS },	    /* encryption required for mechanism */
	{ "x.7.12", REASON_AUTH_FAILURE, CW },	    /* password transition needed */
	{ "x.7.13", REASON_SUSPENDED, CS },	    /* user account disabled */
	{ "x.7.14", REASON_POLICY_REJECTED, CW },   /* trust relationship required */
	{ "x.7.16", REASON_MESSAGE_TOO_LARGE, CS }, /* too big for its priority */
	{ "x.7.17", REASON_USER_UNKNOWN, CW },	    /* mailbox owner has changed */
	{ "x.7.18", REASON_USER_UNKNOWN, CW },	    /* domain owner has changed */
	{ "x.7.20", REASON_AUTH_FAILURE, CS },	    /* no passing DKIM signature */
	{ "x.7.21", REASON_AUTH_FAILURE, CS },	    /* no acceptable DKIM signature */
	{ "x.7.22", REASON_AUTH_FAILURE, CS },	    /* no author-matched DKIM signature */
	{ "x.7.23", REASON_AUTH_FAILURE, CS },	    /* SPF validation failed */
	{ "x.7.24", REASON_AUTH_FAILURE, CS },	    /* SPF validation error */
	{ "x.7.25", REASON_POLICY_REJECTED, CS },   /* reverse DNS validation failed */
	{ "x.7.26", REASON_AUTH_FAILURE, CS },	    /* multiple authentication checks failed */
	{ "x.7.27", REASON_POLICY_REJECTED, CS },   /* sender address has null MX */
	{ "x.7.28", REASON_RATE_LIMITED, CS },	    /* mail flood detected */
	{ "x.7.29", REASON_AUTH_FAILURE, CS },	    /* ARC validation failure */
	{ "x.7.30", REASON_TLS_FAILURE, CS },	    /* REQUIRETLS support required */
};
const size_t reason_n_code_rules = sizeof(reason_code_rules) / sizeof(reason_code_rules[0]);

/* RFC 5321 / RFC 7504 reply codes that say something on their own. */
const struct reason_smtp_rule reason_smtp_rules[] = {
	{ 521, REASON_HOST_UNKNOWN }, /* host does not accept mail */
	{ 530, REASON_AUTH_FAILURE }, { 535, REASON_AUTH_FAILURE },
	{ 538, REASON_TLS_FAILURE },  { 551, REASON_USER_UNKNOWN }, /* user not local */
	{ 552, REASON_MAILBOX_FULL }, /* exceeded storage allocation */
	{ 553, REASON_USER_UNKNOWN }, /* mailbox name not allowed */
	{ 556, REASON_HOST_UNKNOWN }, /* domain does not accept mail */
};
const size_t reason_n_smtp_rules = sizeof(reason_smtp_rules) / sizeof(reason_smtp_rules[0]);

#define T(pat, r, w)                        \
	{                                   \
		pat, REASON_##r, w, NULL, 0 \
	}
#define TC(pat, r, w, code)                 \
	{                                   \
		pat, REASON_##r, w, code, 0 \
	}
/* may match inside host names, addresses and URLs */
#define TN(pat, r, w)                                    \
	{                                                \
		pat, REASON_##r, w, NULL, REASON_F_NAMES \
	}

const struct reason_text_rule reason_text_rules[] = {
	/* --- greylisting: postgrey, sqlgrey, milter-greylist, Exim, ... --- */
	T("greylist", GREYLISTED, S),
	T("graylist", GREYLISTED, S),
	T("grey-list", GREYLISTED, S),
	T("gray-list", GREYLISTED, S),
	T("grey list", GREYLISTED, S),
	T("gray list", GREYLISTED, S),
	TN("postgrey", GREYLISTED, S),
	T("please come back in", GREYLISTED, S),

	/* --- the envelope sender, not the recipient, was refused --- */
	T("sender address rejected", POLICY_REJECTED, S),
	T("helo command rejected", POLICY_REJECTED, S), /* our HELO name, not theirs */
	T("ehlo command rejected", POLICY_REJECTED, S),
	T("sender rejected", POLICY_REJECTED, S),
	T("sender was rejected", POLICY_REJECTED, S),
	T("domain of sender address", POLICY_REJECTED, S),
	T("sender domain * does not exist", POLICY_REJECTED, S),
	T("unroutable sender", POLICY_REJECTED, S),
	T("unrouteable sender", POLICY_REJECTED, S),
	T("sender verify failed", POLICY_REJECTED, S),
	T("sender verification failed", POLICY_REJECTED, S),
	T("from: domain is invalid", POLICY_REJECTED, S),
	T("purported responsible address", POLICY_REJECTED, S),
	T("not a member of this", POLICY_REJECTED, S),
	T("permission to post", POLICY_REJECTED, S), /* Google Groups */
	T("blocked by the recipient", POLICY_REJECTED, S),
	T("recipient preferences", POLICY_REJECTED, S),

	/* --- our own sending limits at the receiver (before "quota exceeded") --- */
	T("sending quota", RATE_LIMITED, S),
	T("sending limit", RATE_LIMITED, S),
	T("relay quota", RATE_LIMITED, S),
	T("sent to too many recipients", RATE_LIMITED, S),

	/* --- an explicit spam verdict, whatever else the text says --- */
	T("spam classification", SPAM_DETECTED, S),
	T("classified as spam", SPAM_DETECTED, S),
	T("scored as spam", SPAM_DETECTED, S),
	T("identified as spam", SPAM_DETECTED, S),
	T("detected as spam", SPAM_DETECTED, S),
	T("considered spam", SPAM_DETECTED, S),
	T("spam detected", SPAM_DETECTED, S),

	/* --- authentication of the sending domain: SPF, DKIM, DMARC --- */
	T("dmarc", AUTH_FAILURE, S),
	T("spf", AUTH_FAILURE, S),
	T("sender policy framework", AUTH_FAILURE, S),
	T("dkim signature", AUTH_FAILURE, S),
	T("dkim check", AUTH_FAILURE, S),
	T("dkim fail", AUTH_FAILURE, S),
	T("authentication checks", AUTH_FAILURE, S),
	T("unauthenticated email", AUTH_FAILURE, S),
	T("sender is unauthenticated", AUTH_FAILURE, S),
	T("fails to pass authentication", AUTH_FAILURE, S),
	T("does not have authentication information", AUTH_FAILURE, S),
	T("not allowed to send from", AUTH_FAILURE, S),
	T("not authorized to send", AUTH_FAILURE, S),
	T("authentication required", AUTH_FAILURE, S),
	TN("authrequired", AUTH_FAILURE, S),
	T("unauthenticated senders", AUTH_FAILURE, S),
	T("smtp authentication", AUTH_FAILURE, S),
	T("authentication failure", AUTH_FAILURE, S),
	T("authentication failed", AUTH_FAILURE, S),

	/* --- TLS --- */
	T("starttls", TLS_FAILURE, S),
	T("tls is required", TLS_FAILURE, S),
	T("tls required", TLS_FAILURE, S),
	T("tls not available", TLS_FAILURE, S),
	T("requiretls", TLS_FAILURE, S),
	T("encryption required", TLS_FAILURE, S),
	T("encryption needed", TLS_FAILURE, S),
	T("tls handshake", TLS_FAILURE, S),
	T("ssl handshake", TLS_FAILURE, S),
	T("tls negotiation", TLS_FAILURE, S),
	T("certificate verif", TLS_FAILURE, S),
	T("server certificate", TLS_FAILURE, S), /* Postfix: "not trusted", "verification failed" */
	T("certificate not trusted", TLS_FAILURE, S),

	/* --- content: malformed or against the receiver's content rules --- */
	T("duplicate header", POLICY_REJECTED, S),
	T("header error", POLICY_REJECTED, S),
	T("headers too large", POLICY_REJECTED, S),
	T("improperly-formatted", POLICY_REJECTED, S),
	T("8-bit data", POLICY_REJECTED, S),
	T("8bit data", POLICY_REJECTED, S),
	T("rfc 5322", POLICY_REJECTED, S),
	T("rfc5322", POLICY_REJECTED, S),
	T("rfc 2822", POLICY_REJECTED, S),
	T("multiple subject headers", POLICY_REJECTED, S),
	T("multiple addresses in from", POLICY_REJECTED, S),
	T("content presents a potential", POLICY_REJECTED, S), /* Gmail */
	T("security polic", POLICY_REJECTED, S),

	/* --- URI block lists list content, not the sending IP --- */
	T("blacklisted url", SPAM_DETECTED, S),
	TN("uribl", SPAM_DETECTED, S),
	TN("surbl", SPAM_DETECTED, S),

	/* --- the sending IP is listed or has a bad reputation --- */
	TN("spamhaus", BLOCKLISTED, S),
	TN("spamcop", BLOCKLISTED, S),
	TN("sorbs.net", BLOCKLISTED, S),
	TN("barracudacentral", BLOCKLISTED, S),
	T("barracuda reputation", BLOCKLISTED, S),
	TN("mailspike", BLOCKLISTED, S),
	TN("senderscore", BLOCKLISTED, S),
	T("sender score", BLOCKLISTED, S),
	TN("dnsbl", BLOCKLISTED, S),
	T("rbl", BLOCKLISTED, S),
	T("blocked using", BLOCKLISTED, S),
	T("blacklist", BLOCKLISTED, S),
	T("black list", BLOCKLISTED, S),
	T("blocklist", BLOCKLISTED, S),
	T("block list", BLOCKLISTED, S),
	T("denylist", BLOCKLISTED, S),
	T("reputation", BLOCKLISTED, S),
	T("banned sending ip", BLOCKLISTED, S),
	T("user complaints", BLOCKLISTED, S), /* Yahoo [TSS04] */
	T("[ts0", BLOCKLISTED, S),	      /* Yahoo [TS01]..[TS03], [TSS04].. */
	T("[tss0", BLOCKLISTED, S),
	T("originating from your ip", BLOCKLISTED, S), /* Gmail */
	T("open relay", BLOCKLISTED, S),
	T("smtp server of your isp", BLOCKLISTED, S),
	T("dynamic ip", BLOCKLISTED, S),
	T("dial-up", BLOCKLISTED, S),
	T("dialup", BLOCKLISTED, S),
	T("messages from * weren't sent", BLOCKLISTED, S), /* Outlook.com SC-00x */
	T("blocked for abuse", BLOCKLISTED, S),
	T("blocked for spam", BLOCKLISTED, S),

	/* --- spam and virus filters --- */
	T("spam", SPAM_DETECTED, S),
	T("virus", SPAM_DETECTED, S),
	T("malware", SPAM_DETECTED, S),
	T("infected", SPAM_DETECTED, S),
	T("phishing", SPAM_DETECTED, S),
	T(" ube,", SPAM_DETECTED, S), /* Barracuda, amavis "UBE" */
	T(" ube ", SPAM_DETECTED, S),
	T("unsolicited", SPAM_DETECTED, S),
	T("junk mail", SPAM_DETECTED, S),
	T("bulk mail", SPAM_DETECTED, S),
	T("mail score", SPAM_DETECTED, S),
	T("message score", SPAM_DETECTED, S),
	T("likely suspicious", BLOCKLISTED, S), /* Gmail: low IP reputation */
	T("suspicious", SPAM_DETECTED, G),
	T("content rejected", SPAM_DETECTED, G),

	/* --- the reverse DNS of the sending IP (policy of the receiver) --- */
	T("reverse dns", POLICY_REJECTED, S),
	T("ptr record", POLICY_REJECTED, S),
	T("rdns", POLICY_REJECTED, S),
	T("reverse lookup", POLICY_REJECTED, S),
	T("name lookup failed", POLICY_REJECTED, S),
	T("cannot find your hostname", POLICY_REJECTED, S),
	T("cannot find your reverse hostname", POLICY_REJECTED, S),
	T("mismatches client ip", POLICY_REJECTED, S),
	T("valid sender domain", POLICY_REJECTED, S),
	T("unverifyable sending ip", POLICY_REJECTED, S),
	T("unverifiable sending ip", POLICY_REJECTED, S),

	/* --- a DNS lookup that failed for now, not a domain that does not exist --- */
	T("host not found, try again", NETWORK_ERROR, S), /* Postfix: DNS TRY_AGAIN */
	T("unable to look up host", NETWORK_ERROR, S),
	T("temporary failure in name resolution", NETWORK_ERROR, S),

	/* --- the recipient's domain --- */
	T("null mx", HOST_UNKNOWN, S),
	T("doesn't receive email", HOST_UNKNOWN, S),
	T("does not accept mail", HOST_UNKNOWN, S),
	T("indicated no smtp service", HOST_UNKNOWN, S),
	T("nxdomain", HOST_UNKNOWN, S),
	T("domain name not found", HOST_UNKNOWN, S),
	T("host or domain name not found", HOST_UNKNOWN, S),
	T("host unknown", HOST_UNKNOWN, S),
	T("unknown host", HOST_UNKNOWN, S),
	T("host not found", HOST_UNKNOWN, S),
	T("no such host", HOST_UNKNOWN, S),
	T("no such domain", HOST_UNKNOWN, S),
	T("domain does not exist", HOST_UNKNOWN, S),
	T("domain not found", HOST_UNKNOWN, S),
	T("domain is not reachable", HOST_UNKNOWN, S),
	T("couldn't find any host", HOST_UNKNOWN, S), /* qmail */
	T("couldn't find a mail exchanger", HOST_UNKNOWN, S),
	T("no mx record", HOST_UNKNOWN, S),
	T("no mx found", HOST_UNKNOWN, S),
	T("unrouteable address", HOST_UNKNOWN, S), /* Exim */
	T("illegal host/domain", HOST_UNKNOWN, S),
	T("invalid domain", HOST_UNKNOWN, S),
	T("dns lookup failure", HOST_UNKNOWN, S),
	T("host name lookup failure", HOST_UNKNOWN, S),
	T("bad destination system address", HOST_UNKNOWN, S),
	T("mx or srv record", HOST_UNKNOWN, S),
	T("mail for * loops back to myself", NETWORK_ERROR, S),

	/* --- the recipient's mailbox is full --- */
	T("mailbox full", MAILBOX_FULL, S),
	T("mailbox is full", MAILBOX_FULL, S),
	T("mailfolder is full", MAILBOX_FULL, S),
	T("inbox is full", MAILBOX_FULL, S),
	T("over quota", MAILBOX_FULL, S),
	T("overquota", MAILBOX_FULL, S),
	T("quota exceeded", MAILBOX_FULL, S),
	TN("quotaexceeded", MAILBOX_FULL, S),
	T("exceeded * quota", MAILBOX_FULL, S),
	T("exceeds allowed size", MAILBOX_FULL, S),
	T("mailbox exceeds", MAILBOX_FULL, S),
	T("mailbox size limit", MAILBOX_FULL, S),
	T("out of storage space", MAILBOX_FULL, S),
	T("exceeded storage allocation", MAILBOX_FULL, S),
	T("insufficient disk space", MAILBOX_FULL, S),
	T("not enough disk space", MAILBOX_FULL, S),
	T("disk full", MAILBOX_FULL, S),
	T("mail system full", MAILBOX_FULL, S),
	T("messages in * mailbox exceeded", MAILBOX_FULL, S),

	/* --- the message is too big --- */
	T("message too large", MESSAGE_TOO_LARGE, S),
	T("message too big", MESSAGE_TOO_LARGE, S),
	T("message is too large", MESSAGE_TOO_LARGE, S),
	T("message is too big", MESSAGE_TOO_LARGE, S),
	T("message size exceeds", MESSAGE_TOO_LARGE, S),
	T("message length exceeds", MESSAGE_TOO_LARGE, S),
	T("exceeds size limit", MESSAGE_TOO_LARGE,
	  S), /* Postfix: "message size N exceeds size limit" */
	T("maximum message size", MESSAGE_TOO_LARGE, S),
	T("size limit exceeded", MESSAGE_TOO_LARGE, S),
	TN("recipsizelimit", MESSAGE_TOO_LARGE, S),
	T("header size exceeds", MESSAGE_TOO_LARGE, S),
	T("too large for", MESSAGE_TOO_LARGE, S),

	/* --- the recipient's account exists but is disabled --- */
	T("account is disabled", SUSPENDED, S),
	T("account has been disabled", SUSPENDED, S),
	T("account that you tried to reach is disabled", SUSPENDED, S),
	T("account that you tried to reach is inactive", SUSPENDED, S),
	T("account is locked", SUSPENDED, S),
	T("account is blocked", SUSPENDED, S),
	T("account * suspended", SUSPENDED, S),
	T("temporary locked", SUSPENDED, S),
	T("temporarily locked", SUSPENDED, S),
	T("mailbox is frozen", SUSPENDED, S),
	T("mailbox disabled", SUSPENDED, S),
	T("mailbox is disabled", SUSPENDED, S),
	T("disabled recipient", SUSPENDED, S),
	T("account disabled", SUSPENDED, S),
	T("user suspended", SUSPENDED, S),
	T("recipient suspend", SUSPENDED, S),
	T("is currently suspended", SUSPENDED, S),
	T("discontinued", SUSPENDED, S),
	T("deactivated", SUSPENDED, S),

	/* --- the recipient's mailbox does not exist --- */
	T("user unknown", USER_UNKNOWN, S),
	T("unknown user", USER_UNKNOWN, S),
	T("no such user", USER_UNKNOWN, S),
	T("no such recipient", USER_UNKNOWN, S),
	T("no such mailbox", USER_UNKNOWN, S),
	T("no mailbox here", USER_UNKNOWN, S),
	T("user not found", USER_UNKNOWN, S),
	T("user not exist", USER_UNKNOWN, S),
	T("user does not exist", USER_UNKNOWN, S),
	T("user doesn't exist", USER_UNKNOWN, S),
	T("mailbox not found", USER_UNKNOWN, S),
	T("mailbox does not exist", USER_UNKNOWN, S),
	T("mailbox doesn't exist", USER_UNKNOWN, S),
	T("recipient not found", USER_UNKNOWN, S),
	T("recipient * not found", USER_UNKNOWN, S),
	TN("recipientnotfound", USER_UNKNOWN, S),
	TN("recipnotfound", USER_UNKNOWN, S), /* Exchange RESOLVER.ADR.RecipNotFound */
	T("unknown recipient", USER_UNKNOWN, S),
	T("recipient unknown", USER_UNKNOWN, S),
	T("invalid recipient", USER_UNKNOWN, S),
	T("recipient invalid", USER_UNKNOWN, S),
	T("invalid mailbox", USER_UNKNOWN, S),
	T("not a valid mailbox", USER_UNKNOWN, S),
	T("unknown or illegal", USER_UNKNOWN, S),
	T("address not found", USER_UNKNOWN, S),
	T("address couldn't be found", USER_UNKNOWN, S),
	T("address could not be found", USER_UNKNOWN, S),
	T("account that you tried to reach does not exist", USER_UNKNOWN, S),
	T("doesn't have a * account", USER_UNKNOWN, S), /* Yahoo */
	T("not listed in domino directory", USER_UNKNOWN, S),
	T("not listed in public name & address book", USER_UNKNOWN, S),
	T("invalid final delivery userid", USER_UNKNOWN, S),
	T("mailbox address syntax", USER_UNKNOWN, S),
	T("no longer on server", USER_UNKNOWN, S),
	T("has been replaced by", USER_UNKNOWN, S),
	T("mailbox has moved", USER_UNKNOWN, S),
	T("not our customer", USER_UNKNOWN, S),
	T("not our user", USER_UNKNOWN, S),
	T("user not local", USER_UNKNOWN, S),
	/* Microsoft 365 directory-based edge blocking: no such recipient */
	TC("recipient address rejected: access denied", USER_UNKNOWN, S, "5.4.1"),

	/* --- relaying --- */
	T("relay access denied", RELAY_DENIED, S),
	T("relaying denied", RELAY_DENIED, S),
	T("relay denied", RELAY_DENIED, S),
	T("relay not permitted", RELAY_DENIED, S),
	T("relaying not permitted", RELAY_DENIED, S),
	T("relaying not allowed", RELAY_DENIED, S),
	T("unable to relay", RELAY_DENIED, S),
	T("cannot relay", RELAY_DENIED, S),
	T("not permitted to relay", RELAY_DENIED, S),
	T("not configured to relay", RELAY_DENIED, S),
	T("we do not relay", RELAY_DENIED, S),
	T("no relaying", RELAY_DENIED, S),
	T("insecure mail relay", RELAY_DENIED, S),
	T("allowed rcpthosts", RELAY_DENIED, S), /* qmail */

	/* --- too much, too fast --- */
	T("too many connections", RATE_LIMITED, S),
	T("too many concurrent", RATE_LIMITED, S),
	T("too many recipients", RATE_LIMITED, S),
	T("too many messages", RATE_LIMITED, S),
	T("too many mails", RATE_LIMITED, S),
	T("too many emails", RATE_LIMITED, S),
	T("rate limit", RATE_LIMITED, S),
	T("rate-limit", RATE_LIMITED, S),
	T("ratelimit", RATE_LIMITED, S),
	T("at a rate that prevents", RATE_LIMITED, S), /* Gmail */
	T("unexpected volume", RATE_LIMITED, S),
	T("frequency limited", RATE_LIMITED, S),
	T("sending too fast", RATE_LIMITED, S),
	T("try again slower", RATE_LIMITED, S),
	T("slow down", RATE_LIMITED, S),
	T("throttl", RATE_LIMITED, S),

	/* --- given up: the queue lifetime ran out --- */
	T("message expired", EXPIRED, S),
	T("delivery time expired", EXPIRED, S),
	T("envelope expired", EXPIRED, S),
	T("expired in the queue", EXPIRED, S), /* Postfix importer: status=expired */
	T("expired in queue", EXPIRED, S),
	T("in the queue too long", EXPIRED, S), /* qmail */
	T("in queue too long", EXPIRED, S),
	T("retry timeout exceeded", EXPIRED, S),
	T("retry time exceeded", EXPIRED, S),
	T("could not be delivered for", EXPIRED, S),
	T("could not deliver for the last", EXPIRED, S),
	T("not delivered within", EXPIRED, S),
	T("deleted from queue", EXPIRED, S),
	T("failing for a long time", EXPIRED, S), /* Exim */
	T("after multiple retries", EXPIRED, S),
	T("delivery failed * attempts", EXPIRED, S),
	T("unable to deliver this message after", EXPIRED, S),
	T("giving up", EXPIRED, G),
	T("gave up", EXPIRED, G),

	/* --- the network between us and them --- */
	T("connection timed out", NETWORK_ERROR, S),
	T("timed out", NETWORK_ERROR, S),
	T("connection refused", NETWORK_ERROR, S),
	T("no route to host", NETWORK_ERROR, S),
	T("network is unreachable", NETWORK_ERROR, S),
	T("host not reachable", NETWORK_ERROR, S),
	T("host unreachable", NETWORK_ERROR, S),
	T("connection reset", NETWORK_ERROR, S),
	T("lost connection", NETWORK_ERROR, S),
	T("broken pipe", NETWORK_ERROR, S),
	T("establish an smtp connection", NETWORK_ERROR, S),
	T("no smtp connection", NETWORK_ERROR, S),
	T("did not accept our requests to connect", NETWORK_ERROR, S),
	T("failed to connect", NETWORK_ERROR, S),
	T("unable to connect", NETWORK_ERROR, S),
	T("could not connect", NETWORK_ERROR, S),
	T("couldn't connect", NETWORK_ERROR, S),
	T("routing loop", NETWORK_ERROR, S),
	T("mail loop", NETWORK_ERROR, S),
	T("too many hops", NETWORK_ERROR, S),
	T("hop count exceeded", NETWORK_ERROR, S),
	T("name service error", NETWORK_ERROR, S),
	T("name server reply", NETWORK_ERROR, S),
	T("temporary lookup failure", NETWORK_ERROR, S),
	T("network error", NETWORK_ERROR, S),
	T("dns error", NETWORK_ERROR, G),

	/* --- general phrases: weaker than a clear enhanced code --- */
	T("refused to talk to me", BLOCKLISTED, G), /* Postfix: refused at greeting */
	T("not accepting connections", BLOCKLISTED, G),
	T("your ip", BLOCKLISTED, G),
	T("ip address * blocked", BLOCKLISTED, G),
	T("invalid ip for sending", BLOCKLISTED, G),
	T("envelope blocked", POLICY_REJECTED, G), /* Mimecast: recipient's policy */
	T("content filter", SPAM_DETECTED, G),
	T("blocked", BLOCKLISTED, G),
	T("listed at", BLOCKLISTED, G),
	T("listed in", BLOCKLISTED, G),
	T("address is not verified", RELAY_DENIED, G), /* Amazon SES identities */
	T("to relay", RELAY_DENIED, G),		       /* "not allowed to relay" */
	T("relay ", RELAY_DENIED, G),
	T("relaying", RELAY_DENIED, G),
	T("client host rejected", POLICY_REJECTED, G),
	T("policy violation", POLICY_REJECTED, G),
	T("protocol violation", POLICY_REJECTED, G),
	T("policy reasons", POLICY_REJECTED, G),
	T("denied by policy", POLICY_REJECTED, G),
	T("local policy", POLICY_REJECTED, G),
	T("policy restriction", POLICY_REJECTED, G),
	T("policy rejection", POLICY_REJECTED, G),
	T("administrative prohibition", POLICY_REJECTED, G), /* Exim */
	T("message not allowed", POLICY_REJECTED, G),
	T("not allowed", POLICY_REJECTED, G),
	T("not permitted", POLICY_REJECTED, G),
	T("access denied", POLICY_REJECTED, G),
	T("not authorized", POLICY_REJECTED, G),
	T("message filtered", POLICY_REJECTED, G),
	T("not accepting network messages", HOST_UNKNOWN, G),
	T("has been delayed", DEFERRED, G),
	T("will be retried", DEFERRED, G),
	T("mailbox unavailable", USER_UNKNOWN, G),
	T("does not exist", USER_UNKNOWN, G),
	T("no longer", USER_UNKNOWN, G),
	T("inactive", SUSPENDED, G),
	T("disabled", SUSPENDED, G),
	T("suspended", SUSPENDED, G),
	T("invalid address", USER_UNKNOWN, G),
	T("no valid recipients", USER_UNKNOWN, G),
	T("syntax error", OTHER, G),
	T("improper sequence", OTHER, G),
	T("bad sequence", OTHER, G),
	T("command parameter not implemented", OTHER, G),
	T("mailer error", OTHER, G),
	T("system error", OTHER, G),
	T("configuration error", OTHER, G),
	T("config error", OTHER, G),
	T("operating system error", OTHER, G),
	T("write error", OTHER, G),
	T("procmail", OTHER, G),
	T("pipe to |", OTHER, G),

	/* --- hints.  A deferral that says it is temporary is "deferred"; one
     * that only says "try again later" is what greylisting servers say. --- */
	T("temporar", DEFERRED, H),
	T("service unavailable", DEFERRED, H),
	T("service not available", DEFERRED, H),
	T("server busy", DEFERRED, H),
	T("system problem", DEFERRED, H),
	T("try again later", GREYLISTED, H),
	T("please try later", GREYLISTED, H),
	T("retry later", GREYLISTED, H),
	T("come back later", GREYLISTED, H),
	T("try later", DEFERRED, H),
	T("address rejected", USER_UNKNOWN, H),
	T("rejected", POLICY_REJECTED, H),
	T("refused", POLICY_REJECTED, H),
	T("denied", POLICY_REJECTED, H),
};
const size_t reason_n_text_rules = sizeof(reason_text_rules) / sizeof(reason_text_rules[0]);
