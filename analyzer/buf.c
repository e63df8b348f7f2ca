/*
 * buf.c - growable buffer and escapers (see buf.h). The buffer grows by
 * doubling and is reused across lines, so the steady state allocates
 * nothing.
 */
#include "buf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void bw_buf_init(struct bw_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void bw_buf_fini(struct bw_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int bw_buf_reserve(struct bw_buf *b, size_t n)
{
	if (b->n + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->n + n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void bw_buf_adds(struct bw_buf *b, const char *s)
{
	bw_buf_add(b, s, strlen(s));
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of v (1..20): log10 from the bit length, corrected by
 * one compare. v | 1 has as many digits as v, and one for 0. */
static inline size_t u64_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	uint64_t x = v | 1;
	unsigned t = ((unsigned)(64 - __builtin_clzll(x)) * 1233) >> 12;
	return t + 1 - (x < pow10[t]);
}

/* Right to left, four digits per step as two independent pairs (a
 * shorter dependency chain than pair after pair); the common values
 * (status, sizes, line numbers) fit 32 bits, whose division is cheaper. */
static inline size_t put_u64(char *o, uint64_t v)
{
	size_t len = u64_digits(v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (v < 100000000) {
		/* Up to eight digits (nearly every value): all eight from
		 * four independent pairs, assembled in a register (bytes in
		 * text order), shifted past the leading zeros and stored
		 * whole (o has room for 20). No branch depends on the
		 * value's size, which varies line to line, and no narrow
		 * stores are reloaded wide. */
		uint32_t w = (uint32_t)v, hi = w / 10000, lo = w % 10000;
		uint16_t a, b, c, d;
		memcpy(&a, digit_pairs + 2 * (hi / 100), 2);
		memcpy(&b, digit_pairs + 2 * (hi % 100), 2);
		memcpy(&c, digit_pairs + 2 * (lo / 100), 2);
		memcpy(&d, digit_pairs + 2 * (lo % 100), 2);
		uint64_t t = (uint64_t)a | (uint64_t)b << 16 | (uint64_t)c << 32 |
			     (uint64_t)d << 48;
		t >>= 8 * (8 - len);
		memcpy(o, &t, 8);
		return len;
	}
#endif
	char *e = o + len;
	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 10000);
		v /= 10000;
		e -= 4;
		memcpy(e, digit_pairs + 2 * (r / 100), 2);
		memcpy(e + 2, digit_pairs + 2 * (r % 100), 2);
	}
	uint32_t w = (uint32_t)v;
	while (w >= 10000) {
		unsigned r = w % 10000;
		w /= 10000;
		e -= 4;
		memcpy(e, digit_pairs + 2 * (r / 100), 2);
		memcpy(e + 2, digit_pairs + 2 * (r % 100), 2);
	}
	if (w >= 100) {
		unsigned r = w % 100;
		w /= 100;
		e -= 2;
		memcpy(e, digit_pairs + 2 * r, 2);
	}
	if (w >= 10)
		memcpy(e - 2, digit_pairs + 2 * w, 2);
	else
		e[-1] = (char)('0' + w);
	return len;
}

size_t bw_fmt_i64(char *out, int64_t v)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + put_u64(out + 1, (uint64_t)0 - (uint64_t)v);
	}
	return put_u64(out, (uint64_t)v);
}

void bw_buf_add_u64(struct bw_buf *b, uint64_t v)
{
	if (b->n + 20 > b->cap && bw_buf_reserve(b, 20) < 0)
		return;
	b->n += put_u64(b->p + b->n, v);
}

void bw_buf_add_i64(struct bw_buf *b, int64_t v)
{
	if (b->n + 20 > b->cap && bw_buf_reserve(b, 20) < 0)
		return;
	b->n += bw_fmt_i64(b->p + b->n, v);
}

