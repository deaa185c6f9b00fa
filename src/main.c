/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipvstop: options, locale, the refresh loop of the non-interactive outputs. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cells.h"
#include "cluster_batch.h"
#include "collect.h"
#include "nls.h"
#include "output_json.h"
#include "output_text.h"
#include "json_read.h"
#include "actions.h"
#include "agent.h"
#include "ipvs_nl.h"
#include "kube_side.h"
#include "signals.h"
#include "trace.h"
#include "snapshot.h"
#include "plot_svg.h"
#include "ui.h"
#include "ui_term.h"
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

enum mode { MODE_UI, MODE_BATCH, MODE_JSON, MODE_SERVE };

struct options {
	enum mode mode;
	long count; /* 0: forever */
	double interval;
	bool exact;
	enum ui_color color;
	const char *record_path, *replay_path;
	struct collect_opts collect;
	struct kube_side_opts kube;
	double kube_wait;
	double dataplane_wait; /* --dataplane-wait: a mode switch's check of this node's rules */
	bool readonly, force, yes;
	bool no_dataplane; /* --no-dataplane: the IPVS table only */
	/* Actions from the command line (the same code as the dashboard's keys). */
	bool load_modules;
	const char *set_scheduler; /* "tcp:10.0.0.1:80=wlc[,fallback][,port]" */
	const char *kube_scheduler;
	const char *proxy_mode;
	const char *plot_path, *select; /* --plot FILE [--select VS] of a --replay */
	/* The agent: --serve, its certificate, the /metrics real-server bound */
	const char *serve, *tls_cert, *tls_key, *client_ca, *token_audience;
	size_t metrics_max_rs;
	/* --cluster: every node's agent (cluster.h) */
	bool cluster;
	long agent_port;
	const char *agent_ca;
	enum cluster_path agent_path;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f, _("Usage: %s [options]\n"), PACKAGE);
	fputs(_("Show the kernel's IPVS table: virtual services, real servers, counters, rates.\n"),
	      f);
	fputs("\n", f);
	fputs(_("Without -b or -j, ipvstop is an interactive dashboard (press ? for its keys).\n"),
	      f);
	fputs("\n", f);
	fputs(
	    _("  -b, --batch              plain text frames, like top -b\n"
	      "  -j, --json               one JSON document per refresh (JSON Lines, schema 1)\n"
	      "  -n, --iterations=N       refresh N times, then exit\n"
	      "  -d, --delay=SECONDS      time between refreshes (fractions allowed; default 2)\n"
	      "  -e, --exact              exact numbers instead of K/M/G (batch)\n"
	      "      --connections        add the connection list (/proc/net/ip_vs_conn)\n"
	      "      --connection-limit=N keep at most N connection entries (default 1000;\n"
	      "                           all are counted)\n"
	      "      --source=WHICH       auto, netlink or proc (read-only /proc/net/ip_vs)\n"
	      "      --color=WHEN         auto, always or never (NO_COLOR is honoured)\n"
	      "      --record=FILE        also write every snapshot to FILE as JSON Lines\n"
	      "      --replay=FILE        play a recording instead of reading the kernel\n"
	      "      --plot=OUT.svg       with --replay: its history as an SVG image, then exit\n"
	      "      --select=VS          with --plot: one virtual service (tcp:10.0.0.1:80)\n"
	      "      --no-dataplane       leave out kube-proxy's nftables and iptables rules,\n"
	      "                           ipsets and kube-ipvs0 (the dashboard's other data\n"
	      "                           planes, -b/-j's dataplane section)\n"
	      "      --kubeconfig=FILE    Kubernetes credentials (default: as kubectl finds them)\n"
	      "      --context=NAME       the kubeconfig context to use\n"
	      "      --no-kube            do not read the Kubernetes API\n"
	      "      --kube-wait=SECONDS  -b/-j: wait this long for the cluster's first read\n"
	      "                           (default 5)\n"
	      "      --node=NAME          this node's name in the cluster (default: host name)\n"
	      "      --readonly           change nothing: the action keys are off\n"
	      "      --cluster            every node's agent, one row per node (-b, -j; alone:\n"
	      "                           the dashboard, opened on its nodes page)\n"
	      "      --agent-port=N       the agents' port (default 9774)\n"
	      "      --agent-ca=FILE      verify the agents' certificates with this CA\n"
	      "                           (default: not verified)\n"
	      "      --agent-path=HOW     direct (the nodes' InternalIP), proxy (the API\n"
	      "                           server's pods/proxy) or auto (default: direct, then\n"
	      "                           proxy for a node that cannot be reached)\n"
	      "\n"
	      "Changes, each previewed and confirmed (the dashboard's s, m and l keys):\n"
	      "      --load-modules       load the kernel modules IPVS needs\n"
	      "      --set-scheduler=VS=SCHED[,fallback][,port]\n"
	      "                           set a virtual service's scheduler in the kernel;\n"
	      "                           VS is tcp:ADDR:PORT, udp:..., sctp:..., fwmark:N\n"
	      "      --kube-scheduler=SCHED  kube-proxy's ipvs.scheduler, then restart it\n"
	      "      --proxy-mode=MODE    kube-proxy's mode (iptables, ipvs, nftables), then\n"
	      "                           restart it and follow the rollout; on a node, wait\n"
	      "                           for its nftables or iptables rules to carry the\n"
	      "                           Services (--no-dataplane: not checked)\n"
	      "      --dataplane-wait=SECONDS  how long that wait may be (default 60)\n"
	      "      --yes                answer yes to every confirmation\n"
	      "      --force              go on past a failed preflight\n"
	      "  -h, --help               show this help and exit\n"
	      "  -V, --version            show the version and exit\n"),
	    f);
	fputs("\n", f);
	fputs(_("The agent, read-only, for every node (doc/agent.md):\n"
		"      --serve=[ADDR:]PORT  serve this node over HTTPS: /snapshot,\n"
		"                           /snapshot?summary=1, /metrics, /healthz; readers are\n"
		"                           checked with the API server (TokenReview and\n"
		"                           SubjectAccessReview: get nodes/ipvstop)\n"
		"      --tls-cert=FILE, --tls-key=FILE  its certificate (default: self-signed)\n"
		"      --client-ca=FILE     readers' client certificates are verified with this\n"
		"                           CA (default: the cluster's, from the credentials)\n"
		"      --token-audience=NAME  readers' tokens may be made for NAME (kubectl\n"
		"                           create token --audience; default ipvstop; \"\": no)\n"
		"      --metrics-max-real-servers=N  /metrics: at most N real servers' series\n"
		"                           (the busiest; default 5000, 0: all)\n"),
	      f);
	fputs("\n", f);
	fputs(_("Reading IPVS over netlink needs CAP_NET_ADMIN; without it ipvstop falls back\n"
		"to /proc/net/ip_vs, read-only.\n"),
	      f);
}

