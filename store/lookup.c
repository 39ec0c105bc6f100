/*
 * lookup.c - finding messages by Message-ID, queue ID, recipient and
 * subject, and loading them with their recipients and attempts.
 *
 * Each finder first selects message row ids through an index, newest first,
 * then loads those messages whole.  An account id of 0 means any account
 * (admin tools only); the responder always passes the requester's account.
 */
#include "store/store_int.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/subject.h"
#include "common/xalloc.h"

#include <string.h>

#define DEFAULT_LIMIT 100

static int
load_attempts(struct store *st, int64_t rid, int flags, struct store_recipient *r)
{
	struct store_stmt *s = store_stmt(
	    st, "SELECT at, status, mx_host, mx_ip, smtp_code, enhanced_status, response,"
		" CASE WHEN ?2 <> 0 THEN transcript END, transcript_kind"
		" FROM attempts WHERE recipient_id = ?1 ORDER BY at, id");
	size_t cap = 0;
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, rid);
	store_bind_int64(s, 2, (flags & STORE_WITH_TRANSCRIPTS) != 0);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct store_attempt *a;

		if (r->n_attempts == cap) {
			cap = cap ? cap * 2 : 4;
			r->attempts = xreallocarray(r->attempts, cap, sizeof(*r->attempts));
		}
		a = &r->attempts[r->n_attempts++];
		memset(a, 0, sizeof(*a));
		a->at = store_col_int64(s, 0);
		a->status = store_col_dup(s, 1);
		a->mx_host = store_col_dup(s, 2);
		a->mx_ip = store_col_dup(s, 3);
		a->smtp_code = store_col_int(s, 4);
		a->enhanced_status = store_col_dup(s, 5);
		a->response = store_col_dup(s, 6);
		a->transcript = store_col_dup(s, 7);
		a->transcript_kind = store_col_dup(s, 8);
	}
	return rc == STORE_DONE ? STORE_OK : store_fail_db(st, "loading attempts");
}

static int
load_recipients(struct store *st, struct store_message *m, int flags)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT id, address, status, last_attempt_at FROM recipients"
			   " WHERE message_id = ?1 ORDER BY id");
	int64_t *ids = NULL;
	size_t cap = 0;
	int rc, r = STORE_OK;

	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, m->id);
	while ((rc = store_step(s)) == STORE_ROW) {
		struct store_recipient *rc_;

		if (m->n_rcpts == cap) {
			cap = cap ? cap * 2 : 4;
			m->rcpts = xreallocarray(m->rcpts, cap, sizeof(*m->rcpts));
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[m->n_rcpts] = store_col_int64(s, 0);
		rc_ = &m->rcpts[m->n_rcpts++];
		memset(rc_, 0, sizeof(*rc_));
		rc_->address = store_col_dup(s, 1);
		rc_->status = store_col_dup(s, 2);
		rc_->last_attempt_at = store_col_int64(s, 3);
	}
	if (rc != STORE_DONE)
		r = store_fail_db(st, "loading recipients");
	/* The recipient statement is finished before the attempts one runs. */
	for (size_t i = 0; r == STORE_OK && i < m->n_rcpts; i++)
		if (flags & (STORE_WITH_ATTEMPTS | STORE_WITH_TRANSCRIPTS))
			r = load_attempts(st, ids[i], flags, &m->rcpts[i]);
	free(ids);
	return r;
}

static int
load_message(struct store *st, int64_t id, int flags, struct store_message *m)
{
	struct store_stmt *s = store_stmt(
	    st, "SELECT m.id, m.account_id, a.name, m.queue_id, m.message_id, m.sender,"
		" m.subject, m.submitted_at FROM messages m JOIN accounts a ON a.id = m.account_id"
		" WHERE m.id = ?1");
	int rc;

	memset(m, 0, sizeof(*m));
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, id);
	rc = store_step(s);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "loading message");
	m->id = store_col_int64(s, 0);
	m->account_id = store_col_int64(s, 1);
	m->account = store_col_dup(s, 2);
	m->queue_id = store_col_dup(s, 3);
	m->message_id = store_col_dup(s, 4);
	m->from = store_col_dup(s, 5);
	m->subject = store_col_dup(s, 6);
	m->submitted_at = store_col_int64(s, 7);
	store_reset(s);
	return load_recipients(st, m, flags);
}

/* Steps `s` (already bound), collecting message ids in column 0, then
 * loads each message into `out`. */
static int
collect(struct store *st, struct store_stmt *s, int flags, struct store_message_list *out)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc, r = STORE_OK;

	out->v = NULL;
	out->n = 0;
	while ((rc = store_step(s)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = xreallocarray(ids, cap, sizeof(*ids));
		}
		ids[n++] = store_col_int64(s, 0);
	}
	store_reset(s);
	if (rc != STORE_DONE) {
		free(ids);
		return store_fail_db(st, "searching messages");
	}
	if (n > 0)
		out->v = xcalloc(n, sizeof(*out->v));
	for (size_t i = 0; i < n && r == STORE_OK; i++) {
		r = load_message(st, ids[i], flags, &out->v[out->n]);
		if (r == STORE_ENOTFOUND) { /* deleted meanwhile (purge) */
			r = STORE_OK;
			continue;
		}
		out->n++; /* also on error, so the partial one is freed */
	}
	free(ids);
	if (r != STORE_OK)
		store_message_list_free(out);
	return r;
}

