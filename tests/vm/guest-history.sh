#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-history.sh: runs inside the test VM after guest-table.sh (vm-history-test.sh).
# The lab's traffic generator (busybox wget from netns cli) against BUSY in steps: off
# until the kernel's estimate is 0, then 18 s more off (A), 30 s on (B), off again (C);
# 2 s into C a real server of BUSY gets weight 0 (ipvsadm -e). The dashboard runs all
# along (-d 1). Then its sparkline and its graph pane are read: the graph's columns are
# mapped to times through its clock axis (the guest's own clock, UTC), and must be empty
# in A, filled in B once the kernel's estimator has caught up (8 s), lower again 20 s
# into C than at B's peak; the weight-0 marker must be under the column of its time.
#
# Results: $OUT/history-results.txt ("ok N - name" or "not ok N - name: why
# [history/NN-name]"), and "complete N" at the end.

set -u
GUEST=history
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
ip() { /usr/sbin/ip "$@"; }

export LANG=C.UTF-8 HOME=/root TZ=UTC
SESSION=hist
BUSY=192.0.2.10:80
clock() { date +%s; }

T new-session -d -s "$SESSION" -x 120 -y 36 "$IPVSTOP_BIN -d 1; echo EXITED rc=\$?; sleep 600" \
	2>"$W/tmux.err"
expect "the dashboard starts (ipvstop -d 1, 120x36, UTF-8)" '^ipvstop .* via netlink' 20

# ---------------------------------------------------------------- the steps
rate_of_busy() { ipvsadm -Ln --rate -t "$BUSY" | awk '$1 == "TCP" { print $3 }'; }
i=0
while [ "$(rate_of_busy)" != 0 ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
truth "BUSY's estimate before the steps" ipvsadm -Ln --rate -t "$BUSY"
tA=$(clock)
mark "A: off"
sleep 18
tB=$(clock)
mark "B: on"
ip netns exec cli sh -c "
	end=\$((\$(cut -d. -f1 /proc/uptime) + 30))
	while [ \$(cut -d. -f1 /proc/uptime) -lt \$end ]; do
		timeout 5 wget -q -O /dev/null http://$BUSY/
		usleep 100000
	done" </dev/null >/dev/null 2>&1
tC=$(clock)
mark "C: off"
peak=$(ipvsadm -Ln --rate -t "$BUSY" | awk '$1 == "TCP" { print $3 }')
sleep 2
rs=$(ipvsadm -Ln -t "$BUSY" | awk '$1 == "->" && $2 != "RemoteAddress:Port" { print $2; exit }')
tW=$(clock)
ipvsadm -e -t "$BUSY" -r "$rs" -m -w 0
mark "weight 0: $rs"
sleep 30
echo "A $tA B $tB C $tC W $tW (cps at the end of B: $peak, real server $rs)" | tee "$OUT/steps.txt"

# ---------------------------------------------------------------- the sparkline
snap
truth "steps (guest clock)" cat "$OUT/steps.txt"
line=$(grep -E "^TCP +$(re_escape "$BUSY") " "$W/screen")
# (Blocks share their first two bytes: grep each whole, not a bracket of bytes.)
echo "$line" | grep -q -e '▃' -e '▄' -e '▅' -e '▆' -e '▇' -e '█'
verdict "the sparkline of $BUSY shows the traffic of the last minutes" "no block in: $line" $?

# ---------------------------------------------------------------- the graph
keys / ; keys -l "$(re_escape "$BUSY")"; keys Enter
sleep 1
keys g
expect "g opens the graph of $BUSY" "Graph of TCP $(re_escape "$BUSY"): connections/s" 10
sleep 1
snap
cp "$W/screen" "$W/graph"
# Each plot column's height in eighths: blocks as digits, summed down the column.
sed -n '/ Graph of /,/^ *markers/p' "$W/graph" | sed '1d;$d' |
	sed 's/│/|/; s/█/8/g; s/▇/7/g; s/▆/6/g; s/▅/5/g; s/▄/4/g; s/▃/3/g; s/▂/2/g; s/▁/1/g' |
	awk '{ s = substr($0, 14); for (c = 1; c <= length(s); c++) { d = substr(s, c, 1);
		if (d ~ /[0-9]/) h[c] += d; if (c > n) n = c } }
	     END { for (c = 1; c <= 106; c++) printf "%d ", h[c] + 0; print "" }' >"$W/heights"
