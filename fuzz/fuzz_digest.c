/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a node digest as an agent answers GET /snapshot?summary=1 (a hostile or
 * broken agent writes any bytes) into digest_parse, exactly len bytes, no terminating NUL.
 * What parses is ranked (digest_problems), written back (digest_write) and parsed again: the
 * second parse must succeed and give the same counts, or the target aborts.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* A double as written and read back: within the 3 decimals, or null past 1e15 / NAN. */
static bool same_double(double back, double v)
{
	if (!isfinite(v) || fabs(v) >= 1e15)
		return isnan(back);
	return fabs(back - v) <= 0.0005 + fabs(v) * 1e-15;
}

/* digest_write into a new buffer (free it); aborts on failure. */
static char *write_all(const struct digest *d, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f || digest_write(f, d) != 0 || fclose(f) != 0)
		abort();
	return text;
}

/*
 * The written form parsed back holds what d held (doubles aside: written with 3 decimals),
 * and written again is the same bytes.
 */
static void check_round_trip(const struct digest *d)
{
	char err[128];
	size_t len, len2;
	struct digest back;
	char *text = write_all(d, &len);
	if (digest_parse(text, len, &back, err, sizeof(err)) != 0) {
		fprintf(stderr, "written digest does not parse: %s\n", err);
		abort();
	}
	if (back.services != d->services || back.leftovers != d->leftovers ||
	    back.n_planes != d->n_planes || back.n_errors != d->n_errors ||
	    strcmp(back.node, d->node) != 0 || back.kp_hung != d->kp_hung ||
	    !same_double(back.time, d->time) ||
	    !same_double(back.kp_last_sync_age, d->kp_last_sync_age))
		abort();
	for (size_t i = 0; i < d->n_errors; i++)
		if (strcmp(back.errors[i], d->errors[i]) != 0)
			abort();
	char *again = write_all(&back, &len2);
	if (len2 != len || memcmp(again, text, len) != 0) {
		fprintf(stderr, "written twice, two documents:\n%s\n%s\n", text, again);
		abort();
	}
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest d;
	char err[128], why[256];
	/* an exact copy in a buffer of its own size: ASan sees a read one byte past it */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	int r = digest_parse(buf, size, &d, err, sizeof(err));
	free(buf);
	if (r != 0) {
		if (!err[0] || strlen(err) > 100)
			abort(); /* every failure says why, in a few words */
		return 0;
	}
	(void)digest_problems(&d, why, sizeof(why));
	check_round_trip(&d);
	return 0;
}
