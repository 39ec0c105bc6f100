#!/usr/bin/env bash
# it_pg_daemons.sh - three responders on one mailbox and one PostgreSQL
# store (tests/lib/pg.sh), with Dovecot and smtp-sink (mailstack.sh):
# IT_PG_N complaints (default 300) are delivered at once; while the three
# daemons (node_name n1, n2, n3, lease_seconds 5) work, one of them is
# killed with SIGKILL and started again IT_PG_KILLS times (default 6), at
# random moments, and PostgreSQL itself is restarted once in the middle.
# A daemon that exits (its store went away) is started again too.  In the
# end every complaint is answered by exactly one reply (the checker below
# names any complaint not answered or answered by two replies), the
# request log has one row for each, "found", nothing is left queued, and
# log --json names the node of every row.  IT_PG_SECONDS (default 300)
# bounds the wait, well inside ctest's timeout, so a failure says why.
#
# Exactly-once rests on the store's claims (store_claim_complaint, outbox
# rows FOR UPDATE SKIP LOCKED), never on the IMAP server; the window it
# cannot close (killed after the SMTP server accepted a reply, before the
# row is marked sent) is the one docs/daemon.md describes.
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
. "$RESPONDER_SRC/tests/lib/pg.sh"
ms_it_setup imaps
N=${IT_PG_N:-300}
KILLS=${IT_PG_KILLS:-6}
PIDS=(0 0 0)
stop_all() {
	local i
	for i in 0 1 2; do
		[ "${PIDS[$i]}" != 0 ] && kill -TERM "${PIDS[$i]}" 2>/dev/null || true
	done
	for i in 0 1 2; do
		[ "${PIDS[$i]}" != 0 ] && wait "${PIDS[$i]}" 2>/dev/null || true
		PIDS[$i]=0
	done
}
trap 'stop_all; ms_stop; pg_cleanup' EXIT
pg_init || ms_fail "initdb"
pg_start || ms_fail "pg_start"
pg_createdb responder
URL=$(pg_url responder)
PGPASSWORD=$(cat "$PG_PASSFILE") "${R[@]}" migrate-store --from "sqlite:$MS_DIR/store.db" --to "$URL" --quiet > /dev/null ||
	ms_fail "migrate-store"
pg_node_confs "$CONF" "$MS_DIR" "$URL" 3 5
start() {  # I (0..2)
	"$RESPONDER_BIN" -c "$MS_DIR/n$(($1 + 1)).conf" run >> "$MS_DIR/log/n$(($1 + 1)).log" 2>&1 &
	PIDS[$1]=$!
}
files=()
for i in $(seq 1 "$N"); do files+=("$(ms_complaint "$i")"); done
ms_deliver "$MS_USER" "${files[@]}"
for i in 0 1 2; do start "$i"; done

sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }
answered() { ms_sink_in_reply_to | sort -u | wc -l; }
all_answered() { [ "$(answered)" -ge "$N" ]; }
k=0
end=$(( $(date +%s) + ${IT_PG_SECONDS:-300} ))  # well inside ctest's 600
while ! all_answered && [ "$(date +%s)" -lt "$end" ]; do
	sleep_ms $((RANDOM % 1200 + 200))
	for i in 0 1 2; do  # a daemon that gave up is started again
		kill -0 "${PIDS[$i]}" 2>/dev/null || start "$i"
	done
	if [ "$k" -lt "$KILLS" ]; then
		k=$((k + 1))
		i=$((RANDOM % 3))
		echo "kill $k: n$((i + 1)) at $(ms_sink_count) replies" >> "$MS_DIR/log/kills.log"
		kill -KILL "${PIDS[$i]}" 2>/dev/null || true
		wait "${PIDS[$i]}" 2>/dev/null || true
		start "$i"
		if [ "$k" = $((KILLS / 2)) ]; then
			echo "PostgreSQL restart at $(ms_sink_count) replies" >> "$MS_DIR/log/kills.log"
			pg_restart || ms_fail "PostgreSQL did not start again"
		fi
	fi
