#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-deploy-test.sh: deploy/ and what the agents need from the API server, with the REAL
# kubectl against the API test server (tests/kube/apiserver.py, scenarios/agents.json), so
# that neither the manifests nor the double can drift from what a real cluster takes:
#  - kubectl apply --dry-run=server -f deploy/ succeeds and stores nothing; broken copies
#    (an unknown field, a container without image, a selector that does not match the
#    template, a rule without verbs, a ServiceAccount subject without namespace) fail;
#  - TokenReview (kubectl create -f -): a good token, a bad one, an expired one, and a caller
#    not allowed to create reviews; the token is never in the answer, the request log or
#    the server's output;
#  - SubjectAccessReview for "get nodes/ipvstop" and "get pods/proxy", once deploy/ is
#    applied for real: Prometheus' service account and the ipvstop-readers group allowed, a
#    viewer denied, asked with the agent's own token as the agent does;
#  - pods/proxy (kubectl get --raw .../pods/https:ipvstop-agent-n1:PORT/proxy/...) to a
#    small HTTPS server standing in for the agent on 127.0.0.11: the body arrives, the
#    Authorization header does not, X-Ipvstop-Authorization does; a pod with nothing
#    listening and one that never answers give an error within the proxy's timeout;
#  - a node's InternalIP and an agent pod changed through the control endpoint.
# Run it alone: IPVSTOP=$PWD/ipvstop bash tests/kube/ipvstop-deploy-test.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
sock="ipvstop-deploy-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools kubectl
pids=""
stop_all() { local p; cleanup; for p in $pids; do kill "$p" 2>/dev/null; done; }
trap stop_all EXIT

cp "$here/scenarios/agents.json" "$work/scenario.json"
start_server
tokens="$work/state/tokens"
ctl() { python3 "$here/apiserver.py" control --state "$work/state" "$1" > /dev/null; }
# check NAME FILE PYTHON: PYTHON, an expression over d (FILE's JSON), is true.
check() {
	if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" "$2" \
		2>/dev/null; then ok "$1"; else not_ok "$1" "$2"; fi
}
# refused NAME PATTERN FILE: for a command that failed: FILE (its stderr) says PATTERN.
refused() {
	if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1 (wanted /$2/)" "$3"; fi
}
# fails NAME PATTERN COMMAND...: COMMAND fails, saying PATTERN (grep -E) on stdout or stderr.
fails() {
	local name=$1 pat=$2; shift 2
	if "$@" > "$work/out" 2>&1; then not_ok "$name (it succeeded)" "$work/out"
	elif grep -qE -- "$pat" "$work/out"; then ok "$name"
	else not_ok "$name (wanted /$pat/)" "$work/out"; fi
}

# --- 1. the manifests, server-side dry run ---------------------------------------------
if kubectl apply --dry-run=server -f "$top/deploy/" > "$work/out" 2>&1 &&
	[ "$(grep -c 'created (server dry run)' "$work/out")" = 11 ]; then
	ok "kubectl apply --dry-run=server -f deploy/: 11 objects accepted"
else not_ok "kubectl apply --dry-run=server -f deploy/" "$work/out"; fi
if grep -q '"dryRun":\["All"\].*"fieldValidation":\["Strict"\]' "$work/state/requests.jsonl"; then
	ok "they were sent with dryRun=All and fieldValidation=Strict"
else not_ok "dryRun=All and fieldValidation=Strict in the requests" "$work/state/requests.jsonl"; fi
fails "the dry run stored nothing" 'NotFound' kubectl -n kube-system get daemonset ipvstop-agent
# broken NAME PATTERN FILE SED: FILE of deploy/ edited by SED, applied: fails with PATTERN.
broken() {
	sed "$4" "$top/deploy/$3" > "$work/broken.yaml"
	if cmp -s "$top/deploy/$3" "$work/broken.yaml"; then not_ok "$1 (the edit changed nothing)"; return; fi
	fails "$1" "$2" kubectl apply --dry-run=server -f "$work/broken.yaml"
}
broken "a misspelt field is rejected (strict decoding)" \
	'BadRequest.*unknown field "spec.template.spec.containers\[0\].imagePullPolicyy"' \
	ipvstop-agent.yaml 's/imagePullPolicy:/imagePullPolicyy:/'
