/*
 * pg_schema.c - the PostgreSQL store's schema and its migrations.
 *
 * The same tables, columns and versions as store/sqlite/sqlite_schema.c
 * (migration N here is migration N there, so schema_version means the
 * same on both and migrate-store copies column for column), with these
 * differences, each for a reason:
 *
 * - Integers are bigint, ids bigserial, blobs bytea.
 * - messages and recipients are partitioned by month of submitted_at,
 *   attempts by month of at (declarative RANGE partitioning, one
 *   partition per UTC month, a DEFAULT partition for what falls outside,
 *   e.g. submitted_at 0 = unknown).  Retention drops whole months
 *   (store_purge) instead of deleting rows one by one, and a lookup
 *   bounded in time touches only its months.  Partitions are made ahead
 *   by responder_partitions(): at each migration and at each writable
 *   open (last month to three months ahead; migrate-store makes the months
 *   of what it copies), never inside an import's
 *   transaction (creating one locks the parent table).
 * - A partitioned table's unique keys must contain its partition key, so
 *   the primary keys are (id, submitted_at) / (id, at), and there are no
 *   foreign keys between the three partitioned tables (retention removes
 *   their months together; orphans cannot be made by the store's own
 *   writes).  messages.queue_id cannot be UNIQUE across partitions: it is
 *   indexed, and store_put_message takes a transaction-scoped advisory
 *   lock on the queue ID before it looks, so two importers on two relay
 *   nodes never both insert one queue ID.
 * - Subject search: a tsvector column generated from subject_norm with
 *   the 'simple' configuration (no stemming, no stop words) and a GIN
 *   index, queried with plainto_tsquery('simple', words).  subject_norm is
 *   already what the SQLite side indexes (common/subject.c: prefixes
 *   stripped, lower-cased, punctuation removed), so both backends match
 *   whole words, all of them, the same way; we chose this over pg_trgm,
 *   which matches substrings (a word "in" would match "invoice") and would
 *   need a LIKE per word.  One difference: FTS5's unicode61 folds
 *   diacritics, 'simple' does not (unaccent needs an extension an
 *   ordinary database owner may not create).
 * - unixepoch() is defined here, so SQL shared with SQLite can call it.
 */
#include "store/pg/pg_int.h"

#include <stdio.h>

