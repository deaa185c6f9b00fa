#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-test.sh: the real-kernel test (run by `make check`). Boots Debian's cloud
# kernel under QEMU with the ipvstop under test, builds a varied IPVS table with
# real traffic (guest-table.sh), takes ipvstop's JSON and ipvsadm's outputs
# (guest-check.sh), and compares them field by field on the host (compare.py).
#
# Environment: IPVSTOP (the binary; default $top_builddir/ipvstop),
# IPVSTOP_VM_TIMEOUT (hard limit for the VM, seconds, default 300),
# IPVSTOP_VM_RESULTS (where to keep the guest's outputs, default
# tests/vm/vm-test.out under the current directory), and vm-lib.sh's knobs.
#
# Exit: 0 pass, 1 fail, 99 the rig cannot run (no qemu, no kernel package...):
# never a silent skip.
#
# Run it alone:   make check TESTS=tests/vm/vm-test.sh
#            or:  IPVSTOP=$PWD/ipvstop sh tests/vm/vm-test.sh
# Outputs (serial log, ipvsadm's and ipvstop's outputs per capture, compare.txt)
# stay in tests/vm/vm-test.out. To see what ipvstop should have printed:
#   python3 tests/vm/compare.py --reference tests/vm/vm-test.out/out/netlink
# About 30 s on 2 cores without KVM (about 6 s more the first time: the
# kernel package is downloaded and unpacked into the cache).

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
command -v python3 >/dev/null 2>&1 || vm_die "python3 is needed for compare.py"

vm_test_dirs "${IPVSTOP_VM_RESULTS:-tests/vm/vm-test.out}" compare.txt

vm_fetch_kernel
vm_build_initramfs "$WORK/initramfs.gz" test \
	"$VM_SRCDIR/guest-table.sh" "$VM_SRCDIR/guest-check.sh"
vm_make_disk "$WORK/results.img" 64M

TIMEOUT=${IPVSTOP_VM_TIMEOUT:-300}
vm_log "booting $VM_KVER (TCG, timeout ${TIMEOUT}s); serial log: $RESULTS/serial.log"
vm_boot "$WORK/initramfs.gz" "$WORK/results.img" "$RESULTS/serial.log" "$TIMEOUT"
qrc=$?
vm_log "VM ran for ${VM_T_BOOT}s (exit $qrc)"
vm_extract_disk "$WORK/results.img" "$RESULTS/out"

show_failure() {
	echo "---------- serial console (last 60 lines): $RESULTS/serial.log"
	tail -n 60 "$RESULTS/serial.log" 2>/dev/null | tr -d '\r'
	for f in guest-table.sh.log table-notes.txt guest-check.sh.log ipvstop.rc ipvstop.stderr \
		ipvstop-proc.rc ipvstop-proc.stderr; do
		if [ -s "$RESULTS/out/$f" ]; then
			echo "---------- $f (last 30 lines)"
			tail -n 30 "$RESULTS/out/$f"
		fi
	done
	for f in ipvstop.json ipvstop-proc.json; do
		if [ -f "$RESULTS/out/$f" ]; then
			echo "---------- $f (first 2000 bytes)"
			head -c 2000 "$RESULTS/out/$f"
			echo
		fi
	done
	echo "---------- all outputs are in $RESULTS"
}

if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	vm_log "FAIL: the VM did not finish within ${TIMEOUT}s"
	show_failure
	exit 1
fi
if [ ! -s "$RESULTS/serial.log" ]; then
	vm_die "qemu-system-x86_64 failed to start (exit $qrc, no console output)"
fi
if [ ! -f "$RESULTS/out/guest-check.sh.rc" ]; then
	vm_log "FAIL: the guest wrote no results (qemu exit $qrc)"
	show_failure
	exit 1
fi
if [ "$(cat "$RESULTS/out/guest-table.sh.rc")" != 0 ]; then
	vm_log "FAIL: guest-table.sh could not build the table or send traffic"
	show_failure
	exit 1
fi

if [ "$(cat "$RESULTS/out/guest-check.sh.rc")" != 0 ]; then
	vm_log "FAIL: guest-check.sh failed"
	show_failure
	exit 1
fi

python3 "$VM_SRCDIR/compare.py" "$RESULTS/out" >"$RESULTS/compare.txt" 2>&1
crc=$?
cat "$RESULTS/compare.txt"

# Timings: host side and, from the guest's uptime, the boot.
vm_log "timings: kernel fetch ${VM_T_FETCH}s, initramfs ${VM_T_INITRAMFS}s, VM ${VM_T_BOOT}s, total $(vm_elapsed "$T_START")s"
if [ -f "$RESULTS/out/timing" ]; then
	vm_log "guest uptime marks: $(tr '\n' ';' <"$RESULTS/out/timing")"
fi
if [ -s "$RESULTS/out/table-notes.txt" ]; then
	vm_log "notes from guest-table.sh: $(tr '\n' ';' <"$RESULTS/out/table-notes.txt")"
fi

if [ $crc != 0 ]; then
	vm_log "FAIL: compare.py found mismatches (exit $crc)"
	show_failure
	exit 1
fi
vm_log "PASS"
exit 0
