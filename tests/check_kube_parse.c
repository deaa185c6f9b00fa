/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_parse: API JSON and kube-proxy's log, against fixtures. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fixture.h"
#include "kube_model.h"
#include "kube_parse.h"

/* A fixture of tests/fixtures/kube-api (owned by the caller), its length in *len. */
static char *fixture(const char *name, size_t *len)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "tests/fixtures/kube-api/%s", name);
	return fixture_read(rel, len);
}

static cJSON *fixture_json(const char *name)
{
	size_t len;
	char *t = fixture(name, &len);
	cJSON *j = cJSON_ParseWithLength(t, len);
	ck_assert_msg(j != NULL, "valid JSON in %s", name);
	free(t);
	return j;
}

static const char *ip_str(const struct kube_ip *ip)
{
	static char buf[4][64];
	static int i;
	i = (i + 1) % 4;
	if (!ip->af)
		return "";
	return inet_ntop(ip->af, ip->addr.bytes, buf[i], sizeof(buf[i]));
}

static int list_fixture(const char *name, int (*item)(const cJSON *, void *), void *arg, char *cont,
			size_t contlen, char *rv, size_t rvlen)
{
	size_t len;
	char *t = fixture(name, &len);
	int r = kube_parse_list(t, len, item, arg, cont, contlen, rv, rvlen);
	free(t);
	return r;
}

START_TEST(test_service_pages)
{
	struct kube_state k;
	char cont[512], rv[32];
	memset(&k, 0, sizeof(k));

	ck_assert_int_eq(list_fixture("services-page1.json", fixture_add_service, &k, cont,
				      sizeof(cont), rv, sizeof(rv)),
			 4);
	ck_assert_str_eq(rv, "40517");
	ck_assert_str_eq(
	    cont, "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDA1MTcsInN0YXJ0Ijoid2ViL2R1YWxcdTAwMDAifQ");
	ck_assert_int_eq(list_fixture("services-page2.json", fixture_add_service, &k, cont,
				      sizeof(cont), rv, sizeof(rv)),
			 4);
	ck_assert_str_eq(cont, "");
	ck_assert_int_eq(k.n_services, 8);

	const struct kube_service *s = &k.services[0];
	ck_assert_str_eq(s->ns, "default");
	ck_assert_str_eq(s->name, "kubernetes");
	ck_assert_int_eq(s->type, KUBE_SVC_CLUSTER_IP);
	ck_assert_int_eq(s->n_cluster_ips, 1);
	ck_assert_str_eq(ip_str(&s->cluster_ips[0]), "10.96.0.1");
	ck_assert_int_eq(s->n_ports, 1);
	ck_assert_str_eq(s->ports[0].name, "https");
	ck_assert_int_eq(s->ports[0].protocol, IPPROTO_TCP);
	ck_assert_int_eq(s->ports[0].port, 443);
	ck_assert_int_eq(s->ports[0].node_port, 0);
	ck_assert(!s->affinity_client_ip && !s->headless && !s->local_traffic &&
		  !s->internal_local);
	ck_assert_int_eq(s->affinity_timeout, 10800);

	s = &k.services[1]; /* kube-dns: one port name per protocol */
	ck_assert_int_eq(s->n_ports, 3);
	ck_assert_int_eq(s->ports[0].protocol, IPPROTO_UDP);
	ck_assert_str_eq(s->ports[0].name, "dns");
	ck_assert_int_eq(s->ports[1].protocol, IPPROTO_TCP);
	ck_assert_int_eq(s->ports[2].port, 9153);

	s = &k.services[2]; /* NodePort with sessionAffinity ClientIP */
	ck_assert_str_eq(s->name, "frontend");
	ck_assert_int_eq(s->type, KUBE_SVC_NODE_PORT);
	ck_assert_int_eq(s->ports[0].node_port, 30080);
	ck_assert(s->affinity_client_ip);
	ck_assert_int_eq(s->affinity_timeout, 600);

	s = &k.services[3]; /* dual stack, unnamed port, ClientIP with the default timeout */
	ck_assert_int_eq(s->n_cluster_ips, 2);
	ck_assert_int_eq(s->cluster_ips[0].af, AF_INET);
	ck_assert_int_eq(s->cluster_ips[1].af, AF_INET6);
	ck_assert_str_eq(ip_str(&s->cluster_ips[1]), "fd00:10:96::5");
	ck_assert_str_eq(s->ports[0].name, "");
	ck_assert_int_eq(s->ports[0].port, 8080);
	ck_assert(s->affinity_client_ip);
	ck_assert_int_eq(s->affinity_timeout, 10800);

	s = &k.services[4]; /* LoadBalancer: ipMode Proxy and hostname-only ingresses are no VIPs */
	ck_assert_int_eq(s->type, KUBE_SVC_LOAD_BALANCER);
	ck_assert_int_eq(s->n_lb_ips, 1);
	ck_assert_str_eq(ip_str(&s->lb_ips[0]), "203.0.113.10");
	ck_assert(s->local_traffic);
	ck_assert_int_eq(s->ports[0].node_port, 31443);

	s = &k.services[5]; /* externalIPs, UDP and SCTP, internalTrafficPolicy Local */
	ck_assert_int_eq(s->n_external_ips, 1);
	ck_assert_str_eq(ip_str(&s->external_ips[0]), "198.51.100.7");
	ck_assert_int_eq(s->ports[0].protocol, IPPROTO_UDP);
	ck_assert_int_eq(s->ports[1].protocol, IPPROTO_SCTP);
	ck_assert(s->internal_local && !s->local_traffic);

	s = &k.services[6]; /* headless */
	ck_assert(s->headless);
	ck_assert_int_eq(s->n_cluster_ips, 0);
	ck_assert_int_eq(s->n_ports, 1);

	s = &k.services[7]; /* ExternalName */
	ck_assert_int_eq(s->type, KUBE_SVC_EXTERNAL_NAME);
	ck_assert_int_eq(s->n_cluster_ips, 0);
	ck_assert_int_eq(s->n_ports, 0);
	kube_state_free(&k);
}
END_TEST

