#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-nodes-test.sh: the dashboard's N page and a node's own tables, with real agents.
# The API test server (basic.json's Services; nodes cp-1 and worker-1..3 whose InternalIPs
# are 127.0.0.31..33; worker-3's kube-proxy crash-loops; cp-1 has no agent) and three
# `ipvstop --serve` agents on those addresses, each serving the table kube-proxy would
# program for its node (ipvs-from-scenario.py; worker-2's with drift). The dashboard runs
# in tmux on "cp-1": N lists the four nodes, problems first, with what each agent says;
# Enter on worker-2 shows worker-2's tables, joined as worker-2, read-only (s refused); Esc
# comes back; an agent stopped shows as unreachable within the poller's stated bound; a
# kubeconfig user without the RBAC permission sees 403 on every row, and says so.
# tests/vm/vm-cluster-test.sh does the same on three real kernels.
# Run it alone: IPVSTOP=$PWD/ipvstop bash tests/kube/ipvstop-nodes-test.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${IPVSTOP_NODES_NETNS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "ipvstop-nodes-test: needs root (a network namespace)"; exit 99; }
	unshare -n true 2>/dev/null || { echo "ipvstop-nodes-test: unshare -n does not work here"; exit 99; }
	exec env IPVSTOP_NODES_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up || { echo "ipvstop-nodes-test: no loopback in the namespace"; exit 99; }
sock="ipvstop-nodes-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools curl kubectl
declare -A agent_pid
trap 'cleanup; for p in "${agent_pid[@]}"; do kill "$p" 2>/dev/null; done' EXIT

python3 "$here/cluster-scenario.py" "$here/scenarios/basic.json" "$here/scenarios/agents.json" \
	> "$work/scenario.json" || { echo "cluster-scenario.py failed"; exit 99; }
start_server
kubectl apply -f "$here/../../deploy/ipvstop-reader.yaml" > "$work/apply.out" 2>&1 ||
	{ echo "kubectl apply failed"; cat "$work/apply.out"; exit 99; }
for n in 1 2 3; do
	drift=
	[ "$n" = 2 ] && drift=--drift
	# shellcheck disable=SC2086
	python3 "$here/ipvs-from-scenario.py" "$work/scenario.json" --node "worker-$n" $drift \
		> "$work/table-$n.jsonl" || { echo "ipvs-from-scenario.py failed"; exit 99; }
done
# agent N: worker-N's agent on 127.0.0.3N:9774.
agent() {
	"$IPVSTOP" --serve="127.0.0.3$1:9774" --replay="$work/table-$1.jsonl" --node "worker-$1" \
		-d 1 --no-dataplane 2>> "$work/agent-$1.log" &
	agent_pid[$1]=$!
	for _ in $(seq 1 100); do
		curl -sk --max-time 1 "https://127.0.0.3$1:9774/healthz" 2>/dev/null | grep -q ok && return 0
		sleep 0.1
	done
	echo "agent $1 did not start"; cat "$work/agent-$1.log"; exit 99
}
agent 1; agent 2; agent 3
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }
not_ok_details() { [ -f "$work/screen" ] && cat "$work/screen"; }
# row NODE: the nodes page's line of NODE.
row() { grep -E "^$1 " "$work/screen"; }

# The dashboard on the master, cp-1 (kube-lib's dashboard is worker-1's).
T -f /dev/null new-session -d -s a -x 170 -y 45 \
	"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG TERM=screen-256color $IPVSTOP --node cp-1 --no-dataplane; echo EXITED rc=\$?; sleep 30"
expect "the dashboard starts on cp-1 (no IPVS here)" "Kubernetes v1" 15
T send-keys -t a N
expect "N: the nodes page, every agent answered" "4 nodes: 3 ok, 0 unreachable, 0 refused, 1 without an agent" 15
capture
order=$(awk '/^NODE /{on=1; next} on && NF {print $1}' "$work/screen" | tr '\n' ' ')
pos() { echo "$order" | tr ' ' '\n' | grep -n "^$1\$" | cut -d: -f1; }
check "problems first: cp-1 (no agent) and worker-3 (crash loop) before worker-1 and worker-2 ($order)" \
	'[ "$(pos worker-3)" -lt "$(pos worker-1)" ] && [ "$(pos worker-3)" -lt "$(pos worker-2)" ] &&
	 [ "$(pos cp-1)" -lt "$(pos worker-1)" ]'
