# need.sh - what a test does when something it needs is missing; sourced by
# check.sh and mailstack.sh, so every test script has it.
#   skip_or_fail WHY   prints WHY and exits 77 (ctest: skipped) on a
#                      developer's machine; under CI=true exits 1, since
#                      scripts/deps should have installed it and a skip
#                      would hide the broken step
#   need_tool NAME...  skip_or_fail unless each is on PATH (or in /usr/sbin,
#                      /sbin: a normal user's PATH may lack them)
#   need_root WHY      skip_or_fail unless running as root
# The C tests do the same with tu_skip_or_fail() (tests/unit/testutil.h).

skip_or_fail() {
	[ -n "${CHECK_DIR:-}" ] && rm -rf "$CHECK_DIR"
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true: a missing dependency is a failure): $*" >&2
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

need_tool() {
	local t
	for t in "$@"; do
		command -v "$t" > /dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || [ -x "/sbin/$t" ] ||
			skip_or_fail "$t is not installed (scripts/deps installs it)"
	done
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_or_fail "$* needs root"
}
