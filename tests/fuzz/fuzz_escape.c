/*
 * fuzz_escape.c - the escapers of analyzer/buf.h, through which every
 * attacker-controlled byte reaches a terminal, a JSON document or an
 * HTML page, and the RFC 3339 time formatter.
 *
 * BW_FUZZ_ESCAPE=json|term|html|time picks the function (fuzz.sh runs
 * one session each, corpus tests/fuzz/corpus/escape-MODE/, so a crash in
 * one does not stop the others); unset, the first input byte picks it.
 * The input is the text; for time, eight bytes of a little-endian int64
 * milliseconds value.
 * Checks, beyond sanitizers:
 *   json: the escaped text in quotes is one valid JSON string, and it
 *         decodes to the input with each invalid UTF-8 byte shown as the
 *         four characters \xHH (buf.h's promise: no byte is lost);
 *   term: only printable ASCII and valid non-C1 UTF-8 come out, and
 *         undoing \\ and \xHH gives the input back (unambiguous);
 *   html: no < > " ' and no & outside an entity, no control bytes,
 *         valid UTF-8;
 *   time: 24 bytes of the form YYYY-MM-DDTHH:MM:SS.mmmZ for years
 *         0000..9999, short printable text for any other int64.
 * Text is appended to a non-empty buffer so offsets are not all zero.
 */
#include "fuzz_common.h"

#include "buf.h"

/* Length of a valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. Written independently of buf.c
 * so the two can disagree. */
static size_t u8len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	unsigned cp;
	size_t k;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		k = 2, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		k = 3, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	static const unsigned min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
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

static unsigned cp_of(const unsigned char *p, size_t l);
static int is_hidden(unsigned cp);

static void check_json(struct bw_buf *b, const unsigned char *in, size_t n)
{
	bw_buf_adds(b, "[\"");
	bw_buf_add_json_str(b, (const char *)in, n);
	bw_buf_adds(b, "\"]");
	if (b->oom)
		return;
	json_error_t err;
	json_t *j = json_loadb(b->p, b->n, JSON_ALLOW_NUL, &err);
	if (!j)
		fuzz_fail("json: invalid (%s): %.*s", err.text, (int)(b->n > 500 ? 500 : b->n), b->p);
	/* the text itself: no C1 control, bidi control or separator raw
	 * (a tailed alerts file reaches a terminal) */
	for (size_t i = 0; i < b->n;) {
		size_t l = u8len((const unsigned char *)b->p + i, b->n - i);
		unsigned cp = l ? cp_of((const unsigned char *)b->p + i, l) : 0;
		if (l && ((cp >= 0x80 && cp < 0xa0) || is_hidden(cp)))
			fuzz_fail("json: raw U+%04X at %zu", cp, i);
		i += l ? l : 1;
	}
	json_t *s = json_array_get(j, 0);
	const char *got = json_string_value(s);
	size_t got_n = json_string_length(s);
	if (!got)
		fuzz_fail("%s", "json: not a string");
	/* expected: input with each invalid byte as \xHH */
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t l = u8len(in + i, n - i);
		if (l) {
			if (k + l > got_n || memcmp(got + k, in + i, l) != 0)
				fuzz_fail("json: byte %zu decodes differently", i);
			k += l, i += l;
			continue;
		}
		static const char hx[] = "0123456789abcdef";
		char e[4] = { '\\', 'x', hx[in[i] >> 4], hx[in[i] & 15] };
		if (k + 4 > got_n || memcmp(got + k, e, 4) != 0)
			fuzz_fail("json: invalid byte %zu (0x%02x) not shown as \\x%02x", i, in[i], in[i]);
		k += 4, i++;
	}
	if (k != got_n)
		fuzz_fail("json: decoded %zu bytes, expected %zu", got_n, k);
	json_decref(j);
}

