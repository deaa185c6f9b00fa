/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Readers of /proc/net/ip_vs, ip_vs_stats and ip_vs_conn; paths are parameters for tests. */
#ifndef IPVSTOP_IPVS_PROC_H
#define IPVSTOP_IPVS_PROC_H

#include <stddef.h>
#include "snapshot.h"

#define IPVS_PROC_SERVICES "/proc/net/ip_vs"
#define IPVS_PROC_STATS "/proc/net/ip_vs_stats"
#define IPVS_PROC_CONNS "/proc/net/ip_vs_conn"

/*
 * Reads the service table (the read-only fallback without CAP_NET_ADMIN) into s:
 * s->version (from the "IP Virtual Server version x.y.z (size=N)" line), s->conn_tab_size,
 * services with scheduler, persistence, destinations with fwd, weight, active/inactive
 * counts. Per-service counters are not in this file and stay zero. The file gives the
 * persistence timeout in jiffies: it is divided by HZ (see ipvs_proc_set_hz()).
 * Services are appended to s->services (snapshot_add_service), each with dests_known set.
 * What the file does not say is filled in as netlink would report it: IPVS_SVC_HASHED is
 * set (only hashed services are listed); a non-persistent service gets the full-length
 * netmask; a fwmark service's family, which the line omits, is taken from its first
 * non-tunnel destination (IPv4 without destinations). The kernel never prints "ops" for
 * IPv6 services, so IPVS_SVC_ONEPACKET is lost for them; Masq and Bypass print alike.
 * Returns 0, -ENOENT when the file is missing (no IPVS), -EINVAL on a malformed file,
 * -ENOMEM, or another -errno from open/read. On an error the services parsed so far stay
 * in s: the caller drops them.
 */
int ipvs_proc_read_services(const char *path, struct snapshot *s);

/*
 * The kernel's HZ: /proc/net/ip_vs prints persistence timeouts in jiffies. Looks for
 * CONFIG_HZ in config (NULL: /boot/config-`uname -r`), else estimates it from the jiffies
 * of schedstat (NULL: /proc/schedstat) against uptime (NULL: /proc/uptime).
 * Returns HZ, or 0 when neither tells.
 */
unsigned ipvs_proc_detect_hz(const char *config, const char *schedstat, const char *uptime);

/*
 * Sets the HZ ipvs_proc_read_services() divides timeouts by. 0 (the default) detects it
 * once with ipvs_proc_detect_hz(), falling back to 250 (Debian's and Ubuntu's).
 */
void ipvs_proc_set_hz(unsigned hz);

/*
 * Reads the global totals of ip_vs_stats into *total (counters and the kernel's
 * per-second estimates). Returns 0, -ENOENT, -EINVAL, or another -errno; *total is
 * written only on success.
 */
int ipvs_proc_read_stats(const char *path, struct ipvs_stats *total);

/*
 * Reads the connection table, keeping at most limit entries in t->conns but counting all
 * of them into t->total and the per service / per destination / per state aggregates.
 * t is zeroed first and owns what it holds (ipvs_conn_table_free). The kept entries are
 * the first ones in the file's (hash) order; t->truncated is total > n_conns.
 * Aggregate keys: by_service "tcp 10.0.0.1:80" / "tcp [2001:db8::1]:80" (the protocol as
 * printed, lower-cased: fwmark persistence templates show as "ip 0.0.0.<mark>:0"),
 * by_dest "10.0.1.1:80" / "[2001:db8::2]:80", by_state the state as printed
 * ("ESTABLISHED", "UDP" for UDP entries, "NONE"/"ASSURED" for templates). Each array is
 * sorted by count, largest first, then by key. The file is read in 1 MiB reads and
 * aggregated in hash tables: linear in the number of entries.
 * cancel (NULL: never) is looked at every 1,024 entries: CANCEL_ALL or CANCEL_CONNS set
 * there ends the read with -ECANCELED (cancel.h).
 * Returns 0, -ENOENT, -EINVAL on a line that is not in the kernel's format (t is then
 * empty: nothing half-read is kept), -ENOMEM, -ECANCELED, or another -errno.
 */
int ipvs_proc_read_conns(const char *path, size_t limit, struct ipvs_conn_table *t,
			 const unsigned *cancel);

#endif
