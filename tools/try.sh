#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# try.sh: install what is missing, build, and start ipvstop: live on a host with IPVS,
# otherwise inside the lab VM (a real IPVS kernel under QEMU with a sample table and traffic).
set -e
cd "$(dirname "$0")/.."
sh tools/deps.sh
[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
if [ -e /proc/net/ip_vs ]; then
	exec ./ipvstop "$@"
fi
echo "This host's kernel has no IPVS loaded (no /proc/net/ip_vs): starting the lab VM instead."
echo "(To use this host, load it yourself first: modprobe ip_vs)"
exec make lab
