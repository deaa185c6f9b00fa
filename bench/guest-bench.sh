#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-bench.sh: the benchmark inside the test VM (bench/bench.sh boots it; busybox ash,
# as root). For each table size it loads the table with ipvsadm -R, then measures, side by
# side in this one run: ipvstop's full snapshot (-j -n 1) and ipvsadm -Ln --stats,
# ipvstop refreshing at 1 Hz (JSON, the dashboard on a pseudo terminal, the dashboard in
# tmux), peak memory, the time to the first frame, key latencies, and the kernel's own
# floor for the same reads (nlprobe). Then it fills the connection table through the
# backup sync daemon (syncgen) and measures what a million entries do.
#
# Every measurement is one line of $OUT/results.txt starting with "R " and made of
# key=value words; bench/report.py turns them into tables. Commands are in
# $OUT/commands.txt as they were run.
#
# Kernel command line knobs (bench.sh sets them): ipvstop.sizes=s,m,k,l,xl
# ipvstop.reps=5 ipvstop.bigreps=3 ipvstop.window=15 ipvstop.conns=1000000 ipvstop.connsize=s
# ipvstop.profile=0|1 (perf and callgrind profiles, slow). ipvstop.parts=all|snap|dash (snap:
# only the snapshots side by side with the kernel's floor and ipvsadm, the one-vCPU boot;
# dash: only the dashboard's memory and first frame, with the baseline binary's in the same
# rounds). ipvstop.dashmassif=SECONDS (dash: the dashboard under massif that long at each
# size; 0: not).

set -u
OUT=${OUT:-/out}
RES=$OUT/results.txt
CMDS=$OUT/commands.txt
mkdir -p "$OUT"
if [ "${1:-main}" = main ]; then
	: >"$RES"
	: >"$CMDS"
fi

SIZES=$(echo "${VM_ARG_sizes:-s,m,k,l,xl}" | tr ',' ' ')
REPS=${VM_ARG_reps:-5}
# Fewer on the big tables, where one ipvsadm -Ln --stats takes a while.
BIGREPS=${VM_ARG_bigreps:-3}
WINDOW=${VM_ARG_window:-15}
CONNS=${VM_ARG_conns:-1000000}
CONNSIZE=${VM_ARG_connsize:-s}
PROFILE=${VM_ARG_profile:-0}
PARTS=${VM_ARG_parts:-all}
DASHMASSIF=${VM_ARG_dashmassif:-0}
# dash: traffic to every service during each dashboard (vipspray), a busy table.
DASHBUSY=${VM_ARG_dashbusy:-0}
# The baseline binary of bench.sh's IPVSTOP_BENCH_BASELINE, when it was given one.
BASE=/usr/bin/ipvstop-base
# One screen of the dashboard at 200x50: 41 rows in each pane.
SCREEN_ROWS=41

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 TERM=xterm-256color HOME=/root

# busybox ash prefers its own applets to $PATH: the real tools by path.
ip() { /usr/sbin/ip "$@"; }
modprobe() { /usr/sbin/modprobe "$@"; }
ipvsadm() { /usr/sbin/ipvsadm "$@"; }
IPVSTOP=/usr/sbin/ipvstop

uptime_s() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "$(uptime_s) $*" >>"$OUT/timing"; echo "guest-bench: $(uptime_s) $*"; }
R() { echo "R $*" >>"$RES"; }
# What is in $OUT so far onto the results disk: /init writes it again at the end, but a
# run stopped by the time limit keeps what it had measured.
checkpoint() {
	[ -b /dev/vda ] && tar -c -f /dev/vda -C "$OUT" . && sync
}
# measure LABELS -- COMMAND...: one benchrun line in the results.
measure() {
	_l=
	while [ "$1" != -- ]; do
		_l="$_l $1"
		shift
	done
	shift
	echo "$*" >>"$CMDS"
	benchrun -l "R${_l}" -- "$@" >>"$RES"
}
# Same with a time limit (SIGTERM).
measure_t() { # SECONDS LABELS -- COMMAND...
	_t=$1
	shift
	_l=
	while [ "$1" != -- ]; do
		_l="$_l $1"
		shift
	done
	shift
	echo "$* (for ${_t} s)" >>"$CMDS"
	benchrun -t "$_t" -l "R${_l}" -- "$@" >>"$RES"
}

