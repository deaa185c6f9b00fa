/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libcurl, loaded when first used (dl.h). Include this instead of <curl/curl.h>: the
 * curl_* functions below then call through the loaded table, and curl_dl_load() must have
 * succeeded before any of them is called. (curl's compile-time checks of curl_easy_setopt's
 * argument types are lost with its macros.)
 */
#ifndef IPVSTOP_CURL_DL_H
#define IPVSTOP_CURL_DL_H

#include <curl/curl.h>
#include <stddef.h>

#define CURL_DL_FUNCS(X)                                                                           \
	X(curl_global_init)                                                                        \
	X(curl_easy_init)                                                                          \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_strerror)                                                                      \
	X(curl_easy_escape)                                                                        \
	X(curl_free)                                                                               \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)                                                                     \
	X(curl_multi_init)                                                                         \
	X(curl_multi_setopt)                                                                       \
	X(curl_multi_add_handle)                                                                   \
	X(curl_multi_remove_handle)                                                                \
	X(curl_multi_perform)                                                                      \
	X(curl_multi_poll)                                                                         \
	X(curl_multi_wakeup)                                                                       \
	X(curl_multi_info_read)                                                                    \
	X(curl_multi_cleanup)

/* The loaded functions, typed as curl.h declares them; slot[] is what dl_load fills. */
union curl_dl {
	struct {
#define CURL_DL_FIELD(f) __typeof__(f) *f;
		CURL_DL_FUNCS(CURL_DL_FIELD)
#undef CURL_DL_FIELD
	} f;
#define CURL_DL_ONE(f) +1
	void *slot[0 CURL_DL_FUNCS(CURL_DL_ONE)];
#undef CURL_DL_ONE
};
extern union curl_dl curl_dl;

/*
 * Loads libcurl and runs curl_global_init, once for the process (any thread). Returns 0,
 * or -ENOENT with why set (the same answer every call).
 */
int curl_dl_load(char *why, size_t len);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init (*curl_dl.f.curl_global_init)
#define curl_easy_init (*curl_dl.f.curl_easy_init)
#define curl_easy_setopt (*curl_dl.f.curl_easy_setopt)
#define curl_easy_getinfo (*curl_dl.f.curl_easy_getinfo)
#define curl_easy_perform (*curl_dl.f.curl_easy_perform)
#define curl_easy_cleanup (*curl_dl.f.curl_easy_cleanup)
#define curl_easy_strerror (*curl_dl.f.curl_easy_strerror)
#define curl_easy_escape (*curl_dl.f.curl_easy_escape)
#define curl_free (*curl_dl.f.curl_free)
#define curl_slist_append (*curl_dl.f.curl_slist_append)
#define curl_slist_free_all (*curl_dl.f.curl_slist_free_all)
#define curl_multi_init (*curl_dl.f.curl_multi_init)
#define curl_multi_setopt (*curl_dl.f.curl_multi_setopt)
#define curl_multi_add_handle (*curl_dl.f.curl_multi_add_handle)
#define curl_multi_remove_handle (*curl_dl.f.curl_multi_remove_handle)
#define curl_multi_perform (*curl_dl.f.curl_multi_perform)
#define curl_multi_poll (*curl_dl.f.curl_multi_poll)
#define curl_multi_wakeup (*curl_dl.f.curl_multi_wakeup)
#define curl_multi_info_read (*curl_dl.f.curl_multi_info_read)
#define curl_multi_cleanup (*curl_dl.f.curl_multi_cleanup)

#endif
