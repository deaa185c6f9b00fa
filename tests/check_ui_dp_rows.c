/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of ui_dp_rows.c: which data plane the dashboard's services pane shows (from
 * kube-proxy's mode or the planes present), the header's data-plane line, the frontends'
 * filter, order and selection, and the key going through the planes. On a struct ui made
 * here, without a terminal: these functions draw nothing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "kube_model.h"
#include "ui_internal.h"

static struct ui_opts opts;
static struct kube_state ks;
static struct kube_view kv;
static struct ui u;

/* A frontend of plane k at addr:port owned by ns/name:http with neps endpoints. */
static void add_fe(enum dp_plane_kind k, const char *addr, uint16_t port, const char *name,
		   size_t neps)
{
	struct dp_frontend f;
	memset(&f, 0, sizeof(f));
	f.plane = k;
	f.kind = DPF_CLUSTER_IP;
	f.af = AF_INET;
	f.protocol = 6;
	ck_assert_int_eq(inet_pton(AF_INET, addr, f.addr.bytes), 1);
	f.port = port;
	f.svc_namespace = strdup("default");
	f.svc_name = strdup(name);
	f.svc_port = strdup("http");
	for (size_t i = 0; i < neps; i++) {
		struct dp_endpoint e = {.af = AF_INET, .port = 8080, .share = 1.0 / (double)neps};
		char ep[32];
		snprintf(ep, sizeof(ep), "10.244.%u.%zu", port % 250, i + 1);
		ck_assert_int_eq(inet_pton(AF_INET, ep, e.addr.bytes), 1);
		ck_assert_int_eq(dp_frontend_add_endpoint(&f, &e), 0);
	}
	ck_assert_int_eq(dataplane_add(u.cur.dp, &f), 0);
	u.cur.dp->planes[k].read = true;
	u.cur.dp->planes[k].present = true;
}

/* A live dashboard that reads every plane, with a new empty dataplane and no cluster. */
static void setup(void)
{
	memset(&opts, 0, sizeof(opts));
	opts.collect.dataplane = (struct dataplane_opts){true, true, true, true};
	memset(&ks, 0, sizeof(ks));
	memset(&kv, 0, sizeof(kv));
	kv.k = &ks;
	kv.node_name = "worker-1";
	memset(&u, 0, sizeof(u));
	u.opts = &opts;
	u.have = true;
	u.cur.ipvs_available = true;
	u.cur.dp = dataplane_new();
	ck_assert_ptr_nonnull(u.cur.dp);
	for (int k = DP_NFTABLES; k < DP_N_PLANES; k++)
		u.cur.dp->planes[k].read = true;
}

static void teardown(void)
{
	if (u.have_re)
		regfree(&u.re);
	free(u.order);
	free(u.fe_order);
	free(u.fe_drift);
	free(u.conn_rows);
	dataplane_unref(u.cur.dp);
	free(ks.proxies);
}

/* The selected frontend's address:port, "" when none. */
static const char *selected(void)
{
	static char buf[64];
	const struct dp_frontend *f = ui_dp_selected(&u);
	buf[0] = '\0';
	if (f)
		ui_dp_fe_label(f, buf, sizeof(buf));
	return buf;
}

static void header(char *line, char *tail, bool *warn)
{
	ck_assert(ui_dp_header(&u, line, 512, tail, 512, warn));
}

/* ---- which plane ---- */

START_TEST(test_plane_without_mode)
{
	setup();
	/* Only IPVS: the virtual services, as before. */
	ui_rows_refresh(&u);
	ck_assert(!ui_dp_shown(&u));
	ck_assert(!ui_dp_tagged(&u));
	/* kube-proxy's rules in nftables and iptables-nft: the plane with the most. */
	add_fe(DP_IPTABLES_NFT, "10.96.0.1", 443, "kubernetes", 1);
	add_fe(DP_NFTABLES, "10.96.0.1", 443, "kubernetes", 1);
	add_fe(DP_NFTABLES, "10.96.0.10", 53, "kube-dns", 2);
	ui_rows_refresh(&u);
	ck_assert(ui_dp_shown(&u));
	ck_assert_int_eq(u.plane, DP_NFTABLES);
	ck_assert_uint_eq(u.n_fe_order, 2);
	/* The IPVS table is tagged beside them even when it is empty. */
	ck_assert(ui_dp_tagged(&u));
	teardown();
}
END_TEST

