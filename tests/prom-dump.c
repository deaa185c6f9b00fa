/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prom-dump: a test program (built for make check only) that prints output_prom of a
 * recording's first record, joined with the cluster as the agent joins it (kube_side: the
 * credentials kubectl would use, the API server's lists and watches, kube-proxy's port on
 * this node), so that tests/prom/promtool-test.sh can hand a real document to promtool
 * without a running agent.
 *
 *   prom-dump [--node NAME] [--max-real-servers N] [--no-kube] [--kube-wait S]
 *             [--dataplane] [--repeat N] RECORDING
 *
 * --dataplane reads this node's other data planes (nftables, iptables, ipsets, kube-ipvs0;
 * read-only, as -j does) into the snapshot, as the agent's feed attaches them.
 * --repeat N writes the document N more times to /dev/null first and prints on stderr the
 * CPU seconds one write took (the cost of a scrape, without the reading).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane.h"
#include "json_read.h"
#include "kube_side.h"
#include "output_prom.h"
#include "snapshot.h"

/* The first record of path that reads as a snapshot, into *s. */
static int read_first(const char *path, struct snapshot *s)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int err = -EINVAL;
	while (getline(&line, &cap, f) > 0) {
		err = json_read_snapshot(line, s);
		if (err == 0)
			break;
		snapshot_free(s);
		if (err == -ENOMEM)
			break;
	}
	free(line);
	fclose(f);
	return err;
}

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* n writes to /dev/null; the CPU seconds of one on stderr. */
static int measure(const struct snapshot *s, const struct kube_view *kv,
		   const struct prom_opts *o, long n)
{
	FILE *null = fopen("/dev/null", "w");
	if (!null)
		return -errno;
	double t0 = cpu_seconds();
	int err = 0;
	for (long i = 0; i < n && !err; i++)
		err = output_prom(null, s, kv, o);
	double t1 = cpu_seconds();
	fclose(null);
	fprintf(stderr, "prom-dump: %.4f CPU seconds per document (%ld writes)\n",
		(t1 - t0) / (double)n, n);
	return err;
}

static void usage(void)
{
	fputs("usage: prom-dump [--node NAME] [--max-real-servers N] [--no-kube] [--kube-wait S] "
	      "[--dataplane] [--repeat N] RECORDING\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct kube_side_opts ko = {.enabled = true};
	struct prom_opts po = {0};
	double wait = 5;
	long repeat = 0;
	bool planes = false;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (!strcmp(argv[i], "--no-kube"))
			ko.enabled = false;
		else if (!strcmp(argv[i], "--dataplane"))
			planes = true;
		else if (i + 1 >= argc)
			usage();
		else if (!strcmp(argv[i], "--node"))
			ko.node_name = po.node = argv[++i];
		else if (!strcmp(argv[i], "--max-real-servers"))
			po.max_real_server_series = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--kube-wait"))
			wait = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	if (i + 1 != argc)
		usage();
	struct snapshot s;
	int err = read_first(argv[i], &s);
	if (err) {
		fprintf(stderr, "prom-dump: %s: %s\n", argv[i], strerror(-err));
		return 1;
	}
	const struct dataplane_opts dpo = {
	    .nftables = true, .iptables = true, .ipsets = true, .kube_ipvs0 = true};
	if (planes && (err = dataplane_read(&dpo, &s.dp)) != 0) {
		fprintf(stderr, "prom-dump: %s\n", strerror(-err));
		snapshot_free(&s);
		return 1;
	}
	struct kube_side ks;
	if (kube_side_start(&ks, &ko) != 0) {
		fprintf(stderr, "prom-dump: %s\n", strerror(ENOMEM));
		snapshot_free(&s);
		return 1;
	}
	kube_side_wait(&ks, wait);
	const struct kube_view *kv = kube_side_update(&ks, &s, s.mono);
	if (repeat > 0)
		err = measure(&s, kv, &po, repeat);
	if (!err)
		err = output_prom(stdout, &s, kv, &po);
	if (!err && fflush(stdout) != 0)
		err = -errno;
	if (err)
		fprintf(stderr, "prom-dump: %s\n", strerror(-err));
	kube_side_stop(&ks);
	snapshot_free(&s);
	return err ? 1 : 0;
}
