#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh: install, with apt-get, whatever the build, the tests and the lab VM need and is missing
# (clang and libclang-rt-dev: libFuzzer and clang's sanitizer runtimes for fuzz/run.sh; gcc's
# libasan and libubsan come with build-essential; prometheus: its promtool checks the agent's
# /metrics in tests/prom/promtool-test.sh).
set -e
PKGS="build-essential autoconf automake autopoint gettext pkg-config \
libnl-3-dev libnl-genl-3-dev libncurses-dev libcurl4-openssl-dev libcjson-dev libkmod-dev libyaml-dev check \
libnftables-dev libnftnl-dev libmnl-dev libiptc-dev libipset-dev libnl-route-3-dev \
libmicrohttpd-dev libgnutls28-dev \
nftables iptables ipset \
qemu-system-x86 busybox-static ipvsadm kmod cpio iproute2 util-linux tmux python3 \
locales valgrind clang libclang-rt-dev prometheus"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# kubectl is not in Debian's archive: the machine image brings it. Say so early and loudly.
command -v kubectl >/dev/null 2>&1 ||
	echo "deps.sh: WARNING: kubectl is not installed; the Kubernetes API tests need the real client" >&2
# The dashboard's tests run it in Chinese: the zh_CN.UTF-8 locale must exist; and in
# German (de_DE.UTF-8), whose decimal comma must not reach the numbers (tui-fault-test.sh).
LOCALES="zh_CN de_DE"
need_locale=0
for l in $LOCALES; do
	locale -a 2>/dev/null | grep -qix "$l.utf8" || need_locale=1
done
[ -z "$missing" ] && [ "$need_locale" = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root (or sudo) to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "deps.sh: installing$missing"
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
if [ "$need_locale" = 1 ]; then
	for l in $LOCALES; do
		echo "deps.sh: the $l.UTF-8 locale"
		grep -q "^$l.UTF-8 UTF-8" /etc/locale.gen 2>/dev/null ||
			echo "$l.UTF-8 UTF-8" >> /etc/locale.gen
	done
	locale-gen >/dev/null
fi
