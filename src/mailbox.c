/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pipe-and-slot hand-off the reading threads and the action thread use (mailbox.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mailbox.h"

int mailbox_init(struct mailbox *m, void *slot, size_t size, void (*drop)(void *value))
{
	memset(m, 0, sizeof(*m));
	if (pipe2(m->fd, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
	pthread_mutex_init(&m->lock, NULL);
	m->slot = slot;
	m->size = size;
	m->drop = drop;
	return 0;
}

void mailbox_destroy(struct mailbox *m)
{
	if (m->full && m->drop)
		m->drop(m->slot);
	m->full = false;
	pthread_mutex_destroy(&m->lock);
	close(m->fd[0]);
	close(m->fd[1]);
}

int mailbox_fd(const struct mailbox *m)
{
	return m->fd[0];
}

void mailbox_wake(struct mailbox *m)
{
	char c = 1;
	/* EAGAIN: the pipe is full, the taker has a wake-up pending already. */
	while (write(m->fd[1], &c, 1) < 0 && errno == EINTR)
		;
}

void mailbox_drain(struct mailbox *m)
{
	char buf[64];
	ssize_t n;
	while ((n = read(m->fd[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
}

void mailbox_put(struct mailbox *m, void *value)
{
	pthread_mutex_lock(&m->lock);
	if (m->full && m->drop)
		m->drop(m->slot);
	memcpy(m->slot, value, m->size);
	m->full = true;
	pthread_mutex_unlock(&m->lock);
	memset(value, 0, m->size);
	mailbox_wake(m);
}

bool mailbox_take(struct mailbox *m, void *out)
{
	mailbox_drain(m);
	pthread_mutex_lock(&m->lock);
	bool have = m->full;
	if (have) {
		memcpy(out, m->slot, m->size);
		memset(m->slot, 0, m->size);
		m->full = false;
	}
	pthread_mutex_unlock(&m->lock);
	return have;
}
