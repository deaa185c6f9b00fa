#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-big-recording.py: a schema 1 recording (JSON Lines) of a big table, for the dashboard's
# scale test and for measuring it: N virtual services with D real servers each, FRAMES
# records whose counters move so that the order by active connections changes between
# records. With --expect, prints instead what the last record's table is, one service a
# line, so that a test can compute exactly which rows a sort or a filter shows:
#   index address:port protocol scheduler n_dests active inactive cps
import json
import sys


def svc_addr(i):
    return "10.%d.%d.%d" % (100 + (i >> 16), (i >> 8) & 255, i & 255)


def dest_addr(i, j):
    k = i * 8 + j
    return "172.%d.%d.%d" % (16 + (k >> 16), (k >> 8) & 255, k & 255)


def active(i, j, t):
    # Spread, with ties (the kernel order breaks them), and moving with t.
    return (i * 7919 + j * 104729 + t * 15485863) % 997


def inactive(i, j, t):
    return (i * 31 + j + t) % 50


def service(i, d, t):
    dests = []
    for j in range(d):
        dests.append({
            "af": "inet", "address": dest_addr(i, j), "port": 8080,
            "forward": "masq", "weight": 0 if (i + j) % 11 == 0 else 1,
            "active_conns": active(i, j, t), "inactive_conns": inactive(i, j, t),
            "stats": {"conns": 10 * i + t}, "rates": {"cps": (i + j) % 5},
        })
    return {
        "af": "inet", "protocol": "udp" if i % 3 == 2 else "tcp", "address": svc_addr(i),
        "port": 80 + i % 7, "fwmark": 0, "scheduler": ["rr", "wlc", "sh", "mh"][i % 4],
        "flags": ["hashed"], "timeout": 0, "netmask_prefix": 32, "pe": "",
        "stats": {"conns": 100 * i + t}, "rates": {"cps": (i * 13 + t) % 101},
        "destinations": dests,
    }


def record(n, d, t):
    return {
        "schema": 1, "time": 1795000000 + 2 * t, "host": "big-node", "interval": None,
        "ipvs": {"available": True, "error": None, "source": "netlink", "version": "1.2.1",
                 "conn_tab_size": 4096, "timeouts": {"tcp": 900, "tcp_fin": 120, "udp": 300},
                 "daemons": [], "services": [service(i, d, t) for i in range(n)]},
        "modules": [{"name": "ip_vs", "state": "loaded"}, {"name": "ip_vs_rr", "state": "loaded"},
                    {"name": "ip_vs_wlc", "state": "loaded"},
                    {"name": "ip_vs_sh", "state": "loaded"},
                    {"name": "ip_vs_mh", "state": "loaded"},
                    {"name": "nf_conntrack", "state": "loaded"}],
        "sysctls": {"net.ipv4.vs.conntrack": 0},
    }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if len(args) > 0 else 20000
    d = int(args[1]) if len(args) > 1 else 5
    frames = int(args[2]) if len(args) > 2 else 2
    out = sys.stdout
    if "--expect" in sys.argv:
        t = frames - 1
        for i in range(n):
            act = sum(active(i, j, t) for j in range(d))
            ina = sum(inactive(i, j, t) for j in range(d))
            out.write("%d %s:%d %s %s %d %d %d %d\n" % (
                i, svc_addr(i), 80 + i % 7, "UDP" if i % 3 == 2 else "TCP",
                ["rr", "wlc", "sh", "mh"][i % 4], d, act, ina, (i * 13 + t) % 101))
        return
    for t in range(frames):
        out.write(json.dumps(record(n, d, t), separators=(",", ":")))
        out.write("\n")


main()
