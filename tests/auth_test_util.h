/*
 * auth_test_util.h - helpers for the authentication parser tests: run a
 * line parser over a line held in a writable buffer, with a per-input
 * context kept across calls (so year inference sees a sequence).
 */
#ifndef BW_AUTH_TEST_UTIL_H
#define BW_AUTH_TEST_UTIL_H

#include "parser.h"
#include "bw_time.h"
#include "bw_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct auth_run {
	const struct bw_parser *parser;
	struct bw_parse_ctx ctx;
	char buf[1 << 16];
	bw_event ev;
	enum bw_parse_rc rc;
	uint64_t line_no;
};

static inline void auth_run_init(struct auth_run *r, const char *format,
				 const char *tz, int year)
{
	memset(r, 0, sizeof(*r));
	r->parser = bw_parser_find(format);
	if (!r->parser) {
		fprintf(stderr, "no parser %s\n", format);
		abort();
	}
	r->ctx.tz = bw_tz_get(tz);
	if (!r->ctx.tz) {
		fprintf(stderr, "no zone %s\n", tz);
		abort();
	}
	r->ctx.year = year;
	r->ctx.default_year = 2026;
	if (r->parser->state_size)
		r->ctx.state = calloc(1, r->parser->state_size);
}

static inline void auth_run_fini(struct auth_run *r)
{
	free(r->ctx.state);
	r->ctx.state = NULL;
}

/* Parse a line of n bytes (may hold NULs). @return the parse rc. */
static inline enum bw_parse_rc auth_run_n(struct auth_run *r, const char *line, size_t n)
{
	if (n > sizeof(r->buf))
		n = sizeof(r->buf);
	memcpy(r->buf, line, n);
	bw_event_clear(&r->ev);
	r->ev.line_no = ++r->line_no;
	r->ev.line = bw_str_make(r->buf, n);
	r->ctx.reason = NULL;
	r->rc = r->parser->parse(&r->ctx, r->buf, n, &r->ev);
	return r->rc;
}

static inline enum bw_parse_rc auth_run(struct auth_run *r, const char *line)
{
	return auth_run_n(r, line, strlen(line));
}

/* The event's source address as text ("" when absent). */
static inline const char *auth_ip(const bw_event *ev)
{
	static char buf[64];
	bw_ip_format(&ev->src_ip, buf, sizeof(buf));
	return buf;
}

/* A view as a C string for comparisons ("(absent)" when absent). */
static inline const char *auth_s(bw_str s)
{
	static char bufs[4][512];
	static int k;
	char *b = bufs[k++ & 3];
	if (!s.p)
		return "(absent)";
	size_t n = s.n < 511 ? s.n : 511;
	memcpy(b, s.p, n);
	b[n] = '\0';
	return b;
}

/* "2026-11-27T13:04:01.000Z" for an event time. */
static inline const char *auth_ts(int64_t ms)
{
	static char buf[128];
	int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	int64_t sod = s - days * 86400;
	/* civil_from_days (Howard Hinnant) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
		 (long long)y, (long long)m, (long long)d, (long long)(sod / 3600),
		 (long long)(sod / 60 % 60), (long long)(sod % 60),
		 (long long)(ms - s * 1000));
	return buf;
}

#endif
