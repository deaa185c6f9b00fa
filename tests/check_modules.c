/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of modules (libkmod + sysfs, against fixture trees) and of sysctls. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "fixture.h"
#include "modules.h"
#include "snapshot.h"
#include "sysctls.h"

static const char *fixture(const char *name)
{
	return fixture_in(NULL, name);
}

static enum module_state state_of(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_modules; i++)
		if (strcmp(s->modules[i].name, name) == 0)
			return s->modules[i].state;
	ck_abort_msg("module %s not reported", name);
	return MODULE_MISSING;
}

static void check_names(const struct snapshot *s)
{
	ck_assert_uint_eq(s->n_modules, modules_n_watched);
	for (size_t i = 0; i < s->n_modules; i++)
		ck_assert_str_eq(s->modules[i].name, modules_watched[i]);
}

#define assert_state(s, name, st)                                                             \
	ck_assert_msg(state_of(s, name) == (st), "%s is %s, want %s", name,                   \
		      module_state_name(state_of(s, name)), module_state_name(st))

START_TEST(test_watched)
{
	static const char *const want[] = {
		"ip_vs",    "ip_vs_rr", "ip_vs_wrr", "ip_vs_lc",  "ip_vs_wlc",
		"ip_vs_lblc", "ip_vs_lblcr", "ip_vs_dh", "ip_vs_sh", "ip_vs_sed",
		"ip_vs_nq", "ip_vs_fo", "ip_vs_ovf", "ip_vs_mh",  "nf_conntrack",
	};
	ck_assert_uint_eq(modules_n_watched, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < modules_n_watched; i++)
		ck_assert_str_eq(modules_watched[i], want[i]);
}
END_TEST

START_TEST(test_fixture_states)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(modules_read(fixture("modules/6.1.0-ipvstop"), fixture("sysfs"), &s), 0);
	check_names(&s);
	assert_state(&s, "ip_vs", MODULE_LOADED);
	assert_state(&s, "ip_vs_rr", MODULE_LOADED);
	assert_state(&s, "ip_vs_wlc", MODULE_LOADED); /* initstate "coming" */
	assert_state(&s, "nf_conntrack", MODULE_BUILTIN); /* sysfs dir, no initstate */
	assert_state(&s, "ip_vs_mh", MODULE_BUILTIN);	   /* modules.builtin */
	assert_state(&s, "ip_vs_wrr", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs_lc", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs_sh", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs_dh", MODULE_MISSING); /* in modules.dep, file gone */
	static const char *const missing[] = {"ip_vs_lblc", "ip_vs_lblcr", "ip_vs_sed",
					      "ip_vs_nq",   "ip_vs_fo",    "ip_vs_ovf"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		assert_state(&s, missing[i], MODULE_MISSING);

	/* A second read replaces the first (valgrind checks nothing leaks). */
	ck_assert_int_eq(modules_read(fixture("modules/6.1.0-ipvstop"), fixture("sysfs"), &s), 0);
	check_names(&s);
	snapshot_free(&s);
}
END_TEST

static char tmpdir[256];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/ipvstop-mod-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[4096];

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			ck_assert_int_eq(unlink(path), 0);
		}
	closedir(d);
	ck_assert_int_eq(rmdir(tmpdir), 0);
}

START_TEST(test_builtin_from_libkmod_index)
{
	/*
	 * The fixture without its text modules.builtin: only libkmod's reading of
	 * modules.builtin.bin can still tell that ip_vs_mh is built in.
	 */
	struct snapshot s;
	char src[2048], path[4096];
	DIR *d;
	struct dirent *e;

	make_tmpdir();
	snprintf(src, sizeof(src), "%s", fixture("modules/6.1.0-ipvstop"));
	if (src[0] != '/') {
		char cwd[1024];
		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		snprintf(src, sizeof(src), "%s/%s", cwd, fixture("modules/6.1.0-ipvstop"));
	}
	d = opendir(src);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char target[2400];
		if (e->d_name[0] == '.' || strcmp(e->d_name, "modules.builtin") == 0)
			continue;
		snprintf(target, sizeof(target), "%s/%s", src, e->d_name);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		ck_assert_int_eq(symlink(target, path), 0);
	}
	closedir(d);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(modules_read(tmpdir, fixture("sysfs"), &s), 0);
	assert_state(&s, "ip_vs_mh", MODULE_BUILTIN);
	assert_state(&s, "ip_vs_wrr", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs", MODULE_LOADED);
	snapshot_free(&s);
	remove_tmpdir();
}
END_TEST

