#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# gen-netlink-seeds.py: writes the seed corpus of fuzz_ipvs_netlink: IPVS generic netlink
# replies laid out as the kernel's ip_vs_genl_fill_service/_dest/_daemon and the GET_INFO and
# GET_CONFIG handlers put them (attribute order, sizes, the 16-byte address union, the
# 32-bit STATS beside STATS64), with the values of the table the VM test builds
# (tests/vm/guest-table.sh). Usage: gen-netlink-seeds.py DIR
import ipaddress
import os
import socket
import struct
import sys

FAMILY = 0x22  # any id >= NLMSG_MIN_TYPE; the kernel assigns IPVS's at registration
NLM_F_MULTI = 2

# enum values from <linux/ip_vs.h>
CMD_NEW_SERVICE, CMD_NEW_DEST, CMD_NEW_DAEMON, CMD_SET_CONFIG, CMD_SET_INFO = 1, 5, 9, 12, 14
CMD_ATTR_SERVICE, CMD_ATTR_DEST, CMD_ATTR_DAEMON = 1, 2, 3
CMD_ATTR_TIMEOUT_TCP, CMD_ATTR_TIMEOUT_TCP_FIN, CMD_ATTR_TIMEOUT_UDP = 4, 5, 6
SVC_AF, SVC_PROTOCOL, SVC_ADDR, SVC_PORT, SVC_FWMARK, SVC_SCHED, SVC_FLAGS, SVC_TIMEOUT, \
    SVC_NETMASK, SVC_STATS, SVC_PE, SVC_STATS64 = range(1, 13)
D_ADDR, D_PORT, D_FWD, D_WEIGHT, D_UTH, D_LTH, D_ACT, D_INACT, D_PERSIST, D_STATS, D_AF, \
    D_STATS64, D_TUN_TYPE, D_TUN_PORT, D_TUN_FLAGS = range(1, 16)
DM_STATE, DM_IFN, DM_SYNCID, DM_MAXLEN, DM_GROUP, DM_GROUP6, DM_PORT, DM_TTL = range(1, 9)
INFO_VERSION, INFO_CONN_TAB_SIZE = 1, 2


def attr(t, payload):
    a = struct.pack("=HH", 4 + len(payload), t) + payload
    return a + b"\0" * (-len(a) % 4)


def u8(t, v): return attr(t, struct.pack("=B", v))
def u16(t, v): return attr(t, struct.pack("=H", v))
def be16(t, v): return attr(t, struct.pack("!H", v))
def u32(t, v): return attr(t, struct.pack("=I", v))
def u64(t, v): return attr(t, struct.pack("=Q", v))
def string(t, s): return attr(t, s.encode() + b"\0")


def inaddr(t, text):
    """The kernel puts the whole union nf_inet_addr: 16 bytes, IPv4 in the first 4."""
    a = ipaddress.ip_address(text).packed
    return attr(t, a + b"\0" * (16 - len(a)))


def stats(conns, inpkts, outpkts, inbytes, outbytes, rates=(0, 0, 0, 0, 0)):
    """STATS (u32 but the bytes) and STATS64, as ip_vs_genl_fill_stats/_stats64 do."""
    s32 = (u32(1, conns & 0xffffffff) + u32(2, inpkts & 0xffffffff) +
           u32(3, outpkts & 0xffffffff) + u64(4, inbytes) + u64(5, outbytes) +
           b"".join(u32(6 + i, r & 0xffffffff) for i, r in enumerate(rates)))
    s64 = (u64(1, conns) + u64(2, inpkts) + u64(3, outpkts) + u64(4, inbytes) + u64(5, outbytes) +
           b"".join(u64(6 + i, r) for i, r in enumerate(rates)))
    return s32, s64


def message(cmd, attrs):
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    return struct.pack("=IHHII", 16 + len(body), FAMILY, NLM_F_MULTI, 1, 0) + body


def service(af, proto=None, addr=None, port=None, fwmark=None, sched="wlc", pe=None,
            flags=0x2, timeout=0, netmask=0xffffffff, st=(0, 0, 0, 0, 0), old_kernel=False):
    a = u16(SVC_AF, af)
    if fwmark:
        a += u32(SVC_FWMARK, fwmark)
    else:
        a += u16(SVC_PROTOCOL, proto) + inaddr(SVC_ADDR, addr) + be16(SVC_PORT, port)
    a += string(SVC_SCHED, sched)
    if pe:
        a += string(SVC_PE, pe)
    a += attr(SVC_FLAGS, struct.pack("=II", flags, 0xffffffff))
    a += u32(SVC_TIMEOUT, timeout) + u32(SVC_NETMASK, netmask)
    s32, s64 = stats(*st)
    a += attr(SVC_STATS, s32)
    if not old_kernel:
        a += attr(SVC_STATS64, s64)
    return message(CMD_NEW_SERVICE, attr(CMD_ATTR_SERVICE, a))


