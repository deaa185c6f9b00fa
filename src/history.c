/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bounded history of every row's rates in tiers of coarser points, and its markers. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "hash.h"
#include "history.h"
#include "mem.h"
#include "nls.h"

/*
 * Memory is the constraint: 10 MB for 120,000 rows of 7 series is 12 bytes a series. So a
 * point is one byte, a mantissa in a block floating point shared by all the points of one
 * row's series (value = m * 2^(exp-4), m 0..254; 255 is a gap). Precision is 1/254 of the
 * series' largest value, which is what a linear graph or a sparkline can show; when a value
 * does not fit, exp grows and the series' points are halved. Timestamps are kept once per
 * tier: every row is sampled at the same times.
 */
#define GAP 255u
#define M_MAX 254.0

struct history {
	size_t budget;
	size_t n_rows, cap_rows; /* rows tracked and the room for them */
	size_t L, F;		 /* points per tier; points of tier k averaged into one of k+1 */
	uint64_t *keys;		 /* n_rows keys, sorted */
	uint32_t *rows;		 /* rows[i]: the row of keys[i] */
	uint8_t *data;		 /* cap_rows * stride(): per series, exp then tiers * L points */
	double *times;		 /* HISTORY_TIERS * L */
	size_t head[HISTORY_TIERS], count[HISTORY_TIERS], since[HISTORY_TIERS];
	struct history_marker markers[HISTORY_MARKERS];
	size_t mk_head, mk_count;
	/*
	 * The last sample's shape, by row, for the next sample's markers: RF_* flags, and aux
	 * (a service's scheduler, as sched_hash; a real server's service, as its row). Five
	 * bytes a row on top of the budget, in place of a reference to the sampled table.
	 */
	uint8_t *flags;
	uint32_t *aux;
	double last_time; /* the last sample's */
	bool have_last;
	bool failing; /* the last push was a failed read */
};

/* The last sample's shape (struct history's flags). */
#define RF_SEEN 0x01u	/* in the last sample */
#define RF_DEST 0x02u	/* a real server's row: aux is its service's row */
#define RF_WPOS 0x04u	/* a real server whose weight was above 0 */
#define RF_KNOWN 0x08u	/* a service whose real servers were known */
#define RF_NOW 0x10u	/* in the sample being taken (until shape_commit) */
#define RF_NKNOWN 0x20u /* RF_KNOWN, RF_WPOS of the sample being taken */
#define RF_NWPOS 0x40u

static size_t series_len(size_t L)
{
	return 1 + HISTORY_TIERS * L;
}

static size_t stride_of(size_t L)
{
	return HS_COUNT * series_len(L);
}

static uint8_t *series_at(const struct history *h, size_t row, enum history_series s)
{
	return h->data + row * stride_of(h->L) + (size_t)s * series_len(h->L);
}

/* Bytes of a history of cap rows and L points per tier. */
static size_t bytes_for(size_t cap, size_t L)
{
	return sizeof(struct history) + cap * (sizeof(uint64_t) + sizeof(uint32_t)) +
	       cap * stride_of(L) + HISTORY_TIERS * L * sizeof(double);
}

/* The layout for n rows: cap (with room to grow) and L within the budget; L 0: none fit. */
static void plan(size_t budget, size_t n, size_t *cap, size_t *L)
{
	*cap = n + n / 32 + 16;
	size_t l = HISTORY_POINTS_MAX;
	while (l >= 2 && bytes_for(*cap, l) > budget)
		l = bytes_for(*cap, 2) > budget ? 1 : l * 9 / 10 < l - 1 ? l * 9 / 10 : l - 1;
	if (l < 2) {
		/* Past what 2 points a tier allow: as many rows as fit, the rest without history. */
		l = 2;
		size_t per = sizeof(uint64_t) + sizeof(uint32_t) + stride_of(2);
		size_t fixed = bytes_for(0, 2);
		*cap = budget > fixed ? (budget - fixed) / per : 0;
	}
	*L = *cap ? l : 0;
}

