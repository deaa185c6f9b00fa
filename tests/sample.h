/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sample.c: snapshots the unit tests of the model and its outputs build (check_snapshot.c,
 * check_rates.c, check_output_json.c, check_json_read.c, check_output_text.c,
 * check_kube_text.c, check_dp_join.c). Failures are Check assertions.
 */
#ifndef IPVSTOP_TESTS_SAMPLE_H
#define IPVSTOP_TESTS_SAMPLE_H

#include <stdint.h>

#include "snapshot.h"

/* A TCP/UDP... service addr:port of s (scheduler wlc, real servers known), in s. */
struct ipvs_service *sample_add_v4(struct snapshot *s, const char *addr, uint16_t port,
				   uint16_t proto);
/* A real server addr:port of svc, weight 1, in svc. */
struct ipvs_dest *sample_add_dest_v4(struct ipvs_service *svc, const char *addr, uint16_t port);

/*
 * Fills *s (not freed first) with a snapshot that uses most fields: host "node\"1\n", IPVS
 * 1.2.1, one sync daemon, a persistent UDP service 10.96.0.10:53 with every conns bit set
 * (UINT64_MAX) and one tunnelled real server, and an IPv6 fwmark 42 service whose real
 * servers are not known. The caller frees it with snapshot_free.
 */
void sample_fill(struct snapshot *s);

/* output_json of s (prev: for computed rates) as text, one line (owned by the caller). */
char *sample_json(const struct snapshot *s, const struct snapshot *prev);

#endif
