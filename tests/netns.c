/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private network namespace for a real-path unit test, and commands run in it. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "netns.h"

void netns_private(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s (run as root)",
		      strerror(errno));
}

void netns_run(const char *cmd)
{
	int rc = system(cmd);
	ck_assert_msg(rc == 0, "`%s` failed (%d): are iproute2 and ipset installed?", cmd, rc);
}
