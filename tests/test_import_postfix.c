/*
 * test_import_postfix.c - the Postfix log importer: line parsing (both
 * timestamp forms, year rollover, prefixes, queue IDs), delivery lines,
 * replies, RFC 2047 subjects, correlation into the store (fixtures in
 * tests/fixtures/postfix/), interleaving with a small state cap, garbage,
 * .gz input, idempotence, and follow mode across growth, rotation,
 * copytruncate and restart.
 */
#include "tests/testutil.h"
#include "store/import.h"
#include "store/postfix_int.h"
#include "common/buf.h"
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

struct fx {
	char *dir;
	struct store *st;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char err[512], path[600];

	f->dir = tu_tempdir();
	snprintf(path, sizeof(path), "%s/store.db", f->dir);
	f->st = store_open(path, err, sizeof(err));
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(&f->st);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int64_t
utc(const char *s)
{
	int64_t t = 0;

	assert_int_equal(time_parse_rfc3339(s, &t), 0);
	return t;
}

/* A copy of fixture `name` in the test dir with mtime `mtime` (the year
 * reference of stamps without a year).  Caller frees. */
static char *
fixture_copy(struct fx *f, const char *name, const char *mtime)
{
	char *src = tu_fixture(name), *data = tu_read_file(src, NULL), *dst;
	struct timeval tv[2];

	assert_non_null(data);
	dst = tu_write_file(f->dir, strrchr(name, '/') + 1, data, 0644);
	tv[0].tv_sec = tv[1].tv_sec = (time_t)utc(mtime);
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(dst, tv), 0);
	free(src);
	free(data);
	return dst;
}

static void
silent(void *ctx, const char *file, long line, const char *why)
{
	int *n = ctx;

	(void)file;
	(void)line;
	(void)why;
	if (n)
		(*n)++;
}

static void
import_files(struct fx *f, const struct pf_options *o, const char *const *files,
	     struct import_stats *stats)
{
	char err[512];
	struct pf_import *imp = pf_import_new(f->st, o, err, sizeof(err));

	assert_non_null(imp);
	for (; *files; files++)
		assert_int_equal(pf_import_file(imp, *files, stats, silent, NULL, err,
						sizeof(err)), IMPORT_OK);
	assert_int_equal(pf_import_finish(imp, stats, err, sizeof(err)), IMPORT_OK);
	pf_import_free(&imp);
}

static struct pf_options
map_options(void)
{
	static char *map;
	struct pf_options o;

	if (map == NULL)
		map = tu_fixture("postfix/account.map");
	memset(&o, 0, sizeof(o));
	o.account_from = PF_ACCOUNT_FROM_SASL;
	o.account_map = map;
	return o;
}

static const struct store_recipient *
rcpt(const struct store_message *m, const char *addr)
{
	for (size_t i = 0; i < m->n_rcpts; i++)
		if (strcmp(m->rcpts[i].address, addr) == 0)
			return &m->rcpts[i];
	fail_msg("recipient %s not found", addr);
	abort();	/* not reached: fail_msg does not return */
}

static int64_t
count(struct fx *f, const char *what)
{
	int64_t n = -1;

	assert_int_equal(store_count(f->st, what, &n), STORE_OK);
	return n;
}

/* ---- pure parsing ------------------------------------------------------ */

