/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dlopen and dlsym for the libraries loaded when first used (dl.h). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "dl.h"
#include "nls.h"

int dl_load(const char *soname, const char *const *names, void **fns, size_t n, char *why,
	    size_t len)
{
	/* Kept for the process: what was looked up stays valid. */
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, len, _("%s cannot be loaded: %s"), soname, e ? e : "?");
		return -ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		dlerror();
		fns[i] = dlsym(h, names[i]);
		if (!fns[i]) {
			snprintf(why, len,
				 _("%s has no %s: not the library this ipvstop was built for"),
				 soname, names[i]);
			dlclose(h);
			return -ENOENT;
		}
	}
	return 0;
}

int dl_once_run(struct dl_once *o, void (*load)(void), char *why, size_t len)
{
	pthread_once(&o->once, load);
	if (o->err && why && len)
		snprintf(why, len, "%s", o->why);
	return o->err;
}
