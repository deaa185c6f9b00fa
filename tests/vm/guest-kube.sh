#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-kube.sh: runs inside the test VM (vm-kube-test.sh). The Kubernetes side
# of ipvstop against a real kernel: kube-proxy's IPVS table for node worker-1
# of tests/kube/scenarios/basic.json, with one deliberate drift of each kind
# (ipvs-from-scenario.py --ipvsadm --drift on the host), is built with
# ipvsadm -R; the API server double runs on the host and is reached over
# QEMU's user network at 10.0.2.2.
#
#   1. ipvstop -j -n 1 --kubeconfig --node worker-1 --kube-wait 15: the JSON
#      and ipvsadm's listings before and after go back to the host, which
#      checks them (kube-check.py).
#   2. The dashboard in tmux: the Kubernetes header, the owner column, 'd'.
#      Screens go back to the host too (cross-checked with the JSON there).
#   3. The guest itself arms a hang on the API server's Service lists (POST
#      /_control: the server takes control requests from 10.0.2.2 without
#      credentials) and makes the dashboard's watch list again into it. While
#      the list hangs, keys are answered, the IPVS panes refresh, the header
#      says what is wrong once the request times out (15 s), and it recovers
#      when the server is released.
#
# Input (in the initramfs, from vm-kube-test.sh): /etc/kube/env (the guest's
# URL of the server, the host's clock), /etc/kube/table.ipvsadm,
# /etc/kube/kubeconfig-guest (certificates inline), /etc/kube/kubeconfig-files
# (the same credentials as files), /etc/kube/ca.crt, client.crt, client.key.
# Nothing of /etc/kube is copied to $OUT: the keys stay in the guest.
#
# Results: $OUT/kube-results.txt, "ok N - name" or "not ok N - name: why
# [kube/screens/NN-name]" a line, "complete N" once every check ran.
# $OUT/kube/: kube.json (+ .stderr, .meta), ipvsadm-*.txt, screens/NN-name.screen.txt (the
# screen each check saw), dash-*.txt (the screens the host cross-checks).

set -u
GUEST=kube
SHOTS=kube/screens
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
K=$OUT/kube
CURL_BIN=${CURL_BIN:-/usr/bin/curl}
NODE=worker-1
# shellcheck disable=SC1091 # written by vm-kube-test.sh
. /etc/kube/env
URL=${KUBE_GUEST_URL:?}
KC_INLINE=/etc/kube/kubeconfig-guest
KC_FILES=/etc/kube/kubeconfig-files

# busybox ash prefers its own applets to $PATH: call the real tools by path.
ip() { /usr/sbin/ip "$@"; }

# ---------------------------------------------------------------- results
# evidence TEXT...: what a check saw when there is no screen yet.
evidence() { printf '%s\n' "$@" >"$W/screen"; }

# control JSON: a control action on the API server, from the guest.
control() {
	"$CURL_BIN" -sS --max-time 10 --cacert /etc/kube/ca.crt -H 'Content-Type: application/json' \
		-d "$1" "$URL/_control"
}

# ---------------------------------------------------------------- clock
# The certificates were made on the host a moment ago: a guest clock behind
# the host's would find them not yet valid.
hosttime=${KUBE_HOSTTIME:-0}
if [ "$(date +%s)" -lt $((hosttime - 60)) ]; then
	echo "guest-kube: the clock says $(date -u), the host's $hosttime: set"
	date -u -s "@$hosttime" >/dev/null
fi

# ---------------------------------------------------------------- the table
mark "table"
modprobe ip_vs
ipvsadm -R </etc/kube/table.ipvsadm >"$W/restore.err" 2>&1
rc=$?
ipvsadm -Sn >"$K/ipvsadm-S.txt" 2>&1
ipvsadm -Ln >"$K/ipvsadm-L.txt" 2>&1
nvs=$(grep -c '^-A ' "$K/ipvsadm-S.txt")
want=$(grep -c '^-A ' /etc/kube/table.ipvsadm)
evidence "ipvsadm -R: exit $rc" "$(cat "$W/restore.err")" "ipvsadm -Sn:" "$(cat "$K/ipvsadm-S.txt")"
[ "$rc" = 0 ] && [ "$nvs" = "$want" ] && [ "$nvs" -gt 0 ]
verdict "ipvsadm -R builds kube-proxy's table for $NODE in the kernel ($nvs of $want virtual services)" \
	"ipvsadm -R exited $rc, $nvs virtual services" $?
