/*
 * test_admin.c - store/admin.c: the request-log list and its filters, one
 * request in full, stats (outcomes, reasons, replies, median, days),
 * resend, the console's filters and resend/note, the release of a
 * quarantined complaint, and retention purge in batches.
 *
 * The request and outbox rows are written with admin_put_request() and
 * admin_put_outbox(), the same columns the pipeline fills.
 */
#include "tests/unit/testutil.h"
#include "store/admin.h"
#include "store/requests.h"
#include "common/timeutil.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	char *dir;
	struct store *st;
	int64_t id[6]; /* request ids, 1-based as inserted */
};

static int64_t
T(const char *s)
{
	int64_t t;

	assert_int_equal(time_parse_rfc3339(s, &t), 0);
	return t;
}

static const char *const matches_found =
    "[{\"queue_id\":\"Q1\",\"score\":100,\"recipients\":["
    "{\"address\":\"bob@northwind.example\",\"status\":\"delivered\",\"reason\":\"delivered\"},"
    "{\"address\":\"eve@northwind.example\",\"status\":\"bounced\",\"reason\":\"user_unknown\"}]}]";

static void
put_req(struct fx *f, int k, const char *when, const char *requester, const char *account,
	const char *outcome, const char *matches, const char *qid)
{
	struct admin_request_in in;
	char key[32];

	memset(&in, 0, sizeof(in));
	snprintf(key, sizeof(key), "key-%d", k);
	in.complaint_key = key;
	in.complaint_message_id = "<c@acme.example>";
	in.source = "file:test";
	in.received_at = T(when);
	in.requester = requester;
	in.account = account;
	in.outcome = outcome;
	in.why = "because";
	in.subject = "Fwd: Invoice 1042";
	in.matched_queue_id = qid;
	in.extracted =
	    "{\"message_ids\":[{\"id\":\"<inv-1042@acme.example>\",\"source\":\"attached\"}]}";
	in.matches = matches;
	in.detail = "{\"headers\":{\"From\":\"billing@acme.example\"}}";
	assert_int_equal(admin_put_request(f->st, &in, &f->id[k]), STORE_ADDED);
}