size_of() { # NAME -> "SERVICES DESTS"
	case $1 in
	s) echo "150 300" ;;
	m) echo "1300 10000" ;;
	k) echo "10000 100000" ;;
	l) echo "20000 100000" ;;
	xl) echo "50000 150000" ;;
	*) echo "" ;;
	esac
}

# The layout of bench/gen-table.py: service i is TCP 10.97.0.0+i:80 (rr); real server g
# is 10.128.0.1+g:8080 (masq, weight 1); D/S real servers each, the first D%S one more.
gen_table() { # S D
	awk -v S="$1" -v D="$2" '
	function ip(n) { return int(n / 16777216) "." int(n / 65536) % 256 "." int(n / 256) % 256 "." n % 256 }
	BEGIN {
		base = int(D / S); extra = D - base * S; g = 0
		for (i = 0; i < S; i++) {
			v = ip(174129152 + i) ":80"
			print "-A -t " v " -s rr"
			n = base + (i < extra ? 1 : 0)
			for (j = 0; j < n; j++) { print "-a -t " v " -r " ip(176160769 + g) ":8080 -m -w 1"; g++ }
		}
	}'
}

# CPU ticks (user + system) of a process or thread: fields 14 and 15 of its stat.
ticks() { # /proc/PID[/task/TID]
	sed 's/.*) //' "$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
# Busy ticks of the whole machine: user nice system irq softirq steal (/proc/stat).
busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
softirq_ticks() {
	awk '$1 == "cpu" { print $8; exit }' /proc/stat
}
hz() { getconf CLK_TCK 2>/dev/null || echo 100; }

# Each table is loaded in a network namespace of its own (IPVS state is per namespace),
# made for it and never deleted: deleting a big table is what costs. ipvsadm -C of the
# 50,000-service table took 450 s here; after it, the deleted real servers stay in the
# kernel's trash list for minutes and every real server added meanwhile is first looked
# for there, one by one (ip_vs_trash_get_dest): loading 100,000 after 10,000 had been
# deleted took 140 s instead of 6 s. The script runs itself in the namespace:
#   guest-bench.sh size NAME   |   guest-bench.sh conns
in_netns() { # NAME ARGS...: this script in a new namespace NAME
	_ns=$1
	shift
	ip netns add "$_ns" || return 1
	ip netns exec "$_ns" sh "$0" "$@"
}
netns_setup() {
	ip link set lo up
	# Room for the sync daemon's socket (syncgen paces itself, but bursts need room).
	sysctl -q -w net.ipv4.vs.sync_sock_size=16777216 2>/dev/null
}

# calib_user NAME REPEATS: ipvstop on the recording bench.sh put in /bench (user-space
# work: JSON in and out), as on the host.
calib_user() {
	[ -f /bench/calib.jsonl ] || return 0
	_r=1
	while [ $_r -le "$2" ]; do
		benchrun -l "R size=$1 what=calib_user where=guest rep=$_r" -- \
			$IPVSTOP -j -n 1 --no-kube --replay=/bench/calib.jsonl >>"$RES"
		_r=$((_r + 1))
	done
}

# ---------------------------------------------------------------- setup, empty table
setup_and_empty() {
	mark "guest-bench start"
	modprobe -a ip_vs ip_vs_rr veth dummy || { echo "guest-bench: modprobe failed"; exit 1; }
	sysctl -q -w net.core.rmem_max=33554432 net.core.wmem_max=33554432
	R "what=env kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
		"mem_kb=$(awk '/MemTotal/ { print $2 }' /proc/meminfo) ipvstop=$($IPVSTOP --version | head -n 1 | tr ' ' '_')" \
		"ipvsadm=$(ipvsadm --version 2>&1 | head -n 1 | tr ' ' '_') conn_tab_size=$(sed -n '1s/.*size=\([0-9]*\).*/\1/p' /proc/net/ip_vs)" \
		"parts=$PARTS base=$([ -x $BASE ] && $BASE --version | head -n 1 | tr ' ' '_')"
	# The emulator's speed, to compare with the same programs on the host.
	echo "nlprobe -C 20" >>"$CMDS"
	nlprobe -C 20 | sed 's/^calib/R what=calib where=guest/' >>"$RES"
	calib_user start 3

	mark "empty table"
	i=1
	while [ $i -le "$REPS" ] && [ "$PARTS" != dash ]; do
		measure size=empty what=ipvsadm_stats "rep=$i" -- ipvsadm -Ln --stats
		measure size=empty what=ipvstop_json "rep=$i" -- $IPVSTOP -j -n 1 --no-kube
		i=$((i + 1))
	done
	[ "$PARTS" = snap ] && return 0
	# The dashboard's own baseline (its peak RSS on an empty table), for bytes per real
	# server in its steady state; in the dash part repeated, the baseline binary's too.
	if [ "$PARTS" != dash ]; then
		ui_empty ui_pty $IPVSTOP
		return 0
	fi
	i=1
	while [ $i -le "$REPS" ]; do
		ui_empty ui_pty $IPVSTOP "rep=$i"
		[ -x $BASE ] && ui_empty base_pty $BASE "rep=$i"
		i=$((i + 1))
	done
}

# ui_empty WHAT PROGRAM [LABELS]: the dashboard of PROGRAM on an empty table (up to its
# title), for 5 s; its peak RSS is the baseline of bytes per real server.
ui_empty() {
	echo "ptyprobe -R 50 -C 200 -f 'Virtual services' -w 5 -n 1 -- $2 -d 1 --no-kube" >>"$CMDS"
	ptyprobe -R 50 -C 200 -F 60 -f 'Virtual services' -w 5 -n 1 -- "$2" -d 1 --no-kube 2>&1 |
		sed "s/^ptyprobe \([a-z_]*\) /R size=empty what=$1_\1 ${3:+$3 }/" >>"$RES"
}

# ---------------------------------------------------------------- one size
# ui_tmux NAME: ipvstop in tmux at 1 Hz; CPU of ipvstop (each thread) and of tmux over
# $WINDOW seconds, once the first frame is there.
ui_tmux() {
	_name=$1
	_first=$2
	T() { tmux -L bench -f /dev/null "$@"; }
	echo "tmux new-session -d -x 200 -y 50 'exec $IPVSTOP -d 1 --no-kube'" >>"$CMDS"
	T new-session -d -x 200 -y 50 "exec $IPVSTOP -d 1 --no-kube"
	_pid=$(T list-panes -F '#{pane_pid}' | head -n 1)
	_spid=$(T display-message -p '#{pid}')
	# The first frame (measured on the pty) and 3 s to settle.
	sleep "$(awk -v f="$_first" 'BEGIN { printf "%d", f + 3.5 }')"
	_hz=$(hz)
	_p0=$(ticks "/proc/$_pid")
	_m0=$(ticks "/proc/$_pid/task/$_pid")
	_s0=$(ticks "/proc/$_spid")
	_b0=$(busy_ticks)
	_t0=$(uptime_s)
	sleep "$WINDOW"
	_p1=$(ticks "/proc/$_pid")
	_m1=$(ticks "/proc/$_pid/task/$_pid")
	_s1=$(ticks "/proc/$_spid")
	_b1=$(busy_ticks)
	_t1=$(uptime_s)
	_rss=$(awk '/VmHWM/ { h = $2 } /VmRSS/ { r = $2 } END { print "hwm_kb=" h " rss_kb=" r }' "/proc/$_pid/status")
	T capture-pane -p -t 0 >"$OUT/tmux-$_name.screen.txt" 2>&1
	T kill-server
	R "size=$_name what=ui_tmux" "$(awk -v p0="$_p0" -v p1="$_p1" -v m0="$_m0" -v m1="$_m1" \
		-v s0="$_s0" -v s1="$_s1" -v b0="$_b0" -v b1="$_b1" -v t0="$_t0" -v t1="$_t1" -v hz="$_hz" \
		'BEGIN { w = t1 - t0; printf "window_s=%.2f cpu_s=%.3f cpu_main_s=%.3f cpu_other_s=%.3f tmux_cpu_s=%.3f machine_busy_s=%.3f",
			w, (p1 - p0) / hz, (m1 - m0) / hz, ((p1 - p0) - (m1 - m0)) / hz, (s1 - s0) / hz, (b1 - b0) / hz }')" "$_rss"
}

