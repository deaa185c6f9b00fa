#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# sanitize.sh: the whole test suite once under AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included) and once under valgrind, out of tree:
#  - ASan+UBSan build (gcc): the unit tests (tests/check_*), the tmux dashboard tests, the
#    Kubernetes tests that run ipvstop (tests/kube/ipvstop-*-test.sh, against the API test
#    server) and the real-kernel VM tests (tests/vm/vm-*-test.sh: the sanitized ipvstop and
#    its runtime libraries go into the guest, its reports come back in the results disk);
#  - plain build under valgrind: the unit tests (check_oom with its own malloc kept in
#    place), the dashboard tests (tui-scale-test over 2,000 services) and the Kubernetes
#    tests (ipvstop wrapped in valgrind).
#    The VM tests do not run under valgrind: see not_run below and in the output.
# Any sanitizer report, valgrind error or definite leak fails.
#
#   SAN_CC=gcc          compiler of the sanitized build (gcc or clang)
#   SAN_BUILD_DIR=DIR   build directory (default: build-sanitize at the top of the tree)
#   SAN_SKIP_TUI=1      leave out the dashboard test (both runs)
#   SAN_SKIP_KUBE=1     leave out the Kubernetes tests (both runs)
#   SAN_SKIP_VM=1       leave out the VM tests under ASan
#   SAN_SKIP_ASAN=1     leave out the whole ASan+UBSan run (CI runs make check on such a build)
#   SAN_SKIP_VALGRIND=1 leave out the valgrind run
#   SAN_VALGRIND_SCRIPTS="LABEL ..."  under valgrind, only these of the tmux and Kubernetes
#                       tests (e.g. "tui-test ipvstop-kube-test"; CI, for time); each one
#                       left out is said as NOT RUN
#   IPVSTOP_SRCDIR=DIR  configure from DIR (see tools/oot.sh)
# A part left out is printed as "NOT RUN - ..." with its reason, never silently.
#
# Reports are kept in BUILD/reports/. The last line is "N passed, N failed": the checks of
# the unit tests (Check's count) and of each script ("ok -" lines), and one more failure for
# each program with a sanitizer report or valgrind error that its own checks did not count.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/oot.sh"

cc=${SAN_CC:-gcc}
build=${SAN_BUILD_DIR:-$top/build-sanitize}
jobs=$(nproc 2>/dev/null || echo 1)
san_cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
# the unit tests: Makefile.am's UNIT_TESTS (read below, once the sources are known)
units=""
# the tests that run ipvstop: LABEL:SCRIPT (relative to the sources)
# (the scripts are Makefile.am's TESTS, read below: the tmux, Kubernetes and VM tests)
kube_tests=""
vm_tests=""
tui_tests=""
passed=0
failed=0
start=$(date +%s)

# phase TEXT: a heading with the seconds since the start
phase() {
	echo "== [$(($(date +%s) - start)) s] $*"
}

# not_run WHAT WHY: a part left out, said loudly (and again at the end)
not_run=""
not_run() {
	echo "NOT RUN - $1: $2"
	not_run="$not_run
NOT RUN - $1: $2"
}

finish() {
	[ -n "$not_run" ] && printf '%s\n' "sanitize.sh: left out:$not_run"
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
	# somalloc=nouserintercepts: check_oom's own malloc stays in place (it forwards to
	# glibc's, which valgrind replaces); the others define none, so it changes nothing there
	(cd "$obj" && CK_FORK=no IPVSTOP_TEST_QUICK=1 valgrind -q --error-exitcode=1 --leak-check=full \
		--soname-synonyms=somalloc=nouserintercepts \
		--suppressions="$src/tests/valgrind-oom.supp" "./tests/$1") \
		>"$reports/$1.valgrind.log" 2>&1
	echo "$? $(($(date +%s) - _t0))" >"$reports/$1.valgrind.rc"
}

# sanitizer_reports DIR PREFIX: the report files that runs with log_path=DIR/PREFIX left.
sanitizer_reports() {
	ls "$1/$2".* 2>/dev/null
}

units_of() { # SRCDIR: the names in UNIT_TESTS of SRCDIR/Makefile.am
	sed -n '/^UNIT_TESTS *=/,/[^\\]$/p' "$1/Makefile.am" | tr ' \t\\' '\n\n\n' |
		sed -n 's|^tests/\(check_[a-z0-9_]*\)$|\1|p'
}

