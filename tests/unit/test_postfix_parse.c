/*
 * test_postfix_parse.c - parsing Postfix log lines: the syslog frame in both
 * timestamp forms, year rollover, syslog_name prefixes, queue IDs, delivery
 * lines, remote replies and RFC 2047 subjects.  No store involved.
 */
#include "tests/unit/testutil.h"
#include "store/import/postfix_int.h"
#include "common/strutil.h"
#include "common/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t
utc(const char *s)
{
	int64_t t = 0;

	assert_int_equal(time_parse_rfc3339(s, &t), 0);
	return t;
}

static void
test_syslog_traditional(void **state)
{
	struct pf_year y = { .ref = utc("2026-11-30T00:00:00Z") };
	struct pf_line pl;
	char l1[] =
	    "Nov 20 09:14:02 relay postfix/smtp[1400]: 3F2A1B0C9D: to=<a@b.example>, status=sent (ok)";
	char l2[] =
	    "Nov  5 01:02:03.123456 relay postfix-out/submission/smtpd[77]: connect from x[1.2.3.4]";
	char l3[] = "Nov 20 09:14:02 relay postfix/qmgr[9]: 3F2A1B0C9D: removed";
	char l4[] = "Nov 20 09:14:02 relay dovecot: imap-login: Login";
	char l5[] = "Nov 20 25:14:02 relay postfix/smtp[1]: x";
	char l6[] = "hello world";
	char l7[] = "";
	char l8[] = "Nov 20 09:14:02 relay postfix/smtpd[1201]: NOQUEUE: reject: RCPT from x";

	(void)state;
	assert_int_equal(pf_parse_syslog(l1, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-11-20T09:14:02Z"));
	assert_string_equal(pl.service, "smtp");
	assert_int_equal(pl.pid, 1400);
	assert_string_equal(pl.qid, "3F2A1B0C9D");
	assert_string_equal(pl.text, "to=<a@b.example>, status=sent (ok)");

	assert_int_equal(pf_parse_syslog(l2, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-11-05T01:02:03Z"));
	assert_string_equal(pl.service, "smtpd");
	assert_null(pl.qid);
	assert_string_equal(pl.text, "connect from x[1.2.3.4]");

	assert_int_equal(pf_parse_syslog(l3, &y, &pl), PF_PARSE_OK);
	assert_string_equal(pl.text, "removed");
	assert_int_equal(pf_parse_syslog(l4, &y, &pl), PF_PARSE_OTHER);
	assert_int_equal(pf_parse_syslog(l5, &y, &pl), PF_PARSE_GARBAGE);
	assert_int_equal(pf_parse_syslog(l6, &y, &pl), PF_PARSE_GARBAGE);
	assert_int_equal(pf_parse_syslog(l7, &y, &pl), PF_PARSE_GARBAGE);
	assert_int_equal(pf_parse_syslog(l8, &y, &pl), PF_PARSE_OK);
	assert_null(pl.qid);
}

static void
test_syslog_iso(void **state)
{
	struct pf_year y = { 0 };
	struct pf_line pl;
	char l1[] =
	    "2026-11-20T09:14:02.123456+00:00 relay postfix/qmgr[9]: 4XbQ1m0vG7z1aa: removed";
	char l2[] = "2026-11-20T10:14:02+0100 relay postfix/qmgr[9]: 4XbQ1m0vG7z1aa: removed";
	char l3[] = "2026-11-20T09:14:02Z relay postfix/qmgr: 4XbQ1m0vG7z1aa: removed";
	char l4[] = "2026-11-20T09:14:02 relay postfix/qmgr[9]: 4XbQ1m0vG7z1aa: removed";
	char l5[] = "2026-11-20T08:14:02.5-01:00 relay postfix/qmgr[9]: 4XbQ1m0vG7z1aa: removed";

	(void)state;
	assert_int_equal(pf_parse_syslog(l1, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-11-20T09:14:02Z"));
	assert_string_equal(pl.qid, "4XbQ1m0vG7z1aa");
	assert_int_equal(pf_parse_syslog(l2, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-11-20T09:14:02Z"));
	assert_int_equal(pf_parse_syslog(l3, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.pid, -1);
	assert_int_equal(pl.at, utc("2026-11-20T09:14:02Z"));
	/* no zone: refused rather than guessed */
	assert_int_equal(pf_parse_syslog(l4, &y, &pl), PF_PARSE_GARBAGE);
	assert_int_equal(pf_parse_syslog(l5, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-11-20T09:14:02Z"));
}

static void
test_year_rollover(void **state)
{
	struct pf_year y = { .ref = utc("2027-01-05T12:00:00Z") };
	struct pf_year y2 = { .ref = utc("2026-06-01T12:00:00Z") };
	struct pf_line pl;
	char l1[] = "Dec 31 23:59:59 h postfix/qmgr[1]: ABCDEF12345: removed";
	char l2[] = "Jan  1 00:00:01 h postfix/qmgr[1]: ABCDEF12345: removed";
	char l3[] = "Jan  2 00:00:01 h postfix/qmgr[1]: ABCDEF12345: removed";
	char l4[] = "May 30 10:00:00 h postfix/qmgr[1]: ABCDEF12345: removed";

	(void)state;
	/* the file changed in January 2027, the log starts in December */
	assert_int_equal(pf_parse_syslog(l1, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-12-31T23:59:59Z"));
	assert_int_equal(pf_parse_syslog(l2, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2027-01-01T00:00:01Z"));
	assert_int_equal(pf_parse_syslog(l3, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2027-01-02T00:00:01Z"));
	/* a month not after the reference's stays in its year */
	assert_int_equal(pf_parse_syslog(l4, &y2, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, utc("2026-05-30T10:00:00Z"));
}

static void
test_queue_ids(void **state)
{
	(void)state;
	assert_true(pf_is_queue_id("3F2A1B0C9D", 10));
	assert_true(pf_is_queue_id("4XbQ1m0vG7z1aa", 14));
	assert_true(pf_is_queue_id("4jcr9s5cghz1bXyB", 16));
	assert_false(pf_is_queue_id("NOQUEUE", 7));
	assert_false(pf_is_queue_id("warning", 7));
	assert_false(pf_is_queue_id("statistics", 10));
	assert_false(pf_is_queue_id("ABC", 3));
	assert_false(pf_is_queue_id("4XbQ1m0vG7-1aa", 14));
}

static void
test_delivery_line(void **state)
{
	struct pf_delivery d;
	char reply[256];

	(void)state;
	assert_int_equal(
	    pf_parse_delivery(
		"to=<bob@n.example>, orig_to=<b@n.example>, "
		"relay=mx.n.example[192.0.2.1]:25, conn_use=2, delay=1.2, delays=0.1/0/0.6/0.5, "
		"dsn=4.7.1, status=deferred (host mx.n.example[192.0.2.1] said: 451 4.7.1 "
		"Greylisted (see (x)) (in reply to RCPT TO command))",
		&d),
	    0);
	assert_string_equal(d.to, "bob@n.example");
	assert_string_equal(d.orig_to, "b@n.example");
	assert_string_equal(d.relay, "mx.n.example[192.0.2.1]:25");
	assert_string_equal(d.mx_host, "mx.n.example");
	assert_string_equal(d.mx_ip, "192.0.2.1");
	assert_string_equal(d.delay, "1.2");
	assert_string_equal(d.delays, "0.1/0/0.6/0.5");
	assert_string_equal(d.dsn, "4.7.1");
	assert_string_equal(d.status, "deferred");
	pf_reply_text(d.detail, d.detail_len, reply, sizeof(reply));
	assert_string_equal(reply, "451 4.7.1 Greylisted (see (x))");
	assert_int_equal(pf_reply_code(reply), 451);

	assert_int_equal(
	    pf_parse_delivery(
		"to=<a@b.example>, relay=none, delay=0, "
		"delays=0/0/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. "
		"Name service error for name=b.example type=A: Host not found)",
		&d),
	    0);
	assert_string_equal(d.mx_host, "");
	assert_string_equal(d.mx_ip, "");
	pf_reply_text(d.detail, d.detail_len, reply, sizeof(reply));
	assert_string_equal(reply, "Host or domain name not found. Name service error for "
				   "name=b.example type=A: Host not found");
	assert_int_equal(pf_reply_code(reply), 0);

	assert_int_equal(pf_parse_delivery("to=<a@b.example>, relay=local, delay=0, dsn=2.0.0, "
					   "status=sent (delivered to mailbox)",
					   &d),
			 0);
	assert_string_equal(d.mx_host, "local");
	assert_int_equal(pf_parse_delivery("from=<a@b.example>, size=1", &d), -1);
	assert_int_equal(pf_parse_delivery("to=<a@b.example>, relay=local", &d), -1);
	assert_true(enhanced_status_valid("5.1.10"));
	assert_false(enhanced_status_valid("5.1"));
	assert_false(enhanced_status_valid("x"));
}

static void
test_subject_decoding(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=?UTF-8?Q?Invoice_1042_=E2=80=93_November?=",
		  "Invoice 1042 \xe2\x80\x93 November" },
		{ "=?ISO-8859-1?B?UmU6IEFuZnJhZ2Ugw7xiZXI=?= =?ISO-8859-1?Q?_Lieferung?=",
		  "Re: Anfrage \xc3\x83\xc2\xbc"
		  "ber Lieferung" },
		{ "=?utf-8?b?w7xiZXI=?=", "\xc3\xbc"
					  "ber" },
		{ "plain text", "plain text" },
		{ "=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?=" },
		{ "=?UTF-8?Q?broken", "=?UTF-8?Q?broken" },
		{ "caf\xe9", "caf\xc3\xa9" },
		{ "a\tb\x01"
		  "c",
		  "a\tb c" },
		/* fixed: overlong forms and surrogates passed as UTF-8 */
		{ "over\xc0\xaf", "over\xc3\x80\xc2\xaf" },
		{ "surr\xed\xa0\x80", "surr\xc3\xad\xc2\xa0\xc2\x80" },
		/* fixed: a word iconv refused half-way came out twice */
		{ "=?utf-8?Q?caf=C3?=", "=?utf-8?Q?caf=C3?=" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = pf_decode_header(cases[i].in, 4096);

		assert_string_equal(d, cases[i].out);
		free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_traditional), cmocka_unit_test(test_syslog_iso),
		cmocka_unit_test(test_year_rollover),	   cmocka_unit_test(test_queue_ids),
		cmocka_unit_test(test_delivery_line),	   cmocka_unit_test(test_subject_decoding),
	};

	/* traditional stamps are local time: pin it */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