uint64_t history_key_service(const struct ipvs_service *svc)
{
	struct ipvs_svc_key k;
	ipvs_svc_key_of(svc, &k);
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, &k, sizeof(k));
	return h < 2 ? h + 2 : h;
}

uint64_t history_key_dest(const struct ipvs_service *svc, const struct ipvs_dest *d)
{
	uint64_t h = history_key_service(svc);
	h = hash_fnv1a(h, &d->af, sizeof(d->af));
	h = hash_fnv1a(h, d->addr.bytes, d->af == AF_INET ? 4 : 16);
	h = hash_fnv1a(h, &d->port, sizeof(d->port));
	return h < 2 ? h + 2 : h;
}

struct history *history_new(size_t budget)
{
	struct history *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->budget = budget;
	return h;
}

void history_free(struct history *h)
{
	if (!h)
		return;
	mem_free_all(h->keys, h->rows, h->data, h->times, h->flags, h->aux, h);
}

static bool find_row(const struct history *h, uint64_t key, size_t *row)
{
	size_t lo = 0, hi = h->n_rows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->keys[mid] == key) {
			*row = h->rows[mid];
			return true;
		}
		if (h->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool history_has(const struct history *h, uint64_t key)
{
	size_t row;
	return find_row(h, key, &row);
}

/* ---- values ---- */

static double decode(uint8_t m, uint8_t exp)
{
	return m == GAP ? (double)NAN : ldexp(m, (int)exp - 4);
}

/* Halves every point of a series block (its exp grows by one). */
static void halve(uint8_t *blk, size_t L)
{
	for (size_t i = 1; i < series_len(L); i++)
		if (blk[i] != GAP)
			blk[i] = (uint8_t)((blk[i] + 1) >> 1);
	blk[0]++;
}

/* Stores v at point i of tier t of the series block. */
static void store(uint8_t *blk, size_t L, size_t t, size_t i, double v)
{
	if (!(v > 0))
		v = 0;
	double q = ldexp(v, 4 - (int)blk[0]);
	while (q > M_MAX + 0.49 && blk[0] < 120) {
		halve(blk, L);
		q /= 2;
	}
	blk[1 + t * L + i] = (uint8_t)lround(q < M_MAX ? q : M_MAX);
}

/* ---- layout ---- */

/* One row's block in layout oL (o, a copy) into layout L (n): the newest points of each tier. */
static void relayout_row(const uint8_t *o, size_t oL, uint8_t *n, size_t L, const size_t *head,
			 const size_t *keep)
{
	memset(n, GAP, stride_of(L));
	for (size_t s = 0; s < HS_COUNT; s++) {
		const uint8_t *os = o + s * series_len(oL);
		uint8_t *ns = n + s * series_len(L);
		ns[0] = os[0];
		for (size_t t = 0; t < HISTORY_TIERS; t++)
			for (size_t k = 0; k < keep[t]; k++)
				ns[1 + t * L + k] =
				    os[1 + t * oL + (head[t] + oL - keep[t] + k) % oL];
	}
}

/*
 * Moves the data into a layout of cap rows and L points (the newest points kept), in place:
 * a copy of the data would double the history's memory for a moment, which the process's
 * peak keeps (the layout changes as rows come, while a big table is first read). Rows move
 * up when blocks shrink and down when they grow, so none is overwritten before it is read.
 */
static int relayout(struct history *h, size_t cap, size_t L)
{
	size_t ostride = stride_of(h->L), nstride = stride_of(L);
	size_t obytes = h->cap_rows * ostride, nbytes = cap * nstride;
	double *times = calloc(L != 0 ? HISTORY_TIERS * L : 1, sizeof(double));
	uint8_t *tmp = malloc(ostride);
	uint8_t *grown = nbytes > obytes ? realloc(h->data, nbytes) : h->data;
	if (grown)
		h->data = grown; /* moved or not, the old layout is still in it */
	if (!times || !tmp || !grown) {
		mem_free_all(times, tmp);
		return -ENOMEM;
	}
	size_t keep[HISTORY_TIERS];
	for (size_t t = 0; t < HISTORY_TIERS; t++) {
		keep[t] = h->count[t] < L ? h->count[t] : L;
		for (size_t k = 0; k < keep[t]; k++) {
			size_t src = (h->head[t] + h->L - keep[t] + k) % h->L;
			times[t * L + k] = h->times[t * h->L + src];
		}
	}
	size_t n = h->n_rows < cap ? h->n_rows : cap;
	for (size_t i = 0; i < n; i++) {
		size_t r = nstride <= ostride ? i : n - 1 - i;
		memcpy(tmp, h->data + r * ostride, ostride);
		relayout_row(tmp, h->L, h->data + r * nstride, L, h->head, keep);
	}
	free(tmp);
	if (nbytes < obytes) {
		uint8_t *d = realloc(h->data, nbytes ? nbytes : 1);
		if (d)
			h->data = d; /* else the bigger block stays: harmless */
	}
	for (size_t t = 0; t < HISTORY_TIERS; t++) {
		h->count[t] = keep[t];
		h->head[t] = L ? keep[t] % L : 0;
		h->since[t] = 0;
	}
	free(h->times);
	h->times = times;
	h->cap_rows = cap;
	h->L = L;
	h->F = L < HISTORY_FACTOR ? L : HISTORY_FACTOR;
	return 0;
}

/* Whether row r has no point left: a row that went long enough ago to be forgotten. */
static bool row_dead(const struct history *h, size_t r)
{
	const uint8_t *blk = series_at(h, r, HS_CPS);
	for (size_t i = 1; i < series_len(h->L); i++)
		if (blk[i] != GAP)
			return false;
	return true;
}

/* Drops dead rows (their numbers are given to the rows after them). */
static void compact(struct history *h)
{
	uint32_t *map = malloc(h->n_rows * sizeof(*map) + 1);
	if (!map)
		return;
	size_t n = 0;
	for (size_t r = 0; r < h->n_rows; r++) {
		map[r] = UINT32_MAX;
		if (row_dead(h, r))
			continue;
		if (n != r) {
			memmove(h->data + n * stride_of(h->L), h->data + r * stride_of(h->L),
				stride_of(h->L));
			h->flags[n] = h->flags[r];
			h->aux[n] = h->aux[r];
		}
		map[r] = (uint32_t)n++;
	}
	/* A real server's row names its service's, which may have moved (or gone). */
	for (size_t r = 0; r < n; r++)
		if (h->flags[r] & RF_DEST) {
			uint32_t p = h->aux[r] < h->n_rows ? map[h->aux[r]] : UINT32_MAX;
			if (p == UINT32_MAX)
				h->flags[r] = RF_DEST;
			h->aux[r] = p == UINT32_MAX ? 0 : p;
		}
	size_t k = 0;
	for (size_t i = 0; i < h->n_rows; i++)
		if (map[h->rows[i]] != UINT32_MAX) {
			h->keys[k] = h->keys[i];
			h->rows[k++] = map[h->rows[i]];
		}
	h->n_rows = n;
	free(map);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Room for n rows in all: forgotten rows dropped first, then a bigger layout. */
static int make_room(struct history *h, size_t n)
{
	if (n <= h->cap_rows)
		return 0;
	size_t before = h->n_rows;
	compact(h);
	n -= before - h->n_rows;
	if (n <= h->cap_rows)
		return 0;
	size_t cap, L;
	plan(h->budget, n, &cap, &L);
	if (cap <= h->cap_rows)
		return 0; /* the budget allows no more rows: the new ones go without history */
	/* Each array keeps its rows on failure: cap_rows is raised only by relayout(). */
	if (array_resize(&h->keys, cap, sizeof(*h->keys)) ||
	    array_resize(&h->rows, cap, sizeof(*h->rows)) ||
	    array_resize(&h->flags, cap, sizeof(*h->flags)) ||
	    array_resize(&h->aux, cap, sizeof(*h->aux)))
		return -ENOMEM;
	return relayout(h, cap, L);
}

/* A new row: every point a gap, exps 0. */
static void init_row(struct history *h, size_t r)
{
	uint8_t *p = h->data + r * stride_of(h->L);
	memset(p, GAP, stride_of(h->L));
	for (size_t s = 0; s < HS_COUNT; s++)
		p[s * series_len(h->L)] = 0;
	h->flags[r] = 0;
	h->aux[r] = 0;
}

/* Adds the keys of new rows (sorted, distinct) that fit. */
static int add_rows(struct history *h, uint64_t *nk, size_t n_new)
{
	qsort(nk, n_new, sizeof(*nk), cmp_u64);
	size_t d = 0;
	for (size_t i = 0; i < n_new; i++)
		if (!d || nk[d - 1] != nk[i])
			nk[d++] = nk[i];
	int err = make_room(h, h->n_rows + d);
	if (err)
		return err;
	if (h->n_rows + d > h->cap_rows)
		d = h->cap_rows - h->n_rows;
	/* Merge from the end: both lists are sorted. */
	size_t i = h->n_rows, j = d, o = h->n_rows + d;
	uint32_t next = (uint32_t)(h->n_rows + d);
	while (j > 0) {
		if (i > 0 && h->keys[i - 1] > nk[j - 1]) {
			h->keys[--o] = h->keys[--i];
			h->rows[o] = h->rows[i];
		} else {
			h->keys[--o] = nk[--j];
			h->rows[o] = --next;
			init_row(h, next);
		}
	}
	h->n_rows += d;
	return 0;
}

/* ---- sampling ---- */

typedef void row_fn(struct history *h, uint64_t key, const double *v, void *arg);

static void rates_of(const struct ipvs_stats *st, double *v)
{
	v[HS_CPS] = (double)st->cps;
	v[HS_INPPS] = (double)st->inpps;
	v[HS_OUTPPS] = (double)st->outpps;
	v[HS_INBPS] = (double)st->inbps;
	v[HS_OUTBPS] = (double)st->outbps;
}

/* Calls fn for every row of s: the totals, each service, each known real server. */
static void each_row(struct history *h, const struct snapshot *s, row_fn *fn, void *arg)
{
	double tot[HS_COUNT] = {0}, v[HS_COUNT];
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(s, i);
		uint64_t act, inact;
		service_conn_totals(svc, &act, &inact);
		rates_of(&svc->stats, v);
		v[HS_ACTIVE] = (double)act;
		v[HS_INACTIVE] = (double)inact;
		for (size_t k = 0; k < HS_COUNT; k++)
			tot[k] += v[k];
		uint64_t sk = history_key_service(svc);
		fn(h, sk, v, arg);
		if (!svc->dests_known)
			continue;
		for (size_t j = 0; j < svc->n_dests; j++) {
			const struct ipvs_dest *d = &svc->dests[j];
			rates_of(&d->stats, v);
			v[HS_ACTIVE] = d->active_conns;
			v[HS_INACTIVE] = d->inactive_conns;
			fn(h, history_key_dest(svc, d), v, arg);
		}
	}
	/* The kernel's own totals are right even while the sweep's rows are of different ages. */
	if (s->totals_known)
		rates_of(&s->totals, tot);
	fn(h, HISTORY_KEY_TOTAL, tot, arg);
}

struct new_keys {
	uint64_t *k;
	size_t n, cap;
	int err;
};

static void collect_new(struct history *h, uint64_t key, const double *v, void *arg)
{
	(void)v;
	struct new_keys *nk = arg;
	size_t row;
	if (nk->err || find_row(h, key, &row))
		return;
	if (nk->n == nk->cap) {
		size_t cap = nk->cap ? nk->cap * 2 : 256;
		uint64_t *k = realloc(nk->k, cap * sizeof(*k));
		if (!k) {
			nk->err = -ENOMEM;
			return;
		}
		nk->k = k;
		nk->cap = cap;
	}
	nk->k[nk->n++] = key;
}

static void write_row(struct history *h, uint64_t key, const double *v, void *arg)
{
	(void)arg;
	size_t row;
	if (!find_row(h, key, &row))
		return; /* past the budget */
	for (size_t s = 0; s < HS_COUNT; s++)
		store(series_at(h, row, s), h->L, 0, h->head[0], v[s]);
}

/* One point of tier t+1 from the last F points of tier t, for every row. */
static void aggregate(struct history *h, size_t t)
{
	size_t L = h->L, p = h->head[t + 1];
	for (size_t r = 0; r < h->n_rows; r++)
		for (size_t s = 0; s < HS_COUNT; s++) {
			uint8_t *blk = series_at(h, r, s);
			double sum = 0;
			size_t n = 0;
			for (size_t k = 1; k <= h->F; k++) {
				uint8_t m = blk[1 + t * L + (h->head[t] + L - k) % L];
				if (m != GAP) {
					sum += m;
					n++;
				}
			}
			blk[1 + (t + 1) * L + p] = n ? (uint8_t)lround(sum / (double)n) : GAP;
		}
	h->times[(t + 1) * L + p] = h->times[t * L + (h->head[t] + L - 1) % L];
	h->head[t + 1] = (p + 1) % L;
	if (h->count[t + 1] < L)
		h->count[t + 1]++;
	h->since[t] = 0;
	if (t + 2 < HISTORY_TIERS && ++h->since[t + 1] == h->F)
		aggregate(h, t + 1);
}

/* A new point of tier 0 at time t: every row's a gap until write_row fills it. */
static void open_point(struct history *h, double t)
{
	size_t L = h->L, p = h->head[0];
	for (size_t r = 0; r < h->n_rows; r++)
		for (size_t s = 0; s < HS_COUNT; s++)
			series_at(h, r, s)[1 + p] = GAP;
	h->times[p] = t;
	(void)L;
}

static void close_point(struct history *h)
{
	h->head[0] = (h->head[0] + 1) % h->L;
	if (h->count[0] < h->L)
		h->count[0]++;
	if (HISTORY_TIERS > 1 && ++h->since[0] == h->F)
		aggregate(h, 0);
}

/* ---- markers ---- */

static void mark(struct history *h, double t, enum history_mark kind, uint64_t svc,
		 uint64_t dest)
{
	struct history_marker *m = &h->markers[h->mk_head];
	m->time = t;
	m->kind = kind;
	m->svc = svc;
	m->dest = dest;
	h->mk_head = (h->mk_head + 1) % HISTORY_MARKERS;
	if (h->mk_count < HISTORY_MARKERS)
		h->mk_count++;
}

void history_mark_global(struct history *h, double t, enum history_mark kind)
{
	mark(h, t, kind, HISTORY_KEY_TOTAL, 0);
}

static uint32_t sched_hash(const struct ipvs_service *svc)
{
	return (uint32_t)hash_fnv1a(HASH_FNV1A_INIT, svc->sched,
				    strnlen(svc->sched, sizeof(svc->sched)));
}

/*
 * A service of this sample against its row's last state: HM_SCHED, and when its real
 * servers were known both times, HM_RS_ADDED and HM_WEIGHT0. Marks its rows RF_NOW (and
 * their new state, RF_NKNOWN and RF_NWPOS) for shape_removed() and shape_commit().
 */
static void shape_service(struct history *h, double t, const struct ipvs_service *svc, bool diff)
{
	size_t sr, dr;
	uint64_t sk = history_key_service(svc);
	if (!find_row(h, sk, &sr))
		return; /* past the budget */
	uint8_t was = h->flags[sr];
	uint32_t sched = sched_hash(svc);
	bool cmp = diff && (was & RF_SEEN) && !(was & RF_DEST);
	if (cmp && h->aux[sr] != sched)
		mark(h, t, HM_SCHED, sk, 0);
	h->aux[sr] = sched;
	h->flags[sr] = (uint8_t)(was | RF_NOW | (svc->dests_known ? RF_NKNOWN : 0));
	if (!svc->dests_known)
		return;
	bool cmp_dests = cmp && (was & RF_KNOWN);
	for (size_t j = 0; j < svc->n_dests; j++) {
		const struct ipvs_dest *d = &svc->dests[j];
		uint64_t dk = history_key_dest(svc, d);
		if (!find_row(h, dk, &dr))
			continue;
		uint8_t dw = h->flags[dr];
		bool had = (dw & RF_SEEN) && (dw & RF_DEST) && h->aux[dr] == sr;
		if (cmp_dests && !had)
			mark(h, t, HM_RS_ADDED, sk, dk);
		else if (cmp_dests && (dw & RF_WPOS) && d->weight == 0)
			mark(h, t, HM_WEIGHT0, sk, dk);
		h->flags[dr] = (uint8_t)(dw | RF_DEST | RF_NOW | (d->weight > 0 ? RF_NWPOS : 0));
		h->aux[dr] = (uint32_t)sr;
	}
}

/*
 * Whether row r is a real server the last sample had and this one has not, in a service whose
 * real servers both knew.
 */
static bool shape_gone(const struct history *h, size_t r)
{
	uint8_t f = h->flags[r];
	if ((f & (RF_DEST | RF_SEEN | RF_NOW)) != (RF_DEST | RF_SEEN))
		return false;
	uint8_t p = h->flags[h->aux[r]];
	return (p & RF_NOW) && (p & RF_KNOWN) && (p & RF_NKNOWN);
}

/*
 * HM_RS_REMOVED for each real server gone. Its service's key comes from key_of, filled (a key
 * per row) only when one is gone: rare, and the room for it is untouched otherwise.
 */
static void shape_removed(struct history *h, double t, uint64_t *key_of)
{
	size_t n = 0;
	for (size_t r = 0; r < h->n_rows; r++)
		n += shape_gone(h, r);
	if (!n)
		return;
	for (size_t i = 0; i < h->n_rows; i++)
		key_of[h->rows[i]] = h->keys[i];
	for (size_t i = 0; i < h->n_rows; i++) {
		size_t r = h->rows[i];
		if (shape_gone(h, r))
			mark(h, t, HM_RS_REMOVED, key_of[h->aux[r]], h->keys[i]);
	}
}

/* This sample's shape becomes the last one. */
static void shape_commit(struct history *h)
{
	for (size_t r = 0; r < h->n_rows; r++) {
		uint8_t f = h->flags[r];
		h->flags[r] =
		    (uint8_t)((f & RF_DEST) | (f & RF_NOW ? RF_SEEN : 0) |
			      (f & RF_NKNOWN ? RF_KNOWN : 0) | (f & RF_NWPOS ? RF_WPOS : 0));
	}
}

/*
 * The markers of sample s against the last one, and its shape kept. key_of: room for a key
 * per row for shape_removed(), allocated by the caller before the sample is written so that a
 * sample is taken whole or not at all; NULL for the first sample (nothing to compare).
 */
static void shape_sample(struct history *h, const struct snapshot *s, uint64_t *key_of)
{
	for (size_t i = 0; i < s->n_services; i++)
		shape_service(h, s->time, snapshot_service(s, i), key_of != NULL);
	if (key_of)
		shape_removed(h, s->time, key_of);
	shape_commit(h);
}

int history_push(struct history *h, const struct snapshot *s, double min_step)
{
	/*
	 * No table read: a marker when reads start failing (not one a refresh: a host without
	 * IPVS would fill the ring). A degraded read (the /proc fallback, ipvs_error set but
	 * the table there) is sampled.
	 */
	if (!s->ipvs_available) {
		if (!h->failing)
			mark(h, s->time, HM_REFRESH_FAILED, HISTORY_KEY_TOTAL, 0);
		h->failing = true;
		return 0;
	}
	h->failing = false;
	if (h->have_last && !(s->time >= h->last_time + min_step && s->time > h->last_time))
		return 0;
	struct new_keys nk = {0};
	each_row(h, s, collect_new, &nk);
	int err = nk.err ? nk.err : nk.n ? add_rows(h, nk.k, nk.n) : 0;
	free(nk.k);
	if (err)
		return err;
	if (!h->L)
		return 0; /* nothing fits the budget */
	uint64_t *key_of = NULL;
	if (h->have_last && !(key_of = malloc(h->n_rows * sizeof(*key_of) + 1)))
		return -ENOMEM;
	open_point(h, s->time);
	each_row(h, s, write_row, NULL);
	close_point(h);
	shape_sample(h, s, key_of);
	free(key_of);
	h->last_time = s->time;
	h->have_last = true;
	return 0;
}

/* ---- reading ---- */

/* Time of point k (0: oldest) of tier t. */
static double time_at(const struct history *h, size_t t, size_t k)
{
	return h->times[t * h->L + (h->head[t] + h->L - h->count[t] + k) % h->L];
}

/* Seconds between a tier's points (0 with fewer than two). */
static double spacing(const struct history *h, size_t t)
{
	if (h->count[t] < 2)
		return 0;
	return (time_at(h, t, h->count[t] - 1) - time_at(h, t, 0)) / (double)(h->count[t] - 1);
}

/* The finest tier that reaches back to bs, or the one that reaches furthest. */
static size_t tier_for(const struct history *h, double bs)
{
	size_t best = 0;
	for (size_t t = 0; t < HISTORY_TIERS; t++) {
		if (!h->count[t])
			continue;
		if (time_at(h, t, 0) - spacing(h, t) <= bs)
			return t;
		if (!h->count[best] || time_at(h, t, 0) < time_at(h, best, 0))
			best = t;
	}
	return best;
}

/* Bucket b covers (t0 + b*w, t0 + (b+1)*w]: a rate sample describes the time before it. */
static void fill_tier(const struct history *h, const uint8_t *blk, size_t t, const size_t *tier,
		      double t0, double w, double *sum, size_t *cnt, size_t n)
{
	for (size_t k = 0; k < h->count[t]; k++) {
		double at = time_at(h, t, k);
		uint8_t m = blk[1 + t * h->L + (h->head[t] + h->L - h->count[t] + k) % h->L];
		double b = ceil((at - t0) / w) - 1;
		if (m == GAP || b < 0 || b >= (double)n || tier[(size_t)b] != t)
			continue;
		sum[(size_t)b] += decode(m, blk[0]);
		cnt[(size_t)b]++;
	}
}

/* Empty buckets of tier t take the first point after them whose interval reaches back. */
static void stand_in(const struct history *h, const uint8_t *blk, size_t t, const size_t *tier,
		     double t0, double w, double *out, const size_t *cnt, size_t n)
{
	double sp = spacing(h, t);
	for (size_t k = 0; k < h->count[t] && sp > 0; k++) {
		double at = time_at(h, t, k);
		uint8_t m = blk[1 + t * h->L + (h->head[t] + h->L - h->count[t] + k) % h->L];
		if (m == GAP)
			continue;
		for (double b = floor((at - sp - t0) / w); b * w + t0 < at && b < (double)n; b++)
			if (b >= 0 && tier[(size_t)b] == t && !cnt[(size_t)b] &&
			    isnan(out[(size_t)b]) && (b + 1) * w + t0 > at - sp)
				out[(size_t)b] = decode(m, blk[0]);
	}
}

size_t history_series(const struct history *h, uint64_t key, enum history_series s, double t0,
		      double t1, double *out, size_t n)
{
	size_t row, got = 0;
	for (size_t b = 0; b < n; b++)
		out[b] = (double)NAN;
	if (!n || !(t1 > t0) || !find_row(h, key, &row))
		return 0;
	double *sum = calloc(n, sizeof(*sum));
	size_t *cnt = calloc(n, sizeof(*cnt)), *tier = calloc(n, sizeof(*tier));
	if (sum && cnt && tier) {
		double w = (t1 - t0) / (double)n;
		const uint8_t *blk = series_at(h, row, s);
		for (size_t b = 0; b < n; b++)
			tier[b] = tier_for(h, t0 + (double)b * w);
		for (size_t t = 0; t < HISTORY_TIERS; t++)
			fill_tier(h, blk, t, tier, t0, w, sum, cnt, n);
		for (size_t b = 0; b < n; b++)
			if (cnt[b])
				out[b] = sum[b] / (double)cnt[b];
		for (size_t t = 0; t < HISTORY_TIERS; t++)
			stand_in(h, blk, t, tier, t0, w, out, cnt, n);
		for (size_t b = 0; b < n; b++)
			got += !isnan(out[b]);
	}
	free(sum);
	free(cnt);
	free(tier);
	return got;
}

static const struct history_marker *marker_at(const struct history *h, size_t k)
{
	return &h->markers[(h->mk_head + HISTORY_MARKERS - h->mk_count + k) % HISTORY_MARKERS];
}

size_t history_markers(const struct history *h, uint64_t key, double t0, double t1,
		       struct history_marker *out, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < h->mk_count && n < max; k++) {
		const struct history_marker *m = marker_at(h, k);
		if (m->time < t0 || m->time > t1)
			continue;
		if (key == HISTORY_KEY_TOTAL || m->svc == HISTORY_KEY_TOTAL || m->svc == key ||
		    m->dest == key)
			out[n++] = *m;
	}
	return n;
}

