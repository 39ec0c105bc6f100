/*
 * test_store.c - the store: open/migrate, accounts, records, lookups.
 */
#include "tests/unit/testutil.h"
#include "store/store.h"
#include "store/admin.h"
#include "store/outbox.h"
#include "store/requests.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

struct fx {
	char *dir;
	char *path;
	struct store *st;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[512];

	f->dir = tu_tempdir();
	f->path = tu_store_target(f->dir);
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
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
	free(f->path);
	free(f);
	return 0;
}

static void
test_open_creates_schema(void **state)
{
	struct fx *f = *state;
	int64_t n = -1;

	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(store_count(f->st, "messages", &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_count(f->st, "requests", &n), STORE_OK);
	assert_int_equal(store_count(f->st, "no_such_table", &n), STORE_EINVAL);
	/* Opening again is a no-op migration. */
	store_close(&f->st);
	f->st = store_open(f->path, NULL, 0);
	assert_non_null(f->st);
}

static void
test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	char err[512], sql[128];
	struct store *st;

	store_close(&f->st);
	tu_sql_exec(f->path, "UPDATE schema_version SET version = 99");
	st = store_open(f->path, err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "schema version 99, newer than this responder's"));
	st = store_open_readonly(f->path, err, sizeof(err));
	assert_null(st);
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d", STORE_SCHEMA_VERSION);
	tu_sql_exec(f->path, sql);
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
}

/* A request keeps its reply's Message-ID, language and conversation: a
 * first request is its own thread; a follow-up names the thread and the
 * request it continues, and the reply's Message-ID finds the request. */
