/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the streaming JSON writer (src/json_writer.c): escapes, bytes that are not
 * UTF-8, 64-bit limits, doubles against printf's "%.3f", nesting and commas, and documents
 * larger than the writer's buffer. No timing: the speed is measured by bench/.
 */
#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "json_writer.h"
#include "output_json.h"
#include "snapshot.h"

/* A writer on a memory stream; done() returns what it wrote (free it). */
struct cap {
	struct jw w;
	FILE *f;
	char *buf;
	size_t len;
};

static struct cap *cap_new(void)
{
	struct cap *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	c->f = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->f);
	jw_init(&c->w, c->f);
	return c;
}

static char *done(struct cap *c)
{
	ck_assert_int_eq(jw_finish(&c->w), 0);
	ck_assert_int_eq(fclose(c->f), 0);
	char *s = c->buf;
	free(c);
	return s;
}

/* One string value, as the writer writes it. */
static char *str_json(const char *s)
{
	struct cap *c = cap_new();
	jw_string(&c->w, NULL, s);
	return done(c);
}

/*
 * The writer before this one (fputc per character, fprintf for the rest), for the inputs
 * where its output was valid JSON: the new one must write the same bytes there.
 */
static void old_str(FILE *f, const char *s)
{
	/* The characters it wrote as a backslash and one more. */
	static const char *const esc[128] = {
	    ['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\t'] = "\\t"};
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 128 && esc[*p])
			fputs(esc[*p], f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static char *old_str_json(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	old_str(f, s);
	fclose(f);
	return buf;
}

static void expect_str(const char *in, const char *want)
{
	char *got = str_json(in);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_escapes)
{
	expect_str("", "\"\"");
	expect_str("plain text 123", "\"plain text 123\"");
	expect_str("a\"b\\c", "\"a\\\"b\\\\c\"");
	expect_str("line\nnext\ttab", "\"line\\nnext\\ttab\"");
	expect_str("\x01\x1f\r\b\f\x7f", "\"\\u0001\\u001f\\u000d\\u0008\\u000c\\u007f\"");
	expect_str("\"", "\"\\\"\"");
	expect_str("\\", "\"\\\\\"");
	/* Keys go through the same escaping (connection counts are keyed by kernel text). */
	struct cap *c = cap_new();
	jw_open(&c->w, NULL, '{');
	jw_u64(&c->w, "a\"b\n", 1);
	jw_null(&c->w, "\xff");
	jw_close(&c->w, '}');
	char *s = done(c);
	ck_assert_str_eq(s, "{\"a\\\"b\\n\":1,\"\xef\xbf\xbd\":null}");
	free(s);
	/* NULL is null, not a string. */
	s = str_json(NULL);
	ck_assert_str_eq(s, "null");
	free(s);
}
END_TEST

START_TEST(test_utf8_valid_kept)
{
	/* Two-, three- and four-byte sequences, the smallest and largest of each. */
	const char *ok[] = {
	    "caf\xc3\xa9",        "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80",
	    "\xc2\x80\xdf\xbf",   "\xe0\xa0\x80\xef\xbf\xbf", "\xed\x9f\xbf\xee\x80\x80",
	    "\xf0\x90\x80\x80",   "\xf4\x8f\xbf\xbf",         "\xef\xbf\xbd",
	    "a\xc3\xa9\"\xe4\xb8\xad\n",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *want = old_str_json(ok[i]);
		char *got = str_json(ok[i]);
		ck_assert_msg(strcmp(got, want) == 0, "case %zu: %s vs %s", i, got, want);
		free(got);
		free(want);
	}
}
END_TEST

#define FFFD "\xef\xbf\xbd"

START_TEST(test_utf8_invalid_replaced)
{
	expect_str("\x80", "\"" FFFD "\"");                 /* a continuation byte alone */
	expect_str("a\xbf" "b", "\"a" FFFD "b\"");
	expect_str("\xc0\xaf", "\"" FFFD FFFD "\"");        /* overlong '/' */
	expect_str("\xc1\xbf", "\"" FFFD FFFD "\"");
	expect_str("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\""); /* overlong, three bytes */
	expect_str("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\""); /* a UTF-16 surrogate */
	expect_str("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* above U+10FFFF */
	expect_str("\xf5\xff\xfe", "\"" FFFD FFFD FFFD "\"");
	/* Truncated sequences: one U+FFFD for the valid start, then what follows. */
	expect_str("\xe4\xb8", "\"" FFFD "\"");
	expect_str("\xe4\xb8x", "\"" FFFD "x\"");
	expect_str("\xf0\x9f\x98", "\"" FFFD "\"");
	expect_str("\xf0\x9f\x98\n", "\"" FFFD "\\n\"");
	expect_str("\xc3", "\"" FFFD "\"");
	expect_str("\xc3\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
	/* Latin-1 text, as a badly configured cluster might label things. */
	expect_str("caf\xe9 cr\xe8me", "\"caf" FFFD " cr" FFFD "me\"");
}
END_TEST

/* Every output is valid UTF-8 and a valid JSON string, whatever the bytes. */
static bool valid_utf8(const unsigned char *p)
{
	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		uint32_t cp = *p & (n == 4 ? 0x07 : n == 3 ? 0x0f : 0x1f);
		if (*p < 0xc2 || *p > 0xf4)
			return false;
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n;
	}
	return true;
}

/*
 * The number of cases of the random and exhaustive tests: all of them, or a twentieth with
 * IPVSTOP_TEST_QUICK set (tools/sanitize.sh sets it under valgrind, 20-50 times slower).
 */
static int cases(int n)
{
	return getenv("IPVSTOP_TEST_QUICK") ? n / 20 : n;
}

START_TEST(test_random_bytes_valid)
{
	unsigned seed = 12345;
	char in[64];
	for (int k = 0; k < cases(20000); k++) {
		size_t n = (size_t)(rand_r(&seed) % 40);
		for (size_t i = 0; i < n; i++) {
			int b = rand_r(&seed) % 256;
			in[i] = (char)(b ? b : 'x');
		}
		in[n] = 0;
		char *got = str_json(in);
		ck_assert_msg(valid_utf8((const unsigned char *)got), "not UTF-8 for case %d", k);
		for (const unsigned char *p = (const unsigned char *)got; *p; p++)
			ck_assert_msg(*p >= 0x20 && *p != 0x7f, "raw control byte in case %d", k);
		/* cJSON reads it back as one string. */
		cJSON *j = cJSON_Parse(got);
		ck_assert_msg(j && cJSON_IsString(j), "not a JSON string: %s", got);
		cJSON_Delete(j);
		/* And where the input was valid UTF-8, the bytes are the old writer's. */
		if (valid_utf8((const unsigned char *)in)) {
			char *want = old_str_json(in);
			ck_assert_str_eq(got, want);
			free(want);
		}
		free(got);
	}
}
END_TEST

START_TEST(test_integers)
{
	struct cap *c = cap_new();
	jw_open(&c->w, NULL, '[');
	jw_u64(&c->w, NULL, 0);
	jw_u64(&c->w, NULL, 9);
	jw_u64(&c->w, NULL, 10);
	jw_u64(&c->w, NULL, UINT32_MAX);
	jw_u64(&c->w, NULL, UINT64_MAX);
	jw_i64(&c->w, NULL, 0);
	jw_i64(&c->w, NULL, -1);
	jw_i64(&c->w, NULL, INT64_MAX);
	jw_i64(&c->w, NULL, INT64_MIN);
	jw_close(&c->w, ']');
	char *s = done(c);
	ck_assert_str_eq(s, "[0,9,10,4294967295,18446744073709551615,0,-1,9223372036854775807,"
			    "-9223372036854775808]");
	free(s);
}
END_TEST

static void expect_double_as_printf(double v)
{
	char want[400];
	snprintf(want, sizeof(want), "%.3f", v);
	struct cap *c = cap_new();
	jw_double(&c->w, NULL, v);
	char *got = done(c);
	ck_assert_msg(strcmp(got, want) == 0, "%.17g: got %s, printf %s", v, got, want);
	free(got);
}

START_TEST(test_doubles)
{
	const double fixed[] = {
	    0.0,      -0.0,     1.0,       -1.0,      0.5,         0.0005,     0.0015,
	    0.0625,   0.1875,   2.5e-4,    1.2345,    999.9995,    999.9994,   1e-9,
	    -1e-9,    123456.789, 1795000000.123, 1795000000.0625, 4294967295.0,
	    1099511627.775, 1099511627.776, 1099511627.7755, 9007199254740993.0, 1e20,
	    -1e20,    DBL_MAX,  -DBL_MAX,  DBL_MIN,   DBL_TRUE_MIN, 12.3456789, 1.0 / 3,
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		expect_double_as_printf(fixed[i]);
	/* Ties and near-ties at three decimals: k / 2000 and its neighbours. */
	for (int k = 0; k < cases(40000); k++) {
		double v = k / 2000.0;
		expect_double_as_printf(v);
		expect_double_as_printf(nextafter(v, 0));
		expect_double_as_printf(nextafter(v, 1e9));
		expect_double_as_printf(-v);
	}
	/* Random magnitudes, as rates come. */
	unsigned seed = 7;
	for (int k = 0; k < cases(200000); k++) {
		double m = (double)rand_r(&seed) / RAND_MAX;
		double e = pow(10, rand_r(&seed) % 30 - 8);
		expect_double_as_printf(m * e);
	}
}
END_TEST

START_TEST(test_doubles_not_finite)
{
	struct cap *c = cap_new();
	jw_open(&c->w, NULL, '{');
	jw_double(&c->w, "nan", NAN);
	jw_double(&c->w, "inf", INFINITY);
	jw_double(&c->w, "ninf", -INFINITY);
	jw_double(&c->w, "x", 2.0);
	jw_close(&c->w, '}');
	char *s = done(c);
	ck_assert_str_eq(s, "{\"nan\":null,\"inf\":null,\"ninf\":null,\"x\":2.000}");
	free(s);
}
END_TEST

START_TEST(test_nesting)
{
	struct cap *c = cap_new();
	jw_open(&c->w, NULL, '{');
	jw_u64(&c->w, "a", 1);
	jw_open(&c->w, "empty_obj", '{');
	jw_close(&c->w, '}');
	jw_open(&c->w, "empty_arr", '[');
	jw_close(&c->w, ']');
	jw_open(&c->w, "list", '[');
	for (int i = 0; i < 3; i++) {
		jw_open(&c->w, NULL, '{');
		jw_i64(&c->w, "i", i);
		jw_open(&c->w, "inner", '[');
		jw_bool(&c->w, NULL, i % 2);
		jw_null(&c->w, NULL);
		jw_string(&c->w, NULL, "s");
		jw_open(&c->w, NULL, '[');
		jw_close(&c->w, ']');
		jw_close(&c->w, ']');
		jw_close(&c->w, '}');
	}
	jw_close(&c->w, ']');
	jw_key(&c->w, "raw");
	jw_open(&c->w, NULL, '[');
	jw_close(&c->w, ']');
	jw_string(&c->w, "z", NULL);
	jw_close(&c->w, '}');
	char *s = done(c);
	ck_assert_str_eq(s, "{\"a\":1,\"empty_obj\":{},\"empty_arr\":[],\"list\":["
			    "{\"i\":0,\"inner\":[false,null,\"s\",[]]},"
			    "{\"i\":1,\"inner\":[true,null,\"s\",[]]},"
			    "{\"i\":2,\"inner\":[false,null,\"s\",[]]}],\"raw\":[],\"z\":null}");
	cJSON *j = cJSON_Parse(s);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "list")), 3);
	cJSON_Delete(j);
	free(s);
}
END_TEST

