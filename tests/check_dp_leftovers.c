/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dp_leftovers: each running mode against a node holding every mode's state. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_main.h"
#include "dp_leftovers.h"
#include "output_dp_leftovers.h"
#include "sample.h"

/* ------------------------------------------------------------------ the node */

/*
 * A node mid-migration: 5 virtual services (3 of them kube-proxy's: the join's owners say
 * so), kube-ipvs0 with 2 addresses, 3 KUBE- sets (one full) and 1 KUBE-6- set, iptables
 * rules in both backends (nft: 40 rules, 6 frontends; legacy: 12 rules, none), and the
 * nftables tables (100 rules, 15 frontends).
 */
struct node {
	struct snapshot s;
	struct dataplane *dp;
	struct kube_vs_owner owners[5];
	struct kube_join j;
};

static void node_init(struct node *n)
{
	memset(n, 0, sizeof(*n));
	sample_add_v4(&n->s, "10.96.0.10", 53, IPPROTO_UDP);
	sample_add_v4(&n->s, "10.96.0.1", 443, IPPROTO_TCP);
	sample_add_v4(&n->s, "192.0.2.80", 80, IPPROTO_TCP); /* by hand */
	sample_add_v4(&n->s, "10.0.2.15", 30080, IPPROTO_TCP);
	sample_add_v4(&n->s, "198.51.100.7", 8443, IPPROTO_TCP); /* by hand */
	static const int32_t owner_of[5] = {0, 1, -1, 2, -1};
	for (int i = 0; i < 5; i++)
		n->owners[i].service = owner_of[i];
	n->j.owners = n->owners;
	n->j.n_owners = 5;

	n->dp = dataplane_new();
	ck_assert_ptr_nonnull(n->dp);
	struct dataplane *dp = n->dp;
	dp->kube_ipvs0_read = true;
	dp->kube_ipvs0.present = true;
	dp->kube_ipvs0.n = 2; /* the count is what is used; no array needed */
	dp->ipsets_read = true;
	dp->ipsets = calloc(4, sizeof(*dp->ipsets));
	ck_assert_ptr_nonnull(dp->ipsets);
	static const char *const sets[4] = {"KUBE-CLUSTER-IP", "KUBE-LOOP-BACK",
					    "KUBE-NODE-PORT-TCP", "KUBE-6-CLUSTER-IP"};
	for (int i = 0; i < 4; i++)
		snprintf(dp->ipsets[i].name, sizeof(dp->ipsets[i].name), "%s", sets[i]);
	dp->ipsets[0].full = true;
	dp->n_ipsets = 4;
	struct dp_plane *p = dp->planes;
	p[DP_IPTABLES_NFT] =
	    (struct dp_plane){.read = true, .present = true, .n_rules = 40, .n_frontends = 6};
	p[DP_IPTABLES_LEGACY] = (struct dp_plane){.read = true, .present = true, .n_rules = 12};
	p[DP_NFTABLES] =
	    (struct dp_plane){.read = true, .present = true, .n_rules = 100, .n_frontends = 15};
}

static void node_free(struct node *n)
{
	dataplane_unref(n->dp);
	snapshot_free(&n->s);
}

/* The node of node_init judged against mode, with its join. */
static void judge_node(struct node *n, enum dp_mode mode, struct dp_leftovers *lo)
{
	node_init(n);
	dp_leftovers_find(n->dp, &n->s, &n->j, mode, lo);
}

static const struct dp_leftover *E(const struct dp_leftovers *lo, enum dp_leftover_what w)
{
	return &lo->e[w];
}

/* ------------------------------------------------------------------ modes */

