/*
 * test_policy.c - every robot sign, the requester rules (From only; no
 * account -> unauthorized), Authentication-Results with a trusted
 * authserv-id, already-answered complaints and the hourly rate limit
 * (over a real store with the sample records and the request log API).
 */
#include "tests/unit/testutil.h"
#include "responder/decide/policy.h"
#include "common/xalloc.h"
#include "store/import/import.h"
#include "store/admin.h"
#include "store/outbox.h"
#include "store/requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	char *dir;
	struct store *st;
	struct settings s;
	unsigned opts; /* POLICY_* for check() */
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct import_stats stats;
	char err[512], *db, *samples;
	const char *src = getenv("RESPONDER_SRC");

	f->dir = tu_tempdir();
	db = tu_store_target(f->dir);
	f->st = store_open(db, err, sizeof(err));
	assert_non_null(f->st);
	samples = xmalloc(4096);
	snprintf(samples, 4096, "%s/store/samples/records.jsonl", src ? src : ".");
	memset(&stats, 0, sizeof(stats));
	assert_int_equal(import_jsonl(f->st, samples, &stats, NULL, NULL, err, sizeof(err)), 0);
	config_defaults(&f->s);
	free(f->s.address);
	f->s.address = xstrdup("support@relay.example");
	free(f->s.hostname);
	f->s.hostname = xstrdup("relay.example");
	free(db);
	free(samples);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	store_close(&f->st);
	config_free(&f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
parse_fixture(const char *name, struct complaint *c)
{
	char *path = tu_fixture(name), *raw, err[128];
	size_t len;

	raw = tu_read_file(path, &len);
	assert_non_null(raw);
	assert_int_equal(complaint_parse(raw, len, c, err, sizeof(err)), 0);
	free(raw);
	free(path);
}

/* clang-format off */
static const struct {
	const char *fixture;
	const char *why;	/* substring of the reason; NULL = not a robot */
} robots[] = {
	{ "complaints/robot_auto_submitted.eml", "Auto-Submitted: auto-replied" },
	{ "complaints/robot_auto_submitted_no.eml", NULL },
	{ "complaints/robot_precedence.eml", "Precedence: bulk" },
	{ "complaints/robot_list_id.eml", "List-Id" },
	{ "complaints/robot_list_unsubscribe.eml", "List-Unsubscribe" },
	{ "complaints/robot_null_return_path.eml", "Return-Path <>" },
	{ "complaints/robot_postmaster_return_path.eml", "Return-Path <postmaster@" },
	{ "complaints/robot_mailer_daemon.eml", "From mailer-daemon@" },
	{ "complaints/robot_report.eml", "multipart/report" },
	{ "complaints/robot_x_auto_response_suppress.eml", "X-Auto-Response-Suppress" },
	{ "complaints/robot_x_loop.eml", "X-Loop" },
	{ "complaints/robot_own_address.eml", "our own support address" },
	{ "complaints/robot_own_message_id.eml", "made by us" },
	{ "complaints/attached.eml", NULL },
	{ "complaints/reply_to.eml", NULL },
};
/* clang-format on */

static void
test_robot_signs(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(robots) / sizeof(robots[0]); i++) {
		struct complaint c;
		char why[POLICY_WHY_MAX] = "";
		int r;

		parse_fixture(robots[i].fixture, &c);
		r = policy_robot(&c, &f->s, why, sizeof(why));
		if (robots[i].why) {
			if (r != 1 || !strstr(why, robots[i].why))
				fail_msg("%s: %d \"%s\"", robots[i].fixture, r, why);
		} else if (r != 0) {
			fail_msg("%s: taken as a robot: %s", robots[i].fixture, why);
		}
		complaint_free(&c);
	}
}

