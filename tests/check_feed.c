/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the live feed (feed.c): reading a big table a part at a time against a table
 * the test controls, with shared destination arrays. The feed's reads go to the collector
 * functions defined here, which take the place of collect.c's (the linker uses these, not
 * libipvstop.a's): the kernel itself is tested through the real path by tests/vm.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cancel.h"
#include "check_main.h"
#include "collect.h"
#include "dp_feed.h"
#include "feed.h"
#include "snapshot.h"

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a table the test changes, read by the feed through these collector functions ---- */

#define FK_MAX 1000
struct fake_svc {
	struct ipvs_service svc; /* identity and stats; no dests */
	bool present;
	int32_t weight;	      /* of its one real server */
	unsigned dest_reads;  /* GET_DEST */
	unsigned stats_reads; /* GET_SERVICE */
};
static pthread_mutex_t fk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_svc fk[FK_MAX];
static size_t fk_n;
/*
 * What the feed did, counted here so that the tests speak of refreshes and passes rather
 * than of seconds: refreshes (collector_read_start, collector_read_header), service dumps
 * (a pass each), reads waiting behind the gate now.
 */
static unsigned fk_ticks, fk_dumps, fk_waiting;
/* Each dump's refresh and time (the stats_mono it gives every service), the first FK_DUMPS. */
#define FK_DUMPS 256
static struct {
	unsigned tick;
	double mono;
} fk_dump_at[FK_DUMPS];
/* Closed: reads of real servers wait (so that a test sees the first frame for sure). */
static pthread_cond_t fk_cv = PTHREAD_COND_INITIALIZER;
static bool fk_gate_closed;
/* CPU time each read of real servers burns (the kernel's cost, for the budget). */
static unsigned fk_burn_us;
/* collector_cancel()'s bits; reads asked for while CANCEL_ALL is set. */
static unsigned fk_cancel, fk_reads_cancelled;

static void fk_gate(bool closed)
{
	pthread_mutex_lock(&fk_lock);
	fk_gate_closed = closed;
	pthread_cond_broadcast(&fk_cv);
	pthread_mutex_unlock(&fk_lock);
}

struct collector {
	int unused;
};

static void fk_reset(size_t n)
{
	pthread_mutex_lock(&fk_lock);
	memset(fk, 0, sizeof(fk));
	fk_n = n;
	fk_ticks = fk_dumps = fk_waiting = 0;
	memset(fk_dump_at, 0, sizeof(fk_dump_at));
	fk_cancel = fk_reads_cancelled = 0;
	fk_burn_us = 0;
	for (size_t i = 0; i < n; i++) {
		struct ipvs_service *s = &fk[i].svc;
		s->af = AF_INET;
		s->protocol = IPPROTO_TCP;
		uint32_t a = htonl(0x0a000000u + (uint32_t)i);
		memcpy(s->addr.bytes, &a, 4);
		s->port = 80;
		snprintf(s->sched, sizeof(s->sched), "rr");
		fk[i].present = true;
		fk[i].weight = 1;
	}
	pthread_mutex_unlock(&fk_lock);
}

static void fk_key(size_t i, struct ipvs_svc_key *k)
{
	ipvs_svc_key_of(&fk[i].svc, k);
}

static struct fake_svc *fk_find(const struct ipvs_service *svc)
{
	for (size_t i = 0; i < fk_n; i++)
		if (fk[i].present && service_same(&fk[i].svc, svc))
			return &fk[i];
	return NULL;
}

struct collector *collector_new(const struct collect_opts *opts)
{
	(void)opts;
	return calloc(1, sizeof(struct collector));
}

void collector_free(struct collector *c)
{
	free(c);
}

void collector_set_connections(struct collector *c, bool on)
{
	(void)c;
	(void)on;
}

void collector_drop(struct collector *c)
{
	(void)c;
}

void collector_cancel(struct collector *c, unsigned what)
{
	(void)c;
	pthread_mutex_lock(&fk_lock);
	fk_cancel |= what;
	pthread_cond_broadcast(&fk_cv);
	pthread_mutex_unlock(&fk_lock);
}

void collector_uncancel(struct collector *c, unsigned what)
{
	(void)c;
	pthread_mutex_lock(&fk_lock);
	fk_cancel &= ~what;
	pthread_mutex_unlock(&fk_lock);
}

/* As the real reads: CANCEL_ALL ends a read (under fk_lock). */
static bool fk_cancelled(void)
{
	if (!(fk_cancel & CANCEL_ALL))
		return false;
	fk_reads_cancelled++;
	return true;
}

