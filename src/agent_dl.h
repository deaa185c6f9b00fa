/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libmicrohttpd and GnuTLS, the agent's (--serve), loaded when first used (dl.h). Include
 * this instead of <microhttpd.h> and <gnutls/...>: the functions below then call through
 * the loaded tables, and agent_dl_load() must have succeeded before any of them is called.
 */
#ifndef IPVSTOP_AGENT_DL_H
#define IPVSTOP_AGENT_DL_H

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <stddef.h>

#define MHD_DL_FUNCS(X)                                                                            \
	X(MHD_start_daemon)                                                                        \
	X(MHD_stop_daemon)                                                                         \
	X(MHD_get_connection_info)                                                                 \
	X(MHD_lookup_connection_value)                                                             \
	X(MHD_create_response_from_buffer)                                                         \
	X(MHD_create_response_from_callback)                                                       \
	X(MHD_add_response_header)                                                                 \
	X(MHD_queue_response)                                                                      \
	X(MHD_destroy_response)

/* gnutls_free is a variable (a pointer to GnuTLS's free): its slot holds its address. */
#define GNUTLS_DL_FUNCS(X)                                                                         \
	X(gnutls_free)                                                                             \
	X(gnutls_strerror)                                                                         \
	X(gnutls_memset)                                                                           \
	X(gnutls_rnd)                                                                              \
	X(gnutls_hash_init)                                                                        \
	X(gnutls_hash)                                                                             \
	X(gnutls_hash_deinit)                                                                      \
	X(gnutls_hash_fast)                                                                        \
	X(gnutls_certificate_get_peers)                                                            \
	X(gnutls_certificate_verify_peers2)                                                        \
	X(gnutls_x509_crt_init)                                                                    \
	X(gnutls_x509_crt_deinit)                                                                  \
	X(gnutls_x509_crt_import)                                                                  \
	X(gnutls_x509_crt_export2)                                                                 \
	X(gnutls_x509_crt_get_dn_by_oid)                                                           \
	X(gnutls_x509_crt_get_fingerprint)                                                         \
	X(gnutls_x509_crt_set_version)                                                             \
	X(gnutls_x509_crt_set_serial)                                                              \
	X(gnutls_x509_crt_set_activation_time)                                                     \
	X(gnutls_x509_crt_set_expiration_time)                                                     \
	X(gnutls_x509_crt_set_dn_by_oid)                                                           \
	X(gnutls_x509_crt_set_subject_alt_name)                                                    \
	X(gnutls_x509_crt_set_key)                                                                 \
	X(gnutls_x509_crt_set_basic_constraints)                                                   \
	X(gnutls_x509_crt_set_key_usage)                                                           \
	X(gnutls_x509_crt_set_key_purpose_oid)                                                     \
	X(gnutls_x509_crt_sign2)                                                                   \
	X(gnutls_x509_privkey_init)                                                                \
	X(gnutls_x509_privkey_deinit)                                                              \
	X(gnutls_x509_privkey_generate)                                                            \
	X(gnutls_x509_privkey_export2)

#define AGENT_DL_FIELD(f) __typeof__(f) *f;
#define AGENT_DL_ONE(f) +1
union mhd_dl {
	struct {
		MHD_DL_FUNCS(AGENT_DL_FIELD)
	} f;
	void *slot[0 MHD_DL_FUNCS(AGENT_DL_ONE)];
};
union gnutls_dl {
	struct {
		GNUTLS_DL_FUNCS(AGENT_DL_FIELD)
	} f;
	void *slot[0 GNUTLS_DL_FUNCS(AGENT_DL_ONE)];
};
#undef AGENT_DL_FIELD
#undef AGENT_DL_ONE
extern union mhd_dl mhd_dl;
extern union gnutls_dl gnutls_dl;

/*
 * Loads both libraries, once for the process (any thread). Returns 0, or -ENOENT with why
 * set (the same answer every call).
 */
int agent_dl_load(char *why, size_t len);

