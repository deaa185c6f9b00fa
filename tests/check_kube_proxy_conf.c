/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_proxy_conf: reading, editing and diffing kube-proxy's config.conf. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "fixture.h"
#include "kube_model.h"
#include "kube_proxy_conf.h"

/* A fixture of tests/fixtures/kube-api (owned by the caller), its length in *len. */
static char *fixture(const char *name, size_t *len)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "tests/fixtures/kube-api/%s", name);
	return fixture_read(rel, len);
}

/* Texts that are or are not a KubeProxyConfiguration, as files. */
START_TEST(test_parse_fixtures)
{
	struct kube_proxy_config c;
	char *conf;
	conf = fixture("config-not-kube-proxy.conf", NULL);
	ck_assert_int_eq(kube_proxy_conf_parse(conf, &c), -EINVAL);
	ck_assert(!c.known);
	free(conf);
	conf = fixture("config-minimal.conf", NULL);
	ck_assert_int_eq(kube_proxy_conf_parse(conf, &c), 0);
	ck_assert(c.known);
	ck_assert_str_eq(c.mode, "");
	free(conf);
}
END_TEST

/*
 * Texts and what reading them gives: the return, and the fields to check (NULL or -1: not
 * checked). too_long is checked every time: the field named for -E2BIG, else NULL.
 */
static const struct read_case {
	const char *text;
	int rc;
	const char *mode, *scheduler, *tcp_timeout, *too_long;
	int strict_arp;
} reads[] = {
    /* CRLF, YAML 1.1 booleans, null, ~, flow style left alone, double-quote escapes. */
    {"kind: KubeProxyConfiguration\r\nmode: \"ip\\\"vs\"\r\nipvs:\r\n  scheduler: ~\r\n"
     "  strictARP: yes\r\n  tcpTimeout: null\r\n",
     0, "ip\"vs", "", "", NULL, 1},
    {"kind: KubeProxyConfiguration\nipvs: {scheduler: sh}\nmode: 'it''s'\n", 0, "it's", "",
     NULL, NULL, -1},
    /* A child of another block, and a key with the same name deeper down, are not ipvs's. */
    {"kind: KubeProxyConfiguration\niptables:\n  scheduler: sh\n"
     "ipvs:\n  nested:\n    scheduler: lc\n  strictARP: On\n",
     0, NULL, "", NULL, NULL, 1},
    /* Values that do not fit: -E2BIG, and which field it is, for the error said. */
    {"kind: KubeProxyConfiguration\nmode: averyveryverylongmodename\n", -E2BIG, NULL, NULL,
     NULL, "mode", -1},
    {"kind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  strictARP: true\n"
     "  scheduler: \"weighted-least-connection\"\n",
     -E2BIG, "", NULL, NULL, "ipvs.scheduler", -1},
    {"kind: KubeProxyConfiguration\nipvs:\n  udpTimeout: '0h0m0.000000001s'\n", -E2BIG, NULL,
     NULL, NULL, "ipvs.udpTimeout", -1},
    /* 15 bytes fit; a kind too long is not KubeProxyConfiguration. */
    {"kind: KubeProxyConfiguration\nipvs:\n  scheduler: abcdefghijklmno\n", 0, NULL,
     "abcdefghijklmno", NULL, NULL, -1},
    {"kind: KubeProxyConfigurationKubeProxyConfigurationKubeProxyConfiguration\n", -EINVAL,
     NULL, NULL, NULL, NULL, -1},
    /* No kind, nothing. */
    {"mode: ipvs\n", -EINVAL, NULL, NULL, NULL, NULL, -1},
    {"", -EINVAL, NULL, NULL, NULL, NULL, -1},
    {NULL, -EINVAL, NULL, NULL, NULL, NULL, -1},
    {"\x01\x02:\n:\n  - \n\"unterminated\n'x: \n", -EINVAL, NULL, NULL, NULL, NULL, -1},
    /* The shapes the editor writes, whatever the style. */
    {"---\nkind: 'KubeProxyConfiguration'\r\nmode: iptables # default\r\n"
     "ipvs:\r\n  scheduler: 'wlc'\r\n  strictARP: \"true\"\r\n",
     0, "iptables", "wlc", NULL, NULL, 1},
    /* Flow style is not read (and not edited); the top level in flow style is. */
    {"{kind: KubeProxyConfiguration, mode: ipvs, ipvs: {scheduler: rr}}", 0, "ipvs", "", NULL,
     NULL, -1},
    /* An alias reads as what it names. */
    {"kind: KubeProxyConfiguration\nx: &m ipvs\nmode: *m\n", 0, "ipvs", NULL, NULL, NULL, -1},
    /* Control bytes libyaml refuses (a hostile ConfigMap's): read from the text as it is. */
    {"kind: KubeProxyConfiguration\nipvs:\n  scheduler: r\x1b]2;PWN\x07\xe6\x9c\x8d\n"
     "mode: 'i\x01''s'\n",
     0, "i\x01's", "r\x1b]2;PWN\x07\xe6\x9c\x8d", NULL, NULL, -1},
    {"kind: KubeProxyConfiguration\nmode: \"a\x01\\tb\"\n", -EINVAL, NULL, NULL, NULL, NULL, -1},
    /* Only the first document is read. */
    {"mode: ipvs\n---\nkind: KubeProxyConfiguration\n", -EINVAL, NULL, NULL, NULL, NULL, -1},
};

