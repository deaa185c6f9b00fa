/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bearer token to send: token files re-read, the exec credential plugin run, both cached. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "kube_config.h"
#include "kube_exec.h"
#include "kube_io.h"
#include "nls.h"

extern char **environ;

#define TOKEN_FILE_MAX (64u << 10) /* bytes of a token file */
#define EXEC_OUTPUT_MAX (1u << 20) /* bytes an exec plugin may print */

struct kube_token_cache {
	char *token; /* SECRET: the last token read from token_file or returned by the plugin */
	bool file_known;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool static_cert; /* the kubeconfig gave a client certificate: the plugin is not used */
	bool exec_valid;
	bool exec_has_expiry;
	time_t exec_expiry;
};

struct kube_token_cache *kube_exec_cache(struct kube_credentials *c)
{
	if (!c->cache_)
		c->cache_ = calloc(1, sizeof(*c->cache_));
	return c->cache_;
}

void kube_exec_cache_static_cert(struct kube_token_cache *tc)
{
	tc->static_cert = true;
}

void kube_exec_cache_free(struct kube_token_cache *tc)
{
	if (tc) {
		kube_io_wipe_free_str(tc->token);
		kube_io_wipe_free(tc, sizeof(*tc));
	}
}

static void cache_set_token(struct kube_token_cache *tc, char *tok)
{
	kube_io_wipe_free_str(tc->token);
	tc->token = tok;
}

/* Re-reads token_file when its identity changed (or when forced). */
int kube_exec_token_file_refresh(struct kube_credentials *c, bool force, const char *home,
				 char *err, size_t errlen)
{
	struct kube_token_cache *tc = kube_exec_cache(c);
	char dbuf[PATH_MAX + 2];
	const char *fdisp = kube_io_disp(home, c->token_file, dbuf, sizeof(dbuf));
	struct stat st;
	if (!tc)
		return kube_io_oom(err, errlen);
	/* stat follows the kubelet's ..data symlink, so a rotation shows as a new inode */
	if (stat(c->token_file, &st) < 0)
		return kube_io_fail(err, errlen, -errno, _("token file '%s' cannot be read: %s"),
				    fdisp, strerror(errno));
	if (!force && tc->token && tc->file_known && st.st_dev == tc->dev && st.st_ino == tc->ino &&
	    st.st_size == tc->size && st.st_mtim.tv_sec == tc->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == tc->mtime.tv_nsec)
		return 0;
	char *buf;
	size_t len;
	int rc = kube_io_read_file(c->token_file, TOKEN_FILE_MAX, &buf, &len);
	if (rc == -EFBIG)
		return kube_io_fail(err, errlen, rc, _("token file '%s' is larger than %u KiB"),
				    fdisp, TOKEN_FILE_MAX >> 10);
	if (rc == -ENOMEM)
		return kube_io_oom(err, errlen);
	if (rc < 0)
		return kube_io_fail(err, errlen, rc, _("token file '%s' cannot be read: %s"), fdisp,
				    strerror(-rc));
	size_t cap = len + 1;
	kube_io_trim(buf, &len);
	if (len == 0 || memchr(buf, '\0', len) || strpbrk(buf, "\r\n")) {
		bool empty = len == 0;
		kube_io_wipe_free(buf, cap);
		return kube_io_fail(err, errlen, -EINVAL,
				    empty ? _("token file '%s' is empty")
					  : _("token file '%s' holds more than one line"),
				    fdisp);
	}
	cache_set_token(tc, buf);
	c->token_generation++;
	tc->file_known = true;
	tc->dev = st.st_dev;
	tc->ino = st.st_ino;
	tc->size = st.st_size;
	tc->mtime = st.st_mtim;
	return 0;
}

static bool digits(const char **s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return true;
}

/* RFC 3339 (metav1.Time): 2024-05-01T10:00:00Z, fractions, numeric offsets. */
static bool parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	memset(&tm, 0, sizeof(tm));
	if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
	    !digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
		return false;
	s++;
	if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) || *s++ != ':' ||
	    !digits(&s, 2, &se))
		return false;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (!digits(&s, 2, &oh) || *s++ != ':' || !digits(&s, 2, &om) || oh > 23 || om > 59)
			return false;
	} else {
		return false;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm) - sign * (oh * 3600 + om * 60);
	return true;
}

