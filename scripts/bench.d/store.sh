#!/usr/bin/env bash
# Store benchmark: import rate for 1 M and 10 M generated attempts (JSONL),
# store size, peak RSS of the importer, and lookup latency p50/p99 for each
# lookup kind, on SQLite and on PostgreSQL 15 (a throwaway cluster on
# loopback, tests/lib/pg.sh, fsync off like the tests'), each figure with
# the machine's load average.  The references: a naive Python json +
# sqlite3 loader with the same tables and indexes over the same file
# (ratio printed), and for PostgreSQL the SQLite figures of the same run.
# BENCH_STORE_SIZES sets the sizes (scripts/bench: "1000000", with --big
# "1000000 10000000"); BENCH_STORE_BACKENDS "sqlite postgresql" (the
# default; PostgreSQL is skipped when it is not installed); BENCH_NAIVE=0
# leaves out the Python reference.
set -euo pipefail
: "${RESPONDER_BIN:?run through scripts/bench}"
src=${RESPONDER_SRC:-$(pwd)}
tool=$(dirname "$RESPONDER_BIN")/../tests/ittool_storebench
work=$(mktemp -d "${TMPDIR:-/tmp}/responder-bench-XXXXXX")
backends=${BENCH_STORE_BACKENDS:-"sqlite postgresql"}
pg_up=0
cleanup() {
  [ $pg_up = 1 ] && pg_cleanup
  rm -rf "$work"
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'; }

if [[ " $backends " == *" postgresql "* ]]; then
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    . "$src/tests/lib/pg.sh"
    pg_init && pg_start && pg_up=1
    export PGPASSWORD
    PGPASSWORD=$(cat "$PG_PASSFILE")
  else
    echo "  (PostgreSQL 15 not installed: its figures are skipped)"
    backends=${backends//postgresql/}
  fi
fi

# import BACKEND N LINES BYTES: a fresh store of BACKEND filled from
# records.jsonl; prints the rate and leaves the store's target in $target.
import() {
  local backend=$1 n=$2 lines=$3 bytes=$4
  if [ "$backend" = postgresql ]; then
    pg_psql postgres "DROP DATABASE IF EXISTS bench" > /dev/null 2>&1
    pg_createdb bench
    target=$(pg_url bench)
    printf '[store]\nurl = %s\npassword_file = %s\n' "$target" "$PG_PASSFILE" > "$work/r.conf"
  else
    rm -f "$work"/store.db*
    target=$work/store.db
    printf '[store]\npath = %s\n' "$target" > "$work/r.conf"
  fi
  python3 - "$RESPONDER_BIN" "$work/r.conf" "$work/records.jsonl" "$n" "$lines" "$bytes" "$backend" <<'PY'
import os, resource, subprocess, sys, time
binary, conf, path, n, lines, size, backend = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
load0 = open("/proc/loadavg").read().split()[:3]
t0 = time.monotonic()
quiet = [os.environ["RESPONDER_BENCH_QUIET"]] if os.environ.get("RESPONDER_BENCH_QUIET") else []
subprocess.run([binary, "-c", conf, "import"] + quiet + [path], check=True, stdout=subprocess.DEVNULL)
dt = time.monotonic() - t0
load1 = open("/proc/loadavg").read().split()[:3]
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"  {backend}: {n:>10,} attempts ({lines:,} lines, {size/2**20:,.0f} MiB): {dt:7.1f} s, "
      f"{n/dt:,.0f} attempts/s, {lines/dt:,.0f} lines/s, importer peak RSS {rss:,.0f} MiB "
      f"(load average {', '.join(load0)} before, {', '.join(load1)} after)")
open(os.path.join(os.path.dirname(conf), "ours.s"), "w").write(str(dt))
PY
}

echo "== store: JSONL import and lookups"
for n in ${BENCH_STORE_SIZES:-1000000}; do
  python3 "$src/scripts/lib/gen_records.py" "$n" 100 > "$work/records.jsonl"
  lines=$(wc -l < "$work/records.jsonl")
  bytes=$(stat -c %s "$work/records.jsonl")
  for backend in $backends; do
    import "$backend" "$n" "$lines" "$bytes"
    if [ "$backend" = sqlite ] && [ "${BENCH_NAIVE:-1}" = 1 ]; then
      # The reference: Python json + sqlite3, same schema, same file.
      printf '[store]\npath = %s/empty.db\n' "$work" > "$work/e.conf"
      : > "$work/empty.jsonl"
      "$RESPONDER_BIN" -c "$work/e.conf" import "$work/empty.jsonl" > /dev/null
      rm -f "$work"/naive.db*
      t0=$(date +%s%N)
      python3 "$src/scripts/lib/naive_loader.py" "$work/empty.db" "$work/records.jsonl" "$work/naive.db"
      t1=$(date +%s%N)
      python3 - "$n" "$t0" "$t1" "$(cat "$work/ours.s")" "$(load)" <<'PY'
import sys
n, t0, t1, ours, load = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
py = (t1 - t0) / 1e9
print(f"  naive Python json + sqlite3 loader (same schema, same file): {py:7.1f} s, {n/py:,.0f} attempts/s (load average {load})")
print(f"  ratio responder/python: {py/ours:.2f}x")
PY
      rm -f "$work"/naive.db*
    fi
    if [ "$backend" = postgresql ]; then
      echo "  $backend store size: $(pg_psql bench "SELECT pg_database_size('bench') / 1048576") MiB" \
        "(pg_database_size: catalog and empty partitions included)"
    else
      echo "  $backend store size: $(du -m "$target" | cut -f1) MiB"
    fi
    t0=$(date +%s%N)
    "$RESPONDER_BIN" -c "$work/r.conf" import "$work/records.jsonl" | sed "s/^/  $backend re-import: /"
    echo "  $backend re-import took $(( ($(date +%s%N) - t0) / 1000000 )) ms (load average $(load))"
    if [ -x "$tool" ]; then
      echo "  $backend lookups (load average $(load)):"
      "$tool" "$target" $((n / 2)) 100 2000
    fi
  done
  rm -f "$work/records.jsonl"
done
