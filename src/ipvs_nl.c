/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IPVS generic netlink transport: libnl-3 sockets, requests out, replies to ipvs_parse. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include "array.h"
#include "cancel.h"
#include "clock.h"
#include "ipvs_nl.h"
#include "ipvs_parse.h"

/*
 * Buffer sizes, measured on Linux 6.1 under QEMU (bench/, 20,000 services / 100,000 real
 * servers and 50,000 / 150,000).
 *
 * Netlink hands over one datagram per recvmsg(). The kernel sizes dump datagrams after the
 * largest buffer a socket has ever offered to recvmsg() (netlink_recvmsg, max_recvmsg_len),
 * capped at SKB_WITH_OVERHEAD(32768), at least NLMSG_GOODSIZE (a page, at most 8 KiB), and
 * with init_on_alloc (Debian's default) clears each one. Two kinds of dump want opposite
 * sizes, so they go over two sockets:
 *
 * - The service dump walks the service table from its start again for every datagram:
 *   big datagrams (50,000 services: 7.7 s with 32 KiB ones, 73 s with 4 KiB ones under
 *   emulation). Its socket offers 64 KiB, which gets the kernel's largest datagrams and
 *   leaves room should a kernel raise the cap. Other requests (info, config, daemons,
 *   SET_SERVICE) use it too.
 * - The GET_DEST dump, one per service (the kernel has no dump of every destination), is a
 *   few hundred bytes to a few KiB: a 32 KiB datagram allocated and cleared for each would
 *   be wasted work. Its socket offers one NLMSG_GOODSIZE (dest_buf_size()).
 *
 * Each socket receives into a buffer of its own, allocated once: no allocation per
 * datagram (libnl's nl_recv() mallocs one each time).
 */
#define IPVS_NL_MSG_BUF (64 * 1024)

/*
 * A dump is paced by its reader: the kernel builds the next datagram only from inside our
 * recvmsg() (while the queue is below half of SO_RCVBUF), so a big receive buffer does not
 * speed it up (32 KiB and 4 MiB measured the same). It has to hold a full 32 KiB datagram
 * and an ACK, which libnl's default of 32 KiB (doubled by the kernel) only just does;
 * 256 KiB gives room. The kernel caps it at net.core.rmem_max (208 KiB by default).
 */
#define IPVS_NL_RCVBUF (256 * 1024)
#define IPVS_NL_SNDBUF (32 * 1024)

/* A reply that never comes must not freeze the dashboard: fail the read instead. */
#define IPVS_NL_RECV_TIMEOUT_S 10

/*
 * A full read reads destinations over this many sockets at once, one thread each (the
 * kernel refuses a second dump on a busy socket, not dumps on two). Only tables of at
 * least IPVS_NL_PARALLEL_MIN services: below that a thread costs more than it saves.
 */
#define IPVS_NL_DEST_CHANS 2
#define IPVS_NL_PARALLEL_MIN 256

/*
 * The CPUs this process may run on. With one, a second reading thread only adds thread
 * switches and the kernel's mutex handovers between the two dumps (bench/, one vCPU).
 */
static int usable_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 2; /* unknown: as before */
	return CPU_COUNT(&set);
}

/* One socket, its receive buffer, and the destinations of one service as they arrive. */
struct chan {
	struct nl_sock *sk;
	unsigned char *buf;
	size_t len;
	struct ipvs_service scratch; /* af and a plain growing dests array */
	const unsigned *cancel;      /* CANCEL_ALL there ends an exchange (cancel.h) */
	unsigned long datagrams;     /* received, and their bytes (ipvs_nl_main_counts) */
	unsigned long long bytes;
};

struct ipvs_nl {
	struct chan main;
	struct chan dest[IPVS_NL_DEST_CHANS]; /* [0] opened with main, the others on demand */
	int family;
	bool answered; /* a request has succeeded on this socket */
	const unsigned *cancel;
};

/* The one place libnl error codes (negative NLE_*) become -errno. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOATTR:
	case NLE_MISSING_ATTR:
		return -ENOMSG;
	case NLE_MSG_OVERFLOW:
		return -EOVERFLOW;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_PARSE_ERR:
	case NLE_ATTRSIZE:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* ---- building requests ---- */