static int fk_dump(struct snapshot *s)
{
	double t = now_mono();
	pthread_mutex_lock(&fk_lock);
	if (fk_cancelled()) {
		pthread_mutex_unlock(&fk_lock);
		return -ECANCELED;
	}
	if (fk_dumps < FK_DUMPS) {
		fk_dump_at[fk_dumps].tick = fk_ticks;
		fk_dump_at[fk_dumps].mono = t;
	}
	fk_dumps++;
	for (size_t i = 0; i < fk_n; i++) {
		if (!fk[i].present)
			continue;
		struct ipvs_service *p = snapshot_add_service(s);
		ck_assert_ptr_nonnull(p);
		*p = fk[i].svc;
		p->dests_pending = true;
		p->stats_mono = t;
	}
	pthread_mutex_unlock(&fk_lock);
	return 0;
}

/* One of the counters above, read under the lock. */
static unsigned fk_count(const unsigned *counter)
{
	pthread_mutex_lock(&fk_lock);
	unsigned n = *counter;
	pthread_mutex_unlock(&fk_lock);
	return n;
}

static void fk_head(struct snapshot *s)
{
	s->mono = now_mono();
	s->time = 1795000000.0 + s->mono;
	s->ipvs_available = true;
	s->source = IPVS_SOURCE_NETLINK;
}

/* The start of a refresh: its header, which carries the refresh's number (conn_tab_size). */
static void fk_tick(struct snapshot *s)
{
	pthread_mutex_lock(&fk_lock);
	unsigned n = ++fk_ticks;
	pthread_mutex_unlock(&fk_lock);
	fk_head(s);
	s->conn_tab_size = n;
}

int collector_read(struct collector *c, struct snapshot *s)
{
	(void)c;
	memset(s, 0, sizeof(*s));
	ck_abort_msg("a live feed does not read whole tables over netlink");
	return -EINVAL;
}

int collector_read_start(struct collector *c, struct snapshot *s)
{
	(void)c;
	memset(s, 0, sizeof(*s));
	fk_tick(s);
	return fk_dump(s);
}

int collector_read_header(struct collector *c, struct snapshot *s)
{
	(void)c;
	fk_tick(s);
	return 0;
}

int collector_dump_services(struct collector *c,
			    int (*each)(void *arg, const struct ipvs_service *svc), void *arg)
{
	(void)c;
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	int err = fk_dump(&s);
	for (size_t i = 0; i < s.n_services && !err; i++) {
		/* As the kernel's dump: stats and settings, no destinations, no time. */
		struct ipvs_service v = *snapshot_service(&s, i);
		v.dests_pending = false;
		v.stats_mono = 0;
		err = each(arg, &v);
	}
	snapshot_free(&s);
	return err;
}

int collector_read_service(struct collector *c, struct ipvs_service *svc, bool stats)
{
	(void)c;
	pthread_mutex_lock(&fk_lock);
	fk_waiting++;
	pthread_cond_broadcast(&fk_cv);
	while (fk_gate_closed && !(fk_cancel & CANCEL_ALL))
		pthread_cond_wait(&fk_cv, &fk_lock);
	fk_waiting--;
	if (fk_cancelled()) {
		pthread_mutex_unlock(&fk_lock);
		return -ECANCELED;
	}
	struct fake_svc *f = fk_find(svc);
	if (!f && stats) {
		pthread_mutex_unlock(&fk_lock);
		return -ESRCH; /* as GET_SERVICE answers */
	}
	if (fk_burn_us) {
		struct timespec a, b;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		do
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 <
		       (long)fk_burn_us);
	}
	size_t n = f ? 1 : 0; /* GET_DEST of a service gone: an empty dump */
	struct ipvs_dest *d = n ? ipvs_dests_alloc(1) : NULL;
	if (f) {
		ck_assert_ptr_nonnull(d);
		memset(d, 0, sizeof(*d));
		d->af = AF_INET;
		d->port = 8080;
		d->weight = f->weight;
		f->dest_reads++;
		if (stats) {
			f->stats_reads++;
			struct ipvs_dest *keep = svc->dests;
			size_t kn = svc->n_dests;
			*svc = f->svc;
			svc->dests = keep;
			svc->n_dests = svc->cap_dests = kn;
			svc->stats_mono = now_mono();
		}
	}
	pthread_mutex_unlock(&fk_lock);
	service_set_dests(svc, d, n);
	svc->dests_known = true;
	svc->dests_pending = false;
	svc->dests_mono = now_mono();
	return 0;
}

/* ---- the data-plane thread, played by the test: it says when a read arrived ---- */

static void (*fdp_wake)(void *);
static void *fdp_arg;
static int fdp_struct; /* what the fake hands out as its thread */
static struct dataplane *fdp_latest; /* what its newest read is, NULL: none yet */

