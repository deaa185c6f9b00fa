/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The changes ipvstop makes: each previewed, confirmed, verified and written to syslog. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "action_call.h"
#include "action_agents.h"
#include "action_verify.h"
#include "actions.h"
#include "ipvs_nl.h"
#include "kube_http.h"
#include "kube_parse.h"
#include "modules.h"
#include "nls.h"

const char *const actions_schedulers[] = {"rr",    "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
					  "sh",    "sed", "nq", "fo",  "ovf",  "mh"};
const size_t actions_n_schedulers = sizeof(actions_schedulers) / sizeof(actions_schedulers[0]);

void action_say(const struct action_io *io, bool warn, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	io->say(io->arg, warn, line);
}

/* Asks question; on a no, says what (not) happens instead and returns false. */
static bool ask_or_say(const struct action_io *io, const char *question, const char *on_no)
{
	if (io->ask(io->arg, question))
		return true;
	action_say(io, false, "%s", on_no);
	return false;
}

/* Who did it: the person behind sudo when there is one. */
static const char *who(void)
{
	const char *u = getenv("SUDO_USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "?";
}

/* One syslog line per change: who, what, before, after, and how it ended. */
static void audit(const char *what, const char *before, const char *after, const char *result)
{
	openlog("ipvstop", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "user=%s uid=%u action=%s before=%s after=%s result=%s", who(),
	       (unsigned)getuid(), what, before, after, result);
	closelog();
}

const char *actions_disabled_reason(const struct action_gate *g, bool kernel)
{
	if (g->readonly)
		return _("read-only mode (--readonly): no change is made");
	if (g->replay)
		return _("a replay shows a recording: there is nothing to change");
	if (kernel && g->no_netlink)
		return _("changing the kernel needs CAP_NET_ADMIN (run as root)");
	return NULL;
}

/* ---- modules ---- */

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;
	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return true;
	return a > major || (a == major && b >= minor);
}

static void add_name(char names[][32], size_t max, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return;
	if (*n < max)
		snprintf(names[(*n)++], 32, "%s", name);
}

size_t actions_missing_modules(const struct snapshot *s, const char *extra_sched,
			       const char *modules_dir, const char *sysfs, char names[][32],
			       size_t max)
{
	char want[32][32];
	size_t nw = 0, n = 0;
	char buf[32];
	add_name(want, 32, &nw, "ip_vs");
	for (size_t i = 0; s && i < s->n_services; i++) {
		if (!snapshot_service(s, i)->sched[0])
			continue;
		snprintf(buf, sizeof(buf), "ip_vs_%s", snapshot_service(s, i)->sched);
		add_name(want, 32, &nw, buf);
	}
	if (extra_sched && *extra_sched) {
		snprintf(buf, sizeof(buf), "ip_vs_%s", extra_sched);
		add_name(want, 32, &nw, buf);
	}
	/* nf_conntrack_ipv4 was merged into nf_conntrack in Linux 4.19. */
	add_name(want, 32, &nw, kernel_at_least(4, 19) ? "nf_conntrack" : "nf_conntrack_ipv4");
	for (size_t i = 0; i < nw; i++) {
		enum module_state st;
		modules_state(modules_dir, sysfs, want[i], &st);
		if (st != MODULE_LOADED && st != MODULE_BUILTIN)
			add_name(names, max, &n, want[i]);
	}
	return n;
}