/* The code point of the valid k-byte UTF-8 sequence at p (k 2 or 3)
 * when shown raw it would be a control or would move the text around it:
 * a C1 control (U+0080-009F: U+009B is a CSI to an xterm), a bidi mark,
 * embedding, override or isolate (U+061C, U+200E-200F, U+202A-202E,
 * U+2066-2069: "sqlmap U+202E..." reads backwards), or a line or
 * paragraph separator (U+2028-2029). 0 for any other. */
static unsigned hidden_cp(const unsigned char *p, size_t k)
{
	if (k == 2) {
		unsigned cp = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
		return cp < 0xa0 || cp == 0x61c ? cp : 0;
	}
	if (k != 3 || p[0] != 0xe2)
		return 0;
	unsigned cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
	return cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) ? cp : 0;
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static const char hex[] = "0123456789abcdef";

/* 1 for bytes that leave the JSON fast path. */
static const unsigned char json_special[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f ... 0xff] = 1,
};

/* Nonzero when any byte of x is < 0x20, '"', '\\', 0x7f or >= 0x80. */
static inline uint64_t swar_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t lt20 = (x - ones * 0x20) & ~x;
	uint64_t q = x ^ (ones * '"');
	uint64_t bs = x ^ (ones * '\\');
	uint64_t del = x ^ (ones * 0x7f);
	uint64_t zq = (q - ones) & ~q;
	uint64_t zb = (bs - ones) & ~bs;
	uint64_t zd = (del - ones) & ~del;
	return (lt20 | zq | zb | zd | x) & high;
}

#ifdef __SSE2__
/* Bit k set when byte k of v leaves the fast path. Adding one maps 0x7f
 * and every byte >= 0x80 to a negative signed byte, so one signed
 * compare below 0x21 catches them and the C0 controls. */
static inline unsigned sse_special(__m128i v)
{
	const __m128i one = _mm_set1_epi8(1), lim = _mm_set1_epi8(0x21),
		      dq = _mm_set1_epi8('"'), bsl = _mm_set1_epi8('\\');
	__m128i m = _mm_or_si128(_mm_cmplt_epi8(_mm_add_epi8(v, one), lim),
				 _mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bsl)));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Copy the run of plain printable ASCII (nothing to escape) at the start
 * of p to o, where there is room for n + 16 bytes; bytes after the run
 * may be copied too (the caller overwrites them). @return the run's
 * length. Reads only p[0..n): a tail shorter than a block is done as one
 * block overlapping bytes already known to be plain, so the first special
 * byte it flags is still the first of the run. Inline copies: most
 * strings are short, where a memcpy call would cost more than the scan. */