struct dp_feed *dp_feed_start(const struct dataplane_opts *o, double period,
			      void (*wake)(void *arg), void *arg)
{
	(void)o;
	(void)period;
	fdp_wake = wake;
	fdp_arg = arg;
	return (struct dp_feed *)&fdp_struct;
}

struct dataplane *dp_feed_latest(struct dp_feed *df)
{
	(void)df;
	return fdp_latest ? dataplane_ref(fdp_latest) : NULL;
}

void dp_feed_set_period(struct dp_feed *df, double period)
{
	(void)df;
	(void)period;
}

void dp_feed_stop(struct dp_feed *df)
{
	(void)df;
	fdp_wake = NULL;
}

/* ---- the live feed ---- */

/*
 * The checks count refreshes and passes (fk_ticks, fk_dumps), not seconds, so that a busy
 * machine makes them slower, not wrong. WAIT only bounds a wait for a snapshot that must
 * come: a guard against a hang, not a measure of speed.
 */
#define WAIT 10.0
/* What the one check in seconds allows a busy machine (test_first_frame_then_focus_and_sweep). */
#define SLACK 0.5

/* The refresh that read snapshot s (the fake's header carries it). */
static unsigned tick_of(const struct snapshot *s)
{
	return s->conn_tab_size;
}

/* How many passes started from dump number first on, up to and with refresh tick. */
static unsigned fk_dumps_since(unsigned first, unsigned tick)
{
	unsigned n = 0;
	pthread_mutex_lock(&fk_lock);
	for (unsigned i = first; i < fk_dumps && i < FK_DUMPS; i++)
		n += fk_dump_at[i].tick <= tick;
	pthread_mutex_unlock(&fk_lock);
	return n;
}

/* The refresh of the first service dump after refresh tick, UINT_MAX before there is one. */
static unsigned fk_first_dump_after(unsigned tick)
{
	unsigned t = UINT_MAX;
	pthread_mutex_lock(&fk_lock);
	for (unsigned i = 0; i < fk_dumps && i < FK_DUMPS && t == UINT_MAX; i++)
		if (fk_dump_at[i].tick > tick)
			t = fk_dump_at[i].tick;
	pthread_mutex_unlock(&fk_lock);
	return t;
}

/* When the pass in progress at refresh tick started (its dump's time). */
static double fk_pass_start(unsigned tick)
{
	double t = -1;
	pthread_mutex_lock(&fk_lock);
	for (unsigned i = 0; i < fk_dumps && i < FK_DUMPS; i++)
		if (fk_dump_at[i].tick <= tick)
			t = fk_dump_at[i].mono;
	pthread_mutex_unlock(&fk_lock);
	ck_assert(t >= 0);
	return t;
}

/* The next snapshot within timeout seconds, into *s (false: none came). */
static bool next_snap(struct feed *f, struct snapshot *s, double timeout)
{
	double end = now_mono() + timeout;
	for (;;) {
		if (feed_take(f, s))
			return true;
		double left = end - now_mono();
		if (left <= 0)
			return false;
		struct pollfd p = {.fd = feed_fd(f), .events = POLLIN};
		poll(&p, 1, (int)(left * 1000) + 1);
	}
}

/* The first snapshot, not looked at: the feed is running. */
static void skip_first(struct feed *f)
{
	struct snapshot s;
	ck_assert(next_snap(f, &s, WAIT));
	snapshot_free(&s);
}

static const struct ipvs_service *find_key(const struct snapshot *s, size_t i)
{
	return snapshot_find_service(s, &fk[i].svc);
}

static struct feed *start_feed(double interval, double period)
{
	struct collect_opts o = {0};
	struct feed *f = feed_start(&o, interval, NULL, NULL);
	ck_assert_ptr_nonnull(f);
	feed_set_sweep_period(f, period, period); /* fixed: no CPU budget */
	return f;
}

