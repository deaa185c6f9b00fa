/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the libFuzzer targets: the entry points' prototypes and input files. */
#ifndef IPVSTOP_FUZZ_COMMON_H
#define IPVSTOP_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* libFuzzer's entry points (declared for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Writes all of buf to fd at offset 0 and cuts the file there; aborts on failure. */
static inline void fuzz_rewrite(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;
	if (ftruncate(fd, 0) != 0)
		abort();
	while (off < len) {
		ssize_t w = pwrite(fd, p + off, len - off, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
}

/*
 * An anonymous file that the readers open by name: "/proc/self/fd/N" opens the memfd again
 * at offset 0, as a path to a regular file would. No disk I/O, nothing left behind.
 */
static inline int fuzz_memfd(const char *name, char *path, size_t pathlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* A NUL-terminated copy of data[0..size) (the input itself is not terminated). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * An exact-size heap copy of data[0..size) (one byte when size is 0), not terminated:
 * AddressSanitizer then reports any read past the length a parser is given.
 */
static inline char *fuzz_memdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	return s;
}

#endif
