/*
 * copy.c - copying one store into another, whichever backends
 * (store_copy, admin.h): `responder migrate-store`.
 *
 * Table by table in the order the references need, rows in batches, each
 * batch one transaction of the destination.  Tables with an id resume
 * after the highest id the destination already has, so a copy that was
 * stopped (or died) goes on where it was; the others are copied whole
 * with ON CONFLICT DO NOTHING.  Ids are kept, so every reference between
 * rows holds; PostgreSQL's sequences are moved past them at the end.
 * Last, every table is counted on both sides: a difference is an error.
 */
#include "store/admin.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

enum col { C_INT, C_TEXT, C_BLOB };

/* clang-format off */
struct table {
	const char *name;
	const char *select;	/* ?1: after this id (or ignored), ?2: how many */
	const char *insert;
	const char *max_id;	/* NULL: no id, copied whole */
	const char *count;
	const char *setval;	/* PostgreSQL: the id sequence past the copied ids */
	const char *cols;	/* one letter per column: i(nt), t(ext), b(lob) */
};

static const struct table tables[] = {
	{ "accounts",
	  "SELECT id, name, created_at, language FROM accounts WHERE id > ?1 ORDER BY id LIMIT ?2",
	  "INSERT INTO accounts(id, name, created_at, language) VALUES (?1, ?2, ?3, ?4)",
	  "SELECT coalesce(max(id), 0) FROM accounts", "SELECT count(*) FROM accounts",
	  "SELECT setval(pg_get_serial_sequence('accounts', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM accounts), false)",
	  "itit" },
	{ "account_addresses",
	  "SELECT address, account_id FROM account_addresses ORDER BY address",
	  "INSERT INTO account_addresses(address, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM account_addresses", NULL, "ti" },
	{ "messages",
	  "SELECT id, queue_id, message_id, account_id, sender, subject, subject_norm, submitted_at"
	  " FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2",
	  "INSERT INTO messages(id, queue_id, message_id, account_id, sender, subject, subject_norm,"
	  " submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	  "SELECT coalesce(max(id), 0) FROM messages", "SELECT count(*) FROM messages",
	  "SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM messages), false)",
	  "ittittti" },
	{ "recipients",
	  "SELECT id, message_id, address, account_id, submitted_at, status, last_attempt_at"
	  " FROM recipients WHERE id > ?1 ORDER BY id LIMIT ?2",
	  "INSERT INTO recipients(id, message_id, address, account_id, submitted_at, status,"
	  " last_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	  "SELECT coalesce(max(id), 0) FROM recipients", "SELECT count(*) FROM recipients",
	  "SELECT setval(pg_get_serial_sequence('recipients', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM recipients), false)",
	  "iitiiti" },
	{ "attempts",
	  "SELECT id, recipient_id, fingerprint, at, status, mx_host, mx_ip, smtp_code,"
	  " enhanced_status, response, transcript, transcript_kind"
	  " FROM attempts WHERE id > ?1 ORDER BY id LIMIT ?2",
	  "INSERT INTO attempts(id, recipient_id, fingerprint, at, status, mx_host, mx_ip, smtp_code,"
	  " enhanced_status, response, transcript, transcript_kind)"
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	  "SELECT coalesce(max(id), 0) FROM attempts", "SELECT count(*) FROM attempts",
	  "SELECT setval(pg_get_serial_sequence('attempts', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM attempts), false)",
	  "iiiitttitttt" },
	{ "requests",
	  "SELECT id, complaint_key, complaint_message_id, source, received_at, decided_at,"
	  " requester, account_id, account, outcome, why, subject, matched_queue_id, extracted,"
	  " matches, detail, requeue_of, reply_message_id, language, thread_id, follow_up_of, node"
	  " FROM requests WHERE id > ?1 ORDER BY id LIMIT ?2",
	  "INSERT INTO requests(id, complaint_key, complaint_message_id, source, received_at,"
	  " decided_at, requester, account_id, account, outcome, why, subject, matched_queue_id,"
	  " extracted, matches, detail, requeue_of, reply_message_id, language, thread_id,"
	  " follow_up_of, node) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	  " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
	  "SELECT coalesce(max(id), 0) FROM requests", "SELECT count(*) FROM requests",
	  "SELECT setval(pg_get_serial_sequence('requests', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM requests), false)",
	  "itttiitittttttttittiit" },
	{ "outbox",
	  "SELECT id, request_id, created_at, envelope_from, rcpt, state, tries,"
	  " next_try_at, last_error, smtp_reply, sent_at, claimed_by, claim_expires"
	  " FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2",
	  "INSERT INTO outbox(id, request_id, created_at, envelope_from, rcpt, state, tries,"
	  " next_try_at, last_error, smtp_reply, sent_at, claimed_by, claim_expires)"
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	  "SELECT coalesce(max(id), 0) FROM outbox", "SELECT count(*) FROM outbox",
	  "SELECT setval(pg_get_serial_sequence('outbox', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM outbox), false)",
	  "iiitttiittiti" },
	{ "outbox_messages",
	  "SELECT outbox_id, message FROM outbox_messages WHERE outbox_id > ?1"
	  " ORDER BY outbox_id LIMIT ?2",
	  "INSERT INTO outbox_messages(outbox_id, message) VALUES (?1, ?2)",
	  "SELECT coalesce(max(outbox_id), 0) FROM outbox_messages",
	  "SELECT count(*) FROM outbox_messages", NULL, "ib" },
	{ "complaints",
	  "SELECT complaint_key, received_at, raw FROM complaints",
	  "INSERT INTO complaints(complaint_key, received_at, raw) VALUES (?1, ?2, ?3)"
	  " ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM complaints", NULL, "tib" },
	{ "imap_state",
	  "SELECT folder, uidvalidity, last_uid FROM imap_state",
	  "INSERT INTO imap_state(folder, uidvalidity, last_uid) VALUES (?1, ?2, ?3)"
	  " ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM imap_state", NULL, "tii" },
	{ "in_progress",
	  "SELECT complaint_key, source, started_at, restarts, parse_failures FROM in_progress",
	  "INSERT INTO in_progress(complaint_key, source, started_at, restarts, parse_failures)"
	  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM in_progress", NULL, "ttiii" },
	{ "import_positions",
	  "SELECT path, inode, \"offset\", head, state, updated_at FROM import_positions",
	  "INSERT INTO import_positions(path, inode, \"offset\", head, state, updated_at)"
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM import_positions", NULL, "tiitti" },
	{ "claims",
	  "SELECT complaint_key, node, expires_at FROM claims",
	  "INSERT INTO claims(complaint_key, node, expires_at) VALUES (?1, ?2, ?3)"
	  " ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM claims", NULL, "tti" },
	{ "kv",
	  "SELECT key, value FROM kv",
	  "INSERT INTO kv(key, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	  NULL, "SELECT count(*) FROM kv", NULL, "tt" },
};
/* clang-format on */

/* Binds column i of `from`'s row to parameter i + 1 of `to`. */
static void
copy_col(struct store_stmt *from, struct store_stmt *to, int i, char kind)
{
	if (store_col_null(from, i)) {
		store_bind_null(to, i + 1);
		return;
	}
	switch (kind) {
	case 'i':
		store_bind_int64(to, i + 1, store_col_int64(from, i));
		break;
	case 'b': {
		const void *p = store_col_blob(from, i);
		size_t n = store_col_bytes(from, i);

		store_bind_blob(to, i + 1, p ? p : "", n);
		break;
	}
	default:
		store_bind_text(to, i + 1, store_col_text(from, i));
		break;
	}
}

/* Whole-row copy of up to `batch` rows (all, for a table without id) in one
 * transaction of `to`.  *n_r: rows read; *last_r: the last id read. */
static int
copy_batch(struct store *from, struct store *to, const struct table *t, int64_t after, int batch,
	   int64_t *n_r, int64_t *last_r, char *err, size_t errlen)
{
	struct store_stmt *s, *ins;
	int ncols = (int)strlen(t->cols), rc;

	*n_r = 0;
	if ((s = store_stmt(from, t->select)) == NULL) {
		snprintf(err, errlen, "reading %s: %s", t->name, store_errmsg(from));
		return STORE_EDB;
	}
	if (t->max_id != NULL) {
		store_bind_int64(s, 1, after);
		store_bind_int64(s, 2, batch);
	}
	if (store_begin(to) < 0)
		goto to_fail;
	while ((rc = store_step(s)) == STORE_ROW) {
		if ((ins = store_stmt(to, t->insert)) == NULL)
			goto to_fail;
		for (int i = 0; i < ncols; i++)
			copy_col(s, ins, i, t->cols[i]);
		if (store_step_done(to, ins, "copying a row") < 0)
			goto to_fail;
		if (t->max_id != NULL)
			*last_r = store_col_int64(s, 0);
		(*n_r)++;
	}
	store_reset(s);
	if (rc != STORE_DONE) {
		store_rollback(to);
		snprintf(err, errlen, "reading %s: %s", t->name, store_errmsg(from));
		return STORE_EDB;
	}
	if (store_commit(to) < 0)
		goto to_fail;
	return STORE_OK;
to_fail:
	snprintf(err, errlen, "writing %s: %s", t->name, store_errmsg(to));
	store_reset(s);
	store_rollback(to);
	return STORE_EDB;
}

static int
count_of(struct store *st, const struct table *t, int64_t *n_r)
{
	struct store_stmt *s = store_stmt(st, t->count);

	return s == NULL ? STORE_EDB : store_step_int64(st, s, n_r, "counting");
}

/* PostgreSQL: the monthly partitions back to the oldest row the source
 * has, made before the rows come. */
static int
months_for(struct store *from, struct store *to)
{
	struct store_stmt *s;
	int64_t oldest = 0, a = 0;

	if (!store_is_pg(to))
		return STORE_OK;
	s = store_stmt(from, "SELECT coalesce(min(submitted_at), 0) FROM messages"
			     " WHERE submitted_at > 0");
	if (s == NULL || store_step_int64(from, s, &oldest, "reading the oldest month") < 0)
		return STORE_EDB;
	s = store_stmt(from, "SELECT coalesce(min(at), 0) FROM attempts");
	if (s == NULL || store_step_int64(from, s, &a, "reading the oldest month") < 0)
		return STORE_EDB;
	if (a > 0 && (oldest == 0 || a < oldest))
		oldest = a;
	if (oldest == 0)
		return STORE_OK;
	s = store_stmt(to,
		       "SELECT responder_partitions(((extract(year FROM now()) * 12"
		       " + extract(month FROM now())) - (extract(year FROM to_timestamp(?1)) * 12"
		       " + extract(month FROM to_timestamp(?1))))::int, 3)");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, oldest);
	return store_step_int64(to, s, NULL, "making monthly partitions");
}

int
store_copy(struct store *from, struct store *to, int batch, store_copy_fn progress, void *arg,
	   char *err, size_t errlen)
{
	int64_t after, n, last, have, want;
	struct store_stmt *s;
	int rc;

	if (batch < 1)
		batch = 2000;
	if (months_for(from, to) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(store_is_pg(to) ? to : from));
		return STORE_EDB;
	}
	for (size_t k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
		const struct table *t = &tables[k];

		after = 0;
		if (t->max_id != NULL) {
			if ((s = store_stmt(to, t->max_id)) == NULL ||
			    store_step_int64(to, s, &after, "resuming") < 0) {
				snprintf(err, errlen, "%s: %s", t->name, store_errmsg(to));
				return STORE_EDB;
			}
		}
		do {
			last = after;
			rc = copy_batch(from, to, t, after, batch, &n, &last, err, errlen);
			if (rc < 0)
				return rc;
			after = last;
			if (progress != NULL && n > 0)
				progress(arg, t->name, n);
		} while (t->max_id != NULL && n == batch);
		if (store_is_pg(to) && t->setval != NULL &&
		    ((s = store_stmt(to, t->setval)) == NULL ||
		     store_step_int64(to, s, NULL, "moving the id sequence") < 0)) {
			snprintf(err, errlen, "%s: %s", t->name, store_errmsg(to));
			return STORE_EDB;
		}
		if (count_of(from, t, &want) < 0 || count_of(to, t, &have) < 0) {
			snprintf(err, errlen, "counting %s: %s / %s", t->name, store_errmsg(from),
				 store_errmsg(to));
			return STORE_EDB;
		}
		if (have != want) {
			snprintf(err, errlen,
				 "%s: %lld rows in the source but %lld in the destination "
				 "(the destination was written to by something else)",
				 t->name, (long long)want, (long long)have);
			return STORE_EINVAL;
		}
	}
	return STORE_OK;
}
