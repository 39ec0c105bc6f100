/*
 * admin_ops.c - what the admin commands change: resend (failed replies
 * back to the queue, noted in the request's detail), retention deletes in
 * small batches, and direct writes of request and outbox rows for tests
 * (see admin.h), and the release of quarantined complaints.
 *
 * SECURITY: every value is a bound parameter; the JSON note is built by
 * SQLite's json functions from numbers only.
 */
#include "store/admin.h"
#include "store/store_int.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- repairs ------------------------------------------------------------ */

/* Appends {"action", "at", "rows", "by", "request"} ("by" and "request"
 * only when given) to the request's detail.admin array (created if
 * missing), so `log show` and the console tell the story.  Inside the
 * caller's transaction or on its own. */
static int
note_action(struct store *st, int64_t request_id, const char *action, int64_t now, int64_t rows,
	    const char *by, int64_t ref)
{
	struct store_stmt *s;

	s = store_stmt_for(
	    st,
	    "UPDATE requests SET detail = json_set(d, '$.admin',"
	    " json(json_insert(CASE WHEN json_type(d, '$.admin') = 'array'"
	    "   THEN json_extract(d, '$.admin') ELSE '[]' END, '$[#]',"
	    "   json_patch(json_object('action', ?4, 'at', ?2, 'rows', ?3),"
	    "     json_object('by', ?5, 'request', CASE WHEN ?6 > 0 THEN ?6 END)))))"
	    " FROM (SELECT CASE WHEN json_valid(detail) AND json_type(detail) = 'object'"
	    "   THEN detail ELSE '{}' END AS d FROM requests WHERE id = ?1)"
	    " WHERE id = ?1",
	    /* detail is written by the responder, always an object or NULL. */
	    "UPDATE requests SET detail = jsonb_set(d, '{admin}',"
	    " CASE WHEN jsonb_typeof(d->'admin') = 'array' THEN d->'admin' ELSE '[]' END"
	    " || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object('action', ?4::text,"
	    "   'at', ?2::bigint, 'rows', ?3::bigint, 'by', ?5::text,"
	    "   'request', CASE WHEN ?6::bigint > 0 THEN ?6::bigint END))))::text"
	    " FROM (SELECT coalesce(detail, '{}')::jsonb AS d FROM requests WHERE id = ?1) x"
	    " WHERE id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, request_id);
	store_bind_int64(s, 2, now);
	store_bind_int64(s, 3, rows);
	store_bind_text(s, 4, action);
	store_bind_text(s, 5, by);
	store_bind_int64(s, 6, ref);
	if (store_step(s) != STORE_DONE) {
		store_reset(s);
		return store_fail_db(st, "noting an admin action");
	}
	store_reset(s);
	return STORE_OK;
}

int
admin_resend(struct store *st, int64_t request_id, int64_t now, int64_t *n_r)
{
	return admin_resend_as(st, request_id, now, NULL, 0, n_r);
}

int
admin_resend_as(struct store *st, int64_t request_id, int64_t now, const char *by, int flags,
		int64_t *n_r)
{
	struct store_stmt *s;
	int64_t n;
	int rc;

	*n_r = 0;
	if ((rc = store_begin(st)) < 0)
		return rc;
	s = store_stmt(st, "SELECT 1 FROM requests WHERE id = ?1");
	if (s == NULL)
		goto fail_db;
	store_bind_int64(s, 1, request_id);
	rc = store_step(s);
	store_reset(s);
	if (rc == STORE_DONE) {
		store_rollback(st);
		return store_fail(st, STORE_ENOTFOUND, "no request with id %lld",
				  (long long)request_id);
	}
	if (rc != STORE_ROW)
		goto fail_db;
	s = store_stmt(st, "UPDATE outbox SET state = 'queued', tries = 0,"
			   " next_try_at = ?2 WHERE request_id = ?1 AND state = 'failed'");
	if (s == NULL)
		goto fail_db;
	store_bind_int64(s, 1, request_id);
	store_bind_int64(s, 2, now);
	if (store_step(s) != STORE_DONE)
		goto fail_db;
	n = store_changes(st);
	store_reset(s);
	if (n == 0 && (flags & ADMIN_RESEND_SENT)) {
		/* Nothing failed: the latest sent reply goes out once more, as
		 * a new row (the sent one keeps its server answer). */
		int64_t from = 0;

		s = store_stmt(st, "SELECT id FROM outbox WHERE request_id = ?1 AND state = 'sent'"
				   " ORDER BY sent_at DESC, id DESC LIMIT 1");
		if (s == NULL)
			goto fail_db;
		store_bind_int64(s, 1, request_id);
		rc = store_step_int64(st, s, &from, "resending");
		if (rc < 0 && rc != STORE_ENOTFOUND)
			goto fail;
		if (rc == STORE_OK) {
			s = store_stmt_for(
			    st,
			    "INSERT INTO outbox(request_id, created_at, envelope_from, rcpt, state,"
			    " tries, next_try_at) SELECT request_id, ?2, envelope_from, rcpt,"
			    " 'queued', 0, ?2 FROM outbox WHERE id = ?1",
			    "INSERT INTO outbox(request_id, created_at, envelope_from, rcpt, state,"
			    " tries, next_try_at) SELECT request_id, ?2::bigint, envelope_from, rcpt,"
			    " 'queued', 0, ?2::bigint FROM outbox WHERE id = ?1");
			if (s == NULL)
				goto fail_db;
			store_bind_int64(s, 1, from);
			store_bind_int64(s, 2, now);
			if (store_step(s) != STORE_DONE)
				goto fail_db;
			n = store_changes(st);
			store_reset(s);
			if ((rc = store_outbox_message_copy(st, from, store_last_id(st))) < 0)
				goto fail;
		}
	}
	if (n == 0) {
		store_rollback(st);
		return store_fail(st, STORE_EINVAL, "request %lld has no %s reply to resend",
				  (long long)request_id,
				  flags & ADMIN_RESEND_SENT ? "failed or sent" : "failed");
	}
	if ((rc = note_action(st, request_id, "resend", now, n, by, 0)) < 0)
		goto fail;
	if ((rc = store_commit(st)) < 0)
		goto fail;
	*n_r = n;
	return STORE_OK;
fail_db:
	rc = store_fail_db(st, "resending");
fail:
	store_rollback(st);
	return rc;
}

int
admin_note(struct store *st, int64_t request_id, const char *action, const char *by, int64_t now,
	   int64_t ref)
{
	return note_action(st, request_id, action, now, 0, by, ref);
}

/* ---- retention ---------------------------------------------------------- */

/* One DELETE of at most `batch` rows; autocommit makes it its own short
 * transaction.  *n_r gets the rows deleted (cascades not counted). */
static int
purge_one(struct store *st, const char *sql, int64_t cutoff, int batch, int64_t *n_r)
{
	struct store_stmt *s = store_stmt(st, sql);
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, cutoff);
	store_bind_int64(s, 2, batch);
	rc = store_step(s);
	*n_r = store_changes(st);
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "purging");
}

