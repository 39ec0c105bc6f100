#!/usr/bin/env bash
# it_daemon_tls_modes: with the right certificate (CN=localhost, trusted
# through ca_file) complaints are fetched over IMAPS, over imap:// with
# STARTTLS, and over plain IMAP with tls = none; imap:// with tls = required
# against a server that offers no STARTTLS is refused (no fallback).
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
log=$MS_DIR/log/responder.log
n=0
for mode in imaps starttls imap; do
	n=$((n + 1))
	ms_responder_conf "$CONF" $mode
	ms_deliver "$MS_USER" "$(ms_complaint $n)"
	"${R[@]}" once 2>> "$log" || ms_fail "$mode: once exited $?"
	[ "$(ms_sink_count)" = $n ] || ms_fail "$mode: expected $n replies, have $(ms_sink_count)"
done
[ "$(ms_sql "SELECT count(DISTINCT source) FROM requests WHERE source LIKE 'imap:INBOX:%'")" = 3 ] ||
	ms_fail "requests do not record their IMAP source"

# Dovecot without STARTTLS: ssl = no on the plain port is not configurable
# per listener, so point imap:// at the implicit-TLS port instead: the
# greeting never comes in plain text, so the session must fail, not degrade.
ms_responder_conf "$CONF" starttls
sed -i "/^\[imap\]/,/^\[smtp\]/ s|^url = .*|url = imap://localhost:$MS_IMAPS_PORT|; s/^timeout = 20/timeout = 3/" "$CONF"
ms_deliver "$MS_USER" "$(ms_complaint 9)"
rc=0; "${R[@]}" once 2>> "$log" || rc=$?
[ $rc = 69 ] || ms_fail "imap:// against a TLS port: once exited $rc, want 69"
[ "$(ms_sink_count)" = 3 ] || ms_fail "answered over a broken session"
echo "PASS: IMAPS, STARTTLS and plain (tls = none) work; no silent downgrade"
