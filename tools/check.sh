#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# check.sh: install what is missing, build with warnings as errors, run every test (unit
# tests and the real-kernel VM tests), then make distcheck; prints each failed test's log.
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
./autogen.sh >/dev/null
./configure --enable-werror >/dev/null
make -j"$(nproc)"

status=0
make -j"$(nproc)" check || status=$?
if [ "$status" != 0 ]; then
	for log in $(grep -l -E ':test-result: (FAIL|ERROR)' tests/*.trs tests/*/*.trs 2>/dev/null); do
		echo "===== ${log%.trs}.log ====="
		cat "${log%.trs}.log"
	done
fi
# distcheck proves the tarball builds and its tests run from it; the VM and API server tests
# already ran above on the same sources, so the tarball runs the quick ones (time: CI has 30
# minutes for everything on two cores).
if [ "$status" = 0 ] && [ "${IPVSTOP_SKIP_DISTCHECK:-0}" != 1 ]; then
	make -j"$(nproc)" distcheck-quick || status=$?
fi

# One closing line for every check counted: Check's per-test totals and each script's own
# "N passed, N failed". A test that failed without counting (a crash) still counts as one.
errors=$(grep -l -E ':test-result: (FAIL|ERROR)' tests/*.trs tests/*/*.trs 2>/dev/null | wc -l)
cat tests/*.log tests/*/*.log 2>/dev/null | awk -v status="$status" -v errors="$errors" '
	/^[0-9]+%: Checks: / { gsub(",", ""); t += $3; f += $5 + $7 }
	/^[0-9]+ passed, [0-9]+ failed/ { t += $1 + $3; f += $3 }
	END {
		if (status != 0 && f == 0) { f = errors ? errors : 1; t += f }
		printf "%d passed, %d failed\n", t - f, f
	}'
exit "$status"
