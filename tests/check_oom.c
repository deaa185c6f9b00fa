/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation failure injection over every parser of hostile input: the Nth allocation fails,
 * for N = 1, 2, ... until the operation makes fewer than N allocations and succeeds.
 *
 * This program defines malloc, calloc, realloc, reallocarray, free and the aligned
 * allocators itself, forwarding to glibc's __libc_* functions. The dynamic linker binds every
 * caller to the executable's definitions first: ipvstop's code, glibc's own internal callers
 * (strdup, getline, fopen, asprintf, realpath, ...), cJSON and libyaml all allocate through
 * here, so a failure is injected wherever any of them allocates.
 *
 * For each N the operation must:
 *  - not crash (Check reports a signal);
 *  - leave as many blocks allocated as before it (it frees what it returns: nothing leaks on
 *    the error path); valgrind, run with --soname-synonyms=somalloc=nouserintercepts so that
 *    these functions stay in place, confirms it;
 *  - either fail, or succeed with exactly the result it has without any failure (a failed
 *    allocation must never go unnoticed and drop data silently).
 *
 * OOM_VERBOSE=1 prints each N before it runs (to find the N of a crash).
 *
 * Under AddressSanitizer the sanitizer owns malloc and its interceptors (strdup, ...) use its
 * own allocator: these definitions would mix two heaps. The test then says so loudly and only
 * runs each operation once, for ASan and LeakSanitizer to watch; the injection runs in the
 * plain build (make check) and under valgrind (tools/sanitize.sh).
 */
#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "check_main.h"
#include "dataplane.h"
#include "dp_join.h"
#include "dp_nft.h"
#include "fixture.h"
#include "history.h"
#include "ipvs_parse.h"
#include "ipvs_proc.h"
#include "json_read.h"
#include "kube_config.h"
#include "kube_model.h"
#include "kube_parse.h"
#include "output_json.h"
#include "snapshot.h"

#if defined(__SANITIZE_ADDRESS__)
#define OOM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_UNDER_ASAN 1
#endif
#endif
#ifndef OOM_UNDER_ASAN
#define OOM_UNDER_ASAN 0
#endif

/* ---- the allocator ---- */

/* volatile: the compiler must not move these across the allocations it knows as builtins */
static volatile bool armed;	      /* count (and fail) allocations */
static volatile unsigned long count;  /* allocations while armed */
static volatile unsigned long fail_at; /* the one that fails; 0: none */
static volatile long live;	      /* blocks allocated minus blocks freed, always */
static void *volatile failed_caller;  /* the code that called the allocation that failed */
static volatile bool failed_realloc;  /* it was a realloc */

