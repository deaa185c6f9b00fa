# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # here, sock: set by the test that sources this
# kube-lib.sh: sourced by the tests that run ipvstop against the API test server
# (ipvstop-actions-test.sh, ipvstop-mode-test.sh, ipvstop-hostile-test.sh,
# ipvstop-kube-test.sh; bash). Before sourcing: here (this directory) and sock (the name of
# the test's tmux server, for T). The test writes its scenario to $work/scenario.json before
# start_server.
#
# Checks IPVSTOP (the binary under test) and the host tools (python3 tmux openssl: exit 99
# when one is missing, never a silent skip); sources tests/lib.sh (ok, not_ok, summary);
# defines T (tmux on the test's server); makes work (a temporary directory), removed at exit
# with the tmux server and the API server; exports KUBECONFIG (the server's admin
# kubeconfig, there once start_server ran).

: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
need_tools python3 tmux openssl
T() { tmux -L "$sock" "$@"; }
work=$(mktemp -d)
server_pid=""
cleanup() { T kill-server 2>/dev/null; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export KUBECONFIG="$work/state/kubeconfig"

# dashboard ARGS...: ipvstop's dashboard for node worker-1 in tmux session a (160x50), on the
# API test server; "EXITED rc=N" shows when it ends. capture and expect read that screen;
# expect NAME PATTERN [SECONDS] waits 8 s by default (a test may define its own after this).
dashboard() {
	T -f /dev/null new-session -d -s a -x 160 -y 50 \
		"env LANG=C.UTF-8 KUBECONFIG=$KUBECONFIG TERM=screen-256color $IPVSTOP --node worker-1 $*; echo EXITED rc=\$?; sleep 30"
}
capture() { T capture-pane -p -t a > "$work/screen"; }
expect() { if wait_for "$2" "${3:-8}"; then ok "$1"; else not_ok "$1 (wanted /$2/)" "$work/screen"; fi; }

# start_server: (again) apiserver.py on $work/scenario.json, with a fresh state; exit 99 if it
# does not come up.
start_server() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	rm -rf "$work/state"; mkdir -p "$work/state" "$work/certs"
	python3 "$here/apiserver.py" --state "$work/state" --cert-dir "$work/certs" \
		--scenario "$work/scenario.json" > "$work/server.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 100); do [ -f "$work/state/ready.json" ] && return 0; sleep 0.1; done
	echo "the API test server did not start"; cat "$work/server.log"; exit 99
}

# apply_deploy: deploy/'s manifests applied for real (admin context): the RBAC the tokens of
# scenarios/agents.json are checked against (tests/kube/README.md); exit 99 if refused.
apply_deploy() {
	kubectl apply -f "$here/../../deploy/ipvstop-agent.yaml" -f "$here/../../deploy/ipvstop-reader.yaml" \
		> "$work/apply-deploy.out" 2>&1 ||
		{ echo "kubectl apply -f deploy/ failed"; cat "$work/apply-deploy.out"; exit 99; }
}