static void
put_out(struct fx *f, int k, const char *state, int64_t sent_after)
{
	struct admin_outbox_in o;

	memset(&o, 0, sizeof(o));
	o.request_id = f->id[k];
	o.created_at = 1;
	o.rcpt = "billing@acme.example";
	o.message = "Subject: Re: Invoice 1042\r\n\r\nbody\r\n";
	o.state = state;
	if (strcmp(state, "sent") == 0) {
		struct admin_request r;
		assert_int_equal(admin_request_get(f->st, f->id[k], &r, NULL), STORE_OK);
		o.sent_at = r.received_at + sent_after;
		o.smtp_reply = "250 2.0.0 Ok: queued as ABC";
		admin_request_free(&r);
	}
	if (strcmp(state, "failed") == 0)
		o.last_error = "550 5.7.1 relay denied";
	assert_int_equal(admin_put_outbox(f->st, &o, NULL), STORE_ADDED);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *target, err[256];
	const char *addrs[] = { "@acme.example" };
	const char *rcpts[] = { "bob@northwind.example", "eve@northwind.example" };
	struct store_message_in m;
	struct store_attempt_in a;

	f->dir = tu_tempdir();
	target = tu_store_target(f->dir);
	f->st = store_open(target, err, sizeof(err));
	free(target);
	assert_non_null(f->st);
	assert_true(store_put_account(f->st, "acme", addrs, 1, NULL, NULL) >= 0);
	memset(&m, 0, sizeof(m));
	m.account = "acme";
	m.queue_id = "Q1";
	m.message_id = "<inv-1042@acme.example>";
	m.from = "billing@acme.example";
	m.subject = "Invoice 1042";
	m.submitted_at = T("2026-11-20T09:14:02Z");
	m.recipients = rcpts;
	m.n_recipients = 2;
	assert_true(store_put_message(f->st, &m) >= 0);
	memset(&a, 0, sizeof(a));
	a.queue_id = "Q1";
	a.recipient = "bob@northwind.example";
	a.at = T("2026-11-20T09:14:03Z");
	a.status = "delivered";
	a.response = "250 ok";
	a.transcript = "EHLO x";
	assert_true(store_put_attempt(f->st, &a) >= 0);
	a.recipient = "eve@northwind.example";
	a.status = "bounced";
	a.smtp_code = 550;
	a.enhanced_status = "5.1.1";
	a.response = "550 5.1.1 user unknown";
	assert_true(store_put_attempt(f->st, &a) >= 0);
	a.at += 60; /* eve's latest attempt is this one */
	a.status = "deferred";
	a.smtp_code = 451;
	a.enhanced_status = "4.7.1";
	a.response = "451 4.7.1 greylisted";
	assert_true(store_put_attempt(f->st, &a) >= 0);

	put_req(f, 1, "2026-11-20T10:00:00Z", "Billing@Acme.example", "acme", "found",
		matches_found, "Q1");
	put_req(f, 2, "2026-11-21T10:00:00Z", "billing@acme.example", "acme", "not_found", "[]",
		NULL);
	put_req(f, 3, "2026-11-21T12:00:00Z", "noreply@list.example", NULL, "ignored", NULL, NULL);
	put_req(f, 4, "2026-11-22T08:00:00Z", "ops@acme.example", "acme", "found",
		"not json at all", "Q1");
	put_req(f, 5, "2026-11-22T09:00:00Z", "ops@acme.example", "acme", "found",
		"[{\"queue_id\":\"Q1\",\"recipients\":[{\"reason\":\"delivered\"}, 7]}, \"x\"]",
		"Q1");
	put_out(f, 1, "sent", 30);
	put_out(f, 2, "failed", 0);
	put_out(f, 4, "queued", 0);
	put_out(f, 5, "sent", 90);
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

static void
test_list_newest_first_with_reply_state(void **state)
{
	struct fx *f = *state;
	struct admin_filter flt = { 0 };
	struct admin_request_list l;
	static const char *const want_state[] = { "sent", "queued", "none", "failed", "sent" };

	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(l.v[i].id, f->id[5 - i]);
		assert_string_equal(l.v[i].reply_state, want_state[i]);
		assert_null(l.v[i].detail);
	}
	assert_string_equal(l.v[4].matched_subject, "Invoice 1042");
	assert_null(l.v[3].matched_subject);
	assert_string_equal(l.v[4].complaint_message_id, "<c@acme.example>");
	admin_request_list_free(&l);
}

static void
test_list_filters(void **state)
{
	struct fx *f = *state;
	struct admin_filter flt = { 0 };
	struct admin_request_list l;

	flt.outcome = "found";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.requester = "BILLING@acme.example"; /* compared lower-cased */
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.account = "acme";
	flt.since = T("2026-11-21T00:00:00Z");
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 3); /* 2, 4, 5; 3 has no account */
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.limit = 2;
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, f->id[5]);
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.outcome = "error";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	admin_request_list_free(&l);
}

static void
test_get_in_full(void **state)
{
	struct fx *f = *state;
	struct admin_request r;
	struct admin_outbox_list ob;

	assert_int_equal(admin_request_get(f->st, f->id[1], &r, &ob), STORE_OK);
	assert_string_equal(r.outcome, "found");
	assert_string_equal(r.requester, "Billing@Acme.example");
	assert_non_null(strstr(r.extracted, "inv-1042"));
	assert_non_null(strstr(r.matches, "user_unknown"));
	assert_non_null(strstr(r.detail, "headers"));
	assert_int_equal(ob.n, 1);
	assert_string_equal(ob.v[0].state, "sent");
	assert_int_equal(ob.v[0].sent_at - r.received_at, 30);
	assert_non_null(strstr(ob.v[0].message, "Re: Invoice 1042"));
	assert_int_equal(ob.v[0].message_len, strlen(ob.v[0].message));
	admin_outbox_list_free(&ob);
	admin_request_free(&r);

	assert_int_equal(admin_request_get(f->st, 999999, &r, &ob), STORE_ENOTFOUND);
	assert_non_null(strstr(store_errmsg(f->st), "999999"));
}

