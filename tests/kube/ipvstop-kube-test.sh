#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-kube-test.sh: ipvstop against the Kubernetes API test server (the one the real
# kubectl is tested against in kube-test.sh), over an IPVS table that kube-proxy would have
# programmed with one deliberate disagreement per kind of drift (ipvs-from-scenario.py).
# Checks the JSON kube section and labels, cross-checks pods with kubectl, drives the
# dashboard in tmux, and injects API faults (hang, 401, 403, 429, 500, 410) to check that
# ipvstop says what is wrong and never stops answering.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sock="ipvstop-kube-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools kubectl
check() { # check NAME PYTHON-EXPRESSION-OVER-d (the JSON document in $work/doc.json)
	if python3 - "$work/doc.json" "$2" > "$work/check.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
k = d.get("kube") or {}
svcs = d["ipvs"]["services"]
def vs(addr, port, proto="tcp"):
    for s in svcs:
        if s["address"] == addr and s["port"] == port and s["protocol"] == proto:
            return s
    raise AssertionError("no virtual service %s %s:%s" % (proto, addr, port))
def rs(s, addr):
    for x in s["destinations"]:
        if x["address"] == addr:
            return x
    raise AssertionError("no real server %s" % addr)
def node(name):
    return next(n for n in k["proxy"]["nodes"] if n["node"] == name)
ok = eval(sys.argv[2])
if not ok:
    raise AssertionError("false: " + sys.argv[2])
PY
	then ok "$1"; else not_ok "$1" "$work/check.out"; fi
}
control() { python3 "$here/apiserver.py" control --state "$work/state" "$1" > /dev/null; }

cp "$here/scenarios/basic.json" "$work/scenario.json"
start_server
python3 "$here/ipvs-from-scenario.py" "$here/scenarios/basic.json" --drift > "$work/table.jsonl"
run_json() { "$IPVSTOP" -j -n 1 --replay "$work/table.jsonl" --node worker-1 "$@" > "$work/doc.json" 2> "$work/err"; }

# --- the join, through the real path: TLS, paged lists, the join, JSON ------------------
run_json
check "the cluster is read (context, version, synced)" \
	'k["enabled"] and k["synced"] and k["context"] == "ipvstop-test" and k["version"] == "v1.34.1"'
check "ClusterIP virtual service -> its Service and port" \
	'vs("10.96.120.15", 80)["kube"]["service"] == "default/web:http" and vs("10.96.120.15", 80)["kube"]["kind"] == "cluster-ip"'
check "NodePort on this node's address -> its Service" \
	'vs("192.168.122.11", 30080)["kube"]["service"] == "default/api:http" and vs("192.168.122.11", 30080)["kube"]["kind"] == "node-port"'
check "load-balancer ingress -> its Service" \
	'vs("192.168.122.240", 80)["kube"]["kind"] == "load-balancer" and vs("192.168.122.240", 80)["kube"]["name"] == "frontend"'
check "externalIP -> its Service" 'vs("192.168.122.250", 9000)["kube"]["kind"] == "external-ip"'
check "IPv6 ClusterIP of a dual-stack Service" 'vs("fd00:10:96::4040", 80)["kube"]["service"] == "default/dual:http"'
check "a real server -> its pod, node and conditions" \
	'rs(vs("10.96.120.15", 80), "10.244.1.10")["kube"]["node"] == "worker-1" and rs(vs("10.96.120.15", 80), "10.244.1.10")["kube"]["pod"].startswith("default/web-") and rs(vs("10.96.120.15", 80), "10.244.1.10")["kube"]["ready"]'
check "configured mode: ConfigMap mode \"\" means iptables" 'k["proxy"]["configured_mode"] == "iptables" and k["proxy"]["config_mode"] == ""'
check "actual mode per node, from each kube-proxy log" \
	'node("cp-1")["mode"] == "ipvs" and node("worker-1")["mode"] == "ipvs" and node("worker-2")["mode"] == "iptables"'
check "kube-proxy pod health per node" 'node("worker-1")["restarts"] == 2 and node("cp-1")["ready"]'
check "this node is worker-1" 'node("worker-1")["this_node"] and not node("cp-1")["this_node"]'
check "drift: the endpoint the kernel lacks" \
	'[m["endpoint"] for m in k["drift"]["missing_endpoints"]] == ["10.244.2.11:8080"]'
check "drift: the real server no endpoint explains" \
	'{x["real_server"] for x in k["drift"]["unexplained_real_servers"]} == {"10.244.9.99:8080"}'
