#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check-dp-join.py DIR PLANE [LEFTOVER]: holds ipvstop's join of the node's data plane with the cluster
# (DIR/doc.json: -j -n 1; DIR/batch.txt: -b -n 1) against what dp-join-test.sh knows: the
# drift it made (DIR/expect.json) and what kubectl read from the API server (DIR/svcs.json,
# DIR/slices.json), each frontend's owner and each endpoint's pod judged on kubectl's words,
# not ipvstop's. LEFTOVER: a second plane holding the same rules (a switch half done), joined
# too but not searched for Services without a frontend. Prints "ok - ..." / "not ok - ..."
# lines.
import os
import sys

import tap

d, plane = sys.argv[1], sys.argv[2]
leftover = sys.argv[3] if len(sys.argv) > 3 else None


def check(name, cond, detail=""):
    tap.check("%s: %s" % (plane, name), cond, detail)


load, addr = tap.loader(d), tap.addr


def hostport(a, port):
    return ("[%s]:%d" if ":" in a else "%s:%d") % (a, port)


doc, expect = load("doc.json"), load("expect.json")
svcs, slices = load("svcs.json")["items"], load("slices.json")["items"]
dp = doc.get("dataplane") or {}
check("the data planes are joined with the cluster", dp.get("joined") is True, list(dp))
check("kube-proxy's mode names this plane as the running one", dp.get("running_plane") == plane,
      dp.get("running_plane"))
drift = (dp.get("drift") or {}).get(plane)
check("a drift object for the plane", isinstance(drift, dict), dp.get("drift"))
if not isinstance(drift, dict):
    sys.exit(0)


def entries(key, dr=drift):
    return sorted("%s %s %s" % (e["frontend"], e["endpoint"], e["service"]) for e in dr[key])


if leftover:
    other = (dp.get("drift") or {}).get(leftover) or {}
    check("the leftover %s is joined, not running, not searched for missing Services" % leftover,
          other.get("running") is False and other.get("services_without_frontend", 0) is None, other)
    got = [entries(k, other) for k in ("missing_endpoints", "stale_endpoints", "terminating_endpoints")
           ] if other else None
    check("the leftover %s: the same endpoint drift" % leftover,
          got == [sorted(expect[k]) for k in ("missing", "stale", "terminating")], got)


for key, want in (("missing_endpoints", expect["missing"]), ("stale_endpoints", expect["stale"]),
                  ("terminating_endpoints", expect["terminating"])):
    got = entries(key)
    check("%s: exactly the drift made (%d)" % (key, len(want)), got == sorted(want),
          "got %s, want %s" % (got, want))
    check("%s: counted as listed" % key, drift["counts"][key] == len(drift[key]), drift["counts"])
got = sorted("%s %s %s" % (u["service"], u["protocol"], u["cluster_ip"])
             for u in drift["services_without_frontend"] or [])
check("Services without a frontend: exactly the new one", got == expect["unserved"], got)
check("no frontend without a Service", drift["unowned_frontends"] == [], drift["unowned_frontends"])
fes = [f for f in dp["frontends"] if f["plane"] == plane]


def fe_key(f):
    return "%s %s" % (f["protocol"], "*:%d" % f["port"] if f["address"] is None
                      else hostport(f["address"], f["port"]))


mism = sorted(fe_key(f) for f in fes if f["kube"] and f["kube"]["name_mismatch"])
check("the rules naming another Service: the renamed one's frontends", mism == expect["name_mismatch"], mism)
check("owner mismatches counted", drift["counts"]["owner_mismatch"] == len(mism), drift["counts"])

# Each frontend's owner, by kubectl's Services: its address (and kind) or its nodePort.
by_name = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in svcs}
bad = []
for f in fes:
    k = f["kube"]
    s = by_name.get((k["namespace"], k["name"])) if k else None
    if not s:
        bad.append(("no owner", fe_key(f)))
        continue
    spec, port = s["spec"], next((p for p in s["spec"]["ports"] if p.get("name", "") == k["port_name"]), None)
    ok = port is not None and port.get("protocol", "TCP").lower() == f["protocol"]
    if f["kind"] == "node-port":
        ok = ok and k["kind"] == "node-port" and port.get("nodePort") == f["port"]
    else:
        ips = {"cluster-ip": spec.get("clusterIPs") or [spec.get("clusterIP")],
               "external-ip": spec.get("externalIPs") or [],
               "load-balancer": [i["ip"] for i in ((s.get("status") or {}).get("loadBalancer") or {}).get("ingress", [])]}
        ok = ok and port["port"] == f["port"] and addr(f["address"]) in map(addr, ips.get(k["kind"], []))
    if not ok or k["kind_mismatch"] or k["affinity_mismatch"]:
        bad.append((fe_key(f), k))