int action_load_modules(const struct action_env *env, const struct snapshot *s,
			const char *extra_sched, const struct action_io *io)
{
	char names[32][32], msg[256], list[1024] = "";
	size_t n = actions_missing_modules(s, extra_sched, env->modules_dir, env->sysfs, names, 32);
	if (n == 0) {
		action_say(io, false, "%s", _("Every module IPVS needs here is loaded."));
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(list, ",", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	action_say(io, false, _("Missing: %s"), list);
	action_say(
	    io, false, "%s",
	    _("They are loaded with libkmod as modprobe would, with the modprobe.d blacklist "
	      "applied and no install commands run."));
	if (!ask_or_say(io, _("Load them now?"), _("Cancelled: nothing was loaded.")))
		return -ECANCELED;
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		enum module_state st;
		/* An earlier one may have brought it in as a dependency: that is no change. */
		modules_state(env->modules_dir, env->sysfs, names[i], &st);
		if (st == MODULE_LOADED || st == MODULE_BUILTIN) {
			action_say(io, false, _("%s: already there (loaded as a dependency)"),
				   names[i]);
			continue;
		}
		int err = modules_load(names[i], msg, sizeof(msg));
		action_say(io, err != 0, "%s: %s", names[i], msg);
		audit("load-module", "absent", names[i], err ? strerror(-err) : "loaded");
		if (err)
			failed++;
	}
	if (failed)
		return -EIO;
	const char *conf = env->modules_load_conf ? env->modules_load_conf
						  : "/etc/modules-load.d/ipvs.conf";
	action_say(io, false,
		   _("To load them at every boot, %s can list them (systemd-modules-load)."), conf);
	if (!ask_or_say(io, _("Write that file too?"),
			_("Not written: they stay loaded until the next reboot.")))
		return 0;
	/* Names already in the file stay once; a new file gets a word on where it came from. */
	char have[8192] = "\n";
	FILE *old = fopen(conf, "r");
	if (old) {
		size_t r = fread(have + 1, 1, sizeof(have) - 2, old);
		have[r + 1] = '\0';
		fclose(old);
	}
	FILE *f = fopen(conf, "a");
	if (!f) {
		action_say(io, true, _("Cannot write %s: %s"), conf, strerror(errno));
		return -errno;
	}
	if (!old)
		fprintf(f, "# Written by ipvstop: the modules IPVS needs.\n");
	for (size_t i = 0; i < n; i++) {
		char key[40];
		snprintf(key, sizeof(key), "\n%s\n", names[i]);
		if (!strstr(have, key))
			fprintf(f, "%s\n", names[i]);
	}
	int bad = fclose(f) != 0;
	audit("modules-load.d", "-", list, bad ? "write failed" : "written");
	action_say(io, bad, bad ? _("Writing %s failed.") : _("Written: %s."), conf);
	return bad ? -EIO : 0;
}

/* ---- the scheduler of one virtual service, in the kernel ---- */

static void vs_text(const struct ipvs_service *svc, char *buf, size_t len)
{
	char hp[80], proto[8];
	if (svc->fwmark) {
		snprintf(buf, len, "FWM %u", svc->fwmark);
		return;
	}
	/* As the dashboard writes it: TCP 10.0.0.1:80. */
	snprintf(proto, sizeof(proto), "%s", ipvs_proto_name(svc->protocol));
	for (char *p = proto; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	snprintf(buf, len, "%s %s", proto,
		 ipvs_hostport_str(svc->af, &svc->addr, svc->port, hp, sizeof(hp)));
}

/* "sh", "sh+fallback+port": the scheduler with its flags, for the log and the preview. */
static const char *sched_text(const char *sched, uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", sched, flags & IPVS_SVC_SCHED1 ? "+fallback" : "",
		 flags & IPVS_SVC_SCHED2 ? "+port" : "");
	return buf;
}

int action_set_scheduler(const struct action_env *env, const struct ipvs_service *svc,
			 const char *sched, uint32_t sched_flags, const struct action_io *io)
{
	char name[128], before[64], after[64];
	struct ipvs_nl *nl = NULL;
	const uint32_t sched_mask = IPVS_SVC_SCHED1 | IPVS_SVC_SCHED2 | IPVS_SVC_SCHED3;
	(void)env;
	vs_text(svc, name, sizeof(name));
	struct ipvs_service want = *svc;
	want.dests = NULL;
	want.n_dests = want.cap_dests = 0;
	snprintf(want.sched, sizeof(want.sched), "%s", sched);
	want.flags &= ~sched_mask;
	if (strcmp(sched, "sh") == 0 || strcmp(sched, "mh") == 0)
		want.flags |= sched_flags & (IPVS_SVC_SCHED1 | IPVS_SVC_SCHED2);
	sched_text(svc->sched, svc->flags, before, sizeof(before));
	sched_text(want.sched, want.flags, after, sizeof(after));
	action_say(io, false, _("Virtual service %s: scheduler %s -> %s"), name, before, after);
	action_say(
	    io, false, "%s",
	    _("Persistence, netmask, the other flags and the persistence engine are kept as they "
	      "are."));
	if (!ask_or_say(io, _("Change it now?"), _("Cancelled: the kernel was not changed.")))
		return -ECANCELED;
	int err = ipvs_nl_open(&nl);
	if (!err)
		err = ipvs_nl_set_service(nl, &want);
	if (err) {
		action_say(io, true, _("The kernel refused: %s"),
			   err == -ENOENT ? _("no such scheduler (is ip_vs_<sched> available?)")
			   : err == -EPERM
			       ? _("changing the kernel needs CAP_NET_ADMIN (run as root)")
			       : strerror(-err));
		audit("set-scheduler", before, after, strerror(-err));
		ipvs_nl_close(nl);
		return err;
	}
	/* Read it back: the kernel's word, not ours, says whether it worked (flags too). */
	struct snapshot now;
	memset(&now, 0, sizeof(now));
	err = ipvs_nl_read(nl, &now);
	const struct ipvs_service *got = err ? NULL : snapshot_find_service(&now, svc);
	char seen[64] = "?";
	if (got)
		sched_text(got->sched, got->flags & (IPVS_SVC_SCHED1 | IPVS_SVC_SCHED2), seen,
			   sizeof(seen));
	bool ok = got && strcmp(seen, after) == 0;
	action_say(io, !ok,
		   ok ? _("Done: %s now uses %s.") : _("Not confirmed: %s reads back as %s."), name,
		   seen);
	audit("set-scheduler", before, after, ok ? "done" : "not confirmed");
	snapshot_free(&now);
	ipvs_nl_close(nl);
	return ok ? 0 : -EIO;
}

int action_set_scheduler_of(const struct action_env *env, const struct ipvs_service *id,
			    const char *sched, uint32_t sched_flags, const struct action_io *io)
{
	struct ipvs_nl *nl = NULL;
	struct snapshot s;
	char name[128];
	memset(&s, 0, sizeof(s));
	int err = ipvs_nl_open(&nl);
	if (!err)
		err = ipvs_nl_read(nl, &s);
	ipvs_nl_close(nl);
	const struct ipvs_service *svc = err ? NULL : snapshot_find_service(&s, id);
	if (err == -EPERM || err == -EACCES) {
		action_say(io, true, "%s",
			   _("changing the kernel needs CAP_NET_ADMIN (run as root)"));
	} else if (!svc) {
		vs_text(id, name, sizeof(name));
		action_say(io, true, _("no virtual service %s in the kernel (%s)"), name,
			   err ? strerror(-err) : _("not found"));
		err = err ? err : -ENOENT;
	} else {
		err = action_set_scheduler(env, svc, sched, sched_flags, io);
	}
	snapshot_free(&s);
	return err;
}

/* ---- kube-proxy's ConfigMap and DaemonSet ---- */

#define CM_PATH "/api/v1/namespaces/kube-system/configmaps/kube-proxy"
#define DS_PATH "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy"

/* May this user do it? SelfSubjectAccessReview, as kubectl auth can-i. */
static int can_i(struct kube_http *h, const char *verb, const char *group, const char *resource,
		 const char *ns, const char *name, char *why, size_t len)
{
	/* Built with cJSON so that every value is escaped, whatever its source. */
	cJSON *req = cJSON_CreateObject();
	cJSON *attrs = cJSON_AddObjectToObject(cJSON_AddObjectToObject(req, "spec"),
					       "resourceAttributes");
	bool built = cJSON_AddStringToObject(req, "apiVersion", "authorization.k8s.io/v1") &&
		     cJSON_AddStringToObject(req, "kind", "SelfSubjectAccessReview") &&
		     cJSON_AddStringToObject(attrs, "verb", verb) &&
		     cJSON_AddStringToObject(attrs, "group", group) &&
		     cJSON_AddStringToObject(attrs, "resource", resource) &&
		     cJSON_AddStringToObject(attrs, "namespace", ns) &&
		     cJSON_AddStringToObject(attrs, "name", name);
	char *body = built ? cJSON_PrintUnformatted(req) : NULL;
	cJSON_Delete(req);
	struct call c;
	if (!body || call(h, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			  "application/json", body, &c) != 0) {
		free(body);
		return -ENOMEM;
	}
	free(body);
	int rc = 0;
	if (c.status != 201 && c.status != 200) {
		call_error(&c, why, len);
		rc = -EIO;
	} else {
		cJSON *j = cJSON_Parse(c.body);
		cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "allowed"))) {
			snprintf(why, len, _("not allowed to %s %s/%s in %s"), verb, resource, name, ns);
			rc = -EPERM;
		}
		cJSON_Delete(j);
	}
	call_free(&c);
	return rc;
}