# perf of a snapshot: -j and -b (OPT), flat by symbol, by library, and with callers.
# shellcheck disable=SC2129 # each report has a file of its own; only stderr is shared
perf_snap() { # NAME OPT TAG
	echo "perf record -F 999 -g -o /run/perf.data -- $IPVSTOP $2 -n 1 --no-kube" >>"$CMDS"
	perf record -q -F 999 -g -o /run/perf.data -- $IPVSTOP "$2" -n 1 --no-kube >/dev/null 2>>"$OUT/perf-$1.err"
	perf report -i /run/perf.data --stdio --no-children --sort dso,sym -g none --percent-limit 0.3 \
		>"$OUT/perf-$3-$1.txt" 2>>"$OUT/perf-$1.err"
	perf report -i /run/perf.data --stdio --no-children --sort dso -g none \
		>"$OUT/perf-$3-dso-$1.txt" 2>>"$OUT/perf-$1.err"
	perf report -i /run/perf.data --stdio --children --sort sym -g none --percent-limit 2 \
		>"$OUT/perf-$3-children-$1.txt" 2>>"$OUT/perf-$1.err"
	perf report -i /run/perf.data --stdio --no-children --sort sym -g caller --percent-limit 5 \
		>"$OUT/perf-$3-callers-$1.txt" 2>>"$OUT/perf-$1.err"
	rm -f /run/perf.data
}
profile_snap() { # NAME
	command -v perf >/dev/null 2>&1 || return 0
	mark "$1: perf of the snapshots"
	perf_snap "$1" -j ipvstop
	perf_snap "$1" -b ipvstop-text
	echo "perf record -F 999 -g -o /run/perf.data -- nlprobe -k 0 -r 1" >>"$CMDS"
	perf record -q -F 999 -g -o /run/perf.data -- nlprobe -k 0 -r 1 >/dev/null 2>>"$OUT/perf-$1.err"
	perf report -i /run/perf.data --stdio --no-children --sort dso,sym -g none --percent-limit 0.3 \
		>"$OUT/perf-nlprobe-$1.txt" 2>>"$OUT/perf-$1.err"
	rm -f /run/perf.data
}

