#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-agent.sh: runs inside each VM of vm-cluster-test.sh: one node of a three-node
# cluster. Its node name comes on the kernel command line (ipvstop.node=worker-N). It
# builds the IPVS table kube-proxy would program for that node (ipvs-from-scenario.py on
# the host, /etc/kube/table-NODE.ipvsadm; worker-2's with drift), starts the agent
#   ipvstop --serve=:9774 --node NODE --kubeconfig /etc/kube/kubeconfig-guest
# (QEMU forwards the host's 127.0.0.3N:9774 to it) and keeps it serving until the host says
# it is done: the host's flag server (10.0.2.2:FLAG_PORT) answers /done-NODE. Then the
# agent is stopped with SIGTERM and must exit 0.
#
# Results: $OUT/agent-results.txt ("ok N - name" lines), $OUT/agent.log (the agent's
# stderr), $OUT/ipvsadm-L.txt (the kernel's table: the host compares the agent's /snapshot
# with it).

set -u
GUEST=agent
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
CURL_BIN=${CURL_BIN:-/usr/bin/curl}
# shellcheck disable=SC1091 # written by vm-cluster-test.sh
. /etc/kube/env
NODE=${VM_ARG_node:?the node name: ipvstop.node= on the kernel command line}
LIFE=${VM_ARG_life:-240}
evidence() { printf '%s\n' "$@" >"$W/screen"; }
hostname "$NODE"

hosttime=${KUBE_HOSTTIME:-0}
[ "$(date +%s)" -lt $((hosttime - 60)) ] && date -u -s "@$hosttime" >/dev/null

net_up
verdict "eth0 on the user network" "ip failed" $?

modprobe ip_vs
ipvsadm -R <"/etc/kube/table-$NODE.ipvsadm" >"$W/restore.err" 2>&1
rc=$?
ipvsadm -Ln >"$OUT/ipvsadm-L.txt" 2>&1
ipvsadm -Sn >"$OUT/ipvsadm-S.txt" 2>&1
evidence "ipvsadm -R: exit $rc" "$(cat "$W/restore.err")"
verdict "ipvsadm -R built $NODE's table ($(grep -c '^-A ' "$OUT/ipvsadm-S.txt") services)" "restore failed" $rc

"$IPVSTOP_BIN" --serve=:9774 --node "$NODE" --kubeconfig /etc/kube/kubeconfig-guest -d 1 \
	--kube-wait 15 --no-dataplane 2>"$OUT/agent.log" &
agent=$!
ok=1
i=0
while [ $i -lt 600 ]; do
	"$CURL_BIN" -sk --max-time 2 https://127.0.0.1:9774/healthz 2>/dev/null | grep -q ok && { ok=0; break; }
	kill -0 "$agent" 2>/dev/null || break
	usleep 100000
	i=$((i + 1))
done
evidence "$(cat "$OUT/agent.log")"
verdict "the agent serves /healthz (after $((i / 10)) s)" "it did not: see agent.log" $ok
mark "agent up"
echo "guest-agent: $NODE serving"

# Until the host has what it needs from this node (or LIFE seconds).
t=0
while [ $t -lt "$LIFE" ]; do
	"$CURL_BIN" -sf --max-time 2 "http://10.0.2.2:$FLAG_PORT/done-$NODE" >/dev/null 2>&1 && break
	sleep 1
	t=$((t + 1))
done
mark "host done"
kill -TERM "$agent"
wait "$agent"
rc=$?
evidence "$(tail -n 20 "$OUT/agent.log")"
verdict "the agent stops on SIGTERM with status 0" "exit $rc" $rc
echo "complete $n" >>"$RES"
