# SPDX-License-Identifier: GPL-2.0-or-later
"""tap.py: what the data-plane checkers (check-dataplane.py, check-dp-join.py) share: "ok - " /
"not ok - " lines with what a failed check saw, a JSON file of the test's directory, and an
address in its canonical text."""
import ipaddress
import json
import os


def check(name, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond and detail:
        print("    " + str(detail)[:2000])


def loader(d):
    """load(name): the JSON of file name in directory d."""
    def load(name):
        with open(os.path.join(d, name)) as f:
            return json.load(f)
    return load


def addr(a):
    return str(ipaddress.ip_address(a))