# shellcheck disable=SC2129 # each report has a file of its own; only stderr is shared
profile() { # NAME DESTS
	_name=$1
	if command -v perf >/dev/null 2>&1; then
		mark "$_name: perf"
		perf_snap "$_name" -j ipvstop
		perf_snap "$_name" -b ipvstop-text
		echo "perf record -F 999 -g -o /run/perf.data -- ipvsadm -Ln --stats" >>"$CMDS"
		perf record -q -F 999 -g -o /run/perf.data -- /usr/sbin/ipvsadm -Ln --stats >/dev/null 2>>"$OUT/perf-$_name.err"
		perf report -i /run/perf.data --stdio --no-children --sort dso,sym -g none --percent-limit 0.3 \
			>"$OUT/perf-ipvsadm-$_name.txt" 2>>"$OUT/perf-$_name.err"
		rm -f /run/perf.data
	fi
	if command -v perf >/dev/null 2>&1; then
		# The dashboard's reading thread at 1 Hz (it reads back to back on big tables).
		mark "$_name: perf of the dashboard"
		tmux -L prof -f /dev/null new-session -d -x 200 -y 50 "exec $IPVSTOP -d 1 --no-kube"
		_pid=$(tmux -L prof list-panes -F '#{pane_pid}' | head -n 1)
		sleep 3
		echo "perf record -F 999 -g -p <dashboard pid> -- sleep 15" >>"$CMDS"
		perf record -q -F 999 -g -o /run/perf.data -p "$_pid" -- sleep 15 2>>"$OUT/perf-$_name.err"
		tmux -L prof kill-server
		perf report -i /run/perf.data --stdio --no-children --sort comm,dso,sym -g none --percent-limit 0.3 \
			>"$OUT/perf-dashboard-$_name.txt" 2>>"$OUT/perf-$_name.err"
		perf report -i /run/perf.data --stdio --no-children --sort dso -g none \
			>"$OUT/perf-dashboard-dso-$_name.txt" 2>>"$OUT/perf-$_name.err"
		perf report -i /run/perf.data --stdio --no-children --sort pid,dso,sym -g none --percent-limit 0.3 \
			>"$OUT/perf-dashboard-threads-$_name.txt" 2>>"$OUT/perf-$_name.err"
		rm -f /run/perf.data
	fi
	_vg=$(command -v valgrind.bin || command -v valgrind)
	# Under valgrind and the emulator together: the smaller tables only.
	if [ -n "$_vg" ] && [ "$2" -le 10000 ]; then
		mark "$_name: callgrind"
		echo "valgrind --tool=callgrind --callgrind-out-file=callgrind-$_name.out $IPVSTOP -j -n 1 --no-kube" >>"$CMDS"
		$_vg --tool=callgrind --callgrind-out-file="$OUT/callgrind-$_name.out" \
			$IPVSTOP -j -n 1 --no-kube >/dev/null 2>"$OUT/callgrind-$_name.err"
		mark "$_name: massif"
		echo "valgrind --tool=massif --massif-out-file=massif-$_name.out $IPVSTOP -j -n 1 --no-kube" >>"$CMDS"
		$_vg --tool=massif --massif-out-file="$OUT/massif-$_name.out" \
			$IPVSTOP -j -n 1 --no-kube >/dev/null 2>"$OUT/massif-$_name.err"
	fi
}

