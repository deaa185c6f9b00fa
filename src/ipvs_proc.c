/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Readers of /proc/net/ip_vs, ip_vs_stats and ip_vs_conn, parsed as the kernel prints them. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cancel.h"
#include "hash.h"
#include "ipvs_proc.h"

/*
 * Before Linux 6.14 every read(2) of a seq_file under /proc/net/ip_vs* starts the walk of
 * the hash table again from the first bucket to find its position, so the cost of reading
 * the table grows with (entries x reads). Few, large reads keep that down: the kernel fills
 * the whole user buffer in one call.
 */
#define READ_BUF_SMALL (256u * 1024u)
#define READ_BUF_CONNS (1024u * 1024u)

/* ---------------------------------------------------------------- line reader */

struct line_reader {
	int fd;
	char *buf;
	size_t cap;	   /* one byte is always kept for the NUL of a last, unterminated line */
	size_t start, end; /* unread bytes are buf[start, end) */
	bool eof;
};

static int lr_open(struct line_reader *lr, const char *path, size_t cap)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (lr->fd < 0)
		return -errno;
	lr->buf = malloc(cap);
	if (!lr->buf) {
		close(lr->fd);
		lr->fd = -1;
		return -ENOMEM;
	}
	lr->cap = cap;
	return 0;
}

static void lr_close(struct line_reader *lr)
{
	if (lr->fd >= 0)
		close(lr->fd);
	free(lr->buf);
	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
}

/*
 * Hands out the next line, NUL-terminated in place, without its newline.
 * Returns 1 with a line, 0 at the end of the file, -EINVAL for a line longer than the
 * buffer or one holding a NUL byte, or -errno from read(2).
 */
static int lr_next(struct line_reader *lr, char **line, size_t *len)
{
	for (;;) {
		char *p = lr->buf + lr->start;
		size_t avail = lr->end - lr->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;

		if (nl || (lr->eof && avail)) {
			size_t n = nl ? (size_t)(nl - p) : avail;
			p[n] = '\0';
			lr->start += nl ? n + 1 : n;
			if (memchr(p, '\0', n))
				return -EINVAL;
			*line = p;
			*len = n;
			return 1;
		}
		if (lr->eof)
			return 0;
		/* Keep reads large: move the partial line to the front when space runs short. */
		if (lr->start && lr->cap - 1 - lr->end < lr->cap / 2) {
			memmove(lr->buf, p, avail);
			lr->start = 0;
			lr->end = avail;
		}
		/* A line that does not fit the buffer is not something the kernel prints. */
		if (lr->end >= lr->cap - 1)
			return -EINVAL;
		ssize_t r = read(lr->fd, lr->buf + lr->end, lr->cap - 1 - lr->end);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			lr->eof = true;
		lr->end += (size_t)r;
	}
}

/* ---------------------------------------------------------------- tokens and numbers */

/*
 * Splits line at blanks into at most max tokens, in place. Returns the number of tokens;
 * *more is set when text remained after the last one.
 */
static size_t tokenize(char *line, char **tok, size_t max, bool *more)
{
	size_t n = 0;
	char *p = line;

	*more = false;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (n == max) {
			*more = true;
			break;
		}
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses 1..maxdigits hex digits, the whole of [s, s+len). */
static bool parse_hex_n(const char *s, size_t len, size_t maxdigits, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > maxdigits)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return false;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return true;
}

static bool parse_hex(const char *s, size_t maxdigits, uint64_t *out)
{
	return parse_hex_n(s, strlen(s), maxdigits, out);
}