oot_builddir "$build" || {
	failed=$((failed + 1))
	finish
}
src=$(oot_srcdir "$top" "$build/src") || {
	failed=$((failed + 1))
	finish
}
units=$(units_of "$src" | tr '\n' ' ')
# LABEL:PATH of the scripts in TESTS that run ipvstop
scripts_of() { # SRCDIR GLOB
	sed -n '/^TESTS *=/,/[^\\]$/p' "$1/Makefile.am" | tr ' \t\\' '\n\n\n' | grep -E "$2" |
		while read -r _p; do printf '%s:%s ' "$(basename "$_p" .sh)" "$_p"; done
}
tui_tests=$(scripts_of "$src" '^tests/tui/.*\.sh$')
kube_tests=$(scripts_of "$src" '^tests/kube/ipvstop-.*\.sh$')
vm_tests=$(scripts_of "$src" '^tests/vm/.*\.sh$')
[ -n "$units" ] || {
	echo "not ok - no unit test found in $src/Makefile.am"
	failed=$((failed + 1))
	finish
}
reports=$build/reports
rm -rf "$reports"
mkdir -p "$reports"
obj=$build/asan
if [ "${SAN_SKIP_ASAN:-0}" != 1 ]; then
	build asan "$cc" "$san_cflags" || {
		failed=$((failed + 1))
		finish
	}
fi

# Every report fatal, written to a file per process (the dashboard's stderr is a tmux pane).
# Check forks each test: a child's leak or UB report ends it with exitcode 23, which Check
# counts as an error of that test.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=23"
export LSAN_OPTIONS="exitcode=23"
export top_srcdir="$src" top_builddir="$obj"