static void
check(struct fx *f, const char *fixture, enum outcome want, const char *why_part,
      const char *requester)
{
	struct complaint c;
	struct policy_decision d;
	char err[256];

	parse_fixture(fixture, &c);
	assert_int_equal(
	    policy_check(&c, "key", &f->s, f->st, 1795600800, f->opts, &d, err, sizeof(err)), 0);
	if (want == OUTCOME_FOUND) {
		if (!d.proceed)
			fail_msg("%s: stopped: %s", fixture, d.why);
	} else if (d.proceed || d.outcome != want) {
		fail_msg("%s: proceed %d outcome %s: %s", fixture, d.proceed,
			 outcome_name(d.outcome), d.why);
	}
	if (why_part && !strstr(d.why, why_part))
		fail_msg("%s: why \"%s\" lacks \"%s\"", fixture, d.why, why_part);
	if (requester)
		assert_string_equal(d.requester, requester);
	policy_decision_free(&d);
	complaint_free(&c);
}

static void
test_requester(void **state)
{
	struct fx *f = *state;

	check(f, "complaints/attached.eml", OUTCOME_FOUND, "of account acme",
	      "billing@acme.example");
	/* an address of the domain account (@acme.example) */
	check(f, "complaints/references.eml", OUTCOME_FOUND, "account acme", "sales@acme.example");
	check(f, "complaints/unauthorized.eml", OUTCOME_UNAUTHORIZED, "owns no account", NULL);
	/* Reply-To and Sender are acme's, From is not: unauthorized */
	check(f, "complaints/reply_to.eml", OUTCOME_UNAUTHORIZED, "mallory@nowhere.example", NULL);
	/* globex may ask (it just won't see acme's message: test_match) */
	check(f, "complaints/other_account.eml", OUTCOME_FOUND, "account globex",
	      "ops@globex.example");
	check(f, "complaints/robot_precedence.eml", OUTCOME_IGNORED, "Precedence", NULL);
}

static void
test_several_from(void **state)
{
	struct fx *f = *state;
	static const char msg[] = "From: billing@acme.example, mallory@nowhere.example\n"
				  "Subject: x\n\nbody\n";
	struct complaint c;
	struct policy_decision d;
	char err[128];

	assert_int_equal(complaint_parse(msg, sizeof(msg) - 1, &c, err, sizeof(err)), 0);
	assert_int_equal(policy_check(&c, "k", &f->s, f->st, 0, 0, &d, err, sizeof(err)), 0);
	assert_false(d.proceed);
	assert_int_equal(d.outcome, OUTCOME_UNAUTHORIZED);
	policy_decision_free(&d);
	complaint_free(&c);
}

static void
test_authserv(void **state)
{
	struct fx *f = *state;
	struct complaint c;
	char why[POLICY_WHY_MAX];

	free(f->s.trusted_authserv_id);
	f->s.trusted_authserv_id = xstrdup("mx.relay.example");
	check(f, "complaints/authres_pass.eml", OUTCOME_FOUND, NULL, "billing@acme.example");
	/* dkim of another domain, softfail spf, dmarc fail; the dmarc=pass
	 * comes from an authserv-id we do not trust */
	check(f, "complaints/authres_fail.eml", OUTCOME_UNAUTHORIZED, "not authenticated", NULL);
	check(f, "complaints/attached.eml", OUTCOME_UNAUTHORIZED, "no Authentication-Results",
	      NULL);
	free(f->s.trusted_authserv_id);
	f->s.trusted_authserv_id = xstrdup("");

	/* the pure function, table by table */
	parse_fixture("complaints/authres_pass.eml", &c);
	assert_int_equal(
	    policy_authenticated(&c, "mx.relay.example", "acme.example", why, sizeof(why)), 1);
	assert_int_equal(
	    policy_authenticated(&c, "mx.relay.example", "sub.acme.example", why, sizeof(why)), 1);
	assert_int_equal(
	    policy_authenticated(&c, "mx.relay.example", "notacme.example", why, sizeof(why)), 0);
	assert_int_equal(policy_authenticated(&c, "evil.example", "acme.example", why, sizeof(why)),
			 1);
	assert_int_equal(
	    policy_authenticated(&c, "other.example", "acme.example", why, sizeof(why)), 0);
	complaint_free(&c);
}

