/*
 * test_batch.c - batched record writes (store/batch.c; on PostgreSQL the
 * COPY and set-based merge of store/pg/pg_stage.c).
 *
 * The batch must leave the store, and report each record, exactly as
 * store_put_message / store_put_attempt called one record at a time in
 * the same order.  On SQLite the batch does just that, so every
 * expectation below is the one-by-one result, and the same test against
 * PostgreSQL (test_batch_pg) checks the merge against it: records that
 * depend on earlier ones of the same batch (an attempt before its message,
 * a message completed by a later record, the same attempt twice, two
 * attempts of one recipient at one time), refusals among them, and two
 * processes writing the same records at once.
 */
#include "tests/unit/testutil.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 1793000000 /* 2026-10-26 */

struct got {
	int n;
	long tag[64];
	int result[64];
	char why[64][200];
};

static void
done(void *ctx, long tag, int kind, int result, const char *why)
{
	struct got *g = ctx;

	(void)kind;
	assert_true(g->n < 64);
	g->tag[g->n] = tag;
	g->result[g->n] = result;
	snprintf(g->why[g->n], sizeof(g->why[0]), "%s", why ? why : "");
	g->n++;
}

static int64_t
count(struct store *st, const char *what)
{
	int64_t n = -1;

	assert_int_equal(store_count(st, what, &n), STORE_OK);
	return n;
}

static void
message(struct store_batch *b, long tag, const char *acct, const char *qid, const char *subject,
	int64_t submitted, const char *r1, const char *r2)
{
	const char *rcpts[2] = { r1, r2 };
	struct store_message_in m = { .account = acct,
				      .queue_id = qid,
				      .subject = subject,
				      .submitted_at = submitted,
				      .recipients = rcpts,
				      .n_recipients = r2 ? 2 :
						      r1 ? 1 :
							   0 };

	assert_int_equal(store_batch_message(b, tag, &m), STORE_OK);
}

static void
attempt(struct store_batch *b, long tag, const char *qid, const char *rcpt, int64_t at,
	const char *status, const char *response)
{
	struct store_attempt_in a = { .queue_id = qid,
				      .recipient = rcpt,
				      .at = at,
				      .status = status,
				      .smtp_code = strcmp(status, "delivered") == 0 ? 250 : 550,
				      .response = response };

	assert_int_equal(store_batch_attempt(b, tag, &a), STORE_OK);
}

/* One batch of records that depend on each other; returns what was
 * reported. */
static void
write_dependent(struct store *st, struct got *g)
{
	struct store_batch *b = store_batch_new(st, done, g);

	memset(g, 0, sizeof(*g));
	assert_int_equal(store_begin(st), STORE_OK);
	attempt(b, 1, "Q1", "r1@x.example", T0 + 10, "delivered", "250 ok"); /* no Q1 yet */
	message(b, 2, "acme", "Q1", NULL, 0, "r1@x.example", NULL);
	attempt(b, 3, "Q1", "r1@x.example", T0 + 10, "delivered", "250 ok");
	/* completes Q1: subject, time (its recipients move with it), r2 */
	message(b, 4, "acme", "Q1", "Invoice 7", T0, "r1@x.example", "r2@x.example");
	attempt(b, 5, "Q1", "r2@x.example", T0 + 20, "bounced", "550 no");
	attempt(b, 6, "Q1", "r2@x.example", T0 + 20, "bounced", "550 no"); /* again */
	/* two attempts of r1 at one time: the later record's status stays */
	attempt(b, 7, "Q1", "r1@x.example", T0 + 30, "deferred", "451 later");
	attempt(b, 8, "Q1", "r1@x.example", T0 + 30, "delivered", "250 at last");
	attempt(b, 9, "Q1", "r1@x.example", T0 + 5, "bounced", "550 older");  /* not the latest */
	message(b, 10, "other", "Q1", NULL, T0, "z@x.example", NULL);	      /* acme's */
	attempt(b, 11, "Q1", "r3@x.example", T0 + 40, "delivered", "250 ok"); /* adds r3 */
	message(b, 12, "newacct", "Q2", "Hello", T0 + 100, "a@y.example", NULL);
	message(b, 13, "newacct", "Q2", "Hello", T0 + 100, "a@y.example", NULL); /* all there */
	message(b, 14, "acme", "Q3", NULL, T0, "not an address", NULL);		 /* refused */
	attempt(b, 15, "Q2", "a@y.example", T0 + 101, "delivered", "250 ok");
	message(b, 16, "acme", "Q4", NULL, T0 + 200, "b@y.example", NULL);
	attempt(b, 17, "Q4", "b@y.example", T0 + 201, "deferred", "451 greylisted");
	attempt(b, 18, "Q4", "b@y.example", T0 + 150, "bounced", "550 older"); /* not the latest */
	assert_int_equal(store_batch_flush(b), STORE_OK);
	assert_int_equal(store_commit(st), STORE_OK);
	store_batch_free(&b);
	assert_null(b);
}

