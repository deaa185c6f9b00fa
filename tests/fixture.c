/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixtures and Kubernetes list callbacks shared by the unit tests: see fixture.h. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "kube_model.h"
#include "kube_parse.h"

const char *fixture_path(const char *rel)
{
	static char buf[4][4096];
	static int i;
	const char *top = getenv("top_srcdir");
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top && *top ? top : ".", rel);
	return buf[i];
}

const char *fixture_in(const char *dir, const char *name)
{
	char rel[1024];
	snprintf(rel, sizeof(rel), "tests/fixtures/%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	return fixture_path(rel);
}

char *fixture_read(const char *rel, size_t *len)
{
	const char *path = fixture_path(rel);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open the fixture %s", path);
	char *buf = NULL;
	size_t n = 0, cap = 0, r;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Room for one more entry in ARR (N entries): -ENOMEM from the caller when there is none. */
#define GROW(arr, n)                                                                               \
	do {                                                                                       \
		void *grown_ = realloc((arr), ((n) + 1) * sizeof(*(arr)));                         \
		if (!grown_)                                                                       \
			return -ENOMEM;                                                            \
		(arr) = grown_;                                                                    \
	} while (0)

int fixture_add_service(const cJSON *obj, void *arg)
{
	struct kube_state *k = arg;
	GROW(k->services, k->n_services);
	int rc = kube_parse_service(obj, &k->services[k->n_services]);
	if (rc == 0)
		k->n_services++;
	return rc;
}

int fixture_add_slice(const cJSON *obj, void *arg)
{
	struct kube_state *k = arg;
	GROW(k->slices, k->n_slices);
	int rc = kube_parse_slice(obj, &k->slices[k->n_slices]);
	if (rc == 0)
		k->n_slices++;
	return rc;
}

int fixture_add_node(const cJSON *obj, void *arg)
{
	struct kube_state *k = arg;
	GROW(k->nodes, k->n_nodes);
	int rc = kube_parse_node(obj, &k->nodes[k->n_nodes]);
	if (rc == 0)
		k->n_nodes++;
	return rc;
}

int fixture_add_pod(const cJSON *obj, void *arg)
{
	struct kube_state *k = arg;
	GROW(k->proxies, k->n_proxies);
	int rc = kube_parse_proxy_pod(obj, &k->proxies[k->n_proxies]);
	if (rc == 0)
		k->n_proxies++;
	return rc;
}
