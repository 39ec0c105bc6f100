#!/usr/bin/env bash
# it_pg_log_import.sh - the Postfix and Exim log importers write in
# batches on PostgreSQL (COPY and one merge per batch, results that come
# later: store/import/log_msgs.c) and one record at a time on SQLite; the
# same logs must give the same result on both, to the line:
#   the same stdout (counts) and stderr (every report, at its line, in
#   order), the same exit status, the same rows;
# with what makes a line depend on an earlier result: a queue ID stored
# for another account (refused at its first delivery line and again at
# each later one), a reused short queue ID, deliveries of messages whose
# start is not in the log (their account from the store, or none), a
# delivery before its message's start, an invalid recipient of a message whose result is still due, a message
# changed after its first write, expiries and freezes (they read the
# store), bounce notices, garbage and over-long lines, several files in
# one run, and a generated log long enough for several batches.
# `--follow` runs over the same Postfix log on both too.
set -uo pipefail
. "$RESPONDER_SRC/tests/lib/check.sh"
. "$RESPONDER_SRC/tests/lib/pg.sh"
need_tool sqlite3 python3 setpriv

W=$CHECK_DIR/w
mkdir -p "$W"
trap pg_cleanup EXIT
pg_init || { echo "FAIL: initdb"; exit 1; }
pg_start || { echo "FAIL: pg_start"; exit 1; }
PW=$(pg_secret "$W")
FX=$RESPONDER_SRC/tests/fixtures

# The bulk: the benchmarks' generators (scripts/lib), 12 000 lines each.
python3 "$RESPONDER_SRC/scripts/lib/gen_postfix_log.py" 12000 > "$W/bulk.log"
python3 "$RESPONDER_SRC/scripts/lib/gen_exim_log.py" 12000 > "$W/bulk.mainlog"
[ -s "$W/bulk.log" ] && [ -s "$W/bulk.mainlog" ] || { echo "FAIL: generators"; exit 1; }

# What was stored before the logs: a message of another account under a
# queue ID the logs use, and messages whose start the logs lack.
cat > "$W/pre.jsonl" <<'EOF'
{"type":"message","account":"other","queue_id":"AAAA000001","recipients":["x@other.example"]}
{"type":"message","account":"user7","queue_id":"BBBB000001","recipients":["y@northwind.example"]}
{"type":"message","account":"other","queue_id":"1xaZZ0-0009Zz-0Z","recipients":["x@other.example"]}
EOF

# The Postfix lines that depend on earlier results.
python3 - "$W/tricky.log" <<'PY'
import sys
L = []
def at(s): return "Nov 24 10:%02d:%02d relay " % divmod(s, 60)
def smtpd(s, q, user): L.append(at(s) + "postfix/smtpd[100]: %s: client=c.example[198.51.100.1], sasl_method=PLAIN, sasl_username=%s" % (q, user))
def qmgr(s, q, frm="billing@cust.example"): L.append(at(s) + "postfix/qmgr[900]: %s: from=<%s>, size=100, nrcpt=2 (queue active)" % (q, frm))
def mid(s, q): L.append(at(s) + "postfix/cleanup[200]: %s: message-id=<%s@cust.example>" % (q, q.lower()))
def dlv(s, q, to, st="sent", dsn="2.0.0", text="250 2.0.0 Ok"):
    L.append(at(s) + "postfix/smtp[300]: %s: to=<%s>, relay=mx.n.example[192.0.2.9]:25, delay=1, delays=0/0/0.5/0.5, dsn=%s, status=%s (%s)" % (q, to, dsn, st, text))
