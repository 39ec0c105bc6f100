/*
 * requests.c - the request log and the outbox rows written with it.
 *
 * Every value is bound, never pasted into SQL.  The request row and its
 * outbox row share one transaction: a reply is durable exactly when the
 * decision that produced it is.
 */
#include "store/requests.h"
#include "common/xalloc.h"
#include "store/store_int.h"

#include <stdint.h>
#include <string.h>

static int
insert_request(struct store *st, const struct request_in *r, int64_t *id_r)
{
	struct store_stmt *s = store_stmt(
	    st, "INSERT INTO requests (complaint_key, complaint_message_id, source, received_at,"
		" decided_at, requester, account_id, account, outcome, why, subject,"
		" matched_queue_id, extracted, matches, detail, requeue_of, reply_message_id,"
		" language, thread_id, follow_up_of, node)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, NULLIF(?21, ''))");

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, r->complaint_key);
	store_bind_text(s, 2, r->complaint_message_id);
	store_bind_text(s, 3, r->source);
	store_bind_int64(s, 4, r->received_at);
	store_bind_int64(s, 5, r->decided_at);
	store_bind_text(s, 6, r->requester);
	if (r->account_id > 0)
		store_bind_int64(s, 7, r->account_id);
	else
		store_bind_null(s, 7);
	store_bind_text(s, 8, r->account);
	store_bind_text(s, 9, r->outcome);
	store_bind_text(s, 10, r->why);
	store_bind_text(s, 11, r->subject);
	store_bind_text(s, 12, r->matched_queue_id);
	store_bind_text(s, 13, r->extracted);
	store_bind_text(s, 14, r->matches);
	store_bind_text(s, 15, r->detail);
	if (r->requeue_of > 0)
		store_bind_int64(s, 16, r->requeue_of);
	else
		store_bind_null(s, 16);
	store_bind_text(s, 17, r->reply_message_id);
	store_bind_text(s, 18, r->language);
	if (r->thread_id > 0)
		store_bind_int64(s, 19, r->thread_id);
	else
		store_bind_null(s, 19);
	if (r->follow_up_of > 0)
		store_bind_int64(s, 20, r->follow_up_of);
	else
		store_bind_null(s, 20);
	store_bind_text(s, 21, st->node);
	if (store_step(s) != STORE_DONE)
		return store_fail_db(st, "recording the request");
	*id_r = store_last_id(st);
	if (r->thread_id > 0)
		return STORE_OK;
	/* A first request is its own thread. */
	s = store_stmt(st, "UPDATE requests SET thread_id = id WHERE id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, *id_r);
	if (store_step(s) != STORE_DONE)
		return store_fail_db(st, "recording the request's thread");
	return STORE_OK;
}

static int
insert_outbox(struct store *st, int64_t request_id, const struct outbox_in *o, int64_t *id_r)
{
	struct store_stmt *s =
	    store_stmt(st, "INSERT INTO outbox (request_id, created_at, envelope_from, rcpt,"
			   " state, next_try_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5)");

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, request_id);
	store_bind_int64(s, 2, o->created_at);
	store_bind_text(s, 3, o->envelope_from ? o->envelope_from : "");
	store_bind_text(s, 4, o->rcpt);
	store_bind_int64(s, 5, o->next_try_at);
	if (store_step(s) != STORE_DONE)
		return store_fail_db(st, "queueing the reply");
	*id_r = store_last_id(st);
	return store_outbox_message_put(st, *id_r, o->message, o->len);
}

/* The complaint's bytes, once per key (a requeue does not store them again). */
static int
insert_raw(struct store *st, const struct request_in *r)
{
	struct store_stmt *s =
	    store_stmt(st, "INSERT INTO complaints(complaint_key, received_at, raw)"
			   " VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, r->complaint_key);
	store_bind_int64(s, 2, r->received_at);
	store_bind_blob(s, 3, r->raw, r->raw_len);
	rc = store_step(s);
	store_reset(s);
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "keeping the complaint");
}

int
store_record_request(struct store *st, const struct request_in *r, const struct outbox_in *o,
		     int64_t *request_id_r, int64_t *outbox_id_r)
{
	int64_t rid = 0, oid = 0;
	int own_tx = !st->in_tx, rc;

	if (!r->complaint_key || !r->outcome || !r->why)
		return store_fail(st, STORE_EINVAL, "request without key, outcome or why");
	if (o && (!o->rcpt || !o->message))
		return store_fail(st, STORE_EINVAL, "reply without recipient or message");
	if (own_tx && (rc = store_begin(st)) < 0)
		return rc;
	rc = store_claim_fence(st, r->complaint_key, r->decided_at);
	if (rc == STORE_OK)
		rc = insert_request(st, r, &rid);
	if (rc == STORE_OK && r->raw)
		rc = insert_raw(st, r);
	if (rc == STORE_OK && o)
		rc = insert_outbox(st, rid, o, &oid);
	if (rc != STORE_OK) {
		if (own_tx)
			store_rollback(st);
		return rc;
	}
	if (own_tx && (rc = store_commit(st)) < 0) {
		store_rollback(st);
		return rc;
	}
	if (request_id_r)
		*request_id_r = rid;
	if (outbox_id_r)
		*outbox_id_r = oid;
	return STORE_ADDED;
}

int
store_request_key(struct store *st, int64_t id, char **key_r)
{
	struct store_stmt *s = store_stmt(st, "SELECT complaint_key FROM requests WHERE id = ?1");
	int rc;

	*key_r = NULL;
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	rc = store_step(s);
	if (rc == STORE_ROW)
		*key_r = store_col_dup(s, 0);
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "reading a request");
}

