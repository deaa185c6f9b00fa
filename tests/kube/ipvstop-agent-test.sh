#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-agent-test.sh: ipvstop --serve through the real path, on this host. The agent
# serves a recorded IPVS table (ipvs-from-scenario.py --drift on basic.json: no IPVS in
# this kernel; tests/vm/vm-cluster-test.sh serves real kernels) and checks every reader with
# the API test server's TokenReview and SubjectAccessReview (scenario agents.json, RBAC
# from deploy/ipvstop-reader.yaml applied with the real kubectl). Checks: who may read
# (allowed, no RBAC permission, expired, malformed, none), the documents against the
# recording and -j, /metrics with Prometheus' promtool, hostile clients
# (agent-hostile.py), the API server going away (cached answers, 503 for the rest, no
# hang), the options that may not go with --serve, a mode switch (--proxy-mode nftables) read
# back from the agent, and that no token is printed anywhere.
# In a network namespace of its own (root, unshare -n): its loopback addresses are free.
# Run it alone: IPVSTOP=$PWD/ipvstop bash tests/kube/ipvstop-agent-test.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${IPVSTOP_AGENT_NETNS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "ipvstop-agent-test: needs root (a network namespace)"; exit 99; }
	unshare -n true 2>/dev/null || { echo "ipvstop-agent-test: unshare -n does not work here"; exit 99; }
	exec env IPVSTOP_AGENT_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up || { echo "ipvstop-agent-test: no loopback in the namespace"; exit 99; }
sock="ipvstop-agent-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools curl kubectl promtool openssl nft
agent_pid=""
trap 'cleanup; [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null' EXIT
ADDR=127.0.0.11
PORT=9774
URL="https://$ADDR:$PORT"

# basic.json's cluster (its Services explain the recorded table), with an agent on worker-1
# and agents.json's readers: tokens and service accounts.
python3 - "$here/scenarios/basic.json" "$here/scenarios/agents.json" > "$work/scenario.json" <<'EOF'
import json, sys
basic, agents = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for n in basic["nodes"]:
    if n["name"] == "worker-1":
        n["agent"] = {"podIP": "127.0.0.11"}
names = {t["name"] for t in agents["tokens"]}
basic["tokens"] = [t for t in basic["tokens"] if t["name"] not in names] + agents["tokens"]
basic["objects"] = basic.get("objects", []) + agents.get("objects", [])
json.dump(basic, sys.stdout)
EOF
start_server
python3 "$here/ipvs-from-scenario.py" "$here/scenarios/basic.json" --drift > "$work/table.jsonl" ||
	{ echo "ipvs-from-scenario.py failed"; exit 99; }
kubectl apply -f "$here/../../deploy/ipvstop-reader.yaml" > "$work/apply.out" 2>&1 ||
	{ echo "kubectl apply of deploy/ipvstop-reader.yaml failed"; cat "$work/apply.out"; exit 99; }
tok() { cat "$work/state/tokens/$1"; }

# agent ARGS...: ipvstop --serve on $URL (the recording, node worker-1), its stderr in agent.log.
agent() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	"$IPVSTOP" --serve="$ADDR:$PORT" --replay="$work/table.jsonl" --node worker-1 -d 1 \
		--no-dataplane "$@" 2>> "$work/agent.log" &
	agent_pid=$!
	for _ in $(seq 1 100); do
		curl -sk --max-time 1 "$URL/healthz" 2>/dev/null | grep -q ok && return 0
		sleep 0.1
	done
	echo "the agent did not start"; cat "$work/agent.log"; exit 99
}
# get NAME TOKEN PATH [HEADER]: the status code into $code, the body into $work/NAME.
get() {
	local h=${4:-Authorization}
	code=$(curl -sk --max-time 20 -o "$work/$1" -w '%{http_code}' \
		${2:+-H "$h: Bearer $2"} "$URL$3")
}
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

