#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""agent-double.py: stand-ins for `ipvstop --serve` agents on loopback addresses, for the
cluster view's test (ipvstop-cluster-test.sh): each ADDR answers GET /snapshot?summary=1 over
HTTPS as told, good or hostile. Python 3 standard library only.

  agent-double.py --cert C --key K --port P --token-file F --ready FILE ADDR=MODE[:FILE] ...

MODE: ok:FILE (serves FILE's bytes as the digest once the bearer token is the one in
--token-file, 401 otherwise), forbidden (403 with a Status), hang (TLS, reads the request,
never answers), tarpit (accepts TCP, never speaks TLS), garbage, truncated:FILE (half of FILE
with a Content-Length for all of it, then closes), huge (10 MiB without Content-Length).
--count-file FILE: the number of requests so far (all addresses), rewritten every 0.5 s.
The token is compared, never printed or logged.
"""
import argparse
import hmac
import os
import http.server
import socket
import socketserver
import ssl
import sys
import threading

STOP = threading.Event()
SERVED = [0]  # GET requests answered or held, every address together (--count-file)
SERVED_LOCK = threading.Lock()


def handler_for(mode, body, token):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: the test reads its own output
            pass

        def send(self, code, data, ctype="application/json", length=None):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data) if length is None else length))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            with SERVED_LOCK:
                SERVED[0] += 1
            if self.path != "/snapshot?summary=1":
                self.send(404, b"404 page not found\n", "text/plain")
                return
            auth = self.headers.get("Authorization", "")
            if mode == "ok":
                if not hmac.compare_digest(auth.encode(), b"Bearer " + token):
                    self.send(401, b'{"kind":"Status","message":"Unauthorized","code":401}')
                    return
                self.send(200, body)
            elif mode == "forbidden":
                self.send(403, b'{"kind":"Status","apiVersion":"v1","status":"Failure",'
                          b'"message":"user \\"viewer\\" cannot get nodes/ipvstop",'
                          b'"reason":"Forbidden","code":403}')
            elif mode == "hang":
                STOP.wait()
            elif mode == "garbage":
                self.send(200, b"<html><body>It works!</body></html>\n", "text/html")
            elif mode == "truncated":
                self.send(200, body[: len(body) // 2], length=len(body))
                self.wfile.flush()
                self.close_connection = True
            elif mode == "huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(b'{"schema":1,"kind":"ipvstop-digest","pad":"')
                    for _ in range(10 * 1024):
                        self.wfile.write(b"x" * 1024)
                except OSError:
                    pass  # the client gave up at its cap: that is the point
                self.close_connection = True

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def tarpit(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    held = []

    def loop():
        while not STOP.is_set():
            try:
                c, _ = s.accept()
                held.append(c)
            except OSError:
                return

    threading.Thread(target=loop, daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--count-file", help="the number of requests so far, rewritten every 0.5 s")
    ap.add_argument("agents", nargs="+")
    a = ap.parse_args()
    with open(a.token_file, "rb") as f:
        token = f.read().strip()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    for spec in a.agents:
        addr, _, rest = spec.partition("=")
        mode, _, path = rest.partition(":")
        if mode == "tarpit":
            tarpit(addr, a.port)
            continue
        body = b""
        if path:
            with open(path, "rb") as f:
                body = f.read()
        srv = Server((addr, a.port), handler_for(mode, body, token))
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    if a.count_file:
        def count():
            while not STOP.wait(0.5):
                with SERVED_LOCK:
                    n = SERVED[0]
                with open(a.count_file + ".tmp", "w") as f:
                    f.write("%d\n" % n)
                os.replace(a.count_file + ".tmp", a.count_file)
        threading.Thread(target=count, daemon=True).start()
    with open(a.ready, "w") as f:
        f.write("ready\n")
    try:
        STOP.wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