START_TEST(test_plane_from_mode)
{
	setup();
	add_fe(DP_NFTABLES, "10.96.0.1", 443, "kubernetes", 1);
	add_fe(DP_NFTABLES, "10.96.0.10", 53, "kube-dns", 2);
	add_fe(DP_IPTABLES_LEGACY, "10.96.0.1", 443, "kubernetes", 1);
	/* kube-proxy says iptables: the backend holding its rules, not the biggest plane. */
	snprintf(ks.local_mode, sizeof(ks.local_mode), "iptables");
	u.kv = &kv;
	ui_rows_refresh(&u);
	ck_assert_int_eq(u.plane, DP_IPTABLES_LEGACY);
	/* Both backends hold them: iptables-nft unless legacy holds more. */
	add_fe(DP_IPTABLES_NFT, "10.96.0.1", 443, "kubernetes", 1);
	ui_rows_refresh(&u);
	ck_assert_int_eq(u.plane, DP_IPTABLES_NFT);
	/* ipvs: the IPVS table, whatever else is there. */
	snprintf(ks.local_mode, sizeof(ks.local_mode), "ipvs");
	ui_rows_refresh(&u);
	ck_assert_int_eq(u.plane, DP_IPVS);
	ck_assert(!ui_dp_shown(&u));
	/* No answer on :10249: what this node's kube-proxy pod logged. */
	ks.local_mode[0] = '\0';
	ks.proxies = calloc(2, sizeof(*ks.proxies));
	ks.n_proxies = 2;
	ks.proxies[0].node = (char *)"worker-2";
	snprintf(ks.proxies[0].log_mode, sizeof(ks.proxies[0].log_mode), "ipvs");
	ks.proxies[1].node = (char *)"worker-1";
	snprintf(ks.proxies[1].log_mode, sizeof(ks.proxies[1].log_mode), "nftables");
	ui_rows_refresh(&u);
	ck_assert_int_eq(u.plane, DP_NFTABLES);
	/* Before the first read of the data planes: the IPVS table. */
	dataplane_unref(u.cur.dp);
	u.cur.dp = NULL;
	ui_rows_refresh(&u);
	ck_assert(!ui_dp_shown(&u));
	ck_assert_uint_eq(u.n_fe_order, 0);
	teardown();
}
END_TEST

/* ---- the header ---- */

START_TEST(test_header)
{
	setup();
	char line[512], tail[512];
	bool warn;
	header(line, tail, &warn);
	ck_assert_str_eq(line, "Data planes: no Service frontends found");
	ck_assert_str_eq(tail, "");
	u.cur.n_services = 3; /* as if the IPVS table had them */
	add_fe(DP_NFTABLES, "10.96.0.1", 443, "kubernetes", 1);
	add_fe(DP_NFTABLES, "10.96.0.10", 53, "kube-dns", 2);
	snprintf(ks.local_mode, sizeof(ks.local_mode), "nftables");
	u.kv = &kv;
	header(line, tail, &warn);
	ck_assert_str_eq(line, "Data planes: ipvs 3 frontends, nftables 2; kube-proxy runs "
			       "nftables; v: show the next");
	/*
	 * The 3 virtual services while kube-proxy runs nftables (no cluster join: all counted
	 * as kube-proxy's) are a leftover of ipvs mode, flagged after what could not be read.
	 */
	header(line, tail, &warn);
	ck_assert_str_eq(tail, "! leftovers of other modes: ipvs-services (K)");
	ck_assert(warn);
	/* What could not be read: a missing capability said once, other reasons each. */
	dataplane_set_error(u.cur.dp, DP_IPTABLES_LEGACY, -EPERM, "iptables-legacy: no");
	u.cur.dp->ipsets_read = true;
	u.cur.dp->ipsets_error = -EPERM;
	header(line, tail, &warn);
	ck_assert_str_eq(tail, "Not read: iptables-legacy, ipsets (no CAP_NET_ADMIN: run as root)"
			       "; ! leftovers of other modes: ipvs-services (K)");
	ck_assert(warn);
	u.cur.dp->planes[DP_IPTABLES_NFT].read = false;
	snprintf(u.cur.dp->planes[DP_IPTABLES_NFT].why, sizeof(u.cur.dp->planes[0].why),
		 "nf_tables is not loaded");
	header(line, tail, &warn);
	ck_assert_str_eq(tail, "Not read: iptables-legacy, ipsets (no CAP_NET_ADMIN: run as root); "
			       "iptables-nft: nf_tables is not loaded; ! leftovers of other modes: "
			       "ipvs-services (K)");
	/* Only a module not loaded (and no IPVS table left over): said, not as a warning. */
	u.cur.n_services = 0;
	dataplane_set_error(u.cur.dp, DP_IPTABLES_LEGACY, 0, "");
	u.cur.dp->ipsets_error = -ENOENT; /* no ip_set in the kernel: not ipvs mode's problem */
	header(line, tail, &warn);
	ck_assert_str_eq(tail, "Not read: iptables-nft: nf_tables is not loaded");
	ck_assert(!warn);
	/* Before the first read the line is there already, so that nothing moves later. */
	dataplane_unref(u.cur.dp);
	u.cur.dp = NULL;
	header(line, tail, &warn);
	ck_assert_str_eq(line, "Data planes: reading...");
	/* A replay or --no-dataplane: no line. */
	opts.collect.dataplane = (struct dataplane_opts){0};
	ck_assert(!ui_dp_header(&u, line, sizeof(line), tail, sizeof(tail), &warn));
	teardown();
}
END_TEST

