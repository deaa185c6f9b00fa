#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-recording.py: writes a schema 1 recording (JSON Lines) with a known table, for the
# dashboard tests: N services whose busiest one is known, real servers incl. weight 0,
# connections, and counters that grow record by record.
import json
import sys


def service(i, t):
    v4 = i % 5 != 4
    dests = []
    for j in range(1 + i % 4):
        dests.append({
            "af": "inet", "address": "10.244.%d.%d" % (i, j + 1), "port": 8080,
            "forward": ["masq", "route", "tunnel"][j % 3], "weight": 0 if j == 2 else 1 + j,
            "upper_threshold": 0, "lower_threshold": 0,
            "active_conns": (i * 7 + j) % 13 + (500 if i == 17 and j == 0 else 0),
            "inactive_conns": (i + j) % 5, "persistent_conns": 0,
            "tun_type": "ipip" if j % 3 == 2 else None, "tun_port": 0, "tun_flags": 0,
            "stats": {"conns": 100 * i + t, "inpkts": 1000 * i + 10 * t, "outpkts": 900 * i,
                      "inbytes": 123456 * i, "outbytes": 654321 * i},
            "rates": {"cps": i + j, "inpps": 10 * i, "outpps": 9 * i, "inbps": 1000 * i,
                      "outbps": 2000 * i},
            "computed_rates": None,
        })
    return {
        "af": "inet" if v4 else "inet6",
        "protocol": ["tcp", "udp", "sctp"][i % 3] if i != 9 else None,
        "address": ("10.96.0.%d" % (i + 1) if v4 else "fd00::%x" % (i + 1)) if i != 9 else None,
        "port": 80 + i if i != 9 else 0, "fwmark": 9 if i == 9 else 0,
        "scheduler": ["rr", "wlc", "sh", "mh"][i % 4],
        "flags": ["persistent", "hashed"] if i % 6 == 0 else ["hashed"],
        "timeout": 300 if i % 6 == 0 else 0, "netmask_prefix": 32 if v4 else 128, "pe": "",
        "stats": {"conns": 1000 * i + t, "inpkts": 5000 * i, "outpkts": 4000 * i,
                  "inbytes": 10 ** 6 * i, "outbytes": 2 * 10 ** 6 * i},
        "rates": {"cps": 3 * i, "inpps": 30 * i, "outpps": 20 * i, "inbps": 3000 * i,
                  "outbps": 6000 * i},
        "computed_rates": None, "destinations": dests,
    }


def record(n, t):
    conns = [{"protocol": "sctp", "client": "192.168.1.%d" % (k + 1), "client_port": 40000 + k,
              "virtual": "10.96.0.18", "virtual_port": 97, "destination": "10.244.17.1",
              "destination_port": 8080, "state": "ESTABLISHED" if k % 3 else "TIME_WAIT",
              "expires": 900 - k} for k in range(12)]
    return {
        "schema": 1, "time": 1795000000 + 2 * t, "host": "lab-node-1", "interval": None,
        "ipvs": {"available": True, "error": None, "source": "netlink", "version": "1.2.1",
                 "conn_tab_size": 4096, "timeouts": {"tcp": 900, "tcp_fin": 120, "udp": 300},
                 "daemons": [], "services": [service(i, t) for i in range(n)]},
        "connections": {"total": 12, "truncated": False, "entries": conns,
                        "by_service": {"sctp 10.96.0.18:97": 12},
                        "by_destination": {"10.244.17.1:8080": 12},
                        "by_state": {"ESTABLISHED": 8, "TIME_WAIT": 4}},
        "modules": [{"name": "ip_vs", "state": "loaded"}, {"name": "ip_vs_rr", "state": "loaded"},
                    {"name": "ip_vs_wlc", "state": "loaded"}, {"name": "ip_vs_sh", "state": "available"},
                    {"name": "ip_vs_mh", "state": "missing"}, {"name": "nf_conntrack", "state": "loaded"}],
        "sysctls": {"net.ipv4.vs.conntrack": 0},
    }


n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
frames = int(sys.argv[2]) if len(sys.argv) > 2 else 3
for t in range(frames):
    print(json.dumps(record(n, t), separators=(",", ":")))
