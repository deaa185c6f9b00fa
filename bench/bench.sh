#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench.sh: the benchmark of issue #6, rerunnable by anyone (`make bench`).
#
# 1. The helper programs of bench/tools: benchrun (runs one command, prints its wall time,
#    CPU and peak RSS), nlprobe (the kernel's own floor for a netlink read of the table,
#    the reference for the first frame, and the emulator's calibration), nlload (loads
#    the big tables without ipvsadm -R's per-line cost), syncgen (a fake sync master that
#    makes the backup daemon create up to millions of connection entries), ptyprobe (a
#    terminal that times the dashboard: first frame, CPU per thread, key latency), and
#    jsonwrite (the JSON writer alone, on this host: CPU per document of each size).
# 2. Boots the test VM of tests/vm (Debian's 6.1 cloud kernel under QEMU, vm-lib.sh) with
#    ipvsadm, tmux, the helpers and the ipvstop under test, and runs bench/guest-bench.sh:
#    for each table size, ipvsadm -R (nlload on the big tables) loads the table and
#    ipvstop is measured side by side with ipvsadm -Ln --stats in the same run; then a
#    backup sync daemon fed by syncgen fills the connection table up to a million
#    entries.
# 3. On this host (before the VM, so that a VM stopped by its time limit leaves it
#    measured): ipvstop against the Kubernetes API test server (tests/kube/apiserver.py)
#    serving 10,000 Services and 100,000 endpoints (no VM needed: the IPVS side is a
#    recording of the matching table, bench/gen-table.py).
# 4. bench/report.py writes RESULTS/report.md: every number, as ratios to ipvsadm where
#    one exists, and each target of the issue met or not.
#
# Usage: bench/bench.sh [--sizes s,m,k,l,xl] [--conns N] [--conn-size s|m|k|l|xl]
#                       [--reps N] [--big-reps N] [--window SECONDS] [--no-vm]
#                       [--no-kube] [--profile] [--results DIR] [--snap-only]
#                       [--one-cpu | --no-one-cpu] [--dash-only] [--dash-massif SECONDS]
#                       [--dash-busy]
#   sizes: s 150/300, m 1,300/10,000, k 10,000/100,000, l 20,000/100,000, xl 50,000/150,000
#   (services / real servers). Default: all five and a million connection entries on s
#   (about 50 minutes on 2 cores without KVM, the one-vCPU boot included; --sizes s,m,l
#   saves about 20). --reps: repeats of each side-by-side round (default 5; --big-reps
#   on tables of 100,000 real servers and more, default 3). --window: seconds the
#   dashboard is watched at 1 Hz (default 15). --profile adds perf profiles at every
#   size and callgrind and massif on the tables of up to 10,000 real servers (slow).
#   --snap-only: the 2-vCPU boot measures only the snapshots (`-j -n 1`, `-b -n 1`, the
#   kernel's floor, ipvsadm), no dashboard and no connections. After it, a second boot with
#   one vCPU measures the snapshots again at every size (--no-one-cpu: not).
#   --dash-only (issue #16): only the dashboard's memory and first frame. The dashboard's
#   empty baseline (peak RSS on an empty table) --reps times, then at every size --reps
#   rounds of: the reference (nlprobe -k 41 -r 3: the service dump and one screen of real
#   servers) and the dashboard on a 200x50 pty as in the full run (ptyprobe ... -m 10.97.
#   -- ipvstop -d 1 --no-kube); with IPVSTOP_BENCH_BASELINE, the reference and the
#   baseline's dashboard after each of ipvstop's (before it, every other round). No snapshots, tmux or connections; one
#   boot (--one-cpu: a second one with one vCPU, the same part). --dash-massif SECONDS
#   (with --dash-only): then the dashboard under valgrind's massif (--time-unit=ms) for
#   SECONDS in tmux at each size (2-vCPU boot only), out/massif-dash-SIZE.out; it reaches
#   the first frame at l within 90 s. --dash-busy (with --dash-only): a busy table, every
#   service's counters changing: while each dashboard runs, bench/tools/vipspray opens a
#   TCP connection to every service in turn, a second between rounds (SYNs masqueraded to
#   real servers that are not there, through a dummy interface).
#   Results: DIR (default bench/results): report.md, out/ (from the VM: results.txt,
#   commands.txt, profiles), out-1cpu/ (the one-vCPU boot), host/ (the Kubernetes part and
#   the load average at each boot), serial.log, serial-1cpu.log.
#
# Environment: IPVSTOP (default ./ipvstop), IPVSTOP_BENCH_BASELINE (another ipvstop of the
# same build configuration, e.g. main's: its -j and -b run in the same snapshot rounds, for
# before / after in one run), IPVSTOP_BENCH_TIMEOUT (VM limit, seconds,
# default 2400), IPVSTOP_BENCH_RESULTS (default of --results), IPVSTOP_BENCH_TOOLS (a
# directory with the helpers already built; make bench sets it), CC and BENCH_CFLAGS
# (to build the helpers otherwise), and vm-lib.sh's knobs (IPVSTOP_VM_MEM defaults to 3G here,
# IPVSTOP_VM_SMP to 2). Needs what tests/vm needs, plus tmux, python3 and openssl.
# Software emulation (no KVM): absolute times are the emulator's; compare ratios.