static int put_service(struct nl_msg *msg, const struct ipvs_service *svc, bool full)
{
	if (svc->af != AF_INET && svc->af != AF_INET6)
		return -EINVAL;
	size_t sched_len = strnlen(svc->sched, sizeof(svc->sched));
	size_t pe_len = strnlen(svc->pe, sizeof(svc->pe));
	if (full && (sched_len == sizeof(svc->sched) || pe_len == sizeof(svc->pe)))
		return -EINVAL;

	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	int err = nla_put_u16(msg, IPVS_SVC_ATTR_AF, (uint16_t)svc->af);
	if (svc->fwmark) {
		err = err ? err : nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, svc->fwmark);
	} else {
		/* The kernel's own width for the address (union nf_inet_addr), like ipvsadm. */
		unsigned char addr[16] = {0};
		memcpy(addr, svc->addr.bytes, svc->af == AF_INET6 ? 16 : 4);
		err = err ? err : nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, svc->protocol);
		err = err ? err : nla_put(msg, IPVS_SVC_ATTR_ADDR, sizeof(addr), addr);
		err = err ? err : nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(svc->port));
	}
	if (full) {
		/* mask ~0: the kernel takes every flag from us rather than merging. */
		struct ip_vs_flags flags = {.flags = svc->flags, .mask = ~0U};
		err = err ? err
			  : nla_put(msg, IPVS_SVC_ATTR_SCHED_NAME, (int)sched_len + 1, svc->sched);
		if (pe_len)
			err = err ? err
				  : nla_put(msg, IPVS_SVC_ATTR_PE_NAME, (int)pe_len + 1, svc->pe);
		err = err ? err : nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags);
		err = err ? err : nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, svc->timeout);
		/* Raw as received: a network-order IPv4 mask or an IPv6 prefix length. */
		err = err ? err : nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, svc->netmask);
	}
	if (err) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

int ipvs_nl_build_service_attrs(struct nl_msg *msg, const struct ipvs_service *svc)
{
	return put_service(msg, svc, true);
}

int ipvs_nl_build_service_id(struct nl_msg *msg, const struct ipvs_service *svc)
{
	return put_service(msg, svc, false);
}

/* A request of the IPVS family; NULL on ENOMEM. */
/*
 * Room for any request of ours: the largest, SET_SERVICE, is about 150 bytes. nlmsg_alloc()
 * callocs a page, and a full read sends one GET_DEST a service: 10,000 pages cleared for
 * requests of 60 bytes on a table of 10,000 services.
 */
#define IPVS_NL_REQ_SIZE 1024

static struct nl_msg *new_request(const struct ipvs_nl *nl, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc_size(IPVS_NL_REQ_SIZE);
	if (!msg)
		return NULL;
	/*
	 * A dump ends with NLMSG_DONE and is never acknowledged; a one-shot request asks
	 * for the ACK so that its end is as certain as a dump's (the reply, then the ACK).
	 */
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : NLM_F_ACK, cmd, IPVS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* ---- one request, its replies ---- */

/* A request about one service: cmd with build's nest of svc; NULL with *err on failure. */
static struct nl_msg *service_request(const struct ipvs_nl *nl, uint8_t cmd, bool dump,
				      int (*build)(struct nl_msg *, const struct ipvs_service *),
				      const struct ipvs_service *svc, int *err)
{
	struct nl_msg *req = new_request(nl, cmd, dump);
	if (!req) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = build(req, svc);
	if (*err) {
		nlmsg_free(req);
		return NULL;
	}
	return req;
}

typedef int (*reply_fn)(const struct nlmsghdr *nlh, void *arg);

struct reply {
	reply_fn fn;
	void *arg;
	int fn_err;	/* first error of fn; later replies are still read, not handed on */
	int kernel_err; /* the request's NLMSG_ERROR or NLMSG_DONE error, 0 for an ACK */
};

/*
 * The terminal message of a request: NLMSG_DONE for a dump, NLMSG_ERROR (the ACK when
 * error is 0) otherwise. Returns true when h is one, with its error in r->kernel_err.
 */
static bool terminal(const struct nlmsghdr *h, struct reply *r)
{
	if (h->nlmsg_type == NLMSG_DONE) {
		/* DONE carries the dump's outcome as an int: 0, or -errno if the dump failed. */
		int e = 0;
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(e)))
			memcpy(&e, NLMSG_DATA(h), sizeof(e));
		r->kernel_err = e < 0 ? e : 0;
		return true;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr e;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(e.error))) {
			r->kernel_err = -EPROTO;
		} else {
			memcpy(&e.error, NLMSG_DATA(h), sizeof(e.error));
			r->kernel_err = e.error > 0 ? -e.error : e.error;
		}
		return true;
	}
	if (h->nlmsg_type == NLMSG_OVERRUN) {
		r->kernel_err = -EOVERFLOW;
		return true;
	}
	return false;
}

