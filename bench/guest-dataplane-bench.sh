#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-dataplane-bench.sh: the data-plane bench inside the test VM (bench/vm-dataplane-bench.sh
# boots it; busybox ash, as root). For each mode (kernel command line ipvstop.modes, default
# nftables,iptables-legacy,iptables-nft: the slowest last, so that a run stopped by its time
# limit keeps the others) it makes a network namespace, runs /tests/dataplane-run.sh there on
# /etc/dp/rules.nft or rules.ipt (kube-proxy's rules, loaded with Debian's nft or
# iptables-*-restore, then ipvstop -j -n 1 --no-kube and the tool, twice each) and deletes
# the namespace (its rules) before the next mode.
#
# Results in $OUT: env.txt (kernel, vCPUs, memory, the tools' versions), table.md (the
# Markdown rows), load.txt (each load's benchrun line, the namespaces' errors). Written onto
# the results disk after each mode.

set -u
OUT=${OUT:-/out}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export IPVSTOP=/usr/sbin/ipvstop BENCHRUN=/usr/bin/benchrun
# xtables-*-multi run as the command their name says, as Debian's links make them.
for b in nft legacy; do
	for c in iptables iptables-save iptables-restore; do
		ln -sf "/usr/bin/xtables-$b-multi" "/usr/sbin/${c%%-*}-$b${c#"${c%%-*}"}"
	done
done
uptime_s() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "$(uptime_s) $*" >>"$OUT/timing"; echo "guest-dataplane-bench: $(uptime_s) $*"; }
checkpoint() {
	[ -b /dev/vda ] && tar -c -f /dev/vda -C "$OUT" . && sync
}

{
	echo "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs, MemTotal $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB"
	/usr/bin/nft --version
	/usr/sbin/iptables-nft --version
	/usr/sbin/iptables-legacy --version
	$IPVSTOP --version | head -n 1
	echo "rules.nft $(wc -c </etc/dp/rules.nft) bytes, rules.ipt $(wc -l </etc/dp/rules.ipt) lines"
} >"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
: >"$OUT/table.md"
: >"$OUT/load.txt"
for mode in $(echo "${VM_ARG_modes:-nftables,iptables-legacy,iptables-nft}" | tr ',' ' '); do
	mark "$mode: loading and reading"
	/usr/sbin/ip netns add "bench-$mode" || exit 1
	# Each row on the console as soon as it is measured (tee): a run stopped by the time
	# limit keeps them in serial.log.
	{
		/usr/sbin/ip netns exec "bench-$mode" sh /tests/dataplane-run.sh /etc/dp "$mode" \
			2>>"$OUT/load.txt"
		echo "$mode exit $?" >>"$OUT/load.txt"
	} | tee -a "$OUT/table.md"
	/usr/sbin/ip netns del "bench-$mode"
	cat "$OUT/load.txt"
	echo "free: $(awk '/MemAvailable/ { print $2 }' /proc/meminfo) kB available" >>"$OUT/load.txt"
	checkpoint
done
mark "done"