START_TEST(test_slices)
{
	struct kube_state k;
	char rv[32];
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(
	    list_fixture("endpointslices.json", fixture_add_slice, &k, NULL, 0, rv, sizeof(rv)), 7);
	ck_assert_str_eq(rv, "40517");
	ck_assert_int_eq(k.n_slices, 7);

	const struct kube_slice *s = &k.slices[0]; /* the API server's own, no targetRef */
	ck_assert_str_eq(s->service, "kubernetes");
	ck_assert_int_eq(s->af, AF_INET);
	ck_assert_int_eq(s->n_endpoints, 1);
	ck_assert_ptr_null(s->endpoints[0].pod);
	ck_assert_ptr_null(s->endpoints[0].node);
	ck_assert(s->endpoints[0].ready && s->endpoints[0].serving && !s->endpoints[0].terminating);

	s = &k.slices[1]; /* kube-dns: ports in another order than the Service's; unset conditions
			   */
	ck_assert_str_eq(s->ns, "kube-system");
	ck_assert_str_eq(s->name, "kube-dns-7xk2p");
	ck_assert_int_eq(s->n_ports, 3);
	ck_assert_str_eq(s->ports[0].name, "dns-tcp");
	ck_assert_int_eq(s->ports[1].protocol, IPPROTO_UDP);
	ck_assert_str_eq(s->endpoints[0].pod, "kube-system/coredns-7db6d8ff4d-4sl7m");
	ck_assert_str_eq(s->endpoints[0].node, "cp-1");
	ck_assert(s->endpoints[1].ready && s->endpoints[1].serving && !s->endpoints[1].terminating);

	s = &k.slices[2]; /* frontend: ready, terminating, not ready */
	ck_assert_int_eq(s->n_endpoints, 4);
	ck_assert_str_eq(ip_str(&s->endpoints[0].ip), "10.244.1.10");
	ck_assert(s->endpoints[0].ready);
	ck_assert(!s->endpoints[2].ready && s->endpoints[2].serving && s->endpoints[2].terminating);
	ck_assert(!s->endpoints[3].ready && !s->endpoints[3].serving &&
		  !s->endpoints[3].terminating);
	ck_assert_int_eq(s->ports[0].port, 8080);

	s = &k.slices[4]; /* IPv6, unnamed port */
	ck_assert_int_eq(s->af, AF_INET6);
	ck_assert_str_eq(s->ports[0].name, "");
	ck_assert_str_eq(ip_str(&s->endpoints[0].ip), "fd00:10:244:1::20");

	s = &k.slices[6]; /* FQDN: kept, with no IP */
	ck_assert_int_eq(s->af, 0);
	ck_assert_int_eq(s->n_endpoints, 1);
	ck_assert_int_eq(s->endpoints[0].ip.af, 0);
	kube_state_free(&k);
}
END_TEST

START_TEST(test_nodes_and_pods)
{
	struct kube_state k;
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(list_fixture("nodes.json", fixture_add_node, &k, NULL, 0, NULL, 0), 3);
	ck_assert_str_eq(k.nodes[1].name, "worker-1");
	ck_assert_int_eq(k.nodes[1].n_addrs,
			 3); /* two InternalIPs and an ExternalIP, no Hostname */
	ck_assert_str_eq(ip_str(&k.nodes[1].addrs[0]), "192.168.56.11");
	ck_assert_str_eq(ip_str(&k.nodes[1].addrs[1]), "fd00:56::11");
	ck_assert_str_eq(ip_str(&k.nodes[1].addrs[2]), "198.51.100.21");
	ck_assert_int_eq(k.nodes[0].n_addrs, 1);

	ck_assert_int_eq(
	    list_fixture("pods-kube-proxy.json", fixture_add_pod, &k, NULL, 0, NULL, 0), 1);
	cJSON *j = fixture_json("pod-kube-proxy-crashloop.json");
	ck_assert_int_eq(fixture_add_pod(j, &k), 0);
	cJSON_Delete(j);
	const struct kube_proxy_pod *p = &k.proxies[0];
	ck_assert_str_eq(p->name, "kube-proxy-7w9xq");
	ck_assert_str_eq(p->node, "worker-1");
	ck_assert(p->ready);
	ck_assert_int_eq(p->restarts, 1);
	ck_assert_str_eq(p->waiting_reason, "");
	ck_assert_str_eq(p->phase, "Running");
	p = &k.proxies[1];
	ck_assert_str_eq(p->node, "worker-2");
	ck_assert(!p->ready);
	ck_assert_int_eq(p->restarts, 17);
	ck_assert_str_eq(p->waiting_reason, "CrashLoopBackOff");
	ck_assert_str_eq(p->log_mode, "");
	ck_assert_ptr_null(p->log_tail);
	kube_state_free(&k);
}
END_TEST

