#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# fuzz/run.sh: build the libFuzzer targets (clang, AddressSanitizer, UndefinedBehaviorSanitizer,
# LeakSanitizer) out of tree and run each over its corpus for a bounded time.
#
#   FUZZ_SECONDS=30     time per target
#   FUZZ_TARGETS="..."  targets to run (default: all)
#   FUZZ_JOBS=N         targets run at once (default: the number of CPUs)
#   FUZZ_BUILD_DIR=DIR  build directory (default: build-fuzz at the top of the tree)
#   IPVSTOP_SRCDIR=DIR  configure from DIR (see tools/oot.sh)
#
# New inputs are kept in the build directory (BUILD/corpus/<target>), never in fuzz/corpus:
# copy the interesting ones there by hand. A crash, leak, UBSan report or timeout fails the
# target; its input is left as BUILD/artifacts/<target>-crash-* (or leak-*, timeout-*), printed
# in base64 at the end, and `BUILD/obj/fuzz/<target> FILE` replays it. The last line is "N passed, N failed" (targets).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tools/oot.sh"

seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
all="fuzz_ipvs_netlink fuzz_ipvs_proc fuzz_kubeconfig fuzz_kube_json fuzz_kube_config_edit fuzz_json_read \
	fuzz_kp_metrics fuzz_dp_ipset fuzz_dp_nft fuzz_dp_ipt fuzz_digest fuzz_cluster_answer"
targets=${FUZZ_TARGETS:-$all}
cc=${FUZZ_CC:-clang}
cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"

start=$(date +%s)
command -v "$cc" >/dev/null 2>&1 || {
	echo "run.sh: $cc not found: apt-get install clang libclang-rt-dev" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# The largest input each target is given: a few netlink messages' worth, a /proc file of a
# few hundred lines, a kubeconfig, an API list page, a config.conf, a recording line, a
# kube-proxy /metrics reply, an ipset header list, an nft table.
max_len() {
	case $1 in
	fuzz_ipvs_netlink) echo 4096 ;;
	fuzz_ipvs_proc) echo 32768 ;;
	fuzz_kubeconfig) echo 16384 ;;
	fuzz_kube_json) echo 65536 ;;
	fuzz_kube_config_edit) echo 8192 ;;
	fuzz_json_read) echo 65536 ;;
	fuzz_kp_metrics) echo 65536 ;;
	fuzz_dp_ipset) echo 16384 ;;
	fuzz_dp_nft) echo 65536 ;;
	fuzz_dp_ipt) echo 1024 ;;
	fuzz_digest) echo 8192 ;;
	fuzz_cluster_answer) echo 8192 ;;
	esac
}

dict() {
	case $1 in
	fuzz_ipvs_proc) echo "$here/dicts/ipvs_proc.dict" ;;
	fuzz_kubeconfig) echo "$here/dicts/kubeconfig.dict" ;;
	fuzz_kube_json | fuzz_json_read) echo "$here/dicts/json.dict" ;;
	fuzz_kube_config_edit) echo "$here/dicts/kube_proxy_config.dict" ;;
	fuzz_kp_metrics) echo "$here/dicts/kp_metrics.dict" ;;
	fuzz_dp_ipset) echo "$here/dicts/dp_ipset.dict" ;;
	fuzz_dp_nft) echo "$here/dicts/dp_nft.dict" ;;
	fuzz_digest | fuzz_cluster_answer) echo "$here/dicts/digest.dict" ;;
	*) echo "" ;;
	esac
}

echo "== building the fuzz configuration in $build"
oot_builddir "$build" || {
	echo "0 passed, 1 failed"
	exit 1
}
src=$(oot_srcdir "$top" "$build/src") || {
	echo "0 passed, 1 failed"
	exit 1
}
if ! grep -q 'enable-fuzzing' "$src/configure" 2>/dev/null; then
	echo "run.sh: $src/configure has no --enable-fuzzing: configure.ac lacks the fuzz lines" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
oot_configure "$src" "$build/obj" --enable-fuzzing CC="$cc" CFLAGS="$cflags" || {
	echo "0 passed, 1 failed"
	exit 1
}
if ! make -C "$build/obj" -j"$jobs" >"$build/make.log" 2>&1; then
	grep -E 'error|Error' "$build/make.log" | head -40 >&2
	echo "run.sh: the build failed; see $build/make.log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
built=$(date +%s)
echo "built in $((built - start)) s"

# Sanitizers: any report is fatal; leaks are checked after every input.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}"

mkdir -p "$build/artifacts" "$build/logs"
rm -f "$build/logs/"*.rc

# run_one TARGET: fuzzes one target; its log in BUILD/logs/TARGET.log, its verdict in .rc
run_one() {
	t=$1
	bin=$build/obj/fuzz/$t
	log=$build/logs/$t.log
	work=$build/corpus/$t
	mkdir -p "$work"
	d=$(dict "$t")
	set -- -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 \
		-rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 -detect_leaks=1 \
		-artifact_prefix="$build/artifacts/$t-"
	[ -n "$d" ] && [ -f "$d" ] && set -- "$@" -dict="$d"
	# stdin on /dev/null: nothing the targets reach may wait for a terminal
	"$bin" "$@" "$work" "$here/corpus/$t" </dev/null >"$log" 2>&1
	rc=$?
	# belt and braces: a sanitizer report that did not end the run still fails it
	if [ "$rc" = 0 ] && grep -qE 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$log"; then
		rc=1
	fi
	echo "$rc" >"$build/logs/$t.rc"
}

# At most $jobs targets at once.
running=0
pids=""
for t in $targets; do
	if [ ! -x "$build/obj/fuzz/$t" ]; then
		echo "run.sh: no such target: $t" >&2
		echo 1 >"$build/logs/$t.rc"
		continue
	fi
	echo "== $t: ${seconds} s, max_len $(max_len "$t")"
	run_one "$t" &
	pids="$pids $!"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		for p in $pids; do wait "$p"; done
		pids=""
		running=0
	fi
done
for p in $pids; do wait "$p"; done

passed=0
failed=0
printf '%-24s %8s %10s %8s %8s %7s  %s\n' target result execs exec/s cov ft corpus
for t in $targets; do
	log=$build/logs/$t.log
	rc=$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" 2>/dev/null | tail -1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" 2>/dev/null | tail -1)
	last=$(grep -E '^#[0-9]+' "$log" 2>/dev/null | grep 'cov:' | tail -1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		res=ok
	else
		failed=$((failed + 1))
		res=FAILED
	fi
	printf '%-24s %8s %10s %8s %8s %7s  %s\n' "$t" "$res" "${execs:--}" "${eps:--}" \
		"${cov:--}" "${ft:--}" "${corp:--}"
	if [ "$rc" != 0 ]; then
		echo "---- $log (last 40 lines)"
		tail -40 "$log"
		# the reproducer itself, for a CI whose only artifact is its log
		for a in "$build/artifacts/$t-"*; do
			[ -f "$a" ] || continue
			echo "artifact: $a ($(wc -c <"$a") bytes), base64 (replay: base64 -d >FILE; $build/obj/fuzz/$t FILE):"
			head -c 65536 "$a" | base64
		done
		echo "----"
	fi
done
echo "run.sh: $(($(date +%s) - start)) s in all ($((built - start)) s building)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
