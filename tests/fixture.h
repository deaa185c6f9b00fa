/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixture.c: what the unit tests share to read their fixtures and to parse Kubernetes lists
 * (tests/check_kube_parse.c, tests/check_kube_proxy_conf.c, tests/check_oom.c,
 * tests/check_ipvs_proc.c, tests/check_modules.c). Failures to read are Check assertions.
 */
#ifndef IPVSTOP_TESTS_FIXTURE_H
#define IPVSTOP_TESTS_FIXTURE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* "$top_srcdir/REL" (top_srcdir from the environment, else "."): one of four static buffers. */
const char *fixture_path(const char *rel);

/* "$top_srcdir/tests/fixtures/DIR/NAME" ("tests/fixtures/NAME" when dir is NULL): one of
 * fixture_path's buffers. */
const char *fixture_in(const char *dir, const char *name);

/* The bytes of the file $top_srcdir/REL, NUL-terminated (owned by the caller); its length in
 * *len if len is not NULL. */
char *fixture_read(const char *rel, size_t *len);

/*
 * kube_parse_list item callbacks: each parses one object and appends it to the struct
 * kube_state ARG, as kube_sync keeps them. -ENOMEM when the array cannot grow (check_oom
 * fails allocations on purpose), else what the kube_parse_* function returned.
 */
int fixture_add_service(const cJSON *obj, void *arg);
int fixture_add_slice(const cJSON *obj, void *arg);
int fixture_add_node(const cJSON *obj, void *arg);
int fixture_add_pod(const cJSON *obj, void *arg);

#endif
