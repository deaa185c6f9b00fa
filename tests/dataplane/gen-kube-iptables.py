#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-kube-iptables.py: kube-proxy's iptables-mode rules for one node of a scenario.

Writes an iptables-restore file shaped like kube-proxy's (pkg/proxy/iptables, 1.28+):
nat KUBE-SERVICES / KUBE-NODEPORTS / KUBE-EXT- / KUBE-SVC- / KUBE-SVL- / KUBE-SEP- chains
and the filter table's REJECT rules for Services without endpoints, and, with --truth, what
a reader must find: one line per frontend, in the form check_dp_ipt.c renders its result:

  KIND PROTO ADDR PORT NS/NAME:PORT aff=0|1 noep=0|1 eps=IP:PORT@SHARE,...

Usage:
  gen-kube-iptables.py --scenario basic.json [--node worker-2] [--family 4|6]
                       [--services N --endpoints-per-service M] --out FILE [--truth FILE]

--services generates N Services of M endpoints each (every fourth a NodePort) instead of
the scenario's, for timing readers on a large rule set.
"""

import argparse
import base64
import hashlib
import ipaddress
import json
import sys

PROTOS = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp"}


def chain_hash(*parts):
    # kube-proxy: base32 of sha256 over the service port name and protocol, 16 characters.
    h = hashlib.sha256("".join(parts).encode()).digest()
    return base64.b32encode(h).decode()[:16]


def family_of(ip):
    return ipaddress.ip_address(ip).version


def host(ip):
    return ip + ("/32" if family_of(ip) == 4 else "/128")


def ep_str(ip, port):
    return ("[%s]:%d" if family_of(ip) == 6 else "%s:%d") % (ip, port)


def usable(eps):
    """kube-proxy's choice: ready endpoints, else serving-terminating ones."""
    ready = [e for e in eps if e.get("state", "ready") == "ready"]
    return ready or [e for e in eps if e.get("state") == "terminating-serving"]


