/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent (agent.h). Two kinds of thread:
 *
 * - this one, the reader: reads the node on its interval as the batch loop does (collector,
 *   kube_side), and renders a document when a client asks for one that is not yet made of
 *   the newest read. It owns the snapshots and the join; nobody else touches them.
 * - libmicrohttpd's, one per client (at most max_connections, each with a time limit): they
 *   check the reader's token with the API server (agent_auth.c), then take a reference to
 *   the document they want and stream it. A slow client holds its reference, not the reader.
 *
 * libmicrohttpd because it is the small, well-kept C server that does TLS (GnuTLS), limits
 * connections in all, per address, in time and in header memory by itself, and has been
 * in Debian for years; writing those limits by hand is where servers go wrong.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "agent.h"
#include "agent_auth.h"
#include "agent_dl.h"
#include "agent_tls.h"
#include "clock.h"
#include "digest.h"
#include "json_read.h"
#include "nls.h"
#include "output_json.h"
#include "output_prom.h"

enum doc_kind { DOC_SNAPSHOT, DOC_SUMMARY, DOC_METRICS, N_DOCS };

/* A rendered document, shared by the clients sending it. */
struct doc {
	unsigned refs; /* under agent.lock */
	uint64_t gen;  /* the read it is of */
	char *buf;
	size_t len;
};

/* How long a client waits for a document to be made before it is answered 503. */
#define RENDER_WAIT 15.0
/* A client that sends nothing for this long is dropped (slowloris). */
#define CONNECTION_TIMEOUT 10
/* Request line and headers of one client: a bigger request is answered 431. */
#define CONNECTION_MEMORY (32 * 1024)
#define PER_ADDRESS_LIMIT 16
/*
 * libmicrohttpd's own timeout is of idleness: a client dripping a header byte every few
 * seconds would hold its connection for ever. The reader's watchdog shuts down a connection
 * whose request is not complete this long after it opened, and any after CONNECTION_LIFE.
 */
#define HEADER_LIMIT 10.0
#define CONNECTION_LIFE 120.0
#define MAX_CONNECTIONS 256

/* One open connection, for the watchdog (under agent.lock). */
struct conn_slot {
	bool used, answered, shut;
	int fd;
	double start;
};

struct reader;

struct agent {
	const struct agent_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a client wants a document: the reader wakes */
	pthread_cond_t ready; /* a document was made, or the agent stops */
	pthread_cond_t idle;  /* the render thread finished what it was making */
	pthread_cond_t stop_cond; /* the reader's sleep (signalled by nobody: a timed wait) */
	bool render_ok;		  /* the reader's cur, prev and join hold still */
	bool rendering;		  /* the render thread is making documents from them */
	struct reader *r;	  /* the reader's snapshots and join */
	uint64_t gen;         /* reads so far; 0: none yet */
	double last_read;     /* monotonic seconds of the last good read */
	bool want[N_DOCS];
	struct doc *docs[N_DOCS]; /* each of read gen, or NULL */
	bool stopping;
	struct agent_auth *auth;
	char node[256];
	volatile sig_atomic_t *stop;
	struct conn_slot conns[MAX_CONNECTIONS];
	double log_at;	   /* when libmicrohttpd's last message was printed */
	unsigned log_held; /* messages not printed since */
};

static void doc_free(struct doc *d)
{
	if (d) {
		free(d->buf);
		free(d);
	}
}

/* Drops the agent's reference to d (under agent.lock); the last one frees it. */
static void doc_put_locked(struct doc *d)
{
	if (d && --d->refs == 0)
		doc_free(d);
}

/* A client's reference dropped: its document freed outside the lock when it was the last. */
static void doc_unref(struct agent *a, struct doc *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&a->lock);
	bool last = --d->refs == 0;
	pthread_mutex_unlock(&a->lock);
	if (last)
		doc_free(d);
}

/* ---- the reader's side ---- */

struct reader {
	struct snapshot slots[3]; /* the newest read, the one before, and the one being read */
	struct snapshot *cur, *prev;
	const struct kube_view *kv;
};

