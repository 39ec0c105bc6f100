#!/usr/bin/env bash
# it_daemon_smtp_parallel: [smtp] connections = 3 (replies in flight over
# three connections at once, libcurl multi): with the SMTP server down the
# replies stay queued (`once` exits 69); when it is back each is sent
# exactly once; a server answering 4xx defers every reply of the batch, one
# answering 5xx fails them, with the server's answer kept on each row.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imap
log=$MS_DIR/log/responder.log
sed -i 's/^\[smtp\]$/[smtp]\nconnections = 3/' "$CONF"
grep -q '^connections = 3' "$CONF" || ms_fail "could not set [smtp] connections"

ms_stop_sink
for i in $(seq 1 12); do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
rc=0; "${R[@]}" once 2>> "$log" || rc=$?
[ $rc = 69 ] || ms_fail "once with SMTP down exited $rc, want 69"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" = 12 ] ||
	ms_fail "replies not kept queued: $(ms_sql "SELECT state, count(*) FROM outbox GROUP BY state")"
ms_start_sink
"${R[@]}" once 2>> "$log" || ms_fail "once with SMTP back exited $?"
[ "$(ms_sink_count)" = 12 ] || ms_fail "expected 12 replies once SMTP is back, have $(ms_sink_count)"
[ "$(ms_sink_in_reply_to | sort -u | wc -l)" = 12 ] || ms_fail "a reply missing or sent twice"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND smtp_reply LIKE '250%'")" = 12 ] ||
	ms_fail "not every reply marked sent with the server's 250: $(ms_sql "SELECT state, smtp_reply FROM outbox")"
# a second pass sends nothing
"${R[@]}" once 2>> "$log" || ms_fail "second once exited $?"
[ "$(ms_sink_count)" = 12 ] || ms_fail "a second pass sent again: $(ms_sink_count) replies"

# 4xx at RCPT: each deferred (retry later); 5xx: each failed.
ms_stop_sink; ms_start_sink -r RCPT
for i in $(seq 13 17); do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
"${R[@]}" once 2>> "$log" || ms_fail "once (4xx) exited $?"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'queued' AND tries = 1 AND next_try_at > unixepoch()")" = 5 ] ||
	ms_fail "a 4xx did not schedule a retry: $(ms_sql 'SELECT state, tries, last_error FROM outbox WHERE id > 12')"
ms_stop_sink; ms_start_sink -f RCPT -B '550 5.1.1 no such user'
for i in $(seq 18 22); do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
"${R[@]}" once 2>> "$log" || ms_fail "once (5xx) exited $?"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'failed' AND last_error LIKE '%550%'")" = 5 ] ||
	ms_fail "a 5xx did not fail each reply: $(ms_sql 'SELECT state, last_error FROM outbox WHERE id > 17')"
echo "PASS: three connections: replies kept while SMTP is down, each sent once when back; 4xx retry, 5xx failed"
