/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_config: kubeconfig search and merge, checks, in-cluster and admin.conf. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube_config.h"
#include "check_main.h"
#include "kube_fixture.h"

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
	char text[4096];
	read_text(fx("tls.yaml"), text, sizeof(text));
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

START_TEST(test_base64_wrapped)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
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

START_TEST(test_auth_methods)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	o.kubeconfig = fx("secrets.yaml");
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

/*
 * A kubeconfig that must not load: a fixture, or text written to a temporary file NAME. The
 * message must name each of says[] and quote no secret; nothing is left in *out.
 */
struct load_error {
	const char *fixture;
	const char *name, *text;
	const char *context;
	int rc;
	const char *says[4];
	const char *hides; /* also never quoted */
};

#define EXEC_USER(exec)                                                                            \
	"current-context: x\n"                                                                     \
	"contexts: [{name: x, context: {cluster: c, user: u}}]\n"                                  \
	"clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"                                \
	"users: [{name: u, user: {exec: {command: p, " exec "}}}]\n"

static const struct load_error load_errors[] = {
    /* contexts, clusters and users that are not there */
    {.fixture = "single.yaml", .context = "staging", .rc = -ENOENT, .says = {"'staging'"}},
    {.name = "cc.yaml",
     .text = "current-context: ghost\nclusters: []\n",
     .rc = -ENOENT,
     .says = {"'ghost'", "cc.yaml"}},
    {.fixture = "merge-a.yaml", .rc = -ENOENT, .says = {"--context"}}, /* no current-context */
    {.fixture = "empty.yaml", .rc = -ENOENT, .says = {"current-context"}},
    {.fixture = "secrets.yaml", .context = "no-such-user", .rc = -ENOENT, .says = {"'nobody'"}},
    {.fixture = "secrets.yaml", .context = "no-such-cluster", .rc = -ENOENT, .says = {"'nowhere'"}},
    /* base64 */
    {.fixture = "bad-base64.yaml",
     .rc = -EINVAL,
     .says = {"client-key-data", "base64", "user 'u'", "bad-base64.yaml"},
     .hides = "U0VLUkVU"},
    {.fixture = "bad-padding.yaml", .rc = -EINVAL, .says = {"certificate-authority-data"}},
    /* TLS */
    {.fixture = "tls.yaml", .context = "bad-proxy", .rc = -EINVAL, .says = {"proxy-url"}},
    {.fixture = "insecure-ca.yaml", .rc = -EINVAL, .says = {"insecure-skip-tls-verify"}},
    /* malformed YAML, wrong types, a Kubernetes object that is not a Config, a NUL */
    {.fixture = "malformed.yaml", .rc = -EINVAL, .says = {"malformed.yaml", "line "}},
    {.fixture = "dup.yaml", .rc = -EINVAL, .says = {"'twice'"}},
    {.fixture = "list-top.yaml", .rc = -EINVAL, .says = {"not a kubeconfig"}},
    {.name = "types.yaml", .text = "clusters: {name: x}\n", .rc = -EINVAL, .says = {"clusters"}},
    {.name = "bool.yaml",
     .text = "clusters: [{name: x, cluster: {insecure-skip-tls-verify: \"maybe\"}}]\n",
     .rc = -EINVAL,
     .says = {"insecure-skip-tls-verify"}},
    {.name = "pod.yaml", .text = "apiVersion: v1\nkind: Pod\n", .rc = -EINVAL, .says = {"kind"}},
    {.name = "nul.yaml", .text = "current-context: \"a\\0b\"\n", .rc = -EINVAL, .says = {"NUL"}},
    /* users: unreadable files, conflicting fields, unsupported providers */
    {.fixture = "secrets.yaml",
     .rc = -ENOENT,
     .says = {"client-key '/nonexistent/ipvstop-test/client.key' cannot be read",
	      "user 'missing-key'"}},
    {.fixture = "secrets.yaml", .context = "token-and-basic", .rc = -EINVAL, .says = {"only one"}},
    {.fixture = "secrets.yaml", .context = "cert-no-key", .rc = -EINVAL, .says = {"client-key"}},
    {.fixture = "secrets.yaml", .context = "gcp", .rc = -EINVAL, .says = {"gcp"}},
    /* exec: v1 must set interactiveMode; Always is refused; v1alpha1 is gone */
    {.name = "v.yaml",
     .text = EXEC_USER("apiVersion: client.authentication.k8s.io/v1"),
     .rc = -EINVAL,
     .says = {"interactiveMode"}},
    {.name = "v.yaml",
     .text = EXEC_USER("interactiveMode: Always, apiVersion: client.authentication.k8s.io/v1"),
     .rc = -EINVAL,
     .says = {"Always"}},
    {.name = "v.yaml",
     .text = EXEC_USER("apiVersion: client.authentication.k8s.io/v1alpha1"),
     .rc = -EINVAL,
     .says = {"v1alpha1"}},
};

START_TEST(test_load_error)
{
	const struct load_error *e = &load_errors[_i];
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	if (e->fixture) {
		o.kubeconfig = fx(e->fixture);
	} else {
		write_file(tp(e->name), e->text);
		o.kubeconfig = tkeep(e->name);
	}
	o.context = e->context;
	ck_assert_int_eq(load(&o, &c), e->rc);
	for (size_t i = 0; i < sizeof(e->says) / sizeof(e->says[0]) && e->says[i]; i++)
		assert_err_has(e->says[i]);
	assert_no_secret();
	if (e->hides)
		ck_assert_msg(strstr(errbuf, e->hides) == NULL, "quoted the data: %s", errbuf);
	ck_assert_ptr_null(c.server);
}
END_TEST

/* an alias cycle through merge keys must end */
START_TEST(test_merge_key_cycle)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	write_file(tp("cycle.yaml"), "current-context: x\n"
				     "contexts: [{name: x, context: {cluster: c}}]\n"
				     "clusters: [{name: c, cluster: &a {<<: *a}}]\n");
	o.kubeconfig = tkeep("cycle.yaml");
	ck_assert_int_lt(load(&o, &c), 0);
	kube_credentials_free(&c);
}
END_TEST

/* v1beta1 defaults interactiveMode to IfAvailable */
START_TEST(test_exec_stanza)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	write_file(tp("v.yaml"), EXEC_USER("apiVersion: client.authentication.k8s.io/v1beta1"));
	o.kubeconfig = tkeep("v.yaml");
	ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
	ck_assert_str_eq(c.exec_interactive_mode, "IfAvailable");
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

int main(void)
{
	Suite *s = suite_create("kube_config");
	TCase *tc = kube_fixture_tcase(s, "search", 0);
	tcase_add_test(tc, test_single_file);
	tcase_add_test(tc, test_home_config);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_merge_only_missing);
	tcase_add_test(tc, test_explicit_wins);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_relative_paths_merged);

	tc = kube_fixture_tcase(s, "fields", 0);
	tcase_add_test(tc, test_base64_wrapped);
	tcase_add_test(tc, test_tls_options);
	tcase_add_test(tc, test_flow_anchors);
	tcase_add_test(tc, test_auth_methods);
	tcase_add_test(tc, test_exec_stanza);

	tc = kube_fixture_tcase(s, "errors", 0);
	tcase_add_loop_test(tc, test_load_error, 0,
			    (int)(sizeof(load_errors) / sizeof(load_errors[0])));
	tcase_add_test(tc, test_merge_key_cycle);

	tc = kube_fixture_tcase(s, "fallbacks", 0);
	tcase_add_test(tc, test_admin_conf);
	tcase_add_test(tc, test_in_cluster);
	return check_main(s);
}