static void
test_syslog_traditional(void **state)
{
	struct pf_year y = { .ref = utc("2026-11-30T00:00:00Z") };
	struct pf_line pl;
	char l1[] = "Nov 20 09:14:02 relay postfix/smtp[1400]: 3F2A1B0C9D: to=<a@b.example>, status=sent (ok)";
	char l2[] = "Nov  5 01:02:03.123456 relay postfix-out/submission/smtpd[77]: connect from x[1.2.3.4]";
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
	char l1[] = "2026-11-20T09:14:02.123456+00:00 relay postfix/qmgr[9]: 4XbQ1m0vG7z1aa: removed";
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
	assert_int_equal(pf_parse_delivery("to=<bob@n.example>, orig_to=<b@n.example>, "
	    "relay=mx.n.example[192.0.2.1]:25, conn_use=2, delay=1.2, delays=0.1/0/0.6/0.5, "
	    "dsn=4.7.1, status=deferred (host mx.n.example[192.0.2.1] said: 451 4.7.1 "
	    "Greylisted (see (x)) (in reply to RCPT TO command))", &d), 0);
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

	assert_int_equal(pf_parse_delivery("to=<a@b.example>, relay=none, delay=0, "
	    "delays=0/0/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. "
	    "Name service error for name=b.example type=A: Host not found)", &d), 0);
	assert_string_equal(d.mx_host, "");
	assert_string_equal(d.mx_ip, "");
	pf_reply_text(d.detail, d.detail_len, reply, sizeof(reply));
	assert_string_equal(reply, "Host or domain name not found. Name service error for "
			    "name=b.example type=A: Host not found");
	assert_int_equal(pf_reply_code(reply), 0);

	assert_int_equal(pf_parse_delivery("to=<a@b.example>, relay=local, delay=0, dsn=2.0.0, "
	    "status=sent (delivered to mailbox)", &d), 0);
	assert_string_equal(d.mx_host, "local");
	assert_int_equal(pf_parse_delivery("from=<a@b.example>, size=1", &d), -1);
	assert_int_equal(pf_parse_delivery("to=<a@b.example>, relay=local", &d), -1);
	assert_true(pf_valid_dsn("5.1.10"));
	assert_false(pf_valid_dsn("5.1"));
	assert_false(pf_valid_dsn("x"));
}

static void
test_subject_decoding(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "=?UTF-8?Q?Invoice_1042_=E2=80=93_November?=", "Invoice 1042 \xe2\x80\x93 November" },
		{ "=?ISO-8859-1?B?UmU6IEFuZnJhZ2Ugw7xiZXI=?= =?ISO-8859-1?Q?_Lieferung?=",
		  "Re: Anfrage \xc3\x83\xc2\xbc" "ber Lieferung" },
		{ "=?utf-8?b?w7xiZXI=?=", "\xc3\xbc" "ber" },
		{ "plain text", "plain text" },
		{ "=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?=" },
		{ "=?UTF-8?Q?broken", "=?UTF-8?Q?broken" },
		{ "caf\xe9", "caf\xc3\xa9" },
		{ "a\tb\x01" "c", "a\tb c" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = pf_decode_header(cases[i].in, 4096);

		assert_string_equal(d, cases[i].out);
		free(d);
	}
}

/* ---- import into the store ----------------------------------------------- */

