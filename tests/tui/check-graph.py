#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# check-graph.py SCREEN COLUMNS ROW SERIES UNICODE: the graph pane in a captured screen (tmux
# capture-pane -p) against gen-history-recording.py's numbers (61 records 10 s apart, the
# window its last 10 minutes): every cell of the plot, and each marker's column. ROW is svc or
# dest2, SERIES a rates field (cps...), UNICODE 1 for block characters, 0 for ASCII.
import os
import sys

sys.dont_write_bytecode = True  # nothing left in the source tree
sys.path.insert(0, os.path.dirname(__file__))
import history_expect as hx  # noqa: E402

screen, cols, row, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
uni = sys.argv[5] == "1"
lines = open(screen, encoding="utf-8").read().split("\n")
title = next(i for i, l in enumerate(lines) if " Graph of " in l)
mrow = next(i for i, l in enumerate(lines) if i > title and l.strip().startswith("markers"))
plot = lines[title + 1:mrow]
n = cols - 14
g = hx.recording()
v = hx.buckets(hx.series(g, row, name), 0, 600, n, g.SPACING)
top = hx.nice_max(max(x for x in v if x is not None))
rows = len(plot)
bad = 0
for r, text in enumerate(plot):
    want = ""
    for b in range(n):
        fill = hx.eighths(v[b], top, rows) - (rows - 1 - r) * 8
        if uni:
            want += " " if fill <= 0 else "\u2588" if fill >= 8 else chr(0x2580 + fill)
        else:
            want += "#" if fill >= 4 else " "
    got = text[13:13 + n].ljust(n)
    if got.rstrip() != want.rstrip():
        print("plot row %d:\n got  |%s|\n want |%s|" % (r, got, want))
        bad += 1
marks = {"svc": {g.ZERO: "0", g.ADD: "+", g.SCHED: "s"}, "dest2": {g.ZERO: "0"}}[row]
want = [" "] * n
for k, tag in marks.items():
    want[hx.marker_column(g.SPACING * k, 0, 600, n)] = tag
got = lines[mrow][13:13 + n].ljust(n)
if got.rstrip() != "".join(want).rstrip():
    print("markers:\n got  |%s|\n want |%s|" % (got, "".join(want)))
    bad += 1
print("graph: %d rows x %d columns, top %g, %d mismatches" % (rows, n, top, bad))
sys.exit(1 if bad else 0)
