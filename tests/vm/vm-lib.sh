# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# vm-lib.sh: sourced by vm-test.sh, vm-tui-test.sh, vm-kube-test.sh,
# vm-actions-test.sh, vm-faults-test.sh, bench/bench.sh and
# lab.sh. Fetches Debian's cloud kernel (it ships IPVS, every scheduler and
# nf_conntrack as modules), builds a small initramfs around busybox-static
# with the real tools (kmod, ipvsadm, iproute2, setpriv) and the ipvstop
# binary under test, and boots it under QEMU (software emulation: no KVM
# needed).
#
# Needs (Debian packages): qemu-system-x86 busybox-static kmod ipvsadm iproute2
# cpio util-linux (setpriv, flock) python3 (compare.py) and apt (apt-get download).
#
# Callers set VM_SRCDIR (the directory holding this file) before sourcing it.
#
# Callers may set VM_EXTRA_BINS: more host programs (names or paths) to copy
# into the guest's /usr/bin with their libraries (vm-tui-test.sh adds tmux).
#
# Callers may set VM_EXTRA_FILES: "HOST-PATH=GUEST-PATH ..." (no blanks in the
# paths), more files copied into the initramfs with their modes
# (vm-kube-test.sh: a kubeconfig and test-only certificates).
#
# Callers may set VM_GUEST_ENV: "NAME=value ..." (no blanks in a value), exported by the
# guest's /init before it runs the scripts (tools/sanitize.sh: ASAN_OPTIONS for an
# AddressSanitizer ipvstop, whose runtime libraries vm_copy_bin copies like any other).
#
# Callers may set VM_EXTRA_MODULES: more kernel modules (names) for the guest, each with its
# dependencies (vm-dataplane-test.sh: nf_tables, x_tables and ip_set modules).
#
# Callers may set VM_NET=user: vm_boot gives the guest a virtio NIC on QEMU's
# user network (eth0 after modprobe virtio_net; the guest takes 10.0.2.15/24,
# gateway 10.0.2.2, which reaches the host's 127.0.0.1). Unset: no NIC.
# VM_NET_FWD: QEMU user-network forwards from the host into the guest, comma-separated
# (vm-cluster-test.sh: hostfwd=tcp:127.0.0.31:9774-:9774, an agent per VM on its own
# host loopback address).
#
# Environment knobs:
#   IPVSTOP_VM_CACHE       kernel cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/ipvstop-vm)
#   IPVSTOP_VM_KERNEL_PKG  kernel package to use instead of what linux-image-cloud-amd64
#                          depends on (e.g. linux-image-6.1.0-56-cloud-amd64)
#   IPVSTOP_VM_SMP         number of virtual CPUs (default 2)
#   IPVSTOP_VM_MEM         guest memory (default 512M)
#   IPVSTOP_VM_KEEP        keep the work directory (set to 1) for debugging

VM_META_PKG=linux-image-cloud-amd64

# Exit code of the automake test protocol for a hard error.
VM_EXIT_HARD=99

vm_log() {
	printf '%s: %s\n' "${VM_PROG:-vm}" "$*" >&2
}

# A hard error: the rig itself cannot run (no qemu, no kernel package, ...).
# Never skip silently: automake counts 99 as ERROR.
vm_die() {
	printf '%s: ERROR: %s\n' "${VM_PROG:-vm}" "$*" >&2
	exit "$VM_EXIT_HARD"
}

# Seconds since the epoch with a fraction, for timings.
vm_now() {
	date +%s.%N 2>/dev/null | cut -c1-14
}

vm_elapsed() { # start
	awk -v s="$1" -v e="$(vm_now)" 'BEGIN { printf "%.1f", e - s }'
}

vm_cache_dir() {
	printf '%s\n' "${IPVSTOP_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ipvstop-vm}"
}

# Checks that the host tools the rig needs are there.
vm_check_host_tools() {
	missing=
	for t in qemu-system-x86_64 busybox kmod ipvsadm ip setpriv cpio gzip \
		dpkg-deb apt-get apt-cache timeout ldd; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		vm_die "missing host tools:$missing (apt-get install qemu-system-x86 busybox-static kmod ipvsadm iproute2 cpio util-linux)"
	fi
	# busybox must be the static one: it runs in the guest without libraries.
	if ldd "$(command -v busybox)" >/dev/null 2>&1; then
		vm_die "$(command -v busybox) is dynamically linked: install busybox-static"
	fi
}

# The versioned kernel package that the metapackage depends on.
vm_kernel_pkg_name() {
	apt-cache depends "$VM_META_PKG" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: *\(linux-image-[^ ]*-cloud-amd64\) *$/\1/p' | head -n 1
}

