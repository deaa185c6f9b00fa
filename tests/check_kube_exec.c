/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_exec: token files re-read, the exec credential plugin run and cached. */
#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kube_config.h"
#include "check_main.h"
#include "kube_fixture.h"

static void set_mtime(const char *path, const struct timespec *t)
{
	struct timespec ts[2] = {*t, *t};
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* k.yaml in the temporary directory: one https cluster and a user {USER}. */
static void write_token_user(const char *user)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "current-context: x\n"
		 "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
		 "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
		 "users: [{name: u, user: {%s}}]\n",
		 user);
	write_file(tp("k.yaml"), text);
}

START_TEST(test_token_file_rotation)
{
	struct kube_config_opts o = no_opts();
	struct kube_credentials c;
	struct stat st;
	write_file(tp("tok"), "tok-AAAA\n");
	write_token_user("tokenFile: tok");
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
	write_token_user("token: static-tok, tokenFile: tok");
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

/* The KUBERNETES_EXEC_INFO the plugin saw on its last run, parsed (the caller deletes it). */
static cJSON *exec_info_seen(void)
{
	char info[4096];
	read_text(tp("count.info"), info, sizeof(info));
	cJSON *j = cJSON_Parse(info);
	ck_assert_msg(j != NULL, "KUBERNETES_EXEC_INFO is JSON: %s", info);
	return j;
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
	cJSON *j = exec_info_seen();
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

	/* not in $PATH, and a path that does not exist */
	static const char *const missing[] = {"ipvstop-no-such-plugin", "/nonexistent/plugin"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct kube_config_opts o = no_opts();
		write_exec_config("ok", missing[i], "client.authentication.k8s.io/v1", NULL, NULL);
		o.kubeconfig = tkeep("exec.yaml");
		ck_assert_msg(load(&o, &c) == 0, "%s", errbuf);
		ck_assert_int_eq(exec_error(&c), -ENOENT);
		assert_err_has(missing[i]);
		kube_credentials_free(&c);
	}
}
END_TEST

START_TEST(test_exec_env_and_path)
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

	cJSON *j = exec_info_seen();
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
	Suite *s = suite_create("kube_exec");
	/* the time limits are generous for valgrind */
	TCase *tc = kube_fixture_tcase(s, "token file", 60);
	tcase_add_test(tc, test_token_file_rotation);

	tc = kube_fixture_tcase(s, "exec plugin", 60);
	tcase_add_test(tc, test_exec_cached);
	tcase_add_test(tc, test_exec_expiry);
	tcase_add_test(tc, test_exec_env_and_path);
	tcase_add_test(tc, test_exec_cluster_info_and_cert);

	tc = kube_fixture_tcase(s, "exec plugin failures", 60);
	tcase_add_test(tc, test_exec_hang);
	tcase_add_test(tc, test_exec_failures);
	return check_main(s);
}
