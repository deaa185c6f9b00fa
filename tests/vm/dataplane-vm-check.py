#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""dataplane-vm-check.py: holds what guest-dataplane.sh kept (vm-dataplane-test.sh) against
the scenario and the guest's own tools. For each run DIR in a (mode unknown), b (kube-proxy's
log: ipvs), c (/proxyMode: nftables) and d (after kube-proxy's cleanup), DIR/doc.json and DIR/batch.txt are ipvstop's, and
DIR/ipvsadm.txt, save-nft.txt, save-legacy.txt, ipset.txt, addr.json, nft-ip*.json what
ipvsadm, iptables-*-save, ipset, ip and nft listed right after it.

Checked: the iptables planes of both backends against gen-kube-iptables.py's truth and
iptables-save's counts; the IPVS section against ipvsadm -Ln; and the leftovers: which mode
each run judges against, what is present, what is a leftover, kube-proxy's virtual services
(those a Service of the scenario explains, worked out here) and the hand-made ones the
cleanup would flush too, what cleans each, and the batch text saying it.

  dataplane-vm-check.py --out DIR --scenario basic.json --ipt-truth FILE --hand-made N

Prints "ok - ..." / "not ok - ..." lines.
"""
import argparse
import ipaddress
import json
import os
import re

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--scenario", required=True)
ap.add_argument("--ipt-truth", required=True)
ap.add_argument("--hand-made", type=int, required=True)
args = ap.parse_args()


def check(name, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond and detail != "":
        print("    " + str(detail)[:1500])


def norm(a):
    return str(ipaddress.ip_address(a.strip("[]")))


def load_run(r):
    d = os.path.join(args.out, r)
    try:
        with open(os.path.join(d, "doc.json")) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        check("run %s: a JSON document" % r, False, e)
        return None
    doc["_dir"] = d
    doc["_batch"] = open(os.path.join(d, "batch.txt")).read()
    return doc


def witness(doc, name):
    return open(os.path.join(doc["_dir"], name)).read()


# ---------------------------------------------------------------- the truth
scen = json.load(open(args.scenario))
PROTO = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp"}
owned, nodeports = set(), set()
for s in scen["services"]:
    spec = s["spec"]
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") not in (None, "None") else [])
    ips += spec.get("externalIPs", [])
    ips += [i["ip"] for i in s.get("status", {}).get("loadBalancer", {}).get("ingress", []) if "ip" in i]
    ips += spec.get("loadBalancerIPs", [])
    for p in spec.get("ports", []):
        proto = PROTO[p.get("protocol", "TCP")]
        for ip in ips:
            owned.add((proto, norm(ip), p["port"]))
        if p.get("nodePort"):
            nodeports.add((proto, p["nodePort"]))


def ipvsadm_services(text):
    """(proto, address, port) of each virtual service in ipvsadm -Ln."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^(TCP|UDP|SCTP)\s+(\S+):(\d+)\s", line)
        if m:
            out.append((m.group(1).lower(), norm(m.group(2)), int(m.group(3))))
    return out


def kube_proxys(vs):
    return [v for v in vs if v in owned or (v[0], v[2]) in nodeports]


# ---------------------------------------------------------------- iptables, IPVS (run a)
truth = sorted(l.strip() for l in open(args.ipt_truth) if l.strip())


def ipt_line(f):
    eps = ",".join("%s:%d@%.6f" % (e["address"], e["port"], e["share"] or 0) for e in f["endpoints"])
    sv = f["service"]
    owner = "%s/%s:%s" % (sv["namespace"], sv["name"], sv["port"]) if sv else "-"
    return "%s %s %s %d %s aff=%d noep=%d eps=%s" % (
        f["kind"], f["protocol"], f["address"] or "*", f["port"], owner, f["affinity"],
        f["no_endpoints"], eps)