/* clang-format off */
static const char *const migration_1[] = {
	"CREATE FUNCTION unixepoch() RETURNS bigint LANGUAGE sql STABLE"
	"  AS 'SELECT extract(epoch FROM now())::bigint'",
	"CREATE TABLE accounts ("
	"  id bigserial PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  created_at bigint NOT NULL DEFAULT unixepoch())",
	"CREATE TABLE account_addresses ("
	"  address text PRIMARY KEY,"
	"  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE)",
	"CREATE INDEX account_addresses_account ON account_addresses(account_id)",
	"CREATE TABLE messages ("
	"  id bigserial,"
	"  queue_id text NOT NULL,"
	"  message_id text,"
	"  account_id bigint NOT NULL REFERENCES accounts(id),"
	"  sender text,"
	"  subject text,"
	"  subject_norm text,"
	"  subject_words tsvector GENERATED ALWAYS AS"
	"    (to_tsvector('simple', coalesce(subject_norm, ''))) STORED,"
	"  submitted_at bigint NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (id, submitted_at)"
	") PARTITION BY RANGE (submitted_at)",
	"CREATE TABLE messages_pdefault PARTITION OF messages DEFAULT",
	"CREATE INDEX messages_queue_id ON messages(queue_id)",
	"CREATE INDEX messages_message_id ON messages(message_id)",
	"CREATE INDEX messages_account_time ON messages(account_id, submitted_at)",
	"CREATE INDEX messages_subject_words ON messages USING gin (subject_words)",
	"CREATE TABLE recipients ("
	"  id bigserial,"
	"  message_id bigint NOT NULL,"
	"  address text NOT NULL,"
	"  account_id bigint NOT NULL,"
	"  submitted_at bigint NOT NULL DEFAULT 0,"
	"  status text NOT NULL DEFAULT 'pending',"
	"  last_attempt_at bigint NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (id, submitted_at),"
	"  UNIQUE (message_id, address, submitted_at)"
	") PARTITION BY RANGE (submitted_at)",
	"CREATE TABLE recipients_pdefault PARTITION OF recipients DEFAULT",
	"CREATE INDEX recipients_lookup ON recipients(address, account_id, submitted_at)",
	"CREATE TABLE attempts ("
	"  id bigserial,"
	"  recipient_id bigint NOT NULL,"
	"  fingerprint bigint NOT NULL,"
	"  at bigint NOT NULL,"
	"  status text NOT NULL CHECK (status IN ('delivered','deferred','bounced')),"
	"  mx_host text, mx_ip text,"
	"  smtp_code bigint,"
	"  enhanced_status text,"
	"  response text,"
	"  transcript text,"
	"  transcript_kind text NOT NULL DEFAULT 'full'"
	"    CHECK (transcript_kind IN ('full','summary')),"
	"  PRIMARY KEY (id, at),"
	"  UNIQUE (recipient_id, fingerprint, at)"
	") PARTITION BY RANGE (at)",
	"CREATE TABLE attempts_pdefault PARTITION OF attempts DEFAULT",
	"CREATE TABLE requests ("
	"  id bigserial PRIMARY KEY,"
	"  complaint_key text NOT NULL,"
	"  complaint_message_id text,"
	"  source text,"
	"  received_at bigint NOT NULL,"
	"  decided_at bigint NOT NULL,"
	"  requester text,"
	"  account_id bigint REFERENCES accounts(id) ON DELETE SET NULL,"
	"  account text,"
	"  outcome text NOT NULL CHECK (outcome IN"
	"    ('found','ambiguous','not_found','unauthorized','ignored','error')),"
	"  why text NOT NULL,"
	"  subject text,"
	"  matched_queue_id text,"
	"  extracted text,"
	"  matches text,"
	"  detail text,"
	"  requeue_of bigint REFERENCES requests(id) ON DELETE SET NULL)",
	"CREATE INDEX requests_key ON requests(complaint_key)",
	"CREATE INDEX requests_time ON requests(received_at)",
	"CREATE INDEX requests_requester ON requests(requester, received_at)",
	"CREATE INDEX requests_mid ON requests(complaint_message_id)",
	"CREATE TABLE outbox ("
	"  id bigserial PRIMARY KEY,"
	"  request_id bigint NOT NULL REFERENCES requests(id) ON DELETE CASCADE,"
	"  created_at bigint NOT NULL,"
	"  envelope_from text NOT NULL,"
	"  rcpt text NOT NULL,"
	"  message bytea NOT NULL,"
	"  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sent','failed')),"
	"  tries bigint NOT NULL DEFAULT 0,"
	"  next_try_at bigint NOT NULL DEFAULT 0,"
	"  last_error text,"
	"  smtp_reply text,"
	"  sent_at bigint)",
	"CREATE INDEX outbox_due ON outbox(state, next_try_at)",
	"CREATE INDEX outbox_request ON outbox(request_id)",
	"CREATE TABLE imap_state ("
	"  folder text PRIMARY KEY,"
	"  uidvalidity bigint NOT NULL,"
	"  last_uid bigint NOT NULL)",
	"CREATE TABLE in_progress ("
	"  complaint_key text PRIMARY KEY,"
	"  source text,"
	"  started_at bigint NOT NULL,"
	"  restarts bigint NOT NULL DEFAULT 0,"
	"  parse_failures bigint NOT NULL DEFAULT 0)",
	"CREATE TABLE import_positions ("
	"  path text PRIMARY KEY,"
	"  inode bigint, \"offset\" bigint NOT NULL DEFAULT 0,"
	"  head text,"
	"  state text,"
	"  updated_at bigint NOT NULL)",
	"CREATE TABLE kv (key text PRIMARY KEY, value text)",
	/* Monthly partitions of the three big tables from `back` months ago
	 * to `ahead` months on (UTC).  A month whose rows already sit in the
	 * DEFAULT partition cannot be made (PostgreSQL refuses): it is
	 * skipped, and those rows stay where they are. */
	"CREATE FUNCTION responder_partitions(back int, ahead int) RETURNS int"
	" LANGUAGE plpgsql AS $$"
	" DECLARE m timestamp; lo bigint; hi bigint; t text; n int := 0;"
	" BEGIN"
	"  FOR k IN -back..ahead LOOP"
	"   m := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => k);"
	"   lo := extract(epoch FROM m)::bigint;"
	"   hi := extract(epoch FROM m + interval '1 month')::bigint;"
	"   FOREACH t IN ARRAY ARRAY['messages', 'recipients', 'attempts'] LOOP"
	"    IF to_regclass(t || '_p' || to_char(m, 'YYYYMM')) IS NULL THEN"
	"     BEGIN"
	"      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',"
	"                     t || '_p' || to_char(m, 'YYYYMM'), t, lo, hi);"
	"      n := n + 1;"
	"     EXCEPTION WHEN others THEN"
	"      RAISE NOTICE 'partition %: %', t || '_p' || to_char(m, 'YYYYMM'), SQLERRM;"
	"     END;"
	"    END IF;"
	"   END LOOP;"
	"  END LOOP;"
	"  RETURN n;"
	" END $$",
	/* Retention by month: the partitions whose month ended before
	 * `cutoff`.  An attempts month goes whole (every row is older); a
	 * messages month goes with its recipients month only when no attempt
	 * of theirs is left (a message sent before the cutoff with a later
	 * attempt stays).  Returns the rows they held. */
	"CREATE FUNCTION responder_drop_partitions(cutoff bigint,"
	"   OUT attempts bigint, OUT messages bigint)"
	" LANGUAGE plpgsql AS $$"
	" DECLARE p record; n bigint; left_over boolean;"
	" BEGIN"
	"  attempts := 0; messages := 0;"
	"  FOR p IN SELECT c.relname, i.inhparent::regclass::text AS parent,"
	"     (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''?(\\d+)'))[1]::bigint AS hi"
	"   FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	"   WHERE i.inhparent IN ('attempts'::regclass, 'messages'::regclass)"
	"     AND c.relname ~ '_p[0-9]{6}$' ORDER BY 2 LOOP"
	"   CONTINUE WHEN p.hi IS NULL OR p.hi > cutoff;"
	"   IF p.parent = 'attempts' THEN"
	"    EXECUTE format('SELECT count(*) FROM %I', p.relname) INTO n;"
	"    EXECUTE format('DROP TABLE %I', p.relname);"
	"    attempts := attempts + n;"
	"   ELSE"
	"    EXECUTE format('SELECT EXISTS (SELECT 1 FROM attempts a JOIN %I r"
	" ON a.recipient_id = r.id)', replace(p.relname, 'messages_', 'recipients_'))"
	"     INTO left_over;"
	"    CONTINUE WHEN left_over;"
	"    EXECUTE format('SELECT count(*) FROM %I', p.relname) INTO n;"
	"    EXECUTE format('DROP TABLE %I', p.relname);"
	"    EXECUTE format('DROP TABLE IF EXISTS %I',"
	"                   replace(p.relname, 'messages_', 'recipients_'));"
	"    messages := messages + n;"
	"   END IF;"
	"  END LOOP;"
	" END $$",
	NULL,
};

