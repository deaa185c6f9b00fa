#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-faults.sh: runs inside the test VM (vm-faults-test.sh), alone on a fresh
# boot: nothing has loaded ip_vs. Kernel faults while ipvstop runs, with
# ipvsadm as the witness:
#   1. the IPVS genetlink family is missing at start (no ip_vs): what -j and
#      the dashboard say; then modprobe ip_vs and a table: both recover by
#      themselves;
#   2. ip_vs and its schedulers removed (rmmod) under the dashboard (tmux) and
#      a -j -d 1 stream: they say IPVS is gone, the dashboard keeps answering
#      keys, and both recover when the module is loaded and the table made
#      again;
#   3. no CAP_NET_ADMIN (setpriv as nobody, every capability dropped): the
#      read-only /proc view with its message, or with --source=netlink a clear
#      message;
#   4. long reads (issue #6: cancellable): q while the first service dump of
#      40,000 services is read, and, with 100,000 connection entries made by
#      the backup sync daemon (fed by bench/tools/syncgen), closing the
#      connection pane and q while /proc/net/ip_vs_conn is read: each ends at
#      once instead of when the read is done.
# ipvsadm is never called while ip_vs is out: libipvs would load it.
#
# Results: $OUT/faults-results.txt, "ok N - name" or "not ok N - name: why
# [faults/NN-name]" a line, and "complete N" at the end; faults/NN-name.screen.txt
# is the screen (or output) a check looked at. For the host's comparison with
# ipvsadm (vm-faults-test.sh): faults/pairs.txt lists NAME MODE, with
# faults/NAME.json (ipvstop's document) and faults/NAME.ipvsadm (ipvsadm -Ln
# taken while the table stood still).

set -u
GUEST=faults
POLL_US=200000
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
: >"$C/pairs.txt"

# busybox ash prefers its own applets to $PATH: call the real tools by path.
rmmod() { /usr/sbin/rmmod "$@"; }
ip() { /usr/sbin/ip "$@"; }

export LANG=C.UTF-8 HOME=/root
SESSION=dash
# keys KEY [SESSION]: one key, to the dashboard or to SESSION.
keys() { T send-keys -t "${2:-$SESSION}" "$1"; }
# The last complete line of the -j stream that matches PATTERN, within SECONDS.
stream_wait() { # PATTERN SECONDS
	now
	_end=$((NOW + $2 * 100))
	while :; do
		# The last line may be half written: take the one before it too.
		tail -n 2 "$W/stream.jsonl" | grep -E -- "$1" | tail -n 1 >"$W/doc" && [ -s "$W/doc" ] && return 0
		now
		[ "$NOW" -ge "$_end" ] && return 1
		usleep 200000
	done
}
# keys_answered NAME: ? opens the help at once, any key closes it.
keys_answered() {
	now
	_t0=$NOW
	keys '?'
	if wait_for 'ipvstop keys' 5; then
		now
		_ms=$(((NOW - _t0) * 10))
		keys x
		wait_for 'Services [0-9]+ +Real servers' 5
		result ok "$1 (help in ${_ms} ms)"
	else
		result fail "$1" "? did not open the help within 5 s"
	fi
}
loaded() { grep -q "^$1 " /proc/modules; }