# ---- options that may not go with --serve
"$IPVSTOP" --serve=:$PORT --no-kube > "$work/nokube.out" 2>&1
check "--serve with --no-kube is refused: readers could not be checked" \
	'[ $? = 1 ] && grep -q "TokenReview" "$work/nokube.out"' "$work/nokube.out"
"$IPVSTOP" --serve=:$PORT --proxy-mode ipvs > "$work/acts.out" 2>&1
check "--serve with an action is refused (read-only)" \
	'[ $? = 2 ] && grep -q "read-only" "$work/acts.out"' "$work/acts.out"
"$IPVSTOP" --serve=nonsense:port --replay="$work/table.jsonl" > "$work/addr.out" 2>&1
check "a bad --serve address is said" '[ $? = 1 ] && grep -q "ADDRESS:\]PORT" "$work/addr.out"' \
	"$work/addr.out"

# ---- a self-signed agent
agent
fp=$(sed -n 's/.*certificate SHA-256 \([0-9A-F:]*\).*/\1/p' "$work/agent.log" | tail -n 1)
served=$(openssl s_client -connect "$ADDR:$PORT" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//')
check "the log names the served certificate's SHA-256 ($served)" '[ -n "$fp" ] && [ "$fp" = "$served" ]' \
	"$work/agent.log"

get health "" /healthz
check "/healthz answers without a token" '[ "$code" = 200 ] && grep -q ok "$work/health"'
get none "" /snapshot
check "/snapshot without a token: 401" '[ "$code" = 401 ]' "$work/none"
get viewer "$(tok viewer)" /snapshot
check "a token without get nodes/ipvstop: 403 naming the user" \
	'[ "$code" = 403 ] && grep -q "system:serviceaccount:default:viewer may not get nodes/ipvstop of node worker-1" "$work/viewer"' \
	"$work/viewer"
get expired "$(tok expired)" /metrics
check "an expired token: 401" '[ "$code" = 401 ] && grep -q "not valid" "$work/expired"' "$work/expired"
get bad 'a"b{}' /snapshot
check "a malformed token: 401, not sent on" '[ "$code" = 401 ] && grep -q malformed "$work/bad"' "$work/bad"
get nothere "$(tok reader)" /nothere
check "an unknown path: 404" '[ "$code" = 404 ]' "$work/nothere"
code=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' -X POST -d x "$URL/snapshot")
check "POST: 405" '[ "$code" = 405 ]'

# ---- the documents
get snap "$(tok reader)" /snapshot
check "/snapshot for a reader (group ipvstop-readers): 200" '[ "$code" = 200 ]' "$work/snap"
python3 - "$work/snap" "$work/table.jsonl" > "$work/snap.check" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
last = [json.loads(l) for l in open(sys.argv[2]) if l.strip()][-1]
key = lambda s: (s["protocol"], s["address"], s["port"], s["fwmark"])
want = {key(s): sorted((d["address"], d["port"], d["weight"]) for d in s["destinations"])
        for s in last["ipvs"]["services"]}
got = {key(s): sorted((d["address"], d["port"], d["weight"]) for d in s["destinations"])
       for s in doc["ipvs"]["services"]}
assert doc["schema"] == 1, doc["schema"]
assert got == want, "services differ from the recording"
assert doc["kube"]["enabled"] and doc["kube"]["drift"], "no kube drift section"
print("ok", len(got), "services")
EOF
check "/snapshot is the recording's table, joined with the cluster" '[ $? = 0 ]' "$work/snap.check"

get sum "$(tok prometheus)" '/snapshot?summary=1'
python3 - "$work/sum" "$work/snap" > "$work/sum.check" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
full = json.load(open(sys.argv[2]))
drift = full["kube"]["drift"]
assert d["kind"] == "ipvstop-digest" and d["node"] == "worker-1", (d["kind"], d["node"])
assert d["services"] == len(full["ipvs"]["services"]), (d["services"], len(full["ipvs"]["services"]))
assert d["real_servers"] == sum(len(s["destinations"]) for s in full["ipvs"]["services"]), d["real_servers"]
assert d["drift_missing"] == len(drift["missing_endpoints"]), (d["drift_missing"], len(drift["missing_endpoints"]))
assert d["drift_unowned"] == len(drift["unowned_virtual_services"]), (d["drift_unowned"], len(drift["unowned_virtual_services"]))
assert d["drift_missing"] > 0 and d["drift_unowned"] > 0
print("ok")
EOF
check "/snapshot?summary=1 (prometheus' service account): the digest agrees with /snapshot" \
	'[ $? = 0 ] && [ "$code" = 200 ]' "$work/sum.check"

get metrics "$(tok prometheus)" /metrics
check "/metrics passes promtool check metrics" \
	'[ "$code" = 200 ] && promtool check metrics < "$work/metrics" > "$work/promtool.out" 2>&1' \
	"$work/promtool.out"

# ---- client certificates, as kubeadm's admin.conf has (verified against the cluster's CA)
cert_get() { code=$(curl -sk --max-time 20 -o "$work/$1" -w '%{http_code}' --cert "$2" --key "$3" "$URL/snapshot?summary=1"); }
cert_get admin-cert "$work/certs/client.crt" "$work/certs/client.key"
check "the admin kubeconfig's client certificate (O=system:masters): 200" '[ "$code" = 200 ]' \
	"$work/admin-cert"
cert_get viewer-cert "$work/certs/viewer.crt" "$work/certs/viewer.key"
check "a client certificate without the permission: 403" '[ "$code" = 403 ]' "$work/viewer-cert"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=mallory/O=system:masters" -keyout "$work/mallory.key" -out "$work/mallory.crt" 2>/dev/null
cert_get mallory "$work/mallory.crt" "$work/mallory.key"
check "a self-signed certificate claiming system:masters: 401" \
	'[ "$code" = 401 ] && grep -q "certificate authority" "$work/mallory"' "$work/mallory"

# ---- the API server goes away: cached answers stand, others get 503 in time, no hang
kill -STOP "$server_pid"
t0=$(date +%s.%N)
get cached "$(tok reader)" /snapshot
check "the API server hung: a reader allowed a moment ago is still served (cache)" '[ "$code" = 200 ]'
get hung "$(tok agent)" /snapshot
took=$(echo "$(date +%s.%N) - $t0" | bc)
check "the API server hung: a new token gets 503 within the review's 5 s limit (${took} s)" \
	'[ "$code" = 503 ] && grep -q "did not answer" "$work/hung" && [ "$(echo "$took < 8" | bc)" = 1 ]' \
	"$work/hung"
get health2 "" /healthz
check "the API server hung: /healthz still answers" '[ "$code" = 200 ]'
kill -CONT "$server_pid"

# ---- tokens made for the agents (kubectl create token --audience ipvstop)
get aud-admin "$(tok reader-ipvstop)" /snapshot
check "an agent on a client certificate cannot learn the API server's audience: an ipvstop-audience token gets 401" \
	'[ "$code" = 401 ]' "$work/aud-admin"
check "... and its log says why" 'grep -q "tokens for the audience ipvstop are not taken" "$work/agent.log"' \
	"$work/agent.log"
kubectl apply -f "$here/../../deploy/ipvstop-agent.yaml" > "$work/apply-agent.out" 2>&1 ||
	{ echo "kubectl apply of deploy/ipvstop-agent.yaml failed"; cat "$work/apply-agent.out"; exit 99; }
agent --context token-agent
get aud "$(tok reader-ipvstop)" /snapshot
check "the agent on its service account's token: a reader's token for the audience ipvstop is taken" \
	'[ "$code" = 200 ]' "$work/aud"
get aud-plain "$(tok reader)" /snapshot
check "... and so is an ordinary token of the API server's audience" '[ "$code" = 200 ]' "$work/aud-plain"
agent --context token-agent --token-audience=
get aud-off "$(tok reader-ipvstop)" /snapshot
check "--token-audience= (none): the ipvstop-audience token gets 401" '[ "$code" = 401 ]' "$work/aud-off"
agent

# ---- hostile clients, each while another client is served
for c in slowloris bigheader garbage flood; do
	timeout 60 python3 "$here/agent-hostile.py" "$ADDR" "$PORT" "$c" > "$work/hostile-$c.out" 2>&1
	check "hostile client: $c ($(grep -c '^ok' "$work/hostile-$c.out") checks)" '[ $? = 0 ]' \
		"$work/hostile-$c.out"
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$agent_pid/status")
check "the agent's peak memory after them: ${rss} KiB (< 65536)" '[ "$rss" -lt 65536 ]'

# ---- a certificate of the operator's
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=worker-1 \
	-keyout "$work/agent.key" -out "$work/agent.crt" 2>/dev/null
agent --tls-cert="$work/agent.crt" --tls-key="$work/agent.key"
served=$(openssl s_client -connect "$ADDR:$PORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)
mine=$(openssl x509 -in "$work/agent.crt" -noout -fingerprint -sha256)
check "--tls-cert/--tls-key: that certificate is served" '[ "$served" = "$mine" ]'
curl -s --max-time 5 --cacert "$work/agent.crt" --resolve "worker-1:$PORT:$ADDR" "https://worker-1:$PORT/healthz" \
	> "$work/verified" 2>&1
check "a client verifying it against that certificate connects" 'grep -q ok "$work/verified"' \
	"$work/verified"
"$IPVSTOP" --serve="$ADDR:9775" --replay="$work/table.jsonl" --tls-cert="$work/agent.crt" \
	> "$work/halfpair.out" 2>&1
check "--tls-cert without --tls-key is refused" '[ $? = 1 ] && grep -q "go together" "$work/halfpair.out"' \
	"$work/halfpair.out"

# ---- a mode switch read back from the agent: worker-1 becomes an nftables node (kube-proxy's
# rules for it loaded in this namespace), its agent reads them live; --proxy-mode asks it.
# (From what the API test server serves, as ipvstop-mode-test.sh does: its Services include
# the ones it adds to a scenario's.)
kubectl get svc -A -o json > "$work/svc.json" && kubectl get endpointslices -A -o json > "$work/eps.json" &&
	kubectl get nodes -o json > "$work/nodes.json" &&
	python3 "$here/../dataplane/scenario-from-api.py" "$work/svc.json" "$work/eps.json" \
		"$work/nodes.json" "$work/rules-sc.json" &&
	python3 "$here/../dataplane/gen-kube-nft.py" "$work/rules-sc.json" --node worker-1 > "$work/rules.nft" &&
	nft -f "$work/rules.nft" || { echo "the nftables rules could not be loaded"; exit 99; }
[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
"$IPVSTOP" --serve="$ADDR:$PORT" --node worker-1 -d 1 2>> "$work/agent.log" &
agent_pid=$!
timeout 150 "$IPVSTOP" --node worker-1 --proxy-mode nftables --yes --force --dataplane-wait 45 \
	> "$work/switch.out" 2>&1
src=$?
check "--proxy-mode nftables: worker-1's agent says its node runs nftables, with its rules (status $src)" \
	'[ "$src" = 0 ] && grep -q "^Node worker-1, from its agent: runs nftables: nftables has [1-9][0-9]* frontends" "$work/switch.out"' \
	"$work/switch.out"
check "... every agent said so" 'grep -q "Every agent (1) says its node runs nftables" "$work/switch.out"' \
	"$work/switch.out"

# ---- no secret anywhere
leaked=0
for f in "$work/state/tokens/"*; do
	t=$(cat "$f")
	grep -rqF -- "$t" "$work/agent.log" "$work"/*.out "$work/state/requests.jsonl" 2>/dev/null &&
		leaked=1
done
grep -q 'PRIVATE KEY' "$work/agent.log" && leaked=1
check "no token or key in the agent's log, the outputs or the API server's request log" \
	'[ "$leaked" = 0 ]'

summary
