# Tiny assertion helpers for tests/cli/cli_*.sh and tests/integration/it_*.sh.
#   run CMD...            runs it; $STATUS, $OUT (stdout file), $ERR (stderr file)
#   expect_status N what  expect_out TEXT  expect_err TEXT  fail MSG  finish
#   need_tool NAME...  need_root WHY  skip_or_fail WHY    (need.sh: a missing
#                         tool skips, or fails under CI=true)
#   store_conf PATH  store_sql PATH SQL  store_is_pg   (store.sh: the same
#                         script on SQLite or, as <name>_pg, PostgreSQL)
: "${RESPONDER_BIN:?RESPONDER_BIN not set (run through ctest)}"
: "${RESPONDER_SRC:?RESPONDER_SRC not set (run through ctest)}"
. "$(dirname "${BASH_SOURCE[0]}")/need.sh"
. "$(dirname "${BASH_SOURCE[0]}")/store.sh"
CHECK_DIR=$(mktemp -d)
CHECK_FAILS=0
CHECK_COUNT=0
OUT=$CHECK_DIR/out
ERR=$CHECK_DIR/err
STATUS=0
LAST_CMD=""

run() {
  LAST_CMD="$*"
  "$@" >"$OUT" 2>"$ERR"
  STATUS=$?
}

fail() {
  CHECK_FAILS=$((CHECK_FAILS + 1))
  echo "FAIL: $*" >&2
  echo "  command: $LAST_CMD" >&2
  echo "  stdout: $(head -c 2000 "$OUT")" >&2
  echo "  stderr: $(head -c 2000 "$ERR")" >&2
}

expect_status() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$STATUS" = "$1" ] || fail "$2: exit status $STATUS, want $1"
}

expect_out() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  grep -qF -- "$1" "$OUT" || fail "stdout lacks: $1"
}

expect_err() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  grep -qF -- "$1" "$ERR" || fail "stderr lacks: $1"
}

finish() {
  rm -rf "$CHECK_DIR"
  echo "$((CHECK_COUNT - CHECK_FAILS)) passed, $CHECK_FAILS failed"
  [ "$CHECK_FAILS" = 0 ]
}