/* PostgreSQL: drops the monthly partitions wholly before `cutoff`
 * (responder_drop_partitions() in store/pg/pg_schema.c), adding what they
 * held to the counts. */
static int
drop_months(struct store *st, int64_t cutoff, struct admin_purge_counts *c)
{
	struct store_stmt *s = store_stmt(st, "SELECT attempts, messages"
					      " FROM responder_drop_partitions(?1)");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, cutoff);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		c->attempts += store_col_int64(s, 0);
		c->messages += store_col_int64(s, 1);
	}
	store_reset(s);
	return rc == STORE_ROW ? STORE_OK : store_fail_db(st, "dropping old months");
}

static int
purge_releases(struct store *st, int batch)
{
	struct store_stmt *s = store_stmt(
	    st, "DELETE FROM kv WHERE key IN (SELECT k.key FROM kv k WHERE k.key LIKE 'release:%'"
		" AND NOT EXISTS (SELECT 1 FROM requests r"
		"  WHERE r.id = CAST(substr(k.key, 9) AS BIGINT)) LIMIT ?1)");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, batch);
	return store_step_done(st, s, "purging release marks");
}

int
admin_purge_step(struct store *st, int64_t cutoff, int batch, struct admin_purge_counts *c)
{
	int64_t a, m, r, k;
	int rc;

	if (batch < 1)
		batch = 500;
	/* PostgreSQL: whole months first, then row by row what is left. */
	if (store_is_pg(st) && (rc = drop_months(st, cutoff, c)) < 0)
		return rc;
	if ((rc = purge_one(st,
			    "DELETE FROM attempts WHERE id IN"
			    " (SELECT id FROM attempts WHERE at < ?1 LIMIT ?2)",
			    cutoff, batch, &a)) < 0)
		return rc;
	/* A message goes once no attempt is left; its recipients follow by
	 * cascade and the FTS row by trigger.  Messages with no known
	 * submission time are kept (an import may still bring attempts). */
	if ((rc = purge_one(
		 st,
		 "DELETE FROM messages WHERE id IN"
		 " (SELECT m.id FROM messages m WHERE m.submitted_at > 0 AND m.submitted_at < ?1"
		 "  AND NOT EXISTS (SELECT 1 FROM recipients rc JOIN attempts at"
		 "   ON at.recipient_id = rc.id WHERE rc.message_id = m.id) LIMIT ?2)",
		 cutoff, batch, &m)) < 0)
		return rc;
	/* PostgreSQL has no foreign key between the partitioned tables, so no
	 * cascade: the recipients of purged messages go here. */
	if (store_is_pg(st) &&
	    (rc = purge_one(st,
			    "DELETE FROM recipients WHERE id IN (SELECT rc.id FROM recipients rc"
			    " WHERE rc.submitted_at > 0 AND rc.submitted_at < ?1 AND NOT EXISTS"
			    "  (SELECT 1 FROM messages m WHERE m.id = rc.message_id) LIMIT ?2)",
			    cutoff, batch, &r)) < 0)
		return rc;
	if ((rc = purge_one(
		 st,
		 "DELETE FROM requests WHERE id IN"
		 " (SELECT r.id FROM requests r WHERE r.received_at < ?1 AND NOT EXISTS"
		 "  (SELECT 1 FROM outbox o WHERE o.request_id = r.id AND o.state = 'queued')"
		 "  LIMIT ?2)",
		 cutoff, batch, &r)) < 0)
		return rc;
	/* The kept bytes of complaints go with their request rows. */
	if ((rc = purge_one(
		 st,
		 "DELETE FROM complaints WHERE complaint_key IN"
		 " (SELECT c.complaint_key FROM complaints c WHERE c.received_at < ?1 AND NOT EXISTS"
		 "  (SELECT 1 FROM requests r WHERE r.complaint_key = c.complaint_key) LIMIT ?2)",
		 cutoff, batch, &k)) < 0)
		return rc;
	/* Release marks of purged requests: a reused id (SQLite may hand out
	 * the id of a deleted last row again) must not start released. */
	if ((rc = purge_releases(st, batch)) < 0)
		return rc;
	c->attempts += a;
	c->messages += m;
	c->requests += r;
	c->complaints += k;
	return a == batch || m == batch || r == batch || k == batch;
}

