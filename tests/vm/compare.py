#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""compare.py: checks ipvstop's JSON against ipvsadm, /proc and lsmod, field by field.

Usage: compare.py OUTDIR            check every capture guest-check.sh made
       compare.py --reference DIR   print the JSON that ipvstop should have printed
                                    for the capture DIR (for debugging; rates and
                                    countdowns as taken before ipvstop ran)

OUTDIR holds one directory per capture (guest-check.sh):
  netlink/  ipvstop as root (netlink), with --connections
  proc/     ipvstop as "nobody" without CAP_NET_ADMIN: must fall back to /proc
  mixed/    netlink again, with real servers of the other address family and
            no sync daemons (the kernel does not allow both at once)
Each has ipvstop.json (+ .rc, .stderr) and the ground truth: ipvsadm -Ln
[--exact --stats | --exact --rate | --thresholds | --persistent-conn] and
ipvsadm -Lnc, each taken just before (*.before.txt) and just after
(*.after.txt) ipvstop ran, plus --tun-info, --timeout, --daemon, lsmod, the
module lists and the sysctls.

How values are compared:
- identity (services, real servers, connections): the same set on both sides,
  nothing missing, nothing extra;
- counters (stats): exact; the traffic has stopped, and the check fails if
  ipvsadm's before and after differ (then the rig is broken, not ipvstop);
- rates and connection countdowns move on their own (the estimator's average
  decays every 2 s; "expires" counts down): ipvstop's value must lie between
  the before and after values (countdowns with 1 s of slack for rounding);
- everything else: exact.
In /proc mode only what /proc/net/ip_vs can tell is required; every other
field must be null (unknown) or correct: a made-up zero is a failure.

