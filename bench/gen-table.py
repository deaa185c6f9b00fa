#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-table.py: the benchmark's IPVS table of S services and D real servers, as ipvsadm -R
# input (--ipvsadm) or as an ipvstop recording (JSON Lines, schema 1) for --replay.
#
# The layout is the one bench/guest-bench.sh loads (its awk) and bench/tools/syncgen.c
# fills with connections, and, when D is a multiple of S, the one the Kubernetes API test
# server makes with --generate-services S --endpoints-per-service D/S (tests/kube/README.md):
# service i (0-based) is TCP 10.97.0.0+i:80, scheduler rr; it has D//S real servers (the
# first D%S services one more), numbered globally g = 0, 1, ... as 10.128.0.1+g:8080,
# masquerading, weight 1.
#
#   gen-table.py S D --ipvsadm            > table.txt
#   gen-table.py S D [--records N]        > table.jsonl   (N identical documents, 1 s apart)
#   gen-table.py S D --records 2 --traffic --step 1.3   (counters that grow, records 1.3 s
#                                          apart: rates with decimals, for bench/tools/jsonwrite)
import argparse
import json
import sys

VIP0 = (10 << 24) | (97 << 16)
RIP0 = ((10 << 24) | (128 << 16)) + 1


def ip(n):
    return "%d.%d.%d.%d" % (n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def traffic(n, k):
    c = (n * 7919) % 1000 * (k + 1)
    return {"conns": c, "inpkts": 13 * c + n % 97, "outpkts": 11 * c, "inbytes": 1337 * c * (n % 1500 + 1),
            "outbytes": 4099 * c * (n % 700 + 1)}


def layout(s, d):
    base, extra = divmod(d, s)
    g = 0
    for i in range(s):
        n = base + (1 if i < extra else 0)
        yield ip(VIP0 + i), [ip(RIP0 + g + j) for j in range(n)]
        g += n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("services", type=int)
    ap.add_argument("dests", type=int)
    ap.add_argument("--ipvsadm", action="store_true")
    ap.add_argument("--records", type=int, default=1)
    ap.add_argument("--time", type=float, default=1795000000.0)
    ap.add_argument("--step", type=float, default=1.0)
    ap.add_argument("--traffic", action="store_true")
    a = ap.parse_args()
    out = sys.stdout
    if a.ipvsadm:
        for vip, rips in layout(a.services, a.dests):
            out.write("-A -t %s:80 -s rr\n" % vip)
            for r in rips:
                out.write("-a -t %s:80 -r %s:8080 -m -w 1\n" % (vip, r))
        return
    zero_s = {"conns": 0, "inpkts": 0, "outpkts": 0, "inbytes": 0, "outbytes": 0}
    zero_r = {"cps": 0, "inpps": 0, "outpps": 0, "inbps": 0, "outbps": 0}
    services = []
    for vip, rips in layout(a.services, a.dests):
        services.append({
            "af": "inet", "protocol": "tcp", "address": vip, "port": 80, "fwmark": 0,
            "scheduler": "rr", "flags": ["hashed"], "timeout": 0, "netmask_prefix": 32,
            "pe": "", "stats": zero_s, "rates": zero_r, "computed_rates": None,
            "destinations_known": True,
            "destinations": [{
                "af": "inet", "address": r, "port": 8080, "forward": "masq", "weight": 1,
                "upper_threshold": 0, "lower_threshold": 0, "active_conns": 0,
                "inactive_conns": 0, "persistent_conns": 0, "tun_type": None, "tun_port": 0,
                "tun_flags": 0, "stats": zero_s, "rates": zero_r, "computed_rates": None,
            } for r in rips],
        })
    rec = {"schema": 1, "time": a.time, "host": "bench", "interval": None,
           "ipvs": {"available": True, "error": None, "source": "netlink", "version": "1.2.1",
                    "conn_tab_size": 4096, "timeouts": {"tcp": 900, "tcp_fin": 120, "udp": 300},
                    "daemons": [], "services": services},
           "modules": [{"name": "ip_vs", "state": "loaded"}, {"name": "ip_vs_rr", "state": "loaded"}],
           "sysctls": {}}
    for k in range(a.records):
        rec["time"] = a.time + k * a.step
        rec["interval"] = None if k == 0 else a.step
        if a.traffic:
            # Counters that differ per object and grow with k (the kernel's own rates stay 0).
            g = 0
            for i, svc in enumerate(services):
                for d in svc["destinations"]:
                    g += 1
                    d["stats"] = traffic(g, k)
                svc["stats"] = traffic(1000003 + i, k)
        out.write(json.dumps(rec, separators=(",", ":")))
        out.write("\n")


main()
