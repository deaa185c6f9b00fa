#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kube-test.sh: runs the real kubectl against the API server double (apiserver.py) and
# checks what kubectl prints and what the server saw (requests.jsonl). If kubectl accepts
# the double, ipvstop's tests can trust it to look like a real API server.
# Exit 0 pass, 1 fail, 77 skip (no kubectl/openssl/python3), 99 hard error.
set -u
here=$(cd "$(dirname "$0")" && pwd)
for tool in kubectl openssl python3 timeout; do
	# A missing kubectl must not pass for a green run: it is a hard error unless the caller
	# says, knowingly, that this machine has none (then a loud skip).
	command -v "$tool" >/dev/null || {
		echo "kube-test: $tool is missing: the API test server cannot be checked against the real client"
		[ "${IPVSTOP_ALLOW_NO_KUBECTL:-0}" = 1 ] && { echo "kube-test: SKIPPED (IPVSTOP_ALLOW_NO_KUBECTL=1)"; exit 77; }
		exit 99
	}
done

work=$(mktemp -d)
state=$work/state
server_pid=
bg_pids=()
cleanup() {
	local p
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
ok_note() { echo "${KUBE_TEST_TIMES:+ [$(($(date +%s%N) / 1000000 - t0ms)) ms]}"; }
not_ok_details() {
	if [ -s "$work/out" ]; then echo "---- output ----"; head -40 "$work/out"; echo "----------------"; fi
}
hard_error() {
	echo "kube-test: $1"; [ -f "$work/server.log" ] && cat "$work/server.log"
	echo "$passed passed, $((failed + 1)) failed"; exit 99
}

# K ARGS...: kubectl with a bound; output (stdout+stderr) in $work/out, status in $rc.
K() { timeout 30 kubectl "$@" >"$work/out" 2>&1; rc=$?; }
# expect NAME PATTERN: the last K printed PATTERN (grep -E) and succeeded.
expect() {
	if [ "$rc" -eq 0 ] && grep -qE -- "$2" "$work/out"; then ok "$1"; else not_ok "$1 (rc=$rc, wanted /$2/)"; fi
}
# expect_fail NAME PATTERN: the last K failed and printed PATTERN.
expect_fail() {
	if [ "$rc" -ne 0 ] && grep -qE -- "$2" "$work/out"; then ok "$1"; else not_ok "$1 (rc=$rc, wanted failure and /$2/)"; fi
}
# api_control JSON: send a control action, print the answer (curl if there is one: a
# python3 start costs a third of a second here).
use_curl=
curl --fail-with-body --version >/dev/null 2>&1 && use_curl=1   # curl >= 7.76
api_control() {
	if [ -n "$use_curl" ]; then
		curl -sS --fail-with-body --max-time 20 --cacert "$KUBE_CA" -H 'Content-Type: application/json' \
			--data-binary "$1" "$KUBE_CONTROL_URL"
	else
		python3 "$here/apiserver.py" control --state "$state" "$1"
	fi
}
# control JSON: a control action (faults, changes); a failure here is a hard error.
control() { api_control "$1" >"$work/control.out" 2>&1 || hard_error "control $1: $(cat "$work/control.out")"; }
# seen MARK MATCH: how many requests after line MARK of requests.jsonl match MATCH, a JSON
# object of "dotted.path": value (true/false: present or not; {"re": ...}: a regex).
seen() {
	api_control "{\"action\":\"requests\",\"since\":$1,\"match\":$2}" |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}
mark() { wc -l <"$state/requests.jsonl"; }
# expect_seen NAME MARK MATCH [MIN [MAX]]: between MIN and MAX requests matched.
expect_seen() {
	local n; n=$(seen "$2" "$3")
	if [ -n "$n" ] && [ "$n" -ge "${4:-1}" ] && [ "$n" -le "${5:-100000}" ]; then ok "$1"
	else not_ok "$1 ($n requests matched $3, wanted ${4:-1}..${5:-any})"; fi
}
# raw_check NAME URL PYTHON: kubectl get --raw URL, then the Python expression over d (the
# parsed JSON) must be true.
raw_check() {
	K get --raw "$2"
	if [ "$rc" -eq 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$work/out" "$3" 2>>"$work/out"; then ok "$1"; else not_ok "$1 (wanted $3)"; fi
}

t0=$(date +%s)
t0ms=$(($(date +%s%N) / 1000000))
python3 "$here/apiserver.py" --state "$state" --port 0 --cert-dir "$work/certs" \
	--scenario "$here/scenarios/basic.json" --bookmark-interval 0.5 --key-type ec >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do
	[ -f "$state/ready.json" ] && break
	kill -0 "$server_pid" 2>/dev/null || hard_error "the server exited"
	sleep 0.1
done
[ -f "$state/ready.json" ] || hard_error "the server did not get ready in 20 s"
. "$state/ready.env"
export HOME=$work/home KUBECONFIG=$state/kubeconfig
unset KUBECTL_EXTERNAL_DIFF

# --- reads -----------------------------------------------------------------------------
K version
expect "kubectl version shows the server's version" "Server Version: v1\.34\.1"

K get nodes -o wide
expect "kubectl get nodes: three nodes, the control plane marked" \
	"^cp-1 +Ready +control-plane .*192\.168\.122\.10"
[ "$(grep -cE '^(cp-1|worker-1|worker-2) +Ready' "$work/out")" -eq 3 ] && ok "all three nodes Ready" ||
	not_ok "all three nodes Ready"

K -n kube-system get cm kube-proxy -o 'jsonpath={.data.config\.conf}'
expect "config.conf is kubeadm's KubeProxyConfiguration with mode \"\"" '^mode: ""$'
grep -qE '^kind: KubeProxyConfiguration$' "$work/out" && grep -qE '^  scheduler: ""$' "$work/out" &&
	grep -qE '^  strictARP: false$' "$work/out" && ok "config.conf has ipvs.scheduler and strictARP" ||
	not_ok "config.conf has ipvs.scheduler and strictARP"

K get endpointslices -A
cp "$work/out" "$work/slices-one-page"
expect "kubectl get endpointslices -A" "^default +web-[a-z0-9]{5} +IPv4 +8080 +10\.244\.1\.10,10\.244\.2\.11,10\.244\.2\.12"
grep -qE '^default +dual-[a-z0-9]{5} +IPv6 ' "$work/out" && grep -qE '^monitoring +syslog-[a-z0-9]{5} .*<unset>' "$work/out" &&
	ok "dual-stack slice and an empty slice" || not_ok "dual-stack slice and an empty slice"

m=$(mark)
K get endpointslices -A --chunk-size=2
if [ "$rc" -eq 0 ] && diff <(sed 's/  *[0-9]*[smhd]$//' "$work/slices-one-page") <(sed 's/  *[0-9]*[smhd]$//' "$work/out") >/dev/null; then
	ok "--chunk-size=2 lists the same slices"
else not_ok "--chunk-size=2 lists the same slices"; fi
expect_seen "paging: the server saw limit=2 and continue tokens" "$m" \
	'{"path":"/apis/discovery.k8s.io/v1/endpointslices","query.limit":"2","query.continue":true}' 4

K get svc -A -o wide
expect "kubectl get svc -A -o wide: LoadBalancer" \
	"^default +frontend +LoadBalancer +10\.96\.200\.4 +192\.168\.122\.240 +80:31080/TCP,443:31443/TCP .* app=frontend"
grep -qE '^default +external-db +ExternalName +<none> +db\.example\.com' "$work/out" &&
	grep -qE '^default +db +ClusterIP +None ' "$work/out" &&
	grep -qE '^default +sticky +ClusterIP +10\.96\.77\.77 +192\.168\.122\.250 ' "$work/out" &&
	grep -qE '^monitoring +syslog +NodePort .* 514:30514/UDP' "$work/out" &&
	ok "ExternalName, headless, externalIPs, UDP NodePort" || not_ok "ExternalName, headless, externalIPs, UDP NodePort"

raw_check "endpoint conditions: ready, terminating but serving, terminating" \
	'/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dapi' \
	'sorted((e["addresses"][0], e["conditions"]["ready"], e["conditions"]["serving"], e["conditions"]["terminating"]) for s in d["items"] for e in s["endpoints"]) == [("10.244.1.20", True, True, False), ("10.244.1.21", False, True, True), ("10.244.2.22", False, False, True)] and all(e["targetRef"]["kind"] == "Pod" and e["nodeName"] for s in d["items"] for e in s["endpoints"])'
raw_check "session affinity, dual stack, LoadBalancer status as the API has them" '/api/v1/namespaces/default/services' \
	'{s["metadata"]["name"]: s for s in d["items"]}["sticky"]["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] == 600 and {s["metadata"]["name"]: s for s in d["items"]}["dual"]["spec"]["clusterIPs"] == ["10.96.40.40", "fd00:10:96::4040"] and {s["metadata"]["name"]: s for s in d["items"]}["frontend"]["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.168.122.240" and "kind" not in d["items"][0]'

K -n kube-system get pods -l k8s-app=kube-proxy --field-selector spec.nodeName=worker-1 -o name
expect "pods by label and field selector (spec.nodeName)" "^pod/kube-proxy-[a-z0-9]{5}$"
[ "$(wc -l <"$work/out")" -eq 1 ] && ok "exactly one kube-proxy pod on worker-1" || not_ok "exactly one kube-proxy pod on worker-1"
kp_w1=$(sed 's|^pod/||' "$work/out")
K -n kube-system get pods -l k8s-app=kube-proxy -o wide --no-headers
kp_w2=$(awk '$7 == "worker-2" {print $1}' "$work/out")
K -n kube-system logs -l k8s-app=kube-proxy --tail=-1 --prefix
grep -E "^\[pod/$kp_w1/kube-proxy\] " "$work/out" >"$work/log-w1"
grep -E "^\[pod/$kp_w2/kube-proxy\] " "$work/out" >"$work/log-w2"
grep -qE '\] I[0-9]{4} [0-9:.]{15} +1 server_linux\.go:[0-9]+\] "Using ipvs Proxier"$' "$work/log-w1" &&
	ok "kubectl logs: worker-1's kube-proxy still runs ipvs" || not_ok "kubectl logs: worker-1's kube-proxy still runs ipvs"
grep -q '"Using iptables Proxier"' "$work/log-w2" && grep -q '"Using iptables proxy"' "$work/log-w2" &&
	ok "kubectl logs: worker-2's kube-proxy runs iptables (config mode \"\")" ||
	not_ok "kubectl logs: worker-2's kube-proxy runs iptables (config mode \"\")"
m=$(mark)
K -n kube-system logs "$kp_w2" --tail=1 -c kube-proxy
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$work/out")" -eq 1 ]; then ok "logs --tail=1 prints one line"; else not_ok "logs --tail=1 prints one line"; fi
expect_seen "the server saw tailLines=1 and container=kube-proxy" "$m" \
	'{"path":{"re":"/log$"},"query.tailLines":"1","query.container":"kube-proxy"}'

K get svc nope
expect_fail "a missing object is NotFound" 'Error from server \(NotFound\): services "nope" not found'
K -n kube-system get pods --field-selector spec.bogus=x
expect_fail "an unsupported field selector is a BadRequest" 'field label not supported: spec\.bogus'

# A watch runs in the background while the next checks go on; its output is checked later.
(timeout 10 kubectl get svc -A -w --request-timeout=3s >"$work/watch.out" 2>&1; echo "rc=$?" >>"$work/watch.out") &
watch_pid=$!
bg_pids+=("$watch_pid")
for _ in $(seq 1 50); do
	n=$(seen 0 '{"path":"/api/v1/services","query.watch":"true"}'); [ "${n:-0}" -ge 1 ] && break
	sleep 0.1
done
control '{"action":"service","metadata":{"name":"late","namespace":"default"},"spec":{"ports":[{"port":81,"targetPort":8081}],"selector":{"app":"late"}},"endpoints":[{"ip":"10.244.1.99","node":"worker-1"}]}'

# --- RBAC and authentication -----------------------------------------------------------
K auth can-i patch daemonsets -n kube-system
expect "auth can-i patch daemonsets (client cert, system:masters)" "^yes$"
expect_seen "can-i sent a SelfSubjectAccessReview" 0 \
	'{"path":"/apis/authorization.k8s.io/v1/selfsubjectaccessreviews","review.resource":"daemonsets","review.allowed":true}'
K --context token auth can-i patch daemonsets/kube-proxy -n kube-system
expect "auth can-i with the ipvstop token: patch daemonsets/kube-proxy" "^yes$"
K --context token auth can-i patch daemonsets -n kube-system
expect_fail "resourceNames rules do not allow unnamed requests" "^no$"
K --context token-viewer auth can-i patch daemonsets/kube-proxy -n kube-system
expect_fail "the viewer token may not patch" "^no$"

m=$(mark)
K --context token get svc -n default
expect "a token context works (kubectl get svc)" "^web +ClusterIP +10\.96\.120\.15 "
expect_seen "the server authenticated the bearer token" "$m" \
	'{"auth.kind":"token:ipvstop","path":"/api/v1/namespaces/default/services"}'
K --context token-viewer -n kube-system rollout restart ds/kube-proxy
expect_fail "RBAC: the viewer is Forbidden to restart kube-proxy" \
	'daemonsets.apps "kube-proxy" is forbidden: User "system:serviceaccount:default:viewer" cannot patch resource "daemonsets" in API group "apps" in the namespace "kube-system"'
m=$(mark)
K --context bad-token get svc
expect_fail "a bad token: kubectl reports Unauthorized" "You must be logged in to the server \(Unauthorized\)"
expect_seen "the server answered 401" "$m" '{"status":401}'
K --context token-expired get svc
expect_fail "an expired token: Unauthorized" "Unauthorized"

# --- writes ----------------------------------------------------------------------------
K -n kube-system get cm kube-proxy -o yaml
cp "$work/out" "$work/cm-old.yaml"
control '{"action":"touch","resource":"configmaps","namespace":"kube-system","name":"kube-proxy"}'
m=$(mark)
K replace -f "$work/cm-old.yaml"
expect_fail "replace with a stale resourceVersion is a Conflict" \
	'Error from server \(Conflict\).*Operation cannot be fulfilled on configmaps "kube-proxy": the object has been modified'
expect_seen "the server answered the stale PUT with 409" "$m" '{"method":"PUT","status":409}'
K -n kube-system get cm kube-proxy -o yaml
sed 's/^\( *\)scheduler: ""$/\1scheduler: lc/' "$work/out" >"$work/cm-new.yaml"
m=$(mark)
K replace -f "$work/cm-new.yaml"
expect "replace with the current resourceVersion works" "configmap/kube-proxy replaced"
expect_seen "the PUT carried metadata.resourceVersion and fieldValidation=Strict" "$m" \
	'{"method":"PUT","status":200,"body.metadata.resourceVersion":true,"query.fieldValidation":"Strict"}'
K -n kube-system get cm kube-proxy -o 'jsonpath={.data.config\.conf}'
expect "the new config.conf is stored" '^  scheduler: lc$'

m=$(mark)
K -n kube-system patch cm kube-proxy --dry-run=server -p '{"data":{"dry":"run"}}'
expect "patch --dry-run=server is answered" "configmap/kube-proxy patched"
K -n kube-system get cm kube-proxy -o 'jsonpath={.data.dry}'
if [ "$rc" -eq 0 ] && [ ! -s "$work/out" ]; then ok "dryRun=All did not store"; else not_ok "dryRun=All did not store"; fi
expect_seen "the server saw dryRun=All" "$m" '{"query.dryRun":"All"}'

m=$(mark)
control '{"action":"pause-rollout","paused":true}'
K -n kube-system rollout restart ds/kube-proxy
expect "kubectl rollout restart ds/kube-proxy" "daemonset.apps/kube-proxy restarted"
expect_seen "rollout restart sent a strategic merge patch as kubectl-rollout" "$m" \
	'{"method":"PATCH","headers.Content-Type":"application/strategic-merge-patch+json","query.fieldManager":"kubectl-rollout","body.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt":{"re":"^20[0-9-]+T"}}'
K -n kube-system get ds kube-proxy -o 'jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}'
expect "the restartedAt annotation is stored" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
K -n kube-system rollout status ds/kube-proxy --timeout=1s
expect_fail "rollout status waits while the (paused) controller has not seen the change" \
	'Waiting for daemon set spec update to be observed'
control '{"action":"pause-rollout","paused":false}'
K -n kube-system rollout status ds/kube-proxy --timeout=20s
expect "rollout status follows the simulated rollout to the end" 'daemon set "kube-proxy" successfully rolled out'
K -n kube-system logs -l k8s-app=kube-proxy --tail=-1 --prefix
if [ "$rc" -eq 0 ] && [ "$(grep -c 'Proxier"$' "$work/out")" -eq 3 ] &&
	[ "$(grep -c '"Using iptables Proxier"$' "$work/out")" -eq 3 ] &&
	! grep -qE "pod/($kp_w1|$kp_w2)/" "$work/out"; then
	ok "three new kube-proxy pods, each running the ConfigMap's mode"
else not_ok "three new kube-proxy pods, each running the ConfigMap's mode"; fi

# --- watches ---------------------------------------------------------------------------
wait "$watch_pid"
cp "$work/watch.out" "$work/out"
grep -qE '^default +late +ClusterIP +10\.96\.[0-9.]+ +<none> +81/TCP' "$work/out" &&
	ok "kubectl get svc -A -w streams a Service added after the list" ||
	not_ok "kubectl get svc -A -w streams a Service added after the list"

rv=$(kubectl get --raw '/api/v1/services?limit=1' | grep -o '"resourceVersion":"[0-9]*"' | head -1 | tr -dc 0-9)
K get --raw "/api/v1/services?watch=1&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=1"
expect "a raw watch with allowWatchBookmarks gets BOOKMARK events" \
	"^\{\"type\":\"BOOKMARK\",\"object\":\{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":\{\"resourceVersion\":\"$rv\""
control '{"action":"compact"}'
K get --raw "/api/v1/services?watch=1&resourceVersion=$((rv - 3))"
expect "a watch from before the compaction gets 410 Expired as an ERROR event" \
	'^\{"type":"ERROR","object":\{"kind":"Status","apiVersion":"v1","metadata":\{\},"status":"Failure","message":"too old resource version: [0-9]+ \([0-9]+\)","reason":"Expired","code":410\}\}$'

# --- kube-proxy pods: deleted one by one, crash-looping where ipvs cannot work --------
K -n kube-system get pods -l k8s-app=kube-proxy --field-selector spec.nodeName=worker-1 -o name
old_pod=$(sed 's|^pod/||' "$work/out")
K -n kube-system delete pod "$old_pod"
expect "kubectl delete pod (the seed's restart, pod by pod)" "pod \"$old_pod\" deleted"
for _ in $(seq 1 30); do
	K -n kube-system get pods -l k8s-app=kube-proxy --field-selector spec.nodeName=worker-1 --no-headers
	grep -qE '^kube-proxy-[a-z0-9]{5} +1/1 +Running +0 ' "$work/out" && ! grep -q "$old_pod" "$work/out" && break
	sleep 0.2
done
expect "the DaemonSet controller starts a new pod on that node" '^kube-proxy-[a-z0-9]{5} +1/1 +Running +0 '

control '{"action":"kube-proxy-config","mode":"ipvs"}'
control '{"action":"kube-proxy","node":"worker-2","ipvsSupported":false,"replace":false}'
K -n kube-system rollout restart ds/kube-proxy
K -n kube-system rollout status ds/kube-proxy --timeout=2s
expect_fail "a node that cannot run ipvs stalls the rollout" 'Waiting for daemon set "kube-proxy" rollout to finish'
K -n kube-system get pods -l k8s-app=kube-proxy --field-selector spec.nodeName=worker-2 --no-headers
expect "its new kube-proxy pod crash-loops" '^kube-proxy-[a-z0-9]{5} +0/1 +CrashLoopBackOff +1 '
kp=$(awk '{print $1}' "$work/out")
K -n kube-system logs "$kp"
expect "kubectl logs shows why (the last terminated container's log)" \
	'"Error running ProxyServer" err="can.t use the IPVS proxier: '
K -n kube-system get ds kube-proxy --no-headers
expect "the DaemonSet counts 2 of 3 ready" '^kube-proxy +3 +3 +2 +3 +2 '
K -n kube-system logs -l k8s-app=kube-proxy --tail=-1 --prefix
[ "$(grep -c '"Using ipvs Proxier"$' "$work/out")" -eq 2 ] && ok "the other nodes now run ipvs" ||
	not_ok "the other nodes now run ipvs"

# --- faults ----------------------------------------------------------------------------
m=$(mark)
control '{"action":"fault","method":"GET","path":"/api/v1/nodes","code":429,"retryAfter":1,"count":1}'
K get nodes
expect "429 with Retry-After: kubectl waits and retries" "^worker-2 +Ready"
expect_seen "the server saw the 429 and then the retry" "$m" '{"path":"/api/v1/nodes"}' 2 2
control '{"action":"fault","method":"GET","path":"/api/v1/nodes","code":429,"count":1}'
K get nodes
expect_fail "429 without Retry-After: kubectl gives up" 'Error from server \(TooManyRequests\): Too many requests'
m=$(mark)
control '{"action":"fault","method":"GET","path":"/api/v1/nodes","code":500,"count":1}'
K get nodes
expect_fail "500 once: kubectl reports InternalError" 'Error from server \(InternalError\)'
expect_seen "a 500 without Retry-After is not retried" "$m" '{"path":"/api/v1/nodes"}' 1 1
m=$(mark)
control '{"action":"fault","method":"GET","path":"/api/v1/nodes","kind":"close","count":1}'
K get nodes
expect "a connection closed before the answer: the GET is retried" "^worker-2 +Ready"
expect_seen "the server saw the dropped request and the retry" "$m" '{"path":"/api/v1/nodes"}' 2 2
control '{"action":"fault","method":"GET","path":"/api/v1/nodes","kind":"hang","count":1}'
s=$(date +%s)
K --request-timeout=2s get nodes
expect_fail "a hanging server: --request-timeout=2s times out" 'Client\.Timeout exceeded|context deadline exceeded|Timeout'
[ $(($(date +%s) - s)) -le 10 ] && ok "the timeout came in time" || not_ok "the timeout came in time"
control '{"action":"fault","method":"GET","path":"/api/v1/nodes","kind":"hang-body","count":1}'
K --request-timeout=1s get nodes
expect_fail "hanging in the middle of the body: kubectl times out reading it" 'reading (response )?body|Client\.Timeout'
control '{"action":"release"}'

# --- scale: generated Services and EndpointSlices, served page by page ------------------
kill "$server_pid"; wait "$server_pid" 2>/dev/null
server_pid=
rm -f "$state/ready.json"
python3 "$here/apiserver.py" --state "$work/scale" --port 0 --cert-dir "$work/certs" \
	--scenario "$here/scenarios/basic.json" --generate-services 2000 --endpoints-per-service 150 \
	>>"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do [ -f "$work/scale/ready.json" ] && break; sleep 0.1; done
[ -f "$work/scale/ready.json" ] || hard_error "the scale server did not get ready in 20 s"
. "$work/scale/ready.env"
export KUBECONFIG=$work/scale/kubeconfig
K get svc -n scale --chunk-size=500 --no-headers
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$work/out")" -eq 2000 ] && grep -qE '^svc-001999 +ClusterIP ' "$work/out"; then
	ok "2000 generated Services listed in pages of 500"; else not_ok "2000 generated Services listed in pages of 500"; fi
raw_check "a page of generated slices: 150 endpoints in 2 slices per Service, remainingItemCount" \
	'/apis/discovery.k8s.io/v1/namespaces/scale/endpointslices?limit=3' \
	'len(d["items"]) == 3 and d["metadata"]["remainingItemCount"] == 3997 and len(d["items"][0]["endpoints"]) == 100 and len(d["items"][1]["endpoints"]) == 50 and d["items"][1]["metadata"]["labels"]["kubernetes.io/service-name"] == "svc-000000"'
K -n scale get endpointslices -l kubernetes.io/service-name=svc-001234 --no-headers
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$work/out")" -eq 2 ]; then ok "label selector over generated slices"
else not_ok "label selector over generated slices"; fi

# --- no secrets in what the server writes ---------------------------------------------
leak=0
for tf in "$state"/tokens/* "$work"/scale/tokens/*; do
	tok=$(cat "$tf")
	grep -qF -- "$tok" "$state/requests.jsonl" "$work/scale/requests.jsonl" "$work/server.log" && leak=1
done
grep -qi '"authorization"' "$state/requests.jsonl" "$work/scale/requests.jsonl" && leak=1
[ "$leak" -eq 0 ] && ok "no token and no Authorization header in requests.jsonl or the server log" ||
	not_ok "no token and no Authorization header in requests.jsonl or the server log"
grep -q 'Traceback' "$work/server.log" && not_ok "the server logged no Python traceback" ||
	ok "the server logged no Python traceback"

echo "kube-test: $(($(date +%s) - t0)) s"
summary
