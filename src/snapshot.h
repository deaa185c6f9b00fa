/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model: one read of the kernel's IPVS state, as plain structs that views draw from. */
#ifndef IPVSTOP_SNAPSHOT_H
#define IPVSTOP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dataplane; /* dataplane.h */

/*
 * Counters and the kernel's own rate estimates (struct ip_vs_kstats / STATS64). Estimates
 * of connections and packets per second fit 32 bits (the kernel's older STATS attributes
 * carry them so; readers clamp to ipvs_rate32); bytes per second do not (100 Gbit/s is
 * 12.5 GB/s). 72 bytes instead of 80: a big table holds one per real server.
 */
struct ipvs_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
	uint64_t inbps, outbps;
	uint32_t cps, inpps, outpps;
};

/* A rate estimate of connections or packets into its 32 bits, clamped. */
static inline uint32_t ipvs_rate32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* An address as the kernel sends it: 4 bytes for AF_INET, 16 for AF_INET6. */
struct ipvs_addr {
	uint8_t bytes[16];
};

/* Forwarding methods, values of IP_VS_CONN_F_FWD_MASK. */
enum ipvs_fwd {
	IPVS_FWD_MASQ = 0,
	IPVS_FWD_LOCAL = 1,
	IPVS_FWD_TUNNEL = 2,
	IPVS_FWD_ROUTE = 3,
	IPVS_FWD_BYPASS = 4,
};

/* Ordered for size: a big table holds one per real server (128 bytes on LP64). */
struct ipvs_dest {
	struct ipvs_addr addr;
	int af;	       /* AF_INET / AF_INET6 (may differ from the service's) */
	uint32_t fwd;  /* enum ipvs_fwd */
	int32_t weight;
	uint32_t u_thresh, l_thresh;
	uint32_t active_conns, inactive_conns, persist_conns;
	uint16_t port;	   /* host byte order */
	uint16_t tun_port; /* host byte order */
	uint16_t tun_flags;
	uint8_t tun_type; /* IP_VS_CONN_F_TUNNEL_TYPE_* */
	struct ipvs_stats stats;
};

/* Service flags as the kernel keeps them (IP_VS_SVC_F_*). */
#define IPVS_SVC_PERSISTENT 0x0001
#define IPVS_SVC_HASHED 0x0002
#define IPVS_SVC_ONEPACKET 0x0004
#define IPVS_SVC_SCHED1 0x0008 /* sh-fallback / mh-fallback */
#define IPVS_SVC_SCHED2 0x0010 /* sh-port / mh-port */
#define IPVS_SVC_SCHED3 0x0020

#define IPVS_SCHED_NAME_LEN 16
#define IPVS_PE_NAME_LEN 32

struct ipvs_service {
	int af;
	uint16_t protocol; /* IPPROTO_TCP / UDP / SCTP; 0 for fwmark services */
	struct ipvs_addr addr;
	uint16_t port;     /* host byte order */
	uint32_t fwmark;   /* 0 unless a fwmark service */
	char sched[IPVS_SCHED_NAME_LEN];
	uint32_t flags;
	uint32_t timeout;  /* persistence timeout, seconds */
	uint32_t netmask;  /* IPv4: mask in network order as sent; IPv6: prefix length */
	char pe[IPVS_PE_NAME_LEN];
	struct ipvs_stats stats;
	/*
	 * n_dests entries in a reference-counted array (ipvs_dests_*): snapshots that copy a
	 * service share its array; whoever changes one gets a copy of their own first
	 * (service_add_dest). NULL when there are none.
	 */
	struct ipvs_dest *dests;
	size_t n_dests, cap_dests;
	bool dests_known;   /* false when the destinations were not read (see dests_pending) */
	bool dests_pending; /* not read yet (a live feed reads big tables a part at a time) */
	/*
	 * When stats and destinations were read (CLOCK_MONOTONIC seconds, 0: unknown, take the
	 * snapshot's mono). A live feed re-reads part of a big table per refresh, so rows of one
	 * snapshot can be of different ages; rates are computed over each row's own interval.
	 */
	double stats_mono, dests_mono;
};

/* Services per chunk of a snapshot's table (32: about 7 KB). */
#define SNAPSHOT_CHUNK_SHIFT 5
#define SNAPSHOT_CHUNK ((size_t)1 << SNAPSHOT_CHUNK_SHIFT)

struct ipvs_daemon {
	char state[8]; /* "master" or "backup" */
	char mcast_ifn[16];
	uint32_t syncid;
	uint32_t sync_maxlen; /* 0 when the kernel did not send it */
	int mcast_af;         /* 0, AF_INET or AF_INET6 */
	struct ipvs_addr mcast_group;
	uint16_t mcast_port;
	uint8_t mcast_ttl;
};

