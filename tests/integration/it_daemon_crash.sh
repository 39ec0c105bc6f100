#!/usr/bin/env bash
# it_daemon_crash: 200 complaints; `responder run` is killed with SIGKILL at
# random moments (IT_CRASH_KILLS times, default 12) and started again; in
# the end every complaint is answered exactly once (counted in the sink by
# In-Reply-To), the request log has one row each and the outbox is empty.
#
# The one window exactly-once cannot close (killed after the SMTP server
# accepted a reply, before its row is marked sent: it is sent again) is a
# few milliseconds wide; docs/daemon.md explains it.  Should this test ever
# see a duplicate, the log below shows whether a kill landed in it.
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
N=${IT_CRASH_N:-200}
KILLS=${IT_CRASH_KILLS:-12}
files=()
for i in $(seq 1 "$N"); do files+=("$(ms_complaint "$i")"); done
ms_deliver "$MS_USER" "${files[@]}"

for k in $(seq 1 "$KILLS"); do
	ms_run_daemon
	# 0.2..2.2 s: lands before login, mid-fetch, mid-pipeline, mid-send
	# (a pass handles a complaint every ~0.1 s).  Not so often at the same
	# complaint that IN_PROGRESS_MAX_RESTARTS (5) quarantines it.
	ms_sleep_ms=$(( RANDOM % 2000 + 200 ))
	sleep "$(( ms_sleep_ms / 1000 )).$(printf '%03d' $(( ms_sleep_ms % 1000 )))"
	kill -KILL "$RPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || true
	RPID=""
	echo "kill $k: $(ms_sink_count) replies so far" >> "$MS_DIR/log/responder.log"
done
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
		sed -n "${queued},${sent}p" "$log" | grep -q '^kill ' ||
		ms_fail "$mid answered twice, and not by a kill inside the sent-but-not-marked window"
	echo "note: $mid answered twice: a kill landed between the server's 250 and marking the reply sent (docs/daemon.md)"
	allowed=$((allowed + 1))
done
[ "$replies" = "$((N + allowed))" ] || ms_fail "$replies replies for $N complaints (answered twice: $dups)"
[ "$(ms_sql 'SELECT count(*) FROM requests')" = "$N" ] || ms_fail "request log has $(ms_sql 'SELECT count(*) FROM requests') rows for $N"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" = "$N" ] || ms_fail "not every outbox row is sent"
[ "$(ms_sql 'SELECT count(*) FROM in_progress')" = 0 ] || ms_fail "in_progress not empty"
ms_doveadm mailbox status -u "$MS_USER" messages INBOX | grep -q 'messages=0' || ms_fail "complaints left in INBOX"
echo "PASS: $KILLS x SIGKILL during $N complaints; each answered exactly once"
