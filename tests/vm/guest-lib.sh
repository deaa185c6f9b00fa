# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# guest-lib.sh: sourced inside the test VM (busybox ash) by the guest scripts
# that check ipvstop one result line at a time: guest-actions.sh,
# guest-faults.sh, guest-tui.sh and guest-kube.sh. vm_build_initramfs (vm-lib.sh)
# puts it in /tests beside them.
#
# Before sourcing it the script sets GUEST, its short name (actions, faults,
# tui, kube), and may set SHOTS, where under $OUT the screen of each check is
# kept (default $GUEST), and POLL_US, the pause of wait_for and wait_gone
# between two captures (microseconds, default 150000). It sets SESSION, the
# tmux session that snap, keys and wait_for use unless told another.
#
# This sets OUT (default /out), C=$OUT/$SHOTS, W=/run/$GUEST (scratch),
# RES=$OUT/$GUEST-results.txt (emptied), IPVSTOP_BIN and TMUX_BIN, writes
# $W/tmux.conf, marks "guest-$GUEST start" in $OUT/timing, and defines:
#   ipvsadm, modprobe       the real tools by path (busybox ash prefers its
#                           own applets to $PATH)
#   uptime_s, mark, now     the clock
#   result, truth, verdict  the result lines ("ok N - name" or "not ok N -
#                           name: why [SHOTS/NN-name]") and what each check saw
#   T, snap, keys, wait_for, wait_gone, expect, expect_gone, re_escape
#                           the dashboard in tmux (server ipvstop-$GUEST)
#   net_up                  eth0 on QEMU's user network (VM_NET=user)

OUT=${OUT:-/out}
SHOTS=${SHOTS:-$GUEST}
C=$OUT/$SHOTS
W=/run/$GUEST
mkdir -p "$C" "$W"
RES=$OUT/$GUEST-results.txt
: >"$RES"
IPVSTOP_BIN=${IPVSTOP_BIN:-/usr/sbin/ipvstop}
TMUX_BIN=${TMUX_BIN:-/usr/bin/tmux}

ipvsadm() { /usr/sbin/ipvsadm "$@"; }
modprobe() { /usr/sbin/modprobe "$@"; }

uptime_s() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "$(uptime_s) $*" >>"$OUT/timing"; }
# now: NOW = uptime in centiseconds, without a process.
now() {
	read -r _u _rest </proc/uptime
	_f=${_u#*.}
	NOW=$((${_u%.*} * 100 + ${_f#0}))
}
mark "guest-$GUEST start"

# ---------------------------------------------------------------- results
n=0
: >"$W/truth"
: >"$W/screen"
# result ok|fail NAME [WHY]: the next result line, in $RES and the log (with
# the uptime: where the time goes). The screen ($W/screen) is kept as
# $C/NN-name.screen.txt, the truth gathered since the last result (if any) as
# $C/NN-name.truth.txt.
result() {
	n=$((n + 1))
	_base=$(printf '%02d-%s' "$n" "$2" | tr -cs 'A-Za-z0-9\n' '-' | cut -c1-60)
	_base=${_base%-}
	cp "$W/screen" "$C/$_base.screen.txt"
	[ -s "$W/truth" ] && cp "$W/truth" "$C/$_base.truth.txt"
	if [ "$1" = ok ]; then
		_line="ok $n - $2"
	else
		_line="not ok $n - $2${3:+: $3} [$SHOTS/$_base]"
	fi
	echo "$_line" >>"$RES"
	read -r _u _rest </proc/uptime
	echo "[$_u] $_line"
	: >"$W/truth"
}
# truth TITLE COMMAND...: the command's output, for the record of this check.
truth() {
	_t=$1
	shift
	{
		echo "### $_t (uptime $(uptime_s))"
		"$@"
	} >>"$W/truth" 2>&1
}
# verdict NAME WHY STATUS: ok when STATUS is 0. (Save $? first when WHY
# holds a command substitution: it would change $? before it is read.)
verdict() {
	if [ "$3" = 0 ]; then result ok "$1"; else result fail "$1" "$2"; fi
}

# ---------------------------------------------------------------- the screen
cat >"$W/tmux.conf" <<'EOF'
set -g default-terminal screen-256color
set -g status off
EOF
T() { "$TMUX_BIN" -u -L "ipvstop-$GUEST" -f "$W/tmux.conf" "$@"; }
snap() { T capture-pane -p -t "${1:-$SESSION}" >"$W/screen" 2>&1; }
keys() { T send-keys -t "$SESSION" "$@"; }
# wait_for PATTERN [SECONDS] [SESSION]: until the screen shows PATTERN (grep -E).
wait_for() {
	now
	_end=$((NOW + ${2:-10} * 100))
	while :; do
		snap "${3:-$SESSION}"
		grep -qE -- "$1" "$W/screen" && return 0
		now
		[ "$NOW" -ge "$_end" ] && return 1
		usleep "${POLL_US:-150000}"
	done
}
# wait_gone PATTERN [SECONDS] [SESSION]: until the screen no longer shows it.
wait_gone() {
	now
	_end=$((NOW + ${2:-10} * 100))
	while :; do
		snap "${3:-$SESSION}"
		grep -qE -- "$1" "$W/screen" || return 0
		now
		[ "$NOW" -ge "$_end" ] && return 1
		usleep "${POLL_US:-150000}"
	done
}
expect() { # NAME PATTERN [SECONDS] [SESSION]
	if wait_for "$2" "${3:-10}" "${4:-$SESSION}"; then
		result ok "$1"
	else
		result fail "$1" "the screen never showed /$2/"
	fi
}
expect_gone() { # NAME PATTERN [SECONDS] [SESSION]
	if wait_gone "$2" "${3:-10}" "${4:-$SESSION}"; then
		result ok "$1"
	else
		result fail "$1" "the screen still shows /$2/"
	fi
}
# re_escape TEXT: TEXT as a grep -E pattern that matches it literally.
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# ---------------------------------------------------------------- the network
# net_up: eth0 as QEMU's user network hands it out: 10.0.2.15/24, gateway 10.0.2.2 (the
# host's 127.0.0.1). Returns ip's status.
net_up() {
	modprobe virtio_net
	_i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $_i -lt 50 ]; do
		usleep 100000
		_i=$((_i + 1))
	done
	/usr/sbin/ip link set eth0 up &&
		/usr/sbin/ip addr add 10.0.2.15/24 dev eth0 &&
		/usr/sbin/ip route add default via 10.0.2.2
}