/* ---- direct writes ------------------------------------------------------ */

int
admin_put_request(struct store *st, const struct admin_request_in *in, int64_t *id_r)
{
	struct store_stmt *s;

	if (in->complaint_key == NULL || in->outcome == NULL || in->why == NULL)
		return store_fail(st, STORE_EINVAL, "a request needs a key, an outcome and why");
	s = store_stmt(st,
		       "INSERT INTO requests(complaint_key,"
		       " complaint_message_id, source, received_at, decided_at, requester,"
		       " account_id, account, outcome, why, subject, matched_queue_id, extracted,"
		       " matches, detail, requeue_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
		       " (SELECT id FROM accounts WHERE name = ?7), ?7, ?8, ?9, ?10, ?11, ?12,"
		       " ?13, ?14, NULLIF(?15, 0))");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, in->complaint_key);
	store_bind_text(s, 2, in->complaint_message_id);
	store_bind_text(s, 3, in->source);
	store_bind_int64(s, 4, in->received_at);
	store_bind_int64(s, 5, in->decided_at ? in->decided_at : in->received_at);
	store_bind_text(s, 6, in->requester);
	store_bind_text(s, 7, in->account);
	store_bind_text(s, 8, in->outcome);
	store_bind_text(s, 9, in->why);
	store_bind_text(s, 10, in->subject);
	store_bind_text(s, 11, in->matched_queue_id);
	store_bind_text(s, 12, in->extracted);
	store_bind_text(s, 13, in->matches);
	store_bind_text(s, 14, in->detail);
	store_bind_int64(s, 15, in->requeue_of);
	if (store_step(s) != STORE_DONE) {
		int rc = store_fail_db(st, "adding a request");
		store_reset(s);
		return rc;
	}
	store_reset(s);
	if (id_r != NULL)
		*id_r = store_last_id(st);
	return STORE_ADDED;
}