static const char *const migration_2[] = {
	"CREATE TABLE complaints ("
	"  complaint_key text PRIMARY KEY,"
	"  received_at bigint NOT NULL,"
	"  raw bytea NOT NULL)",
	"CREATE INDEX complaints_time ON complaints(received_at)",
	"CREATE INDEX attempts_at ON attempts(at)",
	"CREATE INDEX messages_time ON messages(submitted_at)",
	NULL,
};

static const char *const migration_3[] = {
	"ALTER TABLE requests ADD COLUMN reply_message_id text",
	"ALTER TABLE requests ADD COLUMN language text",
	"ALTER TABLE requests ADD COLUMN thread_id bigint",
	"ALTER TABLE requests ADD COLUMN follow_up_of bigint",
	"CREATE INDEX requests_reply_mid ON requests(reply_message_id)",
	"CREATE INDEX requests_thread ON requests(thread_id)",
	"ALTER TABLE accounts ADD COLUMN language text",
	NULL,
};
/* Several responders on one store: the node that handled a request,
 * claims on complaints (a lease: expires_at) and on outbox rows.  A
 * complaint may have several request rows on purpose (a requeue, an
 * "already answered" repeat), so the claim, not a unique key, is what
 * keeps two responders from answering one complaint. */
static const char *const migration_4[] = {
	"ALTER TABLE requests ADD COLUMN node text",
	"CREATE TABLE claims ("
	"  complaint_key text PRIMARY KEY,"
	"  node text NOT NULL,"
	"  expires_at bigint NOT NULL)",
	"ALTER TABLE outbox ADD COLUMN claimed_by text",
	"ALTER TABLE outbox ADD COLUMN claim_expires bigint NOT NULL DEFAULT 0",
	NULL,
};
/* What the hourly rate limits count, indexed (as migration 5 of
 * sqlite_schema.c, which says why): one row per outbox row, written by a
 * trigger.  responder_mailbox_key() is policy_mailbox_key() in SQL: ASCII
 * lower case (translate, not lower(), which would follow the database's
 * locale where the C code does not), the plus-tag removed. */
