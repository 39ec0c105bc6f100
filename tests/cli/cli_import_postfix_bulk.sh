#!/usr/bin/env bash
# `import --format postfix` of a large log writes in bulk, as the JSONL
# importer does: its transactions leave the subject index to their commit
# (store_begin_bulk) and a load into an empty store builds its secondary
# indexes at its end (store_defer_indexes).  Checked here, on a generated
# 200 000-line log (27 MiB, the benchmark's generator):
#  - into an empty store (indexes deferred) and into a store that already
#    holds a message (nothing deferred) the log's rows are the same, and so
#    are the answers of the subject index;
#  - each store passes SQLite's checks, has the trigger, every index, and
#    an FTS5 index that matches the table;
#  - killed (SIGKILL) in the middle of the load into an empty store, the
#    store is consistent and each index is there or kept to be built; the
#    import run again ends with the same rows as the uninterrupted one.
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool python3 sqlite3

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 "$RESPONDER_SRC/scripts/lib/gen_postfix_log.py" 200000 > "$T/mail.log"
for s in empty seeded killed; do
  printf '[store]\npath = %s/%s.db\n[import]\naccount_from = sasl_username\n' "$T" "$s" > "$T/$s.conf"
done

q() { sqlite3 -cmd '.timeout 10000' "$T/$1.db" "$2"; }

# Every row the log gave, without the store's own ids.
dump() {
  q "$1" "SELECT m.queue_id, m.message_id, a.name, m.sender, m.subject, m.subject_norm,
            m.submitted_at, r.address, r.status, r.submitted_at, r.last_attempt_at,
            t.fingerprint, t.at, t.status, t.mx_host, t.mx_ip, t.smtp_code,
            t.enhanced_status, t.response, t.transcript, t.transcript_kind
     FROM messages m JOIN accounts a ON a.id = m.account_id
     LEFT JOIN recipients r ON r.message_id = m.id
     LEFT JOIN attempts t ON t.recipient_id = r.id
     WHERE a.name NOT IN ('acme', 'globex')
     ORDER BY m.queue_id, r.address, t.at, t.fingerprint"
}

# What the subject index answers, by queue ID (the seed's messages left out).
words() {
  local w
  for w in invoice order statement meeting account; do
    echo "== $w"
    q "$1" "SELECT m.queue_id FROM messages_fts f JOIN messages m ON m.id = f.rowid
            JOIN accounts a ON a.id = m.account_id
            WHERE messages_fts MATCH '$w' AND a.name NOT IN ('acme', 'globex') ORDER BY 1"
  done
}

check_store() {
  local s=$1 what=$2 ix
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$(q "$s" 'PRAGMA integrity_check')" = ok ] || fail "$what: integrity_check"
  [ -z "$(q "$s" 'PRAGMA foreign_key_check')" ] || fail "$what: foreign_key_check"
  [ "$(q "$s" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_fts_ai'")" = 1 ] ||
    fail "$what: the subject index trigger is missing"
  q "$s" "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')" ||
    fail "$what: FTS5 integrity-check"
  [ "$(q "$s" 'SELECT count(*) FROM messages_fts')" = "$(q "$s" 'SELECT count(*) FROM messages')" ] ||
    fail "$what: not every message is in the subject index"
  for ix in messages_message_id messages_account_time messages_time recipients_lookup attempts_at; do
    [ "$(q "$s" "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '$ix')
                   + (SELECT count(*) FROM kv WHERE key = 'deferred_index:$ix')")" = 1 ] ||
      fail "$what: index $ix neither there nor to be built"
  done
}

built() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$(q "$1" "SELECT count(*) FROM kv WHERE key LIKE 'deferred_index:%'")" = 0 ] ||
    fail "$2: indexes left to build"
}

# 1. Into the empty store: deferred, built at the end.
run "$RESPONDER_BIN" -c "$T/empty.conf" import --format postfix "$T/mail.log"
expect_status 0 "import into the empty store"
expect_out "added 1"
check_store empty "the load into the empty store"
built empty "the load into the empty store"

# 2. Into a store that holds a message already: nothing deferred.
run "$RESPONDER_BIN" -c "$T/seeded.conf" import "$RESPONDER_SRC/store/samples/records.jsonl"
expect_status 0 "the seed"
run "$RESPONDER_BIN" -c "$T/seeded.conf" import --format postfix "$T/mail.log"
expect_status 0 "import into the seeded store"
check_store seeded "the load into the seeded store"
built seeded "the load into the seeded store"
dump empty > "$T/empty.dump"
dump seeded > "$T/seeded.dump"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(wc -l < "$T/empty.dump")" -gt 100000 ] || fail "only $(wc -l < "$T/empty.dump") rows from the log"
cmp -s "$T/empty.dump" "$T/seeded.dump" ||
  fail "the rows differ between the two loads: $(diff "$T/empty.dump" "$T/seeded.dump" | head -4)"
words empty > "$T/empty.words"
words seeded > "$T/seeded.words"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(grep -vc '^==' "$T/empty.words")" -gt 10000 ] || fail "the subject index found too little"
cmp -s "$T/empty.words" "$T/seeded.words" || fail "the subject index answers differ between the two loads"

# 3. Killed in the middle of the load into an empty store, then again.
"$RESPONDER_BIN" -c "$T/killed.conf" import --quiet --format postfix "$T/mail.log" > "$T/out" 2>&1 &
pid=$!
for _ in $(seq 600); do
  n=$(q killed 'SELECT count(*) FROM messages' 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.02
done
sleep "0.$((RANDOM % 3))"
alive=0
kill -KILL $pid 2>/dev/null && alive=1
wait $pid 2>/dev/null
echo "killed with $(q killed 'SELECT count(*) FROM messages') messages written (running: $alive)"
check_store killed "after the kill"
# killed inside the load: its indexes are still to be built (the proof
# that the load deferred them), by the next open for writing
if [ $alive = 1 ]; then
  CHECK_COUNT=$((CHECK_COUNT + 1))
  n=$(q killed "SELECT count(*) FROM kv WHERE key LIKE 'deferred_index:%'")
  [ "$n" = 5 ] || fail "killed inside the load into the empty store: $n indexes to build, want 5"
fi
run "$RESPONDER_BIN" -c "$T/killed.conf" import --format postfix "$T/mail.log"
expect_status 0 "the import again after the kill"
check_store killed "after the import again"
built killed "after the import again"
dump killed > "$T/killed.dump"
cmp -s "$T/empty.dump" "$T/killed.dump" ||
  fail "after the kill and the import again the rows differ: $(diff "$T/empty.dump" "$T/killed.dump" | head -4)"
finish
