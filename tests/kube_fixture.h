/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kube_fixture.c: what the credential unit tests share (tests/check_kube_config.c,
 * tests/check_kube_exec.c): a temporary directory per test, fixture paths, loading with the
 * message in errbuf, and assertions on it. Failures are Check assertions.
 */
#ifndef IPVSTOP_TESTS_KUBE_FIXTURE_H
#define IPVSTOP_TESTS_KUBE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <check.h>

#include "kube_config.h"

/* The last error message of load(), token_of() and the tests' own calls. */
extern char errbuf[1024];

extern const char *const CA_PEM, *const CERT_PEM, *const KEY_PEM;

/* Check fixture: a new temporary directory (and an empty errbuf), removed at teardown. */
void kube_fixture_setup(void);
void kube_fixture_teardown(void);

/* A new TCase NAME in s, with the fixture above and a time limit of timeout s (0: Check's). */
TCase *kube_fixture_tcase(Suite *s, const char *name, double timeout);

/* "$top_srcdir/tests/fixtures/kube/NAME": one of eight rotating static buffers. */
const char *fx(const char *name);
/* "TMPDIR/NAME" in this test's temporary directory: one of eight rotating static buffers. */
const char *tp(const char *name);
/* tp(NAME), but valid until teardown (for kube_config_opts members). */
const char *tkeep(const char *name);

void write_file(const char *path, const char *content);
/* The text of path, NUL-terminated, into buf of size len. */
void read_text(const char *path, char *buf, size_t len);
void mkdirs(const char *path);

/* Options that find nothing anywhere unless a test says otherwise. */
struct kube_config_opts no_opts(void);
/* kube_config_load with its message in errbuf. */
int load(const struct kube_config_opts *o, struct kube_credentials *c);
/* The token kube_credentials_token gives; asserts that it returned 0. */
const char *token_of(struct kube_credentials *c, bool force);

void assert_err_has(const char *what);
/* No "SEKRET" (the fixtures' secrets all hold it) in errbuf. */
void assert_no_secret(void);
void assert_data(const unsigned char *d, size_t len, const char *expect);

#endif
