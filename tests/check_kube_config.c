/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_config: kubeconfig search and merge, in-cluster, token files, exec plugins. */
#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kube_config.h"

static const char *top_srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

/* Fixture paths; a few rotating buffers so that one call can take several. */
static const char *fx(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/tests/fixtures/kube/%s", top_srcdir(), name);
	return buf[i];
}

static char *tmpdir;
static char errbuf[1024];
static char *kept[64]; /* tkeep() paths, freed at teardown */
static size_t n_kept;

static void setup(void)
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

static void teardown(void)
{
	if (tmpdir)
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(tmpdir);
	tmpdir = NULL;
	while (n_kept)
		free(kept[--n_kept]);
}

static const char *tp(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

/* A temporary path that stays valid until teardown (for opts members). */
static const char *tkeep(const char *name)
{
	ck_assert_uint_lt(n_kept, sizeof(kept) / sizeof(kept[0]));
	kept[n_kept] = strdup(tp(name));
	ck_assert_ptr_nonnull(kept[n_kept]);
	return kept[n_kept++];
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "create %s: %s", path, strerror(errno));
	ck_assert_int_eq(fputs(content, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void mkdirs(const char *path)
{
	ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

/* Nothing found anywhere unless a test says otherwise. */
static struct kube_config_opts no_opts(void)
{
	struct kube_config_opts o;
	memset(&o, 0, sizeof(o));
	o.home = "/nonexistent/ipvstop-home";
	return o;
}

static int load(const struct kube_config_opts *o, struct kube_credentials *c)
{
	errbuf[0] = '\0';
	return kube_config_load(o, c, errbuf, sizeof(errbuf));
}

static void assert_err_has(const char *what)
{
	ck_assert_msg(strstr(errbuf, what) != NULL, "error \"%s\" should mention \"%s\"", errbuf,
		      what);
}

static void assert_no_secret(void)
{
	ck_assert_msg(strstr(errbuf, "SEKRET") == NULL, "a secret leaked into: %s", errbuf);
}

static void assert_data(const unsigned char *d, size_t len, const char *expect)
{
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(len, strlen(expect));
	ck_assert_msg(memcmp(d, expect, len) == 0, "data differs from %s", expect);
}

/* Same file (by device and inode) as expect, and an absolute, clean path. */
static void assert_same_file(const char *got, const char *expect)
{
	struct stat a, b;
	ck_assert_ptr_nonnull(got);
	ck_assert_msg(got[0] == '/', "%s is not absolute", got);
	ck_assert_msg(!strstr(got, "/./") && !strstr(got, "/../") && !strstr(got, "//"),
		      "%s is not clean", got);
	ck_assert_msg(stat(got, &a) == 0, "stat %s", got);
	ck_assert_msg(stat(expect, &b) == 0, "stat %s", expect);
	ck_assert_msg(a.st_dev == b.st_dev && a.st_ino == b.st_ino, "%s is not %s", got, expect);
}

static const char *token_of(struct kube_credentials *c, bool force)
{
	const char *t = NULL;
	int rc = kube_credentials_token(c, force, &t, errbuf, sizeof(errbuf));
	ck_assert_msg(rc == 0, "token: %d %s", rc, errbuf);
	return t;
}

static const char *CA_PEM =
    "-----BEGIN CERTIFICATE-----\nFAKE-CA-FOR-TESTS\n-----END CERTIFICATE-----\n";
static const char *CERT_PEM =
    "-----BEGIN CERTIFICATE-----\nFAKE-CLIENT-CERT\n-----END CERTIFICATE-----\n";
static const char *KEY_PEM =
    "-----BEGIN PRIVATE KEY-----\nFAKE-CLIENT-KEY\n-----END PRIVATE KEY-----\n";

START_TEST(test_single_file)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("single.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.source, fx("single.yaml"));
	ck_assert_str_eq(c.context, "kubernetes-admin@kubernetes");
	ck_assert_str_eq(c.cluster, "kubernetes");
	ck_assert_str_eq(c.user, "kubernetes-admin");
	ck_assert_str_eq(c.namespace_, "kube-system");
	ck_assert_str_eq(c.server, "https://10.0.0.1:6443");
	ck_assert(!c.in_cluster);
	ck_assert(!c.insecure);
	assert_data(c.ca_data, c.ca_len, CA_PEM);
	assert_data(c.cert_data, c.cert_len, CERT_PEM);
	assert_data(c.key_data, c.key_len, KEY_PEM);
	ck_assert_ptr_null(c.ca_file);
	ck_assert_ptr_null(c.token);
	ck_assert_ptr_null(c.exec_command);
	/* a client certificate and no token: no bearer token to send */
	ck_assert_ptr_null(token_of(&c, false));
	kube_credentials_free(&c);
	ck_assert_ptr_null(c.server);
	kube_credentials_free(&c); /* twice is harmless */
	kube_credentials_free(NULL);
}
END_TEST

START_TEST(test_home_config)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	char home[PATH_MAX];
	snprintf(home, sizeof(home), "%s", tp("home"));
	mkdirs(home);
	mkdirs(tp("home/.kube"));
	FILE *in = fopen(fx("tls.yaml"), "r");
	ck_assert_ptr_nonnull(in);
	char text[4096];
	size_t n = fread(text, 1, sizeof(text) - 1, in);
	text[n] = '\0';
	fclose(in);
	write_file(tp("home/.kube/config"), text);
	o.home = home;
	o.env_kubeconfig = ""; /* empty $KUBECONFIG counts as unset */
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.source, tp("home/.kube/config"));
	ck_assert_str_eq(c.context, "lab");
	ck_assert_str_eq(c.namespace_, "default");
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_merge)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	char env[4 * PATH_MAX];
	snprintf(env, sizeof(env), "%s:%s:%s::%s:%s", fx("merge-a.yaml"), tp("missing.yaml"),
		 fx("merge-b.yaml"), fx("merge-c.yaml"), fx("merge-a.yaml"));
	o.env_kubeconfig = env;
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	/* current-context from the first file that sets one (b), not the last (c) */
	ck_assert_str_eq(c.context, "ctx-b");
	/* ctx-b itself from b (first definer); c's ctx-b loses */
	ck_assert_str_eq(c.namespace_, "b-ns");
	/* cluster "shared" from a, whole: b's proxy-url must not leak in */
	ck_assert_str_eq(c.cluster, "shared");
	ck_assert_str_eq(c.server, "https://a.example:6443");
	ck_assert_ptr_null(c.proxy_url);
	/* user "shared-user" from a, whole: b's username must not leak in */
	ck_assert_str_eq(c.token, "token-from-a");
	ck_assert_ptr_null(c.username);
	ck_assert_str_eq(token_of(&c, false), "token-from-a");
	ck_assert_msg(strncmp(c.source, "KUBECONFIG: ", 12) == 0, "%s", c.source);
	ck_assert_ptr_nonnull(strstr(c.source, "merge-c.yaml"));
	ck_assert_ptr_null(strstr(c.source, "missing.yaml"));
	kube_credentials_free(&c);

	/* --context reaches an entry only the third file has */
	o.context = "ctx-c";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.server, "https://c-only.example:6443");
	ck_assert_str_eq(c.token, "token-from-c");
	ck_assert_str_eq(c.namespace_, "c-ns");
	kube_credentials_free(&c);

	/* a context from the first file, which had no current-context */
	o.context = "ctx-a";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.server, "https://a-only.example:6443");
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_merge_only_missing)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	char env[2 * PATH_MAX];
	snprintf(env, sizeof(env), "%s:%s", tp("nope1"), tp("nope2"));
	o.env_kubeconfig = env;
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("nope1");
	assert_err_has("nope2");
	ck_assert_ptr_null(c.server);
}
END_TEST

