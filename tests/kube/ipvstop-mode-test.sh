#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-mode-test.sh: kube-proxy's mode switch in each shape of config.conf that means
# iptables (kubeadm's mode: "", no mode: key at all, an explicit mode: "iptables"), against
# the API test server: a switch to ipvs and back, asking for iptables where it already is,
# and a switch to ipvs that crash-loops on one node and is undone. Each run's exit status,
# its last lines and the ConfigMap's bytes are checked; then the same undo in the dashboard.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sock="ipvstop-mode-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"

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
	run --proxy-mode iptables --yes
	if [ "$rc" = 0 ] && [ "$(grep -c 'ready, its log says: iptables' "$work/out")" = 3 ] &&
		! grep -q '^! ' "$work/out" && grep -q "Rollout complete: 3 of 3" "$work/out"; then
		ok "$shape: the switch back to iptables is followed to its end on every node, status 0"
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

summary