static void assert_field(int i, const char *what, const char *got, const char *want)
{
	if (want)
		ck_assert_msg(!strcmp(got, want), "read %d: %s is '%s', not '%s'", i, what, got, want);
}

START_TEST(test_read)
{
	const struct read_case *r = &reads[_i];
	struct kube_proxy_config c;
	int rc = kube_proxy_conf_parse(r->text, &c);
	ck_assert_msg(rc == r->rc, "read %d: %d, not %d", _i, rc, r->rc);
	ck_assert_msg(c.known == (rc == 0), "read %d: known is %d", _i, c.known);
	assert_field(_i, "mode", c.mode, r->mode);
	assert_field(_i, "scheduler", c.scheduler, r->scheduler);
	assert_field(_i, "tcpTimeout", c.tcp_timeout, r->tcp_timeout);
	if (r->strict_arp >= 0)
		ck_assert_msg(c.strict_arp == (r->strict_arp == 1), "read %d: strictARP", _i);
	if (r->too_long)
		ck_assert_msg(c.too_long && !strcmp(c.too_long, r->too_long),
			      "read %d: too long is %s, not %s", _i, c.too_long ? c.too_long : "NULL",
			      r->too_long);
	else
		ck_assert_msg(!c.too_long, "read %d: too long is %s", _i, c.too_long);
}
END_TEST

/*
 * kube-proxy's syncPeriod, from the block of the configured mode (its v1alpha1 conversion):
 * what decides when its own /healthz, and ipvstop, call a queued sync hung.
 */
START_TEST(test_sync_period)
{
	static const struct {
		const char *mode, *extra;
		double want;
	} cases[] = {
	    {"", "", 120},
	    {"iptables", "", 120},
	    {"ipvs", "", 300},
	    {"nftables", "", 45},
	    /* Another mode (Windows's): iptables's block, as kube-proxy's default branch. */
	    {"kernelspace", "", 120},
	    /* kubeadm's "0s" (a repeated key: the last one): kube-proxy's default (0 here). */
	    {"ipvs", "ipvs:\n  syncPeriod: 0s\n", 0},
	    /* Not a duration, or too long for its field: unknown, the rest read. */
	    {"ipvs", "ipvs:\n  syncPeriod: soon\n", 0},
	    {"ipvs", "ipvs:\n  syncPeriod: 1h0m0.0000000001s\n", 0},
	    {"ipvs", "ipvs:\n  syncPeriod: infs\n", 0},
	    /* A flow-style block is not read (as every field of it): the block before stays. */
	    {"ipvs", "ipvs: {syncPeriod: 1m}\n", 300},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		snprintf(
		    text, sizeof(text),
		    "kind: KubeProxyConfiguration\nmode: %s\niptables:\n  syncPeriod: 2m0s\n"
		    "ipvs:\n  scheduler: wlc\n  syncPeriod: 5m\nnftables:\n  syncPeriod: 45s\n%s",
		    cases[i].mode, cases[i].extra);
		struct kube_proxy_config c;
		ck_assert_msg(kube_proxy_conf_parse(text, &c) == 0, "case %zu: not read", i);
		ck_assert_str_eq(c.mode, cases[i].mode);
		ck_assert_str_eq(c.scheduler, "wlc");
		double got = kube_proxy_conf_sync_period(&c);
		ck_assert_msg(got == cases[i].want, "case %zu: %g, not %g", i, got, cases[i].want);
	}
	struct kube_proxy_config none = {0};
	ck_assert(kube_proxy_conf_sync_period(&none) == 0);
	ck_assert(kube_proxy_conf_sync_period(NULL) == 0);
}
END_TEST

