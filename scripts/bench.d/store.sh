#!/usr/bin/env bash
# Store benchmark: import rate for 1 M and 10 M generated attempts (JSONL),
# store size, peak RSS of the importer, and lookup latency p50/p99 for each
# lookup kind.  BENCH_STORE_SIZES overrides the sizes ("1000000 10000000").
set -euo pipefail
: "${RESPONDER_BIN:?run through scripts/bench}"
src=${RESPONDER_SRC:-$(pwd)}
tool=$(dirname "$RESPONDER_BIN")/../tests/ittool_storebench
work=$(mktemp -d "${TMPDIR:-/tmp}/responder-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== store: JSONL import and lookups"
for n in ${BENCH_STORE_SIZES:-1000000 10000000}; do
  python3 "$src/scripts/lib/gen_records.py" "$n" 100 > "$work/records.jsonl"
  lines=$(wc -l < "$work/records.jsonl")
  bytes=$(stat -c %s "$work/records.jsonl")
  printf '[store]\npath = %s/store.db\n' "$work" > "$work/r.conf"
  rm -f "$work"/store.db*
  python3 - "$RESPONDER_BIN" "$work/r.conf" "$work/records.jsonl" "$n" "$lines" "$bytes" <<'PY'
import resource, subprocess, sys, time
binary, conf, path, n, lines, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
t0 = time.monotonic()
subprocess.run([binary, "-c", conf, "import", path], check=True, stdout=subprocess.DEVNULL)
dt = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"  {n:>10,} attempts ({lines:,} lines, {size/2**20:,.0f} MiB): {dt:7.1f} s, "
      f"{n/dt:,.0f} attempts/s, {lines/dt:,.0f} lines/s, peak RSS {rss:,.0f} MiB")
PY
  echo "  store size: $(du -m "$work/store.db" | cut -f1) MiB"
  t0=$(date +%s%N)
  "$RESPONDER_BIN" -c "$work/r.conf" import "$work/records.jsonl" | sed 's/^/  re-import: /'
  echo "  re-import took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  if [ -x "$tool" ]; then
    "$tool" "$work/store.db" $((n / 2)) 100 2000
  fi
  rm -f "$work/records.jsonl"
done