START_TEST(test_mode_names)
{
	ck_assert_int_eq(dp_mode_parse("ipvs"), DP_MODE_IPVS);
	ck_assert_int_eq(dp_mode_parse("iptables"), DP_MODE_IPTABLES);
	ck_assert_int_eq(dp_mode_parse("nftables"), DP_MODE_NFTABLES);
	ck_assert_int_eq(dp_mode_parse("?"), DP_MODE_UNKNOWN);
	ck_assert_int_eq(dp_mode_parse(""), DP_MODE_UNKNOWN);
	ck_assert_int_eq(dp_mode_parse(NULL), DP_MODE_UNKNOWN);
	ck_assert_int_eq(dp_mode_parse("kernelspace"), DP_MODE_UNKNOWN);
	ck_assert_str_eq(dp_mode_name(DP_MODE_NFTABLES), "nftables");
	ck_assert_ptr_null(dp_mode_name(DP_MODE_UNKNOWN));
	ck_assert_str_eq(dp_leftover_name(DPL_IPSETS_V6), "ipsets-v6");
	ck_assert_str_eq(dp_leftover_name(DPL_IPTABLES_LEGACY), "iptables-legacy");
}
END_TEST

/* /proxyMode first; else this node's kube-proxy pod log; never the configured mode. */
START_TEST(test_mode_from_view)
{
	char w1[] = "worker-1", w2[] = "worker-2";
	struct kube_proxy_pod pods[2] = {{.node = w2}, {.node = w1}};
	snprintf(pods[0].log_mode, sizeof(pods[0].log_mode), "iptables");
	snprintf(pods[1].log_mode, sizeof(pods[1].log_mode), "ipvs");
	struct kube_state k = {.enabled = true, .proxies = pods, .n_proxies = 2};
	snprintf(k.config.mode, sizeof(k.config.mode), "nftables");
	k.config.known = true;
	snprintf(k.local_node, sizeof(k.local_node), "worker-1");
	struct kube_view kv = {.k = &k, .node_name = "worker-1"};
	const char *from = "x";

	ck_assert_int_eq(dp_leftovers_mode(&kv, &from), DP_MODE_IPVS);
	ck_assert_str_eq(from, "log");
	snprintf(k.local_mode, sizeof(k.local_mode), "nftables");
	ck_assert_int_eq(dp_leftovers_mode(&kv, &from), DP_MODE_NFTABLES);
	ck_assert_str_eq(from, "proxyMode");
	/* Another node's pod says nothing about this one; "?" is an unreadable log. */
	k.local_mode[0] = '\0';
	snprintf(pods[1].log_mode, sizeof(pods[1].log_mode), "?");
	ck_assert_int_eq(dp_leftovers_mode(&kv, &from), DP_MODE_UNKNOWN);
	ck_assert_ptr_null(from);
	ck_assert_int_eq(dp_leftovers_mode(NULL, &from), DP_MODE_UNKNOWN);
	ck_assert_ptr_null(from);
}
END_TEST

/* ------------------------------------------------------------------ judging */

