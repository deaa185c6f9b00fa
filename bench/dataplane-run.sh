#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dataplane-run.sh DIR MODE: one mode of the data-plane bench, run in a network namespace of
# its own, on the host (dataplane-bench.sh, under unshare -n) or in the VM
# (guest-dataplane-bench.sh, under ip netns exec). MODE nftables loads DIR/rules.nft with
# nft -f; iptables-nft and iptables-legacy load DIR/rules.ipt with iptables-*-restore. Then,
# twice, ipvstop -j -n 1 --no-kube ($IPVSTOP) and the tool that lists the same rules, each
# run by benchrun ($BENCHRUN: wall clock, peak RSS, exit code); one Markdown row a run on
# stdout. The load's benchrun line goes to stderr. A command that fails shows its exit
# code in its cell: a failed read is never timed as if it had worked.
set -eu
cd "$1"
mode=$2
: "${IPVSTOP:?}" "${BENCHRUN:?}"
# field NAME LINE: one key=value of a benchrun line.
field() { printf ' %s\n' "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
# cell LINE: "12.34 s, 567 MB" (and the exit code when not 0).
cell() {
	_rc=$(field rc "$1")
	printf '%s s, %s MB' "$(field wall "$1" | awk '{ printf "%.2f", $1 }')" \
		"$(field maxrss_kb "$1" | awk '{ printf "%d", $1 / 1024 }')"
	[ "$_rc" = 0 ] || printf ' (exit %s)' "$_rc"
}
case $mode in
nftables)
	echo "$mode load: $("$BENCHRUN" -- nft -f rules.nft)" >&2
	tool="nft -j list table ip kube-proxy"
	;;
iptables-nft)
	echo "$mode load: $("$BENCHRUN" -- iptables-nft-restore <rules.ipt)" >&2
	tool="iptables-nft-save -t nat"
	# Debian's iptables-nft-save 1.8.9 segfaults at the default 8 MB stack on kube-proxy's
	# nat table of 10,000 Services (doc/performance.md).
	# shellcheck disable=SC3045 # busybox ash and dash both have ulimit -s
	ulimit -s unlimited
	;;
iptables-legacy)
	echo "$mode load: $("$BENCHRUN" -- iptables-legacy-restore <rules.ipt)" >&2
	tool="iptables-legacy-save -t nat"
	;;
*)
	echo "dataplane-run.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
for r in 1 2; do
	a=$("$BENCHRUN" -- "$IPVSTOP" -j -n 1 --no-kube)
	# shellcheck disable=SC2086 # the tool's words
	b=$("$BENCHRUN" -- $tool)
	echo "| $mode | $r | $(cell "$a") | $tool: $(cell "$b") | $(awk -v a="$(field wall "$a")" \
		-v b="$(field wall "$b")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') |"
done
