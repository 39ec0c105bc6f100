#!/usr/bin/env bash
# it_web_chromium: the admin console in a real browser.  `responder run`
# with [web] listen against a throwaway Dovecot and smtp-sink answers the
# six sample complaints; then headless Chromium (driven over the DevTools
# protocol, tests/lib/cdp.py) logs in, filters the request log by outcome,
# opens a request, sees the delivery transcript, presses "Resend" and
# confirms; the second reply arrives in the sink (the console woke the
# daemon).  Every page is screenshotted and the PNG checked for a rendered
# page (not blank), the DOM checked for the rows; the phone-sized view is
# checked for no sideways scrolling.  RESPONDER_UPDATE_SCREENSHOTS=1 copies
# the screenshots to docs/screenshots/ (the README shows them).
# backends: sqlite pg
set -euo pipefail
. "$RESPONDER_SRC/tests/lib/mailstack.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_or_fail "chromium is not installed (scripts/deps installs it)"
need_tool python3 openssl
ms_it_setup imaps
CPID=""
trap '[ -n "$CPID" ] && kill "$CPID" 2>/dev/null; ms_kill_daemon; ms_stop' EXIT

WPORT=$(proc_free_port 127.0.0.1)
CPORT=$(proc_free_port 127.0.0.1)
printf 'alice:%s:admin\nbob:%s:read\n' "$(openssl passwd -6 alicepw)" "$(openssl passwd -6 bobpw)" > "$MS_DIR/htpasswd"
chmod 600 "$MS_DIR/htpasswd"
sed -i "s|^\[store\]|[web]\nlisten = 127.0.0.1:$WPORT\nhtpasswd_file = $MS_DIR/htpasswd\n[store]|" "$CONF"