set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck disable=SC2034 # read by vm-lib.sh
VM_PROG=bench
# shellcheck disable=SC2034
VM_SRCDIR=$TOP/tests/vm
# shellcheck source=tests/vm/vm-lib.sh
. "$TOP/tests/vm/vm-lib.sh"

SIZES=s,m,k,l,xl
CONNS=1000000
CONNSIZE=s
REPS=5
BIGREPS=3
WINDOW=15
DO_VM=1
DO_KUBE=1
PROFILE=0
PARTS=all
ONECPU=
DASHMASSIF=0
DASHBUSY=0
RESULTS=${IPVSTOP_BENCH_RESULTS:-${top_builddir:-.}/bench/results}
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) SIZES=$2; shift ;;
	--conns) CONNS=$2; shift ;;
	--conn-size) CONNSIZE=$2; shift ;;
	--reps) REPS=$2; shift ;;
	--big-reps) BIGREPS=$2; shift ;;
	--window) WINDOW=$2; shift ;;
	--no-vm) DO_VM=0 ;;
	--no-kube) DO_KUBE=0 ;;
	--profile) PROFILE=1 ;;
	--snap-only) PARTS=snap ;;
	--dash-only) PARTS=dash ;;
	--dash-massif) DASHMASSIF=$2; shift ;;
	--dash-busy) DASHBUSY=1 ;;
	--one-cpu) ONECPU=1 ;;
	--no-one-cpu) ONECPU=0 ;;
	--results) RESULTS=$2; shift ;;
	-h | --help)
		awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"
		exit 0
		;;
	*) vm_die "unknown option $1 (see --help)" ;;
	esac
	shift
done

# The dashboard's part is wanted on the usual two vCPUs: its one-vCPU boot only on request.
if [ -z "$ONECPU" ]; then
	ONECPU=1
	[ $PARTS = dash ] && ONECPU=0
fi
case $DASHMASSIF in '' | *[!0-9]*) vm_die "--dash-massif takes seconds" ;; esac
[ "$DASHMASSIF" -gt 0 ] && [ $PARTS != dash ] && vm_die "--dash-massif goes with --dash-only"
[ "$DASHBUSY" = 1 ] && [ $PARTS != dash ] && vm_die "--dash-busy goes with --dash-only"
if [ $PARTS = dash ] && [ "$REPS" -lt 2 ]; then
	vm_log "--dash-only: 2 rounds, not $REPS (a ratio within a round needs company)"
	REPS=2
