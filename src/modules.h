/* SPDX-License-Identifier: GPL-2.0-or-later */
/* State of the kernel modules IPVS needs, through libkmod. */
#ifndef IPVSTOP_MODULES_H
#define IPVSTOP_MODULES_H

#include "snapshot.h"

/* The modules ipvstop reports, in order: ip_vs, ip_vs_<sched> for every scheduler, nf_conntrack. */
extern const char *const modules_watched[];
extern const size_t modules_n_watched;

/*
 * Fills s->modules with the state of every watched module. dirname is the modules
 * directory (NULL: /lib/modules/`uname -r`), sysfs the root that holds module/ (NULL: /sys),
 * both parameters so that tests point them at fixtures.
 * Returns 0 or -errno (state is then MISSING for what could not be read).
 */
int modules_read(const char *dirname, const char *sysfs, struct snapshot *s);

/*
 * The state of any one module (ip_set, nf_tables... for preflight checks), the same way
 * modules_read finds it. Returns 0 or -errno (*out then MISSING).
 */
int modules_state(const char *dirname, const char *sysfs, const char *name,
		  enum module_state *out);

/*
 * Loads one watched module (or nf_conntrack_ipv4, on kernels before 4.19) and what it depends on, as modprobe would but without running
 * install commands (KMOD_PROBE_IGNORE_COMMAND) and refusing blacklisted modules
 * (KMOD_PROBE_APPLY_BLACKLIST, modprobe.d as the system has it). Only names in
 * modules_watched are accepted. Writes a short translated sentence for the status line
 * into msg (always, when msglen > 0). Returns 0 when the module is in the kernel
 * afterwards (loaded now, already loaded, or built in), -EINVAL for a name outside the
 * allowlist, -ENOENT when it is not in /lib/modules/`uname -r`, -EPERM when blacklisted or
 * without CAP_SYS_MODULE, or another -errno from the kernel.
 */
int modules_load(const char *name, char *msg, size_t msglen);

#endif
