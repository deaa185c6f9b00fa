#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-mode-test.sh: kube-proxy's mode switch in each shape of config.conf that means
# iptables (kubeadm's mode: "", no mode: key at all, an explicit mode: "iptables"), against
# the API test server: a switch to ipvs and back, asking for iptables where it already is,
# and a switch to ipvs that crash-loops on one node and is undone. Each run's exit status,
# its last lines and the ConfigMap's bytes are checked; then the same undo in the dashboard.
#
# A switch to nftables or iptables ends with this node's rules read until they carry the
# Services: the whole test runs in a private network namespace (the API test server, kubectl
# and ipvstop with it), where it loads the rules kube-proxy would write for worker-1
# (tests/dataplane/gen-kube-*.py from the same scenario) and checks what ipvstop says of them:
# all there, absent, one Service missing, and rules that appear while it waits.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${IPVSTOP_MODE_NETNS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "ipvstop-mode-test: needs root and unshare -n"; exit 99; }
	IPVSTOP_MODE_NETNS=1 exec unshare -n bash "$0" "$@"
fi
ip link set lo up || { echo "ipvstop-mode-test: no loopback in the namespace"; exit 99; }
sock="ipvstop-mode-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools nft iptables-nft-restore
dp="$here/../dataplane"
# rules MODE [--drop NS/NAME]: the rules kube-proxy of MODE writes on worker-1 for the Services
# and EndpointSlices the API test server serves now (read with kubectl), loaded as it would
# after its restart (--drop: without that Service); "none" clears every table (both modes live
# in nf_tables).
rules() {
	local mode=$1
	shift
	nft flush ruleset
	[ "$mode" = none ] && return 0
	kubectl get svc -A -o json > "$work/svc.json" && kubectl get endpointslices -A -o json > "$work/eps.json" &&
		kubectl get nodes -o json > "$work/nodes.json" &&
		python3 "$dp/scenario-from-api.py" "$work/svc.json" "$work/eps.json" "$work/nodes.json" \
			"$work/rules-sc.json" "$@" &&
		case "$mode" in
		nftables) python3 "$dp/gen-kube-nft.py" "$work/rules-sc.json" --node worker-1 > "$work/rules.nft" &&
			nft -f "$work/rules.nft" ;;
		iptables) python3 "$dp/gen-kube-iptables.py" --scenario "$work/rules-sc.json" --node worker-1 \
			--out "$work/rules.ipt" && iptables-nft-restore < "$work/rules.ipt" ;;
		esac || { echo "loading $mode rules failed"; exit 99; }
}

# scenario SHAPE CRASH: basic.json with config.conf in that shape; CRASH=1: worker-2's kernel
# lacks ip_vs, so kube-proxy crash-loops there in ipvs mode.
scenario() {
	python3 - "$here" "$1" "$2" "$work/scenario.json" <<'PY'
import json, sys
here, shape, crash, out = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
sys.path.insert(0, here)
import apiserver
sc = json.load(open(here + "/scenarios/basic.json"))
cfg = dict(sc["kubeProxyConfig"])
cfg["mode"] = "iptables" if shape == "explicit" else ""
text = apiserver.kube_proxy_config_text(cfg)
if shape == "missing":
    text = "".join(l for l in text.splitlines(True) if not l.startswith("mode:"))
    assert "\nmode:" not in text
sc["kubeProxyConfigText"] = text
for n in sc["nodes"]:
    n["kubeProxy"]["mode"] = "iptables"
    if crash and n["name"] == "worker-2":
        n["kubeProxy"]["ipvsSupported"] = False
json.dump(sc, open(out, "w"))
PY
}
cm_text() {
	kubectl -n kube-system get cm kube-proxy -o jsonpath='{.data.config\.conf}' > "$1" 2>"$work/kubectl.err" ||
		{ echo "kubectl failed:"; cat "$work/kubectl.err"; }
}
# run ARGS: ipvstop's command line actions, its output in $work/out, its status in $rc; a hung
# run is stopped after 90 s (the rollout's own limit is 180 s: a run that waits for it fails).
run() {
	timeout 90 "$IPVSTOP" --node worker-1 "$@" > "$work/out" 2>&1
	rc=$?
}
# last_line_is TEXT: the last line of the output, exactly.
last_line_is() { [ "$(tail -n 1 "$work/out")" = "$1" ]; }
# no_agents_last: a switch that rolled out ends asking the nodes' agents; this cluster has none.
no_agents_last() {
	last_line_is "No ipvstop agents in the cluster (deploy/): the nodes' rules are known from kube-proxy's logs only."
}