static int render(struct agent *a, struct reader *r, enum doc_kind k, FILE *f)
{
	switch (k) {
	case DOC_SNAPSHOT:
		return output_json(f, r->cur, r->prev, r->kv);
	case DOC_SUMMARY: {
		struct digest d;
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		digest_fill(&d, r->cur, r->kv, a->node,
			    (double)now.tv_sec + (double)now.tv_nsec / 1e9);
		return digest_write(f, &d);
	}
	case DOC_METRICS: {
		struct prom_opts po = {.max_real_server_series = a->o->max_rs_series,
				       .node = a->node};
		return output_prom(f, r->cur, r->kv, &po);
	}
	case N_DOCS:
		break;
	}
	return -ENOTSUP;
}

/* Makes document k of the newest read and hands it to the clients waiting. */
static void make_doc(struct agent *a, struct reader *r, enum doc_kind k)
{
	struct doc *d = calloc(1, sizeof(*d));
	FILE *f = d ? open_memstream(&d->buf, &d->len) : NULL;
	int rc = f ? render(a, r, k, f) : -ENOMEM;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	pthread_mutex_lock(&a->lock);
	if (rc == 0) {
		d->gen = a->gen;
		d->refs = 1;
		doc_put_locked(a->docs[k]);
		a->docs[k] = d;
		d = NULL;
	}
	pthread_cond_broadcast(&a->ready);
	pthread_mutex_unlock(&a->lock);
	doc_free(d);
}

/* Shuts down the connections past their time (under agent.lock). */
static void watchdog(struct agent *a)
{
	double now = clock_mono();
	for (size_t i = 0; i < MAX_CONNECTIONS; i++) {
		struct conn_slot *c = &a->conns[i];
		if (!c->used || c->shut)
			continue;
		if ((!c->answered && now - c->start > HEADER_LIMIT) ||
		    now - c->start > CONNECTION_LIFE) {
			/* Its thread's next recv() or send() fails: libmicrohttpd closes it. */
			shutdown(c->fd, SHUT_RDWR);
			c->shut = true;
		}
	}
}

/* Sleeps until the deadline (monotonic seconds), minding the connections meanwhile. */
static void sleep_until(struct agent *a, double deadline)
{
	pthread_mutex_lock(&a->lock);
	while (!*a->stop && clock_mono() < deadline) {
		watchdog(a);
		double left = deadline - clock_mono();
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long ns = (long)((left < 0.25 ? left : 0.25) * 1e9);
		ts.tv_nsec += ns;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		/* Nothing signals stop_cond but the end: this is a sleep with a lock held. */
		pthread_cond_timedwait(&a->stop_cond, &a->lock, &ts);
	}
	pthread_mutex_unlock(&a->lock);
}

/*
 * The render thread: makes the documents clients ask for, of the newest read, while the
 * reader reads the next one into its spare slot. It works only while the reader says the
 * newest read and its join hold still (render_ok).
 */
