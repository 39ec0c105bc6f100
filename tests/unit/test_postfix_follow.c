/*
 * test_postfix_follow.c - following a growing Postfix log: missing file,
 * growth, a half-written line, restart in the middle of a message, rename
 * + new file (and a late line in the renamed file), copytruncate, truncate
 * and regrow, rotation while nobody followed; nothing skipped, nothing
 * read twice.  The same for an Exim mainlog (exicyclog's rename).
 */
#include "tests/unit/testutil.h"
#include "tests/unit/tu_import.h"
#include "store/import/import.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


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
	snprintf(
	    buf, n,
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
	long n = pf_follow_step(fo, 0, s, tu_silent, NULL, err, sizeof(err));

	if (n < 0)
		fail_msg("step: %ld %s", n, err);
	return n;
}

static void
test_follow_rotation_restart(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
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
	assert_int_equal(tu_count(f, "attempts"), 1);
	/* a half-written line waits for its end */
	append(path,
	       "Nov 25 10:00:02 relay postfix/smtpd[1]: AA00000002: client=c[192.0.2.1], sasl_");
	assert_int_equal(step(fo, &s), 0);
	append(path, "method=PLAIN, sasl_username=acme-billing\n");
	assert_int_equal(step(fo, &s), 1);
	/* restart in the middle of a message: its start is carried over */
	pf_follow_close(&fo);
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	append(
	    path,
	    "Nov 25 10:00:02 relay postfix/qmgr[2]: AA00000002: from=<billing@acme.example>, size=1, nrcpt=1 (queue active)\n"
	    "Nov 25 10:00:02 relay postfix/smtp[3]: AA00000002: to=<r2@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");
	assert_int_equal(step(fo, &s), 2);
	assert_int_equal(tu_count(f, "attempts"), 2);

	/* rename + new file: the rest of the old file first, then the new one */
	append(path, fline(b, sizeof(b), "AA00000003", 3));
	assert_int_equal(rename(path, rotated), 0);
	append(path, fline(b, sizeof(b), "AA00000004", 4));
	assert_int_equal(step(fo, &s), 6);
	assert_int_equal(tu_count(f, "attempts"), 4);
	/* the writer has not reopened its log yet: a late line in the old file */
	append(
	    rotated,
	    "Nov 25 10:00:04 relay postfix/smtp[3]: AA00000003: to=<late@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");
	assert_int_equal(step(fo, &s), 1);
	assert_int_equal(tu_count(f, "attempts"), 5);

	/* copytruncate: the file shrinks under us */
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fclose(fp);
	}
	append(path, fline(b, sizeof(b), "AA00000005", 5));
	assert_int_equal(step(fo, &s), 3);
	assert_int_equal(tu_count(f, "attempts"), 6);

	/* truncated and grown past the old offset between two steps */
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs(fline(b, sizeof(b), "AA00000006", 6), fp);
		fputs(fline(b, sizeof(b), "AA00000007", 7), fp);
		fclose(fp);
	}
	assert_int_equal(step(fo, &s), 6);
	assert_int_equal(tu_count(f, "attempts"), 8);
	pf_follow_close(&fo);

	/* rotated while nobody followed: <path>.1 is finished first */
	append(path, fline(b, sizeof(b), "AA00000008", 8));
	assert_int_equal(rename(path, rotated), 0);
	append(path, fline(b, sizeof(b), "AA00000009", 9));
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 6);
	assert_int_equal(tu_count(f, "attempts"), 10);
	/* a restart at the end reads nothing again */
	pf_follow_close(&fo);
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	pf_follow_close(&fo);
	assert_int_equal(tu_count(f, "attempts"), 10);
	assert_int_equal(tu_count(f, "messages"), 9);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unchanged, 0); /* no line was imported twice */
}

static void
db_exec(struct tu_store *f, const char *sql)
{
	tu_sql_exec(f->target, sql);
}

/* A store failure in a step rolls its records back; the next step starts
 * again from the last committed position: nothing lost, nothing twice. */
