#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# sanitize.sh: build ipvstop out of tree with AddressSanitizer and UndefinedBehaviorSanitizer
# (LeakSanitizer included), run the unit tests (tests/check_*) and the tmux dashboard test
# (tests/tui/tui-test.sh) on that build, then run the unit tests once more under valgrind
# on a plain build. Any sanitizer report, valgrind error or definite leak fails.
#
#   SAN_CC=gcc          compiler of the sanitized build (gcc or clang)
#   SAN_BUILD_DIR=DIR   build directory (default: build-sanitize at the top of the tree)
#   SAN_SKIP_TUI=1      leave out the dashboard test
#   SAN_SKIP_VALGRIND=1 leave out the valgrind run
#   IPVSTOP_SRCDIR=DIR  configure from DIR (see tools/oot.sh)
#
# Reports are kept in BUILD/reports/. The last line is "N passed, N failed": the checks of
# the unit tests (Check's count) and of the dashboard test, and one more failure for each
# program with a sanitizer report or valgrind error that its own checks did not count.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/oot.sh"

cc=${SAN_CC:-gcc}
build=${SAN_BUILD_DIR:-$top/build-sanitize}
jobs=$(nproc 2>/dev/null || echo 1)
san_cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
units="check_snapshot check_ipvs_parse check_ipvs_proc check_modules check_kube_config check_kube_parse check_kube_join"
passed=0
failed=0
start=$(date +%s)

# phase TEXT: a heading with the seconds since the start
phase() {
	echo "== [$(($(date +%s) - start)) s] $*"
}