static inline __attribute__((always_inline)) size_t
json_copy_plain(char *o, const unsigned char *p, size_t n)
{
	size_t j = 0;
#ifdef __SSE2__
	if (n >= 16) {
		__m128i v, w;
		unsigned m;
		for (; j + 32 <= n; j += 32) { /* one test per 32 bytes */
			v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
			w = _mm_loadu_si128((const __m128i *)(const void *)(p + j + 16));
			_mm_storeu_si128((__m128i *)(void *)(o + j), v);
			_mm_storeu_si128((__m128i *)(void *)(o + j + 16), w);
			if ((m = sse_special(v) | sse_special(w) << 16) != 0)
				return j + (size_t)__builtin_ctz(m);
		}
		for (; j + 16 <= n; j += 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
			_mm_storeu_si128((__m128i *)(void *)(o + j), v);
			if ((m = sse_special(v)) != 0)
				return j + (size_t)__builtin_ctz(m);
		}
		if (j == n)
			return n;
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
		_mm_storeu_si128((__m128i *)(void *)(o + n - 16), v);
		m = sse_special(v);
		return m ? n - 16 + (size_t)__builtin_ctz(m) : n;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Borrows in swar_special only flag bytes above a special one, so
	 * on little-endian the lowest flag is exact. */
	uint64_t x, m;
	if (n >= 8) {
		for (; j + 8 <= n; j += 8) {
			memcpy(&x, p + j, 8);
			memcpy(o + j, &x, 8);
			if ((m = swar_special(x)) != 0)
				return j + (size_t)__builtin_ctzll(m) / 8;
		}
		if (j == n)
			return n;
		memcpy(&x, p + n - 8, 8);
		memcpy(o + n - 8, &x, 8);
		m = swar_special(x);
		return m ? n - 8 + (size_t)__builtin_ctzll(m) / 8 : n;
	}
	if (n >= 4) { /* bytes 0..3 and n-4..n-1 as one word */
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		memcpy(o, &lo, 4);
		memcpy(o + n - 4, &hi, 4);
		m = swar_special(lo | (uint64_t)hi << 32);
		if (!m)
			return n;
		size_t k = (size_t)__builtin_ctzll(m) / 8;
		return k < 4 ? k : n - 8 + k;
	}
#endif
	for (; j < n && !json_special[p[j]]; j++)
		o[j] = (char)p[j];
	return j;
}

char *bw_json_escape_to(char *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	/* Fast path: the run of plain printable ASCII. json_copy_plain
	 * writes only within o[0 .. n - i), inside the room for the rest. */
	size_t i = json_copy_plain(o, p, n);
	o += i;
	while (i < n) {
		unsigned c = p[i];
		if (c == '"' || c == '\\') {
			o[0] = '\\';
			o[1] = (char)c;
			o += 2;
		} else if (c == '\n') {
			memcpy(o, "\\n", 2);
			o += 2;
		} else if (c == '\r') {
			memcpy(o, "\\r", 2);
			o += 2;
		} else if (c == '\t') {
			memcpy(o, "\\t", 2);
			o += 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			size_t k = utf8_len(p + i, n - i);
			unsigned cp = k ? hidden_cp(p + i, k) : 0;
			if (cp) {
				/* at most 6 bytes for 2 or 3: within the room */
				memcpy(o, "\\u", 2);
				o[2] = hex[cp >> 12];
				o[3] = hex[cp >> 8 & 15];
				o[4] = hex[cp >> 4 & 15];
				o[5] = hex[cp & 15];
				o += 6;
				i += k - 1;
			} else if (k) {
				memcpy(o, p + i, k);
				o += k;
				i += k - 1;
			} else {
				memcpy(o, "\\\\x", 3);
				o[3] = hex[c >> 4];
				o[4] = hex[c & 15];
				o += 5;
			}
		}
		i++;
		size_t k = json_copy_plain(o, p + i, n - i);
		o += k;
		i += k;
	}
	return o;
}

void bw_buf_add_json_str(struct bw_buf *b, const char *s, size_t n)
{
	if (b->n + 6 * n > b->cap && bw_buf_reserve(b, 6 * n) < 0)
		return;
	b->n = (size_t)(bw_json_escape_to(b->p + b->n, s, n) - b->p);
}

void bw_buf_add_json_quoted(struct bw_buf *b, const char *s, size_t n)
{
	if (b->n + 6 * n + 2 > b->cap && bw_buf_reserve(b, 6 * n + 2) < 0)
		return;
	char *o = b->p + b->n;
	*o++ = '"';
	o = bw_json_escape_to(o, s, n);
	*o++ = '"';
	b->n = (size_t)(o - b->p);
}

/* Shared by the terminal and HTML escapers: printable ASCII is copied in
 * runs, but for the bytes `rep` gives a replacement for; valid UTF-8
 * other than C1 controls (U+0080..U+009F, c2 80..c2 9f) is copied, and
 * every other byte is written as \xHH. */
static void add_safe_text(struct bw_buf *b, const char *s, size_t n,
			  const char *const rep[256])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] >= 0x20 && p[j] < 0x7f && !rep[p[j]])
			j++;
		if (j > i) {
			bw_buf_add(b, p + i, j - i);
			i = j;
			continue;
		}
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			bw_buf_adds(b, rep[c]);
			i++;
			continue;
		}
		size_t k = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
		unsigned cp = k ? hidden_cp(p + i, k) : 0;
		if (k && cp >= 0x100) {
			char u[6] = { '\\', 'u', hex[cp >> 12], hex[cp >> 8 & 15],
				      hex[cp >> 4 & 15], hex[cp & 15] };
			bw_buf_add(b, u, 6);
			i += k;
			continue;
		}
		if (k && !cp) {
			bw_buf_add(b, p + i, k);
			i += k;
			continue;
		}
		char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		bw_buf_add(b, e, 4);
		i++;
	}
}

