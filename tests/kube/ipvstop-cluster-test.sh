#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-cluster-test.sh: `ipvstop --cluster` against the API test server, whose nodes have
# distinct loopback InternalIPs (127.0.0.21...), each with an agent answering there over
# HTTPS: good ones, one that is gone, a 403, garbage, a truncated and a huge answer, and a
# node with no agent pod. Checks the JSON rows and their order, that the text table says the
# same, the time a stopped agent takes to show as unreachable, the agents' certificate check
# with --agent-ca, the fallback to pods/proxy, and that 10 hanging agents out of 50 do not
# delay the first document past the timeouts. The hostile agents are agent-double.py
# (start_agents); three real `ipvstop --serve` agents (real_agent) serve a recording and check
# the readers with the API test server's TokenReview and SubjectAccessReview, one of them
# reached only through its pods/proxy.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sock="ipvstop-cluster-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
gen="${DIGEST_GEN:-$(dirname "$IPVSTOP")/tests/kube/digest-gen}"
[ -x "$gen" ] || { echo "ipvstop-cluster-test: $gen is missing (make check builds it)"; exit 99; }

agent_pids=()
# stop_agents: every agent, waited for (the next ones bind the same addresses and port).
stop_agents() {
	for p in "${agent_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${agent_pids[@]}"; do wait "$p" 2>/dev/null; done
	agent_pids=()
}
trap 'stop_agents; cleanup' EXIT

# The agents' port: one free on the loopback addresses the test uses.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.21",0)); print(s.getsockname()[1])')

# One self-signed certificate for every agent address (as the agent makes by default).
san=$(python3 -c 'print(",".join("IP:127.0.0.%d" % i for i in range(21, 81)))')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=ipvstop-agent -addext "subjectAltName=$san" \
	-keyout "$work/agent.key" -out "$work/agent.crt" 2> "$work/openssl.log" || {
	cat "$work/openssl.log"; exit 99; }

# start_agents NAME ADDR=MODE[:FILE]...: agents on those addresses, as one process (killed
# with stop_agent NAME). The one place that says what an agent is: agent-double.py today,
# `ipvstop --serve` once it serves recordings.
start_agents() {
	local name=$1; shift
	python3 "$here/agent-double.py" --cert "$work/agent.crt" --key "$work/agent.key" \
		--port "$port" --token-file "$work/state/tokens/admin" --ready "$work/$name.ready" \
		"$@" > "$work/$name.log" 2>&1 &
	agent_pids+=($!)
	echo $! > "$work/$name.pid"
	for _ in $(seq 1 300); do [ -f "$work/$name.ready" ] && return 0; sleep 0.1; done
	echo "the agents $name did not start"; cat "$work/$name.log"; exit 99
}
stop_agent() { kill "$(cat "$work/$1.pid")"; }

# scenario NODE:IP:AGENT[:crash]...: nodes with those InternalIPs; AGENT 0: no agent pod, 1:
# its agent pod (hostNetwork) on the node's address, another address: the pod's IP there; a
# crash-looping kube-proxy with crash. Tokens "admin" (system:masters) and "viewer" (may read
# what the cluster view lists, but neither nodes/ipvstop on agents nor pods/proxy).
scenario() {
	python3 - "$@" > "$work/scenario.json" <<'PY'
import json, sys
nodes = []
for spec in sys.argv[1:]:
    name, ip, agent, *rest = spec.split(":")
    kp = {"crashLoop": True, "failReason": "can't set sysctl"} if "crash" in rest else {}
    n = {"name": name, "internalIP": ip, "kubeProxy": kp}
    if agent != "0":
        n["agent"] = {"podIP": ip if agent == "1" else agent, "port": 9774}
    nodes.append(n)
read = ["get", "list", "watch"]
print(json.dumps({"nodes": nodes, "kubeProxyConfig": {"mode": "ipvs"},
    "tokens": [{"name": "admin", "user": "admin", "groups": ["system:masters"]},
               {"name": "viewer", "user": "viewer", "groups": []}],
    "rbac": [{"name": "viewer", "role": "viewer", "subjects": ["user:viewer"],
              "rules": [{"apiGroups": [""], "verbs": read,
                         "resources": ["nodes", "pods", "pods/log", "services", "configmaps"]},
                        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": read},
                        {"apiGroups": ["apps"], "resources": ["daemonsets"], "verbs": read}]}]}))
PY
}

