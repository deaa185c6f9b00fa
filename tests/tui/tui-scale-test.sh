#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tui-scale-test.sh: the real ipvstop in tmux over a recording of a big table (by default
# 20,000 virtual services with 5 real servers each), checking that what it shows after
# sorting, scrolling and filtering is exactly the recording's rows in the right order, and
# that every key's effect shows within a bound (a "never freezes" check, generous for a
# loaded CI machine: not a performance measurement, see bench/ for those).
#   TUI_SCALE_SERVICES, TUI_SCALE_DESTS: the table's size; TUI_SCALE_KEY_BOUND: seconds.
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
here=$(cd "$(dirname "$0")" && pwd)
command -v tmux >/dev/null || { echo "tui-scale-test: tmux is missing (apt-get install tmux)"; exit 99; }
command -v python3 >/dev/null || { echo "tui-scale-test: python3 is missing"; exit 99; }

nsvc=${TUI_SCALE_SERVICES:-20000}
ndest=${TUI_SCALE_DESTS:-5}
bound=${TUI_SCALE_KEY_BOUND:-10}
work=$(mktemp -d)
sock="ipvstop-tui-scale-$$"
T() { tmux -L "$sock" "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
ok_note() { echo " [${SECONDS}s]"; }
not_ok_details() { echo "---- screen ----"; cat "$work/screen"; echo "----------------"; }
capture() { T capture-pane -p -t tui > "$work/screen"; }
# wait_for PATTERN SECONDS: until the screen shows PATTERN (grep -E); prints the seconds taken.
wait_for() {
	local t0=${EPOCHREALTIME/./} t
	while :; do
		capture
		t=$(( ${EPOCHREALTIME/./} - t0 ))
		if grep -qE -- "$1" "$work/screen"; then
			printf '%d.%03d\n' $((t / 1000000)) $((t / 1000 % 1000))
			return 0
		fi
		[ "$t" -gt $(( $2 * 1000000 )) ] && return 1
		sleep 0.05
	done
}
expect() { if wait_for "$2" "${3:-$bound}" >/dev/null; then ok "$1"; else not_ok "$1 (wanted /$2/)"; fi; }
# key NAME PATTERN KEYS...: sends the keys, then the screen must show PATTERN within the bound.
key() {
	local name=$1 pat=$2 took
	shift 2
	T send-keys -t tui "$@"
	if took=$(wait_for "$pat" "$bound"); then
		ok "$name (shown after $took s)"
	else
		not_ok "$name: not shown within $bound s (wanted /$pat/)"
	fi
}

# key_moves NAME KEY: KEY moves the selection: waits until the real servers pane names
# another service than before. (key's "." matches any screen, so the next capture could
# race the key: CI's sanitized build, slower, saw the second PgDn land after it.)
sel_header() { sed -nE 's/.*(Real servers of [A-Z]+ [0-9.:]+): .*/\1/p' "$work/screen" | head -1; }
key_moves() {
	local name=$1 before now t0
	capture
	before=$(sel_header)
	T send-keys -t tui "$2"
	t0=$(date +%s.%N)
	for _ in $(seq 1 $((bound * 20))); do
		capture
		now=$(sel_header)
		if [ -n "$now" ] && [ "$now" != "$before" ]; then
			ok "$name (shown after $(echo "$(date +%s.%N) - $t0" | bc | sed 's/^\./0./' | cut -c1-5) s)"
			return
		fi
		sleep 0.05
	done
	not_ok "$name: the selection did not move within $bound s"
}

# The services of the last record in the order the dashboard must show them, for each sort
# the test uses (active, inactive or virtual; ties in the kernel's order), reversed or not,
# and with the filter $re or not, one file each (one Python start: they are slow on a
# loaded machine), one line a service: "PROT ADDRESS:PORT SCHED RS ACTIVE INACT".
re='10\.100\.(3[0-9]|7)\.1[0-9]:'
make_expected() {
	python3 - "$work/expect" "$work" "$re" <<'EOF'
import re, sys
rows = [l.split() for l in open(sys.argv[1])]
r = re.compile(sys.argv[3], re.I)
for sort in ("active", "inactive", "virtual"):
    for reverse in (0, 1):
        for filt in ("", "f"):
            sel = [x for x in rows if not filt or r.search("%s %s %s" % (x[2], x[1], x[3]))]
            col = {"active": 5, "inactive": 6}.get(sort)
            if col:  # numbers: biggest first, reversed: smallest first; ties by index
                sel.sort(key=lambda x: ((int(x[col]) if reverse else -int(x[col])), int(x[0])))
            else:    # the table's addresses grow with the index
                sel.sort(key=lambda x: int(x[0]), reverse=bool(reverse))
            with open("%s/want-%s-%d%s" % (sys.argv[2], sort, reverse, filt), "w") as f:
                for x in sel:
                    f.write("%s %s %s %s %s %s\n" % (x[2], x[1], x[3], x[4], x[5], x[6]))
EOF
}
# expected SORT REVERSE [f]: one of those lists.
expected() { cat "$work/want-$1-$2${3:+f}"; }
# shown: the service rows on screen, top to bottom, in the same form (without the HISTORY
# column's sparkline, which is no field of the recording's).
shown() {
	grep -E '^(TCP|UDP) +10\.' "$work/screen" | sed -E 's/(▁|▂|▃|▄|▅|▆|▇|█)+//g' |
		awk '{print $1, $2, $3, $4, $5, $6}'
}
# check_rows NAME SORT REVERSE REGEX POSITION: the rows on screen are a run of the expected
# list, the selected service (named in the real servers' title) is at POSITION of it
# (first, last, a number from 0, or keep=PROT ADDRESS:PORT: wherever that service is now),
# and it is among the rows shown.
check_rows() {
	local name=$1 pos=$5
	capture
	expected "$2" "$3" "$4" > "$work/want"
	shown > "$work/got"
	local n sel first at
	n=$(wc -l < "$work/want")
	sel=$(sed -nE 's/.*Real servers of ([A-Z]+) ([0-9.:]+): .*/\1 \2/p' "$work/screen" | head -1)
	first=$(head -1 "$work/got" | cut -d' ' -f1,2)
	at=$(grep -nF -- "$first " "$work/want" | head -1 | cut -d: -f1)
	case $pos in
	first) pos=1 ;;
	last) pos=$n ;;
	keep=*) pos=$(grep -nF -- "${pos#keep=} " "$work/want" | head -1 | cut -d: -f1) ;;
	*) pos=$((pos + 1)) ;;
	esac
	if [ ! -s "$work/got" ] || [ -z "$at" ]; then
		not_ok "$name: no expected rows on screen"
		return
	fi
	if ! sed -n "${at},$((at + $(wc -l < "$work/got") - 1))p" "$work/want" | cmp -s - "$work/got"; then
		not_ok "$name: the rows differ from the recording's"
		diff <(sed -n "${at},$((at + $(wc -l < "$work/got") - 1))p" "$work/want") "$work/got" | head -10
		return
	fi
	local want_sel
	want_sel=$(sed -n "${pos}p" "$work/want" | cut -d' ' -f1,2)
	if [ "$sel" != "$want_sel" ]; then
		not_ok "$name: selected '$sel', wanted row $pos '$want_sel'"
		return
	fi
	if ! grep -qF -- "$sel " "$work/got"; then
		not_ok "$name: the selected service is not among the rows shown"
		return
	fi
	ok "$name: $(wc -l < "$work/got") rows exactly as recorded, row $pos of $n selected"
}

