#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-check.sh: runs inside the test VM after guest-table.sh. Takes
# ipvstop's JSON and the ground truth from ipvsadm, /proc and lsmod into $OUT,
# for compare.py on the host.
#
# Making the two comparable:
# - Counters: the traffic has stopped (guest-table.sh ends its burst and the
#   only connection left open is idle), so every counter is frozen. The stats
#   are taken before and after ipvstop; compare.py checks that they did not
#   move and then compares ipvstop's counters exactly.
# - Rates: the kernel's estimator recomputes every 2 s as a moving average
#   (avg += (sample - avg) / 4), so rates keep decaying after the traffic
#   stops. We wait SETTLE seconds after the end of the traffic, so that every
#   estimator tick from then on sees no traffic and each rate can only go
#   down; then ipvstop's rate must lie between the value ipvsadm printed just
#   before it ran and the one just after (inclusive): an exact bracket, no
#   tolerance to guess.
# - Connections: the same bracket for the "expires" countdown; entries do not
#   come or go (no traffic; the shortest timeout left is TIME_WAIT's 120 s).

set -u
OUT=${OUT:-/out}
mkdir -p "$OUT"
SETTLE=${SETTLE:-4}
IPVSTOP_BIN=${IPVSTOP_BIN:-/usr/sbin/ipvstop}

ipvsadm() { /usr/sbin/ipvsadm "$@"; }
lsmod() { /usr/sbin/lsmod; }

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# The lab's background traffic, if any, stops here.
if [ -f /run/ipvstop-traffic.pid ]; then
	kill "$(cat /run/ipvstop-traffic.pid)" 2>/dev/null
	uptime_s >/run/ipvstop-traffic-end
fi

# Wait until the estimator has seen SETTLE seconds without traffic.
if [ -f /run/ipvstop-traffic-end ]; then
	until awk -v e="$(cat /run/ipvstop-traffic-end)" -v s="$SETTLE" -v u="$(uptime_s)" \
		'BEGIN { exit !(u >= e + s) }'; do
		usleep 200000
	done
fi

# capture DIR [RUNNER...]: ipvstop's JSON and the ground truth into $OUT/DIR.
# RUNNER (e.g. setpriv ...) runs ipvstop as someone else.
capture() {
	name=$1
	d=$OUT/$1
	shift
	mkdir -p "$d"
	mark "capture $name start"
	snapshot "$d" before
	t0=$(uptime_s)
	"$@" "$IPVSTOP_BIN" -j -n 1 --connections >"$d/ipvstop.json" 2>"$d/ipvstop.stderr"
	echo $? >"$d/ipvstop.rc"
	t1=$(uptime_s)
	snapshot "$d" after
	echo "ipvstop $t0 $t1" >"$d/timing"

	ipvsadm -Ln --tun-info >"$d/tun-info.txt" 2>&1
	ipvsadm -Ln --timeout >"$d/timeout.txt" 2>&1
	ipvsadm -Ln --daemon >"$d/daemon.txt" 2>&1
	ipvsadm -Sn >"$d/save.txt" 2>&1
	cat /proc/net/ip_vs >"$d/proc_ip_vs.txt"
	cat /proc/net/ip_vs_stats >"$d/proc_ip_vs_stats.txt"

	# Modules: loaded (lsmod), built in, or present on disk.
	lsmod >"$d/lsmod.txt"
	kver=$(uname -r)
	echo "$kver" >"$d/uname.txt"
	sed -n 's|^\([^:]*\):.*|\1|p' "/lib/modules/$kver/modules.dep" >"$d/modules-available.txt"
	cp "/lib/modules/$kver/modules.builtin" "$d/modules-builtin.txt" 2>/dev/null ||
		: >"$d/modules-builtin.txt"

	# Sysctls, one "name<TAB>value" a line (multi-valued ones keep their
	# tabs). One grep for all: a process per file is slow under emulation.
	grep -H . /proc/sys/net/ipv4/vs/* /proc/sys/net/ipv4/conf/all/* \
		/proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding \
		/proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null |
		awk '{ i = index($0, ":"); n = substr($0, 11, i - 11); gsub("/", ".", n)
			print n "\t" substr($0, i + 1) }' >"$d/sysctls.txt"
	mark "capture $name done"
}

# Uptime marks in $OUT/timing, to see where the time goes.
mark() {
	echo "$(uptime_s) $*" >>"$OUT/timing"
}

# Counters, rates and connections before and after ipvstop (see the top).
snapshot() { # dir suffix
	ipvsadm -Ln --exact --stats >"$1/stats.$2.txt" 2>&1
	ipvsadm -Ln --exact --rate >"$1/rate.$2.txt" 2>&1
	ipvsadm -Ln >"$1/list.$2.txt" 2>&1
	ipvsadm -Ln --thresholds >"$1/thresholds.$2.txt" 2>&1
	ipvsadm -Ln --persistent-conn >"$1/persistent.$2.txt" 2>&1
	ipvsadm -Lnc >"$1/conns.$2.txt" 2>&1
	cat /proc/net/ip_vs_conn >"$1/proc_ip_vs_conn.$2.txt"
}

mark "traffic settled"

# 1. ipvstop as root: netlink, with the connection list.
capture netlink

# 2. Without CAP_NET_ADMIN, ipvstop must fall back to /proc (source "proc").
# setpriv (util-linux) drops to nobody; a non-root uid keeps no capabilities.
capture proc /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	sh -c 'id; grep ^Cap /proc/self/status' >"$OUT/proc/nobody-id.txt" 2>&1

# 3. Real servers of the other address family (tunnels only). The kernel
# refuses them while a sync daemon runs, so the daemons stop first.
ipvsadm --stop-daemon master
ipvsadm --stop-daemon backup
ipvsadm -a -t '[2001:db8::20]:443' -r 10.9.0.10 -i -w 4 &&
	ipvsadm -a -t 192.0.2.20:443 -r '[fd00:9::c]:443' -i --tun-type gue --tun-port 6082 ||
	echo "mixed-family real servers refused" >>"$OUT/table-notes.txt"
capture mixed

"$IPVSTOP_BIN" --version >"$OUT/ipvstop-version.txt" 2>&1
mark "guest-check end"
exit 0
