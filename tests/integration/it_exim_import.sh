#!/usr/bin/env bash
# it_exim_import.sh - Exim mainlog import against a real Exim 4.96.
#
# Starts a throwaway relay (tests/lib/exim_relay.sh: Debian 12's Exim 4.96
# with its own -C config and log_selector = +all +subject +pid, AUTH PLAIN
# for two users, smtp-sink "MX"es that accept, defer (450) and reject
# (550 5.1.1), and a domain whose MX is the relay itself, which Exim
# freezes), sends mail through it with swaks as both users and one local
# submission, forces a second delivery attempt, then:
#   1. imports the mainlog Exim wrote and checks every message, recipient,
#      status, reply, code, MX, account and transcript kind against the
#      log with `responder lookup --json`;
#   2. imports it again: nothing changes; the daemon's follower ([import]
#      follow, format = exim, one `once` pass) stores the same;
#   3. a follower started before any mail ran across a rotation (mainlog
#      renamed to mainlog.1, Exim opening a new mainlog, more mail) and is
#      stopped with SIGTERM: its store holds exactly what importing
#      mainlog.1.gz and mainlog gives; a restarted follower adds nothing.
# Skips (77) only when Exim (unpacked by scripts/deps), smtp-sink or swaks
# is missing or this is not root; under CI=true those fail instead.
# backends: sqlite pg
set -euo pipefail

