/*
 * records.c - writing accounts, messages, recipients and attempts.
 *
 * Every write is idempotent: importing the same records twice changes
 * nothing, and a later, richer record for the same queue ID fills in what
 * an earlier one left empty without overwriting anything.
 */
#include "store/store_int.h"
#include "common/buf.h"
#include "common/strutil.h"
#include "common/subject.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <string.h>

/* store_account_id, answered from a bulk transaction's cache when it can
 * be (bulk_cache.c). */
static int
account_id_cached(struct store *st, const char *name, int64_t *id_r)
{
	int r;

	if (bulk_cache_account(st->bulk_cache, name, id_r))
		return STORE_OK;
	if ((r = store_account_id(st, name, id_r)) == STORE_OK)
		bulk_cache_put_account(st->bulk_cache, name, *id_r);
	return r;
}

static int
account_get_or_create(struct store *st, const char *name, int64_t *id_r, int *added_r)
{
	struct store_stmt *s;
	int rc;

	if (name == NULL || *name == '\0')
		return store_fail(st, STORE_EINVAL, "empty account name");
	if (account_id_cached(st, name, id_r) == STORE_OK)
		return STORE_OK;
	/* Another importer (a follower on another relay node) may be adding
	 * the same account right now: ON CONFLICT waits for it and adds
	 * nothing, and the id is read again. */
	s = store_stmt(st, "INSERT INTO accounts(name) VALUES (?1) ON CONFLICT DO NOTHING");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, name);
	rc = store_step(s);
	if (rc != STORE_DONE)
		return store_fail_db(st, "adding account");
	if (store_changes(st) == 0)
		return account_id_cached(st, name, id_r);
	*id_r = store_last_id(st);
	bulk_cache_put_account(st->bulk_cache, name, *id_r);
	if (added_r)
		(*added_r)++;
	return STORE_OK;
}

int
store_account_id(struct store *st, const char *name, int64_t *id_r)
{
	struct store_stmt *s = store_stmt(st, "SELECT id FROM accounts WHERE name = ?1");

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, name);
	return store_step_int64(st, s, id_r, "finding account");
}

/* An account address is "local@domain" or "@domain". */
static int
account_address_valid(const char *a)
{
	char tmp[300];

	if (a[0] == '@') {
		snprintf(tmp, sizeof(tmp), "x%s", a);
		return strlen(a) < 256 && addr_valid(tmp);
	}
	return addr_valid(a);
}

int
store_put_account(struct store *st, const char *name, const char *const *addresses, size_t n,
		  int *new_account_r, int *new_addresses_r)
{
	int64_t id;
	int r, result = STORE_OK, added = 0, new_account = 0;

	if ((r = account_get_or_create(st, name, &id, &new_account)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		char *a = addr_normalize(addresses[i]);
		struct store_stmt *s;
		int64_t owner;

		if (a == NULL || !account_address_valid(a)) {
			result = store_fail(
			    st, STORE_EINVAL,
			    "invalid account address '%s' (want a@b.example or @b.example)",
			    addresses[i]);
			free(a);
			continue;
		}
		s = store_stmt(st, "SELECT account_id FROM account_addresses WHERE address = ?1");
		if (s == NULL) {
			free(a);
			return STORE_EDB;
		}
		store_bind_text(s, 1, a);
		r = store_step(s);
		owner = r == STORE_ROW ? store_col_int64(s, 0) : 0;
		store_reset(s);
		if (r == STORE_ROW) {
			if (owner != id)
				result =
				    store_fail(st, STORE_EINVAL,
					       "address %s already belongs to another account", a);
			free(a);
			continue;
		}
		if (r != STORE_DONE) {
			free(a);
			return store_fail_db(st, "reading account addresses");
		}
		s = store_stmt(st,
			       "INSERT INTO account_addresses(address, account_id) VALUES (?1, ?2)"
			       " ON CONFLICT DO NOTHING");
		if (s == NULL) {
			free(a);
			return STORE_EDB;
		}
		store_bind_text(s, 1, a);
		store_bind_int64(s, 2, id);
		r = store_step(s);
		free(a);
		if (r != STORE_DONE)
			return store_fail_db(st, "adding account address");
		if (store_changes(st) > 0) /* 0: another importer added it just now */
			added++;
	}
	if (new_account_r)
		*new_account_r = new_account;
	if (new_addresses_r)
		*new_addresses_r = added;
	if (result == STORE_OK && added + new_account > 0)
		result = STORE_ADDED;
	return result;
}

static int
address_owner(struct store *st, const char *key, int64_t *id_r, char **name_r)
{
	struct store_stmt *s = store_stmt(
	    st,
	    "SELECT a.id, a.name FROM account_addresses x JOIN accounts a ON a.id = x.account_id"
	    " WHERE x.address = ?1");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, key);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*id_r = store_col_int64(s, 0);
		if (name_r)
			*name_r = store_col_dup(s, 1);
		store_reset(s);
		return STORE_OK;
	}
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "finding account");
}

