/*
 * test_import_postfix.c - the Postfix log importer into the store:
 * correlation by queue ID (fixtures in tests/fixtures/postfix/), accounts,
 * transcripts, expiry, logs that start mid-flight, reused queue IDs,
 * interleaving through a small state cap, garbage, cut and mangled lines
 * (of the Exim fixtures too), .gz input, idempotence.  Parsing alone: test_postfix_parse.c; follow
 * mode: test_postfix_follow.c.
 */
#include "tests/unit/testutil.h"
#include "tests/unit/tu_import.h"
#include "store/import/import.h"
#include "store/import/postfix_int.h"
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


/* A copy of fixture `name` in the test dir with mtime `mtime` (the year
 * reference of stamps without a year).  Caller frees. */
static char *
fixture_copy(struct tu_store *f, const char *name, const char *mtime)
{
	char *src = tu_fixture(name), *data = tu_read_file(src, NULL), *dst;
	struct timeval tv[2];

	assert_non_null(data);
	dst = tu_write_file(f->dir, strrchr(name, '/') + 1, data, 0644);
	tv[0].tv_sec = tv[1].tv_sec = (time_t)tu_utc(mtime);
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(dst, tv), 0);
	free(src);
	free(data);
	return dst;
}


/* ---- import into the store ----------------------------------------------- */

