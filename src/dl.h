/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Libraries loaded when first used, not at start-up: libcurl (the Kubernetes API) and
 * libmicrohttpd + GnuTLS (the agent). Linked, they and what they pull in (28 of the 52
 * libraries ipvstop mapped) cost every start more than half of its dynamic linking: 9 ms
 * against 4 ms natively, more under emulation (doc/performance.md). The IPVS reader and
 * the dashboard need neither; a view that does loads them once, from any thread.
 */
#ifndef IPVSTOP_DL_H
#define IPVSTOP_DL_H

#include <pthread.h>
#include <stddef.h>

/*
 * Opens soname and looks up n names into fns[0..n-1] (function pointers, as dlsym gives
 * them). Returns 0, or -ENOENT with why set ("libcurl.so.4 cannot be loaded: ...").
 */
int dl_load(const char *soname, const char *const *names, void **fns, size_t n, char *why,
	    size_t len);

/* A set of libraries loaded once, from any thread: its loader's result and why it failed. */
struct dl_once {
	pthread_once_t once;
	int err;       /* set by the loader: 0 or a negative errno */
	char why[512]; /* set by the loader when err */
};
#define DL_ONCE_INIT                                                                               \
	{                                                                                          \
		PTHREAD_ONCE_INIT, 0, ""                                                           \
	}

/* Runs load (which sets o->err and o->why) the first time; returns o->err, o->why in why. */
int dl_once_run(struct dl_once *o, void (*load)(void), char *why, size_t len);

#endif