START_TEST(test_no_module_support)
{
	/* No /lib/modules/<release> at all, as on a kernel built without modules. */
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(modules_read(fixture("modules/no-such-release"), fixture("sysfs"), &s), 0);
	check_names(&s);
	assert_state(&s, "ip_vs", MODULE_LOADED);
	assert_state(&s, "ip_vs_rr", MODULE_LOADED);
	assert_state(&s, "ip_vs_wlc", MODULE_LOADED);
	assert_state(&s, "nf_conntrack", MODULE_BUILTIN);
	assert_state(&s, "ip_vs_wrr", MODULE_MISSING);
	assert_state(&s, "ip_vs_mh", MODULE_MISSING);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_nothing_loaded)
{
	/* An empty sysfs: what is on disk is available, what is built in stays so. */
	struct snapshot s;
	make_tmpdir();
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(modules_read(fixture("modules/6.1.0-ipvstop"), tmpdir, &s), 0);
	assert_state(&s, "ip_vs", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs_rr", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs_wlc", MODULE_AVAILABLE);
	assert_state(&s, "ip_vs_mh", MODULE_BUILTIN);
	assert_state(&s, "nf_conntrack", MODULE_MISSING);
	snapshot_free(&s);
	remove_tmpdir();
}
END_TEST


START_TEST(test_agrees_with_sysfs)
{
	/*
	 * Whatever a machine has, the read must work and agree with sysfs: on the fixture
	 * trees, where the answer is known (the host's own /lib/modules and /sys made this
	 * test check whatever the host had, nothing at all where /sys/module was empty).
	 */
	static const struct {
		const char *moddir, *sysfs; /* NULL: an empty sysfs */
	} trees[] = {
		{"modules/6.1.0-ipvstop", "sysfs"},
		{"modules/no-such-release", "sysfs"},
		{"modules/6.1.0-ipvstop", NULL},
	};
	struct snapshot s;
	char path[4096];
	struct stat st;
	size_t loaded = 0, present = 0;

	make_tmpdir();
	for (size_t t = 0; t < sizeof(trees) / sizeof(trees[0]); t++) {
		const char *sysfs = trees[t].sysfs ? fixture(trees[t].sysfs) : tmpdir;
		memset(&s, 0, sizeof(s));
		ck_assert_int_eq(modules_read(fixture(trees[t].moddir), sysfs, &s), 0);
		check_names(&s);
		for (size_t i = 0; i < s.n_modules; i++) {
			snprintf(path, sizeof(path), "%s/module/%s/initstate", sysfs,
				 s.modules[i].name);
			if (access(path, F_OK) == 0) {
				ck_assert_int_eq(s.modules[i].state, MODULE_LOADED);
				loaded++;
			}
			snprintf(path, sizeof(path), "%s/module/%s", sysfs, s.modules[i].name);
			if (stat(path, &st) == 0) {
				ck_assert_int_ne(s.modules[i].state, MODULE_MISSING);
				present++;
			}
		}
		snapshot_free(&s);
	}
	remove_tmpdir();
	/* Both checks ran: ip_vs, ip_vs_rr, ip_vs_wlc loaded, and nf_conntrack, in two trees. */
	ck_assert_uint_eq(loaded, 3 * 2);
	ck_assert_uint_eq(present, 4 * 2);
}
END_TEST