/* kube-proxy now runs nftables: every ipvs and iptables thing is a leftover. */
START_TEST(test_running_nftables)
{
	struct node n;
	struct dp_leftovers lo;
	judge_node(&n, DP_MODE_NFTABLES, &lo);
	ck_assert_int_eq(lo.n_present, 7);
	ck_assert_int_eq(lo.n_leftover, 6);
	const struct dp_leftover *v = E(&lo, DPL_IPVS_SERVICES);
	ck_assert(v->present && v->leftover && !v->not_known);
	ck_assert_uint_eq(v->count, 3);
	ck_assert_uint_eq(v->not_kube_proxy, 2); /* the cleanup flushes these too */
	ck_assert(v->cleaned_at_start);		 /* nftables mode ran the ipvs cleanup */
	ck_assert(E(&lo, DPL_KUBE_IPVS0)->leftover);
	ck_assert_uint_eq(E(&lo, DPL_KUBE_IPVS0)->count, 2);
	ck_assert_uint_eq(E(&lo, DPL_IPSETS)->count, 3);
	ck_assert_uint_eq(E(&lo, DPL_IPSETS)->full, 1);
	ck_assert_int_eq(E(&lo, DPL_IPSETS)->cleanup, DPC_KUBE_PROXY);
	ck_assert_uint_eq(E(&lo, DPL_IPSETS_V6)->count, 1);
	ck_assert_int_eq(E(&lo, DPL_IPSETS_V6)->cleanup, DPC_BY_HAND);
	ck_assert(!E(&lo, DPL_IPSETS_V6)->cleaned_at_start);
	ck_assert(E(&lo, DPL_IPTABLES_NFT)->leftover && E(&lo, DPL_IPTABLES_NFT)->cleaned_at_start);
	ck_assert_uint_eq(E(&lo, DPL_IPTABLES_NFT)->count, 40);
	ck_assert_uint_eq(E(&lo, DPL_IPTABLES_NFT)->frontends, 6);
	/* ipvs mode's own chains (no frontend) are still not nftables mode's: a leftover */
	ck_assert(E(&lo, DPL_IPTABLES_LEGACY)->leftover);
	const struct dp_leftover *nft = E(&lo, DPL_NFTABLES);
	ck_assert(nft->present && !nft->leftover && !nft->cleaned_at_start);
	ck_assert_int_eq(nft->mode, DP_MODE_NFTABLES);
	node_free(&n);
}
END_TEST

/* ipvs mode: its own iptables chains are not leftovers, iptables mode's (frontends) are. */
START_TEST(test_running_ipvs)
{
	struct node n;
	struct dp_leftovers lo;
	judge_node(&n, DP_MODE_IPVS, &lo);
	ck_assert(!E(&lo, DPL_IPVS_SERVICES)->leftover);
	ck_assert(!E(&lo, DPL_KUBE_IPVS0)->leftover && !E(&lo, DPL_IPSETS)->leftover);
	ck_assert(!E(&lo, DPL_IPSETS_V6)->leftover);
	ck_assert(E(&lo, DPL_IPTABLES_NFT)->leftover);		/* KUBE-SVC-/KUBE-SEP- chains */
	ck_assert(!E(&lo, DPL_IPTABLES_LEGACY)->leftover);	/* KUBE-SERVICES of ipvs mode */
	ck_assert(!E(&lo, DPL_IPTABLES_NFT)->cleaned_at_start); /* ipvs mode never cleans them */
	ck_assert(E(&lo, DPL_NFTABLES)->leftover && E(&lo, DPL_NFTABLES)->cleaned_at_start);
	ck_assert_int_eq(lo.n_leftover, 2);
	node_free(&n);
}
END_TEST

/* iptables mode: ipvs's state stays until kube-proxy --cleanup; nftables' went at start. */
START_TEST(test_running_iptables)
{
	struct node n;
	struct dp_leftovers lo;
	judge_node(&n, DP_MODE_IPTABLES, &lo);
	for (int w = DPL_IPVS_SERVICES; w <= DPL_IPSETS_V6; w++) {
		ck_assert_msg(E(&lo, w)->leftover, "%s", dp_leftover_name(w));
		ck_assert_msg(!E(&lo, w)->cleaned_at_start, "%s", dp_leftover_name(w));
	}
	ck_assert(!E(&lo, DPL_IPTABLES_NFT)->leftover && !E(&lo, DPL_IPTABLES_LEGACY)->leftover);
	ck_assert(E(&lo, DPL_NFTABLES)->leftover && E(&lo, DPL_NFTABLES)->cleaned_at_start);
	node_free(&n);
}
END_TEST

/* Mode unknown: everything present is listed, nothing called a leftover. */
START_TEST(test_mode_unknown)
{
	struct node n;
	struct dp_leftovers lo;
	judge_node(&n, DP_MODE_UNKNOWN, &lo);
	ck_assert_int_eq(lo.n_present, 7);
	ck_assert_int_eq(lo.n_leftover, 0);
	for (int w = 0; w < DPL_N; w++)
		ck_assert(!E(&lo, w)->leftover && !E(&lo, w)->cleaned_at_start);
	node_free(&n);
}
END_TEST