static const char *const migration_5[] = {
	"CREATE FUNCTION responder_mailbox_key(a text) RETURNS text"
	" LANGUAGE sql IMMUTABLE AS $$"
	" SELECT translate(CASE WHEN strpos(a, '@') > 0"
	"   AND strpos(split_part(a, '@', 1), '+') > 0"
	"   THEN split_part(a, '+', 1) || substr(a, strpos(a, '@')) ELSE a END,"
	"  'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$",
	"CREATE TABLE outbox_rate ("
	"  outbox_id bigint PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,"
	"  created_at bigint NOT NULL,"
	"  account_id bigint REFERENCES accounts(id) ON DELETE SET NULL,"
	"  requester_key text)",
	"CREATE INDEX outbox_rate_time ON outbox_rate(created_at)",
	"CREATE INDEX outbox_rate_requester ON outbox_rate(requester_key, created_at)",
	"CREATE INDEX outbox_rate_account ON outbox_rate(account_id, created_at)",
	"CREATE FUNCTION responder_outbox_rate() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN"
	"  INSERT INTO outbox_rate(outbox_id, created_at, account_id, requester_key)"
	"   SELECT NEW.id, NEW.created_at, r.account_id, responder_mailbox_key(r.requester)"
	"   FROM requests r WHERE r.id = NEW.request_id;"
	"  RETURN NULL;"
	" END $$",
	"CREATE TRIGGER outbox_rate_add AFTER INSERT ON outbox"
	" FOR EACH ROW EXECUTE FUNCTION responder_outbox_rate()",
	"INSERT INTO outbox_rate(outbox_id, created_at, account_id, requester_key)"
	" SELECT o.id, o.created_at, r.account_id, responder_mailbox_key(r.requester)"
	" FROM outbox o JOIN requests r ON r.id = o.request_id",
	NULL,
};
/* clang-format on */

/* Migration 6: nothing on PostgreSQL.  On SQLite it rewrites the CHECK
 * constraints that list values (`status IN (...)`) as comparisons, which
 * SQLite evaluates without building a table per row; PostgreSQL compares
 * a constant list directly. */
static const char *const migration_6[] = {
	NULL,
};

/* Migration 7: a reply's bytes in their own table, as on SQLite (where
 * a sent mark rewrote the whole row with them); here an UPDATE keeps a
 * TOASTed value where it is, so it is for one schema on both. */
static const char *const migration_7[] = {
	"CREATE TABLE outbox_messages ("
	"  outbox_id bigint PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,"
	"  message bytea NOT NULL)",
	"INSERT INTO outbox_messages(outbox_id, message) SELECT id, message FROM outbox",
	"ALTER TABLE outbox DROP COLUMN message",
	NULL,
};

/* Each migration is a NULL-terminated list of statements; append only,
 * in step with sqlite_schema.c. */
static const char *const *const migrations[] = {
	migration_1, migration_2, migration_3, migration_4, migration_5, migration_6, migration_7,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "a migration for each schema version, as on SQLite");

static int
read_version(struct store *st, int *v_r)
{
	struct store_stmt *s;
	int64_t v = 0;
	int rc;

	s = store_stmt(st, "SELECT CASE WHEN to_regclass('schema_version') IS NULL THEN 0"
			   " ELSE 1 END");
	if (s == NULL)
		return STORE_EDB;
	if ((rc = store_step_int64(st, s, &v, "reading the schema")) < 0)
		return rc;
	if (v == 0) {
		*v_r = 0;
		return STORE_OK;
	}
	s = store_stmt(st, "SELECT coalesce(max(version), 0) FROM schema_version");
	if (s == NULL)
		return STORE_EDB;
	if ((rc = store_step_int64(st, s, &v, "reading schema_version")) < 0)
		return rc;
	*v_r = (int)v;
	return STORE_OK;
}