Each field checked counts once; the last line is "N passed, N failed".
Python 3 standard library only.
"""

import ipaddress
import json
import os
import re
import sys
from collections import Counter, defaultdict

SCHEDULERS = ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"]
REQUIRED_MODULES = ["ip_vs", "nf_conntrack"] + ["ip_vs_" + s for s in SCHEDULERS]
REQUIRED_SYSCTLS = [
    "net.ipv4.vs.conntrack",
    "net.ipv4.vs.conn_reuse_mode",
    "net.ipv4.vs.expire_nodest_conn",
    "net.ipv4.vs.expire_quiescent_template",
    "net.ipv4.conf.all.arp_ignore",
    "net.ipv4.conf.all.arp_announce",
]
FORWARD = {"Masq": "masq", "Local": "local", "Tunnel": "tunnel", "Route": "route", "Bypass": "bypass"}
SCHED_FLAGS = {
    "sh-fallback": "sh-fallback",
    "sh-port": "sh-port",
    "mh-fallback": "sh-fallback",
    "mh-port": "sh-port",
}
STATS = ["conns", "inpkts", "outpkts", "inbytes", "outbytes"]
RATES = ["cps", "inpps", "outpps", "inbps", "outbps"]
EXPIRES_SLACK = 1
MAX_PRINTED_PER_FIELD = 8


class Range:
    """An expected value that may lie anywhere in [lo, hi]."""

    def __init__(self, a, b, slack=0):
        self.lo = min(a, b) - slack
        self.hi = max(a, b) + slack

    def __repr__(self):
        return str(self.lo) if self.lo == self.hi else "%s..%s" % (self.lo, self.hi)

    def matches(self, v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and self.lo <= v <= self.hi


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.printed = Counter()
        self.suppressed = Counter()
        self.notes = []

    def ok(self):
        self.passed += 1

    def fail(self, where, field, msg):
        self.failed += 1
        key = (where.split(" ")[0], field)
        self.printed[key] += 1
        if self.printed[key] > MAX_PRINTED_PER_FIELD:
            self.suppressed[key] += 1
            return
        print("FAIL %s: %s: %s" % (where, field, msg))

    def check(self, where, field, expected, got, unknown_ok=False):
        """expected: a value, a Range, or a callable(got) -> bool."""
        if unknown_ok and got is None:
            self.ok()
            return True
        if isinstance(expected, Range):
            good = expected.matches(got)
        elif isinstance(expected, bool) or isinstance(got, bool):
            good = expected is got
        else:
            good = expected == got
        if good:
            self.ok()
        else:
            self.fail(where, field, "expected %s, got %s" % (fmt(expected), fmt(got)))
        return good

    def note(self, msg):
        self.notes.append(msg)

    def summary(self):
        for (where, field), n in sorted(self.suppressed.items()):
            print("FAIL %s: %s: ... and %d more like this" % (where, field, n))
        for n in self.notes:
            print("note: " + n)
        print("%d passed, %d failed" % (self.passed, self.failed))


def fmt(v):
    if isinstance(v, Range):
        return repr(v)
    return json.dumps(v) if not isinstance(v, set) else json.dumps(sorted(v))


# ---------------------------------------------------------------- parsing ipvsadm


def parse_addrport(s):
    """'10.0.0.1:80' or '[fd00::1]:80' -> (af, address text, port)."""
    if s.startswith("["):
        addr, _, port = s[1:].partition("]:")
        af = "inet6"
    else:
        addr, _, port = s.rpartition(":")
        af = "inet"
    return af, str(ipaddress.ip_address(addr)), int(port)


def svc_key_str(k):
    af, proto, addr, port, fwmark = k
    if fwmark:
        return "FWM %d%s" % (fwmark, " IPv6" if af == "inet6" else "")
    return "%s %s" % (proto.upper(), ("[%s]:%d" if af == "inet6" else "%s:%d") % (addr, port))


def dest_key_str(k):
    af, addr, port = k
    return ("[%s]:%d" if af == "inet6" else "%s:%d") % (addr, port)


def parse_service_head(tok):
    """Tokens of a service line -> (key, remaining tokens)."""
    if tok[0] == "FWM":
        af = "inet"
        rest = tok[2:]
        if rest and rest[0] == "IPv6":
            af = "inet6"
            rest = rest[1:]
        return (af, None, None, 0, int(tok[1])), rest
    af, addr, port = parse_addrport(tok[1])
    return (af, tok[0].lower(), addr, port, 0), tok[2:]


def parse_listing(path):
    """An `ipvsadm -Ln [...]` output -> (header, {svc_key: (svc_tokens, {dest_key: tokens})}).
    Keeps the order of services and real servers."""
    header = None
    services = {}
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("IP Virtual Server version"):
                header = line
                continue
            if line.startswith("Prot LocalAddress") or line.strip().startswith("-> RemoteAddress"):
                continue
            tok = line.split()
            if tok[0] in ("TCP", "UDP", "SCTP", "FWM"):
                key, rest = parse_service_head(tok)
                if key in services:
                    raise ValueError("%s: service %s twice" % (path, svc_key_str(key)))
                services[key] = (rest, {})
                cur = key
            elif tok[0] == "->":
                if cur is None:
                    raise ValueError("%s: real server before any service: %r" % (path, line))
                af, addr, port = parse_addrport(tok[1])
                services[cur][1][(af, addr, port)] = tok[2:]
            else:
                raise ValueError("%s: cannot parse %r" % (path, line))
    return header, services


def parse_service_flags(svc_key, rest):
    """The service part of `ipvsadm -Ln`: scheduler and options."""
    af = svc_key[0]
    out = {"scheduler": rest[0], "flags": set(), "timeout": 0, "pe": ""}
    mask = None
    i = 1
    if i < len(rest) and rest[i].startswith("("):
        for fl in rest[i].strip("()").split(","):
            out["flags"].add(SCHED_FLAGS.get(fl, fl))
        i += 1
    while i < len(rest):
        t = rest[i]
        if t == "persistent":
            out["flags"].add("persistent")
            out["timeout"] = int(rest[i + 1])
            i += 2
        elif t == "mask":
            mask = rest[i + 1]
            i += 2
        elif t == "pe":
            out["pe"] = rest[i + 1]
            i += 2
        elif t == "ops":
            out["flags"].add("one-packet")
            i += 1
        else:
            raise ValueError("unknown service option %r in %r" % (t, rest))
    # ipvsadm prints the mask only when it is not /32 (/128); it sends those
    # by default, also for services without persistence.
    if af == "inet":
        out["netmask_prefix"] = 32 if mask is None else ipaddress.IPv4Network("0.0.0.0/" + mask).prefixlen
    else:
        out["netmask_prefix"] = 128 if mask is None else int(mask)
    return out


# ipvsadm --tun-info: -c nocsum, +c csum, r+c remcsum (its options exclude each
# other) -> IP_VS_TUNNEL_ENCAP_FLAG_{NOCSUM,CSUM,REMCSUM}
TUN_FLAGS = {"-c": 0, "+c": 1, "r+c": 2}


def parse_tun_info(s):
    """ipvsadm --tun-info column ("n/a", "ipip", "gue:6080:-c", "gre:+c") ->
    (tun_type, tun_port, tun_flags)."""
    if s == "n/a":
        return None, 0, 0
    parts = s.split(":")
    ttype = parts[0]
    port = 0
    flags = 0
    for p in parts[1:]:
        if p.isdigit():
            port = int(p)
        elif p in TUN_FLAGS:
            flags = TUN_FLAGS[p]
        else:
            raise ValueError("unknown tunnel info %r" % s)
    return ttype, port, flags


def parse_expire(s):
    m, _, sec = s.partition(":")
    return int(m) * 60 + int(sec)


def parse_conns(path):
    """`ipvsadm -Lnc` -> list of entries."""
    out = []
    with open(path) as f:
        for line in f:
            tok = line.split()
            if not tok or tok[0] in ("IPVS", "pro"):
                continue
            if len(tok) != 6:
                raise ValueError("%s: cannot parse %r" % (path, line))
            _, caddr, cport = parse_addrport(tok[3])
            _, vaddr, vport = parse_addrport(tok[4])
            _, daddr, dport = parse_addrport(tok[5])
            out.append(
                {
                    "protocol": tok[0].lower(),
                    "client": caddr,
                    "client_port": cport,
                    "virtual": vaddr,
                    "virtual_port": vport,
                    "destination": daddr,
                    "destination_port": dport,
                    "state": tok[2],
                    "expires": parse_expire(tok[1]),
                }
            )
    return out


CONN_KEY = ("protocol", "client", "client_port", "virtual", "virtual_port", "destination", "destination_port")


def conn_key(e):
    return tuple(e.get(k) for k in CONN_KEY)


def conn_key_str(k):
    return "%s %s:%s -> %s:%s -> %s:%s" % k


def parse_daemons(path):
    out = []
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*(master|backup) sync daemon \((.*)\)", line)
            if not m:
                continue
            d = {"state": m.group(1)}
            for kv in m.group(2).split(","):
                k, _, v = kv.strip().partition("=")
                d[k] = int(v) if v.isdigit() else v
            out.append(d)
    return out


def parse_timeouts(path):
    with open(path) as f:
        for line in f:
            m = re.match(r"Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)", line)
            if m:
                return {"tcp": int(m.group(1)), "tcp_fin": int(m.group(2)), "udp": int(m.group(3))}
    raise ValueError("%s: no timeouts" % path)


def modname(s):
    base = os.path.basename(s.strip())
    for ext in (".ko", ".ko.xz", ".ko.gz", ".ko.zst"):
        if base.endswith(ext):
            base = base[: -len(ext)]
            break
    return base.replace("-", "_")


def read_lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f]


def parse_sysctls(path):
    out = {}
    for line in read_lines(path):
        if "\t" in line:
            k, _, v = line.partition("\t")
            out[k] = v
    return out


def norm_sysctl(v):
    """A sysctl value in any reasonable JSON form -> list of ints (or of strings)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return [int(v)]
    if isinstance(v, list):
        return [norm_sysctl(x)[0] if not isinstance(x, str) else (int(x) if x.lstrip("-").isdigit() else x) for x in v]
    if isinstance(v, str):
        return [int(x) if x.lstrip("-").isdigit() else x for x in v.split()]
    return None