/* A port or fwmark as %04X / %08X print it: exactly that many digits. */
static bool parse_hex_exact(const char *s, size_t digits, uint64_t *out)
{
	return strlen(s) == digits && parse_hex_n(s, digits, digits, out);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_i32(const char *s, int32_t *out)
{
	bool neg = *s == '-';
	uint64_t v;

	if (!parse_u64(s + neg, &v) || v > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
		return false;
	*out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return true;
}

/* "0A000001" (the kernel's %08X of ntohl(addr), always 8 digits) -> network-order bytes. */
static bool parse_v4_hex(const char *s, size_t len, struct ipvs_addr *a)
{
	uint64_t v;

	if (len != 8 || !parse_hex_n(s, len, 8, &v))
		return false;
	memset(a, 0, sizeof(*a));
	a->bytes[0] = (uint8_t)(v >> 24);
	a->bytes[1] = (uint8_t)(v >> 16);
	a->bytes[2] = (uint8_t)(v >> 8);
	a->bytes[3] = (uint8_t)v;
	return true;
}

/* The kernel's %pI6: eight groups of four hex digits, never compressed. */
static bool parse_v6(const char *s, size_t len, struct ipvs_addr *a)
{
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET6, tmp, a->bytes) == 1;
}

/* An address of ip_vs_conn: hex IPv4 or textual IPv6 (no brackets). Returns the family. */
static int parse_conn_addr(const char *s, struct ipvs_addr *a)
{
	size_t len = strlen(s);

	if (memchr(s, ':', len))
		return parse_v6(s, len, a) ? AF_INET6 : 0;
	return parse_v4_hex(s, len, a) ? AF_INET : 0;
}

/*
 * "0A000001:0050" or "[2001:0db8:...:0001]:0050" as /proc/net/ip_vs prints services and
 * destinations. Returns the family, 0 when malformed.
 */
static int parse_addr_port(const char *s, struct ipvs_addr *a, uint16_t *port)
{
	const char *colon;
	uint64_t p;
	int af;

	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return 0;
		if (!parse_v6(s + 1, (size_t)(end - s - 1), a))
			return 0;
		colon = end + 1;
		af = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (!colon || !parse_v4_hex(s, (size_t)(colon - s), a))
			return 0;
		af = AF_INET;
	}
	if (!parse_hex_exact(colon + 1, 4, &p))
		return 0;
	*port = (uint16_t)p;
	return af;
}

/* Bounded copy of a token into a fixed field, always NUL-terminated. */
static void copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---------------------------------------------------------------- kernel HZ */

/*
 * /proc/net/ip_vs prints the persistence timeout as the kernel keeps it, in jiffies
 * (ip_vs_add_service() stores u->timeout * HZ; netlink divides by HZ again). Userspace has
 * no direct way to learn HZ (sysconf(_SC_CLK_TCK) is USER_HZ, always 100), so look in the
 * kernel's config, else compare the jiffies counter of /proc/schedstat with the uptime:
 * jiffies starts at INITIAL_JIFFIES, 2^32 - 300 * HZ, so it reaches 2^32 after 300 s.
 */
#define HZ_FALLBACK 250 /* Debian's and Ubuntu's CONFIG_HZ */

static _Atomic unsigned hz_setting; /* 0: detect */
static _Atomic unsigned hz_detected;

static bool read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

static unsigned hz_from_config(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[256];
	unsigned long hz = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		if (strncmp(line, "CONFIG_HZ=", 10) != 0)
			continue;
		errno = 0;
		hz = strtoul(line + 10, &end, 10);
		if (errno || end == line + 10 || (*end != '\n' && *end != '\0') || hz > 100000)
			hz = 0;
		break;
	}
	fclose(f);
	return (unsigned)hz;
}

static unsigned hz_from_jiffies(const char *schedstat, const char *uptime)
{
	static const unsigned common[] = {100, 250, 300, 1000, 24,   32,
					  48,  64,  128, 256,  512, 1024, 1200};
	char buf[4096], *p, *end;
	unsigned long long j;
	double up, d, est;

	if (!read_small(schedstat, buf, sizeof(buf)))
		return 0;
	p = strstr(buf, "\ntimestamp ");
	if (!p)
		return 0;
	errno = 0;
	j = strtoull(p + 11, &end, 10);
	if (errno || end == p + 11)
		return 0;
	if (!read_small(uptime, buf, sizeof(buf)))
		return 0;
	errno = 0;
	up = strtod(buf, &end);
	if (errno || end == buf || up < 0)
		return 0;
	/* Too close to the 300 s crossing for a usable ratio. */
	if (up > 290 && up < 310)
		return 0;
	if (j >= (1ull << 32) || up < 300)
		d = (double)(long long)(j - (1ull << 32));
	else
		d = (double)j; /* a 32-bit jiffies that wrapped at 2^32 */
	est = d / (up - 300);
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (est > common[i] * 0.95 && est < common[i] * 1.05)
			return common[i];
	return est >= 10 && est <= 10000 ? (unsigned)(est + 0.5) : 0;
}

