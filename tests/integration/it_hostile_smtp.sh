#!/usr/bin/env bash
# it_hostile_smtp: `responder run` sends its replies to a scripted hostile
# SMTP server (tests/tools/fake_smtp.py; complaints come from the honest
# scenario of tests/tools/fake_imap.py): garbage replies, a 1 MB
# multi-line reply to EHLO, a server that stalls after DATA.  The server
# misbehaves on its first two connections, then behaves.  For each: the
# daemon never crashes and never spins, its memory stays bounded, no reply
# is marked sent that the server did not take with 250, and once the
# server behaves each reply is delivered exactly once (issue 15, Faults).
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/need.sh"
. "$RESPONDER_SRC/tests/lib/proc.sh"
. "$RESPONDER_SRC/tests/lib/store.sh"
need_tool python3
store_is_pg || need_tool sqlite3
[ -x "${RESPONDER_BIN:-}" ] || { echo "RESPONDER_BIN not set" >&2; exit 1; }
T=$(mktemp -d)
RPID="" IPID="" SPID=""
stop_all() {
	for p in $RPID $IPID $SPID; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	RPID="" IPID="" SPID=""
}
trap 'stop_all; rm -rf "$T"' EXIT
HZ=$(getconf CLK_TCK)
FAILS=0
fail_case() { echo "FAIL [$1]: $2" >&2; FAILS=$((FAILS + 1)); }

complaint() {  # N: one complaint file, as tests/lib/mailstack.sh writes them
	printf 'From: Acme Billing <billing@acme.example>\r\nTo: support@relay.example\r\nSubject: Fwd: Invoice 1042 (%s)\r\nDate: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <c%s@acme.example>\r\nContent-Type: text/plain\r\n\r\nBob never got <inv-1042@acme.example>, complaint %s.\r\n' \
		"$1" "$1" "$1" > "$T/c$1.eml"
	echo "$T/c$1.eml"
}

run_case() {  # NAME
	local name=$1 d=$T/$1
	mkdir -p "$d/imap" "$d/smtp"
	python3 "$RESPONDER_SRC/tests/tools/fake_imap.py" --port-file "$d/imap.port" \
		--state-dir "$d/imap" --scenario normal "$(complaint 1)" "$(complaint 2)" \
		"$(complaint 3)" > "$d/imap.log" 2>&1 &
	IPID=$!
	python3 "$RESPONDER_SRC/tests/tools/fake_smtp.py" --port-file "$d/smtp.port" \
		--state-dir "$d/smtp" --scenario "$name" --hostile 2 > "$d/smtp.log" 2>&1 &
	SPID=$!
	for _ in $(seq 100); do [ -s "$d/imap.port" ] && [ -s "$d/smtp.port" ] && break; sleep 0.05; done
	printf 'pw\n' > "$d/secret"; chmod 600 "$d/secret"
	cat > "$d/r.conf" <<EOF
[responder]
address = support@relay.example
[store]
$(store_conf "$d/store.db")
[imap]
url = imap://127.0.0.1:$(cat "$d/imap.port")
tls = none
username = u
password_file = $d/secret
poll_interval = 1
timeout = 5
[smtp]
url = smtp://127.0.0.1:$(cat "$d/smtp.port")
tls = none
timeout = 3
[policy]
max_replies_per_requester_per_hour = 0
max_replies_per_account_per_hour = 0
max_replies_total_per_hour = 0
match_window_days = 3650
EOF
	"$RESPONDER_BIN" -c "$d/r.conf" import "$RESPONDER_SRC/store/samples/records.jsonl" > /dev/null
	"$RESPONDER_BIN" -c "$d/r.conf" run > "$d/responder.log" 2>&1 &
	RPID=$!
	local start=$SECONDS alive=1 hwm=0 ticks=0 got=0
	while [ $((SECONDS - start)) -lt 60 ]; do
		kill -0 "$RPID" 2>/dev/null || { alive=0; break; }
		got=$(find "$d/smtp" -name 'msg.*' | wc -l)
		[ "$got" -ge 3 ] && sleep 2 && break
		sleep 0.5
	done
	local ran=$((SECONDS - start + 1))
	if [ $alive = 1 ]; then
		hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$RPID/status")
		ticks=$(awk '{print $14 + $15}' "/proc/$RPID/stat")
	else
		fail_case "$name" "the daemon died: $(tail -3 "$d/responder.log")"
	fi
	stop_all
	got=$(find "$d/smtp" -name 'msg.*' | wc -l)
	local sent queued uniq
	sent=$(store_sql "$d/store.db" "SELECT count(*) FROM outbox WHERE state = 'sent'")
	queued=$(store_sql "$d/store.db" "SELECT count(*) FROM outbox WHERE state = 'queued'")
	uniq=$(cat "$d/smtp"/msg.* 2>/dev/null | grep -i '^In-Reply-To:' | sort -u | wc -l)
	echo "case $name: ran ${ran}s, cpu $((ticks * 1000 / HZ)) ms, VmHWM $hwm kB," \
		"connections $(cat "$d/smtp/connections"), delivered $got, sent $sent, queued $queued"
	[ $((ticks * 100 / HZ)) -lt $((ran * 100 / 3)) ] || fail_case "$name" "spinning"
	[ "$hwm" -lt 150000 ] || fail_case "$name" "peak RSS $hwm kB"
	[ "$got" = 3 ] || fail_case "$name" "$got replies delivered, want 3"
	[ "$uniq" = 3 ] || fail_case "$name" "$uniq distinct replies delivered, want 3"
	[ "$sent" = "$got" ] || fail_case "$name" "$sent marked sent, $got delivered"
	grep -q $'\x1b' "$d/responder.log" && fail_case "$name" "an escape from the server reached the log"
	return 0
}

# On PostgreSQL (it_hostile_smtp_pg) the case that tests the store most:
# a server that stalls after DATA, whose reply must stay unmarked until a
# 250 comes (the others are the SMTP client's, whatever the store).
cases="garbage bigreply stall_data"
store_is_pg && cases=stall_data
for c in ${HOSTILE_SMTP_CASES:-$cases}; do run_case "$c"; done
[ "$FAILS" = 0 ] || { echo "FAIL: $FAILS problem(s)"; exit 1; }
echo "PASS: hostile SMTP server: no crash, no spin, bounded memory, each reply delivered once"
