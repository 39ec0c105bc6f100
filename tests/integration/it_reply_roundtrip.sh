#!/usr/bin/env bash
# it_reply_roundtrip: a composed reply survives a real MTA.  ittool_compose
# writes a "found" reply whose transcripts hold "\r\n.\r\n", "From " lines,
# bare CR/LF and 8-bit bytes; curl submits it (STARTTLS + AUTH, dot-stuffing
# done by the SMTP layer) to a throwaway Postfix on loopback, which delivers
# it into the Dovecot Maildir; the delivered file is parsed back with
# libetpan and each transcript attachment must still match byte for byte.
# Its headers must have come through unchanged, and Dovecot must serve it
# over IMAP with the same size it stored.
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"

need_tool dovecot postfix smtp-sink openssl curl
need_root "the throwaway Postfix"
TOOL=$RESPONDER_TESTBIN/ittool_compose
[ -x "$TOOL" ] || { echo "ittool_compose not built" >&2; exit 1; }

ms_init
trap ms_stop EXIT
ms_start || { echo "mail stack did not start" >&2; exit 1; }
ms_start_postfix || { echo "postfix did not start" >&2; exit 1; }

W=$MS_DIR/compose
mkdir -p "$W"
"$TOOL" write "$W"

# The reply as written: CRLF only, no line over 78.
if LC_ALL=C grep -qv $'\r$' "$W/reply.eml"; then
	echo "FAIL: a line of the reply does not end in CRLF" >&2; exit 1
fi
if LC_ALL=C awk '{ if (length($0) > 79) bad = 1 } END { exit !bad }' "$W/reply.eml"; then
	echo "FAIL: a line of the reply is longer than 78" >&2; exit 1
fi

curl -sS --url "smtp://localhost:$MS_PF_PORT" --resolve "localhost:$MS_PF_PORT:127.0.0.1" \
	--ssl-reqd --cacert "$MS_CERT" --user "$MS_USER:$MS_PASS" \
	--mail-from '' --mail-rcpt outbox@mailstack.test --upload-file "$W/reply.eml" \
	> "$MS_DIR/log/curl.out" 2>&1 || { cat "$MS_DIR/log/curl.out" >&2; echo "FAIL: submission" >&2; exit 1; }

box=$MS_DIR/mail/outbox/Maildir
got=""
for _ in $(seq 200); do
	got=$(find "$box/new" "$box/cur" -type f 2>/dev/null | head -1)
	[ -n "$got" ] && break
	sleep 0.1
done
if [ -z "$got" ]; then
	tail -20 "$MS_DIR/log/postfix.log" >&2 || true
	echo "FAIL: Postfix did not deliver the reply" >&2; exit 1
fi

"$TOOL" check "$got" "$W"

# The headers we wrote arrived as written (Postfix only prepends its own).
for h in "Auto-Submitted: auto-replied" "X-Auto-Response-Suppress: All" \
	"In-Reply-To: <complaint-rt@acme.example>" "MIME-Version: 1.0"; do
	grep -q "^$h"$'\r'"\?$" "$got" || { echo "FAIL: header lost: $h" >&2; exit 1; }
done
subj_sent=$(grep -m1 '^Subject:' "$W/reply.eml" | tr -d '\r')
subj_got=$(grep -m1 '^Subject:' "$got" | tr -d '\r')
[ "$subj_sent" = "$subj_got" ] || { echo "FAIL: Subject changed: $subj_got" >&2; exit 1; }

# Dovecot serves the same message over IMAP.
size=$(ms_doveadm fetch -u outbox 'size.physical' mailbox INBOX all 2>/dev/null | awk '/size.physical/ {print $2; exit}')
[ -n "$size" ] && [ "$size" -gt 0 ] || { echo "FAIL: Dovecot does not see the delivered reply" >&2; exit 1; }
echo "ok: reply delivered through Postfix, $size bytes in Dovecot, transcripts intact"
