/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPVS netlink message parsing (placeholder until implemented). */
#include "config.h"
#include <errno.h>
#include "ipvs_parse.h"

int ipvs_parse_service(const struct nlmsghdr *nlh, struct ipvs_service *out)
{
	return -ENOSYS;
}

int ipvs_parse_dest(const struct nlmsghdr *nlh, int svc_af, struct ipvs_dest *out)
{
	return -ENOSYS;
}

int ipvs_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *conn_tab_size)
{
	return -ENOSYS;
}

int ipvs_parse_config(const struct nlmsghdr *nlh, uint32_t *tcp, uint32_t *tcp_fin,
		      uint32_t *udp)
{
	return -ENOSYS;
}

int ipvs_parse_daemon(const struct nlmsghdr *nlh, struct ipvs_daemon *out)
{
	return -ENOSYS;
}
