#!/usr/bin/env bash
# A large import leaves the subject-word index (FTS5) in one segment: each
# bulk transaction adds its messages as one more segment, and a search
# looks its words up in every one, so at the end of a load that added at
# least a sixteenth of the store's messages the index is merged
# (store_finish_load, FTS5 'optimize').  Checked here, for JSON Lines and
# for a Postfix log, each into an empty store:
#  - after the load the index has one segment (the binary before this
#    change left 7 and 13 here), passes FTS5's integrity check, and finds each
#    sampled message by its subject words;
#  - a small import into the loaded store (under a sixteenth) is not
#    merged: more segments than one (the trigger indexes the first message
#    of a bulk transaction, the rest come in one statement at its end), the
#    integrity check still passes, and the new messages are found.
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool python3 sqlite3

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# segments DB: the index's segments (each has rows in the %_idx table).
segments() { store_sql "$1" "SELECT count(DISTINCT segid) FROM messages_fts_idx"; }

expect_segments() { # DB N what
  local n
  n=$(segments "$1")
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$n" = "$2" ] || fail "$3: $n segments in the subject index, want $2"
}

expect_integrity() { # DB what
  LAST_CMD="FTS5 integrity-check of $1"
  store_sql "$1" "INSERT INTO messages_fts(messages_fts) VALUES('integrity-check')" > "$OUT" 2> "$ERR"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ ! -s "$ERR" ] || fail "$2: the subject index does not match the table"
}

# found DB QUEUE_ID...: each message is what a search for every word of
# its own normalised subject finds (among others).
expect_found() {
  local db=$1 qid words id hits
  shift
  for qid in "$@"; do
    id=$(store_sql "$db" "SELECT id FROM messages WHERE queue_id = '$qid'")
    words=$(store_sql "$db" "SELECT subject_norm FROM messages WHERE queue_id = '$qid'")
    hits=$(store_sql "$db" "SELECT rowid FROM messages_fts WHERE messages_fts MATCH
                    '$(printf '"%s" ' $words)'")
    CHECK_COUNT=$((CHECK_COUNT + 1))
    [ -n "$id" ] && printf '%s\n' "$hits" | grep -qx "$id" ||
      fail "$qid (\"$words\") not found by its subject words"
  done
}

# ---- JSON Lines: 20 000 messages, 60 100 lines, 13 bulk transactions --------
python3 "$RESPONDER_SRC/scripts/lib/gen_records.py" 40000 10 > "$T/records.jsonl"
printf '[store]\npath = %s/j.db\n' "$T" > "$T/j.conf"
run "$RESPONDER_BIN" -c "$T/j.conf" import --quiet "$T/records.jsonl"
expect_status 0 "import of 40 000 attempts"
expect_segments "$T/j.db" 1 "JSON Lines load into an empty store"
expect_integrity "$T/j.db" "JSON Lines load"
expect_found "$T/j.db" Q000000000 Q000004999 Q000012345 Q000019999

# A small import (100 messages of another account) into the loaded store.
python3 - "$T/small.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    f.write(json.dumps({"type": "account", "account": "late", "addresses": ["@late.example"]}) + "\n")
    for i in range(100):
        f.write(json.dumps({"type": "message", "account": "late", "queue_id": "L%05d" % i,
                            "message_id": "<late%d@late.example>" % i, "from": "a@late.example",
                            "subject": "Quarterly statement %d ready" % i,
                            "submitted_at": "2026-11-20T10:00:00Z",
                            "recipients": ["x%d@dest.example" % i]}) + "\n")
PY
run "$RESPONDER_BIN" -c "$T/j.conf" import --quiet "$T/small.jsonl"
expect_status 0 "small import into the loaded store"
n=$(segments "$T/j.db")
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$n" -gt 1 ] || fail "a small import was merged ($n segment), want it left to automerge"
expect_integrity "$T/j.db" "after the small import"
expect_found "$T/j.db" L00000 L00099 Q000012345

# ---- a Postfix log: 60 000 lines into an empty store ------------------------
python3 "$RESPONDER_SRC/scripts/lib/gen_postfix_log.py" 60000 > "$T/mail.log"
printf '[store]\npath = %s/p.db\n[import]\naccount_from = sasl_username\n' "$T" > "$T/p.conf"
run "$RESPONDER_BIN" -c "$T/p.conf" import --format postfix --quiet "$T/mail.log"
expect_status 0 "import of a 60 000-line Postfix log"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(store_sql "$T/p.db" "SELECT count(*) FROM messages")" -gt 1000 ] || fail "too few messages from the log"
expect_segments "$T/p.db" 1 "Postfix log into an empty store"
expect_integrity "$T/p.db" "Postfix log"
expect_found "$T/p.db" $(store_sql "$T/p.db" "SELECT queue_id FROM messages WHERE subject_norm <> ''
                                       ORDER BY id LIMIT 3")

finish