START_TEST(test_explicit_wins)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	char env[2 * PATH_MAX];
	snprintf(env, sizeof(env), "%s:%s", fx("merge-a.yaml"), fx("merge-b.yaml"));
	o.env_kubeconfig = env;
	o.kubeconfig = fx("merge-c.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.context, "ctx-c");
	ck_assert_str_eq(c.source, fx("merge-c.yaml"));
	kube_credentials_free(&c);

	/* explicit and alone: ctx-a lives only in merge-a.yaml */
	o.context = "ctx-a";
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("ctx-a");

	/* a missing --kubeconfig is an error, not a fallback */
	o.context = NULL;
	o.kubeconfig = tkeep("does-not-exist.yaml");
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("does-not-exist.yaml");
	assert_err_has("--kubeconfig");
}
END_TEST

START_TEST(test_missing_context)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("single.yaml");
	o.context = "staging";
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("'staging'");
	ck_assert_ptr_null(c.server);

	/* current-context naming a context that is not there */
	write_file(tp("cc.yaml"), "current-context: ghost\nclusters: []\n");
	o.kubeconfig = tkeep("cc.yaml");
	o.context = NULL;
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("'ghost'");
	assert_err_has("cc.yaml");

	/* no current-context at all */
	o.kubeconfig = fx("merge-a.yaml");
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("--context");

	/* dangling cluster and user names */
	o.kubeconfig = fx("secrets.yaml");
	o.context = "no-such-user";
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("'nobody'");
	o.context = "no-such-cluster";
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("'nowhere'");
}
END_TEST

