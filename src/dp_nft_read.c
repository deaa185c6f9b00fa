/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The nftables plane's transport: `list table` of kube-proxy's tables through libnftables, read
 * only. */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "dp_nft.h"
#include "nls.h"

/*
 * libnftables reports failures only as text on its error buffer (no errno): the kernel's
 * strerror() of the failed netlink request follows "Error: ". These are the two that are not
 * failures of the reader: a table kube-proxy never created, and a caller without
 * CAP_NET_ADMIN (the kernel asks for it even to list).
 */
static int nft_error_errno(const char *msg)
{
	if (strstr(msg, "No such file or directory"))
		return -ENOENT;
	if (strstr(msg, "Operation not permitted") || strstr(msg, "Permission denied"))
		return -EPERM;
	return -EIO;
}

/*
 * Whether this process has CAP_NET_ADMIN. Asked before libnftables runs: without it,
 * libnftables writes "Operation not permitted (you must be root)" to stderr itself, which
 * would land on the curses screen.
 */
static bool have_net_admin(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) != 0)
		return true; /* cannot tell: let the kernel decide */
	return (d[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))) != 0;
}

/* The first line of libnftables' error text, for the plane's why. */
static void first_line(char *dst, size_t size, const char *msg)
{
	size_t n = strcspn(msg, "\n");
	snprintf(dst, size, "%.*s", (int)n, msg);
}

/* Lists one family's table and parses it; an absent table is 0. */
static int read_family(struct nft_ctx *ctx, const char *family, struct dataplane *dp)
{
	char cmd[64], line[120];
	const char *out, *msg;
	int rc, err;
	snprintf(cmd, sizeof(cmd), "list table %s kube-proxy", family);
	rc = nft_run_cmd_from_buffer(ctx, cmd);
	out = nft_ctx_get_output_buffer(ctx);
	msg = nft_ctx_get_error_buffer(ctx);
	if (rc != 0) {
		err = nft_error_errno(msg ? msg : "");
		if (err == -ENOENT)
			return 0;
		if (err == -EPERM) {
			dataplane_set_error(
			    dp, DP_NFTABLES, err,
			    _("reading nftables needs CAP_NET_ADMIN (run as root)"));
		} else {
			first_line(line, sizeof(line), msg && *msg ? msg : "nft failed");
			dataplane_set_error(dp, DP_NFTABLES, err, line);
		}
		return err;
	}
	err = dp_nft_parse(out ? out : "", out ? strlen(out) : 0, dp);
	if (err == -EINVAL)
		dataplane_set_error(
		    dp, DP_NFTABLES, err,
		    _("libnftables' JSON listing of kube-proxy's table not understood"));
	else if (err)
		dataplane_set_error(dp, DP_NFTABLES, err, _("out of memory"));
	return err;
}

int dp_nft_read(struct dataplane *dp)
{
	static const char *const families[] = {"ip", "ip6"};
	struct nft_ctx *ctx;
	int err = 0;
	if (!have_net_admin()) {
		dataplane_set_error(dp, DP_NFTABLES, -EPERM,
				    _("reading nftables needs CAP_NET_ADMIN (run as root)"));
		return -EPERM;
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		dataplane_set_error(dp, DP_NFTABLES, -ENOMEM, _("out of memory"));
		return -ENOMEM;
	}
	dp->planes[DP_NFTABLES].read = true;
	/* JSON keeps each rule's native expressions whole; never TERSE (it drops set elements) */
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		dataplane_set_error(dp, DP_NFTABLES, -ENOMEM, _("out of memory"));
		return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]) && !err; i++)
		err = read_family(ctx, families[i], dp);
	nft_ctx_free(ctx);
	return err;
}
