#!/usr/bin/env python3
"""fake_imap.py - a scripted, hostile IMAP server for the hostile-server tests.

    fake_imap.py --port-file F --state-dir D --scenario NAME [--hostile N] MSG...

Serves the messages MSG... (files, UIDs 1..n in order) in INBOX over plain
IMAP on 127.0.0.1 (a free port, written to F).  It speaks just enough IMAP
for the responder (CAPABILITY, LOGIN, CREATE, SELECT, UID SEARCH/FETCH/
STORE/MOVE, NOOP, LOGOUT; no IDLE, so the daemon polls), and misbehaves as
the scenario says on the first N connections (default: all of them); later
connections are served honestly, so a test can check that nothing was lost
or duplicated once the server behaves.  D/connections counts connections,
D/moved lists the UIDs moved to another folder, one a line.  With
--wait-file P the mailbox looks empty to SEARCH until P exists.

Scenarios (what a hostile or broken server does):
  normal          nothing
  literal_4g      BODY[] announced as a 4 GB literal
  literal_cut     BODY[] literal cut short: the connection closes inside it
  literal_lie     RFC822.SIZE says 200, the BODY[] literal is 256 MiB
  endless_line    the UID SEARCH answer is a line that never ends
  unsolicited     untagged FETCH/EXISTS and a tagged answer to a command
                  that was never sent, before the real answer
  uidvalidity     UIDVALIDITY changes between SELECT and FETCH (and stays
                  changed for the next session)
  many_exists     thousands of untagged EXISTS before each answer
  bye_fetch       BYE in the middle of a FETCH of bodies
  silent          accepts the connection and says nothing
  bye_after_select  LOGIN and SELECT succeed, then BYE and close
  garbage_after_select  LOGIN and SELECT succeed, then garbage
  search_desc     the first UID SEARCH for new mail answers 200 000 UIDs in
                  descending order (3 of them exist)
  search_no_keyword  UID SEARCH ignores [NOT] KEYWORD $Responded: the
                  search for new mail returns messages already answered and
                  the search for answered ones returns every message
  search_no_keyword_bye  the same, and BYE after each UID STORE, so the
                  next session starts with a full scan of the mailbox
Found by the fuzz_imap target (docs/fuzzing.md), each crashed the daemon:
  greeting_codes  a greeting with a response code libetpan's greeting
                  parser cannot take: * OK [PERMANENTFLAGS (\\Seen)]
  caps_none       no capability list at all before LOGIN: none in the
                  greeting, and CAPABILITY answered OK without one
  fetch_no        the first UID FETCH of bodies answered NO with no data
  permanentflags_bad  SELECT answers [PERMANENTFLAGS (")]: a first flag
                  that does not parse
  parse_no_text   SELECT answers * OK [PARSE] with nothing after the code
                  (libetpan copies the missing text: strdup of NULL)
"""
import argparse
import os
import re
import socket
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()


class Box:
    def __init__(self, files):
        self.msgs = {}  # uid -> bytes
        self.flags = {}  # uid -> set
        for i, f in enumerate(files, 1):
            with open(f, "rb") as fp:
                data = fp.read()
            self.msgs[i] = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            self.flags[i] = set()
        self.uidvalidity = 1000
        self.uidnext = len(files) + 1

    def uids(self):
        return sorted(self.msgs)

    def seq(self, uid):
        return self.uids().index(uid) + 1


def parse_set(text, maxuid):
    out = []
    for part in text.split(","):
        if ":" in part:
            a, b = part.split(":", 1)
            a = maxuid if a == "*" else int(a)
            b = maxuid if b == "*" else int(b)
            lo, hi = min(a, b), max(a, b)
            out.append((lo, hi))
        else:
            v = maxuid if part == "*" else int(part)
            out.append((v, v))
    return out


def in_set(uid, ranges):
    return any(lo <= uid <= hi for lo, hi in ranges)