START_TEST(test_relative_paths)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	char dir[PATH_MAX];
	o.kubeconfig = fx("rel/rel.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	snprintf(dir, sizeof(dir), "%s", fx("rel"));
	char want[PATH_MAX + 32];
	snprintf(want, sizeof(want), "%s/pki/ca.crt", dir);
	assert_same_file(c.ca_file, want);
	snprintf(want, sizeof(want), "%s/pki/client.crt", dir);
	assert_same_file(c.cert_file, want);
	snprintf(want, sizeof(want), "%s/pki/client.key", dir);
	assert_same_file(c.key_file, want);
	snprintf(want, sizeof(want), "%s/token", dir);
	assert_same_file(c.token_file, want);
	ck_assert_ptr_null(c.ca_data);
	ck_assert_str_eq(token_of(&c, false), "rel-token-from-file");
	kube_credentials_free(&c);
}
END_TEST

/* Two files in two directories: each entry's paths follow the file that defined it. */
START_TEST(test_relative_paths_merged)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	mkdirs(tp("A"));
	mkdirs(tp("A/certs"));
	mkdirs(tp("B"));
	mkdirs(tp("B/ca"));
	write_file(tp("A/certs/u.crt"), "cert");
	write_file(tp("A/certs/u.key"), "key");
	write_file(tp("B/ca/ca.crt"), "ca");
	write_file(tp("A/a.yaml"),
		   "users:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n"
		   "    client-key: certs/u.key\n");
	write_file(tp("B/b.yaml"), "current-context: x\n"
				   "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
				   "clusters: [{name: c, cluster: {server: 'https://h:1', "
				   "certificate-authority: ca/ca.crt}}]\n");
	char env[2 * PATH_MAX];
	snprintf(env, sizeof(env), "%s:%s", tp("A/a.yaml"), tp("B/b.yaml"));
	o.env_kubeconfig = env;
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	assert_same_file(c.cert_file, tp("A/certs/u.crt"));
	assert_same_file(c.key_file, tp("A/certs/u.key"));
	assert_same_file(c.ca_file, tp("B/ca/ca.crt"));
	kube_credentials_free(&c);

	/* a referenced file that cannot be read is named, with the user and the field */
	ck_assert_int_eq(unlink(tp("A/certs/u.key")), 0);
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("user 'u'");
	assert_err_has("client-key");
	assert_err_has("A/certs/u.key");
	assert_err_has(strerror(ENOENT));
	assert_err_has("a.yaml");
}
END_TEST