static int64_t
count_of(const struct admin_count *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].n;
	return 0;
}

static void
test_stats(void **state)
{
	struct fx *f = *state;
	struct admin_stats s;

	assert_int_equal(admin_stats(f->st, 0, &s), STORE_OK);
	assert_int_equal(s.requests, 5);
	assert_int_equal(s.n_outcomes, 3);
	assert_string_equal(s.outcomes[0].name, "found"); /* most frequent first */
	assert_int_equal(s.outcomes[0].n, 3);
	assert_int_equal(count_of(s.outcomes, s.n_outcomes, "not_found"), 1);
	assert_int_equal(count_of(s.outcomes, s.n_outcomes, "ignored"), 1);
	assert_int_equal(s.n_reasons, 0); /* the caller classifies */
	assert_int_equal(s.replies_sent, 2);
	assert_int_equal(s.replies_failed, 1);
	assert_int_equal(s.replies_queued, 1);
	assert_int_equal(s.median_reply_secs, 60); /* (30 + 90) / 2 */
	assert_int_equal(s.n_days, 4);
	assert_string_equal(s.days[0].day, "2026-11-20");
	assert_string_equal(s.days[0].outcome, "found");
	assert_string_equal(s.days[3].day, "2026-11-22");
	assert_int_equal(s.days[3].n, 2);
	admin_stats_free(&s);

	assert_int_equal(admin_stats(f->st, T("2026-11-22T08:30:00Z"), &s), STORE_OK);
	assert_int_equal(s.requests, 1);
	assert_int_equal(s.replies_sent, 1);
	assert_int_equal(s.median_reply_secs, 90);
	admin_stats_free(&s);

	assert_int_equal(admin_stats(f->st, T("2030-01-01"), &s), STORE_OK);
	assert_int_equal(s.requests, 0);
	assert_int_equal(s.n_outcomes, 0);
	assert_int_equal(s.median_reply_secs, -1);
	admin_stats_free(&s);
}

struct seen {
	int delivered, deferred, other;
	char last_response[64];
};

static void
on_attempt(void *arg, const char *status, int code, const char *enhanced, const char *response,
	   const char *mx_host)
{
	struct seen *sn = arg;

	(void)enhanced;
	(void)mx_host;
	if (strcmp(status, "delivered") == 0 && code == 0)
		sn->delivered++;
	else if (strcmp(status, "deferred") == 0 && code == 451)
		sn->deferred++;
	else
		sn->other++;
	snprintf(sn->last_response, sizeof(sn->last_response), "%s", response);
}

static void
test_found_attempts_and_reason_counts(void **state)
{
	struct fx *f = *state;
	struct seen sn = { 0, 0, 0, "" };
	struct admin_stats s;

	/* Found requests 1, 4 and 5 all matched Q1: bob's only attempt and
	 * eve's latest (deferred, not the older bounce) for each. */
	assert_int_equal(admin_found_attempts(f->st, 0, on_attempt, &sn), STORE_OK);
	assert_int_equal(sn.delivered, 3);
	assert_int_equal(sn.deferred, 3);
	assert_int_equal(sn.other, 0);
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(admin_found_attempts(f->st, T("2026-11-22T08:30:00Z"), on_attempt, &sn),
			 STORE_OK);
	assert_int_equal(sn.delivered + sn.deferred, 2);

	memset(&s, 0, sizeof(s));
	admin_stats_add_count(&s, "greylisted", 1);
	admin_stats_add_count(&s, "delivered", 1);
	admin_stats_add_count(&s, "delivered", 2);
	admin_stats_add_count(&s, "blocklisted", 1);
	assert_int_equal(s.n_reasons, 3);
	assert_string_equal(s.reasons[0].name, "delivered");
	assert_int_equal(s.reasons[0].n, 3);
	assert_string_equal(s.reasons[1].name, "blocklisted"); /* ties by name */
	assert_string_equal(s.reasons[2].name, "greylisted");
	admin_stats_free(&s);
}

