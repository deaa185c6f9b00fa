/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of dl.c, curl_dl.c and agent_dl.c: the libraries loaded when first used.
 * Calls go through the loaded tables to the real libcurl and GnuTLS, and the two ways a
 * load can fail say which library and why.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "agent_dl.h"
#include "check_main.h"
#include "curl_dl.h"
#include "dl.h"

START_TEST(test_missing_library)
{
	static const char *const names[] = {"curl_easy_init"};
	void *fns[1] = {NULL};
	char why[512];
	ck_assert_int_eq(
	    dl_load("libipvstop-no-such-library.so.7", names, fns, 1, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "libipvstop-no-such-library.so.7 cannot be loaded: "));
}
END_TEST

START_TEST(test_missing_function)
{
	static const char *const names[] = {"curl_easy_init", "curl_no_such_function"};
	void *fns[2] = {NULL, NULL};
	char why[512];
	ck_assert_int_eq(dl_load(IPVSTOP_CURL_SONAME, names, fns, 2, why, sizeof(why)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(why, IPVSTOP_CURL_SONAME " has no curl_no_such_function"));
}
END_TEST

START_TEST(test_curl_through_table)
{
	char why[512] = "";
	ck_assert_int_eq(curl_dl_load(why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	/* Loaded once: a second call answers the same. */
	ck_assert_int_eq(curl_dl_load(why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(curl_dl.slot) / sizeof(curl_dl.slot[0]); i++)
		ck_assert_ptr_nonnull(curl_dl.slot[i]);
	char *e = curl_easy_escape(NULL, "a b/c", 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e, "a%20b%2Fc");
	curl_free(e);
	ck_assert_str_eq(curl_easy_strerror(CURLE_COULDNT_CONNECT), "Couldn't connect to server");
}
END_TEST

START_TEST(test_gnutls_through_table)
{
	char why[512] = "";
	ck_assert_int_eq(agent_dl_load(why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	unsigned char md[32];
	ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA256, "abc", 3, md), 0);
	/* FIPS 180-2's example: SHA-256("abc") begins ba7816bf, ends f20015ad. */
	ck_assert_int_eq(md[0], 0xba);
	ck_assert_int_eq(md[3], 0xbf);
	ck_assert_int_eq(md[28], 0xf2);
	ck_assert_int_eq(md[31], 0xad);
	/* gnutls_free (a variable in GnuTLS) frees what GnuTLS allocated, and clears the pointer.
	 */
	gnutls_x509_privkey_t key;
	ck_assert_int_eq(gnutls_x509_privkey_init(&key), 0);
	ck_assert_int_eq(
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	    0);
	gnutls_datum_t out = {NULL, 0};
	ck_assert_int_eq(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &out), 0);
	ck_assert_ptr_nonnull(strstr((const char *)out.data, "PRIVATE KEY-----"));
	gnutls_memset(out.data, 0, out.size);
	gnutls_free(out.data);
	ck_assert_ptr_null(out.data);
	gnutls_x509_privkey_deinit(key);
	for (size_t i = 0; i < sizeof(mhd_dl.slot) / sizeof(mhd_dl.slot[0]); i++)
		ck_assert_ptr_nonnull(mhd_dl.slot[i]);
}
END_TEST

CHECK_MAIN("dl", {"missing library", 0, {test_missing_library}},
	   {"missing function", 0, {test_missing_function}}, {"curl", 0, {test_curl_through_table}},
	   {"gnutls", 0, {test_gnutls_through_table}})