/* The ConfigMap as read: the object (to write back whole), its text and resourceVersion. */
struct cm {
	cJSON *obj;
	char *text;
	struct kube_proxy_config cfg;
};

static void cm_free(struct cm *m)
{
	cJSON_Delete(m->obj);
	free(m->text);
	memset(m, 0, sizeof(*m));
}

static int cm_read(struct kube_http *h, struct cm *m, char *why, size_t len)
{
	struct call c;
	memset(m, 0, sizeof(*m));
	if (call(h, "GET", CM_PATH, NULL, NULL, &c) != 0)
		return -ENOMEM;
	int rc = 0;
	if (c.status != 200) {
		call_error(&c, why, len);
		rc = -EIO;
	} else if (!(m->obj = cJSON_Parse(c.body)) ||
		   (rc = kube_parse_configmap(m->obj, &m->cfg, &m->text)) != 0) {
		if (rc == -E2BIG && m->cfg.too_long)
			snprintf(why, len, _("kube-proxy ConfigMap: %s is too long"), m->cfg.too_long);
		else
			snprintf(why, len, "%s",
				 _("ConfigMap kube-system/kube-proxy has no readable config.conf"));
		rc = -EINVAL;
	}
	call_free(&c);
	if (rc)
		cm_free(m);
	return rc;
}