/*
 * Sends req (consumed) and reads until its terminal message, handing each reply to r->fn.
 * Replies are matched on sequence number and port, so that what is left of an earlier
 * request (one that failed half way) is dropped instead of being taken for an answer.
 * Returns 0 when the exchange completed (see r->fn_err, r->kernel_err) or -errno when the
 * socket failed; then replies may still be queued.
 */
static int exchange(struct chan *ch, struct nl_msg *req, struct reply *r)
{
	r->fn_err = r->kernel_err = 0;
	int n = nl_send_auto(ch->sk, req);
	uint32_t seq = nlmsg_hdr(req)->nlmsg_seq;
	nlmsg_free(req);
	if (n < 0)
		return nl_to_errno(n);
	uint32_t port = nl_socket_get_local_port(ch->sk);
	int fd = nl_socket_get_fd(ch->sk);

	for (;;) {
		/* Between datagrams: a 50,000-service dump is thousands of them. */
		if (cancel_is_set(ch->cancel, CANCEL_ALL))
			return -ECANCELED;
		struct sockaddr_nl peer;
		struct iovec iov = {.iov_base = ch->buf, .iov_len = ch->len};
		struct msghdr mh = {
			.msg_name = &peer,
			.msg_namelen = sizeof(peer),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t got = recvmsg(fd, &mh, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return errno == EWOULDBLOCK ? -EAGAIN : -errno; /* EAGAIN: SO_RCVTIMEO */
		}
		if (got == 0)
			return -ENODATA;
		ch->datagrams++;
		ch->bytes += (unsigned long long)got;
		/* The kernel never makes a datagram larger than the buffer we offer. */
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (mh.msg_namelen < sizeof(peer) || peer.nl_pid != 0) /* only the kernel */
			continue;
		bool done = false;
		int left = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)(void *)ch->buf; nlmsg_ok(h, left);
		     h = nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != seq || h->nlmsg_pid != port)
				continue;
			if (terminal(h, r)) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_NOOP || r->fn_err || !r->fn)
				continue;
			r->fn_err = r->fn(h, r->arg);
		}
		if (done)
			return 0;
	}
}

/* exchange() for callers that do not tell the kernel's errors from their own. */
static int request(struct chan *ch, struct nl_msg *req, reply_fn fn, void *arg)
{
	if (!req)
		return -ENOMEM;
	struct reply r = {.fn = fn, .arg = arg};
	int err = exchange(ch, req, &r);
	if (err)
		return err;
	return r.kernel_err ? r.kernel_err : r.fn_err;
}

/* ---- socket ---- */

static int on_family(const struct nlmsghdr *h, void *arg)
{
	static struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID] = {.type = NLA_U16},
		[CTRL_ATTR_FAMILY_NAME] = {.type = NLA_STRING}, /* libnl checks the NUL */
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	int *id = arg;

	/* A family we cannot parse is not the one we look for: skip it (libnl takes no const). */
	if (genlmsg_parse((struct nlmsghdr *)h, 0, tb, CTRL_ATTR_MAX, policy) < 0)
		return 0;
	if (tb[CTRL_ATTR_FAMILY_ID] && tb[CTRL_ATTR_FAMILY_NAME] &&
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), IPVS_GENL_NAME) == 0)
		*id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

/*
 * The IPVS family id, found in a dump of every registered family. Asking for "IPVS" by
 * name, as genl_ctrl_resolve() does, makes the kernel load ip_vs when it is not there
 * (request_module "net-pf-16-proto-16-family-IPVS", open to any user): a dashboard must
 * not load kernel modules by looking. Loading is an explicit action (modules.c).
 * Returns the id, -ENOENT when no IPVS family is registered, or another -errno.
 */
static int resolve_family(struct ipvs_nl *nl)
{
	struct nl_msg *req = nlmsg_alloc();
	if (!req)
		return -ENOMEM;
	if (!genlmsg_put(req, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, NLM_F_DUMP,
			 CTRL_CMD_GETFAMILY, 1)) {
		nlmsg_free(req);
		return -ENOMEM;
	}
	int id = -ENOENT;
	int err = request(&nl->main, req, on_family, &id);
	return err ? err : id;
}