static void *render_main(void *arg)
{
	struct agent *a = arg;
	pthread_mutex_lock(&a->lock);
	while (!a->stopping) {
		bool want[N_DOCS] = {false}, any = false;
		if (a->render_ok)
			for (int k = 0; k < N_DOCS; k++) {
				want[k] = a->want[k];
				a->want[k] = false;
				any |= want[k];
			}
		if (!any) {
			pthread_cond_wait(&a->work, &a->lock);
			continue;
		}
		a->rendering = true;
		pthread_mutex_unlock(&a->lock);
		for (int k = 0; k < N_DOCS; k++)
			if (want[k])
				make_doc(a, a->r, (enum doc_kind)k);
		pthread_mutex_lock(&a->lock);
		a->rendering = false;
		pthread_cond_broadcast(&a->idle);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* The reader needs cur, prev and the join: waits for a render under way to end. */
static void hold_renders(struct agent *a)
{
	pthread_mutex_lock(&a->lock);
	a->render_ok = false;
	while (a->rendering)
		pthread_cond_wait(&a->idle, &a->lock);
	pthread_mutex_unlock(&a->lock);
}

/* A new read: the documents of the last one are dropped (clients sending them keep theirs). */
static void new_read(struct agent *a)
{
	pthread_mutex_lock(&a->lock);
	a->gen++;
	a->last_read = clock_mono();
	for (int k = 0; k < N_DOCS; k++) {
		doc_put_locked(a->docs[k]);
		a->docs[k] = NULL;
	}
	a->render_ok = true;
	pthread_cond_broadcast(&a->work);
	pthread_mutex_unlock(&a->lock);
}

/* The slot that is neither cur nor prev. */
static struct snapshot *spare_slot(struct reader *r)
{
	for (int i = 0; i < 3; i++)
		if (&r->slots[i] != r->cur && &r->slots[i] != r->prev)
			return &r->slots[i];
	return NULL;
}

static int read_loop(struct agent *a, struct kube_side *kube, struct collector *c)
{
	struct reader *r = a->r;
	bool replay_over = false;
	int rc = 0;
	while (!*a->stop) {
		double started = clock_mono();
		struct snapshot *spare = spare_slot(r);
		bool got = false;
		if (!replay_over) {
			/* While documents of the last read may be rendered from cur and prev. */
			rc = a->o->replay ? json_read_next(a->o->replay, spare, &replay_over)
					  : collector_read(c, spare);
			if (rc != 0) {
				fprintf(stderr, "%s: %s\n", PACKAGE, strerror(-rc));
				break;
			}
			got = !replay_over;
			if (!got)
				snapshot_free(spare);
		}
		hold_renders(a);
		if (got) {
			if (r->prev)
				snapshot_free(r->prev);
			r->prev = r->cur;
			r->cur = spare;
		}
		/* At a recording's end its last document is served from then on. */
		if (r->cur) {
			r->kv = kube_side_update(kube, r->cur, r->cur->mono);
			new_read(a);
		}
		sleep_until(a, started + a->o->interval);
	}
	hold_renders(a);
	return rc ? 1 : 0;
}

/* ---- the clients' side (libmicrohttpd's threads) ---- */

/* Takes a reference to document k of the newest read, asking the reader for it if needed. */
static struct doc *take_doc(struct agent *a, enum doc_kind k, char *why, size_t len)
{
	struct doc *d = NULL;
	double deadline = clock_mono() + RENDER_WAIT;
	pthread_mutex_lock(&a->lock);
	while (!a->stopping && a->gen > 0) {
		if (a->docs[k] && a->docs[k]->gen == a->gen) {
			d = a->docs[k];
			d->refs++;
			break;
		}
		if (clock_mono() >= deadline)
			break;
		a->want[k] = true;
		pthread_cond_broadcast(&a->work);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&a->ready, &a->lock, &ts);
	}
	if (!d)
		snprintf(why, len, "%s",
			 a->gen == 0 ? _("no read of this node yet") : _("the document was not made in time"));
	pthread_mutex_unlock(&a->lock);
	return d;
}

struct sending {
	struct agent *a;
	struct doc *d;
};

static ssize_t send_part(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sending *s = cls;
	if (pos >= s->d->len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = s->d->len - (size_t)pos < max ? s->d->len - (size_t)pos : max;
	memcpy(buf, s->d->buf + pos, n);
	return (ssize_t)n;
}

static void sent(void *cls)
{
	struct sending *s = cls;
	doc_unref(s->a, s->d);
	free(s);
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status,
				   const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"ipvstop\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result answer_doc(struct agent *a, struct MHD_Connection *conn, enum doc_kind k)
{
	char why[256];
	struct doc *d = take_doc(a, k, why, sizeof(why));
	if (!d) {
		char text[300];
		snprintf(text, sizeof(text), "%s\n", why);
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, text);
	}
	struct sending *s = malloc(sizeof(*s));
	struct MHD_Response *r =
		s ? MHD_create_response_from_callback(d->len, 64 * 1024, send_part, s, sent) : NULL;
	if (!r) {
		free(s);
		doc_unref(a, d);
		return MHD_NO;
	}
	*s = (struct sending){a, d};
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				k == DOC_METRICS ? PROM_CONTENT_TYPE
						 : "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result answer_health(struct agent *a, struct MHD_Connection *conn)
{
	pthread_mutex_lock(&a->lock);
	double age = a->gen ? clock_mono() - a->last_read : -1;
	pthread_mutex_unlock(&a->lock);
	double limit = 3 * a->o->interval > 10 ? 3 * a->o->interval : 10;
	char text[128];
	if (age >= 0 && age <= limit)
		return answer_text(conn, MHD_HTTP_OK, "ok\n");
	if (age < 0)
		snprintf(text, sizeof(text), "%s\n", _("no read of this node yet"));
	else
		snprintf(text, sizeof(text), _("the last read is %.0f s old\n"), age);
	return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct agent *a = cls;
	pthread_mutex_lock(&a->lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (size_t i = 0; ci && i < MAX_CONNECTIONS; i++)
			if (!a->conns[i].used) {
				a->conns[i] = (struct conn_slot){
				    .used = true, .fd = ci->connect_fd, .start = clock_mono()};
				*socket_context = &a->conns[i];
				break;
			}
	} else if (*socket_context) {
		struct conn_slot *c = *socket_context;
		c->used = false;
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&a->lock);
}

/* The request is complete: the watchdog's header limit no longer applies. */
static void answered(struct agent *a, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	pthread_mutex_lock(&a->lock);
	if (ci && ci->socket_context)
		((struct conn_slot *)ci->socket_context)->answered = true;
	pthread_mutex_unlock(&a->lock);
}

/* libmicrohttpd's messages, at most one each 10 s: a flood must not flood the log. */
static void on_log(void *cls, const char *fmt, va_list ap)
{
	struct agent *a = cls;
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	pthread_mutex_lock(&a->lock);
	double now = clock_mono();
	bool say = now - a->log_at >= 10.0;
	unsigned held = a->log_held;
	if (say) {
		a->log_at = now;
		a->log_held = 0;
	} else {
		a->log_held++;
	}
	pthread_mutex_unlock(&a->lock);
	if (say && held)
		fprintf(stderr, _("%s: %s (and %u more messages of the server)\n"), PACKAGE, line,
			held);
	else if (say)
		fprintf(stderr, "%s: %s\n", PACKAGE, line);
}

/*
 * The client certificate of the connection, when it sent one and the TLS layer verified it
 * against the trusted CA: 1 with *id filled, 0 none sent, -1 one that did not verify.
 */
static int client_cert(struct MHD_Connection *conn, struct agent_cert_id *id)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
	unsigned n = 0, status = 0;
	const gnutls_datum_t *peers = s ? gnutls_certificate_get_peers(s, &n) : NULL;
	if (!peers || n == 0)
		return 0;
	if (gnutls_certificate_verify_peers2(s, &status) != 0 || status != 0)
		return -1;
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) != 0)
		return -1;
	int rc = -1;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0) {
		memset(id, 0, sizeof(*id));
		size_t len = sizeof(id->user) - 1;
		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, id->user,
						  &len) != 0)
			id->user[0] = '\0';
		for (unsigned i = 0; id->n_groups < AGENT_CERT_GROUPS; i++) {
			len = sizeof(id->groups[0]) - 1;
			if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, i,
							  0, id->groups[id->n_groups], &len) != 0)
				break;
			id->n_groups++;
		}
		gnutls_hash_hd_t h;
		if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) == 0) {
			gnutls_hash(h, "x509:", 5);
			gnutls_hash(h, peers[0].data, peers[0].size);
			gnutls_hash_deinit(h, id->key);
			rc = 1;
		}
	}
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* The bearer token of the request: Authorization, else X-Ipvstop-Authorization (pods/proxy). */
static const char *bearer(struct MHD_Connection *conn)
{
	static const char *const headers[] = {MHD_HTTP_HEADER_AUTHORIZATION,
					      "X-Ipvstop-Authorization"};
	for (size_t i = 0; i < 2; i++) {
		const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, headers[i]);
		if (v && strncasecmp(v, "Bearer ", 7) == 0) {
			v += 7;
			while (*v == ' ')
				v++;
			return v;
		}
	}
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **ctx)
{
	struct agent *a = cls;
	(void)version;
	(void)upload;
	(void)ctx;
	/* Answered at the first call, headers only: a body is never read, and not wanted. */
	*upload_size = 0;
	answered(a, conn);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD\n");
	if (strcmp(url, "/healthz") == 0)
		return answer_health(a, conn);
	enum doc_kind k;
	if (strcmp(url, "/snapshot") == 0) {
		const char *summary =
			MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "summary");
		k = summary && (strcmp(summary, "1") == 0 || strcmp(summary, "true") == 0)
			    ? DOC_SUMMARY
			    : DOC_SNAPSHOT;
	} else if (strcmp(url, "/metrics") == 0) {
		k = DOC_METRICS;
	} else {
		return answer_text(conn, MHD_HTTP_NOT_FOUND,
				   "not found: /snapshot, /snapshot?summary=1, /metrics, /healthz\n");
	}
	char why[256], user[128], text[400];
	const char *token = bearer(conn);
	struct agent_cert_id id;
	int cert = token ? 0 : client_cert(conn, &id);
	int status;
	if (cert < 0) {
		status = 401;
		snprintf(why, sizeof(why), "%s",
			 _("the client certificate is not of the cluster's certificate authority"));
	} else if (cert > 0) {
		status = agent_auth_check_cert(a->auth, &id, why, sizeof(why), user, sizeof(user));
	} else {
		status = agent_auth_check(a->auth, token, why, sizeof(why), user, sizeof(user));
	}
	if (status != 200) {
		snprintf(text, sizeof(text), "%s\n", why);
		return answer_text(conn, (unsigned)status, text);
	}
	return answer_doc(a, conn, k);
}

