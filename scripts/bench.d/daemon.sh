#!/usr/bin/env bash
# Daemon benchmark (figures, never assertions), against a throwaway Dovecot
# and smtp-sink on loopback (tests/lib/mailstack.sh):
#   1. end to end: N complaints (BENCH_N, default 2000) APPENDed to the
#      mailbox, `responder once` until the sink holds N replies: complaints/s;
#   2. the floor: one UID FETCH of the same N messages plus N sends of a
#      fixed reply over one reused SMTP connection (tests/tools/ittool_floor.c),
#      and the ratio end-to-end time / floor time;
#   3. reply latency with IDLE: `responder run`, APPEND one complaint,
#      time until its reply is in the sink; p50/p95 over BENCH_LAT (100);
#   4. peak RSS (VmHWM) of `responder run` over BENCH_RSS_N (10000)
#      complaints; with BENCH_SMAPS=1 also where the daemon's and the parser
#      worker's resident memory is, mapping by mapping
#      (scripts/lib/smaps_summary.py).
# IMAP is plain loopback (tls = none) for the daemon and the floor alike,
# and Dovecot runs with mail_fsync = never, so the figures are the
# responder's own cost rather than TLS or the disk's.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
N=${BENCH_N:-2000}
LAT=${BENCH_LAT:-100}
RSS_N=${BENCH_RSS_N:-10000}
if [ -z "${RESPONDER_BIN:-}" ]; then
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRESPONDER_TESTS=OFF > /dev/null
	cmake --build build-bench -j "$(nproc)" > /dev/null
	RESPONDER_BIN=$SRC/build-bench/bin/responder
fi
export RESPONDER_SRC=$SRC RESPONDER_BIN

# The two small drivers are built here: scripts/bench builds without tests.
TOOLS=$(mktemp -d)
cc -O2 -o "$TOOLS/ittool_append" tests/tools/ittool_append.c $(pkg-config --cflags libetpan) -letpan
cc -O2 -o "$TOOLS/ittool_floor" tests/tools/ittool_floor.c $(pkg-config --cflags libetpan libcurl) -letpan -lcurl
export MS_APPEND_TOOL=$TOOLS/ittool_append

. tests/lib/mailstack.sh
export DOVECOT_EXTRA="mail_fsync = never"
ms_it_setup imap
trap 'ms_kill_daemon; ms_stop; rm -rf "$TOOLS"' EXIT
sed -i 's/^poll_interval = .*/poll_interval = 3600/' "$CONF"
# BENCH_SMTP_CONNECTIONS: [smtp] connections for the daemon (default 1,
# as the daemon's own default; the floor always sends over one).
[ -n "${BENCH_SMTP_CONNECTIONS:-}" ] &&
	sed -i "s/^\[smtp\]\$/[smtp]\nconnections = $BENCH_SMTP_CONNECTIONS/" "$CONF"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Complaints i..j into the files $MS_DIR/bench/c*.eml (printed).
make_complaints() {
	mkdir -p "$MS_DIR/bench"
	python3 - "$MS_DIR/bench" "$1" "$2" <<'PY'
import sys
d, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(a, b + 1):
    p = f"{d}/c{i}.eml"
    with open(p, "w", newline="") as f:
        f.write(f"From: Acme Billing <billing@acme.example>\r\nTo: support@relay.example\r\n"
                f"Subject: Fwd: Invoice 1042 ({i})\r\nDate: Sun, 29 Nov 2026 09:00:00 +0000\r\n"
                f"Message-ID: <bench{i}@acme.example>\r\nContent-Type: text/plain\r\n\r\n"
                f"Bob says he never got <inv-1042@acme.example> (complaint {i}).\r\n")
    print(p)
PY
}

echo "== daemon benchmark: $N complaints ($(nproc) CPUs)${BENCH_SMTP_CONNECTIONS:+, [smtp] connections = $BENCH_SMTP_CONNECTIONS}"
make_complaints 1 "$N" > "$MS_DIR/files.txt"
t0=$(now_ms)
xargs "$MS_APPEND_TOOL" 127.0.0.1 "$MS_IMAP_PORT" "$MS_USER" "$MS_PASS" INBOX < "$MS_DIR/files.txt"
echo "APPEND of $N complaints: $(( $(now_ms) - t0 )) ms"