ms_deliver "$MS_USER" "$RESPONDER_SRC"/store/samples/complaints/*.eml
ms_run_daemon
proc_wait_port 127.0.0.1 "$WPORT" up || ms_fail "the console never listened"
ms_wait_until 60 ms_sink_has 4 || ms_fail "expected 4 replies, sink has $(ms_sink_count)"

mkdir -p "$MS_DIR/shots" "$MS_DIR/chrome"
HOME=$MS_DIR/chrome "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
	--disable-extensions --disable-sync --hide-scrollbars --user-data-dir="$MS_DIR/chrome" \
	--remote-debugging-address=127.0.0.1 --remote-debugging-port="$CPORT" about:blank \
	> "$MS_DIR/log/chromium.log" 2>&1 &
CPID=$!

python3 - "$CPORT" "http://127.0.0.1:$WPORT" "$MS_DIR/shots" > "$MS_DIR/facts.json" <<'PY' || ms_fail "the browser scenario failed (above)"
import json, sys
sys.path.insert(0, __import__("os").environ["RESPONDER_SRC"] + "/tests/lib")
from cdp import CDP
port, base, shots = sys.argv[1], sys.argv[2], sys.argv[3]
b = CDP(int(port))
b.viewport(1100, 900)
facts = {}

# Not logged in: the login form, with status 401 behind it.
b.navigate(base + "/requests", "document.querySelector('#login')")
b.screenshot(f"{shots}/login.png")
b.fill("input[name=user]", "alice")
b.fill("input[name=password]", "alicepw")
b.click("#login")
b.wait("location.pathname === '/requests' && document.querySelector('#requests')", "logged in")
facts["all_rows"] = b.eval("document.querySelectorAll('#requests tr.row').length")

# Filter by outcome through the form: the URL carries it.
b.eval("document.querySelector('select[name=outcome]').value = 'found'")
b.click("#apply")
b.wait("location.search.includes('outcome=found') && document.querySelector('#requests')", "filtered")
facts["filtered_url"] = b.eval("location.search")
facts["found_rows"] = b.eval("document.querySelectorAll('#requests tr.row').length")
facts["found_outcomes"] = b.eval("[...document.querySelectorAll('#requests tr.row td.o')].map(e => e.textContent)")
b.screenshot(f"{shots}/requests.png")
open(f"{shots}/requests.html", "w").write(b.dom())

# Open the first one: the decision, the candidates, the transcript.
facts["opened"] = b.eval("document.querySelector('#requests tr.row a').getAttribute('href')")
b.click("#requests tr.row a")
b.wait("location.pathname.startsWith('/request/') && document.querySelector('#outcome')", "request page")
facts["transcript"] = b.eval("(document.querySelector('pre.transcript') || {}).textContent || ''")
facts["candidates"] = b.eval("document.querySelectorAll('#candidates tr').length")
facts["reply_state"] = b.eval("document.querySelector('section.reply h3').textContent")
b.screenshot(f"{shots}/request.png")

# Resend: the confirmation page, then the POST.
b.click("#resend")
b.wait("document.querySelector('#confirm')", "confirmation page")
b.screenshot(f"{shots}/confirm.png")
b.click("#confirm")
b.wait("document.querySelector('#done')", "resend done")
facts["done"] = b.eval("document.querySelector('#done').textContent")
b.screenshot(f"{shots}/resent.png")

# The dashboard and the lookup page.
b.navigate(base + "/", "document.querySelector('#chart')")
facts["bars"] = b.eval("document.querySelectorAll('#chart rect.bar').length")
b.screenshot(f"{shots}/dashboard.png")
b.navigate(base + "/lookup?rcpt=bob%40northwind.example", "document.querySelector('#lookup')")
facts["lookup_rows"] = b.eval("document.querySelectorAll('table.attempts tr').length - document.querySelectorAll('table.attempts').length")
b.screenshot(f"{shots}/lookup.png")

# On a phone: nothing wider than the screen.
b.viewport(390, 844, mobile=True)
b.navigate(base + facts["opened"], "document.querySelector('#outcome')")
facts["phone_overflow"] = b.eval("document.documentElement.scrollWidth - window.innerWidth")
b.screenshot(f"{shots}/phone-request.png")
b.navigate(base + "/requests", "document.querySelector('#requests')")
facts["phone_overflow_list"] = b.eval("document.documentElement.scrollWidth - window.innerWidth")
facts["console_errors"] = b.eval("(window.__errors || []).length")
print(json.dumps(facts))
PY

F=$MS_DIR/facts.json
fact() { python3 -c 'import json,sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v) if not isinstance(v, (str, int)) else v)' "$F" "$1"; }
[ "$(fact all_rows)" = 6 ] || ms_fail "the log shows $(fact all_rows) rows, want 6"
[ "$(fact found_rows)" = 3 ] || ms_fail "filtered by found: $(fact found_rows) rows, want 3"
[ "$(fact found_outcomes)" = '["found", "found", "found"]' ] || ms_fail "filter let through: $(fact found_outcomes)"
case $(fact filtered_url) in *outcome=found*) ;; *) ms_fail "the filter is not in the URL" ;; esac
case $(fact transcript) in *"EHLO relay.example"*) ;; *) ms_fail "no transcript on the request page: $(fact transcript)" ;; esac
[ "$(fact candidates)" -ge 2 ] || ms_fail "no candidates table"
case $(fact done) in *"queued again"*) ;; *) ms_fail "resend said: $(fact done)" ;; esac
[ "$(fact bars)" -ge 1 ] || ms_fail "dashboard chart has no bars"
[ "$(fact lookup_rows)" -ge 1 ] || ms_fail "lookup found no attempt"
[ "$(fact phone_overflow)" -le 0 ] || ms_fail "request page scrolls sideways on a phone by $(fact phone_overflow) px"
[ "$(fact phone_overflow_list)" -le 0 ] || ms_fail "request log scrolls sideways on a phone by $(fact phone_overflow_list) px"

# The resend reached the sink: a fifth reply, the same message again.  The
# daemon was waiting in IDLE (re-issued every 25 minutes) when the console
# queued it; the reply is there within the deadline because the console
# woke the loop (signals_wake).
ms_wait_until 60 ms_sink_has 5 || ms_fail "the resent reply never arrived (sink has $(ms_sink_count))"
ID=$(fact opened); ID=${ID##*/}
[ "$(ms_sql "SELECT $(store_json detail admin,0,by) FROM requests WHERE id = $ID")" = alice ] ||
	ms_fail "resend not noted with who did it"
[ "$(ms_sql "SELECT count(*) FROM outbox WHERE request_id = $ID AND state = 'sent'")" = 2 ] ||
	ms_fail "request $ID does not have two sent replies"

# Every screenshot shows a rendered page.
python3 - "$MS_DIR"/shots/*.png <<'PY' || ms_fail "a blank screenshot (above)"
import os, sys
sys.path.insert(0, os.environ["RESPONDER_SRC"] + "/tests/lib")
from png import png_stats
ok = True
for p in sys.argv[1:]:
    w, h, ink, colours = png_stats(p)
    print(os.path.basename(p), f"{w}x{h}", "ink", ink, "colours", colours)
    if w < 300 or ink < 800 or colours < 8:
        print("  blank or nearly:", p); ok = False
sys.exit(0 if ok else 1)
PY
if [ "${RESPONDER_UPDATE_SCREENSHOTS:-}" = 1 ]; then
	mkdir -p "$RESPONDER_SRC/docs/screenshots"
	cp "$MS_DIR"/shots/*.png "$RESPONDER_SRC/docs/screenshots/"
	echo "screenshots copied to docs/screenshots/"
fi
echo "PASS: login, filter, request, transcript, resend (second reply in the sink), dashboard, lookup, phone"