check "worker-3's row says its kube-proxy crash-loops" 'row worker-3 | grep -q CrashLoopBackOff'
check "worker-2's row has its drift (missing/stale/unowned 1/2/1)" 'row worker-2 | grep -q " 1/2/1 "'
check "cp-1's row: no agent, what the API says" 'row cp-1 | grep -q "no agent"'

# Enter on worker-2: its tables.
line=$(awk '/^NODE /{on=1; next} on && NF {print $1}' "$work/screen" | grep -n '^worker-2$' | cut -d: -f1)
for _ in $(seq 2 "$line"); do T send-keys -t a Down; done
T send-keys -t a Enter
expect "Enter on worker-2: the header says whose tables these are" "NODE worker-2 FROM ITS AGENT" 15
want=$(python3 -c "import json,sys; d=[json.loads(l) for l in open('$work/table-2.jsonl')][-1]; print(len(d['ipvs']['services']))")
expect "worker-2's $want virtual services are in the panes" "Virtual services: $want\b" 10
expect "joined as worker-2: its drift, as its agent's digest counts it" "Drift: 1 endpoints missing" 10
T send-keys -t a s
expect "s on worker-2's tables is refused (read-only)" "come from its agent, read-only" 5
T send-keys -t a Escape
expect "Esc: back to this node's own (no IPVS) tables" "IPVS is not available" 10
capture
check "the header no longer names worker-2" '! grep -q "NODE worker-2 FROM" "$work/screen"'

# An agent stops: unreachable within the poller's bound (CLUSTER_STALE_AFTER 5 s, a poll
# every 2 s, 3 s per request: at most 10 s).
T send-keys -t a N
kill "${agent_pid[1]}"; wait "${agent_pid[1]}" 2>/dev/null
t0=$(date +%s.%N)
expect "worker-1's agent stopped: its row says unreachable" "^worker-1 +unreachable" 15
took=$(echo "$(date +%s.%N) - $t0" | bc)
check "... within 10 s (${took} s)" '[ "$(echo "$took <= 10" | bc)" = 1 ]'

# ipvstop --cluster alone: the dashboard, opened on its nodes page.
T kill-session -t a
T -f /dev/null new-session -d -s a -x 170 -y 45 \
	"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG TERM=screen-256color $IPVSTOP --cluster --node cp-1 --no-dataplane; sleep 30"
expect "--cluster without -b or -j: the dashboard opens on the nodes page" "^Nodes, problems first" 15
expect "... its rows come" "4 nodes: 2 ok, 1 unreachable" 15
T send-keys -t a Escape
expect "... Esc: the dashboard's own panes" "Virtual services: 0" 10

# A user without get nodes/ipvstop (a token of the role "view").
T kill-session -t a
T -f /dev/null new-session -d -s a -x 250 -y 45 \
	"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG TERM=screen-256color $IPVSTOP --context token-viewer --node cp-1 --no-dataplane; sleep 30"
expect "the viewer's dashboard starts" "Kubernetes v1" 15
T send-keys -t a N
# worker-1's agent is gone: the poller tries pods/proxy, which the viewer may not use either.
expect "the viewer's nodes page: every agent refused (403)" "0 ok, 0 unreachable, 3 refused" 15
capture
check "worker-2's row says what RBAC said (its agent's SubjectAccessReview)" \
	'row worker-2 | grep -q "viewer may not get nodes/ipvstop"'
check "worker-1's row says what RBAC said (the API server's pods/proxy)" \
	'row worker-1 | grep -q "pods \"https:ipvstop-agent-worker-1:9774\" is forbidden"'

summary