static void
test_follow_store_failure(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char path[600], b[1200], err[512];
	struct import_stats s;
	struct pf_follow *fo;

	snprintf(path, sizeof(path), "%s/mail.log", f->dir);
	memset(&s, 0, sizeof(s));
	append(path, fline(b, sizeof(b), "AB00000001", 1));
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 3);
	append(path, fline(b, sizeof(b), "AB00000002", 2));
	if (tu_store_pg())
		db_exec(f, "CREATE FUNCTION fail_pos() RETURNS trigger LANGUAGE plpgsql AS"
			   " $$BEGIN RAISE EXCEPTION 'disk on fire'; END$$;"
			   " CREATE TRIGGER fail_pos BEFORE UPDATE ON import_positions"
			   " FOR EACH ROW EXECUTE FUNCTION fail_pos()");
	else
		db_exec(f, "CREATE TRIGGER fail_pos BEFORE UPDATE ON import_positions"
			   " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;");
	assert_int_equal(pf_follow_step(fo, 0, &s, tu_silent, NULL, err, sizeof(err)), IMPORT_EDB);
	assert_non_null(strstr(err, "disk on fire"));
	assert_int_equal(tu_count(f, "attempts"), 1);
	db_exec(f, tu_store_pg() ? "DROP TRIGGER fail_pos ON import_positions" :
				   "DROP TRIGGER fail_pos");
	assert_int_equal(step(fo, &s), 3);
	assert_int_equal(tu_count(f, "attempts"), 2);
	assert_int_equal(step(fo, &s), 0);
	pf_follow_close(&fo);
	assert_int_equal(tu_count(f, "attempts"), 2);
	assert_int_equal(tu_count(f, "messages"), 2);
}

/* ---- an Exim mainlog: the same follower -------------------------------- */

static const char *
arrival(char *b, size_t n, const char *id, int k)
{
	snprintf(b, n,
		 "2026-12-07 06:00:%02d [1] %s <= billing@acme.example H=(vm) [192.0.2.10]:1 "
		 "P=esmtpa A=plain:acme-billing S=1 id=f%d@acme.example T=\"follow %d\" "
		 "for r%d@ok.example\n",
		 k, id, k, k, k);
	return b;
}

static const char *
delivery(char *b, size_t n, const char *id, int k)
{
	snprintf(b, n,
		 "2026-12-07 06:00:%02d [2] %s => r%d@ok.example R=dnslookup T=remote_smtp "
		 "H=mx.ok.example [198.51.100.2]:25 C=\"250 ok %d\"\n"
		 "2026-12-07 06:00:%02d [2] %s Completed\n",
		 k, id, k, k, k, id);
	return b;
}

static void
test_exim_follow_rotation(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char path[600], rotated[620], b[1200], err[512];
	struct import_stats s;
	struct store_message_list l;
	struct pf_follow *fo;

	o.format = PF_FORMAT_EXIM;
	snprintf(path, sizeof(path), "%s/exim4/mainlog", f->dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	snprintf(b, sizeof(b), "%s/exim4", f->dir);
	assert_int_equal(mkdir(b, 0755), 0);
	memset(&s, 0, sizeof(s));
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);

	append(path, arrival(b, sizeof(b), "1xaS00-0000Aa-01", 1));
	append(path, delivery(b, sizeof(b), "1xaS00-0000Aa-01", 1));
	assert_int_equal(step(fo, &s), 3);
	assert_int_equal(tu_count(f, "attempts"), 1);
	/* the arrival of message 2, then a restart before its delivery */
	append(path, arrival(b, sizeof(b), "1xaS00-0000Aa-02", 2));
	assert_int_equal(step(fo, &s), 1);
	pf_follow_close(&fo);
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	/* rotation by rename (exicyclog, logrotate): mainlog -> mainlog.1 and
	 * a new mainlog; a late line still reaches the renamed file */
	assert_int_equal(rename(path, rotated), 0);
	append(rotated, delivery(b, sizeof(b), "1xaS00-0000Aa-02", 2));
	append(path, arrival(b, sizeof(b), "1xaS00-0000Aa-03", 3));
	append(path, delivery(b, sizeof(b), "1xaS00-0000Aa-03", 3));
	assert_int_equal(step(fo, &s), 5);
	assert_int_equal(tu_count(f, "attempts"), 3);
	l.v = NULL;
	l.n = 0;
	assert_int_equal(store_find_by_queue_id(f->st, "1xaS00-0000Aa-02", 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "acme");
	assert_string_equal(l.v[0].subject, "follow 2");
	assert_string_equal(l.v[0].rcpts[0].status, "delivered");
	store_message_list_free(&l);
	/* rotation while no follower runs: mainlog.1 is finished first */
	append(path, arrival(b, sizeof(b), "1xaS00-0000Aa-04", 4));
	assert_int_equal(step(fo, &s), 1);
	pf_follow_close(&fo);
	assert_int_equal(rename(path, rotated), 0);
	append(rotated, delivery(b, sizeof(b), "1xaS00-0000Aa-04", 4));
	append(path, arrival(b, sizeof(b), "1xaS00-0000Aa-05", 5));
	append(path, delivery(b, sizeof(b), "1xaS00-0000Aa-05", 5));
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 5);
	assert_int_equal(tu_count(f, "attempts"), 5);
	assert_int_equal(tu_count(f, "messages"), 5);
	pf_follow_close(&fo);
	/* a new follower reads nothing twice */
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	pf_follow_close(&fo);
	assert_int_equal(tu_count(f, "attempts"), 5);
	assert_int_equal(s.rejected, 0);
	assert_int_equal(s.unowned, 0);
}


