#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-kube-nft.py: writes the nftables ruleset kube-proxy (nftables mode) programs on one node,
# as `nft -f` input in the order of its transactions, from an apiserver.py scenario (or a
# synthetic cluster of --services N with --endpoints M each, for the benchmark).
#
#   gen-kube-nft.py tests/kube/scenarios/basic.json [--node worker-1] [--family ip|ip6|both]
#   gen-kube-nft.py --services 10000 --endpoints 10
#
# Rule shapes as pkg/proxy/nftables/proxier.go writes them: verdict maps service-ips and
# service-nodeports, no-endpoint-services / no-endpoint-nodeports, firewall-ips, the set
# cluster-ips, chains service-/local-/external-/firewall-HASH-ns/name/proto/port with a
# numgen vmap to endpoint-HASH-...__IP/PORT chains ending in dnat, affinity-* sets.
import argparse
import base64
import hashlib
import json
import sys

MASQ_MARK = "0x00004000"


def hashed(name):
    """kube-proxy's chain name base: 8 base32 characters of sha256(name), '-', name."""
    h = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()[:8]
    s = h + "-" + name
    return s if len(s) <= 240 else s[:237] + "..."


def fam_of(ip):
    return "ip6" if ":" in ip else "ip"


class Table:
    def __init__(self, family, cluster_cidr, service_cidr):
        self.f = family
        self.addr_type = "ipv6_addr" if family == "ip6" else "ipv4_addr"
        self.cluster_cidr = cluster_cidr
        self.service_cidr = service_cidr
        self.chains, self.sets, self.rules = [], [], []
        self.elems = {}  # set/map name -> [element text]

    def chain(self, name):
        self.chains.append(name)

    def rule(self, chain, text):
        self.rules.append((chain, text))

    def elem(self, name, text):
        self.elems.setdefault(name, []).append(text)

    def plumbing(self):
        """setupNFTables(): base chains, jumps, masquerading, dispatch and check maps."""
        t = self.f
        nolocal = "ip6 daddr != ::1" if t == "ip6" else "ip daddr != 127.0.0.0/8"
        base = [("filter-prerouting", "filter", "prerouting", "-110"),
                ("filter-input", "filter", "input", "-110"),
                ("filter-forward", "filter", "forward", "-110"),
                ("filter-output", "filter", "output", "-110"),
                ("filter-output-post-dnat", "filter", "output", "-90"),
                ("nat-prerouting", "nat", "prerouting", "-100"),
                ("nat-output", "nat", "output", "-100"),
                ("nat-postrouting", "nat", "postrouting", "100")]
        # numeric priorities: Debian's nft 1.0.6 takes "dstnat" only on the prerouting hook
        out = ['add table %s kube-proxy { comment "rules for kube-proxy" ; }' % t]
        for name, typ, hook, prio in base:
            out.append("add chain %s kube-proxy %s { type %s hook %s priority %s ; }" %
                       (t, name, typ, hook, prio))
        for c in ("nodeport-endpoints-check", "service-endpoints-check", "cluster-ips-check",
                  "firewall-check", "services", "masquerading", "mark-for-masquerade",
                  "reject-chain"):
            out.append("add chain %s kube-proxy %s" % (t, c))
        at = self.addr_type
        out += [
            'add set %s kube-proxy cluster-ips { type %s ; comment "Active ClusterIPs" ; }' % (t, at),
            'add map %s kube-proxy no-endpoint-services { type %s . inet_proto . inet_service : verdict ; '
            'comment "vmap to drop or reject packets to services with no endpoints" ; }' % (t, at),
            'add map %s kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; '
            'comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }' % t,
            'add map %s kube-proxy firewall-ips { type %s . inet_proto . inet_service : verdict ; '
            'comment "destinations that are subject to LoadBalancerSourceRanges" ; }' % (t, at),
            'add map %s kube-proxy service-ips { type %s . inet_proto . inet_service : verdict ; '
            'comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }' % (t, at),
            'add map %s kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; '
            'comment "NodePort traffic" ; }' % t,
        ]
        r = [("filter-input", "ct state new jump nodeport-endpoints-check"),
             ("filter-input", "ct state new jump service-endpoints-check"),
             ("filter-forward", "ct state new jump service-endpoints-check"),
             ("filter-forward", "ct state new jump cluster-ips-check"),
             ("filter-output", "ct state new jump service-endpoints-check"),
             ("filter-output", "ct state new jump firewall-check"),
             ("filter-output-post-dnat", "ct state new jump cluster-ips-check"),
             ("filter-prerouting", "ct state new jump firewall-check"),
             ("nat-output", "jump services"),
             ("nat-postrouting", "jump masquerading"),
             ("nat-prerouting", "jump services"),
             ("mark-for-masquerade", "mark set mark or %s" % MASQ_MARK),
             ("masquerading", "mark and %s == 0 return" % MASQ_MARK),
             ("masquerading", "mark set mark xor %s" % MASQ_MARK),
             ("masquerading", "masquerade fully-random"),
             ("reject-chain", "reject"),
             ("service-endpoints-check",
              "%s daddr . meta l4proto . th dport vmap @no-endpoint-services" % t),
             ("nodeport-endpoints-check",
              "fib daddr type local %s meta l4proto . th dport vmap @no-endpoint-nodeports" % nolocal),
             ("firewall-check", "%s daddr . meta l4proto . th dport vmap @firewall-ips" % t),
             ("cluster-ips-check", '%s daddr @cluster-ips reject comment '
              '"Reject traffic to invalid ports of ClusterIPs"' % t),
             ("cluster-ips-check", '%s daddr %s drop comment "Drop traffic to unallocated ClusterIPs"'
              % (t, self.service_cidr)),
             ("services", "%s daddr . meta l4proto . th dport vmap @service-ips" % t),
             ("services", "fib daddr type local %s meta l4proto . th dport vmap @service-nodeports"
              % nolocal)]
        return out, r

    def text(self):
        head, prules = self.plumbing()
        out = list(head)
        t = self.f
        for c in self.chains:
            out.append("add chain %s kube-proxy %s" % (t, c))
        out += self.sets
        for c, r in prules + self.rules:
            out.append("add rule %s kube-proxy %s %s" % (t, c, r))
        for name, els in self.elems.items():
            # in batches, as a transaction of many elements would be
            for i in range(0, len(els), 1000):
                out.append("add element %s kube-proxy %s { %s }" % (t, name, ", ".join(els[i:i + 1000])))
        return "\n".join(out) + "\n"