#if !OOM_UNDER_ASAN
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void __libc_free(void *p);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void *reallocarray(void *p, size_t n, size_t size);
void free(void *p);
int posix_memalign(void **p, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *memalign(size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);

/* True when this allocation is the one to fail; caller is the function that called it. */
static bool injected_by(void *caller, bool is_realloc)
{
	if (!armed || ++count != fail_at)
		return false;
	failed_caller = caller;
	failed_realloc = is_realloc;
	return true;
}
#define injected() injected_by(__builtin_return_address(0), false)

void *malloc(size_t size)
{
	if (injected()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_malloc(size);
	if (p)
		live++;
	return p;
}

void *calloc(size_t n, size_t size)
{
	if (injected()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_calloc(n, size);
	if (p)
		live++;
	return p;
}

void *realloc(void *p, size_t size)
{
	if (p && size == 0) { /* glibc frees and returns NULL */
		live--;
		return __libc_realloc(p, 0);
	}
	if (injected_by(__builtin_return_address(0), true)) {
		errno = ENOMEM;
		return NULL;
	}
	void *q = __libc_realloc(p, size);
	if (q && !p)
		live++;
	return q;
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	if (p && n * size == 0) {
		live--;
		return __libc_realloc(p, 0);
	}
	if (injected_by(__builtin_return_address(0), true)) {
		errno = ENOMEM;
		return NULL;
	}
	void *q = __libc_realloc(p, n * size);
	if (q && !p)
		live++;
	return q;
}

void free(void *p)
{
	if (p)
		live--;
	__libc_free(p);
}

void *memalign(size_t align, size_t size)
{
	if (injected()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_memalign(align, size);
	if (p)
		live++;
	return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

void *valloc(size_t size)
{
	return memalign(4096, size);
}

void *pvalloc(size_t size)
{
	return memalign(4096, (size + 4095) & ~(size_t)4095);
}
#endif

/* ---- results, compared as text ---- */

struct digest {
	char buf[65536];
	size_t len;
};

static void dg(struct digest *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dg(struct digest *d, const char *fmt, ...)
{
	if (d->len >= sizeof(d->buf) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(d->buf + d->len, sizeof(d->buf) - d->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->len += (size_t)n < sizeof(d->buf) - d->len ? (size_t)n : sizeof(d->buf) - 1 - d->len;
}

/* A stable hash, for values that must not be printed (tokens, keys). */
static unsigned long fnv(const void *p, size_t len)
{
	const unsigned char *b = p;
	unsigned long h = 1469598103934665603UL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211UL;
	return h;
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

/* output_json's text of a snapshot (with the injection off). */
static void dg_snapshot(struct digest *d, const struct snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_json(f, s, NULL, NULL), 0);
	ck_assert_int_eq(fclose(f), 0);
	dg(d, "%s", text);
	free(text);
}

/* ---- the driver ---- */

/*
 * An operation: runs its parser between oom_on() and oom_off(), fills d from the result
 * (after oom_off), frees everything and returns the parser's result (0 or negative).
 */
typedef int (*oom_op)(const void *arg, struct digest *d);

static void oom_on(void)
{
	armed = true;
}

static void oom_off(void)
{
	armed = false;
}

static bool verbose(void)
{
	const char *v = getenv("OOM_VERBOSE");
	return v && *v && strcmp(v, "0") != 0;
}

/*
 * libyaml 0.2.5's loader (yaml_parser_load_sequence/_mapping in loader.c) allocates a new
 * node's item stack, then pushes the node onto the document: when growing the document's
 * node stack fails, it returns without freeing that item stack (64 or 128 bytes). Not ours
 * to fix; kube_config.c frees everything yaml_parser_load leaves it. Only that case is let
 * through: one block, the failed allocation a realloc called from libyaml. valgrind's run
 * suppresses it with tests/valgrind-oom.supp (stack malloc, malloc, yaml_parser_load).
 */
static bool libyaml_known_leak(long leaked)
{
	Dl_info info;
	if (leaked != 1 || !failed_realloc || !failed_caller ||
	    !dladdr(failed_caller, &info) || !info.dli_fname)
		return false;
	const char *base = strrchr(info.dli_fname, '/');
	return strncmp(base ? base + 1 : info.dli_fname, "libyaml-0.so", 12) == 0;
}

/*
 * Runs op with allocation N failing, for N = 1, 2, ...; returns the number of allocations op
 * makes when none fails.
 */
static unsigned long oom_loop(const char *what, oom_op op, const void *arg)
{
	static struct digest base, got;
	memset(&base, 0, sizeof(base));

	/* Twice without a failure: the first run warms whatever glibc caches once. */
	fail_at = 0;
	count = 0;
	int rc = op(arg, &base);
	ck_assert_msg(rc == 0, "%s: fails without any injected failure: %d", what, rc);
	memset(&base, 0, sizeof(base));
	long before = live;
	count = 0;
	rc = op(arg, &base);
	unsigned long total = count;
	ck_assert_msg(rc == 0, "%s: fails without any injected failure: %d", what, rc);
	ck_assert_msg(live == before, "%s: %ld blocks leaked without any failure", what,
		      live - before);
	if (OOM_UNDER_ASAN)
		return total;

	unsigned long errors = 0, absorbed = 0, yaml_leaks = 0;
	for (unsigned long n = 1;; n++) {
		if (verbose())
			fprintf(stderr, "check_oom: %s: allocation %lu fails\n", what, n);
		memset(&got, 0, sizeof(got));
		fail_at = n;
		before = live;
		count = 0;
		rc = op(arg, &got);
		bool hit = count >= n;
		fail_at = 0;
		if (live != before && libyaml_known_leak(live - before)) {
			yaml_leaks++;
			before = live;
		}
		ck_assert_msg(live == before, "%s: allocation %lu failed: %ld blocks leaked", what, n,
			      live - before);
		if (!hit) {
			ck_assert_msg(rc == 0, "%s: failed (%d) with no allocation failing", what, rc);
			ck_assert_msg(n - 1 == total, "%s: %lu allocations, %lu the first time", what,
				      n - 1, total);
			break;
		}
		if (rc == 0) {
			/* glibc's own fallbacks (a stdio buffer, qsort's scratch) may absorb one */
			ck_assert_msg(got.len == base.len && memcmp(got.buf, base.buf, base.len) == 0,
				      "%s: allocation %lu failed, the parser reported success with "
				      "another result:\n%.2000s\ninstead of\n%.2000s",
				      what, n, got.buf, base.buf);
			absorbed++;
		} else {
			errors++;
		}
	}
	printf("check_oom: %-40s %5lu allocations, each failed once: %lu errors, %lu absorbed "
	       "with the same result\n",
	       what, total, errors, absorbed);
	if (yaml_leaks)
		printf("check_oom: %-40s %lu of those failures leaked libyaml's own item stack "
		       "(libyaml 0.2.5 loader bug, not ipvstop's)\n",
		       what, yaml_leaks);
	fflush(stdout);
	return total;
}

/* The allocator in use is this file's: a failure set now must happen. */
static void assert_injection_works(void)
{
	if (OOM_UNDER_ASAN)
		return;
	fail_at = 1;
	count = 0;
	oom_on();
	char *volatile p = malloc(16);
	oom_off();
	fail_at = 0;
	free(p);
	ck_assert_msg(p == NULL && count == 1,
		      "allocation failure injection is not in effect: another malloc replaced this "
		      "program's (under valgrind: --soname-synonyms=somalloc=nouserintercepts)");
}

/* ---- netlink replies (ipvs_parse.c) ---- */

/* The messages laid out as the kernel sends them (fuzz/gen-netlink-seeds.py). */
static int op_netlink(const void *arg, struct digest *d)
{
	(void)arg;
	const char *dir = fixture_path("fuzz/corpus/fuzz_ipvs_netlink");
	DIR *dh = opendir(dir);
	ck_assert_msg(dh != NULL, "%s", dir);
	char names[64][256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dh)) && n < 64)
		if (strstr(e->d_name, ".bin"))
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(dh);
	ck_assert_uint_gt(n, 10);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char rel[512];
		size_t len;
		snprintf(rel, sizeof(rel), "fuzz/corpus/fuzz_ipvs_netlink/%s", names[i]);
		char *m = fixture_read(rel, &len);
		ck_assert_uint_ge(len, sizeof(struct nlmsghdr));
		const struct nlmsghdr *nlh = (const void *)m;
		struct ipvs_service svc;
		struct ipvs_dest dest;
		struct ipvs_daemon dmn;
		uint32_t a = 0, b = 0, c = 0;
		char addr[64];
		oom_on();
		if (!strncmp(names[i], "svc-", 4)) {
			rc = ipvs_parse_service(nlh, &svc);
			oom_off();
			if (rc == 0)
				dg(d, "%s %s %s:%u fwmark %u\n", names[i], svc.sched,
				   ipvs_addr_str(svc.af, &svc.addr, addr, sizeof(addr)), svc.port,
				   svc.fwmark);
		} else if (!strncmp(names[i], "dest-", 5)) {
			rc = ipvs_parse_dest(nlh, AF_INET, &dest);
			oom_off();
			if (rc == 0)
				dg(d, "%s %s:%u w %d\n", names[i],
				   ipvs_addr_str(dest.af, &dest.addr, addr, sizeof(addr)), dest.port,
				   dest.weight);
		} else if (!strncmp(names[i], "daemon-", 7)) {
			rc = ipvs_parse_daemon(nlh, &dmn);
			oom_off();
			if (rc == 0)
				dg(d, "%s %s %s %u\n", names[i], dmn.state, dmn.mcast_ifn, dmn.syncid);
		} else if (!strncmp(names[i], "info", 4)) {
			rc = ipvs_parse_info(nlh, &a, &b);
			oom_off();
			dg(d, "%s %u %u\n", names[i], a, b);
		} else if (!strncmp(names[i], "config", 6)) {
			rc = ipvs_parse_config(nlh, &a, &b, &c);
			oom_off();
			dg(d, "%s %u %u %u\n", names[i], a, b, c);
		} else {
			oom_off();
			ck_abort_msg("unknown message %s", names[i]);
		}
		free(m);
	}
	return rc;
}

START_TEST(test_netlink)
{
	assert_injection_works();
	/* The parsers fill caller-owned structs: nothing to fail, and it stays so. */
	ck_assert_uint_eq(oom_loop("ipvs_parse_* (22 kernel replies)", op_netlink, NULL), 0);
}
END_TEST

/* ---- /proc (ipvs_proc.c) ---- */

static int op_proc_services(const void *arg, struct digest *d)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	oom_on();
	int rc = ipvs_proc_read_services(fixture_path(arg), &s);
	oom_off();
	if (rc == 0)
		dg_snapshot(d, &s);
	snapshot_free(&s);
	return rc;
}

static int op_proc_stats(const void *arg, struct digest *d)
{
	struct ipvs_stats st;
	oom_on();
	int rc = ipvs_proc_read_stats(fixture_path(arg), &st);
	oom_off();
	if (rc == 0)
		dg(d, "%llu %llu %llu %llu %llu / %llu %llu\n", (unsigned long long)st.conns,
		   (unsigned long long)st.inpkts, (unsigned long long)st.outpkts,
		   (unsigned long long)st.inbytes, (unsigned long long)st.outbytes,
		   (unsigned long long)st.cps, (unsigned long long)st.inbps);
	return rc;
}

static void dg_counts(struct digest *d, const char *what, const struct ipvs_conn_count *c,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		dg(d, "%s %s %llu\n", what, c[i].key, (unsigned long long)c[i].count);
}

struct conns_arg {
	const char *file;
	size_t limit;
};

static int op_proc_conns(const void *arg, struct digest *d)
{
	const struct conns_arg *a = arg;
	struct ipvs_conn_table t;
	oom_on();
	int rc = ipvs_proc_read_conns(fixture_path(a->file), a->limit, &t, NULL);
	oom_off();
	if (rc == 0) {
		dg(d, "%zu of %llu%s\n", t.n_conns, (unsigned long long)t.total,
		   t.truncated ? " truncated" : "");
		for (size_t i = 0; i < t.n_conns; i++)
			dg(d, "conn %s %u %u %s\n", t.conns[i].protocol, t.conns[i].client_port,
			   t.conns[i].virt_port, t.conns[i].state);
		dg_counts(d, "svc", t.by_service, t.n_by_service);
		dg_counts(d, "dest", t.by_dest, t.n_by_dest);
		dg_counts(d, "state", t.by_state, t.n_by_state);
	}
	ipvs_conn_table_free(&t);
	return rc;
}

static int op_proc_hz(const void *arg, struct digest *d)
{
	(void)arg;
	oom_on();
	unsigned a = ipvs_proc_detect_hz(fixture_path("tests/fixtures/hz/config-1000"),
					 fixture_path("tests/fixtures/hz/none"),
					 fixture_path("tests/fixtures/hz/none"));
	unsigned b = ipvs_proc_detect_hz(fixture_path("tests/fixtures/hz/config-nohz"),
					 fixture_path("tests/fixtures/hz/schedstat-250"),
					 fixture_path("tests/fixtures/hz/uptime-1000"));
	oom_off();
	/* HZ is best effort: 0 ("unknown") is its error */
	dg(d, "%u %u\n", a, b);
	return a && b ? 0 : -ENOMEM;
}

START_TEST(test_proc)
{
	static const struct conns_arg all = {"tests/fixtures/proc/ip_vs_conn", 1u << 20};
	static const struct conns_arg two = {"tests/fixtures/proc/ip_vs_conn", 2};
	static const struct conns_arg vm = {"fuzz/corpus/fuzz_ipvs_proc/vm-ip_vs_conn", 1u << 20};
	assert_injection_works();
	ipvs_proc_set_hz(250);
	oom_loop("ipvs_proc_read_services (fixture)", op_proc_services,
		 "tests/fixtures/proc/ip_vs");
	oom_loop("ipvs_proc_read_services (VM kernel)", op_proc_services,
		 "fuzz/corpus/fuzz_ipvs_proc/vm-mixed-ip_vs");
	oom_loop("ipvs_proc_read_stats", op_proc_stats, "tests/fixtures/proc/ip_vs_stats");
	oom_loop("ipvs_proc_read_conns (all)", op_proc_conns, &all);
	oom_loop("ipvs_proc_read_conns (limit 2)", op_proc_conns, &two);
	oom_loop("ipvs_proc_read_conns (VM kernel)", op_proc_conns, &vm);
	oom_loop("ipvs_proc_detect_hz", op_proc_hz, NULL);
}
END_TEST

/* ---- kubeconfig (kube_config.c) ---- */

struct kc_arg {
	const char *kubeconfig;	    /* relative to top_srcdir, or NULL */
	const char *env[3];	    /* KUBECONFIG's files, relative */
	const char *context;
};

static int op_kubeconfig(const void *arg, struct digest *d)
{
	const struct kc_arg *a = arg;
	struct kube_config_opts o;
	memset(&o, 0, sizeof(o));
	o.home = "/nonexistent/ipvstop-home";
	o.context = a->context;
	char env[3 * 4096 + 3] = "";
	if (a->kubeconfig)
		o.kubeconfig =
		    a->kubeconfig[0] == '/' ? a->kubeconfig : fixture_path(a->kubeconfig);
	for (int i = 0; i < 3 && a->env[i]; i++) {
		if (i)
			strcat(env, ":");
		strcat(env, fixture_path(a->env[i]));
	}
	if (env[0])
		o.env_kubeconfig = env;
	struct kube_credentials c;
	char err[512] = "";
	oom_on();
	int rc = kube_config_load(&o, &c, err, sizeof(err));
	oom_off();
	if (rc == 0) {
		dg(d, "source %s\ncontext %s cluster %s user %s ns %s\nserver %s\n", nz(c.source),
		   nz(c.context), nz(c.cluster), nz(c.user), nz(c.namespace_), nz(c.server));
		dg(d, "ca %s %zu/%lx insecure %d sni %s proxy %s\n", nz(c.ca_file), c.ca_len,
		   c.ca_data ? fnv(c.ca_data, c.ca_len) : 0, c.insecure, nz(c.tls_server_name),
		   nz(c.proxy_url));
		dg(d, "cert %s %zu/%lx key %s %zu/%lx\n", nz(c.cert_file), c.cert_len,
		   c.cert_data ? fnv(c.cert_data, c.cert_len) : 0, nz(c.key_file), c.key_len,
		   c.key_data ? fnv(c.key_data, c.key_len) : 0);
		dg(d, "token %lx file %s user %s password %lx\n",
		   c.token ? fnv(c.token, strlen(c.token)) : 0, nz(c.token_file), nz(c.username),
		   c.password ? fnv(c.password, strlen(c.password)) : 0);
		dg(d, "exec %s", nz(c.exec_command));
		for (size_t i = 0; i < c.n_exec_args; i++)
			dg(d, " %s", c.exec_args[i]);
		for (size_t i = 0; i < c.n_exec_env; i++)
			dg(d, " env %lx", fnv(c.exec_env[i], strlen(c.exec_env[i])));
		dg(d, " %s %s\n", nz(c.exec_api_version), nz(c.exec_interactive_mode));
	} else {
		ck_assert_msg(err[0] != '\0', "kube_config_load failed (%d) without a message", rc);
		ck_assert_msg(strstr(err, "SEKRET") == NULL, "a secret in the message: %s", err);
	}
	kube_credentials_free(&c);
	return rc;
}

START_TEST(test_kubeconfig)
{
	static const struct kc_arg admin = {"tests/fixtures/kube/admin.yaml", {NULL}, NULL};
	static const struct kc_arg rel = {"tests/fixtures/kube/rel/rel.yaml", {NULL}, NULL};
	static const struct kc_arg basic = {"tests/fixtures/kube/secrets.yaml", {NULL}, "basic"};
	static const struct kc_arg oidc = {"tests/fixtures/kube/secrets.yaml", {NULL}, "oidc"};
	static const struct kc_arg tls = {"tests/fixtures/kube/tls.yaml", {NULL}, NULL};
	static const struct kc_arg flow = {"tests/fixtures/kube/flow.yaml", {NULL}, NULL};
	static const struct kc_arg merged = {
	    NULL,
	    {"tests/fixtures/kube/merge-a.yaml", "tests/fixtures/kube/merge-b.yaml",
	     "tests/fixtures/kube/merge-c.yaml"},
	    NULL};
	/* an exec plugin (checked at load, run only for a token: never here) */
	char dir[] = "/tmp/check_oom.XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/exec.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "apiVersion: v1\nkind: Config\nclusters:\n- name: eks\n  cluster:\n"
		   "    server: https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com\n"
		   "    tls-server-name: kubernetes.default\nusers:\n- name: aws\n  user:\n"
		   "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
		   "      command: %s\n      args: [\"--region\", \"eu-west-1\"]\n"
		   "      env:\n      - {name: AWS_PROFILE, value: prod}\n"
		   "      interactiveMode: IfAvailable\n      provideClusterInfo: true\n"
		   "contexts:\n- name: eks\n  context: {cluster: eks, user: aws, namespace: x}\n"
		   "current-context: eks\n",
		fixture_path("tests/fixtures/kube/exec-plugin.sh"));
	ck_assert_int_eq(fclose(f), 0);
	struct kc_arg exec = {NULL, {NULL}, NULL};
	exec.kubeconfig = path;
	/* anchors, aliases and a merge key; a token file next to the config */
	char path2[64], token[64];
	snprintf(path2, sizeof(path2), "%s/anchors.yaml", dir);
	snprintf(token, sizeof(token), "%s/token", dir);
	f = fopen(token, "w");
	ck_assert_ptr_nonnull(f);
	fputs("file-token\n", f);
	ck_assert_int_eq(fclose(f), 0);
	f = fopen(path2, "w");
	ck_assert_ptr_nonnull(f);
	fputs("apiVersion: v1\nkind: Config\ncurrent-context: v\nclusters:\n"
	      "- &cl {name: c, cluster: {server: \"https://[fd00::1]:6443\", "
	      "disable-compression: true}}\n"
	      "users:\n- name: u\n  user: &u\n    tokenFile: token\n    token: static\n"
	      "- name: v\n  user:\n    <<: *u\n    tokenFile: ~\n"
	      "contexts:\n- {name: c, context: {cluster: c, user: u}}\n"
	      "- {name: v, context: {cluster: c, user: u, namespace: ~}}\n",
	      f);
	ck_assert_int_eq(fclose(f), 0);
	struct kc_arg anchors = {NULL, {NULL}, NULL};
	anchors.kubeconfig = path2;
	assert_injection_works();
	oom_loop("kube_config_load admin.conf", op_kubeconfig, &admin);
	oom_loop("kube_config_load relative files", op_kubeconfig, &rel);
	oom_loop("kube_config_load basic auth", op_kubeconfig, &basic);
	oom_loop("kube_config_load oidc", op_kubeconfig, &oidc);
	oom_loop("kube_config_load tls", op_kubeconfig, &tls);
	oom_loop("kube_config_load flow style", op_kubeconfig, &flow);
	oom_loop("kube_config_load KUBECONFIG=a:b:c", op_kubeconfig, &merged);
	oom_loop("kube_config_load exec plugin", op_kubeconfig, &exec);
	unlink(path);
	oom_loop("kube_config_load anchors, tokenFile", op_kubeconfig, &anchors);
	unlink(path2);
	unlink(token);
	rmdir(dir);
}
END_TEST

/* ---- Kubernetes JSON (kube_parse.c) ---- */

static const char *ipstr(const struct kube_ip *ip, char *buf, size_t len)
{
	return ip->af ? ipvs_addr_str(ip->af, &ip->addr, buf, len) : "-";
}

static void dg_parsed(struct digest *d, const struct kube_state *p)
{
	char a[64];
	for (size_t i = 0; i < p->n_services; i++) {
		const struct kube_service *s = &p->services[i];
		dg(d, "svc %s/%s t%d h%d aff %d/%u local %d/%d", s->ns, s->name, s->type, s->headless,
		   s->affinity_client_ip, s->affinity_timeout, s->local_traffic, s->internal_local);
		for (size_t j = 0; j < s->n_cluster_ips; j++)
			dg(d, " c %s", ipstr(&s->cluster_ips[j], a, sizeof(a)));
		for (size_t j = 0; j < s->n_external_ips; j++)
			dg(d, " e %s", ipstr(&s->external_ips[j], a, sizeof(a)));
		for (size_t j = 0; j < s->n_lb_ips; j++)
			dg(d, " lb %s", ipstr(&s->lb_ips[j], a, sizeof(a)));
		for (size_t j = 0; j < s->n_ports; j++)
			dg(d, " p %s %u %u %u", s->ports[j].name, s->ports[j].protocol,
			   s->ports[j].port, s->ports[j].node_port);
		dg(d, "\n");
	}
	for (size_t i = 0; i < p->n_slices; i++) {
		const struct kube_slice *s = &p->slices[i];
		dg(d, "slice %s/%s %s af %d", s->ns, s->name, nz(s->service), s->af);
		for (size_t j = 0; j < s->n_ports; j++)
			dg(d, " p %s %u %u", s->ports[j].name, s->ports[j].protocol, s->ports[j].port);
		for (size_t j = 0; j < s->n_endpoints; j++) {
			const struct kube_endpoint *e = &s->endpoints[j];
			dg(d, " ep %s %d%d%d %s %s", ipstr(&e->ip, a, sizeof(a)), e->ready, e->serving,
			   e->terminating, nz(e->node), nz(e->pod));
		}
		dg(d, "\n");
	}
	for (size_t i = 0; i < p->n_nodes; i++) {
		dg(d, "node %s", p->nodes[i].name);
		for (size_t j = 0; j < p->nodes[i].n_addrs; j++)
			dg(d, " %s", ipstr(&p->nodes[i].addrs[j], a, sizeof(a)));
		dg(d, "\n");
	}
	for (size_t i = 0; i < p->n_proxies; i++) {
		const struct kube_proxy_pod *q = &p->proxies[i];
		dg(d, "pod %s %s %d %u %s %s\n", q->name, nz(q->node), q->ready, q->restarts,
		   q->waiting_reason, q->phase);
	}
}

struct list_arg {
	const char *file;
	int (*item)(const cJSON *obj, void *arg);
};

static int op_list(const void *arg, struct digest *d)
{
	const struct list_arg *a = arg;
	size_t len;
	char *body = fixture_read(a->file, &len);
	struct kube_state p;
	memset(&p, 0, sizeof(p));
	char cont[1024], rv[64];
	oom_on();
	int rc = kube_parse_list(body, len, a->item, &p, cont, sizeof(cont), rv, sizeof(rv));
	oom_off();
	if (rc >= 0) {
		dg(d, "%d items, continue '%s' rv %s\n", rc, cont, rv);
		dg_parsed(d, &p);
		rc = 0;
	}
	kube_state_free(&p);
	free(body);
	return rc;
}

/* Each line a watch event; its object parsed as kube_sync does, by the watched kind. */
static int op_watch(const void *arg, struct digest *d)
{
	const struct list_arg *a = arg;
	size_t len;
	char *body = fixture_read(a->file, &len);
	struct kube_state p;
	memset(&p, 0, sizeof(p));
	int rc = 0;
	for (size_t i = 0; i < len && rc == 0;) {
		const char *nl = memchr(body + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (body + i)) : len - i;
		struct kube_watch_event ev;
		memset(&ev, 0, sizeof(ev));
		oom_on();
		rc = kube_parse_watch_event(body + i, l, &ev);
		if (rc == 0 && (ev.type == KUBE_WATCH_ADDED || ev.type == KUBE_WATCH_MODIFIED ||
				ev.type == KUBE_WATCH_DELETED))
			rc = a->item(ev.object, &p);
		oom_off();
		if (rc == 0)
			dg(d, "event %d rv %s end %d relist %d status %d %s\n", ev.type,
			   ev.resource_version, ev.initial_events_end, kube_watch_needs_relist(&ev),
			   ev.status.code, ev.status.reason);
		if (ev.doc) /* parsed, and maybe the object's parser failed */
			kube_watch_event_free(&ev);
		i += l + 1;
	}
	if (rc == 0)
		dg_parsed(d, &p);
	kube_state_free(&p);
	free(body);
	return rc;
}

/* One object (a GET body): the ConfigMap with its text, the DaemonSet, a Status. */
static int op_object(const void *arg, struct digest *d)
{
	const char *file = arg;
	size_t len;
	char *body = fixture_read(file, &len);
	int rc;
	oom_on();
	cJSON *doc = cJSON_ParseWithLength(body, len);
	if (!doc) {
		oom_off();
		free(body);
		return -ENOMEM; /* the fixture is valid JSON: only an allocation can fail */
	}
	if (strstr(file, "configmap")) {
		struct kube_proxy_config cfg;
		char *text = NULL;
		rc = kube_parse_configmap(doc, &cfg, &text);
		oom_off();
		if (rc == 0)
			dg(d, "cfg %d %s %s %d %s %s %s rv %s\n%s", cfg.known, cfg.mode, cfg.scheduler,
			   cfg.strict_arp, cfg.tcp_timeout, cfg.tcp_fin_timeout, cfg.udp_timeout,
			   cfg.resource_version, nz(text));
		else
			ck_assert_ptr_null(text);
		free(text);
	} else if (strstr(file, "daemonset")) {
		struct kube_daemonset ds;
		rc = kube_parse_daemonset(doc, &ds);
		oom_off();
		if (rc == 0)
			dg(d, "ds %d %s %u %u %u %u %s\n", ds.known, ds.mode_flag, ds.desired,
			   ds.updated, ds.ready, ds.available, ds.restarted_at);
	} else {
		struct kube_proxy_pod pod;
		rc = kube_parse_proxy_pod(doc, &pod);
		oom_off();
		if (rc == 0) {
			dg(d, "pod %s %s %d %u %s %s\n", pod.name, nz(pod.node), pod.ready,
			   pod.restarts, pod.waiting_reason, pod.phase);
			kube_proxy_pod_free(&pod);
		}
	}
	cJSON_Delete(doc);
	free(body);
	return rc;
}

/* The parsers that take the body's text: Status, /version, a kube-proxy log, config.conf. */
static int op_text(const void *arg, struct digest *d)
{
	const char *file = arg;
	size_t len;
	char *body = fixture_read(file, &len);
	int rc;
	oom_on();
	if (strstr(file, "status")) {
		struct kube_status st;
		rc = kube_parse_status(body, len, &st);
		oom_off();
		if (rc == 0)
			dg(d, "%d %s %s %s\n", st.code, st.status, st.reason, st.message);
	} else if (strstr(file, "version")) {
		char v[32];
		int minor;
		rc = kube_parse_version(body, len, v, sizeof(v), &minor);
		oom_off();
		if (rc == 0)
			dg(d, "%s %d\n", v, minor);
	} else if (strstr(file, "log")) {
		char mode[16];
		rc = kube_parse_proxier_log(body, len, mode);
		oom_off();
		if (rc == 0)
			dg(d, "%s\n", mode);
	} else {
		struct kube_proxy_config cfg;
		rc = kube_proxy_conf_parse(body, &cfg);
		oom_off();
		if (rc == 0)
			dg(d, "%s %s %d %s %s %s\n", cfg.mode, cfg.scheduler, cfg.strict_arp,
			   cfg.tcp_timeout, cfg.tcp_fin_timeout, cfg.udp_timeout);
	}
	free(body);
	return rc;
}

#define FX "tests/fixtures/kube-api/"
#define SC "fuzz/corpus/fuzz_kube_json/"

START_TEST(test_kube_lists)
{
	static const struct list_arg lists[] = {
	    {FX "services-page1.json", fixture_add_service},
	    {FX "services-page2.json", fixture_add_service},
	    {FX "endpointslices.json", fixture_add_slice},
	    {FX "nodes.json", fixture_add_node},
	    {FX "pods-kube-proxy.json", fixture_add_pod},
	    {SC "scenario-services.json", fixture_add_service},
	    {SC "scenario-endpointslices.json", fixture_add_slice},
	};
	assert_injection_works();
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "kube_parse_list %s", strrchr(lists[i].file, '/') + 1);
		oom_loop(what, op_list, &lists[i]);
	}
}
END_TEST

/*
 * The same lists through kube_items_add, the item callback kube_sync reads them with: a
 * failed allocation fails the list, it never drops the item and goes on.
 */
struct items_arg {
	const char *file;
	enum kube_item_kind kind;
};

static int op_items(const void *arg, struct digest *d)
{
	const struct items_arg *a = arg;
	size_t len;
	char *body = fixture_read(a->file, &len);
	struct kube_items it = {.kind = a->kind};
	oom_on();
	int rc = kube_parse_list(body, len, kube_items_add, &it, NULL, 0, NULL, 0);
	oom_off();
	if (rc >= 0) {
		/* Borrowed by a kube_state only to be digested like op_list's. */
		struct kube_state p;
		memset(&p, 0, sizeof(p));
		switch (a->kind) {
		case KUBE_ITEM_SERVICE:
			p.services = it.v;
			p.n_services = it.n;
			break;
		case KUBE_ITEM_SLICE:
			p.slices = it.v;
			p.n_slices = it.n;
			break;
		case KUBE_ITEM_NODE:
			p.nodes = it.v;
			p.n_nodes = it.n;
			break;
		case KUBE_ITEM_POD:
			p.proxies = it.v;
			p.n_proxies = it.n;
			break;
		}
		dg(d, "%d items, %zu kept\n", rc, it.n);
		dg_parsed(d, &p);
		rc = 0;
	}
	kube_items_free(&it);
	free(body);
	return rc;
}

START_TEST(test_kube_items)
{
	static const struct items_arg lists[] = {
	    {FX "services-page1.json", KUBE_ITEM_SERVICE},
	    {FX "endpointslices.json", KUBE_ITEM_SLICE},
	    {FX "nodes.json", KUBE_ITEM_NODE},
	    {FX "pods-kube-proxy.json", KUBE_ITEM_POD},
	};
	assert_injection_works();
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "kube_items_add %s", strrchr(lists[i].file, '/') + 1);
		oom_loop(what, op_items, &lists[i]);
	}
}
END_TEST

