/*
 * test_import_exim.c - the Exim 4 mainlog importer: the line frame (plain,
 * +pid, milliseconds, log_timezone, syslog prefixes, split syslog lines,
 * 4.96 and 4.97 message IDs), delivery and arrival fields (quoted values,
 * fields forged in a reply or a Message-ID), and the import of
 * tests/fixtures/exim/ into the store (arrivals, deliveries, deferrals,
 * failures, bounces, frozen messages, local submissions, a log starting
 * mid-flight), both account modes, idempotence, .gz input.  Cut and
 * mangled lines: test_import_postfix.c; following a mainlog across a
 * rotation and a restart: test_postfix_follow.c.
 */
#include "tests/unit/testutil.h"
#include "tests/unit/tu_import.h"
#include "store/import/import.h"
#include "store/import/postfix_int.h"
#include "common/strutil.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>


static struct pf_options
exim_options(int with_map)
{
	struct pf_options o = tu_map_options(PF_FORMAT_EXIM);

	if (!with_map)
		o.account_map = NULL;
	return o;
}

static void
one_message(struct tu_store *f, const char *qid, struct store_message_list *l)
{
	l->v = NULL;
	l->n = 0;
	assert_int_equal(store_find_by_queue_id(f->st, qid, 0, STORE_WITH_TRANSCRIPTS, l),
			 STORE_OK);
	if (l->n != 1)
		fail_msg("%s: %zu messages", qid, l->n);
}

/* ---- parsing -------------------------------------------------------------- */

static void
test_exim_frame(void **state)
{
	struct pf_year y;
	struct pf_line pl;
	char b[600];

	(void)state;
	memset(&y, 0, sizeof(y));
	/* +pid, milliseconds */
	str_copy(b, "2026-12-07 05:05:44.842 [20900] 1xaQv2-0005R6-2h <= a@b.example", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, tu_utc("2026-12-07T05:05:44Z"));
	assert_int_equal(pl.pid, 20900);
	assert_string_equal(pl.qid, "1xaQv2-0005R6-2h");
	assert_string_equal(pl.text, "<= a@b.example");
	/* plain, no pid; a line without a message ID */
	str_copy(b, "2026-12-07 05:05:44 Start queue run: pid=1", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.pid, -1);
	assert_null(pl.qid);
	assert_string_equal(pl.text, "Start queue run: pid=1");
	/* log_timezone; a 4.97 message ID */
	str_copy(b, "2026-12-07 06:05:44 +0100 1xaQv2-0005R6a2hbc-AbCd Completed", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, tu_utc("2026-12-07T05:05:44Z"));
	assert_string_equal(pl.qid, "1xaQv2-0005R6a2hbc-AbCd");
	assert_string_equal(pl.text, "Completed");
	/* syslog prefix with Exim's own stamp, and without (syslog_timestamp = false) */
	str_copy(
	    b,
	    "Dec  7 05:10:00 relay exim[3001]: 2026-12-07 05:10:00 -0200 1xaR00-0000Aa-0A Completed",
	    sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, tu_utc("2026-12-07T07:10:00Z"));
	assert_int_equal(pl.pid, 3001);
	assert_string_equal(pl.qid, "1xaR00-0000Aa-0A");
	y.ref = tu_utc("2026-12-31T00:00:00Z");
	y.year = 0;
	str_copy(b, "Dec  7 05:10:01 relay exim4[3002]: 1xaR00-0000Aa-0A => x@y.example",
		 sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OK);
	assert_int_equal(pl.at, tu_utc("2026-12-07T05:10:01Z"));
	assert_string_equal(pl.text, "=> x@y.example");
	/* a line syslog split: the first part is read, the rest is not */
	str_copy(b, "Dec  7 05:10:02 relay exim[3002]: [1\\2] 1xaR00-0000Aa-0A Completed",
		 sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OK);
	assert_string_equal(pl.qid, "1xaR00-0000Aa-0A");
	str_copy(b, "Dec  7 05:10:02 relay exim[3002]: [2\\2] the rest", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OTHER);
	/* another program, and no log line at all */
	str_copy(b, "Dec  7 05:10:02 relay postfix/smtp[1]: 4XbQ1m0vG7z1aa: to=<a@b>", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_OTHER);
	str_copy(b, " Suggested action: use keep_environment.", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_GARBAGE);
	str_copy(b, "2026-13-07 05:05:44 1xaQv2-0005R6-2h Completed", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_GARBAGE);
	str_copy(b, "2026-12-07 05:05:44 [12x] 1xaQv2-0005R6-2h Completed", sizeof(b));
	assert_int_equal(ex_parse_line(b, &y, &pl), PF_PARSE_GARBAGE);

	assert_true(ex_is_message_id("1xaQv2-0005R6-2h", 16));
	assert_false(ex_is_message_id("1xaQv2_0005R6-2h", 16));
	assert_false(ex_is_message_id("4XbQ1m0vG7z1aa", 14));
}

