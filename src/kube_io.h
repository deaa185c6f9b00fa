/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files, paths and secrets for the credential modules (kube_config.c, kc_file.c, kube_exec.c). */
#ifndef IPVSTOP_KUBE_IO_H
#define IPVSTOP_KUBE_IO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define KUBECONFIG_MAX (16u << 20) /* bytes of one kubeconfig (or certificate-authority) file */

/*
 * Formats a one-line message into err (when err and errlen are set) and returns rc, so that
 * an error path reads "return kube_io_fail(err, errlen, -EINVAL, ...)".
 */
__attribute__((format(printf, 4, 5))) int kube_io_fail(char *err, size_t errlen, int rc,
						       const char *fmt, ...);

/* kube_io_fail with "out of memory": returns -ENOMEM. */
int kube_io_oom(char *err, size_t errlen);

/* explicit_bzero()s the n bytes at p, then frees them; NULL is fine. */
void kube_io_wipe_free(void *p, size_t n);

/* kube_io_wipe_free of a NUL-terminated string; NULL is fine. */
void kube_io_wipe_free_str(char *s);

/* Frees the n strings of v (wiping them when secret), then v; NULL is fine when n is 0. */
void kube_io_free_strv(char **v, size_t n, bool secret);

/* a, b and c joined in a new string (the caller frees it), or NULL when out of memory. */
char *kube_io_str_concat(const char *a, const char *b, const char *c);

/*
 * path for messages: "~/..." when it lies under home (written into buf), else path itself.
 * The result is valid while path and buf are.
 */
const char *kube_io_disp(const char *home, const char *path, char *buf, size_t len);

/*
 * The absolute, clean directory holding file (a relative file is taken from the current
 * directory): a new string the caller frees, or NULL (out of memory, no current directory).
 */
char *kube_io_abs_dir_of(const char *file);

/*
 * client-go's ResolvePaths: p as it is when absolute, else joined to dir and cleaned. A new
 * string the caller frees, or NULL when out of memory.
 */
char *kube_io_resolve_path(const char *dir, const char *p);

/*
 * Reads a whole file of at most max bytes into a NUL-terminated buffer (*buf, owned by the
 * caller, *len bytes before the NUL). Returns 0, -EFBIG, -ENOMEM or -errno; on error *buf is
 * NULL. The buffer may hold secrets: free it with kube_io_wipe_free(buf, len + 1).
 */
int kube_io_read_file(const char *path, size_t max, char **buf, size_t *len);

/*
 * kube_io_read_file() that also says why it failed into err: too_big (a format taking disp
 * and limit) for -EFBIG, "out of memory", else unreadable (disp and strerror); -ENOENT is
 * said only when say_enoent (a missing kubeconfig is for the caller to judge). A statement
 * expression, so that the compiler checks the formats where they are written.
 */
#define KUBE_IO_READ_FILE(path, max, buf, len, say_enoent, err, errlen, disp, too_big, limit,    \
			  unreadable)                                                             \
	__extension__({                                                                          \
		int rc_ = kube_io_read_file(path, max, buf, len);                                \
		if (rc_ == -EFBIG)                                                               \
			kube_io_fail(err, errlen, rc_, too_big, disp, limit);                    \
		else if (rc_ == -ENOMEM)                                                         \
			kube_io_oom(err, errlen);                                                \
		else if (rc_ < 0 && (rc_ != -ENOENT || (say_enoent)))                            \
			kube_io_fail(err, errlen, rc_, unreadable, disp, strerror(-rc_));        \
		rc_;                                                                             \
	})

/* 0 when path can be opened for reading, else -errno. */
int kube_io_check_readable(const char *path);

/*
 * In place: drops leading and trailing whitespace (client-go trims token files), wipes the
 * bytes freed at the end, updates *len and returns s.
 */
char *kube_io_trim(char *s, size_t *len);

#endif
