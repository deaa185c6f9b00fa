#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check-prom.py: holds a /metrics document (output_prom, through tests/prom-dump) against
# what it was made from: the recording's numbers (every virtual service's and real server's
# counters and gauges), and the witness `ipvstop --replay REC -j -n 1` of the same recording
# and cluster (owners, pods, drift counts, kube-proxy's mode and health, reader state).
# Prints "ok - ..." / "not ok - ..." lines (tests/lib.sh's format), one per check.
#
#   check-prom.py subcommand PROM REC [--witness DOC.json] [--max N]
#     table    the recording's table, each value, and (with --witness) the cluster's part
#     bound    N real servers kept, the busiest, the rest counted as dropped
#     planes   the other data planes (sizes, drift per plane, ipsets, readers) against a live
#              witness `ipvstop -j -n 1` (its IPVS table is not the recording's: not compared)
import argparse
import json
import re
import sys

failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok - " + name)
    else:
        failed += 1
        print("not ok - " + name + (": " + detail if detail else ""))


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def parse_labels(text):
    """name="value",... with the format's escapes (\\\\, \\", \\n) undone."""
    out, i = {}, 0
    while i < len(text):
        eq = text.index("=", i)
        name = text[i:eq]
        assert text[eq + 1] == '"', text[i:]
        j, val = eq + 2, []
        while text[j] != '"':
            if text[j] == "\\":
                val.append({"\\": "\\", '"': '"', "n": "\n"}[text[j + 1]])
                j += 2
            else:
                val.append(text[j])
                j += 1
        out[name] = "".join(val)
        i = j + 1
        if i < len(text):
            assert text[i] == ",", text[i:]
            i += 1
    return out


def parse(path):
    """[(name, labels, value)] of every sample."""
    samples = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            m = LINE.match(line)
            assert m, line[:200]
            samples.append((m.group(1), parse_labels(m.group(2) or ""), float(m.group(3))))
    return samples


def index(samples):
    """name -> {frozenset(labels): value}"""
    out = {}
    for name, labels, v in samples:
        out.setdefault(name, {})[frozenset(labels.items())] = v
    return out


def vs_labels(vs):
    if vs["fwmark"]:
        return {"fwmark": str(vs["fwmark"]), "family": "ipv6" if vs["af"] == "inet6" else "ipv4",
                "scheduler": vs["scheduler"]}
    return {"protocol": vs["protocol"], "address": vs["address"], "port": str(vs["port"]),
            "scheduler": vs["scheduler"]}


def owner_labels(wvs):
    """The owner labels the witness's virtual service should give, or {}."""
    k = wvs.get("kube") if wvs else None
    if not k:
        return {}
    return {"namespace": k["namespace"], "service": k["name"], "port_name": k["port_name"]}


def pod_labels(wd):
    k = wd.get("kube") if wd else None
    if not k:
        return {}
    out = {}
    if k.get("pod"):
        ns, _, name = k["pod"].partition("/")
        out.update({"pod": name, "pod_namespace": ns} if name else {"pod": ns})
    if k.get("node"):
        out["node"] = k["node"]
    return out


def get(ix, name, labels):
    return ix.get(name, {}).get(frozenset(labels.items()))