check "drift: the weight-0 real server, with its pod" \
	'{x["real_server"] for x in k["drift"]["draining"]} == {"10.244.2.22:8080"} and all(x["terminating"] for x in k["drift"]["draining"])'
check "drift: the virtual service no Service explains" 'k["drift"]["unowned_virtual_services"] == ["tcp 10.96.250.250:80"]'
check "drift: the Service without a virtual service" \
	'"monitoring/syslog:syslog" in [u["service"] for u in k["drift"]["services_without_virtual_service"]]'
check "drift: scheduler differs from ipvs.scheduler (\"\" = rr)" \
	'{x["configured"] for x in k["drift"]["scheduler_mismatch"]} == {"rr"} and "tcp 10.96.200.4:80" in [x["virtual_service"] for x in k["drift"]["scheduler_mismatch"]]'
check "drift: sessionAffinity ClientIP without persistence" 'k["drift"]["affinity_mismatch"] == ["tcp 10.96.77.77:9000"]'
check "the virtual services in the kernel that match have no drift mark" 'vs("10.96.40.40", 80)["kube"]["scheduler_mismatch"] is False'

# What kube-proxy was told beside what the kernel has: timeouts and strictARP.
control '{"action":"kube-proxy-config","tcpTimeout":"10m0s","strictARP":true}'
run_json
check "configured tcpTimeout 10m0s against the kernel's 900 s is a mismatch" \
	'k["proxy"]["timeouts"]["tcp"] == {"configured": 600, "kernel": 900, "mismatch": True} and not k["proxy"]["timeouts"]["udp"]["mismatch"]'
check "strictARP is read from config.conf" 'k["proxy"]["strict_arp"] is True'
"$IPVSTOP" -b -n 1 --replay "$work/table.jsonl" --node worker-1 > "$work/batch" 2>&1
grep -q "tcp timeout configured 600s, kernel 900s" "$work/batch" && ok "-b: the timeout mismatch is said" || not_ok "-b: the timeout mismatch is said" "$work/batch"
control '{"action":"kube-proxy-config","tcpTimeout":"0s","strictARP":false}'

# A value longer than ipvstop's field for it: said which, not "the reply could not be read";
# the rest of the cluster is read.
control '{"action":"kube-proxy-config","scheduler":"a-scheduler-name-much-too-long"}'
run_json
check "a ConfigMap scheduler too long to read: said which field" \
	'k["error"] == "kube-proxy ConfigMap: ipvs.scheduler is too long" and k["synced"] and vs("10.96.120.15", 80)["kube"]["service"] == "default/web:http"'
control '{"action":"kube-proxy-config","scheduler":"","mode":"ipvs-with-a-mode-name-too-long"}'
run_json
check "a ConfigMap mode too long to read: said which field" 'k["error"] == "kube-proxy ConfigMap: mode is too long"'
control '{"action":"kube-proxy-config","mode":""}'
run_json
check "the ConfigMap fixed: read again, no error" 'k["error"] is None and k["proxy"]["config_mode"] == ""'

# kubectl, the reference client, sees the same pods behind the same addresses.
kubectl get endpointslices -A -o json > "$work/slices.json" 2>"$work/kubectl.err" || not_ok "kubectl get endpointslices" "$work/kubectl.err"
if python3 - "$work/doc.json" "$work/slices.json" > "$work/check.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); sl = json.load(open(sys.argv[2]))
want = {}
for s in sl["items"]:
    for e in s.get("endpoints") or []:
        ref = e.get("targetRef") or {}
        if ref.get("kind") == "Pod":
            want[e["addresses"][0]] = "%s/%s" % (ref.get("namespace", s["metadata"]["namespace"]), ref["name"])
n = 0
for v in d["ipvs"]["services"]:
    for x in v["destinations"]:
        if x["kube"] and x["kube"]["pod"]:
            assert want.get(x["address"]) == x["kube"]["pod"], (x["address"], x["kube"]["pod"], want.get(x["address"]))
            n += 1
assert n >= 10, n
print(n, "real servers agree with kubectl")
PY
then ok "every pod label agrees with kubectl's EndpointSlices"; else not_ok "every pod label agrees with kubectl's EndpointSlices" "$work/check.out"; fi