START_TEST(test_kube_watch)
{
	static const struct list_arg watches[] = {
	    {FX "watch-services.jsonl", fixture_add_service},
	    {FX "watch-endpointslices.jsonl", fixture_add_slice},
	};
	assert_injection_works();
	for (size_t i = 0; i < sizeof(watches) / sizeof(watches[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "kube_parse_watch_event %s",
			 strrchr(watches[i].file, '/') + 1);
		oom_loop(what, op_watch, &watches[i]);
	}
}
END_TEST

START_TEST(test_kube_objects)
{
	static const char *const objects[] = {
	    FX "configmap-kube-proxy.json",	  FX "configmap-kube-proxy-ipvs.json",
	    FX "daemonset-kube-proxy.json",	  FX "daemonset-kube-proxy-shell.json",
	    FX "pod-kube-proxy-crashloop.json",
	};
	static const char *const texts[] = {
	    FX "status-410.json",	    FX "version.json",		FX "log-ipvs-klog.txt",
	    FX "log-nftables-json.txt", FX "config-kubeadm.conf", FX "config-ipvs-edited.conf",
	};
	assert_injection_works();
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "kube_parse object %s", strrchr(objects[i], '/') + 1);
		oom_loop(what, op_object, objects[i]);
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "kube_parse text %s", strrchr(texts[i], '/') + 1);
		oom_loop(what, op_text, texts[i]);
	}
}
END_TEST

