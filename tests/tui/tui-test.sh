#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tui-test.sh: drives the real ipvstop binary in tmux (send-keys, capture-pane) over a
# recording with a known table, and checks what a person would see after each key.
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-.}
# shellcheck source=tests/tui/tui-lib.sh
. "$here/tui-lib.sh"

python3 "$here/gen-recording.py" 40 400 > "$work/rec.jsonl"

# --- the first screen: busiest service first, its real servers below -------------------
start 120 36 LANG=C.UTF-8 -- --replay "$work/rec.jsonl" -d 5
expect "header shows the table totals" "Services 40 +Real servers 100"
expect "busiest virtual service is the first row" "^SCTP +10\.96\.0\.18:97 +wlc"
expect "its real servers are shown" "Real servers of SCTP 10\.96\.0\.18:97: 2"
expect "missing modules are named" "ip_vs_mh: missing"
expect "a module on disk but not loaded is named" "ip_vs_sh: not loaded"

# --- navigation ------------------------------------------------------------------------
keys Down
expect "Down selects the next service" "Real servers of UDP 10\.96\.0\.32:111: 4"
expect "a weight 0 real server is marked draining" "^10\.244\.31\.3:8080 +Tunnel +0 drain"
keys j j k
expect "j/k move too" "Real servers of TCP 10\.96\.0\.4:83: 4"
keys End
expect "End goes to the last row" "Real servers of .*: [0-9]+ *$"
keys Home
expect "Home goes back to the first row" "Real servers of SCTP 10\.96\.0\.18:97: 2"
keys NPage
capture
if grep -q "Real servers of SCTP 10.96.0.18:97" "$work/screen"; then not_ok "PgDn moves a page"; else ok "PgDn moves a page"; fi
keys Home

# --- Enter into real servers, connections of one of them -----------------------------
keys Enter Down c
expect "Enter moves into the real servers; c shows the selected one's connections" \
	"Connections of 10\.244\.17\.2:8080: 0 shown"
keys Escape Up c
expect "connections of the first real server" "Connections of 10\.244\.17\.1:8080: 12 shown"
expect "connection rows with client, virtual, destination, state" \
	"SCTP +192\.168\.1\.2:40001 +10\.96\.0\.18:97 +10\.244\.17\.1:8080 +ESTABLISHED"
keys Escape Escape
expect_not "Esc closes the connections pane" "Connections of"
keys c
expect "c on a service shows its connections" "Connections of 10\.96\.0\.18:97: 12 shown"
keys c
expect_not "c again closes them" "Connections of"

# --- filter ---------------------------------------------------------------------------
keys /
expect "/ opens the filter prompt" "Filter \(regex"
keys -l 'fd00'
keys Enter
expect "the filter keeps only matching services" "Virtual services: 7 of 40 match /fd00/"
capture
if grep -E '^(TCP|UDP|SCTP|FWM) ' "$work/screen" | grep -vq 'fd00'; then
	not_ok "every visible service matches the filter"
else
	ok "every visible service matches the filter"
fi
keys /
keys -l '10\.244\.3\.'
keys Enter
expect "the filter also finds services by real server address" "Virtual services: 1 of 40 match"
keys / '(' Enter
expect "an invalid regex is refused with a message" "Filter not applied"
keys Escape
expect "Esc clears the filter" " Virtual services: 40$"

# --- sort -----------------------------------------------------------------------------
keys o
expect "o sorts by the next column" "Sorted by inactive connections"
expect "the sort column is marked in the header" "INACTv"
keys o o o o o o o
expect "o cycles to the virtual address" "Sorted by virtual address"
expect "the selected service stays selected (and in view) across a sort" "Real servers of SCTP 10\.96\.0\.18:97"
keys Home
expect "sorted by address: 10.96.0.1 first" "^TCP +10\.96\.0\.1:80 "
keys O Home
expect "O reverses the order" "Sorted by virtual address \(reversed\)"
expect "reversed: IPv6 first" "^[A-Z]+ +\[fd00::"
keys o o
expect "back to active connections" "Sorted by active connections"
keys O

