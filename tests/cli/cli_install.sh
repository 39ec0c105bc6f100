#!/usr/bin/env bash
# `cmake --install` of this build tree into a temporary prefix: the tree's
# contents, the installed binary runs, both man pages render without
# warnings (man -l), the systemd unit passes `systemd-analyze verify` (when
# available; always under CI=true) and carries the hardening, and the example config names every
# key the binary knows and is checked as expected.
set -u
. "$(dirname "$0")/../lib/check.sh"
need_tool cmake man

BUILD=$(cd "$(dirname "$RESPONDER_BIN")/.." && pwd)
[ -f "$BUILD/cmake_install.cmake" ] || skip_or_fail "no build tree at $BUILD"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
P=$T/prefix

run cmake --install "$BUILD" --prefix "$P"
expect_status 0 "cmake --install"

for f in bin/responder libexec/responder/responder-parse \
         share/doc/responder/responder.conf.example share/man/man8/responder.8 \
         share/man/man5/responder.conf.5 lib/systemd/system/responder.service; do
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ -f "$P/$f" ] || fail "not installed: $f"
done
CHECK_COUNT=$((CHECK_COUNT + 1))
[ -x "$P/bin/responder" ] || fail "bin/responder is not executable"
if [ -d "$RESPONDER_SRC/templates" ]; then
  CHECK_COUNT=$((CHECK_COUNT + 1))
  n_src=$(find "$RESPONDER_SRC/templates" -name '*.mustache' | wc -l)
  n_inst=$(find "$P/share/responder/templates" -name '*.mustache' 2>/dev/null | wc -l)
  [ "$n_src" -gt 0 ] && [ "$n_src" = "$n_inst" ] || fail "templates: $n_inst installed of $n_src"
fi

run "$P/bin/responder" --version
expect_status 0 "installed binary runs"
expect_out "responder "

# The installed binary finds its parser program in ../libexec/responder
# (whatever the prefix), parses a complaint there, and says where it
# looked when the program is missing.
printf '[responder]\naddress = support@relay.example\n[store]\npath = %s/s.db\n[templates]\ndir = %s\n' \
  "$T" "$P/share/responder/templates" > "$T/r.conf"
run env -u RESPONDER_PARSER "$P/bin/responder" -c "$T/r.conf" process --dry-run --json \
  "$RESPONDER_FIXTURES/complaints/attached.eml"
expect_status 0 "installed binary parses with its installed parser program"
expect_out '"requester":"billing@acme.example"'
mv "$P/libexec/responder/responder-parse" "$T/moved"
run env -u RESPONDER_PARSER "$P/bin/responder" -c "$T/r.conf" process --dry-run \
  "$RESPONDER_FIXTURES/complaints/attached.eml"
expect_status 78 "installed binary without its parser program"
expect_err "parser program responder-parse not found in $P/bin"
mv "$T/moved" "$P/libexec/responder/responder-parse"

# ---- man pages --------------------------------------------------------------
for page in share/man/man8/responder.8 share/man/man5/responder.conf.5; do
  run env MANWIDTH=80 man --warnings -l "$P/$page"
  expect_status 0 "man -l $page"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ ! -s "$ERR" ] || fail "man -l $page: warnings"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ "$(wc -l < "$OUT")" -gt 50 ] || fail "man -l $page: too short"
done
run env MANWIDTH=80 man -l "$P/share/man/man8/responder.8"
expect_out "log show ID"
expect_out "EXIT STATUS"
run env MANWIDTH=80 man -l "$P/share/man/man5/responder.conf.5"
expect_out "retention_days"
# every key of the config is documented in responder.conf(5)
"$P/bin/responder" -c /dev/null check-config 2>/dev/null | grep -E '^[a-z_]+ = ' | cut -d' ' -f1 \
  | sort -u > "$T/keys"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(wc -l < "$T/keys")" -gt 30 ] || fail "could not list the config keys ($(wc -l < "$T/keys"))"
sed -n 's/^\.B //p' "$P/share/man/man5/responder.conf.5" | sed 's/\\-/-/g' > "$T/documented"
LAST_CMD="comparing config keys"; : > "$OUT"; : > "$ERR"
while read -r k; do
  CHECK_COUNT=$((CHECK_COUNT + 1))
  grep -qx -- "$k" "$T/documented" || fail "responder.conf(5) does not document '$k'"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  grep -qE "^$k =( |\$)" "$P/share/doc/responder/responder.conf.example" \
    || fail "responder.conf.example lacks '$k'"
done < "$T/keys"

# ---- the unit ---------------------------------------------------------------
U=$P/lib/systemd/system/responder.service
expect_unit() {
  CHECK_COUNT=$((CHECK_COUNT + 1))
  grep -qx -- "$1" "$U" || fail "unit lacks: $1"
}
expect_unit "Type=notify"
expect_unit "ExecStart=$P/bin/responder -c /etc/responder/responder.conf run"
expect_unit "ExecReload=/bin/kill -HUP \$MAINPID"
expect_unit "WatchdogSec=120s"
expect_unit "User=responder"
expect_unit "NoNewPrivileges=yes"
expect_unit "ProtectSystem=strict"
expect_unit "ReadWritePaths=/var/lib/responder"
expect_unit "PrivateTmp=yes"
expect_unit "ProtectHome=yes"
expect_unit "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"
expect_unit "SystemCallFilter=@system-service"
expect_unit "CapabilityBoundingSet="
if command -v systemd-analyze >/dev/null; then
  # Documentation= names man pages: let man find the installed ones.
  run env MANPATH="$P/share/man" systemd-analyze verify "$U"
  expect_status 0 "systemd-analyze verify"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ ! -s "$ERR" ] || fail "systemd-analyze verify: warnings"
  # and it does catch a broken unit (so the check above means something)
  sed 's/^Type=notify$/Type=notifyy/' "$U" > "$T/responder.service"
  run env MANPATH="$P/share/man" systemd-analyze verify "$T/responder.service"
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ -s "$ERR" ] || fail "systemd-analyze verify did not notice a bad Type="
else
  [ "${CI:-}" != true ] || fail "CI=true: systemd-analyze missing (scripts/deps installs systemd)"
  echo "note: systemd-analyze not available; unit not verified"
fi

# ---- the example config -----------------------------------------------------
EX=$P/share/doc/responder/responder.conf.example
run "$P/bin/responder" -c "$EX" check-config
expect_status 78 "example config as shipped: the secret file does not exist here"
expect_err "/etc/responder/imap.secret"
printf 'secret\n' > "$T/imap.secret"; chmod 600 "$T/imap.secret"
sed -e "s|^password_file = /etc/responder/imap.secret|password_file = $T/imap.secret|" \
    -e "s|^path = /var/lib/responder/store.db|path = $T/store.db|" "$EX" > "$T/r.conf"
run "$P/bin/responder" -c "$T/r.conf" check-config
expect_status 0 "example config with a readable secret"
expect_out "[imap]"
chmod 644 "$T/imap.secret"
run "$P/bin/responder" -c "$T/r.conf" check-config
expect_status 78 "secret readable by others"

finish