done
# Let the leases of the last kills run out and the others finish.
ms_wait_until 120 all_answered || true
sleep 7
stop_all
cat "$MS_DIR/log/kills.log" >&2
# Every complaint answered by exactly one reply (one outbox row: one
# Message-ID).  The one copy allowed is the window no store can close
# (docs/daemon.md): a node killed after the SMTP server's 250 and before
# the row is marked sent; the row is sent again after the lease, with the
# same Message-ID, and only where a kill came within a few replies of its
# first copy.  Two different replies to one complaint (recorded twice)
# are never allowed.
python3 - "$MS_SINK_DIR" "$MS_DIR/log/kills.log" "$N" "$MS_DIR/again" <<'PY' || {
import os, re, sys
sink, kills_log, n, again_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
mails = []
for f in os.listdir(sink):
    if not f.startswith("msg."):
        continue
    p = os.path.join(sink, f)
    head = open(p, "rb").read().split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    irt = re.search(r"(?im)^In-Reply-To:\s*(\S+)", head)
    mid = re.search(r"(?im)^Message-ID:\s*(\S+)", head)
    mails.append((os.stat(p).st_mtime_ns, irt.group(1) if irt else "?", mid.group(1) if mid else "?"))
mails.sort()
kills = [int(m.group(1)) for m in re.finditer(r"^kill \d+: n\d at (\d+) replies", open(kills_log).read(), re.M)]
bad = []
replies, seen = {}, {}
for rank, (_, irt, mid) in enumerate(mails, 1):
    replies.setdefault(irt, set()).add(mid)
    if mid in seen:
        first = seen[mid]
        if not any(abs(s - first) <= 10 for s in kills):
            bad.append(f"{irt}: reply {mid} sent again (first copy #{first}) with no kill near it")
        else:
            print(f"{irt}: reply sent again after a kill inside the SMTP window (first copy #{first})", file=sys.stderr)
    else:
        seen[mid] = rank
for irt, mids in sorted(replies.items()):
    if len(mids) > 1:
        bad.append(f"{irt}: answered by {len(mids)} different replies (recorded twice)")
missing = [i for i in range(1, n + 1) if f"<c{i}@acme.example>" not in replies]
if missing:
    bad.append(f"{len(missing)} complaints not answered, e.g. " + " ".join(f"c{i}" for i in missing[:10]))
for b in bad:
    print(b, file=sys.stderr)
open(again_out, "w").write(str(len(mails) - len(seen)))
sys.exit(1 if bad else 0)
PY
	cat "$MS_DIR"/log/n?.log | grep -iE "error|warn" | tail -20 >&2
	ms_fail "not every complaint answered exactly once ($(ms_sink_count) replies for $N complaints)"
}
found=$(pg_psql responder "SELECT count(DISTINCT complaint_key) FROM requests WHERE outcome = 'found'")
[ "$found" = "$N" ] || ms_fail "the request log has $found found complaints, want $N"
recorded=$(pg_psql responder "SELECT count(*) FROM requests")
[ "$recorded" = "$N" ] || ms_fail "the request log has $recorded rows for $N complaints (one each)"
queued=$(pg_psql responder "SELECT count(*) FROM outbox WHERE state <> 'sent'")
[ "$queued" = 0 ] || ms_fail "$queued outbox rows not sent"
nodes=$(pg_psql responder "SELECT count(*) FROM requests WHERE node IS NULL OR node NOT IN ('n1','n2','n3')")
[ "$nodes" = 0 ] || ms_fail "$nodes request rows without their node"
"$RESPONDER_BIN" -c "$MS_DIR/n1.conf" log --json --limit 1000 > "$MS_DIR/log.json" ||
	ms_fail "log --json"
python3 - "$MS_DIR/log.json" "$N" <<'PY' || ms_fail "log --json: node missing"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()] if not open(sys.argv[1]).read().lstrip().startswith("[") else json.load(open(sys.argv[1]))
assert len(rows) >= int(sys.argv[2]), len(rows)
assert all(r.get("node") in ("n1", "n2", "n3") for r in rows), [r.get("node") for r in rows][:5]
PY
echo "PASS: $N complaints, 3 responders, $k kills and a PostgreSQL restart: each answered by" \
	"one reply ($(cat "$MS_DIR/again") sent again inside the SMTP window)"
