/*
 * pg_stage.c - batched record writes on PostgreSQL: a batch of messages
 * and attempts goes into a temporary staging table in one COPY, and one
 * call merges it into the store set by set (store/batch.c sends, the
 * importers give the batches).
 *
 * Why: one PL/pgSQL call per record (pg_records.c), even pipelined, costs
 * the server five statements' executor start-up, plan and partition
 * routing per record (docs/scale.md: ~1 740 attempts/s at 1 M).  Here a
 * batch of thousands costs a few dozen statements.
 *
 * The merge must leave the store exactly as the per-record calls would,
 * in the records' order, with each record's own result (1 added, 0 all
 * there, -1 refused: another account's queue ID, or an unknown one).  It
 * does so by splitting the batch into segments (the `seg` column, set by
 * the sender): within one segment a message record is the first record
 * to name its queue ID.  Inside a segment, then, no record depends on a
 * later one, and the messages can be merged before the attempts:
 *
 *   messages: the queue-ID advisory locks (the key the per-record function
 *     takes, so both exclude each other), the lookups, the refusals, the
 *     new accounts, the new messages, the rare fills of empty fields (row
 *     by row, as before), the recipients;
 *   attempts: the message of each (one made in this segment included),
 *     its recipient, the attempts (the first record of each attempt key
 *     inserts it, the others are "all there"), the recipients' status
 *     from the latest attempt added (the last record of the latest time,
 *     as the per-record updates leave it).
 *
 * The log importers' records add what the importer read of the store
 * between writes (store.h, store_batch_message_opts): a message record
 * may be refused as a reused queue ID (`reuse`: the stored message has
 * another submission time; -3, with that time in `info`) or leave its
 * account to the store (NULL: the stored message's; -4 when none), both
 * checked before the owner, as the importer did; and an attempt may
 * name the record of its message (`dep`, a seq of this batch, in this
 * segment or an earlier one): if that one was not stored, the attempt is
 * not either (-2).
 *
 * A recipient row made by the merge is written with the status its
 * attempts of the segment give it (every one of them is new, since the
 * row is), and the status update skips rows that already hold it: an
 * update of a row on a page the batch has filled cannot stay on its
 * page, and updating every new recipient made the store 9 % larger.
 *
 * The segments run in their order.  Each statement is a fresh snapshot
 * (a VOLATILE function, READ COMMITTED), so what another importer
 * committed while we waited for a lock or an ON CONFLICT is seen, as with
 * the per-record calls.  Lookups in the big tables are correlated
 * subqueries (an index probe per row whatever the planner thinks of the
 * staging table).  The staging table has no statistics, so the planner
 * takes a filtered part of it for one row, and joined it to the rows an
 * INSERT returned in a nested loop: thousands squared comparisons, 4 s a
 * batch.  So the joins are chosen here: no nested loops in the merge
 * (hash joins between the staging rows and what a statement returned),
 * except the one join with a big table (the status update), which runs
 * with nothing but nested loops, so it probes the recipients' primary key
 * instead of reading every partition.  A join switched off costs the
 * planner 1e10, which made it compile the statement (JIT, 1 s each time):
 * no JIT in the merge.
 *
 * The staging table is made at each writable session like the functions
 * (pg_temp: nothing in the schema, TEMP privilege needed), emptied by the
 * merge and at every commit.
 */
#include "store/pg/pg_int.h"

#include <stdio.h>
#include <string.h>

