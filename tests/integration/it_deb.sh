#!/usr/bin/env bash
# The Debian package: built (prefix /usr) and packed with cpack -G DEB, its control data
# (Depends covers every shared library the binary needs), `dpkg -i`, the
# installed responder runs (--version, check-config on the shipped example
# config), the postinst made the user and directories, then `dpkg -P`
# leaves nothing behind.  Needs root; refuses to touch a machine where the
# package, /etc/responder or /var/lib/responder already exist (skip_or_fail:
# skipped here, failed under CI=true, whose machine is fresh).
set -u
. "$(dirname "$0")/../lib/check.sh"

need_root "dpkg -i"
# file: CPack's shlibdeps step runs it on every installed file.
need_tool cpack dpkg dpkg-deb dpkg-shlibdeps readelf file
PKG=transcript-responder
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
  skip_or_fail "$PKG is already installed here"
fi
for d in /etc/responder /var/lib/responder /usr/bin/responder; do
  [ -e "$d" ] && skip_or_fail "$d exists: not touching this machine"
done
had_user=0; getent passwd responder >/dev/null && had_user=1

T=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg -P "$PKG" >/dev/null 2>&1; fi
  if [ "$had_user" = 0 ] && getent passwd responder >/dev/null; then
    userdel responder >/dev/null 2>&1; groupdel responder >/dev/null 2>&1
  fi
  rm -rf "$T"
}
trap cleanup EXIT

# Built as a packager builds it: its own tree with the /usr prefix (the
# binary looks for its templates under the prefix it was configured with).
BUILD=$T/build
run cmake -S "$RESPONDER_SRC" -B "$BUILD" -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRESPONDER_TESTS=OFF
expect_status 0 "configure the package build"
run cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target responder
expect_status 0 "build the package's binary"
run cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg"
expect_status 0 "cpack -G DEB"
DEB=$(ls "$T"/pkg/"$PKG"_*.deb 2>/dev/null | head -1)
CHECK_COUNT=$((CHECK_COUNT + 1))
[ -n "$DEB" ] || { fail "no .deb built"; finish; exit 1; }

run dpkg-deb -f "$DEB" Package Architecture Depends Section
expect_out "Package: $PKG"
expect_out "Architecture: $(dpkg --print-architecture)"
expect_out "Section: mail"
depends=$(dpkg-deb -f "$DEB" Depends)
run dpkg-deb -c "$DEB"
for f in ./usr/bin/responder ./usr/libexec/responder/responder-parse \
         ./usr/lib/systemd/system/responder.service \
         ./usr/share/man/man8/responder.8 ./usr/share/man/man5/responder.conf.5 \
         ./usr/share/doc/responder/responder.conf.example; do
  expect_out "$f"
done

# Every NEEDED library of the packaged binaries comes from a package named
# in Depends (libc6 covers libc/libm; it is there too).
mkdir "$T/x" && dpkg-deb -x "$DEB" "$T/x"
LAST_CMD="checking Depends against readelf -d"; : > "$OUT"; : > "$ERR"
for lib in $(readelf -d "$T/x/usr/bin/responder" "$T/x/usr/libexec/responder/responder-parse" |
             sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
  [ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
  CHECK_COUNT=$((CHECK_COUNT + 1))
  case ", $depends," in
    *", $pkg "*|*", $pkg,"*) ;;
    *) fail "Depends ($depends) lacks $pkg, which provides $lib" ;;
  esac
done

run dpkg -i "$DEB"
expect_status 0 "dpkg -i"
[ "$STATUS" = 0 ] && installed=1

run /usr/bin/responder --version
expect_status 0 "installed responder --version"
expect_out "responder "
CHECK_COUNT=$((CHECK_COUNT + 1))
getent passwd responder >/dev/null || fail "postinst did not create the user 'responder'"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ "$(stat -c '%U %a' /var/lib/responder 2>/dev/null)" = "responder 750" ] || fail "/var/lib/responder"
CHECK_COUNT=$((CHECK_COUNT + 1))
[ -f /etc/responder/responder.conf ] || fail "no /etc/responder/responder.conf from the example"

# check-config on the example config as shipped: the only problem is the
# IMAP password file it names, which does not exist on a fresh install.
EX=/usr/share/doc/responder/responder.conf.example
run /usr/bin/responder -c "$EX" check-config
expect_status 78 "check-config on the shipped example"
expect_err "/etc/responder/imap.secret"
# ... and once that file is there (owner-only), it passes.
printf 'not-a-real-password\n' > "$T/imap.secret"; chmod 600 "$T/imap.secret"
sed -e "s|^password_file = .*|password_file = $T/imap.secret|" \
    -e "s|^path = .*|path = $T/store.db|" "$EX" > "$T/r.conf"
run /usr/bin/responder -c "$T/r.conf" check-config
expect_status 0 "check-config on the example with its secret in place"
expect_out "retention_days = 365"
expect_out "# ok: templates in /usr/share/responder/templates load"

run dpkg -P "$PKG"
expect_status 0 "dpkg -P"
[ "$STATUS" = 0 ] && installed=0
for gone in /usr/bin/responder /usr/lib/systemd/system/responder.service /etc/responder /var/lib/responder; do
  CHECK_COUNT=$((CHECK_COUNT + 1))
  [ ! -e "$gone" ] || fail "left behind after purge: $gone"
done

finish
