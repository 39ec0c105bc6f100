/*
 * outbox.c - sending from the outbox (outbox.h): the rows due, and the
 * state each one takes once the SMTP server has answered.
 *
 * The outbox is the exactly-once boundary: a row is written with its
 * request (requests.c) and changes state only here, once the SMTP server
 * has answered.  Backoff is exponential with jitter so that many replies
 * deferred by one outage do not all come back in the same second.
 */
#include "store/outbox.h"
#include "store/store_int.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

int
store_outbox_due(struct store *st, int64_t now, size_t limit, struct outbox_row **rows_r,
		 size_t *n_r)
{
	/* PostgreSQL, several responders: the rows are claimed for
	 * lease_seconds (claimed_by, claim_expires) and taken with SKIP
	 * LOCKED, so two responders never send one reply; a responder that
	 * dies leaves its rows to the others when the lease ends. */
	struct store_stmt *s = store_stmt_for(
	    st,
	    "SELECT id, request_id, envelope_from, rcpt, tries,"
	    " (SELECT received_at FROM requests WHERE requests.id = outbox.request_id)"
	    " FROM outbox WHERE state = 'queued' AND next_try_at <= ?1 ORDER BY next_try_at, id LIMIT ?2",
	    "WITH c AS (UPDATE outbox SET claimed_by = ?3, claim_expires = ?1 + ?4"
	    "  WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' AND next_try_at <= ?1"
	    "   AND (claim_expires <= ?1 OR claimed_by = ?3) ORDER BY next_try_at, id LIMIT ?2"
	    "   FOR UPDATE SKIP LOCKED)"
	    "  RETURNING id, request_id, envelope_from, rcpt, tries, next_try_at)"
	    " SELECT c.id, c.request_id, c.envelope_from, c.rcpt, c.tries,"
	    "  (SELECT received_at FROM requests WHERE requests.id = c.request_id)"
	    " FROM c ORDER BY c.next_try_at, c.id");
	struct outbox_row *rows = NULL;
	size_t n = 0;
	int rc;

	*rows_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, now);
	store_bind_int64(s, 2, limit ? (int64_t)limit : 100);
	if (store_is_pg(st)) {
		store_bind_text(s, 3, st->node);
		store_bind_int64(s, 4, st->lease_seconds);
	}
	while ((rc = store_step(s)) == STORE_ROW) {
		struct outbox_row *r;

		rows = xreallocarray(rows, n + 1, sizeof(*rows));
		r = &rows[n++];
		r->id = store_col_int64(s, 0);
		r->request_id = store_col_int64(s, 1);
		r->envelope_from = store_col_dup(s, 2);
		if (r->envelope_from == NULL)
			r->envelope_from = xstrdup("");
		r->rcpt = store_col_dup(s, 3);
		if (r->rcpt == NULL)
			r->rcpt = xstrdup("");
		r->message = NULL; /* store_outbox_message(), when it is sent */
		r->len = 0;
		r->tries = store_col_int(s, 4);
		r->received_at = store_col_int64(s, 5);
	}
	store_reset(s);
	if (rc != STORE_DONE) {
		store_outbox_rows_free(rows, n);
		return store_fail_db(st, "reading the outbox");
	}
	*rows_r = rows;
	*n_r = n;
	return STORE_OK;
}

int
store_outbox_message(struct store *st, struct outbox_row *row)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT message FROM outbox_messages WHERE outbox_id = ?1");
	int rc;

	free(row->message);
	row->message = NULL;
	row->len = 0;
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, row->id);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		const void *blob = store_col_blob(s, 0);

		row->len = store_col_bytes(s, 0);
		row->message = xmalloc(row->len + 1);
		if (row->len > 0)
			memcpy(row->message, blob, row->len);
		row->message[row->len] = '\0';
	}
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "reading a reply");
}

/* A reply's bytes live in outbox_messages, apart from the row the sender
 * updates (schema migration 7). */
int
store_outbox_message_put(struct store *st, int64_t outbox_id, const void *message, size_t len)
{
	struct store_stmt *s =
	    store_stmt(st, "INSERT INTO outbox_messages(outbox_id, message) VALUES (?1, ?2)");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, outbox_id);
	store_bind_blob(s, 2, message, len);
	return store_step_done(st, s, "queueing the reply's message");
}

int
store_outbox_message_copy(struct store *st, int64_t from_id, int64_t to_id)
{
	struct store_stmt *s =
	    store_stmt(st, "INSERT INTO outbox_messages(outbox_id, message)"
			   " SELECT ?2, message FROM outbox_messages WHERE outbox_id = ?1");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, from_id);
	store_bind_int64(s, 2, to_id);
	return store_step_done(st, s, "copying a reply's message");
}

void
store_outbox_row_release(struct outbox_row *row)
{
	free(row->message);
	row->message = NULL;
	row->len = 0;
}

