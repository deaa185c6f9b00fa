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

#endif
