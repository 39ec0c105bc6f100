/*
 * pg_records.c - the record writes of the PostgreSQL store as one round
 * trip each.
 *
 * store_put_message() and store_put_attempt() (records.c) are several
 * statements each: the queue-ID lock, lookups, inserts, an update.  Over
 * a network every statement is a round trip, and an import of 100 000
 * attempts spent its time waiting on ~7 of them per line (docs/scale.md:
 * ~410 attempts/s against SQLite's ~7 800).  Here the same steps are
 * PL/pgSQL functions, so a record costs one call.
 *
 * They are made in pg_temp, once per writable session (at open and after
 * a reconnect): no schema change, nothing left in the database, and each
 * responder runs the functions of its own version even while an older
 * one shares the database during an upgrade.  The role needs the TEMP
 * privilege (every role has it unless revoked); without it the open
 * fails with STORE_EPERM and says so.
 *
 * Every statement of a VOLATILE PL/pgSQL function reads a fresh snapshot
 * (READ COMMITTED), which is what the two-importer guarantees need: the
 * lookup after the queue-ID advisory lock, and the read after an ON
 * CONFLICT that waited for another importer's insert, see what that
 * importer committed, exactly as the separate statements did.
 *
 * Both functions check before they write, so a refused record (the
 * negative results) leaves nothing behind (store.h).  The caller has
 * validated and normalised every field (records.c).
 *
 * Batches of records (store_batch_*: the JSON Lines, Postfix and Exim
 * importers) do not come here: they go through a staging table and one
 * set-based merge (pg_stage.c), which pg_session_functions makes with
 * these.
 */
#include "store/pg/pg_int.h"
#include "common/strutil.h"

#include <stdio.h>
#include <string.h>