/* A restart with fewer open queue IDs allowed than were carried over:
 * the ones evicted while the state is restored are written then (on
 * PostgreSQL through the importer's batch, inside a transaction).  The
 * messages had no account at first (an unmapped SASL user); stored
 * meanwhile without a submission time, they get the one the log gave. */
static void
test_follow_restore_evicts(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char path[600], b[200], qid[16], err[512];
	const char *rcpt[] = { "r@n.example" };
	struct import_stats s;
	struct pf_follow *fo;

	snprintf(path, sizeof(path), "%s/mail.log", f->dir);
	memset(&s, 0, sizeof(s));
	for (int k = 1; k <= 3; k++) {
		snprintf(
		    b, sizeof(b),
		    "Nov 25 10:00:%02d relay postfix/smtpd[1]: BB0000000%d: client=c[192.0.2.1],"
		    " sasl_method=PLAIN, sasl_username=nobody-mapped\n",
		    k, k);
		append(path, b);
	}
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 3);
	pf_follow_close(&fo);
	assert_int_equal(tu_count(f, "messages"), 0);
	for (int k = 1; k <= 3; k++) {
		struct store_message_in m = {
			.account = "acme", .queue_id = qid, .recipients = rcpt, .n_recipients = 1
		};

		snprintf(qid, sizeof(qid), "BB0000000%d", k);
		assert_int_equal(store_put_message(f->st, &m), STORE_ADDED);
	}
	o.max_open = 1;
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 0);
	pf_follow_close(&fo);
	for (int k = 1; k <= 3; k++) {
		struct store_message_list l = { NULL, 0 };

		snprintf(qid, sizeof(qid), "BB0000000%d", k);
		assert_int_equal(store_find_by_queue_id(f->st, qid, 0, 0, &l), STORE_OK);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.v[0].submitted_at, tu_utc("2026-11-25T10:00:00Z") + k);
		store_message_list_free(&l);
	}
}

/* A refused message (its queue ID is another account's) whose delivery
 * lines are on both sides of a rotation while nobody followed, read in
 * one step (<path>.1's rest, then <path>): each line is refused and
 * reported, and no attempt is written.  On PostgreSQL the first line's
 * result is still due when the second line, of another file, comes. */
static void
test_follow_refused_across_rotation(void **state)
{
	struct tu_store *f = *state;
	struct pf_options o = tu_map_options(PF_FORMAT_POSTFIX);
	char path[600], rotated[620], err[512];
	const char *rcpt[] = { "x@other.example" };
	struct store_message_in m = {
		.account = "other", .queue_id = "CC00000001", .recipients = rcpt, .n_recipients = 1
	};
	struct import_stats s;
	struct pf_follow *fo;

	snprintf(path, sizeof(path), "%s/mail.log", f->dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_put_message(f->st, &m), STORE_ADDED);
	append(path, "Nov 25 10:00:00 relay postfix/smtpd[1]: connect from c[192.0.2.1]\n");
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 1);
	pf_follow_close(&fo);
	append(
	    path,
	    "Nov 25 10:00:01 relay postfix/smtpd[1]: CC00000001: client=c[192.0.2.1], sasl_method=PLAIN, sasl_username=acme-billing\n"
	    "Nov 25 10:00:01 relay postfix/qmgr[2]: CC00000001: from=<billing@acme.example>, size=1, nrcpt=2 (queue active)\n"
	    "Nov 25 10:00:02 relay postfix/smtp[3]: CC00000001: to=<r1@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");
	assert_int_equal(rename(path, rotated), 0);
	append(
	    path,
	    "Nov 25 10:00:03 relay postfix/smtp[3]: CC00000001: to=<r2@n.example>, relay=mx[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n");
	fo = pf_follow_open(f->st, path, &o, err, sizeof(err));
	assert_non_null(fo);
	assert_int_equal(step(fo, &s), 4);
	pf_follow_close(&fo);
	assert_int_equal(tu_count(f, "attempts"), 0);
	assert_int_equal(s.rejected, 2);
	assert_int_equal(s.skipped, 3); /* the two deliveries, the connect line */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follow_restore_evicts, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_follow_refused_across_rotation, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_follow_rotation_restart, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_exim_follow_rotation, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_follow_store_failure, tu_store_setup,
						tu_store_teardown),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
