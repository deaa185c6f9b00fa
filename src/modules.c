/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module state through libkmod (placeholder until implemented). */
#include "config.h"
#include <errno.h>
#include "modules.h"

const char *const modules_watched[] = {"ip_vs"};
const size_t modules_n_watched = 1;

int modules_read(const char *dirname, const char *sysfs, struct snapshot *s)
{
	return -ENOSYS;
}
