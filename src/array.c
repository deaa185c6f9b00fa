/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growing a plain malloc'd array by doubling: the one append step the parsers share. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int array_reserve(void *arrp, size_t n, size_t *cap, size_t size, size_t first)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first;
	int err = array_resize(arrp, ncap, size);
	if (!err)
		*cap = ncap;
	return err;
}

int array_resize(void *arrp, size_t n, size_t size)
{
	void *old, *p;
	/* arrp points at a T *, not a void *: read and write it as bytes. */
	memcpy(&old, arrp, sizeof(old));
	p = realloc(old, n * size);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	return 0;
}

int array_append_text(char **buf, size_t *len, size_t *cap, const void *data, size_t n,
		      size_t first)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap : first;
		while (ncap < *len + n + 1)
			ncap *= 2;
		char *p = realloc(*buf, ncap);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}
