#!/usr/bin/env bash
# it_xoauth2: the daemon logs in to a real Dovecot with AUTHENTICATE
# XOAUTH2, Dovecot's oauth2 passdb validating the JWT access tokens itself
# (introspection_mode = local, an HS256 signing key in the test's temp dir
# under local_validation_key_dict).  Issue 15, "XOAUTH2 against a real
# server":
#   1. token_file: a valid token; complaints are answered.
#   2. token_command: the command is run for each login; its first token
#      has expired, Dovecot refuses it, the command is run again at once and
#      its fresh token is taken.
#   3. a rejected token (signed with another key): reported clearly, and
#      retried with backoff (a handful of attempts, never a tight loop).
# libetpan 1.9.4 has no OAUTHBEARER, so XOAUTH2 is the one mechanism.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
need_tool dovecot doveadm smtp-sink openssl python3
[ -x "${RESPONDER_BIN:-}" ] || { echo "RESPONDER_BIN not set" >&2; exit 1; }
ms_init
RPID=""
trap 'ms_kill_daemon; ms_stop' EXIT

# The signing key, where the oauth2 passdb looks it up:
# shared/<azp: default>/<alg>/<kid: default> (the fs dict drops "shared/"),
# base64 of the HMAC key.
KEY=$(openssl rand -hex 32)
mkdir -p "$MS_DIR/dovecot/keys/default/HS256"
printf '%s' "$KEY" | python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.stdin.read())).decode(), end="")' \
	> "$MS_DIR/dovecot/keys/default/HS256/default"
cat > "$MS_DIR/dovecot/oauth2.conf.ext" <<EOF
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$MS_DIR/dovecot/keys/
username_attribute = sub
EOF
python3 - "$MS_DIR/dovecot/dovecot.conf" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("auth_mechanisms = plain login", "auth_mechanisms = plain login xoauth2 oauthbearer")
oauth = ("passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
         "  args = %s\n}\n" % p.replace("dovecot.conf", "oauth2.conf.ext"))
s = s.replace("passdb {", oauth + "passdb {", 1) + "auth_verbose = yes\n"
open(p, "w").write(s)
PY
[ "$(id -u)" = 0 ] && chown -R "$MS_RUNUID:$MS_RUNGID" "$MS_DIR/dovecot"
ms_start || { echo "mail stack did not start" >&2; exit 1; }

# mint KEYHEX SUB EXP_OFFSET: an HS256 JWT for SUB expiring EXP_OFFSET s from now
cat > "$MS_DIR/mint.py" <<'PY'
import base64, hashlib, hmac, json, sys, time
key, sub, off = bytes.fromhex(sys.argv[1]), sys.argv[2], int(sys.argv[3])
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"sub": sub, "iat": now - 60, "nbf": now - 60, "exp": now + off}).encode())
sig = b64(hmac.new(key, (head + "." + body).encode(), hashlib.sha256).digest())
print(head + "." + body + "." + sig)
PY
mint() { python3 "$MS_DIR/mint.py" "$@"; }

CONF=$MS_DIR/responder.conf
ms_responder_conf "$CONF" imaps
R=("$RESPONDER_BIN" -c "$CONF")
"${R[@]}" import "$RESPONDER_SRC/store/samples/records.jsonl" > /dev/null
set_auth() {  # [imap] auth = xoauth2 with $1 = $2 (token_file or token_command)
	python3 - "$CONF" "$1" "$2" <<'PY'
import re, sys
p, key, val = sys.argv[1:]
s = open(p).read()
# only [imap]'s keys: [store] may have a password_file too (on PostgreSQL)
head, imap = s.split("[imap]\n", 1)
imap, tail = (imap.split("\n[", 1) + [""])[:2]
imap = re.sub(r"^(auth|token_file|token_command|password_file) = .*\n", "", imap + "\n", flags=re.M)
imap = re.sub(r"^(username = .*)$", r"\1\nauth = xoauth2\n%s = %s" % (key, val), imap, count=1, flags=re.M)
open(p, "w").write(head + "[imap]\n" + imap.rstrip("\n") + ("\n[" + tail if tail else "\n"))
PY
}
log=$MS_DIR/log/responder.log

# ---- 1. token_file ----------------------------------------------------------
mint "$KEY" "$MS_USER" 3600 > "$MS_DIR/token"
chmod 600 "$MS_DIR/token"
set_auth token_file "$MS_DIR/token"
for i in 1 2; do ms_deliver "$MS_USER" "$(ms_complaint "$i")"; done
"${R[@]}" once >> "$log" 2>&1 || ms_fail "once with XOAUTH2 from token_file failed: $(tail -3 "$log")"
[ "$(ms_sink_count)" = 2 ] || ms_fail "token_file: $(ms_sink_count) replies, want 2"
echo "ok: XOAUTH2 with token_file: 2 complaints answered"

# ---- 2. token_command: an expired token, refreshed by running it again -------
cat > "$MS_DIR/token.sh" <<EOF
#!/bin/sh
# first call: an expired token; later calls: fresh ones
n=\$(cat "$MS_DIR/token.calls" 2>/dev/null || echo 0)
n=\$((n + 1)); echo \$n > "$MS_DIR/token.calls"
if [ \$n = 1 ]; then exec python3 "$MS_DIR/mint.py" $KEY $MS_USER -120; fi
exec python3 "$MS_DIR/mint.py" $KEY $MS_USER 3600
EOF
chmod 700 "$MS_DIR/token.sh"
set_auth token_command "$MS_DIR/token.sh"
for i in 3 4; do ms_deliver "$MS_USER" "$(ms_complaint "$i")"; done
"${R[@]}" once >> "$log" 2>&1 || ms_fail "once with an expired first token failed: $(tail -3 "$log")"
[ "$(ms_sink_count)" = 4 ] || ms_fail "token_command: $(ms_sink_count) replies, want 4"
[ "$(cat "$MS_DIR/token.calls")" = 2 ] ||
	ms_fail "token_command ran $(cat "$MS_DIR/token.calls") times, want 2 (expired, then fresh)"
grep -q "XOAUTH2 token refused; asking token_command again" "$log" ||
	ms_fail "the refresh of the expired token is not logged"
echo "ok: an expired token from token_command was refreshed by running it again"

# ---- 3. a rejected token: reported clearly, retried with backoff -------------
mint "$(openssl rand -hex 32)" "$MS_USER" 3600 > "$MS_DIR/token"
set_auth token_file "$MS_DIR/token"
ms_deliver "$MS_USER" "$(ms_complaint 5)"
"${R[@]}" once >> "$log" 2>&1 && ms_fail "once with a forged token succeeded"
"${R[@]}" run > "$MS_DIR/run.log" 2>&1 &
RPID=$!
sleep 8
kill -0 "$RPID" || ms_fail "the daemon stopped on a rejected token"
ms_kill_daemon
grep -q "refused the XOAUTH2 access token for $MS_USER" "$MS_DIR/run.log" ||
	ms_fail "the rejection is not reported clearly: $(head -3 "$MS_DIR/run.log")"
attempts=$(grep -c "reconnecting in" "$MS_DIR/run.log" || true)
[ "$attempts" -ge 2 ] && [ "$attempts" -le 5 ] ||
	ms_fail "$attempts login attempts in 8 s: want backoff (2 to 5)"
[ "$(ms_sink_count)" = 4 ] || ms_fail "a reply was sent with a rejected token"
echo "PASS: XOAUTH2 against Dovecot's oauth2 passdb (local JWT validation): token_file," \
	"token_command refreshed after expiry, rejected token reported and retried with backoff" \
	"($attempts attempts in 8 s)"