/* Without the cluster's Services: all virtual services counted, the hand-made unknown. */
START_TEST(test_no_join)
{
	struct node n;
	node_init(&n);
	struct dp_leftovers lo;
	dp_leftovers_find(n.dp, &n.s, NULL, DP_MODE_NFTABLES, &lo);
	const struct dp_leftover *v = E(&lo, DPL_IPVS_SERVICES);
	ck_assert(v->leftover && v->not_known);
	ck_assert_uint_eq(v->count, 5);
	/* A join of another table (a stale one) is not trusted either. */
	n.j.n_owners = 4;
	dp_leftovers_find(n.dp, &n.s, &n.j, DP_MODE_NFTABLES, &lo);
	ck_assert(E(&lo, DPL_IPVS_SERVICES)->not_known);
	node_free(&n);
}
END_TEST

/* Only hand-made virtual services: present (the cleanup would flush them), no leftover. */
START_TEST(test_hand_made_only)
{
	struct node n;
	node_init(&n);
	for (int i = 0; i < 5; i++)
		n.owners[i].service = -1;
	struct dp_leftovers lo;
	dp_leftovers_find(NULL, &n.s, &n.j, DP_MODE_NFTABLES, &lo);
	const struct dp_leftover *v = E(&lo, DPL_IPVS_SERVICES);
	ck_assert(v->present && !v->leftover);
	ck_assert_uint_eq(v->count, 0);
	ck_assert_uint_eq(v->not_kube_proxy, 5);
	ck_assert_int_eq(lo.n_present, 1); /* no dataplane read: the IPVS table alone */
	node_free(&n);
}
END_TEST

/* A plane that could not be read is not "present"; nor is an unreadable kube-ipvs0. */
START_TEST(test_read_errors)
{
	struct node n;
	node_init(&n);
	n.dp->planes[DP_NFTABLES].read = false;
	n.dp->kube_ipvs0_error = -EPERM;
	n.dp->n_ipsets = 0;
	struct dp_leftovers lo;
	dp_leftovers_find(n.dp, &n.s, &n.j, DP_MODE_IPTABLES, &lo);
	ck_assert(!E(&lo, DPL_NFTABLES)->present && !E(&lo, DPL_NFTABLES)->leftover);
	ck_assert(!E(&lo, DPL_KUBE_IPVS0)->present && !E(&lo, DPL_IPSETS)->present);
	ck_assert_int_eq(lo.n_present, 3);
	node_free(&n);
}
END_TEST

/* ------------------------------------------------------------------ outputs */

/* What output_dp_leftovers_json (inside an object) or _text writes for lo. */
static char *output_of(const struct dp_leftovers *lo, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	if (json) {
		struct jw w;
		jw_init(&w, f);
		jw_open(&w, NULL, '{');
		output_dp_leftovers_json(&w, lo);
		jw_close(&w, '}');
		ck_assert_int_eq(jw_finish(&w), 0);
	} else {
		output_dp_leftovers_text(f, lo);
	}
	fclose(f);
	return buf;
}

