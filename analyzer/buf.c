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

void bw_buf_add_u64(struct bw_buf *b, uint64_t v)
{
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char tmp[24];
	size_t i = sizeof(tmp);
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		tmp[--i] = pairs[2 * r + 1];
		tmp[--i] = pairs[2 * r];
	}
	if (v >= 10) {
		tmp[--i] = pairs[2 * v + 1];
		tmp[--i] = pairs[2 * v];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	bw_buf_add(b, tmp + i, sizeof(tmp) - i);
}

void bw_buf_add_i64(struct bw_buf *b, int64_t v)
{
	if (v < 0) {
		bw_buf_addc(b, '-');
		bw_buf_add_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		bw_buf_add_u64(b, (uint64_t)v);
	}
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

void bw_buf_add_json_str(struct bw_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	if (bw_buf_reserve(b, n + 16) < 0)
		return;
	size_t i = 0;
	while (i < n) {
		/* Fast path: a run of plain printable ASCII, copied into the
		 * room reserved above. */
		size_t j = i;
#ifdef __SSE2__
		/* Sixteen bytes at a time: a signed compare below 0x20 also
		 * catches every byte >= 0x80. */
		const __m128i sp = _mm_set1_epi8(0x20), dq = _mm_set1_epi8('"'),
			      bsl = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);
		while (j + 16 <= n) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
			__m128i m = _mm_or_si128(
				_mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, dq)),
				_mm_or_si128(_mm_cmpeq_epi8(v, bsl), _mm_cmpeq_epi8(v, del)));
			if (_mm_movemask_epi8(m))
				break;
			j += 16;
		}
#endif
		while (j + 8 <= n) { /* eight bytes at a time (SWAR) */
			uint64_t x;
			memcpy(&x, p + j, 8);
			if (swar_special(x))
				break;
			j += 8;
		}
		while (j < n && !json_special[p[j]])
			j++;
		if (j > i) {
			memcpy(b->p + b->n, p + i, j - i);
			b->n += j - i;
			i = j;
			if (i == n)
				break;
		}
		unsigned c = p[i];
		char e[8];
		size_t en = 0;
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			en = 2;
		} else if (c == '\n') {
			memcpy(e, "\\n", 2);
			en = 2;
		} else if (c == '\r') {
			memcpy(e, "\\r", 2);
			en = 2;
		} else if (c == '\t') {
			memcpy(e, "\\t", 2);
			en = 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			en = 6;
		} else {
			size_t k = utf8_len(p + i, n - i);
			if (k) {
				bw_buf_add(b, p + i, k);
				i += k;
				continue;
			}
			memcpy(e, "\\\\x", 3);
			e[3] = hex[c >> 4];
			e[4] = hex[c & 15];
			en = 5;
		}
		/* Escapes grow the text: keep room for the rest. */
		if (bw_buf_reserve(b, en + (n - i) + 16) < 0)
			return;
		bw_buf_add(b, e, en);
		i++;
	}
}

/* Shared by the terminal and HTML escapers: printable ASCII goes through
 * `ascii` (which may itself escape), valid UTF-8 other than C1 controls
 * (U+0080..U+009F, c2 80..c2 9f) is copied, and every other byte is
 * written as \xHH. */
static void add_safe_text(struct bw_buf *b, const char *s, size_t n,
			  void (*ascii)(struct bw_buf *, unsigned char))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			ascii(b, (unsigned char)c);
			i++;
			continue;
		}
		size_t k = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (k && !(k == 2 && c == 0xc2 && p[i + 1] < 0xa0)) {
			bw_buf_add(b, p + i, k);
			i += k;
			continue;
		}
		char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		bw_buf_add(b, e, 4);
		i++;
	}
}

static void term_ascii(struct bw_buf *b, unsigned char c)
{
	if (c == '\\') /* so a logged "\x1b" cannot pass for an escape */
		bw_buf_add(b, "\\\\", 2);
	else
		bw_buf_addc(b, (char)c);
}

static void html_ascii(struct bw_buf *b, unsigned char c)
{
	switch (c) {
	case '<': bw_buf_add(b, "&lt;", 4); break;
	case '>': bw_buf_add(b, "&gt;", 4); break;
	case '&': bw_buf_add(b, "&amp;", 5); break;
	case '"': bw_buf_add(b, "&quot;", 6); break;
	case '\'': bw_buf_add(b, "&#39;", 5); break;
	default: bw_buf_addc(b, (char)c); break;
	}
}

void bw_buf_add_term_str(struct bw_buf *b, const char *s, size_t n)
{
	add_safe_text(b, s, n, term_ascii);
}

void bw_buf_add_html_str(struct bw_buf *b, const char *s, size_t n)
{
	add_safe_text(b, s, n, html_ascii);
}

void bw_buf_add_time(struct bw_buf *b, int64_t ms)
{
	/* Consecutive events mostly share their second: format the date
	 * part once per second (gmtime_r + snprintf cost more than the
	 * rest of an event). Single-threaded by design. */
	static int64_t cached_secs = INT64_MIN;
	static char cached[64]; /* "2026-11-27T13:04:01." */
	/* Floor division without overflow, INT64_MIN included. */
	int64_t secs = ms / 1000, rem = ms % 1000;
	if (rem < 0) {
		rem += 1000;
		secs--;
	}
	int msec = (int)rem;
	if (secs != cached_secs) {
		time_t t = (time_t)secs;
		struct tm tm;
		if (!gmtime_r(&t, &tm)) {
			bw_buf_adds(b, "1970-01-01T00:00:00.000Z");
			return;
		}
		snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d.",
			 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
		cached_secs = secs;
	}
	char tail[5] = { (char)('0' + msec / 100), (char)('0' + msec / 10 % 10),
			 (char)('0' + msec % 10), 'Z', 0 };
	bw_buf_add(b, cached, 20);
	bw_buf_add(b, tail, 4);
}

int bw_buf_write(struct bw_buf *b, FILE *f)
{
	int rc = 0;
	if (b->n && fwrite(b->p, 1, b->n, f) != b->n)
		rc = -1;
	b->n = 0;
	return rc;
}
