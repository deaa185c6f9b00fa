/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of dp_feed: the dashboard's data-plane thread, reading a real kube-ipvs0 in a
 * private network namespace (root, iproute2's ip) at its cadence, waking its owner after
 * each read, stopped while idle and while a read may be under way.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "clock.h"
#include "dp_feed.h"
#include "netns.h"

static unsigned wakes;

static void count_wake(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&wakes, 1, __ATOMIC_RELAXED);
}

static unsigned n_wakes(void)
{
	return __atomic_load_n(&wakes, __ATOMIC_RELAXED);
}

/* Until the feed holds a read that ended after `after`, at most 5 s. NULL if none came. */
static struct dataplane *wait_read(struct dp_feed *df, double after)
{
	for (int i = 0; i < 500; i++) {
		struct dataplane *dp = dp_feed_latest(df);
		if (dp && dp->read_mono > after)
			return dp;
		dataplane_unref(dp);
		usleep(10000);
	}
	return NULL;
}

static const struct dataplane_opts only_kube_ipvs0 = {.kube_ipvs0 = true};

/* The first read comes at once, with what the node has; the next a period later. */
START_TEST(test_reads_and_wakes)
{
	netns_private();
	netns_run("ip link add kube-ipvs0 type dummy 2>/dev/null || "
		  "ip link add kube-ipvs0 type ifb");
	netns_run("ip addr add 10.96.0.10/32 dev kube-ipvs0");
	wakes = 0;
	double t0 = clock_mono();
	struct dp_feed *df = dp_feed_start(&only_kube_ipvs0, 0.3, count_wake, NULL);
	ck_assert_ptr_nonnull(df);
	struct dataplane *first = wait_read(df, 0);
	ck_assert_ptr_nonnull(first);
	ck_assert(first->kube_ipvs0_read);
	ck_assert(first->kube_ipvs0.present);
	ck_assert_uint_eq(first->kube_ipvs0.n, 1);
	/* Only what was asked for is read. */
	ck_assert(!first->ipsets_read);
	ck_assert(!first->planes[DP_NFTABLES].read);
	ck_assert_uint_ge(n_wakes(), 1);

	/* A changed node shows in the next read, not before the period has passed. */
	netns_run("ip addr add 10.96.0.1/32 dev kube-ipvs0");
	struct dataplane *second = wait_read(df, first->read_mono);
	ck_assert_ptr_nonnull(second);
	ck_assert_uint_eq(second->kube_ipvs0.n, 2);
	ck_assert_double_ge(second->read_mono - t0, 0.3);
	ck_assert_uint_ge(n_wakes(), 2);
	/* The reader's holders keep theirs after the feed moved on. */
	ck_assert_uint_eq(first->kube_ipvs0.n, 1);
	dataplane_unref(first);
	dataplane_unref(second);

	/* A longer period: no read for a while. */
	dp_feed_set_period(df, 30);
	usleep(400000); /* a read that began under the short period ends */
	unsigned w = n_wakes();
	usleep(700000);
	ck_assert_uint_eq(n_wakes(), w);
	dp_feed_stop(df);
	/* Stopped: no wake any more. */
	w = n_wakes();
	usleep(100000);
	ck_assert_uint_eq(n_wakes(), w);
}
END_TEST

/* A shorter period wakes the waiting thread: the next read comes without the old wait. */
START_TEST(test_shorter_period)
{
	netns_private();
	struct dp_feed *df = dp_feed_start(&only_kube_ipvs0, 60, NULL, NULL);
	ck_assert_ptr_nonnull(df);
	struct dataplane *first = wait_read(df, 0);
	ck_assert_ptr_nonnull(first);
	ck_assert(!first->kube_ipvs0.present);
	dp_feed_set_period(df, 0.05);
	struct dataplane *second = wait_read(df, first->read_mono);
	ck_assert_ptr_nonnull(second);
	dataplane_unref(first);
	dataplane_unref(second);
	dp_feed_stop(df);
}
END_TEST

/* Stopped at once, over and over, whether or not its first read is under way. */
START_TEST(test_stop_any_time)
{
	netns_private();
	for (int i = 0; i < 50; i++) {
		struct dp_feed *df = dp_feed_start(&only_kube_ipvs0, 0.01, count_wake, NULL);
		ck_assert_ptr_nonnull(df);
		if (i % 2)
			usleep(1000);
		dp_feed_stop(df);
	}
	dp_feed_stop(NULL);
	/* A thread left to finish its read frees itself: give the last ones time (valgrind). */
	usleep(300000);
}
END_TEST

CHECK_MAIN("dp_feed", {"read", 20, {test_reads_and_wakes, test_shorter_period}},
	   {"stop", 20, {test_stop_any_time}})