int
store_account_of_address(struct store *st, const char *addr, int64_t *id_r, char **name_r)
{
	char *a = addr_normalize(addr), *key;
	const char *dom;
	int r;

	if (a == NULL || !addr_valid(a)) {
		free(a);
		return STORE_ENOTFOUND;
	}
	r = address_owner(st, a, id_r, name_r);
	if (r == STORE_ENOTFOUND && (dom = addr_domain(a)) != NULL) {
		key = xmalloc(strlen(dom) + 2);
		key[0] = '@';
		memcpy(key + 1, dom, strlen(dom) + 1);
		r = address_owner(st, key, id_r, name_r);
		free(key);
	}
	free(a);
	return r;
}

static int
message_id_by_queue_id(struct store *st, const char *qid, int64_t *id_r, int64_t *account_r,
		       int64_t *submitted_r)
{
	struct store_stmt *s =
	    store_stmt(st, "SELECT id, account_id, submitted_at FROM messages WHERE queue_id = ?1");
	int rc;

	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, qid);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*id_r = store_col_int64(s, 0);
		*account_r = store_col_int64(s, 1);
		*submitted_r = store_col_int64(s, 2);
		store_reset(s);
		return STORE_OK;
	}
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "finding message");
}

/* The message of an attempt and, when it has one, its recipient `addr`
 * (normalised): one statement where a lookup of the message and an
 * INSERT OR IGNORE of the recipient took three.  *rid_r is 0 when the
 * message has no such recipient yet.  STORE_OK, STORE_ENOTFOUND (no
 * message) or STORE_EDB. */
static int
attempt_target(struct store *st, const char *qid, const char *addr, int64_t *msg_r,
	       int64_t *account_r, int64_t *submitted_r, int64_t *rid_r)
{
	struct store_stmt *s;
	int rc;

	if (bulk_cache_message(st->bulk_cache, qid, msg_r, account_r, submitted_r)) {
		if (!bulk_cache_recipient(st->bulk_cache, *msg_r, addr, rid_r))
			*rid_r = 0; /* not known: recipient_put looks */
		return STORE_OK;
	}
	s = store_stmt(st, "SELECT m.id, m.account_id, m.submitted_at, r.id FROM messages m"
			   " LEFT JOIN recipients r ON r.message_id = m.id AND r.address = ?2"
			   " WHERE m.queue_id = ?1");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, qid);
	store_bind_text(s, 2, addr);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*msg_r = store_col_int64(s, 0);
		*account_r = store_col_int64(s, 1);
		*submitted_r = store_col_int64(s, 2);
		*rid_r = store_col_null(s, 3) ? 0 : store_col_int64(s, 3);
		store_reset(s);
		bulk_cache_put_message(st->bulk_cache, qid, *msg_r, *account_r, *submitted_r);
		if (*rid_r != 0)
			bulk_cache_put_recipient(st->bulk_cache, *msg_r, addr, *rid_r);
		return STORE_OK;
	}
	return rc == STORE_DONE ? STORE_ENOTFOUND : store_fail_db(st, "finding message");
}