int
admin_put_outbox(struct store *st, const struct admin_outbox_in *in, int64_t *id_r)
{
	const char *msg = in->message ? in->message : "";
	int own_tx = !st->in_tx, rc;
	struct store_stmt *s;
	int64_t id;

	if (own_tx && (rc = store_begin(st)) < 0)
		return rc;
	s = store_stmt(st, "INSERT INTO outbox(request_id, created_at,"
			   " envelope_from, rcpt, state, tries, next_try_at, last_error,"
			   " smtp_reply, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8,"
			   " NULLIF(?9, 0))");
	if (s == NULL) {
		rc = STORE_EDB;
		goto fail;
	}
	store_bind_int64(s, 1, in->request_id);
	store_bind_int64(s, 2, in->created_at);
	store_bind_text(s, 3, in->envelope_from ? in->envelope_from : "");
	store_bind_text(s, 4, in->rcpt ? in->rcpt : "");
	store_bind_text(s, 5, in->state ? in->state : "queued");
	store_bind_int64(s, 6, in->tries);
	store_bind_text(s, 7, in->last_error);
	store_bind_text(s, 8, in->smtp_reply);
	store_bind_int64(s, 9, in->sent_at);
	if (store_step(s) != STORE_DONE) {
		rc = store_fail_db(st, "adding an outbox row");
		store_reset(s);
		goto fail;
	}
	store_reset(s);
	id = store_last_id(st);
	if ((rc = store_outbox_message_put(st, id, msg, strlen(msg))) < 0 ||
	    (own_tx && (rc = store_commit(st)) < 0))
		goto fail;
	if (id_r != NULL)
		*id_r = id;
	return STORE_ADDED;
fail:
	if (own_tx)
		store_rollback(st);
	return rc;
}

/* ---- quarantine release ------------------------------------------------- */

/* The kv row that marks request `id` released: "pending" until the daemon
 * has taken the message out of the quarantine folder, then "moved". */
static void
release_key(char *buf, size_t len, int64_t id)
{
	snprintf(buf, len, "release:%lld", (long long)id);
}

int
admin_release_state(struct store *st, int64_t request_id, char *state, size_t len)
{
	struct store_stmt *s = store_stmt(st, "SELECT value FROM kv WHERE key = ?1");
	char key[48];
	int rc;

	if (len > 0)
		state[0] = '\0';
	if (s == NULL)
		return STORE_EDB;
	release_key(key, sizeof(key), request_id);
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		const char *v = store_col_text(s, 0);
		snprintf(state, len, "%s", v ? v : "");
	}
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "reading a release");
}

