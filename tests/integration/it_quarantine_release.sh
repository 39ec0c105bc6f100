#!/usr/bin/env bash
# it_quarantine_release: a quarantined complaint released by an admin goes
# back to the watched folder and is handled once more, against a throwaway
# Dovecot and smtp-sink.  Two complaints are quarantined by `responder
# once`: one the pre-scan refuses (a boundary that crashes libetpan's MIME
# parser) and one the daemon "died on" four times before (in_progress
# restarts).  The first is released through `responder web` (a separate
# process on the same store: POST with the bearer token and the form's
# CSRF token), the second with `responder release`.  The next `once` moves
# both back to INBOX (without $Responded) and handles them: the crash-loop
# complaint is answered and moved to Processed; the poison one is refused
# again, recorded as a new request and quarantined again.  Another `once`
# does not touch it (never a loop), and the old row cannot be released
# again.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
need_tool curl
ms_it_setup imaps
WPID=""
trap '[ -n "$WPID" ] && kill "$WPID" 2>/dev/null; ms_kill_daemon; ms_stop' EXIT
LOG=$MS_DIR/log/responder.log
qcount() { ms_doveadm mailbox status -u "$MS_USER" messages "$1" | sed 's/.*messages=//'; }

poison=$MS_DIR/poison.eml
printf 'From: billing@acme.example\r\nTo: support@relay.example\r\nSubject: x\r\nMessage-ID: <poison@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="\\""\r\n\r\n--\\"\r\nbody\r\n' > "$poison"
loop=$(ms_complaint 903)
key="<c903@acme.example> $(sha256sum < "$loop" | cut -d' ' -f1)"
ms_sql "INSERT INTO in_progress(complaint_key, source, started_at, restarts) VALUES ('$key', 'test', 0, 4)"
ms_deliver "$MS_USER" "$poison" "$loop"
"${R[@]}" once 2>> "$LOG" || ms_fail "once exited $?"
P1=$(ms_sql "SELECT id FROM requests WHERE complaint_message_id = '<poison@acme.example>'")
L1=$(ms_sql "SELECT id FROM requests WHERE complaint_key = '$key'")
[ "$(ms_sql "SELECT outcome || ' ' || substr(why, 1, 22) FROM requests WHERE id = $P1")" = "error refused before parsing" ] ||
	ms_fail "poison: $(ms_sql "SELECT outcome, why FROM requests WHERE id = $P1")"
[ "$(ms_sql "SELECT outcome || ' ' || substr(why, 1, 11) FROM requests WHERE id = $L1")" = "error quarantined" ] ||
	ms_fail "crash loop: $(ms_sql "SELECT outcome, why FROM requests WHERE id = $L1")"
[ "$(qcount Quarantine)" = 2 ] || ms_fail "Quarantine holds $(qcount Quarantine), not 2"
[ "$(ms_sink_count)" = 0 ] || ms_fail "a quarantined complaint was answered"

# Release the poison one through the console, run as its own process.
TOKEN=tok-release-0123456789abcdef
printf '%s\n' "$TOKEN" > "$MS_DIR/web_token"
chmod 600 "$MS_DIR/web_token"
sed -i "s|^\[store\]|[web]\ntoken_file = $MS_DIR/web_token\n[store]|" "$CONF"
WPORT=$(proc_free_port 127.0.0.1)
"${R[@]}" web --listen "127.0.0.1:$WPORT" 2>> "$MS_DIR/log/web.log" &
WPID=$!
proc_wait_port 127.0.0.1 "$WPORT" up || ms_fail "the console never listened"
U=http://127.0.0.1:$WPORT
BEARER=(-H "Authorization: Bearer $TOKEN")
curl -s "${BEARER[@]}" "$U/request/$P1" | grep 'id="release"' >/dev/null || ms_fail "no release button on request $P1"
CSRF=$(curl -s "${BEARER[@]}" "$U/request/$P1/release" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//; s/"$//')
[ -n "$CSRF" ] || ms_fail "no CSRF token in the release confirmation"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${BEARER[@]}" -X POST "$U/request/$P1/release")" = 403 ] ||
	ms_fail "release without CSRF not refused"
