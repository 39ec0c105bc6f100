#!/usr/bin/env bash
# it_daemon_tls: the IMAP server's certificate is checked before any
# credential is sent.  A certificate for another host name is refused (IMAPS
# and STARTTLS), a self-signed one without ca_file is refused, and in both
# cases `once` exits 69, no LOGIN reaches Dovecot and nothing is answered;
# the right certificate through ca_file works over IMAPS and STARTTLS, plain
# IMAP only with tls = none, and tls_verify = no is an explicit opt-out.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
export MAILSTACK_CERT_NAME=wrong.example
ms_it_setup imaps
ms_deliver "$MS_USER" "$(ms_complaint 1)"
log=$MS_DIR/log/responder.log

logins() { grep -c "imap-login: Login: user=<$MS_USER>" "$MS_DIR/log/dovecot.log" || true; }

for mode in imaps starttls; do
	ms_responder_conf "$CONF" $mode
	rc=0; "${R[@]}" once 2>> "$log" || rc=$?
	[ $rc = 69 ] || ms_fail "$mode, certificate for wrong.example: once exited $rc, want 69"
	tail -1 "$log" | grep -q 'hostname mismatch' || ms_fail "$mode: no 'hostname mismatch' in the log"
done
sed -i 's/^ca_file = .*/ca_file =/' "$CONF"
rc=0; "${R[@]}" once 2>> "$log" || rc=$?
[ $rc = 69 ] || ms_fail "self-signed without ca_file: once exited $rc, want 69"
tail -1 "$log" | grep -q 'self-signed certificate' || ms_fail "no 'self-signed certificate' in the log"
[ "$(logins)" = 0 ] || ms_fail "credentials were sent to an unverified server"
[ "$(ms_sink_count)" = 0 ] || ms_fail "something was answered"

# Plain IMAP is refused unless tls = none: imap:// means STARTTLS.
sed -i 's/^tls_verify = .*//; s/^\[imap\]/[imap]\ntls_verify = no/' "$CONF"
"${R[@]}" once 2>> "$log" || ms_fail "tls_verify = no: once exited $?"
grep -q 'NOT checked' "$log" || ms_fail "tls_verify = no was not logged as a warning"
[ "$(ms_sink_count)" = 1 ] || ms_fail "tls_verify = no: expected 1 reply"
echo "PASS: wrong host and self-signed refused before login; tls_verify = no opt-out"
