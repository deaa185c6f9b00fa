#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kube-proxy-metrics.py: kube-proxy's own HTTP port as a test double (/proxyMode, /metrics).

  kube-proxy-metrics.py --port 10249 --mode nftables --state STATE [--bind 127.0.0.1]

STATE says what /metrics reports, its timestamps made at each request from the clock:
  healthy   last sync 3 s ago, nothing queued since, 261 syncs of 0.12 s on average
  hung      a sync queued 95 s ago and not done, the last one 400 s ago, changes pending
  failures  synced 5 s ago, 2 iptables-restore failures and 1 partial one
  silent    accepts connections and never answers (a kube-proxy stuck in a sync)
The lines and names are those of kube-proxy 1.33 (pkg/proxy/metrics/metrics.go), with the
Go runtime's metrics around them as the real one serves. Writes "ready" to stdout once it
listens.
"""
import argparse
import http.server
import socket
import sys
import time

KP = "kubeproxy_sync_proxy_rules_"


def histogram(name, count, total):
    out = ["# HELP %s [ALPHA] SyncProxyRules latency in seconds" % name,
           "# TYPE %s histogram" % name]
    le = 0.001
    for _ in range(15):
        # Every sync took about the mean: they fall in the first bucket above it.
        out.append('%s_bucket{le="%g"} %d' % (name, le, count if le >= total / max(count, 1) else 0))
        le *= 2
    out.append('%s_bucket{le="+Inf"} %d' % (name, count))
    out.append("%s_sum %r" % (name, total))
    out.append("%s_count %d" % (name, count))
    return out


def metrics(state, now):
    lines = ["# HELP go_goroutines Number of goroutines that currently exist.",
             "# TYPE go_goroutines gauge", "go_goroutines 52"]
    if state == "hung":
        last, queued, count, total, ep, svc = now - 400, now - 95, 12, 9.2248, 37, 4
    elif state == "failures":
        last, queued, count, total, ep, svc = now - 5, now - 6, 40, 2.0, 0, 0
    else:
        last, queued, count, total, ep, svc = now - 3, now - 3.5, 261, 31.32, 0, 0
    lines += histogram(KP + "duration_seconds", count, total)
    lines += ["# TYPE %slast_timestamp_seconds gauge" % KP,
              "%slast_timestamp_seconds %.9e" % (KP, last),
              "# TYPE %slast_queued_timestamp_seconds gauge" % KP,
              "%slast_queued_timestamp_seconds %.9e" % (KP, queued),
              "%sendpoint_changes_pending %d" % (KP, ep),
              "%sservice_changes_pending %d" % (KP, svc),
              "%sendpoint_changes_total 812" % KP,
              "%sservice_changes_total 95" % KP,
              '%siptables_total{table="filter"} 9' % KP,
              '%siptables_total{table="nat"} 131' % KP,
              "%siptables_restore_failures_total %d" % (KP, 2 if state == "failures" else 0),
              "%siptables_partial_restore_failures_total %d" % (KP, 1 if state == "failures" else 0)]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=10249)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--mode", default="iptables")
    ap.add_argument("--state", default="healthy",
                    choices=["healthy", "hung", "failures", "silent"])
    a = ap.parse_args()

    if a.state == "silent":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.bind, a.port))
        s.listen(64)
        print("ready", flush=True)
        held = []
        while True:
            c, _ = s.accept()
            held.append(c)  # read nothing, answer nothing, close nothing

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path == "/proxyMode":
                body = a.mode.encode()
            elif self.path == "/metrics":
                body = metrics(a.state, time.time()).encode()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http.server.ThreadingHTTPServer.allow_reuse_address = True
    srv = http.server.ThreadingHTTPServer((a.bind, a.port), H)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
