#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dp-join-test.sh: the node's data plane joined with the cluster, through the real path, in a
# network namespace of its own: the API test server (tests/kube/apiserver.py) serves the
# basic scenario plus a new Service; kubectl reads its Services, EndpointSlices and Nodes;
# scenario-from-api.py and drift-scenario.py turn what kubectl read into the node's last
# view, with deliberate drift
# (an endpoint missing, one stale, a terminating one still programmed, the new Service
# without a frontend, a Service renamed in the rules); gen-kube-nft.py and
# gen-kube-iptables.py write kube-proxy's rules from it, loaded by the real nft and
# iptables-nft-restore / iptables-legacy-restore: nftables mode, nftables mode with
# iptables-nft's rules left over, iptables mode in each backend. kube-ipvs0 lacks one Service IP and holds one of none; ipset
# KUBE-CLUSTER-IP is full, KUBE-NODE-PORT-TCP nearly. A stand-in for kube-proxy's
# 127.0.0.1:10249/proxyMode says the mode. check-dp-join.py holds ipvstop -j -n 1 and -b -n 1
# against that truth, the owners and pods against kubectl's lists. Needs root, unshare, nft,
# iptables-nft-restore, ipset, ip, kubectl: a missing one fails (99). DP_JOIN_SAVE=DIR keeps
# kubectl's lists and nft's listings there (how tests/fixtures/dp-join was made).
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
dpdir=$(cd "$(dirname "$0")" && pwd)
if [ "${DP_JOIN_NETNS:-}" != 1 ]; then
	for t in unshare nft iptables-nft-restore ip6tables-nft-restore iptables-legacy-restore ip6tables-legacy-restore ipset ip kubectl python3; do
		command -v "$t" >/dev/null || { echo "dp-join-test: $t is missing (tools/deps.sh installs it)"; exit 99; }
	done
	[ "$(id -u)" = 0 ] || { echo "dp-join-test: needs root (a network namespace, nft, ipset)"; exit 99; }
	unshare -n true 2>/dev/null || { echo "dp-join-test: unshare -n does not work here"; exit 99; }
	# The API server, kube-proxy's stand-in and the node's rules all in one namespace.
	exec unshare -n env DP_JOIN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
sock="dp-join-$$"
here=$(cd "$dpdir/../kube" && pwd)
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
mode_pid=""
trap 'cleanup; [ -n "$mode_pid" ] && kill "$mode_pid" 2>/dev/null' EXIT

if ! python3 "$dpdir/drift-scenario.py" cluster "$here/scenarios/basic.json" "$work"; then
	echo "drift-scenario.py failed"; exit 99
fi
cp "$work/cluster.json" "$work/scenario.json"
start_server
for r in svcs:services slices:endpointslices nodes:nodes; do
	kubectl get "${r#*:}" -A -o json > "$work/${r%%:*}.json" 2> "$work/kubectl.err" ||
		not_ok "kubectl get ${r#*:} from the API test server" "$work/kubectl.err"
done
if ! { python3 "$dpdir/scenario-from-api.py" "$work/svcs.json" "$work/slices.json" "$work/nodes.json" \
	"$work/from-api.json" --drop default/orders &&
	python3 "$dpdir/drift-scenario.py" node "$work/from-api.json" "$work/node.json"; } > "$work/drift.err" 2>&1; then
	not_ok "the node's view made from kubectl's lists" "$work/drift.err"
fi