/* Adds a recipient row if new; *rid_r gets its id.  Returns STORE_ADDED
 * or STORE_OK. */
static int
recipient_put(struct store *st, int64_t msg, int64_t account, int64_t submitted, const char *addr,
	      int64_t *rid_r)
{
	struct store_stmt *s;
	char *a = addr_normalize(addr);
	int64_t rid;
	int rc, result = STORE_OK;

	if (a == NULL || !addr_valid(a)) {
		free(a);
		return store_fail(st, STORE_EINVAL, "invalid recipient address '%s'", addr);
	}
	if (bulk_cache_recipient(st->bulk_cache, msg, a, &rid)) {
		if (rid_r)
			*rid_r = rid;
		free(a);
		return STORE_OK;
	}
	s = store_stmt(st, "INSERT INTO recipients(message_id, address, account_id, submitted_at)"
			   " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
	if (s == NULL)
		goto db;
	store_bind_int64(s, 1, msg);
	store_bind_text(s, 2, a);
	store_bind_int64(s, 3, account);
	store_bind_int64(s, 4, submitted);
	if (store_step(s) != STORE_DONE)
		goto db;
	if (store_changes(st) > 0) {
		result = STORE_ADDED;
		rid = store_last_id(st);
		bulk_cache_put_recipient(st->bulk_cache, msg, a, rid);
		if (rid_r)
			*rid_r = rid;
		free(a);
		return result;
	}
	if (rid_r) {
		s = store_stmt(st,
			       "SELECT id FROM recipients WHERE message_id = ?1 AND address = ?2");
		if (s == NULL)
			goto db;
		store_bind_int64(s, 1, msg);
		store_bind_text(s, 2, a);
		rc = store_step(s);
		if (rc != STORE_ROW)
			goto db;
		*rid_r = store_col_int64(s, 0);
		store_reset(s);
		bulk_cache_put_recipient(st->bulk_cache, msg, a, *rid_r);
	}
	free(a);
	return result;
db:
	free(a);
	return store_fail_db(st, "adding recipient");
}

char *
store_message_id_canonical(const char *mid)
{
	char *copy, *t, *out;
	size_t n;

	if (mid == NULL)
		return NULL;
	/* str_trim() returns a pointer inside its argument: the copy is what
	 * is freed (freeing t crashed on a Message-ID with leading blanks,
	 * fuzz_import_jsonl message_id_leading_blank.jsonl). */
	copy = xstrdup(mid);
	t = str_trim(copy);
	n = strlen(t);
	if (n == 0) {
		out = NULL;
	} else if (t[0] == '<' && t[n - 1] == '>') {
		out = xstrdup(t);
	} else {
		out = xmalloc(n + 3);
		out[0] = '<';
		memcpy(out + 1, t, n);
		out[n + 1] = '>';
		out[n + 2] = '\0';
	}
	free(copy);
	return out;
}

/* The normalised recipients of `m`, checked: every one valid, or
 * STORE_EINVAL naming the first that is not (before anything is written).
 * On STORE_OK *v_r holds m->n_recipients malloc'd strings; free with
 * free_strings. */
static int
recipients_normalized(struct store *st, const struct store_message_in *m, char ***v_r)
{
	char **v = xcalloc(m->n_recipients + 1, sizeof(*v));

	*v_r = v;
	for (size_t i = 0; i < m->n_recipients; i++) {
		if (!addr_valid(m->recipients[i]))
			return store_fail(st, STORE_EINVAL, "invalid recipient address '%s'",
					  m->recipients[i]);
		v[i] = addr_normalize(m->recipients[i]);
		if (v[i] == NULL || !addr_valid(v[i]))
			return store_fail(st, STORE_EINVAL, "invalid recipient address '%s'",
					  m->recipients[i]);
	}
	return STORE_OK;
}

static void
free_strings(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
store_message_result(struct store *st, const char *queue_id, int64_t v)
{
	if (v < 0)
		return store_fail(st, STORE_EINVAL,
				  "queue_id %s already belongs to another account", queue_id);
	return v > 0 ? STORE_ADDED : STORE_OK;
}

/* A message as a staging row (store/pg/pg_stage.c), after seq, seg and
 * kind (batch.c): account, qid, mid, sender, subject, norm, submitted,
 * rcpts, then the attempt's columns empty. */
static int
stage_message(const struct store_message_in *m, const char *mid, const char *norm,
	      const char *rcpts, struct buf *rows)
{
	if (store_copy_field(rows, m->account, 0) < 0 ||
	    store_copy_field(rows, m->queue_id, 0) < 0 || store_copy_field(rows, mid, 0) < 0 ||
	    store_copy_field(rows, m->from, 0) < 0 || store_copy_field(rows, m->subject, 0) < 0 ||
	    store_copy_field(rows, norm, 0) < 0 || store_copy_int64(rows, m->submitted_at, 0) < 0 ||
	    store_copy_field(rows, rcpts, 0) < 0)
		return STORE_EFULL;
	for (int i = 0; i < 11; i++) /* rcpt .. tkind */
		if (store_copy_field(rows, NULL, i == 10) < 0)
			return STORE_EFULL;
	return STORE_OK;
}

/* PostgreSQL: the whole of store_put_message in one round trip
 * (store/pg/pg_records.c), the recipients joined by spaces; or, with
 * `rows`, the record appended to a batch's staging rows (batch.c). */
static int
put_message_pg(struct store *st, const struct store_message_in *m, const char *mid,
	       const char *norm, char **rcpts, struct buf *rows)
{
	struct store_stmt *s;
	struct buf b;
	int64_t v;
	int r;

	/* at most MAX_RECIPIENTS (import_jsonl.c) addresses of 254 bytes:
	 * well under the buffer's default cap */
	buf_init(&b, 0);
	for (size_t i = 0; i < m->n_recipients; i++)
		if ((i > 0 && buf_putc(&b, ' ') < 0) || buf_puts(&b, rcpts[i]) < 0) {
			buf_free(&b);
			return store_fail(st, STORE_EINVAL, "too many recipients");
		}
	if (rows != NULL) {
		r = stage_message(m, mid, norm, m->n_recipients > 0 ? buf_cstr(&b) : NULL, rows);
		buf_free(&b);
		return r;
	}
	s = store_stmt(st, "SELECT pg_temp.responder_put_message(?1::text, ?2::text, ?3::text,"
			   " ?4::text, ?5::text, ?6::text, ?7::bigint, ?8::text)");
	if (s == NULL) {
		buf_free(&b);
		return STORE_EDB;
	}
	store_bind_text(s, 1, m->account);
	store_bind_text(s, 2, m->queue_id);
	store_bind_text(s, 3, mid);
	store_bind_text(s, 4, m->from);
	store_bind_text(s, 5, m->subject);
	store_bind_text(s, 6, norm);
	store_bind_int64(s, 7, m->submitted_at);
	store_bind_text(s, 8, m->n_recipients > 0 ? buf_cstr(&b) : NULL);
	r = store_step_int64(st, s, &v, "adding message");
	buf_free(&b);
	if (r < 0)
		return r == STORE_ENOTFOUND ?
			   store_fail(st, STORE_EDB, "adding message: no result") :
			   r;
	return store_message_result(st, m->queue_id, v);
}

/* Inserts the messages row of `m` for `account`: STORE_ADDED with its id
 * in *msg_r (kept in a bulk transaction's cache), or with `if_new`
 * STORE_OK when the queue ID is there already (nothing written);
 * STORE_EDB. */
static int
message_insert(struct store *st, const struct store_message_in *m, const char *mid,
	       const char *norm, int64_t account, int if_new, int64_t *msg_r)
{
	struct store_stmt *s;

	if (if_new)
		s = store_stmt(st, "INSERT INTO messages(queue_id, message_id, account_id, sender,"
				   " subject, subject_norm, submitted_at)"
				   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING");
	else
		s = store_stmt(st, "INSERT INTO messages(queue_id, message_id, account_id, sender,"
				   " subject, subject_norm, submitted_at)"
				   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, m->queue_id);
	store_bind_text(s, 2, mid);
	store_bind_int64(s, 3, account);
	store_bind_text(s, 4, m->from);
	store_bind_text(s, 5, m->subject);
	store_bind_text(s, 6, norm);
	store_bind_int64(s, 7, m->submitted_at);
	if (store_step(s) != STORE_DONE)
		return store_fail_db(st, "adding message");
	if (if_new && store_changes(st) == 0)
		return STORE_OK;
	*msg_r = store_last_id(st);
	if (store_bulk_added(st, *msg_r) < 0)
		return STORE_EDB;
	bulk_cache_put_message(st->bulk_cache, m->queue_id, *msg_r, account, m->submitted_at);
	return STORE_ADDED;
}

/* store_put_message, or with `rows` (PostgreSQL) store_message_stage. */
static int
message_put(struct store *st, const struct store_message_in *m, struct buf *rows)
{
	int64_t account = 0, msg = 0, owner = 0, submitted = 0;
	struct store_stmt *s;
	char *mid = NULL, *norm = NULL, **rcpts = NULL;
	int r, result = STORE_OK;

	/* Everything that can refuse the record is checked before the first
	 * write (store.h): a refused record leaves nothing behind. */
	if (m->queue_id == NULL || *m->queue_id == '\0')
		return store_fail(st, STORE_EINVAL, "missing queue_id");
	if ((r = recipients_normalized(st, m, &rcpts)) < 0)
		goto out;
	/* A batch's record may leave the account to the merge: the stored
	 * message's (store_batch_message_opts). */
	if (m->account == NULL ? rows == NULL : *m->account == '\0') {
		r = store_fail(st, STORE_EINVAL, "empty account name");
		goto out;
	}
	mid = store_message_id_canonical(m->message_id);
	norm = m->subject ? subject_normalize(m->subject) : NULL;
	if (store_is_pg(st)) {
		r = put_message_pg(st, m, mid, norm, rcpts, rows);
		goto out;
	}

	/* In a bulk transaction, a message whose account exists is written
	 * at once: one INSERT where a lookup by queue ID came first.  When
	 * the queue ID is there already it adds nothing, and the lookup
	 * below goes on as without it. */
	if (st->bulk_cache != NULL) {
		if ((r = account_id_cached(st, m->account, &account)) == STORE_EDB)
			goto out;
		if (r == STORE_OK) {
			if ((r = message_insert(st, m, mid, norm, account, 1, &msg)) < 0)
				goto out;
			if (r == STORE_ADDED) {
				submitted = m->submitted_at;
				result = STORE_ADDED;
				goto recipients;
			}
		}
	}
	if (bulk_cache_message(st->bulk_cache, m->queue_id, &msg, &owner, &submitted))
		r = STORE_OK;
	else if ((r = message_id_by_queue_id(st, m->queue_id, &msg, &owner, &submitted)) ==
		 STORE_OK)
		bulk_cache_put_message(st->bulk_cache, m->queue_id, msg, owner, submitted);
	if (r == STORE_OK) {
		r = account_id_cached(st, m->account, &account);
		if (r == STORE_EDB)
			goto out;
		if (r == STORE_ENOTFOUND || owner != account) {
			r = store_fail(st, STORE_EINVAL,
				       "queue_id %s already belongs to another account",
				       m->queue_id);
			goto out;
		}
		/* Fill what is still empty; never overwrite.  The row's
		 * subject-index entry must be there for the update trigger
		 * (a bulk transaction writes it at its commit). */
		if ((r = store_bulk_settle(st, msg)) < 0)
			goto out;
		s = store_stmt(
		    st,
		    "UPDATE messages SET message_id = coalesce(message_id, ?2),"
		    " sender = coalesce(sender, ?3), subject = coalesce(subject, ?4),"
		    " subject_norm = coalesce(subject_norm, ?5),"
		    " submitted_at = CASE submitted_at WHEN 0 THEN ?6 ELSE submitted_at END"
		    " WHERE id = ?1 AND (message_id IS NULL AND ?2 IS NOT NULL"
		    "  OR sender IS NULL AND ?3 IS NOT NULL OR subject IS NULL AND ?4 IS NOT NULL"
		    "  OR submitted_at = 0 AND ?6 <> 0)");
		if (s == NULL)
			goto db;
		store_bind_int64(s, 1, msg);
		store_bind_text(s, 2, mid);
		store_bind_text(s, 3, m->from);
		store_bind_text(s, 4, m->subject);
		store_bind_text(s, 5, norm);
		store_bind_int64(s, 6, m->submitted_at);
		if (store_step(s) != STORE_DONE)
			goto db;
		if (store_changes(st) > 0) {
			result = STORE_ADDED;
			if (submitted == 0 && m->submitted_at != 0) {
				submitted = m->submitted_at;
				s = store_stmt(
				    st,
				    "UPDATE recipients SET submitted_at = ?2 WHERE message_id = ?1");
				if (s == NULL)
					goto db;
				store_bind_int64(s, 1, msg);
				store_bind_int64(s, 2, submitted);
				if (store_step(s) != STORE_DONE)
					goto db;
				bulk_cache_put_message(st->bulk_cache, m->queue_id, msg, owner,
						       submitted);
			}
		}
	} else if (r == STORE_ENOTFOUND) {
		if ((r = account_get_or_create(st, m->account, &account, NULL)) < 0 ||
		    (r = message_insert(st, m, mid, norm, account, 0, &msg)) < 0)
			goto out;
		submitted = m->submitted_at;
		result = STORE_ADDED;
	} else {
		goto out;
	}
recipients:
	for (size_t i = 0; i < m->n_recipients; i++) {
		r = recipient_put(st, msg, account, submitted, rcpts[i], NULL);
		if (r < 0)
			goto out;
		if (r == STORE_ADDED)
			result = STORE_ADDED;
	}
	r = result;
	goto out;
db:
	r = store_fail_db(st, "adding message");
out:
	free_strings(rcpts, m->n_recipients);
	free(mid);
	free(norm);
	return r;
}

int
store_put_message(struct store *st, const struct store_message_in *m)
{
	return message_put(st, m, NULL);
}

int
store_message_stage(struct store *st, const struct store_message_in *m, struct buf *rows)
{
	return message_put(st, m, rows);
}

/* FNV-1a 64 over the fields that make an attempt distinct. */
static uint64_t
fnv_add(uint64_t h, const char *s)
{
	static const unsigned char sep = 0xff; /* so "ab","c" differs from "a","bc" */

	if (s != NULL)
		h = fnv1a(h, s, strlen(s));
	return fnv1a(h, &sep, 1);
}

static int64_t
attempt_fingerprint(const struct store_attempt_in *a)
{
	char num[64];
	uint64_t h = FNV1A_INIT;

	snprintf(num, sizeof(num), "%lld/%d", (long long)a->at, a->smtp_code);
	h = fnv_add(h, num);
	h = fnv_add(h, a->status);
	h = fnv_add(h, a->mx_ip);
	h = fnv_add(h, a->response);
	return (int64_t)(h & 0x7fffffffffffffffULL);
}

int
store_attempt_result(struct store *st, const char *queue_id, int64_t v)
{
	if (v < 0)
		return store_fail(st, STORE_EINVAL,
				  "unknown queue_id %s (its message line must come first)",
				  queue_id);
	return v > 0 ? STORE_ADDED : STORE_OK;
}

/* An attempt as a staging row (store/pg/pg_stage.c), after seq, seg
 * and kind: the message's columns empty but qid and submitted (0), then
 * rcpt, fp, at, status, mx_host, mx_ip, code, enh, resp, transcript,
 * tkind. */
static int
stage_attempt(const struct store_attempt_in *a, const char *rcpt, struct buf *rows)
{
	char code[16];

	snprintf(code, sizeof(code), "%d", a->smtp_code);
	if (store_copy_field(rows, NULL, 0) < 0 || store_copy_field(rows, a->queue_id, 0) < 0 ||
	    store_copy_field(rows, NULL, 0) < 0 || store_copy_field(rows, NULL, 0) < 0 ||
	    store_copy_field(rows, NULL, 0) < 0 || store_copy_field(rows, NULL, 0) < 0 ||
	    store_copy_int64(rows, 0, 0) < 0 || store_copy_field(rows, NULL, 0) < 0 ||
	    store_copy_field(rows, rcpt, 0) < 0 ||
	    store_copy_int64(rows, attempt_fingerprint(a), 0) < 0 ||
	    store_copy_int64(rows, a->at, 0) < 0 || store_copy_field(rows, a->status, 0) < 0 ||
	    store_copy_field(rows, a->mx_host, 0) < 0 || store_copy_field(rows, a->mx_ip, 0) < 0 ||
	    store_copy_field(rows, a->smtp_code > 0 ? code : NULL, 0) < 0 ||
	    store_copy_field(rows, a->enhanced_status, 0) < 0 ||
	    store_copy_field(rows, a->response, 0) < 0 ||
	    store_copy_field(rows, a->transcript, 0) < 0 ||
	    store_copy_field(rows, a->transcript_kind, 1) < 0)
		return STORE_EFULL;
	return STORE_OK;
}

/* PostgreSQL: the whole of store_put_attempt in one round trip
 * (store/pg/pg_records.c); with `rows`, appended to a batch's staging
 * rows. */
static int
put_attempt_pg(struct store *st, const struct store_attempt_in *a, const char *rcpt,
	       struct buf *rows)
{
	struct store_stmt *s;
	int64_t v;
	int r;

	if (rows != NULL)
		return stage_attempt(a, rcpt, rows);
	s = store_stmt(st,
		       "SELECT pg_temp.responder_put_attempt(?1::text, ?2::text, ?3::bigint,"
		       " ?4::bigint, ?5::text, ?6::text, ?7::text, ?8::bigint, ?9::text, ?10::text,"
		       " ?11::text, ?12::text)");
	if (s == NULL)
		return STORE_EDB;
	store_bind_text(s, 1, a->queue_id);
	store_bind_text(s, 2, rcpt);
	store_bind_int64(s, 3, attempt_fingerprint(a));
	store_bind_int64(s, 4, a->at);
	store_bind_text(s, 5, a->status);
	store_bind_text(s, 6, a->mx_host);
	store_bind_text(s, 7, a->mx_ip);
	if (a->smtp_code > 0)
		store_bind_int64(s, 8, a->smtp_code);
	else
		store_bind_null(s, 8);
	store_bind_text(s, 9, a->enhanced_status);
	store_bind_text(s, 10, a->response);
	store_bind_text(s, 11, a->transcript);
	store_bind_text(s, 12, a->transcript_kind);
	if ((r = store_step_int64(st, s, &v, "adding attempt")) < 0)
		return r == STORE_ENOTFOUND ?
			   store_fail(st, STORE_EDB, "adding attempt: no result") :
			   r;
	return store_attempt_result(st, a->queue_id, v);
}

/* store_put_attempt, or with `rows` (PostgreSQL) store_attempt_stage. */
static int
attempt_put(struct store *st, const struct store_attempt_in *a, struct buf *rows)
{
	int64_t msg = 0, account = 0, submitted = 0, rid = 0;
	struct store_stmt *s;
	char *rcpt;
	int r;

	/* Everything that can refuse the record is checked before the first
	 * write (store.h). */
	if (a->queue_id == NULL || *a->queue_id == '\0')
		return store_fail(st, STORE_EINVAL, "missing queue_id");
	if (a->status == NULL ||
	    (strcmp(a->status, "delivered") != 0 && strcmp(a->status, "deferred") != 0 &&
	     strcmp(a->status, "bounced") != 0))
		return store_fail(st, STORE_EINVAL,
				  "status '%s' is not delivered, deferred or bounced",
				  a->status ? a->status : "");
	if (a->at <= 0)
		return store_fail(st, STORE_EINVAL, "missing attempt time");
	if (a->transcript_kind && strcmp(a->transcript_kind, "full") != 0 &&
	    strcmp(a->transcript_kind, "summary") != 0)
		return store_fail(st, STORE_EINVAL, "transcript kind must be full or summary");
	rcpt = a->recipient ? addr_normalize(a->recipient) : NULL;
	if (rcpt == NULL || !addr_valid(rcpt)) {
		free(rcpt);
		return store_fail(st, STORE_EINVAL, "invalid recipient address '%s'",
				  a->recipient ? a->recipient : "");
	}
	if (store_is_pg(st)) {
		r = put_attempt_pg(st, a, rcpt, rows);
		free(rcpt);
		return r;
	}
	r = attempt_target(st, a->queue_id, rcpt, &msg, &account, &submitted, &rid);
	if (r == STORE_ENOTFOUND)
		r = store_fail(st, STORE_EINVAL,
			       "unknown queue_id %s (its message line must come first)",
			       a->queue_id);
	if (r == STORE_OK && rid == 0)
		r = recipient_put(st, msg, account, submitted, rcpt, &rid);
	free(rcpt);
	if (r < 0)
		return r;
	s = store_stmt(st,
		       "INSERT INTO attempts(recipient_id, fingerprint, at, status, mx_host,"
		       " mx_ip, smtp_code, enhanced_status, response, transcript, transcript_kind)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, coalesce(?11, 'full'))"
		       " ON CONFLICT DO NOTHING");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, rid);
	store_bind_int64(s, 2, attempt_fingerprint(a));
	store_bind_int64(s, 3, a->at);
	store_bind_text(s, 4, a->status);
	store_bind_text(s, 5, a->mx_host);
	store_bind_text(s, 6, a->mx_ip);
	if (a->smtp_code > 0)
		store_bind_int64(s, 7, a->smtp_code);
	store_bind_text(s, 8, a->enhanced_status);
	store_bind_text(s, 9, a->response);
	store_bind_text(s, 10, a->transcript);
	store_bind_text(s, 11, a->transcript_kind);
	if (store_step(s) != STORE_DONE)
		return store_fail_db(st, "adding attempt");
	if (store_changes(st) == 0)
		return STORE_OK;
	s = store_stmt(st, "UPDATE recipients SET status = ?2, last_attempt_at = ?3"
			   " WHERE id = ?1 AND last_attempt_at <= ?3");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, rid);
	store_bind_text(s, 2, a->status);
	store_bind_int64(s, 3, a->at);
	if (store_step(s) != STORE_DONE)
		return store_fail_db(st, "updating recipient status");
	return STORE_ADDED;
}

int
store_put_attempt(struct store *st, const struct store_attempt_in *a)
{
	return attempt_put(st, a, NULL);
}

int
store_attempt_stage(struct store *st, const struct store_attempt_in *a, struct buf *rows)
{
	return attempt_put(st, a, rows);
}
