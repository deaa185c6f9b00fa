/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last step of a mode switch: this node's new data plane, read until it carries the Services. */
#ifndef IPVSTOP_ACTION_VERIFY_H
#define IPVSTOP_ACTION_VERIFY_H

#include "actions.h"
#include "kube_http.h"

/*
 * After a switch to mode ("nftables" or "iptables"; others return 0 at once) has rolled out:
 * lists the Services (h, the action's client) and reads this node's data plane (read-only)
 * every 2 s until the plane carries every Service's cluster IPs and ports, for at most
 * env->dataplane_wait seconds (0: 60). node names this node in what is said. Returns 0 when
 * verified or when it cannot be checked here (said, as a warning), -EIO when the plane is
 * absent or lacks Services at the end (said, with the first ones missing), -ECANCELED.
 */
int action_verify_dataplane(struct kube_http *h, const struct action_env *env, const char *mode,
			    const char *node, const struct action_io *io);

#endif
