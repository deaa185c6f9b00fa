#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-actions-test.sh: ipvstop's actions against the real kernel (run by `make
# check`). Boots the test VM (vm-lib.sh) with tmux inside and has
# guest-actions.sh drive them: 'l' (load the modules IPVS needs, then the
# /etc/modules-load.d offer) from a fresh boot without ip_vs, 's' (switch a
# virtual service's scheduler, with the sh flags picker and a scheduler whose
# module is gone), the command line (--set-scheduler, --yes, --readonly, no
# terminal, no CAP_NET_ADMIN), and the syslog audit lines. The witnesses are
# independent of ipvstop: lsmod (/proc/modules), ipvsadm -Sn/-Ln, the file
# system, busybox syslogd. Here the results come back, one "ok" or "not ok"
# line each, with the screen and the witnesses of every failed check.
#
# Environment: IPVSTOP (the binary; default $top_builddir/ipvstop),
# IPVSTOP_VM_TIMEOUT (hard limit for the VM, seconds, default 240),
# IPVSTOP_VM_ACTIONS_RESULTS (where to keep the guest's outputs, default
# tests/vm/vm-actions-test.out under the current directory), and vm-lib.sh's
# knobs. Needs tmux on the host (it is copied into the guest with its
# libraries).
#
# Exit: 0 pass, 1 fail, 99 the rig cannot run (no qemu, no tmux, no kernel
# package...): never a silent skip. The last line is "N passed, N failed".
#
# Run it alone:   make check TESTS=tests/vm/vm-actions-test.sh
#            or:  IPVSTOP=$PWD/ipvstop sh tests/vm/vm-actions-test.sh
# Outputs stay in tests/vm/vm-actions-test.out: serial.log,
# out/actions-results.txt, out/actions/NN-name.screen.txt (what the check saw)
# and NN-name.truth.txt (the witnesses), out/guest-actions.sh.log,
# out/syslog.txt (what busybox syslogd received).

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-actions-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
"$(command -v busybox)" --list | grep -qx syslogd ||
	vm_die "this busybox has no syslogd applet: the audit lines need one in the guest"
vm_need_tmux

vm_test_dirs "${IPVSTOP_VM_ACTIONS_RESULTS:-tests/vm/vm-actions-test.out}"
# guest-actions.sh alone: nothing may load ip_vs before it looks.
vm_test_boot 32M 240 "$VM_SRCDIR/guest-actions.sh"

# The guest's checks, with what a failed one saw.
vm_guest_results "$O/actions-results.txt" guest-actions.sh
vm_summary
