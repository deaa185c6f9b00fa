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