/* kube_proxy_conf_set then parse back, and check that the diff is exactly the expected lines. */
static char *set(const char *text, const char *key, const char *value, const char *diff)
{
	char *out, *d;
	ck_assert_int_eq(kube_proxy_conf_set(text, key, value, &out), 0);
	ck_assert_int_eq(kube_proxy_conf_diff(text, out, &d), 0);
	ck_assert_str_eq(d, diff);
	free(d);
	return out;
}

START_TEST(test_set_kubeadm)
{
	struct kube_proxy_config c;
	char *conf = fixture("config-kubeadm.conf", NULL);
	char *a = set(conf, "mode", "ipvs", "-mode: \"\"\n+mode: \"ipvs\"\n");
	ck_assert_int_eq(kube_proxy_conf_parse(a, &c), 0);
	ck_assert_str_eq(c.mode, "ipvs");
	char *b = set(a, "ipvs.scheduler", "wlc", "-  scheduler: \"\"\n+  scheduler: \"wlc\"\n");
	ck_assert_int_eq(kube_proxy_conf_parse(b, &c), 0);
	ck_assert_str_eq(c.mode, "ipvs");
	ck_assert_str_eq(c.scheduler, "wlc");
	ck_assert_int_eq(strlen(b), strlen(conf) + 4 + 3);
	/* Another ipvs key, and back to the original. */
	char *x = set(b, "ipvs.strictARP", "true", "-  strictARP: false\n+  strictARP: true\n");
	ck_assert_int_eq(kube_proxy_conf_parse(x, &c), 0);
	ck_assert(c.strict_arp);
	free(x);
	x = set(conf, "clientConnection.burst", "10", "-  burst: 0\n+  burst: 10\n");
	free(x);
	char *d = set(b, "mode", "", "-mode: \"ipvs\"\n+mode: \"\"\n");
	char *e = set(d, "ipvs.scheduler", "", "-  scheduler: \"wlc\"\n+  scheduler: \"\"\n");
	ck_assert_str_eq(e, conf);
	free(a);
	free(b);
	free(d);
	free(e);

	/* Not a KubeProxyConfiguration; keys and values it will not write. */
	char *out = (char *)"x";
	char *other = fixture("config-not-kube-proxy.conf", NULL);
	ck_assert_int_eq(kube_proxy_conf_set(other, "mode", "ipvs", &out), -EINVAL);
	ck_assert_ptr_null(out);
	free(other);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "ipvs.a.b", "x", &out), -EINVAL);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "", "x", &out), -EINVAL);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "ipvs.", "x", &out), -EINVAL);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "mo de", "x", &out), -EINVAL);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "mode", "ip\nvs", &out), -EINVAL);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "mode", NULL, &out), -EINVAL);
	/*
	 * Bytes libyaml refuses (not UTF-8, C1 controls) and characters it reads as line breaks
	 * (NEL, LS) are written quoted and read back as they are, as the line editor did.
	 */
	static const char *const odd[] = {"ip\x8evs",  "\xc0\xaf",	"a\xc2\x9b",
					  "a\xc2\x85", "a\xe2\x80\xa8", "a\xed\xa0\x80"};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		ck_assert_int_eq(kube_proxy_conf_set(conf, "mode", odd[i], &out), 0);
		ck_assert_int_eq(kube_proxy_conf_parse(out, &c), 0);
		ck_assert_str_eq(c.mode, odd[i]);
		free(out);
	}
	char *u = set(conf, "mode", "f\xc3\xbcr-\xe2\x9c\x93",
		      "-mode: \"\"\n+mode: \"f\xc3\xbcr-\xe2\x9c\x93\"\n");
	free(u);
	/* A key whose value is a map is not a scalar to set. */
	ck_assert_int_eq(kube_proxy_conf_set(conf, "conntrack", "x", &out), -ENOTSUP);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "logging.options", "x", &out), -ENOTSUP);
	ck_assert_int_eq(kube_proxy_conf_set(conf, "kind.x", "x", &out), -EINVAL);
	free(conf);
}
END_TEST