/* Documents and strings far larger than the buffer, cut at every place. */
START_TEST(test_larger_than_buffer)
{
	size_t n = 3 * JW_BUF + 17;
	char *big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	/* Letters, quotes, newlines, a control character and two-byte UTF-8 (e acute). */
	for (size_t i = 0; i < n; i++)
		big[i] = i % 97 == 0 ? '"' : i % 89 == 0 ? '\n' : i % 83 == 0 ? '\x01'
							    : (char)('a' + i % 26);
	for (size_t i = 5; i + 1 < n; i += 7)
		if (big[i] >= 'a' && big[i + 1] >= 'a') {
			big[i] = '\xc3';
			big[i + 1] = '\xa9';
		}
	big[n] = 0;
	/* Every prefix length near the buffer's size, after members of every length. */
	for (size_t pre = 0; pre < 40; pre++) {
		struct cap *c = cap_new();
		jw_open(&c->w, NULL, '[');
		for (size_t k = 0; k < pre; k++)
			jw_u64(&c->w, NULL, k * 1000003);
		jw_string(&c->w, NULL, big);
		for (int k = 0; k < 5000; k++)
			jw_string(&c->w, NULL, "x\"y");
		jw_close(&c->w, ']');
		char *s = done(c);
		cJSON *j = cJSON_Parse(s);
		ck_assert_ptr_nonnull(j);
		ck_assert_int_eq(cJSON_GetArraySize(j), (int)pre + 1 + 5000);
		/* Valid UTF-8 in: the old writer's bytes out, buffer boundaries or not. */
		ck_assert(valid_utf8((const unsigned char *)big));
		char *want = old_str_json(big);
		ck_assert_ptr_nonnull(strstr(s, want));
		free(want);
		ck_assert_str_eq(cJSON_GetArrayItem(j, (int)pre)->valuestring, big);
		cJSON_Delete(j);
		free(s);
	}
	free(big);
}
END_TEST