SRC=${RESPONDER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${RESPONDER_BIN:-$SRC/build/bin/responder}

# shellcheck source=tests/lib/need.sh
. "$SRC/tests/lib/need.sh"
# shellcheck source=tests/lib/store.sh
. "$SRC/tests/lib/store.sh"
need_tool smtp-sink swaks python3 unshare gzip
store_is_pg || need_tool sqlite3
need_root "a throwaway Exim (its own mount namespace)"
[ -x "$BIN" ] || { echo "FAIL: no responder binary at $BIN"; exit 1; }

# shellcheck source=tests/lib/exim_relay.sh
. "$SRC/tests/lib/exim_relay.sh"
[ -x "$EXR_EXIM" ] ||
	skip_or_fail "Exim 4.96 is not unpacked at $EXIM_ROOT (scripts/deps does it)"

FOLLOW_PID=
cleanup() {
	if [ -n "$FOLLOW_PID" ] && kill -0 "$FOLLOW_PID" 2>/dev/null; then
		kill -TERM "$FOLLOW_PID" 2>/dev/null || true
		wait "$FOLLOW_PID" 2>/dev/null || true
	fi
	exr_stop
}
trap cleanup EXIT

exr_init
exr_start || skip_or_fail "the throwaway Exim did not start (see above)"
W=$EXR_DIR/work
mkdir -p "$W"
cat > "$W/account.map" <<EOF
# A= authenticated id, or U= of a local submission    account
acme_user    acme
globex_user  globex
root         acme
EOF
conf() {  # STORE -> a responder config on stdout
	printf '[store]\n%s\n[import]\naccount_from = sasl_username\naccount_map = %s\n' \
		"$(store_conf "$1")" "$W/account.map"
}
conf "$W/store.db" > "$W/responder.conf"
conf "$W/follow.db" > "$W/follow.conf"
conf "$W/rotated.db" > "$W/rotated.conf"

fail() { echo "FAIL: $*"; echo "--- exim mainlog:"; cat "$EXR_LOG" "$EXR_LOG.1" 2>/dev/null || true; exit 1; }

send() {  # USER PASS FROM TO,TO SUBJECT MESSAGE-ID
	swaks --server "127.0.0.1:$EXR_SUBMIT_PORT" --auth PLAIN \
		--auth-user "$1" --auth-password "$2" --from "$3" --to "$4" \
		--header "Subject: $5" --header "Message-Id: $6" \
		--body "test message $6" > "$W/swaks.out" 2>&1 ||
		{ cat "$W/swaks.out"; fail "swaks could not send $6"; }
}

count_lines() { grep -cE "$1" "$EXR_LOG" 2>/dev/null || true; }
attempts_of() { store_sql "$1" "SELECT count(*) FROM attempts" 2>/dev/null || echo 0; }
rows_of() {  # every attempt with its message, recipient and account
	store_sql "$1" "SELECT m.queue_id, c.name, coalesce(m.message_id,''), r.address,
		r.status, a.at, a.status, a.smtp_code, coalesce(a.response,'') FROM attempts a
		JOIN recipients r ON r.id = a.recipient_id JOIN messages m ON m.id = r.message_id
		JOIN accounts c ON c.id = m.account_id ORDER BY 1, 4, 6, 7, 9" ||
		fail "cannot read the attempts of $1"
}

# The follower starts before any mail: it sees the log grow, and rotate.
"$BIN" -c "$W/follow.conf" import --format exim --follow "$EXR_LOG" \
	> "$W/follow.out" 2> "$W/follow.err" &
FOLLOW_PID=$!

T=$(date +%s)
# 1: one recipient per outcome, an encoded subject
send acme_user acme_pass billing@acme.example \
	bob@ok.example,carol@defer.example,dave@reject.example \
	'=?UTF-8?B?UmVjaG51bmcgw7xiZXIgMTAwIOKCrA==?=' "<m1.$T@acme.example>"
# 2: another account
send globex_user globex_pass ops@globex.example hal@ok.example \
	'Status report from globex' "<m2.$T@globex.example>"
# 3: two recipients in one SMTP transaction (=> then ->)
send acme_user acme_pass billing@acme.example frank@ok.example,gina@ok.example \
	'Two at once' "<m3.$T@acme.example>"
# 4: a domain whose MX is the relay itself: deferred, then frozen
send acme_user acme_pass billing@acme.example judy@loop.example \
	'Frozen one' "<m4.$T@acme.example>"
# 5: a local submission (U=root P=local)
printf 'Subject: Local one\nMessage-Id: <m5.%s@acme.example>\n\nlocal\n' "$T" |
	exr_exim -odi -f webapp@acme.example ida@ok.example ||
	fail "the local submission failed"
# an unauthenticated relay attempt: rejected at RCPT, no message
swaks --server "127.0.0.1:$EXR_SUBMIT_PORT" --from x@spam.example --to y@ok.example \
	> /dev/null 2>&1 || true

# deliveries: bob, hal, frank, gina, ida, and the bounce for dave; failures:
# dave; deferrals: carol, judy.  Then Completed for 2, 3, 5 and the bounce.
EXR_WAIT_RE=' (=>|->|\*\*|==) ' exr_wait 9 60 || fail "Exim did not finish delivering"
EXR_WAIT_RE=' Completed' exr_wait 4 30 || fail "Exim did not complete the messages"
EXR_WAIT_RE=' Frozen' exr_wait 1 30 || fail "Exim did not freeze the loop message"
# a second attempt for carol (forced: the retry time is not reached)
m1id=$(grep -oE '[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2} <= [^ ]+ .* id=m1\.'"$T" "$EXR_LOG" | cut -d' ' -f1)
[ -n "$m1id" ] || fail "no arrival line for m1"
sleep 1.1	# another second: another attempt, not a duplicate
exr_exim -M "$m1id" > /dev/null 2>&1 || true
EXR_WAIT_RE='== carol@defer.example .*SMTP error' exr_wait 2 30 ||
	fail "no second deferral for carol"

cp "$EXR_LOG" "$W/mainlog"
"$BIN" -c "$W/responder.conf" import --format exim "$W/mainlog" > "$W/import1.out" \
	|| fail "import exited $?: $(cat "$W/import1.out")"
cat "$W/import1.out"
"$BIN" -c "$W/responder.conf" import --format exim "$W/mainlog" > "$W/import2.out" \
	|| fail "second import exited $?"
cat "$W/import2.out"
grep -q ': added 0 messages, 0 attempts; ' "$W/import2.out" || fail "re-import added records"

for n in 1 2 3 4; do
	dom=acme; [ "$n" = 2 ] && dom=globex
	"$BIN" -c "$W/responder.conf" lookup --message-id "<m$n.$T@$dom.example>" \
		--transcripts --json > "$W/m$n.json"
done
"$BIN" -c "$W/responder.conf" lookup --message-id "<m5.$T@acme.example>" \
	--transcripts --json > "$W/m5.json"

python3 - "$W" "$T" "$W/mainlog" <<'PY' || fail "the imported records do not match the log"
import json, re, sys
w, t, log = sys.argv[1], sys.argv[2], open(sys.argv[3], encoding="utf-8", errors="replace").read()
ID = r"[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}"

def load(n):
    rows = [json.loads(l) for l in open(f"{w}/m{n}.json") if l.strip()]
    assert len(rows) == 1, f"m{n}: {len(rows)} messages"
    return rows[0]

def exim_id(mid):
    m = re.search(r"(" + ID + r") <= \S+ .* id=" + re.escape(mid) + " ", log)
    assert m, f"no arrival for {mid} in the log"
    return m.group(1)

def lines(qid, rcpt, kinds):
    return [l for l in log.splitlines()
            if re.search(re.escape(qid) + r" (" + kinds + r") " + re.escape(rcpt) + r" ", l)]

def rc(msg, addr):
    r = [x for x in msg["recipients"] if x["address"] == addr]
    assert len(r) == 1, (addr, msg["recipients"])
    return r[0]

def check_msg(n, account, sender, subject):
    m = load(n)
    dom = "globex" if n == 2 else "acme"
    assert m["queue_id"] == exim_id(f"m{n}.{t}@{dom}.example"), m["queue_id"]
    assert m["account"] == account, (n, m["account"])
    assert m["from"] == sender, (n, m["from"])
    assert m["subject"] == subject, (n, m["subject"])
    assert m["submitted_at"] is not None
    return m

def check_att(a, status, code, dsn, response, mx_host, mx_ip):
    assert a["status"] == status, a
    assert a["smtp_code"] == code, a
    assert a.get("enhanced_status") == dsn, a
    assert a.get("response") == response, a
    assert a.get("mx_host") == mx_host and a.get("mx_ip") == mx_ip, a
    assert a["transcript_kind"] == "summary", a
    assert a["transcript"].startswith("Summary from the Exim log"), a["transcript"]

m1 = check_msg(1, "acme", "billing@acme.example", "Rechnung \u00fcber 100 \u20ac")
q1 = m1["queue_id"]
assert len(m1["recipients"]) == 3, m1["recipients"]
r = rc(m1, "bob@ok.example")
assert r["status"] == "delivered" and len(r["attempts"]) == 1, r
check_att(r["attempts"][0], "delivered", 250, "2.0.0", "250 2.0.0 Ok", "mx.ok.example", "127.0.0.2")
assert len(lines(q1, "bob@ok.example", "=>|->")) == 1
r = rc(m1, "carol@defer.example")
defers = lines(q1, "carol@defer.example", "==")
real = [l for l in defers if "SMTP error" in l]
assert r["status"] == "deferred", r
assert len(real) >= 2 and len(r["attempts"]) == len(real), (len(real), r["attempts"])
for a in r["attempts"]:
    check_att(a, "deferred", 450, "4.3.0", "450 4.3.0 Error: command failed",
              "mx.defer.example", "127.0.0.3")
r = rc(m1, "dave@reject.example")
assert r["status"] == "bounced" and len(r["attempts"]) == 1, r
check_att(r["attempts"][0], "bounced", 550, "5.1.1", "550 5.1.1 no such user here",
          "mx.reject.example", "127.0.0.4")
assert "SMTP error from remote mail server after RCPT TO:<dave@reject.example>" in \
    r["attempts"][0]["transcript"], r["attempts"][0]["transcript"]

m2 = check_msg(2, "globex", "ops@globex.example", "Status report from globex")
r = rc(m2, "hal@ok.example")
check_att(r["attempts"][0], "delivered", 250, "2.0.0", "250 2.0.0 Ok", "mx.ok.example", "127.0.0.2")

m3 = check_msg(3, "acme", "billing@acme.example", "Two at once")
q3 = m3["queue_id"]
assert len(lines(q3, "frank@ok.example", "=>")) + len(lines(q3, "gina@ok.example", "=>")) == 1
assert len(lines(q3, "frank@ok.example", "->")) + len(lines(q3, "gina@ok.example", "->")) == 1
for addr in ("frank@ok.example", "gina@ok.example"):
    r = rc(m3, addr)
    assert r["status"] == "delivered", r
    check_att(r["attempts"][0], "delivered", 250, "2.0.0", "250 2.0.0 Ok", "mx.ok.example",
              "127.0.0.2")

m4 = check_msg(4, "acme", "billing@acme.example", "Frozen one")
assert re.search(re.escape(m4["queue_id"]) + " Frozen", log)
r = rc(m4, "judy@loop.example")
assert r["status"] == "deferred", r
a = r["attempts"][0]
assert a["status"] == "deferred" and not a["smtp_code"] and not a["mx_ip"], a
assert a["response"] == "remote host address is the local host", a
# the freeze itself: a deferred record that says the relay holds it
assert len(r["attempts"]) == 2, r
a = r["attempts"][1]
assert a["status"] == "deferred" and not a["smtp_code"] and not a["mx_ip"], a
assert a["response"] == "frozen by Exim: remote host address is the local host", a
assert a["transcript_kind"] == "summary" and ": Frozen\n" in a["transcript"], a

m5 = load(5)
assert m5["account"] == "acme" and m5["from"] == "webapp@acme.example", m5
assert m5["subject"] == "Local one", m5
assert re.search(re.escape(m5["queue_id"]) + r" <= webapp@acme.example U=root P=local", log)
r = rc(m5, "ida@ok.example")
check_att(r["attempts"][0], "delivered", 250, "2.0.0", "250 2.0.0 Ok", "mx.ok.example", "127.0.0.2")
print("checked 5 messages, 8 recipients against the log")
PY

# nothing more than that in the store: Exim's bounce is not a customer's
n=$(store_sql "$W/store.db" "SELECT count(*) FROM messages")
[ "$n" = 5 ] || fail "expected 5 messages in the store, found $n"
n=$(store_sql "$W/store.db" "SELECT count(*) FROM recipients")
[ "$n" = 8 ] || fail "expected 8 recipients in the store, found $n"
grep -q 'rejected RCPT <y@ok.example>' "$W/mainlog" || fail "no rejected relay attempt in the log"

# the daemon's follower ([import] follow, format = exim) reads the same: one
# `once` pass steps it before it finds the IMAP server down (exit 69)
printf 'pw\n' > "$W/imap.secret"
chmod 600 "$W/imap.secret"
conf "$W/daemon.db" > "$W/daemon.conf"
cat >> "$W/daemon.conf" <<EOF
follow = $W/mainlog
format = exim
[responder]
address = support@relay.example
[imap]
url = imap://127.0.0.1:$(proc_free_port 127.0.0.1)
tls = none
username = support@relay.example
password_file = $W/imap.secret
EOF
st=0
"$BIN" -c "$W/daemon.conf" once 2> "$W/daemon.err" || st=$?
[ "$st" = 69 ] || fail "once exited $st, not 69 (IMAP down): $(cat "$W/daemon.err")"
grep -q "following $W/mainlog" "$W/daemon.err" || fail "the daemon did not follow: $(cat "$W/daemon.err")"
[ "$(rows_of "$W/daemon.db")" = "$(rows_of "$W/store.db")" ] ||
	fail "the daemon's follower stored something else than the import"

# 3: rotation while the follower runs: Exim writes a new mainlog
mv "$EXR_LOG" "$EXR_LOG.1"
send globex_user globex_pass ops@globex.example kim@ok.example \
	'After the rotation' "<m6.$T@globex.example>"
send acme_user acme_pass billing@acme.example lee@reject.example \
	'After the rotation, rejected' "<m7.$T@acme.example>"
EXR_WAIT_RE=' Completed' exr_wait 3 30 || fail "Exim did not complete the mail after rotation"

gzip -c "$EXR_LOG.1" > "$W/mainlog.1.gz"
cp "$EXR_LOG" "$W/mainlog.new"
"$BIN" -c "$W/rotated.conf" import --format exim "$W/mainlog.1.gz" "$W/mainlog.new" \
	> "$W/rotated.out" || fail "import of the rotated files exited $?"
cat "$W/rotated.out"
want=$(attempts_of "$W/rotated.db")
[ "$want" -ge 11 ] || fail "only $want attempts from the rotated files"
for _ in $(seq 100); do
	[ "$(attempts_of "$W/follow.db")" -ge "$want" ] && break
	sleep 0.2
done
kill -TERM "$FOLLOW_PID"
wait "$FOLLOW_PID" || fail "the follower exited $?: $(cat "$W/follow.err")"
FOLLOW_PID=
cat "$W/follow.out"
[ "$(rows_of "$W/rotated.db" | wc -l)" = "$want" ] || fail "rows_of does not list every attempt"
[ "$(rows_of "$W/follow.db")" = "$(rows_of "$W/rotated.db")" ] || {
	diff <(rows_of "$W/follow.db") <(rows_of "$W/rotated.db") || true
	fail "the follower's store differs from importing mainlog.1.gz + mainlog"
}
# a restarted follower reads nothing twice
"$BIN" -c "$W/follow.conf" import --format exim --follow "$EXR_LOG" \
	> "$W/follow2.out" 2> "$W/follow2.err" &
FOLLOW_PID=$!
sleep 2
kill -TERM "$FOLLOW_PID"
wait "$FOLLOW_PID" || fail "the restarted follower exited $?"
FOLLOW_PID=
cat "$W/follow2.out"
# it reads only what Exim wrote to mainlog since (queue runs): the lines of
# both followers together are at most mainlog.1's and mainlog's
lines_of() { sed -nE 's/^[^ ]+: ([0-9]+) lines: .*/\1/p' "$1"; }
grep -q ': added 0 messages, 0 attempts; ' "$W/follow2.out" ||
	fail "the restarted follower added records"
[ $(($(lines_of "$W/follow.out") + $(lines_of "$W/follow2.out"))) -le \
  $(($(wc -l < "$EXR_LOG.1") + $(wc -l < "$EXR_LOG"))) ] ||
	fail "the restarted follower read lines again"
[ "$(rows_of "$W/follow.db")" = "$(rows_of "$W/rotated.db")" ] ||
	fail "the restarted follower changed the store"
echo "PASS: it_exim_import"
