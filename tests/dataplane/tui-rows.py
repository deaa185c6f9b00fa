#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# tui-rows.py: does the dashboard's services pane (a tmux capture) show a row for every
# frontend of one data plane, and its endpoints where it should? The frontends come from
# either ipvstop -j's dataplane section (--doc FILE --plane NAME) or gen-kube-iptables.py's
# truth file (--truth FILE). Each row must read PROT, address:port (*:port for a NodePort),
# the kind as Kubernetes names it, the endpoint count, the state words (unrecognised, no
# endpoints, affinity) and the owning Service as ns/name:port. Prints "ok - ..." or
# "not ok - ..." lines (one per check) for the calling test to count.
#
#   tui-rows.py SCREEN --doc doc.json --plane nftables [--count]
#   tui-rows.py SCREEN --truth ipt.truth [--count]
#   tui-rows.py SCREEN --doc doc.json --plane nftables --endpoints ADDRESS:PORT
# --count prints how many frontends there are and nothing else; --endpoints checks the
# endpoints pane for the frontend at ADDRESS:PORT (rows ADDRESS:PORT SHARE% [POD]).
import argparse
import json
import re
import sys

KINDS = {"cluster-ip": "ClusterIP", "node-port": "NodePort", "external-ip": "ExternalIP",
         "load-balancer": "LoadBalancer", "unknown": "?"}


def hostport(addr, port):
    if addr is None:
        return None
    return "[%s]:%d" % (addr, port) if ":" in addr else "%s:%d" % (addr, port)


def from_doc(path, plane):
    out = []
    for f in json.load(open(path))["dataplane"]["frontends"]:
        if f["plane"] != plane:
            continue
        s = f["service"]
        out.append({
            "proto": f["protocol"].upper(), "addr": f["address"], "port": f["port"],
            "kind": f["kind"], "owner": "%s/%s:%s" % (s["namespace"], s["name"], s["port"]) if s else "-",
            "aff": f["affinity"], "noep": f["no_endpoints"], "unrec": f["unrecognised"],
            "eps": [(e["address"], e["port"], e["share"]) for e in f["endpoints"]],
        })
    return out


def from_truth(path):
    out = []
    for line in open(path):
        if not line.strip():
            continue
        kind, proto, addr, port, owner, aff, noep, eps = line.split()
        ep_list = []
        for e in eps[len("eps="):].split(","):
            if e:
                hp, share = e.split("@")
                a, p = hp.rsplit(":", 1)
                ep_list.append((a, int(p), float(share)))
        out.append({"proto": proto.upper(), "addr": None if addr == "*" else addr,
                    "port": int(port), "kind": kind, "owner": owner,
                    "aff": aff == "aff=1", "noep": noep == "noep=1", "unrec": False,
                    "eps": ep_list})
    return out


def row_re(f):
    label = hostport(f["addr"], f["port"])
    label = re.escape(label) if label else r"(?:\*|\[\*\]):%d" % f["port"]
    # The cluster's Service follows ("-" without the cluster): not this script's to judge.
    return re.compile(r"^%s +%s +%s +%d +(.*?) *%s( +\S.*)?$" % (
        f["proto"], label, re.escape(KINDS[f["kind"]]), len(f["eps"]), re.escape(f["owner"])))


def state_words(f):
    return " ".join(w for w, on in (("unrecognised", f["unrec"]), ("no endpoints", f["noep"]),
                                   ("affinity", f["aff"])) if on)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("screen")
    ap.add_argument("--doc")
    ap.add_argument("--plane")
    ap.add_argument("--truth")
    ap.add_argument("--count", action="store_true")
    ap.add_argument("--endpoints")
    a = ap.parse_args()
    fes = from_doc(a.doc, a.plane) if a.doc else from_truth(a.truth)
    name = a.plane or "iptables (generator's truth)"
    if a.count:
        print(len(fes))
        return
    lines = open(a.screen).read().splitlines()
    if a.endpoints:
        f = [f for f in fes if hostport(f["addr"], f["port"]) == a.endpoints]
        if len(f) != 1:
            print("not ok - %s: one frontend at %s (%d found)" % (name, a.endpoints, len(f)))
            return
        want = ["^%s +%s( +\\S.*)?$" % (re.escape(hostport(ea, ep)),
                                  re.escape("%.1f%%" % (s * 100)) if s else "-")
                for ea, ep, s in f[0]["eps"]]
        miss = [w for w in want if not any(re.search(w, l) for l in lines)]
        print("%s - %s: the endpoints pane of %s lists its %d endpoints with their shares" %
              ("not ok" if miss or not want else "ok", name, a.endpoints, len(want)))
        for m in miss:
            print("    missing: /%s/" % m)
        return
    missing, bad_state = [], []
    for f in fes:
        rx = row_re(f)
        rows = [m for m in (rx.search(l) for l in lines) if m]
        if not rows:
            missing.append(rx.pattern)
            continue
        want = state_words(f)
        # The STATE column is 12 cells wide: the first words are enough.
        if not any(m.group(1).strip().startswith(want[:10]) for m in rows) or \
                (not want and any(m.group(1).strip() for m in rows)):
            bad_state.append("%s: wanted state '%s', row says %s" %
                             (rx.pattern, want, [m.group(1) for m in rows]))
    print("%s - %s: each of the %d frontends has its row (protocol, address:port, kind, "
          "endpoints, Service)" % ("not ok" if missing or not fes else "ok", name, len(fes)))
    for m in missing[:5]:
        print("    no row /%s/" % m)
    print("%s - %s: each row's state (unrecognised, no endpoints, affinity) is the rules'" %
          ("not ok" if bad_state or missing else "ok", name))
    for b in bad_state[:5]:
        print("    " + b)


if __name__ == "__main__":
    sys.exit(main())
