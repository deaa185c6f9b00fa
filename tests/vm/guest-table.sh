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

# ---------------------------------------------------------------- modules
for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh \
	ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh veth dummy; do
	run modprobe "$m"
done
have_sip=0
opt modprobe ip_vs_pe_sip && have_sip=1
# Merged into nf_conntrack in Linux 4.19: expected to fail on newer kernels.
modprobe nf_conntrack_ipv4 2>/dev/null && echo "nf_conntrack_ipv4 loaded" >>"$NOTES"

# ---------------------------------------------------------------- network
run sysctl -q -w net.ipv4.ip_forward=1
run sysctl -q -w net.ipv6.conf.all.forwarding=1
run sysctl -q -w net.ipv4.conf.all.arp_ignore=1
run sysctl -q -w net.ipv4.conf.all.arp_announce=2
# Non-default IPVS sysctls, so that ipvstop's values are checked for real.
run sysctl -q -w net.ipv4.vs.expire_nodest_conn=1
run sysctl -q -w net.ipv4.vs.expire_quiescent_template=1
run sysctl -q -w net.ipv4.vs.sloppy_tcp=0
run sysctl -q -w net.ipv4.vs.conntrack=1

run ip link add vip0 type dummy
run ip link set vip0 up
run ip addr add 192.0.2.1/24 dev vip0
for v in 10 11 12 13; do
	run ip addr add "192.0.2.$v/32" dev vip0
done
run ip -6 addr add 2001:db8::1/64 dev vip0 nodad
run ip -6 addr add 2001:db8::10/128 dev vip0 nodad

# make_ns NAME ADDR4 GW4 ADDR6 GW6
make_ns() {
	run ip netns add "$1"
	run ip link add "v-$1" type veth peer name eth0 netns "$1"
	run ip link set "v-$1" up
	run ip addr add "$3/24" dev "v-$1"
	run ip -6 addr add "$5/64" dev "v-$1" nodad
	run ip -n "$1" link set lo up
	run ip -n "$1" link set eth0 up
	run ip -n "$1" addr add "$2/24" dev eth0
	run ip -n "$1" -6 addr add "$4/64" dev eth0 nodad
	run ip -n "$1" route add default via "$3"
	run ip -n "$1" -6 route add default via "$5"
}
make_ns cli 10.1.0.2 10.1.0.1 fd00:1::2 fd00:1::1
make_ns srv1 10.2.0.2 10.2.0.1 fd00:2::2 fd00:2::1
make_ns srv2 10.3.0.2 10.3.0.1 fd00:3::2 fd00:3::1

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
run ipvsadm --set 900 120 300

# Services that get traffic (all masquerading).
# wlc, two real servers with different weights.
run ipvsadm -A -t 192.0.2.10:80 -s wlc
run ipvsadm -a -t 192.0.2.10:80 -r 10.2.0.2:80 -m -w 3
run ipvsadm -a -t 192.0.2.10:80 -r 10.3.0.2:80 -m -w 1
# Persistent with a netmask: templates show up in the connection table.
run ipvsadm -A -t 192.0.2.11:80 -s rr -p 300 -M 255.255.255.0
run ipvsadm -a -t 192.0.2.11:80 -r 10.2.0.2:80 -m
run ipvsadm -a -t 192.0.2.11:80 -r 10.3.0.2:80 -m -w 2
# IPv6, source hashing with its flags.
run ipvsadm -A -t '[2001:db8::10]:80' -s sh -b sh-fallback,sh-port
run ipvsadm -a -t '[2001:db8::10]:80' -r '[fd00:2::2]:80' -m -w 2
run ipvsadm -a -t '[2001:db8::10]:80' -r '[fd00:3::2]:80' -m
# UDP one-packet scheduling (DNS-like): no connection entries, counters move.
run ipvsadm -A -u 192.0.2.12:53 -s rr -o
run ipvsadm -a -u 192.0.2.12:53 -r 10.2.0.2:53 -m
run ipvsadm -a -u 192.0.2.12:53 -r 10.3.0.2:53 -m
# One long-lived connection: stays ESTABLISHED.
run ipvsadm -A -t 192.0.2.13:7000 -s lc
run ipvsadm -a -t 192.0.2.13:7000 -r 10.2.0.2:7000 -m