/* ---- the config.conf edit (kube_proxy_conf_set, kube_proxy_conf_diff: what actions.c runs) ---- */

struct edit_arg {
	const char *file, *key, *value;
};

static int op_edit(const void *arg, struct digest *d)
{
	const struct edit_arg *a = arg;
	char *text = fixture_read(a->file, NULL);
	char *out = NULL, *diff = NULL;
	oom_on();
	int rc = kube_proxy_conf_set(text, a->key, a->value, &out);
	if (rc == 0)
		rc = kube_proxy_conf_diff(text, out, &diff);
	oom_off();
	if (rc == 0)
		dg(d, "%s----\n%s", out, diff);
	else
		ck_assert_msg(out == NULL || diff == NULL, "output left on error");
	free(out);
	free(diff);
	free(text);
	return rc;
}

START_TEST(test_config_edit)
{
	static const struct edit_arg edits[] = {
	    {FX "config-kubeadm.conf", "mode", "ipvs"},
	    {FX "config-kubeadm.conf", "ipvs.scheduler", "wrr"},
	    {FX "config-kubeadm.conf", "ipvs.strictARP", "true"},
	    {FX "config-minimal.conf", "ipvs.scheduler", "sh"},
	    {FX "config-ipvs-edited.conf", "mode", "nftables"},
	};
	assert_injection_works();
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		char what[128];
		snprintf(what, sizeof(what), "kube_proxy_conf_set %s %s",
			 strrchr(edits[i].file, '/') + 1, edits[i].key);
		oom_loop(what, op_edit, &edits[i]);
	}
}
END_TEST

