/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sysctls that matter on an IPVS host, read from /proc/sys. */
#ifndef IPVSTOP_SYSCTLS_H
#define IPVSTOP_SYSCTLS_H

#include "snapshot.h"

/*
 * Fills s->sysctls with every watched sysctl (present=false where the file is missing).
 * root is the directory that holds net/ (NULL: /proc/sys). Returns 0 or -ENOMEM.
 */
int sysctls_read(const char *root, struct snapshot *s);

#endif