static void
test_dependent_records(void **state)
{
	struct tu_store *ts = *state;
	struct store *st = ts->st;
	static const int first[] = { STORE_EINVAL, STORE_ADDED,	 STORE_ADDED, STORE_ADDED,
				     STORE_ADDED,  STORE_OK,	 STORE_ADDED, STORE_ADDED,
				     STORE_ADDED,  STORE_EINVAL, STORE_ADDED, STORE_ADDED,
				     STORE_OK,	   STORE_EINVAL, STORE_ADDED, STORE_ADDED,
				     STORE_ADDED,  STORE_ADDED };
	struct store_message_list l = { 0 };
	struct got g;

	write_dependent(st, &g);
	assert_int_equal(g.n, 18);
	for (int i = 0; i < g.n; i++) {
		assert_int_equal(g.tag[i], i + 1);
		if (g.result[i] != first[i])
			fail_msg("record %d: result %d, want %d (%s)", i + 1, g.result[i], first[i],
				 g.why[i]);
	}
	assert_string_equal(g.why[0], "unknown queue_id Q1 (its message line must come first)");
	assert_string_equal(g.why[9], "queue_id Q1 already belongs to another account");
	assert_string_equal(g.why[13], "invalid recipient address 'not an address'");
	assert_int_equal(count(st, "messages"), 3);
	assert_int_equal(count(st, "recipients"), 5);
	assert_int_equal(count(st, "attempts"), 9);
	assert_int_equal(count(st, "accounts"), 2);

	assert_int_equal(store_find_by_queue_id(st, "Q1", 0, STORE_WITH_ATTEMPTS, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].account, "acme");
	assert_string_equal(l.v[0].subject, "Invoice 7");
	assert_int_equal(l.v[0].submitted_at, T0);
	assert_int_equal(l.v[0].n_rcpts, 3);
	for (size_t i = 0; i < l.v[0].n_rcpts; i++) {
		struct store_recipient *r = &l.v[0].rcpts[i];

		if (strcmp(r->address, "r1@x.example") == 0) {
			assert_string_equal(r->status, "delivered");
			assert_int_equal(r->last_attempt_at, T0 + 30);
			assert_int_equal(r->n_attempts, 4);
		} else if (strcmp(r->address, "r2@x.example") == 0) {
			assert_string_equal(r->status, "bounced");
			assert_int_equal(r->n_attempts, 1);
		} else {
			assert_string_equal(r->address, "r3@x.example");
			assert_string_equal(r->status, "delivered");
		}
	}
	store_message_list_free(&l);
	/* a new message's recipient: the status of its latest attempt, not of
	 * its last record */
	assert_int_equal(store_find_by_queue_id(st, "Q4", 0, STORE_WITH_ATTEMPTS, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].rcpts[0].status, "deferred");
	assert_int_equal(l.v[0].rcpts[0].last_attempt_at, T0 + 201);
	assert_int_equal(l.v[0].rcpts[0].n_attempts, 2);
	store_message_list_free(&l);
	/* r1 came in before Q1 had a time: it moved to Q1's time with it */
	assert_int_equal(store_find_by_recipient(st, "r1@x.example", 0, T0 - 60, T0 + 60, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	store_message_list_free(&l);

	/* Again: nothing new, the same refusals at the same records. */
	write_dependent(st, &g);
	assert_int_equal(g.n, 18);
	for (int i = 0; i < g.n; i++) {
		int want = first[i] == STORE_EINVAL ? STORE_EINVAL : STORE_OK;

		if (i == 0) /* Q1 is there now */
			want = STORE_OK;
		if (g.result[i] != want)
			fail_msg("again, record %d: result %d, want %d (%s)", i + 1, g.result[i],
				 want, g.why[i]);
	}
	assert_int_equal(count(st, "messages"), 3);
	assert_int_equal(count(st, "recipients"), 5);
	assert_int_equal(count(st, "attempts"), 9);
}

/* A batch dropped by a rollback writes nothing; the next one works. */
static void
test_rollback(void **state)
{
	struct tu_store *ts = *state;
	struct store *st = ts->st;
	struct got g = { 0 };
	struct store_batch *b = store_batch_new(st, done, &g);

	assert_int_equal(store_begin(st), STORE_OK);
	message(b, 1, "acme", "Q1", "S", T0, "r1@x.example", NULL);
	attempt(b, 2, "Q1", "r1@x.example", T0 + 1, "delivered", "250 ok");
	assert_int_equal(store_batch_flush(b), STORE_OK);
	assert_int_equal(store_rollback(st), STORE_OK);
	assert_int_equal(count(st, "messages"), 0);
	assert_int_equal(count(st, "attempts"), 0);
	g.n = 0;
	assert_int_equal(store_begin(st), STORE_OK);
	message(b, 1, "acme", "Q1", "S", T0, "r1@x.example", NULL);
	attempt(b, 2, "Q1", "r1@x.example", T0 + 1, "delivered", "250 ok");
	assert_int_equal(store_batch_flush(b), STORE_OK);
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.result[0], STORE_ADDED);
	assert_int_equal(g.result[1], STORE_ADDED);
	assert_int_equal(count(st, "attempts"), 1);
	store_batch_free(&b);
}

/* Text that must survive COPY's escaping and PostgreSQL's UTF-8. */
static void
test_awkward_text(void **state)
{
	struct tu_store *ts = *state;
	struct store *st = ts->st;
	struct got g = { 0 };
	struct store_batch *b = store_batch_new(st, done, &g);
	static const char subject[] =
	    "tab\there, back\\slash \\N, \\., line\nbreak, cr\r, caf\xc3\xa9";
	struct store_message_list l = { 0 };

	assert_int_equal(store_begin(st), STORE_OK);
	message(b, 1, "acme", "Q\\1", subject, T0, "r1@x.example", NULL);
	attempt(b, 2, "Q\\1", "r1@x.example", T0 + 1, "bounced", "550 \\N\tno\nsuch \xff user");
	assert_int_equal(store_batch_flush(b), STORE_OK);
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.result[0], STORE_ADDED);
	assert_int_equal(g.result[1], STORE_ADDED);
	assert_int_equal(store_find_by_queue_id(st, "Q\\1", 0, STORE_WITH_ATTEMPTS, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].subject, subject);
	assert_int_equal(l.v[0].rcpts[0].n_attempts, 1);
	/* An invalid byte: kept by SQLite, U+FFFD in PostgreSQL (docs/scale.md) */
	assert_string_equal(l.v[0].rcpts[0].attempts[0].response,
			    tu_store_pg() ? "550 \\N\tno\nsuch \xef\xbf\xbd user" :
					    "550 \\N\tno\nsuch \xff user");
	store_message_list_free(&l);
	store_batch_free(&b);
}