static void
test_resend(void **state)
{
	struct fx *f = *state;
	struct admin_request r;
	struct admin_outbox_list ob;
	int64_t n;

	assert_int_equal(admin_resend(f->st, f->id[2], 1000, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(admin_request_get(f->st, f->id[2], &r, &ob), STORE_OK);
	assert_string_equal(r.reply_state, "queued");
	assert_string_equal(ob.v[0].state, "queued");
	assert_int_equal(ob.v[0].tries, 0);
	assert_int_equal(ob.v[0].next_try_at, 1000);
	/* the old detail is kept and the action appended */
	assert_non_null(strstr(r.detail, "\"headers\""));
	{
		json_t *d = json_loads(r.detail, 0, NULL), *a;

		assert_non_null(d);
		a = json_object_get(d, "admin");
		assert_true(json_is_array(a) && json_array_size(a) == 1);
		a = json_array_get(a, 0);
		assert_string_equal(json_string_value(json_object_get(a, "action")), "resend");
		assert_int_equal(json_integer_value(json_object_get(a, "at")), 1000);
		assert_int_equal(json_integer_value(json_object_get(a, "rows")), 1);
		assert_int_equal(json_object_size(a), 3);
		json_decref(d);
	}
	admin_outbox_list_free(&ob);
	admin_request_free(&r);

	/* nothing failed any more, and request 3 never had a reply */
	assert_int_equal(admin_resend(f->st, f->id[2], 1001, &n), STORE_EINVAL);
	assert_int_equal(admin_resend(f->st, f->id[3], 1001, &n), STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "no failed reply"));
	assert_int_equal(admin_resend(f->st, 424242, 1001, &n), STORE_ENOTFOUND);
	/* no transaction is left open by the refusals */
	assert_int_equal(store_begin(f->st), STORE_OK);
	assert_int_equal(store_commit(f->st), STORE_OK);
}

/* The console's filters: until, why contains, reply state, search (with
 * LIKE's wildcards taken literally), offset. */
static void
test_console_filters(void **state)
{
	struct fx *f = *state;
	struct admin_filter flt = { 0 };
	struct admin_request_list l;

	flt.until = T("2026-11-21T11:00:00Z");
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 2); /* 2, 1 */
	assert_int_equal(l.v[0].id, f->id[2]);
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.reply_state = "sent";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 2); /* 5, 1 */
	admin_request_list_free(&l);
	flt.reply_state = "none";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].id, f->id[3]);
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.why = "BECAU"; /* case-insensitive "contains" */
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 5);
	admin_request_list_free(&l);
	flt.why = "bec%se";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 0); /* % is a character here, not a wildcard */
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.search = "INV-1042@acme"; /* in the extracted identifiers */
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 5);
	admin_request_list_free(&l);
	flt.search = "list.example";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	admin_request_list_free(&l);
	flt.search = "inv_1042";
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 0); /* _ is a character, not "any one" */
	admin_request_list_free(&l);

	memset(&flt, 0, sizeof(flt));
	flt.limit = 2;
	flt.offset = 2;
	assert_int_equal(admin_requests(f->st, &flt, &l), STORE_OK);
	assert_int_equal(l.n, 2); /* 5 4 | 3 2 | 1 */
	assert_int_equal(l.v[0].id, f->id[3]);
	assert_int_equal(l.v[1].id, f->id[2]);
	admin_request_list_free(&l);
}

/* The console's resend: a copy of a sent reply when none failed, noted with
 * who; admin_note for a requeue. */
