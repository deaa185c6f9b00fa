#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# drift-scenario.py: two views of one cluster for dp-join-test.sh: what the API server
# serves (cluster.json, an apiserver.py scenario made from another one, with the drift the
# test therefore knows in expect.json), and what the node's kube-proxy last programmed
# (node.json, for gen-kube-nft.py / gen-kube-iptables.py), made from what kubectl read from
# that server (scenario-from-api.py's output, default/orders dropped) by deliberate drift:
#
#   drift-scenario.py cluster tests/kube/scenarios/basic.json OUTDIR
#   drift-scenario.py node FROM-API.json OUTDIR/node.json
#
# - missing: default/web's ready endpoint 10.244.2.11 is not in the node's rules;
# - stale: the node still sends default/sticky to 10.244.2.99, which the cluster has not;
# - terminating: default/api's 10.244.2.22 is terminating in the cluster, still programmed;
# - unserved: default/orders is new in the cluster, the node has no frontend for it (the
#   --drop of scenario-from-api.py);
# - owner: the node's rules name monitoring/syslog "syslog-old" (its address is syslog's).
# The node step also writes node.json.ipvs0, the addresses for kube-ipvs0: the node's view's
# Service IPs and one of no Service. The ipsets are made by the test.
import json
import os
import sys


def find(sc, name):
    return next((s for s in sc["services"] if s["metadata"]["name"] == name), None)


def node_view(args):
    node = json.load(open(args[0]))
    assert not find(node, "orders"), "default/orders should have been dropped"
    web = find(node, "web")
    web["endpoints"] = [e for e in web["endpoints"] if e["ip"] != "10.244.2.11"]
    find(node, "sticky")["endpoints"].append({"ip": "10.244.2.99", "node": "worker-2", "state": "ready"})
    api = [e for e in find(node, "api")["endpoints"] if e["ip"] == "10.244.2.22"]
    assert api and api[0]["state"] != "ready", api
    api[0]["state"] = "ready"
    find(node, "syslog")["metadata"]["name"] = "syslog-old"
    json.dump(node, open(args[1], "w"), indent=1)
    # kube-ipvs0 as ipvs mode left it for this view: its Service IPs, and one of none
    have = ["10.96.99.99"]
    for s in node["services"]:
        spec = s["spec"]
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") in (None, "None"):
            continue
        have += (spec.get("clusterIPs") or [spec["clusterIP"]]) + (spec.get("externalIPs") or [])
        have += [i["ip"] for i in (s["status"].get("loadBalancer") or {}).get("ingress", []) if "ip" in i]
    with open(args[1] + ".ipvs0", "w") as f:
        f.write("\n".join(sorted(set(have))) + "\n")


def main():
    if sys.argv[1] == "node":
        return node_view(sys.argv[2:])
    src, out = sys.argv[2], sys.argv[3]
    cluster = json.load(open(src))
    cluster["description"] = "dp-join-test: " + cluster.get("description", "")
    cluster["services"].append(
        {"metadata": {"name": "orders", "namespace": "default", "labels": {"app": "orders"}},
         "spec": {"type": "ClusterIP", "clusterIP": "10.96.50.50",
                  "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
                  "selector": {"app": "orders"}},
         "endpoints": [{"ip": "10.244.1.70", "node": "worker-1", "state": "ready"}]})

    # Every frontend of a Service carries its endpoints, so the drift shows once per frontend.
    expect = {
        "missing": sorted(["tcp 10.96.120.15:80 10.244.2.11:8080 default/web:http"]),
        "stale": sorted(["tcp 10.96.77.77:9000 10.244.2.99:9000 default/sticky:tcp",
                         "tcp 192.168.122.250:9000 10.244.2.99:9000 default/sticky:tcp"]),
        # api's endpoints are ready 10.244.1.20 and, by the node's old rules, 10.244.2.22
        "terminating": sorted(["tcp 10.96.33.7:8080 10.244.2.22:8080 default/api:http",
                               "tcp *:30080 10.244.2.22:8080 default/api:http"]),
        "unserved": ["default/orders:http tcp 10.96.50.50:80"],
        "name_mismatch": sorted(["udp 10.96.90.14:514", "udp *:30514"]),
        # kube-ipvs0 (node.json.ipvs0): every Service IP of the node's view, so all but
        # orders' (unreachable), and one left behind
        "ipvs0_missing": ["10.96.50.50"],
        "ipvs0_extra": ["10.96.99.99"],
    }
    os.makedirs(out, exist_ok=True)
    json.dump(cluster, open(os.path.join(out, "cluster.json"), "w"), indent=1)
    json.dump(expect, open(os.path.join(out, "expect.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