START_TEST(test_json)
{
	struct node n;
	struct dp_leftovers lo;
	judge_node(&n, DP_MODE_NFTABLES, &lo);
	lo.mode_from = "proxyMode";
	char *text = output_of(&lo, true);
	cJSON *doc = cJSON_Parse(text);
	ck_assert_msg(doc != NULL, "%s", text);
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "leftovers_mode")->valuestring, "nftables");
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "leftovers_mode_from")->valuestring, "proxyMode");
	cJSON *a = cJSON_GetObjectItem(doc, "leftovers");
	ck_assert_int_eq(cJSON_GetArraySize(a), 7);
	cJSON *v = cJSON_GetArrayItem(a, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(v, "what")->valuestring, "ipvs-services");
	ck_assert_str_eq(cJSON_GetObjectItem(v, "mode")->valuestring, "ipvs");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(v, "leftover")));
	ck_assert_int_eq(cJSON_GetObjectItem(v, "count")->valueint, 3);
	ck_assert_str_eq(cJSON_GetObjectItem(v, "unit")->valuestring, "virtual_services");
	ck_assert_int_eq(cJSON_GetObjectItem(v, "not_kube_proxy")->valueint, 2);
	ck_assert_str_eq(cJSON_GetObjectItem(v, "cleanup")->valuestring, "kube-proxy --cleanup");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(v, "cleaned_at_start")));
	cJSON *v6 = cJSON_GetArrayItem(a, 3);
	ck_assert_str_eq(cJSON_GetObjectItem(v6, "what")->valuestring, "ipsets-v6");
	ck_assert_str_eq(cJSON_GetObjectItem(v6, "cleanup")->valuestring, "ipset destroy");
	cJSON *nft = cJSON_GetArrayItem(a, 6);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(nft, "leftover")));
	ck_assert_int_eq(cJSON_GetObjectItem(nft, "frontends")->valueint, 15);
	cJSON_Delete(doc);
	free(text);

	/* Unknown mode and no join: nulls, never a made-up number. */
	dp_leftovers_find(n.dp, &n.s, NULL, DP_MODE_UNKNOWN, &lo);
	text = output_of(&lo, true);
	doc = cJSON_Parse(text);
	ck_assert_ptr_nonnull(doc);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(doc, "leftovers_mode")));
	v = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "leftovers"), 0);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(v, "not_kube_proxy")));
	cJSON_Delete(doc);
	free(text);
	node_free(&n);
}
END_TEST

START_TEST(test_text)
{
	struct node n;
	struct dp_leftovers lo;
	judge_node(&n, DP_MODE_NFTABLES, &lo);
	lo.mode_from = "proxyMode";
	char *t = output_of(&lo, false);
	ck_assert_msg(strstr(t, "kube-proxy runs nftables, from its proxyMode"), "%s", t);
	ck_assert_msg(strstr(t, "ipvs-services    LEFTOVER of ipvs mode: kube-proxy's virtual "
				"services: 3; cleaned by kube-proxy --cleanup"),
		      "%s", t);
	ck_assert_msg(strstr(t, "ipsets-v6        LEFTOVER of ipvs mode: sets: 1; kube-proxy's "
				"cleanup leaves it"),
		      "%s", t);
	ck_assert_msg(strstr(t, "nftables         in use: rules: 100, frontends: 15\n"), "%s", t);
	ck_assert_msg(strstr(t, "that are not kube-proxy's: 2\n"), "%s", t);
	ck_assert_msg(strstr(t, "ipvstop never cleans anything"), "%s", t);
	free(t);

	dp_leftovers_find(n.dp, &n.s, &n.j, DP_MODE_UNKNOWN, &lo);
	t = output_of(&lo, false);
	ck_assert_msg(strstr(t, "running mode is unknown"), "%s", t);
	ck_assert_msg(!strstr(t, "LEFTOVER") && !strstr(t, "--cleanup"), "%s", t);
	ck_assert_msg(strstr(t, "kube-ipvs0       ipvs mode: addresses: 2\n"), "%s", t);
	free(t);

	/* Nothing present: nothing said. */
	dp_leftovers_find(NULL, NULL, NULL, DP_MODE_NFTABLES, &lo);
	t = output_of(&lo, false);
	ck_assert_str_eq(t, "");
	free(t);
	node_free(&n);
}
END_TEST

CHECK_MAIN("dp_leftovers", {"modes", 0, {test_mode_names, test_mode_from_view}},
	   {"judging",
	    0,
	    {test_running_nftables, test_running_ipvs, test_running_iptables, test_mode_unknown,
	     test_no_join, test_hand_made_only, test_read_errors}},
	   {"outputs", 0, {test_json, test_text}})