check() { # check NAME PYTHON-EXPRESSION over d (the document in $work/doc.json), row(name)
	if python3 - "$work/doc.json" "$2" > "$work/check.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["nodes"]
def row(name):
    return next(r for r in rows if r["node"] == name)
def state(name):
    return row(name)["state"]
ok = eval(sys.argv[2])
if not ok:
    print(json.dumps(d, indent=1)[:6000])
    raise AssertionError("false: " + sys.argv[2])
PY
	then ok "$1"; else not_ok "$1" "$work/check.out"; fi
}

cluster() { "$IPVSTOP" --cluster --context token --agent-port "$port" --kube-wait 5 "$@"; }

# --- eight nodes, every kind of answer ---------------------------------------------------
"$gen" n-ok > "$work/n-ok.json"
"$gen" n-hung hung > "$work/n-hung.json"
"$gen" n-truncated > "$work/n-truncated.json"
scenario n-ok:127.0.0.21:1 n-hung:127.0.0.22:1 n-down:127.0.0.23:1 n-forbidden:127.0.0.24:1 \
	n-noagent:127.0.0.25:0:crash n-garbage:127.0.0.26:1 n-truncated:127.0.0.27:1 n-huge:127.0.0.28:1
start_server
start_agents solo "127.0.0.21=ok:$work/n-ok.json"
start_agents rest "127.0.0.22=ok:$work/n-hung.json" 127.0.0.24=forbidden 127.0.0.26=garbage \
	"127.0.0.27=truncated:$work/n-truncated.json" 127.0.0.28=huge

t0=$(date +%s.%N)
cluster -j -n 1 --agent-path direct > "$work/doc.json" 2> "$work/err"
t1=$(date +%s.%N)
echo "# first document of 8 nodes in $(python3 -c "print('%.2f' % ($t1 - $t0))") s"
check "one complete document, a row for every node" \
	'd["schema"] == 1 and d["kind"] == "ipvstop-cluster" and d["complete"] and sorted(r["node"] for r in rows) == sorted(["n-ok","n-hung","n-down","n-forbidden","n-noagent","n-garbage","n-truncated","n-huge"]) and d["totals"]["nodes"] == 8'
check "good agents: ok, their digest, the path and latency" \
	'state("n-ok") == "ok" and row("n-ok")["digest"]["node"] == "n-ok" and row("n-ok")["path"] == "direct" and row("n-ok")["latency"] < 3 and row("n-ok")["address"] == "127.0.0.21" and row("n-ok")["agent_pod"] == "ipvstop-agent-n-ok"'
check "nothing listening: unreachable, with why" \
	'state("n-down") == "unreachable" and "connect" in row("n-down")["error"].lower() and row("n-down")["digest"] is None'
check "a 403: forbidden, with the agent's RBAC message" \
	'state("n-forbidden") == "forbidden" and row("n-forbidden")["error"] == "not allowed: user \"viewer\" cannot get nodes/ipvstop"'
check "garbage, truncated and huge answers: bad-answer, each with why" \
	'state("n-garbage") == "bad-answer" and state("n-truncated") == "bad-answer" and state("n-huge") == "bad-answer" and "64 KiB" in row("n-huge")["error"] and all(row(n)["error"] for n in ("n-garbage","n-truncated"))'
check "no agent pod: no-agent, with what the API says of its kube-proxy" \
	'state("n-noagent") == "no-agent" and row("n-noagent")["kube_proxy"]["waiting"] == "CrashLoopBackOff" and "CrashLoopBackOff" in row("n-noagent")["problem"] and row("n-noagent")["kube_proxy"]["pod"].startswith("kube-proxy-")'
check "every node's kube-proxy pod is there, from the API" \
	'all(r["kube_proxy"] and r["kube_proxy"]["pod"] for r in rows)'
check "problems first: nodes not read, then the hung sync, then the fine node" \
	'[r["node"] for r in rows][-2:] == ["n-hung", "n-ok"] and rows[0]["node"] == "n-down" and row("n-hung")["problem"] != "" and row("n-ok")["problem"] == ""'
check "totals count the states" \
	'd["totals"]["ok"] == 2 and d["totals"]["unreachable"] == 1 and d["totals"]["forbidden"] == 1 and d["totals"]["bad_answer"] == 3 and d["totals"]["no_agent"] == 1 and d["agents_verified"] is False'
if grep -q "$(cat "$work/state/tokens/admin")" "$work/doc.json" "$work/err"; then
	not_ok "the token is nowhere in the output"
else
	ok "the token is nowhere in the output"
fi

