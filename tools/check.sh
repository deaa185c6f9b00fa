#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check.sh: install what is missing, fuzz every parser and run the whole test suite under
# ASan+UBSan and under valgrind (out of tree), build with warnings as errors, run every test
# (unit tests, the tmux and Kubernetes tests, the real-kernel VM tests), then make
# distcheck; prints each failed test's log and one closing "N passed, N failed".
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
./autogen.sh >/dev/null
status=0

# Hardening (issue 7). Out of tree, before this tree is configured in place (so that they
# build from it directly): every fuzz target for a bounded time under ASan+UBSan over its
# seed corpus (IPVSTOP_FUZZ_SECONDS per target, default 20), and under valgrind the unit
# tests, the dashboard test and the main Kubernetes test (tools/sanitize.sh; the other
# script tests are left out of CI's valgrind run for time, said as NOT RUN: CI has 30
# minutes on two cores; IPVSTOP_VALGRIND_SCRIPTS="" runs them all). Each ends with its own "N passed,
# N failed", counted in the closing line; a failure prints its log (a fuzzer's reproducer
# is in it, base64, and in build-fuzz/artifacts/). Then this tree is built with ASan+UBSan
# and `make check` runs the whole suite, VM tests included, on that build: any sanitizer
# report (build-ci/san/, and /out/san of each VM) fails. distcheck-quick builds the tarball
# plainly with -Werror and runs the unit and dashboard tests on that.
# IPVSTOP_SKIP_HARDENING=1: a plain build, no fuzzing, no valgrind (said below).
mkdir -p build-ci
[ -f build-ci/.gitignore ] || echo '*' >build-ci/.gitignore
hardening_logs=""
if [ "${IPVSTOP_SKIP_HARDENING:-0}" != 1 ]; then
	t0=$(date +%s)
	echo "== fuzzing: fuzz/run.sh, ${IPVSTOP_FUZZ_SECONDS:-20} s per target"
	FUZZ_SECONDS=${IPVSTOP_FUZZ_SECONDS:-20} sh fuzz/run.sh >build-ci/fuzz.log 2>&1 || {
		status=1
		cat build-ci/fuzz.log
	}
	tail -2 build-ci/fuzz.log
	echo "== valgrind: tools/sanitize.sh (fuzzing took $(($(date +%s) - t0)) s)"
	t0=$(date +%s)
	SAN_SKIP_ASAN=1 SAN_VALGRIND_SCRIPTS=${IPVSTOP_VALGRIND_SCRIPTS-"tui-test ipvstop-kube-test"} \
		sh tools/sanitize.sh >build-ci/sanitize.log 2>&1 || {
		status=1
		cat build-ci/sanitize.log
	}
	grep -E '^(ok|not ok|NOT RUN|NOTE) - ' build-ci/sanitize.log || true
	tail -2 build-ci/sanitize.log
	echo "== valgrind took $(($(date +%s) - t0)) s"
	hardening_logs="build-ci/fuzz.log build-ci/sanitize.log"

	rm -rf build-ci/san
	mkdir -p build-ci/san
	san="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
	# warnings are errors in distcheck's plain -O2 build below, not here (-O1 and the
	# sanitizers make gcc warn differently)
	./configure CFLAGS="$san" >/dev/null
	opts="detect_leaks=1:abort_on_error=0:exitcode=23:detect_stack_use_after_return=1:check_initialization_order=1"
	export ASAN_OPTIONS="$opts:strict_string_checks=1:log_path=$PWD/build-ci/san/asan"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=23:log_path=$PWD/build-ci/san/asan"
	export LSAN_OPTIONS="exitcode=23"
	# the VM's guest: its own report directory, a smaller quarantine (512 MB of memory)
	export VM_GUEST_ENV="ASAN_OPTIONS=$opts:quarantine_size_mb=32:log_path=/out/san/asan UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=23:log_path=/out/san/asan"
	# the VMs' hard limits (180-300 s) are sized for a plain ipvstop on an idle machine;
	# sanitized, ipvstop and the tests in the guest run slower: a hung VM is still stopped
	export IPVSTOP_VM_TIMEOUT=${IPVSTOP_VM_TIMEOUT:-600}
	echo "== make check on an ASan+UBSan build"
else
	echo "NOT RUN - fuzzing, valgrind and the ASan+UBSan make check: IPVSTOP_SKIP_HARDENING=1"
	./configure --enable-werror >/dev/null
fi
make -j"$(nproc)"

st=0
make -j"$(nproc)" check || st=$?
if [ "$st" != 0 ]; then
	status=$st
	for log in $(grep -l -E ':test-result: (FAIL|ERROR)' tests/*.trs tests/*/*.trs 2>/dev/null); do
		echo "===== ${log%.trs}.log ====="
		cat "${log%.trs}.log"
	done
fi
san_reports=0
if [ -n "$hardening_logs" ]; then
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS VM_GUEST_ENV
	for r in build-ci/san/* tests/vm/*.out/out/san/*; do
		[ -f "$r" ] || continue
		san_reports=$((san_reports + 1))
		echo "===== sanitizer report $r ====="
		head -80 "$r"
	done
	if [ "$san_reports" != 0 ]; then
		status=1
	else
		echo "== make check under ASan+UBSan: no sanitizer report"
	fi
fi

# distcheck proves the tarball builds and its tests run from it; the VM and API server tests
# already ran above on the same sources, so the tarball runs the quick ones (time: CI has 30
# minutes for everything on two cores).
if [ "$st" = 0 ] && [ "${IPVSTOP_SKIP_DISTCHECK:-0}" != 1 ]; then
	make -j"$(nproc)" distcheck-quick || status=$?
fi

# What was left out of the sanitizer runs, once more where it cannot be missed.
if [ -n "$hardening_logs" ] && grep -qE '^(NOT RUN|NOTE) - ' build-ci/sanitize.log; then
	echo "==== left out of the sanitizer runs, or not counted (see tools/sanitize.sh) ===="
	grep -E '^(NOT RUN|NOTE) - ' build-ci/sanitize.log | sort -u
fi

# One closing line for every check counted: Check's per-test totals and each script's own
# "N passed, N failed". A test that failed without counting (a crash) still counts as one.
errors=$(grep -l -E ':test-result: (FAIL|ERROR)' tests/*.trs tests/*/*.trs 2>/dev/null | wc -l)
# fuzz/run.sh and tools/sanitize.sh: their own last line each
{
	cat tests/*.log tests/*/*.log 2>/dev/null
	for l in $hardening_logs; do
		grep -E '^[0-9]+ passed, [0-9]+ failed' "$l" | tail -1 | grep . || echo "0 passed, 1 failed"
	done
	# each sanitizer report of make check is a failure of its own
	[ "$san_reports" = 0 ] || echo "0 passed, $san_reports failed"
} | awk -v status="$status" -v errors="$errors" '
	/^[0-9]+%: Checks: / { gsub(",", ""); t += $3; f += $5 + $7 }
	/^[0-9]+ passed, [0-9]+ failed/ { t += $1 + $3; f += $3 }
	END {
		if (status != 0 && f == 0) { f = errors ? errors : 1; t += f }
		printf "%d passed, %d failed\n", t - f, f
	}'
exit "$status"
