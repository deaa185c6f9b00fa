#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# report.py: turns the results of bench/bench.sh (RESULTS/out/results.txt from the VM,
# RESULTS/host/results.txt from the host) into a Markdown report: every number, ratios to
# ipvsadm in the same run, and each target of issue #6 met or not.
#
#   python3 bench/report.py RESULTS > RESULTS/report.md
#
# Medians over the repeats; the emulator's noise makes single runs unreliable.
import os
import statistics
import sys

SIZES = [("s", 150, 300), ("m", 1300, 10000), ("k", 10000, 100000), ("l", 20000, 100000),
         ("xl", 50000, 150000)]
SCREEN_ROWS = 41


def parse(path):
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path, errors="replace"):
        if not line.startswith("R "):
            continue
        d = {}
        for w in line.split()[1:]:
            if "=" in w:
                k, v = w.split("=", 1)
                d[k] = v
        rows.append(d)
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


class Results:
    def __init__(self, rows):
        self.rows = rows

    def sel(self, **kw):
        out = []
        for r in self.rows:
            if all(r.get(k) == str(v) for k, v in kw.items()):
                out.append(r)
        return out

    def sel_plain(self, **kw):
        # Measurements of a table without connection entries, unless asked for.
        return [r for r in self.sel(**kw) if "conns" in kw or "conns" not in r]

    def med(self, field, **kw):
        vals = [num(r.get(field)) for r in self.sel_plain(**kw)]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    def cpu(self, **kw):
        vals = [num(r.get("user")) + num(r.get("sys")) for r in self.sel_plain(**kw)
                if num(r.get("user")) is not None]
        return statistics.median(vals) if vals else None

    def one(self, **kw):
        s = self.sel(**kw)
        return s[0] if s else None


def f(v, fmt="%.2f", none="n/a"):
    return none if v is None else fmt % v


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def pair_ratio(g, n, field="wall"):
    """Median over the repeats of ipvstop / ipvsadm, each pair run back to back: the
    emulator's speed drifts with the load of the host, a pair sees the same."""
    a = {r.get("rep"): num(r.get(field)) for r in g.sel(size=n, what="ipvsadm_stats") if "conns" not in r}
    b = {r.get("rep"): num(r.get(field)) for r in g.sel(size=n, what="ipvstop_json") if "conns" not in r}
    rs = [b[k] / a[k] for k in a if k in b and a[k] and b[k] is not None]
    return statistics.median(rs) if rs else None


def quit_text(r):
    """ptyprobe's quit line: quit_s=-1 means the program had not exited 30 s after q."""
    v = num((r or {}).get("quit_s"))
    if v is None:
        return "was not measured"
    if v < 0:
        return "did not end it within 30 s (killed) **not met**"
    return "took %.2f s" % v


def verdict(ok):
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def rep_ratios(g, n, num_what, den_what):
    """ipvstop / reference for each repeat (the same round of the same run): median, min, max."""
    a = {r.get("rep"): num(r.get("wall")) for r in g.sel_plain(size=n, what=den_what)}
    b = {r.get("rep"): num(r.get("wall")) for r in g.sel_plain(size=n, what=num_what)}
    rs = sorted(b[k] / a[k] for k in a if k in b and a[k] and b[k] is not None)
    return (statistics.median(rs), rs[0], rs[-1]) if rs else None


def slowdown_nl(g, h, n):
    """The emulator's netlink slowdown at size n: a generic netlink family dump in the guest
    (at that size, else at the start) over the same on the host (nlprobe -C)."""
    cg = g.one(what="calib", where="guest", size=n) or g.one(what="calib", where="guest")
    ch = h.one(what="calib", where="host")
    if not cg or not ch:
        return None
    return num(cg["genl_dump_us"]) / num(ch["genl_dump_us"])


def slowdown_user(g, h, n):
    """The emulator's slowdown of ipvstop's own user-space work (a recording in, JSON out)
    at size n (else at the start): guest over host, at least 1."""
    hu = h.med("user", what="calib_user", where="host")
    gu = g.med("user", what="calib_user", where="guest", size=n)
    if gu is None:
        gu = g.med("user", what="calib_user", where="guest", size="start")
    if hu is None or gu is None or not hu:
        return None
    return max(1.0, gu / hu)


def native_after_start(r, fn, fu):
    """The first frame after the first output (the process is up: libraries loaded,
    terminal set up) on real hardware, estimated from ptyprobe's "first" line r: the CPU
    used in between, system time over the netlink slowdown fn, user time over the
    user-code slowdown fu (it computes until the frame: no waiting in between)."""
    if not r or None in (fn, fu) or "out_sys_s" not in r or num(r["first_frame_s"]) < 0:
        return None
    return ((num(r["first_sys_s"]) - num(r["out_sys_s"])) / fn
            + (num(r["first_user_s"]) - num(r["out_user_s"])) / fu)


def dash_per_rs(g, n, D, who="ui_pty"):
    """The dashboard's bytes per real server at size n: each run's peak RSS after the window
    (hwm_kb) above the same binary's empty baseline (median over its empty runs), median
    over the runs. who: ui_pty (ipvstop) or base_pty (the baseline binary)."""
    e = g.med("hwm_kb", size="empty", what=who + "_window")
    vals = [(num(r.get("hwm_kb")) - e) * 1024 / D for r in g.sel_plain(size=n, what=who + "_window")
            if e and num(r.get("hwm_kb")) is not None]
    return statistics.median(vals) if vals else None


def dash_ref(g, n, who="ui_pty"):
    """The reference of the first frame, nlprobe's service dump and one screen of real
    servers (svc_s + dest_s): {rep: seconds}, the median of the tries taken just before
    who's run of each round (the dash part), and the median of all at size n (the full run
    takes five before its one dashboard)."""
    tries = {}
    for r in g.sel_plain(size=n, what="nl_screen", **{"for": who}):
        if num(r.get("total_s")) is not None:
            tries.setdefault(r.get("rep"), []).append(num(r.get("total_s")))
    reps = {k: statistics.median(v) for k, v in tries.items()}
    return reps, g.med("total_s", size=n, what="nl_screen")


def dash_first_ratio(g, n, who="ui_pty", h=None):
    """First frame with real servers / the reference: each run over the reference taken
    just before it, or over the median reference when the run has no round (the full run).
    Median over the runs, lowest, highest; runs whose first frame never came are left out.
    With h (the host's results): the native estimate of both, from the first output on."""
    reps, med_ref = dash_ref(g, n, who)
    fn = slowdown_nl(g, h, n) if h else None
    fu = slowdown_user(g, h, n) if h else None
    rs = []
    for r in g.sel_plain(size=n, what=who + "_first"):
        ff = num(r.get("first_frame_s"))
        ref = reps.get(r.get("rep")) if reps else med_ref
        if h:
            ff = native_after_start(r, fn, fu)
            ref = ref / fn if ref and fn else None
        if ff is not None and ff >= 0 and ref:
            rs.append(ff / ref)
    rs.sort()
    return (statistics.median(rs), rs[0], rs[-1]) if rs else None