START_TEST(test_base64)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("bad-base64.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("client-key-data");
	assert_err_has("base64");
	assert_err_has("user 'u'");
	assert_err_has("bad-base64.yaml");
	ck_assert_msg(strstr(errbuf, "U0VLUkVU") == NULL, "quoted the data: %s", errbuf);
	ck_assert_ptr_null(c.server);

	o.kubeconfig = fx("bad-padding.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("certificate-authority-data");

	/* line breaks inside base64 are fine, as in Go */
	write_file(tp("wrapped.yaml"),
		   "current-context: x\n"
		   "contexts: [{name: x, context: {cluster: c}}]\n"
		   "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
		   "    certificate-authority-data: \"QUJD\\nREVG\\r\\nR0g=\"\n");
	o.kubeconfig = tkeep("wrapped.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	assert_data(c.ca_data, c.ca_len, "ABCDEFGH");
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_tls_options)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("tls.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert(c.insecure);
	ck_assert(c.disable_compression);
	ck_assert_str_eq(c.tls_server_name, "kubernetes.default.svc");
	ck_assert_str_eq(c.proxy_url, "socks5://127.0.0.1:1080");
	ck_assert_str_eq(c.server, "https://203.0.113.7:6443");
	kube_credentials_free(&c);

	o.context = "bad-proxy";
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("proxy-url");
	assert_no_secret();

	o.context = NULL;
	o.kubeconfig = fx("insecure-ca.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("insecure-skip-tls-verify");
	assert_no_secret();
}
END_TEST

START_TEST(test_flow_anchors)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("flow.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.context, "prod");
	ck_assert_str_eq(c.user, "flow-user");
	ck_assert_str_eq(c.namespace_, "prod-ns");
	/* the merge key brings insecure and tls-server-name; server written here wins */
	ck_assert_str_eq(c.server, "https://10.2.0.1:6443");
	ck_assert(c.insecure);
	ck_assert_str_eq(c.tls_server_name, "api.internal");
	ck_assert_str_eq(c.token, "flow-token");
	ck_assert_ptr_null(c.username);
	kube_credentials_free(&c);

	/* a list of merged mappings: the first that has a key wins */
	o.context = "multi";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.proxy_url, "http://merged.example:8080");
	ck_assert_str_eq(c.server, "https://10.1.0.1:6443");
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_malformed)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("malformed.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("malformed.yaml");
	assert_err_has("line ");
	ck_assert_ptr_null(c.server);

	o.kubeconfig = fx("dup.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("'twice'");

	o.kubeconfig = fx("list-top.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("not a kubeconfig");

	/* wrong types, a Kubernetes object that is not a Config, a NUL in a string */
	write_file(tp("types.yaml"), "clusters: {name: x}\n");
	o.kubeconfig = tkeep("types.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("clusters");
	write_file(tp("bool.yaml"), "clusters: [{name: x, cluster: {insecure-skip-tls-verify: "
				    "\"maybe\"}}]\n");
	o.kubeconfig = tkeep("bool.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("insecure-skip-tls-verify");
	write_file(tp("pod.yaml"), "apiVersion: v1\nkind: Pod\n");
	o.kubeconfig = tkeep("pod.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("kind");
	write_file(tp("nul.yaml"), "current-context: \"a\\0b\"\n");
	o.kubeconfig = tkeep("nul.yaml");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("NUL");
	/* an alias cycle through merge keys must end */
	write_file(tp("cycle.yaml"), "current-context: x\n"
				     "contexts: [{name: x, context: {cluster: c}}]\n"
				     "clusters: [{name: c, cluster: &a {<<: *a}}]\n");
	o.kubeconfig = tkeep("cycle.yaml");
	ck_assert_int_lt(load(&o, &c), 0);
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_empty_file)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("empty.yaml");
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("current-context");
}
END_TEST

START_TEST(test_secrets_not_in_errors)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("secrets.yaml");
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("client-key '/nonexistent/ipvstop-test/client.key' cannot be read");
	assert_err_has("user 'missing-key'");
	assert_no_secret();

	o.context = "token-and-basic";
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("only one");
	assert_no_secret();

	o.context = "cert-no-key";
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("client-key");
	assert_no_secret();

	o.context = "gcp";
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("gcp");
	assert_no_secret();

	o.context = "basic";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.username, "admin");
	ck_assert_str_eq(c.password, "SEKRET-PASSWORD");
	ck_assert_ptr_null(token_of(&c, false));
	kube_credentials_free(&c);

	o.context = "oidc";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(token_of(&c, false), "oidc-id-token");
	kube_credentials_free(&c);

	/* client-go sends no credentials to a plain-http server; a bare host is plain http */
	o.context = "plain-http";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.server, "http://127.0.0.1:8080");
	ck_assert_ptr_null(c.username);
	ck_assert_ptr_null(c.password);
	kube_credentials_free(&c);
	o.context = "bare-host";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.server, "http://127.0.0.1:8080");
	ck_assert_ptr_null(c.password);
	kube_credentials_free(&c);
}
END_TEST

static void write_sa(const char *ns)
{
	mkdirs(tp("sa"));
	write_file(tp("sa/token"), "sa-token-1\n");
	write_file(tp("sa/ca.crt"), CA_PEM);
	if (ns)
		write_file(tp("sa/namespace"), ns);
}

START_TEST(test_admin_conf)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	char home[PATH_MAX];
	snprintf(home, sizeof(home), "%s", tp("home"));
	mkdirs(home);
	o.home = home;
	o.admin_conf = fx("admin.yaml");
	/* in-cluster is possible too: admin.conf still comes first */
	write_sa("ns1");
	o.sa_dir = tkeep("sa");
	o.service_host = "10.96.0.1";
	o.service_port = "443";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.source, fx("admin.yaml"));
	ck_assert_str_eq(c.server, "https://192.168.56.10:6443");
	ck_assert(!c.in_cluster);
	kube_credentials_free(&c);

	/* once ~/.kube/config exists, admin.conf is not looked at */
	mkdirs(tp("home/.kube"));
	write_file(tp("home/.kube/config"),
		   "current-context: x\n"
		   "contexts: [{name: x, context: {cluster: c}}]\n"
		   "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.server, "https://h:1");
	ck_assert_str_eq(c.source, tp("home/.kube/config"));
	kube_credentials_free(&c);

	/* nor when $KUBECONFIG names a file that exists */
	ck_assert_int_eq(unlink(tp("home/.kube/config")), 0);
	o.env_kubeconfig = fx("tls.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.context, "lab");
	kube_credentials_free(&c);

	/* no admin.conf: the service account */
	o.env_kubeconfig = NULL;
	o.admin_conf = tkeep("no-admin.conf");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert(c.in_cluster);
	kube_credentials_free(&c);

	/* nothing at all: one error saying what was tried, with ~ for $HOME */
	o.service_host = NULL;
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("~/.kube/config");
	assert_err_has("no-admin.conf");
	assert_err_has("KUBERNETES_SERVICE_HOST");
}
END_TEST

START_TEST(test_in_cluster)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	write_sa("monitoring\n");
	o.sa_dir = tkeep("sa");
	o.service_host = "10.96.0.1";
	o.service_port = "443";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert(c.in_cluster);
	ck_assert_str_eq(c.source, "in-cluster service account");
	ck_assert_str_eq(c.server, "https://10.96.0.1:443");
	ck_assert_str_eq(c.namespace_, "monitoring");
	ck_assert_str_eq(c.ca_file, tp("sa/ca.crt"));
	ck_assert_str_eq(c.token_file, tp("sa/token"));
	ck_assert_ptr_null(c.context);
	ck_assert_str_eq(token_of(&c, false), "sa-token-1");
	kube_credentials_free(&c);

	o.service_host = "fd00:10:96::1";
	o.pod_namespace = "from-downward-api";
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.server, "https://[fd00:10:96::1]:443");
	ck_assert_str_eq(c.namespace_, "from-downward-api");
	kube_credentials_free(&c);

	/* no namespace file, no ca.crt: "default" and the system roots, as client-go */
	o.pod_namespace = NULL;
	ck_assert_int_eq(unlink(tp("sa/namespace")), 0);
	ck_assert_int_eq(unlink(tp("sa/ca.crt")), 0);
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.namespace_, "default");
	ck_assert_ptr_null(c.ca_file);
	kube_credentials_free(&c);

	/* an existing kubeconfig without a current-context counts as none (client-go) */
	o.kubeconfig = fx("merge-a.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert(c.in_cluster);
	kube_credentials_free(&c);
	o.kubeconfig = NULL;

	/* not possible without the port or the token */
	o.service_port = "";
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	o.service_port = "443";
	ck_assert_int_eq(unlink(tp("sa/token")), 0);
	ck_assert_int_eq(load(&o, &c), -ENOENT);
}
END_TEST