# ---------------------------------------------------------------- the truth


class Truth:
    """Everything the ground truth files of one capture say."""

    def __init__(self, d):
        self.dir = d
        p = lambda n: os.path.join(d, n)
        self.header, lb = parse_listing(p("list.before.txt"))
        _, la = parse_listing(p("list.after.txt"))
        _, sb = parse_listing(p("stats.before.txt"))
        _, sa = parse_listing(p("stats.after.txt"))
        _, rb = parse_listing(p("rate.before.txt"))
        _, ra = parse_listing(p("rate.after.txt"))
        _, tb = parse_listing(p("thresholds.before.txt"))
        _, pb = parse_listing(p("persistent.before.txt"))
        _, pa = parse_listing(p("persistent.after.txt"))
        _, ti = parse_listing(p("tun-info.txt"))
        self.frozen_problems = []
        m = re.match(r"IP Virtual Server version (\S+) \(size=(\d+)\)", self.header or "")
        if not m:
            raise ValueError("%s: no version header" % p("list.before.txt"))
        self.version = m.group(1)
        self.conn_tab_size = int(m.group(2))
        self.timeouts = parse_timeouts(p("timeout.txt"))
        self.daemons = parse_daemons(p("daemon.txt"))
        self.services = {}
        for key, (rest, dests) in lb.items():
            for name, tab in (("list.after", la), ("stats", sb), ("stats.after", sa), ("rate", rb),
                              ("rate.after", ra), ("thresholds", tb), ("persistent", pb),
                              ("persistent.after", pa), ("tun-info", ti)):
                if key not in tab:
                    raise ValueError("service %s missing from %s" % (svc_key_str(key), name))
            s = parse_service_flags(key, rest)
            s["af"], s["protocol"], s["address"], s["port"], s["fwmark"] = key
            s["stats"] = self._stats(svc_key_str(key), sb[key][0], sa[key][0])
            s["rates"] = {f: Range(int(b), int(a)) for f, b, a in zip(RATES, rb[key][0], ra[key][0])}
            s["destinations"] = {}
            for dk, dt in dests.items():
                where = "%s -> %s" % (svc_key_str(key), dest_key_str(dk))
                dt_a = la[key][1][dk]
                thr = tb[key][1][dk]
                per_b = pb[key][1][dk]
                per_a = pa[key][1][dk]
                tun = ti[key][1][dk]
                tun_type, tun_port, tun_flags = parse_tun_info(tun[1])
                dd = {
                    "af": dk[0],
                    "address": dk[1],
                    "port": dk[2],
                    "forward": FORWARD.get(dt[0], dt[0].lower()),
                    "weight": int(dt[1]),
                    "upper_threshold": int(thr[0]),
                    "lower_threshold": int(thr[1]),
                    "active_conns": Range(int(dt[2]), int(dt_a[2])),
                    "inactive_conns": Range(int(dt[3]), int(dt_a[3])),
                    "persistent_conns": Range(int(per_b[1]), int(per_a[1])),
                    "tun_type": tun_type if dt[0] == "Tunnel" else None,
                    "tun_port": tun_port,
                    "tun_flags": tun_flags,
                    "stats": self._stats(where, sb[key][1][dk], sa[key][1][dk]),
                    "rates": {f: Range(int(b), int(a)) for f, b, a in zip(RATES, rb[key][1][dk], ra[key][1][dk])},
                }
                s["destinations"][dk] = dd
            self.services[key] = s
        cb = parse_conns(p("conns.before.txt"))
        ca = parse_conns(p("conns.after.txt"))
        self.conns_before = defaultdict(list)
        self.conns_after = defaultdict(list)
        for e in cb:
            self.conns_before[conn_key(e)].append(e)
        for e in ca:
            self.conns_after[conn_key(e)].append(e)
        self.lsmod = {l.split()[0] for l in read_lines(p("lsmod.txt"))[1:] if l.strip()}
        self.builtin = {modname(l) for l in read_lines(p("modules-builtin.txt")) if l.strip()}
        self.available = {modname(l) for l in read_lines(p("modules-available.txt")) if l.strip()}
        self.sysctls = parse_sysctls(p("sysctls.txt"))

    def _stats(self, where, before, after):
        if before != after:
            self.frozen_problems.append("%s: counters moved while ipvstop ran: %s -> %s" % (where, before, after))
        return {f: int(v) for f, v in zip(STATS, before)}

    def module_state(self, name):
        n = modname(name)
        if n in self.lsmod:
            return "loaded"
        if n in self.builtin:
            return "builtin"
        if n in self.available:
            return "available"
        return "missing"


