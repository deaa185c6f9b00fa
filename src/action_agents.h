/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After a mode switch rolled out: each node's agent (ipvstop --serve, deploy/) asked what
 * its node really runs now, kube-proxy's mode there and the new plane's rules, not only
 * what the new pod's log says. Read-only: digests are GET.
 */
#ifndef IPVSTOP_ACTION_AGENTS_H
#define IPVSTOP_ACTION_AGENTS_H

#include "action_call.h"
#include "actions.h"
#include "digest.h"

/* At most this many agents are asked (the rest are counted and said). */
#define ACTION_AGENTS_MAX 256

/*
 * Whether a node's digest shows it switched to mode: 1 kube-proxy runs it there and the
 * plane of that mode carries rules (ipvs: virtual services; nftables: its table; iptables:
 * either backend's chains); 0 it runs it, its rules not there yet; -1 it runs another mode.
 * why gets what is wrong, or what was seen when it is right.
 */
int action_agent_switched(const struct digest *d, const char *mode, char *why, size_t len);

/*
 * Asks every agent, until each says its node switched to mode or env->dataplane_wait runs
 * out. Agents not answering are warned about, not failed. Returns 0, -EIO when an agent
 * says its node does not run mode at the end, -ECANCELED or -ENOMEM.
 */
int action_verify_agents(struct kube_http *h, const struct action_env *env, const char *mode,
			 const struct action_io *io);

#endif
