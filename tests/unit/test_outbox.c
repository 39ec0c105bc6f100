/*
 * test_outbox.c - the daemon's side of the store (store/outbox.h,
 * store/daemon_state.h): due rows, sent / retry with backoff / failed,
 * imap_state, in_progress.
 */
#include "tests/unit/testutil.h"
#include "store/daemon_state.h"
#include "store/outbox.h"
#include "store/requests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int64_t
queue_reply(struct store *st, const char *key, const char *rcpt, int64_t next_try_at)
{
	struct request_in r = {
		.complaint_key = key,
		.received_at = 1000,
		.decided_at = 1000,
		.requester = rcpt,
		.outcome = "found",
		.why = "test",
	};
	struct outbox_in o = {
		.created_at = 1000,
		.envelope_from = "",
		.rcpt = rcpt,
		.message = "Subject: x\r\n\r\nhello\0world\r\n",
		.len = 27,
		.next_try_at = next_try_at,
	};
	int64_t req = 0, ob = 0;

	assert_int_equal(store_record_request(st, &r, &o, &req, &ob), STORE_ADDED);
	assert_true(ob > 0);
	return ob;
}

static void
test_due_and_sent(void **state)
{
	struct tu_store *f = *state;
	struct outbox_row *rows;
	size_t n;
	int64_t a, b, at, cnt;

	a = queue_reply(f->st, "<a@x> 00", "a@x.example", 0);
	b = queue_reply(f->st, "<b@x> 00", "b@x.example", 5000);
	assert_int_equal(store_outbox_due(f->st, 2000, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, a);
	assert_string_equal(rows[0].rcpt, "a@x.example");
	assert_string_equal(rows[0].envelope_from, "");
	assert_null(rows[0].message); /* read when it is sent */
	assert_int_equal(store_outbox_message(f->st, &rows[0]), STORE_OK);
	assert_int_equal(rows[0].len, 27);
	assert_memory_equal(rows[0].message, "Subject: x\r\n\r\nhello\0world\r\n", 27);
	store_outbox_rows_free(rows, n);

	assert_int_equal(store_outbox_next_due(f->st, &at), STORE_OK);
	assert_int_equal(at, 0);
	assert_int_equal(store_outbox_mark_sent(f->st, a, "250 2.0.0 Ok: queued as ABC", 2001),
			 STORE_OK);
	assert_int_equal(store_outbox_next_due(f->st, &at), STORE_OK);
	assert_int_equal(at, 5000);
	assert_int_equal(store_outbox_due(f->st, 2000, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_due(f->st, 6000, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, b);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_count(f->st, "sent", &cnt), STORE_OK);
	assert_int_equal(cnt, 1);
	assert_int_equal(store_outbox_count(f->st, "queued", &cnt), STORE_OK);
	assert_int_equal(cnt, 1);
}

static void
test_retry_then_failed(void **state)
{
	struct tu_store *f = *state;
	struct outbox_row *rows;
	size_t n;
	int64_t id = queue_reply(f->st, "<c@x> 00", "c@x.example", 0), at, cnt;
	int failed = -1;

	assert_int_equal(store_outbox_mark_retry(f->st, id, "451 try later", 1000, &failed),
			 STORE_OK);
	assert_int_equal(failed, 0);
	assert_int_equal(store_outbox_next_due(f->st, &at), STORE_OK);
	assert_true(at >= 1060 && at <= 1075);
	assert_int_equal(store_outbox_due(f->st, 1059, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_outbox_rows_free(rows, n);
	for (int i = 1; i < OUTBOX_MAX_TRIES - 1; i++) {
		assert_int_equal(store_outbox_mark_retry(f->st, id, "451", 1000, &failed),
				 STORE_OK);
		assert_int_equal(failed, 0);
	}
	assert_int_equal(store_outbox_mark_retry(f->st, id, "451 last", 1000, &failed), STORE_OK);
	assert_int_equal(failed, 1);
	assert_int_equal(store_outbox_count(f->st, "failed", &cnt), STORE_OK);
	assert_int_equal(cnt, 1);
	assert_int_equal(store_outbox_next_due(f->st, &at), STORE_ENOTFOUND);

	id = queue_reply(f->st, "<d@x> 00", "d@x.example", 0);
	assert_int_equal(store_outbox_note_error(f->st, id, "connection refused"), STORE_OK);
	assert_int_equal(store_outbox_count(f->st, "queued", &cnt), STORE_OK);
	assert_int_equal(cnt, 1);
	assert_int_equal(store_outbox_mark_failed(f->st, id, "550 no"), STORE_OK);
	assert_int_equal(store_outbox_count(f->st, "failed", &cnt), STORE_OK);
	assert_int_equal(cnt, 2);
}

static void
test_backoff(void **state)
{
	(void)state;
	assert_int_equal(outbox_backoff(1, 0), 60);
	assert_int_equal(outbox_backoff(2, 0), 120);
	assert_int_equal(outbox_backoff(3, 0), 240);
	assert_int_equal(outbox_backoff(40, 0), 6 * 3600);
	/* Jitter stays within a quarter of the base. */
	assert_int_equal(outbox_backoff(1, 15), 75);
	assert_int_equal(outbox_backoff(1, 16), 60);
	assert_true(outbox_backoff(40, 0xffffffffu) <= 6 * 3600 + 6 * 900);
}

static void
test_imap_state(void **state)
{
	struct tu_store *f = *state;
	uint32_t v = 0, u = 0;

	assert_int_equal(store_imap_state_get(f->st, "INBOX", &v, &u), STORE_ENOTFOUND);
	assert_int_equal(store_imap_state_set(f->st, "INBOX", 77, 5), STORE_OK);
	assert_int_equal(store_imap_state_set(f->st, "INBOX", 77, 9), STORE_OK);
	assert_int_equal(store_imap_state_get(f->st, "INBOX", &v, &u), STORE_OK);
	assert_int_equal(v, 77);
	assert_int_equal(u, 9);
	assert_int_equal(store_imap_state_set(f->st, "INBOX", 4000000000u, 4000000001u), STORE_OK);
	assert_int_equal(store_imap_state_get(f->st, "INBOX", &v, &u), STORE_OK);
	assert_int_equal(v, 4000000000u);
	assert_int_equal(u, 4000000001u);
}

static void
test_in_progress(void **state)
{
	struct tu_store *f = *state;
	int restarts = -1, pf = -1, n = 0;
	int64_t count = -1;

	assert_int_equal(store_in_progress_startup(f->st, &count), STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(
	    store_in_progress_begin(f->st, "<k@x> 11", "imap:INBOX:1:1", 10, &restarts, &pf),
	    STORE_OK);
	assert_int_equal(restarts, 0);
	assert_int_equal(pf, 0);
	/* The process dies here; each start counts one restart. */
	for (int i = 1; i <= IN_PROGRESS_MAX_RESTARTS; i++) {
		assert_int_equal(store_in_progress_startup(f->st, &count), STORE_OK);
		assert_int_equal(count, 1);
		assert_int_equal(
		    store_in_progress_begin(f->st, "<k@x> 11", NULL, 20, &restarts, &pf), STORE_OK);
		assert_int_equal(restarts, i);
	}
	assert_int_equal(store_in_progress_parse_failed(f->st, "<k@x> 11", &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_in_progress_parse_failed(f->st, "<k@x> 11", &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_in_progress_end(f->st, "<k@x> 11"), STORE_OK);
	assert_int_equal(store_in_progress_begin(f->st, "<k@x> 11", NULL, 30, &restarts, &pf),
			 STORE_OK);
	assert_int_equal(restarts, 0);
	assert_int_equal(pf, 0);
}

/* Responders A and B (lease 60 s) on the fixture's store, in place of its
 * own handle. */
static void
open_nodes(struct tu_store *f, struct store **a, struct store **b)
{
	struct store_options oa = { .node_name = "A", .lease_seconds = 60 };
	struct store_options ob = { .node_name = "B", .lease_seconds = 60 };
	char err[512];

	store_close(&f->st);
	*a = store_open_opts(f->target, &oa, 0, NULL, err, sizeof(err));
	*b = store_open_opts(f->target, &ob, 0, NULL, err, sizeof(err));
	assert_non_null(*a);
	assert_non_null(*b);
}

/* Two responders (nodes A and B) on one store: a complaint claimed by A is
 * not B's until A's lease ends; an outbox row taken by A is not given to B
 * until then either.  On SQLite (one responder per store) every claim is
 * the caller's and the outbox is not claimed. */
static void
test_claims(void **state)
{
	struct tu_store *f = *state;
	struct store *a, *b;
	struct outbox_row *rows;
	size_t n;

	open_nodes(f, &a, &b);
	assert_string_equal(store_node(a), "A");
	assert_int_equal(store_claim_complaint(a, "<k1>", 1000), 1);
	assert_int_equal(store_claim_complaint(a, "<k1>", 1010), 1); /* A's own again */
	assert_int_equal(store_claim_complaint(b, "<k1>", 1020), tu_store_pg() ? 0 : 1);
	assert_int_equal(store_claim_complaint(b, "<k1>", 1071), 1); /* A's lease ran out */
	assert_int_equal(store_claim_complaint(a, "<k1>", 1072), tu_store_pg() ? 0 : 1);
	assert_int_equal(store_claim_release(b, "<k1>"), STORE_OK);
	assert_int_equal(store_claim_complaint(a, "<k1>", 1073), 1);

	queue_reply(a, "<c1>", "x@a.example", 1000);
	queue_reply(a, "<c2>", "y@a.example", 1000);
	assert_int_equal(store_outbox_due(a, 1100, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 2);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_due(b, 1110, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, tu_store_pg() ? 0 : 2); /* taken by A */
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_due(a, 1120, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 2); /* A's own rows stay A's */
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_due(b, 1200, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, 2); /* A died: its lease (1120 + 60) is over */
	/* A was only slow: before sending the rows it took at 1120 it finds
	 * them B's now, and B (their holder) sends them. */
	assert_int_equal(store_outbox_hold(a, rows[0].id, 1210), tu_store_pg() ? 0 : 1);
	assert_int_equal(store_outbox_hold(a, rows[1].id, 1210), tu_store_pg() ? 0 : 1);
	assert_int_equal(store_outbox_hold(b, rows[0].id, 1210), 1);
	assert_int_equal(store_outbox_mark_sent(b, rows[0].id, "250 ok", 1211), STORE_OK);
	assert_int_equal(store_outbox_hold(b, rows[0].id, 1212), tu_store_pg() ? 0 : 1);
	/* A lease past its end that nobody took is still its holder's, and
	 * renewing it keeps the others away for lease_seconds more. */
	assert_int_equal(store_outbox_hold(b, rows[1].id, 1300), 1);
	store_outbox_rows_free(rows, n);
	assert_int_equal(store_outbox_due(a, 1330, 10, &rows, &n), STORE_OK);
	assert_int_equal(n, tu_store_pg() ? 0 : 1);
	store_outbox_rows_free(rows, n);
	store_close(&a);
	store_close(&b);
}

static int
record_at(struct store *st, const char *key, int64_t now)
{
	struct request_in r = {
		.complaint_key = key,
		.received_at = now,
		.decided_at = now,
		.requester = "x@a.example",
		.outcome = "found",
		.why = "test",
	};

	return store_record_request(st, &r, NULL, NULL, NULL);
}

/* A responder that stalled past its lease in the middle of a complaint
 * (and another took the complaint over) records nothing when it wakes:
 * the claim is checked in the recording's transaction. */
static void
test_claim_fence(void **state)
{
	struct tu_store *f = *state;
	struct store *a, *b;
	int64_t rid;

	open_nodes(f, &a, &b);
	assert_int_equal(store_claim_complaint(a, "<k2>", 1000), 1);
	assert_int_equal(store_claim_complaint(b, "<k2>", 1070), 1); /* A stalled */
	if (tu_store_pg()) {
		assert_int_equal(record_at(a, "<k2>", 1075), STORE_ELOST);
		assert_non_null(strstr(store_errmsg(a), "another responder"));
		assert_int_equal(store_request_by_key(a, "<k2>", &rid), STORE_ENOTFOUND);
	} else {
		assert_int_equal(record_at(a, "<k2>", 1075), STORE_ADDED);
	}
	assert_int_equal(record_at(b, "<k2>", 1076), STORE_ADDED);
	assert_int_equal(store_claim_release(b, "<k2>"), STORE_OK);
	/* A lease that ran out with nobody taking it over is renewed. */
	assert_int_equal(store_claim_complaint(a, "<k3>", 2000), 1);
	assert_int_equal(record_at(a, "<k3>", 2100), STORE_ADDED);
	assert_int_equal(store_claim_complaint(b, "<k3>", 2110), tu_store_pg() ? 0 : 1);
	/* Through a handle that never claimed it (the CLI): no fence. */
	assert_int_equal(record_at(b, "<k4>", 2200), STORE_ADDED);
	store_close(&a);
	store_close(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_due_and_sent, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_retry_then_failed, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_claims, tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_claim_fence, tu_store_setup,
						tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_imap_state, tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_in_progress, tu_store_setup,
						tu_store_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
