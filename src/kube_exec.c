/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bearer token to send: token files re-read, the exec credential plugin run, both cached. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	int rc = KUBE_IO_READ_FILE(c->token_file, TOKEN_FILE_MAX, &buf, &len, true, err, errlen,
				   fdisp, _("token file '%s' is larger than %u KiB"),
				   TOKEN_FILE_MAX >> 10, _("token file '%s' cannot be read: %s"));
	if (rc < 0)
		return rc;
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
 * $PATH lookup in the parent, kept rather than posix_spawnp's: like Go's exec.LookPath since
 * 1.19, empty and relative entries (the current directory) are not searched, and an unset
 * $PATH means /usr/local/bin:/usr/bin:/bin.
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

/* What the plugin is started with; argv and envp borrow their strings, but for info_env. */
struct plugin_cmd {
	char **argv;
	char **envp;	/* ipvstop's environment, the kubeconfig's env over it, then info_env */
	char *info;	/* the ExecCredential of KUBERNETES_EXEC_INFO */
	char *info_env; /* "KUBERNETES_EXEC_INFO=..." */
};

static void plugin_cmd_free(struct plugin_cmd *pc)
{
	free(pc->argv);
	free(pc->envp);
	free(pc->info);
	free(pc->info_env);
}

/* Fills *pc for c's plugin; returns 0 or -ENOMEM (then pc is freed). */
static int plugin_cmd_build(const struct kube_credentials *c, struct plugin_cmd *pc)
{
	size_t nenv = 0;
	for (char **e = environ; e && *e; e++)
		nenv++;
	pc->info = exec_info(c);
	pc->argv = calloc(c->n_exec_args + 2, sizeof(char *));
	pc->envp = calloc(nenv + c->n_exec_env + 2, sizeof(char *));
	pc->info_env = pc->info ? kube_io_str_concat("KUBERNETES_EXEC_INFO=", pc->info, "") : NULL;
	if (!pc->info || !pc->argv || !pc->envp || !pc->info_env) {
		plugin_cmd_free(pc);
		return -ENOMEM;
	}
	pc->argv[0] = c->exec_command;
	for (size_t i = 0; i < c->n_exec_args; i++)
		pc->argv[i + 1] = c->exec_args[i];
	size_t k = 0;
	for (char **e = environ; e && *e; e++) {
		if (!env_overridden(*e, c->exec_env, c->n_exec_env))
			pc->envp[k++] = *e;
	}
	for (size_t i = 0; i < c->n_exec_env; i++)
		pc->envp[k++] = c->exec_env[i];
	pc->envp[k++] = pc->info_env;
	return 0;
}

struct exec_result {
	char *out; /* SECRET */
	size_t len, cap;
	bool timed_out, overflow;
	int exec_errno;
	int status;
};

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

/*
 * Starts prog in a process group of its own (a timeout then kills what a shell script started
 * too), stdin and stderr on /dev/null, stdout into outw, every signal at its default and none
 * blocked, no other descriptor open. Returns 0 with *pid set, or the errno of the failed step
 * (posix_spawn reports a failed execve too).
 */
static int plugin_spawn(const char *prog, const struct plugin_cmd *pc, int devnull, int outw,
			pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return rc;
	rc = posix_spawnattr_init(&at);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigfillset(&all);
	sigemptyset(&none);
	rc = posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, outw, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, devnull, 2);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	/* ours are close-on-exec; this also closes what a library opened without it */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	if (!rc)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
						       POSIX_SPAWN_SETSIGMASK);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&at, 0);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&at, &all);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (!rc)
		rc = posix_spawn(pid, prog, &fa, &at, pc->argv, pc->envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* One read of the plugin's stdout into r; false once it is closed. Returns 0 or -ENOMEM. */
static int plugin_read_once(int fd, struct exec_result *r, bool *open_)
{
	if (r->len + 1 >= r->cap) {
		size_t ncap = r->cap * 2;
		char *nb = malloc(ncap);
		if (!nb) {
			r->overflow = true;
			return -ENOMEM;
		}
		memcpy(nb, r->out, r->len);
		kube_io_wipe_free(r->out, r->cap);
		r->out = nb;
		r->cap = ncap;
	}
	ssize_t got = read(fd, r->out + r->len, r->cap - r->len - 1);
	if (got > 0) {
		r->len += (size_t)got;
		if (r->len > EXEC_OUTPUT_MAX)
			r->overflow = true;
	} else if (got == 0 || errno != EINTR) {
		*open_ = false;
	}
	return 0;
}

/* Reads the plugin's stdout into r until it is closed, too long, or deadline passes. */
static int plugin_read(int fd, int64_t deadline, struct exec_result *r)
{
	bool open_ = true;
	while (open_ && !r->overflow) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			r->timed_out = true;
			break;
		}
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int pr = poll(&pf, 1, (int)(left > INT_MAX ? INT_MAX : left));
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr > 0 && pf.revents) {
			int rc = plugin_read_once(fd, r, &open_);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/*
 * Stdout is closed: gives the process what is left of the time to exit, then kills its whole
 * process group (a shell script's children hold the pipe too). Fills r->status.
 */
static int plugin_reap(pid_t pid, int64_t deadline, struct exec_result *r, int rc)
{
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
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
			;
	}
	return rc;
}

