/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A thread's hand-off to the UI: a pipe poll() wakes on, and a slot for the latest value. */
#ifndef IPVSTOP_MAILBOX_H
#define IPVSTOP_MAILBOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A worker thread puts, the UI thread polls mailbox_fd and takes. The slot holds one value
 * of size bytes (a struct the caller owns the storage of, e.g. a field beside the mailbox);
 * a put replaces a value nobody took (drop frees it). A mailbox of size 0 has no slot and
 * only wakes (the caller keeps its own state under its own lock).
 */
struct mailbox {
	int fd[2]; /* non-blocking: a full pipe means a wake-up is pending already */
	pthread_mutex_t lock;
	void *slot; /* under lock */
	size_t size;
	bool full; /* under lock: slot holds a value the taker owns once taken */
	void (*drop)(void *value);
};

/*
 * Makes m a mailbox whose slot is size bytes at slot (the caller's storage, which must
 * outlive m; NULL and 0: none). drop frees a value (may be NULL when the slot holds no
 * resources). 0, or -errno with errno set (the pipe could not be made) and m unusable.
 */
int mailbox_init(struct mailbox *m, void *slot, size_t size, void (*drop)(void *value));
/* Drops a value nobody took and closes the pipe. */
void mailbox_destroy(struct mailbox *m);
/* Readable when something was put or woken since the last take (or drain). */
int mailbox_fd(const struct mailbox *m);
/* Makes mailbox_fd readable; never blocks. */
void mailbox_wake(struct mailbox *m);
/* Empties the pipe, so that the next poll waits for the next wake-up. */
void mailbox_drain(struct mailbox *m);
/*
 * Moves the value at value (size bytes) into the slot, dropping one nobody took, zeroes
 * *value (the mailbox owns it now) and wakes the taker.
 */
void mailbox_put(struct mailbox *m, void *value);
/*
 * Drains the pipe; when the slot holds a value, moves it into *out (size bytes, the caller
 * owns it now) and returns true; false when nothing new was put.
 */
bool mailbox_take(struct mailbox *m, void *out);

#endif