static void
record(struct fx *f, const char *key, const char *mid, const char *requester, int64_t at,
       int with_reply)
{
	struct request_in r = {
		.complaint_key = key,
		.complaint_message_id = mid,
		.received_at = at,
		.decided_at = at,
		.requester = requester,
		.outcome = "found",
		.why = "test",
	};
	struct outbox_in o = { .created_at = at,
			       .envelope_from = "",
			       .rcpt = requester,
			       .message = "Subject: x\r\n\r\nx\r\n",
			       .len = 16 };
	int64_t rid = 0, oid = 0;

	assert_int_equal(store_record_request(f->st, &r, with_reply ? &o : NULL, &rid, &oid),
			 STORE_ADDED);
	assert_true(rid > 0);
	assert_true(with_reply ? oid > 0 : oid == 0);
}

static void
test_already_answered(void **state)
{
	struct fx *f = *state;

	/* recorded without a reply: not "answered" */
	record(f, "other-key", "<c-attached@acme.example>", "billing@acme.example", 1795600000, 0);
	check(f, "complaints/attached.eml", OUTCOME_FOUND, NULL, NULL);
	/* same Message-ID answered before (different bytes, other key) */
	record(f, "other-key-2", "<c-attached@acme.example>", "billing@acme.example", 1795600000,
	       1);
	check(f, "complaints/attached.eml", OUTCOME_IGNORED, "already answered", NULL);
	/* same key */
	record(f, "key", NULL, "billing@acme.example", 1795600000, 1);
	check(f, "complaints/references.eml", OUTCOME_IGNORED, "already answered", NULL);
	/* an admin's requeue answers again */
	f->opts = POLICY_SKIP_ANSWERED;
	check(f, "complaints/references.eml", OUTCOME_FOUND, NULL, NULL);
	check(f, "complaints/attached.eml", OUTCOME_FOUND, NULL, NULL);
	f->opts = 0;
}

/* One complaint from `from` (in account acme through @acme.example) through
 * policy_check at `now`; when it may be answered, its reply is recorded as
 * the pipeline would.  Returns d.proceed, with the why in why. */
static int
complaint_from(struct fx *f, const char *from, int i, int64_t now, char *why, size_t whylen)
{
	char raw[1024], key[64], mid[64], err[256];
	struct complaint c;
	struct policy_decision d;
	int proceed;

	snprintf(mid, sizeof(mid), "<rl-%d@acme.example>", i);
	snprintf(key, sizeof(key), "rl-key-%d", i);
	snprintf(raw, sizeof(raw),
		 "From: <%s>\r\nTo: support@relay.example\r\nSubject: where is my mail\r\n"
		 "Message-ID: %s\r\n\r\nInvoice 1042 to bob@northwind.example?\r\n",
		 from, mid);
	assert_int_equal(complaint_parse(raw, strlen(raw), &c, err, sizeof(err)), 0);
	assert_int_equal(policy_check(&c, key, &f->s, f->st, now, 0, &d, err, sizeof(err)), 0);
	proceed = d.proceed;
	snprintf(why, whylen, "%s", d.why);
	if (proceed) {
		struct request_in r = { .complaint_key = key,
					.complaint_message_id = mid,
					.received_at = now - 86400, /* an old complaint */
					.decided_at = now,
					.requester = d.requester,
					.account_id = d.account_id,
					.account = d.account,
					.outcome = "found",
					.why = "test" };
		struct outbox_in o = { .created_at = now,
				       .envelope_from = "",
				       .rcpt = d.requester,
				       .message = "Subject: x\r\n\r\nx\r\n",
				       .len = 16 };

		assert_true(d.account_id > 0);
		assert_int_equal(store_record_request(f->st, &r, &o, NULL, NULL), STORE_ADDED);
	} else {
		assert_int_equal(d.outcome, OUTCOME_IGNORED);
	}
	policy_decision_free(&d);
	complaint_free(&c);
	return proceed;
}

