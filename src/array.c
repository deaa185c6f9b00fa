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
	void *old, *p;
	/* arrp points at a T *, not a void *: read and write it as bytes. */
	memcpy(&old, arrp, sizeof(old));
	p = realloc(old, ncap * size);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = ncap;
	return 0;
}