/* Parses a whole number in [min, max]; returns false on anything else. */
static bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parses seconds in [min, max] (fractions allowed); returns false on anything else. */
static bool parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* The index of s among words (NULL-terminated), or -1. */
static int parse_word(const char *s, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

/* What an option does to its field of struct options. */
enum take {
	TAKE_NOTHING, /* -h, -V: handled by parse_args */
	TAKE_INT,     /* field (an int or an enum) := .value */
	TAKE_BOOL,    /* field := .value */
	TAKE_STR,     /* field := the argument */
	TAKE_LONG,    /* a whole number in [.lo, .hi] */
	TAKE_SIZE,    /* the same, into a size_t */
	TAKE_SECONDS, /* seconds in [.dlo, .dhi], fractions allowed */
	TAKE_WORD,    /* one of .words: field := .values[i], or the word itself without .values */
};

/* One option: its names, what it sets, and what is said when its argument is bad. */
struct opt_rule {
	const char *name, *alias; /* long names; alias: the same option, spelt otherwise */
	char short_name;          /* 0: long only */
	unsigned char take;       /* enum take */
	size_t field;             /* offsetof(struct options, ...) */
	int value;                /* TAKE_INT, TAKE_BOOL */
	long lo, hi;              /* TAKE_LONG, TAKE_SIZE */
	double dlo, dhi;          /* TAKE_SECONDS */
	const char *const *words; /* TAKE_WORD, NULL-terminated */
	const int *values;        /* TAKE_WORD: what each word sets; NULL: a string field */
	const char *bad;          /* N_(): "%s" the program, "%s" the argument */
};

/* enum fields are set through an int: they must have its size. */
_Static_assert(sizeof(enum mode) == sizeof(int), "enum mode is an int");
_Static_assert(sizeof(enum collect_source) == sizeof(int), "enum collect_source is an int");
_Static_assert(sizeof(enum ui_color) == sizeof(int), "enum ui_color is an int");
_Static_assert(sizeof(enum cluster_path) == sizeof(int), "enum cluster_path is an int");

#define FIELD(f) .field = offsetof(struct options, f)
static const char *const source_words[] = {"auto", "netlink", "proc", NULL};
static const int source_values[] = {COLLECT_AUTO, COLLECT_NETLINK, COLLECT_PROC};
static const char *const color_words[] = {"auto", "always", "never", NULL};
static const int color_values[] = {UI_COLOR_AUTO, UI_COLOR_ALWAYS, UI_COLOR_NEVER};
static const char *const mode_words[] = {"iptables", "ipvs", "nftables", NULL};
static const char *const path_words[] = {"direct", "proxy", "auto", NULL};
static const int path_values[] = {CLUSTER_PATH_DIRECT, CLUSTER_PATH_PROXY, CLUSTER_PATH_AUTO};

/* In the order getopt_long lists them when an abbreviation is ambiguous. */
static const struct opt_rule opt_rules[] = {
    {"batch", NULL, 'b', TAKE_INT, FIELD(mode), .value = MODE_BATCH},
    {"json", NULL, 'j', TAKE_INT, FIELD(mode), .value = MODE_JSON},
    {"iterations", NULL, 'n', TAKE_LONG, FIELD(count), .lo = 1, .hi = LONG_MAX,
     .bad = N_("%s: -n wants a whole number of at least 1, not '%s'\n")},
    {"delay", NULL, 'd', TAKE_SECONDS, FIELD(interval), .dlo = 0.1, .dhi = 86400,
     .bad = N_("%s: -d wants seconds between 0.1 and 86400, not '%s'\n")},
    {"exact", NULL, 'e', TAKE_BOOL, FIELD(exact), .value = true},
    {"connections", NULL, 0, TAKE_BOOL, FIELD(collect.connections), .value = true},
    {"connection-limit", NULL, 0, TAKE_SIZE, FIELD(collect.conn_limit), .lo = 0, .hi = 100000000,
     .bad = N_("%s: --connection-limit wants a whole number, not '%s'\n")},
    {"source", NULL, 0, TAKE_WORD, FIELD(collect.source), .words = source_words,
     .values = source_values, .bad = N_("%s: --source is auto, netlink or proc, not '%s'\n")},
    {"color", "colour", 0, TAKE_WORD, FIELD(color), .words = color_words, .values = color_values,
     .bad = N_("%s: --color is auto, always or never, not '%s'\n")},
    {"record", NULL, 0, TAKE_STR, FIELD(record_path)},
    {"replay", NULL, 0, TAKE_STR, FIELD(replay_path)},
    {"plot", NULL, 0, TAKE_STR, FIELD(plot_path)},
    {"select", NULL, 0, TAKE_STR, FIELD(select)},
    {"kubeconfig", NULL, 0, TAKE_STR, FIELD(kube.kubeconfig)},
    {"context", NULL, 0, TAKE_STR, FIELD(kube.context)},
    {"no-kube", NULL, 0, TAKE_BOOL, FIELD(kube.enabled), .value = false},
    {"kube-wait", NULL, 0, TAKE_SECONDS, FIELD(kube_wait), .dlo = 0, .dhi = 600,
     .bad = N_("%s: --kube-wait wants seconds between 0 and 600, not '%s'\n")},
    {"node", NULL, 0, TAKE_STR, FIELD(kube.node_name)},
    {"readonly", NULL, 0, TAKE_BOOL, FIELD(readonly), .value = true},
    {"force", NULL, 0, TAKE_BOOL, FIELD(force), .value = true},
    {"yes", NULL, 0, TAKE_BOOL, FIELD(yes), .value = true},
    {"load-modules", NULL, 0, TAKE_BOOL, FIELD(load_modules), .value = true},
    {"set-scheduler", NULL, 0, TAKE_STR, FIELD(set_scheduler)},
    {"kube-scheduler", NULL, 0, TAKE_STR, FIELD(kube_scheduler)},
    {"proxy-mode", NULL, 0, TAKE_WORD, FIELD(proxy_mode), .words = mode_words,
     .bad = N_("%s: --proxy-mode is iptables, ipvs or nftables, not '%s'\n")},
    {"no-dataplane", NULL, 0, TAKE_BOOL, FIELD(no_dataplane), .value = true},
    {"dataplane-wait", NULL, 0, TAKE_SECONDS, FIELD(dataplane_wait), .dlo = 0.1, .dhi = 3600,
     .bad = N_("%s: --dataplane-wait wants seconds between 0.1 and 3600, not '%s'\n")},
    {"cluster", NULL, 0, TAKE_BOOL, FIELD(cluster), .value = true},
    {"agent-port", NULL, 0, TAKE_LONG, FIELD(agent_port), .lo = 1, .hi = 65535,
     .bad = N_("%s: --agent-port wants a port number (1 to 65535), not '%s'\n")},
    {"agent-ca", NULL, 0, TAKE_STR, FIELD(agent_ca)},
    {"agent-path", NULL, 0, TAKE_WORD, FIELD(agent_path), .words = path_words,
     .values = path_values, .bad = N_("%s: --agent-path is direct, proxy or auto, not '%s'\n")},
    {"serve", NULL, 0, TAKE_STR, FIELD(serve)},
    {"tls-cert", NULL, 0, TAKE_STR, FIELD(tls_cert)},
    {"tls-key", NULL, 0, TAKE_STR, FIELD(tls_key)},
    {"client-ca", NULL, 0, TAKE_STR, FIELD(client_ca)},
    {"token-audience", NULL, 0, TAKE_STR, FIELD(token_audience)},
    {"metrics-max-real-servers", NULL, 0, TAKE_SIZE, FIELD(metrics_max_rs), .lo = 0,
     .hi = 100000000, .bad = N_("%s: --metrics-max-real-servers wants a whole number, not '%s'\n")},
    {"help", NULL, 'h', TAKE_NOTHING, .field = 0},
    {"version", NULL, 'V', TAKE_NOTHING, .field = 0},
};
#define N_OPT_RULES (sizeof(opt_rules) / sizeof(opt_rules[0]))

/* getopt_long's value for rule i: its short name, or a number past every character. */
static int opt_code(size_t i)
{
	return opt_rules[i].short_name ? opt_rules[i].short_name : 256 + (int)i;
}

/* getopt_long's table, made from opt_rules (each alias right after its option). */
static void make_longopts(struct option *out)
{
	size_t n = 0;
	for (size_t i = 0; i < N_OPT_RULES; i++) {
		const struct opt_rule *r = &opt_rules[i];
		int has_arg = r->take <= TAKE_BOOL ? no_argument : required_argument;
		out[n++] = (struct option){r->name, has_arg, NULL, opt_code(i)};
		if (r->alias)
			out[n++] = (struct option){r->alias, has_arg, NULL, opt_code(i)};
	}
	out[n] = (struct option){NULL, 0, NULL, 0};
}

/* The bad-argument message of r, which comes from the constant table above. */
static int bad_argument(const struct opt_rule *r, const char *arg)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	fprintf(stderr, _(r->bad), PACKAGE, arg);
#pragma GCC diagnostic pop
	return 2;
}