static void cjson_wipe(cJSON *j)
{
	for (; j; j = j->next) {
		if (j->valuestring)
			explicit_bzero(j->valuestring, strlen(j->valuestring));
		if (j->string)
			explicit_bzero(j->string, strlen(j->string));
		cjson_wipe(j->child);
	}
}

/* KUBERNETES_EXEC_INFO: an ExecCredential with only the spec, interactive always false. */
static char *exec_info(const struct kube_credentials *c)
{
	cJSON *root = cJSON_CreateObject(), *spec;
	char *out = NULL;
	if (!root || !cJSON_AddStringToObject(root, "apiVersion", c->exec_api_version) ||
	    !cJSON_AddStringToObject(root, "kind", "ExecCredential") ||
	    !(spec = cJSON_AddObjectToObject(root, "spec")) ||
	    !cJSON_AddBoolToObject(spec, "interactive", 0))
		goto done;
	if (c->exec_provide_cluster_info) {
		/* client-go's Cluster: the kubeconfig cluster, CA always as data */
		cJSON *cl = cJSON_AddObjectToObject(spec, "cluster");
		if (!cl || !cJSON_AddStringToObject(cl, "server", c->server))
			goto done;
		if (c->tls_server_name &&
		    !cJSON_AddStringToObject(cl, "tls-server-name", c->tls_server_name))
			goto done;
		if (c->insecure && !cJSON_AddBoolToObject(cl, "insecure-skip-tls-verify", 1))
			goto done;
		if (c->proxy_url && !cJSON_AddStringToObject(cl, "proxy-url", c->proxy_url))
			goto done;
		if (c->disable_compression && !cJSON_AddBoolToObject(cl, "disable-compression", 1))
			goto done;
		unsigned char *ca = c->ca_data;
		size_t calen = c->ca_len;
		char *fbuf = NULL;
		if (!ca && c->ca_file &&
		    kube_io_read_file(c->ca_file, KUBECONFIG_MAX, &fbuf, &calen) == 0)
			ca = (unsigned char *)fbuf;
		if (ca) {
			char *b = base64_encode(ca, calen);
			bool ok = b && cJSON_AddStringToObject(cl, "certificate-authority-data", b);
			free(b);
			free(fbuf);
			if (!ok)
				goto done;
		}
	}
	out = cJSON_PrintUnformatted(root);
done:
	cJSON_Delete(root);
	return out;
}

/*
 * $PATH lookup in the parent, so that the child only calls execve. Like Go's exec.LookPath
 * since 1.19, empty and relative entries (the current directory) are not searched.
 */
static char *find_in_path(const char *cmd)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t l = strcspn(p, ":");
		if (l > 0 && p[0] == '/') {
			char *full = malloc(l + strlen(cmd) + 2);
			struct stat st;
			if (!full)
				return NULL;
			sprintf(full, "%.*s/%s", (int)l, p, cmd);
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
				return full;
			free(full);
		}
		p += l;
		if (*p == ':')
			p++;
	}
	return NULL;
}

static bool env_overridden(const char *entry, char *const *over, size_t n)
{
	const char *eq = strchr(entry, '=');
	size_t l = eq ? (size_t)(eq - entry) : strlen(entry);
	if (l == strlen("KUBERNETES_EXEC_INFO") && !strncmp(entry, "KUBERNETES_EXEC_INFO", l))
		return true;
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(over[i], entry, l) && over[i][l] == '=')
			return true;
	}
	return false;
}

struct exec_result {
	char *out; /* SECRET */
	size_t len, cap;
	bool timed_out, overflow;
	int exec_errno;
	int status;
};

static void child_exec(const char *prog, char **argv, char **envp, int devnull, int outw, int errw)
    __attribute__((noreturn));
static void child_exec(const char *prog, char **argv, char **envp, int devnull, int outw, int errw)
{
	/* only async-signal-safe calls from here on: other threads may hold malloc locks */
	sigset_t all;
	setpgid(0, 0);
	if (dup2(devnull, 0) < 0 || dup2(outw, 1) < 0 || dup2(devnull, 2) < 0)
		goto fail;
	for (int s = 1; s < NSIG; s++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(s, &sa, NULL);
	}
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
#ifdef SYS_close_range
	/* keep errw (close-on-exec) for reporting a failed execve */
	if (errw > 3)
		syscall(SYS_close_range, 3, (unsigned)errw - 1, 0);
	syscall(SYS_close_range, (unsigned)errw + 1, ~0u, 0);
#endif
	execve(prog, argv, envp);
fail:;
	int e = errno;
	ssize_t wr = write(errw, &e, sizeof(e));
	(void)wr;
	_exit(127);
}

