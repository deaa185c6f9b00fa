#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvs-from-scenario.py: writes the IPVS table kube-proxy (ipvs mode) would program on one
# node for a scenario of apiserver.py, as an ipvstop recording (JSON Lines, schema 1), or
# as ipvsadm -R input (--ipvsadm) to build it in a real kernel. With --drift, the table
# disagrees with the cluster in one known place per kind of drift:
#   missing:    default/web loses the real server 10.244.2.11 (a ready endpoint)
#   extra:      default/api gains 10.244.9.99:8080 at weight 1 (no endpoint explains it)
#   draining:   default/api keeps 10.244.2.22:8080 (terminating) at weight 0
#   unowned:    TCP 10.96.250.250:80 (no Service has that address)
#   unserved:   monitoring/syslog has no virtual service for its ClusterIP
#   scheduler:  default/frontend's virtual services use wlc (configured: rr)
#   affinity:   default/sticky's ClusterIP virtual service is not persistent
import argparse
import json
import sys

DRIFT_MISSING = "10.244.2.11"
DRIFT_EXTRA = "10.244.9.99"
DRIFT_DRAIN = "10.244.2.22"
DRIFT_UNOWNED = "10.96.250.250"


def endpoints_for(svc, family):
    out = []
    for e in svc.get("endpoints") or []:
        if (":" in e["ip"]) != (family == "inet6"):
            continue
        out.append(e)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario")
    ap.add_argument("--node", default="worker-1")
    ap.add_argument("--drift", action="store_true")
    ap.add_argument("--ipvsadm", action="store_true", help="print ipvsadm -R input instead")
    ap.add_argument("--time", type=float, default=1795000000.0)
    a = ap.parse_args()
    sc = json.load(open(a.scenario))
    node = next(n for n in sc["nodes"] if n["name"] == a.node)
    sched = (sc.get("kubeProxyConfig") or {}).get("scheduler") or "rr"
    vss = []

    def add_vs(proto, af, addr, port, dests, svc_name, persistent=0):
        s = sched
        if a.drift and svc_name == "default/frontend":
            s = "wlc"
        if a.drift and svc_name == "default/sticky" and addr.startswith("10.96."):
            persistent = 0
        vss.append({"proto": proto, "af": af, "addr": addr, "port": port, "sched": s,
                    "persistent": persistent, "dests": dests})

    for svc in sc["services"]:
        md, spec = svc["metadata"], svc["spec"]
        name = "%s/%s" % (md.get("namespace", "default"), md["name"])
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
            continue
        if a.drift and name == "monitoring/syslog":
            continue
        aff = spec.get("sessionAffinity") == "ClientIP"
        timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get(
            "timeoutSeconds", 10800) if aff else 0
        cips = spec.get("clusterIPs") or [spec["clusterIP"]]
        local = spec.get("externalTrafficPolicy") == "Local"
        for port in spec["ports"]:
            proto = port.get("protocol", "TCP").lower()
            tport = port.get("targetPort", port["port"])
            for cip in cips:
                af = "inet6" if ":" in cip else "inet"
                dests = []
                for e in endpoints_for(svc, af):
                    st = e.get("state", "ready")
                    if st == "ready":
                        if a.drift and e["ip"] == DRIFT_MISSING and name == "default/web":
                            continue
                        dests.append((e["ip"], tport, 1))
                    elif a.drift and e["ip"] == DRIFT_DRAIN and name == "default/api":
                        dests.append((e["ip"], tport, 0))
                if a.drift and name == "default/api" and af == "inet":
                    dests.append((DRIFT_EXTRA, tport, 1))
                add_vs(proto, af, cip, port["port"], dests, name, timeout)
                # externalIPs, load-balancer ingress, node ports: the ClusterIP's family only.
                if af != "inet":
                    continue
                extra = list(spec.get("externalIPs") or [])
                extra += [i["ip"] for i in ((svc.get("status") or {}).get("loadBalancer") or {})
                          .get("ingress", []) if "ip" in i]
                ldests = [d for d in dests
                          if not local or any(e["ip"] == d[0] and e.get("node") == a.node
                                              for e in svc.get("endpoints") or [])]
                for ip in extra:
                    add_vs(proto, af, ip, port["port"], ldests, name, timeout)
                if port.get("nodePort"):
                    add_vs(proto, af, node["internalIP"], port["nodePort"], ldests, name,
                           timeout)
    if a.drift:
        add_vs("tcp", "inet", DRIFT_UNOWNED, 80, [("10.244.1.99", 80, 1)], "-")

    if a.ipvsadm:
        flag = {"tcp": "-t", "udp": "-u", "sctp": "--sctp-service"}
        for v in vss:
            hp = "[%s]:%d" % (v["addr"], v["port"]) if v["af"] == "inet6" else "%s:%d" % (
                v["addr"], v["port"])
            p = " -p %d" % v["persistent"] if v["persistent"] else ""
            print("-A %s %s -s %s%s" % (flag[v["proto"]], hp, v["sched"], p))
            for ip, port, w in v["dests"]:
                dhp = "[%s]:%d" % (ip, port) if ":" in ip else "%s:%d" % (ip, port)
                print("-a %s %s -r %s -m -w %d" % (flag[v["proto"]], hp, dhp, w))
        return

    def stats():
        return {"conns": 0, "inpkts": 0, "outpkts": 0, "inbytes": 0, "outbytes": 0}

    def rates():
        return {"cps": 0, "inpps": 0, "outpps": 0, "inbps": 0, "outbps": 0}

    services = []
    for v in vss:
        services.append({
            "af": v["af"], "protocol": v["proto"], "address": v["addr"], "port": v["port"],
            "fwmark": 0, "scheduler": v["sched"],
            "flags": (["persistent"] if v["persistent"] else []) + ["hashed"],
            "timeout": v["persistent"], "netmask_prefix": 128 if v["af"] == "inet6" else 32,
            "pe": "", "stats": stats(), "rates": rates(), "computed_rates": None,
            "destinations_known": True,
            "destinations": [{
                "af": "inet6" if ":" in ip else "inet", "address": ip, "port": port,
                "forward": "masq", "weight": w, "upper_threshold": 0, "lower_threshold": 0,
                "active_conns": 0, "inactive_conns": 3 if w == 0 else 0,
                "persistent_conns": 0, "tun_type": None, "tun_port": 0, "tun_flags": 0,
                "stats": stats(), "rates": rates(), "computed_rates": None,
            } for ip, port, w in v["dests"]],
        })
    rec = {"schema": 1, "time": a.time, "host": a.node, "interval": None,
           "ipvs": {"available": True, "error": None, "source": "netlink", "version": "1.2.1",
                    "conn_tab_size": 4096, "timeouts": {"tcp": 900, "tcp_fin": 120, "udp": 300},
                    "daemons": [], "services": services},
           "modules": [{"name": "ip_vs", "state": "loaded"}], "sysctls": {}}
    for i in range(200):
        rec["time"] = a.time + 2 * i
        print(json.dumps(rec, separators=(",", ":")))


main()
