/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Installing the handlers ipvstop's loops share: the ones that stop, the ones that crash. */
#include "config.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "signals.h"

static void catch_all(const int *sigs, size_t n, void (*handler)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &sa, NULL);
}

void signals_catch_stop(void (*on_stop)(int))
{
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	catch_all(stop, sizeof(stop) / sizeof(stop[0]), on_stop, 0);
}

void signals_catch_fatal(void (*on_fatal)(int))
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};
	catch_all(fatal, sizeof(fatal) / sizeof(fatal[0]), on_fatal, SA_RESETHAND);
}