class Handler(socketserver.StreamRequestHandler):
    timeout = 120

    def w(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.wfile.write(data)
        self.wfile.flush()

    def handle(self):
        srv = self.server
        with LOCK:
            srv.connections += 1
            n = srv.connections
            with open(os.path.join(srv.state_dir, "connections"), "w") as fp:
                fp.write("%d\n" % n)
        self.hostile = srv.hostile == 0 or n <= srv.hostile
        self.sc = srv.scenario if self.hostile else "normal"
        try:
            self.session()
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            pass

    def session(self):
        box = self.server.box
        if self.sc == "silent":
            # Accept, then say nothing until the client gives up.
            while self.rfile.readline():
                pass
            return
        if self.sc == "greeting_codes":
            self.w("* OK [PERMANENTFLAGS (\\Seen)] fake server ready\r\n")
        elif self.sc == "caps_none":
            self.w("* OK fake server ready\r\n")
        else:
            self.w("* OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] fake server ready\r\n")
        selected = logged_in = False
        while True:
            line = self.rfile.readline(4 * 1024 * 1024)
            if not line:
                return
            text = line.decode("latin-1").rstrip("\r\n")
            parts = text.split(" ")
            if len(parts) < 2:
                self.w("* BAD no tag\r\n")
                continue
            tag, cmd = parts[0], parts[1].upper()
            args = parts[2:]
            if cmd == "UID" and args:
                cmd = "UID " + args[0].upper()
                args = args[1:]
            if selected and self.sc == "bye_after_select":
                self.w("* BYE going away\r\n")
                return
            if selected and self.sc == "garbage_after_select":
                self.w(b"\x00\xff)(garbage {} ]]] \r\n%s OK\r\n" % tag.encode())
                return
            if self.sc == "many_exists":
                self.w("".join("* %d EXISTS\r\n" % (i + 1) for i in range(3000)))
            if cmd == "CAPABILITY" and self.sc == "caps_none" and not logged_in:
                self.w("%s OK done\r\n" % tag)
            elif cmd == "CAPABILITY":
                self.w("* CAPABILITY IMAP4rev1 MOVE UIDPLUS\r\n%s OK done\r\n" % tag)
            elif cmd == "LOGIN":
                logged_in = True
                self.w("%s OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] logged in\r\n" % tag)
            elif cmd == "CREATE":
                self.w("%s NO [ALREADYEXISTS] exists\r\n" % tag)
            elif cmd == "SELECT":
                selected = True
                with LOCK:
                    uv = box.uidvalidity
                    ex = len(box.msgs)
                self.w("* %d EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Deleted $Responded)\r\n"
                       "%s"
                       "* OK [PERMANENTFLAGS (\\Seen \\Deleted $Responded \\*)] ok\r\n"
                       "* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n"
                       "%s OK [READ-WRITE] selected\r\n"
                       % (ex, '* OK [PERMANENTFLAGS (")] bad\r\n'
                          if self.sc == "permanentflags_bad" else
                          "* OK [PARSE] \r\n" if self.sc == "parse_no_text" else "",
                          uv, box.uidnext, tag))
            elif cmd == "NOOP":
                self.w("%s OK noop\r\n" % tag)
            elif cmd == "LOGOUT":
                self.w("* BYE bye\r\n%s OK logout\r\n" % tag)
                return
            elif cmd == "UID SEARCH":
                self.search(tag, " ".join(args))
            elif cmd == "UID FETCH":
                if self.fetch(tag, args[0], " ".join(args[1:])) == "close":
                    return
            elif cmd == "UID STORE":
                self.store(tag, args[0], " ".join(args[1:]))
                if self.sc == "search_no_keyword_bye":
                    self.w("* BYE see you in the next session\r\n")
                    return
            elif cmd in ("UID MOVE", "UID COPY"):
                self.move(tag, args[0], cmd)
            elif cmd == "UID EXPUNGE":
                self.w("%s OK expunged\r\n" % tag)
            else:
                self.w("%s BAD unknown command\r\n" % tag)

    def search(self, tag, query):
        box = self.server.box
        if self.sc == "endless_line":
            self.w("* SEARCH")
            chunk = (" 1" * 32768).encode()
            while True:  # until the client hangs up
                self.w(chunk)
        want_marked = "NOT KEYWORD" not in query.upper() and "KEYWORD" in query.upper()
        any_flags = self.sc in ("search_no_keyword", "search_no_keyword_bye")
        if self.sc == "search_desc" and not want_marked and not self.server.searched_desc:
            self.server.searched_desc = True
            uids = " ".join(str(u) for u in range(200000, 0, -1))
            self.w("* SEARCH %s\r\n%s OK search done\r\n" % (uids, tag))
            return
        if self.server.wait_file and not os.path.exists(self.server.wait_file):
            self.w("* SEARCH\r\n%s OK nothing yet\r\n" % tag)
            return
        m = re.search(r"UID (\d+):\*", query)
        after = int(m.group(1)) - 1 if m else 0
        with LOCK:
            found = [u for u in box.uids()
                     if u > after
                     and (any_flags or ("$Responded" in box.flags[u]) == want_marked)
                     and "\\Deleted" not in box.flags[u]]
        if self.sc == "unsolicited":
            self.w("* 1 FETCH (FLAGS (\\Seen))\r\n* 77 EXISTS\r\nZZ99 OK never sent\r\n")
        self.w("* SEARCH%s\r\n%s OK search done\r\n"
               % ("".join(" %d" % u for u in found), tag))

    def fetch(self, tag, uidset, items):
        box = self.server.box
        with LOCK:
            maxuid = max(box.uids(), default=0)
            ranges = parse_set(uidset, maxuid)
            uids = [u for u in box.uids() if in_set(u, ranges)]
        body = "BODY.PEEK[]" in items.upper()
        if self.sc == "fetch_no" and body:
            with LOCK:
                first = not self.server.fetch_no_done
                self.server.fetch_no_done = True
            if first:
                self.w("%s NO no such message\r\n" % tag)
                return None
        if self.sc == "uidvalidity" and body:
            with LOCK:
                if box.uidvalidity == 1000:
                    box.uidvalidity = 2000
            self.w("* OK [UIDVALIDITY 2000] changed under you\r\n")
        if self.sc == "unsolicited":
            self.w("* 99 FETCH (UID 99 BODY[] {5}\r\nhello)\r\n")
        for u in uids:
            seq = box.seq(u)
            data = box.msgs[u]
            if not body:
                size = 200 if self.sc == "literal_lie" else len(data)
                self.w('* %d FETCH (UID %d RFC822.SIZE %d INTERNALDATE '
                       '"07-Dec-2026 05:00:00 +0000")\r\n' % (seq, u, size))
                continue
            if self.sc == "literal_4g":
                self.w("* %d FETCH (UID %d BODY[] {4294967290}\r\n" % (seq, u))
                self.w(data)
                time.sleep(0.5)
                return "close"
            if self.sc == "literal_cut":
                self.w("* %d FETCH (UID %d BODY[] {%d}\r\n" % (seq, u, len(data)))
                self.w(data[: len(data) // 2])
                return "close"
            if self.sc == "literal_lie":
                self.w("* %d FETCH (UID %d BODY[] {%d}\r\n" % (seq, u, 256 * 1024 * 1024))
                chunk = b"x" * 65536
                for _ in range(4096):
                    self.w(chunk)
                self.w(")\r\n%s OK fetched\r\n" % tag)
                return None
            if self.sc == "bye_fetch":
                self.w("* %d FETCH (UID %d BODY[] {%d}\r\n" % (seq, u, len(data)))
                self.w(data)
                self.w(")\r\n* BYE shutting down in the middle\r\n")
                return "close"
            self.w(b"* %d FETCH (UID %d BODY[] {%d}\r\n" % (seq, u, len(data)) + data + b")\r\n")
        self.w("%s OK fetch done\r\n" % tag)
        return None

    def store(self, tag, uidset, rest):
        box = self.server.box
        flags = re.findall(r"[\\$]?[A-Za-z]+", rest.split("(", 1)[-1])
        with LOCK:
            ranges = parse_set(uidset, max(box.uids(), default=0))
            for u in box.uids():
                if in_set(u, ranges):
                    box.flags[u].update(flags)
        self.w("%s OK stored\r\n" % tag)

    def move(self, tag, uidset, cmd):
        box = self.server.box
        with LOCK:
            ranges = parse_set(uidset, max(box.uids(), default=0))
            moved = [u for u in box.uids() if in_set(u, ranges)]
            if cmd == "UID MOVE":
                for u in moved:
                    del box.msgs[u]
                    del box.flags[u]
                with open(os.path.join(self.server.state_dir, "moved"), "a") as fp:
                    fp.write("".join("%d\n" % u for u in moved))
        self.w("%s OK moved\r\n" % tag)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--scenario", default="normal")
    ap.add_argument("--hostile", type=int, default=0,
                    help="misbehave on the first N connections (0: always)")
    ap.add_argument("--wait-file", default="",
                    help="the mailbox looks empty until this file exists")
    ap.add_argument("msgs", nargs="*")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.box = Box(a.msgs)
    srv.scenario = a.scenario
    srv.hostile = a.hostile
    srv.state_dir = a.state_dir
    srv.connections = 0
    srv.searched_desc = False
    srv.wait_file = a.wait_file
    srv.fetch_no_done = False
    with open(os.path.join(a.state_dir, "connections"), "w") as fp:
        fp.write("0\n")
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
