/*
 * bw_util.c - scanning helpers for parsers. Never allocates, never reads
 * outside the given bounds (inputs are attacker controlled).
 */
#include "bw_util.h"
#include "bw_time.h"

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

/* "0" .. "255", NUL padded to four bytes. */
static const char octet_text[256][4] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
	"16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
	"32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
	"48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
	"64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
	"80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
	"96", "97", "98", "99", "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "110", "111",
	"112", "113", "114", "115", "116", "117", "118", "119", "120", "121", "122", "123", "124", "125", "126", "127",
	"128", "129", "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "140", "141", "142", "143",
	"144", "145", "146", "147", "148", "149", "150", "151", "152", "153", "154", "155", "156", "157", "158", "159",
	"160", "161", "162", "163", "164", "165", "166", "167", "168", "169", "170", "171", "172", "173", "174", "175",
	"176", "177", "178", "179", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "191",
	"192", "193", "194", "195", "196", "197", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207",
	"208", "209", "210", "211", "212", "213", "214", "215", "216", "217", "218", "219", "220", "221", "222", "223",
	"224", "225", "226", "227", "228", "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239",
	"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255",
};

size_t bw_ip_format(const bw_ip *ip, char *buf, size_t cap)
{
	if (!ip->family || cap < 46) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	if (ip->family == 4) {
		/* Per octet: one fixed 4-byte copy from a table of decimal
		 * texts, then its length (buf has room for the overrun). */
		size_t w = 0;
		for (int i = 12; i < 16; i++) {
			unsigned v = ip->addr[i];
			memcpy(buf + w, octet_text[v], 4);
			w += 1 + (v >= 10) + (v >= 100);
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

size_t bw_pct_decode(const char *p, size_t n, char *out)
{
	size_t r = 0, w = 0;
	while (r < n) {
		const char *pc = memchr(p + r, '%', n - r);
		size_t run = pc ? (size_t)(pc - (p + r)) : n - r;
		memmove(out + w, p + r, run);
		w += run;
		r += run;
		if (r >= n)
			break;
		int h = r + 2 < n ? hexval((unsigned char)p[r + 1]) : -1;
		int l = h >= 0 ? hexval((unsigned char)p[r + 2]) : -1;
		if (l >= 0) {
			out[w++] = (char)(h << 4 | l);
			r += 3;
		} else {
			out[w++] = '%';
			r++;
		}
	}
	return w;
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

size_t bw_path_normalize(const char *p, size_t n, char *out)
{
	size_t dn = bw_pct_decode(p, n, out);
	/* in place over the decoded bytes: the write end w never passes
	 * the read position i */
	size_t w = 0, i = 0;
	int abs = dn && (out[0] == '/' || out[0] == '\\');
	while (i < dn) {
		/* one segment: [i, e) up to the next slash */
		while (i < dn && (out[i] == '/' || out[i] == '\\'))
			i++;
		size_t s = i;
		while (i < dn && out[i] != '/' && out[i] != '\\')
			i++;
		size_t e = i;
		const char *semi = memchr(out + s, ';', e - s);
		if (semi)
			e = (size_t)(semi - out);
		size_t len = e - s;
		int last = i >= dn; /* no slash after it */
		if (len == 1 && out[s] == '.') {
			/* "." : nothing; "/x/." is "/x/" */
		} else if (len == 2 && out[s] == '.' && out[s + 1] == '.') {
			/* "..": drop the last written segment */
			while (w > 0 && out[w - 1] == '/')
				w--;
			while (w > 0 && out[w - 1] != '/')
				w--;
		} else if (len) {
			if (w == 0 ? abs : out[w - 1] != '/')
				out[w++] = '/';
			memmove(out + w, out + s, len);
			w += len;
			if (!last)
				out[w++] = '/';
			continue;
		} else if (last) {
			break;
		}
		/* after "." or "..", or an empty segment: a slash, once */
		if (w == 0 ? abs : out[w - 1] != '/')
			out[w++] = '/';
	}
	if (w == 0 && abs)
		out[w++] = '/';
	return w;
}

int bw_path_is_normal(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '%' || c == '\\' || c == ';')
			return 0;
		if (c != '/' && c != '.')
			continue;
		/* a segment that starts here (at 0 or after '/') and is
		 * empty, "." or ".." */
		if (c == '/') {
			if (i + 1 < n && p[i + 1] == '/')
				return 0;
			continue;
		}
		if (i > 0 && p[i - 1] != '/')
			continue;
		size_t e = i + 1 < n && p[i + 1] == '.' ? i + 2 : i + 1;
		if (e >= n || p[e] == '/')
			return 0;
	}
	/* a relative path normalizes without its leading "./" only, which
	 * the loop caught; an absolute one keeps everything else */
	return 1;
}

/* The next element of a forwarded list at p, after the separators
 * (commas and/or spaces) before it: *ok and *ip when it is an address;
 * with ports, "a.b.c.d:p" and "[v6]:p" are too. @return the element's
 * end, NULL when only separators are left. */
const char *bw_ip_list_elem(const char *p, const char *end, int ports,
			     bw_ip *ip, int *ok)
{
	while (p < end && (*p == ' ' || *p == ','))
		p++;
	if (p >= end)
		return NULL;
	/* usually a lone IPv4 address: scanning it finds the end too */
	size_t k = bw_ip_scan_v4(p, (size_t)(end - p), ip);
	const char *e = p + k;
	if (k && (e == end || *e == ' ' || *e == ',')) {
		*ok = 1;
		return e;
	}
	e = p;
	while (e < end && *e != ' ' && *e != ',')
		e++;
	const char *as = p, *ae = e;
	if (ports && ae > as && *as == '[') {
		const char *rb = memchr(as, ']', (size_t)(ae - as));
		if (rb) {
			as++;
			ae = rb;
		}
	} else if (ports) {
		const char *colon = memchr(as, ':', (size_t)(ae - as));
		if (colon && !memchr(colon + 1, ':', (size_t)(ae - colon - 1)))
			ae = colon;
	}
	*ok = ae > as && bw_ip_parse(as, (size_t)(ae - as), ip);
	return e;
}

int bw_web_server_tag(const char *p, size_t n)
{
	static const char *const names[] = {
		"nginx", "apache", "httpd", "lighttpd", "haproxy", "openresty",
		"tengine", "caddy", "access",
	};
	char low[64];
	if (!p || !n || n > sizeof(low))
		return 0;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] | 0x20 : p[i]);
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t m = strlen(names[k]);
		for (size_t i = 0; i + m <= n; i++)
			if (memcmp(low + i, names[k], m) == 0)
				return 1;
	}
	return 0;
}