# No secret in what ipvstop printed. A secret that cannot be read is a failure of its own:
# looking for nothing (or for an empty string) would pass whatever ipvstop printed.
read_secret() { # read_secret VAR FILE: FILE's contents into VAR, else a failed check
	local v
	if v=$(cat "$2") && [ -n "$v" ]; then
		printf -v "$1" '%s' "$v"
		return 0
	fi
	not_ok "the secret to look for in the output can be read (${2#"$work"/})"
	return 1
}
key_line=$(sed -n 2p "$work/certs/client.key")
if ! read_secret token "$work/state/tokens/ipvstop"; then
	:
elif grep -qF -- "$token" "$work/doc.json" "$work/err"; then
	not_ok "no token in the output"
elif grep -qF -- "$key_line" "$work/doc.json" "$work/err"; then
	not_ok "no key in the output"
else
	ok "no token or key in the output"
fi

# --- batch text -----------------------------------------------------------------------
"$IPVSTOP" -b -n 1 --replay "$work/table.jsonl" --node worker-1 > "$work/batch" 2>&1
grep -q "nodes: cp-1 ipvs, worker-1 ipvs, worker-2 iptables" "$work/batch" && ok "-b: kube-proxy's mode per node" || not_ok "-b: kube-proxy's mode per node" "$work/batch"
grep -qE "10\.96\.250\.250:80 .* \[drift\]" "$work/batch" && ok "-b: a drifting virtual service is marked" || not_ok "-b: a drifting virtual service is marked" "$work/batch"

# --- the dashboard ----------------------------------------------------------------------
T -f /dev/null new-session -d -s k -x 220 -y 50 \
	"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG TERM=screen-256color $IPVSTOP --replay $work/table.jsonl --node worker-1 -d 30; echo EXITED rc=\$?; sleep 30"
wait_for() { for _ in $(seq 1 $(( ${2:-8} * 10 ))); do T capture-pane -p -t k > "$work/screen"; grep -qE -- "$1" "$work/screen" && return 0; sleep 0.1; done; return 1; }
expect() { if wait_for "$2" "${3:-8}"; then ok "$1"; else not_ok "$1 (wanted /$2/)" "$work/screen"; fi; }
expect "dashboard: the cluster in the header" "Kubernetes v1\.34\.1 +context ipvstop-test"
expect "dashboard: kube-proxy per node in the header" "nodes: cp-1 ipvs, worker-1 ipvs, worker-2 iptables"
expect "dashboard: drift counts in the header" "Drift: 1 endpoints missing"
expect "dashboard: the owning Service in its column" "10\.96\.120\.15:80 .*default/web:http"
expect "dashboard: drift rows are marked with !" "10\.96\.250\.250:80 .*! \(no Service\)"
T send-keys -t k d; sleep 0.5
expect "dashboard: d shows only virtual services with drift" "Virtual services with drift: [0-9]+ of 14"
T send-keys -t k d; sleep 0.3
T send-keys -t k / ; T send-keys -t k -l 'default/api'; T send-keys -t k Enter; sleep 0.3
expect "dashboard: / matches the Kubernetes Service name" "Virtual services: 2 of 14 match /default/api/"
T send-keys -t k Enter; sleep 0.3
expect "dashboard: real servers show their pod and node" "10\.244\.1\.20:8080 .*default/api-[a-z0-9-]+ @work"
T send-keys -t k q
expect "dashboard: quits" "EXITED rc=0"

# --- faults -----------------------------------------------------------------------------
# A hung API server: -j still ends, within its --kube-wait, and says it is not synced.
control '{"action":"fault","kind":"hang","pathPrefix":"/api/v1/services","count":100}'
start=$(date +%s)
run_json --kube-wait 3
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -le 8 ] && ok "a hanging API server does not hang -j (took ${elapsed}s)" || not_ok "a hanging API server does not hang -j (took ${elapsed}s)"
check "and the document says the cluster was not read" 'k["enabled"] and not k["synced"]'
# The dashboard keeps answering keys while the server hangs.
T -f /dev/null new-session -d -s h -x 120 -y 40 \
	"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG TERM=screen-256color $IPVSTOP --replay $work/table.jsonl; sleep 30"
sleep 1
t0=$(date +%s%N); T send-keys -t h '?'
answered=0
for _ in $(seq 1 20); do T capture-pane -p -t h | grep -q "ipvstop keys" && { answered=1; break; }; sleep 0.05; done
t1=$(date +%s%N)
[ "$answered" = 1 ] && ok "keys are answered while the API server hangs ($(( (t1 - t0) / 1000000 )) ms)" || not_ok "keys are answered while the API server hangs"
T send-keys -t h x q
control '{"action":"clear-faults"}'
control '{"action":"release"}'

