#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-actions.sh: runs alone inside the test VM (vm-actions-test.sh). Drives
# ipvstop's actions on the real kernel, in tmux and from the command line, and
# checks every outcome with independent witnesses: lsmod (/proc/modules) for
# the modules, ipvsadm -Sn/-Ln for the table, the file system for
# /etc/modules-load.d, and busybox syslogd for the audit lines.
#
# The modules part runs first, on the state of a fresh boot: nothing has
# loaded ip_vs or nf_conntrack. ipvsadm is never called while ip_vs is out:
# libipvs runs "modprobe ip_vs" when it cannot reach IPVS, which would load
# what the test wants to see loaded by ipvstop.
#
# Results: $OUT/actions-results.txt, one "ok N - name" or "not ok N - name:
# why [actions/NN-name]" a line, and "complete N" once every check ran. For
# each check, actions/NN-name.screen.txt is the screen it looked at and
# actions/NN-name.truth.txt what the witnesses said.

set -u
GUEST=actions
# shellcheck source=tests/vm/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"
CONF=/etc/modules-load.d/ipvs.conf
LOG=$OUT/syslog.txt

# The table of part 3 (TEST-NET-1 addresses; the real servers need not exist).
PLAIN=192.0.2.1:80   # rr, two real servers
PERS=192.0.2.2:443   # rr, persistent 300 s, netmask /24
SH=192.0.2.3:80      # sh, no flags
FWM=5                # a firewall mark service, for fwmark:N on the command line

NOBODY="/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
ESC=$(printf '\033')

export LANG=C.UTF-8 HOME=/root
SESSION=act
abort() { # NAME WHY: a check whose failure leaves nothing sensible to go on with
	result fail "$1" "$2"
	echo "complete-aborted $n" >>"$RES"
	T kill-server 2>/dev/null
	exit 1
}
# select_service VIP:PORT: the '/' filter by the service's own text, then Home.
select_service() {
	T send-keys -t "$SESSION" / \; send-keys -t "$SESSION" -l "TCP $(re_escape "$1") " \; \
		send-keys -t "$SESSION" Enter \; send-keys -t "$SESSION" Home
	wait_for "^ Virtual services: 1 of [0-9]+ match" 5 &&
		wait_for "^TCP +$(re_escape "$1") " 5
}
# The action window names a service "tcp ADDR:PORT" (the dashboard "TCP").
TCP='[Tt][Cc][Pp]'
# The action window's last line.
QUESTION='\[y/N\]'
DONE_OK='Done\. Any key closes this window\.'
DONE_NOT='Ended without the change \(see above\)\. Any key closes this window\.'
# close_window: any key closes a finished action's window.
close_window() {
	keys Space
	wait_gone 'Any key closes this window' 5
}

# ---------------------------------------------------------------- witnesses
mods() { awk '{ print $1 }' /proc/modules | sort; }
loaded() { grep -q "^$1 " /proc/modules; }
# The save format of the table: one "-A" line per service, "-a" per real server.
save() { ipvsadm -Sn; }
# sline FILE VIP:PORT: the -A line of one TCP service in a save.
sline() { awk -v k="$2" '$1 == "-A" && $2 == "-t" && $3 == k' "$1"; }
# others_same BEFORE AFTER VIP:PORT: everything but that service's -A line is unchanged.
others_same() {
	awk -v k="$3" '!($1 == "-A" && $2 == "-t" && $3 == k)' "$1" >"$W/o1"
	awk -v k="$3" '!($1 == "-A" && $2 == "-t" && $3 == k)' "$2" >"$W/o2"
	cmp -s "$W/o1" "$W/o2"
}
# ipvstop's audit lines in the syslog so far.
audit_lines() { grep -F ' ipvstop[' "$LOG" 2>/dev/null; }
audit_count() { audit_lines | wc -l; }
# new_audit SINCE WANT: how many audit lines came after the first SINCE (they
# are left in $W/new-audit), waiting up to 3 s for at least WANT of them.
new_audit() { # SINCE WANT
	now
	_end=$((NOW + 300))
	while :; do
		audit_lines | tail -n +$(($1 + 1)) >"$W/new-audit"
		[ "$(wc -l <"$W/new-audit")" -ge "$2" ] && break
		now
		[ "$NOW" -ge "$_end" ] && break
		usleep 100000
	done
	# A line that should not come gets a moment too.
	[ "$2" = 0 ] && usleep 300000 && audit_lines | tail -n +$(($1 + 1)) >"$W/new-audit"
	truth "new audit lines in $LOG" cat "$W/new-audit"
	wc -l <"$W/new-audit"
}

