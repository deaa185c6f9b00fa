/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl, loaded once when first used (curl_dl.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "curl_dl.h"
#include "dl.h"

union curl_dl curl_dl;

static struct dl_once lib = DL_ONCE_INIT;

static void load(void)
{
#define CURL_DL_NAME(f) #f,
	static const char *const names[] = {CURL_DL_FUNCS(CURL_DL_NAME)};
#undef CURL_DL_NAME
	_Static_assert(sizeof(names) / sizeof(names[0]) ==
			   sizeof(curl_dl.slot) / sizeof(curl_dl.slot[0]),
		       "a name for every slot");
	lib.err = dl_load(IPVSTOP_CURL_SONAME, names, curl_dl.slot,
			  sizeof(names) / sizeof(names[0]), lib.why, sizeof(lib.why));
	/* Once, before any other thread uses curl: curl_global_init is not thread-safe. */
	if (!lib.err && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(lib.why, sizeof(lib.why), "curl_global_init failed");
		lib.err = -ENOMEM;
	}
}

int curl_dl_load(char *why, size_t len)
{
	return dl_once_run(&lib, load, why, len);
}
