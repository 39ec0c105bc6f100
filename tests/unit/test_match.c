/*
 * test_match.c - exact Message-ID matches, ranked candidates (found /
 * ambiguous / not_found), the time window, the cap of 5, focus recipients,
 * and that another account's message is never returned or named; a found
 * without Message-ID agrees on the recipient and the subject or date, the
 * only message to a recipient is found unless a quoted copy contradicts
 * it, one weak candidate is not_found (issue 11).
 * Over a real store loaded with store/samples/records.jsonl.
 */
#include "tests/unit/testutil.h"
#include "responder/decide/match.h"
#include "common/timeutil.h"
#include "common/xalloc.h"
#include "store/import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOV25 1795600800 /* 2026-11-25T10:00:00Z */

struct fx {
	char *dir;
	struct store *st;
	int64_t acme, globex;
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct import_stats stats;
	char err[512], path[4096];
	const char *src = getenv("RESPONDER_SRC");

	char *target;

	f->dir = tu_tempdir();
	target = tu_store_target(f->dir);
	f->st = store_open(target, err, sizeof(err));
	free(target);
	assert_non_null(f->st);
	snprintf(path, sizeof(path), "%s/store/samples/records.jsonl", src ? src : ".");
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(import_jsonl(f->st, path, &stats, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_account_id(f->st, "acme", &f->acme), STORE_OK);
	assert_int_equal(store_account_id(f->st, "globex", &f->globex), STORE_OK);
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

/* One original (subject, date, to) and optional ids/recipients. */
static void
make(struct extracted *x, const char *id, const char *subject, int64_t date, const char *rcpt)
{
	memset(x, 0, sizeof(*x));
	if (id) {
		x->ids = xcalloc(1, sizeof(*x->ids));
		x->ids[0].id = xstrdup(id);
		x->ids[0].source = EXT_ATTACHED;
		x->n_ids = 1;
	}
	if (subject || date || rcpt) {
		x->originals = xcalloc(1, sizeof(*x->originals));
		x->n_originals = 1;
		x->originals[0].source = EXT_INLINE;
		x->originals[0].subject = xstrdup_or_null(subject);
		x->originals[0].date = date;
		x->originals[0].has_date = date != 0;
	}
	if (rcpt) {
		x->recipients = xcalloc(1, sizeof(char *));
		x->recipients[0] = xstrdup(rcpt);
		x->n_recipients = 1;
		x->originals[0].to = xcalloc(1, sizeof(char *));
		x->originals[0].to[0] = xstrdup(rcpt);
		x->originals[0].n_to = 1;
	}
}

static void
run(struct fx *f, int64_t account, const struct extracted *x, const char *subject, int64_t date,
    struct match_result *r)
{
	struct match_query q = {
		.account_id = account,
		.x = x,
		.complaint_subject = subject,
		.complaint_date = date,
		.now = NOV25,
		.window_days = 30,
		.store_flags = STORE_WITH_ATTEMPTS,
	};
	char err[256];

	assert_int_equal(match_find(f->st, &q, r, err, sizeof(err)), 0);
}

static void
test_exact(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, "<inv-1042@acme.example>", NULL, 0, "bob@northwind.example");
	run(f, f->acme, &x, NULL, NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	assert_int_equal(r.msgs.n, 1);
	assert_string_equal(r.msgs.v[0].queue_id, "4XbQ1m0vG7z1aa");
	assert_non_null(strstr(r.why, "matched Message-ID <inv-1042@acme.example> (attached)"));
	assert_int_equal(r.n_focus, 1);
	assert_string_equal(r.focus[0], "bob@northwind.example");
	assert_true(r.msgs.v[0].n_rcpts == 1 && r.msgs.v[0].rcpts[0].n_attempts == 1);
	match_result_free(&r);
	extracted_free(&x);
}

/* globex asks about acme's message: nothing comes back, and nothing in
 * why/searched/candidates names acme's record. */
static void
test_other_account_never_returned(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;
	char *dump;

	make(&x, "<inv-1042@acme.example>", "Invoice 1042", 1795166042, "bob@northwind.example");
	run(f, f->globex, &x, "Fwd: Invoice 1042", NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_NOT_FOUND);
	assert_int_equal(r.msgs.n, 0);
	dump = json_dumps(r.candidates, 0);
	assert_null(strstr(dump, "4XbQ1m0vG7z1aa"));
	free(dump);
	assert_null(strstr(r.why, "4XbQ"));
	for (size_t i = 0; i < r.n_searched; i++)
		assert_null(strstr(r.searched[i], "4XbQ"));
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_no_account_refused(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;
	struct match_query q = { .account_id = 0, .x = &x, .now = NOV25, .window_days = 30 };
	char err[128];

	make(&x, "<inv-1042@acme.example>", NULL, 0, NULL);
	assert_int_equal(match_find(f->st, &q, &r, err, sizeof(err)), -1);
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_ranked_found(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	/* "Invoice 1043" to bob around its send time: 1043 wins over 1042/1044 */
	make(&x, NULL, "Invoice 1043", 1795334400, "bob@northwind.example");
	run(f, f->acme, &x, "Fwd: Invoice 1043", NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	assert_int_equal(r.msgs.n, 1);
	assert_string_equal(r.msgs.v[0].queue_id, "4XbS3p2xJ9b3cc");
	assert_true(r.scores[0].score > 0.9);
	assert_int_equal(json_array_size(r.candidates), 3); /* all scored, for the log */
	assert_true(r.n_searched >= 2);
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_ambiguous(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, NULL, "Invoice", 0, "bob@northwind.example");
	run(f, f->acme, &x, "Fwd: Invoice", NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_AMBIGUOUS);
	assert_int_equal(r.msgs.n, 3);
	for (size_t i = 1; i < r.msgs.n; i++)
		assert_true(r.scores[i - 1].score >= r.scores[i].score);
	/* equal scores: newest first */
	assert_string_equal(r.msgs.v[0].queue_id, "4XbT4q3yK0c4dd");
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_ambiguous_capped_at_five(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;
	const char *rc[] = { "bob@northwind.example" };

	for (int i = 0; i < 8; i++) {
		char qid[32], subj[32];
		struct store_message_in m = {
			.account = "acme",
			.queue_id = qid,
			.subject = subj,
			.submitted_at = NOV25 - 86400 * (i + 1),
			.recipients = rc,
			.n_recipients = 1,
		};

		snprintf(qid, sizeof(qid), "EXTRA%d", i);
		snprintf(subj, sizeof(subj), "Statement %d", i);
		assert_true(store_put_message(f->st, &m) >= 0);
	}
	make(&x, NULL, NULL, 0, "bob@northwind.example");
	run(f, f->acme, &x, NULL, NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_AMBIGUOUS);
	assert_int_equal(r.msgs.n, MATCH_MAX_AMBIGUOUS);
	assert_int_equal(json_array_size(r.candidates), 11);
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_window(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	/* complaint written 100 days later: outside the 30-day window */
	make(&x, NULL, "Invoice 1043", 0, "bob@northwind.example");
	run(f, f->acme, &x, NULL, NOV25 + 100 * 86400, &r);
	assert_int_equal(r.outcome, OUTCOME_NOT_FOUND);
	assert_non_null(strstr(r.searched[0], "recipient bob@northwind.example since 2027-"));
	match_result_free(&r);
	/* complaint before the message was sent: not found either */
	run(f, f->acme, &x, NULL, NOV25 - 30 * 86400, &r);
	assert_int_equal(r.outcome, OUTCOME_NOT_FOUND);
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_not_found(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, "<nope@acme.example>", "Newsletter", 0, "zoe@elsewhere.example");
	run(f, f->acme, &x, NULL, NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_NOT_FOUND);
	assert_int_equal(r.msgs.n, 0);
	assert_string_equal(r.searched[0], "Message-ID <nope@acme.example> (attached)");
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_focus_and_subject_only(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	/* only dave is complained about; found by subject alone */
	make(&x, NULL, "Quote for 40 pallets", 0, "dave@contoso.example");
	run(f, f->acme, &x, NULL, NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	assert_string_equal(r.msgs.v[0].queue_id, "4XbR2n1wH8a2bb");
	assert_int_equal(r.n_focus, 1);
	assert_string_equal(r.focus[0], "dave@contoso.example");
	match_result_free(&r);
	extracted_free(&x);
}

/* The complaint of issue 11: a message not in the records, to zoe, with a
 * subject that Invoice 1042 shares, 29 days later.  Once found with score
 * 0.51; now one weak candidate, so not_found, and the why says why. */
static void
test_wrong_message_not_found(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, NULL, "Invoice 1042", 1795166042 + 29 * 86400, "zoe@elsewhere.example");
	run(f, f->acme, &x, NULL, NOV25 + 24 * 86400, &r);
	assert_int_equal(r.outcome, OUTCOME_NOT_FOUND);
	assert_int_equal(r.msgs.n, 0);
	if (strstr(r.why, "went to another recipient") == NULL)
		fail_msg("why: %s", r.why);
	assert_int_equal(json_array_size(r.candidates), 1); /* still logged */
	match_result_free(&r);
	extracted_free(&x);
}

/* dave's own complaint forwarded (From dave, its own subject): the only
 * message to dave in the window is found, and says so. */
static void
test_only_candidate(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, NULL, "Where is the quote?", NOV25, NULL);
	x.originals[0].from = xstrdup("dave@contoso.example");
	x.originals[0].to = xcalloc(1, sizeof(char *));
	x.originals[0].to[0] = xstrdup("sales@acme.example");
	x.originals[0].n_to = 1;
	x.recipients = xcalloc(1, sizeof(char *));
	x.recipients[0] = xstrdup("dave@contoso.example");
	x.n_recipients = 1;
	run(f, f->acme, &x, "Fwd: Where is the quote?", NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	assert_int_equal(r.only_candidate, 1);
	assert_string_equal(r.msgs.v[0].queue_id, "4XbR2n1wH8a2bb");
	assert_non_null(strstr(r.why, "the only message to the named recipient"));
	match_result_free(&r);
	extracted_free(&x);
}

/* A quoted copy to dave with another subject: the only message to dave is
 * not the one meant. */
static void
test_only_candidate_contradicted(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, NULL, "Newsletter December", 1795250000, "dave@contoso.example");
	run(f, f->acme, &x, NULL, NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_NOT_FOUND);
	assert_int_equal(r.only_candidate, 0);
	match_result_free(&r);
	extracted_free(&x);
}

/* Two equal candidates that fail to agree are ambiguous; the thresholds
 * come from the config keys. */
static void
test_thresholds(void **state)
{
	struct fx *f = *state;
	struct settings s;
	struct match_thresholds a, b;
	struct extracted x;
	struct match_result r;
	struct match_query q = {
		.account_id = f->acme,
		.x = &x,
		.complaint_date = NOV25,
		.now = NOV25,
		.window_days = 30,
		.th = &a,
	};
	char err[256];

	config_defaults(&s);
	match_thresholds_from(&s, &a);
	match_thresholds_default(&b);
	assert_true(a.found_min == b.found_min && a.margin == b.margin &&
		    a.subject_agree == b.subject_agree && a.date_agree == b.date_agree &&
		    a.candidate_min == b.candidate_min);
	config_free(&s);
	/* "Invoice 1043" at its time, to bob: found with the defaults ... */
	make(&x, NULL, "Invoice 1043", 1795334400, "bob@northwind.example");
	assert_int_equal(match_find(f->st, &q, &r, err, sizeof(err)), 0);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	match_result_free(&r);
	/* ... and ambiguous when a lead of 0.9 is asked for */
	a.margin = 0.9;
	assert_int_equal(match_find(f->st, &q, &r, err, sizeof(err)), 0);
	assert_int_equal(r.outcome, OUTCOME_AMBIGUOUS);
	assert_true(r.msgs.n >= 2);
	match_result_free(&r);
	extracted_free(&x);
}

/* A forwarded bounce names carol: the reply reports on carol only, though
 * the original went to dave too. */
static void
test_focus_on_notice(void **state)
{
	struct fx *f = *state;
	struct extracted x;
	struct match_result r;

	make(&x, "<quote-77@acme.example>", NULL, 0, "carol@fabrikam.example");
	x.recipients = xreallocarray(x.recipients, 2, sizeof(char *));
	x.recipients[1] = xstrdup("dave@contoso.example");
	x.n_recipients = 2;
	x.bounces = xcalloc(1, sizeof(*x.bounces));
	x.n_bounces = 1;
	x.bounces[0].b.rcpts[0].address = xstrdup("carol@fabrikam.example");
	x.bounces[0].b.n_rcpts = 1;
	run(f, f->acme, &x, NULL, NOV25, &r);
	assert_int_equal(r.outcome, OUTCOME_FOUND);
	assert_int_equal(r.n_focus, 1);
	assert_string_equal(r.focus[0], "carol@fabrikam.example");
	match_result_free(&r);
	extracted_free(&x);
}

static void
test_score(void **state)
{
	struct store_message m = { .subject = (char[]){ "Invoice 1042" }, .submitted_at = 1000000 };
	struct extracted x;
	struct match_query q = { .x = &x };
	struct match_scored s;

	(void)state;
	make(&x, NULL, "RE: FW: invoice 1042!", 1000000 + 600, NULL);
	match_score(&m, &q, &s);
	assert_true(s.subject > 0.99);
	assert_true(s.date > 0.99);
	assert_true(s.score > 0.99);
	extracted_free(&x);
	make(&x, NULL, "Invoice 1042", 1000000 + 10 * 86400, NULL);
	match_score(&m, &q, &s);
	assert_true(s.date < 0.2);
	assert_true(s.score < 0.8);
	extracted_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_account_never_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_account_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ranked_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous_capped_at_five, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_focus_and_subject_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_message_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_candidate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_candidate_contradicted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thresholds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_focus_on_notice, setup, teardown),
		cmocka_unit_test(test_score),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