/*
 * Runs c's plugin prog and fills *r: its output (SECRET, free with kube_io_wipe_free(r->out,
 * r->cap)), how it ended, or exec_errno when it could not be started. Returns 0, or a negative
 * errno when ipvstop itself failed (pipes, poll, memory).
 */
static int run_plugin(struct kube_credentials *c, const char *prog, struct exec_result *r)
{
	struct plugin_cmd pc = {0};
	int outp[2] = {-1, -1}, devnull = -1, rc;
	pid_t pid = -1;

	memset(r, 0, sizeof(*r));
	rc = plugin_cmd_build(c, &pc);
	if (rc < 0)
		return rc;
	r->cap = 4096;
	if (!(r->out = malloc(r->cap))) {
		rc = -ENOMEM;
		goto out;
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    fd_above_stdio(&outp[0]) < 0 || fd_above_stdio(&outp[1]) < 0 ||
	    fd_above_stdio(&devnull) < 0) {
		rc = -errno;
		goto out;
	}
	r->exec_errno = plugin_spawn(prog, &pc, devnull, outp[1], &pid);
	if (r->exec_errno)
		goto out;
	close(outp[1]);
	outp[1] = -1;

	int64_t deadline = now_ms() + c->exec_timeout_ms;
	rc = plugin_read(outp[0], deadline, r);
	rc = plugin_reap(pid, deadline, r, rc);
	if (r->len < r->cap)
		r->out[r->len] = '\0';
out:
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (devnull >= 0)
		close(devnull);
	plugin_cmd_free(&pc);
	return rc;
}

/* The program to start for cmd: a copy of it when it holds a slash, else found in $PATH. */
static int exec_program(const char *cmd, char **prog, char *err, size_t errlen)
{
	*prog = strchr(cmd, '/') ? strdup(cmd) : find_in_path(cmd);
	/*
	 * A path that cannot be executed is said before spawning: posix_spawn reports a failed
	 * execve only where the child shares the parent's memory (CLONE_VFORK), which valgrind
	 * and some emulators do not give, and the plugin would look like one that exited 127.
	 */
	if (*prog && access(*prog, X_OK) != 0) {
		int e = errno;
		free(*prog);
		*prog = NULL;
		return kube_io_fail(err, errlen, -e, _("exec plugin '%s' cannot be run: %s"), cmd,
				    strerror(e));
	}
	if (*prog)
		return 0;
	if (strchr(cmd, '/'))
		return kube_io_oom(err, errlen);
	return kube_io_fail(err, errlen, -ENOENT, _("exec plugin '%s' was not found in $PATH"),
			    cmd);
}

/* How the run went wrong, as a message in err and a negative errno; 0 when it exited with 0. */
static int exec_run_error(const struct kube_credentials *c, int rc, const struct exec_result *r,
			  char *err, size_t errlen)
{
	const char *cmd = c->exec_command;
	if (rc == -ENOMEM)
		return kube_io_oom(err, errlen);
	if (rc < 0)
		return kube_io_fail(err, errlen, rc, _("exec plugin '%s' cannot be run: %s"), cmd,
				    strerror(-rc));
	if (r->exec_errno)
		return kube_io_fail(err, errlen, -r->exec_errno,
				    _("exec plugin '%s' cannot be run: %s"), cmd,
				    strerror(r->exec_errno));
	if (r->timed_out)
		return kube_io_fail(
		    err, errlen, -ETIMEDOUT,
		    _("exec plugin '%s' did not finish within %d ms and was killed"), cmd,
		    c->exec_timeout_ms);
	if (r->overflow)
		return kube_io_fail(err, errlen, -EFBIG,
				    _("exec plugin '%s' printed more than %u KiB and was killed"),
				    cmd, EXEC_OUTPUT_MAX >> 10);
	if (WIFSIGNALED(r->status))
		return kube_io_fail(err, errlen, -EIO,
				    _("exec plugin '%s' was killed by signal %d"), cmd,
				    WTERMSIG(r->status));
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		return kube_io_fail(err, errlen, -EIO,
				    _("exec plugin '%s' failed with exit code %d"), cmd,
				    WEXITSTATUS(r->status));
	return 0;
}

/* What an ExecCredential's status gave; the strings point into the parsed JSON. */
struct exec_status {
	const char *token, *cert, *key; /* SECRET; NULL when absent or empty */
	bool has_expiry;
	time_t expiry;
};

/*
 * Checks the ExecCredential j as client-go does and fills *st. Returns 0, or -EBADMSG with a
 * message in err that never quotes the output: it is a credential.
 */
