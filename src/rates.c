/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rates from two snapshots, and a hash index so matching stays linear at 50k services. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash.h"
#include "rates.h"

static double delta(uint64_t prev, uint64_t cur)
{
	/* A counter that went down was reset; what it holds now was counted since. */
	return cur >= prev ? (double)(cur - prev) : (double)cur;
}

bool rates_compute(const struct ipvs_stats *prev, const struct ipvs_stats *cur, double dt,
		   struct ipvs_rates *out)
{
	memset(out, 0, sizeof(*out));
	if (!(dt > 0))
		return false;
	out->cps = delta(prev->conns, cur->conns) / dt;
	out->inpps = delta(prev->inpkts, cur->inpkts) / dt;
	out->outpps = delta(prev->outpkts, cur->outpkts) / dt;
	out->inbps = delta(prev->inbytes, cur->inbytes) / dt;
	out->outbps = delta(prev->outbytes, cur->outbytes) / dt;
	return true;
}

/*
 * The services of a snapshot by identity. A record is a service's index, not its address:
 * the snapshot may move its array (the feed's model grows) while the index is kept.
 */
struct rates_index {
	const struct snapshot *snap;
	struct hash_index ix;
};

/* What a lookup compares records with. */
struct rates_key {
	const struct snapshot *snap;
	const struct ipvs_service *svc;
};

static uint64_t service_hash(const struct ipvs_service *s)
{
	/* FNV-1a over the identity fields. */
	uint8_t key[16 + 4 + 2 + 2 + 4];
	size_t n = 0;
	memset(key, 0, sizeof(key));
	if (s->fwmark) {
		memcpy(key, &s->fwmark, 4);
		n = 4;
	} else {
		memcpy(key, s->addr.bytes, 16);
		memcpy(key + 16, &s->port, 2);
		memcpy(key + 18, &s->protocol, 2);
		n = 20;
	}
	key[n++] = (uint8_t)s->af;
	return hash_fnv1a(HASH_FNV1A_INIT, key, n);
}

static bool service_rec_eq(const void *key, const void *rec, size_t rec_size)
{
	const struct rates_key *k = key;
	size_t i;
	(void)rec_size;
	memcpy(&i, rec, sizeof(i));
	return service_same(snapshot_service(k->snap, i), k->svc);
}

struct rates_index *rates_index_new(const struct snapshot *prev)
{
	struct rates_index *ix = calloc(1, sizeof(*ix));
	if (!ix)
		return NULL;
	if (hash_index_init(&ix->ix, sizeof(size_t), prev->n_services) < 0) {
		free(ix);
		return NULL;
	}
	ix->snap = prev;
	for (size_t i = 0; i < prev->n_services; i++)
		hash_index_add(&ix->ix, service_hash(snapshot_service(prev, i)), (uint32_t)i, &i);
	return ix;
}

void rates_index_free(struct rates_index *ix)
{
	if (!ix)
		return;
	hash_index_free(&ix->ix);
	free(ix);
}

size_t rates_index_find_at(const struct rates_index *ix, const struct ipvs_service *svc)
{
	struct rates_key key = {ix->snap, svc};
	size_t slot, i;
	if (!hash_index_find(&ix->ix, service_hash(svc), service_rec_eq, &key, &slot))
		return SIZE_MAX;
	memcpy(&i, hash_index_rec(&ix->ix, slot), sizeof(i));
	return i;
}

const struct ipvs_service *rates_index_find(const struct rates_index *ix,
					    const struct ipvs_service *svc)
{
	size_t i = rates_index_find_at(ix, svc);
	return i == SIZE_MAX ? NULL : snapshot_service(ix->snap, i);
}

const struct ipvs_dest *rates_find_dest(const struct ipvs_service *prev_svc,
					const struct ipvs_dest *d, size_t hint)
{
	/* The kernel lists a service's destinations in a stable order: try the hint first. */
	if (hint < prev_svc->n_dests && dest_same(&prev_svc->dests[hint], d))
		return &prev_svc->dests[hint];
	for (size_t i = 0; i < prev_svc->n_dests; i++)
		if (dest_same(&prev_svc->dests[i], d))
			return &prev_svc->dests[i];
	return NULL;
}

double rates_row_dt(double cur_mono, double prev_mono, double snapshot_dt)
{
	return cur_mono > 0 && prev_mono > 0 ? cur_mono - prev_mono : snapshot_dt;
}

int rates_prev_next(struct snapshot *out, const struct snapshot *prev,
		    const struct snapshot *last, const struct snapshot *cur)
{
	int err = -ENOMEM;
	struct rates_index *il = NULL, *ip = NULL;
	struct snapshot hdr = *last;
	hdr.n_services = 0;    /* the header only */
	hdr.services_mono = 0; /* each service carries its own time */
	if (snapshot_share_table(out, &hdr) != 0)
		return -ENOMEM;
	il = rates_index_new(last);
	ip = prev ? rates_index_new(prev) : NULL;
	if (!il || (prev && !ip))
		goto fail;
	for (size_t i = 0; i < cur->n_services; i++) {
		const struct ipvs_service *c = snapshot_service(cur, i);
		const struct ipvs_service *l = rates_index_find(il, c);
		const struct ipvs_service *p = ip ? rates_index_find(ip, c) : NULL;
		if (!l && !p)
			continue; /* new: nothing to compare with */
		const struct ipvs_service *st = l, *ds = l;
		const struct snapshot *st_of = last;
		double c_mono = snapshot_stats_mono(cur, c);
		if (l && c_mono > 0 && snapshot_stats_mono(last, l) == c_mono && p) {
			st = p;
			st_of = prev;
		}
		if (l && c->dests_mono > 0 && l->dests_mono == c->dests_mono && p)
			ds = p;
		if (!st) {
			st = p;
			st_of = prev;
		}
		if (!ds)
			ds = p;
		struct ipvs_service *o = snapshot_add_service(out);
		if (!o)
			goto fail;
		*o = *st;
		o->stats_mono = snapshot_stats_mono(st_of, st); /* out's own is 0 */
		o->dests = ipvs_dests_ref(ds->dests);
		o->n_dests = o->cap_dests = ds->n_dests;
		o->dests_known = ds->dests_known;
		o->dests_pending = ds->dests_pending;
		o->dests_mono = ds->dests_mono;
	}
	err = 0;
fail:
	rates_index_free(il);
	rates_index_free(ip);
	if (err)
		snapshot_free(out);
	return err;
}
