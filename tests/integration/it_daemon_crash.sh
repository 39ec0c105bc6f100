#!/usr/bin/env bash
# it_daemon_crash: IT_CRASH_N complaints (default 600; 200 on PostgreSQL),
# delivered in waves of a sixth; `responder run` is killed with SIGKILL
# IT_CRASH_KILLS times (default 12; 6 on PostgreSQL) and started again; in
# the end every complaint is answered exactly once (counted in the sink by
# In-Reply-To), the request log has one row each and the outbox is empty.
#
# The daemon records a chunk of up to 100 complaints in one transaction
# (group commit) and is fast, so kills at fixed delays would mostly hit an
# idle daemon.  The kills take turns: a random delay of 50-800 ms after
# the start (before login, mid-fetch, mid-chunk, mid-send); the moment the
# sink has received 1-60 more replies, plus 0-20 ms (mid-send, between a
# 250 and its mark, during the move); and 0-30 ms after a chunk's marker
# is committed (inside the chunk's transaction, which makes the next run
# record one complaint at a time, daemon_pass.c).  A new
# wave is delivered whenever fewer than 20 are left to answer, so each
# kill has work in hand.
#
# The one window exactly-once cannot close (killed after the SMTP server
# accepted a reply, before its row is marked sent: it is sent again) is a
# few milliseconds wide; docs/daemon.md explains it.  Should this test ever
# see a duplicate, the log below shows whether a kill landed in it.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
N=${IT_CRASH_N:-600}
KILLS=${IT_CRASH_KILLS:-12}
# On PostgreSQL (it_daemon_crash_pg) a third of the run: the same kinds of
# kill, 97 s instead of 48 s at full size on this 2-core machine, and
# it_pg_daemons already kills three daemons on one store at random.
if store_is_pg; then N=${IT_CRASH_N:-200}; KILLS=${IT_CRASH_KILLS:-6}; fi
wave=$(( (N + 5) / 6 ))
next=1
deliver_wave() {
	local files=() i
	for i in $(seq "$next" $(( next + wave - 1 < N ? next + wave - 1 : N ))); do
		files+=("$(ms_complaint "$i")")
	done
	next=$(( next + wave ))
	[ ${#files[@]} -gt 0 ] && ms_deliver "$MS_USER" "${files[@]}"
	return 0
}

sleep_ms() { sleep "$(( $1 / 1000 )).$(printf '%03d' $(( $1 % 1000 )))"; }

for k in $(seq 1 "$KILLS"); do
	before=$(ms_sink_count)
	# Keep work in hand: a new wave when little is left to answer.
	if [ $(( next - 1 - before )) -lt 20 ] && [ "$next" -le "$N" ]; then deliver_wave; fi
	open=$(( (next - 1 < N ? next - 1 : N) - before ))
	[ "$open" -gt 0 ] || break
	ms_run_daemon
	if [ $((k % 3)) = 0 ]; then
		# Inside a chunk's transaction: its marker is committed.
		how="inside a chunk"
		t=0
		until [ "$(ms_sql "SELECT count(*) FROM in_progress WHERE complaint_key = 'daemon:chunk'" 2>/dev/null)" = 1 ] ||
			[ $t -ge 500 ]; do sleep 0.01; t=$((t + 1)); done
		[ $t -lt 500 ] || how="$how (not seen)"
		sleep_ms $(( RANDOM % 30 ))
	elif [ $((k % 3)) = 1 ]; then
		how="after $(( ms = RANDOM % 750 + 50 )) ms"
		sleep_ms "$ms"
	else
		want=$(( before + RANDOM % (open < 60 ? open : 60) + 1 ))
		how="at reply $want"
		t=0
		while ! ms_sink_has "$want" && [ $t -lt 500 ]; do sleep 0.01; t=$((t + 1)); done
		ms_sink_has "$want" || how="$how (not reached)"
		sleep_ms $(( RANDOM % 20 ))
	fi
	kill -KILL "$RPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || true
	RPID=""
	echo "kill $k ($how): $(ms_sink_count) replies so far" >> "$MS_DIR/log/responder.log"
	kills=$k
done
while [ "$next" -le "$N" ]; do deliver_wave; done
ms_run_daemon
ms_wait_until 300 ms_sink_has "$N" || ms_fail "only $(ms_sink_count) of $N answered"
ms_wait_until 60 test "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" = 0 ||
	ms_fail "outbox not drained"
sleep 1
ms_kill_daemon

replies=$(ms_sink_count)
distinct=$(ms_sink_in_reply_to | sort -u | wc -l)
dups=$(ms_sink_in_reply_to | sort | uniq -d | tr '\n' ' ')
[ "$distinct" = "$N" ] || ms_fail "$distinct distinct complaints answered of $N ($(ms_sql "SELECT count(*) FROM requests WHERE why LIKE 'quarantined%'") quarantined after repeated restarts)"
# A duplicate is allowed only for the documented window: a kill landed
# after the complaint's reply was queued and before that reply was marked
# sent (the "reply ID ... sent" line is logged after the mark, so the only
# such line comes from the run that sent it again).
allowed=0
log=$MS_DIR/log/responder.log
for mid in $dups; do
	id=$(ms_sql "SELECT o.id FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.complaint_message_id = '$mid'")
	src=$(ms_sql "SELECT source FROM requests WHERE complaint_message_id = '$mid'")
	queued=$(grep -n "complaint $src: .*reply queued" "$log" | head -1 | cut -d: -f1)
	sent=$(grep -n "^responder: info: reply $id to .* sent" "$log" | cut -d: -f1)
	[ -n "$queued" ] && [ "$(echo "$sent" | wc -w)" = 1 ] &&
		sed -n "${queued},${sent}p" "$log" | grep '^kill ' >/dev/null ||
		ms_fail "$mid answered twice, and not by a kill inside the sent-but-not-marked window"
	echo "note: $mid answered twice: a kill landed between the server's 250 and marking the reply sent (docs/daemon.md)"
	allowed=$((allowed + 1))
done
[ "$replies" = "$((N + allowed))" ] || ms_fail "$replies replies for $N complaints (answered twice: $dups)"
[ "$(ms_sql 'SELECT count(*) FROM requests')" = "$N" ] || ms_fail "request log has $(ms_sql 'SELECT count(*) FROM requests') rows for $N"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" = "$N" ] || ms_fail "not every outbox row is sent"
[ "$(ms_sql 'SELECT count(*) FROM in_progress')" = 0 ] || ms_fail "in_progress not empty"
ms_doveadm mailbox status -u "$MS_USER" messages INBOX | grep -q 'messages=0' || ms_fail "complaints left in INBOX"
echo "PASS: ${kills:-0} x SIGKILL during $N complaints; each answered exactly once"