[ "$(curl -s -o "$MS_DIR/done.html" -w '%{http_code}' "${BEARER[@]}" -d "csrf=$CSRF" "$U/request/$P1/release")" = 200 ] ||
	ms_fail "release POST: $(cat "$MS_DIR/done.html")"
grep -q 'id="done"' "$MS_DIR/done.html" || ms_fail "release not confirmed"
kill "$WPID"
wait "$WPID" || ms_fail "web exited $?"
WPID=""
# And the crash-loop one with the CLI.
"${R[@]}" release "$L1" 2>> "$LOG" | grep "request $L1 released" >/dev/null || ms_fail "cli release"
[ "$(ms_sql "SELECT value FROM kv WHERE key IN ('release:$P1', 'release:$L1')" | tr '\n' ,)" = "pending,pending," ] ||
	ms_fail "releases not pending"
[ "$(ms_sql "SELECT $(store_json detail admin,0,action) || ' ' || $(store_json detail admin,0,by) FROM requests WHERE id = $P1")" = "release token" ] ||
	ms_fail "web release not noted with who"

# The daemon's next pass: both back to INBOX, handled once more.
"${R[@]}" once 2>> "$LOG" || ms_fail "once (after release) exited $?"
grep -q "release: request $P1: complaint moved from Quarantine back to INBOX" "$LOG" || ms_fail "poison not moved back"
grep -q "release: request $L1: complaint moved from Quarantine back to INBOX" "$LOG" || ms_fail "crash-loop complaint not moved back"
[ "$(ms_sql "SELECT value FROM kv WHERE key IN ('release:$P1', 'release:$L1')" | tr '\n' ,)" = "moved,moved," ] ||
	ms_fail "releases not marked moved"
L2=$(ms_sql "SELECT max(id) FROM requests WHERE complaint_key = '$key'")
[ "$L2" != "$L1" ] && [ "$(ms_sql "SELECT outcome FROM requests WHERE id = $L2")" = found ] ||
	ms_fail "released complaint not handled again: $(ms_sql "SELECT id, outcome, why FROM requests WHERE complaint_key = '$key'")"
ms_wait_until 30 ms_sink_has 1 || ms_fail "released complaint not answered"
[ "$(ms_sink_in_reply_to)" = "<c903@acme.example>" ] || ms_fail "reply answers $(ms_sink_in_reply_to)"
P2=$(ms_sql "SELECT max(id) FROM requests WHERE complaint_message_id = '<poison@acme.example>'")
[ "$P2" != "$P1" ] && [ "$(ms_sql "SELECT outcome || ' ' || substr(why, 1, 22) FROM requests WHERE id = $P2")" = "error refused before parsing" ] ||
	ms_fail "released poison not recorded again: $(ms_sql "SELECT id, outcome, why FROM requests WHERE complaint_message_id = '<poison@acme.example>'")"
[ "$(qcount Quarantine)" = 1 ] || ms_fail "Quarantine holds $(qcount Quarantine), not the poison alone"
[ "$(qcount INBOX)" = 0 ] || ms_fail "INBOX holds $(qcount INBOX)"
[ "$(qcount Processed)" = 1 ] || ms_fail "Processed holds $(qcount Processed)"

# Never a loop: the next pass leaves the re-quarantined poison alone.
"${R[@]}" once 2>> "$LOG" || ms_fail "once (again) exited $?"
[ "$(ms_sql "SELECT count(*) FROM requests WHERE complaint_message_id = '<poison@acme.example>'")" = 2 ] ||
	ms_fail "poison handled a third time"
[ "$(qcount Quarantine)" = 1 ] || ms_fail "poison left Quarantine again"
[ "$(ms_sink_count)" = 1 ] || ms_fail "sent again"
if "${R[@]}" release "$P1" 2> "$MS_DIR/rel.err"; then ms_fail "the old row released again"; fi
grep -q "handled again since" "$MS_DIR/rel.err" || ms_fail "release of the old row: $(cat "$MS_DIR/rel.err")"
echo "PASS: quarantined complaints released (web and CLI), moved back, handled once more"