static void set_mtime(const char *path, const struct timespec *t)
{
	struct timespec ts[2] = {*t, *t};
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

START_TEST(test_token_file_rotation)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	struct stat st;
	write_file(tp("tok"), "tok-AAAA\n");
	write_file(tp("k.yaml"), "current-context: x\n"
				 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
				 "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
				 "users: [{name: u, user: {tokenFile: tok}}]\n");
	o.kubeconfig = tkeep("k.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.token_file, tp("tok"));
	ck_assert_str_eq(token_of(&c, false), "tok-AAAA");

	/* same inode, size and mtime: not read again (so the old token stays) */
	ck_assert_int_eq(stat(tp("tok"), &st), 0);
	write_file(tp("tok"), "tok-BBBB\n");
	set_mtime(tp("tok"), &st.st_mtim);
	ck_assert_str_eq(token_of(&c, false), "tok-AAAA");
	/* after a 401 the caller forces a read */
	ck_assert_str_eq(token_of(&c, true), "tok-BBBB");

	/* a rewrite in place that changes the size */
	write_file(tp("tok"), "tok-CCCCCC\n");
	ck_assert_str_eq(token_of(&c, false), "tok-CCCCCC");

	/* the kubelet's way: a new file renamed over the old one (new inode), same size/mtime */
	ck_assert_int_eq(stat(tp("tok"), &st), 0);
	write_file(tp("tok.new"), "tok-DDDDDD\n");
	set_mtime(tp("tok.new"), &st.st_mtim);
	ck_assert_int_eq(rename(tp("tok.new"), tp("tok")), 0);
	ck_assert_str_eq(token_of(&c, false), "tok-DDDDDD");

	/* gone: an error naming the file, and no token */
	const char *t = "unchanged";
	ck_assert_int_eq(unlink(tp("tok")), 0);
	ck_assert_int_eq(kube_credentials_token(&c, false, &t, errbuf, sizeof(errbuf)), -ENOENT);
	ck_assert_ptr_null(t);
	assert_err_has("tok");
	ck_assert_msg(strstr(errbuf, "tok-DDDDDD") == NULL, "%s", errbuf);
	/* empty */
	write_file(tp("tok"), "\n");
	ck_assert_int_eq(kube_credentials_token(&c, false, &t, errbuf, sizeof(errbuf)), -EINVAL);
	assert_err_has("empty");
	kube_credentials_free(&c);

	/* an unreadable tokenFile fails at load, as kubectl does */
	ck_assert_int_eq(unlink(tp("tok")), 0);
	ck_assert_int_eq(load(&o, &c), -ENOENT);
	assert_err_has("user 'u'");

	/* with a token too, the file wins when it can be read; the token is the fallback */
	write_file(tp("k.yaml"), "current-context: x\n"
				 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
				 "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
				 "users: [{name: u, user: {token: static-tok, tokenFile: tok}}]\n");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(token_of(&c, false), "static-tok");
	ck_assert_str_eq(errbuf, "");
	write_file(tp("tok"), "file-tok\n");
	ck_assert_str_eq(token_of(&c, false), "file-tok");
	kube_credentials_free(&c);
}
END_TEST

/* A kubeconfig in the temporary directory whose user runs the test plugin. */
static void write_exec_config(const char *mode, const char *command, const char *api,
			      const char *extra_user, const char *extra_exec)
{
	char text[8192];
	snprintf(text, sizeof(text),
		 "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
		 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		 "clusters:\n- name: c\n  cluster:\n    server: https://10.0.0.9:6443\n"
		 "    insecure-skip-tls-verify: true\n"
		 "users:\n- name: u\n  user:\n%s"
		 "    exec:\n      apiVersion: %s\n      command: %s\n"
		 "      args: [\"%s\"]\n      interactiveMode: Never\n%s"
		 "      env:\n      - {name: MODE, value: %s}\n"
		 "      - {name: COUNTER, value: \"%s\"}\n      - {name: API, value: %s}\n"
		 "      - {name: EXTRA, value: from-kubeconfig}\n",
		 extra_user ? extra_user : "", api, command, fx("exec-plugin.sh"),
		 extra_exec ? extra_exec : "", mode, tp("count"), api);
	write_file(tp("exec.yaml"), text);
}

static int runs(void)
{
	FILE *f = fopen(tp("count"), "r");
	int n = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static void load_exec(struct kube_credentials *c, const char *mode)
{
	struct kube_config_opts o = no_opts();
	write_exec_config(mode, "sh", "client.authentication.k8s.io/v1", NULL, NULL);
	o.kubeconfig = tkeep("exec.yaml");
	/*
	 * Only "hang" needs to hit the limit; the others must finish within it even on a loaded
	 * machine or under valgrind, where 400 ms was seen to run out.
	 */
	o.exec_timeout_ms = strcmp(mode, "hang") == 0 ? 400 : 10000;
	ck_assert_msg(load(&o, c) == 0, "%s", errbuf);
}

START_TEST(test_exec_cached)
{
	struct kube_credentials c;
	load_exec(&c, "ok");
	ck_assert_str_eq(c.exec_command, "sh"); /* no slash: looked up in $PATH */
	ck_assert_str_eq(c.exec_api_version, "client.authentication.k8s.io/v1");
	ck_assert_str_eq(c.exec_interactive_mode, "Never");
	ck_assert_uint_eq(c.n_exec_args, 1);
	ck_assert_uint_eq(c.n_exec_env, 4);
	ck_assert_int_eq(runs(), 0); /* loading does not run it */
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	ck_assert_int_eq(runs(), 1);
	/* after a 401 */
	ck_assert_str_eq(token_of(&c, true), "exec-token-2");
	ck_assert_str_eq(token_of(&c, false), "exec-token-2");
	ck_assert_int_eq(runs(), 2);

	/* KUBERNETES_EXEC_INFO as client-go sends it */
	FILE *f = fopen(tp("count.info"), "r");
	ck_assert_ptr_nonnull(f);
	char info[4096];
	size_t n = fread(info, 1, sizeof(info) - 1, f);
	info[n] = '\0';
	fclose(f);
	cJSON *j = cJSON_Parse(info);
	ck_assert_msg(j != NULL, "KUBERNETES_EXEC_INFO is JSON: %s", info);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "apiVersion")->valuestring,
			 "client.authentication.k8s.io/v1");
	ck_assert_str_eq(cJSON_GetObjectItem(j, "kind")->valuestring, "ExecCredential");
	cJSON *spec = cJSON_GetObjectItem(j, "spec");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(spec, "interactive")));
	ck_assert_ptr_null(cJSON_GetObjectItem(spec, "cluster"));
	cJSON_Delete(j);
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_exec_expiry)
{
	struct kube_credentials c;
	load_exec(&c, "past");
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	ck_assert_str_eq(token_of(&c, false), "exec-token-2"); /* expired: run again */
	kube_credentials_free(&c);

	unlink(tp("count"));
	load_exec(&c, "noexp"); /* no expiry: kept until forced */
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	kube_credentials_free(&c);

	unlink(tp("count"));
	load_exec(&c, "offset"); /* fractional seconds and a numeric offset */
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	kube_credentials_free(&c);
}
END_TEST