# The same view as text: one row per node, in the same order, saying the same.
cluster -b -n 1 --agent-path direct > "$work/text" 2> "$work/err.text"
if python3 - "$work/doc.json" "$work/text" > "$work/check.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
words = {"ok": "ok", "unreachable": "unreachable", "forbidden": "forbidden",
         "bad-answer": "bad answer", "no-agent": "no agent", "unauthorized": "unauthorized"}
names = [r["node"] for r in d["nodes"]]
rows = [l for l in lines if l.split(" ")[0] in names]
assert [l.split(" ")[0] for l in rows] == names, (names, rows)
for r, l in zip(d["nodes"], rows):
    assert words[r["state"]] in l, (r["state"], l)
ok_row = next(l for l in rows if l.startswith("n-ok "))
assert "ipvs/ipvs" in ok_row and "40/95" in ok_row, ok_row
assert "not verified" in "\n".join(lines), lines[:3]
PY
then ok "text table: the same rows, order and states as the JSON"; else not_ok "text table: the same rows, order and states as the JSON" "$work/check.out"; cat "$work/text"; fi

# A credential the API server accepts but the agents do not: 401, said as such.
cluster -j -n 1 --agent-path direct --context token-viewer > "$work/doc.json" 2> "$work/err"
check "an agent's 401: unauthorized, with its message" \
	'state("n-ok") == "unauthorized" and row("n-ok")["error"] == "not allowed: Unauthorized" and state("n-forbidden") == "forbidden"'

# --agent-ca: the agents' certificate is checked (the API server's CA did not sign it).
cluster -j -n 1 --agent-path direct --agent-ca "$work/agent.crt" > "$work/doc.json" 2> "$work/err"
check "--agent-ca with the agents' CA: ok, and said verified" \
	'state("n-ok") == "ok" and d["agents_verified"] is True'
cluster -j -n 1 --agent-path direct --agent-ca "$work/certs/ca.crt" > "$work/doc.json" 2> "$work/err"
check "--agent-ca with another CA: the agents are not trusted" \
	'state("n-ok") == "unreachable" and "certificate" in row("n-ok")["error"].lower()'

# auto: a node whose direct connection fails is tried through the API server's pods/proxy.
cluster -j -n 1 --agent-path auto > "$work/doc.json" 2> "$work/err"
python3 "$here/apiserver.py" control --state "$work/state" \
	'{"action":"requests","match":{"path":{"re":"^/api/v1/namespaces/kube-system/pods/https:ipvstop-agent-n-down:[0-9]+/proxy/snapshot$"}}}' \
	> "$work/proxied.json"
if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["count"] >= 1 else 1)' "$work/proxied.json"; then
	ok "auto: the unreachable node is asked through pods/proxy"
else
	not_ok "auto: the unreachable node is asked through pods/proxy" "$work/proxied.json"
fi
check "auto: the nodes reached directly stay direct" \
	'row("n-ok")["path"] == "direct" and state("n-ok") == "ok" and row("n-down")["path"] == "proxy" and state("n-down") != "ok"'

# --- an agent that stops: unreachable within max(5 s, interval + 3 s) ----------------------
cluster -j -d 1 -n 14 --agent-path direct > "$work/follow.jsonl" 2> "$work/err" &
follower=$!
for _ in $(seq 1 100); do [ -s "$work/follow.jsonl" ] && break; sleep 0.1; done
sleep 1
killed=$(date +%s.%N)
stop_agent solo
wait "$follower"
if python3 - "$work/follow.jsonl" "$killed" > "$work/check.out" 2>&1 <<'PY'
import json, sys
killed = float(sys.argv[2])
docs = [json.loads(l) for l in open(sys.argv[1])]
state = lambda d: next(r for r in d["nodes"] if r["node"] == "n-ok")
assert state(docs[0])["state"] == "ok", state(docs[0])
down = [d for d in docs if state(d)["state"] == "unreachable"]
assert down, "never marked unreachable"
after = down[0]["time"] - killed
print("# n-ok marked unreachable %.1f s after its agent stopped" % after)
assert after <= 5 + 1.5, after
# Its neighbours are not affected.
assert all(next(r for r in d["nodes"] if r["node"] == "n-hung")["state"] == "ok" for d in docs)
PY
then ok "a stopped agent shows unreachable within 5 s (+1 s frame)"; cat "$work/check.out"
else not_ok "a stopped agent shows unreachable within 5 s (+1 s frame)" "$work/check.out"; fi
stop_agents