/*
 * A whole document (output_json) whose strings came from the kernel or a recording with
 * anything in them: every byte out is valid UTF-8, no raw control character, and it parses.
 */
START_TEST(test_document_hostile_strings)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	s.time = 1795000000.5;
	snprintf(s.host, sizeof(s.host), "host\xff\x01\"\x1b[2J\xc3");
	s.ipvs_available = true;
	s.source = IPVS_SOURCE_NETLINK;
	snprintf(s.ipvs_error, sizeof(s.ipvs_error), "err\x80\x7f\n");
	struct ipvs_service *v = snapshot_add_service(&s);
	ck_assert_ptr_nonnull(v);
	v->af = AF_INET;
	v->protocol = IPPROTO_TCP;
	v->port = 80;
	snprintf(v->sched, sizeof(v->sched), "r\xe4\xb8r");
	snprintf(v->pe, sizeof(v->pe), "\xed\xa0\x80");
	v->dests_known = true;
	struct ipvs_dest *d = service_add_dest(v);
	ck_assert_ptr_nonnull(d);
	d->af = AF_INET;
	s.n_daemons = 1;
	snprintf(s.daemons[0].state, sizeof(s.daemons[0].state), "b\xf8\x88");
	snprintf(s.daemons[0].mcast_ifn, sizeof(s.daemons[0].mcast_ifn), "eth\x1f\xc3");
	s.have_conns = true;
	s.conns.n_conns = 1;
	s.conns.conns = calloc(1, sizeof(*s.conns.conns));
	ck_assert_ptr_nonnull(s.conns.conns);
	s.conns.conns[0].af = AF_INET;
	snprintf(s.conns.conns[0].protocol, sizeof(s.conns.conns[0].protocol), "t\x9fp");
	snprintf(s.conns.conns[0].state, sizeof(s.conns.conns[0].state), "\x08\x0cEST");
	s.conns.n_by_state = 1;
	s.conns.by_state = calloc(1, sizeof(*s.conns.by_state));
	ck_assert_ptr_nonnull(s.conns.by_state);
	snprintf(s.conns.by_state[0].key, sizeof(s.conns.by_state[0].key), "K\xc0\xaf\"");
	s.conns.by_state[0].count = 1;
	s.n_modules = 1;
	s.modules = calloc(1, sizeof(*s.modules));
	ck_assert_ptr_nonnull(s.modules);
	snprintf(s.modules[0].name, sizeof(s.modules[0].name), "ip_vs\xfe");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_json(f, &s, NULL, NULL), 0);
	fclose(f);
	ck_assert_msg(valid_utf8((const unsigned char *)buf), "not UTF-8: %s", buf);
	ck_assert_uint_eq(strlen(buf), len);
	for (size_t i = 0; i + 1 < len; i++)
		ck_assert_msg((unsigned char)buf[i] >= 0x20 && buf[i] != 0x7f, "raw byte %#x at %zu",
			      (unsigned char)buf[i], i);
	ck_assert_int_eq(buf[len - 1], '\n');
	cJSON *j = cJSON_Parse(buf);
	ck_assert_msg(j != NULL, "does not parse: %s", buf);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "host")->valuestring,
			 "host" FFFD "\x01\"\x1b[2J" FFFD);
	cJSON *conns = cJSON_GetObjectItem(j, "connections");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(conns, "by_state"),
						  "K" FFFD FFFD "\""));
	cJSON_Delete(j);
	free(buf);
	snapshot_free(&s);
}
END_TEST

CHECK_MAIN(
    "json_writer",
    {"strings",
     120,
     {test_escapes, test_utf8_valid_kept, test_utf8_invalid_replaced, test_random_bytes_valid}},
    {"numbers", 120, {test_integers, test_doubles, test_doubles_not_finite}},
    {"documents", 120, {test_nesting, test_larger_than_buffer, test_document_hostile_strings}})
