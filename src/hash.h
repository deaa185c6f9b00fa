/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hashing for every table here: FNV-1a, a word mixer, and one open-addressing index. */
#ifndef IPVSTOP_HASH_H
#define IPVSTOP_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FNV-1a's 64-bit offset basis: the h to start a hash with. */
#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL
#define HASH_FNV1A_PRIME 0x100000001b3ULL

/* FNV-1a of n bytes at p, continuing from h (HASH_FNV1A_INIT to start), so fields chain. */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * HASH_FNV1A_PRIME;
	return h;
}

/* FNV-1a of the bytes of string s (without its NUL), continuing from h. */
static inline uint64_t hash_fnv1a_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * HASH_FNV1A_PRIME;
	return h;
}

/* One word into h, FNV's shape with a 64-bit multiplier: eight bytes a step, not one. */
static inline uint64_t hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/*
 * An open-addressing index with linear probing, no key type of its own: the caller hashes
 * its key to 64 bits and gives an equality. Each slot holds a uint32_t value and 32 bits of
 * the hash side by side (a probe reads one small array and compares a key only when those
 * agree), and beside it a record of rec_size bytes the caller fills (its key, a count...).
 * Entries of one key are found in the order they were added (while none is removed: an
 * add may reuse a removed slot). The index owns its arrays, not what a record points to.
 */
struct hash_slot {
	uint32_t val, tag; /* tag 0: empty, HASH_TAG_REMOVED: removed, else odd */
};

#define HASH_TAG_REMOVED 2u

struct hash_index {
	struct hash_slot *slots;
	unsigned char *recs; /* cap * rec_size bytes, the record of slot i at i * rec_size */
	size_t cap;	     /* a power of two, or 0 before init */
	size_t rec_size;
	size_t used; /* slots live or removed: what probes walk over */
};

/* An index with no arrays yet, for records of rec_size bytes: hash_index_reserve allocates. */
#define HASH_INDEX_EMPTY(size) ((struct hash_index){.rec_size = (size)})

/* Whether key (the caller's, as given to the find calls) is the one in record rec. */
typedef bool hash_eq_fn(const void *key, const void *rec, size_t rec_size);

/* The equality of records that are the key itself, byte for byte. */
bool hash_eq_bytes(const void *key, const void *rec, size_t rec_size);

/*
 * Makes *ix an empty index with room for n entries (load at most 1/2) and records of
 * rec_size bytes (0: none). 0, or -ENOMEM with *ix empty but still safe to free.
 */
int hash_index_init(struct hash_index *ix, size_t rec_size, size_t n);
/* Frees the arrays (not what records point to): *ix is HASH_INDEX_EMPTY(its rec_size). */
void hash_index_free(struct hash_index *ix);
/*
 * Makes room for n more entries, growing (doubling) when the load would pass 1/2 and
 * dropping removed slots; hash_of gives a live record's hash again. 0 or -ENOMEM (the index
 * unchanged). Slot numbers change when it grows.
 */
int hash_index_reserve(struct hash_index *ix, size_t n, uint64_t (*hash_of)(const void *rec));
/*
 * Adds (key hash h, val, a copy of rec_size bytes at rec; rec may be NULL: zeroes) without
 * looking for an equal key. The index must have room (init or reserve). Returns the slot.
 */
size_t hash_index_add(struct hash_index *ix, uint64_t h, uint32_t val, const void *rec);

/* A walk over the entries of one key. */
struct hash_probe {
	size_t i;
	uint32_t tag;
};

struct hash_probe hash_index_probe(const struct hash_index *ix, uint64_t h);
/* The next entry equal to key along probe p into *slot; false when there is no more. */
bool hash_index_next(const struct hash_index *ix, struct hash_probe *p, hash_eq_fn *eq,
		     const void *key, size_t *slot);
/* The first entry of key (hashed h) into *slot; false when there is none. */
bool hash_index_find(const struct hash_index *ix, uint64_t h, hash_eq_fn *eq, const void *key,
		     size_t *slot);
/* Removes the entry at slot (it stays in probes as a removed slot until the index grows). */
void hash_index_remove(struct hash_index *ix, size_t slot);

/* The value and the record at a slot. */
static inline uint32_t hash_index_val(const struct hash_index *ix, size_t slot)
{
	return ix->slots[slot].val;
}

static inline void *hash_index_rec(const struct hash_index *ix, size_t slot)
{
	return ix->recs + slot * ix->rec_size;
}

/* Whether slot holds an entry (for walking all slots: 0 .. cap). */
static inline bool hash_index_live(const struct hash_index *ix, size_t slot)
{
	return ix->slots[slot].tag & 1;
}

#endif
