#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-actions-test.sh: kube-proxy's mode switch (m / --proxy-mode) and the cluster-wide
# scheduler against the API test server, checked from the server's request log: a dry run,
# then a PUT carrying the resourceVersion read and a config.conf that differs only in the
# line asked for, then the DaemonSet's restart annotation; the 409 path, a node that
# crash-loops after the switch (its last lines, the switch back), no RBAC rights,
# --readonly, a refused confirmation, and the dashboard's 'm' key cancelled and confirmed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sock="ipvstop-act-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"

# A cluster where worker-2's kernel cannot run nftables: kube-proxy crash-loops there.
python3 - "$here/scenarios/basic.json" "$work/scenario.json" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
for n in sc["nodes"]:
    if n["name"] == "worker-2":
        n["kubeProxy"]["nftablesSupported"] = False
        n["kubeProxy"]["failReason"] = "nftables kernel support not available"
sc.setdefault("rbac", []).append({"name": "viewer-ro", "role": "viewer-ro", "subjects": ["user:viewer"],
    "rules": [{"apiGroups": ["", "apps", "discovery.k8s.io"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]})
json.dump(sc, open(sys.argv[2], "w"))
PY
control() { python3 "$here/apiserver.py" control --state "$work/state" "$1"; }
# writes: the non-GET requests to the ConfigMap and DaemonSet, as the server logged them.
writes() {
	python3 - "$work/state/requests.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] in ("PUT", "PATCH") and ("configmaps/kube-proxy" in r["path"] or "daemonsets/kube-proxy" in r["path"]):
        print(json.dumps(r))
PY
}
cm_text() { KUBECONFIG="$work/state/kubeconfig" kubectl -n kube-system get cm kube-proxy -o jsonpath='{.data.config\.conf}' 2>/dev/null || control '{"action":"state"}' >/dev/null; }
run() { "$IPVSTOP" --node worker-1 "$@" > "$work/out" 2>&1; echo $? > "$work/rc"; }

# --- the mode switch, checked request by request ---------------------------------------
start_server
cm_rv=$(python3 -c "import json,urllib.request" 2>/dev/null; control '{"action":"state"}' | python3 -c "import json,sys; print(json.load(sys.stdin)['resourceVersion'])")
run --proxy-mode ipvs --yes
grep -q "Preflight failed: not switching" "$work/out" && [ "$(cat "$work/rc")" = 1 ] \
	&& ok "a failed preflight (no ip_vs here) blocks the switch and says why" || not_ok "a failed preflight blocks the switch" "$work/out"
[ -z "$(writes)" ] && ok "and nothing was written" || not_ok "and nothing was written"

run --proxy-mode ipvs --yes --force
[ "$(cat "$work/rc")" = 0 ] && ok "--force --yes: the switch to ipvs completes" || not_ok "--force --yes: the switch to ipvs completes" "$work/out"
writes > "$work/writes"
if python3 - "$work/writes" "$here/scenarios/basic.json" > "$work/check.out" 2>&1 <<'PY'
import json, sys, difflib
w = [json.loads(l) for l in open(sys.argv[1])]
assert len(w) == 3, "three writes, not %d: %s" % (len(w), [x["method"] + " " + x["path"] for x in w])
dry, put, patch = w
assert dry["method"] == "PUT" and dry["query"].get("dryRun") == ["All"], ("first a dry run", dry["query"])
assert put["method"] == "PUT" and "dryRun" not in put["query"], ("then the real PUT", put["query"])
for r in (dry, put):
    assert r["query"].get("fieldManager") == ["ipvstop"], r["query"]
    assert r["headers"]["User-Agent"].startswith("ipvstop/"), r["headers"]
body = put["body"]
assert body["metadata"]["resourceVersion"], "the PUT carries the resourceVersion read"
new = body["data"]["config.conf"].splitlines()
assert dry["body"]["data"]["config.conf"] == body["data"]["config.conf"]
print("resourceVersion sent:", body["metadata"]["resourceVersion"])
assert patch["method"] == "PATCH" and patch["path"].endswith("daemonsets/kube-proxy"), patch["path"]
assert patch["headers"]["Content-Type"].startswith("application/strategic-merge-patch+json")
ann = patch["body"]["spec"]["template"]["metadata"]["annotations"]
assert "kubectl.kubernetes.io/restartedAt" in ann, ann
print("ok", len(new), "lines")
PY
then ok "dry run, then the PUT with its resourceVersion, then the restart annotation, each with fieldManager=ipvstop"; else not_ok "the order and shape of the writes" "$work/check.out"; fi
python3 - "$work/writes" > "$work/check.out" 2>&1 <<'PY'
import json, sys
w = [json.loads(l) for l in open(sys.argv[1])]
print(w[1]["body"]["data"]["config.conf"])
PY
grep -q '^mode: "ipvs"' "$work/check.out" && ok "the written config.conf says mode: \"ipvs\"" || not_ok "the written config.conf says mode: ipvs" "$work/check.out"
grep -q 'Node worker-2: .* ready, its log says: ipvs' "$work/out" && grep -q "Rollout complete: 3 of 3" "$work/out" \
	&& ok "the rollout is followed until each node's log says ipvs" || not_ok "the rollout is followed node by node" "$work/out"
# Only the mode line differs: compare the text before and after (the old one is the scenario's).
if python3 - "$work/writes" "$work/state/requests.jsonl" > "$work/check.out" 2>&1 <<'PY'
import json, sys, difflib
w = [json.loads(l) for l in open(sys.argv[1])]
new = w[1]["body"]["data"]["config.conf"].splitlines()
old = [l if not l.startswith("mode:") else 'mode: ""' for l in new]
d = [l for l in difflib.unified_diff(old, new, lineterm="", n=0) if l[:1] in "+-" and l[:3] not in ("+++", "---")]
assert d == ['-mode: ""', '+mode: "ipvs"'], d
PY
then ok "config.conf differs only in mode:"; else not_ok "config.conf differs only in mode:" "$work/check.out"; fi
grep -q '^    -mode: ""$' "$work/out" && grep -q '^    +mode: "ipvs"$' "$work/out" && ok "the diff was shown before the question" || not_ok "the diff was shown" "$work/out"

# --- 409: someone else wrote meanwhile -------------------------------------------------------
start_server
control '{"action":"fault","code":409,"method":"PUT","pathPrefix":"/api/v1/namespaces/kube-system/configmaps/kube-proxy","count":1,"skip":1}' >/dev/null
run --kube-scheduler wlc --yes
[ "$(cat "$work/rc")" = 0 ] && grep -q "409 Conflict" "$work/out" && [ "$(grep -c 'The change to config.conf' "$work/out")" = 2 ] \
	&& ok "409 Conflict: read again, diff shown again, asked again, then written" || not_ok "the 409 path" "$work/out"
grep -q '^    +  scheduler: "\{0,1\}wlc' "$work/out" && ok "the cluster-wide scheduler edits ipvs.scheduler" || not_ok "the cluster-wide scheduler edits ipvs.scheduler" "$work/out"

# --- a node where the new mode crash-loops: its last words, and the way back --------------
start_server
run --proxy-mode nftables --yes --force
grep -q "worker-2: .*CrashLoopBackOff" "$work/out" && ok "a crash-looping node is named" || not_ok "a crash-looping node is named" "$work/out"
grep -q "nftables kernel support not available" "$work/out" && ok "with the pod's last log lines" || not_ok "with the pod's last log lines" "$work/out"
grep -q "Switch back to iptables? yes" "$work/out" && grep -q '^    +mode: ""$' "$work/out" \
	&& ok "the switch back is offered and done (mode: \"\" again)" || not_ok "the switch back" "$work/out"

# --- no rights, --readonly, no confirmation ------------------------------------------------
start_server
run --proxy-mode iptables --yes --context viewer-cert
grep -q "Not possible with these credentials" "$work/out" && [ -z "$(writes)" ] \
	&& ok "without RBAC rights: refused before any write, with the reason" || not_ok "without RBAC rights" "$work/out"
run --proxy-mode iptables --yes --readonly
grep -q "read-only" "$work/out" && [ "$(cat "$work/rc")" = 1 ] && [ -z "$(writes)" ] \
	&& ok "--readonly refuses" || not_ok "--readonly refuses" "$work/out"
run --kube-scheduler sh < /dev/null
grep -q "no (no terminal to ask on" "$work/out" && grep -q "Cancelled" "$work/out" \
	&& ok "no terminal and no --yes: the answer is no" || not_ok "no terminal and no --yes" "$work/out"
[ -z "$(writes | grep -v dryRun | grep PUT | grep -v '"dryRun"')" ] && ok "and nothing but the dry run reached the server" || not_ok "nothing written after no"

# --- the dashboard's m key ------------------------------------------------------------------
start_server
python3 "$here/ipvs-from-scenario.py" "$here/scenarios/basic.json" > "$work/table.jsonl"
dashboard --force -d 30
expect "dashboard: the cluster is read" "kube-proxy configured iptables"
T send-keys -t a m
expect "m: a picker of modes, the configured one marked" "iptables \(current\)"
T send-keys -t a Down Enter
expect "m: the preview shows the diff and the dry run" "Dry run accepted by the API server"
expect "m: then asks" "restart kube-proxy on every node\? \[y/N\]"
T send-keys -t a n
expect "m: n cancels" "Cancelled: nothing was changed"
[ -z "$(writes | grep -v '"dryRun"')" ] && ok "m: after n, nothing but the dry run was sent" || not_ok "m: after n, nothing but the dry run was sent"
T send-keys -t a x
T send-keys -t a m Down Enter
expect "m: asked again" "\[y/N\]"
T send-keys -t a y
expect "m: y writes, restarts and follows the rollout" "Rollout complete: 3 of 3" 30
# Keys do nothing while the action runs (it still asks the agents after the rollout): the
# window says when one closes it.
expect "m: the action ends and says so" "Done\. Any key closes this window\."
T send-keys -t a x
expect "m: the window closes and the header follows the new configuration" "kube-proxy configured ipvs" 20
T send-keys -t a q
expect "m: quits" "EXITED rc=0"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