def massif_peak(path, top=4):
    """The largest allocation sites in massif's peak snapshot (PATH): [(bytes, "site < caller")],
    site the first level under the allocation functions, caller the largest one under it."""
    try:
        lines = open(path, errors="replace").read().split("\n")
        i = lines.index("heap_tree=peak") + 2
    except (OSError, ValueError):
        return []
    def site(line):  # " n1: BYTES 0xADDR: fn (file:line)" or " n0: BYTES in N places, ..."
        w = line.split(None, 2)
        if len(w) < 3:
            return None, ""
        return int(w[1]), w[2].split(None, 1)[1] if w[2].startswith("0x") and " " in w[2] else w[2]
    out = []
    while i < len(lines) and lines[i].startswith(" "):
        if not lines[i].startswith("  "):
            b, here = site(lines[i])
            child = site(lines[i + 1])[1] if i + 1 < len(lines) and lines[i + 1].startswith("  n") else ""
            if b is not None:
                out.append((b, here + (" < " + child if child else "")))
        i += 1
    return sorted(out, reverse=True)[:top]


def rr3(t, fmt="%.2f"):
    return "n/a" if t is None else (fmt + " [" + fmt + ", " + fmt + "]") % t


def trace_steps(path):
    """IPVSTOP_TRACE's lines (src/trace.h) by pid: [(seconds, resident KiB, step)]; the
    first traces (a246143) had no resident column: None."""
    by = {}
    if not os.path.exists(path):
        return by
    for line in open(path, errors="replace"):
        w = line.split(None, 4)
        if len(w) < 4 or num(w[0]) is None:
            continue
        if len(w) == 5 and num(w[3]) is not None:
            by.setdefault(w[1], []).append((num(w[0]), num(w[3]), w[4].strip()))
        else:
            by.setdefault(w[1], []).append((num(w[0]), None, " ".join(w[3:]).strip()))
    return by


def trace_summary(steps):
    """What one dashboard's trace says of its first frame and its memory, or None."""
    def first(pred):
        return next((t for t, _, s in steps if pred(s)), None)
    main = first(lambda s: s == "main")
    opened = first(lambda s: s == "collect: netlink open")
    dump = first(lambda s: s.startswith("collect: table read, ") and not s.startswith("collect: table read, 0 "))
    frame = first(lambda s: s.startswith("ui: frame drawn, ") and "services, 0 real" not in s
                  and not s.startswith("ui: frame drawn, 0 "))
    if None in (main, opened, dump, frame):
        return None
    # Resident size between refreshes (as each frame is drawn) and its highest at any step,
    # after the first pass had time to fill the table (the second half of the trace).
    late = [(t, r, s) for t, r, s in steps if t >= steps[-1][0] / 2]
    drawn = [r for t, r, s in late if s.startswith("ui: frame drawn, ") and r is not None]
    known = [r for _, r, _ in late if r is not None]
    return {"main": main, "open": opened - main, "dump": dump - opened, "after": frame - dump,
            "frame": frame, "rss_frame": statistics.median(drawn) if drawn else None,
            "rss_max": max(known) if known else None}


def dash_trace_table(top, runs, p):
    """The dashboards' traces (VM_GUEST_ENV=IPVSTOP_TRACE=/out/trace.txt), matched to their
    runs by the pid ptyprobe prints: medians per size and binary."""
    printed = False
    for cpus, g, d in sorted(runs, key=lambda x: x[0]):
        by = trace_steps(os.path.join(top, d, "trace.txt"))
        if not by:
            continue
        for n, S, D in SIZES:
            for who, name in (("ui_pty", "ipvstop"), ("base_pty", "baseline")):
                sums = [trace_summary(by[r["pid"]]) for r in g.sel_plain(size=n, what=who + "_first")
                        if r.get("pid") in by]
                sums = [s for s in sums if s]
                if not sums:
                    continue
                if not printed:
                    p("")
                    p("The dashboards' traces (`VM_GUEST_ENV=IPVSTOP_TRACE=/out/trace.txt`, `%s/trace.txt`; "
                      "medians over the runs, seconds from the process's start): `main()` reached; from there to "
                      "the netlink socket open; the service dump; from the dump to the first frame with real "
                      "servers; that frame; resident size as frames are drawn and its highest at any step, both "
                      "in the second half of the trace (after the first pass)." % d)
                    p("")
                    p("| size | vCPUs | binary | runs | main() s | to netlink s | dump s | dump to frame s "
                      "| frame s | RSS at frames KiB | highest RSS KiB |")
                    p("|" + "---|" * 11)
                    printed = True
                def m(k, fmt="%.3f"):
                    v = [s[k] for s in sums if s[k] is not None]
                    return f(statistics.median(v) if v else None, fmt)
                p("| %s %d / %d | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                    n, S, D, cpus, name, len(sums), m("main"), m("open"), m("dump"), m("after"),
                    m("frame"), m("rss_frame", "%.0f"), m("rss_max", "%.0f")))


