/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Installing the handlers ipvstop's loops share: the ones that stop, the ones that crash. */
#ifndef IPVSTOP_SIGNALS_H
#define IPVSTOP_SIGNALS_H

/* INT, TERM and HUP run on_stop (which should only set a flag the loop polls). */
void signals_catch_stop(void (*on_stop)(int));
/* SEGV, BUS, FPE and ABRT run on_fatal once (SA_RESETHAND), e.g. to restore the terminal. */
void signals_catch_fatal(void (*on_fatal)(int));

#endif
