#!/usr/bin/env bash
# it_pg_store.sh - the PostgreSQL store through the real binary, against a
# throwaway PostgreSQL 15 cluster (tests/lib/pg.sh: initdb + pg_ctl in a
# temp dir on a free loopback port, password authentication, TLS with a
# CA of its own):
#   1. migrate-store copies a SQLite store (JSONL sample import) into
#      PostgreSQL; the counts match; a second run copies nothing twice;
#      after rows are lost on the destination, a run brings them back
#      (resumable); lookup --json answers the same from both stores.
#   2. two Postfix followers (two relay nodes, node_name A and B, each with
#      its own /…/mail.log and a rotation in the middle) feed one database
#      at once: the same messages, recipients and attempts as one SQLite
#      import of both logs; their positions are kept apart per node.
#   3. three JSON Lines imports at once into one database (pipelined
#      batches, overlapping files, the same queue IDs in two or three of
#      them): the same rows as one SQLite import of the whole file, and
#      every bad line reported at its own line.
#   4. a schema newer than the responder's is refused (exit 78).
#   5. TLS: with the server's CA the store opens (sslmode=verify-full);
#      with another CA it is refused.
set -uo pipefail
. "$RESPONDER_SRC/tests/lib/check.sh"
. "$RESPONDER_SRC/tests/lib/pg.sh"
need_tool sqlite3 python3 openssl setpriv

W=$CHECK_DIR/w
mkdir -p "$W"
FPIDS=()
cleanup() {
	for p in "${FPIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pg_cleanup
}
trap cleanup EXIT
pg_init || { echo "FAIL: initdb"; exit 1; }
pg_start tls || { echo "FAIL: pg_start"; exit 1; }
PW=$(pg_secret "$W")

conf_pg() {  # FILE DB [extra lines]
	printf '[store]\nurl = %s\npassword_file = %s\n%s\n' "$(pg_url "$2")" "$PW" "${3:-}" > "$1"
}
count_pg() { pg_psql "$1" "SELECT count(*) FROM $2"; }
count_lite() { sqlite3 "$1" "SELECT count(*) FROM $2"; }
same_counts() {  # PGDB SQLITE_FILE HOW TABLE...: the rows of each, PostgreSQL as SQLite
	local db=$1 lite=$2 how=$3 t
	shift 3
	for t in "$@"; do
		CHECK_COUNT=$((CHECK_COUNT + 1))
		[ "$(count_pg "$db" "$t")" = "$(count_lite "$lite" "$t")" ] ||
			fail "$t: $(count_pg "$db" "$t") from $how, $(count_lite "$lite" "$t") from one import"
	done
}

# ---- 1. migrate-store ---------------------------------------------------------
printf '[store]\npath = %s/lite.db\n' "$W" > "$W/lite.conf"
run "$RESPONDER_BIN" -c "$W/lite.conf" import --format jsonl "$RESPONDER_SRC/store/samples/records.jsonl"
expect_status 0 "import into SQLite"
pg_createdb mig
conf_pg "$W/mig.conf" mig
run "$RESPONDER_BIN" -c "$W/mig.conf" migrate-store --from "sqlite:$W/lite.db" --to "$(pg_url mig)"
expect_status 0 "migrate-store"
expect_out "every table has the same number of rows"
for t in accounts account_addresses messages recipients attempts; do
	CHECK_COUNT=$((CHECK_COUNT + 1))
	[ "$(count_pg mig $t)" = "$(count_lite "$W/lite.db" $t)" ] || fail "$t differs after migrate-store"