finish() {
	echo "sanitize.sh: $(($(date +%s) - start)) s in all"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

# build NAME CC CFLAGS: configures and builds BUILD/NAME with the programs of `make check`.
build() {
	_dir=$build/$1
	phase "building $1 ($2 $3)"
	oot_configure "$src" "$_dir" CC="$2" CFLAGS="$3" || return 1
	# TESTS= builds check_PROGRAMS without running anything
	if ! make -C "$_dir" -j"$jobs" all >"$_dir/make.log" 2>&1 ||
		! make -C "$_dir" -j"$jobs" check TESTS= >>"$_dir/make.log" 2>&1; then
		grep -E 'error|Error' "$_dir/make.log" | head -40 >&2
		echo "sanitize.sh: the $1 build failed; see $_dir/make.log" >&2
		return 1
	fi
}

# count LOG: adds Check's "Checks: N, Failures: F, Errors: E" of LOG to the totals;
# sets bad to the number of checks that failed.
count() {
	_line=$(grep -E '^[0-9]+%: Checks: ' "$1" | tail -1)
	_n=$(printf '%s\n' "$_line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	_f=$(printf '%s\n' "$_line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
	_e=$(printf '%s\n' "$_line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	_n=${_n:-0}
	_bad=$((${_f:-0} + ${_e:-0}))
	passed=$((passed + _n - _bad))
	failed=$((failed + _bad))
	bad=$_bad
}

# valgrind_one UNIT: runs tests/UNIT of the plain build under valgrind; its exit code and
# seconds in REPORTS/UNIT.valgrind.rc
valgrind_one() {
	_t0=$(date +%s)
	(cd "$obj" && CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full "./tests/$1") \
		>"$reports/$1.valgrind.log" 2>&1
	echo "$? $(($(date +%s) - _t0))" >"$reports/$1.valgrind.rc"
}

# sanitizer_reports DIR PREFIX: the report files that runs with log_path=DIR/PREFIX left.
sanitizer_reports() {
	ls "$1/$2".* 2>/dev/null
}

oot_builddir "$build" || {
	failed=$((failed + 1))
	finish
}
src=$(oot_srcdir "$top" "$build/src") || {
	failed=$((failed + 1))
	finish
}
build asan "$cc" "$san_cflags" || {
	failed=$((failed + 1))
	finish
}
obj=$build/asan
reports=$build/reports
rm -rf "$reports"
mkdir -p "$reports"

# Every report fatal, written to a file per process (the dashboard's stderr is a tmux pane).
# Check forks each test: a child's leak or UB report ends it with exitcode 23, which Check
# counts as an error of that test.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=23"
export LSAN_OPTIONS="exitcode=23"
export top_srcdir="$src" top_builddir="$obj"

phase "unit tests, ASan+UBSan"
for u in $units; do
	log=$reports/$u.asan.log
	t0=$(date +%s)
	(
		export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/$u.asan-report"
		export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/$u.asan-report"
		cd "$obj" && "./tests/$u"
	) >"$log" 2>&1
	rc=$?
	count "$log"
	rep=$(sanitizer_reports "$reports" "$u.asan-report")
	if [ "$rc" != 0 ] && [ "$bad" = 0 ] || { [ -n "$rep" ] && [ "$bad" = 0 ]; }; then
		failed=$((failed + 1)) # a report or an exit that Check did not count
		bad=1
	fi
	if [ "$bad" = 0 ]; then
		echo "ok - $u: $(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1) ($(($(date +%s) - t0)) s)"
	else
		echo "not ok - $u (exit $rc)"
		grep -E ':[EF]:|ERROR|runtime error' "$log" | head -20
		for r in $rep; do
			echo "---- $r"
			head -40 "$r"
		done
	fi
done

if [ "${SAN_SKIP_TUI:-0}" != 1 ]; then
	phase "dashboard test (tmux), ASan+UBSan ipvstop"
	log=$reports/tui-test.log
	(
		export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/ipvstop.asan-report"
		export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ipvstop.asan-report"
		cd "$obj" && IPVSTOP="$obj/ipvstop" bash "$src/tests/tui/tui-test.sh"
	) >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	nok=$(grep -c '^not ok ' "$log")
	passed=$((passed + ok))
	failed=$((failed + nok))
	rep=$(sanitizer_reports "$reports" "ipvstop.asan-report")
	if [ "$rc" = 77 ]; then
		echo "skip - tui-test.sh (exit 77)"
	elif { [ "$rc" != 0 ] || [ -n "$rep" ]; } && [ "$nok" = 0 ]; then
		failed=$((failed + 1))
		nok=1
	fi
	if [ "$nok" = 0 ]; then
		echo "ok - tui-test.sh: $ok checks"
	else
		echo "not ok - tui-test.sh (exit $rc, $nok failed)"
		grep '^not ok' "$log" | head -20
		for r in $rep; do
			echo "---- $r"
			head -60 "$r"
		done
	fi
fi

if [ "${SAN_SKIP_VALGRIND:-0}" != 1 ]; then
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "not ok - valgrind is missing (apt-get install valgrind)"
		failed=$((failed + 1))
	elif build plain "$cc" "-O1 -g"; then
		unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
		obj=$build/plain
		export top_builddir="$obj"
		phase "unit tests under valgrind (CK_FORK=no)"
		# valgrind runs a program 20-50 times slower: with two CPUs or more, check_kube_join
		# (its scale test is most of the time) runs beside all the others in turn
		slow=check_kube_join
		if [ "$jobs" -ge 2 ]; then
			valgrind_one "$slow" &
			(for u in $units; do [ "$u" = "$slow" ] || valgrind_one "$u"; done) &
			wait
		else
			for u in $units; do valgrind_one "$u"; done
		fi
		for u in $units; do
			log=$reports/$u.valgrind.log
			read -r rc secs <"$reports/$u.valgrind.rc" || rc=1
			count "$log"
			if [ "$rc" != 0 ] && [ "$bad" = 0 ]; then
				failed=$((failed + 1))
				bad=1
			fi
			if [ "$bad" = 0 ]; then
				echo "ok - valgrind $u: $(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1) (${secs} s)"
			else
				echo "not ok - valgrind $u (exit $rc)"
				grep -E '^==[0-9]+==' "$log" | head -40
				grep -E ':[EF]:' "$log" | head -10
			fi
		done
	else
		failed=$((failed + 1))
	fi
fi
finish
