#!/usr/bin/env python3
"""fake_smtp.py - a scripted, hostile SMTP server for the hostile-server tests.

    fake_smtp.py --port-file F --state-dir D --scenario NAME [--hostile N]

Listens on 127.0.0.1 (a free port, written to F) and misbehaves as the
scenario says on the first N connections (default 2; 0: always), then
speaks plain, honest ESMTP.  Each message it accepts with 250 is written
to D/msg.K; D/connections counts connections.

Scenarios:
  normal      nothing
  garbage     replies that are not SMTP (no code, binary bytes)
  bigreply    a 1 MB multi-line reply to EHLO (16 000 lines of 250-)
  stall_data  after DATA's "." it never answers (the message is not
              taken: no 250 is ever sent)
"""
import argparse
import os
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def w(self, s):
        self.wfile.write(s.encode() if isinstance(s, str) else s)
        self.wfile.flush()

    def handle(self):
        srv = self.server
        with LOCK:
            srv.connections += 1
            n = srv.connections
            with open(os.path.join(srv.state_dir, "connections"), "w") as fp:
                fp.write("%d\n" % n)
        sc = srv.scenario if srv.hostile == 0 or n <= srv.hostile else "normal"
        try:
            self.session(sc)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def session(self, sc):
        if sc == "garbage":
            self.w(b"\x00\xff garbage \x1b[2J\r\nnot smtp at all\r\n")
        else:
            self.w("220 fake.example ESMTP\r\n")
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            cmd = line.decode("latin-1").strip().upper()
            if sc == "garbage":
                self.w(b"\xfe\xfd)( 9x9 what?\r\n")
                continue
            if cmd.startswith("EHLO") or cmd.startswith("HELO"):
                if sc == "bigreply":
                    self.w("".join("250-%s\r\n" % ("x" * 56) for _ in range(16000)))
                self.w("250-fake.example\r\n250 8BITMIME\r\n")
            elif cmd.startswith("MAIL") or cmd.startswith("RCPT") or cmd == "RSET" \
                    or cmd == "NOOP":
                self.w("250 ok\r\n")
            elif cmd == "DATA":
                self.w("354 go on\r\n")
                data = []
                while True:
                    d = self.rfile.readline(1 << 20)
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    data.append(d)
                if sc == "stall_data":
                    while self.rfile.readline():  # until the client gives up
                        pass
                    return
                with LOCK:
                    self.server.msgs += 1
                    k = self.server.msgs
                with open(os.path.join(self.server.state_dir, "msg.%d" % k), "wb") as fp:
                    fp.write(b"".join(data))
                self.w("250 2.0.0 queued as FAKE%d\r\n" % k)
            elif cmd == "QUIT":
                self.w("221 bye\r\n")
                return
            else:
                self.w("502 not here\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--scenario", default="normal")
    ap.add_argument("--hostile", type=int, default=2)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.scenario, srv.hostile, srv.state_dir = a.scenario, a.hostile, a.state_dir
    srv.connections = srv.msgs = 0
    with open(os.path.join(a.state_dir, "connections"), "w") as fp:
        fp.write("0\n")
    with open(a.port_file + ".tmp", "w") as fp:
        fp.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
