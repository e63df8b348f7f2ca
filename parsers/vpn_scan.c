/*
 * vpn_scan.c - scanners shared by the VPN parsers. See vpn_scan.h.
 * Never allocates; every loop is bounded by `end`.
 */
#include "vpn_scan.h"

#include <string.h>

#include "bw_time.h"
#include "bw_util.h"

const char *bw_vpn_find(const char *p, const char *end, const char *lit)
{
	if (!p || p >= end)
		return NULL;
	return bw_memmem(p, (size_t)(end - p), lit, strlen(lit));
}

const char *bw_vpn_after(const char *p, const char *end, const char *lit)
{
	const char *f = bw_vpn_find(p, end, lit);
	return f ? f + strlen(lit) : NULL;
}

bw_str bw_vpn_until(const char *p, const char *end, const char *stops)
{
	const char *s = p;
	/* A NUL byte in the line stops the view too (hostile input). The
	 * stop sets are one to three bytes: compare inline, not strchr. */
	char a = stops[0], b = a ? stops[1] : 0, c = b ? stops[2] : 0;
	if (c && stops[3]) {
		while (s < end && *s && !strchr(stops, *s))
			s++;
	} else {
		while (s < end) {
			char x = *s;
			if (!x || x == a || (b && x == b) || (c && x == c))
				break;
			s++;
		}
	}
	return bw_str_make(p, (size_t)(s - p));
}

static int parse_port(const char *p, size_t n, uint16_t *port)
{
	uint64_t v;
	if (n == 0 || n > 5 || bw_parse_u64(p, p + n, &v) != n || v > 65535)
		return 0;
	if (port)
		*port = (uint16_t)v;
	return 1;
}

int bw_vpn_ip_port(const char *p, size_t n, bw_ip *ip, uint16_t *port)
{
	if (port)
		*port = 0;
	if (n >= 9 && memcmp(p, "[AF_INET]", 9) == 0) {
		p += 9;
		n -= 9;
	} else if (n >= 10 && memcmp(p, "[AF_INET6]", 10) == 0) {
		p += 10;
		n -= 10;
	}
	if (n == 0)
		return 0;
	if (p[0] == '[') { /* [v6]:port or [v6] */
		const char *rb = memchr(p, ']', n);
		if (!rb)
			return 0;
		size_t hn = (size_t)(rb - p) + 1;
		if (!bw_ip_parse(p, hn, ip))
			return 0;
		if (hn == n)
			return 1;
		if (p[hn] != ':')
			return 0;
		return parse_port(p + hn + 1, n - hn - 1, port);
	}
	const char *c1 = memchr(p, ':', n);
	if (c1 && memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - p)) == NULL) {
		/* exactly one colon: v4:port */
		if (!bw_ip_parse(p, (size_t)(c1 - p), ip))
			return 0;
		return parse_port(c1 + 1, n - (size_t)(c1 + 1 - p), port);
	}
	return bw_ip_parse(p, n, ip);
}

static int ip_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

size_t bw_vpn_ip_token(const char *p, const char *end, bw_ip *ip)
{
	const char *s = p;
	while (s < end && ip_char(*s) && s - p < 45)
		s++;
	/* An IPv4 token followed by ":port" would include the port: try
	 * the whole, then cut at the last colon for v4:port. */
	size_t n = (size_t)(s - p);
	if (n == 0)
		return 0;
	if (bw_ip_parse(p, n, ip))
		return n;
	const char *c = memchr(p, ':', n);
	if (c && bw_ip_parse(p, (size_t)(c - p), ip))
		return (size_t)(c - p);
	return 0;
}

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

