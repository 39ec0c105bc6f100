#!/usr/bin/env bash
# it_hostile_imap: `responder run` against a scripted hostile IMAP server
# (tests/tools/fake_imap.py), one scenario at a time: a literal announced
# as 4 GB, a literal cut short, a body literal far above its RFC822.SIZE,
# a line that never ends, responses to commands never sent, UIDVALIDITY
# changing between SELECT and FETCH, thousands of EXISTS, BYE mid-FETCH, a
# silent server, BYE or garbage right after a successful LOGIN and SELECT,
# and 200 000 UIDs in descending order; and four answers the fuzz_imap
# target found that crashed the daemon: a greeting with a response code
# libetpan's greeting parser cannot take, no capability list anywhere, a
# UID FETCH answered NO with no data, and a PERMANENTFLAGS code whose
# first flag does not parse (docs/fuzzing.md).
#
# For each: the daemon never crashes (it is alive until SIGTERM and exits
# 0), never spins (its CPU time stays a fraction of the time it ran),
# keeps its peak memory (VmHWM) under a bound far below what the server
# announced, reconnects with backoff (a handful of connections, not
# hundreds), and, once the server behaves, answers each complaint exactly
# once: no reply lost, none sent twice, no message moved unanswered.
#
# Regression tests of issue 15: defect 4 (100 % CPU when the server closes
# inside a literal; backoff reset by a successful login), defect 5
# (memory from server-controlled sizes), defect 6 (quadratic sort of
# SEARCH results), defect 7 (reconnect storm and repeated log lines).
# Each case waits on the daemon's timeouts, with little CPU (about 10 s of
# CPU in 150 s), and checks CPU time rather than wall time, so ctest may
# run it beside other tests:
# serial: no, it mostly waits
#
# On PostgreSQL (it_hostile_imap_pg) the cases where what the store holds
# decides the outcome (the IMAP position across a UIDVALIDITY change, a
# FETCH cut off mid-chunk, a server that ignores the $Responded search and
# the request log decides); the others test the IMAP reader's caps and
# backoff, the same code whichever store.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
need_tool smtp-sink python3 openssl
store_is_pg || need_tool sqlite3
[ -x "${RESPONDER_BIN:-}" ] || { echo "RESPONDER_BIN not set" >&2; exit 1; }
ms_init
RPID="" FPID=""
stop_fake() { [ -n "$FPID" ] && kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null || true; FPID=""; }
trap 'ms_kill_daemon; stop_fake; ms_stop' EXIT
ms_start_sink
FAKE=$RESPONDER_SRC/tests/tools/fake_imap.py
HZ=$(getconf CLK_TCK)
FAILS=0

fail_case() { echo "FAIL [$1]: $2" >&2; FAILS=$((FAILS + 1)); }