static void
test_resend_as_and_note(void **state)
{
	struct fx *f = *state;
	struct admin_request r;
	struct admin_outbox_list ob;
	json_t *d, *a;
	int64_t n;

	assert_int_equal(admin_resend_as(f->st, f->id[1], 2000, "alice", 0, &n), STORE_EINVAL);
	assert_int_equal(admin_resend_as(f->st, f->id[1], 2000, "alice", ADMIN_RESEND_SENT, &n),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(admin_note(f->st, f->id[1], "requeue", "bob", 2001, f->id[5]), STORE_OK);
	assert_int_equal(admin_request_get(f->st, f->id[1], &r, &ob), STORE_OK);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.v[0].state, "sent");
	assert_string_equal(ob.v[1].state, "queued");
	assert_int_equal(ob.v[1].next_try_at, 2000);
	assert_int_equal((int64_t)ob.v[1].message_len, (int64_t)ob.v[0].message_len);
	assert_memory_equal(ob.v[1].message, ob.v[0].message, ob.v[0].message_len);
	d = json_loads(r.detail, 0, NULL);
	assert_non_null(d);
	a = json_object_get(d, "admin");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "by")),
			    "alice");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "rows")), 1);
	assert_null(json_object_get(json_array_get(a, 0), "request"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "action")),
			    "requeue");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "by")), "bob");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "request")),
			 f->id[5]);
	json_decref(d);
	admin_outbox_list_free(&ob);
	admin_request_free(&r);
	/* the failed one of request 2 is requeued in place, not copied */
	assert_int_equal(admin_resend_as(f->st, f->id[2], 2002, "alice", ADMIN_RESEND_SENT, &n),
			 STORE_OK);
	assert_int_equal(admin_request_get(f->st, f->id[2], &r, &ob), STORE_OK);
	assert_int_equal(ob.n, 1);
	admin_outbox_list_free(&ob);
	admin_request_free(&r);
	/* request 3 has no reply at all */
	assert_int_equal(admin_resend_as(f->st, f->id[3], 2003, "alice", ADMIN_RESEND_SENT, &n),
			 STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "no failed or sent reply"));
}

static int64_t
put_quarantined(struct fx *f, const char *key, const char *source, const char *why)
{
	struct admin_request_in in;
	int64_t id;

	memset(&in, 0, sizeof(in));
	in.complaint_key = key;
	in.source = source;
	in.received_at = in.decided_at = 3000;
	in.outcome = "error";
	in.why = why;
	assert_int_equal(admin_put_request(f->st, &in, &id), STORE_ADDED);
	return id;
}

/* Release: only a quarantined complaint, once; the released row stops
 * counting as "already recorded" for the daemon; the daemon's pending
 * list and its "moved" mark; a new failure is a new, unreleased row. */
