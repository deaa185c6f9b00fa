/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether the terminal TERM names can carry the dashboard, asked before curses starts. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>

#include "cells.h"
#include "nls.h"
#include "ui_term.h"

static bool has_cap(const char *name)
{
	const char *v = tigetstr(name);
	return v && v != (const char *)-1;
}

bool ui_term_usable(int fd, char *why, size_t len)
{
	const char *term = getenv("TERM");
	if (!term || !term[0]) {
		snprintf(why, len, "%s", _("TERM is not set, so the terminal's type is unknown"));
		return false;
	}
	/* TERM is anyone's string: shown made safe, and short. */
	char name[64];
	cells_safe(term, name, sizeof(name));
	int err = 0;
	if (setupterm(term, fd, &err) != OK) {
		if (err == 1)
			snprintf(why, len, _("TERM=%s is a hardcopy terminal"), name);
		else if (err == 0)
			snprintf(why, len, _("TERM=%s is not in the terminfo database"), name);
		else
			snprintf(why, len, "%s", _("the terminfo database was not found"));
		return false;
	}
	/* dumb and other generic types: no cursor addressing, a full screen cannot be drawn. */
	bool ok = has_cap("cup") && tigetflag("gn") <= 0 && tigetflag("hc") <= 0;
	if (!ok)
		snprintf(why, len, _("TERM=%s cannot move the cursor"), name);
	del_curterm(cur_term);
	return ok;
}
