/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether the terminal TERM names can carry the dashboard, asked before curses starts. */
#ifndef IPVSTOP_UI_TERM_H
#define IPVSTOP_UI_TERM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when TERM names a terminal the terminfo database knows and that can address the
 * cursor. Otherwise false, with why (len bytes) saying what is wrong in a sentence; curses'
 * initscr would print a bare "Error opening terminal" and exit, or draw garbage on a dumb
 * terminal. fd is the terminal's descriptor.
 */
bool ui_term_usable(int fd, char *why, size_t len);

#endif
