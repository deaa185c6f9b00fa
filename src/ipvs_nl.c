/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPVS generic netlink transport (placeholder until implemented). */
#include "config.h"
#include <errno.h>
#include "ipvs_nl.h"

int ipvs_nl_open(struct ipvs_nl **out)
{
	*out = NULL;
	return -ENOSYS;
}

void ipvs_nl_close(struct ipvs_nl *nl)
{
}

int ipvs_nl_read(struct ipvs_nl *nl, struct snapshot *s)
{
	return -ENOSYS;
}
