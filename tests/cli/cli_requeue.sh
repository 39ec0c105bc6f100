#!/usr/bin/env bash
# `responder requeue ID`: a recorded complaint is handled again from the
# bytes the store kept, past "already answered", with requeue_of pointing at
# the first request and a second reply queued; bad IDs; purged bytes.
# backends: sqlite pg
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool sqlite3 python3

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
DB=$T/store.db
F=$RESPONDER_FIXTURES/complaints
printf '[store]\n%s\n[templates]\ndir = %s/templates\n' "$(store_conf "$DB")" "$RESPONDER_SRC" > "$T/r.conf"
R=("$RESPONDER_BIN" -c "$T/r.conf")
q() { store_sql "$DB" "$1"; }

run "${R[@]}" import "$RESPONDER_SRC/store/samples/records.jsonl"
expect_status 0 "import"
run "${R[@]}" process --json "$F/attached.eml"
expect_status 0 "first handling"
CHECK_COUNT=$((CHECK_COUNT + 2))
[ "$(q "SELECT count(*) FROM complaints")" = 1 ] || fail "the complaint's bytes are kept"
[ "$(q "SELECT length(raw) FROM complaints")" = "$(stat -c %s "$F/attached.eml")" ] \
  || fail "kept byte for byte"

# Each stage's time is recorded with the request (log show "Timings").
run "${R[@]}" log show 1 --json
CHECK_COUNT=$((CHECK_COUNT + 1))
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["detail"]["timings"]
assert all(isinstance(t[k], int) and t[k] >= 0 for k in
           ("parse_us", "forwards_us", "policy_extract_us", "match_us", "compose_us",
            "total_before_recording_us")), t' "$OUT" || fail "stage timings in the request detail"

run "${R[@]}" requeue 1
expect_status 0 "requeue 1"
expect_out "request 1 handled again as request 2: found"
expect_out "reply queued"
CHECK_COUNT=$((CHECK_COUNT + 4))
[ "$(q "SELECT requeue_of FROM requests WHERE id = 2")" = 1 ] || fail "requeue_of = 1"
[ "$(q "SELECT source FROM requests WHERE id = 2")" = "requeue:1" ] || fail "source requeue:1"
[ "$(q "SELECT count(*) FROM outbox")" = 2 ] || fail "a second reply queued"
[ "$(q "SELECT count(*) FROM complaints")" = 1 ] || fail "bytes kept once"

# Without requeue the same complaint is still never answered twice.
run "${R[@]}" process --json "$F/attached.eml"
expect_out '"outcome":"ignored"'

run "${R[@]}" requeue 99
expect_status 65 "unknown request"
expect_err "no request 99"
run "${R[@]}" requeue abc
expect_status 64 "not a number"
run "${R[@]}" requeue
expect_status 64 "no ID"
run "${R[@]}" requeue 1 2
expect_status 64 "two IDs"

q "DELETE FROM complaints"
run "${R[@]}" requeue 1
expect_status 65 "bytes purged"
expect_err "no longer kept"
finish