# ui_pty NAME WHAT PROGRAM [LABELS]: the dashboard of PROGRAM at 1 Hz on a 200x50 pty:
# first frame, $WINDOW s left alone (CPU, peak RSS), 5 help toggles, q. First frame:
# "Masq", a real server row; mark 1: a virtual service row (services are 10.97.x.y, real
# servers 10.128.x.y; with a sweeping reader the services show before their real servers
# are read). What ptyprobe printed stays in /run/pty.txt.
ui_pty() {
	_spray=
	if [ "$DASHBUSY" = 1 ] && [ "$1" != empty ]; then
		echo "vipspray -S $_S -p 1000 &  # while the dashboard runs" >>"$CMDS"
		vipspray -S "$_S" -p 1000 >/run/spray.txt 2>&1 &
		_spray=$!
	fi
	echo "ptyprobe -R 50 -C 200 -w $WINDOW -n 5 -m 10.97. -- $3 -d 1 --no-kube" >>"$CMDS"
	ptyprobe -R 50 -C 200 -F 300 -w "$WINDOW" -n 5 -m 10.97. -o /run/pty.raw -- "$3" -d 1 --no-kube >/run/pty.txt 2>&1
	if [ -n "$_spray" ]; then
		kill -TERM "$_spray" 2>/dev/null
		wait "$_spray" 2>/dev/null
		sed "s/^vipspray /R size=$1 what=$2_spray ${4:+$4 }/" /run/spray.txt >>"$RES"
	fi
	# What the terminal got, when the first frame never came.
	grep -q 'first_frame_s=-1' /run/pty.txt &&
		cp /run/pty.raw "$OUT/pty-$1${4:+-$2-$(echo "$4" | tr ' =' '--')}.raw"
	rm -f /run/pty.raw
	sed "s/^ptyprobe \([a-z_]*\) /R size=$1 what=$2_\1 ${4:+$4 }/" /run/pty.txt >>"$RES"
}

# dash_rounds NAME: the dash part at one size. Each round: the reference (one service dump
# and the real servers of one screen of services, nlprobe, three times: a single dump
# varies by half in the emulator) and right after it ipvstop's dashboard, then the
# reference again and the baseline binary's dashboard; $REPS rounds. Every other round
# the baseline goes first: the first dashboard of a round read its service dump slower in
# the 7 December runs, whichever binary it was. A first frame is divided by the median of
# the references taken just before it ("for" says whose).
dash_rounds() {
	_i=1
	while [ $_i -le "$REPS" ]; do
		mark "size $1: dashboard round $_i"
		_order="ui_pty base_pty"
		[ $((_i % 2)) = 0 ] && _order="base_pty ui_pty"
		for _who in $_order; do
			_prog=$IPVSTOP
			if [ $_who = base_pty ]; then
				[ -x $BASE ] || continue
				_prog=$BASE
			fi
			echo "nlprobe -k $SCREEN_ROWS -r 3" >>"$CMDS"
			nlprobe -k "$SCREEN_ROWS" -r 3 |
				sed -n "s/^nlprobe rep=\([0-9]*\) /R size=$1 what=nl_screen rep=$_i for=$_who try=\1 /p" >>"$RES"
			ui_pty "$1" $_who "$_prog" "rep=$_i"
		done
		_i=$((_i + 1))
	done
}