START_TEST(test_first_frame_then_focus_and_sweep)
{
	fk_reset(600);
	fk_gate(true);
	struct feed *f = start_feed(0.1, 1.0);
	struct snapshot s;
	/* The first snapshot: every service, no real server read yet. */
	ck_assert(next_snap(f, &s, WAIT));
	fk_gate(false);
	ck_assert_uint_eq(s.n_services, 600);
	size_t pending = 0;
	for (size_t i = 0; i < s.n_services; i++)
		pending += snapshot_service(&s, i)->dests_pending &&
			   !snapshot_service(&s, i)->dests_known &&
			   snapshot_service(&s, i)->n_dests == 0;
	ck_assert_uint_eq(pending, 600);
	/* Kept while the feed goes on: what it reads next must not change it. */
	struct snapshot first = s;

	struct ipvs_svc_key keys[3];
	size_t focus[3] = {599, 0, 300};
	for (size_t i = 0; i < 3; i++)
		fk_key(focus[i], &keys[i]);
	feed_set_focus(f, keys, 3, true);
	/* A refresh under way may publish once more without it: then it is read at once. */
	bool have = false;
	for (int i = 0; i < 2 && !have; i++) {
		ck_assert(next_snap(f, &s, WAIT));
		const struct ipvs_service *v = find_key(&s, focus[0]);
		have = v && !v->dests_pending;
		snapshot_free(&s);
	}
	ck_assert(have);

	/* Every refresh re-reads the focus; in a period everything is read. 30 refreshes: 3 s. */
	unsigned tick0 = fk_count(&fk_ticks), dump0 = fk_count(&fk_dumps);
	size_t checked = 0;
	while (fk_count(&fk_ticks) - tick0 < 30) {
		ck_assert(next_snap(f, &s, WAIT));
		for (size_t i = 0; i < 3; i++) {
			const struct ipvs_service *v = find_key(&s, focus[i]);
			ck_assert_ptr_nonnull(v);
			ck_assert(!v->dests_pending);
			ck_assert_uint_eq(v->n_dests, 1);
		}
		if (fk_dumps_since(dump0, tick_of(&s)) >= 2) {
			/*
			 * A whole pass (1 s) and a refresh: nothing pending, nothing older. The
			 * age is in seconds because the schedule promises seconds (sweep.h), for
			 * refreshes on time: a refresh late past the end of a pass leaves the rest
			 * of it unread (the dump starts the next one), so on a busy machine the
			 * bound carries SLACK. Every service's stats come with each dump.
			 */
			for (size_t i = 0; i < s.n_services; i++) {
				ck_assert(!snapshot_service(&s, i)->dests_pending);
				ck_assert(s.mono - snapshot_service(&s, i)->dests_mono <
					  1.0 + 0.1 + SLACK);
				double st = snapshot_stats_mono(&s, snapshot_service(&s, i));
				ck_assert(s.mono - st < 1.0 + 0.1 + SLACK);
				ck_assert(st >= fk_pass_start(tick_of(&s)));
			}
			checked++;
		}
		snapshot_free(&s);
	}
	ck_assert_uint_ge(checked, 3);
	pending = 0;
	for (size_t i = 0; i < first.n_services; i++)
		pending += snapshot_service(&first, i)->dests_pending &&
			   snapshot_service(&first, i)->n_dests == 0;
	ck_assert_uint_eq(pending, 600);
	snapshot_free(&first);
	/* The focus was read about every refresh (0.1 s), the rest about every pass (1 s). */
	pthread_mutex_lock(&fk_lock);
	unsigned fr = fk[599].dest_reads, rest = fk[150].dest_reads, passes = fk_dumps;
	pthread_mutex_unlock(&fk_lock);
	ck_assert_uint_ge(fr, 15);
	ck_assert_uint_ge(fr, 30);	 /* each of the 30 refreshes */
	ck_assert_uint_le(rest, passes); /* once a pass (6 or fewer in 3 s) */
	ck_assert_uint_ge(rest, 2);
	feed_stop(f);
}
END_TEST

START_TEST(test_focus_each_refresh_sees_change)
{
	fk_reset(600);
	struct feed *f = start_feed(0.2, 60.0); /* the sweep alone would take a minute */
	skip_first(f);
	struct snapshot s;
	struct ipvs_svc_key k;
	fk_key(42, &k);
	feed_set_focus(f, &k, 1, true);
	ck_assert(next_snap(f, &s, WAIT));
	snapshot_free(&s);
	/*
	 * A change to the focused service shows in the next refresh: every refresh that
	 * started after it (the one under way may have read before). Two of them are looked at.
	 */
	pthread_mutex_lock(&fk_lock);
	fk[42].weight = 77;
	fk[43].weight = 77;
	unsigned changed = fk_ticks;
	pthread_mutex_unlock(&fk_lock);
	unsigned seen = 0;
	while (seen < 2) {
		ck_assert(next_snap(f, &s, WAIT));
		const struct ipvs_service *v = find_key(&s, 42);
		if (tick_of(&s) > changed) {
			ck_assert_msg(v && v->n_dests == 1 && v->dests[0].weight == 77,
				      "refresh %u, the change made during refresh %u", tick_of(&s),
				      changed);
			seen++;
		}
		snapshot_free(&s);
	}
	feed_stop(f);
}
END_TEST