static void
test_release(void **state)
{
	struct fx *f = *state;
	struct admin_request r;
	struct admin_release *v;
	struct admin_purge_counts c;
	char st[16];
	size_t n;
	int64_t q, q2, big, rid;
	json_t *d, *a;

	q = put_quarantined(f, "<p@x>:ab12", "imap:INBOX:7:3", "refused before parsing: boundary");
	big = put_quarantined(f, "imap:INBOX:7:4", "imap:INBOX:7:4", "too large: 9 bytes");
	assert_int_equal(store_request_by_key(f->st, "<p@x>:ab12", &rid), STORE_OK);
	assert_int_equal(rid, q);
	/* not quarantined: a found request, a too-large one, no such id */
	assert_int_equal(admin_release(f->st, f->id[1], 3100, "alice"), STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "not a quarantined complaint"));
	assert_int_equal(admin_release(f->st, big, 3100, "alice"), STORE_EINVAL);
	assert_int_equal(admin_release(f->st, 99999, 3100, "alice"), STORE_ENOTFOUND);
	assert_int_equal(admin_release_state(f->st, q, st, sizeof(st)), STORE_ENOTFOUND);
	assert_int_equal(admin_releases_pending(f->st, &v, &n), STORE_OK);
	assert_int_equal(n, 0);

	assert_int_equal(admin_release(f->st, q, 3100, "alice"), STORE_OK);
	assert_int_equal(admin_release_state(f->st, q, st, sizeof(st)), STORE_OK);
	assert_string_equal(st, "pending");
	assert_int_equal(admin_release(f->st, q, 3101, "bob"), STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "already released (pending)"));
	assert_int_equal(store_request_by_key(f->st, "<p@x>:ab12", &rid), STORE_ENOTFOUND);
	assert_int_equal(admin_request_get(f->st, q, &r, NULL), STORE_OK);
	d = json_loads(r.detail, 0, NULL);
	a = json_object_get(d, "admin");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "action")),
			    "release");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "by")),
			    "alice");
	json_decref(d);
	admin_request_free(&r);

	assert_int_equal(admin_releases_pending(f->st, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].request_id, q);
	assert_string_equal(v[0].complaint_key, "<p@x>:ab12");
	admin_releases_free(v, n);
	assert_int_equal(admin_release_moved(f->st, q), STORE_OK);
	assert_int_equal(admin_release_state(f->st, q, st, sizeof(st)), STORE_OK);
	assert_string_equal(st, "moved");
	assert_int_equal(admin_releases_pending(f->st, &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_request_by_key(f->st, "<p@x>:ab12", &rid), STORE_ENOTFOUND);

	/* Handled again and quarantined again: the new row counts (the daemon
	 * only moves it), the old one can no longer be released. */
	q2 = put_quarantined(f, "<p@x>:ab12", "imap:INBOX:7:5", "refused before parsing: boundary");
	assert_int_equal(store_request_by_key(f->st, "<p@x>:ab12", &rid), STORE_OK);
	assert_int_equal(rid, q2);
	assert_int_equal(admin_release(f->st, q, 3200, "alice"), STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "handled again since"));
	assert_int_equal(admin_release_state(f->st, q2, st, sizeof(st)), STORE_ENOTFOUND);

	/* Retention takes the release mark with its request. */
	memset(&c, 0, sizeof(c));
	while (admin_purge_step(f->st, 4000, 500, &c) > 0)
		;
	assert_int_equal(c.requests, 3);
	assert_int_equal(admin_release_state(f->st, q, st, sizeof(st)), STORE_ENOTFOUND);
	assert_int_equal(admin_request_get(f->st, f->id[1], &r, NULL), STORE_OK);
	admin_request_free(&r);
}

static void
test_purge_in_batches(void **state)
{
	struct fx *f = *state;
	struct admin_purge_counts c = { 0 };
	int64_t n;
	int rounds = 0, r;

	/* Before everything: nothing to do. */
	assert_int_equal(admin_purge_step(f->st, T("2026-01-01"), 1, &c), 0);
	assert_int_equal(c.attempts + c.messages + c.requests, 0);

	/* Cut off after request 4: requests 1-3 go, 4 stays (its reply is
	 * still queued), 5 is newer.  Batch size 1: several rounds. */
	while ((r = admin_purge_step(f->st, T("2026-11-22T08:30:00Z"), 1, &c)) == 1)
		rounds++;
	assert_int_equal(r, 0);
	assert_true(rounds >= 2);
	assert_int_equal(c.attempts, 3);
	assert_int_equal(c.messages, 1);
	assert_int_equal(c.requests, 3);
	assert_int_equal(store_count(f->st, "requests", &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_count(f->st, "outbox", &n), STORE_OK);
	assert_int_equal(n, 2); /* rows of 4 and 5; 1's and 2's cascaded */
	assert_int_equal(store_count(f->st, "recipients", &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_count(f->st, "attempts", &n), STORE_OK);
	assert_int_equal(n, 0);
}

static void
test_put_request_refuses_missing_fields(void **state)
{
	struct fx *f = *state;
	struct admin_request_in in;

	memset(&in, 0, sizeof(in));
	in.complaint_key = "k";
	assert_int_equal(admin_put_request(f->st, &in, NULL), STORE_EINVAL);
	in.outcome = "bogus";
	in.why = "x";
	assert_int_equal(admin_put_request(f->st, &in, NULL), STORE_EDB); /* CHECK */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_newest_first_with_reply_state, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_in_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_found_attempts_and_reason_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resend_as_and_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_request_refuses_missing_fields, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