int
admin_release(struct store *st, int64_t request_id, int64_t now, const char *by)
{
	struct store_stmt *s;
	char key[48], state[16], *outcome = NULL, *why = NULL, *source = NULL;
	int64_t latest = 0;
	int rc, quarantined;

	if ((rc = store_begin(st)) < 0)
		return rc;
	s = store_stmt(st, "SELECT outcome, why, source, (SELECT max(r2.id) FROM requests r2"
			   " WHERE r2.complaint_key = r.complaint_key)"
			   " FROM requests r WHERE r.id = ?1");
	if (s == NULL)
		goto fail_db;
	store_bind_int64(s, 1, request_id);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		outcome = store_col_dup(s, 0);
		why = store_col_dup(s, 1);
		source = store_col_dup(s, 2);
		latest = store_col_int64(s, 3);
	}
	store_reset(s);
	if (rc == STORE_DONE) {
		rc = store_fail(st, STORE_ENOTFOUND, "no request with id %lld",
				(long long)request_id);
		goto fail;
	}
	if (rc != STORE_ROW)
		goto fail_db;
	/* What the daemon moved to the quarantine folder with a complaint key
	 * of its bytes (daemon_pass.c): the parser failed or refused it, or
	 * the daemon died on it again and again.  "too large" is keyed by its
	 * source: it would only come back as too large. */
	quarantined = outcome && strcmp(outcome, "error") == 0 && source &&
		      strncmp(source, "imap:", 5) == 0 && why &&
		      (strncmp(why, "could not parse", 15) == 0 ||
		       strncmp(why, "refused before parsing", 22) == 0 ||
		       strncmp(why, "quarantined:", 12) == 0);
	if (!quarantined) {
		rc = store_fail(st, STORE_EINVAL,
				"request %lld is not a quarantined complaint (only one the "
				"parser failed on or refused, or a crash loop, can be released)",
				(long long)request_id);
		goto fail;
	}
	if (latest != request_id) {
		rc = store_fail(st, STORE_EINVAL,
				"request %lld was handled again since (request %lld): release "
				"that one if it is quarantined",
				(long long)request_id, (long long)latest);
		goto fail;
	}
	rc = admin_release_state(st, request_id, state, sizeof(state));
	if (rc == STORE_OK) {
		rc = store_fail(st, STORE_EINVAL, "request %lld is already released (%s)",
				(long long)request_id, state);
		goto fail;
	}
	if (rc != STORE_ENOTFOUND)
		goto fail;
	s = store_stmt(st, "INSERT INTO kv(key, value) VALUES (?1, 'pending')");
	if (s == NULL)
		goto fail_db;
	release_key(key, sizeof(key), request_id);
	store_bind_text(s, 1, key);
	rc = store_step(s);
	store_reset(s);
	if (rc != STORE_DONE)
		goto fail_db;
	if ((rc = note_action(st, request_id, "release", now, 0, by, 0)) < 0)
		goto fail;
	if ((rc = store_commit(st)) < 0)
		goto fail;
	free(outcome);
	free(why);
	free(source);
	return STORE_OK;
fail_db:
	rc = store_fail_db(st, "releasing");
fail:
	store_rollback(st);
	free(outcome);
	free(why);
	free(source);
	return rc;
}

int
admin_releases_pending(struct store *st, struct admin_release **v_r, size_t *n_r)
{
	struct admin_release *v = NULL;
	size_t n = 0, cap = 0;
	struct store_stmt *s;
	int rc;

	*v_r = NULL;
	*n_r = 0;
	s = store_stmt(st, "SELECT r.id, r.complaint_key FROM kv JOIN requests r"
			   " ON kv.key = 'release:' || r.id WHERE kv.key LIKE 'release:%'"
			   " AND kv.value = 'pending' ORDER BY r.id");
	if (s == NULL)
		return STORE_EDB;
	while ((rc = store_step(s)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].request_id = store_col_int64(s, 0);
		v[n].complaint_key = store_col_dup(s, 1);
		n++;
	}
	store_reset(s);
	if (rc != STORE_DONE) {
		admin_releases_free(v, n);
		return store_fail_db(st, "listing releases");
	}
	*v_r = v;
	*n_r = n;
	return STORE_OK;
}

void
admin_releases_free(struct admin_release *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].complaint_key);
	free(v);
}

int
admin_release_moved(struct store *st, int64_t request_id)
{
	struct store_stmt *s = store_stmt(st, "UPDATE kv SET value = 'moved' WHERE key = ?1");
	char key[48];

	if (s == NULL)
		return STORE_EDB;
	release_key(key, sizeof(key), request_id);
	store_bind_text(s, 1, key);
	return store_step_done(st, s, "marking a release moved");
}