unsigned ipvs_proc_detect_hz(const char *config, const char *schedstat, const char *uptime)
{
	char path[512];
	unsigned hz;

	if (!config) {
		struct utsname u;
		if (uname(&u) == 0) {
			snprintf(path, sizeof(path), "/boot/config-%s", u.release);
			config = path;
		}
	}
	hz = config ? hz_from_config(config) : 0;
	if (!hz)
		hz = hz_from_jiffies(schedstat ? schedstat : "/proc/schedstat",
				     uptime ? uptime : "/proc/uptime");
	return hz;
}

void ipvs_proc_set_hz(unsigned hz)
{
	atomic_store(&hz_setting, hz);
}

static unsigned current_hz(void)
{
	unsigned hz = atomic_load(&hz_setting);

	if (hz)
		return hz;
	hz = atomic_load(&hz_detected);
	if (!hz) {
		hz = ipvs_proc_detect_hz(NULL, NULL, NULL);
		if (!hz)
			hz = HZ_FALLBACK;
		atomic_store(&hz_detected, hz);
	}
	return hz;
}

/* ---------------------------------------------------------------- /proc/net/ip_vs */

static int parse_version(const char *line, struct snapshot *s)
{
	static const char prefix[] = "IP Virtual Server version ";
	unsigned long v[3], size;
	const char *p = line + sizeof(prefix) - 1;
	char *end;

	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (errno || v[i] > 255 || *end != (i < 2 ? '.' : ' '))
			return -EINVAL;
		p = end + 1;
	}
	if (strncmp(p, "(size=", 6) != 0 || p[6] < '0' || p[6] > '9')
		return -EINVAL;
	errno = 0;
	size = strtoul(p + 6, &end, 10);
	if (errno || size > UINT32_MAX || strcmp(end, ")") != 0)
		return -EINVAL;
	s->version = (uint32_t)((v[0] << 16) | (v[1] << 8) | v[2]);
	s->conn_tab_size = (uint32_t)size;
	return 0;
}

static int proto_number(const char *name, uint16_t *proto)
{
	if (strcmp(name, "TCP") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(name, "UDP") == 0)
		*proto = IPPROTO_UDP;
	else if (strcmp(name, "SCTP") == 0)
		*proto = IPPROTO_SCTP;
	else
		return -EINVAL; /* the kernel accepts no other protocol for a virtual service */
	return 0;
}

static uint32_t default_netmask(int af)
{
	/* Not shown without persistence: the full-length mask ipvsadm and kube-proxy set. */
	return af == AF_INET6 ? 128 : htonl(0xffffffffu);
}

/*
 * The fwmark line does not say the family. A destination of the other family is allowed
 * only with tunnelling, so the first non-tunnel destination tells it; without one we fall
 * back to the first destination, then to IPv4.
 */
static void guess_fwmark_af(struct ipvs_service *svc)
{
	if (!svc || !svc->fwmark || svc->n_dests == 0)
		return;
	svc->af = svc->dests[0].af;
	for (size_t i = 0; i < svc->n_dests; i++)
		if (svc->dests[i].fwd != IPVS_FWD_TUNNEL) {
			svc->af = svc->dests[i].af;
			break;
		}
	if (!(svc->flags & IPVS_SVC_PERSISTENT))
		svc->netmask = default_netmask(svc->af);
}

/*
 * "TCP  0A000001:0050 rr ops persistent 75000 FFFFFF00"  (ip_vs_info_seq_show:
 * "%s  %08X:%04X %s %s " with "ops " or "", then "persistent %d %08X", the timeout in
 * jiffies: 300 s at HZ=250)
 * "TCP  [2001:0db8:...]:0050 rr persistent 75000 80000000" (IPv6 never shows "ops")
 * "FWM  00000001 rr ops persistent 75000 FFFFFFFF"
 */