for shape in kubeadm missing explicit; do
	# --- there and back: both followed to their end, no node reported as wrong ----------
	scenario "$shape" 0
	start_server
	cm_text "$work/cm.orig"
	run --proxy-mode ipvs --yes --force
	if [ "$rc" = 0 ] && grep -q "Rollout complete: 3 of 3" "$work/out" && ! grep -q '^! Node' "$work/out"; then
		ok "$shape: the switch to ipvs completes, status 0"
	else
		not_ok "$shape: the switch to ipvs completes (status $rc)" "$work/out"
	fi
	grep -q '^kube-proxy mode: iptables -> ipvs ' "$work/out" && ok "$shape: the preview names the old mode iptables" \
		|| not_ok "$shape: the preview names the old mode iptables" "$work/out"
	rules iptables
	run --proxy-mode iptables --yes
	if [ "$rc" = 0 ] && [ "$(grep -c 'ready, its log says: iptables' "$work/out")" = 3 ] &&
		! grep -q '^! ' "$work/out" && grep -q "Rollout complete: 3 of 3" "$work/out"; then
		ok "$shape: the switch back to iptables is followed to its end on every node, status 0"
		grep -q '^Verified on worker-1: iptables-nft carries all [1-9][0-9]* Services\.$' "$work/out" \
			&& ok "$shape: and worker-1's iptables-nft rules are read and carry every Service" \
			|| not_ok "$shape: worker-1's iptables-nft rules verified" "$work/out"
	else
		not_ok "$shape: the switch back to iptables is followed to its end (status $rc)" "$work/out"
	fi

	# --- asking for iptables where config.conf already means it ------------------------
	start_server
	run --proxy-mode iptables --yes
	[ "$rc" = 0 ] && grep -q "nothing to change" "$work/out" && ! grep -q "ConfigMap written" "$work/out" \
		&& ok "$shape: iptables where it already is: nothing to change, nothing written" \
		|| not_ok "$shape: iptables where it already is: nothing to change (status $rc)" "$work/out"

	# --- a crash loop on worker-2, undone ---------------------------------------------
	scenario "$shape" 1
	start_server
	cm_text "$work/cm.orig"
	t0=$(date +%s)
	run --proxy-mode ipvs --yes --force
	t=$(($(date +%s) - t0))
	grep -q "Switch back to iptables? yes" "$work/out" && ok "$shape: the crash loop on worker-2 offers the way back to iptables" \
		|| not_ok "$shape: the crash loop offers the way back to iptables" "$work/out"
	[ "$rc" = 1 ] && ok "$shape: a switch that failed and was undone ends with status 1" \
		|| not_ok "$shape: a switch that failed and was undone ends with status 1 (got $rc)" "$work/out"
	[ "$t" -lt 60 ] && ! grep -q "did not complete in" "$work/out" \
		&& ok "$shape: the switch back is followed to its end ($t s), not to the 180 s limit" \
		|| not_ok "$shape: the switch back is followed to its end ($t s)" "$work/out"
	[ "$(grep -c 'ready, its log says: iptables' "$work/out")" = 3 ] && ! grep -q '^! Node .*its log says: iptables' "$work/out" \
		&& ok "$shape: each node's iptables after the switch back is good news, not a warning" \
		|| not_ok "$shape: each node's iptables is good news" "$work/out"
	last_line_is "! The switch to ipvs failed on worker-2; switched back to iptables: every node runs iptables." \
		&& ok "$shape: the last line says the switch failed on worker-2 and was undone" \
		|| not_ok "$shape: the last line says what happened" "$work/out"
	cm_text "$work/cm.after"
	cmp -s "$work/cm.orig" "$work/cm.after" && ok "$shape: config.conf is back byte for byte" \
		|| { diff "$work/cm.orig" "$work/cm.after" > "$work/cm.diff"; not_ok "$shape: config.conf is back byte for byte" "$work/cm.diff"; }