/* The code point of the l-byte UTF-8 sequence at p. */
static unsigned cp_of(const unsigned char *p, size_t l)
{
	static const unsigned char lead[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned cp = p[0] & lead[l];
	for (size_t i = 1; i < l; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Shown raw, it would reorder the text around it or break its line. */
static int is_hidden(unsigned cp)
{
	return cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void check_term(struct bw_buf *b, const unsigned char *in, size_t n)
{
	size_t start = b->n;
	bw_buf_add_term_str(b, (const char *)in, n);
	if (b->oom)
		return;
	const unsigned char *o = (const unsigned char *)b->p + start;
	size_t on = b->n - start, k = 0;
	for (size_t i = 0; i < on;) {
		unsigned c = o[i];
		if (c == '\\') {
			if (i + 1 < on && o[i + 1] == '\\') {
				if (k >= n || in[k] != '\\')
					fuzz_fail("term: \\\\ at %zu does not stand for a backslash", i);
				k++, i += 2;
				continue;
			}
			if (i + 5 < on && o[i + 1] == 'u') {
				/* \uXXXX: a bidi control or separator */
				unsigned cp = 0;
				for (int d = 2; d < 6; d++) {
					int h = hexval(o[i + d]);
					if (h < 0)
						fuzz_fail("term: bad \\u at %zu", i);
					cp = cp << 4 | (unsigned)h;
				}
				size_t l = k < n ? u8len(in + k, n - k) : 0;
				if (!l || cp_of(in + k, l) != cp || !is_hidden(cp))
					fuzz_fail("term: \\u%04x at %zu does not stand for input byte %zu", cp, i, k);
				k += l, i += 6;
				continue;
			}
			int h1 = i + 3 < on ? hexval(o[i + 2]) : -1;
			int h2 = i + 3 < on ? hexval(o[i + 3]) : -1;
			if (i + 3 >= on || o[i + 1] != 'x' || h1 < 0 || h2 < 0)
				fuzz_fail("term: lone backslash at %zu", i);
			if (k >= n || in[k] != (unsigned char)(h1 * 16 + h2))
				fuzz_fail("term: \\x escape at %zu does not match input byte %zu", i, k);
			k++, i += 4;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			fuzz_fail("term: control byte 0x%02x at %zu", c, i);
		size_t l = u8len(o + i, on - i);
		if (!l)
			fuzz_fail("term: invalid UTF-8 at %zu", i);
		if (l == 2 && c == 0xc2 && o[i + 1] < 0xa0)
			fuzz_fail("term: C1 control at %zu", i);
		if (is_hidden(cp_of(o + i, l)))
			fuzz_fail("term: raw bidi control or separator at %zu", i);
		if (k + l > n || memcmp(in + k, o + i, l) != 0)
			fuzz_fail("term: output at %zu differs from input at %zu", i, k);
		k += l, i += l;
	}
	if (k != n)
		fuzz_fail("term: output stands for %zu input bytes of %zu", k, n);
}

static void check_html(struct bw_buf *b, const unsigned char *in, size_t n)
{
	size_t start = b->n;
	bw_buf_add_html_str(b, (const char *)in, n);
	if (b->oom)
		return;
	const unsigned char *o = (const unsigned char *)b->p + start;
	size_t on = b->n - start;
	for (size_t i = 0; i < on;) {
		unsigned c = o[i];
		if (c == '<' || c == '>' || c == '"' || c == '\'')
			fuzz_fail("html: raw %c at %zu", c, i);
		if (c == '&') {
			static const char *const ent[] = { "&lt;", "&gt;", "&amp;", "&quot;", "&#39;" };
			size_t e = 0;
			while (e < 5 && (on - i < strlen(ent[e]) ||
					 memcmp(o + i, ent[e], strlen(ent[e])) != 0))
				e++;
			if (e == 5)
				fuzz_fail("html: bare & at %zu", i);
			i += strlen(ent[e]);
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			fuzz_fail("html: control byte 0x%02x at %zu", c, i);
		size_t l = u8len(o + i, on - i);
		if (!l)
			fuzz_fail("html: invalid UTF-8 at %zu", i);
		if (is_hidden(cp_of(o + i, l)))
			fuzz_fail("html: raw bidi control or separator at %zu", i);
		if (l == 2 && c == 0xc2 && o[i + 1] < 0xa0)
			fuzz_fail("html: C1 control at %zu", i);
		i += l;
	}
}

static void check_time(struct bw_buf *b, const unsigned char *in, size_t n)
{
	uint64_t u = 0;
	for (size_t i = 0; i < 8 && i < n; i++)
		u |= (uint64_t)in[i] << (8 * i);
	int64_t ms;
	memcpy(&ms, &u, sizeof(ms));
	size_t start = b->n;
	bw_buf_add_time(b, ms);
	if (b->oom)
		return;
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	const char *o = b->p + start;
	size_t on = b->n - start;
	/* RFC 3339 has four-digit years: outside 0000..9999 only ask for
	 * short printable text (what a parser lets through is its business) */
	if (ms < -62167219200000ll || ms > 253402300799999ll) {
		if (on > 40)
			fuzz_fail("time: %lld ms gave %zu bytes", (long long)ms, on);
		for (size_t i = 0; i < on; i++)
			if (o[i] < 0x20 || o[i] > 0x7e || o[i] == '"' || o[i] == '\\')
				fuzz_fail("time: %lld ms gave byte 0x%02x", (long long)ms, o[i]);
		return;
	}
	if (on != sizeof(shape) - 1)
		fuzz_fail("time: %lld ms gave %zu bytes: %.*s", (long long)ms, on, (int)on, o);
	for (size_t i = 0; i < on; i++)
		if (shape[i] == 'd' ? !(o[i] >= '0' && o[i] <= '9') : o[i] != shape[i])
			fuzz_fail("time: %lld ms gave %.*s", (long long)ms, (int)on, o);
}

static const char *const modes[4] = { "json", "term", "html", "time" };
static int fixed_mode = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *m = getenv("BW_FUZZ_ESCAPE");
	if (getenv("BW_FUZZ_LIST")) {
		for (int i = 0; i < 4; i++)
			printf("%s\n", modes[i]);
		exit(0);
	}
	for (int i = 0; m && *m && i < 4; i++)
		if (strcmp(m, modes[i]) == 0)
			fixed_mode = i;
	if (m && *m && fixed_mode < 0) {
		fprintf(stderr, "fuzz_escape: no mode '%s'\n", m);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;
	if (fixed_mode >= 0) {
		mode = (unsigned)fixed_mode;
	} else {
		if (size == 0)
			return 0;
		mode = data[0] % 4;
		data++, size--;
	}
	unsigned char *in = (unsigned char *)fuzz_dup(data, size);
	size_t n = size;
	struct bw_buf b;
	bw_buf_init(&b);
	switch (mode) {
	case 0: check_json(&b, in, n); break;
	case 1: bw_buf_adds(&b, "prefix "); check_term(&b, in, n); break;
	case 2: bw_buf_adds(&b, "<td>"); check_html(&b, in, n); break;
	default: bw_buf_addc(&b, '['); check_time(&b, in, n); break;
	}
	bw_buf_fini(&b);
	free(in);
	return 0;
}