t0=$(date +%s)
python3 "$here/gen-big-recording.py" "$nsvc" "$ndest" 2 > "$work/rec.jsonl"
python3 "$here/gen-big-recording.py" "$nsvc" "$ndest" 2 --expect > "$work/expect"
make_expected
echo "# recording of $nsvc services x $ndest real servers made in $(( $(date +%s) - t0 )) s"

# Exact numbers (e), so that the connection counts compare as the recording has them.
# A short name, so that the header has room for "(ended)".
T -f /dev/null new-session -d -s tui -x 120 -y 40 -c "$work" \
	"env LANG=C.UTF-8 TERM=screen-256color $IPVSTOP --no-kube -d 1 --replay rec.jsonl; echo EXITED rc=\$?; sleep 30"
expect "the big table's first frame" "Services $nsvc +Real servers $((nsvc * ndest))" 120
expect "the replay reaches its last record" "\(ended\)" 120
key "e: exact numbers" "Sorted by active" e
sleep 1
check_rows "first frame, by active connections" active 0 "" first

key_moves "Down moves the selection" Down
check_rows "after Down" active 0 "" 1
key_moves "PgDn" NPage
key_moves "PgDn again" NPage
capture
p=$(expected active 0 "" | grep -nF -- "$(sed -nE 's/.*Real servers of ([A-Z]+) ([0-9.:]+): .*/\1 \2/p' "$work/screen" | head -1) " | cut -d: -f1)
if [ -n "$p" ] && [ "$p" -gt 20 ]; then ok "two pages down (row $p)"; else not_ok "two pages down (row ${p:-none})"; fi
check_rows "after PgDn" active 0 "" $((p - 1))
last=$(expected active 0 "" | tail -1 | cut -d' ' -f1,2)
key "End goes to the last service" "Real servers of ${last//./\\.}: $ndest" End
check_rows "at the end" active 0 "" last
first=$(expected active 0 "" | head -1 | cut -d' ' -f1,2)
key "Home comes back" "Real servers of ${first//./\\.}: $ndest" Home
check_rows "back at the top" active 0 "" first

