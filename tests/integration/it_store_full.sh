#!/usr/bin/env bash
# it_store_full: the store's file system fills up under a running daemon (a
# small tmpfs, filled by the test).  The daemon stops taking complaints
# (they stay in the mailbox: nothing moved unanswered), keeps running, logs
# the condition a bounded number of times (not one line per complaint and
# second), and resumes by itself when space returns: each complaint is then
# answered exactly once.  Needs root (mount).  Issue 15, "Faults".
# SQLite only (no "# backends: sqlite pg" line): the store is a file there.
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/need.sh"
need_tool python3 sqlite3 smtp-sink mount umount
[ "$(id -u)" = 0 ] || need_root "mounts a small tmpfs under the store"
[ -x "${RESPONDER_BIN:-}" ] || { echo "RESPONDER_BIN not set" >&2; exit 1; }
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
ms_init
T=$MS_DIR/full
mkdir -p "$T/state" "$T/mnt"
RPID="" IPID=""
cleanup() {
	for p in $RPID $IPID; do kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
	umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt" 2>/dev/null || true
	ms_stop
}
trap cleanup EXIT
ms_start_sink
mount -t tmpfs -o size=3m tmpfs "$T/mnt" || skip_or_fail "cannot mount a tmpfs"

N=6
files=()
for i in $(seq $N); do files+=("$(ms_complaint "$i")"); done
python3 "$RESPONDER_SRC/tests/tools/fake_imap.py" --port-file "$T/port" --state-dir "$T/state" \
	--scenario normal --wait-file "$T/deliver" "${files[@]}" > "$T/imap.log" 2>&1 &
IPID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
printf 'pw\n' > "$T/secret"; chmod 600 "$T/secret"
cat > "$T/r.conf" <<EOF
[responder]
address = support@relay.example
[store]
path = $T/mnt/store.db
[imap]
url = imap://127.0.0.1:$(cat "$T/port")
tls = none
username = u
password_file = $T/secret
poll_interval = 1
timeout = 5
[smtp]
url = smtp://127.0.0.1:$MS_SINK_PORT
tls = none
[policy]
max_replies_per_requester_per_hour = 0
max_replies_per_account_per_hour = 0
max_replies_total_per_hour = 0
match_window_days = 3650
EOF
R=("$RESPONDER_BIN" -c "$T/r.conf")
"${R[@]}" import "$RESPONDER_SRC/store/samples/records.jsonl" > /dev/null
"${R[@]}" run > "$T/responder.log" 2>&1 &
RPID=$!
sleep 2
# the daemon has the store open; fill its file system, then the complaints come
dd if=/dev/zero of="$T/mnt/fill" bs=4k 2> /dev/null || true
: > "$T/deliver"
sleep 10
kill -0 "$RPID" || ms_fail "the daemon died on a full disk: $(tail -3 "$T/responder.log")"
touch "$T/state/moved"
[ "$(ms_sink_count)" = 0 ] || ms_fail "replies sent while the store could not record them"
[ "$(sort -u "$T/state/moved" | wc -l)" = 0 ] || ms_fail "complaints moved while the store was full"
lines=$(grep -c . "$T/responder.log" || true)
echo "full disk: $lines log lines in 10 s"
[ "$lines" -le 4 ] || ms_fail "$lines log lines in 10 s of a full disk: $(sort "$T/responder.log" | uniq -c | sort -rn | head -3)"
# space returns: the daemon resumes by itself
rm -f "$T/mnt/fill"
ms_wait_until 60 ms_sink_has $N || ms_fail "not all answered after space returned: $(tail -5 "$T/responder.log")"
sleep 2
[ "$(ms_sink_count)" = $N ] || ms_fail "$(ms_sink_count) replies for $N complaints"
[ "$(ms_sink_in_reply_to | sort -u | wc -l)" = $N ] || ms_fail "a complaint answered twice or not at all"
[ "$(sort -u "$T/state/moved" | wc -l)" = $N ] || ms_fail "not every complaint moved"
kill "$RPID"; wait "$RPID" || true; RPID=""
[ "$(sqlite3 "$T/mnt/store.db" 'PRAGMA integrity_check')" = ok ] || ms_fail "integrity_check"
echo "PASS: full store file system: nothing answered or moved, $lines log lines in 10 s, resumed by itself, $N answered once"