START_TEST(test_configmap)
{
	struct kube_proxy_config c;
	char *text;
	cJSON *j = fixture_json("configmap-kube-proxy.json");
	ck_assert_int_eq(kube_parse_configmap(j, &c, &text), 0);
	cJSON_Delete(j);
	ck_assert(c.known);
	ck_assert_str_eq(c.mode, "");
	ck_assert_str_eq(c.scheduler, "");
	ck_assert(!c.strict_arp);
	ck_assert_str_eq(c.tcp_timeout, "0s");
	ck_assert_str_eq(c.tcp_fin_timeout, "0s");
	ck_assert_str_eq(c.udp_timeout, "0s");
	ck_assert_str_eq(c.resource_version, "237");
	char *conf = fixture("config-kubeadm.conf", NULL);
	ck_assert_str_eq(text, conf);
	free(conf);
	free(text);

	/* Hand-edited: comments, four-space indentation, quoting, a nested map and lists. */
	j = fixture_json("configmap-kube-proxy-ipvs.json");
	ck_assert_int_eq(kube_parse_configmap(j, &c, NULL), 0);
	cJSON_Delete(j);
	ck_assert_str_eq(c.mode, "ipvs");
	ck_assert_str_eq(c.scheduler, "wlc");
	ck_assert(c.strict_arp);
	ck_assert_str_eq(c.tcp_timeout, "900s");
	ck_assert_str_eq(c.tcp_fin_timeout, "30s");
	ck_assert_str_eq(c.udp_timeout, "300s");
	ck_assert_str_eq(c.resource_version, "41877");

	j = fixture_json("configmap-no-config.json");
	ck_assert_int_eq(kube_parse_configmap(j, &c, &text), -ENOENT);
	ck_assert(!c.known);
	ck_assert_ptr_null(text);
	cJSON_Delete(j);

	/* A value too long for its field, in the ConfigMap: said which. */
	j = fixture_json("configmap-kube-proxy-ipvs.json");
	cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
	cJSON_ReplaceItemInObjectCaseSensitive(
	    data, "config.conf",
	    cJSON_CreateString("apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
			       "kind: KubeProxyConfiguration\n"
			       "mode: ipvs\n"
			       "ipvs:\n"
			       "  scheduler: a-scheduler-name-much-too-long\n"));
	ck_assert_int_eq(kube_parse_configmap(j, &c, &text), -E2BIG);
	ck_assert(!c.known);
	ck_assert_ptr_null(text);
	ck_assert_str_eq(c.too_long, "ipvs.scheduler");
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
	cJSON_ReplaceItemInObjectCaseSensitive(
	    meta, "resourceVersion", cJSON_CreateString("123456789012345678901234567890123"));
	ck_assert_int_eq(kube_parse_configmap(j, &c, &text), -E2BIG);
	ck_assert_str_eq(c.too_long, "metadata.resourceVersion");
	cJSON_Delete(j);

	/* Another kind of object altogether. */
	j = fixture_json("daemonset-kube-proxy.json");
	ck_assert_int_eq(kube_parse_configmap(j, &c, &text), -EINVAL);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_daemonset)
{
	struct kube_daemonset d;
	struct kube_state k;
	memset(&k, 0, sizeof(k));

	cJSON *j = fixture_json("daemonset-kube-proxy.json");
	ck_assert_int_eq(kube_parse_daemonset(j, &d), 0);
	cJSON_Delete(j);
	ck_assert(d.known);
	ck_assert_str_eq(d.mode_flag, "");
	ck_assert_int_eq(d.desired, 3);
	ck_assert_int_eq(d.updated, 3);
	ck_assert_int_eq(d.ready, 3);
	ck_assert_int_eq(d.available, 3);
	ck_assert_str_eq(d.restarted_at, "");

	/* Unknown: nothing said; the ConfigMap's empty mode is iptables. */
	ck_assert_str_eq(kube_configured_mode(&k), "");
	k.ds = d;
	ck_assert_str_eq(kube_configured_mode(&k), "");
	k.config.known = true;
	ck_assert_str_eq(kube_configured_mode(&k), "iptables");
	strcpy(k.config.mode, "ipvs");
	ck_assert_str_eq(kube_configured_mode(&k), "ipvs");

	j = fixture_json("daemonset-kube-proxy-mode-arg.json");
	ck_assert_int_eq(kube_parse_daemonset(j, &d), 0);
	cJSON_Delete(j);
	ck_assert_str_eq(d.mode_flag, "ipvs");
	ck_assert_str_eq(d.restarted_at, "2025-10-02T09:30:12Z");
	ck_assert_int_eq(d.desired, 3);
	ck_assert_int_eq(d.updated, 1);
	ck_assert_int_eq(d.ready, 2);
	ck_assert_int_eq(d.available, 2);

	j = fixture_json("daemonset-kube-proxy-mode-eq.json");
	ck_assert_int_eq(kube_parse_daemonset(j, &d), 0);
	cJSON_Delete(j);
	ck_assert_str_eq(d.mode_flag, "nftables");
	k.ds = d; /* the flag wins over the ConfigMap */
	ck_assert_str_eq(kube_configured_mode(&k), "nftables");

	j = fixture_json("daemonset-kube-proxy-shell.json");
	ck_assert_int_eq(kube_parse_daemonset(j, &d), 0);
	cJSON_Delete(j);
	ck_assert_str_eq(d.mode_flag, "iptables");

	j = fixture_json("configmap-kube-proxy.json");
	ck_assert_int_eq(kube_parse_daemonset(j, &d), -EINVAL);
	ck_assert(!d.known);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_version)
{
	char v[32];
	int minor;
	size_t len;
	char *t = fixture("version.json", &len);
	ck_assert_int_eq(kube_parse_version(t, len, v, sizeof(v), &minor), 0);
	ck_assert_str_eq(v, "v1.34.1");
	ck_assert_int_eq(minor, 34);
	free(t);
	t = fixture("version-eks.json", &len);
	ck_assert_int_eq(kube_parse_version(t, len, v, sizeof(v), &minor), 0);
	ck_assert_str_eq(v, "v1.30.4-eks-a737599");
	ck_assert_int_eq(minor, 30);
	/* Truncated to the buffer, never past it. */
	char small[6];
	ck_assert_int_eq(kube_parse_version(t, len, small, sizeof(small), &minor), 0);
	ck_assert_str_eq(small, "v1.30");
	free(t);

	static const char *const bad[] = {"",
					  "{",
					  "[]",
					  "{\"gitVersion\":1}",
					  "{\"minor\":\"34\"}",
					  "{\"gitVersion\":\"v1\",\"minor\":34}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(kube_parse_version(bad[i], strlen(bad[i]), v, sizeof(v), &minor),
				 -EINVAL);
		ck_assert_int_eq(minor, 0);
	}
	ck_assert_int_eq(kube_parse_version("{\"gitVersion\":\"v1.31.0\",\"minor\":\"x\"}", 37, v,
					    sizeof(v), &minor),
			 0);
	ck_assert_int_eq(minor, 0);
}
END_TEST