# The table: every kind of virtual service ipvsadm -Ln shows.
make_table() {
	modprobe ip_vs || return 1
	ipvsadm -A -t 192.0.2.10:80 -s rr &&
		ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.1:8080 -m -w 1 &&
		ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.2:8080 -m -w 3 &&
		ipvsadm -A -u 192.0.2.11:53 -s wrr &&
		ipvsadm -a -u 192.0.2.11:53 -r 10.0.0.3:53 -m -w 2 &&
		ipvsadm -A -t '[2001:db8::20]:443' -s sh &&
		ipvsadm -a -t '[2001:db8::20]:443' -r '[2001:db8::1]:443' -m -w 1 &&
		ipvsadm -A -f 5 -s lc &&
		ipvsadm -a -f 5 -r 10.0.0.4:0 -m -w 0
}
# The second table, after the reload: other addresses, so that nothing stale can pass.
make_table2() {
	modprobe ip_vs || return 1
	ipvsadm -A -t 198.51.100.7:8443 -s wlc &&
		ipvsadm -a -t 198.51.100.7:8443 -r 10.1.0.1:8443 -m -w 5 &&
		ipvsadm -a -t 198.51.100.7:8443 -r 10.1.0.2:8443 -m -w 5 &&
		ipvsadm -A -u 198.51.100.8:514 -s rr &&
		ipvsadm -a -u 198.51.100.8:514 -r 10.1.0.3:514 -m -w 1
}
# remove_ipvs: the table cleared, every IPVS module out. 0 if ip_vs is gone.
remove_ipvs() {
	ipvsadm -C || return 1
	for _m in $(awk '$1 ~ /^ip_vs_/ { print $1 }' /proc/modules); do
		rmmod "$_m" || return 1
	done
	rmmod ip_vs || return 1
	! loaded ip_vs && [ ! -e /proc/net/ip_vs ]
}
# pair NAME MODE: the stream's (or a file's) last document beside ipvsadm -Ln, for the host.
pair() {
	cp "$W/doc" "$C/$1.json"
	cp "$W/ipvsadm" "$C/$1.ipvsadm"
	echo "$1 $2" >>"$C/pairs.txt"
}
# rows_on_screen: every virtual service of $W/ipvsadm has its row, and the
# header counts as many services and real servers.
rows_on_screen() {
	_ns=0
	_nd=0
	: >"$W/rows"
	while read -r _p _a _rest; do
		case $_p in
		TCP | UDP | SCTP)
			_ns=$((_ns + 1))
			echo "$_a" >>"$W/rows"
			;;
		FWM)
			_ns=$((_ns + 1))
			;;
		-\>) [ "$_a" = RemoteAddress:Port ] || _nd=$((_nd + 1)) ;;
		esac
	done <"$W/ipvsadm"
	wait_for "Services $_ns +Real servers $_nd( |$)" 10 || return 1
	while read -r _a; do
		grep -qF -- "$_a" "$W/screen" || return 1
	done <"$W/rows"
	return 0
}

# ================================================================ 1. no ip_vs at start
! loaded ip_vs && [ ! -e /proc/net/ip_vs ]
verdict "the rig: a fresh boot without ip_vs" "something loaded ip_vs already" $?

"$IPVSTOP_BIN" -j -n 1 >"$W/doc" 2>"$W/err"
rc=$?
cat "$W/doc" "$W/err" >"$W/screen"
[ $rc = 0 ] && grep -qE '"available": *false' "$W/doc" &&
	grep -qE '"error": *"IPVS is not available: the kernel has no ip_vs module loaded' "$W/doc"
verdict "-j without ip_vs: available false, 'no ip_vs module loaded' (exit 0)" "exit $rc" $?
! loaded ip_vs
verdict "ipvstop does not load ip_vs behind the user's back" "ip_vs got loaded" $?

"$IPVSTOP_BIN" -j -d 1 >"$W/stream.jsonl" 2>"$W/stream.err" &
JPID=$!
T new-session -d -s "$SESSION" -x 160 -y 40 "$IPVSTOP_BIN -d 1; echo EXITED rc=\$?; sleep 600"
expect "dashboard without ip_vs: the header says the module is not loaded" \
	"IPVS is not available: the kernel has no ip_vs module loaded"
keys_answered "dashboard without ip_vs: keys are answered"
mark "family missing checked"

make_table
verdict "the rig: modprobe ip_vs and the table" "ipvsadm failed" $?
ipvsadm -Ln >"$W/ipvsadm"
rows_on_screen
verdict "dashboard after modprobe: recovered by itself, every row of ipvsadm -Ln" \
	"rows or counts differ from ipvsadm -Ln" $?
grep -q "IPVS is not available" "$W/screen"
[ $? != 0 ]
verdict "dashboard after modprobe: the message is gone" "still there" $?
# Two documents after ipvsadm's listing: the stream has read the new table.
sleep 2
stream_wait '"available": *true' 10
verdict "-j -d 1 after modprobe: recovered by itself" "no document with available true" $?
pair after-modprobe netlink
mark "recovery after modprobe checked"

# ================================================================ 2. rmmod under ipvstop
remove_ipvs
rc=$?
lsmod >"$W/screen" 2>&1
verdict "the rig: ipvsadm -C, rmmod of the schedulers and ip_vs" "rmmod failed" $rc
expect "dashboard after rmmod: says IPVS is gone" \
	"IPVS is not available: the kernel has no ip_vs module loaded" 10
