#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-dataplane-bench.sh [SERVICES [ENDPOINTS]]: bench/dataplane-bench.sh inside the test VM
# (`dataplane-bench.sh --vm` runs this): ipvstop's whole data-plane read against the tools
# that list the same rules, side by side in one run, in Debian's cloud kernel with Debian's
# nft, iptables-nft and iptables-legacy (this host's binaries, copied with their libraries
# and extensions, tests/vm/vm-lib.sh vm_netfilter_guest). The host makes kube-proxy's rules
# for SERVICES Services (default 10000) of ENDPOINTS endpoints (default 10) with
# tests/dataplane/gen-kube-nft.py and gen-kube-iptables.py; the guest
# (bench/guest-dataplane-bench.sh) loads them one mode at a time, each in a network
# namespace of its own, and runs bench/dataplane-run.sh: twice, ipvstop -j -n 1 --no-kube
# and nft -j list table ip kube-proxy / iptables-nft-save -t nat / iptables-legacy-save -t
# nat, wall clock and peak RSS by bench/tools/benchrun. Prints the Markdown table with the
# ratios, the guest (kernel, vCPUs, memory, tool versions) and this host's load (uptime)
# before and after.
#
# Budget: the guest runs under QEMU's software emulation (vm-lib.sh), several times slower
# than the host, where at 10,000 Services nft -f takes minutes, nft -j list tens of seconds
# and iptables-nft-save several minutes (doc/performance.md). Try 1000 first.
#
# Environment: IPVSTOP (default ./ipvstop), IPVSTOP_BENCH_TIMEOUT (VM limit, seconds,
# default 3600), IPVSTOP_BENCH_RESULTS (default bench/dataplane-results), IPVSTOP_BENCH_MODES
# (default nftables,iptables-legacy,iptables-nft), CC, and vm-lib.sh's knobs: IPVSTOP_VM_MEM
# defaults to 6G here (nft -f of 10,000 Services peaks near 2 GB, and the rules sit in the
# initramfs), IPVSTOP_VM_SMP to 2.
# Exit: 0 when every mode ran and every read exited 0, 1 otherwise, 99 the rig cannot run.

set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-dataplane-bench
VM_SRCDIR=$TOP/tests/vm
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

N=${1:-10000}
M=${2:-10}
MODES=${IPVSTOP_BENCH_MODES:-nftables,iptables-legacy,iptables-nft}
vm_test_start
command -v python3 >/dev/null 2>&1 || vm_die "python3 is missing (the rule generators)"
vm_test_dirs "${IPVSTOP_BENCH_RESULTS:-${top_builddir:-.}/bench/dataplane-results}" table.md host.txt
: "${IPVSTOP_VM_MEM:=6G}"
export IPVSTOP_VM_MEM

G=$WORK/guest
mkdir -p "$G"
# shellcheck disable=SC2086 # word list
${CC:-cc} -std=gnu11 -O2 -o "$G/benchrun" "$BENCH_DIR/tools/benchrun.c" ||
	vm_die "cannot build bench/tools/benchrun.c"
vm_log "kube-proxy's rules for $N Services x $M endpoints"
python3 "$TOP/tests/dataplane/gen-kube-nft.py" --services "$N" --endpoints "$M" >"$G/rules.nft" ||
	vm_die "gen-kube-nft.py failed"
python3 "$TOP/tests/dataplane/gen-kube-iptables.py" --services "$N" --endpoints-per-service "$M" \
	--out "$G/rules.ipt" || vm_die "gen-kube-iptables.py failed"

vm_fetch_kernel
# shellcheck disable=SC2034 # read by vm_build_initramfs
VM_EXTRA_BINS=$G/benchrun
# shellcheck disable=SC2034
VM_EXTRA_FILES="$G/rules.nft=/etc/dp/rules.nft $G/rules.ipt=/etc/dp/rules.ipt
$BENCH_DIR/dataplane-run.sh=/tests/dataplane-run.sh"
vm_netfilter_guest
vm_build_initramfs "$WORK/initramfs.gz" test "$BENCH_DIR/guest-dataplane-bench.sh"
rm -f "$G/rules.nft" "$G/rules.ipt"

{
	echo "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)"
	echo "guest: ${IPVSTOP_VM_SMP:-2} vCPUs, $IPVSTOP_VM_MEM, TCG (software emulation); $N Services x $M endpoints"
	echo "host load before: $(uptime)"
} >"$RESULTS/host.txt"
TIMEOUT=${IPVSTOP_BENCH_TIMEOUT:-3600}
vm_run_guest "$WORK/initramfs.gz" "$WORK/results.img" 64M "$TIMEOUT" \
	"${IPVSTOP_VM_SMP:-2} CPUs, $IPVSTOP_VM_MEM" "ipvstop.modes=$MODES"
echo "host load after: $(uptime)" >>"$RESULTS/host.txt"

{
	echo "| plane | run | ipvstop -j -n 1 (wall, peak RSS) | the tool | ipvstop / tool |"
	echo "|---|---|---|---|---|"
	cat "$O/table.md" 2>/dev/null
} >"$RESULTS/table.md"
cat "$RESULTS/host.txt" "$O/env.txt" "$O/load.txt" 2>/dev/null
cat "$RESULTS/table.md"
# Every mode asked for: two rows, each read exited 0.
for mode in $(echo "$MODES" | tr ',' ' '); do
	rows=$(grep -c "^| $mode |" "$O/table.md" 2>/dev/null)
	if [ "${rows:-0}" = 2 ]; then
		ok "$mode: two side-by-side runs"
	else
		not_ok "$mode: two side-by-side runs (${rows:-0} rows)"
	fi
done
if grep -q '(exit ' "$O/table.md" 2>/dev/null; then
	not_ok "every read exited 0 (see the table)"
else
	ok "every read exited 0"
fi
vm_summary