# ---------------------------------------------------------------- syslog
mark "syslogd"
/bin/syslogd -n -O "$LOG" </dev/null >/dev/null 2>&1 &
SYSLOGD_PID=$!
i=0
while [ ! -S /dev/log ] && [ $i -lt 50 ]; do
	usleep 100000
	i=$((i + 1))
done
logger -t guest-actions "syslog ready"
i=0
while ! grep -q 'syslog ready' "$LOG" 2>/dev/null && [ $i -lt 30 ]; do
	usleep 100000
	i=$((i + 1))
done
truth "ls -l /dev/log; $LOG" sh -c "ls -l /dev/log; cat $LOG"
grep -q 'syslog ready' "$LOG" 2>/dev/null
verdict "the rig: busybox syslogd listens on /dev/log and writes $LOG" "logger's line never arrived" $?

# ---------------------------------------------------------------- part 1: modules
mark "modules"
# A real system has the directory; the test looks at the file only.
mkdir -p /etc/modules-load.d
mods >"$W/mods.boot"
truth "/proc/modules at boot" cat /proc/modules
! loaded ip_vs && ! loaded nf_conntrack && [ ! -e /proc/net/ip_vs ] && [ ! -e "$CONF" ]
verdict "the rig: a fresh boot without ip_vs and nf_conntrack, and no $CONF" \
	"something loaded them already" $?

T new-session -d -s "$SESSION" -x 120 -y 40 "env PS1='act# ' /bin/sh -i" 2>"$W/tmux.err"
if ! wait_for '^act#' 10; then
	cat "$W/tmux.err" >"$W/truth"
	abort "tmux starts a shell in the guest" "no prompt"
fi
keys -l "$IPVSTOP_BIN -d 1; echo EXITED rc=\$?" \; send-keys -t "$SESSION" Enter
if ! wait_for 'IPVS is not available' 15; then
	abort "the dashboard starts and says IPVS is not available" "no such line"
fi
result ok "the dashboard starts and says IPVS is not available"
# Two refreshes at least: looking must not load anything.
usleep 2000000
mods >"$W/mods.now"
truth "/proc/modules" cat /proc/modules
cmp -s "$W/mods.boot" "$W/mods.now"
verdict "looking loads nothing: /proc/modules as at boot after the dashboard's reads" \
	"the modules changed: $(diff "$W/mods.boot" "$W/mods.now" | grep '^[-+][a-z]' | tr '\n' ' ')" $?

# -- l, then n: nothing is loaded
a0=$(audit_count)
keys l
if wait_for "Load them now\? $QUESTION" 10; then
	grep -qE 'Load the kernel modules IPVS needs' "$W/screen" &&
		grep -qE 'Missing: (.*,)?ip_vs(,|$| )' "$W/screen" && grep -qE 'Missing: (.*,)?nf_conntrack(,|$| )' "$W/screen"
	verdict "l: the window lists the missing ip_vs and nf_conntrack and asks" \
		"wanted 'Missing: ip_vs nf_conntrack' in the window" $?
else
	abort "l: the window lists the missing ip_vs and nf_conntrack and asks" "no question"
fi
keys n
expect "n: 'Cancelled: nothing was loaded.', ended without the change" \
	"Cancelled: nothing was loaded\..*" 5
grep -qE "$DONE_NOT" "$W/screen"
verdict "the window's last line says it ended without the change" "wanted /$DONE_NOT/" $?
mods >"$W/mods.now"
truth "/proc/modules" cat /proc/modules
cmp -s "$W/mods.boot" "$W/mods.now"
verdict "n: lsmod unchanged (no ip_vs, no nf_conntrack)" \
	"the modules changed: $(diff "$W/mods.boot" "$W/mods.now" | grep '^[-+][a-z]' | tr '\n' ' ')" $?
[ "$(new_audit "$a0" 0)" = 0 ]
verdict "n: nothing in syslog" "ipvstop logged something (see truth)" $?
close_window
verdict "any key closes the window" "it is still there" $?

# -- l, y, then n to the file
a0=$(audit_count)
keys l
wait_for "Load them now\? $QUESTION" 10 || abort "l again: the question comes" "no question"
keys y
if wait_for "Write that file too\? $QUESTION" 20; then
	# The window's lines above the question may still be being drawn (a capture in the
	# middle of a frame, seen under ASan): wait for them too, a moment at most.
	wait_for 'ip_vs: loaded ip_vs' 2
	wait_for "To load them at every boot, $(re_escape "$CONF") can list them" 2
	grep -qE 'ip_vs: loaded ip_vs' "$W/screen" &&
		grep -qE "To load them at every boot, $(re_escape "$CONF") can list them" "$W/screen"
	verdict "y: 'ip_vs: loaded ip_vs', then the offer of $CONF with a second question" \
		"wanted 'ip_vs: loaded ip_vs' and the offer" $?
