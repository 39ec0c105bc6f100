#!/usr/bin/env bash
# `responder process` on the real binary: every fixture outcome in --json
# (the DESIGN.md contract, parsed back with python3), --dry-run records
# nothing, a real run records request + outbox rows in one go and never
# answers the same complaint twice, stdin, exit codes (64, 65, 66), the
# sandbox refusing the crashing boundary, generated garbage (NUL bytes,
# 1 MB header line, 10 000 parts, 1000-deep nesting), and human output.
# backends: sqlite pg
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool python3 sqlite3

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
DB=$T/store.db
F=$RESPONDER_FIXTURES/complaints
printf '[responder]\naddress = support@relay.example\n[store]\n%s\n[templates]\ndir = %s/templates\n' \
  "$(store_conf "$DB")" "$RESPONDER_SRC" > "$T/r.conf"
R=("$RESPONDER_BIN" -c "$T/r.conf")

# pycheck 'expression over L (the JSON lines of stdout)' what
pycheck() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  python3 -c "
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if ($1) else 1)" "$OUT" || fail "$2"
}
rows() { store_sql "$DB" "SELECT count(*) FROM $1"; }

run "${R[@]}" import "$RESPONDER_SRC/store/samples/records.jsonl"
expect_status 0 "import the sample records"

# ---- usage and missing files ----------------------------------------------
run "${R[@]}" process
expect_status 64 "no file"
run "${R[@]}" process --bogus "$F/attached.eml"
expect_status 64 "unknown option"
run "${R[@]}" process --dry-run --json "$T/nope.eml" "$F/attached.eml"
expect_status 66 "a missing file"
expect_err "nope.eml"
pycheck 'len(L) == 1 and L[0]["outcome"] == "found"' "the other file is still handled"

# ---- each outcome, one JSON object per file per line -----------------------
run "${R[@]}" process --dry-run --json \
  "$F/attached.eml" "$F/nested.eml" "$F/inline_gmail.eml" "$F/html_only.eml" \
  "$F/references.eml" "$F/subject_id.eml" "$F/body_id.eml" "$F/ambiguous.eml" \
  "$F/not_found.eml" "$F/other_account.eml" "$F/unauthorized.eml" "$F/reply_to.eml" \
  "$F/robot_auto_submitted.eml" "$F/robot_report.eml" "$F/boundary_crash.eml"
expect_status 65 "an unparseable file among them gives 65"
pycheck 'len(L) == 15' "one line per file"
pycheck 'all(list(o)[:7] == ["file","outcome","why","requester","account","extracted","matches"] and "reply" in o for o in L)' "contract keys in order"
pycheck '[o["outcome"] for o in L] == ["found","found","found","found","found","found","found","ambiguous","not_found","not_found","unauthorized","unauthorized","ignored","ignored","error"]' "outcomes"
pycheck '[i["source"] for i in L[0]["extracted"]["message_ids"]] == ["attached"]' "attached source"
pycheck 'L[0]["extracted"]["originals"][0] == {"source":"attached","from":"billing@acme.example","to":["bob@northwind.example"],"cc":[],"subject":"Invoice 1042","date":"2026-11-20T09:14:02Z"}' "attached original"
pycheck 'L[0]["matches"][0]["queue_id"] == "4XbQ1m0vG7z1aa" and L[0]["matches"][0]["recipients"][0]["status"] == "delivered" and L[0]["matches"][0]["recipients"][0]["reason"] == "delivered"' "match with recipient status and reason"
pycheck 'L[0]["reply"]["to"] == ["billing@acme.example"] and "Auto-Submitted: auto-replied" in L[0]["reply"]["message"]' "reply to the requester"
pycheck 'L[1]["matches"][0]["queue_id"] == "4XbS3p2xJ9b3cc"' "nested attached original"
pycheck 'L[2]["extracted"]["originals"][0]["source"] == "inline" and L[2]["matches"][0]["queue_id"] == "4XbS3p2xJ9b3cc"' "inline forward"
pycheck 'L[3]["matches"][0]["queue_id"] == "4XbR2n1wH8a2bb"' "HTML-only forward"
pycheck 'L[4]["extracted"]["message_ids"][0]["source"] == "references"' "references source"
pycheck 'L[5]["extracted"]["message_ids"][0]["source"] == "subject"' "subject source"
pycheck 'L[6]["extracted"]["message_ids"][0]["source"] == "body"' "body source"
pycheck 'len(L[7]["matches"]) == 3' "ambiguous lists candidates"
pycheck 'L[9]["matches"] == [] and "4XbQ" not in json.dumps(L[9])' "another account learns nothing"
pycheck 'L[10]["reply"] is None and L[11]["requester"] is None or L[11]["requester"] == "mallory@nowhere.example"' "unauthorized: no reply; Reply-To never the requester"
pycheck 'L[12]["reply"] is None and "Auto-Submitted" in L[12]["why"]' "robot ignored, why says which"
pycheck 'L[12]["extracted"]["message_ids"][0]["id"] == "<inv-1042@acme.example>"' "extracted reported even when ignored"
pycheck 'L[14]["outcome"] == "error" and "boundary" in L[14]["why"] and L[14]["reply"] is None' "crashing boundary refused"

