"""cdp.py - a small Chrome DevTools Protocol client for the browser tests
(tests/integration/it_web_chromium.sh): a WebSocket client (RFC 6455,
text frames, client masking) over the standard library, and the few page
operations the tests need: navigate, evaluate, wait for a condition, click,
screenshot.  Also png_stats(), which decodes a PNG (zlib + filters, no
imaging library) to tell a blank screenshot from a rendered page.

Written for these tests; it speaks only to a Chromium the test started on a
loopback port."""

import base64
import json
import os
import socket
import struct
import time
import urllib.request


class CDP:
    def __init__(self, port, timeout=60):
        self.timeout = timeout
        deadline = time.time() + timeout
        while True:
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5))
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("chromium's DevTools endpoint never listed a page")
            time.sleep(0.2)
        url = pages[0]["webSocketDebuggerUrl"]
        hostport, path = url[len("ws://"):].split("/", 1)
        host, p = hostport.split(":")
        self.sock = socket.create_connection((host, int(p)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket handshake")
            resp += chunk
        if b" 101 " not in resp.split(b"\r\n", 1)[0]:
            raise RuntimeError("WebSocket handshake refused: " + resp.split(b"\r\n", 1)[0].decode())
        self.buf = resp.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, text):
        data = text.encode()
        head = bytes([0x81])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _recv_message(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            op = b0 & 0x0F
            if op == 8:
                raise RuntimeError("DevTools closed the WebSocket")
            if op in (9, 10):  # ping, pong: not expected from DevTools
                continue
            parts.append(payload)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self._send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = self._recv_message()
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate {expr!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, what):
        """Polls expr (JavaScript) until it is true; a deadline so a broken
        test fails instead of hanging, not a timing check."""
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            try:
                if self.eval(f"document.readyState === 'complete' && !!({expr})"):
                    return
            except RuntimeError:
                pass  # the page was navigating
            time.sleep(0.1)
        raise RuntimeError(f"never happened: {what} ({expr}); at {self.eval('location.href')}")

    def navigate(self, url, expr="true"):
        self.call("Page.navigate", url=url)
        self.wait(f"location.href === {json.dumps(url)} && ({expr})", f"load {url}")

    def click(self, selector):
        if not self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                         f" if (!e) return false; e.click(); return true; }})()"):
            raise RuntimeError(f"nothing to click at {selector} on {self.eval('location.href')}")

    def fill(self, selector, value):
        if not self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                         f" if (!e) return false; e.value = {json.dumps(value)}; return true; }})()"):
            raise RuntimeError(f"no field {selector} on {self.eval('location.href')}")

    def viewport(self, width, height, mobile=False):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def dom(self):
        return self.eval("document.documentElement.outerHTML")