def dest(af, addr, port, fwd=0, weight=1, active=0, inact=0, persist=0, tun=None,
         st=(0, 0, 0, 0, 0), old_kernel=False):
    a = inaddr(D_ADDR, addr) + be16(D_PORT, port) + u32(D_FWD, fwd) + u32(D_WEIGHT, weight)
    if tun is not None and not old_kernel:
        a += u8(D_TUN_TYPE, tun[0]) + be16(D_TUN_PORT, tun[1]) + u16(D_TUN_FLAGS, tun[2])
    a += u32(D_UTH, 0) + u32(D_LTH, 0) + u32(D_ACT, active) + u32(D_INACT, inact)
    a += u32(D_PERSIST, persist)
    s32, s64 = stats(*st)
    a += attr(D_STATS, s32)
    if not old_kernel:
        a += attr(D_STATS64, s64) + u16(D_AF, af)
    return message(CMD_NEW_DEST, attr(CMD_ATTR_DEST, a))


def daemon(state, ifn, syncid, maxlen, group, port, ttl):
    a = u32(DM_STATE, state) + string(DM_IFN, ifn) + u32(DM_SYNCID, syncid)
    a += u16(DM_MAXLEN, maxlen) + u16(DM_PORT, port) + u8(DM_TTL, ttl)
    g = ipaddress.ip_address(group)
    a += attr(DM_GROUP6 if g.version == 6 else DM_GROUP, g.packed)
    return message(CMD_NEW_DAEMON, attr(CMD_ATTR_DAEMON, a))


V4, V6 = socket.AF_INET, socket.AF_INET6
TCP, UDP, SCTP = 6, 17, 132
seeds = {
    "svc-tcp4-wlc": service(V4, TCP, "192.0.2.10", 80, sched="wlc",
                            st=(5000000001, 6000000002, 7000000003, 800000000004, 9005, (11, 12, 13, 14, 15))),
    "svc-tcp4-persistent": service(V4, TCP, "192.0.2.11", 80, sched="rr", flags=0x3,
                                   timeout=300, netmask=socket.htonl(0xffffff00)),
    "svc-udp4-ops": service(V4, UDP, "192.0.2.12", 53, sched="rr", flags=0x6),
    "svc-udp4-sip": service(V4, UDP, "192.0.2.21", 5060, sched="dh", pe="sip", flags=0x3,
                            timeout=60),
    "svc-sctp4": service(V4, SCTP, "192.0.2.22", 3868, sched="lc"),
    "svc-mh-flags": service(V4, TCP, "192.0.2.25", 80, sched="mh", flags=0x1a),
    "svc-tcp6-sh": service(V6, TCP, "2001:db8::10", 80, sched="sh", flags=0x1a, netmask=128),
    "svc-tcp6-persistent": service(V6, TCP, "2001:db8::20", 443, sched="sed", flags=0x3,
                                   timeout=600, netmask=64),
    "svc-fwmark4": service(V4, fwmark=1, sched="wrr"),
    "svc-fwmark6": service(V6, fwmark=2, sched="lblc"),
    "svc-old-kernel": service(V4, TCP, "192.0.2.26", 25, old_kernel=True),
    "dest-masq": dest(V4, "10.2.0.2", 80, weight=3, inact=12, st=(12, 340, 300, 41000, 90000)),
    "dest-route": dest(V4, "10.9.0.2", 443, fwd=3, weight=2),
    "dest-tunnel-gue": dest(V4, "10.9.0.3", 443, fwd=2, weight=0, tun=(1, 6080, 1)),
    "dest-v6": dest(V6, "fd00:2::2", 80, weight=2, inact=12),
    "dest-mixed-family": dest(V6, "fd00:3::2", 80),
    "dest-old-kernel": dest(V4, "10.3.0.2", 80, old_kernel=True),
    "daemon-master": daemon(1, "sync0", 7, 1400, "224.0.0.82", 8849, 2),
    "daemon-backup6": daemon(2, "sync0", 8, 1472, "ff02::1:81", 8848, 1),
    "info": message(CMD_SET_INFO, u32(INFO_VERSION, 0x010201) + u32(INFO_CONN_TAB_SIZE, 4096)),
    "config": message(CMD_SET_CONFIG, u32(CMD_ATTR_TIMEOUT_TCP, 900) +
                      u32(CMD_ATTR_TIMEOUT_TCP_FIN, 120) + u32(CMD_ATTR_TIMEOUT_UDP, 300)),
    "config-udp-only": message(CMD_SET_CONFIG, u32(CMD_ATTR_TIMEOUT_UDP, 300)),
}

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
