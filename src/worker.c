/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lock and condition a worker thread (feed, kube sync, action) shares with the UI. */
#include "config.h"

#include "worker.h"

void worker_lock_init(pthread_mutex_t *lock, pthread_cond_t *cond, clockid_t clock)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, clock);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(lock, NULL);
}

void worker_lock_destroy(pthread_mutex_t *lock, pthread_cond_t *cond)
{
	pthread_cond_destroy(cond);
	pthread_mutex_destroy(lock);
}

void worker_set(pthread_mutex_t *lock, pthread_cond_t *cond, bool *flag, bool value)
{
	pthread_mutex_lock(lock);
	*flag = value;
	pthread_cond_broadcast(cond);
	pthread_mutex_unlock(lock);
}
