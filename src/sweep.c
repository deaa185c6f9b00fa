/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sweep schedule: pure arithmetic, so that it can be tested without a kernel. */
#include "config.h"

#include <math.h>

#include "sweep.h"

void sweep_init(struct sweep *w, double period)
{
	w->period = period > 0 ? period : SWEEP_PERIOD_S;
	w->pass_start = -1;
	w->cursor = 0;
	w->whole_max = SWEEP_WHOLE_MAX;
}

bool sweep_pass_due(const struct sweep *w, size_t n, double now)
{
	return w->pass_start < 0 || n <= w->whole_max || now - w->pass_start >= w->period;
}

void sweep_pass_started(struct sweep *w, double now)
{
	w->pass_start = now;
	w->cursor = 0;
}

size_t sweep_quota(const struct sweep *w, size_t n, double now, double interval)
{
	if (w->cursor >= n)
		return 0;
	size_t left = n - w->cursor;
	if (n <= w->whole_max)
		return left;
	/* Refreshes left in this pass, this one included: at now, now + interval, ... */
	double rest = w->pass_start + w->period - now;
	if (!(interval > 0) || !(rest > interval))
		return left;
	double ticks = floor(rest / interval);
	if (ticks < 1)
		return left;
	double q = ceil((double)left / ticks);
	return q >= (double)left ? left : (size_t)q;
}

void sweep_removed(struct sweep *w, size_t i)
{
	if (i < w->cursor)
		w->cursor--;
}
