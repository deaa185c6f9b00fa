#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lab.sh: `make lab`. Boots the test VM (Debian's cloud kernel under QEMU),
# builds the sample IPVS table with live traffic (guest-table.sh) and runs
# ipvstop on this terminal through the serial console (guest-lab.sh). Quit
# ipvstop and the VM powers off; Ctrl-A X kills QEMU at once.
#
# Environment: IPVSTOP (the binary, required), IPVSTOP_LAB_TRAFFIC (seconds of
# background traffic, default 3600), IPVSTOP_LAB_ARGS (extra ipvstop
# arguments), IPVSTOP_LAB_SHELL=1 (a shell instead of ipvstop),
# IPVSTOP_LAB_TIMEOUT (hard limit in seconds, default none), and vm-lib.sh's.

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=lab
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

[ -n "${IPVSTOP:-}" ] || vm_die "set IPVSTOP to the ipvstop binary (make lab does)"
case $IPVSTOP in /*) ;; *) IPVSTOP=$(pwd)/$IPVSTOP ;; esac
[ -x "$IPVSTOP" ] || vm_die "no ipvstop binary at $IPVSTOP"
vm_check_host_tools

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ipvstop-lab.XXXXXX") || vm_die "mktemp failed"
SAVED_STTY=
if [ -t 0 ]; then
	SAVED_STTY=$(stty -g 2>/dev/null)
fi
RESTORED=0
restore_terminal() {
	[ $RESTORED = 1 ] && return
	RESTORED=1
	if [ -t 0 ]; then
		if [ -n "$SAVED_STTY" ]; then
			stty "$SAVED_STTY" 2>/dev/null || stty sane 2>/dev/null
		else
			stty sane 2>/dev/null
		fi
		# Leave the alternate screen, reset colours, show the cursor, in
		# case ipvstop was killed before it could.
		printf '\033[?1049l\033[0m\033[?25h\n'
	fi
}
cleanup() {
	restore_terminal
	[ "${IPVSTOP_VM_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

vm_fetch_kernel
vm_build_initramfs "$WORK/initramfs.gz" lab "$VM_SRCDIR/guest-table.sh" "$VM_SRCDIR/guest-lab.sh"

rows=24
cols=80
if [ -t 0 ] && size=$(stty size 2>/dev/null) && [ -n "$size" ]; then
	rows=${size% *}
	cols=${size#* }
fi
[ "${rows:-0}" -gt 0 ] 2>/dev/null || rows=24
[ "${cols:-0}" -gt 0 ] 2>/dev/null || cols=80
utf8=0
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in *UTF-8* | *utf8* | *UTF8* | *utf-8*) utf8=1 ;; esac
term=${TERM:-vt100}
# The kernel command line splits on spaces: commas stand for them.
args=$(printf %s "${IPVSTOP_LAB_ARGS:-}" | tr ' ' ,)

vm_log "booting the lab ($VM_KVER, TCG); building the table takes a few seconds"
vm_log "quit ipvstop to power off; Ctrl-A X kills QEMU at once"
vm_boot "$WORK/initramfs.gz" "" - "${IPVSTOP_LAB_TIMEOUT:-0}" \
	"ipvstop.term=$term ipvstop.rows=$rows ipvstop.cols=$cols ipvstop.utf8=$utf8 ipvstop.traffic=${IPVSTOP_LAB_TRAFFIC:-3600} ipvstop.shell=${IPVSTOP_LAB_SHELL:-0}${args:+ ipvstop.args=$args}"
rc=$?
restore_terminal
vm_log "the lab VM is off (qemu exit $rc)"
exit 0
