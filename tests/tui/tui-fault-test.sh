#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tui-fault-test.sh: the real ipvstop binary under terminal faults and hostile strings, in
# tmux: a resize storm down to 1x1, TERM unset/dumb/unknown, no terminal on stdin or stdout,
# SIGINT (^C and kill), SIGTERM, SIGHUP in each state of the dashboard, a closed pipe behind
# -j and -b, and a recording whose kernel strings carry terminal escape sequences, C0/C1
# controls, invalid UTF-8, 10 KB and CJK text.
#
# How a fault is judged: the pane runs ipvstop under run.sh, which saves `stty -g` before and
# after; tmux reports the pane's modes (alternate screen, cursor visible, keypad) before and
# after; tmux's pipe-pane keeps every byte ipvstop wrote to the terminal, which is scanned
# for sequences curses never sends here (OSC, DCS, APC, PM, SOS, C1, invalid UTF-8, BEL,
# erase-display). tmux itself acts on OSC 2 (pane title) and OSC 52 (with set-clipboard on,
# a paste buffer): both are checked to be untouched.
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
here=$(cd "$(dirname "$0")" && pwd)
for t in tmux python3; do
	command -v "$t" >/dev/null || { echo "tui-fault-test: $t is missing"; exit 99; }
done

work=$(mktemp -d)
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
. "$here/fault-lib.sh"

python3 "$here/gen-recording.py" 40 400 > "$work/rec.jsonl"
python3 "$here/gen-recording.py" 40 3 | python3 "$here/gen-hostile-recording.py" > "$work/hostile.jsonl"

# --- a resize storm --------------------------------------------------------------------------
start storm 120 36 LANG=C.UTF-8 TERM=screen-256color -- --replay "$work/rec.jsonl" -d 600
expect "storm: the dashboard is up" "Virtual services: 40"
sizes=(10x3 200x60 1x1 80x24 15x4 300x90 2x1 40x10 10x3 120x36 11x2 250x20 30x80 1x50 100x1)
for round in 1 2 3 4; do
	for s in "${sizes[@]}"; do
		T resize-window -t f -x "${s%x*}" -y "${s#*x}"
	done
	# Keys in the storm (Down then Up: the selection ends where it began).
	T send-keys -t f Down
	T send-keys -t f Up
done
T resize-window -t f -x 10 -y 3
sleep 0.5
kill -0 "$(pid)" 2>/dev/null && ok "storm: alive after 60 resizes down to 1x1" || not_ok "storm: alive after 60 resizes down to 1x1"
capture
[ "$(wc -l < "$work/screen")" = 3 ] && ! grep -q "EXITED" "$work/screen" \
	&& ok "storm: 10x3 is drawn in 3 lines" || not_ok "storm: 10x3 is drawn in 3 lines" "$work/screen"
T resize-window -t f -x 100 -y 30
keys '?'
expect "storm: keys are answered after the storm (? shows the help)" "ipvstop keys" 3
keys x
sleep 0.5
capture
cp "$work/screen" "$work/storm.screen"
# The same program started at 100x30, untouched: the stormed screen must be the same.
start calm 100 30 LANG=C.UTF-8 TERM=screen-256color -- --replay "$work/rec.jsonl" -d 600
wait_for "Virtual services: 40" >/dev/null
sleep 1
capture
if diff "$work/storm.screen" "$work/screen" > "$work/diff"; then
	ok "storm: the final screen is the one a fresh start at 100x30 draws"
else
	not_ok "storm: the final screen is the one a fresh start at 100x30 draws" "$work/diff"
fi
grep -q "^PROT VIRTUAL SERVICE" "$work/storm.screen" && [ "$(wc -L < "$work/storm.screen")" -le 100 ] \
	&& ok "storm: the final screen fits 100 columns" || not_ok "storm: the final screen fits 100 columns" "$work/storm.screen"
keys q
expect "calm: q quits" "EXITED rc=0"