static void
test_import_basic(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *path = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.lines, 24);
	assert_int_equal(s.garbage, 1);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unowned, 2);	/* the local submission and the bounce */

	assert_int_equal(store_find_by_queue_id(f->st, "3F2A1B0C9D", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "acme");
	assert_string_equal(l.v[0].message_id, "<inv-1042@acme.example>");
	assert_string_equal(l.v[0].from, "billing@acme.example");
	assert_string_equal(l.v[0].subject, "Invoice 1042 \xe2\x80\x93 November");
	assert_int_equal(l.v[0].submitted_at, utc("2026-11-20T09:14:02Z"));
	assert_int_equal(l.v[0].n_rcpts, 2);
	r = rcpt(&l.v[0], "bob@northwind.example");
	assert_string_equal(r->status, "delivered");
	assert_int_equal(r->n_attempts, 1);
	assert_int_equal(r->attempts[0].at, utc("2026-11-20T09:14:03Z"));
	assert_string_equal(r->attempts[0].mx_host, "aspmx.l.google.com");
	assert_string_equal(r->attempts[0].mx_ip, "142.250.27.26");
	assert_int_equal(r->attempts[0].smtp_code, 250);
	assert_string_equal(r->attempts[0].enhanced_status, "2.0.0");
	assert_string_equal(r->attempts[0].response,
	    "250 2.0.0 OK  1763630045 5b1f17b1804b1-4779a2d1c3esi1234567f8.12 - gsmtp");
	assert_string_equal(r->attempts[0].transcript_kind, "summary");
	assert_non_null(strstr(r->attempts[0].transcript,
	    "Trusted TLS connection established to aspmx.l.google.com[142.250.27.26]:25"));
	assert_non_null(strstr(r->attempts[0].transcript, "delay 1.2 s"));
	r = rcpt(&l.v[0], "carol@fabrikam.example");
	assert_string_equal(r->status, "deferred");
	assert_null(r->attempts[0].mx_host);
	assert_null(r->attempts[0].mx_ip);
	assert_int_equal(r->attempts[0].smtp_code, 0);
	assert_string_equal(r->attempts[0].enhanced_status, "4.4.1");
	assert_string_equal(r->attempts[0].response,
	    "connect to mx1.fabrikam.example[203.0.113.25]:25: Connection refused");
	assert_non_null(strstr(r->attempts[0].transcript, "originally <carol.old@fabrikam.example>"));
	assert_non_null(strstr(r->attempts[0].transcript,
	    "2026-11-20T09:14:04Z connect to mx1.fabrikam.example[203.0.113.25]:25: Connection refused"));
	store_message_list_free(&l);
	/* nothing was made up for the messages without an owner */
	assert_int_equal(store_find_by_queue_id(f->st, "A1B2C3D4E5", 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	store_message_list_free(&l);
	free(path);
}

static void
test_import_idempotent(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *p1 = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	char *p2 = fixture_copy(f, "postfix/debug.log", "2026-11-30T00:00:00Z");
	const char *files[] = { p1, p2, NULL };
	struct import_stats s;
	int64_t m, a, rc;

	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	m = count(f, "messages");
	a = count(f, "attempts");
	rc = count(f, "recipients");
	assert_int_equal(a, 6);
	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.messages, 0);
	assert_int_equal(s.attempts, 0);
	assert_int_equal(s.unchanged, 6);
	assert_int_equal(count(f, "messages"), m);
	assert_int_equal(count(f, "attempts"), a);
	assert_int_equal(count(f, "recipients"), rc);
	free(p1);
	free(p2);
}

static void
test_import_iso_long_ids(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *path = tu_fixture("postfix/iso.log");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(store_find_by_queue_id(f->st, "4XbQ1m0vG7z1aa", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "globex-corp");
	assert_string_equal(l.v[0].subject, "Re: Anfrage \xc3\x83\xc2\xbc" "ber Lieferung");
	assert_int_equal(l.v[0].submitted_at, utc("2026-11-20T09:14:02Z"));
	r = rcpt(&l.v[0], "ann@wingtip.example");
	assert_int_equal(r->n_attempts, 2);
	assert_string_equal(r->attempts[0].status, "deferred");
	assert_int_equal(r->attempts[0].at, utc("2026-11-20T09:14:03Z"));
	assert_int_equal(r->attempts[0].smtp_code, 451);
	assert_string_equal(r->attempts[0].response,
	    "451 4.7.1 Greylisted, see https://wingtip.example/greylist");
	assert_string_equal(r->attempts[1].status, "delivered");
	assert_string_equal(r->status, "delivered");
	store_message_list_free(&l);
	free(path);
}

static void
test_import_rollover(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *path = fixture_copy(f, "postfix/rollover.log", "2027-01-01T00:05:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(store_find_by_queue_id(f->st, "5A5A5A5A5A", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].submitted_at, utc("2026-12-31T23:59:58Z"));
	assert_int_equal(l.v[0].rcpts[0].attempts[0].at, utc("2027-01-01T00:00:01Z"));
	store_message_list_free(&l);
	free(path);
}

static void
test_import_full_transcript(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *path = fixture_copy(f, "postfix/debug.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;
	const char *t;

	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.attempts, 4);
	assert_int_equal(store_find_by_queue_id(f->st, "6B6B6B6B6B", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	/* both recipients of the one transaction share its transcript */
	for (int i = 0; i < 2; i++) {
		r = rcpt(&l.v[0], i ? "dan@northwind.example" : "bob@northwind.example");
		t = r->attempts[0].transcript;
		assert_string_equal(r->attempts[0].transcript_kind, "full");
		assert_non_null(strstr(t, "Connected to mx.northwind.example[192.0.2.80]:25\n"
				       "< 220 mx.northwind.example ESMTP\n> EHLO relay.example\n"));
		assert_non_null(strstr(t, "> RCPT TO:<dan@northwind.example>\n"));
		assert_non_null(strstr(t, "< 250 2.0.0 Ok: queued as AAA111\n"));
		assert_null(strstr(t, "smtp_stream_setup"));
		assert_null(strstr(t, "RSET"));
	}
	store_message_list_free(&l);
	/* the next transaction on the cached connection: session head + its own */
	assert_int_equal(store_find_by_queue_id(f->st, "7C7C7C7C7C", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	r = rcpt(&l.v[0], "eve@northwind.example");
	t = r->attempts[0].transcript;
	assert_string_equal(r->attempts[0].transcript_kind, "full");
	assert_string_equal(r->status, "bounced");
	assert_int_equal(r->attempts[0].smtp_code, 550);
	assert_non_null(strstr(t, "> EHLO relay.example\n"));
	assert_non_null(strstr(t, "(connection reused)\n> RSET\n"));
	assert_non_null(strstr(t, "> RCPT TO:<eve@northwind.example>\n"));
	assert_null(strstr(t, "bob@northwind"));
	store_message_list_free(&l);
	/* a new connection to the same host and port: a transcript of its own,
	 * STARTTLS's 220 does not start another one */
	assert_int_equal(store_find_by_queue_id(f->st, "8F8F8F8F8F", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	r = rcpt(&l.v[0], "fay@northwind.example");
	t = r->attempts[0].transcript;
	assert_string_equal(r->attempts[0].transcript_kind, "full");
	assert_true(str_starts_with(t, "Connected to mx.northwind.example[192.0.2.80]:25\n"
				    "< 220 mx.northwind.example ESMTP\n"));
	assert_non_null(strstr(t, "> STARTTLS\n< 220 2.0.0 Ready to start TLS\n"
			       "Trusted TLS connection established to "));
	assert_non_null(strstr(t, "> RCPT TO:<fay@northwind.example>\n"));
	assert_null(strstr(t, "eve@"));
	assert_null(strstr(t, "QUIT"));
	assert_null(strstr(t, "(connection reused)"));
	store_message_list_free(&l);
	free(path);
}

static void
test_import_midflight(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *p1 = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	char *p2 = fixture_copy(f, "postfix/midflight.log", "2026-11-30T00:00:00Z");
	const char *first[] = { p2, NULL }, *both[] = { p1, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	/* alone: neither queue ID's start is known, nothing is invented */
	memset(&s, 0, sizeof(s));
	import_files(f, &o, first, &s);
	assert_int_equal(s.attempts, 0);
	assert_int_equal(s.unowned, 2);
	assert_int_equal(count(f, "messages"), 0);
	/* after the earlier file, the store supplies the account */
	memset(&s, 0, sizeof(s));
	import_files(f, &o, both, &s);
	memset(&s, 0, sizeof(s));
	import_files(f, &o, first, &s);
	assert_int_equal(s.attempts, 1);
	assert_int_equal(s.unowned, 1);	/* 8D8D8D8D8D is still nobody's */
	assert_int_equal(store_find_by_queue_id(f->st, "3F2A1B0C9D", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_string_equal(rcpt(&l.v[0], "carol@fabrikam.example")->status, "delivered");
	store_message_list_free(&l);
	free(p1);
	free(p2);
}

static void
test_import_expired(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *path = fixture_copy(f, "postfix/expired.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(store_find_by_queue_id(f->st, "9E9E9E9E9E", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	r = rcpt(&l.v[0], "slow@tailspin.example");
	assert_string_equal(r->status, "bounced");
	assert_int_equal(r->n_attempts, 2);
	assert_int_equal(r->attempts[1].at, utc("2026-11-28T08:00:02Z"));
	assert_non_null(strstr(r->attempts[1].response, "452 4.2.2 Mailbox full"));
	assert_non_null(strstr(r->attempts[1].response, "expired"));
	store_message_list_free(&l);
	free(path);
}

static void
test_import_reused_queue_id(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *p1 = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	char *p2 = fixture_copy(f, "postfix/reuse.log", "2026-12-30T00:00:00Z");
	const char *first[] = { p1, NULL }, *second[] = { p2, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	memset(&s, 0, sizeof(s));
	import_files(f, &o, first, &s);
	/* weeks later the short ID 3F2A1B0C9D names another message */
	memset(&s, 0, sizeof(s));
	import_files(f, &o, second, &s);
	assert_int_equal(s.rejected, 1);
	assert_int_equal(s.attempts, 0);
	assert_int_equal(store_find_by_queue_id(f->st, "3F2A1B0C9D", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].message_id, "<inv-1042@acme.example>");
	assert_int_equal(l.v[0].n_rcpts, 2);
	store_message_list_free(&l);
	/* the same file again is not a reuse */
	memset(&s, 0, sizeof(s));
	import_files(f, &o, first, &s);
	assert_int_equal(s.rejected, 0);
	free(p1);
	free(p2);
}

static void
test_import_sender_domain(void **state)
{
	struct fx *f = *state;
	struct pf_options o;
	char *path = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	memset(&o, 0, sizeof(o));
	o.account_from = PF_ACCOUNT_FROM_SENDER_DOMAIN;	/* no map: the domain is the account */
	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.messages, 2);
	assert_int_equal(s.unowned, 1);	/* the bounce has the null sender */
	assert_int_equal(store_find_by_queue_id(f->st, "A1B2C3D4E5", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "globex.example");
	assert_int_equal(l.v[0].submitted_at, utc("2026-11-20T09:14:06Z"));
	assert_string_equal(l.v[0].rcpts[0].status, "bounced");
	assert_int_equal(l.v[0].rcpts[0].attempts[0].smtp_code, 550);
	assert_string_equal(l.v[0].rcpts[0].attempts[0].enhanced_status, "5.1.10");
	store_message_list_free(&l);
	free(path);
}

/* Many queue IDs in flight at once, each line of each message interleaved
 * with the others', through a state cap far below the number in flight. */
static void
interleaved_step(struct buf *b, int step, const char *q)
{
	switch (step) {
	case 0:
		buf_printf(b, "postfix/smtpd[100]: %s: client=c.example[192.0.2.1], "
			   "sasl_method=PLAIN, sasl_username=acme-billing", q);
		break;
	case 1:
		buf_printf(b, "postfix/cleanup[200]: %s: message-id=<m-%s@acme.example>", q, q);
		break;
	case 2:
		buf_printf(b, "postfix/qmgr[300]: %s: from=<billing@acme.example>, size=10, "
			   "nrcpt=2 (queue active)", q);
		break;
	case 3:
		buf_printf(b, "postfix/smtp[400]: %s: to=<a-%s@n.example>, relay=mx.n.example"
			   "[192.0.2.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent "
			   "(250 2.0.0 Ok %s)", q, q, q);
		break;
	case 4:
		buf_printf(b, "postfix/smtp[401]: %s: to=<b-%s@n.example>, relay=mx.n.example"
			   "[192.0.2.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.2.0, status=deferred "
			   "(host mx.n.example[192.0.2.9] said: 450 4.2.0 later %s (in reply to "
			   "RCPT TO command))", q, q, q);
		break;
	default:
		buf_printf(b, "postfix/qmgr[300]: %s: removed", q);
		break;
	}
	buf_putc(b, '\n');
}

/* Many queue IDs in flight at once, each line of each message interleaved
 * with the others', through a state cap far below the number in flight. */
static char *
interleaved_log(struct fx *f, int n)
{
	struct buf b;
	char *path, *data;

	buf_init(&b, 0);
	for (int step = 0; step < 6; step++)
		for (int i = 0; i < n; i++) {
			char qid[16];

			snprintf(qid, sizeof(qid), "AB%08X", (unsigned)i);
			buf_printf(&b, "Nov 24 10:%02d:%02d relay ", step, i % 60);
			interleaved_step(&b, step, qid);
			if (i % 7 == 0)
				buf_puts(&b, "Nov 24 10:00:00 relay postfix/smtpd[100]: connect from x[192.0.2.1]\n");
		}
	data = buf_steal(&b, NULL);
	path = tu_write_file(f->dir, "interleaved.log", data, 0644);
	free(data);
	return path;
}

static void
test_import_interleaved_capped(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *path = interleaved_log(f, 300);
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	o.max_open = 16;	/* far fewer than the 300 in flight */
	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unowned, 0);
	assert_int_equal(count(f, "messages"), 300);
	assert_int_equal(count(f, "attempts"), 600);
	for (int i = 0; i < 300; i += 37) {
		char qid[16], mid[64], a[64], resp[64];

		snprintf(qid, sizeof(qid), "AB%08X", (unsigned)i);
		snprintf(mid, sizeof(mid), "<m-%s@acme.example>", qid);
		snprintf(a, sizeof(a), "b-%s@n.example", qid);
		str_lower(a);	/* addresses are stored lower-cased */
		snprintf(resp, sizeof(resp), "450 4.2.0 later %s", qid);
		assert_int_equal(store_find_by_queue_id(f->st, qid, 0, STORE_WITH_ATTEMPTS, &l),
				 STORE_OK);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0].message_id, mid);
		assert_string_equal(l.v[0].account, "acme");
		assert_int_equal(l.v[0].n_rcpts, 2);
		assert_string_equal(rcpt(&l.v[0], a)->attempts[0].response, resp);
		store_message_list_free(&l);
	}
	free(path);
}

static void
test_import_gz_and_garbage(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char *src = tu_fixture("postfix/iso.log"), *data = tu_read_file(src, NULL);
	char gzpath[600];
	const char *files[] = { gzpath, NULL };
	struct import_stats s;
	gzFile gz;

	snprintf(gzpath, sizeof(gzpath), "%s/mail.log.2.gz", f->dir);
	gz = gzopen(gzpath, "wb");
	assert_non_null(gz);
	gzputs(gz, "\x01\x02 binary junk \xff\xfe\n");
	gzputs(gz, "2026-11-20T09:14:02Z relay postfix/smtp[1]: 4XbQ1m0vG7z1aa: to=<broken\n");
	gzputs(gz, data);
	gzputs(gz, "Nov 99 99:99:99 relay postfix/smtp[1]: x\n");
	gzclose(gz);
	memset(&s, 0, sizeof(s));
	import_files(f, &o, files, &s);
	assert_int_equal(s.lines, 10);
	assert_int_equal(s.garbage, 2);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.messages, 1);
	assert_int_equal(count(f, "attempts"), 2);
	free(src);
	free(data);
}

/* Every prefix of every fixture line, and each line with bytes flipped:
 * never a crash (run under ASan in CI), never a rejected record from a
 * cut line that still looks complete. */
static void
test_import_cut_and_mangled_lines(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	static const char *const names[] = {
		"postfix/basic.log", "postfix/iso.log", "postfix/debug.log", "postfix/expired.log",
	};
	struct import_stats s;
	char err[512];
	struct pf_import *imp = pf_import_new(f->st, &o, err, sizeof(err));
	unsigned seed = 12345;

	assert_non_null(imp);
	memset(&s, 0, sizeof(s));
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		char *path = tu_fixture(names[k]), *data = tu_read_file(path, NULL), *line, *nl;

		assert_non_null(data);
		for (line = data; *line; line = nl + 1) {
			size_t len;
			char *copy;

			nl = strchr(line, '\n');
			assert_non_null(nl);
			len = (size_t)(nl - line);
			for (size_t cut = 0; cut <= len; cut++)
				assert_int_equal(pf_import_line(imp, line, cut, "cut", 1, &s, silent,
								NULL), STORE_OK);
			copy = xstrndup(line, len);
			for (int round = 0; round < 50; round++) {
				seed = seed * 1103515245u + 12345u;
				copy[(seed >> 8) % len] = (char)(seed >> 16);
				assert_int_equal(pf_import_line(imp, copy, len, "mangled", 1, &s,
								silent, NULL), STORE_OK);
			}
			free(copy);
		}
		free(path);
		free(data);
	}
	assert_int_equal(pf_import_finish(imp, &s, err, sizeof(err)), IMPORT_OK);
	pf_import_free(&imp);
	assert_true(s.lines > 5000);
}

/* ---- follow ---------------------------------------------------------------- */

static void
append(const char *path, const char *text)
{
	FILE *fp = fopen(path, "a");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static const char *
fline(char *buf, size_t n, const char *qid, int k)
{
	snprintf(buf, n,
	    "Nov 25 10:00:%02d relay postfix/smtpd[1]: %s: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=acme-billing\n"
	    "Nov 25 10:00:%02d relay postfix/qmgr[2]: %s: from=<billing@acme.example>, size=1, nrcpt=1 (queue active)\n"
	    "Nov 25 10:00:%02d relay postfix/smtp[3]: %s: to=<r%d@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n",
	    k, qid, k, qid, k, qid, k);
	return buf;
}

static long
step(struct pf_follow *fo, struct import_stats *s)
{
	char err[512];
	long n = pf_follow_step(fo, 0, s, silent, NULL, err, sizeof(err));

	assert_true(n >= 0);
	return n;
}

static void
test_follow_rotation_restart(void **state)
{
	struct fx *f = *state;
	struct pf_options o = map_options();
	char path[600], rotated[620], b[1200], err[512];
	struct import_stats s;
	struct pf_follow *fo;

	snprintf(path, sizeof(path), "%s/mail.log", f->dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	memset(&s, 0, sizeof(s));
	/* the file does not exist yet: waited for */
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);

	append(path, fline(b, sizeof(b), "AA00000001", 1));
	assert_int_equal(step(fo, &s), 3);
	assert_int_equal(count(f, "attempts"), 1);
	/* a half-written line waits for its end */
	append(path, "Nov 25 10:00:02 relay postfix/smtpd[1]: AA00000002: client=c[192.0.2.1], sasl_");
	assert_int_equal(step(fo, &s), 0);
	append(path, "method=PLAIN, sasl_username=acme-billing\n");
	assert_int_equal(step(fo, &s), 1);
	/* restart in the middle of a message: its start is carried over */
	pf_follow_close(&fo);
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	append(path, "Nov 25 10:00:02 relay postfix/qmgr[2]: AA00000002: from=<billing@acme.example>, size=1, nrcpt=1 (queue active)\n"
	       "Nov 25 10:00:02 relay postfix/smtp[3]: AA00000002: to=<r2@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");
	assert_int_equal(step(fo, &s), 2);
	assert_int_equal(count(f, "attempts"), 2);

	/* rename + new file: the rest of the old file first, then the new one */
	append(path, fline(b, sizeof(b), "AA00000003", 3));
	assert_int_equal(rename(path, rotated), 0);
	append(path, fline(b, sizeof(b), "AA00000004", 4));
	assert_int_equal(step(fo, &s), 6);
	assert_int_equal(count(f, "attempts"), 4);
	/* the writer has not reopened its log yet: a late line in the old file */
	append(rotated, "Nov 25 10:00:04 relay postfix/smtp[3]: AA00000003: to=<late@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");
	assert_int_equal(step(fo, &s), 1);
	assert_int_equal(count(f, "attempts"), 5);

	/* copytruncate: the file shrinks under us */
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fclose(fp);
	}
	append(path, fline(b, sizeof(b), "AA00000005", 5));
	assert_int_equal(step(fo, &s), 3);
	assert_int_equal(count(f, "attempts"), 6);

	/* truncated and grown past the old offset between two steps */
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs(fline(b, sizeof(b), "AA00000006", 6), fp);
		fputs(fline(b, sizeof(b), "AA00000007", 7), fp);
		fclose(fp);
	}
	assert_int_equal(step(fo, &s), 6);
	assert_int_equal(count(f, "attempts"), 8);
	pf_follow_close(&fo);

	/* rotated while nobody followed: <path>.1 is finished first */
	append(path, fline(b, sizeof(b), "AA00000008", 8));
	assert_int_equal(rename(path, rotated), 0);
	append(path, fline(b, sizeof(b), "AA00000009", 9));
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 6);
	assert_int_equal(count(f, "attempts"), 10);
	/* a restart at the end reads nothing again */
	pf_follow_close(&fo);
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	pf_follow_close(&fo);
	assert_int_equal(count(f, "attempts"), 10);
	assert_int_equal(count(f, "messages"), 9);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unchanged, 0);	/* no line was imported twice */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_traditional),
		cmocka_unit_test(test_syslog_iso),
		cmocka_unit_test(test_year_rollover),
		cmocka_unit_test(test_queue_ids),
		cmocka_unit_test(test_delivery_line),
		cmocka_unit_test(test_subject_decoding),
		cmocka_unit_test_setup_teardown(test_import_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_iso_long_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_rollover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_full_transcript, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_midflight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_reused_queue_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_sender_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_interleaved_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_gz_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_cut_and_mangled_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_rotation_restart, setup, teardown),
	};

	/* traditional stamps are local time: pin it */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
