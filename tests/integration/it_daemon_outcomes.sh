#!/usr/bin/env bash
# it_daemon_outcomes: `responder once` end to end against a throwaway
# Dovecot (IMAPS, certificate trusted through ca_file) and smtp-sink: the six
# sample complaints get their outcomes, the four answerable ones exactly one
# reply each (null envelope sender, In-Reply-To of the complaint), all six are
# moved to Processed; a second pass sends nothing; an oversized complaint is
# not fetched, recorded as error "too large" and quarantined; with an empty
# processed_folder handled messages stay, marked $Responded, and are not
# answered again.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps

ms_deliver "$MS_USER" "$RESPONDER_SRC"/store/samples/complaints/*.eml
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once exited $?"

[ "$(ms_sink_count)" = 4 ] || ms_fail "expected 4 replies, sink has $(ms_sink_count)"
got=$(ms_sql "SELECT complaint_message_id || ' ' || outcome FROM requests ORDER BY complaint_message_id")
want="<c1-spam@acme.example> found
<c2-bounce@acme.example> found
<c3-defer@acme.example> found
<c4-ambig@acme.example> ambiguous
<c5-stranger@evil.example> unauthorized
<c6-ooo@northwind.example> ignored"
[ "$got" = "$want" ] || ms_fail "outcomes differ:
$got"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND smtp_reply LIKE '250 %'")" = 4 ] ||
	ms_fail "outbox rows not all sent with the server's 250 reply"
[ "$(ms_sink_in_reply_to | sort | tr '\n' ' ')" = "<c1-spam@acme.example> <c2-bounce@acme.example> <c3-defer@acme.example> <c4-ambig@acme.example> " ] ||
	ms_fail "replies answer the wrong complaints: $(ms_sink_in_reply_to | tr '\n' ' ')"
grep -L '^X-Mail-Args: <>' "$MS_SINK_DIR"/msg.* | grep -q . && ms_fail "a reply without the null envelope sender"
grep -h '^X-Rcpt-Args:' "$MS_SINK_DIR"/msg.* | sort | uniq -c | grep -q 'evil\|northwind' && ms_fail "a reply went to a stranger or to an autoresponder"
ms_doveadm mailbox status -u "$MS_USER" messages INBOX | grep -q 'messages=0' || ms_fail "INBOX not emptied"
ms_doveadm mailbox status -u "$MS_USER" messages Processed | grep -q 'messages=6' || ms_fail "Processed does not hold the 6"

# A second pass: nothing new, nothing sent again.
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "second once exited $?"
[ "$(ms_sink_count)" = 4 ] || ms_fail "second pass sent again"
[ "$(ms_sql 'SELECT count(*) FROM requests')" = 6 ] || ms_fail "second pass recorded again"

# Oversized: never fetched whole; error "too large"; quarantined.
sed -i 's/^\[store\]/[limits]\nmax_message_size = 2048\n[store]/' "$CONF"
big=$(ms_complaint 900)
head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 70 | sed 's/$/\r/' >> "$big"
ms_deliver "$MS_USER" "$big"
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once (oversized) exited $?"
[ "$(ms_sql "SELECT count(*) FROM requests WHERE outcome = 'error' AND why LIKE 'too large%'")" = 1 ] ||
	ms_fail "oversized complaint not recorded as too large"
ms_doveadm mailbox status -u "$MS_USER" messages Quarantine | grep -q 'messages=1' || ms_fail "oversized not quarantined"
[ "$(ms_sink_count)" = 4 ] || ms_fail "oversized complaint answered"

# Poison: a boundary that crashes libetpan's MIME parser is refused before
# parsing (or the sandboxed child dies): outcome error, quarantined.
poison=$MS_DIR/poison.eml
printf 'From: billing@acme.example\r\nTo: support@relay.example\r\nSubject: x\r\nMessage-ID: <poison@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="\\""\r\n\r\n--\\"\r\nbody\r\n' > "$poison"
ms_deliver "$MS_USER" "$poison"
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once (poison) exited $?"
[ "$(ms_sql "SELECT outcome FROM requests WHERE complaint_message_id = '<poison@acme.example>'")" = error ] ||
	ms_fail "poison message not recorded as error"
ms_doveadm mailbox status -u "$MS_USER" messages Quarantine | grep -q 'messages=2' || ms_fail "poison message not quarantined"

# Crash loop: a complaint that was in hand at 4 earlier deaths; this start
# is the 5th, so it is quarantined instead of handed to the pipeline again.
loop=$(ms_complaint 902)
key="<c902@acme.example> $(sha256sum < "$loop" | cut -d' ' -f1)"
ms_sql "INSERT INTO in_progress(complaint_key, source, started_at, restarts) VALUES ('$key', 'test', 0, 4)"
ms_deliver "$MS_USER" "$loop"
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once (crash loop) exited $?"
[ "$(ms_sql "SELECT outcome || ' ' || substr(why, 1, 11) FROM requests WHERE complaint_key = '$key'")" = "error quarantined" ] ||
	ms_fail "crash-looping complaint not quarantined: $(ms_sql "SELECT outcome, why FROM requests WHERE complaint_key = '$key'")"
ms_doveadm mailbox status -u "$MS_USER" messages Quarantine | grep -q 'messages=3' || ms_fail "crash-looping complaint not moved to Quarantine"
[ "$(ms_sql 'SELECT count(*) FROM in_progress')" = 0 ] || ms_fail "in_progress not cleared"
[ "$(ms_sink_count)" = 4 ] || ms_fail "poison or crash-looping complaint answered"

# Keyword mode: processed_folder empty -> stays in INBOX with $Responded.
sed -i 's/^processed_folder = .*/processed_folder =/; s/^max_message_size = .*/max_message_size = 1000000/' "$CONF"
ms_deliver "$MS_USER" "$(ms_complaint 901)"
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once (keyword) exited $?"
[ "$(ms_sink_count)" = 5 ] || ms_fail "keyword mode: expected 5 replies, have $(ms_sink_count)"
ms_doveadm search -u "$MS_USER" mailbox INBOX keyword '$Responded' | grep -q . || ms_fail "not marked \$Responded"
# Forget the UID position: the keyword alone must keep it from a second answer.
ms_sql "DELETE FROM imap_state"
"${R[@]}" once 2>> "$MS_DIR/log/responder.log" || ms_fail "once (keyword, rescan) exited $?"
[ "$(ms_sink_count)" = 5 ] || ms_fail "keyword mode answered twice"
echo "PASS: outcomes, one reply each, moves, too large, keyword mode"