START_TEST(test_load_allowlist)
{
	/* Nothing here reaches the kernel: every name is refused before libkmod is asked. */
	char msg[128];
	/* nf_conntrack_ipv4 is allowed: it is what kernels before 4.19 need instead. */
	static const char *const refused[] = {"evil", "ip_vs_", "../ip_vs", "ip_vs ",
					      "nf_conntrack_ipv6", "IP_VS", ""};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		msg[0] = '\0';
		ck_assert_int_eq(modules_load(refused[i], msg, sizeof(msg)), -EINVAL);
		ck_assert_msg(msg[0] != '\0', "no message for %s", refused[i]);
	}
	ck_assert_int_eq(modules_load(NULL, msg, sizeof(msg)), -EINVAL);
	ck_assert_int_eq(modules_load("evil", NULL, 0), -EINVAL);
	ck_assert_int_eq(modules_load("evil", msg, 8), -EINVAL);
	ck_assert_uint_le(strlen(msg), 7);
}
END_TEST

/* ------------------------------------------------------------------ sysctls */

static const struct sysctl_value *sysctl(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (strcmp(s->sysctls[i].name, name) == 0)
			return &s->sysctls[i];
	ck_abort_msg("sysctl %s not reported", name);
	return NULL;
}

static void assert_sysctl(const struct snapshot *s, const char *name, bool present, long value)
{
	const struct sysctl_value *v = sysctl(s, name);
	ck_assert_msg(v->present == present, "%s present=%d", name, v->present);
	if (present)
		ck_assert_msg(v->value == value, "%s = %ld, want %ld", name, v->value, value);
}

START_TEST(test_sysctls)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sysctls_read(fixture("sys"), &s), 0);
	ck_assert_uint_eq(s.n_sysctls, 17);
	assert_sysctl(&s, "net.ipv4.vs.conntrack", true, 1);
	assert_sysctl(&s, "net.ipv4.vs.conn_reuse_mode", true, 1);
	assert_sysctl(&s, "net.ipv4.vs.expire_nodest_conn", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.expire_quiescent_template", true, 1);
	assert_sysctl(&s, "net.ipv4.vs.sloppy_tcp", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.sloppy_sctp", false, 0); /* no file */
	assert_sysctl(&s, "net.ipv4.vs.schedule_icmp", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.ignore_tunneled", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.run_estimation", false, 0); /* "abc" */
	assert_sysctl(&s, "net.ipv4.vs.amemthresh", true, 1024);
	assert_sysctl(&s, "net.ipv4.vs.drop_entry", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.drop_packet", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.secure_tcp", true, 0);
	assert_sysctl(&s, "net.ipv4.vs.nat_icmp_send", true, 0);
	assert_sysctl(&s, "net.ipv4.conf.all.arp_ignore", true, 1);
	assert_sysctl(&s, "net.ipv4.conf.all.arp_announce", true, 2);
	assert_sysctl(&s, "net.ipv4.ip_forward", true, 1);
	/* Read again: the array is replaced, not leaked. */
	ck_assert_int_eq(sysctls_read(fixture("sys"), &s), 0);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_sysctls_absent)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sysctls_read(fixture("no-such-dir"), &s), 0);
	ck_assert_uint_eq(s.n_sysctls, 17);
	for (size_t i = 0; i < s.n_sysctls; i++) {
		ck_assert(!s.sysctls[i].present);
		ck_assert_ptr_nonnull(s.sysctls[i].name);
	}
	snapshot_free(&s);

	/* The real /proc/sys: whatever is there, names are dotted and the call works. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(sysctls_read(NULL, &s), 0);
	ck_assert_str_eq(s.sysctls[0].name, "net.ipv4.vs.conntrack");
	ck_assert_str_eq(s.sysctls[s.n_sysctls - 1].name, "net.ipv4.ip_forward");
	snapshot_free(&s);
}
END_TEST

CHECK_MAIN("modules",
	   {"modules",
	    0,
	    {test_watched, test_fixture_states, test_builtin_from_libkmod_index,
	     test_no_module_support, test_nothing_loaded, test_agrees_with_sysfs,
	     test_load_allowlist}},
	   {"sysctls", 0, {test_sysctls, test_sysctls_absent}})
