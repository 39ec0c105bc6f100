#!/usr/bin/env bash
# it_daemon_idle: `responder run` waits with IDLE: a complaint APPENDed while
# it idles is answered without any poll interval passing (poll_interval is
# set to an hour, so only IDLE can deliver it).  SIGHUP with a broken config
# keeps the old one and keeps answering; SIGHUP with a good one reloads;
# SIGTERM ends the daemon with status 0.
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_it_setup imaps
log=$MS_DIR/log/responder.log
sed -i 's/^poll_interval = .*/poll_interval = 3600/' "$CONF"
ms_run_daemon
ms_wait_until 20 grep -q 'Login: user=<testuser>' "$MS_DIR/log/dovecot.log" || ms_fail "the daemon never logged in"
sleep 1	# let it reach IDLE (nothing to assert on: a missed IDLE fails below)

ms_append "$(ms_complaint 1)"
ms_wait_until 30 ms_sink_has 1 || ms_fail "no reply to an APPEND while idling"

# A config with an error: kept the old one, still answering.
cp "$CONF" "$CONF.good"
echo "bogus_key_here = 1" >> "$CONF"
kill -HUP "$RPID"
ms_wait_until 20 grep -q 'keeping the configuration in effect' "$log" || ms_fail "bad config not refused on SIGHUP"
kill -0 "$RPID" || ms_fail "daemon died on a bad config"
ms_append "$(ms_complaint 2)"
ms_wait_until 30 ms_sink_has 2 || ms_fail "no reply after a refused reload"

# A good config (envelope sender changed) is taken.
cp "$CONF.good" "$CONF"
sed -i 's/^envelope_from = .*/envelope_from = support@relay.example/' "$CONF"
kill -HUP "$RPID"
ms_wait_until 20 grep -q "reloaded $CONF" "$log" || ms_fail "good config not reloaded"
ms_append "$(ms_complaint 3)"
ms_wait_until 30 ms_sink_has 3 || ms_fail "no reply after a reload"
grep -l 'In-Reply-To: <c3@acme.example>' "$MS_SINK_DIR"/msg.* | xargs grep -q '^X-Mail-Args: <support@relay.example>' ||
	ms_fail "the reloaded envelope_from was not used"

kill -TERM "$RPID"
rc=0; wait "$RPID" || rc=$?
RPID=""
[ $rc = 0 ] || ms_fail "SIGTERM: exit status $rc, want 0"
[ "$(ms_sink_count)" = 3 ] || ms_fail "expected 3 replies"
echo "PASS: IDLE answers, SIGHUP keeps a bad config out and takes a good one, SIGTERM exits 0"