vm_apt_update() {
	if [ "$(id -u)" = 0 ]; then
		vm_log "running apt-get update"
		apt-get update -qq >&2 || vm_log "apt-get update failed"
	else
		vm_log "not root: cannot run apt-get update"
	fi
}

# Sets VM_KROOT (unpacked package), VM_KVER and VM_VMLINUZ. Downloads the kernel
# package into the cache on first use; later runs reuse the unpacked tree.
vm_fetch_kernel() {
	_cache=$(vm_cache_dir)
	mkdir -p "$_cache" || vm_die "cannot create the cache directory $_cache"
	_t0=$(vm_now)
	# One download at a time (parallel make check and a lab).
	if command -v flock >/dev/null 2>&1; then
		exec 8>"$_cache/.lock"
		flock 8
	fi
	_pkg=${IPVSTOP_VM_KERNEL_PKG:-}
	[ -n "$_pkg" ] || _pkg=$(vm_kernel_pkg_name)
	if [ -z "$_pkg" ]; then
		vm_log "apt-cache does not know $VM_META_PKG"
		vm_apt_update
		_pkg=$(vm_kernel_pkg_name)
	fi
	if [ -z "$_pkg" ]; then
		# Offline and no package lists: fall back to a kernel in the cache.
		_pkg=$(cd "$_cache" && ls -d linux-image-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
		[ -n "$_pkg" ] && [ -f "$_cache/$_pkg/.unpacked" ] ||
			vm_die "cannot find the kernel package: apt-cache depends $VM_META_PKG gives nothing and nothing is cached in $_cache"
		vm_log "using the cached $_pkg"
	fi
	_dir=$_cache/$_pkg
	if [ ! -f "$_dir/.unpacked" ]; then
		_deb=$(ls "$_cache/${_pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$_deb" ]; then
			vm_log "downloading $_pkg into $_cache"
			# As root, apt would drop to _apt, who cannot write here,
			# and warn that it downloads as root anyway.
			_aptopt=
			[ "$(id -u)" = 0 ] && _aptopt="-o APT::Sandbox::User=root"
			# shellcheck disable=SC2086
			if ! (cd "$_cache" && apt-get download -q $_aptopt "$_pkg" >&2); then
				vm_apt_update
				# shellcheck disable=SC2086
				(cd "$_cache" && apt-get download -q $_aptopt "$_pkg" >&2) ||
					vm_die "apt-get download $_pkg failed"
			fi
			_deb=$(ls "$_cache/${_pkg}"_*.deb 2>/dev/null | sort -V | tail -n 1)
			[ -n "$_deb" ] || vm_die "apt-get download $_pkg left no .deb in $_cache"
		fi
		rm -rf "$_dir.tmp"
		dpkg-deb -x "$_deb" "$_dir.tmp" || vm_die "dpkg-deb -x $_deb failed"
		_kver=$(ls "$_dir.tmp/lib/modules" | head -n 1)
		[ -n "$_kver" ] || vm_die "$_deb has no /lib/modules"
		# The package does not ship modules.dep: make it, so that
		# modprobe --show-depends can compute the module closure.
		depmod -b "$_dir.tmp" "$_kver" || vm_die "depmod -b $_dir.tmp failed"
		rm -rf "$_dir"
		mv "$_dir.tmp" "$_dir"
		touch "$_dir/.unpacked"
		rm -f "$_deb"
	fi
	if command -v flock >/dev/null 2>&1; then
		exec 8>&-
	fi
	VM_KROOT=$_dir
	VM_KVER=$(ls "$_dir/lib/modules" | head -n 1)
	VM_VMLINUZ=$_dir/boot/vmlinuz-$VM_KVER
	[ -f "$VM_VMLINUZ" ] || vm_die "no kernel image $VM_VMLINUZ"
	VM_T_FETCH=$(vm_elapsed "$_t0")
	vm_log "kernel $VM_KVER ($_pkg) ready in ${VM_T_FETCH}s"
}

# Modules the guest needs. The optional ones may be missing from a kernel.
VM_MODULES_REQUIRED="ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr
ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh nf_conntrack
nf_defrag_ipv4 nf_defrag_ipv6 libcrc32c veth dummy virtio_pci virtio_net net_failover
failover virtio_blk"
VM_MODULES_OPTIONAL="ip_vs_pe_sip ip_vs_ftp"

# Copies one file (following links) to the same path under the root $1.
vm_copy_file() { # root file [dest]
	_d=${3:-$2}
	mkdir -p "$1$(dirname "$_d")"
	cp -L "$2" "$1$_d" || vm_die "cannot copy $2"
}

# Copies a binary and the whole closure of its shared libraries.
vm_copy_bin() { # root binary [dest]
	vm_copy_file "$1" "$2" "${3:-$2}"
	chmod 0755 "$1${3:-$2}"
	ldd "$2" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3 }
		$1 ~ /^\// { print $1 }' | while read -r _lib; do
		[ -e "$1$_lib" ] || vm_copy_file "$1" "$_lib"
	done
	if ldd "$2" 2>/dev/null | grep -q 'not found'; then
		vm_die "$2 has unresolved libraries: $(ldd "$2" | grep 'not found' | tr '\n' ' ')"
	fi
	# ipvstop loads libcurl, libmicrohttpd and GnuTLS when used (src/dl.h): --version
	# names them, and they come with their own closures.
	case ${2##*/} in
	ipvstop*)
		for _so in $(LC_ALL=C "$2" --version 2>/dev/null | sed -n 's/^Loaded when used: //p'); do
			_p=$(vm_soname_path "$_so")
			[ -n "$_p" ] || vm_die "$2 loads $_so when used, and this host has none"
			[ -e "$1$_p" ] || vm_copy_bin "$1" "$_p"
		done
		;;
	esac
}

