#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-table.sh: runs inside the test VM (busybox ash, as root, in /init).
# Loads the IPVS modules, builds a varied IPVS table with ipvsadm and sends
# real traffic through masquerading services across network namespaces:
#
#   netns cli (10.1.0.2, fd00:1::2)                          client: busybox wget, nslookup, nc
#        | veth
#   root namespace = director: VIPs 192.0.2.x, 2001:db8::x on vip0; ip_forward
#        | veth                       | veth
#   netns srv1 (10.2.0.2, fd00:2::2)  netns srv2 (10.3.0.2, fd00:3::2): busybox httpd :80, nc :7000
#
# TRAFFIC=burst (default, for the test): a few seconds of requests, then
# stops; /run/ipvstop-traffic-end holds the uptime when it stopped.
# TRAFFIC=background (the lab): a bounded loop keeps going in the background
# (VM_ARG_traffic seconds, default 3600); its pid is in /run/ipvstop-traffic.pid.
#
# Required steps fail the script (exit 1); optional features that this kernel
# or ipvsadm lack are noted in $OUT/table-notes.txt and skipped.

set -u
OUT=${OUT:-/out}
mkdir -p "$OUT"
TRAFFIC=${TRAFFIC:-burst}
[ -f /etc/ipvstop-vm-mode ] && [ "$(cat /etc/ipvstop-vm-mode)" = lab ] && TRAFFIC=background

# busybox ash prefers its own applets to $PATH: call the real tools by path.
ip() { /usr/sbin/ip "$@"; }
modprobe() { /usr/sbin/modprobe "$@"; }
ipvsadm() { /usr/sbin/ipvsadm "$@"; }

failed=0
NOTES=$OUT/table-notes.txt
: >"$NOTES"

# Required step.
run() {
	echo "+ $*" >>"$OUT/table-commands.txt"
	if ! "$@"; then
		echo "guest-table: FAILED: $*" >&2
		failed=1
		return 1
	fi
}

# Optional step: a failure is recorded, not fatal.
opt() {
	echo "+ $* (optional)" >>"$OUT/table-commands.txt"
	if ! "$@" 2>>"$NOTES"; then
		echo "optional step failed: $*" | tee -a "$NOTES" >&2
		return 1
	fi
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "$(uptime_s) $*" >>"$OUT/timing"; }
mark "guest-table start"

# ---------------------------------------------------------------- modules
# Few processes: each exec of a dynamic binary costs ~0.1 s under emulation.
run modprobe -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr \
	ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh veth dummy
have_sip=0
opt modprobe ip_vs_pe_sip && have_sip=1
# Merged into nf_conntrack in Linux 4.19: expected to fail on newer kernels.
modprobe nf_conntrack_ipv4 2>/dev/null && echo "nf_conntrack_ipv4 loaded" >>"$NOTES"

# ---------------------------------------------------------------- network
mark "modules loaded"
# Non-default IPVS sysctls too, so that ipvstop's values are checked for real.
run sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
	net.ipv4.vs.expire_nodest_conn=1 net.ipv4.vs.expire_quiescent_template=1 \
	net.ipv4.vs.sloppy_tcp=0 net.ipv4.vs.conntrack=1