else
	result fail "y: the modules load and $CONF is offered with a second question" "no second question"
fi
truth "/proc/modules" cat /proc/modules
loaded ip_vs && loaded nf_conntrack && [ -e /proc/net/ip_vs ]
verdict "y: lsmod shows ip_vs and nf_conntrack" "not both are loaded" $?
keys n
expect "n to the file: 'Not written: they stay loaded until the next reboot.'" \
	"Not written: they stay loaded until the next reboot\." 5
grep -qE "$DONE_OK" "$W/screen"
verdict "the window's last line says done" "wanted /$DONE_OK/" $?
truth "ls -la /etc/modules-load.d" ls -la /etc/modules-load.d
[ ! -e "$CONF" ]
verdict "n to the file: $CONF does not exist" "it exists" $?
new_audit "$a0" 1 >/dev/null
# ip_vs brings nf_conntrack in as a dependency: one change, one line; nf_conntrack was no
# change of its own by the time its turn came.
grep -q ' user=root uid=0 action=load-module before=absent after=ip_vs result=loaded$' "$W/new-audit" &&
	! grep -q 'after=nf_conntrack result=loaded' "$W/new-audit" &&
	! grep -q 'action=modules-load.d' "$W/new-audit" && [ "$(wc -l <"$W/new-audit")" = 1 ]
verdict "syslog: one load-module line for ip_vs (nf_conntrack came as its dependency), user=root, no modules-load.d line" \
	"wanted exactly that line (see truth)" $?
close_window
expect "after loading, the dashboard reads IPVS via netlink: no virtual services" \
	"No virtual services\." 10
grep -qE '^ipvstop .* via netlink' "$W/screen"
verdict "the header says via netlink" "no 'via netlink'" $?

# -- modprobe -r, then l, y, y: the file
mark "modules: rmmod"
modprobe -r ip_vs
loaded nf_conntrack && modprobe -r nf_conntrack
truth "modprobe -r ip_vs; /proc/modules" cat /proc/modules
if loaded ip_vs || loaded nf_conntrack; then
	abort "the rig: modprobe -r ip_vs unloads ip_vs and nf_conntrack" "still loaded"
fi
result ok "the rig: modprobe -r ip_vs unloads ip_vs and nf_conntrack"
wait_for 'IPVS is not available' 10
mods >"$W/mods.before"
a0=$(audit_count)
keys l
wait_for "Load them now\? $QUESTION" 10 || abort "l after rmmod: the question comes" "no question"
grep -qE 'Missing: (.*,)?ip_vs(,|$| )' "$W/screen" && grep -qE 'Missing: (.*,)?nf_conntrack(,|$| )' "$W/screen"
verdict "l after rmmod: ip_vs and nf_conntrack are missing again" "wanted 'Missing: ip_vs nf_conntrack'" $?
keys y
wait_for "Write that file too\? $QUESTION" 20 || abort "y: the second question comes" "no second question"
keys y
if wait_for "Written: $(re_escape "$CONF")\." 5; then
	grep -qE "$DONE_OK" "$W/screen"
	verdict "y, y: 'Written: $CONF.', done" "wanted /$DONE_OK/" $?
else
	result fail "y, y: 'Written: $CONF.', done" "no 'Written:' line"
fi
truth "$CONF" cat "$CONF"
truth "/proc/modules" cat /proc/modules
grep -v '^#' "$CONF" 2>/dev/null | grep -v '^$' | sort >"$W/conf.names"
printf 'ip_vs\nnf_conntrack\n' >"$W/conf.want"
loaded ip_vs && loaded nf_conntrack && cmp -s "$W/conf.names" "$W/conf.want"
verdict "y, y: both loaded, and $CONF lists exactly ip_vs and nf_conntrack" \
	"the file lists: $(tr '\n' ' ' <"$W/conf.names")" $?
new_audit "$a0" 2 >/dev/null
grep -q ' user=root uid=0 action=load-module before=absent after=ip_vs ' "$W/new-audit" &&
	grep -q " user=root uid=0 action=modules-load.d before=- after=ip_vs,nf_conntrack result=written$" "$W/new-audit" &&
	[ "$(wc -l <"$W/new-audit")" = 2 ]
verdict "syslog: one load-module line (ip_vs; nf_conntrack came with it) and one modules-load.d line (result=written)" \
	"wanted exactly those two lines (see truth)" $?
close_window