int bw_clf_lead_ok(const char *p, size_t n)
{
	size_t i = 0;
	if (!n)
		return 0;
	if (p[0] == '"') {
		const char *q = memchr(p + 1, '"', n - 1);
		if (!q)
			return 0;
		i = (size_t)(q - p) + 1;
	}
	/* a '[' opening a word ("[error]", "[pid 1234]", "[Fri"), a quote
	 * not escaped as Apache writes one in %u (\"); memchr: this runs
	 * on every access line */
	const char *end = p + n;
	for (const char *q = p + i; (q = memchr(q, '[', (size_t)(end - q))); q++)
		if (q == p || q[-1] == ' ')
			return 0;
	for (const char *q = p + i; (q = memchr(q, '"', (size_t)(end - q))); q++)
		if (q == p || q[-1] != '\\')
			return 0;
	return 1;
}

size_t bw_syslog_sd_len(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] == '[') {
		size_t j = i + 1;
		while (j < n && p[j] != ']') {
			if (p[j] == '\\' && j + 1 < n)
				j++;
			j++;
		}
		if (j >= n)
			return 0;
		i = j + 1;
	}
	return i;
}

int bw_syslog_repeated(const char *m, size_t n, uint64_t *times, bw_str *inner)
{
	static const char rep[] = "message repeated ";
	static const char mid[] = " times: [";
	size_t i = sizeof(rep) - 1;
	if (n <= i || memcmp(m, rep, i) != 0)
		return 0;
	uint64_t v;
	size_t k = bw_parse_u64(m + i, m + n, &v);
	if (!k)
		return 0;
	i += k;
	if (n - i < sizeof(mid) - 1 || memcmp(m + i, mid, sizeof(mid) - 1) != 0)
		return 0;
	i += sizeof(mid) - 1;
	const char *b = m + i, *e = m + n;
	while (e > b && (e[-1] == ' ' || e[-1] == '\r'))
		e--;
	if (e > b && e[-1] == ']')
		e--;
	while (e > b && e[-1] == ' ')
		e--;
	*times = v ? v : 1;
	*inner = bw_str_make(b, (size_t)(e - b));
	return 1;
}

void bw_web_forwarded(bw_event *ev, bw_str list)
{
	if (!list.p || !list.n)
		return;
	ev->forwarded_for = list;
	if (ev->src_ip.family && !bw_ip_is_private(&ev->src_ip))
		return;
	const char *p = list.p, *end = p + list.n;
	bw_ip a;
	int ok;
	while ((p = bw_ip_list_elem(p, end, 1, &a, &ok)))
		if (ok && !bw_ip_is_private(&a)) {
			ev->src_ip = a;
			ev->src_port = 0; /* the peer's, not this client's */
			return;
		}
}

static int sl_digit(char c) { return c >= '0' && c <= '9'; }

