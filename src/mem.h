/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Freeing a struct's owned pointers in one call: the step every *_free() function shares. */
#ifndef IPVSTOP_MEM_H
#define IPVSTOP_MEM_H

#include <stddef.h>
#include <stdlib.h>

/* free() of each of the n pointers (NULL ones are fine). */
void mem_free_each(void *const *ptrs, size_t n);

/* mem_free_all(a, b, c): free(a); free(b); free(c); for any object pointers. */
#define mem_free_all(...)                                                                     \
	mem_free_each((void *const[]){__VA_ARGS__},                                           \
		      sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* free_one(&arr[i]) for each of the n elements, then free(arr). */
#define mem_free_array(arr, n, free_one)                                                      \
	do {                                                                                  \
		for (size_t i_ = 0; i_ < (n); i_++)                                           \
			free_one(&(arr)[i_]);                                                 \
		free(arr);                                                                    \
	} while (0)

#endif
