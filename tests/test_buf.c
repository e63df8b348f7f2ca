/*
 * test_buf.c - the escapers every sink relies on: attacker-controlled log
 * text must never reach a terminal, a JSON document or an HTML page raw.
 */
#include "bw_test.h"

#include "buf.h"

static const char hostile[] = "a\\b\x1b[31m<&>\"'\xc2\x9b\xc3\xa9\xff\x00z";
#define HOSTILE_N (sizeof(hostile) - 1)

static char *render(void (*fn)(struct bw_buf *, const char *, size_t))
{
	static char out[256];
	struct bw_buf b;
	bw_buf_init(&b);
	fn(&b, hostile, HOSTILE_N);
	snprintf(out, sizeof(out), "%.*s", (int)b.n, b.p);
	bw_buf_fini(&b);
	return out;
}

/* Nothing added to a buffer that has never grown: no pointer arithmetic
 * on its NULL storage (UBSan in the sanitizer run), nothing written. A
 * rule message ending in an empty literal did this (fuzz_rules). */
static void test_add_nothing(void)
{
	struct bw_buf b;
	bw_buf_init(&b);
	bw_buf_add(&b, "", 0);
	bw_buf_adds(&b, "");
	CHECK_EQ_INT(b.n, 0);
	CHECK_EQ_INT(b.oom, 0);
	bw_buf_adds(&b, "x");
	CHECK_EQ_INT(b.n, 1);
	bw_buf_add(&b, NULL, 0);
	CHECK_EQ_INT(b.n, 1);
	bw_buf_fini(&b);
}

static void test_terminal(void)
{
	/* ESC, the C1 CSI (c2 9b), NUL and the invalid byte become \xHH;
	 * a literal backslash is doubled; valid UTF-8 (é) passes. */
	CHECK_EQ_STR(render(bw_buf_add_term_str),
		     "a\\\\b\\x1b[31m<&>\"'\\xc2\\x9b\xc3\xa9\\xff\\x00z");
}

static void test_html(void)
{
	CHECK_EQ_STR(render(bw_buf_add_html_str),
		     "a\\b\\x1b[31m&lt;&amp;&gt;&quot;&#39;\\xc2\\x9b\xc3\xa9\\xff\\x00z");
}

static void test_json(void)
{
	/* Control bytes as \u00XX, the C1 ones too (an xterm acts on a raw
	 * U+009B CSI in a tailed alerts file), quote and backslash escaped,
	 * valid UTF-8 kept, invalid bytes as \\xHH. */
	CHECK_EQ_STR(render(bw_buf_add_json_str),
		     "a\\\\b\\u001b[31m<&>\\\"'\\u009b\xc3\xa9\\\\xff\\u0000z");
}

/* Characters that reorder or break the text around them when shown:
 * bidi overrides and isolates, marks, line and paragraph separators.
 * The terminal and HTML show their code; JSON escapes them. */
static char *render_s(void (*fn)(struct bw_buf *, const char *, size_t),
		      const char *s)
{
	static char out[256];
	struct bw_buf b;
	bw_buf_init(&b);
	fn(&b, s, strlen(s));
	snprintf(out, sizeof(out), "%.*s", (int)b.n, b.p);
	bw_buf_fini(&b);
	return out;
}

static void test_bidi(void)
{
	const char *s = "a\xe2\x80\xae" "b\xe2\x81\xa6" "c\xe2\x81\xa9\xe2\x80\x8f"
			"\xe2\x80\xa8\xd8\x9c\xe2\x80\x94" "z"; /* the em dash stays */
	CHECK_EQ_STR(render_s(bw_buf_add_term_str, s),
		     "a\\u202eb\\u2066c\\u2069\\u200f\\u2028\\u061c\xe2\x80\x94z");
	CHECK_EQ_STR(render_s(bw_buf_add_html_str, s),
		     "a\\u202eb\\u2066c\\u2069\\u200f\\u2028\\u061c\xe2\x80\x94z");
	CHECK_EQ_STR(render_s(bw_buf_add_json_str, s),
		     "a\\u202eb\\u2066c\\u2069\\u200f\\u2028\\u061c\xe2\x80\x94z");
}

static void test_time(void)
{
	struct bw_buf b;
	bw_buf_init(&b);
	bw_buf_add_time(&b, 1795781041123LL);
	bw_buf_addc(&b, ' ');
	bw_buf_add_time(&b, -1);
	bw_buf_addc(&b, ' ');
	bw_buf_add_time(&b, INT64_MIN); /* must not overflow (fuzz find) */
	bw_buf_addc(&b, 0);
	CHECK(strncmp(b.p, "2026-11-27T12:04:01.123Z 1969-12-31T23:59:59.999Z ", 50) == 0);
	bw_buf_fini(&b);
}

static void test_numbers(void)
{
	struct bw_buf b;
	bw_buf_init(&b);
	bw_buf_add_i64(&b, INT64_MIN);
	bw_buf_addc(&b, ' ');
	bw_buf_add_u64(&b, UINT64_MAX);
	bw_buf_addc(&b, ' ');
	bw_buf_add_i64(&b, 0);
	bw_buf_addc(&b, 0);
	CHECK_EQ_STR(b.p, "-9223372036854775808 18446744073709551615 0");
	bw_buf_fini(&b);
}

static void test_number_lengths(void)
{
	/* Every length, both sides of each power of ten, and negatives,
	 * against printf. */
	struct bw_buf b;
	bw_buf_init(&b);
	uint64_t p = 1;
	for (int k = 0; k < 20; k++, p *= 10) {
		uint64_t vals[3] = { p - 1, p, p + 1 };
		for (int j = 0; j < 3; j++) {
			char want[32];
			bw_buf_reset(&b);
			bw_buf_add_u64(&b, vals[j]);
			bw_buf_addc(&b, 0);
			snprintf(want, sizeof(want), "%llu", (unsigned long long)vals[j]);
			CHECK_EQ_STR(b.p, want);
			int64_t s = -(int64_t)(vals[j] >> 1);
			char out[24];
			size_t n = bw_fmt_i64(out, s);
			out[n] = 0;
			snprintf(want, sizeof(want), "%lld", (long long)s);
			CHECK_EQ_STR(out, want);
		}
	}
	bw_buf_fini(&b);
}

static void test_json_room(void)
{
	/* bw_json_escape_to's room is 6 bytes per input byte: the worst
	 * case fills it exactly (run under ASan by `make test-san`). */
	for (size_t n = 0; n < 40; n++) {
		char *in = malloc(n + 1), *out = malloc(n ? 6 * n : 1);
		memset(in, 0x01, n);
		CHECK(bw_json_escape_to(out, in, n) == out + 6 * n);
		memset(in, 'a', n);
		CHECK(bw_json_escape_to(out, in, n) == out + n);
		CHECK(n == 0 || (memcmp(out, in, n) == 0));
		free(in);
		free(out);
	}
}

int main(int argc, char **argv)
{
	static const struct bw_test tests[] = {
		{ "add_nothing", test_add_nothing },
		{ "terminal", test_terminal },
		{ "html", test_html },
		{ "json", test_json },
		{ "bidi", test_bidi },
		{ "time", test_time },
		{ "numbers", test_numbers },
		{ "number_lengths", test_number_lengths },
		{ "json_room", test_json_room },
		{ NULL, NULL },
	};
	return bw_test_main("buf", tests, argc, argv);
}
