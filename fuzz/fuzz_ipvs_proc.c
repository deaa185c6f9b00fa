/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the text of /proc/net/ip_vs, ip_vs_stats and ip_vs_conn (and the HZ
 * sources: /boot/config-*, /proc/schedstat, /proc/uptime) into their readers.
 *
 * The readers take a path: the input is written to a memfd opened again through
 * /proc/self/fd/N, so each reader sees a fresh regular file. The same bytes go to every
 * reader. The connection table is read with a limit of 0, 1 or 2^20 entries (chosen by the
 * input's length), which take different paths through keep_conn: one read per input, since
 * each takes a 1 MiB buffer and under ASan such a buffer costs an mmap and a TLB flush.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "ipvs_proc.h"
#include "snapshot.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = fuzz_memfd("ipvs_proc", path, sizeof(path));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rewrite(fd, data, size);

	/* The input as the three HZ sources; never 0, which would make the reader detect it. */
	unsigned hz = ipvs_proc_detect_hz(path, path, path);
	ipvs_proc_set_hz(hz ? hz : 250);

	struct snapshot s;
	memset(&s, 0, sizeof(s));
	(void)ipvs_proc_read_services(path, &s);
	snapshot_free(&s);

	struct ipvs_stats st;
	(void)ipvs_proc_read_stats(path, &st);

	static const size_t limits[] = {0, 1, 1u << 20};
	struct ipvs_conn_table t;
	(void)ipvs_proc_read_conns(path, limits[size % 3], &t, NULL);
	ipvs_conn_table_free(&t);
	return 0;
}
