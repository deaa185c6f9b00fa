#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-kp-health-test.sh: kube-proxy's health on this node and a new connection's cost,
# through the real path. In a network namespace of its own (root, unshare -n), 127.0.0.1:10249
# is kube-proxy-metrics.py, which serves /proxyMode and /metrics as kube-proxy 1.33 does: one
# healthy, one with a hung sync, one with restore failures, one that accepts and never
# answers (no hang: a clear message within the one-second limit), and no listener at all.
# Beside it the API test server (basic.json), and kube-proxy's iptables-mode rules restored
# into iptables-nft plus its nftables tables loaded with nft (a node mid-migration), so
# that the cost lines have real planes to count; iptables-nft-save and nft are the witnesses.
# Checks ipvstop -j -n 1, -b -n 1 and the dashboard in tmux (its header, and the K page).
# Run it alone: IPVSTOP=$PWD/ipvstop bash tests/kube/ipvstop-kp-health-test.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${IPVSTOP_KP_NETNS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "ipvstop-kp-health-test: needs root (a network namespace)"; exit 99; }
	unshare -n true 2>/dev/null || { echo "ipvstop-kp-health-test: unshare -n does not work here"; exit 99; }
	exec env IPVSTOP_KP_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up || { echo "ipvstop-kp-health-test: no loopback in the namespace"; exit 99; }
sock="ipvstop-kp-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools ip nft iptables-nft-restore iptables-nft-save
kp_pid=""
trap 'cleanup; [ -n "$kp_pid" ] && kill "$kp_pid" 2>/dev/null' EXIT

cp "$here/scenarios/basic.json" "$work/scenario.json"
start_server
# The node's rules: iptables mode (what kube-proxy runs here) and a leftover nftables table.
python3 "$here/../dataplane/gen-kube-iptables.py" --scenario "$work/scenario.json" \
	--node worker-1 --out "$work/ipt.rules" || { echo "gen-kube-iptables.py failed"; exit 99; }
python3 "$here/../dataplane/gen-kube-nft.py" "$work/scenario.json" --node worker-1 \
	> "$work/rules.nft" || { echo "gen-kube-nft.py failed"; exit 99; }
if ! iptables-nft-restore < "$work/ipt.rules" || ! nft -f "$work/rules.nft"; then
	echo "the node's rules could not be loaded"; exit 99
fi
svc_rules=$(iptables-nft-save -t nat | grep -c '^-A KUBE-SERVICES ')

# kube_proxy STATE: kube-proxy's port in that state (none: nothing listens).
kube_proxy() {
	[ -n "$kp_pid" ] && kill "$kp_pid" 2>/dev/null && wait "$kp_pid" 2>/dev/null
	kp_pid=""
	[ "$1" = none ] && return 0
	python3 "$here/kube-proxy-metrics.py" --mode iptables --state "$1" > "$work/kp.out" 2>&1 &
	kp_pid=$!
	for _ in $(seq 1 50); do grep -q ready "$work/kp.out" && return 0; sleep 0.1; done
	echo "kube-proxy-metrics.py did not start"; cat "$work/kp.out"; exit 99
}
# run STATE: -j and -b against it; how long -j took in $took (seconds).
run() {
	local t0 t1
	t0=$(date +%s.%N)
	timeout 20 "$IPVSTOP" -j -n 1 --node worker-1 > "$work/$1.json" 2> "$work/$1.err"
	t1=$(date +%s.%N)
	took=$(echo "$t1 - $t0" | bc)
	LANG=C timeout 20 "$IPVSTOP" -b -n 1 --node worker-1 > "$work/$1.txt" 2>&1
}
# check_json STATE NAME PYTHON: PYTHON (an expression over kp, the kube_proxy object, cost,
# the new_connection_cost array, and the witnesses' svc_rules and nft_frontends) is true.
check_json() {
	if python3 - "$work/$1.json" "$svc_rules" "$2" "$3" > "$work/check.out" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
svc_rules = int(sys.argv[2])
kp = doc["kube"]["proxy"]["this_node"]["kube_proxy"]
cost = {c["plane"]: c for c in doc["new_connection_cost"]}
nft_frontends = doc["dataplane"]["planes"]["nftables"]["frontends"]
ok = eval(sys.argv[4])
if not ok:
    print(json.dumps(kp, indent=1)); print(json.dumps(doc["new_connection_cost"], indent=1))
sys.exit(0 if ok else 1)
PY
	then ok "$1: $2"; else not_ok "$1: $2" "$work/check.out"; fi
}
check_text() {
	if grep -qE -- "$3" "$work/$1.txt"; then ok "$1: -b $2"; else not_ok "$1: -b $2 (wanted /$3/)" "$work/$1.txt"; fi
}

