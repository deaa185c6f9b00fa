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
 */
int ipvs_parse_service(const struct nlmsghdr *nlh, struct ipvs_service *out);
/* svc_af: the service's family, used when the kernel sends no IPVS_DEST_ATTR_ADDR_FAMILY. */
int ipvs_parse_dest(const struct nlmsghdr *nlh, int svc_af, struct ipvs_dest *out);
int ipvs_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *conn_tab_size);
int ipvs_parse_config(const struct nlmsghdr *nlh, uint32_t *tcp, uint32_t *tcp_fin,
		      uint32_t *udp);
int ipvs_parse_daemon(const struct nlmsghdr *nlh, struct ipvs_daemon *out);

#endif