/* One entry of /proc/net/ip_vs_conn. */
struct ipvs_conn {
	char protocol[8]; /* "TCP", "UDP", "SCTP", ... as the kernel prints it, lower-cased */
	int af;      /* family of client and virtual addresses */
	int dest_af; /* family of the destination (0: same as af) */
	struct ipvs_addr client, virt, dest;
	uint16_t client_port, virt_port, dest_port;
	char state[16];
	uint32_t expires; /* seconds */
};

/* The connection table read on demand: a bounded list and counts of everything read. */
struct ipvs_conn_count {
	char key[96]; /* "tcp 10.0.0.1:80" (service), "10.0.0.2:8080" (dest) or a state */
	uint64_t count;
};

struct ipvs_conn_table {
	struct ipvs_conn *conns; /* owned, at most the caller's limit */
	size_t n_conns;
	uint64_t total;      /* entries read, including those past the limit */
	bool truncated;      /* total > n_conns */
	struct ipvs_conn_count *by_service, *by_dest, *by_state; /* owned */
	size_t n_by_service, n_by_dest, n_by_state;
};

enum module_state {
	MODULE_MISSING = 0,  /* not loaded, not built in, not on disk */
	MODULE_AVAILABLE,    /* on disk, not loaded */
	MODULE_LOADED,
	MODULE_BUILTIN,
};

struct module_info {
	char name[32];
	enum module_state state;
};

struct sysctl_value {
	const char *name; /* static: "net.ipv4.vs.conntrack" */
	long value;
	bool present;
};

enum ipvs_source {
	IPVS_SOURCE_NONE = 0,
	IPVS_SOURCE_NETLINK,
	IPVS_SOURCE_PROC,
};

struct snapshot {
	double time; /* Unix seconds, CLOCK_REALTIME */
	double mono; /* CLOCK_MONOTONIC seconds, for rates */
	char host[256];
	/*
	 * A live feed over a big table: the seconds in which every service is read again
	 * (the sweep's period, stretched by its CPU budget, sweep.h); 0: read whole.
	 */
	double sweep_period;
	/*
	 * When a live feed's last service dump read every service's stats (CLOCK_MONOTONIC
	 * seconds, 0: none): no service's stats are older (snapshot_stats_mono). A dump then
	 * changes only the services whose stats or settings changed.
	 */
	double services_mono;

	bool ipvs_available;
	char ipvs_error[256]; /* empty when no error */
	enum ipvs_source source;
	uint32_t version; /* IP_VS_VERSION_CODE: (major<<16)|(minor<<8)|patch */
	uint32_t conn_tab_size;
	bool timeouts_known;
	uint32_t timeout_tcp, timeout_tcp_fin, timeout_udp;
	struct ipvs_daemon daemons[2];
	size_t n_daemons;

	/*
	 * The services, SNAPSHOT_CHUNK to a chunk: read them with snapshot_service(s, i),
	 * change them with snapshot_service_mut(s, i). Each chunk is reference-counted:
	 * snapshots that share a table (snapshot_share_table) share its chunks, and a change
	 * copies only the chunk it falls in. So a live feed's refresh copies the services it
	 * re-read, not the whole table, while the dashboard holds the last one it published.
	 * The array of chunk pointers is each snapshot's own.
	 */
	struct ipvs_service **svc_chunks;
	size_t n_services, cap_chunks;

	/*
	 * The kernel's global counters and estimates (/proc/net/ip_vs_stats), read every
	 * refresh: right even when the services' rows are of different ages.
	 */
	bool totals_known;
	struct ipvs_stats totals;

	struct module_info *modules; /* owned */
	size_t n_modules;

	struct sysctl_value *sysctls; /* owned */
	size_t n_sysctls;

	bool have_conns;
	struct ipvs_conn_table conns;

	/*
	 * The node's data planes besides the IPVS table (dataplane.h), read at their own pace:
	 * reference-counted, shared by the snapshots of one read. NULL when not read.
	 */
	struct dataplane *dp;
};

/* A virtual service's identity, as the kernel keys it (fwmark services: af and fwmark). */
struct ipvs_svc_key {
	int af;
	uint16_t protocol;
	uint16_t port;
	uint32_t fwmark;
	struct ipvs_addr addr;
};

/* Fills *key (every byte, so keys can be hashed or compared with memcmp) from svc. */
void ipvs_svc_key_of(const struct ipvs_service *svc, struct ipvs_svc_key *key);
bool ipvs_svc_key_eq(const struct ipvs_svc_key *a, const struct ipvs_svc_key *b);

/*
 * Reference-counted destination arrays (thread-safe counts). _alloc returns an array of
 * cap entries with one reference (NULL on ENOMEM); _ref adds one and returns d; _unref
 * drops one and frees the array with the last. All accept NULL.
 */