/* Applies rule r with argument arg to *o: -1 to go on, 2 when arg is bad. */
static int apply_option(const struct opt_rule *r, const char *arg, struct options *o)
{
	char *field = (char *)o + r->field;
	long l;
	double d;
	int i = r->value;
	switch ((enum take)r->take) {
	case TAKE_NOTHING:
		break;
	case TAKE_INT:
		memcpy(field, &i, sizeof(i));
		break;
	case TAKE_BOOL:
		*(bool *)field = r->value;
		break;
	case TAKE_STR:
		memcpy(field, &arg, sizeof(arg));
		break;
	case TAKE_LONG:
	case TAKE_SIZE:
		if (!parse_long(arg, r->lo, r->hi, &l))
			return bad_argument(r, arg);
		if (r->take == TAKE_LONG)
			memcpy(field, &l, sizeof(l));
		else
			*(size_t *)(void *)field = (size_t)l;
		break;
	case TAKE_SECONDS:
		if (!parse_seconds(arg, r->dlo, r->dhi, &d))
			return bad_argument(r, arg);
		memcpy(field, &d, sizeof(d));
		break;
	case TAKE_WORD:
		if ((i = parse_word(arg, r->words)) < 0)
			return bad_argument(r, arg);
		if (r->values)
			memcpy(field, &r->values[i], sizeof(int));
		else
			memcpy(field, &arg, sizeof(arg));
		break;
	}
	return -1;
}

