/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's certificate. GnuTLS is what libmicrohttpd serves TLS with, so the same library
 * makes the self-signed pair: no second TLS library in the process.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_dl.h"
#include "agent_tls.h"
#include "nls.h"

/* At most this much PEM is read from a file: a chain of a few certificates. */
#define TLS_FILE_MAX (256 * 1024)

int agent_tls_read_pem(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, _("cannot read '%s': %s"), path, strerror(e));
		return -e;
	}
	char *buf = malloc(TLS_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, TLS_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (n == 0 || n > TLS_FILE_MAX) {
		free(buf);
		snprintf(err, errlen, _("'%s' is empty or larger than %d KiB"), path,
			 TLS_FILE_MAX / 1024);
		return -EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static void set_fingerprint(struct agent_tls *t, gnutls_x509_crt_t crt)
{
	unsigned char md[32];
	size_t n = sizeof(md);
	t->fingerprint[0] = '\0';
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md, &n) != 0)
		return;
	size_t at = 0;
	for (size_t i = 0; i < n && at < sizeof(t->fingerprint); i++)
		at += (size_t)snprintf(t->fingerprint + at, sizeof(t->fingerprint) - at, "%s%02X",
				       i ? ":" : "", md[i]);
}

/* Checks that the certificate parses, and takes its fingerprint. */
static int check_cert(struct agent_tls *t, const char *path, char *err, size_t errlen)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {(unsigned char *)t->cert_pem, (unsigned)strlen(t->cert_pem)};
	if (gnutls_x509_crt_init(&crt) != 0)
		return -ENOMEM;
	int rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	if (rc == 0)
		set_fingerprint(t, crt);
	else
		snprintf(err, errlen, _("'%s' is not a PEM certificate: %s"), path,
			 gnutls_strerror(rc));
	gnutls_x509_crt_deinit(crt);
	return rc == 0 ? 0 : -EINVAL;
}

static int self_sign(struct agent_tls *t, const char *name, char *err, size_t errlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t c = {0}, k = {0};
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc = gnutls_x509_privkey_init(&key);
	if (rc == 0)
		rc = gnutls_x509_privkey_generate(
			key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	if (rc == 0)
		rc = gnutls_x509_crt_init(&crt);
	if (rc == 0)
		rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f; /* a positive serial */
	if (rc == 0)
		rc = gnutls_x509_crt_set_version(crt, 3);
	if (rc == 0)
		rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	if (rc == 0)
		rc = gnutls_x509_crt_set_activation_time(crt, now - 3600);
	if (rc == 0)
		rc = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 86400);
	if (rc == 0)
		rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
						   (unsigned)strlen(name));
	if (rc == 0)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
							  (unsigned)strlen(name), GNUTLS_FSAN_SET);
	if (rc == 0)
		rc = gnutls_x509_crt_set_key(crt, key);
	if (rc == 0)
		rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	if (rc == 0)
		rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (rc == 0)
		rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (rc == 0)
		rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	if (rc == 0)
		rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c);
	if (rc == 0)
		rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &k);
	if (rc == 0) {
		t->cert_pem = strndup((const char *)c.data, c.size);
		t->key_pem = strndup((const char *)k.data, k.size);
		t->key_len = k.size;
		if (!t->cert_pem || !t->key_pem)
			rc = GNUTLS_E_MEMORY_ERROR;
		else
			set_fingerprint(t, crt);
	}
	if (k.data) {
		gnutls_memset(k.data, 0, k.size);
		gnutls_free(k.data);
	}
	gnutls_free(c.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (rc != 0) {
		snprintf(err, errlen, _("cannot make a self-signed certificate: %s"),
			 gnutls_strerror(rc));
		return rc == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
	}
	t->self_signed = 1;
	return 0;
}

int agent_tls_load(struct agent_tls *t, const char *cert_file, const char *key_file,
		   const char *name, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (agent_dl_load(err, errlen) != 0)
		return -ENOENT;
	if (!cert_file && !key_file) {
		int rc = self_sign(t, name && name[0] ? name : "ipvstop", err, errlen);
		if (rc != 0)
			agent_tls_free(t);
		return rc;
	}
	if (!cert_file || !key_file) {
		snprintf(err, errlen, "%s",
			 _("--tls-cert and --tls-key go together (neither: a self-signed pair)"));
		return -EINVAL;
	}
	size_t cert_len;
	int rc = agent_tls_read_pem(cert_file, &t->cert_pem, &cert_len, err, errlen);
	if (rc == 0)
		rc = agent_tls_read_pem(key_file, &t->key_pem, &t->key_len, err, errlen);
	if (rc == 0)
		rc = check_cert(t, cert_file, err, errlen);
	if (rc != 0)
		agent_tls_free(t);
	return rc;
}

void agent_tls_free(struct agent_tls *t)
{
	if (t->key_pem) {
		gnutls_memset(t->key_pem, 0, t->key_len);
		free(t->key_pem);
	}
	free(t->cert_pem);
	memset(t, 0, sizeof(*t));
}
