#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-dataplane.sh: runs inside the test VM (vm-dataplane-test.sh). Loads kube-proxy's
# state of every mode at once into the guest kernel with Debian's real tools, then runs
# ipvstop four times (a: mode unknown; b: the cluster says worker-1's kube-proxy runs ipvs;
# c: kube-proxy's /proxyMode says nftables, the switch; d: after kube-proxy's cleanup, done
# here with the tools) and keeps each document with what the tools themselves list, for the
# host's checks (check-dataplane.py and dataplane-vm-check.py). ipvstop cleans nothing.
#
# Input (in the initramfs): /etc/dp/env (the API server's URL for the guest, the host's
# clock, the node), rules.nft, ipt.rules, table.ipvsadm, kubeconfig (inline credentials:
# never copied to $OUT). Tools: nft, ipset, xtables-nft-multi, xtables-legacy-multi, curl in
# /usr/bin, ipvsadm, ip in /usr/sbin.
#
# Results: $OUT/dataplane-results.txt ("ok N - name" / "not ok N - name: why [...]",
# "complete N"), $OUT/dataplane/{a,b,c,d}/.

set -u
GUEST=dataplane
SHOTS=dataplane/shots
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
D=$OUT/dataplane
mkdir -p "$D/a" "$D/b" "$D/c" "$D/d"
# shellcheck disable=SC1091 # written by vm-dataplane-test.sh
. /etc/dp/env
NODE=${NODE:?}
KC=/etc/dp/kubeconfig

# busybox ash prefers its own applets to $PATH: the real tools by path.
ip() { /usr/sbin/ip "$@"; }
nft() { /usr/bin/nft "$@"; }
ipset() { /usr/bin/ipset "$@"; }
# xtables-*-multi run as the command their name says, as Debian's links make them.
for b in nft legacy; do
	for c in iptables iptables-save iptables-restore ip6tables ip6tables-save; do
		ln -sf "/usr/bin/xtables-$b-multi" "/usr/sbin/${c%%-*}-$b${c#"${c%%-*}"}"
	done
done
evidence() { printf '%s\n' "$@" >"$W/screen"; }
# step NAME COMMAND...: one check that the command succeeds; its output is the evidence.
step() {
	_name=$1
	shift
	"$@" >"$W/step.out" 2>&1
	_rc=$?
	evidence "exit $_rc" "$(cat "$W/step.out")"
	verdict "$_name" "exit $_rc: $(head -c 300 "$W/step.out" | tr '\n' ' ')" $_rc
}

hosttime=${KUBE_HOSTTIME:-0}
[ "$(date +%s)" -lt $((hosttime - 60)) ] && date -u -s "@$hosttime" >/dev/null

# ---------------------------------------------------------------- the node's state
mark "state"
modprobe ip_vs
step "nft -f loads kube-proxy's nftables ruleset (tables ip and ip6 kube-proxy)" \
	nft -f /etc/dp/rules.nft
step "iptables-nft-restore loads kube-proxy's iptables rules (nf_tables backend)" \
	sh -c 'iptables-nft-restore </etc/dp/ipt.rules'
step "iptables-legacy-restore loads the same rules into x_tables" \
	sh -c 'iptables-legacy-restore </etc/dp/ipt.rules'
step "ipvsadm -R loads kube-proxy's IPVS table for $NODE" sh -c 'ipvsadm -R </etc/dp/table.ipvsadm'
# Two virtual services no Service explains: kube-proxy's IPVS cleanup flushes them too.
step "ipvsadm adds two hand-made virtual services" sh -c '
	/usr/sbin/ipvsadm -A -t 192.0.2.80:80 -s wlc &&
	/usr/sbin/ipvsadm -a -t 192.0.2.80:80 -r 192.0.2.81:80 -m &&
	/usr/sbin/ipvsadm -A -u 198.51.100.7:8443 -s rr'
# As dataplane-test.sh makes them, so that check-dataplane.py holds here too; and an IPv6
# set (kube-proxy's cleanup does not destroy those).
# shellcheck disable=SC2016 # expanded by the inner sh
step "ipset makes kube-proxy's sets, one full and one IPv6" sh -c '
	ipset=/usr/bin/ipset
	$ipset create KUBE-CLUSTER-IP hash:ip,port maxelem 4 &&
	for p in 53 80 443 8080; do $ipset add KUBE-CLUSTER-IP 10.96.0.10,tcp:$p || exit 1; done &&
	$ipset create KUBE-LOOP-BACK hash:ip,port,ip maxelem 100 &&
	$ipset add KUBE-LOOP-BACK 10.244.1.5,tcp:80,10.244.1.5 &&
	$ipset create KUBE-6-CLUSTER-IP hash:ip,port family inet6 &&
	$ipset add KUBE-6-CLUSTER-IP fd00:10:96::4040,tcp:80 &&
	$ipset create not-kube hash:ip'
# shellcheck disable=SC2016 # expanded by the inner sh
step "kube-ipvs0, a dummy link, holds three Service IPs" sh -c '
	ip=/usr/sbin/ip
	$ip link add kube-ipvs0 type dummy &&
	$ip addr add 10.96.0.10/32 dev kube-ipvs0 &&
	$ip addr add 10.96.0.1/32 dev kube-ipvs0 &&
	$ip addr add 10.96.99.99/32 dev kube-ipvs0'

