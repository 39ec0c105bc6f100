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
#   bench_import_run FORMAT LOG DIR LINES
#                              `responder import --format FORMAT LOG` into a new
#                              store in DIR, its figures, and a re-import;
#                              the import's seconds in BENCH_SECS

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

bench_import_run() {
	local format=$1 log=$2 dir=$3 lines=$4 secs rss rc secs2 rss2 rc2
	echo "   $(wc -l < "$log") lines, $(($(stat -L -c %s "$log") / 1048576)) MiB"
	printf '[store]\npath = %s\n[import]\naccount_from = sasl_username\n' \
		"$dir/store.db" > "$dir/responder.conf"
	echo "== responder import --format $format (store written)"
	read -r secs rss rc < <(bench_measure "$BIN" -c "$dir/responder.conf" import \
		--format "$format" "$log" "$dir/import.out")
	cat "$dir/import.out"
	[ "$rc" = 0 ] || echo "   (exit status $rc)"
	bench_import_figures "$lines" "$secs" "$dir/store.db" "$rss"
	echo "== re-import of the same file (idempotent: nothing added)"
	read -r secs2 rss2 rc2 < <(bench_measure "$BIN" -c "$dir/responder.conf" import \
		--format "$format" "$log" "$dir/import2.out")
	cat "$dir/import2.out"
	[ "$rc2" = 0 ] || echo "   (exit status $rc2)"
	echo "   ${secs2} s, peak RSS $((rss2 / 1024)) MiB"
	BENCH_SECS=$secs
}
