# SPDX-License-Identifier: GPL-2.0-or-later
# tui-lib.sh: the dashboard in a private tmux server for the TUI tests (tui-test.sh,
# tui-history-test.sh): start it, send keys, read its screen. Sourced after $here is set;
# sets work (a temporary directory removed at exit) and sources tests/lib.sh.
command -v tmux >/dev/null || { echo "$(basename "$0"): tmux is missing (apt-get install tmux)"; exit 99; }

work=$(mktemp -d)
nstart=0
sock="ipvstop-tui-$$-0"
T() { tmux -L "$sock" "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
not_ok_details() { echo "---- screen ----"; cat "$work/screen"; echo "----------------"; }
capture() { T capture-pane -p -t tui > "$work/screen"; }
expect() { if wait_for "$2" "${3:-5}"; then ok "$1"; else not_ok "$1 (wanted /$2/)"; fi; }
expect_not() {
	capture
	if grep -qE -- "$2" "$work/screen"; then not_ok "$1 (did not want /$2/)"; else ok "$1"; fi
}
# has_colour FILE: an SGR sequence that sets a foreground or background colour (not 39/49).
has_colour() { grep -qE $'\e''\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)(;[0-9;]*)?m' "$1"; }
keys() { T send-keys -t tui "$@"; sleep "${TUI_KEY_PAUSE:-0.3}"; }
# start WIDTH HEIGHT ENV... -- ARGS...: ipvstop in a fresh tmux server (TERM=screen-256color
# unless ENV sets another), then a marker.
start() {
	local w=$1 h=$2; shift 2
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	T kill-server 2>/dev/null
	# A fresh server each time: a dying one must not take the new session with it.
	nstart=$((nstart + 1))
	sock="ipvstop-tui-$$-$nstart"
	T -f /dev/null new-session -d -s tui -x "$w" -y "$h" \
		"env TERM=screen-256color ${envs[*]:-} $IPVSTOP $* ; echo EXITED rc=\$?; sleep 30"
}
