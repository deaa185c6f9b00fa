/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of hash: FNV-1a's published values, chaining, and the open-addressing index. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "hash.h"

START_TEST(test_fnv1a)
{
	/* The FNV-1a 64 test vectors (draft-eastlake-fnv). */
	ck_assert_uint_eq(hash_fnv1a(HASH_FNV1A_INIT, "", 0), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash_fnv1a(HASH_FNV1A_INIT, "a", 1), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(hash_fnv1a(HASH_FNV1A_INIT, "foobar", 6), 0x85944171f73967e8ULL);
	ck_assert_uint_eq(hash_fnv1a_str(HASH_FNV1A_INIT, "foobar"), 0x85944171f73967e8ULL);
	/* Continuing from a hash is hashing the concatenation. */
	ck_assert_uint_eq(hash_fnv1a_str(hash_fnv1a(HASH_FNV1A_INIT, "foo", 3), "bar"),
			  0x85944171f73967e8ULL);
	/* The word mixer: one step by hand. */
	uint64_t h = (HASH_FNV1A_INIT ^ 7) * 0x9e3779b97f4a7c15ULL;
	ck_assert_uint_eq(hash_mix(HASH_FNV1A_INIT, 7), h ^ (h >> 29));
}
END_TEST

struct rec {
	char key[8];
	int n;
};

static bool rec_eq(const void *key, const void *rec, size_t rec_size)
{
	(void)rec_size;
	return strcmp(((const struct rec *)rec)->key, key) == 0;
}

static uint64_t rec_hash(const void *rec)
{
	return hash_fnv1a_str(HASH_FNV1A_INIT, ((const struct rec *)rec)->key);
}

/* A hash that puts every key in the same place: probes walk over the others. */
static uint64_t same_hash(const void *rec)
{
	(void)rec;
	return 0x1234567800000005ULL;
}

START_TEST(test_index_multimap)
{
	struct hash_index ix;
	ck_assert_int_eq(hash_index_init(&ix, sizeof(struct rec), 4), 0);
	ck_assert_uint_eq(ix.cap, 16);
	struct rec a = {"a", 0}, b = {"b", 0};
	/* Entries of one key come back in the order they were added. */
	for (uint32_t v = 0; v < 3; v++) {
		hash_index_add(&ix, same_hash(&a), v, &a);
		hash_index_add(&ix, same_hash(&b), 10 + v, &b);
	}
	struct hash_probe p = hash_index_probe(&ix, same_hash(&a));
	size_t slot;
	for (uint32_t v = 0; v < 3; v++) {
		ck_assert(hash_index_next(&ix, &p, rec_eq, "a", &slot));
		ck_assert_uint_eq(hash_index_val(&ix, slot), v);
	}
	ck_assert(!hash_index_next(&ix, &p, rec_eq, "a", &slot));
	ck_assert(hash_index_find(&ix, same_hash(&b), rec_eq, "b", &slot));
	ck_assert_uint_eq(hash_index_val(&ix, slot), 10);
	ck_assert(!hash_index_find(&ix, same_hash(&b), rec_eq, "c", &slot));
	/* A removed entry is skipped, and the ones past it are still found. */
	ck_assert(hash_index_find(&ix, same_hash(&a), rec_eq, "a", &slot));
	hash_index_remove(&ix, slot);
	ck_assert(hash_index_find(&ix, same_hash(&a), rec_eq, "a", &slot));
	ck_assert_uint_eq(hash_index_val(&ix, slot), 1);
	hash_index_free(&ix);
	ck_assert_ptr_null(ix.slots);
	ck_assert_uint_eq(ix.rec_size, sizeof(struct rec));
	/* Finding in an index never allocated finds nothing. */
	ck_assert(!hash_index_find(&ix, 1, rec_eq, "a", &slot));
}
END_TEST

START_TEST(test_index_grows)
{
	struct hash_index ix = HASH_INDEX_EMPTY(sizeof(struct rec));
	size_t slot;
	for (int i = 0; i < 1000; i++) {
		struct rec r = {"", i};
		snprintf(r.key, sizeof(r.key), "k%d", i);
		ck_assert_int_eq(hash_index_reserve(&ix, 1, rec_hash), 0);
		hash_index_add(&ix, rec_hash(&r), (uint32_t)i, &r);
		ck_assert_uint_le(ix.used * 2, ix.cap);
	}
	ck_assert_uint_eq(ix.cap, 2048);
	/* Remove most: growing again rehashes at the same size and drops the removed. */
	for (int i = 0; i < 900; i++) {
		struct rec r;
		snprintf(r.key, sizeof(r.key), "k%d", i);
		ck_assert(hash_index_find(&ix, rec_hash(&r), rec_eq, r.key, &slot));
		hash_index_remove(&ix, slot);
	}
	ck_assert_int_eq(hash_index_reserve(&ix, 100, rec_hash), 0);
	ck_assert_uint_eq(ix.cap, 2048);
	ck_assert_uint_eq(ix.used, 100);
	for (int i = 1000; i < 1030; i++) {
		struct rec r = {"", i};
		snprintf(r.key, sizeof(r.key), "k%d", i);
		ck_assert_int_eq(hash_index_reserve(&ix, 1, rec_hash), 0);
		hash_index_add(&ix, rec_hash(&r), (uint32_t)i, &r);
	}
	ck_assert_uint_eq(ix.used, 130);
	for (int i = 0; i < 1030; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", i);
		bool found =
		    hash_index_find(&ix, hash_fnv1a_str(HASH_FNV1A_INIT, key), rec_eq, key, &slot);
		ck_assert_int_eq(found, i >= 900);
		if (found)
			ck_assert_int_eq(((struct rec *)hash_index_rec(&ix, slot))->n, i);
	}
	hash_index_free(&ix);
}
END_TEST

CHECK_MAIN("hash", {"fnv1a", 0, {test_fnv1a}},
	   {"index", 0, {test_index_multimap, test_index_grows}})
