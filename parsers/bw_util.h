/*
 * bw_util.h - small scanning helpers shared by parsers (and usable by the
 * analyzer): numbers, IP addresses, in-place unescaping, views.
 * Pure functions over caller memory; nothing here allocates.
 */
#ifndef BW_UTIL_H
#define BW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

static inline bw_str bw_str_make(const char *p, size_t n)
{
	bw_str s = { p, n };
	return s;
}

static inline int bw_str_eq(bw_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

/* ASCII case-insensitive equality of a view and a C string. */
int bw_str_ieq(bw_str s, const char *lit);

/* @return 1 when s starts with the literal prefix. */
static inline int bw_str_starts(bw_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.p && s.n >= n && memcmp(s.p, lit, n) == 0;
}

/* Find a byte string inside a view. @return pointer or NULL. */
const char *bw_memmem(const char *hay, size_t hn, const char *needle, size_t nn);

/* Parse an unsigned decimal of up to 19 digits at [p, end).
 * @return number of digits consumed (0 = not a number); value in *v.
 * Inline: parsers call it for every status, size and port. */
static inline size_t bw_parse_u64(const char *p, const char *end, uint64_t *v)
{
	size_t lim = p < end ? (size_t)(end - p) : 0;
	if (lim > 19)
		lim = 19;
	uint64_t x = 0;
	size_t i = 0;
	unsigned d;
	while (i < lim && (d = (unsigned)((unsigned char)p[i] - '0')) <= 9) {
		x = x * 10 + d;
		i++;
	}
	*v = x;
	return i;
}

/* Is [s, s+n) "0x"/"0X" and 1..16 hex digits? @return 1 with the value
 * in *v, 0 when it is not all hex. Callers check the prefix first. */
static inline int bw_parse_hex(const char *s, size_t n, uint64_t *v)
{
	if (n < 3 || n > 18 || s[0] != '0' || (s[1] | 0x20) != 'x')
		return 0;
	uint64_t x = 0;
	for (size_t i = 2; i < n; i++) {
		unsigned c = (unsigned char)s[i];
		/* fold case for letters only: 0x10-0x19 | 0x20 is '0'-'9' */
		unsigned d = c - '0' <= 9 ? c - '0' :
			     (c | 0x20) - 'a' <= 5 ? (c | 0x20) - 'a' + 10 : 99;
		if (d > 15)
			return 0;
		x = x << 4 | d;
	}
	*v = x;
	return 1;
}

/* Parse exactly `digits` decimal digits. @return value, or -1. */
static inline int bw_parse_fixed(const char *p, size_t digits)
{
	int x = 0;
	for (size_t i = 0; i < digits; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	return x;
}

/* Parse a textual IPv4 or IPv6 address (IPv6 may carry a %zone, which is
 * dropped; [brackets] are accepted). @return 1 on success, 0 if not an
 * address. Never reads past p + n. */
int bw_ip_parse(const char *p, size_t n, bw_ip *ip);

/* rsyslog's reduction of identical lines, "message repeated N times:
 * [ <message>]" at m: @return 1 with N in *times (0 read as 1) and the
 * message in *inner (from just after '[', trailing spaces, CR and the
 * closing ']' trimmed); 0 when m is not one. */
int bw_syslog_repeated(const char *m, size_t n, uint64_t *times, bw_str *inner);

/* RFC 5424 structured data at p: one or more [id k="v" ...] elements,
 * where ']' (and '"', '\\') inside a value is escaped with '\\'.
 * @return its length, 0 when p does not start with a complete element. */
size_t bw_syslog_sd_len(const char *p, size_t n);

/* Is a syslog tag (programme name) a web server's, whose messages may be
 * access lines: it names nginx, apache, httpd, lighttpd, haproxy,
 * openresty, tengine, caddy or "access" (nginx's tag=portal_access)?
 * Other programmes log text their clients chose (user names, HELOs):
 * such text is never read as a request. */
int bw_web_server_tag(const char *p, size_t n);

/* The text of an access line before its " [time]" (p, n bytes): an
 * optional quoted forwarded list, then vhost, client, ident and user
 * with no word opening with '[' and no unescaped '"'. A web server's error line quoting an access line
 * a client sent (nginx's referrer: "...", Apache's [core:error] ...)
 * has them before it. @return 1 when it can be an access line's. */
int bw_clf_lead_ok(const char *p, size_t n);

/* Scan a dotted-quad IPv4 address at the start of p[0..n) (what follows
 * it is not looked at). @return its length, with the address in *ip, or
 * 0 when there is none (*ip untouched). */
size_t bw_ip_scan_v4(const char *p, size_t n, bw_ip *ip);
/* The next element of a forwarded list (X-Forwarded-For) at p, after
 * the separators (commas and/or spaces) before it: *ok and *ip when it
 * is an address; with ports, "a.b.c.d:p" and "[v6]:p" are too. @return
 * the element's end, NULL when only separators are left (p may be NULL
 * only when end is too). */
const char *bw_ip_list_elem(const char *p, const char *end, int ports,
			    bw_ip *ip, int *ok);

/* Format an address into buf (>= 46 bytes). @return length written. */
size_t bw_ip_format(const bw_ip *ip, char *buf, size_t cap);

/* Make an IPv4 address from a host-order 32-bit value. */
void bw_ip_from_v4(bw_ip *ip, uint32_t v4);

/* A syslog header in front of a programme's line (an access line sent by
 * nginx `access_log syslog:`, Apache piped to logger, HAProxy):
 *
 *   [<PRI>]Mmm dd hh:mm:ss [HOST] TAG[PID]: ...        (RFC 3164)
 *   [<PRI>]yyyy-mm-ddThh:mm:ss[.frac]zone HOST TAG[PID]: ...
 *                                  (rsyslog's RFC 3339 file format)
 *   <PRI>1 TS HOST APP PROCID MSGID SD MSG               (RFC 5424)
 *
 * The stamp is only recognised: the line's own time is the event's.
 * @return the header's length (0: none), its HOST (absent when none)
 * and TAG. Inline: most access lines start with an address and are
 * answered on one look. */
size_t bw_syslog_prefix_slow(const char *l, size_t n, bw_str *host,
			     bw_str *tag);
static inline size_t bw_syslog_prefix(const char *l, size_t n, bw_str *host,
				      bw_str *tag)
{
	if (n < 20 || !(l[0] == '<' || (l[3] == ' ' && l[9] == ':') ||
			(l[4] == '-' && l[10] == 'T')))
		return 0;
	return bw_syslog_prefix_slow(l, n, host, tag);
}

/* @return 1 for loopback, RFC 1918, link-local, ULA and CGNAT ranges. */
int bw_ip_is_private(const bw_ip *ip);

/* A request target "path[?query]" into ev->url_path and ev->url_query
 * (absent when there is no '?'). */
void bw_url_target(bw_event *ev, bw_str target);

/* A Host header's host: "host:port" -> host, "[v6]:port" -> v6; a bare
 * IPv6 literal is left whole. */
bw_str bw_host_only(bw_str h);

/* A forwarded list (an X-Forwarded-For header a web server logged beside
 * its peer, ev->src_ip): kept as ev->forwarded_for, and when the peer is
 * private (the site's own proxy or load balancer) or absent, its first
 * public address becomes the client (and the peer's port is dropped).
 * From a public peer the header is the client's own word and is only
 * kept. */
void bw_web_forwarded(bw_event *ev, bw_str list);

/* Unescape \" \\ and \xHH in place (Apache and nginx log escaping).
 * @return the new length (<= n). */
size_t bw_unescape_inplace(char *p, size_t n);

/* Percent-decode p (n bytes) into out (room for n bytes): each %HH
 * becomes its byte, once (%2541 gives %41); a '%' not followed by two
 * hex digits, and '+', stay as they are. out may be p (in place).
 * @return the decoded length (<= n). */
size_t bw_pct_decode(const char *p, size_t n, char *out);

/* The path a web server serves for request path p (n bytes), into out
 * (room for n bytes, not p): percent-decoded once, '\\' read as '/'
 * (IIS), path parameters (";jsessionid=...") dropped, repeated slashes
 * merged and "." and ".." segments resolved (RFC 3986 5.2.4; ".." at
 * the root stays there). A trailing slash is kept.
 * @return the length (<= n). */
size_t bw_path_normalize(const char *p, size_t n, char *out);

/* @return 1 when bw_path_normalize would return p unchanged (no '%',
 * '\\' or ';', no "//", no "." or ".." segment): the common case,
 * answered without a copy. */
int bw_path_is_normal(const char *p, size_t n);

#endif /* BW_UTIL_H */
