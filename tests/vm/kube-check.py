#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kube-check.py: the host's half of vm-kube-test.sh.

Reads what guest-kube.sh brought back from the VM (kube/kube.json: ipvstop -j
against the real kernel and the API server double; ipvsadm's listings taken in
the guest around it; the dashboard's screens) and checks it against:
  - the kernel: every virtual service ipvsadm -Ln lists is in the document, and
    the kernel holds exactly the table ipvs-from-scenario.py --ipvsadm wrote;
  - the scenario (tests/kube/scenarios/basic.json): the owner each virtual
    service must have on node worker-1 (ClusterIP, NodePort on the node's
    address, load-balancer ingress, externalIPs, both families), worked out
    here from the Services, not from the table;
  - the API server: each real server's pod, as its EndpointSlices say;
  - ipvstop-kube-test.sh's expectations for kube-proxy's modes and every kind
    of drift (the same deliberate drift as there, now in a real kernel).
Then the screens: the owner column and the '!' marks row by row, 'd''s rows,
and the drift line, all against the JSON. Last, no key or token anywhere in
the outputs.

Prints "ok - name" or "not ok - name" lines (evidence indented below a
failure). Exit 0 when all passed, 1 otherwise.
"""
import argparse
import json
import os
import re
import ssl
import sys
import urllib.request

passed = failed = 0


def report(ok, name, evidence=None):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("not ok - " + name)
        if evidence:
            for line in str(evidence).rstrip("\n").split("\n")[:60]:
                print("    " + line)
    sys.stdout.flush()


def check(name, fn):
    """fn() returns True, or a string (the evidence), or raises."""
    try:
        r = fn()
    except Exception as e:  # a missing key or file is a failure with its reason
        report(False, name, "%s: %s" % (type(e).__name__, e))
        return False
    if r is True:
        report(True, name)
        return True
    report(False, name, r if isinstance(r, str) else "false")
    return False


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def vs_key(proto, addr, port):
    return "%s %s:%d" % (proto.lower(), "[%s]" % addr if ":" in addr else addr, int(port))


def split_hostport(hp):
    m = re.match(r"^\[(.*)\]:(\d+)$", hp) or re.match(r"^(.*):(\d+)$", hp)
    return m.group(1), int(m.group(2))


def ipvsadm_ln(path):
    """ipvsadm -Ln: {key: [real server "addr:port weight", ...]}, in order."""
    out = {}
    cur = None
    for line in read(path).splitlines():
        m = re.match(r"^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)", line)
        if m:
            a, p = split_hostport(m.group(2))
            cur = vs_key(m.group(1), a, p)
            out[cur] = []
            continue
        m = re.match(r"^\s+->\s+(\S+)\s+\S+\s+(\d+)", line)
        if m and cur:
            out[cur].append("%s %s" % (m.group(1), m.group(2)))
    return out


def expected_owners(sc, node_name):
    """(proto, addr, port) key -> (owner label, kind) that kube-proxy's Service implies."""
    node = next(n for n in sc["nodes"] if n["name"] == node_name)
    own = {}
    for svc in sc["services"]:
        md, spec = svc["metadata"], svc["spec"]
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
            continue
        name = "%s/%s" % (md.get("namespace", "default"), md["name"])
        for port in spec["ports"]:
            proto = port.get("protocol", "TCP")
            label = "%s:%s" % (name, port["name"]) if port.get("name") else name
            for cip in spec.get("clusterIPs") or [spec["clusterIP"]]:
                own[vs_key(proto, cip, port["port"])] = (label, "cluster-ip")
            for ip in spec.get("externalIPs") or []:
                own[vs_key(proto, ip, port["port"])] = (label, "external-ip")
            for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress", []):
                if "ip" in ing:
                    own[vs_key(proto, ing["ip"], port["port"])] = (label, "load-balancer")
            if port.get("nodePort"):
                for ip in (node.get("internalIP"), node.get("internalIP6")):
                    if ip:
                        own[vs_key(proto, ip, port["nodePort"])] = (label, "node-port")
    return own


def screen_rows(path):
    """The services pane of a stacked screen: [(key, mark, owner)]."""
    rows = []
    on = False
    for line in read(path).splitlines():
        if re.match(r"^ Virtual services", line):
            on = True
            continue
        if re.match(r"^ Real servers", line):
            on = False
        if not on:
            continue
        m = re.match(r"^(TCP|UDP|SCTP) +(\S+) .*\d (.) (\S.*?)\s*$", line)
        if m:
            a, p = split_hostport(m.group(2))
            rows.append((vs_key(m.group(1), a, p), m.group(3), m.group(4)))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="the guest's /out, extracted")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--table", required=True, help="the ipvsadm -R input the guest restored")
    ap.add_argument("--node", default="worker-1")
    ap.add_argument("--guest-url", required=True)
    ap.add_argument("--url", required=True, help="the API server, from the host")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--requests", help="the server's requests.jsonl")
    ap.add_argument("--secret", action="append", default=[],
                    help="a key or token file whose content must appear in no output")
    ap.add_argument("--scan", action="append", default=[],
                    help="more output files or directories to scan for secrets")
    a = ap.parse_args()
    kdir = os.path.join(a.out, "kube")
    sc = json.load(open(a.scenario))

    doc = {}
    try:
        with open(os.path.join(kdir, "kube.json")) as f:
            doc = json.loads(f.readline())
    except Exception as e:
        report(False, "ipvstop -j wrote a JSON document in the guest", "%s: %s\n%s" % (
            type(e).__name__, e, read(os.path.join(kdir, "kube.stderr"))
            if os.path.exists(os.path.join(kdir, "kube.stderr")) else ""))
    k = doc.get("kube") or {}
    svcs = (doc.get("ipvs") or {}).get("services") or []
    by_key = {vs_key(s["protocol"], s["address"], s["port"]): s for s in svcs if not s.get("fwmark")}

    def vs(addr, port, proto="tcp"):
        s = by_key.get(vs_key(proto, addr, port))
        if s is None:
            raise AssertionError("no virtual service %s in the document" % vs_key(proto, addr, port))
        return s

    def rs(s, addr):
        for x in s["destinations"]:
            if x["address"] == addr:
                return x
        raise AssertionError("no real server %s" % addr)

    def node(name):
        return next(n for n in k["proxy"]["nodes"] if n["node"] == name)

    def expr(e):
        names = {"k": k, "vs": vs, "rs": rs, "node": node, "a": a}

        def f():
            return True if eval(e, {}, names) else "false: %s" % e
        return f

    # --- the kernel -------------------------------------------------------------------
    def kernel_table():
        want = sorted(l.strip() for l in read(a.table).splitlines() if l.strip())
        got = sorted(l.strip() for l in read(os.path.join(kdir, "ipvsadm-S.txt")).splitlines()
                     if l.strip())
        if want == got:
            return True
        return "only in the input:\n  %s\nonly in the kernel:\n  %s" % (
            "\n  ".join(sorted(set(want) - set(got))), "\n  ".join(sorted(set(got) - set(want))))
    check("the real kernel holds exactly kube-proxy's table for %s (ipvsadm -Sn = the -R input)"
          % a.node, kernel_table)
    before = ipvsadm_ln(os.path.join(kdir, "ipvsadm-before.txt"))
    after = ipvsadm_ln(os.path.join(kdir, "ipvsadm-after.txt"))

    def same_services():
        if before != after:
            return "ipvsadm -Ln changed while ipvstop ran"
        if doc.get("ipvs", {}).get("source") != "netlink":
            return "source %r, not netlink" % doc.get("ipvs", {}).get("source")
        if set(before) != set(by_key):
            return "ipvsadm -Ln only: %s\nJSON only: %s" % (
                sorted(set(before) - set(by_key)), sorted(set(by_key) - set(before)))
        for key, dests in before.items():
            got = sorted("%s %d" % ("[%s]:%d" % (d["address"], d["port"]) if ":" in d["address"]
                                    else "%s:%d" % (d["address"], d["port"]), d["weight"])
                         for d in by_key[key]["destinations"])
            if got != sorted(dests):
                return "%s: ipvsadm %s, JSON %s" % (key, sorted(dests), got)
        return True
    check("the JSON (via netlink) has the %d virtual services and real servers ipvsadm -Ln lists"
          % len(before), same_services)

    # --- the cluster ------------------------------------------------------------------
    check("the cluster is read over 10.0.2.2 (context, version, server, synced, no error)",
          expr('k["enabled"] and k["synced"] and k["error"] is None and '
               'k["context"] == "ipvstop-test" and k["version"] == "v1.34.1" and '
               'k["server"] == a.guest_url'))
    check("ClusterIP virtual service -> its Service and port",
          expr('vs("10.96.120.15", 80)["kube"]["service"] == "default/web:http" and '
               'vs("10.96.120.15", 80)["kube"]["kind"] == "cluster-ip"'))
    check("NodePort on worker-1's address -> its Service",
          expr('vs("192.168.122.11", 30080)["kube"]["service"] == "default/api:http" and '
               'vs("192.168.122.11", 30080)["kube"]["kind"] == "node-port"'))
    check("load-balancer ingress -> its Service",
          expr('vs("192.168.122.240", 80)["kube"]["kind"] == "load-balancer" and '
               'vs("192.168.122.240", 80)["kube"]["name"] == "frontend"'))
    check("externalIP -> its Service",
          expr('vs("192.168.122.250", 9000)["kube"]["kind"] == "external-ip" and '
               'vs("192.168.122.250", 9000)["kube"]["service"] == "default/sticky:tcp"'))
    check("IPv6 ClusterIP of a dual-stack Service",
          expr('vs("fd00:10:96::4040", 80)["kube"]["service"] == "default/dual:http" and '
               'rs(vs("fd00:10:96::4040", 80), "fd00:10:244:1::60")["kube"]["pod"] == '
               '"default/dual-7c9d8b6f5d-k2x4p"'))
    check("a real server -> its pod, node and conditions",
          expr('rs(vs("10.96.120.15", 80), "10.244.1.10")["kube"]["node"] == "worker-1" and '
               'rs(vs("10.96.120.15", 80), "10.244.1.10")["kube"]["pod"].startswith("default/web-") '
               'and rs(vs("10.96.120.15", 80), "10.244.1.10")["kube"]["ready"]'))

    def owners():
        own = expected_owners(sc, a.node)
        bad = []
        for key in before:
            s = by_key.get(key)
            got = (s["kube"]["service"], s["kube"]["kind"]) if s and s.get("kube") else None
            want = own.get(key)
            if got != want:
                bad.append("%s: JSON %s, the scenario implies %s" % (key, got, want))
        unowned = [key for key in before if key not in own]
        if unowned != ["tcp 10.96.250.250:80"]:
            bad.append("virtual services no Service explains: %s (wanted only tcp 10.96.250.250:80)"
                       % unowned)
        return "\n".join(bad) if bad else True
    check("every virtual service ipvsadm -Ln lists has the owner the scenario implies (%d)"
          % len(before), owners)

    def pods():
        ctx = ssl.create_default_context(cafile=a.ca)
        ctx.load_cert_chain(a.cert, a.key)
        req = urllib.request.Request(a.url + "/apis/discovery.k8s.io/v1/endpointslices",
                                     headers={"Accept": "application/json"})
        sl = json.load(urllib.request.urlopen(req, context=ctx, timeout=10))
        want = {}
        for s in sl["items"]:
            for e in s.get("endpoints") or []:
                ref = e.get("targetRef") or {}
                if ref.get("kind") == "Pod":
                    want[e["addresses"][0]] = (
                        "%s/%s" % (ref.get("namespace", s["metadata"]["namespace"]), ref["name"]),
                        e.get("nodeName"))
        n, bad = 0, []
        for v in svcs:
            for x in v["destinations"]:
                if x.get("kube") and x["kube"].get("pod"):
                    if want.get(x["address"]) != (x["kube"]["pod"], x["kube"]["node"]):
                        bad.append("%s: JSON %s on %s, EndpointSlices %s" % (
                            x["address"], x["kube"]["pod"], x["kube"]["node"], want.get(x["address"])))
                    n += 1
                elif x["address"] in want and x["address"] != "10.244.9.99":
                    bad.append("%s: no pod in the JSON, EndpointSlices %s" % (
                        x["address"], want[x["address"]]))
        if n < 10:
            bad.append("only %d real servers with a pod" % n)
        return "\n".join(bad) if bad else True
    check("every real server's pod and node agree with the API server's EndpointSlices", pods)

    check("configured mode: ConfigMap mode \"\" means iptables",
          expr('k["proxy"]["configured_mode"] == "iptables" and k["proxy"]["config_mode"] == ""'))
    check("actual mode per node, from each kube-proxy log (cp-1 ipvs, worker-1 ipvs, worker-2 iptables)",
          expr('node("cp-1")["mode"] == "ipvs" and node("worker-1")["mode"] == "ipvs" and '
               'node("worker-2")["mode"] == "iptables"'))
    check("kube-proxy pod health per node", expr('node("worker-1")["restarts"] == 2 and node("cp-1")["ready"]'))
    check("this node is worker-1 (--node)",
          expr('node("worker-1")["this_node"] and not node("cp-1")["this_node"]'))

    # --- kube-proxy's health here; a new connection's cost ----------------------------
    check("kube-proxy's port: nothing listens in the guest, said and not warned about",
          expr('k["proxy"]["this_node"]["kube_proxy"]["error"] == '
               '"GET http://127.0.0.1:10249/metrics: nothing listens there" and '
               'not k["proxy"]["this_node"]["kube_proxy"]["warn"]'))

    def cost_ipvs():
        nvs = sum(1 for l in read(os.path.join(kdir, "ipvsadm-S.txt")).splitlines()
                  if l.startswith("-A "))
        c = [x for x in doc.get("new_connection_cost", []) if x["plane"] == "ipvs"]
        if len(c) == 1 and c[0]["lookup"] == "hash" and c[0]["size"] == nvs and nvs > 0:
            return True
        return "ipvsadm -Sn has %d virtual services; new_connection_cost: %s" % (
            nvs, doc.get("new_connection_cost"))
    check("new connection cost: one hash lookup among as many virtual services as ipvsadm lists",
          cost_ipvs)

    def conn_reuse(v, mismatch):
        def f():
            try:
                d = json.loads(read(os.path.join(kdir, "conn-reuse-%d.json" % v)).splitlines()[0])
                cr = d["kube"]["proxy"]["this_node"]["kube_proxy"]["conn_reuse_mode"]
                txt = read(os.path.join(kdir, "conn-reuse-%d.txt" % v))
            except (OSError, IndexError, KeyError, ValueError) as e:
                return "%s: %s" % (type(e).__name__, e)
            # Debian's cloud kernel: 6.1 or later, past 5.9 where kube-proxy stops setting 0.
            kv = tuple(int(x) for x in (cr["kernel"] or "0.0").split("."))
            line = ("! net.ipv4.vs.conn_reuse_mode=0 on kernel %s: conn_reuse_mode=0 on a kernel "
                    "since 5.9" % cr["kernel"])
            ok = (cr["value"] == v and kv >= (5, 9) and cr["kube_proxy_sets"] is None and
                  cr["ipvs_mode"] and cr["mismatch"] == mismatch and
                  (cr["why"] is not None) == mismatch and (line in txt) == mismatch and
                  d["kube"]["proxy"]["this_node"]["kube_proxy"]["warn"] == mismatch)
            return True if ok else "conn_reuse_mode: %s\n-b:\n%s" % (cr, txt[:2000])
        return f
    check("conn_reuse_mode 0 on the VM's kernel (since 5.9) in ipvs mode: a mismatch, warned in -j and -b",
          conn_reuse(0, True))
    check("conn_reuse_mode 1 on the VM's kernel (since 5.9) in ipvs mode: as kube-proxy leaves it, no warning",
          conn_reuse(1, False))

    # --- drift, as ipvstop-kube-test.sh expects it ------------------------------------
    check("drift: the endpoint the kernel lacks (10.244.2.11:8080)",
          expr('[m["endpoint"] for m in k["drift"]["missing_endpoints"]] == ["10.244.2.11:8080"]'))
    check("drift: the real server no endpoint explains (10.244.9.99:8080)",
          expr('{x["real_server"] for x in k["drift"]["unexplained_real_servers"]} == {"10.244.9.99:8080"}'))
    check("drift: the weight-0 real server, with its terminating pod (10.244.2.22:8080)",
          expr('{x["real_server"] for x in k["drift"]["draining"]} == {"10.244.2.22:8080"} and '
               'all(x["terminating"] for x in k["drift"]["draining"])'))
    check("drift: the virtual service no Service explains (tcp 10.96.250.250:80)",
          expr('k["drift"]["unowned_virtual_services"] == ["tcp 10.96.250.250:80"]'))
    check("drift: the Service without a virtual service (monitoring/syslog)",
          expr('"monitoring/syslog:syslog" in [u["service"] for u in '
               'k["drift"]["services_without_virtual_service"]]'))
    check("drift: scheduler wlc on frontend where ipvs.scheduler \"\" means rr",
          expr('{x["configured"] for x in k["drift"]["scheduler_mismatch"]} == {"rr"} and '
               '"tcp 10.96.200.4:80" in [x["virtual_service"] for x in k["drift"]["scheduler_mismatch"]] '
               'and {x["kernel"] for x in k["drift"]["scheduler_mismatch"]} == {"wlc"}'))
    check("drift: sessionAffinity ClientIP without persistence (sticky's ClusterIP)",
          expr('k["drift"]["affinity_mismatch"] == ["tcp 10.96.77.77:9000"]'))
    check("the virtual services that match have no drift mark",
          expr('vs("10.96.40.40", 80)["kube"]["scheduler_mismatch"] is False and '
               'vs("192.168.122.250", 9000)["kube"]["affinity_mismatch"] is False'))

    # --- the screens against the JSON -------------------------------------------------
    drift = k.get("drift") or {}
    drift_set = set(drift.get("unowned_virtual_services") or [])
    drift_set |= set(drift.get("affinity_mismatch") or [])
    for kind in ("missing_endpoints", "unexplained_real_servers", "scheduler_mismatch"):
        drift_set |= {x["virtual_service"] for x in drift.get(kind) or []}

    def owner_column():
        rows = screen_rows(os.path.join(kdir, "dash-all.txt"))
        bad = []
        if {r[0] for r in rows} != set(by_key):
            bad.append("rows %s, JSON %s" % (sorted(r[0] for r in rows), sorted(by_key)))
        for key, mark, owner in rows:
            s = by_key.get(key)
            want = s["kube"]["service"] if s and s.get("kube") else "(no Service)"
            if owner != want:
                bad.append("%s shows %r, JSON %r" % (key, owner, want))
            if (mark == "!") != (key in drift_set):
                bad.append("%s: mark %r, drift %s" % (key, mark, key in drift_set))
        return "\n".join(bad) if bad else True
    check("screen: each row's owner and '!' as the JSON has them", owner_column)

    def drift_screen():
        p = os.path.join(kdir, "dash-drift.txt")
        rows = screen_rows(p)
        m = re.search(r"^ Virtual services with drift: (\d+) of (\d+)", read(p), re.M)
        bad = []
        if not m or int(m.group(1)) != len(drift_set) or int(m.group(2)) != len(by_key):
            bad.append("title %r, wanted %d of %d" % (m and m.group(0), len(drift_set), len(by_key)))
        if {r[0] for r in rows} != drift_set or any(r[1] != "!" for r in rows):
            bad.append("rows %s\nwanted %s" % (sorted(r[0] for r in rows), sorted(drift_set)))
        return "\n".join(bad) if bad else True
    check("screen: d lists exactly the virtual services with drift (%d)" % len(drift_set), drift_screen)

    def drift_line():
        c = drift.get("counts") or {}
        want = ("Drift: %d endpoints missing, %d real servers unexplained, %d draining, "
                "%d virtual services unowned, %d Services without one, %d scheduler mismatches") % (
            c["missing_endpoints"], c["unexplained_real_servers"], c["draining"],
            c["unowned_virtual_services"], c["services_without_virtual_service"],
            c["scheduler_mismatch"])
        got = next((l.rstrip() for l in read(os.path.join(kdir, "dash-all.txt")).splitlines()
                    if l.startswith("Drift:")), None)
        if got and len(got) >= 40 and want.startswith(got):
            return True
        return "screen: %r\nJSON:   %r" % (got, want)
    check("screen: the drift line has the JSON's counts (as far as 120 columns show)", drift_line)

    # --- the server saw the guest -----------------------------------------------------
    if a.requests:
        def server_log():
            reqs = [json.loads(l) for l in open(a.requests) if l.strip()]
            lists = [r for r in reqs if r.get("path") == "/api/v1/services" and
                     r.get("verb") == "list"]
            hung = [r for r in reqs if r.get("path") == "/api/v1/services" and
                    (r.get("fault") or {}).get("kind") == "hang"]
            ctl = [r for r in reqs if r.get("path") == "/_control"]
            if len(lists) >= 2 and hung and len(ctl) >= 2 and \
                    all(r.get("auth", {}).get("kind") in ("cert", None) for r in lists):
                return True
            return "%d Service lists, %d hung, %d control requests" % (len(lists), len(hung), len(ctl))
        check("the server's log: the guest's lists (client certificate), its control requests, "
              "and a list the hang swallowed", server_log)

    # --- secrets ------------------------------------------------------------------------
    def no_secrets():
        needles = []
        for p in a.secret:
            for line in read(p).splitlines():
                line = line.strip()
                if len(line) >= 16 and not line.startswith("-----"):
                    needles.append(line)
        if not needles:
            return "nothing to look for (no secret files)"
        files = []
        for root in [a.out] + a.scan:
            if os.path.isdir(root):
                for d, _, fs in os.walk(root):
                    files += [os.path.join(d, f) for f in fs]
            elif os.path.exists(root):
                files.append(root)
        hits = []
        for f in files:
            try:
                text = open(f, "rb").read().decode("latin-1")
            except OSError:
                continue
            if any(n in text for n in needles):
                hits.append(f)  # the file, never the secret
        return "key or token material in: %s" % ", ".join(hits) if hits else True
    check("no key or token in anything the guest or the server wrote", no_secrets)

    print("# kube-check: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
