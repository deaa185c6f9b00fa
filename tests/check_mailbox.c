/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of mailbox: wake-ups through the pipe, the latest value, who frees what. */
#include "config.h"

#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "mailbox.h"

struct value {
	int *p; /* owned */
	int n;
};

static int dropped;

static void value_drop(void *v)
{
	struct value *x = v;
	dropped += x->n;
	free(x->p);
}

static bool readable(const struct mailbox *m)
{
	struct pollfd pfd = {.fd = mailbox_fd(m), .events = POLLIN};
	return poll(&pfd, 1, 0) == 1;
}

static struct value make(int n)
{
	struct value v = {malloc(sizeof(int)), n};
	ck_assert_ptr_nonnull(v.p);
	return v;
}

START_TEST(test_latest_wins)
{
	struct mailbox m;
	struct value slot, v, out;
	dropped = 0;
	ck_assert_int_eq(mailbox_init(&m, &slot, sizeof(slot), value_drop), 0);
	ck_assert(!readable(&m));
	ck_assert(!mailbox_take(&m, &out));
	v = make(1);
	mailbox_put(&m, &v);
	ck_assert_ptr_null(v.p); /* taken over */
	ck_assert(readable(&m));
	v = make(2);
	mailbox_put(&m, &v);
	ck_assert_int_eq(dropped, 1); /* nobody took the first */
	ck_assert(mailbox_take(&m, &out));
	ck_assert_int_eq(out.n, 2);
	ck_assert(!readable(&m));
	ck_assert(!mailbox_take(&m, &out));
	value_drop(&out);
	/* A value nobody took goes with the mailbox. */
	v = make(4);
	mailbox_put(&m, &v);
	mailbox_destroy(&m);
	ck_assert_int_eq(dropped, 1 + 2 + 4);
}
END_TEST

START_TEST(test_wake_only)
{
	struct mailbox m;
	ck_assert_int_eq(mailbox_init(&m, NULL, 0, NULL), 0);
	/* Many wake-ups never block, even past what the pipe holds. */
	for (int i = 0; i < 200000; i++)
		mailbox_wake(&m);
	ck_assert(readable(&m));
	mailbox_drain(&m);
	ck_assert(!readable(&m));
	mailbox_destroy(&m);
}
END_TEST

static void *putter(void *arg)
{
	struct mailbox *m = arg;
	for (int i = 1; i <= 1000; i++) {
		struct value v = make(i);
		mailbox_put(m, &v);
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct mailbox m;
	struct value slot, out;
	pthread_t t;
	int last = 0, taken = 0;
	dropped = 0;
	ck_assert_int_eq(mailbox_init(&m, &slot, sizeof(slot), value_drop), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, putter, &m), 0);
	while (last < 1000) {
		struct pollfd pfd = {.fd = mailbox_fd(&m), .events = POLLIN};
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		if (!mailbox_take(&m, &out))
			continue;
		ck_assert_int_gt(out.n, last); /* always newer */
		last = out.n;
		taken += out.n;
		free(out.p);
	}
	pthread_join(t, NULL);
	mailbox_destroy(&m);
	/* Every value was either taken or dropped, once. */
	ck_assert_int_eq(taken + dropped, 1000 * 1001 / 2);
}
END_TEST

CHECK_MAIN("mailbox", {"slot", 0, {test_latest_wins, test_threads}}, {"wake", 0, {test_wake_only}})
