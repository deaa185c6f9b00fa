/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lock and condition a worker thread (feed, kube sync, action) shares with the UI. */
#ifndef IPVSTOP_WORKER_H
#define IPVSTOP_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/* Initialises lock and cond; cond's timed waits count on clock (CLOCK_REALTIME, ..._MONOTONIC). */
void worker_lock_init(pthread_mutex_t *lock, pthread_cond_t *cond, clockid_t clock);
/* Destroys both; nobody may wait on or hold them any more (the thread was joined or never ran). */
void worker_lock_destroy(pthread_mutex_t *lock, pthread_cond_t *cond);
/* Sets *flag to value under lock and wakes whoever waits on cond: a request to the other side. */
void worker_set(pthread_mutex_t *lock, pthread_cond_t *cond, bool *flag, bool value);

#endif
