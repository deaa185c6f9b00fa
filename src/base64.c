/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Standard base64 (RFC 4648, with padding) as Go's encoding/json reads and writes []byte. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Standard base64 with padding, as Go's encoding/json decodes []byte (base64.StdEncoding:
 * CR and LF are skipped, everything else must be in the alphabet). Returns 0, -EINVAL with the
 * offset of the first bad input byte in *bad, or -ENOMEM.
 */
int base64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen, size_t *bad)
{
	unsigned char *o = malloc(inlen / 4 * 3 + 3);
	if (!o)
		return -ENOMEM;
	size_t n = 0, q = 0, pad = 0;
	uint32_t acc = 0;
	*bad = 0;
	for (size_t i = 0; i < inlen; i++) {
		unsigned char ch = (unsigned char)in[i];
		int v;
		if (ch == '\r' || ch == '\n')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			v = ch - '0' + 52;
		else if (ch == '+')
			v = 62;
		else if (ch == '/')
			v = 63;
		else if (ch == '=' && q >= 2) {
			v = 0;
			pad++;
		} else {
			*bad = i;
			goto bad;
		}
		if (pad && ch != '=') {
			*bad = i;
			goto bad;
		}
		acc = acc << 6 | (uint32_t)v;
		if (++q == 4) {
			o[n++] = (unsigned char)(acc >> 16);
			if (pad < 2)
				o[n++] = (unsigned char)(acc >> 8);
			if (pad < 1)
				o[n++] = (unsigned char)acc;
			q = 0;
			acc = 0;
			if (pad) {
				/* only CR/LF may follow the padding */
				for (size_t j = i + 1; j < inlen; j++) {
					if (in[j] != '\r' && in[j] != '\n') {
						*bad = j;
						goto bad;
					}
				}
				break;
			}
		}
	}
	if (q != 0) {
		*bad = inlen;
		goto bad;
	}
	explicit_bzero(&acc, sizeof(acc));
	*out = o;
	*outlen = n;
	return 0;
bad:
	explicit_bzero(&acc, sizeof(acc));
	explicit_bzero(o, inlen / 4 * 3 + 3);
	free(o);
	return -EINVAL;
}

char *base64_encode(const unsigned char *in, size_t len)
{
	char *b = malloc((len + 2) / 3 * 4 + 1);
	size_t o = 0;
	if (!b)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		b[o++] = base64_alphabet[v >> 18 & 63];
		b[o++] = base64_alphabet[v >> 12 & 63];
		b[o++] = i + 1 < len ? base64_alphabet[v >> 6 & 63] : '=';
		b[o++] = i + 2 < len ? base64_alphabet[v & 63] : '=';
	}
	b[o] = '\0';
	return b;
}