static void
test_import_basic(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *path = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.lines, 24);
	assert_int_equal(s.garbage, 1);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unowned, 1); /* the local submission (the bounce notice is ours) */

	assert_int_equal(store_find_by_queue_id(f->st, "3F2A1B0C9D", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "acme");
	assert_string_equal(l.v[0].message_id, "<inv-1042@acme.example>");
	assert_string_equal(l.v[0].from, "billing@acme.example");
	assert_string_equal(l.v[0].subject, "Invoice 1042 \xe2\x80\x93 November");
	assert_int_equal(l.v[0].submitted_at, tu_utc("2026-11-20T09:14:02Z"));
	assert_int_equal(l.v[0].n_rcpts, 2);
	r = tu_rcpt(&l.v[0], "bob@northwind.example");
	assert_string_equal(r->status, "delivered");
	assert_int_equal(r->n_attempts, 1);
	assert_int_equal(r->attempts[0].at, tu_utc("2026-11-20T09:14:03Z"));
	assert_string_equal(r->attempts[0].mx_host, "aspmx.l.google.com");
	assert_string_equal(r->attempts[0].mx_ip, "142.250.27.26");
	assert_int_equal(r->attempts[0].smtp_code, 250);
	assert_string_equal(r->attempts[0].enhanced_status, "2.0.0");
	assert_string_equal(
	    r->attempts[0].response,
	    "250 2.0.0 OK  1763630045 5b1f17b1804b1-4779a2d1c3esi1234567f8.12 - gsmtp");
	assert_string_equal(r->attempts[0].transcript_kind, "summary");
	assert_non_null(
	    strstr(r->attempts[0].transcript,
		   "Trusted TLS connection established to aspmx.l.google.com[142.250.27.26]:25"));
	assert_non_null(strstr(r->attempts[0].transcript, "delay 1.2 s"));
	r = tu_rcpt(&l.v[0], "carol@fabrikam.example");
	assert_string_equal(r->status, "deferred");
	assert_null(r->attempts[0].mx_host);
	assert_null(r->attempts[0].mx_ip);
	assert_int_equal(r->attempts[0].smtp_code, 0);
	assert_string_equal(r->attempts[0].enhanced_status, "4.4.1");
	assert_string_equal(r->attempts[0].response,
			    "connect to mx1.fabrikam.example[203.0.113.25]:25: Connection refused");
	assert_non_null(
	    strstr(r->attempts[0].transcript, "originally <carol.old@fabrikam.example>"));
	assert_non_null(strstr(
	    r->attempts[0].transcript,
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
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *p1 = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	char *p2 = fixture_copy(f, "postfix/debug.log", "2026-11-30T00:00:00Z");
	const char *files[] = { p1, p2, NULL };
	struct import_stats s;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(tu_count(f, "attempts"), 6);
	tu_reimport_adds_nothing(f, &o, files, &s);
	assert_int_equal(s.unchanged, 6);
	free(p1);
	free(p2);
}

static void
test_import_iso_long_ids(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *path = tu_fixture("postfix/iso.log");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(
	    store_find_by_queue_id(f->st, "4XbQ1m0vG7z1aa", 0, STORE_WITH_ATTEMPTS, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "globex-corp");
	assert_string_equal(l.v[0].subject, "Re: Anfrage \xc3\x83\xc2\xbc"
					    "ber Lieferung");
	assert_int_equal(l.v[0].submitted_at, tu_utc("2026-11-20T09:14:02Z"));
	r = tu_rcpt(&l.v[0], "ann@wingtip.example");
	assert_int_equal(r->n_attempts, 2);
	assert_string_equal(r->attempts[0].status, "deferred");
	assert_int_equal(r->attempts[0].at, tu_utc("2026-11-20T09:14:03Z"));
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
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *path = fixture_copy(f, "postfix/rollover.log", "2027-01-01T00:05:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(store_find_by_queue_id(f->st, "5A5A5A5A5A", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].submitted_at, tu_utc("2026-12-31T23:59:58Z"));
	assert_int_equal(l.v[0].rcpts[0].attempts[0].at, tu_utc("2027-01-01T00:00:01Z"));
	store_message_list_free(&l);
	free(path);
}

static void
test_import_full_transcript(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *path = fixture_copy(f, "postfix/debug.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;
	const char *t;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.attempts, 4);
	assert_int_equal(store_find_by_queue_id(f->st, "6B6B6B6B6B", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	/* both recipients of the one transaction share its transcript */
	for (int i = 0; i < 2; i++) {
		r = tu_rcpt(&l.v[0], i ? "dan@northwind.example" : "bob@northwind.example");
		t = r->attempts[0].transcript;
		assert_string_equal(r->attempts[0].transcript_kind, "full");
		assert_non_null(strstr(t,
				       "Connected to mx.northwind.example[192.0.2.80]:25\n"
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
	r = tu_rcpt(&l.v[0], "eve@northwind.example");
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
	r = tu_rcpt(&l.v[0], "fay@northwind.example");
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
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *p1 = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	char *p2 = fixture_copy(f, "postfix/midflight.log", "2026-11-30T00:00:00Z");
	const char *first[] = { p2, NULL }, *both[] = { p1, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	/* alone: neither queue ID's start is known, nothing is invented */
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, first, &s, NULL);
	assert_int_equal(s.attempts, 0);
	assert_int_equal(s.unowned, 2);
	assert_int_equal(tu_count(f, "messages"), 0);
	/* after the earlier file, the store supplies the account */
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, both, &s, NULL);
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, first, &s, NULL);
	assert_int_equal(s.attempts, 1);
	assert_int_equal(s.unowned, 1); /* 8D8D8D8D8D is still nobody's */
	assert_int_equal(store_find_by_queue_id(f->st, "3F2A1B0C9D", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_string_equal(tu_rcpt(&l.v[0], "carol@fabrikam.example")->status, "delivered");
	store_message_list_free(&l);
	free(p1);
	free(p2);
}

static void
test_import_expired(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *path = fixture_copy(f, "postfix/expired.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };
	const struct store_recipient *r;

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(store_find_by_queue_id(f->st, "9E9E9E9E9E", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	r = tu_rcpt(&l.v[0], "slow@tailspin.example");
	assert_string_equal(r->status, "bounced");
	assert_int_equal(r->n_attempts, 2);
	assert_int_equal(r->attempts[1].at, tu_utc("2026-11-28T08:00:02Z"));
	assert_non_null(strstr(r->attempts[1].response, "452 4.2.2 Mailbox full"));
	assert_non_null(strstr(r->attempts[1].response, "expired"));
	store_message_list_free(&l);
	free(path);
}

static void
test_import_reused_queue_id(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *p1 = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	char *p2 = fixture_copy(f, "postfix/reuse.log", "2026-12-30T00:00:00Z");
	const char *first[] = { p1, NULL }, *second[] = { p2, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, first, &s, NULL);
	/* weeks later the short ID 3F2A1B0C9D names another message */
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, second, &s, NULL);
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
	tu_import_files(f, &o, first, &s, NULL);
	assert_int_equal(s.rejected, 0);
	free(p1);
	free(p2);
}

/* A notice Postfix made itself is not "without account", even when the
 * bounce daemon's line naming it comes after the notice was delivered and
 * removed (seen in CI: the order of the two processes' lines varies). */
static void
test_import_late_notice_line(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o;
	char *path = tu_write_file(
	    f->dir, "late-notice.log",
	    "Nov 20 09:14:07 relay postfix/cleanup[1300]: B0B0B0B0B0: "
	    "message-id=<20261120091407.B0B0B0B0B0@relay.example>\n"
	    "Nov 20 09:14:07 relay postfix/qmgr[900]: B0B0B0B0B0: from=<>, size=2400, nrcpt=1 "
	    "(queue active)\n"
	    "Nov 20 09:14:08 relay postfix/smtp[1800]: B0B0B0B0B0: to=<billing@acme.example>, "
	    "relay=127.0.0.1[127.0.0.1]:25, delay=0.01, delays=0/0/0/0, dsn=2.0.0, "
	    "status=sent (250 2.0.0 Ok)\n"
	    "Nov 20 09:14:08 relay postfix/qmgr[900]: B0B0B0B0B0: removed\n"
	    "Nov 20 09:14:08 relay postfix/bounce[1700]: A1B2C3D4E5: sender non-delivery "
	    "notification: B0B0B0B0B0\n",
	    0644);
	const char *files[] = { path, NULL };
	struct import_stats s;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.messages, 0);
	assert_int_equal(s.unowned, 0);
	free(path);
}

static void
test_import_sender_domain(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o;
	char *path = fixture_copy(f, "postfix/basic.log", "2026-11-30T00:00:00Z");
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	memset(&o, 0, sizeof(o));
	o.account_from = PF_ACCOUNT_FROM_SENDER_DOMAIN; /* no map: the domain is the account */
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.messages, 2);
	assert_int_equal(s.unowned, 0); /* the bounce notice is not counted */
	assert_int_equal(store_find_by_queue_id(f->st, "A1B2C3D4E5", 0, STORE_WITH_ATTEMPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "globex.example");
	assert_int_equal(l.v[0].submitted_at, tu_utc("2026-11-20T09:14:06Z"));
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
		buf_printf(b,
			   "postfix/smtpd[100]: %s: client=c.example[192.0.2.1], "
			   "sasl_method=PLAIN, sasl_username=acme-billing",
			   q);
		break;
	case 1:
		buf_printf(b, "postfix/cleanup[200]: %s: message-id=<m-%s@acme.example>", q, q);
		break;
	case 2:
		buf_printf(b,
			   "postfix/qmgr[300]: %s: from=<billing@acme.example>, size=10, "
			   "nrcpt=2 (queue active)",
			   q);
		break;
	case 3:
		buf_printf(b,
			   "postfix/smtp[400]: %s: to=<a-%s@n.example>, relay=mx.n.example"
			   "[192.0.2.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent "
			   "(250 2.0.0 Ok %s)",
			   q, q, q);
		break;
	case 4:
		buf_printf(
		    b,
		    "postfix/smtp[401]: %s: to=<b-%s@n.example>, relay=mx.n.example"
		    "[192.0.2.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.2.0, status=deferred "
		    "(host mx.n.example[192.0.2.9] said: 450 4.2.0 later %s (in reply to "
		    "RCPT TO command))",
		    q, q, q);
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
interleaved_log(struct tu_store *f, int n)
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
				buf_puts(
				    &b,
				    "Nov 24 10:00:00 relay postfix/smtpd[100]: connect from x[192.0.2.1]\n");
		}
	data = buf_steal(&b, NULL);
	path = tu_write_file(f->dir, "interleaved.log", data, 0644);
	free(data);
	return path;
}

static void
test_import_interleaved_capped(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char *path = interleaved_log(f, 300);
	const char *files[] = { path, NULL };
	struct import_stats s;
	struct store_message_list l = { NULL, 0 };

	o.max_open = 16; /* far fewer than the 300 in flight */
	memset(&s, 0, sizeof(s));
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unowned, 0);
	assert_int_equal(tu_count(f, "messages"), 300);
	assert_int_equal(tu_count(f, "attempts"), 600);
	for (int i = 0; i < 300; i += 37) {
		char qid[16], mid[64], a[64], resp[64];

		snprintf(qid, sizeof(qid), "AB%08X", (unsigned)i);
		snprintf(mid, sizeof(mid), "<m-%s@acme.example>", qid);
		snprintf(a, sizeof(a), "b-%s@n.example", qid);
		str_lower(a); /* addresses are stored lower-cased */
		snprintf(resp, sizeof(resp), "450 4.2.0 later %s", qid);
		assert_int_equal(store_find_by_queue_id(f->st, qid, 0, STORE_WITH_ATTEMPTS, &l),
				 STORE_OK);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0].message_id, mid);
		assert_string_equal(l.v[0].account, "acme");
		assert_int_equal(l.v[0].n_rcpts, 2);
		assert_string_equal(tu_rcpt(&l.v[0], a)->attempts[0].response, resp);
		store_message_list_free(&l);
	}
	free(path);
}

static void
test_import_gz_and_garbage(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
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
	tu_import_files(f, &o, files, &s, NULL);
	assert_int_equal(s.lines, 10);
	assert_int_equal(s.garbage, 2);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.messages, 1);
	assert_int_equal(tu_count(f, "attempts"), 2);
	free(src);
	free(data);
}

/* Every prefix of every line of `names`, and each line with bytes
 * flipped: never a crash (run under ASan in CI), never a store error. */
static void
cut_and_mangle(struct tu_store *f, const struct pf_options *o, const char *const *names, size_t n)
{
	struct import_stats s;
	char err[512];
	struct pf_import *imp = pf_import_new(f->st, o, err, sizeof(err));
	unsigned seed = 12345;

	assert_non_null(imp);
	memset(&s, 0, sizeof(s));
	for (size_t k = 0; k < n; k++) {
		char *path = tu_fixture(names[k]), *data = tu_read_file(path, NULL), *line, *nl;

		assert_non_null(data);
		for (line = data; *line; line = nl + 1) {
			size_t len;
			char *copy;

			nl = strchr(line, '\n');
			assert_non_null(nl);
			len = (size_t)(nl - line);
			for (size_t cut = 0; cut <= len; cut++)
				assert_int_equal(
				    pf_import_line(imp, line, cut, "cut", 1, &s, tu_silent, NULL),
				    STORE_OK);
			copy = xstrndup(line, len);
			for (int round = 0; round < 50 && len > 0; round++) {
				seed = seed * 1103515245u + 12345u;
				copy[(seed >> 8) % len] = (char)(seed >> 16);
				assert_int_equal(pf_import_line(imp, copy, len, "mangled", 1, &s,
								tu_silent, NULL),
						 STORE_OK);
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

/* Both formats of the log importer: Postfix logs, Exim mainlogs. */
static void
test_import_cut_and_mangled_lines(void **state)
{
	static const char *const postfix[] = {
		"postfix/basic.log",
		"postfix/iso.log",
		"postfix/debug.log",
		"postfix/expired.log",
	};
	static const char *const exim[] = { "exim/mainlog", "exim/syslog.log", "exim/frozen.log" };
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);

	cut_and_mangle(*state, &o, postfix, sizeof(postfix) / sizeof(postfix[0]));
	o.format = PF_FORMAT_EXIM;
	o.account_map = NULL;
	cut_and_mangle(*state, &o, exim, sizeof(exim) / sizeof(exim[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_basic, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_idempotent, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_iso_long_ids, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_rollover, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_full_transcript, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_midflight, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_expired, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_reused_queue_id, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_late_notice_line, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_sender_domain, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_interleaved_capped, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_gz_and_garbage, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_import_cut_and_mangled_lines, tu_store_setup,
						tu_store_teardown),
	};

	/* traditional stamps are local time: pin it */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