def check_table(ix, rec, witness, kept=None):
    """Every virtual service's and kept real server's values against the recording."""
    svcs = rec["ipvs"]["services"]
    wsvcs = witness["ipvs"]["services"] if witness else [None] * len(svcs)
    bad, n_rs = [], 0
    for vs, wvs in zip(svcs, wsvcs):
        # label text from the witness (bytes that are not UTF-8 already U+FFFD there)
        lab = dict(vs_labels(wvs or vs), **owner_labels(wvs))
        st = vs["stats"]
        for name, want in (("ipvstop_virtual_service_connections_total", st["conns"]),):
            if get(ix, name, lab) != want:
                bad.append("%s%s = %r, recording %r" % (name, lab, get(ix, name, lab), want))
        for d, (a, b) in (("in", ("inpkts", "inbytes")), ("out", ("outpkts", "outbytes"))):
            dl = dict(lab, direction=d)
            if get(ix, "ipvstop_virtual_service_packets_total", dl) != st.get(a, 0):
                bad.append("packets %s %s" % (d, lab))
            if get(ix, "ipvstop_virtual_service_bytes_total", dl) != st.get(b, 0):
                bad.append("bytes %s %s" % (d, lab))
        dests = vs["destinations"] or []
        if get(ix, "ipvstop_virtual_service_active_connections", lab) != sum(
                x["active_conns"] for x in dests):
            bad.append("active of %s" % lab)
        wdests = wvs["destinations"] if wvs else [None] * len(dests)
        for dd, wd in zip(dests, wdests):
            rl = dict(lab, real_server=dd["address"], real_server_port=str(dd["port"]),
                      forward=(wd or dd)["forward"], **pod_labels(wd))
            if kept is not None and (vs["address"], dd["address"], dd["port"]) not in kept:
                continue
            n_rs += 1
            for name, want in (("ipvstop_real_server_active_connections", dd["active_conns"]),
                               ("ipvstop_real_server_inactive_connections", dd["inactive_conns"]),
                               ("ipvstop_real_server_weight", dd["weight"]),
                               ("ipvstop_real_server_connections_total",
                                dd["stats"].get("conns", 0))):
                if get(ix, name, rl) != want:
                    bad.append("%s%s = %r, recording %r" % (name, rl, get(ix, name, rl), want))
            if get(ix, "ipvstop_real_server_bytes_total", dict(rl, direction="out")) != \
                    dd["stats"].get("outbytes", 0):
                bad.append("rs bytes out %s" % rl)
    check("every virtual service's and real server's values are the recording's (%d, %d)"
          % (len(svcs), n_rs), not bad, "; ".join(bad[:5]))
    check("ipvstop_virtual_services is the recording's count",
          get(ix, "ipvstop_virtual_services", {}) == len(svcs))
    total = sum(len(v["destinations"] or []) for v in svcs)
    check("ipvstop_real_servers is the recording's count",
          get(ix, "ipvstop_real_servers", {}) == total)
    return total


def check_cluster(ix, witness):
    kube = witness["kube"]
    counts = kube["drift"]["counts"]
    for kind, n in counts.items():
        check("ipvstop_drift{kind=%s} is the witness's %d" % (kind, n),
              get(ix, "ipvstop_drift", {"kind": kind}) == n)
    check("some drift to count", sum(counts.values()) > 0)
    proxy = kube["proxy"]
    running = proxy["this_node"]["proxy_mode"] or ""
    mode = {"configured": proxy["configured_mode"] or "", "running": running}
    check("ipvstop_kube_proxy_mode_info%s" % mode,
          get(ix, "ipvstop_kube_proxy_mode_info", mode) == 1, str(ix.get("ipvstop_kube_proxy_mode_info")))
    kp = proxy["this_node"]["kube_proxy"]
    check("ipvstop_kube_proxy_sync_hung is the witness's %s" % kp["hung"],
          get(ix, "ipvstop_kube_proxy_sync_hung", {}) == (1 if kp["hung"] else 0))
    age = get(ix, "ipvstop_kube_proxy_last_sync_age_seconds", {})
    check("ipvstop_kube_proxy_last_sync_age_seconds near the witness's %s" % kp["last_sync_age"],
          age is not None and kp["last_sync_age"] is not None
          and abs(age - kp["last_sync_age"]) < 5, str(age))
    for reader in ("ipvs", "kube-api", "kube-proxy"):
        check("ipvstop_reader_up{reader=%s} 1" % reader,
              get(ix, "ipvstop_reader_up", {"reader": reader}) == 1)
    owned = sum(1 for v in witness["ipvs"]["services"] if v.get("kube"))
    series = ix.get("ipvstop_virtual_service_connections_total", {})
    check("%d virtual services labelled with their Service" % owned,
          sum(1 for k in series if dict(k).get("service")) == owned)
    pods = sum(1 for v in witness["ipvs"]["services"] for d in v["destinations"] or []
               if (d.get("kube") or {}).get("pod"))
    rs = ix.get("ipvstop_real_server_weight", {})
    check("%d real servers labelled with their pod" % pods,
          sum(1 for k in rs if dict(k).get("pod")) == pods)


