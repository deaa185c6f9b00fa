/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's ipsets (ipvs mode): name, type, entries and capacity, read through libipset. */
#ifndef IPVSTOP_DP_IPSET_H
#define IPVSTOP_DP_IPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One set's header, as `ipset list -t` prints it. */
struct dp_ipset {
	char name[32];	  /* IPSET_MAXNAMELEN is 32 with its NUL */
	char type[32];	  /* "hash:ip,port", "bitmap:port", "list:set", ... */
	char family[8];	  /* "inet", "inet6", "" when the type has none (bitmap, list) */
	uint64_t entries; /* "Number of entries" */
	/*
	 * The capacity: a hash's maxelem or a list's size; 0 when the header has none (a bitmap's
	 * capacity is its range, which cannot be outgrown by a Service).
	 */
	uint64_t maxelem;
	/*
	 * entries >= maxelem (maxelem > 0): the kernel refuses every new element, so kube-proxy's
	 * ipset restore fails and new Services silently get no rules (kubernetes#129389).
	 */
	bool full;
};

/*
 * Parses the text of libipset's plain header list (`ipset list -t`: "Name:", "Type:",
 * "Header:", "Number of entries:" lines, sets separated by a blank line) into *out, a
 * malloc'd array of *n sets owned by the caller (free()); *out is NULL when there is none.
 * text need not be NUL-terminated. Lines it does not know are skipped; a set without a
 * "Name:" line is dropped. Returns 0, -ENOMEM or -E2BIG (more than 1 MiB of text).
 */
int dp_ipset_parse_list(const char *text, size_t len, struct dp_ipset **out, size_t *n);

/* True when name is one of kube-proxy's sets: "KUBE-" (IPv4) or "KUBE-6-" (IPv6) prefixed. */
bool dp_ipset_is_kube(const char *name);

/*
 * Reads the headers (never the members) of every set named KUBE-* in this network
 * namespace into *out (malloc'd, *n of them, owned by the caller: free()). Read-only: a
 * LIST command with the header-only flag. Returns 0 (*n may be 0); -ENOENT when ip_set is
 * not in the kernel (why: "not present"; nothing is sent, so the module is not loaded on
 * the way); -EPERM without CAP_NET_ADMIN; another -errno. On error why holds a translated
 * sentence (why may be NULL) and *out is NULL.
 */
int dp_ipset_read(struct dp_ipset **out, size_t *n, char *why, size_t len);

/*
 * dp_ipset_read with the directory whose existence says ip_set is in the kernel
 * ("/sys/module/ip_set", also there when built in: it has parameters) as a parameter,
 * for tests.
 */
int dp_ipset_read_at(const char *module_dir, struct dp_ipset **out, size_t *n, char *why,
		     size_t len);

#endif