# ---- dry run records nothing ------------------------------------------------
[ "$(rows requests)" = 0 ] || fail "dry run recorded requests"
CHECK_COUNT=$((CHECK_COUNT + 1))

# ---- a real run: request + outbox rows, then never twice --------------------
run "${R[@]}" process --json "$F/attached.eml" "$F/robot_precedence.eml"
expect_status 0 "real run"
CHECK_COUNT=$((CHECK_COUNT + 3))
[ "$(rows requests)" = 2 ] || fail "two request rows"
[ "$(rows outbox)" = 1 ] || fail "one reply queued"
[ "$(store_sql "$DB" "SELECT r.outcome || ' ' || o.rcpt || ' ' || o.state || ' [' || o.envelope_from || ']' FROM outbox o JOIN requests r ON r.id = o.request_id")" = "found billing@acme.example queued []" ] \
  || fail "outbox row: found, to the requester, queued, null sender"
CHECK_COUNT=$((CHECK_COUNT + 1))
store_sql "$DB" "SELECT extracted FROM requests WHERE outcome = 'found'" | grep '"source":"attached"' >/dev/null \
  || fail "extracted JSON in the request log"
run "${R[@]}" process --json "$F/attached.eml"
pycheck 'L[0]["outcome"] == "ignored" and "already answered" in L[0]["why"] and L[0]["reply"] is None' "same complaint not answered twice"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(rows outbox)" = 1 ] || fail "no second reply"

# ---- stdin and human output -----------------------------------------------------
run "${R[@]}" process --dry-run - < "$F/references.eml"
expect_status 0 "stdin"
expect_out "stdin: found"
expect_out "4XbR2n1wH8a2bb"
expect_out "dave@contoso.example"
expect_out "reply:      composed, not queued (dry run)"

# ---- generated garbage: a logged outcome, never a crash ------------------------
python3 - "$T" <<'EOF'
import sys
d = sys.argv[1]
head = "From: billing@acme.example\nTo: support@relay.example\nSubject: x\nMessage-ID: <g@acme.example>\n"
open(d + "/nul.eml", "wb").write((head + "\nbody\0with\0NULs <inv-1042@acme.example>\n").encode())
open(d + "/longline.eml", "w").write(head.replace("Subject: x", "Subject: " + "x" * (1 << 20)) + "\nbody\n")
parts = "".join("--zz\nContent-Type: text/plain\n\npart %d\n" % i for i in range(10000))
open(d + "/parts.eml", "w").write(head + "Content-Type: multipart/mixed; boundary=zz\n\n" + parts + "--zz--\n")
nest = "".join("Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(1000))
open(d + "/deep.eml", "w").write(head + nest + "Content-Type: text/plain\n\ndeep\n")
EOF
run "${R[@]}" process --dry-run --json "$T/nul.eml" "$T/longline.eml" "$T/parts.eml" "$T/deep.eml"
expect_status 65 "garbage gives 65"
pycheck '[o["outcome"] for o in L] == ["found","error","error","error"]' "garbage outcomes"
pycheck '"header line" in L[1]["why"] and "Content-Type" in L[2]["why"] and "nested" in L[3]["why"]' "garbage whys"

# ---- size cap ---------------------------------------------------------------------
printf '[limits]\nmax_message_size = 1024\n' >> "$T/r.conf"
{ cat "$F/references.eml"; head -c 2000 /dev/zero | tr '\0' 'x'; echo; } > "$T/big.eml"
run "${R[@]}" process --dry-run --json "$T/big.eml"
expect_status 65 "oversized"
pycheck '"max_message_size" in L[0]["why"]' "size cap why"

finish
