#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tui-history-test.sh: the history on screen (issue 15), through the real binary in tmux over
# a recording whose rates step and ramp at known times with known events
# (gen-history-recording.py): the sparkline columns, the graph pane cell by cell
# (check-graph.py), its markers, time axis and keys, ASCII on TERM=linux and in the C locale,
# no colour under NO_COLOR, and 80x24, 250 columns and resizes.
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/tui/tui-lib.sh
. "$here/tui-lib.sh"
TUI_KEY_PAUSE=0.4

graph_ok() { # NAME ROW SERIES UNICODE
	capture
	local cols
	cols=$(T display -p -t tui '#{window_width}')
	if python3 "$here/check-graph.py" "$work/screen" "$cols" "$2" "$3" "$4" > "$work/graph"; then
		ok "$1 ($(cat "$work/graph"))"
	else
		cat "$work/graph"; not_ok "$1"
	fi
}

python3 "$here/gen-history-recording.py" 61 10 > "$work/rec.jsonl"
# The last record's time (the header's "(ended)" is cut off on narrow screens).
ended="recorded 2026-11-18 11:16:40"

# --- 120x36, UTF-8: sparklines follow the steps ------------------------------------------
start 120 36 TZ=UTC LANG=C.UTF-8 -- --replay "$work/rec.jsonl" -d 0.1
expect "the replay plays to its end" "$ended" 20
# The last 5 minutes in 8 cells of 37.5 s: 50 conn/s until 400 s, 25 after; the cell across
# the step averages 50, 50, 25, 25 (6/8), the later ones 25 (4/8).
expect "the service's sparkline follows the step down" \
	"^TCP +10\.96\.0\.1:80 +wlc +██▆▄▄▄▄▄ +3 +13 "
expect "a steady service has a flat sparkline" "^TCP +10\.96\.0\.2:80 +rr +████████ +1 "
expect "each real server has its own (25 then 12)" "^10\.244\.0\.1:8080 .* 12 ██▆▄▄▄▄▄ "
# Added at 450 s, the end of the fourth cell.
expect "a real server added late has history only since then" \
	"^10\.244\.0\.3:8080 .* 1    █████ "
expect "the column is titled, in the services pane" "FLAGS +HISTORY +RS ACTIVE"
expect "and in the real servers pane" "CONN/S HISTORY +IN PPS"

# --- the graph pane ------------------------------------------------------------------------
keys g
expect "g opens the graph of the selected virtual service" \
	"Graph of TCP 10\.96\.0\.1:80: connections/s, 11:06:40 to 11:16:40 \(history reaches back 10m 10s\)"
graph_ok "the graph's cells are the recording's steps, its markers where the events were" svc cps 1
expect "a value scale with units" "^ +50 conn/s│"
expect "the scale's middle" "^ +25 conn/s│"
expect "the time axis: start, middle, end" "^ +11:06:40 +11:11:40 +11:16:40 *$"
expect "current, min and max of connections/s" "^> connections/s +now +25 +min +10 +max +50 "
expect "every series is listed" "^  bytes/s in +now +61K +min +1\.0K +max +61K ▁▁"
keys Down Down Down
expect "Down picks the next series: bytes/s in, a ramp" "Graph of TCP 10\.96\.0\.1:80: bytes/s in"
graph_ok "the ramp's cells" svc inbps 1
keys Up Up Up
keys '['
expect "[ moves the window back" "connections/s, 11:04:10 to 11:14:10"
keys '['
keys '}'
expect "} jumps to the next marker (weight 0 at 11:11:40, in the middle)" \
	"connections/s, 11:06:40 to 11:16:40"
keys '{'
expect "{ says when there is no marker before" "No marker before this\."
keys g
expect_not "g closes the graph" "Graph of"
# The real servers pane: the draining real server's own graph.
keys Enter Down g
expect "g in the real servers pane graphs the selected real server" \
	"Graph of real server 10\.244\.0\.2:8080: connections/s"
graph_ok "its cells: 5 conn/s until its weight went to 0, nothing after" dest2 cps 1
keys Escape
expect_not "Esc closes the graph" "Graph of"
keys '?'
expect "the help lists the graph key from the key table" "^  g +graph of the selected"
expect "and the time keys" "^  \[ +history: back in time"
keys q