done
run "$RESPONDER_BIN" -c "$W/mig.conf" migrate-store --from "sqlite:$W/lite.db" --to "$(pg_url mig)" --quiet
expect_status 0 "migrate-store again (nothing to copy)"
# An interrupted copy: the newest attempts never arrived.
pg_psql mig "DELETE FROM attempts WHERE id > 2" > /dev/null
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(count_pg mig attempts)" = 2 ] || fail "the interruption was not simulated"
run "$RESPONDER_BIN" -c "$W/mig.conf" migrate-store --from "sqlite:$W/lite.db" --to "$(pg_url mig)"
expect_status 0 "migrate-store resumes"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(count_pg mig attempts)" = "$(count_lite "$W/lite.db" attempts)" ] || fail "resume left attempts out"
qid=$(sqlite3 "$W/lite.db" "SELECT queue_id FROM messages ORDER BY id LIMIT 1")
"$RESPONDER_BIN" -c "$W/lite.conf" lookup --queue-id "$qid" --json > "$W/l1.json" 2>/dev/null
run "$RESPONDER_BIN" -c "$W/mig.conf" lookup --queue-id "$qid" --json
expect_status 0 "lookup on PostgreSQL"
CHECK_COUNT=$((CHECK_COUNT + 1))
cmp -s "$W/l1.json" "$OUT" || fail "lookup --json differs between SQLite and PostgreSQL"
# A new row after the copy gets a fresh id (the sequences moved past the copied ids).
run "$RESPONDER_BIN" -c "$W/mig.conf" import --format jsonl - <<< \
	'{"type":"account","account":"initech","addresses":["@initech.example"]}'
expect_status 0 "a write after migrate-store"

