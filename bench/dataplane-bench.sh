#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dataplane-bench.sh [SERVICES [ENDPOINTS]]: ipvstop's data-plane read against the tools that
# list the same rules, side by side in one run, in a network namespace of its own (root; the
# host's kernel needs nf_tables and x_tables, not IPVS). kube-proxy's rules for SERVICES
# Services (default 10000) of ENDPOINTS endpoints (default 10) are made by the test
# generators and loaded by the real nft / iptables-restore; then, twice each, wall clock:
#   ipvstop -j -n 1 --no-kube (the whole document, every plane)  vs  nft -j list table ip
#   kube-proxy (nftables mode), iptables-nft-save -t nat, iptables-legacy-save -t nat.
# Prints a Markdown table with the ratios (doc/performance.md). Loading 10,000 Services
# takes minutes (nft -f about 200 s here): the rules are loaded once per mode.
set -eu
: "${IPVSTOP:=$(cd "$(dirname "$0")/.." && pwd)/ipvstop}"
n=${1:-10000} m=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)/tests/dataplane
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen-kube-nft.py" --services "$n" --endpoints "$m" > "$work/rules.nft"
python3 "$here/gen-kube-iptables.py" --services "$n" --endpoints-per-service "$m" --out "$work/rules.ipt"
cat > "$work/run.sh" <<'SH'
set -eu
cd "$1"; mode=$2
t() { s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }'; }
case $mode in
nftables) nft -f rules.nft; tool="nft -j list table ip kube-proxy" ;;
iptables-nft) iptables-nft-restore < rules.ipt; tool="iptables-nft-save -t nat"; ulimit -s unlimited ;;
iptables-legacy) iptables-legacy-restore < rules.ipt; tool="iptables-legacy-save -t nat" ;;
esac
for r in 1 2; do
	a=$(t "$IPVSTOP" -j -n 1 --no-kube)
	b=$(t $tool)
	echo "| $mode | $r | $a s | $tool: $b s | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') |"
done
SH
echo "| plane | run | ipvstop -j -n 1 | the tool | ipvstop / tool |"
echo "|---|---|---|---|---|"
for mode in nftables iptables-nft iptables-legacy; do
	IPVSTOP=$IPVSTOP unshare -n bash "$work/run.sh" "$work" "$mode"
done