START_TEST(test_set_styles)
{
	struct kube_proxy_config c;
	char *conf = fixture("config-ipvs-edited.conf", NULL);
	/* Single quotes, the comment and four spaces kept; the nested scheduler untouched. */
	char *a = set(conf, "ipvs.scheduler", "it's",
		      "-    scheduler: 'wlc'   # weighted least-connection\n"
		      "+    scheduler: 'it''s'   # weighted least-connection\n");
	ck_assert_int_eq(kube_proxy_conf_parse(a, &c), 0);
	ck_assert_str_eq(c.scheduler, "it's");
	free(a);
	/* Bare stays bare, with its comment; a value that needs quotes gets "". */
	a = set(conf, "mode", "nftables", "-mode: ipvs # was \"\"\n+mode: nftables # was \"\"\n");
	free(a);
	a = set(conf, "mode", "", "-mode: ipvs # was \"\"\n+mode: \"\" # was \"\"\n");
	free(a);
	a = set(conf, "mode", "true", "-mode: ipvs # was \"\"\n+mode: \"true\" # was \"\"\n");
	free(a);
	a = set(conf, "ipvs.tcpFinTimeout", "a\"b\\c",
		"-    tcpFinTimeout: \"30s\"\n+    tcpFinTimeout: \"a\\\"b\\\\c\"\n");
	ck_assert_int_eq(kube_proxy_conf_parse(a, &c), 0);
	ck_assert_str_eq(c.tcp_fin_timeout, "a\"b\\c");
	free(a);
	/* Absent in a block: in alphabetical place, at the block's indentation. */
	a = set(conf, "ipvs.minSyncPeriod", "1s", "+    minSyncPeriod: \"1s\"\n");
	ck_assert_ptr_nonnull(strstr(a, "    - 10.0.0.0/8\n    minSyncPeriod: \"1s\"\n"
					"    scheduler:"));
	free(a);
	a = set(conf, "ipvs.zzz", "1", "+    zzz: \"1\"\n");
	ck_assert_ptr_nonnull(strstr(a, "        scheduler: sh\n    zzz: \"1\"\nkind:"));
	free(a);
	free(conf);

	/* No ipvs block, no mode, no final newline: added in kubeadm's order. */
	conf = fixture("config-minimal.conf", NULL);
	a = set(conf, "ipvs.scheduler", "rr", "+ipvs:\n+  scheduler: \"rr\"\n");
	ck_assert_ptr_nonnull(strstr(a, "v1alpha1\nipvs:\n  scheduler: \"rr\"\nkind:"));
	ck_assert_int_eq(kube_proxy_conf_parse(a, &c), 0);
	ck_assert_str_eq(c.scheduler, "rr");
	char *b = set(a, "mode", "ipvs", "+mode: \"ipvs\"\n");
	ck_assert_int_eq(kube_proxy_conf_parse(b, &c), 0);
	ck_assert_str_eq(c.mode, "ipvs");
	free(a);
	free(b);
	free(conf);
	a = set("kind: KubeProxyConfiguration", "mode", "ipvs",
		"+mode: \"ipvs\"\n"); /* the diff is of lines, not of line ends */
	ck_assert_str_eq(a, "kind: KubeProxyConfiguration\nmode: \"ipvs\"\n");
	free(a);

	/* CRLF kept; "ipvs: {}" and "ipvs: null" become a block; flow with content refused. */
	a = set("kind: KubeProxyConfiguration\r\nipvs: {}\r\nmode: \"\"\r\n", "ipvs.scheduler",
		"sh", "-ipvs: {}\n+ipvs:\n+  scheduler: \"sh\"\n");
	ck_assert_str_eq(a, "kind: KubeProxyConfiguration\r\nipvs:\r\n  scheduler: \"sh\"\r\n"
			    "mode: \"\"\r\n");
	free(a);
	a = set("ipvs: null # none\nkind: KubeProxyConfiguration\n", "ipvs.scheduler", "sh",
		"-ipvs: null # none\n+ipvs: # none\n+  scheduler: \"sh\"\n");
	free(a);
	a = set("ipvs:\nkind: KubeProxyConfiguration\n", "ipvs.scheduler", "sh",
		"+  scheduler: \"sh\"\n");
	free(a);
	a = set("kind: KubeProxyConfiguration\nmode: # unset\n", "mode", "ipvs",
		"-mode: # unset\n+mode: ipvs # unset\n");
	free(a);
	char *out;
	ck_assert_int_eq(
	    kube_proxy_conf_set("kind: KubeProxyConfiguration\nipvs: {scheduler: rr}\n",
				"ipvs.scheduler", "sh", &out),
	    -ENOTSUP);
	ck_assert_int_eq(kube_proxy_conf_set("kind: KubeProxyConfiguration\nipvs: 3\n",
					     "ipvs.scheduler", "sh", &out),
			 -EINVAL);
	ck_assert_int_eq(
	    kube_proxy_conf_set("kind: KubeProxyConfiguration\nmode: [a]\n", "mode", "sh", &out),
	    -ENOTSUP);
	/*
	 * Found by fuzz/fuzz_kube_config_edit: a complex key in the ipvs map put the edit where
	 * the reader does not look (the scheduler read back empty). An edit that does not read
	 * back as the value is refused, not written.
	 */
	out = (char *)"left";
	ck_assert_int_eq(kube_proxy_conf_set("kind: KubeProxyConfiguration\nipvs:\n  ?\n   "
					     "nrcsdit:] KubeProxyk#  sCched[]u@ler:bue(\n"
					     "  schedu:ler:",
					     "ipvs.scheduler", "ipvs", &out),
			 -ENOTSUP);
	ck_assert_ptr_null(out);
}
END_TEST