done

# --- the undo declined (asked on a terminal): status 1, the last line says it still crash-loops
scenario kubeadm 1
start_server
T -f /dev/null new-session -d -s cli -x 200 -y 50 \
	"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG $IPVSTOP --node worker-1 --proxy-mode ipvs --force > $work/out 2>&1 < /dev/tty; echo \$? > $work/rc; sleep 30"
answer() { for _ in $(seq 1 300); do grep -q -- "$1" "$work/out" 2>/dev/null && { T send-keys -t cli "$2" Enter; return 0; }; sleep 0.1; done; return 1; }
answer "restart kube-proxy on every node?" y && answer "Switch back to iptables?" n
for _ in $(seq 1 300); do [ -s "$work/rc" ] && break; sleep 0.1; done
rc=$(cat "$work/rc" 2>/dev/null)
# (the file has no newline after an answered prompt: the line ends with the words)
[ "$rc" = 1 ] && tail -n 1 "$work/out" | grep -q '! The switch to ipvs failed on worker-2; not switched back: kube-proxy still crash-loops there\.$' \
	&& ok "the way back declined: status 1, and the last line says it still crash-loops" \
	|| not_ok "the way back declined (status $rc)" "$work/out"
T kill-session -t cli

# --- the same undo in the dashboard: m, ipvs, y, then the way back, y -----------------------
scenario kubeadm 1
start_server
cm_text "$work/cm.orig"
dashboard --force -d 30
expect "dashboard: kube-proxy configured iptables (mode: \"\")" "kube-proxy configured iptables"
T send-keys -t a m
expect "dashboard m: the picker marks iptables as the current mode" "iptables \(current\)"
T send-keys -t a Down Enter
expect "dashboard m: ipvs previewed and asked" "restart kube-proxy on every node\? \[y/N\]"
T send-keys -t a y
expect "dashboard m: the crash loop offers the way back" "Switch back to iptables\? \[y/N\]" 30
T send-keys -t a y
expect "dashboard m: the switch back is previewed" "An empty mode is kube-proxy's default on Linux: iptables" 10
expect "dashboard m: and asked" "restart kube-proxy on every node\? \[y/N\]" 10
T send-keys -t a y
expect "dashboard m: the switch back is followed to its end and said plainly" \
	"The switch to ipvs failed on worker-2; switched back to iptables: every node runs iptables\." 30
if grep -q "Node .*its log says: iptables" "$work/screen" && ! grep -q "did not complete" "$work/screen"; then
	ok "dashboard m: the nodes' iptables logs seen, no timeout"
else
	not_ok "dashboard m: the nodes' iptables logs seen, no timeout" "$work/screen"
fi
cm_text "$work/cm.after"
cmp -s "$work/cm.orig" "$work/cm.after" && ok "dashboard m: config.conf is back byte for byte" \
	|| not_ok "dashboard m: config.conf is back byte for byte"
T send-keys -t a x
T send-keys -t a q
expect "dashboard: quits" "EXITED rc=0"

