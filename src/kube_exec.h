/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bearer token to send: token files re-read, the exec credential plugin run, both cached. */
#ifndef IPVSTOP_KUBE_EXEC_H
#define IPVSTOP_KUBE_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#define KUBE_EXEC_TIMEOUT_MS_DEFAULT 10000 /* an exec plugin's time limit unless configured */

struct kube_credentials; /* kube_config.h */
struct kube_token_cache; /* private to kube_exec.c */

/*
 * c->cache_, allocated (zeroed) on first use. It belongs to c: kube_credentials_free() releases
 * it with kube_exec_cache_free(). Returns NULL only when out of memory.
 */
struct kube_token_cache *kube_exec_cache(struct kube_credentials *c);

/* The kubeconfig gave a client certificate: kube_credentials_token() never runs the plugin. */
void kube_exec_cache_static_cert(struct kube_token_cache *tc);

/* Wipes the cached token and frees tc. NULL is fine. */
void kube_exec_cache_free(struct kube_token_cache *tc);

/*
 * Re-reads c->token_file into the cache when its identity (device, inode, size, mtime) changed,
 * or always when force; bumps c->token_generation when it did. Returns 0, or a negative errno
 * with a message in err naming the file (shortened with home, which may be NULL), never the
 * token: -ENOENT and other read errors, -EFBIG, -EINVAL (empty, or more than one line), -ENOMEM.
 */
int kube_exec_token_file_refresh(struct kube_credentials *c, bool force, const char *home,
				 char *err, size_t errlen);

/*
 * The bearer token to send now, in client-go's order:
 *  - token_file: re-read when its identity (device, inode, size, mtime) changed, since service
 *    account tokens rotate (the kubelet swaps a symlink); force re-reads it anyway. If it cannot
 *    be read and a static token exists, that one is used.
 *  - token.
 *  - the exec plugin, unless the user has a client certificate or basic auth: run on first use,
 *    then cached until the ExecCredential's status.expirationTimestamp (forever without one);
 *    force (after a 401) runs it again. The plugin runs without a shell, stdin and stderr on
 *    /dev/null, KUBERNETES_EXEC_INFO set, and is killed after exec_timeout_ms or 1 MiB of output.
 *    A certificate/key pair it returns replaces cert_data/key_data and bumps cert_generation.
 * Sets *token to a string valid until the next call or kube_credentials_free(), or to NULL when
 * there is no bearer token (client certificate, basic auth or anonymous), and returns 0.
 * Otherwise returns a negative errno (-ETIMEDOUT for a plugin killed for time) with a message in
 * err that never contains the token nor anything the plugin printed. Blocks for at most the
 * plugin's time limit. Not thread-safe: one caller at a time per struct.
 */
int kube_credentials_token(struct kube_credentials *c, bool force, const char **token, char *err,
			   size_t errlen);

#endif
