# bench_import.sh - what the log-import benchmarks (scripts/bench.d/
# postfix_import.sh, exim_import.sh) share; source it.
#   bench_reuse NAME KEEP FILE  0 when KEEP holds a log kept by an earlier
#                              run and FILE now links to it, else 1
#   bench_measure CMD... OUT   runs CMD with stdout to OUT; prints
#                              "seconds peak_rss_kib exit_status"
#   bench_import_figures LINES SECS DB RSS_KIB
#                              lines/s, attempts/s, peak RSS, store size
#   bench_ratio NAME LINES OURS THEIRS THEIR_RSS_KIB
#                              the reference tool's figures and the ratio

bench_reuse() {
	[ -n "$2" ] && [ -s "$2" ] || return 1
	echo "== $1: reusing $2"
	ln -s "$(realpath "$2")" "$3"
}

bench_measure() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[-1], "w") as out:
    rc = subprocess.run(sys.argv[1:-1], stdout=out).returncode
el = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.2f %d %d" % (el, ru.ru_maxrss, rc))
PY
}

bench_import_figures() {
	local attempts messages
	attempts=$(sqlite3 "$3" "SELECT count(*) FROM attempts" 2>/dev/null || echo "?")
	messages=$(sqlite3 "$3" "SELECT count(*) FROM messages" 2>/dev/null || echo "?")
	python3 - "$1" "$2" "$attempts" "$messages" "$4" "$(stat -c %s "$3")" <<'PY'
import sys
lines, secs, att, msgs, rss, db = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
print("   %.1f s: %.0f lines/s, %s attempts/s (%s attempts, %s messages); peak RSS %.1f MiB; store %.0f MiB"
      % (secs, lines / secs, "%.0f" % (int(att) / secs) if att.isdigit() else "?", att, msgs,
         rss / 1024, db / 1048576))
PY
}

bench_ratio() {
	python3 - "$@" <<'PY'
import sys
name, lines, ours, theirs, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print("   %s %.1f s: %.0f lines/s; peak RSS %.1f MiB" % (name, theirs, lines / theirs, rss / 1024))
print("   ratio: responder import is %.2fx %s's speed (and writes the store)" % (theirs / ours, name))
PY
}