START_TEST(test_focus_change_read_at_once)
{
	fk_reset(600);
	struct feed *f = start_feed(5.0, 600.0); /* refreshes far apart */
	skip_first(f);
	struct snapshot s;
	/* The first refresh reads the first share of the sweep: wait for it to settle. */
	while (next_snap(f, &s, 0.3))
		snapshot_free(&s);
	pthread_mutex_lock(&fk_lock);
	unsigned before = fk[500].stats_reads, ticks = fk_ticks;
	pthread_mutex_unlock(&fk_lock);

	struct ipvs_svc_key k;
	fk_key(500, &k);
	double t = now_mono();
	feed_set_focus(f, &k, 1, true);
	ck_assert(next_snap(f, &s, WAIT));
	/* Read at once: well before the next refresh, 5 s on (none has started). */
	ck_assert_uint_eq(fk_count(&fk_ticks), ticks);
	const struct ipvs_service *v = find_key(&s, 500);
	ck_assert_ptr_nonnull(v);
	ck_assert(!v->dests_pending);
	ck_assert(v->dests_mono >= t);
	ck_assert(snapshot_stats_mono(&s, v) >= t);
	snapshot_free(&s);
	pthread_mutex_lock(&fk_lock);
	ck_assert_uint_eq(fk[500].stats_reads, before + 1);
	pthread_mutex_unlock(&fk_lock);
	/* The same focus again is not a change: nothing is read. */
	feed_set_focus(f, &k, 1, true);
	ck_assert(!next_snap(f, &s, 0.5));
	ck_assert_uint_eq(fk_count(&fk[500].stats_reads), before + 1);
	feed_stop(f);
}
END_TEST

/*
 * A focus that changed without at_once (the rows re-ordered by a refresh) is not read at
 * once: the next refresh reads it, as part of its tick. Read at once, a busy table sorted
 * by connections re-ordered itself at every read, and the dashboard refreshed as fast as
 * it could draw.
 */
START_TEST(test_focus_reorder_waits_for_tick)
{
	fk_reset(600);
	struct feed *f = start_feed(2.0, 600.0);
	skip_first(f);
	struct snapshot s;
	/* Right after a refresh: the next one is 2 s away. */
	unsigned t0 = fk_count(&fk_ticks);
	while (fk_count(&fk_ticks) == t0) {
		ck_assert(next_snap(f, &s, WAIT));
		snapshot_free(&s);
	}
	unsigned ticks = fk_count(&fk_ticks);
	unsigned before = fk_count(&fk[500].stats_reads);
	struct ipvs_svc_key k;
	fk_key(500, &k);
	double t = now_mono();
	feed_set_focus(f, &k, 1, false);
	/* Nothing is read, nothing is published, until the refresh. */
	ck_assert(!next_snap(f, &s, 1.0));
	ck_assert_uint_eq(fk_count(&fk[500].stats_reads), before);
	ck_assert_uint_eq(fk_count(&fk_ticks), ticks);
	/* The refresh reads it. */
	ck_assert(next_snap(f, &s, WAIT));
	ck_assert_uint_eq(fk_count(&fk_ticks), ticks + 1);
	const struct ipvs_service *v = find_key(&s, 500);
	ck_assert_ptr_nonnull(v);
	ck_assert(!v->dests_pending);
	ck_assert(v->dests_mono >= t);
	snapshot_free(&s);
	/* Then told at once (a key): a change is read before the next refresh. */
	fk_key(501, &k);
	t = now_mono();
	feed_set_focus(f, &k, 1, true);
	ck_assert(next_snap(f, &s, WAIT));
	ck_assert_uint_eq(fk_count(&fk_ticks), ticks + 1);
	v = find_key(&s, 501);
	ck_assert_ptr_nonnull(v);
	ck_assert(v->dests_mono >= t);
	snapshot_free(&s);
	feed_stop(f);
}
END_TEST

/*
 * The first frame's real servers: a big table's first refresh ends with its dump, so that
 * the focus the dashboard sends on that frame is read before anything else (the sweep's
 * share waits for the next refresh), and a refresh that dumps reads the focus's real
 * servers only (its stats came with the dump).
 */