def removed(s, q): L.append(at(s) + "postfix/qmgr[900]: %s: removed" % q)
# another account's queue ID: refused at each delivery line
smtpd(0, "AAAA000001", "user5"); qmgr(0, "AAAA000001"); dlv(1, "AAAA000001", "a@n.example")
dlv(2, "AAAA000001", "b@n.example"); dlv(2, "AAAA000001", "bad address@@n.example"); removed(3, "AAAA000001")
# a message, and another one later under the same short queue ID
smtpd(4, "CCCC000001", "user6"); mid(4, "CCCC000001"); qmgr(4, "CCCC000001"); dlv(5, "CCCC000001", "c@n.example"); removed(5, "CCCC000001")
smtpd(60, "CCCC000001", "user6"); qmgr(60, "CCCC000001"); dlv(61, "CCCC000001", "d@n.example"); dlv(61, "CCCC000001", "e@n.example"); removed(62, "CCCC000001")
# deliveries without the start: account from the store, or none
dlv(63, "BBBB000001", "f@n.example"); dlv(63, "BBBB000002", "g@n.example"); dlv(64, "BBBB000001", "h@n.example", "deferred", "4.2.2", "452 4.2.2 full")
L.append(at(64) + "this is not a syslog line")
# an invalid recipient right after the message's first write
smtpd(65, "DDDD000001", "user8"); qmgr(65, "DDDD000001"); dlv(66, "DDDD000001", "i@n.example"); dlv(66, "DDDD000001", "not an address")
# changed after its first write: the Message-ID comes after a delivery
smtpd(67, "EEEE000001", "user9"); qmgr(67, "EEEE000001"); dlv(68, "EEEE000001", "j@n.example", "deferred", "4.2.2", "452 4.2.2 full"); mid(68, "EEEE000001")
dlv(69, "EEEE000001", "k@n.example")
L.append(at(70) + "postfix/qmgr[900]: EEEE000001: from=<billing@cust.example>, status=expired, returned to sender")
removed(70, "EEEE000001")
# a message without account (no SASL user), and a bounce notice
L.append(at(71) + "postfix/smtpd[100]: FFFF000001: client=c.example[198.51.100.1]")
qmgr(71, "FFFF000001"); dlv(72, "FFFF000001", "l@n.example"); removed(72, "FFFF000001")
# out of order: a delivery before the message's start, then the start
# and another delivery
dlv(73, "GGGG000001", "m@n.example", "deferred", "4.2.2", "452 4.2.2 full")
smtpd(73, "GGGG000001", "user11"); qmgr(73, "GGGG000001"); dlv(74, "GGGG000001", "n@n.example")
dlv(74, "GGGG000001", "m@n.example"); removed(75, "GGGG000001")
L.append("x" * 40000)
open(sys.argv[1], "w").write("\n".join(L) + "\n")
PY

cat > "$W/tricky.mainlog" <<'EOF'
2026-12-08 06:00:00.000 [22000] 1xaZZ0-0009Zz-0Z <= billing@acme.example H=(vm) [192.0.2.10]:47700 I=[192.0.2.1]:587 P=esmtpa A=plain:acme_user S=600 id=z1@acme.example for p@ok.example q@ok.example
2026-12-08 06:00:00.100 [22001] 1xaZZ0-0009Zz-0Z => p@ok.example R=dnslookup T=remote_smtp H=mx.ok.example [198.51.100.2]:25 C="250 2.0.0 Ok"
2026-12-08 06:00:00.200 [22001] 1xaZZ0-0009Zz-0Z -> q@ok.example R=dnslookup T=remote_smtp H=mx.ok.example [198.51.100.2]:25 C="250 2.0.0 Ok"
2026-12-08 06:00:00.300 [22001] 1xaZZ0-0009Zz-0Z Completed
2026-12-08 06:00:01.000 [22002] 1xaZY0-0009Zy-0Y <= billing@acme.example H=(vm) [192.0.2.10]:47701 I=[192.0.2.1]:587 P=esmtpa A=plain:acme_user S=600 id=z2@acme.example for r@ok.example
2026-12-08 06:00:01.100 [22003] 1xaZY0-0009Zy-0Y ** bad@@address R=dnslookup T=remote_smtp H=mx.ok.example [198.51.100.2]:25: SMTP error from remote mail server after RCPT TO:<x>: 550 5.1.1 No such user
2026-12-08 06:00:01.200 [22003] 1xaZY0-0009Zy-0Y => r@ok.example R=dnslookup T=remote_smtp H=mx.ok.example [198.51.100.2]:25 C="250 2.0.0 Ok"
2026-12-08 06:00:01.300 [22003] 1xaZY0-0009Zy-0Y Completed
2026-12-08 06:00:02.000 [22004] 1xaZX0-0009Zx-0X => s@ok.example R=dnslookup T=remote_smtp H=mx.ok.example [198.51.100.2]:25 C="250 2.0.0 Ok"
2026-12-08 06:00:02.100 [22005] 1xaZX0-0009Zx-0X <= billing@acme.example H=(vm) [192.0.2.10]:47702 I=[192.0.2.1]:587 P=esmtpa A=plain:acme_user S=600 id=z3@acme.example for s@ok.example t@ok.example
2026-12-08 06:00:02.200 [22005] 1xaZX0-0009Zx-0X => t@ok.example R=dnslookup T=remote_smtp H=mx.ok.example [198.51.100.2]:25 C="250 2.0.0 Ok"
2026-12-08 06:00:02.300 [22005] 1xaZX0-0009Zx-0X Completed
EOF

