/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-second rates from two snapshots, beside the kernel's own estimates. */
#ifndef IPVSTOP_RATES_H
#define IPVSTOP_RATES_H

#include <stdbool.h>
#include "snapshot.h"

struct ipvs_rates {
	double cps, inpps, outpps, inbps, outbps;
};

/*
 * Rates between two readings of the same counters, dt seconds apart. A counter that went
 * down was zeroed (ipvsadm -Z) or the object was re-created in between: its rate counts
 * from zero, so the traffic since the reset is reported rather than a negative number.
 * Returns false (and zeroes *out) when dt is not positive.
 */
bool rates_compute(const struct ipvs_stats *prev, const struct ipvs_stats *cur, double dt,
		   struct ipvs_rates *out);

/*
 * The interval of one row's rates: a live feed re-reads a big table a part at a time, so
 * each service's stats and real servers carry the time they were read (stats_mono,
 * dests_mono). Both known: their difference; otherwise the snapshots' dt.
 */
double rates_row_dt(double cur_mono, double prev_mono, double snapshot_dt);

/*
 * The snapshot to compute cur's rates against, when rows are of different ages: for each
 * service of cur, the reading before cur's own. last is the snapshot published before cur,
 * prev what this function returned for last (NULL at first). A row cur re-read (its mono
 * differs from last's, or is unknown) is compared with last's; a row not re-read keeps the
 * comparison it had, so that its rate stays what it was instead of dropping to nothing.
 * Stats and real servers are chosen apart (their monos differ). Destination arrays are
 * shared. out (overwritten) has last's header. Returns 0 or -ENOMEM (out then empty).
 */
int rates_prev_next(struct snapshot *out, const struct snapshot *prev,
		    const struct snapshot *last, const struct snapshot *cur);

/* Index of a snapshot's services by identity, for matching the next snapshot against it. */
struct rates_index;

/* Builds an index over prev (which must outlive it). Returns NULL on ENOMEM. */
struct rates_index *rates_index_new(const struct snapshot *prev);
void rates_index_free(struct rates_index *ix);
/* The service of the indexed snapshot with svc's identity, or NULL when it is new. */
const struct ipvs_service *rates_index_find(const struct rates_index *ix,
					    const struct ipvs_service *svc);
/* The same, as its index in the indexed snapshot (SIZE_MAX when it is new). */
size_t rates_index_find_at(const struct rates_index *ix, const struct ipvs_service *svc);
/* The destination of prev_svc with d's identity (hint: its index in the new service). */
const struct ipvs_dest *rates_find_dest(const struct ipvs_service *prev_svc,
					const struct ipvs_dest *d, size_t hint);

#endif