a = load_run("a")
if a:
    dp = a["dataplane"]
    for plane, save in (("iptables-nft", "save-nft.txt"), ("iptables-legacy", "save-legacy.txt")):
        p = dp["planes"][plane]
        lines = witness(a, save).splitlines()
        rules = sum(1 for l in lines if l.startswith("-A "))
        svc = sum(1 for l in lines if l.startswith("-A KUBE-SERVICES "))
        got = sorted(ipt_line(f) for f in dp["frontends"] if f["plane"] == plane)
        check("a: %s read in the guest kernel, present, no error" % plane,
              p["read"] and p["present"] and p["error"] is None, p)
        check("a: %s: the %d frontends and endpoints the scenario implies" % (plane, len(truth)),
              got == truth, (sorted(set(truth) - set(got))[:3], sorted(set(got) - set(truth))[:3]))
        check("a: %s: KUBE-SERVICES %d rules, nat %d, as %s says (ipvstop: %d, %d)"
              % (plane, svc, rules, save, p["services_rules"], p["rules"]),
              p["services_rules"] == svc and p["rules"] == rules, p)
    vs = ipvsadm_services(witness(a, "ipvsadm.txt"))
    mine = sorted((s["protocol"], norm(s["address"]), s["port"]) for s in a["ipvs"]["services"]
                  if s.get("address"))
    check("a: ipvstop's IPVS table is ipvsadm -Ln's (%d virtual services)" % len(vs),
          mine == sorted(vs), (mine, sorted(vs)))

# ---------------------------------------------------------------- leftovers
ALL = ["ipvs-services", "kube-ipvs0", "ipsets", "ipsets-v6", "iptables-nft", "iptables-legacy",
       "nftables"]


def leftovers(doc):
    return {e["what"]: e for e in doc["dataplane"].get("leftovers", [])}


def common(r, doc, lo):
    """What every run says the same way: what is present and counted."""
    vs = ipvsadm_services(witness(doc, "ipvsadm.txt"))
    check("%s: every kind of state is listed: %s" % (r, ", ".join(ALL)), sorted(lo) == sorted(ALL),
          sorted(lo))
    if sorted(lo) != sorted(ALL):
        return vs
    addrs = json.loads(witness(doc, "addr.json"))
    n_addr = sum(len(i.get("addr_info", [])) for i in addrs)
    sets = re.findall(r"^Name: (\S+)", witness(doc, "ipset.txt"), re.M)
    v4 = [s for s in sets if s.startswith("KUBE-") and not s.startswith("KUBE-6-")]
    v6 = [s for s in sets if s.startswith("KUBE-6-")]
    check("%s: kube-ipvs0 counts %d addresses as ip says" % (r, n_addr),
          lo["kube-ipvs0"]["count"] == n_addr, lo["kube-ipvs0"])
    check("%s: ipsets %d (%s), 1 full; ipsets-v6 %d" % (r, len(v4), " ".join(v4), len(v6)),
          lo["ipsets"]["count"] == len(v4) and lo["ipsets"]["full"] == 1 and
          lo["ipsets-v6"]["count"] == len(v6), (lo["ipsets"], lo["ipsets-v6"]))
    check("%s: KUBE-6-* sets are said to need ipset destroy (kube-proxy's cleanup leaves them)" % r,
          lo["ipsets-v6"]["cleanup"] == "ipset destroy" and
          all(lo[w]["cleanup"] == "kube-proxy --cleanup" for w in ALL if w != "ipsets-v6"),
          {w: lo[w]["cleanup"] for w in lo})
    planes = doc["dataplane"]["planes"]
    check("%s: the iptables and nftables entries count the planes' rules and frontends" % r,
          all(lo[w]["count"] == planes[w]["rules"] and lo[w]["frontends"] == planes[w]["frontends"]
              for w in ("iptables-nft", "iptables-legacy", "nftables")), lo)
    return vs


def judged(r, doc, mode, source):
    lo = leftovers(doc)
    dp = doc["dataplane"]
    check("%s: judged against mode %s (from %s)" % (r, mode, source),
          dp.get("leftovers_mode") == mode and dp.get("leftovers_mode_from") == source,
          (dp.get("leftovers_mode"), dp.get("leftovers_mode_from")))
    vs = common(r, doc, lo)
    return lo, vs


