/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: xt match / target blobs into dp_xt, the rules they make into dp_ipt's
 * interpreter. The input is records {chain, op, revision, length, blob}: op picks a match
 * or target extension (the blob is its data) or a jump to one of the chains.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane.h"
#include "dp_ipt.h"
#include "dp_xt.h"
#include "fuzz_common.h"

static const char *const chains[] = {"KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-SVC-A",
				     "KUBE-SVL-A",    "KUBE-EXT-A",	"KUBE-FW-A",
				     "KUBE-SEP-A",    "KUBE-MARK-MASQ"};
static const char *const matches[] = {"comment", "statistic", "tcp",	"udp",
				      "sctp",	 "addrtype",  "recent", "owner"};
static const char *const targets[] = {"DNAT", "REJECT", "MARK", "MASQUERADE"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_ipt_table t = {0};
	size_t off = 0;
	while (off + 4 <= size) {
		uint8_t c = data[off], op = data[off + 1], rev = data[off + 2], len = data[off + 3];
		off += 4;
		if (len > size - off)
			len = (uint8_t)(size - off);
		int ci = dp_ipt_table_chain(&t, chains[c % N(chains)]);
		if (ci < 0)
			break;
		struct dp_ipt_rule r = {.chain = (uint32_t)ci,
					.af = (c & 0x80) ? AF_INET6 : AF_INET,
					.dst_len = (c & 0x40) ? ((c & 0x80) ? 128 : 32) : -1,
					.src_len = -1,
					.proto = 6};
		op %= N(matches) + N(targets) + N(chains);
		if (op < N(matches)) {
			dp_xt_match(&r, matches[op], rev, data + off, len);
			r.target = DP_IPT_T_JUMP;
			r.target_name = strdup(chains[rev % N(chains)]);
		} else if (op < N(matches) + N(targets)) {
			dp_xt_target(&r, targets[op - N(matches)], rev & 3, data + off, len);
		} else {
			r.target = (rev & 1) ? DP_IPT_T_GOTO : DP_IPT_T_JUMP;
			r.target_name = strdup(chains[op - N(matches) - N(targets)]);
			r.has_dport = rev & 2;
			r.dport_lo = r.dport_hi = rev;
		}
		off += len;
		if (dp_ipt_table_add_rule(&t, &r) < 0)
			break;
	}
	struct dataplane dp = {0};
	dp_ipt_interpret(&t, &dp, DP_IPTABLES_NFT);
	dp_ipt_interpret_filter(&t, &dp, DP_IPTABLES_LEGACY);
	dataplane_free(&dp);
	dp_ipt_table_free(&t);
	return 0;
}
