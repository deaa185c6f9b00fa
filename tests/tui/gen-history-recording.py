#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-history-recording.py: a recording (JSON Lines, schema 1) whose rates move in known
# steps and a known ramp, with known events, for the history tests (sparklines, the graph
# pane, --plot). One virtual service tcp 10.96.0.1:80 with real servers 10.244.0.1-2
# (10.244.0.3 joins later) and a quiet second service, RECORDS records SPACING seconds apart:
#   connections/s of the service: 10 for the first third, 50 for the second, 25 after;
#   bytes/s in: a ramp, 1024 * record (multiples of the history's step: exact);
#   record ZERO (half-way): 10.244.0.2's weight set to 0;
#   record ADD (three quarters): 10.244.0.3 added; record SCHED (five sixths): rr -> wlc.
# The expected shapes are computed from the same numbers by the tests (STEPS below).
import json
import sys

T0 = 1795000000
RECORDS = int(sys.argv[1]) if len(sys.argv) > 1 else 61
SPACING = int(sys.argv[2]) if len(sys.argv) > 2 else 10
ZERO, ADD, SCHED = RECORDS // 2, RECORDS * 3 // 4, RECORDS * 5 // 6


def cps(k):
    return 10 if k < RECORDS // 3 else 50 if k < 2 * RECORDS // 3 else 25


def dest(addr, weight, rate):
    return {"af": "inet", "address": addr, "port": 8080, "forward": "masq", "weight": weight,
            "upper_threshold": 0, "lower_threshold": 0, "active_conns": rate,
            "inactive_conns": 1, "persistent_conns": 0, "tun_type": None, "tun_port": 0,
            "tun_flags": 0,
            "stats": {"conns": 0, "inpkts": 0, "outpkts": 0, "inbytes": 0, "outbytes": 0},
            "rates": {"cps": rate, "inpps": 10 * rate, "outpps": 9 * rate,
                      "inbps": 1000 * rate, "outbps": 2000 * rate},
            "computed_rates": None}


def service(addr, sched, rate, inbps, dests):
    return {"af": "inet", "protocol": "tcp", "address": addr, "port": 80, "fwmark": 0,
            "scheduler": sched, "flags": ["hashed"], "timeout": 0, "netmask_prefix": 32,
            "pe": "",
            "stats": {"conns": 0, "inpkts": 0, "outpkts": 0, "inbytes": 0, "outbytes": 0},
            "rates": {"cps": rate, "inpps": 10 * rate, "outpps": 9 * rate, "inbps": inbps,
                      "outbps": 2 * inbps},
            "computed_rates": None, "destinations": dests}


def record(k):
    c = cps(k)
    dests = [dest("10.244.0.1", 1, c // 2 if k >= ZERO else c // 2),
             dest("10.244.0.2", 0 if k >= ZERO else 1, 0 if k >= ZERO else c - c // 2)]
    if k >= ADD:
        dests.append(dest("10.244.0.3", 1, 1))
    svcs = [service("10.96.0.1", "wlc" if k >= SCHED else "rr", c, 1024 * k, dests),
            service("10.96.0.2", "rr", 1, 1024, [dest("10.244.1.1", 1, 1)])]
    return {"schema": 1, "time": T0 + SPACING * k, "host": "lab-node-1", "interval": None,
            "ipvs": {"available": True, "error": None, "source": "netlink", "version": "1.2.1",
                     "conn_tab_size": 4096, "timeouts": {"tcp": 900, "tcp_fin": 120, "udp": 300},
                     "daemons": [], "services": svcs},
            "modules": [{"name": "ip_vs", "state": "loaded"}], "sysctls": {}}


for k in range(RECORDS):
    print(json.dumps(record(k), separators=(",", ":")))
