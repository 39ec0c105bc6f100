#!/usr/bin/env bash
# it_pg_daemons.sh - three responders on one mailbox and one PostgreSQL
# store (tests/lib/pg.sh), with Dovecot and smtp-sink (mailstack.sh):
# IT_PG_N complaints (default 300) are delivered at once; while the three
# daemons (node_name n1, n2, n3, lease_seconds 5) work, one of them is
# killed with SIGKILL and started again IT_PG_KILLS times (default 6), at
# random moments, and PostgreSQL itself is restarted once in the middle.
# A daemon that exits (its store went away) is started again too.  In the
# end every complaint is answered exactly once (the sink holds N replies,
# N different In-Reply-To), the request log has a "found" row for each,
# nothing is left queued, and log --json names the node of every row.
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
cp "$PG_PASSFILE" "$MS_DIR/pg.secret"
chmod 600 "$MS_DIR/pg.secret"
PGPASSWORD=$(cat "$PG_PASSFILE") "${R[@]}" migrate-store --from "sqlite:$MS_DIR/store.db" --to "$URL" --quiet > /dev/null ||
	ms_fail "migrate-store"
for n in 1 2 3; do
	sed "s|^\[store\]|[store]\nurl = $URL\npassword_file = $MS_DIR/pg.secret\nnode_name = n$n\nlease_seconds = 5|" \
		"$CONF" > "$MS_DIR/n$n.conf"
	cp "$CONF.imap.secret" "$MS_DIR/n$n.conf.imap.secret"
	sed -i "s|^password_file = $CONF.imap.secret|password_file = $MS_DIR/n$n.conf.imap.secret|" \
		"$MS_DIR/n$n.conf"
done
start() {  # I (0..2)
	"$RESPONDER_BIN" -c "$MS_DIR/n$(($1 + 1)).conf" run >> "$MS_DIR/log/n$(($1 + 1)).log" 2>&1 &
	PIDS[$1]=$!
}
files=()
for i in $(seq 1 "$N"); do files+=("$(ms_complaint "$i")"); done
ms_deliver "$MS_USER" "${files[@]}"
for i in 0 1 2; do start "$i"; done

sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }
k=0
end=$(( $(date +%s) + 600 ))
while [ "$(ms_sink_count)" -lt "$N" ] && [ "$(date +%s)" -lt "$end" ]; do
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
ms_wait_until 120 ms_sink_has "$N" || true
sleep 7
stop_all
cat "$MS_DIR/log/kills.log" >&2
got=$(ms_sink_count)
[ "$got" = "$N" ] || {
	cat "$MS_DIR"/log/n?.log | grep -iE "error|warn" | tail -20 >&2
	ms_fail "$got replies in the sink for $N complaints"
}
distinct=$(ms_sink_in_reply_to | sort -u | wc -l)
[ "$distinct" = "$N" ] || ms_fail "$distinct different complaints answered, want $N"
found=$(pg_psql responder "SELECT count(DISTINCT complaint_key) FROM requests WHERE outcome = 'found'")
[ "$found" = "$N" ] || ms_fail "the request log has $found found complaints, want $N"
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
echo "PASS: $N complaints, 3 responders, $k kills and a PostgreSQL restart: each answered once"