# --- real agents: ipvstop --serve, TokenReview and SubjectAccessReview, pods/proxy ---------
# r1 and r2 serve a recording on their InternalIPs; r3's InternalIP answers nothing but its
# agent pod's IP does (127.0.0.44): auto reaches it through the API server's pods/proxy.
scenario r1:127.0.0.41:1 r2:127.0.0.42:1 r3:127.0.0.43:127.0.0.44
start_server
python3 "$here/ipvs-from-scenario.py" "$here/scenarios/basic.json" > "$work/table.jsonl" ||
	{ echo "ipvs-from-scenario.py failed"; exit 99; }
# real_agent NAME ADDR NODE: ipvstop --serve on ADDR:$port, for node NODE, the recording.
real_agent() {
	"$IPVSTOP" --serve="$2:$port" --replay="$work/table.jsonl" --node "$3" -d 1 --no-dataplane \
		2>> "$work/$1.log" &
	agent_pids+=($!)
	echo $! > "$work/$1.pid"
	for _ in $(seq 1 100); do
		curl -sk --max-time 1 "https://$2:$port/healthz" 2>/dev/null | grep -q ok && return 0
		sleep 0.1
	done
	echo "the agent $1 did not start"; cat "$work/$1.log"; exit 99
}
real_agent r1 127.0.0.41 r1
real_agent r2 127.0.0.42 r2
real_agent r3 127.0.0.44 r3
cluster -j -n 1 > "$work/doc.json" 2> "$work/err"
check "real agents: every node ok, each digest its own node's, of the recording" \
	'all(state(n) == "ok" and row(n)["digest"]["node"] == n and row(n)["digest"]["services"] > 0 for n in ("r1", "r2", "r3"))'
check "real agents: r3 through pods/proxy (its InternalIP answers nothing), the others direct" \
	'row("r3")["path"] == "proxy" and row("r1")["path"] == "direct" and row("r2")["path"] == "direct"'
cluster -j -n 1 --context token-viewer > "$work/doc.json" 2> "$work/err"
check "a reader without get nodes/ipvstop: the agents refuse it, and say why" \
	'state("r1") == "forbidden" and state("r2") == "forbidden" and "nodes/ipvstop" in row("r1")["error"] and row("r1")["error"].startswith("not allowed: ")'
check "a reader without get pods/proxy: the API server refuses it, and says why" \
	'row("r3")["path"] == "proxy" and state("r3") == "forbidden" and "pods/proxy" in row("r3")["error"]'
if cat "$work/r1.log" "$work/r2.log" "$work/r3.log" "$work/doc.json" "$work/err" |
	grep -qF -e "$(cat "$work/state/tokens/admin")" -e "$(cat "$work/state/tokens/viewer")"; then
	not_ok "no token in the agents' logs or the view's output"
else
	ok "no token in the agents' logs or the view's output"
fi
stop_agents

# --- 50 nodes, 10 of them hanging: the first document within the timeouts --------------------
specs=() agents=()
"$gen" n-big > "$work/n-big.json"
for i in $(seq 31 80); do
	specs+=("b$i:127.0.0.$i:1")
	if [ "$i" -le 35 ]; then agents+=("127.0.0.$i=hang")
	elif [ "$i" -le 40 ]; then agents+=("127.0.0.$i=tarpit")
	else agents+=("127.0.0.$i=ok:$work/n-big.json"); fi
done
scenario "${specs[@]}"
start_server
start_agents big "${agents[@]}"
t0=$(date +%s.%N)
cluster -j -n 1 --agent-path direct > "$work/doc.json" 2> "$work/err"
t1=$(date +%s.%N)
took=$(python3 -c "print('%.2f' % ($t1 - $t0))")
echo "# 50 nodes, 10 hanging: the first document in $took s"
check "50 nodes, 10 hanging: 40 ok and 10 unreachable, one complete document" \
	'd["complete"] and d["totals"]["nodes"] == 50 and d["totals"]["ok"] == 40 and d["totals"]["unreachable"] == 10'
check "the hanging ones say they did not answer in time" \
	'all("timed out" in r["error"].lower() or "timeout" in r["error"].lower() for r in rows if r["state"] == "unreachable")'
if python3 -c "import sys; sys.exit(0 if $took < 8 else 1)"; then
	ok "the first document within the timeouts ($took s < 8 s: the API's first read + 3 s)"
else
	not_ok "the first document within the timeouts ($took s, wanted < 8 s)" "$work/err"
fi
stop_agents

summary