def usable(eps, local_node=None):
    """proxy.CategorizeEndpoints, simplified: the ready ones, else the serving terminating."""
    eps = [e for e in eps if local_node is None or e.get("node") == local_node]
    ready = [e for e in eps if e.get("state", "ready") == "ready"]
    return ready or [e for e in eps if e.get("state") == "terminating-serving"]


def add_service_port(tb, svc, port, cip, node):
    md, spec = svc["metadata"], svc["spec"]
    t, ns, name = tb.f, md.get("namespace", "default"), md["name"]
    proto = port.get("protocol", "TCP").lower()
    pname = port.get("name", "")
    tport = port.get("targetPort", port["port"])
    base = hashed("%s/%s/%s/%s" % (ns, name, proto, pname))
    svc_chain, local_chain = "service-" + base, "local-" + base
    ext_chain, fw_chain = "external-" + base, "firewall-" + base
    comment = '"%s/%s:%s"' % (ns, name, pname) if pname else '"%s/%s"' % (ns, name)
    eps = [e for e in svc.get("endpoints") or [] if fam_of(e["ip"]) == t]
    cluster_eps = usable(eps)
    local_eps = usable(eps, node["name"])
    ext_local = spec.get("externalTrafficPolicy") == "Local"
    int_local = spec.get("internalTrafficPolicy") == "Local"
    has_eps = bool(cluster_eps)
    has_int = has_eps and (not int_local or bool(local_eps))
    has_ext = has_eps and (not ext_local or bool(local_eps))
    ext_ips = [ip for ip in spec.get("externalIPs") or [] if fam_of(ip) == t]
    lb_ips = [i["ip"] for i in ((svc.get("status") or {}).get("loadBalancer") or {})
              .get("ingress", []) if "ip" in i and fam_of(i["ip"]) == t]
    externally = bool(ext_ips or lb_ips or port.get("nodePort"))
    uses_cluster = bool(cluster_eps) and (not int_local or not ext_local)
    uses_local = bool(local_eps) and (int_local or ext_local)
    affinity = spec.get("sessionAffinity") == "ClientIP"
    timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get(
        "timeoutSeconds", 10800)
    reachable = {e["ip"]: e for e in (cluster_eps if uses_cluster else []) + (local_eps if uses_local else [])}

    def ep_chain(e):
        return "endpoint-" + hashed("%s/%s/%s/%s__%s/%s" % (ns, name, proto, pname,
                                                          e["ip"].replace(":", "."), tport))

    def aff_set(e):
        return "affinity-" + ep_chain(e)[len("endpoint-"):]

    for e in reachable.values():
        tb.chain(ep_chain(e))
    if uses_cluster:
        tb.chain(svc_chain)
    if uses_local:
        tb.chain(local_chain)
    if has_eps and externally:
        tb.chain(ext_chain)
    int_chain = local_chain if int_local else svc_chain
    ext_policy = local_chain if ext_local else svc_chain
    key = "%s . %s . %d" % (cip, proto, port["port"])
    tb.elem("cluster-ips", cip)
    if has_int:
        tb.elem("service-ips", "%s : goto %s" % (key, int_chain))
    else:
        tb.elem("no-endpoint-services", "%s comment %s : %s" %
                (key, comment, "goto reject-chain" if not has_eps else "drop"))
    ext_verdict = "goto reject-chain" if not has_eps else "drop"
    for ip in ext_ips + lb_ips:
        k = "%s . %s . %d" % (ip, proto, port["port"])
        if has_eps:
            tb.elem("service-ips", "%s : goto %s" % (k, ext_chain))
        if not has_ext:
            tb.elem("no-endpoint-services", "%s comment %s : %s" % (k, comment, ext_verdict))
    if port.get("nodePort"):
        k = "%s . %d" % (proto, port["nodePort"])
        if has_eps:
            tb.elem("service-nodeports", "%s : goto %s" % (k, ext_chain))
        if not has_ext:
            tb.elem("no-endpoint-nodeports", "%s comment %s : %s" % (k, comment, ext_verdict))
    if has_int:
        tb.rule(int_chain, "%s daddr %s %s dport %d %s saddr != %s jump mark-for-masquerade" %
                (t, cip, proto, port["port"], t, tb.cluster_cidr))
    if has_eps and externally:
        if not ext_local:
            tb.rule(ext_chain, "jump mark-for-masquerade")
        else:
            tb.rule(ext_chain, '%s saddr %s goto %s comment "short-circuit pod traffic"' %
                    (t, tb.cluster_cidr, svc_chain))
            tb.rule(ext_chain, 'fib saddr type local jump mark-for-masquerade comment '
                    '"masquerade local traffic"')
            tb.rule(ext_chain, 'fib saddr type local goto %s comment "short-circuit local traffic"'
                    % svc_chain)
        if has_ext:
            tb.rule(ext_chain, "goto %s" % ext_policy)
    if affinity:
        for e in reachable.values():
            tb.sets.append("add set %s kube-proxy %s { type %s ; flags dynamic,timeout ; timeout %ds ; }"
                           % (t, aff_set(e), tb.addr_type, timeout))
    for chain, group in ((svc_chain, cluster_eps if uses_cluster else []),
                         (local_chain, local_eps if uses_local else [])):
        if not group:
            continue
        if affinity:
            for e in group:
                tb.rule(chain, "%s saddr @%s goto %s" % (t, aff_set(e), ep_chain(e)))
        slots = ", ".join("%d : goto %s" % (i, ep_chain(e)) for i, e in enumerate(group))
        tb.rule(chain, "numgen random mod %d vmap { %s }" % (len(group), slots))
    for e in reachable.values():
        c = ep_chain(e)
        tb.rule(c, "%s saddr %s jump mark-for-masquerade" % (t, e["ip"]))
        if affinity:
            tb.rule(c, "update @%s { %s saddr }" % (aff_set(e), t))
        dst = "[%s]:%d" % (e["ip"], tport) if t == "ip6" else "%s:%d" % (e["ip"], tport)
        tb.rule(c, "meta l4proto %s dnat to %s" % (proto, dst))


