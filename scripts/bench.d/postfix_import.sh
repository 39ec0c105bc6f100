#!/usr/bin/env bash
# postfix_import.sh - `responder import --format postfix` on a generated
# 5-million-line Postfix log, with the store written, against pflogsumm
# over the same file (the report a Postfix admin already runs).
#
# The log is shaped like the one the real relay writes in
# tests/integration/it_postfix_import.sh: smtpd connect/client (SASL)/disconnect,
# cleanup header Subject (INFO) and message-id, qmgr from/removed, smtp
# deliveries (1-3 recipients; ~85% sent, ~10% deferred, ~5% bounced),
# bounce notices, and for 1 message in 10 the SMTP conversation that
# debug_peer_list adds; ~40 messages in flight at any time, interleaved.
#
# Prints lines/s, attempts/s, peak RSS, pflogsumm's time and the ratio.
# BENCH_POSTFIX_LINES overrides the size; BENCH_POSTFIX_KEEP=FILE keeps the
# generated log there and reuses it when it exists.  Figures are goals,
# never assertions.
set -euo pipefail
SRC=${RESPONDER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${RESPONDER_BIN:-$SRC/build-bench/bin/responder}
LINES=${BENCH_POSTFIX_LINES:-5000000}
D=$(mktemp -d "${TMPDIR:-/tmp}/bench-postfix.XXXXXX")
trap 'rm -rf "$D"' EXIT

# shellcheck source=scripts/lib/bench_import.sh
. "$SRC/scripts/lib/bench_import.sh"

KEEP=${BENCH_POSTFIX_KEEP:-}
if bench_reuse postfix_import "$KEEP" "$D/mail.log"; then
	LINES=$(wc -l < "$KEEP")
else
echo "== postfix_import: generating a $LINES-line Postfix log"
python3 "$SRC/scripts/lib/gen_postfix_log.py" "$LINES" > "$D/mail.log"
[ -n "$KEEP" ] && cp "$D/mail.log" "$KEEP"
fi
bench_import_run postfix "$D/mail.log" "$D" "$LINES"
secs=$BENCH_SECS

if command -v pflogsumm > /dev/null 2>&1; then
	echo "== pflogsumm (reference) over the same file"
	read -r psecs prss prc < <(bench_measure pflogsumm "$D/mail.log" "$D/pflogsumm.out")
	grep -E '^ +[0-9]+k? +(received|delivered|deferred|bounced)' "$D/pflogsumm.out" | head -4
	[ "$prc" = 0 ] || echo "   (pflogsumm exit status $prc)"
	bench_ratio pflogsumm "$LINES" "$secs" "$psecs" "$prss"
else
	echo "== pflogsumm not installed (RESPONDER_DEPS_EXTRA=1 scripts/deps): no reference figure"
fi