# --- exact numbers, pause, interval -------------------------------------------------------
expect "human-readable totals by default" "Active 1\.1K"
keys e
expect "e shows exact numbers" "Active 1[0-9]{3} "
keys e
keys p
expect "p pauses" "PAUSED"
keys Space
expect_not "Space resumes" "PAUSED"
keys +
expect "+ refreshes more often" "Refreshing every 3 s"
keys - -
expect "- refreshes less often" "Refreshing every 10 s"

# --- help -----------------------------------------------------------------------------
keys '?'
expect "? shows the help" "ipvstop keys"
expect "the help lists every binding (filter)" "filter rows by a regular expression"
expect "the help lists every binding (quit)" "q, F10 +quit"
keys x
expect_not "any key closes the help" "ipvstop keys"
keys F1
expect "F1 shows the help too" "ipvstop keys"
keys x
keys C-l
expect "Ctrl-L repaints the same screen" "Services 40 +Real servers 100"

# --- resize -----------------------------------------------------------------------------
T resize-window -t tui -x 200 -y 40
expect "a wide terminal shows services and real servers side by side" \
	" Virtual services: 40 .* Real servers of"
T resize-window -t tui -x 80 -y 24
expect "an 80x24 terminal stacks them" "^ Real servers of"
expect "80 columns still show the key columns (and the history)" "^PROT VIRTUAL SERVICE +SCHED FLAGS +HISTORY +RS +ACTIVEv"

# --- quit restores the terminal -----------------------------------------------------------
keys q
expect "q quits with status 0" "EXITED rc=0"
expect_not "the dashboard is gone from the screen" "Virtual services:"

# --- F10 quits; SIGTERM restores the terminal ------------------------------------------
start 100 30 LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
expect "started again" "Virtual services: 40"
keys F10
expect "F10 quits" "EXITED rc=0"
# The help closes on any key, but the quit keys it lists quit from there too.
start 100 30 LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
expect "started again" "Virtual services: 40"
keys '?'
expect "the help is open" "ipvstop keys"
keys q
expect "q in the help quits" "EXITED rc=0" 3
expect_not "and the terminal is restored" "ipvstop keys|Virtual services:"
start 100 30 LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
expect "started again" "Virtual services: 40"
keys F1
expect "the help is open" "ipvstop keys"
keys F10
expect "F10 in the help quits" "EXITED rc=0" 3
start 100 30 LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
expect "started again" "Virtual services: 40"
# the process whose command line ends so: ipvstop itself, or the valgrind running it
pkill -TERM -f -- "--replay $work/rec.jsonl\$"
expect "SIGTERM ends it cleanly" "EXITED rc=0"
expect_not "and the terminal is restored" "Virtual services:"

# --- colours and NO_COLOR ----------------------------------------------------------------
start 100 30 LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
expect "started with colours" "Virtual services: 40"
T capture-pane -e -p -t tui > "$work/escaped"
if has_colour "$work/escaped"; then ok "colours by default"; else not_ok "colours by default"; fi
keys q
start 100 30 LANG=C.UTF-8 NO_COLOR=1 -- --replay "$work/rec.jsonl"
expect "started with NO_COLOR" "Virtual services: 40"
T capture-pane -e -p -t tui > "$work/escaped"
if has_colour "$work/escaped"; then not_ok "NO_COLOR: no colours"; else ok "NO_COLOR: no colours"; fi
if grep -q $'\e\[7m\|\e\[1m' "$work/escaped"; then ok "NO_COLOR: monochrome attributes still mark things"; else not_ok "NO_COLOR: monochrome attributes still mark things"; fi
keys q
start 100 30 LANG=C.UTF-8 NO_COLOR=1 -- --replay "$work/rec.jsonl" --color=always
expect "started with --color=always" "Virtual services: 40"
T capture-pane -e -p -t tui > "$work/escaped"
if has_colour "$work/escaped"; then ok "--color=always wins over NO_COLOR"; else not_ok "--color=always wins over NO_COLOR"; fi
keys q