if kubectl apply --dry-run=server --validate=warn -f "$work/broken.yaml" > "$work/out" 2>&1 &&
	grep -q 'Warning: unknown field "spec.template.spec.containers\[0\].imagePullPolicyy"' "$work/out"; then
	ok "with --validate=warn (fieldValidation=Warn) it is accepted with kubectl's warning"
else not_ok "fieldValidation=Warn" "$work/out"; fi
broken "a container without image is rejected" \
	'is invalid: spec.template.spec.containers\[0\].image: Required value' \
	ipvstop-agent.yaml '/^          image: /d'
broken "a template whose labels do not match the selector is rejected" \
	'selector. does not match template .labels' \
	ipvstop-agent.yaml '/^  template:/,/^    spec:/s/name: ipvstop-agent/name: ipvstop-agnet/'
broken "a probe on an unknown scheme is rejected" 'Unsupported value: "HTTPX"' \
	ipvstop-agent.yaml 's/scheme: HTTPS/scheme: HTTPX/'
broken "a rule without verbs is rejected" 'rules\[0\].verbs: Required value' \
	ipvstop-reader.yaml '0,/verbs: \["get"\]/{/verbs: \["get"\]/d}'
broken "a ServiceAccount subject without namespace is rejected" 'subjects\[0\].namespace: Required value' \
	ipvstop-reader.yaml '/^    namespace: monitoring$/d'
broken "a list where a string belongs is rejected" 'cannot unmarshal' \
	ipvstop-agent.yaml 's/fieldPath: spec.nodeName/fieldPath: [spec.nodeName]/'

# --- 2. TokenReview ------------------------------------------------------------------
# review_token FILE [CONTEXT [AUDIENCES]]: a TokenReview of the token in FILE ("-": a made-up
# one) for AUDIENCES (a JSON list; default none: the API server's), created by kubectl
# (-o json) into $work/tr.json; the token goes through stdin only.
review_token() {
	local tok=not-a-token-of-this-cluster
	[ "$1" != - ] && tok=$(cat "$1")
	printf '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"%s","audiences":%s}}' \
		"$tok" "${3:-[]}" |
		kubectl --context "${2:-ipvstop-test}" create -f - -o json > "$work/tr.json" 2> "$work/tr.err"
}
review_token "$tokens/prometheus"
check "TokenReview of Prometheus' token: authenticated, as its service account" "$work/tr.json" \
	'd["status"]["authenticated"] is True and d["status"]["user"]["username"] ==
	 "system:serviceaccount:monitoring:prometheus" and "system:authenticated" in d["status"]["user"]["groups"]
	 and "system:serviceaccounts:monitoring" in d["status"]["user"]["groups"]'
check "the answer does not carry the token back" "$work/tr.json" '"token" not in d["spec"]'
review_token "$tokens/reader"
check "TokenReview of the reader's token: user alice, group ipvstop-readers" "$work/tr.json" \
	'd["status"]["authenticated"] and d["status"]["user"]["username"] == "alice" and
	 "ipvstop-readers" in d["status"]["user"]["groups"]'
review_token -
check "TokenReview of an unknown token: not authenticated, no user" "$work/tr.json" \
	'd["status"]["authenticated"] is False and not d["status"]["user"]'
review_token "$tokens/reader-ipvstop" ipvstop-test '["ipvstop"]'
check "a token for the audience ipvstop passes a TokenReview for that audience" "$work/tr.json" \
	'd["status"]["authenticated"] is True and d["status"]["audiences"] == ["ipvstop"]'
review_token "$tokens/reader-ipvstop"
check "... and not one for the API server's audience" "$work/tr.json" \
	'd["status"]["authenticated"] is False and "audiences" in d["status"]["error"]'
fails "... nor does the API server take it (401)" 'Unauthorized|must be logged in' \
	kubectl --context token-reader-ipvstop get nodes
review_token "$tokens/expired"
check "TokenReview of an expired token: not authenticated" "$work/tr.json" \
	'd["status"]["authenticated"] is False and "expired" in d["status"]["error"]'
if review_token "$tokens/prometheus" token-viewer; then
	not_ok "a caller without RBAC for tokenreviews is refused" "$work/tr.json"
else refused "a caller without RBAC for tokenreviews gets 403" \
	'Forbidden.*cannot create resource "tokenreviews" in API group "authentication.k8s.io"' "$work/tr.err"; fi
