/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPVS generic netlink transport: libnl sockets kept for the life of the process. */
#ifndef IPVSTOP_IPVS_NL_H
#define IPVSTOP_IPVS_NL_H

#include "snapshot.h"

struct ipvs_nl;
struct nl_msg; /* libnl-3 */

/*
 * Opens the socket, resolves the IPVS family. *out is owned by the caller (ipvs_nl_close).
 * Returns 0, -ENOENT when the kernel has no IPVS family (module not loaded / not built),
 * -EPERM/-EACCES without CAP_NET_ADMIN, or another -errno.
 * Opening never loads ip_vs: the family is looked up in a dump of the registered families,
 * not by name (a lookup by name makes the kernel modprobe ip_vs, for any user).
 * Needs no privilege: -EPERM comes from the first ipvs_nl_read().
 */
int ipvs_nl_open(struct ipvs_nl **out);
void ipvs_nl_close(struct ipvs_nl *nl);
/*
 * cancel (NULL: never) is looked at before every datagram is read: CANCEL_ALL set there
 * ends the read in progress with -ECANCELED (cancel.h); then close the socket.
 */
void ipvs_nl_set_cancel(struct ipvs_nl *nl, const unsigned *cancel);
/*
 * Datagrams and bytes received on the socket of the service dumps so far (IPVSTOP_TRACE:
 * the kernel sizes a dump's datagrams after what the socket offered, and a dump of small
 * ones is much slower).
 */
void ipvs_nl_main_counts(const struct ipvs_nl *nl, unsigned long *datagrams,
			 unsigned long long *bytes);

/*
 * Reads info, timeouts, sync daemons, every service and every destination of each into s
 * (s->services etc. are appended; s owns them). Returns 0 or -errno; on error what was
 * read is kept and s->ipvs_error is not touched (the caller words the message).
 * A service whose destinations could not be parsed keeps dests_known false and the read
 * goes on; any other failure ends the read. After an error the socket may hold replies of
 * an unfinished dump: close it and open a new one.
 */
int ipvs_nl_read(struct ipvs_nl *nl, struct snapshot *s);

/*
 * Parts of ipvs_nl_read(), for a feed that re-reads a big table a part at a time. Each
 * returns 0 or -errno like it; after an error other than -ESRCH close the socket.
 * _header: info, timeouts and sync daemons into s.
 * _services: the header and the service dump (appended to s), every new service with
 *   dests_pending set and no destinations; stats_mono is the time of the dump.
 * _dump_services: the service dump, one service at a time: each(arg, svc) gets every
 *   service as parsed (stats, no destinations, stats_mono 0), nothing is kept; a non-zero
 *   return of each ends the dump and is returned.
 * _service: svc's stats and settings again (one GET_SERVICE; its destinations are kept);
 *   -ESRCH when the service is gone.
 * _dests: svc's destinations again (one GET_DEST dump; the old array is unreferenced).
 */
int ipvs_nl_read_header(struct ipvs_nl *nl, struct snapshot *s);
int ipvs_nl_read_services(struct ipvs_nl *nl, struct snapshot *s);
int ipvs_nl_dump_services(struct ipvs_nl *nl,
			  int (*each)(void *arg, const struct ipvs_service *svc), void *arg);
int ipvs_nl_read_service(struct ipvs_nl *nl, struct ipvs_service *svc);
int ipvs_nl_read_dests(struct ipvs_nl *nl, struct ipvs_service *svc);

/*
 * Sends IPVS_CMD_SET_SERVICE carrying the whole of svc: identity (af, and fwmark or
 * protocol, address, port), sched, flags (with mask ~0, so every flag is set as given),
 * timeout, netmask as the kernel sent it, and pe when not empty (an absent PE removes it).
 * Returns 0 or -errno, from the kernel: -ESRCH no such service, -ENOENT no such scheduler
 * or persistence engine, -EINVAL a value the kernel refuses; or -ENOMEM, -EMSGSIZE.
 */
int ipvs_nl_set_service(struct ipvs_nl *nl, const struct ipvs_service *svc);

/*
 * Message builders, usable without a socket (the tests parse their output back).
 * Each appends one IPVS_CMD_ATTR_SERVICE nest to msg (after its genetlink header):
 * _attrs with every field IPVS_CMD_SET_SERVICE needs, _id with only what identifies the
 * service (what IPVS_CMD_GET_DEST needs). The address goes out as the kernel's 16-byte
 * union, unused bytes zeroed. Return 0, -EINVAL (af unknown, or sched/pe not terminated
 * within their arrays) or -EMSGSIZE (msg full).
 */
int ipvs_nl_build_service_attrs(struct nl_msg *msg, const struct ipvs_service *svc);
int ipvs_nl_build_service_id(struct nl_msg *msg, const struct ipvs_service *svc);

#endif
