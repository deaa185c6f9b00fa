#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-hostile-recording.py: turns a recording (gen-recording.py's, on stdin) into one whose
# strings from the kernel attack the terminal: CSI clear-screen, OSC title and OSC 52
# clipboard sequences, C0 and C1 controls, invalid and cut UTF-8, 10 KB text and wide CJK.
# They land where the kernel's strings do: host name, IPVS error, schedulers, persistence
# engines, sync daemons, module names, connection states. Raw bytes that are not UTF-8 are
# written as they are (the JSON is otherwise valid).
import json
import sys

ESC = "\x1b"
CSI_CLEAR = ESC + "[2J" + ESC + "[H"
OSC_TITLE = ESC + "]2;PWNED-TITLE\x07"
OSC_ICON = ESC + "]0;PWNED-ICON" + ESC + "\\"
OSC52 = ESC + "]52;c;UFdORUQtQ0xJUA==\x07"          # "PWNED-CLIP" to the clipboard
C1 = "\u009b2J\u009d2;PWNED-C1\u009c"                # C1 CSI/OSC/ST, as UTF-8
RAW = "\udc9b2J\udc9d2;PWNED-8BIT\udc9c\udcff\udcfe\udce4\udcb8"  # 8-bit C1, invalid, cut UTF-8
C0 = "\x00\x07\x08\r\n\t\x0b\x0c\x7f"
ALL = CSI_CLEAR + OSC_TITLE + OSC_ICON + OSC52 + C1 + RAW + C0.replace("\x00", "")
CJK = "服务器负载均衡" * 3
LONG = "L" * 10240
SCHED_TITLE = "wlc" + ESC + "]2;PWN\x07"


def poison(r):
    r["host"] = "host" + ALL + CJK + LONG
    ipvs = r["ipvs"]
    ipvs["error"] = "note" + ALL
    svcs = ipvs["services"]
    # The busiest service (the first row) and its neighbours carry hostile schedulers.
    # 15 bytes at most (the kernel's IPVS_SCHED_NAME_LEN), the module below matches it.
    svcs[17]["scheduler"] = SCHED_TITLE
    svcs[17]["pe"] = "sip" + CSI_CLEAR
    svcs[16]["scheduler"] = CJK
    svcs[15]["scheduler"] = "\udcff\udcfe" + RAW
    svcs[14]["scheduler"] = OSC52
    ipvs["daemons"] = [{"state": "m" + ESC + "]2;P\x07", "mcast_ifn": "eth0" + OSC52 + LONG,
                        "syncid": 7}]
    # Shown in the header's module list: ip_vs_<scheduler of a service>.
    r["modules"].append({"name": "ip_vs_" + SCHED_TITLE, "state": "missing"})
    for k, c in enumerate(r["connections"]["entries"]):
        c["state"] = ["EST" + CSI_CLEAR, OSC52, CJK, "\udcff" + C1][k % 4]
    return r


for line in sys.stdin:
    out = json.dumps(poison(json.loads(line)), ensure_ascii=False, separators=(",", ":"))
    sys.stdout.buffer.write(out.encode("utf-8", "surrogateescape") + b"\n")