int bw_vpn_kv_next(const char **pp, const char *end, bw_str *key, bw_str *val)
{
	const char *p = *pp;
	for (;;) {
		while (p < end && !key_char(*p))
			p++;
		if (p >= end) {
			*pp = end;
			return 0;
		}
		const char *k = p;
		while (p < end && key_char(*p))
			p++;
		if (p >= end || *p != '=') {
			/* not a key: skip the token */
			while (p < end && *p != ' ')
				p++;
			continue;
		}
		*key = bw_str_make(k, (size_t)(p - k));
		p++;
		if (p < end && *p == '"') {
			const char *v = ++p;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				p++;
			}
			*val = bw_str_make(v, (size_t)(p - v));
			if (p < end)
				p++;
		} else {
			const char *v = p;
			while (p < end && *p != ' ')
				p++;
			*val = bw_str_make(v, (size_t)(p - v));
		}
		*pp = p;
		return 1;
	}
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "hh:mm:ss" at p (8 bytes). */
static int hms(const char *p, int *h, int *mi, int *s)
{
	if (p[2] != ':' || p[5] != ':')
		return 0;
	*h = bw_parse_fixed(p, 2);
	*mi = bw_parse_fixed(p + 3, 2);
	*s = bw_parse_fixed(p + 6, 2);
	return *h >= 0 && *mi >= 0 && *s >= 0;
}

static int finish(const struct bw_tz *tz, int y, int mo, int d, int h, int mi,
		  int s, int64_t *ms)
{
	if (!bw_civil_valid(y, mo, d, h, mi, s))
		return 0;
	int64_t local = bw_epoch_from_civil(y, mo, d, h, mi, s);
	*ms = (tz ? bw_tz_local_to_utc(tz, local) : local) * 1000;
	return 1;
}

size_t bw_vpn_time_ctime(const char *p, const char *end,
			 const struct bw_tz *tz, int64_t *ms)
{
	/* Www Mmm dd hh:mm:ss yyyy */
	if (end - p < 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' ||
	    p[19] != ' ')
		return 0;
	int mo = bw_month_from_abbr(p + 4);
	if (!mo)
		return 0;
	int d = p[8] == ' ' ? bw_parse_fixed(p + 9, 1) : bw_parse_fixed(p + 8, 2);
	int h, mi, s;
	int y = bw_parse_fixed(p + 20, 4);
	if (d < 1 || y < 0 || !hms(p + 11, &h, &mi, &s))
		return 0;
	if (!finish(tz, y, mo, d, h, mi, s, ms))
		return 0;
	return 24;
}

size_t bw_vpn_time_mdy(const char *p, const char *end,
		       const struct bw_tz *tz, int64_t *ms)
{
	/* Mmm dd yyyy hh:mm:ss | Mmm d yyyy hh:mm:ss */
	if (end - p < 19 || p[3] != ' ')
		return 0;
	int mo = bw_month_from_abbr(p);
	if (!mo)
		return 0;
	const char *q = p + 4;
	if (*q == ' ')
		q++;
	int d;
	if (digit(q[0]) && digit(q[1]) && q[2] == ' ') {
		d = bw_parse_fixed(q, 2);
		q += 3;
	} else if (digit(q[0]) && q[1] == ' ') {
		d = q[0] - '0';
		q += 2;
	} else {
		return 0;
	}
	if (end - q < 13 || q[4] != ' ')
		return 0;
	int y = bw_parse_fixed(q, 4);
	int h, mi, s;
	if (y < 0 || !hms(q + 5, &h, &mi, &s))
		return 0;
	if (!finish(tz, y, mo, d, h, mi, s, ms))
		return 0;
	return (size_t)(q + 13 - p);
}

int bw_vpn_num(bw_str s, int64_t *v)
{
	if (!s.p || s.n == 0)
		return 0;
	int neg = s.p[0] == '-';
	uint64_t u;
	size_t k = bw_parse_u64(s.p + neg, s.p + s.n, &u);
	if (k == 0 || k + (size_t)neg != s.n || u > (uint64_t)INT64_MAX)
		return 0;
	*v = neg ? -(int64_t)u : (int64_t)u;
	return 1;
}
