/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the text libipset prints for a header-only list (`ipset list -t`) into
 * dp_ipset_parse_list, as dp_ipset_read hands it over. Not NUL-terminated; every set's
 * fields must come out terminated and "full" must agree with its numbers.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_ipset.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_memdup(data, size);
	struct dp_ipset *s;
	size_t n;
	int rc = dp_ipset_parse_list(text, size, &s, &n);
	free(text);
	if (rc != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!memchr(s[i].name, '\0', sizeof(s[i].name)) ||
		    !memchr(s[i].type, '\0', sizeof(s[i].type)) ||
		    !memchr(s[i].family, '\0', sizeof(s[i].family)))
			abort();
		if (s[i].full != (s[i].maxelem > 0 && s[i].entries >= s[i].maxelem))
			abort();
		(void)dp_ipset_is_kube(s[i].name);
	}
	free(s);
	return 0;
}