# witnesses DIR: what the tools themselves say, beside ipvstop's document.
witnesses() {
	nft -j list table ip kube-proxy >"$1/nft-ip.json" 2>&1
	nft -j list table ip6 kube-proxy >"$1/nft-ip6.json" 2>&1
	iptables-nft-save -t nat >"$1/save-nft.txt" 2>&1
	iptables-legacy-save -t nat >"$1/save-legacy.txt" 2>&1
	ipset list -t >"$1/ipset.txt" 2>&1
	ip -j addr show dev kube-ipvs0 >"$1/addr.json" 2>&1
	ipvsadm -Ln >"$1/ipvsadm.txt" 2>&1
}

# run DIR NAME ARGS...: ipvstop -j and -b with ARGS, into DIR/doc.json and DIR/batch.txt.
run() {
	_dir=$1
	_name=$2
	shift 2
	"$IPVSTOP_BIN" -j -n 1 "$@" >"$_dir/doc.json" 2>"$_dir/doc.err"
	_rc=$?
	LANG=C "$IPVSTOP_BIN" -b -n 1 "$@" >"$_dir/batch.txt" 2>&1
	_rcb=$?
	witnesses "$_dir"
	evidence "-j exit $_rc, -b exit $_rcb" "$(cat "$_dir/doc.err")" "$(tail -n 30 "$_dir/batch.txt")"
	[ "$_rc" = 0 ] && [ "$_rcb" = 0 ] && [ -s "$_dir/doc.json" ]
	verdict "$_name: ipvstop -j and -b ran (exit 0)" "exit $_rc / $_rcb" $?
}

# ---------------------------------------------------------------- a. mode unknown
mark "a"
run "$D/a" "a (--no-kube)" --no-kube
"$IPVSTOP_BIN" -j -n 1 --no-kube --no-dataplane >"$D/a/nodp.json" 2>&1
chmod 755 "$D/a"
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$IPVSTOP_BIN" -j -n 1 --no-kube >"$D/a/nocap.json" 2>"$D/a/nocap.err"

# ---------------------------------------------------------------- network, cluster
mark "network"
net_up
healthy=$(/usr/bin/curl -sS --max-time 5 -k "$KUBE_GUEST_URL/healthz" 2>&1)
evidence "healthz: $healthy"
[ "$healthy" = ok ]
verdict "the API server double answers at $KUBE_GUEST_URL" "healthz said '$healthy'" $?

# ---------------------------------------------------------------- b. the cluster: ipvs
mark "b"
run "$D/b" "b (worker-1's kube-proxy log: ipvs)" --kubeconfig "$KC" --node "$NODE" --kube-wait 15

# ---------------------------------------------------------------- c. the switch
# kube-proxy now runs nftables: its own answer on 127.0.0.1:10249/proxyMode, as kube-proxy
# serves it (text, no newline).
mark "c"
mkdir -p /run/kp
printf nftables >/run/kp/proxyMode
httpd -p 127.0.0.1:10249 -h /run/kp
said=$(/usr/bin/curl -sS --max-time 3 http://127.0.0.1:10249/proxyMode 2>&1)
evidence "curl /proxyMode: '$said'"
[ "$said" = nftables ]
verdict "a fake kube-proxy answers /proxyMode on 127.0.0.1:10249: nftables" "it said '$said'" $?
run "$D/c" "c (/proxyMode: nftables)" --kubeconfig "$KC" --node "$NODE" --kube-wait 15

# Nothing was cleaned by ipvstop: the tools list the same state after the three runs.
n_vs=$(grep -cE '^(TCP|UDP|SCTP) ' "$D/c/ipvsadm.txt")
n_a=$(grep -cE '^(TCP|UDP|SCTP) ' "$D/a/ipvsadm.txt")
evidence "virtual services after a: $n_a, after c: $n_vs" "$(ip link show kube-ipvs0 2>&1)"
[ "$n_vs" = "$n_a" ] && [ "$n_vs" -gt 2 ] && ip link show kube-ipvs0 >/dev/null 2>&1 &&
	nft list table ip kube-proxy >/dev/null 2>&1 && ipset list -n | grep -q KUBE-CLUSTER-IP
verdict "ipvstop removed nothing: the IPVS table ($n_vs), kube-ipvs0, nftables and ipsets are all still there" \
	"something went" $?

# ---------------------------------------------------------------- d. the cleanup
# What `kube-proxy --cleanup` does (pkg/proxy/{ipvs,iptables}/cleanup.go), done here with
# the tools, so that ipvstop's account of it can be held against what remains: the whole
# IPVS table flushed (the hand-made services too), kube-ipvs0 deleted, the IPv4-named sets
# destroyed, kube-proxy's iptables chains removed in the one backend its iptables uses
# (nft here; kubelet's KUBE-MARK-DROP stays). The KUBE-6- set and iptables-legacy remain.
mark "d"
# shellcheck disable=SC2016 # expanded by the inner sh
step "the cleanup as kube-proxy does it, with ipvsadm, ip, ipset and iptables-nft" sh -c '
	/usr/sbin/ipvsadm -C &&
	/usr/sbin/ip link del kube-ipvs0 &&
	/usr/bin/ipset destroy KUBE-CLUSTER-IP && /usr/bin/ipset destroy KUBE-LOOP-BACK &&
	for t in nat filter; do
		iptables-nft -t $t -F || exit 1
		for c in $(iptables-nft-save -t $t | sed -n "s/^:\(KUBE-[^ ]*\) .*/\1/p"); do
			[ "$c" = KUBE-MARK-DROP ] || iptables-nft -t $t -X "$c" || exit 1
		done
	done'
run "$D/d" "d (after the cleanup, /proxyMode: nftables)" --kubeconfig "$KC" --node "$NODE" \
	--kube-wait 15

echo "complete $n" >>"$RES"
