/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a kubeconfig file (YAML, through libyaml) into kube_config_load, as
 * --kubeconfig FILE and, when the input holds the line "#%merge%", as KUBECONFIG=A:B with
 * the text before that line in A and the rest in B (client-go's merge rules).
 *
 * Nothing outside the fuzzer's own directory is read and nothing is run:
 *  - kube_config_load only checks an exec plugin (command, apiVersion, interactiveMode); the
 *    plugin runs in kube_credentials_token(), which this target never calls. As a guard, the
 *    link wraps fork, vfork, execve and posix_spawn (-Wl,--wrap=...): while the loader
 *    runs, any of them aborts, so a future loader that ran a fuzzed command would be
 *    reported as a crash instead of running it.
 *  - The loader opens the files a kubeconfig names (certificate-authority, client-key,
 *    tokenFile). open() is wrapped too: while the loader runs, only regular files under
 *    the fuzzer's temporary directory may be opened (fuzzed paths such as /dev/kmsg or a
 *    FIFO would block or touch devices); anything else fails with EACCES, which the
 *    loader reports as an unreadable file, a path it handles anyway.
 * The directory holds a token, a CA and a client pair, so relative and absolute references
 * to them reach the code past the readability checks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "kube_config.h"

static char dir[PATH_MAX];
static char file_a[PATH_MAX], file_b[PATH_MAX], env_list[2 * PATH_MAX + 2];
static bool confined; /* set while kube_config_load runs */

/* The real functions, reached through the linker's --wrap. */
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
pid_t __real_fork(void);
pid_t __wrap_fork(void);
pid_t __real_vfork(void);
pid_t __wrap_vfork(void);
int __real_execve(const char *path, char *const argv[], char *const envp[]);
int __wrap_execve(const char *path, char *const argv[], char *const envp[]);
int __real_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int __wrap_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int __real_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
int __wrap_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

static bool allowed(const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	size_t dl = strlen(dir);
	if (!realpath(path, real))
		return false;
	return strncmp(real, dir, dl) == 0 && real[dl] == '/' && stat(real, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (confined) {
		if (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) {
			fprintf(stderr, "fuzz_kubeconfig: the loader opened %s for writing\n", path);
			abort();
		}
		if (!allowed(path)) {
			errno = EACCES;
			return -1;
		}
	}
	return __real_open(path, flags, mode);
}

static void refuse(const char *what, const char *path)
{
	fprintf(stderr, "fuzz_kubeconfig: kube_config_load called %s(%s): it must never run a "
			"program\n",
		what, path ? path : "");
	abort();
}

pid_t __wrap_fork(void)
{
	if (confined)
		refuse("fork", NULL);
	return __real_fork();
}

pid_t __wrap_vfork(void)
{
	if (confined)
		refuse("vfork", NULL);
	return __real_vfork();
}

int __wrap_execve(const char *path, char *const argv[], char *const envp[])
{
	if (confined)
		refuse("execve", path);
	return __real_execve(path, argv, envp);
}

int __wrap_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (confined)
		refuse("posix_spawn", path);
	return __real_posix_spawn(pid, path, fa, attr, argv, envp);
}

int __wrap_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	if (confined)
		refuse("posix_spawnp", file);
	return __real_posix_spawnp(pid, file, fa, attr, argv, envp);
}

static void put(const char *name, const void *buf, size_t len)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = __real_open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(p);
		abort();
	}
	fuzz_rewrite(fd, buf, len);
	close(fd);
}

static void cleanup(void)
{
	static const char *const names[] = {"a.yaml", "b.yaml", "token", "ca.crt",
					    "client.crt", "client.key"};
	char p[PATH_MAX];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	snprintf(tmpl, sizeof(tmpl), "%s/fuzz_kubeconfig.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl) || !realpath(tmpl, dir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(cleanup);
	static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
	static const char key[] = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
	put("token", "fuzz-token\n", 11);
	put("ca.crt", pem, sizeof(pem) - 1);
	put("client.crt", pem, sizeof(pem) - 1);
	put("client.key", key, sizeof(key) - 1);
	snprintf(file_a, sizeof(file_a), "%s/a.yaml", dir);
	snprintf(file_b, sizeof(file_b), "%s/b.yaml", dir);
	snprintf(env_list, sizeof(env_list), "%s:%s", file_a, file_b);
	return 0;
}

static void load(const struct kube_config_opts *o)
{
	struct kube_credentials c;
	char err[512];
	confined = true;
	int rc = kube_config_load(o, &c, err, sizeof(err));
	confined = false;
	if (rc == 0 && !c.server) {
		fprintf(stderr, "fuzz_kubeconfig: loaded without a server\n");
		abort();
	}
	/* on error the credentials are already empty; freeing them again must be harmless */
	kube_credentials_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mark[] = "#%merge%\n";
	const uint8_t *split = NULL;
	for (size_t i = 0; i + sizeof(mark) - 1 <= size; i++) {
		if (memcmp(data + i, mark, sizeof(mark) - 1) == 0) {
			split = data + i;
			break;
		}
	}
	struct kube_config_opts o;
	memset(&o, 0, sizeof(o));
	o.home = dir;
	o.exec_timeout_ms = 1; /* never used: nothing runs at load */
	if (!split) {
		put("a.yaml", data, size);
		o.kubeconfig = file_a;
		load(&o);
		/* the same file, with a context chosen on the command line */
		o.context = "kubernetes-admin@kubernetes";
		load(&o);
	} else {
		size_t la = (size_t)(split - data);
		put("a.yaml", data, la);
		put("b.yaml", split + sizeof(mark) - 1, size - la - (sizeof(mark) - 1));
		o.env_kubeconfig = env_list;
		load(&o);
	}
	return 0;
}
