#!/usr/bin/env bash
# The JSONL importer killed (SIGKILL) in the middle of an import into a
# SQLite store, three times at different points: each time what was
# committed before the kill is still there, the store passes SQLite's
# integrity and foreign-key checks, no line is half written (every
# message has both its recipients), the subject-word trigger is in place
# and its FTS5 index matches the table (a bulk transaction drops the
# trigger inside itself: store_begin_bulk), and each secondary index is
# either there or kept in kv to be built (a load into an empty store
# builds them at its end: store_defer_indexes).  The first kill lands in a
# load into the empty store, so its indexes are still to be built; the
# next import's open builds them.  Then the import runs to the end: every
# record once, and again: nothing added.
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool python3 sqlite3

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
printf '[store]\npath = %s/store.db\n' "$T" > "$T/r.conf"
R=("$RESPONDER_BIN" -c "$T/r.conf")
N=40000 # attempts: 20 000 messages, 60 100 lines, a dozen batches
python3 "$RESPONDER_SRC/scripts/lib/gen_records.py" $N 20 > "$T/records.jsonl"

q() { sqlite3 -cmd '.timeout 10000' "$T/store.db" "$1"; }

# A consistent store: SQLite's checks, whole lines, the subject index.
check_store() {
  local what=$1
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$(q 'PRAGMA integrity_check')" = ok ] || fail "$what: integrity_check: $(q 'PRAGMA integrity_check' | head -3)"
  [ -z "$(q 'PRAGMA foreign_key_check')" ] || fail "$what: foreign_key_check: $(q 'PRAGMA foreign_key_check' | head -3)"
  [ "$(q 'SELECT count(*) FROM messages m WHERE (SELECT count(*) FROM recipients r WHERE r.message_id = m.id) <> 2')" = 0 ] ||
    fail "$what: a message without both its recipients"
  [ "$(q "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'messages_fts_ai'")" = 1 ] ||
    fail "$what: the subject index trigger is missing"
  q "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')" || fail "$what: FTS5 integrity-check"
  for ix in messages_message_id messages_account_time messages_time recipients_lookup attempts_at; do
    [ "$(q "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '$ix')
              + (SELECT count(*) FROM kv WHERE key = 'deferred_index:$ix')")" = 1 ] ||
      fail "$what: index $ix neither there nor to be built"
  done
  [ "$(q "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'invoice'")" = "$(q 'SELECT count(*) FROM messages')" ] ||
    fail "$what: not every message is in the subject index"
}

before=0
for round in 1 2 3; do
  "${R[@]}" import --quiet "$T/records.jsonl" > "$T/out" 2>&1 &
  pid=$!
  # wait for a commit beyond what the last round left, then a little more
  for _ in $(seq 600); do
    n=$(q 'SELECT count(*) FROM messages' 2>/dev/null || echo 0)
    [ "${n:-0}" -gt "$before" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  sleep "0.$((RANDOM % 4))"
  seen=$(q 'SELECT count(*) FROM messages')
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  after=$(q 'SELECT count(*) FROM messages')
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$after" -ge "$seen" ] || fail "round $round: $seen messages committed before the kill, $after after"
  echo "round $round: killed with $seen messages seen, $after after"
  check_store "after kill $round ($after messages)"
  deferred=$(q "SELECT count(*) FROM kv WHERE key LIKE 'deferred_index:%'")
  CHECK_COUNT=$((CHECK_COUNT + 1))
  if [ $round = 1 ]; then
    [ "$deferred" = 5 ] || fail "round 1 (a load into the empty store): $deferred indexes to build, want 5"
  else
    [ "$deferred" = 0 ] || fail "round $round: the open before it left $deferred indexes to build"
  fi
  before=$after
done

run "${R[@]}" import "$T/records.jsonl"
expect_status 0 "the import to the end after the kills"
[ "$(q 'SELECT count(*) FROM messages')" = $((N / 2)) ] || fail "want $((N / 2)) messages, got $(q 'SELECT count(*) FROM messages')"
[ "$(q 'SELECT count(*) FROM recipients')" = "$N" ] || fail "want $N recipients"
[ "$(q 'SELECT count(*) FROM attempts')" = "$N" ] || fail "want $N attempts, got $(q 'SELECT count(*) FROM attempts')"
check_store "after the whole import"
[ "$(q "SELECT count(*) FROM kv WHERE key LIKE 'deferred_index:%'")" = 0 ] || fail "indexes left to build after the import"
run "${R[@]}" import "$T/records.jsonl"
expect_status 0 "the import again"
expect_out "added 0 accounts, 0 addresses, 0 messages, 0 attempts"
finish
