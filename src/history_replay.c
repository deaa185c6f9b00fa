/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A recording's history: every record of a JSON Lines recording sampled in order. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "history.h"
#include "json_read.h"

int history_read_recording(struct history *h, FILE *f, size_t *records,
			   const volatile sig_atomic_t *stop)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	*records = 0;
	while (!err && !(stop && *stop) && getline(&line, &cap, f) > 0) {
		struct snapshot s;
		int r = json_read_snapshot(line, &s);
		if (r == 0) {
			/* Every record is a sample: a recording is as fine-grained as it was read. */
			err = history_push(h, &s, 0);
			++*records;
		} else if (r == -ENOMEM) {
			err = r;
		}
		/* Lines that are not records are skipped, as the replay skips them. */
		snapshot_free(&s);
	}
	if (!err && stop && *stop)
		err = -ECANCELED; /* asked to quit while reading: the rest is not needed */
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	return err;
}
