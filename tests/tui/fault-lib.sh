# SPDX-License-Identifier: GPL-2.0-or-later
# fault-lib.sh: sourced by the terminal fault tests (tests/tui/tui-fault-test.sh,
# tests/kube/ipvstop-hostile-test.sh). Needs $work (a directory) and $IPVSTOP. Runs ipvstop in
# a fresh tmux server per start, and judges the terminal it leaves from its own side:
# `stty -g` before and after, tmux's view of the pane's modes before and after, and every
# byte ipvstop wrote to the terminal (pipe-pane).
nstart=0
sock="ipvstop-fault-$$-0"
T() { tmux -L "$sock" "$@"; }

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
not_ok_details() {
	if [ -n "$1" ] && [ -f "$1" ]; then echo "----"; head -c 3000 "$1"; echo; echo "----"; fi
}
result() { if [ "$2" = 0 ]; then ok "$1"; else not_ok "$1" "${3:-}"; fi; }

# run.sh DIR TAG CMD...: waits for DIR/TAG.go (so that pipe-pane is on), saves the terminal's
# settings, runs CMD with its pid in DIR/TAG.pid, says how it ended, saves the settings again.
# FAULT_STDIN / FAULT_STDOUT redirect CMD's stdin / stdout. A ^C reaches CMD (the foreground
# process group), the shell only notes it and stays to report.
cat > "$work/run.sh" <<'EOF'
d=$1; tag=$2; shift 2
trap 'true' INT
while [ ! -e "$d/$tag.go" ]; do sleep 0.05; done
stty -g > "$d/$tag.before"
sh -c 'echo $$ > "$0"; [ -n "${FAULT_STDIN:-}" ] && exec < "$FAULT_STDIN"
	[ -n "${FAULT_STDOUT:-}" ] && exec > "$FAULT_STDOUT"; exec "$@"' "$d/$tag.pid" "$@"
echo "EXITED rc=$?"
stty -g > "$d/$tag.after"
exec sleep 600
EOF
echo "set -g set-clipboard on" > "$work/tmux.conf"

tag=""
modes() { T display -p -t f '#{alternate_on} #{cursor_flag} #{keypad_cursor_flag} #{keypad_flag}'; }
title() { T display -p -t f '#{pane_title}'; }
# start TAG WIDTH HEIGHT [VAR=VALUE...] -- ARGS...: ipvstop in a fresh tmux server.
start() {
	tag=$1; local w=$2 h=$3; shift 3
	local envs=() pre=()
	while [ "$1" != "--" ]; do
		case $1 in FAULT_*) pre+=("$1") ;; *) envs+=("$1") ;; esac
		shift
	done
	shift
	T kill-server 2>/dev/null
	nstart=$((nstart + 1))
	sock="ipvstop-fault-$$-$nstart"
	T -f "$work/tmux.conf" new-session -d -s f -x "$w" -y "$h" \
		"${pre[*]:-} sh $work/run.sh $work $tag env ${envs[*]:-} $IPVSTOP $*"
	T pipe-pane -o -t f "cat >> $work/$tag.raw"
	modes > "$work/$tag.modes-before"
	title > "$work/$tag.title-before"
	: > "$work/$tag.raw"
	touch "$work/$tag.go"
	for _ in $(seq 1 50); do [ -s "$work/$tag.pid" ] && break; sleep 0.05; done
}
pid() { cat "$work/$tag.pid"; }
capture() { T capture-pane -p -t f > "$work/screen"; }
expect() { if wait_for "$2" "${3:-5}"; then ok "$1"; else not_ok "$1 (wanted /$2/)" "$work/screen"; fi; }
keys() { T send-keys -t f "$@"; sleep 0.2; }
# restored NAME: after the program ended, the terminal is as it was before.
restored() {
	sleep 0.2
	if cmp -s "$work/$tag.before" "$work/$tag.after"; then ok "$1: stty settings as before"
	else not_ok "$1: stty settings as before ($(cat "$work/$tag.before") / $(cat "$work/$tag.after" 2>/dev/null))"; fi
	modes > "$work/$tag.modes-after"
	if cmp -s "$work/$tag.modes-before" "$work/$tag.modes-after"; then
		ok "$1: main screen, cursor visible, keypad mode off ($(cat "$work/$tag.modes-after"))"
	else
		not_ok "$1: main screen, cursor visible, keypad mode off (before $(cat "$work/$tag.modes-before"), after $(cat "$work/$tag.modes-after"))"
	fi
}
# scan NAME FILE [utf8]: FILE (bytes a terminal got) has no sequence that did not come from
# curses: no OSC/DCS/APC/PM/SOS introducer, no erase-display, no BEL, no C1 control (8-bit
# or as UTF-8), no NUL; with utf8, it decodes as UTF-8.
scan() {
	python3 - "$2" "${3:-}" > "$work/scan.out" 2>&1 <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
bad = []
for name, pat in [("OSC/DCS/APC/PM/SOS", rb"\x1b[\]P_^X]"), ("erase display", rb"\x1b\[2J"),
                  ("BEL", rb"\x07"), ("NUL", rb"\x00"), ("UTF-8 C1", rb"\xc2[\x80-\x9f]")]:
    m = re.search(pat, d)
    if m:
        bad.append("%s at %d: %r" % (name, m.start(), d[max(0, m.start() - 20):m.start() + 30]))
if sys.argv[2] == "utf8":
    try:
        d.decode("utf-8")
    except UnicodeDecodeError as e:
        bad.append("not UTF-8: %s: %r" % (e, d[max(0, e.start - 20):e.start + 20]))
else:
    m = re.search(rb"[\x80-\x9f]", d)
    if m:
        bad.append("8-bit C1 at %d" % m.start())
if b"PWNED" not in d and b"PWN" not in d:
    bad.append("the hostile strings were not drawn at all (%d bytes)" % len(d))
print("\n".join(bad) or "clean, %d bytes" % len(d))
sys.exit(1 if bad else 0)
PY
	result "$1" $? "$work/scan.out"
}
# aligned NAME FILE HEADER-WORD ROW-REGEX [MIN-ROWS]: on every line matching ROW-REGEX, the display
# column where HEADER-WORD ends (in the header line) ends a number, as in the header: a
# hostile or wide string before it did not shift the columns.
aligned() {
	python3 - "$2" "$3" "$4" "${5:-3}" > "$work/align.out" 2>&1 <<'PY'
import re, sys, unicodedata
def cells(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in s)
def at(line, col):
    """the character whose cells cover display column col"""
    w = 0
    for c in line:
        w += cells(c)
        if w > col:
            return c
    return " "
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
head = next(l for l in lines if sys.argv[2] in l)
end = cells(head[:head.index(sys.argv[2]) + len(sys.argv[2])])
rows = [l for l in lines if re.search(sys.argv[3], l)]
bad = [l for l in rows if not (at(l, end - 1).isalnum() and at(l, end) == " ")]
print("%d rows, column ends at %d" % (len(rows), end))
for l in bad:
    print("misaligned: %r" % l[:160])
sys.exit(1 if bad or len(rows) < int(sys.argv[4]) else 0)
PY
	result "$1" $? "$work/align.out"
}

