#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm-kube-test.sh: the Kubernetes side of ipvstop end to end on a real kernel
# (run by `make check`). On the host: the API server double
# (tests/kube/apiserver.py, scenario basic.json) and the IPVS table kube-proxy
# would program on node worker-1, with one deliberate drift of each kind
# (tests/kube/ipvs-from-scenario.py --ipvsadm --drift). In the VM (vm-lib.sh,
# with a virtio NIC on QEMU's user network: the guest reaches the host's
# 127.0.0.1 as 10.0.2.2), guest-kube.sh builds the table with ipvsadm -R, takes
# ipvstop's JSON, drives the dashboard in tmux, and hangs the API server (it
# posts the fault to the server's /_control itself: no timing guesswork
# between host and guest) to see the dashboard keep answering and say what is
# wrong. Back on the host, kube-check.py checks the JSON and the screens
# against the kernel's table, the scenario and the API server's EndpointSlices.
#
# The certificates are made for this run in a temporary directory; the guest
# gets them in its initramfs (also temporary); no key or token leaves the
# temporary directory: kube-check.py checks the outputs for them.
#
# Environment: IPVSTOP (the binary; default $top_builddir/ipvstop),
# IPVSTOP_VM_TIMEOUT (hard limit for the VM, seconds, default 180),
# IPVSTOP_VM_KUBE_RESULTS (where to keep the outputs, default
# tests/vm/vm-kube-test.out under the current directory), and vm-lib.sh's
# knobs. Needs python3, openssl (the server's certificates), tmux and curl
# (copied into the guest with their libraries).
#
# Exit: 0 pass, 1 fail, 99 the rig cannot run (no qemu, no kernel package, the
# API server would not start...): never a silent skip. The last line is
# "N passed, N failed".
#
# Run it alone:   make check TESTS=tests/vm/vm-kube-test.sh
#            or:  IPVSTOP=$PWD/ipvstop sh tests/vm/vm-kube-test.sh
# Outputs stay in tests/vm/vm-kube-test.out: serial.log, apiserver.log,
# requests.jsonl (the server's request log: no tokens), table.ipvsadm,
# out/kube-results.txt (the guest's checks), out/kube/ (kube.json, ipvsadm's
# listings, dash-*.txt screens, screens/NN-name.screen.txt: what each guest check
# saw), kube-check.txt (the host's checks).
# About 60 s of VM time (70 s in all) on 2 cores without KVM; 15 s of it is
# the API request timeout that the hang check waits out.

set -u
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=vm-kube-test
VM_SRCDIR=$(cd "$(dirname "$0")" && pwd)
KUBE_DIR=$(cd "$VM_SRCDIR/../kube" && pwd)
# shellcheck source=tests/vm/vm-lib.sh
. "$VM_SRCDIR/vm-lib.sh"

vm_test_start
for t in python3 openssl tmux curl; do
	command -v "$t" >/dev/null 2>&1 ||
		vm_die "$t is missing on the host (apt-get install python3 openssl tmux curl)"
done
SCENARIO=$KUBE_DIR/scenarios/basic.json
NODE=worker-1
[ -f "$SCENARIO" ] || vm_die "no scenario $SCENARIO"

vm_test_dirs "${IPVSTOP_VM_KUBE_RESULTS:-tests/vm/vm-kube-test.out}" kube-check.txt requests.jsonl \
	apiserver.log table.ipvsadm
chmod 0700 "$WORK"
mkdir -p "$WORK/guest"
vm_apiserver_start "$SCENARIO"
# The kernel meanwhile.
vm_fetch_kernel
vm_apiserver_ready

# ---------------------------------------------------------------- what the guest gets
python3 "$KUBE_DIR/ipvs-from-scenario.py" "$SCENARIO" --node "$NODE" --drift --ipvsadm \
	>"$WORK/guest/table.ipvsadm" || vm_die "ipvs-from-scenario.py failed"
cp "$WORK/guest/table.ipvsadm" "$RESULTS/table.ipvsadm"
printf 'KUBE_GUEST_URL=%s\nKUBE_HOSTTIME=%s\n' "$KUBE_GUEST_URL" "$(date +%s)" >"$WORK/guest/env"
# The same credentials as files: the dashboard reads these, -j the inline ones.
(
	umask 077
	cat >"$WORK/guest/kubeconfig-files" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- cluster:
		    certificate-authority: /etc/kube/ca.crt
		    server: $KUBE_GUEST_URL
		  name: ipvstop-test
		contexts:
		- context:
		    cluster: ipvstop-test
		    user: ipvstop-test-admin
		  name: ipvstop-test
		current-context: ipvstop-test
		users:
		- name: ipvstop-test-admin
		  user:
		    client-certificate: /etc/kube/client.crt
		    client-key: /etc/kube/client.key
	EOF
)
# shellcheck disable=SC2034 # read by vm_build_initramfs
VM_EXTRA_FILES="$WORK/guest/env=/etc/kube/env $WORK/guest/table.ipvsadm=/etc/kube/table.ipvsadm
$WORK/state/kubeconfig-guest=/etc/kube/kubeconfig-guest $WORK/guest/kubeconfig-files=/etc/kube/kubeconfig-files
$WORK/certs/ca.crt=/etc/kube/ca.crt $WORK/certs/client.crt=/etc/kube/client.crt
$WORK/certs/client.key=/etc/kube/client.key"
# shellcheck disable=SC2034
VM_EXTRA_BINS="tmux curl"
# shellcheck disable=SC2034 # read by vm_boot
VM_NET=user

vm_build_initramfs "$WORK/initramfs.gz" test "$VM_SRCDIR/guest-kube.sh"
TIMEOUT=${IPVSTOP_VM_TIMEOUT:-180}
vm_run_guest "$WORK/initramfs.gz" "$WORK/results.img" 64M "$TIMEOUT" "user network"

# The guest's checks, with the screen each failed one saw.
vm_guest_results "$O/kube-results.txt" guest-kube.sh

# The host's checks, while the server still runs (it serves the EndpointSlices).
cp "$WORK/state/requests.jsonl" "$RESULTS/requests.jsonl" 2>/dev/null
set --
for f in "$WORK"/certs/*.key "$WORK"/state/tokens/*; do
	[ -f "$f" ] && set -- "$@" --secret "$f"
done
python3 "$VM_SRCDIR/kube-check.py" --out "$O" --scenario "$SCENARIO" --node "$NODE" \
	--table "$WORK/guest/table.ipvsadm" --guest-url "$KUBE_GUEST_URL" --url "$KUBE_URL" \
	--ca "$WORK/certs/ca.crt" --cert "$WORK/certs/client.crt" --key "$WORK/certs/client.key" \
	--requests "$RESULTS/requests.jsonl" --scan "$RESULTS/serial.log" \
	--scan "$RESULTS/apiserver.log" --scan "$RESULTS/requests.jsonl" "$@" \
	>"$RESULTS/kube-check.txt" 2>&1
kcrc=$?
cat "$RESULTS/kube-check.txt"
kp=$(grep -c '^ok ' "$RESULTS/kube-check.txt")
kf=$(grep -c '^not ok ' "$RESULTS/kube-check.txt")
passed=$((passed + kp))
failed=$((failed + kf))
if [ "$kcrc" != 0 ] && [ "$kf" = 0 ]; then
	not_ok "kube-check.py ran to its end (exit $kcrc)"
fi

vm_summary