selected() { sed -nE 's/.*Real servers of ([A-Z]+) ([0-9.:]+): .*/\1 \2/p' "$work/screen" | head -1; }
capture
was=$(selected)
key "o sorts by inactive connections" "Sorted by inactive" o
check_rows "by inactive connections (many ties: kernel order), the selection kept" inactive 0 "" "keep=$was"
key "Home" "Real servers of $(expected inactive 0 "" | head -1 | cut -d' ' -f1,2 | sed 's/\./\\./g'): " Home
check_rows "by inactive connections, from the top" inactive 0 "" first
key "O reverses it" "Sorted by inactive connections \(reversed\)" O
check_rows "by inactive connections, reversed, the selection kept" inactive 1 "" "keep=$(expected inactive 0 "" | head -1 | cut -d' ' -f1,2)"
key "End in the reversed order" "Real servers of $(expected inactive 1 "" | tail -1 | cut -d' ' -f1,2 | sed 's/\./\\./g'): " End
check_rows "reversed, at the end" inactive 1 "" last
capture
was=$(selected)
T send-keys -t tui o o o o o o
key "o until the virtual address" "Sorted by virtual address \(reversed\)" o
check_rows "by virtual address, reversed, the selection kept" virtual 1 "" "keep=$was"
key "O: by virtual address" "Sorted by virtual address\." O
key "Home" "Real servers of $(expected virtual 0 "" | head -1 | cut -d' ' -f1,2 | sed 's/\./\\./g'): " Home
check_rows "by virtual address" virtual 0 "" first

n=$(expected virtual 0 f | wc -l)
T send-keys -t tui /
key "/ opens the filter" "Filter \(regex" -l ''
T send-keys -t tui -l "$re"
key "the filter applies" "Virtual services: $n of $nsvc match" Enter
check_rows "the filter's rows" virtual 0 f first
key "End in the filtered list" "Real servers of $(expected virtual 0 f | tail -1 | cut -d' ' -f1,2 | sed 's/\./\\./g'): " End
check_rows "the filter's last rows" virtual 0 f last
key "Esc clears the filter" " Virtual services: $nsvc *$" Escape
check_rows "unfiltered again, the selection kept at the top" virtual 0 "" first

key "q quits" "EXITED rc=0" q
summary