conf() {  # FILE STORE-LINES
	printf '[store]\n%s\n' "$2" > "$1"
}
conf "$W/lite.conf" "path = $W/lite.db"
pg_createdb logs
conf "$W/pg.conf" "url = $(pg_url logs)
password_file = $PW"
conf "$W/flite.conf" "path = $W/flite.db"
pg_createdb follow
conf "$W/fpg.conf" "url = $(pg_url follow)
password_file = $PW"

# One run on each backend: the same command, the outputs kept.
both() {  # NAME ARGS...
	local name=$1 b
	shift
	for b in lite pg; do
		"$RESPONDER_BIN" -c "$W/$b.conf" "$@" > "$W/$name.$b.out" 2> "$W/$name.$b.err"
		echo $? > "$W/$name.$b.rc"
	done
	for x in out err rc; do
		CHECK_COUNT=$((CHECK_COUNT + 1))
		diff "$W/$name.lite.$x" "$W/$name.pg.$x" > "$W/$name.$x.diff" ||
			fail "$name: the $x on PostgreSQL differs from SQLite's: $(head -20 "$W/$name.$x.diff")"
	done
}
both pre import --format jsonl "$W/pre.jsonl"
both postfix import --format postfix --account-from sasl_username "$W/bulk.log" \
	"$FX/postfix/basic.log" "$FX/postfix/debug.log" "$FX/postfix/reuse.log" \
	"$FX/postfix/midflight.log" "$FX/postfix/expired.log" "$W/tricky.log"
both exim import --format exim "$W/bulk.mainlog" "$FX/exim/mainlog" "$FX/exim/frozen.log" \
	"$FX/exim/frozen_same_second.log" "$W/tricky.mainlog"
both again import --format postfix --account-from sasl_username "$W/bulk.log" "$W/tricky.log"

# The tricky lines did what they are there for (on both, as compared).
for want in "AAAA000001 already belongs to another account" \
	"CCCC000001 is already stored for a message submitted" \
	"recipient <not an address> is not a valid address" \
	"not a syslog line, skipped" "line too long, skipped"; do
	CHECK_COUNT=$((CHECK_COUNT + 1))
	grep -q "$want" "$W/postfix.pg.err" || fail "postfix: no report '$want': $(head -c 3000 "$W/postfix.pg.err")"
done
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(grep -c "AAAA000001 already belongs" "$W/postfix.pg.err")" = 3 ] ||
	fail "the refused message is not reported at each of its 3 delivery lines"
CHECK_COUNT=$((CHECK_COUNT + 1))
grep -q "1xaZZ0-0009Zz-0Z already belongs to another account" "$W/exim.pg.err" ||
	fail "exim: no refusal: $(cat "$W/exim.pg.err")"

