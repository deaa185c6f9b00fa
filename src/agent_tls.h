/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's TLS identity: a certificate and key from files, or a self-signed pair made at start. */
#ifndef IPVSTOP_AGENT_TLS_H
#define IPVSTOP_AGENT_TLS_H

#include <stddef.h>

struct agent_tls {
	char *cert_pem; /* NUL-terminated PEM, owned */
	char *key_pem;  /* NUL-terminated PEM, owned; wiped when freed */
	size_t key_len;
	/* SHA-256 of the certificate (DER), "AB:CD:...": what a client can pin */
	char fingerprint[3 * 32];
	int self_signed;
};

/*
 * Reads cert_file and key_file (PEM). When both are NULL, makes a self-signed ECDSA P-256
 * certificate for name (valid one year), as the kubelet does without --tls-cert-file.
 * Returns 0, or -errno with a message in err (never any key material).
 */
int agent_tls_load(struct agent_tls *t, const char *cert_file, const char *key_file,
		   const char *name, char *err, size_t errlen);
void agent_tls_free(struct agent_tls *t);

/*
 * Reads a PEM file of at most 256 KiB (a chain of a few certificates) into *out,
 * NUL-terminated, *len bytes. Returns 0, or -errno with err naming the file.
 */
int agent_tls_read_pem(const char *path, char **out, size_t *len, char *err, size_t errlen);

#endif
