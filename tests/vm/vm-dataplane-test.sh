#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-dataplane-test.sh: every proxy mode's data plane at once in the guest kernel (Debian's
# cloud kernel under QEMU, vm-lib.sh), read by ipvstop and cross-checked with the real
# tools (run by `make check`). The host writes kube-proxy-shaped state for node worker-1 of
# tests/kube/scenarios/basic.json: the nftables ruleset (tests/dataplane/gen-kube-nft.py),
# the iptables rules and what a reader must find in them (gen-kube-iptables.py), the IPVS
# table (tests/kube/ipvs-from-scenario.py). In the guest, guest-dataplane.sh loads all of it
# with Debian's nft, iptables-nft, iptables-legacy, ipset and ipvsadm (copied from this host
# with their libraries and xtables extensions), adds two hand-made virtual services, KUBE-*
# ipsets (one full, one IPv6) and kube-ipvs0 (a dummy link), and runs ipvstop four times:
#   a. --no-kube: kube-proxy's mode unknown; the witnesses' listings saved beside it
#      (nft -j, iptables-*-save, ipset list -t, ip -j addr, ipvsadm -Ln);
#   b. with the API server double (the guest reaches it at 10.0.2.2): worker-1's kube-proxy
#      log says ipvs, and the nftables tables are the other mode's (mid-migration);
#   c. the switch: a fake kube-proxy on 127.0.0.1:10249 (busybox httpd) answers /proxyMode
#      "nftables", so the IPVS services, kube-ipvs0, the ipsets and the iptables chains of
#      both backends are leftovers, and the cleanup would also flush the 2 hand-made services;
#   d. after the guest does what `kube-proxy --cleanup` does, with the tools: the IPVS table
#      empty (the hand-made services too), the KUBE-6- set and iptables-legacy left.
# Back on the host, tests/dataplane/check-dataplane.py checks run a against the witnesses,
# and dataplane-vm-check.py checks the iptables planes, the IPVS table and the leftovers of
# a, b, c and d against the scenario and the guest's own listings.
#
# Environment: IPVSTOP (the binary; default $top_builddir/ipvstop), IPVSTOP_VM_TIMEOUT
# (hard limit for the VM, seconds, default 240), IPVSTOP_VM_DATAPLANE_RESULTS (where the
# outputs stay, default tests/vm/vm-dataplane-test.out), and vm-lib.sh's knobs. Needs
# python3, openssl and curl (the API server double), nft, ipset, xtables-nft-multi and
# xtables-legacy-multi (Debian's nftables, ipset and iptables packages).
#
# Exit: 0 pass, 1 fail, 99 the rig cannot run: never a silent skip. The last line is
# "N passed, N failed".
#
# Run it alone:   IPVSTOP=$PWD/ipvstop sh tests/vm/vm-dataplane-test.sh
# Outputs: serial.log, apiserver.log, out/dataplane-results.txt (the guest's checks),
# out/dataplane/{a,b,c,d}/ (documents, batch text, witnesses), check.txt (the host's checks).

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-dataplane-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
DP_DIR=$(cd "$VM_SRCDIR/../dataplane" && pwd)
KUBE_DIR=$(cd "$VM_SRCDIR/../kube" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
for t in python3 openssl curl nft ipset xtables-nft-multi xtables-legacy-multi; do
	command -v "$t" >/dev/null 2>&1 ||
		vm_die "$t is missing on the host (apt-get install python3 openssl curl nftables ipset iptables)"
done
SCENARIO=$KUBE_DIR/scenarios/basic.json
NODE=worker-1

vm_test_dirs "${IPVSTOP_VM_DATAPLANE_RESULTS:-tests/vm/vm-dataplane-test.out}" check.txt apiserver.log
chmod 0700 "$WORK"
vm_apiserver_start "$SCENARIO"
vm_fetch_kernel
vm_apiserver_ready

# ---------------------------------------------------------------- what the guest gets
G=$WORK/guest
mkdir -p "$G"
python3 "$DP_DIR/gen-kube-nft.py" "$SCENARIO" --node "$NODE" >"$G/rules.nft" ||
	vm_die "gen-kube-nft.py failed"
python3 "$DP_DIR/gen-kube-iptables.py" --scenario "$SCENARIO" --node "$NODE" --out "$G/ipt.rules" \
	--truth "$G/ipt.truth" || vm_die "gen-kube-iptables.py failed"
python3 "$KUBE_DIR/ipvs-from-scenario.py" "$SCENARIO" --node "$NODE" --ipvsadm >"$G/table.ipvsadm" ||
	vm_die "ipvs-from-scenario.py failed"
printf 'KUBE_GUEST_URL=%s\nKUBE_HOSTTIME=%s\nNODE=%s\n' "$KUBE_GUEST_URL" "$(date +%s)" "$NODE" >"$G/env"
cp "$G/ipt.truth" "$G/table.ipvsadm" "$RESULTS/"

# shellcheck disable=SC2034 # read by vm_build_initramfs
VM_EXTRA_BINS=curl
VM_EXTRA_FILES="$G/env=/etc/dp/env $G/rules.nft=/etc/dp/rules.nft $G/ipt.rules=/etc/dp/ipt.rules
$G/table.ipvsadm=/etc/dp/table.ipvsadm $KUBE_STATE/kubeconfig-guest=/etc/dp/kubeconfig"
# The netfilter modules, nft, ipset, both iptables and their extensions (vm-lib.sh).
vm_netfilter_guest
# shellcheck disable=SC2034 # read by vm_boot
VM_NET=user

vm_build_initramfs "$WORK/initramfs.gz" test "$VM_SRCDIR/guest-dataplane.sh"
TIMEOUT=${IPVSTOP_VM_TIMEOUT:-240}
vm_run_guest "$WORK/initramfs.gz" "$WORK/results.img" 64M "$TIMEOUT" "user network"

vm_guest_results "$O/dataplane-results.txt" guest-dataplane.sh

# ---------------------------------------------------------------- the host's checks
host_checks() { # name command...
	_n=$1
	shift
	"$@" >"$WORK/check.out" 2>&1
	_rc=$?
	cat "$WORK/check.out" >>"$RESULTS/check.txt"
	cat "$WORK/check.out"
	passed=$((passed + $(grep -c '^ok ' "$WORK/check.out")))
	failed=$((failed + $(grep -c '^not ok ' "$WORK/check.out")))
	if ! grep -q '^ok ' "$WORK/check.out" || { [ "$_rc" != 0 ] && ! grep -q '^not ok ' "$WORK/check.out"; }; then
		not_ok "$_n ran to its end (exit $_rc)"
	fi
}
: >"$RESULTS/check.txt"
if [ -f "$O/dataplane/a/doc.json" ]; then
	host_checks check-dataplane.py python3 "$DP_DIR/check-dataplane.py" "$O/dataplane/a"
else
	not_ok "the guest wrote run a's document (out/dataplane/a/doc.json)"
fi
host_checks dataplane-vm-check.py python3 "$VM_SRCDIR/dataplane-vm-check.py" --out "$O/dataplane" \
	--scenario "$SCENARIO" --ipt-truth "$G/ipt.truth" --hand-made 2

vm_summary
