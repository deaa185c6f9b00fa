/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * digest-gen NODE [hung|drift]: prints a node digest as an agent serves it, written by the
 * real digest_write, for the cluster view's test agents (ipvstop-cluster-test.sh) until they
 * are real `ipvstop --serve` agents.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"

int main(int argc, char **argv)
{
	struct digest d;
	if (argc < 2) {
		fprintf(stderr, "usage: digest-gen NODE [hung|drift]\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	snprintf(d.node, sizeof(d.node), "%s", argv[1]);
	snprintf(d.host, sizeof(d.host), "%s", argv[1]);
	snprintf(d.version, sizeof(d.version), "%s", PACKAGE_VERSION);
	d.time = 1765000000;
	d.ipvs_available = true;
	snprintf(d.source, sizeof(d.source), "netlink");
	d.services = 40;
	d.real_servers = 95;
	d.active_conns = 7;
	d.cps = 12.5;
	snprintf(d.configured_mode, sizeof(d.configured_mode), "ipvs");
	snprintf(d.running_mode, sizeof(d.running_mode), "ipvs");
	d.kp_metrics_read = true;
	d.kp_last_sync_age = 4;
	d.kube_enabled = d.kube_synced = true;
	d.n_planes = 2;
	snprintf(d.planes[0].name, sizeof(d.planes[0].name), "ipvs");
	d.planes[0].present = d.planes[0].running = true;
	d.planes[0].frontends = 40;
	d.planes[0].endpoints = 95;
	snprintf(d.planes[1].name, sizeof(d.planes[1].name), "nftables");
	d.planes[1].present = false;
	if (argc > 2 && strcmp(argv[2], "hung") == 0)
		d.kp_hung = true;
	if (argc > 2 && strcmp(argv[2], "drift") == 0)
		d.drift_missing = 3;
	if (digest_write(stdout, &d) != 0 || putchar('\n') == EOF || fflush(stdout) != 0)
		return 1;
	return 0;
}