static void
test_request_thread(void **state)
{
	struct fx *f = *state;
	struct request_in r;
	struct outbox_in o = { .created_at = 100, .rcpt = "a@b.example", .message = "m", .len = 1 };
	struct request_ref ref;
	struct admin_filter filter;
	struct admin_request_list l;
	int64_t first = 0, second = 0, other = 0;

	memset(&r, 0, sizeof(r));
	r.complaint_key = "<c1@x> 00";
	r.received_at = r.decided_at = 100;
	r.requester = "a@b.example";
	r.outcome = "ambiguous";
	r.why = "two candidates";
	r.matches = "[{\"queue_id\":\"Q1\"},{\"queue_id\":\"Q2\"}]";
	r.reply_message_id = "<r1@relay.example>";
	r.language = "fr";
	assert_int_equal(store_record_request(f->st, &r, &o, &first, NULL), STORE_ADDED);
	r.complaint_key = "<c2@x> 01";
	r.reply_message_id = "<r2@relay.example>";
	r.outcome = "found";
	r.thread_id = first;
	r.follow_up_of = first;
	assert_int_equal(store_record_request(f->st, &r, &o, &second, NULL), STORE_ADDED);
	memset(&r, 0, sizeof(r));
	r.complaint_key = "<c3@x> 02";
	r.received_at = r.decided_at = 100;
	r.outcome = "ignored";
	r.why = "robot";
	assert_int_equal(store_record_request(f->st, &r, NULL, &other, NULL), STORE_ADDED);

	assert_int_equal(store_request_by_reply_id(f->st, "<r1@relay.example>", &ref), STORE_OK);
	assert_int_equal(ref.id, first);
	assert_int_equal(ref.thread_id, first);
	assert_string_equal(ref.outcome, "ambiguous");
	assert_string_equal(ref.language, "fr");
	assert_string_equal(ref.requester, "a@b.example");
	assert_non_null(strstr(ref.matches, "Q2"));
	request_ref_free(&ref);
	assert_int_equal(store_request_by_reply_id(f->st, "<r2@relay.example>", &ref), STORE_OK);
	assert_int_equal(ref.id, second);
	assert_int_equal(ref.thread_id, first);
	request_ref_free(&ref);
	assert_int_equal(store_request_by_reply_id(f->st, "<nobody@relay.example>", &ref),
			 STORE_ENOTFOUND);

	memset(&filter, 0, sizeof(filter));
	filter.thread_id = first;
	assert_int_equal(admin_requests(f->st, &filter, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].id, second); /* newest first */
	assert_int_equal(l.v[0].follow_up_of, first);
	assert_int_equal(l.v[0].thread_id, first);
	assert_string_equal(l.v[0].reply_message_id, "<r2@relay.example>");
	assert_int_equal(l.v[1].follow_up_of, 0);
	admin_request_list_free(&l);
	filter.thread_id = other;
	assert_int_equal(admin_requests(f->st, &filter, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_null(l.v[0].language);
	admin_request_list_free(&l);
}

/* What migration 7 made, undone: the replies' bytes back in the outbox
 * row, as a version-6 store has them. */
static const char *
drop_migration_7(void)
{
	return tu_store_pg() ?
		   "ALTER TABLE outbox ADD COLUMN message bytea NOT NULL DEFAULT ''::bytea;"
		   "UPDATE outbox SET message = m.message FROM outbox_messages m"
		   " WHERE m.outbox_id = outbox.id;"
		   "DROP TABLE outbox_messages;" :
		   "ALTER TABLE outbox ADD COLUMN message BLOB NOT NULL DEFAULT x'';"
		   "UPDATE outbox SET message = (SELECT message FROM outbox_messages"
		   " WHERE outbox_id = outbox.id);"
		   "DROP TABLE outbox_messages;";
}

/* A version-6 store with replies (one queued, one sent) is upgraded to 7:
 * each reply's bytes move to outbox_messages, the queued one is read and
 * marked sent as before, and a resend of the sent one copies its bytes. */
static void
test_upgrade_6_to_7(void **state)
{
	struct fx *f = *state;
	struct request_in r = { .received_at = 1, .decided_at = 1, .outcome = "found", .why = "t" };
	struct outbox_in o = { .created_at = 1, .rcpt = "a@b.example" };
	struct outbox_row row = { 0 };
	int64_t oid[2], rid[2], n;
	char err[512];

	for (int i = 0; i < 2; i++) {
		r.complaint_key = i ? "<u7b@x> 00" : "<u7a@x> 00";
		o.message =
		    i ? "Subject: b\r\n\r\nsecond\0reply\r\n" : "Subject: a\r\n\r\nfirst\r\n";
		o.len = i ? 29 : 22;
		assert_int_equal(store_record_request(f->st, &r, &o, &rid[i], &oid[i]),
				 STORE_ADDED);
	}
	assert_int_equal(store_outbox_mark_sent(f->st, oid[1], "250 ok", 2), STORE_OK);
	store_close(&f->st);
	tu_sql_exec(f->path, drop_migration_7());
	tu_sql_exec(f->path, "UPDATE schema_version SET version = 6");
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	row.id = oid[0];
	assert_int_equal(store_outbox_message(f->st, &row), STORE_OK);
	assert_int_equal(row.len, 22);
	assert_memory_equal(row.message, "Subject: a\r\n\r\nfirst\r\n", 22);
	assert_int_equal(store_outbox_mark_sent(f->st, oid[0], "250 ok", 3), STORE_OK);
	assert_int_equal(admin_resend_as(f->st, rid[1], 4, "t", ADMIN_RESEND_SENT, &n), STORE_OK);
	assert_int_equal(n, 1);
	row.id = oid[1] + 1;
	assert_int_equal(store_outbox_message(f->st, &row), STORE_OK);
	assert_int_equal(row.len, 29);
	assert_memory_equal(row.message, "Subject: b\r\n\r\nsecond\0reply\r\n", 29);
	store_outbox_row_release(&row);
}

/* What migration 5 made (the rate limits' table, its trigger and, on
 * PostgreSQL, its functions), undone: a store as version 4 left it. */
static const char *
drop_migration_5(void)
{
	return tu_store_pg() ? "DROP TRIGGER outbox_rate_add ON outbox; DROP TABLE outbox_rate;"
			       "DROP FUNCTION responder_outbox_rate();"
			       "DROP FUNCTION responder_mailbox_key(text);" :
			       "DROP TRIGGER outbox_rate_add; DROP TABLE outbox_rate;";
}

/* A version-4 store with replies is upgraded to 5: the replies already
 * queued are counted by the rate limits (the backfill), and new ones are
 * counted as they are written (the trigger). */
static void
test_upgrade_4_to_5(void **state)
{
	struct fx *f = *state;
	struct request_in r;
	struct outbox_in o = {
		.created_at = 1000, .rcpt = "A+x@B.example", .message = "m", .len = 1
	};
	char err[512];
	int64_t n = 0;

	memset(&r, 0, sizeof(r));
	r.received_at = r.decided_at = 1000;
	r.requester = "A+x@B.example";
	r.outcome = "found";
	r.why = "test";
	r.complaint_key = "<u1@x> 00";
	assert_int_equal(store_record_request(f->st, &r, &o, NULL, NULL), STORE_ADDED);
	store_close(&f->st);
	tu_sql_exec(f->path, drop_migration_7());
	tu_sql_exec(f->path, drop_migration_5());
	tu_sql_exec(f->path, "UPDATE schema_version SET version = 4");
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
	r.complaint_key = "<u2@x> 00";
	r.requester = "a@b.example";
	assert_int_equal(store_record_request(f->st, &r, &o, NULL, NULL), STORE_ADDED);
	assert_int_equal(store_count_replies_since(f->st, "a@b.example", 0, 1000, 0, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_count_replies_since(f->st, NULL, 0, 1001, 0, &n), STORE_OK);
	assert_int_equal(n, 0);
}

static void put_msg(struct store *st, const char *account, const char *qid, const char *mid,
		    const char *subject, int64_t at, const char *r1, const char *r2);

/* One integer from a query on the SQLite file at path. */
static int
lite_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* SQLite's result code for sql run on the file at path. */
static int
lite_exec_rc(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* Tables whose CHECK still lists values. */
#define LISTED_CHECKS                                                            \
	"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND (sql LIKE " \
	"'%status IN (%' OR sql LIKE '%state IN (%' OR sql LIKE '%outcome IN %')"

/* What migration 6 changed, put back as a version-5 store has it. */
#define CHECKS_AS_LISTS                                                                   \
	"PRAGMA writable_schema = ON;"                                                    \
	"UPDATE sqlite_schema SET sql = replace(sql,"                                     \
	" 'status = ''delivered'' OR status = ''deferred'' OR status = ''bounced''',"     \
	" 'status IN (''delivered'',''deferred'',''bounced'')') WHERE name = 'attempts';" \
	"UPDATE sqlite_schema SET sql = replace(sql,"                                     \
	" 'state = ''queued'' OR state = ''sent'' OR state = ''failed''',"                \
	" 'state IN (''queued'',''sent'',''failed'')') WHERE name = 'outbox';"            \
	"UPDATE sqlite_schema SET sql = replace(sql, 'outcome = ''found'' OR "            \
	"outcome = ''ambiguous'' OR outcome = ''not_found'' OR outcome = "                \
	"''unauthorized'' OR outcome = ''ignored'' OR outcome = ''error''',"              \
	" 'outcome IN    (''found'',''ambiguous'',''not_found'',''unauthorized'',"        \
	"''ignored'',''error'')') WHERE name = 'requests';"                               \
	"PRAGMA writable_schema = OFF;"

/* A version-5 store is upgraded to 6: on SQLite the CHECK constraints that
 * listed three or more values become comparisons joined by OR (no row is
 * rewritten), and they refuse exactly what they refused; on PostgreSQL
 * only the version moves. */
static void
test_upgrade_5_to_6(void **state)
{
	struct fx *f = *state;
	struct request_in r = { .complaint_key = "<u6@x> 00",
				.received_at = 1,
				.decided_at = 1,
				.outcome = "found",
				.why = "t" };
	struct outbox_in o = { .created_at = 1, .rcpt = "a@b.example", .message = "m", .len = 1 };
	char err[512];
	const char *bad[] = {
		"INSERT INTO attempts(recipient_id, fingerprint, at, status)"
		" SELECT id, 7, 1, 'bogus' FROM recipients",
		"UPDATE attempts SET status = 'Delivered'",
		"UPDATE outbox SET state = 'gone'",
		"UPDATE requests SET outcome = 'maybe'",
	};

	put_msg(f->st, "acme", "Q6", "<m6@x>", "six", 100, "a@b.example", NULL);
	assert_int_equal(store_record_request(f->st, &r, &o, NULL, NULL), STORE_ADDED);
	store_close(&f->st);
	if (!tu_store_pg()) {
		tu_sql_exec(f->path, CHECKS_AS_LISTS);
		assert_int_equal(lite_int(f->path, LISTED_CHECKS), 3);
	}
	tu_sql_exec(f->path, drop_migration_7());
	tu_sql_exec(f->path, "UPDATE schema_version SET version = 5");
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	if (tu_store_pg())
		return;
	store_close(&f->st);
	assert_int_equal(lite_int(f->path, LISTED_CHECKS), 0);
	assert_int_equal(lite_exec_rc(f->path,
				      "INSERT INTO attempts(recipient_id, fingerprint, at,"
				      " status) SELECT id, 1, 1, 'delivered' FROM recipients"),
			 SQLITE_OK);
	assert_int_equal(lite_int(f->path, "SELECT count(*) FROM attempts"), 1);
	assert_int_equal(lite_int(f->path, "SELECT count(*) FROM pragma_integrity_check"
					   " WHERE integrity_check = 'ok'"),
			 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lite_exec_rc(f->path, bad[i]), SQLITE_CONSTRAINT);
	assert_int_equal(lite_exec_rc(f->path, "UPDATE outbox SET state = 'failed';"
					       "UPDATE requests SET outcome = 'error';"
					       "UPDATE attempts SET status = 'deferred'"),
			 SQLITE_OK);
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
}

/* A version-1 store (before the complaints table) is upgraded to 2. */
static void
test_upgrade_1_to_2(void **state)
{
	struct fx *f = *state;
	char err[512];

	store_close(&f->st);
	tu_sql_exec(f->path, drop_migration_7());
	tu_sql_exec(f->path, drop_migration_5());
	tu_sql_exec(f->path,
		    "DROP TABLE claims; ALTER TABLE requests DROP COLUMN node;"
		    "ALTER TABLE outbox DROP COLUMN claimed_by;"
		    "ALTER TABLE outbox DROP COLUMN claim_expires;"
		    "DROP TABLE complaints; DROP INDEX attempts_at; DROP INDEX messages_time;"
		    "DROP INDEX requests_reply_mid; DROP INDEX requests_thread;"
		    "ALTER TABLE requests DROP COLUMN reply_message_id;"
		    "ALTER TABLE requests DROP COLUMN language;"
		    "ALTER TABLE requests DROP COLUMN thread_id;"
		    "ALTER TABLE requests DROP COLUMN follow_up_of;"
		    "ALTER TABLE accounts DROP COLUMN language;"
		    "UPDATE schema_version SET version = 1");
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	store_close(&f->st);
	tu_sql_exec(f->path, tu_store_pg() ? "INSERT INTO complaints VALUES ('k', 1, '\\x00')" :
					     "INSERT INTO complaints VALUES ('k', 1, x'00')");
	f->st = store_open(f->path, err, sizeof(err));
	assert_non_null(f->st);
}

/* An older store (here: version 0, an empty database someone created) is
 * upgraded in one transaction on a writing open; a read-only open refuses it. */
static void
test_older_schema_upgraded(void **state)
{
	struct fx *f = *state;
	char path[600], err[512], want[64];
	struct store *st;

	(void)f;
	snprintf(path, sizeof(path), "%s/old.db", f->dir);
	tu_sql_exec(path, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
			  "INSERT INTO schema_version VALUES (0);"
			  "CREATE TABLE unrelated(x);");
	st = store_open_readonly(path, err, sizeof(err));
	assert_null(st);
	snprintf(want, sizeof(want), "needs upgrading to %d", STORE_SCHEMA_VERSION);
	assert_non_null(strstr(err, want));
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
	store_close(&st);
	/* A file with tables but no schema_version is another program's
	 * database (or a foreign -wal file was read): never built upon. */
	snprintf(path, sizeof(path), "%s/blocked.db", f->dir);
	tu_sql_exec(path, "CREATE TABLE messages(x);");
	st = store_open(path, err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "no responder schema"));
	/* A failing migration leaves nothing behind: a table in the way. */
	tu_sql_exec(path, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
			  "INSERT INTO schema_version VALUES (0);");
	st = store_open(path, err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "already exists"));
	tu_sql_exec(path, "DROP TABLE schema_version;");
	tu_sql_exec(path, "DROP TABLE messages;");
	st = store_open(path, err, sizeof(err));
	assert_non_null(st);
	store_close(&st);
	/* Not a database at all. */
	snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	free(tu_write_file(f->dir, "garbage.db",
			   "this is not sqlite, not at all........"
			   "................................................",
			   0644));
	st = store_open(path, err, sizeof(err));
	assert_null(st);
	assert_non_null(strstr(err, "not a database"));
}

static void
test_accounts(void **state)
{
	struct fx *f = *state;
	const char *acme[] = { "Billing@Acme.Example", "@acme.example" };
	const char *globex[] = { "ops@globex.example", "billing@acme.example", "bad address", "@" };
	int64_t id, acme_id, globex_id;
	char *name = NULL;
	int na = 0, nad = 0;

	assert_int_equal(store_put_account(f->st, "acme", acme, 2, &na, &nad), STORE_ADDED);
	assert_int_equal(na, 1);
	assert_int_equal(nad, 2);
	assert_int_equal(store_put_account(f->st, "acme", acme, 2, &na, &nad), STORE_OK);
	assert_int_equal(na + nad, 0);
	/* One good address kept, the taken and the invalid refused. */
	assert_int_equal(store_put_account(f->st, "globex", globex, 4, &na, &nad), STORE_EINVAL);
	assert_int_equal(na, 1);
	assert_int_equal(nad, 1);
	assert_int_equal(store_account_id(f->st, "acme", &acme_id), STORE_OK);
	assert_int_equal(store_account_id(f->st, "globex", &globex_id), STORE_OK);
	assert_int_equal(store_account_id(f->st, "nobody", &id), STORE_ENOTFOUND);

	assert_int_equal(store_account_of_address(f->st, "billing@acme.example", &id, &name),
			 STORE_OK);
	assert_int_equal(id, acme_id);
	assert_string_equal(name, "acme");
	free(name);
	/* Domain entry: any address of the domain, any case, with brackets. */
	assert_int_equal(store_account_of_address(f->st, " <Someone@ACME.example>", &id, NULL),
			 STORE_OK);
	assert_int_equal(id, acme_id);
	assert_int_equal(store_account_of_address(f->st, "ops@globex.example", &id, NULL),
			 STORE_OK);
	assert_int_equal(id, globex_id);
	/* Not a subdomain, not a look-alike, not garbage. */
	assert_int_equal(store_account_of_address(f->st, "x@sub.acme.example", &id, NULL),
			 STORE_ENOTFOUND);
	assert_int_equal(store_account_of_address(f->st, "x@acme.example.evil", &id, NULL),
			 STORE_ENOTFOUND);
	assert_int_equal(store_account_of_address(f->st, "other@globex.example", &id, NULL),
			 STORE_ENOTFOUND);
	assert_int_equal(store_account_of_address(f->st, "@acme.example", &id, NULL),
			 STORE_ENOTFOUND);
	assert_int_equal(store_account_of_address(f->st, "", &id, NULL), STORE_ENOTFOUND);
}

static void
put_msg(struct store *st, const char *account, const char *qid, const char *mid,
	const char *subject, int64_t at, const char *r1, const char *r2)
{
	const char *rc[2] = { r1, r2 };
	struct store_message_in m = {
		.account = account,
		.queue_id = qid,
		.message_id = mid,
		.from = "billing@acme.example",
		.subject = subject,
		.submitted_at = at,
		.recipients = rc,
		.n_recipients = r2 ? 2 : 1,
	};
	int r = store_put_message(st, &m);

	if (r < 0)
		fail_msg("put_message %s: %s", qid, store_errmsg(st));
}

static int
put_att(struct store *st, const char *qid, const char *rcpt, int64_t at, const char *status,
	int code, const char *resp)
{
	struct store_attempt_in a = {
		.queue_id = qid,
		.recipient = rcpt,
		.at = at,
		.status = status,
		.mx_host = "mx.example",
		.mx_ip = "192.0.2.1",
		.smtp_code = code,
		.enhanced_status = code == 250 ? "2.0.0" : "4.2.0",
		.response = resp,
		.transcript = "< 220 hi\n> EHLO x\n",
	};

	return store_put_attempt(st, &a);
}

static void
test_messages_and_attempts(void **state)
{
	struct fx *f = *state;
	struct store_message_list l;
	struct store_message_in m;
	const char *rc[1] = { "bob@northwind.example" };
	int64_t n;

	put_msg(f->st, "acme", "Q1", "inv-1@acme.example", "Invoice 1", 1000,
		"bob@northwind.example", "Carol@Fabrikam.example");
	/* Same queue ID again: nothing changes. */
	memset(&m, 0, sizeof(m));
	m.account = "acme";
	m.queue_id = "Q1";
	m.message_id = "<inv-1@acme.example>";
	m.recipients = rc;
	m.n_recipients = 1;
	assert_int_equal(store_put_message(f->st, &m), STORE_OK);
	/* The queue ID of another account is refused. */
	m.account = "globex";
	assert_int_equal(store_put_message(f->st, &m), STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "another account"));
	/* A message with a bad recipient is refused whole. */
	rc[0] = "not an address";
	m.account = "acme";
	m.queue_id = "Q9";
	assert_int_equal(store_put_message(f->st, &m), STORE_EINVAL);
	assert_int_equal(store_count(f->st, "messages", &n), STORE_OK);
	assert_int_equal(n, 1);

	assert_int_equal(put_att(f->st, "Q1", "bob@northwind.example", 1100, "deferred", 450,
				 "450 4.2.0 Greylisted"),
			 STORE_ADDED);
	assert_int_equal(put_att(f->st, "Q1", "bob@northwind.example", 1100, "deferred", 450,
				 "450 4.2.0 Greylisted"),
			 STORE_OK); /* duplicate */
	assert_int_equal(
	    put_att(f->st, "Q1", "bob@northwind.example", 1500, "delivered", 250, "250 2.0.0 OK"),
	    STORE_ADDED);
	/* An older attempt arriving late does not change the current status. */
	assert_int_equal(put_att(f->st, "Q1", "bob@northwind.example", 1050, "deferred", 421,
				 "421 4.7.0 try later"),
			 STORE_ADDED);
	/* A recipient that only the attempt names is added. */
	assert_int_equal(put_att(f->st, "Q1", "dave@contoso.example", 1200, "bounced", 550,
				 "550 5.1.1 no such user"),
			 STORE_ADDED);
	assert_int_equal(put_att(f->st, "NOPE", "bob@northwind.example", 1, "delivered", 250, "x"),
			 STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(f->st), "unknown queue_id NOPE"));
	assert_int_equal(put_att(f->st, "Q1", "bob@northwind.example", 1, "lost", 250, "x"),
			 STORE_EINVAL);
	assert_int_equal(put_att(f->st, "Q1", "bob@northwind.example", 0, "delivered", 250, "x"),
			 STORE_EINVAL);

	assert_int_equal(store_find_by_queue_id(f->st, "Q1", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].message_id, "<inv-1@acme.example>");
	assert_string_equal(l.v[0].account, "acme");
	assert_int_equal(l.v[0].n_rcpts, 3);
	assert_string_equal(l.v[0].rcpts[0].address, "bob@northwind.example");
	assert_string_equal(l.v[0].rcpts[0].status, "delivered");
	assert_int_equal(l.v[0].rcpts[0].last_attempt_at, 1500);
	assert_int_equal(l.v[0].rcpts[0].n_attempts, 3);
	assert_int_equal(l.v[0].rcpts[0].attempts[0].at, 1050); /* oldest first */
	assert_string_equal(l.v[0].rcpts[0].attempts[2].response, "250 2.0.0 OK");
	assert_string_equal(l.v[0].rcpts[0].attempts[2].transcript, "< 220 hi\n> EHLO x\n");
	assert_string_equal(l.v[0].rcpts[0].attempts[2].transcript_kind, "full");
	assert_string_equal(l.v[0].rcpts[1].address, "carol@fabrikam.example");
	assert_string_equal(l.v[0].rcpts[1].status, "pending");
	assert_int_equal(l.v[0].rcpts[1].n_attempts, 0);
	assert_string_equal(l.v[0].rcpts[2].status, "bounced");
	store_message_list_free(&l);

	/* Without the flag no transcript is loaded. */
	assert_int_equal(store_find_by_queue_id(f->st, "Q1", 0, STORE_WITH_ATTEMPTS, &l), STORE_OK);
	assert_null(l.v[0].rcpts[0].attempts[0].transcript);
	store_message_list_free(&l);
}

