#!/usr/bin/env bash
# The real binary: import (jsonl) and lookup, exit codes, errors, JSON output.
# backends: sqlite pg
set -u
. "$(dirname "$0")/../lib/check.sh"
. "$(dirname "$0")/../lib/proc.sh"
need_tool python3 sqlite3

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
printf '[store]\n%s\n' "$(store_conf "$T/store.db")" > "$T/r.conf"
R=("$RESPONDER_BIN" -c "$T/r.conf")
S="$RESPONDER_SRC/store/samples/records.jsonl"

run "${R[@]}" import "$S"
expect_status 0 "import of the samples"
expect_out "added 2 accounts, 3 addresses, 5 messages, 6 attempts; 0 unchanged, 0 rejected"
# PostgreSQL: the import leaves no subject-index entries pending (GIN's
# pending list, read entry by entry by every search until merged):
# cleaning them again finds no page (store_finish_load).
if store_is_pg; then
  CHECK_COUNT=$((CHECK_COUNT + 1))
  left=$(store_sql "$T/store.db" "SELECT coalesce(sum(gin_clean_pending_list(inhrelid::regclass)), 0)
    FROM pg_inherits WHERE inhparent = 'messages_subject_words'::regclass")
  [ "$left" = 0 ] || fail "import left $left pending page(s) in the subject index"
fi

run "${R[@]}" import "$S"
expect_status 0 "second import"
expect_out "added 0 accounts, 0 addresses, 0 messages, 0 attempts; 13 unchanged, 0 rejected"

# stdin, and a bad line among good ones: exit 65, file:line on stderr.
printf '%s\n' '{"type":"account","account":"initech","addresses":["@initech.example"]}' \
  '{"type":"attempt","queue_id":"nope"}' > "$T/bad.jsonl"
run "${R[@]}" import "$T/bad.jsonl"
expect_status 65 "a rejected line"
expect_err "$T/bad.jsonl:2: missing \"recipient\""
expect_out "added 1 accounts, 1 addresses"

run "${R[@]}" import - < "$S"
expect_status 0 "import from stdin"
expect_out "<stdin>: 13 lines"

run "${R[@]}" import "$T/missing.jsonl"
expect_status 66 "missing file"
expect_err "missing.jsonl: No such file"

run "${R[@]}" import
expect_status 64 "no file"
run "${R[@]}" import --format xml "$S"
expect_status 64 "bad format"
expect_err "unknown format 'xml'"

# lookup: human and JSON
run "${R[@]}" lookup --queue-id 4XbR2n1wH8a2bb
expect_status 0 "lookup by queue id"
expect_out "carol@fabrikam.example                   bounced"
expect_out "550 5.1.10 RESOLVER.ADR.RecipientNotFound"

run "${R[@]}" lookup --message-id inv-1042@acme.example --json --transcripts
expect_status 0 "lookup json"
python3 - "$OUT" <<'PY' || fail "lookup --json is not the expected JSON"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["queue_id"] == "4XbQ1m0vG7z1aa" and o["account"] == "acme"
r = o["recipients"][0]
assert r["address"] == "bob@northwind.example" and r["status"] == "delivered"
a = r["attempts"][0]
assert a["smtp_code"] == 250 and a["mx_host"] == "aspmx.l.google.com"
assert a["transcript"].startswith("Connected to aspmx.l.google.com")
PY

run "${R[@]}" lookup --recipient bob@northwind.example --since 2026-11-21 --json
expect_status 0 "lookup by recipient since"
[ "$(grep -c . "$OUT")" = 2 ] || fail "want 2 messages since 2026-11-21, got: $(cat "$OUT")"

run "${R[@]}" lookup --recipient bob@northwind.example --account globex
expect_status 0 "other account"
expect_err "no matching message"

run "${R[@]}" lookup --queue-id x --message-id y
expect_status 64 "two kinds"
run "${R[@]}" lookup --recipient a@b.example --since tomorrowish
expect_status 64 "bad since"
expect_err "--since wants a duration (7d, 24h, 30m) or a date (2026-11-20, RFC 3339), not 'tomorrowish'"

# config errors: exit 78 with file:line
printf '[store]\npath = %s/store.db\nbogus = 1\n' "$T" > "$T/bad.conf"
run "$RESPONDER_BIN" -c "$T/bad.conf" lookup --queue-id x
expect_status 78 "bad config"
expect_err "$T/bad.conf:3: unknown key 'bogus' in [store]"
run "$RESPONDER_BIN" -c "$T/none.conf" lookup --queue-id x
expect_status 78 "missing config"

run "$RESPONDER_BIN" --version
expect_status 0 "--version"
expect_out "responder "
run "$RESPONDER_BIN" --help
expect_status 0 "--help"
expect_out "usage: responder"
run "$RESPONDER_BIN" frobnicate
expect_status 64 "unknown command"
run "$RESPONDER_BIN"
expect_status 64 "no command"

# A stored transcript is peer text: JSON import keeps its control characters
# (jansson accepts "\u001b"), so lookup must clean everything it prints
# (OSC 52 clipboard write, clear screen, CR overprinting, C1 CSI, bidi).
cat > "$T/evil.jsonl" <<'JSONL'
{"type":"message","account":"acme","queue_id":"4XbEvil0000001","message_id":"<evil-1@acme.example>","from":"billing@acme.example","subject":"Evil \u001b[2J\u009b31m subject","submitted_at":"2026-11-23T09:00:00Z","recipients":["eve@northwind.example"]}
{"type":"attempt","queue_id":"4XbEvil0000001","recipient":"eve@northwind.example","at":"2026-11-23T09:00:01Z","status":"bounced","mx_host":"mx.evil\u001b]0;t\u0007.example","mx_ip":"192.0.2.66","smtp_code":550,"enhanced_status":"5.1.1","response":"550 5.1.1 no\r\u001b[1Ause\u0085r","transcript":"readable-before \u001b]52;c;ZXZpbA==\u0007 \u001b[2J\u001b[H\r\nfake\rline\u009b2Jc1 \u202eedis\u0007 bell\n< 550 readable-after"}
JSONL
run "${R[@]}" import "$T/evil.jsonl"
expect_status 0 "import of a transcript with escape sequences"
no_terminal_controls() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  python3 - "$OUT" <<'PY' || fail "lookup $1: a terminal control reached stdout"
import sys
b = open(sys.argv[1], "rb").read()
assert b"\x1b" not in b and b"\x07" not in b and b"\r" not in b, b
s = b.decode("utf-8")    # valid UTF-8, so no raw C1 byte either
bad = [hex(ord(c)) for c in s if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
       or 0x202a <= ord(c) <= 0x202e]
assert not bad, bad
PY
}
run "${R[@]}" lookup --message-id '<evil-1@acme.example>' --transcripts
expect_status 0 "lookup --transcripts of a hostile transcript"
no_terminal_controls "--transcripts"
expect_out "        readable-before"
expect_out "        < 550 readable-after"
expect_out "        fakelinec1 edis  bell"
expect_out "  Subject:   Evil  subject"
expect_out "mx.evil.example [192.0.2.66] 550 5.1.1"
run "${R[@]}" lookup --queue-id 4XbEvil0000001
expect_status 0 "lookup of a hostile reply"
no_terminal_controls "(table)"
expect_out "      reply: 550 5.1.1 no use r"
# Issue 15, defect 3 (terminal escapes in lookup): every way in to the
# same hostile record, --recipient with and without --transcripts too.
run "${R[@]}" lookup --recipient eve@northwind.example --transcripts
expect_status 0 "lookup --recipient --transcripts of a hostile transcript"
no_terminal_controls "--recipient --transcripts"
expect_out "        readable-before"
expect_out "  Subject:   Evil  subject"
run "${R[@]}" lookup --recipient eve@northwind.example --account acme
expect_status 0 "lookup --recipient --account of a hostile record"
no_terminal_controls "--recipient --account"
run "${R[@]}" lookup --message-id '<evil-1@acme.example>' --transcripts --json
expect_status 0 "lookup --json of a hostile transcript"
CHECK_COUNT=$((CHECK_COUNT + 1))
python3 - "$OUT" <<'PY' || fail "lookup --json: the transcript is not kept as data"
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert "\x1b]52;c;" in o["recipients"][0]["attempts"][0]["transcript"]
PY

