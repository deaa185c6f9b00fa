#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cluster-scenario.py: the three-node cluster of the nodes and cluster tests, as a scenario
of apiserver.py, on standard output.

Usage: cluster-scenario.py BASIC.json AGENTS.json [--prefix 127.0.0.3]

basic.json's Services and EndpointSlices, with the nodes cp-1 (no agent) and worker-1..3,
whose InternalIPs (and agent pods' IPs) are PREFIX1..PREFIX3; worker-3's kube-proxy
crash-loops; kube-proxy is configured for ipvs; the readers of agents.json (tokens and
service accounts) beside basic.json's own tokens.
"""
import argparse
import json
import sys

ap = argparse.ArgumentParser()
ap.add_argument("basic")
ap.add_argument("agents")
ap.add_argument("--prefix", default="127.0.0.3")
a = ap.parse_args()
basic, agents = json.load(open(a.basic)), json.load(open(a.agents))
nodes = [n for n in basic["nodes"] if n["name"] == "cp-1"]
for i in (1, 2, 3):
    kp = {"mode": "ipvs", "ready": True, "restarts": 0, "ageSeconds": 86400}
    if i == 3:
        kp = {"mode": "ipvs", "crashLoop": True, "restarts": 7, "ageSeconds": 600}
    ip = "%s%d" % (a.prefix, i)
    nodes.append({"name": "worker-%d" % i, "internalIP": ip, "kubeProxy": kp,
                  "agent": {"podIP": ip}})
basic["nodes"] = nodes
basic["kubeProxyConfig"] = dict(basic.get("kubeProxyConfig") or {}, mode="ipvs")
names = {t["name"] for t in agents["tokens"]}
basic["tokens"] = [t for t in basic["tokens"] if t["name"] not in names] + agents["tokens"]
basic["objects"] = basic.get("objects", []) + agents.get("objects", [])
json.dump(basic, sys.stdout, indent=1)