/* ---- rows ---- */

START_TEST(test_rows)
{
	setup();
	add_fe(DP_NFTABLES, "10.96.0.30", 80, "web", 1);
	add_fe(DP_NFTABLES, "10.96.0.10", 53, "dns", 3);
	add_fe(DP_NFTABLES, "10.96.0.20", 80, "api", 2);
	ui_rows_refresh(&u);
	/* By owning Service first. */
	ck_assert_str_eq(selected(), "10.96.0.20:80");
	u.fe.sel = 2;
	ck_assert_str_eq(selected(), "10.96.0.30:80");
	/* o: by endpoints, most first; the selection stays on the same frontend. */
	ui_dp_sort_next(&u);
	ck_assert_int_eq(u.sort, SORT_RS);
	ck_assert_str_eq(selected(), "10.96.0.30:80");
	ck_assert_uint_eq(u.fe.sel, 2);
	u.fe.sel = 0;
	ck_assert_str_eq(selected(), "10.96.0.10:53");
	/* Then address, kind, and back to the Service. */
	ui_dp_sort_next(&u);
	ck_assert_int_eq(u.sort, SORT_VIRTUAL);
	ck_assert_str_eq(ui_dp_sort_name(&u), "frontend address");
	ui_dp_sort_next(&u);
	ui_dp_sort_next(&u);
	ck_assert_int_eq(u.sort, SORT_ACTIVE);
	/* The filter finds a frontend by one of its endpoints' addresses. */
	ck_assert_int_eq(regcomp(&u.re, "10\\.244\\.80\\.2:", REG_EXTENDED | REG_NOSUB), 0);
	u.have_re = true;
	ui_rows_refresh(&u);
	ck_assert_uint_eq(u.n_fe_order, 1);
	ck_assert_str_eq(selected(), "10.96.0.20:80");
	/* A new read of the data planes: the same frontend stays selected. */
	regfree(&u.re);
	u.have_re = false;
	ui_rows_refresh(&u);
	ui_dp_remember(&u);
	dataplane_unref(u.cur.dp);
	u.cur.dp = dataplane_new();
	add_fe(DP_NFTABLES, "10.96.0.5", 80, "aaa", 1);
	add_fe(DP_NFTABLES, "10.96.0.20", 80, "api", 2);
	ui_rows_refresh(&u);
	ck_assert_str_eq(selected(), "10.96.0.20:80");
	ck_assert_uint_eq(u.fe.sel, 1);
	teardown();
}
END_TEST

START_TEST(test_next_plane)
{
	setup();
	add_fe(DP_NFTABLES, "10.96.0.1", 443, "kubernetes", 1);
	ui_rows_refresh(&u);
	ck_assert_int_eq(u.plane, DP_NFTABLES);
	/* nftables, then the IPVS table (always), then nftables again. */
	ui_dp_next_plane(&u);
	ck_assert_int_eq(u.plane, DP_IPVS);
	ck_assert_str_eq(u.status, "The services pane shows ipvs.");
	/* Chosen: a refresh does not take it back to the plane the node runs. */
	ui_rows_refresh(&u);
	ck_assert_int_eq(u.plane, DP_IPVS);
	add_fe(DP_IPTABLES_LEGACY, "10.96.0.1", 443, "kubernetes", 1);
	ui_rows_refresh(&u);
	ui_dp_next_plane(&u);
	ck_assert_int_eq(u.plane, DP_NFTABLES);
	ui_dp_next_plane(&u);
	ck_assert_int_eq(u.plane, DP_IPTABLES_LEGACY);
	ck_assert_uint_eq(u.n_fe_order, 1);
	ui_dp_next_plane(&u);
	ck_assert_int_eq(u.plane, DP_IPVS);
	/* Nothing but IPVS: said, nothing changes. */
	dataplane_unref(u.cur.dp);
	u.cur.dp = dataplane_new();
	ui_rows_refresh(&u);
	ui_dp_next_plane(&u);
	ck_assert_int_eq(u.plane, DP_IPVS);
	ck_assert_str_eq(u.status, "Only one data plane on this node: ipvs.");
	teardown();
}
END_TEST

CHECK_MAIN("ui_dp_rows", {"plane", 0, {test_plane_without_mode, test_plane_from_mode}},
	   {"header", 0, {test_header}}, {"rows", 0, {test_rows}},
	   {"next_plane", 0, {test_next_plane}})
