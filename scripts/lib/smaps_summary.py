#!/usr/bin/env python3
"""Where a process's resident memory is, from /proc/PID/smaps.

    scripts/lib/smaps_summary.py PID [TOP]

Prints the resident size (Rss) and proportional size (Pss) of each mapped
file (a library, the binary) and of the anonymous kinds ([heap], [stack],
other anonymous mappings), largest first, the TOP (15) largest and the rest
in one line, then the totals: file-backed and anonymous.  Used by
scripts/bench.d/daemon.sh (BENCH_SMAPS=1) after the RSS run.
"""
import sys


def read(pid):
    rows = {}
    name = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:
                path = head[5].strip() if len(head) > 5 else ""
                if path.startswith("/"):
                    name = path.rsplit("/", 1)[-1]
                elif path:
                    name = path
                else:
                    name = "[anonymous]"
                rows.setdefault(name, [0, 0, path.startswith("/")])
                continue
            if name is None:
                continue
            if head[0] == "Rss:":
                rows[name][0] += int(head[1])
            elif head[0] == "Pss:":
                rows[name][1] += int(head[1])
    return rows


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: smaps_summary.py PID [TOP]")
    pid = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    try:
        rows = read(pid)
    except OSError as e:
        sys.exit(f"smaps_summary.py: {pid}: {e.strerror}")
    order = sorted(rows.items(), key=lambda kv: -kv[1][0])
    mib = lambda k: k / 1024
    for name, (rss, pss, _) in order[:top]:
        print(f"    {name:<28} RSS {mib(rss):6.2f} MiB   PSS {mib(pss):6.2f} MiB")
    rest = order[top:]
    if rest:
        print(f"    {len(rest)} more{'':<21} RSS {mib(sum(r[1][0] for r in rest)):6.2f} MiB"
              f"   PSS {mib(sum(r[1][1] for r in rest)):6.2f} MiB")
    files = [v for v in rows.values() if v[2]]
    anon = [v for v in rows.values() if not v[2]]
    print(f"    files: RSS {mib(sum(v[0] for v in files)):.2f} MiB, PSS "
          f"{mib(sum(v[1] for v in files)):.2f} MiB; anonymous: RSS "
          f"{mib(sum(v[0] for v in anon)):.2f} MiB, PSS {mib(sum(v[1] for v in anon)):.2f} MiB")


if __name__ == "__main__":
    main()
