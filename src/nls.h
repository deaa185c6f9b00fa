/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation macros, with no-op fallbacks when built without NLS. */
#ifndef IPVSTOP_NLS_H
#define IPVSTOP_NLS_H

#include "config.h"

#ifdef ENABLE_NLS
#include <libintl.h>
#include <locale.h>
#define _(s) gettext(s)
#else
#include <locale.h>
#define _(s) (s)
#define textdomain(d) (d)
#define bindtextdomain(d, dir) (dir)
#endif
#define N_(s) (s)

#endif
