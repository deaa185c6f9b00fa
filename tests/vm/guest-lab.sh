#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-lab.sh: the lab's foreground, inside the VM after guest-table.sh (which
# left live traffic running in the background). Runs ipvstop on the serial
# console, which /init made our controlling terminal (Ctrl-C reaches ipvstop).
# When ipvstop exits, /init powers the VM off.
#
# From the kernel command line (lab.sh): ipvstop.term, ipvstop.rows,
# ipvstop.cols, ipvstop.utf8, ipvstop.args (extra ipvstop arguments, commas
# for spaces).

export TERM=${VM_ARG_term:-vt100}
export HOME=/root
if [ "${VM_ARG_utf8:-0}" = 1 ]; then
	export LANG=C.UTF-8
fi
# The serial line has no window size: take the host terminal's.
stty rows "${VM_ARG_rows:-24}" cols "${VM_ARG_cols:-80}" 2>/dev/null
stty sane 2>/dev/null

args=$(echo "${VM_ARG_args:-}" | tr , ' ')
n=$(/usr/sbin/ipvsadm -Ln | grep -c -E '^(TCP|UDP|SCTP|FWM)')
cat <<EOF

  ipvstop lab: Linux $(uname -r), $n virtual services, live traffic from
  netns "cli" through 192.0.2.10, 192.0.2.11, [2001:db8::10] and 192.0.2.12.
  Quit ipvstop (q or Ctrl-C) and the VM powers off; Ctrl-A X kills it at once.
  A shell instead: make lab IPVSTOP_LAB_SHELL=1.

EOF
sleep 2

if [ "${VM_ARG_shell:-0}" = 1 ]; then
	PS1='lab# ' sh
	exit 0
fi

start=$(cut -d. -f1 /proc/uptime)
# shellcheck disable=SC2086 # args are words
/usr/sbin/ipvstop $args
rc=$?
end=$(cut -d. -f1 /proc/uptime)
# No interactive dashboard (or it failed at once): batch frames instead.
if [ $rc != 0 ] && [ $((end - start)) -lt 3 ]; then
	echo "ipvstop exited with $rc at once; batch frames instead (Ctrl-C to stop)"
	sleep 1
	# shellcheck disable=SC2086
	/usr/sbin/ipvstop -b -d 1 $args
	rc=$?
fi
exit $rc