/* ---- recordings (json_read.c) ---- */

/* Every line of a recording (--replay FILE). */
static int op_json_read(const void *arg, struct digest *d)
{
	char *text = fixture_read(arg, NULL);
	int rc = 0;
	for (char *line = text, *next; line && *line && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		struct snapshot s;
		oom_on();
		rc = json_read_snapshot(line, &s);
		oom_off();
		if (rc == 0)
			dg_snapshot(d, &s);
		snapshot_free(&s);
	}
	free(text);
	return rc;
}

START_TEST(test_json_read)
{
	assert_injection_works();
	oom_loop("json_read_snapshot gen-recording-3", op_json_read,
		 "fuzz/corpus/fuzz_json_read/gen-recording-3.jsonl");
	oom_loop("json_read_snapshot VM netlink", op_json_read,
		 "fuzz/corpus/fuzz_json_read/vm-netlink.json");
	oom_loop("json_read_snapshot VM proc", op_json_read,
		 "fuzz/corpus/fuzz_json_read/vm-proc.json");
}
END_TEST

/*
 * dp_join over the recording of tests/dataplane/dp-join-test.sh (tests/fixtures/dp-join): the
 * cluster's lists and the node's nftables tables parsed with the injection off, the join
 * with it on; its result as counts and each frontend's owner and endpoints.
 */