START_TEST(test_first_focus_before_sweep)
{
	fk_reset(600);
	struct feed *f = start_feed(5.0, 600.0); /* the next refresh is 5 s away */
	struct snapshot s;
	ck_assert(next_snap(f, &s, WAIT));
	snapshot_free(&s);
	/* No real server read yet: not even the sweep's first share. */
	unsigned reads = 0;
	pthread_mutex_lock(&fk_lock);
	for (size_t i = 0; i < 600; i++)
		reads += fk[i].dest_reads;
	pthread_mutex_unlock(&fk_lock);
	ck_assert_uint_eq(reads, 0);

	struct ipvs_svc_key keys[2];
	fk_key(42, &keys[0]);
	fk_key(7, &keys[1]);
	feed_set_focus(f, keys, 2, true);
	ck_assert(next_snap(f, &s, WAIT));
	ck_assert(!find_key(&s, 42)->dests_pending);
	ck_assert(!find_key(&s, 7)->dests_pending);
	snapshot_free(&s);
	reads = 0;
	pthread_mutex_lock(&fk_lock);
	for (size_t i = 0; i < 600; i++)
		reads += fk[i].dest_reads;
	ck_assert_uint_eq(fk[42].stats_reads, 1); /* a focus change reads stats too */
	pthread_mutex_unlock(&fk_lock);
	ck_assert_uint_eq(reads, 2);

	/* A pass that starts with a dump: the focus's stats are the dump's, not read again. */
	feed_set_sweep_period(f, 0.5, 0.5);
	feed_set_interval(f, 0.1);
	unsigned dump0 = fk_count(&fk_dumps);
	while (fk_count(&fk_dumps) < dump0 + 3) {
		ck_assert(next_snap(f, &s, WAIT));
		snapshot_free(&s);
	}
	pthread_mutex_lock(&fk_lock);
	unsigned st = fk[42].stats_reads, dr = fk[42].dest_reads;
	pthread_mutex_unlock(&fk_lock);
	ck_assert_uint_ge(dr, 4);
	/* Every refresh but those that dumped read the stats: at least 3 fewer. */
	ck_assert_uint_le(st + 3, dr);
	feed_stop(f);
}
END_TEST

/*
 * A data-plane read arriving is shown at once with the table as last read: no read of the
 * kernel (which would also put the next refresh off, and on the first refresh of a big table
 * read the sweep's share before the focus the first frame asks for).
 */
START_TEST(test_dataplane_arrival_reads_nothing)
{
	fk_reset(600);
	struct collect_opts o = {0};
	o.dataplane.nftables = true;
	struct feed *f = feed_start(&o, 5.0, NULL, NULL); /* the next refresh is 5 s away */
	ck_assert_ptr_nonnull(f);
	feed_set_sweep_period(f, 600.0, 600.0);
	ck_assert_ptr_nonnull(fdp_wake);
	skip_first(f);
	unsigned ticks = fk_count(&fk_ticks), reads = 0;
	fdp_wake(fdp_arg);
	struct snapshot s;
	ck_assert(next_snap(f, &s, WAIT));
	ck_assert_uint_eq(s.n_services, 600);
	snapshot_free(&s);
	pthread_mutex_lock(&fk_lock);
	for (size_t i = 0; i < 600; i++)
		reads += fk[i].dest_reads;
	pthread_mutex_unlock(&fk_lock);
	ck_assert_uint_eq(fk_count(&fk_ticks), ticks);
	ck_assert_uint_eq(reads, 0);
	/* The focus is still read at once after it. */
	struct ipvs_svc_key k;
	fk_key(9, &k);
	feed_set_focus(f, &k, 1, true);
	ck_assert(next_snap(f, &s, WAIT));
	ck_assert(!find_key(&s, 9)->dests_pending);
	snapshot_free(&s);

	/* The first read that carries data planes goes out at once, later ones wait. */
	fdp_latest = dataplane_new();
	ck_assert_ptr_nonnull(fdp_latest);
	fdp_wake(fdp_arg);
	ck_assert(next_snap(f, &s, WAIT));
	ck_assert_ptr_eq(s.dp, fdp_latest);
	snapshot_free(&s);
	fdp_wake(fdp_arg);
	ck_assert(!next_snap(f, &s, 0.5));
	ck_assert_uint_eq(fk_count(&fk_ticks), ticks); /* no refresh: 5 s apart */
	feed_stop(f);
	dataplane_unref(fdp_latest);
	fdp_latest = NULL;
}
END_TEST

