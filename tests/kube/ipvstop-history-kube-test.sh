#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-history-kube-test.sh: the history's kube-proxy restart marker (issue 15), against
# the API test server: the dashboard replays gen-history-recording.py's recording on node
# worker-1; the graph shows its own markers and no 'k'; kube-proxy's container on worker-1
# restarts; a 'k' marker appears under the record on screen, on every row's graph, and a
# restart on another node adds none.
set -u
here=$(cd "$(dirname "$0")" && pwd)
sock="ipvstop-histkube-$$"
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
export TZ=UTC
control() { python3 "$here/apiserver.py" control --state "$work/state" "$1" > /dev/null; }
keys() { T send-keys -t a "$@"; sleep 0.4; }
count_k() { capture; sed -n 's/^ *markers//p' "$work/screen" | tr -cd k | wc -c; }

cp "$here/scenarios/basic.json" "$work/scenario.json"
start_server
python3 "$here/../tui/gen-history-recording.py" 61 10 > "$work/rec.jsonl"
dashboard --replay "$work/rec.jsonl" -d 0.1
expect "the replay plays to its end" "recorded 2026-11-18 11:16:40" 20
expect "the cluster is read" "kube-proxy" 15
keys g
expect "the graph of the selected service, with its markers" "^ +markers .*0.*\+.*s" 5
if [ "$(count_k)" = 0 ]; then ok "no kube-proxy marker before a restart"
else not_ok "no kube-proxy marker before a restart" "$work/screen"; fi

control '{"action":"kube-proxy","node":"worker-1","restarts":3,"keepName":true}'
expect "a restart of kube-proxy's container on this node: a 'k' marker under the record on screen" \
	"^ +markers .*k *$" 20
control '{"action":"kube-proxy","node":"worker-2","restarts":7}'
sleep 6
if [ "$(count_k)" = 1 ]; then ok "a restart on another node adds no marker"
else not_ok "a restart on another node adds no marker ($(count_k) k)" "$work/screen"; fi
keys Escape
T resize-window -t a -x 120 -y 40; sleep 0.5
keys Enter g
expect "a real server's graph (10.244.0.1, no markers of its own)" "Graph of real server 10\.244\.0\.1:8080" 5
expect "shows the whole table's marker too, alone" "^ +markers +k *$" 5

summary