# run_case NAME HOSTILE_CONNECTIONS WANT_REPLIES SECONDS [PROCESSED [MOVED [FULL]]]
#   HOSTILE_CONNECTIONS 0: the server misbehaves forever (no reply may
#   come, nothing may move, unless WANT_REPLIES says otherwise: then the
#   daemon runs all SECONDS, so that a second answer has time to come);
#   N: the first N connections, then it behaves and all 3 complaints must
#   be answered exactly once.  PROCESSED: the processed folder (Processed;
#   "" keeps answered messages in INBOX, marked); MOVED: the messages that
#   must have moved (WANT_REPLIES); FULL 1: run all SECONDS even when the
#   replies came early.
run_case() {
	local name=$1 hostile=$2 want=$3 secs=$4 processed=${5-Processed} d=$MS_DIR/case-$1
	local want_moved=${6:-$3} full=${7:-0}
	mkdir -p "$d/state"
	rm -f "$MS_SINK_DIR"/msg.*
	python3 "$FAKE" --port-file "$d/port" --state-dir "$d/state" --scenario "$name" \
		--hostile "$hostile" "$(ms_complaint 1)" "$(ms_complaint 2)" "$(ms_complaint 3)" \
		> "$d/fake.log" 2>&1 &
	FPID=$!
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	[ -s "$d/port" ] || { fail_case "$name" "fake server did not start"; stop_fake; return; }
	cat > "$d/r.conf" <<EOF
[responder]
address = support@relay.example
[store]
$(store_conf "$d/store.db")
[imap]
url = imap://127.0.0.1:$(cat "$d/port")
tls = none
username = u
password_file = $d/secret
processed_folder = $processed
poll_interval = 1
timeout = 2
[smtp]
url = smtp://127.0.0.1:$MS_SINK_PORT
tls = none
timeout = 5
[limits]
max_message_size = 1048576
[policy]
max_replies_per_requester_per_hour = 0
max_replies_per_account_per_hour = 0
max_replies_total_per_hour = 0
match_window_days = 3650
EOF
	printf 'pw\n' > "$d/secret"; chmod 600 "$d/secret"
	"$RESPONDER_BIN" -c "$d/r.conf" import "$RESPONDER_SRC/store/samples/records.jsonl" > /dev/null
	"$RESPONDER_BIN" -c "$d/r.conf" run > "$d/responder.log" 2>&1 &
	RPID=$!
	local start=$SECONDS hwm=0 ticks=0 alive=1
	while [ $((SECONDS - start)) -lt "$secs" ]; do
		if ! kill -0 "$RPID" 2>/dev/null; then alive=0; break; fi
		[ "$want" -gt 0 ] && [ "$hostile" -gt 0 ] && [ "$full" = 0 ] &&
			[ "$(ms_sink_count)" -ge "$want" ] && [ $((SECONDS - start)) -ge 3 ] && break
		sleep 0.5
	done
	local ran=$((SECONDS - start + 1))
	if [ $alive = 1 ]; then
		hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$RPID/status")
		ticks=$(awk '{print $14 + $15}' "/proc/$RPID/stat")
		kill -TERM "$RPID"
		local st=0
		wait "$RPID" || st=$?
		[ "$st" = 0 ] || fail_case "$name" "exit status $st after SIGTERM (want 0)"
	else
		local st=0
		wait "$RPID" || st=$?
		fail_case "$name" "the daemon died (status $st): $(tail -3 "$d/responder.log")"
	fi
	RPID=""
	stop_fake
	local conns replies moved uniq
	conns=$(cat "$d/state/connections")
	replies=$(ms_sink_count)
	touch "$d/state/moved"; moved=$(sort -u "$d/state/moved" | wc -l)
	uniq=$(ms_sink_in_reply_to | sort -u | wc -l)
	echo "case $name: ran ${ran}s, cpu $((ticks * 1000 / HZ)) ms, VmHWM ${hwm} kB," \
		"connections $conns, replies $replies, moved $moved"
	# never spins: CPU well under the time it ran (a spin is ~100 %)
	[ $((ticks * 100 / HZ)) -lt $((ran * 100 / 3)) ] ||
		fail_case "$name" "CPU $((ticks / HZ)) s in ${ran} s: spinning"
	# bounded memory: the caps are 1 MiB a literal, 16 MiB a line
	[ "$hwm" -lt 150000 ] || fail_case "$name" "peak RSS ${hwm} kB"
	# backoff: no reconnect storm (1+2+4+8+16 s of backoff in 40 s)
	[ "$conns" -le 12 ] || fail_case "$name" "$conns connections in ${ran}s: reconnect storm"
	[ "$(grep -c . "$d/responder.log")" -le 60 ] ||
		fail_case "$name" "$(grep -c . "$d/responder.log") log lines in ${ran}s"
	if [ "$want" = 0 ]; then
		[ "$replies" = 0 ] || fail_case "$name" "$replies replies from a hostile server's data"
		[ "$moved" = 0 ] || fail_case "$name" "$moved messages moved without an answer"
	else
		[ "$replies" = "$want" ] || fail_case "$name" "$replies replies, want $want"
		[ "$uniq" = "$want" ] || fail_case "$name" "$uniq distinct complaints answered, want $want"
		[ "$moved" = "$want_moved" ] || fail_case "$name" "$moved moved, want $want_moved"
		[ "$(store_sql "$d/store.db" 'SELECT count(*) FROM outbox')" = "$want" ] ||
			fail_case "$name" "outbox rows differ from $want"
	fi
}

ALL="normal literal_4g literal_cut literal_lie endless_line unsolicited
 uidvalidity many_exists bye_fetch silent bye_after_select garbage_after_select search_desc
 greeting_codes caps_none fetch_no permanentflags_bad parse_no_text search_no_keyword
 search_no_keyword_bye"
store_is_pg && ALL="normal uidvalidity bye_fetch search_no_keyword search_no_keyword_bye"
CASES=${HOSTILE_CASES:-$ALL}
for c in $CASES; do
	case $c in
	normal | many_exists | search_desc | uidvalidity | unsolicited) run_case "$c" 1 3 40 ;;
	greeting_codes | caps_none | fetch_no | permanentflags_bad | parse_no_text) # found by fuzz_imap
		run_case "$c" 1 3 40 ;;
	literal_cut | bye_fetch) run_case "$c" 2 3 40 ;;
	# A server that ignores [NOT] KEYWORD $Responded: unanswered messages
	# come back to the search for answered ones (with a processed folder),
	# and answered ones to the search for new mail (no processed folder:
	# they stay in INBOX, marked; BYE after each STORE on the first two
	# connections, so the second session's full scan sees them again):
	# each still answered once, none moved before it was.
	search_no_keyword) run_case "$c" 0 3 15 ;;
	search_no_keyword_bye) run_case "$c" 2 3 20 "" 0 1 ;;
	literal_4g | literal_lie | endless_line | silent | bye_after_select | garbage_after_select)
		run_case "$c" 0 0 12 ;;
	esac
done
# The guard names what it cut, and the storm's lines were rate-limited.
if [ "$CASES" = "$ALL" ] && ! store_is_pg; then
	grep -q "literal of 4294967290 bytes announced, above the cap" \
		"$MS_DIR/case-literal_4g/responder.log" || fail_case literal_4g "the cut is not named in the log"
	grep -q "a line of more than 16777216 bytes" "$MS_DIR/case-endless_line/responder.log" ||
		fail_case endless_line "the cut is not named in the log"
	grep -q "session failed right after login" "$MS_DIR/case-bye_after_select/responder.log" ||
		fail_case bye_after_select "no backoff after a login that was followed by failure"
fi
[ "$FAILS" = 0 ] || { echo "FAIL: $FAILS problem(s)"; exit 1; }
echo "PASS: hostile IMAP server: no crash, no spin, bounded memory, backoff, exactly once"