/* What each escaper writes for the printable ASCII it rewrites. A
 * backslash is doubled on a terminal, so a logged "\x1b" cannot pass
 * for an escape. */
static const char *const term_rep[256] = { ['\\'] = "\\\\" };
static const char *const html_rep[256] = {
	['<'] = "&lt;", ['>'] = "&gt;", ['&'] = "&amp;", ['"'] = "&quot;",
	['\''] = "&#39;",
};

void bw_buf_add_term_str(struct bw_buf *b, const char *s, size_t n)
{
	add_safe_text(b, s, n, term_rep);
}

void bw_buf_add_html_str(struct bw_buf *b, const char *s, size_t n)
{
	add_safe_text(b, s, n, html_rep);
}

static inline void put2(char *p, unsigned v)
{
	memcpy(p, digit_pairs + 2 * v, 2);
}

/* "YYYY-MM-DDT" for a day count since 1970-01-01 (0 <= days, year <=
 * 9999): Howard Hinnant's civil_from_days, without gmtime_r. */
static void format_date(char *out, int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	unsigned y = (unsigned)(yoe + era * 400) + (m <= 2);
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
}

void bw_time_format_to(char *o, int64_t ms)
{
	/* Consecutive events mostly share their second, and nearly always
	 * their day: the text is cached per second, its date part per day.
	 * Single-threaded by design. */
	static int64_t cached_secs = INT64_MIN, cached_days = INT64_MIN;
	static char cached[64]; /* "2026-11-27T13:04:01." */
	/* Floor division without overflow, INT64_MIN included. */
	int64_t secs = ms / 1000, rem = ms % 1000;
	if (rem < 0) {
		rem += 1000;
		secs--;
	}
	unsigned msec = (unsigned)rem;
	if (secs != cached_secs) {
		if (secs >= 0 && secs < 253402300800) { /* 1970 .. 9999 */
			int64_t days = secs / 86400;
			unsigned sod = (unsigned)(secs % 86400);
			if (days != cached_days) {
				format_date(cached, days);
				cached_days = days;
			}
			put2(cached + 11, sod / 3600);
			cached[13] = ':';
			put2(cached + 14, sod / 60 % 60);
			cached[16] = ':';
			put2(cached + 17, sod % 60);
			cached[19] = '.';
		} else {
			/* Rare: the C library handles years before 1970 and the
			 * overflow cases exactly as before. */
			time_t t = (time_t)secs;
			struct tm tm;
			if (!gmtime_r(&t, &tm)) {
				memcpy(o, "1970-01-01T00:00:00.000Z", 24);
				return;
			}
			snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.",
				 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec);
			cached_days = INT64_MIN;
		}
		cached_secs = secs;
	}
	memcpy(o, cached, 20);
	o[20] = (char)('0' + msec / 100);
	put2(o + 21, msec % 100);
	o[23] = 'Z';
}

void bw_buf_add_time(struct bw_buf *b, int64_t ms)
{
	if (b->n + 24 > b->cap && bw_buf_reserve(b, 24) < 0)
		return;
	bw_time_format_to(b->p + b->n, ms);
	b->n += 24;
}

int bw_buf_write(struct bw_buf *b, FILE *f)
{
	int rc = 0;
	if (b->n && fwrite(b->p, 1, b->n, f) != b->n)
		rc = -1;
	b->n = 0;
	return rc;
}