int
store_complaint_raw(struct store *st, const char *key, char **raw_r, size_t *len_r)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT raw FROM complaints WHERE complaint_key = ?1");
	int rc;

	*raw_r = NULL;
	*len_r = 0;
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		size_t n = (size_t)store_col_bytes(s, 0);
		*raw_r = xmalloc(n + 1);
		if (n)
			memcpy(*raw_r, store_col_blob(s, 0), n);
		(*raw_r)[n] = '\0';
		*len_r = n;
	}
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "reading a complaint");
}

int
store_request_answered(struct store *st, const char *key, const char *mid, int64_t *id_r)
{
	struct store_stmt *s;
	int rc;

	if (key) {
		s = store_stmt(st,
			       "SELECT r.id FROM requests r JOIN outbox o ON o.request_id = r.id"
			       " WHERE r.complaint_key = ?1 ORDER BY r.id DESC LIMIT 1");
		if (s == NULL)
			return STORE_EDB;
		store_bind_text(s, 1, key);
		rc = store_step_int64(st, s, id_r, "finding an answered request");
		if (rc != STORE_ENOTFOUND)
			return rc;
	}
	if (!mid)
		return STORE_ENOTFOUND;
	s = store_stmt(st, "SELECT r.id FROM requests r JOIN outbox o ON o.request_id = r.id"
			   " WHERE r.complaint_message_id = ?1 ORDER BY r.id DESC LIMIT 1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, mid);
	return store_step_int64(st, s, id_r, "finding an answered request");
}

int
store_request_by_key(struct store *st, const char *key, int64_t *id_r)
{
	struct store_stmt *s = store_stmt(
	    st, "SELECT id FROM (SELECT id FROM requests WHERE complaint_key = ?1"
		" ORDER BY id DESC LIMIT 1) t"
		" WHERE NOT EXISTS (SELECT 1 FROM kv WHERE kv.key = 'release:' || t.id)");

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	return store_step_int64(st, s, id_r, "finding a request");
}

int
store_count_replies_since(struct store *st, const char *mailbox_key, int64_t account_id,
			  int64_t since, int64_t cap, int64_t *n_r)
{
	struct store_stmt *s;
	int i = 1;

	if (mailbox_key != NULL)
		s = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM outbox_rate"
				   " WHERE requester_key = ?1 AND created_at >= ?2 LIMIT ?3) t");
	else if (account_id > 0)
		s = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM outbox_rate"
				   " WHERE account_id = ?1 AND created_at >= ?2 LIMIT ?3) t");
	else
		s = store_stmt(st, "SELECT count(*) FROM (SELECT 1 FROM outbox_rate"
				   " WHERE created_at >= ?1 LIMIT ?2) t");
	if (s == NULL)
		return STORE_EDB;
	if (mailbox_key != NULL)
		store_bind_text(s, i++, mailbox_key);
	else if (account_id > 0)
		store_bind_int64(s, i++, account_id);
	store_bind_int64(s, i++, since);
	store_bind_int64(s, i, cap > 0 ? cap : INT64_MAX);
	return store_step_int64(st, s, n_r, "counting replies");
}

int
store_request_by_reply_id(struct store *st, const char *mid, struct request_ref *r)
{
	struct store_stmt *s = store_stmt(
	    st, "SELECT id, coalesce(thread_id, id), decided_at, account_id, requester, outcome,"
		" language, complaint_key, matched_queue_id, extracted, matches"
		" FROM requests WHERE reply_message_id = ?1 ORDER BY id DESC LIMIT 1");
	int rc;

	memset(r, 0, sizeof(*r));
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, mid);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		r->id = store_col_int64(s, 0);
		r->thread_id = store_col_int64(s, 1);
		r->decided_at = store_col_int64(s, 2);
		r->account_id = store_col_int64(s, 3);
		r->requester = store_col_dup(s, 4);
		r->outcome = store_col_dup(s, 5);
		r->language = store_col_dup(s, 6);
		r->complaint_key = store_col_dup(s, 7);
		r->matched_queue_id = store_col_dup(s, 8);
		r->extracted = store_col_dup(s, 9);
		r->matches = store_col_dup(s, 10);
	}
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "finding a reply");
}

void
request_ref_free(struct request_ref *r)
{
	if (!r)
		return;
	free(r->requester);
	free(r->outcome);
	free(r->language);
	free(r->complaint_key);
	free(r->matched_queue_id);
	free(r->extracted);
	free(r->matches);
	memset(r, 0, sizeof(*r));
}

int
store_account_language(struct store *st, int64_t account_id, char **lang_r)
{
	struct store_stmt *s = store_stmt(st, "SELECT language FROM accounts WHERE id = ?1");
	int rc;

	*lang_r = NULL;
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, account_id);
	rc = store_step(s);
	if (rc == STORE_ROW)
		*lang_r = store_col_dup(s, 0);
	store_reset(s);
	if (rc == STORE_ROW)
		return STORE_OK;
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "reading an account");
}

int
store_set_account_language(struct store *st, const char *account, const char *lang)
{
	struct store_stmt *s = store_stmt(st, "UPDATE accounts SET language = ?2 WHERE name = ?1");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, account);
	store_bind_text(s, 2, lang);
	rc = store_step(s);
	store_reset(s);
	if (rc != STORE_DONE)
		return store_fail_db(st, "setting an account's language");
	return store_changes(st) > 0 ? STORE_OK : STORE_ENOTFOUND;
}