struct ipvs_dest *ipvs_dests_alloc(size_t cap);
struct ipvs_dest *ipvs_dests_ref(struct ipvs_dest *d);
void ipvs_dests_unref(struct ipvs_dest *d);
/*
 * A new reading of a service's stats and settings (got) takes what of from is not read
 * with them: its destinations (the same array, no reference taken) and their state.
 */
void service_keep_dests(struct ipvs_service *got, const struct ipvs_service *from);
/* Replaces svc's destinations by d (n entries, the reference is taken over). */
void service_set_dests(struct ipvs_service *svc, struct ipvs_dest *d, size_t n);

/* Service i (< n_services) of s, to read. */
static inline const struct ipvs_service *snapshot_service(const struct snapshot *s, size_t i)
{
	return &s->svc_chunks[i >> SNAPSHOT_CHUNK_SHIFT][i & (SNAPSHOT_CHUNK - 1)];
}

/* When the stats of svc (a service of s) were read: its own time or s's last dump. */
static inline double snapshot_stats_mono(const struct snapshot *s, const struct ipvs_service *svc)
{
	return svc->stats_mono > s->services_mono ? svc->stats_mono : s->services_mono;
}

/*
 * Service i (< n_services) of s, to change: its chunk is copied first when another
 * snapshot shares it (the copy references the same destination arrays). NULL on ENOMEM
 * (s unchanged). The pointer stays valid until s's table changes shape (services added,
 * removed, cleared) or s is freed.
 */
struct ipvs_service *snapshot_service_mut(struct snapshot *s, size_t i);

/*
 * Frees everything the snapshot owns and zeroes it. The chunks of its table go with the
 * last snapshot holding them.
 */
void snapshot_free(struct snapshot *s);
/* Drops s's services (and what they hold); the rest of s is kept. */
void snapshot_clear_services(struct snapshot *s);
/*
 * dst (overwritten, not freed) gets src's header and shares its services (their chunks,
 * each changed apart: snapshot_service_mut), but not modules, sysctls or connections.
 * A feed publishes its model this way. Returns 0 or -ENOMEM (dst then has no services).
 */
int snapshot_share_table(struct snapshot *dst, const struct snapshot *src);
/* dst's services (cleared first) become src's; src is left without services. */
void snapshot_move_services(struct snapshot *dst, struct snapshot *src);
/*
 * Removes the services at the n indices idx (ascending, duplicates allowed) from s,
 * keeping the order of the rest. Chunks before the first of them stay shared. Returns 0
 * or -ENOMEM (s unchanged).
 */
int snapshot_remove_services(struct snapshot *s, const size_t *idx, size_t n);
/* Frees a connection table's arrays and zeroes it. */
void ipvs_conn_table_free(struct ipvs_conn_table *t);

/*
 * Copies src's modules, sysctls and connection table into dst (whose own are overwritten,
 * not freed), and shares its data planes (a reference). Returns 0 or -ENOMEM (dst then has
 * none of them).
 */
int snapshot_copy_extras(struct snapshot *dst, const struct snapshot *src);

/* Appends a zeroed service to s and returns it, or NULL on ENOMEM. */
struct ipvs_service *snapshot_add_service(struct snapshot *s);
/*
 * Appends a zeroed destination to svc->dests and returns it, or NULL on ENOMEM. An array
 * shared with another snapshot is copied first.
 */
struct ipvs_dest *service_add_dest(struct ipvs_service *svc);

/* Same service identity: af, protocol, address, port, fwmark. */
bool service_same(const struct ipvs_service *a, const struct ipvs_service *b);
bool dest_same(const struct ipvs_dest *a, const struct ipvs_dest *b);

/* Returns the service of s with a's identity, or NULL. */
const struct ipvs_service *snapshot_find_service(const struct snapshot *s,
						 const struct ipvs_service *a);

/* Text of an address ("10.0.0.1", "2001:db8::1"); buf needs 46 bytes. */
const char *ipvs_addr_str(int af, const struct ipvs_addr *a, char *buf, size_t len);
/* "10.0.0.1:80" or "[2001:db8::1]:80"; buf needs 56 bytes. Returns buf. */
const char *ipvs_hostport_str(int af, const struct ipvs_addr *a, uint16_t port, char *buf,
			      size_t len);
/* Active and inactive connections of a service: the sums over its real servers. */
void service_conn_totals(const struct ipvs_service *svc, uint64_t *active, uint64_t *inactive);
/* Persistence netmask as a prefix length (IPv4 masks are converted). */
int service_netmask_prefix(const struct ipvs_service *svc);
/* "tcp", "udp", "sctp", or NULL for fwmark / unknown. */
const char *ipvs_proto_name(uint16_t protocol);
/* "masq", "local", "tunnel", "route", "bypass" or "unknown". */
const char *ipvs_fwd_name(uint32_t fwd);
/* "loaded", "builtin", "available", "missing". */
const char *module_state_name(enum module_state st);

#endif