# ipbatch [NETNS]: `ip -batch` of stdin, in the namespace NETNS if given.
ipbatch() {
	f=/run/ip-batch.txt
	cat >"$f"
	sed "s/^/+ ip ${1:+-n $1 }/" "$f" >>"$OUT/table-commands.txt"
	if [ $# = 1 ]; then
		run ip -n "$1" -batch "$f"
	else
		run ip -batch "$f"
	fi
}

for ns in cli srv1 srv2; do
	run ip netns add "$ns"
done
# The director: VIPs on vip0, a veth to each namespace, and sync0 for the
# sync daemons (they want multicast on and an address).
ipbatch <<'END_OF_BATCH'
link add vip0 type dummy
link set vip0 up
addr add 192.0.2.1/24 dev vip0
addr add 192.0.2.10/32 dev vip0
addr add 192.0.2.11/32 dev vip0
addr add 192.0.2.12/32 dev vip0
addr add 192.0.2.13/32 dev vip0
addr add 2001:db8::1/64 dev vip0 nodad
addr add 2001:db8::10/128 dev vip0 nodad
link add v-cli type veth peer name eth0 netns cli
link add v-srv1 type veth peer name eth0 netns srv1
link add v-srv2 type veth peer name eth0 netns srv2
addr add 10.1.0.1/24 dev v-cli
addr add 10.2.0.1/24 dev v-srv1
addr add 10.3.0.1/24 dev v-srv2
addr add fd00:1::1/64 dev v-cli nodad
addr add fd00:2::1/64 dev v-srv1 nodad
addr add fd00:3::1/64 dev v-srv2 nodad
link set v-cli up
link set v-srv1 up
link set v-srv2 up
link add sync0 type dummy
link set sync0 multicast on
link set sync0 up
addr add 10.77.0.1/24 dev sync0
END_OF_BATCH
# ns_setup NAME NET: 10.NET.0.2 and fd00:NET::2, the director at .1 and ::1.
ns_setup() {
	ipbatch "$1" <<-END_OF_BATCH
		link set lo up
		link set eth0 up
		addr add 10.$2.0.2/24 dev eth0
		addr add fd00:$2::2/64 dev eth0 nodad
		route add default via 10.$2.0.1
		route add default via fd00:$2::1
	END_OF_BATCH
}
ns_setup cli 1
ns_setup srv1 2
ns_setup srv2 3

# Web servers in the server namespaces (a 4 KiB page, so bytes move).
for s in srv1 srv2; do
	mkdir -p "/www/$s"
	i=0
	while [ $i -lt 64 ]; do
		echo "ipvstop test page from $s, line $i ......................................"
		i=$((i + 1))
	done >"/www/$s/index.html"
	run ip netns exec "$s" httpd -p 80 -h "/www/$s"
	# A listener for the long-lived connection.
	# (busybox nc closes the connection at the end of its stdin: keep it open.)
	ip netns exec "$s" sh -c 'sleep 100000 | nc -l -p 7000 &' </dev/null >/dev/null 2>&1
done

# ---------------------------------------------------------------- IPVS table
mark "network ready"
# The whole table in one `ipvsadm -R` (the command-line syntax, one command a
# line). -R goes on after a failed line and returns the status of the last
# one only, so any message on stderr counts as a failure; then the table is
# rebuilt line by line to name the culprit.
if [ $have_sip = 1 ]; then pe_sip="--pe sip"; else pe_sip=; fi
cat >/run/table.txt <<END_OF_TABLE
--set 900 120 300
# Services that get traffic (all masquerading).
# wlc, two real servers with different weights.
-A -t 192.0.2.10:80 -s wlc
-a -t 192.0.2.10:80 -r 10.2.0.2:80 -m -w 3
-a -t 192.0.2.10:80 -r 10.3.0.2:80 -m -w 1
# Persistent with a netmask: templates show up in the connection table.
-A -t 192.0.2.11:80 -s rr -p 300 -M 255.255.255.0
-a -t 192.0.2.11:80 -r 10.2.0.2:80 -m
-a -t 192.0.2.11:80 -r 10.3.0.2:80 -m -w 2
# IPv6, source hashing with its flags.
-A -t [2001:db8::10]:80 -s sh -b sh-fallback,sh-port
-a -t [2001:db8::10]:80 -r [fd00:2::2]:80 -m -w 2
-a -t [2001:db8::10]:80 -r [fd00:3::2]:80 -m
# UDP one-packet scheduling (DNS-like): no connection entries, counters move.
-A -u 192.0.2.12:53 -s rr -o
-a -u 192.0.2.12:53 -r 10.2.0.2:53 -m
-a -u 192.0.2.12:53 -r 10.3.0.2:53 -m
# One long-lived connection: stays ESTABLISHED.
-A -t 192.0.2.13:7000 -s lc
-a -t 192.0.2.13:7000 -r 10.2.0.2:7000 -m

# Services without traffic: every scheduler, every forwarding method, flags.
-A -t 192.0.2.20:443 -s wrr
-a -t 192.0.2.20:443 -r 10.9.0.1:443 -m -w 5 -x 1000 -y 100
-a -t 192.0.2.20:443 -r 10.9.0.2 -g -w 2
-a -t 192.0.2.20:443 -r 10.9.0.3 -i -w 0
# A local address as real server (old kernels made it "Local"; 6.1 keeps Masq).
-a -t 192.0.2.20:443 -r 10.1.0.1:443 -m
-A -u 192.0.2.21:5060 -s dh -p 60 $pe_sip
-a -u 192.0.2.21:5060 -r 10.9.0.4:5060 -m -w 7
-A --sctp-service 192.0.2.22:3868 -s lc
-a --sctp-service 192.0.2.22:3868 -r 10.9.0.5:3868 -m
-a --sctp-service 192.0.2.22:3868 -r 10.9.0.6:3868 -m -w 4 -x 10
# Firewall marks, IPv4 and IPv6, persistent.
-A -f 1 -s lblc -p 120
-a -f 1 -r 10.9.0.7 -g
-a -f 1 -r 10.9.0.8 -i -w 3
-A -f 2 -6 -s lblcr -p 100 -M 48
-a -f 2 -6 -r [fd00:9::7]:0 -g
# IPv6 persistent with a prefix. (A real server of the other address family,
# tunnels only, is added by guest-check.sh for a second snapshot: the kernel
# refuses sync daemons while one exists, and the other way round.)
-A -t [2001:db8::20]:443 -s sed -p 600 -M 64
-a -t [2001:db8::20]:443 -r [fd00:9::8]:443 -m -w 0
-A -u [2001:db8::21]:53 -s nq -o
-a -u [2001:db8::21]:53 -r [fd00:9::b]:53 -m -x 50 -y 10
-A -t 192.0.2.23:8080 -s fo
-a -t 192.0.2.23:8080 -r 10.9.0.11:8080 -m -w 10
-a -t 192.0.2.23:8080 -r 10.9.0.12:8080 -m -w 5
-a -t 192.0.2.23:8080 -r 10.9.0.13:8080 -m -w 0
-A -t 192.0.2.24:8081 -s ovf
-a -t 192.0.2.24:8081 -r 10.9.0.14:8081 -m -w 2 -x 20 -y 5
-A -t 192.0.2.25:80 -s mh -b mh-fallback,mh-port
-a -t 192.0.2.25:80 -r 10.9.0.15:80 -m
# A service without real servers.
-A -t 192.0.2.26:25 -s wlc
# UDP sh with only sh-port, one-packet.
-A -u 192.0.2.27:4500 -s sh -b sh-port -o
-a -u 192.0.2.27:4500 -r 10.9.0.17:4500 -m -w 9
END_OF_TABLE
# (ipvsadm -R knows no comments or empty lines.)
grep -v '^#' /run/table.txt | grep . >/run/table.in
sed 's/^/+ ipvsadm /' /run/table.in >>"$OUT/table-commands.txt"
if ! ipvsadm -R </run/table.in 2>/run/table.err || [ -s /run/table.err ]; then
	cat /run/table.err >&2
	echo "guest-table: ipvsadm -R failed; again line by line" >&2
	ipvsadm -C
	while read -r line; do
		# shellcheck disable=SC2086 # one command line, split as ipvsadm -R does
		ipvsadm $line || echo "guest-table: FAILED: ipvsadm $line" >&2
	done </run/table.in
	failed=1
fi
# Tunnel types (GUE, GRE) need ipvsadm >= 1.30 and Linux >= 5.2/5.3.
opt ipvsadm -a -t '[2001:db8::20]:443' -r '[fd00:9::9]:443' -i --tun-type gue --tun-port 6080
opt ipvsadm -a -t '[2001:db8::20]:443' -r '[fd00:9::a]:443' -i --tun-type gre --tun-csum
opt ipvsadm -a -t 192.0.2.25:80 -r 10.9.0.16 -i --tun-type gue --tun-port 6081 --tun-remcsum

# Sync daemons: both states, non-default multicast parameters on the master.
opt ipvsadm --start-daemon master --mcast-interface sync0 --syncid 7 \
	--sync-maxlen 1400 --mcast-group 224.0.0.82 --mcast-port 8849 --mcast-ttl 2 ||
	run ipvsadm --start-daemon master --mcast-interface sync0 --syncid 7
run ipvsadm --start-daemon backup --mcast-interface sync0 --syncid 8

# ---------------------------------------------------------------- traffic
mark "table ready"
# One round of requests from the client namespace.
cat >/run/traffic-round.sh <<'EOF'
wget -q -O /dev/null http://192.0.2.10/
wget -q -O /dev/null http://192.0.2.11/
wget -q -O /dev/null 'http://[2001:db8::10]/'
# UDP: nobody listens on port 53, the servers answer with ICMP. In the
# background: nslookup waits for its timeout.
timeout 1 nslookup ipvstop.test 192.0.2.12 >/dev/null 2>&1 &
EOF

# The long-lived connection, with a few bytes each way. It stays open.
ip netns exec cli sh -c '(echo hello; sleep 100000) | nc 192.0.2.13 7000 &' </dev/null >/dev/null 2>&1

if [ "$TRAFFIC" = background ]; then
	secs=${VM_ARG_traffic:-3600}
	ip netns exec cli sh -c "
		end=\$((\$(cut -d. -f1 /proc/uptime) + $secs))
		while [ \$(cut -d. -f1 /proc/uptime) -lt \$end ]; do
			. /run/traffic-round.sh
			usleep 300000
		done" </dev/null >/dev/null 2>&1 &
	echo $! >/run/ipvstop-traffic.pid
	echo "guest-table: background traffic for ${secs}s (pid $!)"
else
	# About 6 s of requests: the estimator (every 2 s) gets three samples.
	t0=$(uptime_s)
	rounds=$(ip netns exec cli sh -c "
		end=\$((\$(cut -d. -f1 /proc/uptime) + 6)); n=0
		while [ \$(cut -d. -f1 /proc/uptime) -lt \$end ] || [ \$n -lt 5 ]; do
			. /run/traffic-round.sh; n=\$((n + 1))
		done; wait; echo \$n")
	uptime_s >/run/ipvstop-traffic-end
	echo "guest-table: $rounds rounds of traffic from ${t0}s to $(cat /run/ipvstop-traffic-end)s"
	echo "traffic_rounds=$rounds" >>"$NOTES"
	[ "${rounds:-0}" -ge 5 ] || run false "traffic rounds"
fi

# Did traffic really go through? The first service must count connections.
conns=$(ipvsadm -Ln -t 192.0.2.10:80 --stats --exact | awk '$1 == "TCP" { print $3 }')
if [ "${conns:-0}" -lt 1 ]; then
	echo "guest-table: no connections counted on 192.0.2.10:80" >&2
	ipvsadm -Ln --stats >&2
	failed=1
fi
ipvsadm -Ln
exit $failed