t0=$(now_ms)
passes=0
while ! ms_sink_has "$N"; do
	# BENCH_WRAP: a profiler in front (docs/performance.md), e.g.
	# "perf record -g -o /tmp/once.data" or "strace -c -f -o /tmp/once.strace".
	${BENCH_WRAP:-} "${R[@]}" once 2>> "$MS_DIR/log/responder.log" || true
	passes=$((passes + 1))
	[ $passes -gt 20 ] && { echo "gave up: $(ms_sink_count) replies"; exit 1; }
done
e2e=$(( $(now_ms) - t0 ))
echo "end to end: $N complaints answered in $e2e ms ($passes pass(es) of 'once'): $(( N * 1000 / (e2e > 0 ? e2e : 1) )) complaints/s"

fetch_out=$("$TOOLS/ittool_floor" fetch 127.0.0.1 "$MS_IMAP_PORT" "$MS_USER" "$MS_PASS" Processed)
reply=$MS_DIR/reply.eml
first=$(find "$MS_SINK_DIR" -type f -name 'msg.*' -print -quit)
# The sink put its X-* lines and a Received: before the message and stored
# LF line ends: the fixed reply is the message alone, with CRLF.
python3 - "$first" "$reply" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
i = 0
while i < len(lines) and lines[i].startswith("X-"):
    i += 1
if i < len(lines) and lines[i].startswith("Received:"):
    i += 1
    while i < len(lines) and lines[i][:1] in (" ", "\t"):
        i += 1
open(sys.argv[2], "w", newline="").write("\r\n".join(lines[i:]))
PY
t0=$(now_ms)
send_out=$("$TOOLS/ittool_floor" send "smtp://127.0.0.1:$MS_SINK_PORT/relay.example" "$N" "$reply")
floor_send=$(( $(now_ms) - t0 ))
fetch_ms=$(echo "$fetch_out" | awk '{printf "%d", $(NF-1) * 1000}')
floor=$(( fetch_ms + floor_send ))
echo "floor: $fetch_out; $send_out ($(wc -c < "$reply") bytes each)"
echo "floor total: $floor ms ($(( N * 1000 / (floor > 0 ? floor : 1) )) complaints/s); end to end / floor = $(awk -v a="$e2e" -v b="$floor" 'BEGIN{printf "%.1f", a / (b > 0 ? b : 1)}')x"

# The cost of making the records and the sent marks durable (one fsync of
# the store's log per chunk and per batch of sends, docs/daemon.md): a
# second batch of a quarter of N under strace, counting only fsyncs.
if command -v strace > /dev/null && [ "${BENCH_FSYNC:-1}" = 1 ]; then
	N4=$(( N / 4 > 0 ? N / 4 : 1 ))
	make_complaints 300001 $((300000 + N4)) > "$MS_DIR/fsync.txt"
	xargs "$MS_APPEND_TOOL" 127.0.0.1 "$MS_IMAP_PORT" "$MS_USER" "$MS_PASS" INBOX < "$MS_DIR/fsync.txt"
	have=$(ms_sink_count)
	t0=$(now_ms)
	strace -f --seccomp-bpf -c -e trace=fsync,fdatasync -o "$MS_DIR/fsync.strace" "${R[@]}" once 2>> "$MS_DIR/log/responder.log" || true
	el=$(( $(now_ms) - t0 ))
	read -r calls secs < <(awk '$NF ~ /^f(data)?sync$/ {c += $4; s += $2} END {printf "%d %.3f\n", c, s}' "$MS_DIR/fsync.strace")
	echo "fsync cost: $N4 complaints ($(( $(ms_sink_count) - have )) replies) in $el ms under strace; $calls fsyncs taking $secs s in all ($(awk -v s="$secs" -v n="$N4" 'BEGIN{printf "%.3f", s * 1000 / n}') ms per complaint)"
fi