if review_token "$tokens/prometheus" token-agent; then
	not_ok "the agent's token may not review tokens before deploy/ is applied" "$work/tr.json"
else refused "the agent's token may not review tokens before deploy/ is applied" Forbidden "$work/tr.err"; fi

# --- 3. deploy/ for real, then SubjectAccessReview ---------------------------------------
if (apply_deploy) > "$work/out" 2>&1 &&
	kubectl get clusterrole ipvstop-reader > /dev/null 2>&1 &&
	kubectl -n kube-system get daemonset ipvstop-agent > /dev/null 2>&1; then
	ok "kubectl apply -f deploy/ipvstop-agent.yaml -f deploy/ipvstop-reader.yaml (apply_deploy) stores them"
else not_ok "kubectl apply of deploy/ for real" "$work/out"; fi
if review_token "$tokens/prometheus" token-agent; then
	ok "with deploy/ applied, the agent's service account may review tokens"
else not_ok "the agent's token reviewing a token" "$work/tr.err"; fi
# sar FILE USER GROUPS RESOURCE SUBRESOURCE NAMESPACE NAME [CONTEXT]: a SubjectAccessReview for
# "get" by USER (or "") in GROUPS (a JSON list), answer in FILE.
sar() {
	printf '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"%s","groups":%s,
	 "resourceAttributes":{"verb":"get","group":"","resource":"%s","subresource":"%s","namespace":"%s","name":"%s"}}}' \
		"$2" "$3" "$4" "$5" "$6" "$7" |
		kubectl --context "${8:-token-agent}" create -f - -o json > "$1" 2> "$1.err"
}
prom=system:serviceaccount:monitoring:prometheus
sar "$work/sar1.json" "$prom" '["system:serviceaccounts","system:authenticated"]' nodes ipvstop "" n1
check "SAR: Prometheus may get nodes/ipvstop (ClusterRoleBinding ipvstop-reader-prometheus)" "$work/sar1.json" \
	'd["status"]["allowed"] is True and d["status"]["reason"] == "RBAC: allowed by ClusterRoleBinding "
	 "\"ipvstop-reader-prometheus\" of ClusterRole \"ipvstop-reader\" to ServiceAccount \"prometheus/monitoring\""'
sar "$work/sar2.json" system:serviceaccount:default:viewer '["system:serviceaccounts","system:authenticated"]' \
	nodes ipvstop "" n1
check "SAR: the viewer may not" "$work/sar2.json" 'd["status"]["allowed"] is False'
sar "$work/sar3.json" alice '["ipvstop-readers","system:authenticated"]' nodes ipvstop "" n2
check "SAR: the group ipvstop-readers may" "$work/sar3.json" \
	'd["status"]["allowed"] is True and "Group \"ipvstop-readers\"" in d["status"]["reason"]'
sar "$work/sar4.json" alice '["ipvstop-readers"]' pods proxy kube-system "https:ipvstop-agent-n1:9774"
check "SAR: ipvstop-readers may get pods/proxy in kube-system (RoleBinding)" "$work/sar4.json" \
	'd["status"]["allowed"] is True and "RoleBinding \"ipvstop-readers-proxy/kube-system\" of Role" in d["status"]["reason"]'
sar "$work/sar5.json" "$prom" '["system:serviceaccounts"]' pods proxy kube-system "https:ipvstop-agent-n1:9774"
check "SAR: Prometheus may not use pods/proxy" "$work/sar5.json" 'd["status"]["allowed"] is False'
sar "$work/sar6.json" alice '["ipvstop-readers"]' pods proxy default x
check "SAR: the RoleBinding does not reach another namespace" "$work/sar6.json" 'd["status"]["allowed"] is False'
sar "$work/sar7.json" root '["system:masters"]' nodes ipvstop "" n3
check "SAR: system:masters may do everything" "$work/sar7.json" 'd["status"]["allowed"] is True'
sar "$work/sar8.json" system:serviceaccount:kube-system:ipvstop-agent '[]' nodes ipvstop "" n1
check "SAR: the agent itself may not read agents" "$work/sar8.json" 'd["status"]["allowed"] is False'
if sar "$work/sar9.json" "$prom" '[]' nodes ipvstop "" n1 token-viewer; then
	not_ok "a caller without RBAC for subjectaccessreviews is refused" "$work/sar9.json"