# The path of a library by its soname, as the dynamic linker's cache has it (64-bit).
vm_soname_path() { # soname
	/sbin/ldconfig -p | awk -v s="$1" '$1 == s && /x86-64/ { print $NF; exit }'
}

# The netfilter side of a guest (vm-dataplane-test.sh, bench/vm-dataplane-bench.sh), after
# vm_fetch_kernel: every netfilter and ip_set module of the kernel in VM_EXTRA_MODULES (the
# guest kernel loads the ones a rule needs by itself, request_module, as a node's does);
# Debian's nft, ipset, xtables-nft-multi and xtables-legacy-multi added to VM_EXTRA_BINS;
# the iptables extensions (dlopen()ed, not linked: copied to where libxtables looks, each
# with the libraries it needs, libm for libxt_statistic, ...), /etc/protocols and
# /etc/services added to VM_EXTRA_FILES. Dies (99) when the host lacks one of them.
vm_netfilter_guest() {
	for _t in nft ipset xtables-nft-multi xtables-legacy-multi; do
		command -v "$_t" >/dev/null 2>&1 ||
			vm_die "$_t is missing on the host (apt-get install nftables ipset iptables)"
	done
	_xt=/usr/lib/x86_64-linux-gnu/xtables
	[ -d "$_xt" ] || vm_die "no iptables extensions in $_xt"
	_mdir=$VM_KROOT/lib/modules/$VM_KVER/kernel/net
	_nfm=$(find "$_mdir/netfilter" "$_mdir/ipv4/netfilter" "$_mdir/ipv6/netfilter" \
		-name '*.ko*' ! -path '*/ipvs/*' | sed 's#.*/##; s#\.ko.*##' | sort)
	[ -n "$_nfm" ] || vm_die "no netfilter modules under $_mdir"
	VM_EXTRA_MODULES="${VM_EXTRA_MODULES:-} $_nfm"
	VM_EXTRA_BINS="${VM_EXTRA_BINS:-} nft ipset xtables-nft-multi xtables-legacy-multi"
	for _f in $( (ls "$_xt"/*.so && ldd "$_xt"/*.so | awk '$2 == "=>" && $3 ~ /^\// { print $3 }') | sort -u); do
		VM_EXTRA_FILES="${VM_EXTRA_FILES:-} $_f=$_f"
	done
	for _f in /etc/protocols /etc/services; do
		[ -f "$_f" ] && VM_EXTRA_FILES="$VM_EXTRA_FILES $_f=$_f"
	done
}

# Builds the initramfs $1 (cpio.gz). $2: the mode written to /etc/ipvstop-vm-mode
# ("test" or "lab"), $3...: guest scripts to run in order (paths on the host).
vm_build_initramfs() { # out mode script...
	_out=$1
	_mode=$2
	shift 2
	_t0=$(vm_now)
	[ -n "${VM_KROOT:-}" ] || vm_die "vm_fetch_kernel first"
	[ -n "${IPVSTOP:-}" ] || vm_die "IPVSTOP (path of the ipvstop binary) is not set"
	[ -x "$IPVSTOP" ] || vm_die "IPVSTOP=$IPVSTOP is not an executable"
	_r=$(mktemp -d "${TMPDIR:-/tmp}/ipvstop-initramfs.XXXXXX") || vm_die "mktemp failed"
	# mktemp made it 0700: it becomes the guest's /, which "nobody" must traverse.
	chmod 0755 "$_r"
	mkdir -p "$_r/bin" "$_r/sbin" "$_r/usr/bin" "$_r/usr/sbin" "$_r/etc" "$_r/proc" \
		"$_r/sys" "$_r/dev" "$_r/tmp" "$_r/run" "$_r/var/run" "$_r/root" "$_r/tests" \
		"$_r/lib/x86_64-linux-gnu" "$_r/lib64" "$_r/usr/lib/x86_64-linux-gnu" \
		"$_r/var/empty" "$_r/out"
	chmod 1777 "$_r/tmp"

	# The real tools first; busybox applets fill in the rest.
	vm_copy_bin "$_r" "$(command -v kmod)" /usr/bin/kmod
	for _a in modprobe lsmod rmmod insmod modinfo depmod; do
		ln -s ../bin/kmod "$_r/usr/sbin/$_a"
		# The kernel runs /sbin/modprobe to load schedulers and link types.
		ln -s ../usr/bin/kmod "$_r/sbin/$_a"
	done
	vm_copy_bin "$_r" "$(command -v ipvsadm)" /usr/sbin/ipvsadm
	vm_copy_bin "$_r" "$(command -v ip)" /usr/sbin/ip
	vm_copy_bin "$_r" "$(command -v setpriv)" /usr/bin/setpriv
	vm_copy_bin "$_r" "$IPVSTOP" /usr/sbin/ipvstop
	# Host tools a caller asks for (vm-tui-test.sh: tmux), each with its
	# libraries, in /usr/bin. Unset: the initramfs is as before.
	for _b in ${VM_EXTRA_BINS:-}; do
		_p=$(command -v "$_b") || vm_die "VM_EXTRA_BINS: no $_b on this host"
		vm_copy_bin "$_r" "$_p" "/usr/bin/$(basename "$_p")"
	done
	# Files a caller asks for (vm-kube-test.sh: kubeconfig, certificates).
	for _f in ${VM_EXTRA_FILES:-}; do
		case $_f in
		*=/*) ;;
		*) vm_die "VM_EXTRA_FILES: $_f is not HOST-PATH=/GUEST-PATH" ;;
		esac
		mkdir -p "$_r$(dirname "${_f#*=}")"
		cp -p "${_f%%=*}" "$_r${_f#*=}" || vm_die "VM_EXTRA_FILES: cannot copy ${_f%%=*}"
	done
	cp "$(command -v busybox)" "$_r/bin/busybox"
	for _a in $("$_r/bin/busybox" --list); do
		case $_a in busybox) continue ;; esac
		if [ ! -e "$_r/bin/$_a" ] && [ ! -e "$_r/sbin/$_a" ] &&
			[ ! -e "$_r/usr/bin/$_a" ] && [ ! -e "$_r/usr/sbin/$_a" ]; then
			ln -s busybox "$_r/bin/$_a"
		fi
	done

	# Terminal descriptions for the lab and vm-tui-test.sh (ncursesw, tmux) and
	# the C.UTF-8 locale.
	for _t in xterm xterm-256color xterm-color screen screen-256color tmux \
		tmux-256color linux vt100 vt102 vt220 dumb ansi rxvt-unicode \
		rxvt-unicode-256color "${TERM:-dumb}"; do
		_c=$(printf %s "$_t" | cut -c1)
		for _d in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
			if [ -e "$_d/$_c/$_t" ] && [ ! -e "$_r/usr/share/terminfo/$_c/$_t" ]; then
				vm_copy_file "$_r" "$_d/$_c/$_t" "/usr/share/terminfo/$_c/$_t"
			fi
		done
	done
	if [ -d /usr/lib/locale/C.utf8 ]; then
		mkdir -p "$_r/usr/lib/locale"
		cp -rL /usr/lib/locale/C.utf8 "$_r/usr/lib/locale/"
	fi

	# Kernel modules and what modprobe/libkmod need to find them.
	_mroot=$VM_KROOT/lib/modules/$VM_KVER
	_mods=$(mktemp) || vm_die "mktemp failed"
	for _m in $VM_MODULES_REQUIRED ${VM_EXTRA_MODULES:-}; do
		modprobe -d "$VM_KROOT" -S "$VM_KVER" --show-depends "$_m" >>"$_mods" ||
			vm_die "kernel $VM_KVER has no module $_m"
	done
	for _m in $VM_MODULES_OPTIONAL; do
		modprobe -d "$VM_KROOT" -S "$VM_KVER" --show-depends "$_m" >>"$_mods" 2>/dev/null ||
			vm_log "kernel $VM_KVER has no module $_m (optional)"
	done
	awk '$1 == "insmod" { print $2 }' "$_mods" | sort -u | while read -r _f; do
		_rel=${_f#"$_mroot"/}
		mkdir -p "$_r/lib/modules/$VM_KVER/$(dirname "$_rel")"
		cp "$_f" "$_r/lib/modules/$VM_KVER/$_rel"
	done
	rm -f "$_mods"
	for _f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$_mroot/$_f" ] && cp "$_mroot/$_f" "$_r/lib/modules/$VM_KVER/"
	done
	depmod -b "$_r" "$VM_KVER" || vm_die "depmod -b for the initramfs failed"

	# A tiny /etc: ipvstop runs as "nobody" for the /proc fallback check.
	cat >"$_r/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$_r/etc/group" <<-'EOF'
		root:x:0:
		nogroup:x:65534:
	EOF
	echo ipvstop-vm >"$_r/etc/hostname"
	printf '127.0.0.1 localhost ipvstop-vm\n::1 localhost\n' >"$_r/etc/hosts"
	printf 'hosts: files\npasswd: files\ngroup: files\n' >"$_r/etc/nsswitch.conf"
	printf '%s\n' "$_mode" >"$_r/etc/ipvstop-vm-mode"
	: >"$_r/etc/ipvstop-vm-env"
	# where sanitizer reports go (ipvstop also runs as nobody); back with /out
	mkdir -p "$_r/out/san"
	chmod 1777 "$_r/out/san"
	for _e in ${VM_GUEST_ENV:-}; do
		printf 'export %s\n' "$_e" >>"$_r/etc/ipvstop-vm-env"
	done
	# No stray dummy0 when the dummy module loads.
	mkdir -p "$_r/etc/modprobe.d"
	echo "options dummy numdummies=0" >"$_r/etc/modprobe.d/dummy.conf"

	# The guest scripts, run by /init in this order, and guest-lib.sh beside
	# them (the checking scripts source it; /init does not run it).
	cp "$VM_SRCDIR/guest-lib.sh" "$_r/tests/guest-lib.sh" || vm_die "cannot copy guest-lib.sh"
	: >"$_r/tests/run.list"
	for _s in "$@"; do
		cp "$_s" "$_r/tests/$(basename "$_s")"
		basename "$_s" >>"$_r/tests/run.list"
	done
	vm_write_init "$_r/init"

	(cd "$_r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$_out" ||
		vm_die "cannot write the initramfs $_out"
	rm -rf "$_r"
	VM_T_INITRAMFS=$(vm_elapsed "$_t0")
	vm_log "initramfs $_out ($(du -k "$_out" | cut -f1) KiB) built in ${VM_T_INITRAMFS}s"
}

# The guest's /init (busybox ash). Runs every script of /tests/run.list with
# its output on the console and in /out/<script>.log, its exit code in
# /out/<script>.rc, then writes /out as a tar archive onto the first virtio
# disk (if any) and powers off. Kernel messages never reach the results: they
# travel on the disk, not on the serial console.
vm_write_init() { # path
	cat >"$1" <<-'EOF'
		#!/bin/sh
		export PATH=/usr/sbin:/usr/bin:/sbin:/bin
		export HOME=/root
		mount -t proc proc /proc
		mount -t sysfs sysfs /sys
		mount -t devtmpfs devtmpfs /dev 2>/dev/null
		mkdir -p /dev/pts /dev/shm /run/netns
		mount -t devpts devpts /dev/pts 2>/dev/null
		mount -t tmpfs tmpfs /dev/shm
		mount -t tmpfs tmpfs /run
		mkdir -p /run/netns
		# Keep the console for the scripts: no printk below "emergency".
		dmesg -n 1
		hostname ipvstop-vm
		/usr/sbin/ip link set lo up
		mode=$(cat /etc/ipvstop-vm-mode)
		. /etc/ipvstop-vm-env
		for w in $(cat /proc/cmdline); do
			case $w in ipvstop.*=*) k=${w%%=*}; k=${k#ipvstop.}; eval "VM_ARG_$k=\${w#*=}"; export "VM_ARG_$k" ;; esac
		done
		echo "ipvstop-vm: $(uname -r) up after $(cut -d' ' -f1 /proc/uptime)s, mode $mode"
		/usr/sbin/modprobe virtio_pci
		/usr/sbin/modprobe virtio_blk
		export OUT=/out
		echo "$(cut -d' ' -f1 /proc/uptime) booted" >>/out/timing
		for s in $(cat /tests/run.list); do
			echo "ipvstop-vm: running $s"
			if [ "$mode" = lab ] && [ "$s" = guest-lab.sh ]; then
				# Interactive: the serial console as controlling terminal,
				# so that Ctrl-C reaches ipvstop.
				setsid -c sh /tests/$s </dev/ttyS0 >/dev/ttyS0 2>&1
				echo $? >/out/$s.rc
			else
				# Output to the log file, copied live to the console by
				# tail: daemons that a script leaves behind holding its
				# stdout cannot block anything.
				: >/out/$s.log
				tail -f /out/$s.log &
				tailpid=$!
				sh /tests/$s </dev/null >>/out/$s.log 2>&1
				echo $? >/out/$s.rc
				sleep 1
				kill $tailpid
			fi
			echo "ipvstop-vm: $s exited $(cat /out/$s.rc) at $(cut -d' ' -f1 /proc/uptime)s"
			echo "$(cut -d' ' -f1 /proc/uptime) $s done" >>/out/timing
		done
		dmesg >/out/dmesg.txt
		if [ -b /dev/vda ]; then
			tar -c -f /dev/vda -C /out . && sync
			echo "ipvstop-vm: results written"
		fi
		echo "ipvstop-vm: powering off"
		poweroff -f
	EOF
	chmod 0755 "$1"
}

# Boots the VM. $1 initramfs, $2 results disk (raw, may be empty: none), $3 serial
# log (or "-": the caller's terminal, interactive), $4 hard timeout in seconds
# (0: none), $5 extra kernel arguments. Returns qemu's (or timeout's) exit code.
vm_boot() { # initramfs disk log timeout append
	_smp=${IPVSTOP_VM_SMP:-2}
	_mem=${IPVSTOP_VM_MEM:-512M}
	set -- "$1" "$2" "$3" "$4" "console=ttyS0 panic=-1 quiet ${5:-}"
	_disk=
	[ -n "$2" ] && _disk="-drive file=$2,format=raw,if=virtio,cache=unsafe"
	_to=
	[ "$4" != 0 ] && _to="timeout -k 5 $4"
	# VM_NET=user: a virtio NIC on QEMU's user network (no option ROM: none
	# is needed to boot with -kernel, and the ROM file may be missing).
	_net=
	case ${VM_NET:-} in
	'') ;;
	user) _net="-netdev user,id=net0${VM_NET_FWD:+,$VM_NET_FWD} -device virtio-net-pci,netdev=net0,romfile=" ;;
	*) vm_die "VM_NET=$VM_NET: only 'user' is known" ;;
	esac
	_t0=$(vm_now)
	if [ "$3" = - ]; then
		# shellcheck disable=SC2086 # word splitting of _to and _disk is wanted
		# Like -nographic: the serial console and the monitor share the
		# terminal (Ctrl-A X quits, Ctrl-A C the monitor); signal=off
		# passes Ctrl-C to the guest instead of killing QEMU.
		$_to qemu-system-x86_64 -accel tcg -cpu max -smp "$_smp" -m "$_mem" \
			-nodefaults -no-user-config -no-reboot -display none \
			-chardev stdio,id=con,mux=on,signal=off -serial chardev:con \
			-mon chardev=con,mode=readline \
			-kernel "$VM_VMLINUZ" -initrd "$1" -append "$5" $_disk $_net
		_rc=$?
	else
		# shellcheck disable=SC2086
		$_to qemu-system-x86_64 -accel tcg -cpu max -smp "$_smp" -m "$_mem" \
			-nodefaults -no-user-config -no-reboot -display none -monitor none \
			-chardev "file,id=con,path=$3" -serial chardev:con \
			-kernel "$VM_VMLINUZ" -initrd "$1" -append "$5" $_disk $_net </dev/null
		_rc=$?
	fi
	# shellcheck disable=SC2034 # read by the callers
	VM_T_BOOT=$(vm_elapsed "$_t0")
	return $_rc
}

# Makes an empty raw disk for the results.
vm_make_disk() { # path size
	rm -f "$1"
	truncate -s "${2:-32M}" "$1" || vm_die "cannot create $1"
}

# Extracts the tar archive that the guest wrote onto the disk.
vm_extract_disk() { # disk dir
	mkdir -p "$2"
	# An untouched disk is all zeros: tar sees an empty archive.
	tar -x -f "$1" -C "$2" 2>/dev/null
}

# ---------------------------------------------------------------- the VM tests' protocol
# What vm-tui-test.sh, vm-kube-test.sh, vm-actions-test.sh and vm-faults-test.sh
# share: the start, the results and work directories (vm-test.sh too); one "ok -
# NAME" or "not ok - NAME" line per check, counted in passed and failed; the boot
# with the rig's own check; the guest's result lines; the summary. (vm-test.sh and
# bench.sh use vm_boot directly.)
# shellcheck source=tests/lib.sh
. "$VM_SRCDIR/../lib.sh"
show_tail() { # file lines
	if [ -s "$1" ]; then
		echo "---------- $1 (last $2 lines)"
		tail -n "$2" "$1" | tr -d '\r'
	fi
}

# The start of a VM test: T_START, IPVSTOP made absolute (default
# $top_builddir/ipvstop) and checked, and the rig's host tools.
# vm_need_tmux: the dashboard runs in tmux in the guest: the host's tmux goes into its
# initramfs (VM_EXTRA_BINS gains it); without it, the test stops saying so.
vm_need_tmux() {
	command -v tmux >/dev/null 2>&1 ||
		vm_die "tmux is missing on the host (apt-get install tmux): it runs the dashboard in the guest"
	VM_EXTRA_BINS="tmux${VM_EXTRA_BINS:+ $VM_EXTRA_BINS}"
}

vm_test_start() {
	T_START=$(vm_now)
	IPVSTOP=${IPVSTOP:-${top_builddir:-.}/ipvstop}
	case $IPVSTOP in /*) ;; *) IPVSTOP=$(pwd)/$IPVSTOP ;; esac
	[ -x "$IPVSTOP" ] || vm_die "no ipvstop binary at $IPVSTOP (set IPVSTOP)"
	vm_check_host_tools
}

# Sets RESULTS to the directory $1 (made, absolute; its out/, serial.log and
# the files $2... in it removed) and WORK to a fresh temporary directory,
# removed at exit (vm_test_cleanup) unless IPVSTOP_VM_KEEP=1.
vm_test_dirs() { # results [file...]
	RESULTS=$1
	shift
	mkdir -p "$RESULTS" || vm_die "cannot create $RESULTS"
	RESULTS=$(cd "$RESULTS" && pwd)
	rm -rf "$RESULTS/out" "$RESULTS/serial.log"
	for _f in "$@"; do
		rm -rf "${RESULTS:?}/$_f"
	done
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/ipvstop-$VM_PROG.XXXXXX") || vm_die "mktemp failed"
	trap vm_test_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}
vm_test_cleanup() {
	[ "${IPVSTOP_VM_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}

# The kernel, an initramfs of the guest scripts $3... ("test" mode) and the
# boot (vm_run_guest) with a results disk of $1; $2 is the hard limit in
# seconds unless IPVSTOP_VM_TIMEOUT says otherwise (TIMEOUT).
vm_test_boot() { # disk-size default-timeout script...
	_vt_size=$1
	TIMEOUT=${IPVSTOP_VM_TIMEOUT:-$2}
	shift 2
	vm_fetch_kernel
	vm_build_initramfs "$WORK/initramfs.gz" test "$@"
	vm_run_guest "$WORK/initramfs.gz" "$WORK/results.img" "$_vt_size" "$TIMEOUT"
}

# Boots the initramfs $1 with the results disk $2 (made here, $3 big), the
# serial log in $RESULTS/serial.log and a hard limit of $4 seconds, extracts
# what the guest wrote into $RESULTS/out (O) and checks that the VM finished
# in time (a failure, never a silent skip). Sets qrc (qemu's exit code) and O.
# $5: words for the boot line (e.g. "user network"); $6: more kernel arguments.
vm_run_guest() { # initramfs disk size timeout [what [append]]
	vm_make_disk "$2" "$3"
	vm_log "booting $VM_KVER (TCG${5:+, $5}, timeout ${4}s); serial log: $RESULTS/serial.log"
	vm_boot "$1" "$2" "$RESULTS/serial.log" "$4" "${6:-}"
	qrc=$?
	vm_log "VM ran for ${VM_T_BOOT}s (exit $qrc)"
	if [ ! -s "$RESULTS/serial.log" ]; then
		vm_die "qemu-system-x86_64 failed to start (exit $qrc, no console output)"
	fi
	vm_extract_disk "$2" "$RESULTS/out"
	O=$RESULTS/out
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		not_ok "the VM finished within ${4}s"
		show_tail "$RESULTS/serial.log" 40
	else
		ok "the VM finished within ${4}s (${VM_T_BOOT}s)"
	fi
}

# Counts and prints a guest script's result file ($1, lines "ok N - name" and
# "not ok N - name: why [WHAT]"), then checks that the script $2 ran every
# check ("complete N"). For a failed check it shows what the guest kept for it:
# $O/WHAT.screen.txt and $O/WHAT.truth.txt, or the file $O/WHAT itself.
vm_guest_results() { # results-file script
	if [ -f "$1" ]; then
		while IFS= read -r _line; do
			case $_line in
			"ok "*)
				passed=$((passed + 1))
				echo "$_line"
				;;
			"not ok "*)
				failed=$((failed + 1))
				echo "$_line"
				_what=$(printf '%s\n' "$_line" | sed -n 's/.*\[\([^]]*\)\]$/\1/p')
				if [ -n "$_what" ]; then
					for _f in "$O/$_what.screen.txt" "$O/$_what.truth.txt" "$O/$_what"; do
						if [ -f "$_f" ]; then
							echo "---------- $_f"
							head -n 80 "$_f"
						fi
					done
					echo "----------"
				fi
				;;
			esac
		done <"$1"
	fi
	if grep -q '^complete [0-9]' "$1" 2>/dev/null; then
		ok "$2 ran every check ($(sed -n 's/^complete //p' "$1"))"
	else
		not_ok "$2 ran every check (it stopped: exit $(cat "$O/$2.rc" 2>/dev/null || echo none))"
		show_tail "$O/$2.log" 30
		show_tail "$RESULTS/serial.log" 20
	fi
}

# vm_guest_table_ok: the verdict on guest-table.sh (the IPVS table and its traffic) from
# its exit status in $O, with the tail of its log and notes when it failed.
vm_guest_table_ok() {
	if [ "$(cat "$O/guest-table.sh.rc" 2>/dev/null)" = 0 ]; then
		ok "guest-table.sh built the IPVS table and sent traffic"
	else
		not_ok "guest-table.sh built the IPVS table and sent traffic (exit $(cat "$O/guest-table.sh.rc" 2>/dev/null || echo none))"
		show_tail "$O/guest-table.sh.log" 30
		show_tail "$O/table-notes.txt" 10
	fi
}

# The timings, the summary line and the exit status of a VM test.
vm_summary() {
	vm_log "timings: kernel fetch ${VM_T_FETCH}s, initramfs ${VM_T_INITRAMFS}s, VM ${VM_T_BOOT}s, total $(vm_elapsed "$T_START")s"
	if [ -f "$O/timing" ]; then
		vm_log "guest uptime marks: $(tr '\n' ';' <"$O/timing")"
	fi
	[ "$failed" = 0 ] || vm_log "all outputs are in $RESULTS"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# ---------------------------------------------------------------- the API server double
# For the VM tests that need a cluster (vm-dataplane-test.sh): tests/kube/apiserver.py with
# the scenario $1, state and certificates under $WORK, its log in $RESULTS/apiserver.log.
# Bound to 127.0.0.1: QEMU's user network turns the guest's connections to 10.0.2.2 into
# connections to the host's 127.0.0.1 (its certificate has 10.0.2.2 among its names).
# vm_apiserver_start starts it (SERVER_PID) and makes vm_apiserver_cleanup the exit trap (it
# stops the server, then vm_test_cleanup); vm_apiserver_ready waits for it and sets
# KUBE_URL, KUBE_GUEST_URL (what the guest uses) and KUBE_STATE (its kubeconfig-guest holds
# inline credentials), or dies (99).
vm_apiserver_cleanup() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	vm_test_cleanup
}
vm_apiserver_start() { # scenario
	trap vm_apiserver_cleanup EXIT
	KUBE_STATE=$WORK/state
	mkdir -p "$KUBE_STATE" "$WORK/certs"
	python3 "$VM_SRCDIR/../kube/apiserver.py" --state "$KUBE_STATE" --cert-dir "$WORK/certs" \
		--port 0 --bind 127.0.0.1 --scenario "$1" >"$RESULTS/apiserver.log" 2>&1 &
	SERVER_PID=$!
}
vm_apiserver_ready() {
	_i=0
	while [ ! -f "$KUBE_STATE/ready.env" ] && [ $_i -lt 200 ]; do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ ! -f "$KUBE_STATE/ready.env" ]; then
		tail -n 20 "$RESULTS/apiserver.log" >&2
		vm_die "the API server double did not start (see $RESULTS/apiserver.log)"
	fi
	KUBE_URL=$(sed -n 's/^KUBE_URL=//p' "$KUBE_STATE/ready.env")
	KUBE_GUEST_URL=$(sed -n 's/^KUBE_GUEST_URL=//p' "$KUBE_STATE/ready.env")
	[ -n "$KUBE_URL" ] && [ -n "$KUBE_GUEST_URL" ] && [ -f "$KUBE_STATE/kubeconfig-guest" ] ||
		vm_die "the API server's ready.env lacks KUBE_URL/KUBE_GUEST_URL or kubeconfig-guest"
	curl -sS --max-time 5 --cacert "$WORK/certs/ca.crt" "$KUBE_URL/healthz" >"$WORK/healthz" 2>&1 &&
		[ "$(cat "$WORK/healthz")" = ok ] ||
		vm_die "the API server does not answer $KUBE_URL/healthz: $(cat "$WORK/healthz")"
	vm_log "API server double on $KUBE_URL (the guest: $KUBE_GUEST_URL)"
}
