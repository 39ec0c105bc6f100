#!/usr/bin/env bash
# A store the responder cannot use (issue 15, "Faults"): a file that is not
# SQLite, a truncated store, a store others' -wal file sits beside, a
# read-only store, and a store on a file system whose inode table or space
# is full.  Each gives one line on stderr that names the file and what to
# do, and a sysexits status (65 data, 77 permission, 75 full), never a
# reply from half-read data: the command stops before any work.
# SQLite only (no "# backends: sqlite pg" line): each case is a property of
# the SQLite file; cli_import_lookup_pg has PostgreSQL's (no server, a
# role that may only read).
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool sqlite3 python3

T=$(mktemp -d)
MNT=""
cleanup() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
chmod 755 "$T"
conf() { printf '[store]\npath = %s\n' "$1" > "$T/r.conf"; chmod 644 "$T/r.conf"; }
R=("$RESPONDER_BIN" -c "$T/r.conf")
SAMPLES=$RESPONDER_SRC/store/samples/records.jsonl

# one line, "responder: store PATH: ..." with the advice
one_line_naming() {  # PATH WORDS
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$(wc -l < "$ERR")" = 1 ] && grep -qF "responder: store $1: " "$ERR" &&
    grep -qF -- "$2" "$ERR" || fail "want one line naming $1 and '$2'"
}

# ---- not an SQLite file --------------------------------------------------
conf "$T/text.db"
echo "this is a text file, not a store" > "$T/text.db"
for cmd in "lookup --queue-id x" "once" "import $SAMPLES" "check-config"; do
  # shellcheck disable=SC2086
  run "${R[@]}" $cmd
  if [ "$cmd" = check-config ]; then
    expect_status 78 "check-config of a text file as store"
    expect_err "is not an SQLite database"
    continue
  fi
  expect_status 65 "$cmd on a text file"
  one_line_naming "$T/text.db" "is not an SQLite database"
  expect_err "move this file away"
done
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(cat "$T/text.db")" = "this is a text file, not a store" ] || fail "the text file was changed"

# ---- truncated -----------------------------------------------------------
conf "$T/full.db"
run "${R[@]}" import "$SAMPLES"
expect_status 0 "import into a new store"
head -c 5000 "$T/full.db" > "$T/cut.db"
conf "$T/cut.db"
run "${R[@]}" once
expect_status 65 "once on a truncated store"
one_line_naming "$T/cut.db" "is damaged"
run "${R[@]}" lookup --queue-id 4XbQ1m0vG7z1aa
expect_status 65 "lookup on a truncated store"
one_line_naming "$T/cut.db" "restore it from a backup"

# ---- a -wal file of another store beside it -------------------------------
# Store B with committed rows still in its WAL (no checkpoint), copied
# beside store A.
conf "$T/a.db"
run "${R[@]}" import "$SAMPLES"
expect_status 0 "import into store A"
python3 - "$T/b.db" <<'PY'
import os, shutil, sqlite3, sys
b = sys.argv[1]
c = sqlite3.connect(b)
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("CREATE TABLE other(x TEXT)")
c.executemany("INSERT INTO other VALUES (?)", [("row %d" % i * 50,) for i in range(2000)])
c.commit()
shutil.copy(b + "-wal", b + ".wal-copy")
c.close()
PY
cp "$T/b.db.wal-copy" "$T/a.db-wal"
run "${R[@]}" lookup --queue-id 4XbQ1m0vG7z1aa
CHECK_COUNT=$((CHECK_COUNT + 1))
case $STATUS in
0)  # SQLite dropped the foreign frames (their salts do not match): the
    # store reads as it was, and the answer is A's own record
    grep -q 4XbQ1m0vG7z1aa "$OUT" || fail "foreign WAL: store A's record is gone" ;;
65) one_line_naming "$T/a.db" "-wal file of another store" ;;
*)  fail "foreign WAL: status $STATUS" ;;
esac

# ---- read-only -------------------------------------------------------------
conf "$T/ro/store.db"
mkdir -p "$T/ro"
run "${R[@]}" import "$SAMPLES"
expect_status 0 "import into the store to be made read-only"
chmod 444 "$T/ro/store.db"
chmod 555 "$T/ro"
AS=()
if [ "$(id -u)" = 0 ]; then AS=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
run "${AS[@]}" "${R[@]}" once
expect_status 77 "once on a read-only store"
one_line_naming "$T/ro/store.db" "cannot be written"
run "${AS[@]}" "${R[@]}" import "$SAMPLES"
expect_status 77 "import into a read-only store"
chmod 755 "$T/ro"

# ---- a full file system: no inode left, then no space ---------------------
if [ "$(id -u)" = 0 ] && command -v mount > /dev/null; then
  MNT=$T/small
  mkdir -p "$MNT"
  if mount -t tmpfs -o size=4m,nr_inodes=8 tmpfs "$MNT" 2>/dev/null; then
    # use up the inode table
    for i in $(seq 20); do : > "$MNT/f$i" 2>/dev/null || break; done
    conf "$MNT/store.db"
    run "${R[@]}" import "$SAMPLES"
    expect_status 75 "a store on a file system without free inodes"
    one_line_naming "$MNT/store.db" "no free inode"
    rm -f "$MNT"/f*
    # no space: the store grows until the 4 MB are gone
    run "${R[@]}" import "$SAMPLES"
    expect_status 0 "the store is created once inodes are free"
    dd if=/dev/zero of="$MNT/fill" bs=64k 2> /dev/null
    python3 - "$T/big.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        q = "Q%08d" % i
        f.write(json.dumps({"type": "message", "account": "acme", "queue_id": q,
                            "message_id": "<m%d@acme.example>" % i, "from": "billing@acme.example",
                            "subject": "x" * 400, "submitted_at": "2026-11-20T09:14:02Z",
                            "recipients": ["bob@northwind.example"]}) + "\n")
PY
    run "${R[@]}" import "$T/big.jsonl"
    CHECK_COUNT=$((CHECK_COUNT + 1))
    [ "$STATUS" != 0 ] || fail "an import into a full file system succeeded"
    grep -qiE "full|space" "$ERR" || fail "a full disk is not named as such: $(cat "$ERR")"
    rm -f "$MNT/fill"
    run sqlite3 "$MNT/store.db" "PRAGMA integrity_check"
    expect_out "ok"
    umount "$MNT" && MNT=""
  else
    skip_or_fail "cannot mount a tmpfs here (needed for the full-disk cases)"
  fi
else
  echo "# (not root: full inode table and disk cases left out)"
fi
finish
