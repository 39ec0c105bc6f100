#!/usr/bin/env bash
# it_daemon_smtp_down: with the SMTP server down the complaints are still
# recorded and their replies stay in the outbox (`once` exits 69); when it
# is back the next pass sends each exactly once.  The same for `run`: it
# retries by itself with backoff.  A server answering 4xx defers the reply
# (retry later), one answering 5xx fails it (visible in the outbox state).
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
log=$MS_DIR/log/responder.log

ms_stop_sink
for i in 1 2 3; do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
rc=0; "${R[@]}" once 2>> "$log" || rc=$?
[ $rc = 69 ] || ms_fail "once with SMTP down exited $rc, want 69"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" = 3 ] && [ "$(ms_sql "SELECT count(*) FROM outbox WHERE last_error LIKE '%connect%'")" -ge 1 ] ||
	ms_fail "replies not kept queued with the error"
ms_doveadm mailbox status -u "$MS_USER" messages Processed | grep -q 'messages=3' || ms_fail "complaints not moved after being recorded"
ms_start_sink
"${R[@]}" once 2>> "$log" || ms_fail "once with SMTP back exited $?"
[ "$(ms_sink_count)" = 3 ] || ms_fail "expected 3 replies once SMTP is back, have $(ms_sink_count)"

# run: the sink goes away, complaints come in, the sink comes back.
ms_stop_sink
ms_run_daemon
for i in 4 5 6; do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
ms_wait_until 60 grep -q 'smtp unavailable' "$log" || ms_fail "daemon never tried to send"
ms_start_sink
ms_wait_until 120 ms_sink_has 6 || ms_fail "daemon did not send once SMTP was back"
ms_kill_daemon
[ "$(ms_sink_in_reply_to | sort -u | wc -l)" = 6 ] || ms_fail "a reply missing or sent twice"
[ "$(ms_sink_count)" = 6 ] || ms_fail "$(ms_sink_count) replies for 6 complaints"

# 4xx at RCPT: deferred, retried later; 5xx: failed.
ms_stop_sink; ms_start_sink -r RCPT
ms_deliver "$MS_USER" "$(ms_complaint 7)"
"${R[@]}" once 2>> "$log" || ms_fail "once (4xx) exited $?"
[ "$(ms_sql "SELECT state || ' ' || tries || ' ' || CASE WHEN next_try_at > unixepoch() THEN 1 ELSE 0 END FROM outbox ORDER BY id DESC LIMIT 1")" = "queued 1 1" ] ||
	ms_fail "a 4xx did not schedule a retry: $(ms_sql 'SELECT state, tries, last_error FROM outbox ORDER BY id DESC LIMIT 1')"
ms_stop_sink; ms_start_sink -f RCPT -B '550 5.1.1 no such user'
ms_deliver "$MS_USER" "$(ms_complaint 8)"
"${R[@]}" once 2>> "$log" || ms_fail "once (5xx) exited $?"
[ "$(ms_sql "SELECT state FROM outbox ORDER BY id DESC LIMIT 1")" = failed ] ||
	ms_fail "a 5xx did not fail the reply"
ms_sql "SELECT last_error FROM outbox ORDER BY id DESC LIMIT 1" | grep -q '550' || ms_fail "the 550 is not in last_error"
echo "PASS: outbox keeps replies while SMTP is down and sends them once when back; 4xx retry, 5xx failed"
