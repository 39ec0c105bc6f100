/*
 * test_reason.c - reason classification (provider detection and remote
 * queue IDs are in test_provider.c; the Sisimai conformance run is
 * test_reason_conformance.c).
 */
#include "tests/unit/testutil.h"
#include "responder/reason/reason.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R(x) REASON_##x

/* --- names ---------------------------------------------------------------- */

static void
test_names(void **state)
{
	(void)state;
	for (int i = 0; i < REASON_COUNT; i++)
		assert_int_equal(reason_from_name(reason_name((enum reason)i)), i);
	assert_string_equal(reason_name(R(USER_UNKNOWN)), "user_unknown");
	assert_string_equal(reason_name(R(MESSAGE_TOO_LARGE)), "message_too_large");
	assert_int_equal(reason_from_name("nonsense"), -1);
	assert_int_equal(reason_from_name(""), -1);
	assert_int_equal(reason_from_name(NULL), -1);
	assert_string_equal(reason_name((enum reason)99), "other");
}

/* --- the tables are well formed ----------------------------------------- */

static void
test_tables_well_formed(void **state)
{
	(void)state;
	for (size_t i = 0; i < reason_n_text_rules; i++) {
		const struct reason_text_rule *r = &reason_text_rules[i];

		assert_non_null(r->pattern);
		assert_true(r->pattern[0] != '\0' && r->pattern[0] != '*');
		assert_null(strstr(r->pattern, "**"));
		for (const char *p = r->pattern; *p; p++)
			assert_false(*p >= 'A' && *p <= 'Z');
		assert_true(r->weight == REASON_W_HINT || r->weight == REASON_W_GENERAL ||
			    r->weight == REASON_W_SPECIFIC);
		assert_true((unsigned)r->reason < REASON_COUNT);
	}
	for (size_t i = 0; i < reason_n_code_rules; i++) {
		const struct reason_code_rule *r = &reason_code_rules[i];

		assert_true(r->code[0] == 'x' || r->code[0] == '4' || r->code[0] == '5');
		assert_int_equal(r->code[1], '.');
		assert_true(r->weight == REASON_W_CODE_WEAK || r->weight == REASON_W_CODE_STRONG);
		assert_true((unsigned)r->reason < REASON_COUNT);
	}
	for (size_t i = 0; i < reason_n_smtp_rules; i++)
		assert_true(reason_smtp_rules[i].code >= 400 && reason_smtp_rules[i].code < 600);
}

/* --- codes written in the text ------------------------------------------ */