/*
 * With stdin closed, pipe2() may hand out fd 0, which the child's dup2() calls would then
 * overwrite: move such descriptors to 3 or above.
 */
static int fd_above_stdio(int *fd)
{
	if (*fd > 2)
		return 0;
	int n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

static int run_plugin(struct kube_credentials *c, const char *prog, struct exec_result *r)
{
	char *info = exec_info(c);
	char **argv = calloc(c->n_exec_args + 2, sizeof(char *));
	size_t nenv = 0;
	for (char **e = environ; e && *e; e++)
		nenv++;
	char **envp = calloc(nenv + c->n_exec_env + 2, sizeof(char *));
	char *info_env = info ? kube_io_str_concat("KUBERNETES_EXEC_INFO=", info, "") : NULL;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, devnull = -1, rc = 0;
	pid_t pid = -1;

	memset(r, 0, sizeof(*r));
	if (!info || !argv || !envp || !info_env) {
		rc = -ENOMEM;
		goto out;
	}
	argv[0] = c->exec_command;
	for (size_t i = 0; i < c->n_exec_args; i++)
		argv[i + 1] = c->exec_args[i];
	size_t k = 0;
	for (char **e = environ; e && *e; e++) {
		if (!env_overridden(*e, c->exec_env, c->n_exec_env))
			envp[k++] = *e;
	}
	for (size_t i = 0; i < c->n_exec_env; i++)
		envp[k++] = c->exec_env[i];
	envp[k++] = info_env;

	r->cap = 4096;
	if (!(r->out = malloc(r->cap))) {
		rc = -ENOMEM;
		goto out;
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 || fd_above_stdio(&outp[0]) < 0 ||
	    fd_above_stdio(&outp[1]) < 0 || fd_above_stdio(&errp[0]) < 0 ||
	    fd_above_stdio(&errp[1]) < 0 || fd_above_stdio(&devnull) < 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0)
		child_exec(prog, argv, envp, devnull, outp[1], errp[1]);
	setpgid(pid, pid); /* the child does it too; whichever runs first */
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;

	int64_t deadline = now_ms() + c->exec_timeout_ms;
	bool out_open = true, err_open = true;
	while ((out_open || err_open) && !r->overflow) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = true;
			break;
		}
		struct pollfd pf[2];
		nfds_t n = 0;
		if (out_open)
			pf[n++] = (struct pollfd){.fd = outp[0], .events = POLLIN};
		if (err_open)
			pf[n++] = (struct pollfd){.fd = errp[0], .events = POLLIN};
		int pr = poll(pf, n, (int)(left > INT_MAX ? INT_MAX : left));
		if (pr < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		for (nfds_t i = 0; pr > 0 && i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == outp[0]) {
				if (r->len + 1 >= r->cap) {
					size_t ncap = r->cap * 2;
					char *nb = malloc(ncap);
					if (!nb) {
						rc = -ENOMEM;
						r->overflow = true;
						break;
					}
					memcpy(nb, r->out, r->len);
					kube_io_wipe_free(r->out, r->cap);
					r->out = nb;
					r->cap = ncap;
				}
				ssize_t got = read(outp[0], r->out + r->len, r->cap - r->len - 1);
				if (got > 0) {
					r->len += (size_t)got;
					if (r->len > EXEC_OUTPUT_MAX)
						r->overflow = true;
				} else if (got == 0 || errno != EINTR) {
					out_open = false;
				}
			} else {
				int e;
				ssize_t got = read(errp[0], &e, sizeof(e));
				if (got == (ssize_t)sizeof(e))
					r->exec_errno = e;
				else if (got == 0 || (got < 0 && errno != EINTR))
					err_open = false;
			}
		}
	}
	/* stdout is closed: give the process what is left of the time to exit */
	bool reaped = false;
	while (!r->timed_out && !r->overflow && rc == 0) {
		pid_t w = waitpid(pid, &r->status, WNOHANG);
		if (w == pid) {
			reaped = true;
			break;
		}
		if (w < 0 && errno != EINTR) {
			rc = -errno;
			reaped = true;
			break;
		}
		if (now_ms() >= deadline) {
			r->timed_out = true;
			break;
		}
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (!reaped) {
		/* the whole process group: a shell script's children hold the pipe too */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
			;
	}
	if (r->len < r->cap)
		r->out[r->len] = '\0';
out:
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (devnull >= 0)
		close(devnull);
	free(argv);
	free(envp);
	free(info);
	free(info_env);
	return rc;
}

