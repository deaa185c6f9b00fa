/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads the IPVS-related sysctls (placeholder until implemented). */
#include "config.h"
#include <errno.h>
#include "sysctls.h"

int sysctls_read(const char *root, struct snapshot *s)
{
	return -ENOSYS;
}
