#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-tui-test.sh: the dashboard against the real kernel (run by `make check`).
# Boots the test VM (vm-lib.sh) with tmux inside, builds guest-table.sh's IPVS
# table, and has guest-tui.sh drive ipvstop in tmux: keys in, capture-pane
# out, every expected value taken from ipvsadm or /proc in the guest at the
# same moment. Here the results come back, one "ok" or "not ok" line each,
# with the screen and the ground truth of every failed check.
#
# Environment: IPVSTOP (the binary; default $top_builddir/ipvstop),
# IPVSTOP_VM_TOOLS (where vipspray is, default bench/tools beside IPVSTOP),
# IPVSTOP_VM_TIMEOUT (hard limit for the VM, seconds, default 300),
# IPVSTOP_VM_TUI_RESULTS (where to keep the guest's outputs, default
# tests/vm/vm-tui-test.out under the current directory), and vm-lib.sh's knobs.
# Needs tmux on the host (it is copied into the guest with its libraries).
#
# Exit: 0 pass, 1 fail, 99 the rig cannot run (no qemu, no tmux, no kernel
# package...): never a silent skip. The last line is "N passed, N failed".
#
# Run it alone:   make check TESTS=tests/vm/vm-tui-test.sh
#            or:  IPVSTOP=$PWD/ipvstop sh tests/vm/vm-tui-test.sh
# Outputs stay in tests/vm/vm-tui-test.out: serial.log, out/tui-results.txt,
# out/tui/NN-name.screen.txt (what the check saw) and NN-name.truth.txt (what
# it compared with), out/guest-tui.sh.log.
# About 55 s of VM time (65 s in all) on 2 cores without KVM, half of it
# guest-tui.sh; longer while vm-test.sh runs beside it (make -j).

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-tui-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
# The bench's traffic to every service (make check builds it): a busy table.
TOOLS=${IPVSTOP_VM_TOOLS:-$(dirname "$IPVSTOP")/bench/tools}
[ -x "$TOOLS/vipspray" ] || vm_die "no $TOOLS/vipspray (make bench/tools/vipspray, or set IPVSTOP_VM_TOOLS)"
# shellcheck disable=SC2034 # read by vm_build_initramfs
VM_EXTRA_BINS="$TOOLS/vipspray"
vm_need_tmux

vm_test_dirs "${IPVSTOP_VM_TUI_RESULTS:-tests/vm/vm-tui-test.out}"
vm_test_boot 64M 300 "$VM_SRCDIR/guest-table.sh" "$VM_SRCDIR/guest-tui.sh"

vm_guest_table_ok

# The guest's checks, with what a failed one saw.
vm_guest_results "$O/tui-results.txt" guest-tui.sh
vm_summary
