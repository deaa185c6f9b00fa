# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# lib.sh: the result lines every script test prints, sourced by tests/tui/*.sh,
# tests/kube/*.sh and tests/vm/vm-lib.sh: one "ok - NAME" or "not ok - NAME" line per check,
# counted in $passed and $failed, and a last line "N passed, N failed". Also need_tools (the
# host tools a test needs) and wait_for (a tmux screen showing a pattern).
passed=0 failed=0

# ok NAME: a check that passed. A script that wants more on the line (a time) defines
# ok_note, whose output follows NAME.
ok() { passed=$((passed + 1)); echo "ok - $1$(ok_note)"; }
ok_note() { :; }

# not_ok NAME [FILE]: a check that failed, then what shows why: not_ok_details FILE, by
# default FILE itself when there is one (a script redefines it to show its screen, or less).
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; not_ok_details "${2:-}"; }
not_ok_details() { if [ -n "$1" ] && [ -f "$1" ]; then cat "$1"; fi; }

# need_tools TOOL...: the host tools the test runs; a missing one ends it with status 99 (a
# hard error, never a silent skip), named with the test's name.
need_tools() {
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$(basename "$0" .sh): $t is missing"; exit 99; }
	done
}

# wait_for PATTERN [SECONDS]: until the screen shows PATTERN (grep -E), looking every 0.1 s for
# SECONDS (5); false if it never did. The script's capture writes the screen to $work/screen
# (tests/tui/tui-test.sh, tests/tui/fault-lib.sh).
wait_for() {
	for _ in $(seq 1 $(( ${2:-5} * 10 ))); do
		capture
		grep -qE -- "$1" "$work/screen" && return 0
		sleep 0.1
	done
	return 1
}

# summary: the last line; fails when a check failed (the script's exit status).
summary() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; }

# own_netns NAME ARGS...: runs the test script again (with ARGS, its own arguments) in a network
# namespace of its own, loopback up, where its servers cannot meet another test's; exits 99
# when that cannot be (not root, no unshare -n). The first thing such a script does.
own_netns() {
	local name=$1
	shift
	if [ "${IPVSTOP_OWN_NETNS:-}" != "$name" ]; then
		[ "$(id -u)" = 0 ] || { echo "$name: needs root (a network namespace)"; exit 99; }
		unshare -n true 2>/dev/null || { echo "$name: unshare -n does not work here"; exit 99; }
		exec env IPVSTOP_OWN_NETNS="$name" unshare -n bash "$0" "$@"
	fi
	ip link set lo up || { echo "$name: no loopback in the namespace"; exit 99; }
}
