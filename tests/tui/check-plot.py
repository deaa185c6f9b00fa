#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check-plot.py SVG ROW: an SVG written by ipvstop --plot from gen-history-recording.py's
# recording (61 records 10 s apart), parsed with xml.etree: every point of the lines of
# connections/s (steps), bytes/s in (a ramp) and active connections read back against the
# recording's numbers, and the markers' kinds and times. ROW is svc (--select
# tcp:10.96.0.1:80) or total (no --select: both services, every marker).
import os
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # nothing left in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import history_expect as hx  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"
svg, row = sys.argv[1], sys.argv[2]
root = ET.parse(svg).getroot()
g = hx.recording()
t0 = float(root.get("data-t0")) - g.T0
t1 = float(root.get("data-t1")) - g.T0
n = int(root.get("data-buckets"))
left, width = float(root.get("data-left")), float(root.get("data-width"))
bad = 0


def expected(name):
    rate = {"active": "cps"}.get(name, name)
    if row == "svc":
        s = hx.series(g, "svc", rate)
    else:
        s = []
        for k in range(g.RECORDS):
            svcs = g.record(k)["ipvs"]["services"]
            s.append((g.SPACING * k, float(sum(x["rates"][rate] for x in svcs))))
    if name == "active":  # the services' active connections: the sums of their real servers
        s = []
        for k in range(g.RECORDS):
            svcs = g.record(k)["ipvs"]["services"][:1 if row == "svc" else 2]
            s.append((g.SPACING * k, float(sum(d["active_conns"] for x in svcs
                                               for d in x["destinations"]))))
    return hx.buckets(s, t0, t1, n, g.SPACING)


for name in ("cps", "inbps", "active"):
    panel = root.find("%sg[@id='%s']" % (NS, name))
    top, y0, h = (float(panel.get(a)) for a in ("data-top", "data-y", "data-height"))
    got = {}
    for pl in panel.findall(NS + "polyline"):
        for pt in pl.get("points").split():
            x, y = (float(c) for c in pt.split(","))
            got[round((x - left) / width * n - 0.5)] = (y0 + h - y) / h * top
    want = expected(name)
    tol = top * 0.006 / h  # points are written to 1/100 of a pixel
    for b in range(n):
        if want[b] is None:
            if b in got:
                print("%s bucket %d: a point where nothing is known" % (name, b))
                bad += 1
        elif b not in got or abs(got[b] - want[b]) > tol:
            print("%s bucket %d: got %s, want %g" % (name, b, got.get(b), want[b]))
            bad += 1
            if bad > 10:
                sys.exit(1)
    print("%s: %d points, top %g" % (name, len(got), top))

marks = sorted((m.get("data-kind"), float(m.get("data-time")) - g.T0)
               for m in root.iter(NS + "g") if m.get("class") == "marker")
want = sorted([("weight0", g.SPACING * g.ZERO), ("rs-added", g.SPACING * g.ADD),
               ("scheduler", g.SPACING * g.SCHED)])
if marks != want:
    print("markers: got %s, want %s" % (marks, want))
    bad += 1
print("markers:", ", ".join("%s at %gs" % m for m in marks))
sys.exit(1 if bad else 0)
