#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check-dataplane.py DIR: holds ipvstop's "dataplane" section (DIR/doc.json) against the
# witnesses dataplane-test.sh saved in DIR, each read here on its own: nft -j list table ip|ip6
# kube-proxy (every verdict-map element a frontend, its endpoints the dnat targets its chains
# reach), ipset list -t (kube-proxy's sets, entries against maxelem), ip -j addr show
# kube-ipvs0; then --no-dataplane (no section) and a run without CAP_NET_ADMIN (errors said,
# the document whole). Prints "ok - ..." / "not ok - ..." lines.
import os
import sys

import tap

d = sys.argv[1]
load = tap.loader(d)
check, addr = tap.check, tap.addr


doc = load("doc.json")
dp = doc.get("dataplane")
check("the document has a dataplane section", isinstance(dp, dict), list(doc))
if not isinstance(dp, dict):
    sys.exit(0)


class Table:
    """One nft -j listing: chains with their rules, verdict maps with their elements."""

    def __init__(self, listing):
        self.rules, self.maps = {}, {}
        for o in listing["nftables"]:
            if "rule" in o:
                self.rules.setdefault(o["rule"]["chain"], []).append(o["rule"]["expr"])
            elif "chain" in o:
                self.rules.setdefault(o["chain"]["name"], [])
            elif "map" in o:
                self.maps[o["map"]["name"]] = o["map"].get("elem", [])

    def targets(self, expr):
        """Chains a rule's verdicts go to: jump, goto, and every target of an inline vmap."""
        out = []
        for e in expr:
            for k in ("jump", "goto"):
                if k in e:
                    out.append(e[k]["target"])
            if "vmap" in e and isinstance(e["vmap"]["data"], dict):
                for _, v in e["vmap"]["data"].get("set", []):
                    for k in ("jump", "goto"):
                        if k in v:
                            out.append(v[k]["target"])
        return out

    def dnats(self, chain, seen=None):
        """The dnat targets (address, port) reachable from chain."""
        seen = set() if seen is None else seen
        if chain in seen:
            return set()
        seen.add(chain)
        found = set()
        for expr in self.rules.get(chain, []):
            for e in expr:
                if "dnat" in e:
                    found.add((addr(e["dnat"]["addr"]), e["dnat"]["port"]))
            for t in self.targets(expr):
                found |= self.dnats(t, seen)
        return found


def elements(t, name):
    """(key tuple, target chain or None) of a verdict map's elements."""
    out = []
    for k, v in t.maps.get(name, []):
        if "elem" in k:
            k = k["elem"]["val"]
        key = tuple(k["concat"])
        target = next((v[x]["target"] for x in ("goto", "jump") if x in v), None)
        out.append((key, target))
    return out


fronts = [f for f in dp["frontends"] if f["plane"] == "nftables"]
mine = {}
for f in fronts:
    key = (f["protocol"], f["port"]) if f["kind"] == "node-port" else (addr(f["address"]), f["protocol"], f["port"])
    mine.setdefault(key, []).append(f)

want, no_ep = {}, set()
for fam in ("ip", "ip6"):
    t = Table(load("nft-%s.json" % fam))
    for key, chain in elements(t, "service-ips"):
        want[(addr(key[0]), key[1], key[2])] = (t, chain)
    for key, chain in elements(t, "service-nodeports"):
        want[(key[0], key[1])] = (t, chain)
    for key, _ in elements(t, "no-endpoint-services"):
        no_ep.add((addr(key[0]), key[1], key[2]))
    for key, _ in elements(t, "no-endpoint-nodeports"):
        no_ep.add((key[0], key[1]))

plane = dp["planes"]["nftables"]
check("nftables: read, present, no error", plane["read"] and plane["present"] and plane["error"] is None, plane)
check("nftables: %d map elements with a frontend each (%d frontends)" % (len(want), len(fronts)),
      all(k in mine for k in want), sorted(set(want) - set(mine), key=str))
check("nftables: every frontend is a map element of kube-proxy's tables, once",
      all(k in want or k in no_ep for k in mine) and all(len(v) == 1 for v in mine.values()),
      {str(k): len(v) for k, v in mine.items() if len(v) != 1 or (k not in want and k not in no_ep)})
bad = []
for key, (t, chain) in want.items():
    f = mine.get(key, [None])[0]
    if not f:
        continue
    eps = {(addr(e["address"]), e["port"]) for e in f["endpoints"]}
    reach = t.dnats(chain)
    # A ClusterIP goes to the service- chain: exactly its endpoints. From an external- chain,
    # the endpoints outside traffic gets are among those its chains reach.
    if (chain.startswith("service-") and eps != reach) or not eps <= reach:
        bad.append((key, chain, sorted(eps), sorted(reach)))