check("every frontend's owner is the Service kubectl shows at its address and port (%d)" % len(fes),
      fes and not bad, bad)

# Each endpoint's pod and conditions, by kubectl's EndpointSlices.
eps = {}
for sl in slices:
    ns = sl["metadata"]["namespace"]
    svc = (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
    for e in sl.get("endpoints") or []:
        ref = e.get("targetRef") or {}
        eps[(ns, svc, addr(e["addresses"][0]))] = (
            "%s/%s" % (ref.get("namespace"), ref.get("name")) if ref.get("name") else None,
            e.get("conditions") or {})
bad, n = [], 0
for f in fes:
    for e in f["endpoints"]:
        k, want = e["kube"], eps.get((f["kube"]["namespace"], f["kube"]["name"], addr(e["address"])))
        n += 1
        if want is None:
            if k is not None:
                bad.append(("an endpoint kubectl does not have", e))
            continue
        cond = want[1]
        if k is None or k["pod"] != want[0] or k["ready"] != cond.get("ready", True) or \
                k["serving"] != cond.get("serving", True) or k["terminating"] != cond.get("terminating", False):
            bad.append((fe_key(f), e, want))
check("every programmed endpoint's pod and conditions are kubectl's (%d)" % n, n and not bad, bad)

kip = dp.get("kube_ipvs0") or {}
check("kube-ipvs0 against the Service IPs: checked", kip.get("checked") is True, kip)
check("kube-ipvs0: the Service IP it lacks (unreachable)",
      sorted(map(addr, kip.get("missing") or [])) == expect["ipvs0_missing"], kip.get("missing"))
check("kube-ipvs0: the address of no Service (stale)",
      sorted(map(addr, kip.get("extra") or [])) == expect["ipvs0_extra"], kip.get("extra"))
fill = {s["name"]: s["fill"] for s in (dp.get("ipsets") or {}).get("sets", [])}
check("ipsets: the full set is full, the nearly full one nearly",
      fill == {"KUBE-CLUSTER-IP": "full", "KUBE-NODE-PORT-TCP": "nearly-full", "KUBE-LOOP-BACK": "ok"}, fill)

# The batch text says the same.
text = open(os.path.join(d, "batch.txt")).read()
head = ("Drift of %s (kube-proxy runs it): %d missing, %d stale, %d terminating still programmed, "
        "1 Services without a frontend, 0 frontends of no Service, %d owners differ"
        % (plane, len(expect["missing"]), len(expect["stale"]), len(expect["terminating"]), len(mism)))
check("-b: the drift line", head in text, text[-3000:])
# the plane's drift lines: the indented ones under its "Drift of" line
section, inside = [], False
for l in text.splitlines():
    if not l.startswith(" "):
        inside = l.startswith("Drift of %s " % plane)
    elif inside:
        section.append(l)
lines = [l.split() for l in section]
for what, key in (("missing", "missing"), ("stale", "stale"), ("terminating", "terminating")):
    got = sorted(" ".join(l[1:5]) for l in lines if len(l) > 4 and l[0] == what and l[1] in ("tcp", "udp", "sctp"))
    check("-b: each %s endpoint listed" % what, got == sorted(expect[key]), got)
got = [l for l in lines if l and l[0] == "unserved"]
check("-b: the Service without a frontend listed", len(got) == 1 and "default/orders:http" in got[0], got)
check("-b: kube-ipvs0's differences", "kube-ipvs0 against the Service IPs: 1 missing, 1 extra" in text
      and "missing (unreachable): 10.96.50.50" in text and "extra (stale): 10.96.99.99" in text, text[-1500:])
check("-b: the nearly full ipset", "ipset KUBE-NODE-PORT-TCP nearly full: 9 of maxelem 10" in text, text[-1500:])
web = [l for l in text.splitlines() if " 10.96.120.15:80 " in l and l.lstrip().startswith(plane)]
check("-b: a frontend's line names its Service", web and "= default/web:http (cluster-ip)" in web[0], web)
check("-b: an endpoint's line names its pod", " pod default/" in text, text[-1500:])
