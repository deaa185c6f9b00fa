/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: an agent's answer as the cluster view gets it (cluster_classify: the
 * status, the body, a transport error), then the row made of it (cluster_row_rank,
 * cluster_row_cells). The first byte picks the HTTP status, the second the transport's
 * flags; the rest is the body, passed without a terminating NUL.
 *
 * Invariants: a state in range; every text of the row terminated and free of control
 * characters (they go to a terminal); a digest only with the state ok.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "fuzz_common.h"

static void check_text(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);
	if (!end)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 401, 403, 404, 500, 502, 503, 0};
	if (size < 2)
		return 0;
	struct cluster_answer a = {
		.status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))],
		.error = (data[1] & 1) ? "transfer closed with 10 bytes remaining to read" : NULL,
		.too_big = (data[1] & 2) != 0,
		.connected = (data[1] & 4) != 0,
		.len = size - 2,
	};
	char *body = malloc(a.len ? a.len : 1);
	if (!body)
		return 0;
	memcpy(body, data + 2, a.len);
	a.body = body;

	struct cluster_row row;
	memset(&row, 0, sizeof(row));
	snprintf(row.node, sizeof(row.node), "n");
	enum cluster_state s = cluster_classify(&a, (data[1] & 8) != 0, &row.d, row.error,
						sizeof(row.error));
	if (s >= CLUSTER_N_STATES)
		abort();
	check_text(row.error, sizeof(row.error));
	if (s == CLUSTER_OK && row.error[0])
		abort();
	row.state = s;
	row.have_digest = s == CLUSTER_OK;
	cluster_row_rank(&row);
	check_text(row.problem, sizeof(row.problem));
	struct cluster_cells c;
	cluster_row_cells(&row, "ipvs", &c);
	check_text(c.state, sizeof(c.state));
	check_text(c.kube_proxy, sizeof(c.kube_proxy));
	check_text(c.planes, sizeof(c.planes));
	check_text(c.sync, sizeof(c.sync));
	free(body);
	return 0;
}