#define MHD_start_daemon (*mhd_dl.f.MHD_start_daemon)
#define MHD_stop_daemon (*mhd_dl.f.MHD_stop_daemon)
#define MHD_get_connection_info (*mhd_dl.f.MHD_get_connection_info)
#define MHD_lookup_connection_value (*mhd_dl.f.MHD_lookup_connection_value)
#define MHD_create_response_from_buffer (*mhd_dl.f.MHD_create_response_from_buffer)
#define MHD_create_response_from_callback (*mhd_dl.f.MHD_create_response_from_callback)
#define MHD_add_response_header (*mhd_dl.f.MHD_add_response_header)
#define MHD_queue_response (*mhd_dl.f.MHD_queue_response)
#define MHD_destroy_response (*mhd_dl.f.MHD_destroy_response)

#undef gnutls_free
#define gnutls_free(a) ((**gnutls_dl.f.gnutls_free)((void *)(a)), (a) = NULL)
#define gnutls_strerror (*gnutls_dl.f.gnutls_strerror)
#define gnutls_memset (*gnutls_dl.f.gnutls_memset)
#define gnutls_rnd (*gnutls_dl.f.gnutls_rnd)
#define gnutls_hash_init (*gnutls_dl.f.gnutls_hash_init)
#define gnutls_hash (*gnutls_dl.f.gnutls_hash)
#define gnutls_hash_deinit (*gnutls_dl.f.gnutls_hash_deinit)
#define gnutls_hash_fast (*gnutls_dl.f.gnutls_hash_fast)
#define gnutls_certificate_get_peers (*gnutls_dl.f.gnutls_certificate_get_peers)
#define gnutls_certificate_verify_peers2 (*gnutls_dl.f.gnutls_certificate_verify_peers2)
#define gnutls_x509_crt_init (*gnutls_dl.f.gnutls_x509_crt_init)
#define gnutls_x509_crt_deinit (*gnutls_dl.f.gnutls_x509_crt_deinit)
#define gnutls_x509_crt_import (*gnutls_dl.f.gnutls_x509_crt_import)
#define gnutls_x509_crt_export2 (*gnutls_dl.f.gnutls_x509_crt_export2)
#define gnutls_x509_crt_get_dn_by_oid (*gnutls_dl.f.gnutls_x509_crt_get_dn_by_oid)
#define gnutls_x509_crt_get_fingerprint (*gnutls_dl.f.gnutls_x509_crt_get_fingerprint)
#define gnutls_x509_crt_set_version (*gnutls_dl.f.gnutls_x509_crt_set_version)
#define gnutls_x509_crt_set_serial (*gnutls_dl.f.gnutls_x509_crt_set_serial)
#define gnutls_x509_crt_set_activation_time (*gnutls_dl.f.gnutls_x509_crt_set_activation_time)
#define gnutls_x509_crt_set_expiration_time (*gnutls_dl.f.gnutls_x509_crt_set_expiration_time)
#define gnutls_x509_crt_set_dn_by_oid (*gnutls_dl.f.gnutls_x509_crt_set_dn_by_oid)
#define gnutls_x509_crt_set_subject_alt_name (*gnutls_dl.f.gnutls_x509_crt_set_subject_alt_name)
#define gnutls_x509_crt_set_key (*gnutls_dl.f.gnutls_x509_crt_set_key)
#define gnutls_x509_crt_set_basic_constraints (*gnutls_dl.f.gnutls_x509_crt_set_basic_constraints)
#define gnutls_x509_crt_set_key_usage (*gnutls_dl.f.gnutls_x509_crt_set_key_usage)
#define gnutls_x509_crt_set_key_purpose_oid (*gnutls_dl.f.gnutls_x509_crt_set_key_purpose_oid)
#define gnutls_x509_crt_sign2 (*gnutls_dl.f.gnutls_x509_crt_sign2)
#define gnutls_x509_privkey_init (*gnutls_dl.f.gnutls_x509_privkey_init)
#define gnutls_x509_privkey_deinit (*gnutls_dl.f.gnutls_x509_privkey_deinit)
#define gnutls_x509_privkey_generate (*gnutls_dl.f.gnutls_x509_privkey_generate)
#define gnutls_x509_privkey_export2 (*gnutls_dl.f.gnutls_x509_privkey_export2)

#endif