# A store that cannot be opened is the environment's fault: one line
# "responder: why" (fatal()) and a sysexits status.  A missing store for a
# command that only reads: 66.
# (PostgreSQL: a database that does not exist)
if store_is_pg; then
  sed "s|^url = .*|url = $(pg_url absent)|" "$T/r.conf" > "$T/absent.conf"
else
  sed "s|^path = .*|path = $T/absent/store.db|" "$T/r.conf" > "$T/absent.conf"
fi
run "$RESPONDER_BIN" -c "$T/absent.conf" lookup --queue-id x
expect_status 66 "lookup without a store"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(wc -l < "$ERR")" = 1 ] && grep -q '^responder: ' "$ERR" ||
  fail "lookup without a store: want one line 'responder: ...' on stderr"

# PostgreSQL: no server at the URL is "a server unavailable" (69), for a
# command that reads and one that writes, in one line; a password_file
# that is missing is named once, as [store]'s.
if store_is_pg; then
  sed "s|^url = .*|url = postgresql://$PG_USER@127.0.0.1:$(proc_free_port 127.0.0.1)/x|" \
    "$T/r.conf" > "$T/down.conf"
  for cmd in "lookup --queue-id x" "import $S"; do
    # shellcheck disable=SC2086
    run "$RESPONDER_BIN" -c "$T/down.conf" $cmd
    expect_status 69 "$cmd with no PostgreSQL server at the URL"
    expect_err "cannot open store postgresql://"
    CHECK_COUNT=$((CHECK_COUNT + 1))
    [ "$(wc -l < "$ERR")" = 1 ] || fail "$cmd, server down: want one line on stderr"
  done
  run "$RESPONDER_BIN" -c "$T/down.conf" check-config
  expect_status 69 "check-config with no PostgreSQL server at the URL"
  expect_err "[store] cannot open store postgresql://"
  sed "s|^password_file = .*|password_file = $T/no.secret|" "$T/r.conf" > "$T/nopw.conf"
  run "$RESPONDER_BIN" -c "$T/nopw.conf" check-config
  expect_status 78 "check-config with a missing [store] password_file"
  expect_err ": [store] password_file: secret file $T/no.secret:"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  ! grep -qF "[store] [store]" "$ERR" || fail "check-config names [store] twice"
  # A role that may only read: it reads; a command that writes stops at
  # the open with 77 (as on a read-only SQLite file), not at its first
  # write with 70.
  db=$(sed -n 's|^url = .*/||p' "$T/r.conf")
  pg_psql "$db" "CREATE ROLE reader LOGIN PASSWORD 'readerpw'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader" > /dev/null
  printf 'readerpw\n' > "$T/reader.secret"; chmod 600 "$T/reader.secret"
  sed -e "s|^url = postgresql://$PG_USER@|url = postgresql://reader@|" \
    -e "s|^password_file = .*|password_file = $T/reader.secret|" "$T/r.conf" > "$T/reader.conf"
  run "$RESPONDER_BIN" -c "$T/reader.conf" lookup --queue-id 4XbR2n1wH8a2bb
  expect_status 0 "lookup as a role that may only read"
  for cmd in "import $S" "once"; do
    # shellcheck disable=SC2086
    run "$RESPONDER_BIN" -c "$T/reader.conf" $cmd
    expect_status 77 "$cmd as a role that may only read"
    expect_err "cannot be written by this role"
    CHECK_COUNT=$((CHECK_COUNT + 1))
    [ "$(wc -l < "$ERR")" = 1 ] || fail "$cmd as a reader: want one line on stderr"
  done
fi

# A newer store is refused with exit 78.
CHECK_COUNT=$((CHECK_COUNT + 1))
store_sql "$T/store.db" "UPDATE schema_version SET version = 99" || fail "could not edit the store"
run "${R[@]}" lookup --queue-id x
expect_status 78 "newer schema"
expect_err "newer than this responder"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(wc -l < "$ERR")" = 1 ] || fail "newer schema: want one line on stderr"
finish