# --- Chinese -----------------------------------------------------------------------------
# gettext's po/Makefile builds catalogues in the source tree, also in a VPATH build.
gmo=""
for d in "$top_builddir/po" "$top_srcdir/po"; do
	[ -f "$d/zh_CN.gmo" ] && { gmo="$d/zh_CN.gmo"; break; }
done
if [ -n "$gmo" ]; then
	mkdir -p "$work/locale/zh_CN/LC_MESSAGES"
	cp "$gmo" "$work/locale/zh_CN/LC_MESSAGES/ipvstop.mo"
	start 120 36 LANG=zh_CN.UTF-8 IPVSTOP_LOCALEDIR="$work/locale" -- --replay "$work/rec.jsonl"
	expect "zh_CN: the panes are translated" "虚拟服务"
	expect "zh_CN: columns line up (the busiest row follows the header)" "^SCTP +10\.96\.0\.18:97 +wlc"
	keys '?'
	expect "zh_CN: the help is translated" "退出"
	keys x q
else
	not_ok "zh_CN catalogue po/zh_CN.gmo was not built"
fi

# --- --readonly: shown, and the action keys refuse ---------------------------------------
start 120 36 LANG=C.UTF-8 -- --replay "$work/rec.jsonl" --readonly
expect "--readonly is shown in the header" "READ-ONLY"
keys s
expect "s refuses in read-only mode and says why" "s: read-only mode"
keys l
expect "l refuses too" "l: read-only mode"
keys q
start 120 36 LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
expect "started over a replay" "Virtual services: 40"
keys s
expect "a replay has nothing to change: s says so" "s: a replay shows a recording"
keys q

# --- real servers that could not be read: unknown, not zero -------------------------------
python3 - "$work/rec.jsonl" > "$work/unread.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    s = r["ipvs"]["services"][17]  # the busiest service: first row
    s["destinations_known"] = False
    s["destinations"] = []
    print(json.dumps(r))
EOF
start 120 36 LANG=C.UTF-8 -- --replay "$work/unread.jsonl" -d 5
expect "started over a recording with unread real servers" "Virtual services: 40"
keys End
expect "a service whose real servers were not read shows ? for them" "^SCTP +10\.96\.0\.18:97 +wlc +[^ ]* +\? +\? +\? "
expect "its real servers pane says they could not be read" "Its real servers could not be read\."
expect "and its title does not count them as zero" "Real servers of SCTP 10\.96\.0\.18:97: unknown"
expect_not "it is not said to have no real servers" "has no real servers"
keys q

# --- not a terminal -----------------------------------------------------------------------
out=$("$IPVSTOP" --replay "$work/rec.jsonl" </dev/null 2>&1 >/dev/null); rc=$?
if [ "$rc" = 2 ] && echo "$out" | grep -q -- "-b" && echo "$out" | grep -q -- "-j"; then
	ok "without a terminal it says so and points at -b and -j"
else
	not_ok "without a terminal it says so and points at -b and -j (rc=$rc: $out)"
fi

# --- replay through -b and -j -------------------------------------------------------------------
n=$("$IPVSTOP" -j -n 3 -d 0.1 --replay "$work/rec.jsonl" | wc -l)
[ "$n" = 3 ] && ok "-j -n 3 replays three records" || not_ok "-j -n 3 replays three records (got $n)"
"$IPVSTOP" -b -n 1 --replay "$work/rec.jsonl" > "$work/batch"
grep -q "10.96.0.18:97" "$work/batch" && ok "-b replays a frame" || not_ok "-b replays a frame"
"$IPVSTOP" -j -n 2 -d 0.1 --replay "$work/rec.jsonl" --record "$work/again.jsonl" >/dev/null
n=$(wc -l < "$work/again.jsonl")
[ "$n" = 2 ] && ok "--record writes each snapshot" || not_ok "--record writes each snapshot (got $n)"

summary