# --follow: the Postfix logs appended to a followed file in pieces, the
# follower stopped and started again between them; the reports and
# counts of each run compared too.
follow_both() {
	local b f k pid size
	for b in flite fpg; do
		: > "$W/$b.followed"
		k=0
		for f in "$W/bulk.log" "$W/tricky.log"; do
			k=$((k + 1))
			cat "$f" >> "$W/$b.followed"
			size=$(stat -c %s "$W/$b.followed")
			"$RESPONDER_BIN" -c "$W/$b.conf" import --format postfix --follow \
				--account-from sasl_username "$W/$b.followed" > "$W/follow$k.$b.out" \
				2> "$W/follow$k.$b.err" &
			pid=$!
			for _ in $(seq 1 600); do
				[ "$(store_pos "$b")" = "$size" ] && break
				sleep 0.05
			done
			kill -TERM "$pid" 2>/dev/null
			wait "$pid"
			echo $? > "$W/follow$k.$b.rc"
		done
	done
	for k in 1 2; do
		for x in out err rc; do
			sed -i "s|$W/f[a-z]*\.followed|FOLLOWED|g" "$W/follow$k.flite.$x" "$W/follow$k.fpg.$x"
			CHECK_COUNT=$((CHECK_COUNT + 1))
			diff "$W/follow$k.flite.$x" "$W/follow$k.fpg.$x" > "$W/follow$k.$x.diff" ||
				fail "follow run $k: the $x on PostgreSQL differs: $(head -20 "$W/follow$k.$x.diff")"
		done
	done
}
store_pos() {  # flite|fpg: the follower's stored offset
	if [ "$1" = flite ]; then
		sqlite3 "$W/flite.db" 'SELECT "offset" FROM import_positions' 2>/dev/null
	else
		pg_psql follow 'SELECT "offset" FROM import_positions' 2>/dev/null
	fi
}

dump_sql="SELECT 'm', a.name, m.queue_id, coalesce(m.message_id, '-'), coalesce(m.sender, '-'),
	coalesce(m.subject, '-'), CAST(m.submitted_at AS TEXT) FROM messages m
	JOIN accounts a ON a.id = m.account_id
	UNION ALL SELECT 'r', m.queue_id, r.address, r.status, CAST(r.last_attempt_at AS TEXT),
	CAST(r.submitted_at AS TEXT), '' FROM recipients r JOIN messages m ON m.id = r.message_id
	UNION ALL SELECT 't', m.queue_id, r.address, t.status || ' ' || coalesce(t.mx_host, '-') || ' '
	|| coalesce(t.mx_ip, '-') || ' ' || coalesce(CAST(t.smtp_code AS TEXT), '-') || ' '
	|| coalesce(t.enhanced_status, '-') || ' ' || coalesce(t.response, '-') || ' '
	|| coalesce(t.transcript_kind, '-'), CAST(t.at AS TEXT), CAST(length(t.transcript) AS TEXT), ''
	FROM attempts t JOIN recipients r ON r.id = t.recipient_id JOIN messages m ON m.id = r.message_id
	"
same_rows() {  # SQLITE PGDB WHAT
	# sorted here: the two order NULLs apart
	sqlite3 "$1" "$dump_sql" | LC_ALL=C sort > "$W/$3.lite.dump"
	pg_psql "$2" "$dump_sql" | LC_ALL=C sort > "$W/$3.pg.dump"
	CHECK_COUNT=$((CHECK_COUNT + 1))
	[ "$(wc -l < "$W/$3.lite.dump")" -gt 1000 ] || fail "$3: only $(wc -l < "$W/$3.lite.dump") rows"
	CHECK_COUNT=$((CHECK_COUNT + 1))
	diff "$W/$3.lite.dump" "$W/$3.pg.dump" > "$W/$3.dump.diff" ||
		fail "$3: PostgreSQL's rows differ from SQLite's: $(head -20 "$W/$3.dump.diff")"
}
same_rows "$W/lite.db" logs imports
follow_both
same_rows "$W/flite.db" follow follow
finish