bool history_marker_near(const struct history *h, double t, int dir, double *at)
{
	bool found = false;
	for (size_t k = 0; k < h->mk_count; k++) {
		double mt = marker_at(h, k)->time;
		if ((dir < 0 && mt < t && (!found || mt > *at)) ||
		    (dir > 0 && mt > t && (!found || mt < *at))) {
			*at = mt;
			found = true;
		}
	}
	return found;
}

double history_newest(const struct history *h)
{
	return h->L && h->count[0] ? time_at(h, 0, h->count[0] - 1) : 0;
}

double history_oldest(const struct history *h)
{
	double o = 0;
	for (size_t t = 0; t < HISTORY_TIERS && h->L; t++) {
		if (!h->count[t])
			continue;
		/* A tier's first point stands for the F (or F^t) samples before it. */
		double start = time_at(h, t, 0) - spacing(h, t);
		if (!h->count[t] || h->count[t] < 2)
			start = time_at(h, t, 0);
		if (!o || start < o)
			o = start;
	}
	return o;
}

size_t history_bytes(const struct history *h)
{
	return bytes_for(h->cap_rows, h->L) + h->cap_rows * (sizeof(*h->flags) + sizeof(*h->aux));
}

size_t history_points(const struct history *h)
{
	return h->L;
}