/* clang-format off */
static const char *const session_functions[] = {
	/* Returns 1 when something was added or filled in, 0 when all was
	 * there, -1 when the queue ID belongs to another account.
	 * p_rcpts: the normalised recipients separated by single spaces
	 * (addr_valid refuses spaces), NULL for none. */
	"CREATE OR REPLACE FUNCTION pg_temp.responder_put_message(p_account text,"
	"  p_qid text, p_mid text, p_from text, p_subject text, p_norm text,"
	"  p_submitted bigint, p_rcpts text) RETURNS int LANGUAGE plpgsql"
	"  SET plan_cache_mode = force_generic_plan AS $$"
	" DECLARE v_acct bigint; v_msg bigint; v_owner bigint; v_sub bigint;"
	"  v_added int := 0; v_n bigint;"
	" BEGIN"
	/* queue_id cannot be UNIQUE across the monthly partitions: two
	 * importers adding one queue ID take turns on a lock of that ID until
	 * their transactions end (the key records.c's SQL used, so responders
	 * of both versions exclude each other). */
	"  PERFORM pg_advisory_xact_lock(hashtextextended(p_qid, 0));"
	"  SELECT id, account_id, submitted_at INTO v_msg, v_owner, v_sub"
	"   FROM messages WHERE queue_id = p_qid;"
	"  SELECT id INTO v_acct FROM accounts WHERE name = p_account;"
	"  IF v_msg IS NOT NULL AND v_owner IS DISTINCT FROM v_acct THEN"
	"   RETURN -1;"
	"  END IF;"
	"  IF v_acct IS NULL THEN"
	"   INSERT INTO accounts(name) VALUES (p_account) ON CONFLICT DO NOTHING;"
	"   SELECT id INTO v_acct FROM accounts WHERE name = p_account;"
	"  END IF;"
	"  IF v_msg IS NULL THEN"
	"   INSERT INTO messages(queue_id, message_id, account_id, sender, subject,"
	"     subject_norm, submitted_at)"
	"    VALUES (p_qid, p_mid, v_acct, p_from, p_subject, p_norm, p_submitted)"
	"    RETURNING id INTO v_msg;"
	"   v_sub := p_submitted;"
	"   v_added := 1;"
	"  ELSE"
	/* Fill what is still empty; never overwrite. */
	"   UPDATE messages SET message_id = coalesce(message_id, p_mid),"
	"     sender = coalesce(sender, p_from), subject = coalesce(subject, p_subject),"
	"     subject_norm = coalesce(subject_norm, p_norm),"
	"     submitted_at = CASE submitted_at WHEN 0 THEN p_submitted ELSE submitted_at END"
	"    WHERE id = v_msg AND submitted_at = v_sub"
	"     AND (message_id IS NULL AND p_mid IS NOT NULL"
	"      OR sender IS NULL AND p_from IS NOT NULL"
	"      OR subject IS NULL AND p_subject IS NOT NULL"
	"      OR submitted_at = 0 AND p_submitted <> 0);"
	"   GET DIAGNOSTICS v_n = ROW_COUNT;"
	"   IF v_n > 0 THEN"
	"    v_added := 1;"
	"    IF v_sub = 0 AND p_submitted <> 0 THEN"
	"     v_sub := p_submitted;"
	"     UPDATE recipients SET submitted_at = v_sub WHERE message_id = v_msg;"
	"    END IF;"
	"   END IF;"
	"  END IF;"
	"  INSERT INTO recipients(message_id, address, account_id, submitted_at)"
	"   SELECT v_msg, r.a, v_acct, v_sub"
	"    FROM unnest(string_to_array(p_rcpts, ' ')) WITH ORDINALITY AS r(a, i)"
	"    ORDER BY r.i"
	"   ON CONFLICT DO NOTHING;"
	"  GET DIAGNOSTICS v_n = ROW_COUNT;"
	"  IF v_n > 0 THEN"
	"   v_added := 1;"
	"  END IF;"
	"  RETURN v_added;"
	" END $$",
	/* Returns 1 when the attempt was added, 0 when it was there, -1 when
	 * the queue ID is unknown.  p_rcpt is normalised. */
	"CREATE OR REPLACE FUNCTION pg_temp.responder_put_attempt(p_qid text,"
	"  p_rcpt text, p_fp bigint, p_at bigint, p_status text, p_mx_host text,"
	"  p_mx_ip text, p_code bigint, p_enh text, p_resp text, p_transcript text,"
	"  p_kind text) RETURNS int LANGUAGE plpgsql"
	"  SET plan_cache_mode = force_generic_plan AS $$"
	" DECLARE v_msg bigint; v_acct bigint; v_sub bigint; v_rid bigint; v_n bigint;"
	" BEGIN"
	"  SELECT id, account_id, submitted_at INTO v_msg, v_acct, v_sub"
	"   FROM messages WHERE queue_id = p_qid;"
	"  IF v_msg IS NULL THEN"
	"   RETURN -1;"
	"  END IF;"
	/* A recipient row carries its message's submitted_at (the partition
	 * key), so the lookups below name it and touch one partition. */
	"  INSERT INTO recipients(message_id, address, account_id, submitted_at)"
	"   VALUES (v_msg, p_rcpt, v_acct, v_sub) ON CONFLICT DO NOTHING"
	"   RETURNING id INTO v_rid;"
	"  IF v_rid IS NULL THEN"
	"   SELECT id INTO v_rid FROM recipients"
	"    WHERE message_id = v_msg AND address = p_rcpt AND submitted_at = v_sub;"
	"  END IF;"
	"  INSERT INTO attempts(recipient_id, fingerprint, at, status, mx_host, mx_ip,"
	"    smtp_code, enhanced_status, response, transcript, transcript_kind)"
	"   VALUES (v_rid, p_fp, p_at, p_status, p_mx_host, p_mx_ip, p_code, p_enh,"
	"    p_resp, p_transcript, coalesce(p_kind, 'full'))"
	"   ON CONFLICT DO NOTHING;"
	"  GET DIAGNOSTICS v_n = ROW_COUNT;"
	"  IF v_n = 0 THEN"
	"   RETURN 0;"
	"  END IF;"
	"  UPDATE recipients SET status = p_status, last_attempt_at = p_at"
	"   WHERE id = v_rid AND submitted_at = v_sub AND last_attempt_at <= p_at;"
	"  RETURN 1;"
	" END $$",
	NULL,
};
/* clang-format on */

/* Runs each statement of `list` (NULL-terminated); the first failure
 * stops it. */
static int
run_session_sql(struct store *st, const char *const *list)
{
	struct pg_conn *c = st->conn;

	for (const char *const *q = list; *q != NULL; q++) {
		PGresult *res = PQexec(c->pg, *q);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* 42501: no TEMP privilege on the database (PostgreSQL grants
		 * it to everyone unless an admin revoked it) */
		int perm = state != NULL && strcmp(state, "42501") == 0;
		char msg[300];

		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			PQclear(res);
			continue;
		}
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(res));
		msg[strcspn(msg, "\n")] = '\0';
		PQclear(res);
		snprintf(
		    st->err, sizeof(st->err),
		    "store %.200s: cannot make the session's functions: %.180s%s", st->path, msg,
		    perm ? " (the role needs TEMP on the database: GRANT TEMP ON DATABASE ... TO"
			   " the role)" :
			   "");
		str_sanitize_line(st->err);
		return perm ? STORE_EPERM : STORE_EDB;
	}
	return STORE_OK;
}

int
pg_session_functions(struct store *st)
{
	int r = run_session_sql(st, session_functions);

	return r == STORE_OK ? run_session_sql(st, pg_stage_sql) : r;
}