if a:
    lo, vs = judged("a", a, None, None)
    if lo.get("ipvs-services"):
        check("a: without the cluster every virtual service counts (%d), the hand-made unknown" % len(vs),
              lo["ipvs-services"]["count"] == len(vs) and lo["ipvs-services"]["not_kube_proxy"] is None,
              lo["ipvs-services"])
    check("a: mode unknown: nothing is called a leftover", not any(e["leftover"] for e in lo.values()), lo)
    check("a: batch text says the mode is unknown and calls nothing a leftover",
          "running mode is unknown" in a["_batch"] and "LEFTOVER" not in a["_batch"], a["_batch"][-1500:])


def kube_counts(r, lo, vs):
    kp = kube_proxys(vs)
    e = lo.get("ipvs-services", {})
    check("%s: ipvs-services: %d of kube-proxy's (a Service explains them), %d not (the hand-made)"
          % (r, len(kp), len(vs) - len(kp)),
          e.get("count") == len(kp) and e.get("not_kube_proxy") == len(vs) - len(kp) == args.hand_made, e)


def switched(r, mode, source, want):
    """A run that knows kube-proxy's mode: its document and leftovers when whole, else None."""
    doc = load_run(r)
    if not doc:
        return None, None
    lo, vs = judged(r, doc, mode, source)
    if len(lo) != len(ALL):
        return None, None
    kube_counts(r, lo, vs)
    left = sorted(w for w, e in lo.items() if e["leftover"])
    check("%s: %s runs: the leftovers are %s" % (r, mode, ", ".join(want)), left == sorted(want), left)
    return doc, lo


# ipvs mode: the iptables chains lead to endpoints (KUBE-SVC-/KUBE-SEP-): iptables mode's
b, lo = switched("b", "ipvs", "log", ["iptables-legacy", "iptables-nft", "nftables"])
if b:
    check("b: kube-proxy in ipvs mode cleans nftables' tables when it starts (cleaned_at_start),"
          " not iptables'", lo["nftables"]["cleaned_at_start"] and
          not lo["iptables-nft"]["cleaned_at_start"], lo)

want = [w for w in ALL if w != "nftables"]
c, lo = switched("c", "nftables", "proxyMode", want)
if c:
    check("c: nftables is in use, not a leftover", not lo["nftables"]["leftover"], lo["nftables"])
    check("c: kube-proxy in nftables mode runs the ipvs and iptables cleanups at its start",
          all(lo[w]["cleaned_at_start"] for w in want if w != "ipsets-v6") and
          not lo["ipsets-v6"]["cleaned_at_start"], lo)
    bt = c["_batch"]
    check("c: batch text: kube-proxy runs nftables; each leftover said with its cleanup",
          "kube-proxy runs nftables, from its proxyMode" in bt and
          all(re.search(r"^  %s\s+LEFTOVER of \S+ mode: .*; (cleaned by kube-proxy --cleanup|kube-proxy's "
                        r"cleanup leaves it)" % re.escape(w), bt, re.M) for w in want), bt[-2500:])
    check("c: batch text: the cleanup also flushes the %d hand-made virtual services" % args.hand_made,
          "that are not kube-proxy's: %d\n" % args.hand_made in bt, bt[-1500:])

# What kube-proxy's cleanup leaves (done by the guest with the tools): the KUBE-6- set (it
# destroys the IPv4 names only) and iptables-legacy (it cleans the backend its iptables
# uses); the IPVS table is empty, the hand-made services gone with the rest.
d = load_run("d")
if d:
    lo = leftovers(d)
    vs = ipvsadm_services(witness(d, "ipvsadm.txt"))
    check("d: after the cleanup ipvsadm lists no virtual service: the %d hand-made went too"
          % args.hand_made, vs == [], vs)
    check("d: what remains is listed: ipsets-v6, iptables-legacy (leftovers), nftables (in use)",
          sorted(lo) == ["ipsets-v6", "iptables-legacy", "nftables"] and
          sorted(w for w, e in lo.items() if e["leftover"]) == ["ipsets-v6", "iptables-legacy"],
          {w: e["leftover"] for w, e in lo.items()})
    check("d: iptables-nft is not present any more (KUBE-MARK-DROP, kubelet's, alone is not kube-proxy's)",
          d["dataplane"]["planes"]["iptables-nft"]["present"] is False and
          "KUBE-MARK-DROP" in witness(d, "save-nft.txt"), d["dataplane"]["planes"]["iptables-nft"])