# ---- 2. two Postfix followers into one database ------------------------------------
python3 - "$W" <<'PY'
import sys, random
w = sys.argv[1]
random.seed(7)
def log(node, n):
    lines = []
    for i in range(n):
        q = "%s%09X" % (node, i * 7919 + 17)
        t = 9 * 3600 + i * 13
        ts = lambda d: "Nov 20 %02d:%02d:%02d" % ((t + d) // 3600, (t + d) // 60 % 60, (t + d) % 60)
        acct = random.choice(("acme-billing", "globex"))
        dom = "acme.example" if acct == "acme-billing" else "globex.example"
        lines.append("%s relay%s postfix/smtpd[1201]: %s: client=c.example[198.51.100.7], "
                     "sasl_method=PLAIN, sasl_username=%s" % (ts(0), node, q, acct))
        lines.append("%s relay%s postfix/cleanup[1300]: %s: message-id=<m%d.%s@%s>"
                     % (ts(0), node, q, i, node, dom))
        lines.append("%s relay%s postfix/qmgr[900]: %s: from=<billing@%s>, size=900, nrcpt=1 "
                     "(queue active)" % (ts(0), node, q, dom))
        st = random.choice(("sent", "sent", "deferred", "bounced"))
        reply = {"sent": "250 2.0.0 OK", "deferred": "450 4.2.0 try later",
                 "bounced": "550 5.1.1 no such user"}[st]
        dsn = reply.split()[1]
        lines.append("%s relay%s postfix/smtp[1400]: %s: to=<u%d@northwind.example>, "
                     "relay=mx.northwind.example[192.0.2.10]:25, delay=1, delays=0/0/0/1, "
                     "dsn=%s, status=%s (host mx.northwind.example[192.0.2.10] said: %s "
                     "(in reply to RCPT TO command))" % (ts(1), node, q, i, dsn, st, reply))
        if st != "deferred":
            lines.append("%s relay%s postfix/qmgr[900]: %s: removed" % (ts(2), node, q))
    half = len(lines) // 2
    open("%s/%s.all" % (w, node), "w").write("\n".join(lines) + "\n")
    open("%s/%s.part1" % (w, node), "w").write("\n".join(lines[:half]) + "\n")
    open("%s/%s.part2" % (w, node), "w").write("\n".join(lines[half:]) + "\n")
log("A", 300)
log("B", 300)
PY
cp "$RESPONDER_SRC/tests/fixtures/postfix/account.map" "$W/account.map"
printf '[store]\npath = %s/both.db\n[import]\naccount_map = %s/account.map\n' "$W" "$W" > "$W/both.conf"
run "$RESPONDER_BIN" -c "$W/both.conf" import --format postfix --account-from sasl_username \
	--account-map "$W/account.map" "$W/A.all" "$W/B.all"
expect_status 0 "one SQLite import of both logs"
# Several processes opening one new database at once each find no schema
# and race to create it: one migrates, the others wait for it and then
# find the schema made (never "function ... already exists").
: > "$W/empty.jsonl"
for round in 1 2 3 4 5; do
	pg_createdb "race$round"
	conf_pg "$W/race$round.conf" "race$round"
	RPIDS=()
	for i in 1 2 3 4 5 6; do
		"$RESPONDER_BIN" -c "$W/race$round.conf" import --format jsonl "$W/empty.jsonl" \
			> "$W/race$round.$i.out" 2>&1 &
		RPIDS+=($!)
	done
	bad=0
	for p in "${RPIDS[@]}"; do wait "$p" || bad=$((bad + 1)); done
	CHECK_COUNT=$((CHECK_COUNT + 1))
	[ "$bad" = 0 ] || fail "round $round: $bad of 6 processes opening a new database at once failed: $(cat "$W"/race$round.*.out)"
done
pg_createdb follow
for n in A B; do
	mkdir -p "$W/node$n"
	cp "$W/$n.part1" "$W/node$n/mail.log"
	conf_pg "$W/f$n.conf" follow "node_name = relay$n"
	"$RESPONDER_BIN" -c "$W/f$n.conf" import --format postfix --follow \
		--account-from sasl_username --account-map "$W/account.map" "$W/node$n/mail.log" \
		> "$W/f$n.out" 2>&1 &
	FPIDS+=($!)
done
wait_rows() {  # N: until the attempts count reaches N (60 s)
	for _ in $(seq 600); do
		[ "$(count_pg follow attempts 2>/dev/null || echo 0)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
CHECK_COUNT=$((CHECK_COUNT + 1))
wait_rows 290 || fail "the followers did not import the first halves: $(cat "$W"/f?.out)"
for n in A B; do  # rotation: the old file renamed, a new one written
	mv "$W/node$n/mail.log" "$W/node$n/mail.log.1"
	cp "$W/$n.part2" "$W/node$n/mail.log"
done
want=$(count_lite "$W/both.db" attempts)
CHECK_COUNT=$((CHECK_COUNT + 1))
wait_rows "$want" || fail "the followers did not import the second halves"
sleep 1
for p in "${FPIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
FPIDS=()
same_counts follow "$W/both.db" "two followers" accounts messages recipients attempts
q="SELECT m.queue_id, r.address, a.status, a.at, a.smtp_code FROM messages m JOIN recipients r"
q="$q ON r.message_id = m.id JOIN attempts a ON a.recipient_id = r.id ORDER BY 1, 2, 4"
pg_psql follow "$q" | tr '|' ' ' > "$W/follow.rows"
sqlite3 "$W/both.db" "$q" | tr '|' ' ' > "$W/both.rows"
CHECK_COUNT=$((CHECK_COUNT + 1))
cmp -s "$W/follow.rows" "$W/both.rows" || fail "two followers and one import stored different attempts"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(pg_psql follow "SELECT count(*) FROM import_positions WHERE path LIKE 'relay_:%'")" = 2 ] ||
	fail "the followers' positions are not kept per node"

# ---- 3. three JSON Lines imports at once ---------------------------------------------
python3 "$RESPONDER_SRC/scripts/lib/gen_records.py" 3000 20 > "$W/all.jsonl"
# 20 account lines, then 1 500 messages of 3 lines each: A holds messages
# 0-899, B 600-1499 with two bad lines in it, C all of them.
head -n $((20 + 900 * 3)) "$W/all.jsonl" > "$W/a.jsonl"
{
	head -n 20 "$W/all.jsonl"
	tail -n +$((20 + 600 * 3 + 1)) "$W/all.jsonl" | head -n 600
	echo '{"type":"attempt","queue_id":"NOSUCH","recipient":"x@y.example","at":"2026-11-20T09:14:03Z","status":"delivered"}'
	echo '{not json'
	tail -n +$((20 + 800 * 3 + 1)) "$W/all.jsonl"
} > "$W/b.jsonl"
pg_createdb jl
conf_pg "$W/jl.conf" jl
for n in a b all; do
	"$RESPONDER_BIN" -c "$W/jl.conf" import "$W/$n.jsonl" > "$W/jl-$n.out" 2> "$W/jl-$n.err" &
	FPIDS+=($!)
done
want_status=(0 65 0) # b.jsonl has bad lines: exit 65, its good lines kept
for i in 0 1 2; do
	CHECK_COUNT=$((CHECK_COUNT + 1))
	wait "${FPIDS[$i]}"
	st=$?
	[ "$st" = "${want_status[$i]}" ] ||
		fail "a concurrent JSON Lines import exited $st: $(cat "$W"/jl-*.err)"
done
FPIDS=()
CHECK_COUNT=$((CHECK_COUNT + 1))
grep -q "b.jsonl:$((20 + 600 + 1)): unknown queue_id NOSUCH" "$W/jl-b.err" &&
	grep -q "b.jsonl:$((20 + 600 + 2)): invalid JSON" "$W/jl-b.err" ||
	fail "the bad lines were not reported at their lines: $(cat "$W/jl-b.err")"
printf '[store]\npath = %s/all.db\n' "$W" > "$W/all.conf"
run "$RESPONDER_BIN" -c "$W/all.conf" import "$W/all.jsonl"
expect_status 0 "one import of the whole file into SQLite"
same_counts jl "$W/all.db" "three imports at once" accounts account_addresses messages recipients attempts
q2="SELECT m.queue_id, m.message_id, r.address, r.status, a.status, a.at, a.smtp_code,"
q2="$q2 a.response FROM messages m JOIN recipients r ON r.message_id = m.id"
q2="$q2 JOIN attempts a ON a.recipient_id = r.id ORDER BY 1, 3, 6"
pg_psql jl "$q2" | tr '|' ' ' > "$W/jl.rows"
sqlite3 "$W/all.db" "$q2" | tr '|' ' ' > "$W/all.rows"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ -s "$W/all.rows" ] && cmp -s "$W/jl.rows" "$W/all.rows" ||
	fail "three imports at once and one import stored different rows"

# A role that may write the tables but not make temporary objects (an
# admin revoked TEMP): a command that writes stops at the open with 77 and
# says what to grant, before any work.
pg_psql jl "CREATE ROLE notemp LOGIN PASSWORD 'notemppw';
	GRANT ALL ON ALL TABLES IN SCHEMA public TO notemp;
	GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO notemp;
	REVOKE TEMP ON DATABASE jl FROM PUBLIC" > /dev/null
printf 'notemppw\n' > "$W/notemp.secret"
chmod 600 "$W/notemp.secret"
printf '[store]\nurl = postgresql://notemp@127.0.0.1:%s/jl\npassword_file = %s\n' "$PG_PORT" \
	"$W/notemp.secret" > "$W/notemp.conf"
run "$RESPONDER_BIN" -c "$W/notemp.conf" import "$W/a.jsonl"
expect_status 77 "import as a role without TEMP"
expect_err "the role needs TEMP on the database"
pg_psql jl "GRANT TEMP ON DATABASE jl TO notemp" > /dev/null
run "$RESPONDER_BIN" -c "$W/notemp.conf" import "$W/a.jsonl"
expect_status 0 "import as the same role with TEMP (nothing new)"
expect_out "0 messages, 0 attempts"

# ---- 4. a newer schema ----------------------------------------------------------------
pg_psql mig "UPDATE schema_version SET version = 99" > /dev/null
run "$RESPONDER_BIN" -c "$W/mig.conf" log
expect_status 78 "a newer schema is refused"
expect_err "newer than this responder's"
pg_psql mig "UPDATE schema_version SET version = (SELECT $(grep -o 'STORE_SCHEMA_VERSION [0-9]*' \
	"$RESPONDER_SRC/store/store.h" | cut -d' ' -f2))" > /dev/null

# ---- 5. TLS ------------------------------------------------------------------------------
conf_pg "$W/tls.conf" mig "ca_file = $PG_CA"
run "$RESPONDER_BIN" -c "$W/tls.conf" log
expect_status 0 "TLS with the server's CA (verify-full)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=another CA" \
	-keyout "$W/other.key" -out "$W/other.pem" 2>/dev/null
conf_pg "$W/badca.conf" mig "ca_file = $W/other.pem"
run "$RESPONDER_BIN" -c "$W/badca.conf" log
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$STATUS" != 0 ] || fail "a store behind a certificate of another CA was opened"
expect_err "certificate verify failed"
finish