static int exec_refresh(struct kube_credentials *c, char *err, size_t errlen)
{
	struct kube_token_cache *tc = c->cache_;
	const char *cmd = c->exec_command;
	char *prog = strchr(cmd, '/') ? strdup(cmd) : find_in_path(cmd);
	struct exec_result r;
	cJSON *j = NULL;
	int rc;

	if (!prog) {
		if (strchr(cmd, '/'))
			return kube_io_oom(err, errlen);
		return kube_io_fail(err, errlen, -ENOENT,
				    _("exec plugin '%s' was not found in $PATH"), cmd);
	}
	rc = run_plugin(c, prog, &r);
	free(prog);
	if (rc == -ENOMEM) {
		rc = kube_io_oom(err, errlen);
		goto out;
	}
	if (rc < 0) {
		rc = kube_io_fail(err, errlen, rc, _("exec plugin '%s' cannot be run: %s"), cmd,
				  strerror(-rc));
		goto out;
	}
	if (r.exec_errno) {
		rc = kube_io_fail(err, errlen, -r.exec_errno,
				  _("exec plugin '%s' cannot be run: %s"), cmd,
				  strerror(r.exec_errno));
		goto out;
	}
	if (r.timed_out) {
		rc = kube_io_fail(err, errlen, -ETIMEDOUT,
				  _("exec plugin '%s' did not finish within %d ms and was killed"),
				  cmd, c->exec_timeout_ms);
		goto out;
	}
	if (r.overflow) {
		rc = kube_io_fail(err, errlen, -EFBIG,
				  _("exec plugin '%s' printed more than %u KiB and was killed"),
				  cmd, EXEC_OUTPUT_MAX >> 10);
		goto out;
	}
	if (WIFSIGNALED(r.status)) {
		rc = kube_io_fail(err, errlen, -EIO, _("exec plugin '%s' was killed by signal %d"),
				  cmd, WTERMSIG(r.status));
		goto out;
	}
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		rc = kube_io_fail(err, errlen, -EIO, _("exec plugin '%s' failed with exit code %d"),
				  cmd, WEXITSTATUS(r.status));
		goto out;
	}

	/* From here on the output is never quoted: it is a credential. */
	j = cJSON_ParseWithLength(r.out, r.len);
	cJSON *status = j ? cJSON_GetObjectItemCaseSensitive(j, "status") : NULL;
	cJSON *av = j ? cJSON_GetObjectItemCaseSensitive(j, "apiVersion") : NULL;
	cJSON *kind = j ? cJSON_GetObjectItemCaseSensitive(j, "kind") : NULL;
	if (!cJSON_IsObject(j) || !cJSON_IsString(kind) ||
	    strcmp(kind->valuestring, "ExecCredential") != 0) {
		rc = kube_io_fail(err, errlen, -EBADMSG,
				  _("exec plugin '%s' did not print an ExecCredential"), cmd);
		goto out;
	}
	if (!cJSON_IsString(av) || strcmp(av->valuestring, c->exec_api_version) != 0) {
		rc = kube_io_fail(err, errlen, -EBADMSG,
				  _("exec plugin '%s' answered with another apiVersion than %s"),
				  cmd, c->exec_api_version);
		goto out;
	}
	if (!cJSON_IsObject(status)) {
		rc = kube_io_fail(err, errlen, -EBADMSG, _("exec plugin '%s' returned no status"),
				  cmd);
		goto out;
	}
	cJSON *tok = cJSON_GetObjectItemCaseSensitive(status, "token");
	cJSON *crt = cJSON_GetObjectItemCaseSensitive(status, "clientCertificateData");
	cJSON *key = cJSON_GetObjectItemCaseSensitive(status, "clientKeyData");
	cJSON *exp = cJSON_GetObjectItemCaseSensitive(status, "expirationTimestamp");
	if ((tok && !cJSON_IsString(tok) && !cJSON_IsNull(tok)) ||
	    (crt && !cJSON_IsString(crt) && !cJSON_IsNull(crt)) ||
	    (key && !cJSON_IsString(key) && !cJSON_IsNull(key)) ||
	    (exp && !cJSON_IsString(exp) && !cJSON_IsNull(exp))) {
		rc = kube_io_fail(err, errlen, -EBADMSG,
				  _("exec plugin '%s' returned a malformed status"), cmd);
		goto out;
	}
	const char *ts = cJSON_IsString(tok) && *tok->valuestring ? tok->valuestring : NULL;
	const char *cs = cJSON_IsString(crt) && *crt->valuestring ? crt->valuestring : NULL;
	const char *ks = cJSON_IsString(key) && *key->valuestring ? key->valuestring : NULL;
	if (!ts && !cs && !ks) {
		rc = kube_io_fail(
		    err, errlen, -EBADMSG,
		    _("exec plugin '%s' returned neither a token nor a certificate and key"), cmd);
		goto out;
	}
	if (!cs != !ks) {
		rc = kube_io_fail(err, errlen, -EBADMSG,
				  _("exec plugin '%s' returned a certificate or a key, not both"),
				  cmd);
		goto out;
	}
	time_t expiry = 0;
	bool has_expiry = cJSON_IsString(exp) && *exp->valuestring;
	if (has_expiry && !parse_rfc3339(exp->valuestring, &expiry)) {
		rc = kube_io_fail(
		    err, errlen, -EBADMSG,
		    _("exec plugin '%s' returned an expirationTimestamp that is not RFC 3339"),
		    cmd);
		goto out;
	}
	char *ntok = ts ? strdup(ts) : NULL;
	unsigned char *ncert = NULL, *nkey = NULL;
	size_t clen = cs ? strlen(cs) : 0, klen = ks ? strlen(ks) : 0;
	if (cs) {
		ncert = malloc(clen);
		nkey = malloc(klen);
		if (ncert)
			memcpy(ncert, cs, clen);
		if (nkey)
			memcpy(nkey, ks, klen);
	}
	if ((ts && !ntok) || (cs && (!ncert || !nkey))) {
		kube_io_wipe_free_str(ntok);
		free(ncert);
		kube_io_wipe_free(nkey, klen);
		rc = kube_io_oom(err, errlen);
		goto out;
	}
	cache_set_token(tc, ntok);
	c->token_generation++;
	if (cs) {
		if (!c->cert_data || c->cert_len != clen || memcmp(c->cert_data, ncert, clen) ||
		    !c->key_data || c->key_len != klen || memcmp(c->key_data, nkey, klen))
			c->cert_generation++;
		free(c->cert_data);
		kube_io_wipe_free(c->key_data, c->key_len);
		c->cert_data = ncert;
		c->cert_len = clen;
		c->key_data = nkey;
		c->key_len = klen;
	}
	tc->exec_valid = true;
	tc->exec_has_expiry = has_expiry;
	tc->exec_expiry = expiry;
	rc = 0;