static const struct {
	const char *file;
	int ret;
	const char *mode;
} logs[] = {
    {"log-ipvs-klog.txt", 0, "ipvs"},
    {"log-ipvs-dualstack.txt", 0, "ipvs"},
    {"log-iptables-default.txt", 0, "iptables"},
    {"log-nftables-json.txt", 0, "nftables"},
    {"log-restarts.txt", 0, "ipvs"}, /* the last start wins */
    {"log-crashloop.txt", -ENOENT, ""},
};

START_TEST(test_proxier_log)
{
	char mode[16] = "junk";
	size_t len;
	char *t = fixture(logs[_i].file, &len);
	ck_assert_int_eq(kube_parse_proxier_log(t, len, mode), logs[_i].ret);
	ck_assert_str_eq(mode, logs[_i].mode);
	free(t);
}
END_TEST

START_TEST(test_proxier_log_lines)
{
	char mode[16];
	static const char a[] = "I0330 09:28:56.608368 1 server_others.go:219] creating "
				"dualStackProxier for iptables.\n";
	ck_assert_int_eq(kube_parse_proxier_log(a, strlen(a), mode), 0);
	ck_assert_str_eq(mode, "iptables");
	static const char b[] = "W0330 server_others.go:565] Unknown proxy mode \"\", assuming "
				"iptables proxy";
	ck_assert_int_eq(kube_parse_proxier_log(b, strlen(b), mode), 0);
	ck_assert_str_eq(mode, "iptables");
	/* Words that look like it but are not. */
	static const char c[] = "Using ipvs proxy mode\nUsing Proxier\nUsing averyveryverylongword "
				"Proxier\nUsing IPVS Proxier\n";
	ck_assert_int_eq(kube_parse_proxier_log(c, strlen(c), mode), -ENOENT);
	ck_assert_str_eq(mode, "");
	/* The length bounds the text: a match past it does not count. */
	static const char d[] = "Using ipvs Proxier";
	ck_assert_int_eq(kube_parse_proxier_log(d, 10, mode), -ENOENT);
	ck_assert_int_eq(kube_parse_proxier_log(NULL, 0, mode), -ENOENT);
}
END_TEST