uname -r >"$K/uname.txt"
lsmod >"$K/lsmod.txt" 2>&1

# ---------------------------------------------------------------- network
# As QEMU's user network hands it out: 10.0.2.15/24, gateway 10.0.2.2 (the
# host's 127.0.0.1).
mark "network"
net_up
nrc=$?
ip addr show >"$K/ip-addr.txt" 2>&1
ip route show >"$K/ip-route.txt" 2>&1
healthy=
i=0
while [ $i -lt 10 ]; do
	healthy=$("$CURL_BIN" -sS --max-time 5 --cacert /etc/kube/ca.crt "$URL/healthz" 2>"$W/curl.err")
	[ "$healthy" = ok ] && break
	usleep 300000
	i=$((i + 1))
done
evidence "ip: exit $nrc" "$(cat "$K/ip-addr.txt")" "$(cat "$K/ip-route.txt")" \
	"curl $URL/healthz: '$healthy'" "$(cat "$W/curl.err")"
[ "$nrc" = 0 ] && [ "$healthy" = ok ]
verdict "eth0 10.0.2.15/24 via 10.0.2.2: the API server's /healthz answers over TLS (its CA verified)" \
	"no answer from $URL/healthz" $?

# ---------------------------------------------------------------- 1. JSON
mark "json"
ipvsadm -Ln >"$K/ipvsadm-before.txt" 2>&1
now
t0=$NOW
"$IPVSTOP_BIN" -j -n 1 --kubeconfig "$KC_INLINE" --node "$NODE" --kube-wait 15 \
	>"$K/kube.json" 2>"$K/kube.stderr"
rc=$?
now
secs=$(((NOW - t0) / 100)).$(((NOW - t0) % 100 / 10))
ipvsadm -Ln >"$K/ipvsadm-after.txt" 2>&1
echo "rc=$rc seconds=$secs" >"$K/kube.meta"
evidence "exit $rc after ${secs}s" "stderr:" "$(cat "$K/kube.stderr")" "stdout (first 1500 bytes):" \
	"$(head -c 1500 "$K/kube.json")"
[ "$rc" = 0 ] && [ "$(wc -l <"$K/kube.json")" = 1 ]
verdict "ipvstop -j -n 1 --kubeconfig (certificates inline) --node $NODE --kube-wait 15: one document, exit 0 (${secs}s)" \
	"exit $rc" $?

# ---------------------------------------------------------------- 1b. conn_reuse_mode
# kube-proxy in ipvs mode leaves net.ipv4.vs.conn_reuse_mode alone on kernels since 5.9 (it
# sets 0 only before): on this 6.1 kernel a 0 is a mismatch, a 1 is not. kube-ipvs0 says ipvs
# mode when kube-proxy's port does not answer (nothing listens on 10249 here). The host
# checks both documents and the -b line (kube-check.py); kube-ipvs0 goes away again.
mark "conn_reuse"
CR=/proc/sys/net/ipv4/vs/conn_reuse_mode
cr_was=$(cat "$CR")
modprobe dummy 2>/dev/null
ip link add kube-ipvs0 type dummy >"$W/cr.err" 2>&1
crc=$?
for v in 0 1; do
	echo "$v" >"$CR"
	"$IPVSTOP_BIN" -j -n 1 --kubeconfig "$KC_INLINE" --node "$NODE" --kube-wait 15 \
		>"$K/conn-reuse-$v.json" 2>>"$W/cr.err" || crc=1
	LANG=C "$IPVSTOP_BIN" -b -n 1 --kubeconfig "$KC_INLINE" --node "$NODE" --kube-wait 15 \
		>"$K/conn-reuse-$v.txt" 2>>"$W/cr.err" || crc=1