static int parse_service(char *line, struct snapshot *s, struct ipvs_service **out)
{
	char *tok[8];
	bool more;
	size_t n = tokenize(line, tok, 8, &more), i;
	struct ipvs_service tmp;

	if (more || n < 3)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	if (strcmp(tok[0], "FWM") == 0) {
		uint64_t mark;
		if (!parse_hex_exact(tok[1], 8, &mark) || mark == 0)
			return -EINVAL;
		tmp.fwmark = (uint32_t)mark;
		tmp.af = AF_INET; /* corrected from the destinations, see guess_fwmark_af() */
	} else {
		if (proto_number(tok[0], &tmp.protocol) < 0)
			return -EINVAL;
		tmp.af = parse_addr_port(tok[1], &tmp.addr, &tmp.port);
		if (!tmp.af)
			return -EINVAL;
	}
	if (strlen(tok[2]) >= sizeof(tmp.sched))
		return -EINVAL;
	copy_field(tmp.sched, sizeof(tmp.sched), tok[2]);
	/* Only hashed services are listed, and netlink reports the flag: keep them alike. */
	tmp.flags = IPVS_SVC_HASHED;
	i = 3;
	if (i < n && strcmp(tok[i], "ops") == 0) {
		tmp.flags |= IPVS_SVC_ONEPACKET;
		i++;
	}
	if (i < n) {
		uint64_t mask;
		int32_t jiffies;
		if (strcmp(tok[i], "persistent") != 0 || n - i != 3 ||
		    !parse_i32(tok[i + 1], &jiffies) || !parse_hex_exact(tok[i + 2], 8, &mask))
			return -EINVAL;
		tmp.flags |= IPVS_SVC_PERSISTENT;
		/* An unsigned count of jiffies, printed with %d. */
		tmp.timeout = (uint32_t)jiffies / current_hz();
		/*
		 * The kernel prints ntohl(svc->netmask). For IPv4 that field is a mask in network
		 * order; for IPv6 it is the prefix length stored in host order, so a /128 shows as
		 * 80000000 on little-endian machines. htonl() gives back the field either way.
		 */
		tmp.netmask = htonl((uint32_t)mask);
		i += 3;
	} else {
		tmp.netmask = default_netmask(tmp.af);
	}
	if (i != n)
		return -EINVAL;
	tmp.dests_known = true;

	struct ipvs_service *svc = snapshot_add_service(s);
	if (!svc)
		return -ENOMEM;
	*svc = tmp;
	*out = svc;
	return 0;
}

static int fwd_method(const char *name, uint32_t *fwd)
{
	/* ip_vs_fwd_name(): Local, Tunnel, Route, and Masq for anything else (Bypass too). */
	static const struct {
		const char *name;
		uint32_t fwd;
	} names[] = {
		{"Masq", IPVS_FWD_MASQ},   {"Local", IPVS_FWD_LOCAL},   {"Tunnel", IPVS_FWD_TUNNEL},
		{"Route", IPVS_FWD_ROUTE}, {"Bypass", IPVS_FWD_BYPASS},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0) {
			*fwd = names[i].fwd;
			return 0;
		}
	return -EINVAL;
}

/* "  -> 0A000002:0050      Masq    1      0          0" ("%-7s %-6d %-10d %-10d") */
static int parse_dest(char *line, struct ipvs_service *svc)
{
	char *tok[7];
	bool more;
	size_t n = tokenize(line, tok, 7, &more);
	struct ipvs_dest tmp;
	int32_t active, inactive;

	if (!svc || more || n != 6 || strcmp(tok[0], "->") != 0)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	tmp.af = parse_addr_port(tok[1], &tmp.addr, &tmp.port);
	if (!tmp.af || fwd_method(tok[2], &tmp.fwd) < 0 || !parse_i32(tok[3], &tmp.weight) ||
	    !parse_i32(tok[4], &active) || !parse_i32(tok[5], &inactive))
		return -EINVAL;
	/* atomic_t printed with %d; netlink sends the same bits as u32. */
	tmp.active_conns = (uint32_t)active;
	tmp.inactive_conns = (uint32_t)inactive;
	struct ipvs_dest *d = service_add_dest(svc);
	if (!d)
		return -ENOMEM;
	*d = tmp;
	return 0;
}

