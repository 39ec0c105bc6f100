#!/usr/bin/env python3
"""Summarises a `perf record --call-graph dwarf` profile of the responder.

perf_summary.py PERF.DATA RESPONDER_BINARY [TOP]
PERF_FOCUS=function perf_summary.py ...   (also: that function's callees)

Prints, per function, the share of samples in which it is on the stack
(inclusive) and at the top (self), and with PERF_FOCUS the split of one
function's samples among the functions it calls.  The responder's own
addresses are resolved with addr2line: perf 6.1 (Debian 12) cannot read
the binaries this toolchain writes ("... not found, continuing without
symbols") and would show them as bare offsets.  Libraries keep perf's
names.  docs/performance.md says how the profiles there were taken.
"""
import collections
import os
import re
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().split("\n\n")[1])
    data, binpath = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"],
                         capture_output=True, text=True, check=True).stdout
    frame = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")
    samples, cur = [], None
    for line in out.split("\n"):
        if not line.strip():
            if cur:
                samples.append(cur)
            cur = None
        elif not line.startswith((" ", "\t")):
            cur = [line.strip()]
        elif cur is not None:
            m = frame.match(line)
            if m:
                cur.append((int(m.group(1), 16), m.group(2), m.group(3)))
    if cur:
        samples.append(cur)
    if not samples:
        sys.exit("no samples")
    own = os.path.basename(binpath)
    addrs = sorted({ip for s in samples for (ip, _, dso) in s[1:]
                    if os.path.basename(dso) == own})
    names = {}
    if addrs:
        r = subprocess.run(["addr2line", "-f", "-e", binpath] + [hex(a) for a in addrs],
                           capture_output=True, text=True).stdout.split("\n")
        names = {a: r[2 * i] for i, a in enumerate(addrs)}

    def name(ip, sym, dso):
        if os.path.basename(dso) == own:
            n = names.get(ip, "??")
            return n if n != "??" else own + ":" + hex(ip)
        base = os.path.basename(dso)
        if sym.startswith(("[unknown]", "0x")):
            return base + ":?"
        return re.sub(r"\+0x[0-9a-f]+$", "", sym) + (" [k]" if "kernel" in base else "")

    stacks = [[name(*f) for f in s[1:]] for s in samples]
    n = len(stacks)
    self_c, incl = collections.Counter(), collections.Counter()
    for fr in stacks:
        if fr:
            self_c[fr[0]] += 1
            incl.update(set(fr))
    print(f"{n} samples")
    print("-- inclusive")
    for k, v in incl.most_common(top):
        print(f"{v * 100 / n:6.1f}%  {k}")
    print("-- self")
    for k, v in self_c.most_common(max(top // 2, 1)):
        print(f"{v * 100 / n:6.1f}%  {k}")
    focus = os.environ.get("PERF_FOCUS")
    if focus:
        ch, tot = collections.Counter(), 0
        for fr in stacks:
            if focus in fr:
                tot += 1
                i = fr.index(focus)
                ch[fr[i - 1] if i > 0 else "(self)"] += 1
        print(f"-- callees of {focus} ({tot * 100 / n:.1f}% in all)")
        for k, v in ch.most_common(25):
            print(f"{v * 100 / n:6.1f}%  {k}")


if __name__ == "__main__":
    main()