/* The rule getopt_long's value c stands for, or NULL ('?': an unknown option). */
static const struct opt_rule *rule_of(int c)
{
	for (size_t i = 0; i < N_OPT_RULES; i++)
		if (opt_code(i) == c)
			return &opt_rules[i];
	return NULL;
}

/* The options into *o. Returns -1 to go on, or the exit status (0 after --help, 2: bad). */
static int parse_args(int argc, char **argv, struct options *o)
{
	struct option longopts[2 * N_OPT_RULES + 1];
	int c;
	make_longopts(longopts);
	while ((c = getopt_long(argc, argv, "bjn:d:ehV", longopts, NULL)) != -1) {
		const struct opt_rule *r = rule_of(c);
		int rc = r ? apply_option(r, optarg, o) : 0;
		if (rc > 0)
			return rc;
		if (r && r->take != TAKE_NOTHING)
			continue;
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == 'V') {
			printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
			puts("License GPL-2.0-or-later: GNU GPL version 2 or later.");
			/* Libraries ldd does not list (src/dl.h), for whoever copies ipvstop. */
			puts("Loaded when used: " IPVSTOP_CURL_SONAME " " IPVSTOP_MHD_SONAME
			     " " IPVSTOP_GNUTLS_SONAME);
			return 0;
		}
		fprintf(stderr, _("Try '%s --help' for more information.\n"), PACKAGE);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, _("%s: unexpected argument '%s'\n"), PACKAGE, argv[optind]);
		fprintf(stderr, _("Try '%s --help' for more information.\n"), PACKAGE);
		return 2;
	}
	return -1;
}