# ---------------------------------------------------------------- comparing


def canonical_ip(where, field, v, ck):
    """ipvstop's address text -> canonical text (None if unparsable)."""
    if v is None:
        return None
    try:
        ip = ipaddress.ip_address(v)
    except (ValueError, TypeError):
        ck.fail(where, field, "not an IP address: %s" % fmt(v))
        return None
    if str(ip) != v:
        ck.fail(where, field, "%s is not in canonical text form (%s)" % (fmt(v), ip))
    return str(ip)


def json_svc_key(s, where, ck):
    af = s.get("af")
    fwmark = s.get("fwmark") or 0
    if fwmark:
        return (af, None, None, 0, fwmark)
    proto = s.get("protocol")
    return (af, proto.lower() if isinstance(proto, str) else proto,
            canonical_ip(where, "address", s.get("address"), ck), s.get("port"), 0)


def json_dest_key(d, where, ck):
    return (d.get("af"), canonical_ip(where, "address", d.get("address"), ck), d.get("port"))


def need(obj, field, where, ck):
    if not isinstance(obj, dict) or field not in obj:
        ck.fail(where, field, "missing")
        return False
    return True


class Compare:
    def __init__(self, ck, name, truth, doc, mode):
        self.ck = ck
        self.name = name
        self.t = truth
        self.doc = doc
        self.mode = mode  # "netlink" or "proc"

    def c(self, where, field, expected, got, proc_known=True):
        """A field check; in /proc mode, fields /proc does not give may be null."""
        return self.ck.check("%s %s" % (self.name, where), field, expected, got,
                             unknown_ok=(self.mode == "proc" and not proc_known))

    def get(self, obj, field, where):
        if not need(obj, field, "%s %s" % (self.name, where), self.ck):
            return None
        return obj[field]

    def run(self, with_connections):
        ck, t, doc = self.ck, self.t, self.doc
        self.c("document", "schema", 1, doc.get("schema"))
        self.c("document", "host", "ipvstop-vm", doc.get("host"))
        if doc.get("time") in (None, "", 0):
            ck.fail(self.name + " document", "time", "missing or empty: %s" % fmt(doc.get("time")))
        else:
            ck.ok()
        ipvs = self.get(doc, "ipvs", "document")
        if not isinstance(ipvs, dict):
            ck.fail(self.name + " document", "ipvs", "not an object")
            return
        self.c("ipvs", "available", True, ipvs.get("available"))
        if self.mode == "proc":
            # A note on what the /proc view lacks is welcome.
            self.c("ipvs", "error (null or a note)", True, ipvs.get("error") is None or isinstance(ipvs.get("error"), str))
        else:
            self.c("ipvs", "error", None, ipvs.get("error"))
        self.c("ipvs", "source", self.mode, ipvs.get("source"))
        self.c("ipvs", "version", t.version, self.get(ipvs, "version", "ipvs"))
        self.c("ipvs", "conn_tab_size", t.conn_tab_size, self.get(ipvs, "conn_tab_size", "ipvs"))
        self.timeouts(self.get(ipvs, "timeouts", "ipvs"))
        self.daemons(self.get(ipvs, "daemons", "ipvs"))
        self.services(self.get(ipvs, "services", "ipvs"))
        if with_connections:
            self.connections(self.get(doc, "connections", "document"))
        self.modules(self.get(doc, "modules", "document"))
        self.sysctls(self.get(doc, "sysctls", "document"))

    def timeouts(self, to):
        if to is None and self.mode == "proc":
            self.ck.ok()
            return
        if not isinstance(to, dict):
            self.ck.fail(self.name + " ipvs", "timeouts", "expected an object, got %s" % fmt(to))
            return
        for k, v in self.t.timeouts.items():
            self.c("timeouts", k, v, to.get(k), proc_known=False)

    def daemons(self, ds):
        if ds is None and self.mode == "proc":
            self.ck.ok()
            return
        if not isinstance(ds, list):
            self.ck.fail(self.name + " ipvs", "daemons", "expected a list, got %s" % fmt(ds))
            return
        if self.mode == "proc" and not ds and self.t.daemons:
            self.ck.fail(self.name + " ipvs", "daemons",
                         "/proc cannot tell the sync daemons: expected null (unknown), got [] "
                         "(claims none run; ipvsadm --daemon lists %d)" % len(self.t.daemons))
            return
        self.c("ipvs", "daemons (number)", len(self.t.daemons), len(ds))
        by_state = {d.get("state"): d for d in ds if isinstance(d, dict)}
        aliases = {"maxlen": ("sync_maxlen", "maxlen"), "group": ("mcast_group", "group"),
                   "port": ("mcast_port", "port"), "ttl": ("mcast_ttl", "ttl")}
        for td in self.t.daemons:
            where = "daemon %s" % td["state"]
            d = by_state.get(td["state"])
            if d is None:
                self.ck.fail(self.name + " " + where, "state", "missing (ipvsadm --daemon lists it)")
                continue
            self.c(where, "mcast_ifn", td["mcast"], d.get("mcast_ifn"))
            self.c(where, "syncid", td["syncid"], d.get("syncid"))
            for k, names in aliases.items():
                present = [n for n in names if n in d]
                if present:
                    self.c(where, present[0], td[k], d[present[0]])
                else:
                    self.ck.note("%s %s: no %s field (ipvsadm says %s=%s); not checked"
                                 % (self.name, where, "/".join(names), k, td[k]))
        for st in by_state:
            if st not in {td["state"] for td in self.t.daemons}:
                self.ck.fail(self.name + " daemon %s" % st, "state", "extra: ipvsadm --daemon does not list it")

    def services(self, svcs):
        ck, t = self.ck, self.t
        if not isinstance(svcs, list):
            ck.fail(self.name + " ipvs", "services", "expected a list, got %s" % fmt(svcs))
            return
        got = {}
        for s in svcs:
            key = json_svc_key(s, "%s service" % self.name, ck)
            if key in got:
                ck.fail(self.name + " service " + svc_key_str_safe(key), "identity", "listed twice")
            got[key] = s
        self.c("ipvs", "services (number)", len(t.services), len(svcs))
        for key in t.services:
            if key not in got:
                ck.fail(self.name + " service " + svc_key_str(key), "identity", "missing from ipvstop's JSON")
        for key in got:
            if key not in t.services:
                ck.fail(self.name + " service " + svc_key_str_safe(key), "identity",
                        "extra: not in ipvsadm -Ln (%s)" % fmt(got[key]))
        for key, ts in t.services.items():
            if key in got:
                self.service(ts, got[key])

    def service(self, ts, s):
        w = "service " + svc_key_str((ts["af"], ts["protocol"], ts["address"], ts["port"], ts["fwmark"]))
        proc = self.mode == "proc"
        for f in ("af", "protocol", "address", "port", "fwmark", "scheduler", "flags", "timeout",
                  "netmask_prefix", "pe", "stats", "rates", "destinations"):
            need(s, f, "%s %s" % (self.name, w), self.ck)
        self.c(w, "af", ts["af"], s.get("af"))
        self.c(w, "protocol", ts["protocol"], s.get("protocol"))
        addr = s.get("address")
        self.c(w, "address", ts["address"], str(ipaddress.ip_address(addr)) if is_ip(addr) else addr)
        self.c(w, "port", ts["port"], s.get("port"))
        self.c(w, "fwmark", ts["fwmark"], s.get("fwmark"))
        self.c(w, "scheduler", ts["scheduler"], s.get("scheduler"))
        flags = s.get("flags")
        if not isinstance(flags, list):
            self.ck.fail(self.name + " " + w, "flags", "expected a list, got %s" % fmt(flags))
        else:
            got = set(flags)
            exp = set(ts["flags"])
            if not proc:
                # Every service in the kernel's table is hashed.
                exp.add("hashed")
                self.c(w, "flags", sorted(exp), sorted(got))
            else:
                # /proc/net/ip_vs shows persistence and, for IPv4 and fwmark
                # services only, one-packet; nothing else.
                knowable = {"persistent"} | ({"one-packet"} if ts["af"] == "inet" or ts["fwmark"] else set())
                self.c(w, "flags (those /proc shows)", sorted(exp & knowable), sorted(got & knowable))
                extra = got - knowable - exp - {"hashed"}
                if extra:
                    self.ck.fail(self.name + " " + w, "flags", "not set in the kernel: %s" % sorted(extra))
        # /proc gives the persistence timeout in jiffies (kernel HZ, unknown to
        # userspace): ipvstop may say null there, but never a wrong number.
        self.c(w, "timeout", ts["timeout"], s.get("timeout"), proc_known=False)
        self.c(w, "netmask_prefix", ts["netmask_prefix"], s.get("netmask_prefix"))
        self.c(w, "pe", ts["pe"], s.get("pe"), proc_known=False)
        self.counters(w, "stats", ts["stats"], s.get("stats"))
        self.counters(w, "rates", ts["rates"], s.get("rates"))
        self.destinations(w, ts, s.get("destinations"))

    def counters(self, w, group, exp, got):
        if got is None and self.mode == "proc":
            self.ck.ok()
            return
        if not isinstance(got, dict):
            self.ck.fail(self.name + " " + w, group, "expected an object, got %s" % fmt(got))
            return
        for f, v in exp.items():
            if f not in got:
                self.ck.fail(self.name + " " + w, "%s.%s" % (group, f), "missing")
                continue
            self.c(w, "%s.%s" % (group, f), v, got[f], proc_known=False)

    def destinations(self, w, ts, dests):
        ck = self.ck
        if not isinstance(dests, list):
            ck.fail(self.name + " " + w, "destinations", "expected a list, got %s" % fmt(dests))
            return
        got = {}
        for d in dests:
            key = json_dest_key(d, "%s %s destination" % (self.name, w), ck)
            if key in got:
                ck.fail(self.name + " " + w, "destination %s" % dest_key_str_safe(key), "listed twice")
            got[key] = d
        self.c(w, "destinations (number)", len(ts["destinations"]), len(dests))
        for key in ts["destinations"]:
            if key not in got:
                ck.fail(self.name + " " + w, "destination %s" % dest_key_str(key), "missing from ipvstop's JSON")
        for key in got:
            if key not in ts["destinations"]:
                ck.fail(self.name + " " + w, "destination %s" % dest_key_str_safe(key),
                        "extra: not in ipvsadm -Ln (%s)" % fmt(got[key]))
        for key, td in ts["destinations"].items():
            if key not in got:
                continue
            d = got[key]
            dw = "%s -> %s" % (w, dest_key_str(key))
            for f in ("af", "address", "port", "forward", "weight", "upper_threshold", "lower_threshold",
                      "active_conns", "inactive_conns", "persistent_conns", "tun_type", "tun_port",
                      "stats", "rates"):
                need(d, f, "%s %s" % (self.name, dw), ck)
            self.c(dw, "af", td["af"], d.get("af"))
            addr = d.get("address")
            self.c(dw, "address", td["address"], str(ipaddress.ip_address(addr)) if is_ip(addr) else addr)
            self.c(dw, "port", td["port"], d.get("port"))
            self.c(dw, "forward", td["forward"], d.get("forward"))
            self.c(dw, "weight", td["weight"], d.get("weight"))
            self.c(dw, "upper_threshold", td["upper_threshold"], d.get("upper_threshold"), proc_known=False)
            self.c(dw, "lower_threshold", td["lower_threshold"], d.get("lower_threshold"), proc_known=False)
            self.c(dw, "active_conns", td["active_conns"], d.get("active_conns"))
            self.c(dw, "inactive_conns", td["inactive_conns"], d.get("inactive_conns"))
            self.c(dw, "persistent_conns", td["persistent_conns"], d.get("persistent_conns"), proc_known=False)
            self.c(dw, "tun_type", td["tun_type"], d.get("tun_type"), proc_known=False)
            tp = d.get("tun_port")
            if td["tun_type"] is None and tp is None:
                self.ck.ok()  # no tunnel: a null port is as good as 0
            else:
                self.c(dw, "tun_port", td["tun_port"], tp, proc_known=False)
            if "tun_flags" in d:
                # Not in the schema's list, but checked when present.
                self.c(dw, "tun_flags", td["tun_flags"], d.get("tun_flags"), proc_known=False)
            self.counters(dw, "stats", td["stats"], d.get("stats"))
            self.counters(dw, "rates", td["rates"], d.get("rates"))

    def connections(self, conns):
        ck, t = self.ck, self.t
        w = self.name + " connections"
        if not isinstance(conns, dict):
            ck.fail(w, "connections", "expected an object, got %s" % fmt(conns))
            return
        entries = conns.get("entries")
        if not isinstance(entries, list):
            ck.fail(w, "entries", "expected a list, got %s" % fmt(entries))
            return
        self.c("connections", "truncated", False, conns.get("truncated"))
        self.c("connections", "total", len(entries), conns.get("total"))
        both = set(t.conns_before) & set(t.conns_after)
        either = set(t.conns_before) | set(t.conns_after)
        nb = sum(len(v) for v in t.conns_before.values())
        na = sum(len(v) for v in t.conns_after.values())
        self.c("connections", "entries (number)", Range(nb, na), len(entries))
        got = defaultdict(list)
        for e in entries:
            if not isinstance(e, dict):
                ck.fail(w, "entry", "not an object: %s" % fmt(e))
                continue
            for f in CONN_KEY + ("state", "expires"):
                need(e, f, w, ck)
            e2 = dict(e)
            if isinstance(e2.get("protocol"), str):
                e2["protocol"] = e2["protocol"].lower()
            for f in ("client", "virtual", "destination"):
                e2[f] = canonical_ip(w, f, e.get(f), ck)
            got[conn_key(e2)].append(e2)
        for key in sorted(both, key=str):
            if key not in got:
                ck.fail(w, conn_key_str(key), "missing from ipvstop's JSON (ipvsadm -Lnc lists it)")
        for key in got:
            if key not in either:
                ck.fail(w, conn_key_str_safe(key), "extra: not in ipvsadm -Lnc (%s)" % fmt(got[key]))
        for key, ges in got.items():
            bs = sorted(t.conns_before.get(key, []), key=lambda e: e["expires"])
            as_ = sorted(t.conns_after.get(key, []), key=lambda e: e["expires"])
            if not bs and not as_:
                continue
            self.c("connections", "%s (how many)" % conn_key_str(key),
                   Range(len(bs), len(as_)) if bs and as_ else Range(0, max(len(bs), len(as_))), len(ges))
            ges = sorted(ges, key=lambda e: e.get("expires") if isinstance(e.get("expires"), int) else -1)
            for i, ge in enumerate(ges):
                b = bs[min(i, len(bs) - 1)] if bs else None
                a = as_[min(i, len(as_) - 1)] if as_ else None
                states = {x["state"] for x in (b, a) if x}
                if ge.get("state") in states:
                    ck.ok()
                else:
                    ck.fail(w, conn_key_str(key) + " state", "expected %s, got %s"
                            % (" or ".join(sorted(states)), fmt(ge.get("state"))))
                lo = (a or b)["expires"]
                hi = (b or a)["expires"]
                self.c("connections", conn_key_str(key) + " expires",
                       Range(lo, hi, EXPIRES_SLACK), ge.get("expires"))
        # Aggregates: counted over every entry (also past --connection-limit),
        # against ipvsadm -Lnc.
        def keyed(fn):
            cb = Counter(fn(e) for v in t.conns_before.values() for e in v)
            ca = Counter(fn(e) for v in t.conns_after.values() for e in v)
            return {k: Range(cb.get(k, 0), ca.get(k, 0)) for k in set(cb) | set(ca)}

        self.aggregate(w, "by_state", conns.get("by_state"), keyed(lambda e: e["state"]), str)
        self.aggregate(w, "by_service", conns.get("by_service"),
                       keyed(lambda e: (e["protocol"], e["virtual"], e["virtual_port"])), parse_service_label)
        self.aggregate(w, "by_destination", conns.get("by_destination"),
                       keyed(lambda e: (e["destination"], e["destination_port"])), parse_dest_label)

    def aggregate(self, w, name, agg, expected, parse_key):
        """agg: {label: count} (or a list of {..., count}); expected: {key: Range}."""
        ck = self.ck
        if agg is None:
            ck.fail(w, name, "missing")
            return
        counts = {}
        if isinstance(agg, dict):
            for label, v in agg.items():
                n = v.get("count", v.get("total")) if isinstance(v, dict) else v
                try:
                    key = parse_key(label)
                except (ValueError, TypeError):
                    ck.fail(w, name, "cannot read the label %s" % fmt(label))
                    return
                counts[key] = n
        elif isinstance(agg, list):
            # No labels to match: only the total can be checked.
            total = sum(x.get("count", x.get("total", 0)) for x in agg if isinstance(x, dict))
            exp = sum(r.lo for r in expected.values()), sum(r.hi for r in expected.values())
            self.c("connections", "%s (sum of counts)" % name, Range(*exp), total)
            return
        else:
            ck.fail(w, name, "expected an object or a list, got %s" % fmt(agg))
            return
        for key, n in counts.items():
            if key not in expected:
                ck.fail(w, "%s[%s]" % (name, label_str(key)), "extra: ipvsadm -Lnc has no such entry (count %s)" % fmt(n))
                continue
            self.c("connections", "%s[%s]" % (name, label_str(key)), expected[key], n)
        for key, r in expected.items():
            if key not in counts and r.lo > 0:
                ck.fail(w, "%s[%s]" % (name, label_str(key)), "missing (ipvsadm -Lnc: %s)" % fmt(r))

    def modules(self, mods):
        ck, t = self.ck, self.t
        w = self.name + " modules"
        if not isinstance(mods, list):
            ck.fail(w, "modules", "expected a list, got %s" % fmt(mods))
            return
        names = set()
        for m in mods:
            if not isinstance(m, dict) or "name" not in m:
                ck.fail(w, "module", "not an object with a name: %s" % fmt(m))
                continue
            names.add(modname(m["name"]))
            self.c("modules", "%s state" % m["name"], t.module_state(m["name"]), m.get("state"))
        for r in REQUIRED_MODULES:
            if r in names:
                ck.ok()
            else:
                ck.fail(w, r, "missing from the list (its state is %s)" % t.module_state(r))

    def sysctls(self, sc):
        ck, t = self.ck, self.t
        w = self.name + " sysctls"
        if not isinstance(sc, dict):
            ck.fail(w, "sysctls", "expected an object, got %s" % fmt(sc))
            return
        for k, v in sc.items():
            if k not in t.sysctls:
                if k.startswith("net.ipv4.vs.") and v is not None:
                    ck.fail(w, k, "the kernel has no such sysctl, got %s" % fmt(v))
                else:
                    ck.note("%s: %s = %s not checked (not captured by guest-check.sh)" % (w, k, fmt(v)))
                continue
            exp = norm_sysctl(t.sysctls[k])
            got = norm_sysctl(v)
            if got == exp:
                ck.ok()
            else:
                ck.fail(w, k, "expected %s, got %s" % (t.sysctls[k].replace("\t", " "), fmt(v)))
        for r in REQUIRED_SYSCTLS:
            if r in sc:
                ck.ok()
            else:
                ck.fail(w, r, "missing")


