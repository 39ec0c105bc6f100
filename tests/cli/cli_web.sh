#!/usr/bin/env bash
# `responder web`: the console's security, with curl against the real
# binary on a free loopback port.  No credentials -> 401; a wrong token ->
# 401; the read role reads but cannot POST (403); a POST without the CSRF
# token, or with a wrong one -> 403; <script> in a complaint's subject and
# in a stored transcript comes back as text; path traversal in download URLs
# is refused (400, nothing of /etc/passwd); filters in the URL; release
# from quarantine (web and CLI); resend and
# requeue as admin are noted with who did it; 5 failed logins block the
# address (429) for a minute (behind trust_proxy, the X-Forwarded-For
# client); a non-loopback address without TLS, a plaintext password
# file and no credentials at all are refused at start (78); with tls_cert
# and tls_key the console speaks HTTPS.
# backends: sqlite pg
set -u
. "$(dirname "$0")/../lib/check.sh"
. "$(dirname "$0")/../lib/proc.sh"
need_tool curl openssl sqlite3 python3

T=$(mktemp -d)
WPID=""
trap '[ -n "$WPID" ] && kill "$WPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
TOKEN=tok-0123456789abcdef-xyz
printf '%s\n' "$TOKEN" > "$T/token"; chmod 600 "$T/token"
printf 'alice:%s:admin\nbob:%s:read\n' "$(openssl passwd -6 alicepw)" "$(openssl passwd -6 bobpw)" > "$T/htpasswd"
chmod 600 "$T/htpasswd"
conf() { # extra [web] lines
	printf '[store]\n%s\n[templates]\ndir = %s/templates\n[web]\ntoken_file = %s/token\nhtpasswd_file = %s/htpasswd\n%s' \
		"$(store_conf "$T/s.db")" "$RESPONDER_SRC" "$T" "$T" "${1:-}" > "$T/r.conf"
}
q() { store_sql "$T/s.db" "$1"; }
conf
R=("$RESPONDER_BIN" -c "$T/r.conf")

# Records with a hostile transcript, and a complaint with a hostile subject.
cat > "$T/rec.jsonl" <<'J'
{"type":"account","account":"acme","addresses":["billing@acme.example"]}
{"type":"message","account":"acme","queue_id":"4XevIL0001","message_id":"<evil-1@acme.example>","from":"billing@acme.example","subject":"<script>alert('subj')</script> Invoice","submitted_at":"2026-11-20T09:14:02Z","recipients":["bob@northwind.example"]}
{"type":"attempt","queue_id":"4XevIL0001","recipient":"bob@northwind.example","at":"2026-11-20T09:14:03Z","status":"delivered","mx_host":"mx.northwind.example","smtp_code":250,"response":"250 ok <img src=x onerror=alert(1)>","transcript":"< 220 <script>alert('transcript')</script> ESMTP\n> EHLO relay.example\n< 250 ok"}
J
run "${R[@]}" import "$T/rec.jsonl"
expect_status 0 "import"
printf 'From: Acme Billing <billing@acme.example>\r\nTo: support@relay.example\r\nSubject: <script>alert("complaint")</script> never arrived\r\nDate: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <c-evil@acme.example>\r\nContent-Type: text/plain\r\n\r\nBob never got <evil-1@acme.example>.\r\n' > "$T/c.eml"
run "${R[@]}" process "$T/c.eml"
expect_status 0 "process"
ID=$(q "SELECT max(id) FROM requests")

start_web() {
	PORT=$(proc_free_port 127.0.0.1)
	"${R[@]}" web --listen "127.0.0.1:$PORT" "$@" 2> "$T/web.log" &
	WPID=$!
	proc_wait_port 127.0.0.1 "$PORT" up || { cat "$T/web.log"; fail "web did not start"; }
	U=${SCHEME:-http}://127.0.0.1:$PORT
}
stop_web() { # SIGTERM: a clean exit 0, nothing from the sanitizers
	local st=0
	kill "$WPID" 2> /dev/null
	wait "$WPID" 2> /dev/null || st=$?
	WPID=""
	CHECK_COUNT=$((CHECK_COUNT + 1))
	[ "$st" = 0 ] && ! grep -q 'Sanitizer' "$T/web.log" || fail "web exited $st: $(tail -20 "$T/web.log")"
}
code() { curl -s -k -o "$T/body" -w '%{http_code}' "$@"; }
check_code() { # WANT WHAT CURL-ARGS...
	local want=$1 what=$2 got
	shift 2
	CHECK_COUNT=$((CHECK_COUNT + 1))
	got=$(code "$@")
	[ "$got" = "$want" ] || fail "$what: HTTP $got, want $want ($(head -c 300 "$T/body"))"
}
body_has() { CHECK_COUNT=$((CHECK_COUNT + 1)); grep -qF -- "$1" "$T/body" || fail "$2: page lacks '$1'"; }
body_lacks() { CHECK_COUNT=$((CHECK_COUNT + 1)); ! grep -qF -- "$1" "$T/body" || fail "$2: page has '$1'"; }
BEARER=(-H "Authorization: Bearer $TOKEN")