check("nftables: each frontend's endpoints are the dnat targets its chain reaches", not bad, bad[:3])
shares = [f for f in fronts if f["endpoints"] and abs(sum(e["share"] or 0 for e in f["endpoints"]) - 1) > 1e-6]
check("nftables: the shares of a frontend's endpoints add up to 1", not shares,
      [(f["address"], f["port"], [e["share"] for e in f["endpoints"]]) for f in shares[:3]])
noep = [k for k in no_ep if not any(f["no_endpoints"] for f in mine.get(k, []))]
check("nftables: the no-endpoint elements are frontends without endpoints (%d)" % len(no_ep), not noep, noep)
named = [f for f in fronts if not f["service"] and not f["unrecognised"]]
check("nftables: every frontend names its Service", not named, named[:2])

# ipsets: ipset list -t, kube-proxy's (KUBE-*) sets only.
sets, cur = {}, None
for line in open(os.path.join(d, "ipset.txt")):
    k, _, v = line.strip().partition(": ")
    if k == "Name":
        cur = sets[v] = {}
    elif k == "Type":
        cur["type"] = v
    elif k == "Header":
        h = v.split()
        cur["maxelem"] = int(h[h.index("maxelem") + 1]) if "maxelem" in h else None
    elif k == "Number of entries":
        cur["entries"] = int(v)
kube = {n: s for n, s in sets.items() if n.startswith("KUBE-")}
got = {s["name"]: s for s in dp["ipsets"]["sets"]}
check("ipsets: the KUBE-* sets ipset lists, and no other (%s)" % ", ".join(sorted(kube)),
      set(got) == set(kube), (sorted(got), sorted(kube)))
check("ipsets: type, entries and maxelem as ipset says",
      all(got[n]["type"] == s["type"] and got[n]["entries"] == s["entries"] and got[n]["maxelem"] == s["maxelem"]
          for n, s in kube.items() if n in got), (got, kube))
check("ipsets: KUBE-CLUSTER-IP (4 of maxelem 4) is full, KUBE-LOOP-BACK is not",
      got.get("KUBE-CLUSTER-IP", {}).get("full") is True and got.get("KUBE-LOOP-BACK", {}).get("full") is False, got)

# kube-ipvs0: ip -j addr.
ipj = load("addr.json")
have = sorted(addr(a["local"]) for i in ipj for a in i.get("addr_info", []))
k0 = dp["kube_ipvs0"]
check("kube-ipvs0: present, its addresses as ip says (%s)" % ", ".join(have),
      k0["present"] and sorted(addr(a) for a in k0["addresses"]) == have, (k0, have))

# Batch text: the same planes and frontends, for people.
batch = open(os.path.join(d, "batch.txt")).read()
check("batch text: the nftables plane with its %d frontends and %d rules" % (len(fronts), plane["rules"]),
      ("nftables         %d frontends, %d rules" % (len(fronts), plane["rules"])) in batch, batch[-3000:])
fl = [l for l in batch.splitlines() if l.startswith("  nftables ") and "frontends" not in l]
check("batch text: a line per frontend (%d)" % len(fl), len(fl) == len(fronts), len(fl))
check("batch text: the full ipset is said", "KUBE-CLUSTER-IP FULL (4 of maxelem 4" in batch, batch[-3000:])
check("batch text: kube-ipvs0's addresses counted", "kube-ipvs0       %d addresses" % len(have) in batch)

# --no-dataplane: the IPVS document alone.
check("--no-dataplane: no dataplane section", "dataplane" not in load("nodp.json"))

# Without CAP_NET_ADMIN: the planes say why, the document is whole.
try:
    nocap = load("nocap.json")
except (OSError, ValueError) as e:
    nocap = {}
    check("without CAP_NET_ADMIN: a JSON document still", False, e)
if nocap:
    p = nocap["dataplane"]["planes"]["nftables"]
    check("without CAP_NET_ADMIN: nftables' error says so, no frontend made up",
          p["error"] and "CAP_NET_ADMIN" in p["error"] and not nocap["dataplane"]["frontends"], p)
    check("without CAP_NET_ADMIN: the rest of the document is there (ipvs, modules)",
          "ipvs" in nocap and "modules" in nocap)
    err = open(os.path.join(d, "nocap.err")).read()
    check("without CAP_NET_ADMIN: nothing printed on stderr by the libraries", err.strip() == "", err)