def parse_service_label(label):
    """'tcp 192.0.2.10:80' or 'tcp [2001:db8::10]:80' -> (proto, address, port)."""
    proto, _, ap = label.strip().partition(" ")
    _, addr, port = parse_addrport(ap.strip())
    return (proto.lower(), addr, port)


def parse_dest_label(label):
    _, addr, port = parse_addrport(label.strip())
    return (addr, port)


def label_str(key):
    if isinstance(key, tuple) and len(key) == 3:
        return "%s %s" % (key[0], ("[%s]:%s" if ":" in key[1] else "%s:%s") % key[1:])
    if isinstance(key, tuple) and len(key) == 2:
        return ("[%s]:%s" if ":" in key[0] else "%s:%s") % key
    return str(key)


def is_ip(v):
    try:
        ipaddress.ip_address(v)
        return True
    except (ValueError, TypeError):
        return False


def svc_key_str_safe(k):
    try:
        return svc_key_str(k)
    except Exception:
        return repr(k)


def dest_key_str_safe(k):
    try:
        return dest_key_str(k)
    except Exception:
        return repr(k)


def conn_key_str_safe(k):
    try:
        return conn_key_str(k)
    except Exception:
        return repr(k)


# ---------------------------------------------------------------- driver


def load_doc(d, ck, name):
    p = os.path.join(d, "ipvstop.json")
    rc = None
    try:
        with open(os.path.join(d, "ipvstop.rc")) as f:
            rc = int(f.read().strip() or -1)
    except (OSError, ValueError):
        pass
    ck.check(name, "ipvstop exit code", 0, rc)
    try:
        with open(os.path.join(d, "ipvstop.stderr")) as f:
            err = f.read().strip()
        if err:
            ck.note("%s: ipvstop wrote to stderr: %s" % (name, err[:500]))
    except OSError:
        pass
    try:
        with open(p) as f:
            lines = [l for l in f.read().split("\n") if l.strip()]
    except OSError as e:
        ck.fail(name, "ipvstop.json", "cannot read: %s" % e)
        return None
    if len(lines) != 1:
        ck.fail(name, "ipvstop.json", "expected one JSON document on one line (-n 1), got %d lines" % len(lines))
        if not lines:
            return None
    else:
        ck.ok()
    try:
        doc = json.loads(lines[0])
    except ValueError as e:
        ck.fail(name, "ipvstop.json", "not JSON: %s: %r" % (e, lines[0][:300]))
        return None
    ck.ok()
    if not isinstance(doc, dict):
        ck.fail(name, "ipvstop.json", "not a JSON object")
        return None
    return doc


