#!/usr/bin/env bash
# check-config --connect against a real Dovecot (IMAPS, self-signed CA via
# ca_file) and smtp-sink on loopback: success is reported for both; a wrong
# IMAP password, an SMTP server that is down, and a secret file readable by
# others each give the exact failure and the documented exit status; the
# password never appears in the output.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
out=$MS_DIR/cc.out; err=$MS_DIR/cc.err

rc=0; "${R[@]}" check-config --connect > "$out" 2> "$err" || rc=$?
[ $rc = 0 ] || { cat "$err" >&2; ms_fail "check-config --connect: exit $rc, want 0"; }
grep -q "^# ok: IMAP imaps://localhost:$MS_IMAPS_PORT: logged in as $MS_USER" "$out" ||
	ms_fail "no IMAP success line"
grep -q "^# ok: SMTP smtp://127.0.0.1:$MS_SINK_PORT: connected" "$out" || ms_fail "no SMTP success line"
grep -q "^# config OK, servers reachable" "$out" || ms_fail "no final OK"
store=$MS_DIR/store.db
store_is_pg && store='postgresql://.*'
grep -q "^# ok: store $store opens, schema version" "$out" || ms_fail "no store line"
grep -q "^# ok: templates in .* load" "$out" || ms_fail "no templates line"
! grep -qF "$MS_PASS" "$out" "$err" || ms_fail "the IMAP password was printed"

# A wrong password: IMAP refuses; exit 69 and one line naming IMAP.
printf 'wrong-password\n' > "$CONF.imap.secret"
rc=0; "${R[@]}" check-config --connect > "$out" 2> "$err" || rc=$?
[ $rc = 69 ] || ms_fail "wrong IMAP password: exit $rc, want 69"
grep -q "^responder: IMAP imaps://localhost:$MS_IMAPS_PORT: " "$err" || { cat "$err" >&2; ms_fail "no IMAP failure line"; }
! grep -q "wrong-password" "$out" "$err" || ms_fail "the wrong password was printed"
printf '%s\n' "$MS_PASS" > "$CONF.imap.secret"

# Without --connect nothing is contacted: the SMTP server being down does
# not matter; with --connect it is reported.
ms_stop_sink
rc=0; "${R[@]}" check-config > "$out" 2> "$err" || rc=$?
[ $rc = 0 ] || ms_fail "check-config without --connect: exit $rc, want 0"
rc=0; "${R[@]}" check-config --connect > "$out" 2> "$err" || rc=$?
[ $rc = 69 ] || ms_fail "SMTP down: exit $rc, want 69"
grep -q "^responder: SMTP smtp://127.0.0.1:$MS_SINK_PORT: " "$err" || { cat "$err" >&2; ms_fail "no SMTP failure line"; }
grep -q "^# ok: IMAP" "$out" || ms_fail "IMAP success not reported next to the SMTP failure"

# A secret file readable by others: a config error (78), nothing contacted.
chmod 644 "$CONF.imap.secret"
rc=0; "${R[@]}" check-config --connect > "$out" 2> "$err" || rc=$?
[ $rc = 78 ] || ms_fail "secret readable by others: exit $rc, want 78"
grep -q "password_file" "$err" || ms_fail "the secret's key is not named"
! grep -q "IMAP imaps" "$err" || ms_fail "contacted the server despite a bad config"
echo "PASS: check-config --connect reports IMAP and SMTP success and exact failures"
