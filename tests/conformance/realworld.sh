#!/usr/bin/env bash
# The real-world complaint corpus through the real binary:
# $RESPONDER_CONFORMANCE/realworld/check.py imports its records into a
# temporary store and runs `responder process --dry-run --json` over its 344
# complaints (forwarded bounces, inline and HTML forwards, robot mail,
# negative cases).  Prints the checker's table per category and its summary
# line; fails when fewer cases are right than FLOOR, the count measured when
# this test was written (raise it when the extraction gets better; never
# lower it to make a change pass).  Without the data or python3: skipped,
# or failed under CI=true.
set -u
. "$(dirname "$0")/../lib/check.sh"

FLOOR=344   # of 344: measured on wave-realworld (2026-12-07), every case right
TOTAL=344

DIR=${RESPONDER_CONFORMANCE:-\$RESPONDER_CONFORMANCE}/realworld
[ -f "$DIR/check.py" ] || skip_or_fail "conformance data $DIR not found"
need_tool python3

python3 "$DIR/check.py" "$RESPONDER_BIN" --templates "$RESPONDER_SRC/templates" > "$OUT" 2> "$ERR"
STATUS=$?
LAST_CMD="check.py $RESPONDER_BIN"
# The table: from its header line to the end (the wrong cases come before).
sed -n '/^category /,$p' "$OUT"

summary=$(grep -E '^realworld: [0-9]+/[0-9]+ right$' "$OUT" | tail -n 1)
CHECK_COUNT=$((CHECK_COUNT + 1))
if [ -z "$summary" ]; then
  fail "check.py printed no summary line (exit $STATUS)"
else
  right=${summary#realworld: }; right=${right%%/*}
  total=${summary#*/}; total=${total%% *}
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$total" = "$TOTAL" ] || fail "the corpus has $total cases, want $TOTAL (update FLOOR and TOTAL together)"
  if [ "$right" -lt "$FLOOR" ]; then
    grep '^WRONG ' "$OUT"
    fail "$right/$total right, below the floor of $FLOOR"
  elif [ "$right" -gt "$FLOOR" ]; then
    echo "note: $right/$total right, above the floor of $FLOOR: raise FLOOR in $0"
  fi
fi
finish
