/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's config.conf (KubeProxyConfiguration YAML): read fields, set one, diff texts. */
#ifndef IPVSTOP_KUBE_PROXY_CONF_H
#define IPVSTOP_KUBE_PROXY_CONF_H

#include "kube_model.h"

/*
 * The KubeProxyConfiguration YAML text, read with libyaml (its first document): top-level
 * mode, in a block-style ipvs map: scheduler, strictARP, tcpTimeout, tcpFinTimeout,
 * udpTimeout, and syncPeriod there and in the iptables and nftables maps (a repeated key:
 * the last one; a flow-style ipvs: {...} is not read; a syncPeriod too long is left "").
 * null, ~ and an empty value read as "", a map or a list as "". Control characters and bytes
 * that are not UTF-8, which libyaml refuses, are read as they are in a value on one line (not in
 * one with escapes or over several lines: -EINVAL). resource_version is untouched. Returns 0
 * (out->known set), -EINVAL when the text is not YAML or has no `kind: KubeProxyConfiguration`,
 * -ENOMEM, or -E2BIG when a value does not fit its field: out->too_long then names it ("mode",
 * "ipvs.scheduler", "ipvs.strictARP", "ipvs.tcpTimeout", "ipvs.tcpFinTimeout", "ipvs.udpTimeout").
 */
int kube_proxy_conf_parse(const char *text, struct kube_proxy_config *out);

/*
 * Sets a field of KubeProxyConfiguration text: key "mode" (or another top-level key) or
 * "ipvs.scheduler" (or another "block.key", one level deep). libyaml finds the value's bytes
 * (of the last occurrence of the key, the one a reader takes) and only those change: every
 * other byte, comments, indentation, line ends and the quoting style of the old value ("x",
 * 'x' or bare) included, is kept. A bare value stays bare when the new one can be (a plain
 * word, or a boolean or integer replacing one: strictARP: true); otherwise it is written
 * "quoted". An absent key is added as a line key: "value" in its block, before the first key
 * that sorts after it (kubeadm writes keys sorted) or after the block's last line, creating
 * "ipvs:" when needed; "ipvs: {}" and "ipvs: null" become "ipvs:" with the key under it.
 * *out receives the new text (owned by the caller; NULL on error). Returns 0; -EINVAL when
 * text is not YAML or not a KubeProxyConfiguration, the key is not of that form, the value
 * holds a control character, or the block is a scalar (ipvs: 3); -ENOTSUP for what
 * cannot be edited safely: a value that is a map, a list or a block scalar (| >), a flow
 * collection with content (ipvs: {scheduler: rr}), a value with an anchor or a tag or shared
 * through an alias, a top level in flow style or not at column 0, more than one document
 * (or "..."), a lone \r line end; -ENOMEM.
 */
int kube_proxy_conf_set(const char *text, const char *key, const char *value, char **out);

/*
 * The lines that differ between two texts, as "-old line\n" for each removed line followed by
 * "+new line\n" for each added line of a changed stretch, stretches in order. *out is owned by
 * the caller ("" when the texts are equal). Returns 0 or -ENOMEM.
 */
int kube_proxy_conf_diff(const char *old_text, const char *new_text, char **out);

/*
 * A Go duration as the configuration writes them ("900s", "15m0s", "1h2m3.5s", "500ms"; units
 * h m s ms us µs ns, no sign) in whole seconds; 0 for ""; -1 when not one or longer than Go's
 * time.Duration holds (292 years).
 */
long kube_duration_seconds(const char *text);

/*
 * kube-proxy's syncPeriod in seconds, as it takes it from config.conf: the block of the
 * configured mode (ipvs, nftables, else iptables); 0 when unknown, unset or "0s" (kube-proxy
 * then defaults it to 30 s).
 */
double kube_proxy_conf_sync_period(const struct kube_proxy_config *c);

#endif