out:
	if (j) {
		cjson_wipe(j);
		cJSON_Delete(j);
	}
	kube_io_wipe_free(r.out, r.cap);
	return rc;
}

int kube_credentials_token(struct kube_credentials *c, bool force, const char **token, char *err,
			   size_t errlen)
{
	struct kube_token_cache *tc = kube_exec_cache(c);
	*token = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!tc)
		return kube_io_oom(err, errlen);
	if (c->token_file) {
		/* client-go's cached file token source; the static token only as a fallback */
		int rc = kube_exec_token_file_refresh(c, force, NULL, err, errlen);
		if (rc == 0) {
			*token = tc->token;
			return 0;
		}
		if (c->token) {
			if (err && errlen)
				err[0] = '\0';
			*token = c->token;
			return 0;
		}
		return rc;
	}
	if (c->token) {
		*token = c->token;
		return 0;
	}
	/* client-go's exec authenticator stands aside when other credentials are configured */
	if (c->exec_command && !tc->static_cert && !c->username && !c->password) {
		if (force || !tc->exec_valid ||
		    (tc->exec_has_expiry && time(NULL) >= tc->exec_expiry)) {
			tc->exec_valid = false;
			int rc = exec_refresh(c, err, errlen);
			if (rc < 0)
				return rc;
		}
		*token = tc->token;
	}
	return 0;
}