START_TEST(test_status)
{
	struct kube_status st;
	size_t len;
	static const struct {
		const char *file;
		int code;
		const char *reason;
	} cases[] = {
	    {"status-403.json", 403, "Forbidden"},
	    {"status-404.json", 404, "NotFound"},
	    {"status-409.json", 409, "Conflict"},
	    {"status-410.json", 410, "Expired"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = fixture(cases[i].file, &len);
		ck_assert_int_eq(kube_parse_status(t, len, &st), 0);
		ck_assert_int_eq(st.code, cases[i].code);
		ck_assert_str_eq(st.reason, cases[i].reason);
		ck_assert_str_eq(st.status, "Failure");
		ck_assert_int_gt(strlen(st.message), 10);
		free(t);
	}
	/* The 410 message is longer than the buffer: cut, terminated. */
	ck_assert_int_eq(strlen(st.message), sizeof(st.message) - 1);

	char *t = fixture("version.json", &len);
	ck_assert_int_eq(kube_parse_status(t, len, &st), -EINVAL);
	free(t);
	static const char *const bad[] = {"", "null", "{\"kind\":\"Status\",\"code\":\"410\"}",
					  "{\"kind\":\"Status\",\"code\":4100}",
					  "{\"kind\":\"Status\",\"reason\":5}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(kube_parse_status(bad[i], strlen(bad[i]), &st), -EINVAL);
		ck_assert_int_eq(st.code, 0);
	}
}
END_TEST

static int count_only(const cJSON *obj, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int stop_at_second(const cJSON *obj, void *arg)
{
	return ++(*(int *)arg) == 2 ? -ECANCELED : 0;
}

START_TEST(test_list_errors)
{
	char cont[16], rv[32];
	int n = 0;
	size_t len;

	ck_assert_int_eq(
	    list_fixture("list-truncated.json", count_only, &n, cont, sizeof(cont), rv, sizeof(rv)),
	    -EINVAL);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(
	    list_fixture("list-null-items.json", count_only, &n, NULL, 0, rv, sizeof(rv)), 0);
	ck_assert_str_eq(rv, "7");
	ck_assert_int_eq(list_fixture("list-items-object.json", count_only, &n, NULL, 0, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(list_fixture("status-410.json", count_only, &n, NULL, 0, NULL, 0),
			 -EINVAL);
	/* A continue token longer than the caller's buffer. */
	ck_assert_int_eq(
	    list_fixture("services-page1.json", count_only, &n, cont, sizeof(cont), NULL, 0),
	    -ENOBUFS);
	/* The callback stops the walk. */
	n = 0;
	ck_assert_int_eq(list_fixture("services-page1.json", stop_at_second, &n, NULL, 0, NULL, 0),
			 -ECANCELED);
	ck_assert_int_eq(n, 2);
	/* A page whose items are of another kind: the item parser says so. */
	struct kube_state k;
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(list_fixture("nodes.json", fixture_add_service, &k, NULL, 0, NULL, 0), 3);
	kube_state_free(&k);
	char *t = fixture("endpointslices.json", &len);
	ck_assert_int_eq(kube_parse_list(t, len, fixture_add_service, &k, NULL, 0, NULL, 0),
			 -EINVAL);
	kube_state_free(&k);
	/* The length bounds the text. */
	ck_assert_int_eq(kube_parse_list(t, len / 2, count_only, &n, NULL, 0, NULL, 0), -EINVAL);
	free(t);
	ck_assert_int_eq(kube_parse_list(NULL, 0, count_only, &n, NULL, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(kube_parse_list("{\"items\":[],\"metadata\":{\"continue\":5}}", 37, NULL,
					 NULL, cont, sizeof(cont), NULL, 0),
			 -EINVAL);
}
END_TEST

/* Each line of a .jsonl fixture in turn. */
static char *next_line(char **p, size_t *len)
{
	char *s = *p, *nl = strchr(s, '\n');
	if (!*s)
		return NULL;
	*len = nl ? (size_t)(nl - s) : strlen(s);
	*p = nl ? nl + 1 : s + *len;
	return s;
}

START_TEST(test_watch)
{
	struct kube_watch_event ev;
	struct kube_service svc;
	size_t len;
	char *t = fixture("watch-services.jsonl", NULL), *p = t, *line;

	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_int_eq(ev.type, KUBE_WATCH_ADDED);
	ck_assert_str_eq(ev.resource_version, "40211");
	ck_assert_int_eq(kube_parse_service(ev.object, &svc), 0);
	ck_assert_str_eq(svc.name, "frontend");
	ck_assert(svc.affinity_client_ip);
	kube_service_free(&svc);
	ck_assert(!kube_watch_needs_relist(&ev));
	kube_watch_event_free(&ev);

	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_int_eq(ev.type, KUBE_WATCH_MODIFIED);
	ck_assert_str_eq(ev.resource_version, "40600");
	ck_assert_int_eq(kube_parse_service(ev.object, &svc), 0);
	ck_assert(!svc.affinity_client_ip);
	kube_service_free(&svc);
	kube_watch_event_free(&ev);

	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_int_eq(ev.type, KUBE_WATCH_BOOKMARK);
	ck_assert_str_eq(ev.resource_version, "40640");
	ck_assert(!ev.initial_events_end);
	/* A bookmark's object is only metadata: not a Service to parse. */
	ck_assert_int_eq(kube_parse_service(ev.object, &svc), -EINVAL);
	kube_watch_event_free(&ev);

	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_int_eq(ev.type, KUBE_WATCH_DELETED);
	ck_assert_str_eq(ev.resource_version, "40650");
	kube_watch_event_free(&ev);

	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_int_eq(ev.type, KUBE_WATCH_BOOKMARK);
	ck_assert(ev.initial_events_end);
	kube_watch_event_free(&ev);

	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_int_eq(ev.type, KUBE_WATCH_ERROR);
	ck_assert_int_eq(ev.status.code, 410);
	ck_assert_str_eq(ev.status.reason, "Expired");
	ck_assert_str_eq(ev.resource_version, "");
	ck_assert(kube_watch_needs_relist(&ev));
	kube_watch_event_free(&ev);
	ck_assert_ptr_null(next_line(&p, &len));
	free(t);

	t = fixture("watch-endpointslices.jsonl", NULL);
	p = t;
	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	struct kube_slice sl;
	ck_assert_int_eq(kube_parse_slice(ev.object, &sl), 0);
	ck_assert_int_eq(sl.n_endpoints, 2);
	kube_slice_free(&sl);
	kube_watch_event_free(&ev);
	line = next_line(&p, &len);
	ck_assert_int_eq(kube_parse_watch_event(line, len, &ev), 0);
	ck_assert_str_eq(ev.status.reason, "Gone");
	ck_assert(kube_watch_needs_relist(&ev));
	kube_watch_event_free(&ev);
	free(t);
}
END_TEST

static const char *const bad_events[] = {
    "",
    "   ",
    "{",
    "[]",
    "{\"type\":\"ADDED\"}",
    "{\"type\":\"ADDED\",\"object\":[]}",
    "{\"type\":\"ADDED\",\"object\":{}}",
    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":7}}}",
    ("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":"
     "\"123456789012345678901234567890123456\"}}}"),
    "{\"type\":\"CHANGED\",\"object\":{\"metadata\":{}}}",
    "{\"type\":5,\"object\":{\"metadata\":{}}}",
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Service\",\"metadata\":{}}}",
    "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"annotations\":[]}}}",
};

START_TEST(test_watch_malformed)
{
	struct kube_watch_event ev;
	int r = kube_parse_watch_event(bad_events[_i], strlen(bad_events[_i]), &ev);
	ck_assert_msg(r == -EINVAL || r == -ENOBUFS, "event %d: %d", _i, r);
	ck_assert_ptr_null(ev.doc);
	ck_assert_ptr_null(ev.object);
}
END_TEST

/* Objects of the right kind with one field of the wrong type or value. */
static const struct {
	char what; /* s service, e slice, n node, p pod, d daemonset, c configmap */
	const char *json;
} bad_objects[] = {
    {'s', "[]"},
    {'s', "5"},
    {'s', "{}"},
    {'s', "{\"metadata\":{\"namespace\":\"a\"}}"},
    {'s', "{\"metadata\":{\"name\":5}}"},
    {'s', "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":[]}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"type\":\"Weird\"}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"clusterIPs\":\"10.0.0.1\"}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"clusterIPs\":[1]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":{}}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[5]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"port\":\"80\"}]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"port\":70000}]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"port\":80.5}]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"name\":\"x\"}]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"port\":80,"
	  "\"protocol\":\"ICMP\"}]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"port\":80,"
	  "\"nodePort\":-1}]}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"sessionAffinityConfig\":{\"clientIP\":"
	  "{\"timeoutSeconds\":\"600\"}}}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"externalTrafficPolicy\":true}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"loadBalancer\":{\"ingress\":"
	  "[{\"ip\":5}]}}}"},
    {'s', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"loadBalancer\":{\"ingress\":{}}}}"},
    {'e', "{\"metadata\":{\"name\":\"a\"}}"}, /* addressType is required */
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv5\"}"},
    {'e', "{\"metadata\":{\"name\":\"a\",\"labels\":[]},\"addressType\":\"IPv4\"}"},
    {'e', "{\"metadata\":{\"name\":\"a\",\"labels\":{\"kubernetes.io/service-name\":1}},"
	  "\"addressType\":\"IPv4\"}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"ports\":[{\"port\":-1}]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"ports\":[{\"name\":5}]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"endpoints\":[5]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"endpoints\":"
	  "[{\"addresses\":\"10.0.0.1\"}]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"endpoints\":"
	  "[{\"addresses\":[1]}]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"endpoints\":"
	  "[{\"addresses\":[\"10.0.0.1\"],\"conditions\":{\"ready\":\"true\"}}]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"endpoints\":"
	  "[{\"addresses\":[\"10.0.0.1\"],\"nodeName\":[]}]}"},
    {'e', "{\"metadata\":{\"name\":\"a\"},\"addressType\":\"IPv4\",\"endpoints\":"
	  "[{\"addresses\":[\"10.0.0.1\"],\"targetRef\":{\"name\":{}}}]}"},
    {'n', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"addresses\":[{\"type\":1}]}}"},
    {'n', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"addresses\":{}}}"},
    {'n', "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"}}"},
    {'p', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"nodeName\":1}}"},
    {'p', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"containerStatuses\":"
	  "[{\"restartCount\":-1}]}}"},
    {'p', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"containerStatuses\":"
	  "[{\"state\":{\"waiting\":{\"reason\":7}}}]}}"},
    {'p', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"conditions\":[{\"type\":\"Ready\","
	  "\"status\":true}]}}"},
    {'p', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"phase\":2}}"},
    {'d', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"template\":{\"spec\":{\"containers\":"
	  "[{\"args\":[\"--proxy-mode\",5]}]}}}}"},
    {'d', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"template\":{\"spec\":{\"containers\":"
	  "[{\"args\":[\"--proxy-mode=averyveryverylongmode\"]}]}}}}"},
    {'d', "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"template\":{\"metadata\":"
	  "{\"annotations\":{\"kubectl.kubernetes.io/restartedAt\":1}}}}}"},
    {'d', "{\"metadata\":{\"name\":\"a\"},\"status\":{\"numberReady\":\"3\"}}"},
    {'c', "{\"metadata\":{\"name\":\"a\"},\"data\":{\"config.conf\":5}}"},
    {'c', "{\"metadata\":{\"name\":\"a\"},\"data\":[]}"},
    /* A resourceVersion too long for its field: -E2BIG, in test_configmap. */
};

START_TEST(test_objects_malformed)
{
	cJSON *j = cJSON_Parse(bad_objects[_i].json);
	ck_assert_ptr_nonnull(j);
	int r = 0;
	switch (bad_objects[_i].what) {
	case 's': {
		struct kube_service s;
		r = kube_parse_service(j, &s);
		ck_assert_ptr_null(s.name);
		ck_assert_ptr_null(s.ports);
		break;
	}
	case 'e': {
		struct kube_slice s;
		r = kube_parse_slice(j, &s);
		ck_assert_ptr_null(s.name);
		ck_assert_ptr_null(s.endpoints);
		break;
	}
	case 'n': {
		struct kube_node n;
		r = kube_parse_node(j, &n);
		ck_assert_ptr_null(n.name);
		break;
	}
	case 'p': {
		struct kube_proxy_pod p;
		r = kube_parse_proxy_pod(j, &p);
		ck_assert_ptr_null(p.name);
		break;
	}
	case 'd': {
		struct kube_daemonset d;
		r = kube_parse_daemonset(j, &d);
		ck_assert(!d.known);
		break;
	}
	case 'c': {
		struct kube_proxy_config c;
		char *text = (char *)"x";
		r = kube_parse_configmap(j, &c, &text);
		ck_assert(!c.known);
		ck_assert_ptr_null(text);
		break;
	}
	}
	ck_assert_msg(r == -EINVAL, "object %d: %d", _i, r);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_objects_lenient)
{
	/* Absent and null fields take the API defaults; odd addresses are skipped. */
	struct kube_service s;
	cJSON *j = cJSON_Parse("{\"metadata\":{\"name\":\"a\",\"namespace\":null},"
			       "\"spec\":{\"clusterIP\":\"10.96.0.017\",\"type\":null,"
			       "\"externalIPs\":[\"not-an-ip\",\"192.0.2.1\"],"
			       "\"ports\":[{\"port\":80,\"protocol\":null,\"name\":null}]}}");
	ck_assert_int_eq(kube_parse_service(j, &s), 0);
	cJSON_Delete(j);
	ck_assert_str_eq(s.ns, "");
	ck_assert_int_eq(s.type, KUBE_SVC_CLUSTER_IP);
	ck_assert_int_eq(s.n_cluster_ips, 1); /* leading zeros: decimal, as Go's ParseIPSloppy */
	ck_assert_str_eq(ip_str(&s.cluster_ips[0]), "10.96.0.17");
	ck_assert_int_eq(s.n_external_ips, 1);
	ck_assert_str_eq(s.ports[0].name, "");
	ck_assert_int_eq(s.ports[0].protocol, IPPROTO_TCP);
	kube_service_free(&s);

	struct kube_slice sl;
	j = cJSON_Parse(
	    "{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},\"addressType\":"
	    "\"IPv4\",\"ports\":[{}],\"endpoints\":[{\"addresses\":[]},"
	    "{\"addresses\":[\"fd00::1\"]},{\"addresses\":[\"10.0.0.1\"],"
	    "\"targetRef\":{\"kind\":\"Node\",\"name\":\"x\"}},"
	    "{\"addresses\":[\"10.0.0.2\"],\"targetRef\":{\"kind\":\"Pod\",\"name\":\"p\"}}]}");
	ck_assert_int_eq(kube_parse_slice(j, &sl), 0);
	cJSON_Delete(j);
	ck_assert_ptr_null(sl.service);
	ck_assert_int_eq(sl.n_ports, 1);
	ck_assert_str_eq(sl.ports[0].name, "");
	ck_assert_int_eq(sl.ports[0].port, 0);
	ck_assert_int_eq(sl.n_endpoints, 2); /* no address, wrong family: dropped */
	ck_assert_ptr_null(sl.endpoints[0].pod);
	ck_assert_str_eq(sl.endpoints[1].pod, "n/p");
	kube_slice_free(&sl);
	kube_slice_free(NULL);
}
END_TEST

/* Every prefix of a page and a watch line: an error or a result, never a crash. */
START_TEST(test_truncations)
{
	size_t len;
	char *t = fixture("services-page2.json", &len);
	for (size_t n = 0; n < len; n++) {
		struct kube_state k;
		memset(&k, 0, sizeof(k));
		char *cut = malloc(n + 1); /* exactly n bytes and a NUL: valgrind sees overreads */
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, t, n);
		cut[n] = '\0';
		int r = kube_parse_list(cut, n, fixture_add_service, &k, NULL, 0, NULL, 0);
		/* Only the final newline may go. */
		ck_assert_msg(r == (n == len - 1 ? 4 : -EINVAL), "prefix %zu: %d", n, r);
		kube_state_free(&k);
		free(cut);
	}
	free(t);

	t = fixture("watch-services.jsonl", NULL);
	char *nl = strchr(t, '\n');
	for (size_t n = 0; n < (size_t)(nl - t); n++) {
		struct kube_watch_event ev;
		ck_assert_int_eq(kube_parse_watch_event(t, n, &ev), -EINVAL);
	}
	free(t);
}
END_TEST

/* Random byte changes in every JSON fixture, through every parser (a fixed seed). */
START_TEST(test_mutations)
{
	static const char *const files[] = {
	    "services-page1.json",
	    "endpointslices.json",
	    "nodes.json",
	    "pods-kube-proxy.json",
	    "configmap-kube-proxy-ipvs.json",
	    "daemonset-kube-proxy-mode-arg.json",
	    "watch-endpointslices.jsonl",
	};
	static const char junk[] = "{}[]\":,0-9.e\\ntfa\x01\xff";
	uint32_t seed = 12345;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		char *t = fixture(files[f], &len);
		for (int iter = 0; iter < 150; iter++) {
			char *m = malloc(len + 1);
			ck_assert_ptr_nonnull(m);
			memcpy(m, t, len + 1);
			for (int k = 0; k < 1 + iter % 4; k++) {
				seed = seed * 1103515245u + 12345u;
				m[(seed >> 8) % len] = junk[(seed >> 20) % (sizeof(junk) - 1)];
			}
			struct kube_state ks;
			memset(&ks, 0, sizeof(ks));
			kube_parse_list(m, len, fixture_add_service, &ks, NULL, 0, NULL, 0);
			kube_parse_list(m, len, fixture_add_slice, &ks, NULL, 0, NULL, 0);
			kube_parse_list(m, len, fixture_add_node, &ks, NULL, 0, NULL, 0);
			kube_parse_list(m, len, fixture_add_pod, &ks, NULL, 0, NULL, 0);
			kube_state_free(&ks);
			struct kube_watch_event ev;
			if (kube_parse_watch_event(m, len, &ev) == 0) {
				struct kube_slice sl;
				if (kube_parse_slice(ev.object, &sl) == 0)
					kube_slice_free(&sl);
				kube_watch_event_free(&ev);
			}
			cJSON *j = cJSON_ParseWithLength(m, len);
			if (j) {
				struct kube_proxy_config c;
				struct kube_daemonset d;
				struct kube_status st;
				char *text = NULL;
				if (kube_parse_configmap(j, &c, &text) == 0)
					free(text);
				kube_parse_daemonset(j, &d);
				kube_parse_status_obj(j, &st);
				cJSON_Delete(j);
			}
			free(m);
		}
		free(t);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kube_parse");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_service_pages);
	tcase_add_test(tc, test_slices);
	tcase_add_test(tc, test_nodes_and_pods);
	tcase_add_test(tc, test_configmap);
	tcase_add_test(tc, test_daemonset);
	tcase_add_test(tc, test_version);
	tcase_add_loop_test(tc, test_proxier_log, 0, (int)(sizeof(logs) / sizeof(logs[0])));
	tcase_add_test(tc, test_proxier_log_lines);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_list_errors);
	tcase_add_test(tc, test_watch);
	tcase_add_loop_test(tc, test_watch_malformed, 0,
			    (int)(sizeof(bad_events) / sizeof(bad_events[0])));
	tcase_add_loop_test(tc, test_objects_malformed, 0,
			    (int)(sizeof(bad_objects) / sizeof(bad_objects[0])));
	tcase_add_test(tc, test_objects_lenient);
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
