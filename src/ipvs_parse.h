/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turns IPVS generic netlink reply messages into snapshot structs; no socket here. */
#ifndef IPVSTOP_IPVS_PARSE_H
#define IPVSTOP_IPVS_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "snapshot.h"

/*
 * Each function takes one whole netlink message (header included, nlh->nlmsg_len bytes
 * readable, as libnl hands it to a callback or as a test builds it in memory) carrying a
 * genetlink header and the IPVS family's attributes.
 * Return 0 on success, -EINVAL for a truncated or malformed message, -ENOMSG when a
 * required attribute is missing. On error *out is left zeroed or partly filled but
 * owns no memory.
 *
 * Nothing is read outside nlmsg_len and each attribute's own length; every attribute the
 * parser knows must have the kernel's exact size (a u32 of 2 bytes is -EINVAL), unknown
 * ones are skipped. Required: service AF, SCHED_NAME, and FWMARK or PROTOCOL + ADDR +
 * PORT; destination ADDR, PORT; info VERSION, CONN_TAB_SIZE; daemon STATE (1 or 2),
 * MCAST_IFN, SYNC_ID. Anything else missing reads as 0. Counters come from STATS64 when
 * present, else from the 32-bit STATS of kernels before 4.1. Ports (service, destination,
 * tunnel) arrive in network order and are stored in host order; addresses fill only the
 * bytes of their family, the rest is zeroed.
 */
int ipvs_parse_service(const struct nlmsghdr *nlh, struct ipvs_service *out);
/* svc_af: the service's family, used when the kernel sends no IPVS_DEST_ATTR_ADDR_FAMILY
 * (before Linux 4.3). */
int ipvs_parse_dest(const struct nlmsghdr *nlh, int svc_af, struct ipvs_dest *out);
int ipvs_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *conn_tab_size);
/* A timeout the kernel leaves out (protocol not built in) reads as 0. */
int ipvs_parse_config(const struct nlmsghdr *nlh, uint32_t *tcp, uint32_t *tcp_fin,
		      uint32_t *udp);
int ipvs_parse_daemon(const struct nlmsghdr *nlh, struct ipvs_daemon *out);

#endif
