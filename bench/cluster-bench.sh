#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cluster-bench.sh: the cluster view at N nodes (default 500). One real agent (ipvstop
# --serve, a recorded table, joined with the cluster) gives the digest; N agents on loopback
# addresses 127.0.1.1... serve that digest under each node's name (tests/kube/agent-double.py:
# N real ipvstop agents would each watch the API test server, which one Python process
# cannot serve at that count). The API test server lists the N nodes and their agent pods.
# Measured in one run:
#   - `ipvstop --cluster -j -n 1`: the time to its one complete document, and peak memory;
#   - `ipvstop --cluster -b -d 2` for WINDOW s: requests a second to the API server (its
#     request log) and to the agents (their count), peak memory.
# Usage: bench/cluster-bench.sh [N [WINDOW]]   (default 500 30)
set -u
N=${1:-500}
WINDOW=${2:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
IPVSTOP=${IPVSTOP:-$top/ipvstop}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
addr() { echo "127.0.$((1 + ($1 - 1) / 250)).$((1 + ($1 - 1) % 250))"; }

python3 - "$N" "$top/tests/kube/scenarios/basic.json" "$top/tests/kube/scenarios/agents.json" \
	> "$work/scenario.json" <<'EOF'
import json, sys
n = int(sys.argv[1])
basic, agents = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
def addr(i):
    return "127.0.%d.%d" % (1 + (i - 1) // 250, 1 + (i - 1) % 250)
basic["nodes"] = [{"name": "node-%03d" % i, "internalIP": addr(i),
                   "kubeProxy": {"mode": "ipvs", "ready": True, "restarts": 0, "ageSeconds": 86400},
                   "agent": {"podIP": addr(i)}} for i in range(1, n + 1)]
basic["kubeProxyConfig"]["mode"] = "ipvs"
names = {t["name"] for t in agents["tokens"]}
basic["tokens"] = [t for t in basic["tokens"] if t["name"] not in names] + agents["tokens"]
basic["objects"] = basic.get("objects", []) + agents.get("objects", [])
json.dump(basic, sys.stdout)
EOF
mkdir -p "$work/state" "$work/certs" "$work/digests"
python3 "$top/tests/kube/apiserver.py" --state "$work/state" --cert-dir "$work/certs" --port 0 \
	--scenario "$work/scenario.json" > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do [ -f "$work/state/ready.json" ] && break; sleep 0.1; done
export KUBECONFIG="$work/state/kubeconfig"
kubectl apply -f "$top/deploy/ipvstop-reader.yaml" > /dev/null

# The one real agent's digest.
python3 "$top/tests/kube/ipvs-from-scenario.py" "$top/tests/kube/scenarios/basic.json" --drift \
	> "$work/table.jsonl"
"$IPVSTOP" --serve=127.0.0.9:9774 --replay="$work/table.jsonl" --node node-001 -d 1 \
	--no-dataplane 2> "$work/agent.log" &
pids+=($!)
reader=$(cat "$work/state/tokens/reader")
for _ in $(seq 1 100); do
	curl -sfk --max-time 2 -H "Authorization: Bearer $reader" \
		"https://127.0.0.9:9774/snapshot?summary=1" > "$work/digest.json" 2>/dev/null && break
	sleep 0.2
done
[ -s "$work/digest.json" ] || { echo "the real agent gave no digest"; exit 99; }
args=()
for i in $(seq 1 "$N"); do
	name=$(printf 'node-%03d' "$i")
	sed "s/\"node\":\"node-001\"/\"node\":\"$name\"/" "$work/digest.json" > "$work/digests/$i.json"
	args+=("$(addr "$i")=ok:$work/digests/$i.json")
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=ipvstop-agent -keyout "$work/agent.key" -out "$work/agent.crt" 2>/dev/null
python3 "$top/tests/kube/agent-double.py" --cert "$work/agent.crt" --key "$work/agent.key" \
	--port 9774 --token-file "$work/state/tokens/reader" --ready "$work/agents.ready" \
	--count-file "$work/served" \
	"${args[@]}" > "$work/agents.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/agents.ready" ] && break; sleep 0.1; done
[ -f "$work/agents.ready" ] || { echo "the agent doubles did not start"; cat "$work/agents.log"; exit 99; }

echo "cluster-bench: $N nodes, one digest of $(wc -c < "$work/digest.json") bytes each"
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/rss1" "$IPVSTOP" --cluster -j -n 1 --context token-reader \
	> "$work/one.json" 2> "$work/one.err"
t1=$(date +%s.%N)
ok=$(python3 -c "import json; d=json.load(open('$work/one.json')); print(sum(r['state']=='ok' for r in d['nodes']))")
echo "--cluster -j -n 1: $(echo "$t1 - $t0" | bc | cut -c1-5) s to the complete document, $ok of $N ok, peak $(($(cat "$work/rss1") / 1024)) MB"

api0=$(wc -l < "$work/state/requests.jsonl")
sleep 1
served0=$(cat "$work/served")
/usr/bin/time -f "%M" -o "$work/rss2" timeout -s INT "$WINDOW" "$IPVSTOP" --cluster -b -d 2 \
	--context token-reader > "$work/b.txt" 2>&1
api1=$(wc -l < "$work/state/requests.jsonl")
sleep 1
served1=$(cat "$work/served")
frames=$(grep -c '^ipvstop cluster' "$work/b.txt")
echo "--cluster -b -d 2 for ${WINDOW} s: $frames frames; API server $(echo "scale=1; ($api1 - $api0) / $WINDOW" | bc) requests/s;" \
	"agents $(echo "scale=1; ($served1 - $served0) / $WINDOW" | bc) requests/s (at most 100: one per node every max(2, N / 100) s)"
[ -s "$work/rss2" ] && echo "peak memory of the view: $(($(tail -n 1 "$work/rss2") / 1024)) MB"
