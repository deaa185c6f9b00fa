#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""agent-hostile.py: hostile clients against ipvstop --serve, each checked against a plain
client that must still be served meanwhile.

Usage: agent-hostile.py HOST PORT CHECK
  slowloris   12 TLS connections that send a header byte every 2 s: the agent must drop
              them (its connection time limit) while /healthz from another address answers
  bigheader   a 200 KiB header: refused (431 or closed), nothing else affected
  garbage     plain HTTP and random bytes on the TLS port, a bad request line over TLS:
              refused, nothing else affected
  flood       60 idle TLS connections from one address: the per-address limit keeps the
              port open to another address (127.0.0.2), which is still served
Prints one line per finding; exits 1 when a check failed.
"""
import os
import socket
import ssl
import sys
import threading
import time

HOST, PORT, CHECK = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
failed = False


def say(ok, what):
    global failed
    print(("ok: " if ok else "FAILED: ") + what, flush=True)
    if not ok:
        failed = True


def tls(source="127.0.0.1", timeout=10):
    raw = socket.create_connection((HOST, PORT), timeout=timeout, source_address=(source, 0))
    return CTX.wrap_socket(raw)


def get(path, source="127.0.0.2", timeout=5):
    """A plain client: the status line of GET path, or why not."""
    t0 = time.monotonic()
    try:
        s = tls(source, timeout)
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data.split(b"\r\n", 1)[0].decode(errors="replace"), time.monotonic() - t0
    except OSError as e:
        return "error: %s" % e, time.monotonic() - t0


def healthy(during):
    line, took = get("/healthz")
    say(line.startswith("HTTP/1.1 200") and took < 3,
        "/healthz from another address answered during %s: %r in %.2f s" % (during, line, took))


def slowloris():
    socks, closed = [], [None] * 12
    for _ in range(12):
        s = tls()
        s.sendall(b"GET /snapshot HTTP/1.1\r\n")
        socks.append(s)
    t0 = time.monotonic()

    def drip(i, s):
        try:
            while time.monotonic() - t0 < 30:
                s.sendall(b"X")
                time.sleep(2)
        except OSError:
            closed[i] = time.monotonic() - t0

    threads = [threading.Thread(target=drip, args=(i, s)) for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    time.sleep(1)
    healthy("a slowloris")
    for t in threads:
        t.join()
    done = [c for c in closed if c is not None]
    # A drip every 2 s keeps a plain idle timer alive: the agent must still bound the
    # request (its header memory and connection time), or say how long it held them.
    say(len(done) == 12, "slowloris connections dropped: %d of 12, after %s s" %
        (len(done), ", ".join("%.0f" % c for c in sorted(done)[:3]) or "-"))


def bigheader():
    s = tls()
    try:
        s.sendall(b"GET /snapshot HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (200 * 1024) +
                  b"\r\n\r\n")
        line = s.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        line = "closed (%s)" % e.__class__.__name__
    say(line.startswith("HTTP/1.1 431") or line.startswith("closed") or line == "",
        "a 200 KiB header refused: %r" % line)
    healthy("a huge header")


def garbage():
    raw = socket.create_connection((HOST, PORT), timeout=5)
    raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        data = raw.recv(100)
    except OSError:
        data = b""
    say(not data.startswith(b"HTTP/1.1 200"), "plain HTTP on the TLS port not served: %r" %
        data[:20])
    raw.close()
    raw = socket.create_connection((HOST, PORT), timeout=5)
    raw.sendall(os.urandom(4096))
    raw.close()
    s = tls()
    s.sendall(b"\x00\x01BREW /coffee HTCPCP/1.0\r\n\r\n")
    try:
        line = s.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError as e:
        line = "closed (%s)" % e.__class__.__name__
    say(not line.startswith("HTTP/1.1 200"), "a bad request line refused: %r" % line)
    healthy("garbage")


def flood():
    socks = []
    for _ in range(60):
        try:
            socks.append(tls(timeout=3))
        except OSError:
            break
    say(len(socks) <= 60, "idle connections opened from one address: %d" % len(socks))
    healthy("a flood from one address")
    for s in socks:
        s.close()


{"slowloris": slowloris, "bigheader": bigheader, "garbage": garbage, "flood": flood}[CHECK]()
sys.exit(1 if failed else 0)