/* Issue 15, defect 2 (rate limit by literal address): 30 complaints from
 * billing+1@ ... billing+30@ (one @domain account) got 30 replies against
 * a limit of 20 an hour.  The requester is counted by mailbox (plus-tag and
 * case folded), and the account and the whole responder have limits too. */
static void
test_rate_limit_normalised_address(void **state)
{
	struct fx *f = *state;
	int64_t now = 1795600800;
	char from[128], why[POLICY_WHY_MAX], key[64];
	int answered = 0;

	policy_mailbox_key("Billing+Invoices+2@ACME.example", key, sizeof(key));
	assert_string_equal(key, "billing@acme.example");
	policy_mailbox_key("a+b@c+d.example", key, sizeof(key));
	assert_string_equal(key, "a@c+d.example");
	policy_mailbox_key("plain@x.example", key, 8);
	assert_string_equal(key, "plain@x");

	f->s.max_replies_per_hour = 20;
	f->s.max_replies_per_account_per_hour = 0;
	f->s.max_replies_total_per_hour = 0;
	for (int i = 1; i <= 30; i++) {
		snprintf(from, sizeof(from), "%s+%d@acme.example", i % 2 ? "billing" : "BILLING",
			 i);
		answered += complaint_from(f, from, i, now, why, sizeof(why));
	}
	assert_int_equal(answered, 20);
	assert_non_null(strstr(why, "rate limit: 20 replies to billing@acme.example"));
	/* the plain address shares the limit; another mailbox does not */
	assert_false(complaint_from(f, "billing@acme.example", 31, now, why, sizeof(why)));
	assert_true(complaint_from(f, "sales@acme.example", 32, now, why, sizeof(why)));
	/* an hour later the window is empty again */
	assert_true(complaint_from(f, "billing+9@acme.example", 33, now + 3601, why, sizeof(why)));
}

static void
test_rate_limit_account_and_total(void **state)
{
	struct fx *f = *state;
	int64_t now = 1795600800;
	char from[128], why[POLICY_WHY_MAX];
	int answered = 0;

	/* per account: 40 mailboxes of the @acme.example account, limit 25 */
	f->s.max_replies_per_hour = 20;
	f->s.max_replies_per_account_per_hour = 25;
	f->s.max_replies_total_per_hour = 0;
	for (int i = 1; i <= 40; i++) {
		snprintf(from, sizeof(from), "user%d@acme.example", i);
		answered += complaint_from(f, from, i, now, why, sizeof(why));
	}
	assert_int_equal(answered, 25);
	assert_non_null(strstr(why, "rate limit: 25 replies to account acme"));

	/* in all: 25 replies are in the window, the total limit is 30 */
	f->s.max_replies_per_account_per_hour = 0;
	f->s.max_replies_total_per_hour = 30;
	answered = 0;
	for (int i = 41; i <= 60; i++) {
		snprintf(from, sizeof(from), "user%d@acme.example", i);
		answered += complaint_from(f, from, i, now, why, sizeof(why));
	}
	assert_int_equal(answered, 5);
	assert_non_null(strstr(why, "rate limit: 30 replies in all in the last hour (max 30)"));
	/* the defaults hold all three limits */
	config_free(&f->s);
	config_defaults(&f->s);
	assert_int_equal(f->s.max_replies_per_hour, 20);
	assert_int_equal(f->s.max_replies_per_account_per_hour, 100);
	assert_int_equal(f->s.max_replies_total_per_hour, 1000);
}