# ---------------------------------------------------------------- part 3: the scheduler in the dashboard
mark "table"
ipvsadm -A -t "$PLAIN" -s rr &&
	ipvsadm -a -t "$PLAIN" -r 10.0.1.1:80 -m -w 1 &&
	ipvsadm -a -t "$PLAIN" -r 10.0.1.2:80 -m -w 2 &&
	ipvsadm -A -t "$PERS" -s rr -p 300 -M 255.255.255.0 &&
	ipvsadm -a -t "$PERS" -r 10.0.2.1:443 -m -w 1 &&
	ipvsadm -A -t "$SH" -s sh &&
	ipvsadm -a -t "$SH" -r 10.0.3.1:80 -m -w 1 &&
	ipvsadm -a -t "$SH" -r 10.0.3.2:80 -m -w 1 &&
	ipvsadm -A -f "$FWM" -s rr &&
	ipvsadm -a -f "$FWM" -r 10.0.4.1 -m -w 1
rc=$?
ipvsadm -Ln >"$W/list"
truth "ipvsadm -Ln" cat "$W/list"
[ $rc = 0 ] || abort "the rig: ipvsadm builds the table" "ipvsadm failed"
expect "the rig: ipvsadm builds the table, the dashboard shows its 4 services" \
	'^ Virtual services: 4 *$' 10

# One scheduler leaves the kernel: ip_vs_ovf.ko goes out of /lib/modules (its
# entry in modules.dep stays, as when a package removes a file). The
# dashboard reads the module states at each refresh; the picker looks later.
ko=$(modinfo -n ip_vs_ovf 2>/dev/null)
ovf_away=
if [ -n "$ko" ] && [ -f "$ko" ] && ! loaded ip_vs_ovf && mv "$ko" "$W/ip_vs_ovf.ko.away"; then
	ovf_away=$W/ip_vs_ovf.ko.away
fi
truth "modinfo -n ip_vs_ovf" echo "$ko"
[ -n "$ovf_away" ]
verdict "the rig: ip_vs_ovf.ko moved out of /lib/modules (ovf is not in this kernel now)" \
	"no ip_vs_ovf.ko to move, or it is loaded" $?

# -- l with everything loaded: nothing to do
a0=$(audit_count)
keys l
if wait_for "Every module IPVS needs here is loaded\." 10; then
	grep -qE "$DONE_OK" "$W/screen" && ! grep -qE "$QUESTION" "$W/screen"
	verdict "l with everything loaded: says so, asks nothing" "a question or no done line" $?
else
	result fail "l with everything loaded: says so, asks nothing" "no such line"
fi
[ "$(new_audit "$a0" 0)" = 0 ]
verdict "and logs nothing" "ipvstop logged something (see truth)" $?
close_window

# switch VIP:PORT KEYS...: s on that service, then the keys for the picker(s).
switch_open() {
	select_service "$1" || return 1
	keys s
	wait_for "Scheduler for TCP $(re_escape "$1") \(now [a-z]+\)" 5
}

# -- PLAIN: rr -> wlc, y
mark "plain rr->wlc"
save >"$W/save.before"
a0=$(audit_count)
if switch_open "$PLAIN"; then
	grep -qE '^ +rr \(current\)' "$W/screen" && grep -qE '^ +wlc *$' "$W/screen"
	verdict "s on $PLAIN: the picker of schedulers, rr marked current" "no 'rr (current)'/'wlc' items" $?
else
	abort "s on $PLAIN: the picker of schedulers" "no picker 'Scheduler for TCP $PLAIN (now rr)'"
fi
keys Down Down Down Enter
if wait_for "Change it now\? $QUESTION" 5; then
	grep -qE 'Switch the scheduler to wlc' "$W/screen" &&
		grep -qE "Virtual service $TCP $(re_escape "$PLAIN"): scheduler rr -> wlc *$" "$W/screen"
	verdict "Down Down Down Enter: wlc, the window says 'scheduler rr -> wlc' and asks" \
		"wanted the title and the line rr -> wlc" $?
else
	abort "Down Down Down Enter: wlc, the window asks" "no question"
fi
keys y
expect "y: 'Done: tcp $PLAIN now uses wlc.'" "Done: $TCP $(re_escape "$PLAIN") now uses wlc\." 10
save >"$W/save.after"
ipvsadm -Ln >"$W/list"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
truth "ipvsadm -Ln" cat "$W/list"
want=$(sline "$W/save.before" "$PLAIN" | sed 's/ -s rr/ -s wlc/')
[ "$(sline "$W/save.after" "$PLAIN")" = "$want" ] &&
	grep -qE "^TCP +$(re_escape "$PLAIN") wlc *$" "$W/list"
