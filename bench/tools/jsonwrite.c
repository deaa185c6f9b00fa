/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonwrite: the CPU cost of writing one JSON document (output_json, the writer behind -j
 * and recordings), without the kernel and without reading a recording: the first two
 * records of a recording (bench/gen-table.py --records 2) are read once, then the second is
 * written REPEATS times to /dev/null, with the first as the previous snapshot (so the
 * computed rates are written too, as on every refresh after the first).
 *
 *   jsonwrite [-r REPEATS] RECORDING
 *
 * Prints "jsonwrite services=N dests=N bytes=N reps=N user_s_per_doc=N sys_s_per_doc=N
 * wall_s_per_doc=N" (user and system CPU from getrusage, per document). Linked with
 * libipvstop.a: the same code as ipvstop.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"
#include "json_read.h"
#include "output_json.h"
#include "snapshot.h"

/* A stream that counts what it is given and keeps none of it (stdio still buffers). */
static ssize_t count_write(void *cookie, const char *buf, size_t n)
{
	(void)buf;
	*(unsigned long long *)cookie += n;
	return (ssize_t)n;
}

static int read_record(FILE *f, struct snapshot *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	int err = n > 0 ? json_read_snapshot(line, s) : -1;
	free(line);
	return err;
}

int main(int argc, char **argv)
{
	int reps = 5, c;
	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c == 'r') {
			reps = atoi(optarg);
		} else {
			fprintf(stderr, "usage: jsonwrite [-r REPEATS] RECORDING\n");
			return 2;
		}
	}
	if (optind + 1 != argc || reps < 1) {
		fprintf(stderr, "usage: jsonwrite [-r REPEATS] RECORDING\n");
		return 2;
	}
	FILE *f = fopen(argv[optind], "r");
	if (!f) {
		perror(argv[optind]);
		return 2;
	}
	struct snapshot prev, cur;
	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	bool have_prev = read_record(f, &prev) == 0;
	if (!have_prev || read_record(f, &cur) != 0) {
		fprintf(stderr, "jsonwrite: %s: needs two records (gen-table.py --records 2)\n",
			argv[optind]);
		return 2;
	}
	fclose(f);
	/* The size of a document, once; then the timed writes go to /dev/null, a stream
	 * on a file descriptor as stdout is. */
	unsigned long long bytes = 0;
	cookie_io_functions_t io = {.write = count_write};
	FILE *counter = fopencookie(&bytes, "w", io);
	if (!counter || output_json(counter, &cur, &prev, NULL) != 0) {
		fprintf(stderr, "jsonwrite: cannot write the document\n");
		return 1;
	}
	fclose(counter);
	FILE *out = fopen("/dev/null", "w");
	if (!out) {
		perror("/dev/null");
		return 2;
	}
	size_t dests = 0;
	for (size_t i = 0; i < cur.n_services; i++)
		dests += snapshot_service(&cur, i)->n_dests;
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	double t0 = now();
	for (int i = 0; i < reps; i++) {
		if (output_json(out, &cur, &prev, NULL) != 0) {
			fprintf(stderr, "jsonwrite: output_json failed\n");
			return 1;
		}
	}
	double t1 = now();
	getrusage(RUSAGE_SELF, &r1);
	printf("jsonwrite services=%zu dests=%zu bytes=%llu reps=%d user_s_per_doc=%.4f "
	       "sys_s_per_doc=%.4f wall_s_per_doc=%.4f\n",
	       cur.n_services, dests, bytes, reps,
	       (tv(&r1.ru_utime) - tv(&r0.ru_utime)) / reps,
	       (tv(&r1.ru_stime) - tv(&r0.ru_stime)) / reps, (t1 - t0) / reps);
	fclose(out);
	snapshot_free(&prev);
	snapshot_free(&cur);
	return 0;
}
