#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dataplane-bench.sh [--vm] [SERVICES [ENDPOINTS]]: ipvstop's data-plane read against the
# tools that list the same rules, side by side in one run, in a network namespace of its own
# (root; the host's kernel needs nf_tables and x_tables, not IPVS). kube-proxy's rules for
# SERVICES Services (default 10000) of ENDPOINTS endpoints (default 10) are made by the test
# generators and loaded by the real nft / iptables-restore; then, twice each, wall clock and
# peak RSS (bench/tools/benchrun), by bench/dataplane-run.sh:
#   ipvstop -j -n 1 --no-kube (the whole document, every plane)  vs  nft -j list table ip
#   kube-proxy (nftables mode), iptables-nft-save -t nat, iptables-legacy-save -t nat.
# Prints a Markdown table with the ratios (doc/performance.md). Loading 10,000 Services
# takes minutes (nft -f about 200 s here): the rules are loaded once per mode.
# --vm: the same inside the test VM (Debian's cloud kernel, nft and iptables in the guest):
# bench/vm-dataplane-bench.sh, which see.
set -eu
if [ "${1:-}" = --vm ]; then
	shift
	exec sh "$(dirname "$0")/vm-dataplane-bench.sh" "$@"
fi
: "${IPVSTOP:=$(cd "$(dirname "$0")/.." && pwd)/ipvstop}"
n=${1:-10000} m=${2:-10}
bench=$(cd "$(dirname "$0")" && pwd)
here=$bench/../tests/dataplane
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${CC:-cc} -std=gnu11 -O2 -o "$work/benchrun" "$bench/tools/benchrun.c"
python3 "$here/gen-kube-nft.py" --services "$n" --endpoints "$m" > "$work/rules.nft"
python3 "$here/gen-kube-iptables.py" --services "$n" --endpoints-per-service "$m" --out "$work/rules.ipt"
echo "| plane | run | ipvstop -j -n 1 (wall, peak RSS) | the tool | ipvstop / tool |"
echo "|---|---|---|---|---|"
for mode in nftables iptables-nft iptables-legacy; do
	IPVSTOP=$IPVSTOP BENCHRUN=$work/benchrun unshare -n sh "$bench/dataplane-run.sh" "$work" "$mode"
done