class Rules:
    def __init__(self, family, node, pod_cidr):
        self.family = family
        self.node = node
        self.pod_cidr = pod_cidr
        self.chains = []
        self.nat = []
        self.filter = []
        self.nodeport_rules = []
        self.truth = []

    def chain(self, name):
        self.chains.append(name)
        return name

    def lb_chain(self, chain, spn, proto, eps, port, affinity):
        """A KUBE-SVC-/KUBE-SVL- chain over eps (IP strings); returns the truth's eps."""
        n = len(eps)
        shares = []
        left = 1.0
        seps = [self.chain("KUBE-SEP-" + chain_hash(spn, proto, ep_str(ip, port))) for ip in eps]
        if affinity:
            for ip, sep in zip(eps, seps):
                self.nat.append(
                    '-A %s -m comment --comment "%s -> %s" -m recent --name %s --mask %s '
                    "--rsource --rcheck --seconds 10800 --reap -j %s"
                    % (chain, spn, ep_str(ip, port), sep,
                       "255.255.255.255" if self.family == 4
                       else "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", sep))
        for i, (ip, sep) in enumerate(zip(eps, seps)):
            if i < n - 1:
                p = "%0.11f" % (1.0 / (n - i))
                self.nat.append('-A %s -m comment --comment "%s -> %s" -m statistic --mode random '
                                "--probability %s -j %s" % (chain, spn, ep_str(ip, port), p, sep))
                stored = round(float(p) * 2**31) / 2**31
            else:
                self.nat.append('-A %s -m comment --comment "%s -> %s" -j %s'
                                % (chain, spn, ep_str(ip, port), sep))
                stored = 1.0
            shares.append("%s@%.6f" % (ep_str(ip, port), left * stored))
            left *= 1.0 - stored
        return shares, seps

    def seps(self, spn, proto, eps, port, seps, affinity):
        for ip, sep in zip(eps, seps):
            self.nat.append("-A %s -s %s -m comment --comment %s -j KUBE-MARK-MASQ"
                            % (sep, host(ip), spn))
            recent = (" -m recent --set --name %s --mask %s --rsource"
                      % (sep, "255.255.255.255" if self.family == 4
                         else "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) if affinity else ""
            self.nat.append("-A %s -p %s -m comment --comment %s%s -m %s -j DNAT --to-destination %s"
                            % (sep, proto, spn, recent, proto, ep_str(ip, port)))

    def truth_line(self, kind, proto, addr, port, spn, affinity, eps, noep=False):
        self.truth.append("%s %s %s %d %s aff=%d noep=%d eps=%s" % (
            kind, proto, addr, port, spn, int(affinity), int(noep), ",".join(sorted(eps))))

    def service_port(self, svc, sp, eps_all):
        meta, spec = svc["metadata"], svc["spec"]
        ips = spec.get("clusterIPs") or [spec.get("clusterIP")]
        cip = next((ip for ip in ips if ip and ip != "None" and family_of(ip) == self.family), None)
        if not cip:
            return
        proto = PROTOS[sp.get("protocol", "TCP")]
        spn = "%s/%s" % (meta["namespace"], meta["name"]) + (":" + sp["name"] if sp.get("name") else "")
        port, tport = sp["port"], sp.get("targetPort", sp["port"])
        affinity = spec.get("sessionAffinity") == "ClientIP"
        eps = [e for e in usable(eps_all) if family_of(e["ip"]) == self.family]
        ext = [ip for ip in spec.get("externalIPs", []) if family_of(ip) == self.family]
        lbs = [i["ip"] for i in svc.get("status", {}).get("loadBalancer", {}).get("ingress", [])
               if "ip" in i and family_of(i["ip"]) == self.family]
        node_port = sp.get("nodePort")
        local = spec.get("externalTrafficPolicy") == "Local"
        if not eps:
            self.no_endpoints(spn, proto, cip, port, ext + lbs, node_port)
            return
        h = chain_hash(spn, proto)
        svc_chain = self.chain("KUBE-SVC-" + h)
        ext_chain = self.chain("KUBE-EXT-" + h) if ext or lbs or node_port else None
        self.nat.append('-A KUBE-SERVICES -d %s -p %s -m comment --comment "%s cluster IP" -m %s '
                        "--dport %d -j %s" % (host(cip), proto, spn, proto, port, svc_chain))
        self.nat.append('-A %s ! -s %s -d %s -p %s -m comment --comment "%s cluster IP" -m %s '
                        "--dport %d -j KUBE-MARK-MASQ"
                        % (svc_chain, self.pod_cidr, host(cip), proto, spn, proto, port))
        ips = [e["ip"] for e in eps]
        shares, seps = self.lb_chain(svc_chain, spn, proto, ips, tport, affinity)
        self.seps(spn, proto, ips, tport, seps, affinity)
        self.truth_line("cluster-ip", proto, cip, port, spn, affinity, shares)
        if not ext_chain:
            return
        ext_shares, ext_aff = shares, affinity
        if local:
            svl = self.chain("KUBE-SVL-" + h)
            mine = [e["ip"] for e in eps if e.get("node") == self.node]
            self.nat.append('-A %s -s %s -m comment --comment "pod traffic for %s external '
                            'destinations" -j %s' % (ext_chain, self.pod_cidr, spn, svc_chain))
            self.nat.append('-A %s -m comment --comment "masquerade LOCAL traffic for %s external '
                            'destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ'
                            % (ext_chain, spn))
            self.nat.append('-A %s -m comment --comment "route LOCAL traffic for %s external '
                            'destinations" -m addrtype --src-type LOCAL -j %s'
                            % (ext_chain, spn, svc_chain))
            self.nat.append("-A %s -j %s" % (ext_chain, svl))
            if mine:
                # The KUBE-SEP- chains are the cluster chain's: same endpoint, same hash.
                ext_shares, _ = self.lb_chain(svl, spn, proto, mine, tport, affinity)
            else:
                self.nat.append('-A %s -m comment --comment "%s has no local endpoints" '
                                "-j KUBE-MARK-DROP" % (svl, spn))
                ext_shares = []
        else:
            self.nat.append('-A %s -m comment --comment "masquerade traffic for %s external '
                            'destinations" -j KUBE-MARK-MASQ' % (ext_chain, spn))
            self.nat.append("-A %s -j %s" % (ext_chain, svc_chain))
        noep = not ext_shares
        for ip in ext:
            self.nat.append('-A KUBE-SERVICES -d %s -p %s -m comment --comment "%s external IP" '
                            "-m %s --dport %d -j %s" % (host(ip), proto, spn, proto, port, ext_chain))
            self.truth_line("external-ip", proto, ip, port, spn, ext_aff, ext_shares, noep)
        for ip in lbs:
            self.nat.append('-A KUBE-SERVICES -d %s -p %s -m comment --comment "%s loadbalancer IP"'
                            " -m %s --dport %d -j %s" % (host(ip), proto, spn, proto, port, ext_chain))
            self.truth_line("load-balancer", proto, ip, port, spn, ext_aff, ext_shares, noep)
        if node_port:
            self.nodeport_rules.append("-A KUBE-NODEPORTS -p %s -m comment --comment %s -m %s "
                                       "--dport %d -j %s" % (proto, spn, proto, node_port, ext_chain))
            self.truth_line("node-port", proto, "*", node_port, spn, ext_aff, ext_shares, noep)

    def no_endpoints(self, spn, proto, cip, port, ext, node_port):
        """filter table: kube-proxy rejects what has no endpoint before nat sees it."""
        rej = "icmp-port-unreachable" if self.family == 4 else "icmp6-port-unreachable"
        self.filter.append('-A KUBE-SERVICES -d %s -p %s -m comment --comment "%s has no endpoints"'
                           " -m %s --dport %d -j REJECT --reject-with %s"
                           % (host(cip), proto, spn, proto, port, rej))
        self.truth_line("cluster-ip", proto, cip, port, spn, False, [], True)
        for ip in ext:
            self.filter.append('-A KUBE-EXTERNAL-SERVICES -d %s -p %s -m comment --comment "%s has '
                               'no endpoints" -m %s --dport %d -j REJECT --reject-with %s'
                               % (host(ip), proto, spn, proto, port, rej))
            # The rule does not say whether the address is external or a load balancer's.
            self.truth_line("external-ip", proto, ip, port, spn, False, [], True)
        if node_port:
            self.filter.append('-A KUBE-EXTERNAL-SERVICES -p %s -m comment --comment "%s has no '
                               'endpoints" -m addrtype --dst-type LOCAL -m %s --dport %d -j REJECT '
                               "--reject-with %s" % (proto, spn, proto, node_port, rej))
            self.truth_line("node-port", proto, "*", node_port, spn, False, [], True)

    def text(self):
        out = ["*filter", ":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]",
               '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-'
               'visible service portals" -j KUBE-EXTERNAL-SERVICES',
               '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service '
               'portals" -j KUBE-SERVICES']
        out += self.filter + ["COMMIT", "*nat"]
        fixed = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ",
                 "KUBE-MARK-DROP"]
        out += [":%s - [0:0]" % c for c in fixed + sorted(set(self.chains))]
        out += ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
                '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
                '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" '
                "-j KUBE-POSTROUTING",
                "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
                "-A KUBE-MARK-DROP -j MARK --or-mark 0x8000",
                "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
                "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
                '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring '
                'SNAT" -j MASQUERADE --random-fully']
        out += self.nodeport_rules + self.nat
        out.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: '
                   'this must be the last rule in this chain" -m addrtype --dst-type LOCAL '
                   "-j KUBE-NODEPORTS")
        out.append("COMMIT")
        return "\n".join(out) + "\n"