else refused "a caller without RBAC for subjectaccessreviews gets 403" \
	'Forbidden.*cannot create resource "subjectaccessreviews"' "$work/sar9.json.err"; fi
if sar "$work/sar10.json" "" '[]' nodes ipvstop "" n1; then
	not_ok "a SubjectAccessReview without user or group is refused" "$work/sar10.json"
else refused "a SubjectAccessReview without user or group is invalid (422)" \
	'is invalid: spec.user: Invalid value: "": at least one of user or group must be specified' "$work/sar10.json.err"; fi

# --- 4. pods/proxy ---------------------------------------------------------------------
# An HTTPS server for ipvstop-agent-n1 (podIP 127.0.0.11): says which credentials reached it
# (present/absent; X-Ipvstop-Authorization compared with the reader's token, never printed).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=ipvstop-agent -keyout "$work/agent.key" -out "$work/agent.crt" 2> /dev/null ||
	{ echo "openssl could not make the agent's certificate"; exit 99; }
cat > "$work/agent.py" <<'EOF'
import hmac, http.server, json, ssl, sys
addr, cert, key, tokfile, ready = sys.argv[1:6]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        x = self.headers.get("X-Ipvstop-Authorization")
        want = ("Bearer " + open(tokfile).read().strip()).encode()
        seen = {"agent": "n1", "path": self.path,
                "authorization": "present" if self.headers.get("Authorization") else "absent",
                "xIpvstopAuthorization": "absent" if x is None else
                ("match" if hmac.compare_digest(x.encode(), want) else "mismatch")}
        if self.path.startswith("/big"):   # 3 MB, no Content-Length: the proxy must stream it
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(300):
                self.wfile.write(b"x" * 9999 + b"\n")
            return
        body = (json.dumps(seen) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.ThreadingHTTPServer((addr, 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(ready, "w").write(str(srv.server_address[1]))
srv.serve_forever()
EOF
python3 "$work/agent.py" 127.0.0.11 "$work/agent.crt" "$work/agent.key" "$tokens/reader" "$work/agent.port" \
	> "$work/agent.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 1 50); do [ -s "$work/agent.port" ] && break; sleep 0.1; done
[ -s "$work/agent.port" ] || { echo "the stand-in agent did not start"; cat "$work/agent.log"; exit 99; }
port=$(cat "$work/agent.port")
proxy="/api/v1/namespaces/kube-system/pods/https:ipvstop-agent-n1:$port/proxy"
if kubectl --context token-reader get --raw "$proxy/snapshot?summary=1" > "$work/p1.json" 2> "$work/p1.err"; then
	check "pods/proxy with the reader's token: the agent's answer arrives, query kept" "$work/p1.json" \
		'd["agent"] == "n1" and d["path"] == "/snapshot?summary=1"'
	check "the Authorization header did not reach the pod" "$work/p1.json" 'd["authorization"] == "absent"'
else not_ok "kubectl get --raw through pods/proxy" "$work/p1.err"; fi
# The cluster view's way: Authorization for the API server, X-Ipvstop-Authorization for the
# agent; python's http.client reads the token from its file (never on a command line).
cat > "$work/client.py" <<'EOF'
import http.client, json, ssl, sys
ready, tokfile, path = sys.argv[1:4]
r = json.load(open(ready))
tok = open(tokfile).read().strip()
ctx = ssl.create_default_context(cafile=r["caCert"])
c = http.client.HTTPSConnection("127.0.0.1", r["port"], context=ctx, timeout=30)
c.request("GET", path, headers={"Authorization": "Bearer " + tok, "X-Ipvstop-Authorization": "Bearer " + tok})
resp = c.getresponse()
sys.stdout.write(resp.read().decode())
sys.exit(0 if resp.status == 200 else 1)
EOF
if python3 "$work/client.py" "$work/state/ready.json" "$tokens/reader" "$proxy/snapshot" > "$work/p2.json" 2>&1; then
	check "X-Ipvstop-Authorization reached the pod as sent, Authorization did not" "$work/p2.json" \
		'd["xIpvstopAuthorization"] == "match" and d["authorization"] == "absent"'
else not_ok "pods/proxy with X-Ipvstop-Authorization" "$work/p2.json"; fi
if kubectl get --raw "$proxy/big" > "$work/big" 2>&1 && [ "$(wc -c < "$work/big")" = 3000000 ]; then
	ok "a 3 MB answer without Content-Length arrives whole"
else not_ok "the 3 MB answer" "$work/big"; fi
fails "Prometheus' token may not use pods/proxy (403)" \
	'Forbidden.*cannot get resource "pods/proxy" in API group "" in the namespace "kube-system"' \
	kubectl --context token-prometheus get --raw "$proxy/healthz"
fails "a pod that does not exist: 404" 'NotFound.*pods "ipvstop-agent-n9" not found' \
	kubectl get --raw "/api/v1/namespaces/kube-system/pods/https:ipvstop-agent-n9:$port/proxy/healthz"
fails "a pod with nothing listening: 503 at once" \
	'ServiceUnavailable.*dial tcp 127.0.0.12:'"$port"': connect: connection refused' \
	timeout 20 kubectl get --raw "/api/v1/namespaces/kube-system/pods/https:ipvstop-agent-n2:$port/proxy/healthz"
# A pod that accepts and never answers (no TLS handshake): the proxy gives up after its timeout.
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.13",0)); s.listen(8)
open(sys.argv[1],"w").write(str(s.getsockname()[1])); time.sleep(120)' "$work/tarpit.port" &
pids="$pids $!"
for _ in $(seq 1 50); do [ -s "$work/tarpit.port" ] && break; sleep 0.1; done
ctl '[{"action":"agent","node":"n3","podIP":"127.0.0.13"},{"action":"proxy-timeout","seconds":2}]'
t0=$(date +%s)
fails "a pod that never answers: 503 (i/o timeout), no hang" 'ServiceUnavailable.*i/o timeout' \
	timeout 20 kubectl get --raw "/api/v1/namespaces/kube-system/pods/https:ipvstop-agent-n3:$(cat "$work/tarpit.port")/proxy/healthz"
t1=$(date +%s)
if [ $((t1 - t0)) -le 8 ]; then ok "it came within the 2 s proxy timeout (took $((t1 - t0)) s)"
else not_ok "the never-answering pod took $((t1 - t0)) s"; fi

# --- 5. nodes and agent pods through the control endpoint -------------------------------
ctl '{"action":"node","node":"n2","internalIP":"127.0.0.22"}'
if [ "$(kubectl get node n2 -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')" = 127.0.0.22 ]; then
	ok "control node: n2's InternalIP is now 127.0.0.22"
else not_ok "control node"; fi
ctl '{"action":"agent","node":"n2","absent":true}'
kubectl -n kube-system get pods -l app.kubernetes.io/name=ipvstop-agent \
	-o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{"\n"}{end}' > "$work/agents"
if [ "$(sort "$work/agents" | tr '\n' ,)" = "ipvstop-agent-n1 n1 127.0.0.11,ipvstop-agent-n3 n3 127.0.0.13," ]; then
	ok "control agent: the agent pods are those of n1 and n3, by label app.kubernetes.io/name"
else not_ok "control agent" "$work/agents"; fi

# --- 6. no secret anywhere ---------------------------------------------------------------
leaked=0
for t in "$tokens"/*; do
	if grep -qF -- "$(cat "$t")" "$work/state/requests.jsonl" "$work/server.log" "$work"/*.json "$work"/*.err \
		"$work/agent.log" 2> /dev/null; then leaked=1; fi
done
if [ "$leaked" = 0 ]; then ok "no token in requests.jsonl, the server's output or any answer"
else not_ok "a token leaked into a log or an answer"; fi
if python3 - "$work/state/requests.jsonl" "$port" <<'EOF'
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
tr = [e for e in es if e.get("path", "").endswith("/tokenreviews") and "body" in e]
px = [e for e in es if (e.get("proxy") or {}).get("target") == "https://127.0.0.11:" + sys.argv[2]]
sys.exit(0 if tr and all(e["body"]["spec"]["token"] == "<redacted>" for e in tr) and
         any(e["proxy"].get("status") == 200 and e["verb"] == "get" for e in px) else 1)
EOF
then ok "requests.jsonl records the reviews (token redacted) and the proxied requests"
else not_ok "requests.jsonl entries"; fi
summary