def synthetic(n_services, n_eps):
    """A cluster of ClusterIP Services (every tenth a NodePort) with n_eps endpoints each."""
    svcs = []
    for i in range(n_services):
        cip = "10.%d.%d.%d" % (96 + (i >> 16), (i >> 8) & 255, i & 255)
        spec = {"type": "NodePort" if i % 10 == 0 else "ClusterIP", "clusterIP": cip,
                "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
        if i % 10 == 0:
            spec["ports"][0]["nodePort"] = 30000 + i // 10
        eps = []
        for j in range(n_eps):
            k = i * n_eps + j
            eps.append({"ip": "10.%d.%d.%d" % (128 + (k >> 16), (k >> 8) & 255, k & 255),
                        "node": "worker-1", "state": "ready"})
        svcs.append({"metadata": {"name": "svc-%d" % i, "namespace": "bench"}, "spec": spec,
                     "endpoints": eps})
    return {"podCIDR": "10.128.0.0/9", "serviceCIDR": "10.96.0.0/12",
            "nodes": [{"name": "worker-1", "internalIP": "192.168.122.11"}], "services": svcs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--node", default="worker-1")
    ap.add_argument("--family", default="both", choices=("ip", "ip6", "both"))
    ap.add_argument("--services", type=int, default=0)
    ap.add_argument("--endpoints", type=int, default=10)
    a = ap.parse_args()
    if a.services:
        sc = synthetic(a.services, a.endpoints)
    elif a.scenario:
        sc = json.load(open(a.scenario))
    else:
        ap.error("a scenario or --services N")
    node = next(n for n in sc["nodes"] if n["name"] == a.node)
    fams = ("ip", "ip6") if a.family == "both" else (a.family,)
    tables = {"ip": Table("ip", sc.get("podCIDR", "10.244.0.0/16"), sc.get("serviceCIDR", "10.96.0.0/12")),
              "ip6": Table("ip6", sc.get("podCIDR6", "fd00:10:244::/56"),
                           sc.get("serviceCIDR6", "fd00:10:96::/112"))}
    for svc in sc["services"]:
        spec = svc["spec"]
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
            continue
        for cip in spec.get("clusterIPs") or [spec["clusterIP"]]:
            for port in spec.get("ports") or []:
                add_service_port(tables[fam_of(cip)], svc, port, cip, node)
    sys.stdout.write("".join(tables[f].text() for f in fams))


if __name__ == "__main__":
    main()