static void load_dp_join_input(struct kube_state *k, struct dataplane *dp)
{
	static const char *const lists[] = {"tests/fixtures/dp-join/svcs.json",
					    "tests/fixtures/dp-join/slices.json",
					    "tests/fixtures/dp-join/nodes.json"};
	int (*const add[])(const cJSON *, void *) = {fixture_add_service, fixture_add_slice,
						     fixture_add_node};
	memset(k, 0, sizeof(*k));
	k->enabled = k->synced = true;
	snprintf(k->local_mode, sizeof(k->local_mode), "nftables");
	snprintf(k->local_node, sizeof(k->local_node), "worker-1");
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		char *t = fixture_read(lists[i], &len);
		ck_assert_int_ge(kube_parse_list(t, len, add[i], k, NULL, 0, NULL, 0), 1);
		free(t);
	}
	for (size_t i = 0; i < 2; i++) {
		size_t len;
		char *t = fixture_read(i ? "tests/fixtures/dp-join/nft-ip6.json"
					 : "tests/fixtures/dp-join/nft-ip.json",
				       &len);
		ck_assert_int_eq(dp_nft_parse(t, len, dp), 0);
		free(t);
	}
	dp->planes[DP_NFTABLES].read = true;
}

static int op_dp_join(const void *arg, struct digest *d)
{
	(void)arg;
	struct kube_state k;
	struct dataplane *dp = dataplane_new();
	struct dp_join j;
	ck_assert_ptr_nonnull(dp);
	load_dp_join_input(&k, dp);
	oom_on();
	int rc = dp_join(dp, &k, &j);
	oom_off();
	if (rc == 0) {
		const struct dp_plane_drift *pd = &j.planes[DP_NFTABLES];
		dg(d, "missing %zu stale %zu terminating %zu unserved %zu unowned %zu mismatch %zu\n",
		   pd->n_missing, pd->n_stale, pd->n_terminating, pd->n_unserved, pd->n_unowned,
		   pd->n_mismatch);
		for (size_t i = 0; i < j.n_fe; i++) {
			dg(d, "fe %zu: %d/%u", i, j.owners[i].o.service, j.owners[i].o.port);
			for (size_t e = 0; e < dp->fe[i].n_eps; e++) {
				const struct kube_rs_ref *r = dp_join_ep(&j, i, e);
				dg(d, " %d.%d", r ? r->slice : -1, r ? r->endpoint : -1);
			}
			dg(d, "\n");
		}
	}
	dp_join_free(&j);
	dataplane_unref(dp);
	kube_state_free(&k);
	return rc;
}

