/*
 * bw_util.c - scanning helpers for parsers. Never allocates, never reads
 * outside the given bounds (inputs are attacker controlled).
 */
#include "bw_util.h"

#include <arpa/inet.h>
#include <stdio.h>

int bw_str_ieq(bw_str s, const char *lit)
{
	size_t n = strlen(lit);
	if (!s.p || s.n != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s.p[i], b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

const char *bw_memmem(const char *hay, size_t hn, const char *needle, size_t nn)
{
	if (nn == 0)
		return hay;
	if (hn < nn)
		return NULL;
	const char *end = hay + hn - nn + 1;
	for (const char *p = hay; p < end;) {
		p = memchr(p, needle[0], (size_t)(end - p));
		if (!p)
			return NULL;
		if (memcmp(p, needle, nn) == 0)
			return p;
		p++;
	}
	return NULL;
}

void bw_ip_from_v4(bw_ip *ip, uint32_t v4)
{
	memset(ip->addr, 0, 10);
	ip->addr[10] = 0xff;
	ip->addr[11] = 0xff;
	ip->addr[12] = (uint8_t)(v4 >> 24);
	ip->addr[13] = (uint8_t)(v4 >> 16);
	ip->addr[14] = (uint8_t)(v4 >> 8);
	ip->addr[15] = (uint8_t)v4;
	ip->family = 4;
}

size_t bw_ip_scan_v4(const char *p, size_t n, bw_ip *ip)
{
	/* Unrolled per octet: 1 to 3 digits (leading zeros allowed), value
	 * <= 255, and no fourth digit. */
	uint32_t v = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		if (part) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
		unsigned x, c;
		if (i >= n || (x = (unsigned char)p[i] - '0') > 9)
			return 0;
		i++;
		if (i < n && (c = (unsigned char)p[i] - '0') <= 9) {
			x = x * 10 + c;
			i++;
			if (i < n && (c = (unsigned char)p[i] - '0') <= 9) {
				x = x * 10 + c;
				i++;
				if ((i < n && (unsigned)((unsigned char)p[i] - '0') <= 9) || x > 255)
					return 0;
			}
		}
		v = (v << 8) | x;
	}
	bw_ip_from_v4(ip, v);
	return i;
}

int bw_ip_parse(const char *p, size_t n, bw_ip *ip)
{
	char buf[64];

	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if (n == 0 || n > 63)
		return 0;
	/* The common case first: a dotted quad, much cheaper than inet_pton
	 * with a copy. It cannot hold a ':', so trying it first changes
	 * nothing for IPv6. */
	bw_ip v4;
	if (bw_ip_scan_v4(p, n, &v4) == n) {
		*ip = v4;
		return 1;
	}
	if (memchr(p, ':', n) == NULL)
		return 0;
	const char *pct = memchr(p, '%', n);
	if (pct)
		n = (size_t)(pct - p);
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, ip->addr) != 1)
		return 0;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	ip->family = memcmp(ip->addr, mapped, 12) == 0 ? 4 : 6;
	return 1;
}

size_t bw_ip_format(const bw_ip *ip, char *buf, size_t cap)
{
	if (!ip->family || cap < 46) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	if (ip->family == 4) {
		/* Per octet: the hundreds digit, then a digit pair from the
		 * table (one multiply instead of two divisions). */
		static const char pairs[201] =
			"0001020304050607080910111213141516171819"
			"2021222324252627282930313233343536373839"
			"4041424344454647484950515253545556575859"
			"6061626364656667686970717273747576777879"
			"8081828384858687888990919293949596979899";
		size_t w = 0;
		for (int i = 12; i < 16; i++) {
			unsigned v = ip->addr[i];
			if (v >= 100) {
				unsigned h = v >= 200 ? 2 : 1;
				buf[w++] = (char)('0' + h);
				v -= 100 * h;
				buf[w] = pairs[2 * v];
				buf[w + 1] = pairs[2 * v + 1];
				w += 2;
			} else if (v >= 10) {
				buf[w] = pairs[2 * v];
				buf[w + 1] = pairs[2 * v + 1];
				w += 2;
			} else {
				buf[w++] = (char)('0' + v);
			}
			buf[w++] = '.';
		}
		buf[--w] = '\0';
		return w;
	}
	if (!inet_ntop(AF_INET6, ip->addr, buf, (socklen_t)cap)) {
		buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
}

int bw_ip_is_private(const bw_ip *ip)
{
	const uint8_t *a = ip->addr;
	if (ip->family == 4) {
		const uint8_t *b = a + 12;
		return b[0] == 10 || b[0] == 127 ||
		       (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) ||
		       (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64);
	}
	if (ip->family == 6) {
		static const uint8_t lo[16] = { [15] = 1 };
		return memcmp(a, lo, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
		       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t bw_unescape_inplace(char *p, size_t n)
{
	char *bs = memchr(p, '\\', n);
	if (!bs)
		return n;
	size_t r = (size_t)(bs - p), w = r;
	while (r < n) {
		char c = p[r];
		if (c == '\\' && r + 1 < n) {
			char e = p[r + 1];
			if (e == '"' || e == '\\') {
				p[w++] = e;
				r += 2;
				continue;
			}
			if (e == 'x' && r + 3 < n) {
				int h = hexval((unsigned char)p[r + 2]);
				int l = hexval((unsigned char)p[r + 3]);
				if (h >= 0 && l >= 0) {
					p[w++] = (char)(h << 4 | l);
					r += 4;
					continue;
				}
			}
		}
		p[w++] = c;
		r++;
	}
	return w;
}