done
echo "$cr_was" >"$CR"
ip link del kube-ipvs0 2>>"$W/cr.err"
evidence "exit $crc" "$(cat "$W/cr.err")"
[ "$crc" = 0 ] && [ -s "$K/conn-reuse-0.json" ] && [ -s "$K/conn-reuse-1.json" ]
verdict "ipvstop -j and -b with conn_reuse_mode 0 and 1, kube-ipvs0 present (checked on the host)" \
	"exit $crc" $?

# ---------------------------------------------------------------- 2. dashboard
mark "dashboard"
export LANG=C.UTF-8 HOME=/root
SESSION=kube
# help_within NAME: '?' shows the help within a second of reaching the
# terminal (timed from when tmux send-keys returns: its own start-up, some
# 0.1-0.3 s here, is not the dashboard's); any key closes it.
help_within() {
	now
	_t0=$NOW
	keys '?'
	now
	_t1=$NOW
	_got=
	while :; do
		snap
		now
		grep -q 'ipvstop keys' "$W/screen" && {
			_got=1
			break
		}
		[ $((NOW - _t1)) -ge 300 ] && break
		usleep 50000
	done
	_ms=$(((NOW - _t1) * 10))
	_all=$(((NOW - _t0) * 10))
	if [ -n "$_got" ] && [ "$_ms" -le 1000 ]; then
		result ok "$1 (${_ms} ms; ${_all} ms with tmux send-keys)"
	elif [ -n "$_got" ]; then
		result fail "$1" "the help came after ${_ms} ms"
	else
		result fail "$1" "no help after ${_ms} ms"
	fi
	keys x
	wait_gone 'ipvstop keys' 3
}
# age: the header's "updated N.Ns ago" in tenths of a second (none: 999);
# age_s: the same as shown.
age() {
	_a=$(sed -n 's/.*updated \([0-9][0-9]*\)\.\([0-9]\)s ago.*/\1\2/p' "$W/screen" | head -n 1)
	echo "${_a:-999}" | sed 's/^0*\([0-9]\)/\1/'
}
age_s() { age | awk '{ printf "%.1f", $1 / 10 }'; }

T new-session -d -s "$SESSION" -x 120 -y 45 \
	"$IPVSTOP_BIN -d 1 --kubeconfig $KC_FILES --node $NODE; echo EXITED rc=\$?; sleep 600" 2>"$W/tmux.err"
expect "the dashboard starts (ipvstop -d 1 --kubeconfig with certificate files, 120x45)" \
	'^ipvstop .* via netlink' 15
expect "header: the cluster, its version and context, at the guest's address of the server" \
	"^Kubernetes v1\\.34\\.1 +context ipvstop-test .*$(re_escape "$URL")" 15
expect "header: kube-proxy per node" \
	'kube-proxy configured iptables; nodes: cp-1 ipvs, worker-1 ipvs, worker-2 iptables' 10
expect "header: drift counts" '^Drift: 1 endpoints missing' 10
expect "owner column: 10.96.120.15:80 belongs to default/web:http" \
	'^TCP +10\.96\.120\.15:80 .* default/web:http' 5
expect "the unowned virtual service is marked: ! (no Service)" \
	'^TCP +10\.96\.250\.250:80 .*! \(no Service\)' 5
cp "$W/screen" "$K/dash-all.txt"
keys d
expect "d: only the virtual services with drift" '^ Virtual services with drift: [0-9]+ of [0-9]+' 5
cp "$W/screen" "$K/dash-drift.txt"
keys d
expect "d again: all of them" '^ Virtual services: [0-9]+ *$' 5
help_within "? shows the help within a second"

