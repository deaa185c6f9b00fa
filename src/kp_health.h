/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's health on this node, derived from its /metrics and the IPVS sysctls: pure. */
#ifndef IPVSTOP_KP_HEALTH_H
#define IPVSTOP_KP_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "kp_metrics.h"

/* kube-proxy's default syncPeriod (KubeProxyConfiguration), seconds. */
#define KP_HEALTH_SYNC_PERIOD 30.0
/* A queued sync not done after this long is hung, whatever the period. */
#define KP_HEALTH_HUNG_MIN 60.0

/* What the health says, worked out once from a kp_metrics at a time. Plain data. */
struct kp_health {
	bool have_last_sync;
	double last_sync_age; /* now - the newest last_timestamp_seconds of any family, s */
	bool have_duration;
	double sync_mean;      /* sum / count of kubeproxy_sync_proxy_rules_duration_seconds */
	double sync_count;     /* syncs measured */
	double hung_threshold; /* max(KP_HEALTH_HUNG_MIN, 2 x the sync period), s */
	bool hung;
	double hung_for; /* seconds the oldest unfinished queued sync has waited (0 if none) */
	bool have_pending;
	double endpoint_changes_pending, service_changes_pending;
	/* Cumulative since kube-proxy started: iptables-restore (full and partial), nftables. */
	bool have_failures;
	double failures;
	double restore_failures, partial_restore_failures, nft_sync_failures;
	/* kubeproxy_sync_proxy_rules_iptables_total: every table, and nat alone (-1: none). */
	double iptables_rules, iptables_nat_rules;
	bool warn; /* hung or failures: said as a warning */
};

/*
 * Derives *h from m at now_wall (Unix seconds: kube-proxy's timestamps are wall clock).
 * sync_period: kube-proxy's syncPeriod in seconds (<= 0: KP_HEALTH_SYNC_PERIOD); kube-proxy's
 * own /healthz calls a sync late after 2 x the period.
 */
void kp_health_derive(const struct kp_metrics *m, double now_wall, double sync_period,
		      struct kp_health *h);

/*
 * The compact line the header and the batch text show (translated), into buf:
 * "kube-proxy here: synced 3 s ago in 0.12 s (mean of 261 syncs)", "! kube-proxy sync hung
 * for 95 s ...", "! 3 sync failures". Returns buf.
 */
const char *kp_health_line(const struct kp_health *h, char *buf, size_t len);

/* A kernel release ("6.1.0-27-cloud-amd64") as major and minor; false when not one. */
bool kp_kernel_version(const char *release, int *major, int *minor);

/*
 * net.ipv4.vs.conn_reuse_mode against the kernel. kube-proxy in ipvs mode sets it to 0 on
 * kernels 4.1 up to (not including) 5.9 and leaves it alone on the others (5.9 fixed the
 * 1 s delay that 1 caused with conntrack; torvalds/linux 35dfb013149f).
 */
struct kp_conn_reuse {
	bool known;	   /* the sysctl and the kernel release were read */
	bool kernel_known; /* major and minor were read from the release */
	long value;	   /* the sysctl; -1 unknown (ip_vs not loaded) */
	int major, minor;
	int kube_proxy_sets; /* 0 on 4.1 <= kernel < 5.9, -1 where kube-proxy leaves it alone */
	bool mismatch;
	const char *why; /* static, untranslated (N_() marked): what is wrong, NULL when nothing */
};

/*
 * Fills *out from value (the sysctl, -1 when absent), release (uname's) and whether this
 * node runs kube-proxy in ipvs mode (in another mode IPVS carries no Service: no mismatch).
 * A mismatch in ipvs mode: 4.1 <= kernel < 5.9 with a value other than 0 (kube-proxy did
 * not set it: new connections reusing a port wait 1 s), or 0 on a kernel >= 5.9 (set by hand or by
 * an old kube-proxy: connections reusing a port stay with their old real server, even one at weight
 * 0).
 */
void kp_conn_reuse_check(long value, const char *release, bool ipvs_mode,
			 struct kp_conn_reuse *out);

struct kube_state; /* kube_model.h */
struct snapshot;   /* snapshot.h */

/* True when kube-proxy runs in ipvs mode here: /proxyMode says so, or (unknown) kube-ipvs0. */
bool kp_local_ipvs_mode(const struct kube_state *k);

/*
 * kp_conn_reuse_check of s's net.ipv4.vs.conn_reuse_mode (s may be NULL: unknown), this
 * kernel's release (uname) and k's mode (k may be NULL: not ipvs).
 */
void kp_conn_reuse_of(const struct snapshot *s, const struct kube_state *k,
		      struct kp_conn_reuse *out);

/* The health from k's metrics (kube_sync read them) at now_wall; false when none were read. */
bool kp_health_of(const struct kube_state *k, double now_wall, struct kp_health *h);

/*
 * The whole line for this node (translated) into buf: the health of k's metrics, or why
 * there are none, then cr's mismatch (cr may be NULL). *warn: draw it as a warning (a hung
 * sync, failures, a mismatch, a port that answers badly; not "nothing listens", which is a
 * node without kube-proxy). Returns false, buf empty, when the metrics were never asked for.
 */
bool kp_health_text(const struct kube_state *k, double now_wall, const struct kp_conn_reuse *cr,
		    char *buf, size_t len, bool *warn);

#endif