# --- TERM unset, dumb, unknown ---------------------------------------------------------------
for case in "unset:-u TERM:TERM is not set" "dumb:TERM=dumb:TERM=dumb cannot move the cursor" \
	"garbage:TERM=unknown-garbage:TERM=unknown-garbage is not in the terminfo database"; do
	name=${case%%:*}; rest=${case#*:}; envs=${rest%%:*}; msg=${rest#*:}
	# shellcheck disable=SC2086
	start "term-$name" 100 30 $envs LANG=C.UTF-8 -- --replay "$work/rec.jsonl"
	expect "TERM $name: exit status 2" "EXITED rc=2"
	expect "TERM $name: says why ($msg)" "cannot start: $msg"
	expect "TERM $name: and what to do (-b, -j)" "use -b for text frames or -j for JSON Lines"
	if grep -q $'\e' "$work/$tag.raw"; then not_ok "TERM $name: no escape sequence was sent" "$work/$tag.raw"
	else ok "TERM $name: no escape sequence was sent"; fi
	restored "TERM $name"
done
# The message shows a hostile TERM made safe.
start term-hostile 100 30 LANG=C.UTF-8 "TERM=\$(printf 'x\\033]2;PWNED\\007')" -- --replay "$work/rec.jsonl"
expect "TERM with an escape sequence: refused" "EXITED rc=2"
expect "TERM with an escape sequence: shown made safe" "TERM=x\?\]2;PWNED\? is not in the terminfo"
[ "$(title)" = "$(cat "$work/$tag.title-before")" ] && ok "TERM with an escape sequence: the title is untouched" \
	|| not_ok "TERM with an escape sequence: the title is untouched ($(title))"

# --- no terminal on stdin, or on stdout -------------------------------------------------------
start notty-in 100 30 FAULT_STDIN=/dev/null LANG=C.UTF-8 TERM=screen-256color -- --replay "$work/rec.jsonl"
expect "stdin not a terminal: exit status 2" "EXITED rc=2"
expect "stdin not a terminal: says the dashboard needs one" "the dashboard needs a terminal"
expect "stdin not a terminal: points at -b and -j" "use -b for text frames or -j for JSON Lines"
grep -q $'\e' "$work/$tag.raw" && not_ok "stdin not a terminal: no curses output" "$work/$tag.raw" || ok "stdin not a terminal: no curses output"
restored "stdin not a terminal"
start notty-out 100 30 FAULT_STDOUT=$work/notty.out LANG=C.UTF-8 TERM=screen-256color -- --replay "$work/rec.jsonl"
expect "stdout not a terminal: exit status 2" "EXITED rc=2"
expect "stdout not a terminal: the message is on stderr (the terminal)" "the dashboard needs a terminal"
[ ! -s "$work/notty.out" ] && ok "stdout not a terminal: nothing written to stdout" || not_ok "stdout not a terminal: nothing written to stdout" "$work/notty.out"
restored "stdout not a terminal"

# --- SIGINT, SIGTERM, SIGHUP in each state ----------------------------------------------------
# signal_case NAME HOW SETUP-KEYS... : HOW is ^C (typed) or a signal name sent with kill.
signal_case() {
	local name=$1 how=$2; shift 2
	nsig=$((${nsig:-0} + 1))
	start "sig-$nsig" 120 36 LANG=C.UTF-8 TERM=screen-256color -- --replay "$work/rec.jsonl" -d 600
	wait_for "Virtual services: 40" >/dev/null || not_ok "$name: the dashboard did not start" "$work/screen"
	[ $# -gt 0 ] && keys "$@"
	sleep 0.3
	modes > "$work/$tag.modes-during"
	local t0; t0=$(date +%s%N)
	if [ "$how" = "^C" ]; then T send-keys -t f C-c; else kill -s "$how" "$(pid)"; fi
	if wait_for "EXITED rc=" 3; then
		ok "$name: ends within $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	else
		not_ok "$name: ends" "$work/screen"; kill -KILL "$(pid)" 2>/dev/null
	fi
	grep -q "EXITED rc=0" "$work/screen" && ok "$name: exit status 0" || not_ok "$name: exit status 0" "$work/screen"
	grep -q "Virtual services" "$work/screen" && not_ok "$name: the dashboard is gone from the screen" "$work/screen" \
		|| ok "$name: the dashboard is gone from the screen"
	restored "$name"
}
signal_case "^C in the main view" "^C"
signal_case "SIGINT with the filter prompt open (cursor shown)" INT / 'f' 'd' '0'
signal_case "SIGTERM in the real servers pane" TERM Enter Down
signal_case "SIGHUP with the help open" HUP '?'
signal_case "SIGTERM with the connections pane open" TERM c
signal_case "SIGHUP with the filter prompt open" HUP / '1' '0'
# The modes were really changed while it ran (else 'as before' proves nothing).
grep -q "^1 " "$work/$tag.modes-during" && ok "while running: tmux saw the alternate screen (so the checks above can fail)" \
	|| not_ok "while running: tmux saw the alternate screen ($(cat "$work/$tag.modes-during"))"

# --- a closed pipe behind -j and -b -----------------------------------------------------------
for m in -j -b; do
	t0=$(date +%s%N)
	"$IPVSTOP" $m -d 0.2 --replay "$work/rec.jsonl" 2> "$work/pipe.err" | head -c 100 > /dev/null
	rc=${PIPESTATUS[0]}; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$rc" = 0 ] && ok "$m | head -c 100: exit status 0 (a reader that went away is a normal end)" || not_ok "$m | head -c 100: exit status 0 (got $rc)"
	[ "$ms" -lt 3000 ] && ok "$m | head -c 100: ends promptly (${ms} ms; the recording lasts 80 s)" || not_ok "$m | head -c 100: ends promptly (${ms} ms)"
	[ ! -s "$work/pipe.err" ] && ok "$m | head -c 100: nothing on stderr" || not_ok "$m | head -c 100: nothing on stderr" "$work/pipe.err"
	# A reader that closes later, between two frames.
	rm -f "$work/fifo"; mkfifo "$work/fifo"
	"$IPVSTOP" $m -d 0.2 --replay "$work/rec.jsonl" 2> "$work/pipe.err" > "$work/fifo" &
	jpid=$!
	python3 -c "import sys, time; f = open(sys.argv[1], 'rb'); f.read(4096); time.sleep(1); f.close()" "$work/fifo"
	t0=$(date +%s%N)
	for _ in $(seq 1 30); do kill -0 $jpid 2>/dev/null || break; sleep 0.1; done
	if kill -0 $jpid 2>/dev/null; then
		not_ok "$m: a reader that closes after 1 s: ipvstop ends"; kill $jpid
	else
		ok "$m: a reader that closes after 1 s: ipvstop ends within $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	fi
	wait $jpid; rc=$?
	[ "$rc" = 0 ] && [ ! -s "$work/pipe.err" ] && ok "$m: ... with status 0 and nothing on stderr" || not_ok "$m: ... with status 0 and nothing on stderr (rc=$rc)" "$work/pipe.err"
done
# A full disk is not a closed pipe: said, with status 1.
"$IPVSTOP" -j -n 2 -d 0.1 --replay "$work/rec.jsonl" > /dev/full 2> "$work/full.err"; rc=$?
[ "$rc" = 1 ] && grep -q "No space left" "$work/full.err" && ok "-j > /dev/full: the error is said, status 1" \
	|| not_ok "-j > /dev/full: the error is said, status 1 (rc=$rc)" "$work/full.err"
# The dashboard recording to a full disk: said on its status line, the dashboard goes on.
start record-full 120 30 LANG=C.UTF-8 TERM=screen-256color -- --no-kube --record /dev/full -d 0.5
expect "dashboard --record /dev/full: the failed write is said" "writing the recording failed: No space left on device" 10
keys '?'
expect "dashboard --record /dev/full: and keys still work (? opens the help)" "F10" 5
keys q

# --- hostile kernel strings (a replayed recording) ----------------------------------------------
for loc in C.UTF-8 C; do
	start "hostile-$loc" 160 40 LC_ALL=$loc TERM=screen-256color -- --replay "$work/hostile.jsonl" -d 600
	expect "hostile ($loc): the dashboard is up" "Virtual services: 40"
	keys c
	expect "hostile ($loc): the connections with hostile states are shown" "Connections of"
	keys c /; keys -l 'wlc'
	T send-keys -t f C-a C-g C-h; T send-keys -t f -H 1b 5d 32 3b 50 57 4e 45 44 07 9b ff
	sleep 0.5
	capture
	kill -0 "$(pid)" 2>/dev/null && ok "hostile ($loc): control keys and raw bytes in the filter: still running" \
		|| not_ok "hostile ($loc): control keys and raw bytes in the filter: still running" "$work/screen"
	keys Escape Escape Home
	keys '?'
	expect "hostile ($loc): keys are still answered" "ipvstop keys" 3
	keys x
	capture
	cp "$work/screen" "$work/hostile-$loc.screen"
	grep -q "host?\[2J?\[H?\]2;PWNED-TITLE?" "$work/screen" && ok "hostile ($loc): the host name is shown with ? for controls" \
		|| not_ok "hostile ($loc): the host name is shown with ? for controls" "$work/screen"
	grep -q "sync m?\]2;P? on eth0?\]52;c;UFdO" "$work/screen" && ok "hostile ($loc): the sync daemon too" \
		|| not_ok "hostile ($loc): the sync daemon too" "$work/screen"
	grep -q "ip_vs_wlc?\]2;PWN?: missing" "$work/screen" && ok "hostile ($loc): the module name too" \
		|| not_ok "hostile ($loc): the module name too" "$work/screen"
	[ "$loc" = C.UTF-8 ] && { grep -q "服务" "$work/screen" && ok "hostile ($loc): wide CJK text is shown" || not_ok "hostile ($loc): wide CJK text is shown" "$work/screen"; }
	aligned "hostile ($loc): service columns still line up (ACTIVE)" "$work/screen" "ACTIVEv" "^(TCP|UDP|SCTP|FWM) "
	aligned "hostile ($loc): service columns still line up (RS)" "$work/screen" " RS" "^(TCP|UDP|SCTP|FWM) "
	[ "$(title)" = "$(cat "$work/$tag.title-before")" ] && ok "hostile ($loc): the pane title is untouched ($(title))" \
		|| not_ok "hostile ($loc): the pane title is untouched (was $(cat "$work/$tag.title-before"), now $(title))"
	[ -z "$(T list-buffers)" ] && ok "hostile ($loc): no OSC 52 reached the clipboard (no tmux paste buffer)" \
		|| not_ok "hostile ($loc): no OSC 52 reached the clipboard ($(T list-buffers))"
	keys q
	expect "hostile ($loc): quits" "EXITED rc=0"
	restored "hostile ($loc)"
	sleep 0.2
	if [ "$loc" = C.UTF-8 ]; then scan "hostile ($loc): every byte sent to the terminal is curses' own, valid UTF-8" "$work/$tag.raw" utf8
	else scan "hostile ($loc): every byte sent to the terminal is curses' own" "$work/$tag.raw"; fi
done

# The batch text frames: every byte printable (or a newline), valid UTF-8, columns aligned.
LC_ALL=C.UTF-8 "$IPVSTOP" -b -n 1 --replay "$work/hostile.jsonl" > "$work/batch" 2>&1
python3 - "$work/batch" > "$work/check.out" 2>&1 <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
t = d.decode("utf-8")  # raises: not UTF-8
m = re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", t)
assert not m, "control %r at %d: %r" % (m.group(), m.start(), t[max(0, m.start() - 30):m.start() + 10])
assert "PWNED-TITLE" in t and "服务器" in t, "the hostile strings are not shown"
print("clean:", len(d), "bytes")
PY
result "-b: hostile strings come out printable, valid UTF-8, controls as ?" $? "$work/check.out"
aligned "-b: columns line up after hostile schedulers (ACTIVE)" "$work/batch" "ACTIVE" "^(TCP|UDP|SCTP|FWM) "
aligned "-b: columns line up after hostile schedulers (INACT)" "$work/batch" "INACT" "^(TCP|UDP|SCTP|FWM) "
grep -q "^Sync daemon: m?\]2;P? on eth0?\]52;c;UFdO, syncid 7" "$work/batch" && ok "-b: the sync daemon line is made safe" \
	|| not_ok "-b: the sync daemon line is made safe" "$work/batch"
LC_ALL=C "$IPVSTOP" -b -n 1 --replay "$work/hostile.jsonl" > "$work/batch-c" 2>&1
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f-\xff]' "$work/batch-c" && not_ok "-b in the C locale: only printable ASCII" "$work/batch-c" \
	|| ok "-b in the C locale: only printable ASCII"
# JSON escapes control characters: no raw escape sequence in -j either.
"$IPVSTOP" -j -n 1 --replay "$work/hostile.jsonl" > "$work/json" 2>&1
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$work/json" && not_ok "-j: no raw control character" "$work/json" \
	|| ok "-j: no raw control character"

# --- a decimal comma -------------------------------------------------------------------------
# In German 0.5 is written 0,5. What ipvstop reads and writes stays 0.5 in any locale (main()
# keeps LC_NUMERIC "C"): there, -d 0.5 was refused, and every -j document carried
# "time":1795000000,000, which no JSON reader takes. tools/deps.sh generates de_DE.UTF-8.
comma=de_DE.UTF-8
point=$(LC_ALL=$comma python3 -c 'import locale; locale.setlocale(locale.LC_ALL, ""); print(locale.localeconv()["decimal_point"])' 2>&1)
if [ "$point" != "," ]; then
	not_ok "the rig: the $comma locale writes a decimal comma (tools/deps.sh generates it): $point"
else
	LC_ALL=$comma "$IPVSTOP" -j -n 2 -d 0.5 --replay "$work/rec.jsonl" > "$work/comma.json" 2> "$work/comma.err"
	rc=$?
	python3 - "$work/comma.json" > "$work/comma.out" 2>&1 <<'PY'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 2, "%d documents" % len(docs)
t = docs[0]["time"]
assert isinstance(t, float) and t > 1e9, "time %r" % t
print("2 documents, time %.3f" % t)
PY
	st=$?
	cat "$work/comma.err" >> "$work/comma.out"
	[ "$rc" = 0 ] && [ "$st" = 0 ]
	result "$comma: -d 0.5 taken, and -j writes JSON (a time with a decimal point)" $? "$work/comma.out"
	LC_ALL=$comma "$IPVSTOP" -b -n 1 --replay "$work/rec.jsonl" > "$work/comma.txt" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -qE '[0-9]\.[0-9]' "$work/comma.txt" && ! grep -qE '[0-9],[0-9]' "$work/comma.txt"
	result "$comma: -b writes its numbers with a decimal point, none with a comma" $? "$work/comma.txt"
fi

summary