# --- 250 columns, then resizes down to 80x24 and up again -----------------------------------
start 250 50 TZ=UTC LANG=C.UTF-8 -- --replay "$work/rec.jsonl" -d 0.1
expect "250 columns: the replay ends" "$ended" 20
keys g
graph_ok "250 columns: every cell of a 236-column graph" svc cps 1
# 30 cells of 10 s: 51 conn/s in all until 400 s (9 cells), 26 after (4/8 of 51).
expect "250 columns: the header's totals have a sparkline" "B/s  conn/s █{9}▄{21}$"
T resize-window -t tui -x 120 -y 36; sleep 0.5
expect "120 columns: the totals fill their line, so the sparkline follows the age line" \
	"recorded .*  conn/s █{9}▄{21}$"
T resize-window -t tui -x 80 -y 24; sleep 0.3
T resize-window -t tui -x 200 -y 30; sleep 0.3
T resize-window -t tui -x 80 -y 24; sleep 0.6
graph_ok "resized to 80x24: the graph is drawn again, cell by cell" svc cps 1
capture
if python3 -c 'import sys; sys.exit(any(len(l) > 80 for l in open(sys.argv[1], encoding="utf-8").read().split("\n")))' "$work/screen"; then
	ok "80x24: no line wider than the screen"
else
	not_ok "80x24: no line wider than the screen"
fi

# --- ASCII: the C locale, and TERM=linux in a UTF-8 locale ----------------------------------
start 80 24 TZ=UTC LANG=C LC_ALL=C -- --replay "$work/rec.jsonl" -d 0.1
expect "C locale: the replay ends" "$ended" 20
expect "C locale: an ASCII sparkline" "^TCP +10\.96\.0\.1:80 +wlc +##\+::::: +3 "
keys g
graph_ok "C locale: the graph in '#' cells" svc cps 0
capture
if LC_ALL=C grep -q $'[\x80-\xff]' "$work/screen"; then
	not_ok "C locale: nothing but ASCII on screen"
else
	ok "C locale: nothing but ASCII on screen"
fi
start 100 30 TZ=UTC LANG=C.UTF-8 TERM=linux -- --replay "$work/rec.jsonl" -d 0.1
expect "TERM=linux: the replay ends" "$ended" 20
keys g
graph_ok "TERM=linux: ASCII even in a UTF-8 locale" svc cps 0

# --- colour only as a second cue -----------------------------------------------------------
start 120 36 TZ=UTC LANG=C.UTF-8 NO_COLOR=1 -- --replay "$work/rec.jsonl" -d 0.1
expect "NO_COLOR: the replay ends" "$ended" 20
keys g
T capture-pane -e -p -t tui > "$work/esc"
if has_colour "$work/esc"; then not_ok "NO_COLOR: no colour"; else ok "NO_COLOR: no colour"; fi
graph_ok "NO_COLOR: the same graph and markers, readable" svc cps 1
start 120 36 TZ=UTC LANG=C.UTF-8 -- --replay "$work/rec.jsonl" -d 0.1 --color=always
expect "colour: the replay ends" "$ended" 20
keys g
T capture-pane -e -p -t tui > "$work/esc"
if grep -qE $'\e''\[[0-9;]*31[0-9;]*m[^\e]*0' "$work/esc"; then
	ok "colour: the markers are red too"
else
	not_ok "colour: the markers are red too" "$work/esc"
fi

# --- live on this host (no IPVS): nothing sampled, said so, no clock of 1970 -----------------
start 100 30 TZ=UTC LANG=C.UTF-8 -- --no-kube -d 0.5
expect "live without IPVS: the dashboard runs" "IPVS is not available" 10
keys g
expect "live without IPVS: the graph says it has no history" "No history for this row yet\." 5
expect_not "live without IPVS: no window of times that do not exist" "Graph of all virtual services: "

# --- SIGTERM while a replay's history is read (seconds for a big recording): a clean end ------
python3 "$here/gen-big-recording.py" 20000 5 8 > "$work/big.jsonl"
start 100 30 LANG=C.UTF-8 -- --replay "$work/big.jsonl"
sleep 0.5
# the process whose command line ends so: ipvstop itself, or the valgrind running it
pkill -TERM -f -- "--replay $work/big.jsonl\$"
expect "SIGTERM during the history's read ends the read and ipvstop, status 0" "EXITED rc=0" 20

summary