/* ---- start and stop ---- */

/* "[ADDR:]PORT" -> a socket address; ADDR empty or absent: every address (both families). */
static int parse_listen(const char *text, struct sockaddr_storage *ss, bool *any, uint16_t *port)
{
	char host[128] = "";
	const char *p = strrchr(text, ':');
	const char *port_text = p ? p + 1 : text;
	if (p) {
		size_t n = (size_t)(p - text);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, text, n);
		host[n] = '\0';
		if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
			memmove(host, host + 1, n - 2);
			host[n - 2] = '\0';
		}
	}
	char *end;
	long v = strtol(port_text, &end, 10);
	if (!*port_text || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	*any = host[0] == '\0';
	if (*any)
		return 0;
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	if (getaddrinfo(host, port_text, &hints, &res) != 0)
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static struct MHD_Daemon *start_daemon(struct agent *a, const struct agent_tls *tls,
				       const char *client_ca)
{
	struct sockaddr_storage ss;
	bool any;
	uint16_t port;
	if (parse_listen(a->o->listen, &ss, &any, &port) != 0) {
		fprintf(stderr, _("%s: --serve wants [ADDRESS:]PORT, not '%s'\n"), PACKAGE,
			a->o->listen);
		return NULL;
	}
	intptr_t limit = a->o->max_connections ? (intptr_t)a->o->max_connections : 64;
	if (limit > MAX_CONNECTIONS)
		limit = MAX_CONNECTIONS;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_TLS | MHD_USE_ERROR_LOG;
	if (any)
		flags |= MHD_USE_DUAL_STACK;
	struct MHD_OptionItem opts[12] = {
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_log, a}, /* first: it says so otherwise */
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, tls->cert_pem},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key_pem},
	    {MHD_OPTION_CONNECTION_LIMIT, limit, NULL},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, a},
	    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_ADDRESS_LIMIT, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, NULL},
	    {MHD_OPTION_THREAD_STACK_SIZE, 256 * 1024, NULL},
	};
	size_t n = 9;
	/* Client certificates of this CA are asked for, and verified (the kubelet's way). */
	if (client_ca)
		opts[n++] =
		    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, (void *)client_ca};
	if (!any)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
	opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	struct MHD_Daemon *d = MHD_start_daemon(flags, port, NULL, NULL, on_request, a,
						MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!d)
		fprintf(stderr, _("%s: cannot serve on '%s': %s\n"), PACKAGE, a->o->listen,
			strerror(errno ? errno : EADDRINUSE));
	return d;
}