# --- healthy: synced 3 s ago, 261 syncs of 0.12 s; the cost of each plane ----------------
kube_proxy healthy
run healthy
check_json healthy "-j: metrics read, synced seconds ago, not hung, no failure, 140 rules" \
	'kp["metrics_read"] and kp["error"] is None and 2 <= kp["last_sync_age"] < 15 and not kp["hung"] and kp["hung_threshold"] == 60 and kp["failures"]["total"] == 0 and kp["iptables_rules"] == 140 and kp["iptables_nat_rules"] == 131 and not kp["warn"] and kp["endpoint_changes_pending"] == 0'
check_json healthy "-j: the mean sync, 31.32 s over 261 syncs" \
	'abs(kp["sync_seconds_mean"] - 0.12) < 1e-9 and kp["syncs"] == 261'
check_json healthy "-j: iptables-nft walks as many rules as iptables-nft-save has in KUBE-SERVICES, kube-proxy's sync on it" \
	'svc_rules > 0 and cost["iptables-nft"]["lookup"] == "linear" and cost["iptables-nft"]["size"] == svc_rules and cost["iptables-nft"]["kube_proxy_runs"] and abs(cost["iptables-nft"]["sync_seconds_mean"] - 0.12) < 1e-9'
check_json healthy "-j: nftables is one verdict-map lookup among its frontends, not kube-proxy's mode" \
	'nft_frontends > 0 and cost["nftables"]["lookup"] == "verdict-map" and cost["nftables"]["size"] == nft_frontends and not cost["nftables"]["kube_proxy_runs"] and cost["nftables"]["sync_seconds_mean"] is None'
check_json healthy "-j: no IPVS here, no ipvs cost line; conn_reuse_mode unknown, the kernel read" \
	'"ipvs" not in cost and kp["conn_reuse_mode"]["value"] is None and not kp["conn_reuse_mode"]["mismatch"] and kp["conn_reuse_mode"]["kernel"] is not None'
check_text healthy "says when kube-proxy synced and how long a sync takes" \
	"^kube-proxy here: synced [0-9]+ s ago, 0\.12 s a sync \(mean of 261\); 140 iptables rules$"
check_text healthy "counts the rules a new connection walks in iptables-nft" \
	"^  iptables-nft +a new connection walks up to $svc_rules rules \(KUBE-SERVICES has $svc_rules\); kube-proxy runs it here and rewrites it in 0\.120 s a sync \(mean of 261\)$"
check_text healthy "says nftables is one verdict-map lookup" "^  nftables +one verdict-map lookup \([0-9]+ frontends in the maps\)$"

# --- hung: a sync queued 95 s ago and not done ---------------------------------------------
kube_proxy hung
run hung
check_json hung "-j: hung for about 95 s, changes pending, a warning" \
	'kp["hung"] and 94 <= kp["hung_for"] < 110 and kp["warn"] and kp["endpoint_changes_pending"] == 37 and kp["service_changes_pending"] == 4 and kp["last_sync_age"] >= 399'
check_text hung "warns of the hung sync" \
	"^! kube-proxy sync hung for (9[4-9]|10[0-9]) s \(queued, not done; 60 s allowed\), 0\.77 s a sync \(mean of 12\); 37 endpoint and 4 service changes pending"