grep -qE "Services 0 +Real servers 0" "$W/screen"
verdict "dashboard after rmmod: no stale rows (Services 0)" "the old table is still counted" $?
keys_answered "dashboard after rmmod: keys are answered"
stream_wait '"available": *false.*no ip_vs module loaded' 10
rc=$?
cp "$W/doc" "$W/screen"
verdict "-j -d 1 after rmmod: available false with the reason" "no such document" $rc
grep -qE '"services": *\[\]' "$W/doc"
verdict "-j -d 1 after rmmod: no stale services" "services not empty" $?
mark "rmmod checked"

make_table2
verdict "the rig: modprobe ip_vs again and a new table" "ipvsadm failed" $?
ipvsadm -Ln >"$W/ipvsadm"
rows_on_screen
verdict "dashboard after the reload: recovered, every row of ipvsadm -Ln" \
	"rows or counts differ from ipvsadm -Ln" $?
sleep 2
stream_wait '"available": *true' 10
verdict "-j -d 1 after the reload: recovered" "no document with available true" $?
pair after-reload netlink
kill -0 $JPID 2>/dev/null
verdict "-j -d 1 is still running" "it exited: $(cat "$W/stream.err")" $?
snap
grep -q "EXITED" "$W/screen"
[ $? != 0 ]
verdict "the dashboard is still running" "it exited" $?
keys q
expect "the dashboard quits with q (exit 0)" "EXITED rc=0" 10
kill $JPID 2>/dev/null
wait $JPID 2>/dev/null
T kill-session -t "$SESSION" 2>/dev/null
cp "$W/stream.err" "$C/stream.err"
mark "reload checked"

# ================================================================ 3. no CAP_NET_ADMIN
NOBODY="/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
$NOBODY grep CapEff /proc/self/status >"$W/screen" 2>&1
grep -q 'CapEff:[[:space:]]*0000000000000000' "$W/screen"
verdict "the rig: setpriv leaves nobody without any capability" "capabilities left" $?

$NOBODY "$IPVSTOP_BIN" -j -n 1 >"$W/doc" 2>"$W/err"
rc=$?
cat "$W/doc" "$W/err" >"$W/screen"
[ $rc = 0 ] && grep -qE '"source": *"proc"' "$W/doc" &&
	grep -qE '"error": *"no CAP_NET_ADMIN: read-only view from /proc/net/ip_vs' "$W/doc"
verdict "-j without CAP_NET_ADMIN: the /proc view and its message (exit 0)" "exit $rc" $?
pair nobody proc

$NOBODY "$IPVSTOP_BIN" -j -n 1 --source=netlink >"$W/doc" 2>"$W/err"
rc=$?
cat "$W/doc" "$W/err" >"$W/screen"
grep -qE '"available": *false' "$W/doc" &&
	grep -qE 'needs CAP_NET_ADMIN' "$W/doc"
verdict "-j --source=netlink without CAP_NET_ADMIN: 'needs CAP_NET_ADMIN'" "exit $rc" $?

T new-session -d -s nobody -x 160 -y 40 "$NOBODY $IPVSTOP_BIN -d 1; echo EXITED rc=\$?; sleep 600"
SESSION=nobody
expect "dashboard without CAP_NET_ADMIN: READ-ONLY in the header" "READ-ONLY" 10
expect "dashboard without CAP_NET_ADMIN: says why" "no CAP_NET_ADMIN: read-only view from /proc/net/ip_vs" 5
rows_on_screen
verdict "dashboard without CAP_NET_ADMIN: every row of ipvsadm -Ln" \
	"rows or counts differ from ipvsadm -Ln" $?
keys_answered "dashboard without CAP_NET_ADMIN: keys are answered"
# ip_vs removed under the unprivileged view: /proc/net/ip_vs goes away.
remove_ipvs
verdict "the rig: rmmod under the unprivileged dashboard" "rmmod failed" $?
# Without the family, netlink says so before any permission is checked.
expect "dashboard without CAP_NET_ADMIN after rmmod: says IPVS is gone" \
	"IPVS is not available: (the kernel has no ip_vs module loaded|/proc/net/ip_vs does not exist)" 10
grep -qE "Services 0 +Real servers 0" "$W/screen"
verdict "dashboard without CAP_NET_ADMIN after rmmod: no stale rows" "the old table is still counted" $?
make_table
verdict "the rig: the table once more" "ipvsadm failed" $?
ipvsadm -Ln >"$W/ipvsadm"
rows_on_screen
verdict "dashboard without CAP_NET_ADMIN: recovered after modprobe" \
	"rows or counts differ from ipvsadm -Ln" $?