/* Sleeps until the monotonic deadline, or until a signal asks us to stop. */
static void sleep_until(double deadline)
{
	while (!stop_requested) {
		struct timespec now, ts;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double left = deadline - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* Reads the next snapshot: from the kernel, or the next good line of a recording. */
static int next_snapshot(struct collector *c, FILE *replay, struct snapshot *s, bool *end)
{
	if (!replay)
		return collector_read(c, s);
	return json_read_next(replay, s, end);
}

static int run(const struct options *o, FILE *record, FILE *replay)
{
	struct kube_side kube;
	if (kube_side_start(&kube, &o->kube) != 0) {
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
		return 1;
	}
	/* Complete documents: give the cluster a moment before the first one. */
	kube_side_wait(&kube, o->kube_wait);
	struct collector *c = collector_new(&o->collect);
	struct snapshot snaps[2];
	struct snapshot *cur = &snaps[0], *prev = NULL;
	int rc = 0;

	memset(snaps, 0, sizeof(snaps));
	/* A frame is megabytes on a big table: stdio's page-sized buffer meant a write(2) a page. */
	static char outbuf[64 * 1024];
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (!c) {
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
		return 1;
	}
	for (long i = 0; !stop_requested && (o->count == 0 || i < o->count); i++) {
		bool end = false;
		if (next_snapshot(c, replay, cur, &end) != 0) {
			fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
			rc = 1;
			break;
		}
		if (end)
			break;
		if (record && output_json(record, cur, prev, NULL) != 0) {
			fprintf(stderr, _("%s: writing the recording failed: %s\n"), PACKAGE,
				strerror(errno));
			rc = 1;
			break;
		}
		const struct kube_view *kv = kube_side_update(&kube, cur, cur->mono);
		int err = o->mode == MODE_JSON ? output_json(stdout, cur, prev, kv)
					       : output_text(stdout, cur, o->exact, kv);
		if (err) {
			/* A reader that went away (head, a closed pipe) is a normal end. */
			if (err != -EPIPE) {
				fprintf(stderr, _("%s: writing output failed: %s\n"), PACKAGE,
					strerror(-err));
				rc = 1;
			}
			break;
		}
		if (o->count && i + 1 >= o->count)
			break;
		if (replay) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			sleep_until((double)now.tv_sec + (double)now.tv_nsec / 1e9 + o->interval);
		} else {
			sleep_until(cur->mono + o->interval);
		}
		if (prev)
			snapshot_free(prev);
		prev = cur;
		cur = cur == &snaps[0] ? &snaps[1] : &snaps[0];
	}
	snapshot_free(&snaps[0]);
	snapshot_free(&snaps[1]);
	collector_free(c);
	kube_side_stop(&kube);
	return rc;
}

/* ---- actions from the command line ---- */

struct cli_io {
	bool yes;
};

static void cli_say(void *arg, bool warn, const char *line)
{
	(void)arg;
	/* Lines carry what the cluster said (log lines, config.conf, errors): made safe. */
	FILE *f = warn ? stderr : stdout;
	fputs(warn ? "! " : "", f);
	cells_fputs(line, f);
	fputc('\n', f);
	fflush(stdout);
}

static bool cli_ask(void *arg, const char *question)
{
	struct cli_io *c = arg;
	char safe[512];
	cells_safe(question, safe, sizeof(safe));
	if (c->yes) {
		printf(_("%s yes (--yes)\n"), safe);
		return true;
	}
	if (!isatty(STDIN_FILENO)) {
		printf(_("%s no (no terminal to ask on; --yes answers yes)\n"), safe);
		return false;
	}
	printf(_("%s [y/N] "), safe);
	fflush(stdout);
	char line[32];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* "tcp:10.0.0.1:80", "udp:[2001:db8::1]:53", "fwmark:5" -> the identity of a service. */
static bool parse_vs(const char *text, struct ipvs_service *id)
{
	char buf[200], *host, *port;
	memset(id, 0, sizeof(*id));
	snprintf(buf, sizeof(buf), "%s", text);
	char *colon = strchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	host = colon + 1;
	if (strcmp(buf, "fwmark") == 0 || strcmp(buf, "fwmark6") == 0) {
		long m;
		id->af = buf[6] == '6' ? AF_INET6 : AF_INET;
		if (!parse_long(host, 1, UINT32_MAX, &m))
			return false;
		id->fwmark = (uint32_t)m;
		return true;
	}
	id->protocol = strcmp(buf, "tcp") == 0	  ? IPPROTO_TCP
		       : strcmp(buf, "udp") == 0  ? IPPROTO_UDP
		       : strcmp(buf, "sctp") == 0 ? IPPROTO_SCTP
						  : 0;
	if (!id->protocol)
		return false;
	if (*host == '[') {
		char *end = strchr(host, ']');
		if (!end || end[1] != ':')
			return false;
		*end = '\0';
		port = end + 2;
		host++;
		id->af = AF_INET6;
	} else {
		port = strrchr(host, ':');
		if (!port)
			return false;
		*port++ = '\0';
		id->af = AF_INET;
	}
	long p;
	if (inet_pton(id->af, host, id->addr.bytes) != 1 || !parse_long(port, 0, 65535, &p))
		return false;
	id->port = (uint16_t)p;
	return true;
}

/* "VS=SCHED[,fallback][,port]" -> the service's identity, the scheduler and its flags. */
static bool parse_set_scheduler(const char *arg, struct ipvs_service *id, char *sched, size_t len,
				uint32_t *flags)
{
	char spec[160];
	snprintf(spec, sizeof(spec), "%s", arg);
	char *eq = strrchr(spec, '=');
	if (!eq || (*eq = '\0', !parse_vs(spec, id)))
		return false;
	char *save = NULL, *flag;
	const char *name = strtok_r(eq + 1, ",", &save);
	if (!name)
		return false;
	snprintf(sched, len, "%s", name);
	*flags = 0;
	while ((flag = strtok_r(NULL, ",", &save)))
		*flags |= strcmp(flag, "fallback") == 0 ? IPVS_SVC_SCHED1
			  : strcmp(flag, "port") == 0   ? IPVS_SVC_SCHED2
							: 0;
	return true;
}

/* --replay FILE --plot OUT [--select VS]: a recording's history as an image, no terminal. */
static int run_plot(const struct options *o)
{
	struct ipvs_service id;
	memset(&id, 0, sizeof(id));
	if (!o->plot_path || !o->replay_path) {
		fprintf(stderr, _("%s: --plot needs --replay FILE; --select goes with --plot\n"), PACKAGE);
		return 2;
	}
	if (o->select && !parse_vs(o->select, &id)) {
		fprintf(stderr,
			_("%s: --select wants a virtual service as tcp:10.0.0.1:80, "
			  "udp:[fd00::1]:53 or fwmark:7, not '%s'\n"),
			PACKAGE, o->select);
		return 2;
	}
	return plot_svg_run(o->replay_path, o->plot_path, o->select ? &id : NULL);
}

static int run_cli_actions(const struct options *o)
{
	struct cli_io c = {.yes = o->yes};
	struct action_io io = {.say = cli_say, .ask = cli_ask, .arg = &c, .force = o->force};
	struct action_env env;
	memset(&env, 0, sizeof(env));
	kube_side_config_opts(&o->kube, &env.kube);
	env.node_name = o->kube.node_name;
	env.dataplane_wait = o->dataplane_wait;
	env.no_dataplane = o->no_dataplane;
	env.agent_port = (int)o->agent_port;
	env.agent_ca = o->agent_ca;
	env.modules_load_conf = "/etc/modules-load.d/ipvs.conf";
	const struct action_gate gate = {.readonly = o->readonly};
	const char *why = actions_disabled_reason(&gate, true);
	if (why) {
		fprintf(stderr, "%s: %s\n", PACKAGE, why);
		return 1;
	}
	int rc = 0;
	if (o->load_modules) {
		struct snapshot s;
		struct collector *col = collector_new(&o->collect);
		if (!col || collector_read(col, &s) != 0) {
			collector_free(col);
			return 1;
		}
		rc = action_load_modules(&env, &s, NULL, &io);
		snapshot_free(&s);
		collector_free(col);
		if (rc)
			return 1;
	}
	if (o->set_scheduler) {
		struct ipvs_service id;
		char sched[32];
		uint32_t flags;
		if (!parse_set_scheduler(o->set_scheduler, &id, sched, sizeof(sched), &flags)) {
			fprintf(stderr, _("%s: --set-scheduler wants VS=SCHED, e.g. tcp:10.0.0.1:80=wlc\n"),
				PACKAGE);
			return 2;
		}
		if (action_set_scheduler_of(&env, &id, sched, flags, &io) != 0)
			return 1;
	}
	if (o->kube_scheduler && action_kube_proxy_config(&env, "ipvs.scheduler", o->kube_scheduler,
							    &io) != 0)
		return 1;
	if (o->proxy_mode && action_kube_proxy_config(&env, "mode", o->proxy_mode, &io) != 0)
		return 1;
	return 0;
}

/* --cluster -b / -j: every node's agent, read from here. */
static int run_cluster(const struct options *o)
{
	if (!o->kube.enabled) {
		fprintf(stderr, _("%s: --cluster needs the Kubernetes API (not --no-kube)\n"),
			PACKAGE);
		return 2;
	}
	struct cluster_batch_opts bo = {
		.kube = o->kube,
		.cluster = {.port = (int)o->agent_port, .agent_ca = o->agent_ca,
			    .path = o->agent_path},
		.json = o->mode == MODE_JSON,
		.count = o->count,
		.interval = o->interval,
		.kube_wait = o->kube_wait,
	};
	signal(SIGPIPE, SIG_IGN);
	signals_catch_stop(on_signal);
	return cluster_batch_run(&bo, &stop_requested);
}

int main(int argc, char **argv)
{
	struct options o = {
	    .mode = MODE_UI,
	    .interval = 2.0,
	    .collect = {.source = COLLECT_AUTO, .conn_limit = 1000},
	    .kube = {.enabled = true},
	    .kube_wait = 5,
	    .metrics_max_rs = 5000,
	    .token_audience = "ipvstop",
	    .agent_port = CLUSTER_AGENT_PORT,
	    .agent_path = CLUSTER_PATH_AUTO,
	};

	trace_init();
#ifdef M_MMAP_THRESHOLD
	/*
	 * Big blocks (the history, a big service's destinations, the rows' order) are mapped
	 * and given back when freed. glibc's default raises this threshold to the size
	 * of the last big block freed, after which such blocks come from the heap and leave
	 * holes that stay resident: 84 bytes a real server more at 20,000 services / 100,000
	 * real servers in the dashboard, when the services array was copied at every refresh
	 * (bench/bench.sh --dash-only, doc/performance.md).
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	setlocale(LC_ALL, "");
	/*
	 * Numbers are read and written the C way in every language: "-d 0.5", /proc/uptime,
	 * durations in kube-proxy's configuration, and the JSON, Prometheus and text outputs
	 * that other programs read. With a decimal comma (de_DE, fr_FR, ru_RU...) "-d 0.5" was
	 * refused and a number printf wrote into JSON read "1,5". Messages, characters and
	 * the screen's width of them stay the user's.
	 */
	setlocale(LC_NUMERIC, "C");
	/* Tests point this at a catalogue built in the tree, before any install. */
	const char *localedir = getenv("IPVSTOP_LOCALEDIR");
	bindtextdomain(PACKAGE, localedir && localedir[0] ? localedir : LOCALEDIR);
	textdomain(PACKAGE);

	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;

	bool acts = o.load_modules || o.set_scheduler || o.kube_scheduler || o.proxy_mode;
	if (o.serve && (acts || o.plot_path || o.record_path)) {
		/* The agent changes nothing and writes nothing: no action path is reachable. */
		fprintf(stderr,
			_("%s: --serve is read-only: it takes no action, --plot or --record\n"),
			PACKAGE);
		return 2;
	}
	if (acts) {
		signal(SIGPIPE, SIG_IGN);
		return run_cli_actions(&o);
	}
	if (o.plot_path || o.select)
		return run_plot(&o);
	if (o.cluster && (o.mode != MODE_UI || !o.kube.enabled))
		return run_cluster(&o);

	if (o.serve)
		o.mode = MODE_SERVE;
	if (o.mode == MODE_UI && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))) {
		fprintf(stderr,
			_("%s: the dashboard needs a terminal on standard input and output;\n"
			  "use -b for text frames or -j for JSON Lines.\n"),
			PACKAGE);
		return 2;
	}
	char why[256];
	if (o.mode == MODE_UI && !ui_term_usable(STDOUT_FILENO, why, sizeof(why))) {
		fprintf(stderr,
			_("%s: the dashboard cannot start: %s.\n"
			  "Set TERM to the terminal's type (e.g. TERM=xterm-256color),\n"
			  "or use -b for text frames or -j for JSON Lines.\n"),
			PACKAGE, why);
		return 2;
	}

	FILE *record = NULL, *replay = NULL;
	if (o.replay_path) {
		replay = fopen(o.replay_path, "r");
		if (!replay) {
			fprintf(stderr, _("%s: cannot open recording '%s': %s\n"), PACKAGE,
				o.replay_path, strerror(errno));
			return 1;
		}
	}
	if (o.record_path) {
		record = fopen(o.record_path, "a");
		if (!record) {
			fprintf(stderr, _("%s: cannot write recording '%s': %s\n"), PACKAGE,
				o.record_path, strerror(errno));
			if (replay)
				fclose(replay);
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The data planes besides IPVS: -b and -j print them, the dashboard shows their
	 * frontends (its feed reads them in a thread of their own, dp_feed.h).
	 */
	if (!o.no_dataplane)
		o.collect.dataplane =
			(struct dataplane_opts){
			.nftables = true, .iptables = true, .ipsets = true, .kube_ipvs0 = true};

	if (o.mode == MODE_UI) {
		struct ui_opts uo = {
		    .collect = o.collect,
		    .interval = o.interval,
		    .color = o.color,
		    .record = record,
		    .replay = replay,
		    .replay_name = o.replay_path,
		    .kube = o.kube,
		    .readonly = o.readonly,
		    .force = o.force,
		    .agent_port = (int)o.agent_port,
		    .agent_ca = o.agent_ca,
		    .agent_path = o.agent_path,
		    .start_nodes = o.cluster,
		};
		rc = ui_run(&uo);
	} else if (o.mode == MODE_SERVE) {
		signals_catch_stop(on_signal);
		struct agent_opts ao = {
		    .listen = o.serve,
		    .tls_cert = o.tls_cert,
		    .tls_key = o.tls_key,
		    .client_ca = o.client_ca,
		    .token_audience = o.token_audience,
		    .interval = o.interval,
		    .collect = o.collect,
		    .kube = o.kube,
		    .kube_wait = o.kube_wait,
		    .replay = replay,
		    .max_rs_series = o.metrics_max_rs,
		};
		rc = agent_run(&ao, &stop_requested);
	} else {
		signals_catch_stop(on_signal);
		rc = run(&o, record, replay);
	}
	if (record && fclose(record) != 0 && rc == 0) {
		fprintf(stderr, _("%s: writing the recording failed: %s\n"), PACKAGE,
			strerror(errno));
		rc = 1;
	}
	if (replay)
		fclose(replay);
	return rc;
}
