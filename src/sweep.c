/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sweep schedule: pure arithmetic, so that it can be tested without a kernel. */
#include "config.h"

#include <math.h>

#include "sweep.h"

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void sweep_set_limits(struct sweep *w, double base, double max)
{
	w->base = base > 0 ? base : SWEEP_PERIOD_S;
	w->max = max > w->base ? max : w->base;
	w->period = w->base; /* until the next pass's cost says otherwise */
}

void sweep_init(struct sweep *w, double base, double max)
{
	w->period = 0;
	sweep_set_limits(w, base, max);
	w->cost = w->last_cost = 0;
	w->pass_start = -1;
	w->cursor = 0;
	w->whole_max = SWEEP_WHOLE_MAX;
}

void sweep_add_cost(struct sweep *w, double cpu_seconds)
{
	if (cpu_seconds > 0)
		w->cost += cpu_seconds;
}

bool sweep_pass_due(const struct sweep *w, size_t n, double now)
{
	return w->pass_start < 0 || n <= w->whole_max || now - w->pass_start >= w->period;
}

void sweep_pass_started(struct sweep *w, double now)
{
	if (w->pass_start >= 0) {
		w->last_cost = w->cost;
		w->period = clamp(w->cost / SWEEP_CPU_BUDGET, w->base, w->max);
	}
	w->cost = 0;
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
