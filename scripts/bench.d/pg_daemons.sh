#!/usr/bin/env bash
# Several responders on one mailbox (docs/scale.md), figures only: the
# complaints/s end to end (complaints in the maildir -> replies in the
# sink) of three `responder run` sharing one PostgreSQL store, against one
# daemon on the same store, and one daemon on SQLite (the reference).
# Dovecot (plain IMAP on loopback, mail_fsync = never) and smtp-sink from
# tests/lib/mailstack.sh, PostgreSQL from tests/lib/pg.sh (fsync off, as
# in the tests).  Each round delivers BENCH_PG_N complaints (default 500)
# with Message-IDs of their own, starts the daemons and times until the
# sink holds all the replies.  Each figure has the load average beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
N=${BENCH_PG_N:-500}
if [ -z "${RESPONDER_BIN:-}" ]; then
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRESPONDER_TESTS=OFF > /dev/null
	cmake --build build-bench -j "$(nproc)" > /dev/null
	RESPONDER_BIN=$SRC/build-bench/bin/responder
fi
export RESPONDER_SRC=$SRC RESPONDER_BIN
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "== pg_daemons: PostgreSQL 15 not installed, skipped"; exit 0; }

. tests/lib/mailstack.sh
. tests/lib/pg.sh
export DOVECOT_EXTRA="mail_fsync = never"
ms_it_setup imap
PIDS=()
stop_daemons() { proc_term_wait "${PIDS[@]}"; PIDS=(); }
trap 'stop_daemons; ms_stop; pg_cleanup' EXIT
pg_init
pg_start
pg_createdb responder
URL=$(pg_url responder)
PGPASSWORD=$(cat "$PG_PASSFILE") "${R[@]}" migrate-store --from "sqlite:$MS_DIR/store.db" \
	--to "$URL" --quiet > /dev/null 2> "$MS_DIR/log/migrate.log" ||
	{ cat "$MS_DIR/log/migrate.log"; exit 1; }
pg_node_confs "$CONF" "$MS_DIR" "$URL" 3

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
round=0
# run LABEL CONF...: N new complaints, one daemon per CONF, timed.
run() {
	local label=$1 files=() have t0 el c load0
	shift
	round=$((round + 1))
	for i in $(seq 1 "$N"); do files+=("$(ms_complaint $((round * 100000 + i)))"); done
	ms_deliver "$MS_USER" "${files[@]}"
	have=$(ms_sink_count)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(now_ms)
	for c in "$@"; do
		"$RESPONDER_BIN" -c "$c" run >> "$MS_DIR/log/bench-daemons.log" 2>&1 &
		PIDS+=($!)
	done
	if ! ms_wait_until 900 ms_sink_has $((have + N)); then
		stop_daemons
		echo "  $label: gave up with $(( $(ms_sink_count) - have )) of $N replies"
		return 0
	fi
	el=$(( $(now_ms) - t0 ))
	stop_daemons
	rm -f "${files[@]}"
	echo "  $label: $N complaints in $el ms: $(awk -v n="$N" -v t="$el" 'BEGIN{printf "%.1f", n * 1000 / t}') complaints/s" \
		"(load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after)"
}

echo "== pg_daemons: $N complaints per round, one mailbox ($(nproc) CPUs)"
run "1 daemon, SQLite (reference)" "$CONF"
run "1 daemon, PostgreSQL" "$MS_DIR/n1.conf"
run "3 daemons, PostgreSQL" "$MS_DIR/n1.conf" "$MS_DIR/n2.conf" "$MS_DIR/n3.conf"
answered=$(pg_psql responder "SELECT count(DISTINCT complaint_key) FROM requests WHERE outcome = 'found'")
echo "  PostgreSQL request log: $answered complaints found ($((2 * N)) delivered to the two PostgreSQL rounds)"