keys q
expect "the unprivileged dashboard quits with q (exit 0)" "EXITED rc=0" 10
T kill-server 2>/dev/null
mark "no CAP_NET_ADMIN checked"

# ================================================================ 4. long reads
# The benchmark's loaders (bench/tools, copied in by vm-faults-test.sh). Built with
# the sanitizers in tools/check.sh's run: their own leaks are not ipvstop's.
tool() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "/usr/bin/$@"; }
# quit_within NAME SECONDS: q, then the exit within SECONDS (status 0); says how long.
quit_within() {
	now
	_t0=$NOW
	keys q
	if wait_for "EXITED rc=" "$2"; then
		now
		_ms=$(((NOW - _t0) * 10))
		if grep -q "EXITED rc=0" "$W/screen"; then
			result ok "$1 ($_ms ms)"
		else
			result fail "$1" "exit status not 0"
		fi
	else
		result fail "$1" "still running ${2} s after q"
	fi
}
ipvsadm -C
T kill-server 2>/dev/null
SESSION=long

# A dump of 40,000 services is thousands of datagrams (about 4 s here, without the
# cancel q waited for the rest of it): q in the middle of the first one.
tool nlload -S 40000 -D 40000 >"$W/screen" 2>&1
verdict "the rig: nlload, 40,000 services" "nlload failed" $?
T new-session -d -s "$SESSION" -x 160 -y 40 "$IPVSTOP_BIN -d 1; echo EXITED rc=\$?; sleep 600"
usleep 500000
snap
if grep -qE "Services 40000 " "$W/screen"; then
	when="after the first frame: the dump took less than 0.5 s here"
else
	when="during the first service dump"
fi
quit_within "q $when: ipvstop ends within 2 s" 2
T kill-session -t "$SESSION" 2>/dev/null
mark "q during the dump checked"

# 100,000 connection entries: /proc/net/ip_vs_conn takes many seconds to read.
ipvsadm -C
{
	tool nlload -S 10 -D 20 &&
		ip link set lo up &&
		echo 16777216 >/proc/sys/net/ipv4/vs/sync_sock_size &&
		ip netns add syncsrc &&
		ip link add vsync1 mtu 16000 type veth peer name vsync0 mtu 16000 netns syncsrc &&
		ip addr add 10.77.0.1/24 dev vsync1 &&
		ip link set vsync1 up &&
		ip -n syncsrc addr add 10.77.0.2/24 dev vsync0 &&
		ip -n syncsrc link set vsync0 up &&
		ipvsadm --start-daemon backup --mcast-interface vsync1 --syncid 0
} >"$W/screen" 2>&1
verdict "the rig: 10 services, a veth and the backup sync daemon" "setup failed" $?
sleep 1
# Paced on the kernel's count (-P: how long to wait for a lagging backup thread; under
# emulation and load it creates a few thousand entries a second, and drops some).
tool syncgen -S 10 -D 20 -n 100000 -N /run/netns/syncsrc -i vsync0 -P 5 -c /proc/net/ip_vs \
	>"$W/screen" 2>&1
created=$(sed -n 's/.*created=\([0-9]*\).*/\1/p' "$W/screen")
[ "${created:-0}" -ge 50000 ]
verdict "the rig: at least 50,000 of 100,000 connection entries made (${created:-none})" "too few" $?
mark "connection entries made"

T new-session -d -s "$SESSION" -x 160 -y 40 "$IPVSTOP_BIN -d 1; echo EXITED rc=\$?; sleep 600"
expect "dashboard with 100,000 entries: the table" "Services 10 +Real servers 20( |$)" 20
keys c
expect "c: the connection pane opens, reading" "Connections of .*: reading\.\.\." 5
sleep 1
snap
grep -qE "Connections of .*: reading\.\.\." "$W/screen"
verdict "the rig: the list is still being read 1 s later" "it was read already" $?
# Closed while read: the next refresh does not wait for the list, a new service shows.
keys c
ipvsadm -A -t 10.99.0.1:80 -s rr
expect "c again: the list is dropped, a new service shows within 4 s" "10\.99\.0\.1:80" 4
keys c
expect "c once more: reading again" "Connections of .*: reading\.\.\." 5
# Without the cancel q waited for the rest of the read (3 s and more here).
quit_within "q while the list is read: ipvstop ends within 2 s" 2
T kill-server 2>/dev/null
ipvsadm --stop-daemon backup
ipvsadm -C
mark "long reads checked"

echo "complete $n" >>"$RES"
exit 0
