#!/usr/bin/env bash
# it_daemon_reconnect: the IMAP server is killed and restarted while
# `responder run` is connected (idling): the daemon reconnects by itself
# (backoff with jitter) and answers what arrived meanwhile; every complaint
# is answered exactly once and none is lost.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
log=$MS_DIR/log/responder.log
for i in 1 2 3 4 5; do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
ms_run_daemon
ms_wait_until 60 ms_sink_has 5 || ms_fail "first five not answered"

ms_stop_dovecot
for i in 6 7 8 9 10; do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
sleep 2		# the daemon notices and starts backing off
ms_start_dovecot
ms_wait_until 120 ms_sink_has 10 || ms_fail "complaints delivered while IMAP was down not answered"
grep -q 'reconnecting in' "$log" || ms_fail "no reconnect was logged"

# Once more, mid-pass: kill it again while new complaints are waiting.
for i in $(seq 11 30); do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
ms_stop_dovecot
ms_start_dovecot
ms_wait_until 120 ms_sink_has 30 || ms_fail "not all 30 answered after a second restart"
sleep 2
kill -0 "$RPID" || ms_fail "the daemon died"
[ "$(ms_sink_count)" = 30 ] || ms_fail "$(ms_sink_count) replies for 30 complaints"
[ "$(ms_sink_in_reply_to | sort -u | wc -l)" = 30 ] || ms_fail "a complaint answered twice or not at all"
[ "$(ms_sql 'SELECT count(*) FROM requests')" = 30 ] || ms_fail "request log has $(ms_sql 'SELECT count(*) FROM requests') rows"
echo "PASS: reconnected after two IMAP restarts; 30 complaints, 30 replies"