/* The ConfigMap with config.conf replaced, resourceVersion kept (409 if it moved). */
static char *cm_with_text(const struct cm *m, const char *text)
{
	cJSON *copy = cJSON_Duplicate(m->obj, 1);
	cJSON *data = cJSON_GetObjectItemCaseSensitive(copy, "data");
	if (!copy || !data) {
		cJSON_Delete(copy);
		return NULL;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(data, "config.conf", cJSON_CreateString(text));
	char *out = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	return out;
}

/* Preflight on this node: what kube-proxy needs for a mode, checked before asking. */
static bool preflight(const struct action_env *env, const char *mode, const char *sched,
		      const struct action_io *io)
{
	struct {
		const char *name;
		bool needed;
	} mods[8];
	size_t n = 0;
	char schedmod[32];
	bool ok = true;
	if (strcmp(mode, "ipvs") == 0) {
		snprintf(schedmod, sizeof(schedmod), "ip_vs_%s", sched && *sched ? sched : "rr");
		mods[n++] = (typeof(mods[0])){"ip_vs", true};
		mods[n++] = (typeof(mods[0])){schedmod, true};
		mods[n++] = (typeof(mods[0])){kernel_at_least(4, 19) ? "nf_conntrack"
								 : "nf_conntrack_ipv4", true};
		mods[n++] = (typeof(mods[0])){"ip_set", true};
	} else if (strcmp(mode, "nftables") == 0) {
		mods[n++] = (typeof(mods[0])){"nf_tables", true};
		if (!kernel_at_least(5, 13)) {
			action_say(io, true, "%s",
				   _("This kernel is older than 5.13, which kube-proxy's nftables "
				     "mode needs."));
			ok = false;
		}
	}
	for (size_t i = 0; i < n; i++) {
		enum module_state st;
		modules_state(env->modules_dir, env->sysfs, mods[i].name, &st);
		bool good = st == MODULE_LOADED || st == MODULE_BUILTIN;
		action_say(io, !good, "  %-20s %s", mods[i].name,
			   st == MODULE_LOADED	  ? _("loaded")
			   : st == MODULE_BUILTIN ? _("built in")
			   : st == MODULE_AVAILABLE
			       ? _("on disk, not loaded (press l, or modprobe)")
			       : _("MISSING"));
		if (st == MODULE_MISSING)
			ok = false;
	}
	if (n)
		action_say(
		    io, false, "%s",
		    _("Other nodes cannot be checked from here: kube-proxy crash-loops on a node "
		      "whose kernel lacks them (it does not fall back)."));
	return ok;
}

/* The restart annotation's value: the time now, as kubectl rollout restart writes it. */
static void now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct node_seen {
	char node[128];
	char pod[128];
	bool ready, reported, crash_reported;
};

/* What following a restart saw, over every poll. */
struct rollout {
	struct node_seen seen[64];
	size_t n_seen;
	const char *want_mode; /* the proxier each new pod must log ("iptables" for ""), or NULL */
	bool crashed;
	char crash_node[128]; /* the first node whose new pod crash-loops */
};

#define PODS_PATH "/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-proxy"

/* The names of the kube-proxy pods now, "\n"-separated (owned), or NULL. */
static char *pod_names(struct kube_http *h)
{
	struct call c;
	if (call(h, "GET", PODS_PATH, NULL, NULL, &c) != 0)
		return NULL;
	cJSON *list = c.status == 200 ? cJSON_Parse(c.body) : NULL;
	call_free(&c);
	size_t cap = 2, len = 0;
	char *out = calloc(1, cap + 1);
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(item, "metadata"), "name");
		if (!out || !cJSON_IsString(n))
			continue;
		size_t l = strlen(n->valuestring);
		char *p = realloc(out, cap + l + 2);
		if (!p)
			break;
		out = p;
		cap += l + 2;
		len += (size_t)sprintf(out + len, "\n%s\n", n->valuestring) - 1;
	}
	cJSON_Delete(list);
	return out;
}

static bool name_in(const char *names, const char *name)
{
	char key[300];
	snprintf(key, sizeof(key), "\n%s\n", name);
	return names && strstr(names, key);
}

/* The entry for a new pod, made on first sight (NULL past 64 pods). */
static struct node_seen *rollout_entry(struct rollout *r, const struct kube_proxy_pod *p)
{
	for (size_t i = 0; i < r->n_seen; i++)
		if (strcmp(r->seen[i].pod, p->name) == 0)
			return &r->seen[i];
	if (r->n_seen >= 64)
		return NULL;
	struct node_seen *ns = &r->seen[r->n_seen++];
	memset(ns, 0, sizeof(*ns));
	snprintf(ns->pod, sizeof(ns->pod), "%s", p->name);
	snprintf(ns->node, sizeof(ns->node), "%s", p->node ? p->node : "?");
	return ns;
}