markers=$(sed -n 's/^ *markers//p' "$W/graph")
end=$(sed -n '/^ *markers/{n;p;}' "$W/graph" | awk '{ print $NF }')
truth "column heights (eighths), 106 columns over 600 s to $end" cat "$W/heights"
# The window's end as a time of the guest's day; columns 1..106 of 600/106 s each.
t1=$(echo "$end" | awk -F: '{ print $1 * 3600 + $2 * 60 + $3 }')
day() { echo $(($1 % 86400)); }
# cols FROM TO: the columns whose whole interval lies in (FROM, TO] (times of day).
cols() {
	awk -v t1="$t1" -v a="$1" -v b="$2" 'BEGIN { w = 600 / 106; t0 = t1 - 600
		for (c = 1; c <= 106; c++) { s = t0 + (c - 1) * w; e = s + w
			if (s >= a && e <= b) printf "%d ", c } }'
}
heights_at() { for c in $1; do awk -v c="$c" '{ print $c }' "$W/heights"; done | tr '\n' ' '; }
dA=$(day "$tA"); dB=$(day "$tB"); dC=$(day "$tC"); dW=$(day "$tW")
inA=$(heights_at "$(cols "$dA" "$dB")")
inB=$(heights_at "$(cols $((dB + 8)) "$dC")")
late=$(heights_at "$(cols $((dC + 20)) "$t1")")
truth "heights in A / B (from 8 s in) / C (from 20 s in)" echo "A: $inA / B: $inB / C: $late"
echo "$inA" | awk '{ for (i = 1; i <= NF; i++) if ($i != 0) exit 1; exit NF == 0 }'
verdict "the graph is empty while the traffic was off (A: $inA)" "" $?
echo "$inB" | awk '{ for (i = 1; i <= NF; i++) if ($i == 0) exit 1; exit NF == 0 }'
verdict "the graph is filled while the traffic ran (B: $inB)" "" $?
max_b=$(echo "$inB" | awk '{ m = 0; for (i = 1; i <= NF; i++) if ($i > m) m = $i; print m }')
echo "$late" | awk -v m="$max_b" '{ for (i = 1; i <= NF; i++) if ($i * 2 > m) exit 1; exit NF == 0 }'
verdict "20 s after the traffic stopped the columns are under half of B's peak ($late; peak $max_b)" "" $?
# The marker: a '0' within one column of the weight change.
# (After "markers" comes the column under the axis, then the plot's first column.)
mc=$(echo "$markers" | awk '{ print index($0, "0") - 1 }')
want=$(awk -v t1="$t1" -v t="$dW" 'BEGIN { w = 600 / 106; b = (t - (t1 - 600)) / w; c = int(b); if (c < b) c++; print c }')
truth "markers row" echo "|$markers| '0' at column $mc, weight set at column $want"
[ "$mc" -ge $((want - 1)) ] && [ "$mc" -le $((want + 1)) ] && [ "$mc" -gt 0 ]
verdict "the weight-0 marker sits under the time ipvsadm set it" "column $mc, wanted $want" $?
expect "the scale has units" '^ +[0-9.]+K? conn/s│' 2

# ---------------------------------------------------------------- the real server
keys g
keys Enter
expect "its real servers, the drained one marked" "$(re_escape "$rs") +Masq +0 drain" 10
echo "complete $n" >>"$RES"
