/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads the sysctls that matter on an IPVS host from /proc/sys (or a fixture tree). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysctls.h"

/*
 * The net/ipv4/vs entries exist only while ip_vs is loaded (vs_vars[] in ip_vs_ctl.c, all
 * of these present in Linux 6.1; conntrack needs CONFIG_IP_VS_NFCT, run_estimation 6.0+).
 * Missing files are reported as absent, not as errors.
 */
static const struct {
	const char *path; /* under the root, usually /proc/sys */
	const char *name; /* dotted, as sysctl(8) prints it */
} watched[] = {
	{"net/ipv4/vs/conntrack", "net.ipv4.vs.conntrack"},
	{"net/ipv4/vs/conn_reuse_mode", "net.ipv4.vs.conn_reuse_mode"},
	{"net/ipv4/vs/expire_nodest_conn", "net.ipv4.vs.expire_nodest_conn"},
	{"net/ipv4/vs/expire_quiescent_template", "net.ipv4.vs.expire_quiescent_template"},
	{"net/ipv4/vs/sloppy_tcp", "net.ipv4.vs.sloppy_tcp"},
	{"net/ipv4/vs/sloppy_sctp", "net.ipv4.vs.sloppy_sctp"},
	{"net/ipv4/vs/schedule_icmp", "net.ipv4.vs.schedule_icmp"},
	{"net/ipv4/vs/ignore_tunneled", "net.ipv4.vs.ignore_tunneled"},
	{"net/ipv4/vs/run_estimation", "net.ipv4.vs.run_estimation"},
	{"net/ipv4/vs/amemthresh", "net.ipv4.vs.amemthresh"},
	{"net/ipv4/vs/drop_entry", "net.ipv4.vs.drop_entry"},
	{"net/ipv4/vs/drop_packet", "net.ipv4.vs.drop_packet"},
	{"net/ipv4/vs/secure_tcp", "net.ipv4.vs.secure_tcp"},
	{"net/ipv4/vs/nat_icmp_send", "net.ipv4.vs.nat_icmp_send"},
	{"net/ipv4/conf/all/arp_ignore", "net.ipv4.conf.all.arp_ignore"},
	{"net/ipv4/conf/all/arp_announce", "net.ipv4.conf.all.arp_announce"},
	{"net/ipv4/ip_forward", "net.ipv4.ip_forward"},
};

/* Reads one integer sysctl; false when missing, unreadable or not a single integer. */
static bool read_long(const char *root, const char *rel, long *value)
{
	char path[4096], buf[64], *end;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	errno = 0;
	*value = strtol(buf, &end, 10);
	if (errno || end == buf)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return *end == '\0';
}

int sysctls_read(const char *root, struct snapshot *s)
{
	size_t n = sizeof(watched) / sizeof(watched[0]);
	struct sysctl_value *v = calloc(n, sizeof(*v));

	if (!v)
		return -ENOMEM;
	if (!root)
		root = "/proc/sys";
	for (size_t i = 0; i < n; i++) {
		v[i].name = watched[i].name;
		v[i].present = read_long(root, watched[i].path, &v[i].value);
	}
	free(s->sysctls);
	s->sysctls = v;
	s->n_sysctls = n;
	return 0;
}