def check_bound(ix, rec, n_max):
    svcs = rec["ipvs"]["services"]
    every = [(d["active_conns"], v["address"], d["address"], d["port"]) for v in svcs
             for d in v["destinations"] or []]
    total = len(every)
    keptl = [dict(k) for k in ix.get("ipvstop_real_server_weight", {})]
    kept = {(k["address"], k["real_server"], int(k["real_server_port"])) for k in keptl}
    check("%d real-server series of %d" % (min(n_max, total), total),
          len(keptl) == min(n_max, total), str(len(keptl)))
    check("ipvstop_real_server_series_dropped is %d" % (total - len(keptl)),
          get(ix, "ipvstop_real_server_series_dropped", {}) == total - len(keptl))
    ka = [a for a, va, ra, p in every if (va, ra, p) in kept]
    da = [a for a, va, ra, p in every if (va, ra, p) not in kept]
    check("the kept real servers are the busiest (kept min %s >= dropped max %s)"
          % (min(ka) if ka else None, max(da) if da else None),
          not da or not ka or min(ka) >= max(da))
    for fam in ("ipvstop_real_server_active_connections", "ipvstop_real_server_connections_total"):
        check("%s: the same %d real servers" % (fam, len(kept)),
              {(dict(k)["address"], dict(k)["real_server"], int(dict(k)["real_server_port"]))
               for k in ix.get(fam, {})} == kept)
    return kept


PLANE_KINDS = ("missing_endpoints", "stale_endpoints", "terminating_endpoints",
               "services_without_frontend", "unowned_frontends", "owner_mismatch")


def check_planes(ix, witness):
    dp = witness["dataplane"]
    for plane, p in dp["planes"].items():
        up = get(ix, "ipvstop_reader_up", {"reader": plane})
        if p["present"]:
            check("%s: read and present, reader up, %d frontends" % (plane, p["frontends"]),
                  up == 1 and get(ix, "ipvstop_dataplane_frontends", {"plane": plane})
                  == p["frontends"], "up %r" % up)
        else:
            check("%s: a sample of its reader iff it ran (%s)" % (plane, p["read"]),
                  (up is not None) == p["read"]
                  and get(ix, "ipvstop_dataplane_frontends", {"plane": plane}) is None)
    drift = dp["drift"] or {}
    total = 0
    for plane, d in drift.items():
        if plane == "ipvs":
            continue
        for kind in PLANE_KINDS:
            n = d["counts"][kind]
            total += n
            check("ipvstop_dataplane_drift{plane=%s,kind=%s} is the witness's %d" % (plane, kind, n),
                  get(ix, "ipvstop_dataplane_drift", {"plane": plane, "kind": kind}) == n)
    check("some drift in the rules (%d)" % total, total > 0)
    sets = (dp["ipsets"] or {}).get("sets") or []
    check("%d ipsets" % len(sets), len(sets) > 0
          and len(ix.get("ipvstop_ipset_entries", {})) == len(sets))
    for s in sets:
        check("ipset %s: %d entries of %s" % (s["name"], s["entries"], s["maxelem"]),
              get(ix, "ipvstop_ipset_entries", {"set": s["name"]}) == s["entries"]
              and get(ix, "ipvstop_ipset_max_entries", {"set": s["name"]}) == s["maxelem"])
    check("ipsets reader up", get(ix, "ipvstop_reader_up", {"reader": "ipsets"}) == 1)
    k0 = dp["kube_ipvs0"] or {}
    check("kube-ipvs0 checked: %d addresses missing, %d extra"
          % (len(k0.get("missing") or []), len(k0.get("extra") or [])),
          k0.get("checked") and k0["missing"]
          and get(ix, "ipvstop_kube_ipvs0_addresses_missing", {}) == len(k0["missing"])
          and get(ix, "ipvstop_kube_ipvs0_addresses_extra", {}) == len(k0["extra"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["table", "bound", "planes"])
    ap.add_argument("prom")
    ap.add_argument("rec")
    ap.add_argument("--witness")
    ap.add_argument("--max", type=int, default=0)
    a = ap.parse_args()
    rec = json.loads(open(a.rec, encoding="utf-8", errors="surrogateescape").readline())
    witness = json.load(open(a.witness, encoding="utf-8")) if a.witness else None
    ix = index(parse(a.prom))
    if a.what == "planes":
        check_planes(ix, witness)
        sys.exit(1 if failed else 0)
    kept = check_bound(ix, rec, a.max) if a.what == "bound" else None
    check_table(ix, rec, witness, kept)
    if witness and witness.get("kube"):
        check_cluster(ix, witness)
    sys.exit(1 if failed else 0)


main()