static void
test_rate_limit(void **state)
{
	struct fx *f = *state;
	int64_t now = 1795600800, n = 0;

	f->s.max_replies_per_hour = 2;
	f->s.max_replies_per_account_per_hour = 0;
	f->s.max_replies_total_per_hour = 0;
	record(f, "r1", "<r1@x>", "billing@acme.example", now - 4000, 1); /* outside the hour */
	record(f, "r2", "<r2@x>", "billing@acme.example", now - 100, 1);
	check(f, "complaints/attached.eml", OUTCOME_FOUND, NULL, NULL);
	record(f, "r3", "<r3@x>", "billing@acme.example", now - 50, 1);
	assert_int_equal(store_count_replies_since(f->st, NULL, 0, now - 3600, 0, &n), STORE_OK);
	assert_int_equal(n, 2);
	check(f, "complaints/attached.eml", OUTCOME_IGNORED, "rate limit", NULL);
	/* another requester is not limited */
	check(f, "complaints/references.eml", OUTCOME_FOUND, NULL, NULL);
	f->s.max_replies_per_hour = 0; /* 0: no limit */
	check(f, "complaints/attached.eml", OUTCOME_FOUND, NULL, NULL);
}

/* The counts behind the limits (store_count_replies_since over the
 * outbox_rate index): the store's mailbox key (SQL, written by a trigger)
 * is policy_mailbox_key's for every address; the window's edge; the cap;
 * per account and in all; a reply undone with its transaction is not
 * counted, and one resent by the admin is. */