static void
test_exim_fields(void **state)
{
	struct ex_delivery d;
	struct ex_arrival a;
	char v[300], dsn[16];

	(void)state;
	assert_int_equal(
	    ex_parse_delivery(
		"=> bob@ok.example F=<s@a.example> R=dnslookup T=remote_smtp S=502 "
		"H=mx.ok.example [198.51.100.2]:25 X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes "
		"DN=\"CN=mx, O=a b\" K C=\"250 2.0.0 Ok \\\"q\\\" \\\\ \\303\\274 R=fake\" QT=1s DT=0.5s",
		&d),
	    0);
	assert_string_equal(d.kind, "=>");
	assert_string_equal(d.addr, "bob@ok.example");
	assert_string_equal(d.router, "dnslookup");
	assert_string_equal(d.transport, "remote_smtp");
	assert_string_equal(d.mx_host, "mx.ok.example");
	assert_string_equal(d.mx_ip, "198.51.100.2");
	assert_string_equal(d.port, "25");
	assert_string_equal(d.tls, "TLS1.3:TLS_AES_256_GCM_SHA384:256");
	assert_string_equal(d.cv, "yes");
	assert_string_equal(d.dn, "CN=mx, O=a b");
	assert_int_equal(d.chunking, 1);
	assert_string_equal(d.confirm, "250 2.0.0 Ok \"q\" \\ \xc3\xbc R=fake");
	assert_string_equal(d.qt, "1s");
	assert_string_equal(d.dt, "0.5s");
	assert_string_equal(d.error, "");

	/* the remote reply cannot forge fields: they end where the error starts */
	assert_int_equal(
	    ex_parse_delivery("** dave@reject.example R=dnslookup T=remote_smtp H=mx.r.example "
			      "[198.51.100.4]:25: SMTP error from remote mail server after RCPT "
			      "TO:<dave@reject.example>: 550 5.1.1 no H=evil [6.6.6.6] C=\"fake\" "
			      "DT=0.001s",
			      &d),
	    0);
	assert_string_equal(d.mx_host, "mx.r.example");
	assert_string_equal(d.mx_ip, "198.51.100.4");
	assert_string_equal(d.confirm, "");
	assert_string_equal(d.dt, "0.001s");
	assert_string_equal(d.error,
			    "SMTP error from remote mail server after RCPT "
			    "TO:<dave@reject.example>: 550 5.1.1 no H=evil [6.6.6.6] C=\"fake\"");
	ex_reply_text(d.error, v, sizeof(v));
	assert_string_equal(v, "550 5.1.1 no H=evil [6.6.6.6] C=\"fake\"");
	ex_enhanced_status(v, dsn, sizeof(dsn));
	assert_string_equal(dsn, "5.1.1");
	/* deferral with the fields ending in "DT=..:", routing failures */
	assert_int_equal(ex_parse_delivery("== c@d.example R=mx T=remote_smtp defer (-44) "
					   "H=mx.d.example [127.0.0.3]:20114 I=[127.0.0.1]:4 "
					   "DT=0.000s: SMTP error from remote mail server after "
					   "MAIL FROM:<a@b> SIZE=12: 452 4.3.1 Full",
					   &d),
			 0);
	assert_string_equal(d.mx_ip, "127.0.0.3");
	assert_string_equal(d.dt, "0.000s");
	ex_reply_text(d.error, v, sizeof(v));
	assert_string_equal(v, "452 4.3.1 Full");
	assert_int_equal(ex_parse_delivery("** frank@nowhere.example: Unrouteable address", &d), 0);
	assert_string_equal(d.addr, "frank@nowhere.example");
	assert_string_equal(d.error, "Unrouteable address");
	ex_reply_text(d.error, v, sizeof(v));
	assert_string_equal(v, "Unrouteable address");
	ex_enhanced_status(v, dsn, sizeof(dsn));
	assert_string_equal(dsn, "");
	assert_int_equal(
	    ex_parse_delivery("== x@y.example R=mx T=t defer (111): Connection refused", &d), 0);
	assert_string_equal(d.error, "Connection refused");
	/* a local delivery: the address the sender gave in <..> */
	assert_int_equal(ex_parse_delivery("=> gina <gina@ok.example> R=localuser T=local", &d), 0);
	assert_string_equal(d.addr, "gina");
	assert_string_equal(d.orig, "gina@ok.example");
	assert_int_equal(ex_parse_delivery("=> |/usr/bin/x (p@ok.example) <t@ok.example> R=a", &d),
			 0);
	assert_string_equal(d.orig, "t@ok.example");
	assert_int_equal(ex_parse_delivery("Completed", &d), -1);
	assert_int_equal(ex_parse_delivery("=> ", &d), -1);

	/* arrivals: account fields only before id= */
	assert_int_equal(ex_parse_arrival("<= s@a.example H=(helo A=plain:x) [192.0.2.1]:1 "
					  "P=esmtp S=3 id=a A=plain:acme T=\"for T=\\\"x\\\"\" "
					  "from <s@a.example> for r1@b.example r2@b.example",
					  &a),
			 0);
	assert_string_equal(a.sender, "s@a.example");
	assert_string_equal(a.auth, "");
	assert_string_equal(a.proto, "esmtp");
	assert_string_equal(a.mid, "a");
	assert_string_equal(a.subject, "for T=\"x\"");
	assert_string_equal(a.rcpts, "r1@b.example r2@b.example");
	assert_int_equal(ex_parse_arrival("<= <> R=1xaQv2-0005R6-2h U=Debian-exim P=local S=1 "
					  "id*=E1@h T=\"Mail delivery failed\" for b@a.example",
					  &a),
			 0);
	assert_string_equal(a.sender, "");
	assert_string_equal(a.bounce_of, "1xaQv2-0005R6-2h");
	assert_string_equal(a.user, "Debian-exim");
	assert_string_equal(a.mid, "E1@h");
	assert_int_equal(ex_field("P=esmtpa A=plain:acme_user S=4", "A", v, sizeof(v)), 1);
	assert_string_equal(v, "plain:acme_user");
	assert_int_equal(ex_field("H=host (helo) [192.0.2.1]:25 P=x", "H", v, sizeof(v)), 1);
	assert_string_equal(v, "host (helo) [192.0.2.1]:25");
	assert_int_equal(ex_field("T=\"A=x\" S=4", "A", v, sizeof(v)), 0);
	assert_int_equal(ex_flag("L K C=\"K\"", "K"), 1);
	assert_int_equal(ex_flag("L C=\"K\"", "K"), 0);
}

