#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-faults-test.sh: kernel faults under a running ipvstop (run by `make check`).
# Boots the test VM (vm-lib.sh, tmux inside) with guest-faults.sh alone: ip_vs
# missing at start, then loaded; ip_vs and its schedulers removed under the
# dashboard and a -j -d 1 stream, then loaded again with a new table; no
# CAP_NET_ADMIN (setpriv as nobody); q and closing the connection pane during
# long reads (a 40,000-service dump, 100,000 connection entries made with
# bench/tools/nlload and syncgen). Here the guest's checks come back, and
# every document the guest kept is compared with the ipvsadm -Ln taken beside
# it (compare.py's parser): the same virtual services, the same real servers.
#
# Environment: IPVSTOP (the binary; default $top_builddir/ipvstop),
# IPVSTOP_VM_TIMEOUT (hard limit for the VM, seconds, default 420),
# IPVSTOP_VM_TOOLS (where nlload and syncgen are, default bench/tools beside
# the binary),
# IPVSTOP_VM_FAULTS_RESULTS (where to keep the guest's outputs, default
# tests/vm/vm-faults-test.out under the current directory), and vm-lib.sh's
# knobs. Needs tmux and python3 on the host.
#
# Exit: 0 pass, 1 fail, 99 the rig cannot run: never a silent skip. The last
# line is "N passed, N failed".
#
# Run it alone:   make check TESTS=tests/vm/vm-faults-test.sh
#            or:  IPVSTOP=$PWD/ipvstop sh tests/vm/vm-faults-test.sh
# Outputs stay in tests/vm/vm-faults-test.out: serial.log, out/faults-results.txt,
# out/faults/NN-name.screen.txt (what each check saw), out/faults/*.json and
# *.ipvsadm (the compared pairs), out/guest-faults.sh.log.

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-faults-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
for t in tmux python3; do
	command -v "$t" >/dev/null 2>&1 || vm_die "$t is missing on the host (apt-get install $t)"
done
# The benchmark's table and connection loaders (make check builds them).
TOOLS=${IPVSTOP_VM_TOOLS:-$(dirname "$IPVSTOP")/bench/tools}
for t in nlload syncgen; do
	[ -x "$TOOLS/$t" ] || vm_die "no $TOOLS/$t (make bench/tools/$t, or set IPVSTOP_VM_TOOLS)"
done
# shellcheck disable=SC2034 # read by vm_build_initramfs
VM_EXTRA_BINS="tmux $TOOLS/nlload $TOOLS/syncgen"

vm_test_dirs "${IPVSTOP_VM_FAULTS_RESULTS:-tests/vm/vm-faults-test.out}"
# guest-faults.sh alone: nothing may load ip_vs before it looks.
vm_test_boot 32M 420 "$VM_SRCDIR/guest-faults.sh"

vm_guest_results "$O/faults-results.txt" guest-faults.sh

# Each kept document against the ipvsadm -Ln beside it.
if [ -s "$O/faults/pairs.txt" ]; then
	while read -r name mode; do
		if python3 - "$VM_SRCDIR" "$O/faults/$name.json" "$O/faults/$name.ipvsadm" "$mode" \
			>"$WORK/pair.out" 2>&1 <<'PY'
import ipaddress, json, sys
sys.path.insert(0, sys.argv[1])
import compare
doc = json.load(open(sys.argv[2]))
_, listing = compare.parse_listing(sys.argv[3])
mode = sys.argv[4]
ipvs = doc["ipvs"]
assert ipvs["available"] is True, "available is %r" % ipvs["available"]
assert ipvs["source"] == mode, "source %r, wanted %r" % (ipvs["source"], mode)
def skey(s):
    if s["fwmark"]:
        return (s["af"], None, None, 0, s["fwmark"])
    return (s["af"], s["protocol"].lower(), str(ipaddress.ip_address(s["address"])), s["port"], 0)
got = {skey(s): {(d["af"], str(ipaddress.ip_address(d["address"])), d["port"]): d
                 for d in s["destinations"]} for s in ipvs["services"]}
want = {k: set(v[1]) for k, v in listing.items()}
assert set(got) == set(want), "services: ipvstop %s, ipvsadm %s" % (sorted(map(str, got)), sorted(map(str, want)))
for k in want:
    assert set(got[k]) == want[k], "real servers of %s: ipvstop %s, ipvsadm %s" % (k, sorted(got[k]), sorted(want[k]))
    for dk, tok in listing[k][1].items():
        assert got[k][dk]["weight"] == int(tok[1]), "weight of %s in %s" % (dk, k)
print("%d virtual services, %d real servers agree" % (len(want), sum(len(v) for v in want.values())))
PY
		then
			ok "$name: ipvstop's document and ipvsadm -Ln agree ($(cat "$WORK/pair.out"))"
		else
			not_ok "$name: ipvstop's document and ipvsadm -Ln agree"
			cat "$WORK/pair.out"
		fi
	done <"$O/faults/pairs.txt"
else
	not_ok "the guest kept documents to compare with ipvsadm"
fi

vm_summary