static void
test_rate_counts(void **state)
{
	static const char *const addrs[] = {
		"billing@acme.example",
		"Billing+1@ACME.example",
		"BILLING+x+y@Acme.Example",
		"billing+@acme.example",
		"+tag@acme.example",
		"a+b@c+d.example",
		"A@C+D.EXAMPLE",
		"sales@acme.example",
		"\xc3\x89t\xc3\xa9@acme.example",
		"\xc3\xa9t\xc3\xa9@acme.example",
	};
	const size_t na = sizeof(addrs) / sizeof(addrs[0]);
	struct fx *f = *state;
	int64_t now = 1795600800, n = 0, acme = 0, rid = 0, oid = 0;
	char key[320], other[320], k[64];

	assert_int_equal(store_account_of_address(f->st, "billing@acme.example", &acme, NULL),
			 STORE_OK);
	for (size_t i = 0; i < na; i++) {
		struct request_in r = { .received_at = now,
					.decided_at = now,
					.requester = addrs[i],
					.outcome = "found",
					.why = "test" };
		struct outbox_in o = {
			.created_at = now - (int64_t)i, .rcpt = addrs[i], .message = "m", .len = 1
		};

		snprintf(k, sizeof(k), "rc-%zu", i);
		r.complaint_key = k;
		r.account_id = strstr(addrs[i], "acme") || strstr(addrs[i], "ACME") ? acme : 0;
		assert_int_equal(store_record_request(f->st, &r, &o, NULL, NULL), STORE_ADDED);
	}
	/* one outside the window, one without a requester */
	record(f, "rc-old", "<rc-old@x>", "billing@acme.example", now - 3601, 1);
	{
		struct request_in r = { .complaint_key = "rc-none",
					.received_at = now,
					.decided_at = now,
					.outcome = "found",
					.why = "test" };
		struct outbox_in o = {
			.created_at = now, .rcpt = "x@y.example", .message = "m", .len = 1
		};

		assert_int_equal(store_record_request(f->st, &r, &o, NULL, NULL), STORE_ADDED);
	}
	for (size_t i = 0; i < na; i++) {
		int64_t want = 0;

		policy_mailbox_key(addrs[i], key, sizeof(key));
		for (size_t j = 0; j < na; j++) {
			policy_mailbox_key(addrs[j], other, sizeof(other));
			want += strcmp(key, other) == 0;
		}
		assert_int_equal(store_count_replies_since(f->st, key, 0, now - 3600, 0, &n),
				 STORE_OK);
		if (n != want)
			fail_msg("%s (key %s): %lld replies counted, %lld wanted", addrs[i], key,
				 (long long)n, (long long)want);
	}
	assert_int_equal(
	    store_count_replies_since(f->st, "billing@acme.example", 0, now - 3600, 0, &n),
	    STORE_OK);
	assert_int_equal(n, 4);
	/* the edge: at `since` counts, a second before does not */
	assert_int_equal(
	    store_count_replies_since(f->st, "billing@acme.example", 0, now - 3601, 0, &n),
	    STORE_OK);
	assert_int_equal(n, 5);
	/* the cap */
	assert_int_equal(
	    store_count_replies_since(f->st, "billing@acme.example", 0, now - 3600, 3, &n),
	    STORE_OK);
	assert_int_equal(n, 3);
	/* per account (the seven given acme's id), in all (ten + the one without a requester) */
	assert_int_equal(store_count_replies_since(f->st, NULL, acme, now - 3600, 0, &n), STORE_OK);
	assert_int_equal(n, 7);
	assert_int_equal(store_count_replies_since(f->st, NULL, 0, now - 3600, 0, &n), STORE_OK);
	assert_int_equal(n, (int64_t)na + 1);
	/* undone with its transaction: not counted */
	assert_int_equal(store_begin(f->st), 0);
	record(f, "rc-tx", "<rc-tx@x>", "sales@acme.example", now, 1);
	assert_int_equal(
	    store_count_replies_since(f->st, "sales@acme.example", 0, now - 3600, 0, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_rollback(f->st), 0);
	assert_int_equal(
	    store_count_replies_since(f->st, "sales@acme.example", 0, now - 3600, 0, &n), STORE_OK);
	assert_int_equal(n, 1);
	/* a sent reply resent by the admin is one more reply */
	assert_int_equal(store_request_by_key(f->st, "rc-7", &rid), STORE_OK);
	assert_int_equal(store_count_replies_since(f->st, NULL, 0, 0, 0, &n), STORE_OK);
	oid = n;
	{
		struct outbox_row *rows = NULL;
		size_t nr = 0;

		assert_int_equal(store_outbox_due(f->st, now, 100, &rows, &nr), STORE_OK);
		for (size_t i = 0; i < nr; i++)
			if (rows[i].request_id == rid)
				assert_int_equal(
				    store_outbox_mark_sent(f->st, rows[i].id, "250 ok", now),
				    STORE_OK);
		store_outbox_rows_free(rows, nr);
	}
	assert_int_equal(admin_resend_as(f->st, rid, now + 10, "test", ADMIN_RESEND_SENT, &n),
			 STORE_OK);
	assert_int_equal(store_count_replies_since(f->st, "sales@acme.example", 0, now + 10, 0, &n),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_count_replies_since(f->st, NULL, 0, 0, 0, &n), STORE_OK);
	assert_int_equal(n, oid + 1);
}

static void
test_request_log_api(void **state)
{
	struct fx *f = *state;
	struct request_in bad = { .complaint_key = "k" };
	int64_t id = 0, count = 0;

	assert_int_equal(store_record_request(f->st, &bad, NULL, NULL, NULL), STORE_EINVAL);
	record(f, "kk", "<kk@x>", "a@b.example", 100, 0);
	assert_int_equal(store_request_by_key(f->st, "kk", &id), STORE_OK);
	assert_true(id > 0);
	assert_int_equal(store_request_by_key(f->st, "nope", &id), STORE_ENOTFOUND);
	assert_int_equal(store_request_answered(f->st, "kk", "<kk@x>", &id), STORE_ENOTFOUND);
	assert_int_equal(store_count(f->st, "outbox", &count), 0);
	/* inside a caller's transaction, rolled back: nothing stays */
	assert_int_equal(store_begin(f->st), 0);
	record(f, "tx", "<tx@x>", "a@b.example", 100, 1);
	assert_int_equal(store_rollback(f->st), 0);
	assert_int_equal(store_request_by_key(f->st, "tx", &id), STORE_ENOTFOUND);
	assert_int_equal(store_count(f->st, "outbox", &id), 0);
	assert_int_equal(id, count);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_robot_signs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requester, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_from, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authserv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_normalised_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit_account_and_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_log_api, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
