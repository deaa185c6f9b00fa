/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's own metrics (its /metrics, Prometheus text format) parsed into one struct. */
#ifndef IPVSTOP_KP_METRICS_H
#define IPVSTOP_KP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* Where kube-proxy serves them (--metrics-bind-address, its default). */
#define KP_METRICS_URL "http://127.0.0.1:10249/metrics"

#define KP_METRICS_MAX_BUCKETS 32
#define KP_METRICS_MAX_FAMILIES 4
#define KP_METRICS_MAX_LABELED 16

/* A histogram, its series (one per ip_family in kube-proxy >= 1.31) added together. */
struct kp_histogram {
	bool present;	   /* a _count, _sum or _bucket sample was seen */
	double count, sum; /* syncs and their total seconds */
	size_t n_buckets;
	struct {
		double le;		   /* upper bound, +Inf last */
		double count;		   /* cumulative */
	} buckets[KP_METRICS_MAX_BUCKETS]; /* sorted by le */
};

/* A single value, its series added together; present when at least one was seen. */
struct kp_value {
	bool present;
	double value;
};

/* The sync timestamps of one IP family (the ip_family label; "" when there is none). */
struct kp_family_sync {
	char family[8];		     /* "IPv4", "IPv6", "" */
	struct kp_value last_sync;   /* ..._last_timestamp_seconds: last successful sync (Unix s) */
	struct kp_value last_queued; /* ..._last_queued_timestamp_seconds: last sync requested */
};

/* One series of a labeled gauge: the label that tells them apart, and its value. */
struct kp_labeled {
	char label[32]; /* table (iptables_total) or traffic_policy (no_local_endpoints) */
	char family[8]; /* ip_family, "" when there is none */
	double value;
};

/* What kp_metrics_parse found. Plain data, no pointers: copy it, never free it. */
struct kp_metrics {
	struct kp_histogram sync;	  /* kubeproxy_sync_proxy_rules_duration_seconds */
	struct kp_histogram sync_full;	  /* kubeproxy_sync_full_proxy_rules_duration_seconds */
	struct kp_histogram sync_partial; /* kubeproxy_sync_partial_proxy_rules_duration_seconds */
	struct kp_family_sync fam[KP_METRICS_MAX_FAMILIES];
	size_t n_fam;
	struct kp_value endpoint_changes_pending;	   /* ..._endpoint_changes_pending */
	struct kp_value service_changes_pending;	   /* ..._service_changes_pending */
	struct kp_value endpoint_changes_total;		   /* ..._endpoint_changes_total */
	struct kp_value service_changes_total;		   /* ..._service_changes_total */
	struct kp_value iptables_restore_failures;	   /* ..._iptables_restore_failures_total */
	struct kp_value iptables_partial_restore_failures; /* ..._partial_restore_failures_total */
	struct kp_value nftables_sync_failures;		   /* ..._nftables_sync_failures_total */
	struct kp_value nftables_cleanup_failures;	   /* ..._nftables_cleanup_failures_total */
	/* kubeproxy_sync_proxy_rules_iptables_total: rules kube-proxy owns, by table. */
	struct kp_labeled iptables_rules[KP_METRICS_MAX_LABELED];
	size_t n_iptables_rules;
	/* kubeproxy_sync_proxy_rules_no_local_endpoints_total: Local-policy Services with no
	 * local endpoint, by traffic_policy ("internal", "external"). */
	struct kp_labeled no_local_endpoints[KP_METRICS_MAX_LABELED];
	size_t n_no_local_endpoints;

	size_t n_samples;	/* well-formed sample lines, of any metric */
	size_t n_kube_proxy;	/* of those, the ones kept above */
	size_t n_malformed;	/* lines that are not the format (skipped) */
	size_t first_malformed; /* line number (from 1) of the first; 0 when none */
	size_t n_dropped;	/* kept samples with no room left (buckets, families, labels) */
};

/*
 * Parses text[0..len) (need not be NUL-terminated; any bytes) as the Prometheus text
 * exposition format into *out (zeroed first): # HELP / # TYPE lines and comments, samples
 * with labels (escapes \\ \" \n), values with exponents, NaN and +-Inf, optional
 * timestamps. Malformed lines are skipped and counted. No I/O, no allocation.
 * Returns 0; -EBADMSG when there is at least one line and not one well-formed sample
 * (an HTML error page, a cut reply); -E2BIG beyond 64 MiB.
 */
int kp_metrics_parse(const char *text, size_t len, struct kp_metrics *out);

/* sum / count of a histogram: the mean seconds of a sync; NaN when there was none. */
double kp_histogram_mean(const struct kp_histogram *h);

/*
 * True when a sync has been queued and not done for more than threshold seconds at
 * now_wall (Unix seconds, the clock kube-proxy's timestamps use), in any IP family: the
 * test of kube-proxy's own /healthz (last queued after last synced, and older than the
 * timeout). *wait (may be NULL) gets the longest such wait, or 0.
 */
bool kp_metrics_sync_hung(const struct kp_metrics *m, double now_wall, double threshold,
			  double *wait);

#endif
