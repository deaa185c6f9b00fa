/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the credential unit tests share: a temporary directory, fixtures, load and assertions. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube_fixture.h"

static const char *top_srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

/* Fixture paths; a few rotating buffers so that one call can take several. */
const char *fx(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/tests/fixtures/kube/%s", top_srcdir(), name);
	return buf[i];
}

static char *tmpdir;
char errbuf[1024];
static char *kept[64]; /* tkeep() paths, freed at teardown */
static size_t n_kept;

void kube_fixture_setup(void)
{
	char t[] = "/tmp/ipvstop-kube.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(t));
	tmpdir = strdup(t);
	errbuf[0] = '\0';
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

void kube_fixture_teardown(void)
{
	if (tmpdir)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	tmpdir = NULL;
	while (n_kept)
		free(kept[--n_kept]);
}

TCase *kube_fixture_tcase(Suite *s, const char *name, double timeout)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, kube_fixture_setup, kube_fixture_teardown);
	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

const char *tp(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

/* A temporary path that stays valid until teardown (for opts members). */
const char *tkeep(const char *name)
{
	ck_assert_uint_lt(n_kept, sizeof(kept) / sizeof(kept[0]));
	kept[n_kept] = strdup(tp(name));
	ck_assert_ptr_nonnull(kept[n_kept]);
	return kept[n_kept++];
}

void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(fputs(content, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

void read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

void mkdirs(const char *path)
{
	ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

/* Nothing found anywhere unless a test says otherwise. */
struct kube_config_opts no_opts(void)
{
	struct kube_config_opts o;
	memset(&o, 0, sizeof(o));
	o.home = "/nonexistent/ipvstop-home";
	return o;
}

int load(const struct kube_config_opts *o, struct kube_credentials *c)
{
	errbuf[0] = '\0';
	return kube_config_load(o, c, errbuf, sizeof(errbuf));
}

void assert_err_has(const char *what)
{
	ck_assert_msg(strstr(errbuf, what) != NULL, "error \"%s\" should mention \"%s\"", errbuf,
		      what);
}

void assert_no_secret(void)
{
	ck_assert_msg(strstr(errbuf, "SEKRET") == NULL, "a secret leaked into: %s", errbuf);
}

void assert_data(const unsigned char *d, size_t len, const char *expect)
{
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(len, strlen(expect));
	ck_assert_msg(memcmp(d, expect, len) == 0, "data differs from %s", expect);
}

const char *token_of(struct kube_credentials *c, bool force)
{
	const char *t = NULL;
	int rc = kube_credentials_token(c, force, &t, errbuf, sizeof(errbuf));
	ck_assert_msg(rc == 0, "token: %d %s", rc, errbuf);
	return t;
}

const char *const CA_PEM =
    "-----BEGIN CERTIFICATE-----\nFAKE-CA-FOR-TESTS\n-----END CERTIFICATE-----\n";
const char *const CERT_PEM =
    "-----BEGIN CERTIFICATE-----\nFAKE-CLIENT-CERT\n-----END CERTIFICATE-----\n";
const char *const KEY_PEM =
    "-----BEGIN PRIVATE KEY-----\nFAKE-CLIENT-KEY\n-----END PRIVATE KEY-----\n";