verdict "ipvsadm -Ln: $PLAIN uses wlc" "wanted '$want'" $?
others_same "$W/save.before" "$W/save.after" "$PLAIN"
verdict "ipvsadm -Sn: nothing else changed" "other lines differ (see truth)" $?
new_audit "$a0" 1 >/dev/null
grep -qE " user=root uid=0 action=set-scheduler before=rr after=wlc result=done$" "$W/new-audit" &&
	[ "$(wc -l <"$W/new-audit")" = 1 ]
verdict "syslog: one line, user=root action=set-scheduler before=rr after=wlc result=done" \
	"wanted exactly that one line (see truth)" $?
close_window
expect "the window closes, the row shows wlc" "^TCP +$(re_escape "$PLAIN") +wlc " 5

# -- PLAIN: wlc -> lc, n
mark "plain cancel"
save >"$W/save.before"
a0=$(audit_count)
switch_open "$PLAIN" || abort "s on $PLAIN again: the picker" "no picker"
keys Up Enter
if wait_for "Change it now\? $QUESTION" 5 && grep -qE 'scheduler wlc -> lc *$' "$W/screen"; then
	keys n
	expect "n: 'Cancelled: the kernel was not changed.'" \
		"Cancelled: the kernel was not changed\." 5
else
	result fail "Up Enter: lc, the window asks" "no question with 'wlc -> lc'"
	keys n
fi
save >"$W/save.after"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
cmp -s "$W/save.before" "$W/save.after"
verdict "n: ipvsadm -Sn unchanged" "the table changed (see truth)" $?
[ "$(new_audit "$a0" 0)" = 0 ]
verdict "n: nothing in syslog" "ipvstop logged something (see truth)" $?
close_window

# -- Esc in the picker
keys s
wait_for "Scheduler for TCP $(re_escape "$PLAIN") \(now wlc\)" 5
keys Down Escape
expect "Esc in the picker: 'Cancelled: nothing was changed.'" "Cancelled: nothing was changed\." 5
save >"$W/save.after"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
cmp -s "$W/save.before" "$W/save.after"
verdict "Esc in the picker: ipvsadm -Sn unchanged" "the table changed (see truth)" $?

# -- PERS: rr -> lc, Enter as yes: persistence and netmask stay
mark "persistent rr->lc"
save >"$W/save.before"
a0=$(audit_count)
switch_open "$PERS" || abort "s on $PERS: the picker" "no picker 'Scheduler for TCP $PERS (now rr)'"
keys Down Down Enter
if wait_for "Change it now\? $QUESTION" 5 && grep -qE 'scheduler rr -> lc *$' "$W/screen"; then
	keys Enter
	expect "Enter answers yes: 'Done: tcp $PERS now uses lc.'" \
		"Done: $TCP $(re_escape "$PERS") now uses lc\." 10
else
	result fail "Down Down Enter: lc for $PERS, the window asks" "no question with 'rr -> lc'"
	keys n
fi
save >"$W/save.after"
ipvsadm -Ln >"$W/list"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
truth "ipvsadm -Ln" cat "$W/list"
want=$(sline "$W/save.before" "$PERS" | sed 's/ -s rr/ -s lc/')
got=$(sline "$W/save.after" "$PERS")
case $want in *" -p 300"*" -M 255.255.255.0"*) ;; *) want="(no -p 300 -M 255.255.255.0 before: $want)" ;; esac
[ "$got" = "$want" ] &&
	grep -qE "^TCP +$(re_escape "$PERS") lc persistent 300 mask 255\.255\.255\.0" "$W/list"
verdict "$PERS uses lc and keeps persistence 300 and netmask 255.255.255.0 (ipvsadm -Sn: $got)" \
	"wanted '$want'" $?
others_same "$W/save.before" "$W/save.after" "$PERS"
verdict "ipvsadm -Sn: nothing else changed" "other lines differ (see truth)" $?
new_audit "$a0" 1 >/dev/null
grep -qE " action=set-scheduler before=rr after=lc result=done$" "$W/new-audit" &&
	[ "$(wc -l <"$W/new-audit")" = 1 ]
verdict "syslog: one line, before=rr after=lc" "wanted exactly that one line (see truth)" $?
close_window

# -- SH: sh -> sh with fallback and port
mark "sh flags"
save >"$W/save.before"
a0=$(audit_count)
switch_open "$SH" || abort "s on $SH: the picker" "no picker 'Scheduler for TCP $SH (now sh)'"
keys Enter
if wait_for "Flags of the hashing scheduler" 5; then
	grep -qE '^ +none *$' "$W/screen" && grep -qE '^ +fallback and port *$' "$W/screen"
	verdict "Enter on sh (current): the second picker of sh flags" "no items none/fallback and port" $?
