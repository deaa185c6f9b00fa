/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The open-addressing index every hash table here is made of (see hash.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

bool hash_eq_bytes(const void *key, const void *rec, size_t rec_size)
{
	return memcmp(key, rec, rec_size) == 0;
}

/* The hash bits kept in a slot: the high half, made odd (never empty, never removed). */
static uint32_t hash_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1;
}

static int hash_index_alloc(struct hash_index *ix, size_t rec_size, size_t cap)
{
	*ix = HASH_INDEX_EMPTY(rec_size);
	ix->slots = calloc(cap, sizeof(*ix->slots));
	ix->recs = rec_size ? malloc(cap * rec_size) : NULL;
	if (!ix->slots || (rec_size && !ix->recs)) {
		hash_index_free(ix);
		return -ENOMEM;
	}
	ix->cap = cap;
	return 0;
}

int hash_index_init(struct hash_index *ix, size_t rec_size, size_t n)
{
	size_t cap = 16;
	while (cap < 2 * n + 1)
		cap *= 2;
	return hash_index_alloc(ix, rec_size, cap);
}

void hash_index_free(struct hash_index *ix)
{
	free(ix->slots);
	free(ix->recs);
	*ix = HASH_INDEX_EMPTY(ix->rec_size);
}

int hash_index_reserve(struct hash_index *ix, size_t n, uint64_t (*hash_of)(const void *rec))
{
	if (ix->cap && (ix->used + n) * 2 <= ix->cap)
		return 0;
	size_t live = 0;
	for (size_t i = 0; i < ix->cap; i++)
		live += hash_index_live(ix, i);
	size_t cap = ix->cap ? ix->cap * 2 : 64;
	/* Mostly removed slots: rehash at the same size. */
	if (ix->cap && live * 4 < ix->cap && (live + n) * 2 <= ix->cap)
		cap = ix->cap;
	while ((live + n) * 2 > cap)
		cap *= 2;
	struct hash_index old = *ix;
	if (hash_index_alloc(ix, old.rec_size, cap) < 0) {
		*ix = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (hash_index_live(&old, i))
			hash_index_add(ix, hash_of(hash_index_rec(&old, i)), old.slots[i].val,
				       hash_index_rec(&old, i));
	hash_index_free(&old);
	return 0;
}

size_t hash_index_add(struct hash_index *ix, uint64_t h, uint32_t val, const void *rec)
{
	size_t i = (size_t)h & (ix->cap - 1);
	while (ix->slots[i].tag & 1)
		i = (i + 1) & (ix->cap - 1);
	if (!ix->slots[i].tag)
		ix->used++;
	ix->slots[i].tag = hash_tag(h);
	ix->slots[i].val = val;
	if (ix->rec_size && rec)
		memcpy(hash_index_rec(ix, i), rec, ix->rec_size);
	else if (ix->rec_size)
		memset(hash_index_rec(ix, i), 0, ix->rec_size);
	return i;
}

struct hash_probe hash_index_probe(const struct hash_index *ix, uint64_t h)
{
	return (struct hash_probe){ix->cap ? (size_t)h & (ix->cap - 1) : 0, hash_tag(h)};
}

bool hash_index_next(const struct hash_index *ix, struct hash_probe *p, hash_eq_fn *eq,
		     const void *key, size_t *slot)
{
	if (!ix->cap)
		return false;
	size_t i = p->i;
	while (ix->slots[i].tag) {
		size_t cur = i;
		i = (i + 1) & (ix->cap - 1);
		if (ix->slots[cur].tag == p->tag &&
		    eq(key, hash_index_rec(ix, cur), ix->rec_size)) {
			p->i = i;
			*slot = cur;
			return true;
		}
	}
	p->i = i;
	return false;
}

bool hash_index_find(const struct hash_index *ix, uint64_t h, hash_eq_fn *eq, const void *key,
		     size_t *slot)
{
	struct hash_probe p = hash_index_probe(ix, h);
	return hash_index_next(ix, &p, eq, key, slot);
}

void hash_index_remove(struct hash_index *ix, size_t slot)
{
	ix->slots[slot].tag = HASH_TAG_REMOVED;
}