/* --client-ca, else the CA of the agent's credentials; NULL (said) when neither is there. */
static char *load_client_ca(struct agent *a, char *err, size_t errlen)
{
	char *pem = NULL;
	size_t len;
	if (!a->o->client_ca)
		pem = agent_auth_ca(a->auth, err, errlen);
	else if (agent_tls_read_pem(a->o->client_ca, &pem, &len, err, errlen) != 0)
		pem = NULL;
	if (!pem)
		fprintf(stderr,
			_("%s: client certificates are not accepted (%s): bearer tokens only\n"),
			PACKAGE, err);
	return pem;
}

int agent_run(const struct agent_opts *o, volatile sig_atomic_t *stop)
{
	struct agent a = {.o = o, .stop = stop};
	char err[512];
	if (agent_dl_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: --serve: %s\n", PACKAGE, err);
		return 1;
	}
	if (!o->kube.enabled) {
		fprintf(stderr,
			_("%s: --serve checks every reader with the API server (TokenReview and "
			  "SubjectAccessReview); it cannot run with --no-kube\n"),
			PACKAGE);
		return 1;
	}
	struct kube_side kube;
	if (kube_side_start(&kube, &o->kube) != 0) {
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
		return 1;
	}
	snprintf(a.node, sizeof(a.node), "%s", kube.node);
	struct kube_config_opts kco;
	kube_side_config_opts(&o->kube, &kco);
	a.auth = agent_auth_new(&kco, a.node, o->token_audience, err, sizeof(err));
	if (!a.auth) {
		fprintf(stderr, _("%s: --serve needs Kubernetes credentials to check readers: %s\n"),
			PACKAGE, err);
		kube_side_stop(&kube);
		return 1;
	}
	struct agent_tls tls;
	if (agent_tls_load(&tls, o->tls_cert, o->tls_key, a.node, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err);
		agent_auth_free(a.auth);
		kube_side_stop(&kube);
		return 1;
	}
	struct reader reader;
	memset(&reader, 0, sizeof(reader));
	a.r = &reader;
	pthread_mutex_init(&a.lock, NULL);
	pthread_cond_init(&a.work, NULL);
	pthread_cond_init(&a.ready, NULL);
	pthread_cond_init(&a.idle, NULL);
	pthread_cond_init(&a.stop_cond, NULL);
	pthread_t renderer;
	bool have_renderer = pthread_create(&renderer, NULL, render_main, &a) == 0;
	struct collector *c = o->replay ? NULL : collector_new(&o->collect);
	char *client_ca = load_client_ca(&a, err, sizeof(err));
	struct MHD_Daemon *d =
	    have_renderer && (o->replay || c) ? start_daemon(&a, &tls, client_ca) : NULL;
	int rc = 1;
	if (!have_renderer || (!o->replay && !c))
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
	if (d) {
		fprintf(stderr,
			_("%s: serving node %s on https://%s (certificate SHA-256 %s%s)\n"),
			PACKAGE, a.node, o->listen, tls.fingerprint,
			tls.self_signed ? _(", self-signed") : "");
		kube_side_wait(&kube, o->kube_wait);
		rc = read_loop(&a, &kube, c);
	}
	pthread_mutex_lock(&a.lock);
	a.stopping = true;
	pthread_cond_broadcast(&a.ready);
	pthread_cond_broadcast(&a.work);
	pthread_mutex_unlock(&a.lock);
	if (d)
		MHD_stop_daemon(d);
	if (have_renderer)
		pthread_join(renderer, NULL);
	for (int k = 0; k < N_DOCS; k++)
		doc_put_locked(a.docs[k]); /* every client is gone: the last reference */
	for (int i = 0; i < 3; i++)
		snapshot_free(&reader.slots[i]);
	free(client_ca);
	collector_free(c);
	agent_tls_free(&tls);
	agent_auth_free(a.auth);
	kube_side_stop(&kube);
	pthread_cond_destroy(&a.ready);
	pthread_cond_destroy(&a.idle);
	pthread_cond_destroy(&a.stop_cond);
	pthread_cond_destroy(&a.work);
	pthread_mutex_destroy(&a.lock);
	return rc;
}
