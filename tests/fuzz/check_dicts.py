#!/usr/bin/env python3
"""check_dicts.py DIR - every tests/fuzz/dict/*.dict in libFuzzer's grammar.

libFuzzer reads a dictionary line by line: blank lines and lines starting
with '#' are skipped; every other line is an optional name, '=', and a
quoted string whose only escapes are \\\\, \\" and \\xHH.  Anything else
("\\r\\n" written the C way, say) stops the target at its start with
"ParseDictionaryFile: error in line N", so `scripts/fuzz` ran nothing.
The fuzz targets are built only with clang (scripts/fuzz); this test runs
in every build so that a broken dictionary fails scripts/test.
"""
import os
import re
import sys

ENTRY = re.compile(r'^\s*([A-Za-z0-9_]*\s*=\s*)?"(.*)"\s*$')


def check_value(v):
    """None when v is a valid quoted body, else what is wrong."""
    i = 0
    while i < len(v):
        c = v[i]
        if c == '"':
            return "an unescaped quote"
        if c == "\\":
            nxt = v[i + 1:i + 2]
            if nxt in ("\\", '"'):
                i += 2
                continue
            if nxt == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", v[i + 2:i + 4] or ""):
                i += 4
                continue
            return "escape \\%s (libFuzzer takes only \\\\, \\\" and \\xHH)" % nxt
        if not (" " <= c <= "~"):
            return "byte %r outside printable ASCII (write it as \\xHH)" % c
        i += 1
    return None


def main():
    d = sys.argv[1]
    bad = 0
    files = sorted(f for f in os.listdir(d) if f.endswith(".dict"))
    for f in files:
        with open(os.path.join(d, f), encoding="latin-1") as fp:
            for n, line in enumerate(fp, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                m = ENTRY.match(line)
                why = "not name=\"value\" or \"value\"" if m is None else check_value(m.group(2))
                if why:
                    print("%s:%d: %s: %s" % (f, n, why, line))
                    bad += 1
    print("%d dictionaries, %d bad lines" % (len(files), bad))
    return 1 if bad or not files else 0


if __name__ == "__main__":
    sys.exit(main())
