/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl, loaded once when first used (curl_dl.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "curl_dl.h"
#include "dl.h"

union curl_dl curl_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_err;
static char load_why[512];

static void load(void)
{
#define CURL_DL_NAME(f) #f,
	static const char *const names[] = {CURL_DL_FUNCS(CURL_DL_NAME)};
#undef CURL_DL_NAME
	_Static_assert(sizeof(names) / sizeof(names[0]) ==
			   sizeof(curl_dl.slot) / sizeof(curl_dl.slot[0]),
		       "a name for every slot");
	load_err = dl_load(IPVSTOP_CURL_SONAME, names, curl_dl.slot,
			   sizeof(names) / sizeof(names[0]), load_why, sizeof(load_why));
	/* Once, before any other thread uses curl: curl_global_init is not thread-safe. */
	if (!load_err && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(load_why, sizeof(load_why), "curl_global_init failed");
		load_err = -ENOMEM;
	}
}

int curl_dl_load(char *why, size_t len)
{
	pthread_once(&once, load);
	if (load_err && why && len)
		snprintf(why, len, "%s", load_why);
	return load_err;
}