/* A new pod in CrashLoopBackOff: named once, with its last log lines. */
static void rollout_crash(struct kube_http *h, struct rollout *r, struct node_seen *ns,
			  const struct kube_proxy_pod *p, const struct action_io *io)
{
	char path[512];
	struct call c;
	ns->crash_reported = true;
	if (!r->crashed)
		snprintf(r->crash_node, sizeof(r->crash_node), "%s", ns->node);
	r->crashed = true;
	action_say(io, true, _("Node %s: %s is in CrashLoopBackOff. Its last words:"), ns->node,
		   p->name);
	snprintf(path, sizeof(path), "/api/v1/namespaces/kube-system/pods/%s/log?tailLines=8%s",
		 p->name, p->restarts ? "&previous=true" : "");
	if (call(h, "GET", path, NULL, NULL, &c) == 0 && c.status == 200) {
		char *save = NULL;
		for (char *l = strtok_r(c.body, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			action_say(io, true, "    %s", l);
	}
	call_free(&c);
}

/* A new pod ready: its log's proxier, said once it is known, against the wanted one. */
static void rollout_ready(struct kube_http *h, const struct rollout *r, struct node_seen *ns,
			  const struct kube_proxy_pod *p, const struct action_io *io)
{
	char mode[16] = "";
	char path[512];
	struct call c;
	snprintf(path, sizeof(path), "/api/v1/namespaces/kube-system/pods/%s/log?limitBytes=262144",
		 p->name);
	if (call(h, "GET", path, NULL, NULL, &c) == 0 && c.status == 200)
		kube_parse_proxier_log(c.body, c.len, mode);
	call_free(&c);
	bool good = !r->want_mode || strcmp(mode, r->want_mode) == 0;
	if (good || mode[0]) {
		ns->reported = true;
		action_say(io, !good, _("Node %s: %s ready, its log says: %s"), ns->node, p->name,
			   mode[0] ? mode : "?");
	}
	ns->ready = good;
}

/*
 * One look at the kube-proxy pods: *total receives how many are new (not in before), *done
 * how many of those run the wanted proxier. Returns 0, or -ENOMEM.
 */
static int rollout_poll(struct kube_http *h, struct rollout *r, const char *before,
			const struct action_io *io, size_t *total, size_t *done)
{
	struct call c;
	if (call(h, "GET", PODS_PATH, NULL, NULL, &c) != 0)
		return -ENOMEM;
	cJSON *list = c.status == 200 ? cJSON_Parse(c.body) : NULL;
	call_free(&c);
	*total = *done = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
	{
		struct kube_proxy_pod p;
		if (kube_parse_proxy_pod(item, &p) != 0)
			continue;
		/* Pods from before the restart are on their way out (no clocks compared). */
		if (!name_in(before, p.name)) {
			(*total)++;
			struct node_seen *ns = rollout_entry(r, &p);
			if (ns && strcmp(p.waiting_reason, "CrashLoopBackOff") == 0 &&
			    !ns->crash_reported)
				rollout_crash(h, r, ns, &p, io);
			if (ns && p.ready && !ns->reported)
				rollout_ready(h, r, ns, &p, io);
			if (ns && ns->ready)
				(*done)++;
		}
		kube_proxy_pod_free(&p);
	}
	cJSON_Delete(list);
	return 0;
}

/* How many kube-proxy pods the DaemonSet wants (0: unknown). */
static unsigned desired_pods(struct kube_http *h)
{
	struct call c;
	if (call(h, "GET", DS_PATH, NULL, NULL, &c) != 0)
		return 0;
	struct kube_daemonset ds;
	cJSON *dsj = c.status == 200 ? cJSON_Parse(c.body) : NULL;
	bool have = dsj && kube_parse_daemonset(dsj, &ds) == 0;
	cJSON_Delete(dsj);
	call_free(&c);
	return have ? ds.desired : 0;
}

/*
 * Follows the restart: each node's new pod (one not there before it) ready and, for a mode,
 * its log's proxier (r->want_mode). Returns 0 when every node runs it, -EIO when a new pod
 * crash-loops (r->crash_node), -ETIMEDOUT, -ECANCELED or -ENOMEM.
 */
static int follow_rollout(const struct action_env *env, struct kube_http *h, const char *before,
			  struct rollout *r, const struct action_io *io)
{
	double limit = env->rollout_timeout > 0 ? env->rollout_timeout : 180;
	time_t start = time(NULL);
	while (difftime(time(NULL), start) < limit) {
		size_t total, done;
		if (io->cancelled && io->cancelled(io->arg)) {
			action_say(io, true, "%s",
				   _("Stopped following the rollout; it goes on without us."));
			return -ECANCELED;
		}
		if (rollout_poll(h, r, before, io, &total, &done) != 0)
			return -ENOMEM;
		/* Every node: the DaemonSet's own count says how many pods there should be. */
		unsigned desired = desired_pods(h);
		if (desired > 0 && done >= desired && total >= desired) {
			action_say(io, false,
				   _("Rollout complete: %zu of %u nodes run the new kube-proxy."),
				   done, desired);
			return 0;
		}
		if (r->crashed)
			return -EIO;
		sleep(1);
	}
	action_say(io, true,
		   _("The rollout did not complete in %.0f s; see kubectl -n kube-system "
		     "rollout status ds/kube-proxy."),
		   limit);
	return -ETIMEDOUT;
}

static int restart_daemonset(struct kube_http *h, const char *when, const struct action_io *io)
{
	char why[512];
	struct call c;
	/* kubectl rollout restart's patch, built with cJSON (the value escaped). */
	cJSON *patch = cJSON_CreateObject();
	cJSON *ann = cJSON_AddObjectToObject(
		cJSON_AddObjectToObject(
			cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "spec"), "template"),
			"metadata"),
		"annotations");
	char *body = cJSON_AddStringToObject(ann, "kubectl.kubernetes.io/restartedAt", when)
			     ? cJSON_PrintUnformatted(patch)
			     : NULL;
	cJSON_Delete(patch);
	if (!body || call(h, "PATCH", DS_PATH "?fieldManager=ipvstop",
			  "application/strategic-merge-patch+json", body, &c) != 0) {
		free(body);
		return -ENOMEM;
	}
	free(body);
	int rc = 0;
	if (c.status != 200) {
		call_error(&c, why, sizeof(why));
		action_say(io, true, _("Restarting DaemonSet kube-system/kube-proxy failed: %s"),
			   why);
		rc = -EIO;
	} else {
		action_say(io, false,
			   _("DaemonSet kube-system/kube-proxy restarted (restartedAt %s)."), when);
	}
	audit("restart-kube-proxy", "-", when, rc ? why : "patched");
	call_free(&c);
	return rc;
}

