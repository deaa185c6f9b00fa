/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libmicrohttpd and GnuTLS, loaded once when first used (agent_dl.h). */
#include "config.h"

#include "agent_dl.h"
#include "dl.h"

union mhd_dl mhd_dl;
union gnutls_dl gnutls_dl;

static struct dl_once lib = DL_ONCE_INIT;

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
	lib.err = dl_load(IPVSTOP_GNUTLS_SONAME, gnutls_names, gnutls_dl.slot,
			  sizeof(gnutls_names) / sizeof(gnutls_names[0]), lib.why, sizeof(lib.why));
	if (!lib.err)
		lib.err =
		    dl_load(IPVSTOP_MHD_SONAME, mhd_names, mhd_dl.slot,
			    sizeof(mhd_names) / sizeof(mhd_names[0]), lib.why, sizeof(lib.why));
}

int agent_dl_load(char *why, size_t len)
{
	return dl_once_run(&lib, load, why, len);
}