# Services without traffic: every scheduler, every forwarding method, flags.
run ipvsadm -A -t 192.0.2.20:443 -s wrr
run ipvsadm -a -t 192.0.2.20:443 -r 10.9.0.1:443 -m -w 5 -x 1000 -y 100
run ipvsadm -a -t 192.0.2.20:443 -r 10.9.0.2 -g -w 2
run ipvsadm -a -t 192.0.2.20:443 -r 10.9.0.3 -i -w 0
# A local address as real server: the kernel makes it "Local".
run ipvsadm -a -t 192.0.2.20:443 -r 10.1.0.1:443 -m
if [ $have_sip = 1 ]; then
	run ipvsadm -A -u 192.0.2.21:5060 -s dh -p 60 --pe sip
else
	run ipvsadm -A -u 192.0.2.21:5060 -s dh -p 60
fi
run ipvsadm -a -u 192.0.2.21:5060 -r 10.9.0.4:5060 -m -w 7
run ipvsadm -A --sctp-service 192.0.2.22:3868 -s lc
run ipvsadm -a --sctp-service 192.0.2.22:3868 -r 10.9.0.5:3868 -m
run ipvsadm -a --sctp-service 192.0.2.22:3868 -r 10.9.0.6:3868 -m -w 4 -x 10
# Firewall marks, IPv4 and IPv6, persistent.
run ipvsadm -A -f 1 -s lblc -p 120
run ipvsadm -a -f 1 -r 10.9.0.7 -g
run ipvsadm -a -f 1 -r 10.9.0.8 -i -w 3
run ipvsadm -A -f 2 -6 -s lblcr -p 100 -M 48
run ipvsadm -a -f 2 -6 -r '[fd00:9::7]:0' -g
# IPv6 persistent with a prefix; tunnels of every type, a mixed-family tunnel.
run ipvsadm -A -t '[2001:db8::20]:443' -s sed -p 600 -M 64
run ipvsadm -a -t '[2001:db8::20]:443' -r '[fd00:9::8]:443' -m -w 0
# (A real server of the other address family, only for tunnels, is added by
# guest-check.sh in a second snapshot: the kernel refuses sync daemons while
# such a real server exists, and the other way round.)
opt ipvsadm -a -t '[2001:db8::20]:443' -r '[fd00:9::9]:443' -i --tun-type gue --tun-port 6080
opt ipvsadm -a -t '[2001:db8::20]:443' -r '[fd00:9::a]:443' -i --tun-type gre --tun-csum
run ipvsadm -A -u '[2001:db8::21]:53' -s nq -o
run ipvsadm -a -u '[2001:db8::21]:53' -r '[fd00:9::b]:53' -m -x 50 -y 10
run ipvsadm -A -t 192.0.2.23:8080 -s fo
run ipvsadm -a -t 192.0.2.23:8080 -r 10.9.0.11:8080 -m -w 10
run ipvsadm -a -t 192.0.2.23:8080 -r 10.9.0.12:8080 -m -w 5
run ipvsadm -a -t 192.0.2.23:8080 -r 10.9.0.13:8080 -m -w 0
run ipvsadm -A -t 192.0.2.24:8081 -s ovf
run ipvsadm -a -t 192.0.2.24:8081 -r 10.9.0.14:8081 -m -w 2 -x 20 -y 5
run ipvsadm -A -t 192.0.2.25:80 -s mh -b mh-fallback,mh-port
run ipvsadm -a -t 192.0.2.25:80 -r 10.9.0.15:80 -m
opt ipvsadm -a -t 192.0.2.25:80 -r 10.9.0.16 -i --tun-type gue --tun-port 6081 --tun-nocsum
# A service without real servers.
run ipvsadm -A -t 192.0.2.26:25 -s wlc
# UDP sh with only sh-port, one-packet.
run ipvsadm -A -u 192.0.2.27:4500 -s sh -b sh-port -o
run ipvsadm -a -u 192.0.2.27:4500 -r 10.9.0.17:4500 -m -w 9

# Sync daemons: both states, non-default multicast parameters on the master.
run ip link add sync0 type dummy
run ip link set sync0 multicast on
run ip link set sync0 up
run ip addr add 10.77.0.1/24 dev sync0
opt ipvsadm --start-daemon master --mcast-interface sync0 --syncid 7 \
	--sync-maxlen 1400 --mcast-group 224.0.0.82 --mcast-port 8849 --mcast-ttl 2 ||
	run ipvsadm --start-daemon master --mcast-interface sync0 --syncid 7
run ipvsadm --start-daemon backup --mcast-interface sync0 --syncid 8

# ---------------------------------------------------------------- traffic
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