int ipvs_proc_read_services(const char *path, struct snapshot *s)
{
	struct line_reader lr;
	struct ipvs_service *svc = NULL;
	unsigned long lineno = 0;
	char *line;
	size_t len;
	int err, r;

	err = lr_open(&lr, path, READ_BUF_SMALL);
	if (err)
		return err;
	while ((r = lr_next(&lr, &line, &len)) > 0) {
		lineno++;
		if (lineno == 1) {
			err = parse_version(line, s);
		} else if (lineno == 2) {
			err = strncmp(line, "Prot LocalAddress:Port", 22) == 0 ? 0 : -EINVAL;
		} else if (lineno == 3) {
			err = strncmp(line, "  -> RemoteAddress:Port", 23) == 0 ? 0 : -EINVAL;
		} else if (len == 0) {
			continue;
		} else if (line[0] == ' ') {
			err = parse_dest(line, svc);
		} else {
			guess_fwmark_af(svc);
			err = parse_service(line, s, &svc);
		}
		if (err)
			break;
	}
	if (!err && r < 0)
		err = r;
	if (!err && lineno < 3)
		err = -EINVAL; /* the kernel always prints the three header lines */
	guess_fwmark_af(svc);
	lr_close(&lr);
	return err;
}

/* ---------------------------------------------------------------- /proc/net/ip_vs_stats */

/*
 * ip_vs_stats_show(): two header lines, "%8LX %8LX %8LX %16LX %16LX" totals (conns, in/out
 * packets, in/out bytes), a blank line, one header line, and the same layout for the rates.
 */
int ipvs_proc_read_stats(const char *path, struct ipvs_stats *total)
{
	struct line_reader lr;
	uint64_t v[2][5];
	int rows = 0, err, r;
	char *line;
	size_t len;

	err = lr_open(&lr, path, READ_BUF_SMALL);
	if (err)
		return err;
	while ((r = lr_next(&lr, &line, &len)) > 0) {
		char *tok[6];
		bool more, numeric = true;
		size_t n = tokenize(line, tok, 6, &more);
		uint64_t row[6];

		if (n == 0)
			continue;
		for (size_t i = 0; i < n && numeric; i++)
			numeric = parse_hex(tok[i], 16, &row[i]);
		if (!numeric)
			continue; /* a header line */
		if (n != 5 || more || rows == 2) {
			err = -EINVAL;
			break;
		}
		memcpy(v[rows++], row, sizeof(v[0]));
	}
	lr_close(&lr);
	if (err)
		return err;
	if (r < 0)
		return r;
	if (rows != 2)
		return -EINVAL;
	memset(total, 0, sizeof(*total));
	total->conns = v[0][0];
	total->inpkts = v[0][1];
	total->outpkts = v[0][2];
	total->inbytes = v[0][3];
	total->outbytes = v[0][4];
	total->cps = ipvs_rate32(v[1][0]);
	total->inpps = ipvs_rate32(v[1][1]);
	total->outpps = ipvs_rate32(v[1][2]);
	total->inbps = v[1][3];
	total->outbps = v[1][4];
	return 0;
}

/* ---------------------------------------------------------------- aggregation */

/*
 * Counts by a fixed-size binary key (formatting text for a million lines would cost more
 * than parsing them): a hash_index whose record is the key and its count.
 */
#define AGG_KEY_LEN 28

struct agg_rec {
	uint8_t key[AGG_KEY_LEN];
	uint64_t count;
};

struct agg {
	struct hash_index ix;
	size_t n;
};

#define AGG_EMPTY                                                                                  \
	{                                                                                          \
		.ix = HASH_INDEX_EMPTY(sizeof(struct agg_rec))                                     \
	}

static uint64_t agg_hash(const uint8_t *key)
{
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, key, AGG_KEY_LEN);
	h ^= h >> 29;
	return h ^ (h >> 32);
}

static uint64_t agg_rec_hash(const void *rec)
{
	return agg_hash(((const struct agg_rec *)rec)->key);
}

static bool agg_rec_eq(const void *key, const void *rec, size_t rec_size)
{
	(void)rec_size;
	return memcmp(((const struct agg_rec *)rec)->key, key, AGG_KEY_LEN) == 0;
}

static int agg_add(struct agg *a, const uint8_t *key)
{
	uint64_t h = agg_hash(key);
	size_t slot;

	if (a->n && hash_index_find(&a->ix, h, agg_rec_eq, key, &slot)) {
		((struct agg_rec *)hash_index_rec(&a->ix, slot))->count++;
		return 0;
	}
	if (hash_index_reserve(&a->ix, 1, agg_rec_hash) < 0)
		return -ENOMEM;
	struct agg_rec r = {.count = 1};
	memcpy(r.key, key, AGG_KEY_LEN);
	hash_index_add(&a->ix, h, 0, &r);
	a->n++;
	return 0;
}