# script_result LABEL LOG RC REPORTS...: counts a script's "ok -"/"not ok -" lines (a script
# with none counts as one check, by its exit code) and fails it once more for a report or an
# exit its checks did not count; prints its verdict and, on failure, what went wrong.
script_result() {
	_label=$1
	_log=$2
	_rc=$3
	shift 3
	_ok=$(grep -c '^ok ' "$_log")
	_nok=$(grep -c '^not ok ' "$_log")
	if [ "$_rc" = 77 ]; then
		not_run "$_label" "the test skipped itself (exit 77): $(tail -1 "$_log")"
		return
	fi
	if [ "$_ok" = 0 ] && [ "$_nok" = 0 ]; then
		if [ "$_rc" = 0 ]; then _ok=1; else _nok=1; fi
	elif { [ "$_rc" != 0 ] || [ $# -gt 0 ]; } && [ "$_nok" = 0 ]; then
		_nok=1
	fi
	[ $# -gt 0 ] && [ "$_nok" = 0 ] && _nok=1
	passed=$((passed + _ok))
	failed=$((failed + _nok))
	if [ "$_nok" = 0 ]; then
		echo "ok - $_label: $_ok checks ($(($(date +%s) - t0)) s)"
	else
		echo "not ok - $_label (exit $_rc, $_nok failed, $(($(date +%s) - t0)) s; log $_log)"
		grep -E '^not ok|ERROR|FAIL' "$_log" | head -20
		[ $# = 0 ] && tail -30 "$_log"
		for _r in "$@"; do
			echo "---- $_r"
			head -60 "$_r"
		done
	fi
}

# run_asan LABEL SCRIPT: SCRIPT (relative to the sources) with the sanitized ipvstop.
run_asan() {
	_label=$1
	log=$reports/$_label.asan.log
	t0=$(date +%s)
	(
		export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/$_label.asan-report"
		export UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/$_label.asan-report"
		cd "$obj" && IPVSTOP="$obj/ipvstop" bash "$src/$2"
	) >"$log" 2>&1
	rc=$?
	# shellcheck disable=SC2046 # one argument per report file
	script_result "$_label, ASan+UBSan" "$log" "$rc" $(sanitizer_reports "$reports" "$_label.asan-report")
}

if [ "${SAN_SKIP_ASAN:-0}" != 1 ]; then
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
if grep -q 'NOT INJECTING' "$reports/check_oom.asan.log" 2>/dev/null; then
	not_run "allocation failure injection in the ASan build" \
		"ASan owns malloc; check_oom ran each parser once there, the injection runs under valgrind below"
fi

if [ "${SAN_SKIP_TUI:-0}" != 1 ]; then
	for t in $tui_tests; do
		phase "${t%%:*} (tmux), ASan+UBSan ipvstop"
		run_asan "${t%%:*}" "${t#*:}"
	done
else
	not_run "dashboard test under ASan and valgrind" "SAN_SKIP_TUI=1"
fi

if [ "${SAN_SKIP_KUBE:-0}" != 1 ]; then
	for t in $kube_tests; do
		phase "${t%%:*}, ASan+UBSan ipvstop"
		run_asan "${t%%:*}" "${t#*:}"
	done
else
	not_run "Kubernetes tests under ASan and valgrind" "SAN_SKIP_KUBE=1"
fi

if [ "${SAN_SKIP_VM:-0}" != 1 ]; then
	# The guest runs the sanitized ipvstop (vm_copy_bin copies libasan and libubsan with it);
	# reports go to /out/san, which comes back with the results. A smaller quarantine: the
	# guest has 512 MB; no symbolizer there (the reports give module+offset).
	guest_env="ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23:quarantine_size_mb=32:malloc_context_size=20:log_path=/out/san/ipvstop.asan-report UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=23:log_path=/out/san/ipvstop.asan-report"
	for t in $vm_tests; do
		label=${t%%:*}
		phase "$label, ASan+UBSan ipvstop in the guest"
		log=$reports/$label.asan.log
		t0=$(date +%s)
		rm -rf "$obj/tests/vm/$label.out"
		(
			unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
			cd "$obj" && VM_GUEST_ENV="$guest_env" IPVSTOP="$obj/ipvstop" sh "$src/${t#*:}"
		) >"$log" 2>&1
		rc=$?
		mkdir -p "$reports/$label.guest"
		cp "$obj/tests/vm/$label.out/out/san/"* "$reports/$label.guest/" 2>/dev/null
		# shellcheck disable=SC2046
		script_result "$label, ASan+UBSan in the guest" "$log" "$rc" $(ls "$reports/$label.guest/"* 2>/dev/null)
	done
else
	not_run "VM tests under ASan" "SAN_SKIP_VM=1"
fi

else
	echo "skip - the ASan+UBSan run: SAN_SKIP_ASAN=1 (tools/check.sh runs make check on an ASan+UBSan build instead)"
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
		echo "note - under valgrind IPVSTOP_TEST_QUICK=1: check_json_writer's random cases are a twentieth and check_kube_join's scale test has 2,000 Services instead of 20,000 (in full in make check)"
		# valgrind runs a program 20-50 times slower: with two CPUs or more, check_kube_join
		# and check_json_writer (their scale and random tests are most of the time) run
		# beside all the others in turn
		slow="check_kube_join check_json_writer"
		if [ "$jobs" -ge 2 ]; then
			(for u in $slow; do
				case " $units " in *" $u "*) valgrind_one "$u" ;; esac
			done) &
			(for u in $units; do
				case " $slow " in *" $u "*) ;; *) valgrind_one "$u" ;; esac
			done) &
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

		# The scripts run ipvstop through a wrapper of the same name that runs it under
		# valgrind, one log per process: any error or definite leak is a non-empty log.
		# What counts here is valgrind's verdict on every ipvstop the script ran. The
		# scripts' own checks wait for the screen with limits made for a native ipvstop
		# (a few seconds); 20-50 times slower, some of them miss: they are shown, loudly,
		# and not counted here (they count in make check, on the ASan+UBSan build).
		valgrind_result() { # LABEL LOG RC SECONDS
			_runs=$(find "$reports" -name "$1.vg.*" 2>/dev/null | wc -l)
			_bad=$(find "$reports" -name "$1.vg.*" -size +0 2>/dev/null)
			_ok=$(grep -c '^ok ' "$2")
			_nok=$(grep -c '^not ok ' "$2")
			if [ "$3" = 77 ]; then
				not_run "$1 under valgrind" "the test skipped itself (exit 77): $(tail -1 "$2")"
			elif [ -n "$_bad" ] || [ "$_runs" = 0 ]; then
				failed=$((failed + 1))
				echo "not ok - $1, valgrind: $_runs ipvstop runs, errors in $(echo "$_bad" | wc -w) ($4 s; log $2)"
				[ "$_runs" = 0 ] && tail -20 "$2"
				for _r in $_bad; do
					echo "---- $_r"
					head -60 "$_r"
				done
			else
				passed=$((passed + 1))
				echo "ok - $1, valgrind: $_runs ipvstop runs, no valgrind error ($4 s)"
			fi
			if [ "$_nok" != 0 ]; then
				echo "NOTE - $1 under valgrind: $_nok of its $((_ok + _nok)) own checks missed their native-speed time limits; not counted here (see $2):"
				grep '^not ok ' "$2" | head -10 | sed 's/^/    /'
			fi
		}
		script_tests=""
		[ "${SAN_SKIP_TUI:-0}" != 1 ] &&
			script_tests="$tui_tests"
		[ "${SAN_SKIP_KUBE:-0}" != 1 ] && script_tests="$script_tests $kube_tests"
		# valgrind_script LABEL SCRIPT: runs it with ipvstop under valgrind; its exit code
		# and seconds in REPORTS/LABEL.valgrind.rc
		valgrind_script() {
			wrap=$build/valgrind-wrap/$1
			mkdir -p "$wrap"
			rm -f "$reports/$1.vg."*
			cat >"$wrap/ipvstop" <<-EOF
				#!/bin/sh
				exec valgrind -q --error-exitcode=42 --leak-check=full \\
					--errors-for-leak-kinds=definite --show-leak-kinds=definite \\
					--suppressions="$src/tests/valgrind-oom.supp" \\
					--log-file="$reports/$1.vg.%p" "$obj/ipvstop" "\$@"
			EOF
			chmod +x "$wrap/ipvstop"
			_t0=$(date +%s)
			# the scale test over 2,000 services instead of 20,000 (the same code paths; its
			# key bound is for a native ipvstop): said, not silent
			[ "$1" = tui-scale-test ] &&
				echo "note - tui-scale-test under valgrind: 2000 services (TUI_SCALE_SERVICES), key bound 120 s"
			(cd "$obj" && TUI_SCALE_SERVICES=2000 TUI_SCALE_KEY_BOUND=120 \
				IPVSTOP="$wrap/ipvstop" bash "$src/$2") >"$reports/$1.valgrind.log" 2>&1
			echo "$? $(($(date +%s) - _t0))" >"$reports/$1.valgrind.rc"
		}
		run_labels=""
		for t in $script_tests; do
			label=${t%%:*}
			if [ -n "${SAN_VALGRIND_SCRIPTS:-}" ]; then
				case " $SAN_VALGRIND_SCRIPTS " in
				*" $label "*) ;;
				*)
					not_run "$label under valgrind" \
						"left out by SAN_VALGRIND_SCRIPTS (CI's time); tools/sanitize.sh runs it"
					continue
					;;
				esac
			fi
			run_labels="$run_labels $label"
			phase "$label, ipvstop under valgrind"
			# Two at a time with two CPUs or more: each is one valgrinded ipvstop at a time,
			# and the verdict is valgrind's (their own time limits are not counted here).
			if [ "$jobs" -ge 2 ]; then
				valgrind_script "$label" "${t#*:}" &
				[ $(($(echo "$run_labels" | wc -w) % 2)) = 0 ] && wait
			else
				valgrind_script "$label" "${t#*:}"
			fi
		done
		wait
		for label in $run_labels; do
			read -r rc secs <"$reports/$label.valgrind.rc" || rc=1
			valgrind_result "$label" "$reports/$label.valgrind.log" "$rc" "${secs:-?}"
		done
		not_run "VM tests under valgrind" \
			"valgrind in the TCG guest needs its 60+ MB of tool files in the initramfs and runs ipvstop 20-50x slower on top of emulation; the VM tests' own time limits (180-300 s per VM) cannot hold. They run under ASan+UBSan above"
	else
		failed=$((failed + 1))
	fi
else
	not_run "valgrind run (unit tests, dashboard, Kubernetes tests)" "SAN_SKIP_VALGRIND=1"
fi
finish