start_web
# No credentials: 401 everywhere but the login form and the stylesheet.
for p in / /requests "/request/$ID" /lookup "/request/$ID/resend"; do
	check_code 401 "no token $p" "$U$p"
done
check_code 401 "POST without credentials" -X POST -d csrf=x "$U/request/$ID/resend"
check_code 200 "login form" "$U/login"
check_code 200 "stylesheet" "$U/style.css"
check_code 401 "wrong token" -H "Authorization: Bearer nope-nope-nope-nope" "$U/requests"
check_code 401 "wrong password" -u alice:wrong "$U/requests"
curl -s -D "$T/hdr" -o /dev/null "${BEARER[@]}" "$U/requests"
CHECK_COUNT=$((CHECK_COUNT + 1))
grep -qi "^Content-Security-Policy: default-src 'none'" "$T/hdr" || fail "no strict CSP: $(cat "$T/hdr")"

# Hostile text comes back as text.
check_code 200 "request page" "${BEARER[@]}" "$U/request/$ID"
body_has '&lt;script&gt;alert(&quot;complaint&quot;)&lt;/script&gt;' "subject escaped"
body_has '&lt;script&gt;alert(&#39;transcript&#39;)&lt;/script&gt;' "transcript escaped"
body_has '&lt;img src=x onerror=alert(1)&gt;' "SMTP answer escaped"
body_lacks '<script' "no raw script tag"
body_lacks '<img' "no raw img tag"
check_code 200 "lookup page" "${BEARER[@]}" "$U/lookup?queue=4XevIL0001"
body_has '&lt;script&gt;alert(&#39;subj&#39;)&lt;/script&gt;' "lookup: subject escaped"
body_lacks '<script' "lookup: no raw script tag"
check_code 200 "list, filtered in the URL" "${BEARER[@]}" "$U/requests?outcome=found&q=never+arrived"
body_has "href=\"/request/$ID\"" "list: the request"
check_code 200 "list, filtered out" "${BEARER[@]}" "$U/requests?outcome=ignored"
body_has 'id="empty"' "list: nothing ignored"

# Downloads: a transcript by number; traversal refused.
check_code 200 "transcript download" "${BEARER[@]}" "$U/transcript/4XevIL0001/1/1.txt"
body_has "< 220 <script>" "transcript download is the stored text"
curl -s -D "$T/hdr" -o /dev/null "${BEARER[@]}" "$U/transcript/4XevIL0001/1/1.txt"
CHECK_COUNT=$((CHECK_COUNT + 1))
grep -qi '^Content-Type: text/plain' "$T/hdr" && grep -qi '^Content-Disposition: attachment' "$T/hdr" ||
	fail "transcript not sent as a text attachment"
for p in "/transcript/..%2F..%2F..%2Fetc%2Fpasswd/1/1.txt" "/transcript/%2e%2e/1/1.txt" \
	"/request/$ID/reply/..%2F..%2Fetc%2Fpasswd" "/request/$ID/../../../../etc/passwd" \
	"/transcript/4XevIL0001/1/..%2F..%2Fetc%2Fpasswd" "/transcript/a.b/1/1.txt"; do
	CHECK_COUNT=$((CHECK_COUNT + 1))
	c=$(code --path-as-is "${BEARER[@]}" "$U$p")
	case $c in 400 | 404) ;; *) fail "traversal $p: HTTP $c" ;; esac
	body_lacks "root:" "traversal $p"
done

# The read role: reads, cannot repair (its session's CSRF token does not help).
check_code 200 "read role reads" -u bob:bobpw "$U/requests"
check_code 303 "bob logs in" -c "$T/bob.jar" -d "user=bob&password=bobpw" "$U/login"
code -b "$T/bob.jar" "$U/requests" > /dev/null
BOBCSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//; s/"$//')
CHECK_COUNT=$((CHECK_COUNT + 1))
[ -n "$BOBCSRF" ] || fail "no CSRF token on bob's page"
check_code 403 "read role POST" -b "$T/bob.jar" -d "csrf=$BOBCSRF" "$U/request/$ID/resend"
check_code 403 "read role confirm page" -b "$T/bob.jar" "$U/request/$ID/resend"
check_code 403 "read role POST (Basic)" -u bob:bobpw -d "csrf=$BOBCSRF" "$U/request/$ID/requeue"