START_TEST(test_new_and_removed_services)
{
	fk_reset(600);
	struct feed *f = start_feed(0.1, 0.8);
	skip_first(f);
	struct snapshot s;
	struct ipvs_svc_key k;
	fk_key(10, &k);
	feed_set_focus(f, &k, 1, true);

	pthread_mutex_lock(&fk_lock);
	fk_n = 601; /* a new service (fk_reset made its entry) */
	fk[600].present = true;
	fk[10].present = false;	 /* the focused one goes */
	fk[200].present = false; /* and one of the rest */
	unsigned changed = fk_ticks;
	pthread_mutex_unlock(&fk_lock);
	bool focus_gone = false, new_in = false, other_gone = false;
	while (!(focus_gone && new_in && other_gone) && fk_count(&fk_ticks) - changed < 30) {
		ck_assert(next_snap(f, &s, WAIT));
		unsigned t = tick_of(&s), pass = fk_first_dump_after(changed);
		/* the next refresh finds it gone */
		if (t > changed)
			ck_assert_msg(!find_key(&s, 10), "refresh %u after the change at %u", t,
				      changed);
		if (!focus_gone && !find_key(&s, 10))
			focus_gone = true;
		/* The next pass finds both: within a pass (0.8 s) and a refresh (0.1 s). */
		ck_assert_uint_le(pass == UINT_MAX ? fk_count(&fk_ticks) : pass, changed + 10);
		const struct ipvs_service *nv = find_key(&s, 600);
		if (t >= pass)
			ck_assert_msg(nv && !find_key(&s, 200), "refresh %u, pass of refresh %u", t,
				      pass);
		if (!new_in && nv) {
			new_in = true;
			/* with its real servers: read by the pass that found it */
			ck_assert(!nv->dests_pending);
			ck_assert_uint_eq(nv->n_dests, 1);
		}
		if (!other_gone && !find_key(&s, 200))
			other_gone = true;
		if (focus_gone && new_in && other_gone) {
			size_t n = 0;
			for (size_t i = 0; i < s.n_services; i++)
				n += !snapshot_service(&s, i)->dests_pending;
			ck_assert_uint_le(s.n_services, 599);
		}
		snapshot_free(&s);
	}
	ck_assert(focus_gone);
	ck_assert(new_in);
	ck_assert(other_gone);
	feed_stop(f);
}
END_TEST

START_TEST(test_snapshots_share_unread_rows)
{
	fk_reset(600);
	struct feed *f = start_feed(0.1, 100.0);
	struct snapshot a, b;
	ck_assert(next_snap(f, &a, WAIT));
	snapshot_free(&a);
	ck_assert(next_snap(f, &a, WAIT)); /* the first share of the sweep is read */
	ck_assert(next_snap(f, &b, WAIT));
	size_t shared = 0, read = 0;
	for (size_t i = 0; i < a.n_services; i++) {
		const struct ipvs_service *x = snapshot_service(&a, i);
		const struct ipvs_service *y = snapshot_find_service(&b, x);
		ck_assert_ptr_nonnull(y);
		if (x->dests && x->dests == y->dests)
			shared++;
		else if (y->dests_mono > x->dests_mono)
			read++;
	}
	ck_assert_uint_gt(shared, 0);
	ck_assert_uint_gt(read, 0);
	/* The UI may keep an older snapshot past the feed's end (valgrind: no leak, no UAF). */
	feed_stop(f);
	for (size_t i = 0; i < a.n_services; i++)
		if (snapshot_service(&a, i)->n_dests)
			ck_assert_int_eq(snapshot_service(&a, i)->dests[0].port, 8080);
	snapshot_free(&b);
	snapshot_free(&a);
}
END_TEST

/* Whether a pass's service dump was read in refresh tick. */
static bool fk_dumped_at(unsigned tick)
{
	bool yes = false;
	pthread_mutex_lock(&fk_lock);
	for (unsigned i = 0; i < fk_dumps && i < FK_DUMPS; i++)
		yes |= fk_dump_at[i].tick == tick;
	pthread_mutex_unlock(&fk_lock);
	return yes;
}

/*
 * A pass's service dump copies the chunks of the services it changed, not the table: on
 * a table that is otherwise idle, the snapshot the dashboard still holds and the one after
 * the dump share every chunk but those of the changed service, the focus and the sweep's
 * share. The dump's time covers every service's stats.
 */
START_TEST(test_dump_copies_what_changed)
{
	fk_reset(900); /* 29 chunks */
	struct feed *f = start_feed(0.1, 0.8);
	skip_first(f);
	struct snapshot a, b;
	ck_assert(next_snap(f, &a, WAIT));
	bool checked = false;
	for (int round = 0; round < 60 && !checked; round++) {
		pthread_mutex_lock(&fk_lock);
		fk[777].svc.stats.conns = 1000u + (unsigned)round; /* seen by the next dump */
		pthread_mutex_unlock(&fk_lock);
		ck_assert(next_snap(f, &b, WAIT));
		if (tick_of(&b) == tick_of(&a) + 1 && fk_dumped_at(tick_of(&b))) {
			ck_assert_uint_eq(a.n_services, b.n_services);
			size_t chunks = (b.n_services + SNAPSHOT_CHUNK - 1) / SNAPSHOT_CHUNK,
			       copied = 0;
			for (size_t c = 0; c < chunks; c++)
				copied += snapshot_service(&a, c * SNAPSHOT_CHUNK) !=
					  snapshot_service(&b, c * SNAPSHOT_CHUNK);
			/* The sweep's share: 113 services a refresh, 4 to 6 chunks; and service
			 * 777. */
			ck_assert_msg(copied >= 1 && copied <= 8, "%zu of %zu chunks copied",
				      copied, chunks);
			const struct ipvs_service *v = find_key(&b, 777);
			ck_assert_ptr_nonnull(v);
			ck_assert_uint_eq(v->stats.conns, 1000u + (unsigned)round);
			ck_assert_ptr_ne(v, find_key(&a, 777));
			double pass = fk_pass_start(tick_of(&b));
			for (size_t i = 0; i < b.n_services; i++)
				ck_assert(snapshot_stats_mono(&b, snapshot_service(&b, i)) >= pass);
			checked = true;
		}
		snapshot_free(&a);
		a = b;
	}
	snapshot_free(&a);
	ck_assert(checked);
	feed_stop(f);
}
END_TEST