void
store_outbox_rows_free(struct outbox_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(rows[i].envelope_from);
		free(rows[i].rcpt);
		free(rows[i].message);
	}
	free(rows);
}

int
store_outbox_next_due(struct store *st, int64_t *at_r)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT min(next_try_at) FROM outbox WHERE state = 'queued'");
	int rc, ret;

	if (s == NULL)
		return STORE_EDB;
	rc = store_step(s);
	if (rc == STORE_ROW && !store_col_null(s, 0)) {
		*at_r = store_col_int64(s, 0);
		ret = STORE_OK;
	} else {
		ret = rc == STORE_ROW ? STORE_ENOTFOUND : store_fail_db(st, "reading the outbox");
	}
	store_reset(s);
	return ret;
}

int
store_outbox_hold(struct store *st, int64_t id, int64_t now)
{
	/* The row keeps claimed_by = this node until another node takes it
	 * (store_outbox_due() hands a row over only once its lease is past),
	 * and the UPDATE waits for that node's row lock, so after it exactly
	 * one node holds the row.  An expired lease nobody took is still this
	 * node's: it is renewed. */
	struct store_stmt *s;
	int rc;

	if (!store_is_pg(st))
		return 1;
	s = store_stmt(st, "UPDATE outbox SET claim_expires = ?2 + ?4"
			   " WHERE id = ?1 AND state = 'queued' AND claimed_by = ?3");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	store_bind_int64(s, 2, now);
	store_bind_text(s, 3, st->node);
	store_bind_int64(s, 4, st->lease_seconds);
	if ((rc = store_step_done(st, s, "renewing a reply's lease")) < 0)
		return rc;
	return store_changes(st) > 0 ? 1 : 0;
}

int
store_outbox_mark_sent(struct store *st, int64_t id, const char *smtp_reply, int64_t now)
{
	struct store_stmt *s =
	    store_stmt(st, "UPDATE outbox SET state = 'sent', smtp_reply = ?2, sent_at = ?3,"
			   " tries = tries + 1, last_error = NULL WHERE id = ?1");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	store_bind_text(s, 2, smtp_reply);
	store_bind_int64(s, 3, now);
	return store_step_done(st, s, "marking a reply sent");
}

int64_t
outbox_backoff(int tries, uint32_t rnd)
{
	int64_t base = 60;

	if (tries < 1)
		tries = 1;
	for (int i = 1; i < tries && base < 6 * 3600; i++)
		base *= 2;
	if (base > 6 * 3600)
		base = 6 * 3600;
	return base + (int64_t)(rnd % (uint32_t)(base / 4 + 1));
}

int
store_outbox_mark_retry(struct store *st, int64_t id, const char *error, int64_t now, int *failed_r)
{
	struct store_stmt *s = store_stmt(st, "SELECT tries FROM outbox WHERE id = ?1");
	int tries, rc;

	if (failed_r != NULL)
		*failed_r = 0;
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	rc = store_step(s);
	tries = rc == STORE_ROW ? store_col_int(s, 0) : 0;
	store_reset(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ?
			   store_fail(st, STORE_ENOTFOUND, "no outbox row %lld", (long long)id) :
			   store_fail_db(st, "reading the outbox");
	tries++;
	if (tries >= OUTBOX_MAX_TRIES) {
		if (failed_r != NULL)
			*failed_r = 1;
		return store_outbox_mark_failed(st, id, error);
	}
	s = store_stmt(
	    st, "UPDATE outbox SET tries = ?2, next_try_at = ?3, last_error = ?4 WHERE id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	store_bind_int64(s, 2, tries);
	store_bind_int64(s, 3, now + outbox_backoff(tries, (uint32_t)random()));
	store_bind_text(s, 4, error);
	return store_step_done(st, s, "scheduling a retry");
}

int
store_outbox_mark_failed(struct store *st, int64_t id, const char *error)
{
	struct store_stmt *s = store_stmt(
	    st,
	    "UPDATE outbox SET state = 'failed', tries = tries + 1, last_error = ?2 WHERE id = ?1");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	store_bind_text(s, 2, error);
	return store_step_done(st, s, "marking a reply failed");
}

int
store_outbox_note_error(struct store *st, int64_t id, const char *error)
{
	struct store_stmt *s = store_stmt(st, "UPDATE outbox SET last_error = ?2 WHERE id = ?1");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	store_bind_text(s, 2, error);
	return store_step_done(st, s, "noting an outbox error");
}

int
store_outbox_count(struct store *st, const char *state, int64_t *n_r)
{
	struct store_stmt *s = store_stmt(st, "SELECT count(*) FROM outbox WHERE state = ?1");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, state);
	rc = store_step(s);
	*n_r = rc == STORE_ROW ? store_col_int64(s, 0) : 0;
	store_reset(s);
	return rc == STORE_ROW ? STORE_OK : store_fail_db(st, "counting the outbox");
}