def generated(n, m):
    """n Services of m endpoints, every fourth a NodePort, in the scenario's format."""
    svcs = []
    for i in range(n):
        spec = {"type": "NodePort" if i % 4 == 0 else "ClusterIP",
                "clusterIP": "10.%d.%d.%d" % (96 + i // 65536, i // 256 % 256, i % 256),
                "ports": [{"name": "p", "port": 80, "targetPort": 8080}]}
        if i % 4 == 0:
            spec["ports"][0]["nodePort"] = 30000 + i % 2768 if i < 2768 * 4 else 0
        eps = [{"ip": "10.%d.%d.%d" % (128 + (i * m + j) // 65536, (i * m + j) // 256 % 256,
                                       (i * m + j) % 256), "node": "worker-1", "state": "ready"}
               for j in range(m)]
        svcs.append({"metadata": {"name": "svc-%d" % i, "namespace": "gen"}, "spec": spec,
                     "endpoints": eps})
    return svcs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario")
    ap.add_argument("--node", default="worker-2")
    ap.add_argument("--family", type=int, choices=(4, 6), default=4)
    ap.add_argument("--services", type=int)
    ap.add_argument("--endpoints-per-service", type=int, default=10)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth")
    a = ap.parse_args()
    if a.services is not None:
        svcs, pod_cidr = generated(a.services, a.endpoints_per_service), "10.128.0.0/9"
    elif a.scenario:
        with open(a.scenario) as f:
            sc = json.load(f)
        svcs, pod_cidr = sc["services"], sc.get("podCIDR", "10.244.0.0/16")
    else:
        ap.error("--scenario or --services")
    if a.family == 6:
        pod_cidr = "fd00:10:244::/56"
    r = Rules(a.family, a.node, pod_cidr)
    for svc in svcs:
        spec = svc["spec"]
        ips = spec.get("clusterIPs") or [spec.get("clusterIP")]
        if spec.get("type") == "ExternalName" or ips[0] in (None, "None"):
            continue  # headless and ExternalName Services get no rules
        for sp in spec.get("ports", []):
            if sp.get("nodePort") == 0:
                sp = dict(sp)
                del sp["nodePort"]
            r.service_port(svc, sp, svc.get("endpoints", []))
    with open(a.out, "w") as f:
        f.write(r.text())
    if a.truth:
        with open(a.truth, "w") as f:
            f.write("".join(line + "\n" for line in sorted(r.truth)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