int
store_find_by_message_id(struct store *st, const char *message_id, int64_t account_id, int flags,
			 size_t limit, struct store_message_list *out)
{
	char *mid = store_message_id_canonical(message_id);
	struct store_stmt *s;
	int r;

	out->v = NULL;
	out->n = 0;
	if (mid == NULL)
		return STORE_OK;
	s = store_stmt(
	    st, "SELECT id FROM messages WHERE message_id = ?1 AND (?2 = 0 OR account_id = ?2)"
		" ORDER BY submitted_at DESC, id DESC LIMIT ?3");
	if (s == NULL) {
		free(mid);
		return STORE_EDB;
	}
	store_bind_text(s, 1, mid);
	store_bind_int64(s, 2, account_id);
	store_bind_int64(s, 3, (int64_t)(limit ? limit : DEFAULT_LIMIT));
	r = collect(st, s, flags, out);
	free(mid);
	return r;
}

int
store_find_by_queue_id(struct store *st, const char *queue_id, int64_t account_id, int flags,
		       struct store_message_list *out)
{
	struct store_stmt *s = store_stmt(
	    st, "SELECT id FROM messages WHERE queue_id = ?1 AND (?2 = 0 OR account_id = ?2)");

	out->v = NULL;
	out->n = 0;
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, queue_id);
	store_bind_int64(s, 2, account_id);
	return collect(st, s, flags, out);
}

int
store_find_by_recipient(struct store *st, const char *recipient, int64_t account_id, int64_t since,
			int64_t until, int flags, size_t limit, struct store_message_list *out)
{
	char *a = addr_normalize(recipient);
	struct store_stmt *s;
	int r;

	out->v = NULL;
	out->n = 0;
	if (a == NULL)
		return STORE_OK;
	/* Two forms so that the index (address, account_id, submitted_at) is
	 * used as a range in both. */
	s = store_stmt(st, "SELECT message_id FROM recipients WHERE address = ?1"
			   " AND (?2 = 0 OR account_id = ?2)"
			   " AND submitted_at >= ?3 AND (?4 = 0 OR submitted_at <= ?4)"
			   " ORDER BY submitted_at DESC, message_id DESC LIMIT ?5");
	if (s == NULL) {
		free(a);
		return STORE_EDB;
	}
	store_bind_text(s, 1, a);
	store_bind_int64(s, 2, account_id);
	store_bind_int64(s, 3, since);
	store_bind_int64(s, 4, until);
	store_bind_int64(s, 5, (int64_t)(limit ? limit : DEFAULT_LIMIT));
	r = collect(st, s, flags, out);
	free(a);
	return r;
}

int
store_find_by_subject(struct store *st, const char *subject, int64_t account_id, int64_t since,
		      int64_t until, int flags, size_t limit, struct store_message_list *out)
{
	char *norm = subject_normalize(subject);
	struct buf q;
	struct store_stmt *s;
	int r;

	out->v = NULL;
	out->n = 0;
	/* SQLite: each word becomes a quoted FTS5 string, so nothing in the
	 * subject is read as query syntax; words are ANDed.  PostgreSQL:
	 * plainto_tsquery() reads no syntax and ANDs the words itself. */
	buf_init(&q, 4096);
	for (char *w = norm, *sp; w && *w; w = sp ? sp + 1 : NULL) {
		sp = strchr(w, ' ');
		if (sp)
			*sp = '\0';
		if (buf_printf(&q, store_is_pg(st) ? "%s%s" : "%s\"%s\"", q.len ? " " : "", w) < 0)
			break;
	}
	free(norm);
	if (q.len == 0) {
		buf_free(&q);
		return STORE_OK;
	}
	s = store_stmt_for(st,
			   "SELECT m.id FROM messages_fts f JOIN messages m ON m.id = f.rowid"
			   " WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.account_id = ?2)"
			   " AND m.submitted_at >= ?3 AND (?4 = 0 OR m.submitted_at <= ?4)"
			   " ORDER BY m.submitted_at DESC, m.id DESC LIMIT ?5",
			   "SELECT m.id FROM messages m"
			   " WHERE m.subject_words @@ plainto_tsquery('simple', ?1)"
			   " AND (?2 = 0 OR m.account_id = ?2)"
			   " AND m.submitted_at >= ?3 AND (?4 = 0 OR m.submitted_at <= ?4)"
			   " ORDER BY m.submitted_at DESC, m.id DESC LIMIT ?5");
	if (s == NULL) {
		buf_free(&q);
		return STORE_EDB;
	}
	store_bind_text(s, 1, buf_cstr(&q));
	store_bind_int64(s, 2, account_id);
	store_bind_int64(s, 3, since);
	store_bind_int64(s, 4, until);
	store_bind_int64(s, 5, (int64_t)(limit ? limit : DEFAULT_LIMIT));
	r = collect(st, s, flags, out);
	buf_free(&q);
	return r;
}

static void
attempt_free(struct store_attempt *a)
{
	free(a->status);
	free(a->mx_host);
	free(a->mx_ip);
	free(a->enhanced_status);
	free(a->response);
	free(a->transcript);
	free(a->transcript_kind);
}

void
store_message_list_free(struct store_message_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct store_message *m = &l->v[i];

		for (size_t j = 0; j < m->n_rcpts; j++) {
			for (size_t k = 0; k < m->rcpts[j].n_attempts; k++)
				attempt_free(&m->rcpts[j].attempts[k]);
			free(m->rcpts[j].attempts);
			free(m->rcpts[j].address);
			free(m->rcpts[j].status);
		}
		free(m->rcpts);
		free(m->account);
		free(m->queue_id);
		free(m->message_id);
		free(m->from);
		free(m->subject);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
