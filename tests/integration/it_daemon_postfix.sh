#!/usr/bin/env bash
# it_daemon_postfix: the real submission path.  Replies go to a throwaway
# Postfix over STARTTLS (certificate checked against ca_file) with SASL
# AUTH; Postfix delivers them into a Dovecot Maildir; the outbox records
# Postfix's "queued as" reply.  Without credentials Postfix refuses to
# relay (5xx: the reply is failed, not retried forever); with the TLS
# certificate not trusted the send fails before AUTH and the reply stays
# queued.  Needs root (Postfix).
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
need_root "a throwaway Postfix"
need_tool postfix
ms_it_setup imaps
ms_start_postfix || ms_fail "postfix did not start"
log=$MS_DIR/log/responder.log
printf '%s\n' "$MS_PASS" > "$MS_DIR/smtp.secret"; chmod 600 "$MS_DIR/smtp.secret"
smtp_conf() {  # smtp_conf WITH_AUTH CA_FILE
	sed -i '/^\[smtp\]/,$d' "$CONF"
	cat >> "$CONF" <<EOC
[smtp]
url = smtp://localhost:$MS_PF_PORT
tls = required
ca_file = $2
username = $([ "$1" = yes ] && echo "$MS_USER")
password_file = $([ "$1" = yes ] && echo "$MS_DIR/smtp.secret")
envelope_from = support@relay.example
timeout = 20
[policy]
max_replies_per_requester_per_hour = 100000
max_replies_per_account_per_hour = 0
max_replies_total_per_hour = 0
match_window_days = 3650
EOC
}
delivered() { find "$MS_DIR/mail/outbox/Maildir/new" -type f | wc -l; }
# delivered_within SECONDS N: N replies in the Maildir.  Once, half-way,
# the queue is flushed: a bare-machine run saw Postfix accept three
# replies and not deliver them in 30 s (its log was not kept then; the
# flush rules out a lost queue-manager wakeup, a deferral still fails).
delivered_within() {
	ms_wait_until $(($1 / 2)) test "$(delivered)" -ge "$2" && return 0
	echo "note: $(delivered) of $2 delivered after $(($1 / 2)) s: flushing the queue" >&2
	postqueue -c "$MS_DIR/postfix/etc" -f > /dev/null 2>&1 || true
	ms_wait_until $(($1 / 2)) test "$(delivered)" -ge "$2"
}

smtp_conf yes "$MS_CERT"
for i in 1 2 3; do ms_deliver "$MS_USER" "$(ms_complaint $i)"; done
"${R[@]}" once 2>> "$log" || ms_fail "once via Postfix exited $?"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND smtp_reply LIKE '250 %queued as %'")" = 3 ] ||
	ms_fail "replies not accepted by Postfix with a queue id: $(ms_sql 'SELECT state, smtp_reply, last_error FROM outbox')"
delivered_within 40 3 || ms_fail "Postfix did not deliver the replies"
f=$(grep -l 'In-Reply-To: <c2@acme.example>' "$MS_DIR"/mail/outbox/Maildir/new/*) || ms_fail "reply to c2 not delivered"
grep -q '^Return-Path: <support@relay.example>' "$f" || ms_fail "envelope sender not the support address"
grep -q '^Auto-Submitted: auto-replied' "$f" || ms_fail "reply lacks Auto-Submitted"
grep -q 'using TLS' "$f" || ms_fail "the reply did not travel over TLS"

# Certificate not trusted (no ca_file: system store): nothing sent, kept queued.
smtp_conf yes ""
ms_deliver "$MS_USER" "$(ms_complaint 4)"
rc=0; "${R[@]}" once 2>> "$log" || rc=$?
[ $rc = 69 ] || ms_fail "untrusted SMTP certificate: once exited $rc, want 69"
[ "$(ms_sql "SELECT state FROM outbox ORDER BY id DESC LIMIT 1")" = queued ] || ms_fail "reply not kept queued"
smtp_conf yes "$MS_CERT"
"${R[@]}" once 2>> "$log" || ms_fail "once after fixing ca_file exited $?"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" = 4 ] || ms_fail "queued reply not sent later"

# No AUTH: Postfix refuses to relay with 554 -> failed, not retried.
smtp_conf no "$MS_CERT"
ms_deliver "$MS_USER" "$(ms_complaint 5)"
"${R[@]}" once 2>> "$log" || ms_fail "once without AUTH exited $?"
[ "$(ms_sql "SELECT state FROM outbox ORDER BY id DESC LIMIT 1")" = failed ] ||
	ms_fail "relay refusal did not fail the reply: $(ms_sql 'SELECT state, last_error FROM outbox ORDER BY id DESC LIMIT 1')"
delivered_within 40 4 || ms_fail "expected 4 delivered"
sleep 1
[ "$(delivered)" = 4 ] || ms_fail "$(delivered) delivered, want 4"
echo "PASS: STARTTLS + AUTH submission to Postfix, queue ids recorded, untrusted cert and relay refusal handled"