# The admin: CSRF missing or wrong -> 403; right -> done, noted with who.
# After the login only a local path: no open redirect.
for next in "//evil.example/x" "/%09/evil.example" "/%5Cevil.example" "https://evil.example/"; do
	CHECK_COUNT=$((CHECK_COUNT + 1))
	loc=$(curl -s -o /dev/null -w '%{redirect_url}' -d "user=alice&password=alicepw&next=$next" "$U/login")
	[ "$loc" = "$U/" ] || fail "login with next=$next redirects to '$loc'"
done
check_code 303 "alice logs in" -c "$T/alice.jar" -d "user=alice&password=alicepw&next=/requests" "$U/login"
check_code 200 "resend confirmation" -b "$T/alice.jar" "$U/request/$ID/resend"
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$T/body" | head -1 | sed 's/.*value="//; s/"$//')
body_has 'id="confirm"' "confirmation button"
check_code 403 "POST without CSRF" -b "$T/alice.jar" -X POST "$U/request/$ID/resend"
case $CSRF in *0) WRONG=${CSRF%?}1 ;; *) WRONG=${CSRF%?}0 ;; esac
check_code 403 "POST with a wrong CSRF" -b "$T/alice.jar" -d "csrf=$WRONG" "$U/request/$ID/resend"
check_code 403 "POST with bob's CSRF" -b "$T/alice.jar" -d "csrf=$BOBCSRF" "$U/request/$ID/resend"
q "UPDATE outbox SET state = 'sent', sent_at = received_at FROM (SELECT received_at FROM requests WHERE id = $ID) AS r WHERE request_id = $ID"
check_code 200 "resend" -b "$T/alice.jar" -d "csrf=$CSRF" "$U/request/$ID/resend"
body_has 'id="done"' "resend done"
CHECK_COUNT=$((CHECK_COUNT + 2))
[ "$(q "SELECT count(*) FROM outbox WHERE request_id = $ID AND state = 'queued'")" = 1 ] || fail "no copy queued"
[ "$(q "SELECT $(store_json detail admin,0,by) || ' ' || $(store_json detail admin,0,action) FROM requests WHERE id = $ID")" = "alice resend" ] ||
	fail "resend not noted with who: $(q "SELECT detail FROM requests WHERE id = $ID")"
check_code 303 "requeue" "${BEARER[@]}" -d "csrf=$(curl -s "${BEARER[@]}" "$U/request/$ID/requeue" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//; s/"$//')" "$U/request/$ID/requeue"
NEW=$(q "SELECT max(id) FROM requests")
CHECK_COUNT=$((CHECK_COUNT + 2))
[ "$(q "SELECT requeue_of FROM requests WHERE id = $NEW")" = "$ID" ] || fail "requeue: no new request"
[ "$(q "SELECT $(store_json detail admin,1,by) || ' ' || $(store_json detail admin,1,request) FROM requests WHERE id = $ID")" = "token $NEW" ] ||
	fail "requeue not noted: $(q "SELECT detail FROM requests WHERE id = $ID")"

# Release from quarantine (a row as the daemon writes it for a complaint
# the pre-scan refused): the read role cannot, no CSRF -> 403, the admin's
# release marks it pending for the daemon and is noted with who; twice,
# or on a request that was not quarantined -> 409.  The CLI's `release`
# uses the same store function.
qrow() { q "INSERT INTO requests(complaint_key, source, received_at, decided_at, outcome, why) VALUES ('<q$1@x>:k', 'imap:INBOX:1:$1', 1, 1, 'error', 'refused before parsing: test'); SELECT max(id) FROM requests"; }
QID=$(qrow 9)
check_code 200 "quarantined request page" -b "$T/alice.jar" "$U/request/$QID"
body_has 'id="release"' "release offered"
check_code 403 "read role release POST" -b "$T/bob.jar" -d "csrf=$BOBCSRF" "$U/request/$QID/release"
check_code 403 "read role release confirm page" -b "$T/bob.jar" "$U/request/$QID/release"
check_code 200 "release confirmation" -b "$T/alice.jar" "$U/request/$QID/release"
body_has 'Yes, release it' "release confirmation"
check_code 403 "release without CSRF" -b "$T/alice.jar" -X POST "$U/request/$QID/release"
check_code 403 "release with a wrong CSRF" -b "$T/alice.jar" -d "csrf=$WRONG" "$U/request/$QID/release"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(q "SELECT count(*) FROM kv WHERE key = 'release:$QID'")" = 0 ] || fail "refused release was recorded"
check_code 200 "release" -b "$T/alice.jar" -d "csrf=$CSRF" "$U/request/$QID/release"
body_has 'id="done"' "release done"
CHECK_COUNT=$((CHECK_COUNT + 2))
[ "$(q "SELECT value FROM kv WHERE key = 'release:$QID'")" = pending ] || fail "release not marked pending"
[ "$(q "SELECT $(store_json detail admin,0,by) || ' ' || $(store_json detail admin,0,action) FROM requests WHERE id = $QID")" = "alice release" ] ||
	fail "release not noted with who: $(q "SELECT detail FROM requests WHERE id = $QID")"