# ---------------------------------------------------------------- 3. hung API server
# The list must hang, the watch must not (a hung watch goes unnoticed for
# its 150 s idle limit): so the fault is for lists only ("watch": false), a
# change elsewhere moves the resourceVersion, and compact + drop-watches make
# the Services watch end with 410 Gone: ipvstop lists again, into the hang.
mark "hang"
now
t_arm=$NOW
control '[{"action":"fault","kind":"hang","pathPrefix":"/api/v1/services","watch":false,"count":1000},
{"action":"apply","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"vm-kube-test","namespace":"default"},"data":{"phase":"hang"}}},
{"action":"compact"},{"action":"drop-watches"}]' >"$K/control-hang.json" 2>&1
crc=$?
evidence "curl exit $crc" "$(cat "$K/control-hang.json")"
[ "$crc" = 0 ] && grep -q '"kind": *"hang"' "$K/control-hang.json" && grep -q '"compacted"' "$K/control-hang.json"
verdict "the guest arms a hang on /api/v1/services lists at https://10.0.2.2/_control" "control failed" $?
# The server says when ipvstop's list is hanging (its state: "hung": N).
now
_end=$((NOW + 500))
while :; do
	"$CURL_BIN" -sS --max-time 5 --cacert /etc/kube/ca.crt "$URL/_control" >"$K/control-state.json" 2>&1
	grep -qE '"hung": *[1-9]' "$K/control-state.json" && break
	now
	[ "$NOW" -ge "$_end" ] && break
	usleep 300000
done
evidence "GET /_control:" "$(cat "$K/control-state.json")"
grep -qE '"hung": *[1-9]' "$K/control-state.json"
verdict "ipvstop lists the Services again, into the hang (the server holds the request)" \
	"the server holds no hung request" $?
help_within "while the Service list hangs: ? shows the help within a second"

# The IPVS side refreshes: a virtual service added now shows up, unowned.
ipvsadm -A -t 10.96.251.251:80 -s rr
ipvsadm -a -t 10.96.251.251:80 -r 10.244.1.98:80 -m
nvs=$(ipvsadm -Ln | grep -cE '^(TCP|UDP|SCTP|FWM) ')
if wait_for '^TCP +10\.96\.251\.251:80 .*! \(no Service\)' 6; then
	grep -qE "^Services $nvs " "$W/screen" && [ "$(age)" -le 25 ]
	verdict "while it hangs: the IPVS panes refresh (a new virtual service shows, unowned; Services $nvs; updated $(age_s)s ago)" \
		"wanted 'Services $nvs' and 'updated' under 2.5 s ago" $?
else
	result fail "while it hangs: the IPVS panes refresh (a new virtual service shows)" \
		"no row 10.96.251.251:80 with '! (no Service)'"
fi
grep -qE '^TCP +10\.96\.120\.15:80 .* default/web:http' "$W/screen"
verdict "while it hangs: the cluster picture already read stays (default/web:http)" "the owner is gone" $?
cp "$W/screen" "$K/dash-hang.txt"

if wait_for '^/api/v1/services: no answer from the API server' 30; then
	now
	el=$(((NOW - t_arm) / 100))
	[ "$el" -ge 13 ]
	verdict "the header says what is wrong once the list times out (${el}s after the hang was armed)" \
		"after only ${el}s: not the 15 s timeout" $?
else
	now
	result fail "the header says what is wrong once the list times out" \
		"nothing after $(((NOW - t_arm) / 100))s"
fi
cp "$W/screen" "$K/dash-error.txt"
help_within "after the timeout: ? shows the help within a second"
wait_for 'updated 0\.[0-9]s ago' 3
verdict "after the timeout: the IPVS panes still refresh (updated $(age_s)s ago)" \
	"line 2 never showed 'updated 0.Ns ago'" $?

mark "recovery"
control '[{"action":"clear-faults"},{"action":"release"}]' >"$K/control-release.json" 2>&1
if wait_gone '^/api/v1/services: ' 15 && wait_for '^Drift: 1 endpoints missing' 5; then
	grep -qE '^TCP +10\.96\.120\.15:80 .* default/web:http' "$W/screen" &&
		grep -qE '^Drift: 1 endpoints missing, 2 real servers unexplained, 2 draining, 2 virtual services unowned' "$W/screen"
	verdict "released: the error goes, the drift line is back (now 2 virtual services unowned)" \
		"wanted the owner of 10.96.120.15:80 and '... 2 virtual services unowned'" $?
else
	result fail "released: the error goes, the drift line is back" "the error stays"
fi
cp "$W/screen" "$K/dash-recovered.txt"

keys q
expect "q quits with status 0" '^EXITED rc=0' 5
T kill-server 2>/dev/null
echo "complete $n" >>"$RES"
mark "guest-kube end"
exit 0
