#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# agent-bench.sh: what the agent (ipvstop --serve) costs on a big table, and whether serving
# delays its reading. The table is S services x D real servers (gen-table.py, a recording
# with traffic), the cluster the API test server's generated one of the same layout (so
# every virtual service is joined with its Service and every real server with its pod).
# The agent replays the recording every -d 2 s; this measures, in one run:
#   1. the agent's CPU over WINDOW seconds unscraped (the reading and joining alone);
#   2. the same with Prometheus' scrape of /metrics every 15 s and the cluster view's
#      digest every 2 s, and the time and size of each answer;
#   3. reads made in each window (distinct digest times): serving must not lower it;
#   4. peak memory.
# The kernel's own read is not in it (a recording is replayed): doc/performance.md has that
# cost against ipvsadm. Usage: bench/agent-bench.sh [S D [WINDOW [BOUND]]]
# (default 20000 100000 60 5000; BOUND is --metrics-max-real-servers, 0: none)
set -u
S=${1:-20000}
D=${2:-100000}
WINDOW=${3:-60}
BOUND=${4:-5000}
top=$(cd "$(dirname "$0")/.." && pwd)
IPVSTOP=${IPVSTOP:-$top/ipvstop}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
ADDR=127.0.0.1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "agent-bench: $S services x $D real servers, windows of ${WINDOW}s" >&2
python3 "$top/bench/gen-table.py" "$S" "$D" --records $((WINDOW + 10)) --traffic > "$work/table.jsonl"
mkdir -p "$work/state" "$work/certs"
python3 "$top/tests/kube/apiserver.py" --state "$work/state" --cert-dir "$work/certs" --port 0 \
	--scenario "$top/tests/kube/scenarios/agents.json" --generate-services "$S" \
	--endpoints-per-service $((D / S)) > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/state/ready.json" ] && break; sleep 0.1; done
[ -f "$work/state/ready.json" ] || { echo "the API test server did not start"; exit 99; }
export KUBECONFIG="$work/state/kubeconfig"
kubectl apply -f "$top/deploy/ipvstop-reader.yaml" > /dev/null
TOKEN=$(cat "$work/state/tokens/prometheus")

"$IPVSTOP" --serve="$ADDR:$PORT" --replay="$work/table.jsonl" --node n1 -d 2 --kube-wait 120 \
	--no-dataplane --metrics-max-real-servers="$BOUND" 2> "$work/agent.log" &
agent=$!
pids+=("$agent")
for _ in $(seq 1 1200); do
	curl -sk --max-time 1 "https://$ADDR:$PORT/healthz" 2>/dev/null | grep -q ok && break
	sleep 0.1
done
# Wait for the cluster's join: the digest says synced.
for _ in $(seq 1 300); do
	curl -sk --max-time 30 -H "Authorization: Bearer $TOKEN" "https://$ADDR:$PORT/snapshot?summary=1" |
		grep -q '"kube_synced":true' && break
	sleep 1
done
cpu() { awk '{print $14 + $15}' "/proc/$agent/stat"; }
hz=$(getconf CLK_TCK)
get() { # PATH -> "seconds bytes"
	curl -sk --max-time 60 -o /dev/null -w '%{time_total} %{size_download}\n' \
		-H "Authorization: Bearer $TOKEN" "https://$ADDR:$PORT$1"
}
# window SCRAPE: CPU seconds of the agent over WINDOW s, the distinct reads seen, answers.
window() {
	local c0 c1 t=0 times=() m=()
	c0=$(cpu)
	: > "$work/answers"
	while [ $t -lt "$WINDOW" ]; do
		times+=("$(curl -sk --max-time 30 -H "Authorization: Bearer $TOKEN" \
			"https://$ADDR:$PORT/snapshot?summary=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["time"])')")
		if [ "$1" = yes ] && [ $((t % 15)) = 0 ]; then
			echo "metrics $(get /metrics)" >> "$work/answers"
		fi
		sleep 2
		t=$((t + 2))
	done
	c1=$(cpu)
	reads=$(printf '%s\n' "${times[@]}" | sort -u | wc -l)
	echo "$(echo "scale=2; ($c1 - $c0) / $hz" | bc) $reads"
}
read -r idle_cpu idle_reads < <(window no)
read -r busy_cpu busy_reads < <(window yes)
snap=$(get /snapshot)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$agent/status")
echo
echo "| agent, $S x $D, -d 2, ${WINDOW} s | CPU s | CPU % of a core | reads |"
echo "|---|---|---|---|"
echo "| digest polled every 2 s | $idle_cpu | $(echo "scale=1; 100 * $idle_cpu / $WINDOW" | bc) | $idle_reads |"
echo "| + /metrics every 15 s (--metrics-max-real-servers=$BOUND) | $busy_cpu | $(echo "scale=1; 100 * $busy_cpu / $WINDOW" | bc) | $busy_reads |"
echo
awk '{printf "/metrics: %.2f s, %.1f MB\n", $2, $3 / 1e6}' "$work/answers"
echo "/snapshot: $(echo "$snap" | awk '{printf "%.2f s, %.1f MB", $1, $2 / 1e6}')"
echo "peak memory (VmHWM): $((rss / 1024)) MB"
