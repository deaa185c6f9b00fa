/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPVS generic netlink transport: one libnl socket for the life of the process. */
#ifndef IPVSTOP_IPVS_NL_H
#define IPVSTOP_IPVS_NL_H

#include "snapshot.h"

struct ipvs_nl;

/*
 * Opens the socket, resolves the IPVS family. *out is owned by the caller (ipvs_nl_close).
 * Returns 0, -ENOENT when the kernel has no IPVS family (module not loaded / not built),
 * -EPERM/-EACCES without CAP_NET_ADMIN, or another -errno.
 */
int ipvs_nl_open(struct ipvs_nl **out);
void ipvs_nl_close(struct ipvs_nl *nl);

/*
 * Reads info, timeouts, sync daemons, every service and every destination of each into s
 * (s->services etc. are appended; s owns them). Returns 0 or -errno; on error what was
 * read is kept and s->ipvs_error is not touched (the caller words the message).
 */
int ipvs_nl_read(struct ipvs_nl *nl, struct snapshot *s);

#endif
