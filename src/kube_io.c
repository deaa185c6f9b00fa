/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files, paths and secrets for the credential modules (kube_config.c, kc_file.c, kube_exec.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kube_io.h"
#include "nls.h"

int kube_io_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int kube_io_oom(char *err, size_t errlen)
{
	return kube_io_fail(err, errlen, -ENOMEM, "%s", _("out of memory"));
}

void kube_io_wipe_free(void *p, size_t n)
{
	if (p) {
		explicit_bzero(p, n);
		free(p);
	}
}

void kube_io_wipe_free_str(char *s)
{
	if (s)
		kube_io_wipe_free(s, strlen(s));
}

char *kube_io_str_concat(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);
	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* "~/..." for paths under $HOME, to keep status-line messages short. */
const char *kube_io_disp(const char *home, const char *path, char *buf, size_t len)
{
	size_t hl = home ? strlen(home) : 0;
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	if (hl > 1 && strncmp(path, home, hl) == 0 && path[hl] == '/') {
		snprintf(buf, len, "~%s", path + hl);
		return buf;
	}
	return path;
}

/* Lexical clean of an absolute path, as Go's filepath.Clean: no ".", "..", "//". */
static char *path_clean(const char *p)
{
	char *out = malloc(strlen(p) + 2);
	if (!out)
		return NULL;
	size_t o = 1; /* out holds "/" or "/a/b", never a trailing slash */
	out[0] = '/';
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t l = strcspn(s, "/");
		if (l == 0)
			break;
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--; /* the slash before the dropped component */
		} else if (!(l == 1 && s[0] == '.')) {
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, s, l);
			o += l;
		}
		s += l;
	}
	out[o] = '\0';
	return out;
}

/* The absolute directory holding file (relative files are taken from the current directory). */
char *kube_io_abs_dir_of(const char *file)
{
	char *abs;
	if (file[0] == '/') {
		abs = path_clean(file);
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		char *j = kube_io_str_concat(cwd, "/", file);
		if (!j)
			return NULL;
		abs = path_clean(j);
		free(j);
	}
	if (!abs)
		return NULL;
	char *slash = strrchr(abs, '/');
	if (slash == abs)
		abs[1] = '\0';
	else if (slash)
		*slash = '\0';
	return abs;
}

/* client-go's ResolvePaths: absolute paths as they are, relative ones joined to dir. */
char *kube_io_resolve_path(const char *dir, const char *p)
{
	if (p[0] == '/')
		return strdup(p);
	char *j = kube_io_str_concat(dir, "/", p);
	if (!j)
		return NULL;
	char *c = path_clean(j);
	free(j);
	return c;
}

/*
 * Reads a whole file of at most max bytes into a NUL-terminated buffer. Returns 0, -EFBIG, or
 * -errno. The buffer may hold secrets: free it with kube_io_wipe_free(buf, len + 1).
 */
int kube_io_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	int rc = 0;
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				rc = -EFBIG;
				break;
			}
			size_t ncap = cap * 2;
			char *nb = malloc(ncap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			memcpy(nb, b, n);
			kube_io_wipe_free(b, cap);
			b = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -EFBIG;
			break;
		}
	}
	close(fd);
	if (rc < 0) {
		kube_io_wipe_free(b, cap);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int kube_io_check_readable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* In place: drops leading and trailing whitespace (client-go trims token files). */
char *kube_io_trim(char *s, size_t *len)
{
	size_t n = *len;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		n--;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
		i++;
	memmove(s, s + i, n - i);
	explicit_bzero(s + (n - i), *len - (n - i));
	s[n - i] = '\0';
	*len = n - i;
	return s;
}

void kube_io_free_strv(char **v, size_t n, bool secret)
{
	for (size_t i = 0; i < n; i++) {
		if (secret)
			kube_io_wipe_free_str(v[i]);
		else
			free(v[i]);
	}
	free(v);
}
