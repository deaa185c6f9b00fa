#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-history-test.sh: the history on the real kernel (issue 15). Boots the test VM
# (vm-lib.sh) with tmux inside, builds guest-table.sh's IPVS table, and has
# guest-history.sh step the lab's traffic generator (busybox wget from netns cli)
# off, on, off against one virtual service while the dashboard runs, set a real
# server's weight to 0 with ipvsadm, and read the sparkline and the graph pane:
# their columns must follow the steps at the times they happened, the marker
# must sit where the weight changed.
#
# Environment: IPVSTOP, IPVSTOP_VM_TIMEOUT (default 360), IPVSTOP_VM_HISTORY_RESULTS
# (default tests/vm/vm-history-test.out), and vm-lib.sh's knobs.
# Exit: 0 pass, 1 fail, 99 the rig cannot run. The last line is "N passed, N failed".
# Run it alone: IPVSTOP=$PWD/ipvstop sh tests/vm/vm-history-test.sh
# About 3 minutes on 2 cores without KVM (the traffic steps take 90 s of them).

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-history-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
vm_need_tmux

vm_test_dirs "${IPVSTOP_VM_HISTORY_RESULTS:-tests/vm/vm-history-test.out}"
vm_test_boot 64M 360 "$VM_SRCDIR/guest-table.sh" "$VM_SRCDIR/guest-history.sh"

vm_guest_table_ok
vm_guest_results "$O/history-results.txt" guest-history.sh
vm_summary
