/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/net/ip_vs* readers (placeholder until implemented). */
#include "config.h"
#include <errno.h>
#include "ipvs_proc.h"

int ipvs_proc_read_services(const char *path, struct snapshot *s)
{
	return -ENOSYS;
}

int ipvs_proc_read_stats(const char *path, struct ipvs_stats *total)
{
	return -ENOSYS;
}

int ipvs_proc_read_conns(const char *path, size_t limit, struct ipvs_conn_table *t)
{
	return -ENOSYS;
}