fi
T_START=$(vm_now)
IPVSTOP=${IPVSTOP:-${top_builddir:-.}/ipvstop}
case $IPVSTOP in /*) ;; *) IPVSTOP=$(pwd)/$IPVSTOP ;; esac
[ -x "$IPVSTOP" ] || vm_die "no ipvstop binary at $IPVSTOP (set IPVSTOP, or run make first)"
mkdir -p "$RESULTS" || vm_die "cannot create $RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
rm -rf "$RESULTS/out" "$RESULTS/out-1cpu" "$RESULTS/host"
mkdir -p "$RESULTS/out" "$RESULTS/host"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ipvstop-bench.XXXXXX") || vm_die "mktemp failed"
KUBE_PID=
cleanup() {
	[ -n "$KUBE_PID" ] && kill "$KUBE_PID" 2>/dev/null
	[ "${IPVSTOP_VM_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- helpers
# make bench builds them with the project's compiler and warnings (Makefile.am) and says
# where; run by hand, this builds them with the same warnings.
mkdir -p "$WORK/bin"
for t in benchrun nlprobe nlload syncgen ptyprobe vipspray; do
	if [ -n "${IPVSTOP_BENCH_TOOLS:-}" ]; then
		cp "$IPVSTOP_BENCH_TOOLS/$t" "$WORK/bin/$t" || vm_die "no $t in $IPVSTOP_BENCH_TOOLS (make bench builds it)"
		continue
	fi
	lib=
	[ $t = ptyprobe ] && lib=-lutil
	# shellcheck disable=SC2086 # word lists
	${CC:-cc} -std=gnu11 -O2 ${BENCH_CFLAGS:--Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter} \
		-o "$WORK/bin/$t" "$BENCH_DIR/tools/$t.c" $lib || vm_die "cannot build bench/tools/$t.c"
done
# jsonwrite links ipvstop's own code (libipvstop.a): only make bench builds it.
if [ -n "${IPVSTOP_BENCH_TOOLS:-}" ] && [ -x "$IPVSTOP_BENCH_TOOLS/jsonwrite" ]; then
	cp "$IPVSTOP_BENCH_TOOLS/jsonwrite" "$WORK/bin/jsonwrite"
fi
HRES=$RESULTS/host/results.txt
: >"$HRES"
"$WORK/bin/nlprobe" -C 20 | sed 's/^calib/R what=calib where=host/' >>"$HRES"
# User-space calibration: ipvstop itself on a recording (JSON in and out, malloc, strings),
# the same file on the host and in the guest.
python3 "$BENCH_DIR/gen-table.py" 1300 10000 >"$WORK/calib.jsonl" || vm_die "gen-table.py failed"
for r in 1 2 3; do
	"$WORK/bin/benchrun" -l "R what=calib_user where=host rep=$r" -- \
		"$IPVSTOP" -j -n 1 --no-kube --replay="$WORK/calib.jsonl" >>"$HRES"
done
rev=${IPVSTOP_BENCH_REV:-$(cd "$TOP" && git describe --always --dirty 2>/dev/null)}
[ -n "$rev" ] || rev=unknown
echo "R what=host_env kernel=$(uname -r) cpus=$(nproc) model=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_') source=$rev load=$(cut -d' ' -f1 /proc/loadavg)" >>"$HRES"

# The JSON writer alone (output_json, behind -j and recordings), on this host: the second of
# two records of each size written again and again (bench/tools/jsonwrite), with rates.
if [ -x "$WORK/bin/jsonwrite" ]; then
	for sz in s:150:300 m:1300:10000 k:10000:100000 l:20000:100000 xl:50000:150000; do
		n=${sz%%:*}
		sd=${sz#*:}
		case ",$SIZES," in *",$n,"*) ;; *) continue ;; esac
		python3 "$BENCH_DIR/gen-table.py" "${sd%:*}" "${sd#*:}" --records 2 --traffic --step 1.3 \
			>"$WORK/writer.jsonl" || vm_die "gen-table.py failed"
		for r in 1 2 3; do
			"$WORK/bin/jsonwrite" -r 5 "$WORK/writer.jsonl" |
				sed "s/^jsonwrite /R size=$n what=jsonwrite where=host rep=$r /" >>"$HRES"
		done
	done
	rm -f "$WORK/writer.jsonl"
fi

# ---------------------------------------------------------------- Kubernetes, on this host
if [ $DO_KUBE = 1 ]; then
	for t in python3 openssl; do
		command -v $t >/dev/null 2>&1 || vm_die "$t is missing (the Kubernetes part needs it; --no-kube skips it)"
	done
	KS=10000
	KM=10
	vm_log "Kubernetes: API test server with $KS Services x $KM endpoints"
	mkdir -p "$WORK/kube/state" "$WORK/kube/certs"
	python3 "$TOP/tests/kube/apiserver.py" --state "$WORK/kube/state" --cert-dir "$WORK/kube/certs" \
		--port 0 --key-type ec --generate-services $KS --endpoints-per-service $KM \
		>"$RESULTS/host/apiserver.log" 2>&1 &
	KUBE_PID=$!
	i=0
	while [ ! -f "$WORK/kube/state/ready.json" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -f "$WORK/kube/state/ready.json" ] || vm_die "the API test server did not start (see $RESULTS/host/apiserver.log)"
	KC=$WORK/kube/state/kubeconfig
	python3 "$BENCH_DIR/gen-table.py" $KS $((KS * KM)) >"$WORK/kube/table.jsonl"
	python3 "$BENCH_DIR/gen-table.py" 1 1 >"$WORK/kube/tiny.jsonl"
	B=$WORK/bin/benchrun
	{
		echo "# on the host; KUBECONFIG from tests/kube/apiserver.py --generate-services $KS --endpoints-per-service $KM"
		echo "python3 bench/gen-table.py $KS $((KS * KM)) > table.jsonl"
		echo "ipvstop -j -n 1 --replay=table.jsonl --no-kube"
		echo "ipvstop -j -n 1 --replay=table.jsonl --kubeconfig=KUBECONFIG --kube-wait=600"
		echo "ipvstop -j -n 1 --replay=tiny.jsonl --kubeconfig=KUBECONFIG --kube-wait=600"
	} >"$RESULTS/host/commands.txt"
	for r in 1 2 3; do
		"$B" -l "R size=kube what=replay_nokube rep=$r" -- \
			"$IPVSTOP" -j -n 1 --replay="$WORK/kube/table.jsonl" --no-kube
		"$B" -o "$WORK/kube/doc.json" -l "R size=kube what=replay_kube rep=$r" -- \
			"$IPVSTOP" -j -n 1 --replay="$WORK/kube/table.jsonl" --kubeconfig="$KC" --kube-wait=600
		"$B" -l "R size=kube what=tiny_kube rep=$r" -- \
			"$IPVSTOP" -j -n 1 --replay="$WORK/kube/tiny.jsonl" --kubeconfig="$KC" --kube-wait=600
		"$B" -l "R size=kube what=tiny_nokube rep=$r" -- \
			"$IPVSTOP" -j -n 1 --replay="$WORK/kube/tiny.jsonl" --no-kube
	done >>"$HRES"
	# The dashboard with and without the cluster, on the first 100 of those services (the
	# same addresses and real servers: a screen of them, read from a recording at once, so
	# that the first frame is not the time to parse a big recording): the first frame (a
	# real server row) must not wait for the cluster; mark 1 is when the first Service name
	# (scale/svc-...) shows; the peak RSS once it has (-M), the Kubernetes side's steady state.
	python3 "$BENCH_DIR/gen-table.py" 100 $((100 * KM)) >"$WORK/kube/head.jsonl"
	{
		echo "python3 bench/gen-table.py 100 $((100 * KM)) > head.jsonl"
		echo "ptyprobe -R 50 -C 200 -w 5 -n 3 -m scale/svc- -M 300 -- ipvstop --replay=head.jsonl --kubeconfig=KUBECONFIG"
		echo "ptyprobe -R 50 -C 200 -w 5 -n 3 -M 300 -- ipvstop --replay=head.jsonl --no-kube"
	} >>"$RESULTS/host/commands.txt"
	for r in 1 2 3; do
		"$WORK/bin/ptyprobe" -R 50 -C 200 -F 600 -w 5 -n 3 -m scale/svc- -M 300 -- \
			"$IPVSTOP" --replay="$WORK/kube/head.jsonl" --kubeconfig="$KC" 2>&1 |
			sed "s/^ptyprobe \([a-z_]*\) /R size=kube what=ui_kube_\1 rep=$r /"
		"$WORK/bin/ptyprobe" -R 50 -C 200 -F 600 -w 5 -n 3 -M 300 -- \
			"$IPVSTOP" --replay="$WORK/kube/head.jsonl" --no-kube 2>&1 |
			sed "s/^ptyprobe \([a-z_]*\) /R size=kube what=ui_nokube_\1 rep=$r /"
	done >>"$HRES"
	# Did it read the whole cluster? (synced, services and real servers joined.) A document
	# that cannot be read says so in the results instead of leaving the row empty.
	python3 - "$WORK/kube/doc.json" >>"$HRES" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1], "rb"))
    k = d.get("kube") or {}
    svcs = d["ipvs"]["services"]
    joined = sum(1 for s in svcs if (s.get("kube") or {}).get("service"))
    dj = sum(1 for s in svcs for x in s["destinations"] if (x.get("kube") or {}).get("pod"))
    print("R size=kube what=kube_check synced=%s services=%d joined_services=%d joined_dests=%d"
          % (str(k.get("synced")).lower(), len(svcs), joined, dj))
except Exception as e:  # noqa: BLE001 - any failure is a result to report
    print("R size=kube what=kube_check error=%s" % "_".join(("%s: %s" % (type(e).__name__, e)).split()))
PY
	kill "$KUBE_PID" 2>/dev/null
	wait "$KUBE_PID" 2>/dev/null
	KUBE_PID=
fi

# ---------------------------------------------------------------- the VM
if [ $DO_VM = 1 ]; then
	vm_check_host_tools
	command -v tmux >/dev/null 2>&1 || vm_die "tmux is missing on the host (apt-get install tmux)"
	VM_EXTRA_BINS="tmux $WORK/bin/benchrun $WORK/bin/nlprobe $WORK/bin/nlload $WORK/bin/syncgen $WORK/bin/ptyprobe $WORK/bin/vipspray"
	if [ -n "${IPVSTOP_BENCH_BASELINE:-}" ]; then
		cp "$IPVSTOP_BENCH_BASELINE" "$WORK/bin/ipvstop-base" || vm_die "no baseline binary $IPVSTOP_BENCH_BASELINE"
		VM_EXTRA_BINS="$VM_EXTRA_BINS $WORK/bin/ipvstop-base"
	fi
	VM_EXTRA_FILES="$WORK/calib.jsonl=/bench/calib.jsonl"
	if [ $PROFILE = 1 ] || [ "$DASHMASSIF" -gt 0 ]; then
		[ $PROFILE = 1 ] && command -v perf >/dev/null 2>&1 && VM_EXTRA_BINS="$VM_EXTRA_BINS perf"
		# Debian's valgrind is a wrapper script around valgrind.bin.
		vg=$(command -v valgrind.bin || command -v valgrind)
		if [ -n "$vg" ]; then
			vl=/usr/libexec/valgrind
			[ -d $vl ] || vl=/usr/lib/x86_64-linux-gnu/valgrind
			VM_EXTRA_BINS="$VM_EXTRA_BINS $vg"
			for f in callgrind-amd64-linux massif-amd64-linux vgpreload_core-amd64-linux.so \
				vgpreload_massif-amd64-linux.so default.supp; do
				[ -f "$vl/$f" ] && VM_EXTRA_FILES="$VM_EXTRA_FILES $vl/$f=$vl/$f"
			done
		fi
	fi
	export VM_EXTRA_BINS VM_EXTRA_FILES
	: "${IPVSTOP_VM_MEM:=3G}"
	export IPVSTOP_VM_MEM
	vm_fetch_kernel
	vm_build_initramfs "$WORK/initramfs.gz" test "$BENCH_DIR/guest-bench.sh"
	vm_make_disk "$WORK/results.img" 1G
	TIMEOUT=${IPVSTOP_BENCH_TIMEOUT:-2400}
	conns=$CONNS
	[ $PARTS = all ] || conns=0
	vm_log "booting $VM_KVER (TCG, ${IPVSTOP_VM_SMP:-2} CPUs, $IPVSTOP_VM_MEM, timeout ${TIMEOUT}s): sizes $SIZES, $conns connections on $CONNSIZE"
	vm_log "serial log: $RESULTS/serial.log (follow it with tail -f)"
	echo "R what=host_load when=boot load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$HRES"
	vm_boot "$WORK/initramfs.gz" "$WORK/results.img" "$RESULTS/serial.log" "$TIMEOUT" \
		"ipvstop.sizes=$SIZES ipvstop.conns=$conns ipvstop.connsize=$CONNSIZE ipvstop.reps=$REPS ipvstop.bigreps=$BIGREPS ipvstop.window=$WINDOW ipvstop.profile=$PROFILE ipvstop.parts=$PARTS ipvstop.dashmassif=$DASHMASSIF ipvstop.dashbusy=$DASHBUSY"
	qrc=$?
	vm_log "VM ran for ${VM_T_BOOT}s (exit $qrc)"
	echo "R what=host_load when=end load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$HRES"
	vm_extract_disk "$WORK/results.img" "$RESULTS/out"
	[ -s "$RESULTS/out/results.txt" ] || vm_die "the guest wrote no results (see $RESULTS/serial.log)"
	# One vCPU: the snapshots again, where the second netlink socket's thread cannot help
	# (or the dashboard's part again, with --dash-only).
	part1=snap
	[ $PARTS = dash ] && part1=dash
	if [ $ONECPU = 1 ]; then
		vm_make_disk "$WORK/results1.img" 1G
		vm_log "booting again with 1 vCPU: part $part1 at sizes $SIZES (serial log: $RESULTS/serial-1cpu.log)"
		echo "R what=host_load when=boot1 load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$HRES"
		IPVSTOP_VM_SMP=1 vm_boot "$WORK/initramfs.gz" "$WORK/results1.img" "$RESULTS/serial-1cpu.log" "$TIMEOUT" \
			"ipvstop.sizes=$SIZES ipvstop.conns=0 ipvstop.reps=$REPS ipvstop.bigreps=$BIGREPS ipvstop.profile=$PROFILE ipvstop.parts=$part1 ipvstop.window=$WINDOW"
		vm_log "VM (1 vCPU) ran for ${VM_T_BOOT}s (exit $?)"
		echo "R what=host_load when=end1 load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >>"$HRES"
		vm_extract_disk "$WORK/results1.img" "$RESULTS/out-1cpu"
	fi
fi

# ---------------------------------------------------------------- report
python3 "$BENCH_DIR/report.py" "$RESULTS" >"$RESULTS/report.md" || vm_die "report.py failed"
vm_log "total $(vm_elapsed "$T_START")s; report: $RESULTS/report.md"
cat "$RESULTS/report.md"