/* Monthly partitions around now, in a transaction of their own. */
/* A writable open by a role that may only read fails here, as an SQLite
 * store whose file is read-only fails at its open (STORE_EPERM: the
 * command stops before any work), not at its first write. */
static int
check_writable(struct store *st)
{
	struct store_stmt *s;
	int64_t ok = 0;
	int rc;

	s = store_stmt(st, "SELECT CASE WHEN has_table_privilege('requests', 'INSERT, UPDATE')"
			   " AND has_table_privilege('outbox', 'INSERT, UPDATE, DELETE')"
			   " AND has_table_privilege('outbox_messages', 'INSERT')"
			   " AND has_table_privilege('attempts', 'INSERT')"
			   " AND has_table_privilege('in_progress', 'INSERT, DELETE')"
			   " THEN 1 ELSE 0 END");
	if (s == NULL)
		return STORE_EDB;
	if ((rc = store_step_int64(st, s, &ok, "reading the role's privileges")) < 0)
		return rc;
	if (!ok)
		return store_fail(
		    st, STORE_EPERM,
		    "cannot be written by this role (it may only read): grant it "
		    "INSERT, UPDATE, DELETE on the store's tables, or use the owner's");
	return STORE_OK;
}

static int
make_partitions(struct store *st, int back, int ahead)
{
	struct store_stmt *s;
	int64_t n;

	s = store_stmt(st, "SELECT responder_partitions(?1::int, ?2::int)");
	if (s == NULL)
		return STORE_EDB;
	store_bind_int64(s, 1, back);
	store_bind_int64(s, 2, ahead);
	return store_step_int64(st, s, &n, "making monthly partitions");
}

int
pg_migrate(struct store *st, int readonly)
{
	int have, r;
	char sql[128];
	const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));

	if ((r = read_version(st, &have)) < 0)
		return r;
	if (have > latest)
		return store_fail(st, STORE_ENEWER,
				  "%s has schema version %d, newer than this responder's %d: "
				  "upgrade the responder",
				  st->path, have, latest);
	if (have == latest) {
		if (readonly)
			return STORE_OK;
		if ((r = check_writable(st)) < 0)
			return r;
		return make_partitions(st, 1, 3);
	}
	if (readonly)
		return store_fail(st, STORE_EINVAL,
				  "%s has schema version %d and needs upgrading to %d: "
				  "open it once with a command that writes (e.g. import)",
				  st->path, have, latest);
	/* One migrator at a time across every responder on this database.
	 * The lock is the session's and is taken before BEGIN: a transaction
	 * that waited for an advisory lock it took itself still sees the
	 * catalog as it was when it began (an advisory lock does not make
	 * the backend read catalog invalidations, so to_regclass() keeps
	 * answering "no schema_version" from its cache), and would run
	 * migration 1 again over a schema another migrator just committed.
	 * A transaction begun after the wait reads the version afresh. */
	if (store_exec(st, "SELECT pg_advisory_lock(7262001)") < 0)
		return STORE_EDB;
	if (store_exec(st, "BEGIN") < 0)
		goto unlock;
	if ((r = read_version(st, &have)) < 0)
		goto fail;
	if (have == 0 && store_exec(st, "CREATE TABLE IF NOT EXISTS schema_version ("
					"version bigint NOT NULL)") < 0)
		goto fail;
	for (int v = have; v < latest; v++)
		for (const char *const *q = migrations[v]; *q != NULL; q++)
			if (store_exec(st, *q) < 0)
				goto fail;
	snprintf(sql, sizeof(sql),
		 "DELETE FROM schema_version;"
		 "INSERT INTO schema_version(version) VALUES (%d)",
		 latest);
	if (store_exec(st, sql) < 0 || store_exec(st, "COMMIT") < 0)
		goto fail;
	if (store_exec(st, "SELECT pg_advisory_unlock(7262001)") < 0)
		return STORE_EDB;
	return make_partitions(st, 1, 3);
fail:
	store_exec_keep_error(st, "ROLLBACK");
unlock:
	store_exec_keep_error(st, "SELECT pg_advisory_unlock(7262001)");
	return STORE_EDB;
}

int
pg_schema_version(struct store *st)
{
	int v;

	return read_version(st, &v) == STORE_OK ? v : -1;
}
