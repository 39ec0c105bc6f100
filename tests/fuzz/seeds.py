#!/usr/bin/env python3
"""Assembles the seed corpus of every fuzz target (tests/fuzz/fuzz_*.c)
from the fixtures (tests/fixtures, store/samples, templates) and the
conformance data ($RESPONDER_CONFORMANCE, else ../shared/conformance), so
nothing of it is stored twice: run by scripts/fuzz before any fuzzing.

Usage: seeds.py OUTDIR [BUILD_DIR]
Writes OUTDIR/<target>/<sha1 of the seed> (emptied first) and prints how
many seeds each target got.  BUILD_DIR (default build-fuzz) holds
fuzz-tools/seed_sandbox_json, which writes fuzz_sandbox_json's seeds.
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONF = os.environ.get("RESPONDER_CONFORMANCE") or os.path.join(
    os.path.dirname(SRC), "shared", "conformance")
MAX_SEED = 64 * 1024  # bigger inputs only slow the fuzzer down


def read(path):
    with open(path, "rb") as f:
        return f.read()


def files(*patterns):
    out = []
    for p in patterns:
        out += sorted(glob.glob(os.path.join(SRC, p)))
    return out


def conf_files(pattern):
    return sorted(glob.glob(os.path.join(CONF, pattern)))


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Corpus:
    def __init__(self, outdir):
        self.outdir = outdir
        self.counts = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        if not data or len(data) > MAX_SEED:
            return
        d = os.path.join(self.outdir, target)
        os.makedirs(d, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(d, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def messages():
    return files("tests/fixtures/complaints/*.eml", "tests/fixtures/golden/*.eml",
                 "store/samples/complaints/*.eml") + conf_files("realworld/eml/*.eml")


def seed_complaint(c, msgs):
    for m in msgs:
        c.add("fuzz_complaint", read(m))


def seed_sandbox_json(c, msgs, build):
    tool = os.path.join(build, "fuzz-tools", "seed_sandbox_json")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([tool, tmp] + msgs, check=True, stdout=subprocess.DEVNULL)
        for p in sorted(glob.glob(os.path.join(tmp, "*.json"))):
            c.add("fuzz_sandbox_json", read(p))


def seed_forward(c):
    for p in files("tests/fixtures/forward/*.txt"):
        c.add("fuzz_forward", read(p))
    for p in conf_files("forwards/*_body*.txt"):
        body = read(p)
        subj = p.replace("_body", "_subject")
        subject = read(subj).split(b"\n")[0] if os.path.exists(subj) else b"Fwd: Invoice 1042"
        c.add("fuzz_forward", subject + b"\n" + body)
    for p in conf_files("forwards/*_subject*.txt"):
        c.add("fuzz_forward", read(p) + b"\n")
    for p in files("tests/fixtures/forward/dates.tsv"):
        for line in read(p).split(b"\n"):
            if line and not line.startswith(b"#"):
                c.add("fuzz_forward", b"Fwd: x\nDate: " + line.split(b"\t")[0] + b"\n")


def seed_postfix(c):
    for p in files("tests/fixtures/postfix/*.log"):
        for line in read(p).split(b"\n"):
            if line.strip():
                c.add("fuzz_postfix", line)


def seed_exim(c):
    for p in files("tests/fixtures/exim/mainlog*", "tests/fixtures/exim/*.log"):
        for line in read(p).split(b"\n"):
            if line.strip():
                c.add("fuzz_exim", line)


MX = ["gmail-smtp-in.l.google.com", "mx.example", "acme-example.mail.protection.outlook.com",
      "mx01.mail.icloud.com", "mta5.am0.yahoodns.net", "mx00.gmx.net", "[192.0.2.7]", ""]


def reason_cases():
    path = os.path.join(CONF, "smtp-reasons", "cases.jsonl")
    return jsonl(path) if os.path.exists(path) else []


def seed_reason(c, cases):
    for i, k in enumerate(cases):
        c.add("fuzz_reason", MX[i % len(MX)] + "\0" + (k.get("response") or ""))


def seed_compose(c, cases):
    # flags, mx, response, transcript, recipient, queue id, message-id,
    # stored subject, requester name, complaint message-id
    for i, k in enumerate(cases[:200]):
        resp = k.get("response") or ""
        to = (k.get("emails") or ["bob@northwind.example"])[0]
        if not isinstance(to, str):
            to = "bob@northwind.example"
        fields = [chr(0x41 + i % 4), MX[i % len(MX)], resp,
                  "<<< 220 mx ready\r\n>>> MAIL FROM:<billing@acme.example>\r\n<<< " + resp,
                  to, "4XbQ1m0vG7z%d" % i, "<inv-%d@acme.example>" % i,
                  "Invoice %d =?UTF-8?B?w7xiZXI=?=" % i, "Acme Billing",
                  "<c-%d@acme.example>" % i]
        c.add("fuzz_compose", "\0".join(fields))


def seed_text(c, msgs):
    for m in msgs[:120]:
        head = read(m).split(b"\r\n\r\n")[0].split(b"\n\n")[0]
        for line in head.split(b"\n"):
            if b"=?" in line or any(b >= 0x80 for b in line):
                c.add("fuzz_text", b"\x07\x40" + line)
    for p in conf_files("forwards/*.txt")[:60]:
        c.add("fuzz_text", b"\x05\x00" + read(p)[:1024])
    for flags in range(8):
        c.add("fuzz_text", bytes([flags, 64]) + "Rechnung für =?UTF-8?Q?M=C3=BCller?=".encode())


def seed_import_jsonl(c):
    for p in files("store/samples/records.jsonl", "tests/fixtures/fuzz/fuzz_import_jsonl/*") + \
            conf_files("realworld/records.jsonl"):
        data = read(p)
        c.add("fuzz_import_jsonl", data)
        lines = data.split(b"\n")
        for i in range(0, len(lines), 25):
            c.add("fuzz_import_jsonl", b"\n".join(lines[i:i + 25]))


def seed_mustache(c):
    for p in conf_files("mustache/*.json"):
        with open(p, encoding="utf-8") as f:
            spec = json.load(f)
        for t in spec.get("tests", []):
            partials = t.get("partials") or {}
            tmpl = t["template"]
            part = ""
            for name, text in partials.items():
                tmpl = tmpl.replace(">" + name, ">p").replace("> " + name, "> p")
                part = text
            c.add("fuzz_mustache",
                  tmpl + "\0" + part + "\0" + json.dumps(t.get("data"), ensure_ascii=False))
    data = {"requester": {"name": "Acme <Billing>", "address": "billing@acme.example"},
            "messages": [{"subject": "Invoice & co", "recipients": [{"address": "bob@x"}]}]}
    for p in files("templates/*.mustache"):
        c.add("fuzz_mustache", read(p) + b"\0{{name}}\0" + json.dumps(data).encode())


def imap_session(body, caps=b"IMAP4rev1 MOVE UIDPLUS IDLE", greeting=b"* OK ready\r\n",
                 search=b"4 5 9"):
    size = len(body)
    date = b'INTERNALDATE "07-Dec-2026 05:00:00 +0000"'
    chunks = [greeting,
              b"0* CAPABILITY " + caps + b" STARTTLS AUTH=XOAUTH2\r\n",
              b"0",
              b"0* CAPABILITY " + caps + b"\r\n",
              b"0", b"1[ALREADYEXISTS] exists",
              b"0* 3 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Deleted $Responded)\r\n"
              b"* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 10] ok\r\n",
              b"0* SEARCH " + search + b"\r\n",
              b"0* SEARCH\r\n",
              b"0* 1 FETCH (UID 4 RFC822.SIZE %d " % size + date + b")\r\n"
              b"* 2 FETCH (UID 5 RFC822.SIZE 99999 " + date + b")\r\n"
              b"* 3 FETCH (FLAGS (\\Seen))\r\n",
              b"0* 1 FETCH (UID 4 BODY[] {%d}\r\n" % size + body + b")\r\n",
              b"0", b"0* 2 EXPUNGE\r\n", b"0* BYE logging out\r\n"]
    return b"\0".join(chunks)


def seed_imap(c, msgs):
    small = [m for m in msgs if os.path.getsize(m) < 4000][:40]
    for m in small:
        c.add("fuzz_imap", imap_session(read(m)))
    body = b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"
    c.add("fuzz_imap", imap_session(body, caps=b"IMAP4rev1"))
    c.add("fuzz_imap", imap_session(body, greeting=b"* PREAUTH welcome\r\n"))
    c.add("fuzz_imap", imap_session(body, search=b"9 5 4 4"))
    c.add("fuzz_imap", imap_session(b"", search=b"4"))


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    outdir = sys.argv[1]
    build = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SRC, "build-fuzz")
    if not os.path.isdir(CONF):
        print("seeds.py: no conformance data at %s (RESPONDER_CONFORMANCE)" % CONF,
              file=sys.stderr)
        return 1
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    c = Corpus(outdir)
    msgs = messages()
    cases = reason_cases()
    seed_complaint(c, msgs)
    seed_sandbox_json(c, msgs, build)
    seed_forward(c)
    seed_postfix(c)
    seed_exim(c)
    seed_reason(c, cases)
    seed_compose(c, cases)
    seed_text(c, msgs)
    seed_import_jsonl(c)
    seed_mustache(c)
    seed_imap(c, msgs)
    for t in sorted(c.counts):
        print("%-20s %5d seeds" % (t, c.counts[t]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
