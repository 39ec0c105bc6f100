#!/usr/bin/env bash
# responder classify: reason, provider and remote queue ID of one reply text,
# human and --json output, stdin, no config needed, usage errors (exit 64).
set -u
. "$(dirname "$0")/../lib/check.sh"

T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# classify must not need a config file: point at one that does not exist.
export RESPONDER_CONFIG="$T/does-not-exist.conf"
B="$RESPONDER_BIN"

run "$B" classify "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table"
expect_status 0 "postfix user unknown"
expect_out "reason: user_unknown"
expect_out "provider: -"
expect_out "remote queue id: -"

run "$B" classify --mx example-com.mail.protection.outlook.com \
  "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"
expect_status 0 "microsoft DBEB"
expect_out "reason: user_unknown"
expect_out "provider: microsoft (Microsoft 365 / Outlook.com)"

run "$B" classify "250 2.0.0 OK  1763630045 5b1f17b1804b1-47787e5e0f3si12345f8f.123 - gsmtp"
expect_status 0 "google receipt"
expect_out "reason: delivered"
expect_out "provider: google (Google Workspace / Gmail)"
expect_out "remote queue id: 5b1f17b1804b1-47787e5e0f3si12345f8f.123"

run "$B" classify --json --mx mx.example.org "250 2.0.0 Ok: queued as 4XbQ1m0vG7z1aa"
expect_status 0 "postfix receipt, json"
expect_out '{"reason":"delivered","provider":null,"provider_name":null,"remote_queue_id":"4XbQ1m0vG7z1aa"}'

run "$B" classify --json --mx ASPMX.L.GOOGLE.COM. "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy"
expect_status 0 "gmail dmarc, json"
expect_out '{"reason":"auth_failure","provider":"google","provider_name":"Google Workspace / Gmail","remote_queue_id":null}'

# stdin, with CR LF and a NUL byte in it
printf '451 4.7.1 <bob@example.org>: Recipient address rejected:\r\n Greylisted, see http://postgrey.schweikert.ch/help/example.org.html\0\r\n' > "$T/grey.txt"
run "$B" classify - < "$T/grey.txt"
expect_status 0 "greylisting from stdin"
expect_out "reason: greylisted"

run "$B" classify --status bounced "421 4.4.2 Connection timed out"
expect_status 0 "--status bounced"
expect_out "reason: network_error"
run "$B" classify --status delivered "550 5.1.1 no such user"
expect_out "reason: delivered"
run "$B" classify --status deferred "451 4.3.0 Temporary server error"
expect_out "reason: deferred"

# Every line of output is one of the contract names.
run "$B" classify --json "garbage $(printf '\001\002\033[31m') ###"
expect_status 0 "garbage text"
expect_out '"reason":"other"'

# A control character in a queue ID is not echoed.
run "$B" classify "$(printf '250 Ok: queued as AB\033[2JCD')"
expect_out "remote queue id: AB"
if grep -q "$(printf '\033')" "$OUT"; then fail "escape character echoed"; fi

# stdin over the 4 MiB cap: bad input data
head -c 5000000 /dev/zero | tr '\0' a > "$T/big.txt"
run "$B" classify - < "$T/big.txt"
expect_status 65 "stdin over the cap"
expect_err "more than"

# a text that starts with '-' goes after "--"
run "$B" classify -- "-ERR 550 5.1.1 user unknown"
expect_status 0 "text after --"
expect_out "reason: user_unknown"

# usage errors: one line on stderr, exit 64
run "$B" classify
expect_status 64 "no text"
expect_err "expects one reply TEXT"
run "$B" classify one two
expect_status 64 "two texts"
run "$B" classify --bogus x
expect_status 64 "unknown option"
expect_err "unknown option '--bogus'"
[ "$(wc -l < "$ERR")" = 1 ] || fail "usage error is not one line"
run "$B" classify --mx
expect_status 64 "--mx without value"
expect_err "needs a value"
run "$B" classify --status maybe x
expect_status 64 "bad status"
expect_err "--status must be"

finish
