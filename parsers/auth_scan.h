/*
 * auth_scan.h - tiny cursor helpers shared by the authentication message
 * parsers (sshd, PAM, sudo, su, mail) and the syslog framer.
 *
 * A cursor is a (const char *p, const char *end) pair walked forward by
 * hand; every helper checks bounds and never reads past end, so hostile
 * lines (NUL bytes, truncation, binary) cannot make a parser overrun.
 * Nothing here allocates or writes to the line.
 */
#ifndef BW_AUTH_SCAN_H
#define BW_AUTH_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "bw_util.h"

struct bw_cur {
	const char *p;
	const char *end;
};

static inline struct bw_cur bw_cur_make(const char *p, size_t n)
{
	struct bw_cur c = { p, p + n };
	return c;
}

static inline size_t bw_cur_left(const struct bw_cur *c)
{
	return (size_t)(c->end - c->p);
}

/* Consume lit when the cursor starts with it. @return 1 if consumed. */
static inline int bw_cur_lit(struct bw_cur *c, const char *lit, size_t n)
{
	if (bw_cur_left(c) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}
#define BW_LIT(c, s) bw_cur_lit((c), (s), sizeof(s) - 1)

/* @return 1 when the cursor starts with lit (not consumed). */
static inline int bw_cur_at(const struct bw_cur *c, const char *lit, size_t n)
{
	return bw_cur_left(c) >= n && memcmp(c->p, lit, n) == 0;
}
#define BW_AT(c, s) bw_cur_at((c), (s), sizeof(s) - 1)

static inline void bw_cur_skip_spaces(struct bw_cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* Take bytes up to the next space (or end); the space is consumed. */
static inline bw_str bw_cur_word(struct bw_cur *c)
{
	const char *s = c->p;
	const char *e = memchr(s, ' ', bw_cur_left(c));
	if (!e)
		e = c->end;
	c->p = e < c->end ? e + 1 : e;
	return bw_str_make(s, (size_t)(e - s));
}

/* Parse a decimal of at most 10 digits. @return 1 and *v when present. */
static inline int bw_cur_uint(struct bw_cur *c, uint64_t *v)
{
	size_t k = bw_parse_u64(c->p, c->end, v);
	if (k == 0 || k > 10)
		return 0;
	c->p += k;
	return 1;
}

/* Trim spaces (and a trailing CR/LF that survived framing) off a view. */
static inline bw_str bw_str_trim(bw_str s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.n--;
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' ||
		       s.p[s.n - 1] == '\r' || s.p[s.n - 1] == '\n'))
		s.n--;
	return s;
}

/* Find the last occurrence of needle in [p, p+n). @return pointer or NULL. */
static inline const char *bw_memrmem(const char *p, size_t n, const char *needle,
				     size_t nn)
{
	if (nn == 0 || nn > n)
		return NULL;
	for (const char *s = p + n - nn;; s--) {
		if (*s == *needle && memcmp(s, needle, nn) == 0)
			return s;
		if (s == p)
			return NULL;
	}
}

/* Find "key=" at a word start in a "k=v k=v" list (PAM, dovecot) and
 * return its value up to the next space or ','. @return 1 when found
 * (the value may be empty). */
static inline int bw_kv_get(const char *p, size_t n, const char *key, bw_str *val)
{
	size_t kn = strlen(key);
	const char *end = p + n;
	const char *s = p;
	while ((s = bw_memmem(s, (size_t)(end - s), key, kn)) != NULL) {
		if ((s == p || s[-1] == ' ' || s[-1] == ',' || s[-1] == ';' ||
		     s[-1] == '(') && s + kn < end && s[kn] == '=') {
			const char *v = s + kn + 1, *e = v;
			while (e < end && *e != ' ' && *e != ',' && *e != ';')
				e++;
			*val = bw_str_make(v, (size_t)(e - v));
			return 1;
		}
		s += kn;
		if (s >= end)
			break;
	}
	return 0;
}

/* Fill an address from a view; on failure leave ip absent. @return 1/0. */
static inline int bw_ip_from_view(bw_str s, bw_ip *ip)
{
	if (!s.p || s.n == 0)
		return 0;
	if (!bw_ip_parse(s.p, s.n, ip)) {
		memset(ip, 0, sizeof(*ip));
		return 0;
	}
	return 1;
}

#endif /* BW_AUTH_SCAN_H */
