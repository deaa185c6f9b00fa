/* SPDX-License-Identifier: GPL-2.0-or-later */
/* State of the kernel modules IPVS needs (sysfs + libkmod), and loading them by allowlist. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "modules.h"
#include "nls.h"

const char *const modules_watched[] = {
	"ip_vs",     "ip_vs_rr",  "ip_vs_wrr", "ip_vs_lc",  "ip_vs_wlc",
	"ip_vs_lblc", "ip_vs_lblcr", "ip_vs_dh", "ip_vs_sh", "ip_vs_sed",
	"ip_vs_nq",  "ip_vs_fo",  "ip_vs_ovf", "ip_vs_mh",  "nf_conntrack",
};
const size_t modules_n_watched = sizeof(modules_watched) / sizeof(modules_watched[0]);

static int watched_index(const char *name)
{
	for (size_t i = 0; i < modules_n_watched; i++)
		if (strcmp(modules_watched[i], name) == 0)
			return (int)i;
	return -1;
}

/* libkmod logs to stderr by default, which would tear a curses screen: drop it. */
static void kmod_log_nothing(void *data, int priority, const char *file, int line,
			     const char *fn, const char *format, va_list args)
{
}

static int default_moddir(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	if ((size_t)snprintf(buf, len, "/lib/modules/%s", u.release) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * What sysfs says, as kmod_module_get_initstate() reads it but under a root we choose:
 * <sysfs>/module/<name>/initstate holds "live", "coming" or "going" for a loaded module;
 * a built-in module has the directory (when it has parameters or a version) but no
 * initstate. Returns MODULE_LOADED, MODULE_BUILTIN, or MODULE_MISSING for "not there".
 */
static enum module_state sysfs_state(const char *sysfs, const char *name)
{
	char path[4096];
	struct stat st;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/module/%s/initstate", sysfs, name) >=
	    sizeof(path))
		return MODULE_MISSING;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* Any of live, coming or going: the module is in the kernel. */
		close(fd);
		return MODULE_LOADED;
	}
	snprintf(path, sizeof(path), "%s/module/%s", sysfs, name);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return MODULE_BUILTIN;
	return MODULE_MISSING;
}

/*
 * Marks in builtin[] the watched modules that modules.builtin lists ("kernel/net/.../x.ko"
 * per line). Read by hand because libkmod only consults the modules.builtin.bin index that
 * depmod makes, and a kernel without module support has no depmod run at all.
 */
static void read_builtin_list(const char *moddir, bool *builtin)
{
	char path[4096], line[512];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/modules.builtin", moddir) >= sizeof(path))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");
		if (line[len] != '\n' && !feof(f)) {
			int c; /* overlong line: skip the rest of it */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		line[len] = '\0';
		char *base = strrchr(line, '/');
		base = base ? base + 1 : line;
		char *dot = strstr(base, ".ko");
		if (!dot)
			continue;
		*dot = '\0';
		for (char *p = base; *p; p++)
			if (*p == '-')
				*p = '_';
		int i = watched_index(base);
		if (i >= 0)
			builtin[i] = true;
	}
	fclose(f);
}

/* What the modules directory says of a module that is not in sysfs. */
static enum module_state lookup_state(struct kmod_ctx *ctx, const char *name, int *err)
{
	struct kmod_list *list = NULL, *l;
	enum module_state st = MODULE_MISSING;
	int r;

	if (!ctx)
		return MODULE_MISSING;
	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0) {
		if (r == -ENOMEM)
			*err = r;
		return MODULE_MISSING;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		if (strcmp(kmod_module_get_name(m), name) == 0) {
			const char *path = kmod_module_get_path(m);
			/* libkmod gives built-in modules (modules.builtin.bin) no path. */
			if (!path)
				st = MODULE_BUILTIN;
			else if (access(path, F_OK) == 0)
				st = MODULE_AVAILABLE;
		}
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return st;
}

static struct kmod_ctx *open_kmod(const char *moddir)
{
	/* No modprobe.d: reading states needs only the indexes, and this runs every refresh. */
	static const char *const no_config[] = {NULL};
	struct kmod_ctx *ctx = kmod_new(moddir, no_config);

	if (ctx)
		kmod_set_log_fn(ctx, kmod_log_nothing, NULL);
	return ctx;
}