check_code 200 "released request page" -b "$T/alice.jar" "$U/request/$QID"
body_has 'id="released"' "release state shown"
check_code 409 "release twice" -b "$T/alice.jar" -d "csrf=$CSRF" "$U/request/$QID/release"
body_has 'already released (pending)' "release twice"
check_code 409 "release a request that was not quarantined" -b "$T/alice.jar" -d "csrf=$CSRF" "$U/request/$ID/release"
run "${R[@]}" release "$QID"
expect_status 65 "cli release twice"
expect_err "already released"
Q2=$(qrow 10)
run "${R[@]}" release "$Q2"
expect_status 0 "cli release"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(q "SELECT value || ' ' || $(store_json detail admin,0,by) FROM kv, requests WHERE key = 'release:$Q2' AND id = $Q2")" = "pending cli:$(id -un)" ] ||
	fail "cli release not recorded with who"
run "${R[@]}" release 999999
expect_status 65 "cli release of no request"
check_code 303 "logout" -b "$T/alice.jar" -d "csrf=$CSRF" "$U/logout"
check_code 401 "session ended" -b "$T/alice.jar" "$U/requests"

# Login failures: the wrong token and the wrong password above were two;
# three more make five within a minute, and the next try is refused, even
# with the right password.
for i in 1 2 3; do check_code 401 "bad login $i" -d "user=alice&password=no$i" "$U/login"; done
check_code 429 "rate limited" -d "user=alice&password=alicepw" "$U/login"
check_code 429 "rate limited (header)" -u alice:alicepw "$U/requests"
stop_web

# Refused at start.
run "${R[@]}" web --listen "0.0.0.0:$(proc_free_port 127.0.0.1)"
expect_status 78 "non-loopback without TLS"
expect_err "is not a loopback address"
printf 'carol:secret:admin\n' > "$T/plain"; chmod 600 "$T/plain"
conf "htpasswd_file = $T/plain
"
sed -i "0,/^htpasswd_file = .*htpasswd$/{/^htpasswd_file = .*htpasswd$/d}" "$T/r.conf"
run "${R[@]}" web --listen "127.0.0.1:$(proc_free_port 127.0.0.1)"
expect_status 78 "plaintext password file"
expect_err "is not a crypt(3) hash"
printf '[store]\n%s\n' "$(store_conf "$T/s.db")" > "$T/r.conf"
run "${R[@]}" web --listen "127.0.0.1:$(proc_free_port 127.0.0.1)"
expect_status 78 "no credentials"
expect_err "no credentials"

# Behind a trusted proxy the limit is per X-Forwarded-For client.
conf "trust_proxy = yes
"
start_web
for i in 1 2 3 4 5; do
	check_code 401 "proxied bad login $i" -H "X-Forwarded-For: 10.9.9.9, 203.0.113.9" -d "user=alice&password=no$i" "$U/login"
done
check_code 429 "proxied client blocked" -H "X-Forwarded-For: 203.0.113.9" -d "user=alice&password=alicepw" "$U/login"
check_code 303 "another proxied client is not" -H "X-Forwarded-For: 203.0.113.10" -d "user=alice&password=alicepw" "$U/login"
stop_web

# HTTPS with a certificate and key.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=localhost > /dev/null 2>&1 || fail "openssl req"
conf "tls_cert = $T/cert.pem
tls_key = $T/key.pem
"
SCHEME=https start_web
check_code 401 "https, no token" "$U/requests"
check_code 200 "https, token" "${BEARER[@]}" "$U/requests"
curl -s -k -o /dev/null -D "$T/hdr" -d "token=$TOKEN" "$U/login"
CHECK_COUNT=$((CHECK_COUNT + 1))
grep -qi '^Set-Cookie: responder_session=.*; Secure' "$T/hdr" || fail "session cookie not Secure over TLS"
stop_web
finish
