/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: lines of a recording (--replay FILE: a file anyone may hand to an admin)
 * into json_read_snapshot, then written back out as --replay does: output_json with the
 * previous line's snapshot for the rates, and the text view.
 *
 * Input: one or two lines; the second, when present, is read as the snapshot after the
 * first (so rates come from two fuzzed snapshots, as in a replay).
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "json_read.h"
#include "output_json.h"
#include "output_text.h"
#include "snapshot.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char *second = strchr(text, '\n');
	if (second)
		*second++ = '\0';

	struct snapshot a, b;
	bool have_a = json_read_snapshot(text, &a) == 0;
	if (have_a) {
		(void)output_json(devnull, &a, NULL, NULL);
		(void)output_text(devnull, &a, false, NULL);
	}
	if (second && json_read_snapshot(second, &b) == 0) {
		(void)output_json(devnull, &b, have_a ? &a : NULL, NULL);
		(void)output_text(devnull, &b, true, NULL);
	}
	if (second)
		snapshot_free(&b);
	snapshot_free(&a);
	free(text);
	return 0;
}