/* NLMSG_GOODSIZE, the least the kernel makes a dump datagram: a page, at most 8 KiB. */
static size_t dest_buf_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 4096 ? 8192 : 4096;
}

static void chan_close(struct chan *ch)
{
	nl_socket_free(ch->sk); /* closes the socket; NULL is fine */
	free(ch->buf);
	free(ch->scratch.dests);
	memset(ch, 0, sizeof(*ch));
}

static int chan_open(struct chan *ch, size_t buf_len)
{
	int err;
	memset(ch, 0, sizeof(*ch));
	ch->buf = malloc(buf_len);
	ch->sk = nl_socket_alloc();
	if (!ch->buf || !ch->sk) {
		chan_close(ch);
		return -ENOMEM;
	}
	ch->len = buf_len;
	/*
	 * exchange() checks sequence numbers and waits for the end of each request itself,
	 * and puts NLM_F_ACK only on one-shot requests: libnl must not add ACKs to dumps or
	 * check sequences its own way. It receives itself (libnl only sends).
	 */
	nl_socket_disable_auto_ack(ch->sk);
	nl_socket_disable_seq_check(ch->sk);
	err = genl_connect(ch->sk);
	if (err < 0)
		goto fail;
	/* Needs the file descriptor, hence after connecting. */
	err = nl_socket_set_buffer_size(ch->sk, IPVS_NL_RCVBUF, IPVS_NL_SNDBUF);
	if (err < 0)
		goto fail;
	struct timeval tv = {.tv_sec = IPVS_NL_RECV_TIMEOUT_S};
	if (setsockopt(nl_socket_get_fd(ch->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		err = -errno;
		chan_close(ch);
		return err;
	}
	return 0;
fail:
	chan_close(ch);
	return nl_to_errno(err);
}

int ipvs_nl_open(struct ipvs_nl **out)
{
	*out = NULL;
	struct ipvs_nl *nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	int err = chan_open(&nl->main, IPVS_NL_MSG_BUF);
	if (!err)
		err = chan_open(&nl->dest[0], dest_buf_size());
	if (!err)
		err = resolve_family(nl);
	if (err < 0) {
		ipvs_nl_close(nl);
		return err;
	}
	nl->family = err;
	*out = nl;
	return 0;
}

void ipvs_nl_close(struct ipvs_nl *nl)
{
	if (!nl)
		return;
	chan_close(&nl->main);
	for (size_t i = 0; i < IPVS_NL_DEST_CHANS; i++)
		chan_close(&nl->dest[i]);
	free(nl);
}

void ipvs_nl_set_cancel(struct ipvs_nl *nl, const unsigned *cancel)
{
	nl->cancel = cancel;
	nl->main.cancel = cancel;
	for (size_t i = 0; i < IPVS_NL_DEST_CHANS; i++)
		nl->dest[i].cancel = cancel;
}

void ipvs_nl_main_counts(const struct ipvs_nl *nl, unsigned long *datagrams,
			 unsigned long long *bytes)
{
	*datagrams = nl ? nl->main.datagrams : 0;
	*bytes = nl ? nl->main.bytes : 0;
}

/* ---- reads ---- */

static int on_info(const struct nlmsghdr *h, void *arg)
{
	struct snapshot *s = arg;
	return ipvs_parse_info(h, &s->version, &s->conn_tab_size);
}

static int on_config(const struct nlmsghdr *h, void *arg)
{
	struct snapshot *s = arg;
	int err = ipvs_parse_config(h, &s->timeout_tcp, &s->timeout_tcp_fin, &s->timeout_udp);
	if (!err)
		s->timeouts_known = true;
	return err;
}

static int on_daemon(const struct nlmsghdr *h, void *arg)
{
	struct snapshot *s = arg;
	struct ipvs_daemon d;
	int err = ipvs_parse_daemon(h, &d);
	if (err)
		return err;
	/* At most a master and a backup; a third would be a kernel we do not know. */
	if (s->n_daemons < sizeof(s->daemons) / sizeof(s->daemons[0]))
		s->daemons[s->n_daemons++] = d;
	return 0;
}

/* One service of the dump appended to the snapshot arg (it owns no destinations yet). */
static int add_service(void *arg, const struct ipvs_service *svc)
{
	struct ipvs_service *p = snapshot_add_service(arg);
	if (!p)
		return -ENOMEM;
	*p = *svc;
	return 0;
}

/* The reply to a one-shot GET_SERVICE: one service, which must be the one asked for. */
static int on_one_service(const struct nlmsghdr *h, void *arg)
{
	struct ipvs_service *svc = arg;
	struct ipvs_service got;
	int err = ipvs_parse_service(h, &got);
	if (err)
		return err;
	if (!service_same(&got, svc))
		return -EPROTO;
	service_keep_dests(&got, svc);
	*svc = got;
	return 0;
}

/* Into the channel's scratch array (plain malloc, grown by doubling, kept between reads). */
static int on_dest(const struct nlmsghdr *h, void *arg)
{
	struct ipvs_service *sc = arg;
	struct ipvs_dest d;
	int err = ipvs_parse_dest(h, sc->af, &d);
	if (err)
		return err;
	if (array_reserve(&sc->dests, sc->n_dests, &sc->cap_dests, sizeof(*sc->dests), 64))
		return -ENOMEM;
	sc->dests[sc->n_dests++] = d;
	return 0;
}

/*
 * Destinations of one service over ch: there is no dump of all of them, so this is one
 * request per service. A service removed since the service dump gives an empty, successful
 * dump. They arrive into the channel's scratch array and are copied out at their exact
 * size into an array of their own (growing each service's array by doubling left a third
 * of the memory of a big table unused), which replaces svc's.
 */
static int read_dests(const struct ipvs_nl *nl, struct chan *ch, struct ipvs_service *svc)
{
	int err;
	struct nl_msg *req =
		service_request(nl, IPVS_CMD_GET_DEST, true, ipvs_nl_build_service_id, svc, &err);
	if (!req)
		return err;
	ch->scratch.af = svc->af;
	ch->scratch.n_dests = 0;
	struct reply r = {.fn = on_dest, .arg = &ch->scratch};
	err = exchange(ch, req, &r);
	if (err)
		return err;
	if (r.fn_err == -ENOMEM)
		return -ENOMEM;
	size_t n = ch->scratch.n_dests;
	struct ipvs_dest *d = NULL;
	if (n) {
		d = ipvs_dests_alloc(n);
		if (!d)
			return -ENOMEM;
		memcpy(d, ch->scratch.dests, n * sizeof(*d));
	}
	service_set_dests(svc, d, n);
	/* The kernel refused, or sent what we cannot parse: this service only goes unknown. */
	svc->dests_known = !r.fn_err && !r.kernel_err;
	svc->dests_pending = false;
	svc->dests_mono = clock_mono();
	return 0;
}

/* Destinations of services [first, n) of s, shared out between threads (one socket each). */
struct dest_work {
	const struct ipvs_nl *nl;
	struct chan *ch;
	struct snapshot *s;
	size_t *next; /* the next service to read, taken atomically */
	int err;
};

static void *dest_worker(void *arg)
{
	struct dest_work *w = arg;
	for (;;) {
		size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
		if (i >= w->s->n_services)
			break;
		/* The table this read is building: its chunks are its own, nothing is copied. */
		struct ipvs_service *svc = snapshot_service_mut(w->s, i);
		w->err = svc ? read_dests(w->nl, w->ch, svc) : -ENOMEM;
		if (w->err) {
			/* Make the other worker stop too. */
			__atomic_store_n(w->next, w->s->n_services, __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

static int read_all_dests(struct ipvs_nl *nl, struct snapshot *s, size_t first)
{
	size_t next = first;
	struct dest_work w[IPVS_NL_DEST_CHANS];
	pthread_t th[IPVS_NL_DEST_CHANS];
	size_t n_chans = 1;

	if (s->n_services - first >= IPVS_NL_PARALLEL_MIN && usable_cpus() > 1) {
		/* The extra sockets are opened on first use; without them, read with one. */
		while (n_chans < IPVS_NL_DEST_CHANS &&
		       (nl->dest[n_chans].sk || chan_open(&nl->dest[n_chans], dest_buf_size()) == 0)) {
			nl->dest[n_chans].cancel = nl->cancel;
			n_chans++;
		}
	}
	size_t started = 1;
	for (size_t i = 0; i < n_chans; i++)
		w[i] = (struct dest_work){.nl = nl, .ch = &nl->dest[i], .s = s, .next = &next};
	for (size_t i = 1; i < n_chans; i++) {
		if (pthread_create(&th[i], NULL, dest_worker, &w[i]) != 0)
			break;
		started++;
	}
	dest_worker(&w[0]);
	int err = w[0].err;
	for (size_t i = 1; i < started; i++) {
		pthread_join(th[i], NULL);
		if (!err)
			err = w[i].err;
	}
	return err;
}

/* Info, timeouts and sync daemons. */
static int read_header(struct ipvs_nl *nl, struct snapshot *s)
{
	struct chan *ch = &nl->main;
	int err = request(ch, new_request(nl, IPVS_CMD_GET_INFO, false), on_info, s);
	/*
	 * Right after ip_vs is loaded the first request can fail and the next one succeed
	 * (keepalived's libipvs.c retries its first GET_INFO for this). Once per socket,
	 * and not for answers a second try cannot change.
	 */
	if (err && !nl->answered && err != -EPERM && err != -EACCES && err != -ENOMEM)
		err = request(ch, new_request(nl, IPVS_CMD_GET_INFO, false), on_info, s);
	if (err)
		return err;
	nl->answered = true;

	err = request(ch, new_request(nl, IPVS_CMD_GET_CONFIG, false), on_config, s);
	if (err)
		return err;
	s->n_daemons = 0;
	return request(ch, new_request(nl, IPVS_CMD_GET_DAEMON, true), on_daemon, s);
}

int ipvs_nl_read_header(struct ipvs_nl *nl, struct snapshot *s)
{
	if (!nl)
		return -EINVAL;
	return read_header(nl, s);
}

/* The service dump, appended to s; the new services' destinations are not read yet. */
static int read_services(struct ipvs_nl *nl, struct snapshot *s, size_t *first)
{
	*first = s->n_services;
	int err = ipvs_nl_dump_services(nl, add_service, s);
	if (err)
		return err;
	double now = clock_mono();
	for (size_t i = *first; i < s->n_services; i++) {
		struct ipvs_service *svc = snapshot_service_mut(s, i);
		if (!svc)
			return -ENOMEM;
		svc->stats_mono = now;
		svc->dests_pending = true;
	}
	return 0;
}

int ipvs_nl_read(struct ipvs_nl *nl, struct snapshot *s)
{
	if (!nl)
		return -EINVAL;
	size_t first;
	int err = read_header(nl, s);
	if (!err)
		err = read_services(nl, s, &first);
	if (!err)
		err = read_all_dests(nl, s, first);
	return err;
}

int ipvs_nl_read_services(struct ipvs_nl *nl, struct snapshot *s)
{
	if (!nl)
		return -EINVAL;
	size_t first;
	int err = read_header(nl, s);
	return err ? err : read_services(nl, s, &first);
}

struct each_service {
	int (*each)(void *arg, const struct ipvs_service *svc);
	void *arg;
};

static int on_each_service(const struct nlmsghdr *h, void *arg)
{
	const struct each_service *e = arg;
	struct ipvs_service svc;
	int err = ipvs_parse_service(h, &svc);
	return err ? err : e->each(e->arg, &svc);
}

int ipvs_nl_dump_services(struct ipvs_nl *nl,
			  int (*each)(void *arg, const struct ipvs_service *svc), void *arg)
{
	if (!nl)
		return -EINVAL;
	struct each_service e = {each, arg};
	return request(&nl->main, new_request(nl, IPVS_CMD_GET_SERVICE, true), on_each_service, &e);
}

int ipvs_nl_read_service(struct ipvs_nl *nl, struct ipvs_service *svc)
{
	if (!nl || !svc)
		return -EINVAL;
	int err;
	struct nl_msg *req =
		service_request(nl, IPVS_CMD_GET_SERVICE, false, ipvs_nl_build_service_id, svc, &err);
	if (!req)
		return err;
	/* One datagram and the ACK: the small socket does. */
	err = request(&nl->dest[0], req, on_one_service, svc);
	if (!err)
		svc->stats_mono = clock_mono();
	return err;
}

int ipvs_nl_read_dests(struct ipvs_nl *nl, struct ipvs_service *svc)
{
	if (!nl || !svc)
		return -EINVAL;
	return read_dests(nl, &nl->dest[0], svc);
}

int ipvs_nl_set_service(struct ipvs_nl *nl, const struct ipvs_service *svc)
{
	if (!nl || !svc)
		return -EINVAL;
	int err;
	struct nl_msg *req = service_request(nl, IPVS_CMD_SET_SERVICE, false,
					     ipvs_nl_build_service_attrs, svc, &err);
	return req ? request(&nl->main, req, NULL, NULL) : err;
}