/* ---- import into the store --------------------------------------------- */

static void
test_exim_import_mainlog(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = exim_options(1);
	char *path = tu_fixture("exim/mainlog");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l;
	const struct store_recipient *r;
	int reports = 0;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, &reports);
	assert_int_equal(s.lines, 29);
	assert_int_equal(s.garbage, 1);
	assert_int_equal(reports, 1); /* file:line: not an Exim log line */
	assert_int_equal(s.messages, 4);
	assert_int_equal(s.attempts, 10); /* with the freeze of judy */
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.skipped, 8);
	assert_int_equal(s.unowned, 2); /* the forged A= and the mid-flight one */
	assert_int_equal(tu_count(f, "messages"), 4);

	one_message(f, "1xaQv2-0005R6-2h", &l);
	assert_string_equal(l.v[0].account, "acme");
	assert_string_equal(l.v[0].message_id, "<m1@acme.example>");
	assert_string_equal(l.v[0].from, "billing@acme.example");
	assert_string_equal(l.v[0].subject, "Rechnung \xc3\xbc"
					    "ber 100 \xe2\x82\xac");
	assert_int_equal(l.v[0].submitted_at, tu_utc("2026-12-07T05:05:44Z"));
	assert_int_equal(l.v[0].n_rcpts, 4);
	r = tu_rcpt(&l.v[0], "bob@ok.example");
	assert_string_equal(r->status, "delivered");
	assert_int_equal(r->n_attempts, 1);
	assert_string_equal(r->attempts[0].mx_host, "mx.ok.example");
	assert_string_equal(r->attempts[0].mx_ip, "198.51.100.2");
	assert_int_equal(r->attempts[0].smtp_code, 250);
	assert_string_equal(r->attempts[0].enhanced_status, "2.0.0");
	assert_string_equal(r->attempts[0].response,
			    "250 2.0.0 Ok: queued as 4XbQ1m0vG7z1aa \"quoted\" \\ done");
	assert_string_equal(r->attempts[0].transcript_kind, "summary");
	assert_non_null(
	    strstr(r->attempts[0].transcript,
		   "Summary from the Exim log (Exim does not log the SMTP conversation)"));
	assert_non_null(strstr(r->attempts[0].transcript,
			       "2026-12-07T05:05:44Z delivery to <bob@ok.example> via "
			       "mx.ok.example [198.51.100.2]:25\n"));
	assert_non_null(strstr(r->attempts[0].transcript,
			       "TLS TLS1.3:TLS_AES_256_GCM_SHA384:256, certificate verified: yes, "
			       "peer CN=mx.ok.example\n"));
	assert_non_null(strstr(r->attempts[0].transcript, "CHUNKING"));
	r = tu_rcpt(&l.v[0], "bob2@ok.example");
	assert_string_equal(r->status, "delivered");
	r = tu_rcpt(&l.v[0], "carol@defer.example");
	assert_string_equal(r->status, "deferred");
	assert_int_equal(r->n_attempts, 2); /* "retry time not reached" is no attempt */
	assert_int_equal(r->attempts[1].at, tu_utc("2026-12-07T05:05:45Z"));
	assert_int_equal(r->attempts[1].smtp_code, 450);
	assert_string_equal(r->attempts[1].enhanced_status, "4.2.0");
	assert_string_equal(r->attempts[1].response,
			    "450 4.2.0 Greylisted, see http://example.test/grey");
	assert_string_equal(r->attempts[1].mx_host, "mx.defer.example");
	r = tu_rcpt(&l.v[0], "dave@reject.example");
	assert_string_equal(r->status, "bounced");
	assert_int_equal(r->attempts[0].smtp_code, 550);
	assert_string_equal(r->attempts[0].enhanced_status, "5.1.1");
	assert_string_equal(r->attempts[0].response,
			    "550 5.1.1 <dave@reject.example>: Recipient address rejected: User "
			    "unknown");
	assert_non_null(
	    strstr(r->attempts[0].transcript, "failed delivery to <dave@reject.example>"));
	assert_non_null(strstr(r->attempts[0].transcript, "delivery time 0.000s"));
	store_message_list_free(&l);

	one_message(f, "1xaQv3-0005TG-1f", &l);
	assert_string_equal(l.v[0].account, "globex");
	assert_string_equal(l.v[0].subject, "Status report for A=plain:acme");
	store_message_list_free(&l);

	/* a local submission: U= is the account key */
	one_message(f, "1xaQvM-0005Zz-0A", &l);
	assert_string_equal(l.v[0].account, "acme");
	r = tu_rcpt(&l.v[0], "frank@nowhere.example");
	assert_string_equal(r->status, "bounced");
	assert_int_equal(r->attempts[0].smtp_code, 0);
	assert_string_equal(r->attempts[0].response, "Unrouteable address");
	assert_null(r->attempts[0].mx_ip);
	r = tu_rcpt(&l.v[0], "gina@ok.example");
	assert_string_equal(r->status, "delivered");
	assert_null(r->attempts[0].response);
	store_message_list_free(&l);

	/* frozen ("Frozen" alone): the routing deferral, then the freeze with
	 * that deferral as its reason */
	one_message(f, "1xaQvg-0007Bb-2C", &l);
	r = tu_rcpt(&l.v[0], "judy@loop.example");
	assert_string_equal(r->status, "deferred");
	assert_int_equal(r->n_attempts, 2);
	assert_string_equal(r->attempts[0].response,
			    "lowest numbered MX record points to local host");
	assert_string_equal(r->attempts[1].status, "deferred");
	assert_int_equal(r->attempts[1].at, tu_utc("2026-12-07T05:06:30Z"));
	assert_string_equal(r->attempts[1].response,
			    "frozen by Exim: lowest numbered MX record points to local host");
	assert_int_equal(r->attempts[1].smtp_code, 0);
	assert_null(r->attempts[1].mx_ip);
	assert_string_equal(r->attempts[1].transcript_kind, "summary");
	assert_non_null(strstr(r->attempts[1].transcript,
			       "2026-12-07T05:06:30Z message to <judy@loop.example>: Frozen\n"));
	store_message_list_free(&l);

	/* nothing for Exim's own bounce, the forged A= or the mid-flight message */
	assert_int_equal(store_find_by_queue_id(f->st, "1xaQv2-0005RM-30", 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	store_message_list_free(&l);
	assert_int_equal(store_find_by_queue_id(f->st, "1xaQvW-0006Aa-1B", 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	store_message_list_free(&l);
	free(path);
}

static void
test_exim_idempotent_and_sender_domain(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = exim_options(1);
	char *path = tu_fixture("exim/mainlog");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	tu_reimport_adds_nothing(f, &o, files, &s);
	assert_int_equal(s.unchanged, 10);
	assert_int_equal(tu_count(f, "messages"), 4);

	/* sender_domain without a map: the spoofed message now has one */
	o = exim_options(0);
	o.account_from = PF_ACCOUNT_FROM_SENDER_DOMAIN;
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	one_message(f, "1xaQvW-0006Aa-1B", &l);
	assert_string_equal(l.v[0].account, "acme.example");
	store_message_list_free(&l);
	/* still nothing for the bounce (null sender) */
	assert_int_equal(store_find_by_queue_id(f->st, "1xaQv2-0005RM-30", 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	store_message_list_free(&l);
	free(path);
}

/* Freeze lines: "Frozen (...)", "Frozen by the system filter: ...",
 * "Message is frozen" (recorded once, also when the Frozen line is not in
 * the log), "unfrozen by root"; a delivered recipient is left alone. */
static void
test_exim_frozen(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = exim_options(1);
	char *path = tu_fixture("exim/frozen.log");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l;
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.lines, 10);
	assert_int_equal(s.messages, 2);
	assert_int_equal(s.attempts, 6);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.skipped, 2); /* the repeated "Message is frozen" */

	one_message(f, "1xaRa0-0009Aa-0A", &l);
	r = tu_rcpt(&l.v[0], "nina@ok.example");
	assert_string_equal(r->status, "delivered");
	assert_int_equal(r->n_attempts, 1);
	r = tu_rcpt(&l.v[0], "omar@ok.example");
	assert_string_equal(r->status, "deferred");
	assert_int_equal(r->n_attempts, 4);
	assert_int_equal(r->attempts[0].at, tu_utc("2026-12-07T06:00:00Z"));
	assert_string_equal(r->attempts[0].response,
			    "frozen by Exim: by the system filter: too many \"recipients\"");
	assert_string_equal(r->attempts[1].status, "deferred");
	assert_string_equal(r->attempts[1].response,
			    "no longer frozen: unfrozen by root; Exim will try again");
	assert_string_equal(r->attempts[2].response, "451 4.3.0 Try again");
	assert_string_equal(r->attempts[3].status, "deferred");
	assert_string_equal(r->attempts[3].response, "frozen by Exim: delivery error message");
	assert_int_equal(r->attempts[3].smtp_code, 0);
	assert_null(r->attempts[3].enhanced_status);
	assert_null(r->attempts[3].mx_host);
	store_message_list_free(&l);

	/* the Frozen line is not in this log: the first queue run's note */
	one_message(f, "1xaRb0-0009Bb-1B", &l);
	r = tu_rcpt(&l.v[0], "pia@ok.example");
	assert_string_equal(r->status, "deferred");
	assert_int_equal(r->n_attempts, 1);
	assert_int_equal(r->attempts[0].at, tu_utc("2026-12-07T06:25:00Z"));
	assert_string_equal(r->attempts[0].response,
			    "frozen by Exim: the reason is not in the imported log");
	store_message_list_free(&l);

	/* idempotent: the re-import decides as the first import did */
	tu_reimport_adds_nothing(f, &o, files, &s);
	assert_int_equal(s.unchanged, 6);
	assert_int_equal(s.skipped, 2);
	free(path);
}

/* A queue run's "Message is frozen" in the same second as the "Frozen"
 * line (it_exim_import_pg saw it on a loaded machine): the freeze is
 * recorded once, not again as "the reason is not in the imported log". */
static void
test_exim_frozen_same_second(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = exim_options(1);
	char *path = tu_fixture("exim/frozen_same_second.log");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l;
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.skipped, 2);
	one_message(f, "1xaRc0-0009Cc-2C", &l);
	r = tu_rcpt(&l.v[0], "judy@loop.example");
	assert_string_equal(r->status, "deferred");
	assert_int_equal(r->n_attempts, 2);
	assert_string_equal(r->attempts[0].response, "remote host address is the local host");
	assert_string_equal(r->attempts[1].response,
			    "frozen by Exim: remote host address is the local host");
	store_message_list_free(&l);

	tu_reimport_adds_nothing(f, &o, files, &s);
	free(path);
}

static void
test_exim_syslog_gz(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = exim_options(1);
	char *src = tu_fixture("exim/syslog.log"), *data = tu_read_file(src, NULL);
	char gzpath[600];
	const char *files[] = { gzpath, NULL };
	struct import_stats s;
	struct store_message_list l;
	const struct store_recipient *r;
	struct timeval tv[2];
	gzFile gz;

	snprintf(gzpath, sizeof(gzpath), "%s/mainlog.2.gz", f->dir);
	gz = gzopen(gzpath, "wb");
	assert_non_null(gz);
	gzputs(gz, data);
	gzclose(gz);
	tv[0].tv_sec = tv[1].tv_sec = (time_t)tu_utc("2026-12-08T00:00:00Z");
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(gzpath, tv), 0);
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.lines, 6);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.skipped, 2); /* the Postfix line, the split line's rest */
	one_message(f, "1xaR00-0000Aa-0A", &l);
	assert_string_equal(l.v[0].account, "acme");
	assert_int_equal(l.v[0].submitted_at, tu_utc("2026-12-07T04:10:00Z"));
	r = tu_rcpt(&l.v[0], "lee@ok.example");
	assert_int_equal(r->attempts[0].at, tu_utc("2026-12-07T05:10:01Z")); /* TZ=UTC */
	assert_string_equal(r->attempts[0].response, "250 OK id=1xaR01-0000Bb-1B");
	assert_int_equal(r->attempts[0].smtp_code, 250);
	assert_null(r->attempts[0].enhanced_status);
	r = tu_rcpt(&l.v[0], "mia@ok.example");
	assert_string_equal(r->status, "bounced");
	assert_int_equal(r->attempts[0].smtp_code, 550);
	assert_string_equal(r->attempts[0].enhanced_status, "5.7.1");
	store_message_list_free(&l);
	free(src);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exim_frame),
		cmocka_unit_test(test_exim_fields),
		cmocka_unit_test_setup_teardown(test_exim_import_mainlog, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_exim_idempotent_and_sender_domain,
						tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_exim_frozen, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_exim_frozen_same_second, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_exim_syslog_gz, tu_store_setup,
						tu_store_teardown),
	};

	/* Exim's stamps without a zone are local time: make it UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