START_TEST(test_dp_join)
{
	assert_injection_works();
	oom_loop("dp_join dp-join recording", op_dp_join, NULL);
}
END_TEST

/*
 * The history (not a parser, but it grows its rows, relays them out and keeps each row's
 * shape for the markers at every sample): three samples of a table that grows, loses a real
 * server and sets one's weight to 0, into a budget small enough that the layout changes.
 */
static void history_table(struct snapshot *s, int k)
{
	memset(s, 0, sizeof(*s));
	s->time = 1000 + 2 * k;
	s->ipvs_available = true;
	for (int i = 0; i < 2 + k; i++) {
		struct ipvs_service *svc = snapshot_add_service(s);
		ck_assert_ptr_nonnull(svc);
		svc->af = AF_INET;
		svc->protocol = 6;
		svc->addr.bytes[0] = 10;
		svc->addr.bytes[3] = (uint8_t)(i + 1);
		svc->port = 80;
		snprintf(svc->sched, sizeof(svc->sched), "%s", k == 2 && i == 0 ? "wrr" : "rr");
		svc->stats.cps = (uint64_t)(10 * k + i);
		svc->dests_known = true;
		for (int j = 0; j < 4 * (k + 1) + i; j++) {
			if (k == 2 && i == 1 && j == 0)
				continue; /* removed */
			struct ipvs_dest *d = service_add_dest(svc);
			ck_assert_ptr_nonnull(d);
			d->af = AF_INET;
			d->addr.bytes[0] = 10;
			d->addr.bytes[1] = (uint8_t)i;
			d->addr.bytes[3] = (uint8_t)(j + 1);
			d->port = 8080;
			d->weight = k == 2 && j == 1 ? 0 : 1;
			d->stats.cps = (uint64_t)(j + k);
		}
	}
}