[ "$LAT" -gt 0 ] || LAT_SKIP=1
if [ -z "${LAT_SKIP:-}" ]; then
echo "== reply latency with IDLE (APPEND -> reply in the sink), $LAT complaints"
ms_run_daemon
ms_wait_until 30 grep -q 'Login: user=<testuser>' "$MS_DIR/log/dovecot.log"
sleep 1
make_complaints 100001 $((100000 + LAT)) > "$MS_DIR/lat.txt"
python3 - "$MS_DIR/lat.txt" "$MS_SINK_DIR" "$MS_APPEND_TOOL" "$MS_IMAP_PORT" "$MS_USER" "$MS_PASS" <<'PY'
import os, subprocess, sys, time
files, sink, tool, port, user, pw = sys.argv[1:7]
lat = []
for f in open(files).read().split():
    before = len(os.listdir(sink))
    subprocess.run([tool, "127.0.0.1", port, user, pw, "INBOX", f], check=True)
    t0 = time.monotonic()
    while len(os.listdir(sink)) <= before:
        if time.monotonic() - t0 > 60:
            sys.exit("no reply within 60 s")
        time.sleep(0.002)
    lat.append((time.monotonic() - t0) * 1000)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]
print(f"latency over {len(lat)}: p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, max {lat[-1]:.0f} ms")
PY
fi

[ "$RSS_N" -gt 0 ] || exit 0
echo "== RSS of 'responder run' (daemon + parser child) over $RSS_N complaints"
if [ -z "${RPID:-}" ]; then
	ms_run_daemon
	ms_wait_until 30 grep -q 'Login: user=<testuser>' "$MS_DIR/log/dovecot.log"
fi
have=$(ms_sink_count)
make_complaints 200001 $((200000 + RSS_N)) > "$MS_DIR/rss.txt"
xargs "$MS_APPEND_TOOL" 127.0.0.1 "$MS_IMAP_PORT" "$MS_USER" "$MS_PASS" INBOX < "$MS_DIR/rss.txt"
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Sampled once a second: the daemon's and its children's (the parser)
# resident size, to show it stays flat while the complaints go through.
t0=$(now_ms)
samples=""
child_peak=0
while ! ms_sink_has $((have + RSS_N)); do
	[ $(( $(now_ms) - t0 )) -lt 7200000 ] || { echo "(only $(( $(ms_sink_count) - have )) answered)"; break; }
	d=$(kb "$RPID" VmRSS)
	c=0
	for k in $(cat /proc/"$RPID"/task/*/children 2>/dev/null); do
		v=$(kb "$k" VmHWM); c=$((c + ${v:-0}))
	done
	[ "$c" -gt "$child_peak" ] && child_peak=$c
	samples="$samples $(( $(ms_sink_count) - have )):$((d / 1024))"
	sleep 1
done
el=$(( $(now_ms) - t0 ))
hwm=$(kb "$RPID" VmHWM)
after=$(kb "$RPID" VmRSS)
# PSS after the run: each page shared with another process (the libraries'
# pages, the parent's heap the forked parser still shares) counted in
# part, so daemon + child is not counted twice as the VmHWM sum is.
pss() { awk '$1 == "Pss:" {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
pss_d=$(pss "$RPID")
pss_c=0
for k in $(cat /proc/"$RPID"/task/*/children 2>/dev/null); do
	v=$(pss "$k"); pss_c=$((pss_c + ${v:-0}))
done
echo "$RSS_N answered in $el ms by 'run' ($(( RSS_N * 1000 / (el > 0 ? el : 1) )) complaints/s)"
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "daemon RSS: peak (VmHWM) $(mib "$hwm") MiB, after the run $(mib "$after") MiB; parser child peak $(mib "$child_peak") MiB; peak daemon + child $(mib $((hwm + child_peak))) MiB"
echo "PSS after the run (shared pages counted in part): daemon $(mib "$pss_d") MiB + parser child $(mib "$pss_c") MiB = $(mib $((pss_d + pss_c))) MiB"
if [ "${BENCH_SMAPS:-0}" = 1 ]; then
	echo "where the daemon's resident memory is (after the run):"
	python3 "$SRC/scripts/lib/smaps_summary.py" "$RPID"
	for k in $(cat /proc/"$RPID"/task/*/children 2>/dev/null); do
		echo "where the parser child's is:"
		python3 "$SRC/scripts/lib/smaps_summary.py" "$k" 10
	done
fi
echo "daemon RSS while running (replies:MiB):$(echo "$samples" | tr ' ' '\n' | awk 'NF' | awk -v n="$(echo "$samples" | wc -w)" 'n <= 8 || NR % int(n / 8 + 1) == 1' | tr '\n' ' ')"
ms_kill_daemon
