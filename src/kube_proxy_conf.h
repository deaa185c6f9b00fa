/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's config.conf (KubeProxyConfiguration YAML): read fields, set one, diff texts. */
#ifndef IPVSTOP_KUBE_PROXY_CONF_H
#define IPVSTOP_KUBE_PROXY_CONF_H

#include "kube_model.h"

/*
 * The KubeProxyConfiguration YAML text (block style, as kubeadm writes it): top-level mode,
 * and under ipvs: scheduler, strictARP, tcpTimeout, tcpFinTimeout, udpTimeout. Values may be
 * bare, "double" or 'single' quoted; null and ~ read as "". resource_version is untouched.
 * Returns 0 (out->known set), -EINVAL when the text has no `kind: KubeProxyConfiguration`, or
 * -E2BIG when a value does not fit its field: out->too_long then names it ("mode",
 * "ipvs.scheduler", "ipvs.strictARP", "ipvs.tcpTimeout", "ipvs.tcpFinTimeout",
 * "ipvs.udpTimeout").
 */
int kube_proxy_conf_parse(const char *text, struct kube_proxy_config *out);

/*
 * Sets a field of KubeProxyConfiguration text: key "mode" (or another top-level key) or
 * "ipvs.scheduler" (or another "block.key", one level deep). Only the line of that key
 * changes (its last occurrence, the one a reader takes): indentation, the key, a trailing
 * comment and the quoting style of the old value ("x", 'x' or bare) are kept; every other
 * line is copied byte for byte. A bare value stays bare when the new one can be (a plain
 * word, or a boolean or integer replacing one: strictARP: true); otherwise it is written
 * "quoted". An absent key is added as key: "value" in its block, before the first key that
 * sorts after it (kubeadm writes keys sorted), creating "ipvs:" when needed.
 * *out receives the new text (owned by the caller; NULL on error). Returns 0; -EINVAL when
 * text is not a KubeProxyConfiguration, the key is not of that form, the value holds a
 * control character, or the block is a scalar (ipvs: 3) or an empty one (ipvs: null,
 * ipvs: {}) with lines indented under it; -ENOTSUP when the key's value is a
 * map, a list or a flow collection (ipvs: {scheduler: rr}) this line editor will not
 * rewrite; -ENOMEM.
 */
int kube_proxy_conf_set(const char *text, const char *key, const char *value, char **out);

/*
 * The lines that differ between two texts, as "-old line\n" for each removed line followed by
 * "+new line\n" for each added line of a changed stretch, stretches in order. *out is owned by
 * the caller ("" when the texts are equal). Returns 0 or -ENOMEM.
 */
int kube_proxy_conf_diff(const char *old_text, const char *new_text, char **out);

#endif