# dash_massif NAME: the dashboard under valgrind's massif (heap over time, in ms) for
# $DASHMASSIF s in tmux at 200x50, then q; the profile is massif-dash-NAME.out.
dash_massif() {
	_vg=$(command -v valgrind.bin || command -v valgrind)
	[ -n "$_vg" ] || { R "size=$1 what=dash_massif error=no_valgrind"; return 0; }
	mark "size $1: the dashboard under massif for $DASHMASSIF s"
	_mf=$OUT/massif-dash-$1.out
	echo "tmux new-session -d -x 200 -y 50 'valgrind --tool=massif --time-unit=ms --massif-out-file=massif-dash-$1.out $IPVSTOP -d 1 --no-kube'; sleep $DASHMASSIF; q" >>"$CMDS"
	_t0=$(uptime_s)
	tmux -L massif -f /dev/null new-session -d -x 200 -y 50 \
		"exec $_vg --tool=massif --time-unit=ms --massif-out-file=$_mf $IPVSTOP -d 1 --no-kube 2>$OUT/massif-dash-$1.err"
	sleep "$DASHMASSIF"
	tmux -L massif capture-pane -p -t 0 >"$OUT/massif-dash-$1.screen.txt" 2>&1
	tmux -L massif send-keys -t 0 q
	# Under valgrind and the emulator, leaving takes a while: up to 300 s.
	_w=0
	while tmux -L massif has-session 2>/dev/null && [ $_w -lt 300 ]; do
		sleep 1
		_w=$((_w + 1))
	done
	tmux -L massif kill-server 2>/dev/null
	_t1=$(uptime_s)
	R "size=$1 what=dash_massif" "$(awk -v t0="$_t0" -v t1="$_t1" 'BEGIN { printf "wall_s=%.1f", t1 - t0 }')" \
		"quit_wait_s=$_w" "$(awk -F= '/^mem_heap_B=/ { h = $2 } /^mem_heap_extra_B=/ { x = $2 }
		/^mem_stacks_B=/ { n++; if (h + x > p) { p = h + x; ph = h } }
		END { printf "snapshots=%d peak_heap_b=%d peak_heap_extra_b=%d", n, ph, p - ph }' "$_mf" 2>/dev/null)"
}