/*
 * Found by fuzz/fuzz_kube_config_edit: "ipvs: null" (or "ipvs: {}") followed by lines
 * indented under it, which is not YAML. The line reader this module had ignored those lines
 * (the key has a value), and its editor turned the line into "ipvs:" and added the scheduler
 * below it, so the old lines joined the block and their scheduler, the later one, was read
 * back instead of the one set. libyaml (as kube-proxy's own decoder) refuses such a text:
 * it is neither read nor edited, whatever the key.
 */
START_TEST(test_set_null_block_with_children)
{
	static const char *const texts[] = {
	    "kind: KubeProxyConfiguration\nipvs: null\n  scheduler: rr\nmode: ipvs\n",
	    "kind: KubeProxyConfiguration\nipvs: {}\n\n  # old\n  scheduler: 'rr'\n",
	    "ipvs: ~\n  tcpTimeout: 0s\r\n  scheduler: rr\r\nkind: KubeProxyConfiguration\n",
	};
	struct kube_proxy_config c;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *out = (char *)"x";
		ck_assert_int_eq(kube_proxy_conf_parse(texts[i], &c), -EINVAL);
		ck_assert_int_eq(kube_proxy_conf_set(texts[i], "ipvs.scheduler", "lc", &out),
				 -EINVAL);
		ck_assert_ptr_null(out);
		out = (char *)"x";
		ck_assert_int_eq(kube_proxy_conf_set(texts[i], "mode", "nftables", &out), -EINVAL);
		ck_assert_ptr_null(out);
	}
}
END_TEST