/* bw_syslog_prefix (bw_util.h): the header's parts. */
/* TAG[PID]: at l[i]: @return the index after ": ", 0 when not one. */
static size_t syslog_tag_at(const char *l, size_t n, size_t i, bw_str *tag)
{
	size_t t = i;
	while (i < n && (l[i] == '_' || l[i] == '-' || l[i] == '.' ||
			 l[i] == '/' || sl_digit(l[i]) ||
			 ((l[i] | 0x20) >= 'a' && (l[i] | 0x20) <= 'z')))
		i++;
	if (i == t || i >= n)
		return 0;
	*tag = bw_str_make(l + t, i - t);
	if (l[i] == '[') {
		size_t d = ++i;
		while (i < n && sl_digit(l[i]))
			i++;
		if (i == d || i >= n || l[i] != ']')
			return 0;
		i++;
	}
	if (i + 1 >= n || l[i] != ':' || l[i + 1] != ' ')
		return 0;
	return i + 2;
}

/* The token at l[i] up to a space: @return the index after the space,
 * 0 when there is none. */
static size_t syslog_token(const char *l, size_t n, size_t i, bw_str *tok)
{
	size_t t = i;
	while (i < n && l[i] != ' ')
		i++;
	if (i == t || i >= n)
		return 0;
	*tok = bw_str_make(l + t, i - t);
	return i + 1;
}

size_t bw_syslog_prefix_slow(const char *l, size_t n, bw_str *host,
			     bw_str *tag)
{
	size_t i = 0;
	if (l[0] == '<') {
		for (i = 1; i < n && i <= 4 && sl_digit(l[i]); i++)
			;
		if (i == 1 || i >= n || l[i] != '>')
			return 0;
		i++;
		if (i + 1 < n && l[i] == '1' && l[i + 1] == ' ') {
			/* RFC 5424: 1 TS HOST APP PROCID MSGID SD MSG */
			bw_str ts, pid, mid;
			if (!(i = syslog_token(l, n, i + 2, &ts)) ||
			    !(i = syslog_token(l, n, i, host)) ||
			    !(i = syslog_token(l, n, i, tag)) ||
			    !(i = syslog_token(l, n, i, &pid)) ||
			    !(i = syslog_token(l, n, i, &mid)))
				return 0;
			if (i < n && l[i] == '-') {
				i++;
			} else if (i < n && l[i] == '[') {
				size_t sd = bw_syslog_sd_len(l + i, n - i);
				if (!sd)
					return 0;
				i += sd;
			}
			if (i >= n || l[i] != ' ')
				return 0;
			if (host->n == 1 && host->p[0] == '-')
				*host = BW_STR_NULL;
			return i + 1;
		}
	}
	const char *s = l + i;
	size_t left = n - i;
	if (left >= 16 && bw_month_from_abbr(s) && s[3] == ' ' &&
	    (s[4] == ' ' || sl_digit(s[4])) && sl_digit(s[5]) && s[6] == ' ' &&
	    sl_digit(s[7]) && sl_digit(s[8]) && s[9] == ':' &&
	    sl_digit(s[10]) && sl_digit(s[11]) && s[12] == ':' &&
	    sl_digit(s[13]) && sl_digit(s[14]) && s[15] == ' ') {
		i += 16;
	} else if (left >= 20 && sl_digit(s[0]) && sl_digit(s[1]) &&
		   sl_digit(s[2]) && sl_digit(s[3]) && s[4] == '-' &&
		   sl_digit(s[5]) && sl_digit(s[6]) && s[7] == '-' &&
		   sl_digit(s[8]) && sl_digit(s[9]) && s[10] == 'T' &&
		   sl_digit(s[11]) && sl_digit(s[12]) && s[13] == ':') {
		const char *sp = memchr(s, ' ', left);
		if (!sp || sp - s > 40)
			return 0;
		i += (size_t)(sp - s) + 1;
	} else {
		return 0;
	}
	/* no HOST: the tag follows the stamp ("Nov 27 13:04:03 sshd[100]: ") */
	size_t k = syslog_tag_at(l, n, i, tag);
	if (k) {
		*host = BW_STR_NULL;
		return k;
	}
	if (!(i = syslog_token(l, n, i, host)))
		return 0;
	return syslog_tag_at(l, n, i, tag);
}


void bw_url_target(bw_event *ev, bw_str t)
{
	const char *q = t.p ? memchr(t.p, '?', t.n) : NULL;
	if (!q) {
		ev->url_path = t;
		return;
	}
	ev->url_path = bw_str_make(t.p, (size_t)(q - t.p));
	ev->url_query = bw_str_make(q + 1, (size_t)(t.p + t.n - q - 1));
}

bw_str bw_host_only(bw_str h)
{
	if (h.n > 2 && h.p[0] == '[') {
		const char *rb = memchr(h.p, ']', h.n);
		if (rb)
			return bw_str_make(h.p + 1, (size_t)(rb - h.p - 1));
	}
	const char *colon = h.p ? memchr(h.p, ':', h.n) : NULL;
	if (colon && !memchr(colon + 1, ':', (size_t)(h.p + h.n - colon - 1)))
		h.n = (size_t)(colon - h.p);
	return h;
}