run_size() { # NAME
	_name=$1
	# shellcheck disable=SC2046 # two words wanted
	set -- $(size_of "$_name")
	[ $# = 2 ] || { echo "guest-bench: unknown size $_name"; return 1; }
	_S=$1
	_D=$2
	mark "size $_name: $_S services, $_D real servers: loading"
	gen_table "$_S" "$_D" >/run/table.txt
	netns_setup
	if [ "$_D" -le 10000 ]; then
		echo "ipvsadm -R < table-$_name.txt  # bench/gen-table.py $_S $_D --ipvsadm" >>"$CMDS"
		benchrun -l "R size=$_name what=load how=ipvsadm_-R services=$_S dests=$_D" -- /usr/sbin/ipvsadm -R </run/table.txt >>"$RES"
	else
		# ipvsadm -R takes minutes here (a socket and a family lookup per line).
		echo "nlload -S $_S -D $_D  # the same table as ipvsadm -R < table-$_name.txt" >>"$CMDS"
		benchrun -l "R size=$_name what=load how=nlload services=$_S dests=$_D" -- nlload -S "$_S" -D "$_D" >>"$RES"
	fi
	rm -f /run/table.txt
	# What the kernel does by itself with this table (the rate estimators).
	_b0=$(busy_ticks)
	_q0=$(softirq_ticks)
	_t0=$(uptime_s)
	sleep 6
	_b1=$(busy_ticks)
	_q1=$(softirq_ticks)
	_t1=$(uptime_s)
	R "size=$_name what=idle" "$(awk -v b0="$_b0" -v b1="$_b1" -v q0="$_q0" -v q1="$_q1" -v t0="$_t0" -v t1="$_t1" -v hz="$(hz)" \
		'BEGIN { printf "window_s=%.2f machine_busy_s=%.3f softirq_s=%.3f", t1 - t0, (b1 - b0) / hz, (q1 - q0) / hz }')" \
		"slab_kb=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)"

	# The emulator's speed now (it drifts with the host's load): the same loops as on the
	# host, to turn this table's kernel-bound times into native estimates.
	nlprobe -C 20 | sed "s/^calib/R size=$_name what=calib where=guest/" >>"$RES"
	calib_user "$_name" 1
	if [ "$PARTS" = dash ]; then
		if [ "$DASHBUSY" = 1 ]; then
			# A route for vipspray: SYNs to the services, masqueraded to real servers
			# that are not there, leave through a dummy interface (modprobe'd above).
			ip link add vipspray0 type dummy
			ip link set vipspray0 up
			ip addr add 10.96.255.254/32 dev vipspray0
			ip route add 10.97.0.0/16 dev vipspray0
			ip route add 10.128.0.0/12 dev vipspray0
			R "size=$_name what=busy spray=vipspray pause_ms=1000"
		fi
		dash_rounds "$_name"
		[ "$DASHMASSIF" -gt 0 ] && dash_massif "$_name"
		mark "size $_name: done"
		checkpoint
		return 0
	fi

	mark "size $_name: kernel floor (nlprobe)"
	echo "nlprobe -k $SCREEN_ROWS -r 5" >>"$CMDS"
	# -b: the receive buffer; 65536 is ipvstop's (src/ipvs_nl.c, IPVS_NL_MSG_BUF).
	for _b in 65536 16384 4096; do
		echo "nlprobe -k 0 -r 1 -b $_b" >>"$CMDS"
		nlprobe -k 0 -r 1 -b $_b | sed -n "s/^nlprobe rep=/R size=$_name what=nl_full rep=/p" >>"$RES"
	done
	nlprobe -k "$SCREEN_ROWS" -r 5 | sed -n "s/^nlprobe rep=/R size=$_name what=nl_screen rep=/p" >>"$RES"

	mark "size $_name: snapshots side by side"
	_reps=$REPS
	[ "$_D" -ge 100000 ] && _reps=$BIGREPS
	_i=1
	while [ $_i -le "$_reps" ]; do
		measure "size=$_name" what=ipvsadm_stats "rep=$_i" -- ipvsadm -Ln --stats
		measure "size=$_name" what=ipvstop_json "rep=$_i" -- $IPVSTOP -j -n 1 --no-kube
		# The batch text frame, and the kernel's floor as a whole process (one socket, the
		# same requests, nothing parsed or printed) in the same round: ipvstop / floor.
		measure "size=$_name" what=ipvstop_text "rep=$_i" -- $IPVSTOP -b -n 1 --no-kube
		measure "size=$_name" what=nl_floor "rep=$_i" -- nlprobe -k 0 -r 1
		# A baseline binary, when bench.sh was given one: before / after in the same rounds.
		if [ -x /usr/bin/ipvstop-base ]; then
			measure "size=$_name" what=base_json "rep=$_i" -- ipvstop-base -j -n 1 --no-kube
			measure "size=$_name" what=base_text "rep=$_i" -- ipvstop-base -b -n 1 --no-kube
		fi
		_i=$((_i + 1))
	done
	if [ "$PARTS" = snap ]; then
		[ "$PROFILE" = 1 ] && profile_snap "$_name"
		mark "size $_name: done"
		checkpoint
		return 0
	fi
	[ "$_D" -lt 100000 ] && measure "size=$_name" what=ipvsadm_plain rep=1 -- ipvsadm -Ln
	measure "size=$_name" what=proc_ip_vs rep=1 -- cat /proc/net/ip_vs

	# Three refreshes a second apart (back to back when one takes longer): the CPU above
	# that of -n 1 is what a refresh costs, without the start of the process.
	_n=3
	[ "$_D" -ge 100000 ] && _n=2
	mark "size $_name: JSON, $_n refreshes at 1 Hz"
	measure_t 900 "size=$_name" what=json_nK "n=$_n" -- $IPVSTOP -j -d 1 -n "$_n" --no-kube

	mark "size $_name: dashboard on a pty"
	ui_pty "$_name" ui_pty $IPVSTOP
	_first=$(sed -n 's/.*first_frame_s=\([0-9.]*\).*/\1/p' /run/pty.txt)

	mark "size $_name: dashboard in tmux"
	ui_tmux "$_name" "${_first:-5}"

	[ "$PROFILE" = 1 ] && profile "$_name" "$_D"
	mark "size $_name: done"
	checkpoint
}

# ---------------------------------------------------------------- connections
run_conns() {
	_name=$CONNSIZE
	# shellcheck disable=SC2046 # two words wanted
	set -- $(size_of "$_name")
	_S=$1
	_D=$2
	netns_setup
	mark "connections: loading size $_name"
	echo "nlload -S $_S -D $_D" >>"$CMDS"
	nlload -S "$_S" -D "$_D"
	mark "connections: sync daemon"
	# The sync master is played by syncgen from another namespace, over a veth whose
	# MTU lets one datagram carry 255 entries (the backup sizes its buffer from it).
	ip netns add syncsrc
	ip link add vsync1 mtu 16000 type veth peer name vsync0 mtu 16000 netns syncsrc
	ip addr add 10.77.0.1/24 dev vsync1
	ip link set vsync1 up
	ip -n syncsrc addr add 10.77.0.2/24 dev vsync0
	ip -n syncsrc link set vsync0 up
	ip -n syncsrc link set lo up
	echo "ipvsadm --start-daemon backup --mcast-interface vsync1 --syncid 0" >>"$CMDS"
	ipvsadm --start-daemon backup --mcast-interface vsync1 --syncid 0 || return 1
	sleep 1
	_prev=0
	_slab0=$(awk '/^Slab:/ { print $2 }' /proc/meminfo)
	for _n in 10000 30000 1000000 3000000 10000000; do
		[ "$_n" -le "$CONNS" ] || break
		mark "connections: $_n entries"
		echo "syncgen -S $_S -D $_D -s $_prev -n $_n -N /run/netns/syncsrc -i vsync0 -P 2 -c /proc/net/ip_vs" >>"$CMDS"
		syncgen -S "$_S" -D "$_D" -s "$_prev" -n "$_n" -N /run/netns/syncsrc -i vsync0 -P 2 \
			-c /proc/net/ip_vs | sed "s/^syncgen /R size=$_name what=syncgen conns=$_n /" >>"$RES"
		_prev=$_n
		checkpoint
		R "size=$_name what=conn_slab conns=$_n slab_delta_kb=$(($(awk '/^Slab:/ { print $2 }' /proc/meminfo) - _slab0))"
		measure "size=$_name" what=ipvsadm_stats "conns=$_n" rep=1 -- ipvsadm -Ln --stats
		measure "size=$_name" what=ipvstop_json "conns=$_n" rep=1 -- $IPVSTOP -j -n 1 --no-kube
		# Reading the list itself: /proc/net/ip_vs_conn, quadratic before Linux 6.14 (every
		# read(2) returns one page and walks the hash table from the start again).
		if [ "$_n" -le 30000 ]; then
			measure_t 300 "size=$_name" what=ipvsadm_conns "conns=$_n" rep=1 -- ipvsadm -Lnc
			measure_t 300 "size=$_name" what=ipvstop_conns "conns=$_n" rep=1 -- $IPVSTOP -j -n 1 --no-kube --connections
		else
			measure_t 30 "size=$_name" what=ipvstop_conns "conns=$_n" rep=1 -- $IPVSTOP -j -n 1 --no-kube --connections
		fi
	done
	mark "connections: the dashboard while the list is read"
	echo "ptyprobe -R 50 -C 200 -w 5 -n 3 -x -X 30 -- $IPVSTOP -d 1 --no-kube" >>"$CMDS"
	ptyprobe -R 50 -C 200 -w 5 -n 3 -x -X 30 -- $IPVSTOP -d 1 --no-kube >/run/pty.txt 2>&1
	sed "s/^ptyprobe \([a-z_]*\) /R size=$_name what=ui_conns_\1 conns=$_prev /" /run/pty.txt >>"$RES"
	cp /run/pty.txt "$OUT/ptyprobe-conns.txt"
	ipvsadm --stop-daemon backup
	mark "connections: done"
}

case ${1:-main} in
size)
	run_size "$2"
	exit
	;;
conns)
	run_conns
	exit
	;;
esac
setup_and_empty
checkpoint
for s in $SIZES; do
	in_netns "bench-$s" size "$s"
	checkpoint
done
[ "$CONNS" -gt 0 ] && in_netns bench-conns conns
mark "guest-bench done"
exit 0