CAPTURES = [
    # name, source ipvstop must report, compare the connection list
    ("netlink", "netlink", True),
    ("proc", "proc", True),
    ("mixed", "netlink", True),
]


def compare_all(outdir):
    ck = Checker()
    found = 0
    for name, mode, with_conns in CAPTURES:
        d = os.path.join(outdir, name)
        if not os.path.isdir(d):
            ck.fail(name, "capture", "no directory %s: guest-check.sh did not run to the end" % d)
            continue
        found += 1
        try:
            truth = Truth(d)
        except (OSError, ValueError, IndexError) as e:
            ck.fail(name, "ground truth", "cannot parse ipvsadm's outputs: %s" % e)
            continue
        for p in truth.frozen_problems:
            ck.fail(name, "rig", p)
        # The rig itself: the table must be as varied as guest-table.sh meant.
        sanity(ck, name, truth)
        doc = load_doc(d, ck, name)
        if doc is None:
            continue
        Compare(ck, name, truth, doc, mode).run(with_conns)
    ck.summary()
    return 0 if ck.failed == 0 and found == len(CAPTURES) else 1


def sanity(ck, name, t):
    """Guards against a rig that silently tests less than it should."""
    svcs = t.services.values()
    want = {
        "IPv4 and IPv6 services": {s["af"] for s in svcs} >= {"inet", "inet6"},
        "TCP, UDP and SCTP services": {s["protocol"] for s in svcs} >= {"tcp", "udp", "sctp"},
        "fwmark services, IPv4 and IPv6": {s["af"] for s in svcs if s["fwmark"]} >= {"inet", "inet6"},
        "every scheduler": {s["scheduler"] for s in svcs} >= set(SCHEDULERS),
        "persistent, one-packet, sh-fallback, sh-port": set().union(*[s["flags"] for s in svcs])
        >= {"persistent", "one-packet", "sh-fallback", "sh-port"},
        # (Linux 6.1 no longer turns a local real server into "local": ipvsadm
        # cannot make one.)
        "masq, route and tunnel forwarding": {d["forward"] for s in svcs for d in s["destinations"].values()}
        >= {"masq", "route", "tunnel"},
        "traffic counted": any(s["stats"]["conns"] > 0 for s in svcs),
        "connection entries": len(t.conns_before) > 0,
    }
    if name == "mixed":
        want["real servers of the other family"] = any(
            d["af"] != s["af"] for s in svcs for d in s["destinations"].values())
    else:
        want["master and backup sync daemons"] = {d["state"] for d in t.daemons} == {"master", "backup"}
    for what, good in want.items():
        if good:
            ck.ok()
        else:
            ck.fail(name, "rig", "the table lacks %s" % what)