static int op_history(const void *arg, struct digest *d)
{
	(void)arg;
	struct snapshot s[3];
	for (int k = 0; k < 3; k++)
		history_table(&s[k], k);
	oom_on();
	struct history *h = history_new(40 * 1024);
	int rc = h ? 0 : -ENOMEM;
	for (int k = 0; k < 3 && rc == 0; k++)
		rc = history_push(h, &s[k], 0);
	oom_off();
	if (rc == 0) {
		struct history_marker m[64];
		size_t n = history_markers(h, HISTORY_KEY_TOTAL, 0, 2000, m, 64);
		dg(d, "rows %zu points %zu markers %zu\n", history_rows(h), history_points(h), n);
		for (size_t i = 0; i < n; i++)
			dg(d, "marker %d %016llx\n", (int)m[i].kind, (unsigned long long)m[i].dest);
		double v[3];
		size_t got = history_series(h, history_key_service(snapshot_service(&s[2], 3)),
					    HS_CPS, 999, 1005, v, 3);
		dg(d, "series %zu %.1f\n", got, v[2]);
	}
	history_free(h);
	for (int k = 0; k < 3; k++)
		snapshot_free(&s[k]);
	return rc;
}

START_TEST(test_history)
{
	assert_injection_works();
	oom_loop("history: three samples, rows added and removed", op_history, NULL);
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("parsers");
	/* each N runs the whole operation again: quadratic in its allocations, slow in valgrind */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_netlink);
	tcase_add_test(tc, test_proc);
	tcase_add_test(tc, test_kubeconfig);
	tcase_add_test(tc, test_kube_lists);
	tcase_add_test(tc, test_kube_items);
	tcase_add_test(tc, test_kube_watch);
	tcase_add_test(tc, test_kube_objects);
	tcase_add_test(tc, test_config_edit);
	tcase_add_test(tc, test_json_read);
	tcase_add_test(tc, test_dp_join);
	tcase_add_test(tc, test_history);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (OOM_UNDER_ASAN)
		fprintf(stderr,
			"check_oom: WARNING: NOT INJECTING allocation failures: this build has "
			"AddressSanitizer, which owns malloc (two heaps would mix). Each parser runs "
			"once here for ASan/LSan; the injection runs in the plain build (make check) "
			"and under valgrind (tools/sanitize.sh).\n");
	return check_main(oom_suite());
}
