#!/usr/bin/env bash
# it_postfix_import.sh - Postfix log import against a real Postfix.
#
# Starts a throwaway relay (tests/lib/postfix_relay.sh: Postfix with
# maillog_file, header_checks INFO on Subject, SASL AUTH via Dovecot, smtp-sink
# "MX"es that accept, defer (450) and reject (550 5.1.1), one of them in
# debug_peer_list), sends messages through it with swaks as two SASL users,
# waits for every delivery, defer and bounce in the log Postfix wrote, then:
#   1. imports that log and checks every message, recipient, status, reply,
#      code, MX and transcript with `responder lookup --json`;
#   2. imports it again: nothing changes;
#   3. follows the live log with `responder import --follow` into a second
#      store across a `postfix logrotate`, sends more mail, and stops the
#      follower with SIGTERM; a restarted follower reads nothing twice.
# Skips (77) only when Postfix, Dovecot, smtp-sink or swaks is missing (run
# scripts/deps) or Postfix cannot be started here (not root); under CI=true
# those fail instead (tests/lib/need.sh).
# backends: sqlite pg
set -euo pipefail

SRC=${RESPONDER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${RESPONDER_BIN:-$SRC/build/bin/responder}

# shellcheck source=tests/lib/need.sh
. "$SRC/tests/lib/need.sh"
# shellcheck source=tests/lib/store.sh
. "$SRC/tests/lib/store.sh"
need_tool postfix dovecot smtp-sink swaks python3 setpriv
store_is_pg || need_tool sqlite3
need_root "a throwaway Postfix"
[ -x "$BIN" ] || { echo "FAIL: no responder binary at $BIN"; exit 1; }

# shellcheck source=tests/lib/postfix_relay.sh
. "$SRC/tests/lib/postfix_relay.sh"

FOLLOW_PID=
cleanup() {
	if [ -n "$FOLLOW_PID" ] && kill -0 "$FOLLOW_PID" 2>/dev/null; then
		kill -TERM "$FOLLOW_PID" 2>/dev/null || true
		wait "$FOLLOW_PID" 2>/dev/null || true
	fi
	pfr_stop
}
trap cleanup EXIT

pfr_init long
pfr_start || skip_or_fail "the throwaway Postfix did not start (see above)"
W=$PFR_DIR/work
mkdir -p "$W"
printf '%s acme\n%s globex\n' "$PFR_USER" "$PFR_USER2" > "$W/account.map"
for s in store follow; do
	cat > "$W/$s.conf" <<EOF
[store]
$(store_conf "$W/$s.db")
[import]
account_from = sasl_username
account_map = $W/account.map
EOF
done
mv "$W/store.conf" "$W/responder.conf"

fail() { echo "FAIL: $*"; echo "--- postfix log:"; cat "$PFR_LOG" || true; exit 1; }

send() {  # USER PASS FROM TO,TO SUBJECT MESSAGE-ID
	swaks --server "127.0.0.1:$PFR_SUBMIT_PORT" --auth PLAIN \
		--auth-user "$1" --auth-password "$2" --from "$3" --to "$4" \
		--header "Subject: $5" --header "Message-Id: $6" \
		--body "test message $6" > "$W/swaks.out" 2>&1 ||
		{ cat "$W/swaks.out"; fail "swaks could not send $6"; }
}

# The follower starts before any mail: it sees the log grow.
"$BIN" -c "$W/follow.conf" import --format postfix --follow "$PFR_LOG" \
	> "$W/follow.out" 2> "$W/follow.err" &
FOLLOW_PID=$!

T=$(date +%s)
# 1: one recipient per outcome (+ the debug MX: full transcript), encoded subject
send "$PFR_USER" "$PFR_PASS" billing@acme.example \
	bob@ok.example,carol@defer.example,dave@reject.example,erin@debug.example \
	'=?UTF-8?B?UmVjaG51bmcgw7xiZXIgMTAwIOKCrA==?=' "<m1.$T@acme.example>"
# 2: two recipients in one transaction to the debug MX
send "$PFR_USER" "$PFR_PASS" billing@acme.example frank@debug.example,gina@debug.example \
	'Two at once' "<m2.$T@acme.example>"
# 3: another account (SASL user 2 -> globex)
send "$PFR_USER2" "$PFR_PASS2" ops@globex.example hal@ok.example \
	'Status report from globex' "<m3.$T@globex.example>"
# an unauthenticated attempt: rejected at RCPT, logged as NOQUEUE
swaks --server "127.0.0.1:$PFR_SUBMIT_PORT" --from x@spam.example --to y@ok.example \
	> /dev/null 2>&1 || true

# 4 + 2 + 1 deliveries, plus the bounce notice for dave to billing@acme.example
pfr_wait_status 8 60 || fail "Postfix did not finish delivering"
sleep 0.5	# let qmgr log "removed"

cp "$PFR_LOG" "$W/postfix.log"
"$BIN" -c "$W/responder.conf" import --format postfix "$W/postfix.log" > "$W/import1.out" \
	|| fail "import exited $?: $(cat "$W/import1.out")"
cat "$W/import1.out"
"$BIN" -c "$W/responder.conf" import --format postfix "$W/postfix.log" > "$W/import2.out" \
	|| fail "second import exited $?"
cat "$W/import2.out"

lookup() {  # CONF MESSAGE-ID -> JSON lines
	"$BIN" -c "$1" lookup --message-id "$2" --transcripts --json
}

check() {  # CONF: checks messages 1-3 in that store
	lookup "$1" "<m1.$T@acme.example>" > "$W/m1.json"
	lookup "$1" "<m2.$T@acme.example>" > "$W/m2.json"
	lookup "$1" "<m3.$T@globex.example>" > "$W/m3.json"
	python3 - "$W" "$T" "$W/postfix.log" <<'PY'
import json, re, sys
w, t, log = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()

def load(n):
    rows = [json.loads(l) for l in open(f"{w}/m{n}.json") if l.strip()]
    assert len(rows) == 1, f"m{n}: {len(rows)} messages"
    return rows[0]

def qid_of(mid):
    m = re.search(r"\]: (\w+): message-id=<" + re.escape(mid) + ">", log)
    assert m, f"no queue ID for {mid} in the log"
    return m.group(1)

def rc(msg, addr):
    r = [x for x in msg["recipients"] if x["address"] == addr]
    assert len(r) == 1, (addr, msg["recipients"])
    return r[0]

def att(r):
    assert len(r["attempts"]) == 1, r
    return r["attempts"][0]

m1 = load(1)
assert m1["queue_id"] == qid_of(f"m1.{t}@acme.example"), m1["queue_id"]
assert re.fullmatch(r"[0-9A-Za-z]{10}z[0-9A-Za-z]+", m1["queue_id"]), "long queue IDs expected"
assert m1["account"] == "acme", m1["account"]
assert m1["from"] == "billing@acme.example"
assert m1["subject"] == "Rechnung \u00fcber 100 \u20ac", m1["subject"]
assert m1["submitted_at"] is not None
assert len(m1["recipients"]) == 4, m1["recipients"]

a = att(rc(m1, "bob@ok.example"))
assert (a["status"], a["smtp_code"], a["enhanced_status"], a["mx_ip"]) == \
    ("delivered", 250, "2.0.0", "127.0.0.1"), a
assert a["response"] == "250 2.0.0 Ok", a["response"]
assert a["transcript_kind"] == "summary" and "status=sent (250 2.0.0 Ok)" in a["transcript"], a

r = rc(m1, "carol@defer.example"); a = att(r)
assert r["status"] == "deferred" and a["status"] == "deferred", r
assert (a["smtp_code"], a["enhanced_status"]) == (450, "4.3.0"), a
assert a["response"] == "450 4.3.0 Error: command failed", a["response"]
assert "in reply to RCPT TO command" in a["transcript"], a["transcript"]

r = rc(m1, "dave@reject.example"); a = att(r)
assert r["status"] == "bounced", r
assert (a["smtp_code"], a["enhanced_status"]) == (550, "5.1.1"), a
assert a["response"] == "550 5.1.1 no such user here", a["response"]
assert a["transcript_kind"] == "summary"

a = att(rc(m1, "erin@debug.example"))
assert a["status"] == "delivered" and a["mx_ip"] == "127.0.0.2", a
assert a["transcript_kind"] == "full", a
tr = a["transcript"]
for want in ("< 220 ", "> EHLO relay.pfr.test", "> MAIL FROM:<billing@acme.example>",
             "> RCPT TO:<erin@debug.example>", "> DATA", "< 354 ", "< 250 2.0.0 Ok"):
    assert want in tr, (want, tr)
assert "smtp_stream_setup" not in tr and "carol@" not in tr, tr

m2 = load(2)
assert m2["account"] == "acme" and m2["subject"] == "Two at once"
for addr in ("frank@debug.example", "gina@debug.example"):
    a = att(rc(m2, addr))
    assert a["status"] == "delivered" and a["transcript_kind"] == "full", a
    assert "> RCPT TO:<frank@debug.example>" in a["transcript"], a["transcript"]
    assert "> RCPT TO:<gina@debug.example>" in a["transcript"], a["transcript"]
    assert "erin@" not in a["transcript"], a["transcript"]

m3 = load(3)
assert m3["account"] == "globex", m3["account"]
assert m3["from"] == "ops@globex.example"
assert m3["subject"] == "Status report from globex"
a = att(rc(m3, "hal@ok.example"))
assert a["status"] == "delivered" and a["response"] == "250 2.0.0 Ok", a
print("store checks passed")
PY
}

check "$W/responder.conf" || fail "records in the store are not what Postfix logged"

# The bounce notice (null sender, no SASL user) belongs to nobody: not stored.
n=$(store_sql "$W/store.db" "SELECT count(*) FROM messages")
[ "$n" = 3 ] || fail "expected 3 messages in the store, found $n"
n=$(store_sql "$W/store.db" "SELECT count(*) FROM attempts")
[ "$n" = 7 ] || fail "expected 7 attempts, found $n"
grep -q "added 3 messages, 7 attempts; 0 unchanged, 0 rejected, .*; 0 messages without account" \
	"$W/import1.out" ||
	fail "first import summary: $(cat "$W/import1.out")"
grep -q "added 0 messages, 0 attempts; 7 unchanged, 0 rejected" "$W/import2.out" ||
	fail "second import changed something: $(cat "$W/import2.out")"

# ---- follow: the live log, across postfix logrotate ----------------------
wait_follow() {  # MESSAGE-ID RECIPIENTS: until the follower stored them
	for _ in $(seq 200); do
		if [ "$(lookup "$W/follow.conf" "$1" 2>/dev/null |
			python3 -c 'import json,sys
rows=[json.loads(l) for l in sys.stdin if l.strip()]
print(sum(len(r["attempts"]) for m in rows for r in m["recipients"]))')" = "$2" ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
wait_follow "<m1.$T@acme.example>" 4 || fail "the follower did not import message 1"
wait_follow "<m3.$T@globex.example>" 1 || fail "the follower did not import message 3"

postfix -c "$PFR_DIR/postfix/etc" logrotate > /dev/null 2>&1 || fail "postfix logrotate failed"
ls "$PFR_DIR"/log/postfix.log.* > /dev/null 2>&1 || fail "logrotate did not rotate the log"
send "$PFR_USER" "$PFR_PASS" billing@acme.example ivan@ok.example,judy@debug.example \
	'After the rotation' "<m4.$T@acme.example>"
wait_follow "<m4.$T@acme.example>" 2 || fail "the follower did not follow the rotated log"
sleep 1	# the last "removed" lines

kill -TERM "$FOLLOW_PID"
rc=0
wait "$FOLLOW_PID" || rc=$?
FOLLOW_PID=
[ "$rc" = 0 ] || fail "the follower exited $rc on SIGTERM: $(cat "$W/follow.err")"
cat "$W/follow.out"
check "$W/follow.conf" || fail "the follower's store differs"

# A restarted follower reads nothing twice: its stored position is current.
before=$(store_sql "$W/follow.db" "SELECT count(*) FROM attempts")
"$BIN" -c "$W/follow.conf" import --format postfix --follow "$PFR_LOG" \
	> "$W/follow2.out" 2>&1 &
FOLLOW_PID=$!
sleep 1
kill -TERM "$FOLLOW_PID"
wait "$FOLLOW_PID" || fail "the restarted follower failed: $(cat "$W/follow2.out")"
FOLLOW_PID=
grep -q " 0 unchanged, 0 rejected" "$W/follow2.out" ||
	fail "the restarted follower re-read lines: $(cat "$W/follow2.out")"
after=$(store_sql "$W/follow.db" "SELECT count(*) FROM attempts")
[ "$before" = "$after" ] || fail "attempts changed after restart: $before -> $after"
[ "$after" = 9 ] || fail "expected 9 attempts in the follower's store, found $after"
echo "PASS: it_postfix_import"