# --- the switch verified in this node's rules ------------------------------------------------
scenario kubeadm 0
start_server
# What kube-proxy programs: every Service with a cluster IP and ports (kubectl is the witness).
want=$(kubectl get svc -A -o json | python3 -c '
import json, sys
print(sum(1 for s in json.load(sys.stdin)["items"]
          if s["spec"].get("type") != "ExternalName" and s["spec"].get("clusterIP") not in (None, "", "None")
          and s["spec"].get("ports")))')
rules nftables
run --proxy-mode nftables --yes --force --dataplane-wait 5
[ "$rc" = 0 ] && grep -qxF "Verified on worker-1: nftables carries all $want Services." "$work/out" && no_agents_last \
	&& ok "nftables: worker-1's kube-proxy table carries all $want Services, said last, status 0" \
	|| not_ok "nftables: verified in worker-1's table (status $rc, want $want)" "$work/out"
grep -q "^Reading worker-1's nftables rules against" "$work/out" && ok "nftables: the check is announced" \
	|| not_ok "nftables: the check is announced" "$work/out"

rules none
t0=$(date +%s)
run --proxy-mode iptables --yes --dataplane-wait 3  # from nftables, just written
t=$(($(date +%s) - t0))
[ "$rc" = 1 ] && last_line_is "! On worker-1, kube-proxy's iptables rules are still absent after 3 s: its Services are not served by iptables." \
	&& ok "iptables without its rules: status 1, the last line says they are absent" \
	|| not_ok "iptables without its rules: status 1 and said (status $rc)" "$work/out"
[ "$t" -lt 30 ] && ok "iptables without its rules: the wait ends at --dataplane-wait ($t s)" \
	|| not_ok "iptables without its rules: the wait ends at --dataplane-wait ($t s)" "$work/out"

# kube-proxy's rules lack one Service.
gone=default/web
rules nftables --drop "$gone"
start_server
run --proxy-mode nftables --yes --force --dataplane-wait 3
[ "$rc" = 1 ] && last_line_is "! On worker-1, nftables lacks 1 of $want Services after 3 s: $gone" \
	&& ok "nftables without $gone: status 1, the missing Service named" \
	|| not_ok "nftables without $gone: status 1, named (status $rc)" "$work/out"

# Rules that come while it waits (kube-proxy's first sync after its restart).
rules none
start_server
(sleep 4; rules nftables) &
loader=$!
t0=$(date +%s)
run --proxy-mode nftables --yes --force --dataplane-wait 40
t=$(($(date +%s) - t0))
wait "$loader"
[ "$rc" = 0 ] && grep -qxF "Verified on worker-1: nftables carries all $want Services." "$work/out" && no_agents_last && [ "$t" -lt 30 ] \
	&& ok "nftables rules loaded 4 s into the wait: found, verified, status 0 ($t s)" \
	|| not_ok "nftables rules loaded during the wait (status $rc, $t s)" "$work/out"

# --no-dataplane, and a machine that is not one of the nodes: nothing read, said so.
rules none
start_server
run --proxy-mode nftables --yes --force --no-dataplane
[ "$rc" = 0 ] && ! grep -q "Verified on\|are absent\|Reading worker-1" "$work/out" \
	&& ok "--no-dataplane: the switch is not checked in this node's rules, status 0" \
	|| not_ok "--no-dataplane: not checked (status $rc)" "$work/out"
start_server
timeout 90 "$IPVSTOP" --node laptop --proxy-mode nftables --yes --force > "$work/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "^This machine (laptop) runs no kube-proxy pod: its rules are not checked\.$" "$work/out" \
	&& ok "on a machine that is not a node: said, not checked, status 0" \
	|| not_ok "on a machine that is not a node (status $rc)" "$work/out"
"$IPVSTOP" --proxy-mode nftables --dataplane-wait 0 > "$work/out" 2>&1
[ "$?" = 2 ] && grep -q "dataplane-wait wants seconds" "$work/out" && ok "--dataplane-wait 0: refused, status 2" \
	|| not_ok "--dataplane-wait 0: refused" "$work/out"

summary