/*
 * The budget through the feed: real servers that cost 0.3 ms of CPU each make a pass of
 * 600 services cost 0.18 s, so the next pass takes 9 s instead of the base 0.5 s. A service
 * off the screen is then read about twice in 4 s, instead of eight times.
 */
START_TEST(test_budget_through_feed)
{
	fk_reset(600);
	fk_burn_us = 300;
	struct feed *f = start_feed(0.1, 0.5);
	feed_set_sweep_period(f, 0.5, 30.0); /* with the CPU budget */
	skip_first(f);
	struct snapshot s;
	double t0 = now_mono();
	while (now_mono() - t0 < 4.0) {
		ck_assert(next_snap(f, &s, WAIT));
		snapshot_free(&s);
	}
	pthread_mutex_lock(&fk_lock);
	unsigned r1 = fk[150].dest_reads, r2 = fk[450].dest_reads;
	pthread_mutex_unlock(&fk_lock);
	feed_stop(f);
	ck_assert_uint_ge(r1, 1);
	ck_assert_uint_le(r1, 3);
	ck_assert_uint_le(r2, 3);
}
END_TEST

/* Quitting while a read waits: feed_stop cancels it, and nothing is read after. */
START_TEST(test_stop_cancels_read)
{
	fk_reset(600);
	fk_gate(true);
	struct feed *f = start_feed(0.1, 1.0);
	skip_first(f);
	/* Until the reading thread waits in a read of real servers, behind the gate. */
	pthread_mutex_lock(&fk_lock);
	while (fk_waiting == 0)
		pthread_cond_wait(&fk_cv, &fk_lock);
	pthread_mutex_unlock(&fk_lock);
	double t0 = now_mono();
	feed_stop(f); /* without the cancel: until the test's timeout */
	ck_assert_double_lt(now_mono() - t0, 1.0);
	pthread_mutex_lock(&fk_lock);
	unsigned n = fk_reads_cancelled;
	pthread_mutex_unlock(&fk_lock);
	/* The read it was in; a feed that started over would ask again and again. */
	ck_assert_uint_eq(n, 1);
	fk_gate(false);
}
END_TEST

/* Closing the connection pane cancels a list being read; opening it again reads again. */
START_TEST(test_connections_off_cancels_list)
{
	fk_reset(10);
	struct feed *f = start_feed(0.1, 1.0);
	skip_first(f);
	struct snapshot s;
	for (int round = 0; round < 2; round++) {
		feed_set_connections(f, false);
		pthread_mutex_lock(&fk_lock);
		ck_assert(fk_cancel & CANCEL_CONNS);
		ck_assert(!(fk_cancel & CANCEL_ALL));
		pthread_mutex_unlock(&fk_lock);
		feed_set_connections(f, true);
		/* The read it starts (at once) is wanted: the bit is off before it begins. */
		for (int i = 0; i < 2; i++) {
			ck_assert(next_snap(f, &s, WAIT));
			snapshot_free(&s);
		}
		pthread_mutex_lock(&fk_lock);
		ck_assert(!(fk_cancel & CANCEL_CONNS));
		pthread_mutex_unlock(&fk_lock);
	}
	feed_stop(f);
}
END_TEST

CHECK_MAIN("feed",
	   {"focus",
	    30,
	    {test_first_frame_then_focus_and_sweep, test_focus_each_refresh_sees_change,
	     test_focus_change_read_at_once, test_focus_reorder_waits_for_tick,
	     test_first_focus_before_sweep, test_dataplane_arrival_reads_nothing}},
	   {"table",
	    30,
	    {test_new_and_removed_services, test_snapshots_share_unread_rows,
	     test_dump_copies_what_changed}},
	   {"budget", 30, {test_budget_through_feed}},
	   {"cancel", 30, {test_stop_cancels_read, test_connections_off_cancels_list}})
