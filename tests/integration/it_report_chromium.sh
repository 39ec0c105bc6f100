#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium (Debian `chromium`)
# loads the page from disk, dumps the DOM it built and takes a screenshot.
# Checks: the chart (svg#chart with one bar per outcome and day) and the
# table (#requests, one row per request, links to #req-ID anchors that
# exist) are in the DOM; the screenshot shows the chart's colours; the page
# asked for nothing from the network.  scripts/deps installs chromium;
# without it the test skips, or fails under CI=true.
# backends: sqlite pg
set -u
. "$(dirname "$0")/../lib/check.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_or_fail "chromium is not installed (scripts/deps installs it)"
need_tool sqlite3 python3

T=$(mktemp -d)
trap 'if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi' EXIT
DB=$T/store.db
printf '[responder]\naddress = support@relay.example\n[store]\n%s\n' "$(store_conf "$DB")" > "$T/r.conf"
R=("$RESPONDER_BIN" -c "$T/r.conf")
run "${R[@]}" import "$RESPONDER_SRC/store/samples/records.jsonl"
expect_status 0 "import"

# 12 requests over 5 days (one day without any), every outcome at least once.
# Times as epoch numbers, so both store backends read the same SQL.
python3 - "$T/rows.sql" <<'PY'
import calendar, sys, time
def ep(t): return calendar.timegm(time.strptime(t, "%Y-%m-%d %H:%M"))
rows = [("2026-11-20 08:00", "found"), ("2026-11-20 09:00", "found"), ("2026-11-20 10:00", "not_found"),
        ("2026-11-21 08:00", "unauthorized"), ("2026-11-21 09:00", "found"), ("2026-11-21 11:00", "ignored"),
        ("2026-11-23 08:00", "ambiguous"), ("2026-11-23 09:00", "error"), ("2026-11-23 10:00", "found"),
        ("2026-11-24 07:00", "found"), ("2026-11-24 08:00", "not_found"), ("2026-11-24 09:00", "found")]
with open(sys.argv[1], "w") as f:
    for i, (t, o) in enumerate(rows, 1):
        q = "'4XbQ1m0vG7z1aa'" if o == "found" else "NULL"
        f.write(f"INSERT INTO requests(id, complaint_key, complaint_message_id, received_at, decided_at,"
                f" requester, account, outcome, why, subject, matched_queue_id) VALUES ({i}, 'k{i}',"
                f" '<c{i}@acme.example>', {ep(t)}, {ep(t) + 1},"
                f" 'billing@acme.example', 'acme', '{o}', 'why {i} & <more>', 'Fwd: Invoice {i}', {q});\n")
        if o in ("found", "not_found"):
            state = "sent" if i % 3 else "failed"
            f.write(f"INSERT INTO outbox(id, request_id, created_at, envelope_from, rcpt, state,"
                    f" tries, smtp_reply, sent_at) VALUES ({i}, {i}, {ep(t) + 1}, '',"
                    f" 'billing@acme.example', '{state}', 1, '250 2.0.0 Ok',"
                    f" {ep(t) + 9 if state == 'sent' else 'NULL'});\n")
            f.write(f"INSERT INTO outbox_messages(outbox_id, message) VALUES ({i}, 'Subject: Re: {i}');\n")
PY
store_sql "$DB" "$(cat "$T/rows.sql")" || fail "inserting the rows"

run "${R[@]}" report --html "$T/report.html"
expect_status 0 "report"

# Chromium, headless, with its own profile and nothing but the file.
CHROME=("$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run
        --disable-extensions --disable-sync --user-data-dir="$T/profile"
        --window-size=1200,1100 --hide-scrollbars)
export HOME=$T
run timeout 120 "${CHROME[@]}" --dump-dom "file://$T/report.html"
expect_status 0 "chromium --dump-dom"
cp "$OUT" "$T/dom.html"
run timeout 120 "${CHROME[@]}" --screenshot="$T/shot.png" "file://$T/report.html"
expect_status 0 "chromium --screenshot"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ -s "$T/shot.png" ] || fail "no screenshot written"

# The DOM Chromium built: chart bars and table rows.
CHECK_COUNT=$((CHECK_COUNT + 1))
python3 - "$T/dom.html" <<'PY' || fail "chart or table missing from the DOM (see above)"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.in_svg = s.in_table = False; s.bars = []; s.rows = 0
        s.links = set(); s.anchors = set(); s.titles = []; s.in_title = False
    def handle_starttag(s, t, a):
        a = dict(a)
        if t == "svg" and a.get("id") == "chart": s.in_svg = True
        if t == "table" and a.get("id") == "requests": s.in_table = True
        if s.in_svg and t == "rect" and a.get("class") == "bar": s.bars.append(a)
        if s.in_svg and t == "title": s.in_title = True
        if s.in_table and t == "tr": s.rows += 1
        if s.in_table and t == "a": s.links.add(a.get("href"))
        if "id" in a and a["id"].startswith("req-"): s.anchors.add("#" + a["id"])
    def handle_endtag(s, t):
        if t == "svg": s.in_svg = False
        if t == "table": s.in_table = False
        if t == "title": s.in_title = False
    def handle_data(s, d):
        if s.in_title: s.titles.append(d)
p = P(); p.feed(open(sys.argv[1]).read())
want_bars = 10   # distinct (day, outcome) pairs in the rows
ok = True
if len(p.bars) != want_bars: print("bars:", len(p.bars), "want", want_bars); ok = False
if "2026-11-20 found: 2" not in p.titles: print("bar titles:", p.titles); ok = False
if p.rows != 13: print("table rows:", p.rows, "want 12 + header"); ok = False
if len(p.links) != 12 or not p.links <= p.anchors: print("links/anchors:", p.links, p.anchors); ok = False
sys.exit(0 if ok else 1)
PY

# The screenshot: decode the PNG (tests/lib/png.py, no imaging library)
# and count pixels of the chart's colours.
CHECK_COUNT=$((CHECK_COUNT + 1))
python3 - "$T/shot.png" <<'PY' || fail "the screenshot does not show the chart's colours"
import os, sys
sys.path.insert(0, os.environ["RESPONDER_SRC"] + "/tests/lib")
from png import png_count
green, red = png_count(sys.argv[1], (0x2e, 0x7d, 0x32)), png_count(sys.argv[1], (0xc6, 0x28, 0x28))
print("found-green pixels:", green, "unauthorized-red pixels:", red)
sys.exit(0 if green > 2000 and red > 300 else 1)
PY

finish