int modules_read(const char *dirname, const char *sysfs, struct snapshot *s)
{
	char moddir[4096];
	bool builtin[sizeof(modules_watched) / sizeof(modules_watched[0])] = {false};
	struct module_info *mi;
	struct kmod_ctx *ctx = NULL;
	int err = 0;

	mi = calloc(modules_n_watched, sizeof(*mi));
	if (!mi)
		return -ENOMEM;
	if (!sysfs)
		sysfs = "/sys";
	if (dirname)
		snprintf(moddir, sizeof(moddir), "%s", dirname);
	else if (default_moddir(moddir, sizeof(moddir)) < 0)
		moddir[0] = '\0';

	/* Without /lib/modules/<release> (no module support) only sysfs and builtin remain. */
	if (moddir[0]) {
		read_builtin_list(moddir, builtin);
		if (access(moddir, F_OK) == 0)
			ctx = open_kmod(moddir);
	}
	for (size_t i = 0; i < modules_n_watched; i++) {
		const char *name = modules_watched[i];
		enum module_state st = sysfs_state(sysfs, name);

		if (st == MODULE_MISSING && builtin[i])
			st = MODULE_BUILTIN;
		if (st == MODULE_MISSING)
			st = lookup_state(ctx, name, &err);
		snprintf(mi[i].name, sizeof(mi[i].name), "%s", name);
		mi[i].state = st;
	}
	if (ctx)
		kmod_unref(ctx);
	free(s->modules);
	s->modules = mi;
	s->n_modules = modules_n_watched;
	return err;
}

int modules_state(const char *dirname, const char *sysfs, const char *name,
		  enum module_state *out)
{
	char moddir[4096];
	int err = 0;
	enum module_state st = sysfs_state(sysfs ? sysfs : "/sys", name);

	if (st == MODULE_MISSING) {
		if (dirname)
			snprintf(moddir, sizeof(moddir), "%s", dirname);
		else if (default_moddir(moddir, sizeof(moddir)) < 0)
			moddir[0] = '\0';
		struct kmod_ctx *ctx = moddir[0] && access(moddir, F_OK) == 0 ? open_kmod(moddir)
									     : NULL;
		st = lookup_state(ctx, name, &err);
		if (ctx)
			kmod_unref(ctx);
	}
	*out = st;
	return err;
}

int modules_load(const char *name, char *msg, size_t msglen)
{
	char moddir[4096];
	struct kmod_ctx *ctx;
	struct kmod_list *list = NULL, *l;
	int err, found = 0;

	/* Before Linux 4.19 conntrack for IPv4 was a module of its own. */
	if (!name || (watched_index(name) < 0 && strcmp(name, "nf_conntrack_ipv4") != 0)) {
		snprintf(msg, msglen, _("%s is not a module ipvstop may load"), name ? name : "");
		return -EINVAL;
	}
	switch (sysfs_state("/sys", name)) {
	case MODULE_LOADED:
		snprintf(msg, msglen, _("%s is already loaded"), name);
		return 0;
	case MODULE_BUILTIN:
		snprintf(msg, msglen, _("%s is built into the kernel"), name);
		return 0;
	default:
		break;
	}
	err = default_moddir(moddir, sizeof(moddir));
	if (err < 0) {
		snprintf(msg, msglen, _("cannot find the modules directory: %s"), strerror(-err));
		return err;
	}
	/* The system's modprobe.d applies here: its blacklist is what we must respect. */
	ctx = kmod_new(moddir, NULL);
	if (!ctx) {
		snprintf(msg, msglen, _("cannot load %s: %s"), name, strerror(ENOMEM));
		return -ENOMEM;
	}
	kmod_set_log_fn(ctx, kmod_log_nothing, NULL);
	err = kmod_module_new_from_lookup(ctx, name, &list);
	if (err < 0) {
		snprintf(msg, msglen, _("cannot look up %s: %s"), name, strerror(-err));
		goto out;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		found++;
		/*
		 * No install commands: they would run a shell as root. The kernel also loads
		 * ip_vs_<sched> by itself when a service names that scheduler.
		 */
		err = kmod_module_probe_insert_module(
			m, KMOD_PROBE_APPLY_BLACKLIST | KMOD_PROBE_IGNORE_COMMAND, NULL, NULL, NULL,
			NULL);
		kmod_module_unref(m);
		if (err != 0)
			break;
	}
	if (!found) {
		err = -ENOENT;
		snprintf(msg, msglen, _("%s was not found in %s"), name, moddir);
	} else if (err > 0) {
		err = -EPERM;
		snprintf(msg, msglen, _("%s is blacklisted in modprobe.d"), name);
	} else if (err == -EPERM || err == -EACCES) {
		snprintf(msg, msglen, _("loading %s needs CAP_SYS_MODULE (run as root)"), name);
	} else if (err < 0) {
		snprintf(msg, msglen, _("cannot load %s: %s"), name, strerror(-err));
	} else {
		snprintf(msg, msglen, _("loaded %s"), name);
	}
out:
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return err;
}