def reference(d):
    """The JSON ipvstop should print for capture d (values as taken before it ran)."""
    t = Truth(d)

    def val(v):
        if isinstance(v, Range):
            return v.hi
        if isinstance(v, set):
            return sorted(v)
        if isinstance(v, dict):
            return {k: val(x) for k, x in v.items()}
        return v

    services = []
    for ts in t.services.values():
        s = {k: val(v) for k, v in ts.items() if k != "destinations"}
        s["flags"] = sorted(set(ts["flags"]) | {"hashed"})
        s["destinations"] = [val(dd) for dd in ts["destinations"].values()]
        services.append(s)
    entries = [dict(e) for v in t.conns_before.values() for e in v]
    by_service = Counter((e["protocol"], e["virtual"], e["virtual_port"]) for e in entries)
    by_dest = Counter((e["destination"], e["destination_port"]) for e in entries)
    doc = {
        "schema": 1,
        "time": "1970-01-01T00:00:00Z",
        "host": "ipvstop-vm",
        "ipvs": {
            "available": True,
            "error": None,
            "source": "netlink",
            "version": t.version,
            "conn_tab_size": t.conn_tab_size,
            "timeouts": t.timeouts,
            "daemons": [{"state": x["state"], "mcast_ifn": x["mcast"], "syncid": x["syncid"],
                         "sync_maxlen": x.get("maxlen"), "mcast_group": x.get("group"),
                         "mcast_port": x.get("port"), "mcast_ttl": x.get("ttl")} for x in t.daemons],
            "services": services,
        },
        "connections": {
            "total": len(entries),
            "truncated": False,
            "entries": entries,
            "by_service": [{"protocol": k[0], "address": k[1], "port": k[2], "count": n}
                           for k, n in by_service.items()],
            "by_destination": [{"address": k[0], "port": k[1], "count": n} for k, n in by_dest.items()],
            "by_state": dict(Counter(e["state"] for e in entries)),
        },
        "modules": [{"name": m, "state": t.module_state(m)} for m in REQUIRED_MODULES + ["nf_conntrack_ipv4"]],
        "sysctls": {k: (norm_sysctl(v)[0] if len(norm_sysctl(v)) == 1 else v) for k, v in t.sysctls.items()},
    }
    return doc


def main(argv):
    if len(argv) == 3 and argv[1] == "--reference":
        print(json.dumps(reference(argv[2])))
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    return compare_all(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
