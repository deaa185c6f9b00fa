/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every change ipvstop makes, in one place: load kernel modules, switch a virtual service's
 * scheduler, switch kube-proxy's mode or scheduler in its ConfigMap and restart it. Each
 * action says what it will do, asks before every change, verifies, and logs to syslog.
 * The functions block: the dashboard runs them in a thread, the command line directly.
 */
#ifndef IPVSTOP_ACTIONS_H
#define IPVSTOP_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "kube_config.h"
#include "snapshot.h"

/* How an action talks to the person running it. */
struct action_io {
	/* A line of progress or preview (translated). */
	void (*say)(void *arg, bool warn, const char *line);
	/* A yes/no question; true only for yes. Must not return before the person answered. */
	bool (*ask)(void *arg, const char *question);
	/* True when the person gave up waiting (the dashboard quits): long waits stop. May be NULL. */
	bool (*cancelled)(void *arg);
	void *arg;
	bool force; /* go on past a failed preflight (the question still comes) */
};

/* A line through io->say, formatted (the caller translates fmt). */
__attribute__((format(printf, 3, 4))) void action_say(const struct action_io *io, bool warn,
						      const char *fmt, ...);

struct action_env {
	struct kube_config_opts kube;  /* credentials, as for reading */
	const char *node_name;         /* this node */
	const char *modules_dir;       /* NULL: /lib/modules/`uname -r` */
	const char *sysfs;             /* NULL: /sys */
	const char *modules_load_conf; /* "/etc/modules-load.d/ipvs.conf" (a parameter for tests) */
	double rollout_timeout;        /* seconds to follow a kube-proxy restart (0: 180) */
	double dataplane_wait; /* seconds for this node's new data plane after a mode switch (0: 60) */
	bool no_dataplane;     /* --no-dataplane: a mode switch is not verified in this node's rules */
	int agent_port;	       /* the nodes' agents, asked after a mode switch (0: 9774) */
	const char *agent_ca;  /* verify their certificates with this CA; NULL: not */
};

/* What decides whether a change is possible: the dashboard and the command line alike. */
struct action_gate {
	bool readonly;   /* --readonly */
	bool replay;     /* the dashboard shows a recording */
	bool no_netlink; /* the kernel's table is read without netlink (no CAP_NET_ADMIN) */
};

/*
 * Why an action is not possible now, or NULL (the one place that decides). kernel: the
 * action changes the kernel's IPVS table. The text is translated and static.
 */
const char *actions_disabled_reason(const struct action_gate *g, bool kernel);

/*
 * The modules IPVS needs that are not loaded: ip_vs, ip_vs_<sched> for each scheduler in
 * use in s and for extra_sched (may be NULL), nf_conntrack (nf_conntrack_ipv4 before 4.19).
 * names receives up to max names of at most 32 bytes. Returns how many.
 */
size_t actions_missing_modules(const struct snapshot *s, const char *extra_sched,
			       const char *modules_dir, const char *sysfs, char names[][32],
			       size_t max);

/* 'l': loads the missing modules (asking first), then offers to make it permanent. */
int action_load_modules(const struct action_env *env, const struct snapshot *s,
			const char *extra_sched, const struct action_io *io);

/*
 * 's' on a virtual service kube-proxy does not own, or a temporary change on one it does:
 * IPVS_CMD_SET_SERVICE with the whole service and the new scheduler (flags is the scheduler
 * flags to set for sh/mh: IPVS_SVC_SCHED1|2, others kept), then read back to verify.
 */
int action_set_scheduler(const struct action_env *env, const struct ipvs_service *svc,
			 const char *sched, uint32_t sched_flags, const struct action_io *io);

/*
 * --set-scheduler: the service with id's identity (protocol, address, port or fwmark) as the
 * kernel has it now, read over netlink, then action_set_scheduler. Returns 0 or -errno (said:
 * no CAP_NET_ADMIN, no such service).
 */
int action_set_scheduler_of(const struct action_env *env, const struct ipvs_service *id,
			    const char *sched, uint32_t sched_flags, const struct action_io *io);

/*
 * 'm' and the cluster-wide scheduler: sets key ("mode" or "ipvs.scheduler") of kube-proxy's
 * config.conf to value: preflight (for mode ipvs/nftables on this node), RBAC check, the
 * diff, a server-side dry run, the write with the resourceVersion read (409: read again,
 * show the new diff, ask again), the DaemonSet restart (kubectl rollout restart's
 * annotation) and following it node by node until each new pod runs the wanted proxier.
 */
int action_kube_proxy_config(const struct action_env *env, const char *key, const char *value,
			     const struct action_io *io);

/* The schedulers IPVS has (rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh). */
extern const char *const actions_schedulers[];
extern const size_t actions_n_schedulers;

#endif