static int exec_error(struct kube_credentials *c)
{
	const char *t = "unchanged";
	int rc = kube_credentials_token(c, false, &t, errbuf, sizeof(errbuf));
	ck_assert_ptr_null(t);
	assert_no_secret();
	return rc;
}

START_TEST(test_exec_hang)
{
	struct kube_credentials c;
	struct timespec a, b;
	load_exec(&c, "hang");
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(exec_error(&c), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_msg(took >= 0.35 && took < 5.0, "took %.2f s for a 400 ms limit", took);
	assert_err_has("'sh'");
	assert_err_has("killed");
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_exec_failures)
{
	struct kube_credentials c;
	load_exec(&c, "fail");
	ck_assert_int_eq(exec_error(&c), -EIO);
	assert_err_has("exit code 1");
	/* an error is not cached: the next call runs the plugin again */
	ck_assert_int_eq(exec_error(&c), -EIO);
	ck_assert_int_eq(runs(), 2);
	kube_credentials_free(&c);

	static const char *const modes[] = {"garbage", "badexp", "wrongver", "nostatus",
					    "certonly"};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		load_exec(&c, modes[i]);
		ck_assert_msg(exec_error(&c) == -EBADMSG, "%s: %s", modes[i], errbuf);
		assert_err_has("exec plugin 'sh'");
		kube_credentials_free(&c);
	}

	load_exec(&c, "big");
	ck_assert_int_eq(exec_error(&c), -EFBIG);
	kube_credentials_free(&c);

	load_exec(&c, "no-such-mode"); /* exit 3 */
	ck_assert_int_eq(exec_error(&c), -EIO);
	assert_err_has("exit code 3");
	kube_credentials_free(&c);

	struct kube_config_opts o = no_opts();
	write_exec_config("ok", "ipvstop-no-such-plugin", "client.authentication.k8s.io/v1", NULL,
			  NULL);
	o.kubeconfig = tkeep("exec.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_int_eq(exec_error(&c), -ENOENT);
	assert_err_has("ipvstop-no-such-plugin");
	kube_credentials_free(&c);

	write_exec_config("ok", "/nonexistent/plugin", "client.authentication.k8s.io/v1", NULL,
			  NULL);
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_int_eq(exec_error(&c), -ENOENT);
	assert_err_has("/nonexistent/plugin");
	kube_credentials_free(&c);
}
END_TEST

START_TEST(test_exec_env_and_paths)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	/* the configured env wins over ipvstop's own */
	setenv("EXTRA", "from-ipvstop", 1);
	write_exec_config("env", "/bin/sh", "client.authentication.k8s.io/v1beta1", NULL, NULL);
	o.kubeconfig = tkeep("exec.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(token_of(&c, false), "env-from-kubeconfig");
	kube_credentials_free(&c);
	unsetenv("EXTRA");

	/* a command with a slash is relative to the kubeconfig's directory */
	char script[PATH_MAX + 64];
	mkdirs(tp("bin"));
	snprintf(script, sizeof(script), "#!/bin/sh\nexec /bin/sh '%s' \"$@\"\n",
		 fx("exec-plugin.sh"));
	write_file(tp("bin/plugin"), script);
	ck_assert_int_eq(chmod(tp("bin/plugin"), 0755), 0);
	unlink(tp("count"));
	write_exec_config("ok", "./bin/plugin", "client.authentication.k8s.io/v1", NULL, NULL);
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.exec_command, tp("bin/plugin"));
	ck_assert_str_eq(token_of(&c, false), "exec-token-1");
	kube_credentials_free(&c);

	/* v1beta1 defaults interactiveMode to IfAvailable; v1 must set it */
	write_file(tp("v.yaml"), "current-context: x\n"
				 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
				 "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
				 "users: [{name: u, user: {exec: {command: p, apiVersion: "
				 "client.authentication.k8s.io/v1beta1}}}]\n");
	o.kubeconfig = tkeep("v.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.exec_interactive_mode, "IfAvailable");
	kube_credentials_free(&c);
	write_file(tp("v.yaml"), "current-context: x\n"
				 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
				 "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
				 "users: [{name: u, user: {exec: {command: p, apiVersion: "
				 "client.authentication.k8s.io/v1}}}]\n");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("interactiveMode");
	write_file(tp("v.yaml"),
		   "current-context: x\n"
		   "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		   "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
		   "users: [{name: u, user: {exec: {command: p, interactiveMode: Always, "
		   "apiVersion: client.authentication.k8s.io/v1}}}]\n");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("Always");
	write_file(tp("v.yaml"), "current-context: x\n"
				 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
				 "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
				 "users: [{name: u, user: {exec: {command: p, "
				 "apiVersion: client.authentication.k8s.io/v1alpha1}}}]\n");
	ck_assert_int_eq(load(&o, &c), -EINVAL);
	assert_err_has("v1alpha1");
}
END_TEST

START_TEST(test_exec_cluster_info_and_cert)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	write_exec_config("cert", "sh", "client.authentication.k8s.io/v1", NULL,
			  "      provideClusterInfo: true\n");
	o.kubeconfig = tkeep("exec.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert(c.exec_provide_cluster_info);
	ck_assert_uint_eq(c.cert_generation, 0);
	ck_assert_ptr_null(token_of(&c, false)); /* a certificate, no token */
	ck_assert_uint_eq(c.cert_generation, 1);
	assert_data(c.cert_data, c.cert_len, "CERT-1");
	assert_data(c.key_data, c.key_len, "KEY-1");
	ck_assert_ptr_null(token_of(&c, true));
	ck_assert_uint_eq(c.cert_generation, 2);
	assert_data(c.key_data, c.key_len, "KEY-2");

	FILE *f = fopen(tp("count.info"), "r");
	ck_assert_ptr_nonnull(f);
	char info[4096];
	size_t n = fread(info, 1, sizeof(info) - 1, f);
	info[n] = '\0';
	fclose(f);
	cJSON *j = cJSON_Parse(info);
	ck_assert_msg(j != NULL, "%s", info);
	cJSON *cl = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "cluster");
	ck_assert_ptr_nonnull(cl);
	ck_assert_str_eq(cJSON_GetObjectItem(cl, "server")->valuestring, "https://10.0.0.9:6443");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cl, "insecure-skip-tls-verify")));
	cJSON_Delete(j);
	kube_credentials_free(&c);

	/* a static token or client certificate puts the plugin aside, as in client-go */
	unlink(tp("count"));
	write_exec_config("ok", "sh", "client.authentication.k8s.io/v1", "    token: static-tok\n",
			  NULL);
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(token_of(&c, true), "static-tok");
	ck_assert_int_eq(runs(), 0);
	kube_credentials_free(&c);
	write_exec_config("ok", "sh", "client.authentication.k8s.io/v1",
			  "    client-certificate-data: Q0VSVA==\n    client-key-data: S0VZ\n",
			  NULL);
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_ptr_null(token_of(&c, false));
	ck_assert_int_eq(runs(), 0);
	assert_data(c.cert_data, c.cert_len, "CERT");
	assert_data(c.key_data, c.key_len, "KEY");
	kube_credentials_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kube_config");
	TCase *tc = tcase_create("kubeconfig");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_single_file);
	tcase_add_test(tc, test_home_config);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_merge_only_missing);
	tcase_add_test(tc, test_explicit_wins);
	tcase_add_test(tc, test_missing_context);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_relative_paths_merged);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_tls_options);
	tcase_add_test(tc, test_flow_anchors);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_secrets_not_in_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("fallbacks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_admin_conf);
	tcase_add_test(tc, test_in_cluster);
	suite_add_tcase(s, tc);

	tc = tcase_create("tokens");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60); /* generous for valgrind */
	tcase_add_test(tc, test_token_file_rotation);
	tcase_add_test(tc, test_exec_cached);
	tcase_add_test(tc, test_exec_expiry);
	tcase_add_test(tc, test_exec_hang);
	tcase_add_test(tc, test_exec_failures);
	tcase_add_test(tc, test_exec_env_and_paths);
	tcase_add_test(tc, test_exec_cluster_info_and_cert);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