/* Key layouts. service: proto[8] af port[2] addr[16]; dest: af port[2] addr[16]; state[16]. */
/* af port[2] addr[16] at k: the part a service key and a destination key share. */
static void key_endpoint(uint8_t *k, int af, uint16_t port, const struct ipvs_addr *addr)
{
	k[0] = af == AF_INET6 ? 6 : 4;
	k[1] = (uint8_t)(port >> 8);
	k[2] = (uint8_t)port;
	memcpy(k + 3, addr->bytes, 16);
}

static void key_service(uint8_t *k, const struct ipvs_conn *c)
{
	memset(k, 0, AGG_KEY_LEN);
	memcpy(k, c->protocol, strnlen(c->protocol, 8));
	key_endpoint(k + 8, c->af, c->virt_port, &c->virt);
}

static void key_dest(uint8_t *k, const struct ipvs_conn *c)
{
	memset(k, 0, AGG_KEY_LEN);
	key_endpoint(k, c->dest_af, c->dest_port, &c->dest);
}

static void key_state(uint8_t *k, const struct ipvs_conn *c)
{
	memset(k, 0, AGG_KEY_LEN);
	memcpy(k, c->state, strnlen(c->state, sizeof(c->state)));
}

/* "10.0.0.1:80", "[2001:db8::1]:80" */
static void format_endpoint(char *buf, size_t len, uint8_t afbyte, const uint8_t *port,
			    const uint8_t *addr)
{
	char a[INET6_ADDRSTRLEN];
	int af = afbyte == 6 ? AF_INET6 : AF_INET;
	unsigned p = ((unsigned)port[0] << 8) | port[1];

	if (!inet_ntop(af, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", a, p);
}

enum agg_kind { AGG_SERVICE, AGG_DEST, AGG_STATE };

static void agg_format(enum agg_kind kind, const uint8_t *k, char *buf, size_t len)
{
	char proto[9], ep[64];

	switch (kind) {
	case AGG_SERVICE:
		memcpy(proto, k, 8);
		proto[8] = '\0';
		format_endpoint(ep, sizeof(ep), k[8], k + 9, k + 11);
		snprintf(buf, len, "%s %s", proto, ep);
		break;
	case AGG_DEST:
		format_endpoint(buf, len, k[0], k + 1, k + 3);
		break;
	case AGG_STATE:
		snprintf(buf, len, "%.*s", 16, (const char *)k);
		break;
	}
}

static int count_cmp(const void *pa, const void *pb)
{
	const struct ipvs_conn_count *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Turns the table into a sorted array of text keys; frees the table. */
static int agg_export(struct agg *a, enum agg_kind kind, struct ipvs_conn_count **out,
		      size_t *n_out)
{
	struct ipvs_conn_count *c = NULL;
	size_t n = 0;

	if (a->n) {
		c = calloc(a->n, sizeof(*c));
		if (!c) {
			hash_index_free(&a->ix);
			a->n = 0;
			return -ENOMEM;
		}
		for (size_t i = 0; i < a->ix.cap; i++) {
			if (!hash_index_live(&a->ix, i))
				continue;
			const struct agg_rec *r = hash_index_rec(&a->ix, i);
			agg_format(kind, r->key, c[n].key, sizeof(c[n].key));
			c[n].count = r->count;
			n++;
		}
		qsort(c, n, sizeof(*c), count_cmp);
	}
	hash_index_free(&a->ix);
	a->n = 0;
	*out = c;
	*n_out = n;
	return 0;
}

/* ---------------------------------------------------------------- /proc/net/ip_vs_conn */

/*
 * ip_vs_conn_seq_show():
 *   "%-3s %08X %04X %08X %04X %s %04X %-11s %7u%s\n"           (IPv4 client and virtual)
 *   "%-3s %pI6 %04X %pI6 %04X %s %04X %-11s %7u%s\n"           (IPv6)
 * The destination (%s) is "%08X" or "%pI6" after its own family, which may differ from the
 * connection's (tunnels to the other family, Linux 3.18+). The trailing %s is " PEName
 * PEData" for persistence-engine templates and is ignored.
 */
static int parse_conn(char *line, struct ipvs_conn *c)
{
	char *tok[9];
	bool more;
	size_t n = tokenize(line, tok, 9, &more);
	uint64_t port;
	uint64_t expires;
	int vaf;

	if (n != 9)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	if (strlen(tok[0]) >= sizeof(c->protocol))
		return -EINVAL;
	for (size_t i = 0; tok[0][i]; i++)
		c->protocol[i] = (char)tolower((unsigned char)tok[0][i]);
	c->af = parse_conn_addr(tok[1], &c->client);
	vaf = parse_conn_addr(tok[3], &c->virt);
	c->dest_af = parse_conn_addr(tok[5], &c->dest);
	if (!c->af || vaf != c->af || !c->dest_af)
		return -EINVAL;
	if (!parse_hex_exact(tok[2], 4, &port))
		return -EINVAL;
	c->client_port = (uint16_t)port;
	if (!parse_hex_exact(tok[4], 4, &port))
		return -EINVAL;
	c->virt_port = (uint16_t)port;
	if (!parse_hex_exact(tok[6], 4, &port))
		return -EINVAL;
	c->dest_port = (uint16_t)port;
	if (strlen(tok[7]) >= sizeof(c->state))
		return -EINVAL;
	copy_field(c->state, sizeof(c->state), tok[7]);
	if (!parse_u64(tok[8], &expires))
		return -EINVAL;
	c->expires = expires > UINT32_MAX ? UINT32_MAX : (uint32_t)expires;
	return 0;
}

static int keep_conn(struct ipvs_conn_table *t, size_t *cap, size_t limit,
		     const struct ipvs_conn *c)
{
	if (t->n_conns == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		if (ncap > limit)
			ncap = limit;
		struct ipvs_conn *p = realloc(t->conns, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->conns = p;
		*cap = ncap;
	}
	t->conns[t->n_conns++] = *c;
	return 0;
}

int ipvs_proc_read_conns(const char *path, size_t limit, struct ipvs_conn_table *t,
			 const unsigned *cancel)
{
	struct agg by_service = AGG_EMPTY, by_dest = AGG_EMPTY, by_state = AGG_EMPTY;
	struct line_reader lr;
	size_t cap = 0, len;
	bool header = false;
	uint8_t key[AGG_KEY_LEN];
	char *line;
	int err, r;

	memset(t, 0, sizeof(*t));
	err = lr_open(&lr, path, READ_BUF_CONNS);
	if (err)
		return err;
	while ((r = lr_next(&lr, &line, &len)) > 0) {
		struct ipvs_conn c;

		if (!header) {
			if (strncmp(line, "Pro FromIP", 10) != 0) {
				err = -EINVAL;
				break;
			}
			header = true;
			continue;
		}
		if (len == 0)
			continue;
		/* Before Linux 6.14 a million entries take minutes to read: stop when asked. */
		if ((t->total & 1023) == 0 && cancel_is_set(cancel, CANCEL_ALL | CANCEL_CONNS)) {
			err = -ECANCELED;
			break;
		}
		err = parse_conn(line, &c);
		if (!err && t->n_conns < limit)
			err = keep_conn(t, &cap, limit, &c);
		if (!err) {
			key_service(key, &c);
			err = agg_add(&by_service, key);
		}
		if (!err) {
			key_dest(key, &c);
			err = agg_add(&by_dest, key);
		}
		if (!err) {
			key_state(key, &c);
			err = agg_add(&by_state, key);
		}
		if (err)
			break;
		t->total++;
	}
	lr_close(&lr);
	if (!err && r < 0)
		err = r;
	if (!err && !header)
		err = -EINVAL; /* the kernel prints the header even for an empty table */
	if (!err)
		err = agg_export(&by_service, AGG_SERVICE, &t->by_service, &t->n_by_service);
	if (!err)
		err = agg_export(&by_dest, AGG_DEST, &t->by_dest, &t->n_by_dest);
	if (!err)
		err = agg_export(&by_state, AGG_STATE, &t->by_state, &t->n_by_state);
	hash_index_free(&by_service.ix);
	hash_index_free(&by_dest.ix);
	hash_index_free(&by_state.ix);
	if (err) {
		ipvs_conn_table_free(t);
		return err;
	}
	t->truncated = t->total > t->n_conns;
	return 0;
}