/*
 * A value of config.conf as people, logs and kube-proxy itself name it: an empty mode
 * (kubeadm writes mode: "") or a missing mode: is iptables, an empty scheduler is rr.
 */
static const char *kp_value_name(bool is_mode, const char *value)
{
	return value && *value ? value : is_mode ? "iptables" : "rr";
}

/* One switch of kube-proxy's config.conf, from the first read to the end of its rollout. */
struct kp_switch {
	const struct action_env *env;
	struct kube_http *h;
	const char *key; /* "mode" or "ipvs.scheduler" */
	bool is_mode;
	int minor;        /* Kubernetes' minor version, 0 unknown */
	char version[32]; /* "1.35", or "" */

	/* Filled by kp_write: */
	char old_raw[64]; /* the value as it was written before ("" for kubeadm's default) */
	char *old_text;   /* owned: config.conf before the write */
	char *new_text;   /* owned: config.conf as written */
	struct rollout rollout;
};

static void kp_switch_reset(struct kp_switch *s)
{
	free(s->old_text);
	free(s->new_text);
	s->old_text = s->new_text = NULL;
	memset(&s->rollout, 0, sizeof(s->rollout));
}

/* The rights a switch needs, checked before any preview. Returns 0 or -errno (said). */
static int kp_rights(struct kp_switch *s, const struct action_io *io)
{
	char err[512];
	if (can_i(s->h, "update", "", "configmaps", "kube-system", "kube-proxy", err, sizeof(err)) ||
	    can_i(s->h, "patch", "apps", "daemonsets", "kube-system", "kube-proxy", err,
		  sizeof(err))) {
		action_say(io, true, _("Not possible with these credentials: %s"), err);
		return -EPERM;
	}
	return 0;
}

static void kp_read_version(struct kp_switch *s)
{
	struct call vc;
	if (call(s->h, "GET", "/version", NULL, NULL, &vc) == 0 && vc.status == 200)
		kube_parse_version(vc.body, vc.len, s->version, sizeof(s->version), &s->minor);
	call_free(&vc);
}

/* The first read's words: old -> new, the preflight on this node. Returns 0 or -EPERM. */
static int kp_announce(struct kp_switch *s, const struct cm *m, const char *value,
		       const struct action_io *io)
{
	const char *old = kp_value_name(s->is_mode, s->old_raw);
	action_say(
	    io, false,
	    _("kube-proxy %s: %s -> %s (ConfigMap kube-system/kube-proxy, resourceVersion %s)"),
	    s->is_mode ? _("mode") : _("IPVS scheduler"), old, kp_value_name(s->is_mode, value),
	    m->cfg.resource_version);
	if (s->is_mode && !preflight(s->env, value, m->cfg.scheduler, io)) {
		action_say(io, true, "%s",
			   io->force
			       ? _("Preflight failed; going on because of --force.")
			       : _("Preflight failed: not switching (kube-proxy would crash-loop "
				   "instead of falling back). Use --force to override."));
		if (!io->force)
			return -EPERM;
	}
	if (s->is_mode && strcmp(value, "ipvs") == 0 && !m->cfg.strict_arp)
		action_say(io, false, "%s",
			   _("Note: MetalLB's L2 mode and similar need ipvs.strictARP: true."));
	return 0;
}

/*
 * The new config.conf for m's text (owned, in *out): restore's bytes when the text is still
 * the one this run wrote (a switch back puts back exactly what was there), else the edit of
 * key to value. Returns 0 or -errno.
 */
static int kp_new_text(const struct kp_switch *s, const struct cm *m, const char *value,
		       const char *restore, const char *wrote, char **out)
{
	*out = NULL;
	if (restore && wrote && strcmp(m->text, wrote) == 0)
		return (*out = strdup(restore)) ? 0 : -ENOMEM;
	return kube_proxy_conf_set(m->text, s->key, value, out);
}