size_t history_rows(const struct history *h)
{
	return h->n_rows;
}

const char *history_series_name(enum history_series s)
{
	static const char *const names[HS_COUNT] = {
	    N_("connections/s"), N_("packets/s in"),	   N_("packets/s out"),
	    N_("bytes/s in"),	 N_("bytes/s out"),	   N_("active connections"),
	    N_("inactive connections"),
	};
	return s < HS_COUNT ? names[s] : "?";
}

const char *history_series_unit(enum history_series s)
{
	static const char *const units[HS_COUNT] = {
	    N_("conn/s"), N_("pkt/s"), N_("pkt/s"), N_("B/s"), N_("B/s"), N_("conns"), N_("conns"),
	};
	return s < HS_COUNT ? units[s] : "?";
}

double history_scale_top(double m)
{
	if (!(m > 0))
		return 1;
	double p = pow(10, floor(log10(m)));
	return m <= p ? p : m <= 2 * p ? 2 * p : m <= 5 * p ? 5 * p : 10 * p;
}

const char *history_mark_name(enum history_mark kind)
{
	static const char *const names[HM_COUNT] = {
	    [HM_WEIGHT0] = N_("weight 0"),
	    [HM_RS_ADDED] = N_("real server added"),
	    [HM_RS_REMOVED] = N_("real server removed"),
	    [HM_SCHED] = N_("scheduler switched"),
	    [HM_REFRESH_FAILED] = N_("refresh failed"),
	    [HM_KUBE_PROXY] = N_("kube-proxy restarted"),
	};
	return kind < HM_COUNT ? names[kind] : "?";
}

char history_mark_tag(enum history_mark kind)
{
	static const char tags[HM_COUNT] = {'0', '+', '-', 's', '!', 'k'};
	return kind < HM_COUNT ? tags[kind] : '?';
}
