/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libmicrohttpd and GnuTLS, loaded once when first used (agent_dl.h). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "agent_dl.h"
#include "dl.h"

union mhd_dl mhd_dl;
union gnutls_dl gnutls_dl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_err;
static char load_why[512];

#define AGENT_DL_NAME(f) #f,
static const char *const mhd_names[] = {MHD_DL_FUNCS(AGENT_DL_NAME)};
static const char *const gnutls_names[] = {GNUTLS_DL_FUNCS(AGENT_DL_NAME)};
#undef AGENT_DL_NAME
_Static_assert(sizeof(mhd_names) / sizeof(mhd_names[0]) ==
		   sizeof(mhd_dl.slot) / sizeof(mhd_dl.slot[0]),
	       "a name for every slot");
_Static_assert(sizeof(gnutls_names) / sizeof(gnutls_names[0]) ==
		   sizeof(gnutls_dl.slot) / sizeof(gnutls_dl.slot[0]),
	       "a name for every slot");

static void load(void)
{
	/* GnuTLS first: libmicrohttpd uses the same one. */
	load_err =
	    dl_load(IPVSTOP_GNUTLS_SONAME, gnutls_names, gnutls_dl.slot,
		    sizeof(gnutls_names) / sizeof(gnutls_names[0]), load_why, sizeof(load_why));
	if (!load_err)
		load_err =
		    dl_load(IPVSTOP_MHD_SONAME, mhd_names, mhd_dl.slot,
			    sizeof(mhd_names) / sizeof(mhd_names[0]), load_why, sizeof(load_why));
}

int agent_dl_load(char *why, size_t len)
{
	pthread_once(&once, load);
	if (load_err && why && len)
		snprintf(why, len, "%s", load_why);
	return load_err;
}
