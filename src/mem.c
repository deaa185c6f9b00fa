/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Freeing a struct's owned pointers in one call: the step every *_free() function shares. */
#include "config.h"

#include <stdlib.h>

#include "mem.h"

void mem_free_each(void *const *ptrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ptrs[i]);
}