# 403 and 500: said in the document, not a crash, not silence.
control '{"action":"fault","code":403,"pathPrefix":"/api/v1/services","count":100}'
run_json --kube-wait 3
check "403 Forbidden is reported with the server's message" '"403" in (k["error"] or "") and "Forbidden" in (k["error"] or "")'
control '{"action":"clear-faults"}'
control '{"action":"fault","code":500,"pathPrefix":"/apis/discovery.k8s.io/v1/endpointslices","count":100}'
run_json --kube-wait 3
check "500 is reported" '"500" in (k["error"] or "")'
control '{"action":"clear-faults"}'

# 429 with Retry-After once: retried after it, then synced.
control '{"action":"fault","code":429,"retryAfter":1,"pathPrefix":"/api/v1/services","count":1}'
run_json --kube-wait 8
check "429 with Retry-After is retried and the cluster read" 'k["synced"] and k["error"] is None'
control '{"action":"clear-faults"}'

# 401: a bad token, said as such; the token itself never printed.
run_json --context bad-token --kube-wait 3
check "a bad token gives 401 Unauthorized" '"401" in (k["error"] or "")'
# The context's token is written inline in the kubeconfig (apiserver.py), not in tokens/.
awk '$0 == "- name: bad-token" { u = 1 } u && $1 == "token:" { print $2; exit }' \
	"$KUBECONFIG" > "$work/bad-token"
if read_secret bad "$work/bad-token"; then
	grep -qF -- "$bad" "$work/doc.json" "$work/err" && not_ok "the bad token is not printed" || ok "the bad token is not printed"
fi

# 410 Gone on a watch: ipvstop lists again and sees a change made meanwhile. A write it
# does not watch (the ConfigMap) moves the resourceVersion past its Services watch, then the
# history is compacted: its next watch is too old and gets 410.
"$IPVSTOP" -j -n 40 -d 1 --replay "$work/table.jsonl" --node worker-1 > "$work/stream.jsonl" 2>&1 &
jpid=$!
sleep 2
control '{"action":"kube-proxy-config","tcpTimeout":"0s"}'
control '{"action":"compact"}'
control '{"action":"apply","object":{"apiVersion":"v1","kind":"Service","metadata":{"name":"late","namespace":"default"},"spec":{"type":"ClusterIP","clusterIP":"10.96.250.250","ports":[{"name":"http","port":80,"targetPort":80}]}}}'
control '{"action":"drop-watches"}'
# Bounded, and not a fixed sleep: a loaded machine (CI runs the VM tests beside this) is slow.
for _ in $(seq 1 30); do
	tail -1 "$work/stream.jsonl" | grep -q '"default/late:http"' && break
	sleep 1
done
kill "$jpid" 2>/dev/null
wait "$jpid" 2>/dev/null
tail -1 "$work/stream.jsonl" > "$work/doc.json"
check "after 410 Gone the list is read again: a Service added meanwhile owns its virtual service" \
	'vs("10.96.250.250", 80)["kube"] and vs("10.96.250.250", 80)["kube"]["service"] == "default/late:http"'
lists=$(grep -c '"path": *"/api/v1/services".*"query": *{"limit"' "$work/state/requests.jsonl" || true)
[ "${lists:-0}" -ge 2 ] && ok "the relist shows in the server's request log" || not_ok "the relist shows in the server's request log ($lists lists)"

# A re-watch that the server accepts and never answers is noticed within the header timeout
# (15 s), not after the long idle timeout watches need for their bookmarks.
control '{"action":"clear-faults"}'
"$IPVSTOP" -j -n 60 -d 1 --replay "$work/table.jsonl" --node worker-1 > "$work/stream.jsonl" 2>&1 &
jpid=$!
sleep 3
control '{"action":"fault","kind":"hang","watch":true,"pathPrefix":"/api/v1/services","count":100}'
control '{"action":"drop-watches"}'
t0=$(date +%s)
for _ in $(seq 1 45); do
	tail -1 "$work/stream.jsonl" | grep -q 'no response from the API server' && break
	sleep 1
done
waited=$(( $(date +%s) - t0 ))
kill "$jpid" 2>/dev/null
wait "$jpid" 2>/dev/null
tail -1 "$work/stream.jsonl" > "$work/doc.json"
echo "# the hung watch was reported after ${waited}s (header timeout 15 s)"
check "a hung re-watch is reported within seconds" '"no response from the API server" in (k["error"] or "")'
control '{"action":"clear-faults"}'
control '{"action":"release"}'

summary
