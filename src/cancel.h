/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cancelling a long read from another thread: the reader is handed a pointer to a flag
 * word and looks at it between units of work (a netlink datagram, a real server dump, 1,024
 * lines of /proc/net/ip_vs_conn), ending with -ECANCELED when a bit it cares for is set.
 */
#ifndef IPVSTOP_CANCEL_H
#define IPVSTOP_CANCEL_H

#include <stdbool.h>

#define CANCEL_ALL 1u   /* every read: ipvstop is stopping */
#define CANCEL_CONNS 2u /* the connection list only: its pane was closed */

static inline bool cancel_is_set(const unsigned *flag, unsigned what)
{
	return flag && (__atomic_load_n(flag, __ATOMIC_RELAXED) & what);
}

static inline void cancel_set(unsigned *flag, unsigned what)
{
	__atomic_fetch_or(flag, what, __ATOMIC_RELAXED);
}

static inline void cancel_clear(unsigned *flag, unsigned what)
{
	__atomic_fetch_and(flag, ~what, __ATOMIC_RELAXED);
}

#endif
