# SPDX-License-Identifier: GPL-2.0-or-later
# history_expect.py: what the history of gen-history-recording.py's recording must look like
# in a window of n buckets: the same bucketing as history.c (a sample at t belongs to the
# bucket (t0 + b*w, t0 + (b+1)*w] that ends at or after it; an empty bucket takes the first
# sample after it whose interval reaches back into it), from the recording's own numbers.
import importlib.util
import math
import os

_spec = importlib.util.spec_from_file_location(
    "genrec", os.path.join(os.path.dirname(__file__), "gen-history-recording.py"))


def recording(records=61, spacing=10):
    """The generator's module with its constants for records and spacing (nothing printed)."""
    import sys
    argv = sys.argv
    sys.argv = ["gen", str(records), str(spacing)]
    g = importlib.util.module_from_spec(_spec)
    import io
    import contextlib
    with contextlib.redirect_stdout(io.StringIO()):
        _spec.loader.exec_module(g)
    sys.argv = argv
    return g


def series(g, row, name):
    """(time relative to T0, value) of every record for row 'svc' or 'dest2'."""
    out = []
    for k in range(g.RECORDS):
        rec = g.record(k)
        svc = rec["ipvs"]["services"][0]
        obj = svc if row == "svc" else svc["destinations"][1]
        out.append((g.SPACING * k, float(obj["rates"][name])))
    return out


def buckets(samples, t0, t1, n, spacing):
    w = (t1 - t0) / n
    s, c = [0.0] * n, [0] * n
    for at, v in samples:
        b = math.ceil((at - t0) / w) - 1
        if 0 <= b < n:
            s[b] += v
            c[b] += 1
    out = [s[b] / c[b] if c[b] else None for b in range(n)]
    for at, v in samples:
        b = math.floor((at - spacing - t0) / w)
        while b * w + t0 < at and b < n:
            if b >= 0 and not c[b] and out[b] is None and (b + 1) * w + t0 > at - spacing:
                out[b] = v
            b += 1
    return out


def nice_max(m):
    if m <= 0:
        return 1
    p = 10 ** math.floor(math.log10(m))
    for k in (1, 2, 5):
        if k * p >= m:
            return k * p
    return 10 * p


def eighths(v, top, rows):
    if v is None or v <= 0:
        return 0
    e = math.floor(v / top * rows * 8 + 0.5)
    return min(max(e, 1), rows * 8)


def marker_column(t, t0, t1, n):
    w = (t1 - t0) / n
    b = math.ceil((t - t0) / w) - 1
    return min(max(b, 0), n - 1)