else
	result fail "Enter on sh (current): the second picker of sh flags" "no second picker"
fi
keys Down Down Down Enter
if wait_for "Change it now\? $QUESTION" 5 && grep -qE 'scheduler sh -> sh\+fallback\+port *$' "$W/screen"; then
	result ok "'fallback and port': the window says 'scheduler sh -> sh+fallback+port'"
	keys y
	wait_for "Any key closes this window" 10
else
	result fail "'fallback and port': the window says 'scheduler sh -> sh+fallback+port'" "not so"
	keys n
fi
save >"$W/save.after"
ipvsadm -Ln >"$W/list"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
truth "ipvsadm -Ln" cat "$W/list"
grep -qE "^TCP +$(re_escape "$SH") sh .*sh-fallback,sh-port" "$W/list" &&
	sline "$W/save.after" "$SH" | grep -qE -- ' -s sh .*sh-fallback,sh-port'
verdict "y: ipvsadm -Ln shows $SH with sh-fallback,sh-port" \
	"got: $(grep -E "^TCP +$(re_escape "$SH") " "$W/list")" $?
others_same "$W/save.before" "$W/save.after" "$SH"
verdict "ipvsadm -Sn: nothing else changed" "other lines differ (see truth)" $?
new_audit "$a0" 1 >/dev/null
grep -qE " action=set-scheduler before=sh after=sh\+fallback\+port result=done$" "$W/new-audit" &&
	[ "$(wc -l <"$W/new-audit")" = 1 ]
verdict "syslog: one line, before=sh after=sh+fallback+port result=done" "wanted exactly that one line (see truth)" $?
close_window

