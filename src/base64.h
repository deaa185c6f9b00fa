/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Standard base64 (RFC 4648, with padding) as Go's encoding/json reads and writes []byte. */
#ifndef IPVSTOP_BASE64_H
#define IPVSTOP_BASE64_H

#include <stddef.h>

/*
 * Decodes inlen bytes of in; CR and LF are skipped, everything else must be in the alphabet.
 * Fills *out (allocated, owned by the caller, *outlen bytes, not NUL-terminated) and returns 0;
 * -EINVAL with the offset of the first bad input byte in *bad; or -ENOMEM. Nothing of a failed
 * decode is left in memory (the input may be a secret key).
 */
int base64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen, size_t *bad);

/* len bytes of in encoded with padding: a new NUL-terminated string, or NULL out of memory. */
char *base64_encode(const unsigned char *in, size_t len);

#endif
