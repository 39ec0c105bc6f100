#!/usr/bin/env bash
# Store benchmark: import rate for 1 M and 10 M generated attempts (JSONL),
# store size, peak RSS of the importer, and lookup latency p50/p99 for each
# lookup kind, and the reference: a naive Python json + sqlite3 loader
# with the same tables and indexes over the same file (ratio printed).
# BENCH_STORE_SIZES sets the sizes (scripts/bench: "1000000", with --big
# "1000000 10000000").
set -euo pipefail
: "${RESPONDER_BIN:?run through scripts/bench}"
src=${RESPONDER_SRC:-$(pwd)}
tool=$(dirname "$RESPONDER_BIN")/../tests/ittool_storebench
work=$(mktemp -d "${TMPDIR:-/tmp}/responder-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== store: JSONL import and lookups"
for n in ${BENCH_STORE_SIZES:-1000000}; do
  python3 "$src/scripts/lib/gen_records.py" "$n" 100 > "$work/records.jsonl"
  lines=$(wc -l < "$work/records.jsonl")
  bytes=$(stat -c %s "$work/records.jsonl")
  printf '[store]\npath = %s/store.db\n' "$work" > "$work/r.conf"
  rm -f "$work"/store.db*
  python3 - "$RESPONDER_BIN" "$work/r.conf" "$work/records.jsonl" "$n" "$lines" "$bytes" <<'PY'
import os, resource, subprocess, sys, time
binary, conf, path, n, lines, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
t0 = time.monotonic()
quiet = [os.environ["RESPONDER_BENCH_QUIET"]] if os.environ.get("RESPONDER_BENCH_QUIET") else []
subprocess.run([binary, "-c", conf, "import"] + quiet + [path], check=True, stdout=subprocess.DEVNULL)
dt = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"  {n:>10,} attempts ({lines:,} lines, {size/2**20:,.0f} MiB): {dt:7.1f} s, "
      f"{n/dt:,.0f} attempts/s, {lines/dt:,.0f} lines/s, peak RSS {rss:,.0f} MiB")
open(os.path.join(os.path.dirname(conf), "ours.s"), "w").write(str(dt))
PY
  if [ "${BENCH_NAIVE:-1}" = 1 ]; then
    # The reference: Python json + sqlite3, same schema, same file.
    printf '[store]\npath = %s/empty.db\n' "$work" > "$work/e.conf"
    : > "$work/empty.jsonl"
    "$RESPONDER_BIN" -c "$work/e.conf" import "$work/empty.jsonl" > /dev/null
    rm -f "$work"/naive.db*
    t0=$(date +%s%N)
    python3 "$src/scripts/lib/naive_loader.py" "$work/empty.db" "$work/records.jsonl" "$work/naive.db"
    t1=$(date +%s%N)
    python3 - "$n" "$t0" "$t1" "$(cat "$work/ours.s")" <<'PY'
import sys
n, t0, t1, ours = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
py = (t1 - t0) / 1e9
print(f"  naive Python json + sqlite3 loader (same schema, same file): {py:7.1f} s, {n/py:,.0f} attempts/s")
print(f"  ratio responder/python: {py/ours:.2f}x")
PY
    rm -f "$work"/naive.db*
  fi
  echo "  store size: $(du -m "$work/store.db" | cut -f1) MiB"
  t0=$(date +%s%N)
  "$RESPONDER_BIN" -c "$work/r.conf" import "$work/records.jsonl" | sed 's/^/  re-import: /'
  echo "  re-import took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  if [ -x "$tool" ]; then
    "$tool" "$work/store.db" $((n / 2)) 100 2000
  fi
  rm -f "$work/records.jsonl"
done