# -- a scheduler whose module the kernel lacks is greyed and skipped
# (ip_vs_ovf.ko was moved away after the table was built.)
mark "greyed"
if [ -n "$ovf_away" ]; then
	save >"$W/save.before"
	switch_open "$PLAIN" || abort "s on $PLAIN: the picker" "no picker"
	T capture-pane -e -p -t "$SESSION" >"$W/screen.e"
	truth "the picker with its attributes (capture-pane -e, ESC as \\e)" \
		sed "s/$ESC/\\\\e/g" "$W/screen.e"
	# sgr LINE-PATTERN TEXT: the SGR parameters in force where TEXT starts
	# ("0;39;49;7;2": reverse and dim), from the last reset on.
	sgr() {
		grep -E "$1" "$W/screen.e" | head -n 1 | tr '\033' '\n' | awk -v t="$2" '
			match($0, /^\[[0-9;]*m/) {
				p = substr($0, 2, RLENGTH - 2); if (p == "") p = "0"
				acc = (p ~ /^0(;|$)/) ? p : acc ";" p
				$0 = substr($0, RLENGTH + 1)
			}
			index($0, t) { print acc; exit }'
	}
	has_dim() { printf ';%s;' "$1" | grep -q ';2;'; }
	ovf_sgr=$(sgr 'ovf \(not in this kernel\)' 'ovf')
	fo_sgr=$(sgr '  fo( |$)' 'fo')
	truth "SGR parameters at ovf / at fo" echo "$ovf_sgr / $fo_sgr"
	grep -qE '^ +ovf \(not in this kernel\) *$' "$W/screen" && grep -qE '^ +mh *$' "$W/screen"
	verdict "the picker says 'ovf (not in this kernel)'" "no such item" $?
	has_dim "$ovf_sgr" && [ -n "$fo_sgr" ] && ! has_dim "$fo_sgr"
	verdict "and draws it dim (SGR 2: $ovf_sgr), fo not ($fo_sgr)" "not so" $?
	# From wlc (current): 7 Downs reach fo, the 8th skips ovf to mh.
	keys Down Down Down Down Down Down Down Down Enter
	if wait_for 'Flags of the hashing scheduler|Change it now' 5; then
		if grep -q 'Flags of the hashing scheduler' "$W/screen"; then
			keys Enter
			wait_for "Change it now\? $QUESTION" 5
		fi
		grep -qE 'Switch the scheduler to mh' "$W/screen"
		verdict "Down skips the greyed ovf: 8 Downs from wlc land on mh" \
			"the window is not for mh" $?
		keys Escape
		expect "Esc answers no: 'Cancelled: the kernel was not changed.'" \
			"Cancelled: the kernel was not changed\." 5
	else
		result fail "Down skips the greyed ovf: 8 Downs from wlc land on mh" "no window"
		keys Escape Escape
	fi
	save >"$W/save.after"
	truth "ipvsadm -Sn before" cat "$W/save.before"
	truth "ipvsadm -Sn after" cat "$W/save.after"
	cmp -s "$W/save.before" "$W/save.after"
	verdict "Esc: ipvsadm -Sn unchanged" "the table changed (see truth)" $?
	close_window
else
	result fail "a scheduler without its module is greyed" "the rig could not take ip_vs_ovf.ko away"
fi

# ---------------------------------------------------------------- part 4: the command line
mark "command line"
# cli NAME ARGS...: runs ipvstop without a terminal, as root unless RUNAS is set.
cli() {
	$RUNAS "$IPVSTOP_BIN" "$@" </dev/null >"$W/cli.out" 2>"$W/cli.err"
	CLI_RC=$?
	truth "ipvstop $* (exit $CLI_RC): stdout" cat "$W/cli.out"
	truth "stderr" cat "$W/cli.err"
}
RUNAS=

save >"$W/save.before"
a0=$(audit_count)
cli --set-scheduler "tcp:$PLAIN=dh" --yes
save >"$W/save.after"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
want=$(sline "$W/save.before" "$PLAIN" | sed 's/ -s wlc/ -s dh/')
[ $CLI_RC = 0 ] && [ "$(sline "$W/save.after" "$PLAIN")" = "$want" ] &&
	grep -q "yes (--yes)" "$W/cli.out" && others_same "$W/save.before" "$W/save.after" "$PLAIN"
verdict "--set-scheduler tcp:$PLAIN=dh --yes: exit 0, ipvsadm shows dh, nothing else changed" \
	"exit $CLI_RC; wanted '$want'" $?
new_audit "$a0" 1 >/dev/null
grep -qE " user=root uid=0 action=set-scheduler before=wlc after=dh result=done$" "$W/new-audit" &&
	[ "$(wc -l <"$W/new-audit")" = 1 ]
verdict "syslog: one line, before=wlc after=dh" "wanted exactly that one line (see truth)" $?

save >"$W/save.before"
a0=$(audit_count)
cli --set-scheduler "tcp:$PLAIN=rr"
save >"$W/save.after"
truth "ipvsadm -Sn after" cat "$W/save.after"
[ $CLI_RC = 1 ] && cmp -s "$W/save.before" "$W/save.after" &&
	grep -q 'no (no terminal to ask on' "$W/cli.out" && [ "$(new_audit "$a0" 0)" = 0 ]
verdict "without --yes and without a terminal: answers no, exit 1, unchanged, nothing logged" \
	"exit $CLI_RC (see truth)" $?

save >"$W/save.before"
a0=$(audit_count)
cli --readonly --set-scheduler "tcp:$PLAIN=rr" --yes
save >"$W/save.after"
[ $CLI_RC != 0 ] && cmp -s "$W/save.before" "$W/save.after" &&
	grep -q 'read-only' "$W/cli.err" && [ "$(new_audit "$a0" 0)" = 0 ]
verdict "--readonly --set-scheduler ... --yes refuses: exit $CLI_RC, unchanged, nothing logged" \
	"exit $CLI_RC (see truth)" $?

save >"$W/save.before"
a0=$(audit_count)
cli --set-scheduler "fwmark:$FWM=lc" --yes
save >"$W/save.after"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
awk -v m="$FWM" '!($1 == "-A" && $2 == "-f" && $3 == m)' "$W/save.before" >"$W/f1"
awk -v m="$FWM" '!($1 == "-A" && $2 == "-f" && $3 == m)' "$W/save.after" >"$W/f2"
[ $CLI_RC = 0 ] && grep -qx -- "-A -f $FWM -s lc" "$W/save.after" && cmp -s "$W/f1" "$W/f2" &&
	[ "$(new_audit "$a0" 1)" = 1 ]
verdict "--set-scheduler fwmark:$FWM=lc --yes: the firewall mark service uses lc, one syslog line" \
	"exit $CLI_RC (see truth)" $?

save >"$W/save.before"
a0=$(audit_count)
cli --set-scheduler "tcp:$SH=mh,port" --yes
save >"$W/save.after"
ipvsadm -Ln >"$W/list"
truth "ipvsadm -Ln" cat "$W/list"
[ $CLI_RC = 0 ] && grep -qE "^TCP +$(re_escape "$SH") mh \(mh-port\)" "$W/list" &&
	others_same "$W/save.before" "$W/save.after" "$SH"
verdict "--set-scheduler tcp:$SH=mh,port --yes: mh with mh-port only (fallback cleared)" \
	"got: $(grep -E "^TCP +$(re_escape "$SH") " "$W/list")" $?

save >"$W/save.before"
a0=$(audit_count)
cli --set-scheduler "tcp:$PLAIN=ovf" --yes
save >"$W/save.after"
truth "ipvsadm -Sn after" cat "$W/save.after"
[ $CLI_RC = 1 ] && cmp -s "$W/save.before" "$W/save.after" &&
	grep -q 'The kernel refused: no such scheduler' "$W/cli.err"
verdict "--set-scheduler ...=ovf without its module: the kernel refuses, exit 1, unchanged" \
	"exit $CLI_RC (see truth)" $?
new_audit "$a0" 1 >/dev/null
grep -qE " action=set-scheduler before=dh after=ovf result=" "$W/new-audit" &&
	! grep -q 'result=done' "$W/new-audit" && [ "$(wc -l <"$W/new-audit")" = 1 ]
verdict "syslog: the refused attempt is one line, before=dh after=ovf, result not done" \
	"wanted exactly that one line (see truth)" $?
[ -n "$ovf_away" ] && mv "$ovf_away" "$ko"

save >"$W/save.before"
a0=$(audit_count)
RUNAS=$NOBODY
cli --set-scheduler "tcp:$PLAIN=rr" --yes
RUNAS=
save >"$W/save.after"
[ $CLI_RC != 0 ] && cmp -s "$W/save.before" "$W/save.after" && [ "$(new_audit "$a0" 0)" = 0 ]
verdict "as nobody without CAP_NET_ADMIN, --set-scheduler ... --yes fails (exit $CLI_RC), unchanged" \
	"exit $CLI_RC (see truth)" $?

# ---------------------------------------------------------------- without the right to change
mark "no rights"
save >"$W/save.before"
a0=$(audit_count)
T new-session -d -s ro -x 120 -y 40 \
	"$NOBODY $IPVSTOP_BIN -d 1; echo EXITED rc=\$?; sleep 600"
if wait_for '^ipvstop .* via /proc' 15 ro; then
	T send-keys -t ro Home s
	expect "as nobody: s says it needs CAP_NET_ADMIN" \
		's: changing the kernel needs CAP_NET_ADMIN \(run as root\)' 5 ro
	! grep -q 'Scheduler for' "$W/screen"
	verdict "and opens no picker" "a picker is open" $?
else
	result fail "as nobody without CAP_NET_ADMIN: the dashboard starts via /proc" "no header 'via /proc'"
fi
T send-keys -t ro q
T new-session -d -s rd -x 120 -y 40 "$IPVSTOP_BIN --readonly -d 1; echo EXITED rc=\$?; sleep 600"
if wait_for '^ipvstop .* via netlink' 15 rd; then
	T send-keys -t rd Home s
	expect "--readonly: s says read-only" 's: read-only mode \(--readonly\): no change is made' 5 rd
	T send-keys -t rd l
	expect "--readonly: l says read-only" 'l: read-only mode \(--readonly\): no change is made' 5 rd
else
	result fail "--readonly: the dashboard starts" "no header 'via netlink'"
fi
T send-keys -t rd q
save >"$W/save.after"
truth "ipvsadm -Sn before" cat "$W/save.before"
truth "ipvsadm -Sn after" cat "$W/save.after"
cmp -s "$W/save.before" "$W/save.after" && [ "$(new_audit "$a0" 0)" = 0 ]
verdict "as nobody and with --readonly: ipvsadm -Sn unchanged, nothing logged" "something changed (see truth)" $?

# ---------------------------------------------------------------- the audit trail as a whole
mark "audit"
truth "$LOG" cat "$LOG"
audit_lines >"$W/all-audit"
awk '/ action=set-scheduler / && / result=done$/' "$W/all-audit" | wc -l >"$W/ndone"
# The changes made: rr->wlc, rr->lc, sh->sh, wlc->dh, rr->lc (fwmark), sh->mh.
# Every line: facility authpriv, ident ipvstop with its pid, who did it.
[ "$(cat "$W/ndone")" = 6 ] &&
	! grep -vqE ' authpriv\.notice ipvstop\[[0-9]+\]: user=root uid=0 action=' "$W/all-audit"
verdict "syslog: six set-scheduler lines with result=done for the six changes; all authpriv.notice, ident ipvstop, user= uid=" \
	"$(cat "$W/ndone") lines (see truth)" $?

keys q
expect "q quits the dashboard with status 0" "^EXITED rc=0" 5
kill "$SYSLOGD_PID" 2>/dev/null
T kill-server 2>/dev/null
echo "complete $n" >>"$RES"
mark "guest-actions end"
exit 0
