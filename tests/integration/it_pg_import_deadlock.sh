#!/usr/bin/env bash
# it_pg_import_deadlock.sh - two JSON Lines imports into one PostgreSQL
# store that deadlock, and both finish (store/batch.c: a merge PostgreSQL
# aborts with SQLSTATE 40P01 is rolled back and sent again).
#
# a.jsonl names queue IDs q01..q40 in that order, b.jsonl the same ones
# from q40 down: each import's merge takes the queue-ID locks in its
# records' order.  Made certain, not left to timing: this script holds
# the lock of q01 first; import A waits for it holding nothing, import B
# takes q40..q02 and waits for it too.  When the script lets go, A (first
# in the queue) gets q01 and waits for q02, which B holds while waiting
# for q01: PostgreSQL aborts one of them after deadlock_timeout (1 s).
# Without the retry that import fails (exit 70); with it both finish, and
# the store holds exactly what one import of both files leaves.
set -uo pipefail
. "$RESPONDER_SRC/tests/lib/check.sh"
. "$RESPONDER_SRC/tests/lib/pg.sh"
need_tool python3 setpriv

W=$CHECK_DIR/w
mkdir -p "$W"
GATE_PID=
cleanup() {
	[ -n "$GATE_PID" ] && { kill -TERM "$GATE_PID" 2>/dev/null; wait "$GATE_PID" 2>/dev/null; }
	pg_cleanup
}
trap cleanup EXIT
pg_init || { echo "FAIL: initdb"; exit 1; }
pg_start || { echo "FAIL: pg_start"; exit 1; }
PW=$(pg_secret "$W")
conf_pg() {  # FILE DB
	printf '[store]\nurl = %s\npassword_file = %s\n' "$(pg_url "$2")" "$PW" > "$1"
}

python3 - "$W" <<'PY'
import json, sys
d = sys.argv[1]
def lines(order, rcpt):
    out = []
    for i in order:
        q = "q%02d" % i
        out.append({"type": "message", "account": "acme", "queue_id": q,
                    "message_id": "<%s@acme.example>" % q, "from": "billing@acme.example",
                    "subject": "Invoice %d" % i, "submitted_at": "2026-11-20T09:%02d:00Z" % i,
                    "recipients": ["%s%d@example.net" % (rcpt, i)]})
        out.append({"type": "attempt", "queue_id": q, "recipient": "%s%d@example.net" % (rcpt, i),
                    "at": "2026-11-20T10:%02d:00Z" % i, "status": "deferred" if i % 3 else "delivered",
                    "mx_host": "mx.example.net", "mx_ip": "192.0.2.7", "smtp_code": 451 if i % 3 else 250,
                    "response": "%d %s" % (451 if i % 3 else 250, rcpt)})
    return "".join(json.dumps(o) + "\n" for o in out)
open(d + "/a.jsonl", "w").write(lines(range(1, 41), "a"))
open(d + "/b.jsonl", "w").write(lines(range(40, 0, -1), "b"))
PY

pg_createdb race
pg_createdb one
conf_pg "$W/race.conf" race
conf_pg "$W/one.conf" one
run "$RESPONDER_BIN" -c "$W/one.conf" import --format jsonl "$W/a.jsonl" "$W/b.jsonl"
expect_status 0 "one import of both files"
# the schema (and its accounts table) exist before the race starts
run "$RESPONDER_BIN" -c "$W/race.conf" import --format jsonl /dev/null
expect_status 0 "the race store's schema"

waiting() {  # advisory locks waited for in the race database
	pg_psql race "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
		WHERE d.datname = 'race' AND l.locktype = 'advisory' AND NOT l.granted"
}
wait_waiting() {  # N WHAT
	local i
	for i in $(seq 1 200); do
		[ "$(waiting)" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "$2 never waited for the lock of q01"
	return 1
}

# The gate: a session holding q01's lock until told (a line on its stdin).
mkfifo "$W/gate"
PGPASSWORD=$(cat "$PG_PASSFILE") "$PG_BIN/psql" -X -q -t -A -v ON_ERROR_STOP=1 \
	-h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d race < "$W/gate" > "$W/gate.out" 2>&1 &
GATE_PID=$!
exec 7> "$W/gate"
echo "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended('q01', 0)); SELECT 'held';" >&7
for i in $(seq 1 200); do
	grep -q held "$W/gate.out" 2>/dev/null && break
	sleep 0.05
done
grep -q held "$W/gate.out" || fail "the gate session did not take the lock: $(cat "$W/gate.out")"

"$RESPONDER_BIN" -c "$W/race.conf" import --format jsonl "$W/a.jsonl" > "$W/a.out" 2> "$W/a.err" &
A=$!
wait_waiting 1 "import A"
"$RESPONDER_BIN" -c "$W/race.conf" import --format jsonl "$W/b.jsonl" > "$W/b.out" 2> "$W/b.err" &
B=$!
wait_waiting 2 "import B"
echo "COMMIT;" >&7
exec 7>&-
wait "$A"; SA=$?
wait "$B"; SB=$?
wait "$GATE_PID" 2>/dev/null
GATE_PID=
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$SA" = 0 ] || fail "import A: exit $SA: $(cat "$W/a.err")"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$SB" = 0 ] || fail "import B: exit $SB: $(cat "$W/b.err")"

# Did they deadlock?  The server logs it; the imports say nothing of a
# retry that worked.
CHECK_COUNT=$((CHECK_COUNT + 1))
grep -q "deadlock detected" "$PG_DIR/run/server.log" ||
	fail "PostgreSQL logged no deadlock: the test did not make one"
CHECK_COUNT=$((CHECK_COUNT + 1))
if grep -qi deadlock "$W/a.err" "$W/b.err"; then
	fail "a retried batch was reported: $(cat "$W/a.err" "$W/b.err")"
fi

dump() {  # DB: every row that matters, ids replaced by what they name
	pg_psql "$1" "SELECT 'm', a.name, m.queue_id, m.message_id, m.sender, m.subject,
		m.submitted_at::text FROM messages m JOIN accounts a ON a.id = m.account_id
		UNION ALL SELECT 'r', m.queue_id, r.address, r.status, r.last_attempt_at::text,
		r.submitted_at::text, '' FROM recipients r JOIN messages m ON m.id = r.message_id
		UNION ALL SELECT 't', m.queue_id, r.address, t.status, t.at::text,
		coalesce(t.response, ''), t.smtp_code::text FROM attempts t
		JOIN recipients r ON r.id = t.recipient_id JOIN messages m ON m.id = r.message_id
		ORDER BY 1, 2, 3, 4, 5"
}
dump one > "$W/one.dump"
dump race > "$W/race.dump"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(grep -c '^m|' "$W/one.dump")" = 40 ] && [ "$(grep -c '^t|' "$W/one.dump")" = 80 ] ||
	fail "one import: $(grep -c '^m|' "$W/one.dump") messages, $(grep -c '^t|' "$W/one.dump") attempts, not 40 and 80"
CHECK_COUNT=$((CHECK_COUNT + 1))
diff "$W/one.dump" "$W/race.dump" > "$W/dump.diff" ||
	fail "the two imports at once left another store than one import: $(head -20 "$W/dump.diff")"
finish