static int exec_status_parse(const struct kube_credentials *c, const cJSON *j,
			     struct exec_status *st, char *err, size_t errlen)
{
	const char *cmd = c->exec_command;
	cJSON *status = j ? cJSON_GetObjectItemCaseSensitive(j, "status") : NULL;
	cJSON *av = j ? cJSON_GetObjectItemCaseSensitive(j, "apiVersion") : NULL;
	cJSON *kind = j ? cJSON_GetObjectItemCaseSensitive(j, "kind") : NULL;
	if (!cJSON_IsObject(j) || !cJSON_IsString(kind) ||
	    strcmp(kind->valuestring, "ExecCredential") != 0)
		return kube_io_fail(err, errlen, -EBADMSG,
				    _("exec plugin '%s' did not print an ExecCredential"), cmd);
	if (!cJSON_IsString(av) || strcmp(av->valuestring, c->exec_api_version) != 0)
		return kube_io_fail(err, errlen, -EBADMSG,
				    _("exec plugin '%s' answered with another apiVersion than %s"),
				    cmd, c->exec_api_version);
	if (!cJSON_IsObject(status))
		return kube_io_fail(err, errlen, -EBADMSG, _("exec plugin '%s' returned no status"),
				    cmd);
	cJSON *tok = cJSON_GetObjectItemCaseSensitive(status, "token");
	cJSON *crt = cJSON_GetObjectItemCaseSensitive(status, "clientCertificateData");
	cJSON *key = cJSON_GetObjectItemCaseSensitive(status, "clientKeyData");
	cJSON *exp = cJSON_GetObjectItemCaseSensitive(status, "expirationTimestamp");
	if ((tok && !cJSON_IsString(tok) && !cJSON_IsNull(tok)) ||
	    (crt && !cJSON_IsString(crt) && !cJSON_IsNull(crt)) ||
	    (key && !cJSON_IsString(key) && !cJSON_IsNull(key)) ||
	    (exp && !cJSON_IsString(exp) && !cJSON_IsNull(exp)))
		return kube_io_fail(err, errlen, -EBADMSG,
				    _("exec plugin '%s' returned a malformed status"), cmd);
	st->token = cJSON_IsString(tok) && *tok->valuestring ? tok->valuestring : NULL;
	st->cert = cJSON_IsString(crt) && *crt->valuestring ? crt->valuestring : NULL;
	st->key = cJSON_IsString(key) && *key->valuestring ? key->valuestring : NULL;
	if (!st->token && !st->cert && !st->key)
		return kube_io_fail(
		    err, errlen, -EBADMSG,
		    _("exec plugin '%s' returned neither a token nor a certificate and key"), cmd);
	if (!st->cert != !st->key)
		return kube_io_fail(err, errlen, -EBADMSG,
				    _("exec plugin '%s' returned a certificate or a key, not both"),
				    cmd);
	st->expiry = 0;
	st->has_expiry = cJSON_IsString(exp) && *exp->valuestring;
	if (st->has_expiry && !parse_rfc3339(exp->valuestring, &st->expiry))
		return kube_io_fail(
		    err, errlen, -EBADMSG,
		    _("exec plugin '%s' returned an expirationTimestamp that is not RFC 3339"),
		    cmd);
	return 0;
}

/*
 * Takes st in: the token into the cache, a certificate/key pair into c (cert_generation bumped
 * when it differs). Returns 0, or -ENOMEM with nothing changed.
 */
static int exec_status_apply(struct kube_credentials *c, const struct exec_status *st, char *err,
			     size_t errlen)
{
	struct kube_token_cache *tc = c->cache_;
	char *ntok = st->token ? strdup(st->token) : NULL;
	unsigned char *ncert = NULL, *nkey = NULL;
	size_t clen = st->cert ? strlen(st->cert) : 0, klen = st->key ? strlen(st->key) : 0;
	if (st->cert) {
		ncert = malloc(clen);
		nkey = malloc(klen);
		if (ncert)
			memcpy(ncert, st->cert, clen);
		if (nkey)
			memcpy(nkey, st->key, klen);
	}
	if ((st->token && !ntok) || (st->cert && (!ncert || !nkey))) {
		kube_io_wipe_free_str(ntok);
		free(ncert);
		kube_io_wipe_free(nkey, klen);
		return kube_io_oom(err, errlen);
	}
	cache_set_token(tc, ntok);
	c->token_generation++;
	if (st->cert) {
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
	tc->exec_has_expiry = st->has_expiry;
	tc->exec_expiry = st->expiry;
	return 0;
}

/* Runs the plugin and takes its credential in; 0 or a negative errno with a message. */
static int exec_refresh(struct kube_credentials *c, char *err, size_t errlen)
{
	struct exec_result r;
	struct exec_status st = {0};
	char *prog;
	int rc = exec_program(c->exec_command, &prog, err, errlen);
	if (rc < 0)
		return rc;
	rc = run_plugin(c, prog, &r);
	free(prog);
	rc = exec_run_error(c, rc, &r, err, errlen);
	if (rc == 0) {
		/* From here on the output is never quoted: it is a credential. */
		cJSON *j = cJSON_ParseWithLength(r.out, r.len);
		rc = exec_status_parse(c, j, &st, err, errlen);
		if (rc == 0)
			rc = exec_status_apply(c, &st, err, errlen);
		if (j) {
			cjson_wipe(j);
			cJSON_Delete(j);
		}
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