/* store_batch_done_fn of the writers: counts the refusals. */
static void
count_refused(void *ctx, long tag, int kind, int result, const char *why)
{
	(void)tag;
	(void)kind;
	if (result < 0) {
		fprintf(stderr, "race writer: refused: %s\n", why ? why : "");
		(*(int *)ctx)++;
	}
}

/* Writes N messages with two attempts each, committing every 350
 * messages; 0 when every record went through. */
#define RACE_N 3000
static int
race_writer(const char *target)
{
	char err[512];
	struct store *st = store_open(target, err, sizeof(err));
	struct store_batch *b;
	int r = 0, refused = 0;

	if (st == NULL)
		return 1;
	b = store_batch_new(st, count_refused, &refused);
	for (int i = 0; i < RACE_N && r == 0 && refused == 0; i++) {
		char qid[32], r1[64], r2[64];

		if (i % 350 == 0)
			r = store_begin(st);
		snprintf(qid, sizeof(qid), "Q%d", i);
		snprintf(r1, sizeof(r1), "a%d@x.example", i);
		snprintf(r2, sizeof(r2), "b%d@x.example", i);
		message(b, 1, i % 2 ? "acme" : "other", qid, "S", T0 + i, r1, r2);
		attempt(b, 2, qid, r1, T0 + i + 1, "delivered", "250 ok");
		attempt(b, 3, qid, r2, T0 + i + 2, "bounced", "550 no");
		if ((i % 350 == 349 || i == RACE_N - 1) &&
		    (store_batch_flush(b) < 0 || store_commit(st) < 0))
			r = 1;
	}
	if (r != 0)
		fprintf(stderr, "race writer: %s\n", store_errmsg(st));
	store_batch_free(&b);
	store_close(&st);
	return r != 0 || refused != 0;
}

/* Two processes write the same records at once: the store ends as one
 * of them would leave it, and neither fails. */
static void
test_two_writers(void **state)
{
	struct tu_store *ts = *state;
	pid_t pid[2];
	int status;

	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0)
			_exit(race_writer(ts->target));
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(count(ts->st, "messages"), RACE_N);
	assert_int_equal(count(ts->st, "recipients"), 2 * RACE_N);
	assert_int_equal(count(ts->st, "attempts"), 2 * RACE_N);
	assert_int_equal(count(ts->st, "accounts"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dependent_records, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_rollback, tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_awkward_text, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, tu_store_setup,
						tu_store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
