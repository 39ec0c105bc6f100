#!/usr/bin/env bash
# it_metrics: `responder run` with [metrics] listen and textfile against a
# throwaway Dovecot and smtp-sink.  The endpoint is scraped while the daemon
# works; when the six sample complaints and a poison one are handled, every
# responder_complaints_total{outcome} equals the request log's count of that
# outcome (`responder log --json`), replies sent and the latency histogram's
# count equal the outbox's sent rows, parse failures the quarantined poison,
# and the textfile (written atomically) says the same.  A malformed request
# gets 400, a client that sends half a request holds nothing up, other
# paths get 404, POST 405; the daemon stays up throughout.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
need_tool curl python3
ms_it_setup imaps

PORT=$(proc_free_port 127.0.0.1)
TEXTFILE=$MS_DIR/responder.prom
sed -i "s|^\[store\]|[metrics]\nlisten = 127.0.0.1:$PORT\ntextfile = $TEXTFILE\n[store]|" "$CONF"

scrape() { curl -fsS --max-time 10 "$URL"; }
metric() { # NAME{LABELS} from the last scrape in $MS_DIR/scrape
	awk -v k="$1" '$1 == k { print $2 }' "$MS_DIR/scrape"
}

poison=$MS_DIR/poison.eml
printf 'From: billing@acme.example\r\nTo: support@relay.example\r\nSubject: x\r\nMessage-ID: <poison@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="\\""\r\n\r\n--\\"\r\nbody\r\n' > "$poison"
# Delivered before the daemon starts: its first pass finds all seven
# (delivering while it waits in IDLE can leave messages unseen until the
# next IDLE re-issue; that is the daemon's business, not this test's).
ms_deliver "$MS_USER" "$RESPONDER_SRC"/store/samples/complaints/*.eml "$poison"
ms_run_daemon
proc_wait_port 127.0.0.1 "$PORT" up || ms_fail "metrics port never opened"
URL=http://127.0.0.1:$PORT/metrics

# A half-sent request stays open on its own connection while it works.
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&7
scrape > "$MS_DIR/scrape" || ms_fail "first scrape failed"
grep -q '^# TYPE responder_complaints_total counter$' "$MS_DIR/scrape" || ms_fail "no TYPE line"
grep -q '^responder_build_info{version="[0-9.]*"} 1$' "$MS_DIR/scrape" || ms_fail "no build info"

# Scrape while it works, until all seven are counted.
all_counted() {
	scrape > "$MS_DIR/scrape" || return 1
	[ "$(awk '$1 ~ /^responder_complaints_total\{/ { n += $2 } END { print n + 0 }' "$MS_DIR/scrape")" = 7 ] &&
		[ "$(metric 'responder_replies_total{state="sent"}')" = 4 ]
}
ms_wait_until 60 all_counted || ms_fail "counters never reached 7 complaints / 4 replies: $(grep -v '^#' "$MS_DIR/scrape")"

# The request log, as the admin sees it.
"${R[@]}" log --json --limit 1000 > "$MS_DIR/log.jsonl"
for o in found ambiguous not_found unauthorized ignored error; do
	want=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["outcome"] == sys.argv[2]))' "$MS_DIR/log.jsonl" "$o")
	got=$(metric "responder_complaints_total{outcome=\"$o\"}")
	[ "$got" = "$want" ] || ms_fail "outcome $o: metrics say $got, the request log $want"
done
sent=$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent'")
[ "$(metric 'responder_replies_total{state="sent"}')" = "$sent" ] || ms_fail "replies sent differ from the outbox ($sent)"
[ "$(metric responder_reply_latency_seconds_count)" = "$sent" ] || ms_fail "latency count differs from replies sent"
[ "$(metric 'responder_reply_latency_seconds_bucket{le="+Inf"}')" = "$sent" ] || ms_fail "+Inf bucket differs"
[ "$(metric responder_parse_failures_total)" = 1 ] || ms_fail "parse failures: $(metric responder_parse_failures_total), want 1 (the poison)"
[ "$(metric 'responder_complaints_total{outcome="error"}')" = 1 ] || ms_fail "the poison is not the one error"
[ "$(metric responder_outbox_queued)" = 0 ] || ms_fail "outbox_queued not 0"
[ "$(metric responder_last_pass_timestamp_seconds)" -gt 0 ] || ms_fail "no last pass time"
grep -q '@' "$MS_DIR/scrape" && ms_fail "an address in the metrics"

# Malformed request: 400, and the server goes on.
exec 8<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GARBAGE \x01\x02 nonsense\r\n\r\n' >&8
head -c 12 <&8 | grep -q '^HTTP/1.[01] 400' || ms_fail "malformed request not answered 400"
exec 8<&-
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other")" = 404 ] || ms_fail "other path not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")" = 405 ] || ms_fail "POST not 405"
scrape > /dev/null || ms_fail "scrape failed while a client holds half a request"
exec 7<&-
proc_alive "$RPID" || ms_fail "daemon died"

# The textfile: atomically replaced after each pass, same counters.
ms_wait_until 20 grep -q '^responder_complaints_total{outcome="found"} 3$' "$TEXTFILE" || ms_fail "textfile not written: $(cat "$TEXTFILE" 2>&1 | head)"
grep -q "^responder_replies_total{state=\"sent\"} $sent\$" "$TEXTFILE" || ms_fail "textfile replies differ"
ls "$MS_DIR"/responder.prom.* 2>/dev/null && ms_fail "temporary textfile left behind"

ms_kill_daemon
proc_wait_port 127.0.0.1 "$PORT" down || ms_fail "metrics port still open after stop"
echo "PASS: metrics match the request log; textfile; malformed and half requests"
