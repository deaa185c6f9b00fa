# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2154 # here: set by the test that sources this
# kube-lib.sh: sourced by the tests that run ipvstop against the API test server
# (ipvstop-actions-test.sh, ipvstop-hostile-test.sh; bash). Before sourcing: here (this
# directory). The test defines T (its tmux server) and writes its scenario to
# $work/scenario.json before start_server.
#
# Checks the host tools (python3 tmux openssl: exit 99 when one is missing, never a silent
# skip); makes work (a temporary directory), removed at exit with the tmux server and the API
# server; exports KUBECONFIG (the server's admin kubeconfig, there once start_server ran).

for t in python3 tmux openssl; do
	command -v "$t" >/dev/null || { echo "$(basename "$0" .sh): $t is missing"; exit 99; }
done
work=$(mktemp -d)
server_pid=""
cleanup() { T kill-server 2>/dev/null; [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export KUBECONFIG="$work/state/kubeconfig"

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
