#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cluster-bench.sh [NODES]: ipvstop --cluster against NODES simulated nodes (default 500):
# the API test server with that many Nodes on loopback addresses (127.0.1.1 ...), each with an
# agent pod, and one agent-double.py process answering for all of them with a digest written
# by the real digest_write (tests/kube/digest-gen, built by make check). Measures, with
# /usr/bin/time: the first complete `-j -n 1` document (wall clock, peak RSS), then ten
# documents at -d 2 (CPU of ipvstop, peak RSS, the slowest answer of each round; the polls
# are at most 100 a second: every max(2, NODES / 100) s per node).
# Prints Markdown lines for doc/agent.md. Run alone: it loads the machine for a minute.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
: "${IPVSTOP:=$top/ipvstop}"
: "${DIGEST_GEN:=$(dirname "$IPVSTOP")/tests/kube/digest-gen}"
n=${1:-500}
for t in python3 openssl /usr/bin/time; do
	command -v "$t" > /dev/null || { echo "cluster-bench: $t is missing"; exit 99; }
done
[ -x "$DIGEST_GEN" ] || { echo "cluster-bench: $DIGEST_GEN is missing (make check builds it)"; exit 99; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
mkdir -p "$work/state" "$work/certs"
port=29774
ip() { echo "127.0.$((1 + $1 / 250)).$((1 + $1 % 250))"; }

python3 - "$n" > "$work/scenario.json" <<'PY'
import json, sys
n = int(sys.argv[1])
nodes = [{"name": "s%04d" % i, "internalIP": "127.0.%d.%d" % (1 + i // 250, 1 + i % 250)} for i in range(n)]
for x in nodes:
    x["agent"] = {"podIP": x["internalIP"]}
print(json.dumps({"nodes": nodes, "kubeProxyConfig": {"mode": "ipvs"},
                  "tokens": [{"name": "admin", "user": "admin", "groups": ["system:masters"]}]}))
PY
python3 "$top/tests/kube/apiserver.py" --state "$work/state" --cert-dir "$work/certs" \
	--scenario "$work/scenario.json" --key-type ec > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/state/ready.json" ] && break; sleep 0.1; done
[ -f "$work/state/ready.json" ] || { echo "cluster-bench: the API test server did not start"; exit 99; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=a \
	-keyout "$work/a.key" -out "$work/a.crt" 2> /dev/null
"$DIGEST_GEN" node > "$work/d.json"
specs=()
for i in $(seq 0 $((n - 1))); do specs+=("$(ip "$i")=ok:$work/d.json"); done
python3 "$top/tests/kube/agent-double.py" --cert "$work/a.crt" --key "$work/a.key" --port "$port" \
	--token-file "$work/state/tokens/admin" --ready "$work/ready" "${specs[@]}" > "$work/agents.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 1800); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || { echo "cluster-bench: the agents did not start"; exit 99; }

export KUBECONFIG="$work/state/kubeconfig"
run() { /usr/bin/time -v "$IPVSTOP" --cluster -j --context token --agent-port "$port" \
	--agent-path direct --kube-wait 10 "$@"; }
run -n 1 > "$work/one.json" 2> "$work/one.time"
run -n 10 -d 2 > "$work/ten.jsonl" 2> "$work/ten.time"
python3 - "$n" "$work" <<'PY'
import json, re, sys
n, work = int(sys.argv[1]), sys.argv[2]
def t(name):
    text = open("%s/%s.time" % (work, name)).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\d+):([\d.]+)", text)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    return int(wall.group(1)) * 60 + float(wall.group(2)), rss / 1024, user + sys_
one = json.load(open(work + "/one.json"))
w1, r1, _ = t("one")
print("| %d nodes, first `-j -n 1` | %.2f s | %.1f MB | complete %s, %d ok |" %
      (n, w1, r1, one["complete"], one["totals"]["ok"]))
docs = [json.loads(l) for l in open(work + "/ten.jsonl")]
w10, r10, cpu = t("ten")
slow = max(max((r["latency"] or 0) for r in d["nodes"]) for d in docs)
print("| %d nodes, 10 documents at -d 2 | %.1f s, CPU %.1f s (%.0f%% of a core) | %.1f MB | %d req/s to the agents, slowest answer %.2f s, ok in the last: %d |" %
      (n, w10, cpu, 100 * cpu / w10, r10, n / max(2, n / 100), slow, docs[-1]["totals"]["ok"]))
PY