# --- hung, but within config.conf's syncPeriod -------------------------------------------------
# kube-proxy takes syncPeriod from its configured mode's block (iptables here: mode "") and
# its /healthz calls a queued sync late after twice that. With syncPeriod 2m0s, a sync queued
# 95 s ago is not hung yet: 240 s are allowed. config.conf is changed with the real kubectl.
cm_conf() { kubectl -n kube-system get cm kube-proxy -o jsonpath='{.data.config\.conf}'; }
cm_patch() { # TEXT: config.conf's new text, by a merge patch
	python3 -c 'import json, sys; print(json.dumps({"data": {"config.conf": sys.argv[1]}}))' "$1" > "$work/patch.json" &&
		kubectl -n kube-system patch cm kube-proxy --type merge --patch-file "$work/patch.json" > "$work/patch.out" 2>&1
}
conf=$(cm_conf)
new=$(printf '%s' "$conf" | python3 -c '
import sys
t = sys.stdin.read()
head, sep, rest = t.partition("\niptables:\n")
block, nl, tail = rest.partition("\nipvs:\n")
assert sep and nl and "  syncPeriod: 0s" in block, "no iptables block with syncPeriod: 0s"
print(head + sep + block.replace("  syncPeriod: 0s", "  syncPeriod: 2m0s") + nl + tail, end="")')
if [ -n "$conf" ] && [ -n "$new" ] && cm_patch "$new" && [ "$(cm_conf)" = "$new" ]; then
	ok "the rig: kubectl patch sets iptables.syncPeriod: 2m0s in config.conf"
	run hung-period
	check_json hung-period "-j: queued 95 s ago is not hung with syncPeriod 2m0s: 240 s allowed, no warning" \
		'not kp["hung"] and kp["hung_threshold"] == 240 and not kp["warn"] and kp["endpoint_changes_pending"] == 37'
	check_text hung-period "says no hung sync" "^kube-proxy here: synced [0-9]+ min ago, 0\.77 s a sync \(mean of 12\); 37 endpoint and 4 service changes pending"
	if cm_patch "$conf" && [ "$(cm_conf)" = "$conf" ]; then ok "the rig: config.conf back as it was"
	else not_ok "the rig: config.conf back as it was" "$work/patch.out"; fi
else
	not_ok "the rig: kubectl patch sets iptables.syncPeriod: 2m0s in config.conf" "$work/patch.out"
fi

# --- failures: 2 iptables-restore failures and a partial one ---------------------------------
kube_proxy failures
run failures
check_json failures "-j: three failures, by kind, a warning" \
	'kp["failures"] == {"total": 3, "iptables_restore": 2, "iptables_partial_restore": 1, "nftables_sync": 0} and kp["warn"] and not kp["hung"]'
check_text failures "warns of the failures" "^kube-proxy here: synced [0-9]+ s ago, 0\.05 s a sync \(mean of 40\); ! 3 sync failures; 140 iptables rules$"

# --- silent: the port accepts and never answers: no hang, a clear message ---------------------
kube_proxy silent
run silent
if [ "$(echo "$took < 6" | bc)" = 1 ]; then ok "silent: -j ends in ${took} s (one second for kube-proxy's port)"; else not_ok "silent: -j took ${took} s" "$work/silent.err"; fi
check_json silent "-j: no metrics, the error names the port that gave no answer, a warning" \
	'not kp["metrics_read"] and kp["error"] == "GET http://127.0.0.1:10249/proxyMode: no answer in 1.0 s" and kp["warn"] and kp["last_sync_age"] is None and doc["kube"]["proxy"]["this_node"]["proxy_mode"] is None'
check_json silent "-j: the rest of the document whole: the Services, the data planes, the cost" \
	'doc["kube"]["synced"] and doc["kube"]["counts"]["services"] == 10 and cost["iptables-nft"]["size"] == svc_rules and cost["iptables-nft"]["sync_seconds_mean"] is None'
check_text silent "says kube-proxy's port did not answer" \
	"^kube-proxy here: no metrics \(GET http://127\.0\.0\.1:10249/proxyMode: no answer in 1\.0 s\)$"

# --- nothing listens: a node without kube-proxy, said quietly ----------------------------------
kube_proxy none
run none
check_json none "-j: nothing listens there, not a warning" \
	'not kp["metrics_read"] and kp["error"] == "GET http://127.0.0.1:10249/metrics: nothing listens there" and not kp["warn"]'

# --- the dashboard: the header's line, the K page, no hang on a silent port ---------------------
kube_proxy hung
dashboard -d 1
expect "dashboard: the header warns of the hung sync" "! kube-proxy sync hung for [0-9]+ s" 10
T send-keys -t a K
expect "dashboard: K shows kube-proxy here" "kube-proxy here and what a new connection costs"
expect "dashboard: K's page says what the cost is made of" "KUBE-SERVICES has a rule per Service port"
expect "dashboard: K's page cites the KubeCon 2017 figures" "11 min with 5,000"
expect "dashboard: K's page gives the hung threshold and the failures" "hung; failures since it started: 0 iptables-restore"
T send-keys -t a x
expect "dashboard: any key closes the page" "Services [0-9]+ +Real servers"
T send-keys -t a q
expect "dashboard: q quits" "EXITED rc=0"
T kill-session -t a

kube_proxy healthy
dashboard -d 1
expect "dashboard: a healthy kube-proxy in the header" "kube-proxy here: synced [0-9]+ s ago, 0\.12 s a sync \(mean of 261\)" 10
T kill-session -t a

kube_proxy silent
dashboard -d 1
expect "dashboard: a silent port is said in the header" "kube-proxy here: no metrics \(GET http://127\.0\.0\.1:10249/proxyMode: no answer" 12
T send-keys -t a q
expect "dashboard: it still answers keys (q quits at once)" "EXITED rc=0" 3
summary