/* clang-format off */
const char *const pg_stage_sql[] = {
	"DROP TABLE IF EXISTS pg_temp.responder_stage",
	/* COPY fills seq .. reuse and account .. tkind (store/batch.c, in
	 * this order); the merge fills the rest. */
	"CREATE TEMP TABLE responder_stage ("
	"  seq bigint NOT NULL, seg int NOT NULL, kind int NOT NULL,"
	"  dep bigint, reuse bigint NOT NULL DEFAULT 0, info bigint,"
	"  account text, qid text NOT NULL, mid text, sender text, subject text,"
	"  norm text, submitted bigint NOT NULL DEFAULT 0, rcpts text,"
	"  rcpt text, fp bigint, at bigint, status text, mx_host text, mx_ip text,"
	"  code bigint, enh text, resp text, transcript text, tkind text,"
	"  msg_id bigint, owner bigint, acct bigint, sub bigint, rid bigint,"
	"  gap boolean, fresh boolean NOT NULL DEFAULT false,"
	"  first boolean NOT NULL DEFAULT false, result int"
	") ON COMMIT DELETE ROWS",
	/* The message records of segment v_seg: the locks, what is stored
	 * of their queue IDs, the refusals. */
	"CREATE OR REPLACE FUNCTION pg_temp.responder_merge_lookup(v_seg int)"
	"  RETURNS void LANGUAGE plpgsql SET enable_nestloop = off SET jit = off AS $$"
	" BEGIN"
	/* In the records' order, as the per-record calls take them: two
	 * imports of overlapping files then take the locks they share in
	 * one order, and neither waits for the other in a circle. */
	"   PERFORM pg_advisory_xact_lock(hashtextextended(qid, 0)) FROM (SELECT qid"
	"     FROM pg_temp.responder_stage WHERE seg = v_seg AND kind = 1 ORDER BY seq) x;"
	"   UPDATE pg_temp.responder_stage st SET (msg_id, owner, sub, gap) ="
	"     (SELECT m.id, m.account_id, m.submitted_at,"
	"       m.message_id IS NULL AND st.mid IS NOT NULL"
	"        OR m.sender IS NULL AND st.sender IS NOT NULL"
	"        OR m.subject IS NULL AND st.subject IS NOT NULL"
	"        OR m.submitted_at = 0 AND st.submitted <> 0"
	"      FROM messages m WHERE m.queue_id = st.qid LIMIT 1),"
	"     acct = (SELECT a.id FROM accounts a WHERE a.name = st.account)"
	"    WHERE st.seg = v_seg AND st.kind = 1;"
	/* The log importers' checks (store.h, store_batch_message_opts), in
	 * their order: a queue ID stored for a message submitted at another
	 * time (-3), no account given and none stored (-4). */
	"   UPDATE pg_temp.responder_stage SET result = -3, info = sub"
	"    WHERE seg = v_seg AND kind = 1 AND reuse <> 0 AND msg_id IS NOT NULL"
	"     AND sub <> 0 AND sub <> reuse;"
	"   UPDATE pg_temp.responder_stage SET acct = owner,"
	"     account = (SELECT a.name FROM accounts a WHERE a.id = owner)"
	"    WHERE seg = v_seg AND kind = 1 AND result IS NULL AND account IS NULL"
	"     AND msg_id IS NOT NULL;"
	"   UPDATE pg_temp.responder_stage SET result = -4"
	"    WHERE seg = v_seg AND kind = 1 AND result IS NULL AND account IS NULL;"
	"   UPDATE pg_temp.responder_stage SET result = -1"
	"    WHERE seg = v_seg AND kind = 1 AND result IS NULL AND msg_id IS NOT NULL"
	"     AND owner IS DISTINCT FROM acct;"
	" END $$",
	/* The message records of segment v_seg, written. */
	"CREATE OR REPLACE FUNCTION pg_temp.responder_merge_messages(v_seg int)"
	"  RETURNS void LANGUAGE plpgsql SET enable_nestloop = off SET jit = off AS $$"
	" DECLARE r record; v_n bigint;"
	" BEGIN"
	"   PERFORM pg_temp.responder_merge_lookup(v_seg);"
	"   INSERT INTO accounts(name) SELECT account FROM pg_temp.responder_stage"
	"     WHERE seg = v_seg AND kind = 1 AND result IS NULL AND acct IS NULL"
	"     GROUP BY account ORDER BY min(seq)"
	"    ON CONFLICT DO NOTHING;"
	"   UPDATE pg_temp.responder_stage st"
	"     SET acct = (SELECT a.id FROM accounts a WHERE a.name = st.account)"
	"    WHERE st.seg = v_seg AND st.kind = 1 AND st.result IS NULL AND st.acct IS NULL;"
	"   UPDATE pg_temp.responder_stage SET msg_id = nextval('messages_id_seq'),"
	"     sub = submitted, fresh = true, result = 1"
	"    WHERE seg = v_seg AND kind = 1 AND result IS NULL AND msg_id IS NULL;"
	"   INSERT INTO messages(id, queue_id, message_id, account_id, sender, subject,"
	"     subject_norm, submitted_at)"
	"    SELECT msg_id, qid, mid, acct, sender, subject, norm, submitted"
	"     FROM pg_temp.responder_stage WHERE seg = v_seg AND kind = 1 AND fresh"
	"     ORDER BY seq;"
	/* Fill what is still empty, never overwrite: rare (a later record
	 * of a message that came without some field), so row by row. */
	"   FOR r IN SELECT seq, msg_id, sub, mid, sender, subject, norm, submitted"
	"     FROM pg_temp.responder_stage"
	"     WHERE seg = v_seg AND kind = 1 AND result IS NULL AND gap ORDER BY seq LOOP"
	"    UPDATE messages SET message_id = coalesce(message_id, r.mid),"
	"      sender = coalesce(sender, r.sender), subject = coalesce(subject, r.subject),"
	"      subject_norm = coalesce(subject_norm, r.norm),"
	"      submitted_at = CASE submitted_at WHEN 0 THEN r.submitted ELSE submitted_at END"
	"     WHERE id = r.msg_id AND submitted_at = r.sub"
	"      AND (message_id IS NULL AND r.mid IS NOT NULL"
	"       OR sender IS NULL AND r.sender IS NOT NULL"
	"       OR subject IS NULL AND r.subject IS NOT NULL"
	"       OR submitted_at = 0 AND r.submitted <> 0);"
	"    GET DIAGNOSTICS v_n = ROW_COUNT;"
	"    IF v_n > 0 THEN"
	"     UPDATE pg_temp.responder_stage SET result = 1 WHERE seq = r.seq;"
	"     IF r.sub = 0 AND r.submitted <> 0 THEN"
	"      UPDATE recipients SET submitted_at = r.submitted WHERE message_id = r.msg_id;"
	"      UPDATE pg_temp.responder_stage SET sub = r.submitted WHERE seq = r.seq;"
	"     END IF;"
	"    END IF;"
	"   END LOOP;"
	/* A queue ID is in one message record of a segment: a recipient
	 * returned is that record's. */
	"   WITH ins AS ("
	"    INSERT INTO recipients(message_id, address, account_id, submitted_at, status,"
	"      last_attempt_at)"
	"     SELECT st.msg_id, x.a, st.acct, st.sub, coalesce(w.status, 'pending'),"
	"       coalesce(w.at, 0) FROM pg_temp.responder_stage st CROSS JOIN LATERAL"
	"       unnest(string_to_array(st.rcpts, ' ')) WITH ORDINALITY AS x(a, i)"
	"      LEFT JOIN (SELECT DISTINCT ON (qid, rcpt) qid, rcpt, status, at"
	"        FROM pg_temp.responder_stage WHERE seg = v_seg AND kind = 2"
	"        ORDER BY qid, rcpt, at DESC, seq DESC) w ON w.qid = st.qid AND w.rcpt = x.a"
	"      WHERE st.seg = v_seg AND st.kind = 1 AND coalesce(st.result, 0) >= 0"
	"      ORDER BY st.seq, x.i"
	"     ON CONFLICT DO NOTHING RETURNING message_id)"
	"   UPDATE pg_temp.responder_stage st SET result = 1"
	"    FROM (SELECT DISTINCT message_id FROM ins) i"
	"    WHERE st.seg = v_seg AND st.kind = 1 AND st.result IS NULL"
	"     AND st.msg_id = i.message_id;"
	"   UPDATE pg_temp.responder_stage SET result = 0"
	"    WHERE seg = v_seg AND kind = 1 AND result IS NULL;"
	" END $$",
	/* The attempt records of segment v_seg. */
	"CREATE OR REPLACE FUNCTION pg_temp.responder_merge_attempts(v_seg int)"
	"  RETURNS void LANGUAGE plpgsql SET enable_nestloop = off SET jit = off"
	"  SET enable_hashjoin = on SET enable_mergejoin = on AS $$"
	" BEGIN"
	/* A record that depends on one that was not stored (-2; its
	 * message's record, in this segment or an earlier one) */
	/* (a join: the staging table has no index, and a subquery per
	 * row read it whole each time, 0.7 s a batch) */
	"   UPDATE pg_temp.responder_stage st SET result = -2"
	"    FROM pg_temp.responder_stage d"
	"    WHERE st.seg = v_seg AND st.kind = 2 AND st.dep IS NOT NULL AND d.seq = st.dep"
	"     AND d.result < 0;"
	"   UPDATE pg_temp.responder_stage st SET (msg_id, acct, sub) ="
	"     (SELECT m.id, m.account_id, m.submitted_at"
	"      FROM messages m WHERE m.queue_id = st.qid LIMIT 1)"
	"    WHERE st.seg = v_seg AND st.kind = 2 AND st.result IS NULL;"
	"   UPDATE pg_temp.responder_stage SET result = -1"
	"    WHERE seg = v_seg AND kind = 2 AND result IS NULL AND msg_id IS NULL;"
	/* A recipient row carries its message's submitted_at (the
	 * partition key), so the probe below names it: one partition. */
	"   INSERT INTO recipients(message_id, address, account_id, submitted_at, status,"
	"     last_attempt_at)"
	"    SELECT msg_id, rcpt, acct, sub, status, at FROM (SELECT DISTINCT ON (msg_id, rcpt)"
	"      msg_id, rcpt, acct, sub, status, at,"
	"      min(seq) OVER (PARTITION BY msg_id, rcpt) AS first_seq"
	"      FROM pg_temp.responder_stage WHERE seg = v_seg AND kind = 2 AND result IS NULL"
	"      ORDER BY msg_id, rcpt, at DESC, seq DESC) d ORDER BY first_seq"
	"    ON CONFLICT DO NOTHING;"
	"   UPDATE pg_temp.responder_stage st SET rid = (SELECT x.id FROM recipients x"
	"     WHERE x.message_id = st.msg_id AND x.address = st.rcpt"
	"      AND x.submitted_at = st.sub)"
	"    WHERE st.seg = v_seg AND st.kind = 2 AND st.result IS NULL;"
	"   UPDATE pg_temp.responder_stage st SET first = true"
	"    FROM (SELECT DISTINCT ON (rid, fp, at) seq FROM pg_temp.responder_stage"
	"      WHERE seg = v_seg AND kind = 2 AND result IS NULL"
	"      ORDER BY rid, fp, at, seq) d"
	"    WHERE st.seq = d.seq;"
	"   WITH ins AS ("
	"    INSERT INTO attempts(recipient_id, fingerprint, at, status, mx_host, mx_ip,"
	"      smtp_code, enhanced_status, response, transcript, transcript_kind)"
	"     SELECT rid, fp, at, status, mx_host, mx_ip, code, enh, resp, transcript,"
	"       coalesce(tkind, 'full')"
	"      FROM pg_temp.responder_stage WHERE seg = v_seg AND kind = 2 AND first"
	"      ORDER BY seq"
	"     ON CONFLICT DO NOTHING RETURNING recipient_id, fingerprint, at)"
	"   UPDATE pg_temp.responder_stage st SET result = 1 FROM ins"
	"    WHERE st.seg = v_seg AND st.kind = 2 AND st.first"
	"     AND st.rid = ins.recipient_id AND st.fp = ins.fingerprint AND st.at = ins.at;"
	"   UPDATE pg_temp.responder_stage SET result = 0"
	"    WHERE seg = v_seg AND kind = 2 AND result IS NULL;"
	"   PERFORM set_config('enable_nestloop', 'on', true),"
	"     set_config('enable_hashjoin', 'off', true),"
	"     set_config('enable_mergejoin', 'off', true);"
	"   UPDATE recipients x SET status = w.status, last_attempt_at = w.at"
	"    FROM (SELECT DISTINCT ON (rid) rid, sub, status, at FROM pg_temp.responder_stage"
	"      WHERE seg = v_seg AND kind = 2 AND result = 1"
	"      ORDER BY rid, at DESC, seq DESC) w"
	"    WHERE x.id = w.rid AND x.submitted_at = w.sub AND x.last_attempt_at <= w.at"
	"     AND (x.status IS DISTINCT FROM w.status OR x.last_attempt_at <> w.at);"
	" END $$",
	/* One row per record, in seq order: (seq, result, info). */
	"CREATE OR REPLACE FUNCTION pg_temp.responder_merge()"
	"  RETURNS TABLE(o_seq bigint, o_result int, o_info bigint) LANGUAGE plpgsql AS $$"
	" DECLARE v_seg int;"
	" BEGIN"
	"  FOR v_seg IN SELECT DISTINCT seg FROM pg_temp.responder_stage ORDER BY seg LOOP"
	"   PERFORM pg_temp.responder_merge_messages(v_seg);"
	"   PERFORM pg_temp.responder_merge_attempts(v_seg);"
	"  END LOOP;"
	"  RETURN QUERY SELECT seq, result, info FROM pg_temp.responder_stage ORDER BY seq;"
	"  DELETE FROM pg_temp.responder_stage;"
	" END $$",
	NULL,
};
/* clang-format on */
