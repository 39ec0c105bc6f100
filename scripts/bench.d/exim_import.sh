#!/usr/bin/env bash
# exim_import.sh - `responder import --format exim` on a generated Exim 4
# mainlog (5 million lines by default), with the store written, against
# eximstats over the same file (the report an Exim admin already runs;
# Debian's exim4-base, unpacked by scripts/deps).
#
# The log is shaped like the one the real relay writes in
# tests/integration/it_exim_import.sh with log_selector = +all +pid:
# SMTP connection notes, arrivals (A=, id=, T=, for ...), deliveries with
# H=, X=, CV=, DN=, K, C="...", QT=, DT= (1-3 recipients, the 2nd and 3rd
# to the same MX as "->"; ~85% delivered, ~10% deferred, ~5% failed),
# Exim's bounces (R=) with their own delivery, Completed, queue runs; ~40
# messages in flight at any time, interleaved.
#
# Prints lines/s, attempts/s, peak RSS, eximstats' time and the ratio.
# BENCH_EXIM_LINES overrides the size; BENCH_EXIM_KEEP=FILE keeps the
# generated log there and reuses it when it exists.  Figures are goals,
# never assertions.
set -euo pipefail
SRC=${RESPONDER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${RESPONDER_BIN:-$SRC/build-bench/bin/responder}
LINES=${BENCH_EXIM_LINES:-5000000}
EXIMSTATS=${EXIM_ROOT:-/opt/responder-tests/exim4}/usr/sbin/eximstats
D=$(mktemp -d "${TMPDIR:-/tmp}/bench-exim.XXXXXX")
trap 'rm -rf "$D"' EXIT

# shellcheck source=scripts/lib/bench_import.sh
. "$SRC/scripts/lib/bench_import.sh"

KEEP=${BENCH_EXIM_KEEP:-}
if bench_reuse exim_import "$KEEP" "$D/mainlog"; then
	LINES=$(wc -l < "$KEEP")
else
echo "== exim_import: generating a $LINES-line Exim mainlog"
python3 "$SRC/scripts/lib/gen_exim_log.py" "$LINES" > "$D/mainlog"
[ -n "$KEEP" ] && cp "$D/mainlog" "$KEEP"
fi
bench_import_run exim "$D/mainlog" "$D" "$LINES"
secs=$BENCH_SECS

if [ -x "$EXIMSTATS" ]; then
	echo "== eximstats (reference) over the same file"
	read -r esecs erss erc < <(bench_measure "$EXIMSTATS" -nr -nt "$D/mainlog" "$D/eximstats.out")
	grep -E '^ *(Received|Delivered|Rejects|Temp Rejects|Errors)' "$D/eximstats.out" | head -5
	[ "$erc" = 0 ] || echo "   (eximstats exit status $erc)"
	bench_ratio eximstats "$LINES" "$secs" "$esecs" "$erss"
else
	echo "== eximstats not unpacked at $EXIMSTATS (scripts/deps): no reference figure"
fi