/*
 * The shapes of config.conf that tools other than kubeadm write (kubeadm's own is
 * config-kubeadm.conf above), each edited to exactly the text expected, or refused.
 */
static const struct shape {
	const char *text, *key, *value;
	const char *want; /* NULL: refused with err */
	int err;
} shapes[] = {
    /* Single quotes, no quotes, comments after values: kept, only the value changes. */
    {"kind: KubeProxyConfiguration\nmode: 'iptables'\n", "mode", "ipvs",
     "kind: KubeProxyConfiguration\nmode: 'ipvs'\n", 0},
    {"kind: KubeProxyConfiguration\nmode: iptables\n", "mode", "ipvs",
     "kind: KubeProxyConfiguration\nmode: ipvs\n", 0},
    {"kind: KubeProxyConfiguration\nmode: iptables   # the default\nipvs:\n"
     "  scheduler: rr # round robin\n",
     "ipvs.scheduler", "wlc",
     "kind: KubeProxyConfiguration\nmode: iptables   # the default\nipvs:\n"
     "  scheduler: wlc # round robin\n",
     0},
    {"kind: KubeProxyConfiguration\nipvs:\n  strictARP: no # MetalLB wants yes\n", "ipvs.strictARP",
     "true", "kind: KubeProxyConfiguration\nipvs:\n  strictARP: true # MetalLB wants yes\n", 0},
    /* CRLF line ends: kept, and a new line gets them too. */
    {"kind: KubeProxyConfiguration\r\nmode: iptables\r\nipvs:\r\n  scheduler: rr\r\n",
     "ipvs.scheduler", "lc",
     "kind: KubeProxyConfiguration\r\nmode: iptables\r\nipvs:\r\n  scheduler: lc\r\n", 0},
    {"kind: KubeProxyConfiguration\r\nmode: iptables\r\nipvs:\r\n  scheduler: rr\r\n",
     "ipvs.syncPeriod", "30s",
     "kind: KubeProxyConfiguration\r\nmode: iptables\r\nipvs:\r\n  scheduler: rr\r\n"
     "  syncPeriod: \"30s\"\r\n",
     0},
    /* A document start, a byte order mark, UTF-8 in a comment: the bytes found all the same. */
    {"---\nkind: KubeProxyConfiguration\nmode: iptables\n", "mode", "ipvs",
     "---\nkind: KubeProxyConfiguration\nmode: ipvs\n", 0},
    {"\xef\xbb\xbf# f\xc3\xbcr MetalLB \xe2\x9c\x93\nkind: KubeProxyConfiguration\nmode: x\n",
     "mode", "ipvs",
     "\xef\xbb\xbf# f\xc3\xbcr MetalLB \xe2\x9c\x93\nkind: KubeProxyConfiguration\nmode: ipvs\n",
     0},
    /* A value over two lines is one value: all of it is replaced. */
    {"kind: KubeProxyConfiguration\nmode: \"ip\n  tables\" # c\n", "mode", "ipvs",
     "kind: KubeProxyConfiguration\nmode: \"ipvs\" # c\n", 0},
    /* A new key after a list goes after its last item. */
    {"kind: KubeProxyConfiguration\nipvs:\n  excludeCIDRs:\n  - 10.0.0.0/8\n", "ipvs.tcpTimeout",
     "1s",
     "kind: KubeProxyConfiguration\nipvs:\n  excludeCIDRs:\n  - 10.0.0.0/8\n  tcpTimeout: \"1s\"\n",
     0},
    /* Flow style, anchors and aliases, tags, block scalars, more documents: refused. */
    {"kind: KubeProxyConfiguration\nipvs: {scheduler: rr}\n", "ipvs.scheduler", "sh", NULL,
     -ENOTSUP},
    {"{kind: KubeProxyConfiguration, mode: iptables}\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nmode: &m iptables\nx: *m\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nx: &m iptables\nmode: *m\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nmode: !!str iptables\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nmode: |\n  iptables\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nipvs:\n- a\n", "ipvs.scheduler", "sh", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nmode: x\n---\nkind: Other\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\nmode: x\n...\n", "mode", "ipvs", NULL, -ENOTSUP},
    {"kind: KubeProxyConfiguration\rmode: x\r", "mode", "ipvs", NULL, -ENOTSUP},
    /*
     * Found by fuzz_kube_config_edit on the line editor: a last line " a:\r" is no key to a
     * line reader until a key added after it makes the \r a CRLF, and the scheduler added
     * under ipvs then sat below a key it did not belong to and was not read back.
     */
    {"kind: KubeProxyConfiguration\nipvs:\n a:\r", "ipvs.scheduler", "x", NULL, -ENOTSUP},
    /* A map as a key ("? ..."): also found by the fuzzer; a new key would join that map. */
    {"kind: KubeProxyConfiguration\nipvs:\n  ?\n   strictARP: true\n", "ipvs.scheduler", "x", NULL,
     -ENOTSUP},
    /* Not YAML at all (a tab indents, an unclosed quote): not read, not edited. */
    {"kind: KubeProxyConfiguration\nipvs:\n\tscheduler: rr\n", "mode", "ipvs", NULL, -EINVAL},
    {"kind: KubeProxyConfiguration\nmode: \"ipvs\n", "mode", "ipvs", NULL, -EINVAL},
};

START_TEST(test_shapes)
{
	const struct shape *s = &shapes[_i];
	char *out = (char *)"x";
	int r = kube_proxy_conf_set(s->text, s->key, s->value, &out);
	if (!s->want) {
		ck_assert_msg(r == s->err, "shape %d: %d, not %d", _i, r, s->err);
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_msg(r == 0, "shape %d: %d", _i, r);
	ck_assert_str_eq(out, s->want);
	struct kube_proxy_config c;
	ck_assert_int_eq(kube_proxy_conf_parse(out, &c), 0);
	free(out);
}
END_TEST

/* Every prefix of a config: an error or an edit that reads back, never a crash. */
START_TEST(test_set_truncations)
{
	size_t len;
	char *t;

	t = fixture("config-ipvs-edited.conf", &len);
	for (size_t n = 0; n <= len; n++) {
		struct kube_proxy_config c;
		char *cut = strndup(t, n), *out;
		ck_assert_ptr_nonnull(cut);
		kube_proxy_conf_parse(cut, &c);
		int r = kube_proxy_conf_set(cut, "ipvs.scheduler", "sh", &out);
		if (r == 0) {
			ck_assert_int_eq(kube_proxy_conf_parse(out, &c), 0);
			ck_assert_str_eq(c.scheduler, "sh");
			free(out);
		} else {
			ck_assert_ptr_null(out);
		}
		free(cut);
	}
	free(t);
}
END_TEST

/* The diff of a and b is want. */
static void assert_diff(const char *a, const char *b, const char *want)
{
	char *d;
	ck_assert_int_eq(kube_proxy_conf_diff(a, b, &d), 0);
	ck_assert_str_eq(d, want);
	free(d);
}

START_TEST(test_diff)
{
	assert_diff("a\nb\n", "a\nb\n", "");
	assert_diff("", "", "");
	assert_diff("a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\nf\n", "-b\n+B\n-e\n+E\n+f\n");
	assert_diff("x\r\ny\r\n", "x\r\nz\r\n", "-y\n+z\n");
	assert_diff("a\nb\n", NULL, "-a\n-b\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kube_proxy_conf");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_fixtures);
	tcase_add_loop_test(tc, test_read, 0, (int)(sizeof(reads) / sizeof(reads[0])));
	tcase_add_test(tc, test_sync_period);
	suite_add_tcase(s, tc);
	tc = tcase_create("set");
	tcase_add_test(tc, test_set_kubeadm);
	tcase_add_test(tc, test_set_styles);
	tcase_add_test(tc, test_set_null_block_with_children);
	tcase_add_test(tc, test_set_truncations);
	suite_add_tcase(s, tc);
	tc = tcase_create("shapes");
	tcase_add_loop_test(tc, test_shapes, 0, (int)(sizeof(shapes) / sizeof(shapes[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("diff");
	tcase_add_test(tc, test_diff);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(suite());
}