# proxy_mode MODE: kube-proxy's /proxyMode on 127.0.0.1:10249 answers MODE.
proxy_mode() {
	[ -n "$mode_pid" ] && kill "$mode_pid" 2>/dev/null && wait "$mode_pid" 2>/dev/null
	python3 - "$1" > "$work/mode.log" 2>&1 <<'PY' &
import http.server, sys
mode = sys.argv[1].encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = mode if self.path == "/proxyMode" else b"404 page not found\n"
        self.send_response(200 if self.path == "/proxyMode" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", 10249), H).serve_forever()
PY
	mode_pid=$!
	for _ in $(seq 1 50); do python3 -c 'import socket; socket.create_connection(("127.0.0.1", 10249), 1)' 2>/dev/null && return 0; sleep 0.1; done
	echo "the /proxyMode stand-in did not start"; cat "$work/mode.log"; exit 99
}

# What ipvs mode would need, left on the node: kube-ipvs0 and kube-proxy's ipsets.
{
	ip link add kube-ipvs0 type dummy 2>/dev/null || ip link add kube-ipvs0 type ifb
	while read -r a; do ip addr add "$a" dev kube-ipvs0; done < "$work/node.json.ipvs0"
	ipset create KUBE-CLUSTER-IP hash:ip,port maxelem 4
	for p in 53 80 443 8080; do ipset add KUBE-CLUSTER-IP 10.96.0.10,tcp:$p; done
	ipset create KUBE-NODE-PORT-TCP hash:ip,port maxelem 10
	for p in $(seq 30001 30009); do ipset add KUBE-NODE-PORT-TCP "192.168.122.11,tcp:$p"; done
	ipset create KUBE-LOOP-BACK hash:ip,port,ip maxelem 100
	ipset add KUBE-LOOP-BACK 10.244.1.10,tcp:8080,10.244.1.10
} > "$work/node.log" 2>&1 || { echo "kube-ipvs0 or the ipsets could not be made"; cat "$work/node.log"; exit 99; }

# run_check PLANE [LEFTOVER]: ipvstop -j and -b on worker-1, then check-dp-join.py.
run_check() {
	timeout 60 "$IPVSTOP" --node worker-1 -j -n 1 > "$work/doc.json" 2> "$work/doc.err" ||
		not_ok "$1: ipvstop -j -n 1 ran" "$work/doc.err"
	LANG=C timeout 60 "$IPVSTOP" --node worker-1 -b -n 1 > "$work/batch.txt" 2>&1 ||
		not_ok "$1: ipvstop -b -n 1 ran" "$work/batch.txt"
	python3 "$dpdir/check-dp-join.py" "$work" "$@" > "$work/check.out" 2>&1
	cat "$work/check.out"
	passed=$((passed + $(grep -c '^ok - ' "$work/check.out")))
	failed=$((failed + $(grep -c '^not ok - ' "$work/check.out")))
	grep -q '^ok - ' "$work/check.out" || not_ok "$1: check-dp-join.py said nothing" "$work/check.out"
}

# nftables mode.
if ! { python3 "$dpdir/gen-kube-nft.py" "$work/node.json" --node worker-1 > "$work/rules.nft" &&
	nft -f "$work/rules.nft"; } 2> "$work/nft.err"; then
	not_ok "nftables: the node's rules loaded" "$work/nft.err"
fi
proxy_mode nftables
run_check nftables
# DP_JOIN_SAVE=DIR: what tests/check_dp_join.c's fixtures are (tests/fixtures/dp-join).
if [ -n "${DP_JOIN_SAVE:-}" ]; then
	cp "$work/svcs.json" "$work/slices.json" "$work/nodes.json" "$DP_JOIN_SAVE/"
	for f in ip ip6; do nft -j list table $f kube-proxy > "$DP_JOIN_SAVE/nft-$f.json"; done
fi

# ipt_restore BACKEND: the node's iptables rules (both families) into iptables-BACKEND.
ipt_restore() {
	local f tool
	for f in 4 6; do
		tool=iptables
		[ $f = 6 ] && tool=ip6tables
		if ! { python3 "$dpdir/gen-kube-iptables.py" --scenario "$work/node.json" --node worker-1 \
			--family $f --out "$work/ipt$f.rules" && "$tool-$1-restore" < "$work/ipt$f.rules"; } \
			> "$work/gen.err" 2>&1; then
			not_ok "iptables-$1: the node's IPv$f rules restored" "$work/gen.err"
		fi
	done
}

# Half way from iptables to nftables: kube-proxy runs nftables, iptables-nft's rules remain.
ipt_restore nft
run_check nftables iptables-nft

# iptables mode (iptables-nft): the same node's view, the nftables tables gone.
nft delete table ip kube-proxy && nft delete table ip6 kube-proxy
proxy_mode iptables
run_check iptables-nft

# iptables mode (iptables-legacy): iptables-nft's rules gone, the same in x_tables.
for t in iptables ip6tables; do
	for c in nat filter; do $t-nft -t $c -F && $t-nft -t $c -X; done
done
ipt_restore legacy
run_check iptables-legacy
summary