def dash_section(top, p):
    """The dashboard's peak RSS, bytes per real server above its own empty baseline and
    first frame against the reference, per size, boot and binary (bench.sh --dash-only;
    the full run's one dashboard per size too)."""
    runs = []
    for d in ("out", "out-1cpu"):
        g = Results(parse(os.path.join(top, d, "results.txt")))
        env = g.one(what="env")
        if env and [r for r in g.sel(what="ui_pty_first") if r.get("size") != "empty"]:
            runs.append((env.get("cpus", "?"), g, d))
    if not runs:
        return
    h = Results(parse(os.path.join(top, "host", "results.txt")))
    p("## Dashboard: memory and first frame (issue #16)")
    p("")
    p("`ipvstop -d 1 --no-kube` on a 200x50 pty (`bench/tools/ptyprobe -m 10.97.`): peak RSS "
      "after the window left alone at 1 Hz (in brackets the RSS then: the peak can be a moment's), "
      "and bytes per real server above the same binary's "
      "peak RSS on an empty table (median over the runs); the first frame showing a real server "
      "row (\"Masq\") and the first output, from the start; the reference, one service dump and "
      "the real servers of the first %d services (`nlprobe -k %d`, svc_s + dest_s), in the "
      "dash part taken three times just before each dashboard (their median); first frame / "
      "reference is the median over the runs of the ratio within a run [lowest, highest]. "
      "Seconds are medians, in the "
      "emulator; the native estimate divides the CPU the dashboard used from its first output "
      "to the first frame (system time by the emulator's netlink slowdown at that size, user "
      "time by ipvstop's user-code slowdown) and the reference by the netlink slowdown, as in "
      "the full run's \"native estimate\" rows. Targets at table l: at most 200 B per real server, first frame at most 1.0x "
      "the reference." % (SCREEN_ROWS, SCREEN_ROWS))
    p("")
    for cpus, g, d in runs:
        for busy in g.sel(what="busy"):
            sprays = [r for r in g.sel() if r.get("what", "").endswith("_pty_spray")]
            rounds = sorted(int(r.get("rounds", 0)) for r in sprays)
            failed = sum(int(r.get("failed", 0)) for r in sprays)
            p("**A busy table** (`--dash-busy`, size %s, %s vCPUs): while each dashboard ran, "
              "`vipspray` opened a TCP connection to every service in turn, %s ms between "
              "rounds: %s rounds per dashboard (median of %d), %d connections failed." %
              (busy.get("size", "?"), cpus, busy.get("pause_ms", "?"),
               rounds[len(rounds) // 2] if rounds else "no", len(rounds), failed))
            p("")
    env = runs[0][1].one(what="env")
    if env.get("base"):
        p("ipvstop: %s; baseline: %s." % (env.get("ipvstop", "").replace("_", " "), env["base"].replace("_", " ")))
        p("")
    p("| size | vCPUs | binary | runs | empty peak RSS KiB | peak RSS KiB (RSS at the end) | B per real "
      "server above empty | first output s | first frame s | reference s (svc + dest) | first frame / reference "
      "| after start-up / reference, native estimate |")
    p("|" + "---|" * 12)
    names = {"ui_pty": "ipvstop", "base_pty": "baseline"}
    for n, S, D in SIZES:
        for cpus, g, _ in sorted(runs, key=lambda x: x[0]):
            for who in ("ui_pty", "base_pty"):
                firsts = g.sel_plain(size=n, what=who + "_first")
                if not firsts:
                    continue
                seen = [r for r in firsts if (num(r.get("first_frame_s")) or -1) >= 0]
                ff = statistics.median(num(r["first_frame_s"]) for r in seen) if seen else None
                reps, med_ref = dash_ref(g, n, who)
                refs = g.sel_plain(size=n, what="nl_screen", **{"for": who}) or g.sel_plain(size=n, what="nl_screen")
                svc = [num(r.get("svc_s")) for r in refs if num(r.get("svc_s")) is not None]
                dst = [num(r.get("dest_s")) for r in refs if num(r.get("dest_s")) is not None]
                tot = [num(r.get("total_s")) for r in refs if num(r.get("total_s")) is not None]
                p("| %s %d / %d | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    n, S, D, cpus, names[who], len(firsts),
                    f(g.med("hwm_kb", size="empty", what=who + "_window"), "%.0f"),
                    "%s (%s)" % (f(g.med("hwm_kb", size=n, what=who + "_window"), "%.0f"),
                                 f(g.med("rss_kb", size=n, what=who + "_window"), "%.0f")),
                    f(dash_per_rs(g, n, D, who), "%.0f"),
                    f(g.med("first_output_s", size=n, what=who + "_first")),
                    f(ff) + ("" if len(seen) == len(firsts) else " (not seen in %d)" % (len(firsts) - len(seen))),
                    "%s (%s + %s)" % (f(statistics.median(tot) if tot else None, "%.3f"),
                                      f(statistics.median(svc) if svc else None, "%.3f"),
                                      f(statistics.median(dst) if dst else None, "%.3f")),
                    rr3(dash_first_ratio(g, n, who)), rr3(dash_first_ratio(g, n, who, h))))
    for cpus, g, _ in sorted(runs, key=lambda x: x[0]):
        for n, S, D in SIZES:
            if n != "l" or not g.sel_plain(size=n, what="ui_pty_first"):
                continue
            b, fr, fe = dash_per_rs(g, n, D), dash_first_ratio(g, n), dash_first_ratio(g, n, h=h)
            p("")
            p("Targets of issue #16 at table l, ipvstop, %s vCPUs: at most 200 B per real server: %s, %s; "
              "first frame at most 1.0x the reference: %s in the VM, %s; after start-up, native estimate: %s, %s."
              % (cpus, f(b, "%.0f B"), verdict(None if b is None else b <= 200),
                 f(fr[0] if fr else None, "%.2fx"), verdict(None if not fr else fr[0] <= 1),
                 f(fe[0] if fe else None, "%.2fx"), verdict(None if not fe else fe[0] <= 1)))
    base = [(cpus, g) for cpus, g, _ in runs if g.sel(what="base_pty_first")]
    if base:
        p("")
        p("ipvstop / the baseline binary (IPVSTOP_BENCH_BASELINE; in each round both dashboards, the baseline's "
          "first every other round): "
          "peak RSS and first frame are the median over the rounds of the ratio within a round "
          "[lowest, highest]; bytes per real server and first frame / reference, the ratio of "
          "the two binaries' medians above.")
        p("")
        p("| size | vCPUs | rounds | peak RSS | B per real server | first frame | first frame / reference |")
        p("|" + "---|" * 7)
        for n, S, D in SIZES:
            for cpus, g in sorted(base, key=lambda x: x[0]):
                if not g.sel(size=n, what="base_pty_first"):
                    continue
                def within(what, field):
                    a = {r.get("rep"): num(r.get(field)) for r in g.sel_plain(size=n, what="base_pty_" + what)}
                    b = {r.get("rep"): num(r.get(field)) for r in g.sel_plain(size=n, what="ui_pty_" + what)}
                    rs = sorted(b[k] / a[k] for k in a if k in b and a[k] and a[k] > 0
                                and b[k] is not None and b[k] >= 0)
                    return (statistics.median(rs), rs[0], rs[-1]) if rs else None
                fa, fb = dash_first_ratio(g, n), dash_first_ratio(g, n, "base_pty")
                p("| %s %d / %d | %s | %d | %s | %s | %s | %s |" % (
                    n, S, D, cpus, len(g.sel_plain(size=n, what="base_pty_first")),
                    rr3(within("window", "hwm_kb")),
                    f(ratio(dash_per_rs(g, n, D), dash_per_rs(g, n, D, "base_pty"))),
                    rr3(within("first", "first_frame_s")),
                    f(ratio(fa[0] if fa else None, fb[0] if fb else None))))
    dash_trace_table(top, runs, p)
    ms = [(cpus, r, d) for cpus, g, d in runs for r in g.sel(what="dash_massif")]
    if ms:
        p("")
        for cpus, r, d in ms:
            if r.get("error"):
                p("- massif, size %s, %s vCPUs: not run (%s)." % (r.get("size"), cpus, r["error"].replace("_", " ")))
                continue
            p("- massif (`valgrind --tool=massif --time-unit=ms`), size %s, %s vCPUs: %s s in all "
              "(%s s to quit), %s snapshots, peak heap %s KiB + %s KiB allocator overhead; "
              "`%s/massif-dash-%s.out`." % (
                  r.get("size"), cpus, r.get("wall_s"), r.get("quit_wait_s"), r.get("snapshots"),
                  f(num(r.get("peak_heap_b")) / 1024 if num(r.get("peak_heap_b")) is not None else None, "%.0f"),
                  f(num(r.get("peak_heap_extra_b")) / 1024 if num(r.get("peak_heap_extra_b")) is not None else None, "%.0f"),
                  d, r.get("size")))
            for b, site in massif_peak(os.path.join(top, d, "massif-dash-%s.out" % r.get("size"))):
                p("  - %.1f MB %s" % (b / 1e6, site))
    p("")


def floor_section(top, p):
    """The snapshots against the kernel's floor (nlprobe, one socket, nothing parsed or
    printed) and against ipvsadm, in the same rounds, for each boot (vCPUs) and size."""
    runs = []
    for d in ("out", "out-1cpu"):
        g = Results(parse(os.path.join(top, d, "results.txt")))
        env = g.one(what="env")
        if env and g.sel(what="nl_floor"):
            runs.append((env.get("cpus", "?"), g))
    if not runs:
        return
    p("## Snapshots against the kernel's floor and ipvsadm (issue #16)")
    p("")
    p("Each round runs `ipvsadm -Ln --stats`, `ipvstop -j -n 1 --no-kube`, `ipvstop -b -n 1 "
      "--no-kube` and the floor (`nlprobe -k 0 -r 1`: the same requests on one socket, nothing "
      "parsed or printed) back to back; a ratio is the median over the rounds of the ratio within "
      "a round [lowest, highest]. Wall seconds are medians.")
    p("")
    p("| size | vCPUs | rounds | floor s | ipvsadm s | `-j` s | `-b` s | `-j` / floor | `-b` / floor "
      "| `-j` / ipvsadm | `-b` / ipvsadm | `-b` / `-j` |")
    p("|" + "---|" * 12)

    def rr(t):
        return "n/a" if t is None else "%.2f [%.2f, %.2f]" % t
    for n, S, D in SIZES:
        for cpus, g in sorted(runs, key=lambda x: x[0]):
            if not g.sel(size=n, what="nl_floor"):
                continue
            p("| %s %d / %d | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                n, S, D, cpus, len(g.sel_plain(size=n, what="nl_floor")),
                f(g.med("wall", size=n, what="nl_floor")), f(g.med("wall", size=n, what="ipvsadm_stats")),
                f(g.med("wall", size=n, what="ipvstop_json")), f(g.med("wall", size=n, what="ipvstop_text")),
                rr(rep_ratios(g, n, "ipvstop_json", "nl_floor")), rr(rep_ratios(g, n, "ipvstop_text", "nl_floor")),
                rr(rep_ratios(g, n, "ipvstop_json", "ipvsadm_stats")),
                rr(rep_ratios(g, n, "ipvstop_text", "ipvsadm_stats")),
                rr(rep_ratios(g, n, "ipvstop_text", "ipvstop_json"))))
    base = [(cpus, g) for cpus, g in runs if g.sel(what="base_json")]
    if base:
        p("")
        p("The baseline binary (IPVSTOP_BENCH_BASELINE) in the same rounds:")
        p("")
        p("| size | vCPUs | baseline `-j` s | baseline `-b` s | baseline `-j` / floor | baseline `-b` / floor "
          "| `-j` / baseline `-j` | `-b` / baseline `-b` |")
        p("|" + "---|" * 8)
        for n, S, D in SIZES:
            for cpus, g in sorted(base, key=lambda x: x[0]):
                if not g.sel(size=n, what="base_json"):
                    continue
                p("| %s %d / %d | %s | %s | %s | %s | %s | %s | %s |" % (
                    n, S, D, cpus, f(g.med("wall", size=n, what="base_json")),
                    f(g.med("wall", size=n, what="base_text")),
                    rr(rep_ratios(g, n, "base_json", "nl_floor")), rr(rep_ratios(g, n, "base_text", "nl_floor")),
                    rr(rep_ratios(g, n, "ipvstop_json", "base_json")),
                    rr(rep_ratios(g, n, "ipvstop_text", "base_text"))))
    h = Results(parse(os.path.join(top, "host", "results.txt")))
    loads = ["%s %s" % (r.get("when"), r.get("load", "").replace("/", " ")) for r in h.sel(what="host_load")]
    if loads:
        p("")
        p("Host load average (1, 5, 15 min) at each boot and end: " + "; ".join(loads) + ".")
    p("")


def main():
    top = sys.argv[1]
    g = Results(parse(os.path.join(top, "out", "results.txt")))
    h = Results(parse(os.path.join(top, "host", "results.txt")))
    out = []
    p = out.append

    env = g.one(what="env")
    p("# ipvstop benchmark results")
    p("")
    if env:
        p("Guest: Linux %s under QEMU TCG (no KVM), %s vCPUs, %d MiB; %s; %s; IPVS connection "
          "hash table %s buckets." % (env.get("kernel"), env.get("cpus"),
                                      int(env.get("mem_kb", "0")) // 1024,
                                      env.get("ipvstop", "").replace("_", " "),
                                      env.get("ipvsadm", "").replace("_", " "),
                                      env.get("conn_tab_size")))
    he = h.one(what="host_env")
    if he:
        p("Host: Linux %s, %s CPUs (%s)." % (he.get("kernel"), he.get("cpus"),
                                           he.get("model", "").replace("_", " ")))
    cg, ch = g.one(what="calib", where="guest"), h.one(what="calib", where="host")
    if cg and ch:
        p("")
        p("Calibration, the same program on the host and in the guest (nlprobe -C 20): "
          "user-space loop %s s vs %s s (x%.1f), getppid() %s us vs %s us (x%.1f), "
          "one generic netlink family dump %s us vs %s us (x%.1f). The emulator slows "
          "kernel and netlink work far more than plain user code. ipvstop's own user-space "
          "work (`ipvstop -j -n 1 --replay` of a 1,300/10,000 recording): %s s user in the "
          "guest vs %s s on the host."
          % (cg["user_s"], ch["user_s"], num(cg["user_s"]) / num(ch["user_s"]),
             cg["syscall_us"], ch["syscall_us"], num(cg["syscall_us"]) / num(ch["syscall_us"]),
             cg["genl_dump_us"], ch["genl_dump_us"],
             num(cg["genl_dump_us"]) / num(ch["genl_dump_us"]),
             f(g.med("user", what="calib_user", where="guest", size="start")),
             f(h.med("user", what="calib_user", where="host"))))
    p("")

    floor_section(top, p)
    dash_section(top, p)
    # The full run's sizes (the dash part has no snapshots: its section above says it all).
    sizes = [s for s in SIZES if g.sel(size=s[0], what="load") and g.sel(size=s[0], what="ui_pty_first")
             and g.sel(size=s[0], what="ipvstop_json")]
    base_rss = g.med("maxrss_kb", size="empty", what="ipvstop_json")

    if sizes:
        # ---- the table per size
        p("## Per table size (medians; times in the emulator)")
        p("")
        hdr = ["", ] + ["%s: %d / %d" % (n, S, D) for n, S, D in sizes]
        p("| " + " | ".join(hdr) + " |")
        p("|" + "---|" * len(hdr))

        def row(label, fn):
            p("| " + label + " | " + " | ".join(fn(n, S, D) for n, S, D in sizes) + " |")

        row("load (wall s)", lambda n, S, D: "%s (%s)" % (
            f(g.med("wall", size=n, what="load")), g.one(size=n, what="load").get("how", "ipvsadm")))

        def pct(field, what, n, wfield="window_s"):
            w = g.med(wfield, size=n, what=what)
            v = g.med(field, size=n, what=what)
            return f(100 * v / w if w and v is not None else None, "%.1f%%")
        row("kernel busy while idle (% of one CPU)", lambda n, S, D: pct("machine_busy_s", "idle", n))
        row("`ipvsadm -Ln --stats` wall s", lambda n, S, D: f(g.med("wall", size=n, what="ipvsadm_stats")))
        row("`ipvstop -j -n 1` wall s", lambda n, S, D: f(g.med("wall", size=n, what="ipvstop_json")))
        row("ratio of the medians", lambda n, S, D: f(ratio(
            g.med("wall", size=n, what="ipvstop_json"), g.med("wall", size=n, what="ipvsadm_stats"))))
        row("**ratio ipvstop / ipvsadm (median of adjacent pairs)**", lambda n, S, D: f(pair_ratio(g, n), "**%.2f**"))
        row("ipvsadm CPU s (user+sys)", lambda n, S, D: f(g.cpu(size=n, what="ipvsadm_stats")))
        row("ipvstop CPU s (user+sys)", lambda n, S, D: f(g.cpu(size=n, what="ipvstop_json")))
        row("ipvstop user / sys s", lambda n, S, D: "%s / %s" % (
            f(g.med("user", size=n, what="ipvstop_json")), f(g.med("sys", size=n, what="ipvstop_json"))))
        row("ipvsadm user / sys s", lambda n, S, D: "%s / %s" % (
            f(g.med("user", size=n, what="ipvsadm_stats")), f(g.med("sys", size=n, what="ipvsadm_stats"))))
        row("`ipvsadm -Ln` wall s", lambda n, S, D: f(g.med("wall", size=n, what="ipvsadm_plain")))
        row("`cat /proc/net/ip_vs` wall s", lambda n, S, D: f(g.med("wall", size=n, what="proc_ip_vs")))
        row("netlink floor, full read (nlprobe -k 0) s", lambda n, S, D: f(g.med("total_s", size=n, what="nl_full", buf=65536)))
        row("ratio floor / ipvsadm", lambda n, S, D: f(ratio(
            g.med("total_s", size=n, what="nl_full", buf=65536), g.med("wall", size=n, what="ipvsadm_stats"))))
        row("same floor with a 16 KiB / 4 KiB receive buffer s", lambda n, S, D: "%s / %s" % (
            f(g.med("total_s", size=n, what="nl_full", buf=16384)), f(g.med("total_s", size=n, what="nl_full", buf=4096))))
        row("empty-table `ipvstop -j -n 1` wall s", lambda n, S, D: f(g.med("wall", size="empty", what="ipvstop_json")))
        row("ipvstop peak RSS KiB (`-j -n 1`)", lambda n, S, D: f(g.med("maxrss_kb", size=n, what="ipvstop_json"), "%.0f"))
        row("**bytes per real server above empty**", lambda n, S, D: f(
            (g.med("maxrss_kb", size=n, what="ipvstop_json") - base_rss) * 1024 / D
            if base_rss else None, "**%.0f**"))
        row("ipvsadm peak RSS KiB", lambda n, S, D: f(g.med("maxrss_kb", size=n, what="ipvsadm_stats"), "%.0f"))
        def per_refresh(n):
            r = g.one(size=n, what="json_nK")
            c1 = g.cpu(size=n, what="ipvstop_json")
            if not r or c1 is None or r.get("rc") != "0":
                return None
            k = int(r["n"])
            return (num(r["user"]) + num(r["sys"]) - c1) / (k - 1)
        row("JSON: CPU per further refresh s (`-j -d 1 -n K` minus `-n 1`)", lambda n, S, D: f(per_refresh(n)))
        row("JSON writer alone on the host, CPU ms per document (MB)", lambda n, S, D: "%s (%s)" % (
            f(1000 * h.med("user_s_per_doc", size=n, what="jsonwrite") + 1000 * h.med("sys_s_per_doc", size=n, what="jsonwrite")
              if h.med("user_s_per_doc", size=n, what="jsonwrite") is not None else None, "%.0f"),
            f(h.med("bytes", size=n, what="jsonwrite") / 1e6 if h.med("bytes", size=n, what="jsonwrite") else None, "%.1f")))
        row("dashboard (pty) at 1 Hz: CPU, % of one core", lambda n, S, D: f(
            100 * ratio(g.med("cpu_s", size=n, what="ui_pty_window"), g.med("window_s", size=n, what="ui_pty_window")) if g.med("window_s", size=n, what="ui_pty_window") else None, "%.1f%%"))
        row("... reading thread / UI thread", lambda n, S, D: "%s / %s" % (
            f(100 * ratio(g.med("cpu_other_s", size=n, what="ui_pty_window"), g.med("window_s", size=n, what="ui_pty_window")) if g.med("window_s", size=n, what="ui_pty_window") else None, "%.1f%%"),
            f(100 * ratio(g.med("cpu_main_s", size=n, what="ui_pty_window"), g.med("window_s", size=n, what="ui_pty_window")) if g.med("window_s", size=n, what="ui_pty_window") else None, "%.1f%%")))
        row("dashboard (tmux) at 1 Hz: CPU, % of one core", lambda n, S, D: f(
            100 * ratio(g.med("cpu_s", size=n, what="ui_tmux"), g.med("window_s", size=n, what="ui_tmux")) if g.med("window_s", size=n, what="ui_tmux") else None, "%.1f%%"))
        row("... tmux server", lambda n, S, D: f(
            100 * ratio(g.med("tmux_cpu_s", size=n, what="ui_tmux"), g.med("window_s", size=n, what="ui_tmux")) if g.med("window_s", size=n, what="ui_tmux") else None, "%.1f%%"))
        row("dashboard RSS KiB (peak, tmux)", lambda n, S, D: f(g.med("hwm_kb", size=n, what="ui_tmux"), "%.0f"))
        ui_base = g.med("hwm_kb", size="empty", what="ui_pty_window")
        row("dashboard peak RSS KiB (pty; empty table: %s)" % f(ui_base, "%.0f"),
            lambda n, S, D: f(g.med("hwm_kb", size=n, what="ui_pty_window"), "%.0f"))
        row("**dashboard bytes per real server above empty**", lambda n, S, D: f(
            dash_per_rs(g, n, D), "**%.0f**"))
        row("UI thread per frame ms (frames, bytes/frame)", lambda n, S, D: "%s (%s, %s)" % (
            f(g.med("cpu_main_ms_per_frame", size=n, what="ui_pty_window"), "%.1f"),
            f(g.med("frames", size=n, what="ui_pty_window"), "%.0f"),
            f(g.med("bytes_per_frame", size=n, what="ui_pty_window"), "%.0f")))
        row("first frame with virtual services s", lambda n, S, D: f(g.med("mark1_s", size=n, what="ui_pty_marks")) if (g.med("mark1_s", size=n, what="ui_pty_marks") or 0) >= 0 else "not seen")
        row("first frame with data (real servers) s", lambda n, S, D: f(g.med("first_frame_s", size=n, what="ui_pty_first")))
        row("reference: service dump + %d services' real servers s" % SCREEN_ROWS,
            lambda n, S, D: f(g.med("total_s", size=n, what="nl_screen"), "%.3f"))
        row("first output (process start) s", lambda n, S, D: f(g.med("first_output_s", size=n, what="ui_pty_first")))
        row("first frame after first output s", lambda n, S, D: f(
            g.med("first_frame_s", size=n, what="ui_pty_first") - g.med("first_output_s", size=n, what="ui_pty_first")
            if g.med("first_frame_s", size=n, what="ui_pty_first") is not None else None))
        row("**first frame / reference**", lambda n, S, D: f(
            (dash_first_ratio(g, n) or (None,))[0], "**%.1f**"))
        row("(first frame after first output) / reference", lambda n, S, D: f(ratio(
            g.med("first_frame_s", size=n, what="ui_pty_first") - g.med("first_output_s", size=n, what="ui_pty_first")
            if g.med("first_frame_s", size=n, what="ui_pty_first") is not None else None,
            g.med("total_s", size=n, what="nl_screen")), "%.1f"))
        row("quitting (q to exit) s", lambda n, S, D: f(g.med("quit_s", size=n, what="ui_pty_quit")))

        # Native estimates: kernel-bound work divided by the emulator's netlink slowdown
        # measured at this size, user-space work by the user-loop slowdown.
        def f_nl(n):
            return slowdown_nl(g, h, n)

        def f_user(n):
            return slowdown_user(g, h, n)

        def read_time(n):
            ff = g.med("first_frame_s", size=n, what="ui_pty_first")
            fo = g.med("first_output_s", size=n, what="ui_pty_first")
            return ff - fo if ff is not None and fo is not None else None

        def saturated(n):
            r = g.one(size=n, what="ui_pty_window")
            return bool(r) and num(r["cpu_other_s"]) > 0.9 * num(r["window_s"])

        def native_1hz(n, schedule=False):
            """The dashboard at 1 Hz on real hardware, estimated: the CPU each thread used in
            the window, its system part over the emulator's netlink slowdown and its user part
            over the user-code slowdown, per second. When the reading thread was busy all the
            time in the VM, the sweep fell behind its schedule there and that is a lower
            bound; schedule=True gives the schedule's cost instead: one full read (the native
            estimate of -j -n 1) per sweep period of 10 s (src/sweep.h), plus the UI thread."""
            r = g.one(size=n, what="ui_pty_window")
            fn, fu = f_nl(n), f_user(n)
            if not r or None in (fn, fu) or "user_main_s" not in r:
                return None
            w = num(r["window_s"])
            o, ou = num(r["cpu_other_s"]), num(r["user_other_s"])
            m, mu = num(r["cpu_main_s"]), num(r["user_main_s"])
            ui = ((m - mu) / fn + mu / fu) / w
            if schedule:
                full = native_cpu(n, "ipvstop_json")
                return None if full is None else 100 * (full / 10.0 + ui)
            return 100 * (((o - ou) / fn + ou / fu) / w + ui)

        def native_cpu(n, what):
            """A command's CPU on real hardware, estimated: system time over the netlink
            slowdown, user time over the user-code slowdown (both programs mostly wait for
            nothing but the kernel, so CPU stands for wall time)."""
            fn, fu = f_nl(n), f_user(n)
            u, sy = g.med("user", size=n, what=what), g.med("sys", size=n, what=what)
            if None in (fn, fu, u, sy):
                return None
            return sy / fn + u / fu

        def native_snap(n):
            return ratio(native_cpu(n, "ipvstop_json"), native_cpu(n, "ipvsadm_stats"))

        def native_first(n):
            """The first frame on real hardware, estimated: the CPU the process had used by
            then, system time over the netlink slowdown, user time over the user-code
            slowdown (it computes until the frame: no waiting in between)."""
            r = g.one(size=n, what="ui_pty_first")
            fn, fu = f_nl(n), f_user(n)
            if not r or None in (fn, fu) or "first_sys_s" not in r or num(r["first_frame_s"]) < 0:
                return None
            return num(r["first_sys_s"]) / fn + num(r["first_user_s"]) / fu

        def native_first_after_start(n):
            return native_after_start(g.one(size=n, what="ui_pty_first"), f_nl(n), f_user(n))

        def native_ref(n):
            v = g.med("total_s", size=n, what="nl_screen")
            return ratio(v, f_nl(n))

        row("emulator slowdown now: netlink dump / ipvstop user code", lambda n, S, D: "x%s / x%s" % (
            f(f_nl(n), "%.0f"), f(f_user(n), "%.1f")))
        row("native estimate: netlink floor s", lambda n, S, D: f(ratio(
            g.med("total_s", size=n, what="nl_full", buf=65536), f_nl(n)), "%.3f"))
        row("native estimate: `ipvstop -j -n 1` s / `ipvsadm -Ln --stats` s", lambda n, S, D: "%s / %s" % (
            f(native_cpu(n, "ipvstop_json"), "%.3f"), f(native_cpu(n, "ipvsadm_stats"), "%.3f")))
        row("**native estimate: snapshot ratio**", lambda n, S, D: f(native_snap(n), "**%.2f**"))
        row("native estimate: dashboard at 1 Hz, % of one core", lambda n, S, D: f(native_1hz(n), "%.1f%%") + (
            " to %s (reader saturated in the VM: at least / its schedule)" % f(native_1hz(n, True), "%.1f%%")
            if saturated(n) else ""))
        row("CPU by the first frame, user / system s (VM)", lambda n, S, D: "%s / %s" % (
            f(g.med("first_user_s", size=n, what="ui_pty_first")), f(g.med("first_sys_s", size=n, what="ui_pty_first"))))
        row("native estimate: first frame s / reference s", lambda n, S, D: "%s / %s" % (
            f(native_first(n), "%.3f"), f(native_ref(n), "%.4f")))
        row("native estimate: first frame / reference", lambda n, S, D: f(ratio(native_first(n), native_ref(n)), "%.1f"))
        row("native estimate: first frame after start-up s", lambda n, S, D: f(native_first_after_start(n), "%.4f"))
        row("**native estimate: first frame after start-up / reference**", lambda n, S, D: f(
            (dash_first_ratio(g, n, h=h) or (None,))[0], "**%.1f**"))
        row("key latency ms, median / max", lambda n, S, D: "%s / %s" % (
            f(g.med("median_ms", size=n, what="ui_pty_probes"), "%.0f"), f(g.med("max_ms", size=n, what="ui_pty_probes"), "%.0f")))
        p("")

    # ---- connections
    cs = g.sel(what="syncgen")
    if cs:
        cname = cs[0]["size"]
        p("## Connection entries (table %s, entries made by the backup sync daemon)" % cname)
        p("")
        counts = [r["conns"] for r in cs]
        p("| | " + " | ".join("%s entries" % c for c in counts) + " |")
        p("|" + "---|" * (len(counts) + 1))

        def crow(label, fn):
            p("| " + label + " | " + " | ".join(fn(c) for c in counts) + " |")

        crow("entries added by syncgen (s)", lambda c: "%s (%s s)" % (g.one(what="syncgen", conns=c).get("created"),
                                                                   g.one(what="syncgen", conns=c).get("seconds")))
        crow("kernel slab growth, bytes per entry", lambda c: f(
            num((g.one(what="conn_slab", conns=c) or {}).get("slab_delta_kb")) * 1024 / int(c)
            if g.one(what="conn_slab", conns=c) else None, "%.0f"))
        crow("`ipvsadm -Ln --stats` s", lambda c: f(g.med("wall", what="ipvsadm_stats", conns=c)))
        crow("`ipvstop -j -n 1` s", lambda c: f(g.med("wall", what="ipvstop_json", conns=c)))
        crow("ratio", lambda c: f(ratio(g.med("wall", what="ipvstop_json", conns=c),
                                        g.med("wall", what="ipvsadm_stats", conns=c))))
        crow("`ipvsadm -Lnc` s", lambda c: f(g.med("wall", what="ipvsadm_conns", conns=c)))

        def conns_cell(c):
            r = g.one(what="ipvstop_conns", conns=c)
            if not r:
                return "n/a"
            if r.get("rc") == "term":
                return "> %s (stopped)" % r.get("wall")
            return r.get("wall")
        crow("`ipvstop -j -n 1 --connections` s", conns_cell)
        crow("ratio", lambda c: f(ratio(g.med("wall", what="ipvstop_conns", conns=c, rc=0),
                                        g.med("wall", what="ipvsadm_conns", conns=c))))
        crow("ipvstop --connections peak RSS KiB", lambda c: f(g.med("maxrss_kb", what="ipvstop_conns", conns=c), "%.0f"))
        p("")
        lp = g.one(what="ui_conns_probes", phase="reading-connections")
        if lp:
            p("Dashboard with %s entries, connection pane opened (`c`) and keys pressed while "
              "the list is read: %s key probes, median %s ms, max %s ms, %s timed out (30 s); "
              "the pane appeared %s ms after `c`; the list was %s; quitting %s."
              % (lp.get("conns"), lp.get("n"), lp.get("median_ms"), lp.get("max_ms"), lp.get("timeouts"),
                 (g.one(what="ui_conns_conns_pane") or {}).get("conns_pane_ms"),
                 ("read after %s s" % g.one(what="ui_conns_conns_done")["conns_done_s"])
                 if g.one(what="ui_conns_conns_done") and num(g.one(what="ui_conns_conns_done")["conns_done_s"]) >= 0
                 else "still being read when the probes ended",
                 quit_text(g.one(what="ui_conns_quit"))))
            p("")

    # ---- Kubernetes
    if h.sel(size="kube"):
        p("## Kubernetes side (on the host: 10,000 Services, 100,000 endpoints)")
        p("")
        rk, rn = h.med("maxrss_kb", size="kube", what="replay_kube"), h.med("maxrss_kb", size="kube", what="replay_nokube")
        tk, tn = h.med("maxrss_kb", size="kube", what="tiny_kube"), h.med("maxrss_kb", size="kube", what="tiny_nokube")
        chk = h.one(what="kube_check") or {}
        p("| | value |")
        p("|---|---|")
        p("| peak RSS, matching 10k/100k table + cluster | %s KiB |" % f(rk, "%.0f"))
        p("| peak RSS, same table, --no-kube | %s KiB |" % f(rn, "%.0f"))
        p("| **Kubernetes data (difference)** | **%s MB** |" % f((rk - rn) / 1024 if rk and rn else None, "%.1f"))
        p("| peak RSS, cluster + 1-service table / --no-kube | %s / %s KiB (difference %s MB) |" % (
            f(tk, "%.0f"), f(tn, "%.0f"), f((tk - tn) / 1024 if tk and tn else None, "%.1f")))
        p("| wall, first complete document with the cluster | %s s (without: %s s) |" % (
            f(h.med("wall", size="kube", what="replay_kube")), f(h.med("wall", size="kube", what="replay_nokube"))))
        p("| CPU (user+sys) with the cluster | %s s |" % f(h.cpu(size="kube", what="replay_kube")))
        ffk = h.med("first_frame_s", size="kube", what="ui_kube_first")
        ffn = h.med("first_frame_s", size="kube", what="ui_nokube_first")
        names = h.med("mark1_s", size="kube", what="ui_kube_marks")
        p("| dashboard (first 100 services), first frame with data: with the cluster / without | %s / %s s (x%s) |" % (
            f(ffk), f(ffn), f(ratio(ffk, ffn))))
        p("| dashboard, first Service name shown | %s s (%s s after the first frame) |" % (
            f(names), f(names - ffk if names is not None and ffk is not None and names >= 0 else None)))
        uk = h.med("hwm_kb", size="kube", what="ui_kube_end")
        un = h.med("hwm_kb", size="kube", what="ui_nokube_end")
        p("| dashboard (first 100 services) peak RSS with the cluster / without | %s / %s KiB (difference %s MB) |" % (
            f(uk, "%.0f"), f(un, "%.0f"), f((uk - un) / 1024 if uk and un else None, "%.1f")))
        p("| dashboard keys with the cluster, median / max ms | %s / %s |" % (
            f(h.med("median_ms", size="kube", what="ui_kube_probes"), "%.0f"),
            f(h.med("max_ms", size="kube", what="ui_kube_probes"), "%.0f")))
        if chk.get("error"):
            p("| synced / services joined / real servers joined | not checked: %s |"
              % chk["error"].replace("_", " "))
        elif chk:
            p("| synced / services joined / real servers joined | %s / %s of %s / %s |" % (
                chk.get("synced"), chk.get("joined_services"), chk.get("services"),
                chk.get("joined_dests")))
        else:
            p("| synced / services joined / real servers joined | not checked (no kube_check line) |")
        p("")

    if sizes:
        # ---- targets
        p("## Targets")
        p("")
        p("| target | " + " | ".join(n for n, S, D in sizes) + " |")
        p("|---|" + "---|" * len(sizes))

        def trow(label, fn):
            cells = []
            for n, S, D in sizes:
                v, ok = fn(n, S, D)
                cells.append("%s %s" % (v, verdict(ok)))
            p("| " + label + " | " + " | ".join(cells) + " |")

        def t_snap(n, S, D):
            r = pair_ratio(g, n)
            return f(r, "%.2fx"), None if r is None else r <= 0.3
        trow("snapshot <= 0.3x ipvsadm -Ln --stats (in the VM, wall)", t_snap)

        def t_snap_native(n, S, D):
            r = native_snap(n)
            return f(r, "%.2fx (estimate)"), None if r is None else r <= 0.3
        trow("snapshot <= 0.3x ipvsadm -Ln --stats (native estimate)", t_snap_native)

        def per_rs(m, m0, D):
            """Bytes per real server of m KiB over the empty table's m0: <= 200 B."""
            if m is None or m0 is None:
                return "n/a", None
            b = (m - m0) * 1024 / D
            return "%.0f B" % b, b <= 200

        def t_mem(n, S, D):
            return per_rs(g.med("maxrss_kb", size=n, what="ipvstop_json"), base_rss, D)
        trow("<= 200 B per real server (-j -n 1)", t_mem)

        def t_mem_ui(n, S, D):
            b = dash_per_rs(g, n, D)
            return f(b, "%.0f B"), None if b is None else b <= 200
        trow("<= 200 B per real server (dashboard, steady state)", t_mem_ui)

        def t_hz(n, S, D):
            w = g.med("window_s", size=n, what="ui_pty_window")
            c = g.med("cpu_s", size=n, what="ui_pty_window")
            if not w or c is None:
                return "n/a", None
            pc = 100 * c / w
            est = native_1hz(n)
            if est is None:
                return "%.1f%% in the VM" % pc, None
            if saturated(n):
                hi = native_1hz(n, True)
                return "%.1f%% in the VM, about %.1f%% to %s native (estimate)" % (pc, est, f(hi, "%.1f%%")), (
                    est <= 3 if est > 3 or hi is None else hi <= 3)
            return "%.1f%% in the VM, about %.1f%% native (estimate)" % (pc, est), est <= 3
        trow("1 Hz <= 3% of a core (dashboard)", t_hz)

        def t_first(n, S, D):
            r = (dash_first_ratio(g, n) or (None,))[0]
            return f(r, "%.1fx"), None if r is None else r <= 1
        trow("first frame <= service dump + one screen (in the VM)", t_first)

        def t_first_native(n, S, D):
            r = (dash_first_ratio(g, n, h=h) or (None,))[0]
            return f(r, "%.1fx (estimate)"), None if r is None else r <= 1
        trow("first frame after start-up <= service dump + one screen (native estimate)", t_first_native)

        def t_keys(n, S, D):
            m = g.med("max_ms", size=n, what="ui_pty_probes")
            return f(m, "%.0f ms"), None if m is None else m <= 100
        trow("keys answered <= 100 ms (table view)", t_keys)
        p("")
    lp = g.one(what="ui_conns_probes", phase="reading-connections")
    if lp:
        m = num(lp.get("max_ms"))
        to = int(lp.get("timeouts", "0"))
        p("Connection list on %s entries, keys answered within 100 ms while it is read: max %s ms, "
          "%d timeouts: %s." % (lp.get("conns"), lp.get("max_ms"), to, verdict(m is not None and m <= 100 and to == 0)))
    if h.sel(size="kube"):
        rk, rn = h.med("maxrss_kb", size="kube", what="replay_kube"), h.med("maxrss_kb", size="kube", what="replay_nokube")
        if rk and rn:
            p("")
            uk = h.med("hwm_kb", size="kube", what="ui_kube_end")
            un = h.med("hwm_kb", size="kube", what="ui_nokube_end")
            if uk and un:
                p("")
                p("Kubernetes data in the dashboard's steady state: %.1f MB (peak RSS above the same "
                  "dashboard without the cluster): %s." % ((uk - un) / 1024, verdict((uk - un) / 1024 <= 60)))
            ffk = h.med("first_frame_s", size="kube", what="ui_kube_first")
            ffn = h.med("first_frame_s", size="kube", what="ui_nokube_first")
            names = h.med("mark1_s", size="kube", what="ui_kube_marks")
            if ffk and ffn:
                p("")
                p("Kubernetes names fill in after the first frame without delaying it: first frame "
                  "%.2f s with the cluster, %.2f s without (counted as not delayed within 20%% + 0.1 s); "
                  "names at %s s: %s." % (
                      ffk, ffn, f(names), verdict(ffk <= 1.2 * ffn + 0.1 and names is not None and names >= ffk)))
            p("")
            p("Kubernetes data for 10,000 Services and 100,000 endpoints: %.1f MB resident "
              "(peak, above the same run without the cluster): %s." % ((rk - rn) / 1024, verdict((rk - rn) / 1024 <= 60)))
    print("\n".join(out))


main()