/* The diff, indented; for a mode, what an empty one means. */
static void kp_show_diff(const struct kp_switch *s, char *diff, const char *value,
			 const struct action_io *io)
{
	action_say(io, false, "%s", _("The change to config.conf:"));
	char *save = NULL;
	for (char *l = strtok_r(diff, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		action_say(io, false, "    %s", l);
	if (s->is_mode && !value[0])
		action_say(io, false, "%s",
			   _("(An empty mode is kube-proxy's default on Linux: iptables.)"));
}

/* The API server validates body first, without storing it. Returns 0 or -EIO (said). */
static int kp_dry_run(struct kp_switch *s, const char *body, const struct action_io *io)
{
	char err[512];
	struct call c;
	if (call(s->h, "PUT", CM_PATH "?dryRun=All&fieldManager=ipvstop", "application/json", body,
		 &c) != 0)
		return -ENOMEM;
	int rc = 0;
	if (c.status != 200) {
		call_error(&c, err, sizeof(err));
		action_say(io, true, _("The API server's dry run refused it: %s"), err);
		rc = -EIO;
	} else {
		action_say(io, false, "%s", _("Dry run accepted by the API server."));
	}
	call_free(&c);
	return rc;
}

/* The write. Returns 0, -EAGAIN on 409 Conflict (read again), or -errno (said, audited). */
static int kp_put(struct kp_switch *s, const char *body, const char *value,
		  const struct action_io *io)
{
	char err[512];
	struct call c;
	const char *what = s->is_mode ? "kube-proxy-mode" : "kube-proxy-scheduler";
	const char *before = kp_value_name(s->is_mode, s->old_raw);
	const char *after = kp_value_name(s->is_mode, value);
	if (call(s->h, "PUT", CM_PATH "?fieldManager=ipvstop", "application/json", body, &c) != 0)
		return -ENOMEM;
	int rc = 0;
	if (c.status == 409) {
		action_say(
		    io, true, "%s",
		    _("Someone changed the ConfigMap meanwhile (409 Conflict): reading it again."));
		rc = -EAGAIN;
	} else if (c.status != 200) {
		call_error(&c, err, sizeof(err));
		action_say(io, true, _("Writing the ConfigMap failed: %s"), err);
		audit(what, before, after, err);
		rc = -EIO;
	} else {
		audit(what, before, after, "written");
		action_say(io, false, "%s", _("ConfigMap written."));
	}
	call_free(&c);
	return rc;
}

/* After the write: the DaemonSet restart, followed node by node. */
static int kp_restart(struct kp_switch *s, const char *value, const struct action_io *io)
{
	char when[40];
	now_rfc3339(when, sizeof(when));
	char *before = pod_names(s->h);
	int rc = restart_daemonset(s->h, when, io);
	if (rc == 0) {
		memset(&s->rollout, 0, sizeof(s->rollout));
		s->rollout.want_mode = s->is_mode ? kp_value_name(true, value) : NULL;
		rc = follow_rollout(s->env, s->h, before, &s->rollout, io);
	}
	free(before);
	return rc;
}

/*
 * One attempt on the ConfigMap as read now: edit, diff, dry run, ask, write. Returns 0 when
 * written (s->old_text, s->new_text set), 1 when there is nothing to change, -EAGAIN to read
 * again, or -errno.
 */
static int kp_attempt(struct kp_switch *s, const struct cm *m, const char *value,
		      const char *restore, const char *wrote, const struct action_io *io)
{
	char *newtext = NULL, *diff = NULL, *body = NULL;
	if (!restore && s->is_mode && strcmp(s->old_raw, value) != 0 &&
	    strcmp(kp_value_name(true, s->old_raw), kp_value_name(true, value)) == 0) {
		/* mode: "" or no mode: against "iptables": the same mode, no restart. */
		action_say(io, false,
			   _("config.conf already means %s (an empty or missing mode is "
			     "iptables): nothing to change."),
			   kp_value_name(true, value));
		return 1;
	}
	int rc = kp_new_text(s, m, value, restore, wrote, &newtext);
	if (rc == 0 && kube_proxy_conf_diff(m->text, newtext, &diff) != 0)
		rc = -EINVAL;
	if (rc != 0) {
		action_say(io, true, "%s",
			   _("config.conf cannot be edited safely (not block YAML?)."));
		rc = -EIO;
	} else if (!diff[0]) {
		action_say(io, false, "%s", _("config.conf already says so: nothing to change."));
		rc = 1;
	} else {
		kp_show_diff(s, diff, value, io);
		body = cm_with_text(m, newtext);
		rc = body ? kp_dry_run(s, body, io) : -ENOMEM;
		if (rc == 0 && !ask_or_say(io, _("Write it and restart kube-proxy on every node?"),
					   _("Cancelled: nothing was changed.")))
			rc = -ECANCELED;
		if (rc == 0)
			rc = kp_put(s, body, value, io);
		if (rc == 0) {
			s->old_text = strdup(m->text);
			s->new_text = newtext;
			newtext = NULL;
		}
	}
	free(newtext);
	free(diff);
	free(body);
	return rc;
}

/*
 * Sets s->key to value (restore: the bytes to put back if the text is still wrote, for a
 * switch back), restarts kube-proxy and follows it. Returns 0, or -errno; a crash loop is
 * -EIO with s->rollout.crashed.
 */
static int kp_write(struct kp_switch *s, const char *value, const char *restore,
		    const char *wrote, const struct action_io *io)
{
	char err[512];
	kp_switch_reset(s);
	for (int attempt = 0; attempt < 3; attempt++) {
		struct cm m;
		if (cm_read(s->h, &m, err, sizeof(err)) != 0) {
			action_say(io, true,
				   _("Reading ConfigMap kube-system/kube-proxy failed: %s"), err);
			return -EIO;
		}
		snprintf(s->old_raw, sizeof(s->old_raw), "%s",
			 s->is_mode ? m.cfg.mode : m.cfg.scheduler);
		int rc = attempt == 0 ? kp_announce(s, &m, value, io) : 0;
		if (rc == 0)
			rc = kp_attempt(s, &m, value, restore, wrote, io);
		cm_free(&m);
		if (rc == -EAGAIN)
			continue;
		if (rc == 1)
			return 0;
		return rc ? rc : kp_restart(s, value, io);
	}
	action_say(io, true, "%s", _("The ConfigMap kept changing: giving up after three tries."));
	return -EIO;
}

/* The words after a mode switch: what stays behind, and where to go from 1.35 on. */
static void kp_after_mode(const struct kp_switch *s, const char *value,
			  const struct action_io *io)
{
	const char *old = kp_value_name(true, s->old_raw);
	const char *now = kp_value_name(true, value);
	if (strcmp(old, "ipvs") == 0 && strcmp(now, "ipvs") != 0)
		action_say(io, false, "%s",
			   _("IPVS virtual services and the kube-ipvs0 interface stay on each node "
			     "until kube-proxy --cleanup runs there or the node reboots."));
	if (s->minor >= 35 && strcmp(now, "nftables") != 0)
		action_say(io, false, "%s",
			   _("On Kubernetes 1.35 and later, nftables is the mode to move to."));
}

/*
 * The switch rolled out: where ipvstop runs on one of the cluster's nodes, its new data plane
 * is read until it carries the Services (action_verify.c). Returns 0 or -errno (said).
 */
static int kp_verify_here(const struct kp_switch *s, const char *mode, const struct action_io *io)
{
	char host[256] = "";
	const char *node = s->env->node_name;
	if (!node || !*node)
		node = gethostname(host, sizeof(host) - 1) == 0 ? host : "";
	if (s->env->no_dataplane || !*node)
		return 0;
	for (size_t i = 0; i < s->rollout.n_seen; i++)
		if (strcmp(s->rollout.seen[i].node, node) == 0)
			return action_verify_dataplane(s->h, s->env, mode, node, io);
	action_say(io, false,
		   _("This machine (%s) runs no kube-proxy pod: its rules are not checked."), node);
	return 0;
}

/*
 * A new mode crash-loops on a node: offer the way back, to exactly the text there was. A
 * switch undone is still a failure (-EIO): the last lines say what happened.
 */
static int kp_switch_back(struct kp_switch *s, const char *value, const struct action_io *io)
{
	char q[256], node[128], old_raw[64];
	/* Copies: the switch back reads the ConfigMap again into s. */
	snprintf(node, sizeof(node), "%s", s->rollout.crash_node);
	snprintf(old_raw, sizeof(old_raw), "%s", s->old_raw);
	const char *to = kp_value_name(true, old_raw);
	snprintf(q, sizeof(q), _("kube-proxy crash-loops on %s. Switch back to %s?"), node, to);
	if (!io->ask(io->arg, q)) {
		action_say(io, true,
			   _("The switch to %s failed on %s; not switched back: kube-proxy still "
			     "crash-loops there."),
			   value, node);
		return -EIO;
	}
	struct action_io again = *io;
	again.force = true; /* the old mode ran before */
	char *restore = s->old_text, *wrote = s->new_text;
	s->old_text = s->new_text = NULL;
	int rc = kp_write(s, old_raw, restore, wrote, &again);
	free(restore);
	free(wrote);
	if (s->new_text)
		kp_after_mode(s, old_raw, io);
	if (rc == 0)
		action_say(
		    io, true,
		    _("The switch to %s failed on %s; switched back to %s: every node runs %s."),
		    value, node, to, to);
	else
		action_say(io, true,
			   _("The switch to %s failed on %s, and the switch back to %s did not "
			     "complete either."),
			   value, node, to);
	return -EIO;
}

int action_kube_proxy_config(const struct action_env *env, const char *key, const char *value,
			     const struct action_io *io)
{
	struct kube_credentials cred;
	char err[512];
	if (kube_config_load(&env->kube, &cred, err, sizeof(err)) != 0) {
		action_say(io, true, _("No Kubernetes credentials: %s"), err);
		return -ENOENT;
	}
	/*
	 * This thread's own client, used one request at a time: the steps are sequential, each
	 * waits for the last, and the dashboard's kube_sync client stays free for its watches.
	 */
	struct kp_switch s = {.env = env, .key = key, .is_mode = strcmp(key, "mode") == 0};
	s.h = kube_http_new(&cred, err, sizeof(err));
	int rc = s.h ? kp_rights(&s, io) : -EIO;
	if (!s.h)
		action_say(io, true, "%s", err);
	if (rc == 0) {
		kp_read_version(&s);
		if (s.is_mode && s.minor >= 35 && strcmp(value, "ipvs") == 0)
			action_say(io, true,
				   _("Kubernetes %s: IPVS mode is deprecated from 1.35 (KEP-5495); "
				     "nftables "
				     "is the recommended successor."),
				   s.version);
		rc = kp_write(&s, value, NULL, NULL, io);
		if (rc == -EIO && s.rollout.crashed && s.is_mode &&
		    strcmp(kp_value_name(true, s.old_raw), kp_value_name(true, value)) != 0)
			rc = kp_switch_back(&s, kp_value_name(true, value), io);
		else if (s.is_mode && s.new_text)
			kp_after_mode(&s, value, io);
		if (rc == 0 && s.is_mode && s.new_text)
			rc = kp_verify_here(&s, kp_value_name(true, value), io);
		if (rc == 0 && s.is_mode && s.new_text && !env->no_dataplane)
			rc = action_verify_agents(s.h, env, kp_value_name(true, value), io);
	}
	kp_switch_reset(&s);
	kube_http_free(s.h);
	kube_credentials_free(&cred);
	return rc;
}