static void
test_parse_codes(void **state)
{
	static const struct {
		const char *text;
		int code;
		const char *enhanced;
	} cases[] = {
		{ "550 5.1.1 <bob@example.org>: Recipient address rejected", 550, "5.1.1" },
		{ "550-5.7.26 Unauthenticated email", 550, "5.7.26" },
		{ "host mx.example.org[192.0.2.1] said: 552 5.2.2 Over quota", 552, "5.2.2" },
		{ "#550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large ##", 550, "5.2.3" },
		{ "Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1" },
		{ "Error: 4.16.55.1; see 192.0.2.25", 0, "" },
		{ "554 4.4.7 Message expired <421 4.4.2 Connection timed out>", 554, "4.4.7" },
		{ "421 4.7.0 try later 550 5.7.1 denied", 421, "4.7.0" },
		{ "550 5.7.509 Access denied", 550, "5.7.509" },
		{ "ERROR_CODE :550, ERROR_CODE :5.2.1 <a@b>... User Unknown", 550, "5.2.1" },
		{ "2404:6800:4008:c05::1a said", 0, "" },
		{ "[505] OFR005_505", 0, "" },
		{ "no code at all", 0, "" },
		{ "", 0, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char enh[16];
		int code;

		reason_parse_codes(cases[i].text, &code, enh, sizeof(enh));
		if (code != cases[i].code || strcmp(enh, cases[i].enhanced) != 0)
			fail_msg("\"%s\": got %d \"%s\", want %d \"%s\"", cases[i].text, code, enh,
				 cases[i].code, cases[i].enhanced);
	}
	{
		char enh[16] = "junk";
		int code = 7;

		reason_parse_codes(NULL, &code, enh, sizeof(enh));
		assert_int_equal(code, 0);
		assert_string_equal(enh, "");
	}
}

/* --- classification tables --------------------------------------------- */

struct cls_case {
	const char *status;
	int code;
	const char *enhanced;
	const char *text;
	enum reason want;
};

static void
run_cases(const struct cls_case *cases, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		struct classification c;

		reason_classify(cases[i].status, cases[i].code, cases[i].enhanced, cases[i].text,
				NULL, &c);
		if (c.reason != cases[i].want) {
			print_error("case %zu: status=%s code=%d enhanced=%s text=\"%s\": got %s, "
				    "want %s\n",
				    i, cases[i].status ? cases[i].status : "NULL", cases[i].code,
				    cases[i].enhanced ? cases[i].enhanced : "NULL",
				    cases[i].text ? cases[i].text : "NULL", reason_name(c.reason),
				    reason_name(cases[i].want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* One per enhanced-code class and subject, code alone (no text). */
static void
test_enhanced_codes(void **state)
{
	static const struct cls_case cases[] = {
		{ "bounced", 550, "5.1.1", NULL, R(USER_UNKNOWN) },
		{ "bounced", 0, "5.1.2", NULL, R(HOST_UNKNOWN) },
		{ "bounced", 0, "5.1.3", NULL, R(USER_UNKNOWN) },
		{ "bounced", 0, "5.1.6", NULL, R(USER_UNKNOWN) },
		{ "bounced", 0, "5.1.8", NULL, R(POLICY_REJECTED) },
		{ "bounced", 0, "5.1.10", NULL, R(HOST_UNKNOWN) },
		{ "bounced", 0, "5.2.1", NULL, R(SUSPENDED) },
		{ "bounced", 552, "5.2.2", NULL, R(MAILBOX_FULL) },
		{ "deferred", 452, "4.2.2", NULL, R(MAILBOX_FULL) },
		{ "bounced", 0, "5.2.3", NULL, R(MESSAGE_TOO_LARGE) },
		{ "bounced", 0, "5.3.4", NULL, R(MESSAGE_TOO_LARGE) },
		{ "deferred", 0, "4.4.1", NULL, R(NETWORK_ERROR) },
		{ "deferred", 0, "4.4.2", NULL, R(NETWORK_ERROR) },
		{ "bounced", 0, "5.4.4", NULL, R(HOST_UNKNOWN) },
		{ "bounced", 0, "5.4.6", NULL, R(NETWORK_ERROR) },
		{ "bounced", 0, "5.4.7", NULL, R(EXPIRED) },
		{ "deferred", 0, "4.4.7", NULL, R(DEFERRED) }, /* still queued: not "expired" */
		{ "bounced", 0, "5.5.3", NULL, R(RATE_LIMITED) },
		{ "bounced", 0, "5.6.0", NULL, R(POLICY_REJECTED) },
		{ "bounced", 0, "5.7.1", NULL, R(POLICY_REJECTED) },
		{ "deferred", 451, "4.7.1", NULL, R(GREYLISTED) },
		{ "bounced", 0, "5.7.8", NULL, R(AUTH_FAILURE) },
		{ "bounced", 0, "5.7.10", NULL, R(TLS_FAILURE) },
		{ "bounced", 0, "5.7.13", NULL, R(SUSPENDED) },
		{ "bounced", 0, "5.7.23", NULL, R(AUTH_FAILURE) },
		{ "bounced", 0, "5.7.25", NULL, R(POLICY_REJECTED) },
		{ "bounced", 0, "5.7.26", NULL, R(AUTH_FAILURE) },
		{ "bounced", 0, "5.7.27", NULL, R(POLICY_REJECTED) },
		{ "bounced", 0, "5.7.28", NULL, R(RATE_LIMITED) },
		{ "bounced", 0, "5.7.509", NULL, R(AUTH_FAILURE) },
		{ "bounced", 0, "5.7.606", NULL, R(BLOCKLISTED) },
		{ "bounced", 0, "5.7.64", NULL, R(RELAY_DENIED) },
		{ "deferred", 451, "4.7.650", NULL, R(BLOCKLISTED) },
		{ "deferred", 451, "4.7.500", NULL, R(RATE_LIMITED) },
		{ "bounced", 550, "5.0.0", NULL, R(OTHER) },
		{ "deferred", 450, "4.0.0", NULL, R(DEFERRED) },
		/* the same, read from the text */
		{ NULL, 0, NULL,
		  "550 5.1.1 <bob@example.org>: Recipient address rejected: "
		  "User unknown in local recipient table",
		  R(USER_UNKNOWN) },
		{ NULL, 0, NULL, "556 5.1.10 Recipient address has null MX", R(HOST_UNKNOWN) },
		{ NULL, 0, NULL, "552 5.2.2 Quota", R(MAILBOX_FULL) },
		{ NULL, 0, NULL, "550 5.7.26 This mail has been blocked", R(AUTH_FAILURE) },
		{ NULL, 0, NULL,
		  "550 5.7.509 Access denied, sending domain [EXAMPLE.COM] does "
		  "not pass DMARC verification",
		  R(AUTH_FAILURE) },
		{ NULL, 0, NULL, "421 4.4.2 mx.example.org Error: timeout exceeded",
		  R(NETWORK_ERROR) },
		/* a clear text beats a loosely used code */
		{ "bounced", 550, "5.1.1",
		  "550 5.1.1 <a@b> - 192.0.2.1 has sent to too many "
		  "recipients this hour",
		  R(RATE_LIMITED) },
		{ "bounced", 550, "5.2.1", "550 5.2.1 <a@b>... User Unknown", R(USER_UNKNOWN) },
		{ "bounced", 550, "5.1.10",
		  "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient "
		  "not found by SMTP address lookup",
		  R(USER_UNKNOWN) },
		{ "bounced", 550, "5.4.1",
		  "550 5.4.1 Recipient address rejected: Access denied. "
		  "AS(201806281) [DM6NAM10FT001.eop-nam10.prod.protection.outlook.com]",
		  R(USER_UNKNOWN) },
	};
	(void)state;
	RUN(cases);
}

static void
test_greylisting(void **state)
{
	static const struct cls_case cases[] = {
		{ "deferred", 450, NULL,
		  "450 4.2.0 <bob@example.org>: Recipient address rejected: "
		  "Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
		  R(GREYLISTED) },
		{ "deferred", 451, NULL, "451 4.7.1 Please try again later", R(GREYLISTED) },
		{ "deferred", 0, NULL,
		  "451 4.7.1 Greylisting in action, please come back in "
		  "00:05:00",
		  R(GREYLISTED) },
		{ "deferred", 0, NULL, "451 Greylisted for 300 seconds", R(GREYLISTED) },
		{ "deferred", 0, NULL, "450 Try again later", R(GREYLISTED) },
		{ NULL, 0, NULL, "451-4.7.1 You are greylisted, retry later", R(GREYLISTED) },
		{ "deferred", 0, NULL, "421 4.7.0 graylisted, please retry", R(GREYLISTED) },
		/* greylisted until the relay gave up: the message expired */
		{ "bounced", 0, NULL, "451 4.7.1 Greylisted, try again later", R(EXPIRED) },
		/* not greylisting, although they say "later" */
		{ "deferred", 0, NULL,
		  "450 4.7.1 <c.example.net[192.0.2.1]>: Client host "
		  "rejected: cannot find your hostname, [192.0.2.1]",
		  R(POLICY_REJECTED) },
		{ "deferred", 0, NULL,
		  "450-4.2.1 The user you are trying to contact is receiving "
		  "mail at a rate that prevents additional messages from being delivered. Please "
		  "resend your message at a later time.",
		  R(RATE_LIMITED) },
	};
	(void)state;
	RUN(cases);
}

/* Real server texts, one or more per family. */
static void
test_server_texts(void **state)
{
	static const struct cls_case cases[] = {
		/* Gmail */
		{ "bounced", 0, NULL,
		  "550-5.1.1 The email account that you tried to reach does "
		  "not exist. Please try double-checking the recipient's email address - gsmtp",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL, "552-5.2.2 The recipient's inbox is out of storage space",
		  R(MAILBOX_FULL) },
		{ "bounced", 0, NULL,
		  "550-5.7.1 [192.0.2.1] Our system has detected that this "
		  "message is likely suspicious due to the very low reputation of the sending IP "
		  "address",
		  R(BLOCKLISTED) },
		/* Microsoft 365 / Outlook.com */
		{ "bounced", 0, NULL, "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL, "550 5.5.0 Requested action not taken: mailbox unavailable",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL,
		  "550 5.7.1 Service unavailable, Client host [192.0.2.1] "
		  "blocked using Spamhaus",
		  R(BLOCKLISTED) },
		/* Yahoo */
		{ "deferred", 0, NULL,
		  "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily "
		  "deferred due to unexpected volume or user complaints",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL,
		  "554 delivery error: dd This user doesn't have a yahoo.com "
		  "account (bob@yahoo.com) [0]",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL, "554 5.7.9 Message not accepted for policy reasons.",
		  R(POLICY_REJECTED) },
		/* Postfix */
		{ "bounced", 0, NULL, "554 5.7.1 <bob@example.org>: Relay access denied",
		  R(RELAY_DENIED) },
		{ "bounced", 0, NULL,
		  "554 5.7.1 Service unavailable; Client host [192.0.2.1] "
		  "blocked using zen.spamhaus.org",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL, "552 5.3.4 Message size exceeds fixed limit",
		  R(MESSAGE_TOO_LARGE) },
		{ "deferred", 0, NULL,
		  "connect to mx.example.org[192.0.2.1]:25: Connection "
		  "timed out",
		  R(NETWORK_ERROR) },
		{ "bounced", 0, NULL,
		  "Host or domain name not found. Name service error for "
		  "name=example.invalid type=MX: Host not found",
		  R(HOST_UNKNOWN) },
		/* Exim */
		{ "bounced", 0, NULL, "550 Unrouteable address", R(HOST_UNKNOWN) },
		{ "bounced", 0, NULL, "retry timeout exceeded", R(EXPIRED) },
		{ "bounced", 0, NULL, "550 Administrative prohibition", R(POLICY_REJECTED) },
		/* Sendmail */
		{ "bounced", 0, NULL, "550 5.1.1 <bob@example.org>... User unknown",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL, "554 5.4.7 Message could not be delivered for 5 days",
		  R(EXPIRED) },
		/* qmail */
		{ "bounced", 0, NULL, "Sorry, no mailbox here by that name. (#5.1.1)",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL,
		  "Sorry, I couldn't find any host named example.invalid. "
		  "(#5.1.2)",
		  R(HOST_UNKNOWN) },
		/* DNSBL and content filters */
		{ "bounced", 0, NULL,
		  "554 Service unavailable; Client host [192.0.2.1] blocked "
		  "using bl.spamcop.net",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL,
		  "554 Rejected - see http://www.sorbs.net/lookup.shtml?192.0.2.1",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL,
		  "554 Blocked - see http://www.barracudacentral.org/"
		  "reputation?ip=192.0.2.1",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL, "550 5.7.1 Message content rejected, UBE, id=12345-01",
		  R(SPAM_DETECTED) },
		{ "bounced", 0, NULL, "554 5.7.0 Reject, id=12345-02 - INFECTED: Eicar-Test",
		  R(SPAM_DETECTED) },
		{ "bounced", 0, NULL, "550 5.7.1 You are not allowed to relay", R(RELAY_DENIED) },
		{ "bounced", 0, NULL,
		  "553 sorry, that domain isn't in my list of allowed "
		  "rcpthosts (#5.7.1)",
		  R(RELAY_DENIED) },
		/* more providers */
		{ "bounced", 0, NULL, "550-5.4.5 Daily user sending quota exceeded.",
		  R(RATE_LIMITED) },
		{ "deferred", 0, NULL,
		  "421-4.7.0 [192.0.2.1] Our system has detected an unusual "
		  "rate of unsolicited mail originating from your IP address. To protect our users "
		  "from spam, mail sent from your IP address has been temporarily rate limited.",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL,
		  "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be "
		  "permanently deferred; Retrying will NOT succeed.",
		  R(BLOCKLISTED) },
		{ "bounced", 0, NULL,
		  "554-Transaction failed 554-Reject due to policy restrictions.",
		  R(POLICY_REJECTED) },
		{ "bounced", 0, NULL, "553 Envelope blocked - User Entry", R(POLICY_REJECTED) },
		{ "bounced", 0, NULL,
		  "550 Invalid Recipient - https://community.mimecast.com/docs/"
		  "DOC-1369#550",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL, "554 5.7.1 [2] Message rejected under suspicion of SPAM",
		  R(SPAM_DETECTED) },
		/* a host name is not a verdict: "antispam", "spf" in names */
		{ "bounced", 0, NULL,
		  "host antispam.example.net[192.0.2.1] said: 550 5.1.1 "
		  "<bob@example.org>: Recipient address rejected: User unknown",
		  R(USER_UNKNOWN) },
		{ "bounced", 0, NULL,
		  "host spf1.mx.example.org[192.0.2.1] said: 552 5.2.2 "
		  "Mailbox full",
		  R(MAILBOX_FULL) },
		{ "bounced", 0, NULL, "550 unknown user<bob@spam.example.co.jp>", R(USER_UNKNOWN) },
		{ "deferred", 0, NULL,
		  "450 4.7.1 <relay.example>: Helo command rejected: Host not "
		  "found",
		  R(POLICY_REJECTED) },
		{ "deferred", 0, NULL, "452 4.3.1 Insufficient system resources", R(DEFERRED) },
		/* Postfix log texts, as the Postfix importer stores them */
		{ "deferred", 0, NULL,
		  "Name service error for name=example.org type=MX: Host not found, try again",
		  R(NETWORK_ERROR) },
		{ "deferred", 0, NULL,
		  "unable to look up host mx.example.org: No address associated with hostname",
		  R(NETWORK_ERROR) },
		{ "bounced", 0, NULL,
		  "message size 20480000 exceeds size limit 10240000 of server "
		  "mx.example.org[192.0.2.1]",
		  R(MESSAGE_TOO_LARGE) },
		{ "deferred", 0, NULL, "Server certificate not trusted", R(TLS_FAILURE) },
		{ "bounced", 450, "4.4.1",
		  "expired in the queue, returned to sender; last reply: connect to "
		  "mx.example.org[192.0.2.1]:25: Connection timed out",
		  R(EXPIRED) },
		{ "bounced", 452, "4.2.2",
		  "expired in the queue, returned to sender; last reply: host mx.example.org[192.0.2.1] "
		  "said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)",
		  R(MAILBOX_FULL) },
		{ "bounced", 451, "4.7.1",
		  "expired in the queue, returned to sender; last reply: host mx.example.org[192.0.2.1] "
		  "said: 451 4.7.1 Greylisted, see https://example.org/greylist",
		  R(EXPIRED) },
		/* deferred specifics */
		{ "deferred", 0, NULL, "421 4.7.0 Too many concurrent SMTP connections",
		  R(RATE_LIMITED) },
		{ "deferred", 0, NULL, "454 4.7.0 TLS not available due to local problem",
		  R(TLS_FAILURE) },
		{ "deferred", 0, NULL, "451 4.3.0 Temporary server error", R(DEFERRED) },
		{ "deferred", 0, NULL, "421 Service not available", R(DEFERRED) },
		{ "deferred", 0, NULL,
		  "421-4.7.0 Try again later, closing connection. (EHLO) "
		  "a1si123 - gsmtp",
		  R(DEFERRED) },
		{ "deferred", 0, NULL, "421-4.3.0 Temporary System Problem.  Try again later (10).",
		  R(DEFERRED) },
		{ "deferred", 0, NULL,
		  "451 4.7.0 Temporary server error. Please try again later. "
		  "PRX4",
		  R(DEFERRED) },
		{ "deferred", 0, NULL, "Message expired", R(DEFERRED) },
		/* status decides the family */
		{ "delivered", 550, "5.1.1", "550 5.1.1 User unknown", R(DELIVERED) },
		{ NULL, 250, NULL, "250 2.0.0 Ok: queued as ABC", R(DELIVERED) },
		{ NULL, 0, NULL, "250 2.0.0 Ok: queued as ABC", R(DELIVERED) },
		{ "bounced", 0, NULL, "", R(OTHER) },
		{ "bounced", 0, NULL, "421 Try later", R(EXPIRED) },
		{ "deferred", 0, NULL, "", R(DEFERRED) },
		{ "weird", 0, NULL, "nothing to see", R(OTHER) },
	};
	(void)state;
	RUN(cases);
}

/* --- hostile and odd input ---------------------------------------------- */

static void
test_null_empty_garbage(void **state)
{
	struct classification c;
	char buf[512];

	(void)state;
	reason_classify(NULL, 0, NULL, NULL, NULL, &c);
	assert_int_equal(c.reason, R(OTHER));
	assert_null(c.provider);
	assert_null(c.provider_name);
	assert_string_equal(c.remote_queue_id, "");
	reason_classify("delivered", 0, NULL, NULL, NULL, &c);
	assert_int_equal(c.reason, R(DELIVERED));
	reason_classify("bounced", 0, "", "", "", &c);
	assert_int_equal(c.reason, R(OTHER));
	reason_classify("bounced", 999, "9.9.9", "\xff\xfe%%%***\x80\x81", "\xff.", &c);
	assert_int_equal(c.reason, R(OTHER));
	reason_classify("bounced", -5, "5.1.", "5.", "..", &c);
	assert_int_equal(c.reason, R(OTHER));
	reason_classify("bounced", 0, "5.1.1junk", NULL, NULL, &c);
	assert_int_equal(c.reason, R(OTHER));
	/* every byte value but NUL */
	for (int i = 0; i < 511; i++)
		buf[i] = (char)(1 + i % 255);
	buf[511] = '\0';
	reason_classify(NULL, 0, NULL, buf, buf, &c);
	assert_true((unsigned)c.reason < REASON_COUNT);
	assert_int_equal(reason_remote_queue_id(NULL, buf, sizeof(buf)), 0);
	assert_int_equal(reason_remote_queue_id("250 queued as X", buf, 0), 0);
	assert_null(reason_provider_of_mx(NULL));
	assert_null(reason_provider_of_text(NULL));
	assert_null(reason_provider_name(NULL));
	assert_null(reason_provider_name("nosuch"));
}

static void
test_control_chars(void **state)
{
	static const struct cls_case cases[] = {
		{ NULL, 0, NULL, "550\r\n5.1.1\tuser\x01unknown", R(USER_UNKNOWN) },
		{ NULL, 0, NULL, "552 5.2.2 mailbox\x1b[31m full\x7f", R(MAILBOX_FULL) },
		{ NULL, 0, NULL, "\x01\x02\x03 550 \x04 relay \x05\x06 access denied",
		  R(RELAY_DENIED) },
		{ "deferred", 0, NULL, "\t\t\r\n\v\f", R(DEFERRED) },
	};
	struct classification c;

	(void)state;
	RUN(cases);
	reason_classify("delivered", 0, NULL,
			"250 2.0.0 Ok: queued as AB\x01"
			"CD\r\nX",
			NULL, &c);
	assert_string_equal(c.remote_queue_id, "AB");
}

static void
test_long_input(void **state)
{
	size_t n = 1024 * 1024;
	char *big = malloc(n + 1);
	struct classification c;
	const char *head = "550 5.2.2 Mailbox full ";

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	memcpy(big, head, strlen(head));
	reason_classify(NULL, 0, NULL, big, NULL, &c);
	assert_int_equal(c.reason, R(MAILBOX_FULL));

	/* Past REASON_TEXT_MAX nothing is read. */
	memset(big, 'a', n);
	memcpy(big + n - 100, "550 5.1.1 user unknown", 22);
	reason_classify("bounced", 0, NULL, big, NULL, &c);
	assert_int_equal(c.reason, R(OTHER));

	/* Random bytes without NUL, and a huge "ID". */
	srand(42);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(1 + rand() % 255);
	reason_classify(NULL, 0, NULL, big, big, &c);
	assert_true((unsigned)c.reason < REASON_COUNT);
	memset(big, 'Z', n);
	memcpy(big, "250 2.0.0 Ok: queued as ", 24);
	reason_classify("delivered", 0, NULL, big, NULL, &c);
	assert_int_equal(strlen(c.remote_queue_id), sizeof(c.remote_queue_id) - 1);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tables_well_formed),
		cmocka_unit_test(test_parse_codes),
		cmocka_unit_test(test_enhanced_codes),
		cmocka_unit_test(test_greylisting),
		cmocka_unit_test(test_server_texts),
		cmocka_unit_test(test_null_empty_garbage),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_long_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
