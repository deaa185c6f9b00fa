/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growing a plain malloc'd array by doubling: the one append step the parsers share. */
#ifndef IPVSTOP_ARRAY_H
#define IPVSTOP_ARRAY_H

#include <stddef.h>

/*
 * Room for element n in the array at *(T **)arrp (elements of size bytes, *cap allocated):
 * when n == *cap, reallocates it to twice *cap, or first elements when *cap is 0.
 * 0, or -ENOMEM with the array and *cap unchanged.
 */
int array_reserve(void *arrp, size_t n, size_t *cap, size_t size, size_t first);

/*
 * Reallocates the array at *(T **)arrp to n elements of size bytes (n > 0). 0, or -ENOMEM
 * with the array unchanged.
 */
int array_resize(void *arrp, size_t n, size_t size);

/*
 * Appends the n bytes at data to the text *buf (*len bytes, *cap allocated), growing it by
 * doubling from first, and keeps it NUL-terminated. 0, or -ENOMEM with *buf unchanged.
 */
int array_append_text(char **buf, size_t *len, size_t *cap, const void *data, size_t n,
		      size_t first);

#endif
