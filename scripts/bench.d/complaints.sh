#!/usr/bin/env bash
# Complaint benchmark: 10 000 generated complaints of mixed shapes (attached
# message/rfc822, base64-encoded rfc822, nested, inline forwards, HTML-only,
# In-Reply-To only, robots, unknown account, garbage) through
# `responder process --dry-run --json` in ONE process (sandboxed parse,
# policy, match and compose each), then the same corpus through Python's
# stdlib email package (parse + walk every part) as the reference.
# Prints complaints/s and MB/s for both and the ratio.
# BENCH_COMPLAINTS overrides the count.
set -euo pipefail
: "${RESPONDER_BIN:?run through scripts/bench}"
src=${RESPONDER_SRC:-$(pwd)}
n=${BENCH_COMPLAINTS:-10000}
work=$(mktemp -d "${TMPDIR:-/tmp}/responder-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== complaints: process --dry-run --json vs Python email ($n files)"
printf '[responder]\naddress = support@relay.example\n[store]\npath = %s/store.db\n[templates]\ndir = %s/templates\n' \
  "$work" "$src" > "$work/r.conf"
"$RESPONDER_BIN" -c "$work/r.conf" import "$src/store/samples/records.jsonl" >/dev/null

python3 - "$work/c" "$n" <<'PY'
import base64, os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
rnd = random.Random(42)
ids = ["inv-1042", "inv-1043", "inv-1044", "quote-77", "nope-9"]
def head(frm, subj, extra=""):
    return (f"From: {frm}\nTo: support@relay.example\nSubject: {subj}\n"
            f"Date: Wed, 25 Nov 2026 10:00:00 +0000\nMessage-ID: <c{rnd.randrange(1<<40)}@acme.example>\n{extra}")
def original(mid):
    return (f"From: billing@acme.example\nTo: bob@northwind.example\nSubject: Invoice {mid}\n"
            f"Date: Sun, 22 Nov 2026 08:00:00 +0000\nMessage-ID: <{mid}@acme.example>\n\n"
            + "Invoice text line.\n" * rnd.randrange(5, 60))
def filler():
    return "Please check why the customer did not receive it.\n" * rnd.randrange(1, 40)
shapes = []
def attached(mid): return head("billing@acme.example", "Fwd: Invoice", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n") + f"\n--b\nContent-Type: text/plain\n\n{filler()}--b\nContent-Type: message/rfc822\n\n{original(mid)}--b--\n"
def attached_b64(mid): return head("billing@acme.example", "FW: Invoice", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n") + "\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(original(mid).encode()).decode() + "--b--\n"
def nested(mid): return head("billing@acme.example", "Fwd: complaint", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n") + "\n--o\nContent-Type: text/plain\n\nfwd\n--o\nContent-Type: message/rfc822\n\nFrom: bob@northwind.example\nTo: billing@acme.example\nSubject: where?\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=i\n\n--i\nContent-Type: text/plain\n\nnever got it\n--i\nContent-Type: message/rfc822\n\n" + original(mid) + "--i--\n--o--\n"
def inline(mid): return head("billing@acme.example", f"Fwd: Invoice {mid}", "Content-Type: text/plain; charset=UTF-8\n") + f"\n{filler()}\n---------- Forwarded message ---------\nFrom: Acme Billing <billing@acme.example>\nDate: Sun, Nov 22, 2026 at 8:00 AM\nSubject: Invoice {mid}\nTo: Bob <bob@northwind.example>\n\n\nInvoice.\n"
def html(mid): return head("sales@acme.example", "FW: Quote", "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n") + "\n<html><body><p>" + filler().replace("\n", "<br>") + "</p><div><b>From:</b> sales@acme.example</div><div><b>Sent:</b> Saturday, November 21, 2026 2:02 PM</div><div><b>To:</b> carol@fabrikam.example</div><div><b>Subject:</b> Quote for 40 pallets</div><p>quote</p></body></html>\n"
def refs(mid): return head("sales@acme.example", "Re: Quote", f"In-Reply-To: <{mid}@acme.example>\nReferences: <{mid}@acme.example>\n") + "\n" + filler()
def robot(mid): return head("billing@acme.example", "Out of office", "Auto-Submitted: auto-replied\n") + "\nI am away.\n"
def stranger(mid): return head("mallory@nowhere.example", "Invoice", f"In-Reply-To: <{mid}@acme.example>\n") + "\nshow me\n"
def garbage(mid): return head("billing@acme.example", "x", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=g\n") + "\n--g\nContent-Type: text/plain; charset=x-unknown\nContent-Transfer-Encoding: base64\n\n!!!@@@%%%\n--g\nContent-Type: message/rfc822\n\nFrom: broken <x@y\nSubject: =?utf-8?B?broken\n"
kinds = [attached]*3 + [attached_b64, nested, inline, inline, html, refs, robot, stranger, garbage]
for i in range(n):
    k = kinds[i % len(kinds)]
    open(f"{out}/{i:05d}.eml", "w").write(k(rnd.choice(ids)))
PY
bytes=$(du -sb "$work/c" | cut -f1)
files=("$work"/c/*.eml)

t0=$(date +%s%N)
"$RESPONDER_BIN" -c "$work/r.conf" process --dry-run --json "${files[@]}" > "$work/out.jsonl" 2>/dev/null || true
t1=$(date +%s%N)
lines=$(wc -l < "$work/out.jsonl")
python3 - "$work/out.jsonl" <<'PY'
import collections, json, sys
c = collections.Counter(json.loads(l)["outcome"] for l in open(sys.argv[1]))
print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
PY

t2=$(date +%s%N)
python3 - "$work/c" <<'PY'
import email, email.policy, os, sys
d = sys.argv[1]
parts = 0
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    for p in m.walk():
        parts += 1
        if p.get_content_maintype() == "text":
            try:
                p.get_content()
            except Exception:
                pass
print(f"  python email: {parts} parts walked")
PY
t3=$(date +%s%N)

python3 - "$n" "$lines" "$bytes" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
n, lines, size, t0, t1, t2, t3 = map(int, sys.argv[1:])
r = (t1 - t0) / 1e9
p = (t3 - t2) / 1e9
mb = size / 1e6
print(f"  corpus: {n} complaints, {mb:.1f} MB; responder printed {lines} JSON lines")
print(f"  responder process --dry-run --json: {r:.2f} s, {n/r:,.0f} complaints/s, {mb/r:.2f} MB/s "
      "(sandboxed parse + policy + match + compose each)")
print(f"  python3 email (parse + walk):        {p:.2f} s, {n/p:,.0f} complaints/s, {mb/p:.2f} MB/s")
print(f"  ratio responder/python: {p/r:.2f}x")
PY
