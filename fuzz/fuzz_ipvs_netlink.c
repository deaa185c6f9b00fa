/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: one IPVS generic netlink message, as the kernel (or anything that can
 * spoof a netlink reply) sends it, into every ipvs_parse_* function.
 *
 * The input is the whole message, netlink header included. nlmsg_len is set to the input's
 * size, as libnl guarantees before a callback runs (the parser's contract: nlmsg_len bytes
 * are readable), and the message is copied into a buffer of exactly that size so that
 * AddressSanitizer sees any read past it.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "fuzz_common.h"
#include "ipvs_parse.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* nlmsg_len itself must be there: the parsers read it first. */
	if (size < sizeof(uint32_t) || size > UINT32_MAX)
		return 0;
	unsigned char *buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	uint32_t len = (uint32_t)size;
	memcpy(buf + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(const void *)buf;

	struct ipvs_service svc;
	struct ipvs_dest dest;
	struct ipvs_daemon daemon;
	uint32_t a, b, c;

	(void)ipvs_parse_service(nlh, &svc);
	/* The service's family fills in for a kernel before 4.3 that sends no dest family. */
	(void)ipvs_parse_dest(nlh, AF_INET, &dest);
	(void)ipvs_parse_dest(nlh, AF_INET6, &dest);
	(void)ipvs_parse_dest(nlh, AF_UNSPEC, &dest);
	(void)ipvs_parse_info(nlh, &a, &b);
	(void)ipvs_parse_config(nlh, &a, &b, &c);
	(void)ipvs_parse_daemon(nlh, &daemon);

	free(buf);
	return 0;
}