/* A later, richer record completes an earlier one without overwriting. */
static void
test_message_completion(void **state)
{
	struct fx *f = *state;
	const char *rc[1] = { "bob@northwind.example" };
	struct store_message_in m = {
		.account = "acme", .queue_id = "Q2", .recipients = rc, .n_recipients = 1
	};
	struct store_message_list l;

	assert_int_equal(store_put_message(f->st, &m), STORE_ADDED);
	m.message_id = "x@acme.example";
	m.subject = "Late subject";
	m.submitted_at = 5000;
	assert_int_equal(store_put_message(f->st, &m), STORE_ADDED);
	m.subject = "Other subject";
	assert_int_equal(store_put_message(f->st, &m), STORE_OK);
	assert_int_equal(
	    store_find_by_recipient(f->st, "bob@northwind.example", 0, 4000, 6000, 0, 10, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].subject, "Late subject");
	assert_int_equal(l.v[0].submitted_at, 5000);
	store_message_list_free(&l);
}

static void
test_lookups_and_isolation(void **state)
{
	struct fx *f = *state;
	const char *a1[] = { "@acme.example" }, *a2[] = { "@globex.example" };
	struct store_message_list l;
	int64_t acme, globex;

	store_put_account(f->st, "acme", a1, 1, NULL, NULL);
	store_put_account(f->st, "globex", a2, 1, NULL, NULL);
	store_account_id(f->st, "acme", &acme);
	store_account_id(f->st, "globex", &globex);
	put_msg(f->st, "acme", "A1", "<inv-1042@acme.example>", "Invoice 1042", 100000,
		"bob@n.example", NULL);
	put_msg(f->st, "acme", "A2", "<inv-1043@acme.example>", "Re: Invoice 1043 (reminder)",
		200000, "bob@n.example", NULL);
	put_msg(f->st, "acme", "A3", "<same@x>", "Quote", 300000, "carol@f.example", NULL);
	put_msg(f->st, "globex", "G1", "<same@x>", "Invoice 1042", 150000, "bob@n.example", NULL);

	/* Message-ID with or without brackets; per account. */
	assert_int_equal(store_find_by_message_id(f->st, "inv-1042@acme.example", 0, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "A1");
	store_message_list_free(&l);
	assert_int_equal(store_find_by_message_id(f->st, "<same@x>", 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].queue_id, "A3"); /* newest first */
	store_message_list_free(&l);
	assert_int_equal(store_find_by_message_id(f->st, "<same@x>", globex, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "G1");
	store_message_list_free(&l);
	assert_int_equal(
	    store_find_by_message_id(f->st, "<inv-1042@acme.example>", globex, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0); /* another account's message is never returned */
	assert_int_equal(store_find_by_queue_id(f->st, "A1", globex, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_find_by_message_id(f->st, "", 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);

	/* Recipient within a window, account-restricted. */
	assert_int_equal(store_find_by_recipient(f->st, "BOB@n.example", acme, 0, 0, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 2);
	store_message_list_free(&l);
	assert_int_equal(
	    store_find_by_recipient(f->st, "bob@n.example", acme, 150000, 250000, 0, 0, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "A2");
	store_message_list_free(&l);
	assert_int_equal(store_find_by_recipient(f->st, "bob@n.example", 0, 0, 0, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 3);
	store_message_list_free(&l);
	assert_int_equal(store_find_by_recipient(f->st, "bob@n.example", 0, 0, 0, 0, 1, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1); /* limit */
	store_message_list_free(&l);

	/* Subject words, whatever the prefixes, case and punctuation. */
	assert_int_equal(
	    store_find_by_subject(f->st, "FW: RE: invoice #1042", acme, 0, 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "A1");
	store_message_list_free(&l);
	assert_int_equal(store_find_by_subject(f->st, "WG: Invoice", acme, 0, 0, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 2);
	store_message_list_free(&l);
	assert_int_equal(
	    store_find_by_subject(f->st, "invoice 1043 reminder", acme, 0, 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	store_message_list_free(&l);
	assert_int_equal(store_find_by_subject(f->st, "Invoice 1042", acme, 0, 120000, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	store_message_list_free(&l);
	assert_int_equal(store_find_by_subject(f->st, "Invoice 1042", globex, 0, 0, 0, 0, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "G1");
	store_message_list_free(&l);
	/* FTS syntax in a subject is just words. */
	assert_int_equal(
	    store_find_by_subject(f->st, "\"invoice\" OR NEAR(* \"", acme, 0, 0, 0, 0, &l),
	    STORE_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_find_by_subject(f->st, "Re: !!!", acme, 0, 0, 0, 0, &l), STORE_OK);
	assert_int_equal(l.n, 0);
}

/* A lookup that found a row must not keep a read snapshot open: the WAL of
 * a long-running daemon could then never be checkpointed (it grew to GBs). */
static void
test_lookups_release_snapshot(void **state)
{
	struct fx *f = *state;
	const char *a1[] = { "@acme.example" };
	int64_t id;
	sqlite3 *db;
	sqlite3_stmt *s;
	struct store_message_list l;

	store_put_account(f->st, "acme", a1, 1, NULL, NULL);
	put_msg(f->st, "acme", "A1", "<m@acme.example>", "Invoice", 1000, "bob@n.example", NULL);
	assert_int_equal(put_att(f->st, "A1", "bob@n.example", 1100, "delivered", 250, "250 ok"),
			 STORE_ADDED);
	/* Readers that stop on a row, through every public lookup. */
	assert_int_equal(store_account_id(f->st, "acme", &id), STORE_OK);
	assert_int_equal(store_account_of_address(f->st, "x@acme.example", &id, NULL), STORE_OK);
	assert_int_equal(store_find_by_queue_id(f->st, "A1", 0, STORE_WITH_TRANSCRIPTS, &l),
			 STORE_OK);
	store_message_list_free(&l);
	assert_int_equal(put_att(f->st, "A1", "bob@n.example", 1100, "delivered", 250, "250 ok"),
			 STORE_OK); /* the fingerprint lookup of a duplicate */
	if (tu_store_pg())
		return; /* a snapshot that blocks a checkpoint is SQLite's WAL matter */

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE scratch(x); INSERT INTO scratch VALUES (1)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0); /* 0: not blocked by a reader */
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* A store fed one message at a time (the daemon's follower) keeps several
 * subject-index segments under FTS5's automerge; store_merge_search()
 * merges them in bounded steps (the daemon, once a day) into one, the
 * index still matches the table and finds what it found, and once merged
 * it says there is nothing left.  PostgreSQL: nothing to do. */
static void
test_merge_search(void **state)
{
	struct fx *f = *state;
	static const char *const acme[] = { "@acme.example" };
	struct store_message_list l;
	char qid[32], mid[64], subj[64];
	int na = 0, nad = 0, r, steps = 0;

	assert_true(store_put_account(f->st, "acme", acme, 1, &na, &nad) >= 0);
	for (int i = 0; i < 300; i++) {
		snprintf(qid, sizeof(qid), "M%05d", i);
		snprintf(mid, sizeof(mid), "<m%d@acme.example>", i);
		snprintf(subj, sizeof(subj), "Invoice %d for order %d", 70000 + i, i % 7);
		put_msg(f->st, "acme", qid, mid, subj, 1793000000 + i, "r@dest.example", NULL);
	}
	if (tu_store_pg()) {
		assert_int_equal(store_merge_search(f->st, 5), 0);
		return;
	}
	assert_true(lite_int(f->path, "SELECT count(DISTINCT segid) FROM messages_fts_idx") > 1);
	while ((r = store_merge_search(f->st, 5)) == 1 && steps < 10000)
		steps++;
	assert_int_equal(r, 0);
	assert_int_equal(lite_int(f->path, "SELECT count(DISTINCT segid) FROM messages_fts_idx"),
			 1);
	assert_int_equal(lite_exec_rc(f->path, "INSERT INTO messages_fts(messages_fts)"
					       " VALUES('integrity-check')"),
			 SQLITE_OK);
	assert_int_equal(store_merge_search(f->st, 5), 0);
	assert_int_equal(
	    store_find_by_subject(f->st, "Re: Invoice 70123 for order 4", 0, 0, 0, 0, 10, &l),
	    STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].queue_id, "M00123");
	store_message_list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_schema_upgraded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_1_to_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_4_to_5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_5_to_6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_6_to_7, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_messages_and_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_and_isolation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_release_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_search, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
