#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""scenario-from-api.py: the Services and EndpointSlices an API server serves, as the scenario
that gen-kube-nft.py and gen-kube-iptables.py write kube-proxy's rules from.

  kubectl get svc -A -o json > svc.json; kubectl get endpointslices -A -o json > eps.json
  kubectl get nodes -o json > nodes.json
  scenario-from-api.py svc.json eps.json nodes.json out.json [--drop NS/NAME]

So the rules a test loads are those of the cluster ipvstop reads (kubectl is the witness),
defaults the API server adds (default/kubernetes, kube-system/kube-dns) included. --drop
leaves a Service out of the rules, as a kube-proxy that has not synced it yet would.
"""
import argparse
import json


def state(cond):
    if cond.get("ready", True):
        return "ready"
    if cond.get("serving", False) and cond.get("terminating", False):
        return "terminating-serving"
    return "not-ready"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("services")
    ap.add_argument("slices")
    ap.add_argument("nodes")
    ap.add_argument("out")
    ap.add_argument("--drop", action="append", default=[])
    a = ap.parse_args()
    svcs = json.load(open(a.services))["items"]
    slices = json.load(open(a.slices))["items"]
    out = []
    for s in svcs:
        md = s["metadata"]
        key = "%s/%s" % (md["namespace"], md["name"])
        if key in a.drop:
            continue
        mine = [sl for sl in slices if sl["metadata"]["namespace"] == md["namespace"] and
                sl["metadata"].get("labels", {}).get("kubernetes.io/service-name") == md["name"]]
        spec = dict(s["spec"])
        ports = []
        for p in spec.get("ports", []):
            p = dict(p)
            # The endpoints' port of the same name (a targetPort may be a name).
            for sl in mine:
                for sp in sl.get("ports") or []:
                    if sp.get("name", "") == p.get("name", ""):
                        p["targetPort"] = sp["port"]
            if not isinstance(p.get("targetPort"), int):
                p["targetPort"] = p["port"]
            ports.append(p)
        spec["ports"] = ports
        eps = [{"ip": addr, "node": e.get("nodeName"), "state": state(e.get("conditions") or {}),
                "pod": (e.get("targetRef") or {}).get("name")}
               for sl in mine for e in sl.get("endpoints") or [] for addr in e["addresses"]]
        out.append({"metadata": {"namespace": md["namespace"], "name": md["name"]}, "spec": spec,
                    "status": s.get("status", {}), "endpoints": eps})
    nodes = [{"name": n["metadata"]["name"],
              "internalIP": next((x["address"] for x in n.get("status", {}).get("addresses", [])
                                  if x.get("type") == "InternalIP"), None)}
             for n in json.load(open(a.nodes))["items"]]
    json.dump({"services": out, "nodes": nodes}, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
